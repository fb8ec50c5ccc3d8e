// A user's VirtualServices (networking.istio.io) at an Istio sidecar: which of them gives the virtual
// host of a Service port, and what its `http` routes do with a request, as pilot writes them for
// Envoy (pilot/pkg/networking/core/route/route.go BuildHTTPRoutesForVirtualService, TranslateRoute,
// TranslateRouteMatch) and Envoy applies them: the routes in order, the first that matches.
//
// The VirtualService is lowered into the route shape (model/route.ts: one rule per `http` route, its
// destinations as backendRefs, a subset's endpoints picked by its DestinationRule's labels), so the
// walk after routing (walk/mesh-entry.ts afterRoutes) serves the backend it picked as any route's.

import type { Endpoint } from "../../model/endpoint.js";
import { istioHostSubsetOf } from "../../model/hostname.js";
import type { Inventory } from "../../model/inventory.js";
import type { IstioPathNormalization, MeshSettings } from "../../model/mesh.js";
import type { IstioDestination, IstioHeaderOps, IstioHttpMatch, IstioHttpRoute, IstioStringMatch, IstioVirtualService } from "../../model/mesh.js";
import { REGEX_SEMANTICS, regexMatches } from "../../model/regex.js";
import { CORE_GROUP, ISTIO_NETWORKING_GROUP, routeKey, type BackendRef, type Route, type RouteRule } from "../../model/route.js";
import { chooseEndpoints, type ServiceEndpoints } from "../../model/service-endpoints.js";
import { compareAge } from "../../model/route.js";
import { behaviourFromQuery, simulateBackend, type BackendTiming } from "../gateway/backend-model.js";
import { BackendIndex, servedBy, type ResolvedBackend } from "../gateway/backends.js";
import { endpointsOutcome } from "../gateway/endpoints.js";
import { Headers } from "../gateway/headers.js";
import type { Routable } from "../gateway/precedence.js";
import { parseQuery, queryParameters } from "../gateway/query.js";
import type { RouteRequest, RouteResult } from "../gateway/request.js";
import { splitOf } from "../gateway/split.js";
import { istioPath, istioPathRejected } from "../l7/paths.js";
import { istioClientRule, istioMergedSubsets, subsetOf } from "../l7/transport.js";
import { serviceHost } from "./dns.js";
import { istioCors } from "./istio-cors.js";
import { pilotConfigOrder, routable, type IstioMeshVirtualService, type MeshRouteState, type PortRoutes } from "./engine.js";

/** Who sends the request: the sidecar's pod (its labels and namespace: sourceLabels, sourceNamespace; the DestinationRule lookup). */
export interface VsClient { pod: Endpoint }

/** Whether a VirtualService is for the mesh's sidecars (`gateways` unset, or naming "mesh": push_context.go getGatewayNames). */
export const forMesh = (vs: IstioVirtualService) => vs.gateways.length === 0 || vs.gateways.includes("mesh");

/**
 * The namespaces a VirtualService is exported to (push_context.go initVirtualServices; exportTo unset:
 * meshConfig defaultVirtualServiceExportTo, "*"): "public" for "*", else the namespaces ("." is its
 * own; "~" none).
 */
function exportedTo(vs: IstioVirtualService): "public" | Set<string> {
  const to = vs.exportTo?.length ? vs.exportTo : ["*"];
  if (to.includes("*")) return "public";
  return new Set(to.includes("~") ? [] : to.map((n) => (n === "." ? vs.namespace : n)));
}

/**
 * Which list of SelectVirtualServices (model/virtualservice.go) a VirtualService is in for a proxy of
 * `namespace`: 0 private (exported to its own namespace, the proxy's), 1 exported to the proxy's
 * namespace from another, 2 public; undefined: not visible there.
 */
export function visibility(vs: IstioVirtualService, namespace: string): number | undefined {
  const to = exportedTo(vs);
  if (to === "public") return 2;
  if (!to.has(namespace)) return undefined;
  return vs.namespace === namespace ? 0 : 1;
}

/**
 * pilot's order of configs (model/config.go configCompareByCreationTime: creation time, then name,
 * then namespace; the input order stands in for creation without timestamps).
 */
export function byAge(a: IstioVirtualService, b: IstioVirtualService): number {
  const meta = (v: IstioVirtualService) => ({ namespace: v.namespace, name: v.name, generation: 1, created: v.created, order: v.order });
  return compareAge(meta(a), meta(b)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0);
}

/** A candidate virtual host for the Service port: a user's VirtualService, or one pilot made of Gateway API routes. */
export type SidecarVs = { kind: "user"; vs: IstioVirtualService; list: number } | { kind: "gateway"; vs: IstioMeshVirtualService };

/**
 * The user's VirtualServices a sidecar of `namespace` reads for `host`, in pilot's order
 * (SelectVirtualServices: the private list, the list exported to the namespace, the public one; each
 * by creation time). Those naming `host` exactly; only when none does, the one VirtualService of the
 * most specific wildcard host covering it (sidecar.go computeWildcardHostVirtualServiceIndex; route.go
 * separateVSHostsAndServices).
 */
