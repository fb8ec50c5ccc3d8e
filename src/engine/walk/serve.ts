// The layers after routing: the L3/L4 hop to an endpoint of the chosen backend, the authorizers at
// that endpoint, and the endpoint's answer.

import { formatAddress, type Address } from "../../model/ip.js";
import type { Protocol } from "../../model/ports.js";
import { speaksHttp, type RouteRequest } from "../../model/request.js";
import type { AuthorizationDecision } from "../authorizer.js";
import { Headers } from "../gateway/headers.js";
import { checkHop } from "../hop.js";
import type { Party } from "../match.js";
import { servingName, type Serving, type ServingSet } from "../serving.js";
import type { Verdict } from "../verdict.js";
import { refuse, step, type RequestAnswer, type Walk } from "./answer.js";
import { authorizationRequest } from "./peers.js";

export const protocolOf = (req: RouteRequest): Protocol => (req.scheme === "udp" ? "UDP" : "TCP");

/** In the mesh the name dialled is also the Host header, unless the client sets one. */
export function hostHeaderRequest(req: RouteRequest): RouteRequest {
  const host = req.headers.find(([k]) => k.toLowerCase() === "host")?.[1];
  return host === undefined ? req : { ...req, host, headers: req.headers.filter(([k]) => k.toLowerCase() !== "host") };
}

/**
 * The request leaves the routing layer for the chosen backend's endpoints: the hop from `from` to
 * one of them, the authorizers at that endpoint, then the endpoint answers. `unrouted`: no route
 * shaped the request, so the endpoint's answer is built here.
 */
export function serve(w: Walk, from: Party, endpoints: ServingSet, unrouted: boolean, peer: Party = from): RequestAnswer {
  if (!endpoints.known) return unknownEndpoints(w, endpoints.note, unrouted);
  if (!endpoints.serving.length) return noEndpoints(w, endpoints.note);
  const hop = checkHop(w.ctx.policy, from, endpoints.serving, protocolOf(w.req))!;
  w.res.hop = hop;
  w.res.endpoint = servingName(hop.to);
  const to = `${w.res.endpoint} port ${hop.to.port}`;
  if (!hop.verdict.allowed) {
    step(w, "network", "decided", `${endpoints.choice ? `${endpoints.choice}; ` : ""}the policies deny the hop to ${hop.endpoints === 1 ? to : `every endpoint (${hop.endpoints}), e.g. ${to}`}`);
    return refuse(w, "rejected", `the network policies deny the connection to ${to}`);
  }
  const partly = hop.denied.length ? `; ${hop.denied.length} other endpoint${hop.denied.length === 1 ? " is" : "s are"} denied (requests balanced there fail)` : "";
  step(w, "network", "passed", `${endpoints.choice ? `${endpoints.choice}; ` : ""}the policies allow the hop to ${to}${partly}`);
  if (unrouted) answerUnrouted(w);
  // `peer`: the client the endpoint's authorizers see when it is not the hop's source (mTLS end to end through an AUTO_PASSTHROUGH gateway).
  return authorize(w, peer, hop.to, hop.verdict);
}

/** The input does not show the endpoints: the hop cannot be checked; they are assumed to answer. */
function unknownEndpoints(w: Walk, note: string, unrouted: boolean): RequestAnswer {
  step(w, "network", "bypassed", `${note}: the hop to them is not checked`);
  if (unrouted) answerUnrouted(w);
  step(w, "backend", "decided", `${w.res.backend} is assumed to answer${w.res.status === null ? "" : ` ${w.res.status}`}`);
  return w.res;
}

/**
 * No ready endpoint: a Gateway's proxy or a mesh client's answers 503, as Envoy does ("no healthy
 * upstream"), but for what the mesh proxy that picks the endpoint (Walk.lastHop) does instead:
 * ztunnel and Envoy's TCP proxy close the connection; Linkerd's proxy holds the request for its
 * fail-fast timeout (linkerd2 policy-controller grpc/src/outbound.rs default_queue_config: 3 s), then
 * answers 504 (linkerd2-proxy app/outbound/src/http/server.rs ServerRescue: FailFastError →
 * gateway_timeout) or closes an opaque connection. Without a proxy, kube-proxy rejects the connection.
 */
