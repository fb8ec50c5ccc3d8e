// Input audit, ninth round: what the API server keeps of a Pod's status addresses (pkg/apis/core/v1
// conversion: Convert_v1_PodStatus_To_core_PodStatus) and what kube-proxy chooses behind a cluster IP.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, engineFor, load, verdict } from "../helpers.js";
import { formatAddress } from "../../src/model/ip.js";

const pod = (status: string) => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default, labels: {app: p}}
spec: {containers: [{name: c, image: x}]}
status: {phase: Running, ${status}}
`;

test("status.podIP and podIPs that differ: podIP is authoritative, podIPs dropped (was: both lists' addresses, the pod owning a stale one)", () => {
  const loaded = load({ "p.yaml": pod("podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.9}, {ip: 'fd00::9'}]") });
  assert.deepEqual(loaded.inventory.endpoints[0].addresses.map(formatAddress), ["10.0.0.5"]);
  assert.deepEqual(loaded.diagnostics.items.filter((d) => d.severity === "warning").map((d) => d.code), ["pod-ips-mismatch"]);
  assert.match(loaded.diagnostics.items.find((d) => d.severity === "warning")!.message, /status\.podIPs\[0\]\.ip \("10\.0\.0\.9"\) differs from status\.podIP \("10\.0\.0\.5"\): the API server keeps podIP alone/);
  // The dropped addresses are no one's: a policy naming 10.0.0.9 does not reach the pod.
  const engine = engineFor(pod("podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.9}]"));
  assert.equal(engine.index.byAddress.size, 1);
  assert.equal(verdict(engine, "ip:10.0.0.9", "default/p", 80), "allow");
  // Agreeing fields: the list, in order (the second family kept); podIPs alone; podIP alone.
  assert.deepEqual(load({ "p.yaml": pod("podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.5}, {ip: 'fd00::5'}]") }).inventory.endpoints[0].addresses.map(formatAddress), ["10.0.0.5", "fd00::5"]);
  assert.deepEqual(load({ "p.yaml": pod("podIPs: [{ip: 10.0.0.5}, {ip: 'fd00::5'}]") }).inventory.endpoints[0].addresses.map(formatAddress), ["10.0.0.5", "fd00::5"]);
  const alone = load({ "p.yaml": pod("podIP: 10.0.0.5") });
  assert.deepEqual(alone.inventory.endpoints[0].addresses.map(formatAddress), ["10.0.0.5"]);
  assert.deepEqual(alone.diagnostics.items.filter((d) => d.severity === "warning"), []);
});

const backends = (web2Ready: string, itp = "") => `apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: default, labels: {app: web}}
spec: {nodeName: a, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.1.0.1, conditions: [{type: Ready, status: "False"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: default, labels: {app: web}}
spec: {nodeName: b, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.1.0.2, conditions: [{type: Ready, status: "${web2Ready}"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {app: client}}
spec: {nodeName: a, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.1.0.9}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, clusterIP: 10.96.0.7, ports: [{port: 80, targetPort: 8080}]${itp}}
`;

async function explainSvc(yaml: string): Promise<{ code: number; pairs: { to: string; verdict: string; ingress: { decidedBy: string; summary: string } }[] }> {
  const r = await cli(["explain", "-f", "-", "--from", "default/client", "--to", "svc:default/web", "--port", "80", "-o", "json", "-q"], yaml);
  assert.ok(r.code === 0 || r.code === 1, r.err);
  return { code: r.code, pairs: JSON.parse(r.out).pairs };
}

test("a cluster IP reaches the endpoints kube-proxy chooses (was: every selected pod, a not-ready one too; an all-not-ready Service allowed)", async () => {
  // web-1 is not ready: kube-proxy never sends to it.
  assert.deepEqual((await explainSvc(backends("True"))).pairs.map((p) => p.to), ["default/web-2"]);
  // No ready endpoint (and none terminating to fall back to): kube-proxy rejects the connection.
  const none = await explainSvc(backends("False"));
  assert.equal(none.code, 1);
  assert.deepEqual(none.pairs.map((p) => [p.to, p.verdict, p.ingress.decidedBy]), [["ip:10.96.0.7", "deny", "service"]]);
  assert.match(none.pairs[0].ingress.summary, /no endpoint of Service default\/web takes it: kube-proxy rejects it \(pods selected by app=web: no ready endpoint; 2 not ready/);
  // internalTrafficPolicy Local: the client on node a reaches only a's endpoints; web-1 there is not ready: dropped.
  const local = await explainSvc(backends("True", ", internalTrafficPolicy: Local"));
  assert.deepEqual(local.pairs.map((p) => [p.to, p.verdict]), [["ip:10.96.0.7", "deny"]]);
  assert.match(local.pairs[0].ingress.summary, /kube-proxy drops it \(.*internalTrafficPolicy Local: 1 of 2 endpoints there/);
});

test("status.hostIP and hostIPs that differ: hostIP is authoritative, hostIPs dropped (Convert_v1_PodStatus_To_core_PodStatus); agreeing, a host-network pod has the list's addresses", () => {
  const host = (status: string) => pod(status).replace("spec: {", "spec: {hostNetwork: true, ");
  const differ = load({ "p.yaml": host("hostIP: 10.0.0.5, hostIPs: [{ip: 10.0.0.9}, {ip: 'fd00::9'}]") });
  assert.deepEqual(differ.inventory.endpoints[0].addresses.map(formatAddress), ["10.0.0.5"]);
  const warning = differ.diagnostics.items.filter((d) => d.severity === "warning");
  assert.deepEqual(warning.map((d) => d.code), ["host-ips-mismatch"]);
  assert.match(warning[0].message, /status\.hostIPs\[0\]\.ip \("10\.0\.0\.9"\) differs from status\.hostIP \("10\.0\.0\.5"\): the API server keeps hostIP alone/);
  // Told of a pod that does not use them too (the input is not what the API server keeps).
  assert.deepEqual(load({ "p.yaml": pod("podIP: 10.1.0.5, hostIP: 10.0.0.5, hostIPs: [{ip: 10.0.0.9}]") }).diagnostics.items.filter((d) => d.severity === "warning").map((d) => d.code), ["host-ips-mismatch"]);
  // Agreeing: both families, in order; the list alone; hostIP alone; no warning.
  for (const [status, want] of [["hostIP: 10.0.0.5, hostIPs: [{ip: 10.0.0.5}, {ip: 'fd00::5'}]", ["10.0.0.5", "fd00::5"]], ["hostIPs: [{ip: 10.0.0.5}, {ip: 'fd00::5'}]", ["10.0.0.5", "fd00::5"]], ["hostIP: 10.0.0.5", ["10.0.0.5"]]] as const) {
    const l = load({ "p.yaml": host(status) });
    assert.deepEqual(l.inventory.endpoints[0].addresses.map(formatAddress), want, status);
    assert.deepEqual(l.diagnostics.items.filter((d) => d.severity !== "info"), [], status);
  }
  // A pod with its own address keeps it (hostIPs is its node's).
  assert.deepEqual(load({ "p.yaml": host("podIP: 10.0.0.5, hostIPs: [{ip: 10.0.0.5}, {ip: 'fd00::5'}]") }).inventory.endpoints[0].addresses.map(formatAddress), ["10.0.0.5"]);
  // An address that is none: an error naming the item, as podIPs'.
  assert.match(load({ "p.yaml": host("hostIPs: [{ip: 10.0.0.5}, {ip: nope}]") }).diagnostics.errors.map((e) => `${e.message}`).join("\n"), /"nope" is not a valid IP address/);
});

test("an EndpointSlice or Endpoints address the API server refuses (ValidateEndpointIP: unspecified, loopback, link-local) is an error naming the item, and no endpoint", () => {
  const slice = (addr: string) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: ${addr.includes(":") ? "IPv6" : "IPv4"}
ports: [{port: 80}]
endpoints: [{addresses: ["${addr}"]}, {addresses: ["10.1.0.7"]}]
`;
  for (const [addr, why] of [["127.0.0.1", "loopback"], ["169.254.1.1", "link-local"], ["0.0.0.0", "unspecified"], ["fe80::1", "link-local"]] as const) {
    const l = load({ "s.yaml": addr.includes(":") ? slice(addr).replace(', {addresses: ["10.1.0.7"]}', "") : slice(addr) });
    const e = l.diagnostics.errors.map((d) => d.message).join("\n");
    assert.match(e, new RegExp(`"${addr.replace(/\./g, "\\.")}" may not be ${why === "unspecified" ? "unspecified" : `in the ${why} range`}.*ValidateEndpointIP: the API server refuses the EndpointSlice`), addr);
    if (!addr.includes(":")) assert.deepEqual(l.inventory.endpointSlices.flatMap((s) => s.endpoints.flatMap((x) => x.addresses)), ["10.1.0.7"]);
  }
  const endpoints = load({ "e.yaml": `apiVersion: v1
kind: Endpoints
metadata: {name: web, namespace: default}
subsets: [{addresses: [{ip: 127.0.0.1}, {ip: 10.1.0.7}], ports: [{port: 80}]}]
` });
  assert.match(endpoints.diagnostics.errors.map((d) => d.message).join("\n"), /"127\.0\.0\.1" may not be in the loopback range .*ValidateEndpointIP: the API server refuses the Endpoints/);
  // An ordinary address: no error.
  assert.deepEqual(load({ "s.yaml": slice("10.1.0.9") }).diagnostics.errors, []);
});
