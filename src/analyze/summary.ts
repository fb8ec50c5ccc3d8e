// The overview `junction analyze` prints: what is in the inventory, which workloads no policy
// protects, and what is reachable from outside the cluster.

import type { Inventory } from "../model/inventory.js";
import { rulesOf, DIRECTIONS, type Direction } from "../model/policy.js";
import type { PolicyEngine } from "../engine/verdict.js";
import type { ConnEntry, ListPeer } from "./connlist.js";
import { workloadPeers } from "./connlist.js";

export interface Summary {
  counts: Record<string, number>;
  policiesByKind: Record<string, number>;
  /** Workloads no policy selects, per direction. */
  unprotected: { workload: string; direction: Direction }[];
  /** Workloads reachable from some external address range. */
  exposed: { workload: string; from: string; conns: ConnEntry["conns"] }[];
}

export function summarize(inv: Inventory, engine: PolicyEngine, entries: readonly ConnEntry[]): Summary {
  const counts: Record<string, number> = {
    namespaces: inv.namespaces.size,
    workloads: workloadPeers(inv).filter((w) => w.type !== "Workload").length,
    pods: inv.endpoints.filter((e) => e.kind === "pod").length,
    "VMs and hosts (Workload)": inv.endpoints.filter((e) => e.kind === "workload").length,
    networks: inv.networks.length,
    services: inv.services.length,
    nodes: inv.endpoints.filter((e) => e.kind === "node").length,
  };
  const policiesByKind: Record<string, number> = {};
  for (const p of inv.policies) policiesByKind[p.kind] = (policiesByKind[p.kind] ?? 0) + 1;
  const unprotected: Summary["unprotected"] = [];
  for (const w of workloadPeers(inv)) {
    for (const d of DIRECTIONS) if (!isProtected(engine, w, d)) unprotected.push({ workload: w.id, direction: d });
  }
  const exposed = entries.filter((e) => e.src.kind === "external").map((e) => ({ workload: e.dst.id, from: e.src.id, conns: e.conns }));
  return { counts, policiesByKind, unprotected, exposed };
}

function isProtected(engine: PolicyEngine, w: ListPeer, d: Direction): boolean {
  return engine.inventory.policies.some((p) => rulesOf(p, d) !== undefined &&
    w.parties.some((party) => engine.matcher.selects(p.subject, party.endpoint)));
}
