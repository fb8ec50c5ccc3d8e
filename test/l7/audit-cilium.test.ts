// An audit of the Cilium request engine against upstream behaviour, restated in our own objects:
// the HTTP connection manager Cilium's agent configures for its L7 proxy (pkg/envoy/xds_server.go
// getHttpFilterChainProto: with --http-normalize-path, the default, normalize_path, merge_slashes
// and UNESCAPE_AND_REDIRECT for escaped slashes), so the cilium.l7policy filter matches its
// path regex against the normalized :path, query string included.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ciliumUrl } from "../../src/engine/l7/paths.js";
import { outcome, pod, world } from "./fixture.js";

const base = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2", { ports: [["http", 80]] });
const NONE = { web: "none", api: "none" } as const;
const cnp = (rules: string) => `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: l7, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {app: api}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {app: web}}]\n    toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: ${rules}}}]\n---\n`;

test("xds_server.go: the path Cilium's proxy matches is normalized, slashes merged, escaped slashes unescaped; the query is kept", () => {
  const cases: [string, string][] = [
    ["/public/../admin", "/admin"], ["/a//b///c", "/a/b/c"], ["/a/%2E%2E/b", "/b"], ["/a%2Fb", "/a/b"], ["/a%2f..%2fb", "/b"],
    ["/a/..\\b", "/b"], ["/x/./y?q=/../z", "/x/y?q=/../z"], ["/p?", "/p?"], ["/v1%3Fx", "/v1%3Fx"],
  ];
  for (const [input, want] of cases) assert.equal(ciliumUrl(input), want, input);
});

test("a path rule cannot be walked around with dot segments or doubled slashes (was a wrong allow), nor missed through them (a wrong deny)", () => {
  const w = world(base + cnp("[{path: \"/public/.*\"}, {path: \"/api/v1/items\"}]"), NONE);
  const ask = (path: string) => outcome(w.ask("shop/web", "shop/api", 80, { http: { path } }));
  assert.equal(ask("/public/css/site.css"), "allow");
  assert.equal(ask("/public/../admin"), "403", "Envoy normalizes to /admin before the L7 policy");
  assert.equal(ask("/public/%2E%2E/admin"), "403");
  assert.equal(ask("/public%2F..%2Fadmin"), "403", "escaped slashes: redirected to the unescaped path, which is /admin");
  assert.equal(ask("/api//v1/items"), "allow", "merge_slashes: /api/v1/items");
  assert.equal(ask("/api/v1/./items"), "allow");
  assert.equal(ask("/api/v1/items?x=1"), "403", "the query string is still part of the match");
});

test("xds_server.go: with --http-normalize-path=false (the mesh setting ciliumNormalizePath) the rules match the :path as sent", () => {
  // cilium pkg/envoy/xds_server.go: `if option.Config.HTTPNormalizePath { hcmConfig.NormalizePath = ...; hcmConfig.MergeSlashes = true;
  // hcmConfig.PathWithEscapedSlashesAction = UNESCAPE_AND_REDIRECT }`: off, Envoy leaves the path alone.
  const w = world(base + cnp("[{path: \"/public/.*\"}, {path: \"/api/v1/items\"}]"), NONE);
  w.engine.inventory.mesh.settings.ciliumNormalizePath = false;
  const ask = (path: string) => outcome(w.ask("shop/web", "shop/api", 80, { http: { path } }));
  assert.equal(ask("/api/v1/items"), "allow");
  assert.equal(ask("/api//v1/items"), "403", "no merge_slashes: //v1 is not /v1");
  assert.equal(ask("/public/../admin"), "allow", "the raw path matches /public/.* (the backend may read it as /admin)");
  assert.equal(ask("/public%2F..%2Fadmin"), "403", "escaped slashes are kept: the raw path does not match /public/.*");
});

test("server.go getHTTPRule: a headers entry without a value is a header name as written, its colon kept (was read as X-Foo: a wrong allow)", () => {
  const ask = (rules: string, headers: [string, string][]) => outcome(world(base + cnp(rules), NONE).ask("shop/web", "shop/api", 80, { http: { headers } }));
  assert.equal(ask('[{headers: ["X-Foo:"]}]', [["x-foo", "1"]]), "403", "a header named x-foo: is never sent");
  assert.equal(ask('[{headers: ["X-Foo"]}]', [["x-foo", "1"]]), "allow");
  assert.equal(ask('[{headers: ["X-Foo: bar"]}]', [["x-foo", "bar"]]), "allow", "before a value the colon is trimmed");
  assert.equal(ask('[{headerMatches: [{name: x-a, value: b, mismatch: LOG}]}]', []), "allow", "a mismatch action lets the request through (CONTINUE_ON_MISMATCH)");
  assert.equal(ask('[{headerMatches: [{name: x-a, value: b}]}]', [["x-a", "c"]]), "403");
});
