// What a location does once the engine's rule is chosen: the rule's filters in order (header
// modifiers, URL rewrites, redirects, mirrors), then the weighted split over its backends (each
// backend's own filters applied after the rule's), then proxy_pass or grpc_pass. A CORS filter is
// a table entry for the njs module: preflights are answered before anything else runs (as the
// engine stops at them), other responses get the CORS headers. Whatever nginx cannot do exactly
// (timeouts, retries, extension filters, an Envoy Gateway BackendTrafficPolicy's partial aborts and
// rate limits) is refused by name.

import type { Routable } from "../../engine/gateway/precedence.js";
import type { ResolvedBackend } from "../../engine/gateway/backends.js";
import { splitOf } from "../../engine/gateway/split.js";
import { forRule, trafficPolicyOutcome, zeroTokenBucket, type EffectiveTrafficPolicy } from "../../engine/gateway/traffic-policy.js";
import type { BackendRef, CorsPolicy, HeaderModifier, PathModifier, RouteFilter, RouteRule } from "../../model/route.js";
import { arg, block, dir, pcreLiteral, type Directive } from "./conf.js";
import type { Compilation } from "./context.js";
import { NginxUnsupported } from "./problems.js";
import { backendTls } from "./tls.js";
import { backendLabel, destination, targetsOf, type Destination, type EndpointPick } from "./upstreams.js";

const WELL_KNOWN: Record<string, number> = { http: 80, https: 443 };
/** Headers nginx writes itself or that carry the connection: their modification is not a plain header edit. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "host"]);
const OWN_RESPONSE = new Set(["server", "date", "content-length", "content-type", "transfer-encoding", "connection", "keep-alive", "location"]);

export interface RuleInput {
  state: Routable["state"];
  rule: RouteRule;
  /** The PathPrefix of the match that chose the rule (ReplacePrefixMatch replaces it). */
  matchedPrefix?: string;
  scheme: "http" | "https";
  listenerPort: number;
  grpc: boolean;
  /** Whose choice of endpoints (the Gateway's data plane, the rule's panic threshold): upstreams.ts EndpointPick. */
  pick: EndpointPick;
}

type Base = "orig" | "none" | { value: string };
interface HeaderState { name: string; base: Base; appended: string[] }
type Program = Map<string, HeaderState>;

/** The request as the filters leave it, statically. */
interface Walk {
  request: Program;
  response: Program;
  host?: string;
  path?: PathModifier;
  mirrors: { backend: ResolvedBackend; percent: number; request: Program }[];
  redirect?: Extract<RouteFilter, { type: "RequestRedirect" }>;
  /** The CORS filter's table key, and the response modifiers before it (they apply to a preflight's answer). */
  cors?: { key: string; response: Program };
}

const emptyWalk = (): Walk => ({ request: new Map(), response: new Map(), mirrors: [] });
const copyProgram = (p: Program): Program => new Map([...p].map(([k, v]) => [k, { ...v, appended: [...v.appended] }]));
const copyWalk = (w: Walk): Walk => ({ ...w, request: copyProgram(w.request), response: copyProgram(w.response), mirrors: [...w.mirrors] });

/** Header modifiers composed in the engine's order: set, then add, then remove. */
function modify(p: Program, m: HeaderModifier, reserved: Set<string>): void {
  const check = (n: string) => { if (reserved.has(n.toLowerCase())) throw new NginxUnsupported(`a modifier of the ${n} header`, `nginx manages ${n} itself`); };
  for (const h of m.set) { check(h.name); p.set(h.name.toLowerCase(), { name: h.name, base: { value: h.value }, appended: [] }); }
  for (const h of m.add) {
    check(h.name);
    const s = p.get(h.name.toLowerCase()) ?? { name: h.name, base: "orig" as Base, appended: [] };
    s.appended.push(h.value);
    p.set(h.name.toLowerCase(), s);
  }
  for (const n of m.remove) { check(n); p.set(n.toLowerCase(), { name: n, base: "none", appended: [] }); }
}

/** The request headers a CORS filter reads: a modifier of one of them before the filter would change what it sees. */
const CORS_REQUEST = new Set(["origin", "access-control-request-method", "access-control-request-headers"]);

