// A pod may name a port the same in two containers (the API server checks names per container), and a
// native sidecar (an init container) may name one. Which ports a named port is depends on the data
// plane: Cilium's agent builds one map from name to port per pod (pkg/k8s/utils GetPodMetadata over
// pod.Spec.Containers only; NamedPortMap.AddPort `npm[name] = pp`: the last container's port of the name
// wins), Calico's felix matches every port of the name (labelindex endpointData.LookupNamedPorts over
// the workload endpoint's ports, which libcalico-go appendEndpointPorts takes from containers and init
// containers). Junction resolved a name to every port under every CNI: under Cilium port 80 and the
// sidecar's port were allowed by an Allow on `http` and `metrics` (a wrong allow).

import { test } from "node:test";
import assert from "node:assert/strict";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { ciliumNamedPorts, formatConns } from "../../src/model/ports.js";
import { compileLab } from "../../src/targets/nftables/lab.js";
import { renderTable } from "../../src/targets/nftables/ruleset.js";
import { load, verdict } from "../helpers.js";
import { assertAgree, podsAnd } from "./fast-agree.js";
import { NftProgram } from "../nft-interpreter.js";

const pod = (name: string, ip: string, spec: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {app: ${name}}}\nspec: ${spec}\nstatus: {podIP: ${ip}}`;
const SERVER = pod("web", "10.0.0.2", `{containers: [{name: a, image: i, ports: [{name: http, containerPort: 80}]}, {name: b, image: i, ports: [{name: http, containerPort: 8080}, {containerPort: 7000}]}],
  initContainers: [{name: side, image: i, restartPolicy: Always, ports: [{name: metrics, containerPort: 9090}]}]}`);
const CLIENT = pod("client", "10.0.0.3", "{containers: [{name: c, image: i}]}");
const POLICIES = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: x}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: http}, {port: metrics}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client, namespace: x}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress: [{ports: [{port: http}]}]`;
const DAEMONSET = (name: string) => `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ${name}, namespace: kube-system}\nspec: {selector: {matchLabels: {k8s-app: ${name}}}, template: {metadata: {labels: {k8s-app: ${name}}}, spec: {hostNetwork: true, containers: [{name: c, image: i}]}}}`;

function engine(...extra: string[]): PolicyEngine {
  const l = load({ "p.yaml": [SERVER, CLIENT, POLICIES, ...extra].join("\n---\n") });
  assert.deepEqual(l.diagnostics.errors, []);
  return new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
}

/** The allowed ports of client -> web, of 80, 8080, 9090 and 7000 (unnamed). */
const allowed = (e: PolicyEngine) => [80, 8080, 9090, 7000].filter((p) => verdict(e, "x/client", "x/web", p) === "allow");

