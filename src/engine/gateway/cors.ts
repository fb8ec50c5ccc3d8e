// The CORS filter: preflight requests are answered by the Gateway, other requests from an
// allowed origin get the CORS response headers. A request's origin is echoed (never "*"), which
// is valid with and without credentials.

import type { CorsPolicy } from "../../model/route.js";
import type { Headers } from "./headers.js";

export function isPreflight(method: string, h: Headers): boolean {
  return method === "OPTIONS" && h.get("origin") !== undefined && h.get("access-control-request-method") !== undefined;
}

/** Whether the origin ("scheme://host[:port]") is allowed: "*", an exact origin, or a "*." host wildcard. */
export function originAllowed(cors: CorsPolicy, origin: string): boolean {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/:]+)(:\d+)?$/i.exec(origin);
  return cors.allowOrigins.some((allowed) => {
    if (allowed === "*" || allowed === origin) return true;
    const a = /^([a-z][a-z0-9+.-]*):\/\/(\*\.[^/:]+|\*)(:\d+)?$/i.exec(allowed);
    if (!a || !m || a[1].toLowerCase() !== m[1].toLowerCase() || (a[3] ?? "") !== (m[3] ?? "")) return false;
    return a[2] === "*" || (m[2].toLowerCase().endsWith(a[2].slice(1).toLowerCase()) && m[2].length > a[2].length - 1);
  });
}

function common(cors: CorsPolicy, origin: string): [string, string][] {
  const out: [string, string][] = [["access-control-allow-origin", origin]];
  if (cors.allowCredentials) out.push(["access-control-allow-credentials", "true"]);
  if (cors.exposeHeaders.length) out.push(["access-control-expose-headers", cors.exposeHeaders.join(", ")]);
  return out;
}

export function corsPreflight(cors: CorsPolicy, h: Headers): [string, string][] {
  const origin = h.get("origin")!;
  if (!originAllowed(cors, origin)) return [];
  const method = h.get("access-control-request-method")!;
  const requested = h.get("access-control-request-headers");
  const out = common(cors, origin);
  // "When allowMethods is configured with one or more methods" the header lists them; with none it is left out (an empty list allows nothing beyond the CORS-safelisted methods either way).
  const methods = cors.allowMethods.includes("*") ? method : cors.allowMethods.join(", ");
  if (methods) out.push(["access-control-allow-methods", methods]);
  const headers = cors.allowHeaders.includes("*") ? requested : cors.allowHeaders.join(", ");
  if (headers) out.push(["access-control-allow-headers", headers]);
  out.push(["access-control-max-age", String(cors.maxAge)]);
  return out;
}

export function corsResponseHeaders(cors: CorsPolicy, h: Headers): [string, string][] {
  const origin = h.get("origin");
  return origin !== undefined && originAllowed(cors, origin) ? common(cors, origin) : [];
}
