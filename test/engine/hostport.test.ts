// hostPort: a flow to a node address and a pod's hostPort is the CNI portmap plugin's DNAT to the pod
// (containernetworking/plugins plugins/meta/portmap portmap.go: CNI-HOSTPORT-DNAT from nat PREROUTING
// and OUTPUT for `--dst-type LOCAL`, fillDnatRules: `-p proto --dport hostPort [-d hostIP] -j DNAT
// --to-destination podIP:containerPort`, the source kept but for hairpin traffic), and the pod's
// ingress policy judges it on its containerPort. Before this, the flow was judged at the node ("not
// subject to ingress policy"): a wrong allow past a deny-all policy.

import { test } from "node:test";
import assert from "node:assert/strict";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { portIntervals } from "../../src/engine/portspace.js";
import { resolveEndpoint } from "../../src/engine/endpoints.js";
import { evaluateQuery } from "../../src/engine/query.js";
import { pairData, pairText } from "../../src/targets/explain.js";
import { connsHas, formatConns, type Protocol } from "../../src/model/ports.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import type { Party } from "../../src/engine/match.js";
import { exposureReport } from "../../src/analyze/exposure.js";
import { GatewayEngine } from "../../src/engine/gateway/engine.js";
import { cli, load, tempFiles } from "../helpers.js";

const NODE = (name: string, ...ips: string[]) =>
  `apiVersion: v1\nkind: Node\nmetadata: {name: ${name}}\nstatus: {addresses: [${ips.map((ip) => `{type: InternalIP, address: "${ip}"}`).join(", ")}]}`;
const POD = (name: string, node: string | undefined, ip: string, ports: string, extra = "") =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default, labels: {app: ${name}}}\n` +
  `spec: {${node ? `nodeName: ${node}, ` : ""}${extra}containers: [{name: c, image: x, ports: [${ports}]}]}\nstatus: {podIP: "${ip}"}`;
const WEB = (ports = "{containerPort: 80, hostPort: 8080}", node: string | undefined = "n1") => POD("web", node, "10.244.0.5", ports);
const DENY_INGRESS = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: default}\nspec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}";
const ALLOW_PORT = (port: number) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-${port}, namespace: default}\n` +
  `spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress], ingress: [{from: [{ipBlock: {cidr: 192.168.0.0/16}}], ports: [{port: ${port}}]}]}`;

function engineOf(...docs: string[]): PolicyEngine {
  const loaded = load({ "c.yaml": docs.join("\n---\n") });
  assert.deepEqual(loaded.diagnostics.errors, []);
  return new PolicyEngine(loaded.inventory, DEFAULT_OPTIONS);
}

function party(e: PolicyEngine, text: string): Party {
  const r = resolveEndpoint(e.index, text);
  assert.ok(r.ok && r.value.kind === "parties", text);
  return (r as { value: { parties: Party[] } }).value.parties[0];
}

const flow = (e: PolicyEngine, from: string, to: string, port: number, protocol: Protocol = "TCP") =>
  e.evaluate({ src: party(e, from), dst: party(e, to), protocol, port });

test("the reported wrong allow: outside → node:hostPort under a deny-all ingress policy is denied by the pod's policy (the explain command says the DNAT)", async () => {
  const yaml = [NODE("n1", "10.0.0.1"), WEB(), DENY_INGRESS].join("\n---\n");
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["explain", "-f", `${dir}/a.yaml`, "--from", "ip:192.168.1.9", "--to", "ip:10.0.0.1", "--port", "8080"]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /TCP\/8080: DENIED/);
    assert.match(r.out, /hostPort: node n1 forwards TCP\/8080 at 10\.0\.0\.1 to default\/web \(10\.244\.0\.5:80\): its hostPort, the CNI portmap plugin's DNAT/);
    assert.match(r.out, /ingress at default\/web \(pod\):\n {4}denied: isolated by NetworkPolicy default\/deny/);
    const json = JSON.parse((await cli(["explain", "-f", `${dir}/a.yaml`, "--from", "ip:192.168.1.9", "--to", "ip:10.0.0.1", "--port", "8080", "-o", "json"])).out);
    assert.deepEqual({ ...json.pairs[0].forwarded, summary: undefined }, { node: "n1", address: "10.0.0.1", hostPort: 8080, pod: "default/web", podAddress: "10.244.0.5", port: 80, protocol: "TCP", egressJudged: "as-addressed", summary: undefined });
  } finally { cleanup(); }
  // Another port of the node is the node's (not subject to policy).
  const e = engineOf(NODE("n1", "10.0.0.1"), WEB(), DENY_INGRESS);
  const other = flow(e, "ip:192.168.1.9", "node:n1", 8081);
  assert.equal(other.allowed, true);
  assert.equal(other.hostPort, undefined);
});

