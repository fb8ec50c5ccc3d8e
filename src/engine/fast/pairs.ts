// All-pairs enumeration over classes: only class pairs that some row allows are visited, driven
// from whichever direction (egress or ingress rows) allows less, so the work follows the size of
// the answer rather than the square of the number of endpoints.

import type { Party } from "../match.js";
import type { GroupConns } from "../pairwise.js";
import { bitCount, has, newBits, set, type Bits } from "./bitset.js";
import { ALL, NONE } from "./conntable.js";
import type { FastConnectivity } from "./connectivity.js";

type Visit = (cs: number, cd: number, conns: number) => void;

/** Calls visit for every ordered pair of classes in `ids` (a class with itself too) with some connection. */
export function classPairs(fc: FastConnectivity, ids: readonly number[], visit: Visit): void {
  const mask = newBits(fc.sets.nwords);
  for (const id of ids) set(mask, id);
  const { egress, ingress } = fc.sigOf;
  const fromIngress = cost(fc, ids, ingress, mask) <= cost(fc, ids, egress, mask);
  const driver = fromIngress ? ingress : egress, other = fromIngress ? egress : ingress;
  for (const a of ids) {
    const row = fc.signatures[driver[a]].any!;
    for (let w = 0; w < row.length; w++) {
      let v = row[w] & mask[w];
      while (v !== 0) {
        const low = v & -v;
        v ^= low;
        const b = (w << 5) + 31 - Math.clz32(low);
        if (!has(fc.signatures[other[b]].any!, a)) continue;
        const [cs, cd] = fromIngress ? [b, a] : [a, b];
        const id = fc.pairConns(cs, cd);
        if (id !== NONE) visit(cs, cd, id);
      }
    }
  }
}

/** Estimated pairs visited when driving from these rows. */
function cost(fc: FastConnectivity, ids: readonly number[], sigOf: number[], mask: Bits): number {
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(sigOf[id], (counts.get(sigOf[id]) ?? 0) + 1);
  let total = 0;
  for (const [sig, n] of counts) {
    const any = fc.signatures[sig].any!;
    let both = 0;
    for (let w = 0; w < any.length; w++) both += bitCount(any[w] & mask[w]);
    total += n * both;
  }
  return total;
}

/** Connectivity.groupConns on classes: class pairs are enumerated once and spread over the groups. */
export function enumerateGroups(fc: FastConnectivity, groups: readonly (readonly Party[])[], include: (src: number, dst: number) => boolean): GroupConns[] {
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
  const n = groups.length;
  const acc = new Map<number, number>();
  const add = (gs: number, gd: number, id: number) => {
    const key = gs * n + gd;
    acc.set(key, fc.conntable.join(acc.get(key) ?? NONE, id));
  };
  classPairs(fc, [...members.keys()], (cs, cd, id) => {
    for (const [gs, ps] of members.get(cs)!) {
      for (const [gd, pd] of members.get(cd)!) if (include(gs, gd) && !onlySelf(ps, pd)) add(gs, gd, id);
    }
  });
  ownNodePairs(fc, groups, include, add, (key) => acc.get(key) === ALL);
  return [...acc].map(([key, id]) => ({ src: Math.floor(key / n), dst: key % n, conns: fc.conntable.get(id) }));
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
  add: (gs: number, gd: number, id: number) => void, done: (key: number) => boolean): void {
  if (fc.engine.options.ownNode !== "allow") return;
  const onNode = new Map<string, { g: number; p: Party }[]>();
  groups.forEach((parties, g) => {
    for (const p of parties) {
      const name = p.endpoint?.nodeName;
      if (name) { const l = onNode.get(name); if (l) l.push({ g, p }); else onNode.set(name, [{ g, p }]); }
    }
  });
  // A pair differs from its class pair only through this rule: each (class pair, direction) is
  // computed once, and group pairs already fully allowed are skipped.
  const n = groups.length, classes = fc.classes.size;
  const cache = new Map<number, number>();
  const visit = (gs: number, ps: Party, gd: number, pd: Party, podIsDst: boolean) => {
    if (ps.endpoint === pd.endpoint || !include(gs, gd) || done(gs * n + gd)) return;
    const cs = fc.classOfParty(ps), cd = fc.classOfParty(pd);
    const key = (cs * classes + cd) * 2 + (podIsDst ? 1 : 0);
    let id = cache.get(key);
    if (id === undefined) { id = fc.pairConns(cs, cd, !podIsDst, podIsDst); cache.set(key, id); }
    if (id !== NONE) add(gs, gd, id);
  };
  groups.forEach((parties, gn) => {
    for (const node of parties) {
      const name = node.endpoint && fc.engine.matcher.nodeOf(node)?.name;
      const local = name !== undefined ? onNode.get(name) : undefined;
      if (!local) continue;
      for (const { g: gp, p: pod } of local) {
        if (!fc.engine.matcher.isOwnNode(pod.endpoint, node)) continue;
        visit(gn, node, gp, pod, true);
        visit(gp, pod, gn, node, false);
      }
    }
  });
}
