// Evaluating one HTTPRoute or GRPCRoute match against a request, and the precedence of a match
// as the spec orders them (Exact path > longest PathPrefix > method > most headers > most query
// parameters; gRPC: longest service > longest method > most headers).

import type { NameValueMatch, PathMatch, RouteMatch } from "../../model/route.js";
import type { Headers } from "./headers.js";
import { REGEX_SEMANTICS, regexError, regexMatches, type RegexDialect } from "../../model/regex.js";
import { headerReadings, queryReadings, type RepeatedReading } from "../../model/request.js";
import { linkerdMatchRank, linkerdPathLength } from "../../model/mesh.js";

/**
 * The proxy that matches the request, where implementations differ on what the spec leaves open:
 *   envoy    Envoy Gateway, Istio, Cilium (and the nginx target, which copies them): a repeated header
 *            reads as its values joined with "," (HeaderUtility::getAllOfHeaderAsString, RFC 7230
 *            3.2.2, which the HTTPHeaderMatch name's doc points to); a repeated query parameter, as
 *            its first value (the spec's recommendation); regexes RE2 over the whole value.
 *   linkerd  Linkerd's outbound proxy (linkerd2-proxy linkerd/http/route/src/http/match): a repeated
 *            header or query parameter matches when any of its values does; a regex's leftmost-first
 *            match must span the value.
 *   nginx    ingress-nginx (an Ingress class): a repeated header reads as its values joined with ", ",
 *            a Cookie header's with "; " (model/request.ts RepeatedReading "nginx").
 */
export type MatchReader = "envoy" | "linkerd" | "nginx";

export interface MatchInput {
  /** Path without the query string. */
  path: string;
  /** Every value of each query parameter, in order (names are case-sensitive). */
  query: Map<string, string[]>;
  method: string;
  headers: Headers;
  /** Service and method of a gRPC request. */
  grpc?: { service: string; method: string };
  /** Default envoy. */
  reader?: MatchReader;
  /** Envoy Gateway's listener: its own gRPC method expressions (grpcPathRegex). */
  envoyGateway?: boolean;
}

/** Gateway API matches are RE2 (as Envoy reads them); an Ingress's, PCRE (as nginx reads them). */
const semanticsOf = (dialect?: RegexDialect) => (dialect === "pcre" ? REGEX_SEMANTICS.nginx : REGEX_SEMANTICS.gatewayApi);
const fullMatch = (pattern: string, s: string, dialect?: RegexDialect, reader?: MatchReader) =>
  regexMatches(pattern, reader === "linkerd" && dialect !== "pcre" ? REGEX_SEMANTICS.linkerd : semanticsOf(dialect), s);

/** The first regular expression of a match that its controller cannot compile, and why (the rule is then dropped). */
export function matchRegexProblem(m: RouteMatch): string | undefined {
  const check = (value: string | undefined, dialect?: RegexDialect) => {
    const err = value === undefined ? undefined : regexError(value, semanticsOf(dialect));
    return err && `regular expression ${JSON.stringify(value)} is invalid: ${err}`;
  };
  if (m.path?.type === "RegularExpression") { const e = check(m.path.value, m.path.dialect); if (e) return e; }
  if (m.grpc?.type === "RegularExpression") { const e = check(m.grpc.service) ?? check(m.grpc.method); if (e) return e; }
  for (const v of [...m.headers, ...m.queryParams]) if (v.type === "RegularExpression") { const e = check(v.value, v.dialect); if (e) return e; }
  return undefined;
}

/** PathPrefix matches whole path segments: "/v2" matches "/v2" and "/v2/x", not "/v2x". */
export function prefixMatches(prefix: string, path: string): boolean {
  const p = prefix.length > 1 && prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  return p === "/" || path === p || path.startsWith(`${p}/`);
}

function pathMatches(m: PathMatch, path: string, reader?: MatchReader): boolean {
  if (m.type === "Exact") return path === m.value;
  if (m.type === "PathPrefix") return m.characterwise ? path.startsWith(m.value) : prefixMatches(m.value, path);
  return fullMatch(m.value, path, m.dialect, reader);
}

const valueMatches = (m: NameValueMatch, v: string, reader?: MatchReader) => m.type === "Exact" ? v === m.value : fullMatch(m.value, v, m.dialect, reader);

const readingOf = (req: MatchInput): RepeatedReading => (req.reader === "linkerd" ? "each" : req.reader === "nginx" ? "nginx" : "envoy");
const headerValues = (req: MatchInput, name: string) => headerReadings(req.headers.values(name), readingOf(req), name);
const queryValues = (req: MatchInput, name: string) => queryReadings(req.query.get(name) ?? [], readingOf(req));

/**
 * A RegularExpression gRPC match as Envoy-based implementations write it: one expression over the
 * path, "/" + service + "/" + method joined without grouping (so an alternation spans the "/"),
 * a missing service "[^/]+", a missing method ".+" (istio pilot/pkg/config/kube/gateway/conversion.go
 * createGRPCURIMatch). Envoy Gateway (`envoyGateway`) joins the same way with its own expressions for a
 * missing one (internal/gatewayapi/route.go processGRPCRouteMethodRegularExpression: validServiceName
 * `(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*`, whose (?i) holds to the end, the method's too;
 * validMethodName `[A-Za-z_][A-Za-z_0-9]*`).
 */
