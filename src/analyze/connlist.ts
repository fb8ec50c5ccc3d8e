// "Who may reach whom": connectivity aggregated per workload (pods grouped under their
// controller), with external address ranges as peers. The convention is np-guard's connlist.

import { addressKey, type AddressKey, formatRange, partitionSpace, type AddressRange, type Family } from "../model/ip.js";
import type { Inventory } from "../model/inventory.js";
import { groupOwner, type GroupBy } from "../model/owners.js";
import { mentionedRanges } from "../model/ranges.js";
import type { ConnSet } from "../model/ports.js";
import type { Party } from "../engine/match.js";
import type { Connectivity } from "../engine/pairwise.js";
import type { Endpoint } from "../model/endpoint.js";
import { attachable, NetworkMap, POD_NETWORK } from "../model/networks.js";
import { mergeExternalPeers, mergeRuns } from "./external-ranges.js";
import { applyFocus, hasFocus, NO_FOCUS, type Focus } from "./focus.js";
import { FastConnectivity } from "../engine/fast/connectivity.js";
import { groupPairIds } from "../engine/fast/pairs.js";

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

/** Workloads: pods grouped under their workload (see model/owners.ts); Workloads (VMs) as themselves. */
export function workloadPeers(inv: Inventory, groupBy: GroupBy = "workload"): ListPeer[] {
  const groups = new Map<string, ListPeer>();
  // The same group by (namespace, type, name), found without making the id of each endpoint.
  const known = new Map<string | undefined, Map<string, Map<string, ListPeer>>>();
  const ownerOf = groupOwner(inv, groupBy);
  for (const e of inv.endpoints) {
    if (e.kind !== "pod" && e.kind !== "workload") continue;
    const owner = e.kind === "pod" ? ownerOf(e) : undefined;
    const type = e.kind === "workload" ? "Workload" : owner?.kind ?? "Pod";
    const name = owner ? owner.name : e.name;
    let byType = known.get(e.namespace);
    if (!byType) known.set(e.namespace, byType = new Map());
    let byName = byType.get(type);
    if (!byName) byType.set(type, byName = new Map());
    let g = byName.get(name);
    if (!g) {
      const id = `${e.namespace === undefined ? "" : `${e.namespace}/`}${name}[${type}]`;
      g = groups.get(id);
      if (!g) { g = { id, kind: "workload", namespace: e.namespace, name, type, parties: [] }; groups.set(id, g); }
      byName.set(name, g);
    }
    g.parties.push({ endpoint: e });
  }
  return [...groups.values()];
}

/** Address families to list external ranges for: IPv4 always, IPv6 when some endpoint has an IPv6 address. */
function families(inv: Inventory): Family[] {
  return inv.endpoints.some((e) => e.addresses.some((a) => a.family === 6)) ? [4, 6] : [4];
}

