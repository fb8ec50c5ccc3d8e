// IP addresses, CIDRs and address ranges, for IPv4 and IPv6 alike.
// Addresses are bigints so that one code path serves both families.

export type Family = 4 | 6;

export interface Address {
  family: Family;
  value: bigint;
}

/** An inclusive range of addresses of one family. */
export interface AddressRange {
  family: Family;
  first: bigint;
  last: bigint;
}

export interface Cidr extends AddressRange {
  prefix: number;
  /** The CIDR as written by the user. */
  text: string;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function parseAddress(text: string): Address | undefined {
  const s = text.trim();
  if (s.includes(":")) {
    const v = parseIPv6(s);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIPv4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith("0"))) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  let text = s;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    // An embedded IPv4 tail ("::ffff:1.2.3.4") becomes two hex words.
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const words = (h: string) => (h === "" ? [] : h.split(":"));
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return undefined;
  const all = [...head, ...Array<string>(8 - head.length - tail.length).fill("0"), ...tail];
  let v = 0n;
  for (const w of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
    v = (v << 16n) | BigInt(parseInt(w, 16));
  }
  return v;
}

/** Parses "10.0.0.0/8" or "fd00::/8". Host bits are cleared (upstream treats "10.0.0.5/8" as its network). */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const addr = parseAddress(m[1]);
  if (!addr) return undefined;
  const prefix = Number(m[2]);
  const bits = BITS[addr.family];
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const first = (addr.value >> hostBits) << hostBits;
  const last = first + (1n << hostBits) - 1n;
  return { family: addr.family, first, last, prefix, text };
}

/** True when the CIDR was written with host bits set (e.g. "10.0.0.5/8"). */
export function hasHostBits(c: Cidr): boolean {
  const addr = parseAddress(c.text.split("/")[0]);
  return addr !== undefined && addr.value !== c.first;
}

/** A compact map key for an address. */
export function addressKey(a: Address): string {
  return `${a.family}:${a.value}`;
}

export function contains(r: AddressRange, a: Address): boolean {
  return r.family === a.family && r.first <= a.value && a.value <= r.last;
}

export function formatAddress(a: Address): string {
  return a.family === 4 ? formatIPv4(a.value) : formatIPv6(a.value);
}

function formatIPv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join(".");
}

function formatIPv6(v: bigint): string {
  const words = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  // Compress the longest run of zero words (RFC 5952).
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

export function formatRange(r: AddressRange): string {
  return `${formatAddress({ family: r.family, value: r.first })}-${formatAddress({ family: r.family, value: r.last })}`;
}

export function fullRange(family: Family): AddressRange {
  return { family, first: 0n, last: (1n << BigInt(BITS[family])) - 1n };
}

/**
 * Splits the address space of `family` at every boundary of `ranges`, returning the disjoint
 * ranges that cover it; within each piece every given range either contains all or none.
 */
export function partitionSpace(family: Family, ranges: AddressRange[]): AddressRange[] {
  const full = fullRange(family);
  const cuts = new Set<bigint>([full.first]);
  for (const r of ranges) {
    if (r.family !== family) continue;
    cuts.add(r.first);
    if (r.last < full.last) cuts.add(r.last + 1n);
  }
  const starts = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return starts.map((first, i) => ({ family, first, last: i + 1 < starts.length ? starts[i + 1] - 1n : full.last }));
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted, disjoint, non-adjacent ranges covering the same addresses (per family, IPv4 first). */
export function mergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => a.family - b.family || compareBig(a.first, b.first));
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.first <= last.last + 1n) {
      if (r.last > last.last) out[out.length - 1] = { ...last, last: r.last };
    } else out.push({ family: r.family, first: r.first, last: r.last });
  }
  return out;
}

/** The addresses of `r` outside every range of `cut`. */
export function subtractRanges(r: AddressRange, cut: readonly AddressRange[]): AddressRange[] {
  let parts: AddressRange[] = [{ family: r.family, first: r.first, last: r.last }];
  for (const c of cut) {
    if (c.family !== r.family) continue;
    parts = parts.flatMap((p) => {
      if (c.last < p.first || c.first > p.last) return [p];
      const kept: AddressRange[] = [];
      if (c.first > p.first) kept.push({ ...p, last: c.first - 1n });
      if (c.last < p.last) kept.push({ ...p, first: c.last + 1n });
      return kept;
    });
  }
  return parts;
}

/** "10.0.0.0/8" when the range is one CIDR block, "10.0.0.1" for one address, else "first-last". */
export function formatRangeCompact(r: AddressRange): string {
  const size = r.last - r.first + 1n;
  const first = formatAddress({ family: r.family, value: r.first });
  if (size === 1n) return first;
  const bits = BigInt(BITS[r.family]);
  if ((size & (size - 1n)) === 0n && r.first % size === 0n) {
    let hostBits = 0n;
    while (1n << hostBits < size) hostBits++;
    return `${first}/${bits - hostBits}`;
  }
  return `${first}-${formatAddress({ family: r.family, value: r.last })}`;
}
