// The multi-network rules, each pinned on a small cluster (np-guard/netpol-analyzer's semantics,
// which follow OVN-Kubernetes, Multus MultiNetworkPolicy and KubeVirt; quoted where they say it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, engineFor, load, tempFiles, verdict } from "../helpers.js";
import { formatAddress } from "../../src/model/ip.js";
import { cudn, denyAll, nad, ns, pod, udn, UDN_LABEL, vm } from "./fixtures.js";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";

async function list(yaml: string, ...args: string[]): Promise<string> {
  const t = tempFiles({ "cluster.yaml": yaml });
  try {
    const r = await cli(["list", "-f", t.dir, ...args]);
    assert.equal(r.code, 0, r.err);
    return r.out;
  } finally { t.cleanup(); }
}

const twoUdns = ns("blue", UDN_LABEL) + ns("green", UDN_LABEL) + ns("plain") + udn("blue") + udn("green")
  + pod("blue", "a") + pod("blue", "b") + pod("green", "a") + pod("plain", "a");

test("a primary UDN isolates its namespace from the pod network and from other UDNs; pods on it reach each other (OVN-Kubernetes)", () => {
  const e = engineFor(twoUdns);
  assert.equal(verdict(e, "blue/a", "blue/b", 80), "allow");
  assert.equal(verdict(e, "blue/a", "green/a", 80), "deny");
  assert.equal(verdict(e, "green/a", "blue/a", 80), "deny");
  assert.equal(verdict(e, "plain/a", "blue/a", 80), "deny");
  assert.equal(verdict(e, "blue/a", "plain/a", 80), "deny");
  // np-guard: "external peer may connect with all network interfaces in the cluster if xgress is enabled"
  assert.equal(verdict(e, "ip:8.8.8.8", "blue/a", 80), "allow");
  assert.equal(verdict(e, "blue/a", "ip:8.8.8.8", 80), "allow");
});

test("NetworkPolicies apply on a primary UDN: a deny-all in its namespace isolates its pods there", () => {
  const e = engineFor(twoUdns + denyAll("blue"));
  assert.equal(verdict(e, "blue/a", "blue/b", 80), "deny");
  assert.equal(verdict(e, "ip:8.8.8.8", "blue/a", 80), "deny");
});

test("a UDN whose namespace lacks k8s.ovn.org/primary-user-defined-network is ignored, with a warning", async () => {
  const t = tempFiles({ "c.yaml": ns("blue") + ns("plain") + udn("blue") + pod("blue", "a") + pod("plain", "a") });
  try {
    const r = await cli(["list", "-f", t.dir]);
    assert.equal(r.code, 0);
    assert.match(r.err, /c\.yaml:\d+: .*namespace blue lacks the label k8s\.ovn\.org\/primary-user-defined-network/);
    assert.match(r.out, /^plain\/a\[Pod\] => blue\/a\[Pod\] : All Connections$/m);
  } finally { t.cleanup(); }
});

test("two namespaces on one ClusterUserDefinedNetwork reach each other; another CUDN and the pod network do not", () => {
  const yaml = ns("red", { ...UDN_LABEL, tenant: "happy" }) + ns("blue", { ...UDN_LABEL, tenant: "happy" }) + ns("grey", { ...UDN_LABEL, tenant: "sad" }) + ns("plain")
    + cudn("happy", { tenant: "happy" }) + cudn("sad", { tenant: "sad" }) + pod("red", "a") + pod("blue", "a") + pod("grey", "a") + pod("plain", "a");
  const e = engineFor(yaml);
  assert.equal(verdict(e, "red/a", "blue/a", 80), "allow");
  assert.equal(verdict(e, "red/a", "grey/a", 80), "deny");
  assert.equal(verdict(e, "plain/a", "red/a", 80), "deny");
});

test("list prints one section per network as np-guard does, UDN peers marked ns[udn]/name, then the workloads' networks", async () => {
  const out = await list(twoUdns);
  assert.equal(out, [
    "Permitted connectivity analyzed in Pod network:",
    "0.0.0.0-255.255.255.255[External] => plain/a[Pod] : All Connections",
    "plain/a[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections",
    "",
    "Permitted connectivity analyzed in primary UDN blue:",
    "0.0.0.0-255.255.255.255[External] => blue[udn]/a[Pod] : All Connections",
    "0.0.0.0-255.255.255.255[External] => blue[udn]/b[Pod] : All Connections",
    "blue[udn]/a[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections",
    "blue[udn]/a[Pod] => blue[udn]/b[Pod] : All Connections",
    "blue[udn]/b[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections",
    "blue[udn]/b[Pod] => blue[udn]/a[Pod] : All Connections",
    "",
    "Permitted connectivity analyzed in primary UDN green:",
    "0.0.0.0-255.255.255.255[External] => green[udn]/a[Pod] : All Connections",
    "green[udn]/a[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections",
    "",
    "Workload-to-Networks Mapping:",
    "blue/a[Pod]: ", "\tPrimary Network: blue[UDN]",
    "blue/b[Pod]: ", "\tPrimary Network: blue[UDN]",
    "green/a[Pod]: ", "\tPrimary Network: green[UDN]",
    "plain/a[Pod]: ", "\tPrimary Network: pod-network",
    "",
  ].join("\n"));
});

