// The data path that serves a Service's node ports, load balancer addresses and external IPs when it
// is not kube-proxy (model/cni.ts serviceDataPath; engine/kube-proxy.ts inClusterPath, outsidePath):
// - Cilium's kube-proxy replacement (cilium-config kube-proxy-replacement "true"/"strict", bpf-lb-mode):
//   bpf/lib/nodeport.h nodeport_lb4 delivers to a backend on the entry node with the client's address,
//   to a remote backend under DSR (nodeport_uses_dsr: dsr, hybrid for IPPROTO_TCP only) with the
//   client's address, else through CILIUM_CALL_IPV4_NODEPORT_NAT_FWD, SNATed to the entry node;
//   bpf/bpf_sock.c translates a pod's or a node's connect() at its own socket.
// - Calico's eBPF data plane (felix bpfEnabled; bpfExternalServiceMode Tunnel|DSR): the client's
//   address "all the way to the pod"; connect-time load balancing at the client.
// Each case was kube-proxy's masquerade before: a wrong allow of an ipBlock naming the node subnet, a
// wrong deny of one naming the client.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../helpers.js";
import { admitOnly, CLIENT, docs, node, web1, webService } from "./node-port-fixture.js";

interface Pair { from: string; to: string; port: number; verdict: string; service?: { frontend: string; why: string; seenAs?: string; snat?: string; dataPath?: string }; ingress: { decidedBy: string; summary: string } }

// Two nodes; web-1 on node-a behind Service shop/web (TCP 80 → 8080 at node port 30080, UDP 53 → 5353 at 30053);
// a client pod on node-b; web-1 admits the CIDR `allowed` only.
const cluster = (allowed: string, extra = "", spec = "") => docs(
  node("node-a", "InternalIP 10.0.0.1"), node("node-b", "InternalIP 10.0.0.2"),
  web1("{containerPort: 8080}, {containerPort: 5353, protocol: UDP}"), CLIENT,
  webService(`  type: LoadBalancer\n${spec}`, "status: {loadBalancer: {ingress: [{ip: 192.0.2.10}]}}", "{name: http, port: 80, targetPort: 8080, nodePort: 30080}, {name: dns, port: 53, protocol: UDP, targetPort: 5353, nodePort: 30053}"),
  admitOnly(allowed)) + extra;

const cilium = (data: string) => `---
apiVersion: v1
kind: ConfigMap
metadata: {name: cilium-config, namespace: kube-system}
data: {${data}}
`;
const felix = (spec: string) => `---
apiVersion: crd.projectcalico.org/v1
kind: FelixConfiguration
metadata: {name: default}
spec: {${spec}}
`;

async function explain(yaml: string, from: string, to: string, port: number, protocol = "TCP"): Promise<{ code: number; pairs: Pair[]; text: string; err: string }> {
  const args = ["explain", "-f", "-", "--from", from, "--to", to, "--port", String(port), "--protocol", protocol, "-q"];
  const r = await cli([...args, "-o", "json"], yaml);
  if (r.code !== 0 && r.code !== 1) return { code: r.code, pairs: [], text: "", err: r.err };
  const t = await cli(args, yaml);
  return { code: r.code, pairs: JSON.parse(r.out).pairs, text: t.out, err: r.err };
}

const rows = (out: { pairs: Pair[] }) => out.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs ?? "client"]);
const OUTSIDE = "ip:198.18.0.9";

test("kube-proxy (no other data path shown): externalTrafficPolicy Cluster masquerades to the entry node", async () => {
  const out = await explain(cluster("198.18.0.0/15"), OUTSIDE, "ip:10.0.0.1", 30080);
  // node-a's own address reaches its own pod: the own-node exemption admits it.
  assert.deepEqual(rows(out), [["shop/web-1", "allow", "node:node-a"]]);
  const b = await explain(cluster("198.18.0.0/15"), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(b), [["shop/web-1", "deny", "node:node-b"]]);
  assert.match(b.text, /\n  kube-proxy: externalTrafficPolicy Cluster: kube-proxy masquerades/);
});

