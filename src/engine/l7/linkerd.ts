// Linkerd's inbound policy at the server's proxy, as the policy controller computes it
// (policy-controller/k8s/index/src/inbound/index.rs) and the proxy applies it
// (linkerd2-proxy app/inbound/src/policy):
//   the port's Server: the oldest Server (then by name) whose podSelector matches the pod and whose
//     port (a number, or a container port name) is this port; none: the default server, whose
//     policy is the pod's config.linkerd.io/default-inbound-policy, else the namespace's, else the
//     cluster's (all-unauthenticated unless installed otherwise);
//   HTTP: the request must match one of the HTTPRoutes/GRPCRoutes attached to the Server (none
//     attached: a default route matches everything); no match is 404. It is authorized when one
//     authorization of its route, or of the Server, admits the client: AuthorizationPolicies
//     targeting the route, the Server or the namespace, ServerAuthorizations selecting the Server,
//     the Server's accessPolicy (default deny); the default server admits what its default policy
//     admits. Otherwise 403 (gRPC: PERMISSION_DENIED);
//   opaque and TLS ports, and TCP clients: only the Server's authorizations; unauthorized
//     connections are refused.

import type { Endpoint } from "../../model/endpoint.js";
import type { Clause, Condition, L7Rule, StringMatch } from "../../model/l7.js";
import { linkerdDefaultPolicy, type LinkerdAuthorization, type LinkerdDefaultPolicy, type LinkerdRoute, type LinkerdServer, type MeshModel } from "../../model/mesh.js";
import { matches as selects } from "../../model/selector.js";
import { clauseHolds, ruleMatches, type Attributes } from "./attributes.js";
import { denialOf, type Hop, type LayerDecision, type PolicyRef } from "./hop.js";
import { ref } from "./transport.js";

const DEFAULT_POLICY = "config.linkerd.io/default-inbound-policy";
const OPAQUE_PORTS = "config.linkerd.io/opaque-ports";
/** Linkerd's default opaque ports (proxy.opaquePorts / the injector's default). */
const DEFAULT_OPAQUE = [25, 587, 3306, 4444, 5432, 6379, 9300, 11211];

export interface Admission { why: string; policy?: PolicyRef; rule?: L7Rule; clusterNetworks?: boolean }

/** The annotations of pods and namespaces, where the model keeps them. */
function annotation(o: { annotations?: Readonly<Record<string, string>> } | undefined, key: string): string | undefined {
  return o?.annotations?.[key];
}

export interface LinkerdContext {
  mesh: MeshModel;
  namespaceOf(name: string): { annotations?: Readonly<Record<string, string>> } | undefined;
}

/** The Server for a pod port (oldest, then by name), if any. */
export function linkerdServerFor(mesh: MeshModel, pod: Endpoint, port: number): LinkerdServer | undefined {
  return mesh.linkerd.servers
    .filter((s) => s.namespace === pod.namespace && selects(s.podSelector, pod.labels) && portIs(s.port, pod, port))
    .sort((a, b) => (a.created ?? "~").localeCompare(b.created ?? "~") || a.name.localeCompare(b.name))[0];
}

function portIs(p: number | string, pod: Endpoint, port: number): boolean {
  return typeof p === "number" ? p === port : pod.ports.some((x) => x.name === p && x.port === port && x.protocol === "TCP");
}

export function defaultPolicyFor(ctx: LinkerdContext, pod: Endpoint): { policy: LinkerdDefaultPolicy; from: string } {
  const own = linkerdDefaultPolicy(annotation(pod, DEFAULT_POLICY));
  if (own) return { policy: own, from: `pod annotation ${DEFAULT_POLICY}` };
  const ns = linkerdDefaultPolicy(annotation(ctx.namespaceOf(pod.namespace ?? ""), DEFAULT_POLICY));
  if (ns) return { policy: ns, from: `namespace annotation ${DEFAULT_POLICY}` };
  return { policy: ctx.mesh.settings.linkerdDefaultPolicy, from: "the cluster default" };
}

