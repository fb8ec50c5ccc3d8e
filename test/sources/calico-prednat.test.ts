// Calico preDNAT policies (felix rules/static.go StaticManglePreroutingChain, rules/endpoints.go
// HostEndpointToMangleIngressChains): judged in mangle PREROUTING on what arrives through a host
// endpoint, before kube-proxy's DNAT (the node port, not the pod's port); Allow accepts (the filter
// table's host endpoint policy is skipped: acceptAlreadyAccepted), Deny drops, no match falls through.
// Normal host endpoint policy applies to the host's own traffic only (docs "Apply on forwarded traffic":
// "If applyOnForward is false, the host endpoint policy applies to traffic to/from local processes
// only"): a node port forwarded to a pod is not judged by it. A preDNAT policy selecting a host
// endpoint was an error, and the input was not analysed at all.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, load, tempFiles } from "../helpers.js";

const NODES = [["n1", "172.18.0.2"], ["n2", "172.18.0.3"]].map(([n, ip]) =>
  `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}`);
const hep = (n: string, ip: string) => `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: ${n}-eth0, labels: {hep: 'yes'}}\nspec: {node: ${n}, interfaceName: eth0, expectedIPs: [${ip}]}`;
const BASE = [
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}", ...NODES,
  "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: x, labels: {app: web}}\nspec: {nodeName: n1, containers: [{name: c, ports: [{containerPort: 8080}]}]}\nstatus: {podIP: 10.0.1.1}",
  "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: x}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}",
  hep("n1", "172.18.0.2"), hep("n2", "172.18.0.3"),
  // Normal host endpoint policy: SSH only (and felix's failsafe ports).
  "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: hep-ssh}\nspec:\n  selector: has(hep)\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [22]}}]",
];
// The docs' pattern (security/host-endpoints, "Restrict access to Kubernetes node ports"): allow one net to the node ports, deny the rest.
const PRE_DNAT = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: nodeports}\nspec:\n  selector: has(hep)\n  order: 10\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - {action: Allow, source: {nets: [198.51.100.0/24]}, protocol: TCP, destination: {ports: [30080, 9100]}}\n  - {action: Deny, protocol: TCP, destination: {ports: ['30000:32767']}}";

const yaml = (...docs: string[]) => [...BASE, ...docs].join("\n---\n");

async function explain(docs: string[], from: string, to: string, port: number) {
  const r = await cli(["explain", "-f", "-", "--from", from, "--to", to, "--port", String(port), "-o", "json"], yaml(...docs));
  assert.equal(r.err.match(/^error:.*/m)?.[0], undefined, r.err);
  return JSON.parse(r.out) as { pairs: { verdict: string; ingress: { decidedBy?: string; policy?: string; summary?: string }; service?: { why: string } }[] };
}

test("a normal host endpoint policy does not judge a node port forwarded to a pod (applyOnForward false)", async () => {
  const r = await explain([], "ip:203.0.113.5", "172.18.0.2", 30080);
  assert.equal(r.pairs[0].verdict, "allow");
  assert.equal((await explain([], "ip:203.0.113.5", "node:n1", 8080)).pairs[0].verdict, "deny", "the host's own port: its policy decides");
  const x = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml());
  assert.deepEqual((JSON.parse(x.out) as { exposures: { targets: { hop: string }[] }[] }).exposures[0].targets.map((t) => t.hop), ["allowed"]);
});

