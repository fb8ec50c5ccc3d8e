// External address ranges as `list` prints them. The policies' CIDRs cut the address space into
// atoms (np-guard's cutting); here adjacent atoms that no workload treats differently are merged,
// separately for each side (as sources, how the workloads' ingress treats them; as destinations, how
// their egress does), and a merged range that is exactly a junction Network is named after it.

import { formatRange, mergeRanges, type AddressRange } from "../model/ip.js";
import type { Inventory } from "../model/inventory.js";
import type { Network } from "../model/endpoint.js";
import type { ListPeer } from "./connlist.js";

/** The label Clusters' own Networks carry (sources/common.ts): they are not named in lists. */
const CLUSTER_NETWORK_LABEL = "junction.dev/cluster";

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
