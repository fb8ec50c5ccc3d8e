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
import type { Hop, LayerDecision, PolicyRef } from "./hop.js";
import { ref } from "./transport.js";

const DEFAULT_POLICY = "config.linkerd.io/default-inbound-policy";
const OPAQUE_PORTS = "config.linkerd.io/opaque-ports";
/** Linkerd's default opaque ports (proxy.opaquePorts / the injector's default). */
const DEFAULT_OPAQUE = [25, 587, 3306, 4444, 5432, 6379, 9300, 11211];

interface Admission { why: string; policy?: PolicyRef; rule?: L7Rule; clusterNetworks?: boolean }

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

function routeAuthorizations(mesh: MeshModel, r: LinkerdRoute): LinkerdAuthorization[] {
  return mesh.linkerd.authorizations.filter((a) => a.namespace === r.namespace && !a.ignored && a.target.kind === "Route"
    && a.target.routeKind === r.kind && a.target.name.toLowerCase() === r.name.toLowerCase() && a.target.group === r.group);
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

/** The route a request takes on a Server, by precedence; undefined when the Server has routes and none matches. */
function routeFor(routes: readonly LinkerdRoute[], a: Attributes): { route: LinkerdRoute; rule: number } | undefined {
  let best: { route: LinkerdRoute; rule: number; score: number } | undefined;
  for (const route of routes) {
    if (!hostMatches(route, a.http?.host ?? "")) continue;
    for (const rule of route.rules) for (const m of rule.matches.length ? rule.matches : [[]]) {
      if (!clauseHolds(m, a)) continue;
      const score = specificity(m);
      if (!best || score > best.score) best = { route, rule: rule.index, score };
    }
  }
  return best;
}

export function linkerdAuthorize(ctx: LinkerdContext, hop: Hop, a: Attributes): LayerDecision {
  const pod = hop.server.endpoint, mesh = ctx.mesh;
  const server = linkerdServerFor(mesh, pod, hop.port);
  const trace: string[] = [];
  const where = `${pod.namespace}/${pod.name}`;
  const base = { layer: "linkerd" as const, trace, warnings: [] as string[] };
  let admissions: Admission[];
  let http: boolean;
  if (server) {
    trace.push(`port ${hop.port} is Server ${server.namespace}/${server.name} (${server.protocol})`);
    admissions = serverAuthorizations(mesh, server).map((x) => admissionOf(x, mesh));
    const access = server.accessPolicy && defaultRule(server.accessPolicy, mesh);
    if (access) admissions.push({ why: `the Server's accessPolicy ${server.accessPolicy}`, policy: ref("Server", server), rule: access });
    http = server.protocol === "opaque" || server.protocol === "TLS" ? false : hop.http !== undefined;
  } else {
    const def = defaultPolicyFor(ctx, pod);
    trace.push(`no Server selects port ${hop.port}: the default policy ${def.policy} (${def.from})`);
    const rule = defaultRule(def.policy, mesh);
    admissions = rule ? [{ why: `the default policy ${def.policy} (${def.from})`, rule }] : [];
    http = hop.http !== undefined && !opaque(ctx, pod, hop.port);
    if (def.policy === "audit") base.warnings.push("the default policy audit lets every request through and only logs it");
  }
  const enforcer = `Linkerd proxy of ${where} (${http ? "HTTP" : "opaque TCP"}, port ${hop.port})`;
  if (!http) return tcpDecision(hop, a, admissions, enforcer, base, server);
  const routes = server ? mesh.linkerd.routes.filter((r) => r.namespace === server.namespace && r.servers.includes(server.name)) : [];
  let routeAdmissions: Admission[] = [];
  let routeName = "the default route";
  if (routes.length) {
    const hit = routeFor(routes, a);
    if (!hit) return { ...base, enforcer, verdict: "deny", summary: `no route of Server ${server!.namespace}/${server!.name} matches the request: 404`, policy: ref("Server", server!), denial: hop.http!.grpc ? { status: 200, grpcCode: "UNIMPLEMENTED" } : { status: 404 } };
    routeName = `${hit.route.kind} ${hit.route.namespace}/${hit.route.name}`;
    trace.push(`the request takes ${routeName}, rule ${hit.rule}`);
    routeAdmissions = routeAuthorizations(mesh, hit.route).map((x) => admissionOf(x, mesh));
  }
  const ok = admits([...routeAdmissions, ...admissions], a);
  if (ok) return { ...base, enforcer, verdict: "allow", summary: `allowed on ${routeName} by ${ok.why}`, ...(ok.policy ? { policy: { ...ok.policy, ...(ok.rule?.path.length ? { path: ok.rule.path } : {}) } } : {}) };
  const considered = [...routeAdmissions, ...admissions].map((x) => x.why);
  return {
    ...base, enforcer, verdict: "deny", summary: `unauthorized on ${routeName}: ${considered.length ? `no authorization admits the client (${considered.join(", ")})` : "nothing authorizes it"}`,
    ...(server ? { policy: ref("Server", server) } : {}), denial: hop.http!.grpc ? { status: 200, grpcCode: "PERMISSION_DENIED" } : { status: 403 },
  };
}

function tcpDecision(hop: Hop, a: Attributes, admissions: Admission[], enforcer: string, base: Omit<LayerDecision, "verdict" | "summary" | "enforcer">, server: LinkerdServer | undefined): LayerDecision {
  const ok = admits(admissions, a);
  if (ok) return { ...base, enforcer, verdict: "allow", summary: `connection allowed by ${ok.why}`, ...(ok.policy ? { policy: ok.policy } : {}) };
  return { ...base, enforcer, verdict: "deny", summary: `connection refused: ${admissions.length ? `no authorization admits the client (${admissions.map((x) => x.why).join(", ")})` : "nothing authorizes it"}`, ...(server ? { policy: ref("Server", server) } : {}), denial: { connection: "rejected" } };
}
