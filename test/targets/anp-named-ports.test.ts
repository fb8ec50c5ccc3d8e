// compile --target k8s writes only AdminNetworkPolicies the CRD accepts: network-policy-api v0.1.7
// refuses a rule with namedPort and networks/nodes/domainNames peers ("networks/nodes/domainNames
// peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames").

import { test } from "node:test";
import assert from "node:assert/strict";
import { compileK8s } from "../../src/targets/k8s/index.js";
import { loadOk } from "../translate-helpers.js";

const policy = (egress: string) => `apiVersion: junction.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: admin-0}
spec:
  tier: Admin
  priority: 0
  subject: {kinds: [Pod], workloads: {}, namespaces: {}}
  egress:
${egress}`;

test("a rule to every destination on a named port compiles to pod peers only (only pods have named ports), numbered ports to every peer", () => {
  const { objects, problems } = compileK8s(loadOk({ "p.yaml": policy("  - {action: Allow, ports: [{port: http}, {protocol: TCP, port: 443}]}\n") }).inventory);
  assert.deepEqual(problems, []);
  const anp = objects.find((o) => (o as { kind: string }).kind === "AdminNetworkPolicy") as { spec: { egress: unknown[] } };
  assert.deepEqual(anp.spec.egress, [
    { action: "Allow", to: [{ namespaces: {} }, { networks: ["0.0.0.0/0", "::/0"] }], ports: [{ portNumber: { protocol: "TCP", port: 443 } }] },
    { action: "Allow", to: [{ namespaces: {} }], ports: [{ namedPort: "http" }] },
  ]);
});

test("a named port with address peers has no AdminNetworkPolicy form: reported, not written", () => {
  const { problems } = compileK8s(loadOk({ "p.yaml": policy("  - {action: Allow, to: [{cidrs: [10.0.0.0/8]}], ports: [{port: http}]}\n") }).inventory);
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /named ports on networks, nodes or domainNames peers/);
});