/** The atoms of the partition of the address space by every CIDR (and except) the policies mention. */
export function externalPeers(inv: Inventory, extraRanges: readonly AddressRange[] = []): ListPeer[] {
  const ranges = [...mentionedRanges(inv), ...extraRanges];
  // A Workload's (VM's) addresses are listed under its name, not as external ranges.
  const owned = new Set<AddressKey>();
  for (const e of inv.endpoints) {
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

/** The connection list with the peers of each side: the workloads and the external ranges as merged for sources and for destinations. */
export function connectionListWithPeers(inv: Inventory, connectivity: Connectivity, groupBy: GroupBy = "workload", focus: Focus = NO_FOCUS, atomsOnly?: { extraRanges: readonly AddressRange[] }): { entries: ConnEntry[]; workloads: ListPeer[]; sources: ListPeer[]; destinations: ListPeer[] } {
  const workloads = workloadPeers(inv, groupBy);
  const atoms = externalPeers(inv, atomsOnly?.extraRanges);
  if (!atomsOnly && !hasFocus(focus) && connectivity instanceof FastConnectivity) {
    const list = fastList(inv, connectivity, workloads, atoms);
    return { entries: list.entries, workloads, sources: [...workloads, ...list.sources], destinations: [...workloads, ...list.destinations] };
  }
  const peers = [...workloads, ...atoms];
  const n = workloads.length;
  // Two external ranges are never a pair: with thousands of ranges, their pairs are not even visited.
  const pairs = connectivity.groupConns(peers.map((p) => p.parties), (i, j) => i !== j && (i < n || j < n), (g) => g < n);
  // Focused first, so that ranges the focused answer does not tell apart are merged.
  const focused = applyFocus(focus, pairs.map((g) => ({ src: peers[g.src], dst: peers[g.dst], conns: g.conns })));
  // atomsOnly: the atoms of the partition with extra cuts, unmerged (diff compares two inputs atom by atom).
  if (atomsOnly) return { entries: sortEntries(focused), workloads, sources: [...workloads, ...atoms], destinations: [...workloads, ...atoms] };
  const merged = mergeExternalPeers(inv, atoms, focused);
  return { entries: sortEntries(merged.entries), workloads, sources: [...workloads, ...merged.sources], destinations: [...workloads, ...merged.destinations] };
}

/**
 * The entries of connectionListWithPeers (no focus), sorted, read from the fast engine's table of
 * group pairs without an object per pair of a workload and an atom: the connection-set ids are
 * interned (equal sets, equal ids) and workload ids are distinct, so an atom's treatment
 * (mergeExternalPeers) is its list of (workload, id) pairs, compared as numbers.
 */
function fastList(inv: Inventory, fc: FastConnectivity, workloads: readonly ListPeer[], atoms: readonly ListPeer[]): { entries: ConnEntry[]; sources: ListPeer[]; destinations: ListPeer[] } {
  const n = workloads.length, table = fc.conntable;
  const groups = [...workloads, ...atoms].map((p) => p.parties);
  // Two external ranges are never a pair: with thousands of ranges, their pairs are not even visited.
  const pairs = groupPairIds(fc, groups, (i, j) => i !== j && (i < n || j < n), (g) => g < n);
  // The entries by peer number (workloads first, then the merged ranges) and connection-set id.
  const peers = [...workloads];
  const src = new Uint32Array(pairs.count), dst = new Uint32Array(pairs.count), conn = new Int32Array(pairs.count);
  let m = 0;
  const push = (s: number, d: number, id: number) => { src[m] = s; dst[m] = d; conn[m++] = id; };
  const asSrc = atoms.map(() => new AtomPairs()), asDst = atoms.map(() => new AtomPairs());
  for (let k = 0; k < pairs.count; k++) {
    const gs = pairs.srcAt(k), gd = pairs.dstAt(k), id = pairs.connAt(k);
    if (gs >= n) asSrc[gs - n].add(gd, id);
    else if (gd >= n) asDst[gd - n].add(gs, id);
    else push(gs, gd, id);
  }
  const side = (lists: AtomPairs[], isSrc: boolean) => {
    for (const l of lists) l.sort();
    const merged = mergeRuns(inv, atoms, (i, j) => lists[i].equals(lists[j]));
    // A run's atoms have the same pairs: its first atom's are the merged peer's.
    for (let i = 0; i < atoms.length; i++) {
      if (i > 0 && merged[i] === merged[i - 1]) continue;
      const p = peers.push(merged[i]) - 1;
      lists[i].forEach((w, id) => (isSrc ? push(p, w, id) : push(w, p, id)));
    }
    return [...new Set(merged)];
  };
  const sources = side(asSrc, true), destinations = side(asDst, false);
  const order = pairOrder(peers, src, dst, m);
  const entries = new Array<ConnEntry>(m);
  for (let i = 0; i < m; i++) { const k = order[i]; entries[i] = { src: peers[src[k]], dst: peers[dst[k]], conns: table.get(conn[k]) }; }
  return { entries, sources, destinations };
}

/** An atom's pairs with workloads: (workload index, connection-set id), sorted by workload to compare. */
class AtomPairs {
  private items: number[] = [];
  private sorted?: Float64Array;

  add(w: number, id: number): void { this.items.push(w, id); }

  sort(): void {
    // One number per pair (workload, then id: ids are below 2^26, see ConnTable), sorted as numbers.
    const keys = new Float64Array(this.items.length / 2);
    for (let i = 0; i < keys.length; i++) keys[i] = this.items[2 * i] * 0x4000000 + this.items[2 * i + 1];
    this.sorted = keys.sort();
  }

  equals(o: AtomPairs): boolean {
    const a = this.sorted!, b = o.sorted!;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  forEach(fn: (w: number, id: number) => void): void {
    for (let i = 0; i < this.items.length; i += 2) fn(this.items[i], this.items[i + 1]);
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
  const sections = primaries.map((network) => {
    const workloads = restrict(all, (e) => !attachable(e) ? network === POD_NETWORK : map.primaryOf(e) === network);
    return { network, workloads, externals, entries: listPairs(workloads, externals, connectivityFor(undefined)) };
  });
  for (const n of inv.podNetworks.filter((x) => x.role === "secondary")) {
    const workloads = restrict(all, (e) => map.on(e, n.id));
    sections.push({ network: n.id, workloads, externals: [], entries: listPairs(workloads, [], connectivityFor(n.id)) });
  }
  for (const s of sections) for (const e of s.entries) e.network = s.network;
  return sections;
}

/** The groups with only their endpoints that `keep` accepts (groups left empty are dropped). */
function restrict(peers: readonly ListPeer[], keep: (e: Endpoint) => boolean): ListPeer[] {
  return peers.map((p) => ({ ...p, parties: p.parties.filter((q) => q.endpoint !== undefined && keep(q.endpoint)) })).filter((p) => p.parties.length > 0);
}

function listPairs(workloads: readonly ListPeer[], externals: readonly ListPeer[], connectivity: Connectivity): ConnEntry[] {
  const peers = [...workloads, ...externals];
  const n = workloads.length;
  // Two external ranges are never a pair: with thousands of ranges, their pairs are not even visited.
  const pairs = connectivity.groupConns(peers.map((p) => p.parties), (i, j) => i !== j && (i < n || j < n), (g) => g < n);
  // Sorted by source then destination id: ranks compare faster than the strings.
  const rank = new Array<number>(peers.length);
  peers.map((p, i) => [p.id, i] as const).sort((a, b) => cmp(a[0], b[0])).forEach(([, i], r) => { rank[i] = r; });
  return pairs.sort((a, b) => rank[a.src] - rank[b.src] || rank[a.dst] - rank[b.dst])
    .map((g) => ({ src: peers[g.src], dst: peers[g.dst], conns: g.conns }));
}

/** Sorted by source then destination id (byte order, as np-guard sorts): ranks compare faster than the strings. */
export function sortEntries(entries: ConnEntry[]): ConnEntry[] {
  const n = entries.length;
  // Each peer object numbered (two per entry).
  const numbers = new Map<ListPeer, number>(), peers: ListPeer[] = [];
  const number = (p: ListPeer) => { let k = numbers.get(p); if (k === undefined) { numbers.set(p, k = peers.length); peers.push(p); } return k; };
  const src = new Uint32Array(n), dst = new Uint32Array(n);
  for (let i = 0; i < n; i++) { src[i] = number(entries[i].src); dst[i] = number(entries[i].dst); }
  const order = pairOrder(peers, src, dst, n), sorted = entries.slice();
  for (let i = 0; i < n; i++) entries[i] = sorted[order[i]];
  return entries;
}

/**
 * The order of the first n pairs (peers[src[i]], peers[dst[i]]) by source then destination id
 * (byte order), stable: peers are ranked by id (equal ids rank equal), then sorted as numbers.
 */
function pairOrder(peers: readonly ListPeer[], src: Uint32Array, dst: Uint32Array, n: number): ArrayLike<number> {
  const byId = peers.map((_, k) => k).sort((a, b) => cmp(peers[a].id, peers[b].id));
  const rank = new Uint32Array(peers.length);
  let ids = 0;
  byId.forEach((k, i) => { if (i > 0 && peers[byId[i - 1]].id !== peers[k].id) ids++; rank[k] = ids; });
  if (peers.length) ids++;
  if (ids * ids * n >= Number.MAX_SAFE_INTEGER) {
    const order = Array.from({ length: n }, (_, i) => i);
    return order.sort((a, b) => rank[src[a]] - rank[src[b]] || rank[dst[a]] - rank[dst[b]] || a - b);
  }
  // One number per pair (source rank, destination rank, then its place: the sort stays stable).
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (rank[src[i]] * ids + rank[dst[i]]) * n + i;
  keys.sort();
  for (let i = 0; i < n; i++) keys[i] %= n;
  return keys;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
