// Calico IP pools (projectcalico.org/v3 and crd.projectcalico.org/v1 IPPool):
// - natOutgoing: felix's cali-nat-outgoing chain (rules/nat.go NATOutgoingChain; masq_mgr.go's
//   all-ipam-pools and masq-ipam-pools sets) MASQUERADEs a pod's traffic from a natOutgoing pool to a
//   destination outside every pool: a host, a VM or another node then judges the pod's node, not the
//   pod. Not to a pool's address (disabled pools too), nor to the pod's own node (local delivery).
// - ipipMode/vxlanMode: a node's traffic to a pod of another node goes down the tunnel (with the
//   node's tunnel address) per the pod's pool: Always, CrossSubnet (only to a node outside the
//   sending node's subnet, projectcalico.org/IPv4Address), Never.

import { test } from "node:test";
import assert from "node:assert/strict";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { formatConns } from "../../src/model/ports.js";
import { resolveEndpoint } from "../../src/engine/endpoints.js";
import type { Party } from "../../src/engine/match.js";
import type { PolicyEngine } from "../../src/engine/verdict.js";
import { engineFor, load, verdict } from "../helpers.js";

const node = (name: string, ip: string, annotations = "") =>
  `apiVersion: v1\nkind: Node\nmetadata: {name: ${name}${annotations ? `, annotations: {${annotations}}` : ""}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}`;
