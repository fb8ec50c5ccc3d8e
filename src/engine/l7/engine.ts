// The L7 layer of a request's walk: after routing picked the server endpoint and the L3/L4 verdict
// allowed the connection, the layers that see the request decide, in the order the request meets
// them: the transport (is it mutual TLS; STRICT refuses plaintext), the HTTP rules of the network
// policies (egress at the client, ingress at the server), and the server's mesh proxy (Istio
// sidecar, ztunnel and waypoint; Linkerd). Pods without a proxy enforce nothing at L7.

import type { Endpoint } from "../../model/endpoint.js";
import { istioSettingsOf, istioTrustDomainOf, type IstioAuthorization, type IstioPathNormalization, type IstioRequestAuthentication, type MeshModel, type MeshSettings } from "../../model/mesh.js";
import type { PolicyEngine } from "../verdict.js";
import type { Attributes, HttpAttributes, PeerIdentity } from "./attributes.js";
import type { Hop, L7Result, LayerDecision, ProxyKind } from "./hop.js";
import { AttachedPolicies, IstioPolicies, attachedToWaypoint, gatewayClient, istioAuthorize, istioEnforcer, istioPoint, istioWaypointPolicies, istioWaypointSettings, type IstioPoint } from "./istio.js";
import { withJwt } from "./jwt.js";
import { bypassed, linkerdAuthorize, linkerdBypass, linkerdClientBypass, type LinkerdContext } from "./linkerd.js";
import { networkAuthorize } from "./network.js";
import { calicoCleanPath, ciliumUrl, istioPath, istioPathRejected, splitPath } from "./paths.js";
import { transportOf, type Transport } from "./transport.js";
import { serviceHost } from "../mesh/dns.js";

export class L7Engine {
  readonly mesh: MeshModel;
  private linkerd: LinkerdContext;
  private istio: IstioPolicies;
  private jwt: AttachedPolicies<IstioRequestAuthentication>;

  constructor(readonly policies: PolicyEngine) {
    this.mesh = policies.inventory.mesh;
    const namespaces = policies.inventory.namespaces;
    this.linkerd = { mesh: this.mesh, namespaceOf: (n) => namespaces.get(n) };
    this.istio = new IstioPolicies(this.mesh);
    this.jwt = new AttachedPolicies(this.mesh, this.mesh.istio.requestAuthentications);
  }

  authorize(hop: Hop): L7Result {
    const layers: LayerDecision[] = [];
    const transport = this.transport(hop);
    layers.push(transport.decision);
    if (transport.decision.verdict !== "deny") this.afterTransport(hop, transport.identity, layers);
    const denied = layers.find((l) => l.verdict === "deny");
    return { allowed: !denied, ...(denied?.denial ? { denial: denied.denial } : {}), ...(transport.identity ? { principal: transport.identity.principal } : {}), layers };
  }

  /**
   * The hop's transport; plaintext when it bypasses the server's Linkerd proxy (linkerdBypass), unless
   * a waypoint is in front of it: the client's ztunnel reaches the waypoint over HBONE whatever the
   * server's proxy does (the waypoint then speaks plaintext to the Linkerd pod: meshLayers).
   */
  transport(hop: Hop): Transport {
    const why = hop.server.proxy === "linkerd" && !hop.waypoint ? linkerdBypass(this.linkerd, hop) : undefined;
    return why ? plaintext() : transportOf(hop, this.mesh, linkerdClientBypass(this.linkerd, hop));
  }

  private afterTransport(hop: Hop, identity: PeerIdentity | undefined, layers: LayerDecision[]): void {
    // Network policies' paths are matched without dot segments (Calico's in the sidecar, the common
    // API by definition; Cilium's Envoy normalizes and merges slashes, and keeps the query string);
    // an Istio proxy normalizes, Linkerd does not.
    const network = attributesOf(hop, identity, true, this.mesh.settings.ciliumNormalizePath);
    for (const d of ["egress", "ingress"] as const) {
      const l = networkAuthorize(this.policies, hop, network, d);
      if (l) layers.push(l);
      if (l?.verdict === "deny") return;
    }
    // The path as the Istio proxy that reads it normalizes it: the waypoint's, else the server's sidecar's (each its revision's).
    const waypoint = hop.waypoint && { ...hop.waypoint, settings: istioWaypointSettings(this.policies.inventory, hop.waypoint) };
    const normalization = (waypoint?.settings ?? istioSettingsOf(this.mesh, hop.server.endpoint)).istioPathNormalization;
    // A waypoint in front of a Linkerd server normalizes too, and forwards the normalized path (Envoy's HCM normalize_path:
    // "This affects the upstream :path header as well").
    layers.push(...this.meshLayers(hop, attributesOf(hop, identity, hop.server.proxy !== "linkerd" || waypoint !== undefined, true, normalization), waypoint));
  }

