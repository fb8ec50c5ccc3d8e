// The status a mesh controller writes on a route for each Service parent: Accepted (NoMatchingParent
// when the Service or port is missing or has no frontend, Conflicted when a GRPCRoute took every
// port) and ResolvedRefs (backends resolved without ReferenceGrants, as in the mesh); for each
// ServiceEntry parent, Istio's: Accepted (NoMatchingParent when the entry is missing), ResolvedRefs
// and ResolvedWaypoints (pilot/pkg/config/kube/gateway/conditions.go createRouteStatus).

import type { Route } from "../../model/route.js";
import { condition } from "../gateway/conditions.js";
import { parentRefData, routeConditions, type RouteParentStatus } from "../gateway/status.js";
import type { EntryParent, MeshEngine, MeshRouteState, ServiceParent } from "./engine.js";

/** The controller name written for Service parents. No GatewayClass names the mesh's controller. */
export const MESH_CONTROLLER = "junction.dev/mesh";

function parentStatus(state: MeshRouteState, p: ServiceParent): RouteParentStatus {
  const ports = p.ports.filter((x) => !p.conflicted.includes(x)).map((x) => x.port);
  const bound = `${p.role} route bound to Service ${p.ref.namespace}/${p.ref.name} port${ports.length === 1 ? "" : "s"} ${ports.join(", ")}`;
  return { parentRef: parentRefData(p.ref), controllerName: MESH_CONTROLLER, conditions: routeConditions(state, p.rejected, bound) };
}

/** A ServiceEntry parent: ResolvedWaypoints is True whatever its message says (conditions.go: "when ambient is enabled, report the waypoints resolved condition"). */
function entryParentStatus(state: MeshRouteState, p: EntryParent): RouteParentStatus {
  const bound = `route bound to ServiceEntry ${p.ref.namespace}/${p.ref.name} (${p.entry?.hosts.join(", ")})`;
  const conditions = [...routeConditions(state, p.rejected, bound), condition("ResolvedWaypoints", true, "ResolvedWaypoints", p.waypoint, state.route.generation)];
  return { parentRef: parentRefData(p.ref), controllerName: MESH_CONTROLLER, conditions };
}

/** The route's status entries for its Service and ServiceEntry parents (none when it has none). */
export function meshParentStatuses(mesh: MeshEngine, route: Route): RouteParentStatus[] {
  const state = mesh.state(route);
  return state ? [...state.parents.map((p) => parentStatus(state, p)), ...state.entryParents.map((p) => entryParentStatus(state, p))] : [];
}
