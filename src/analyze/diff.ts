// What a change does: two inputs (base and head) analysed alike and compared, section by section.
// - connectivity: np-guard's diff (pkg/netpol/diff): pairs added, removed and changed with the old and
//   new connections, workloads added or removed; external ranges are compared on the pieces both
//   inputs' CIDRs cut (np-guard's DisjointPeerIPMap) and merged back where the change is the same;
// - routing: requests derived from every route rule of both versions, whose answer changes;
// - exposure: what became reachable from outside (addresses, Gateways, Ingresses, Routes, Services),
//   or from pods the input lacks (entire-cluster, representative peers), or stopped being.
// - l7: which requests pass between two workloads, for requests derived from every request condition
//   (Istio, Linkerd, Cilium/Calico/common-API HTTP rules) of both versions (diff-l7.ts).
// Each section is a function of the two analyses; request-level (L7) changes through Gateways are in the
// routing section's answers (the request walk), east-west ones in the l7 section.

import { formatRange, type AddressRange } from "../model/ip.js";
import type { Inventory } from "../model/inventory.js";
import { mentionedRanges } from "../model/ranges.js";
import { equalConns, isEmptyConns, subtractConns, NO_CONNS, type ConnSet } from "../model/ports.js";
import type { PolicyEngine } from "../engine/verdict.js";
import type { FastConnectivity } from "../engine/fast/connectivity.js";
import type { GatewayEngine } from "../engine/gateway/engine.js";
import type { WalkContext } from "../engine/request.js";
import { connectionListWithPeers, workloadPeers, type ConnEntry, type ListPeer } from "./connlist.js";
import { ingressControllerEntries } from "./ingresscontroller.js";
import { networkId, networkOf } from "./external-ranges.js";
import { NO_FOCUS } from "./focus.js";
import { routingDiff, type RouteDiff } from "./diff-routing.js";
import { exposureDiff, type ExposureDiff } from "./diff-exposure.js";
import { l7Diff, type L7Diff } from "./diff-l7.js";

/** One input analysed: what every section reads. */
export interface DiffSide {
  label: string;
  inventory: Inventory;
  engine: PolicyEngine;
  connectivity: FastConnectivity;
  gateways: GatewayEngine;
  /** The request walk (routing, the hop, L7 authorization) of this input. */
  walk: WalkContext;
}

export type DiffType = "changed" | "added" | "removed";
export const DIFF_TYPES: readonly DiffType[] = ["changed", "added", "removed"];

export interface ConnDiff {
  type: DiffType;
  src: ListPeer;
  dst: ListPeer;
  old: ConnSet;
  new: ConnSet;
  /** np-guard's workloads-diff-info: the pair's workloads that exist only in head (added) or only in base (removed). */
  workloads: string[];
}

export interface DiffReport {
  connectivity: ConnDiff[];
  workloads: { added: string[]; removed: string[] };
  routing: RouteDiff[];
  exposure: ExposureDiff[];
  l7: L7Diff[];
}

const workloadIds = (inv: Inventory) => new Set(workloadPeers(inv).map((w) => w.id));

export function diffInputs(base: DiffSide, head: DiffSide): DiffReport {
  const before = workloadIds(base.inventory), after = workloadIds(head.inventory);
  return {
    connectivity: connectivityDiff(base, head, before, after),
    workloads: { added: [...after].filter((w) => !before.has(w)).sort(), removed: [...before].filter((w) => !after.has(w)).sort() },
    routing: routingDiff(base, head),
    exposure: exposureDiff(base, head),
    l7: l7Diff(base, head),
  };
}

export function isEmptyDiff(r: DiffReport): boolean {
  return !r.connectivity.length && !r.workloads.added.length && !r.workloads.removed.length && !r.routing.length && !r.exposure.length && !r.l7.length;
}

/** Every address either input's policies, Networks or Workloads single out: both sides are cut at all of them. */
function sharedCuts(a: Inventory, b: Inventory): AddressRange[] {
  const vms = (inv: Inventory) => inv.endpoints.filter((e) => e.kind === "workload").flatMap((e) => e.addresses.map((x) => ({ family: x.family, first: x.value, last: x.value })));
  return [...mentionedRanges(a), ...mentionedRanges(b), ...vms(a), ...vms(b)];
}

/** What the connectivity section reads of a side. */
export type ConnectivitySide = Pick<DiffSide, "inventory" | "engine" | "connectivity">;

