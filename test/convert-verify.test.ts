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