function corsFilter(c: Compilation, w: Walk, p: CorsPolicy): void {
  if (w.cors) throw new NginxUnsupported("a second CORS filter", "a backend's CORS filter after the rule's would add its headers twice");
  const read = [...w.request.keys()].find((n) => CORS_REQUEST.has(n));
  if (read) throw new NginxUnsupported(`a modifier of the ${read} header before a CORS filter`, "njs reads the headers the client sent");
  w.cors = { key: c.corsKey({ o: p.allowOrigins, m: p.allowMethods, h: p.allowHeaders, e: p.exposeHeaders, c: p.allowCredentials, a: p.maxAge }), response: copyProgram(w.response) };
}

function walkFilters(c: Compilation, filters: readonly RouteFilter[], w: Walk, backend: (ref: BackendRef) => ResolvedBackend | undefined): void {
  for (const f of filters) {
    if (w.redirect) return;
    switch (f.type) {
      case "RequestHeaderModifier": modify(w.request, f.modifier, HOP_BY_HOP); break;
      case "ResponseHeaderModifier": modify(w.response, f.modifier, OWN_RESPONSE); break;
      case "URLRewrite": if (f.hostname) w.host = f.hostname; if (f.path) w.path = f.path; break;
      case "RequestRedirect": w.redirect = f; break;
      case "RequestMirror": {
        const b = backend(f.backend);
        if (b && !b.problem) w.mirrors.push({ backend: b, percent: f.percent, request: copyProgram(w.request) });
        break;
      }
      case "CORS": corsFilter(c, w, f.cors); break;
      case "ExtensionRef": throw new NginxUnsupported("an ExtensionRef filter", `${f.ref.group}/${f.ref.kind} ${f.ref.name} is implementation-specific`);
      // A filter kind this target does not know is never skipped silently.
      default: throw new NginxUnsupported(`the ${(f as { type: string }).type} filter`, "the nginx target does not implement it");
    }
  }
}

function headerVariable(name: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(name)) throw new NginxUnsupported("an added value to a header with this name", `nginx has no variable for header ${name}`);
  return `$http_${name.toLowerCase().replace(/-/g, "_")}`;
}

function requestHeaderDirectives(c: Compilation, p: Program, verb: string): Directive[] {
  const out: Directive[] = [];
  for (const s of p.values()) {
    const tail = s.appended.join(",");
    if (s.base === "orig") {
      if (!s.appended.length) continue;
      const v = headerVariable(s.name);
      out.push(dir(verb, arg(s.name), c.map("map", v, [['""', c.literal(tail)], ["default", arg(`${v},${c.text(tail)}`)]])));
    } else {
      const value = s.base === "none" ? tail : [s.base.value, ...s.appended].join(",");
      out.push(dir(verb, arg(s.name), value === "" ? '""' : c.literal(value)));
    }
  }
  return out;
}

/** add_header lines for the values the modifiers give (a header they set or remove is hidden by the caller). */
function addedHeaders(c: Compilation, p: Program): Directive[] {
  return [...p.values()].flatMap((s) => (s.base === "orig" || s.base === "none" ? s.appended : [s.base.value, ...s.appended]).map((v) => dir("add_header", arg(s.name), c.literal(v), "always")));
}

function responseHeaderDirectives(c: Compilation, w: Walk, grpc: boolean): Directive[] {
  const hide = grpc ? "grpc_hide_header" : "proxy_hide_header";
  const hidden = [...w.response.values()].filter((s) => s.base !== "orig").map((s) => dir(hide, arg(s.name)));
  return [...hidden, ...addedHeaders(c, w.response), ...corsResponse(w, hide)];
}

/** The CORS response headers, each the njs module's value (empty, hence not sent, when the origin is not allowed). */
const CORS_RESPONSE: [string, string][] = [
  ["Access-Control-Allow-Origin", "$jx_cors_allow_origin"], ["Access-Control-Allow-Credentials", "$jx_cors_allow_credentials"],
  ["Access-Control-Expose-Headers", "$jx_cors_expose_headers"],
];
const CORS_PREFLIGHT: [string, string][] = [...CORS_RESPONSE,
  ["Access-Control-Allow-Methods", "$jx_cors_allow_methods"], ["Access-Control-Allow-Headers", "$jx_cors_allow_headers"], ["Access-Control-Max-Age", "$jx_cors_max_age"]];
/** The js_set variables of the CORS filter (http level), with the njs function computing each. */
export const CORS_VARIABLES: [string, string][] = [["$jx_cors_preflight", "jx.corsPreflight"],
  ...CORS_PREFLIGHT.map(([, v]): [string, string] => [v, `jx.${v.slice(4).replace(/_([a-z])/g, (_, x: string) => x.toUpperCase())}`])];

