// All-pairs enumeration over classes: only class pairs that some row allows are visited, driven
// from whichever direction (egress or ingress rows) allows less, so the work follows the size of
// the answer rather than the square of the number of endpoints.

import type { Direction } from "../../model/policy.js";
import type { Endpoint } from "../../model/endpoint.js";
import type { Party } from "../match.js";
import type { GroupConns } from "../pairwise.js";
import { collectMay, countMay, has, mayHas, newBits, set, type Bits, type Windowed } from "./bitset.js";
import { ALL, NONE, PairMemo, type ConnTable } from "./conntable.js";
import type { FastConnectivity, SideMay } from "./connectivity.js";
import { sameNetwork } from "./classes.js";
import { ownLoopback } from "../verdict.js";

type Visit = (cs: number, cd: number, conns: number) => void;

/**
 * Calls visit for every ordered pair of classes in `ids` (a class with itself too) with some
 * connection; with `involved` (a subset of `ids`), only pairs with at least one class in it.
 * A side's connections with a remote class depend on the side only, not on which class has it
 * (sideMay's key): classes of one driving side are taken together (the same candidates, the same
 * connections on the driving side, asked once per candidate), and a class's candidates with the same
 * side on the other end are asked once.
 */
export function classPairs(fc: FastConnectivity, ids: readonly number[], visit: Visit, involved?: readonly number[]): void {
  // Loops over the classes (13.8k at 100k pods) run once, mostly interpreted: indexed, not for-of.
  const mask = newBits(fc.sets.nwords);
  for (let i = 0; i < ids.length; i++) set(mask, ids[i]);
  const near = involved ? newBits(fc.sets.nwords) : mask;
  if (involved) for (let i = 0; i < involved.length; i++) set(near, involved[i]);
  const sides = { ingress: mayByClass(fc, ids, "ingress"), egress: mayByClass(fc, ids, "egress") };
  const fromIngress = cost(ids, sides.ingress, mask) <= cost(ids, sides.egress, mask);
  const driveDir: Direction = fromIngress ? "ingress" : "egress", otherDir: Direction = fromIngress ? "egress" : "ingress";
  const drive = fromIngress ? sides.ingress : sides.egress, other = fromIngress ? sides.egress : sides.ingress;
  const list = fc.classes.list, table = fc.conntable, width = fc.classes.size;
  // The driving classes by side; the other sides numbered.
  const bySide = new Map<object, number[]>(), otherKeys = new Map<object, number>(), otherKey = new Int32Array(width);
  for (let i = 0; i < ids.length; i++) {
    const a = ids[i];
    let k = otherKeys.get(other[a].key);
    if (k === undefined) otherKeys.set(other[a].key, k = otherKeys.size);
    otherKey[a] = k;
  }
  // Classes outside `involved` pair only with the involved ones: those are looked up, the row is not scanned.
  const loners = new Map<object, number[]>();
  for (let i = 0; i < ids.length; i++) {
    const a = ids[i];
    const by = involved && !has(near, a) ? loners : bySide, key = drive[a].key, group = by.get(key);
    if (group) group.push(a); else by.set(key, [a]);
  }
  // Answers remembered: the driving side's per candidate (for the group), the other side's per its key (for the class).
  const mine = new Int32Array(width), theirs = new Int32Array(otherKeys.size), asked = new Int32Array(otherKeys.size);
  const candidates = new Int32Array(width);
  let turn = 0;
  const pairsOf = (group: readonly number[], n: number) => {
    for (let g = 0; g < group.length; g++) {
      const a = group[g];
      turn++;
      for (let i = 0; i < n; i++) {
        const b = candidates[i];
        if (!mayHold(other[b], a) || !sameNetwork(list[a], list[b])) continue;
        let m = mine[b];
        if (m < 0) mine[b] = m = fc.sideConns(driveDir, a, b, false);
        if (m === NONE) continue;
        const k = otherKey[b];
        if (asked[k] !== turn) { asked[k] = turn; theirs[k] = fc.sideConns(otherDir, b, a, false); }
        const id = table.meet(m, theirs[k]);
        if (id === NONE) continue;
        if (fromIngress) visit(b, a, id); else visit(a, b, id);
      }
    }
  };
  // Driving sides with the same sets (any, cont, rest) have the same candidates: collected once for
  // them (at 100k pods 9.4k ingress sides have 3.9k such triples, whose windows average 180 words).
  const sideSets = new SetTriples();
  const byTriple: (number[][] | undefined)[] = [];
  for (const group of bySide.values()) {
    const { any, cont, rest } = drive[group[0]], t = sideSets.id(any, cont, rest);
    const l = byTriple[t];
    if (l) l.push(group); else byTriple[t] = [group];
  }
  for (let t = 0; t < byTriple.length; t++) {
    const groups = byTriple[t]!, { any, cont, rest } = drive[groups[0][0]];
    const n = collectMay(any, cont, rest, mask, candidates);
    for (let k = 0; k < groups.length; k++) {
      for (let i = 0; i < n; i++) mine[candidates[i]] = -1;
      pairsOf(groups[k], n);
    }
  }
  for (const group of loners.values()) {
    const side = drive[group[0]];
    let n = 0;
    for (let i = 0; i < involved!.length; i++) { const b = involved![i]; if (mayHold(side, b)) { candidates[n++] = b; mine[b] = -1; } }
    pairsOf(group, n);
  }
}

