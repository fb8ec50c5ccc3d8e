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

interface Pair { to: string; verdict: string; service?: { why: string; seenAs?: string }; ingress: { summary: string } }

const yaml = (pool: string) => `apiVersion: v1
kind: Node
metadata: {name: node-a}
status: {addresses: [{type: InternalIP, address: 10.0.0.1}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-b}
status: {addresses: [{type: InternalIP, address: 10.0.0.2}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-c}
status: {addresses: [{type: InternalIP, address: 10.0.0.3}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {nodeName: node-a, containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.1.0.5, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec: {nodeName: node-b, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 198.18.0.20}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: NodePort, externalTrafficPolicy: Local, selector: {app: web}, clusterIP: 10.96.0.10, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{ipBlock: {cidr: 198.18.0.0/15}}]}]
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 198.18.0.0/16, natOutgoing: ${pool}}
`;

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
const clusterCidr = `---
apiVersion: v1
kind: ConfigMap
metadata: {name: kube-proxy, namespace: kube-system}
data:
  config.conf: |-
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    kind: KubeProxyConfiguration
    clusterCIDR: 198.18.0.0/16
`;

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
