// The routing layer at a Service frontend: the client's proxy applies the routes bound to the
// Service port for the client's namespace (consumer routes, else producer routes; Linkerd's proxy:
// both, less the routes its policy controller ignores); once any route is bound, a request no rule
// matches is answered 404 (the mesh overview's "Request Flow", 3c).

import type { Endpoint, Service, ServicePort } from "../../model/endpoint.js";
import type { Address } from "../../model/ip.js";
import { hostnameMatches, normalizeHost } from "../../model/hostname.js";
import { istioSettingsOf, LINKERD_DEFAULT_OPAQUE_PORTS, LINKERD_OPAQUE_PORTS, linkerdHostRank, linkerdPortSet, type IstioServiceEntry, type IstioVirtualService, type LinkerdEgressNetwork } from "../../model/mesh.js";
import { speaksHttp, speaksHttp2, usesTls } from "../../model/request.js";
import { compareAge, routeKey, type Route, type RouteKind, type RouteRule } from "../../model/route.js";
import { untimedTie } from "../../model/time.js";
import { servedBy } from "../gateway/backends.js";
import { istioTiming, linkerdTiming } from "./proxy-timing.js";
import { Headers } from "../gateway/headers.js";
import { routeHttp } from "../gateway/http.js";
import type { MatchReader } from "../gateway/match.js";
import { compareRank, type Routable } from "../gateway/precedence.js";
import type { Candidate, RouteRequest, RouteResult } from "../gateway/request.js";
import { splitOf } from "../gateway/split.js";
import { istioPortProtocol, istioTlsPort } from "../l7/istio.js";
import { serviceHost } from "./dns.js";
import type { WaypointRef } from "./waypoint.js";
import { routeVirtualHost, sidecarPath, sidecarUserVirtualHost, userPortRoutes, waypointUserVirtualHost } from "./virtualservice.js";
import { userL4, waypointUserL4 } from "./virtualservice-l4.js";
import { pilotConfigOrder, routable, untimedInputOrder, type IstioMeshVirtualService, type MeshEngine, type ParentReading, type MeshRouteKind, type MeshRouteState, type PortRoutes } from "./engine.js";

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

/**
 * The client's namespace (consumer routes), how its proxy reads the request (default envoy), the
 * parentRefs (default the Gateway API's reading; Istio's: "proxy") and, for an Istio sidecar, the
 * filter chain the connection takes when it is not the HTTP one (istioChain).
 */
export interface MeshClient {
  namespace?: string; reader?: MatchReader; reading?: ParentReading; chain?: "tcp" | "tls"; waypoint?: WaypointRef;
  /** An Istio sidecar's Sidecar: whether it imports the routes (VirtualServices) of a namespace for the Service (registry.ts scopeImportsRoutes). */
  imports?: (namespace: string) => boolean;
  /** An Istio sidecar's pod: its labels and namespace select a user's VirtualService routes (virtualservice.ts). */
  pod?: Endpoint;
}

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
  if (client.waypoint) return istioWaypoint(mesh, s, sp, client.waypoint, req, res);
  if (client.chain) return istioL4Outbound(mesh, s, sp, client.namespace, client.chain, req, res, client.imports, client.pod);
  const user = client.pod && client.reading === "proxy" ? userRoutes(mesh, serviceHost(s), sp.port, servicePlace(s, sp), s.namespace, client.pod, mesh.istioVirtualServicesAt(s, sp, client.namespace), req, res, client.imports) : undefined;
  if (user) return user;
  const bound = mesh.routesFor(s, sp, client.namespace, client.reading, undefined, client.imports);
  return bound && sidecarHttp(mesh, bound, servicePlace(s, sp), sp.port, client.reader, req, res, client.reading === "proxy", client.pod);
}

/**
 * A user's VirtualService for `host` at `port` that takes the sidecar's virtual host before the
 * Gateway API's VirtualServices (`gatewayVss`), applied to the request (virtualservice.ts); undefined
 * when none does. `ownerNamespace`: the Service's or ServiceEntry's (producer or consumer routes).
 */
function userRoutes(mesh: MeshEngine, host: string, port: number, place: string, ownerNamespace: string, pod: Endpoint, gatewayVss: readonly IstioMeshVirtualService[], req: RouteRequest, res: RouteResult, imports?: (namespace: string) => boolean): BoundRoutes | undefined {
  const user = sidecarUserVirtualHost(mesh.inv, mesh.backendIndex, host, port, { pod }, gatewayVss, imports);
  if (!user) return undefined;
  routeVirtualHost(user.vh, place, port, req, res, istioSettingsOf(mesh.inv.mesh, pod));
  for (const why of user.shadowed) res.steps.push({ stage: "route", outcome: why });
  for (const v of gatewayVss) for (const st of v.routes) res.candidates.push({ route: routeKey(st.route), rule: -1, match: -1, outcome: `ignored: ${routeKey(user.vh.state.route)} comes first in the sidecar's order of VirtualServices (SelectVirtualServices: a private or exported one, then the client namespace's Gateway API routes), and a later one for the same host is dropped (duplicate domain)` });
  return userPortRoutes(user.vh, ownerNamespace);
}

/**
 * A client proxy's HTTP routes (`bound`) applied to the request at `place`, port `port`; the routes it
 * read and dropped (PortRoutes.shadowed) are candidates that say why. `istio`: an Istio sidecar, whose
 * retries and timeouts are pilot's conversion of the rule's (model/route.ts istioRuleTiming).
 */
