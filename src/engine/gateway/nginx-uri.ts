// The path a gateway's proxy routes by. nginx: the URI nginx matches its locations against ($uri): "the matching is performed against a normalized
// URI, after decoding the text encoded in the "%XX" form, resolving references to relative path
// components "." and "..", and possible compression of two or more adjacent slashes into a single
// slash" (ngx_http_core_module, location). ngx_http_parse_complex_uri decodes every escape, a decoded
// "/" or "." taking part in the path like a written one; merge_slashes is on (nginx's default, which
// ingress-nginx's nginx.tmpl keeps). The request goes on to the backend as sent (proxy_pass without a
// URI), so only the match reads this.

import { istioNormalize, istioPathRejected } from "../l7/paths.js";
import type { ClientTrafficPolicy } from "../../model/gateway.js";

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
 * "NormalizePath: &wrapperspb.BoolValue{Value: true}, MergeSlashes: irListener.Path.MergeSlashes,
 * PathWithEscapedSlashesAction: translateEscapePath(irListener.Path.EscapedSlashesAction)", by default
 * internal/gatewayapi/listener.go "MergeSlashes: true, EscapedSlashesAction: UnescapeAndRedirect", which
 * the listener's ClientTrafficPolicy path settings replace where set: clienttrafficpolicy.go
 * translatePathSettings). Envoy's ConnectionManagerUtility::maybeNormalizePath: unless the action is
 * KEEP_UNCHANGED, %2F and %5C are unescaped first (PathUtil::unescapeSlashes), and when it found one
 * REJECT_REQUEST refuses the request (400) and UNESCAPE_AND_REDIRECT redirects the client (307) to the
 * normalized path, "after path normalization and merge slashes transformations"; then the path is
 * normalized (unreserved escapes decoded, "\\" read as "/", dot segments removed: l7/paths.ts
 * istioNormalize; an escaped NUL fails it: 400) and, with merge_slashes, repeated slashes merged.
 */
export function envoyGatewayPath(path: string, settings?: ClientTrafficPolicy["path"]): { uri: string } | { redirect: string } | { invalid: string } {
  const action = settings?.escapedSlashesAction ?? "UnescapeAndRedirect", merge = settings?.disableMergeSlashes !== true;
  const escaped = action !== "KeepUnchanged" && /%2F|%5C/i.test(path);
  if (escaped && action === "RejectRequest") return { invalid: `the path ${JSON.stringify(path)} holds an escaped slash (%2F or %5C): Envoy refuses it (400; ClientTrafficPolicy path.escapedSlashesAction RejectRequest)` };
  if (istioPathRejected(path)) return { invalid: `the path ${JSON.stringify(path)} holds an escaped NUL (%00): Envoy refuses it (400)` };
  const normal = istioNormalize(escaped ? path.replace(/%2F/gi, "/").replace(/%5C/gi, "\\") : path);
  const uri = merge ? normal.replace(/\/{2,}/g, "/") : normal;
  return escaped && action === "UnescapeAndRedirect" ? { redirect: uri } : { uri };
}