/** What a default policy admits, as a rule (undefined: nothing). */
function defaultRule(policy: LinkerdDefaultPolicy, mesh: MeshModel): L7Rule | undefined {
  const authenticated: Condition = { attribute: "source.principal", values: [{ kind: "present" }] };
  const cluster: Condition = { attribute: "source.ip", cidrs: mesh.settings.linkerdClusterNetworks.map((cidr) => ({ cidr })) };
  const clause: Record<LinkerdDefaultPolicy, Clause | undefined> = {
    "all-unauthenticated": [], audit: [], "all-authenticated": [authenticated], "cluster-authenticated": [authenticated, cluster], "cluster-unauthenticated": [cluster], deny: undefined,
  };
  const c = clause[policy];
  return c ? { index: 0, from: [c], path: [] } : undefined;
}

function opaque(ctx: LinkerdContext, pod: Endpoint, port: number): boolean {
  const text = annotation(pod, OPAQUE_PORTS) ?? annotation(ctx.namespaceOf(pod.namespace ?? ""), OPAQUE_PORTS);
  if (text === undefined) return DEFAULT_OPAQUE.includes(port);
  return text.split(",").some((part) => {
    const [a, b] = part.trim().split("-").map(Number);
    return b === undefined ? a === port : a <= port && port <= b;
  });
}

/** The authorizations of a Server (not of its routes). */
function serverAuthorizations(mesh: MeshModel, s: LinkerdServer): LinkerdAuthorization[] {
  return mesh.linkerd.authorizations.filter((a) => a.namespace === s.namespace && !a.ignored && (
    (a.target.kind === "Server" && a.target.name === s.name) || a.target.kind === "Namespace" || (a.target.kind === "ServerSelector" && selects(a.target.selector, s.labels))));
}

export function routeAuthorizations(mesh: MeshModel, r: LinkerdRoute): LinkerdAuthorization[] {
  return mesh.linkerd.authorizations.filter((a) => a.namespace === r.namespace && !a.ignored && a.target.kind === "Route"
    && a.target.routeKind === r.kind && a.target.name.toLowerCase() === r.name.toLowerCase() && a.target.group === r.group);
}

/** What admits a client to a route (besides its Server's admissions). */
export function routeAdmissions(mesh: MeshModel, r: LinkerdRoute): Admission[] {
  return routeAuthorizations(mesh, r).map((x) => admissionOf(x, mesh));
}

function admissionOf(a: LinkerdAuthorization, mesh: MeshModel): Admission {
  const cluster: Condition = { attribute: "source.ip", cidrs: mesh.settings.linkerdClusterNetworks.map((cidr) => ({ cidr })) };
  const rule = a.clusterNetworks ? { ...a.clients, from: (a.clients.from ?? [[]]).map((c) => [...c, cluster]) } : a.clients;
  return { why: `${a.kind} ${a.namespace}/${a.name}`, policy: ref(a.kind, a), rule };
}

function admits(list: readonly Admission[], attrs: Attributes): Admission | undefined {
  return list.find((x) => x.rule !== undefined && ruleMatches(x.rule, attrs));
}

/** How specific a route match is (Gateway API precedence, roughly): exact paths, longer prefixes, more conditions first. */
function specificity(c: Clause): number {
  const path = c.find((x) => x.attribute === "request.path");
  const v: StringMatch | undefined = path && "values" in path ? path.values[0] : undefined;
  const p = !v ? 0 : v.kind === "exact" ? 1e6 + v.value.length * 100 : v.kind === "segments" ? v.value.length * 100 : 50;
  return p + c.filter((x) => x.attribute === "request.method").length * 10 + c.filter((x) => x.attribute === "request.header").length * 2 + c.filter((x) => x.attribute === "request.query").length;
}

function hostMatches(route: LinkerdRoute, host: string): boolean {
  if (!route.hostnames.length) return true;
  const h = host.replace(/:\d+$/, "").toLowerCase();
  return route.hostnames.some((n) => (n.startsWith("*.") ? h.endsWith(n.slice(1).toLowerCase()) : n.toLowerCase() === h));
}

