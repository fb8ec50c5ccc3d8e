// The overview `junction analyze` prints: what is in the inventory, which workloads no policy
// protects, and what is reachable from outside the cluster.

import type { Inventory } from "../model/inventory.js";
import { addressKey, formatRange, fullRange, type AddressRange } from "../model/ip.js";
import { formatConns, type ConnSet } from "../model/ports.js";
import { rulesOf, DIRECTIONS, type Direction } from "../model/policy.js";
import type { PolicyEngine } from "../engine/verdict.js";
import type { Endpoint } from "../model/endpoint.js";
import type { ConnEntry, ListPeer } from "./connlist.js";
import { workloadPeers } from "./connlist.js";

export interface Summary {
  counts: Record<string, number>;
  policiesByKind: Record<string, number>;
  /** Workloads no policy selects, per direction. */
  unprotected: { workload: string; direction: Direction }[];
  /** Workloads reachable from outside, and what they reach outside (adjacent ranges with equal connections merged). */
  exposed: ExternalReach[];
  egress: ExternalReach[];
}

export interface ExternalReach {
  workload: string;
  /** "any address", a Network's name, or "first-last". */
  peer: string;
  range: AddressRange;
  conns: ConnSet;
}

/** Does some policy select the endpoint for this direction? (The reference asks every policy.) */
export type SelectedBy = (e: Endpoint, d: Direction) => boolean;

export function summarize(inv: Inventory, engine: PolicyEngine, entries: readonly ConnEntry[], selected: SelectedBy = selectedByAny(engine)): Summary {
  const counts: Record<string, number> = {
    namespaces: inv.namespaces.size,
    workloads: workloadPeers(inv).filter((w) => w.type !== "Workload").length,
    pods: inv.endpoints.filter((e) => e.kind === "pod").length,
    vmWorkloads: inv.endpoints.filter((e) => e.kind === "workload").length,
    networks: inv.networks.length,
    services: inv.services.length,
    nodes: inv.endpoints.filter((e) => e.kind === "node").length,
  };
  const policiesByKind: Record<string, number> = {};
  for (const p of inv.policies) policiesByKind[p.kind] = (policiesByKind[p.kind] ?? 0) + 1;
  const unprotected: Summary["unprotected"] = [];
  for (const w of workloadPeers(inv)) {
    for (const d of DIRECTIONS) if (!w.parties.some((p) => p.endpoint && selected(p.endpoint, d))) unprotected.push({ workload: w.id, direction: d });
  }
  const exposed = mergeRanges(inv, entries.filter((e) => e.src.kind === "external").map((e) => [e.dst, e.src, e.conns] as const));
  const egress = mergeRanges(inv, entries.filter((e) => e.dst.kind === "external").map((e) => [e.src, e.dst, e.conns] as const));
  return { counts, policiesByKind, unprotected, exposed, egress };
}

/** Per workload, joins adjacent external ranges that have the same connections. */
function mergeRanges(inv: Inventory, items: readonly (readonly [ListPeer, ListPeer, ConnSet])[]): ExternalReach[] {
  const out: ExternalReach[] = [];
  // Gaps left by Workload addresses (listed under their own names) do not split a range here.
  const workloadAddrs = new Set(inv.endpoints.filter((e) => e.kind === "workload").flatMap((e) => e.addresses.map(addressKey)));
  const adjacent = (a: AddressRange, b: AddressRange) => {
    if (a.family !== b.family || b.first <= a.last) return false;
    for (let v = a.last + 1n; v < b.first; v++) if (v - a.last > 256n || !workloadAddrs.has(addressKey({ family: a.family, value: v }))) return false;
    return true;
  };
  const sorted = [...items].sort(([w1, e1], [w2, e2]) => (w1.id < w2.id ? -1 : w1.id > w2.id ? 1 : e1.range!.first < e2.range!.first ? -1 : 1));
  for (const [workload, ext, conns] of sorted) {
    const last = out[out.length - 1];
    const range = ext.range!;
    if (last && last.workload === workload.id && adjacent(last.range, range) && formatConns(last.conns) === formatConns(conns)) {
      last.range = { ...last.range, last: range.last };
    } else {
      out.push({ workload: workload.id, peer: "", range, conns });
    }
  }
  for (const r of out) r.peer = describeRange(inv, r.range);
  return out;
}

function describeRange(inv: Inventory, r: AddressRange): string {
  const full = fullRange(r.family);
  if (r.first === full.first && r.last === full.last) return `any ${r.family === 4 ? "IPv4" : "IPv6"} address`;
  const net = inv.networks.find((n) => n.cidrs.some((c) => c.family === r.family && c.first === r.first && c.last === r.last));
  return net ? `${net.name} (${formatRange(r)})` : formatRange(r);
}

function selectedByAny(engine: PolicyEngine): SelectedBy {
  return (e, d) => engine.inventory.policies.some((p) => rulesOf(p, d) !== undefined && engine.matcher.selects(p.subject, e));
}
