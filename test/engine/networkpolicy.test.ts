// NetworkPolicy (networking.k8s.io/v1) semantics, each case pinned to the upstream behaviour
// (Kubernetes NetworkPolicy e2e tests, API server defaulting) it encodes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, verdict } from "../helpers.js";
import { withPolicies, E2E_PODS } from "../fixtures/e2e-model.js";
import type { PolicyEngine } from "../../src/engine/verdict.js";

const np = (name: string, ns: string, spec: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: '${ns}'}\nspec:\n${spec}`;

/** The set of pods allowed to reach `to` on port/protocol. */
function sources(e: PolicyEngine, to: string, port = 80, proto: "TCP" | "UDP" | "SCTP" = "TCP"): string[] {
  return E2E_PODS.filter((from) => from !== to && verdict(e, from, to, port, proto) === "allow");
}

test("no policy: everything is allowed (Kubernetes default)", () => {
  const e = engineFor(withPolicies());
  assert.equal(sources(e, "x/a").length, 8);
});

test("default-deny ingress isolates every pod of the namespace; other namespaces unaffected", () => {
  const e = engineFor(withPolicies(np("deny", "x", "  podSelector: {}\n  policyTypes: [Ingress]")));
  for (const p of ["x/a", "x/b", "x/c"]) assert.deepEqual(sources(e, p), []);
  assert.equal(sources(e, "y/a").length, 8);
  // Egress is not affected: x/a can still reach y/b.
  assert.equal(verdict(e, "x/a", "y/b", 80), "allow");
});

test("policyTypes defaults: Ingress always; Egress only when spec.egress has rules", () => {
  // egress: [] without policyTypes does not make an egress policy (API server defaulting).
  const e1 = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  egress: []")));
  assert.equal(verdict(e1, "x/a", "y/b", 80), "allow", "egress [] without policyTypes: not isolated for egress");
  assert.equal(verdict(e1, "y/b", "x/a", 80), "deny", "no ingress rules: isolated for ingress");
  // A non-empty egress list without policyTypes adds Egress.
  const e2 = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  egress:\n  - to: [{podSelector: {matchLabels: {pod: b}}}]")));
  assert.equal(verdict(e2, "x/a", "x/b", 80), "allow");
  assert.equal(verdict(e2, "x/a", "x/c", 80), "deny");
});

test("empty rule list isolates; a rule with missing from/ports allows everything", () => {
  const deny = engineFor(withPolicies(np("p", "x", "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: []")));
  assert.deepEqual(sources(deny, "x/a"), []);
  const allowAll = engineFor(withPolicies(np("p", "x", "  podSelector: {}\n  ingress:\n  - {}")));
  assert.equal(sources(allowAll, "x/a").length, 8);
  assert.equal(verdict(allowAll, "z/c", "x/a", 81, "UDP"), "allow");
});

test("podSelector alone selects the policy's own namespace only", () => {
  const e = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{podSelector: {}}]")));
  assert.deepEqual(sources(e, "x/a"), ["x/b", "x/c"]);
});

test("namespaceSelector {} alone selects every pod of every namespace", () => {
  const e = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{namespaceSelector: {}}]")));
  assert.equal(sources(e, "x/a").length, 8);
});

test("podSelector and namespaceSelector in one peer are ANDed; in two peers they are ORed", () => {
  const and = engineFor(withPolicies(np("p", "x", [
    "  podSelector: {matchLabels: {pod: a}}", "  ingress:", "  - from:",
    "    - namespaceSelector: {matchLabels: {ns: 'y'}}", "      podSelector: {matchLabels: {pod: b}}",
  ].join("\n"))));
  assert.deepEqual(sources(and, "x/a"), ["y/b"]);
  const or = engineFor(withPolicies(np("p", "x", [
    "  podSelector: {matchLabels: {pod: a}}", "  ingress:", "  - from:",
    "    - namespaceSelector: {matchLabels: {ns: 'y'}}", "    - podSelector: {matchLabels: {pod: b}}",
  ].join("\n"))));
  assert.deepEqual(sources(or, "x/a"), ["x/b", "y/a", "y/b", "y/c"]);
});

test("matchExpressions on the default namespace label kubernetes.io/metadata.name", () => {
  const e = engineFor(withPolicies(np("p", "x", [
    "  podSelector: {matchLabels: {pod: a}}", "  ingress:", "  - from:",
    "    - namespaceSelector:", "        matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [x, 'y']}]",
  ].join("\n"))));
  assert.deepEqual(sources(e, "x/a"), ["z/a", "z/b", "z/c"]);
});

test("a port with only a protocol allows every port of that protocol and nothing else", () => {
  const e = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{protocol: TCP}]")));
  assert.equal(verdict(e, "y/b", "x/a", 81), "allow");
  assert.equal(verdict(e, "y/b", "x/a", 80, "UDP"), "deny");
});

test("omitted port protocol means TCP; UDP- or SCTP-only rules never admit TCP", () => {
  const e = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{port: 80}]")));
  assert.equal(verdict(e, "y/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "y/b", "x/a", 80, "UDP"), "deny");
  const sctp = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{protocol: SCTP, port: 80}]")));
  assert.equal(verdict(sctp, "y/b", "x/a", 80, "SCTP"), "allow");
  assert.equal(verdict(sctp, "y/b", "x/a", 80, "TCP"), "deny", "a pod selected only by an SCTP rule is isolated for TCP");
});

test("endPort makes an inclusive range", () => {
  const e = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{port: 80, endPort: 90}]")));
  assert.equal(verdict(e, "y/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "y/b", "x/a", 90), "allow");
  assert.equal(verdict(e, "y/b", "x/a", 91), "deny");
  assert.equal(verdict(e, "y/b", "x/a", 79), "deny");
});

test("named ports resolve on the destination pod, for ingress and egress rules alike", () => {
  const ingress = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{port: serve-81-tcp}]")));
  assert.equal(verdict(ingress, "y/b", "x/a", 81), "allow");
  assert.equal(verdict(ingress, "y/b", "x/a", 80), "deny");
  // The protocol of a named NP port defaults to TCP and must match the container port's.
  assert.equal(verdict(ingress, "y/b", "x/a", 81, "UDP"), "deny");
  const egress = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: serve-80-tcp}]")));
  assert.equal(verdict(egress, "x/a", "z/c", 80), "allow", "every pod names port 80 serve-80-tcp");
  assert.equal(verdict(egress, "x/a", "z/c", 81), "deny");
});

test("a named port the destination does not declare matches nothing", () => {
  const e = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - ports: [{port: no-such}]")));
  assert.deepEqual(sources(e, "x/a"), []);
});

test("ipBlock matches pod IPs, and except carves addresses out", () => {
  // y/b is 10.0.2.2: a /32 allow admits that pod from another namespace.
  const one = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{ipBlock: {cidr: 10.0.2.2/32}}]")));
  assert.deepEqual(sources(one, "x/a"), ["y/b"]);
  const except = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.0/24]}}]")));
  assert.equal(verdict(except, "x/a", "z/b", 80), "allow");
  assert.equal(verdict(except, "x/a", "y/b", 80), "deny");
  assert.equal(verdict(except, "x/a", "ip:192.168.1.1", 443), "deny");
});

test("a CIDR written with host bits set is treated as its network", () => {
  const e = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{ipBlock: {cidr: 10.0.3.77/24}}]")));
  assert.deepEqual(sources(e, "x/a"), ["z/a", "z/b", "z/c"]);
});

test("both the source's egress and the destination's ingress must allow", () => {
  const e = engineFor(withPolicies(
    np("deny-egress", "y", "  podSelector: {}\n  policyTypes: [Egress]"),
    np("allow-in", "x", "  podSelector: {}\n  ingress: [{}]"),
  ));
  assert.equal(verdict(e, "y/a", "x/a", 80), "deny", "the client side denies even though the server allows");
  assert.equal(verdict(e, "z/a", "x/a", 80), "allow");
});

test("policies add up: an allow-all added to a restrictive policy wins", () => {
  const restrictive = np("only-b", "x", "  podSelector: {}\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: b}}}]");
  const e1 = engineFor(withPolicies(restrictive));
  assert.deepEqual(sources(e1, "x/a"), ["x/b"]);
  const e2 = engineFor(withPolicies(restrictive, np("all", "x", "  podSelector: {}\n  ingress: [{}]")));
  assert.equal(sources(e2, "x/a").length, 8);
});

test("ingress and egress isolation are independent", () => {
  const e = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {pod: b}}}]")));
  assert.equal(verdict(e, "x/a", "x/b", 80), "allow");
  assert.equal(verdict(e, "x/a", "x/c", 80), "deny");
  assert.equal(verdict(e, "x/c", "x/a", 80), "allow", "x/a is not isolated for ingress");
});

test("label changes change the outcome (policies are evaluated against current labels)", () => {
  const policy = np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: blue}}}]");
  const before = engineFor(withPolicies(policy));
  assert.deepEqual(sources(before, "x/a"), []);
  const after = engineFor(withPolicies(policy).replace("name: 'y'\n  labels: {ns: 'y'}", "name: 'y'\n  labels: {ns: 'y', team: blue}"));
  assert.deepEqual(sources(after, "x/a"), ["y/a", "y/b", "y/c"]);
});

test("the verdict names the policy and rule that decided, or the isolation", () => {
  const e = engineFor(withPolicies(np("p", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: b}}}]\n  - from: [{podSelector: {matchLabels: {pod: c}}}]")));
  const [a, c, z] = ["x/a", "x/c", "z/c"].map((n) => e.inventory.endpoints.find((x) => `${x.namespace}/${x.name}` === n)!);
  const ok = e.evaluate({ src: { endpoint: c }, dst: { endpoint: a }, protocol: "TCP", port: 80 });
  assert.equal(ok.ingress.by, "rule");
  assert.equal(ok.ingress.policy?.name, "p");
  assert.equal(ok.ingress.rule?.index, 1);
  assert.equal(ok.egress.by, "default");
  const no = e.evaluate({ src: { endpoint: z }, dst: { endpoint: a }, protocol: "TCP", port: 80 });
  assert.equal(no.ingress.by, "isolation");
  assert.deepEqual(no.ingress.selecting.map((p) => p.name), ["p"]);
});
