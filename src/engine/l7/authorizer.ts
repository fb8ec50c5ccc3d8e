// The L7 layer as the request walk's Authorizer (engine/authorizer.ts): the walk's facts become a
// Hop, the L7 engine's layers become authorization decisions (one per layer, in order).

import type { Endpoint, Service } from "../../model/endpoint.js";
import { formatAddress, type Address } from "../../model/ip.js";
import type { IstioServiceEntry } from "../../model/mesh.js";
import type { Inventory } from "../../model/inventory.js";
import type { AuthorizationDecision, AuthorizationRequest, Authorizer, Peer } from "../authorizer.js";
import { proxyMesh, type Membership } from "../mesh/membership.js";
import { ISTIO_GATEWAY_CONTROLLER, requestWaypoint } from "../mesh/waypoint.js";
import { findService } from "../../model/services.js";
import type { PolicyEngine } from "../verdict.js";
import { L7Engine } from "./engine.js";
import type { Hop, HopEnd, LayerDecision, ProxyKind } from "./hop.js";

/** The Service a request names as "namespace/name" (AuthorizationRequest's service, gateway.service). */
const serviceAt = (inv: Inventory, key: string) => { const [ns, name] = key.split("/"); return findService(inv, ns, name); };
/** The ServiceEntry a request names as "namespace/name" (AuthorizationRequest's serviceEntry). */
const findServiceEntry = (inv: Inventory, key: string) => { const [ns, name] = key.split("/"); return inv.mesh.istio.serviceEntries.find((e) => e.namespace === ns && e.name === name); };

/**
 * The proxy of a request's end, as the walk's membership found it: a sidecar (injection, or the
 * proxy container), or ztunnel when the pod is in Istio's ambient mesh. Without visible injection the walk
 * takes every pod to be in the mesh ("gamma"): they run the proxy of the mesh whose policies the
 * input has (Istio first).
 */
export function proxyOf(inv: Inventory, p: Peer): ProxyKind {
  const e = p.endpoint, m: Membership = p.mesh;
  if (!e || e.kind !== "pod") return "none";
  const mesh = proxyMesh(inv, m);
  if (mesh === "istio") return m.dataplane === "ambient" ? "istio-ambient" : "istio-sidecar";
  return mesh ?? "none";
}

/**
 * The waypoint the request goes through (mesh/waypoint.ts requestWaypoint, as routing asks it): an
 * ambient client's ztunnel sends a request to a Service's cluster IP to the Service's waypoint
 * whatever runs at the endpoints (outbound.rs build_request: fetch_service_waypoint before
 * fetch_upstream), one to a pod's address to the workload's, enforced when the pod is in the ambient mesh.
 */
export function waypointOf(inv: Inventory, client: HopEnd, server: HopEnd & { endpoint: Endpoint }, service: Service | undefined, ingress?: Service): Hop["waypoint"] {
  const serviceAddressed = client.proxy === "istio-ambient" && service !== undefined && !service.headless && !ingress;
  if (server.proxy !== "istio-ambient" && !serviceAddressed) return undefined;
  return requestWaypoint(inv, { ambientClient: client.proxy === "istio-ambient", service, endpoint: server.endpoint, ...(ingress ? { ingress } : {}) }).waypoint;
}

function end(inv: Inventory, p: Peer): HopEnd {
  return { ...(p.endpoint ? { endpoint: p.endpoint } : {}), ...(p.address ? { address: p.address } : {}), proxy: proxyOf(inv, p) };
}

/**
 * The waypoint of an ambient client's request to a ServiceEntry (mesh/waypoint.ts requestWaypoint, as
 * routing asks it): it is enforced whatever the destination runs, an address outside the mesh included.
 */
function entryWaypoint(inv: Inventory, client: HopEnd, entry: IstioServiceEntry): Hop["waypoint"] {
  return requestWaypoint(inv, { ambientClient: client.proxy === "istio-ambient", serviceEntry: entry }).waypoint;
}

/** The destination of a ServiceEntry outside the model, as the hop's server: its address when known. */
const outside = (entry: IstioServiceEntry, address: Address | undefined): Endpoint =>
  ({ id: -1, kind: "external", name: address ? formatAddress(address) : `(an address of ServiceEntry ${entry.namespace}/${entry.name})`, labels: {}, addresses: address ? [address] : [], ports: [] });