/** Each class's sideMay for direction d, by class id. */
function mayByClass(fc: FastConnectivity, ids: readonly number[], d: Direction): SideMay[] {
  const out: SideMay[] = [];
  for (let i = 0; i < ids.length; i++) out[ids[i]] = fc.sideMay(d, ids[i]);
  return out;
}

function mayHold(s: SideMay, i: number): boolean {
  return mayHas(s.any, s.cont, s.rest, i);
}

/**
 * Estimated pairs visited when driving from these sides (each distinct side counted once, times its
 * classes): the candidates of each distinct triple of sets counted once.
 */
function cost(ids: readonly number[], sides: readonly SideMay[], mask: Bits): number {
  const counts = new Map<object, number>(), distinct: SideMay[] = [];
  for (let i = 0; i < ids.length; i++) {
    const s = sides[ids[i]], n = counts.get(s.key);
    if (n === undefined) { counts.set(s.key, 1); distinct.push(s); } else counts.set(s.key, n + 1);
  }
  const triples = new SetTriples(), known: number[] = [];
  let total = 0;
  for (let i = 0; i < distinct.length; i++) {
    const { key, any, cont, rest } = distinct[i], t = triples.id(any, cont, rest);
    total += counts.get(key)! * (known[t] ??= countMay(any, cont, rest, mask));
  }
  return total;
}

/**
 * Numbers the triples (any, cont, rest) of sides' sets by identity, as they are first met. Sets are
 * shared objects (rows and unions with the same bits are one array, rows.ts), so sides made of the
 * same sets are found without looking at their words.
 */
class SetTriples {
  private ids = new Map<Windowed, Map<Windowed | undefined, Map<Windowed | undefined, number>>>();
  private count = 0;

  id(any: Windowed, cont: Windowed | undefined, rest: Windowed | undefined): number {
    let byCont = this.ids.get(any);
    if (!byCont) this.ids.set(any, byCont = new Map());
    let byRest = byCont.get(cont);
    if (!byRest) byCont.set(cont, byRest = new Map());
    let id = byRest.get(rest);
    if (id === undefined) byRest.set(rest, id = this.count++);
    return id;
  }
}

/** Connectivity.groupConns on classes: class pairs are enumerated once and spread over the groups. */
export function enumerateGroups(fc: FastConnectivity, groups: readonly (readonly Party[])[], include: (src: number, dst: number) => boolean,
  involved?: (group: number) => boolean): GroupConns[] {
  return groupPairIds(fc, groups, include, involved).list(fc.conntable);
}

/** enumerateGroups' pairs as connection-set ids in a table (no object per pair). */
export function groupPairIds(fc: FastConnectivity, groups: readonly (readonly Party[])[], include: (src: number, dst: number) => boolean,
  involved?: (group: number) => boolean): GroupPairs {
  const acc = new GroupPairs(groups.length);
  spreadPairs(fc, groups, include, involved, (gs, gd, id) => acc.add(gs, gd, id, fc.conntable), (gs, gd) => acc.get(gs, gd) === ALL);
  return acc;
}

