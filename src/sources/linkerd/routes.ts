// Linkerd's inbound routes: HTTPRoutes (policy.linkerd.io, and gateway.networking.k8s.io) and
// GRPCRoutes whose parentRefs name a Server. Their matches follow the Gateway API, lowered into
// L7 clauses: Exact and PathPrefix (whole segments) paths and RegularExpression (RE2 syntax; the
// proxy's leftmost-first match must span the value), methods, headers (any-case names) and query
// parameters (a repeated one matches when any of its values does); a gRPC method is the path
// /SERVICE/METHOD, matched exactly (Linkerd refuses a RegularExpression method match).

import type { Clause, Condition, StringMatch } from "../../model/l7.js";
import { linkerdRpcPathRegex, type LinkerdRoute } from "../../model/mesh.js";
import { isServiceParent, linkerdIgnoredRoute, type NameValueMatch, type Route, type RouteMatch } from "../../model/route.js";
import type { InventoryBuilder } from "../builder.js";
import type { FrontEnd } from "../frontend.js";
import { readHttpRule, readRoute } from "../gateway/routes.js";

export const LINKERD_GROUP = "policy.linkerd.io";
const ROUTE_APIS = ["v1alpha1", "v1beta1", "v1beta2", "v1beta3"].map((v) => `${LINKERD_GROUP}/${v}`);


function valueMatch(m: { type: string; value: string }): StringMatch {
  return m.type === "RegularExpression" ? { kind: "regex", regex: m.value, firstMatch: true } : { kind: "exact", value: m.value };
}

function nameValues(attribute: "request.header" | "request.query", list: readonly NameValueMatch[]): Condition[] {
  return list.map((h) => ({ attribute, name: attribute === "request.header" ? h.name.toLowerCase() : h.name, values: [valueMatch(h)] }));
}

/**
 * The gRPC service and method as a condition on the path (model/mesh.ts linkerdRpcPathRegex: the
 * path's second and third "/"-pieces, exact strings, further pieces ignored).
 */
function grpcPath(g: NonNullable<RouteMatch["grpc"]>): Condition {
  return { attribute: "request.path", values: [{ kind: "regex", regex: linkerdRpcPathRegex(g.service, g.method) }] };
}

/** One Gateway API match as a clause. */
export function routeMatchClause(m: RouteMatch): Clause {
  const out: Condition[] = [];
  if (m.path) {
    const v: StringMatch = m.path.type === "PathPrefix" ? { kind: "segments", value: m.path.value } : valueMatch(m.path);
    if (!(v.kind === "segments" && v.value === "/")) out.push({ attribute: "request.path", values: [v] });
  }
  if (m.grpc) out.push(grpcPath(m.grpc));
  if (m.method) out.push({ attribute: "request.method", values: [{ kind: "exact", value: m.method }] });
  out.push(...nameValues("request.header", m.headers), ...nameValues("request.query", m.queryParams));
  return out;
}

/**
 * Why Linkerd's policy controller refuses a route's Server parents (inbound/routes.rs
 * from_http_parent_ref: a Server in another namespace, a port or a sectionName make the whole route
 * invalid, so it attaches to no Server), or undefined.
 */
export function invalidServerParent(r: Pick<Route, "namespace" | "parentRefs">): string | undefined {
  const bad = r.parentRefs.find((p) => p.group === LINKERD_GROUP && p.kind === "Server" && (p.namespace !== r.namespace || p.port !== undefined || p.sectionName !== undefined));
  if (!bad) return undefined;
  const why = bad.namespace !== r.namespace ? `the Server ${bad.namespace}/${bad.name} is in another namespace` : `the parent Server ${bad.name} names a ${bad.port !== undefined ? "port" : "sectionName"}`;
  return `${why}: Linkerd's policy controller refuses the route, which attaches to no Server`;
}