test("named ports: every port of the name without a CNI shown and under Calico; the last container's under Cilium, init containers left out", () => {
  assert.deepEqual(allowed(engine()), [80, 8080], "client's egress: http is 80 and 8080");
  assert.deepEqual([80, 8080, 9090].filter((p) => verdict(engine(), "ip:10.9.9.9", "x/web", p) === "allow"), [80, 8080, 9090]);
  assert.deepEqual([80, 8080, 9090].filter((p) => verdict(engine(DAEMONSET("calico-node")), "ip:10.9.9.9", "x/web", p) === "allow"), [80, 8080, 9090], "felix: every port of the name, init containers' too");
  for (const signal of [DAEMONSET("cilium"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {}"]) {
    const e = engine(signal);
    assert.equal(e.options.namedPorts?.plane, "cilium");
    assert.deepEqual(allowed(e), [8080], `${signal.split("\n")[1]}: egress to http is the last container's port`);
    assert.deepEqual([80, 8080, 9090].filter((p) => verdict(e, "ip:10.9.9.9", "x/web", p) === "allow"), [8080], "ingress: 80 is not http to Cilium, the sidecar's metrics is no named port");
    assertAgree(new FastConnectivity(e), podsAnd(e.inventory, "10.9.9.9"), "named ports under Cilium");
    // The lab's nftables ruleset enforces as the engine answers.
    const members = e.inventory.endpoints.filter((x) => x.kind === "pod");
    const prog = new NftProgram(renderTable(compileLab(e, members).table));
    for (const port of [80, 8080, 9090]) {
      const packet = { saddr: members[1].addresses[0], daddr: members[0].addresses[0], proto: "tcp", dport: port };
      const nft = [prog.run("lab_egress", packet), prog.run("lab_ingress", packet)].includes("drop") ? "deny" : "allow";
      assert.equal(nft, verdict(e, "x/client", "x/web", port), `lab ruleset, port ${port}`);
    }
  }
});

test("ciliumNamedPorts: the last regular container's port of a name, whatever its protocol; the same list when nothing changes", () => {
  const plain = [{ name: "http", port: 80, protocol: "TCP" as const }, { port: 81, protocol: "TCP" as const }];
  assert.equal(ciliumNamedPorts(plain), plain);
  const twice = [{ name: "dns", port: 53, protocol: "TCP" as const }, { name: "dns", port: 5353, protocol: "UDP" as const }];
  assert.deepEqual(ciliumNamedPorts(twice), [{ port: 53, protocol: "TCP" }, twice[1]], "the later UDP port takes the name from the TCP one");
  assert.equal(ciliumNamedPorts(twice), ciliumNamedPorts(twice), "kept per list");
  const init = [{ name: "m", port: 9090, protocol: "TCP" as const }, { name: "m", port: 9091, protocol: "TCP" as const, init: true as const }];
  assert.deepEqual(ciliumNamedPorts(init), [init[0], { port: 9091, protocol: "TCP" }], "an init container's port neither counts nor wins");
});

// An egress rule's named port resolves on the destination's identity, not on each pod
// (pkg/policy/types namedPortMultiMap.GetNamedPorts: per numeric identity and protocol the port its
// endpoints give the name; lookupNamedPort's duplicate, two ports for one identity, skips the
// identity). Junction resolved the name on each destination pod: two replicas of one identity naming
// `http` 80 and 8080 were each allowed on their own port (a wrong allow); Cilium allows neither.
test("Cilium: an egress named port resolves per destination identity; an identity whose pods name it differently gets no port (ingress still per pod)", () => {
  const replica = (name: string, ip: string, port: number, labels = "app: api") =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {${labels}}}\nspec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: ${port}}]}]}\nstatus: {podIP: ${ip}}`;
  const policy = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: client, namespace: x}\nspec:\n  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: http}]}]`;
  const ingress = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api, namespace: x}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress: [{ports: [{port: http}]}]`;
  const yaml = (...extra: string[]) => [CLIENT, policy, ingress, replica("api-1", "10.0.1.1", 80, "app: api, pod-template-hash: a1"), replica("api-2", "10.0.1.2", 8080, "app: api, pod-template-hash: b2"),
    replica("solo", "10.0.1.3", 9000, "app: solo"), replica("other-1", "10.0.1.4", 81, "app: other"), replica("other-2", "10.0.1.5", 82, "app: other, tier: b"), ...extra].join("\n---\n");
  const build = (...extra: string[]) => { const l = load({ "p.yaml": yaml(...extra) }); assert.deepEqual(l.diagnostics.errors, []); return new PolicyEngine(l.inventory, DEFAULT_OPTIONS); };
  const cilium = build(DAEMONSET("cilium"));
  // api-1 and api-2 differ only in pod-template-hash, which no identity holds: one identity, http 80 and 8080.
  assert.equal(verdict(cilium, "x/client", "x/api-1", 80), "deny", "duplicate named ports: the identity is skipped (it was allowed)");
  assert.equal(verdict(cilium, "x/client", "x/api-2", 8080), "deny");
  assert.equal(verdict(cilium, "x/client", "x/solo", 9000), "allow", "one port for the identity");
  assert.equal(verdict(cilium, "x/client", "x/other-1", 81), "allow", "other-1 and other-2 are two identities (tier is an identity label)");
  assert.equal(verdict(cilium, "x/client", "x/other-2", 82), "allow");
  assert.equal(verdict(cilium, "ip:10.9.9.9", "x/api-1", 80), "allow", "ingress resolves on the pod itself");
  // Without Cilium (the Kubernetes reading, Calico) every pod's own port.
  const plain = build();
  assert.equal(verdict(plain, "x/client", "x/api-1", 80), "allow");
  assert.equal(verdict(plain, "x/client", "x/api-2", 8080), "allow");
  // A pod of an identity that does not declare the name gets its identity's port: the policy map holds identities.
  const bare = `apiVersion: v1\nkind: Pod\nmetadata: {name: solo-2, namespace: x, labels: {app: solo}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.1.6}`;
  assert.equal(verdict(build(DAEMONSET("cilium"), bare), "x/client", "x/solo-2", 9000), "allow");
  const fast = new FastConnectivity(build(DAEMONSET("cilium"), bare));
  assertAgree(fast, podsAnd(fast.inventory), "identity named ports");
  // The lab's nftables ruleset resolves an egress named port on the identity too (it took each pod's own).
  const members = cilium.inventory.endpoints.filter((x) => x.kind === "pod");
  const prog = new NftProgram(renderTable(compileLab(cilium, members).table));
  const at = (name: string) => members.find((x) => x.name === name)!.addresses[0];
  for (const [to, port] of [["api-1", 80], ["api-2", 8080], ["solo", 9000], ["other-1", 81]] as const) {
    const packet = { saddr: at("client"), daddr: at(to), proto: "tcp", dport: port };
    const nft = [prog.run("lab_egress", packet), prog.run("lab_ingress", packet)].includes("drop") ? "deny" : "allow";
    assert.equal(nft, verdict(cilium, "x/client", `x/${to}`, port), `lab ruleset, ${to}:${port}`);
  }
});

test("Cilium: a pod joining or leaving an identity changes its other pods' egress named ports in the incremental engine too", () => {
  const replica = (name: string, ip: string, port: number) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {app: api}}\nspec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: ${port}}]}]}\nstatus: {podIP: ${ip}}`;
  const policy = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: client, namespace: x}\nspec:\n  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: http}]}]`;
  const l = load({ "p.yaml": [CLIENT, policy, replica("api-1", "10.0.1.1", 80), DAEMONSET("cilium")].join("\n---\n") });
  assert.deepEqual(l.diagnostics.errors, []);
  const fast = new FastConnectivity(new PolicyEngine(l.inventory, DEFAULT_OPTIONS));
  const client = () => fast.inventory.endpoints.find((e) => e.name === "client")!;
  const api1 = () => fast.inventory.endpoints.find((e) => e.name === "api-1")!;
  assert.equal(formatConns(fast.conns({ endpoint: client() }, { endpoint: api1() })), "TCP 80");
  // api-2 names http 8080: the identity has two ports for the name and resolves to none, api-1 included.
  const extra = load({ "p.yaml": replica("api-2", "10.0.1.2", 8080) }).inventory.endpoints[0];
  const { id: _id, ...spec } = extra;
  const { endpoint: api2 } = fast.upsertEndpoint(spec);
  assertAgree(fast, podsAnd(fast.inventory), "api-2 joined");
  assert.equal(formatConns(fast.conns({ endpoint: client() }, { endpoint: api1() })), "No Connections", "api-1 lost its identity's port (it kept TCP 80: a stale allow)");
  // api-2 leaves: the identity's port is 80 again.
  fast.removeEndpoint(api2);
  assertAgree(fast, podsAnd(fast.inventory), "api-2 left");
  assert.equal(formatConns(fast.conns({ endpoint: client() }, { endpoint: api1() })), "TCP 80");
});
