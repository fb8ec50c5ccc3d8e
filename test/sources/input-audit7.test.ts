// Input audit, eighth round: what the API server and the kubelet fill in that decides answers: a
// Service's IP family policy on create (pkg/registry/core/service/ipallocator initIPFamilyFields,
// pkg/apis/core/validation ValidateServiceClusterIPsRelatedFields), and a host-network pod's
// addresses, its node's (pkg/util/node GetNodeHostIPs, which the kubelet reports as its podIPs).

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, engineFor, load, tempFiles, verdict } from "../helpers.js";
import { formatPath } from "../../src/model/source.js";
import { formatAddress } from "../../src/model/ip.js";

const svc = (spec: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec: {${spec}}\n`;
const errors = (spec: string) => load({ "svc.yaml": svc(spec) }).diagnostics.errors.map((d) => `${formatPath(d.field ?? [])}: ${d.message}`);

test("Service IP families as the API server creates them: an unset ipFamilyPolicy is SingleStack (RequireDualStack when headless without a selector), which two families or two cluster IPs contradict; ipFamilies are IPv4 or IPv6, once each; the policy one of three", () => {
  const ports = "selector: {app: a}, ports: [{port: 80}]";
  for (const ok of [`ipFamilies: [IPv4], ${ports}`, `ipFamilyPolicy: PreferDualStack, ipFamilies: [IPv6, IPv4], ${ports}`, `ipFamilyPolicy: RequireDualStack, ${ports}`,
    `clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1, 'fd00::1'], ipFamilyPolicy: PreferDualStack, ${ports}`, `ipFamilyPolicy: SingleStack, ipFamilies: [IPv6], ${ports}`,
    // Headless without a selector: RequireDualStack by default, so both families are fine.
    "clusterIP: None, ipFamilies: [IPv4, IPv6]"]) {
    assert.deepEqual(errors(ok), [], ok);
  }
  // Read before as dual-stack Services: the API server refuses them.
  assert.deepEqual(errors(`ipFamilies: [IPv4, IPv6], ${ports}`), ["spec.ipFamilies: ipFamilyPolicy is not set, so SingleStack, and must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified (the API server refuses it)"]);
  assert.deepEqual(errors(`clusterIP: None, ipFamilies: [IPv4, IPv6], ${ports}`), ["spec.ipFamilies: ipFamilyPolicy is not set, so SingleStack, and must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified (the API server refuses it)"]);
  assert.deepEqual(errors(`clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1, 'fd00::1'], ${ports}`), ["spec.clusterIPs: ipFamilyPolicy is not set, so SingleStack, and must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified (the API server refuses it)"]);
  assert.deepEqual(errors(`ipFamilyPolicy: SingleStack, clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1, 'fd00::1'], ipFamilies: [IPv4, IPv6], ${ports}`), [
    "spec.ipFamilyPolicy: must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified (the API server refuses it)",
    "spec.ipFamilyPolicy: must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified (the API server refuses it)"]);
  assert.deepEqual(errors(`ipFamilies: [IPv4, IPv4], ${ports}`), ['spec.ipFamilies[1]: Duplicate value: "IPv4" (the API server refuses it)']);
  assert.deepEqual(errors(`ipFamilyPolicy: RequireDualStack, ipFamilies: [IPv4, IPv6, IPv6], ${ports}`), ['spec.ipFamilies[2]: Duplicate value: "IPv6" (the API server refuses it)']);
  assert.deepEqual(errors(`ipFamilies: [IPv4, ipv6], ${ports}`), ['spec.ipFamilies[1]: Unsupported value: "ipv6": supported values: "IPv4", "IPv6" (the API server refuses it)']);
  assert.deepEqual(errors(`ipFamilyPolicy: preferDualStack, ${ports}`), ['spec.ipFamilyPolicy: Unsupported value: "preferDualStack": supported values: "PreferDualStack", "RequireDualStack", "SingleStack" (the API server refuses it)']);
  // A family mismatch is reported first (ValidateServiceClusterIPsRelatedFields runs before the policy check).
  assert.deepEqual(errors(`clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1, 'fd00::1'], ipFamilies: [IPv6, IPv4], ${ports}`), [
    "spec.clusterIPs[0]: expected an IPv6 value as indicated by `ipFamilies[0]` (the API server refuses it)",
    "spec.clusterIPs[1]: expected an IPv4 value as indicated by `ipFamilies[1]` (the API server refuses it)"]);
});

const HOST_NETWORK = `apiVersion: v1
kind: Node
metadata: {name: n1}
status:
  addresses: [{type: Hostname, address: n1}, {type: ExternalIP, address: 203.0.113.5}, {type: InternalIP, address: 10.0.0.5}, {type: InternalIP, address: 10.0.0.6}, {type: InternalIP, address: 'fd00::5'}]
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: shop, labels: {app: agent}}
spec: {nodeName: n1, hostNetwork: true, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: unscheduled, namespace: shop, labels: {app: agent}}
spec: {hostNetwork: true, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {nodeName: n2, containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
status: {podIP: 10.1.0.9}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.5/32}}]}]
`;

test("a host-network pod with nodeName and no status has its node's host IPs (the first InternalIP, then the first of the other family): an ipBlock of the node's address allows it", () => {
  const l = load({ "a.yaml": HOST_NETWORK });
  const pod = (name: string) => l.inventory.endpoints.find((e) => e.kind === "pod" && e.name === name)!;
  assert.deepEqual(pod("agent").addresses.map(formatAddress), ["10.0.0.5", "fd00::5"]);
  assert.deepEqual(pod("unscheduled").addresses, []);
  // Was denied: the pod had no address, so the ipBlock never matched its traffic.
  for (const hostNetwork of ["node", "pod"] as const) assert.equal(verdict(engineFor(HOST_NETWORK, { hostNetwork }), "shop/agent", "shop/db", 5432), "allow", hostNetwork);
  // Without an InternalIP, the ExternalIP.
  const external = load({ "a.yaml": HOST_NETWORK.replace(/\{type: InternalIP, address: [^}]+\}, /g, "").replace(", {type: InternalIP, address: 'fd00::5'}", "") });
  assert.deepEqual(external.inventory.endpoints.find((e) => e.name === "agent")!.addresses.map(formatAddress), ["203.0.113.5"]);
});

test("a kubeconfig that is empty or not a mapping is said so, not with a JavaScript TypeError's words", async () => {
  const t = tempFiles({ "empty": "", "tilde": "~\n" });
  try {
    for (const f of ["empty", "tilde"]) {
      const r = await cli(["list", "--kubeconfig", `${t.dir}/${f}`]);
      assert.equal(r.code, 2, f);
      assert.match(r.err, new RegExp(`${f}: cannot be read as a kubeconfig \\(it is empty or not a kubeconfig: a YAML mapping with clusters, users and contexts\\)`), r.err);
      assert.doesNotMatch(r.err, /Cannot read properties/);
    }
  } finally { t.cleanup(); }
});