export function userVirtualServices(inv: Inventory, host: string, namespace: string, imports?: (namespace: string) => boolean): { vs: IstioVirtualService; list: number }[] {
  const visible = inv.mesh.istio.virtualServices.flatMap((vs) => {
    const list = forMesh(vs) && vs.hosts.length ? visibility(vs, namespace) : undefined;
    return list !== undefined && (!imports || imports(vs.namespace)) && vs.hosts.some((h) => istioHostSubsetOf(host, h)) ? [{ vs, list }] : [];
  });
  visible.sort((a, b) => a.list - b.list || byAge(a.vs, b.vs));
  const exact = visible.filter((c) => c.vs.hosts.includes(host));
  // computeWildcardHostVirtualServiceIndex: MostSpecificHostMatch looks the service up among the
  // exact hosts first ("exact match first"): a VirtualService naming the host takes it from every
  // wildcard one. Else the longest wildcard host, of a repeated one the first VirtualService in
  // the sidecar's order ("never overwrite existing entries").
  if (exact.length) return exact;
  const len = (c: { vs: IstioVirtualService }) => Math.max(...c.vs.hosts.filter((h) => istioHostSubsetOf(host, h)).map((h) => h.length));
  const best = visible.reduce<typeof visible[number] | undefined>((a, b) => (!a || len(b) > len(a) ? b : a), undefined);
  return best ? [best] : [];
}

/** The `http` route matches a sidecar programs (TranslateRoute: match.port the listener's, sourceMatchHTTP); undefined for no match written (a catch-all). */
export interface Programmed { route: IstioHttpRoute; match?: IstioHttpMatch; matchIndex: number }

/**
 * BuildHTTPRoutesForVirtualService for a sidecar's listener `port`: each `http` route's matches in
 * order (a route without one is a catch-all), those whose `port` is another (TranslateRoute: "if
 * match.Port != 0 && match.Port != uint32(listenPort) { return nil }") or whose source does not
 * match the proxy (sourceMatchHTTP: the match's `gateways`, when set, must name "mesh"; else its
 * sourceLabels must be a subset of the pod's labels and its sourceNamespace the pod's) left out; the
 * list stops after a catch-all (IsCatchAllRoute: "Routes are matched in order, so we will never go
 * beyond this match"). Empty: the VirtualService gives the proxy no virtual host.
 */
export function programmed(vs: IstioVirtualService, port: number, pod: Endpoint, waypoint = false, gateway?: string): Programmed[] {
  const out: Programmed[] = [];
  for (const route of vs.http) {
    if (route.delegate) continue;
    if (!route.matches.length) { out.push({ route, matchIndex: 0 }); break; }
    let catchAll = false;
    route.matches.forEach((m, i) => {
      if (catchAll) return;
      if (m.port !== undefined && m.port !== port) return;
      // listener_waypoint.go waypointInboundRoute: "Source label matching is not supported in ambient mode ... Any matchers containing source labels should be dropped" (istio#51565).
      if (waypoint && m.sourceLabels) return;
      // At a classic Istio gateway (`gateway`, NS/NAME) sourceMatchHTTP reads the match's gateways, resolved as pilot does (resolveGatewayName).
      if (m.gateways.length ? !m.gateways.some((g) => (gateway ? resolveGatewayName(g, vs.namespace) === gateway : g === "mesh")) : !(subsetOf(m.sourceLabels ?? {}, pod.labels) && (!m.sourceNamespace || m.sourceNamespace === pod.namespace))) return;
      out.push({ route, match: m, matchIndex: i });
      catchAll = isCatchAll(m);
    });
    if (catchAll) break;
  }
  return out;
}

/**
 * model/config.go resolveGatewayName: a VirtualService's `gateways` entry as NS/NAME ("mesh" stays):
 * `./NAME` and a short NAME the VirtualService's namespace, a legacy FQDN `NAME.NS.svc...` NS/NAME.
 */
export function resolveGatewayName(g: string, namespace: string): string {
  if (g === "mesh") return g;
  const slash = g.indexOf("/");
  if (slash >= 0) return g.slice(0, slash) === "." ? `${namespace}/${g.slice(slash + 1)}` : g;
  const dot = g.indexOf(".");
  if (dot < 0) return `${namespace}/${g}`;
  const rest = g.slice(dot + 1), next = rest.indexOf(".");
  return `${next < 0 ? rest : rest.slice(0, next)}/${g.slice(0, dot)}`;
}

/** IsCatchAllRoute: no header, query or method condition, and a uri prefix "/" or regex ".*" (or none). */
export function isCatchAll(m: IstioHttpMatch): boolean {
  const uri = !m.uri || (m.uri.kind === "prefix" && m.uri.value === "/") || (m.uri.kind === "regex" && m.uri.value === ".*");
  return uri && !m.headers.length && !m.withoutHeaders.length && !m.queryParams.length && !m.method && !m.authority && !m.scheme;
}

/** Envoy's StringMatcher over a value (exact, prefix, RE2 full match; present: any). */
function stringMatches(m: IstioStringMatch, value: string | undefined, ignoreCase = false): boolean {
  if (value === undefined) return false;
  if (m.kind === "present") return true;
  const [v, want] = ignoreCase ? [value.toLowerCase(), m.value.toLowerCase()] : [value, m.value];
  return m.kind === "exact" ? v === want : m.kind === "prefix" ? v.startsWith(want) : regexMatches(m.value, REGEX_SEMANTICS.istio, value);
}

/** The request as Envoy's route matching reads it: the path without the query, headers (a repeated one joined with ","), the first value of each query parameter. */
interface Reading { path: string; query: Map<string, string[]>; headers: Headers; method: string; authority: string; scheme: string }

