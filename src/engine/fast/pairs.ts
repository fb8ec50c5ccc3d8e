// All-pairs enumeration over classes: only class pairs that some row allows are visited, driven
// from whichever direction (egress or ingress rows) allows less, so the work follows the size of
// the answer rather than the square of the number of endpoints.

import type { Direction } from "../../model/policy.js";
import type { Endpoint } from "../../model/endpoint.js";
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
  // The other side's rows, by class (asked once per pair: an array, not the cache's map).
  const otherAny: (Bits | undefined)[] = [];
  const pair = (a: number, b: number) => {
    if (!has(otherAny[b] ??= fc.sideAny(other, b, cache), a)) return;
    const cs = fromIngress ? b : a, cd = fromIngress ? a : b;
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
  const classes = fc.classesFor(groups.flat());
  const members = membersByClass(groups, classes);
  // Connections per source group, then destination group (small-integer keys: no boxed numbers).
  const acc = new Map<number, Map<number, number>>();
  const add = (gs: number, gd: number, id: number) => {
    let row = acc.get(gs);
    if (!row) { row = new Map(); acc.set(gs, row); }
    row.set(gd, fc.conntable.join(row.get(gd) ?? NONE, id));
  };
  const ids = [...members.keys()];
  const near = involved && ids.filter((c) => members.get(c)!.groups.some(involved));
  classPairs(fc, ids, (cs, cd, id) => {
    const s = members.get(cs)!, d = members.get(cd)!;
    for (let i = 0; i < s.groups.length; i++) {
      const gs = s.groups[i], solo = s.solo[i];
      for (let j = 0; j < d.groups.length; j++) {
        // A pair made only of an endpoint with itself is no pair.
        if ((solo === undefined || solo !== d.solo[j]) && include(gs, d.groups[j])) add(gs, d.groups[j], id);
      }
    }
  }, near);
  ownNodePairs(fc, groups, classes, include, add, (gs, gd) => acc.get(gs)?.get(gd) === ALL);
  const out: GroupConns[] = [];
  for (const [src, row] of acc) for (const [dst, id] of row) out.push({ src, dst, conns: fc.conntable.get(id) });
  return out;
}

/** Per class, the groups with parties in it, each with its one endpoint when all its parties there are that endpoint. */
interface ClassMembers { groups: number[]; solo: (Endpoint | undefined)[] }

function membersByClass(groups: readonly (readonly Party[])[], classes: readonly number[]): Map<number, ClassMembers> {
  const members = new Map<number, ClassMembers>();
  let next = 0;
  groups.forEach((parties, g) => {
    for (const p of parties) {
      const c = classes[next++];
      let m = members.get(c);
      if (!m) { m = { groups: [], solo: [] }; members.set(c, m); }
      const last = m.groups.length - 1;
      if (last >= 0 && m.groups[last] === g) { if (m.solo[last] !== p.endpoint) m.solo[last] = undefined; continue; }
      m.groups.push(g);
      m.solo.push(p.endpoint);
    }
  });
  return members;
}

/**
 * Pods and their own node (a node, or a host-network pod acting as it), both directions, under
 * ownNode=allow: the exemption only ever adds connections, so joining them to the class pairs' is exact.
 */
function ownNodePairs(fc: FastConnectivity, groups: readonly (readonly Party[])[], classOf: readonly number[], include: (s: number, d: number) => boolean,
  add: (gs: number, gd: number, id: number) => void, done: (gs: number, gd: number) => boolean): void {
  if (fc.engine.options.ownNode !== "allow") return;
  // Per node: the parties on it (pod side) and the parties acting as it (node side), in bunches of
  // one group and class. A bunch pair's connections depend on nothing else, so each is visited
  // once over all nodes, through two distinct parties of its bunches (a party with itself is no pair).
  const kinds = new Map<number, number>();
  const kindOf = (g: number, c: number) => { const k = g * fc.classes.size + c; let id = kinds.get(k); if (id === undefined) kinds.set(k, id = kinds.size); return id; };
  const onNode = new Map<string, { pods: Map<number, Bunch>; nodes: Map<number, Bunch> }>();
  const bunch = (bunches: Map<number, Bunch>, g: number, c: number, e: Endpoint | undefined) => {
    const kind = kindOf(g, c), b = bunches.get(kind);
    if (!b) bunches.set(kind, { kind, group: g, cls: c, endpoints: [e] });
    else if (b.endpoints.length < 2 && b.endpoints[0] !== e) b.endpoints.push(e);
  };
  const at = (name: string) => { let n = onNode.get(name); if (!n) onNode.set(name, n = { pods: new Map(), nodes: new Map() }); return n; };
  let next = 0;
  groups.forEach((parties, g) => {
    for (const p of parties) {
      const c = classOf[next++], e = p.endpoint;
      if (e?.nodeName) bunch(at(e.nodeName).pods, g, c, e);
      const node = e && fc.engine.matcher.nodeOf(p)?.name;
      if (node !== undefined) bunch(at(node).nodes, g, c, e);
    }
  });
  // Visited bunch pairs, and connections per (class pair, direction): computed once.
  const seen = new Set<number>(), cache = new Map<number, number>();
  const conns = (cs: number, cd: number, podIsDst: boolean) => {
    const key = (cs * fc.classes.size + cd) * 2 + (podIsDst ? 1 : 0);
    let id = cache.get(key);
    if (id === undefined) { id = fc.pairConns(cs, cd, !podIsDst, podIsDst); cache.set(key, id); }
    return id;
  };
  const visit = (gs: number, cs: number, gd: number, cd: number, podIsDst: boolean) => {
    if (!include(gs, gd) || done(gs, gd)) return;
    const id = conns(cs, cd, podIsDst);
    if (id !== NONE) add(gs, gd, id);
  };
  for (const { pods, nodes } of onNode.values()) {
    for (const n of nodes.values()) {
      for (const p of pods.values()) {
        const key = n.kind * kinds.size + p.kind;
        if (seen.has(key) || !distinctPair(n.endpoints, p.endpoints)) continue;
        seen.add(key);
        visit(n.group, n.cls, p.group, p.cls, true);
        visit(p.group, p.cls, n.group, n.cls, false);
      }
    }
  }
}

/** Parties of one group and class on one node (at most two kept: enough to find two distinct ones). */
interface Bunch { kind: number; group: number; cls: number; endpoints: (Endpoint | undefined)[] }

function distinctPair(a: readonly (Endpoint | undefined)[], b: readonly (Endpoint | undefined)[]): boolean {
  return a.length > 1 || b.length > 1 || a[0] !== b[0];
}
