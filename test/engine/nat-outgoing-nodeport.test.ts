// Calico natOutgoing before kube-proxy: a pod's connection to another node's node port leaves the
// pod's node through POSTROUTING, where felix's cali-nat-outgoing (rules/nat.go NATOutgoingChain)
// MASQUERADEs it to the node's address (the node address is outside every IP pool). The receiving
// node's kube-proxy then sees a connection from outside, not a pod's (pkg/proxy/iptables/proxier.go
// KUBE-EXT: "pod traffic for ... external destinations" matches the local-traffic detector only):
// under externalTrafficPolicy Local that node's own endpoints only, the pod's node as the source, and
// with no local endpoint the connection is dropped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../helpers.js";
import { admitOnly, CLIENT, docs, kubeProxyConfigMap, node, SHOP, web1, webService } from "./node-port-fixture.js";

interface Pair { to: string; verdict: string; service?: { why: string; seenAs?: string }; ingress: { summary: string } }

// Three nodes; web-1 on node-a behind NodePort Service shop/web (externalTrafficPolicy Local), admitting
// 198.18.0.0/15 only; the client pod on node-b in IP pool `pods`, natOutgoing as given.
const yaml = (pool: string) => docs(
  node("node-a", "InternalIP 10.0.0.1"), node("node-b", "InternalIP 10.0.0.2"), node("node-c", "InternalIP 10.0.0.3"), SHOP,
  web1(), CLIENT, webService("  type: NodePort\n  externalTrafficPolicy: Local"), admitOnly("198.18.0.0/15"), `apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 198.18.0.0/16, natOutgoing: ${pool}}
`);

async function explain(text: string, to: string): Promise<Pair[]> {
  const r = await cli(["explain", "-f", "-", "--from", "shop/client", "--to", to, "--port", "30080", "-o", "json", "-q"], text);
  assert.ok(r.code === 0 || r.code === 1, r.err);
  return JSON.parse(r.out).pairs;
}

test("natOutgoing: a pod's connection to another node's node port under externalTrafficPolicy Local is that node's external traffic: its endpoints only, seen as the pod's node", async () => {
  const masq = await explain(yaml("true"), "ip:10.0.0.1");
  assert.deepEqual(masq.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "deny", "node:node-b"]]);
  assert.match(masq[0].service!.why, /Calico natOutgoing \(IP pool pods\) masquerades pod shop\/client's connection to node node-b's address on its way to 10\.0\.0\.1/);
  // Without natOutgoing the pod's own address reaches any endpoint ("pod traffic ..."): the policy admits it.
  const plain = await explain(yaml("false"), "ip:10.0.0.1");
  assert.deepEqual(plain.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "allow", undefined]]);
});

// kube-proxy's local-traffic detector by clusterCIDR, holding the client pod: its own connection is a pod's.
const clusterCidr = kubeProxyConfigMap("clusterCIDR: 198.18.0.0/16");

test("natOutgoing: a node port of a node without a local endpoint drops the pod's connection (externalTrafficPolicy Local), which kube-proxy would send to any endpoint as a pod's", async () => {
  const masq = await explain(yaml("true") + clusterCidr, "ip:10.0.0.3");
  assert.equal(masq[0].verdict, "deny");
  assert.match(masq[0].ingress.summary, /node node-c has no local endpoint of Service shop\/web: kube-proxy drops it/);
  const plain = await explain(yaml("false") + clusterCidr, "ip:10.0.0.3");
  assert.deepEqual(plain.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "allow", undefined]]);
  // natOutgoingExclusions IPPoolsAndHostIPs: felix does not masquerade to a host address.
  const excluded = `---
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata: {name: default}
spec: {natOutgoingExclusions: IPPoolsAndHostIPs}
`;
  assert.equal((await explain(yaml("true") + clusterCidr + excluded, "ip:10.0.0.3"))[0].verdict, "allow");
});