/** Why a match does not hold for the request, or undefined when it does (TranslateRouteMatch; Envoy's RouteMatch). */
function matchProblem(m: IstioHttpMatch | undefined, r: Reading): string | undefined {
  if (!m) return undefined;
  // case_sensitive: !ignoreUriCase, which Envoy applies to a prefix or path match, not to safe_regex.
  if (m.uri && !(m.uri.kind === "regex" ? stringMatches(m.uri, r.path) : stringMatches(m.uri, r.path, m.ignoreUriCase))) return `uri ${describe(m.uri)}${m.ignoreUriCase && m.uri.kind !== "regex" ? " (any case)" : ""} does not match ${r.path}`;
  const header = (name: string) => { const v = r.headers.values(name); return v.length ? v.join(",") : undefined; };
  for (const [name, sm] of m.headers) if (!stringMatches(sm, header(name))) return `header ${name} ${describe(sm)} does not match ${header(name) === undefined ? "(absent)" : JSON.stringify(header(name))}`;
  // withoutHeaders: the matcher inverted, a missing header read as "" (treat_missing_header_as_empty) but for a present match.
  for (const [name, sm] of m.withoutHeaders) {
    const v = header(name);
    if (sm.kind === "present" ? v !== undefined : stringMatches(sm, v ?? "")) return `withoutHeaders ${name} ${describe(sm)} matches ${v === undefined ? "(absent, read as \"\")" : JSON.stringify(v)}`;
  }
  for (const [name, sm] of m.queryParams) {
    const v = r.query.get(name)?.[0];
    if (!stringMatches(sm, v)) return `query parameter ${name} ${describe(sm)} does not match ${v === undefined ? "(absent)" : JSON.stringify(v)}`;
  }
  if (m.method && !stringMatches(m.method, r.method)) return `method ${describe(m.method)} does not match ${r.method}`;
  if (m.authority && !stringMatches(m.authority, r.authority)) return `authority ${describe(m.authority)} does not match ${r.authority}`;
  if (m.scheme && !stringMatches(m.scheme, r.scheme)) return `scheme ${describe(m.scheme)} does not match ${r.scheme}`;
  return undefined;
}

const describe = (m: IstioStringMatch) => (m.kind === "present" ? "present" : `${m.kind} ${JSON.stringify(m.value)}`);

/**
 * The route shape of a VirtualService: one rule per `http` route, `VirtualService NS/NAME` (routeKey),
 * each destination a backendRef named by its Service (`NS/NAME subset S`) or its host.
 */
function lowered(inv: Inventory, vs: IstioVirtualService, listenerPort: number): Route {
  const named = (d: IstioDestination) => {
    const s = inv.services.find((x) => serviceHost(x) === d.host);
    // GetDestinationCluster: the destination's port, else the Service's only one, else the listener's.
    const port = d.port ?? (s?.ports.length === 1 ? s.ports[0].port : listenerPort);
    return { namespace: s?.namespace ?? vs.namespace, name: `${s?.name ?? d.host}${d.subset ? ` subset ${d.subset}` : ""}`, port };
  };
  return {
    kind: "HTTPRoute", group: ISTIO_NETWORKING_GROUP, namespace: vs.namespace, name: vs.name, generation: 1, ...(vs.created !== undefined ? { created: vs.created } : {}), order: vs.order,
    parentRefs: [], hostnames: [...vs.hosts], ...(vs.src ? { src: vs.src } : {}),
    rules: vs.http.map((h): RouteRule => ({
      index: h.index, ...(h.name ? { name: h.name } : {}), matches: [], filters: [],
      // processDestination: one destination takes every request whatever its weight; of several, those of weight 0 get none.
      backends: h.route.map((d) => ({ group: CORE_GROUP, kind: "Service", ...named(d), weight: h.route.length === 1 ? 1 : d.weight, filters: [] })),
    })),
  };
}

/**
 * The backend a destination names (route.go GetDestinationCluster: the cluster
 * outbound|PORT|SUBSET|HOST, PORT the destination's, else the Service's only port, else the
 * listener's): a Service of the cluster by its host; with a subset, its endpoints whose pods carry
 * the labels of that subset of the DestinationRule the client reads for the host (the lookup of
 * l7/transport.ts istioClientRule). No Service of that host, no such port, or a subset no rule
 * defines: pilot builds no such cluster and Envoy answers 503 (route.go leaves
 * ClusterNotFoundResponseCode unset for a user's VirtualService: Envoy's default SERVICE_UNAVAILABLE, "NC").
 */
export function destinationBackend(inv: Inventory, index: BackendIndex, d: IstioDestination, ref: BackendRef, listenerPort: number, client: VsClient): ResolvedBackend {
  const service = inv.services.find((s) => serviceHost(s) === d.host);
  const cluster = (port: number | string) => `outbound|${port}|${d.subset ?? ""}|${d.host}`;
  const noCluster = (why: string): ResolvedBackend => ({ ref, name: d.host, failure: { status: 503, message: `${why}: the sidecar has no cluster ${cluster(d.port ?? listenerPort)} and Envoy answers 503 (cluster not found, NC)` } });
  if (!service) {
    const entry = inv.mesh.istio.serviceEntries.find((e) => e.hosts.includes(d.host));
    if (entry) return entry.ports.some((p) => p.number === ref.port) ? { ref: { ...ref, name: d.host }, name: `ServiceEntry ${entry.namespace}/${entry.name}`, serviceEntry: entry }
      : noCluster(`ServiceEntry ${entry.namespace}/${entry.name} has no port ${ref.port}`);
    return noCluster(`no Service or ServiceEntry has the host ${d.host}`);
  }
  const port = d.port ?? (service.ports.length === 1 ? service.ports[0].port : listenerPort);
  const resolved = index.resolve({ group: ISTIO_NETWORKING_GROUP, kind: "VirtualService", namespace: service.namespace }, { group: CORE_GROUP, kind: "Service", namespace: service.namespace, name: service.name, port, weight: ref.weight, filters: [] }, false);
  if (resolved.problem) return noCluster(resolved.problem.message);
  const out = { ...resolved, ref };
  if (!d.subset) return out;
  const rule = istioClientRule(inv.mesh, client.pod, service);
  const subset = rule && istioMergedSubsets(inv.mesh, rule).find((s) => s.name === d.subset);
  if (!subset) return noCluster(rule ? `DestinationRule ${rule.namespace}/${rule.name} (the one for ${d.host} the client reads, with the later rules of its namespace pilot merges into it) defines no subset ${d.subset}` : `no DestinationRule for ${d.host} defines subset ${d.subset}`);
  const all = resolved.endpoints!;
  const labelled = `subset ${d.subset} of DestinationRule ${subset.rule.namespace}/${subset.rule.name} (labels ${Object.entries(subset.labels).map(([k, v]) => `${k}=${v}`).join(", ") || "none"})`;
  const endpoints: ServiceEndpoints = all.from === "unknown" ? all : { ...all, endpoints: all.endpoints.filter((e) => e.pod && subsetOf(subset.labels, e.pod.labels)), note: `${all.note}, those of ${labelled}` };
  const none = endpoints.from !== "unknown" && !chooseEndpoints(endpoints, "proxy").chosen.length;
  return { ...out, name: `${resolved.name} subset ${d.subset}`, istioSubset: d.subset, endpoints, failure: none ? { status: 503, message: `${labelled} picks no ready endpoint of Service ${resolved.name} port ${port}: its cluster ${cluster(port)} is empty and Envoy answers 503 (no healthy upstream, UH)`, noEndpoint: true } : undefined };
}

