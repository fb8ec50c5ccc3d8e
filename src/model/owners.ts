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
  // Indexed loops: every pod of every controller (100k at 100k pods), once, mostly interpreted.
  const controllers = inv.controllers;
  for (let i = 0; i < controllers.length; i++) {
    const c = controllers[i];
    if (!PARENT_KINDS.has(c.kind)) continue;
    const owner = { kind: c.kind, name: c.name }, pods = c.pods;
    for (let k = 0; k < pods.length; k++) parent[pods[k]] = owner;
  }
  return (e) => parent[e.id] ?? e.owner;
}
