// kube-proxy masquerades a node port's connection (externalTrafficPolicy Cluster) in nat POSTROUTING
// (KUBE-POSTROUTING's MASQUERADE of the packets KUBE-MARK-MASQ marked). Under Calico's iptables data
// plane felix polices a workload in the filter table's FORWARD hook (rules/static.go
// StaticFilterForwardChains: cali-FORWARD's to-workload dispatch), an earlier hook of the same
// forwarded packet: an endpoint on the node that translated the connection is judged on the client's
// address. Junction judged the node's address there, which the own-node rule exempts from the
// NetworkPolicy tier: a policy admitting one client range let every client in (a wrong allow).
// An endpoint on another node receives the packet masqueraded: that node's address.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../helpers.js";

const BASE = [
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}",
  ...[["n1", "172.18.0.2"], ["n2", "172.18.0.3"]].map(([n, ip]) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}`),
  ...[["web1", "n1", "10.0.1.1"], ["web2", "n2", "10.0.2.1"]].map(([n, node, ip]) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${n}, namespace: x, labels: {app: web}}\nspec: {nodeName: ${node}, containers: [{name: c, ports: [{containerPort: 8080}]}]}\nstatus: {podIP: ${ip}}`),
  "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: x}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}",
  // Clients from 198.51.100.0/24 only, and the nodes (the masqueraded connections of the other node's endpoint).
  "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: partners, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 198.51.100.0/24}}]}]",
];
const CALICO = "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {logSeverityScreen: Info}";

async function pairs(docs: string[], from: string): Promise<Record<string, string>> {
  const r = await cli(["explain", "-f", "-", "--from", from, "--to", "172.18.0.2", "--port", "30080", "-o", "json"], docs.join("\n---\n"));
  const out = JSON.parse(r.out) as { pairs: { to: string; verdict: string }[] };
  return Object.fromEntries(out.pairs.map((p) => [p.to, p.verdict]));
}

test("Calico: a node port's endpoint on the translating node is judged on the client's address, before kube-proxy's masquerade", async () => {
  assert.deepEqual(await pairs([...BASE, CALICO], "ip:203.0.113.5"), { "x/web1": "deny", "x/web2": "deny" }, "web1: the client, outside the range (was allowed: the own node); web2: node n1, outside it");
  assert.deepEqual(await pairs([...BASE, CALICO], "ip:198.51.100.7"), { "x/web1": "allow", "x/web2": "deny" }, "web1: the client, in the range; web2: node n1");
  const r = await cli(["explain", "-f", "-", "--from", "ip:198.51.100.7", "--to", "172.18.0.2", "--port", "30080", "-o", "json"], [...BASE, CALICO].join("\n---\n"));
  const web1 = (JSON.parse(r.out) as { pairs: { to: string; service: { seenAs?: string; snat?: string } }[] }).pairs.find((p) => p.to === "x/web1")!;
  assert.match(web1.service.snat!, /the endpoint sees node n1 .*, but felix judges an endpoint of the node that translated it before kube-proxy's masquerade .*: its policy judges the client/);
  assert.match(web1.service.seenAs!, /n1/, "its process still sees the node (what ingress-nginx's \$remote_addr is: engine/gateway/nginx-source.ts)");
  // Without Calico in the input: answered as before (the node translating it is the source everywhere).
  assert.deepEqual(await pairs(BASE, "ip:203.0.113.5"), { "x/web1": "allow", "x/web2": "deny" });
});
