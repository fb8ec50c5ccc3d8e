// kube-proxy's data path for a Service's addresses other than its cluster IP (engine/kube-proxy.ts):
// a node address at a node port, a load balancer's ingress address, an external IP. Each case is
// pkg/proxy/iptables/proxier.go syncProxyRules' chains: KUBE-FW (loadBalancerSourceRanges), KUBE-EXT
// ("masquerade traffic for ... external destinations" under externalTrafficPolicy Cluster; "pod
// traffic ..." and "masquerade LOCAL traffic ..." under Local), the node ports chain reached only for
// the node's own addresses (--dst-type LOCAL), and "... has no local endpoints" (DROP).

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, load, tempFiles } from "../helpers.js";
import { formatPath } from "../../src/model/source.js";
import { admitOnly, CLIENT, docs, kubeProxyConfigMap, node, SHOP, web1, webService } from "./node-port-fixture.js";

interface Pair { from: string; to: string; port: number; verdict: string; service?: { frontend: string; why: string; seenAs?: string; snat?: string }; ingress: { decidedBy: string; summary: string }; egress: { summary: string } }

// Two nodes; web-1 on node-a behind Service shop/web; a policy admitting 198.18.0.0/15 only.
const base = (spec: string, status = "") => docs(
  node("node-a", "ExternalIP 198.51.100.1", "InternalIP 10.0.0.1"), node("node-b", "InternalIP 10.0.0.2"), SHOP,
  web1(), CLIENT, webService(spec, status), admitOnly("198.18.0.0/15"));

async function explain(yaml: string, from: string, to: string, port: number): Promise<{ code: number; pairs: Pair[]; text: string }> {
  const r = await cli(["explain", "-f", "-", "--from", from, "--to", to, "--port", String(port), "-o", "json", "-q"], yaml);
  assert.ok(r.code === 0 || r.code === 1, r.err);
  const t = await cli(["explain", "-f", "-", "--from", from, "--to", to, "--port", String(port), "-q"], yaml);
  return { code: r.code, pairs: JSON.parse(r.out).pairs, text: t.out };
}

const LB = "  type: LoadBalancer";
const LB_STATUS = "status: {loadBalancer: {ingress: [{ip: 192.0.2.10}]}}";

test("a load balancer address outside loadBalancerSourceRanges is dropped by KUBE-FW (was a wrong allow: an external address, never policed)", async () => {
  const yaml = base(`${LB}\n  loadBalancerSourceRanges: [" 203.0.113.0/24 "]\n  externalTrafficPolicy: Local`, LB_STATUS);
  const out = await explain(yaml, "ip:198.18.0.9", "ip:192.0.2.10", 80);
  assert.equal(out.code, 1);
  assert.equal(out.pairs.length, 1);
  assert.equal(out.pairs[0].ingress.decidedBy, "service");
  assert.match(out.pairs[0].ingress.summary, /198\.18\.0\.9 is outside the Service's loadBalancerSourceRanges \(203\.0\.113\.0\/24\): kube-proxy's firewall chain \(KUBE-FW\) drops it/);
  // Inside the ranges (the padding trimmed, as newBaseServiceInfo does), Local keeps the source: the policy judges 203.0.113.7 itself.
  const inside = await explain(yaml, "ip:203.0.113.7", "ip:192.0.2.10", 80);
  assert.deepEqual(inside.pairs.map((p) => [p.to, p.port, p.verdict, p.ingress.decidedBy]), [["shop/web-1", 8080, "deny", "isolation"]]);
  // A pod's connection meets the firewall chain with its own address (a pod outside the ranges is dropped too).
  const pod = await explain(yaml, "shop/client", "ip:192.0.2.10", 80);
  assert.match(pod.pairs[0].ingress.summary, /198\.18\.0\.20 is outside/);
  // The node port is not subject to the ranges ("nodeports are not subject to loadBalancerSourceRanges").
  const np = await explain(yaml, "ip:198.18.0.9", "ip:10.0.0.1", 30080);
  assert.deepEqual(np.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
  // A zero-length prefix among the ranges lets every source in (as no ranges).
  const any = await explain(base(`${LB}\n  loadBalancerSourceRanges: [203.0.113.0/24, 0.0.0.0/0]\n  externalTrafficPolicy: Local`, LB_STATUS), "ip:198.18.0.9", "ip:192.0.2.10", 80);
  assert.deepEqual(any.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
});

test("externalTrafficPolicy Cluster masquerades: the endpoint's ipBlock judges the node's address, not the client's", async () => {
  const yaml = base(LB, LB_STATUS);
  // From an allowed client through node-b's node port: web-1 sees node-b (10.0.0.2), which the policy does not admit (was a wrong allow).
  const b = await explain(yaml, "ip:198.18.0.9", "ip:10.0.0.2", 30080);
  assert.deepEqual(b.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "deny", "node:node-b"]]);
  assert.match(b.pairs[0].service!.snat!, /masqueraded: the endpoint sees node node-b \(10\.0\.0\.2\) as the source/);
  assert.match(b.text, /source NAT: masqueraded: the endpoint sees node node-b \(10\.0\.0\.2\) as the source; the ingress policies judge that source/);
  assert.match(b.text, /kube-proxy: externalTrafficPolicy Cluster: kube-proxy masquerades/);
  // The egress side stays the client's; the ingress side names the policy that isolates web-1.
  assert.match(b.pairs[0].ingress.summary, /isolated by NetworkPolicy shop\/web/);
  // From outside to the load balancer: it may enter at either node; at web-1's own node the own-node exemption admits it, at node-b it is denied: a mixed answer.
  const lb = await explain(yaml, "ip:203.0.113.7", "ip:192.0.2.10", 80);
  assert.deepEqual(lb.pairs.map((p) => [p.service?.seenAs, p.verdict]), [["node:node-a", "allow"], ["node:node-b", "deny"]]);
  // The node's InternalIP is the source (the status lists its ExternalIP first).
  assert.match(lb.pairs[0].service!.snat!, /node node-a \(10\.0\.0\.1\)/);
});

test("externalTrafficPolicy Local: only the receiving node's endpoints, source kept; none there: dropped", async () => {
  const yaml = base(`${LB}\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32000`, LB_STATUS);
  const a = await explain(yaml, "ip:198.18.0.9", "ip:10.0.0.1", 30080);
  assert.deepEqual(a.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "allow", undefined]]);
  const b = await explain(yaml, "ip:198.18.0.9", "ip:10.0.0.2", 30080);
  assert.equal(b.pairs[0].ingress.decidedBy, "service");
  assert.match(b.pairs[0].ingress.summary, /node node-b has no local endpoint of Service shop\/web: kube-proxy drops it \(externalTrafficPolicy Local/);
  // A pod's connection is not subject to the policy ("pod traffic for ... external destinations"): any endpoint, the pod's own address.
  const pod = await explain(yaml, "shop/client", "ip:10.0.0.2", 30080);
  assert.deepEqual(pod.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "allow", undefined]]);
  // The load balancer sends only to nodes with endpoints (its health check): the client's source is kept.
  const lb = await explain(yaml, "ip:203.0.113.7", "ip:192.0.2.10", 80);
  assert.deepEqual(lb.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "deny"]]);
  assert.match(lb.pairs[0].service!.why, /healthCheckNodePort 32000/);
});

test("spec.externalIPs are served like a load balancer address, not subject to loadBalancerSourceRanges; a node's address at a Service port is the Service", async () => {
  const yaml = base(`${LB}\n  loadBalancerSourceRanges: [203.0.113.0/24]\n  externalIPs: [192.0.2.50, 10.0.0.2]\n  externalTrafficPolicy: Local`, LB_STATUS);
  const ext = await explain(yaml, "ip:198.18.0.9", "ip:192.0.2.50", 80);
  assert.deepEqual(ext.pairs.map((p) => [p.to, p.port, p.verdict]), [["shop/web-1", 8080, "allow"]]);
  assert.match(ext.text, /destination port: external IP 192\.0\.2\.50 port 80 of Service shop\/web → service port 80 → targetPort 8080/);
  // node-b's address at port 80 is captured as the external IP (KUBE-SERVICES, before the node ports).
  const node = await explain(yaml, "ip:198.18.0.9", "ip:10.0.0.2", 80);
  assert.deepEqual(node.pairs.map((p) => [p.to, p.port]), [["shop/web-1", 8080]]);
  // Another port of the node is the node's own.
  const other = await explain(yaml, "ip:198.18.0.9", "ip:10.0.0.2", 22);
  assert.deepEqual(other.pairs.map((p) => [p.to, p.port]), [["node:node-b", 22]]);
});

test("ipMode Proxy: the load balancer proxies to the node ports; the endpoint sees it (Local) or a node (Cluster)", async () => {
  const status = "status: {loadBalancer: {ingress: [{ip: 192.0.2.10, ipMode: Proxy}]}}";
  const local = await explain(base(`${LB}\n  externalTrafficPolicy: Local`, status), "ip:198.18.0.9", "ip:192.0.2.10", 80);
  // The policy admits 198.18.0.0/15 but web-1 sees the load balancer's address: denied.
  assert.deepEqual(local.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "deny", "ip:192.0.2.10"]]);
  const cluster = await explain(base(LB, status), "ip:198.18.0.9", "ip:192.0.2.10", 80);
  assert.deepEqual(cluster.pairs.map((p) => [p.service?.seenAs, p.verdict]), [["node:node-a", "allow"], ["node:node-b", "deny"]]);
  // Without a node port the input does not say how the load balancer reaches the endpoints: an input error, not a guess.
  const noNodePort = await cli(["explain", "-f", "-", "--from", "ip:198.18.0.9", "--to", "ip:192.0.2.10", "--port", "80", "-q"], base(`${LB}\n  externalTrafficPolicy: Local`, status).replace(", nodePort: 30080", ""));
  assert.equal(noNodePort.code, 2);
  assert.match(noNodePort.err, /load balancer 192\.0\.2\.10 port 80 of Service shop\/web \(ipMode Proxy\): the load balancer proxies the connection \(ipMode Proxy\) and the port has no nodePort in the input/);
});