test("allowed when the pod's policy allows its containerPort; the hostPort number is not what the pod's policy sees", () => {
  const allow80 = flow(engineOf(NODE("n1", "10.0.0.1"), WEB(), ALLOW_PORT(80)), "ip:192.168.1.9", "ip:10.0.0.1", 8080);
  assert.equal(allow80.allowed, true);
  assert.equal(allow80.ingress.by, "rule");
  assert.equal(allow80.ingress.policy?.name, "allow-80");
  assert.equal(allow80.hostPort?.inner.port, 80);
  assert.equal(flow(engineOf(NODE("n1", "10.0.0.1"), WEB(), ALLOW_PORT(8080)), "ip:192.168.1.9", "ip:10.0.0.1", 8080).allowed, false);
  // A named port resolves on the pod's ports, as for a flow to the pod.
  const named = ALLOW_PORT(80).replace("port: 80", "port: http");
  assert.equal(flow(engineOf(NODE("n1", "10.0.0.1"), WEB("{name: http, containerPort: 80, hostPort: 8080}"), named), "ip:192.168.1.9", "ip:10.0.0.1", 8080).allowed, true);
});

test("hostIP limits the node address and the family: 0.0.0.0 is every IPv4 address, another address is not forwarded", () => {
  const node = NODE("n1", "10.0.0.1", "10.0.0.2", "fd00::1");
  const dual = (ports: string) => POD("web", "n1", "10.244.0.5", ports).replace('status: {podIP: "10.244.0.5"}', 'status: {podIP: "10.244.0.5", podIPs: [{ip: "10.244.0.5"}, {ip: "fd10::5"}]}');
  const forwarded = (ports: string, to: string) => flow(engineOf(node, dual(ports), DENY_INGRESS), "ip:192.168.1.9", to, 8080).hostPort !== undefined;
  const limited = "{containerPort: 80, hostPort: 8080, hostIP: 10.0.0.2}";
  assert.equal(forwarded(limited, "ip:10.0.0.2"), true);
  assert.equal(forwarded(limited, "ip:10.0.0.1"), false, "-d hostIP");
  assert.equal(forwarded(limited, "ip:fd00::1"), false, "a hostIP of the other family: the entry is skipped for that family");
  const any4 = "{containerPort: 80, hostPort: 8080, hostIP: 0.0.0.0}";
  assert.equal(forwarded(any4, "ip:10.0.0.1"), true);
  assert.equal(forwarded(any4, "ip:fd00::1"), false);
  assert.equal(forwarded("{containerPort: 80, hostPort: 8080}", "ip:fd00::1"), true, "no hostIP: both families");
  const v6 = flow(engineOf(node, dual("{containerPort: 80, hostPort: 8080}"), DENY_INGRESS), "ip:fd00::9", "ip:fd00::1", 8080);
  assert.equal(v6.hostPort?.target.address.family, 6, "forwarded to the pod's address of the flow's family");
});

test("only the hostPort's protocol is forwarded", () => {
  const e = engineOf(NODE("n1", "10.0.0.1"), WEB("{containerPort: 53, hostPort: 5353, protocol: UDP}"), DENY_INGRESS);
  assert.equal(flow(e, "ip:192.168.1.9", "node:n1", 5353, "UDP").allowed, false);
  const tcp = flow(e, "ip:192.168.1.9", "node:n1", 5353, "TCP");
  assert.equal(tcp.allowed, true);
  assert.equal(tcp.hostPort, undefined);
});

