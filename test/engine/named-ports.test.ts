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
import { ciliumNamedPorts } from "../../src/model/ports.js";
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
