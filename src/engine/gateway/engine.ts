// The Gateway API engine: validates every Gateway and listener, attaches every route, resolves
// every backend, once. Status (status.ts) and request routing (route.ts) read this state.

import { findService } from "../../model/services.js";
import { hasNoReadyEndpoint, serviceEndpoints } from "../../model/service-endpoints.js";
import type { Inventory } from "../../model/inventory.js";
import { InventoryIndex } from "../../model/inventory.js";
import { compareAgeThenName, GATEWAY_GROUP, type BackendRef, type ParentRef, type Route, type RouteFilter, type RouteRule } from "../../model/route.js";
import { attachParent, hostnamesOverlap, type Attachment, type Parent, type ParentState } from "./attach.js";
import { listenerSetStates, type ListenerSetState } from "./listenersets.js";
import { BackendIndex, type ResolvedBackend, gatewayEndpointReader } from "./backends.js";
import { backendTlsFailure } from "./backend-handshake.js";
import { BackendTlsIndex } from "./backendtls.js";
import type { Problem } from "./conditions.js";
import { hasKind, hasObject, type RouteGraph } from "../../model/gateway.js";
import { gatewayState, servedListeners, type GatewayState } from "./gateways.js";
import { mergeGateways } from "./merge.js";
import { duplicateDomain, virtualHostFor, virtualHostRoutes, type VirtualHost } from "./vhosts.js";
import type { ListenerState } from "./listeners.js";
import type { EndpointReader } from "../../model/service-endpoints.js";
import { matchRegexProblem } from "./match.js";
import { forRule, TrafficPolicyIndex, zeroLocalRule, zeroTokenBucket, type EffectiveTrafficPolicy } from "./traffic-policy.js";
import { ClientPolicyIndex, type EffectiveClientPolicy } from "./client-policy.js";
import { SecurityPolicyIndex, type EffectiveSecurityPolicy } from "./security-policy.js";
import { hostnameWithNamespace, isIstioHostname, istioHostnameBackend } from "../mesh/hostname-backend.js";
import { ISTIO_GATEWAY_CONTROLLER } from "../mesh/waypoint.js";
import { MeshMembership } from "../mesh/membership.js";

export interface RouteState {
  route: Route;
  parents: ParentState[];
  /** Every backendRef of the route (rules, backend filters, mirrors), resolved. */
  backends: Map<BackendRef, ResolvedBackend>;
  /** ResolvedRefs=False when set: the first unresolved reference (all are in the message). */
  unresolved?: Problem;
  /** Rules the controller drops (an invalid regular expression), with why: they route nothing. */
  dropped: Map<RouteRule, string>;
}

export interface AttachedRoute { state: RouteState; attachment: Attachment }

const samePlace = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) => a.namespace === b.namespace && a.name === b.name;

function mirrors(filters: readonly RouteFilter[]): BackendRef[] {
  return filters.flatMap((f) => f.type === "RequestMirror" ? [f.backend] : []);
}

export function allBackendRefs(route: Route): BackendRef[] {
  return route.rules.flatMap((r) => [...r.backends, ...r.backends.flatMap((b) => mirrors(b.filters)), ...mirrors(r.filters), ...(r.nginxDefaultBackend ? [r.nginxDefaultBackend] : []), ...(r.nginxCustomErrors?.service ? [r.nginxCustomErrors.service] : [])]);
}

/**
 * Rules with a regular expression the controller cannot compile. Envoy Gateway drops them: Accepted=False
 * (UnsupportedValue) when every rule is dropped, else PartiallyInvalid (GEP-1364); the input is not rejected.
 */
export function droppedRules(route: Route): Map<RouteRule, string> {
  const out = new Map<RouteRule, string>();
  for (const rule of route.rules) {
    const why = rule.matches.map(matchRegexProblem).find((p) => p !== undefined);
    if (why) out.set(rule, why);
  }
  return out;
}

/**
 * ExtensionRef filters whose target is not in the input: their requests fail (the filter "MUST NOT be
 * skipped"), and the route says why: InvalidKind when no object of the kind is known, else BackendNotFound.
 */