/** What one VirtualService gives a sidecar at a Service port: its routes for the proxy, and its lowering to apply them. */
export interface SidecarVirtualHost { vs: IstioVirtualService; programmed: Programmed[]; state: MeshRouteState }

/**
 * A root VirtualService with its `delegate` routes replaced by the delegates' routes
 * (virtualservice_controller.go: the delegate, `delegate.namespace` else the root's, must exist and
 * be exported to the root's namespace, else the route is dropped; model/virtualservice.go
 * MergeHTTPRoutes: each delegate route's matches merged with the root route's, a delegate route whose
 * match conflicts with every root match dropped (hasConflict), the root's rewrite, timeout, retries,
 * fault, mirrors, headers where the delegate sets none). The merged routes are numbered anew.
 */
export function withDelegates(inv: Inventory, vs: IstioVirtualService): IstioVirtualService {
  if (!vs.http.some((h) => h.delegate)) return vs;
  const out: IstioHttpRoute[] = [];
  for (const h of vs.http) {
    if (!h.delegate) { out.push(h); continue; }
    const ns = h.delegate.namespace ?? vs.namespace;
    const d = inv.mesh.istio.virtualServices.find((x) => x.namespace === ns && x.name === h.delegate!.name && !x.hosts.length);
    const to = d && exportedTo(d);
    if (!d || (to !== "public" && !to!.has(vs.namespace))) continue;
    for (const sub of d.http) {
      const matches = mergeMatches(h.matches, sub.matches);
      if (!matches) continue;
      out.push({
        ...sub, name: sub.name && h.name ? `${h.name}-${sub.name}` : sub.name ?? h.name, matches,
        rewrite: sub.rewrite ?? h.rewrite, directResponse: sub.directResponse ?? h.directResponse, timeoutMs: sub.timeoutMs ?? h.timeoutMs,
        retries: sub.retries ?? h.retries, fault: sub.fault ?? h.fault, mirrors: sub.mirrors.length ? sub.mirrors : h.mirrors, headers: sub.headers ?? h.headers,
        // mergeHTTPRoute: "if delegate.CorsPolicy == nil { delegate.CorsPolicy = root.CorsPolicy }".
        ...(sub.cors ?? h.cors ? { cors: sub.cors ?? h.cors } : {}),
      });
    }
  }
  return { ...vs, http: out.map((h, index) => ({ ...h, index })) };
}

/** mergeHTTPMatchRequests: every delegate match merged with each root match it does not conflict with; undefined when one conflicts with all. */
function mergeMatches(root: readonly IstioHttpMatch[], sub: readonly IstioHttpMatch[]): IstioHttpMatch[] | undefined {
  if (!root.length) return [...sub];
  if (!sub.length) return [...root];
  const out: IstioHttpMatch[] = [];
  for (const m of sub) {
    const ok = root.filter((r) => !matchConflict(r, m));
    if (!ok.length) return undefined;
    for (const r of ok) {
      const merge = <T>(a: readonly [string, T][], b: readonly [string, T][]) => [...new Map([...a, ...b])];
      out.push({
        ...m, name: m.name && r.name ? `${r.name}-${m.name}` : m.name ?? r.name, uri: m.uri ?? r.uri, scheme: m.scheme ?? r.scheme, method: m.method ?? r.method, authority: m.authority ?? r.authority,
        headers: merge(r.headers, m.headers), withoutHeaders: merge(r.withoutHeaders, m.withoutHeaders), queryParams: merge(r.queryParams, m.queryParams),
        port: m.port ?? r.port, sourceLabels: { ...r.sourceLabels, ...m.sourceLabels }, sourceNamespace: m.sourceNamespace ?? r.sourceNamespace, gateways: m.gateways.length ? m.gateways : r.gateways,
      });
    }
  }
  return out;
}

/** hasConflict: the delegate's match is not within the root's (stringMatchConflict per field, ignoreUriCase, port, sourceNamespace, sourceLabels). */
function matchConflict(root: IstioHttpMatch, leaf: IstioHttpMatch): boolean {
  const pairs: [IstioStringMatch | undefined, IstioStringMatch | undefined][] = [[root.uri, leaf.uri], [root.scheme, leaf.scheme], [root.method, leaf.method], [root.authority, leaf.authority]];
  const get = (list: readonly [string, IstioStringMatch][], k: string) => list.find(([n]) => n === k)?.[1];
  for (const [k, v] of leaf.headers) pairs.push([get(root.headers, k), v]);
  for (const [k, v] of leaf.withoutHeaders) pairs.push([get(root.withoutHeaders, k), v]);
  for (const [k, v] of leaf.queryParams) pairs.push([get(root.queryParams, k), v]);
  if (pairs.some(([r, l]) => stringConflict(r, l))) return true;
  if (root.ignoreUriCase !== leaf.ignoreUriCase) return true;
  if (root.port && leaf.port && root.port !== leaf.port) return true;
  if (root.sourceNamespace && leaf.sourceNamespace !== root.sourceNamespace) return true;
  return Object.entries(leaf.sourceLabels ?? {}).some(([k, v]) => root.sourceLabels?.[k] !== undefined && root.sourceLabels[k] !== v);
}