/** A route in the model's route graph whose parents include Linkerd Servers. */
export function linkerdRouteOf(r: Pick<Route, "kind" | "namespace" | "name" | "parentRefs" | "hostnames" | "rules" | "src">, group: string, created?: number): LinkerdRoute | undefined {
  const servers = r.parentRefs.filter((p) => p.group === LINKERD_GROUP && p.kind === "Server" && p.namespace === r.namespace).map((p) => p.name);
  if (!servers.length || (r.kind !== "HTTPRoute" && r.kind !== "GRPCRoute") || invalidServerParent(r) || linkerdIgnoredRoute(r)) return undefined;
  return {
    kind: r.kind, group, name: r.name, namespace: r.namespace, servers, hostnames: r.hostnames,
    rules: r.rules.map((rule) => ({ index: rule.index, matches: rule.matches.map(routeMatchClause) })), ...(created !== undefined ? { created } : {}), src: r.src,
  };
}

const servesLinkerd = (r: Pick<Route, "parentRefs">) => r.parentRefs.some((p) => p.group === LINKERD_GROUP && p.kind === "Server");

/** Gateway API routes attached to Servers, once every object is read. */
export function addGatewayRoutesToServers(b: InventoryBuilder): void {
  b.defer(() => {
    for (const r of b.inv.routing.routes) {
      const invalid = invalidServerParent(r);
      if (invalid) b.diags.warn("ignored", `${r.kind} ${r.namespace}/${r.name}: ${invalid}`, r.src, ["spec", "parentRefs"]);
      const ignored = servesLinkerd(r) ? linkerdIgnoredRoute(r) : undefined;
      if (ignored) b.diags.warn("ignored", `${r.kind} ${r.namespace}/${r.name}: ${ignored}: it attaches to no Server`, r.src, ["spec", "rules"]);
      const lr = linkerdRouteOf(r, "gateway.networking.k8s.io", r.created);
      if (lr) b.inv.mesh.linkerd.routes.push(lr);
    }
  });
}

/**
 * policy.linkerd.io HTTPRoute: the Gateway API HTTPRoute schema in Linkerd's group (without its CEL
 * rules), read by the same reader. Its Server parents make it an inbound route (the Linkerd model);
 * its Service parents an outbound route of Linkerd's clients: the policy controller's outbound index
 * takes policy.linkerd.io and gateway.networking.k8s.io HTTPRoutes alike (policy-controller/k8s/index/
 * src/outbound/index.rs `IndexNamespacedResource<linkerd_k8s_api::HttpRoute>` and `<gateway::HTTPRoute>`
 * both apply_http, one set per Service port keyed by group/kind/namespace/name, neither group
 * preferred: grpc/src/outbound.rs sorts them together by timestamp_then_name), so the route joins the
 * route graph with its Service parents, marked with its group: only a Linkerd proxy reads it
 * (engine/mesh/engine.ts routesFor). Other parents (a Gateway...) are ignored, as by every controller.
 */
export const linkerdHttpRouteFrontEnd: FrontEnd = {
  kind: "HTTPRoute", apiVersions: ROUTE_APIS, namespaced: true,
  read(root, ctx, b) {
    const route = readRoute(root, ctx, b, { kind: "HTTPRoute", readRule: readHttpRule, hostnames: true, cel: false });
    if (!route) return;
    const list = root.get("spec").get("parentRefs");
    route.parentRefs.forEach((p) => {
      if (!(p.kind === "Server" && p.group === LINKERD_GROUP) && !isServiceParent(p)) list.warn("not-modelled", `a ${LINKERD_GROUP} HTTPRoute attaches to Linkerd Servers and (for Linkerd's clients) Services; the parent ${p.group}/${p.kind} ${p.name} is ignored`);
    });
    const invalid = invalidServerParent(route);
    if (invalid) list.warn("ignored", invalid);
    const inbound = linkerdRouteOf(route, LINKERD_GROUP, route.created);
    if (inbound) b.inv.mesh.linkerd.routes.push(inbound);
    const services = route.parentRefs.filter(isServiceParent);
    if (services.length) b.inv.routing.routes.push({ ...route, group: LINKERD_GROUP, parentRefs: services });
  },
};
