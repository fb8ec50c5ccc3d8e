// Calico preDNAT policies (felix rules/static.go StaticManglePreroutingChain, rules/endpoints.go
// HostEndpointToMangleIngressChains): judged in mangle PREROUTING on what arrives through a host
// endpoint, before kube-proxy's DNAT (the node port, not the pod's port); Allow accepts (the filter
// table's host endpoint policy is skipped: acceptAlreadyAccepted), Deny drops, no match falls through.
// Normal host endpoint policy applies to the host's own traffic only (docs "Apply on forwarded traffic":
// "If applyOnForward is false, the host endpoint policy applies to traffic to/from local processes
// only"): a node port forwarded to a pod is not judged by it. A preDNAT policy selecting a host
// endpoint was an error, and the input was not analysed at all.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, load, tempFiles } from "../helpers.js";

const NODES = [["n1", "172.18.0.2"], ["n2", "172.18.0.3"]].map(([n, ip]) =>
  `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}`);
const hep = (n: string, ip: string) => `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: ${n}-eth0, labels: {hep: 'yes'}}\nspec: {node: ${n}, interfaceName: eth0, expectedIPs: [${ip}]}`;
const BASE = [
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}", ...NODES,
  "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: x, labels: {app: web}}\nspec: {nodeName: n1, containers: [{name: c, ports: [{containerPort: 8080}]}]}\nstatus: {podIP: 10.0.1.1}",
  "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: x}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}",
  hep("n1", "172.18.0.2"), hep("n2", "172.18.0.3"),
  // Normal host endpoint policy: SSH only (and felix's failsafe ports).
  "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: hep-ssh}\nspec:\n  selector: has(hep)\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [22]}}]",
];
// The docs' pattern (security/host-endpoints, "Restrict access to Kubernetes node ports"): allow one net to the node ports, deny the rest.
const PRE_DNAT = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: nodeports}\nspec:\n  selector: has(hep)\n  order: 10\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - {action: Allow, source: {nets: [198.51.100.0/24]}, protocol: TCP, destination: {ports: [30080, 9100]}}\n  - {action: Deny, protocol: TCP, destination: {ports: ['30000:32767']}}";

const yaml = (...docs: string[]) => [...BASE, ...docs].join("\n---\n");

async function explain(docs: string[], from: string, to: string, port: number) {
  const r = await cli(["explain", "-f", "-", "--from", from, "--to", to, "--port", String(port), "-o", "json"], yaml(...docs));
  assert.equal(r.err.match(/^error:.*/m)?.[0], undefined, r.err);
  return JSON.parse(r.out) as { pairs: { verdict: string; ingress: { decidedBy?: string; policy?: string; summary?: string }; service?: { why: string } }[] };
}

test("a normal host endpoint policy does not judge a node port forwarded to a pod (applyOnForward false)", async () => {
  const r = await explain([], "ip:203.0.113.5", "172.18.0.2", 30080);
  assert.equal(r.pairs[0].verdict, "allow");
  assert.equal((await explain([], "ip:203.0.113.5", "node:n1", 8080)).pairs[0].verdict, "deny", "the host's own port: its policy decides");
  const x = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml());
  assert.deepEqual((JSON.parse(x.out) as { exposures: { targets: { hop: string }[] }[] }).exposures[0].targets.map((t) => t.hop), ["allowed"]);
});

