// Envoy Gateway's own translation of the HTTPRoute path modifiers and host rewrite (envoyproxy/gateway
// v1.9.0 internal/xds/translator/route.go buildXdsURLRewriteAction, buildXdsRedirectAction,
// prefix2RegexRewrite, buildPathMatch), where it differs from the Gateway API's reading: Envoy's
// prefix_rewrite replaces the matched prefix as written.

import { test } from "node:test";
import assert from "node:assert/strict";
import { envoyGateway, gateway, HTTP_ALL, httpRoute, route } from "./fixture.js";

const rewrite = (prefix: string, replace: string) => httpRoute("r", `  rules:
  - matches: [{path: {type: PathPrefix, value: ${prefix}}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: ${JSON.stringify(replace)}}}}]
    backendRefs: [{name: v1, port: 80}]`);
const redirect = (prefix: string, replace: string) => httpRoute("r", `  rules:
  - matches: [{path: {type: PathPrefix, value: ${prefix}}}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: ${JSON.stringify(replace)}}}}]`);
const EG = envoyGateway([HTTP_ALL]), OTHER = gateway([HTTP_ALL]);
const upstream = (gw: string, r: string, path: string) => route(gw + r, { host: "x.example.com", path }).upstream?.path;

test("ReplacePrefixMatch under PathPrefix /: Envoy's prefix_rewrite replaces the matched \"/\" (envoyproxy/gateway#6764: /abc becomes /prefixabc; was /prefix/abc)", () => {
  assert.equal(upstream(EG, rewrite("/", "/prefix/"), "/abc"), "/prefixabc");
  assert.equal(upstream(EG, rewrite("/", "/prefix"), "/foo/bar?x=1"), "/prefixfoo/bar?x=1");
  assert.equal(upstream(EG, rewrite("/", "/"), "/foo/bar"), "/foo/bar", "\"/\": the regex rewrite ^/\\/* to /");
  assert.equal(upstream(OTHER, rewrite("/", "/prefix/"), "/abc"), "/prefix/abc", "another implementation: the Gateway API's reading");
});

test("ReplacePrefixMatch under another prefix: path_separated_prefix (trailing / trimmed), the route's replacement trimmed of its trailing /; \"/\" and \"\" strip the prefix and its slashes", () => {
  for (const [prefix, replace, path, want] of [
    ["/foo", "/bar", "/foo/x", "/bar/x"], ["/foo/", "/bar/", "/foo/x", "/bar/x"], ["/foo", "/bar/", "/foo", "/bar"],
    ["/foo", "/", "/foo/x", "/x"], ["/foo", "/", "/foo", "/"], ["/foo", "", "/foo/x", "/x"],
  ] as const) assert.equal(upstream(EG, rewrite(prefix, replace), path), want, `${prefix} → ${replace}: ${path}`);
});

test("a redirect's ReplacePrefixMatch is Envoy's prefix_rewrite as written (buildXdsRedirectAction does not trim it): \"/new/\" from /old makes /old/x /new//x (was /new/x)", () => {
  const at = (gw: string, prefix: string, replace: string, path: string) => route(gw + redirect(prefix, replace), { host: "x.example.com", path }).redirect?.path;
  assert.equal(at(EG, "/old", "/new/", "/old/x"), "/new//x");
  assert.equal(at(EG, "/old", "/new", "/old/x"), "/new/x");
  assert.equal(at(EG, "/", "/new", "/x"), "/newx");
  assert.equal(at(EG, "/old", "/", "/old/x"), "/x");
  assert.equal(at(OTHER, "/old", "/new/", "/old/x"), "/new/x");
});

test("a URLRewrite hostname appends the Host it replaces to X-Forwarded-Host (append_x_forwarded_host: Envoy Gateway sets it unless the filter says otherwise; was absent)", () => {
  const host = httpRoute("r", "  rules:\n  - filters: [{type: URLRewrite, urlRewrite: {hostname: backend.internal}}]\n    backendRefs: [{name: v1, port: 80}]");
  const a = route(EG + host, { host: "x.example.com", path: "/" });
  assert.equal(a.upstream?.host, "backend.internal");
  assert.equal(a.upstream?.headers?.["x-forwarded-host"], "x.example.com");
  assert.equal(route(EG + host, { host: "x.example.com", path: "/", headers: [["x-forwarded-host", "edge.example.com"]] }).upstream?.headers?.["x-forwarded-host"], "edge.example.com,x.example.com");
  assert.equal(route(EG + host, { host: "x.example.com", path: "/", headers: [["x-forwarded-host", "x.example.com"]] }).upstream?.headers?.["x-forwarded-host"], "x.example.com", "the last value already: not appended again");
  assert.equal(route(OTHER + host, { host: "x.example.com", path: "/" }).upstream?.headers?.["x-forwarded-host"], undefined);
});

test("a redirect's port on Envoy Gateway: the spec's derived port, but 80 and 443 are not written (buildXdsRedirectAction), so Envoy keeps the Host's own port or none (Http::Utility::newUri, processRequestHost)", () => {
  const L8080 = "{name: http, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}";
  const at = (rr: string, host: string, listener = HTTP_ALL, gw = envoyGateway) => {
    const r = route(gw([listener]) + httpRoute("r", `  rules:\n  - filters: [{type: RequestRedirect, requestRedirect: ${rr}}]`), { host, port: listener === HTTP_ALL ? 80 : 8080 }).redirect;
    return [r?.location, r?.port];
  };
  assert.deepEqual(at("{scheme: http, port: 443}", "x.example.com"), ["http://x.example.com/", null], "443 not written (was http://x.example.com:443/)");
  assert.deepEqual(at("{scheme: https, port: 80}", "x.example.com"), ["https://x.example.com/", null], "80 not written (was :80)");
  assert.deepEqual(at("{scheme: https}", "x.example.com:8080", L8080), ["https://x.example.com:8080/", 8080], "the Host's :8080 stays (was https://x.example.com/)");
  assert.deepEqual(at("{scheme: https}", "x.example.com:80"), ["https://x.example.com/", null], "an http Host's :80 goes with the new scheme");
  assert.deepEqual(at("{hostname: y.example.com}", "x.example.com:8080", L8080), ["http://y.example.com:8080/", 8080], "the listener's port, derived");
  assert.deepEqual(at("{port: 8443}", "x.example.com:80"), ["http://x.example.com:8443/", 8443], "a port_redirect replaces the Host's port");
  assert.deepEqual(at("{scheme: http, port: 443}", "x.example.com", HTTP_ALL, (l) => gateway(l)), ["http://x.example.com:443/", 443], "another implementation: the spec's");
});
