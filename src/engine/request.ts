// The request walk: one answer for a request across every layer it crosses.
//
//   client (a pod with `from`, else outside the cluster)
//     → entry:         a Gateway listener | a Service frontend (name or cluster IP) | an endpoint address
//     → routing:       the Gateway's routes | the Service port's mesh routes (GAMMA) | none
//     → network:       the L3/L4 hop to an endpoint of the chosen backend, every policy tier (verdict.ts)
//     → authorization: the L7 authorizers at the server (authorizer.ts; implementations in engine/l7/)
//     → backend:       the endpoint answers
//
// Each layer passes the request on or decides the answer; the answer records which layer decided
// and the trace of every layer, as data (targets/request.ts prints it).

import type { Endpoint, Service, ServicePort } from "../model/endpoint.js";
import { endpointName } from "../model/endpoint.js";
import { InventoryIndex, type Inventory } from "../model/inventory.js";
import { formatAddress, type Address } from "../model/ip.js";
import type { Protocol } from "../model/ports.js";
import { routeKey, type BackendRef, type Route } from "../model/route.js";
import type { AuthorizationDecision, AuthorizationRequest, Authorizer, Identity, Peer } from "./authorizer.js";
import { resolveEndpoint } from "./endpoints.js";
import type { ResolvedBackend } from "./gateway/backends.js";
import { GatewayEngine } from "./gateway/engine.js";
import { grpcCodeOf } from "./gateway/http.js";
import { emptyResult, type RouteRequest, type RouteResult } from "./gateway/request.js";
import { gatewayFor, routeRequest } from "./gateway/route.js";
import { splitOf } from "./gateway/split.js";
import { checkHop, type HopOutcome } from "./hop.js";
import type { Party } from "./match.js";
import { ClusterDns, type Dialled } from "./mesh/dns.js";
import { MeshEngine, type RouteRole } from "./mesh/engine.js";
import { MeshMembership, type Membership } from "./mesh/membership.js";
import { routeAtService, servicePlace } from "./mesh/route.js";
import { DEFAULT_OPTIONS, type EngineOptions } from "./options.js";
import { backendEndpoints, serviceEndpoints, type Serving } from "./serving.js";
import { PolicyEngine } from "./verdict.js";

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
  layers: LayerStep[];
}

export interface WalkOptions {
  engine?: EngineOptions;
  /** Engines already built on the same inventory, to share. */
  policy?: PolicyEngine;
  gateways?: GatewayEngine;
  authorizers?: readonly Authorizer[];
  /** The mesh trust domain principals are written in (default cluster.local). */
  trustDomain?: string;
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
  if (req.gateway || !req.from) { const g = gatewayFor(ctx.gateways, req); if (typeof g === "string") return g; }
  return undefined;
}

interface Walk { ctx: WalkContext; req: RouteRequest; res: RequestAnswer; client?: Party }

function emptyAnswer(req: RouteRequest, entry: Entry, base: RouteResult = emptyResult()): RequestAnswer {
  return { client: req.from, ...base, entry, authorization: [], decidedBy: "backend", layers: [] };
}

function step(w: Walk, layer: Layer, outcome: LayerStep["outcome"], summary: string): void {
  w.res.layers.push({ layer, outcome, summary });
  if (outcome !== "decided") return;
  w.res.decidedBy = layer;
  w.res.reason ||= summary;
}

/** Walks one request. Call requestProblem first: a request it refuses has no answer. */
export function walkRequest(ctx: WalkContext, req: RouteRequest): RequestAnswer {
  const client = req.from ? clientOf(ctx, req.from) : undefined;
  const party = typeof client === "string" ? undefined : client;
  const res = req.gateway || !req.from ? gatewayEntry(ctx, req, party) : meshEntry(ctx, req, party!);
  if (req.protocol === "grpc" && res.status !== null && !res.grpcCode) res.grpcCode = grpcCodeOf(res.status);
  return res;
}

// ---------------------------------------------------------------- entries