function noEndpoints(w: Walk, note: string): RequestAnswer {
  const proxied = w.req.gateway !== undefined || !w.req.from || w.res.clientMesh?.inMesh;
  step(w, "backend", "decided", `${w.res.backend ?? "the backend"} has no ready endpoint (${note})`);
  const none = `no endpoint serves ${w.res.backend}`, http = speaksHttp(w.req), hop = w.req.gateway === undefined ? w.lastHop : undefined;
  if (hop === "ztunnel") return refuse(w, "failed", `${none}: ztunnel fails the connection (no healthy upstream)`);
  if (hop === "linkerd" && http) return Object.assign(w.res, { status: 504, backend: w.res.backend, upstream: null, reason: `${none}: Linkerd's proxy holds the request for its fail-fast timeout (3 s), then answers 504 (the backend is in fail-fast)` });
  if (hop === "linkerd") return refuse(w, "failed", `${none}: Linkerd's proxy holds the connection for its fail-fast timeout (3 s), then closes it`);
  if (hop === "envoy" && !http) return refuse(w, "failed", `${none}: the Envoy proxy finds no healthy upstream and closes the connection`);
  if (proxied) return Object.assign(w.res, { status: 503, backend: w.res.backend, upstream: null, reason: `${none} (503 Service Unavailable)` });
  return refuse(w, "rejected", `${none}: kube-proxy rejects the connection`);
}

/** The answer of an endpoint reached without a route: the request arrives as sent. */
function answerUnrouted(w: Walk): void {
  if (sendAsIs(w)) w.res.status = w.req.scheme === "ws" || w.req.protocol === "websocket" ? 101 : 200;
}

/** The request goes upstream as sent (no route shaped it); false when it is not a request (TCP). */
function sendAsIs(w: Walk): boolean {
  const q = hostHeaderRequest(w.req);
  if (!speaksHttp(w.req) && w.req.scheme !== "https") { w.res.upstream = { tls: false }; return false; }
  // A repeated header reads as its values joined with "," (Envoy's header matchers see it so), not the last one.
  const headers = new Headers(q.headers.map(([k, v]) => [k.toLowerCase(), v]));
  w.res.upstream = { host: q.host, path: q.path, method: q.method, headers: headers.toObject(), headerList: headers.entries(), tls: w.req.scheme === "https" };
  w.res.responseHeaders = Object.fromEntries(q.backendResponseHeaders.map(([k, v]) => [k.toLowerCase(), v]));
  return true;
}

function authorize(w: Walk, from: Party, to: Serving, network: Verdict | undefined, summary?: string): RequestAnswer {
  if (!w.ctx.authorizers.length) { step(w, "backend", "decided", summary ?? backendSummary(w)); return w.res; }
  const req = authorizationRequest(w, from, to, network);
  for (const a of w.ctx.authorizers) {
    for (const d of [a.authorize(req)].flat()) {
      w.res.authorization.push(d);
      if (d.verdict === "deny") { step(w, "authorization", "decided", d.summary); return denied(w, d); }
    }
  }
  // An authorizer whose answer turns on what Junction cannot know (the client address a sidecar reads behind a
  // gateway that wrote its PROXY protocol source): the outcome is unknown, not the backend's answer.
  const unknown = w.res.authorization.find((d) => d.verdict === "undecided" && d.unknown);
  if (unknown) {
    step(w, "authorization", "decided", unknown.summary);
    return Object.assign(w.res, { status: null, backend: null, upstream: null, responseHeaders: {}, reason: unknown.summary, unknown: unknown.unknown });
  }
  const allowed = w.res.authorization.filter((d) => d.verdict === "allow");
  step(w, "authorization", allowed.length ? "passed" : "bypassed", allowed.length ? allowed.map((d) => d.summary).join("; ") : "no authorizer has a policy for this request");
  step(w, "backend", "decided", summary ?? backendSummary(w));
  return w.res;
}

function denied(w: Walk, d: AuthorizationDecision): RequestAnswer {
  if (d.denial?.connection || (!d.denial?.status && !speaksHttp(w.req))) return refuse(w, d.denial?.connection ?? "failed", d.summary);
  return Object.assign(w.res, { status: d.denial?.status ?? 403, grpcCode: d.denial?.grpcCode, backend: null, upstream: null, responseHeaders: {}, reason: d.summary });
}

