// The routing layer at a Service frontend: the client's proxy applies the routes bound to the
// Service port for the client's namespace (consumer routes, else producer routes; Linkerd's proxy:
// both, less the routes its policy controller ignores); once any route is bound, a request no rule
// matches is answered 404 (the mesh overview's "Request Flow", 3c).

import type { Service, ServicePort } from "../../model/endpoint.js";
import { hostnameMatches, normalizeHost } from "../../model/hostname.js";
import { LINKERD_DEFAULT_OPAQUE_PORTS, LINKERD_OPAQUE_PORTS, linkerdHostRank, linkerdPortSet, type LinkerdEgressNetwork } from "../../model/mesh.js";
import { speaksHttp, usesTls } from "../../model/request.js";
import { compareAge, routeKey } from "../../model/route.js";
import { servedBy } from "../gateway/backends.js";
import { Headers } from "../gateway/headers.js";
import { routeHttp } from "../gateway/http.js";
import type { MatchReader } from "../gateway/match.js";
import { compareRank } from "../gateway/precedence.js";
import type { RouteRequest, RouteResult } from "../gateway/request.js";
import { splitOf } from "../gateway/split.js";
import { routable, type MeshEngine, type ParentReading, type MeshRouteKind, type MeshRouteState, type PortRoutes } from "./engine.js";

/** Why the routes bound at the Service port do not apply to this client: it goes to the Service as if none were bound. */
export interface Unrouted { unrouted: string }

/**
 * The protocol Linkerd's policy controller gives a Service port's outbound policy (policy-controller
 * core/src/outbound.rs AppProtocol::from_str over the port's appProtocol, in any case: "http" is
 * HTTP/1, "kubernetes.io/h2c" HTTP/2, "linkerd.io/tcp", "linkerd.io/opaque" and any other value opaque;
 * without one, k8s/index/src/outbound/index.rs makes the ports of the Service's annotation
 * config.linkerd.io/opaque-ports, else of the default opaque ports, opaque), and what the proxy then
 * reads (grpc/src/outbound.rs to_proto): opaque, no HTTP or gRPC route (TCPRoutes only); HTTP/1, the
 * HTTPRoutes only; HTTP/2 or detected, the GRPCRoutes when there are any, else the HTTPRoutes.
 */
export function linkerdOutboundProtocol(s: Service, sp: ServicePort): { kind: "opaque" | "http1" | "http2" | "detect"; why: string } {
  const at = servicePlace(s, sp);
  if (sp.appProtocol !== undefined) {
    const p = sp.appProtocol.toLowerCase();
    const kind = p === "http" ? "http1" : p === "kubernetes.io/h2c" ? "http2" : "opaque";
    return { kind, why: `${at} has appProtocol ${sp.appProtocol}${kind === "opaque" ? `, which Linkerd reads as opaque` : ""}` };
  }
  return opaqueOrDetect(s.annotations, sp.port, at, "the Service's");
}

/**
 * The protocol of an EgressNetwork's port (outbound/index.rs, IndexNamespacedResource<EgressNetwork>
 * apply: the ports of its config.linkerd.io/opaque-ports annotation, else the default opaque ports,
 * are opaque; it has no appProtocol, so any other port is detected).
 */
export function linkerdEgressProtocol(en: LinkerdEgressNetwork, port: number): { kind: "opaque" | "detect"; why: string } {
  return opaqueOrDetect(en.annotations, port, `port ${port} of EgressNetwork ${en.namespace}/${en.name}`, "its");
}

/** Opaque when the object's annotation config.linkerd.io/opaque-ports lists the port, or, without the annotation, when it is a default opaque port; else detected. */
function opaqueOrDetect(annotations: Readonly<Record<string, string>> | undefined, port: number, at: string, whose: string): { kind: "opaque" | "detect"; why: string } {
  const listed = annotations?.[LINKERD_OPAQUE_PORTS];
  if (listed !== undefined) return linkerdPortSet(listed).has(port) ? { kind: "opaque", why: `${at} is in ${whose} annotation ${LINKERD_OPAQUE_PORTS} (${JSON.stringify(listed)})` } : { kind: "detect", why: "" };
  return LINKERD_DEFAULT_OPAQUE_PORTS.includes(port) ? { kind: "opaque", why: `${at} is one of Linkerd's default opaque ports (${LINKERD_DEFAULT_OPAQUE_PORTS.join(", ")})` } : { kind: "detect", why: "" };
}

/** The client's namespace (consumer routes), how its proxy reads the request (default envoy) and the parentRefs (default the Gateway API's reading; Istio's: "proxy"). */
export interface MeshClient { namespace?: string; reader?: MatchReader; reading?: ParentReading }