test("preDNAT: the node port is judged before DNAT; Deny drops, Allow accepts, no match falls through to the normal policy", async () => {
  const l = load({ "p.yaml": yaml(PRE_DNAT) });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), [], "no longer refused");
  assert.ok(l.diagnostics.items.some((d) => d.code === "vendor-prednat"));
  assert.equal(l.inventory.policies.some((p) => p.name === "nodeports"), false, "the engines do not see it: it is no normal policy");
  const denied = await explain([PRE_DNAT], "ip:203.0.113.5", "172.18.0.2", 30080);
  assert.equal(denied.pairs[0].verdict, "deny");
  assert.match(denied.pairs[0].service!.why, /Calico GlobalNetworkPolicy nodeports ingress rule 1 \(preDNAT\) drops it at node n1's node port 30080, before kube-proxy's DNAT/);
  assert.equal((await explain([PRE_DNAT], "ip:198.51.100.7", "172.18.0.2", 30080)).pairs[0].verdict, "allow", "its net: allowed, then the pod's policy");
  // To the host itself: Allow accepts past the normal policy (which allows 22 only); no match: the normal policy.
  assert.equal((await explain([PRE_DNAT], "ip:198.51.100.7", "node:n1", 9100)).pairs[0].verdict, "allow", "accepted before the filter table");
  assert.equal((await explain([PRE_DNAT], "ip:203.0.113.5", "node:n1", 9100)).pairs[0].verdict, "deny", "no preDNAT match: hep-ssh isolates");
  assert.equal((await explain([PRE_DNAT], "ip:203.0.113.5", "node:n1", 31000)).pairs[0].verdict, "deny");
  assert.equal((await explain([PRE_DNAT], "ip:203.0.113.5", "node:n1", 22)).pairs[0].verdict, "allow", "failsafe and the normal policy");
  assert.equal((await explain([PRE_DNAT], "x/web", "node:n1", 31000)).pairs[0].verdict, "allow", "a pod of the node arrives through its workload interface: no preDNAT (felix's DefaultEndpointToHostAction)");
  const x = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml(PRE_DNAT));
  const row = (JSON.parse(x.out) as { exposures: { from: string; targets: { hop: string }[] }[] }).exposures[0];
  assert.deepEqual(row.targets.map((t) => t.hop), ["allowed"], "from 198.51.100.0/24 (a class of outside addresses: the preDNAT policy's nets)");
  assert.match(row.from, /not from every outside address: no node lets it in: Calico GlobalNetworkPolicy nodeports ingress rule 1 \(preDNAT, before kube-proxy's DNAT\) drops it at nodes n1, n2/);
  const t = tempFiles({ "e.yaml": "- {from: ip:203.0.113.5, to: 172.18.0.2, port: 30080, expect: deny}\n- {from: ip:198.51.100.9, to: 172.18.0.3, port: 30080, expect: allow}\n- {from: ip:198.51.100.9, to: node:n2, port: 9100, expect: allow}\n" });
  try {
    const r = await cli(["test", "-f", "-", "--expect", `${t.dir}/e.yaml`], yaml(PRE_DNAT));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /3 passed, 0 failed/);
  } finally { t.cleanup(); }
});

// applyOnForward (calc/event_sequencer.go tierInfoToProtoTierInfo: forwardTiers; docs "Apply on forwarded
// traffic"): a normal policy that also judges what a host endpoint forwards. It was an error (nothing
// analysed); the forwarded connections are not modelled: the answers that cross it say so.
test("applyOnForward on a host endpoint: the host's own traffic is answered; forwarded connections are marked unknown", async () => {
  const fwd = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: fwd}\nspec:\n  selector: has(hep)\n  order: 5\n  applyOnForward: true\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [22, 30080]}}]";
  const l = load({ "f.yaml": yaml(fwd) });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  assert.ok(l.diagnostics.items.some((d) => d.severity === "warning" && d.code === "vendor-forward"));
  const own = await explain([fwd], "ip:203.0.113.5", "node:n1", 8080);
  assert.equal(own.pairs[0].verdict, "deny", "the host's own traffic: a normal policy");
  const warned = async (from: string, to: string, port: number) => {
    const r = await cli(["explain", "-f", "-", "--from", from, "--to", to, "--port", String(port), "-o", "json"], yaml(fwd));
    return JSON.stringify(JSON.parse(r.out));
  };
  assert.match(await warned("ip:203.0.113.5", "172.18.0.2", 30080), /unknown: the connection is forwarded through a Calico host endpoint whose applyOnForward policies judge it too.*GlobalNetworkPolicy fwd \(ingress of node n1's host endpoint n1-eth0\)/);
  assert.match(await warned("ip:203.0.113.5", "x/web", 8080), /applyOnForward policies judge it too/, "routed to the pod through n1's host endpoint");
  assert.doesNotMatch(await warned("ip:203.0.113.5", "node:n1", 22), /applyOnForward/, "to the host itself: answered");
  const x = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml(fwd));
  assert.match((JSON.parse(x.out) as { exposures: { from: string }[] }).exposures[0].from, /unknown: the connection is forwarded through a Calico host endpoint/);
});

// projectcalico.org/v3 GlobalNetworkSetSpec and NetworkSetSpec hold `nets` only (api/pkg/apis/projectcalico/v3):
// allowedEgressDomains is Calico Enterprise's. The error said only "not supported".
test("allowedEgressDomains: an error naming Calico Enterprise and DNS, not a bare 'not supported'", () => {
  const l = load({ "d.yaml": "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: doms}\nspec:\n  nets: [192.0.2.0/24]\n  allowedEgressDomains: [api.example.com]\n" });
  assert.match(l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.allowedEgressDomains: allowedEgressDomains is a Calico Enterprise field .*DNS answers at run time/);
});