test("no endpoint at all: kube-proxy rejects the connection", async () => {
  const yaml = base(LB, LB_STATUS).replace("selector: {app: web}", "selector: {app: none}");
  const out = await explain(yaml, "ip:198.18.0.9", "ip:192.0.2.10", 80);
  assert.equal(out.code, 1);
  assert.match(out.pairs[0].ingress.summary, /Service shop\/web has no endpoint to send it to: kube-proxy rejects it/);
});

test("the Service fields are read as the API server and kube-proxy read them", () => {
  const loaded = load({ "s.yaml": base(`${LB}\n  externalTrafficPolicy: Local\n  allocateLoadBalancerNodePorts: false\n  externalIPs: [192.0.2.50]\n  loadBalancerSourceRanges: [10.0.0.0/8]`, "status: {loadBalancer: {ingress: [{ip: 192.0.2.10}, {hostname: lb.example.com}, {ip: 192.0.2.11, ipMode: Proxy}]}}") });
  assert.deepEqual(loaded.diagnostics.errors.map((e) => e.message), []);
  const s = loaded.inventory.services[0];
  assert.equal(s.externalTrafficPolicy, "Local");
  assert.equal(s.allocateLoadBalancerNodePorts, false);
  assert.deepEqual(s.externalIPs!.map((a) => a.value), [0xc0000232n]);
  assert.deepEqual(s.loadBalancerIngress!.map((x) => [x.ip.value, x.proxy ?? false]), [[0xc000020an, false], [0xc000020bn, true]]);
  assert.deepEqual(s.loadBalancerSourceRanges!.map((r) => r.text), ["10.0.0.0/8"]);
  // externalTrafficPolicy counts for NodePort and LoadBalancer only (apiservice.ExternalPolicyLocal).
  const cip = load({ "s.yaml": base("  externalTrafficPolicy: Local\n  externalIPs: [192.0.2.50]") });
  assert.equal(cip.inventory.services[0].externalTrafficPolicy, undefined);
  // The ranges on another type: the API server refuses the Service ("may only be used when type is LoadBalancer").
  const bad = load({ "s.yaml": base("  loadBalancerSourceRanges: [10.0.0.0/8]") });
  assert.match(bad.diagnostics.errors.map((e) => e.message).join("\n"), /loadBalancerSourceRanges may only be used when type is LoadBalancer/);
  const invalid = load({ "s.yaml": base(`${LB}\n  loadBalancerSourceRanges: [10.0.0.0/40]\n  externalIPs: [not-an-ip]`) });
  assert.deepEqual(invalid.diagnostics.errors.map((e) => e.message).sort(), ['"10.0.0.0/40" is not a valid CIDR', '"not-an-ip" is not a valid IP address']);
});

test("exposure: a load balancer admits its source ranges only, its node ports are a row of their own, external IPs are exposed, and Cluster masquerades", async () => {
  const yaml = base(`${LB}\n  loadBalancerSourceRanges: [203.0.113.0/24]\n  externalIPs: [192.0.2.50]`, LB_STATUS);
  const r = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml);
  const report = JSON.parse(r.out) as { exposures: { kind: string; entry: string; from: string; targets: { hop: string }[] }[] };
  assert.deepEqual(report.exposures.map((e) => [e.kind, e.entry]), [
    ["LoadBalancer", "TCP :80 (load balancer 192.0.2.10)"],
    ["NodePort", "TCP nodePort 30080 on every node (not subject to loadBalancerSourceRanges)"],
    ["ExternalIP", "TCP 192.0.2.50:80 (external IP)"],
  ]);
  assert.match(report.exposures[0].from, /within loadBalancerSourceRanges 203\.0\.113\.0\/24; the pods see a node's address \(kube-proxy masquerades/);
  // Seen as node-a (own node: exempt) or node-b (not admitted): partly allowed, whoever the client is.
  assert.deepEqual(report.exposures.map((e) => e.targets.map((t) => t.hop)), [["partly allowed"], ["partly allowed"], ["partly allowed"]]);
  // Local: the client's address is judged; from the ranges (203.0.113.0/24, not admitted by the policy) the hop is blocked.
  const local = await cli(["exposure", "-f", "-", "-o", "json", "-q"], base(`${LB}\n  loadBalancerSourceRanges: [203.0.113.0/24]\n  externalTrafficPolicy: Local`, LB_STATUS));
  const lr = JSON.parse(local.out) as { exposures: { kind: string; from: string; targets: { hop: string }[] }[] };
  assert.deepEqual(lr.exposures.map((e) => [e.kind, e.targets.map((t) => t.hop)]), [["LoadBalancer", ["blocked"]], ["NodePort", ["partly allowed"]]]);
  // allocateLoadBalancerNodePorts: false and no nodePort: no node port row.
  const none = await cli(["exposure", "-f", "-", "-o", "json", "-q"], base(`${LB}\n  allocateLoadBalancerNodePorts: false`, LB_STATUS).replace(", nodePort: 30080", ""));
  assert.deepEqual((JSON.parse(none.out) as { exposures: { entry: string }[] }).exposures.map((e) => e.entry), ["TCP :80 (load balancer 192.0.2.10)"]);
});