function backendSummary(w: Walk): string {
  return w.res.status === null ? `${w.res.endpoint} accepts the connection` : `${w.res.endpoint} answers ${w.res.status}`;
}

/**
 * The connection leaves the model for `address` (undefined: one the input does not say, such as the
 * address a ServiceEntry's waypoint resolves its host to, named `name`): the network policies judge
 * the hop to a known address; when a ServiceEntry's waypoint takes the connection (w.serviceEntry),
 * the authorizers decide next (the waypoint's policies).
 */
export function toAddress(w: Walk, address: Address | undefined, port: number, name = address && formatAddress(address)): RequestAnswer {
  const hop = address && w.ctx.policy.evaluate({ src: w.client!, dst: { address }, protocol: protocolOf(w.req), port });
  if (hop && !hop.allowed) { step(w, "network", "decided", `the policies deny the connection to ${name}`); return refuse(w, "rejected", `the network policies deny the connection to ${name} port ${port}`); }
  step(w, "network", hop ? "passed" : "bypassed", hop ? `the policies allow the connection to ${name}` : `the address ${name} resolves to is not in the input: the policies are not checked`);
  return leaveModel(w, { ...(address ? { address } : {}), port }, `${name} port ${port}`, hop || undefined);
}

/**
 * The connection leaves the model for one of `targets`, addresses outside the input (a ServiceEntry's
 * endpoints, `note` says so): the network policies judge the hop to each; the first they allow is
 * taken (as serve does), and when they deny every one the connection is refused.
 */
export function toAddresses(w: Walk, targets: readonly Serving[], note: string): RequestAnswer {
  const hop = checkHop(w.ctx.policy, w.client!, targets, protocolOf(w.req))!;
  const to = `${servingName(hop.to)} port ${hop.to.port}`;
  if (!hop.verdict.allowed) {
    step(w, "network", "decided", `${note}: the policies deny the connection to ${hop.endpoints === 1 ? to : `every one (${hop.endpoints}), e.g. ${to}`}`);
    return refuse(w, "rejected", `the network policies deny the connection to ${to}`);
  }
  const partly = hop.denied.length ? `; ${hop.denied.length} other${hop.denied.length === 1 ? " is" : "s are"} denied (connections balanced there fail)` : "";
  step(w, "network", "passed", `${note}: the policies allow the connection to ${to}${partly}`);
  return leaveModel(w, hop.to, to, hop.verdict);
}

/**
 * An Istio proxy's route to a Service not exported to the proxy's namespace (`hidden` says why): its
 * scope lacks the Service (a gateway's or waypoint's: pilot/pkg/model/sidecar.go
 * DefaultSidecarScopeForGateway, "services := ps.servicesExportedToNamespace(configNamespace)"; a
 * sidecar's: collectImportedServices infers a VirtualService destination only where
 * IsServiceVisible), so it has no cluster for it (networking/core/cluster.go BuildClusters:
 * proxy.SidecarScope.Services()), while the route still names that cluster (route/route.go
 * GetDestinationCluster): Envoy's router answers 503 (RouteAction cluster_not_found_response_code,
 * "The default response code is 503 Service Unavailable"); a TCPRoute's or TLSRoute's connection
 * (tcp_proxy) is closed: it fails.
 */
export function noCluster(w: Walk, hidden: string, proxy: string): RequestAnswer {
  const l4 = /^(TCPRoute|TLSRoute) /.test(w.res.route ?? "");
  const reason = `${hidden}: ${proxy} has no cluster for it, and Envoy ${l4 ? "closes the connection" : "answers 503"} (cluster not found)`;
  step(w, "backend", "decided", reason);
  return l4 ? refuse(w, "failed", reason) : Object.assign(w.res, { status: 503, upstream: null, reason });
}

function leaveModel(w: Walk, to: Serving, name: string, hop: Verdict | undefined): RequestAnswer {
  w.res.reason = `the connection to ${name} leaves the model`;
  if (w.serviceEntry) {
    sendAsIs(w);
    return authorize(w, w.client!, to, hop, "what answers there is outside the model");
  }
  step(w, "backend", "decided", "what answers there is outside the model");
  return w.res;
}
