// All-pairs enumeration over classes: only class pairs that some row allows are visited, driven
// from whichever direction (egress or ingress rows) allows less, so the work follows the size of
// the answer rather than the square of the number of endpoints.

import type { Direction } from "../../model/policy.js";
import type { Endpoint } from "../../model/endpoint.js";
import type { Party } from "../match.js";
import type { GroupConns } from "../pairwise.js";
import { collectMay, countMay, has, mayHas, newBits, nonZeroWords, set, type Bits, type Windowed } from "./bitset.js";
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
 * side on the other end are asked once. What runs per class or per candidate reads typed arrays
 * indexed by class id (the sides' numbers, the networks' codes), not an object per class and side:
 * a class's side is a number, each distinct side's sets are looked up once.
 */
export function classPairs(fc: FastConnectivity, ids: readonly number[], visit: Visit, involved?: readonly number[]): void {
  // Loops over the classes (13.8k at 100k pods) run once, mostly interpreted: indexed, not for-of.
  const width = fc.classes.size, mask = newBits(fc.sets.nwords);
  for (let i = 0; i < ids.length; i++) set(mask, ids[i]);
  const near = involved ? newBits(fc.sets.nwords) : mask;
  if (involved) for (let i = 0; i < involved.length; i++) set(near, involved[i]);
  const ingress = numberSides(fc, ids, "ingress", width), egress = numberSides(fc, ids, "egress", width);
  // The direction with fewer distinct sides is estimated first; the other's candidates are kept as
  // they are counted, until it costs more (then the first drives): where it drives, its sides' windows
  // are not walked a second time (at 100k pods 3.9k ingress triples, 700k words, against 771 egress).
  const inFirst = ingress.list.length <= egress.list.length, nz = new RestWords(fc);
  const first = cost(inFirst ? ingress : egress, mask, nz), second = cost(inFirst ? egress : ingress, mask, nz, inFirst ? first.total : first.total + 1, new Int32Array(width));
  const costIn = inFirst ? first : second, costEg = inFirst ? second : first;
  const fromIngress = costIn.total <= costEg.total;
  const driveDir: Direction = fromIngress ? "ingress" : "egress", otherDir: Direction = fromIngress ? "egress" : "ingress";
  const drive = fromIngress ? ingress : egress, other = fromIngress ? egress : ingress, triples = fromIngress ? costIn : costEg;
  const table = fc.conntable, net = networkCodes(fc, ids, width);
  const driveOf = drive.of, otherOf = other.of, otherSides = other.list;
  // The driving classes by side (in the order sides were first met, each side's in the order of ids),
  // those outside `involved` apart: they pair only with the involved ones (looked up, not scanned).
  const nsides = drive.list.length, byStart = new Int32Array(nsides + 1), lonerStart = new Int32Array(nsides + 1);
  for (let i = 0; i < ids.length; i++) { const a = ids[i]; if (involved && !has(near, a)) lonerStart[driveOf[a] + 1]++; else byStart[driveOf[a] + 1]++; }
  for (let t = 0; t < nsides; t++) { byStart[t + 1] += byStart[t]; lonerStart[t + 1] += lonerStart[t]; }
  const bySide = new Int32Array(byStart[nsides]), loners = new Int32Array(lonerStart[nsides]);
  {
    const at = byStart.slice(0, nsides), lat = lonerStart.slice(0, nsides);
    for (let i = 0; i < ids.length; i++) { const a = ids[i]; if (involved && !has(near, a)) loners[lat[driveOf[a]]++] = a; else bySide[at[driveOf[a]]++] = a; }
  }
  // Answers remembered: the driving side's per candidate (for the side), the other side's per its
  // number (for the class: whether it may hold the class, then its connections when first needed).
  const mine = new Int32Array(width), theirs = new Int32Array(other.list.length), asked = new Int32Array(other.list.length);
  const candidates = new Int32Array(width);
  let turn = 0;
  const pairsOf = (members: Int32Array, from: number, to: number, candidates: Int32Array, c0: number, n: number) => {
    for (let g = from; g < to; g++) {
      const a = members[g], na = net[a];
      turn++;
      for (let i = c0; i < n; i++) {
        const b = candidates[i], k = otherOf[b];
        if (asked[k] !== turn) { asked[k] = turn; const o = otherSides[k]; theirs[k] = mayHas(o.any, o.cont, o.rest, a) ? UNASKED : NONE; }
        if (theirs[k] === NONE) continue;
        const nb = net[b];
        if (na === 0 || nb === 0 || (na !== 1 && nb !== 1 && na !== nb)) continue;
        let m = mine[b];
        if (m < 0) mine[b] = m = fc.sideConns(driveDir, a, b, false);
        if (m === NONE) continue;
        let t = theirs[k];
        if (t === UNASKED) theirs[k] = t = fc.sideConns(otherDir, b, a, false);
        const id = table.meet(m, t);
        if (id === NONE) continue;
        if (fromIngress) visit(b, a, id); else visit(a, b, id);
      }
    }
  };
  // Driving sides with the same sets (any, cont, rest) have the same candidates: collected once for
  // them (at 100k pods 9.4k ingress sides have 3.9k such triples, whose windows average 180 words).
  const tripleOf = triples.tripleOf, ntriples = triples.known.length;
  const sideStart = new Int32Array(ntriples + 1), sidesByTriple = new Int32Array(nsides);
  for (let t = 0; t < nsides; t++) if (byStart[t + 1] > byStart[t]) sideStart[tripleOf[t] + 1]++;
  for (let t = 0; t < ntriples; t++) sideStart[t + 1] += sideStart[t];
  {
    const at = sideStart.slice(0, ntriples);
    for (let t = 0; t < nsides; t++) if (byStart[t + 1] > byStart[t]) sidesByTriple[at[tripleOf[t]]++] = t;
  }
  for (let t = 0; t < ntriples; t++) {
    if (sideStart[t + 1] === sideStart[t]) continue;
    let cands: Int32Array = candidates, c0 = 0, n: number;
    if (triples.kept) { cands = triples.kept.list; c0 = triples.kept.start[t]; n = triples.kept.start[t + 1]; }
    else { const { any, cont, rest } = drive.list[sidesByTriple[sideStart[t]]]; n = collectMay(any, cont, rest, mask, candidates, nz.of(rest)); }
    for (let k = sideStart[t]; k < sideStart[t + 1]; k++) {
      const side = sidesByTriple[k];
      for (let i = c0; i < n; i++) mine[cands[i]] = -1;
      pairsOf(bySide, byStart[side], byStart[side + 1], cands, c0, n);
    }
  }
  for (let t = 0; t < nsides; t++) {
    if (lonerStart[t + 1] === lonerStart[t]) continue;
    const side = drive.list[t];
    let n = 0;
    for (let i = 0; i < involved!.length; i++) { const b = involved![i]; if (mayHas(side.any, side.cont, side.rest, b)) { candidates[n++] = b; mine[b] = -1; } }
    pairsOf(loners, lonerStart[t], lonerStart[t + 1], candidates, 0, n);
  }
}

