// Calico's Pass across tiers. felix rules/endpoints.go endpointIptablesChain renders, per tier with a
// policy for the endpoint, "Start of tier NAME" (the pass mark cleared), then each policy "If a previous
// policy/group didn't set the "pass" mark, jump to the policy", then "End of tier NAME. Drop if no
// policies passed packet" (not for a tier of defaultAction Pass), and after every tier the profiles
// ("Drop if no profiles matched"). So a Pass skips the rest of its own tier only. Calico's tiers before
// `default` share the model's Admin tier (after it, the Baseline tier): a Pass went on at the next model
// tier, past every later Calico tier there, and past the AdminNetworkPolicies (Calico's kube-admin
// tier, 3.30+) for a tier before them: a later tier's Deny was missed (a wrong allow), only warned.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, engineFor, load, verdict } from "../helpers.js";
import { withPolicies } from "../fixtures/e2e-model.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { assertAgree, podsAnd } from "../engine/fast-agree.js";

const calico = (kind: string, name: string, spec: string, namespace?: string) =>
  `apiVersion: projectcalico.org/v3\nkind: ${kind}\nmetadata: {name: ${name}${namespace ? `, namespace: '${namespace}'` : ""}}\nspec:\n${spec}`;
const tier = (name: string, order: number, defaultAction?: string) => calico("Tier", name, `  order: ${order}${defaultAction ? `\n  defaultAction: ${defaultAction}` : ""}`);
const gnp = (name: string, t: string, ...rules: string[]) => calico("GlobalNetworkPolicy", `${t}.${name}`, `  tier: ${t}\n  selector: pod == 'a'\n  ingress:\n${rules.map((r) => `  - ${r}`).join("\n")}`);
const anp = (name: string, priority: number, action: string, ns: string) =>
  `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n  priority: ${priority}\n  subject: {namespaces: {matchLabels: {ns: x}}}\n  ingress:\n  - {action: ${action}, from: [{namespaces: {matchLabels: {ns: '${ns}'}}}]}`;

/** The plain evaluator's answer, after checking the fast engine gives the same for every pair of pods. */
function engine(yaml: string): PolicyEngine {
  const e = engineFor(yaml);
  const fast = new FastConnectivity(new PolicyEngine(e.inventory, DEFAULT_OPTIONS));
  assertAgree(fast, podsAnd(e.inventory, "192.0.2.9"), "fast engine vs plain evaluator");
  return e;
}

test("a Pass in one Calico tier goes on at the next tier: its Deny decides (was allowed)", () => {
  const e = engine(withPolicies(tier("ta", 100), tier("tb", 200),
    gnp("pass", "ta", "{action: Pass, source: {namespaceSelector: \"ns == 'y'\"}}", "{action: Allow}"),
    gnp("deny", "tb", "{action: Deny, source: {namespaceSelector: \"ns == 'y'\"}}", "{action: Allow}")));
  assert.equal(verdict(e, "y/b", "x/a", 80), "deny", "passed by ta, denied by tb");
  assert.equal(verdict(e, "z/b", "x/a", 80), "allow", "allowed by ta");
  // No diagnostics about it any more: it is answered as felix does.
  assert.deepEqual(load({ "t.yaml": withPolicies(tier("ta", 100), tier("tb", 200), gnp("p", "ta", "{action: Pass}"), gnp("d", "tb", "{action: Deny}")) }).diagnostics.items.filter((d) => d.code === "vendor-tier"), []);
});

test("the next tier's end of tier: Deny when it selects and nothing matches, not with defaultAction Pass", () => {
  const rules = [gnp("pass", "ta", "{action: Pass}"), gnp("other", "tb", "{action: Allow, source: {namespaceSelector: \"ns == 'z'\"}}")];
  const deny = engine(withPolicies(tier("ta", 100), tier("tb", 200), ...rules));
  assert.equal(verdict(deny, "y/b", "x/a", 80), "deny", "tb's end of tier");
  assert.equal(verdict(deny, "z/b", "x/a", 80), "allow");
  const pass = engine(withPolicies(tier("ta", 100), tier("tb", 200, "Pass"), ...rules));
  assert.equal(verdict(pass, "y/b", "x/a", 80), "allow", "tb passes: the profile kns.x allows");
  // Three tiers: a Pass in each of the first two, the third denies.
  const three = engine(withPolicies(tier("ta", 100), tier("tb", 200), tier("tc", 300),
    gnp("pass", "ta", "{action: Pass}"), gnp("pass", "tb", "{action: Pass}"), gnp("deny", "tc", "{action: Deny, source: {namespaceSelector: \"ns == 'y'\"}}", "{action: Allow}")));
  assert.equal(verdict(three, "y/b", "x/a", 80), "deny");
  assert.equal(verdict(three, "z/b", "x/a", 80), "allow");
});