const pod = (name: string, nodeName: string, ip: string, ports = "") =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {app: ${name}}}\nspec: {nodeName: ${nodeName}, containers: [{name: c, image: i${ports}}]}\nstatus: {podIP: ${ip}}`;
const pool = (name: string, spec: string, api = "projectcalico.org/v3") => `apiVersion: ${api}\nkind: IPPool\nmetadata: {name: ${name}}\nspec: {${spec}}`;
// A host outside the cluster whose firewall admits `cidr` only.
const host = (cidr: string) => `apiVersion: junction.dev/v1alpha1\nkind: Workload\nmetadata: {name: legacy, labels: {role: legacy}}\nspec: {addresses: [192.0.2.30]}
---
apiVersion: junction.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: legacy-firewall}
spec: {tier: Namespace, subject: {workloads: {matchLabels: {role: legacy}}, kinds: [Workload]}, ingress: [{action: Allow, from: [{cidrs: ["${cidr}"]}]}]}`;
const cluster = (...extra: string[]) => ["apiVersion: v1\nkind: Namespace\nmetadata: {name: x}", node("n1", "10.0.0.1"), node("n2", "10.0.0.2"),
  pod("web", "n2", "10.244.2.5"), ...extra].join("\n---\n");

function party(e: PolicyEngine, text: string): Party {
  const r = resolveEndpoint(e.index, text);
  assert.ok(r.ok && r.value.kind === "parties", text);
  return (r as { value: { parties: Party[] } }).value.parties[0];
}

function agreesWithFast(e: PolicyEngine, pairs: [string, string][]): void {
  const fast = new FastConnectivity(e), ref = new PairwiseConnectivity(e);
  for (const [s, d] of pairs) assert.equal(formatConns(fast.conns(party(e, s), party(e, d))), formatConns(ref.conns(party(e, s), party(e, d))), `${s} → ${d}`);
}

test("natOutgoing: a host outside the cluster judges the pod's node, not the pod (a firewall admitting the pod CIDR denies it, one admitting the node subnet allows it)", () => {
  const NAT = pool("default-ipv4-ippool", "cidr: 10.244.0.0/16, natOutgoing: true");
  // Without pools (or with natOutgoing false): the pod's own address.
  assert.equal(verdict(engineFor(cluster(host("10.244.0.0/16"))), "x/web", "workload:legacy", 5432), "allow");
  assert.equal(verdict(engineFor(cluster(host("10.244.0.0/16"), pool("p", "cidr: 10.244.0.0/16, natOutgoing: false"))), "x/web", "workload:legacy", 5432), "allow");
  // natOutgoing: node n2's address (was a wrong allow of the pod CIDR, a wrong deny of the node subnet).
  const podNet = engineFor(cluster(host("10.244.0.0/16"), NAT));
  const v = podNet.evaluate({ src: party(podNet, "x/web"), dst: party(podNet, "workload:legacy"), protocol: "TCP", port: 5432 });
  assert.equal(v.allowed, false);
  assert.ok(v.warnings.some((w) => w.code === "nat-outgoing" && /the destination sees node n2 \(10\.0\.0\.2\) as the source: pod x\/web's address is in Calico IP pool default-ipv4-ippool with natOutgoing, and 192\.0\.2\.30 is outside every IP pool/.test(w.message)), JSON.stringify(v.warnings));
  const nodeNet = engineFor(cluster(host("10.0.0.0/24"), NAT));
  assert.equal(verdict(nodeNet, "x/web", "workload:legacy", 5432), "allow");
  // The pod named by its address (ip:) is the pod: masqueraded alike.
  assert.equal(verdict(nodeNet, "ip:10.244.2.5", "workload:legacy", 5432), "allow");
  assert.equal(verdict(podNet, "ip:10.244.2.5", "workload:legacy", 5432), "deny");
  // crd.projectcalico.org/v1 alike.
  assert.equal(verdict(engineFor(cluster(host("10.0.0.0/24"), pool("p", "cidr: 10.244.0.0/16, natOutgoing: true", "crd.projectcalico.org/v1"))), "x/web", "workload:legacy", 5432), "allow");
  // A destination inside a pool (a disabled one too: felix's all-ipam-pools holds every pool) is not masqueraded.
  assert.equal(verdict(engineFor(cluster(host("10.244.0.0/16"), NAT, pool("legacy", "cidr: 192.0.2.0/24, disabled: true"))), "x/web", "workload:legacy", 5432), "allow");
  // A pod outside the natOutgoing pool keeps its address.
  assert.equal(verdict(engineFor(cluster(host("10.244.0.0/16"), pool("p", "cidr: 10.244.1.0/24, natOutgoing: true"))), "x/web", "workload:legacy", 5432), "allow");
  // The fast engine answers such pairs through the verdict engine.
  agreesWithFast(podNet, [["x/web", "workload:legacy"]]);
  agreesWithFast(nodeNet, [["x/web", "workload:legacy"]]);
});

test("natOutgoing: a pod reaching another node's hostPort arrives from its own node; on its own node it keeps its address; natOutgoingExclusions IPPoolsAndHostIPs keeps it", () => {
  const hp = pod("hp", "n1", "10.244.1.9", ", ports: [{containerPort: 80, hostPort: 8080}]");
  const podCidrOnly = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: hp, namespace: x}\nspec: {podSelector: {matchLabels: {app: hp}}, ingress: [{from: [{ipBlock: {cidr: 10.244.0.0/16}}]}]}`;
  const NAT = pool("p", "cidr: 10.244.0.0/16, natOutgoing: true");
  const local = pod("local", "n1", "10.244.1.7");
  const e = engineFor(cluster(hp, local, podCidrOnly, NAT));
  const v = e.evaluate({ src: party(e, "x/web"), dst: party(e, "node:n1"), protocol: "TCP", port: 8080 });
  assert.ok(v.hostPort, "forwarded by the hostPort");
  assert.equal(v.allowed, false, "web (on n2) is masqueraded to n2's address leaving n2 (10.0.0.1 is outside every pool): the pod CIDR's ipBlock does not admit it (it was allowed)");
  assert.ok(v.warnings.some((w) => w.code === "nat-outgoing"), JSON.stringify(v.warnings));
  assert.equal(verdict(e, "x/local", "node:n1", 8080), "allow", "a pod of n1 is DNATed on n1 first: its address kept");
  assert.equal(verdict(engineFor(cluster(hp, local, podCidrOnly)), "x/web", "node:n1", 8080), "allow", "without pools: the pod's address");
  const felix = `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {natOutgoingExclusions: IPPoolsAndHostIPs}`;
  assert.equal(verdict(engineFor(cluster(hp, local, podCidrOnly, NAT, felix)), "x/web", "node:n1", 8080), "allow", "host addresses excluded from natOutgoing");
  agreesWithFast(e, [["x/web", "node:n1"], ["x/local", "node:n1"]]);
});