/**
 * The CORS headers of a proxied response. The engine sets them over the backend's own: the
 * backend's are hidden, and njs gives them back when the filter sets none.
 */
function corsResponse(w: Walk, hide: string): Directive[] {
  if (!w.cors) return [];
  return CORS_RESPONSE.flatMap(([name, v]) => [dir(hide, name), dir("add_header", name, v, "always")]);
}

/**
 * A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered 204 by the
 * Gateway, before redirects, mirrors and backends, with the CORS headers (none when the origin is
 * not allowed) and the values of the response modifiers that came before the filter.
 */
function corsPreflight(c: Compilation, w: Walk): Directive[] {
  if (!w.cors) return [];
  const touched = [...w.response.keys()].find((n) => n.startsWith("access-control-"));
  if (touched) throw new NginxUnsupported(`a modifier of the ${touched} response header on a rule with a CORS filter`, "the CORS filter writes the Access-Control-* headers");
  const headers = CORS_PREFLIGHT.map(([name, v]) => dir("add_header", name, v, "always"));
  return [dir("set", "$jx_cors", w.cors.key), block("if", ["($jx_cors_preflight)"], [...headers, ...addedHeaders(c, w.cors.response), dir("return", "204")])];
}

/** The upstream path: $jx_path, or the rewritten one (ReplacePrefixMatch through a map of the raw path). */
function pathExpression(c: Compilation, m: PathModifier | undefined, prefix: string | undefined): string {
  if (!m) return "$jx_path";
  if (m.type === "ReplaceFullPath") return c.text(m.value);
  if (prefix === undefined) throw new NginxUnsupported("ReplacePrefixMatch without a PathPrefix match", "the rule was chosen by a match that has no path prefix to replace");
  const p = prefix.length > 1 && prefix.endsWith("/") ? prefix.slice(0, -1) : prefix === "/" ? "" : prefix;
  const r = m.value.endsWith("/") ? m.value.slice(0, -1) : m.value;
  const entries: [string, string][] = [];
  if (p) entries.push([c.literal(p), c.literal(r || "/")]);
  entries.push([arg(`~^${pcreLiteral(p)}(?<jx_rest>/.*)$`), arg(`${c.text(r)}$jx_rest`)], ["default", "$jx_path"]);
  return c.map("map", "$jx_path", entries);
}

function redirectDirectives(c: Compilation, w: Walk, input: RuleInput): Directive[] {
  const f = w.redirect!;
  const scheme = f.scheme ?? input.scheme;
  const port = f.port ?? (f.scheme !== undefined ? WELL_KNOWN[f.scheme] : input.listenerPort);
  const shown = port === WELL_KNOWN[scheme] ? "" : `:${port}`;
  const host = f.hostname !== undefined ? c.text(f.hostname) : "$host";
  const path = pathExpression(c, f.path, input.matchedPrefix);
  return [dir("return", String(f.statusCode), arg(`${scheme}://${host}${shown}${path}$jx_query`))];
}

/** Mirror locations (returned for the server) and the mirror directives of the action. */
function mirrorDirectives(c: Compilation, w: Walk, input: RuleInput): { uses: Directive[]; locations: Directive[] } {
  const uses: Directive[] = [], locations: Directive[] = [];
  for (const m of w.mirrors) {
    const uri = `/_junction/mirror/${c.next("")}`;
    const body: Directive[] = [dir("internal")];
    if (m.percent < 100) {
      const v = c.map("split_clients", "$request_id", [[`${percent(m.percent, 100, "mirror percentage")}%`, "1"], ["*", '""']]);
      body.push(block("if", [`(${v}`, "=", '"")'], [dir("return", "204")]));
    }
    body.push(...forward(c, destination(m.backend, c.options.serviceAddresses, input.pick), { ...emptyWalk(), request: m.request, host: w.host, path: w.path }, input, false));
    uses.push(dir("mirror", uri));
    locations.push(block("location", ["=", uri], body));
  }
  return { uses, locations };
}

/** A share of `total` as nginx's percentages (two decimals at most), or a refusal. */
function percent(weight: number, total: number, what: string): string {
  if ((weight * 10000) % total !== 0) throw new NginxUnsupported(`this ${what}`, `${weight} of ${total} is not a percentage with two decimals, the precision of split_clients`);
  return String((weight * 100) / total);
}