  private meshLayers(hop: Hop, a: Attributes, waypoint: Waypoint | undefined): LayerDecision[] {
    const e = hop.server.endpoint;
    const where = `${e.namespace}/${e.name}`;
    if (waypoint && hop.server.proxy !== "istio-ambient") {
      // A Service's or ServiceEntry's waypoint in front of a destination outside the ambient mesh: it decides first,
      // then the destination's own proxy, if any, sees the waypoint's identity (an address outside the model: nothing more).
      // The waypoint speaks Istio mTLS to an Istio sidecar only (pilot/pkg/xds/endpoints/endpoint_builder.go: "supportsMtls :=
      // e.TLSMode == model.IstioMutualTLSModeLabel"), plaintext to anything else: a Linkerd proxy sees no identity, a client in the pod network.
      // The server's proxy reads the request the waypoint forwards: after its jwt_authn removed the token's header
      // (forwardOriginalToken false) and the claim headers, and wrote its own (withJwt: the attributes its RBAC saw).
      let forwarded = a;
      const l = this.waypointLayer(hop, a, waypoint, (x) => { forwarded = x; });
      if (l.verdict === "deny" || e.kind === "external") return [l];
      return [l, ...this.meshLayers({ ...hop, waypoint: undefined }, behindWaypointAt(hop.server.proxy, forwarded, waypoint, waypoint.settings, this.mesh), undefined)];
    }
    switch (hop.server.proxy) {
      case "linkerd": {
        const why = linkerdBypass(this.linkerd, hop);
        return [why ? bypassed(hop, why) : linkerdAuthorize(this.linkerd, hop, a)];
      }
      case "istio-sidecar": {
        const point = istioPoint(hop);
        return [(point === "sidecar-http" && istioRejects(hop, where)) || istioDecide(hop, this.jwt.for(e), this.istio.for(e), point, a, where, istioSettingsOf(this.mesh, e).istioExtensionProviders, this.mesh.settings.now)];
      }
      case "istio-ambient": return this.ambient(hop, a, where, waypoint);
      case "none": return [unenforced(e)];
    }
  }

  /**
   * An Istio gateway's own RBAC: its Envoy enforces the AuthorizationPolicies of its pod (the selector
   * ones and those whose targetRefs name its Gateway: IstioPolicies.for) in the listener's HTTP filter
   * chain, before the router (a denial is 403 whatever the routes say), or in a TCP listener's network
   * filters. The client reaches a gateway listener without the mesh's mutual TLS: no identity.
   * Undefined when no policy applies to the pod.
   */
  istioGateway(hop: Hop): LayerDecision | undefined {
    const e = hop.server.endpoint;
    const policies = this.istio.for(e), jwt = this.jwt.for(e);
    if (!policies.length && !jwt.length) return undefined;
    const settings = istioSettingsOf(this.mesh, e);
    const where = `${e.namespace}/${e.name} (the Gateway's pod)`;
    const trusted = this.mesh.istio.gatewayTrustedProxies?.get(`${e.namespace}/${e.name}`) ?? settings.istioGatewayTrustedProxies ?? 0;
    const a = gatewayClient(attributesOf(hop, undefined, true, true, settings.istioPathNormalization), trusted);
    return (hop.http && istioRejects(hop, where)) || istioDecide(hop, jwt, policies, hop.http ? "sidecar-http" : "sidecar-tcp", a, where, settings.istioExtensionProviders, this.mesh.settings.now);
  }

