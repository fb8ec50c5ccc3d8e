// A pod and its own node, both directions. Kubernetes concepts page, Network Policies: "traffic to
// and from the node where a Pod is running is always allowed, regardless of the IP address of the
// Pod or the node". NetworkPolicy only: the network-policy-api conformance suite (v0.1.7,
// AdminNetworkPolicyEgressNodePeers) denies a pod's egress to its own node with a `nodes` peer.
// Every engine agrees: the verdict engine, the fast engine (pairs and lists), the nftables rulesets.

import { test } from "node:test";
import assert from "node:assert/strict";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { connectionList } from "../../src/analyze/connlist.js";
import { renderConnlist } from "../../src/targets/connlist.js";
import { formatConns } from "../../src/model/ports.js";
import { compileLab } from "../../src/targets/nftables/lab.js";
import { renderTable } from "../../src/targets/nftables/ruleset.js";
import { pairData, pairText } from "../../src/targets/explain.js";
import { evaluateQuery } from "../../src/engine/query.js";
import { resolveEndpoint } from "../../src/engine/endpoints.js";
import { DEFAULT_OPTIONS, resolvedOptions, type EngineOptions } from "../../src/engine/options.js";
import type { Party } from "../../src/engine/match.js";
import { NftProgram } from "../nft-interpreter.js";
import { cli, load, tempFiles } from "../helpers.js";

const NODES = ["n1 172.18.0.2", "n2 172.18.0.3"].map((s) => s.split(" ")).map(([n, ip]) =>
  `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}, labels: {kubernetes.io/os: linux, name: ${n}}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}`);
const pod = (ns: string, name: string, node: string, ip: string, host = false) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}, labels: {app: ${name}}}\n` +
  `spec: {nodeName: ${node}, ${host ? "hostNetwork: true, " : ""}containers: [{name: c, ports: [{containerPort: 80}, {containerPort: 10250}]}]}\nstatus: {podIP: ${ip}}`;
const PODS = [pod("x", "web", "n1", "10.0.1.1"), pod("x", "other", "n2", "10.0.1.2"), pod("hosts", "agent", "n1", "172.18.0.2", true), pod("hosts", "agent2", "n2", "172.18.0.3", true)];
const NS = ["x", "hosts"].map((n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}}`);
const DENY_ALL_X = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: x}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}";
const ANP_DENY_NODES = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-nodes}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}}
  egress:
  - {name: deny-nodes, action: Deny, to: [{nodes: {matchLabels: {kubernetes.io/os: linux}}}]}`;
const ANP_PASS_NODES = ANP_DENY_NODES.replace("action: Deny", "action: Pass");
const BANP_DENY_NODES = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}}
  egress:
  - {name: deny-nodes, action: Deny, to: [{nodes: {matchLabels: {kubernetes.io/os: linux}}}]}`;

const cluster = (...policies: string[]) => [...NS, ...NODES, ...PODS, ...policies].join("\n---\n");
// Cilium's host entity: web may reach its own node (and host-network pods on it) on 10250, nothing else.
const CNP_HOST = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: kubelet, namespace: x}
spec:
  endpointSelector: {matchLabels: {app: web}}
  egress:
  - toEntities: [host]
    toPorts: [{ports: [{port: "10250", protocol: TCP}]}]`;
const CILIUM_CONFIG = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {${data}}`;
const DAEMONSET = (name: string) => `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ${name}, namespace: kube-system}\nspec: {selector: {matchLabels: {k8s-app: ${name}}}, template: {metadata: {labels: {k8s-app: ${name}}}, spec: {hostNetwork: true, containers: [{name: c, image: i}]}}}`;

function engineOf(yaml: string, options: Partial<EngineOptions> = {}): PolicyEngine {
  const loaded = load({ "c.yaml": yaml });
  assert.deepEqual(loaded.diagnostics.errors, []);
  return new PolicyEngine(loaded.inventory, { ...DEFAULT_OPTIONS, ...options });
}

function party(e: PolicyEngine, text: string): Party {
  const r = resolveEndpoint(e.index, text);
  assert.ok(r.ok && r.value.kind === "parties", text);
  return (r as { value: { parties: Party[] } }).value.parties[0];
}

const evaluate = (e: PolicyEngine, from: string, to: string, port = 10250) =>
  e.evaluate({ src: party(e, from), dst: party(e, to), protocol: "TCP", port });

test("an egress-isolated pod reaches its own node's address and the host-network pods on it; not other nodes", () => {
  const e = engineOf(cluster(DENY_ALL_X));
  for (const to of ["node:n1", "ip:172.18.0.2", "hosts/agent"]) {
    const v = evaluate(e, "x/web", to);
    assert.equal(v.allowed, true, to);
    assert.equal(v.egress.by, "own-node", to);
    assert.equal(v.egress.tier, "namespace");
    assert.ok(v.warnings.some((w) => w.code === "implementation-defined" && /--own-node=policy it would be denied/.test(w.message)), to);
  }
  for (const to of ["node:n2", "hosts/agent2"]) assert.equal(evaluate(e, "x/web", to).allowed, false, `${to} is another node`);
  assert.equal(evaluate(engineOf(cluster(DENY_ALL_X), { ownNode: "policy" }), "x/web", "node:n1").allowed, false);
});