export function grpcPathRegex(g: NonNullable<RouteMatch["grpc"]>, envoyGateway?: boolean): string {
  if (envoyGateway) return `/${g.service ?? EG_SERVICE}/${g.method ?? EG_METHOD}`;
  return `/${g.service ?? "[^/]+"}/${g.method ?? ".+"}`;
}

const EG_SERVICE = "(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*", EG_METHOD = "[A-Za-z_][A-Za-z_0-9]*";

/** Why the match does not apply, or undefined when it does. */
export function matchFailure(m: RouteMatch, req: MatchInput): string | undefined {
  if (m.path && !pathMatches(m.path, req.path, req.reader)) return `path ${req.path} does not match ${m.path.type} ${m.path.value}${m.path.characterwise ? " (nginx's string prefix)" : ""}`;
  if (m.method && m.method !== req.method) return `method ${req.method} is not ${m.method}`;
  if (m.grpc) {
    if (!req.grpc) return "not a gRPC request";
    const { service, method, type } = m.grpc;
    const eq = (want: string | undefined, got: string) => want === undefined || want === got;
    const path = `/${req.grpc.service}/${req.grpc.method}`;
    // Envoy-based (istio pilot/pkg/config/kube/gateway/conversion.go createGRPCURIMatch): service and method, the exact
    // path; a service alone, the prefix "/service/" (any rest); a method alone, the expression "/[^/]+/method".
    // Envoy Gateway (route.go processGRPCRouteMethodExact) writes a method alone as a ":path" suffix "/method".
    const ok = type !== "Exact" ? fullMatch(grpcPathRegex(m.grpc, req.envoyGateway), path, undefined, req.reader)
      : req.reader === "linkerd" || service !== undefined ? eq(service, req.grpc.service) && eq(method, req.grpc.method)
      : req.envoyGateway ? path.endsWith(`/${method}`)
      : req.grpc.service !== "" && !req.grpc.service.includes("/") && req.grpc.method === method;
    if (!ok) return `gRPC method ${req.grpc.service}/${req.grpc.method} does not match ${type === "Exact" ? `${service ?? "*"}/${method ?? "*"}` : `the expression ${grpcPathRegex(m.grpc, req.envoyGateway)}`}`;
  }
  for (const h of m.headers) {
    const values = headerValues(req, h.name);
    if (!values.some((v) => valueMatches(h, v, req.reader))) return `header ${h.name} is ${values.length ? values.map((v) => JSON.stringify(v)).join(" and ") : "absent"}, not ${h.type === "Exact" ? "" : "matching "}${JSON.stringify(h.value)}`;
  }
  for (const q of m.queryParams) {
    const values = queryValues(req, q.name);
    if (!values.some((v) => valueMatches(q, v, req.reader))) return `query parameter ${q.name} is ${values.length ? values.map((v) => JSON.stringify(v)).join(" and ") : "absent"}, not ${JSON.stringify(q.value)}`;
  }
  return undefined;
}

/** The precedence of a match among matches for the same hostname: compare element-wise, larger first. */
export function matchRank(m: RouteMatch): number[] {
  if (m.grpc || !m.path) {
    const exact = m.grpc?.type !== "RegularExpression";
    return [exact ? m.grpc?.service?.length ?? 0 : 0, exact ? m.grpc?.method?.length ?? 0 : 0, m.headers.length];
  }
  const kind = m.path.type === "Exact" ? 2 : m.path.type === "PathPrefix" ? 1 : 0;
  return [kind, m.path.value.length, m.method ? 1 : 0, m.headers.length, m.queryParams.length];
}

/**
 * The precedence of a match as Linkerd's outbound proxy computes it for this request: model/mesh.ts
 * linkerdMatchRank over the match's summary (not the spec's order; the inbound side, engine/l7/linkerd.ts,
 * ranks a Server's lowered conditions with the same summary).
 */
export function linkerdRouteMatchRank(m: RouteMatch, path: string): number[] {
  if (m.grpc || !m.path) return linkerdMatchRank({ grpc: true, service: m.grpc?.service?.length ?? 0, method: m.grpc?.method?.length ?? 0, headers: m.headers.length });
  const kind = m.path.type === "Exact" ? "exact" : m.path.type === "RegularExpression" ? "regex" : "prefix";
  return linkerdMatchRank({ grpc: false, path: linkerdPathLength(kind, m.path.value, path), headers: m.headers.length, queries: m.queryParams.length, method: m.method !== undefined });
}

/** The first criterion on which rank `a` beats rank `b`, in words. */
export function rankDifference(a: number[], b: number[], grpc: boolean): string | undefined {
  const names = grpc ? ["a longer service", "a longer method", "more header matches"]
    : ["a stronger path match (Exact > PathPrefix > RegularExpression)", "a longer path", "a method match", "more header matches", "more query parameter matches"];
  return firstDifference(a, b, names);
}

/** The name of the first criterion on which ranks `a` and `b` differ. */
export function firstDifference(a: number[], b: number[], names: string[]): string | undefined {
  const i = a.findIndex((x, k) => x !== b[k]);
  return i < 0 ? undefined : names[i];
}