  /** Ambient: the waypoint (when the destination uses one) with every field, then ztunnel at L4, which sees the waypoint's identity. */
  private ambient(hop: Hop, a: Attributes, where: string, wp: Waypoint | undefined): LayerDecision[] {
    const out: LayerDecision[] = [];
    let ztunnel: Attributes = { ...a, http: undefined };
    if (wp) {
      const l = this.waypointLayer(hop, a, wp);
      out.push(l);
      if (l.verdict === "deny") return out;
      ztunnel = behindWaypoint(a, wp, wp.settings);
    }
    out.push(istioAuthorize(hop, this.istio.for(hop.server.endpoint, false), "ztunnel", ztunnel, where));
    return out;
  }

  /** The waypoint's decision: the policies attached to it, to the Service or the ServiceEntry the request is addressed to (istioWaypointPolicies). */
  private waypointLayer(hop: Hop, a: Attributes, wp: Waypoint, forward?: (a: Attributes) => void): LayerDecision {
    const where = `${wp.namespace}/${wp.name}`;
    const jwt = attachedToWaypoint(this.mesh.istio.requestAuthentications, wp.settings, wp, hop.service?.service, hop.serviceEntry);
    return istioRejects(hop, where) ?? istioDecide(hop, jwt, istioWaypointPolicies(this.mesh, wp.settings, wp, hop.service?.service, hop.serviceEntry), istioPoint(hop), a, where, wp.settings.istioExtensionProviders, this.mesh.settings.now, forward);
  }
}

/**
 * An Envoy-based Istio point's decision: on an HTTP chain its jwt_authn filter (the RequestAuthentications
 * `jwt`, engine/l7/jwt.ts) before its RBAC; a TCP chain has no HTTP filters.
 */
function istioDecide(hop: Hop, jwt: readonly IstioRequestAuthentication[], policies: readonly IstioAuthorization[], point: IstioPoint, a: Attributes, where: string, providers: MeshSettings["istioExtensionProviders"], now: number | undefined, forward?: (a: Attributes) => void): LayerDecision {
  // `forward` hears the attributes the RBAC filter saw: the request the point forwards (when jwt_authn's
  // answer turns on a signature Junction cannot check, withJwt asks first as if it verified).
  let told = false;
  const authorize = (x: Attributes) => {
    if (!told) { told = true; forward?.(x); }
    return istioAuthorize(hop, policies, point, x, where, providers);
  };
  return point === "sidecar-http" || point === "waypoint" ? withJwt(hop, jwt, a, istioEnforcer(point, where), authorize, now) : authorize(a);
}

/** The hop's waypoint with the settings of the istiod revision that manages it (istioWaypointSettings, looked up once per hop). */
type Waypoint = NonNullable<Hop["waypoint"]> & { settings: MeshSettings };

function plaintext(): Transport {
  return { mtls: false, decision: { layer: "transport", enforcer: "the server's proxy (mutual TLS)", verdict: "allow", summary: "plaintext: the hop does not pass the server's Linkerd proxy", trace: [], warnings: [] } };
}

/** What ztunnel sees of a request a waypoint forwarded: the waypoint's identity, no HTTP, no client address. */
export function behindWaypoint(a: Attributes, wp: { name: string; namespace: string }, settings: MeshSettings): Attributes {
  const td = istioTrustDomainOf(settings);
  // The waypoint's verified JWT (request.auth) is its own: the next proxy judges the request it is sent.
  const { jwt: _jwt, ...rest } = a;
  return { ...rest, http: undefined, sourceIp: undefined, identity: { principal: `${td}/ns/${wp.namespace}/sa/${wp.name}`, namespace: wp.namespace, serviceAccount: wp.name, trustDomain: td } };
}

/**
 * What a server's proxy (`proxy`) outside the ambient mesh sees of a request a waypoint forwards: the
 * waypoint speaks Istio mutual TLS to an Istio sidecar only (pilot/pkg/xds/endpoints/endpoint_builder.go:
 * "supportsMtls := e.TLSMode == model.IstioMutualTLSModeLabel"), so a sidecar sees the waypoint's
 * identity (behindWaypoint), a Linkerd proxy plaintext from a pod of the cluster: no identity. The
 * request is the one the waypoint read (`a.http`: its path normalized, Envoy's normalize_path "affects
 * the upstream :path header as well"), which Linkerd reads its own way (each repeated header apart).
 */