/** Every match of the routes in the order they are tried: by precedence, then in input order; the first that holds (with its route's hostnames) takes the request. */
export function routeMatchOrder(routes: readonly LinkerdRoute[]): { route: LinkerdRoute; rule: number; match: Clause }[] {
  const all = routes.flatMap((route) => route.rules.flatMap((rule) => (rule.matches.length ? rule.matches : [[]]).map((match) => ({ route, rule: rule.index, match }))));
  return all.map((x, i) => ({ x, i, score: specificity(x.match) })).sort((a, b) => b.score - a.score || a.i - b.i).map((y) => y.x);
}

/** The route a request takes on a Server, by precedence; undefined when the Server has routes and none matches. */
function routeFor(routes: readonly LinkerdRoute[], a: Attributes): { route: LinkerdRoute; rule: number } | undefined {
  return routeMatchOrder(routes).find((x) => hostMatches(x.route, a.http?.host ?? "") && clauseHolds(x.match, a));
}

/** What admits a client to a Server (not to its routes): its authorizations, then its accessPolicy. */
export function serverAdmissions(mesh: MeshModel, server: LinkerdServer): Admission[] {
  const admissions = serverAuthorizations(mesh, server).map((x) => admissionOf(x, mesh));
  const access = server.accessPolicy && defaultRule(server.accessPolicy, mesh);
  if (access) admissions.push({ why: `the Server's accessPolicy ${server.accessPolicy}`, policy: ref("Server", server), rule: access });
  return admissions;
}

/** A port's policy: its Server (or the default policy), the authorizations of the Server, and whether it speaks HTTP here. */
interface PortPolicy {
  server?: LinkerdServer;
  admissions: Admission[];
  http: boolean;
  trace: string[];
  warnings: string[];
}

function portPolicy(ctx: LinkerdContext, hop: Hop): PortPolicy {
  const pod = hop.server.endpoint, mesh = ctx.mesh;
  const server = linkerdServerFor(mesh, pod, hop.port);
  if (server) {
    const admissions = serverAdmissions(mesh, server);
    const http = server.protocol !== "opaque" && server.protocol !== "TLS" && hop.http !== undefined;
    return { server, admissions, http, trace: [`port ${hop.port} is Server ${server.namespace}/${server.name} (${server.protocol})`], warnings: [] };
  }
  const def = defaultPolicyFor(ctx, pod);
  const rule = defaultRule(def.policy, mesh);
  return {
    admissions: rule ? [{ why: `the default policy ${def.policy} (${def.from})`, rule }] : [],
    http: hop.http !== undefined && !opaque(ctx, pod, hop.port),
    trace: [`no Server selects port ${hop.port}: the default policy ${def.policy} (${def.from})`],
    warnings: def.policy === "audit" ? ["the default policy audit lets every request through and only logs it"] : [],
  };
}

export function linkerdAuthorize(ctx: LinkerdContext, hop: Hop, a: Attributes): LayerDecision {
  const pod = hop.server.endpoint;
  const p = portPolicy(ctx, hop);
  const enforcer = `Linkerd proxy of ${pod.namespace}/${pod.name} (${p.http ? "HTTP" : "opaque TCP"}, port ${hop.port})`;
  const base = { layer: "linkerd" as const, enforcer, trace: p.trace, warnings: p.warnings };
  if (!p.http) return tcpDecision(a, p, base);
  const route = routeOf(ctx.mesh, p, a);
  if (route === "none") {
    return { ...base, verdict: "deny", summary: `no route of Server ${p.server!.namespace}/${p.server!.name} matches the request: 404`, policy: ref("Server", p.server!), denial: hop.http!.grpc ? { status: 200, grpcCode: "UNIMPLEMENTED" } : { status: 404 } };
  }
  if (route.rule !== undefined) p.trace.push(`the request takes ${route.name}, rule ${route.rule}`);
  const all = [...route.admissions, ...p.admissions];
  const ok = admits(all, a);
  if (ok) return { ...base, verdict: "allow", summary: `allowed on ${route.name} by ${ok.why}`, ...(ok.policy ? { policy: { ...ok.policy, ...(ok.rule?.path.length ? { path: ok.rule.path } : {}) } } : {}) };
  return {
    ...base, verdict: "deny", summary: `unauthorized on ${route.name}: ${all.length ? `no authorization admits the client (${all.map((x) => x.why).join(", ")})` : "nothing authorizes it"}`,
    ...(p.server ? { policy: ref("Server", p.server) } : {}), denial: denialOf(hop),
  };
}

