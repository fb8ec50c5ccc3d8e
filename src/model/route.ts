// Routes: the Gateway API route kinds (HTTP, GRPC, TLS, TCP, UDP) in one shape. Ingress is
// lowered into the same shape (an HTTPRoute per host), so the routing engine has one algorithm.
// Every default the API server applies is already spelled out here.

import type { TrafficPolicyRetry } from "./gateway.js";
import type { NginxAccess, NginxCorsConfig } from "./nginx.js";
import type { RegexDialect } from "./regex.js";
import type { SourceRef } from "./source.js";
import { compareCreated } from "./time.js";

export const GATEWAY_GROUP = "gateway.networking.k8s.io";
export const CORE_GROUP = "";

export type RouteKind = "HTTPRoute" | "GRPCRoute" | "TLSRoute" | "TCPRoute" | "UDPRoute";
export const ROUTE_KINDS: readonly RouteKind[] = ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];

/** A typed reference as the Gateway API writes it; namespace already defaulted where the API defaults it. */
export interface ObjectRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Metadata every Gateway API object carries into the model. */
export interface ObjectMeta {
  namespace: string;
  name: string;
  /** metadata.generation (1 when absent): echoed as observedGeneration. */
  generation: number;
  /** metadata.creationTimestamp in ms since the epoch, when given. */
  created?: number;
  /** Position in the input: stands in for creation order when timestamps are absent or equal. */
  order: number;
  /** The object as read (apiVersion, kind, metadata, spec), for printing it back with its status. */
  manifest?: Record<string, unknown>;
  /** Set when the object was lowered from another API (e.g. an Ingress); such objects get no Gateway API status. */
  derivedFrom?: { kind: string; namespace: string; name: string };
  src?: SourceRef;
}

export interface ParentRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export type PathMatchType = "Exact" | "PathPrefix" | "RegularExpression";
export type ValueMatchType = "Exact" | "RegularExpression";

/** `dialect`: how a RegularExpression reads (model/regex.ts); unset is Gateway API's RE2, "pcre" an Ingress's nginx. */
/**
 * characterwise: a PathPrefix read as nginx reads a prefix location, a string prefix of the path rather than whole
 * segments (ingress-nginx's ImplementationSpecific path: template.go buildLocation writes `location "/foo"`).
 */
export interface PathMatch { type: PathMatchType; value: string; dialect?: RegexDialect; characterwise?: true }
export interface NameValueMatch { type: ValueMatchType; name: string; value: string; dialect?: RegexDialect }

/** One match of a rule: every condition set must hold (AND); a rule's matches are ORed. */
export interface RouteMatch {
  /** HTTP: always set (the API defaults a missing path to PathPrefix "/"). gRPC: unset. */
  path?: PathMatch;
  /** HTTP method. */
  method?: string;
  /** gRPC service/method; at least one of them is set. */
  grpc?: { type: ValueMatchType; service?: string; method?: string };
  headers: NameValueMatch[];
  queryParams: NameValueMatch[];
}

export interface HeaderValue { name: string; value: string }
export interface HeaderModifier { set: HeaderValue[]; add: HeaderValue[]; remove: string[] }

export type PathModifier = { type: "ReplaceFullPath"; value: string } | { type: "ReplacePrefixMatch"; value: string };

export interface CorsPolicy {
  /** ingress-nginx's CORS block (route graph only; engine/gateway/nginx-cors.ts), which answers otherwise than the filter. */
  nginx?: NginxCorsConfig;
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  /** Seconds; the API default is 5. */
  maxAge: number;
}

export type RouteFilter =
  | { type: "RequestHeaderModifier"; modifier: HeaderModifier }
  | { type: "ResponseHeaderModifier"; modifier: HeaderModifier }
  /**
   * Two of ingress-nginx's redirects, for the route graph only: dropTrailingSlash, its redirect to HTTPS, whose location
   * drops the request URI's final "/" (lua_ingress.lua, preserve-trailing-slash off); fixedQuery, nginx's `return CODE
   * URL` (permanent-redirect, temporal-redirect, app-root), whose location carries the URL's own query ("" for none)
   * rather than the request's; forwardedHost, its redirect to HTTPS under use-forwarded-headers, whose host is the first
   * entry of the request's X-Forwarded-Host when it has one (lua_ingress.lua: best_http_host, parse_x_forwarded_host);
   * alwaysPort, its from-to-www redirect, whose location names the port even when it is the scheme's
   * (ngx_srv_redirect.lua "%s://%s:%s%s").
   */
  | { type: "RequestRedirect"; scheme?: string; hostname?: string; path?: PathModifier; port?: number; statusCode: number; dropTrailingSlash?: true; fixedQuery?: string; forwardedHost?: true; alwaysPort?: true }
  | { type: "URLRewrite"; hostname?: string; path?: PathModifier }
  | { type: "RequestMirror"; backend: BackendRef; percent: number }
  | { type: "CORS"; cors: CorsPolicy }
  | { type: "ExtensionRef"; ref: { group: string; kind: string; name: string } };

