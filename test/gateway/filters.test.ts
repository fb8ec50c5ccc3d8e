// Filters: redirects and their defaults, URL rewrites (segment-wise prefix replacement), header
// modifiers at rule and backend level, mirrors, CORS, and the retry/timeout backend model.

import { test } from "node:test";
import assert from "node:assert/strict";
import { rewritePath } from "../../src/engine/gateway/filters.js";
import { gateway, httpRoute, HTTP_ALL, route } from "./fixture.js";

const redirectRoute = (filter: string) => httpRoute("r", `  rules: [{matches: [{path: {value: /p}}], filters: [{type: RequestRedirect, requestRedirect: ${filter}}]}]`);
const on8080 = gateway(["{name: http, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"]);

test("redirects default to 302, keep the listener port, and switch to the scheme's well-known port", () => {
  const plain = route(on8080 + redirectRoute("{hostname: example.org}"), { port: 8080, host: "a.com", path: "/p/q?x=1" });
  assert.equal(plain.status, 302);
  assert.deepEqual({ ...plain.redirect, location: undefined }, { scheme: "http", host: "example.org", port: 8080, path: "/p/q", statusCode: 302, location: undefined });
  assert.equal(plain.redirect?.location, "http://example.org:8080/p/q?x=1");
  assert.equal(plain.backend, null);
  const https = route(on8080 + redirectRoute("{scheme: https}"), { port: 8080, host: "a.com", path: "/p" });
  assert.equal(https.redirect?.port, null, "https without a port: 443, not written");
  assert.equal(route(on8080 + redirectRoute("{port: 80}"), { port: 8080, host: "a.com", path: "/p" }).redirect?.port, null);
  assert.equal(route(on8080 + redirectRoute("{statusCode: 308, port: 9000}"), { port: 8080, host: "a.com", path: "/p" }).redirect?.port, 9000);
});

test("ReplacePrefixMatch replaces whole segments (the spec's table)", () => {
  const cases: [string, string, string, string][] = [
    ["/foo", "/xyz", "/foo/bar", "/xyz/bar"], ["/foo", "/xyz", "/foo", "/xyz"], ["/foo/", "/xyz", "/foo/bar", "/xyz/bar"],
    ["/foo", "/xyz/", "/foo/bar", "/xyz/bar"], ["/foo", "/", "/foo/bar", "/bar"], ["/foo", "/", "/foo", "/"], ["/", "/xyz", "/foo", "/xyz/foo"],
  ];
  for (const [prefix, replacement, path, want] of cases) {
    assert.equal(rewritePath({ type: "ReplacePrefixMatch", value: replacement }, path, prefix), want, `${prefix} → ${replacement} on ${path}`);
  }
  assert.equal(rewritePath({ type: "ReplaceFullPath", value: "/one" }, "/a/b", "/a"), "/one");
});

test("ReplacePrefixMatch accepts the empty string, as the CRD does (the spec's <empty string> rows)", () => {
  // apis/v1/httproute_types.go HTTPPathModifier.ReplacePrefixMatch: only `+kubebuilder:validation:MaxLength=1024`;
  // its table: /foo/bar, prefix /foo, "" -> /bar; /foo/ -> /; /foo -> /. Before: refused ("must be an absolute path").
  const gw = gateway([HTTP_ALL]);
  const yaml = gw + httpRoute("r", `  rules: [{matches: [{path: {type: PathPrefix, value: /foo}}], filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: ""}}}], backendRefs: [{name: v1, port: 80}]}]`);
  for (const [path, want] of [["/foo/bar", "/bar"], ["/foo/", "/"], ["/foo", "/"]]) assert.equal(route(yaml, { host: "a.com", path }).upstream?.path, want, path);
});

test("header modifiers: a name repeated in another case is ignored (the first entry applies), as the API server admits it", () => {
  // apis/v1/httproute_types.go HTTPHeader.Name: "If multiple entries specify equivalent header names, the first entry with an
  // equivalent name MUST be considered ... Subsequent entries ... MUST be ignored"; the CRD's list-map key is the exact name,
  // so "X-Set" and "x-set" are admitted. Before: refused ("header x-set is listed twice").
  const yaml = gateway([HTTP_ALL]) + httpRoute("r", "  rules:\n  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Set, value: one}, {name: x-set, value: two}], add: [{name: X-Add, value: a}, {name: x-add, value: b}]}}]\n    backendRefs: [{name: v1, port: 80}]");
  const r = route(yaml, { host: "a.com", path: "/" });
  assert.deepEqual(r.upstream?.headers, { "X-Set": "one", "X-Add": "a" });
});

test("URLRewrite changes what the backend sees, keeps the query, and the Host only when asked", () => {
  const gw = gateway([HTTP_ALL]);
  const r = route(gw + httpRoute("r", `  rules: [{matches: [{path: {value: /old}}], filters: [{type: URLRewrite, urlRewrite: {hostname: new.example.org, path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}], backendRefs: [{name: v1, port: 80}]}]`), { host: "a.com", path: "/old/x?q=1" });
  assert.deepEqual([r.upstream?.host, r.upstream?.path], ["new.example.org", "/new/x?q=1"]);
});