function sidecarHttp(mesh: MeshEngine, bound: PortRoutes, place: string, port: number, reader: MatchReader | undefined, req: RouteRequest, res: RouteResult, istio: boolean, pod?: Endpoint): BoundRoutes {
  // An Istio sidecar routes (and forwards) the normalized path, for Gateway API routes as for VirtualServices.
  let routed = req;
  if (istio) {
    const n = sidecarPath(req, res, istioSettingsOf(mesh.inv.mesh, pod).istioPathNormalization);
    if (!n) return bound;
    if (n.path !== n.raw) routed = { ...req, path: n.path + req.path.slice(n.raw.length) };
  }
  routeHttp({ graph: mesh.inv.routing, routes: bound.routes, port, scheme: "http", place, reader, ...(istio ? { timing: istioTiming(mesh), hostToAuthority: true } : {}) }, routed, res);
  for (const { state, why } of bound.shadowed ?? []) res.candidates.push({ route: routeKey(state.route), rule: -1, match: -1, outcome: `ignored: ${why}` });
  return bound;
}

/**
 * The HTTP routes with a ServiceEntry parent at an Istio proxy, for a request to `host` (one of the
 * entry's hosts) at `port`: an Istio sidecar's (MeshEngine.entryRoutesFor: the first VirtualService,
 * the client namespace's first), or a waypoint's in front of the entry (every VirtualService of the
 * waypoint's and the entry's namespaces, as istioWaypoint). Undefined when none is bound there for
 * the client. The caller has checked that the proxy reads the port as HTTP (registry.ts entryHttpPort).
 */
export function routeAtEntry(mesh: MeshEngine, entry: IstioServiceEntry, host: string, port: number, client: Pick<MeshClient, "namespace" | "waypoint" | "imports" | "pod">, req: RouteRequest, res: RouteResult): BoundRoutes | undefined {
  const place = `ServiceEntry ${entry.namespace}/${entry.name} host ${host} port ${port}`;
  if (client.waypoint) return waypointHttp(mesh, mesh.istioEntryVirtualServicesAt(entry, host, port, client.waypoint.namespace), place, client.waypoint, port, entry.namespace, req, res);
  const user = client.pod ? userRoutes(mesh, host, port, place, entry.namespace, client.pod, mesh.istioEntryVirtualServicesAt(entry, host, port, client.namespace), req, res, client.imports) : undefined;
  if (user) return user;
  const bound = mesh.entryRoutesFor(entry, host, port, client.namespace, client.imports);
  return bound && sidecarHttp(mesh, bound, place, port, "envoy", req, res, true, client.pod);
}

/**
 * What a Linkerd client's outbound policy is about: a Service port, or the EgressNetwork an address
 * outside the Services falls in (engine/mesh/egress.ts), with the address and port dialled.
 */
export type LinkerdParent =
  | { kind: "service"; service: Service; port: ServicePort }
  | { kind: "egress"; network: LinkerdEgressNetwork; address: string; port: number };

/** What an Istio proxy's TCP or TLS filter chain is for besides a Service port: a ServiceEntry's host at a port (routeAtEntryL4). */
type L4Parent = LinkerdParent | { kind: "entry"; entry: IstioServiceEntry; host: string; port: number };

const parentPlace = (p: L4Parent) => (p.kind === "service" ? servicePlace(p.service, p.port) : p.kind === "entry" ? `ServiceEntry ${p.entry.namespace}/${p.entry.name} host ${p.host} port ${p.port}`
  : `EgressNetwork ${p.network.namespace}/${p.network.name} (${p.address} port ${p.port})`);
const defaultTarget = (p: L4Parent) => (p.kind === "service" ? "the Service" : p.kind === "entry" ? "the ServiceEntry" : `${p.address} port ${p.port}, the address dialled`);

/**
 * An Istio waypoint in front of the Service (an ambient client's request, engine/mesh/waypoint.ts):
 * pilot/pkg/networking/core/listener_waypoint.go buildWaypointInboundHTTPRouteConfig takes every
 * VirtualService for the Service of the waypoint's namespace and the Service's
 * (MeshEngine.istioVirtualServicesAt: the waypoint's namespace first, then by age) and appends their
 * routes into one virtual host, "consistent with gateway.go behavior": Envoy takes the first route
 * that matches, so the first VirtualService with a matching rule decides (its rules in the Gateway
 * API's precedence), and a client namespace's consumer routes do not apply there. A port the waypoint
 * reads as TCP or TLS (istioChain) gets no HTTP route. Undefined when no route is bound there.
 */
function istioWaypoint(mesh: MeshEngine, s: Service, sp: ServicePort, wp: WaypointRef, req: RouteRequest, res: RouteResult): BoundRoutes | Unrouted | undefined {
  const vss = mesh.istioVirtualServicesAt(s, sp, wp.namespace);
  const at = `waypoint ${wp.namespace}/${wp.name}`;
  if (istioChain(sp, req)) {
    return waypointL4(mesh, s, sp, wp, req, res)
      ?? (vss.length ? { unrouted: `${at} reads ${servicePlace(s, sp)} as ${istioTlsPort(sp) ? "TLS" : "TCP"}: the HTTP routes bound there do not apply, and no TLSRoute or TCPRoute is bound there for it` } : undefined);
  }
  // A user's VirtualServices at the waypoint (virtualservice.ts waypointUserVirtualHost), their routes before or after the Gateway API's.
  const user = waypointUserVirtualHost(mesh.inv, mesh.backendIndex, { host: serviceHost(s), namespace: s.namespace }, sp.port, wp, vss, req, res, istioSettingsOf(mesh.inv.mesh, undefined));
  if (user) return userPortRoutes(user, s.namespace);
  return waypointHttp(mesh, vss, servicePlace(s, sp), wp, sp.port, s.namespace, req, res);
}

