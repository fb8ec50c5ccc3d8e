// Routes: the Gateway API route kinds (HTTP, GRPC, TLS, TCP, UDP) in one shape. Ingress is
// lowered into the same shape (an HTTPRoute per host), so the routing engine has one algorithm.
// Every default the API server applies is already spelled out here.

import type { RegexDialect } from "./regex.js";
import type { SourceRef } from "./source.js";

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
export interface PathMatch { type: PathMatchType; value: string; dialect?: RegexDialect }
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
  | { type: "RequestRedirect"; scheme?: string; hostname?: string; path?: PathModifier; port?: number; statusCode: number }
  | { type: "URLRewrite"; hostname?: string; path?: PathModifier }
  | { type: "RequestMirror"; backend: BackendRef; percent: number }
  | { type: "CORS"; cors: CorsPolicy }
  | { type: "ExtensionRef"; ref: { group: string; kind: string; name: string } };

export interface BackendRef extends ObjectRef {
  /** Required for Services (validated); undefined for kinds that do not need one. */
  port?: number;
  /** Share of the rule's traffic (0 gets nothing); the API default is 1. */
  weight: number;
  /** Filters applied only when this backend is picked (HTTPRoute, GRPCRoute). */
  filters: RouteFilter[];
  src?: SourceRef;
}

export interface RetryPolicy {
  /** HTTP status codes retried; empty = only connection errors and timeouts. */
  codes: number[];
  /** Retries after the first try. */
  attempts: number;
  backoffMs?: number;
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
  /** Milliseconds; 0 = disabled. */
  timeouts?: { request?: number; backendRequest?: number };
  retry?: RetryPolicy;
}

export interface Route extends ObjectMeta {
  kind: RouteKind;
  parentRefs: ParentRef[];
  /** Empty: the route matches every hostname its listeners accept. */
  hostnames: string[];
  rules: RouteRule[];
}

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

export function routeKey(r: { kind: string; namespace: string; name: string }): string {
  return `${r.kind} ${r.namespace}/${r.name}`;
}

/**
 * Creation order, as Gateway API precedence rules use it: older first (equal timestamps tie); objects
 * without a timestamp come after those with one, in input order (the order `kubectl apply -f` creates them).
 */
export function compareAge(a: ObjectMeta, b: ObjectMeta): number {
  if (a.created !== undefined && b.created !== undefined) return a.created - b.created;
  if (a.created !== undefined || b.created !== undefined) return a.created === undefined ? 1 : -1;
  return a.order - b.order;
}

/** Older first, then alphabetical by namespace/name: the tie-break of listener merging and policy conflicts. */
export function compareAgeThenName(a: ObjectMeta, b: ObjectMeta): number {
  return compareAge(a, b) || `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);
}