function extensionRefProblems(graph: RouteGraph, route: Route): Problem[] {
  const filters = route.rules.flatMap((r) => [...r.filters, ...r.backends.flatMap((b) => b.filters)]);
  return filters.flatMap((f) => {
    if (f.type !== "ExtensionRef" || hasObject(graph, f.ref.group, f.ref.kind, route.namespace, f.ref.name)) return [];
    const what = `ExtensionRef filter ${f.ref.group}/${f.ref.kind} ${route.namespace}/${f.ref.name}`;
    return [hasKind(graph, f.ref.group, f.ref.kind) ? { reason: "BackendNotFound", message: `${what} not found` }
      : { reason: "InvalidKind", message: `${what}: the kind is unknown (no object of that kind in the input)` }];
  });
}

export class GatewayEngine {
  readonly gateways: GatewayState[];
  readonly listenerSets: ListenerSetState[];
  readonly backendTls: BackendTlsIndex;
  readonly routes: RouteState[];
  private readonly byListener = new Map<ListenerState, AttachedRoute[]>();
  private trafficPolicyIndex?: TrafficPolicyIndex;
  private clientPolicyIndex?: ClientPolicyIndex;
  private securityPolicyIndex?: SecurityPolicyIndex;
  private membership?: MeshMembership;
  /** Which pods run which mesh's proxy (membership.ts), worked out once asked: the backends' own proxies (mesh/proxy-timing.ts). */
  get members(): MeshMembership { return (this.membership ??= new MeshMembership(this.inv)); }

  constructor(readonly inv: Inventory, readonly index = new InventoryIndex(inv)) {
    const graph = inv.routing;
    this.gateways = graph.gateways.map((g) => gatewayState(graph, g));
    this.listenerSets = listenerSetStates(graph, this.gateways, (ns) => this.index.namespaceLabels(ns));
    mergeGateways(graph, this.gateways, this.listenerSets);
    this.backendTls = new BackendTlsIndex(inv);
    const backends = new BackendIndex(inv, this.backendTls);
    this.routes = graph.routes.map((r) => this.routeState(r, backends));
    for (const state of this.routes) {
      for (const p of state.parents) for (const a of p.attached) this.attach(a.listener, { state, attachment: a });
    }
    for (const [l, list] of this.byListener) this.byListener.set(l, rejectMixedKinds(l, list));
  }

  gateway(namespace: string, name: string): GatewayState | undefined {
    return this.gateways.find((g) => samePlace(g.gateway, { namespace, name }));
  }

  /** Envoy Gateway's BackendTrafficPolicies, resolved when a request first asks. */
  get trafficPolicies(): TrafficPolicyIndex {
    return this.trafficPolicyIndex ??= new TrafficPolicyIndex(this.inv.routing, (ns) => this.index.namespaceLabels(ns));
  }

  /**
   * Why Envoy refuses the route configuration the requests of listener `l` are routed by (Envoy
   * Gateway's Gateways). The route configuration is the listener's, or, for a plain HTTP listener, that
   * of every ready plain HTTP listener of the Gateway (of every Gateway of its class, merged: merge.ts)
   * on its port (Envoy Gateway merges them into one filter chain: listener.go
   * httpListenerDefaultFilterChainName). Refused: a domain in two of its virtual hosts (vhosts.ts
   * duplicateDomain); a route rule there whose BackendTrafficPolicy has a local rate limit rule of
   * `requests: 0` (traffic-policy.ts zeroTokenBucket; a rule that redirects gets no rate limit:
   * traffic-policy.ts forRule).
   */
  rejectedRouteConfig(l: ListenerState): string | undefined {
    if (!this.rejectedRoutes.has(l)) this.rejectedRoutes.set(l, this.findRejectedRouteConfig(l));
    return this.rejectedRoutes.get(l);
  }

  private readonly rejectedRoutes = new Map<ListenerState, string | undefined>();
  private readonly duplicateDomains = new Map<ListenerState, string | undefined>();

