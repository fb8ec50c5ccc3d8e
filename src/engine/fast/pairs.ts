// All-pairs enumeration over classes: only class pairs that some row allows are visited, driven
// from whichever direction (egress or ingress rows) allows less, so the work follows the size of
// the answer rather than the square of the number of endpoints.

import type { Direction } from "../../model/policy.js";
import type { Party } from "../match.js";
import type { GroupConns } from "../pairwise.js";
import { bitCount, has, newBits, set, type Bits } from "./bitset.js";
import { ALL, NONE } from "./conntable.js";
import type { FastConnectivity } from "./connectivity.js";

type Visit = (cs: number, cd: number, conns: number) => void;

/**
 * Calls visit for every ordered pair of classes in `ids` (a class with itself too) with some
 * connection; with `involved` (a subset of `ids`), only pairs with at least one class in it.
 */
export function classPairs(fc: FastConnectivity, ids: readonly number[], visit: Visit, involved?: readonly number[]): void {
  const mask = newBits(fc.sets.nwords);
  for (const id of ids) set(mask, id);
  const near = involved ? newBits(fc.sets.nwords) : mask;
  for (const id of involved ?? []) set(near, id);
  const cache = new Map<object, Bits>();
  const fromIngress = cost(fc, ids, "ingress", mask, cache) <= cost(fc, ids, "egress", mask, cache);
  const driver = fromIngress ? "ingress" : "egress", other = fromIngress ? "egress" : "ingress";
  const pair = (a: number, b: number) => {
    if (!has(fc.sideAny(other, b, cache), a)) return;
    const [cs, cd] = fromIngress ? [b, a] : [a, b];
    const id = fc.pairConns(cs, cd);
    if (id !== NONE) visit(cs, cd, id);
  };
  for (const a of ids) {
    const row = fc.sideAny(driver, a, cache);
    // A class outside `involved` pairs only with the involved ones: look those up, do not scan the row.
    if (involved && !has(near, a)) { for (const b of involved) if (has(row, b)) pair(a, b); continue; }
    for (let w = 0; w < row.length; w++) {
      let v = row[w] & mask[w];
      while (v !== 0) {
        const low = v & -v;
        v ^= low;
        pair(a, (w << 5) + 31 - Math.clz32(low));
      }
    }
  }
}

/** Estimated pairs visited when driving from these rows. */
function cost(fc: FastConnectivity, ids: readonly number[], d: Direction, mask: Bits, cache: Map<object, Bits>): number {
  const counts = new Map<Bits, number>();
  for (const id of ids) { const any = fc.sideAny(d, id, cache); counts.set(any, (counts.get(any) ?? 0) + 1); }
  let total = 0;
  for (const [any, n] of counts) {
    let both = 0;
    for (let w = 0; w < any.length; w++) both += bitCount(any[w] & mask[w]);
    total += n * both;
  }
  return total;
}

/** Connectivity.groupConns on classes: class pairs are enumerated once and spread over the groups. */
export function enumerateGroups(fc: FastConnectivity, groups: readonly (readonly Party[])[], include: (src: number, dst: number) => boolean,
  involved?: (group: number) => boolean): GroupConns[] {
  const members = new Map<number, Map<number, Party[]>>();
  const classes = fc.classesFor(groups.flat());
  let next = 0;
  groups.forEach((parties, g) => {
    for (const p of parties) {
      const c = classes[next++];
      let byGroup = members.get(c);
      if (!byGroup) { byGroup = new Map(); members.set(c, byGroup); }
      const list = byGroup.get(g);
      if (list) list.push(p); else byGroup.set(g, [p]);
    }
  });
  // Connections per source group, then destination group (small-integer keys: no boxed numbers).
  const acc = new Map<number, Map<number, number>>();
  const add = (gs: number, gd: number, id: number) => {
    let row = acc.get(gs);
    if (!row) { row = new Map(); acc.set(gs, row); }
    row.set(gd, fc.conntable.join(row.get(gd) ?? NONE, id));
  };
  const ids = [...members.keys()];
  const near = involved && ids.filter((c) => [...members.get(c)!.keys()].some(involved));
  classPairs(fc, ids, (cs, cd, id) => {
    for (const [gs, ps] of members.get(cs)!) {
      for (const [gd, pd] of members.get(cd)!) if (include(gs, gd) && !onlySelf(ps, pd)) add(gs, gd, id);
    }
  }, near);
  ownNodePairs(fc, groups, include, add, (gs, gd) => acc.get(gs)?.get(gd) === ALL);
  const out: GroupConns[] = [];
  for (const [src, row] of acc) for (const [dst, id] of row) out.push({ src, dst, conns: fc.conntable.get(id) });
  return out;
}

/** True when every pair between the two lists is an endpoint with itself. */
function onlySelf(a: readonly Party[], b: readonly Party[]): boolean {
  const e = a[0].endpoint;
  return e !== undefined && a.every((p) => p.endpoint === e) && b.every((p) => p.endpoint === e);
}

/**
 * Pods and their own node (a node, or a host-network pod acting as it), both directions, under
 * ownNode=allow: the exemption only ever adds connections, so joining them to the class pairs' is exact.
 */
function ownNodePairs(fc: FastConnectivity, groups: readonly (readonly Party[])[], include: (s: number, d: number) => boolean,
  add: (gs: number, gd: number, id: number) => void, done: (gs: number, gd: number) => boolean): void {
  if (fc.engine.options.ownNode !== "allow") return;
  // The parties on each node, by group and class: parties of one group and class give the same
  // connections with a given node party, so each such bunch is visited once (through one of its
  // parties that is not the node party itself: a party with itself is no pair).
  const onNode = new Map<string, Map<number, Party[]>>();
  const classes = fc.classes.size;
  groups.forEach((parties, g) => {
    for (const p of parties) {
      const name = p.endpoint?.nodeName;
      if (!name) continue;
      let bunches = onNode.get(name);
      if (!bunches) { bunches = new Map(); onNode.set(name, bunches); }
      const k = g * classes + fc.classOfParty(p), l = bunches.get(k);
      if (l) { if (l.length < 2) l.push(p); } else bunches.set(k, [p]);
    }
  });
  // A pair differs from its class pair only through this rule: each (class pair, direction) is
  // computed once, and group pairs already fully allowed are skipped.
  const cache = new Map<number, number>();
  const visit = (gs: number, ps: Party, gd: number, pd: Party, podIsDst: boolean) => {
    if (!include(gs, gd) || done(gs, gd)) return;
    const cs = fc.classOfParty(ps), cd = fc.classOfParty(pd);
    const key = (cs * classes + cd) * 2 + (podIsDst ? 1 : 0);
    let id = cache.get(key);
    if (id === undefined) { id = fc.pairConns(cs, cd, !podIsDst, podIsDst); cache.set(key, id); }
    if (id !== NONE) add(gs, gd, id);
  };
  groups.forEach((parties, gn) => {
    for (const node of parties) {
      const name = node.endpoint && fc.engine.matcher.nodeOf(node)?.name;
      const bunches = name !== undefined ? onNode.get(name) : undefined;
      if (!bunches) continue;
      for (const [k, bunch] of bunches) {
        const pod = bunch.find((p) => p.endpoint !== node.endpoint);
        if (!pod || !fc.engine.matcher.isOwnNode(pod.endpoint, node)) continue;
        const gp = Math.floor(k / classes);
        visit(gn, node, gp, pod, true);
        visit(gp, pod, gn, node, false);
      }
    }
  });
}
