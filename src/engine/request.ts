// The request walk: one answer for a request across every layer it crosses.
//
//   client (a pod with `from`, else outside the cluster)
//     → entry:         a Gateway listener (an Istio classic gateway's server) | a Service frontend (name or cluster IP) | an endpoint address
//     → routing:       the Gateway's routes | the Service port's mesh routes (GAMMA) | none
//     → network:       the L3/L4 hop to an endpoint of the chosen backend, every policy tier (verdict.ts)
//     → authorization: the L7 authorizers at the server (authorizer.ts; implementations in engine/l7/)
//     → backend:       the endpoint answers
//
// Each layer passes the request on or decides the answer; the answer records which layer decided
// and the trace of every layer, as data (targets/request.ts prints it).

import { InventoryIndex, type Inventory } from "../model/inventory.js";
import type { RouteRequest } from "../model/request.js";
import type { Authorizer } from "./authorizer.js";
import { resolveEndpoint } from "./endpoints.js";
import { GatewayEngine } from "./gateway/engine.js";
import { grpcCodeOf } from "./gateway/http.js";
import { gatewayFor } from "./gateway/route.js";
import type { Party } from "./match.js";
import { ClusterDns } from "./mesh/dns.js";
import { MeshEngine } from "./mesh/engine.js";
import { MeshMembership } from "./mesh/membership.js";
import { DEFAULT_OPTIONS, type EngineOptions } from "./options.js";
import { PolicyEngine } from "./verdict.js";
import type { RequestAnswer, WalkContext } from "./walk/answer.js";
import { gatewayEntry } from "./walk/gateway-entry.js";
import { meshEntry } from "./walk/mesh-entry.js";
import { classicTarget, istioIngressEntry } from "./walk/istio-ingress-entry.js";

export type { Entry, Layer, LayerStep, RequestAnswer, WalkContext } from "./walk/answer.js";
export { pickedBackend } from "./walk/backends.js";

export interface WalkOptions {
  engine?: EngineOptions;
  /** Engines already built on the same inventory, to share. */
  policy?: PolicyEngine;
  gateways?: GatewayEngine;
  authorizers?: readonly Authorizer[];
  /** The mesh trust domain principals are written in (default cluster.local). */
  trustDomain?: string;
}

export function walkContext(inv: Inventory, o: WalkOptions = {}): WalkContext {
  const index = o.policy?.index ?? new InventoryIndex(inv);
  return {
    inv, index, gateways: o.gateways ?? new GatewayEngine(inv, index), mesh: new MeshEngine(inv), membership: new MeshMembership(inv),
    dns: new ClusterDns(index), policy: o.policy ?? new PolicyEngine(inv, o.engine ?? DEFAULT_OPTIONS, index),
    authorizers: o.authorizers ?? [], trustDomain: o.trustDomain ?? "cluster.local",
  };
}

/** The client a request names with `from`: one pod (or Workload), or why it cannot be used. */
export function clientOf(ctx: WalkContext, from: string): Party | string {
  const r = resolveEndpoint(ctx.index, from);
  if (!r.ok) return r.error;
  if (r.value.kind === "service") return `${from} is a Service; a request is sent by a pod (NAMESPACE/POD)`;
  const p = r.value.parties.find((x) => x.endpoint?.kind === "pod" && !x.endpoint.fromTemplate) ?? r.value.parties[0];
  return p ?? `${from} names no endpoint`;
}

/** Why the request cannot be walked (a usage problem, not an answer), or undefined. */
export function requestProblem(ctx: WalkContext, req: RouteRequest): string | undefined {
  if (req.from) { const c = clientOf(ctx, req.from); if (typeof c === "string") return c; }
  const g = req.gateway || !req.from ? gatewayFor(ctx.gateways, req) : undefined;
  const problem = typeof g === "string" ? g : undefined;
  // An Istio classic gateway (networking.istio.io) by name, by its Service's address or name, or the one on the port.
  const classic = classicTarget(ctx, req, problem);
  if (classic !== undefined) return typeof classic === "string" ? classic : undefined;
  return problem;
}

/** Walks one request. Call requestProblem first: a request it refuses has no answer. */
export function walkRequest(ctx: WalkContext, req: RouteRequest): RequestAnswer {
  const client = req.from ? clientOf(ctx, req.from) : undefined;
  const party = typeof client === "string" ? undefined : client;
  const g = req.gateway || !req.from ? gatewayFor(ctx.gateways, req) : undefined;
  const classic = classicTarget(ctx, req, typeof g === "string" ? g : undefined);
  const res = classic && typeof classic !== "string" ? istioIngressEntry(ctx, req, party, classic) : req.gateway || !req.from ? gatewayEntry(ctx, req, party) : meshEntry(ctx, req, party!);
  if (req.protocol === "grpc" && res.status !== null && !res.grpcCode) res.grpcCode = grpcCodeOf(res.status);
  return res;
}