test("a pod not yet on a node, and a host-network pod, are forwarded by no portmap; an init container's hostPort is not mapped", () => {
  const unscheduled = engineOf(NODE("n1", "10.0.0.1"), POD("web", undefined, "10.244.0.5", "{containerPort: 80, hostPort: 8080}"), DENY_INGRESS);
  assert.equal(flow(unscheduled, "ip:192.168.1.9", "node:n1", 8080).hostPort, undefined);
  const hostNet = POD("agent", "n1", "10.0.0.1", "{containerPort: 8080, hostPort: 8080}", "hostNetwork: true, ");
  const e = engineOf(NODE("n1", "10.0.0.1"), hostNet, DENY_INGRESS.replace("app: web", "app: agent"));
  const v = flow(e, "ip:192.168.1.9", "ip:10.0.0.1", 8080);
  assert.equal(v.hostPort, undefined, "a host-network pod listens on the node's address itself: no DNAT");
  const init = POD("web", "n1", "10.244.0.5", "{containerPort: 80}").replace("containers:", "initContainers: [{name: i, image: x, ports: [{containerPort: 81, hostPort: 8080}]}], containers:");
  assert.equal(flow(engineOf(NODE("n1", "10.0.0.1"), init, DENY_INGRESS), "ip:192.168.1.9", "node:n1", 8080).hostPort, undefined,
    "kuberuntime generatePodSandboxConfig maps pod.Spec.Containers' ports only");
});

// A client on n1 (the node owning the address) and one on n2, each allowed egress only to n1's address.
const EGRESS_TO_N1 = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: to-n1, namespace: default}\n` +
  `spec: {podSelector: {matchLabels: {role: client}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.1/32}}]}]}`;
const CLIENT = (name: string, node: string, ip: string) => POD(name, node, ip, "{containerPort: 9}").replace(`labels: {app: ${name}}`, `labels: {app: ${name}, role: client}`);

test("a source's egress policy judges the forwarded flow on the node owning the address, the flow as addressed elsewhere", () => {
  const e = engineOf(NODE("n1", "10.0.0.1"), NODE("n2", "10.0.0.2"), WEB(), CLIENT("near", "n1", "10.244.0.7"), CLIENT("far", "n2", "10.244.1.7"), EGRESS_TO_N1);
  const near = flow(e, "default/near", "node:n1", 8080);
  assert.equal(near.hostPort?.egressAfter, true);
  assert.equal(near.allowed, false, "its own node's PREROUTING DNATs first: its egress policy sees web:80, which it does not allow");
  assert.equal(near.egress.by, "isolation");
  const far = flow(e, "default/far", "node:n1", 8080);
  assert.equal(far.hostPort?.egressAfter, false);
  assert.equal(far.allowed, true, "n2 sees n1's address (allowed), n1 forwards to web (no ingress policy)");
});

test("hairpin: the pod reaching its own hostPort arrives masqueraded, from its node", () => {
  const e = engineOf(NODE("n1", "10.0.0.1"), WEB(), "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: default}\nspec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress, Egress]}");
  const v = flow(e, "default/web", "node:n1", 8080);
  assert.equal(v.hostPort?.hairpin, true);
  assert.equal(v.hostPort?.inner.src.endpoint?.name, "n1");
  assert.equal(v.egress.by, "isolation", "the packet leaves the pod: its egress policy judges it");
  assert.equal(v.ingress.by, "own-node", "from its own node (--own-node=allow without a CNI in the input)");
  assert.equal(v.allowed, false);
});

test("the fast engine and the reference answer node destinations with hostPorts alike; the port space cuts at the hostPort", () => {
  const e = engineOf(NODE("n1", "10.0.0.1"), NODE("n2", "10.0.0.2"), WEB("{containerPort: 80, hostPort: 8080}, {containerPort: 53, hostPort: 53, protocol: UDP}"),
    CLIENT("near", "n1", "10.244.0.7"), CLIENT("far", "n2", "10.244.1.7"), EGRESS_TO_N1, ALLOW_PORT(80));
  const cuts = portIntervals(e.inventory);
  assert.ok(cuts.TCP.some(([a, b]) => a === 8080 && b === 8080));
  const ref = new PairwiseConnectivity(e), fast = new FastConnectivity(e);
  for (const from of ["default/near", "default/far", "default/web", "ip:192.168.1.9", "node:n2"]) {
    for (const to of ["node:n1", "ip:10.0.0.1", "node:n2"]) {
      const s = party(e, from), d = party(e, to);
      assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${from} → ${to}`);
    }
  }
  const outside = fast.conns(party(e, "ip:192.168.1.9"), party(e, "node:n1"));
  assert.equal(connsHas(outside, "UDP", 53), false, "UDP 53 is forwarded to web, whose policy allows only TCP 80 from outside");
  assert.equal(connsHas(outside, "UDP", 54), true, "the node's own port");
  assert.equal(connsHas(outside, "TCP", 8080), true, "TCP 8080 is forwarded to web:80, allowed");
});

