// Calico doNotTrack policies of host endpoints (felix rules/endpoints.go HostEndpointToRawChains,
// rules/static.go StaticRawPreroutingChain/StaticRawOutputChain): judged in the raw table before
// connection tracking, both ways; Allow is "NOTRACK and ALLOW" (the filter table accepts it:
// acceptAlreadyAccepted), Deny drops, no match falls through (no end-of-tier drop); the replies of an
// untracked connection are untracked too and need an allow of their own (an untracked rule of the other
// direction, or the normal policy as new connections). Selecting a host endpoint of the input was an
// error: nothing was analysed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../helpers.js";

const NODES = [["n1", "172.18.0.2"], ["n2", "172.18.0.3"]].map(([n, ip]) =>
  `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}`);
const hep = (n: string, ip: string) => `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: ${n}-eth0, labels: {hep: 'yes'}}\nspec: {node: ${n}, interfaceName: eth0, expectedIPs: [${ip}]}`;
const BASE = [
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}", ...NODES, hep("n1", "172.18.0.2"), hep("n2", "172.18.0.3"),
  "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: x, labels: {app: web}}\nspec: {nodeName: n1, containers: [{name: c}]}\nstatus: {podIP: 10.0.1.1}",
  // Normal host endpoint policy: SSH in only (and felix's failsafe ports); no egress policy: the host endpoints' default deny.
  "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: hep-ssh}\nspec:\n  selector: has(hep)\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [22]}}]",
];
const untracked = (name: string, rules: string) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n  selector: has(hep)\n  order: 10\n  doNotTrack: true\n  applyOnForward: true\n${rules}`;

async function explain(docs: string[], from: string, to: string, port: number) {
  const r = await cli(["explain", "-f", "-", "--from", from, "--to", to, "--port", String(port), "-o", "json"], [...BASE, ...docs].join("\n---\n"));
  assert.equal(r.err.match(/^error:.*/m)?.[0], undefined, r.err);
  const pair = (JSON.parse(r.out) as { pairs: { verdict: string; warnings?: string[]; ingress: { summary: string }; egress: { summary: string } }[] }).pairs[0];
  return { verdict: pair.verdict, warnings: (pair.warnings ?? []).join("\n"), pair };
}

test("doNotTrack Deny drops a host's traffic both ways, before the normal policy", async () => {
  const deny = untracked("raw-deny", "  types: [Ingress, Egress]\n  ingress: [{action: Deny, source: {nets: [203.0.113.0/24]}}]\n  egress: [{action: Deny, destination: {nets: [198.51.100.0/24]}}]");
  assert.equal((await explain([deny], "ip:203.0.113.5", "node:n1", 22)).verdict, "allow", "felix's failsafe port 22 comes first");
  const ssh = "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {failsafeInboundHostPorts: []}";
  const dropped = await explain([deny, ssh], "ip:203.0.113.5", "node:n1", 22);
  assert.equal(dropped.verdict, "deny", "the normal policy allows SSH; the untracked Deny comes first");
  assert.match(dropped.pair.ingress.summary, /denied by Calico GlobalNetworkPolicy raw-deny, ingress rule 0/);
  assert.equal((await explain([deny, ssh], "ip:192.0.2.7", "node:n1", 22)).verdict, "allow", "no untracked match: the normal policy");
  const out = await explain([deny], "node:n1", "ip:198.51.100.9", 443);
  assert.equal(out.verdict, "deny");
  assert.match(out.pair.egress.summary, /raw-deny, egress rule 0/);
  assert.equal((await explain([deny], "x/web", "ip:198.51.100.9", 443)).verdict, "allow", "a pod's traffic comes from a workload interface: not the host endpoint's raw chains");
});

test("doNotTrack Allow: the replies are untracked too, and need an allow of their own", async () => {
  const allow = untracked("raw-web", "  ingress: [{action: Allow, protocol: TCP, destination: {ports: [8080]}}]");
  const noReturn = await explain([allow], "ip:203.0.113.5", "node:n1", 8080);
  assert.equal(noReturn.verdict, "deny", "the replies meet the host endpoint's default deny as new connections");
  assert.match(noReturn.warnings, /raw-web ingress rule 0 \(doNotTrack\) of node n1's host endpoint accepts it before connection tracking, so its replies are not tracked: they are denied by the normal egress policy as new connections .*so the connection fails/);
  const back = untracked("raw-web", "  types: [Ingress, Egress]\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [8080]}}]\n  egress: [{action: Allow, protocol: TCP}]");
  const returned = await explain([back], "ip:203.0.113.5", "node:n1", 8080);
  assert.equal(returned.verdict, "allow");
  assert.match(returned.warnings, /they are allowed untracked by Calico GlobalNetworkPolicy raw-web egress rule 0/);
  const egressAll = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: hep-out}\nspec:\n  selector: has(hep)\n  egress: [{action: Allow}]";
  const normal = await explain([allow, egressAll], "ip:203.0.113.5", "node:n1", 8080);
  assert.equal(normal.verdict, "allow", "the normal egress policy allows the replies as new connections");
  assert.match(normal.warnings, /allowed by the normal egress policy as new connections/);
  assert.equal((await explain([allow], "ip:203.0.113.5", "node:n1", 8081)).verdict, "deny", "no untracked match: the normal policy (SSH only)");
});

// felix bpf_ep_mgr.go: "in BPF mode untracked ingress policy is _only_ implemented by XDP"
// (polprog: "For an XDP program HostNormalTiers continues the untracked policy to enforce").
test("felix's eBPF data plane: untracked policy applies to what arrives only", async () => {
  const bpf = "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {bpfEnabled: true}";
  const deny = untracked("raw-deny", "  types: [Ingress, Egress]\n  ingress: [{action: Deny, source: {nets: [203.0.113.0/24]}}]\n  egress: [{action: Deny, destination: {nets: [198.51.100.0/24]}}]");
  assert.equal((await explain([deny, bpf], "ip:203.0.113.5", "node:n1", 8080)).verdict, "deny", "XDP drops it");
  const egressAll = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: hep-out}\nspec:\n  selector: has(hep)\n  egress: [{action: Allow}]";
  assert.equal((await explain([deny, egressAll], "node:n1", "ip:198.51.100.9", 443)).verdict, "deny", "iptables: the untracked Deny");
  const out = await explain([deny, egressAll, bpf], "node:n1", "ip:198.51.100.9", 443);
  assert.equal(out.verdict, "allow", "eBPF: no untracked egress, the normal policy allows");
  assert.match(out.warnings, /raw-deny egress rule 0 \(doNotTrack\) would drop it in the iptables and nftables data planes; felix's eBPF data plane implements untracked policy for ingress only/);
});

// felix bpf_ep_mgr.go (a workload interface's program): "If host-* endpoint is configured, add in its
// policy" (its preDNAT and applyOnForward tiers, the direction inverted); the iptables data plane judges
// a pod's traffic by the pod's own policy only. Not modelled: said on the pods' answers.
test("felix's eBPF data plane: a host-* endpoint's preDNAT policy also judges its node's pods: said", async () => {
  const docs = (...more: string[]) => ["apiVersion: v1\nkind: Namespace\nmetadata: {name: x}", NODES[0],
    "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-all, labels: {hep: 'yes'}}\nspec: {node: n1, interfaceName: '*', expectedIPs: [172.18.0.2], profiles: [projectcalico-default-allow]}",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: x, labels: {app: web}}\nspec: {nodeName: n1, containers: [{name: c}]}\nstatus: {podIP: 10.0.1.1}",
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: pre}\nspec:\n  selector: has(hep)\n  preDNAT: true\n  applyOnForward: true\n  ingress: [{action: Deny, protocol: TCP, destination: {ports: [25]}}]", ...more].join("\n---\n");
  const run = async (...more: string[]) => JSON.parse((await cli(["explain", "-f", "-", "--from", "x/web", "--to", "ip:198.51.100.9", "--port", "25", "-o", "json"], docs(...more))).out) as { pairs: { verdict: string; warnings?: string[] }[] };
  assert.deepEqual((await run()).pairs[0].warnings ?? [], [], "iptables: the pod's own policy alone");
  const bpf = await run("apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {bpfEnabled: true}");
  assert.match((bpf.pairs[0].warnings ?? []).join("\n"), /unknown: in felix's eBPF data plane the preDNAT and applyOnForward ingress policies of host endpoint n1-all \(interfaceName "\*"\) also judge pod x\/web's traffic on its workload interface .*Calico GlobalNetworkPolicy pre/);
  assert.doesNotMatch((bpf.pairs[0].warnings ?? []).join("\n"), /Calico Tier/, "the default tier's end-of-tier Pass kept with the preDNAT policies is no policy of the input's");
});
