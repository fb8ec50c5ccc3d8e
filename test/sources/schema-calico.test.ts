// Calico's projectcalico.org/v3 CRDs (schemas/upstream/projectcalico.org, projectcalico/calico
// api/config/crd): a valid manifest of every kind Junction reads is accepted; the CRDs' structural
// and CEL rules hold as the API server applies them (quoted messages are the CRDs' own).

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

const obj = (kind: string, spec: string, name = "x", ns = "web") => `apiVersion: projectcalico.org/v3\nkind: ${kind}\nmetadata: {name: ${name}${ns ? `, namespace: ${ns}` : ""}}\nspec:\n${spec}`;
const RULES = `  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: role == 'frontend', namespaceSelector: all(), nets: [10.0.0.0/8], notPorts: [22]}
    destination: {ports: [80, "8000:8080", http]}
    http: {methods: [GET], paths: [{prefix: /api}]}
  - action: Deny
    protocol: ICMP
    icmp: {type: 8, code: 0}
  egress:
  - action: Pass
    destination: {services: {name: kube-dns, namespace: kube-system}}
  - action: Allow
    protocol: 6
`;
const VALID: [string, string, string?][] = [
  ["NetworkPolicy", `  tier: default\n  order: 100\n  selector: app == 'web'\n  types: [Ingress, Egress]\n${RULES}`],
  ["GlobalNetworkPolicy", `  order: 10.5\n  selector: all()\n  namespaceSelector: kubernetes.io/metadata.name == 'web'\n${RULES}`, ""],
  ["GlobalNetworkPolicy", "  selector: has(host)\n  preDNAT: true\n  applyOnForward: true\n  ingress: [{action: Deny}]\n", ""],
  ["NetworkSet", "  nets: [10.0.0.0/8, 192.168.1.1, 'fd00::/64']\n"],
  ["GlobalNetworkSet", "  nets: [198.51.100.0/24]\n", ""],
  ["Tier", "  order: 100\n  defaultAction: Pass\n", ""],
  ["HostEndpoint", "  node: node-1\n  interfaceName: eth0\n  expectedIPs: [192.0.2.10]\n  ports: [{name: ssh, port: 22, protocol: TCP}]\n", ""],
];

test("every Calico kind Junction reads has a vendored projectcalico.org/v3 schema", () => {
  const keys = new Set(schemaCatalog().keys());
  for (const kind of ["NetworkPolicy", "GlobalNetworkPolicy", "NetworkSet", "GlobalNetworkSet", "Tier", "HostEndpoint"]) assert.ok(keys.has(`projectcalico.org/v3/${kind}`), kind);
});

test("a valid manifest of each kind is accepted (ports and protocols are int-or-string, order a number)", () => {
  for (const [kind, spec, ns] of VALID) assert.deepEqual(schemaErrors(obj(kind, spec, "x", ns)), [], `${kind}: ${spec}`);
});

test("NetworkPolicy rules: action required and an enum, HTTP match only on Allow with TCP, ICMP fields need an ICMP protocol, services exclusive of selectors and ports", () => {
  const np = (rule: string) => schemaErrors(obj("NetworkPolicy", `  ingress: [${rule}]\n`));
  assert.deepEqual(np("{protocol: TCP}"), ["spec.ingress.0.action: required field is missing"]);
  assert.deepEqual(np("{action: allow}"), ['spec.ingress.0.action: "allow" is not one of Allow, Deny, Log, Pass']);
  assert.deepEqual(np("{action: Deny, http: {methods: [GET]}}"), ["spec.ingress.0: HTTP match is only valid on Allow rules"]);
  assert.deepEqual(np("{action: Allow, protocol: UDP, http: {methods: [GET]}}"), ["spec.ingress.0: rules with HTTP match must have protocol TCP or unset"]);
  assert.deepEqual(np("{action: Allow, protocol: TCP, icmp: {type: 8}}"), ["spec.ingress.0: ICMP fields require protocol to be ICMP or ICMPv6"]);
  assert.deepEqual(np("{action: Allow, protocol: ICMP, icmp: {code: 1}}"), ["spec.ingress.0.icmp: ICMP code specified without an ICMP type"]);
  assert.deepEqual(np("{action: Allow, protocol: ICMPv6, ipVersion: 4}"), ["spec.ingress.0: protocol ICMPv6 requires ipVersion 6"]);
  assert.deepEqual(np("{action: Allow, destination: {services: {name: web}, selector: a == 'b'}}"), ["spec.ingress.0.destination: cannot specify Selector/NotSelector and Services on the same rule"]);
  assert.deepEqual(np("{action: Allow, destination: {services: {name: web}, ports: [80]}}"), ["spec.ingress.0: ports and notPorts cannot be specified with services"]);
  assert.deepEqual(np("{action: Allow, source: {selector: global()}}"), ["spec.ingress.0.source: global() can only be used in an EntityRule namespaceSelector"]);
  assert.deepEqual(np("{action: Allow, source: {podSelector: a == 'b'}}"), ['spec.ingress.0.source.podSelector: unknown field "podSelector" (did you mean "notSelector"?)']);
  assert.deepEqual(schemaErrors(obj("NetworkPolicy", "  types: [Ingress, Ingress]\n")), ["spec.types.1: Duplicate value: \"Ingress\""]);
});

test("GlobalNetworkPolicy: preDNAT excludes doNotTrack and egress, and needs applyOnForward", () => {
  const gnp = (spec: string) => schemaErrors(obj("GlobalNetworkPolicy", spec, "x", ""));
  assert.deepEqual(gnp("  preDNAT: true\n  applyOnForward: true\n  egress: [{action: Allow}]\n"), ["spec: preDNAT policy cannot have any egress rules"]);
  assert.deepEqual(gnp("  doNotTrack: true\n"), ["spec: applyOnForward must be true if either preDNAT or doNotTrack is true"]);
  assert.deepEqual(gnp("  preDNAT: true\n  doNotTrack: true\n  applyOnForward: true\n"), ["spec: preDNAT and doNotTrack cannot both be true"]);
});

test("Tier default actions; HostEndpoint node and interface; NetworkSet nets are left to the front end, as master's CRD has no rule for them", () => {
  assert.deepEqual(schemaErrors(obj("NetworkSet", "  nets: [10.0.0.0/33]\n")), []);
  assert.deepEqual(schemaErrors(obj("Tier", "  defaultAction: Allow\n", "x", "")), ['spec.defaultAction: "Allow" is not one of Pass, Deny']);
  assert.deepEqual(schemaErrors(obj("Tier", "  defaultAction: Pass\n", "default", "")), [": The 'default' tier must have default action 'Deny'"]);
  assert.deepEqual(schemaErrors(obj("Tier", "  order: 10\n", "kube-admin", "")), [": The 'kube-admin' tier must have default action 'Pass'"], "defaultAction defaults to Deny before the rules run");
  assert.deepEqual(schemaErrors(obj("HostEndpoint", "  interfaceName: eth0\n", "x", "")), ["spec: node must be specified"]);
  assert.deepEqual(schemaErrors(obj("HostEndpoint", "  node: n\n  ports: [{name: a, port: 0, protocol: TCP}]\n", "x", "")), ["spec: at least one of interfaceName or expectedIPs must be specified", "spec.ports.0.port: 0 is below the minimum 1"]);
});
