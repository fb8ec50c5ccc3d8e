// Mesh routing (GAMMA, GEP-1294 and the mesh overview): HTTPRoutes, GRPCRoutes, TLSRoutes and
// TCPRoutes whose parentRef is a Service bind to the Service's frontend (its name and cluster IP), to
// one port (parentRef.port or sectionName = the port's name) or to every port; Istio's and Linkerd's
// controllers read parentRef.port only and ignore sectionName (ServiceParent.proxyPorts). A route in the
// Service's namespace is a producer route and applies to every client; a route in another namespace
// is a consumer route and applies only to clients of its own namespace, which then use their consumer
// routes instead of the producer routes (Linkerd's: beside them, linkerdRoutesFor). On one Service port
// GRPCRoute wins over HTTPRoute over TLSRoute over TCPRoute (the loser is Conflicted; Linkerd's status
// controller: on an identical parentRef, linkerdRoutesFor); an Istio sidecar reads them as pilot's
// VirtualServices instead (istioVirtualService). Backends may be in any namespace without a
// ReferenceGrant; route hostnames are not used (but by Linkerd's proxy, gateway/precedence.ts, and as
// TLSRoute SNI names by Istio's sidecar, mesh/route.ts ISTIO_L4). Istio also binds HTTPRoutes and
// GRPCRoutes to a ServiceEntry (EntryParent): VirtualServices by entry host (entryRoutesFor).

import type { Service, ServicePort } from "../../model/endpoint.js";
import type { Inventory } from "../../model/inventory.js";
import type { IstioServiceEntry, LinkerdEgressNetwork } from "../../model/mesh.js";
import { serviceHost } from "./dns.js";
import { egressNetworkOverlap } from "./egress.js";
import { ambientServices, type AmbientService } from "./registry.js";
import { untimedTie } from "../../model/time.js";
import { USE_WAYPOINT } from "./waypoint.js";
import { MeshMembership } from "./membership.js";
import { hostnameWithNamespace, isIstioHostname, istioHostnameBackend } from "./hostname-backend.js";
import { compareAge, GATEWAY_GROUP, type ObjectMeta, isEgressNetworkParent, isServiceEntryParent, isServiceParent, LINKERD_POLICY_GROUP, linkerdOutboundIgnored, routeKey, type BackendRef, type ParentRef, type Route, type RouteKind, type RouteRule } from "../../model/route.js";
import { BackendIndex, type ResolvedBackend } from "../gateway/backends.js";
import type { Problem } from "../gateway/conditions.js";
import { allBackendRefs, droppedRules } from "../gateway/engine.js";
import type { Routable } from "../gateway/precedence.js";

/**
 * Route kinds that bind to Service parents, most specific first (GEP-1294 "Route types", GEP-1426;
 * linkerd2 policy-controller/k8s/status/src/index.rs parent_has_conflicting_routes: GRPCRoute, then
 * HTTPRoute, TLSRoute, TCPRoute). UDPRoute binds to no Service.
 */
export const MESH_ROUTE_KINDS = ["GRPCRoute", "HTTPRoute", "TLSRoute", "TCPRoute"] as const;
export type MeshRouteKind = (typeof MESH_ROUTE_KINDS)[number];
/** The kinds whose rules match HTTP requests. */
export const HTTP_MESH_KINDS: readonly RouteKind[] = ["GRPCRoute", "HTTPRoute"];

export type RouteRole = "producer" | "consumer";

export interface ServiceParent {
  ref: ParentRef;
  service?: Service;
  role: RouteRole;
  /** The Service ports the route binds to through this parentRef, as the Gateway API reads it (`port`, and `sectionName` naming a port). */
  ports: ServicePort[];
  /**
   * The Service ports Istio's and Linkerd's controllers bind it to: `port` alone, every port without
   * it; `sectionName` is ignored (istio pilot/pkg/config/kube/gateway/route_collections.go: a mesh
   * parent narrows the VirtualService with augmentPortMatch(OriginalReference.Port) only, and
   * referenceAllowed checks neither for a Service; linkerd2 policy-controller/k8s/status/src/routes/
   * http.rs to_parent_ref keeps (namespace, name, port), the status it writes has section_name None,
   * and k8s/index/src/outbound/index.rs applies a parentRef without a port to every port of the
   * Service). Empty when the Service is missing or has no frontend.
   */
  proxyPorts: ServicePort[];
  /** Ports where a more specific route kind took the port (GRPCRoute over HTTPRoute). */
  conflicted: ServicePort[];
  /** Accepted=False when set. */
  rejected?: Problem;
  /**
   * Why Linkerd's status controller writes Accepted False (RouteReasonConflicted) for this parentRef:
   * a route of a more specific kind names the identical parentRef (its namespace, name and port).
   */
  linkerdConflict?: string;
}

/** An EgressNetwork parent (policy.linkerd.io; Linkerd clients only): the network, or why Linkerd's status controller does not accept the route there. */
export interface EgressParent {
  ref: ParentRef;
  network?: LinkerdEgressNetwork;
  rejected?: string;
  linkerdConflict?: string;
}

/**
 * A ServiceEntry parent (networking.istio.io; Istio only), as pilot/pkg/config/kube/gateway/
 * conversion.go referenceAllowed reads it: the entry must exist (else NoMatchingParent "parent
 * service entry: %q not found"); neither `port` nor `sectionName` is checked. `waypoint`: the
 * ResolvedWaypoints message (the entry, else its namespace, lacks the label istio.io/use-waypoint:
 * ambient clients do not get its routes).
 */