  /** The plain HTTP listeners whose one route configuration `l`'s requests are routed by (Envoy Gateway's Gateways; else undefined). */
  private sharedRouteConfig(l: ListenerState): ListenerState[] | undefined {
    const gw = this.gateway(l.gateway.namespace, l.gateway.name);
    if (!gw?.envoyGateway) return undefined;
    // The merged IR holds the listeners that are ready (validateListenerConditions: a Conflicted one gets none).
    return l.listener.protocol === "HTTP" ? servedListeners(gw).filter((o) => o.listener.protocol === "HTTP" && o.listener.port === l.listener.port && !o.accepted) : [l];
  }

  /**
   * Why Envoy refuses the listener of `port` of Envoy Gateway's Gateway `gw` (the Envoy of its merged Gateways, when
   * merged): two of its filter chains match alike, from different Gateway listeners. Envoy Gateway writes a filter
   * chain per HTTPS listener (server_names its hostname; no match for none or "*": listener.go addServerNamesMatch),
   * per TLSRoute of a TLS listener (server_names the route's hostnames there, TLSInspectorConfig.SNIs), and one shared
   * chain without a match for the TCP and TLS listeners without routes (translator.go
   * processTCPListenerXdsTranslation, EmptyCluster: "Envoy requires a filter chain to be present in the listener").
   * Envoy's FilterChainManagerImpl refuses two chains with the same match ("filter chain '...' has the same matching
   * rules defined as '...'") or a server name in two ("multiple filter chains with overlapping matching rules are
   * defined"; names compared without case), and keeps the listener it had, if any. Envoy Gateway's checks do not see
   * it: an HTTPS listener without hostname beside a TLS listener without routes; across merged Gateways an HTTPS and a
   * TLS listener of one hostname (validateConflictedMergedListeners compares the protocol too).
   */
  rejectedFilterChains(gw: GatewayState, port: number): string | undefined {
    const key = `${gw.envoy?.className ?? `${gw.gateway.namespace}/${gw.gateway.name}`}:${port}`;
    if (!this.filterChainConflicts.has(key)) this.filterChainConflicts.set(key, this.findFilterChainConflict(gw, port));
    return this.filterChainConflicts.get(key);
  }

  private readonly filterChainConflicts = new Map<string, string | undefined>();

  private findFilterChainConflict(gw: GatewayState, port: number): string | undefined {
    if (!gw.envoyGateway) return undefined;
    const label = (l: ListenerState) => `${l.gateway.namespace}/${l.gateway.name}/${l.set ? `${l.set.namespace}/${l.set.name}/` : ""}${l.listener.name}`;
    const chains: { listener: ListenerState; what: string; names: string[] }[] = [];
    let empty = false;
    for (const l of servedListeners(gw)) {
      if (l.listener.port !== port || l.accepted || (l.listener.protocol !== "HTTPS" && l.listener.protocol !== "TLS")) continue;
      const host = l.listener.hostname;
      if (l.listener.protocol === "HTTPS") {
        if (!l.programmed) chains.push({ listener: l, what: `HTTPS listener ${label(l)}`, names: host && host !== "*" ? [host.toLowerCase()] : [] });
        continue;
      }
      const routes = this.attached(l).filter((a) => a.state.route.kind === "TLSRoute");
      if (!routes.length && !empty) { empty = true; chains.push({ listener: l, what: `the filter chain without match (EmptyCluster) of TLS listener ${label(l)}, which has no TLSRoute`, names: [] }); }
      for (const a of routes) {
        const hosts = a.attachment.hostnames.map((h) => h ?? host ?? "*");
        chains.push({ listener: l, what: `TLSRoute ${a.state.route.namespace}/${a.state.route.name} on TLS listener ${label(l)}`, names: hosts.includes("*") ? [] : [...new Set(hosts.map((h) => h.toLowerCase()))].sort() });
      }
    }
    const match = (names: string[]) => (names.length ? `server_names ${names.join(", ")}` : "no match");
    for (let i = 0; i < chains.length; i++) {
      for (let j = i + 1; j < chains.length; j++) {
        const a = chains[i], b = chains[j];
        if (a.listener === b.listener) continue;
        if (a.names.join("\n") === b.names.join("\n")) return `the filter chains of ${a.what} and ${b.what} match alike (${match(a.names)}): Envoy refuses the listener of port ${port} (filter chain ... has the same matching rules defined as ...), keeping the one it had, if any`;
        const shared = a.names.find((n) => b.names.includes(n));
        if (shared) return `the filter chains of ${a.what} (${match(a.names)}) and ${b.what} (${match(b.names)}) both match server name ${shared}: Envoy refuses the listener of port ${port} (multiple filter chains with overlapping matching rules are defined), keeping the one it had, if any`;
      }
    }
    return undefined;
  }