test("exposure lists a hostPort as exposing the pod on its node's addresses (not a port nothing routes to)", () => {
  // (Partly: the policy allows 192.168.0.0/16, not the rest of the outside.)
  const e = engineOf(NODE("n1", "10.0.0.1"), WEB("{containerPort: 80, hostPort: 8080, hostIP: 10.0.0.1}"), ALLOW_PORT(80));
  const report = exposureReport(e.inventory, e, new GatewayEngine(e.inventory), new FastConnectivity(e));
  const hp = report.exposures.filter((x) => x.kind === "HostPort");
  assert.deepEqual(hp.map((x) => [x.exposedBy, x.entry, x.backend, x.targets.map((t) => [t.port, t.hop])]), [["default/web", "TCP hostPort 8080 on hostIP 10.0.0.1 of node n1", "default/web:80", [[80, "partly allowed"]]]]);
  assert.deepEqual(report.unrouted.filter((u) => u.workload === "default/web[Pod]"), []);
});

test("reading: hostPort and hostIP in the model; a hostPort out of range is refused, a hostIP that is no address warned about", () => {
  const loaded = load({ "p.yaml": [WEB("{containerPort: 80, hostPort: 8080, hostIP: 10.0.0.1}"), POD("b", "n1", "10.244.0.6", "{containerPort: 80, hostPort: 8080, hostIP: 10.0.0.1}"), POD("c", "n1", "10.244.0.7", "{containerPort: 80, hostPort: 9090}"), POD("d", "n1", "10.244.0.8", "{containerPort: 80}")].join("\n---\n") });
  assert.deepEqual(loaded.diagnostics.errors, []);
  const ports = (name: string) => loaded.inventory.endpoints.find((x) => x.name === name)!.ports;
  assert.deepEqual(ports("web").map((p) => [p.port, p.hostPort, p.hostIP?.value]), [[80, 8080, 0x0a000001n]]);
  assert.equal(ports("b"), ports("web"), "the same ports: one list");
  assert.deepEqual(ports("c").map((p) => [p.port, p.hostPort, p.hostIP]), [[80, 9090, undefined]]);
  assert.deepEqual(ports("d").map((p) => [p.port, p.hostPort]), [[80, undefined]]);
  const bad = load({ "p.yaml": WEB("{containerPort: 80, hostPort: 70000}") });
  assert.ok(bad.diagnostics.errors.some((d) => /hostPort/.test(JSON.stringify(d))), JSON.stringify(bad.diagnostics.errors));
  const ip = load({ "p.yaml": WEB("{containerPort: 80, hostPort: 8080, hostIP: nowhere}") });
  assert.ok(ip.diagnostics.items.some((d) => d.severity === "warning" && d.code === "invalid-ip"), JSON.stringify(ip.diagnostics.items));
  const e = new PolicyEngine(ip.inventory, DEFAULT_OPTIONS);
  assert.equal(e.index.hostPorts.target("n1", { family: 4, value: 0x0a000001n }, "TCP", 8080), undefined, "forwarded from no address");
});

test("explain text of a forwarded flow names the pod's side at the pod", () => {
  const e = engineOf(NODE("n1", "10.0.0.1"), WEB(), ALLOW_PORT(80));
  const from = resolveEndpoint(e.index, "ip:192.168.1.9"), to = resolveEndpoint(e.index, "node:n1");
  assert.ok(from.ok && to.ok);
  const r = evaluateQuery(e, from.value as never, to.value as never, 8080);
  assert.ok(r.ok);
  const text = pairText(r.value.pairs[0], pairData(r.value.pairs[0], () => undefined));
  assert.match(text, /ingress at default\/web \(pod\):\n {4}allowed by NetworkPolicy default\/allow-80/);
});

test("exposure judges a UDP NodePort on UDP (every exposure hop was judged as TCP)", () => {
  // (externalTrafficPolicy Local: the client's address kept, engine/kube-proxy.ts; with Cluster the pod would see its own node.)
  const svc = "apiVersion: v1\nkind: Service\nmetadata: {name: dns, namespace: default}\nspec: {type: NodePort, externalTrafficPolicy: Local, selector: {app: web}, ports: [{port: 53, protocol: UDP, nodePort: 30053}]}";
  const tcpOnly = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: tcp, namespace: default}\nspec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress], ingress: [{ports: [{port: 53, protocol: TCP}]}]}";
  const e = engineOf(WEB("{containerPort: 53, protocol: UDP}"), svc, tcpOnly);
  const report = exposureReport(e.inventory, e, new GatewayEngine(e.inventory), new FastConnectivity(e));
  assert.deepEqual(report.exposures.filter((x) => x.kind === "NodePort").flatMap((x) => x.targets.map((t) => [t.protocol, t.port, t.hop])), [["UDP", 53, "blocked"]]);
});

