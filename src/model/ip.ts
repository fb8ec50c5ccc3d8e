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

/**
 * An address as Go's net.ParseIP and the kernel read it: an IPv4-mapped IPv6 address
 * (`::ffff:10.9.9.9`) is the IPv4 address 10.9.9.9 (net.IP.To4 gives it, and a socket that connects
 * or sends to it sends IPv4 packets: the flow is the IPv4 one). Every reader of an address (pod and
 * Workload addresses, flows, history, explain's `ip:`) reads it so; parseAddressAsWritten keeps the
 * written family (net/netip.ParseAddr, for CIDR parsers and validation).
 */
export function parseAddress(text: string): Address | undefined {
  const a = parseAddressAsWritten(text);
  return a && a.family === 6 && isMapped(a.value) ? { family: 4, value: a.value & 0xffffffffn } : a;
}

/** Whether an IPv6 address is IPv4-mapped (::ffff:0:0/96, netip's Is4In6). */
export function isMapped(v6: bigint): boolean {
  return v6 >> 32n === 0xffffn;
}

/**
 * An address in the family it is written in: `::ffff:10.9.9.9` is IPv6 (net/netip.ParseAddr). No
 * white space, as no Go parser takes it (net.ParseIP(" 10.0.0.1") is nil: the API server refuses
 * such a clusterIP or podIP).
 */
export function parseAddressAsWritten(s: string): Address | undefined {
  if (s.includes(":")) {
    const v = parseIPv6(s);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIPv4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

/**
 * Whether `text` is an address parseAddress reads (nothing made for it: a pod's hostIP is checked
 * for every pod and kept only for host-network pods without addresses of their own).
 */
export function isAddress(s: string): boolean {
  return s.includes(":") ? parseIPv6(s) !== undefined : ipv4Number(s) !== undefined;
}

/** Four decimal octets, 0-255, without leading zeros. */
function parseIPv4(s: string): bigint | undefined {
  const v = ipv4Number(s);
  return v === undefined ? undefined : BigInt(v);
}

/** parseIPv4's value as a number. */
function ipv4Number(s: string): number | undefined {
  let v = 0, octet = 0, digits = 0, parts = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || octet > 255 || ++parts > 4) return undefined;
      v = v * 256 + octet;
      octet = digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 3 || (digits === 1 && octet === 0)) return undefined;
      octet = octet * 10 + (c - 48);
      digits++;
    } else return undefined;
  }
  return parts === 4 ? v : undefined;
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

/**
 * Parses "10.0.0.0/8" or "fd00::/8" as Go's net.ParseCIDR and net.IPNet read them: an IPv4-mapped
 * prefix of /96 or longer is the IPv4 network (`::ffff:10.0.0.0/104` is 10.0.0.0/8, its text the IPv4
 * form), as parseAddress reads an IPv4-mapped address; a shorter one stays IPv6 (`::ffff:0:0/80`).
 * Host bits are cleared (upstream treats "10.0.0.5/8" as its network).
 */
export function parseCidr(text: string): Cidr | undefined {
  const c = parseCidrAsWritten(text);
  return c && c.family === 6 && c.prefix >= 96 && isMapped(c.first) ? mappedNetwork(c) : c;
}

/** An IPv4-mapped prefix of /96 or longer as the IPv4 network net.IPNet reads (text: that network). */
function mappedNetwork(c: Cidr): Cidr {
  const first = c.first & 0xffffffffn, prefix = c.prefix - 96;
  return { family: 4, first, last: c.last & 0xffffffffn, prefix, text: `${formatAddress({ family: 4, value: first })}/${prefix}` };
}

/** A CIDR in the family it is written in: `::ffff:10.0.0.0/104` is an IPv6 prefix (net/netip.ParsePrefix). */
export function parseCidrAsWritten(text: string): Cidr | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const addr = parseAddressAsWritten(m[1]);
  if (!addr) return undefined;
  const prefix = Number(m[2]);
  const bits = BITS[addr.family];
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const first = (addr.value >> hostBits) << hostBits;
  const last = first + (1n << hostBits) - 1n;
  return { family: addr.family, first, last, prefix, text };
}

