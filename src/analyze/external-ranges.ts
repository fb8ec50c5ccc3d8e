// External address ranges as `list` prints them. The policies' CIDRs cut the address space into
// atoms (np-guard's cutting); here adjacent atoms that no workload treats differently are merged,
// separately for each side (as sources, how the workloads' ingress treats them; as destinations, how
// their egress does), and a merged range that is exactly a junction Network is named after it.

import { formatRange, mergeRanges, type AddressRange } from "../model/ip.js";
import type { Inventory } from "../model/inventory.js";
import type { Network } from "../model/endpoint.js";
import type { ConnSet } from "../model/ports.js";
import type { ConnEntry, ListPeer } from "./connlist.js";

/** The label Clusters' own Networks carry (sources/common.ts): they are not named in lists. */
const CLUSTER_NETWORK_LABEL = "junction.dev/cluster";

/**
 * Rewrites the entries so that external peers are the merged ranges: `atoms` are the external peers
 * the entries were computed on, in address order. Entries that become equal are kept once. Also
 * returns the merged peers of each side (every range, also those with no connection).
 */
export function mergeExternalPeers(inv: Inventory, atoms: readonly ListPeer[], entries: readonly ConnEntry[]): { entries: ConnEntry[]; sources: ListPeer[]; destinations: ListPeer[] } {
  const asSource = mergeSide(inv, atoms, entries, "src");
  const asDestination = mergeSide(inv, atoms, entries, "dst");
  return { entries: rewrite(entries, asSource, asDestination), sources: [...new Set(asSource.values())], destinations: [...new Set(asDestination.values())] };
}

function rewrite(entries: readonly ConnEntry[], asSource: Map<ListPeer, ListPeer>, asDestination: Map<ListPeer, ListPeer>): ConnEntry[] {
  const out: ConnEntry[] = [];
  // Entries are distinct pairs; only those with a merged side can meet another (a merged peer is one
  // object for its whole run, and no other peer has its id).
  const seen = new Map<ListPeer, Set<ListPeer>>();
  for (const e of entries) {
    const src = asSource.get(e.src) ?? e.src, dst = asDestination.get(e.dst) ?? e.dst;
    if (src === e.src && dst === e.dst) { out.push(e); continue; }
    let dsts = seen.get(src);
    if (!dsts) seen.set(src, dsts = new Set());
    if (dsts.has(dst)) continue;
    dsts.add(dst);
    out.push({ src, dst, conns: e.conns });
  }
  return out;
}

/** For one side, each atom's merged peer. */
function mergeSide(inv: Inventory, atoms: readonly ListPeer[], entries: readonly ConnEntry[], side: "src" | "dst"): Map<ListPeer, ListPeer> {
  const keys = treatment(entries, side);
  const merged = mergeRuns(inv, atoms, (i, j) => (keys.get(atoms[i]) ?? "") === (keys.get(atoms[j]) ?? ""));
  return new Map(atoms.map((a, i) => [a, merged[i]]));
}

/**
 * Each atom's merged peer (by index in `atoms`): runs of adjacent atoms that `same` says are
 * treated alike (by index) are one peer.
 */
export function mergeRuns(inv: Inventory, atoms: readonly ListPeer[], same: (i: number, j: number) => boolean): ListPeer[] {
  const out = new Array<ListPeer>(atoms.length);
  let start = 0;
  const flush = (end: number) => { if (end > start) { const merged = mergedPeer(inv, atoms.slice(start, end)); out.fill(merged, start, end); } start = end; };
  for (let i = 1; i < atoms.length; i++) if (!(adjacent(atoms[i - 1].range!, atoms[i].range!) && same(i - 1, i))) flush(i);
  flush(atoms.length);
  return out;
}

/** Per atom on this side: the workloads on the other side and their connections, as one string. */
function treatment(entries: readonly ConnEntry[], side: "src" | "dst"): Map<ListPeer, string> {
  const parts = new Map<ListPeer, number[]>();
  // Peer ids and connection sets numbered (equal text, equal number): an atom's treatment is its sorted numbers.
  const peerNo = numbering<ListPeer>((p) => p.id), connNo = numbering<ConnSet>((c) => `${c.TCP.join(";")}|${c.UDP.join(";")}|${c.SCTP.join(";")}`);
  for (const e of entries) {
    const atom = side === "src" ? e.src : e.dst, other = side === "src" ? e.dst : e.src;
    if (atom.kind !== "external") continue;
    let list = parts.get(atom);
    if (!list) { list = []; parts.set(atom, list); }
    list.push(peerNo(other), connNo(e.conns));
  }
  return new Map([...parts].map(([atom, list]) => [atom, pairsKey(list)]));
}

/** Numbers objects by a text (objects with equal texts get the same number). */
function numbering<T extends object>(text: (x: T) => string): (x: T) => number {
  const byObject = new Map<T, number>(), byText = new Map<string, number>();
  return (x) => {
    let n = byObject.get(x);
    if (n === undefined) {
      const t = text(x);
      n = byText.get(t);
      if (n === undefined) byText.set(t, n = byText.size);
      byObject.set(x, n);
    }
    return n;
  };
}

/** The (peer, conns) number pairs of a flat list, as one canonical string. */
function pairsKey(flat: readonly number[]): string {
  const keys: string[] = [];
  for (let i = 0; i < flat.length; i += 2) keys.push(`${flat[i]}=${flat[i + 1]}`);
  return keys.sort().join(",");
}

function adjacent(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.last + 1n === b.first;
}

/** One peer for a run of adjacent atoms: its range, its parties, and a Network's name when it is exactly one. */
function mergedPeer(inv: Inventory, run: readonly ListPeer[]): ListPeer {
  if (run.length === 1 && !inv.networks.length) return run[0];
  const range: AddressRange = { family: run[0].range!.family, first: run[0].range!.first, last: run[run.length - 1].range!.last };
  const network = networkOf(inv, range);
  const parties = run.flatMap((a) => a.parties), partRanges = run.flatMap((a) => a.partRanges ?? []);
  if (network) return { id: networkId(network), kind: "external", namespace: network.namespace, name: network.name, type: "Network", parties, range, partRanges };
  return { id: `${formatRange(range)}[External]`, kind: "external", name: formatRange(range), type: "External", parties, range, partRanges };
}

/** The junction Network whose addresses are exactly this range, if any. */
export function networkOf(inv: Inventory, range: AddressRange): Network | undefined {
  return inv.networks.find((n) => n.labels[CLUSTER_NETWORK_LABEL] === undefined && sameAddresses(n, range));
}

function sameAddresses(n: Network, range: AddressRange): boolean {
  const merged = mergeRanges(n.cidrs);
  return merged.length === 1 && merged[0].family === range.family && merged[0].first === range.first && merged[0].last === range.last;
}

/** How `list` names a Network: NAME[Network] (NAMESPACE/NAME[Network] for a namespaced one). */
export function networkId(n: Network): string {
  return `${n.namespace === undefined ? "" : `${n.namespace}/`}${n.name}[Network]`;
}
