// The L7 layer through the CLI: explain --request, route --requests with in-mesh entries, test with
// request assertions; examples/mesh (Istio in shop and checkout, Linkerd in books).

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { pod } from "./fixture.js";

test("explain --request: each L7 layer with its enforcer, policy, rule and file:line; exit 1 on a denial", async () => {
  const ok = await cli(["explain", "-f", "examples/mesh", "--from", "shop/frontend", "--request", "GET http://catalog/items/42", "-o", "json"]);
  assert.equal(ok.code, 0, ok.err);
  const doc = JSON.parse(ok.out);
  assert.equal(doc.status, 200);
  const [transport, istio] = doc.authorization;
  assert.match(transport.summary, /mutual TLS .* the server sees cluster\.local\/ns\/shop\/sa\/frontend/);
  assert.deepEqual({ ...istio.policy, file: istio.policy.file }, { kind: "AuthorizationPolicy", namespace: "shop", name: "catalog-readers", rule: 0, file: "examples/mesh/istio.yaml", line: 17 });
  assert.match(istio.enforcer, /Istio sidecar \(HTTP\) of shop\/catalog/);
  const denied = await cli(["explain", "-f", "examples/mesh", "--from", "checkout/cart", "--request", "GET http://catalog.shop/admin"]);
  assert.equal(denied.code, 1);
  assert.match(denied.out, /answer {4}403/);
  assert.match(denied.out, /authz {5}deny at Istio sidecar \(HTTP\) of shop\/catalog[^:]*: denied by DENY AuthorizationPolicy shop\/no-admin, rule 0 \(examples\/mesh\/istio\.yaml:29\)/);
});

