// The routing layer at a Service frontend: the client's proxy applies the routes bound to the
// Service port for the client's namespace (consumer routes, else producer routes; Linkerd's proxy:
// both, less the routes its policy controller ignores); once any route is bound, a request no rule
// matches is answered 404 (the mesh overview's "Request Flow", 3c).

import type { Service, ServicePort } from "../../model/endpoint.js";
import { LINKERD_DEFAULT_OPAQUE_PORTS, LINKERD_OPAQUE_PORTS, linkerdPortSet } from "../../model/mesh.js";
import { linkerdOutboundIgnored, routeKey } from "../../model/route.js";
import type { Routable } from "../gateway/precedence.js";
import { routeHttp } from "../gateway/http.js";
import type { MatchReader } from "../gateway/match.js";
import type { RouteRequest, RouteResult } from "../gateway/request.js";
import type { MeshEngine, PortRoutes } from "./engine.js";

/** Why the routes bound at the Service port do not apply to this client: it goes to the Service as if none were bound. */
export interface Unrouted { unrouted: string }

/**
 * The protocol Linkerd's policy controller gives a Service port's outbound policy (policy-controller
 * core/src/outbound.rs AppProtocol::from_str over the port's appProtocol, in any case: "http" is
 * HTTP/1, "kubernetes.io/h2c" HTTP/2, "linkerd.io/tcp", "linkerd.io/opaque" and any other value opaque;
 * without one, k8s/index/src/outbound/index.rs makes the ports of the Service's annotation
 * config.linkerd.io/opaque-ports, else of the default opaque ports, opaque), and what the proxy then
 * reads (grpc/src/outbound.rs to_proto): opaque, no HTTP or gRPC route (TCPRoutes only); HTTP/1, the
 * HTTPRoutes only; HTTP/2 or detected, the GRPCRoutes when there are any, else the HTTPRoutes.
 */
export function linkerdOutboundProtocol(s: Service, sp: ServicePort): { kind: "opaque" | "http1" | "http2" | "detect"; why: string } {
  const at = servicePlace(s, sp);
  if (sp.appProtocol !== undefined) {
    const p = sp.appProtocol.toLowerCase();
    const kind = p === "http" ? "http1" : p === "kubernetes.io/h2c" ? "http2" : "opaque";
    return { kind, why: `${at} has appProtocol ${sp.appProtocol}${kind === "opaque" ? `, which Linkerd reads as opaque` : ""}` };
  }
  const listed = s.annotations?.[LINKERD_OPAQUE_PORTS];
  if (listed !== undefined) {
    return linkerdPortSet(listed).has(sp.port) ? { kind: "opaque", why: `${at} is in the Service's annotation ${LINKERD_OPAQUE_PORTS} (${JSON.stringify(listed)})` } : { kind: "detect", why: "" };
  }
  return LINKERD_DEFAULT_OPAQUE_PORTS.includes(sp.port) ? { kind: "opaque", why: `${at} is one of Linkerd's default opaque ports (${LINKERD_DEFAULT_OPAQUE_PORTS.join(", ")})` } : { kind: "detect", why: "" };
}

/** The client's namespace (consumer routes) and how its proxy reads the request (default envoy). */
export interface MeshClient { namespace?: string; reader?: MatchReader }

export const servicePlace = (s: Service, p: ServicePort) => `Service ${s.namespace}/${s.name} port ${p.port}`;

/**
 * Routes the request with the routes that apply; undefined when none is bound for this client (`res`
 * untouched but for the candidates when Linkerd ignores every bound route: its policy controller then
 * sends no route, and the proxy's default route forwards to the Service, outbound.rs
 * default_outbound_route).
 */
export function routeAtService(mesh: MeshEngine, s: Service, sp: ServicePort, client: MeshClient, req: RouteRequest, res: RouteResult): PortRoutes | Unrouted | undefined {
  const linkerd = client.reader === "linkerd";
  const bound = mesh.routesFor(s, sp, client.namespace, linkerd);
  if (!bound) return undefined;
  const ignore = (why: (r: Routable) => string | undefined, unrouted: string): Unrouted => {
    res.candidates = bound.routes.map((r) => ({ route: routeKey(r.state.route), rule: -1, match: -1, outcome: `ignored: ${why(r)}` }));
    return { unrouted };
  };
  if (linkerd) {
    const protocol = linkerdOutboundProtocol(s, sp);
    const kind = bound.routes[0].state.route.kind;
    if (protocol.kind === "opaque") return ignore(() => `${protocol.why}: Linkerd's proxy forwards the connection opaquely, without HTTP routes`, `${protocol.why}: Linkerd's proxy forwards the connection to the Service opaquely, without HTTP routes`);
    if (protocol.kind === "http1" && kind === "GRPCRoute") return ignore(() => `${protocol.why}: Linkerd's proxy uses HTTPRoutes only there`, `${protocol.why}: Linkerd's proxy uses HTTPRoutes only there, and a GRPCRoute holds the port`);
    if (bound.routes.every((r) => linkerdOutboundIgnored(r.state.route))) return ignore((r) => linkerdOutboundIgnored(r.state.route), `Linkerd's policy controller leaves out every route bound to ${servicePlace(s, sp)}`);
  }
  routeHttp({ graph: mesh.inv.routing, routes: bound.routes, port: sp.port, scheme: "http", place: servicePlace(s, sp), reader: client.reader }, req, res);
  return bound;
}
