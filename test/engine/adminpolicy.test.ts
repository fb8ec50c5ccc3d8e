// AdminNetworkPolicy / BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2)
// semantics, each pinned to the network-policy-api conformance behaviour it encodes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, load, verdict } from "../helpers.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { withPolicies } from "../fixtures/e2e-model.js";

const anp = (name: string, priority: number, body: string) =>
  `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n  priority: ${priority}\n${body}`;
const banp = (body: string) =>
  `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n${body}`;
const np = (name: string, ns: string, spec: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: '${ns}'}\nspec:\n${spec}`;
const cnp = (name: string, tier: string, priority: number, body: string) =>
  `apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n  tier: ${tier}\n  priority: ${priority}\n${body}`;

const SUBJECT_XA = "  subject:\n    pods:\n      namespaceSelector: {matchLabels: {ns: x}}\n      podSelector: {matchLabels: {pod: a}}";
const fromNs = (action: string, ns: string, extra = "") =>
  `  - action: ${action}\n    from:\n    - namespaces: {matchLabels: {ns: '${ns}'}}${extra}`;

test("lower priority number wins: 99 Allow beats 100 Deny; 100 Deny beats 101 Allow", () => {
  const e = engineFor(withPolicies(
    anp("allow99", 99, `${SUBJECT_XA}\n  ingress:\n${fromNs("Allow", "y")}`),
    anp("deny100", 100, `${SUBJECT_XA}\n  ingress:\n${fromNs("Deny", "y")}\n${fromNs("Deny", "z")}`),
    anp("allow101", 101, `${SUBJECT_XA}\n  ingress:\n${fromNs("Allow", "z")}`),
  ));
  assert.equal(verdict(e, "y/a", "x/a", 80), "allow");
  assert.equal(verdict(e, "z/a", "x/a", 80), "deny");
});

test("within one policy the first matching rule decides (rule order matters)", () => {
  const allowFirst = engineFor(withPolicies(anp("p", 10, `${SUBJECT_XA}\n  ingress:\n${fromNs("Allow", "y")}\n${fromNs("Deny", "y")}`)));
  assert.equal(verdict(allowFirst, "y/a", "x/a", 80), "allow");
  const denyFirst = engineFor(withPolicies(anp("p", 10, `${SUBJECT_XA}\n  ingress:\n${fromNs("Deny", "y")}\n${fromNs("Allow", "y")}`)));
  assert.equal(verdict(denyFirst, "y/a", "x/a", 80), "deny");
});

test("Pass skips every remaining ANP and goes to NetworkPolicy, then BANP", () => {
  const pass = anp("pass", 10, `${SUBJECT_XA}\n  ingress:\n${fromNs("Pass", "y")}`);
  const laterAllow = anp("allow", 20, `${SUBJECT_XA}\n  ingress:\n${fromNs("Allow", "y")}`);
  const banpDeny = banp(`  subject: {namespaces: {}}\n  ingress:\n${fromNs("Deny", "y")}`);
  // Pass, no NP, BANP deny => deny (the later ANP Allow is not consulted).
  assert.equal(verdict(engineFor(withPolicies(pass, laterAllow, banpDeny)), "y/a", "x/a", 80), "deny");
  // Pass, NP allows => allow (NP decides; BANP not consulted).
  const npAllow = np("allow-y", "x", "  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {ns: 'y'}}}]");
  assert.equal(verdict(engineFor(withPolicies(pass, banpDeny, npAllow)), "y/a", "x/a", 80), "allow");
  // Pass, nothing else => Kubernetes default allow.
  assert.equal(verdict(engineFor(withPolicies(pass)), "y/a", "x/a", 80), "allow");
});

test("ANP Deny beats a NetworkPolicy allow; ANP Allow beats NetworkPolicy isolation", () => {
  const npAllowAll = np("all", "x", "  podSelector: {}\n  ingress: [{}]");
  const deny = anp("deny", 10, `${SUBJECT_XA}\n  ingress:\n${fromNs("Deny", "y")}`);
  assert.equal(verdict(engineFor(withPolicies(npAllowAll, deny)), "y/a", "x/a", 80), "deny");
  // An NP that allows only UDP/80 does not block TCP that an ANP allows.
  const npUdp = np("udp", "x", "  podSelector: {}\n  ingress:\n  - ports: [{protocol: UDP, port: 80}]");
  const allow = anp("allow", 10, `${SUBJECT_XA}\n  ingress:\n${fromNs("Allow", "y")}`);
  const e = engineFor(withPolicies(npUdp, allow));
  assert.equal(verdict(e, "y/a", "x/a", 81), "allow");
  assert.equal(verdict(e, "z/a", "x/a", 81), "deny", "not matched by the ANP: NetworkPolicy isolation applies");
});

test("NetworkPolicy isolation ends the evaluation before the BANP (an NP allow beats a BANP deny-all)", () => {
  const denyAll = banp(`  subject: {namespaces: {}}\n  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]`);
  const e = engineFor(withPolicies(denyAll, np("allow-y", "x", "  podSelector: {matchLabels: {pod: a}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {ns: 'y'}}}]")));
  assert.equal(verdict(e, "y/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "z/b", "x/a", 80), "deny", "isolated by the NP; the BANP is not consulted");
  assert.equal(verdict(e, "z/b", "x/b", 80), "deny", "no NP selects x/b: the BANP decides");
});

test("BANP: first matching rule decides; no match means allowed", () => {
  const e = engineFor(withPolicies(banp(`  subject: {namespaces: {matchLabels: {ns: x}}}\n  ingress:\n${fromNs("Allow", "y")}\n  - action: Deny\n    from: [{namespaces: {}}]`)));
  assert.equal(verdict(e, "y/a", "x/a", 80), "allow");
  assert.equal(verdict(e, "z/a", "x/a", 80), "deny");
  assert.equal(verdict(e, "z/a", "y/a", 80), "allow", "y is not a subject");
});

test("ANP ports: portNumber without protocol is TCP; portRange is inclusive; namedPort resolves on the destination", () => {
  const ports = (p: string) => engineFor(withPolicies(anp("p", 10, `${SUBJECT_XA}\n  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    ports:\n    - ${p}`)));
  const num = ports("portNumber: {port: 80}");
  assert.equal(verdict(num, "y/a", "x/a", 80), "deny");
  assert.equal(verdict(num, "y/a", "x/a", 80, "UDP"), "allow");
  const range = ports("portRange: {protocol: UDP, start: 80, end: 81}");
  assert.equal(verdict(range, "y/a", "x/a", 81, "UDP"), "deny");
  assert.equal(verdict(range, "y/a", "x/a", 82, "UDP"), "allow");
  const named = ports("namedPort: serve-81-udp");
  assert.equal(verdict(named, "y/a", "x/a", 81, "UDP"), "deny", "protocol comes from the container port");
  assert.equal(verdict(named, "y/a", "x/a", 81, "TCP"), "allow");
});

test("ANP networks match pod IPs too: 0.0.0.0/0 Deny blocks pod-to-pod egress", () => {
  const e = engineFor(withPolicies(anp("p", 10, `  subject: {namespaces: {matchLabels: {ns: x}}}\n  egress:\n  - action: Deny\n    to: [{networks: [0.0.0.0/0]}]`)));
  assert.equal(verdict(e, "x/a", "y/a", 80), "deny");
  assert.equal(verdict(e, "x/a", "ip:8.8.8.8", 53, "UDP"), "deny");
  assert.equal(verdict(e, "y/a", "x/a", 80), "allow");
});

test("ANP nodes peers match node IPs, hence host-network pods", () => {
  const nodes = [
    "apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {kubernetes.io/os: linux}}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.2}]}",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: host, namespace: z, labels: {app: host}}\nspec: {hostNetwork: true, nodeName: n1, containers: [{name: c, ports: [{containerPort: 36363}]}]}\nstatus: {podIP: 172.18.0.2, hostIP: 172.18.0.2}",
  ];
  const policy = anp("p", 10, `${SUBJECT_XA}\n  egress:\n  - action: Allow\n    to: [{nodes: {matchLabels: {kubernetes.io/os: linux}}}]\n    ports: [{portNumber: {port: 36363}}]\n  - action: Deny\n    to: [{nodes: {}}]`);
  const e = engineFor(withPolicies(...nodes, policy));
  assert.equal(verdict(e, "x/a", "node:n1", 36363), "allow");
  assert.equal(verdict(e, "x/a", "node:n1", 22), "deny");
  assert.equal(verdict(e, "x/a", "z/host", 36364), "deny", "a host-network pod is its node's traffic");
  assert.equal(verdict(e, "x/a", "z/host", 36363), "allow");
});

test("ANP subject by namespaces selects every pod of them; peers 'pods' need both selectors", () => {
  const e = engineFor(withPolicies(anp("p", 10, `  subject: {namespaces: {matchLabels: {ns: x}}}\n  ingress:\n  - action: Deny\n    from:\n    - pods:\n        namespaceSelector: {matchLabels: {ns: 'y'}}\n        podSelector: {matchLabels: {pod: b}}`)));
  assert.equal(verdict(e, "y/b", "x/c", 80), "deny");
  assert.equal(verdict(e, "y/a", "x/c", 80), "allow");
});

test("two ANPs at the same priority matching with different actions: answer by name, with a warning", () => {
  const a = anp("a-allow", 10, `${SUBJECT_XA}\n  ingress:\n${fromNs("Allow", "y")}`);
  const b = anp("b-deny", 10, `${SUBJECT_XA}\n  ingress:\n${fromNs("Deny", "y")}`);
  const e = engineFor(withPolicies(a, b));
  const [ya, xa] = ["y/a", "x/a"].map((n) => e.inventory.endpoints.find((x) => `${x.namespace}/${x.name}` === n)!);
  const v = e.evaluate({ src: { endpoint: ya }, dst: { endpoint: xa }, protocol: "TCP", port: 80 });
  assert.equal(v.allowed, true, "a-allow sorts first by name");
  assert.ok(v.warnings.some((w) => w.code === "same-priority"), "warns that upstream leaves the order undefined");
  assert.equal(verdict(engineFor(withPolicies(a, b), { samePriority: "deny-first" }), "y/a", "x/a", 80), "deny");
});

test("ClusterNetworkPolicy: Admin and Baseline tiers, Accept/Deny/Pass, protocols", () => {
  const admin = cnp("admin", "Admin", 5, `  subject: {namespaces: {matchLabels: {ns: x}}}\n  ingress:\n  - action: Pass\n    from: [{namespaces: {matchLabels: {ns: 'y'}}}]\n  - action: Accept\n    from: [{namespaces: {matchLabels: {ns: z}}}]\n    protocols: [{tcp: {destinationPort: {number: 80}}}]`);
  const baseline = cnp("baseline", "Baseline", 5, `  subject: {namespaces: {}}\n  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]`);
  const e = engineFor(withPolicies(admin, baseline));
  assert.equal(verdict(e, "y/a", "x/a", 80), "deny", "Pass goes to the baseline, which denies");
  assert.equal(verdict(e, "z/a", "x/a", 80), "allow", "Accept");
  assert.equal(verdict(e, "z/a", "x/a", 81), "deny", "not accepted on 81: baseline deny");
  const range = engineFor(withPolicies(cnp("r", "Admin", 1, `  subject: {namespaces: {}}\n  egress:\n  - action: Deny\n    to: [{namespaces: {}}]\n    protocols: [{udp: {destinationPort: {range: {start: 80, end: 81}}}}]`)));
  assert.equal(verdict(range, "x/a", "y/a", 81, "UDP"), "deny");
  assert.equal(verdict(range, "x/a", "y/a", 81, "TCP"), "allow");
});

test("CNP domainNames peers cannot match an address flow (they are resolved by the data plane)", () => {
  const e = engineFor(withPolicies(cnp("d", "Admin", 1, `  subject: {namespaces: {}}\n  egress:\n  - action: Accept\n    to: [{domainNames: ["*.example.com"]}]\n  - action: Deny\n    to: [{networks: [0.0.0.0/0]}]`)));
  assert.equal(verdict(e, "x/a", "ip:93.184.216.34", 443), "deny");
});

// apis/v1alpha1/shared_types.go (and v1alpha2's ClusterNetworkPolicyIngressPeer): a peer with none of
// the fields the implementation knows means a newer CRD; "it should fail closed. For Allow rules,
// fail closed means: treat the rule as matching no traffic. For Deny and Pass rules: treat the rule
// as a 'Deny all' rule." The unknown field is an error; --lenient reads the rule that way.
test("a peer with only unknown fields fails closed: Allow matches nothing, Deny and Pass deny everything", () => {
  const lenient = (...docs: string[]) => {
    const l = load({ "p.yaml": withPolicies(...docs) });
    assert.match(l.diagnostics.errors.map((d) => d.message).join("\n"), /unknown field "futurePeer"/);
    return new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  };
  const unknownPeer = (action: string) => `  - action: ${action}\n    from:\n    - futurePeer: {}\n    - namespaces: {matchLabels: {ns: 'y'}}`;
  const deny = lenient(anp("d", 10, `${SUBJECT_XA}\n  ingress:\n${unknownPeer("Deny")}`));
  assert.equal(verdict(deny, "z/b", "x/a", 80), "deny", "Deny with an unknown peer denies every source");
  const pass = lenient(anp("p", 10, `${SUBJECT_XA}\n  ingress:\n${unknownPeer("Pass")}`), np("all", "x", "  podSelector: {}\n  ingress: [{}]"));
  assert.equal(verdict(pass, "y/b", "x/a", 80), "deny", "Pass with an unknown peer is a Deny all, not a pass to the NetworkPolicy");
  const allow = lenient(anp("a", 10, `${SUBJECT_XA}\n  ingress:\n${unknownPeer("Allow")}`), np("none", "x", "  podSelector: {}\n  policyTypes: [Ingress]"));
  assert.equal(verdict(allow, "y/b", "x/a", 80), "deny", "Allow with an unknown peer matches nothing, not even the known peer");
  const accept = lenient(cnp("c", "Admin", 10, `${SUBJECT_XA}\n  ingress:\n${unknownPeer("Deny")}`));
  assert.equal(verdict(accept, "z/c", "x/a", 80), "deny", "ClusterNetworkPolicy likewise");
});