test("IP pool encapsulation decides a node's tunnel source: Never (node address), Always, CrossSubnet by the node's subnet; a pod outside every pool takes no tunnel", () => {
  const from = (cidr: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from, namespace: x}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: "${cidr}"}}]}]}`;
  const tunnels = "projectcalico.org/IPv4VXLANTunnelAddr: 10.244.1.0, projectcalico.org/IPv4IPIPTunnelAddr: 10.244.1.1";
  const nodes = (n1Annotations: string, n2ip = "10.0.0.2") => ["apiVersion: v1\nkind: Namespace\nmetadata: {name: x}", node("n1", "10.0.0.1", n1Annotations), node("n2", n2ip), pod("web", "n2", "10.244.2.5")];
  const src = (yaml: string[]) => {
    const e = engineFor(yaml.join("\n---\n"), { ownNode: "policy" });
    const v = e.evaluate({ src: party(e, "node:n1"), dst: party(e, "x/web"), protocol: "TCP", port: 80 });
    return { e, allowed: v.allowed, tunnel: v.warnings.find((w) => w.code === "tunnel-source")?.message };
  };
  // Never (the default): the node's InternalIP, whatever the annotations (was the tunnel address).
  const never = src([...nodes(tunnels), from("10.0.0.0/24"), pool("p", "cidr: 10.244.0.0/16")]);
  assert.deepEqual([never.allowed, never.tunnel], [true, undefined]);
  // ipipMode Always: the IPIP address (both annotations: the pool decides which).
  const ipip = src([...nodes(tunnels), from("10.244.1.1/32"), pool("p", "cidr: 10.244.0.0/16, ipipMode: Always")]);
  assert.equal(ipip.allowed, true);
  assert.match(ipip.tunnel!, /node n1's Calico IPIP tunnel address 10\.244\.1\.1: the destination's IP pool p has ipipMode Always/);
  // vxlanMode CrossSubnet: n2 in n1's subnet (projectcalico.org/IPv4Address 10.0.0.1/24): no tunnel.
  const same = src([...nodes(`${tunnels}, projectcalico.org/IPv4Address: 10.0.0.1/24`), from("10.0.0.0/24"), pool("p", "cidr: 10.244.0.0/16, vxlanMode: CrossSubnet")]);
  assert.deepEqual([same.allowed, same.tunnel], [true, undefined]);
  // ... n2 in another subnet: the VXLAN address.
  const other = src([...nodes(`${tunnels}, projectcalico.org/IPv4Address: 10.0.0.1/24`, "10.0.1.2"), from("10.0.0.0/16"), pool("p", "cidr: 10.244.0.0/16, vxlanMode: CrossSubnet")]);
  assert.equal(other.allowed, false);
  assert.match(other.tunnel!, /VXLAN tunnel address 10\.244\.1\.0: the destination's IP pool p has vxlanMode CrossSubnet and node n2 is outside node n1's subnet/);
  // ... n1's subnet not shown: read as tunnelled, and said.
  const unknown = src([...nodes(tunnels), from("10.0.0.0/24"), pool("p", "cidr: 10.244.0.0/16, vxlanMode: CrossSubnet")]);
  assert.equal(unknown.allowed, false);
  assert.match(unknown.tunnel!, /the input does not show node n1's subnet \(its projectcalico\.org\/IPv4Address annotation\) or the other node's address: read as tunnelled/);
  // The pod's address in no pool: no tunnel route.
  const outside = src([...nodes(tunnels), from("10.0.0.0/24"), pool("p", "cidr: 10.250.0.0/16, vxlanMode: Always")]);
  assert.deepEqual([outside.allowed, outside.tunnel], [true, undefined]);
  for (const c of [never, ipip, same, other, unknown]) agreesWithFast(c.e, [["node:n1", "x/web"]]);
});

test("IPPool validation: the schema's enums and required cidr, and libcalico-go's validateIPPool", () => {
  const errors = (spec: string) => load({ "p.yaml": pool("p", spec) }).diagnostics.errors.map((e) => `${(e.field ?? []).join(".")}: ${e.message}`).join("\n");
  assert.match(errors("cidr: 10.244.0.0/16, ipipMode: Sometimes"), /^spec\.ipipMode: "Sometimes" is not one of Always, CrossSubnet, Never/);
  assert.match(errors("natOutgoing: true"), /cidr/);
  assert.match(errors("cidr: 10.244.0.0/16, ipipMode: Always, vxlanMode: Always"), /^spec\.vxlanMode: ipipMode and vxlanMode cannot both be enabled/);
  assert.match(errors("cidr: fd00:10::/64, ipipMode: Always"), /^spec\.ipipMode: IPIP is not supported on an IPv6 IP pool/);
  assert.equal(errors("cidr: 10.244.0.0/16, ipipMode: CrossSubnet, natOutgoing: true, disabled: false"), "");
});

test("a per-node FelixConfiguration's natOutgoingExclusions applies on its node over default's, and the calico-node environment over both (felix config_params.go: EnvironmentVariable > DatastorePerHost > DatastoreGlobal)", () => {
  const felix = (name: string, value: string) => `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: ${name}}\nspec: {natOutgoingExclusions: ${value}}`;
  const hp = pod("hp", "n1", "10.244.1.9", ", ports: [{containerPort: 80, hostPort: 8080}]");
  const podCidrOnly = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: hp, namespace: x}\nspec: {podSelector: {matchLabels: {app: hp}}, ingress: [{from: [{ipBlock: {cidr: 10.244.0.0/16}}]}]}`;
  const NAT = pool("p", "cidr: 10.244.0.0/16, natOutgoing: true");
  // web runs on n2: felix on n2 masquerades its traffic to n1's hostPort unless n2's exclusions keep host addresses out.
  const web = (...extra: string[]) => verdict(engineFor(cluster(hp, podCidrOnly, NAT, ...extra)), "x/web", "node:n1", 8080);
  assert.equal(web(felix("node.n2", "IPPoolsAndHostIPs")), "allow", "n2's own FelixConfiguration excludes host addresses: the pod's address kept (it was masqueraded: deny)");
  assert.equal(web(felix("default", "IPPoolsAndHostIPs"), felix("node.n2", "IPPoolsOnly")), "deny", "n2's own IPPoolsOnly over default's IPPoolsAndHostIPs: masqueraded");
  assert.equal(web(felix("node.n1", "IPPoolsAndHostIPs")), "deny", "another node's FelixConfiguration does not apply on n2");
  const ds = `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: calico-node, namespace: kube-system}\nspec: {selector: {matchLabels: {k8s-app: calico-node}}, template: {metadata: {labels: {k8s-app: calico-node}}, spec: {containers: [{name: calico-node, image: calico/node, env: [{name: FELIX_NATOUTGOINGEXCLUSIONS, value: IPPoolsOnly}]}]}}}`;
  assert.equal(web(felix("node.n2", "IPPoolsAndHostIPs"), ds), "deny", "the environment over the per-node FelixConfiguration");
  const warnings = load({ "f.yaml": [felix("node.n2", "IPPoolsAndHostIPs"), ds].join("\n---\n") }).diagnostics.items.filter((w) => w.severity === "warning" && /overridden/.test(w.message)).map((w) => `${(w.field ?? []).join(".")}: ${w.message}`);
  assert.deepEqual(warnings, ["spec.natOutgoingExclusions: overridden: FELIX_NATOUTGOINGEXCLUSIONS=IPPoolsOnly in DaemonSet kube-system/calico-node, which felix reads before any FelixConfiguration; this setting applies to no node"]);
  const e = engineFor(cluster(hp, podCidrOnly, NAT, felix("node.n2", "IPPoolsAndHostIPs")));
  agreesWithFast(e, [["x/web", "node:n1"]]);
});
