// A VirtualService route's `corsPolicy` at an Istio proxy: Envoy's CORS filter
// (source/extensions/filters/http/cors/cors_filter.cc) with the per-route policy pilot writes
// (pilot/pkg/networking/core/route/route.go TranslateCORSPolicy). Unlike the Gateway API's CORS
// filter (gateway/cors.ts, origins with `*.` wildcards), the origins are Envoy StringMatchers
// (exact, prefix, RE2 regex) and a preflight from an origin none allows is forwarded to the backend
// by default (forward_not_matching_preflights).

import type { IstioCors, IstioStringMatch } from "../../model/mesh.js";
import { REGEX_SEMANTICS, regexMatches } from "../../model/regex.js";
import type { Headers } from "../gateway/headers.js";

/** What the CORS filter does with a request: answer it itself (a preflight), or add these headers to the response. */
export type CorsOutcome = { preflight: true; headers: [string, string][]; why: string } | { preflight: false; headers: [string, string][]; why?: string };

const matches = (m: IstioStringMatch, v: string) => (m.kind === "present" ? true : m.kind === "exact" ? v === m.value : m.kind === "prefix" ? v.startsWith(m.value) : regexMatches(m.value, REGEX_SEMANTICS.istio, v));

/** isOriginAllowed: a matcher that matches "*" or the origin. */
function originAllowed(cors: IstioCors, origin: string): boolean {
  return cors.allowOrigins.some((m) => matches(m, "*") || matches(m, origin));
}

/**
 * decodeHeaders/encodeHeaders: a request without an Origin (or an empty one) is not a CORS request.
 * A preflight (OPTIONS, an Origin, a non-empty Access-Control-Request-Method) from an allowed origin
 * is answered 200 by the proxy with the allow headers (allowMethods "*": the requested method;
 * allowHeaders "*": the requested headers); from another origin it is forwarded to the backend
 * (unmatchedPreflights FORWARD, the default) or answered 200 without them (IGNORE). Any other
 * request from an allowed origin gets Access-Control-Allow-Origin (the origin), -Allow-Credentials
 * and -Expose-Headers on its response.
 */
export function istioCors(cors: IstioCors, method: string, h: Headers): CorsOutcome | undefined {
  const origin = h.get("origin");
  if (!origin) return undefined;
  const allowed = originAllowed(cors, origin);
  const requested = h.get("access-control-request-method");
  if (method !== "OPTIONS" || !requested) {
    if (!allowed) return { preflight: false, headers: [], why: `the origin ${origin} is not in corsPolicy.allowOrigins: no CORS headers on the response` };
    return { preflight: false, headers: [["access-control-allow-origin", origin], ...(cors.allowCredentials ? [["access-control-allow-credentials", "true"] as [string, string]] : []), ...(cors.exposeHeaders.length ? [["access-control-expose-headers", cors.exposeHeaders.join(",")] as [string, string]] : [])] };
  }
  if (!allowed && cors.forward) return { preflight: false, headers: [], why: `a preflight from ${origin}, which corsPolicy.allowOrigins does not allow, is forwarded to the backend (unmatchedPreflights FORWARD, the default)` };
  const out: [string, string][] = [];
  if (allowed) out.push(["access-control-allow-origin", origin]);
  if (cors.allowCredentials) out.push(["access-control-allow-credentials", "true"]);
  const methods = cors.allowMethods.join(","), headers = cors.allowHeaders.join(",");
  if (methods) out.push(["access-control-allow-methods", methods === "*" ? requested : methods]);
  if (headers) out.push(["access-control-allow-headers", headers === "*" ? h.get("access-control-request-headers") ?? "" : headers]);
  if (cors.maxAgeSeconds !== undefined) out.push(["access-control-max-age", String(cors.maxAgeSeconds)]);
  return { preflight: true, headers: out, why: allowed ? `the proxy answers the CORS preflight from ${origin} itself (200, corsPolicy)` : `the proxy answers the CORS preflight from ${origin}, which corsPolicy.allowOrigins does not allow, itself without Access-Control-Allow-Origin (200, unmatchedPreflights IGNORE)` };
}