/** stringMatchConflict: a regex on either side conflicts with anything; exact within exact (equal) or prefix; prefix within prefix. */
function stringConflict(root: IstioStringMatch | undefined, leaf: IstioStringMatch | undefined): boolean {
  if (!root || !leaf) return false;
  const value = (m: IstioStringMatch) => (m.kind === "present" ? "" : m.value);
  // (A regex "*", a present match, is a regex to it.)
  if (root.kind === "regex" || leaf.kind === "regex" || root.kind === "present" || leaf.kind === "present") return true;
  if (root.kind === "exact" && value(root)) return !(leaf.kind === "exact" && value(leaf) === value(root));
  if (root.kind === "prefix" && value(root)) return !((leaf.kind === "prefix" || leaf.kind === "exact") && value(leaf).startsWith(value(root)));
  return true;
}

/** The lowered VirtualService with its destinations resolved for the client (MeshRouteState, so the walk serves the backend it picks). */
export function virtualHost(inv: Inventory, index: BackendIndex, root: IstioVirtualService, port: number, client: VsClient, waypoint = false, gateway?: string): SidecarVirtualHost {
  const vs = withDelegates(inv, root);
  const route = lowered(inv, vs, port);
  const backends = new Map<BackendRef, ResolvedBackend>();
  route.rules.forEach((rule, i) => rule.backends.forEach((ref, j) => backends.set(ref, destinationBackend(inv, index, vs.http[i].route[j], ref, port, client))));
  return { vs, programmed: programmed(vs, port, client.pod, waypoint, gateway), state: { route, parents: [], egressParents: [], entryParents: [], backends, dropped: new Map() } };
}

/** Applies header operations (set, then add, then remove: Envoy's request_headers_to_add/remove). */
function applyOps(h: Headers, ops: IstioHeaderOps["request"] | undefined): void {
  if (!ops) return;
  for (const [k, v] of ops.set) h.set(k, v);
  for (const [k, v] of ops.add) h.add(k, v);
  for (const k of ops.remove) h.remove(k);
}

/** Of a fault's percentage: "every", "no" or "N% of the" requests. */
const share = (pct: number) => (pct >= 100 ? "every request" : pct <= 0 ? "no request" : `${pct}% of the requests`);

/**
 * The path an Istio sidecar routes and forwards: its HTTP connection manager normalizes the path
 * before routing (listener_builder.go buildHTTPConnectionManager: meshConfig pathNormalization, BASE
 * by default: normalize_path; MERGE_SLASHES merge_slashes; DECODE_AND_MERGE_SLASHES unescapes %2F and
 * %5C), whatever the routes came from (a VirtualService or a Gateway API route). Undefined, with the
 * answer set to 400, when normalization refuses the path.
 */
export function sidecarPath(req: RouteRequest, res: RouteResult, normalization: IstioPathNormalization): { raw: string; path: string; query: string } | undefined {
  const [raw, query = ""] = req.path.split(/\?(.*)/s, 2);
  if (istioPathRejected(raw)) { Object.assign(res, { status: 400, reason: `the path ${raw} holds an escaped NUL: the sidecar's path normalization refuses it (400)` }); return undefined; }
  const path = istioPath(raw, normalization);
  if (path !== raw) res.steps.push({ stage: "route", outcome: `the sidecar normalizes the path to ${path} before routing (meshConfig pathNormalization ${normalization})` });
  return { raw, path, query };
}

/**
 * Routes the request through the VirtualService's routes for the sidecar (`vh.programmed`), in
 * order, the first whose match holds (Envoy's route table); none: 404 (the virtual host has only
 * these routes: route.go adds the Service's default route only to a host without a VirtualService).
 * The chosen route: a redirect, a direct response, or its destinations (weighted; the heaviest is
 * the answer, as for any route), its rewrite, header operations, fault, mirrors, timeout and retries.
 */
