// "Who may reach whom": connectivity aggregated per workload (pods grouped under their
// controller), with external address ranges as peers. The convention is np-guard's connlist.

import { addressKey, type AddressKey, formatRange, partitionSpace, type AddressRange, type Family } from "../model/ip.js";
import type { Inventory } from "../model/inventory.js";
import { groupOwner, type GroupBy } from "../model/owners.js";
import { mentionedRanges } from "../model/ranges.js";
import { isEmptyConns, NO_CONNS, type ConnSet } from "../model/ports.js";
import { preDnatGroups } from "../engine/calico-prednat.js";
import type { Party } from "../engine/match.js";
import type { Connectivity } from "../engine/pairwise.js";
import type { Endpoint } from "../model/endpoint.js";
import { attachable, NetworkMap, POD_NETWORK } from "../model/networks.js";
import { mergeRuns } from "./external-ranges.js";
import { focusConns, focusIncludes, hasFocus, NO_FOCUS, type Focus } from "./focus.js";
import { FastConnectivity } from "../engine/fast/connectivity.js";
import { groupPairLog, PairLog } from "../engine/fast/pairs.js";
import { ConnTable, NONE } from "../engine/fast/conntable.js";

export interface ListPeer {
  /** np-guard's name: "ns/name[Kind]", "first-last[External]" or "{ingress-controller}". */
  id: string;
  kind: "workload" | "external" | "ingress-controller";
  namespace?: string;
  name: string;
  /** Deployment, StatefulSet, Pod, Workload, ... or External. */
  type: string;
  parties: Party[];
  range?: AddressRange;
  /** External peers: the range each party stands for (parties[i] is the first address of partRanges[i]). */
  partRanges?: AddressRange[];
}

export interface ConnEntry {
  src: ListPeer;
  dst: ListPeer;
  conns: ConnSet;
  /** The network the connections are on (model/networks.ts id), in a per-network list. */
  network?: string;
}

/** One network's part of the list: its workloads and their connections on it. */
export interface NetworkSection {
  network: string;
  entries: ConnEntry[];
  /** Workloads on the network. */
  workloads: ListPeer[];
  /** The external address ranges (primary networks; external addresses are not on secondary networks). */
  externals: ListPeer[];
}

/**
 * Workloads: pods grouped under their workload (see model/owners.ts); Workloads (VMs) as themselves.
 * Each group's parties are a list made at its length, filled in a second pass over the endpoints:
 * lists grown by push from empty kept room for 17 parties (a workload of 100k pods has about 4.5) and
 * lived through the collections of the list, copied twice each (22k groups at 100k pods).
 */