// An external IP (or a load balancer address) is DNATed by kube-proxy at whichever node receives it: a
// preDNAT policy of that node's host endpoint sees the address and port dialled first.
test("preDNAT on an external IP: every node's host endpoint drops it, or lets its net in", async () => {
  const svc = "apiVersion: v1\nkind: Service\nmetadata: {name: pub, namespace: x}\nspec: {selector: {app: web}, externalIPs: [192.0.2.50], ports: [{port: 80, targetPort: 8080}]}";
  const pre = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ext}\nspec:\n  selector: has(hep)\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - {action: Allow, source: {nets: [198.51.100.0/24]}, protocol: TCP, destination: {ports: [80]}}\n  - {action: Deny, protocol: TCP, destination: {ports: [80]}}";
  const denied = await explain([svc, pre], "ip:203.0.113.5", "ip:192.0.2.50", 80);
  assert.equal(denied.pairs[0].verdict, "deny");
  assert.match(denied.pairs[0].service!.why, /no node lets it in: Calico GlobalNetworkPolicy ext ingress rule 1 \(preDNAT, before kube-proxy's DNAT\) drops it at nodes n1, n2/);
  assert.equal((await explain([svc, pre], "ip:198.51.100.7", "ip:192.0.2.50", 80)).pairs[0].verdict, "allow");
  assert.equal((await explain([svc, pre], "x/web", "ip:192.0.2.50", 80)).pairs[0].verdict, "allow", "a pod's connection is translated on its own node: no host endpoint in between");
  const x = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml(svc, pre));
  const row = (JSON.parse(x.out) as { exposures: { kind: string; from: string; targets: { hop: string }[] }[] }).exposures.find((e) => e.kind === "ExternalIP")!;
  assert.deepEqual(row.targets.map((t) => t.hop), ["allowed"], "198.51.100.0/24 gets in: the preDNAT policy's nets are a class of outside addresses");
  const deny = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml(svc, pre.replace("  - {action: Allow, source: {nets: [198.51.100.0/24]}, protocol: TCP, destination: {ports: [80]}}\n", "")));
  const closed = (JSON.parse(deny.out) as { exposures: { kind: string; targets: unknown[]; problem?: string }[] }).exposures.find((e) => e.kind === "ExternalIP")!;
  assert.deepEqual(closed.targets, []);
  assert.match(closed.problem!, /no node lets it in: Calico GlobalNetworkPolicy ext ingress rule 0 \(preDNAT/);
});

// portmap DNATs a hostPort in nat PREROUTING, after felix's mangle PREROUTING: a preDNAT policy sees the
// node's address and the hostPort first. Exposure listed the hostPort as open to every outside address.
test("preDNAT on a hostPort: dropped before portmap's DNAT; an Allow leaves it to the pod's policy", async () => {
  const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: hp, namespace: x, labels: {app: hp}}\nspec: {nodeName: n2, containers: [{name: c, ports: [{containerPort: 9000, hostPort: 9000}]}]}\nstatus: {podIP: 10.0.2.9}";
  const pre = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: hp}\nspec:\n  selector: has(hep)\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - {action: Allow, source: {nets: [198.51.100.0/24]}, protocol: TCP, destination: {ports: [9000]}}\n  - {action: Deny, protocol: TCP, destination: {ports: [9000]}}";
  assert.equal((await explain([pod, pre], "ip:203.0.113.5", "node:n2", 9000)).pairs[0].verdict, "deny");
  assert.equal((await explain([pod, pre], "ip:198.51.100.7", "node:n2", 9000)).pairs[0].verdict, "allow");
  const deny = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: closed, namespace: x}\nspec:\n  selector: app == 'hp'\n  types: [Ingress]";
  assert.equal((await explain([pod, pre, deny], "ip:198.51.100.7", "node:n2", 9000)).pairs[0].verdict, "deny", "the pod's own policy still decides after a preDNAT Allow");
  const x = await cli(["exposure", "-f", "-", "-o", "json", "-q"], yaml(pod, pre));
  const row = (JSON.parse(x.out) as { exposures: { kind: string; from: string; targets: { hop: string }[] }[] }).exposures.find((e) => e.kind === "HostPort")!;
  assert.deepEqual(row.targets.map((t) => t.hop), ["allowed"]);
  assert.match(row.from, /not from every outside address: Calico GlobalNetworkPolicy hp ingress rule 1 \(preDNAT, before portmap's DNAT\) drops it at node n2/);
});