/**
 * groupPairIds' pairs as they are found, not joined: a pair of groups may come more than once (a
 * group with parties in several classes, a pod and its own node), and its connections are the join
 * of its ids. No look-up per pair: a caller that sorts the pairs anyway joins the repeats there.
 */
export function groupPairLog(fc: FastConnectivity, groups: readonly (readonly Party[])[], include: (src: number, dst: number) => boolean,
  involved?: (group: number) => boolean): PairLog {
  const log = new PairLog();
  spreadPairs(fc, groups, include, involved, (gs, gd, id) => log.add(gs, gd, id));
  return log;
}

/**
 * Class pairs spread over the groups with parties in them, then own-node pairs. `done(gs, gd)`: the
 * pair of groups is known to allow everything already (its own-node pairs add nothing); without it,
 * own-node pairs are added as they are found (a pair that repeats is joined by the caller).
 */
function spreadPairs(fc: FastConnectivity, groups: readonly (readonly Party[])[], include: (src: number, dst: number) => boolean,
  involved: ((group: number) => boolean) | undefined, add: (gs: number, gd: number, id: number) => void, done?: (gs: number, gd: number) => boolean): void {
  // Passes over every party (100k at 100k pods) run once, mostly before the optimising compiler has
  // the function: indexed loops, not for-of (an iterator step per party, interpreted).
  let total = 0;
  for (let g = 0; g < groups.length; g++) total += groups[g].length;
  const parties = new Array<Party>(total);
  total = 0;
  for (let g = 0; g < groups.length; g++) { const ps = groups[g]; for (let i = 0; i < ps.length; i++) parties[total++] = ps[i]; }
  const classes = fc.classesFor(parties);
  const exact = fc.engine.ownExact;
  const members = membersByClass(groups, classes, exact || fc.engine.dropsToHost ? ownKeys(fc) : undefined);
  // (forEach: no entry pair per class, as a for-of over the Map makes while interpreted.)
  const ids: number[] = [], byClass: ClassMembers[] = [];
  members.forEach((m, c) => { ids.push(c); byClass[c] = m; });
  const near = involved && ids.filter((c) => byClass[c].groups.some(involved));
  const spread: Visit = (cs, cd, id) => {
    const s = byClass[cs], d = byClass[cd];
    for (let i = 0; i < s.groups.length; i++) {
      const gs = s.groups[i], solo = s.solo[i];
      for (let j = 0; j < d.groups.length; j++) {
        // A pair made only of an endpoint with itself is no pair; one made only of pods and their own
        // node is not the classes' either (ownKeys): own-node pairs answer for it.
        if ((solo === undefined || solo !== d.solo[j]) && !(s.from !== undefined && ((s.from[i] !== undefined && s.from[i] === d.node![j]) || (exact && d.from![j] !== undefined && d.from![j] === s.node![i]))) && include(gs, d.groups[j])) add(gs, d.groups[j], id);
      }
    }
  };
  classPairs(fc, ids, spread, near);
  loopbackPairs(fc, ids, near, spread);
  ownNodePairs(fc, groups, classes, include, add, done);
}

/**
 * A pod's connections to its own loopback (engine/verdict.ts ownLoopback: no policy sees them, so
 * PolicyEngine allows them whatever its policies say): every connection, for each pod class (of the
 * pod network, not acting as its node) and address class of a loopback address (ClassTable.keyOf
 * keys them apart) in `ids`; with `near`, pairs with a class in it only. There are none unless a
 * range of 127.0.0.0/8 or ::1 is a party.
 */
function loopbackPairs(fc: FastConnectivity, ids: readonly number[], near: readonly number[] | undefined, visit: Visit): void {
  const list = fc.classes.list;
  const loops = ids.filter((c) => list[c].rep.endpoint === undefined && ownLoopback(POD, list[c].rep));
  if (!loops.length) return;
  const close = near && new Set(near);
  for (const cs of ids) {
    if (!ownLoopback(list[cs].rep, LOOP)) continue;
    for (const cd of loops) if (!close || close.has(cs) || close.has(cd)) visit(cs, cd, ALL);
  }
}

/** Parties standing for any pod of the pod network, and a loopback address (loopbackPairs). */
const POD: Party = { endpoint: { id: -1, kind: "pod", name: "", labels: {}, addresses: [], ports: [] } };
const LOOP: Party = { address: { family: 4, value: 0x7f000001n } };

