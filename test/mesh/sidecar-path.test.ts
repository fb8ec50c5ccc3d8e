// An Istio sidecar's HTTP connection manager normalizes the path before routing, whatever its routes
// came from (istio listener_builder.go buildHTTPConnectionManager: meshConfig pathNormalization, BASE
// by default: Envoy's normalize_path), and forwards the normalized path. Gateway API routes bound to
// a Service (GAMMA) matched the raw path: `/x/../admin` missed the `/admin` rule and went to the
// catch-all's backend. (A user's VirtualService routes the normalized path since the stop that read it.)

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { CLUSTER, serviceRoute, withProxy } from "./fixture.js";

const WORLD = withProxy("istio-proxy", ["web", "ops", "shop"], CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio-injection: enabled}}"));

const ROUTE = serviceRoute("shop", "split", "api", 80, `  rules:
  - matches: [{path: {type: PathPrefix, value: /admin}}]
    backendRefs: [{name: api-v2, port: 80}]
  - backendRefs: [{name: api, port: 80}]`);

async function ask(yaml: string, request: string): Promise<{ status: number | null; rule?: number; backend: string | null; upstream?: { path?: string } }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--from", "web/client", "--request", request, "-o", "json"]);
    assert.equal(r.code, 0, r.err + r.out);
    return JSON.parse(r.out).results[0];
  } finally { cleanup(); }
}

test("an Istio sidecar routes a GAMMA HTTPRoute on the normalized path, and forwards it (was: /x/../admin took the catch-all)", async () => {
  const plain = await ask(WORLD + ROUTE, "GET http://api.shop/admin/a");
  assert.equal(plain.rule, 0);
  const dots = await ask(WORLD + ROUTE, "GET http://api.shop/x/../admin/a?q=1");
  assert.equal(dots.status, 200);
  assert.equal(dots.rule, 0, JSON.stringify(dots));
  assert.match(String(dots.backend), /api-v2/);
  assert.equal(dots.upstream?.path, "/admin/a?q=1");
  const other = await ask(WORLD + ROUTE, "GET http://api.shop/other");
  assert.equal(other.rule, 1);
});

test("a path the sidecar's normalization refuses (an escaped NUL) is answered 400 before any route", async () => {
  const nul = await ask(WORLD + ROUTE, "GET http://api.shop/admin%00");
  assert.equal(nul.status, 400);
});