export function workloadPeers(inv: Inventory, groupBy: GroupBy = "workload"): ListPeer[] {
  // Group numbers by id, and by (namespace, type, name) without making the id of each endpoint.
  const numbers = new Map<string, number>();
  const known = new Map<string | undefined, Map<string, Map<string, number>>>();
  const ownerOf = groupOwner(inv, groupBy);
  // Passes over every endpoint (100k at 100k pods) run once, mostly before the optimising compiler
  // has the function: indexed loops, not for-of (an iterator step per endpoint, interpreted).
  const endpoints = inv.endpoints;
  // Per endpoint its group's number (-1: none); per group its fields and its size.
  const groupOf = new Int32Array(endpoints.length).fill(-1);
  const ids: string[] = [], namespaces: (string | undefined)[] = [], names: string[] = [], types: string[] = [];
  let sizes = new Int32Array(64);
  // A workload's pods come in a row: the group of the endpoint before, when its group is the same, is not looked up.
  let last = -1, lastType: string | undefined, lastName: string | undefined;
  for (let i = 0; i < endpoints.length; i++) {
    const e = endpoints[i];
    if (e.kind !== "pod" && e.kind !== "workload") continue;
    const owner = e.kind === "pod" ? ownerOf(e) : undefined;
    const type = e.kind === "workload" ? "Workload" : owner?.kind ?? "Pod";
    const name = owner ? owner.name : e.name;
    let g: number | undefined;
    if (last >= 0 && name === lastName && type === lastType && e.namespace === namespaces[last]) g = last;
    else {
      let byType = known.get(e.namespace);
      if (!byType) known.set(e.namespace, byType = new Map());
      let byName = byType.get(type);
      if (!byName) byType.set(type, byName = new Map());
      g = byName.get(name);
      if (g === undefined) {
        // Joined: one flat string per group (a template keeps its partial strings with it).
        const id = e.namespace === undefined ? [name, "[", type, "]"].join("") : [e.namespace, "/", name, "[", type, "]"].join("");
        g = numbers.get(id);
        if (g === undefined) {
          g = ids.length;
          numbers.set(id, g);
          ids.push(id); namespaces.push(e.namespace); names.push(name); types.push(type);
          if (g === sizes.length) { const grown = new Int32Array(2 * g); grown.set(sizes); sizes = grown; }
        }
        byName.set(name, g);
      }
      last = g; lastType = type; lastName = name;
    }
    groupOf[i] = g;
    sizes[g]++;
  }
  const parties = ids.map((_, g) => new Array<Party>(sizes[g]));
  const filled = new Int32Array(ids.length);
  for (let i = 0; i < endpoints.length; i++) {
    const g = groupOf[i];
    if (g >= 0) parties[g][filled[g]++] = { endpoint: endpoints[i] };
  }
  return ids.map((id, g) => ({ id, kind: "workload", namespace: namespaces[g], name: names[g], type: types[g], parties: parties[g] }));
}

/** Address families to list external ranges for: IPv4 always, IPv6 when some endpoint has an IPv6 address. */
function families(inv: Inventory): Family[] {
  const endpoints = inv.endpoints;
  for (let i = 0; i < endpoints.length; i++) {
    const addrs = endpoints[i].addresses;
    for (let j = 0; j < addrs.length; j++) if (addrs[j].family === 6) return [4, 6];
  }
  return [4];
}

/** The atoms of the partition of the address space by every CIDR (and except) the policies mention. */
export function externalPeers(inv: Inventory, extraRanges: readonly AddressRange[] = []): ListPeer[] {
  const ranges = [...mentionedRanges(inv), ...extraRanges];
  // A Workload's (VM's) addresses are listed under its name, not as external ranges.
  const owned = new Set<AddressKey>();
  const endpoints = inv.endpoints;
  for (let i = 0; i < endpoints.length; i++) {
    const e = endpoints[i];
    if (e.kind !== "workload") continue;
    for (const a of e.addresses) { ranges.push({ family: a.family, first: a.value, last: a.value }); owned.add(addressKey(a)); }
  }
  const atoms = families(inv).flatMap((f) => partitionSpace(f, ranges))
    .filter((r) => !(r.first === r.last && owned.has(addressKey({ family: r.family, value: r.first }))));
  return atoms.map((range) => {
    const id = `${formatRange(range)}[External]`;
    return { id, kind: "external", name: formatRange(range), type: "External", parties: [{ address: { family: range.family, value: range.first } }], range, partRanges: [range] };
  });
}

/** Every ordered pair with some allowed connection (workload ↔ workload, workload ↔ external). */
export function connectionList(inv: Inventory, connectivity: Connectivity, groupBy: GroupBy = "workload", focus: Focus = NO_FOCUS): ConnEntry[] {
  return connectionListWithPeers(inv, connectivity, groupBy, focus).entries;
}

/**
 * The connection list with the peers of each side: the workloads and the external ranges as merged
 * for sources and for destinations. atomsOnly: the atoms of the partition with extra cuts, unmerged
 * (diff compares two inputs atom by atom). `rows` is the list itself; `entries`, an object per row,
 * is made when first asked (the writers read the rows).
 */
