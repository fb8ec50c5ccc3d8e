// The CLI on the bundled example: the commands' contracts (formats, exit codes) and golden outputs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { cli, tempFiles } from "../helpers.js";
import { assertGolden } from "../golden.js";

const EX = ["-f", "examples/shop"];

test("explain: readable account per direction, exit 0 when allowed", async () => {
  const r = await cli(["explain", ...EX, "--from", "monitoring/prometheus", "--to", "shop/api", "--port", "9090"]);
  assert.equal(r.code, 0, r.err);
  assertGolden("explain-prometheus-api.txt", r.out);
});

test("explain: denied flows exit 1; -o json carries the trace with file and line", async () => {
  const r = await cli(["explain", ...EX, "--from", "shop/web", "--to", "svc:payments/payments", "--port", "50051", "-o", "json"]);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.equal(j.verdict, "deny");
  const p = j.pairs[0];
  assert.equal(p.from, "shop/web");
  assert.equal(p.to, "payments/payments");
  assert.equal(p.egress.decidedBy, "isolation");
  assert.deepEqual(p.egress.selecting.map((s: { name: string }) => s.name).sort(), ["default-deny", "web"]);
  assert.equal(p.ingress.decidedBy, "isolation");
  assert.match(p.ingress.selecting[0].file, /examples\/shop\/policies-payments\.yaml/);
  assert.equal(typeof p.ingress.selecting[0].line, "number");
});

test("explain: an ANP rule's trace names tier, policy, rule index and name, file:line", async () => {
  const r = await cli(["explain", ...EX, "--from", "shop/api", "--to", "ip:169.254.169.254", "--port", "80", "-o", "json"]);
  const e = JSON.parse(r.out).pairs[0].egress;
  assert.equal(e.tier, "admin");
  assert.equal(e.policy.name, "platform-guardrails");
  assert.deepEqual([e.rule.index, e.rule.name, e.rule.action], [0, "deny-cloud-metadata", "deny"]);
  assert.equal(e.rule.file, "examples/shop/policies-cluster.yaml");
  assert.equal(e.rule.line, 19);
});

