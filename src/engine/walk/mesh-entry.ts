// An in-mesh request: what the client pod dials (mesh/dns.ts), then at a Service frontend the mesh
// routes for the client's namespace (mesh/route.ts), unless the client has no proxy or the request
// is not HTTP; a pod address bypasses the routes.

import type { Service, ServicePort } from "../../model/endpoint.js";
import { endpointName } from "../../model/endpoint.js";
import { formatAddress, type Address } from "../../model/ip.js";
import type { LinkerdEgressNetwork } from "../../model/mesh.js";
import { resolveEgressNetwork } from "../mesh/egress.js";
import { speaksHttp, type RouteRequest } from "../../model/request.js";
import type { Party } from "../match.js";
import type { Dialled } from "../mesh/dns.js";
import { proxyMesh } from "../mesh/membership.js";
import { requestWaypoint } from "../mesh/waypoint.js";
import { istioChain, linkerdOutbound, routeAtService, servicePlace, type BoundRoutes } from "../mesh/route.js";
import type { ResolvedBackend } from "../gateway/backends.js";
import { workloadOf, type EndpointReader } from "../../model/service-endpoints.js";
import { backendServing, serviceServing, type ServingFor } from "../serving.js";
import { emptyAnswer, refuse, step, type Entry, type RequestAnswer, type Walk, type WalkContext } from "./answer.js";
import { routesChose } from "./backends.js";
import { hostHeaderRequest, protocolOf, serve, toAddress } from "./serve.js";

export function meshEntry(ctx: WalkContext, req: RouteRequest, client: Party): RequestAnswer {
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
      w.res.backend = dialled.endpoint.kind === "pod" ? `${dialled.endpoint.namespace}/${workloadOf(dialled.endpoint)}` : endpointName(dialled.endpoint);
      return serve(w, client, { known: true, serving: [{ endpoint: dialled.endpoint, address: dialled.address, port: dialled.port }], note: "the address dialled" }, true);
    case "address": {
      step(w, "entry", "passed", dialled.how);
      const egress = linkerdEgress(w, dialled.address);
      if (egress) return atEgress(w, egress, dialled.address, dialled.port);
      step(w, "routing", "bypassed", "the request is addressed to an address outside the model");
      return toAddress(w, dialled.address, dialled.port);
    }
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
    return serve(w, w.client!, serviceServing(w.ctx.inv, s, sp, { reader: "proxy" }, port), true);
  }
  step(w, "entry", "passed", `${how} (${servicePlace(s, sp)})`);
  return meshRouting(w, s, sp);
}

function meshRouting(w: Walk, s: Service, sp: ServicePort): RequestAnswer {
  const name = `${s.namespace}/${s.name}`;
  const member = w.res.clientMesh!;
  if (!member.inMesh) return viaKubeProxy(w, s, sp, "kube-proxy", `the client has no mesh proxy (${member.why}): mesh routes do not apply; kube-proxy sends the connection to an endpoint of Service ${name}`);
  const proxy = proxyMesh(w.ctx.inv, member);
  const ambient = proxy === "istio" && member.dataplane === "ambient" ? requestWaypoint(w.ctx.inv, { ambientClient: true, service: s }) : undefined;
  if (ambient && !ambient.waypoint) return viaKubeProxy(w, s, sp, "proxy", `the client is in Istio's ambient mesh: ztunnel carries the connection at L4 and applies no route; only a waypoint routes, and Service ${name} uses none (${ambient.why})`);
  const reader = proxy === "linkerd" ? "linkerd" : "envoy";
  // A sidecar's outbound listener, or the waypoint's inbound one, takes the connection on its TCP or TLS filter chain (or the HTTP one: undefined).
  const chain = proxy === "istio" && (member.dataplane !== "ambient" || ambient?.waypoint) ? istioChain(sp, w.req) : undefined;
  if (reader !== "linkerd" && !chain && !speaksHttp(w.req)) return viaKubeProxy(w, s, sp, "proxy", `${w.req.scheme.toUpperCase()} traffic: HTTPRoute and GRPCRoute rules do not apply (Junction applies TLSRoutes and TCPRoutes bound to a Service for Linkerd and Istio clients); the proxy forwards the connection to an endpoint of Service ${name}`);
  const bound = routeAtService(w.ctx.mesh, s, sp, { namespace: w.client!.endpoint?.namespace, reader, reading: proxy === "istio" ? "proxy" : "gamma", ...(chain ? { chain } : {}), ...(ambient?.waypoint ? { waypoint: ambient.waypoint } : {}) }, hostHeaderRequest(w.req), w.res);
  if (!bound || "unrouted" in bound) {
    const why = bound?.unrouted ?? `no route is bound to ${servicePlace(s, sp)}`;
    step(w, "routing", "passed", `${why}: the request goes to the Service's endpoints`);
    w.res.backend = name;
    w.res.reason = why;
    return serve(w, w.client!, serviceServing(w.ctx.inv, s, sp, byProxy(w)), true);
  }
  const where = ambient?.waypoint ? `at waypoint ${ambient.waypoint.namespace}/${ambient.waypoint.name} (${ambient.why}), ` : "";
  return afterRoutes(w, bound, where, () => serve(w, w.client!, serviceServing(w.ctx.inv, s, sp, byProxy(w)), false));
}

