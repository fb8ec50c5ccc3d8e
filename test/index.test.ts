// The public surface: a live-cluster style session through the library API only.

import { test } from "node:test";
import assert from "node:assert/strict";
import { FastConnectivity, PolicyEngine, connectionList, formatConns, loadFiles, type Policy } from "../src/index.js";

const CLUSTER = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.0.0.2}
`;

test("library: load, analyse all pairs, then change a policy and see only the new answer", () => {
  const { inventory } = loadFiles([{ name: "cluster.yaml", text: CLUSTER }]);
  const fast = new FastConnectivity(new PolicyEngine(inventory));
  const [web, api] = inventory.endpoints;
  assert.equal(formatConns(fast.conns({ endpoint: web }, { endpoint: api })), "All Connections");
  const deny: Policy = {
    kind: "NetworkPolicy", name: "api", namespace: "shop", tier: "namespace", priority: 0,
    subject: { namespaces: { kind: "name", name: "shop" }, labels: { requirements: [{ key: "app", operator: "In", values: ["api"] }] }, kinds: ["pod"] },
    ingress: [{ index: 0, action: "allow", path: [], ports: [{ kind: "named", name: "http" }], peers: [{ kind: "endpoints", selector: { namespaces: { kind: "name", name: "shop" }, labels: { requirements: [] }, kinds: ["pod"] } }] }],
  };
  const r = fast.upsertPolicy(deny);
  assert.ok(r.classes >= 1 && r.rows >= 1);
  assert.equal(formatConns(fast.conns({ endpoint: web }, { endpoint: api })), "TCP 8080");
  assert.equal(formatConns(fast.conns({ endpoint: api }, { endpoint: web })), "All Connections");
  const lines = connectionList(inventory, fast).map((e) => `${e.src.id} => ${e.dst.id} : ${formatConns(e.conns)}`);
  assert.ok(lines.includes("shop/web[Pod] => shop/api[Pod] : TCP 8080"), lines.join("\n"));
  assert.ok(!lines.some((l) => l.startsWith("0.0.0.0-255.255.255.255[External] => shop/api")), "outside addresses no longer reach api");
  fast.removePolicy(deny);
  assert.equal(formatConns(fast.conns({ endpoint: web }, { endpoint: api })), "All Connections");
});