test("AdminNetworkPolicies are Calico's kube-admin tier: a Pass on either side goes on at the next tier", () => {
  // Tier early (100) before kube-admin (1000): its Pass reaches the ANPs (it went past them to default).
  const before = engine(withPolicies(tier("early", 100), gnp("pass", "early", "{action: Pass}"), anp("deny-y", 10, "Deny", "y")));
  assert.equal(verdict(before, "y/b", "x/a", 80), "deny", "passed by early, denied by the ANP");
  assert.equal(verdict(before, "z/b", "x/a", 80), "allow");
  // An ANP's Pass reaches tier late (2000), between kube-admin and default (it went on at default).
  const after = engine(withPolicies(tier("late", 2000), anp("pass-y", 10, "Pass", "y"),
    gnp("deny", "late", "{action: Deny, source: {namespaceSelector: \"ns == 'y'\"}}", "{action: Allow}")));
  assert.equal(verdict(after, "y/b", "x/a", 80), "deny", "passed by the ANP, denied by tier late");
  // Without Calico tiers a Pass still goes on at the NetworkPolicy tier (one group).
  const plain = engine(withPolicies(anp("pass-y", 10, "Pass", "y"), anp("deny-y", 20, "Deny", "y")));
  assert.equal(verdict(plain, "y/b", "x/a", 80), "allow", "ANP Pass skips every later ANP");
});

test("a Pass in the last tier reaches the profiles: a host endpoint without one is denied, a pod allowed", () => {
  const node = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.2}]}";
  const hep = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0, labels: {hep: 'yes'}}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [172.18.0.2]}";
  const last = calico("GlobalNetworkPolicy", "last.pass", "  tier: last\n  selector: has(hep) || pod == 'a'\n  ingress: [{action: Pass}]");
  const e = engine(withPolicies(node, hep, tier("last", 20_000_000), last));
  assert.equal(verdict(e, "y/b", "node:n1", 80), "deny", "felix: \"Drop if no profiles matched\"");
  assert.equal(verdict(e, "y/b", "node:n1", 22), "allow", "felix's failsafe port");
  assert.equal(verdict(e, "y/b", "x/a", 22), "allow", "the pod's profile kns.x allows");
});

test("explain names the tiers a Pass ended", async () => {
  const yaml = withPolicies(tier("ta", 100), tier("tb", 200), gnp("pass", "ta", "{action: Pass}"), gnp("deny", "tb", "{action: Deny}"));
  const r = await cli(["explain", "-f", "-", "--from", "y/b", "--to", "x/a", "--port", "80"], yaml);
  assert.match(r.out, /passed by Calico GlobalNetworkPolicy ta\.pass, ingress rule 0 \(<stdin>:\d+\): Calico tier ta ends, the next tier goes on/);
  assert.match(r.out, /denied by Calico GlobalNetworkPolicy tb\.deny, ingress rule 0 .*\[admin tier, Calico tier tb\]/);
  const j = await cli(["explain", "-f", "-", "--from", "y/b", "--to", "x/a", "--port", "80", "-o", "json"], yaml);
  const pair = (JSON.parse(j.out) as { pairs: { ingress: { passed: { tierGroup?: string }[] } }[] }).pairs[0];
  assert.deepEqual(pair.ingress.passed.map((p) => p.tierGroup), ["ta"]);
});

// An AdminNetworkPolicy's Pass and a TrafficPolicy's go on at the next tier: a Calico Pass with later
// Calico tiers in its model tier cannot be written as one (it was, silently skipping those tiers).
test("convert: a Pass between Calico tiers is a problem for the Admin APIs and the common API", async () => {
  const yaml = withPolicies(tier("ta", 100), tier("tb", 200), gnp("pass", "ta", "{action: Pass}"), gnp("deny", "tb", "{action: Deny}"));
  for (const to of ["k8s", "common"]) {
    const r = await cli(["convert", "policy", "-f", "-", "--to", to], yaml);
    assert.match(r.out + r.err, /the Pass goes on at Calico tier tb before the next tier/, to);
  }
  const alone = await cli(["convert", "policy", "-f", "-", "--to", "k8s"], withPolicies(tier("ta", 100), gnp("pass", "ta", "{action: Pass}")));
  assert.doesNotMatch(alone.out + alone.err, /Pass between Calico tiers|goes on at Calico tier/, "no later tier: the ANP's Pass says it");
});
