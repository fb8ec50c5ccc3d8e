// A VirtualService route's `corsPolicy` at the client's sidecar (engine/mesh/istio-cors.ts): Envoy's
// CORS filter (cors_filter.cc) with the policy pilot writes (route.go TranslateCORSPolicy), after the
// fault filter (listener_builder.go: Fault, then Cors, then the router). Before: an info "not
// modelled" and the preflight went to the backend (200 without any Access-Control header).

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { CLUSTER, withProxy } from "./fixture.js";

const WORLD = withProxy("istio-proxy", ["web", "ops", "shop"], CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio-injection: enabled}}"));

const vs = (http: string) => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: shop}
spec:
  hosts: [api]
  http:
${http}
`;

const CORS = vs(`  - corsPolicy:
      allowOrigins: [{exact: "https://shop.example"}, {prefix: "https://dev-"}, {regex: "https://[a-z]+\\\\.partner\\\\.example"}]
      allowMethods: [GET, POST]
      allowHeaders: [x-token]
      exposeHeaders: [x-trace]
      maxAge: 24h
      allowCredentials: true
    route: [{destination: {host: api}}]`);

interface Answer { status: number | null; reason: string; backend: string | null; responseHeaders: Record<string, string> }

async function run(yaml: string, request: string, headers: string[]): Promise<{ code: number; out: string; err: string }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try { return await cli(["route", "-q", "-f", dir, "--from", "web/client", "--request", request, ...headers.flatMap((h) => ["-H", h]), "-o", "json"]); } finally { cleanup(); }
}

async function ask(yaml: string, request: string, headers: string[] = []): Promise<Answer> {
  const r = await run(yaml, request, headers);
  assert.equal(r.code, 0, r.err + r.out);
  return JSON.parse(r.out).results[0];
}

const PREFLIGHT = ["origin: https://shop.example", "access-control-request-method: POST", "access-control-request-headers: x-token"];

test("a preflight from an allowed origin is answered 200 by the client's sidecar with the allow headers; the backend is not reached", async () => {
  const a = await ask(WORLD + CORS, "OPTIONS http://api.shop/cart", PREFLIGHT);
  assert.equal(a.status, 200);
  assert.equal(a.backend, null);
  assert.deepEqual(a.responseHeaders, {
    "access-control-allow-origin": "https://shop.example", "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET,POST", "access-control-allow-headers": "x-token", "access-control-max-age": "86400",
  });
  assert.match(a.reason, /answers the CORS preflight from https:\/\/shop\.example itself/);
  // prefix and RE2 regex origins (StringMatchers, not Gateway API wildcards)
  for (const origin of ["https://dev-42.example", "https://abc.partner.example"]) {
    const b = await ask(WORLD + CORS, "OPTIONS http://api.shop/cart", [`origin: ${origin}`, "access-control-request-method: GET"]);
    assert.equal(b.responseHeaders["access-control-allow-origin"], origin);
    assert.equal(b.backend, null);
  }
});

test("a preflight from another origin goes on to the backend (unmatchedPreflights FORWARD); with IGNORE the sidecar answers 200 without Allow-Origin", async () => {
  const other = ["origin: https://evil.example", "access-control-request-method: POST"];
  const fwd = await ask(WORLD + CORS, "OPTIONS http://api.shop/cart", other);
  assert.notEqual(fwd.backend, null);
  assert.equal(fwd.responseHeaders["access-control-allow-origin"], undefined);
  const ignore = WORLD + CORS.replace("allowCredentials: true", "allowCredentials: true\n      unmatchedPreflights: IGNORE");
  const ign = await ask(ignore, "OPTIONS http://api.shop/cart", other);
  assert.equal(ign.status, 200);
  assert.equal(ign.backend, null);
  assert.equal(ign.responseHeaders["access-control-allow-origin"], undefined);
  assert.equal(ign.responseHeaders["access-control-allow-methods"], "GET,POST");
});

test("an actual request from an allowed origin gets Allow-Origin, -Credentials and -Expose-Headers on the backend's answer; a fault abort answers before CORS", async () => {
  const a = await ask(WORLD + CORS, "POST http://api.shop/cart", ["origin: https://shop.example"]);
  assert.equal(a.status, 200);
  assert.notEqual(a.backend, null);
  assert.equal(a.responseHeaders["access-control-allow-origin"], "https://shop.example");
  assert.equal(a.responseHeaders["access-control-expose-headers"], "x-trace");
  const none = await ask(WORLD + CORS, "POST http://api.shop/cart", ["origin: https://evil.example"]);
  assert.equal(none.responseHeaders["access-control-allow-origin"], undefined);
  const aborted = WORLD + CORS.replace("    route:", "    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}\n    route:");
  const f = await ask(aborted, "OPTIONS http://api.shop/cart", PREFLIGHT);
  assert.equal(f.status, 418);
  assert.equal(f.responseHeaders["access-control-allow-origin"], undefined);
});

test("istiod's validateCORSPolicy: an empty origin match, an unsupported method, a bad header name, a maxAge finer than seconds are refused with file:line:field", async () => {
  const bad = WORLD + vs(`  - corsPolicy:
      allowOrigins: [{exact: ""}]
      allowMethods: [FETCH]
      allowHeaders: ["x token"]
      maxAge: 1500ms
    route: [{destination: {host: api}}]`);
  const r = await run(bad, "GET http://api.shop/", []);
  assert.notEqual(r.code, 0);
  for (const want of [/a\.yaml:\d+:?\d* spec\.http\[0\]\.corsPolicy\.allowOrigins\[0\]: '' is not a valid match type for CORS allow origins/,
    /spec\.http\[0\]\.corsPolicy\.allowMethods\[0\]: "FETCH" is not a supported HTTP method/, /spec\.http\[0\]\.corsPolicy\.allowHeaders\[0\]: header name x token is not a valid header name/,
    /spec\.http\[0\]\.corsPolicy\.maxAge: max_age duration is accurate only to seconds precision/]) assert.match(r.err + r.out, want);
});

test("(revA) the router's own answer (503, no ready endpoint of the subset) carries the CORS headers as a backend's does: Envoy sends a local reply through the encoder filters (cors_filter.cc encodeHeaders)", async () => {
  const yaml = WORLD + CORS.replace("route: [{destination: {host: api}}]", "route: [{destination: {host: api, subset: v9}}]") + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: shop}
spec:
  host: api
  subsets: [{name: v9, labels: {version: v9}}]
`;
  const a = await ask(yaml, "POST http://api.shop/cart", ["origin: https://shop.example"]);
  assert.equal(a.status, 503);
  assert.equal(a.responseHeaders["access-control-allow-origin"], "https://shop.example", "was: none");
  assert.equal(a.responseHeaders["access-control-expose-headers"], "x-trace");
});