  /** Why Envoy refuses the route configuration of listener `l` for a domain in two virtual hosts (vhosts.ts duplicateDomain; Envoy Gateway's Gateways). */
  duplicateVirtualHost(l: ListenerState): string | undefined {
    const shared = this.sharedRouteConfig(l);
    if (!shared || shared.length < 2) return undefined;
    // One answer for the listeners of one route configuration (keyed by its first listener).
    const key = shared[0];
    if (!this.duplicateDomains.has(key)) {
      this.duplicateDomains.set(key, duplicateDomain(shared, (o) => this.attached(o), this.peers));
    }
    return this.duplicateDomains.get(key);
  }

  /**
   * The virtual host Envoy picks for `host` in the one route configuration of plain HTTP listener
   * `l`'s port (vhosts.ts virtualHostFor: by domain across the port's listeners), undefined when none
   * matches; `false` when `l` is not a plain HTTP listener of Envoy Gateway's (listener precedence).
   */
  virtualHost(l: ListenerState, host: string): VirtualHost | undefined | false {
    const shared = l.listener.protocol === "HTTP" ? this.sharedRouteConfig(l) : undefined;
    if (!shared) return false;
    return virtualHostFor(shared, (o) => this.attached(o), this.peers, host);
  }

  /**
   * The routes a request for `host` meets on listener `l` (HTTP and gRPC). Envoy Gateway's Gateways:
   * only those of the virtual host Envoy picks for the host in the listener's route configuration
   * (vhosts.ts virtualHostRoutes: a.example.com's virtual host holds the routes of hostname
   * a.example.com, not a `*.example.com` or hostname-less route of the same listener), with its
   * domain, or none (`domain` undefined: no virtual host matches, 404); the route configuration is the
   * port's for plain HTTP (virtualHost), the listener's own for HTTPS (one filter chain per SNI). Other
   * classes: every route attached to the listener (the Gateway API's precedence across them).
   */
  routesFor(l: ListenerState, host: string): { routes: readonly AttachedRoute[]; domain?: string; byDomain: boolean } {
    const gw = this.gateway(l.gateway.namespace, l.gateway.name);
    if (!gw?.envoyGateway || (l.listener.protocol !== "HTTP" && l.listener.protocol !== "HTTPS")) return { routes: this.attached(l), byDomain: false };
    const config = l.listener.protocol === "HTTP" ? this.sharedRouteConfig(l) ?? [l] : [l];
    const vhost = virtualHostFor(config, (o) => this.attached(o), this.peers, host);
    if (!vhost || vhost.listener !== l) return { routes: [], byDomain: true };
    return { routes: virtualHostRoutes(l, this.attached(l), this.peers(l), vhost.domain), domain: vhost.domain, byDomain: true };
  }

  /** A listener's Gateway's listeners (with its ListenerSets'), which computeHosts leaves out of its routes' hostnames (vhosts.ts). */
  private readonly peers = (o: ListenerState) => this.gateway(o.gateway.namespace, o.gateway.name)?.merged ?? [];