/** proxy_pass (or grpc_pass) to one destination, with the walk's headers and path. */
function forward(c: Compilation, d: Destination, w: Walk, input: RuleInput, withResponse = true): Directive[] {
  if ("status" in d) return [dir("return", String(d.status))];
  const upstream = c.httpUpstreams.group([{ targets: d.targets, weight: 1, name: backendLabel(d.backend) }]);
  return passTo(c, upstream, d.backend, w, input, withResponse);
}

function passTo(c: Compilation, upstream: string, b: ResolvedBackend, w: Walk, input: RuleInput, withResponse = true): Directive[] {
  if (!input.grpc && b.servicePort?.appProtocol === "kubernetes.io/h2c") throw new NginxUnsupported("a backend speaking h2c (appProtocol kubernetes.io/h2c)", `nginx proxies HTTP/1.1 to ${b.name}, not HTTP/2`);
  const tls = backendTls(c, b, input.grpc);
  const response = withResponse ? responseHeaderDirectives(c, w, input.grpc) : [];
  if (input.grpc) return [...requestHeaderDirectives(c, w.request, "grpc_set_header"), ...response, ...tls.directives, dir("grpc_pass", `${tls.on ? "grpcs" : "grpc"}://${upstream}`)];
  const host = w.host !== undefined ? c.literal(w.host) : "$jx_host";
  return [
    dir("proxy_http_version", "1.1"),
    dir("proxy_set_header", "Host", host),
    dir("proxy_set_header", "Upgrade", "$http_upgrade"),
    dir("proxy_set_header", "Connection", "$jx_connection"),
    ...requestHeaderDirectives(c, w.request, "proxy_set_header"),
    ...response,
    ...tls.directives,
    dir("proxy_pass", `${tls.on ? "https" : "http"}://${upstream}${pathExpression(c, w.path, input.matchedPrefix)}$jx_query`),
  ];
}

function checkRule(rule: RouteRule): void {
  if (rule.timeouts?.request || rule.timeouts?.backendRequest) {
    throw new NginxUnsupported("timeouts", "nginx times out between two reads from the backend (proxy_read_timeout), not over the whole request or backend request");
  }
  if (rule.retry) throw new NginxUnsupported("retry", "nginx retries the next server of an upstream group, not the same backend, and only for some status codes");
}

export interface Action {
  body: Directive[];
  /** Locations the server needs for this action (mirrors, one per backend of a filtered split). */
  locations: Directive[];
}

/**
 * What an Envoy Gateway BackendTrafficPolicy makes of every request of the rule (engine/gateway/http.ts
 * applyTrafficPolicy): one HTTP status, before the filters (a 100% abort with httpStatus; a policy Envoy
 * Gateway cannot translate: 500; a rate limit of no requests: 429), which nginx returns as well; a gRPC status abort, a share of aborted
 * requests and rate limits are refused (nginx has no fault filter, and limit_req is not Envoy's limits);
 * what changes no answer (`inert`: an abort Envoy Gateway writes as 0 per million) is not.
 */
function trafficPolicyStatus(p: EffectiveTrafficPolicy, grpc: boolean): number | undefined {
  const zero = zeroTokenBucket(p);
  if (zero) throw new NginxUnsupported("a BackendTrafficPolicy local rate limit rule of requests: 0", `its ${zero} is written as a token bucket with tokens_per_fill 0, which Envoy refuses with the listener's whole route configuration (the engine answers 404): nginx has no such configuration to refuse`);
  const out = trafficPolicyOutcome(p, grpc);
  if (out.stop && (out.stop.cause !== "abort" || p.abort?.grpcStatus === undefined)) {
    // nginx's `return 444` closes the connection without a response.
    if (out.stop.status === 444) throw new NginxUnsupported("a BackendTrafficPolicy abort with status 444", `${out.stop.reason}; nginx's return 444 closes the connection instead`);
    return out.stop.status;
  }
  if (out.stop) throw new NginxUnsupported("a BackendTrafficPolicy abort with a gRPC status", `${out.stop.reason}; nginx answers no grpc-status of its own`);
  if (out.notes.length) throw new NginxUnsupported("BackendTrafficPolicy fault injection and rate limits", `${out.notes.join("; ")}: nginx has no fault injection, and its limit_req is not Envoy's rate limits`);
  // circuitBreaker limits of 0 (engine/gateway/http.ts circuitOverflow): Envoy's connection pool refuses the requests.
  if (p.circuitBreaker?.maxParallelRequests === 0 || p.circuitBreaker?.maxPendingRequests === 0) throw new NginxUnsupported("a BackendTrafficPolicy circuitBreaker limit of 0", "Envoy's connection pool overflows (503) where nginx would send to the backend");
  return undefined;
}

