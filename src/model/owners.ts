// Which workload a pod is shown under. np-guard groups pods by their controlling owner (a
// Deployment's pods under its ReplicaSet); Junction shows them under the Deployment (a Job's under
// its CronJob) when that is in the input, and keeps np-guard's grouping with --group-by replicaset.

import type { Endpoint, Owner } from "./endpoint.js";
import type { Inventory } from "./inventory.js";

export const GROUP_BY = ["workload", "replicaset"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** Kinds that own their pods through a child controller. */
const PARENT_KINDS = new Set(["Deployment", "CronJob"]);

/** The owner each pod is grouped under (undefined: the pod stands alone). */
export function groupOwner(inv: Inventory, groupBy: GroupBy = "workload"): (e: Endpoint) => Owner | undefined {
  if (groupBy === "replicaset") return (e) => e.owner;
  // By endpoint id (ids are indices into inv.endpoints).
  const parent = new Array<Owner | undefined>(inv.endpoints.length).fill(undefined);
  for (const c of inv.controllers) {
    if (!PARENT_KINDS.has(c.kind)) continue;
    const owner = { kind: c.kind, name: c.name };
    for (const id of c.pods) parent[id] = owner;
  }
  return (e) => parent[e.id] ?? e.owner;
}