function gatewayEntry(ctx: WalkContext, req: RouteRequest, client: Party | undefined): RequestAnswer {
  const routed = routeRequest(ctx.gateways, req);
  const w: Walk = { ctx, req, client, res: emptyAnswer(req, { kind: "gateway", gateway: routed.gateway, listener: routed.listener }, routed) };
  step(w, "entry", routed.gateway ? "passed" : "decided", routed.gateway ? `Gateway ${routed.gateway}${routed.listener ? `, listener ${routed.listener}` : ""}` : routed.reason);
  if (!routed.gateway) return w.res;
  if (!routed.backend || routed.connection) { step(w, "routing", "decided", routed.reason); return w.res; }
  step(w, "routing", "passed", routed.reason);
  const picked = pickedBackend(ctx.gateways.routes, routed);
  const pods = gatewayPods(ctx.inv, routed.gateway);
  const endpoints = picked ? backendEndpoints(ctx.inv, picked) : [];
  const unchecked = !pods.length ? `the Gateway's pods (label ${GATEWAY_NAME_LABEL}=${routed.gateway.split("/")[1]}) are not in the input`
    : !endpoints.length ? `the endpoints of ${routed.backend} are not in the input` : undefined;
  if (unchecked) {
    step(w, "network", "bypassed", `${unchecked}: the hop from the Gateway to the backend is not checked`);
    step(w, "backend", "decided", routed.reason);
    return w.res;
  }
  return serve(w, { endpoint: pods[0] }, endpoints, false);
}

function meshEntry(ctx: WalkContext, req: RouteRequest, client: Party): RequestAnswer {
  const ns = client.endpoint?.namespace;
  const dialled = ctx.dns.resolve(req.host ?? "", req.port ?? defaultPort(req), ns);
  const w: Walk = { ctx, req, client, res: emptyAnswer(req, entryOf(dialled)) };
  w.res.clientMesh = ctx.membership.of(client.endpoint);
  switch (dialled.kind) {
    case "unresolved":
      step(w, "entry", "decided", dialled.reason);
      return refuse(w, "failed", dialled.reason);
    case "service": return atService(w, dialled.service, dialled.port, dialled.how);
    case "endpoint":
      step(w, "entry", "passed", `${dialled.how}: Service routes do not apply to a pod address`);
      step(w, "routing", "bypassed", "the request is addressed to an endpoint, not to a Service");
      w.res.backend = workloadName(ctx, dialled.endpoint);
      return serve(w, client, [{ endpoint: dialled.endpoint, port: dialled.port }], true);
    case "address":
      step(w, "entry", "passed", dialled.how);
      step(w, "routing", "bypassed", "the request is addressed to an address outside the model");
      return toAddress(w, dialled.address, dialled.port);
  }
}

function entryOf(d: Dialled): Entry {
  switch (d.kind) {
    case "service": return { kind: "service", service: `${d.service.namespace}/${d.service.name}`, port: d.port, headless: d.service.headless === true };
    case "endpoint": return { kind: "endpoint", endpoint: endpointName(d.endpoint), port: d.port };
    case "address": return { kind: "address", address: formatAddress(d.address), port: d.port };
    default: return { kind: "unresolved" };
  }
}

// ---------------------------------------------------------------- a Service frontend

const protocolOf = (req: RouteRequest): Protocol => (req.scheme === "udp" ? "UDP" : "TCP");
const speaksHttp = (req: RouteRequest) => req.scheme === "http" || req.scheme === "ws";

function defaultPort(req: RouteRequest): number | undefined {
  return ({ http: 80, ws: 80, https: 443, wss: 443, tls: 443 } as Record<string, number>)[req.scheme];
}

function atService(w: Walk, s: Service, port: number, how: string): RequestAnswer {
  const name = `${s.namespace}/${s.name}`;
  const sp = s.ports.find((p) => p.port === port && p.protocol === protocolOf(w.req));
  if (!sp) {
    step(w, "entry", "decided", `${how}, which has no ${protocolOf(w.req)} port ${port}`);
    return refuse(w, "failed", `Service ${name} has no ${protocolOf(w.req)} port ${port} (it has ${s.ports.map((p) => `${p.port}/${p.protocol}`).join(", ") || "no ports"})`);
  }
  if (s.headless) {
    step(w, "entry", "passed", `${how}; it is headless, so DNS answers with its endpoints' addresses`);
    step(w, "routing", "bypassed", "a headless Service has no frontend for routes to bind to");
    w.res.backend = name;
    return serve(w, w.client!, serviceEndpoints(w.ctx.inv, s, { ...sp, targetPort: port }), true);
  }
  step(w, "entry", "passed", `${how} (${servicePlace(s, sp)})`);
  return meshRouting(w, s, sp);
}