/** Pairs of groups with a connection-set id each, in typed arrays, as they were added (repeats kept). */
export class PairLog {
  private src = new Int32Array(1024);
  private dst = new Int32Array(1024);
  private conn = new Int32Array(1024);
  private size = 0;

  /** How many pairs were added. */
  get count(): number { return this.size; }
  /** The k-th pair added (0 ≤ k < count): source group, destination group, connection-set id. */
  srcAt(k: number): number { return this.src[k]; }
  dstAt(k: number): number { return this.dst[k]; }
  connAt(k: number): number { return this.conn[k]; }

  add(gs: number, gd: number, id: number): void {
    if (this.size === this.src.length) {
      const n = this.size * 2, copy = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
      this.src = copy(this.src); this.dst = copy(this.dst); this.conn = copy(this.conn);
    }
    const k = this.size++;
    this.src[k] = gs; this.dst[k] = gd; this.conn[k] = id;
  }
}

/**
 * Connection-set ids by (source group, destination group), joined as they are added (an open-
 * addressing table over typed arrays: hundreds of thousands of pairs, no Map entries to collect).
 * Listed by source in the order sources were first added, then in the order of their pairs.
 */
export class GroupPairs {
  private src = new Int32Array(1024);
  private dst = new Int32Array(1024);
  private conn = new Int32Array(1024);
  private size = 0;
  /** Pair index + 1 per slot (0: empty). */
  private slots = new Int32Array(4096);
  private shift = 32 - 12;
  /** Per source group, the order it was first added in (-1: not yet). */
  private rank: Int32Array;
  private sources = 0;

  constructor(groups: number) { this.rank = new Int32Array(groups).fill(-1); }

  /** How many pairs were added. */
  get count(): number { return this.size; }
  /** The k-th pair added (0 ≤ k < count): source group, destination group, connection-set id. */
  srcAt(k: number): number { return this.src[k]; }
  dstAt(k: number): number { return this.dst[k]; }
  connAt(k: number): number { return this.conn[k]; }

  get(gs: number, gd: number): number {
    const i = this.slots[this.find(gs, gd)];
    return i === 0 ? NONE : this.conn[i - 1];
  }

  add(gs: number, gd: number, id: number, table: ConnTable): void {
    const slot = this.find(gs, gd), i = this.slots[slot];
    if (i !== 0) { this.conn[i - 1] = table.join(this.conn[i - 1], id); return; }
    if (this.size === this.src.length) this.grow();
    const n = this.size++;
    this.src[n] = gs; this.dst[n] = gd; this.conn[n] = id;
    this.slots[slot] = n + 1;
    if (this.rank[gs] < 0) this.rank[gs] = this.sources++;
    if (this.size * 2 > this.slots.length) this.rehash();
  }

  list(table: ConnTable): GroupConns[] {
    // A counting sort by the source's rank keeps the order of addition within a source.
    const start = new Int32Array(this.sources + 1);
    for (let k = 0; k < this.size; k++) start[this.rank[this.src[k]] + 1]++;
    for (let r = 0; r < this.sources; r++) start[r + 1] += start[r];
    const out = new Array<GroupConns>(this.size);
    for (let k = 0; k < this.size; k++) out[start[this.rank[this.src[k]]]++] = { src: this.src[k], dst: this.dst[k], conns: table.get(this.conn[k]) };
    return out;
  }

  /** The slot of (gs, gd): where it is, or the empty slot where it goes. */
  private find(gs: number, gd: number): number {
    const mask = this.slots.length - 1;
    // Fibonacci hashing: the high bits of the product mix every bit of the pair.
    let h = Math.imul(Math.imul(gs, 0x85ebca6b) ^ gd, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const i = this.slots[h];
      if (i === 0 || (this.src[i - 1] === gs && this.dst[i - 1] === gd)) return h;
      h = (h + 1) & mask;
    }
  }

  private grow(): void {
    const n = this.src.length * 2, copy = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
    this.src = copy(this.src); this.dst = copy(this.dst); this.conn = copy(this.conn);
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.shift--;
    for (let k = 0; k < this.size; k++) this.slots[this.find(this.src[k], this.dst[k])] = k + 1;
  }
}

