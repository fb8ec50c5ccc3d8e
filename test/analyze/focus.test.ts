// Focus flags, np-guard's semantics (connlist.go includePairOfWorkloads, getFocusConnSetWithDataFromAllowedConns):
// a pair is kept when one side is a focus workload and the other a focus peer; a direction asks the focus
// workload to be the destination (ingress) or the source (egress); a focus connection keeps the pairs
// that allow it and shows only it. Names are NAME or NAMESPACE/NAME (np-guard) or the listed id.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../helpers.js";

const EX = ["-f", "examples/shop"];
const lines = (s: string) => s.trim().split("\n").filter(Boolean);

test("--focus-workload: only pairs with the workload on either side; NAME, NS/NAME and the listed id are the same", async () => {
  const outs = await Promise.all(["api", "shop/api", "shop/api[Deployment]"].map((n) => cli(["list", ...EX, "--focus-workload", n])));
  for (const r of outs) assert.equal(r.code, 0, r.err);
  assert.equal(outs[0].out, outs[1].out);
  assert.equal(outs[1].out, outs[2].out);
  assert.deepEqual(lines(outs[0].out), [
    "monitoring/prometheus[Deployment] => shop/api[Deployment] : TCP 9090",
    "shop/api[Deployment] => kube-system/coredns[Deployment] : TCP 53,UDP 53",
    "shop/api[Deployment] => payments/payments[Deployment] : TCP 50051",
    "shop/api[Deployment] => shop/cache[StatefulSet] : TCP 6379",
    "shop/web[Deployment] => shop/api[Deployment] : TCP 8080",
  ]);
});

test("--focus-direction ingress: the focus workload is the destination; egress: the source", async () => {
  const ingress = await cli(["list", ...EX, "--focus-workload", "shop/api", "--focus-direction", "ingress"]);
  assert.deepEqual(lines(ingress.out), ["monitoring/prometheus[Deployment] => shop/api[Deployment] : TCP 9090", "shop/web[Deployment] => shop/api[Deployment] : TCP 8080"]);
  const egress = await cli(["list", ...EX, "--focus-workload", "shop/api", "--focus-direction", "egress"]);
  assert.ok(lines(egress.out).every((l) => l.startsWith("shop/api[Deployment] => ")), egress.out);
});

test("--focus-peer: only the pairs between the focus workloads and these peers; repeatable workloads", async () => {
  const r = await cli(["list", ...EX, "--focus-workload", "shop/api", "--focus-peer", "shop/web", "--focus-peer", "payments"]);
  assert.deepEqual(lines(r.out), ["shop/api[Deployment] => payments/payments[Deployment] : TCP 50051", "shop/web[Deployment] => shop/api[Deployment] : TCP 8080"]);
  const two = await cli(["list", ...EX, "--focus-workload", "web", "--focus-workload", "cache", "--focus-direction", "egress"]);
  assert.ok(lines(two.out).every((l) => /^shop\/(web|cache)/.test(l)) && lines(two.out).length === 3, two.out);
});

