import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, engineFor, load, verdict } from "./helpers.js";
import { e2eModel, withPolicies } from "./fixtures/e2e-model.js";

const tp = (name: string, spec: string, namespace?: string) =>
  `apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: ${name}${namespace ? `, namespace: '${namespace}'` : ""}}\nspec:\n${spec}`;

const VM = `apiVersion: junction.dev/v1alpha1
kind: Workload
metadata: {name: db, namespace: x, labels: {pod: db}}
spec: {addresses: [192.0.2.10], ports: [{name: pg, port: 5432}]}`;

test("Namespace tier: a Deny before an allow (priority), isolation when nothing matches", () => {
  const e = engineFor(withPolicies(
    tp("deny-b", "  tier: Namespace\n  priority: 10\n  subject: {workloads: {matchLabels: {pod: a}}}\n  ingress:\n  - {action: Deny, from: [{workloads: {matchLabels: {pod: b}}}]}", "x"),
    tp("allow-all", "  tier: Namespace\n  priority: 20\n  subject: {workloads: {matchLabels: {pod: a}}}\n  ingress:\n  - {action: Allow, from: [{namespaces: {matchLabels: {ns: x}}}]}", "x"),
  ));
  assert.equal(verdict(e, "x/b", "x/a", 80), "deny");
  assert.equal(verdict(e, "x/c", "x/a", 80), "allow");
  assert.equal(verdict(e, "y/a", "x/a", 80), "deny", "isolated: no rule matches");
  assert.equal(verdict(e, "y/a", "x/b", 80), "allow", "x/b is not selected");
});

test("Namespace tier: a Pass hands the flow to the Baseline tier", () => {
  const e = engineFor(withPolicies(
    tp("pass-y", "  tier: Namespace\n  subject: {}\n  ingress:\n  - {action: Pass, from: [{namespaces: {matchLabels: {ns: 'y'}}}]}", "x"),
    tp("base", "  tier: Baseline\n  subject: {}\n  ingress:\n  - {action: Deny, from: [{workloads: {matchLabels: {pod: a}}}]}"),
  ));
  assert.equal(verdict(e, "y/a", "x/b", 80), "deny", "passed, then denied by the baseline");
  assert.equal(verdict(e, "y/b", "x/b", 80), "allow", "passed, baseline does not match: allowed");
  assert.equal(verdict(e, "z/b", "x/b", 80), "deny", "no rule: isolation");
});

test("Admin tier before NetworkPolicies; subjects and peers select Workloads (VMs) too", () => {
  const e = engineFor(withPolicies(VM,
    tp("vm", "  tier: Admin\n  priority: 5\n  subject: {workloads: {matchLabels: {pod: db}}}\n  ingress:\n  - {action: Allow, from: [{workloads: {matchLabels: {pod: a}}}], ports: [{port: pg}]}\n  - {action: Deny}"),
  ));
  assert.equal(verdict(e, "x/a", "workload:x/db", 5432), "allow");
  assert.equal(verdict(e, "y/a", "workload:x/db", 5432), "allow", "namespaces omitted in a cluster-scoped policy: anywhere");
  assert.equal(verdict(e, "x/b", "workload:x/db", 5432), "deny");
  assert.equal(verdict(e, "x/a", "workload:x/db", 5433), "deny");
});

test("Clusters peers match their pod CIDRs and egress NAT; http rules allow the connection", () => {
  const e = engineFor(withPolicies(
    "apiVersion: junction.dev/v1alpha1\nkind: Cluster\nmetadata: {name: dr, labels: {role: dr}}\nspec: {podCIDRs: [10.200.0.0/16], egressNAT: [198.51.100.7/32]}",
    tp("from-dr", "  tier: Namespace\n  subject: {}\n  ingress:\n  - action: Allow\n    from: [{clusters: {matchLabels: {role: dr}}}]\n    ports: [{port: 80}]\n    http: [{methods: [GET], paths: [/api/.*]}]", "x"),
  ));
  assert.equal(verdict(e, "ip:10.200.1.1", "x/a", 80), "allow");
  assert.equal(verdict(e, "ip:198.51.100.7", "x/a", 80), "allow");
  assert.equal(verdict(e, "ip:198.51.100.8", "x/a", 80), "deny");
});