const secondary = ns("ns1") + ns("ns2") + nad("ns1", "l2") + nad("ns2", "l2")
  + pod("ns1", "one", { app: "one" }, { [NETWORKS]: "l2" })
  + pod("ns2", "two", { app: "two" }, { [NETWORKS]: "ns2/l2@net1" })
  + pod("ns1", "lone", { app: "lone" });

test("a secondary network reaches only pods attached to it (NADs of one name in several namespaces are one network), and no external address", async () => {
  const out = await list(secondary + denyAll("ns1") + denyAll("ns2"));
  // NetworkPolicies do not govern secondary interfaces: the deny-alls empty the pod network only.
  assert.equal(out.split("\nWorkload-to-Networks")[0], [
    "Permitted connectivity analyzed in Pod network:",
    "All connections are not allowed for the workloads in the pod-network",
    "",
    "Permitted connectivity analyzed in secondary NAD l2:",
    "ns1/one[Pod] => ns2/two[Pod] : All Connections",
    "ns2/two[Pod] => ns1/one[Pod] : All Connections",
    "",
  ].join("\n"));
  assert.match(out, /ns1\/one\[Pod\]: \n\tPrimary Network: pod-network\n\tSecondary Networks: l2\[NAD\]\n/);
});

test("a pod naming a network without a NAD in its namespace gets no interface there, with a warning", async () => {
  const t = tempFiles({ "c.yaml": ns("ns1") + nad("ns2", "l2") + pod("ns1", "one", { app: "one" }, { [NETWORKS]: "l2" }) + ns("ns2") });
  try {
    const r = await cli(["list", "-f", t.dir]);
    assert.match(r.err, /ns1\/one asks for network ns1\/l2, which has no NetworkAttachmentDefinition in the input/);
    assert.match(r.out, /ns1\/one\[Pod\]: \n\tPrimary Network: pod-network\n(?!\tSecondary)/);
  } finally { t.cleanup(); }
});

const mnp = (namespace: string, name: string, policyFor: string, spec: string) => `apiVersion: k8s.cni.cncf.io/v1beta1
kind: MultiNetworkPolicy
metadata:
  name: ${name}
  namespace: ${namespace}
  annotations: {"k8s.v1.cni.cncf.io/policy-for": "${policyFor}"}
spec:
${spec}---
`;

test("MultiNetworkPolicies govern the networks of their policy-for annotation, with NetworkPolicy's rules; not the pod network", async () => {
  const yaml = secondary
    + mnp("ns1", "only-two", "l2", "  podSelector: {matchLabels: {app: one}}\n  policyTypes: [Ingress]\n  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: two}}}], ports: [{port: 80}]}]\n")
    + mnp("ns2", "deny-in", "ns2/l2", "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: []\n");
  const out = await list(yaml);
  assert.match(out, /Permitted connectivity analyzed in secondary NAD l2:\nns2\/two\[Pod\] => ns1\/one\[Pod\] : TCP 80\n\n/);
  // The pod network is untouched by them.
  assert.match(out, /^ns1\/lone\[Pod\] => ns2\/two\[Pod\] : All Connections$/m);
});

test("explain names the network a flow takes, and --network picks a secondary one; JSON carries it", async () => {
  const yaml = secondary + mnp("ns2", "deny-in", "l2", "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: []\n");
  const t = tempFiles({ "c.yaml": yaml });
  try {
    const primary = await cli(["explain", "-f", t.dir, "--from", "ns1/one", "--to", "ns2/two", "--port", "80"]);
    assert.match(primary.out, /network: pod-network/);
    assert.match(primary.out, /ALLOWED/);
    const onL2 = await cli(["explain", "-f", t.dir, "--from", "ns1/one", "--to", "ns2/two", "--port", "80", "--network", "l2", "-o", "json"]);
    const data = JSON.parse(onL2.out);
    assert.equal(data.pairs[0].network, "l2[NAD]");
    assert.equal(data.pairs[0].verdict, "deny");
    assert.match(data.pairs[0].ingress.summary, /MultiNetworkPolicy ns2\/deny-in/);
    const off = await cli(["explain", "-f", t.dir, "--from", "ns1/lone", "--to", "ns2/two", "--port", "80", "--network", "l2", "-o", "json"]);
    const pair = JSON.parse(off.out).pairs[0];
    assert.equal(pair.verdict, "deny");
    assert.equal(pair.egress.decidedBy, "network");
    assert.match(pair.egress.summary, /not on network l2\[NAD\]/);
  } finally { t.cleanup(); }
});