// felix renders a rule's `http` match not at all (felix/calc/rule_convert.go hands HttpMatch to the policy
// sync API only; nothing in felix/rules reads it): Dikastes in an Istio sidecar checks it. The connection
// summary said "only HTTP requests matching" whatever ran at the pod.
test("explain: a Calico HTTP match is said to be Dikastes', in an Istio sidecar", async () => {
  const http = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: get, namespace: x}\nspec:\n  selector: app == 'web'\n  ingress: [{action: Allow, http: {methods: [GET]}}]";
  const r = await cli(["explain", "-f", "-", "--from", "ip:203.0.113.5", "--to", "x/web", "--port", "8080"], yaml(http));
  assert.match(r.out, /only HTTP requests matching \(method GET\) where Calico's Dikastes checks them \(application layer policy, in an Istio sidecar; without one, every request\)/);
});

// A host-network pod's address is its node's (match.ts nodeOf, actsAsNode): what arrives for it
// crosses the node's host endpoint and felix's mangle PREROUTING. explain to the pod skipped the
// preDNAT policy that explain to the node's address applies: a Deny's wrong allow.
test("preDNAT: a connection to a host-network pod is judged as one to its node", async () => {
  const exporter = "apiVersion: v1\nkind: Pod\nmetadata: {name: exporter, namespace: x, labels: {app: exporter}}\nspec: {nodeName: n1, hostNetwork: true, containers: [{name: c, ports: [{containerPort: 9100}]}]}\nstatus: {podIP: 172.18.0.2, hostIP: 172.18.0.2}";
  const deny = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: no-exporter}\nspec:\n  selector: has(hep)\n  order: 10\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - {action: Deny, protocol: TCP, destination: {ports: [9100]}}";
  const allowAll = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: hep-all}\nspec:\n  selector: has(hep)\n  ingress: [{action: Allow}]";
  for (const to of ["172.18.0.2", "node:n1", "x/exporter"]) {
    const r = await explain([exporter, allowAll, deny], "ip:203.0.113.5", to, 9100);
    assert.equal(r.pairs[0].verdict, "deny", to);
    assert.match(JSON.stringify(r.pairs[0].ingress), /no-exporter/, to);
  }
  assert.equal((await explain([exporter, allowAll], "ip:203.0.113.5", "x/exporter", 9100)).pairs[0].verdict, "allow", "without it, the normal policy");
  assert.equal((await explain([exporter, allowAll, deny], "x/web", "x/exporter", 9100)).pairs[0].verdict, "allow", "from a pod of its node: its workload interface, no preDNAT");
});