export const servicePlace = (s: Service, p: ServicePort) => `Service ${s.namespace}/${s.name} port ${p.port}`;

/** Routes that applied, and whether the chosen rule sends to the parent's default backend (a Linkerd TLSRoute or TCPRoute rule without backendRefs: the Service itself, or an EgressNetwork's address dialled). */
export type BoundRoutes = PortRoutes & { toDefault?: boolean };

/**
 * Routes the request with the routes that apply; undefined when none is bound for this client (`res`
 * untouched but for the candidates when Linkerd ignores every bound route: its policy controller then
 * sends no route, and the proxy's default route forwards to the Service, outbound.rs
 * default_outbound_route). A request that does not speak HTTP meets the routes only at a Linkerd
 * client (linkerdOutbound); other clients send it to the Service.
 */
export function routeAtService(mesh: MeshEngine, s: Service, sp: ServicePort, client: MeshClient, req: RouteRequest, res: RouteResult): BoundRoutes | Unrouted | undefined {
  if (client.reader === "linkerd") return linkerdOutbound(mesh, { kind: "service", service: s, port: sp }, client.namespace, req, res);
  const bound = mesh.routesFor(s, sp, client.namespace, client.reading);
  if (!bound) return undefined;
  routeHttp({ graph: mesh.inv.routing, routes: bound.routes, port: sp.port, scheme: "http", place: servicePlace(s, sp), reader: client.reader }, req, res);
  return bound;
}

/**
 * What a Linkerd client's outbound policy is about: a Service port, or the EgressNetwork an address
 * outside the Services falls in (engine/mesh/egress.ts), with the address and port dialled.
 */
export type LinkerdParent =
  | { kind: "service"; service: Service; port: ServicePort }
  | { kind: "egress"; network: LinkerdEgressNetwork; address: string; port: number };

const parentPlace = (p: LinkerdParent) => (p.kind === "service" ? servicePlace(p.service, p.port) : `EgressNetwork ${p.network.namespace}/${p.network.name} (${p.address} port ${p.port})`);
const defaultTarget = (p: LinkerdParent) => (p.kind === "service" ? "the Service" : `${p.address} port ${p.port}, the address dialled`);

/**
 * A Linkerd client's proxy: the routes its policy controller sends for the port (engine.ts
 * linkerdRoutesFor, linkerdEgressRoutesFor), of the one kind policy-controller/grpc/src/outbound.rs
 * to_proto picks by the port's protocol: `http` appProtocol, the HTTPRoutes; `kubernetes.io/h2c`, the
 * GRPCRoutes, else the HTTPRoutes; opaque, the TCPRoutes; without appProtocol (protocol detection),
 * the GRPCRoutes, else the HTTPRoutes, else the TLSRoutes, else the TCPRoutes. What no route takes
 * goes the parent's default route: to the Service, the request as sent; for an EgressNetwork, its
 * `trafficPolicy` (linkerdEgressDefault).
 */
