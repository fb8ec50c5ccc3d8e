// Interned connection sets: the engine works with small integer ids, and unions and
// intersections of ids are computed once and remembered.

import { ALL_CONNS, NO_CONNS, intersectConns, unionConns, type ConnSet } from "../../model/ports.js";

export const NONE = 0;
export const ALL = 1;

export class ConnTable {
  private sets: ConnSet[] = [];
  private ids = new Map<string, number>();
  private meets = new Map<number, number>();
  private joins = new Map<number, number>();

  constructor() {
    this.intern(NO_CONNS);
    this.intern(ALL_CONNS);
  }

  get(id: number): ConnSet { return this.sets[id]; }

  intern(c: ConnSet): number {
    const key = `${c.TCP.join(";")}|${c.UDP.join(";")}|${c.SCTP.join(";")}`;
    let id = this.ids.get(key);
    if (id === undefined) { id = this.sets.length; this.sets.push(c); this.ids.set(key, id); }
    return id;
  }

  meet(a: number, b: number): number {
    if (a === NONE || b === NONE) return NONE;
    if (a === ALL || a === b) return b;
    if (b === ALL) return a;
    return this.cached(this.meets, a, b, () => intersectConns(this.sets[a], this.sets[b]));
  }

  join(a: number, b: number): number {
    if (a === ALL || b === ALL) return ALL;
    if (a === NONE || a === b) return b;
    if (b === NONE) return a;
    return this.cached(this.joins, a, b, () => unionConns(this.sets[a], this.sets[b]));
  }

  private cached(cache: Map<number, number>, a: number, b: number, op: () => ConnSet): number {
    const key = a < b ? a * 0x4000000 + b : b * 0x4000000 + a;
    let id = cache.get(key);
    if (id === undefined) { id = this.intern(op()); cache.set(key, id); }
    return id;
  }
}
