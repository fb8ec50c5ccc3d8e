// Property: for random common-API L7 policies, compiling to Cilium and evaluating the result (read
// back by Junction's Cilium front end, evaluated by the same engine) answers every connection and
// every boundary request (compile --target cilium --verify: query strings and dot segments included)
// as evaluating the policies does. Policies the target refuses (an error naming the rule) are
// skipped; enough of them must compile.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { cli, tempFiles } from "../helpers.js";
import { WORLD } from "./cilium-world.js";

const peer = fc.constantFrom(
  "{namespaces: {matchLabels: {team: web}}}", "{serviceAccounts: [batch]}", "{namespaces: '*', serviceAccounts: [admin]}",
  "{principals: [cluster.local/ns/other/sa/tool]}", "{workloads: {matchLabels: {app: front}}, namespaces: '*'}",
  "{cidrs: [192.0.2.0/24], outside: true}",
);
const path = fc.constantFrom("{exact: /a}", "{prefix: /api}", "{template: \"/o/{*}\"}", "{template: \"/f/{**}\"}", "{exact: /}", "{prefix: /}");
/** A path with its query string is a match of its own (the common API does not mix the two in one match). */
const withQuery = "{methods: [GET], paths: [{regex: \"/q\\\\?x=[0-9]+\", query: true}]}";
const entry = fc.record({
  methods: fc.option(fc.subarray(["GET", "POST", "DELETE"], { minLength: 1 }), { nil: undefined }),
  paths: fc.option(fc.array(path, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  hosts: fc.option(fc.constantFrom("[api.shop]", "[\"*.shop\"]"), { nil: undefined }),
  headers: fc.option(fc.constantFrom("[X-T]", "[\"X-T: 1\"]"), { nil: undefined }),
}).map((e) => `{${[e.methods && `methods: [${e.methods.join(", ")}]`, e.paths && `paths: [${e.paths.join(", ")}]`, e.hosts && `hosts: ${e.hosts}`, e.headers && `headers: ${e.headers}`].filter(Boolean).join(", ")}}`);
const http = fc.option(fc.array(fc.oneof({ weight: 5, arbitrary: entry }, { weight: 1, arbitrary: fc.constant(withQuery) }), { minLength: 1, maxLength: 2 }).map((es) => `[${es.join(", ")}]`), { nil: undefined });
const allowRule = fc.record({
  peers: fc.option(fc.array(peer, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  ports: fc.constantFrom("[{port: 8080}]", "[{port: http}]", "[{port: 8080}, {port: 9090}]", undefined), http,
}).map((r) => `  - {action: Allow${r.peers ? `, from: [${r.peers.join(", ")}]` : ""}${r.ports ? `, ports: ${r.ports}` : ""}${r.http ? `, http: ${r.http}` : ""}}`);
const denyRule = fc.record({
  peers: fc.option(fc.array(peer, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  ports: fc.constantFrom("[{port: 8080}]", "[{port: 9090}]", undefined),
}).map((r) => `  - {action: Deny${r.peers ? `, from: [${r.peers.join(", ")}]` : ""}${r.ports ? `, ports: ${r.ports}` : ""}}`);

const namespacePolicy = fc.record({
  subject: fc.constantFrom("{}", "{workloads: {matchLabels: {app: api}}}"),
  denies: fc.array(denyRule, { maxLength: 1 }), allows: fc.array(allowRule, { maxLength: 3 }),
}).map((p) => `apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  tier: Namespace\n  subject: ${p.subject}\n  ingress:${p.denies.length + p.allows.length ? `\n${[...p.denies, ...p.allows].join("\n")}` : " []"}\n`);
const adminPolicy = fc.option(denyRule.map((r) => `apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: guard}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}\n  ingress:\n${r}\n`), { nil: undefined });

test("property: compile --target cilium then evaluate = evaluate, per connection and per boundary request, for random common-API L7 policies", async () => {
  let compiled = 0, runs = 0;
  await fc.assert(fc.asyncProperty(namespacePolicy, adminPolicy, async (ns, admin) => {
    runs++;
    const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "policy.yaml": [admin, ns].filter(Boolean).join("---\n") });
    try {
      const r = await cli(["compile", "-f", dir, "--target", "cilium", "--verify"]);
      if (r.code === 2 && /cannot be expressed by --target cilium/.test(r.err)) return;
      compiled++;
      assert.equal(r.code, 0, `${r.err}\n${ns}\n${admin ?? ""}`);
      assert.match(r.err, /verify: equivalent \(/);
      assert.match(r.err, /verify: (equivalent per request|no policy with request rules)/);
    } finally { cleanup(); }
  }), { numRuns: 20, seed: 20261205 });
  assert.ok(compiled >= runs / 2, `only ${compiled} of ${runs} random policies compiled`);
});