  private findRejectedRouteConfig(l: ListenerState): string | undefined {
    const shared = this.sharedRouteConfig(l);
    if (!shared) return undefined;
    const duplicate = this.duplicateVirtualHost(l);
    if (duplicate) return duplicate;
    // Asked once per listener: none without a local rule of 0 in the input.
    if (!this.inv.routing.backendTrafficPolicies.some((p) => p.rateLimit && zeroLocalRule(p.rateLimit))) return undefined;
    for (const o of shared) {
      for (const a of this.attached(o)) {
        const route = a.state.route;
        if ((route.kind !== "HTTPRoute" && route.kind !== "GRPCRoute") || route.group !== undefined) continue;
        for (const rule of route.rules) {
          const p = this.trafficPolicies.effective(o.gateway, o.listener.name, o.set, route, rule);
          const zero = p && zeroTokenBucket(forRule(p, rule));
          if (!zero) continue;
          const where = `${route.kind} ${route.namespace}/${route.name} rule ${rule.name ?? route.rules.indexOf(rule)}${o === l ? "" : ` (listener ${o.listener.name}, on the same port)`}`;
          return `Envoy refuses the route configuration of listener ${l.listener.name}: BackendTrafficPolicy ${p.policies.join(" merged into ")} on ${where} has a ${zero}, which Envoy Gateway writes as a token bucket with tokens_per_fill 0, and Envoy's TokenBucket validation refuses it ("TokensPerFill: value must be greater than 0"); the proxy keeps the routes it had, and one that never had any answers every request of the listener 404`;
        }
      }
    }
    return undefined;
  }

  /**
   * Why Envoy Gateway publishes no configuration for Gateway `gw` (its controller's): a route rule
   * there gets a BackendTrafficPolicy whose timeout.tcp.connectTimeout is 0 (the "0s" the CRD admits),
   * written as the rule's cluster's connect_timeout (internal/xds/translator/cluster.go
   * buildConnectTimeout, for the clusters of HTTP, gRPC, TCP and TLS routes alike), which Envoy's
   * Cluster validation refuses ("value must be greater than 0s"); Envoy Gateway's translator validates
   * every resource it writes (translator.go tCtx.ValidateAll), and the xDS runner then skips publishing
   * the Gateway's resources (runner.go: "skipped publishing xds resources: failed to translate xds ir").
   * An HTTP or gRPC rule takes its most specific policy whole, and one that cannot be translated is a
   * 500 direct response with no cluster (applyTrafficFeatureToRoute); a TCPRoute's or TLSRoute's rule
   * takes the timeout of the most specific policy that sets one, whatever else fails to translate
   * (traffic-policy.ts streamConnectTimeout); a UDPRoute's cluster takes none.
   */
  unpublished(gw: GatewayState): string | undefined {
    if (!gw.envoyGateway || !this.inv.routing.backendTrafficPolicies.some((p) => p.connectTimeout === 0)) return undefined;
    for (const l of servedListeners(gw)) {
      for (const a of this.attached(l)) {
        const route = a.state.route;
        if (route.group !== undefined) continue;
        for (const rule of route.rules) {
          const policies = this.zeroConnectTimeout(l, route, rule);
          if (!policies) continue;
          return `Envoy Gateway publishes no configuration for Gateway ${l.gateway.namespace}/${l.gateway.name}: BackendTrafficPolicy ${policies.join(" merged into ")} gives ${route.kind} ${route.namespace}/${route.name} rule ${rule.name ?? route.rules.indexOf(rule)} a connectTimeout of 0s, written as its cluster's connect_timeout, which Envoy Gateway's validation of what it writes refuses ("invalid Cluster.ConnectTimeout: value must be greater than 0s"), so its xDS runner skips publishing; the proxy keeps what it had, and one that never had any listens on no port`;
        }
      }
    }
    return undefined;
  }

  /** The policies that give a route rule on listener `l` a connect timeout of 0, if they do (unpublished). */
  private zeroConnectTimeout(l: ListenerState, route: Route, rule: RouteRule): string[] | undefined {
    if (route.kind === "TCPRoute" || route.kind === "TLSRoute") {
      const t = this.trafficPolicies.streamConnectTimeout(l.gateway, l.listener.name, l.set, route, rule);
      return t?.ms === 0 ? t.policies : undefined;
    }
    if (route.kind !== "HTTPRoute" && route.kind !== "GRPCRoute") return undefined;
    const p = this.trafficPolicies.effective(l.gateway, l.listener.name, l.set, route, rule);
    return p && p.connectTimeout === 0 && !p.errors.length && p.rateLimit?.invalid === undefined ? p.policies : undefined;
  }