export function routeVirtualHost(vh: SidecarVirtualHost, place: string, port: number, req: RouteRequest, res: RouteResult, settings: Pick<MeshSettings, "istioDefaultHttpRetry" | "istioPathNormalization">): void {
  const defaultRetry = settings.istioDefaultHttpRetry;
  const normalized = sidecarPath(req, res, settings.istioPathNormalization);
  if (!normalized) return;
  const { path, query } = normalized;
  const headers = new Headers(req.headers);
  const reading: Reading = { path, query: queryParameters(query), headers, method: req.method, authority: req.host ?? "", scheme: "http" };
  const key = routeKey(vh.state.route);
  let chosen: Programmed | undefined;
  res.candidates = [];
  for (const p of vh.programmed) {
    const why = chosen ? undefined : matchProblem(p.match, reading);
    res.candidates.push({ route: key, rule: p.route.index, ...(p.route.name ? { ruleName: p.route.name } : {}), match: p.matchIndex, outcome: chosen ? `lost: rule ${chosen.route.index} comes first (a VirtualService's routes are tried in order)` : why ? `no match: ${why}` : "won" });
    if (!chosen && !why) chosen = p;
  }
  Object.assign(res, { backend: null, backends: [], upstream: null, redirect: null, responseHeaders: {}, mirroredTo: [] });
  if (!chosen) {
    Object.assign(res, { status: 404, reason: `no route of ${key} on ${place} matches ${req.method} ${path} (the virtual host has its routes only: Envoy answers 404, NR)` });
    return;
  }
  const h = chosen.route;
  Object.assign(res, { route: key, rule: h.index, ruleName: h.name, match: chosen.matchIndex });
  const at = `${key} http[${h.index}]${h.name ? ` (${h.name})` : ""}`;
  // The proxy's HTTP filters in order (listener_builder.go: "filters = append(filters, xdsfilters.Fault,
  // xdsfilters.Cors)", then the router): the fault (a 100% abort answers before CORS sees the request),
  // the CORS filter (a preflight answered here, else its headers on whatever answers), then the route's action.
  const abort = h.fault?.abort, delay = h.fault?.delay;
  if (delay && delay.percent > 0) res.steps.push({ stage: "route", outcome: `${at}'s fault delays ${share(delay.percent)} by ${delay.fixedDelayMs} ms before routing` });
  const what = abort && (abort.httpStatus !== undefined ? `${abort.httpStatus}` : `gRPC ${abort.grpcStatus}`);
  if (abort && abort.percent >= 100) {
    Object.assign(res, { status: abort.httpStatus ?? 200, reason: `${at}'s fault aborts every request with ${what} (fault.abort, percentage ${abort.percent})` });
    if (abort.grpcStatus) res.grpcCode = abort.grpcStatus;
    return;
  }
  const cors = h.cors && istioCors(h.cors, req.method, headers);
  if (cors?.why) res.steps.push({ stage: "route", outcome: `${at}: ${cors.why}` });
  if (cors?.preflight) {
    Object.assign(res, { status: 200, responseHeaders: Object.fromEntries(cors.headers), reason: `${at}: ${cors.why}` });
    return;
  }
  const withCors = () => { for (const [k, v] of cors?.headers ?? []) res.responseHeaders[k] = v; };
  if (h.redirect) { redirect(h.redirect, chosen, reading, query, port, at, res); withCors(); return; }
  if (h.directResponse) {
    Object.assign(res, { status: h.directResponse.status, reason: `${at} answers ${h.directResponse.status} itself (directResponse)${h.directResponse.body !== undefined ? ` with the body ${JSON.stringify(h.directResponse.body)}` : ""}` });
    withCors();
    return;
  }
  const rule = vh.state.route.rules.find((r) => r.index === h.index)!;
  const split = splitOf(rule, vh.state.backends, false);
  res.backends = split.shares;
  const picked = split.picked;
  const failure = split.problem ?? (picked?.failure ? picked.failure.message : undefined);
  if (!picked || failure) {
    // The router's local reply goes back through the encoder filters: the CORS filter's encodeHeaders adds its headers.
    Object.assign(res, { status: picked?.failure?.status ?? 503, reason: `${at}: ${failure ?? "no destination"}` });
    withCors();
    return;
  }
  if (split.failing) res.steps.push({ stage: "backend", outcome: split.failing });
  const dst = h.route[rule.backends.indexOf(picked.ref)] ?? h.route[0];
  // The upstream request: the rewrite (prefix_rewrite of the matched prefix, the whole path for an exact or regex match; authority), then the header operations, route's then destination's.
  let upstreamPath = path;
  if (h.rewrite?.uri !== undefined) {
    const m = chosen.match?.uri;
    const prefix = !m ? "/" : m.kind === "prefix" ? m.value : undefined;
    upstreamPath = prefix !== undefined ? h.rewrite.uri + path.slice(prefix.length) : h.rewrite.uri;
  } else if (h.rewrite?.uriRegex) {
    upstreamPath = regexRewrite(h.rewrite.uriRegex.match, h.rewrite.uriRegex.rewrite, path);
  }
  const up = new Headers(req.headers);
  applyOps(up, h.headers?.request);
  applyOps(up, dst?.headers?.request);
  // route.go: the host rewrite is the route's rewrite.authority, else its headers' authority, else the destination's ("we only override if the top level rewrite is not set").
  const authority = h.rewrite?.authority ?? h.headers?.request.authority ?? dst?.headers?.request.authority ?? req.host;
  const resp = new Headers(req.backendResponseHeaders);
  applyOps(resp, h.headers?.response);
  applyOps(resp, dst?.headers?.response);
  res.upstream = { host: authority, path: upstreamPath + (query ? `?${query}` : ""), method: req.method, headers: up.toObject(), headerList: up.entries(), tls: false };
  res.responseHeaders = resp.toObject();
  withCors();
  res.mirroredTo = h.mirrors.filter((m) => m.percent > 0).map((m) => ({ name: m.subset ? `${m.host} subset ${m.subset}` : m.host, percent: m.percent }));
  res.backend = servedBy(picked);
  if (picked.endpoints) res.steps.push({ stage: "endpoints", outcome: endpointsOutcome(picked) });
  const behaviour = behaviourFromQuery(parseQuery(query));
  const timing = vsTiming(h, defaultRetry);
  const outcome = behaviour ? simulateBackend(timing, behaviour, timing.reset) : undefined;
  if (outcome) res.steps.push({ stage: "backend-model", outcome: `status ${outcome.status} after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}`, detail: outcome.notes });
  res.status = outcome?.status ?? 200;
  // The fault filter holds the request before the router sees it, and Envoy's router starts the route's
  // timeout only then (router.cc Filter::onRequestComplete: "response_timeout_->enableTimer(timeout_.global_timeout_)"):
  // the delay adds to the answer's time, never to what the timeout counts (istio#6860: 15 s timeout + fixedDelay measured).
  const delayed = delay && delay.percent > 0 ? delay : undefined;
  const notes = [
    ...(abort && abort.percent > 0 ? [`its fault aborts ${share(abort.percent)} with ${what}: sometimes ${what}, else this answer`] : []),
    ...(delayed ? [`its fault delays ${share(delayed.percent)} by ${delayed.fixedDelayMs} ms before the route's timer starts${outcome ? `: the answer after ${delayed.fixedDelayMs + outcome.elapsedMs} ms${delayed.percent < 100 ? ` (${outcome.elapsedMs} ms undelayed)` : ""}` : ""}`] : []),
    ...(h.timeoutMs !== undefined ? [`timeout ${h.timeoutMs} ms${delayed ? ", which does not count the fault's delay (Envoy's router starts it once the fault filter lets the request on)" : ""}`] : []),
    ...res.steps.filter((s) => s.stage === "backend").map((s) => s.outcome),
  ];
  res.reason = `${at} sends the request to ${picked.name}${notes.length ? ` (${notes.join("; ")})` : ""}`;
}

