// Cilium's CiliumNetworkPolicy CRD (schemas/upstream/cilium.io, cilium/cilium main): a valid manifest
// is accepted; the CRD's structural rules hold as the API server applies them: a rule selects
// endpoints or nodes (oneOf), has at least one of ingress/ingressDeny/egress/egressDeny (anyOf),
// ports match the CRD's pattern, entities are an enum, CIDRs are the `cidr` format.

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

const cnp = (spec: string) => `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: web}\nspec:\n${spec}`;
const VALID = `  endpointSelector: {matchLabels: {app: api}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: web, "k8s:io.kubernetes.pod.namespace": shop}}]
    toPorts:
    - ports: [{port: "80", protocol: TCP}, {port: http}, {port: "8000", endPort: 8080}]
      rules: {http: [{method: GET, path: "/api/v[0-9]+", headers: ["X-Token: s3cret"], headerMatches: [{name: x-a, value: b}]}]}
  - fromCIDRSet: [{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}, {cidrGroupRef: corp}]
    icmps: [{fields: [{type: 8}, {type: EchoRequest, family: IPv6}]}]
  ingressDeny:
  - fromEntities: [world]
    toPorts: [{ports: [{port: "22"}]}]
  egress:
  - toFQDNs: [{matchName: api.example.com}, {matchPattern: "*.example.com"}]
    toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*"}]}}]
  - toServices: [{k8sService: {serviceName: db, namespace: data}}]
  enableDefaultDeny: {egress: false}
  log: {value: audit}
`;

test("CiliumNetworkPolicy v2 has a vendored schema", () => {
  assert.ok(schemaCatalog().keys().includes("cilium.io/v2/CiliumNetworkPolicy"));
});

test("a valid CiliumNetworkPolicy is accepted, in spec and in specs", () => {
  assert.deepEqual(schemaErrors(cnp(VALID)), []);
  const specs = "specs:\n- " + VALID.trimStart().replace(/\n {2}/g, "\n  ").replace(/\n$/, "") + "\n  description: one\n";
  assert.deepEqual(schemaErrors(`apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: web}\n${specs}`), []);
});

test("structural rules: endpointSelector or nodeSelector (oneOf); some ingress/egress section (anyOf); unknown fields; enums and patterns", () => {
  const sel = "  endpointSelector: {}\n";
  assert.deepEqual(schemaErrors(cnp(`${sel}  ingress: [{fromEndpoint: [{}]}]\n`)), ['spec.ingress.0.fromEndpoint: unknown field "fromEndpoint" (did you mean "fromEndpoints"?)']);
  assert.equal(schemaErrors(cnp(sel)).length, 1, "a rule without ingress, ingressDeny, egress or egressDeny is refused");
  assert.equal(schemaErrors(cnp("  ingress: []\n")).length, 1, "neither endpointSelector nor nodeSelector");
  assert.equal(schemaErrors(cnp(`${sel}  nodeSelector: {}\n  ingress: []\n`)).length, 1, "both selectors");
  assert.deepEqual(schemaErrors(cnp(`${sel}  egress: [{toEntities: [internet]}]\n`)), ['spec.egress.0.toEntities.0: "internet" is not one of all, world, cluster, host, init, ingress, unmanaged, remote-node, health, none, kube-apiserver']);
  assert.deepEqual(schemaErrors(cnp(`${sel}  egress: [{toCIDR: [10.0.0.0/33]}]\n`)), ['spec.egress.0.toCIDR.0: "10.0.0.0/33" is not a valid cidr']);
  assert.deepEqual(schemaErrors(cnp(`${sel}  egress: [{toPorts: [{ports: [{port: "80", protocol: ICMP}]}]}]\n`)), ['spec.egress.0.toPorts.0.ports.0.protocol: "ICMP" is not one of TCP, UDP, SCTP, VRRP, IGMP, ANY']);
  assert.equal(schemaErrors(cnp(`${sel}  egress: [{toPorts: [{ports: [{port: 80}]}]}]\n`))[0], "spec.egress.0.toPorts.0.ports.0.port: must be a string, not number 80", "ports are strings in the CRD");
  assert.equal(schemaErrors(cnp(`${sel}  egress: [{toFQDNs: [{matchName: a.com, matchPattern: "*.a.com"}]}]\n`)).length, 1, "matchName or matchPattern");
  assert.deepEqual(schemaErrors(cnp(`${sel}  ingressDeny: [{toPorts: [{ports: [{port: "80"}], rules: {http: [{}]}}]}]\n`)), ['spec.ingressDeny.0.toPorts.0.rules: unknown field "rules"'], "deny rules have no L7 rules");
});
