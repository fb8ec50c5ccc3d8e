// Calico's tunnels: a host's traffic to a pod of another node goes down the IPIP or VXLAN tunnel with
// the node's tunnel address as its source (calico-node records it on the Node:
// projectcalico.org/IPv4IPIPTunnelAddr, IPv4VXLANTunnelAddr, IPv6VXLANTunnelAddrV6; felix masquerades
// the host's packets going down the tunnel to it, projectcalico/felix#960). Junction gave such a flow
// the node's InternalIP: an ipBlock of the pod CIDR (where tunnel addresses are allocated) did not
// match it, an ipBlock of the node subnet did.

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
const pod = (name: string, nodeName: string, ip: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {app: ${name}}}\nspec: {nodeName: ${nodeName}, containers: [{name: c, image: i}]}\nstatus: {podIP: ${ip}}`;
const from = (cidr: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from, namespace: x}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: "${cidr}"}}]}]}`;
const VXLAN = `projectcalico.org/IPv4VXLANTunnelAddr: 10.244.1.0`;
const cluster = (policy: string, annotations = VXLAN) => ["apiVersion: v1\nkind: Namespace\nmetadata: {name: x}", node("n1", "10.0.0.1", annotations), node("n2", "10.0.0.2"),
  pod("web", "n2", "10.244.2.5"), pod("local", "n1", "10.244.1.7"), policy].join("\n---\n");

function party(e: PolicyEngine, text: string): Party {
  const r = resolveEndpoint(e.index, text);
  assert.ok(r.ok && r.value.kind === "parties", text);
  return (r as { value: { parties: Party[] } }).value.parties[0];
}

test("a node's traffic to a pod of another node has its Calico tunnel address as source; to its own pods, not", () => {
  const nodeNet = engineFor(cluster(from("10.0.0.0/24")), { ownNode: "policy" });
  const v = nodeNet.evaluate({ src: party(nodeNet, "node:n1"), dst: party(nodeNet, "x/web"), protocol: "TCP", port: 80 });
  assert.equal(v.allowed, false, "the node subnet's ipBlock does not match the tunnel address (it was allowed)");
  assert.ok(v.warnings.some((w) => w.code === "tunnel-source" && /node n1's Calico VXLAN tunnel address 10\.244\.1\.0/.test(w.message)), JSON.stringify(v.warnings));
  const podNet = engineFor(cluster(from("10.244.0.0/16")), { ownNode: "policy" });
  assert.equal(verdict(podNet, "node:n1", "x/web", 80), "allow", "the pod CIDR's ipBlock matches it (it was denied)");
  assert.equal(verdict(podNet, "node:n2", "x/web", 80), "deny", "n2 has no tunnel address: its InternalIP");
  assert.equal(verdict(nodeNet, "node:n1", "x/local", 80), "allow", "its own pod: no tunnel");
  assert.equal(verdict(engineFor(cluster(from("10.0.0.0/24"), "projectcalico.org/IPv4IPIPTunnelAddr: 10.244.1.1"), { ownNode: "policy" }), "node:n1", "x/web", 80), "deny", "IPIP alike");
  for (const e of [nodeNet, podNet]) {
    const fast = new FastConnectivity(e), ref = new PairwiseConnectivity(e);
    for (const [s, d] of [["node:n1", "x/web"], ["node:n2", "x/web"], ["node:n1", "x/local"]]) {
      assert.equal(formatConns(fast.conns(party(e, s), party(e, d))), formatConns(ref.conns(party(e, s), party(e, d))), `${s} → ${d}`);
    }
  }
});

test("a tunnel annotation that is no address of its family is a warning, and no tunnel", () => {
  const l = load({ "n.yaml": node("n1", "10.0.0.1", "projectcalico.org/IPv4VXLANTunnelAddr: fd00::1") });
  assert.ok(l.diagnostics.items.some((d) => d.severity === "warning" && d.code === "invalid-ip"), JSON.stringify(l.diagnostics.items));
  assert.equal(l.inventory.endpoints[0].tunnels, undefined);
});

test("a node's traffic to another node's address at a pod's hostPort takes no tunnel: the pod sees the node's own address", () => {
  const hostPortPod = `apiVersion: v1\nkind: Pod\nmetadata: {name: hp, namespace: x, labels: {app: hp}}\nspec: {nodeName: n2, containers: [{name: c, image: i, ports: [{containerPort: 80, hostPort: 8080}]}]}\nstatus: {podIP: 10.244.2.9}`;
  const e = engineFor([cluster(from("10.0.0.0/24")), hostPortPod].join("\n---\n"), { ownNode: "policy" });
  const v = e.evaluate({ src: party(e, "node:n1"), dst: party(e, "node:n2"), protocol: "TCP", port: 8080 });
  assert.ok(v.hostPort, "forwarded to the pod by its hostPort");
  assert.equal(v.allowed, true, "addressed to a node, the packet is routed, not tunnelled: its source is n1's InternalIP, which the node subnet's ipBlock matches (it was the tunnel address: denied)");
  assert.ok(!v.warnings.some((w) => w.code === "tunnel-source"), JSON.stringify(v.warnings));
  assert.equal(verdict(e, "node:n1", "x/hp", 80), "deny", "to the pod's own address it goes down the tunnel");
});