export interface EntryParent {
  ref: ParentRef;
  entry?: IstioServiceEntry;
  rejected?: Problem;
  waypoint: string;
}

export interface MeshRouteState {
  route: Route;
  parents: ServiceParent[];
  egressParents: EgressParent[];
  entryParents: EntryParent[];
  /** Every backendRef resolved as the mesh resolves it (no ReferenceGrant needed). */
  backends: Map<BackendRef, ResolvedBackend>;
  unresolved?: Problem;
  /**
   * A conversion error that makes istiod program nothing of the route for the mesh (pilot/pkg/config/
   * kube/gateway/route_collections.go computeRoute convertRules: "This was a hard error", no routes):
   * no Istio proxy reads it; `unresolved` reports it (ResolvedRefs False).
   */
  istioRefused?: Problem;
  /** Rules dropped for an invalid regular expression (as on a Gateway). */
  dropped: Map<RouteRule, string>;
}

/** The routes that apply to one client's requests to one Service port. */
export interface PortRoutes {
  role: RouteRole;
  /** The namespace whose routes apply. */
  namespace: string;
  routes: Routable[];
  /** Routes of the namespace whose routes apply that the client's proxy does not read, and why (an Istio sidecar: its VirtualServices after the first). */
  shadowed?: { state: MeshRouteState; why: string }[];
}

/**
 * One VirtualService pilot makes of mesh HTTP routes (pilot/pkg/config/kube/gateway/
 * route_collections.go HTTPRouteCollection, GRPCRouteCollection: "for mesh routes, build one VS per
 * namespace/port->host", key `routeNamespace[/port]/host`, the host the Service's, or each of a
 * ServiceEntry parent's hosts, "if parent.InternalKind == gvk.ServiceEntry { vsHosts =
 * ses.Spec.Hosts }"; controller.go merges the HTTPRoutes' and GRPCRoutes' of one key into one,
 * mergeHTTPRoutes, named by the key with `~` for `/`, created when the oldest of its routes was).
 */
export interface IstioMeshVirtualService {
  /** namespace~[port~]HOST (a Service's NAME.NS.svc.cluster.local, or a ServiceEntry's host) */
  name: string;
  namespace: string;
  /** parentRef.port: the VirtualService has routes on that port only (augmentPortMatch); unset: on every port. */
  port?: number;
  routes: MeshRouteState[];
  /** The oldest of its routes (sortRoutesByCreationTime; its CreationTimestamp is the merged one's). */
  oldest: Route;
}

/** What Linkerd's outbound index holds for one client namespace and Service port, by kind (both groups' HTTPRoutes as HTTPRoute). */
export interface LinkerdPortRoutes {
  role: RouteRole;
  namespace: string;
  byKind: Map<MeshRouteKind, MeshRouteState[]>;
  /** Routes bound there that the index leaves out, and why (a conversion the controller fails, a conflict its status controller wrote). */
  left: { state: MeshRouteState; why: string }[];
}

const serviceKey = (namespace: string, name: string) => `${namespace}/${name}`;
/** A Service port: `ns/name:port`. */
const servicePortKey = (s: Service, p: ServicePort) => `${s.namespace}/${s.name}:${p.port}`;
const portKey = (s: Service, p: ServicePort, routeNamespace: string) => `${servicePortKey(s, p)}|${routeNamespace}`;

/** A route bound to a Service port through one of its parentRefs. */
interface Binding { state: MeshRouteState; parent: ServiceParent; port: ServicePort }

/**
 * Pilot's order of the configs it makes of mesh routes (pilot/pkg/model/config.go
 * configCompareByCreationTime: "CreationTimestamp.Compare", then "strings.Compare(a.Name, b.Name)",
 * then the namespace; Go's string order, code points, not the locale's): older first. A route without
 * creationTimestamp is not yet applied, the newest (model/time.ts compareCreated), and of two without
 * one the first in the input is the older (model/route.ts compareAge: `kubectl apply -f` creates them
 * in that order, and the API server stamps the configs pilot makes of them); applied within one second
 * they would tie and the name would decide (the answers note it: untimedInputOrder). A merged
 * VirtualService (one with `oldest`) is as old as the oldest of its routes (route_collections.go
 * mergeHTTPRoutes: the first after sortRoutesByCreationTime, time then namespace then name) and named
 * by its key. The one rule for HTTPRoutes, GRPCRoutes, TLSRoutes and TCPRoutes at a sidecar or a waypoint.
 */
export function pilotConfigOrder(a: ObjectMeta | IstioMeshVirtualService, b: ObjectMeta | IstioMeshVirtualService): number {
  return compareAge(pilotAge(a), pilotAge(b)) || goCompare(a.name, b.name) || goCompare(a.namespace, b.namespace);
}

const goCompare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
const pilotAge = (c: ObjectMeta | IstioMeshVirtualService): ObjectMeta => ("oldest" in c ? c.oldest : c);

/**
 * The note for an answer where pilotConfigOrder put `first` (a route or a VirtualService of routes)
 * before `second` by the input order alone: neither has a creationTimestamp (model/time.ts untimedTie).
 * Undefined when a timestamp decided, or `first` is not the earlier in the input.
 */
