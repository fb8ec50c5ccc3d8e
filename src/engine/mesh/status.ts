// The status a mesh controller writes on a route for each Service parent: Accepted (NoMatchingParent
// when the Service or port is missing or has no frontend, Conflicted when a GRPCRoute took every
// port) and ResolvedRefs (backends resolved without ReferenceGrants, as in the mesh).

import type { Route } from "../../model/route.js";
import { condition, conditionFrom } from "../gateway/conditions.js";
import type { RouteParentStatus } from "../gateway/status.js";
import type { MeshEngine, MeshRouteState, ServiceParent } from "./engine.js";

/** The controller name written for Service parents. No GatewayClass names the mesh's controller. */
export const MESH_CONTROLLER = "junction.dev/mesh";

function parentStatus(state: MeshRouteState, p: ServiceParent): RouteParentStatus {
  const gen = state.route.generation;
  const { group, kind, namespace, name, sectionName, port } = p.ref;
  const ports = p.ports.filter((x) => !p.conflicted.includes(x)).map((x) => x.port);
  const accepted = p.rejected ? condition("Accepted", false, p.rejected.reason, p.rejected.message, gen)
    : condition("Accepted", true, "Accepted", `${p.role} route bound to Service ${namespace}/${name} port${ports.length === 1 ? "" : "s"} ${ports.join(", ")}`, gen);
  return {
    parentRef: { group, kind, namespace, name, ...(sectionName !== undefined ? { sectionName } : {}), ...(port !== undefined ? { port } : {}) },
    controllerName: MESH_CONTROLLER,
    conditions: [accepted, conditionFrom("ResolvedRefs", state.unresolved, "ResolvedRefs", "all references resolved", gen)],
  };
}

/** The route's status entries for its Service parents (none when it has none). */
export function meshParentStatuses(mesh: MeshEngine, route: Route): RouteParentStatus[] {
  const state = mesh.state(route);
  return state ? state.parents.map((p) => parentStatus(state, p)) : [];
}
