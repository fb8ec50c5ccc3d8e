// The path a gateway's proxy routes by. nginx: the URI nginx matches its locations against ($uri): "the matching is performed against a normalized
// URI, after decoding the text encoded in the "%XX" form, resolving references to relative path
// components "." and "..", and possible compression of two or more adjacent slashes into a single
// slash" (ngx_http_core_module, location). ngx_http_parse_complex_uri decodes every escape, a decoded
// "/" or "." taking part in the path like a written one; merge_slashes is on (nginx's default, which
// ingress-nginx's nginx.tmpl keeps). The request goes on to the backend as sent (proxy_pass without a
// URI), so only the match reads this.

import { istioPath, istioPathRejected } from "../l7/paths.js";

/** The normalized URI of `path` (no query), or why nginx answers 400 (NGX_HTTP_PARSE_INVALID_REQUEST). */
export function nginxUri(path: string): { uri: string } | { invalid: string } {
  // sw_quoted, sw_quoted_second: a "%" not followed by two hex digits, or an escaped NUL, is invalid.
  const bad = /%(?![0-9A-Fa-f]{2})|%00/.exec(path);
  if (bad) return { invalid: `the path ${JSON.stringify(path)} has ${bad[0] === "%00" ? "an escaped NUL (%00)" : "a \"%\" not followed by two hex digits"}: nginx answers 400 Bad Request` };
  const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const out: string[] = [];
  const segments = decoded.replace(/\/{2,}/g, "/").split("/");
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i], last = i === segments.length - 1;
    if (s === ".") { if (last) out.push(""); continue; }
    if (s === "..") {
      // sw_dot_dot: "u - 2 < r->uri.data" (above the root) is invalid.
      if (!out.length) return { invalid: `the path ${JSON.stringify(path)} climbs above the root (".."): nginx answers 400 Bad Request` };
      out.pop();
      if (last) out.push("");
      continue;
    }
    out.push(s);
  }
  return { uri: `/${out.join("/")}` };
}

/**
 * The path Envoy Gateway's listener routes and forwards (internal/xds/translator/listener.go:
 * normalize_path true, merge_slashes and path_with_escaped_slashes_action from the listener's path
 * settings, by default internal/gatewayapi/listener.go "MergeSlashes: true, EscapedSlashesAction:
 * UnescapeAndRedirect"; a ClientTrafficPolicy's path settings, which Junction does not read, change
 * them): Envoy's maybeNormalizePath unescapes %2F and %5C first (then redirects the client, 307, to
 * the normalized path), normalizes (unreserved escapes decoded, "\\" read as "/", dot segments
 * removed: l7/paths.ts istioPath) and merges slashes; an escaped NUL is refused (400).
 */
export function envoyGatewayPath(path: string): { uri: string } | { redirect: string } | { invalid: string } {
  if (istioPathRejected(path)) return { invalid: `the path ${JSON.stringify(path)} holds an escaped NUL (%00): Envoy refuses it (400)` };
  if (/%2F|%5C/i.test(path)) return { redirect: istioPath(path, "DECODE_AND_MERGE_SLASHES") };
  return { uri: istioPath(path, "MERGE_SLASHES") };
}
