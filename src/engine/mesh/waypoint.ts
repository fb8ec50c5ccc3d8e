// Istio ambient waypoints: which waypoint a request goes through (pilot/pkg/serviceregistry/ambient/
// waypoints.go, ztunnel src/proxy/outbound.rs build_request). ztunnel carries an ambient client's
// connections at L4; HTTP routes bound to a Service apply only at the Service's waypoint
// (pilot/pkg/networking/core/listener_waypoint.go buildWaypointInboundHTTPRouteConfig), and not at all
// when it uses none. The routing walk and the L7 authorizer ask requestWaypoint, the one answer to
// "which waypoint, if any, sees this request".

import type { Endpoint, Service } from "../../model/endpoint.js";
import type { Gateway } from "../../model/gateway.js";
import type { Inventory } from "../../model/inventory.js";
import { isGoTrue } from "../../model/gobool.js";
import { metadataMap } from "../../model/route.js";
import type { IstioServiceEntry } from "../../model/mesh.js";
import type { Labels } from "../../model/selector.js";
import { namespaceAllowed } from "../gateway/attach.js";

export const USE_WAYPOINT = "istio.io/use-waypoint";
export const USE_WAYPOINT_NAMESPACE = "istio.io/use-waypoint-namespace";
const WAYPOINT_FOR = "istio.io/waypoint-for";
/** The label istiod puts on a waypoint's own Service (gateway.istio.io/managed: istio.io-mesh-controller): it has no waypoint. */
const MANAGED = "gateway.istio.io/managed";
const MESH_CONTROLLER = "istio.io-mesh-controller";
const INBOUND_BINDING = "ambient.istio.io/waypoint-inbound-binding";

export interface WaypointRef { name: string; namespace: string }

/** Which waypoint a request goes through; none (`waypoint` undefined) with `why`. */
export interface WaypointUse { waypoint?: WaypointRef; why: string }

/**
 * waypoints.go GetUseWaypoint: the waypoint an object's labels name, in istio.io/use-waypoint-namespace
 * or else `namespace`; "none" opts out (Istio reserves the word); undefined when the label is absent.
 */
export function useWaypoint(labels: Readonly<Labels> | undefined, namespace: string): WaypointRef | "none" | undefined {
  const name = labels?.[USE_WAYPOINT];
  if (name === undefined) return undefined;
  if (name === "none") return "none";
  return { name, namespace: labels?.[USE_WAYPOINT_NAMESPACE] ?? namespace };
}

/**
 * The waypoint that sees a request (ztunnel outbound.rs build_request): only an ambient client's
 * ztunnel sends to waypoints (a sidecar or a pod without a proxy sends to the endpoint itself; pilot
 * points only ingress and east-west gateways at a Service's waypoint, endpoint_builder.go
 * findServiceWaypoint: "Currently only ingress and e/w gateway will call waypoints"). Traffic to a
 * Service's cluster IP goes to the Service's waypoint (fetch_service_waypoint), or else straight to
 * an endpoint: the workload's waypoint is not asked ("Don't traverse waypoint if traffic was addressed
 * to a service"); traffic to a pod's address (a headless Service's included) goes to the workload's
 * waypoint (fetch_workload_waypoint).
 */
export function requestWaypoint(inv: Inventory, r: { ambientClient: boolean; service?: Service; serviceEntry?: IstioServiceEntry; endpoint?: Endpoint; ingress?: Service }): WaypointUse {
  if (r.ingress) return ingressWaypoint(inv, r.ingress);
  if (!r.ambientClient) return { why: "the client is not in Istio's ambient mesh: only ztunnel sends to waypoints, so the request goes to the endpoint itself" };
  if (r.service && !r.service.headless) return serviceWaypoint(inv, r.service);
  if (r.serviceEntry) return serviceWaypoint(inv, r.serviceEntry, "ServiceEntry");
  const e = r.endpoint;
  if (!e || e.kind !== "pod") return { why: "the request is addressed to no Service or pod" };
  return workloadWaypoint(inv, e);
}