/**
 * A waypoint's HTTP routes at `place` (a Service port, or a ServiceEntry host's port): every one of
 * `vss` (in pilot's order) appended into one virtual host (istioWaypoint); `ownerNamespace` is the
 * Service's or entry's. Undefined when `vss` is empty.
 */
function waypointHttp(mesh: MeshEngine, vss: readonly IstioMeshVirtualService[], place: string, wp: WaypointRef, port: number, ownerNamespace: string, req: RouteRequest, res: RouteResult): BoundRoutes | undefined {
  const at = `waypoint ${wp.namespace}/${wp.name}`;
  if (!vss.length) return undefined;
  const ctx = (routes: Routable[]) => ({ graph: mesh.inv.routing, routes, port, scheme: "http" as const, place: `${place} at ${at}`, reader: "envoy" as const, timing: istioTiming(mesh), hostToAuthority: true });
  // Each VirtualService is tried on a copy of the answer; the first with a matching rule's copy is the answer.
  let chosen: (typeof vss)[number] | undefined;
  for (const v of vss) {
    const trial: RouteResult = { ...res, candidates: [], steps: [...res.steps] };
    routeHttp(ctx(v.routes.map(routable)), req, trial);
    if (trial.route !== undefined) { chosen = v; Object.assign(res, trial); break; }
  }
  const routes = (chosen ? [chosen] : vss).flatMap((v) => v.routes);
  if (!chosen) routeHttp(ctx(routes.map(routable)), req, res);
  if (chosen) {
    const before = vss.slice(0, vss.indexOf(chosen)), after = vss.slice(vss.indexOf(chosen) + 1);
    for (const v of before) for (const st of v.routes) res.candidates.push({ route: routeKey(st.route), rule: -1, match: -1, outcome: `no match: no rule of ${at}'s VirtualService ${v.name}, tried first, matches` });
    for (const v of after) {
      // Of one namespace's VirtualServices, pilot's order by age (the input order without timestamps: say so).
      const untimed = v.namespace === chosen.namespace ? untimedInputOrder(chosen, v) : undefined;
      for (const st of v.routes) if (!chosen.routes.includes(st)) res.candidates.push({ route: routeKey(st.route), rule: -1, match: -1, outcome: `lost: ${at} tries VirtualService ${chosen.name} before ${v.name}, and a rule of it matched${untimed ? ` (note: ${untimed})` : ""}` });
    }
  }
  const ns = chosen?.namespace ?? vss[0].namespace;
  return { role: ns === ownerNamespace ? "producer" : "consumer", namespace: ns, routes: routes.map(routable) };
}

/**
 * A waypoint's TCP filter chain: one route, of those waypointL4 keeps (its rule's backends; a rule without any fails, as a sidecar's).
 * A TLSRoute's rule: the first, when its one SNI name is the host; else the first rule without a
 * weighted backendRef, which pilot writes without a match (istioSidecarTls) and getTLSRouteMatch takes
 * whatever the names ("if len(rule.Match) == 0 { return rule.Route }").
 */
const WAYPOINT_L4: L4Reader = {
  proxy: "Istio's waypoint", oneTcpRoute: "the waypoint takes one route: the first TLSRoute naming the Service, else the first TCPRoute (its namespace's first, then the oldest)", firstOfEquals: "the waypoint namespace's first, then the older",
  sniNames: (r) => r.hostnames, emptyRuleToParent: false,
  ruleOf: (r, _kind, parent) => (r.kind === "TLSRoute" && !namesOnlyHost(r, l4Host(parent)) ? r.rules.find((rule) => !weighted(rule)) : r.rules[0]),
};

/** The host an Istio proxy's TCP or TLS chain is for: the Service's, or the ServiceEntry host's. */
const l4Host = (p: L4Parent) => (p.kind === "service" ? serviceHost(p.service) : p.kind === "entry" ? p.host : "");
/** A TLSRoute's one SNI name is `host` (without hostnames: the parent's host, augmentTLSPortMatch). */
const namesOnlyHost = (r: Route, host: string) => { const names = r.hostnames.length ? r.hostnames : [host]; return names.length === 1 && names[0] === host; };

/**
 * A connection on a waypoint's TCP filter chain (listener_waypoint.go buildWaypointNetworkFilters,
 * getWaypointTCPRoutes): of the routes bound to the Service port in the Service's namespace and the
 * waypoint's (getVirtualServiceForWaypoint), the first TLSRoute whose one SNI name is the Service's
 * own host (getTLSRouteMatch: "Waypoint does not currently support SNI matches"; a TLSRoute without
 * hostnames has the Service's host, augmentTLSPortMatch), else the first TCPRoute; the connection's
 * own SNI is not read. Undefined when neither is bound.
 */
function waypointL4(mesh: MeshEngine, s: Service, sp: ServicePort, wp: WaypointRef, req: RouteRequest, res: RouteResult): BoundRoutes | undefined {
  // A user's VirtualService tls or tcp routes there (virtualservice-l4.ts waypointUserL4), before or after the Gateway API's.
  const host = serviceHost(s);
  const inScope = (r: MeshRouteState) => r.route.namespace === s.namespace || r.route.namespace === wp.namespace;
  const tls = mesh.istioRoutesAt(s, sp, ["TLSRoute"]).filter((r) => inScope(r) && (namesOnlyHost(r.route, host) || !r.route.rules.every(weighted)));
  const user = waypointUserL4(mesh, { host, namespace: s.namespace }, sp.port, wp, { tls, tcp: mesh.istioRoutesAt(s, sp, ["TCPRoute"]).filter(inScope) }, req, res);
  if (user) return user;
  return waypointL4At({ kind: "service", service: s, port: sp }, serviceHost(s), s.namespace, (kind) => mesh.istioRoutesAt(s, sp, [kind]), wp, req, res);
}