/**
 * Once the routes chose (routeAtService, linkerdOutbound): the routing step (decided when no backend
 * was chosen: a 404, a redirect, a refusal), then the parent's default target (`toDefault`: a rule
 * without backendRefs, or a picked backend `isDefault` says is the parent itself), else the backend
 * the routes picked.
 */
function afterRoutes(w: Walk, bound: BoundRoutes, where: string, toDefault: () => RequestAnswer, isDefault = (_: ResolvedBackend) => false): RequestAnswer {
  w.res.routeRole = bound.role;
  const chose = routesChose(w, bound, where, w.res);
  if (chose === "decided") return w.res;
  if (bound.toDefault) return toDefault();
  const picked = chose.picked;
  if (picked && isDefault(picked)) return toDefault();
  return serve(w, w.client!, picked ? backendServing(w.ctx.inv, picked, byProxy(w)) : { known: false, serving: [], note: `${w.res.backend} is not resolved` }, false);
}

/**
 * The EgressNetwork a Linkerd client's proxy meets for an address outside the Services (its policy
 * controller's lookup_ip: a Service's cluster IP first, then the EgressNetworks, egress.ts).
 */
function linkerdEgress(w: Walk, address: Address): LinkerdEgressNetwork | undefined {
  const member = w.res.clientMesh!;
  const ns = w.client?.endpoint?.namespace;
  if (!member.inMesh || proxyMesh(w.ctx.inv, member) !== "linkerd" || ns === undefined) return undefined;
  return resolveEgressNetwork(w.ctx.inv.mesh, address, ns);
}

/** A Linkerd client's connection to an EgressNetwork's address: its routes, else its trafficPolicy (route.ts linkerdOutbound). */
function atEgress(w: Walk, en: LinkerdEgressNetwork, address: Address, port: number): RequestAnswer {
  const name = `EgressNetwork ${en.namespace}/${en.name}`;
  const bound = linkerdOutbound(w.ctx.mesh, { kind: "egress", network: en, address: formatAddress(address), port }, w.client!.endpoint?.namespace, hostHeaderRequest(w.req), w.res);
  if (!bound || "unrouted" in bound) {
    step(w, "routing", "passed", `${formatAddress(address)} is in ${name}: ${bound?.unrouted ?? "no route"}`);
    return toAddress(w, address, port);
  }
  return afterRoutes(w, bound, `${name}, `, () => toAddress(w, address, port), (picked) => picked.ref.kind === "EgressNetwork");
}

/** A request the routes do not see: straight to the Service's endpoints, as the client sent it (`reader` picks one: kube-proxy, or the client's proxy, ztunnel). */
function viaKubeProxy(w: Walk, s: Service, sp: ServicePort, reader: EndpointReader, why: string): RequestAnswer {
  step(w, "routing", "bypassed", why);
  w.res.backend = `${s.namespace}/${s.name}`;
  w.res.reason = why;
  return serve(w, w.client!, serviceServing(w.ctx.inv, s, sp, { reader, client: w.client!.endpoint }), true);
}

/** The client's mesh proxy picks the endpoint: ready ones only (model/service-endpoints.ts EndpointReader). */
const byProxy = (w: Walk): ServingFor => ({ reader: "proxy", client: w.client!.endpoint });