test("preDNAT: the node port is judged before DNAT; Deny drops, Allow accepts, no match falls through to the normal policy", async () => {
  const l = load({ "p.yaml": yaml(PRE_DNAT) });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), [], "no longer refused");
  assert.ok(l.diagnostics.items.some((d) => d.code === "vendor-prednat"));
  assert.equal(l.inventory.policies.some((p) => p.name === "nodeports"), false, "the engines do not see it: it is no normal policy");
  const denied = await explain([PRE_DNAT], "ip:203.0.113.5", "172.18.0.2", 30080);
  assert.equal(denied.pairs[0].verdict, "deny");
  assert.match(denied.pairs[0].service!.why, /Calico GlobalNetworkPolicy nodeports ingress rule 1 \(preDNAT\) drops it at node n1's node port 30080, before kube-proxy's DNAT/);
  assert.equal((await explain([PRE_DNAT], "ip:198.51.100.7", "172.18.0.2", 30080)).pairs[0].verdict, "allow", "its net: allowed, then the pod's policy");
  // To the host itself: Allow accepts past the normal policy (which allows 22 only); no match: the normal policy.
  assert.equal((await explain([PRE_DNAT], "ip:198.51.100.7", "node:n1", 9100)).pairs[0].verdict, "allow", "accepted before the filter table");
  assert.equal((await explain([PRE_DNAT], "ip:203.0.113.5", "node:n1", 9100)).pairs[0].verdict, "deny", "no preDNAT match: hep-ssh isolates");
  assert.equal((await explain([PRE_DNAT], "ip:203.0.113.5", "node:n1", 31000)).pairs[0].verdict, "deny");
  assert.equal((await explain([PRE_DNAT], "ip:203.0.113.5", "node:n1", 22)).pairs[0].verdict, "allow", "failsafe and the normal policy");
  assert.equal((await explain([PRE_DNAT], "x/web", "node:n1", 31000)).pairs[0].verdict, "allow", "a pod of the node arrives through its workload interface: no preDNAT (felix's DefaultEndpointToHostAction)");
  // The preDNAT policy's nets tell outside addresses apart (model/ranges.ts mentionedRanges): exposure
  // found 198.51.100.0/24 in no class of its own and answered the node port reached by nobody.
  const x = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml(PRE_DNAT));
  const row = (JSON.parse(x.out) as { exposures: { from: string; targets: { hop: string }[]; problem?: string }[] }).exposures[0];
  assert.deepEqual(row.targets.map((t) => t.hop), ["allowed"], "198.51.100.0/24 reaches it");
  assert.match(row.from, /from other outside addresses, no node lets it in: Calico GlobalNetworkPolicy nodeports ingress rule 1 \(preDNAT, before kube-proxy's DNAT\) drops it at nodes n1, n2/);
  const closed = PRE_DNAT.replace(/  - \{action: Allow.*\n/, "");
  const none = (JSON.parse((await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml(closed))).out) as { exposures: { targets: unknown[]; problem?: string }[] }).exposures[0];
  assert.deepEqual(none.targets, []);
  assert.match(none.problem!, /Calico GlobalNetworkPolicy nodeports ingress rule 0 \(preDNAT, before kube-proxy's DNAT\) drops it at nodes n1, n2/);
  // A range the preDNAT policy splits is answered per part (explain --from a CIDR: engine/endpoints.ts rangeParties).
  const split = await explain([PRE_DNAT], "198.51.0.0/16", "172.18.0.2", 30080);
  assert.deepEqual([...new Set(split.pairs.map((p) => p.verdict))].sort(), ["allow", "deny"]);
  const t = tempFiles({ "e.yaml": "- {from: ip:203.0.113.5, to: 172.18.0.2, port: 30080, expect: deny}\n- {from: ip:198.51.100.9, to: 172.18.0.3, port: 30080, expect: allow}\n- {from: ip:198.51.100.9, to: node:n2, port: 9100, expect: allow}\n" });
  try {
    const r = await cli(["test", "-f", "-", "--expect", `${t.dir}/e.yaml`], yaml(PRE_DNAT));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /3 passed, 0 failed/);
  } finally { t.cleanup(); }
});

// felix's mangle PREROUTING (preDNAT) runs before the nat table's PREROUTING, where the CNI portmap
// plugin DNATs a hostPort (CNI-HOSTPORT-DNAT): a preDNAT Deny drops a connection to a node's hostPort
// before it is forwarded to the pod; its Allow leaves the pod's own policy to decide (felix's filter
// FORWARD skips only the host endpoint's forward policy on MarkAccept, the workload's chains still run).
// Both were answered as the pod's policy alone: the Deny a wrong allow.
const HOSTPORT_POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: x, labels: {app: agent}}\nspec: {nodeName: n2, containers: [{name: c, ports: [{containerPort: 9000, hostPort: 9443}]}]}\nstatus: {podIP: 10.0.2.1}";
const PRE_DNAT_HOSTPORT = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: hostports}\nspec:\n  selector: has(hep)\n  order: 10\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - {action: Allow, source: {nets: [198.51.100.0/24]}, protocol: TCP, destination: {ports: [9443]}}\n  - {action: Deny, protocol: TCP, destination: {ports: [9443]}}";

