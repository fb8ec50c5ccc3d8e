// ingress-nginx's rewrite-target with capture groups (model/route.ts RouteRule.nginxRewrite): the location's
// `rewrite "(?i)PATH" TARGET break;` (internal/ingress/controller/template/template.go buildProxyPass, unless PATH is
// TARGET). nginx's rewrite runs on the normalized URI, $uri (ngx_http_script.c ngx_http_script_regex_start_code:
// `if (code->uri) { e->line = r->uri; }`), not the request line as sent; the leftmost match anywhere in it; $1..$9
// are its groups. A replacement with a "?" sets the arguments, the request's appended after "&" unless it ends
// with "?"; without one the request's arguments stay. proxy_pass without a URI then sends the new $uri escaped
// (ngx_http_proxy_module: ngx_escape_uri NGX_ESCAPE_URI, since the URI changed).

import { REGEX_SEMANTICS, regexExec } from "../../model/regex.js";

/** The path and query ("" or "?…") the backend gets, or undefined when the rewrite's expression does not match (nothing changes). */
export function nginxRewrite(rewrite: { regex: string; target: string }, uri: string, query: string): { path: string; query: string } | undefined {
  const groups = regexExec(`(?i)${rewrite.regex}`, { ...REGEX_SEMANTICS.nginx, anchor: "search" }, uri);
  if (!groups) return undefined;
  const result = rewrite.target.replace(/\$(\d)/g, (_m, n: string) => groups[Number(n)] ?? "");
  const q = result.indexOf("?");
  if (q < 0) return { path: escapeUri(result), query };
  const own = result.slice(q + 1), dropArgs = result.endsWith("?");
  const args = dropArgs ? own.slice(0, -1) : own && query ? `${own}&${query.slice(1)}` : own || query.slice(1);
  return { path: escapeUri(result.slice(0, q)), query: args ? `?${args}` : "" };
}

/** ngx_escape_uri NGX_ESCAPE_URI: space, "#", "%", "?", control characters and bytes above 0x7f as %XX. */
function escapeUri(path: string): string {
  return [...Buffer.from(path, "utf8")].map((b) => (b <= 0x20 || b >= 0x7f || b === 0x23 || b === 0x25 || b === 0x3f ? `%${b.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(b))).join("");
}