/** RegexMatchAndSubstitute: every match of `pattern` replaced by `sub` (its \1.. groups). */
function regexRewrite(pattern: string, sub: string, path: string): string {
  try { return path.replace(new RegExp(pattern, "g"), sub.replace(/\\(\d)/g, "$$$1")); } catch { return path; }
}

/**
 * The route's timeout and retries as pilot writes them (route.go applyHTTPRouteDestination,
 * retry/retry.go ConvertPolicy): `retries` unset, meshConfig's defaultHttpRetryPolicy, else the
 * default (2 retries on connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes,
 * no status code); attempts 0 disables retries; `retryOn` its conditions and status codes; the
 * route's `timeout` (unset: none, 0); each attempt's perTryTimeout.
 */
function vsTiming(h: IstioHttpRoute, defaultRetry?: IstioHttpRoute["retries"]): BackendTiming {
  const r = h.retries ?? defaultRetry;
  const timeouts = { ...(h.timeoutMs ? { request: h.timeoutMs } : {}), ...(r?.perTryTimeoutMs ? { backendRequest: r.perTryTimeoutMs } : {}) };
  if (r && r.attempts <= 0) return { timeouts, retry: undefined, reset: { status: 503 } };
  const on = (r?.retryOn ?? "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes").split(",").map((s) => s.trim());
  const codes = new Set<number>();
  for (const c of on) {
    if (/^\d+$/.test(c)) codes.add(Number(c));
    else if (c === "5xx") for (let s = 500; s < 600; s++) codes.add(s);
    else if (c === "gateway-error") [502, 503, 504].forEach((s) => codes.add(s));
  }
  const resets = on.some((c) => c === "5xx" || c === "reset" || c === "gateway-error");
  return {
    timeouts, reset: { status: 503 },
    retry: { attempts: r?.attempts ?? 2, codes: [...codes], backoffMs: 25, retryReset: resets, retryTimeout: on.some((c) => c === "5xx" || c === "gateway-error"),
      conditions: `Istio's retryOn ${on.join(",")} (retry.go ConvertPolicy${h.retries ? "" : defaultRetry ? ", meshConfig defaultHttpRetryPolicy" : ", the default policy"})` },
  };
}

/**
 * ApplyRedirect: the location's host the redirect's authority (else the request's), its path the
 * redirect's uri (a prefixRewrite replacing the matched prefix), its scheme the redirect's (else
 * http), its port the redirect's port or, derivePort FROM_REQUEST_PORT, the listener's (80 dropped
 * for http, 443 for https); redirectCode (default 301).
 */
function redirect(r: NonNullable<IstioHttpRoute["redirect"]>, chosen: Programmed, reading: Reading, query: string, port: number, at: string, res: RouteResult): void {
  const scheme = r.scheme ?? "http";
  const host = (r.authority ?? reading.authority).replace(/:\d+$/, "");
  let p = r.port ?? (r.derivePort === "FROM_REQUEST_PORT" ? port : undefined);
  if ((p === 80 && scheme === "http") || (p === 443 && scheme === "https")) p = undefined;
  let path = reading.path;
  if (r.prefixRewrite !== undefined) {
    const m = chosen.match?.uri;
    const prefix = !m ? "/" : m.kind === "prefix" ? m.value : reading.path;
    path = r.prefixRewrite + reading.path.slice(prefix.length);
  } else if (r.uri !== undefined && r.uri !== "") path = r.uri;
  const location = `${scheme}://${host}${p !== undefined ? `:${p}` : ""}${path}${query ? `?${query}` : ""}`;
  Object.assign(res, { status: r.redirectCode, redirect: { scheme, host, port: p ?? null, path, statusCode: r.redirectCode, location }, responseHeaders: { location }, reason: `${at} redirects (${r.redirectCode}) to ${location}` });
}

/**
 * The sidecar's virtual host for the Service port (httproute.go: the first VirtualService in
 * SelectVirtualServices' order that gives the proxy routes takes the host, a later one is dropped,
 * "duplicate domain from virtual service"): a user's VirtualService (userVirtualServices) or one
 * pilot made of Gateway API routes (`gatewayVss`, those of the client's namespace first: gwMatch
 * within the public list, where pilot's own are). Undefined: none of the user's takes the host
 * before the Gateway API's (or none at all): the caller routes as before.
 */
