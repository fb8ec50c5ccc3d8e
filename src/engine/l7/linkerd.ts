// Linkerd's inbound policy at the server's proxy, as the policy controller computes it
// (policy-controller/k8s/index/src/inbound/index.rs) and the proxy applies it
// (linkerd2-proxy app/inbound/src/policy):
//   the port's Server: the oldest Server (then by name) whose podSelector matches the pod and whose
//     port (a number, or a container port name) is this port; none: the default server, whose
//     policy is the pod's config.linkerd.io/default-inbound-policy, else (a pod still to be
//     injected) the namespace's, else the cluster's (all-unauthenticated unless installed otherwise;
//     defaultPolicyFor);
//   HTTP: the request must match one of the routes attached to the Server (GRPCRoutes for a gRPC
//     Server, HTTPRoutes otherwise; none attached: a default route matches everything), the
//     greatest match by the proxy's order (routeFor); no match is 404. It is authorized when one
//     authorization of its route, or of the Server, admits the client: AuthorizationPolicies
//     targeting the route, the Server or the namespace, ServerAuthorizations selecting the Server,
//     the Server's accessPolicy (default deny); the default server admits what its default policy
//     admits. Otherwise 403 (gRPC: PERMISSION_DENIED);
//   opaque and TLS ports, and TCP clients: only the Server's authorizations; unauthorized
//     connections are refused;
//   never: a port in config.linkerd.io/skip-inbound-ports, and a pod's requests to itself, which
//     do not pass the inbound proxy (linkerdBypass).

import type { Endpoint } from "../../model/endpoint.js";
import type { Clause, Condition, L7Rule, StringMatch } from "../../model/l7.js";
import { LINKERD_DEFAULT_OPAQUE_PORTS, LINKERD_OPAQUE_PORTS, linkerdDefaultPolicy, linkerdHostRank, linkerdMatchRank, linkerdPathLength, linkerdRpcLengths, type LinkerdAuthorization, type LinkerdDefaultPolicy, type LinkerdRoute, type LinkerdServer, type MeshModel } from "../../model/mesh.js";
import { matches as selects } from "../../model/selector.js";
import { compareCreated, untimedTie } from "../../model/time.js";
import { clauseHolds, ruleMatches, type Attributes } from "./attributes.js";
import { denialOf, type Hop, type LayerDecision, type PolicyRef } from "./hop.js";
import { ref } from "./transport.js";
import { linkerdOutboundProtocol } from "../mesh/route.js";

const DEFAULT_POLICY = "config.linkerd.io/default-inbound-policy";
const OPAQUE_PORTS = LINKERD_OPAQUE_PORTS;
const REQUIRE_IDENTITY = "config.linkerd.io/proxy-require-identity-inbound-ports";
const SKIP_INBOUND = "config.linkerd.io/skip-inbound-ports";
const SKIP_OUTBOUND = "config.linkerd.io/skip-outbound-ports";
/** Linkerd's default opaque ports (proxy.opaquePorts / the injector's default). */
const DEFAULT_OPAQUE = LINKERD_DEFAULT_OPAQUE_PORTS;

export interface Admission { why: string; policy?: PolicyRef; rule?: L7Rule; clusterNetworks?: boolean }

/** The annotations of pods and namespaces, where the model keeps them. */
function annotation(o: { annotations?: Readonly<Record<string, string>> } | undefined, key: string): string | undefined {
  return o?.annotations?.[key];
}

export interface LinkerdContext {
  mesh: MeshModel;
  namespaceOf(name: string): { annotations?: Readonly<Record<string, string>> } | undefined;
}

/**
 * Servers by age, then name (policy-controller/k8s/index/src/inbound/index.rs reindex_servers: "Sort by
 * creation and then name", a later Server's port "already matched": skipped); one without a timestamp
 * is not yet applied, the newest (model/time.ts compareCreated).
 */