test("ingress from the own node (kubelet probes), also from a host-network pod acting as it; the explanation says which direction", () => {
  const e = engineOf(cluster(DENY_ALL_X));
  for (const from of ["node:n1", "hosts/agent"]) assert.equal(evaluate(e, from, "x/web").ingress.by, "own-node", from);
  assert.equal(evaluate(e, "node:n2", "x/web").allowed, false);
  const r = evaluateQuery(e, resolve(e, "x/web"), resolve(e, "node:n1"), 10250);
  assert.ok(r.ok);
  const text = pairText(r.value.pairs[0], pairData(r.value.pairs[0], () => undefined));
  assert.match(text, /traffic to the pod's own node is exempt from the NetworkPolicy tier \(--own-node=allow: no CNI shown in the input: the Kubernetes default/);
});

function resolve(e: PolicyEngine, text: string) {
  const r = resolveEndpoint(e.index, text);
  assert.ok(r.ok, text);
  return (r as { value: Parameters<typeof evaluateQuery>[1] }).value;
}

test("AdminNetworkPolicy and BaselineAdminNetworkPolicy get no exemption (conformance: deny egress to the own node with a nodes peer)", () => {
  assert.equal(evaluate(engineOf(cluster(ANP_DENY_NODES)), "x/web", "node:n1").allowed, false, "ANP Deny decides before the NetworkPolicy tier");
  assert.equal(evaluate(engineOf(cluster(ANP_DENY_NODES, DENY_ALL_X)), "x/web", "hosts/agent").allowed, false);
  assert.equal(evaluate(engineOf(cluster(BANP_DENY_NODES)), "x/web", "node:n1").allowed, false, "no NetworkPolicy selects web: the baseline decides");
  // A NetworkPolicy that isolates web decides the Namespace tier: the exemption allows, the baseline is not reached.
  assert.equal(evaluate(engineOf(cluster(BANP_DENY_NODES, DENY_ALL_X)), "x/web", "node:n1").allowed, true);
  // Pass goes on to the NetworkPolicy tier, whose exemption allows.
  const pass = evaluate(engineOf(cluster(ANP_PASS_NODES, DENY_ALL_X)), "x/web", "node:n1");
  assert.equal(pass.allowed, true);
  assert.equal(pass.egress.passed.length, 1);
});

test("a host-network pod treated as a pod (--host-network=pod) is exempt with its own node, both ways", () => {
  const yaml = cluster(DENY_ALL_X.replace("namespace: x", "namespace: hosts"));
  const e = engineOf(yaml, { hostNetwork: "pod" });
  assert.equal(evaluate(e, "hosts/agent", "node:n1").egress.by, "own-node");
  assert.equal(evaluate(e, "node:n1", "hosts/agent").ingress.by, "own-node");
  assert.equal(evaluate(e, "hosts/agent", "node:n2").allowed, false);
  assert.equal(evaluate(e, "x/web", "hosts/agent").allowed, false, "as a pod, it is not the node for other pods");
});

test("a Service backed by a host-network pod on the client's own node: the backend is the node, the egress exempt", () => {
  const svc = "apiVersion: v1\nkind: Service\nmetadata: {name: agent, namespace: hosts}\nspec: {selector: {app: agent}, ports: [{port: 80, targetPort: 10250}]}";
  const e = engineOf(cluster(DENY_ALL_X, svc));
  const r = evaluateQuery(e, resolve(e, "x/web"), resolve(e, "service:hosts/agent"), 80);
  assert.ok(r.ok);
  assert.deepEqual(r.value.pairs.map((p) => [p.dst.endpoint?.name, p.verdict.allowed, p.verdict.egress.by]), [["agent", true, "own-node"]]);
});

test("fast engine, connection lists and the reference agree on own-node pairs, every option", () => {
  for (const policies of [[DENY_ALL_X], [ANP_DENY_NODES, DENY_ALL_X], [ANP_PASS_NODES, DENY_ALL_X], [BANP_DENY_NODES, DENY_ALL_X], [BANP_DENY_NODES], [CNP_HOST], [CNP_HOST, ANP_PASS_NODES, DENY_ALL_X]]) {
    for (const options of [{}, { ownNode: "policy" as const }, { ownNode: "ingress" as const }, { ownNode: "allow" as const }, { hostNetwork: "pod" as const }]) {
      const e = engineOf(cluster(...policies), options);
      const ref = new PairwiseConnectivity(e), fast = new FastConnectivity(e);
      const parties = [...e.inventory.endpoints.map((endpoint) => ({ endpoint })), party(e, "ip:172.18.0.2")];
      for (const s of parties) for (const d of parties) {
        assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${s.endpoint?.name} -> ${d.endpoint?.name} ${JSON.stringify(options)}`);
      }
      assert.equal(renderConnlist(connectionList(e.inventory, fast), "txt"), renderConnlist(connectionList(e.inventory, ref), "txt"));
    }
  }
  const list = renderConnlist(connectionList(engineOf(cluster(DENY_ALL_X)).inventory, new FastConnectivity(engineOf(cluster(DENY_ALL_X)))), "txt");
  assert.match(list, /^x\/web\[Pod\] => hosts\/agent\[Pod\] : All Connections$/m);
  assert.doesNotMatch(list, /^x\/web\[Pod\] => hosts\/agent2\[Pod\]/m);
});

test("the lab's nftables ruleset enforces the exemption as the engine decides, both directions", () => {
  for (const [policies, options] of [[[DENY_ALL_X]], [[ANP_DENY_NODES, DENY_ALL_X]], [[BANP_DENY_NODES]], [[BANP_DENY_NODES, DENY_ALL_X]],
    [[DENY_ALL_X], { ownNode: "ingress" }], [[CNP_HOST]], [[CNP_HOST], { ownNode: "policy" }]] as [string[], Partial<EngineOptions>?][]) {
    const e = engineOf(cluster(...policies), options);
    const members = e.inventory.endpoints.filter((x) => x.kind === "pod");
    const prog = new NftProgram(renderTable(compileLab(e, members).table));
    const all = e.inventory.endpoints;
    for (const src of all) for (const dst of all) {
      if (src === dst || src.addresses[0].value === dst.addresses[0].value) continue;
      const packet = { saddr: src.addresses[0], daddr: dst.addresses[0], proto: "tcp", dport: 10250 };
      const kernel = [prog.run("lab_egress", packet), prog.run("lab_ingress", packet)].includes("drop") ? "deny" : "allow";
      const v = e.evaluate({ src: { endpoint: src }, dst: { endpoint: dst }, protocol: "TCP", port: 10250 });
      assert.equal(kernel, v.allowed ? "allow" : "deny", `${src.name} -> ${dst.name} with ${policies.length} policies`);
    }
  }
});

test("own-node pairs in lists: a node with three host-network pods of one DaemonSet, workloads spread over nodes, a host-network pod found by address", () => {
  // The list finds own-node pairs per kind of node-side party (group and class), keeping two
  // endpoints of each kind per node: a third of the same kind, a workload whose pods sit on several
  // nodes, and a host-network pod without nodeName (its node found by address) must not change
  // the answer against the reference, which asks every pair.
  const owned = (kind: string, owner: string, text: string) => text.replace("metadata: {", `metadata: {ownerReferences: [{apiVersion: apps/v1, kind: ${kind}, name: ${owner}, uid: u-${owner}, controller: true}], `);
  const ds = (name: string, node: string, ip: string) => owned("DaemonSet", "agents", pod("hosts", name, node, ip, true)).replace(`app: ${name}`, "app: agents");
  const rs = (name: string, node: string, ip: string) => owned("ReplicaSet", "api-7d9", pod("x", name, node, ip)).replace(`app: ${name}`, "app: api");
  const noNode = pod("hosts", "probe", "n2", "172.18.0.3", true).replace("nodeName: n2, ", "");
  const pods = [ds("a1", "n1", "172.18.0.2"), ds("a2", "n1", "172.18.0.2"), ds("a3", "n1", "172.18.0.2"), ds("a4", "n2", "172.18.0.3"),
    pod("hosts", "solo", "n1", "172.18.0.2", true), noNode, rs("api-1", "n1", "10.0.1.5"), rs("api-2", "n2", "10.0.1.6"), rs("api-3", "n1", "10.0.1.7"), pod("x", "web", "n1", "10.0.1.1")];
  const ALLOW_API_80 = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api, namespace: x}\nspec: {podSelector: {matchLabels: {app: api}}, policyTypes: [Ingress], ingress: [{ports: [{port: 80}]}]}";
  for (const policies of [[DENY_ALL_X], [DENY_ALL_X, ALLOW_API_80], [ANP_PASS_NODES, DENY_ALL_X], [BANP_DENY_NODES], [CNP_HOST.replace("app: web", "app: api"), DENY_ALL_X]]) {
    for (const options of [{}, { ownNode: "policy" as const }, { ownNode: "ingress" as const }, { hostNetwork: "pod" as const }]) {
      const e = engineOf([...NS, ...NODES, ...pods, ...policies].join("\n---\n"), options);
      const fast = renderConnlist(connectionList(e.inventory, new FastConnectivity(e)), "txt");
      assert.equal(fast, renderConnlist(connectionList(e.inventory, new PairwiseConnectivity(e)), "txt"), `${policies.length} policies ${JSON.stringify(options)}`);
      if (policies[0] === DENY_ALL_X && options.ownNode === undefined && options.hostNetwork === undefined) {
        // The exemption, in both directions: api-1/api-3 (n1) and api-2 (n2) with the agents on both nodes.
        assert.match(fast, /^x\/api-7d9\[ReplicaSet\] => hosts\/agents\[DaemonSet\] : All Connections$/m);
        assert.match(fast, /^hosts\/agents\[DaemonSet\] => x\/api-7d9\[ReplicaSet\] : All Connections$/m);
        assert.match(fast, /^x\/web\[Pod\] => hosts\/solo\[Pod\] : All Connections$/m);
        assert.doesNotMatch(fast, /^x\/web\[Pod\] => hosts\/probe\[Pod\]/m);
        assert.match(fast, /^x\/api-7d9\[ReplicaSet\] => hosts\/probe\[Pod\] : All Connections$/m);
      }
    }
  }
});

// --own-node=auto (the default) follows the input's CNI. Cilium: the agent lets the local host reach its
// endpoints (allow-localhost; "auto" is "always" in Kubernetes: "Kubernetes demands that the localhost can
// always reach local pods"; mapstate determineAllowLocalhostIngress), while a pod's egress to its node is
// policy (toEntities host). Calico: felix does not police host -> endpoint (rules/static.go
// filterOutputChain), and a workload's traffic to its host passes its egress policy first. Both were
// exempt both ways: an egress-isolated pod was allowed to reach its node.
test("--own-node=auto: Cilium and Calico exempt only the node's traffic to its pods; a pod's egress to its node is policy", () => {
  const signals: [string, RegExp][] = [
    [CNP_HOST.replace("app: web", "app: none"), /Cilium \(CiliumNetworkPolicy x\/kubelet\)/],
    [CILIUM_CONFIG("cluster-name: c1"), /Cilium \(ConfigMap kube-system\/cilium-config\)/],
    [DAEMONSET("cilium"), /Cilium \(DaemonSet kube-system\/cilium\)/],
    [DAEMONSET("calico-node"), /Calico \(DaemonSet kube-system\/calico-node\)/],
    ["apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: log}\nspec: {selector: app == 'none', ingress: [{action: Allow}]}", /Calico \(Calico GlobalNetworkPolicy log\)/],
  ];
  for (const [signal, why] of signals) {
    const e = engineOf(cluster(DENY_ALL_X, signal));
    assert.equal(e.options.ownNode, "ingress", signal);
    for (const node of ["node:n1", "hosts/agent"]) {
      const out = evaluate(e, "x/web", node);
      assert.equal(out.allowed, false, `${node}: egress to the own node is policy`);
      assert.ok(out.warnings.some((w) => /with --own-node=allow it would be allowed/.test(w.message) && why.test(w.message)), out.warnings.map((w) => w.message).join("; "));
      assert.equal(evaluate(e, node, "x/web").ingress.by, "own-node", `${node}: the node reaches its pod`);
    }
    const r = evaluateQuery(e, resolve(e, "node:n1"), resolve(e, "x/web"), 10250);
    assert.ok(r.ok);
    const text = pairText(r.value.pairs[0], pairData(r.value.pairs[0], () => undefined));
    assert.match(text, /traffic from the pod's own node is exempt from the NetworkPolicy tier \(--own-node=ingress: (Cilium|Calico) \(/);
    assert.match(text, why);
    assert.equal(evaluate(engineOf(cluster(DENY_ALL_X, signal), { ownNode: "allow" }), "x/web", "node:n1").allowed, true, "the option overrides");
  }
  // allow-localhost: policy: the agent requires a policy rule for the local host too.
  const strict = engineOf(cluster(DENY_ALL_X, CILIUM_CONFIG("allow-localhost: policy")));
  assert.equal(strict.options.ownNode, "policy");
  assert.equal(evaluate(strict, "node:n1", "x/web").allowed, false);
  const bad = load({ "c.yaml": CILIUM_CONFIG("allow-localhost: sometimes") });
  assert.match(bad.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /data\.allow-localhost: /);
  assert.equal(engineOf(cluster(DENY_ALL_X)).options.ownNode, "allow", "no CNI shown: the Kubernetes default");
});

// Cilium's host entity (reserved:host: the endpoint's own node, and host-network pods on it) in an allow
// rule is a peer relative to the endpoint: toEntities host allows a pod's egress to its own node only.
// It was read as the own-node exemption (both ways, every port), which Cilium's egress does not have.
test("Cilium toEntities host: the pod's own node and the host-network pods on it, on the rule's ports; not other nodes", () => {
  const e = engineOf(cluster(CNP_HOST));
  assert.equal(e.options.ownNode, "ingress");
  for (const [to, port, want] of [["node:n1", 10250, true], ["hosts/agent", 10250, true], ["ip:172.18.0.2", 10250, true], ["node:n1", 80, false], ["node:n2", 10250, false], ["hosts/agent2", 10250, false], ["x/other", 10250, false]] as const) {
    const v = evaluate(e, "x/web", to, port);
    assert.equal(v.allowed, want, `${to}:${port}`);
    if (want) assert.equal(v.egress.rule?.peers?.[0].kind, "own-node");
  }
  // Under --own-node=policy the host's ingress needs fromEntities host likewise.
  const ingress = engineOf(cluster(CNP_HOST.replace("egress:\n  - toEntities", "ingress:\n  - fromEntities")), { ownNode: "policy" });
  assert.equal(evaluate(ingress, "node:n1", "x/web").allowed, true);
  assert.equal(evaluate(ingress, "node:n2", "x/web").allowed, false);
  assert.equal(evaluate(ingress, "node:n1", "x/web", 80).allowed, false);
});

// A translation is verified on the input's data plane: converting the only CiliumNetworkPolicy into a
// NetworkPolicy must not make --own-node=auto read the output as another CNI's (the pod's egress to its
// own node would differ: policy under Cilium, exempt under the Kubernetes default). So for lint's
// "the input without this policy".
test("convert --verify and lint keep the input's own-node mode for the inventories they derive", async () => {
  const cnp = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: web, namespace: x}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n  egress:\n  - toEndpoints: [{matchLabels: {app: other}}]";
  const { dir, cleanup } = tempFiles({ "c.yaml": cluster(cnp) });
  try {
    const r = await cli(["convert", "policy", "-f", dir, "--to", "k8s", "--verify"]);
    assert.match(r.err, /verify: equivalent/, r.err);
    const lint = await cli(["lint", "-f", dir, "-o", "json"]);
    assert.doesNotMatch(lint.out, /policy-redundant/);
  } finally { cleanup(); }
});

// Calico: felix's DefaultEndpointToHostAction decides a pod's traffic to its own host once the pod's
// egress policy allowed it (felix rules/static.go filterWorkloadToHostChain: jump cali-from-wl-dispatch,
// then the "Configured DefaultEndpointToHostAction" rule). Felix's own default is DROP (config_params.go
// `oneof(DROP,RETURN,ACCEPT);DROP`); Calico's manifests and operator set ACCEPT through the calico-node
// DaemonSet's environment, which felix reads before any FelixConfiguration (the `default` one, then
// `node.NAME`). Junction read no such setting: pod -> own node was allowed whenever policy allowed it.
const CALICO_GNP = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: log}\nspec: {selector: app == 'none', ingress: [{action: Allow}]}";
const FELIX = (name: string, action: string, api = "projectcalico.org/v3") => `apiVersion: ${api}\nkind: FelixConfiguration\nmetadata: {name: ${name}}\nspec: {defaultEndpointToHostAction: ${action}}`;
const CALICO_NODE = (env?: string) => `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: calico-node, namespace: kube-system}\nspec: {selector: {matchLabels: {k8s-app: calico-node}}, template: {metadata: {labels: {k8s-app: calico-node}}, spec: {hostNetwork: true, containers: [{name: calico-node, image: i${env ? `, env: [{name: DATASTORE_TYPE, value: kubernetes}, ${env}]` : ""}}]}}}`;

test("Calico: felix's DefaultEndpointToHostAction Drop denies a pod's traffic to its own node and the host-network pods on it, after an allowing egress policy", () => {
  const e = engineOf(cluster(CALICO_GNP, FELIX("default", "Drop")));
  for (const to of ["node:n1", "hosts/agent", "ip:172.18.0.2"]) {
    const v = evaluate(e, "x/web", to);
    assert.equal(v.allowed, false, to);
    assert.equal(v.egress.allowed, true, `${to}: no egress policy`);
    assert.equal(v.ingress.by, "own-node");
    assert.deepEqual(v.ingress.toHost, { action: "Drop", why: "FelixConfiguration default" });
    assert.ok(v.warnings.some((w) => /with --own-node=allow it would be allowed/.test(w.message)), to);
  }
  for (const to of ["node:n2", "hosts/agent2", "x/other"]) assert.equal(evaluate(e, "x/web", to).allowed, true, `${to} is not web's own node`);
  assert.equal(evaluate(e, "node:n1", "x/web").allowed, true, "the host reaches its pods (cali-OUTPUT does not police them)");
  assert.equal(evaluate(e, "hosts/agent", "node:n1").allowed, true, "a host-network pod is the host's own traffic");
  const r = evaluateQuery(e, resolve(e, "x/web"), resolve(e, "node:n1"), 10250);
  assert.ok(r.ok);
  const text = pairText(r.value.pairs[0], pairData(r.value.pairs[0], () => undefined));
  assert.match(text, /denied: Calico's felix drops a pod's traffic to its own host once the pod's egress policy allowed it \(DefaultEndpointToHostAction Drop: FelixConfiguration default\)/);
  // The flag overrides the input's data plane.
  assert.equal(evaluate(engineOf(cluster(CALICO_GNP, FELIX("default", "Drop")), { ownNode: "ingress" }), "x/web", "node:n1").allowed, true);
});

test("Calico: felix reads its environment, then FelixConfiguration node.NAME, then default, then DROP; without any, Accept as the manifests set it", () => {
  const at = (yaml: string, from: string, to: string) => evaluate(engineOf(cluster(CALICO_GNP, yaml)), from, to);
  // Per node: n1 drops, n2 follows the global Accept.
  const perNode = [FELIX("default", "Accept"), FELIX("node.n1", "drop", "crd.projectcalico.org/v1")].join("\n---\n");
  assert.equal(at(perNode, "x/web", "node:n1").allowed, false);
  assert.equal(at(perNode, "x/web", "node:n1").ingress.toHost?.why, "FelixConfiguration node.n1");
  assert.equal(at(perNode, "x/other", "node:n2").allowed, true);
  assert.equal(at(perNode, "x/other", "node:n2").ingress.toHost?.action, "Accept");
  // The DaemonSet's variable (any case) comes first.
  const env = [CALICO_NODE("{name: FELIX_DefaultEndpointToHostAction, value: ACCEPT}"), FELIX("default", "Drop")].join("\n---\n");
  assert.equal(at(env, "x/web", "node:n1").allowed, true);
  assert.match(at(env, "x/web", "node:n1").ingress.toHost?.why ?? "", /FELIX_DefaultEndpointToHostAction=ACCEPT in DaemonSet kube-system\/calico-node/);
  const warned = load({ "c.yaml": cluster(CALICO_GNP, env) }).diagnostics.items.filter((d) => d.severity === "warning").map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n");
  assert.match(warned, /spec\.defaultEndpointToHostAction: overridden: FELIX_DefaultEndpointToHostAction=ACCEPT in DaemonSet kube-system\/calico-node, which felix reads before any FelixConfiguration/);
  // The DaemonSet without the variable: felix's default.
  assert.equal(at(CALICO_NODE(), "x/web", "node:n1").allowed, false);
  assert.match(at(CALICO_NODE(), "x/web", "node:n1").ingress.toHost?.why ?? "", /felix's default/);
  assert.equal(at(CALICO_NODE("{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: ''}"), "x/web", "node:n1").allowed, false, "an empty value is ignored");
  assert.equal(at(CALICO_NODE("{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: Return}"), "x/web", "node:n1").allowed, true);
  // Nothing shown: Accept, said so.
  const none = at("", "x/web", "node:n1");
  assert.equal(none.allowed, true);
  assert.match(none.ingress.toHost?.why ?? "", /not shown in the input: Accept, as Calico's manifests and operator set it/);
  // A FelixConfiguration alone shows Calico; without the DaemonSet it is read as given, with a warning.
  const alone = load({ "c.yaml": cluster(FELIX("default", "Drop")) });
  assert.equal(new PolicyEngine(alone.inventory, DEFAULT_OPTIONS).ownNode.mode, "ingress");
  assert.match(alone.diagnostics.items.filter((d) => d.severity === "warning").map((d) => d.message).join("\n"), /Calico's manifests and operator set FELIX_DEFAULTENDPOINTTOHOSTACTION=ACCEPT on calico-node, which felix reads before any FelixConfiguration \(projectcalico\/calico#7398\)/);
  // Return: the host's INPUT chain, read as accepted, with a warning.
  const ret = load({ "c.yaml": cluster(CALICO_GNP, FELIX("default", "Return")) });
  assert.match(ret.diagnostics.items.filter((d) => d.severity === "warning").map((d) => d.message).join("\n"), /Return hands a pod's traffic to its own host to the host's INPUT chain/);
  assert.equal(at(FELIX("default", "Return"), "x/web", "node:n1").allowed, true);
});

test("Calico: bad DefaultEndpointToHostAction values are refused where the API server and felix refuse them", () => {
  const errors = (yaml: string) => load({ "c.yaml": yaml }).diagnostics.errors.map((d) => `${d.line} ${d.field?.join(".")}: ${d.message}`).join("\n");
  assert.match(errors(FELIX("default", "Reject")), /^4 spec\.defaultEndpointToHostAction: "Reject" is not Drop, Accept or Return/);
  assert.match(errors(CALICO_NODE("{name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: maybe}")), /spec\.template\.spec\.containers\.0\.env\.1\.value: "maybe" is not DROP, RETURN or ACCEPT: felix refuses to start/);
});

test("Calico Drop: fast engine, connection lists and the reference agree (pods spread over nodes, nodes of both actions)", () => {
  const owned = (owner: string, text: string) => text.replace("metadata: {", `metadata: {ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${owner}, uid: u-${owner}, controller: true}], `);
  const rs = (name: string, node: string, ip: string) => owned("api-7d9", pod("x", name, node, ip)).replace(`app: ${name}`, "app: api");
  const spread = [rs("api-1", "n1", "10.0.1.5"), rs("api-2", "n2", "10.0.1.6"), rs("api-3", "n1", "10.0.1.7")];
  for (const felix of [[FELIX("default", "Drop")], [FELIX("default", "Accept"), FELIX("node.n1", "Drop")], [CALICO_NODE()], [FELIX("node.n2", "Drop")]]) {
    for (const extra of [[], spread, [DENY_ALL_X.replace("[Ingress, Egress]", "[Ingress]")]]) {
      const e = engineOf(cluster(CALICO_GNP, ...felix, ...extra));
      const ref = new PairwiseConnectivity(e), fast = new FastConnectivity(e);
      const parties = [...e.inventory.endpoints.map((endpoint) => ({ endpoint })), party(e, "ip:172.18.0.2")];
      for (const s of parties) for (const d of parties) {
        assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${s.endpoint?.name} -> ${d.endpoint?.name}`);
      }
      const list = renderConnlist(connectionList(e.inventory, fast), "txt");
      assert.equal(list, renderConnlist(connectionList(e.inventory, ref), "txt"), felix.join());
      if (felix.length === 1 && felix[0] === FELIX("default", "Drop") && extra === spread) {
        assert.doesNotMatch(list, /^x\/web\[Pod\] => hosts\/agent\[Pod\]/m);
        assert.match(list, /^x\/web\[Pod\] => hosts\/agent2\[Pod\] : All Connections$/m);
        assert.match(list, /^x\/api-7d9\[ReplicaSet\] => hosts\/agent\[Pod\] : All Connections$/m, "api-2 (n2) reaches n1's agent");
      }
    }
  }
});

// convert --verify and lint build engines over derived inventories with the input's resolved own-node
// choice: its reason (not "as given") and felix's action per node go with it.
test("a resolved own-node choice keeps its reason and felix's action on derived inventories", () => {
  const input = load({ "c.yaml": cluster(CALICO_GNP, FELIX("default", "Drop")) }).inventory;
  const derived = { ...input, policies: [], calicoFelix: undefined };
  const e = new PolicyEngine(derived, resolvedOptions(DEFAULT_OPTIONS, input));
  assert.match(e.ownNode.why, /^Calico \(Calico GlobalNetworkPolicy log\)/);
  assert.equal(evaluate(e, "x/web", "node:n1").allowed, false);
  const again = new PolicyEngine(derived, e.options);
  assert.equal(again.ownNode, e.ownNode, "an engine's options carry its choice");
});

// Cilium's host and remote-node entities are peers relative to the endpoint a rule is evaluated for
// (Matcher.peerMatches' local): the node manager's nodeIdentityLabels gives the local node reserved:host
// and every other node reserved:remote-node. A deny of host, remote-node alone and host in an allow rule
// without default deny were refused; one peer matcher now serves every engine (the verdict engine, the
// connectivity engine's own-node pairs, the nftables rulesets).
const CNP_DENY_HOST = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: no-kubelet, namespace: x}
spec:
  endpointSelector: {matchLabels: {app: web}}
  enableDefaultDeny: {egress: false, ingress: false}
  egressDeny:
  - toEntities: [host]
    toPorts: [{ports: [{port: "10250", protocol: TCP}]}]
  ingressDeny:
  - fromEntities: [host]
    toPorts: [{ports: [{port: "80", protocol: TCP}]}]`;
const CNP_REMOTE = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: remote, namespace: x}
spec:
  endpointSelector: {matchLabels: {app: web}}
  egress:
  - toEntities: [remote-node]`;
const CNP_OPEN_HOST = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: open-host, namespace: x}
spec:
  endpointSelector: {matchLabels: {app: web}}
  enableDefaultDeny: {egress: false}
  egress:
  - toEntities: [host]`;

test("Cilium: a deny of host takes the pod's own node away (a deny beats allow-localhost); remote-node is every other node; host without default deny allows beside an isolating policy", () => {
  const deny = engineOf(cluster(CNP_DENY_HOST));
  for (const [from, to, port, want] of [["x/web", "node:n1", 10250, false], ["x/web", "hosts/agent", 10250, false], ["x/web", "node:n1", 80, true], ["x/web", "node:n2", 10250, true],
    ["x/web", "x/other", 10250, true], ["node:n1", "x/web", 80, false], ["hosts/agent", "x/web", 80, false], ["node:n1", "x/web", 10250, true], ["node:n2", "x/web", 80, true]] as const) {
    assert.equal(evaluate(deny, from, to, port).allowed, want, `${from} -> ${to}:${port}`);
  }
  assert.equal(evaluate(deny, "x/web", "node:n1").egress.rule?.peers?.[0].kind, "own-node");
  const remote = engineOf(cluster(CNP_REMOTE));
  for (const [to, want] of [["node:n2", true], ["hosts/agent2", true], ["node:n1", false], ["hosts/agent", false], ["x/other", false]] as const) {
    assert.equal(evaluate(remote, "x/web", to).allowed, want, to);
  }
  assert.equal(evaluate(remote, "x/other", "node:n1").allowed, true, "web's policy does not select other");
  const open = engineOf(cluster(CNP_OPEN_HOST, DENY_ALL_X));
  assert.equal(evaluate(open, "x/web", "node:n1").allowed, true);
  assert.equal(evaluate(open, "x/web", "node:n1").egress.tier, "admin");
  assert.equal(evaluate(open, "x/web", "node:n2").allowed, false);
  assert.equal(evaluate(open, "x/other", "node:n2").allowed, false);
});

test("Cilium host and remote-node: fast engine, lists, the reference and the lab's nftables agree, every option", () => {
  const owned = (owner: string, text: string) => text.replace("metadata: {", `metadata: {ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${owner}, uid: u-${owner}, controller: true}], `);
  const rs = (name: string, node: string, ip: string) => owned("web-7d9", pod("x", name, node, ip)).replace(`app: ${name}`, "app: web");
  const spread = [rs("web-1", "n1", "10.0.1.5"), rs("web-2", "n2", "10.0.1.6")];
  for (const policies of [[CNP_DENY_HOST], [CNP_REMOTE], [CNP_OPEN_HOST, DENY_ALL_X], [CNP_DENY_HOST, CNP_HOST], [CNP_REMOTE, CALICO_GNP, FELIX("default", "Drop")]]) {
    for (const extra of [[], spread]) {
      for (const options of [{}, { ownNode: "policy" as const }, { ownNode: "allow" as const }, { hostNetwork: "pod" as const }]) {
        const e = engineOf(cluster(...policies, ...extra), options);
        const ref = new PairwiseConnectivity(e), fast = new FastConnectivity(e);
        const parties = [...e.inventory.endpoints.map((endpoint) => ({ endpoint })), party(e, "ip:172.18.0.2")];
        for (const s of parties) for (const d of parties) {
          assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${s.endpoint?.name} -> ${d.endpoint?.name} ${JSON.stringify(options)}`);
        }
        assert.equal(renderConnlist(connectionList(e.inventory, fast), "txt"), renderConnlist(connectionList(e.inventory, ref), "txt"), `${policies.length} ${extra.length} ${JSON.stringify(options)}`);
      }
    }
    // The lab's members are its pods and nodes (lab/plan.ts): with felix's DefaultEndpointToHostAction
    // Drop the node's chain drops its own pods' traffic after their egress chain (it was left to the
    // engine alone: the kernel allowed web -> n1 where the engine denied it).
    const e = engineOf(cluster(...policies));
    const ruleset = renderTable(compileLab(e, e.inventory.endpoints.filter((x) => x.kind === "pod" || x.kind === "node")).table);
    assert.equal(/_in_tohost/.test(ruleset), policies.includes(CALICO_GNP));
    const prog = new NftProgram(ruleset);
    for (const src of e.inventory.endpoints) for (const dst of e.inventory.endpoints) {
      if (src === dst || src.addresses[0].value === dst.addresses[0].value) continue;
      for (const dport of [80, 10250]) {
        const packet = { saddr: src.addresses[0], daddr: dst.addresses[0], proto: "tcp", dport };
        const kernel = [prog.run("lab_egress", packet), prog.run("lab_ingress", packet)].includes("drop") ? "deny" : "allow";
        const v = e.evaluate({ src: { endpoint: src }, dst: { endpoint: dst }, protocol: "TCP", port: dport });
        assert.equal(kernel, v.allowed ? "allow" : "deny", `${src.name} -> ${dst.name}:${dport}`);
      }
    }
  }
});

// The Cilium agent's options that change which identities selectors see (its ConfigMap cilium-config):
// node-labels filters the node labels node identities carry (pkg/labelsfilter FilterNodeLabels; the node
// manager's nodeIdentityLabels gives them to the local host's identity too, so fromNodes/toNodes match the
// pod's own node); labels adds prefixes to the identity label filter (an include prefix turns the
// whitelist on: only included labels are left); policy-cidr-match-mode nodes gives node addresses CIDR
// labels (CIDR rules and ipBlocks match nodes, never pods; world still does not). They were warnings.
test("Cilium agent options: node-labels, labels and policy-cidr-match-mode nodes change what selectors and CIDR rules match", () => {
  const denyNodes = (match: string) => `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: no-nodes, namespace: x}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n  enableDefaultDeny: {egress: false}\n  egressDeny:\n  - toNodes: [{matchLabels: {${match}}}]`;
  const nodeSel = (options: string) => engineOf(cluster(denyNodes("kubernetes.io/os: linux"), CILIUM_CONFIG(`enable-node-selector-labels: 'true'${options}`)));
  for (const to of ["node:n1", "node:n2", "hosts/agent"]) assert.equal(evaluate(nodeSel(""), "x/web", to).allowed, false, `${to}: toNodes matches every node, the local host included`);
  const filtered = nodeSel(", node-labels: 'name'");
  for (const to of ["node:n1", "node:n2"]) assert.equal(evaluate(filtered, "x/web", to).allowed, true, `${to}: kubernetes.io/os is no label of the node identities`);
  assert.equal(evaluate(engineOf(cluster(denyNodes("name: n2"), CILIUM_CONFIG("enable-node-selector-labels: 'true', node-labels: 'node:name'"))), "x/web", "node:n2").allowed, false);
  const warned = load({ "c.yaml": cluster(denyNodes("kubernetes.io/os: linux"), CILIUM_CONFIG("enable-node-selector-labels: 'true', node-labels: 'name'")) }).diagnostics.items.map((d) => d.message).join("\n");
  assert.match(warned, /kubernetes\.io\/os: no label of Cilium's node identities \(the agent's node-labels filter leaves it out\)/);

  const denyOther = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: no-other, namespace: x}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n  enableDefaultDeny: {ingress: false}\n  ingressDeny:\n  - fromEndpoints: [{matchLabels: {app: other}}]";
  assert.equal(evaluate(engineOf(cluster(denyOther)), "x/other", "x/web").allowed, false);
  assert.equal(evaluate(engineOf(cluster(denyOther, CILIUM_CONFIG("labels: 'k8s:app'"))), "x/other", "x/web").allowed, false, "app is included");
  const tierOnly = engineOf(cluster(denyOther, CILIUM_CONFIG("labels: 'k8s:tier k8s:!foo'")));
  assert.equal(evaluate(tierOnly, "x/other", "x/web").allowed, true, "with an include prefix only included labels are identity labels: app is none, the deny selects nothing");
  assert.equal(evaluate(engineOf(cluster(denyOther, CILIUM_CONFIG("labels: 'k8s:!tier'"))), "x/other", "x/web").allowed, false, "an ignore prefix alone keeps the rest");
  const bad = load({ "c.yaml": CILIUM_CONFIG("labels: 'k8s:app(', policy-cidr-match-mode: pods") }).diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n");
  assert.match(bad, /data\.labels: "k8s:app\(": unable to compile regexp/);
  assert.match(bad, /data\.policy-cidr-match-mode: "pods" is not a policy-cidr-match-mode/);

  const denyCidr = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: no-nodes, namespace: x}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n  enableDefaultDeny: {egress: false}\n  egressDeny:\n  - toCIDRSet: [{cidr: 172.18.0.0/16}]\n  - toCIDR: [10.0.0.0/8]\n  - toEntities: [world]";
  const byDefault = engineOf(cluster(denyCidr, CILIUM_CONFIG("cluster-name: c1")));
  for (const to of ["node:n2", "hosts/agent2", "x/other", "ip:8.8.8.8"]) assert.equal(evaluate(byDefault, "x/web", to).allowed, to === "ip:8.8.8.8" ? false : true, to);
  const nodesMode = engineOf(cluster(denyCidr, CILIUM_CONFIG("policy-cidr-match-mode: nodes")));
  for (const [to, want] of [["node:n2", false], ["hosts/agent2", false], ["node:n1", false], ["x/other", true], ["ip:8.8.8.8", false]] as const) assert.equal(evaluate(nodesMode, "x/web", to).allowed, want, `nodes mode: ${to}`);
  const ipBlock = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: nodes, namespace: x}\nspec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 172.18.0.0/16}}]}]}";
  assert.equal(evaluate(engineOf(cluster(ipBlock, CILIUM_CONFIG("cluster-name: c1"))), "x/web", "node:n2").allowed, false, "an ipBlock is a CIDR rule under Cilium");
  assert.equal(evaluate(engineOf(cluster(ipBlock, CILIUM_CONFIG("policy-cidr-match-mode: nodes"))), "x/web", "node:n2").allowed, true);
  for (const policies of [[denyCidr, CILIUM_CONFIG("policy-cidr-match-mode: nodes")], [ipBlock, CILIUM_CONFIG("policy-cidr-match-mode: nodes")], [denyNodes("kubernetes.io/os: linux"), CILIUM_CONFIG("enable-node-selector-labels: 'true', node-labels: 'name'")]]) {
    const e = engineOf(cluster(...policies));
    const ref = new PairwiseConnectivity(e), fast = new FastConnectivity(e);
    assert.equal(renderConnlist(connectionList(e.inventory, fast), "txt"), renderConnlist(connectionList(e.inventory, ref), "txt"));
    const prog = new NftProgram(renderTable(compileLab(e, e.inventory.endpoints.filter((x) => x.kind === "pod")).table));
    for (const src of e.inventory.endpoints) for (const dst of e.inventory.endpoints) {
      if (src === dst || src.addresses[0].value === dst.addresses[0].value) continue;
      const packet = { saddr: src.addresses[0], daddr: dst.addresses[0], proto: "tcp", dport: 80 };
      const kernel = [prog.run("lab_egress", packet), prog.run("lab_ingress", packet)].includes("drop") ? "deny" : "allow";
      assert.equal(kernel, e.evaluate({ src: { endpoint: src }, dst: { endpoint: dst }, protocol: "TCP", port: 80 }).allowed ? "allow" : "deny", `${src.name} -> ${dst.name}`);
    }
  }
});

// A Calico HostEndpoint on a node's address: felix polices the host's traffic by it (rules/static.go
// filterInputChain: cali-INPUT's host endpoint dispatch; filterOutputChain: the to-host-endpoint
// dispatch), but not its traffic with its own pods (a goto to cali-wl-to-host before that dispatch:
// the pod's egress policy, then DefaultEndpointToHostAction; the host's traffic to a pod returns
// first). The node owned the address, so the host endpoint's policy decided nothing: other -> n1 was
// allowed whatever it said (a wrong allow), n1 -> other too, and a rule selecting the host endpoint's
// labels never matched the node's traffic.
const HEP = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0, labels: {role: host}}\nspec: {node: n1, interfaceName: '*', expectedIPs: [172.18.0.2]}";
const HOST_GNP = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: host}
spec:
  selector: role == 'host'
  ingress: [{action: Allow, protocol: TCP, source: {selector: app == 'other'}, destination: {ports: [10250]}}]
  egress: [{action: Allow, protocol: TCP, destination: {ports: [10250]}}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: no-hosts}
spec:
  selector: app == 'other'
  egress: [{action: Deny, protocol: TCP, destination: {selector: role == 'host', ports: [81]}}, {action: Allow}]`;

test("Calico HostEndpoint on a node's address: its policy decides the node's traffic, but not with the node's own pods; fast engine, lists and lab agree", () => {
  const e = engineOf(cluster(HEP, HOST_GNP));
  assert.deepEqual(e.inventory.endpoints.find((x) => x.name === "n1")?.hostEndpoint?.name, "n1-eth0");
  assert.equal(evaluate(e, "x/other", "node:n1", 10250).allowed, true, "the host endpoint's ingress rule");
  assert.equal(evaluate(e, "x/other", "node:n1", 80).allowed, false, "no rule of its policy allows 80 (it was allowed)");
  assert.equal(evaluate(e, "x/other", "hosts/agent", 80).allowed, false, "a host-network pod is the host's traffic");
  assert.equal(evaluate(e, "x/other", "node:n2", 80).allowed, true, "n2 has no host endpoint");
  assert.equal(evaluate(e, "node:n1", "x/other", 80).allowed, false, "the host endpoint's egress");
  assert.equal(evaluate(e, "node:n1", "x/other", 10250).allowed, true);
  assert.equal(evaluate(e, "x/other", "node:n1", 81).allowed, false, "a rule selecting the host endpoint's labels matches the node's address");
  assert.equal(evaluate(e, "x/other", "node:n2", 81).allowed, true);
  // Its own pods: their egress policy and DefaultEndpointToHostAction (Accept: no DaemonSet shown), not the host endpoint's.
  assert.equal(evaluate(e, "x/web", "node:n1", 80).allowed, true, "web runs on n1");
  assert.equal(evaluate(e, "node:n1", "x/web", 80).allowed, true);
  assert.equal(evaluate(engineOf(cluster(HEP, HOST_GNP, FELIX("default", "Drop"))), "x/web", "node:n1", 80).allowed, false, "felix's Drop still applies");
  for (const policies of [[HEP, HOST_GNP], [HEP, HOST_GNP, FELIX("default", "Drop")], [HEP]]) {
    for (const options of [{}, { hostNetwork: "pod" as const }]) {
      const x = engineOf(cluster(...policies), options);
      const ref = new PairwiseConnectivity(x), fast = new FastConnectivity(x);
      const parties = x.inventory.endpoints.map((endpoint) => ({ endpoint }));
      for (const s of parties) for (const d of parties) {
        assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${s.endpoint.name} -> ${d.endpoint.name} ${policies.length} ${JSON.stringify(options)}`);
      }
      assert.equal(renderConnlist(connectionList(x.inventory, fast), "txt"), renderConnlist(connectionList(x.inventory, ref), "txt"));
    }
    const x = engineOf(cluster(...policies));
    const prog = new NftProgram(renderTable(compileLab(x, x.inventory.endpoints).table));
    for (const src of x.inventory.endpoints) for (const dst of x.inventory.endpoints) {
      if (src === dst || src.addresses[0].value === dst.addresses[0].value) continue;
      for (const dport of [80, 81, 10250]) {
        const packet = { saddr: src.addresses[0], daddr: dst.addresses[0], proto: "tcp", dport };
        const kernel = [prog.run("lab_egress", packet), prog.run("lab_ingress", packet)].includes("drop") ? "deny" : "allow";
        assert.equal(kernel, x.evaluate({ src: { endpoint: src }, dst: { endpoint: dst }, protocol: "TCP", port: dport }).allowed ? "allow" : "deny", `lab: ${src.name} -> ${dst.name}:${dport}`);
      }
    }
  }
});

// Review findings: a node compiled as a policy subject (its host endpoint) got toHostDrop's chain as
// well, which no dispatch reached (its address was taken), with a note saying it dropped and a
// warning that its address was shared by two subjects. And "the node's own pods" is one list
// (PolicyEngine.ownPodsOf): its workload endpoints. Felix gives a host-network pod no workload
// interface (rules/static.go: filterWorkloadToHostChain is entered from cali+ interfaces only), so it
// meets no DefaultEndpointToHostAction whatever --host-network says (under --host-network=pod it was dropped).
test("the lab compiles felix's Drop once per node: in a host endpoint's own chain, or in the node's tohost chain; a host-network pod is never dropped by it", () => {
  const x = engineOf(cluster(HEP, HOST_GNP, FELIX("default", "Drop")));
  const n1 = x.inventory.endpoints.find((e) => e.name === "n1")!, n2 = x.inventory.endpoints.find((e) => e.name === "n2")!;
  const lab = compileLab(x, x.inventory.endpoints);
  const names = lab.table.chains.map((c) => c.name);
  assert.ok(!names.includes(`p${n1.id}_in_tohost`), "n1's host endpoint chain drops its own pods' traffic already");
  assert.ok(names.includes(`p${n2.id}_in_tohost`), "n2 has no host endpoint: its own chain");
  assert.ok(!lab.warnings.some((w) => /shared by several policy subjects.*\bn1 \(/.test(w)), lab.warnings.join("\n"));
  assert.ok(!lab.table.notes.some((n) => n.startsWith(`p${n1.id} = `) && /tohost|DefaultEndpointToHostAction Drop/.test(n)), lab.table.notes.join("\n"));
  for (const options of [{}, { hostNetwork: "pod" as const }]) {
    const e = engineOf(cluster(CALICO_GNP, FELIX("default", "Drop")), options);
    assert.equal(evaluate(e, "hosts/agent", "node:n1").allowed, true, `a host-network pod is not a workload endpoint ${JSON.stringify(options)}`);
    assert.equal(evaluate(e, "x/web", "node:n1").allowed, false);
    // (Under --host-network=pod a host-network pod is a destination of its own, not its node: the
    // engine does not apply felix's Drop to traffic to it, the kernel does; not compared here.)
    if (options.hostNetwork) continue;
    const prog = new NftProgram(renderTable(compileLab(e, e.inventory.endpoints).table));
    for (const src of e.inventory.endpoints) for (const dst of e.inventory.endpoints) {
      if (src === dst || src.addresses[0].value === dst.addresses[0].value) continue;
      const packet = { saddr: src.addresses[0], daddr: dst.addresses[0], proto: "tcp", dport: 10250 };
      const kernel = [prog.run("lab_egress", packet), prog.run("lab_ingress", packet)].includes("drop") ? "deny" : "allow";
      assert.equal(kernel, e.evaluate({ src: { endpoint: src }, dst: { endpoint: dst }, protocol: "TCP", port: 10250 }).allowed ? "allow" : "deny", `lab: ${src.name} -> ${dst.name} ${JSON.stringify(options)}`);
    }
  }
});
