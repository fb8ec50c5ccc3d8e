// A Service whose endpoints are no pods: the API server's default/kubernetes (its EndpointSlice holds
// the control plane's addresses: a node's, or one outside the cluster) and a Service without selector.
// kube-proxy DNATs a cluster IP connection to the EndpointSlice's address whatever owns it; explain
// refused the connection ("no endpoint of Service default/kubernetes ... is a pod in the input"), so a
// Cilium kube-apiserver entity rule, the usual way to let pods reach the API server, had no answer.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../helpers.js";

const base = (endpoint: string) => [
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}",
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}",
  "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.2}]}",
  "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {nodeName: n1, containers: [{name: c}]}\nstatus: {podIP: 10.0.1.1}",
  "apiVersion: v1\nkind: Service\nmetadata: {name: kubernetes, namespace: default}\nspec: {clusterIP: 10.96.0.1, ports: [{name: https, port: 443, targetPort: 6443}]}",
  `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: kubernetes, namespace: default, labels: {kubernetes.io/service-name: kubernetes}}\naddressType: IPv4\nendpoints: [{addresses: [${endpoint}]}]\nports: [{name: https, port: 6443, protocol: TCP}]`,
];
const cnp = (egress: string) => `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: api, namespace: x}\nspec:\n  endpointSelector: {matchLabels: {app: a}}\n  egress:\n${egress}`;

async function ask(docs: string[]) {
  const r = await cli(["explain", "-f", "-", "--from", "x/a", "--to", "ip:10.96.0.1", "--port", "443", "-o", "json"], docs.join("\n---\n"));
  assert.equal(r.err.match(/^junction explain:.*/m)?.[0], undefined);
  return JSON.parse(r.out) as { pairs: { to: string; port: number; verdict: string }[] };
}

test("a cluster IP whose endpoints are a node's or an outside address: judged at that address and port", async () => {
  const onNode = await ask([...base("172.18.0.2"), cnp("  - toEntities: [kube-apiserver]")]);
  assert.deepEqual(onNode.pairs.map((p) => [p.to, p.port, p.verdict]), [["node:n1", 6443, "allow"]]);
  const outside = await ask([...base("192.0.2.99"), cnp("  - toEntities: [kube-apiserver]")]);
  assert.deepEqual(outside.pairs.map((p) => [p.to, p.port, p.verdict]), [["ip:192.0.2.99", 6443, "allow"]]);
  const other = await ask([...base("192.0.2.99"), cnp("  - toCIDR: [198.51.100.0/24]")]);
  assert.equal(other.pairs[0].verdict, "deny", "the address's egress rule decides: not allowed");
});