/** waypointL4 for `parent` (a Service port, or a ServiceEntry host's port) of `ownerNamespace`, whose host is `host`; `bound` gives the routes of a kind bound there. */
function waypointL4At(parent: L4Parent, host: string, ownerNamespace: string, bound: (kind: RouteKind) => MeshRouteState[], wp: WaypointRef, req: RouteRequest, res: RouteResult): BoundRoutes | undefined {
  const at = `waypoint ${wp.namespace}/${wp.name}`;
  const inScope = (r: MeshRouteState) => r.route.namespace === ownerNamespace || r.route.namespace === wp.namespace;
  const first = (r: MeshRouteState) => (r.route.namespace === wp.namespace ? 0 : 1);
  const order = (a: MeshRouteState, b: MeshRouteState) => first(a) - first(b) || pilotConfigOrder(a.route, b.route);
  const tls = bound("TLSRoute").filter(inScope).sort(order);
  // getTLSRouteMatch: a rule without a match (no weighted backendRef, istioSidecarTls) is taken whatever the route's names.
  const named = tls.filter((r) => namesOnlyHost(r.route, host) || !r.route.rules.every(weighted));
  const tcp = bound("TCPRoute").filter(inScope).sort(order);
  const routes = named.length ? named : tcp;
  if (!routes.length) return undefined;
  const { chosen } = meshL4(parent, "TCPRoute", routes, req, res, WAYPOINT_L4, istioTie((r) => (r.route.namespace === wp.namespace ? 0 : 1)));
  const of = parent.kind === "entry" ? "entry" : "Service";
  for (const r of tls) if (!named.includes(r)) res.candidates.push({ route: routeKey(r.route), rule: -1, match: -1, outcome: `ignored: ${at} takes a TLSRoute only when its one SNI name is the ${of}'s ${host} (listener_waypoint.go getTLSRouteMatch)` });
  if (named.length) for (const r of tcp) res.candidates.push({ route: routeKey(r.route), rule: -1, match: -1, outcome: `lost: ${at} takes a TLSRoute naming the ${of} before any TCPRoute (getWaypointTCPRoutes)` });
  const ns = chosen?.route.namespace ?? ownerNamespace;
  return { role: ns === ownerNamespace ? "producer" : "consumer", namespace: ns, routes: routes.map(routable) };
}

/**
 * The TCPRoutes or TLSRoutes (`chain`) with a ServiceEntry parent at an Istio proxy, for a connection
 * to `host` (one of the entry's hosts) at `port`, read on the proxy's TCP or TLS filter chain
 * (MeshEngine.istioEntryRoutesAt): an Istio sidecar's, as for a Service port (istioL4Outbound: the
 * client namespace's first, then the oldest; a TLSRoute without hostnames has the entry's host), or
 * the waypoint's in front of the entry (waypointL4At). Undefined when none is bound there.
 */