/** The controller of Istio's Gateway API gateways (pilot's ManagedGatewayController). */
export const ISTIO_GATEWAY_CONTROLLER = "istio.io/gateway-controller";
const INGRESS_USE_WAYPOINT = "istio.io/ingress-use-waypoint";

/**
 * An Istio gateway's request to a backend Service (`ingress`): pilot/pkg/xds/endpoints/
 * endpoint_builder.go findServiceWaypoint gives a gateway (a Router) the Service's waypoint as its
 * endpoints only when the Service opts in (sidecar_interop.go ingressUseWaypoint: the Service's label
 * istio.io/ingress-use-waypoint, parsed as Go's ParseBool, else its namespace's, "true" in any case)
 * and has a cluster IP.
 */
function ingressWaypoint(inv: Inventory, s: Service): WaypointUse {
  const own = s.labels?.[INGRESS_USE_WAYPOINT];
  const ns = inv.namespaces.get(s.namespace)?.labels[INGRESS_USE_WAYPOINT];
  const on = own !== undefined ? isGoTrue(own) : ns?.toLowerCase() === "true";
  if (!on) return { why: `the client is an Istio gateway, which sends to Service ${s.namespace}/${s.name}'s waypoint only when the Service (else its namespace) has the label ${INGRESS_USE_WAYPOINT}=true` };
  if (s.headless) return { why: `Service ${s.namespace}/${s.name} is headless: an Istio gateway sends to its endpoints` };
  const use = serviceWaypoint(inv, s);
  return use.waypoint ? { waypoint: use.waypoint, why: `the Istio gateway sends to the Service's waypoint (${INGRESS_USE_WAYPOINT}): ${use.why}` } : use;
}

/**
 * The waypoint of a Service's traffic (waypoints.go fetchWaypointForService, fetchWaypointForTarget):
 * the Service's label istio.io/use-waypoint ("none": no waypoint), else its namespace's; the waypoint
 * must exist (a Gateway of the input: one that is not is "not ready", and traffic goes without), allow
 * the Service's namespace (its allowedRoutes, waypointAllows) and take Service traffic
 * (istio.io/waypoint-for on the Gateway, else on its GatewayClass: `service`, the default, or `all`;
 * not `workload` or `none`). A waypoint's own Service has none. `why` says how it was decided. A
 * ServiceEntry's is found the same way (services.go serviceEntryServiceBuilder calls the same
 * fetchWaypointForService with the entry's metadata).
 */
export function serviceWaypoint(inv: Inventory, s: Pick<Service, "name" | "namespace" | "labels">, kind: "Service" | "ServiceEntry" = "Service"): WaypointUse {
  if (s.labels?.[MANAGED] === MESH_CONTROLLER) return { why: `${kind} ${s.namespace}/${s.name} is a waypoint's own (${MANAGED}=${MESH_CONTROLLER})` };
  return targetWaypoint(inv, `${kind} ${s.namespace}/${s.name}`, s.namespace, s.labels, "service");
}

/**
 * The waypoint of a pod's traffic (waypoints.go fetchWaypointForWorkload, workloads.go computeWaypoint):
 * as a Service's, from the pod's labels else its namespace's, for a waypoint that takes workload
 * traffic (istio.io/waypoint-for `workload` or `all`: the default `service` does not). A waypoint's own
 * pod (label gateway.networking.k8s.io/gateway-name naming a Gateway of the input) has none.
 */
export function workloadWaypoint(inv: Inventory, e: Endpoint): WaypointUse {
  const ns = e.namespace ?? "";
  const instance = e.labels["gateway.networking.k8s.io/gateway-name"];
  if (instance !== undefined && findGateway(inv, { name: instance, namespace: ns })) return { why: `pod ${ns}/${e.name} is an instance of Gateway ${ns}/${instance}` };
  return targetWaypoint(inv, `pod ${ns}/${e.name}`, ns, e.labels, "workload");
}

function findGateway(inv: Inventory, r: WaypointRef): Gateway | undefined {
  return inv.routing.gateways.find((g) => g.namespace === r.namespace && g.name === r.name);
}