/**
 * Per class, the groups with parties in it, each with its one endpoint when all its parties there are
 * that endpoint; with own keys, also the node all its parties there are pods on (`from`) and the node
 * they all act as (`node`): a pair of groups whose parties of a class pair are all pods and their own
 * node gets nothing from the class pair (own-node pairs answer for it).
 */
interface ClassMembers { groups: number[]; solo: (Endpoint | undefined)[]; from?: (string | undefined)[]; node?: (string | undefined)[] }

/** A party's own keys: the node it runs on as a pod, the node it acts as. */
type OwnKeys = (p: Party) => [from: string | undefined, node: string | undefined];

/**
 * Own keys, kept when a pod's pairs with its own node are not the classes' (PolicyEngine.ownExact: its
 * own-node pairs are answered one by one) or some node's felix drops its pods' traffic to it (then
 * `from` only for the pods of such nodes, whose egress to their node is none).
 */
function ownKeys(fc: FastConnectivity): OwnKeys {
  const engine = fc.engine, exact = engine.ownExact;
  return (p) => {
    const e = p.endpoint, node = engine.matcher.nodeOf(p)?.name;
    const from = e?.nodeName !== undefined && node === undefined && engine.isSubjectable(e) && (exact || engine.dropsToHostOn(e.nodeName)) ? e.nodeName : undefined;
    return [from, node];
  };
}

function membersByClass(groups: readonly (readonly Party[])[], classes: readonly number[], keys?: OwnKeys): Map<number, ClassMembers> {
  const members = new Map<number, ClassMembers>();
  let next = 0;
  for (let g = 0; g < groups.length; g++) {
    const parties = groups[g];
    for (let i = 0; i < parties.length; i++) {
      const p = parties[i], c = classes[next++];
      const m = members.get(c), k = keys?.(p);
      // A class's lists are made with their first entry, at its length: most classes are of one group
      // (a list grown by push from empty keeps room for 17; 13.8k classes at 100k pods).
      if (!m) { members.set(c, k ? { groups: [g], solo: [p.endpoint], from: [k[0]], node: [k[1]] } : { groups: [g], solo: [p.endpoint] }); continue; }
      const last = m.groups.length - 1;
      if (last >= 0 && m.groups[last] === g) {
        if (m.solo[last] !== p.endpoint) m.solo[last] = undefined;
        if (k) { if (m.from![last] !== k[0]) m.from![last] = undefined; if (m.node![last] !== k[1]) m.node![last] = undefined; }
        continue;
      }
      m.groups.push(g);
      m.solo.push(p.endpoint);
      if (k) { m.from!.push(k[0]); m.node!.push(k[1]); }
    }
  }
  return members;
}

/**
 * Pods and their own node (a node, or a host-network pod acting as it), in the directions --own-node
 * exempts (allow: both; ingress: from the node), and in the others when a Namespace-tier allow rule
 * has an own-node peer (Cilium's host entity): the exemption and those peers only ever add connections, so joining them to the class pairs' is
 * exact, and where it adds nothing on the pod's side the class pair has them already. A party acting
 * as a node is never the pod of a pair: no policy selects it (PartyMatcher.selects), so its side has
 * no Namespace tier for the exemption to decide, and a pair with it as the pod adds nothing.
 */
