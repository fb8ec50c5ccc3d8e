// An in-mesh request: what the client pod dials (mesh/dns.ts), then at a Service frontend the mesh
// routes for the client's namespace (mesh/route.ts), unless the client has no proxy or the request
// is not HTTP; a pod address bypasses the routes.

import type { Service, ServicePort } from "../../model/endpoint.js";
import { endpointName } from "../../model/endpoint.js";
import type { Endpoint } from "../../model/endpoint.js";
import { formatAddress, parseAddress, type Address } from "../../model/ip.js";
import type { IstioServiceEntry, LinkerdEgressNetwork, MeshModel } from "../../model/mesh.js";
import { subsetOf } from "../l7/transport.js";
import { ambientServiceEntryAt, ambientServiceEntryNamed, entryChain, entryHostAt, requestName, entryTargets, entryHost, entryHostNamed, istioHttpListenerAt, istioSidecarScope, scopeImportsRoutes, scopeImportsService, serviceEntryAt, serviceEntryNamed, serviceHiddenFrom, serviceRegistryHost, type SidecarScope } from "../mesh/registry.js";
import { resolveEgressNetwork } from "../mesh/egress.js";
import { speaksHttp, type RouteRequest } from "../../model/request.js";
import type { Party } from "../match.js";
import { splitHostPort, type Dialled } from "../mesh/dns.js";
import { proxyMesh } from "../mesh/membership.js";
import { requestWaypoint, type WaypointRef } from "../mesh/waypoint.js";
import { istioChain, linkerdOutbound, routeAtEntry, routeAtEntryL4, routeAtService, servicePlace, type BoundRoutes } from "../mesh/route.js";
import type { ResolvedBackend } from "../gateway/backends.js";
import { serviceEndpoints, workloadOf, type EndpointReader } from "../../model/service-endpoints.js";
import { istioPortProtocol } from "../l7/istio.js";
import { backendServing, serviceServing, servingName, type ServingFor } from "../serving.js";
import { emptyAnswer, refuse, step, type Entry, type RequestAnswer, type Walk, type WalkContext } from "./answer.js";
import { routesChose } from "./backends.js";
import { hostHeaderRequest, noCluster, protocolOf, serve, toAddress, toAddresses } from "./serve.js";
import { checkHop } from "../hop.js";
import type { Inventory } from "../../model/inventory.js";