  /** Envoy Gateway's ClientTrafficPolicies, resolved when a request first asks. */
  get clientPolicies(): ClientPolicyIndex {
    return this.clientPolicyIndex ??= new ClientPolicyIndex(this.inv.routing, (ns) => this.index.namespaceLabels(ns));
  }

  /** The ClientTrafficPolicy listener `l` gets; undefined when none does or the Gateway is not Envoy Gateway's. */
  listenerClientPolicy(l: ListenerState): EffectiveClientPolicy | undefined {
    const gw = this.gateway(l.gateway.namespace, l.gateway.name);
    if (!gw?.envoyGateway) return undefined;
    // The merged IR holds the listeners that are ready (validateListenerConditions: a Conflicted one gets none).
    return this.clientPolicies.effective(l.gateway, l.listener, l.set, gw.envoy?.listeners.filter((o) => !o.accepted));
  }

  /** The BackendTrafficPolicy a route rule's requests get on listener `l`; undefined when the Gateway is not Envoy Gateway's (no policy applies). */
  listenerTrafficPolicy(l: ListenerState): ((route: Route, rule: RouteRule) => EffectiveTrafficPolicy | undefined) | undefined {
    if (!this.gateway(l.gateway.namespace, l.gateway.name)?.envoyGateway) return undefined;
    return (route, rule) => this.trafficPolicies.effective(l.gateway, l.listener.name, l.set, route, rule);
  }

  /** Envoy Gateway's SecurityPolicies, resolved when a request first asks. */
  get securityPolicies(): SecurityPolicyIndex {
    return this.securityPolicyIndex ??= new SecurityPolicyIndex(this.inv.routing, (ns) => this.index.namespaceLabels(ns), (ns, name) => findService(this.inv, ns, name), (svc, port) => {
      // What Envoy Gateway's Envoy reads of the Service's endpoints (backends.ts gatewayEndpointReader).
      const sp = svc.ports.find((x) => x.port === port);
      const e = sp && serviceEndpoints(this.inv, svc, sp);
      if (!sp || !e) return undefined;
      if (hasNoReadyEndpoint(e, gatewayEndpointReader(true))) return `has no ready endpoint (${e.note})`;
      // A BackendTLSPolicy of the Service (processExtServiceDestination applyBackendTLSSetting) whose handshake fails.
      const tls = this.backendTls.forPort(svc.namespace, svc.name, sp);
      const failure = tls && backendTlsFailure(this.inv.routing, tls, e);
      return failure?.status === 503 ? `cannot be reached over TLS (${failure.message})` : undefined;
    });
  }

  /** The SecurityPolicy a route rule's requests get on listener `l`; undefined when none is in the input or the Gateway is not Envoy Gateway's. */
  listenerSecurityPolicy(l: ListenerState): ((route: Route, rule: RouteRule) => EffectiveSecurityPolicy | undefined) | undefined {
    if (!this.inv.routing.securityPolicies.length || !this.gateway(l.gateway.namespace, l.gateway.name)?.envoyGateway) return undefined;
    return (route, rule) => this.securityPolicies.effective(l.gateway, l.listener.name, l.set, route, rule);
  }

  /**
   * Who picks the endpoints of a TCP, TLS or UDP route rule's backends on listener `l`: the Gateway's
   * data plane (gatewayEndpointReader) and, for Envoy Gateway, the rule's healthCheck.panicThreshold
   * (programmed into TCP clusters, TCPRoute and TLSRoute, not UDP ones).
   */
  streamEndpointPick(l: ListenerState, route: Route, rule: RouteRule): { reader: EndpointReader; panicThreshold?: number } {
    const reader = this.gateway(l.gateway.namespace, l.gateway.name)?.endpointReader ?? "proxy";
    const panicThreshold = reader === "envoy-gateway" && route.kind !== "UDPRoute" ? this.trafficPolicies.streamPanicThreshold(l.gateway, l.listener.name, l.set, route, rule) : undefined;
    return { reader, panicThreshold };
  }