export function hopOf(inv: Inventory, req: AuthorizationRequest): Hop | undefined {
  const entry = req.serviceEntry ? findServiceEntry(inv, req.serviceEntry.name) : undefined;
  const server = req.server.endpoint ?? (entry ? outside(entry, req.server.address) : undefined);
  if (!server) return undefined;
  const svc = req.service ? serviceAt(inv, req.service.name) : undefined;
  const port = svc?.ports.find((p) => p.port === req.service!.port);
  const h = req.http;
  const clusterSvc = req.cluster ? serviceAt(inv, req.cluster.name) : undefined, clusterPort = clusterSvc?.ports.find((p) => p.port === req.cluster!.port);
  const cluster = clusterSvc && clusterPort ? { service: clusterSvc, port: clusterPort, ...(req.cluster!.subset ? { subset: req.cluster!.subset } : {}) } : undefined;
  const serverEnd = { ...end(inv, req.server), endpoint: server }, clientEnd = end(inv, req.client);
  // An Istio gateway's backend Service (the Service the gateway sends to, for istio.io/ingress-use-waypoint).
  const ingress = req.gateway?.controller === ISTIO_GATEWAY_CONTROLLER && req.gateway.service ? serviceAt(inv, req.gateway.service.name) : undefined;
  const waypoint = entry ? entryWaypoint(inv, clientEnd, entry) : waypointOf(inv, clientEnd, serverEnd, svc, ingress);
  // Through the waypoint, the gateway's request is for its backend Service (the policies attached to it apply there).
  const viaPort = waypoint && ingress && !svc ? ingress.ports.find((p) => p.port === req.gateway!.service!.port) : undefined;
  return {
    client: clientEnd, server: serverEnd, port: req.port,
    ...(svc && port ? { service: { service: svc, port } } : viaPort ? { service: { service: ingress!, port: viaPort } } : {}),
    ...(cluster ? { cluster } : {}),
    ...(h ? { http: { method: h.method, host: h.host, path: h.path, headers: h.headers, ...(h.grpc ? { grpc: true } : {}), ...(h.forwardedUnknown ? { forwardedUnknown: h.forwardedUnknown } : {}) } } : {}),
    ...(req.network ? { network: req.network } : {}),
    ...(waypoint ? { waypoint } : {}), ...(entry ? { serviceEntry: { name: entry.name, namespace: entry.namespace } } : {}),
  };
}

function decision(l: LayerDecision): AuthorizationDecision {
  return { verdict: l.verdict, enforcer: l.enforcer, summary: l.summary, trace: [...l.trace, ...l.warnings.map((w) => `warning: ${w}`)], ...(l.policy ? { policy: l.policy } : {}), ...(l.denial ? { denial: l.denial } : {}), ...(l.unknown ? { unknown: l.unknown } : {}) };
}

/** The L7 layer for the walk: transport, network policies' HTTP rules, the server's mesh proxy. */
export class L7Authorizer implements Authorizer {
  readonly name = "l7";
  private engine: L7Engine;

  constructor(private policies: PolicyEngine) {
    this.engine = new L7Engine(policies);
  }

  authorize(req: AuthorizationRequest): AuthorizationDecision[] {
    const hop = hopOf(this.policies.inventory, req);
    if (!hop) return [];
    return this.engine.authorize(hop).layers.map(decision);
  }

  /** The RBAC of an Istio gateway's pod `gateway` for the request it takes from `client` on its listener `port` (L7Engine.istioGateway). */
  atIstioGateway(client: Peer, gateway: Endpoint, port: number, http: Hop["http"], clientUnknown?: string): AuthorizationDecision | undefined {
    const inv = this.policies.inventory;
    const hop: Hop = { client: end(inv, client), server: { endpoint: gateway, proxy: "istio-sidecar" }, port, ...(http ? { http } : {}), ...(clientUnknown ? { clientUnknown } : {}) };
    const l = this.engine.istioGateway(hop);
    return l && decision(l);
  }
}
