// The walk's answer and its trace: what each layer did, and the state a walk carries.

import type { GatewayEngine } from "../gateway/engine.js";
import { emptyResult, type RouteRequest, type RouteResult } from "../gateway/request.js";
import type { AuthorizationDecision, AuthorizationRequest, Authorizer } from "../authorizer.js";
import type { HopOutcome } from "../hop.js";
import type { Party } from "../match.js";
import type { ClusterDns } from "../mesh/dns.js";
import type { MeshEngine, RouteRole } from "../mesh/engine.js";
import type { Membership, MeshMembership } from "../mesh/membership.js";
import type { PolicyEngine } from "../verdict.js";
import type { Inventory, InventoryIndex } from "../../model/inventory.js";
import type { IstioServiceEntry } from "../../model/mesh.js";
import type { Address } from "../../model/ip.js";

export type Layer = "entry" | "routing" | "network" | "authorization" | "backend";

/** What one layer did with the request. */
export interface LayerStep {
  layer: Layer;
  /** passed: the request went on; decided: this layer gave the answer; bypassed: the layer does not apply to it. */
  outcome: "passed" | "decided" | "bypassed";
  summary: string;
}

/** Where the request entered. */
export type Entry =
  | { kind: "gateway"; gateway?: string; listener?: string }
  | { kind: "service"; service: string; port: number; headless: boolean }
  | { kind: "endpoint"; endpoint: string; port: number }
  | { kind: "address"; address: string; port: number }
  | { kind: "unresolved" };

export interface RequestAnswer extends RouteResult {
  /** The client endpoint ("namespace/pod"); undefined for a client outside the cluster. */
  client?: string;
  /** Whether the client runs a mesh proxy (in-mesh requests). */
  clientMesh?: Membership;
  entry: Entry;
  /** Mesh routing: whether producer or consumer routes applied (undefined: no route applied). */
  routeRole?: RouteRole;
  /** The endpoint that answers ("namespace/pod"). */
  endpoint?: string;
  /** The L3/L4 hop to the endpoint (policy verdicts). */
  hop?: HopOutcome;
  /** Every authorizer's decision, in order. */
  authorization: AuthorizationDecision[];
  /** The layer that gave the answer. */
  decidedBy: Layer;
  /** Junction cannot know the answer (status and connection unset): why (an authorizer's answer turns on what the input does not say). */
  unknown?: string;
  layers: LayerStep[];
}

/** Everything the walk consults, built once per inventory. */
export interface WalkContext {
  inv: Inventory;
  index: InventoryIndex;
  gateways: GatewayEngine;
  mesh: MeshEngine;
  membership: MeshMembership;
  dns: ClusterDns;
  policy: PolicyEngine;
  authorizers: readonly Authorizer[];
  trustDomain: string;
}

/** One walk in progress: the context, the request, the answer being built, the client. */
export interface Walk {
  ctx: WalkContext; req: RouteRequest; res: RequestAnswer; client?: Party; via?: GatewayHop;
  /**
   * What the Gateway's proxy writes in X-Forwarded-For before it forwards the request (gateway-entry.ts
   * forwardedFor): what the backend's proxy then reads as the original client (peers.ts forwardedHeaders).
   */
  forwarded?: ForwardedFor;
  /** The ServiceEntry an ambient client's connection is addressed to, whose waypoint takes it (mesh-entry.ts ambientEntry). */
  serviceEntry?: IstioServiceEntry;
  /**
   * The cluster the client's Envoy connects to when a route picked it (a VirtualService destination, a
   * GAMMA backendRef: another Service than the dialled one, a DestinationRule subset): its DestinationRule's
   * TLS is the hop's (pilot's cluster outbound|port|subset|host; l7/transport.ts clientMode).
   */
  istioCluster?: { service: string; port: number; subset?: string };
  /** The mesh proxy that picks the Service's endpoint for an in-mesh client (mesh-entry.ts meshRouting): what answers when none is ready (serve.ts noEndpoints). */
  lastHop?: "linkerd" | "envoy" | "ztunnel";
}

/**
 * A gateway's X-Forwarded-For: `append` the address after what the client sent (Envoy's appendXff,
 * nginx's $full_x_forwarded_for), or `set` it in place of the client's (nginx's $remote_addr);
 * `unknown` (why) instead of `address` when Junction cannot know it (a PROXY protocol header's source,
 * a node's address the input does not hold). Undefined: the header passes as the client sent it.
 */
export type ForwardedFor = { how: "append" | "set"; address?: Address; unknown?: string };

/** A Gateway's hop to its backend (gateway-entry.ts): what the authorizers are told of it (AuthorizationRequest's gateway). */
export type GatewayHop = NonNullable<AuthorizationRequest["gateway"]>;

export function emptyAnswer(req: RouteRequest, entry: Entry, base: RouteResult = emptyResult()): RequestAnswer {
  return { client: req.from, ...base, entry, authorization: [], decidedBy: "backend", layers: [] };
}

export function step(w: Walk, layer: Layer, outcome: LayerStep["outcome"], summary: string): void {
  w.res.layers.push({ layer, outcome, summary });
  if (outcome !== "decided") return;
  w.res.decidedBy = layer;
  w.res.reason ||= summary;
}

export function refuse(w: Walk, how: "rejected" | "failed", reason: string): RequestAnswer {
  Object.assign(w.res, { connection: how, status: null, backend: null, reason, upstream: null, responseHeaders: {} });
  return w.res;
}