export function routeAtEntryL4(mesh: MeshEngine, entry: IstioServiceEntry, host: string, port: number, chain: "tcp" | "tls", client: Pick<MeshClient, "namespace" | "waypoint" | "imports" | "pod">, req: RouteRequest, res: RouteResult, dialled?: Address): BoundRoutes | undefined {
  const parent: L4Parent = { kind: "entry", entry, host, port };
  const bound = (kind: RouteKind) => mesh.istioEntryRoutesAt(entry, host, port, [kind]);
  if (client.waypoint) return waypointL4At(parent, host, entry.namespace, bound, client.waypoint, req, res);
  const kind = chain === "tls" ? "TLSRoute" : "TCPRoute";
  const order = (a: MeshRouteState, b: MeshRouteState) => pilotConfigOrder(a.route, b.route);
  const all = bound(kind).filter((r) => !client.imports || client.imports(r.route.namespace));
  // (revA) A user's VirtualService `tcp` / `tls` routes for the entry's host, as for a Service port (istioL4Outbound):
  // pilot builds the entry's outbound listener with getConfigsForHost of its host too.
  const single = entry.addresses.length === 1 && entry.addresses[0].prefix === (entry.addresses[0].family === 4 ? 32 : 128) ? { family: entry.addresses[0].family, value: entry.addresses[0].first } : undefined;
  const address = dialled ?? single;
  const at = { host, port, ...(address ? { address } : {}), namespace: entry.namespace, place: `ServiceEntry ${entry.namespace}/${entry.name} port ${port}` };
  const meta = (v: IstioVirtualService) => ({ namespace: v.namespace, name: v.name, generation: 1, created: v.created, order: v.order });
  const user = client.pod && userL4(mesh, at, client.pod, chain, req, res, (vs) => all.some((r) => r.route.namespace === client.namespace || pilotConfigOrder(r.route, meta(vs)) < 0), client.imports);
  if (user) return user;
  const { live, ignored } = kind === "TLSRoute" ? istioSidecarTls(all) : { live: all, ignored: [] };
  if (!live.length) return undefined;
  const routes = [...live.filter((r) => r.route.namespace === client.namespace).sort(order), ...live.filter((r) => r.route.namespace !== client.namespace).sort(order)];
  const { chosen } = meshL4(parent, kind, routes, req, res, ISTIO_L4, istioTie((r) => (r.route.namespace === client.namespace ? 0 : 1)));
  res.candidates.push(...ignored);
  const ns = chosen?.route.namespace ?? entry.namespace;
  return { role: ns === entry.namespace ? "producer" : "consumer", namespace: ns, routes: routes.map(routable) };
}

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
  // An h2c port is HTTP/2 with or without routes (to_proto: Http2, its default route).
  if (protocol.kind === "http2" && notHttp2(req)) return http1AtHttp2(parent, protocol.why, req, res, { role: index?.role ?? "producer", namespace: index?.namespace ?? parentNamespace(parent), routes: [] }, index ? [...index.byKind.values()].flat() : [], []);
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
  /** The proxy cannot build the route table (linkerdZeroWeights): the connection closes unanswered. */
  const unbuildable = (tables: readonly MeshRouteState[]): BoundRoutes | undefined => {
    const at = linkerdZeroWeights(tables);
    if (!at) return undefined;
    Object.assign(res, { route: undefined, rule: undefined, backend: null, backends: [], upstream: null, responseHeaders: {}, status: null, connection: "failed",
      reason: `${at} has two or more backendRefs whose weights are all 0: Linkerd's proxy panics building the routes of ${place} ("distribution must be valid"), and the connection closes unanswered, whatever rule it would match` });
    res.candidates = [...tables.map((st) => ({ route: routeKey(st.route), rule: -1, match: -1, outcome: "not applied: the proxy could not build its routes" })), ...left];
    return bound;
  };
  if (kind === "TCPRoute" || kind === "TLSRoute") {
    // Only the oldest TCPRoute is sent (MAXIMUM_ALLOWED_TCP_ROUTES), every TLSRoute.
    const failed = unbuildable(kind === "TCPRoute" ? routes.slice(0, 1) : routes);
    if (failed) return failed;
    const { outcome: out } = meshL4(parent, kind, routes, req, res, LINKERD_L4, linkerdTie);
    res.candidates.push(...left);
    if (out === "unmatched" && parent.kind === "egress") return linkerdEgressDefault(parent, { kind: "opaque" }, res.reason, req, res, bound);
    return { ...bound, toDefault: out === "default" };
  }
  if (!speaksHttp(req)) {
    return unrouted(`${req.scheme.toUpperCase()} traffic: Linkerd's proxy detects no HTTP, and its ${kind}s do not apply; its opaque default route forwards the connection to ${defaultTarget(parent)}`);
  }
  if (protocol.kind === "detect" && kind === "GRPCRoute" && notHttp2(req)) return http1AtHttp2(parent, "a GRPCRoute is bound there: its policy controller sends the port's gRPC routes", req, res, bound, routes, left);
  const failed = unbuildable(routes);
  if (failed) return failed;
  // grpc/src/outbound/http.rs and grpc.rs convert_outbound_route: a rule whose backends are empty gets "FirstAvailable" of the
  // parent's own backend (the Service, or the EgressNetwork's original destination), not a failure.
  const parentAnnotations = (parent.kind === "service" ? parent.service.annotations : parent.network.annotations) ?? {};
  const emptyRule = mesh.linkerdParentBackend(parent.kind === "service" ? parent : { kind: "egress", network: parent.network, port: parent.port });
  routeHttp({ graph: mesh.inv.routing, routes: bound.routes, port: parent.kind === "service" ? parent.port.port : parent.port, scheme: "http", place, reader: "linkerd", emptyRule, timing: linkerdTiming(mesh, parentAnnotations), hostToAuthority: true }, req, res);
  res.candidates.push(...left);
  const chosenRule = res.route !== undefined ? routes.find((s) => routeKey(s.route) === res.route)?.route.rules.find((r) => r.index === res.rule) : undefined;
  if (chosenRule && !chosenRule.backends.length && res.backend) return { ...bound, toDefault: true };
  // grpc/src/outbound/http.rs and grpc.rs protocol: an EgressNetwork's default route (PathPrefix "/", no
  // hostnames) comes after its routes, so it takes the requests no route matches.
  if (parent.kind === "egress" && res.route === undefined && res.status === 404) return linkerdEgressDefault(parent, protocol, res.reason, req, res, bound);
  return bound;
}

/** An HTTP request that is not HTTP/2 (model/request.ts RouteRequest.protocol). */
const notHttp2 = (req: RouteRequest) => speaksHttp(req) && !speaksHttp2(req.protocol);
const parentNamespace = (p: LinkerdParent) => (p.kind === "service" ? p.service.namespace : p.network.namespace);

/**
 * An HTTP/1.1 request at a port a Linkerd client's proxy reads as HTTP/2: policy-controller
 * grpc/src/outbound.rs to_proto makes a port of appProtocol kubernetes.io/h2c Http2, and a detected
 * port with GRPCRoutes Grpc, which linkerd2-proxy app/outbound/src/sidecar.rs takes as Protocol::Http2,
 * without detection: the request is no HTTP/2 connection preface, and the connection fails.
 */
function http1AtHttp2(parent: LinkerdParent, why: string, _req: RouteRequest, res: RouteResult, bound: BoundRoutes, routes: readonly MeshRouteState[], left: readonly Candidate[]): BoundRoutes {
  Object.assign(res, { route: undefined, rule: undefined, backend: null, backends: [], upstream: null, responseHeaders: {}, status: null, connection: "failed",
    reason: `Linkerd's proxy reads ${parentPlace(parent)} as HTTP/2 (${why}) and does not detect the protocol: this HTTP/1.1 request is no HTTP/2 connection preface, and the connection fails` });
  res.candidates = [...routes.map((st) => ({ route: routeKey(st.route), rule: -1, match: -1, outcome: "not applied: the connection is not HTTP/2" })), ...left];
  return bound;
}