  listenerSet(namespace: string, name: string): ListenerSetState | undefined {
    return this.listenerSets.find((s) => samePlace(s.set, { namespace, name }));
  }

  /** The parent a parentRef names (a message when it is not in the input); undefined for kinds this engine does not attach to. */
  private parent(ref: ParentRef): Parent | string | undefined {
    const at = `${ref.namespace}/${ref.name}`;
    if (ref.group !== GATEWAY_GROUP) return undefined;
    if (ref.kind === "Gateway") {
      const g = this.gateway(ref.namespace, ref.name);
      if (!g) return `Gateway ${at} not found`;
      return { what: `Gateway ${at}`, gateway: g, listeners: g.listeners, unusable: g.rejected && g.rejected.reason !== "ListenersNotValid" ? g.rejected.reason : undefined };
    }
    if (ref.kind !== "ListenerSet") return undefined;
    const s = this.listenerSet(ref.namespace, ref.name);
    if (!s) return `ListenerSet ${at} not found`;
    return { what: `ListenerSet ${at}`, gateway: s.gateway, listenerSet: s, listeners: s.listeners, unusable: s.rejected && s.rejected.reason !== "ListenersNotValid" ? s.rejected.reason : undefined };
  }

  /** Routes attached to a listener (each once, however many parentRefs lead there). */
  attached(l: ListenerState): AttachedRoute[] {
    return this.byListener.get(l) ?? [];
  }

  private attach(l: ListenerState, a: AttachedRoute): void {
    const list = this.byListener.get(l) ?? [];
    const same = list.find((x) => x.state === a.state);
    if (same) same.attachment = { listener: l, hostnames: [...new Set([...same.attachment.hostnames, ...a.attachment.hostnames])] };
    else list.push(a);
    this.byListener.set(l, list);
  }

  private routeState(route: Route, index: BackendIndex): RouteState {
    const from = { group: GATEWAY_GROUP, kind: route.kind, namespace: route.namespace };
    const backends = new Map<BackendRef, ResolvedBackend>();
    // ingress-nginx reads a Service port's EndpointSlices its own way (service-endpoints.ts slicePortsForNginx).
    const reading = route.derivedFrom?.kind === "Ingress" ? "ingress-nginx" : "kube-proxy";
    // A route lowered from Ingresses names only Services of their own namespaces (a canary's may be another than the
    // route's: sources/ingress/group.ts addCanary): no ReferenceGrant is involved.
    const lowered = route.derivedFrom?.kind === "Ingress";
    // An Istio Gateway's route: pilot converts Istio's `Hostname` backendRefs (mesh/hostname-backend.ts), which no other controller knows.
    const istio = route.group === undefined && route.parentRefs.some((p) => p.group === GATEWAY_GROUP && p.kind === "Gateway" && this.gateway(p.namespace, p.name)?.controllerName === ISTIO_GATEWAY_CONTROLLER);
    // An Istio Gateway's conversion checks ReferenceGrants (convertHTTPRoute's enforceRefGrant, !mesh): a `Hostname` in another namespace without one is an invalid backend, not a hard error.
    for (const ref of allBackendRefs(route)) backends.set(ref, istio && isIstioHostname(ref) ? istioHostnameBackend(this.inv, route, ref, index, true) : index.resolve(from, ref, !lowered, reading));
    const refused = istio ? hostnameWithNamespace(route, this.inv) : undefined;
    const problems = [...(refused ? [refused] : []), ...[...backends.values()].flatMap((b) => b.problem ? [b.problem] : []), ...extensionRefProblems(this.inv.routing, route)];
    const unresolved = problems.length ? { reason: problems[0].reason, message: problems.map((p) => p.message).join("; ") } : undefined;
    const seen = new Set<string>();
    const parents: ParentState[] = [];
    for (const ref of route.parentRefs) {
      const key = JSON.stringify(ref);
      const parent = this.parent(ref);
      if (seen.has(key) || parent === undefined) continue;
      seen.add(key);
      parents.push(envoyGatewayOneRule(route, attachParent(route, ref, parent, (ns) => this.index.namespaceLabels(ns))));
    }
    // A hard conversion error: pilot yields no route at all for it (hostnameWithNamespace).
    const dropped = refused ? new Map(route.rules.map((r) => [r, `${refused.reason}: ${refused.message}; pilot converts no rule of the route`])) : droppedRules(route);
    return { route, parents, backends, unresolved, dropped };
  }
}