export function linkerdOutbound(mesh: MeshEngine, parent: LinkerdParent, clientNamespace: string | undefined, req: RouteRequest, res: RouteResult): BoundRoutes | Unrouted | undefined {
  const index = parent.kind === "service" ? mesh.linkerdRoutesFor(parent.service, parent.port, clientNamespace) : mesh.linkerdEgressRoutesFor(parent.network, parent.port, clientNamespace);
  const protocol = parent.kind === "service" ? linkerdOutboundProtocol(parent.service, parent.port) : linkerdEgressProtocol(parent.network, parent.port);
  if (!index) return parent.kind === "service" ? undefined : linkerdEgressDefault(parent, protocol, `no route is bound to ${parentPlace(parent)}`, req, res, { role: "producer", namespace: parent.network.namespace, routes: [] });
  const left = index.left.map(({ state, why }) => ({ route: routeKey(state.route), rule: -1, match: -1, outcome: `ignored: ${why}` }));
  const place = parentPlace(parent);
  const base: BoundRoutes = { role: index.role, namespace: index.namespace, routes: [] };
  const unrouted = (why: string, everyRoute?: string): BoundRoutes | Unrouted => {
    const others = [...index.byKind.values()].flat().map((st) => ({ route: routeKey(st.route), rule: -1, match: -1, outcome: `ignored: ${everyRoute ?? why}` }));
    res.candidates = [...others, ...left];
    return parent.kind === "service" ? { unrouted: why } : linkerdEgressDefault(parent, protocol, why, req, res, base);
  };
  const has = (k: MeshRouteKind) => (index.byKind.get(k)?.length ? k : undefined);
  const kind: MeshRouteKind | undefined = protocol.kind === "http1" ? has("HTTPRoute")
    : protocol.kind === "http2" ? has("GRPCRoute") ?? has("HTTPRoute")
    : protocol.kind === "opaque" ? has("TCPRoute")
    : has("GRPCRoute") ?? has("HTTPRoute") ?? has("TLSRoute") ?? has("TCPRoute");
  if (!kind) {
    if (!index.byKind.size) return unrouted(`Linkerd's policy controller leaves out every route bound to ${place}`);
    if (protocol.kind === "opaque") return unrouted(`${protocol.why}: Linkerd's proxy forwards the connection to ${defaultTarget(parent)} opaquely, without HTTP routes`, `${protocol.why}: Linkerd's proxy forwards the connection opaquely, without HTTP, gRPC or TLS routes`);
    const only = protocol.kind === "http1" ? "HTTPRoutes" : "GRPCRoutes and HTTPRoutes";
    return unrouted(`${protocol.why}: Linkerd's proxy uses ${only} only there, and none is bound`, `${protocol.why}: Linkerd's proxy uses ${only} only there`);
  }
  const routes = [...index.byKind.get(kind)!].sort((a, b) => compareAge(a.route, b.route) || a.route.name.localeCompare(b.route.name));
  const bound: BoundRoutes = { ...base, routes: routes.map(routable) };
  if (kind === "TCPRoute" || kind === "TLSRoute") {
    const out = linkerdL4(parent, kind, routes, req, res);
    res.candidates.push(...left);
    if (out === "unmatched" && parent.kind === "egress") return linkerdEgressDefault(parent, { kind: "opaque" }, res.reason, req, res, bound);
    return { ...bound, toDefault: out === "default" };
  }
  if (!speaksHttp(req)) {
    return unrouted(`${req.scheme.toUpperCase()} traffic: Linkerd's proxy detects no HTTP, and its ${kind}s do not apply; its opaque default route forwards the connection to ${defaultTarget(parent)}`);
  }
  routeHttp({ graph: mesh.inv.routing, routes: bound.routes, port: parent.kind === "service" ? parent.port.port : parent.port, scheme: "http", place, reader: "linkerd" }, req, res);
  res.candidates.push(...left);
  // grpc/src/outbound/http.rs and grpc.rs protocol: an EgressNetwork's default route (PathPrefix "/", no
  // hostnames) comes after its routes, so it takes the requests no route matches.
  if (parent.kind === "egress" && res.route === undefined && res.status === 404) return linkerdEgressDefault(parent, protocol, res.reason, req, res, bound);
  return bound;
}

/**
 * An EgressNetwork's default route (grpc/src/outbound/http.rs, grpc.rs, tcp.rs, tls.rs
 * default_outbound_egress_route): with `trafficPolicy: Allow` the connection goes on to the address
 * dialled; with `Deny`, an HTTP request is answered 403 (a gRPC call PERMISSION_DENIED, code 7) and
 * any other connection is closed (the opaque route's Forbidden filter).
 */
function linkerdEgressDefault(parent: LinkerdParent & { kind: "egress" }, protocol: { kind: string }, why: string, req: RouteRequest, res: RouteResult, bound: BoundRoutes): BoundRoutes | Unrouted {
  const en = `EgressNetwork ${parent.network.namespace}/${parent.network.name}`;
  if (parent.network.trafficPolicy === "Allow") return { unrouted: `${why}: ${en}'s trafficPolicy Allow forwards it to ${parent.address} port ${parent.port}` };
  Object.assign(res, { route: undefined, rule: undefined, backend: null, backends: [], upstream: null, responseHeaders: {} });
  if (speaksHttp(req) && protocol.kind !== "opaque") {
    Object.assign(res, { status: 403, reason: `${why}: ${en}'s trafficPolicy Deny answers 403 (traffic not allowed)` });
    if (req.protocol === "grpc") res.grpcCode = "PERMISSION_DENIED";
  } else Object.assign(res, { status: null, connection: "failed", reason: `${why}: ${en}'s trafficPolicy Deny closes the connection (Forbidden)` });
  return bound;
}

/**
 * A Linkerd client's connection over TLSRoutes or TCPRoutes (policy-controller/grpc/src/outbound/
 * tls.rs, tcp.rs; linkerd2-proxy linkerd/app/outbound/src/tls.rs, opaq.rs). TCPRoute: only the first
 * route (timestamp_then_name; MAXIMUM_ALLOWED_TCP_ROUTES = 1) applies, whatever the client sends,
 * HTTP included. TLSRoute: the proxy reads the ClientHello's SNI (NewDetectRequiredSni: a connection
 * without one fails) and takes the best route by linkerd/tls/route find (an exact hostname over a
 * `*.` suffix, longer first, a route without hostnames last, the first of equals); none matches: the
 * connection fails (an EgressNetwork's default route takes it: "unmatched"). The rule's backendRefs
 * are a weighted random choice; none: the parent's default backend ("default"); an invalid one (a
 * missing Service) fails the connections sent to it.
 */
