// A host's own connection to its own loopback (127.0.0.0/8, ::1; not a node port: kube-proxy's,
// test/engine/kube-proxy.test.ts): a node's, a host-network pod's (its node's lo), a Workload's.
// felix polices lo by an all-interfaces host endpoint (`interfaceName: "*"`): endpoint_mgr.go
// resolveHostEndpoints makes it the dispatch chains' default, and rules/static.go filterInputChain and
// filterOutputChain dispatch every interface, lo too; a named interface's host endpoint leaves lo
// alone, and Junction's own nftables host ruleset accepts lo. Junction judged the node's egress to
// 127.0.0.1 by its host endpoint's policy whatever the interface, and its ingress never (an outside
// address): a wrong allow under "*" (felix's ingress policy sees 127.0.0.1, which its selectors do
// not hold), a wrong deny under a named interface, and the nftables ruleset disagreed with both.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, engineFor, load } from "../helpers.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { resolveEndpoint } from "../../src/engine/endpoints.js";
import { compileHost } from "../../src/targets/nftables/host.js";
import { renderTable } from "../../src/targets/nftables/ruleset.js";
import { formatConns } from "../../src/model/ports.js";
import { parseAddress } from "../../src/model/ip.js";
import type { Party } from "../../src/engine/match.js";
import { NftProgram } from "../nft-interpreter.js";
import { assertAgree, assertGroupsAgree } from "./fast-agree.js";

// felix's default failsafe ports (config_params.go): TCP ports in both lists (open both ways on a policed lo),
// and the outbound list with a policy's TCP 10250.
const FAILSAFE_BOTH = "179,2379-2380,5473,6443,6666-6667";
const FAILSAFE_OUT_WITH_10250 = "TCP 179,2379-2380,5473,6443,6666-6667,10250,UDP 53,67";
const NODE = "apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {name: n1}}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.2}]}";
const AGENT = "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: hosts}\nspec: {nodeName: n1, hostNetwork: true, containers: [{name: c, image: x}]}\nstatus: {podIP: 172.18.0.2}";
const OTHER = "apiVersion: v1\nkind: Pod\nmetadata: {name: other, namespace: x, labels: {app: other}}\nspec: {nodeName: n1, containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.1.2}";
const HEP = (iface: string) => `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-hep, labels: {role: host}}\nspec: {node: n1, interfaceName: '${iface}', expectedIPs: [172.18.0.2]}`;
// The host: in from pods labelled other to 10250 (the host's own 127.0.0.1 is none), out to 10250; in from 127.0.0.0/8 to 9099 (felix's health port, by nets).
const GNP = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: host}
spec:
  selector: role == 'host'
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: app == 'other'}, destination: {ports: [10250]}}
  - {action: Allow, protocol: TCP, source: {nets: [127.0.0.0/8]}, destination: {ports: [9099]}}
  - {action: Allow, protocol: TCP, source: {nets: ["::1/128"]}, destination: {ports: [9099]}}
  - {action: Allow, protocol: TCP, source: {selector: role == 'host'}, destination: {ports: [9100]}}
  egress: [{action: Allow, protocol: TCP, destination: {ports: [10250, 9099, 9100]}}]`;
const cluster = (...docs: string[]) => ["apiVersion: v1\nkind: Namespace\nmetadata: {name: x}", "apiVersion: v1\nkind: Namespace\nmetadata: {name: hosts}", NODE, AGENT, OTHER, ...docs].join("\n---\n");

function party(e: PolicyEngine, text: string): Party {
  const r = resolveEndpoint(e.index, text);
  assert.ok(r.ok && r.value.kind === "parties", text);
  return (r as { value: { parties: Party[] } }).value.parties[0];
}
const ask = (e: PolicyEngine, from: string, to: string, port: number) => e.evaluate({ src: party(e, from), dst: party(e, to), protocol: "TCP", port });
const PORTS = [80, 9099, 9100, 10250];

test("a node's own loopback under felix's all-interfaces host endpoint: its policy both ways, the source 127.0.0.1 (no selector of the host's holds it); a host-network pod's alike", () => {
  const e = engineFor(cluster(HEP("*"), GNP));
  for (const from of ["node:n1", "hosts/agent"]) {
    const to = (port: number) => ask(e, from, "ip:127.0.0.1", port);
    assert.equal(to(80).allowed, false, `${from}: its egress allows 10250, 9099 and 9100 only`);
    assert.equal(to(80).egress.by, "isolation");
    assert.deepEqual([to(10250).allowed, to(10250).egress.allowed, to(10250).ingress.by], [false, true, "isolation"], `${from}: 10250 admits pods labelled other, not 127.0.0.1 (it was allowed: ingress unenforced)`);
    assert.deepEqual([to(9100).allowed, to(9100).ingress.by], [false, "isolation"], `${from}: a selector of the host's own labels holds its expectedIPs, not 127.0.0.1`);
    assert.deepEqual([to(9099).allowed, to(9099).ingress.by, to(9099).ingress.policy?.name], [true, "rule", "host"], `${from}: the nets rule admits 127.0.0.0/8`);
    assert.equal(ask(e, from, "ip:127.0.0.9", 9099).allowed, true);
    assert.equal(ask(e, from, "ip:::1", 9099).allowed, true, `${from}: ::1 from ::1`);
  }
  // Its pods' loopback is their own: no policy.
  assert.equal(ask(e, "x/other", "ip:127.0.0.1", 80).ingress.by, "loopback");
});

