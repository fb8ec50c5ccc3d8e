// Multus' k8s.cni.cncf.io CRDs (schemas/upstream/k8s.cni.cncf.io): NetworkAttachmentDefinition v1 and
// MultiNetworkPolicy v1beta1 as the Network Plumbing WG publishes them. A valid manifest of each is
// accepted; unknown fields, a missing `config` or `podSelector` and wrong types are refused as the API
// server refuses them.

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

const nad = (spec: string) => `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: l2, namespace: ns1}\nspec:\n${spec}`;
const mnp = (spec: string) => `apiVersion: k8s.cni.cncf.io/v1beta1\nkind: MultiNetworkPolicy\nmetadata: {name: p, namespace: ns1, annotations: {k8s.v1.cni.cncf.io/policy-for: l2}}\nspec:\n${spec}`;

test("NetworkAttachmentDefinition v1 and MultiNetworkPolicy v1beta1 have vendored schemas", () => {
  const keys = new Set(schemaCatalog().keys());
  for (const k of ["k8s.cni.cncf.io/v1/NetworkAttachmentDefinition", "k8s.cni.cncf.io/v1beta1/MultiNetworkPolicy"]) assert.ok(keys.has(k), k);
});

test("valid manifests are accepted", () => {
  assert.deepEqual(schemaErrors(nad(`  config: '{"cniVersion": "0.3.1", "name": "l2", "type": "ovn-k8s-cni-overlay", "topology": "layer2"}'\n`)), []);
  assert.deepEqual(schemaErrors(mnp("  podSelector: {matchLabels: {app: one}}\n  policyTypes: [Ingress, Egress]\n  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: two}}}, {ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}], ports: [{port: 80}, {port: http, protocol: TCP}]}]\n  egress: [{to: [{podSelector: {}}]}]\n")), []);
});

test("the CRDs' rules: NAD config required (a string); MultiNetworkPolicy podSelector required, ipBlock needs cidr, unknown fields refused", () => {
  assert.deepEqual(schemaErrors(nad("  {}\n")), ["spec.config: required field is missing"]);
  assert.deepEqual(schemaErrors(nad("  config: {cniVersion: 0.3.1}\n")), ["spec.config: must be a string, not an object"]);
  assert.deepEqual(schemaErrors(mnp("  ingress: []\n")), ["spec.podSelector: required field is missing"]);
  assert.deepEqual(schemaErrors(mnp("  podSelector: {}\n  ingress: [{from: [{ipBlock: {except: [10.1.0.0/16]}}]}]\n")), ["spec.ingress.0.from.0.ipBlock.cidr: required field is missing"]);
  assert.deepEqual(schemaErrors(mnp("  podSelector: {}\n  egress: [{to: [{podSelectr: {}}]}]\n")), ['spec.egress.0.to.0.podSelectr: unknown field "podSelectr" (did you mean "podSelector"?)']);
  // v1beta1 has no endPort (the CRD adds it in v1beta2, which it does not serve).
  assert.deepEqual(schemaErrors(mnp("  podSelector: {}\n  ingress: [{ports: [{port: 80, endPort: 90}]}]\n")), ['spec.ingress.0.ports.0.endPort: unknown field "endPort"']);
});