function ownNodePairs(fc: FastConnectivity, groups: readonly (readonly Party[])[], classOf: readonly number[], include: (s: number, d: number) => boolean,
  add: (gs: number, gd: number, id: number) => void, done?: (gs: number, gd: number) => boolean): void {
  if (fc.engine.ownExact) { exactOwnNodePairs(fc, groups, classOf, include, add, done); return; }
  const modes = { egress: fc.ownMode("egress"), ingress: fc.ownMode("ingress") };
  if (!modes.egress && !modes.ingress) return;
  // A pod-side party (group and class) with a node-side kind has connections that depend on nothing
  // else, so each such pair of kinds is visited once over all nodes.
  const { sides, acting: actsAsNode } = nodeSides(fc, groups, classOf);
  if (!sides.size) return;
  // Nodes whose bunches are of the same kinds get the same number.
  const sigs = new Map<string, number>(), sigOf = new Map<string, number>();
  const drops = fc.engine.dropsToHost;
  sides.forEach((bunches, node) => {
    // (A node whose felix drops its pods' traffic to it is of another kind: their egress pairs are none.)
    const key = bunches.map((b) => b.kind).join(",") + (drops && fc.engine.dropsToHostOn(node) ? "!" : "");
    let sig = sigs.get(key);
    if (sig === undefined) sigs.set(key, sig = sigs.size);
    sigOf.set(node, sig);
  });
  // Connections per (class pair, direction): computed once. The pod's side (the one the exemption
  // applies to) is the same for pod classes whose sides are the same: asked once per side and node class.
  // (Memo keys: the first id times two plus one for podIsDst, and the second id.)
  const cache = new PairMemo(), width = fc.classes.size, list = fc.classes.list;
  const sideIds = { egress: new Map<object, number>(), ingress: new Map<object, number>() };
  const sideOf = { egress: new Int32Array(width).fill(-1), ingress: new Int32Array(width).fill(-1) };
  const podSides = new PairMemo();
  const ownConns = (pod: number, node: number, podIsDst: boolean) => {
    const d: Direction = podIsDst ? "ingress" : "egress";
    const mode = modes[d];
    if (!mode || !sameNetwork(list[pod], list[node])) return NONE;
    let k = sideOf[d][pod];
    if (k < 0) {
      const key = fc.sideMay(d, pod).key, ids = sideIds[d];
      k = ids.get(key) ?? ids.size;
      ids.set(key, k);
      sideOf[d][pod] = k;
    }
    let mine = podSides.get(k * 2 + (podIsDst ? 1 : 0), node);
    if (mine < 0) {
      // Where the exemption changes nothing on the pod's side, the pair is the class pair's (added there).
      mine = fc.sideConns(d, pod, node, mode);
      podSides.set(k * 2 + (podIsDst ? 1 : 0), node, mine = mine === fc.sideConns(d, pod, node, false) ? NONE : mine);
    }
    return mine === NONE ? NONE : fc.conntable.meet(mine, fc.sideConns(podIsDst ? "egress" : "ingress", node, pod, false));
  };
  const conns = (cs: number, cd: number, podIsDst: boolean) => {
    let id = cache.get(cs * 2 + (podIsDst ? 1 : 0), cd);
    if (id < 0) { id = podIsDst ? ownConns(cd, cs, true) : ownConns(cs, cd, false); cache.set(cs * 2 + (podIsDst ? 1 : 0), cd, id); }
    return id;
  };
  const visit = (gs: number, cs: number, gd: number, cd: number, podIsDst: boolean) => {
    if (!include(gs, gd) || done?.(gs, gd)) return;
    const id = conns(cs, cd, podIsDst);
    if (id !== NONE) add(gs, gd, id);
  };
  // Per group (its parties come together): the (node-side kind, class) pairs visited, and the (node
  // bunches, class) pairs swept. A pod-side party pairs with a node's bunches as any party of its
  // group and class does with those of a node of the same kinds: once swept, done. With one kind of
  // node (the usual case: the same DaemonSets everywhere), a (group, class) is swept or not before
  // its node is looked up.
  const visited = new Set<number>(), swept = new Set<number>(), single = sigs.size === 1, sweptIn = new Int32Array(single ? width : 0);
  let next = 0;
  for (let g = 0; g < groups.length; g++) {
    const parties = groups[g];
    if (visited.size) visited.clear();
    if (swept.size) swept.clear();
    for (let i = 0; i < parties.length; i++) {
      const p = parties[i], at = next++, c = classOf[at];
      if (actsAsNode[at] === 1 || (single && sweptIn[c] === g + 1)) continue;
      const node = p.endpoint?.nodeName;
      const bunches = node === undefined ? undefined : sides.get(node);
      if (!bunches) continue;
      if (single) sweptIn[c] = g + 1;
      else {
        const key = sigOf.get(node!)! * width + c;
        if (swept.has(key)) continue;
        swept.add(key);
      }
      for (let b = 0; b < bunches.length; b++) {
        const n = bunches[b];
        // With one kind of node, a (group, class) sweeps each kind once: nothing to remember.
        if (!single) {
          const key = n.kind * width + c;
          if (visited.has(key)) continue;
          visited.add(key);
        }
        visit(n.group, n.cls, g, c, true);
        if (!drops || !fc.engine.dropsToHostOn(node!)) visit(g, c, n.group, n.cls, false);
      }
    }
  }
}