// felix's mangle PREROUTING dispatches on the incoming interface alone (rules/static.go
// StaticManglePreroutingChain: "Now dispatch to host endpoint chain for the incoming interface"); the
// docs' summary of host endpoint policies: "For packets that arrive on a host interface and are destined
// for a local workload ...: Pre-DNAT policies apply." An outside address reaching a pod's IP (a routable
// pod network, no DNAT) was never judged by them: explain, test, list and matrix all said allowed.
test("preDNAT: a connection straight to a pod's IP from off its node is judged at the node's host endpoint", async () => {
  const pre = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: pods}\nspec:\n  selector: has(hep)\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - {action: Allow, source: {nets: [198.51.100.0/24]}, protocol: TCP, destination: {ports: [8080]}}\n  - {action: Deny, protocol: TCP, destination: {ports: [8080]}}";
  const pods = ["apiVersion: v1\nkind: Pod\nmetadata: {name: near, namespace: x, labels: {app: near}}\nspec: {nodeName: n1, containers: [{name: c}]}\nstatus: {podIP: 10.0.1.2}",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: far, namespace: x, labels: {app: far}}\nspec: {nodeName: n2, containers: [{name: c}]}\nstatus: {podIP: 10.0.2.2}"];
  const docs = [...pods, pre];
  const denied = await explain(docs, "ip:203.0.113.5", "x/web", 8080);
  assert.equal(denied.pairs[0].verdict, "deny");
  assert.match(JSON.stringify(denied.pairs[0]), /Calico GlobalNetworkPolicy pods ingress rule 1 \(preDNAT\) drops it at node n1's host endpoint n1-eth0, before it reaches pod x\/web/);
  assert.equal((await explain(docs, "ip:198.51.100.7", "x/web", 8080)).pairs[0].verdict, "allow", "its net: the preDNAT Allow, then the pod's policy (none)");
  assert.equal((await explain(docs, "ip:203.0.113.5", "x/web", 8081)).pairs[0].verdict, "allow", "no preDNAT rule matches: falls through");
  assert.equal((await explain(docs, "x/far", "x/web", 8080)).pairs[0].verdict, "deny", "a pod of another node arrives through n1's host endpoint too");
  assert.equal((await explain(docs, "x/near", "x/web", 8080)).pairs[0].verdict, "allow", "a pod of the same node: its workload interface, no host endpoint");
  const closed = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: closed, namespace: x}\nspec:\n  selector: app == 'web'\n  types: [Ingress]";
  assert.equal((await explain([...docs, closed], "ip:198.51.100.7", "x/web", 8080)).pairs[0].verdict, "deny", "a preDNAT Allow leaves the pod's own policy to decide");
  // A preDNAT Allow skips the host endpoint's applyOnForward policies (StaticFilterForwardChains: MarkClear(MarkAccept)); no match leaves them (unknown, a warning).
  const fwd = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: fwd}\nspec:\n  selector: has(hep)\n  order: 5\n  applyOnForward: true\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [22]}}]";
  assert.doesNotMatch(JSON.stringify(await explain([...docs, fwd], "ip:198.51.100.7", "x/web", 8080)), /applyOnForward/);
  assert.match(JSON.stringify(await explain([...docs, fwd], "ip:198.51.100.7", "x/web", 8081)), /applyOnForward policies judge it too/);
  // Through a Service's cluster IP the connection arrives at the endpoint's node, translated: judged there at the pod's port.
  assert.equal((await explain(docs, "x/far", "svc:x/web", 80)).pairs[0].verdict, "deny");
  assert.equal((await explain(docs, "x/near", "svc:x/web", 80)).pairs[0].verdict, "allow");
  // A load balancer's address: entering at n2 it is masqueraded to n2 and forwarded to n1, whose preDNAT policy drops it; entering at n1 it is translated there.
  const lb = "apiVersion: v1\nkind: Service\nmetadata: {name: lb, namespace: x}\nspec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30081}]}\nstatus: {loadBalancer: {ingress: [{ip: 192.0.2.80}]}}";
  const viaLb = await cli(["explain", "-f", "-", "--from", "ip:203.0.113.5", "--to", "ip:192.0.2.80", "--port", "80", "-o", "json"], yaml(...docs, lb));
  const entering = (JSON.parse(viaLb.out) as { pairs: { verdict: string; service: { seenAs?: string } }[] }).pairs.map((p) => `${p.service.seenAs}: ${p.verdict}`);
  assert.deepEqual(entering.sort(), ["node:n1: allow", "node:n2: deny"], viaLb.out);
  const t = tempFiles({ "e.yaml": "- {from: ip:203.0.113.5, to: x/web, port: 8080, expect: deny}\n- {from: ip:198.51.100.9, to: x/web, port: 8080, expect: allow}\n- {from: x/near, to: x/web, port: 8080, expect: allow}\n" });
  try {
    const r = await cli(["test", "-f", "-", "--expect", `${t.dir}/e.yaml`], yaml(...docs));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /3 passed, 0 failed/);
  } finally { t.cleanup(); }
  // list and matrix (the fast engine) agree with explain.
  const list = await cli(["list", "-f", "-", "-o", "json"], yaml(...docs));
  const entries = JSON.parse(list.out) as { src: string; dst: string; conn: string }[];
  const conn = (src: RegExp, dst: string) => entries.filter((e) => src.test(e.src) && e.dst === dst).map((e) => e.conn);
  assert.deepEqual(conn(/^198\.51\.101\.0-/, "x/web[Pod]"), ["SCTP 1-65535,TCP 1-8079,8081-65535,UDP 1-65535"], list.out);
  assert.deepEqual(conn(/^198\.51\.100\.0-198\.51\.100\.255/, "x/web[Pod]"), ["All Connections"]);
  assert.deepEqual(conn(/^x\/far/, "x/web[Pod]"), ["SCTP 1-65535,TCP 1-8079,8081-65535,UDP 1-65535"]);
  assert.deepEqual(conn(/^x\/near/, "x/web[Pod]"), ["All Connections"]);
  // list --explain gives the reason per port: the preDNAT policy's Deny on 8080.
  const why = await cli(["list", "-f", "-", "--explain", "--focus-workload", "x/web", "-o", "json"], yaml(...docs));
  assert.match(why.out, /Calico GlobalNetworkPolicy pods ingress rule 1 \(preDNAT\) drops it at node n1's host endpoint n1-eth0/, why.out.slice(0, 3000));
  const m = await cli(["matrix", "-f", "-", "--port", "8080", "-o", "json"], yaml(...docs));
  const cells = (JSON.parse(m.out) as { cells: { from: string; to: string; reach: string }[] }).cells;
  const reach = (from: string, to: string) => cells.find((c) => c.from === from && c.to === to)?.reach;
  assert.equal(reach("x/far", "x/web"), "none", m.out);
  assert.equal(reach("x/near", "x/web"), "all", m.out);
});