export function behindWaypointAt(proxy: ProxyKind, a: Attributes, wp: { name: string; namespace: string }, settings: MeshSettings, mesh: MeshModel): Attributes {
  if (proxy !== "linkerd") return { ...behindWaypoint(a, wp, settings), ...(a.http ? { http: a.http } : {}) };
  const { identity: _i, sourceIp: _s, jwt: _j, http, ...rest } = a;
  return { ...rest, sourceWithin: mesh.settings.linkerdClusterNetworks, ...(http ? { http: { ...http, repeated: "each" as const } } : {}) };
}

/** Envoy refuses a path its normalization cannot canonicalize (an escaped NUL) with 400, before any filter. */
function istioRejects(hop: Hop, where: string): LayerDecision | undefined {
  if (!hop.http || !istioPathRejected(splitPath(hop.http.path).path)) return undefined;
  return {
    layer: "istio", enforcer: `Istio proxy of ${where}`, verdict: "deny", trace: [], warnings: [], denial: { status: 400 },
    summary: `the path ${JSON.stringify(hop.http.path)} has an escaped NUL (%00), which Envoy's path normalization refuses: 400 before authorization`,
  };
}

function unenforced(e: Endpoint): LayerDecision {
  return { layer: "istio", enforcer: `${e.namespace}/${e.name} (no proxy)`, verdict: "allow", summary: "no mesh proxy on the server: nothing enforces L7 policy there", trace: [], warnings: [] };
}

/**
 * The attributes of the hop as the server's enforcement point sees them. `normalize`: the point is
 * Envoy-based (Istio, Cilium, Calico in the sidecar), which normalizes the path and reads a repeated
 * header as its values joined with ","; Linkerd's proxy does neither and matches each value.
 */
export function attributesOf(hop: Hop, identity: PeerIdentity | undefined, normalize: boolean, ciliumNormalize = true, istioMode: IstioPathNormalization = "BASE"): Attributes {
  const sourceIp = hop.client.address ?? hop.client.endpoint?.addresses[0];
  const destinationIp = hop.server.address ?? hop.server.endpoint.addresses[0];
  const svc = hop.service;
  const sni = identity && svc ? `outbound_.${svc.port.port}_._.${serviceHost(svc.service)}` : undefined;
  return {
    ...(identity ? { identity } : {}), ...(sourceIp ? { sourceIp, remoteIp: sourceIp } : {}), ...(destinationIp ? { destinationIp } : {}),
    destinationPort: hop.port, ...(sni ? { sni } : {}), ...(hop.http ? { http: httpAttributes(hop.http, normalize, ciliumNormalize, istioMode) } : {}),
    ...(hop.http?.forwardedUnknown ? { remoteUnknown: hop.http.forwardedUnknown } : {}), ...(hop.clientUnknown ? { peerUnknown: hop.clientUnknown } : {}),
  };
}

/**
 * `ciliumNormalize`: Cilium's --http-normalize-path (off: its rules match the :path as sent).
 * `istioMode`: Istio's meshConfig pathNormalization, for the path of a normalizing point (BASE: the
 * network policies' points, which normalize as Envoy's normalize_path does).
 */
function httpAttributes(h: NonNullable<Hop["http"]>, normalize: boolean, ciliumNormalize: boolean, istioMode: IstioPathNormalization): HttpAttributes {
  const { path: sent, query } = splitPath(h.path);
  const headers = new Map<string, string[]>();
  for (const [k, v] of h.headers) { const key = k.toLowerCase(); headers.set(key, [...(headers.get(key) ?? []), v]); }
  const path = normalize ? istioPath(sent, istioMode) : sent;
  const cleanPath = calicoCleanPath(path);
  return {
    method: h.method, host: h.host, path, url: normalize && ciliumNormalize ? ciliumUrl(h.path) : h.path, query, headers,
    repeated: normalize ? "envoy" : "each", ...(cleanPath !== undefined ? { cleanPath } : {}),
  };
}
