// Fixed-capacity bitsets over class ids (Uint32Array words). Operations take an optional word
// range so that columns added later (new classes) can be filled in without touching the rest.

export type Bits = Uint32Array;

export function words(capacity: number): number {
  return Math.max(1, Math.ceil(capacity / 32));
}

/** Bitsets are carved out of large blocks: far fewer allocations for the garbage collector to track. */
const BLOCK = 1 << 20;
let block = new Uint32Array(0);
let used = 0;

export function newBits(nwords: number): Bits {
  if (nwords > BLOCK / 4) return new Uint32Array(nwords);
  if (used + nwords > block.length) { block = new Uint32Array(BLOCK); used = 0; }
  used += nwords;
  return block.subarray(used - nwords, used);
}

export function has(b: Bits, i: number): boolean {
  return (b[i >>> 5] & (1 << (i & 31))) !== 0;
}

export function set(b: Bits, i: number): void {
  b[i >>> 5] |= 1 << (i & 31);
}

export function clear(b: Bits, i: number): void {
  b[i >>> 5] &= ~(1 << (i & 31));
}

/** A copy of `b` grown (or kept) to `nwords` words. */
export function resized(b: Bits, nwords: number): Bits {
  if (b.length === nwords) return b;
  const out = new Uint32Array(nwords);
  out.set(b.length <= nwords ? b : b.subarray(0, nwords));
  return out;
}

/** out |= a over [w0, w1). */
export function orInto(out: Bits, a: Bits, w0 = 0, w1 = out.length): void {
  for (let w = w0; w < w1; w++) out[w] |= a[w];
}

/** out &= ~a over [w0, w1). */
export function andNotInto(out: Bits, a: Bits, w0 = 0, w1 = out.length): void {
  for (let w = w0; w < w1; w++) out[w] &= ~a[w];
}

export function isEmpty(b: Bits, w0 = 0, w1 = b.length): boolean {
  for (let w = w0; w < w1; w++) if (b[w] !== 0) return false;
  return true;
}

export function popcount(b: Bits): number {
  let n = 0;
  for (let w = 0; w < b.length; w++) n += bitCount(b[w]);
  return n;
}

/** Set bits in one word. */
export function bitCount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** Calls fn for every set bit, in increasing order. */
export function forEach(b: Bits, fn: (i: number) => void): void {
  for (let w = 0; w < b.length; w++) {
    let v = b[w];
    while (v !== 0) {
      const low = v & -v;
      fn((w << 5) + 31 - Math.clz32(low));
      v ^= low;
    }
  }
}

/** Bits 0..n-1 set. */
export function firstN(nwords: number, n: number): Bits {
  const b = new Uint32Array(nwords);
  b.fill(0xffffffff, 0, n >>> 5);
  if (n & 31) b[n >>> 5] = (1 << (n & 31)) - 1;
  return b;
}

/**
 * A bitset kept over its words [lo, lo + w.length) only: every word outside is zero. At 100k pods
 * nearly every selector and peer set holds classes of one namespace, one or two words of 541, and
 * stored whole they were 22 MB of memory touched for the first time (a page fault per 4 KB). A bit
 * set outside the words widens them (a new carving).
 */
export class Windowed {
  constructor(public lo: number, public w: Bits) {}
  /** One past the last word kept. */
  get hi(): number { return this.lo + this.w.length; }
}

export function hasW(b: Windowed, i: number): boolean {
  const k = (i >>> 5) - b.lo;
  return k >= 0 && k < b.w.length && (b.w[k] & (1 << (i & 31))) !== 0;
}

export function setW(b: Windowed, i: number): void {
  const word = i >>> 5;
  if (word < b.lo || word >= b.lo + b.w.length) widen(b, word, word + 1);
  b.w[word - b.lo] |= 1 << (i & 31);
}

export function clearW(b: Windowed, i: number): void {
  const k = (i >>> 5) - b.lo;
  if (k >= 0 && k < b.w.length) b.w[k] &= ~(1 << (i & 31));
}

/** Makes room for the words [from, to) (the kept words are copied into a new carving). */
function widen(b: Windowed, from: number, to: number): void {
  const empty = b.w.length === 0;
  const lo = empty ? from : Math.min(b.lo, from), hi = empty ? to : Math.max(b.lo + b.w.length, to);
  const w = newBits(hi - lo);
  if (!empty) w.set(b.w, b.lo - lo);
  b.lo = lo;
  b.w = w;
}