export interface BackendRef extends ObjectRef {
  /** Required for Services (validated); undefined for kinds that do not need one. */
  port?: number;
  /** Share of the rule's traffic (0 gets nothing); the API default is 1. */
  weight: number;
  /** Set when the backendRef writes `namespace` (an Istio `Hostname` backendRef may not). */
  namespaceSet?: true;
  /** Filters applied only when this backend is picked (HTTPRoute, GRPCRoute). */
  filters: RouteFilter[];
  src?: SourceRef;
}

export interface RetryPolicy {
  /** HTTP status codes retried; empty = only connection errors and timeouts (where retryReset, retryTimeout allow). */
  codes: number[];
  /** Retries after the first try; undefined: not set (the Gateway API: implementation-specific; Junction's default 1, Istio's 2: istioRuleTiming). */
  attempts?: number;
  backoffMs?: number;
  /** A connection reset before the answer is retried (default true: the Gateway API's "SHOULD retry on connection errors (disconnect, reset, timeout, TCP failure)"). */
  retryReset?: boolean;
  /** An attempt that timed out (timeouts.backendRequest) is retried (default true, as retryReset). */
  retryTimeout?: boolean;
  /** The last attempt has no per-try timeout (Linkerd: retry.rs set_extensions removes the response headers timeout once retries are exhausted). */
  lastTryUnbounded?: boolean;
  /** Why a reset or a timed-out attempt is not retried, for the answer's notes (the implementation's retry conditions). */
  conditions?: string;
  /**
   * Envoy's retryOn triggers that read the response's grpc-status (cancelled, deadline-exceeded, internal,
   * resource-exhausted, unavailable: RetryStateImpl::wouldRetryFromHeaders, Grpc::Common::getGrpcStatus),
   * which the backend model does not answer with: a gRPC call's failed attempt may be retried or not.
   */
  grpcTriggers?: string[];
}

export interface RouteRule {
  /** rules[].name (optional). */
  name?: string;
  /** Index in spec.rules. */
  index: number;
  /** HTTP/gRPC matches; a rule without matches gets one catch-all match. Empty for TLS/TCP/UDP. */
  matches: RouteMatch[];
  filters: RouteFilter[];
  backends: BackendRef[];
  /**
   * Milliseconds; 0 = disabled. `response`: each attempt's deadline for its answer, a timed-out attempt
   * not retried (Linkerd's timeout.linkerd.io/response: linkerdRuleTiming); never read from a rule.
   */
  timeouts?: { request?: number; backendRequest?: number; response?: number };
  retry?: RetryPolicy;
  /** A rule lowered from an Ingress: the access checks ingress-nginx writes into its location (source ranges, authentication). */
  nginxAccess?: NginxAccess;
  /**
   * A rule lowered from an Ingress with ingress-nginx's default-backend annotation: the Service (its first port) that
   * serves the location when its own Service has no endpoint and this one has (controller.go getBackendServers:
   * "Upstream %q has no active Endpoint, so using custom default backend").
   */
  nginxDefaultBackend?: BackendRef;
  /**
   * A rule lowered from an Ingress whose rewrite-target has capture references ($1...): the location's `rewrite
   * "(?i)REGEX" TARGET break;` (engine/gateway/nginx-rewrite.ts), REGEX the Ingress path.
   */
  nginxRewrite?: { regex: string; target: string };
  /** A rule lowered from an Ingress with proxy-redirect-from / -to: `proxy_redirect FROM TO;` on the backend's Location and Refresh headers. */
  nginxProxyRedirect?: { from: string; to: string };
  /** A rule lowered from an Ingress whose host's server verifies client certificates (ssl_verify_client: auth-tls-secret, its CA Secret "namespace/name"). */
  nginxClientCert?: { ca: string; verify: string; errorPage?: string; ingress: string };
  /**
   * A rule lowered from an Ingress of an ingress-nginx class with custom error pages (custom-http-errors, the annotation,
   * else the ConfigMap's): an answer with one of `codes` (nginx's own; the backend's too when `intercept`) is replaced by
   * the default backend's (engine/gateway/nginx-errors.ts). `service`: the controller's --default-backend-service.
   * `own`: the codes are the annotation's (the location's error_page lines, to its DefaultBackendUpstreamName, which may
   * be the custom default backend); else the http block's, always to upstream-default-backend.
   */
  nginxCustomErrors?: { codes: number[]; intercept: boolean; own: boolean; from: string; service?: BackendRef };
  /**
   * A rule lowered from an Ingress of an ingress-nginx class: its backends ("namespace/name") whose upstream is the
   * Service's ClusterIP (service-upstream): nginx always has that one endpoint, and kube-proxy rejects the connection
   * when the Service has none (502, not the balancer's 503; no custom default backend).
   */
  nginxServiceUpstream?: string[];
  /** A rule lowered from an Ingress whose location runs raw nginx configuration (an allowed snippet): why Junction cannot tell the answer. */
  nginxUndetermined?: string;
  /**
   * ingress-nginx's ssl-redirect of a server whose name is a wildcard or a regular expression: the redirect to HTTPS only
   * for a request whose host a certificate is configured for (Gateway.nginxCertificates); else the rule after it, its
   * twin without the redirect, answers.
   */
  nginxSslRedirect?: true;
  /** ingress-nginx's custom-headers: the response headers its location sets on every answer (more_set_headers). */
  nginxResponseHeaders?: [string, string][];
  /** ingress-nginx's client_max_body_size of the location, in bytes (0: no limit; engine/gateway/nginx-body.ts). */
  nginxBodyLimit?: { bytes: number; written: string };
}