export function connectionListWithPeers(inv: Inventory, connectivity: Connectivity, groupBy: GroupBy = "workload", focus: Focus = NO_FOCUS, atomsOnly?: { extraRanges: readonly AddressRange[] }): { rows: ConnRows; entries: ConnEntry[]; workloads: ListPeer[]; sources: ListPeer[]; destinations: ListPeer[] } {
  const workloads = workloadPeers(inv, groupBy);
  const atoms = externalPeers(inv, atomsOnly?.extraRanges);
  const list = pairList(inv, connectivity, workloads, atoms, focus, !atomsOnly);
  let entries: ConnEntry[] | undefined;
  return { rows: list.rows, get entries() { return (entries ??= list.rows.entries()); }, workloads, sources: [...workloads, ...list.sources], destinations: [...workloads, ...list.destinations] };
}

/**
 * The connection list as rows over numbered peers, sorted by source then destination id, one row per
 * pair: row k is peers[src[k]] → peers[dst[k]] with the connection set `table.get(conn[k])`. No
 * object per row (hundreds of thousands at 100k pods) until `entries` is asked.
 */
export class ConnRows {
  constructor(readonly peers: readonly ListPeer[], readonly src: Uint32Array, readonly dst: Uint32Array, readonly conn: Int32Array, readonly table: ConnTable) {}

  get count(): number { return this.src.length; }

  /** An entry per row. */
  entries(): ConnEntry[] {
    const out = new Array<ConnEntry>(this.count);
    for (let k = 0; k < out.length; k++) out[k] = { src: this.peers[this.src[k]], dst: this.peers[this.dst[k]], conns: this.table.get(this.conn[k]) };
    return out;
  }
}

/**
 * The one way the list is built (every engine, focus or not, merged ranges or atoms, per network):
 * the pairs of groups (workloads, then the atoms) as connection-set ids (interned: equal sets, equal
 * ids), focused, the atoms merged per side (np-guard merges adjacent ranges that no workload treats
 * differently), sorted by source then destination id. No object per pair until the entries: workload
 * ids are distinct, so an atom's treatment is its list of (workload, id) pairs, compared as numbers.
 * A pair found more than once gets the join of its ids (repeats sort next to each other).
 */
function pairList(inv: Inventory, connectivity: Connectivity, workloads: readonly ListPeer[], atoms: readonly ListPeer[], focus: Focus, merge: boolean): { rows: ConnRows; sources: readonly ListPeer[]; destinations: readonly ListPeer[] } {
  const n = workloads.length;
  const peers = [...workloads, ...atoms];
  // Two external ranges are never a pair: with thousands of ranges, their pairs are not even visited.
  const { pairs, table } = pairIds(connectivity, peers.map((p) => p.parties), (i, j) => i !== j && (i < n || j < n), (g) => g < n);
  // Focused first, so that ranges the focused answer does not tell apart are merged.
  const conn = hasFocus(focus) ? focusedIds(focus, pairs, peers, table) : (k: number) => pairs.connAt(k);
  const src = new Uint32Array(pairs.count), dst = new Uint32Array(pairs.count), ids = new Int32Array(pairs.count);
  let m = 0;
  const push = (s: number, d: number, id: number) => { src[m] = s; dst[m] = d; ids[m++] = id; };
  const asSrc = new AtomPairs(), asDst = new AtomPairs();
  for (let k = 0; k < pairs.count; k++) {
    const gs = pairs.srcAt(k), gd = pairs.dstAt(k), id = conn(k);
    if (id === NONE) continue;
    if (merge && gs >= n) asSrc.add(gs - n, gd, id);
    else if (merge && gd >= n) asDst.add(gd - n, gs, id);
    else push(gs, gd, id);
  }
  // The entries by peer number (workloads first, then the atoms or the merged ranges) and connection-set id.
  const numbered = merge ? peers.slice(0, n) : peers;
  const side = (lists: AtomPairs, isSrc: boolean) => {
    if (!merge) return atoms;
    lists.sort(atoms.length, n, table);
    const merged = mergeRuns(inv, atoms, (i, j) => lists.equals(i, j));
    // A run's atoms have the same pairs: its first atom's are the merged peer's.
    for (let i = 0; i < atoms.length; i++) {
      if (i > 0 && merged[i] === merged[i - 1]) continue;
      const p = numbered.push(merged[i]) - 1;
      for (let k = lists.start(i), end = lists.start(i + 1); k < end; k++) {
        if (isSrc) push(p, lists.workloadAt(k), lists.idAt(k)); else push(lists.workloadAt(k), p, lists.idAt(k));
      }
    }
    return [...new Set(merged)];
  };
  const sources = side(asSrc, true), destinations = side(asDst, false);
  return { rows: sortedRows(numbered, src, dst, ids, m, table), sources, destinations };
}