/** Calls fn for every set bit, in increasing order. */
export function forEachW(b: Windowed, fn: (i: number) => void): void {
  const ws = b.w, base = b.lo << 5;
  for (let k = 0; k < ws.length; k++) {
    let v = ws[k];
    while (v !== 0) {
      const low = v & -v;
      fn(base + (k << 5) + 31 - Math.clz32(low));
      v ^= low;
    }
  }
}

/** out |= a over [w0, w1). */
export function orIntoW(out: Bits, a: Windowed, w0 = 0, w1 = out.length): void {
  const ws = a.w, lo = a.lo;
  for (let w = Math.max(w0, lo), end = Math.min(w1, lo + ws.length); w < end; w++) out[w] |= ws[w - lo];
}

/** The words [lo, hi) of `dense` (zero elsewhere), trimmed to those not zero, as a windowed set. */
export function windowOf(dense: Bits, lo = 0, hi = dense.length): Windowed {
  while (lo < hi && dense[lo] === 0) lo++;
  while (hi > lo && dense[hi - 1] === 0) hi--;
  const w = newBits(hi - lo);
  w.set(dense.subarray(lo, hi));
  return new Windowed(lo, w);
}

/** Writes the words [w0, w1) of `src` into `b` (widened where `src` has bits outside its words). */
export function writeWords(b: Windowed, src: Bits, w0: number, w1: number): void {
  let a = w0, z = w1;
  while (a < z && src[a] === 0) a++;
  while (z > a && src[z - 1] === 0) z--;
  if (a < z && (a < b.lo || z > b.lo + b.w.length)) widen(b, a, z);
  const ws = b.w, lo = b.lo;
  for (let w = Math.max(w0, lo), end = Math.min(w1, lo + ws.length); w < end; w++) ws[w - lo] = src[w];
}

/** Whether `b` holds the bits of `dense`, which is all zeros outside [lo, hi). */
export function sameAs(b: Windowed, dense: Bits, lo: number, hi: number): boolean {
  const ws = b.w, off = b.lo, end = off + ws.length;
  for (let w = Math.min(lo, off), top = Math.max(hi, end); w < top; w++) {
    if ((w >= off && w < end ? ws[w - off] : 0) !== (w >= lo && w < hi ? dense[w] : 0)) return false;
  }
  return true;
}

/** A copy of `b` (its own words). */
export function copyOf(b: Windowed): Windowed {
  const w = newBits(b.w.length);
  w.set(b.w);
  return new Windowed(b.lo, w);
}

/**
 * Writes every bit of `(a | (c & r)) & mask` into `out` from index 0, in increasing order, and
 * returns how many (c and r both given or neither): the remote classes one side may allow
 * (connectivity.ts SideMay), among those of mask. No callback: the all-pairs enumeration runs it
 * per driving side (9.4k at 100k pods), mostly before the optimising compiler has it, and a callback
 * per bit through a function shared by several scans is a call that is never inlined.
 */
export function collectMay(a: Windowed, c: Windowed | undefined, r: Windowed | undefined, mask: Bits, out: Int32Array, nz?: Int32Array): number {
  if (nz !== undefined && c !== undefined && r !== undefined) return collectMayAt(a, c, r, nz, mask, out);
  let n = 0;
  if (c === undefined || r === undefined) {
    // A side without an Admin part: its words within the mask, read in place (no call per word).
    const ws = a.w, lo = a.lo, hi = Math.min(lo + ws.length, mask.length);
    for (let w = lo; w < hi; w++) {
      let v = ws[w - lo] & mask[w];
      while (v !== 0) {
        const low = v & -v;
        v ^= low;
        out[n++] = (w << 5) + 31 - Math.clz32(low);
      }
    }
    return n;
  }
  // With an Admin part (at 100k pods every ingress side has one: `a` a word or two, c and r wide):
  // the three windows read in place.
  const aw = a.w, alo = a.lo, ahi = alo + aw.length, cw = c.w, clo = c.lo, rw = r.w, rlo = r.lo;
  const olo = Math.max(clo, rlo), ohi = Math.min(clo + cw.length, rlo + rw.length);
  for (let w = mayFrom(a, c, r, mask), hi = mayTo; w < hi; w++) {
    let v = w >= alo && w < ahi ? aw[w - alo] : 0;
    if (w >= olo && w < ohi) v |= cw[w - clo] & rw[w - rlo];
    v &= mask[w];
    while (v !== 0) {
      const low = v & -v;
      v ^= low;
      out[n++] = (w << 5) + 31 - Math.clz32(low);
    }
  }
  return n;
}