test("explain: unknown endpoints are invalid input (exit 2) with a suggestion", async () => {
  const r = await cli(["explain", ...EX, "--from", "shop/wbe", "--to", "shop/api", "--port", "80"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--from: no pod, workload or Workload named shop\/wbe/);
  const u = await cli(["explain", ...EX, "--from", "shop/web"]);
  assert.equal(u.code, 2);
  assert.match(u.err, /--to and --port \(or --request\) are required/);
  const p = await cli(["explain", ...EX, "--from", "shop/web", "--to", "shop/api"]);
  assert.equal(p.code, 2);
  assert.match(p.err, /--port \(or --request\) is required/);
});

test("test: the example's assertions hold (exit 0); the table is golden", async () => {
  const r = await cli(["test", ...EX, "--expect", "examples/shop.expect.yaml"]);
  assert.equal(r.code, 0, r.out + r.err);
  assertGolden("test-shop.txt", r.out);
});

test("test: a failing assertion exits 1; -o json gives one result per assertion in order", async () => {
  const t = tempFiles({ "x.yaml": "- {from: shop/web, to: shop/api, port: 8080, expect: deny}\n- {from: shop/web, to: shop/api, port: 8080, expect: allow}\n" });
  try {
    const r = await cli(["test", ...EX, "--expect", `${t.dir}/x.yaml`, "-o", "json"]);
    assert.equal(r.code, 1);
    const res = JSON.parse(r.out).results;
    assert.deepEqual(res.map((x: { verdict: string; pass: boolean }) => [x.verdict, x.pass]), [["allow", false], ["allow", true]]);
    assert.match(res[0].decidedBy.ingress, /allowed by NetworkPolicy shop\/api, ingress rule 0/);
  } finally { t.cleanup(); }
});

test("test: invalid assertion files and unknown endpoints exit 2 with file, line and field", async () => {
  const t = tempFiles({ "bad.yaml": "- {from: shop/web, to: shop/api, port: 8080, expect: maybe}\n- {from: shop/web, to: shop/nope, port: 80, expect: deny}\n" });
  try {
    const r = await cli(["test", ...EX, "--expect", `${t.dir}/bad.yaml`]);
    assert.equal(r.code, 2);
    // Assertions are numbered from 1 with their line, never by a 0-based field path.
    assert.match(r.err, /bad\.yaml:1: assertion 1, expect: "maybe" is not one of allow, deny/);
    const fixed = tempFiles({ "x.yaml": "- {from: shop/web, to: shop/nope, port: 80, expect: deny}\n" });
    const r2 = await cli(["test", ...EX, "--expect", `${fixed.dir}/x.yaml`]);
    fixed.cleanup();
    assert.equal(r2.code, 2);
    assert.match(r2.err, /x\.yaml:1: assertion 1, to: no pod, workload or Workload named shop\/nope/);
  } finally { t.cleanup(); }
});

test("matrix: port truth table like the e2e tests print it; json and csv", async () => {
  const r = await cli(["matrix", ...EX, "--port", "8080", "-n", "shop"]);
  assert.equal(r.code, 0);
  assertGolden("matrix-shop-8080.txt", r.out);
  const j = JSON.parse((await cli(["matrix", ...EX, "--port", "8080", "-n", "shop", "-o", "json"])).out);
  assert.deepEqual(j.endpoints, ["shop/api", "shop/cache", "shop/web"]);
  assert.equal(j.cells.find((c: { from: string; to: string }) => c.from === "shop/web" && c.to === "shop/api").allowed, true);
  const csv = (await cli(["matrix", ...EX, "-n", "shop", "-o", "csv"])).out;
  assert.equal(csv.split("\n")[0], "from\\to,shop/api,shop/cache,shop/web");
});

test("list: np-guard txt is golden; table, json, yaml, csv, md and dot render the same pairs", async () => {
  const txt = (await cli(["list", ...EX])).out;
  assertGolden("list-shop.txt", txt);
  const lines = txt.trim().split("\n");
  const json = JSON.parse((await cli(["list", ...EX, "-o", "json"])).out);
  assert.equal(json.length, lines.length);
  const { connections, ...npGuard } = json[0];
  assert.deepEqual(npGuard, { src: lines[0].split(" => ")[0], dst: lines[0].split(" => ")[1].split(" : ")[0], conn: lines[0].split(" : ")[1] });
  // Beside np-guard's conn string, the same connections as data.
  const tcp = json.find((e: { conn: string }) => e.conn === "TCP 8080");
  assert.deepEqual(tcp?.connections, [{ protocol: "TCP", ports: [{ from: 8080, to: 8080 }] }]);
  assert.deepEqual(parse((await cli(["list", ...EX, "-o", "YAML"])).out), json);
  assert.equal((await cli(["list", ...EX, "-o", "table"])).out.trim().split("\n").length, lines.length + 1);
  assert.equal((await cli(["list", ...EX, "-o", "csv"])).out.trim().split("\n").length, lines.length + 1);
  assert.equal((await cli(["list", ...EX, "-o", "md"])).out.trim().split("\n").length, lines.length + 2);
  const dot = (await cli(["list", ...EX, "-o", "dot"])).out;
  assert.match(dot, /^digraph \{/);
  assert.equal(dot.split("->").length - 1, lines.length);
});

test("validate: valid input exits 0; invalid exits 1 and lists every error", async () => {
  const ok = await cli(["validate", ...EX]);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /^valid: 0 errors/m);
  const bad = await cli(["validate", "-f", "-"], "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 300.0.0.0/8}}]\n    ports: [{port: 0}]\n");
  assert.equal(bad.code, 1);
  assert.match(bad.out, /error: <stdin>:7 spec\.ingress\[0\]\.from\[0\]\.ipBlock\.cidr: "300\.0\.0\.0\/8" is not a valid CIDR/);
  assert.match(bad.out, /error: <stdin>:8 spec\.ingress\[0\]\.ports\[0\]\.port: 0 is below the minimum 1/);
  assert.match(bad.out, /invalid: 2 errors/);
  const j = JSON.parse((await cli(["validate", "-f", "-", "-o", "json"], "apiVersion: v1\nkind: Namespace\nmetadata: {name: BAD}\n")).out);
  assert.equal(j.valid, false);
  assert.deepEqual([j.diagnostics[0].file, j.diagnostics[0].line, j.diagnostics[0].field], ["<stdin>", 3, "metadata.name"]);
});

test("analysing commands refuse invalid input with exit 2 and the errors; --lenient analyses anyway", async () => {
  const input = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: 0}]\n";
  const r = await cli(["list", "-f", "-"], input);
  assert.equal(r.code, 2);
  assert.match(r.err, /error: <stdin>:7 spec\.ingress\[0\]\.ports\[0\]\.port: 0 is below the minimum 1\n/);
  assert.match(r.err, /1 error in the input; nothing was analysed/);
  const l = await cli(["list", "--lenient", "-f", "-"], input);
  assert.equal(l.code, 0);
  assert.match(l.err, /warning: <stdin>:7/);
});

test("analyze: the overview of the example", async () => {
  const r = await cli(["analyze", ...EX]);
  assert.equal(r.code, 0);
  assertGolden("analyze-shop.txt", r.out);
});