test("explain --request needs --from and no --to; mesh options are checked", async () => {
  assert.equal((await cli(["explain", "-f", "examples/mesh", "--request", "GET http://catalog/"])).code, 2);
  assert.equal((await cli(["explain", "-f", "examples/mesh", "--from", "shop/frontend", "--to", "shop/catalog", "--request", "GET http://catalog/"])).code, 2);
  const r = await cli(["explain", "-f", "examples/mesh", "--from", "shop/frontend", "--request", "GET http://catalog/items/1", "--trust-domain", "Bad_Domain"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--trust-domain/);
});

test("--trust-domain changes the identities the policies see; istiod rewrites a cluster.local principal to it", async () => {
  const r = await cli(["explain", "-f", "examples/mesh", "--from", "shop/frontend", "--request", "GET http://catalog/items/42", "--trust-domain", "corp.example"]);
  assert.equal(r.code, 0, "catalog-readers names cluster.local/ns/shop/sa/frontend, which istiod writes as corp.example/ns/shop/sa/frontend (trustdomain/bundle.go)");
  assert.match(r.out, /corp\.example\/ns\/shop\/sa\/frontend/);
});

test("route --requests answers in-mesh requests: 403 (HTTP), PERMISSION_DENIED (gRPC), a failed TCP connection", async () => {
  const { dir, cleanup } = tempFiles({ "r.yaml": [
    "- {from: checkout/cart, host: catalog.shop, port: 80, path: /admin, expect: {status: 403}}",
    "- {from: checkout/cart, host: catalog.shop, port: 80, scheme: grpc, grpc: {service: shop.Catalog, method: Get}, expect: {grpcCode: PERMISSION_DENIED}}",
    "- {from: books/web, host: api.books, port: 80, path: /books/1, expect: {status: 200}}",
    "- {from: books/web, host: api.books, port: 80, path: /nope, expect: {status: 404}}",
  ].join("\n") });
  try {
    const r = await cli(["route", "-f", "examples/mesh", "--requests", `${dir}/r.yaml`, "-o", "json"]);
    assert.equal(r.code, 0, r.out + r.err);
    const results = JSON.parse(r.out).results;
    assert.equal(results[0].decidedBy, "authorization");
    assert.equal(results[1].grpcCode, "PERMISSION_DENIED");
  } finally { cleanup(); }
});

test("test --expect: request assertions beside flow assertions, numbered in file order", async () => {
  const r = await cli(["test", "-f", "examples/mesh", "--expect", "examples/mesh.expect.yaml", "-o", "json"]);
  assert.equal(r.code, 0, r.out);
  const doc = JSON.parse(r.out);
  assert.equal(doc.results.length, 1);
  assert.deepEqual(doc.requests.map((x: { index: number; pass: boolean }) => [x.index, x.pass]), [[2, true], [3, true], [4, true], [5, true], [6, true], [7, true], [8, true], [9, true]]);
  const { dir, cleanup } = tempFiles({ "e.yaml": "- {from: checkout/cart, request: \"GET http://catalog.shop/admin\", expect: allow}\n- {from: shop/frontend, request: \"GET http://catalog/items/1\", headers: {x-a: b}, expect: 200}\n" });
  try {
    const f = await cli(["test", "-f", "examples/mesh", "--expect", `${dir}/e.yaml`]);
    assert.equal(f.code, 1);
    assert.match(f.out, /1 +checkout\/cart +GET http:\/\/catalog\.shop\/admin +allow +403 +FAIL/);
    assert.match(f.out, /1 passed, 1 failed/);
  } finally { cleanup(); }
});

test("request assertions: bad entries are errors with file and line", async () => {
  const { dir, cleanup } = tempFiles({ "e.yaml": "- {from: shop/frontend, request: \"GET catalog\", expect: allow}\n- {from: shop/frontend, request: \"GET http://x/\", expect: maybe}\n" });
  try {
    const r = await cli(["test", "-f", "examples/mesh", "--expect", `${dir}/e.yaml`]);
    assert.equal(r.code, 2);
    assert.match(r.err, /e\.yaml:1: assertion 1, request: "catalog" is not a URL/);
    assert.match(r.err, /e\.yaml:2: assertion 2, expect: "maybe" is not one of allow, deny/);
  } finally { cleanup(); }
});

test("README's mesh example is what the command prints", async () => {
  const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
  const readme = (await import("node:fs")).readFileSync("README.md", "utf8");
  const [, command, output] = /```\n\$ junction (explain -f examples\/mesh .*)\n([\s\S]*?)```/.exec(readme) ?? [];
  assert.ok(command, "the block is in README.md");
  assert.equal((await cli(words(command))).out, output);
});

test("explain --request with a repeated -H: the server's Envoy sees the values joined with \",\", whichever comes last", async () => {
  // Before, a request to a Service without routes kept only the last value of a repeated header:
  // `-H 'x-token: other' -H 'x-token: secret'` was allowed by a rule that Envoy does not match ("other,secret").
  const policy = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: token, namespace: shop}\nspec:\n  selector: {matchLabels: {app: catalog}}\n  rules: [{when: [{key: \"request.headers[x-token]\", values: [secret]}]}]\n";
  const { dir, cleanup } = tempFiles({ "token.yaml": policy });
  try {
    const ask = (...headers: string[]) => cli(["explain", "-f", "examples/mesh/namespaces.yaml", "-f", "examples/mesh/workloads.yaml", "-f", dir, "--from", "shop/frontend", "--request", "GET http://catalog/items/1", ...headers.flatMap((h) => ["-H", h]), "-o", "json"]);
    assert.equal(JSON.parse((await ask("x-token: secret")).out).status, 200);
    for (const last of ["secret", "other"]) {
      const r = await ask(`x-token: ${last === "secret" ? "other" : "secret"}`, `x-token: ${last}`);
      assert.equal(JSON.parse(r.out).status, 403, `last value ${last}: ${r.out}`);
    }
  } finally { cleanup(); }
});

test("explain --request with a repeated -H at a Linkerd proxy: a route's header match takes any one of the values", async () => {
  // linkerd2-proxy linkerd/http/route/src/http/match/header.rs: `req.headers().get_all(n).iter().any(|v| ...)`.
  // Before, the walk handed the authorizers one value per name, joined with ",": "silver,gold" matched
  // no route, and the CLI answered 404 where the proxy routes the request (the engine alone was right).
  const route = [
    "apiVersion: policy.linkerd.io/v1beta3\nkind: HTTPRoute\nmetadata: {name: api-tier, namespace: books}",
    "spec:\n  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-http}]",
    "  rules: [{matches: [{path: {type: PathPrefix, value: /tier}, headers: [{name: x-tier, value: gold}]}]}]",
    "---\napiVersion: policy.linkerd.io/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: api-tier, namespace: books}",
    "spec:\n  targetRef: {group: policy.linkerd.io, kind: HTTPRoute, name: api-tier}",
    "  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: books-clients}]\n",
  ].join("\n");
  const { dir, cleanup } = tempFiles({ "tier.yaml": route });
  try {
    const ask = async (...headers: string[]) => {
      const r = await cli(["explain", "-f", "examples/mesh/namespaces.yaml", "-f", "examples/mesh/linkerd.yaml", "-f", dir, "--from", "books/web", "--request", "GET http://api.books/tier", ...headers.flatMap((h) => ["-H", h]), "-o", "json"]);
      assert.ok(r.out, r.err);
      return JSON.parse(r.out).status;
    };
    assert.equal(await ask("x-tier: silver", "X-Tier: gold"), 200, "the second value matches");
    assert.equal(await ask("x-tier: gold", "x-tier: silver"), 200, "the first value matches");
    assert.equal(await ask("x-tier: silver"), 404);
  } finally { cleanup(); }
});

test("mesh settings on the command line: --cilium-http-normalize-path and --istio-extension-provider change the answer; bad values exit 2", async () => {
  const { dir, cleanup } = tempFiles({
    "w.yaml": pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2", { ports: [["http", 80]] })
      + "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: l7, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {app: api}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {app: web}}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}], rules: {http: [{path: /api/v1/items}]}}]\n",
  });
  try {
    const ask = async (...extra: string[]) => (await cli(["explain", "-f", dir, "--from", "shop/web", "--request", "GET http://10.0.0.2/api//v1/items", ...extra])).code;
    assert.equal(await ask(), 0, "merge_slashes (the default): /api/v1/items");
    assert.equal(await ask("--cilium-http-normalize-path", "false"), 1);
    assert.equal(await ask("--cilium-http-normalize-path", "maybe"), 2);
    assert.equal(await ask("--istio-extension-provider", "opa"), 2);
  } finally { cleanup(); }
  const ext = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ext, namespace: shop}\nspec:\n  selector: {matchLabels: {app: catalog}}\n  action: CUSTOM\n  provider: {name: opa}\n  rules: [{}]\n";
  const t = tempFiles({ "ext.yaml": ext });
  try {
    const ask = (...extra: string[]) => cli(["explain", "-f", "examples/mesh", "-f", t.dir, "--from", "shop/frontend", "--request", "GET http://catalog/items/1", ...extra]);
    const asked = await ask("-o", "json");
    assert.equal(asked.code, 1, "the external authorizer decides first: unknown (was 0, assumed to allow)");
    assert.equal((JSON.parse(asked.out) as { status: number | null }).status, null);
    assert.match(asked.out, /unknown: the external authorizer opa decides first/);
    const denied = await ask("--istio-extension-provider", "other=grpc");
    assert.equal(denied.code, 1);
    assert.match(denied.out, /provider opa is not among meshConfig extensionProviders/);
    assert.match((await ask("--istio-extension-provider", "opa=http")).out, /unknown: the external authorizer opa decides first/, "a provider that exists is asked");
  } finally { t.cleanup(); }
  // The input's meshConfig (ConfigMap istio-system/istio) says which providers exist; the option replaces them.
  const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |-\n    extensionProviders:\n    - {name: other, envoyExtAuthzGrpc: {service: other.auth.svc.cluster.local, port: 9000}}\n";
  const m = tempFiles({ "ext.yaml": ext, "mesh.yaml": cm });
  try {
    const ask = (...extra: string[]) => cli(["explain", "-f", "examples/mesh", "-f", m.dir, "--from", "shop/frontend", "--request", "GET http://catalog/items/1", ...extra]);
    const denied = await ask();
    assert.equal(denied.code, 1, "opa is not among the ConfigMap's providers");
    assert.match(denied.out, /provider opa is not among meshConfig extensionProviders/);
    assert.match((await ask("--istio-extension-provider", "opa=http")).out, /unknown: the external authorizer opa decides first/, "the option replaces the ConfigMap's list: opa exists and is asked");
  } finally { m.cleanup(); }
});