test("cidrs with outside: true skip pod addresses; namespaces \"*\" reaches cluster-scoped Workloads", () => {
  const host = "apiVersion: junction.dev/v1alpha1\nkind: Workload\nmetadata: {name: host1, labels: {role: host}}\nspec: {addresses: [192.0.2.50]}";
  const e = engineFor(withPolicies(host,
    tp("p", "  tier: Namespace\n  subject: {}\n  egress:\n  - {action: Allow, to: [{cidrs: [0.0.0.0/0], outside: true}]}\n  - {action: Allow, to: [{namespaces: \"*\", workloads: {matchLabels: {role: host}}}]}", "x"),
  ));
  assert.equal(verdict(e, "x/a", "ip:8.8.8.8", 53), "allow");
  assert.equal(verdict(e, "x/a", "y/a", 80), "deny", "a pod address is not outside");
  assert.equal(verdict(e, "x/a", "workload:host1", 22), "allow");
});

test("validation errors name file, line and field precisely", async () => {
  const bad = tp("bad", [
    "  tier: Namespace", "  subject: {namespaces: {}}", "  ingress:", "  - action: Deny", "    http: [{methods: [get]}]",
    "  - action: Allow", "    from: [{cidrs: [10.0.0.0/8], except: [11.0.0.0/8], workloads: {}}]",
    "  - action: Allow", "    ports: [{endPort: 90}]", "  egress:", "  - {action: Pass, to: [{domains: [example.com]}]}",
  ].join("\n"), "x");
  const l = load({ "bad.yaml": bad });
  const lines = l.diagnostics.errors.map((d) => `${d.line} ${d.field?.join(".")}: ${d.message}`);
  const expect = [
    /^6 spec\.subject\.namespaces: a namespaced policy selects endpoints of its own namespace/,
    /^9 spec\.ingress\.0\.http\.0\.methods\.0: "get" is not an HTTP method/,
    /^11 spec\.ingress\.1\.from\.0: a peer is one of: endpoints/,
    /^13 spec\.ingress\.2\.ports\.0\.endPort: endPort needs a numeric port/,
    /^15 spec\.egress\.0\.to: domains peers are only allowed in egress Allow rules/,
  ];
  for (const re of expect) assert.ok(lines.some((x) => re.test(x)), `${re} in\n${lines.join("\n")}`);
  const cluster = load({ "c.yaml": tp("c", "  tier: Admin\n  subject: {}", "x") });
  assert.match(cluster.diagnostics.errors.map((d) => d.message).join("\n"), /required field is missing/);
  assert.match(cluster.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /metadata\.namespace: an Admin-tier TrafficPolicy is cluster-scoped/);
  const r = await cli(["validate", "-f", "-"], tp("p", "  tier: Sideways\n  subject: {}"));
  assert.equal(r.code, 1);
  assert.match(r.out, /<stdin>:5 spec\.tier: "Sideways" is not one of Admin, Namespace, Baseline/);
});

test("examples/common: the expectations hold and explain names TrafficPolicy rules", async () => {
  const r = await cli(["test", "-f", "examples/common", "--expect", "examples/common.expect.yaml"]);
  assert.equal(r.code, 0, r.out + r.err);
  const x = await cli(["explain", "-f", "examples/common", "--from", "lab/sandbox", "--to", "orders/orders-db", "--port", "5432"]);
  assert.match(x.out, /denied by TrafficPolicy guardrails, ingress rule 0 "no-dev-to-prod" \(examples\/common\/policies\.yaml:16\) \[admin tier\]/);
  assert.ok(e2eModel().length > 0);
});