/** theirs' mark of an other side that may hold the class, its connections not yet asked. */
const UNASKED = -1;

/**
 * Class ids' sides of direction d, numbered in the order they are first met: `of[a]` the number of
 * class a's side (sideMay's key: the classes of one number have the same side), `list` each
 * number's sets, `classes` how many of `ids` have it. One SideMay per distinct side, not per class.
 */
function numberSides(fc: FastConnectivity, ids: readonly number[], d: Direction, width: number): Sides {
  const of = new Int32Array(width), numbers = new Map<object, number>(), list: SideMay[] = [], classes: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const a = ids[i], key = fc.sideKey(d, a);
    let k = numbers.get(key);
    if (k === undefined) { numbers.set(key, k = list.length); list.push(fc.sideMay(d, a)); classes.push(1); } else classes[k]++;
    of[a] = k;
  }
  return { of, list, classes };
}

interface Sides { of: Int32Array; list: SideMay[]; classes: number[] }

/**
 * Per class id, a code for the network it is on (sameNetwork on two codes, no class object read per
 * pair): 0 none (never connects), 1 every primary network, 2 and above one network each.
 */
function networkCodes(fc: FastConnectivity, ids: readonly number[], width: number): Int32Array {
  const codes = new Int32Array(width), nets = new Map<string, number>(), list = fc.classes.list;
  for (let i = 0; i < ids.length; i++) {
    const a = ids[i], n = list[a].net;
    let c = n === "" ? 0 : n === undefined ? 1 : nets.get(n);
    if (c === undefined) nets.set(n!, c = nets.size + 2);
    codes[a] = c;
  }
  return codes;
}

