// What the L7 layer lets through between two workloads the L3/L4 policies connect (junction list
// --l7): the Istio rules that apply to the server's sidecar (or its ambient ztunnel and waypoint),
// or the Linkerd Server and routes of its port, read for this client. The request
// conditions of the ALLOW rules whose sources hold for the client are what passes ("all requests"
// when no ALLOW policy applies or a matching rule has no request condition), minus the request
// conditions of the DENY rules whose sources hold ("except"). The client's identity is what the
// hop's transport gives (mutual TLS or plaintext); JWT conditions (requestPrincipals, request.auth.*)
// are request conditions where a RequestAuthentication applies (requests with such a token pass), and
// never hold where none does (no request has a verified token there).

import type { Endpoint, Service } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { formatClause, isHttpOnly, type Clause, type Condition, type L7Rule } from "../model/l7.js";
import type { IstioAuthorization, IstioRequestAuthentication } from "../model/mesh.js";
import { clauseHolds, type Attributes } from "../engine/l7/attributes.js";
import { attributesOf, behindWaypoint, behindWaypointAt } from "../engine/l7/engine.js";
import type { Hop, ProxyKind } from "../engine/l7/hop.js";
import { AttachedPolicies, IstioPolicies, attachedToWaypoint, istioAuthorize, istioWaypointPolicies, istioWaypointSettings, sidecarReadsForwardedFor } from "../engine/l7/istio.js";
import { linkerdAccess, linkerdBypass, linkerdClientBypass, type LinkerdAccess, type LinkerdContext } from "../engine/l7/linkerd.js";
import { waypointOf } from "../engine/l7/authorizer.js";
import { matches, selector } from "../model/selector.js";
import { targetPortOn } from "../model/service-endpoints.js";
import { transportOf } from "../engine/l7/transport.js";
import type { Membership } from "../engine/mesh/membership.js";

export interface L7Access {
  /** all: every request; none: no request; some: the requests in `allows` minus those in `except`; unknown: not decidable here. */
  verdict: "all" | "none" | "some" | "unknown";
  /** What enforces it: "Istio sidecar", "no proxy", ... */
  enforcer: string;
  allows: string[];
  except: string[];
  /** Why, when verdict is none or unknown. */
  note?: string;
}

function proxyOf(m: Membership): ProxyKind {
  if (!m.inMesh) return "none";
  if (m.mesh === "linkerd") return "linkerd";
  if (m.mesh === "istio") return m.dataplane === "ambient" ? "istio-ambient" : "istio-sidecar";
  return "none";
}

/**
 * The request conditions of a rule for this connection (its operations, its `when` conditions on the
 * request and, when a RequestAuthentication applies to the point (`jwt`), the JWT conditions of its
 * sources: requests with such a token pass), as text: undefined when it matches every request, null
 * when it matches none here (its sources, port or address conditions do not hold). Without a
 * RequestAuthentication no request has a verified token: JWT conditions are evaluated (they fail).
 * Envoy filter metadata conditions are always shown: Junction cannot know that metadata.
 */
function requestText(r: L7Rule, a: Attributes, portKnown: boolean, jwt: boolean, xff: boolean): string | null | undefined {
  // Without a known port, port conditions are shown with the request's. Envoy filter metadata
  // (experimental.envoy.filters.*) is written by the filters as traffic passes: no manifest shows it,
  // so its conditions are shown as conditions of the requests (istioAuthorize tries them both ways;
  // taken as never matching, a DENY on them vanished from the list: a wrong "all requests").
  // Where remote.ip is the request's last X-Forwarded-For entry (`xff`: a sidecar or waypoint), its
  // conditions are the request's too: a client that sends the header chooses it.
  const shown = (x: Condition) => (isHttpOnly(x) && (jwt || x.attribute !== "request.auth")) || (!portKnown && x.attribute === "destination.port") || x.attribute === "envoy.metadata"
    || (xff && x.attribute === "remote.ip");
  const token = (x: Condition) => jwt && x.attribute === "request.auth";
  const held = (clauses: readonly Clause[] | undefined, show: (x: Condition) => boolean): Clause[] =>
    clauses ? clauses.filter((c) => clauseHolds(c.filter((x) => !show(x)), a)).map((c) => c.filter(show)) : [[]];
  const from = held(r.from, (x) => token(x) || (xff && x.attribute === "remote.ip")), to = held(r.to, shown);
  const when = r.when ?? [];
  if (!from.length || !to.length || !clauseHolds(when.filter((x) => !shown(x)), a)) return null;
  const alternatives = from.flatMap((f) => to.map((t) => [...f, ...t, ...when.filter(shown)]));
  return alternatives.some((c) => !c.length) ? undefined : [...new Set(alternatives.map(formatClause))].join(" | ");
}