export interface Route extends ObjectMeta {
  kind: RouteKind;
  /**
   * The API group when not the Gateway API's: "policy.linkerd.io" for Linkerd's own HTTPRoute, which
   * only Linkerd's proxies read (its Service parents; sources/linkerd/routes.ts).
   */
  group?: string;
  parentRefs: ParentRef[];
  /** Empty: the route matches every hostname its listeners accept. */
  hostnames: string[];
  rules: RouteRule[];
}

/** Linkerd's policy API group. */
export const LINKERD_POLICY_GROUP = "policy.linkerd.io";

/** A Linkerd EgressNetwork parent (Linkerd's clients only). */
export const isEgressNetworkParent = (ref: ParentRef) => ref.group === LINKERD_POLICY_GROUP && ref.kind === "EgressNetwork";

/** A Service parent (GAMMA: group "" or "core"). */
export const isServiceParent = (ref: ParentRef) => (ref.group === CORE_GROUP || ref.group === "core") && ref.kind === "Service";

/** Istio's networking API group (ServiceEntry, and the `Hostname` backend kind). */
export const ISTIO_NETWORKING_GROUP = "networking.istio.io";

/** A ServiceEntry parent (Istio only: pilot/pkg/config/kube/gateway/conversion.go allowedParentReferences). */
export const isServiceEntryParent = (ref: ParentRef) => ref.group === ISTIO_NETWORKING_GROUP && ref.kind === "ServiceEntry";

/** The route filters Linkerd's policy controller converts (outbound/index/http.rs convert_gateway_filter, inbound alike). */
const LINKERD_FILTERS: ReadonlySet<string> = new Set(["RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect"]);

/** The first filter Linkerd's policy controller does not convert. */
export function linkerdUnsupportedFilter(filters: readonly RouteFilter[]): RouteFilter | undefined {
  return filters.find((f) => !LINKERD_FILTERS.has(f.type));
}

/**
 * Why Linkerd's policy controller ignores a route, inbound and outbound alike; undefined when it does
 * not. A GRPCRoute's RegularExpression method match (linkerd2 policy-controller/k8s/index/src/routes/
 * grpc.rs try_match: "unsupported GRPCRoute method match type"), or a rule filter it does not convert
 * (convert_gateway_filter: `bail!("RequestMirror filter is not supported")`, likewise URLRewrite and
 * ExtensionRef, and "No filter specified" for a kind it does not know): converting the route fails,
 * and the index logs the error and leaves the route out ("failed to convert route", "Ignoring").
 */