/**
 * Estimated pairs visited when driving from these sides (each distinct side counted once, times its
 * classes): the candidates of each distinct triple of sets counted once. `tripleOf[side]`: the
 * number of its triple (in the order triples were first met), kept for the enumeration. With
 * `limit`, the triples' candidates are kept (`kept`: triple t's are list[start[t], start[t + 1]))
 * while the total stays under it; past it, counting stops (the total is then only known to be at
 * least the limit, and nothing is kept).
 */
function cost(sides: Sides, mask: Bits, nz: RestWords, limit = Infinity, keep?: Int32Array): Estimate {
  // (keep: the first store, as long as the most candidates a triple can have.)
  const list = sides.list, triples = new SetTriples(), known: number[] = [], tripleOf = new Int32Array(list.length);
  let total = 0, store: Int32Array | undefined = keep, used = 0;
  const starts: number[] = [0];
  for (let k = 0; k < list.length; k++) {
    const { any, cont, rest } = list[k], t = triples.id(any, cont, rest);
    tripleOf[k] = t;
    if (known[t] === undefined) {
      if (store) {
        // A triple's candidates are at most every class of the mask.
        if (used + keep!.length > store.length) { const grown = new Int32Array(Math.max(store.length * 2, used + keep!.length)); grown.set(store.subarray(0, used)); store = grown; }
        const n = collectMay(any, cont, rest, mask, used ? store.subarray(used) : store, nz.of(rest));
        known[t] = n;
        starts.push(used += n);
      } else known[t] = countMay(any, cont, rest, mask, nz.of(rest));
    }
    total += sides.classes[k] * known[t];
    if (total >= limit) return { total: limit, tripleOf, known };
  }
  return { total, tripleOf, known, kept: store && { list: store, start: Int32Array.from(starts) } };
}

/**
 * The non-zero words of the sides' rest unions (bitset.ts nonZeroWords), found once per array while
 * the pairs are enumerated (nothing changes the rows meanwhile): the scans of a side with an Admin
 * part follow them (collectMay). Unions are shared arrays (rows.ts store), but most sides' are their
 * own (at 100k pods 3,617 for 3,925 ingress triples and 771 egress sides).
 */
class RestWords {
  private words = new Map<Windowed, Int32Array>();

  constructor(private fc: FastConnectivity) {}

  of(r: Windowed | undefined): Int32Array | undefined {
    if (r === undefined) return undefined;
    // Noted where rows.ts made the union (its hash walks them); others (a union copied for a change) found here.
    let nz = this.fc.rows.unionNonZero(r) ?? this.words.get(r);
    if (nz === undefined) this.words.set(r, nz = nonZeroWords(r));
    return nz;
  }
}