export function untimedInputOrder(first: Route | IstioMeshVirtualService, second: Route | IstioMeshVirtualService): string | undefined {
  const age = (c: Route | IstioMeshVirtualService): Route => ("oldest" in c ? c.oldest : c);
  const [a, b] = [age(first), age(second)];
  if (a === b || a.order > b.order) return undefined;
  const label = (c: Route | IstioMeshVirtualService, r: Route) => ("oldest" in c ? `${routeKey(r)} (the oldest route of VirtualService ${c.name})` : routeKey(r));
  return untimedTie({ created: a.created, label: label(first, a) }, { created: b.created, label: label(second, b) }, "pilot's order (by name, then namespace)", true);
}

/** Which reading of the parentRefs a client's proxy follows: the Gateway API's (`port` and `sectionName`), or Istio's and Linkerd's (`port` only). */
export type ParentReading = "gamma" | "proxy";

export class MeshEngine {
  readonly routes: MeshRouteState[] = [];
  private byRoute = new Map<Route, MeshRouteState>();
  /** Service port + route namespace → the routes bound there (after kind conflicts), by the Gateway API's reading of the parentRefs. */
  private bound = new Map<string, MeshRouteState[]>();
  /**
   * Service port → the TCPRoutes and TLSRoutes bound there by Istio's reading (ServiceParent.proxyPorts),
   * of every namespace (istioRoutesAt): other filter chains of the sidecar read them (mesh/route.ts
   * istioChain), whatever HTTP routes are bound.
   */
  private proxyAt = new Map<string, MeshRouteState[]>();
  /** Service port → the VirtualServices pilot makes of the HTTPRoutes and GRPCRoutes bound there (istioVirtualService). */
  private istioVs = new Map<string, IstioMeshVirtualService[]>();
  /** ServiceEntry host → the VirtualServices pilot makes of the HTTPRoutes and GRPCRoutes whose ServiceEntry parent has that host (entryRoutesFor). */
  private istioEntryVs = new Map<string, IstioMeshVirtualService[]>();
  /** Service port + route namespace → every binding by the proxies' reading, accepted but for kind conflicts (Linkerd's index). */
  private bindings = new Map<string, Binding[]>();
  /** EgressNetwork + route namespace → the bindings to it (those Linkerd does not accept say why, linkerdIndex). */
  private egressBindings = new Map<string, { state: MeshRouteState; parent: EgressParent }[]>();

  private ambient?: AmbientService[];
  /** The backends as the mesh resolves them (no ReferenceGrant needed). */
  readonly backendIndex: BackendIndex;
  private membership?: MeshMembership;
  /** Which pods run which mesh's proxy (membership.ts), worked out once asked: the backends' own proxies (mesh/route.ts serverProxy). */
  get members(): MeshMembership { return (this.membership ??= new MeshMembership(this.inv)); }
  constructor(readonly inv: Inventory) {
    const services = new Map(inv.services.map((s) => [serviceKey(s.namespace, s.name), s]));
    const backends = this.backendIndex = new BackendIndex(inv);
    for (const route of inv.routing.routes) {
      const refs = dedupe(route.parentRefs.filter(isServiceParent));
      const egress = dedupe(route.parentRefs.filter(isEgressNetworkParent));
      // Only Istio reads ServiceEntry parents: not on Linkerd's own HTTPRoutes, nor on UDPRoutes (it has no UDPRoute controller).
      const entries = route.group === undefined && (MESH_ROUTE_KINDS as readonly string[]).includes(route.kind) ? dedupe(route.parentRefs.filter(isServiceEntryParent)) : [];
      if (!refs.length && !egress.length && !entries.length) continue;
      const state = this.resolveBackends(route, backends);
      state.parents = refs.map((ref) => bindParent(route, ref, services.get(serviceKey(ref.namespace, ref.name))));
      state.egressParents = egress.map((ref) => this.bindEgress(state, ref));
      state.entryParents = entries.map((ref) => this.bindEntry(ref));
      this.routes.push(state);
      this.byRoute.set(route, state);
    }
    this.bindPorts();
    this.linkerdConflicts();
  }

  /** The mesh state of a route, if it has Service, EgressNetwork or ServiceEntry parents. */
  /** ztunnel's services of the ServiceEntries (registry.ts ambientServices), built on the first ambient connection that asks. */
  ambientServices(): readonly AmbientService[] {
    return this.ambient ??= ambientServices(this.inv);
  }

  /**
   * Why no Istio proxy reads the routes bound to the Service port (or a ServiceEntry parent) that
   * istiod failed to convert (MeshRouteState.istioRefused), for the answer to say; undefined when none is.
   */
  istioRefusedAt(parent: { service: Service; port: ServicePort } | { entry: IstioServiceEntry }): string | undefined {
    const at = this.routes.filter((st) => st.istioRefused && ("entry" in parent
      ? st.entryParents.some((p) => p.entry === parent.entry && !p.rejected)
      : st.parents.some((p) => p.service === parent.service && p.proxyPorts.includes(parent.port))));
    return at.length ? at.map((st) => `${routeKey(st.route)} is bound there, but istiod programs nothing of it (${st.istioRefused!.message})`).join("; ") : undefined;
  }