/** The route the request takes on its Server with that route's authorizations; "none" when routes exist and none matches. */
function routeOf(mesh: MeshModel, p: PortPolicy, a: Attributes): { name: string; rule?: number; admissions: Admission[] } | "none" {
  const server = p.server;
  const routes = server ? mesh.linkerd.routes.filter((r) => r.namespace === server.namespace && r.servers.includes(server.name)) : [];
  if (!routes.length) return { name: "the default route", admissions: [] };
  const hit = routeFor(routes, a);
  if (!hit) return "none";
  return { name: `${hit.route.kind} ${hit.route.namespace}/${hit.route.name}`, rule: hit.rule, admissions: routeAuthorizations(mesh, hit.route).map((x) => admissionOf(x, mesh)) };
}

function tcpDecision(a: Attributes, p: PortPolicy, base: Omit<LayerDecision, "verdict" | "summary">): LayerDecision {
  const ok = admits(p.admissions, a);
  if (ok) return { ...base, verdict: "allow", summary: `connection allowed by ${ok.why}`, ...(ok.policy ? { policy: ok.policy } : {}) };
  const why = p.admissions.length ? `no authorization admits the client (${p.admissions.map((x) => x.why).join(", ")})` : "nothing authorizes it";
  return { ...base, verdict: "deny", summary: `connection refused: ${why}`, ...(p.server ? { policy: ref("Server", p.server) } : {}), denial: { connection: "rejected" } };
}

/** What a Linkerd port lets a client through, route by route (for `list --l7`); no request is evaluated. */
export interface LinkerdAccess {
  /** "Server NS/NAME", or "the default policy P (where it is set)". */
  port: string;
  /** Whether the port speaks HTTP (not opaque or TLS): routes and request conditions apply. */
  http: boolean;
  /** The Server's authorizations (or the default policy) admit the client: every route, or the connection. */
  serverAdmits: boolean;
  /** The routes attached to the Server, each with its matches and whether an authorization admits the client; undefined: the default route (every request). */
  routes?: { name: string; matches: Clause[]; admitted: boolean }[];
}

export function linkerdAccess(ctx: LinkerdContext, hop: Hop, a: Attributes): LinkerdAccess {
  const p = portPolicy(ctx, { ...hop, http: hop.http ?? { method: "GET", host: "", path: "/", headers: [] } });
  const serverAdmits = admits(p.admissions, a) !== undefined;
  const def = p.server ? undefined : defaultPolicyFor(ctx, hop.server.endpoint);
  const port = p.server ? `Server ${p.server.namespace}/${p.server.name}` : `the default policy ${def!.policy} (${def!.from})`;
  const server = p.server;
  const attached = server ? ctx.mesh.linkerd.routes.filter((r) => r.namespace === server.namespace && r.servers.includes(server.name)) : [];
  if (!p.http || !attached.length) return { port, http: p.http, serverAdmits };
  const routes = attached.map((r) => {
    const host: Condition[] = r.hostnames.length ? [{ attribute: "request.host", values: r.hostnames.map((h) => ({ kind: "exact" as const, value: h })) }] : [];
    const matches = r.rules.flatMap((rule) => (rule.matches.length ? rule.matches : [[]]).map((m) => [...host, ...m]));
    const admitted = serverAdmits || admits(routeAuthorizations(ctx.mesh, r).map((x) => admissionOf(x, ctx.mesh)), a) !== undefined;
    return { name: `${r.kind} ${r.namespace}/${r.name}`, matches, admitted };
  });
  return { port, http: true, serverAdmits, routes };
}
