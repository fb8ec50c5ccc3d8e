// Interned connection sets: the engine works with small integer ids, and unions and
// intersections of ids are computed once and remembered.

import { ALL_CONNS, NO_CONNS, intersectConns, unionConns, type ConnSet } from "../../model/ports.js";

export const NONE = 0;
export const ALL = 1;

export class ConnTable {
  private sets: ConnSet[] = [];
  private ids = new Map<string, number>();
  private meets = new PairMemo();
  private joins = new PairMemo();

  constructor() {
    this.intern(NO_CONNS);
    this.intern(ALL_CONNS);
  }

  get(id: number): ConnSet { return this.sets[id]; }

  /** How many sets the table holds: every id is below it. */
  get size(): number { return this.sets.length; }

  intern(c: ConnSet): number {
    // The bounds, and "|" after each protocol's, joined once (no text per interval, as joining the
    // intervals themselves makes): a set is interned per port class of every part (27k at 100k pods).
    const parts: (number | string)[] = [];
    for (let p = 0; p < 3; p++) {
      const list = p === 0 ? c.TCP : p === 1 ? c.UDP : c.SCTP;
      for (let i = 0; i < list.length; i++) parts.push(list[i][0], list[i][1]);
      parts.push("|");
    }
    const key = parts.join(",");
    let id = this.ids.get(key);
    if (id === undefined) { id = this.sets.length; this.sets.push(c); this.ids.set(key, id); }
    return id;
  }

  meet(a: number, b: number): number {
    if (a === NONE || b === NONE) return NONE;
    if (a === ALL || a === b) return b;
    if (b === ALL) return a;
    // Asked once per pair of classes in an enumeration: a look-up allocates nothing.
    const lo = a < b ? a : b, hi = a < b ? b : a;
    let id = this.meets.get(lo, hi);
    if (id < 0) this.meets.set(lo, hi, id = this.intern(intersectConns(this.sets[lo], this.sets[hi])));
    return id;
  }

  join(a: number, b: number): number {
    if (a === ALL || b === ALL) return ALL;
    if (a === NONE || a === b) return b;
    if (b === NONE) return a;
    const lo = a < b ? a : b, hi = a < b ? b : a;
    let id = this.joins.get(lo, hi);
    if (id < 0) this.joins.set(lo, hi, id = this.intern(unionConns(this.sets[lo], this.sets[hi])));
    return id;
  }
}

/**
 * Values (non-negative) by pair of ids (ids are non-negative), in an open-addressing table over
 * typed arrays: no Map entry, no boxed number key per look-up.
 */
export class PairMemo {
  private keys = new Int32Array(2 * 256).fill(-1);
  private values = new Int32Array(256);
  private size = 0;
  private shift = 32 - 8;

  /** The value of (a, b), or -1. */
  get(a: number, b: number): number {
    const k = this.find(a, b);
    return this.keys[2 * k] < 0 ? -1 : this.values[k];
  }

  set(a: number, b: number, value: number): void {
    const k = this.find(a, b);
    if (this.keys[2 * k] < 0) {
      this.keys[2 * k] = a;
      this.keys[2 * k + 1] = b;
      if (++this.size * 2 > this.values.length) { this.values[k] = value; this.grow(); return; }
    }
    this.values[k] = value;
  }

  /** The slot of (a, b): where it is, or the empty slot where it goes. */
  private find(a: number, b: number): number {
    const mask = this.values.length - 1, keys = this.keys;
    // Fibonacci hashing: the high bits of the product mix every bit of the pair.
    let h = Math.imul(Math.imul(a, 0x85ebca6b) ^ b, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const ka = keys[2 * h];
      if (ka < 0 || (ka === a && keys[2 * h + 1] === b)) return h;
      h = (h + 1) & mask;
    }
  }

  private grow(): void {
    const keys = this.keys, values = this.values;
    this.keys = new Int32Array(keys.length * 2).fill(-1);
    this.values = new Int32Array(values.length * 2);
    this.shift--;
    for (let k = 0; k < values.length; k++) {
      if (keys[2 * k] < 0) continue;
      const slot = this.find(keys[2 * k], keys[2 * k + 1]);
      this.keys[2 * slot] = keys[2 * k];
      this.keys[2 * slot + 1] = keys[2 * k + 1];
      this.values[slot] = values[k];
    }
  }
}