function serverOrder(a: LinkerdServer, b: LinkerdServer): number {
  const age = compareCreated(a.created, b.created);
  if (age) return age;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The Server for a pod port (oldest, then by name), if any. */
export function linkerdServerFor(mesh: MeshModel, pod: Endpoint, port: number): LinkerdServer | undefined {
  return serversFor(mesh, pod, port)[0];
}

function serversFor(mesh: MeshModel, pod: Endpoint, port: number): LinkerdServer[] {
  return mesh.linkerd.servers.filter((s) => s.namespace === pod.namespace && selects(s.podSelector, pod.labels) && portIs(s.port, pod, port)).sort(serverOrder);
}

const serverLabel = (s: LinkerdServer) => ({ created: s.created, label: `Server ${s.namespace}/${s.name}` });

function portIs(p: number | string, pod: Endpoint, port: number): boolean {
  return typeof p === "number" ? p === port : pod.ports.some((x) => x.name === p && x.port === port && x.protocol === "TCP");
}

/**
 * The pod's default inbound policy. The policy controller reads the pod's annotation alone
 * (policy-controller/k8s/index/src/inbound/workload.rs Settings::from_metadata, default_policy), else
 * its cluster default; the namespace's annotation reaches a pod only as the proxy injector copies it
 * at injection (controller/proxy-injector/webhook.go, pkg/inject AppendNamespaceAnnotations: "If
 * namespace has annotations that do not exist on pod then copy them over"). So a pod that already runs
 * the proxy (its linkerd-proxy container) has the pod's annotation or none, whatever its namespace
 * says now (annotated after the pod was injected); a pod still to be injected (a template, or a pod
 * Junction takes to be meshed) gets the pod's, else the namespace's.
 */
export function defaultPolicyFor(ctx: LinkerdContext, pod: Endpoint): { policy: LinkerdDefaultPolicy; from: string; ignored?: string } {
  const ownValue = annotation(pod, DEFAULT_POLICY);
  const own = linkerdDefaultPolicy(ownValue);
  if (own) return { policy: own, from: `pod annotation ${DEFAULT_POLICY}` };
  // Settings::from_metadata: "invalid default policy annotation value" is logged and the cluster default taken
  // (DefaultPolicy::from_str knows the six names only, case and all).
  if (ownValue !== undefined) {
    const cluster = ctx.mesh.settings.linkerdDefaultPolicy;
    return { policy: cluster, from: "the cluster default", ignored: `the pod's ${DEFAULT_POLICY} ${JSON.stringify(ownValue)} is no default policy: the policy controller ignores it ("invalid default policy annotation value") and takes the cluster default ${cluster}` };
  }
  const nsValue = annotation(ctx.namespaceOf(pod.namespace ?? ""), DEFAULT_POLICY);
  const ns = linkerdDefaultPolicy(nsValue);
  if (ns && !injected(pod)) return { policy: ns, from: `namespace annotation ${DEFAULT_POLICY}` };
  const cluster = ctx.mesh.settings.linkerdDefaultPolicy;
  if (ns) return { policy: cluster, from: `the cluster default: the pod runs the proxy without the annotation ${DEFAULT_POLICY}, and the policy controller reads the pod's (the namespace's ${nsValue} is copied only into pods injected after it was set)` };
  return { policy: cluster, from: "the cluster default" };
}

/** Whether the pod already runs Linkerd's proxy (it was injected: its annotations are what the injector wrote). */
const injected = (pod: Endpoint) => pod.proxyContainer === "linkerd-proxy";

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

/**
 * A ports annotation of the pod, else (a pod still to be injected) of its namespace: the injector
 * copies the namespace's at injection (pkg/inject AppendNamespaceAnnotations), and proxy-init's rules
 * and the proxy's settings are made then from the pod's (defaultPolicyFor).
 */
function portsAnnotation(ctx: LinkerdContext, pod: Endpoint, key: string): { text: string; from: string } | undefined {
  const own = annotation(pod, key);
  if (own !== undefined) return { text: own, from: `pod annotation ${key}` };
  if (injected(pod)) return undefined;
  const ns = annotation(ctx.namespaceOf(pod.namespace ?? ""), key);
  return ns === undefined ? undefined : { text: ns, from: `namespace annotation ${key}` };
}

/**
 * A port or an inclusive range as Linkerd reads one (pkg/util ParsePortRange: "80" or "4000-4100",
 * each bound Go's strconv.Atoi within 0-65535, upper >= lower); undefined: invalid, which Linkerd
 * skips with a warning.
 */
function portRange(item: string): [number, number] | undefined {
  const bounds = item.split("-");
  if (bounds.length > 2 || !bounds.every((b) => /^[+-]?[0-9]+$/.test(b))) return undefined;
  const [lo, hi] = [Number(bounds[0]), Number(bounds[bounds.length - 1])];
  return lo >= 0 && hi <= 65535 && lo <= hi ? [lo, hi] : undefined;
}

/**
 * Whether a ports annotation ("25,3306,4000-4100") lists `port`. With `names`, an item that is a
 * name stands for the pod's container ports of that name (the injector resolves opaque ports so:
 * pkg/util ParseContainerOpaquePorts); otherwise a name is invalid (pkg/util ParsePorts).
 */
function portListed(text: string, pod: Endpoint, port: number, names: boolean): boolean {
  return text.replace(/,$/, "").split(",").some((part) => {
    const item = part.trim();
    if (names && pod.ports.some((p) => p.name === item && p.port === port)) return true;
    const r = portRange(item);
    return r !== undefined && r[0] <= port && port <= r[1];
  });
}

/** Whether a ports annotation of the pod (else of its namespace) lists `port`; undefined: no annotation. */
function portAnnotated(ctx: LinkerdContext, pod: Endpoint, key: string, port: number, names = true): boolean | undefined {
  const a = portsAnnotation(ctx, pod, key);
  return a && portListed(a.text, pod, port, names);
}

/**
 * Opaque: listed in the annotation (pod, else namespace: the injector copies it); without one, the
 * injector writes the default opaque ports the pod declares as container ports (proxy-injector
 * webhook.go FilterPodOpaquePorts), so an undeclared port is not opaque.
 */
function opaque(ctx: LinkerdContext, pod: Endpoint, port: number): boolean {
  return portAnnotated(ctx, pod, OPAQUE_PORTS, port) ?? (DEFAULT_OPAQUE.includes(port) && pod.ports.some((p) => p.port === port));
}

/**
 * Why the connection arrives as TCP whatever the port's Server says, if it does: a Linkerd client's
 * proxy sends to an opaque Service port (mesh/route.ts linkerdOutboundProtocol) without detecting HTTP,
 * and when the destination controller hints opaque transport for the endpoint (controller/api/
 * destination/endpoint_translator.go createWeightedAddr: the pod's config.linkerd.io/opaque-ports lists
 * the port, GetAnnotatedOpaquePorts) it arrives at the inbound port with a transport header naming the
 * port and no session protocol, which the proxy serves as TCP under the port's TCP authorizations
 * (linkerd2-proxy app/inbound/src/direct.rs: LocalTcp). Without opaque transport it reaches the pod's
 * port itself, where the proxy detects HTTP as usual.
 */
function opaqueTransport(ctx: LinkerdContext, hop: Hop, server: LinkerdServer | undefined): string | undefined {
  if (hop.client.proxy !== "linkerd" || !hop.service) return undefined;
  const hint = destinationOpaque(ctx, hop.server.endpoint, hop.port, server);
  if (!hint) return undefined;
  const out = linkerdOutboundProtocol(hop.service.service, hop.service.port);
  if (out.kind !== "opaque") return undefined;
  return `${out.why}: the client's proxy sends the connection opaquely, and the destination controller marks port ${hop.port} of the pod opaque (${hint}): it arrives with a transport header and no protocol, and the proxy authorizes it as TCP (the Server's authorizations; its routes do not apply)`;
}

/**
 * Why the destination controller marks a pod port opaque (the opaque-transport hint), if it does
 * (controller/api/destination/watcher/endpoints_watcher.go newPodRefAddress / createWeightedAddr):
 * GetAnnotatedOpaquePorts reads the pod's config.linkerd.io/opaque-ports, and WITHOUT the annotation
 * takes every default opaque port. The injector writes the annotation (the namespace's, else the
 * default opaque ports the pod declares: opaque()), but writes none when the pod declares none of
 * them, so an undeclared default port is opaque here while the policy controller, which reads the
 * annotation only (k8s/index/src/inbound/pod.rs Settings::from_metadata), serves it as detected.
 * Otherwise SetToServerProtocol: a Server selecting the pod port with proxyProtocol opaque.
 */
function destinationOpaque(ctx: LinkerdContext, pod: Endpoint, port: number, server: LinkerdServer | undefined): string | undefined {
  const listed = portAnnotated(ctx, pod, OPAQUE_PORTS, port);
  if (listed) return `${OPAQUE_PORTS} lists it`;
  if (listed === undefined && DEFAULT_OPAQUE.includes(port)) {
    const declared = DEFAULT_OPAQUE.filter((p) => pod.ports.some((q) => q.port === p));
    if (declared.includes(port)) return `the injector writes the default opaque ports the pod declares into ${OPAQUE_PORTS}`;
    if (!declared.length) return `the pod declares none of the default opaque ports, so the injector writes no ${OPAQUE_PORTS}, and without it every default opaque port (${DEFAULT_OPAQUE.join(", ")}) is opaque`;
  }
  return server?.protocol === "opaque" ? `Server ${server.namespace}/${server.name} has proxyProtocol opaque` : undefined;
}

/**
 * The default policy of a port: on a port listed in proxy-require-identity-inbound-ports an allow
 * policy admits authenticated clients only (inbound/index.rs default_inbound_server: authenticated_only).
 */
function defaultPolicyOfPort(ctx: LinkerdContext, pod: Endpoint, port: number): { policy: LinkerdDefaultPolicy; from: string; ignored?: string } {
  const def = defaultPolicyFor(ctx, pod);
  if (!portAnnotated(ctx, pod, REQUIRE_IDENTITY, port)) return def;
  const strict: Partial<Record<LinkerdDefaultPolicy, LinkerdDefaultPolicy>> = { "all-unauthenticated": "all-authenticated", "cluster-unauthenticated": "cluster-authenticated" };
  const policy = strict[def.policy];
  return policy ? { ...def, policy, from: `${def.from}: ${def.policy}, and port ${port} is in ${REQUIRE_IDENTITY}` } : def;
}

/**
 * Why the server's inbound proxy never sees the hop (undefined: it does):
 *  - a pod's request to itself (a pod of the input: a template's pod stands for every replica, and
 *    another replica's proxy may take the request): proxy-init's iptables let traffic leaving on the loopback interface
 *    (a pod's own address) and the proxy user's traffic through unredirected ("ignore-loopback",
 *    "ignore-proxy-user-id" in pkg/iptables), and the outbound proxy sends a request whose endpoint
 *    is its own pod straight to it, in plaintext (concrete.rs is_local: NoClientTls::Loopback); the
 *    proxy would admit it anyway ("Always permit traffic from localhost": server-policy lib.rs);
 *  - a port in config.linkerd.io/skip-inbound-ports (pod, else namespace: the injector copies it):
 *    proxy-init sends it to the application ("ignore-port"), and the destination controller gives
 *    clients no identity for it (endpoint_translator.go isSkippedInboundPort): they send plaintext.
 */
export function linkerdBypass(ctx: LinkerdContext, hop: Hop): string | undefined {
  const pod = hop.server.endpoint;
  // A template's pod stands for every replica: another replica's proxy may take the request.
  if (hop.client.endpoint === pod && !pod.fromTemplate) return `a request of ${pod.namespace}/${pod.name} to itself does not pass its Linkerd proxy's inbound side (Linkerd always admits localhost)`;
  const skip = portsAnnotation(ctx, pod, SKIP_INBOUND);
  if (skip && portListed(skip.text, pod, hop.port, false)) return `port ${hop.port} is in ${skip.from} (${JSON.stringify(skip.text)}): the Linkerd proxy does not intercept it, and clients send plaintext`;
  return undefined;
}

export const SKIP_INBOUND_PORTS = SKIP_INBOUND;

/**
 * Why a Linkerd client's proxy does not carry the hop (undefined: it does): proxy-init does not
 * redirect a port in the client's config.linkerd.io/skip-outbound-ports (pod, else namespace: the
 * injector copies it) to the proxy ("ignore-port" on OUTPUT), so the application's connection
 * reaches the server in plaintext, without an identity. The port proxy-init sees is the one dialled:
 * the Service port with kube-proxy (which translates it outside the pod), the backend's with a
 * socket-level load balancer (Cilium's). Either one listed counts: plaintext can only take an
 * identity away, never admit more. Without a port (port 0: every port), any listed port counts.
 */
export function linkerdClientBypass(ctx: LinkerdContext, hop: Hop): string | undefined {
  const c = hop.client.endpoint;
  if (hop.client.proxy !== "linkerd" || hop.server.proxy !== "linkerd" || !c) return undefined;
  const skip = portsAnnotation(ctx, c, SKIP_OUTBOUND);
  if (!skip) return undefined;
  const because = `its Linkerd proxy does not carry the connection, which reaches the server in plaintext, without an identity`;
  if (hop.port === 0) return portRanges(skip.text).length ? `the client's ${skip.from} (${JSON.stringify(skip.text)}) lists ports on which ${because}` : undefined;
  const port = [hop.port, ...(hop.service ? [hop.service.port.port] : [])].find((p) => portListed(skip.text, c, p, false));
  return port === undefined ? undefined : `port ${port} is in the client's ${skip.from} (${JSON.stringify(skip.text)}): ${because}`;
}

/** The valid ports and ranges of a ports annotation, as Linkerd reads them (pkg/util ParsePorts: names and invalid items are skipped). */
export function portRanges(text: string): [number, number][] {
  return text.replace(/,$/, "").split(",").map((x) => portRange(x.trim())).filter((r): r is [number, number] => r !== undefined);
}

/** The ports of config.linkerd.io/skip-inbound-ports or skip-outbound-ports (pod, else namespace) as ranges, and the annotation's text ("" without one). */
export function skippedPorts(ctx: LinkerdContext, pod: Endpoint, side: "inbound" | "outbound"): { text: string; ranges: [number, number][] } {
  const a = portsAnnotation(ctx, pod, side === "inbound" ? SKIP_INBOUND : SKIP_OUTBOUND);
  return a ? { text: a.text, ranges: portRanges(a.text) } : { text: "", ranges: [] };
}

/** The decision of a Linkerd server whose proxy the hop bypasses. */
export function bypassed(hop: Hop, why: string): LayerDecision {
  const pod = hop.server.endpoint;
  return { layer: "linkerd", enforcer: `Linkerd proxy of ${pod.namespace}/${pod.name} (not in the path, port ${hop.port})`, verdict: "allow", summary: `not enforced: ${why}`, trace: [], warnings: [] };
}

/**
 * A pod of the cluster whose address the input does not give (a controller's template) is in the
 * pod network, which Linkerd's clusterNetworks include (charts values.yaml: "This should include the
 * pod and service networks, but need not include the node network"): its address is taken to lie in
 * the cluster networks. A host-network pod's address is its node's, which they need not include.
 */
function withPodNetwork(mesh: MeshModel, hop: Hop, a: Attributes): Attributes {
  const c = hop.client.endpoint;
  if (a.sourceIp || !c || c.kind !== "pod" || c.hostNetwork) return a;
  return { ...a, sourceWithin: mesh.settings.linkerdClusterNetworks };
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

/** A rank, compared lexicographically, greater preferred: the host part, then the match (model/mesh.ts linkerdMatchRank). */
type Summary = number[];

function compare(a: Summary, b: Summary): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** The path kind and value of a lowered path condition (sources/linkerd/routes.ts routeMatchClause), undefined when the clause has none. */
function pathOf(c: Condition | undefined): { kind: "exact" | "prefix" | "regex"; value: string } | undefined {
  const v: StringMatch | undefined = c && "values" in c ? c.values[0] : undefined;
  if (!v) return undefined;
  return v.kind === "exact" ? { kind: "exact", value: v.value } : v.kind === "segments" ? { kind: "prefix", value: v.value } : { kind: "regex", value: "" };
}

/** Linkerd's rank of a lowered match that held, over the summary the outbound side uses (engine/gateway/match.ts linkerdRouteMatchRank). */
function matchSummary(route: LinkerdRoute, m: Clause, a: Attributes): Summary {
  const count = (attr: string) => m.filter((x) => x.attribute === attr).length;
  const pathCondition = m.find((x) => x.attribute === "request.path");
  if (route.kind === "GRPCRoute") {
    // gRPC: the lengths of the service and method the match names (sources/linkerd/routes.ts writes model/mesh.ts linkerdRpcPathRegex).
    const v: StringMatch | undefined = pathCondition && "values" in pathCondition ? pathCondition.values[0] : undefined;
    const [service, method] = v?.kind === "regex" ? linkerdRpcLengths(v.regex) : [0, 0];
    return linkerdMatchRank({ grpc: true, service, method, headers: count("request.header") });
  }
  const p = pathOf(pathCondition);
  return linkerdMatchRank({ grpc: false, path: linkerdPathLength(p?.kind, p?.value ?? "/", a.http?.path ?? "/"), headers: count("request.header"), queries: count("request.query"), method: count("request.method") > 0 });
}

/** The host part of the rank: [0, 0] when the route names no host, undefined when it names others. */
function hostSummary(route: LinkerdRoute, authority: string): Summary | undefined {
  if (!route.hostnames.length) return linkerdHostRank(undefined);
  const host = authority.replace(/:\d+$/, "").replace(/\.$/, "").toLowerCase();
  let best: Summary | undefined;
  for (const n of route.hostnames.map((x) => x.toLowerCase())) {
    const s = (n.startsWith("*.") ? host.endsWith(n.slice(1)) : n === host) ? linkerdHostRank(n) : undefined;
    if (s && (!best || compare(s, best) > 0)) best = s;
  }
  return best;
}

/** Linkerd's route order, which breaks ties (policy-controller grpc/src/inbound/http.rs): oldest first (model/time.ts compareCreated); then by kind and name. */
function routeOrder(a: LinkerdRoute, b: LinkerdRoute): number {
  return compareCreated(a.created, b.created) || `${a.group}/${a.kind}/${a.name}`.localeCompare(`${b.group}/${b.kind}/${b.name}`);
}

/** What a GRPCRoute asks of a request before its matches: a gRPC call, which is a POST. */
export const GRPC_CALL: Clause = [{ attribute: "request.method", values: [{ kind: "exact", value: "POST" }] }];

/** The route a request takes on a Server (the first of the greatest matches); undefined when the Server has routes and none matches. */
function routeFor(routes: readonly LinkerdRoute[], a: Attributes): { route: LinkerdRoute; rule: number } | undefined {
  let best: { route: LinkerdRoute; rule: number; score: Summary } | undefined;
  for (const route of [...routes].sort(routeOrder)) {
    const host = hostSummary(route, a.http?.host ?? "");
    if (!host || (route.kind === "GRPCRoute" && !clauseHolds(GRPC_CALL, a))) continue;
    for (const rule of route.rules) {
      const held = (rule.matches.length ? rule.matches : [[]]).filter((m) => clauseHolds(m, a)).map((m) => matchSummary(route, m, a));
      if (!held.length) continue;
      const score = [...host, ...held.reduce((x, y) => (compare(y, x) > 0 ? y : x))];
      if (!best || compare(score, best.score) > 0) best = { route, rule: rule.index, score };
    }
  }
  return best;
}

/**
 * Every match of the routes in one static order (for converters): the proxy's order with the
 * request-dependent parts fixed — a route's host rank is that of its best hostname, and a regex path
 * counts as length 1 (the proxy uses the request path's length) —, ties in route order, then rule
 * order. The first match that holds (with its route's hostnames) takes the request; routeFor is exact.
 */
export function routeMatchOrder(routes: readonly LinkerdRoute[]): { route: LinkerdRoute; rule: number; match: Clause }[] {
  const all = [...routes].sort(routeOrder).flatMap((route) => {
    const host = route.hostnames.length ? route.hostnames.map((n) => linkerdHostRank(n)).reduce((x, y) => (compare(y, x) > 0 ? y : x)) : linkerdHostRank(undefined);
    const http = { method: "", host: "", path: "/", url: "/", query: "", headers: new Map<string, string[]>(), repeated: "each" as const };
    return route.rules.flatMap((rule) => (rule.matches.length ? rule.matches : [[]]).map((match) => ({ route, rule: rule.index, match, score: [...host, ...matchSummary(route, match, { destinationPort: 0, http })] })));
  });
  return all.map((x, i) => ({ x, i })).sort((p, q) => compare(q.x.score, p.x.score) || p.i - q.i).map(({ x }) => ({ route: x.route, rule: x.rule, match: x.match }));
}

/**
 * The routes a Server uses: GRPCRoutes when its proxyProtocol is gRPC, else HTTPRoutes (the policy
 * controller sends the proxy one list or the other: policy-controller/grpc/src/inbound.rs to_server).
 */
export function attachedRoutes(mesh: MeshModel, server: LinkerdServer): LinkerdRoute[] {
  const kind = server.protocol === "gRPC" ? "GRPCRoute" : "HTTPRoute";
  return mesh.linkerd.routes.filter((r) => r.kind === kind && r.namespace === server.namespace && r.servers.includes(server.name));
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
  const [server, next] = serversFor(mesh, pod, hop.port);
  if (server) {
    const admissions = serverAdmissions(mesh, server);
    const tunnel = opaqueTransport(ctx, hop, server);
    const http = server.protocol !== "opaque" && server.protocol !== "TLS" && hop.http !== undefined && !tunnel;
    // Of two Servers selecting the port the oldest takes it (the policy controller's index: the other is ignored with a warning).
    const untimed = next ? untimedTie(serverLabel(server), serverLabel(next), "the policy controller's order (by name)") : undefined;
    return { server, admissions, http, trace: [`port ${hop.port} is Server ${server.namespace}/${server.name} (${server.protocol})${next ? `, not ${next.namespace}/${next.name}, which selects it too` : ""}`, ...(tunnel ? [tunnel] : [])], warnings: untimed ? [untimed] : [] };
  }
  const def = defaultPolicyOfPort(ctx, pod, hop.port);
  const rule = defaultRule(def.policy, mesh);
  const tunnel = opaqueTransport(ctx, hop, undefined);
  return {
    admissions: rule ? [{ why: `the default policy ${def.policy} (${def.from})`, rule }] : [],
    http: hop.http !== undefined && !opaque(ctx, pod, hop.port) && !tunnel,
    trace: [`no Server selects port ${hop.port}: the default policy ${def.policy} (${def.from})`, ...(tunnel ? [tunnel] : [])],
    warnings: [...(def.ignored ? [def.ignored] : []), ...(def.policy === "audit" ? ["the default policy audit lets every request through and only logs it"] : [])],
  };
}

export function linkerdAuthorize(ctx: LinkerdContext, hop: Hop, request: Attributes): LayerDecision {
  const pod = hop.server.endpoint, a = withPodNetwork(ctx.mesh, hop, request);
  const p = portPolicy(ctx, hop);
  const enforcer = `Linkerd proxy of ${pod.namespace}/${pod.name} (${p.http ? "HTTP" : "opaque TCP"}, port ${hop.port})`;
  const base = { layer: "linkerd" as const, enforcer, trace: p.trace, warnings: p.warnings };
  if (!p.http) return tcpDecision(a, p, base);
  const route = routeOf(ctx.mesh, p, hop, a);
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
function routeOf(mesh: MeshModel, p: PortPolicy, hop: Hop, a: Attributes): { name: string; rule?: number; admissions: Admission[] } | "none" {
  const server = p.server;
  const routes = server ? attachedRoutes(mesh, server) : [];
  if (!routes.length) return (server?.protocol !== "gRPC" && probeRoute(hop, a)) || { name: "the default route", admissions: [] };
  const hit = routeFor(routes, a);
  if (!hit) return "none";
  return { name: `${hit.route.kind} ${hit.route.namespace}/${hit.route.name}`, rule: hit.rule, admissions: routeAuthorizations(mesh, hit.route).map((x) => admissionOf(x, mesh)) };
}

/**
 * Where a Server has no HTTPRoutes (and on the default server), the policy controller adds a probe
 * route: GET on each path the pod's httpGet probes use on this port, authorized for the probe networks
 * (default every address) without identity (inbound/index.rs default_inbound_http_routes). It is
 * taken over the default route (prefix "/", no method: core/src/inbound.rs InboundRoute::default) even
 * for a probe of "/" (the default path of an httpGet probe): the proxy compares the lengths of the
 * path matches, equal there (1), then header and query matches, then whether a method matched
 * (linkerd-http-route http/match.rs RequestMatch's Ord), which the probe route's GET has.
 */
function probeRoute(hop: Hop, a: Attributes): { name: string; admissions: Admission[] } | undefined {
  const path = a.http?.path ?? "";
  const probed = (hop.server.endpoint.httpProbes ?? []).some((x) => x.port === hop.port && x.path === path);
  if (!probed || a.http?.method !== "GET") return undefined;
  return { name: "the probe route", admissions: [{ why: `the probe route (GET ${path} is a probe of port ${hop.port}; the probe networks are every address)`, rule: { index: 0, path: [] } }] };
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

export function linkerdAccess(ctx: LinkerdContext, hop: Hop, request: Attributes): LinkerdAccess {
  const a = withPodNetwork(ctx.mesh, hop, request);
  const p = portPolicy(ctx, { ...hop, http: hop.http ?? { method: "GET", host: "", path: "/", headers: [] } });
  const serverAdmits = admits(p.admissions, a) !== undefined;
  const def = p.server ? undefined : defaultPolicyOfPort(ctx, hop.server.endpoint, hop.port);
  const port = p.server ? `Server ${p.server.namespace}/${p.server.name}` : `the default policy ${def!.policy} (${def!.from})`;
  const server = p.server;
  const attached = server ? attachedRoutes(ctx.mesh, server) : [];
  if (!p.http || !attached.length) return { port, http: p.http, serverAdmits };
  const routes = attached.map((r) => {
    const host: Condition[] = r.hostnames.length ? [{ attribute: "request.host", values: r.hostnames.map((h) => ({ kind: "exact" as const, value: h })) }] : [];
    const matches = r.rules.flatMap((rule) => (rule.matches.length ? rule.matches : [[]]).map((m) => [...host, ...m]));
    const admitted = serverAdmits || admits(routeAuthorizations(ctx.mesh, r).map((x) => admissionOf(x, ctx.mesh)), a) !== undefined;
    return { name: `${r.kind} ${r.namespace}/${r.name}`, matches, admitted };
  });
  return { port, http: true, serverAdmits, routes };
}