/** The pairs of groups as connection-set ids: the fast engine's own (a pair may repeat), or another engine's interned in a table of their own. */
function pairIds(connectivity: Connectivity, groups: readonly (readonly Party[])[], include: (src: number, dst: number) => boolean, involved: (g: number) => boolean): { pairs: PairLog; table: ConnTable } {
  if (connectivity instanceof FastConnectivity) {
    const pairs = groupPairLog(connectivity, groups, include, involved), table = connectivity.conntable;
    return { pairs: connectivity.inventory.calicoPreDnat && connectivity.network === undefined ? lessPreDnatLog(connectivity, groups, pairs) : pairs, table };
  }
  const pairs = new PairLog(), table = new ConnTable();
  for (const g of connectivity.groupConns(groups, include, involved)) pairs.add(g.src, g.dst, table.intern(g.conns));
  return { pairs, table };
}

/**
 * The logged pairs with a pod behind a Calico host endpoint with preDNAT policies on the destination
 * side made exact (engine/calico-prednat.ts preDnatGroups: the connections again, pair of parties by
 * pair, less what those policies drop), once each; the others as they were.
 */
function lessPreDnatLog(fc: FastConnectivity, groups: readonly (readonly Party[])[], pairs: PairLog): PairLog {
  const list = Array.from({ length: pairs.count }, (_, k) => ({ src: pairs.srcAt(k), dst: pairs.dstAt(k) }));
  const exact = preDnatGroups(fc.engine, groups, list, (s, d) => fc.conns(s, d));
  if (!exact) return pairs;
  const out = new PairLog(), done = new Set<string>();
  for (let k = 0; k < pairs.count; k++) {
    const s = pairs.srcAt(k), d = pairs.dstAt(k), key = `${s}|${d}`, c = exact.get(key);
    if (c === undefined) { out.add(s, d, pairs.connAt(k)); continue; }
    if (done.has(key)) continue;
    done.add(key);
    if (!isEmptyConns(c)) out.add(s, d, fc.conntable.intern(c));
  }
  return out;
}

/** Each logged pair's connection-set id as the focus shows it (NONE: dropped); a pair's repeats are focused alike, so joining them after is exact. */
function focusedIds(focus: Focus, pairs: PairLog, peers: readonly ListPeer[], table: ConnTable): (k: number) => number {
  return (k) => {
    if (!focusIncludes(focus, peers[pairs.srcAt(k)], peers[pairs.dstAt(k)])) return NONE;
    const id = pairs.connAt(k), all = table.get(id), shown = focusConns(focus, all);
    return shown === all ? id : shown === NO_CONNS ? NONE : table.intern(shown);
  };
}