test("a node's own loopback with a named interface's host endpoint, without one, a Workload's: no one polices lo: allowed, decided by the loopback (it was denied by the host endpoint's egress)", () => {
  for (const docs of [[HEP("eth0"), GNP], [GNP], []]) {
    const e = engineFor(cluster(...docs));
    for (const from of ["node:n1", "hosts/agent"]) for (const port of PORTS) {
      const v = ask(e, from, "ip:127.0.0.1", port);
      assert.deepEqual([v.allowed, v.egress.by, v.ingress.by], [true, "loopback", "loopback"], `${docs.length} ${from} ${port}`);
    }
  }
  // A Workload whose policy isolates its egress: Junction's nftables ruleset accepts lo, so does the answer.
  const vm = `apiVersion: junction.dev/v1alpha1\nkind: Workload\nmetadata: {name: db, namespace: x, labels: {app: db}}\nspec: {addresses: [192.0.2.30]}\n---\napiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: db, namespace: x}\nspec:\n  tier: Namespace\n  subject: {workloads: {matchLabels: {app: db}}, kinds: [Workload]}\n  egress:\n  - {action: Allow, to: [{cidrs: [192.0.2.0/24]}]}`;
  const e = engineFor(cluster(vm));
  assert.deepEqual([ask(e, "x/db", "ip:127.0.0.1", 80).allowed, ask(e, "x/db", "ip:198.51.100.1", 80).allowed], [true, false]);
});

