// Istio ambient waypoints: which waypoint a Service's traffic goes through (pilot/pkg/serviceregistry/
// ambient/waypoints.go). ztunnel carries an ambient client's connections at L4; HTTP routes bound to a
// Service apply only at the Service's waypoint (pilot/pkg/networking/core/listener_waypoint.go
// buildWaypointInboundHTTPRouteConfig), and not at all when it uses none.

import type { Service } from "../../model/endpoint.js";
import type { Inventory } from "../../model/inventory.js";
import { metadataMap } from "../../model/route.js";
import type { Labels } from "../../model/selector.js";

export const USE_WAYPOINT = "istio.io/use-waypoint";
export const USE_WAYPOINT_NAMESPACE = "istio.io/use-waypoint-namespace";
const WAYPOINT_FOR = "istio.io/waypoint-for";

export interface WaypointRef { name: string; namespace: string }

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
 * The waypoint of a Service's traffic (waypoints.go fetchWaypointForService, fetchWaypointForTarget):
 * the Service's label istio.io/use-waypoint ("none": no waypoint), else its namespace's; the waypoint
 * must exist (a Gateway of the input: one that is not is "not ready", and traffic goes without) and
 * take Service traffic (istio.io/waypoint-for on the Gateway, else on its GatewayClass: `service`, the
 * default, or `all`; not `workload` or `none`). `why` says how it was decided.
 */
export function serviceWaypoint(inv: Inventory, s: Service): { waypoint?: WaypointRef; why: string } {
  const own = useWaypoint(s.labels, s.namespace);
  if (own === "none") return { why: `Service ${s.namespace}/${s.name} has the label ${USE_WAYPOINT}=none` };
  const ns = inv.namespaces.get(s.namespace);
  const named = own ?? useWaypoint(ns?.labels, s.namespace);
  if (!named || named === "none") return { why: `neither Service ${s.namespace}/${s.name} nor its namespace has the label ${USE_WAYPOINT}` };
  const by = own ? `Service ${s.namespace}/${s.name}'s label ${USE_WAYPOINT}` : `namespace ${s.namespace}'s label ${USE_WAYPOINT}`;
  const at = `waypoint ${named.namespace}/${named.name}`;
  const gw = inv.routing.gateways.find((g) => g.namespace === named.namespace && g.name === named.name);
  if (!gw) return { why: `${by} names ${at}, which is not in the input: Istio takes it as not ready and sends the traffic without it` };
  const cls = inv.routing.gatewayClasses.find((c) => c.name === gw.className);
  const traffic = metadataMap(gw, "labels")[WAYPOINT_FOR] ?? (cls ? metadataMap(cls, "labels")[WAYPOINT_FOR] : undefined) ?? "service";
  if (traffic !== "service" && traffic !== "all") return { why: `${by} names ${at}, which is for ${traffic} traffic (${WAYPOINT_FOR}), not a Service's` };
  return { waypoint: named, why: `${by} names ${at}` };
}