test("--focus-conn: pairs that allow the connection, showing only it; ranges the focused answer does not tell apart merge", async () => {
  const r = await cli(["list", ...EX, "--focus-conn", "tcp-5432"]);
  assert.deepEqual(lines(r.out), [
    "0.0.0.0-192.0.2.9[External] => legacy/billing-db[Workload] : TCP 5432",
    "0.0.0.0-192.0.2.9[External] => monitoring/prometheus[Deployment] : TCP 5432",
    "192.0.2.11-255.255.255.255[External] => legacy/billing-db[Workload] : TCP 5432",
    "192.0.2.11-255.255.255.255[External] => monitoring/prometheus[Deployment] : TCP 5432",
    "kube-system/coredns[Deployment] => 0.0.0.0-169.254.169.253[External] : TCP 5432",
    "kube-system/coredns[Deployment] => 169.254.169.255-192.0.2.9[External] : TCP 5432",
    "kube-system/coredns[Deployment] => 192.0.2.11-255.255.255.255[External] : TCP 5432",
    "kube-system/coredns[Deployment] => legacy/billing-db[Workload] : TCP 5432",
    "legacy/billing-db[Workload] => 0.0.0.0-169.254.169.253[External] : TCP 5432",
    "legacy/billing-db[Workload] => 169.254.169.255-192.0.2.9[External] : TCP 5432",
    "legacy/billing-db[Workload] => 192.0.2.11-255.255.255.255[External] : TCP 5432",
    "legacy/billing-db[Workload] => cloud-metadata[Network] : TCP 5432",
    "legacy/billing-db[Workload] => monitoring/prometheus[Deployment] : TCP 5432",
    "monitoring/prometheus[Deployment] => 0.0.0.0-169.254.169.253[External] : TCP 5432",
    "monitoring/prometheus[Deployment] => 169.254.169.255-192.0.2.9[External] : TCP 5432",
    "monitoring/prometheus[Deployment] => 192.0.2.11-255.255.255.255[External] : TCP 5432",
    "monitoring/prometheus[Deployment] => legacy/billing-db[Workload] : TCP 5432",
    "payments/payments[Deployment] => legacy/billing-db[Workload] : TCP 5432",
    "payments/payments[Deployment] => payments/ledger-db[StatefulSet] : TCP 5432",
  ]);
  const none = await cli(["list", ...EX, "--focus-workload", "shop/web", "--focus-conn", "udp-5432"]);
  assert.equal(none.out, "");
});

test("focus errors: an unknown name is exit 2 with the closest names; a bad PROTO-PORT and peers without workloads are usage errors", async () => {
  const unknown = await cli(["list", ...EX, "--focus-workload", "shop/apx"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /no workload named "shop\/apx" in the input \(did you mean shop\/api\?\)/);
  for (const args of [["--focus-conn", "tcp:80"], ["--focus-conn", "tcp-70000"], ["--focus-peer", "shop/web"], ["--focus-direction", "ingress"]]) {
    const r = await cli(["list", ...EX, ...args]);
    assert.equal(r.code, 2, args.join(" "));
  }
});

test("matrix --focus-workload: the rows and columns of the kept pairs, other cells empty; --focus-conn is --port", async () => {
  const r = await cli(["matrix", ...EX, "--focus-workload", "shop/api", "--focus-direction", "egress", "--focus-conn", "tcp-6379"]);
  assert.equal(r.code, 0, r.err);
  const [head, row, ...rest] = lines(r.out);
  assert.deepEqual(rest, [], "one row: the focus workload as the source");
  assert.match(head, /^TCP\/6379 /);
  const cols = head.split(/\s{2,}/).slice(1), cells = row.split(/\s{2,}/).slice(1);
  assert.equal(row.split(/\s{2,}/)[0], "shop/api");
  assert.equal(cells[cols.indexOf("shop/cache")], ".");
  assert.ok(!cols.includes("shop/api"), "not itself");
  const j = JSON.parse((await cli(["matrix", ...EX, "--focus-workload", "shop/web", "--focus-peer", "shop/api", "-o", "json"])).out);
  assert.deepEqual(j.cells.map((c: { from: string; to: string }) => `${c.from}>${c.to}`).sort(), ["shop/api>shop/web", "shop/web>shop/api"]);
  const both = await cli(["matrix", ...EX, "--port", "80", "--focus-conn", "tcp-80"]);
  assert.equal(both.code, 2);
});

test("analyze --focus-workload: the sections keep the focus workload's pairs and unprotected directions", async () => {
  const r = await cli(["analyze", ...EX, "--focus-workload", "legacy/billing-db", "--focus-direction", "ingress", "-o", "json"]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.ok(j.connections.length > 0 && j.connections.every((c: { dst: string }) => c.dst === "legacy/billing-db[Workload]"), r.out);
  assert.deepEqual(j.unprotected, [{ workload: "legacy/billing-db[Workload]", direction: "ingress" }]);
  assert.deepEqual(j.egress, []);
});