export function meshEntry(ctx: WalkContext, req: RouteRequest, client: Party): RequestAnswer {
  const ns = client.endpoint?.namespace;
  const dialled = ctx.dns.resolve(req.host ?? "", req.port ?? defaultPort(req), ns);
  const w: Walk = { ctx, req, client, res: emptyAnswer(req, entryOf(dialled)) };
  w.res.clientMesh = ctx.membership.of(client.endpoint);
  switch (dialled.kind) {
    case "unresolved": {
      const named = istioNamedEntry(w);
      if (named) return atServiceEntry(w, named.entry, named.name, named.port);
      const hp = splitHostPort(req.host ?? "", req.port ?? defaultPort(req));
      const ambient = hp.port !== undefined && !parseAddress(hp.name) ? ambientEntry(w, (namespace) => ambientServiceEntryNamed(w.ctx.mesh.ambientServices(), hp.name, namespace), hp.name, undefined, hp.port) : undefined;
      if (ambient) return ambient;
      step(w, "entry", "decided", dialled.reason);
      return refuse(w, "failed", dialled.reason);
    }
    case "service": return atService(w, dialled.service, dialled.port, dialled.how);
    case "endpoint": {
      const byHost = istioEndpointHost(w, dialled.address, dialled.port, dialled.how);
      if (byHost && !("original" in byHost)) return byHost;
      if (!byHost) step(w, "entry", "passed", `${dialled.how}: Service routes do not apply to a pod address`);
      const blocked = byHost ? undefined : istioEndpointAddress(w, dialled.address, dialled.port);
      if (blocked) return blocked;
      step(w, "routing", "bypassed", byHost?.original ?? "the request is addressed to an endpoint, not to a Service");
      w.res.backend = dialled.endpoint.kind === "pod" ? `${dialled.endpoint.namespace}/${workloadOf(dialled.endpoint)}` : endpointName(dialled.endpoint);
      return serve(w, client, { known: true, serving: [{ endpoint: dialled.endpoint, address: dialled.address, port: dialled.port }], note: "the address dialled" }, true);
    }
    case "address": {
      step(w, "entry", "passed", dialled.how);
      const egress = linkerdEgress(w, dialled.address);
      if (egress) return atEgress(w, egress.network, dialled.address, dialled.port, egress.note);
      const ambient = ambientEntry(w, (namespace) => ambientServiceEntryAt(w.ctx.mesh.ambientServices(), dialled.address, namespace), formatAddress(dialled.address), dialled.address, dialled.port);
      if (ambient) return ambient;
      const registry = istioRegistry(w, dialled.address, dialled.port);
      if (registry) return registry;
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
  const unimported = istioUnimported(w, s, sp, how);
  if (unimported) return unimported;
  if (s.headless) {
    step(w, "entry", "passed", `${how}; it is headless, so DNS answers with its endpoints' addresses`);
    step(w, "routing", "bypassed", "a headless Service has no frontend for routes to bind to");
    w.res.backend = name;
    return serve(w, w.client!, serviceServing(w.ctx.inv, s, sp, { reader: "proxy" }, port), true);
  }
  const other = otherHostAtService(w, s, sp, how);
  if (other) return other;
  step(w, "entry", "passed", `${how} (${servicePlace(s, sp)})`);
  return meshRouting(w, s, sp);
}

/**
 * An Istio sidecar client's HTTP request to a Service port Istio reads as HTTP: the sidecar's listener
 * for it is 0.0.0.0:PORT (listener.go buildSidecarOutboundListener), whose route configuration picks
 * the virtual host by the request's Host, not by the cluster IP dialled (httproute.go
 * BuildSidecarOutboundVirtualHosts, generateVirtualHostDomains): a Host naming another Service or a
 * ServiceEntry goes there (otherVirtualHost); one naming nothing (no cluster name, no entry's host, an
 * address no Service has) meets the catch-all virtual host (buildCatchAllVirtualHost): `allow_any`
 * passes it through to the cluster IP dialled (PassthroughCluster: kube-proxy picks the endpoint, no
 * mesh route applies), `block_all` (REGISTRY_ONLY) answers 502. So does a Host naming a Service
 * without a virtual host there (otherVirtualHost: no such port, a port declared TCP or TLS, not
 * exported to the client's namespace or not imported); a headless Service's virtual host sends it to
 * the cluster IP dialled too (its ORIGINAL_DST cluster). Undefined when the Host names this Service.
 */
function otherHostAtService(w: Walk, s: Service, sp: ServicePort, how: string): RequestAnswer | undefined {
  // Without a Host header the Host is the name dialled, which is this Service's.
  if (!w.req.headers.some(([k]) => k.toLowerCase() === "host")) return undefined;
  const pod = istioSidecarClient(w);
  if (!pod || istioPortProtocol(sp) !== "http" || !speaksHttp(w.req)) return undefined;
  const name = requestName(hostHeaderRequest(w.req));
  if (name === undefined) return undefined;
  const d = w.ctx.dns.resolve(name, sp.port, pod.namespace);
  if (d.kind === "service" && d.service === s) return undefined;
  const scope = istioSidecarScope(w.ctx.inv.mesh, pod);
  const at = `${how}, whose port ${sp.port} the sidecar reads as HTTP (its listener 0.0.0.0:${sp.port} picks the virtual host by the Host)`;
  const other = otherVirtualHost(w, scope, pod, sp.port, at);
  const cip = `the cluster IP dialled (no mesh route applies; kube-proxy sends it to an endpoint of Service ${s.namespace}/${s.name})`;
  if (other && "original" in other) return viaKubeProxy(w, s, sp, "kube-proxy", `${other.original}: ${cip}`);
  if (other) return other;
  step(w, "entry", "passed", at);
  const why = `the request's Host ${name} names no virtual host of the sidecar's route configuration ${sp.port}${noVirtualHost(w, scope, d, sp.port)}`;
  if (scope.policy.mode === "REGISTRY_ONLY") return unregistered(w, scope, sp.port, `${why}; ${scope.policy.why}`);
  return viaKubeProxy(w, s, sp, "kube-proxy", `${why}: its allow_any virtual host passes it through to ${cip} (${scope.policy.why})`);
}

/**
 * Why a Host that names something has no virtual host on the route configuration PORT (otherVirtualHost):
 * " (Service NS/NAME has no port PORT)" and the like; "" when it names nothing of the registry.
 */
function noVirtualHost(w: Walk, scope: SidecarScope, d: Dialled, port: number): string {
  if (d.kind === "service") {
    const s = d.service, name = `Service ${s.namespace}/${s.name}`;
    const sp = s.ports.find((p) => p.port === port && p.protocol === "TCP");
    if (!sp) return ` (${name} has no TCP port ${port})`;
    const imported = scopeImportsService(scope, s, sp);
    if (!imported.imported) return ` (${imported.why}: the sidecar's registry lacks it)`;
    if (istioPortProtocol(sp) === "tcp") return ` (${name} declares port ${port} ${declaredName(sp)}: a port Istio does not read as HTTP gets no virtual host, route.go BuildSidecarVirtualHostWrapper "port.Protocol.IsHTTPOrSniffed()")`;
    // (An HTTP or sniffed port of a Service the sidecar imports has a virtual host on this listener:
    // otherHostAtService asks otherVirtualHost with the listener known, which took the request.)
  }
  if (d.kind === "unresolved") {
    const entry = serviceEntryNamed(w.ctx.inv.mesh, scope, requestName(hostHeaderRequest(w.req)) ?? "", port);
    if (entry) return ` (ServiceEntry ${entry.namespace}/${entry.name} declares port ${port} ${entry.ports.find((p) => p.number === port)?.protocol ?? "without a protocol"}: no virtual host on the HTTP route configuration)`;
  }
  return "";
}

/** A Service port's declared protocol as Istio reads it (appProtocol, else the name's prefix), for messages. */
const declaredName = (sp: ServicePort) => (sp.appProtocol ? `appProtocol ${sp.appProtocol}` : `by its name ${sp.name ?? ""}`);

function meshRouting(w: Walk, s: Service, sp: ServicePort): RequestAnswer {
  const name = `${s.namespace}/${s.name}`;
  const member = w.res.clientMesh!;
  if (!member.inMesh) return viaKubeProxy(w, s, sp, "kube-proxy", `the client has no mesh proxy (${member.why}): mesh routes do not apply; kube-proxy sends the connection to an endpoint of Service ${name}`);
  const proxy = proxyMesh(w.ctx.inv, member);
  const ambient = proxy === "istio" && member.dataplane === "ambient" ? requestWaypoint(w.ctx.inv, { ambientClient: true, service: s }) : undefined;
  w.lastHop = proxy === "linkerd" ? "linkerd" : proxy === "istio" ? (ambient && !ambient.waypoint ? "ztunnel" : "envoy") : undefined;
  if (ambient && !ambient.waypoint) return viaKubeProxy(w, s, sp, "proxy", `the client is in Istio's ambient mesh: ztunnel carries the connection at L4 and applies no route; only a waypoint routes, and Service ${name} uses none (${ambient.why})`);
  const reader = proxy === "linkerd" ? "linkerd" : "envoy";
  // A sidecar's outbound listener, or the waypoint's inbound one, takes the connection on its TCP or TLS filter chain (or the HTTP one: undefined).
  const chain = proxy === "istio" && (member.dataplane !== "ambient" || ambient?.waypoint) ? istioChain(sp, w.req) : undefined;
  if (reader !== "linkerd" && !chain && !speaksHttp(w.req)) return viaKubeProxy(w, s, sp, "proxy", `${w.req.scheme.toUpperCase()} traffic: HTTPRoute and GRPCRoute rules do not apply (Junction applies TLSRoutes and TCPRoutes bound to a Service for Linkerd and Istio clients); the proxy forwards the connection to an endpoint of Service ${name}`);
  const sidecar = istioSidecarClient(w);
  const scope = sidecar && istioSidecarScope(w.ctx.inv.mesh, sidecar);
  const imports = scope && ((namespace: string) => scopeImportsRoutes(scope, namespace, serviceRegistryHost(s, sp)));
  const bound = routeAtService(w.ctx.mesh, s, sp, { namespace: w.client!.endpoint?.namespace, reader, reading: proxy === "istio" ? "proxy" : "gamma", ...(chain ? { chain } : {}), ...(ambient?.waypoint ? { waypoint: ambient.waypoint } : {}), ...(imports ? { imports } : {}), ...(sidecar ? { pod: sidecar } : {}) }, hostHeaderRequest(w.req), w.res);
  if (!bound || "unrouted" in bound) {
    const refused = proxy === "istio" ? w.ctx.mesh.istioRefusedAt({ service: s, port: sp }) : undefined;
    const why = bound?.unrouted ?? `no route is bound to ${servicePlace(s, sp)}${refused ? ` that the proxy reads: ${refused}` : ""}`;
    step(w, "routing", "passed", `${why}: the request goes to the Service's endpoints`);
    w.res.backend = name;
    w.res.reason = why;
    return serve(w, w.client!, serviceServing(w.ctx.inv, s, sp, byProxy(w)), true);
  }
  const where = ambient?.waypoint ? `at waypoint ${ambient.waypoint.namespace}/${ambient.waypoint.name} (${ambient.why}), ` : "";
  const router = ambient?.waypoint ? { namespace: ambient.waypoint.namespace, name: `waypoint ${ambient.waypoint.namespace}/${ambient.waypoint.name}` } : sidecar ? { namespace: sidecar.namespace!, name: "the client's sidecar", sidecar: true } : undefined;
  return afterRoutes(w, bound, where, () => serve(w, w.client!, serviceServing(w.ctx.inv, s, sp, byProxy(w)), false), undefined, router);
}

/** The Istio proxy that applies the routes (a sidecar, a waypoint): the namespace whose Services its scope holds (serviceHiddenFrom). */
interface IstioRouter { namespace: string; name: string; sidecar?: boolean }

/**
 * Once the routes chose (routeAtService, linkerdOutbound): the routing step (decided when no backend
 * was chosen: a 404, a redirect, a refusal), then the parent's default target (`toDefault`: a rule
 * without backendRefs, or a picked backend `isDefault` says is the parent itself), else the backend
 * the routes picked (a ServiceEntry's host, an Istio `Hostname` backend: the entry's destination, toServiceEntry).
 */
function afterRoutes(w: Walk, bound: BoundRoutes, where: string, toDefault: () => RequestAnswer, isDefault = (_: ResolvedBackend) => false, router?: IstioRouter): RequestAnswer {
  w.res.routeRole = bound.role;
  const chose = routesChose(w, bound, where, w.res);
  if (chose === "decided") return w.res;
  if (bound.toDefault) return toDefault();
  const picked = chose.picked;
  if (picked && isDefault(picked)) return toDefault();
  // A sidecar's scope takes a VirtualService destination of its own namespace unchecked (sidecar.go collectImportedServices: byNamespace[configNamespace]).
  const hidden = router && picked?.service && !(router.sidecar && picked.service.namespace === router.namespace) ? serviceHiddenFrom(picked.service, router.namespace) : undefined;
  if (hidden) return noCluster(w, hidden, router!.name);
  if (picked?.serviceEntry) return toServiceEntry(w, picked.serviceEntry, picked.ref.name, picked.ref.port!);
  // The hop's TLS is the picked cluster's (model/mesh.ts istioClusterTls): the route's destination Service and subset, not the dialled one.
  if (picked?.service && picked.servicePort) w.istioCluster = { service: `${picked.service.namespace}/${picked.service.name}`, port: picked.servicePort.port, ...(picked.istioSubset ? { subset: picked.istioSubset } : {}) };
  return serve(w, w.client!, picked ? backendServing(w.ctx.inv, picked, byProxy(w)) : { known: false, serving: [], note: `${w.res.backend} is not resolved` }, false);
}

/**
 * The EgressNetwork a Linkerd client's proxy meets for an address outside the Services (its policy
 * controller's lookup_ip: a Service's cluster IP first, then the EgressNetworks, egress.ts).
 */
function linkerdEgress(w: Walk, address: Address): { network: LinkerdEgressNetwork; note?: string } | undefined {
  const member = w.res.clientMesh!;
  const ns = w.client?.endpoint?.namespace;
  if (!member.inMesh || proxyMesh(w.ctx.inv, member) !== "linkerd" || ns === undefined) return undefined;
  return resolveEgressNetwork(w.ctx.inv.mesh, address, ns);
}

/** A Linkerd client's connection to an EgressNetwork's address: its routes, else its trafficPolicy (route.ts linkerdOutbound). */
function atEgress(w: Walk, en: LinkerdEgressNetwork, address: Address, port: number, note?: string): RequestAnswer {
  const name = `EgressNetwork ${en.namespace}/${en.name}`;
  // Of two EgressNetworks holding the address alike, the tie-break chose (egress.ts resolveEgressNetwork): say so.
  if (note) step(w, "entry", "passed", `${formatAddress(address)} is in ${name} (note: ${note})`);
  const bound = linkerdOutbound(w.ctx.mesh, { kind: "egress", network: en, address: formatAddress(address), port }, w.client!.endpoint?.namespace, hostHeaderRequest(w.req), w.res);
  if (!bound || "unrouted" in bound) {
    step(w, "routing", "passed", `${formatAddress(address)} is in ${name}: ${bound?.unrouted ?? "no route"}`);
    return toAddress(w, address, port);
  }
  return afterRoutes(w, bound, `${name}, `, () => toAddress(w, address, port), (picked) => picked.ref.kind === "EgressNetwork");
}

/** The client's pod when it has an Istio sidecar (not ztunnel: ambient clients have no registry to enforce). */
function istioSidecarClient(w: Walk): Endpoint | undefined {
  const member = w.res.clientMesh!;
  const pod = w.client?.endpoint;
  return member.inMesh && member.dataplane !== "ambient" && proxyMesh(w.ctx.inv, member) === "istio" && pod?.namespace !== undefined ? pod : undefined;
}

/**
 * What the sidecar's HTTP listener 0.0.0.0:PORT does with a request by its Host, when the Host names
 * another destination than the one dialled. Its route configuration PORT has a virtual host for every
 * service the sidecar imports that has that port (httproute.go BuildSidecarOutboundVirtualHosts: the
 * egress listener's Services(), exportTo and Sidecar imports applied; "svc.Ports.GetByPort(listenerPort)"),
 * whose default route exists only for a port read as HTTP or sniffed (route.go
 * BuildSidecarVirtualHostWrapper: "if port.Protocol.IsHTTPOrSniffed()"), with the domains of
 * generateVirtualHostDomains (its host, short names, addresses). So:
 * - a Service Istio reads as HTTP (or sniffs) on that port, which the sidecar imports: its routes and
 *   endpoints (meshRouting);
 * - such a headless Service: its virtual host's default route goes to its ORIGINAL_DST cluster
 *   (resolution Passthrough; listener.go: "HTTP services can happily reside on 0.0.0.0:PORT and use
 *   the wildcard route match to get to the appropriate IP through original dst clusters"), the
 *   address the client dialled: `{ original }`;
 * - an exported, imported ServiceEntry's host on an HTTP port: that entry (atServiceEntry);
 * - anything else (a Service without that port, one whose port is declared TCP or TLS, one not
 *   exported to the client's namespace or not imported by its Sidecar, an entry's TCP port, no name
 *   of the registry): no virtual host but the catch-all (undefined; the caller answers allow_any or block_all).
 *   An HTTPRoute bound to a port declared TCP makes none either: route.go
 *   buildSidecarVirtualHostsForVirtualService groups the VirtualService's registry services by their
 *   "port.Protocol.IsHTTPOrSniffed()" ports only, and on port 80 its "gross HACK" wrapper has no
 *   services and only the VirtualService's hosts outside the registry (separateVSHostsAndServices).
 * `listenerKnown`: the request is on that listener already; else a sniffed Service port counts only
 * where the sidecar has an HTTP listener at 0.0.0.0:PORT (registry.ts istioHttpListenerAt).
 */
function otherVirtualHost(w: Walk, scope: SidecarScope, pod: Endpoint, port: number, at: string, listenerKnown = true): RequestAnswer | { original: string } | undefined {
  const name = requestName(hostHeaderRequest(w.req));
  if (name === undefined) return undefined;
  const d = w.ctx.dns.resolve(name, port, pod.namespace);
  if (d.kind === "service") {
    const sp = d.service.ports.find((p) => p.port === port && p.protocol === "TCP" && istioPortProtocol(p) !== "tcp");
    // A sniffed Service port binds its cluster IP: its virtual host is on 0.0.0.0:PORT only where something else makes that an HTTP listener.
    const listening = listenerKnown || (sp !== undefined && (istioPortProtocol(sp) === "http" || istioHttpListenerAt(w.ctx.inv, scope, port)));
    if (sp && listening && scopeImportsService(scope, d.service, sp).imported) {
      const named = `${at}, and the request's Host ${name} names Service ${d.service.namespace}/${d.service.name} (${d.how})`;
      if (d.service.headless) {
        step(w, "entry", "passed", `${named}: the sidecar's HTTP listener 0.0.0.0:${port} takes it to that headless Service's virtual host, whose route goes to its ORIGINAL_DST cluster: the address dialled`);
        return { original: `the request's Host ${name} names headless Service ${d.service.namespace}/${d.service.name}, whose virtual host sends it to the address dialled (its ORIGINAL_DST cluster), so no route of the destination dialled applies` };
      }
      step(w, "entry", "passed", `${named}: the sidecar's HTTP listener 0.0.0.0:${port} takes it to that Service's virtual host`);
      return meshRouting(w, d.service, sp);
    }
  }
  // (Off that listener, serviceEntryAt has looked for the entries' virtual hosts already.)
  const entry = listenerKnown && d.kind === "unresolved" ? serviceEntryNamed(w.ctx.inv.mesh, scope, name, port) : undefined;
  return entry && entryChain(entry, port, w.req) === undefined ? atServiceEntry(w, entry, name, port) : undefined;
}

/**
 * An Istio sidecar client's connection to an address outside the Services (engine/mesh/registry.ts):
 * a ServiceEntry its Sidecar imports that takes it puts it in the registry (it goes on); else its
 * outboundTrafficPolicy decides (unregistered).
 */
function istioRegistry(w: Walk, address: Address, port: number): RequestAnswer | undefined {
  const pod = istioSidecarClient(w);
  if (!pod) return undefined;
  const scope = istioSidecarScope(w.ctx.inv.mesh, pod);
  const hit = serviceEntryAt(w.ctx.inv, scope, address, port, hostHeaderRequest(w.req));
  if (hit) {
    const host = entryHostAt(hit.entry, port, hostHeaderRequest(w.req));
    const where = `${hit.how}: the sidecar's registry has it`;
    if (host === undefined) {
      // On the HTTP listener 0.0.0.0:PORT the Host picks the virtual host, not the address ("the destination will be identified
      // based on the HTTP Host/Authority header", ServiceEntry.addresses): none of the entry's; allow_any (ALLOW_ANY) passes it
      // through to the address dialled, block_all (REGISTRY_ONLY) answers 502 (httproute.go).
      const other = otherVirtualHost(w, scope, pod, port, `${formatAddress(address)} port ${port} is on ${hit.entry.namespace}/${hit.entry.name}'s HTTP port`);
      if (other) return "original" in other ? original(w, other.original, address, port) : other;
      const why = `${formatAddress(address)} port ${port} is on ${hit.entry.namespace}/${hit.entry.name}'s HTTP port, but the request's Host ${requestName(hostHeaderRequest(w.req)) ?? "(none)"} names none of its hosts or addresses (the HTTP listener picks the virtual host by the Host)`;
      if (scope.policy.mode === "REGISTRY_ONLY") return unregistered(w, scope, port, `${why}; ${scope.policy.why}`);
      step(w, "routing", "passed", `${why}: the sidecar's allow_any virtual host passes it through to the address dialled (${scope.policy.why})`);
      return toAddress(w, address, port);
    }
    const imports = (namespace: string) => scopeImportsRoutes(scope, namespace, entryHost(hit.entry, port, [host]));
    return atEntryRoutes(w, hit.entry, host, port, address, { namespace: pod.namespace, imports, pod }, where);
  }
  // No listener of an address holds it: an HTTP request meets the sidecar's HTTP listener 0.0.0.0:PORT, if any, whose route
  // configuration takes it to the virtual host its Host names, a cluster Service's too (BuildSidecarOutboundVirtualHosts).
  const other = speaksHttp(w.req) ? otherVirtualHost(w, scope, pod, port, `${formatAddress(address)} port ${port} is no Service's or ServiceEntry's address`, false) : undefined;
  if (other) return "original" in other ? original(w, other.original, address, port) : other;
  if (scope.policy.mode !== "REGISTRY_ONLY") return undefined;
  return unregistered(w, scope, port, `${formatAddress(address)} port ${port} is no Service's and no ServiceEntry exported to namespace ${pod.namespace} (and imported by its Sidecar) takes it; ${scope.policy.why}`);
}

/** A headless Service's virtual host took the request (otherVirtualHost `{ original }`): its ORIGINAL_DST cluster sends it to the address dialled. */
function original(w: Walk, why: string, address: Address, port: number): RequestAnswer {
  step(w, "routing", "bypassed", why);
  return toAddress(w, address, port);
}

/**
 * A REGISTRY_ONLY sidecar's answer to a connection its registry lacks: an HTTP request on a port
 * where it has an HTTP listener gets 502 (the `block_all` virtual host, httproute.go); any other
 * connection goes to its BlackHoleCluster, which resets it (listener_builder.go
 * buildOutboundCatchAllNetworkFiltersOnly).
 */
function unregistered(w: Walk, scope: SidecarScope, port: number, why: string): RequestAnswer {
  if (speaksHttp(w.req) && istioHttpListenerAt(w.ctx.inv, scope, port)) {
    const reason = `${why}: the sidecar's HTTP listener at port ${port} answers 502 (its block_all virtual host)`;
    step(w, "routing", "decided", reason);
    return Object.assign(w.res, { status: 502, backend: null, upstream: null, responseHeaders: {}, reason });
  }
  const reason = `${why}: the sidecar sends the connection to its BlackHoleCluster, which resets it`;
  step(w, "routing", "decided", reason);
  return refuse(w, "failed", reason);
}

/**
 * An Istio sidecar client's connection to a Service port its registry lacks (registry.ts
 * scopeImportsService: not exported to its namespace, or not imported by its Sidecar's egress
 * listeners): the sidecar has no listener or cluster for it, so under REGISTRY_ONLY it refuses it
 * (unregistered), and under ALLOW_ANY its PassthroughCluster sends it to the address dialled as it
 * came (no mesh route applies; kube-proxy picks the endpoint).
 * Undefined when the Service is imported, or the client has no sidecar.
 */
function istioUnimported(w: Walk, s: Service, sp: ServicePort, how: string): RequestAnswer | undefined {
  const pod = istioSidecarClient(w);
  if (!pod) return undefined;
  const scope = istioSidecarScope(w.ctx.inv.mesh, pod);
  const imported = scopeImportsService(scope, s, sp);
  if (imported.imported) return undefined;
  step(w, "entry", "passed", how);
  if (scope.policy.mode === "REGISTRY_ONLY") return unregistered(w, scope, sp.port, `${imported.why}; ${scope.policy.why}`);
  return viaKubeProxy(w, s, sp, "kube-proxy", `${imported.why}; ${scope.policy.why}: the sidecar passes the connection through (its PassthroughCluster), so no mesh route applies; kube-proxy sends it to an endpoint of Service ${s.namespace}/${s.name}`);
}

/**
 * An Istio sidecar client's HTTP request to an endpoint's address (a pod IP) at a port where the
 * sidecar has the HTTP listener 0.0.0.0:PORT (registry.ts istioHttpListenerAt) and no listener of
 * that address (headlessListenerHolds): the listener's route configuration picks the virtual host by
 * the request's Host (httproute.go BuildSidecarOutboundVirtualHosts), so a Host naming a Service
 * the sidecar imports goes to that Service, its routes and endpoints, not to the pod dialled
 * (otherVirtualHost; `{ original }`: a headless Service's, which sends it to the pod dialled).
 * Undefined: no listener takes it by its Host, or the Host names no virtual host (the catch-all:
 * allow_any passes it through to the pod, block_all answers 502, istioEndpointAddress).
 */
function istioEndpointHost(w: Walk, address: Address, port: number, how: string): RequestAnswer | { original: string } | undefined {
  const pod = istioSidecarClient(w);
  if (!pod || !speaksHttp(w.req)) return undefined;
  const scope = istioSidecarScope(w.ctx.inv.mesh, pod);
  if (headlessListenerHolds(w, scope, address, port) || !istioHttpListenerAt(w.ctx.inv, scope, port)) return undefined;
  return otherVirtualHost(w, scope, pod, port, `${how}, no Service's address: the sidecar's HTTP listener 0.0.0.0:${port} takes it and picks the virtual host by the Host`);
}

/**
 * Whether an imported headless Service has a listener of its own for this endpoint address at `port`:
 * one at each endpoint address for its TCP and sniffed ports (listener.go
 * buildSidecarOutboundListeners: "service.Resolution == model.Passthrough && saddress ==
 * UnspecifiedIP && (servicePort.Protocol.IsTCP() || servicePort.Protocol.IsUnsupported())", per
 * instance; a TCP one as a /32 filter chain of the wildcard listener). A sniffed one's HTTP route
 * configuration is the Service's alone ("For sniffed services, we have a unique listener and route
 * just for that service", its virtual host's domains "*": getVirtualHostsForSniffedServicePort),
 * whose ORIGINAL_DST cluster sends it to the address dialled, whatever its Host.
 */
function headlessListenerHolds(w: Walk, scope: SidecarScope, address: Address, port: number): boolean {
  const text = formatAddress(address);
  return w.ctx.inv.services.some((s) => s.headless && s.ports.some((sp) => sp.port === port && sp.protocol === protocolOf(w.req) && istioPortProtocol(sp) !== "http"
    && serviceEndpoints(w.ctx.inv, s, sp).endpoints.some((e) => e.address === text) && scopeImportsService(scope, s, sp).imported));
}

/**
 * A REGISTRY_ONLY sidecar client's connection to an endpoint's address (a pod IP): no Service's
 * address, so the sidecar has no listener for it, except that an imported headless Service gets one
 * per endpoint address at its TCP and sniffed ports (headlessListenerHolds), which takes any
 * connection, HTTP requests too. An HTTP request on a port with the HTTP listener 0.0.0.0:PORT goes
 * by its Host (istioEndpointHost); one whose Host names no virtual host is refused too (block_all).
 * Undefined: the connection goes on.
 */
function istioEndpointAddress(w: Walk, address: Address, port: number): RequestAnswer | undefined {
  const pod = istioSidecarClient(w);
  if (!pod) return undefined;
  const scope = istioSidecarScope(w.ctx.inv.mesh, pod);
  if (scope.policy.mode !== "REGISTRY_ONLY" || headlessListenerHolds(w, scope, address, port)) return undefined;
  return unregistered(w, scope, port, `${formatAddress(address)} port ${port} is an endpoint's address, not a Service's: the sidecar's registry has no listener for it (only an imported headless Service's TCP and sniffed ports have one per endpoint)${speaksHttp(w.req) && istioHttpListenerAt(w.ctx.inv, scope, port) ? `, and the request's Host ${requestName(hostHeaderRequest(w.req)) ?? "(none)"} names no virtual host of the route configuration ${port}` : ""}; ${scope.policy.why}`);
}

/** A host of a ServiceEntry exported to an Istio sidecar client's namespace, dialled by that client: the name, the port and the entry. */
function istioNamedEntry(w: Walk): { entry: IstioServiceEntry; name: string; port: number } | undefined {
  const pod = istioSidecarClient(w);
  if (!pod) return undefined;
  const hp = splitHostPort(w.req.host ?? "", w.req.port ?? defaultPort(w.req));
  if (hp.port === undefined || parseAddress(hp.name)) return undefined;
  const entry = serviceEntryNamed(w.ctx.inv.mesh, istioSidecarScope(w.ctx.inv.mesh, pod), hp.name, hp.port);
  return entry && { entry, name: hp.name, port: hp.port };
}

/**
 * An Istio sidecar client's request to a ServiceEntry host (the name is no cluster Service's): the
 * sidecar's registry has it, whatever its outboundTrafficPolicy. The HTTPRoutes and GRPCRoutes bound
 * to the entry route it (atEntryRoutes); without them it goes to the entry (toServiceEntry).
 */
function atServiceEntry(w: Walk, entry: IstioServiceEntry, name: string, port: number): RequestAnswer {
  const se = `ServiceEntry ${entry.namespace}/${entry.name}`;
  step(w, "entry", "passed", `${name} is a host of ${se} (${entry.location}), exported to the client's namespace: the sidecar's registry has it (the name resolves outside the cluster's DNS, or by Istio's DNS proxy)`);
  const pod = istioSidecarClient(w)!;
  const scope = istioSidecarScope(w.ctx.inv.mesh, pod);
  const host = entryHostNamed(entry, name);
  const imports = (namespace: string) => scopeImportsRoutes(scope, namespace, entryHost(entry, port, [host]));
  return atEntryRoutes(w, entry, name, port, undefined, { namespace: pod.namespace, imports, pod }, "");
}

/**
 * The routes bound to a ServiceEntry (ServiceEntry parents) that the client's Istio sidecar, or the
 * waypoint in front of the entry (`client.waypoint`), applies to a connection for `name` at `port`:
 * on the proxy's HTTP filter chain (registry.ts entryChain) its HTTPRoutes and GRPCRoutes
 * (mesh/engine.ts entryRoutesFor; a request no rule matches gets 404: no default route, pilot makes
 * the VirtualService of the routes' rules only), on its TCP or TLS chain its TCPRoutes or TLSRoutes
 * (route.ts routeAtEntryL4); one a rule sends to a backend goes there; without routes, to the entry
 * (toServiceEntry). `where` leads the routing step (the registry or the waypoint it went by), else the entry's name does.
 */
function atEntryRoutes(w: Walk, entry: IstioServiceEntry, name: string, port: number, dialled: Address | undefined, client: { namespace?: string; waypoint?: WaypointRef; imports?: (namespace: string) => boolean; pod?: Endpoint }, where: string): RequestAnswer {
  const se = `ServiceEntry ${entry.namespace}/${entry.name}`;
  const chain = entryChain(entry, port, w.req);
  const host = entryHostNamed(entry, name);
  const bound = chain ? routeAtEntryL4(w.ctx.mesh, entry, host, port, chain, client, hostHeaderRequest(w.req), w.res) : routeAtEntry(w.ctx.mesh, entry, host, port, client, hostHeaderRequest(w.req), w.res);
  if (!bound) {
    const refused = w.ctx.mesh.istioRefusedAt({ entry });
    const why = !chain ? `no HTTPRoute or GRPCRoute bound to ${se} applies to this client${refused ? ` (${refused})` : ""}` : `the proxy takes ${se} port ${port} on a TCP or TLS filter chain: HTTPRoutes and GRPCRoutes do not apply, and no ${client.waypoint ? "TLSRoute naming its host or TCPRoute" : chain === "tls" ? "TLSRoute" : "TCPRoute"} bound to it applies to this client`;
    step(w, "routing", where ? "passed" : "bypassed", where ? `${where}; ${why}` : why);
    return toServiceEntry(w, entry, name, port, dialled);
  }
  const router = client.waypoint ? { namespace: client.waypoint.namespace, name: `waypoint ${client.waypoint.namespace}/${client.waypoint.name}` } : client.namespace !== undefined ? { namespace: client.namespace, name: "the client's sidecar", sidecar: true } : undefined;
  return afterRoutes(w, bound, `${where || se}, `, () => toServiceEntry(w, entry, name, port, dialled), undefined, router);
}

/**
 * Where a connection to a ServiceEntry at `port` goes (registry.ts entryTargets): resolution NONE,
 * `dialled` (the address the client dialled), else its single address, else the address `name`
 * resolves to, outside the model; else its endpoints: the pods its workloadSelector selects, or its
 * `endpoints` (the network policies judge the hop to them, not to the address dialled), or the
 * address its host resolves to (DNS). `l4`: ztunnel carries it without a waypoint, and finding no
 * endpoint it fails the connection (outbound.rs build_request: Error::NoHealthyUpstream); a proxy answers 503.
 * `w.client` connects (an Istio gateway's pod for its route's `Hostname` backend, gateway-entry.ts).
 */
export function toServiceEntry(w: Walk, entry: IstioServiceEntry, name: string, port: number, dialled?: Address, l4 = false): RequestAnswer {
  const se = `ServiceEntry ${entry.namespace}/${entry.name}`;
  w.res.backend = se;
  const targets = entryTargets(w.ctx.inv, entry, port, entryHostNamed(entry, name), (a) => w.ctx.dns.endpointAt(a));
  if (targets === "original") {
    if (dialled) return toAddress(w, dialled, port);
    const one = entry.addresses.length === 1 && (entry.addresses[0].family === 4 ? entry.addresses[0].prefix === 32 : entry.addresses[0].prefix === 128) ? entry.addresses[0].first : undefined;
    return toAddress(w, one !== undefined ? { family: entry.addresses[0].family, value: one } : undefined, port, one !== undefined ? undefined : name);
  }
  if (!targets.length && l4) {
    step(w, "backend", "decided", `${se} has no endpoint: ztunnel finds no upstream`);
    return refuse(w, "failed", `no endpoint serves ${se} at port ${port}: ztunnel fails the connection (no healthy upstream)`);
  }
  const note = entry.workloadSelector ? `the pods of namespace ${entry.namespace} its workloadSelector selects` : `the endpoints of ${se}`;
  const named = targets.filter((t) => t.hostname !== undefined);
  const serving = targets.filter((t) => t.hostname === undefined).map((t) => ({ ...(t.endpoint ? { endpoint: t.endpoint } : {}), ...(t.address ? { address: t.address } : {}), port: t.port }));
  if (named.length) {
    // Endpoints that are host names share the connections with the addressed ones: a sidecar's STRICT_DNS cluster resolves
    // each (cluster.go convertResolution: DNS -> STRICT_DNS, one lb endpoint per endpoint), ztunnel picks one of the entry's
    // workloads at random (state.rs load_balance choose_weighted) and resolves a host name's on demand (resolve_on_demand_dns).
    const names = named.map((t) => `${t.hostname} port ${t.port}`).join(", ");
    const hop = serving.length ? checkHop(w.ctx.policy, w.client!, serving, protocolOf(w.req)) : undefined;
    if (!hop || !hop.verdict.allowed) {
      if (hop) step(w, "network", "passed", `${note}: the policies deny the connection to every addressed endpoint (${hop.endpoints}, e.g. ${servingName(hop.to)} port ${hop.to.port}); those balanced to ${names} leave the model`);
      else if (named.length > 1) step(w, "backend", "passed", `${se}'s endpoints are host names (${names}): the proxy balances over what they resolve to`);
      return toAddress(w, undefined, named[0].port, named[0].hostname);
    }
    step(w, "backend", "passed", `${se}'s endpoints include host names (${names}) besides addresses: the proxy balances over all of them, and the connections balanced to a host name leave the model unjudged`);
  }
  // ztunnel sent it as addressed to the entry (a service): the pod's workload waypoint is not taken (outbound.rs build_request:
  // "Don't traverse waypoint if traffic was addressed to a service"); the authorizers hear of the entry (l7/authorizer.ts hopOf).
  if (l4) w.serviceEntry = entry;
  if (!serving.length || serving.some((t) => t.endpoint)) return serve(w, w.client!, { known: true, serving, note }, true);
  return toAddresses(w, serving, note);
}

/**
 * An Istio ambient client's connection to a ServiceEntry (`find`: ambientServiceEntryAt for an
 * address dialled, ambientServiceEntryNamed for a host, which ztunnel's DNS proxy resolves to the
 * entry's address; the entry ztunnel ranks first for the client's namespace, whatever the port).
 * With a waypoint (its label istio.io/use-waypoint, else its namespace's: waypoint.ts
 * serviceWaypoint), ztunnel sends it there (outbound.rs build_request: fetch_service_waypoint
 * before any port check), whose policies attached to the entry decide (policyattachment.go
 * ShouldAttachPolicy: targetRefs of kind ServiceEntry); the HTTPRoutes bound to the entry route it
 * there (atEntryRoutes), else it goes to the entry's destination (toServiceEntry); a port the entry
 * does not declare matches no filter chain of the waypoint (listener_waypoint.go: its VIP, then its
 * service ports), the connection fails. Without one ztunnel sends it on at L4 (fetch_upstream): to the
 * entry's endpoints (toServiceEntry: the pods its workloadSelector selects, whose own policies
 * apply), or passes it through (resolution NONE); a port it does not declare finds no upstream (state.rs
 * load_balance "Port doesn't exist on the service at all": Error::NoHealthyUpstream). Undefined when
 * the client is not ambient or no entry takes the address: it goes as before.
 */
function ambientEntry(w: Walk, find: (namespace: string | undefined) => IstioServiceEntry | undefined, name: string, dialled: Address | undefined, port: number): RequestAnswer | undefined {
  const member = w.res.clientMesh!;
  if (!member.inMesh || member.dataplane !== "ambient" || proxyMesh(w.ctx.inv, member) !== "istio") return undefined;
  const entry = find(w.client?.endpoint?.namespace);
  if (!entry) return undefined;
  const use = requestWaypoint(w.ctx.inv, { ambientClient: true, serviceEntry: entry });
  const se = `ServiceEntry ${entry.namespace}/${entry.name}`;
  if (!dialled) step(w, "entry", "passed", `${name} is a host of ${se}: ztunnel's DNS proxy answers it with the entry's address`);
  const declared = entry.ports.some((p) => p.number === port);
  const at = `${name} port ${port} is ${dialled ? "an address" : "a host"} of ${se}`;
  if (use.waypoint) {
    const via = `ztunnel sends the connection to waypoint ${use.waypoint.namespace}/${use.waypoint.name} (${use.why})`;
    if (!declared) {
      const reason = `${at}: ${via}, which has no filter chain for port ${port}: ${se} does not declare it`;
      step(w, "routing", "decided", reason);
      return refuse(w, "failed", reason);
    }
    w.serviceEntry = entry;
    return atEntryRoutes(w, entry, name, port, dialled, { waypoint: use.waypoint }, `${at}: ${via}`);
  }
  if (!declared && entry.resolution !== "NONE") {
    const reason = `${at}, which uses no waypoint (${use.why}) and does not declare port ${port}: ztunnel finds no upstream and fails the connection`;
    step(w, "routing", "decided", reason);
    return refuse(w, "failed", reason);
  }
  step(w, "routing", "bypassed", `${at}, which uses no waypoint (${use.why}): ztunnel carries the connection at L4 and applies no route; ${entry.resolution === "NONE" ? "resolution NONE: it passes it through to the address dialled" : "it sends it to the entry's endpoints"}`);
  return toServiceEntry(w, entry, name, port, dialled, true);
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