export function linkerdIgnoredRoute(r: Pick<Route, "kind" | "rules">): string | undefined {
  if (r.kind === "GRPCRoute" && r.rules.some((rule) => rule.matches.some((m) => m.grpc?.type === "RegularExpression"))) {
    return "Linkerd supports only Exact gRPC method matches (a RegularExpression one makes its policy controller ignore the whole route)";
  }
  const filter = linkerdUnsupportedFilter(r.rules.flatMap((rule) => rule.filters ?? []));
  if (filter) return `Linkerd supports only RequestHeaderModifier, ResponseHeaderModifier and RequestRedirect filters (a ${filter.type} filter makes its policy controller ignore the whole route)`;
  return undefined;
}

/**
 * Why Linkerd's policy controller leaves a route with Service parents out of its outbound index:
 * convert_route (policy-controller/k8s/index/src/outbound/index/http.rs, grpc.rs) first parses the
 * route's annotations — parse_timeouts (`timeout.linkerd.io/response`, `request`, `idle`),
 * parse_http_retry / parse_grpc_retry (`retry.linkerd.io/limit` a u16, `retry.linkerd.io/timeout`,
 * `retry.linkerd.io/http` or `grpc` conditions) —, an error failing the conversion ("Failed to convert
 * route": the route is not applied), then its rules as linkerdIgnoredRoute says. Inbound routes are
 * converted without the annotations.
 */
export function linkerdOutboundIgnored(r: Pick<Route, "kind" | "rules" | "manifest">): string | undefined {
  const annotations = metadataMap(r, "annotations");
  const get = (k: string) => annotations[k];
  const bad = (k: string, why: string) => `annotation ${k}=${JSON.stringify(get(k))} ${why}: Linkerd's policy controller fails to convert the route and leaves it out`;
  for (const k of ["timeout.linkerd.io/response", "timeout.linkerd.io/request", "timeout.linkerd.io/idle"]) {
    const why = get(k) !== undefined ? linkerdDurationError(get(k)!) : undefined;
    if (why) return bad(k, why);
  }
  const limit = get("retry.linkerd.io/limit");
  if (limit !== undefined && !(/^\+?\d+$/.test(limit) && Number(limit) <= 65535)) return bad("retry.linkerd.io/limit", "is not a number from 0 to 65535");
  const timeout = get("retry.linkerd.io/timeout");
  const tw = timeout !== undefined ? linkerdDurationError(timeout) : undefined;
  if (tw) return bad("retry.linkerd.io/timeout", tw);
  const grpc = r.kind === "GRPCRoute", key = grpc ? "retry.linkerd.io/grpc" : "retry.linkerd.io/http";
  const conditions = get(key);
  const wrong = conditions?.split(",").find((c) => !(grpc ? GRPC_RETRY_CONDITIONS.has(c.toLowerCase()) : httpRetryCondition(c)));
  if (wrong !== undefined) return bad(key, `has the condition ${JSON.stringify(wrong)}, which is not ${grpc ? "cancelled, deadline-exceeded, internal, resource-exhausted or unavailable" : "5xx, gateway-error, a status from 100 to 599 or a range of them"}`);
  return linkerdIgnoredRoute(r);
}

/** The object's metadata.labels or .annotations as read (its manifest), their string values only. */
export function metadataMap(o: Pick<ObjectMeta, "manifest">, field: "labels" | "annotations"): Record<string, string> {
  const map = (o.manifest?.metadata as Record<string, unknown> | undefined)?.[field];
  if (typeof map !== "object" || map === null) return {};
  return Object.fromEntries(Object.entries(map).filter((e): e is [string, string] => typeof e[1] === "string"));
}

const GRPC_RETRY_CONDITIONS = new Set(["cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"]);

/** parse_http_retry's conditions: 5xx, gateway-error (any case), a code 100-599 (Rust's u32 parse: an optional "+"), or "LOW-HIGH" of them. */
function httpRetryCondition(c: string): boolean {
  const code = (s: string) => /^\+?\d+$/.test(s) && Number(s) >= 100 && Number(s) < 600;
  if (/^(5xx|gateway-error)$/i.test(c) || code(c)) return true;
  const dash = c.indexOf("-");
  return dash >= 0 && code(c.slice(0, dash)) && code(c.slice(dash + 1)) && Number(c.slice(0, dash).replace("+", "")) <= Number(c.slice(dash + 1).replace("+", ""));
}

