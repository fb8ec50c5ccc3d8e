// junction route --from and in-mesh entries of --requests files; junction status with Service parents.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";

test("route --from walks an in-mesh request and prints the layers", async () => {
  const r = await cli(["route", "-f", "examples/mesh", "-q", "--from", "guest/browser", "--request", "GET http://catalog.shop/items/1"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /answer {4}connection rejected/);
  assert.match(r.out, /network {3}guest\/browser → shop\/catalog TCP\/8080: deny/);
});

test("route prints the request's port once, whether the host carries it or not", async () => {
  for (const [request, line] of [["tcp://catalog:80", "from shop/frontend: tcp://catalog:80\n"], ["GET http://catalog:8080/items/1", "from shop/frontend: GET http://catalog:8080/items/1\n"], ["GET http://catalog/items/1", "from shop/frontend: GET http://catalog/items/1\n"]]) {
    const r = await cli(["route", "-f", "examples/mesh", "-q", "--from", "shop/frontend", "--request", request]);
    assert.ok(r.out.startsWith(line), `${request}: ${r.out.split("\n")[0]}`);
  }
});

test("route --requests: in-mesh entries (from, no gateway) with gRPC, checked against expect; -o json carries the walk", async () => {
  const { dir, cleanup } = tempFiles({
    "r.yaml": `
- {from: checkout/cart, host: catalog.shop, path: /items/1, expect: {status: 200, backend: shop/catalog}}
- {from: shop/frontend, host: "catalog:80", scheme: grpc, grpc: {service: shop.Catalog, method: Get}, expect: {grpcCode: UNIMPLEMENTED}}
- {from: guest/browser, host: catalog.shop.svc.cluster.local, path: /items/1, expect: {connection: rejected}}
`,
  });
  try {
    const table = await cli(["route", "-f", "examples/mesh", "-q", "--requests", `${dir}/r.yaml`]);
    assert.equal(table.code, 0, table.out + table.err);
    assert.match(table.out, /3 passed, 0 failed/);
    const json = JSON.parse((await cli(["route", "-f", "examples/mesh", "-q", "--requests", `${dir}/r.yaml`, "-o", "json"])).out);
    const [a, b, c] = json.results;
    assert.deepEqual([a.routeRole, a.entry.kind, a.decidedBy, a.network.verdict], ["consumer", "service", "backend", "allow"]);
    assert.equal(a.network.ingress.policy.name, "catalog-clients");
    assert.equal(a.network.ingress.rule.line, 8);
    assert.deepEqual([b.status, b.grpcCode, b.decidedBy], [404, "UNIMPLEMENTED", "routing"]);
    assert.deepEqual([c.connection, c.decidedBy, c.network.ingress.decidedBy], ["rejected", "network", "isolation"]);
  } finally { cleanup(); }
});

test("a client that is not in the input is a usage error (exit 2), as a Gateway's client (with --gateway) or in the mesh", async () => {
  const missing = await cli(["route", "-f", "examples/mesh", "-q", "--from", "shop/nobody", "--request", "GET http://catalog/"]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no pod, workload or Workload named shop\/nobody/);
  const { dir, cleanup } = tempFiles({ "r.yaml": "- {from: shop/nobody, gateway: infra/gw, host: catalog}\n" });
  try {
    const r = await cli(["route", "-f", "examples/mesh", "-q", "--requests", `${dir}/r.yaml`]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no pod, workload or Workload named shop\/nobody/);
  } finally { cleanup(); }
});

test("status reports the Service parents of mesh routes", async () => {
  const r = await cli(["status", "-f", "examples/mesh", "-q", "-o", "json"]);
  const routes = JSON.parse(r.out).items.filter((o: { kind: string }) => o.kind === "HTTPRoute");
  const parents = routes.map((o: { metadata: { name: string }; status: { parents: { parentRef: { name: string }; conditions: { type: string; status: string }[] }[] } }) =>
    [o.metadata.name, o.status.parents[0].parentRef.name, o.status.parents[0].conditions.find((c) => c.type === "Accepted")?.status]);
  assert.deepEqual(parents, [["catalog", "catalog", "True"], ["catalog-canary", "catalog", "True"]]);
});