  /**
   * A Linkerd parent's own backend, where its policy controller sends a route rule without backendRefs
   * (grpc/src/outbound/http.rs convert_outbound_route: `FirstAvailable` of the parent's `backend`): the
   * Service at the port (resolved as a mesh backend), or the EgressNetwork (its original destination).
   */
  linkerdParentBackend(parent: { kind: "service"; service: Service; port: ServicePort } | { kind: "egress"; network: LinkerdEgressNetwork; port: number }): ResolvedBackend {
    if (parent.kind === "egress") {
      const { namespace, name } = parent.network;
      return { ref: { group: LINKERD_POLICY_GROUP, kind: "EgressNetwork", namespace, name, port: parent.port, weight: 1, filters: [] }, name: `${namespace}/${name}` };
    }
    const { namespace, name } = parent.service;
    return this.backendIndex.resolve({ group: GATEWAY_GROUP, kind: "HTTPRoute", namespace }, { group: "", kind: "Service", namespace, name, port: parent.port.port, weight: 1, filters: [] }, false);
  }

  state(route: Route): MeshRouteState | undefined {
    return this.byRoute.get(route);
  }

  /**
   * The routes that apply to requests from `clientNamespace` to the Service port: its consumer routes,
   * else the producer routes, bound by the Gateway API's reading of the parentRefs or by Istio's
   * (`reading`). Linkerd's own HTTPRoutes (policy.linkerd.io, Route.group) are left out: only Linkerd's
   * proxies read them, and a Linkerd client asks linkerdRoutesFor.
   */
  routesFor(service: Service, port: ServicePort, clientNamespace: string | undefined, reading: ParentReading = "gamma", kinds: readonly RouteKind[] = HTTP_MESH_KINDS, imports?: (namespace: string) => boolean): PortRoutes | undefined {
    if (reading === "proxy") return this.istioVirtualService(service, port, clientNamespace, kinds, imports);
    const bound = this.bound;
    const read = (list: MeshRouteState[] | undefined) => list?.filter((s) => kinds.includes(s.route.kind) && s.route.group === undefined);
    const consumer = clientNamespace !== undefined && clientNamespace !== service.namespace ? read(bound.get(portKey(service, port, clientNamespace))) : undefined;
    if (consumer?.length) return { role: "consumer", namespace: clientNamespace!, routes: consumer.map(routable) };
    const producer = read(bound.get(portKey(service, port, service.namespace)));
    return producer?.length ? { role: "producer", namespace: service.namespace, routes: producer.map(routable) } : undefined;
  }

  /**
   * The routes an Istio sidecar of `clientNamespace` applies at the Service port: those of one
   * VirtualService (IstioMeshVirtualService), the first that has routes on the port (networking/core/
   * httproute.go buildSidecarOutboundHTTPRouteConfig: a later one makes the same virtual host
   * `host:port`, "duplicate domain from virtual service", and is dropped). Pilot's order: the client
   * namespace's Gateway API VirtualServices first (model/virtualservice.go SelectVirtualServices with
   * PILOT_UNIFIED_SIDECAR_SCOPE, on by default: "gwMatch"), then the others, each by creation time,
   * then name, then namespace (virtualservice_controller.go sortMergedVirtualServicesByCreationTime,
   * config.go configCompareByCreationTime); only the client's and the Service's namespaces count
   * (route/route.go buildSidecarVirtualHostsForVirtualService, UseGatewaySemantics). So HTTPRoutes and
   * GRPCRoutes of one namespace and `port` merge (neither kind wins), while a route with `port` and
   * one without are two VirtualServices of which one applies. `imports`: whether the sidecar's Sidecar
   * imports the VirtualServices of a namespace for the Service (registry.ts scopeImportsRoutes).
   */
  private istioVirtualService(service: Service, port: ServicePort, clientNamespace: string | undefined, kinds: readonly RouteKind[], imports?: (namespace: string) => boolean): PortRoutes | undefined {
    return sidecarVirtualService(this.istioVirtualServicesAt(service, port, clientNamespace), `Service ${service.namespace}/${service.name} port ${port.port}`, service.namespace, kinds, imports);
  }

  /**
   * The routes an Istio sidecar of `clientNamespace` applies to a request for `host` (one of the
   * ServiceEntry's hosts) at `port`: as for a Service (istioVirtualService), the first of the
   * VirtualServices for the host made of routes with a ServiceEntry parent that has it, of the
   * client's namespace and the entry's (route/route.go buildSidecarVirtualHostsForVirtualService:
   * `s.Attributes.Namespace`, the entry's, or `node.ConfigNamespace`).
   */
  entryRoutesFor(entry: IstioServiceEntry, host: string, port: number, clientNamespace: string | undefined, imports?: (namespace: string) => boolean): PortRoutes | undefined {
    return sidecarVirtualService(this.istioEntryVirtualServicesAt(entry, host, port, clientNamespace), `ServiceEntry ${entry.namespace}/${entry.name} host ${host} port ${port}`, entry.namespace, HTTP_MESH_KINDS, imports);
  }

  /**
   * The VirtualServices for a ServiceEntry's `host` at `port` an Istio proxy of `configNamespace`
   * reads, in pilot's order, as istioVirtualServicesAt: those of its namespace and the entry's (a
   * waypoint: listener_waypoint.go getVirtualServiceForWaypoint, `svc.Attributes.Namespace`), its
   * own first. One with `port` applies at that port only (augmentPortMatch).
   */
  istioEntryVirtualServicesAt(entry: IstioServiceEntry, host: string, port: number, configNamespace: string | undefined): IstioMeshVirtualService[] {
    return inPilotOrder((this.istioEntryVs.get(host) ?? []).filter((v) => v.port === undefined || v.port === port), entry.namespace, configNamespace);
  }