function linkerdL4(parent: LinkerdParent, kind: "TLSRoute" | "TCPRoute", routes: readonly MeshRouteState[], req: RouteRequest, res: RouteResult): "routed" | "default" | "unmatched" | "failed" {
  const place = parentPlace(parent);
  const fail = (reason: string) => { Object.assign(res, { connection: "failed", reason }); return "failed" as const; };
  let chosen: MeshRouteState | undefined;
  let sni: string | undefined;
  if (kind === "TCPRoute") {
    chosen = routes[0];
    res.candidates = routes.map((r, i) => ({ route: routeKey(r.route), rule: i ? -1 : 0, match: -1, outcome: i ? `lost: Linkerd's policy controller sends only the oldest TCPRoute (${routeKey(routes[0].route)})` : "won" }));
  } else {
    if (!usesTls(req.scheme)) return fail(`${place} has TLSRoutes and no HTTP route: Linkerd's proxy expects a TLS ClientHello with an SNI, and this ${req.scheme.toUpperCase()} connection has none: it fails (NoSniFoundError)`);
    sni = normalizeHost(req.sni ?? req.host ?? "");
    if (!sni) return fail(`Linkerd's proxy routes ${place} by the SNI of TLSRoutes, and the ClientHello has none: the connection fails (NoSniFoundError)`);
    const ranked = routes.map((r) => ({ r, rank: sniRank(r.route.hostnames, sni!) }));
    const best = ranked.reduce<(typeof ranked)[number] | undefined>((w, c) => (c.rank && (!w || compareRank(c.rank, w.rank!) < 0) ? c : w), undefined);
    chosen = best?.r;
    res.candidates = ranked.map((c) => ({
      route: routeKey(c.r.route), rule: 0, match: -1,
      outcome: c === best ? "won" : !c.rank ? `no match: SNI ${sni} matches none of ${c.r.route.hostnames.join(", ")}` : `lost: ${routeKey(best!.r.route)} matches SNI ${sni} more specifically, or is older`,
    }));
    if (!chosen) {
      Object.assign(res, { connection: "failed", reason: `no TLSRoute bound to ${place} matches SNI ${sni}: Linkerd's proxy closes the connection` });
      return "unmatched";
    }
  }
  const rule = chosen.route.rules[0];
  Object.assign(res, { route: routeKey(chosen.route), rule: rule.index, ruleName: rule.name });
  let out: "routed" | "default" = "routed";
  if (!rule.backends.length) {
    out = "default";
    const name = parent.kind === "service" ? `${parent.service.namespace}/${parent.service.name}` : `${parent.network.namespace}/${parent.network.name}`;
    res.backends = [{ name, kind: parent.kind === "service" ? "Service" : "EgressNetwork", port: parent.kind === "service" ? parent.port.port : parent.port, weight: 1 }];
    res.backend = name;
  } else {
    const split = splitOf(rule, chosen.backends, false);
    res.backends = split.shares;
    const failed = split.problem ?? split.failure?.message;
    if (failed) return fail(`${routeKey(chosen.route)}: ${failed}; Linkerd's proxy fails the connection`);
    res.backend = servedBy(split.picked!);
    if (split.failing) res.steps.push({ stage: "backend", outcome: split.failing.replace(/get [\d or]+$/, "fail") });
  }
  const tls = usesTls(req.scheme);
  if (speaksHttp(req) || req.scheme === "https") {
    const h = new Headers(req.headers);
    res.upstream = { host: req.host, path: req.path, method: req.method, headers: h.toObject(), headerList: h.entries(), tls, sni: tls ? sni ?? req.sni : undefined };
    res.status = req.scheme === "ws" ? 101 : 200;
  } else res.upstream = { tls, sni: tls ? sni : undefined };
  res.reason = `${routeKey(chosen.route)} forwards the connection to ${res.backend}${out === "default" ? ` (its rule has no backendRefs: ${defaultTarget(parent)})` : ""}${kind === "TLSRoute" ? ` by SNI ${sni}` : ""}, as Linkerd's proxy forwards ${kind === "TCPRoute" ? "an opaque" : "a TLS"} connection`;
  return out;
}

/** linkerd/tls/route: the best SNI match of a route's hostnames ([kind, length], exact over `*.` suffix); none: [0, 0]; no match: undefined. */
function sniRank(hostnames: readonly string[], sni: string): number[] | undefined {
  if (!hostnames.length) return [0, 0];
  let best: number[] | undefined;
  for (const h of hostnames) if (hostnameMatches(h, sni)) { const r = linkerdHostRank(h); if (!best || compareRank(r, best) < 0) best = r; }
  return best;
}
