// Naming what answers: the backend the routing layer chose (resolved again with the same split),
// and the workload a pod belongs to.

import type { Endpoint } from "../../model/endpoint.js";
import { routeKey, type BackendRef, type Route } from "../../model/route.js";
import type { ResolvedBackend } from "../gateway/backends.js";
import type { RouteResult } from "../gateway/request.js";
import { splitOf } from "../gateway/split.js";
import type { WalkContext } from "./answer.js";

/** The backend the routing layer's answer follows, resolved (the same split the router used). */
export function pickedBackend(states: Iterable<{ route: Route; backends: ReadonlyMap<BackendRef, ResolvedBackend> }>, res: RouteResult): ResolvedBackend | undefined {
  for (const s of states) {
    if (routeKey(s.route) !== res.route) continue;
    const rule = s.route.rules.find((r) => r.index === res.rule);
    return rule ? splitOf(rule, s.backends).picked : undefined;
  }
  return undefined;
}

/**
 * The workload an endpoint belongs to, "namespace/name": its top controller in the input, else its
 * owner, else the Deployment its ReplicaSet name implies (NAME-HASH-XXXXX with label pod-template-hash
 * HASH), else the pod itself.
 */
export function workloadName(ctx: WalkContext, e: Endpoint): string {
  const ns = e.namespace ?? "";
  const owners = ctx.inv.controllers.filter((c) => c.namespace === ns && c.pods.includes(e.id));
  const top = owners.find((c) => c.kind !== "ReplicaSet" && c.kind !== "Job") ?? owners[0];
  if (top) return `${ns}/${top.name}`;
  const hash = e.labels["pod-template-hash"];
  const m = hash ? new RegExp(`^(.+)-${hash.replace(/[^a-z0-9]/g, "")}-[a-z0-9]{5}$`).exec(e.name) : null;
  if (e.owner) return `${ns}/${e.owner.kind === "ReplicaSet" && m ? m[1] : e.owner.name}`;
  return `${ns}/${m ? m[1] : e.name}`;
}