  /**
   * The VirtualServices of mesh HTTP routes for the Service port that an Istio proxy of
   * `configNamespace` reads, in pilot's order (istioVirtualService): those of its namespace and the
   * Service's (a sidecar: route/route.go buildSidecarVirtualHostsForVirtualService; a waypoint:
   * listener_waypoint.go getVirtualServiceForWaypoint, "We only allow routes in the same namespace as
   * the service or in the waypoint's own namespace"), its own namespace's first, then by creation
   * time, name and namespace. A sidecar applies the first; a waypoint all of them, one after another.
   */
  istioVirtualServicesAt(service: Service, port: ServicePort, configNamespace: string | undefined): IstioMeshVirtualService[] {
    return inPilotOrder(this.istioVs.get(servicePortKey(service, port)) ?? [], service.namespace, configNamespace);
  }

  /**
   * The TCPRoutes or TLSRoutes (`kinds`) whose ServiceEntry parent is `entry`, for its `host` at
   * `port`, of every namespace: pilot/pkg/config/kube/gateway/route_collections.go
   * TCPRouteCollection and TLSRouteCollection make their VirtualServices for the entry's hosts as
   * HTTPRouteCollection does ("if parent.InternalKind == gvk.ServiceEntry { vsHosts =
   * ses.Spec.Hosts }"; augmentTCPPortMatch, augmentTLSPortMatch: the parentRef's port only, when
   * set), and a proxy's TCP and TLS filter chains read every namespace's (istioRoutesAt).
   */
  istioEntryRoutesAt(entry: IstioServiceEntry, host: string, port: number, kinds: readonly RouteKind[]): MeshRouteState[] {
    if (!entry.hosts.includes(host)) return [];
    return this.routes.filter((s) => kinds.includes(s.route.kind) && s.route.group === undefined && !s.istioRefused
      && s.entryParents.some((p) => p.entry === entry && !p.rejected && (p.ref.port === undefined || p.ref.port === port)));
  }

  /**
   * Every route of `kinds` bound to the Service port by Istio's reading, whatever its namespace: an
   * Istio sidecar's TCP and TLS filter chains read the VirtualServices of every namespace for the
   * Service's host (pilot/pkg/networking/core/listener.go buildSidecarOutboundTCPListenerOpts:
   * getConfigsForHost("", ...), "Do not filter namespace for now", istio#46146), where its HTTP routes
   * keep only the client's and the Service's namespaces (route/route.go
   * buildSidecarVirtualHostsForVirtualService). mesh/route.ts orders them.
   */
  istioRoutesAt(service: Service, port: ServicePort, kinds: readonly RouteKind[]): MeshRouteState[] {
    return (this.proxyAt.get(servicePortKey(service, port)) ?? []).filter((s) => kinds.includes(s.route.kind) && s.route.group === undefined);
  }

  /**
   * What Linkerd's outbound index gives a client of `clientNamespace` for the Service port
   * (policy-controller/k8s/index/src/outbound/index.rs resource_routes_or_default: producer routes,
   * and the consumer routes of the client's namespace, of each kind): the routes whose Service parent
   * its status controller accepts (a route only applies once `Accepted`, route_accepted_by_resource_port
   * and route_accepted_by_service; a more specific kind on the identical parentRef makes it
   * Conflicted, status/src/index.rs parent_has_conflicting_routes) and that it converts
   * (linkerdOutboundIgnored; a TLSRoute or TCPRoute needs exactly one rule, tcp.rs / tls.rs
   * convert_route: "TCPRoute needs to have one rule"). Which kind the proxy then reads is
   * to_proto's choice (mesh/route.ts).
   */
  linkerdRoutesFor(service: Service, port: ServicePort, clientNamespace: string | undefined): LinkerdPortRoutes | undefined {
    const consumer = clientNamespace !== undefined && clientNamespace !== service.namespace ? this.bindings.get(portKey(service, port, clientNamespace)) ?? [] : [];
    const producer = this.bindings.get(portKey(service, port, service.namespace)) ?? [];
    return this.linkerdIndex([...consumer, ...producer], consumer.length > 0, consumer.length ? clientNamespace! : service.namespace);
  }

  /**
   * What Linkerd's outbound index gives a client of `clientNamespace` for an EgressNetwork's port, as
   * linkerdRoutesFor for a Service port: the routes whose parentRef names the EgressNetwork (and this
   * port, or none), its producer routes (in its namespace) and the client namespace's.
   */
  linkerdEgressRoutesFor(en: LinkerdEgressNetwork, port: number, clientNamespace: string | undefined): LinkerdPortRoutes | undefined {
    const key = (ns: string) => `${en.namespace}/${en.name}|${ns}`;
    const at = (list: { state: MeshRouteState; parent: EgressParent }[] | undefined) => (list ?? []).filter((b) => b.parent.ref.port === undefined || b.parent.ref.port === port);
    const consumer = clientNamespace !== undefined && clientNamespace !== en.namespace ? at(this.egressBindings.get(key(clientNamespace))) : [];
    const producer = at(this.egressBindings.get(key(en.namespace)));
    return this.linkerdIndex([...consumer, ...producer], consumer.length > 0, consumer.length ? clientNamespace! : en.namespace);
  }