export function sidecarUserVirtualHost(inv: Inventory, index: BackendIndex, host: string, port: number, client: VsClient, gatewayVss: readonly IstioMeshVirtualService[], imports?: (namespace: string) => boolean): { vh: SidecarVirtualHost; shadowed: string[] } | undefined {
  const ns = client.pod.namespace ?? "";
  const users = userVirtualServices(inv, host, ns, imports);
  // The public list: the client namespace's Gateway API VirtualServices (gwMatch) first, then every public one by age.
  const gwFirst = gatewayVss.some((v) => v.namespace === ns);
  const meta = (v: IstioVirtualService) => ({ namespace: v.namespace, name: v.name, generation: 1, created: v.created, order: v.order });
  const shadowed: string[] = [];
  for (const u of users) {
    if (u.list === 2 && (gwFirst || gatewayVss.some((g) => pilotConfigOrder(g, meta(u.vs)) < 0))) return undefined;
    const vh = virtualHost(inv, index, u.vs, port, client);
    if (vh.programmed.length) return { vh, shadowed };
    shadowed.push(`VirtualService ${u.vs.namespace}/${u.vs.name} has no route for this sidecar on port ${port} (its matches' port, sourceLabels or sourceNamespace leave none)`);
  }
  return undefined;
}

/** The routes a user's VirtualService makes bound at the Service port (PortRoutes, for the walk). */
export function userPortRoutes(vh: SidecarVirtualHost, ownerNamespace: string): PortRoutes & { routes: Routable[] } {
  return { role: vh.vs.namespace === ownerNamespace ? "producer" : "consumer", namespace: vh.vs.namespace, routes: [routable(vh.state)] };
}

/**
 * getVirtualServiceForWaypoint: the user's VirtualServices for the mesh of the waypoint's namespace or the
 * Service's whose hosts match the Service's (either way), visible in the waypoint's namespace, in its
 * order (private, exported to it, public; each by age).
 */
export function waypointVirtualServices(inv: Inventory, service: { host: string; namespace: string }, waypointNamespace: string): { vs: IstioVirtualService; list: number }[] {
  return inv.mesh.istio.virtualServices.flatMap((vs) => {
    const list = forMesh(vs) && vs.hosts.length && (vs.namespace === waypointNamespace || vs.namespace === service.namespace) ? visibility(vs, waypointNamespace) : undefined;
    return list !== undefined && vs.hosts.some((h) => istioHostSubsetOf(service.host, h) || istioHostSubsetOf(h, service.host)) ? [{ vs, list }] : [];
  }).sort((a, b) => a.list - b.list || byAge(a.vs, b.vs));
}

/**
 * A user's VirtualServices at an Istio waypoint in front of a Service (pilot's listener_waypoint.go
 * buildWaypointInboundHTTPRouteConfig: of the VirtualServices the waypoint's scope holds, those of the
 * waypoint's namespace or the Service's whose host matches the Service's, getVirtualServiceForWaypoint;
 * "Iterate all matching VirtualServices and merge their routes": one virtual host, each VirtualService's
 * routes after the previous one's, the first route that matches wins). `gatewayVss`: the Gateway API's
 * (routes at the waypoint), placed as in the sidecar's order (sidecarUserVirtualHost). Undefined when the
 * first matching route is a Gateway API route, or no user VirtualService gives the waypoint a route (the
 * caller routes as before); else the request routed (404 when no route of any matches).
 */
export function waypointUserVirtualHost(inv: Inventory, index: BackendIndex, service: { host: string; namespace: string }, port: number, wp: { namespace: string; name: string }, gatewayVss: readonly IstioMeshVirtualService[], req: RouteRequest, res: RouteResult, settings: Pick<MeshSettings, "istioDefaultHttpRetry" | "istioPathNormalization">): SidecarVirtualHost | undefined {
  // The waypoint as the proxy: its namespace for sourceNamespace and the DestinationRule lookup, no labels (sourceLabels are dropped).
  const proxy: Endpoint = { id: -1, kind: "pod", name: wp.name, namespace: wp.namespace, labels: {}, addresses: [], ports: [] };
  const users = waypointVirtualServices(inv, service, wp.namespace);
  const hosts = users.map((u) => ({ u, vh: virtualHost(inv, index, u.vs, port, { pod: proxy }, true) })).filter((x) => x.vh.programmed.length);
  if (!hosts.length) return undefined;
  const gwFirst = gatewayVss.some((v) => v.namespace === wp.namespace);
  const meta = (v: IstioVirtualService) => ({ namespace: v.namespace, name: v.name, generation: 1, created: v.created, order: v.order });
  const place = `Service ${service.host} port ${port} at waypoint ${wp.namespace}/${wp.name}`;
  const tried: string[] = [];
  for (const { u, vh } of hosts) {
    // A public one after the Gateway API's VirtualServices (those of the waypoint's namespace first, then by age): those routes are the caller's.
    if (u.list === 2 && (gwFirst || gatewayVss.some((g) => pilotConfigOrder(g, meta(u.vs)) < 0))) return undefined;
    const trial: RouteResult = { ...res, route: undefined, candidates: [], steps: [...res.steps], responseHeaders: {} };
    routeVirtualHost(vh, place, port, req, trial, settings);
    if (trial.route !== undefined || trial.status === 400) {
      Object.assign(res, trial);
      for (const t of tried) res.candidates.unshift({ route: t, rule: -1, match: -1, outcome: `no match: no route of ${t}, before it in the waypoint's virtual host, matches` });
      return vh;
    }
    tried.push(`VirtualService ${u.vs.namespace}/${u.vs.name}`);
  }
  if (gatewayVss.length) return undefined;
  // No route of any matches: the virtual host has these routes only (Envoy answers 404, NR).
  Object.assign(res, { status: 404, backend: null, backends: [], upstream: null, candidates: tried.map((t) => ({ route: t, rule: -1, match: -1, outcome: "no match: none of its routes matches" })), reason: `no route of ${tried.join(", ")} at waypoint ${wp.namespace}/${wp.name} matches ${req.method} ${req.path.split("?")[0]} (listener_waypoint.go: the waypoint's virtual host has their routes only: Envoy answers 404, NR)` });
  return hosts[0].vh;
}