/**
 * The first rule of `routes` whose backendRefs are two or more, all of weight 0 ("ROUTE rule N"), or
 * undefined. The policy controller sends the weights as they are (grpc/src/outbound/http.rs
 * convert_backend), and linkerd2-proxy builds every rule's distribution when it builds the route table
 * (app/outbound/src/http/logical/policy/router.rs, tls and opaq alike): Distribution::random_available
 * refuses weights that are all 0 (rand's WeightedIndex, InsufficientNonZero) and the proxy
 * `.expect("distribution must be valid")`s it: the task of the connection panics. One backendRef of
 * weight 0 is used as if weighted (FirstAvailable: split.ts `lone`).
 */
function linkerdZeroWeights(routes: readonly MeshRouteState[]): string | undefined {
  for (const st of routes) {
    const rule = st.route.rules.find((r) => r.backends.length >= 2 && r.backends.every((b) => b.weight === 0));
    if (rule) return `${routeKey(st.route)} rule ${rule.index}`;
  }
  return undefined;
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

/** How a client's proxy takes TLSRoutes and TCPRoutes at a Service port (meshL4). */
interface L4Reader {
  /** "Linkerd's proxy", "Istio's sidecar". */
  proxy: string;
  /** Why only one TCPRoute applies. */
  oneTcpRoute: string;
  /** Which of two TLSRoutes that match the SNI as specifically comes first. */
  firstOfEquals: string;
  /** The SNI names a TLSRoute matches; empty: any. */
  sniNames(route: Route, parent: L4Parent): readonly string[];
  /** A rule without backendRefs: the parent's default backend (Linkerd), or a failing connection (Istio: a zero-weight destination). */
  emptyRuleToParent: boolean;
  /** The rule of a chosen route that takes the connection; default its first. */
  ruleOf?: (route: Route, kind: "TLSRoute" | "TCPRoute", parent: L4Parent) => RouteRule | undefined;
}

/** Whether a rule has a backendRef of weight above 0 (pilot's tcpWeightSum > 0). */
const weighted = (r: RouteRule) => r.backends.some((b) => b.weight > 0);

/**
 * Istio: pilot's conversion writes a TLSRoute rule none of whose backendRefs weighs above 0 (or that has
 * none) without its SNI match (conversion.go convertTLSRoute: "if tcpWeightSum(r.BackendRefs) == 0 {
 * return &istio.TLSRoute{Route: ...zero-weight...}" and no buildTLSMatch), and augmentTLSPortMatch adds
 * none. A sidecar builds no filter chain of a TLS route without a match (tls.go
 * buildSidecarOutboundTLSFilterChainOpts: "for _, match := range tls.Match"), so it takes a TLSRoute's
 * first weighted rule, and ignores a TLSRoute without one: of `routes`, those it reads and the candidates
 * of those it ignores.
 */
function istioSidecarTls(routes: readonly MeshRouteState[]): { live: MeshRouteState[]; ignored: Candidate[] } {
  const live = routes.filter((r) => r.route.rules.some(weighted));
  const ignored = routes.filter((r) => !live.includes(r)).map((r) => ({ route: routeKey(r.route), rule: -1, match: -1,
    outcome: "ignored: no rule of it has a backendRef of weight above 0: pilot writes its TLS routes without an SNI match (convertTLSRoute), and the sidecar builds no filter chain for them" }));
  return { live, ignored };
}

/** The note when `first` went before `second` by the input order alone (both without creationTimestamp), for a candidate that lost to it. */
type TieNote = (first: Routable["state"], second: Routable["state"]) => string | undefined;
const noted = (note: string | undefined) => (note ? ` (note: ${note})` : "");

/** Istio's proxies: routes of one `group` (the client's or waypoint's namespace first) by pilotConfigOrder, whose untimed tie the input order breaks. */
const istioTie = (group: (r: Routable["state"]) => number): TieNote => (a, b) => (group(a) === group(b) ? untimedInputOrder(a.route, b.route) : undefined);

/** Linkerd's routes by compareAge, then name (policy-controller timestamp_then_name): of two without creationTimestamp, the first in the input. */
const linkerdTie: TieNote = (a, b) => (a.route.order < b.route.order
  ? untimedTie({ created: a.route.created, label: routeKey(a.route) }, { created: b.route.created, label: routeKey(b.route) }, "Linkerd's order (by name)", true) : undefined);

const LINKERD_L4: L4Reader = {
  proxy: "Linkerd's proxy", oneTcpRoute: "Linkerd's policy controller sends only the oldest TCPRoute (MAXIMUM_ALLOWED_TCP_ROUTES = 1)", firstOfEquals: "the older, then by name",
  sniNames: (r) => r.hostnames, emptyRuleToParent: true,
};

/**
 * Istio's sidecar (pilot/pkg/networking/core/tls.go): buildSidecarOutboundTCPFilterChainOpts takes the
 * first `tcp` route of the Service's VirtualServices of every namespace (MeshEngine.istioRoutesAt: a
 * consumer route of another namespace included), the client namespace's Gateway API routes first, then
 * by creation time (push_context.go VirtualServicesForGateway); buildSidecarOutboundTLSFilterChainOpts
 * one filter chain per SNI match, a route's `hostnames` or, without them, the Service's name
 * (route_collections.go augmentTLSPortMatch: the parent hosts), Envoy taking the most specific name;
 * conversion.go convertTCPRoute sends a rule without weight to a zero-weight destination, which fails
 * the connection; convertTLSRoute does too, but without the rule's SNI match, so the sidecar ignores
 * that rule (istioSidecarTls, ruleOf: a TLSRoute's first weighted rule).
 */
const ISTIO_L4: L4Reader = {
  proxy: "Istio's sidecar", oneTcpRoute: "Istio's sidecar takes the first TCPRoute of the Service's VirtualServices (oldest first)", firstOfEquals: "the client namespace's first, then the older",
  sniNames: (r, p) => (r.hostnames.length ? r.hostnames : p.kind === "service" ? [serviceHost(p.service)] : p.kind === "entry" ? [p.host] : r.hostnames), emptyRuleToParent: false,
  ruleOf: (r, kind) => (kind === "TLSRoute" ? r.rules.find(weighted) : r.rules[0]),
};

/**
 * Which filter chain of an Istio sidecar's outbound listener takes a connection to the Service port
 * (pilot/pkg/networking/core/listener.go): a TLS or HTTPS port (protocol.IsTLS), its TLSRoutes by SNI;
 * a TCP port (by appProtocol or name), its TCPRoutes, HTTP included; a port of no declared protocol
 * (sniffed), the HTTP routes for HTTP, else the TCPRoutes; an HTTP port, the HTTP routes (undefined).
 */
export function istioChain(sp: ServicePort, req: RouteRequest): "tcp" | "tls" | undefined {
  if (istioTlsPort(sp)) return "tls";
  const p = istioPortProtocol(sp);
  return p === "tcp" || (p === "auto" && !speaksHttp(req)) ? "tcp" : undefined;
}

/** An Istio client's TCP or TLS connection to a Service port: the TCPRoutes or TLSRoutes bound there for it (ISTIO_L4); undefined when none. */
function istioL4Outbound(mesh: MeshEngine, s: Service, sp: ServicePort, clientNamespace: string | undefined, chain: "tcp" | "tls", req: RouteRequest, res: RouteResult, imports?: (namespace: string) => boolean, pod?: Endpoint): BoundRoutes | Unrouted | undefined {
  const kind = chain === "tls" ? "TLSRoute" : "TCPRoute";
  const all = mesh.istioRoutesAt(s, sp, [kind]).filter((r) => !imports || imports(r.route.namespace));
  // A user's VirtualService `tcp` / `tls` routes (virtualservice-l4.ts), before the Gateway API's but for a public one after them.
  const meta = (v: IstioVirtualService) => ({ namespace: v.namespace, name: v.name, generation: 1, created: v.created, order: v.order });
  const at = { host: serviceHost(s), port: sp.port, ...(s.clusterIPs[0] ? { address: s.clusterIPs[0] } : {}), namespace: s.namespace, place: servicePlace(s, sp) };
  const user = pod && userL4(mesh, at, pod, chain, req, res, (vs) => all.some((r) => r.route.namespace === clientNamespace || pilotConfigOrder(r.route, meta(vs)) < 0), imports);
  if (user) return user;
  if (!all.length) {
    const http = mesh.routesFor(s, sp, clientNamespace, "proxy", undefined, imports);
    const how = istioPortProtocol(sp) === "auto" && !istioTlsPort(sp) ? `Istio's sidecar sniffs ${servicePlace(s, sp)} and the connection is not HTTP`
      : `Istio's sidecar reads ${servicePlace(s, sp)} as ${chain === "tls" ? "TLS" : "TCP"} (${sp.appProtocol !== undefined ? `appProtocol ${sp.appProtocol}` : `port name ${sp.name ?? ""}`})`;
    return http && { unrouted: `${how}: ${http.routes.length === 1 ? "the HTTP route bound there does" : "the HTTP routes bound there do"} not apply, and no ${kind} is bound` };
  }
  // push_context.go VirtualServicesForGateway: the client namespace's Gateway API routes first, then the
  // others; model/config.go configCompareByCreationTime: older first, then by name, then namespace.
  const order = (a: MeshRouteState, b: MeshRouteState) => pilotConfigOrder(a.route, b.route);
  const { live, ignored } = kind === "TLSRoute" ? istioSidecarTls(all) : { live: all, ignored: [] };
  if (!live.length) {
    res.candidates = ignored;
    return { unrouted: `no TLSRoute bound to ${servicePlace(s, sp)} has a rule that Istio's sidecar builds a filter chain for (none has a backendRef of weight above 0): its default TLS filter chain passes the connection through to the Service` };
  }
  const routes = [...live.filter((r) => r.route.namespace === clientNamespace).sort(order), ...live.filter((r) => r.route.namespace !== clientNamespace).sort(order)];
  const { chosen } = meshL4({ kind: "service", service: s, port: sp }, kind, routes, req, res, ISTIO_L4, istioTie((r) => (r.route.namespace === clientNamespace ? 0 : 1)));
  res.candidates.push(...ignored);
  const ns = chosen?.route.namespace ?? s.namespace;
  return { role: ns === s.namespace ? "producer" : "consumer", namespace: ns, routes: routes.map(routable) };
}

/**
 * A client proxy's connection over TLSRoutes or TCPRoutes (Linkerd: policy-controller/grpc/src/outbound/
 * tls.rs, tcp.rs; linkerd2-proxy linkerd/app/outbound/src/tls.rs, opaq.rs; Istio: ISTIO_L4). TCPRoute:
 * only the first route (oldest, then by name) applies, whatever the client sends, HTTP included. TLSRoute:
 * the proxy reads the ClientHello's SNI (a connection without one fails: Linkerd's NewDetectRequiredSni,
 * Envoy's filter chains by server name) and takes the best route by its SNI names (an exact name over a
 * `*.` suffix, longer first; Linkerd: a route without hostnames last; the first of equals); none
 * matches: the connection fails (an EgressNetwork's default route takes it: "unmatched"). The rule's
 * backendRefs are a weighted random choice; none: the parent's default backend ("default", Linkerd) or
 * a failure (Istio); an invalid one (a missing Service) fails the connections sent to it.
 */
function meshL4(parent: L4Parent, kind: "TLSRoute" | "TCPRoute", routes: readonly Routable["state"][], req: RouteRequest, res: RouteResult, reader: L4Reader, tie: TieNote): { outcome: "routed" | "default" | "unmatched" | "failed"; chosen?: Routable["state"] } {
  const place = parentPlace(parent);
  let chosen: Routable["state"] | undefined;
  const fail = (reason: string) => { Object.assign(res, { connection: "failed", reason }); return { outcome: "failed" as const, chosen }; };
  let sni: string | undefined;
  if (kind === "TCPRoute") {
    chosen = routes[0];
    res.candidates = routes.map((r, i) => ({ route: routeKey(r.route), rule: i ? -1 : 0, match: -1, outcome: i ? `lost: ${reader.oneTcpRoute} (${routeKey(routes[0].route)})${noted(tie(routes[0], r))}` : "won" }));
  } else {
    if (!usesTls(req.scheme)) return fail(`${place} has TLSRoutes and no HTTP route: ${reader.proxy} expects a TLS ClientHello with an SNI, and this ${req.scheme.toUpperCase()} connection has none: it fails (NoSniFoundError)`);
    sni = normalizeHost(req.sni ?? req.host ?? "");
    if (!sni) return fail(`${reader.proxy} routes ${place} by the SNI of TLSRoutes, and the ClientHello has none: the connection fails (NoSniFoundError)`);
    const ranked = routes.map((r) => { const names = reader.sniNames(r.route, parent); return { r, names, rank: sniRank(names, sni!) }; });
    const best = ranked.reduce<(typeof ranked)[number] | undefined>((w, c) => (c.rank && (!w || compareRank(c.rank, w.rank!) < 0) ? c : w), undefined);
    chosen = best?.r;
    res.candidates = ranked.map((c) => ({
      route: routeKey(c.r.route), rule: 0, match: -1,
      outcome: c === best ? "won" : !c.rank ? `no match: SNI ${sni} matches none of ${c.names.join(", ")}`
        : compareRank(c.rank, best!.rank!) === 0 ? `lost: ${routeKey(best!.r.route)} matches SNI ${sni} as specifically and comes first (${reader.firstOfEquals})${noted(tie(best!.r, c.r))}`
        : `lost: ${routeKey(best!.r.route)} matches SNI ${sni} more specifically`,
    }));
    if (!chosen) {
      Object.assign(res, { connection: "failed", reason: `no TLSRoute bound to ${place} matches SNI ${sni}: ${reader.proxy} closes the connection` });
      return { outcome: "unmatched" };
    }
  }
  const rule = reader.ruleOf?.(chosen.route, kind, parent) ?? chosen.route.rules[0];
  Object.assign(res, { route: routeKey(chosen.route), rule: rule.index, ruleName: rule.name });
  let out: "routed" | "default" = "routed";
  if (!rule.backends.length && reader.emptyRuleToParent) {
    out = "default";
    const name = parent.kind === "service" ? `${parent.service.namespace}/${parent.service.name}` : parent.kind === "entry" ? `${parent.entry.namespace}/${parent.entry.name}` : `${parent.network.namespace}/${parent.network.name}`;
    res.backends = [{ name, kind: parent.kind === "service" ? "Service" : parent.kind === "entry" ? "ServiceEntry" : "EgressNetwork", port: parent.kind === "service" ? parent.port.port : parent.port, weight: 1 }];
    res.backend = name;
  } else {
    const split = splitOf(rule, chosen.backends, false, undefined, undefined, undefined, reader === LINKERD_L4);
    res.backends = split.shares;
    const failed = split.problem ?? split.failure?.message;
    if (failed) return fail(`${routeKey(chosen.route)}: ${failed}; ${reader.proxy} fails the connection`);
    res.backend = servedBy(split.picked!);
    if (split.failing) res.steps.push({ stage: "backend", outcome: split.failing.replace(/get [\d or]+$/, "fail") });
  }
  const tls = usesTls(req.scheme);
  if (speaksHttp(req) || req.scheme === "https") {
    const h = new Headers(req.headers);
    res.upstream = { host: req.host, path: req.path, method: req.method, headers: h.toObject(), headerList: h.entries(), tls, sni: tls ? sni ?? req.sni : undefined };
    res.status = req.scheme === "ws" ? 101 : 200;
  } else res.upstream = { tls, sni: tls ? sni : undefined };
  res.reason = `${routeKey(chosen.route)} forwards the connection to ${res.backend}${out === "default" ? ` (its rule has no backendRefs: ${defaultTarget(parent)})` : ""}${kind === "TLSRoute" ? ` by SNI ${sni}` : ""}, as ${reader.proxy} forwards ${kind === "TCPRoute" ? "an opaque" : "a TLS"} connection`;
  return { outcome: out, chosen };
}

/** linkerd/tls/route: the best SNI match of a route's hostnames ([kind, length], exact over `*.` suffix); none: [0, 0]; no match: undefined. */
function sniRank(hostnames: readonly string[], sni: string): number[] | undefined {
  if (!hostnames.length) return [0, 0];
  let best: number[] | undefined;
  for (const h of hostnames) if (hostnameMatches(h, sni)) { const r = linkerdHostRank(h); if (!best || compareRank(r, best) < 0) best = r; }
  return best;
}