  private linkerdIndex(list: { state: MeshRouteState; parent: { rejected?: unknown; linkerdConflict?: string } }[], consumer: boolean, namespace: string): LinkerdPortRoutes | undefined {
    if (!list.length) return undefined;
    const byKind = new Map<MeshRouteKind, MeshRouteState[]>();
    const left: LinkerdPortRoutes["left"] = [];
    for (const { state, parent } of list) {
      const why = (typeof parent.rejected === "string" ? parent.rejected : undefined) ?? parent.linkerdConflict ?? linkerdOutboundIgnored(state.route) ?? linkerdOneRule(state.route);
      if (why) { if (!left.some((l) => l.state === state)) left.push({ state, why }); continue; }
      const kinds = byKind.get(state.route.kind as MeshRouteKind) ?? [];
      if (!kinds.includes(state)) kinds.push(state);
      byKind.set(state.route.kind as MeshRouteKind, kinds);
    }
    return { role: consumer ? "consumer" : "producer", namespace, byKind, left };
  }

  /** An EgressNetwork parentRef (Linkerd's status controller: the network must exist in the input and be accepted, parent_condition_egress_network). */
  private bindEgress(state: MeshRouteState, ref: ParentRef): EgressParent {
    const network = this.inv.mesh.linkerd.egressNetworks.find((n) => n.namespace === ref.namespace && n.name === ref.name);
    const at = `EgressNetwork ${ref.namespace}/${ref.name}`;
    const overlap = network && egressNetworkOverlap(this.inv.mesh, network);
    const rejected = !network ? `${at} not found` : overlap ? `Linkerd's status controller does not accept ${at} (${overlap}), nor routes on it` : undefined;
    const parent: EgressParent = { ref, network, ...(rejected ? { rejected } : {}) };
    pushTo(this.egressBindings, `${ref.namespace}/${ref.name}|${state.route.namespace}`, { state, parent });
    return parent;
  }

  /**
   * A ServiceEntry parentRef (conversion.go referenceAllowed, `case gvk.ServiceEntry`): the entry must
   * exist; then whether it, else its namespace, has the label istio.io/use-waypoint (waypointConfigured:
   * set, and not "none" in any case), for the ResolvedWaypoints condition.
   */
  private bindEntry(ref: ParentRef): EntryParent {
    const entry = this.inv.mesh.istio.serviceEntries.find((e) => e.namespace === ref.namespace && e.name === ref.name);
    if (!entry) return { ref, rejected: { reason: "NoMatchingParent", message: `parent service entry: ${JSON.stringify(ref.name)} not found` }, waypoint: "parent not found" };
    const configured = (labels: Readonly<Record<string, string>> | undefined) => { const v = labels?.[USE_WAYPOINT]; return v !== undefined && v !== "" && v.toLowerCase() !== "none"; };
    const labelled = configured(entry.labels) || configured(this.inv.namespaces.get(entry.namespace)?.labels);
    return { ref, entry, waypoint: labelled ? "All waypoints resolved" : "istio.io/use-waypoint label missing from parent and parent namespace; in ambient mode, route will not be respected" };
  }

  private resolveBackends(route: Route, index: BackendIndex): MeshRouteState {
    const from = { group: GATEWAY_GROUP, kind: route.kind, namespace: route.namespace };
    const backends = new Map<BackendRef, ResolvedBackend>();
    // grpc/src/outbound/http.rs (tcp.rs, tls.rs) convert_backend: an EgressNetwork backend is the address dialled, on a
    // route whose parent is that EgressNetwork ("Route with EgressNetwork backend needs to have the same EgressNetwork as a parent").
    const egress = (ref: BackendRef): ResolvedBackend => route.parentRefs.some((p) => isEgressNetworkParent(p) && p.namespace === ref.namespace && p.name === ref.name)
      ? { ref, name: `${ref.namespace}/${ref.name}` }
      : { ref, name: `${ref.namespace}/${ref.name}`, problem: { reason: "InvalidKind", message: `EgressNetwork backend ${ref.namespace}/${ref.name} needs to be on a route that has it as a parent` } };
    for (const ref of allBackendRefs(route)) {
      backends.set(ref, ref.group === LINKERD_POLICY_GROUP && ref.kind === "EgressNetwork" ? egress(ref)
        : isIstioHostname(ref) && route.group === undefined ? istioHostnameBackend(this.inv, route, ref, index)
        : index.resolve(from, ref, false));
    }
    const problems = [...backends.values()].flatMap((b) => b.problem ? [b.problem] : []);
    const istioRefused = route.group === undefined ? hostnameWithNamespace(route) : undefined;
    const unresolved = istioRefused ?? (problems.length ? { reason: problems[0].reason, message: problems.map((p) => p.message).join("; ") } : undefined);
    return { route, parents: [], egressParents: [], entryParents: [], backends, unresolved, ...(istioRefused ? { istioRefused } : {}), dropped: droppedRules(route) };
  }