export class L7AccessReader {
  private istio: IstioPolicies;
  private jwt: AttachedPolicies<IstioRequestAuthentication>;

  private linkerd: LinkerdContext;

  constructor(private inv: Inventory, private membership: (e: Endpoint) => Membership) {
    this.istio = new IstioPolicies(inv.mesh);
    this.jwt = new AttachedPolicies(inv.mesh, inv.mesh.istio.requestAuthentications);
    this.linkerd = { mesh: inv.mesh, namespaceOf: (n) => inv.namespaces.get(n) };
  }

  /** `port` undefined: the server declares no port (port conditions are shown, not evaluated). */
  access(client: Endpoint, server: Endpoint, port: number | undefined): L7Access {
    const hop: Hop = { client: { endpoint: client, proxy: proxyOf(this.membership(client)) }, server: { endpoint: server, proxy: proxyOf(this.membership(server)) }, port: port ?? 0 };
    const none = { allows: [], except: [] };
    // An ambient client's traffic to a Service goes through the Service's waypoint whatever the server runs (as explain and route
    // answer: engine/l7/engine.ts meshLayers; ztunnel outbound.rs build_request: fetch_service_waypoint before fetch_upstream).
    const service = hop.client.proxy === "istio-ambient" ? this.serviceOf(server, port) : undefined;
    const wp = waypointOf(this.inv, hop.client, hop.server, service);
    if (wp && hop.server.proxy !== "istio-ambient") return this.throughWaypoint({ ...hop, waypoint: wp }, wp, service, port);
    switch (hop.server.proxy) {
      case "none": return { verdict: "all", enforcer: "no proxy", ...none };
      case "linkerd": case "istio-ambient": case "istio-sidecar": break;
    }
    const bypass = hop.server.proxy === "linkerd" && port !== undefined ? linkerdBypass(this.linkerd, hop) : undefined;
    if (bypass) return { verdict: "all", enforcer: "no proxy", ...none, note: bypass };
    const transport = transportOf(hop, this.inv.mesh, linkerdClientBypass(this.linkerd, hop));
    const enforcer = hop.server.proxy === "linkerd" ? "Linkerd proxy" : hop.server.proxy === "istio-ambient" ? "Istio ztunnel" : "Istio sidecar";
    if (transport.decision.verdict === "deny") return { verdict: "none", enforcer, ...none, note: transport.decision.summary };
    const a = attributesOf(hop, transport.identity, hop.server.proxy !== "linkerd");
    if (hop.server.proxy === "linkerd") return linkerdSummary(linkerdAccess(this.linkerd, hop, a));
    if (hop.server.proxy === "istio-ambient") return this.ambient(hop, a, port);
    return this.sidecar(this.istio.for(server).filter((p) => !p.dryRun), a, port !== undefined, this.jwt.for(server).length > 0, sidecarReadsForwardedFor(server));
  }

