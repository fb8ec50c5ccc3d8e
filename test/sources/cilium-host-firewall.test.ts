// Cilium's host firewall: a CiliumClusterwideNetworkPolicy with a nodeSelector (a host policy) polices the
// nodes it selects as the host endpoint (reserved:host) under the agent's enable-host-firewall.
// Documentation/security/policy/host.rst: "In each selected node, they apply only to the host namespace,
// including host-networking pods. They don't apply to communications between non-host-networking pods and
// locations outside of the cluster." bpf/lib/host_firewall.h: ingress policy on packets to host IPs, egress
// on packets from them, replies allowed; the host's own pods are policed as any other peer.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, load, tempFiles } from "../helpers.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { resolveEndpoint } from "../../src/engine/endpoints.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import type { Party } from "../../src/engine/match.js";
import { parseAddress } from "../../src/model/ip.js";
import { assertAgree } from "../engine/fast-agree.js";

const NODES = [["n1", "172.18.0.2", "node-access: ssh, "], ["n2", "172.18.0.3", ""]].map(([n, ip, extra]) =>
  `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}, labels: {${extra}kubernetes.io/hostname: ${n}, kubernetes.io/os: linux}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}`);
const pod = (ns: string, name: string, node: string, ip: string, host = false) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}, labels: {app: ${name}}}\n` +
  `spec: {nodeName: ${node}, ${host ? "hostNetwork: true, " : ""}containers: [{name: c}]}\nstatus: {podIP: ${ip}}`;
const BASE = [
  ...["x", "hosts"].map((n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}}`), ...NODES,
  pod("x", "web", "n1", "10.0.1.1"), pod("x", "other", "n2", "10.0.2.1"), pod("hosts", "agent", "n1", "172.18.0.2", true),
];
const CONFIG = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {${data}}`;
const FIREWALL = CONFIG("enable-host-firewall: 'true'");
const ccnp = (name: string, spec: string) => `apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${spec}`;
// The host firewall guide's demo-host-policy (examples/policies/host/demo-host-policy.yaml), on TCP/22.
const SSH_ONLY = ccnp("demo-host-policy", "  nodeSelector: {matchLabels: {node-access: ssh}}\n  ingress:\n  - fromEntities: [remote-node, health]\n  - toPorts: [{ports: [{port: '22', protocol: TCP}]}]");

function loaded(...docs: string[]) {
  return load({ "c.yaml": [...BASE, ...docs].join("\n---\n") });
}

function engineOf(...docs: string[]): PolicyEngine {
  const l = loaded(...docs);
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  return new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
}

function party(e: PolicyEngine, text: string): Party {
  const r = resolveEndpoint(e.index, text);
  assert.ok(r.ok && r.value.kind === "parties", text);
  return (r as { value: { parties: Party[] } }).value.parties[0];
}

const allowed = (e: PolicyEngine, from: string, to: string, port: number) => e.evaluate({ src: party(e, from), dst: party(e, to), protocol: "TCP", port }).allowed;

test("a host policy polices the nodes it selects under enable-host-firewall: ingress default deny, host-network pods included", () => {
  const e = engineOf(FIREWALL, SSH_ONLY);
  assert.equal(allowed(e, "ip:203.0.113.5", "node:n1", 22), true);
  assert.equal(allowed(e, "ip:203.0.113.5", "node:n1", 6443), false, "world to a selected node: denied but for 22");
  assert.equal(allowed(e, "ip:203.0.113.5", "hosts/agent", 8080), false, "a host-network pod is the host endpoint");
  assert.equal(allowed(e, "ip:203.0.113.5", "node:n2", 6443), true, "n2 is not selected");
  assert.equal(allowed(e, "node:n2", "node:n1", 6443), true, "remote-node");
  assert.equal(allowed(e, "x/other", "node:n1", 6443), false, "a pod is no remote-node");
  assert.equal(allowed(e, "x/web", "node:n1", 6443), false, "the host's own pod: to-host runs the host's ingress policy");
  assert.equal(allowed(e, "ip:203.0.113.5", "x/web", 8080), true, "pods are not the host");
  assert.equal(allowed(e, "hosts/agent", "node:n1", 6443), true, "the host with itself crosses lo, which the host firewall does not police");
  const v = e.evaluate({ src: party(e, "ip:203.0.113.5"), dst: party(e, "node:n1"), protocol: "TCP", port: 6443 });
  assert.equal(v.ingress.by, "isolation");
  assert.deepEqual(v.ingress.selecting.map((p) => p.name), ["demo-host-policy"]);
  assertAgree(new FastConnectivity(e), [...["x/web", "x/other", "hosts/agent", "node:n1", "node:n2"].map((t) => party(e, t)), { address: parseAddress("203.0.113.5")! }], "host firewall ingress");
});

test("host egress: the host's packets, to its own pods too; enable-policy always puts the host in default deny", () => {
  const e = engineOf(FIREWALL, ccnp("egress", "  nodeSelector: {}\n  egress:\n  - toEndpoints: [{matchLabels: {app: other}}]\n  - toEntities: [kube-apiserver, remote-node]"));
  assert.equal(allowed(e, "node:n1", "x/other", 80), true);
  assert.equal(allowed(e, "node:n1", "x/web", 80), false, "to a pod of its own node: host egress policy");
  assert.equal(allowed(e, "hosts/agent", "ip:8.8.8.8", 443), false);
  assert.equal(allowed(e, "node:n1", "node:n2", 10250), true);
  assert.equal(allowed(e, "x/web", "ip:8.8.8.8", 443), true, "a pod's traffic is not the host's");
  assertAgree(new FastConnectivity(e), [...["x/web", "x/other", "hosts/agent", "node:n1", "node:n2"].map((t) => party(e, t)), { address: parseAddress("8.8.8.8")! }], "host firewall egress");
  const always = engineOf(CONFIG("enable-host-firewall: 'true', enable-policy: always"));
  assert.equal(allowed(always, "ip:203.0.113.5", "node:n2", 22), false);
  assert.equal(allowed(always, "node:n2", "ip:203.0.113.5", 22), false);
  assert.equal(allowed(engineOf(CONFIG("enable-policy: always")), "ip:203.0.113.5", "node:n2", 22), true, "without the host firewall the host is not policed");
});

test("the host endpoint's labels pass the identity label filter: kubernetes.io/hostname selects no node", () => {
  const l = loaded(FIREWALL, ccnp("by-name", "  nodeSelector: {matchLabels: {kubernetes.io/hostname: n1}}\n  ingress: [{toPorts: [{ports: [{port: '22', protocol: TCP}]}]}]"));
  assert.match(l.diagnostics.items.map((d) => d.message).join("\n"), /kubernetes\.io\/hostname: no label of Cilium's identities .*this selector selects nothing/);
  assert.equal(allowed(new PolicyEngine(l.inventory, DEFAULT_OPTIONS), "ip:203.0.113.5", "node:n1", 6443), true);
});

test("without enable-host-firewall a host policy is not enforced (a warning); L7 rules in a host policy are refused", () => {
  for (const config of [[], [CONFIG("enable-host-firewall: 'false'")]]) {
    const l = loaded(...config, SSH_ONLY);
    assert.deepEqual(l.diagnostics.errors, []);
    assert.ok(l.diagnostics.items.some((d) => d.severity === "warning" && d.code === "vendor-host-policy"));
    assert.equal(allowed(new PolicyEngine(l.inventory, DEFAULT_OPTIONS), "ip:203.0.113.5", "node:n1", 6443), true);
  }
  const http = loaded(FIREWALL, ccnp("l7", "  nodeSelector: {}\n  ingress:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{method: GET}]}}]"));
  assert.match(http.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.ingress\.0\.toPorts\.0\.rules\.http: L7 policy is not supported on host ingress yet/);
  assert.equal(http.inventory.policies.length, 0);
  const egress = loaded(FIREWALL, ccnp("l7", "  nodeSelector: {}\n  egress:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{method: GET}]}}]"));
  assert.match(egress.diagnostics.errors.map((d) => d.message).join("\n"), /L7 protocol HTTP is not supported on host egress yet/);
});

test("junction test and explain answer a host policy's nodes", async () => {
  const t = tempFiles({ "expect.yaml": "- {from: ip:203.0.113.5, to: node:n1, port: 22, expect: allow}\n- {from: ip:203.0.113.5, to: node:n1, port: 6443, expect: deny}\n- {from: ip:203.0.113.5, to: hosts/agent, port: 9100, expect: deny}\n- {from: ip:203.0.113.5, to: node:n2, port: 6443, expect: allow}\n" });
  try {
    const yaml = [...BASE, FIREWALL, SSH_ONLY].join("\n---\n");
    const r = await cli(["test", "-f", "-", "--expect", `${t.dir}/expect.yaml`], yaml);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /4 passed, 0 failed/);
    const x = await cli(["explain", "-f", "-", "--from", "ip:203.0.113.5", "--to", "node:n1", "--port", "6443"], yaml);
    assert.match(x.out, /ingress at node:n1 \(node\):\n\s+denied: isolated by CiliumClusterwideNetworkPolicy demo-host-policy/);
  } finally { t.cleanup(); }
});

test("without the kube-proxy replacement the host policy sees node ports before kube-proxy's DNAT", async () => {
  const svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: x}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}";
  const ask = (config: string) => cli(["explain", "-f", "-", "--from", "ip:203.0.113.5", "--to", "172.18.0.2", "--port", "30080", "-o", "json"], [...BASE, config, SSH_ONLY, svc].join("\n---\n"));
  const kubeProxy = JSON.parse((await ask(FIREWALL)).out);
  assert.equal(kubeProxy.pairs[0].verdict, "deny");
  assert.match(JSON.stringify(kubeProxy), /Cilium's host firewall drops it at node n1's node port 30080/);
  const kpr = JSON.parse((await ask(CONFIG("enable-host-firewall: 'true', kube-proxy-replacement: 'true'"))).out);
  assert.equal(kpr.pairs[0].verdict, "allow", "the agent's node port handling translates it before the host policy: the pod's ingress decides");
});

test("exposure: a node port every node's host policy drops (no kube-proxy replacement) is not exposed; one some nodes drop is, through the others", async () => {
  const svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: x}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}";
  const every = ccnp("every-node", "  nodeSelector: {}\n  ingress:\n  - fromEntities: [remote-node, health]\n  - toPorts: [{ports: [{port: '22', protocol: TCP}]}]");
  const ask = async (...docs: string[]) => {
    const r = await cli(["exposure", "-f", "-", "-o", "json", "-q"], [...BASE, svc, ...docs].join("\n---\n"));
    return JSON.parse(r.out) as { exposures: { kind: string; from: string; problem?: string; targets: { hop: string }[] }[] };
  };
  const all = (await ask(FIREWALL, every)).exposures[0];
  assert.deepEqual(all.targets, [], "explain says denied at each node's node port: exposure lists no target");
  assert.match(all.problem!, /no node lets it in: Cilium's host firewall \(.*\) drops it at nodes n1, n2/);
  const some = (await ask(FIREWALL, SSH_ONLY)).exposures[0];
  assert.deepEqual(some.targets.map((t) => t.hop), ["allowed"]);
  assert.match(some.from, /Cilium's host firewall \(.*\) drops it at node n1: reached through the other nodes/);
  const kpr = (await ask(CONFIG("enable-host-firewall: 'true', kube-proxy-replacement: 'true'"), every)).exposures[0];
  assert.deepEqual(kpr.targets.map((t) => t.hop), ["allowed"], "the kube-proxy replacement translates before the host policy");
  const off = (await ask(every)).exposures[0];
  assert.deepEqual(off.targets.map((t) => t.hop), ["allowed"], "without enable-host-firewall no host policy is enforced");
});

// bpf/bpf_host.c handle_ipv4 runs the host's ingress policy on the native device's packets to a host
// address ("We're on the ingress path of the native device": ipv4_host_policy_ingress) after the
// ENABLE_NODEPORT translation only the kube-proxy replacement has; without it a hostPort is the portmap
// plugin's DNAT in iptables, later. explain, test and exposure followed the hostPort to the pod and
// answered allowed where the host policy drops it (cilium#12545, host.rst known issues).
test("without the kube-proxy replacement the host policy sees a hostPort before portmap's DNAT", async () => {
  const hp = "apiVersion: v1\nkind: Pod\nmetadata: {name: hp, namespace: x, labels: {app: hp}}\nspec: {nodeName: n1, containers: [{name: c, ports: [{containerPort: 9000, hostPort: 9000}]}]}\nstatus: {podIP: 10.0.1.9, hostIP: 172.18.0.2}";
  const ask = async (config: string, from = "ip:203.0.113.5") => JSON.parse((await cli(["explain", "-f", "-", "--from", from, "--to", "node:n1", "--port", "9000", "-o", "json"], [...BASE, config, SSH_ONLY, hp].join("\n---\n"))).out);
  const kubeProxy = await ask(FIREWALL);
  assert.equal(kubeProxy.pairs[0].verdict, "deny");
  assert.match(JSON.stringify(kubeProxy), /Cilium's host firewall drops it at node n1's hostPort 9000: without the agent's kube-proxy replacement the hostPort is the portmap plugin's DNAT, after the host's ingress policy \(isolated by CiliumClusterwideNetworkPolicy demo-host-policy\)/);
  assert.equal((await ask(FIREWALL, "node:n2")).pairs[0].verdict, "allow", "remote-node: the host policy lets it in, then the pod's");
  assert.equal((await ask(CONFIG("enable-host-firewall: 'true', kube-proxy-replacement: 'true'"))).pairs[0].verdict, "allow", "the agent's own hostPort translates it before the host policy: the pod's ingress decides");
  assert.equal((await ask(CONFIG("enable-host-firewall: 'false'"))).pairs[0].verdict, "allow", "no host firewall");
  const x = JSON.parse((await cli(["exposure", "-f", "-", "-o", "json", "-q"], [...BASE, FIREWALL, SSH_ONLY, hp].join("\n---\n"))).out) as { exposures: { kind: string; targets: unknown[]; problem?: string }[] };
  const row = x.exposures.find((e) => e.kind === "HostPort")!;
  assert.deepEqual(row.targets, []);
  assert.match(row.problem!, /Cilium's host firewall drops it at node n1's hostPort 9000/);
});
