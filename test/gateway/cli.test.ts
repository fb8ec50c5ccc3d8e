// `junction status` and `junction route` on the bundled Gateway example: golden outputs, data
// shapes, expectations and exit codes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cli, tempFiles } from "../helpers.js";

/** Compares with test/golden/NAME (run with UPDATE_GOLDEN=1 to rewrite it). */
function golden(name: string, text: string): void {
  const path = `test/golden/${name}`;
  if (process.env.UPDATE_GOLDEN || !existsSync(path)) writeFileSync(path, text);
  assert.equal(text, readFileSync(path, "utf8"), `${path} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

test("status: the readable table of the example", async () => {
  const r = await cli(["status", "-f", "examples/gateway"]);
  assert.equal(r.code, 0, r.err);
  golden("gateway-status.txt", r.out);
  assert.equal((await cli(["status", "-f", "examples/gateway"])).out, r.out, "same input, same output");
});

test("status -o json: a List of the objects with their status", async () => {
  const r = await cli(["status", "-f", "examples/gateway", "-o", "json"]);
  const list = JSON.parse(r.out);
  assert.equal(list.kind, "List");
  const gw = list.items.find((o: any) => o.kind === "Gateway");
  assert.deepEqual(gw.status.listeners.map((l: any) => [l.name, l.attachedRoutes]), [["http", 1], ["shop", 1], ["api", 1]]);
  const sandbox = list.items.find((o: any) => o.metadata.name === "try-shop");
  assert.equal(sandbox.status.parents[0].conditions[0].reason, "NotAllowedByListeners");
  assert.equal(sandbox.spec.hostnames[0], "shop.example.com", "the object is printed back with its spec");
});

test("route: one request explained", async () => {
  const r = await cli(["route", "-f", "examples/gateway", "--request", "GET https://shop.example.com/cart/items", "-H", "x-canary: always"]);
  assert.equal(r.code, 0, r.err);
  golden("gateway-route.txt", r.out);
});

test("route --requests: every expectation of the example holds; a wrong one exits 1", async () => {
  const ok = await cli(["route", "-f", "examples/gateway", "--requests", "examples/gateway.requests.yaml"]);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /9 passed, 0 failed/);
  const { dir, cleanup } = tempFiles({ "r.yaml": "- {scheme: https, host: shop.example.com, path: /cart, expect: {backend: shop/cart-v2}}\n" });
  try {
    const bad = await cli(["route", "-f", "examples/gateway", "--requests", `${dir}/r.yaml`, "-o", "json"]);
    assert.equal(bad.code, 1);
    const res = JSON.parse(bad.out).results[0];
    assert.equal(res.backend, "shop/cart-v1");
    assert.deepEqual(res.backends.map((b: any) => [b.name, b.weight]), [["shop/cart-v1", 90], ["shop/cart-v2", 10]]);
    assert.equal(res.pass, false);
  } finally { cleanup(); }
});

test("route: invalid requests and unknown Gateways exit 2 with a clear message", async () => {
  const r1 = await cli(["route", "-f", "examples/gateway", "--request", "GET not-a-url"]);
  assert.equal(r1.code, 2);
  assert.match(r1.err, /is not a URL/);
  const r2 = await cli(["route", "-f", "examples/gateway", "--request", "GET http://a.example.com/", "--gateway", "infra/nope"]);
  assert.equal(r2.code, 2);
  assert.match(r2.err, /Gateway infra\/nope is not in the input/);
  const r3 = await cli(["route", "-f", "examples/gateway"]);
  assert.equal(r3.code, 2);
  const { dir, cleanup } = tempFiles({ "r.yaml": "- {scheme: gopher, path: x}\n" });
  try {
    const r4 = await cli(["route", "-f", "examples/gateway", "--requests", `${dir}/r.yaml`]);
    assert.equal(r4.code, 2);
    assert.match(r4.err, /r\.yaml:1: request 1, scheme: "gopher" is not one of/);
  } finally { cleanup(); }
});

test("route: a gRPC request is echoed as written (grpc://, grpcs://), not as its HTTP scheme", async () => {
  for (const [line, shown] of [["GET grpc://shop.example.com/pkg.Svc/M", "GET grpc://shop.example.com/pkg.Svc/M"], ["grpcs://shop.example.com/pkg.Svc/M", "POST grpcs://shop.example.com/pkg.Svc/M"], ["GET http://shop.example.com/x", "GET http://shop.example.com/x"]]) {
    const r = await cli(["route", "-f", "examples/gateway", "--request", line]);
    assert.equal(r.out.split("\n")[0], shown, r.err);
  }
});

test("test -o json: a gRPC request is named as written (grpc://), as route prints it", async () => {
  const t = tempFiles({ "e.yaml": "- {from: shop/frontend, request: \"grpc://catalog/pkg.Svc/M\", expect: allow}\n" });
  try {
    const r = await cli(["test", "-f", "examples/mesh", "--expect", `${t.dir}/e.yaml`, "-o", "json"]);
    assert.match(r.out, /"request": "POST grpc:\/\/catalog(:\d+)?\/pkg\.Svc\/M"/, r.out + r.err);
  } finally { t.cleanup(); }
});