interface Estimate { total: number; tripleOf: Int32Array; known: number[]; kept?: { list: Int32Array; start: Int32Array } }

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
  // A host with itself (a node and a host-network pod acting as it) is policed or not by the interface its host endpoint names (PolicyEngine.ownHost): exactOwnNodePairs.
  const hosts = exact && fc.engine.hostEndpoints;
  const m = membersByClass(groups, classes, fc.classes.size, exact || fc.engine.dropsToHost ? ownKeys(fc) : undefined);
  const { ids, start, group, solo, from, node } = m;
  let near: number[] | undefined;
  if (involved) {
    near = [];
    for (let i = 0; i < ids.length; i++) {
      const c = ids[i];
      for (let k = start[c]; k < start[c + 1]; k++) if (involved(group[k])) { near.push(c); break; }
    }
  }
  const spread: Visit = (cs, cd, id) => {
    for (let i = start[cs], si = start[cs + 1], d0 = start[cd], dj = start[cd + 1]; i < si; i++) {
      const gs = group[i], one = solo[i];
      for (let j = d0; j < dj; j++) {
        // A pair made only of an endpoint with itself is no pair; one made only of pods and their own
        // node is not the classes' either (ownKeys), nor one made only of a host with itself: own-node pairs answer for them.
        if ((one === undefined || one !== solo[j]) && !(from !== undefined && ((from[i] !== undefined && from[i] === node![j]) || (exact && from[j] !== undefined && from[j] === node![i])
          || (hosts && node![i] !== undefined && node![i] === node![j]))) && include(gs, group[j])) add(gs, group[j], id);
      }
    }
  };
  // A host's own loopback under felix's all-interfaces host endpoint is judged exactly (loopbackPairs): its classes' answer judges no ingress there.
  const lo = policedLoopbacks(fc, ids);
  classPairs(fc, ids, lo ? (cs, cd, id) => { if (!(lo.hosts[cs] && lo.loops[cd])) spread(cs, cd, id); } : spread, near);
  loopbackPairs(fc, ids, near, spread);
  ownNodePairs(fc, groups, classes, include, add, done);
}

/** The address classes of a loopback address in `ids` (ClassTable.keyOf keys them apart). */
function loopClasses(fc: FastConnectivity, ids: readonly number[]): number[] {
  const list = fc.classes.list;
  return ids.filter((c) => list[c].rep.endpoint === undefined && ownLoopback(POD, list[c].rep));
}

/**
 * Flags by class: the host classes whose loopback felix's all-interfaces host endpoint polices
 * (PolicyEngine.hostLoopback: ClassTable.keyOf keys such hosts apart), and the loopback address
 * classes; undefined when either is missing (most lists: no loopback address is a party).
 */
function policedLoopbacks(fc: FastConnectivity, ids: readonly number[]): { hosts: Uint8Array; loops: Uint8Array } | undefined {
  const loops = loopClasses(fc, ids);
  if (!loops.length) return undefined;
  const list = fc.classes.list, hosts = new Uint8Array(fc.classes.size), flags = new Uint8Array(fc.classes.size);
  let any = false;
  for (const c of ids) if (fc.engine.hostLoopback(list[c].rep, LOOP)?.policed) { hosts[c] = 1; any = true; }
  for (const c of loops) flags[c] = 1;
  return any ? { hosts, loops: flags } : undefined;
}

/**
 * Connections to a loopback address from its own network namespace (no endpoint named): a pod's
 * (engine/verdict.ts ownLoopback: no policy sees them, so PolicyEngine allows them whatever its
 * policies say) and a host's unpoliced (PolicyEngine.hostLoopback) are every connection; a host's
 * under felix's all-interfaces host endpoint are the verdict engine's (FastConnectivity.conns on the
 * classes' representatives: the host's class holds what its answer depends on). For each such
 * class and address class of a loopback address (ClassTable.keyOf keys them apart) in `ids`; with
 * `near`, pairs with a class in it only. There are none unless a range of 127.0.0.0/8 or ::1 is a party.
 */