  /**
   * Groups bindings by Service port and route namespace, by both readings of the parentRefs; on a
   * port, GRPCRoutes take it from HTTPRoutes (the Gateway API's reading marks the losers Conflicted).
   */
  private bindPorts(): void {
    const spec = new Map<string, Binding[]>();
    for (const state of this.routes) {
      for (const parent of state.parents) {
        if (!parent.service) continue;
        if (!parent.rejected) for (const port of parent.ports) pushTo(spec, portKey(parent.service, port, state.route.namespace), { state, parent, port });
        for (const port of parent.proxyPorts) pushTo(this.bindings, portKey(parent.service, port, state.route.namespace), { state, parent, port });
      }
    }
    this.bound = byKind(spec, (b) => b.parent.conflicted.push(b.port));
    for (const list of this.bindings.values()) {
      for (const { state, port, parent } of list) {
        if (HTTP_MESH_KINDS.includes(state.route.kind) || state.istioRefused) continue;
        const at = servicePortKey(parent.service!, port);
        if (!this.proxyAt.get(at)?.includes(state)) pushTo(this.proxyAt, at, state);
      }
    }
    this.istioVirtualServices();
    for (const state of this.routes) {
      for (const p of state.parents) {
        if (!p.rejected && p.ports.length && p.conflicted.length === p.ports.length) {
          const winner = MESH_ROUTE_KINDS.find((kd) => p.conflicted.every((port) => this.bound.get(portKey(p.service!, port, state.route.namespace))?.some((s) => s.route.kind === kd)));
          p.rejected = { reason: "Conflicted", message: `a ${winner ?? "more specific route"} of namespace ${state.route.namespace} is bound to ${portList(p.conflicted)} of Service ${p.ref.namespace}/${p.ref.name}; ${MESH_ROUTE_KINDS.join(" over ")} (GEP-1294)` };
        }
      }
    }
  }

  /**
   * Groups the HTTPRoutes and GRPCRoutes with Service or ServiceEntry parents into pilot's
   * VirtualServices (IstioMeshVirtualService), indexed by the Service ports they have routes on, and
   * by the ServiceEntry hosts they are for.
   */
  private istioVirtualServices(): void {
    const byKey = new Map<string, IstioMeshVirtualService>();
    /** The VirtualService of the route's namespace, `port` and `host` with the route in it; `made` hears of one made now. */
    const add = (state: MeshRouteState, port: number | undefined, host: string, made: (vs: IstioMeshVirtualService) => void) => {
      const ns = state.route.namespace, key = `${ns}/${port ?? ""}/${host}`;
      const at = byKey.get(key);
      if (!at) {
        const vs: IstioMeshVirtualService = { name: [ns, ...(port !== undefined ? [String(port)] : []), host].join("~"), namespace: ns, ...(port !== undefined ? { port } : {}), routes: [state], oldest: state.route };
        byKey.set(key, vs);
        made(vs);
      } else if (!at.routes.includes(state)) {
        at.routes.push(state);
        if ((compareAge(state.route, at.oldest) || goCompare(state.route.name, at.oldest.name)) < 0) at.oldest = state.route;
      }
    };
    for (const state of this.routes) {
      if (!HTTP_MESH_KINDS.includes(state.route.kind) || state.route.group !== undefined || state.istioRefused) continue;
      for (const parent of state.parents) {
        const s = parent.service;
        if (!s || !parent.proxyPorts.length) continue;
        add(state, parent.ref.port, serviceHost(s), (vs) => { for (const p of parent.proxyPorts) pushTo(this.istioVs, servicePortKey(s, p), vs); });
      }
      for (const parent of state.entryParents) {
        if (!parent.entry || parent.rejected) continue;
        for (const host of parent.entry.hosts) add(state, parent.ref.port, host, (vs) => pushTo(this.istioEntryVs, host, vs));
      }
    }
  }

  /**
   * Linkerd's status controller: a parentRef named identically (kind, namespace, name, port; not
   * sectionName) by a route of a more specific kind (any namespace) is Conflicted. The routes are
   * indexed by parentRef once, so each parent looks at the routes naming it only.
   */
  private linkerdConflicts(): void {
    const rank = (r: Route) => (MESH_ROUTE_KINDS as readonly string[]).indexOf(r.kind);
    const key = (r: ParentRef) => `${r.kind}|${r.namespace}|${r.name}|${r.port ?? ""}`;
    const naming = new Map<string, MeshRouteState[]>();
    for (const state of this.routes) if (rank(state.route) >= 0) for (const p of [...state.parents, ...state.egressParents]) pushTo(naming, key(p.ref), state);
    for (const state of this.routes) {
      for (const p of [...state.parents, ...state.egressParents]) {
        const over = naming.get(key(p.ref))?.find((o) => rank(o.route) < rank(state.route));
        if (over) p.linkerdConflict = `Linkerd's status controller marks its parentRef Conflicted: ${routeKey(over.route)} names the same parentRef and ${over.route.kind} takes precedence over ${state.route.kind}`;
      }
    }
  }
}

/** VirtualServices in the order an Istio proxy of `configNamespace` reads them: its namespace's first, then pilotConfigOrder; only its namespace's and `ownerNamespace`'s (the Service's or ServiceEntry's). */
function inPilotOrder(list: readonly IstioMeshVirtualService[], ownerNamespace: string, configNamespace: string | undefined): IstioMeshVirtualService[] {
  const first = (v: IstioMeshVirtualService) => (v.namespace === configNamespace ? 0 : 1);
  return list.filter((v) => v.namespace === ownerNamespace || v.namespace === configNamespace).sort((a, b) => first(a) - first(b) || pilotConfigOrder(a, b));
}