test("a node known only from a pod's status.hostIP (no Node in the input): its portmap DNAT forwards the hostPort all the same (it was an outside address: a wrong allow past the pod's deny-all)", async () => {
  const web = WEB().replace('status: {podIP: "10.244.0.5"}', 'status: {podIP: "10.244.0.5", hostIP: "10.0.0.7"}');
  const e = engineOf(web, DENY_INGRESS);
  const v = flow(e, "ip:192.168.1.9", "ip:10.0.0.7", 8080);
  assert.equal(v.allowed, false);
  assert.equal(v.hostPort?.node, "n1");
  assert.equal(v.hostPort?.target.pod.name, "web");
  // Another port of that address: nothing forwards it (an address the input knows nothing else of).
  assert.equal(flow(e, "ip:192.168.1.9", "ip:10.0.0.7", 8081).hostPort, undefined);
  // A pod on that node reaching it: DNATed on its own node first, its egress judges the forwarded flow.
  const local = engineOf(web, POD("client", "n1", "10.244.0.9", ""), DENY_INGRESS);
  assert.equal(flow(local, "default/client", "ip:10.0.0.7", 8080).hostPort?.egressAfter, true);
  const r = await cli(["explain", "-f", "-", "--from", "ip:192.168.1.9", "--to", "ip:10.0.0.7", "--port", "8080"], [web, DENY_INGRESS].join("\n---\n"));
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /hostPort: node n1 forwards TCP\/8080 at 10\.0\.0\.7 to default\/web \(10\.244\.0\.5:80\)/);
  // The fast engine agrees.
  const fast = new FastConnectivity(e), ref = new PairwiseConnectivity(e);
  assert.equal(formatConns(fast.conns(party(e, "ip:192.168.1.9"), party(e, "ip:10.0.0.7"))), formatConns(ref.conns(party(e, "ip:192.168.1.9"), party(e, "ip:10.0.0.7"))));
});

test("a hostPort on a Service's node port (same port and protocol): the Service takes it (kube-proxy prepends KUBE-SERVICES to nat PREROUTING, portmap appends CNI-HOSTPORT-DNAT)", async () => {
  const svc = "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: default}\nspec: {type: NodePort, selector: {app: api}, ports: [{port: 80, targetPort: 9000, nodePort: 30080}]}";
  const api = POD("api", "n1", "10.244.0.8", "{containerPort: 9000}");
  const yaml = [NODE("n1", "10.0.0.1"), WEB("{containerPort: 80, hostPort: 30080}"), api, svc, DENY_INGRESS].join("\n---\n");
  const r = await cli(["explain", "-f", "-", "--from", "ip:192.168.1.9", "--to", "ip:10.0.0.1", "--port", "30080", "-o", "json", "-q"], yaml);
  const pairs = JSON.parse(r.out).pairs as { to: string; port: number; forwarded?: unknown; service?: { frontend: string } }[];
  assert.deepEqual(pairs.map((p) => [p.to, p.port, p.forwarded === undefined]), [["default/api", 9000, true]]);
  assert.match(pairs[0].service!.frontend, /node port 30080 of Service default\/api/);
  // UDP at the same number is not the Service's port: the hostPort of that protocol would take it.
  const udp = [NODE("n1", "10.0.0.1"), WEB("{containerPort: 80, hostPort: 30080, protocol: UDP}"), api, svc, DENY_INGRESS].join("\n---\n");
  const u = JSON.parse((await cli(["explain", "-f", "-", "--from", "ip:192.168.1.9", "--to", "ip:10.0.0.1", "--port", "30080", "--protocol", "UDP", "-o", "json", "-q"], udp)).out);
  assert.deepEqual(u.pairs.map((p: { to: string; forwarded?: { pod: string; port: number } }) => [p.to, p.forwarded?.pod, p.forwarded?.port]), [["node:n1", "default/web", 80]]);
});