function meshRouting(w: Walk, s: Service, sp: ServicePort): RequestAnswer {
  const name = `${s.namespace}/${s.name}`;
  const member = w.res.clientMesh!;
  if (!member.inMesh) return viaKubeProxy(w, s, sp, `the client has no mesh proxy (${member.why}): mesh routes do not apply; kube-proxy sends the connection to an endpoint of Service ${name}`);
  if (!speaksHttp(w.req)) return viaKubeProxy(w, s, sp, `${w.req.scheme.toUpperCase()} traffic: HTTPRoute and GRPCRoute rules do not apply; the proxy forwards the connection to an endpoint of Service ${name}`);
  const bound = routeAtService(w.ctx.mesh, s, sp, w.client!.endpoint?.namespace, hostHeaderRequest(w.req), w.res);
  if (!bound) {
    step(w, "routing", "passed", `no route is bound to ${servicePlace(s, sp)}: the request goes to the Service's endpoints`);
    w.res.backend = name;
    w.res.reason = `no route is bound to ${servicePlace(s, sp)}`;
    return serve(w, w.client!, serviceEndpoints(w.ctx.inv, s, sp), true);
  }
  w.res.routeRole = bound.role;
  const routes = `${bound.role} routes of namespace ${bound.namespace}`;
  if (!w.res.backend) { step(w, "routing", "decided", `${routes}: ${w.res.reason}`); return w.res; }
  step(w, "routing", "passed", `${routes}: ${w.res.reason}`);
  const picked = pickedBackend(bound.routes.map((r) => r.state), w.res);
  return serve(w, w.client!, picked ? backendEndpoints(w.ctx.inv, picked) : [], false);
}

/** A request the routes do not see: straight to the Service's endpoints, as the client sent it. */
function viaKubeProxy(w: Walk, s: Service, sp: ServicePort, why: string): RequestAnswer {
  step(w, "routing", "bypassed", why);
  w.res.backend = `${s.namespace}/${s.name}`;
  w.res.reason = why;
  return serve(w, w.client!, serviceEndpoints(w.ctx.inv, s, sp), true);
}

/** In the mesh the name dialled is also the Host header, unless the client sets one. */
function hostHeaderRequest(req: RouteRequest): RouteRequest {
  const host = req.headers.find(([k]) => k.toLowerCase() === "host")?.[1];
  return host === undefined ? req : { ...req, host, headers: req.headers.filter(([k]) => k.toLowerCase() !== "host") };
}

// ---------------------------------------------------------------- hop, authorization, answer

function refuse(w: Walk, how: "rejected" | "failed", reason: string): RequestAnswer {
  Object.assign(w.res, { connection: how, status: null, backend: null, reason, upstream: null, responseHeaders: {} });
  return w.res;
}

/**
 * The request leaves the routing layer for `endpoints` (the chosen backend's): the hop from `from`
 * to one of them, the authorizers at that endpoint, then the endpoint answers. `unrouted`: no route
 * shaped the request, so the endpoint's answer is built here.
 */
function serve(w: Walk, from: Party, endpoints: Serving[], unrouted: boolean): RequestAnswer {
  if (!endpoints.length) return noEndpoints(w);
  const hop = checkHop(w.ctx.policy, from, endpoints, protocolOf(w.req))!;
  w.res.hop = hop;
  w.res.endpoint = endpointName(hop.to.endpoint);
  const to = `${w.res.endpoint} port ${hop.to.port}`;
  if (!hop.verdict.allowed) {
    step(w, "network", "decided", `the policies deny the hop to ${hop.endpoints === 1 ? to : `every endpoint (${hop.endpoints}), e.g. ${to}`}`);
    return refuse(w, "rejected", `the network policies deny the connection to ${to}`);
  }
  const partly = hop.denied.length ? `; ${hop.denied.length} other endpoint${hop.denied.length === 1 ? " is" : "s are"} denied (requests balanced there fail)` : "";
  step(w, "network", "passed", `the policies allow the hop to ${to}${partly}`);
  if (unrouted) answerUnrouted(w);
  return authorize(w, from, hop);
}

function noEndpoints(w: Walk): RequestAnswer {
  const proxied = w.req.gateway !== undefined || !w.req.from || w.res.clientMesh?.inMesh;
  step(w, "backend", "decided", `${w.res.backend ?? "the backend"} has no endpoints in the input`);
  if (proxied) return Object.assign(w.res, { status: 503, backend: w.res.backend, upstream: null, reason: `no endpoint serves ${w.res.backend} (503 Service Unavailable)` });
  return refuse(w, "rejected", `no endpoint serves ${w.res.backend}: kube-proxy rejects the connection`);
}

/** The answer of an endpoint reached without a route: the request arrives as sent. */
function answerUnrouted(w: Walk): void {
  const q = hostHeaderRequest(w.req);
  if (!speaksHttp(w.req) && w.req.scheme !== "https") { w.res.upstream = { tls: false }; return; }
  w.res.status = w.req.scheme === "ws" || w.req.protocol === "websocket" ? 101 : 200;
  w.res.upstream = { host: q.host, path: q.path, method: q.method, headers: Object.fromEntries(q.headers.map(([k, v]) => [k.toLowerCase(), v])), tls: w.req.scheme === "https" };
  w.res.responseHeaders = Object.fromEntries(q.backendResponseHeaders.map(([k, v]) => [k.toLowerCase(), v]));
}