/** The first m pairs (peers[src], peers[dst], ids) as rows sorted by source then destination id, repeats of a pair joined. */
function sortedRows(peers: readonly ListPeer[], src: Uint32Array, dst: Uint32Array, ids: Int32Array, m: number, table: ConnTable): ConnRows {
  const order = pairOrder(peers, src, dst, m);
  const s = new Uint32Array(m), d = new Uint32Array(m), c = new Int32Array(m);
  let n = 0;
  for (let i = 0; i < m; i++) {
    const k = order[i];
    let id = ids[k];
    // Repeats: peers of one side have distinct ids, so a pair's repeats are next to each other.
    while (i + 1 < m && src[order[i + 1]] === src[k] && dst[order[i + 1]] === dst[k]) id = table.join(id, ids[order[++i]]);
    s[n] = src[k]; d[n] = dst[k]; c[n++] = id;
  }
  return new ConnRows(peers, s.subarray(0, n), d.subarray(0, n), c.subarray(0, n), table);
}

/**
 * The atoms' pairs with workloads on one side: (atom, workload index, connection-set id) as they are
 * found, in typed arrays (no list per atom: at 100k pods 220k pairs of 14 atoms). sort() puts each
 * atom's pairs in order of workload, a workload's repeats (parties in several classes) joined into
 * one pair: two stable counting sorts (by workload, then by atom), linear in the pairs, whatever the
 * connection-set ids (equal sets have equal ids, so equal lists mean equal treatments).
 */
export class AtomPairs {
  private atom = new Int32Array(1024);
  private workload = new Int32Array(1024);
  private id = new Int32Array(1024);
  private size = 0;
  /** After sort: atom i's pairs are [starts[i], starts[i + 1]) of `workloads` and `ids`. */
  private starts = new Int32Array(1);
  private workloads = new Int32Array(0);
  private ids = new Int32Array(0);

  add(atom: number, w: number, id: number): void {
    if (this.size === this.atom.length) {
      const n = this.size * 2, grow = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
      this.atom = grow(this.atom); this.workload = grow(this.workload); this.id = grow(this.id);
    }
    const k = this.size++;
    this.atom[k] = atom; this.workload[k] = w; this.id[k] = id;
  }

  /** Orders the pairs of `atoms` atoms (0 ≤ atom < atoms) with `workloads` workloads (0 ≤ w < workloads). */
  sort(atoms: number, workloads: number, table: Pick<ConnTable, "join">): void {
    const m = this.size, atom = this.atom, workload = this.workload, id = this.id;
    // By workload (stable), then by atom (stable): each atom's pairs in order of workload.
    const byW = new Int32Array(m), order = new Int32Array(m);
    const count = new Int32Array(Math.max(workloads, atoms) + 1);
    for (let k = 0; k < m; k++) count[workload[k] + 1]++;
    for (let w = 0; w < workloads; w++) count[w + 1] += count[w];
    for (let k = 0; k < m; k++) byW[count[workload[k]]++] = k;
    count.fill(0);
    for (let k = 0; k < m; k++) count[atom[k] + 1]++;
    for (let a = 0; a < atoms; a++) count[a + 1] += count[a];
    for (let j = 0; j < m; j++) { const k = byW[j]; order[count[atom[k]]++] = k; }
    // Repeats of (atom, workload) are next to each other: joined.
    const starts = new Int32Array(atoms + 1), ws = new Int32Array(m), ids = new Int32Array(m);
    let out = 0, a = 0;
    for (let j = 0; j < m; j++) {
      const k = order[j], at = atom[k], w = workload[k];
      while (a < at) starts[++a] = out;
      if (out > starts[a] && ws[out - 1] === w) ids[out - 1] = table.join(ids[out - 1], id[k]);
      else { ws[out] = w; ids[out++] = id[k]; }
    }
    while (a < atoms) starts[++a] = out;
    this.starts = starts; this.workloads = ws; this.ids = ids;
    this.atom = this.workload = this.id = new Int32Array(0);
    this.size = 0;
  }

  /** Where atom i's pairs begin (start(i + 1): where they end). */
  start(i: number): number { return this.starts[i]; }
  workloadAt(k: number): number { return this.workloads[k]; }
  idAt(k: number): number { return this.ids[k]; }