/**
 * collectMay over the words where `a` or `r` has bits: `nz` lists r's non-zero words (nonZeroWords,
 * absolute, increasing). An Admin side's `r` (a rest part's union of rows) is wide and nearly empty
 * (at 100k pods the direction estimate's 3,617 distinct unions hold 869k words, 8,781 not zero): the
 * scan follows those words (with a's window, a word or two) instead of reading three windows at
 * every word of the overlap of c and r.
 */
function collectMayAt(a: Windowed, c: Windowed, r: Windowed, nz: Int32Array, mask: Bits, out: Int32Array): number {
  const aw = a.w, alo = a.lo, ahi = Math.min(alo + aw.length, mask.length), cw = c.w, clo = c.lo, chi = clo + cw.length, rw = r.w, rlo = r.lo;
  const end = mask.length, m = nz.length;
  let n = 0, j = 0, wa = alo;
  while (j < m && nz[j] < clo) j++;
  for (;;) {
    // The next word of r's (within c's window) and of a's, whichever comes first.
    const wr = j < m && nz[j] < chi && nz[j] < end ? nz[j] : end;
    const w = wa < ahi && wa < wr ? wa : wr;
    if (w >= end) return n;
    let v = 0;
    if (w === wa && wa < ahi) { v = aw[w - alo]; wa++; }
    if (w === wr) { v |= cw[w - clo] & rw[w - rlo]; j++; }
    v &= mask[w];
    while (v !== 0) {
      const low = v & -v;
      v ^= low;
      out[n++] = (w << 5) + 31 - Math.clz32(low);
    }
  }
}

/** The words of `b` that are not zero, as absolute word numbers in increasing order. */
export function nonZeroWords(b: Windowed): Int32Array {
  // One pass into a scratch list, then copied out at its length.
  const ws = b.w, lo = b.lo;
  if (nonZero.length < ws.length) nonZero = new Int32Array(Math.max(ws.length, nonZero.length * 2));
  let n = 0;
  for (let k = 0; k < ws.length; k++) if (ws[k] !== 0) nonZero[n++] = lo + k;
  return nonZero.slice(0, n);
}

let nonZero = new Int32Array(0);

/** How many bits collectMay would write (written into a scratch list, grown as needed). */
export function countMay(a: Windowed, c: Windowed | undefined, r: Windowed | undefined, mask: Bits, nz?: Int32Array): number {
  const most = 32 * Math.max(a.w.length, c && r ? Math.max(a.lo + a.w.length, c.lo + c.w.length, r.lo + r.w.length) - Math.min(a.lo, c.lo, r.lo) : 0);
  if (counted.length < most) counted = new Int32Array(most);
  return collectMay(a, c, r, mask, counted, nz);
}

let counted = new Int32Array(0);

/** Where the words mayFrom found end (one past the last). */
let mayTo = 0;

/**
 * The words that may hold bits of `(a | (c & r)) & mask` (the union of a's window and of the
 * overlap of c's and r's, within the mask): returns the first, leaves one past the last in mayTo.
 */
function mayFrom(a: Windowed, c: Windowed | undefined, r: Windowed | undefined, mask: Bits): number {
  let lo = a.lo, hi = a.lo + a.w.length;
  if (c !== undefined && r !== undefined) {
    const clo = Math.max(c.lo, r.lo), chi = Math.min(c.lo + c.w.length, r.lo + r.w.length);
    if (clo < chi) {
      if (lo >= hi) { lo = clo; hi = chi; } else { lo = Math.min(lo, clo); hi = Math.max(hi, chi); }
    }
  }
  mayTo = Math.min(hi, mask.length);
  return lo;
}

/** Whether bit i is in `a | (c & r)`. */
export function mayHas(a: Windowed, c: Windowed | undefined, r: Windowed | undefined, i: number): boolean {
  return hasW(a, i) || (c !== undefined && hasW(c, i) && hasW(r!, i));
}

/** A windowed set written out over `nwords` words (a new array). */
export function denseOf(b: Windowed, nwords: number): Bits {
  const out = new Uint32Array(nwords);
  if (b.w.length) out.set(b.w, b.lo);
  return out;
}

/** [first, last+1) of some words. */
export type Span = readonly [number, number];

/** The words holding the given bits, as runs [w0, w1) of consecutive words. */
export function wordRuns(ids: Iterable<number>): [number, number][] {
  const ws = [...new Set([...ids].map((i) => i >>> 5))].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const w of ws) {
    const last = out[out.length - 1];
    if (last && last[1] === w) last[1] = w + 1; else out.push([w, w + 1]);
  }
  return out;
}