test("header modifiers: set replaces, add appends with a comma, remove deletes; names are case-insensitive", () => {
  const gw = gateway([HTTP_ALL]);
  const yaml = gw + httpRoute("r", `  rules:
  - filters:
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Set, value: s}], add: [{name: X-Add, value: a}], remove: [X-Gone]}}
    - {type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: X-Resp, value: r}], remove: [Server]}}
    backendRefs: [{name: v1, port: 80}]`);
  const r = route(yaml, { headers: [["x-set", "old"], ["x-add", "first"], ["x-gone", "1"], ["keep", "k"]], backendResponseHeaders: [["x-resp", "b"], ["server", "echo"]] });
  assert.deepEqual(r.upstream?.headers, { "X-Set": "s", "x-add": "first,a", keep: "k" });
  assert.deepEqual(r.responseHeaders, { "x-resp": "b,r" });
});

test("backend-level filters apply only to the backend picked", () => {
  const yaml = gateway([HTTP_ALL]) + httpRoute("r", `  rules:
  - backendRefs:
    - {name: v1, port: 80, weight: 2, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: backend, value: v1}]}}]}
    - {name: v2, port: 80, weight: 1, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: backend, value: v2}]}}]}`);
  const r = route(yaml, {});
  assert.equal(r.backend, "apps/v1");
  assert.deepEqual(r.upstream?.headers, { backend: "v1" });
});

test("mirrors report their targets and shares; the primary backend still answers", () => {
  const yaml = gateway([HTTP_ALL]) + httpRoute("r", `  rules:
  - filters:
    - {type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 80}, percent: 20}}
    - {type: RequestMirror, requestMirror: {backendRef: {name: v3, port: 80}, fraction: {numerator: 1, denominator: 4}}}
    backendRefs: [{name: v1, port: 80}]`);
  const r = route(yaml, {});
  assert.equal(r.backend, "apps/v1");
  assert.deepEqual(r.mirroredTo, [{ name: "apps/v2", percent: 20 }, { name: "apps/v3", percent: 25 }]);
});

test("CORS: the Gateway answers preflights for allowed origins; other requests get the CORS headers", () => {
  const yaml = gateway([HTTP_ALL]) + httpRoute("r", `  rules:
  - filters: [{type: CORS, cors: {allowOrigins: ["https://*.example.com"], allowMethods: [GET], allowCredentials: true, maxAge: 60}}]
    backendRefs: [{name: v1, port: 80}]`);
  const pre = route(yaml, { method: "OPTIONS", headers: [["Origin", "https://a.b.example.com"], ["Access-Control-Request-Method", "GET"]] });
  assert.equal(pre.backend, null);
  assert.equal(pre.status, 204);
  assert.equal(pre.responseHeaders["access-control-allow-origin"], "https://a.b.example.com");
  assert.equal(pre.responseHeaders["access-control-max-age"], "60");
  const denied = route(yaml, { method: "OPTIONS", headers: [["Origin", "https://evil.org"], ["Access-Control-Request-Method", "GET"]] });
  assert.equal(denied.responseHeaders["access-control-allow-origin"], undefined);
  const simple = route(yaml, { headers: [["Origin", "https://www.example.com"]] });
  assert.equal(simple.backend, "apps/v1");
  assert.equal(simple.responseHeaders["access-control-allow-credentials"], "true");
});

// Upstream allowMethods: "when the allowMethods field is configured with one or more methods, the
// gateway must return the Access-Control-Allow-Methods response header"; without any it says nothing
// to send, and an empty header allows no more than none (the CORS-safelisted methods are always allowed).
test("CORS without allowMethods or allowHeaders: the preflight's answer has neither header", () => {
  const yaml = gateway([HTTP_ALL]) + httpRoute("r", `  rules:
  - filters: [{type: CORS, cors: {allowOrigins: ["*"]}}]
    backendRefs: [{name: v1, port: 80}]`);
  const pre = route(yaml, { method: "OPTIONS", headers: [["Origin", "https://a.example.com"], ["Access-Control-Request-Method", "PUT"], ["Access-Control-Request-Headers", "x-a"]] });
  assert.equal(pre.status, 204);
  assert.deepEqual(Object.keys(pre.responseHeaders).sort(), ["access-control-allow-origin", "access-control-max-age"]);
});

test("retries and timeouts follow the backend behaviour the request asks of the echo backend", () => {
  const yaml = gateway([HTTP_ALL]) + httpRoute("r", `  rules:
  - matches: [{path: {value: /retry}}]
    retry: {codes: [500], attempts: 2}
    backendRefs: [{name: v1, port: 80}]
  - matches: [{path: {value: /slow}}]
    timeouts: {request: 500ms}
    backendRefs: [{name: v1, port: 80}]`);
  assert.equal(route(yaml, { path: "/retry?responseCode=500&succeedAfter=2" }).status, 200);
  assert.equal(route(yaml, { path: "/retry?responseCode=500&succeedAfter=3" }).status, 500);
  assert.equal(route(yaml, { path: "/retry?responseCode=503&succeedAfter=1" }).status, 503, "503 is not in codes");
  assert.equal(route(yaml, { path: "/slow?delay=1s" }).status, 504);
  assert.equal(route(yaml, { path: "/slow?delay=100ms" }).status, 200);
  assert.equal(route(yaml, { path: "/slow" }).status, 200);
});