/**
 * The routes of the first of `vss` (in pilot's order) that has routes of `kinds` and whose namespace
 * the sidecar imports: a later one makes the same virtual host and is dropped (MeshEngine.istioVirtualService).
 * `place` names the host and port, `ownerNamespace` is the Service's or ServiceEntry's.
 */
function sidecarVirtualService(all: readonly IstioMeshVirtualService[], place: string, ownerNamespace: string, kinds: readonly RouteKind[], imports?: (namespace: string) => boolean): PortRoutes | undefined {
  const read = (v: IstioMeshVirtualService) => v.routes.filter((s) => kinds.includes(s.route.kind));
  const vss = all.filter((v) => read(v).length && (!imports || imports(v.namespace)));
  if (!vss.length) return undefined;
  const [chosen, ...rest] = vss;
  const note = (v: IstioMeshVirtualService) => {
    const untimed = untimedInputOrder(chosen, v);
    return untimed ? ` (note: ${untimed})` : "";
  };
  const shadowed = rest.filter((v) => v.namespace === chosen.namespace).flatMap((v) => read(v).filter((s) => !chosen.routes.includes(s)).map((state) => ({ state, why: `Istio's sidecar applies the first VirtualService for ${place}, ${chosen.name} (${chosen.routes.map((s) => routeKey(s.route)).join(", ")}), and drops ${v.name} (a duplicate domain)${note(v)}` })));
  return { role: chosen.namespace === ownerNamespace ? "producer" : "consumer", namespace: chosen.namespace, routes: read(chosen).map(routable), ...(shadowed.length ? { shadowed } : {}) };
}

/** Appends to the list at `key` in place (a copy per append is quadratic in the routes bound to one port). */
function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value); else map.set(key, [value]);
}

/**
 * Per Service port and route namespace, the routes of the most specific kind bound there (of
 * `competing`, MESH_ROUTE_KINDS by default; the routes of other kinds all stay); `lost` hears of the
 * bindings that lose.
 */
function byKind(bindings: ReadonlyMap<string, readonly Binding[]>, lost?: (b: Binding) => void, competing: readonly RouteKind[] = MESH_ROUTE_KINDS): Map<string, MeshRouteState[]> {
  const out = new Map<string, MeshRouteState[]>();
  for (const [k, list] of bindings) {
    const kind = competing.find((kd) => list.some((b) => b.state.route.kind === kd));
    const keeps = (b: Binding) => b.state.route.kind === kind || !competing.includes(b.state.route.kind);
    if (lost) for (const b of list) if (!keeps(b)) lost(b);
    out.set(k, [...new Set(list.filter(keeps).map((b) => b.state))]);
  }
  return out;
}

/** Linkerd converts a TLSRoute or TCPRoute with exactly one rule (outbound/index/tcp.rs, tls.rs convert_route). */
function linkerdOneRule(r: Route): string | undefined {
  return (r.kind === "TCPRoute" || r.kind === "TLSRoute") && r.rules.length !== 1 ? `Linkerd's policy controller converts a ${r.kind} with exactly one rule (this one has ${r.rules.length}: "${r.kind} needs to have one rule") and leaves it out` : undefined;
}

export const routable = (s: MeshRouteState): Routable => ({ state: s, attachment: { hostnames: [undefined] } });
const portList = (ports: readonly ServicePort[]) => (ports.length === 1 ? "port " : "ports ") + ports.map((p) => p.port).join(", ");

function dedupe(refs: ParentRef[]): ParentRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => { const k = JSON.stringify(r); if (seen.has(k)) return false; seen.add(k); return true; });
}

function bindParent(route: Route, ref: ParentRef, service: Service | undefined): ServiceParent {
  const role: RouteRole = ref.namespace === route.namespace ? "producer" : "consumer";
  const base = { ref, service, role, ports: [] as ServicePort[], proxyPorts: [] as ServicePort[], conflicted: [] as ServicePort[] };
  const at = `${ref.namespace}/${ref.name}`;
  const reject = (message: string): ServiceParent => ({ ...base, rejected: { reason: "NoMatchingParent", message } });
  if (!(MESH_ROUTE_KINDS as readonly string[]).includes(route.kind)) return reject(`Junction's mesh routing binds ${MESH_ROUTE_KINDS.join(", ")} to Services, not ${route.kind}`);
  if (!service) return reject(`Service ${at} not found`);
  if (service.type === "ExternalName") return reject(`Service ${at} is of type ExternalName, which has no frontend to route (GEP-1294)`);
  if (service.headless) return reject(`Service ${at} is headless (clusterIP: None): it has no frontend to route (GEP-1294)`);
  const proxyPorts = service.ports.filter((p) => ref.port === undefined || p.port === ref.port);
  const ports = proxyPorts.filter((p) => ref.sectionName === undefined || p.name === ref.sectionName);
  if (!ports.length) {
    const what = [ref.port !== undefined ? `port ${ref.port}` : "", ref.sectionName !== undefined ? `a port named ${ref.sectionName}` : ""].filter(Boolean).join(" with ");
    return { ...reject(`Service ${at} has no ${what || "ports"}`), proxyPorts };
  }
  return { ...base, ports, proxyPorts };
}
