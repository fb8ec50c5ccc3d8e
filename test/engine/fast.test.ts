// The fast connectivity engine against the reference (PairwiseConnectivity over PolicyEngine) on
// random clusters, and checks that the fast path really ran.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { nonZeroWords } from "../../src/engine/fast/bitset.js";
import { connectionList } from "../../src/analyze/connlist.js";
import { renderConnlist } from "../../src/targets/connlist.js";
import { formatConns } from "../../src/model/ports.js";
import { clusterArb, tieredClusterArb, type RandomCluster } from "../fixtures/random-cluster.js";
import { engineFor, load } from "../helpers.js";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { assertAgree, podsAnd, twoNamespaces } from "./fast-agree.js";

const label = (p: { endpoint?: { name: string }; address?: { value: bigint } }) => p.endpoint ? p.endpoint.name + (p.address ? `@${p.address.value}` : "") : `ip:${p.address?.value}`;

/** The fast engine's connections for every ordered pair of a random cluster's parties are the reference's; `each` sees every pair. */
const pairsAgree = (each?: (engine: PolicyEngine, s: RandomCluster["parties"][number], d: RandomCluster["parties"][number]) => void) =>
  ({ inventory, options, parties }: RandomCluster) => {
    const engine = new PolicyEngine(inventory, options);
    const ref = new PairwiseConnectivity(engine);
    const fast = new FastConnectivity(engine);
    for (const s of parties) {
      for (const d of parties) {
        assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${label(s)} -> ${label(d)}`);
        each?.(engine, s, d);
      }
    }
  };

test("fast and reference connectivity agree on every pair of random clusters", () => {
  fc.assert(fc.property(clusterArb, pairsAgree()), { numRuns: 300, seed: 20240613 });
});

// Calico's tiers share the model's Admin and Baseline tiers (Policy.tierGroup): a Pass ends its group
// and the walk goes on at the other groups' policies, in the plain evaluator (priorityHit) and in the
// fast engine's tier outcomes (rows.ts groupedHits) alike.
test("fast and reference connectivity agree on every pair of random clusters with Calico tiers", () => {
  let passedOn = 0;
  fc.assert(fc.property(tieredClusterArb, pairsAgree((engine, s, d) => {
    for (const port of [80, 53]) {
      const v = engine.evaluate({ src: s, dst: d, protocol: "TCP", port });
      // A Pass followed by a decision of another group of the same tier.
      for (const x of [v.egress, v.ingress]) if (x.passed.some((p) => p.policy.tier === x.tier && p.policy.tierGroup !== x.policy?.tierGroup)) passedOn++;
    }
  })), { numRuns: 300, seed: 20261208 });
  assert.ok(passedOn > 0, "some answers went on after a Pass within the tier");
});

test("fast and reference connection lists are identical on random clusters", () => {
  fc.assert(fc.property(clusterArb, ({ inventory, options }) => {
    const engine = new PolicyEngine(inventory, options);
    const ref = renderConnlist(connectionList(inventory, new PairwiseConnectivity(engine)), "txt");
    const fast = renderConnlist(connectionList(inventory, new FastConnectivity(engine)), "txt");
    assert.equal(fast, ref);
  }), { numRuns: 300, seed: 7 });
});

test("the rest unions' non-zero words noted where the rows are stored are their words, after the build, the list and updates", () => {
  // pairs.ts RestWords reads them (the direction estimate); a union is never written once stored, so they stay true.
  let noted = 0;
  const check = (fast: FastConnectivity, step: string) => {
    for (const sig of fast.signatures) {
      if (sig.part !== "rest" || !sig.any || sig.users === 0) continue;
      const words = fast.rows.unionNonZero(sig.any);
      if (!words) continue;
      noted++;
      assert.deepEqual([...words], [...nonZeroWords(sig.any)], `${step}: ${sig.key}`);
    }
  };
  fc.assert(fc.property(clusterArb, ({ inventory, options }) => {
    const fast = new FastConnectivity(new PolicyEngine(inventory, options));
    check(fast, "build");
    connectionList(inventory, fast);
    check(fast, "list");
    const first = inventory.policies[0];
    if (first) { fast.upsertPolicy({ ...first, ingress: first.egress, egress: first.ingress }); check(fast, "policy changed"); }
    fast.setNamespaceLabels("a", { team: "y", env: "prod" });
    check(fast, "namespace relabelled");
  }), { numRuns: 200, seed: 19 });
  assert.ok(noted > 0, "some unions came with their words");
});

test("explanations that use the fast engine's subject index are the verdict engine's own", () => {
  const brief = (v: ReturnType<PolicyEngine["evaluate"]>) => JSON.stringify([v.allowed, v.warnings.map((w) => w.message),
    ...[v.egress, v.ingress].map((d) => [d.by, d.tier, d.policy?.name, d.rule?.index, d.passed.map((p) => p.policy.name), d.selecting.map((p) => p.name)])]);
  fc.assert(fc.property(clusterArb, ({ inventory, options, parties }) => {
    const plain = new PolicyEngine(inventory, options);
    const indexed = new PolicyEngine(inventory, options);
    new FastConnectivity(indexed);
    for (const src of parties) for (const dst of parties) for (const [protocol, port] of [["TCP", 80], ["UDP", 53], ["TCP", 8080]] as const) {
      assert.equal(brief(indexed.evaluate({ src, dst, protocol, port })), brief(plain.evaluate({ src, dst, protocol, port })));
    }
  }), { numRuns: 150, seed: 11 });
});

test("the fast path ran: classes, signatures and rows, and no pair was asked of the verdict engine", () => {
  const { inventory } = load(Object.fromEntries(readdirSync("examples/shop", { recursive: true }).map(String).filter((f) => f.endsWith(".yaml")).map((f) => [f, readFileSync(join("examples/shop", f), "utf8")])));
  const engine = new PolicyEngine(inventory);
  let asked = 0;
  const allows = engine.allows.bind(engine), evaluate = engine.evaluate.bind(engine);
  engine.allows = (f) => { asked++; return allows(f); };
  engine.evaluate = (f) => { asked++; return evaluate(f); };
  const fast = new FastConnectivity(engine);
  const entries = connectionList(inventory, fast);
  assert.equal(asked, 0, "the fast engine must not evaluate flows one by one");
  assert.ok(entries.length > 0);
  const s = fast.stats;
  assert.ok(s.classes > 0 && s.classes <= inventory.endpoints.length + 64, `classes ${s.classes}`);
  assert.ok(s.signatures > 0 && s.rows > 0 && s.sets > 0);
  const ref = connectionList(inventory, new PairwiseConnectivity(engine));
  assert.ok(asked > 0, "the reference asks the verdict engine");
  assert.equal(renderConnlist(entries, "txt"), renderConnlist(ref, "txt"));
});

test("class keys made in runs (the build places endpoints in bulk and reuses the last key when nothing it is made of differs) are the keys made one by one", async () => {
  const { generateCluster } = await import("../../src/generate/cluster.js");
  const { renderManifests } = await import("../../src/targets/manifests.js");
  const { loadFiles } = await import("../../src/sources/load.js");
  // Pods in a row with one labels object and one ports list (the load shares them) that differ in
  // what else a key is made of: the address atom (an ipBlock cuts between them), the namespace, the
  // service account an Istio source principal names, host networking (acting as the node).
  const pod = (name: string, ns: string, ip: string, extra = "", app = "web") => `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name}, namespace: ${ns}, labels: { app: ${app}, tier: front } }\nspec: { nodeName: n1, ${extra}containers: [{ name: c, image: i, ports: [{ name: http, containerPort: 80 }] }] }\nstatus: { podIP: ${ip} }`;
  const crafted = [
    "apiVersion: v1\nkind: Node\nmetadata: { name: n1, labels: { zone: a } }\nstatus: { addresses: [{ type: InternalIP, address: 10.9.0.1 }] }",
    // Each pod differs from the one before it in one thing.
    pod("a1", "a", "10.0.0.5"), pod("a2", "a", "10.0.1.5"), pod("a3", "a", "10.0.1.6", "serviceAccountName: admin, "), pod("a5", "a", "10.0.1.4"),
    pod("a6", "a", "10.0.1.10", "", "api"), pod("a7", "a", "10.0.1.11"), pod("b1", "b", "10.0.1.8"), pod("a4", "a", "10.0.1.7", "hostNetwork: true, "), pod("b2", "b", "10.0.1.9"),
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p, namespace: a }\nspec: { podSelector: { matchLabels: { app: web } }, ingress: [{ from: [{ ipBlock: { cidr: 10.0.1.0/24 } }], ports: [{ port: http }] }] }",
    "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: { name: sa, namespace: a }\nspec: { selector: all(), ingress: [{ action: Allow, source: { serviceAccounts: { names: [admin] } } }] }",
  ].join("\n---\n");
  const generated = generateCluster({ pods: 600, namespaces: 8, policies: 60, seed: 4 }).map((f) => ({ name: `${f.path}.yaml`, text: renderManifests(f.objects, "yaml") }));
  for (const files of [[{ name: "c.yaml", text: crafted }], generated]) {
    const { inventory } = loadFiles(files);
    const fast = new FastConnectivity(new PolicyEngine(inventory));
    for (const e of inventory.endpoints) {
      const id = fast.classes.placed(e)!;
      assert.equal(fast.classes.list[id].key, fast.classes.keyOf({ endpoint: e }), `${e.namespace}/${e.name}`);
    }
    if (files.length === 1) {
      const classes = new Set(inventory.endpoints.filter((e) => e.kind === "pod").map((e) => fast.classes.placed(e)));
      assert.equal(classes.size, 6, "a1 | a2 a5 a7 | a3 | a6 | b1 b2 | a4 (the node's)");
    }
  }
});

test("a part with more port classes than are told apart by comparing statuses (signature.ts portLayout: a key text per start past eight) agrees with the reference", () => {
  // Four ingress rules, each from its own client; rule j admits the ports 1000 + k whose bit j is set
  // (k = 1..15), so the 15 ports (and the rest of the space) are 16 port classes: every subset of rules.
  const rules = [0, 1, 2, 3].map((j) => {
    const ports = Array.from({ length: 15 }, (_, i) => i + 1).filter((k) => (k >> j) & 1).map((k) => `{ protocol: ${k % 2 ? "TCP" : "UDP"}, port: ${1000 + k} }`);
    return `    - from: [{ podSelector: { matchLabels: { client: c${j} } } }]\n      ports: [${ports.join(", ")}]`;
  });
  const pod = (name: string, labels: string) => `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name}, namespace: a, labels: { ${labels} } }\nspec: { containers: [{ name: c, image: x }] }\nstatus: { podIP: 10.0.0.${name.length + name.charCodeAt(name.length - 1) % 200} }`;
  const yaml = [
    "apiVersion: v1\nkind: Namespace\nmetadata: { name: a }",
    pod("server", "app: server"),
    ...[0, 1, 2, 3].map((j) => pod(`client${j}`, `client: c${j}`)),
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: many-ports, namespace: a }\nspec:\n  podSelector: { matchLabels: { app: server } }\n  policyTypes: [Ingress]\n  ingress:\n${rules.join("\n")}`,
  ].join("\n---\n");
  const engine = engineFor(yaml);
  const fast = new FastConnectivity(engine), ref = new PairwiseConnectivity(engine);
  const parties = engine.inventory.endpoints.map((endpoint) => ({ endpoint }));
  const server = parties.find((p) => p.endpoint.name === "server")!;
  assert.ok(fast.signatures.some((s) => (s.layout?.reps.length ?? 0) > 8), "a part has more than eight port classes");
  for (const s of parties) for (const d of parties) assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${label(s)} -> ${label(d)}`);
  assert.equal(formatConns(fast.conns(parties.find((p) => p.endpoint.name === "client3")!, server)), "TCP 1009,1011,1013,1015,UDP 1008,1010,1012,1014");
});

test("parts whose rules name the same ports share one layout; ingress named ports resolved on other ports, and egress named ports, keep their own (rows.ts layoutOf)", () => {
  // Namespaces a and b with the same three policies; a's server declares `web` on 8080, b's on 9090.
  const pod = (ns: string, name: string, app: string, ip: string, web?: number) =>
    `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name}, namespace: ${ns}, labels: { app: ${app} } }\nspec: { containers: [{ name: c, image: x${web ? `, ports: [{ name: web, containerPort: ${web} }]` : ""} }] }\nstatus: { podIP: ${ip} }`;
  const policies = (ns: string) => [
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: plain, namespace: ${ns} }\nspec:\n  podSelector: { matchLabels: { app: client } }\n  policyTypes: [Ingress]\n  ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: TCP, port: 80 }, { protocol: UDP, port: 53, endPort: 60 }] }]`,
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: named, namespace: ${ns} }\nspec:\n  podSelector: { matchLabels: { app: server } }\n  policyTypes: [Ingress]\n  ingress: [{ from: [{ podSelector: {} }], ports: [{ port: web }] }]`,
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: out, namespace: ${ns} }\nspec:\n  podSelector: { matchLabels: { app: client } }\n  policyTypes: [Egress]\n  egress: [{ ports: [{ port: web }] }]`,
  ];
  const yaml = [
    twoNamespaces("n: a", "n: b"),
    pod("a", "server", "server", "10.0.0.1", 8080), pod("a", "client", "client", "10.0.0.2"),
    pod("b", "server", "server", "10.0.1.1", 9090), pod("b", "client", "client", "10.0.1.2"),
    ...policies("a"), ...policies("b"),
  ].join("\n---\n");
  const engine = engineFor(yaml);
  const fast = new FastConnectivity(engine);
  const part = (ns: string, name: string) => fast.signatures.find((s) => s.users > 0 && s.tiers.namespace.length === 1 && s.tiers.namespace[0].namespace === ns && s.tiers.namespace[0].name === name)!;
  assert.equal(part("a", "plain").layout, part("b", "plain").layout, "the same rules' ports: one layout");
  assert.notEqual(part("a", "named").layout, part("b", "named").layout, "`web` is 8080 on one server, 9090 on the other");
  assert.notEqual(part("a", "out").layout, part("b", "out").layout, "egress named ports: laid out per part");
  assertAgree(fast, podsAnd(engine.inventory, "192.0.2.1"), "shared layouts");
  const by = (ns: string, name: string) => ({ endpoint: engine.inventory.endpoints.find((e) => e.namespace === ns && e.name === name)! });
  assert.equal(formatConns(fast.conns(by("a", "client"), by("a", "server"))), "TCP 8080");
  assert.equal(formatConns(fast.conns(by("b", "client"), by("b", "server"))), "TCP 9090");
  assert.equal(formatConns(fast.conns(by("b", "server"), by("b", "client"))), "TCP 80,UDP 53-60");
});