test("the annotation service.beta.kubernetes.io/load-balancer-source-ranges (no field): the cloud load balancer drops other outside sources; kube-proxy's short-circuit of a pod's connection does not read it", async () => {
  const yaml = base(`${LB}\n  externalTrafficPolicy: Local`, LB_STATUS).replace("metadata: {name: web, namespace: shop}", "metadata: {name: web, namespace: shop, annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: '203.0.113.0/24, 198.51.100.0/24'}}");
  const outside = await explain(yaml, "ip:198.18.0.9", "ip:192.0.2.10", 80);
  assert.equal(outside.pairs[0].ingress.decidedBy, "service");
  assert.match(outside.pairs[0].ingress.summary, /198\.18\.0\.9 is outside the Service's annotation service\.beta\.kubernetes\.io\/load-balancer-source-ranges \(203\.0\.113\.0\/24, 198\.51\.100\.0\/24\): the cloud provider's load balancer drops it/);
  // A pod's connection to the address is translated on its own node: the annotation does not apply (the field would).
  const pod = await explain(yaml, "shop/client", "ip:192.0.2.10", 80);
  assert.deepEqual(pod.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
  const r = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml);
  const lb = (JSON.parse(r.out) as { exposures: { kind: string; from: string }[] }).exposures[0];
  assert.match(lb.from, /within the load-balancer-source-ranges annotation \(the cloud load balancer's\) 203\.0\.113\.0\/24, 198\.51\.100\.0\/24/);
  const bad = load({ "s.yaml": yaml.replace("203.0.113.0/24, 198.51.100.0/24", "203.0.113.0/24,nope") });
  assert.match(bad.diagnostics.errors.map((e) => e.message).join("\n"), /must be a list of IP ranges/);
});

test("a connection kube-proxy drops keeps the client's egress warnings only: no answer under another option would differ (query.ts droppedVerdict)", async () => {
  // A host-network agent on node-b, whose egress a policy denies when it is read as a pod (--host-network=pod).
  const agent = `---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: shop, labels: {app: agent}}
spec: {nodeName: node-b, hostNetwork: true, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.0.0.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: agent, namespace: shop}
spec: {podSelector: {matchLabels: {app: agent}}, policyTypes: [Egress]}
`;
  const yaml = base(`${LB}\n  loadBalancerSourceRanges: [203.0.113.0/24]`, LB_STATUS) + agent;
  const out = await explain(yaml, "shop/agent", "ip:192.0.2.10", 80);
  // Dropped by KUBE-FW (the agent's address, node-b's, is outside the ranges): denied under every --host-network,
  // so the warning that the egress answer depends on --host-network (the flow to the address) is not the answer's.
  assert.deepEqual(out.pairs.map((p) => [p.verdict, p.ingress.decidedBy]), [["deny", "service"]]);
  assert.match(out.pairs[0].ingress.summary, /10\.0\.0\.2 is outside the Service's loadBalancerSourceRanges/);
  assert.deepEqual((out.pairs[0] as unknown as { warnings: string[] }).warnings, []);
  // The same flow to another address is answered with that warning (the answer depends on the option there).
  const plain = await explain(yaml, "shop/agent", "ip:192.0.2.99", 80);
  assert.match((plain.pairs[0] as unknown as { warnings: string[] }).warnings.join("\n"), /host-network/);
});

test("masqueraded from any node: nodes whose Calico tunnel addresses the policies tell apart are judged each (they were one class: one answer for both)", async () => {
  const n = (name: string, ip: string, tunnel = "") => `apiVersion: v1\nkind: Node\nmetadata: {name: ${name}${tunnel ? `, annotations: {projectcalico.org/IPv4VXLANTunnelAddr: ${tunnel}}` : ""}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}\n---\n`;
  // node-a holds web-1; n1 and n3 have the same labels and addresses outside every CIDR the policy names, n1 a tunnel address in it.
  const yaml = n("n1", "10.0.0.11", "10.244.1.0") + n("n3", "10.0.0.13") + base(LB, LB_STATUS).replace("ipBlock: {cidr: 198.18.0.0/15}", "ipBlock: {cidr: 10.244.0.0/16}");
  const out = await explain(yaml, "ip:203.0.113.7", "ip:192.0.2.10", 80);
  const seen = new Map(out.pairs.map((p) => [p.service?.seenAs, p.verdict]));
  // Down the tunnel from n1 the pod sees 10.244.1.0 (admitted); from n3 its InternalIP (not).
  assert.equal(seen.get("node:n1"), "allow");
  assert.equal(seen.get("node:n3"), "deny");
});

async function explainWith(yaml: string, from: string, to: string, port: number, flags: string[]): Promise<{ code: number; pairs: Pair[]; text: string; err: string }> {
  const r = await cli(["explain", "-f", "-", "--from", from, "--to", to, "--port", String(port), "-o", "json", "-q", ...flags], yaml);
  const t = await cli(["explain", "-f", "-", "--from", from, "--to", to, "--port", String(port), "-q", ...flags], yaml);
  return { code: r.code, pairs: r.code === 2 ? [] : JSON.parse(r.out).pairs, text: t.out, err: r.err };
}

test("clusterCIDR: a connection to a cluster IP from outside it is masqueraded to the client's node (the \"cluster IP\" rule's IfNotLocal -j KUBE-MARK-MASQ); the backend's ipBlock judges the node", async () => {
  // The client pod (198.18.0.20) is outside clusterCIDR 10.1.0.0/16; the policy admits 198.18.0.0/15, not node-b (10.0.0.2).
  const yaml = base("") + kubeProxyConfigMap("clusterCIDR: 10.1.0.0/16");
  const out = await explainWith(yaml, "shop/client", "svc:shop/web", 80, []);
  assert.deepEqual(out.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "deny", "node:node-b"]]);
  assert.match(out.pairs[0].service!.snat!, /masqueraded: the endpoint sees node node-b \(10\.0\.0\.2\) as the source/);
  assert.match(out.text, /source NAT: masqueraded: the endpoint sees node node-b/);
  assert.match(out.text, /kube-proxy: the source is not a pod's to kube-proxy's local-traffic detector.*clusterCIDR 10\.1\.0\.0\/16 \(ConfigMap kube-system\/kube-proxy config\.conf\)/);
  assert.match(out.text, /destination: cluster IP 10\.96\.0\.10 port 80 of Service shop\/web|destination port: service port 80/);
  // Without kube-proxy's configuration the source is kept (as before): the client's own address is admitted.
  const before = await explainWith(base(""), "shop/client", "svc:shop/web", 80, []);
  assert.deepEqual(before.pairs.map((p) => [p.verdict, p.service]), [["allow", undefined]]);
  // A clusterCIDR holding the client: a pod's connection, its source kept. The option replaces the ConfigMap's value.
  const inside = await explainWith(yaml, "shop/client", "svc:shop/web", 80, ["--cluster-cidr", "198.16.0.0/12"]);
  assert.deepEqual(inside.pairs.map((p) => [p.verdict, p.service]), [["allow", undefined]]);
  // From outside the cluster (routed to a node): any node, one of each kind: node-a (web-1's own: exempt) allowed, node-b denied.
  const ext = await explainWith(yaml, "ip:203.0.113.7", "svc:shop/web", 80, []);
  assert.deepEqual(ext.pairs.map((p) => [p.service?.seenAs, p.verdict]), [["node:node-a", "allow"], ["node:node-b", "deny"]]);
  // No clusterCIDR (detectLocalMode ClusterCIDR): kube-proxy has no detector and masquerades nothing to a cluster IP.
  const none = await explainWith(base("") + kubeProxyConfigMap("mode: iptables"), "shop/client", "svc:shop/web", 80, []);
  assert.deepEqual(none.pairs.map((p) => [p.verdict, p.service]), [["allow", undefined]]);
});

test("masqueradeAll masquerades every connection to a cluster IP (iptables.masqueradeAll; nftables.masqueradeAll in nftables mode)", async () => {
  const cidr = "clusterCIDR: 198.16.0.0/12";
  const out = await explainWith(base("") + kubeProxyConfigMap(`${cidr}\niptables: {masqueradeAll: true}`), "shop/client", "svc:shop/web", 80, []);
  assert.deepEqual(out.pairs.map((p) => [p.verdict, p.service?.seenAs]), [["deny", "node:node-b"]]);
  assert.match(out.pairs[0].service!.why, /masqueradeAll: kube-proxy masquerades every connection to a cluster IP/);
  // In nftables mode iptables.masqueradeAll is not read (Convert_v1alpha1_KubeProxyConfiguration_To_config_KubeProxyConfiguration).
  const nft = await explainWith(base("") + kubeProxyConfigMap(`mode: nftables\n${cidr}\niptables: {masqueradeAll: true}`), "shop/client", "svc:shop/web", 80, []);
  assert.deepEqual(nft.pairs.map((p) => [p.verdict, p.service?.seenAs]), [["allow", undefined]]);
  const nftAll = await explainWith(base("") + kubeProxyConfigMap(`mode: nftables\n${cidr}\nnftables: {masqueradeAll: true}`), "shop/client", "svc:shop/web", 80, []);
  assert.deepEqual(nftAll.pairs.map((p) => [p.verdict, p.service?.seenAs]), [["deny", "node:node-b"]]);
  // The option alike.
  const flag = await explainWith(base(""), "shop/client", "svc:shop/web", 80, ["--masquerade-all"]);
  assert.deepEqual(flag.pairs.map((p) => [p.verdict, p.service?.seenAs]), [["deny", "node:node-b"]]);
  // Where Cilium's kube-proxy replacement serves the Services, kube-proxy's configuration counts for nothing: the source kept.
  const kpr = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {kube-proxy-replacement: "true"}\n`;
  const cilium = await explainWith(base("") + kpr, "shop/client", "svc:shop/web", 80, ["--masquerade-all"]);
  // (Denied all the same: Cilium's CIDR rules do not select a pod's address.)
  assert.deepEqual(cilium.pairs.map((p) => [p.to, p.service]), [["shop/web-1", undefined]]);
});

test("externalTrafficPolicy Local: a pod outside clusterCIDR (or no detector) is external traffic: the translating node's endpoints only, dropped without (was any endpoint)", async () => {
  const yaml = base(`${LB}\n  externalTrafficPolicy: Local`, LB_STATUS);
  // As before without the configuration: "pod traffic for ... external destinations" sends it to any endpoint.
  const pod = await explainWith(yaml, "shop/client", "ip:192.0.2.10", 80, []);
  assert.deepEqual(pod.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
  // Outside clusterCIDR: its node, node-b, has no endpoint: dropped.
  for (const flags of [["--cluster-cidr", "10.1.0.0/16"], ["--proxy-mode", "iptables"]]) {
    const out = await explainWith(yaml, "shop/client", "ip:192.0.2.10", 80, flags);
    assert.equal(out.pairs[0].ingress.decidedBy, "service", flags.join(" "));
    assert.match(out.pairs[0].ingress.summary, /node node-b has no local endpoint of Service shop\/web: kube-proxy drops it/, flags.join(" "));
  }
  // Another detector mode tells pods by interface or node CIDR: a pod's again.
  const bridge = await explainWith(yaml, "shop/client", "ip:192.0.2.10", 80, ["--detect-local-mode", "BridgeInterface"]);
  assert.deepEqual(bridge.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
});

test("nodePortAddresses: node ports are served only at the node addresses it names (\"primary\": the first of each family; nftables' default)", async () => {
  const yaml = base(LB, LB_STATUS);
  // node-a lists its ExternalIP first, but its primary address is its InternalIP (GetNodeHostIPs).
  const ext = await explainWith(yaml, "ip:198.18.0.9", "ip:198.51.100.1", 30080, ["--nodeport-addresses", "primary"]);
  assert.equal(ext.pairs[0].ingress.decidedBy, "service");
  assert.match(ext.pairs[0].ingress.summary, /kube-proxy serves node ports at its primary address only \(nodePortAddresses, the option --nodeport-addresses\): 198\.51\.100\.1 of node node-a is not one/);
  const internal = await explainWith(yaml, "ip:198.18.0.9", "ip:10.0.0.1", 30080, ["--nodeport-addresses", "primary"]);
  assert.deepEqual(internal.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
  // nftables mode without nodePortAddresses: primary (platformApplyDefaults); iptables: every address.
  const nft = await explainWith(yaml + kubeProxyConfigMap("mode: nftables"), "ip:198.18.0.9", "ip:198.51.100.1", 30080, []);
  assert.equal(nft.pairs[0].ingress.decidedBy, "service");
  const ipt = await explainWith(yaml + kubeProxyConfigMap("mode: iptables"), "ip:198.18.0.9", "ip:198.51.100.1", 30080, []);
  assert.deepEqual(ipt.pairs.map((p) => p.to), ["shop/web-1"]);
  // CIDRs.
  const cidrs = await explainWith(yaml + kubeProxyConfigMap("nodePortAddresses: [198.51.100.0/24]"), "ip:198.18.0.9", "ip:10.0.0.1", 30080, []);
  assert.match(cidrs.pairs[0].ingress.summary, /addresses in 198\.51\.100\.0\/24 only \(nodePortAddresses, ConfigMap kube-system\/kube-proxy config\.conf\)/);
  // CIDRs of the other family only: every address of this one (NewNodePortAddresses adds 0.0.0.0/0); it was refused.
  const otherFamily = await explainWith(yaml, "ip:198.18.0.9", "ip:10.0.0.1", 30080, ["--nodeport-addresses", "fd00::/64"]);
  assert.deepEqual(otherFamily.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
  // exposure names the scope.
  const r = await cli(["exposure", "-f", "-", "-o", "json", "-q", "--nodeport-addresses", "primary"], base("  type: NodePort"));
  assert.match((JSON.parse(r.out) as { exposures: { entry: string }[] }).exposures[0].entry, /TCP nodePort 30080 on every node's primary address \(nodePortAddresses primary: the option --nodeport-addresses\)/);
});

test("kube-proxy's configuration is read as kube-proxy reads it: what it refuses is an error naming the field; bad options are usage errors", async () => {
  const loaded = load({ "k.yaml": kubeProxyConfigMap("mode: nftables\nclusterCIDR: 10.1.0.0/16,fd00:1::/64\nnodePortAddresses: [10.0.0.0/8]\nnftables: {masqueradeAll: true}") });
  assert.deepEqual(loaded.diagnostics.errors.map((e) => e.message), []);
  const c = loaded.inventory.kubeProxy!;
  assert.deepEqual([c.mode, c.clusterCIDR!.map((x) => x.text), c.masqueradeAll, c.nodePortAddresses!.cidrs.map((x) => x.text), c.nodePortAddresses!.primary], ["nftables", ["10.1.0.0/16", "fd00:1::/64"], true, ["10.0.0.0/8"], false]);
  const bad = load({ "k.yaml": kubeProxyConfigMap("mode: userspace\nclusterCIDR: 10.1.0.0/16,10.2.0.0/16\nnodePortAddresses: [primary, 10.0.0.0/8]") });
  const messages = bad.diagnostics.errors.map((e) => e.message).join("\n");
  assert.match(messages, /"userspace"/);
  assert.match(messages, /may only contain at most one IPv4 and one IPv6 CIDR/);
  // primary among CIDRs: kube-proxy v1.37's (kubernetes#138427); no DaemonSet shows the version here: read, and warned about.
  assert.doesNotMatch(messages, /primary/);
  assert.match(bad.diagnostics.items.map((d) => d.message).join("\n"), /kube-proxy before v1\.37 refuses the keywords localhost and all, and primary among other values \(it does not start\), and the input does not show kube-proxy's version/);
  const wrongKind = load({ "k.yaml": kubeProxyConfigMap("").replace("kind: KubeProxyConfiguration", "kind: KubeletConfiguration") });
  assert.match(wrongKind.diagnostics.errors.map((e) => e.message).join("\n"), /kube-proxy's configuration is apiVersion kubeproxy\.config\.k8s\.io\/v1alpha1, kind KubeProxyConfiguration/);
  const flag = await cli(["explain", "-f", "-", "--from", "shop/client", "--to", "svc:shop/web", "--port", "80", "--cluster-cidr", "10.1.0.0/40"], base(""));
  assert.equal(flag.code, 2);
  assert.match(flag.err, /--cluster-cidr: "10\.1\.0\.0\/40" must be a valid CIDR block/);
  const help = await cli(["explain", "--help"], "");
  for (const o of ["--proxy-mode", "--cluster-cidr", "--masquerade-all", "--nodeport-addresses", "--detect-local-mode"]) assert.ok(help.out.includes(o), o);
});

test("ipvs mode, externalTrafficPolicy Local: a node without a local endpoint forwards to any endpoint and the reply is lost (the connection fails); a pod's connection takes its node's endpoints, else any (syncEndpoint)", async () => {
  const yaml = base(`${LB}\n  externalTrafficPolicy: Local`, LB_STATUS);
  const out = await explainWith(yaml, "ip:198.18.0.9", "ip:10.0.0.2", 30080, ["--proxy-mode", "ipvs"]);
  assert.equal(out.pairs[0].ingress.decidedBy, "service");
  assert.match(out.pairs[0].ingress.summary, /node node-b has no local endpoint of Service shop\/web: kube-proxy \(ipvs\) forwards it to any endpoint with its source kept, and the endpoint's reply, leaving from its own node, is discarded/);
  // A pod's connection (node-b has no endpoint): every endpoint, the source kept; no local-traffic detector is asked (clusterCIDR does not hold the pod).
  const pod = await explainWith(yaml, "shop/client", "ip:192.0.2.10", 80, ["--proxy-mode", "ipvs", "--cluster-cidr", "10.1.0.0/16"]);
  assert.deepEqual(pod.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "allow", undefined]]);
  assert.match(pod.pairs[0].service!.why, /externalTrafficPolicy Local under ipvs: node node-b's endpoints, else every endpoint/);
});

test("what the API server refuses of a Service's outside addresses is an error naming the field: external IPs (ValidateNonSpecialIP), healthCheckNodePort and externalTrafficPolicy where they may not be set, an IP as a load balancer hostname", async () => {
  const errors = (spec: string, status = "") => load({ "s.yaml": base(spec, status) }).diagnostics.errors.map((e) => `${formatPath(e.field ?? [])}: ${e.message}`);
  assert.deepEqual(errors("  externalIPs: [0.0.0.0, 127.0.0.2, 169.254.169.254, 224.0.0.251, '::1', 'fe80::1', 'ff02::fb', '::ffff:127.0.0.1', 192.0.2.50, 239.1.1.1]"), [
    'spec.externalIPs[0]: "0.0.0.0" may not be unspecified (0.0.0.0) (ValidateNonSpecialIP: the API server refuses the Service)',
    'spec.externalIPs[1]: "127.0.0.2" may not be in the loopback range (127.0.0.0/8, ::1/128) (ValidateNonSpecialIP: the API server refuses the Service)',
    'spec.externalIPs[2]: "169.254.169.254" may not be in the link-local range (169.254.0.0/16, fe80::/10) (ValidateNonSpecialIP: the API server refuses the Service)',
    'spec.externalIPs[3]: "224.0.0.251" may not be in the link-local multicast range (224.0.0.0/24, ff02::/10) (ValidateNonSpecialIP: the API server refuses the Service)',
    'spec.externalIPs[4]: "::1" may not be in the loopback range (127.0.0.0/8, ::1/128) (ValidateNonSpecialIP: the API server refuses the Service)',
    'spec.externalIPs[5]: "fe80::1" may not be in the link-local range (169.254.0.0/16, fe80::/10) (ValidateNonSpecialIP: the API server refuses the Service)',
    'spec.externalIPs[6]: "ff02::fb" may not be in the link-local multicast range (224.0.0.0/24, ff02::/10) (ValidateNonSpecialIP: the API server refuses the Service)',
    'spec.externalIPs[7]: "::ffff:127.0.0.1" may not be in the loopback range (127.0.0.0/8, ::1/128) (ValidateNonSpecialIP: the API server refuses the Service)',
  ]);
  assert.deepEqual(errors(`${LB}\n  healthCheckNodePort: 32000`), ["spec.healthCheckNodePort: healthCheckNodePort may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local' (the API server refuses the Service)"]);
  assert.deepEqual(errors("  type: NodePort\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32000"), ["spec.healthCheckNodePort: healthCheckNodePort may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local' (the API server refuses the Service)"]);
  assert.deepEqual(errors("  externalTrafficPolicy: Local"), ['spec.externalTrafficPolicy: externalTrafficPolicy "Local" may only be set for externally-accessible services (type NodePort or LoadBalancer, or ClusterIP with externalIPs): the API server refuses the Service']);
  assert.deepEqual(errors(LB, "status: {loadBalancer: {ingress: [{hostname: 192.0.2.10}, {hostname: lb.example.com}]}}"), ['status.loadBalancer.ingress[0].hostname: "192.0.2.10" must be a DNS name, not an IP address (ValidateLoadBalancerStatus)']);
  // Accepted: LoadBalancer with Local and its health check port; a ClusterIP Service with external IPs and a policy.
  assert.deepEqual(errors(`${LB}\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32000\n  externalIPs: [192.0.2.50, '2001:db8::1']`), []);
  assert.deepEqual(errors("  externalTrafficPolicy: Cluster\n  externalIPs: [192.0.2.50]"), []);
  // One error per bad item (an external IP that is no string was reported twice: read again for the special-address check).
  assert.deepEqual(errors("  externalIPs: [5, 192.0.2.50]"), ["spec.externalIPs[0]: must be a string, not number 5"]);
  // The CLI: exit 2, file, line and field.
  const r = await cli(["list", "-f", "-"], base("  externalIPs: [127.0.0.1]"));
  assert.equal(r.code, 2);
  assert.match(r.err + r.out, /<stdin>:\d+ spec\.externalIPs\[0\]: "127\.0\.0\.1" may not be in the loopback range/);
});

test("a node's address at a healthCheckNodePort is kube-proxy's own health check server: the node's flow, not the Service's pods'; exposure names it", async () => {
  const yaml = base(`${LB}\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32000`, LB_STATUS);
  const out = await explainWith(yaml, "ip:198.18.0.9", "ip:10.0.0.2", 32000, []);
  assert.deepEqual(out.pairs.map((p) => [p.to, p.port, p.verdict]), [["node:node-b", 32000, "allow"]]);
  assert.match(out.text, /destination: kube-proxy's health check of Service shop\/web \(healthCheckNodePort 32000\) on node node-b/);
  assert.match(out.pairs[0].service!.why, /kube-proxy itself answers it on every node .*not the Service's pods/);
  // Another port of the node is the node's own, with nothing said.
  const other = await explainWith(yaml, "ip:198.18.0.9", "ip:10.0.0.2", 32001, []);
  assert.equal(other.pairs[0].service, undefined);
  // nodePortAddresses: the health check server listens on them only.
  const refused = await explainWith(yaml, "ip:198.18.0.9", "ip:198.51.100.1", 32000, ["--nodeport-addresses", "10.0.0.0/24"]);
  assert.equal(refused.pairs[0].ingress.decidedBy, "service");
  assert.match(refused.pairs[0].ingress.summary, /health check server listens on the nodePortAddresses only .*198\.51\.100\.1 is not one/);
  const r = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml);
  assert.match((JSON.parse(r.out) as { exposures: { entry: string }[] }).exposures[0].entry, /; health check: kube-proxy answers nodePort 32000 on every node\)$/);
});

test("a cluster IP answer kube-proxy's configuration would change, without it in the input: a warning naming the options (a pod's or a node's own connection: none)", async () => {
  const warnings = (p: Pair) => (p as unknown as { warnings: string[] }).warnings.join("\n");
  const ext = await explainWith(base(""), "ip:203.0.113.7", "svc:shop/web", 80, []);
  assert.match(warnings(ext.pairs[0]), /kube-proxy's configuration is not in the input .*with --cluster-cidr .* or --masquerade-all, kube-proxy masquerades this connection/);
  assert.match(ext.text, /warning: kube-proxy's configuration is not in the input/);
  const pod = await explainWith(base(""), "shop/client", "svc:shop/web", 80, []);
  assert.doesNotMatch(warnings(pod.pairs[0]), /kube-proxy's configuration/);
  // Shown (here as an option): answered by it, no warning.
  const known = await explainWith(base(""), "ip:203.0.113.7", "svc:shop/web", 80, ["--proxy-mode", "iptables"]);
  assert.doesNotMatch(warnings(known.pairs[0]), /kube-proxy's configuration/);
});

test("masqueraded from any node: under CrossSubnet encapsulation, nodes of different subnets are judged each (one tunnels to the endpoint's node, the other does not; they were one class: one answer for both)", async () => {
  const n = (name: string, ip: string, tunnel: string, subnet: string) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${name}, annotations: {projectcalico.org/IPv4VXLANTunnelAddr: ${tunnel}, projectcalico.org/IPv4Address: ${subnet}}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}\n---\n`;
  const pool = "---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: pods}\nspec: {cidr: 10.1.0.0/16, vxlanMode: CrossSubnet}\n";
  // web-1's node node-a is 10.0.0.1: inside n1's subnet (no tunnel: n1's InternalIP), outside n3's (down the tunnel: n3's tunnel address).
  const yaml = n("n1", "10.0.0.11", "10.244.1.0", "10.0.0.11/24") + n("n3", "10.0.9.13", "10.244.3.0", "10.0.9.13/24") + base(LB, LB_STATUS).replace("ipBlock: {cidr: 198.18.0.0/15}", "ipBlock: {cidr: 10.244.0.0/16}") + pool;
  const out = await explain(yaml, "ip:203.0.113.7", "ip:192.0.2.10", 80);
  const seen = new Map(out.pairs.map((p) => [p.service?.seenAs, p.verdict]));
  assert.equal(seen.get("node:n1"), "deny", "n1 reaches node-a in its subnet without the tunnel: the pod sees 10.0.0.11");
  assert.equal(seen.get("node:n3"), "allow", "n3 reaches node-a outside its subnet down the tunnel: the pod sees 10.244.3.0");
});

test("externalTrafficPolicy Local, a pod's connection, kube-proxy's configuration not in the input: answered as a pod's, with a warning naming what the detector would change", async () => {
  const yaml = base(`${LB}\n  externalTrafficPolicy: Local`, LB_STATUS);
  const warnings = (p: Pair) => (p as unknown as { warnings: string[] }).warnings.join("\n");
  const pod = await explainWith(yaml, "shop/client", "ip:192.0.2.10", 80, []);
  assert.deepEqual(pod.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
  assert.match(warnings(pod.pairs[0]), /kube-proxy's configuration is not in the input .*: this pod's connection is answered as a pod's .*without clusterCIDR \(no local-traffic detector\), or from a pod outside it, kube-proxy takes it for external traffic: node node-b's endpoints only \(it has none: dropped/);
  assert.match(pod.text, /warning: kube-proxy's configuration is not in the input/);
  // Known (any option, or the input's configuration): no such warning.
  const known = await explainWith(yaml, "shop/client", "ip:192.0.2.10", 80, ["--cluster-cidr", "198.16.0.0/12"]);
  assert.deepEqual(known.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
  assert.doesNotMatch(warnings(known.pairs[0]), /kube-proxy's configuration is not in the input/);
  // Cluster: no warning (the detector does not change a pod's connection there).
  const cluster = await explainWith(base(LB, LB_STATUS), "shop/client", "ip:192.0.2.10", 80, []);
  assert.doesNotMatch(warnings(cluster.pairs[0]), /kube-proxy's configuration is not in the input/);
});

test("healthCheckNodePort where Cilium's kube-proxy replacement or Calico's eBPF data plane serves the Services: their server answers it, not kube-proxy, on every address", async () => {
  const yaml = base(`${LB}\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32000`, LB_STATUS);
  const kpr = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {kube-proxy-replacement: "true"}\n`;
  const out = await explainWith(yaml + kpr, "ip:198.18.0.9", "ip:10.0.0.2", 32000, ["--nodeport-addresses", "198.51.100.0/24"]);
  assert.deepEqual(out.pairs.map((p) => [p.to, p.port]), [["node:node-b", 32000]]);
  assert.match(out.text, /destination: the health check of Service shop\/web \(healthCheckNodePort 32000\) on node node-b, served by the Cilium agent \(Cilium's kube-proxy replacement/);
  assert.doesNotMatch(out.text, /kube-proxy itself|kube-proxy's health check/);
  // kube-proxy's nodePortAddresses do not limit it (refused under kube-proxy, above).
  assert.notEqual(out.pairs[0].ingress.decidedBy, "service");
  assert.match(out.pairs[0].service!.why, /the Cilium agent .* answers it in kube-proxy's place, on every node address/);
  const r = await cli(["exposure", "-f", "-", "-o", "json", "-q", "--nodeport-addresses", "primary"], yaml + kpr);
  assert.match((JSON.parse(r.out) as { exposures: { entry: string }[] }).exposures[0].entry, /; health check: the Cilium agent \(Cilium's kube-proxy replacement[^)]*\)\) answers nodePort 32000 on every node\)$/);
  const felix = `---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {bpfEnabled: true}\n`;
  const calico = await explainWith(yaml + felix, "ip:198.18.0.9", "ip:10.0.0.2", 32000, []);
  assert.match(calico.text, /served by felix \(Calico's eBPF data plane/);
});

test("detectLocalMode NodeCIDR, BridgeInterface, InterfaceNamePrefix: a pod's connection is local only to its own node's kube-proxy (NodeCIDR: inside that node's podCIDR); it was every pod, on any node", async () => {
  // cmd/kube-proxy/app/server_linux.go getLocalDetectors: NodeCIDR is NewDetectLocalByCIDR(the node's podCIDR of the family),
  // BridgeInterface / InterfaceNamePrefix match the input interface (-i): a pod of another node enters on the node's own interface.
  const yaml = (podCIDR: string) => base(`${LB}\n  externalTrafficPolicy: Local`, LB_STATUS).replace("metadata: {name: node-b}\n", `metadata: {name: node-b}\nspec: {podCIDRs: [${podCIDR}]}\n`);
  const nodeCidr = ["--detect-local-mode", "NodeCIDR"];
  // The client (198.18.0.20, on node-b) inside node-b's podCIDR: a pod's ("pod traffic for ... external destinations"): any endpoint, the source kept.
  const inside = await explainWith(yaml("198.18.0.0/24"), "shop/client", "ip:192.0.2.10", 80, nodeCidr);
  assert.deepEqual(inside.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
  // Outside it: external traffic at node-b, which has no endpoint: dropped (was allowed).
  const outside = await explainWith(yaml("10.244.1.0/24"), "shop/client", "ip:192.0.2.10", 80, nodeCidr);
  assert.equal(outside.pairs[0].ingress.decidedBy, "service");
  assert.match(outside.pairs[0].ingress.summary, /node node-b has no local endpoint of Service shop\/web: kube-proxy drops it/);
  // At node-a (web-1's node) the same connection keeps its source to web-1: external traffic, said so.
  const atA = await explainWith(yaml("10.244.1.0/24").replace("metadata: {name: node-a}\n", "metadata: {name: node-a}\nspec: {podCIDR: 10.244.0.0/24}\n"), "shop/client", "ip:10.0.0.1", 30080, nodeCidr);
  assert.deepEqual(atA.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
  assert.match(atA.text, /the source is outside node node-a's podCIDR 10\.244\.0\.0\/24 \(kube-proxy mode iptables, detectLocalMode NodeCIDR/);
  // A connection to the cluster IP from outside the node's podCIDR is masqueraded ("cluster IP" rule, IfNotLocal): the policy judges node-b.
  const cip = await explainWith(yaml("10.244.1.0/24"), "shop/client", "svc:shop/web", 80, nodeCidr);
  assert.deepEqual(cip.pairs.map((p) => [p.verdict, p.service?.seenAs]), [["deny", "node:node-b"]]);
  const cipInside = await explainWith(yaml("198.18.0.0/24"), "shop/client", "svc:shop/web", 80, nodeCidr);
  assert.deepEqual(cipInside.pairs.map((p) => [p.verdict, p.service]), [["allow", undefined]]);
  // A node with no podCIDR of the family: the no-op detector: nothing masqueraded to a cluster IP, a pod's connection not told apart.
  const v6 = await explainWith(yaml("fd00:1::/64"), "shop/client", "svc:shop/web", 80, nodeCidr);
  assert.deepEqual(v6.pairs.map((p) => [p.verdict, p.service]), [["allow", undefined]]);
  const v6lb = await explainWith(yaml("fd00:1::/64"), "shop/client", "ip:192.0.2.10", 80, nodeCidr);
  assert.match(v6lb.pairs[0].ingress.summary, /node node-b has no local endpoint/);
  // By interface: a pod of node-a dialling node-b's node port enters node-b on its own interface: external traffic there, no endpoint: dropped (was allowed).
  const clientA = `---\napiVersion: v1\nkind: Pod\nmetadata: {name: client-a, namespace: shop, labels: {app: client}}\nspec: {nodeName: node-a, containers: [{name: c, image: x}]}\nstatus: {phase: Running, podIP: 198.18.0.30}\n`;
  for (const mode of ["BridgeInterface", "InterfaceNamePrefix"]) {
    const other = await explainWith(base(`${LB}\n  externalTrafficPolicy: Local`, LB_STATUS) + clientA, "shop/client-a", "ip:10.0.0.2", 30080, ["--detect-local-mode", mode]);
    assert.equal(other.pairs[0].ingress.decidedBy, "service", mode);
    // node-b's pod dialling node-a's node port: external traffic at node-a, which has web-1: the source kept, said so.
    const toA = await explainWith(base(`${LB}\n  externalTrafficPolicy: Local`, LB_STATUS), "shop/client", "ip:10.0.0.1", 30080, ["--detect-local-mode", mode]);
    assert.match(toA.text, /the connection does not come in on a pod interface of node node-a, which translates it/, mode);
    // Its own node's node port: a pod's.
    const own = await explainWith(base(`${LB}\n  externalTrafficPolicy: Local`, LB_STATUS) + clientA, "shop/client-a", "ip:10.0.0.1", 30080, ["--detect-local-mode", mode]);
    assert.deepEqual(own.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]], mode);
  }
});

test("a controller's template pod (no node: each replica is translated at its own node) is a pod's connection under detectLocalMode NodeCIDR, BridgeInterface, InterfaceNamePrefix: not masqueraded to a cluster IP (it was: the node judged)", async () => {
  // cmd/kube-proxy/app/server_linux.go getLocalDetectors: each node's kube-proxy detects its own pods (NodeCIDR: its podCIDR,
  // which its pods' addresses come from; the others: -i their interfaces); a replica's connection is translated at its own node.
  const deployment = `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: tpl, namespace: shop}\nspec:\n  selector: {matchLabels: {app: tpl}}\n  template:\n    metadata: {labels: {app: tpl}}\n    spec: {containers: [{name: c, image: x}]}\n`;
  const yaml = base("").replace("ingress: [{from: [{ipBlock: {cidr: 198.18.0.0/15}}]}]", "ingress: [{from: [{podSelector: {matchLabels: {app: tpl}}}]}]") + deployment;
  for (const mode of ["NodeCIDR", "BridgeInterface", "InterfaceNamePrefix"]) {
    const out = await explainWith(yaml, "shop/tpl", "svc:shop/web", 80, ["--detect-local-mode", mode]);
    assert.deepEqual(out.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "allow", undefined]], mode);
  }
});

test("clusterCIDR of one family: the other family has no local-traffic detector (getLocalDetectors: NewDetectLocalByCIDR per family of clusterCIDR, else the no-op detector): an IPv6 connection to a cluster IP is not masqueraded (it was)", async () => {
  const v6 = base("").replace("podIP: 198.18.0.20", "podIP: \"fd00:18::20\"").replace("podIP: 10.1.0.5", "podIP: \"fd00:1::5\"").replace("clusterIP: 10.96.0.10", "clusterIP: \"fd00:96::10\"")
    .replace("{type: InternalIP, address: 10.0.0.2}", "{type: InternalIP, address: 10.0.0.2}, {type: InternalIP, address: \"fd00:10::2\"}").replace("cidr: 198.18.0.0/15", "cidr: \"fd00:18::/64\"");
  const only4 = await explainWith(v6 + kubeProxyConfigMap("clusterCIDR: 10.1.0.0/16"), "shop/client", "svc:shop/web", 80, []);
  assert.deepEqual(only4.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "allow", undefined]]);
  // The control: an IPv6 range that does not hold the client: masqueraded to node-b.
  const dual = await explainWith(v6 + kubeProxyConfigMap("clusterCIDR: 10.1.0.0/16,fd00:1::/64"), "shop/client", "svc:shop/web", 80, []);
  assert.deepEqual(dual.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "deny", "node:node-b"]]);
});

test("clusterCIDR: a controller's template pod (no address: its replicas get pod-network addresses, from clusterCIDR) keeps its source to a cluster IP; it was masqueraded to a node and the node judged (a wrong allow where the backend admits nodes)", async () => {
  // cmd/kube-proxy/app/server_linux.go getLocalDetectors: NewDetectLocalByCIDR(clusterCIDR); a replica's address comes from the
  // pod network, which clusterCIDR names, so its connection to a cluster IP is local and keeps its source.
  const deployment = `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: tpl, namespace: shop}\nspec:\n  selector: {matchLabels: {app: tpl}}\n  template:\n    metadata: {labels: {app: tpl}}\n    spec: {containers: [{name: c, image: x}]}\n`;
  const yaml = base("").replace("ingress: [{from: [{ipBlock: {cidr: 198.18.0.0/15}}]}]", "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/24}}]}]") + deployment;
  const out = await explainWith(yaml, "shop/tpl", "svc:shop/web", 80, ["--cluster-cidr", "10.1.0.0/16"]);
  assert.deepEqual(out.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "deny", undefined]]);
});

test("a node's own connection to 127.0.0.1 at a node port is that node port on its own node, masqueraded (iptables localhostNodePorts); it was an outside address (a wrong allow)", async () => {
  // pkg/proxy/iptables/proxier.go syncProxyRules: KUBE-SERVICES jumps to KUBE-NODEPORTS for `-m addrtype --dst-type LOCAL`,
  // adding `! -d 127.0.0.0/8` only when localhostNodePorts is off; KUBE-EXT masquerades (Cluster), or "masquerade LOCAL traffic" (Local).
  const agent = `---\napiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: shop}\nspec: {nodeName: node-b, hostNetwork: true, containers: [{name: c, image: x}]}\nstatus: {phase: Running, podIP: 10.0.0.2, hostIP: 10.0.0.2}\n`;
  const yaml = base("  type: NodePort") + agent;
  const warnings = (p: Pair) => (p as unknown as { warnings: string[] }).warnings.join("\n");
  // node-b: web-1 (on node-a) sees node-b's 10.0.0.2, which its policy does not admit.
  const b = await explainWith(yaml, "node:node-b", "ip:127.0.0.1", 30080, []);
  assert.equal(b.code, 1);
  assert.deepEqual(b.pairs.map((p) => [p.to, p.port, p.verdict, p.service?.seenAs]), [["shop/web-1", 8080, "deny", "node:node-b"]]);
  assert.match(b.pairs[0].service!.frontend, /node port 30080 of Service shop\/web on node node-b \(127\.0\.0\.1\)/);
  assert.match(b.pairs[0].service!.why, /kube-proxy serves node ports on 127\.0\.0\.0\/8 to the node's own connections \(iptables\.localhostNodePorts, route_localnet\); externalTrafficPolicy Cluster: kube-proxy masquerades/);
  assert.match(b.pairs[0].service!.snat!, /masqueraded: the endpoint sees node node-b \(10\.0\.0\.2\) as the source/);
  // Not in the input: answered under kube-proxy's defaults, with a warning naming what would refuse it.
  assert.match(warnings(b.pairs[0]), /kube-proxy's configuration is not in the input .*answered as by kube-proxy's defaults \(iptables mode, iptables\.localhostNodePorts true/);
  // A host-network pod on node-b alike; node-a's own connection reaches web-1 from its own node (admitted), any 127.0.0.0/8 address.
  const hostPod = await explainWith(yaml, "shop/agent", "ip:127.0.0.1", 30080, []);
  assert.deepEqual(hostPod.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "deny", "node:node-b"]]);
  const a = await explainWith(yaml, "node:node-a", "ip:127.0.0.9", 30080, ["--proxy-mode", "iptables"]);
  assert.deepEqual(a.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "allow", "node:node-a"]]);
  assert.doesNotMatch(warnings(a.pairs[0]), /kube-proxy's configuration/);
  // A pod's 127.0.0.1 is its own network namespace's: no node port there.
  const pod = await explainWith(yaml, "shop/client", "ip:127.0.0.1", 30080, []);
  assert.equal(pod.pairs[0].service, undefined);
  assert.notEqual(pod.pairs[0].to, "shop/web-1");
  // Under Local the node's own connection is masqueraded all the same, to any endpoint ("masquerade LOCAL traffic", "route LOCAL traffic").
  const local = await explainWith(base("  type: NodePort\n  externalTrafficPolicy: Local"), "node:node-b", "ip:127.0.0.1", 30080, []);
  assert.deepEqual(local.pairs.map((p) => [p.to, p.service?.seenAs]), [["shop/web-1", "node:node-b"]]);
});

test("127.0.0.1 at a node port is refused where kube-proxy does not serve it: nftables, ipvs, --iptables-localhost-nodeports false, nodePortAddresses without loopback, ::1; Cilium's socket load balancer serves it", async () => {
  const yaml = base("  type: NodePort");
  const refused = async (flags: string[], re: RegExp, extra = "", to = "ip:127.0.0.1") => {
    const out = await explainWith(yaml + extra, "node:node-a", to, 30080, flags);
    assert.equal(out.code, 1, flags.join(" "));
    assert.equal(out.pairs[0].ingress.decidedBy, "service", flags.join(" "));
    assert.match(out.pairs[0].ingress.summary, re);
  };
  // setupNFTables: `ip daddr != 127.0.0.0/8`; ipvs: no virtual server on a loopback address (isValidForSet).
  await refused(["--proxy-mode", "nftables"], /kube-proxy's nftables mode never serves node ports on a loopback address \(the option --proxy-mode\): nothing translates the connection to 127\.0\.0\.1 \(refused\)/);
  await refused(["--proxy-mode", "ipvs"], /ipvs mode makes no virtual server on a loopback address/);
  await refused(["--iptables-localhost-nodeports", "false"], /iptables\.localhostNodePorts is false \(the option --iptables-localhost-nodeports\)/);
  await refused([], /iptables\.localhostNodePorts is false \(ConfigMap kube-system\/kube-proxy config\.conf\)/, kubeProxyConfigMap("iptables: {localhostNodePorts: false}"));
  // NewProxier: !nodePortAddresses.ContainsIPv4Loopback() turns localhostNodePorts off; primary names the node's own address.
  await refused(["--nodeport-addresses", "10.0.0.0/8"], /nodePortAddresses \(10\.0\.0\.0\/8\) hold no loopback address, which turns localhostNodePorts off/);
  await refused(["--nodeport-addresses", "primary"], /nodePortAddresses primary holds no loopback address/);
  // primary on a node without an IPv4 address: no IPv4 CIDR, so match-all for IPv4 (NewNodePortAddresses adds 0.0.0.0/0), which holds 127.0.0.1.
  const v6Node = "---\napiVersion: v1\nkind: Node\nmetadata: {name: node-c}\nstatus: {addresses: [{type: InternalIP, address: fd00::3}]}\n";
  const primaryV6 = await explainWith(yaml + v6Node, "node:node-c", "ip:127.0.0.1", 30080, ["--nodeport-addresses", "primary"]);
  assert.deepEqual(primaryV6.pairs.map((p) => p.to), ["shop/web-1"]);
  // CIDRs holding a loopback address: the node's addresses in them (GetNodeIPs), the loopback interface's 127.0.0.1 only.
  await refused(["--nodeport-addresses", "127.0.0.0/8,10.0.0.0/8"], /addresses in nodePortAddresses \(127\.0\.0\.0\/8, 10\.0\.0\.0\/8\) only, of the loopback interface's 127\.0\.0\.1/, "", "ip:127.0.0.2");
  const lo = await explainWith(yaml, "node:node-a", "ip:127.0.0.1", 30080, ["--nodeport-addresses", "127.0.0.0/8,10.0.0.0/8"]);
  assert.deepEqual(lo.pairs.map((p) => [p.to, p.verdict]), [["shop/web-1", "allow"]]);
  // IPv6 (no CIDR of the family: match-all, as NewNodePortAddresses adds 0.0.0.0/0).
  const v6only = await explainWith(yaml, "node:node-a", "ip:127.0.0.1", 30080, ["--nodeport-addresses", "fd00::/64"]);
  assert.deepEqual(v6only.pairs.map((p) => p.to), ["shop/web-1"]);
  await refused(["--proxy-mode", "iptables"], /kube-proxy never serves node ports on ::1/, "", "ip:::1");
  // Cilium's kube-proxy replacement: bpf_sock.c sock4_wildcard_lookup serves a host-namespace connection to a loopback address.
  const kpr = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {kube-proxy-replacement: "true"}\n`;
  const cilium = await explainWith(yaml + kpr, "node:node-b", "ip:127.0.0.1", 30080, ["--proxy-mode", "nftables"]);
  assert.deepEqual(cilium.pairs.map((p) => p.to), ["shop/web-1"]);
  assert.match(cilium.pairs[0].service!.why, /serves node ports on the loopback address to a connection from the host's network namespace \(bpf_sock\.c sock4_wildcard_lookup/);
  // Calico's eBPF data plane: refused (it was an error, "not known"). Its connect-time load balancer (nat_lookup.h
  // calico_v4_nat_lookup) finds no frontend at 127.0.0.1 and takes the node ports' entry only for a host address of
  // felix's route map, which holds global unicast addresses only (bpf_route_mgr.go onIfaceAddrsUpdate).
  const felix = "---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {bpfEnabled: true}\n";
  for (const from of ["node:node-a", "node:node-b"]) {
    const calico = await explainWith(yaml + felix, from, "ip:127.0.0.1", 30080, []);
    assert.equal(calico.code, 1, calico.err);
    assert.deepEqual(calico.pairs.map((p) => [p.to, p.verdict, p.ingress.decidedBy]), [[from, "deny", "service"]]);
    assert.match(calico.pairs[0].ingress.summary, /Calico's eBPF data plane .*never serves node ports on a loopback address: its connect-time load balancer finds no frontend for 127\.0\.0\.1 .*global unicast addresses \(bpf_route_mgr\.go onIfaceAddrsUpdate\).*\(refused\)/);
  }
  // The option is kube-proxy's flag's: true or false.
  const bad = await explainWith(yaml, "node:node-a", "ip:127.0.0.1", 30080, ["--iptables-localhost-nodeports", "maybe"]);
  assert.equal(bad.code, 2);
  const help = await cli(["explain", "--help"], "");
  assert.ok(help.out.includes("--iptables-localhost-nodeports"));
});

test("a pod's connection to its own loopback (127.0.0.0/8, ::1) is allowed under a default-deny egress policy, decided by the client's own loopback (it was denied: the policy judged an external address); a node's 127.0.0.1 stays a node port", async () => {
  // The packet goes out and back in on the pod network namespace's lo, never through the pod's interface to the node where every enforcer polices it.
  const deny = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Egress, Ingress]}\n";
  const yaml = base("  type: NodePort") + deny;
  for (const to of ["ip:127.0.0.1", "ip:127.0.0.53", "ip:::1"]) {
    const out = await explainWith(yaml, "shop/client", to, 30080, []);
    assert.equal(out.code, 0, to);
    assert.deepEqual(out.pairs.map((p) => [p.to, p.verdict, p.egress.summary.startsWith("allowed: the client's own loopback"), p.ingress.decidedBy, p.service]), [[to, "allow", true, "loopback", undefined]], to);
    assert.match(out.text, /ingress at ip:\S+ \(the client's own loopback\):\n\s+allowed: the client's own loopback \(the pod's network namespace's lo\): the connection never leaves the pod/, to);
  }
  // Another address of the same policy is still denied; so is the pod's connection to a node's address at the node port.
  assert.equal((await explainWith(yaml, "shop/client", "ip:198.51.100.9", 80, [])).code, 1);
  assert.equal((await explainWith(yaml, "shop/client", "ip:10.0.0.2", 30080, [])).pairs[0].verdict, "deny");
  // junction test answers alike (its reason is the deciding summary).
  const t = tempFiles({ "expect.yaml": "- {from: shop/client, to: {ip: 127.0.0.1}, port: 8080, expect: allow}\n- {from: shop/client, to: {ip: 198.51.100.9}, port: 8080, expect: deny}\n" });
  try {
    const r = await cli(["test", "-f", "-", "--expect", `${t.dir}/expect.yaml`, "-o", "json", "-q"], yaml);
    assert.equal(r.code, 0, r.out + r.err);
    const results = JSON.parse(r.out).results as { pass: boolean; decidedBy: { egress: string; ingress: string } }[];
    assert.ok(results.every((x) => x.pass));
    assert.match(results[0].decidedBy.egress, /the client's own loopback/);
  } finally { t.cleanup(); }
  // A node's own 127.0.0.1 at a node port is still that node port (loopbackFrontend), not its loopback.
  const node = await explainWith(yaml, "node:node-b", "ip:127.0.0.1", 30080, []);
  assert.deepEqual(node.pairs.map((p) => [p.to, p.ingress.decidedBy]), [["shop/web-1", "isolation"]]);
});

test("a node's own connection to its loopback at a healthCheckNodePort is kube-proxy's health check server where it binds: every address without nodePortAddresses, else only a loopback address its CIDRs hold (127.0.0.1); felix's is on the host IPs only, Cilium's on every address (it was the Service-less loopback: allowed, unnamed)", async () => {
  // pkg/proxy/healthcheck service_health.go newServiceHealthServer: "0.0.0.0" when nodePortAddresses match all, else GetNodeIPs.
  const agent = `---\napiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: shop}\nspec: {nodeName: node-b, hostNetwork: true, containers: [{name: c, image: x}]}\nstatus: {phase: Running, podIP: 10.0.0.2, hostIP: 10.0.0.2}\n`;
  const yaml = base(`${LB}\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32000`, LB_STATUS) + agent;
  const ask = (flags: string[], from = "node:node-b", to = "ip:127.0.0.1", extra = "") => explainWith(yaml + extra, from, to, 32000, flags);
  const all = await ask([]);
  assert.deepEqual(all.pairs.map((p) => [p.to, p.verdict]), [["ip:127.0.0.1", "allow"]]);
  assert.match(all.pairs[0].service!.frontend, /kube-proxy's health check of Service shop\/web \(healthCheckNodePort 32000\) on node node-b \(its own loopback 127\.0\.0\.1\)/);
  assert.match(all.pairs[0].service!.why, /kube-proxy itself answers it on every node address \(its server listens on every address, the loopback too\)/);
  // A host-network pod's loopback is its node's.
  assert.match((await ask([], "shop/agent")).pairs[0].service!.frontend, /on node node-b \(its own loopback 127\.0\.0\.1\)/);
  // CIDRs of both families without loopback: nothing listens there (refused); with 127.0.0.0/8: 127.0.0.1 only (the loopback interface's address).
  const refused = await ask(["--nodeport-addresses", "10.0.0.0/24,fd00::/64"]);
  assert.deepEqual(refused.pairs.map((p) => [p.verdict, p.ingress.decidedBy]), [["deny", "service"]]);
  assert.match(refused.pairs[0].ingress.summary, /health check server listens on the nodePortAddresses only \(the option --nodeport-addresses: the node's addresses in 10\.0\.0\.0\/24, of the loopback interface's 127\.0\.0\.1\): 127\.0\.0\.1 is not one \(refused\)/);
  assert.equal((await ask(["--nodeport-addresses", "127.0.0.0/8,fd00::/64"])).pairs[0].verdict, "allow");
  assert.equal((await ask(["--nodeport-addresses", "127.0.0.0/8,fd00::/64"], "node:node-b", "ip:127.0.0.2")).pairs[0].verdict, "deny");
  assert.equal((await ask(["--nodeport-addresses", "primary,localhost"])).pairs[0].verdict, "allow");
  // IPv4 CIDRs only: the IPv6 proxier's server listens on every address and contends for the port: warned.
  const single = await ask(["--nodeport-addresses", "10.0.0.0/24"]);
  assert.equal(single.pairs[0].verdict, "deny");
  assert.match((single.pairs[0] as unknown as { warnings: string[] }).warnings.join("\n"), /no CIDR of IPv6: where the host has IPv6 too, kube-proxy's IPv6 proxier runs a health check server on every address \("0\.0\.0\.0"\).*kubernetes#111863/);
  // A pod's 127.0.0.1 is its own: no health check there.
  assert.equal((await ask([], "shop/client")).pairs[0].service, undefined);
  // felix listens on the host IPs only; Cilium's agent on every address.
  const felix = "---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {bpfEnabled: true}\n";
  const calico = await ask([], "node:node-b", "ip:127.0.0.1", felix);
  assert.deepEqual(calico.pairs.map((p) => [p.verdict, p.ingress.decidedBy]), [["deny", "service"]]);
  assert.match(calico.pairs[0].ingress.summary, /felix .* runs the health check server on the host's IP addresses only .*not on 127\.0\.0\.1/);
  assert.equal((await ask([], "node:node-b", "ip:10.0.0.2", felix)).pairs[0].verdict, "allow");
  const kpr = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {kube-proxy-replacement: "true"}\n`;
  const cilium = await ask([], "node:node-b", "ip:127.0.0.1", kpr);
  assert.equal(cilium.pairs[0].verdict, "allow");
  assert.match(cilium.pairs[0].service!.why, /the Cilium agent .* answers it in kube-proxy's place, on every node address and its loopback/);
});

/** A Service with a healthCheckNodePort under felix's eBPF data plane, and a calico-node DaemonSet of `image`, asked of node-b's own loopback. */
const felixBpf = "---\napiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {bpfEnabled: true}\n";
const calicoNodeDs = (image: string, ns = "kube-system") => `---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: calico-node, namespace: ${ns}}\nspec:\n  selector: {matchLabels: {k8s-app: calico-node}}\n  template:\n    metadata: {labels: {k8s-app: calico-node}}\n    spec:\n      hostNetwork: true\n      containers:\n      - {name: calico-node, image: "${image}"}\n`;
const healthCheckYaml = () => base(`${LB}\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32000`, LB_STATUS) + felixBpf;
const askFelixLoopback = (extra: string, to = "ip:127.0.0.1") => explainWith(healthCheckYaml() + extra, "node:node-b", to, 32000, []);

// felix's eBPF service health server bound "0.0.0.0/0" (every address, the loopback too) until
// projectcalico/calico ae5ee4d ("[BPF] kube-proxy starts binds health probes to node IPs", v3.31.1,
// SetHostIPs). Junction answered every release as the newest: a node's own 127.0.0.1 at a
// healthCheckNodePort was refused where an older felix answers it.
test("felix's health check server by its release (the calico-node image tag): before v3.31.1 on every address, the loopback too; since, the host IPs only; not shown: the newest, warned", async () => {
  const node = (image: string) => calicoNodeDs(image), ask = (extra: string) => askFelixLoopback(extra);
  for (const image of ["docker.io/calico/node:v3.31.0", "quay.io/calico/node:v3.28.2"]) {
    const old = await ask(node(image));
    assert.deepEqual(old.pairs.map((p) => p.verdict), ["allow"], image);
    assert.match(old.pairs[0].service!.why, new RegExp(`on every node address and its loopback \\(felix before v3\\.31\\.1 listens on every address: image ${image.replace(/\./g, "\\.")} of DaemonSet kube-system/calico-node\\)`));
  }
  for (const image of ["docker.io/calico/node:v3.31.1", "quay.io/calico/node:v3.32.0"]) {
    const now = await ask(node(image));
    assert.deepEqual(now.pairs.map((p) => [p.verdict, p.ingress.decidedBy]), [["deny", "service"]], image);
    assert.match(now.pairs[0].ingress.summary, /host's IP addresses only \(felix\/bpf\/proxy SetHostIPs since v3\.31\.1, image .* of DaemonSet kube-system\/calico-node/);
    assert.deepEqual((now.pairs[0] as unknown as { warnings: string[] }).warnings.filter((w) => /felix before/.test(w)), []);
  }
  const unknown = await ask(node("docker.io/calico/node@sha256:0123456789abcdef"));
  assert.equal(unknown.pairs[0].verdict, "deny");
  assert.match((unknown.pairs[0] as unknown as { warnings: string[] }).warnings.join("\n"), /felix before v3\.31\.1 runs the health check server on every address, the loopback too .* the input does not show felix's release/);
  // A node address: every release listens there.
  assert.equal((await askFelixLoopback(node("docker.io/calico/node:v3.32.0"), "ip:10.0.0.2")).pairs[0].verdict, "allow");
});

// The release was read from any image's tag: Calico Enterprise's tigera/cnx-node:v3.20.1 (its own
// numbering: not Calico v3.20) was read as felix v3.20.1, an old release, and a node's own loopback
// at a healthCheckNodePort was answered (allow) as felix before v3.31.1 does.
test("felix's release is read from a calico/node image only (a mirror's too): tigera/cnx-node (Calico Enterprise) numbers its releases its own way, so its release is unknown: warned, answered as the newest (it was read as Calico v3.20: allow)", async () => {
  const node = (image: string) => calicoNodeDs(image, "calico-system"), ask = (extra: string) => askFelixLoopback(extra);
  for (const image of ["quay.io/tigera/cnx-node:v3.20.1", "tigera/cnx-node:v3.21.0-1.0"]) {
    const enterprise = await ask(node(image));
    assert.deepEqual(enterprise.pairs.map((p) => [p.verdict, p.ingress.decidedBy]), [["deny", "service"]], image);
    assert.match((enterprise.pairs[0] as unknown as { warnings: string[] }).warnings.join("\n"), /the input does not show felix's release/, image);
    const warned = load({ "in.yaml": healthCheckYaml() + node(image) }).diagnostics.items.filter((d) => d.severity === "warning" && /felix's release is not read from image/.test(d.message));
    assert.equal(warned.length, 1, image);
    assert.match(warned[0].message, /tigera\/cnx-node is Calico Enterprise, whose release numbers are its own/);
  }
  // A mirror of calico/node (another registry, a path before it) is Calico's release; another repository's tag is no release.
  assert.deepEqual((await ask(node("registry.corp.example:5000/mirror/calico/node:v3.30.2"))).pairs.map((p) => p.verdict), ["allow"]);
  assert.deepEqual((await ask(node("docker.io/calico/node:v3.30.2"))).pairs.map((p) => p.verdict), ["allow"]);
  assert.deepEqual((await ask(node("example.com/other/felix:v3.20.0"))).pairs.map((p) => p.verdict), ["deny"]);
});

test("one rule for a pod of the pod network the input gives no address of (a template pod, a pod not yet given one): local wherever the detector sees its node's pods; under NodeCIDR with its node's podCIDR it was masqueraded to the node (a wrong deny), while ClusterCIDR read it as local", async () => {
  // getLocalDetectors: NodeCIDR is NewDetectLocalByCIDR(the node's podCIDR), which the pod's address comes from once the pod has one.
  const nodes = (yaml: string) => yaml.replace("metadata: {name: node-a}\n", "metadata: {name: node-a}\nspec: {podCIDRs: [10.1.0.0/24]}\n").replace("metadata: {name: node-b}\n", "metadata: {name: node-b}\nspec: {podCIDRs: [10.1.1.0/24]}\n");
  const pending = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: starting, namespace: shop, labels: {app: client}}\nspec: {nodeName: node-b, containers: [{name: c, image: x}]}\nstatus: {phase: Pending}\n";
  const yaml = nodes(base("")).replace("ingress: [{from: [{ipBlock: {cidr: 198.18.0.0/15}}]}]", "ingress: [{from: [{podSelector: {matchLabels: {app: client}}}]}]") + pending;
  for (const flags of [["--detect-local-mode", "NodeCIDR"], ["--cluster-cidr", "10.1.0.0/16"], ["--detect-local-mode", "BridgeInterface"]]) {
    const out = await explainWith(yaml, "shop/starting", "svc:shop/web", 80, flags);
    assert.deepEqual(out.pairs.map((p) => [p.to, p.verdict, p.service?.seenAs]), [["shop/web-1", "allow", undefined]], flags.join(" "));
  }
  // A pod with its address outside the translating node's podCIDR is still not local there (masqueraded to node-b).
  const outside = await explainWith(yaml, "shop/client", "svc:shop/web", 80, ["--detect-local-mode", "NodeCIDR"]);
  assert.deepEqual(outside.pairs.map((p) => [p.to, p.service?.seenAs]), [["shop/web-1", "node:node-b"]]);
});

test("nftables mode and 127.0.0.1 at a node port: kube-proxy v1.37's userspace proxy serves it under the feature gate KubeProxyNFTablesLocalhostNodePorts with a loopback address in nodePortAddresses (TCP, 127.0.0.1 and ::1 only; Local: the node's endpoints, else refused); without the gate refused, as before", async () => {
  const gate = "featureGates: {KubeProxyNFTablesLocalhostNodePorts: true}";
  const conf = (extra: string, npa = "[primary, localhost]") => kubeProxyConfigMap(`mode: nftables\nnodePortAddresses: ${npa}\n${extra}`);
  const yaml = base("  type: NodePort");
  // Without the gate (alpha: off), refused, and the answer says what would serve it.
  const off = await explainWith(yaml + conf(""), "node:node-b", "ip:127.0.0.1", 30080, []);
  assert.equal(off.pairs[0].ingress.decidedBy, "service");
  assert.match(off.pairs[0].ingress.summary, /nftables mode never serves node ports on a loopback address .*\(refused\); kube-proxy v1\.37 does with the feature gate KubeProxyNFTablesLocalhostNodePorts/);
  // With it: the proxy connects from node-b to web-1, which sees node-b (its policy admits 198.18.0.0/15 only: denied there, but reached).
  const on = await explainWith(yaml + conf(gate), "node:node-b", "ip:127.0.0.1", 30080, []);
  assert.deepEqual(on.pairs.map((p) => [p.to, p.service?.seenAs]), [["shop/web-1", "node:node-b"]]);
  assert.match(on.pairs[0].service!.why, /kube-proxy's userspace proxy \(feature gate KubeProxyNFTablesLocalhostNodePorts, kubernetes#138427\) listens at the node port on 127\.0\.0\.1/);
  // It listens on 127.0.0.1 only; nodePortAddresses must hold the loopback and not match all.
  assert.match((await explainWith(yaml + conf(gate), "node:node-b", "ip:127.0.0.2", 30080, [])).pairs[0].ingress.summary, /listens on 127\.0\.0\.1 and ::1 only/);
  assert.match((await explainWith(yaml + conf(gate, "[primary]"), "node:node-b", "ip:127.0.0.1", 30080, [])).pairs[0].ingress.summary, /runs only where nodePortAddresses hold the loopback/);
  assert.match((await explainWith(yaml + conf(gate, "[all]"), "node:node-b", "ip:127.0.0.1", 30080, [])).pairs[0].ingress.summary, /do not match all addresses/);
  // externalTrafficPolicy Local: the node's own endpoints only (web-1 is on node-a), else the listener is removed: refused.
  const local = base("  type: NodePort\n  externalTrafficPolicy: Local") + conf(gate);
  assert.match((await explainWith(local, "node:node-b", "ip:127.0.0.1", 30080, [])).pairs[0].ingress.summary, /node node-b has no local endpoint of Service shop\/web: kube-proxy's userspace proxy removes its listener/);
  assert.deepEqual((await explainWith(local, "node:node-a", "ip:127.0.0.1", 30080, [])).pairs.map((p) => [p.to, p.service?.seenAs]), [["shop/web-1", "node:node-a"]]);
  // The DaemonSet's --feature-gates alike (cliflag MapStringBool); a bad value is an error.
  const loaded = load({ "k.yaml": "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: kube-proxy, namespace: kube-system}\nspec:\n  selector: {matchLabels: {k8s-app: kube-proxy}}\n  template:\n    metadata: {labels: {k8s-app: kube-proxy}}\n    spec:\n      containers:\n      - name: kube-proxy\n        image: registry.k8s.io/kube-proxy:v1.37.0\n        command: [kube-proxy, --proxy-mode=nftables, \"--feature-gates=Foo=false, KubeProxyNFTablesLocalhostNodePorts=true\"]\n" });
  assert.equal(loaded.inventory.kubeProxy!.localhostProxy, true);
  const bad = load({ "k.yaml": "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: kube-proxy, namespace: kube-system}\nspec:\n  selector: {matchLabels: {k8s-app: kube-proxy}}\n  template:\n    metadata: {labels: {k8s-app: kube-proxy}}\n    spec:\n      containers:\n      - name: kube-proxy\n        command: [kube-proxy, --feature-gates=KubeProxyNFTablesLocalhostNodePorts=yes]\n" });
  assert.match(bad.diagnostics.errors.map((e) => e.message).join("\n"), /--feature-gates: invalid value of KubeProxyNFTablesLocalhostNodePorts=yes/);
});
