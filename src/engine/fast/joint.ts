// A class's side of a direction is its Admin part composed with its rest part (NetworkPolicy and
// Baseline tiers), as verdict.ts walks them: the Admin tier allows, denies, or passes the remote on,
// and the rest decides what it passed on. The composition is done per remote class when asked, so
// that an AdminNetworkPolicy change (which touches every class it selects) only recomputes the few
// distinct Admin parts and never a row of the rest.

import { hasW, type Windowed } from "./bitset.js";
import { NONE, type ConnTable } from "./conntable.js";
import type { PortLayout, Signature } from "./signature.js";

export interface Joint {
  admin: Signature;
  rest: Signature;
  /** Pairs of port classes (admin's, rest's) that share connections, with those connections. */
  parts?: { a: number; r: number; conns: number }[];
  /** The layouts `parts` was computed from (a layout is replaced when a signature is laid out again). */
  layouts?: [PortLayout, PortLayout];
  /** Connection-set ids by mask of parts (made when first asked: an Admin change makes thousands of joints). */
  masks?: Map<number | string, number>;
}

/** Whether the composed side may allow `other` somewhere (a superset; exact answers come from jointPorts). */
export function jointMayAllow(j: Joint, other: number): boolean {
  return hasW(j.admin.any!, other) || (hasW(j.admin.admin!.anyCont, other) && hasW(j.rest.any!, other));
}

function partsOf(j: Joint, conntable: ConnTable): NonNullable<Joint["parts"]> {
  const la = j.admin.layout!, lr = j.rest.layout!;
  if (j.parts && j.layouts![0] === la && j.layouts![1] === lr) return j.parts;
  const parts: NonNullable<Joint["parts"]> = [];
  la.conns.forEach((ca, a) => lr.conns.forEach((cr, r) => {
    const conns = conntable.meet(ca, cr);
    if (conns !== NONE) parts.push({ a, r, conns });
  }));
  j.parts = parts;
  j.layouts = [la, lr];
  j.masks?.clear();
  return parts;
}

/**
 * Connection-set id the composed side allows with `other`; `restAllows(r)`: whether the rest part
 * allows it at its port class r (default: its row; the own-node walk passes its own test).
 */
export function jointPorts(j: Joint, other: number, conntable: ConnTable, restAllows?: (r: number) => boolean): number {
  const parts = partsOf(j, conntable), { allow, cont } = j.admin.admin!, rows = j.rest.rows!;
  // Asked per class pair of an enumeration: nothing is allocated on the way to the mask.
  let key: number | string = 0;
  if (parts.length <= 30) { for (let k = 0; k < parts.length; k++) if (partAllows(parts[k], other, allow, cont, rows, restAllows)) key |= 1 << k; }
  else { let bits = ""; for (const p of parts) bits += partAllows(p, other, allow, cont, rows, restAllows) ? "1" : "0"; key = bits; }
  j.masks ??= new Map();
  let id = j.masks.get(key);
  if (id === undefined) {
    id = NONE;
    for (let k = 0; k < parts.length; k++) if (typeof key === "number" ? key & (1 << k) : key[k] === "1") id = conntable.join(id, parts[k].conns);
    j.masks.set(key, id);
  }
  return id;
}

/** Whether a pair of port classes allows `other`: the Admin tier allows it, or passes it on and the rest allows it. */
function partAllows(p: { a: number; r: number }, other: number, allow: readonly Windowed[], cont: readonly Windowed[], rows: readonly Windowed[], restAllows?: (r: number) => boolean): boolean {
  return hasW(allow[p.a], other) || (hasW(cont[p.a], other) && (restAllows ? restAllows(p.r) : hasW(rows[p.r], other)));
}