test("the fast engine and its group pairs answer a host's loopback as the verdict engine does", () => {
  for (const iface of ["*", "eth0"]) {
    const e = engineFor(cluster(HEP(iface), GNP));
    const ref = new PairwiseConnectivity(e), fast = new FastConnectivity(e);
    const hosts = [party(e, "node:n1"), party(e, "hosts/agent"), party(e, "x/other")];
    const loops = ["127.0.0.1", "127.0.0.0/8", "::1"].map((a) => ({ address: parseAddress(a.split("/")[0])! }));
    for (const s of hosts) for (const d of loops) assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${iface}: ${s.endpoint!.name} -> ${d.address.value}`);
    const groups = [...hosts.map((h) => [h]), loops];
    const all = () => true;
    // (Pairs with the loopback group only: a node and its own host-network pod are judged apart, not here.)
    const rows = (c: { groupConns: PairwiseConnectivity["groupConns"] }) => c.groupConns(groups, all).filter((g) => g.dst === hosts.length).map((g) => `${g.src}->${g.dst}: ${formatConns(g.conns)}`).sort();
    assert.deepEqual(rows(fast), rows(ref), iface);
    assert.ok(rows(ref).length > hosts.length);
    // (felix's failsafe ports, open both ways on lo: the TCP ports in both its inbound and outbound lists.)
    if (iface === "*") assert.equal(formatConns(fast.conns(hosts[0], loops[0])), "TCP 179,2379-2380,5473,6443,6666-6667,9099", "only the nets rule admits the host's own source, besides felix's failsafe ports");
  }
});

test("the nftables host ruleset agrees: lo accepted unless felix's all-interfaces host endpoint polices it, then the tiers judge loopback packets as the model does", () => {
  for (const iface of ["*", "eth0"]) {
    const e = engineFor(cluster(HEP(iface), GNP));
    const n1 = party(e, "node:n1").endpoint!;
    const text = renderTable(compileHost(e, n1, []).table);
    assert.equal(/iif "lo" accept/.test(text), iface !== "*", text);
    if (iface === "*") assert.match(text, /Loopback \(lo\) policed as every interface: Calico host endpoint interfaceName "\*"/);
    const prog = new NftProgram(text);
    for (const a of ["127.0.0.1", "::1"]) for (const port of PORTS) {
      const addr = parseAddress(a)!;
      const packet = { saddr: addr, daddr: addr, proto: "tcp", dport: port, lo: true };
      const kernel = [prog.run("host_out", packet), prog.run("host_in", packet)].includes("drop") ? "deny" : "allow";
      assert.equal(kernel, ask(e, "node:n1", `ip:${a}`, port).allowed ? "allow" : "deny", `${iface} ${a}:${port}`);
    }
  }
});

test("explain names whose lo it is, and what polices it", async () => {
  const yaml = (iface: string) => [NODE, HEP(iface), GNP].join("\n---\n");
  const policed = await cli(["explain", "-f", "-", "--from", "node:n1", "--to", "ip:127.0.0.1", "--port", "10250"], yaml("*"));
  assert.match(policed.out, /ingress at ip:127\.0\.0\.1 \(node n1's lo, from 127\.0\.0\.1: Calico host endpoint n1-hep \(interfaceName "\*"\) polices it\):\n\s+denied: isolated by Calico GlobalNetworkPolicy host/);
  const free = await cli(["explain", "-f", "-", "--from", "node:n1", "--to", "ip:127.0.0.1", "--port", "80"], yaml("eth0"));
  assert.match(free.out, /TCP\/80: ALLOWED\n\s+egress at node:n1 \(node\):\n\s+allowed: the client's own loopback \(node n1's lo\): nothing that polices a host sees its lo but a Calico host endpoint of interfaceName "\*"/);
  assert.match(free.err, /its loopback is not policed, as felix leaves lo alone/);
});

// A host's connection to its own address (a node to itself, to a host-network pod acting as it, one
// such pod to another) is local: the kernel routes it via lo, so felix polices it as it polices lo:
// by the "*" host endpoint's policy both ways (filterOutputChain's cali-to-host-endpoint dispatch,
// filterInputChain's cali-from-host-endpoint, no exception for lo), the host's own address at both
// ends (its selectors hold it: felix's IP sets hold the expectedIPs); never by a named interface's.
// Junction answered it as the host talking to itself: every connection under "*" (egress and ingress
// unenforced, or "self"), and the fast engine's group pairs the classes' (TCP 9100) under eth0.
const AGENT2 = "apiVersion: v1\nkind: Pod\nmetadata: {name: agent2, namespace: hosts}\nspec: {nodeName: n1, hostNetwork: true, containers: [{name: c, image: x}]}\nstatus: {podIP: 172.18.0.2}";

test("a host with itself at its own address crosses lo: felix's all-interfaces host endpoint polices it both ways, its own address at both ends; a named interface's, or none, never", () => {
  const star = engineFor(cluster(AGENT2, HEP("*"), GNP));
  for (const [from, to] of [["node:n1", "hosts/agent"], ["hosts/agent", "node:n1"], ["node:n1", "node:n1"], ["hosts/agent", "hosts/agent2"]]) {
    const at = (port: number) => ask(star, from, to, port);
    assert.deepEqual([at(80).allowed, at(80).egress.by], [false, "isolation"], `${from} -> ${to}: its egress allows 10250, 9099 and 9100 only (it was allowed: unenforced, or an endpoint with itself)`);
    assert.deepEqual([at(9100).allowed, at(9100).ingress.by, at(9100).ingress.policy?.name], [true, "rule", "host"], `${from} -> ${to}: the source is the host's own address, which role == 'host' holds`);
    assert.deepEqual([at(10250).allowed, at(10250).egress.allowed, at(10250).ingress.by], [false, true, "isolation"], `${from} -> ${to}: 10250 admits pods labelled other (no own-node exemption: the host is no pod of itself)`);
    assert.deepEqual([at(9099).allowed, at(9099).ingress.by], [false, "isolation"], `${from} -> ${to}: 9099 admits 127.0.0.0/8, not the host's address`);
    assert.match(at(9100).ingress.loopback ?? "", /^node n1's lo, from 172\.18\.0\.2: Calico host endpoint n1-hep \(interfaceName "\*"\) polices it$/);
  }
  // Its pods are not the host: felix does not police them with it by the host endpoint (cali-wl-to-host; cali-OUTPUT returns first).
  assert.equal(ask(star, "node:n1", "x/other", 80).allowed, true);
  assert.equal(ask(star, "x/other", "node:n1", 80).allowed, true);
  for (const docs of [[HEP("eth0"), GNP], [GNP]]) {
    const e = engineFor(cluster(AGENT2, ...docs));
    for (const [from, to] of [["node:n1", "hosts/agent"], ["hosts/agent", "node:n1"], ["node:n1", "node:n1"], ["hosts/agent", "hosts/agent2"]]) for (const port of PORTS) {
      const v = ask(e, from, to, port);
      assert.deepEqual([v.allowed, v.egress.by, v.ingress.by, v.ingress.loopback], [true, "loopback", "loopback", "node n1's lo, to its own address 172.18.0.2"], `${docs.length} ${from} -> ${to} ${port}`);
    }
  }
});

test("the fast engine and its group pairs answer a host with itself as the verdict engine does (they answered a node and its own host-network pod under eth0 by its classes: TCP 9100)", () => {
  for (const iface of ["*", "eth0"]) {
    const e = engineFor(cluster(AGENT2, HEP(iface), GNP));
    const fast = new FastConnectivity(e);
    const [n1, agent, agent2, other] = ["node:n1", "hosts/agent", "hosts/agent2", "x/other"].map((t) => party(e, t));
    assertAgree(fast, [n1, agent, agent2, other], iface);
    // Groups of several: a node with its own pods, two host-network pods of one kind (group and class).
    assertGroupsAgree(fast, [[n1], [agent, agent2], [other], [n1, other], [agent]], iface);
    assert.equal(formatConns(fast.conns(n1, agent)), iface === "*" ? `TCP ${FAILSAFE_BOTH},9100` : "All Connections");
    assert.equal(formatConns(fast.conns(n1, n1)), iface === "*" ? `TCP ${FAILSAFE_BOTH},9100` : "All Connections");
  }
});

test("a host denied everything (Calico's default deny, no profile) leaves no empty pair in the fast engine's group pairs", () => {
  for (const iface of ["*", "eth0"]) {
    const e = engineFor(cluster(HEP(iface)));
    // (Its pairs with itself and with lo have no connections: they were listed as pairs with none.)
    assertAgree(new FastConnectivity(e), [party(e, "node:n1"), party(e, "hosts/agent"), party(e, "x/other"), { address: parseAddress("127.0.0.1")! }], iface);
  }
});

test("policies added by an update that select a host endpoint by label keys the engine had not seen police its node as a fresh build does", () => {
  for (const iface of ["*", "eth0"]) {
    // Calico's default-allow profile: no policy names the host endpoint's keys before the GlobalNetworkPolicy (selector role == 'host') arrives.
    // A second node, without a host endpoint: the two nodes shared a class.
    const n2 = "apiVersion: v1\nkind: Node\nmetadata: {name: n2, labels: {name: n2}}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.3}]}";
    const e = engineFor([NODE, n2, HEP(iface).replace("spec: {", "spec: {profiles: [projectcalico-default-allow], ")].join("\n---\n"));
    const fast = new FastConnectivity(e);
    const n1 = party(e, "node:n1"), lo = { address: parseAddress("127.0.0.1")! };
    const parties = [n1, party(e, "node:n2"), lo];
    assertAgree(fast, parties, `${iface}, allowed`);
    assert.deepEqual([formatConns(fast.conns(n1, lo)), formatConns(fast.conns(n1, parties[1]))], ["All Connections", "All Connections"]);
    // (A GlobalNetworkPolicy is lowered to two policies of its name: the pods' and the host endpoints'.)
    // (Only its subject names the keys: a peer selector naming them re-keys nodes anyway.)
    const gnp = load({ "gnp.yaml": "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: host}\nspec:\n  selector: role == 'host'\n  egress: [{action: Allow, protocol: TCP, destination: {ports: [10250]}}]" }).inventory.policies;
    assert.deepEqual(gnp.map((p) => p.subject.kinds), [["pod"], ["workload"]]);
    fast.upsertPolicies(gnp);
    // (The node's class was keyed without the new keys and stayed unselected: updates.ts split looked at the node's own labels only.)
    assertAgree(fast, parties, `${iface}, after the update`);
    assert.equal(formatConns(fast.conns(n1, lo)), iface === "*" ? FAILSAFE_OUT_WITH_10250 : "All Connections");
    assert.equal(formatConns(fast.conns(n1, parties[1])), FAILSAFE_OUT_WITH_10250, "its egress to the other node: the policy's port and felix's outbound failsafe ports");
  }
});

test("the nftables host ruleset judges a host's connection to its own address on lo as the model does", () => {
  for (const iface of ["*", "eth0"]) {
    const e = engineFor(cluster(HEP(iface), GNP));
    const prog = new NftProgram(renderTable(compileHost(e, party(e, "node:n1").endpoint!, []).table));
    const addr = parseAddress("172.18.0.2")!;
    for (const port of PORTS) {
      const packet = { saddr: addr, daddr: addr, proto: "tcp", dport: port, lo: true };
      const kernel = [prog.run("host_out", packet), prog.run("host_in", packet)].includes("drop") ? "deny" : "allow";
      assert.equal(kernel, ask(e, "node:n1", "node:n1", port).allowed ? "allow" : "deny", `${iface} ${port}`);
    }
  }
});