  /**
   * Ambient: ztunnel decides at L4 (all or nothing for this client); a waypoint in front of the
   * workload decides per request with every field, and ztunnel then sees the waypoint's identity.
   */
  private ambient(hop: Hop, a: Attributes, port: number | undefined): L7Access {
    const server = hop.server.endpoint;
    const service = this.serviceOf(server, port);
    const wp = waypointOf(this.inv, hop.client, hop.server, service);
    const settings = wp && istioWaypointSettings(this.inv, wp);
    const ztunnel = istioAuthorize(hop, this.istio.for(server, false), "ztunnel", wp ? behindWaypoint(a, wp, settings!) : { ...a, http: undefined }, `${server.namespace}/${server.name}`);
    const base = { enforcer: wp ? `Istio waypoint ${wp.namespace}/${wp.name}` : "Istio ztunnel", allows: [] as string[], except: [] as string[] };
    if (ztunnel.verdict === "deny") return { ...base, verdict: "none", note: `ztunnel: ${ztunnel.summary}` };
    if (ztunnel.verdict === "undecided") return { ...base, verdict: "unknown", note: "a CUSTOM policy asks an external authorizer" };
    if (!wp) return { ...base, verdict: "all" };
    const policies = istioWaypointPolicies(this.inv.mesh, settings!, wp, service).filter((p) => !p.dryRun);
    return { ...this.sidecar(policies, a, port !== undefined, attachedToWaypoint(this.inv.mesh.istio.requestAuthentications, settings!, wp, service).length > 0, true), enforcer: base.enforcer };
  }

  /**
   * The Service the client reaches the pod through: one with a cluster IP that selects it on the port
   * (its waypoint, as explain answers a request to that Service), else none (at its address, the
   * workload's). A headless Service is no such Service: its name resolves to the pods' addresses, and
   * ztunnel sends traffic to a pod's address to the workload's waypoint (mesh/waypoint.ts
   * requestWaypoint; outbound.rs build_request fetch_workload_waypoint), whichever Service comes first.
   */
  private serviceOf(server: Endpoint, port: number | undefined): Service | undefined {
    return this.inv.services.find((s) => s.namespace === server.namespace && !s.headless && s.type !== "ExternalName" && s.selector && Object.keys(s.selector).length && matches(selector(s.selector), server.labels)
      && s.ports.some((sp) => port === undefined || targetPortOn(sp, server) === port));
  }

  /**
   * A Service's waypoint in front of a server outside the ambient mesh: the waypoint decides first
   * (the client's identity, over HBONE), then the server's own proxy, which sees the waypoint
   * (engine/l7/engine.ts behindWaypointAt: its Istio identity for a sidecar, none for Linkerd).
   */
  private throughWaypoint(hop: Hop, wp: NonNullable<Hop["waypoint"]>, service: Service | undefined, port: number | undefined): L7Access {
    const transport = transportOf(hop, this.inv.mesh);
    const a = attributesOf(hop, transport.identity, true);
    const settings = istioWaypointSettings(this.inv, wp);
    const enforcer = `Istio waypoint ${wp.namespace}/${wp.name}`;
    const first = { ...this.sidecar(istioWaypointPolicies(this.inv.mesh, settings, wp, service).filter((p) => !p.dryRun), a, port !== undefined, attachedToWaypoint(this.inv.mesh.istio.requestAuthentications, settings, wp, service).length > 0, true), enforcer };
    if (first.verdict === "none" || first.verdict === "unknown" || hop.server.proxy === "none") return first;
    const behind = behindWaypointAt(hop.server.proxy, a, wp, settings, this.inv.mesh);
    const server = { ...hop, waypoint: undefined };
    const bypass = hop.server.proxy === "linkerd" && port !== undefined ? linkerdBypass(this.linkerd, server) : undefined;
    if (bypass) return first;
    const own = hop.server.proxy === "linkerd" ? linkerdSummary(linkerdAccess(this.linkerd, server, behind)) : this.sidecar(this.istio.for(hop.server.endpoint).filter((p) => !p.dryRun), behind, port !== undefined, this.jwt.for(hop.server.endpoint).length > 0, sidecarReadsForwardedFor(hop.server.endpoint));
    return both(first, own);
  }