function authorize(w: Walk, from: Party, hop: HopOutcome): RequestAnswer {
  if (!w.ctx.authorizers.length) { step(w, "backend", "decided", backendSummary(w)); return w.res; }
  const req = authorizationRequest(w, from, hop);
  for (const a of w.ctx.authorizers) {
    const d = a.authorize(req);
    w.res.authorization.push(d);
    if (d.verdict === "deny") { step(w, "authorization", "decided", d.summary); return denied(w, d); }
  }
  const allowed = w.res.authorization.filter((d) => d.verdict === "allow");
  step(w, "authorization", allowed.length ? "passed" : "bypassed", allowed.length ? allowed.map((d) => d.summary).join("; ") : "no authorizer has a policy for this request");
  step(w, "backend", "decided", backendSummary(w));
  return w.res;
}

function denied(w: Walk, d: AuthorizationDecision): RequestAnswer {
  if (d.denial?.connection || (!d.denial?.status && !speaksHttp(w.req))) return refuse(w, d.denial?.connection ?? "failed", d.summary);
  return Object.assign(w.res, { status: d.denial?.status ?? 403, grpcCode: d.denial?.grpcCode, backend: null, upstream: null, responseHeaders: {}, reason: d.summary });
}

function backendSummary(w: Walk): string {
  return w.res.status === null ? `${w.res.endpoint} accepts the connection` : `${w.res.endpoint} answers ${w.res.status}`;
}

function toAddress(w: Walk, address: Address, port: number): RequestAnswer {
  const hop = w.ctx.policy.evaluate({ src: w.client!, dst: { address }, protocol: protocolOf(w.req), port });
  if (!hop.allowed) { step(w, "network", "decided", `the policies deny the connection to ${formatAddress(address)}`); return refuse(w, "rejected", `the network policies deny the connection to ${formatAddress(address)} port ${port}`); }
  step(w, "network", "passed", `the policies allow the connection to ${formatAddress(address)}`);
  step(w, "backend", "decided", "what answers there is outside the model");
  w.res.reason = `the connection to ${formatAddress(address)} port ${port} leaves the model`;
  return w.res;
}

// ---------------------------------------------------------------- facts for the authorizers

function peer(w: Walk, p: Party): Peer {
  const e = p.endpoint;
  const mesh = w.ctx.membership.of(e);
  const identity: Identity = { namespace: e?.namespace, serviceAccount: e?.kind === "pod" ? e.serviceAccount ?? "default" : e?.serviceAccount };
  if (mesh.inMesh && identity.namespace) identity.principal = `${w.ctx.trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount ?? "default"}`;
  return { endpoint: e, address: p.address ?? e?.addresses[0], identity, mesh };
}

function authorizationRequest(w: Walk, from: Party, hop: HopOutcome): AuthorizationRequest {
  const client = peer(w, from), server = peer(w, { endpoint: hop.to.endpoint });
  const u = w.res.upstream;
  const grpc = w.req.protocol === "grpc" && u?.path ? /^\/([^/]+)\/([^/?]+)/.exec(u.path) : null;
  const entry = w.res.entry;
  return {
    client, server, port: hop.to.port, protocol: protocolOf(w.req),
    mutualTls: client.mesh.inMesh && server.mesh.inMesh && client.mesh.mesh === server.mesh.mesh,
    http: u?.path !== undefined ? { method: u.method ?? "GET", host: u.host ?? "", path: u.path, headers: u.headers ?? {}, ...(grpc ? { grpc: { service: grpc[1], method: grpc[2] } } : {}) } : undefined,
    service: entry.kind === "service" ? { name: entry.service, port: entry.port } : undefined,
    network: hop.verdict,
  };
}

// ---------------------------------------------------------------- helpers

/** The backend the routing layer's answer follows, resolved (the same split the router used). */
export function pickedBackend(states: Iterable<{ route: Route; backends: ReadonlyMap<BackendRef, ResolvedBackend> }>, res: RouteResult): ResolvedBackend | undefined {
  for (const s of states) {
    if (routeKey(s.route) !== res.route) continue;
    const rule = s.route.rules.find((r) => r.index === res.rule);
    return rule ? splitOf(rule, s.backends).picked : undefined;
  }
  return undefined;
}

const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

/** The pods of a Gateway ("namespace/name"): labelled with its name in its namespace, as Istio and others deploy them. */
function gatewayPods(inv: Inventory, gateway: string): Endpoint[] {
  const [ns, name] = gateway.split("/", 2);
  return inv.endpoints.filter((e) => e.kind === "pod" && e.namespace === ns && e.labels[GATEWAY_NAME_LABEL] === name);
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
