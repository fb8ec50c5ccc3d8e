import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "./helpers.js";

const golden = (name: string) => readFileSync(join(process.cwd(), "test", "golden", "convert-ingress", `${name}.in.yaml`), "utf8");

interface Result { request: string; from: string; same: boolean; ingress: { status: number; backends: Record<string, number> }; gatewayApi: { status: number; backends: Record<string, number> } }

async function verify(yaml: string): Promise<{ code: number; results: Result[]; differ: number }> {
  const r = await cli(["convert", "ingress", "-f", "-", "-q", "--verify", "-o", "json"], yaml);
  const out = JSON.parse(r.out);
  return { code: r.code, results: out.results, differ: out.differ };
}

test("--verify: canaries (header value, cookie, weight) answer the same before and after", async () => {
  const v = await verify(golden("canary"));
  assert.equal(v.code, 0);
  assert.equal(v.differ, 0);
  const cookie = v.results.find((r) => r.request === "GET http://shop.example.com/ [Cookie: shop_canary=always]");
  assert.deepEqual(cookie?.ingress.backends, { "web/storefront-v2": 1 });
  const base = v.results.find((r) => r.request === "GET http://shop.example.com/");
  assert.deepEqual(base?.gatewayApi.backends, { "web/storefront": 0.9, "web/storefront-v2": 0.1 });
});

test("--verify: default backends, HTTPS redirects and opt-outs answer the same; a two-label name under a wildcard does not", async () => {
  const v = await verify(golden("tls"));
  assert.equal(v.code, 1, "a difference exits 1");
  const differ = v.results.filter((r) => !r.same).map((r) => r.request);
  assert.deepEqual(differ, ["GET http://a.junction.tenants.example.com/", "GET http://a.junction.tenants.example.com/junction"]);
  const deep = v.results.find((r) => !r.same)!;
  assert.equal(deep.ingress.status, 404, "an Ingress wildcard covers one label");
  assert.deepEqual(deep.gatewayApi.backends, { "web/tenant-router": 1 }, "a Gateway API wildcard covers any number");
  const fallback = v.results.find((r) => r.request === "GET http://app.example.com/junction-verify-no-rule");
  assert.ok(fallback?.same);
});

test("--verify prints a table and a summary line in text form", async () => {
  const r = await cli(["convert", "ingress", "-f", "-", "-q", "--verify"], golden("tls"));
  assert.equal(r.code, 1);
  assert.match(r.out, /^RESULT {5}REQUEST/);
  assert.match(r.out, /DIFFERENT  GET http:\/\/a\.junction\.tenants\.example\.com\/ +web\/tenants +404 +500 web\/tenant-router/);
  assert.match(r.out, /14 requests derived from 3 Ingresses: 2 answered differently after conversion\n$/);
});