/**
 * Why the outbound index's parse_duration refuses a value, or undefined: trimmed, not negative, an
 * integer (no fraction) before the last digit, then a unit ms, s, m, h or d ("0" needs none), without
 * overflowing u64 milliseconds. "1m30s" is refused (its number part is "1m30").
 */
export function linkerdDurationError(value: string): string | undefined {
  const s = value.trim();
  if (s.startsWith("-")) return "is negative";
  const last = Math.max(...[..."0123456789"].map((d) => s.lastIndexOf(d)));
  if (last < 0) return "has no number";
  const [magnitude, unit] = [s.slice(0, last + 1), s.slice(last + 1)];
  if (magnitude.includes(".")) return "has a fraction";
  if (!/^\+?\d+$/.test(magnitude) || BigInt(magnitude.replace("+", "")) > 0xffffffffffffffffn) return "is not a duration (one whole number and a unit: ms, s, m, h or d)";
  const ms = ({ ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n, d: 86_400_000n } as Record<string, bigint>)[unit];
  const n = BigInt(magnitude.replace("+", ""));
  if (unit === "" && n === 0n) return undefined;
  if (ms === undefined) return unit === "" ? "has no unit" : `has the unit ${JSON.stringify(unit)}, not ms, s, m, h or d`;
  return n * ms > 0xffffffffffffffffn ? "overflows" : undefined;
}