test("explain: a flow between isolated primary networks is denied by the network, naming it", async () => {
  const t = tempFiles({ "c.yaml": twoUdns });
  try {
    const r = await cli(["explain", "-f", t.dir, "--from", "blue/a", "--to", "green/a", "--port", "80", "-o", "json"]);
    const pair = JSON.parse(r.out).pairs[0];
    assert.equal(pair.verdict, "deny");
    assert.equal(pair.network, "blue[UDN]");
    assert.equal(pair.ingress.decidedBy, "network");
  } finally { t.cleanup(); }
});

test("a KubeVirt VM is an endpoint with its template's labels, selected by NetworkPolicies through its virt-launcher pod, listed as ns/name[VirtualMachine]", async () => {
  const np = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-only, namespace: vms}
spec:
  podSelector: {matchLabels: {kubevirt.io/os: linux}}
  policyTypes: [Ingress]
  ingress: [{ports: [{port: 9001, endPort: 9090}]}]
---
`;
  const out = await list(ns("vms") + vm("vms", "fedora", { "kubevirt.io/os": "linux" }) + vm("vms", "win", { "kubevirt.io/os": "windows" }) + np);
  assert.match(out, /^vms\/win\[VirtualMachine\] => vms\/fedora\[VirtualMachine\] : TCP 9001-9090$/m);
  assert.match(out, /^vms\/fedora\[VirtualMachine\] => vms\/win\[VirtualMachine\] : All Connections$/m);
});

test("a VMI's status.interfaces give its addresses; its VM stands for it once, and its virt-launcher pod is the same endpoint", async () => {
  const vmi = `apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: fedora
  namespace: vms
  labels: {kubevirt.io/os: linux}
  ownerReferences: [{apiVersion: kubevirt.io/v1, kind: VirtualMachine, name: fedora, uid: u1, controller: true}]
spec:
  domain: {devices: {interfaces: [{name: default, masquerade: {}, ports: [{name: web, port: 8443}]}]}}
  networks: [{name: default, pod: {}}]
status:
  phase: Running
  interfaces: [{name: default, ipAddress: 10.128.2.27, ipAddresses: [10.128.2.27]}]
---
`;
  const launcher = `apiVersion: v1
kind: Pod
metadata:
  name: virt-launcher-fedora-abcde
  namespace: vms
  labels: {kubevirt.io/os: linux, kubevirt.io: virt-launcher}
  ownerReferences: [{apiVersion: kubevirt.io/v1, kind: VirtualMachineInstance, name: fedora, uid: u2, controller: true}]
spec: {containers: [{name: compute, image: virt-launcher}]}
status: {phase: Running, podIP: 10.128.2.27}
---
`;
  const np = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: named, namespace: vms}
spec:
  podSelector: {matchLabels: {kubevirt.io/os: linux}}
  policyTypes: [Ingress]
  ingress: [{ports: [{port: web}]}]
---
`;
  const yaml = ns("vms") + vm("vms", "fedora", { "kubevirt.io/os": "linux" }) + vmi + launcher + np;
  const out = await list(yaml);
  assert.equal(out.match(/vms\/fedora\[VirtualMachine\]: /g)?.length, 1);
  assert.doesNotMatch(out, /virt-launcher/);
  assert.match(out, /=> vms\/fedora\[VirtualMachine\] : TCP 8443$/m);
  const e = engineFor(yaml);
  assert.equal(verdict(e, "ip:8.8.8.8", "ip:10.128.2.27", 8443), "allow");
  assert.equal(verdict(e, "ip:8.8.8.8", "ip:10.128.2.27", 80), "deny");
});