function loopbackPairs(fc: FastConnectivity, ids: readonly number[], near: readonly number[] | undefined, visit: Visit): void {
  const list = fc.classes.list;
  const loops = loopClasses(fc, ids);
  if (!loops.length) return;
  const close = near && new Set(near);
  for (const cs of ids) {
    const rep = list[cs].rep;
    const host = ownLoopback(rep, LOOP) ? undefined : fc.engine.hostLoopback(rep, LOOP);
    if (!host && !ownLoopback(rep, LOOP)) continue;
    for (const cd of loops) {
      if (close && !close.has(cs) && !close.has(cd)) continue;
      // (A pair without connections is no pair, as classPairs visits them.)
      const id = host?.policed ? fc.conntable.intern(fc.conns(rep, list[cd].rep)) : ALL;
      if (id !== NONE) visit(cs, cd, id);
    }
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
 * node gets nothing from the class pair (own-node pairs answer for it). Flat: class c's entries are
 * [start[c], start[c + 1]) of the entry arrays, in the order of the groups; `ids`, the classes with
 * entries in the order they are first met. No object or list per class (13.8k at 100k pods, about
 * 30k lists, all kept through the enumeration).
 */
interface ClassMembers {
  ids: number[];
  start: Int32Array;
  group: Int32Array;
  solo: (Endpoint | undefined)[];
  from?: (string | undefined)[];
  node?: (string | undefined)[];
}

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

function membersByClass(groups: readonly (readonly Party[])[], classes: readonly number[], width: number, keys?: OwnKeys): ClassMembers {
  // Counted first (an entry per class and group: a group's parties come together), then filled.
  const start = new Int32Array(width + 1), last = new Int32Array(width), ids: number[] = [];
  let next = 0;
  for (let g = 0; g < groups.length; g++) {
    const n = groups[g].length;
    for (let i = 0; i < n; i++) {
      const c = classes[next++];
      if (last[c] === g + 1) continue;
      if (last[c] === 0) ids.push(c);
      last[c] = g + 1;
      start[c + 1]++;
    }
  }
  for (let c = 0; c < width; c++) start[c + 1] += start[c];
  const entries = start[width], group = new Int32Array(entries), solo = new Array<Endpoint | undefined>(entries);
  const from = keys ? new Array<string | undefined>(entries) : undefined, node = keys ? new Array<string | undefined>(entries) : undefined;
  // at[c]: one past class c's last entry so far.
  const at = start.slice(0, width);
  last.fill(0);
  next = 0;
  for (let g = 0; g < groups.length; g++) {
    const parties = groups[g];
    for (let i = 0; i < parties.length; i++) {
      const p = parties[i], c = classes[next++], k = keys?.(p);
      if (last[c] !== g + 1) {
        last[c] = g + 1;
        const e = at[c]++;
        group[e] = g; solo[e] = p.endpoint;
        if (k) { from![e] = k[0]; node![e] = k[1]; }
        continue;
      }
      const e = at[c] - 1;
      if (solo[e] !== p.endpoint) solo[e] = undefined;
      if (k) { if (from![e] !== k[0]) from![e] = undefined; if (node![e] !== k[1]) node![e] = undefined; }
    }
  }
  return { ids, start, group, solo, from, node };
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
  const podSideOf = new SideNumbers(fc, width), podSides = new PairMemo();
  // The node's side of a pair, asked per (node class, pod class) pair not yet known (55k at 100k
  // pods), is one of few (2 there: the nodes' policies are the same): asked once per side and pod class.
  const nodeSideOf = new SideNumbers(fc, width), nodeMemo = new PairMemo();
  const nodeConns = (d: Direction, node: number, pod: number) => {
    const at = nodeSideOf.key(d, node);
    let id = nodeMemo.get(at, pod);
    if (id < 0) nodeMemo.set(at, pod, id = fc.sideConns(d, node, pod, false));
    return id;
  };
  const ownConns = (pod: number, node: number, podIsDst: boolean) => {
    const d: Direction = podIsDst ? "ingress" : "egress";
    const mode = modes[d];
    if (!mode || !sameNetwork(list[pod], list[node])) return NONE;
    const at = podSideOf.key(d, pod);
    let mine = podSides.get(at, node);
    if (mine < 0) {
      // Where the exemption changes nothing on the pod's side, the pair is the class pair's (added there).
      mine = fc.sideConns(d, pod, node, mode);
      podSides.set(at, node, mine = mine === fc.sideConns(d, pod, node, false) ? NONE : mine);
    }
    return mine === NONE ? NONE : fc.conntable.meet(mine, nodeConns(podIsDst ? "egress" : "ingress", node, pod));
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
 * Classes' sides numbered per direction as they are first asked (FastConnectivity.sideKey: classes of
 * one number have the same side, and so the same connections with a given remote class).
 */
class SideNumbers {
  private ids: Record<Direction, Map<object, number>> = { egress: new Map(), ingress: new Map() };
  private of: Record<Direction, Int32Array>;

  constructor(private fc: FastConnectivity, width: number) {
    this.of = { egress: new Int32Array(width).fill(-1), ingress: new Int32Array(width).fill(-1) };
  }

  /** A memo key for class c's side of direction d: its number times two, plus one for ingress. */
  key(d: Direction, c: number): number {
    let k = this.of[d][c];
    if (k < 0) {
      const ids = this.ids[d], side = this.fc.sideKey(d, c);
      k = ids.get(side) ?? ids.size;
      ids.set(side, k);
      this.of[d][c] = k;
    }
    return k * 2 + (d === "ingress" ? 1 : 0);
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
  if (engine.hostEndpoints) hostSelfPairs(fc, sides, include, add, done);
}

/**
 * A host with itself (PolicyEngine.ownHost: a node and the host-network pods acting as it, each
 * other, across its lo): felix's all-interfaces host endpoint polices it both ways, a named
 * interface's never, which the classes do not tell apart (they answered TCP 9100 for a node and its
 * own host-network pod under a host endpoint of eth0, where explain said every connection).
 * spreadPairs left the pairs of groups made only of those out; each pair of the node's bunches (a
 * bunch with itself when it holds two of them) as the verdict engine answers it (FastConnectivity.conns).
 */
function hostSelfPairs(fc: FastConnectivity, sides: ReadonlyMap<string, readonly Bunch[]>, include: (s: number, d: number) => boolean,
  add: (gs: number, gd: number, id: number) => void, done?: (gs: number, gd: number) => boolean): void {
  const pair = (s: Bunch, d: Bunch, src: Party, dst: Party) => {
    if (!include(s.group, d.group) || done?.(s.group, d.group)) return;
    const id = fc.conntable.intern(fc.conns(src, dst));
    if (id !== NONE) add(s.group, d.group, id);
  };
  for (const bunches of sides.values()) {
    for (const a of bunches) {
      for (const b of bunches) if (a !== b) pair(a, b, a.party, b.party);
      if (a.other) { pair(a, a, a.party, a.other); pair(a, a, a.other, a.party); }
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
      const b = bunchOf(bunches, kind);
      if (!b) bunches.push({ kind, group: g, cls: c, party: p });
      else if (b.other === undefined && p.endpoint !== b.party.endpoint) b.other = p;
    }
  }
  return { sides, acting };
}

/**
 * A node's bunch of this kind, if any. (Not a closure in nodeSides' loop: a closure over
 * the loop body's variables gives every pass of it, one per party, a context object.)
 */
function bunchOf(bunches: readonly Bunch[], kind: number): Bunch | undefined {
  for (let b = 0; b < bunches.length; b++) if (bunches[b].kind === kind) return bunches[b];
  return undefined;
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

/** Parties of one group and class acting as one node: their kind and one of them (`other`: another endpoint of them, the first met). */
interface Bunch { kind: number; group: number; cls: number; party: Party; other?: Party }
