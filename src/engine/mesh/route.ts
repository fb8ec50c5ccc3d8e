// The routing layer at a Service frontend: the client's proxy applies the routes bound to the
// Service port for the client's namespace (consumer routes, else producer routes; Linkerd's proxy:
// both, less the routes its policy controller ignores); once any route is bound, a request no rule
// matches is answered 404 (the mesh overview's "Request Flow", 3c).

import type { Service, ServicePort } from "../../model/endpoint.js";
import { linkerdOutboundIgnored, routeKey } from "../../model/route.js";
import { routeHttp } from "../gateway/http.js";
import type { MatchReader } from "../gateway/match.js";
import type { RouteRequest, RouteResult } from "../gateway/request.js";
import type { MeshEngine, PortRoutes } from "./engine.js";

/** The client's namespace (consumer routes) and how its proxy reads the request (default envoy). */
export interface MeshClient { namespace?: string; reader?: MatchReader }

export const servicePlace = (s: Service, p: ServicePort) => `Service ${s.namespace}/${s.name} port ${p.port}`;

/**
 * Routes the request with the routes that apply; undefined when none is bound for this client (`res`
 * untouched but for the candidates when Linkerd ignores every bound route: its policy controller then
 * sends no route, and the proxy's default route forwards to the Service, outbound.rs
 * default_outbound_route).
 */
export function routeAtService(mesh: MeshEngine, s: Service, sp: ServicePort, client: MeshClient, req: RouteRequest, res: RouteResult): PortRoutes | undefined {
  const linkerd = client.reader === "linkerd";
  const bound = mesh.routesFor(s, sp, client.namespace, linkerd);
  if (!bound) return undefined;
  if (linkerd && bound.routes.every((r) => linkerdOutboundIgnored(r.state.route))) {
    res.candidates = bound.routes.map((r) => ({ route: routeKey(r.state.route), rule: -1, match: -1, outcome: `ignored: ${linkerdOutboundIgnored(r.state.route)}` }));
    return undefined;
  }
  routeHttp({ graph: mesh.inv.routing, routes: bound.routes, port: sp.port, scheme: "http", place: servicePlace(s, sp), reader: client.reader }, req, res);
  return bound;
}