  /** Whether atoms i and j have the same pairs. */
  equals(i: number, j: number): boolean {
    const a = this.starts[i], b = this.starts[j], n = this.starts[i + 1] - a;
    if (this.starts[j + 1] - b !== n) return false;
    for (let k = 0; k < n; k++) if (this.workloads[a + k] !== this.workloads[b + k] || this.ids[a + k] !== this.ids[b + k]) return false;
    return true;
  }
}

/**
 * The list per network (clusters with user-defined or secondary networks): the default pod
 * network and each primary user-defined network with the workloads whose namespace it serves and
 * the external ranges; each secondary network with the workloads attached to it (external addresses
 * are not on secondary networks). `connectivityFor(undefined)` answers for the primary networks,
 * `connectivityFor(id)` for a secondary network.
 */
export function networkConnectionLists(inv: Inventory, connectivityFor: (secondary?: string) => Connectivity, groupBy: GroupBy = "workload"): NetworkSection[] {
  const map = new NetworkMap(inv.namespaces);
  const all = workloadPeers(inv, groupBy);
  const externals = externalPeers(inv);
  const primaries = [POD_NETWORK, ...inv.podNetworks.filter((n) => n.role === "primary").map((n) => n.id)];
  // The atoms as they are (np-guard does not merge ranges in a list per network).
  const listOf = (workloads: readonly ListPeer[], atoms: readonly ListPeer[], c: Connectivity) => pairList(inv, c, workloads, atoms, NO_FOCUS, false).rows.entries();
  const sections = primaries.map((network) => {
    const workloads = restrict(all, (e) => !attachable(e) ? network === POD_NETWORK : map.primaryOf(e) === network);
    return { network, workloads, externals, entries: listOf(workloads, externals, connectivityFor(undefined)) };
  });
  for (const n of inv.podNetworks.filter((x) => x.role === "secondary")) {
    const workloads = restrict(all, (e) => map.on(e, n.id));
    sections.push({ network: n.id, workloads, externals: [], entries: listOf(workloads, [], connectivityFor(n.id)) });
  }
  for (const s of sections) for (const e of s.entries) e.network = s.network;
  return sections;
}

/** The groups with only their endpoints that `keep` accepts (groups left empty are dropped). */
function restrict(peers: readonly ListPeer[], keep: (e: Endpoint) => boolean): ListPeer[] {
  return peers.map((p) => ({ ...p, parties: p.parties.filter((q) => q.endpoint !== undefined && keep(q.endpoint)) })).filter((p) => p.parties.length > 0);
}

/**
 * The order of the first n pairs (peers[src[i]], peers[dst[i]]) by source then destination id
 * (byte order), stable: peers are ranked by id (equal ids rank equal), then the pairs are put in
 * order by two stable counting sorts (by destination rank, then by source rank): linear in the pairs.
 */
export function pairOrder(peers: readonly ListPeer[], src: Uint32Array, dst: Uint32Array, n: number): ArrayLike<number> {
  const byId = peers.map((_, k) => k).sort((a, b) => cmp(peers[a].id, peers[b].id));
  const rank = new Uint32Array(peers.length);
  let ids = 0;
  byId.forEach((k, i) => { if (i > 0 && peers[byId[i - 1]].id !== peers[k].id) ids++; rank[k] = ids; });
  if (peers.length) ids++;
  const count = new Uint32Array(ids + 1), byDst = new Uint32Array(n), order = new Uint32Array(n);
  for (let i = 0; i < n; i++) count[rank[dst[i]] + 1]++;
  for (let r = 0; r < ids; r++) count[r + 1] += count[r];
  for (let i = 0; i < n; i++) byDst[count[rank[dst[i]]]++] = i;
  count.fill(0);
  for (let i = 0; i < n; i++) count[rank[src[i]] + 1]++;
  for (let r = 0; r < ids; r++) count[r + 1] += count[r];
  for (let j = 0; j < n; j++) { const i = byDst[j]; order[count[rank[src[i]]]++] = i; }
  return order;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