/** The body of the location that carries out rule `input.rule` (`policy`: its Envoy Gateway BackendTrafficPolicy, if any). */
export function ruleAction(c: Compilation, input: RuleInput, policy?: EffectiveTrafficPolicy): Action {
  const status = policy && trafficPolicyStatus(forRule(policy, input.rule), input.grpc);
  if (status !== undefined) return { body: [dir("return", String(status))], locations: [] };
  checkRule(input.rule);
  const backend = (ref: BackendRef) => input.state.backends.get(ref);
  const w = emptyWalk();
  walkFilters(c, input.rule.filters, w, backend);
  const mirrors = mirrorDirectives(c, w, input);
  if (w.redirect) return { body: [...corsPreflight(c, w), ...redirectDirectives(c, w, input)], locations: [] };
  const split = splitOf(input.rule, input.state.backends, true, input.pick.reader, input.pick.panicThreshold);
  if (split.problem) return { body: [...corsPreflight(c, w), dir("return", "500")], locations: [] };
  const live = input.rule.backends.filter((ref) => ref.weight > 0);
  const filtered = live.length > 1 && live.some((ref) => ref.filters.length);
  if (!filtered) {
    const only = live.length === 1 ? live[0] : undefined;
    if (only) walkFilters(c, only.filters, w, backend);
    const preflight = corsPreflight(c, w);
    if (w.redirect) return { body: [...preflight, ...redirectDirectives(c, w, input)], locations: [] };
    return { body: [...preflight, ...mirrors.uses, ...splitBody(c, live.map((ref) => ({ ref, d: destination(backend(ref)!, c.options.serviceAddresses, input.pick) })), w, input)], locations: mirrors.locations };
  }
  return filteredSplit(c, input, live, w, mirrors);
}

/** A weighted split whose backends all take the same filters: one upstream group, or split_clients when some shares fail. */
function splitBody(c: Compilation, parts: { ref: BackendRef; d: Destination }[], w: Walk, input: RuleInput): Directive[] {
  if (parts.length === 1) return forward(c, parts[0].d, w, input);
  const tls = new Set(parts.filter((p) => "targets" in p.d).map((p) => backendTls(c, p.d.backend, input.grpc).on));
  if (tls.size > 1) throw new NginxUnsupported("a split over TLS and plain backends", "one location proxies with one scheme");
  if (parts.every((p) => "targets" in p.d)) {
    const upstream = c.httpUpstreams.group(parts.map((p) => ({ targets: targetsOf(p.d), weight: p.ref.weight, name: backendLabel(p.d.backend) })));
    return passTo(c, upstream, parts[0].d.backend, w, input);
  }
  const total = parts.reduce((n, p) => n + p.ref.weight, 0);
  const entries: [string, string][] = parts.map((p, i) => [i === parts.length - 1 ? "*" : `${percent(p.ref.weight, total, "backend weight")}%`,
    "status" in p.d ? arg(String(p.d.status)) : c.httpUpstreams.group([{ targets: p.d.targets, weight: 1, name: backendLabel(p.d.backend) }])]);
  const v = c.map("split_clients", "$request_id", entries);
  const statuses = [...new Set(parts.flatMap((p) => "status" in p.d ? [p.d.status] : []))];
  const healthy = parts.find((p) => "targets" in p.d)!;
  return [...statuses.map((s) => block("if", [`(${v}`, "=", `${s})`], [dir("return", String(s))])), ...passTo(c, v, healthy.d.backend, w, input)];
}

/** Backends with filters of their own: a named location each, chosen by weight in njs. */
function filteredSplit(c: Compilation, input: RuleInput, live: BackendRef[], w: Walk, mirrors: { uses: Directive[]; locations: Directive[] }): Action {
  const backend = (ref: BackendRef) => input.state.backends.get(ref);
  const locations = [...mirrors.locations];
  const choices: [number, string][] = live.map((ref) => {
    const own = copyWalk(w);
    walkFilters(c, ref.filters, own, backend);
    const body = own.redirect ? redirectDirectives(c, own, input) : forward(c, destination(backend(ref)!, c.options.serviceAddresses, input.pick), own, input);
    const name = `@jx_${c.next("b")}`;
    locations.push(block("location", [name], [...corsPreflight(c, own), ...mirrors.uses, ...body]));
    return [ref.weight, name];
  });
  const key = c.tableKey([{ w: choices }]);
  return { body: [dir("set", "$jx_key", key), dir("js_content", "jx.route")], locations };
}
