// ingress-nginx's enable-cors (model/nginx.ts NginxCorsConfig), as nginx.tmpl's "CORS" block answers in the location's
// rewrite phase (template.go buildCorsOriginRegex): with cors-allow-origin "*", `set $http_origin *; set $cors 'true';`
// (every request, with an Origin header or not); else `if ($http_origin ~* ((O1)|(O2))$ ) { set $cors 'true'; }`, each
// origin quoted with its first "*" as `[A-Za-z0-9\-]+` (buildOriginRegex), case-insensitive and anchored at the end only.
// Then an OPTIONS request (`set $cors ${cors}options`, whatever its other headers) with $cors "true" is answered 204 with
// the CORS headers, Content-Type and Content-Length; any other request with $cors "true" gets the same CORS headers
// (more_set_headers: Allow-Origin, Allow-Credentials when on, Allow-Methods, Allow-Headers, Expose-Headers when set,
// Max-Age), whatever its answer. Without a match nothing is added and an OPTIONS request goes on to the backend.

import type { NginxCorsConfig } from "../../model/nginx.js";
import type { Headers } from "./headers.js";

/** The response headers the CORS block adds, and whether it answers the request itself (204). */
export function nginxCors(c: NginxCorsConfig, method: string, h: Headers): { headers: [string, string][]; preflight: boolean } {
  const star = c.origins.length === 1 && c.origins[0] === "*";
  const origin = h.get("origin");
  if (!star && (origin === undefined || !c.origins.length || !originPattern(c.origins).test(origin))) return { headers: [], preflight: false };
  const out: [string, string][] = [["access-control-allow-origin", star ? "*" : origin!]];
  if (c.credentials) out.push(["access-control-allow-credentials", "true"]);
  out.push(["access-control-allow-methods", c.methods], ["access-control-allow-headers", c.headers]);
  if (c.expose) out.push(["access-control-expose-headers", c.expose]);
  out.push(["access-control-max-age", String(c.maxAge)]);
  if (method !== "OPTIONS") return { headers: out, preflight: false };
  out.push(["content-type", "text/plain charset=UTF-8"], ["content-length", "0"]);
  return { headers: out, preflight: true };
}

/** buildCorsOriginRegex's `$http_origin ~* (...)$`: Go's regexp.QuoteMeta of each origin, its first "\*" a label. */
function originPattern(origins: readonly string[]): RegExp {
  const quoted = origins.map((o) => `(${o.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&").replace("\\*", "[A-Za-z0-9\\-]+")})`);
  return new RegExp(`(${quoted.join("|")})$`, "i");
}