test("Cilium kube-proxy replacement, bpf-lb-mode snat (the default): the client's address to a backend on the entry node, the entry node's to a remote one", async () => {
  const yaml = cluster("198.18.0.0/15", cilium(`kube-proxy-replacement: "true"`));
  // Entry at node-a, web-1's node: the client's address (kube-proxy: node-a's, a wrong deny of a policy admitting the client outside the own-node exemption).
  const a = await explain(yaml, OUTSIDE, "ip:10.0.0.1", 30080);
  assert.deepEqual(rows(a), [["shop/web-1", "allow", "client"]]);
  assert.match(a.text, /\n  service data path: Cilium's kube-proxy replacement \(bpf-lb-mode snat, ConfigMap kube-system\/cilium-config\), externalTrafficPolicy Cluster/);
  assert.match(a.text, /\n  source NAT: none: Cilium's kube-proxy replacement \(bpf-lb-mode snat, ConfigMap kube-system\/cilium-config\) delivers to an endpoint on the entry node node-a, the client's address kept; the ingress policies judge that source/);
  assert.equal(a.pairs[0].service!.dataPath, "Cilium's kube-proxy replacement (bpf-lb-mode snat, ConfigMap kube-system/cilium-config)");
  // Entry at node-b: forwarded to node-a SNATed to node-b's address.
  const b = await explain(yaml, OUTSIDE, "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(b), [["shop/web-1", "deny", "node:node-b"]]);
  assert.match(b.pairs[0].service!.snat!, /^SNAT by Cilium's kube-proxy replacement .*: the endpoint is on another node than the entry node node-b, which forwards it with its own address \(10\.0\.0\.2\) as the source/);
  // A load balancer address: entry at any node: the client's address at web-1's node, node-b's through node-b.
  const lb = await explain(yaml, OUTSIDE, "ip:192.0.2.10", 80);
  assert.deepEqual(rows(lb), [["shop/web-1", "allow", "client"], ["shop/web-1", "deny", "node:node-b"]]);
  // "strict" (releases before 1.15) is the same replacement.
  const strict = await explain(cluster("198.18.0.0/15", cilium(`kube-proxy-replacement: strict`)), OUTSIDE, "ip:10.0.0.1", 30080);
  assert.deepEqual(rows(strict), [["shop/web-1", "allow", "client"]]);
  // "false": kube-proxy's.
  const off = await explain(cluster("198.18.0.0/15", cilium(`kube-proxy-replacement: "false"`)), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(off), [["shop/web-1", "deny", "node:node-b"]]);
  assert.match(off.text, /\n  kube-proxy: /);
});

test("Cilium DSR keeps the client's address to every backend: a policy admitting the node subnet no longer admits an outside client (was a wrong allow)", async () => {
  const nodes = cluster("10.0.0.0/24", cilium(`kube-proxy-replacement: "true", bpf-lb-mode: dsr`));
  const b = await explain(nodes, "ip:203.0.113.9", "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(b), [["shop/web-1", "deny", "client"]]);
  assert.match(b.pairs[0].service!.snat!, /none: Cilium's kube-proxy replacement \(bpf-lb-mode dsr, .*\) forwards to the endpoint's node \(direct server return\), the client's address kept/);
  // Under kube-proxy the same flow is masqueraded to node-b and admitted.
  const kp = await explain(cluster("10.0.0.0/24"), "ip:203.0.113.9", "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(kp), [["shop/web-1", "allow", "node:node-b"]]);
  // Admitting the client: allowed through either node under DSR.
  const client = cluster("198.18.0.0/15", cilium(`kube-proxy-replacement: "true", bpf-lb-mode: dsr`));
  assert.deepEqual(rows(await explain(client, OUTSIDE, "ip:10.0.0.2", 30080)), [["shop/web-1", "allow", "client"]]);
});

test("Cilium hybrid: DSR for TCP, SNAT for UDP (nodeport_uses_dsr: nexthdr == IPPROTO_TCP)", async () => {
  const yaml = cluster("198.18.0.0/15", cilium(`kube-proxy-replacement: "true", bpf-lb-mode: hybrid`));
  const tcp = await explain(yaml, OUTSIDE, "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(tcp), [["shop/web-1", "allow", "client"]]);
  assert.match(tcp.pairs[0].service!.snat!, /direct server return: hybrid mode, TCP/);
  const udp = await explain(yaml, OUTSIDE, "ip:10.0.0.2", 30053, "UDP");
  assert.deepEqual(rows(udp), [["shop/web-1", "deny", "node:node-b"]]);
  assert.equal(udp.pairs[0].port, 5353);
});

test("an eBPF data path translates a pod's connection at the pod: the backend sees the pod, not the node whose port it dialled", async () => {
  // The client pod (198.18.0.20, on node-b) dials node-a's node port; web-1 admits the node subnet only.
  const kp = await explain(cluster("10.0.0.0/24"), "shop/client", "ip:10.0.0.1", 30080);
  // kube-proxy translates at node-a and masquerades (Cluster): node-a's address, admitted.
  assert.deepEqual(rows(kp), [["shop/web-1", "allow", "node:node-a"]]);
  for (const extra of [cilium(`kube-proxy-replacement: "true"`), felix("bpfEnabled: true")]) {
    const out = await explain(cluster("10.0.0.0/24", extra), "shop/client", "ip:10.0.0.1", 30080);
    assert.deepEqual(rows(out), [["shop/web-1", "deny", "client"]], extra);
    assert.match(out.pairs[0].service!.snat!, /translates the connection at the client's own socket, the client's address kept/);
    assert.match(out.pairs[0].service!.why, /externalTrafficPolicy does not apply to it/);
  }
  // And to the load balancer address under externalTrafficPolicy Local: every endpoint, the pod's address
  // (Calico: Cilium's CIDR rules never match a pod's address).
  const local = await explain(cluster("198.18.0.0/15", felix("bpfEnabled: true"), "  externalTrafficPolicy: Local"), "shop/client", "ip:192.0.2.10", 80);
  assert.deepEqual(rows(local), [["shop/web-1", "allow", "client"]]);
});

test("Cilium bpf-lb-mode-annotation: a Service's service.cilium.io/forwarding-mode replaces bpf-lb-mode for it (reflectors convertService, nodeport_uses_dsr under ENABLE_DSR_BYUSER)", async () => {
  const annotated = (mode: string, data: string) => cluster("198.18.0.0/15", cilium(data)).replace("metadata: {name: web, namespace: shop}", `metadata: {name: web, namespace: shop, annotations: {service.cilium.io/forwarding-mode: ${mode}}}`);
  // bpf-lb-mode snat, the Service asks for DSR (any case): the client's address through node-b (snat gave node-b's).
  const dsr = await explain(annotated("DSR", `kube-proxy-replacement: "true", bpf-lb-mode-annotation: "true"`), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(dsr), [["shop/web-1", "allow", "client"]]);
  assert.match(dsr.pairs[0].service!.snat!, /Cilium's kube-proxy replacement \(service\.cilium\.io\/forwarding-mode: dsr on Service shop\/web, bpf-lb-mode-annotation in ConfigMap kube-system\/cilium-config\) forwards to the endpoint's node \(direct server return\)/);
  // Without bpf-lb-mode-annotation the agent ignores the annotation: bpf-lb-mode snat.
  const ignored = await explain(annotated("dsr", `kube-proxy-replacement: "true"`), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(ignored), [["shop/web-1", "deny", "node:node-b"]]);
  // bpf-lb-mode dsr, the Service asks for SNAT: node-b's address.
  const snat = await explain(annotated("snat", `kube-proxy-replacement: "true", bpf-lb-mode: dsr, bpf-lb-mode-annotation: "true"`), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(snat), [["shop/web-1", "deny", "node:node-b"]]);
  // A value the agent does not know: a warning, bpf-lb-mode kept.
  const odd = await cli(["explain", "-f", "-", "--from", OUTSIDE, "--to", "ip:10.0.0.2", "--port", "30080"], annotated("geneve", `kube-proxy-replacement: "true", bpf-lb-mode-annotation: "true"`));
  assert.match(odd.err + odd.out, /"geneve" is not a Cilium forwarding mode \(snat or dsr\): Cilium ignores the annotation/);
  // Hybrid as the default under annotation mode: the agent refuses to start (pkg/loadbalancer/config.go NewConfig).
  const hybrid = await explain(annotated("dsr", `kube-proxy-replacement: "true", bpf-lb-mode: hybrid, bpf-lb-mode-annotation: "true"`), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.equal(hybrid.code, 2);
  assert.match(hybrid.err, /bpf-lb-mode hybrid is not supported as the default under bpf-lb-mode-annotation/);
});

test("Calico eBPF data plane: the client's address to every backend (Tunnel and DSR); FELIX_BPFENABLED overrides the FelixConfiguration", async () => {
  for (const [spec, mode] of [["bpfEnabled: true", "Tunnel"], ["bpfEnabled: true, bpfExternalServiceMode: dsr", "DSR"]]) {
    const yaml = cluster("198.18.0.0/15", felix(spec));
    const b = await explain(yaml, OUTSIDE, "ip:10.0.0.2", 30080);
    assert.deepEqual(rows(b), [["shop/web-1", "allow", "client"]], spec);
    assert.match(b.text, new RegExp(`service data path: Calico's eBPF data plane \\(bpfExternalServiceMode ${mode}, FelixConfiguration default\\)`));
    const nodes = await explain(cluster("10.0.0.0/24", felix(spec)), "ip:203.0.113.9", "ip:192.0.2.10", 80);
    assert.deepEqual(rows(nodes), [["shop/web-1", "deny", "client"]], spec);
  }
  const ds = (value: string) => `---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: calico-node}}
  template:
    metadata: {labels: {k8s-app: calico-node}}
    spec: {containers: [{name: calico-node, image: calico/node, env: [{name: FELIX_BPFENABLED, value: "${value}"}]}]}
`;
  // The environment first (config_params.go): "false" there leaves kube-proxy's path whatever the FelixConfiguration says.
  const off = await explain(cluster("198.18.0.0/15", felix("bpfEnabled: true") + ds("false")), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(off), [["shop/web-1", "deny", "node:node-b"]]);
  // felix's BoolParam: "Yes" is true.
  const on = await explain(cluster("198.18.0.0/15", ds("Yes")), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.deepEqual(rows(on), [["shop/web-1", "allow", "client"]]);
  assert.match(on.text, /bpfExternalServiceMode Tunnel, DaemonSet kube-system\/calico-node/);
  const bad = await explain(cluster("198.18.0.0/15", ds("maybe")), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /FELIX_BPFENABLED|value.*"maybe" is not a boolean felix reads/);
});

test("a value the agent or felix refuses is an error naming the field", async () => {
  const kpr = await explain(cluster("198.18.0.0/15", cilium(`kube-proxy-replacement: "yes"`)), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.equal(kpr.code, 2);
  assert.match(kpr.err, /data\.kube-proxy-replacement.*"yes" is not a kube-proxy-replacement value/);
  const mode = await explain(cluster("198.18.0.0/15", cilium(`kube-proxy-replacement: "true", bpf-lb-mode: maglev`)), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.equal(mode.code, 2);
  assert.match(mode.err, /data\.bpf-lb-mode.*"maglev" is not one of snat, dsr, hybrid/);
  const fx = await explain(cluster("198.18.0.0/15", felix("bpfEnabled: true, bpfExternalServiceMode: direct")), OUTSIDE, "ip:10.0.0.2", 30080);
  assert.equal(fx.code, 2);
  assert.match(fx.err, /spec\.bpfExternalServiceMode.*"direct" is not Tunnel or DSR/);
  // partial without enable-node-port: kube-proxy's path, with a warning.
  const partial = await cli(["explain", "-f", "-", "--from", OUTSIDE, "--to", "ip:10.0.0.2", "--port", "30080"], cluster("198.18.0.0/15", cilium(`kube-proxy-replacement: partial`)));
  assert.match(partial.err + partial.out, /kube-proxy-replacement partial enables the agent's node port handling only with enable-node-port/);
});

test("exposure follows the data path: under Calico eBPF the pods judge the outside client, not a node", async () => {
  type Report = { exposures: { kind: string; from: string; targets: { hop: string }[] }[] };
  const run = async (yaml: string) => JSON.parse((await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml)).out) as Report;
  const hops = (r: Report) => r.exposures.map((e) => e.targets.map((t) => t.hop));
  // web-1 admits node-b's address only: under kube-proxy every outside client arrives masqueraded, as node-b or node-a (own node: exempt).
  const kp = await run(cluster("10.0.0.2/32"));
  assert.deepEqual(hops(kp), [["allowed"], ["allowed"]]);
  assert.match(kp.exposures[0].from, /kube-proxy masquerades/);
  // Calico eBPF keeps the client's address: only a client at that very address is admitted (kube-proxy's "allowed" was a wrong allow).
  const ebpf = await run(cluster("10.0.0.2/32", felix("bpfEnabled: true")));
  assert.deepEqual(hops(ebpf), [["partly allowed"], ["partly allowed"]]);
  assert.match(ebpf.exposures[0].from, /the pods see the client's address \(Calico's eBPF data plane \(bpfExternalServiceMode Tunnel, FelixConfiguration default\)\)/);
  // Cilium snat: through web-1's node the client's address, through the other the node's.
  const snat = await run(cluster("10.0.0.2/32", cilium(`kube-proxy-replacement: "true"`)));
  assert.match(snat.exposures[0].from, /the pods see the entry node's address when they are on another node, else the client's \(Cilium's kube-proxy replacement/);
});
