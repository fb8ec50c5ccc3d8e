// network-policy-api v0.1.7 AdminNetworkPolicy / BaselineAdminNetworkPolicy v1alpha1 (experimental
// channel, schemas/upstream/policy.networking.k8s.io): valid manifests are accepted and the CRDs'
// CEL rules give their own messages.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { Diagnostics } from "../../src/model/source.js";
import { schemaCatalog, validateObject } from "../../src/sources/schema/validate.js";

function schemaErrors(yaml: string): string[] {
  const obj = parse(yaml) as Record<string, unknown>;
  const diags = new Diagnostics();
  validateObject({ apiVersion: String(obj.apiVersion), kind: String(obj.kind), obj, ref: { file: "in.yaml", doc: 0, path: [] } }, diags);
  return diags.items.map((d) => `${(d.field ?? []).join(".")}: ${d.message}`);
}

const ANP = (spec: string) => `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec:\n  priority: 10\n  subject: {namespaces: {matchLabels: {team: a}}}\n${spec}`;
const BANP = (name: string, spec: string) => `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}\n${spec}`;

test("the vendored network-policy-api v0.1.7 schemas cover AdminNetworkPolicy and BaselineAdminNetworkPolicy v1alpha1", () => {
  for (const kind of ["AdminNetworkPolicy", "BaselineAdminNetworkPolicy"]) {
    const s = schemaCatalog().lookup("policy.networking.k8s.io/v1alpha1", kind);
    assert.equal(s?.source.version, "v0.1.7", kind);
  }
});

test("valid AdminNetworkPolicy and BaselineAdminNetworkPolicy manifests are accepted (all peer kinds, port forms, defaults)", () => {
  assert.deepEqual(schemaErrors(ANP(`  ingress:
  - {name: from-monitoring, action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}], ports: [{portNumber: {port: 9090}}]}
  - {action: Pass, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: x}}}}], ports: [{namedPort: http}, {portRange: {start: 1000, end: 2000, protocol: UDP}}]}
  egress:
  - {action: Allow, to: [{domainNames: ["*.example.com", kubernetes.io]}]}
  - {action: Deny, to: [{networks: [10.0.0.0/8, "fd00::/8"]}, {nodes: {matchExpressions: [{key: node-role.kubernetes.io/control-plane, operator: Exists}]}}]}
`)), []);
  assert.deepEqual(schemaErrors(BANP("default", "  egress:\n  - {action: Deny, to: [{networks: [0.0.0.0/0]}]}\n  ingress:\n  - {action: Allow, from: [{namespaces: {}}]}\n")), []);
});

test("the CRDs' CEL rules: isCIDR on networks, no namedPorts with networks/nodes/domainNames peers, the BANP is named default", () => {
  assert.deepEqual(schemaErrors(ANP("  egress:\n  - {action: Deny, to: [{networks: [10.0.0.0/33]}]}\n")), ["spec.egress.0.to.0.networks.0: Invalid CIDR format provided"]);
  assert.deepEqual(schemaErrors(ANP("  egress:\n  - {action: Deny, to: [{nodes: {}}], ports: [{namedPort: http}]}\n")), [
    "spec.egress.0: networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames",
  ]);
  // The rule is written on the object's root, so the API server reports it there.
  assert.deepEqual(schemaErrors(BANP("baseline", "")), [': Only one baseline admin network policy with metadata.name="default" can be created in the cluster']);
  // BANP rules have no Pass, and no domainNames peer.
  assert.equal(schemaErrors(BANP("default", "  egress:\n  - {action: Allow, to: [{domainNames: [a.example.com]}]}\n")).length, 1);
});