/** A duration the outbound index's parse_duration reads, in ms; undefined when absent or refused (linkerdDurationError: such a route is left out anyway). */
function linkerdDurationMs(value: string | undefined): number | undefined {
  if (value === undefined || linkerdDurationError(value) !== undefined) return undefined;
  const s = value.trim(), last = Math.max(...[..."0123456789"].map((d) => s.lastIndexOf(d)));
  const unit = s.slice(last + 1);
  return Number(s.slice(0, last + 1).replace("+", "")) * (({ ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as Record<string, number>)[unit] ?? 0);
}

/**
 * The timeouts and retries a Linkerd client's proxy applies to a route rule, in the Gateway API's
 * terms for the backend model (gateway/backend-model.ts): linkerd2 policy-controller
 * k8s/index/src/outbound/index/http.rs convert_route reads them from the route's annotations
 * (parse_timeouts, parse_http_retry), and convert_gateway_rule / convert_linkerd_rule take the rule's
 * `timeouts.request` only where no `timeout.linkerd.io/request` annotation is set ("timeouts.request =
 * timeouts.request.or_else(|| rule.timeouts ... request"; 0 is no timeout, GEP-1742). The rule's
 * `timeouts.backendRequest` and `retry` are not read. `retry.linkerd.io/limit` (default 1, 0 unset),
 * `retry.linkerd.io/timeout` (each attempt's response headers timeout, a timed-out attempt retried; the
 * last attempt has none: linkerd2-proxy route/retry.rs set_extensions "If retries are exhausted, remove
 * the response headers timeout"), `retry.linkerd.io/http` (5xx, gateway-error = 502-504, codes and
 * ranges); any of them makes a retry policy, which never retries a reset connection
 * (LINKERD_RETRY_CONDITIONS); its backoff starts at 25 ms (grpc/src/outbound/http.rs convert_retry:
 * ExponentialBackoff 25 ms to 250 ms, jitter). `timeout.linkerd.io/response` bounds each attempt from
 * the request's end to the answer's (linkerd2-proxy http/stream-timeouts response_end: a
 * ResponseStreamTimeoutError, 504, not retried: only ResponseTimeoutError::Headers is);
 * `timeout.linkerd.io/idle` runs only once the answer's headers came (ResponseFuture arms it with
 * them), so a late answer never meets it. A GRPCRoute's conditions are
 * gRPC codes (`retry.linkerd.io/grpc`), which the backend model does not answer: its limit and
 * timeout only. Where the route (and the rule) set no timeout, the parent's annotations give them
 * (the Service's or EgressNetwork's, `parentAnnotations`: outbound/index.rs parse_timeouts over
 * service.annotations()); where the route sets no retry, the parent's retry.
 */
export function linkerdRuleTiming(route: Pick<Route, "kind" | "manifest">, rule: Pick<RouteRule, "timeouts">, parentAnnotations: Readonly<Record<string, string>> = {}): Pick<RouteRule, "timeouts" | "retry"> {
  const own = metadataMap(route, "annotations");
  const timeoutsOf = (a: Readonly<Record<string, string>>) => ["request", "response", "idle"].map((k) => linkerdDurationMs(a[`timeout.linkerd.io/${k}`]));
  const [ownRequest, ...ownOthers] = timeoutsOf(own);
  const routeTimeouts = [ownRequest ?? (rule.timeouts?.request || undefined), ...ownOthers];
  // grpc/src/outbound/http.rs convert_outbound_route: "if timeouts == Default::default() { timeouts = service_timeouts.clone() }".
  const [request, response] = routeTimeouts.every((t) => t === undefined) ? timeoutsOf(parentAnnotations) : routeTimeouts;
  const retry = linkerdRetry(route.kind, own) ?? linkerdRetry(route.kind, parentAnnotations);
  return {
    timeouts: { ...(request ? { request } : {}), ...(response ? { response } : {}), ...(retry?.perTry ? { backendRequest: retry.perTry } : {}) },
    retry: retry && { attempts: retry.attempts, codes: retry.codes, backoffMs: 25, retryReset: false, lastTryUnbounded: true, conditions: LINKERD_RETRY_CONDITIONS },
  };
}

/**
 * linkerd2-proxy app/outbound/src/http/logical/policy/route/retry.rs RetryPolicy::is_retryable: the
 * statuses of retry.linkerd.io/http, and of errors only a fail-fast backend, the response headers
 * timeout (retry.linkerd.io/timeout) and an HTTP/2 REFUSED_STREAM ("connection errors require changes
 * to the endpoint stack so that they can be inspected"): a reset connection is not retried.
 */
const LINKERD_RETRY_CONDITIONS = "Linkerd's proxy retries the statuses of retry.linkerd.io/http and, of errors, only a fail-fast backend, an attempt past retry.linkerd.io/timeout and a refused HTTP/2 stream (retry.rs is_retryable): a reset connection is not retried";

/**
 * The timeouts and retries an Istio proxy (a sidecar, a waypoint) gives a rule of an HTTPRoute or
 * GRPCRoute, as pilot converts them (pilot/pkg/config/kube/gateway/conversion.go convertHTTPRoute) and
 * writes Envoy's retry policy (pilot/pkg/networking/core/route/retry/retry.go ConvertPolicy):
 * - `retry` becomes retryOn "connect-failure,refused-stream,unavailable,cancelled" and the codes
 *   (retriable-status-codes), attempts `ptr.OrDefault(r.Retry.Attempts, 2)`; Envoy retries neither a
 *   reset connection nor a per-try timeout on them (router retry_state_impl.cc wouldRetryFromReset:
 *   only RETRY_ON_5XX, GATEWAY_ERROR or RESET retry a reset; connect-failure a connection failure);
 *   `timeouts.backendRequest` is each attempt's timeout (PerTryTimeout).
 * - Without `retry`, `timeouts.backendRequest` becomes the route's timeout ("if vs.Retries != nil {
 *   PerTryTimeout } else { vs.Timeout = timeout }"), and the route gets DefaultPolicy (2 retries on
 *   connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes with no code): neither
 *   a status nor a reset nor a timeout is retried. Envoy's backoff starts at 25 ms unless set.
 */
export function istioRuleTiming(rule: Pick<RouteRule, "timeouts" | "retry">): Pick<RouteRule, "timeouts" | "retry"> {
  return envoyRuleTiming(rule, [], ISTIO_RETRY_CONDITIONS);
}

const ISTIO_RETRY_CONDITIONS = "Istio's retryOn for a route's retry is connect-failure,refused-stream,unavailable,cancelled and the codes (conversion.go): Envoy retries neither a reset connection nor a timed-out attempt on them";

/**
 * The timeouts and retries Envoy Gateway gives a rule of an HTTPRoute (internal/gatewayapi/route.go
 * processRouteRetry, processRouteTimeout; internal/xds/translator/route.go buildRetryPolicy): `retry`
 * becomes Envoy's retry policy with retryOn "connect-failure,refused-stream,unavailable,cancelled,
 * retriable-status-codes" (retryDefaultRetryOn), the codes or, without any, 503
 * (retryDefaultRetriableStatusCode), attempts or 2 (retryDefaultNumRetries): neither a reset nor a
 * per-try timeout is retried; `timeouts.backendRequest` is each attempt's timeout (PerRetry.Timeout).
 * Without `retry`, `timeouts.backendRequest` replaces the route's timeout ("Only set the IR Route
 * Timeout to the backend request timeout when retries are not configured"). The rule's
 * BackendTrafficPolicy (`traffic`) gives what the rule does not: its retry where the rule has none
 * (ir.HTTPRoute GetRetry: "if h.Retry != nil { return h.Retry }", else Traffic.Retry; trafficPolicyRetry),
 * its timeout.http.requestTimeout where the rule sets no timeout (getEffectiveRequestTimeout).
 */
export function envoyGatewayRuleTiming(rule: Pick<RouteRule, "timeouts" | "retry">, traffic?: { retry?: TrafficPolicyRetry; requestTimeout?: number; policy: string }): Pick<RouteRule, "timeouts" | "retry"> {
  const fallback = traffic && { request: traffic.requestTimeout, ...(traffic.retry ? { retry: trafficPolicyRetry(traffic.retry, `BackendTrafficPolicy ${traffic.policy}`), perTry: traffic.retry.perTryMs } : {}) };
  return envoyRuleTiming(rule, [503], ENVOY_GATEWAY_RETRY_CONDITIONS, fallback);
}

const ENVOY_GATEWAY_RETRY_CONDITIONS = "Envoy Gateway's retryOn for a route's retry is connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (route.go retryDefaultRetryOn): Envoy retries neither a reset connection nor a timed-out attempt on them";
const ENVOY_GATEWAY_DEFAULT_TRIGGERS = ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"];
/** Envoy's gRPC retryOn triggers (x-envoy-retry-grpc-on; Envoy Gateway's TriggerEnum cancelled, deadline-exceeded, internal, resource-exhausted, unavailable). */
const GRPC_TRIGGERS = ["cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"];

/**
 * A BackendTrafficPolicy's retry as Envoy's retry policy (translator route.go buildRetryPolicy): retryOn
 * the triggers (none: retryDefaultRetryOn), the retriable status codes httpStatusCodes once retryOn is
 * given ("rp.RetriableStatusCodes = buildRetryStatusCodes(rr.RetryOn.HTTPStatusCodes)", else 503), which
 * count only with retriable-status-codes; numRetries; backOff.baseInterval (Envoy's 25 ms unless set).
 * Envoy's RetryStateImpl: wouldRetryFromHeaders retries any 5xx on "5xx", 502/503/504 on "gateway-error",
 * 409 on "retriable-4xx"; wouldRetryFromReset retries a reset, and a per-try timeout (onPerTryTimeoutCommon:
 * maybeRetryReset(LocalReset)), on "reset", "5xx" or "gateway-error". The gRPC triggers read grpc-status,
 * which the backend model does not answer with.
 */
function trafficPolicyRetry(r: TrafficPolicyRetry, who: string): RetryPolicy {
  const given = r.triggers !== undefined || r.httpStatusCodes !== undefined;
  const triggers = r.triggers?.length ? r.triggers : ENVOY_GATEWAY_DEFAULT_TRIGGERS;
  const codes = new Set<number>(triggers.includes("retriable-status-codes") ? (given ? r.httpStatusCodes ?? [] : [503]) : []);
  const range = (lo: number, hi: number) => { for (let c = lo; c <= hi; c++) codes.add(c); };
  if (triggers.includes("5xx")) range(500, 599);
  if (triggers.includes("gateway-error")) range(502, 504);
  if (triggers.includes("retriable-4xx")) codes.add(409);
  const resets = triggers.some((t) => t === "5xx" || t === "gateway-error" || t === "reset");
  const grpc = triggers.filter((t) => GRPC_TRIGGERS.includes(t));
  return {
    attempts: r.numRetries, codes: [...codes].sort((a, b) => a - b), backoffMs: r.backoffMs ?? 25, retryReset: resets, retryTimeout: resets, ...(grpc.length ? { grpcTriggers: grpc } : {}),
    conditions: `${who}'s retryOn is ${triggers.join(",")}${resets ? "" : ": Envoy retries neither a reset connection nor a timed-out attempt on them"}`,
  };
}

/**
 * A route's retry and timeouts as an Envoy control plane that follows GEP-1742 writes them: with `retry`,
 * its codes (`defaultCodes` when it names none), 2 retries when `attempts` is not set (the CRD's minimum
 * is 1), `timeouts.backendRequest` each attempt's, Envoy's 25 ms backoff unless set, and a retryOn that
 * retries neither a reset nor a timed-out attempt; without, `timeouts.backendRequest` is the route's timeout.
 * `fallback` (a policy's, Envoy Gateway) gives the route's timeout where the rule sets none, and its retry
 * (with its per-try timeout) where the rule has none.
 */
function envoyRuleTiming(rule: Pick<RouteRule, "timeouts" | "retry">, defaultCodes: number[], conditions: string, fallback?: { request?: number; retry?: RetryPolicy; perTry?: number }): Pick<RouteRule, "timeouts" | "retry"> {
  const { request, backendRequest } = rule.timeouts ?? {};
  const r = rule.retry;
  const own = r ? request : (backendRequest || request);
  const timeout = own || (own === undefined ? fallback?.request : undefined);
  if (!r && fallback?.retry) return { timeouts: { ...(timeout ? { request: timeout } : {}), ...(fallback.perTry ? { backendRequest: fallback.perTry } : {}) }, retry: fallback.retry };
  if (!r) return { timeouts: timeout ? { request: timeout } : {}, retry: undefined };
  return {
    timeouts: { ...(timeout ? { request: timeout } : {}), ...(backendRequest ? { backendRequest } : {}) },
    retry: { attempts: r.attempts ?? 2, codes: r.codes.length ? r.codes : defaultCodes, backoffMs: r.backoffMs ?? 25, retryReset: false, retryTimeout: false, conditions, grpcTriggers: ["unavailable", "cancelled"] },
  };
}

/** parse_http_retry (parse_grpc_retry) over one object's annotations: undefined when none of them is set ("if limit.is_none() && timeout.is_none() && conditions.is_none() { return Ok(None) }"). */
function linkerdRetry(kind: string, a: Readonly<Record<string, string>>): { attempts: number; codes: number[]; perTry?: number } | undefined {
  const limitText = a["retry.linkerd.io/limit"];
  const limit = limitText !== undefined && /^\+?\d+$/.test(limitText) && Number(limitText) <= 65535 ? Number(limitText) || undefined : undefined;
  const perTry = linkerdDurationMs(a["retry.linkerd.io/timeout"]) || undefined;
  const grpc = kind === "GRPCRoute";
  const conditions = a[grpc ? "retry.linkerd.io/grpc" : "retry.linkerd.io/http"];
  if (limit === undefined && perTry === undefined && conditions === undefined) return undefined;
  const codes: number[] = [];
  for (const c of grpc ? [] : conditions?.split(",") ?? []) {
    const [lo, hi] = /^5xx$/i.test(c) ? [500, 599] : /^gateway-error$/i.test(c) ? [502, 504] : c.includes("-") ? c.split("-").map(Number) : [Number(c), Number(c)];
    for (let code = lo; code <= hi; code++) if (!codes.includes(code)) codes.push(code);
  }
  return { attempts: limit ?? 1, codes, ...(perTry ? { perTry } : {}) };
}

/** "NS/NAME": how upstream's statuses and messages name a namespaced object (types.NamespacedName.String()). */
export const namespacedName = (o: { namespace: string; name: string }): string => `${o.namespace}/${o.name}`;

/** "KIND NS/NAME"; a route of another group than the Gateway API's is "KIND.GROUP NS/NAME" (Linkerd's HTTPRoute beside a Gateway API one of the same name). */
export function routeKey(r: { kind: string; group?: string; namespace: string; name: string }): string {
  // A user's VirtualService lowered into the route shape (engine/mesh/virtualservice.ts).
  if (r.group === ISTIO_NETWORKING_GROUP) return `VirtualService ${namespacedName(r)}`;
  return `${r.kind}${r.group ? `.${r.group}` : ""} ${namespacedName(r)}`;
}

/**
 * Creation order, as Gateway API precedence rules use it: older first (equal timestamps tie); an
 * object without a timestamp is newer than every one with one (model/time.ts compareCreated), and of
 * two without one the first in the input is the older: `kubectl apply -f` creates them in that order,
 * so the one applied first is never the newer (applied within one second they would tie and the
 * caller's tie-break, namespace/name, would decide: the answers note it, model/time.ts untimedTie).
 */
export function compareAge(a: ObjectMeta, b: ObjectMeta): number {
  return compareCreated(a.created, b.created) || (a.created === undefined && b.created === undefined ? a.order - b.order : 0);
}

/** Older first, then alphabetical by namespace/name: the tie-break of listener merging and policy conflicts. */
export function compareAgeThenName(a: ObjectMeta, b: ObjectMeta): number {
  return compareAge(a, b) || `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);
}