/** waypoints.go fetchWaypointForTarget, then the traffic type check of fetchWaypointForService / fetchWaypointForWorkload. */
function targetWaypoint(inv: Inventory, what: string, namespace: string, labels: Readonly<Labels> | undefined, traffic: "service" | "workload"): WaypointUse {
  const own = useWaypoint(labels, namespace);
  if (own === "none") return { why: `${what} has the label ${USE_WAYPOINT}=none` };
  const nsLabels = inv.namespaces.get(namespace)?.labels;
  const fromNs = own ? undefined : useWaypoint(nsLabels, namespace);
  const named = own ?? (fromNs === "none" ? undefined : fromNs);
  if (!named) return { why: `neither ${what} nor its namespace has the label ${USE_WAYPOINT}` };
  const by = own ? `${what}'s label ${USE_WAYPOINT}` : `namespace ${namespace}'s label ${USE_WAYPOINT}`;
  const at = `waypoint ${named.namespace}/${named.name}`;
  const gw = findGateway(inv, named);
  if (!gw) return { why: `${by} names ${at}, which is not in the input: Istio takes it as not ready and sends the traffic without it` };
  // ambient/waypoints.go WaypointsCollection: "gateway.Status.Addresses should only be populated once the Waypoint's deployment has
  // at least 1 ready pod": a Gateway without them is no waypoint, and what names it has none (a manifest without status: assumed ready).
  if (gw.statusAddresses && !gw.statusAddresses.length) return { why: `${by} names ${at}, whose status has no addresses (no ready waypoint pod yet): istiod does not take it as a waypoint, and the traffic goes without it` };
  const denied = waypointAllows(inv, gw, namespace);
  if (denied) return { why: `${by} names ${at}, which does not allow namespace ${namespace} (${denied}): Istio reports the attachment denied and sends the traffic without it` };
  const cls = inv.routing.gatewayClasses.find((c) => c.name === gw.className);
  const type = metadataMap(gw, "labels")[WAYPOINT_FOR] ?? (cls ? metadataMap(cls, "labels")[WAYPOINT_FOR] : undefined) ?? "service";
  if (type !== traffic && type !== "all") {
    return { why: `${by} names ${at}, which is for ${type} traffic (${WAYPOINT_FOR}), not a ${traffic === "service" ? "Service's" : "workload's (traffic addressed to the pod itself)"}` };
  }
  return { waypoint: named, why: `${by} names ${at}` };
}

/**
 * Whether the waypoint takes traffic of objects in `namespace` (waypoints.go makeAllowedRoutes,
 * AllowsAttachmentFromNamespace): the allowedRoutes of the listener its inbound binding names
 * (annotation ambient.istio.io/waypoint-inbound-binding, "PROXY" or "PROTOCOL/PORT": the listener of
 * that port, or of protocol istio.io/PROXY), else of its HBONE listener on port 15008; without either,
 * only its own namespace. Undefined when it does; else why not.
 */
function waypointAllows(inv: Inventory, gw: Gateway, namespace: string): string | undefined {
  const cls = inv.routing.gatewayClasses.find((c) => c.name === gw.className);
  const binding = metadataMap(gw, "annotations")[INBOUND_BINDING] ?? (cls ? metadataMap(cls, "annotations")[INBOUND_BINDING] : undefined);
  const [protocol, port] = binding?.split("/") ?? [];
  const bound = binding !== undefined && (protocol === "NONE" || protocol === "PROXY") && binding.split("/").length <= 2
    ? gw.listeners.find((l) => (port !== undefined ? l.port === Number(port) : protocol === "PROXY" && l.protocol === "istio.io/PROXY")) : undefined;
  const listener = bound ?? gw.listeners.find((l) => l.protocol === "HBONE" && l.port === 15008);
  const from = listener?.allowedRoutes.namespaces ?? { from: "Same" as const };
  const where = listener ? `listener ${listener.name}'s allowedRoutes from ${from.from}` : "no HBONE listener on port 15008: its own namespace only";
  return namespaceAllowed(from, gw.namespace, namespace, (ns) => inv.namespaces.get(ns)?.labels ?? {}) ? undefined : where;
}
