// The address plan of a model: every declared range (Clusters' pod, service and egress NAT ranges,
// Networks) with how much of each pod range pods use; where ranges and addresses of different
// owners overlap (clusters with the same pod range, a VM inside a cluster's range, an egress NAT
// address two clusters share); and pods outside every declared pod range. Pure.

import type { Cluster, Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { contains, formatRangeCompact, type Address, type AddressRange, type Cidr } from "../model/ip.js";
import { CLUSTER_NETWORK_LABEL } from "../sources/common.js";

export type RangeRole = "pods" | "services" | "egress NAT" | "network" | "workload" | "node";

export interface PlanRange {
  /** cluster:NAME, network:NAME, workload:NS/NAME, node:NAME */
  owner: string;
  role: RangeRole;
  range: string;
  size: bigint;
  /** Pod ranges: pods (with their own address) inside it. */
  used?: number;
  r: AddressRange;
}

export interface Overlap {
  a: PlanRange;
  b: PlanRange;
  /** The addresses both hold. */
  common: string;
}

export interface IpamReport {
  ranges: PlanRange[];
  overlaps: Overlap[];
  /** Pods whose address is in no Cluster's pod range (only when Clusters are declared). */
  outside: { pod: string; address: string }[];
  /** Egress NAT addresses several clusters share: flows from them may come from any of those clusters. */
  sharedNat: { range: string; clusters: string[] }[];
}

const size = (r: AddressRange) => r.last - r.first + 1n;
const plan = (owner: string, role: RangeRole, c: AddressRange & { text?: string }): PlanRange => ({ owner, role, range: formatRangeCompact(c), size: size(c), r: c });
const point = (a: Address): AddressRange => ({ family: a.family, first: a.value, last: a.value });

/** The model of one cluster (its name when the inputs name several), or of inputs of no named cluster. */
export interface ClusterPart {
  cluster?: string;
  inv: Inventory;
}

interface PodAddress { part: ClusterPart; e: Endpoint; a: Address }

function podAddresses(parts: readonly ClusterPart[]): PodAddress[] {
  return parts.flatMap((part) => part.inv.endpoints.filter((e) => e.kind === "pod" && !e.hostNetwork && !e.fromTemplate).flatMap((e) => e.addresses.map((a) => ({ part, e, a }))));
}

/** Every Cluster object of the inputs, once. */
function clustersOf(parts: readonly ClusterPart[]): Cluster[] {
  const out = new Map<string, Cluster>();
  for (const p of parts) for (const c of p.inv.clusters) if (!out.has(c.name)) out.set(c.name, c);
  return [...out.values()];
}

/** The pods a cluster's pod range counts: that cluster's, or, from inputs of no named cluster, every pod. */
const ofCluster = (p: PodAddress, cluster: string) => p.part.cluster === undefined || p.part.cluster === cluster;

function declaredRanges(parts: readonly ClusterPart[]): PlanRange[] {
  const out: PlanRange[] = [];
  const pods = podAddresses(parts);
  for (const c of clustersOf(parts)) {
    for (const r of c.podCIDRs) out.push({ ...plan(`cluster:${c.name}`, "pods", r), used: pods.filter((p) => ofCluster(p, c.name) && contains(r, p.a)).length });
    for (const r of c.serviceCIDRs) out.push(plan(`cluster:${c.name}`, "services", r));
    for (const r of c.egressNAT) out.push(plan(`cluster:${c.name}`, "egress NAT", r));
  }
  const networks = new Map(parts.flatMap((p) => p.inv.networks).filter((n) => n.labels[CLUSTER_NETWORK_LABEL] === undefined).map((n) => [n.name, n]));
  for (const n of networks.values()) for (const r of n.cidrs) out.push(plan(`network:${n.name}`, "network", r as Cidr));
  return out;
}

const prefix = (part: ClusterPart, several: boolean) => (several && part.cluster ? `${part.cluster}:` : "");

/** Workloads (VMs, hosts) and nodes: single addresses, checked against the ranges. */
function endpointPoints(parts: readonly ClusterPart[]): PlanRange[] {
  const several = parts.length > 1;
  return parts.flatMap((part) => part.inv.endpoints.filter((e) => e.kind === "workload" || e.kind === "node").flatMap((e) => e.addresses.map((a) =>
    plan(`${e.kind}:${prefix(part, several)}${e.namespace !== undefined ? `${e.namespace}/` : ""}${e.name}`, e.kind === "node" ? "node" : "workload", point(a)))));
}

function intersect(a: AddressRange, b: AddressRange): AddressRange | undefined {
  if (a.family !== b.family || a.last < b.first || b.last < a.first) return undefined;
  return { family: a.family, first: a.first > b.first ? a.first : b.first, last: a.last < b.last ? a.last : b.last };
}

/** Not findings: ranges of one owner, and a node or Workload inside a Network (where it lives). */
function expected(a: PlanRange, b: PlanRange): boolean {
  const point = (x: PlanRange) => x.role === "node" || x.role === "workload";
  return a.owner === b.owner || (point(a) && b.role === "network") || (point(b) && a.role === "network");
}

function overlapsOf(pairs: Iterable<[PlanRange, PlanRange]>): Overlap[] {
  const out: Overlap[] = [];
  for (const [a, b] of pairs) {
    const common = intersect(a.r, b.r);
    if (common && !expected(a, b)) out.push({ a, b, common: formatRangeCompact(common) });
  }
  return out;
}

function* rangePairs(ranges: PlanRange[], points: PlanRange[]): Generator<[PlanRange, PlanRange]> {
  for (let i = 0; i < ranges.length; i++) for (let j = i + 1; j < ranges.length; j++) yield [ranges[i], ranges[j]];
  for (const p of points) for (const r of ranges) yield [p, r];
  const byAddress = new Map<string, PlanRange>();
  for (const p of points) {
    const k = `${p.r.family}:${p.r.first}`, first = byAddress.get(k);
    if (first) yield [first, p]; else byAddress.set(k, p);
  }
}

export function ipamReport(parts: readonly ClusterPart[]): IpamReport {
  const ranges = declaredRanges(parts);
  const overlaps = overlapsOf(rangePairs(ranges, endpointPoints(parts)));
  const clusters = clustersOf(parts), several = parts.length > 1;
  // A named cluster's pods belong in its own pod ranges; unnamed inputs' in any.
  const home = (p: PodAddress) => clusters.filter((c) => p.part.cluster === undefined || c.name === p.part.cluster).flatMap((c) => c.podCIDRs);
  const outside = clusters.length ? podAddresses(parts).filter((p) => !home(p).some((r) => contains(r, p.a)))
    .map((p) => ({ pod: `${prefix(p.part, several)}${p.e.namespace}/${p.e.name}`, address: formatRangeCompact(point(p.a)) })) : [];
  return { ranges, overlaps, outside, sharedNat: sharedNat(clusters) };
}

function sharedNat(clusters: readonly Cluster[]): { range: string; clusters: string[] }[] {
  const out: { range: string; clusters: string[] }[] = [];
  const nat = clusters.flatMap((c) => c.egressNAT.map((r) => ({ c: c.name, r })));
  const seen = new Set<string>();
  for (const x of nat) {
    const clusters = nat.filter((y) => intersect(x.r, y.r)).map((y) => y.c);
    const names = [...new Set(clusters)].sort();
    const key = `${formatRangeCompact(x.r)} ${names.join(",")}`;
    if (names.length > 1 && !seen.has(key)) { seen.add(key); out.push({ range: formatRangeCompact(x.r), clusters: names }); }
  }
  return out;
}