test("preDNAT: a node's hostPort is judged before the portmap DNAT (Deny drops it; Allow leaves the pod's policy)", async () => {
  const denied = await explain([HOSTPORT_POD, PRE_DNAT_HOSTPORT], "ip:203.0.113.5", "172.18.0.3", 9443);
  assert.equal(denied.pairs[0].verdict, "deny");
  assert.match(JSON.stringify(denied.pairs[0].ingress), /hostports/);
  assert.equal((await explain([HOSTPORT_POD, PRE_DNAT_HOSTPORT], "ip:198.51.100.7", "172.18.0.3", 9443)).pairs[0].verdict, "allow", "its net: forwarded, the pod's policy (none) allows");
  assert.equal((await explain([HOSTPORT_POD], "ip:203.0.113.5", "172.18.0.3", 9443)).pairs[0].verdict, "allow", "without the preDNAT policy: forwarded");
  const x = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml(HOSTPORT_POD, PRE_DNAT_HOSTPORT));
  const row = (JSON.parse(x.out) as { exposures: { kind: string; from: string; targets: { hop: string }[]; problem?: string }[] }).exposures.find((e) => e.kind === "HostPort")!;
  assert.deepEqual(row.targets.map((t) => t.hop), ["allowed"], "reached from 198.51.100.0/24");
  assert.match(row.from, /hostports ingress rule 1 \(preDNAT, before the portmap DNAT\) drops it/);
  const deny = PRE_DNAT_HOSTPORT.replace(/  - \{action: Allow.*\n/, "");
  const none = (JSON.parse((await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml(HOSTPORT_POD, deny))).out) as { exposures: { kind: string; targets: unknown[]; problem?: string }[] }).exposures.find((e) => e.kind === "HostPort")!;
  assert.deepEqual(none.targets, []);
  assert.match(none.problem!, /hostports ingress rule 0 \(preDNAT, before the portmap DNAT\) drops it at node n2/);
});

// A host-network pod's address is its node's (match.ts nodeOf, actsAsNode): what arrives for it
// crosses the node's host endpoint and felix's mangle PREROUTING. explain to the pod skipped the
// preDNAT policy that explain to the node's address applies: a Deny's wrong allow.
test("preDNAT: a connection to a host-network pod is judged as one to its node", async () => {
  const exporter = "apiVersion: v1\nkind: Pod\nmetadata: {name: exporter, namespace: x, labels: {app: exporter}}\nspec: {nodeName: n1, hostNetwork: true, containers: [{name: c, ports: [{containerPort: 9100}]}]}\nstatus: {podIP: 172.18.0.2, hostIP: 172.18.0.2}";
  const deny = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: no-exporter}\nspec:\n  selector: has(hep)\n  order: 10\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - {action: Deny, protocol: TCP, destination: {ports: [9100]}}";
  const allowAll = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: hep-all}\nspec:\n  selector: has(hep)\n  ingress: [{action: Allow}]";
  for (const to of ["172.18.0.2", "node:n1", "x/exporter"]) {
    const r = await explain([exporter, allowAll, deny], "ip:203.0.113.5", to, 9100);
    assert.equal(r.pairs[0].verdict, "deny", to);
    assert.match(JSON.stringify(r.pairs[0].ingress), /no-exporter/, to);
  }
  assert.equal((await explain([exporter, allowAll], "ip:203.0.113.5", "x/exporter", 9100)).pairs[0].verdict, "allow", "without it, the normal policy");
  assert.equal((await explain([exporter, allowAll, deny], "x/web", "x/exporter", 9100)).pairs[0].verdict, "allow", "from a pod of its node: its workload interface, no preDNAT");
});