/**
 * Go's CIDR parsers, each read as upstream code calls it:
 * - "netip": net/netip.ParsePrefix (the API server's CEL isCIDR/cidr(), Cilium's agent): no white
 *   space, no leading zeros in an octet or in the prefix length ("bad bits after slash"), no zone;
 *   an IPv4-mapped IPv6 address stays an IPv6 prefix (`mapped` says so).
 * - "net": net.ParseCIDR since Go 1.17 (the OpenAPI format "cidr", Calico's cnet.ParseCIDR): the
 *   address as netip.ParseAddr (no leading zeros, no zone), the prefix length through dtoi (leading
 *   zeros read as decimal: "/08" is /8); an IPv4-mapped address with a prefix length of 96 or more is
 *   the IPv4 network that net.IPNet's String and Contains give (::ffff:10.0.0.0/104 is 10.0.0.0/8).
 * - "sloppy": k8s.io/utils ParseCIDRSloppy, net.ParseCIDR before Go 1.17: leading zeros in octets
 *   too, read as decimal.
 * Host bits are cleared in `cidr` (every reader's network); `hostBits` says they were set. `text` is
 * as written unless the reader changed the address (leading zeros, an IPv4-mapped address read as
 * IPv4), then the network as the reader prints it. Undefined when the parser refuses the text.
 */
export type GoCidrParser = "netip" | "net" | "sloppy";

export interface GoCidr { cidr: Cidr; hostBits: boolean; leadingZeros: boolean; mapped: boolean }

export function parseGoCidr(text: string, parser: GoCidrParser): GoCidr | undefined {
  const m = /^([^/\s]*)\/([0-9]+)$/.exec(text);
  if (!m) return undefined;
  let address = m[1];
  let leadingZeros = m[2].length > 1 && m[2][0] === "0";
  if (leadingZeros && parser === "netip") return undefined;
  const octets = address.split(".");
  if (!address.includes(":") && octets.length === 4 && octets.every((o) => /^[0-9]+$/.test(o)) && octets.some((o) => o.length > 1 && o[0] === "0")) {
    if (parser !== "sloppy") return undefined;
    leadingZeros = true;
    address = octets.map((o) => String(Number(o))).join(".");
  }
  const c = parseCidrAsWritten(`${address}/${Number(m[2])}`);
  if (!c) return undefined;
  const written = parseAddressAsWritten(address)!;
  const hostBits = written.value !== c.first;
  const mapped = written.family === 6 && isMapped(written.value);
  if (mapped && parser !== "netip" && c.prefix >= 96) return { cidr: mappedNetwork(c), hostBits, leadingZeros, mapped };
  const changed = leadingZeros || (mapped && parser !== "netip");
  return { cidr: changed ? { ...c, text: `${formatAddress({ family: c.family, value: c.first })}/${c.prefix}` } : { ...c, text }, hostBits, leadingZeros, mapped };
}

/**
 * A compact map key for an address: an IPv4 address is its value as a number (exact below 2^32;
 * no text is made: a cluster-scale index keys every pod by it), an IPv6 one "6:value". The two
 * kinds never collide (a number is never equal to a string as a Map or Set key).
 */
export type AddressKey = number | string;

export function addressKey(a: Address): AddressKey {
  return a.family === 4 ? Number(a.value) : `6:${a.value}`;
}

/** Whether two addresses are the same (the same family and value). */
export function sameAddress(a: Address, b: Address): boolean {
  return a.family === b.family && a.value === b.value;
}

/** The loopback addresses, 127.0.0.0/8 and ::1/128 (Go's net.IP IsLoopback). */
export const LOOPBACK_RANGES: readonly AddressRange[] = [{ family: 4, first: 0x7f000000n, last: 0x7fffffffn }, { family: 6, first: 1n, last: 1n }];