  /** `xff`: the point reads remote.ip from X-Forwarded-For (sidecarReadsForwardedFor; a waypoint). */
  private sidecar(policies: readonly IstioAuthorization[], a: Attributes, portKnown: boolean, jwt: boolean, xff: boolean): L7Access {
    const base = { enforcer: "Istio sidecar", allows: [] as string[], except: [] as string[] };
    if (policies.some((p) => p.action === "custom")) return { ...base, verdict: "unknown", note: "a CUSTOM policy asks an external authorizer" };
    const rulesOf = (action: string) => policies.filter((p) => p.action === action).flatMap((p) => p.rules.map((r) => requestText(r, a, portKnown, jwt, xff))).filter((t) => t !== null);
    const denies = rulesOf("deny");
    if (denies.includes(undefined)) return { ...base, verdict: "none", note: "a DENY rule matches every request of this client" };
    const except = [...new Set(denies as string[])];
    const anyAllow = policies.some((p) => p.action === "allow");
    const allows = rulesOf("allow");
    if (!anyAllow || allows.includes(undefined)) return { ...base, verdict: except.length ? "some" : "all", allows: [], except };
    if (!allows.length) return { ...base, verdict: "none", note: "ALLOW policies apply and no rule names this client" };
    return { ...base, verdict: "some", allows: [...new Set(allows as string[])], except };
  }
}

/**
 * What passes two enforcement points in turn (a waypoint, then the server's proxy): nothing when
 * either passes nothing; else the requests both admit (each of the first's with each of the
 * second's, "and"), minus what either excepts.
 */
function both(a: L7Access, b: L7Access): L7Access {
  const enforcer = `${a.enforcer}, then ${b.enforcer}`;
  if (b.verdict === "none" || b.verdict === "unknown") return { ...b, enforcer };
  const allows = !a.allows.length ? b.allows : !b.allows.length ? a.allows : a.allows.flatMap((x) => b.allows.map((y) => `${x} and ${y}`));
  const except = [...new Set([...a.except, ...b.except])];
  return { verdict: a.verdict === "all" && b.verdict === "all" ? "all" : "some", enforcer, allows, except };
}

/**
 * Linkerd: the routes of the port's Server an authorization admits the client to (their matches),
 * except the routes it does not (a request no route matches is a 404); an opaque port or the default
 * route: every request or none. Where an admitted and a refused route both match a request, the more
 * specific one decides: the summary shows it as an exception (it never claims more than passes).
 */
function linkerdSummary(x: LinkerdAccess): L7Access {
  const base = { enforcer: "Linkerd proxy", allows: [] as string[], except: [] as string[] };
  const refused = x.port.startsWith("Server") ? `no authorization of ${x.port} admits this client` : `${x.port} does not admit this client`;
  if (!x.routes) return x.serverAdmits ? { ...base, verdict: "all" } : { ...base, verdict: "none", note: x.http ? refused : `${refused} (opaque port: the connection is refused)` };
  const admitted = x.routes.filter((r) => r.admitted), other = x.routes.filter((r) => !r.admitted);
  if (!admitted.length) return { ...base, verdict: "none", note: `no route of ${x.port} authorizes this client` };
  const text = (rs: typeof x.routes) => [...new Set(rs!.flatMap((r) => r.matches.map(formatClause)))];
  return { ...base, verdict: "some", allows: text(admitted), except: text(other) };
}

/** "all requests", "no requests (why)", "method GET, path /a | ... except path /admin*". */
export function formatL7Access(x: L7Access): string {
  const except = x.except.length ? ` except ${x.except.join(" | ")}` : "";
  switch (x.verdict) {
    case "all": return `all requests${except}${x.enforcer === "no proxy" ? " (no proxy enforces L7)" : ""}`;
    case "none": return `no requests (${x.note})`;
    case "unknown": return `not summarized (${x.note})`;
    case "some": return x.allows.length ? `${x.allows.join(" | ")}${except}` : `all requests${except}`;
  }
}
