// Property: for random common-API L7 policies, compiling to Istio and evaluating the result answers
// every boundary request (compile --target istio --verify) as evaluating the policies does. Policies
// the target refuses (an error naming the rule) are skipped; enough of them must compile.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { cli, tempFiles } from "../helpers.js";
import { WORLD } from "./istio-world.js";

const peer = fc.constantFrom(
  "{namespaces: {matchLabels: {team: web}}}", "{serviceAccounts: [batch]}", "{namespaces: '*', serviceAccounts: [admin]}",
  "{principals: [cluster.local/ns/other/sa/tool]}", "{cidrs: [10.0.1.0/24]}", "{cidrs: [10.0.0.0/16], except: [10.0.1.2/32]}",
);
const path = fc.constantFrom("{exact: /a}", "{prefix: /api}", "{template: \"/o/{*}\"}", "{template: \"/f/{**}\"}", "{exact: /}");
const entry = fc.record({
  methods: fc.option(fc.subarray(["GET", "POST", "DELETE"], { minLength: 1 }), { nil: undefined }),
  paths: fc.option(fc.array(path, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  headers: fc.option(fc.constantFrom("[X-T]", "[\"X-T: 1\"]"), { nil: undefined }),
}).map((e) => `{${[e.methods && `methods: [${e.methods.join(", ")}]`, e.paths && `paths: [${e.paths.join(", ")}]`, e.headers && `headers: ${e.headers}`].filter(Boolean).join(", ")}}`);
const http = fc.option(fc.array(entry, { minLength: 1, maxLength: 2 }).map((es) => `[${es.join(", ")}]`), { nil: undefined });
const rule = (action: string) => fc.record({
  peers: fc.option(fc.array(peer, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  ports: fc.constantFrom(undefined, "[{port: 8080}]", "[{port: http}]"), http,
}).map((r) => `  - {action: ${action}${r.peers ? `, from: [${r.peers.join(", ")}]` : ""}${r.ports ? `, ports: ${r.ports}` : ""}${r.http ? `, http: ${r.http}` : ""}}`);

const namespacePolicy = fc.record({
  subject: fc.constantFrom("{}", "{workloads: {matchLabels: {app: api}}}"),
  denies: fc.array(rule("Deny"), { maxLength: 1 }), allows: fc.array(rule("Allow"), { maxLength: 3 }),
}).map((p) => `apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  tier: Namespace\n  subject: ${p.subject}\n  ingress:${p.denies.length + p.allows.length ? `\n${[...p.denies, ...p.allows].join("\n")}` : " []"}\n`);
const adminPolicy = fc.option(rule("Deny").map((r) => `apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: guard}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}\n  ingress:\n${r}\n`), { nil: undefined });

test("property: compile --target istio then evaluate = evaluate, per boundary request, for random common-API L7 policies", async () => {
  let compiled = 0, runs = 0;
  await fc.assert(fc.asyncProperty(namespacePolicy, adminPolicy, async (ns, admin) => {
    runs++;
    const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "policy.yaml": [admin, ns].filter(Boolean).join("---\n") });
    try {
      const r = await cli(["compile", "-f", dir, "--target", "istio", "--verify"]);
      if (r.code === 2 && /cannot be expressed by --target istio/.test(r.err)) return;
      compiled++;
      assert.equal(r.code, 0, `${r.err}\n${ns}\n${admin ?? ""}`);
      assert.match(r.err, /verify: equivalent per request/);
    } finally { cleanup(); }
  }), { numRuns: 15, seed: 20261205 });
  assert.ok(compiled >= runs / 2, `only ${compiled} of ${runs} random policies compiled`);
});