/** Whether `a` is a loopback address (LOOPBACK_RANGES). */
export function isLoopback(a: Address): boolean {
  return contains(LOOPBACK_RANGES[a.family === 4 ? 0 : 1], a);
}

export function contains(r: AddressRange, a: Address): boolean {
  return r.family === a.family && r.first <= a.value && a.value <= r.last;
}

/** JSON text of a value holding addresses or ranges (bigints as decimal strings): a key for caches and equality. */
export function jsonKey(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
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

/** The smallest list of CIDRs covering exactly `r`. */
export function rangeToCidrs(r: AddressRange): Cidr[] {
  const bits = BITS[r.family];
  const out: Cidr[] = [];
  let first = r.first;
  while (first <= r.last) {
    let size = 0;
    while (size < bits && (first & ((1n << BigInt(size + 1)) - 1n)) === 0n && first + (1n << BigInt(size + 1)) - 1n <= r.last) size++;
    const last = first + (1n << BigInt(size)) - 1n;
    const prefix = bits - size;
    out.push({ family: r.family, first, last, prefix, text: `${formatAddress({ family: r.family, value: first })}/${prefix}` });
    first = last + 1n;
  }
  return out;
}

/** `r` minus every range of `holes`, as sorted disjoint ranges. */
export function subtractRanges(r: AddressRange, holes: readonly AddressRange[]): AddressRange[] {
  const cut = holes.filter((h) => h.family === r.family && h.last >= r.first && h.first <= r.last)
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: AddressRange[] = [];
  let next = r.first;
  for (const h of cut) {
    if (h.first > next) out.push({ family: r.family, first: next, last: h.first - 1n });
    if (h.last + 1n > next) next = h.last + 1n;
  }
  if (next <= r.last) out.push({ family: r.family, first: next, last: r.last });
  return out;
}

/** One address as a CIDR of its own (`10.0.0.1/32`, `fd00::1/128`). */
export function addressCidr(a: Address): Cidr {
  return { family: a.family, first: a.value, last: a.value, prefix: BITS[a.family], text: `${formatAddress(a)}/${BITS[a.family]}` };
}

export function cidrFrom(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new Error(`invalid built-in CIDR ${text}`);
  return c;
}

/** Sorted, disjoint, non-adjacent ranges covering the same addresses (per family, IPv4 first). */
export function mergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => a.family - b.family || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.first <= last.last + 1n) {
      if (r.last > last.last) out[out.length - 1] = { ...last, last: r.last };
    } else out.push({ family: r.family, first: r.first, last: r.last });
  }
  return out;
}

/**
 * A set of addresses as sorted disjoint ranges: membership in O(log n), for CIDRs with thousands of
 * `except` entries (a linear scan per address made them quadratic).
 */
export class AddressSet {
  private readonly byFamily: Record<Family, { firsts: bigint[]; lasts: bigint[] }> = { 4: { firsts: [], lasts: [] }, 6: { firsts: [], lasts: [] } };

  constructor(ranges: readonly AddressRange[]) {
    for (const r of mergeRanges(ranges)) { const f = this.byFamily[r.family]; f.firsts.push(r.first); f.lasts.push(r.last); }
  }

  has(a: Address): boolean {
    const { firsts, lasts } = this.byFamily[a.family];
    let lo = 0, hi = firsts.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (firsts[mid] <= a.value) lo = mid + 1; else hi = mid; }
    return lo > 0 && a.value <= lasts[lo - 1];
  }
}

/** "10.0.0.1" for one address, "10.0.0.0/8" when the range is one CIDR block, else "first-last". */
export function formatRangeCompact(r: AddressRange): string {
  if (r.first === r.last) return formatAddress({ family: r.family, value: r.first });
  const cidrs = rangeToCidrs(r);
  return cidrs.length === 1 ? cidrs[0].text : formatRange(r);
}
