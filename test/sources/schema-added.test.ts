// The schemas vendored to finish issue 16's list (schemas/upstream/README.md): Cilium's
// CiliumClusterwideNetworkPolicy and CiliumCIDRGroup, OVN-Kubernetes' UserDefinedNetwork and
// ClusterUserDefinedNetwork, and Calico's crd.projectcalico.org/v1 storage kinds. For each kind, as
// `kubectl apply` (strict field validation) and the API server report them: a typo'd field is an
// error at its file:line, a CEL (x-kubernetes-validations) or structural rule violation is an error
// with the CRD's own message, a valid manifest passes; in an object the server already accepted
// (metadata.resourceVersion) an unknown field is a note naming the schema version.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { schemaCatalog } from "../../src/sources/schema/validate.js";
import { load } from "../helpers.js";

const errorsOf = (text: string) => load({ "in.yaml": text }).diagnostics.errors.map(formatDiagnostic);
const notesOf = (text: string) => load({ "in.yaml": text }).diagnostics.items.filter((d) => d.severity === "info").map(formatDiagnostic);
const NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: blue\n  labels: {k8s.ovn.org/primary-user-defined-network: \"\"}\n---\n";

test("every added kind has a vendored schema", () => {
  const keys = new Set(schemaCatalog().keys());
  for (const k of ["cilium.io/v2/CiliumClusterwideNetworkPolicy", "cilium.io/v2/CiliumCIDRGroup", "cilium.io/v2alpha1/CiliumCIDRGroup",
    "k8s.ovn.org/v1/UserDefinedNetwork", "k8s.ovn.org/v1/ClusterUserDefinedNetwork",
    ...["NetworkPolicy", "GlobalNetworkPolicy", "NetworkSet", "GlobalNetworkSet", "Tier", "HostEndpoint"].map((k) => `crd.projectcalico.org/v1/${k}`)]) {
    assert.ok(keys.has(k), k);
  }
});

const CCNP = `apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: nodes
spec:
  endpointSelector: {matchLabels: {role: worker}}
  ingress:
  - fromEntities: [cluster]
    toPorts: [{ports: [{port: "22", protocol: TCP}]}]
`;

test("CiliumClusterwideNetworkPolicy: valid passes; a typo is file:line; a rule without endpointSelector or nodeSelector breaks the CRD's oneOf", () => {
  assert.deepEqual(errorsOf(CCNP), []);
  assert.deepEqual(errorsOf(CCNP.replace("toPorts", "toPort")), ['in.yaml:9 spec.ingress[0].toPort: unknown field "toPort" (did you mean "toPorts"?)']);
  const neither = errorsOf(CCNP.replace("  endpointSelector: {matchLabels: {role: worker}}\n", ""));
  assert.equal(neither.length, 1, neither.join("\n"));
  assert.match(neither[0], /^in\.yaml:5 spec: /);
  assert.equal(neither[0], "in.yaml:5 spec: needs exactly one of the fields endpointSelector, nodeSelector", "the oneOf named by its fields, not ajv's wording");
  assert.deepEqual(notesOf(CCNP.replace("  name: nodes", "  name: nodes\n  resourceVersion: \"7\"").replace("toPorts", "toPort")).filter((n) => /toPort/.test(n)).length, 1, "a dump's unknown field is a note");
  assert.match(notesOf(CCNP.replace("  name: nodes", "  name: nodes\n  resourceVersion: \"7\"").replace("toPorts", "toPort")).join("\n"), /cilium\/cilium main at 02904c9/);
});

const CCG = "apiVersion: cilium.io/v2\nkind: CiliumCIDRGroup\nmetadata:\n  name: corp\nspec:\n  externalCIDRs: [10.0.0.0/8, \"2001:db8::/32\"]\n";

test("CiliumCIDRGroup (v2 and v2alpha1): valid passes; a typo is file:line; a CIDR is the CRD's cidr format; externalCIDRs is required", () => {
  assert.deepEqual(errorsOf(CCG), []);
  assert.deepEqual(errorsOf(CCG.replace("v2\n", "v2alpha1\n")), []);
  assert.deepEqual(errorsOf(CCG.replace("externalCIDRs", "externalCIDR")), ["in.yaml:5 spec.externalCIDRs: required field is missing", 'in.yaml:6 spec.externalCIDR: unknown field "externalCIDR" (did you mean "externalCIDRs"?)']);
  assert.deepEqual(errorsOf(CCG.replace("10.0.0.0/8", "10.0.0.0/40")), ['in.yaml:6 spec.externalCIDRs[0]: "10.0.0.0/40" is not a valid CIDR (the CRD\'s format: cidr, Go\'s net.ParseCIDR, refuses a prefix length above 32)']);
});

const UDN = `${NS}apiVersion: k8s.ovn.org/v1
kind: UserDefinedNetwork
metadata:
  name: net
  namespace: blue
spec:
  topology: Layer3
  layer3:
    role: Primary
    subnets: [{cidr: 10.100.0.0/16, hostSubnet: 24}]
`;

test("UserDefinedNetwork: valid passes; a typo is file:line; the CRD's CEL rules hold (topology section, hostSubnet, families)", () => {
  assert.deepEqual(errorsOf(UDN), []);
  assert.deepEqual(errorsOf(UDN.replace("    subnets", "    subnet")), ["in.yaml:14 spec.layer3.subnets: required field is missing", 'in.yaml:16 spec.layer3.subnet: unknown field "subnet" (did you mean "subnets"?)']);
  assert.deepEqual(errorsOf(UDN.replace("topology: Layer3", "topology: Layer2")), [
    "in.yaml:12 spec: spec.layer3 is required when topology is Layer3 and forbidden otherwise",
    "in.yaml:12 spec: spec.layer2 is required when topology is Layer2 and forbidden otherwise",
  ]);
  assert.deepEqual(errorsOf(UDN.replace("hostSubnet: 24", "hostSubnet: 8")), ["in.yaml:16 spec.layer3.subnets[0]: HostSubnet must be smaller than CIDR subnet"]);
  // (The enum error blocks the CEL rules, as the API server skips them: hasBlockingErr.)
  assert.deepEqual(errorsOf(UDN.replace("topology: Layer3", "topology: Localnet")), [
    'in.yaml:13 spec.topology: "Localnet" is not one of Layer2, Layer3',
  ], "Localnet is for ClusterUserDefinedNetworks only");
  const l2 = UDN.replace("topology: Layer3", "topology: Layer2").replace("layer3:", "layer2:").replace("subnets: [{cidr: 10.100.0.0/16, hostSubnet: 24}]", "subnets: [10.100.0.0/16, 10.101.0.0/16]");
  assert.deepEqual(errorsOf(l2), ["in.yaml:16 spec.layer2.subnets: When 2 CIDRs are set, they must be from different IP families"]);
});

const CUDN = `${NS}apiVersion: k8s.ovn.org/v1
kind: ClusterUserDefinedNetwork
metadata:
  name: shared
spec:
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: blue}}
  network:
    topology: Layer2
    layer2:
      role: Primary
      subnets: [10.200.0.0/16]
      reservedSubnets: [10.200.1.0/24]
`;

test("ClusterUserDefinedNetwork: valid passes (Layer2, Localnet); a typo is file:line; CEL rules with cidr().containsCIDR() and masked()", () => {
  assert.deepEqual(errorsOf(CUDN), []);
  const localnet = CUDN.replace(/\n  network:[^]*$/, "\n  network:\n    topology: Localnet\n    localnet: {role: Secondary, physicalNetworkName: physnet, subnets: [192.0.2.0/24], vlan: {mode: Access, access: {id: 10}}}\n");
  assert.deepEqual(errorsOf(localnet), []);
  assert.deepEqual(errorsOf(localnet.replace("role: Secondary", "role: Primary")), ['in.yaml:15 spec.network.localnet.role: "Primary" is not one of Secondary']);
  assert.deepEqual(errorsOf(localnet.replace("physnet", "phys:net")), ["in.yaml:15 spec.network.localnet.physicalNetworkName: physicalNetworkName cannot contain `,` or `:` characters"]);
  assert.deepEqual(errorsOf(CUDN.replace("namespaceSelector", "namespaceSelectr")), ["in.yaml:11 spec.namespaceSelector: required field is missing", 'in.yaml:12 spec.namespaceSelectr: unknown field "namespaceSelectr" (did you mean "namespaceSelector"?)']);
  assert.deepEqual(errorsOf(CUDN.replace("10.200.1.0/24", "10.201.1.0/24")), ["in.yaml:18 spec.network.layer2.reservedSubnets: reservedSubnets must be subnetworks of the networks specified in the subnets field"]);
  assert.deepEqual(errorsOf(CUDN.replace("10.200.1.0/24", "10.200.1.5/24")), ["in.yaml:15 spec.network.layer2: reservedSubnets must be a masked network address (no host bits set)"]);
});

const CALICO_V1 = `apiVersion: crd.projectcalico.org/v1
kind: NetworkPolicy
metadata:
  name: default.allow-web
  namespace: web
spec:
  tier: default
  selector: app == 'web'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    destination: {ports: [80]}
`;

test("Calico crd.projectcalico.org/v1 (the v3 schemas): valid passes; a typo is file:line; the CRD's CEL rules hold", () => {
  assert.deepEqual(errorsOf(CALICO_V1), []);
  assert.deepEqual(errorsOf(CALICO_V1.replace("destination", "destinaton")), ['in.yaml:13 spec.ingress[0].destinaton: unknown field "destinaton" (did you mean "destination"?)']);
  assert.deepEqual(errorsOf(CALICO_V1.replace("action: Allow", "action: Deny\n    http: {methods: [GET]}")), ["in.yaml:11 spec.ingress[0]: HTTP match is only valid on Allow rules"]);
  assert.match(errorsOf("apiVersion: crd.projectcalico.org/v1\nkind: Tier\nmetadata: {name: t}\nspec: {defaultAction: Allow}\n").join("\n"), /^in\.yaml:4 spec\.defaultAction: "Allow" is not one of (Deny, Pass|Pass, Deny)$/);
  assert.match(notesOf(CALICO_V1.replace("  namespace: web", "  namespace: web\n  resourceVersion: \"1\"").replace("destination", "destinaton")).join("\n"), /destinaton.*vendored schema \(crd\.projectcalico\.org\/v1 NetworkPolicy/);
});