/** The connection list of one side on the shared atoms, with {ingress-controller}'s lines, keyed by pair. */
function sideEntries(side: ConnectivitySide, cuts: AddressRange[]): Map<string, ConnEntry> {
  const list = connectionListWithPeers(side.inventory, side.connectivity, "workload", NO_FOCUS, { extraRanges: cuts });
  const all = [...list.entries, ...ingressControllerEntries(side.inventory, side.engine, "workload").entries];
  return new Map(all.map((e) => [`${e.src.id}\u0000${e.dst.id}`, e]));
}

/** The pairs whose connections differ between two inputs (np-guard's connectivity diff). */
export function connectivityDiff(base: ConnectivitySide, head: ConnectivitySide, before = workloadIds(base.inventory), after = workloadIds(head.inventory)): ConnDiff[] {
  const cuts = sharedCuts(base.inventory, head.inventory);
  const a = sideEntries(base, cuts), b = sideEntries(head, cuts);
  const out: ConnDiff[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key), y = b.get(key);
    const old = x?.conns ?? NO_CONNS, now = y?.conns ?? NO_CONNS;
    if (x && y && equalConns(old, now)) continue;
    const type: DiffType = x && y ? "changed" : y ? "added" : "removed";
    const e = (y ?? x)!;
    const known = type === "added" ? before : after;
    const workloads = type === "changed" ? [] : [e.src, e.dst].filter((p) => p.kind === "workload" && !known.has(p.id)).map((p) => p.id);
    out.push({ type, src: e.src, dst: e.dst, old, new: now, workloads });
  }
  return sortDiff(mergeRanges(head.inventory, base.inventory, out));
}

/** Adjacent external pieces with the same change toward the same workload are one range (a Network's name when it is exactly one). */
function mergeRanges(head: Inventory, base: Inventory, diffs: ConnDiff[]): ConnDiff[] {
  const out: ConnDiff[] = [];
  const runs = new Map<string, ConnDiff[]>();
  for (const d of diffs) {
    const side = d.src.kind === "external" ? "src" : d.dst.kind === "external" ? "dst" : undefined;
    if (!side) { out.push(d); continue; }
    const other = side === "src" ? d.dst : d.src;
    const key = `${d.type}|${side}|${other.id}|${connKey(d.old)}|${connKey(d.new)}`;
    runs.set(key, [...(runs.get(key) ?? []), d]);
  }
  for (const group of runs.values()) {
    const side = group[0].src.kind === "external" ? "src" : "dst";
    const sorted = group.sort((x, y) => (x[side].range!.first < y[side].range!.first ? -1 : 1));
    let run: ConnDiff[] = [];
    const flush = () => { if (run.length) out.push(joined(head, base, run, side)); run = []; };
    for (const d of sorted) {
      const last = run[run.length - 1]?.[side].range;
      if (last && !(last.family === d[side].range!.family && last.last + 1n === d[side].range!.first)) flush();
      run.push(d);
    }
    flush();
  }
  return out;
}

function joined(head: Inventory, base: Inventory, run: ConnDiff[], side: "src" | "dst"): ConnDiff {
  if (run.length === 1 && !networkOf(head, run[0][side].range!) && !networkOf(base, run[0][side].range!)) return run[0];
  const first = run[0][side].range!, range = { family: first.family, first: first.first, last: run[run.length - 1][side].range!.last };
  const network = networkOf(head, range) ?? networkOf(base, range);
  const name = formatRange(range);
  const peer: ListPeer = {
    id: network ? networkId(network) : `${name}[External]`, kind: "external", name: network?.name ?? name, type: network ? "Network" : "External",
    parties: run.flatMap((d) => d[side].parties), range,
  };
  return { ...run[0], [side]: peer };
}

function connKey(c: ConnSet): string {
  return `${c.TCP.join(";")}|${c.UDP.join(";")}|${c.SCTP.join(";")}`;
}

/** np-guard's order: changed, added, removed; by source then destination; {ingress-controller} lines last. */
function sortDiff(diffs: ConnDiff[]): ConnDiff[] {
  const rank = (d: ConnDiff) => (d.src.kind === "ingress-controller" ? 3 : 0) + DIFF_TYPES.indexOf(d.type);
  const byType = new Map<number, ConnDiff[]>();
  for (const d of diffs) byType.set(rank(d), [...(byType.get(rank(d)) ?? []), d]);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...byType.keys()].sort((a, b) => a - b).flatMap((k) => byType.get(k)!.sort((x, y) => cmp(x.src.id, y.src.id) || cmp(x.dst.id, y.dst.id)));
}

/** Connections in `now` that `old` lacked. */
export function widened(old: ConnSet, now: ConnSet): boolean {
  return !isEmptyConns(subtractConns(now, old));
}