/**
 * Pods and their own node when those pairs are not the classes' (PolicyEngine.ownExact: Cilium's
 * remote-node, a deny of host): each pair's connections both ways as the verdict engine answers them
 * (FastConnectivity.ownConns), once per (pod group and class, node-side group and class, node's felix
 * action); spreadPairs left such pairs of groups out of the class pairs.
 */
function exactOwnNodePairs(fc: FastConnectivity, groups: readonly (readonly Party[])[], classOf: readonly number[], include: (s: number, d: number) => boolean,
  add: (gs: number, gd: number, id: number) => void, done?: (gs: number, gd: number) => boolean): void {
  const engine = fc.engine;
  const { sides, acting } = nodeSides(fc, groups, classOf);
  if (!sides.size) return;
  // The pods of those nodes (by place: the parties not acting as a node).
  const pods: { group: number; cls: number; party: Party; node: string }[] = [];
  let next = 0;
  for (let g = 0; g < groups.length; g++) {
    const parties = groups[g];
    for (let i = 0; i < parties.length; i++) {
      const p = parties[i], at = next++, e = p.endpoint;
      if (acting[at] === 0 && e?.nodeName !== undefined && engine.isSubjectable(e)) pods.push({ group: g, cls: classOf[at], party: p, node: e.nodeName });
    }
  }
  const seen = new Set<string>();
  for (const pod of pods) {
    for (const n of sides.get(pod.node) ?? []) {
      const key = `${pod.group}|${pod.cls}|${n.group}|${n.cls}|${engine.dropsToHostOn(pod.node) ? 1 : 0}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (include(pod.group, n.group) && !done?.(pod.group, n.group)) { const id = fc.ownConns(pod.party, n.party); if (id !== NONE) add(pod.group, n.group, id); }
      if (include(n.group, pod.group) && !done?.(n.group, pod.group)) { const id = fc.ownConns(n.party, pod.party); if (id !== NONE) add(n.group, pod.group, id); }
    }
  }
}

/**
 * Per node, one party per kind (group and class) of the parties acting as it (the node side of its
 * pods' pairs), and the places of every party acting as a node. Only the parties of node-like classes
 * can act as a node (a class's members agree on it: its key holds the kind and whether it acts as
 * its node, classes.ts): the others' endpoints are not read.
 */
function nodeSides(fc: FastConnectivity, groups: readonly (readonly Party[])[], classOf: readonly number[]): { sides: Map<string, Bunch[]>; acting: Uint8Array } {
  const nodeKind = kindNumbering(), sides = new Map<string, Bunch[]>(), acting = new Uint8Array(classOf.length);
  const classes = fc.classes.list;
  let next = 0;
  for (let g = 0; g < groups.length; g++) {
    const parties = groups[g];
    for (let i = 0; i < parties.length; i++) {
      const p = parties[i], at = next++, c = classOf[at];
      if (!classes[c].nodeLike) continue;
      const node = p.endpoint && fc.engine.matcher.nodeOf(p)?.name;
      if (node === undefined) continue;
      acting[at] = 1;
      const kind = nodeKind(g, c);
      let bunches = sides.get(node);
      if (!bunches) sides.set(node, bunches = []);
      if (!hasKind(bunches, kind)) bunches.push({ kind, group: g, cls: c, party: p });
    }
  }
  return { sides, acting };
}

/**
 * Whether a node's bunches hold one of this kind. (Not a closure in nodeSides' loop: a closure over
 * the loop body's variables gives every pass of it, one per party, a context object.)
 */
function hasKind(bunches: readonly Bunch[], kind: number): boolean {
  for (let b = 0; b < bunches.length; b++) if (bunches[b].kind === kind) return true;
  return false;
}

/**
 * Numbers (group, class) kinds as they are met. A group's parties come together, so its classes
 * are looked up in a map of its own (no key made of both).
 */
function kindNumbering(): (g: number, c: number) => number {
  let kinds = 0, kindGroup = -1, groupKinds = new Map<number, number>();
  return (g, c) => {
    if (g !== kindGroup) { kindGroup = g; groupKinds = new Map(); }
    let id = groupKinds.get(c);
    if (id === undefined) groupKinds.set(c, id = kinds++);
    return id;
  };
}

/** Parties of one group and class acting as one node: their kind and one of them. */
interface Bunch { kind: number; group: number; cls: number; party: Party }