test("MultiNetworkPolicy pod selectors do not select VMs; ipBlocks select them by their secondary addresses (np-guard: \"virtual machines can be selected only with ipBlocks\")", async () => {
  const withL2 = (addr: string) => `      volumes: [{name: cloudinit, cloudInitNoCloud: {networkData: "ethernets:\\n  eth1:\\n    addresses: [${addr}/24]\\nversion: 2\\n"}}]\n`;
  const vmOnL2 = (name: string, addr: string) => vm("vms", name, { app: name }, "").replace("networks: [{name: default, pod: {}}]", "networks: [{name: default, pod: {}}, {name: l2, multus: {networkName: l2}}]")
    .replace("interfaces: [{name: default, masquerade: {}}]", "interfaces: [{name: default, masquerade: {}}, {name: l2, bridge: {}}]").replace("      networks:", `${withL2(addr)}      networks:`);
  const base = ns("vms") + nad("vms", "l2") + vmOnL2("a", "10.200.0.1") + vmOnL2("b", "10.200.0.2") + vmOnL2("c", "10.200.0.9");
  const bySelector = mnp("vms", "from-a", "l2", "  podSelector: {matchLabels: {app: b}}\n  policyTypes: [Ingress]\n  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}]}]\n");
  const onL2 = (out: string) => out.slice(out.indexOf("secondary NAD l2:"), out.indexOf("Workload-to-Networks"));
  const out1 = onL2(await list(base + bySelector));
  assert.match(out1, /^vms\/a\[VirtualMachine\] => vms\/c\[VirtualMachine\]/m);
  assert.doesNotMatch(out1, /^vms\/a\[VirtualMachine\] => vms\/b\[VirtualMachine\]/m);
  const byIpBlock = mnp("vms", "from-block", "l2", "  podSelector: {matchLabels: {app: b}}\n  policyTypes: [Ingress]\n  ingress: [{from: [{ipBlock: {cidr: 10.200.0.0/30}}]}]\n");
  const out2 = onL2(await list(base + byIpBlock));
  assert.match(out2, /^vms\/a\[VirtualMachine\] => vms\/b\[VirtualMachine\] : All Connections$/m);
  assert.doesNotMatch(out2, /^vms\/c\[VirtualMachine\] => vms\/b\[VirtualMachine\]/m);
});

test("cloud-init networkData is read as PyYAML reads it (YAML 1.1): a plain `1:2:3:4:5:6:7:8` is a base-60 integer there, not an IPv6 address", () => {
  const withData = (addresses: string) => vm("vms", "a", { app: "a" }, "").replace("networks: [{name: default, pod: {}}]", "networks: [{name: default, pod: {}}, {name: l2, multus: {networkName: l2}}]")
    .replace("interfaces: [{name: default, masquerade: {}}]", "interfaces: [{name: default, masquerade: {}}, {name: l2, bridge: {}}]")
    .replace("      networks:", `      volumes: [{name: cloudinit, cloudInitNoCloud: {networkData: "ethernets:\\n  eth1:\\n    addresses: [${addresses}]\\nversion: 2\\n"}}]\n      networks:`);
  const addressesOf = (addresses: string) => load({ "c.yaml": ns("vms") + nad("vms", "l2") + withData(addresses) }).inventory.endpoints
    .filter((e) => e.name === "a").flatMap((e) => (e.attachments ?? []).flatMap((a) => a.addresses.map(formatAddress)));
  assert.deepEqual(addressesOf("'1:2:3:4:5:6:7:8', 10.0.0.5/24"), ["1:2:3:4:5:6:7:8", "10.0.0.5"]);
  // Unquoted, PyYAML (and YAML 1.1) reads 1:2:3:4:5:6:7:8 as the integer 1*60^7 + 2*60^6 + ...: no address.
  assert.deepEqual(addressesOf("1:2:3:4:5:6:7:8, 10.0.0.5/24"), ["10.0.0.5"]);
});

test("invalid user-defined network fields are errors naming file, line and field (the CRD's rules)", async () => {
  const bad = `apiVersion: k8s.ovn.org/v1
kind: UserDefinedNetwork
metadata: {name: blue, namespace: blue}
spec:
  topology: Layer2
  layer3: {role: Primary, subnets: [{cidr: 10.1.0.0/16}]}
---
apiVersion: k8s.ovn.org/v1
kind: ClusterUserDefinedNetwork
metadata: {name: tenants}
spec:
  network:
    topology: Layer2
    layer2: {role: Primry}
`;
  const t = tempFiles({ "bad.yaml": bad });
  try {
    const r = await cli(["list", "-f", t.dir]);
    assert.equal(r.code, 2);
    // The CRD's CEL rules (k8s.ovn.org_userdefinednetworks.yaml), with its own messages.
    assert.match(r.err, /bad\.yaml:4 spec: spec\.layer3 is required when topology is Layer3 and forbidden otherwise/);
    assert.match(r.err, /bad\.yaml:4 spec: spec\.layer2 is required when topology is Layer2 and forbidden otherwise/);
    assert.match(r.err, /bad\.yaml:\d+ spec\.namespaceSelector: required field is missing/);
    assert.match(r.err, /bad\.yaml:14 spec\.network\.layer2\.role: .*Primary/);
  } finally { t.cleanup(); }
});