test("--verify reports a defaultBackend ingress-nginx serves elsewhere than the conversion does, and convert warns (was: both sides shared one wrong reading: same)", async () => {
  // controller.go createServers: host H's root location is the first Ingress's with a rule for H (its defaultBackend or
  // the controller's); the catch-all's is the first rules-less Ingress's. ingress2gateway writes <name>-default-backend
  // for every defaultBackend: the conversion keeps that layout, and --verify must show where the controller differs.
  const svc = (n: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${n}, namespace: web}\nspec: {selector: {app: ${n}}, ports: [{port: 80}]}`;
  const ing = (name: string, ts: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ${name}, namespace: web, creationTimestamp: "${ts}"}\nspec:\n  ingressClassName: nginx\n${spec}`;
  const yaml = [svc("main"), svc("fallback"),
    ing("a", "2024-01-01T00:00:00Z", "  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - {path: /api, pathType: Prefix, backend: {service: {name: main, port: {number: 80}}}}"),
    ing("b", "2024-01-02T00:00:00Z", "  defaultBackend: {service: {name: fallback, port: {number: 80}}}\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - {path: /b, pathType: Prefix, backend: {service: {name: main, port: {number: 80}}}}"),
    ing("c", "2024-01-03T00:00:00Z", "  defaultBackend: {service: {name: fallback, port: {number: 80}}}\n  rules:\n  - http:\n      paths:\n      - {path: /c, pathType: Prefix, backend: {service: {name: main, port: {number: 80}}}}"),
  ].join("\n---\n");
  const v = await verify(yaml);
  assert.equal(v.code, 1);
  const differ = v.results.filter((r) => !r.same);
  assert.deepEqual(differ.map((r) => [r.request, r.from, r.ingress.status, r.gatewayApi.backends]), [
    ["GET http://a.example.com/junction-verify-no-rule", "web/b", 404, { "web/fallback": 1 }],
    ["GET http://junction-verify.invalid/junction-verify-no-rule", "web/c", 404, { "web/fallback": 1 }],
  ]);
  const r = await cli(["convert", "ingress", "-f", "-", "-q"], yaml);
  assert.match(r.err, /warning: Ingress web\/b .*spec\.defaultBackend converted as ingress2gateway does \(the fallback of a\.example\.com\), but ingress-nginx does not serve it there: host a\.example\.com's server is created by Ingress web\/a/);
  assert.match(r.err, /warning: Ingress web\/c .*an Ingress with rules configures no catch-all server/);
});

test("convert warns where ingress-nginx's catch-all defaultBackend takes a host-less path \"/\" of type Prefix, or is another namespace's (was: silent, --verify alone showed it)", async () => {
  // controller.go createServers: the first rules-less Ingress's defaultBackend becomes the catch-all's root location with
  // IsDefBackend = false, so a host-less path "/" of type Prefix is "already configured"; the converted HTTPRoute for that
  // path outranks the <name>-default-backend route.
  const svc = (ns: string, n: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${n}, namespace: ${ns}}\nspec: {selector: {app: ${n}}, ports: [{port: 80}]}`;
  const ing = (ns: string, name: string, ts: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "${ts}"}\nspec:\n  ingressClassName: nginx\n${spec}`;
  const root = ing("web", "rootpath", "2024-01-01T00:00:00Z", "  rules:\n  - http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: root, port: {number: 80}}}}");
  const catchAll = (ns: string, name: string, ts: string) => ing(ns, name, ts, "  defaultBackend: {service: {name: fallback, port: {number: 80}}}");
  const yaml = [svc("web", "root"), svc("web", "fallback"), root, catchAll("web", "catchall", "2024-01-02T00:00:00Z")].join("\n---\n");
  const v = await verify(yaml);
  assert.ok(v.results.some((r) => !r.same && r.ingress.backends["web/fallback"] === 1 && r.gatewayApi.backends["web/root"] === 1), "the difference --verify shows");
  const r = await cli(["convert", "ingress", "-f", "-", "-q"], yaml);
  assert.match(r.err, /warning: Ingress web\/catchall .*spec\.defaultBackend converted as ingress2gateway does \(the fallback of every host\), but ingress-nginx serves it in place of the host-less path "\/" of type Prefix of Ingress web\/rootpath/);
  // A later rules-less Ingress of another namespace: ingress-nginx never serves its defaultBackend.
  const other = [svc("web", "fallback"), svc("shop", "fallback"), catchAll("web", "first", "2024-01-01T00:00:00Z"), catchAll("shop", "second", "2024-01-02T00:00:00Z")].join("\n---\n");
  const r2 = await cli(["convert", "ingress", "-f", "-", "-q"], other);
  assert.match(r2.err, /warning: Ingress shop\/second .*but ingress-nginx does not serve it there: the catch-all server takes the defaultBackend of Ingress web\/first, the first without rules/);
  assert.doesNotMatch(r2.err, /warning: Ingress web\/first .*spec\.defaultBackend/);
});