/**
 * An HTTPRoute and a GRPCRoute on one listener whose hostnames intersect: apis/v1/grpcroute_types.go
 * GRPCRouteSpec.Hostnames: "If a Route (A) of type HTTPRoute or GRPCRoute is attached to a Listener and
 * that listener already has another Route (B) of the other type attached and the intersection of the
 * hostnames of A and B is non-empty, then the implementation MUST accept exactly one of these two routes,
 * determined by the following criteria, in order: The oldest Route based on creation timestamp. The Route
 * appearing first in alphabetical order by "{namespace}/{name}". The rejected Route MUST raise an
 * 'Accepted' condition with a status of 'False'". The loser leaves the listener (its requests go by the
 * winner's rules); a parentRef left with no listener is Accepted False. The spec names no reason:
 * Junction writes HostnameConflict. Gateway API routes only (not an Ingress's lowering, nor Linkerd's kinds).
 */
function rejectMixedKinds(l: ListenerState, list: AttachedRoute[]): AttachedRoute[] {
  const mixable = (a: AttachedRoute) => (a.state.route.kind === "HTTPRoute" || a.state.route.kind === "GRPCRoute") && a.state.route.group === undefined && !a.state.route.derivedFrom;
  const kept: AttachedRoute[] = [];
  const losers = new Map<AttachedRoute, AttachedRoute>();
  for (const a of list.filter(mixable).sort((x, y) => compareAgeThenName(x.state.route, y.state.route))) {
    const winner = kept.find((k) => k.state.route.kind !== a.state.route.kind && hostnamesOverlap(k.attachment.hostnames, a.attachment.hostnames));
    if (winner) losers.set(a, winner); else kept.push(a);
  }
  for (const [a, winner] of losers) {
    const w = winner.state.route;
    for (const p of a.state.parents) {
      if (!p.attached.some((x) => x.listener === l)) continue;
      p.attached = p.attached.filter((x) => x.listener !== l);
      if (!p.attached.length) p.rejected = { reason: "HostnameConflict", message: `${w.kind} ${w.namespace}/${w.name}, older (or first by namespace/name), has hostnames in common with it on listener ${l.listener.name}: of an HTTPRoute and a GRPCRoute sharing hostnames on a listener exactly one is accepted` };
    }
  }
  return list.filter((a) => !losers.has(a));
}

/**
 * Envoy Gateway accepts a TCPRoute or UDPRoute of exactly one rule (envoyproxy/gateway v1.9.0
 * internal/gatewayapi/route.go processTCPRouteParentRefs and processUDPRouteParentRefs: `if
 * len(tcpRoute.Spec.Rules) != 1` sets Accepted False, reason "InvalidRule", "One and only one rule is
 * supported", on each of its parentRefs and `continue`s: no ResolvedRefs condition, no route): one of several rules (v1alpha2
 * allows 16) attaches nowhere on its Gateways, whose listener then closes the connection. Other
 * implementations (Istio's conversion.go) send to the first rule.
 */
function envoyGatewayOneRule(route: Route, p: ParentState): ParentState {
  if ((route.kind !== "TCPRoute" && route.kind !== "UDPRoute") || route.rules.length === 1 || !p.gateway?.envoyGateway) return p;
  return { ...p, attached: [], rejected: { reason: "InvalidRule", message: "One and only one rule is supported" }, acceptedOnly: true };
}
