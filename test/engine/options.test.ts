// Implementation-defined behaviour: each choice has a default, an option, and a warning when the
// answer depends on it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, verdict } from "../helpers.js";
import { withPolicies } from "../fixtures/e2e-model.js";

const NODE = "apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {role: worker}}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.2}]}";
const HOST_POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: 'y', labels: {pod: agent}}\nspec: {hostNetwork: true, nodeName: n1, containers: [{name: c, ports: [{containerPort: 80}]}]}\nstatus: {podIP: 172.18.0.2, hostIP: 172.18.0.2}";
const ON_NODE = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: x, labels: {pod: web}}\nspec: {nodeName: n1, containers: [{name: c, ports: [{containerPort: 80}]}]}\nstatus: {podIP: 10.0.1.50}";
const DENY_X = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec: {podSelector: {}, policyTypes: [Ingress]}";
const ALLOW_AGENT = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: agent, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {pod: agent}}}]";

function evaluate(yaml: string, from: string, to: string, options = {}) {
  const e = engineFor(yaml, options);
  const find = (n: string) => e.inventory.endpoints.find((x) => (x.namespace ? `${x.namespace}/${x.name}` : `node:${x.name}`) === n)!;
  return e.evaluate({ src: { endpoint: find(from) }, dst: { endpoint: find(to) }, protocol: "TCP", port: 80 });
}

test("host-network pods: by default their node's traffic, so pod selectors do not select them", () => {
  const yaml = withPolicies(NODE, HOST_POD, DENY_X, ALLOW_AGENT);
  assert.equal(verdict(engineFor(yaml), "y/agent", "x/a", 80), "deny");
  assert.equal(verdict(engineFor(yaml, { hostNetwork: "pod" }), "y/agent", "x/a", 80), "allow");
});

test("an answer that depends on the host-network choice carries a warning naming the option", () => {
  const v = evaluate(withPolicies(NODE, HOST_POD, DENY_X, ALLOW_AGENT), "y/agent", "x/a");
  assert.equal(v.allowed, false);
  const w = v.warnings.find((x) => x.code === "implementation-defined");
  assert.ok(w, "warning expected");
  assert.match(w.message, /--host-network=pod/);
  // No warning when the choice does not matter.
  const plain = evaluate(withPolicies(NODE, HOST_POD), "y/agent", "x/a");
  assert.equal(plain.warnings.length, 0);
});

test("traffic from a pod's own node is allowed by default (kubelet probes), or subject to policy", () => {
  const yaml = withPolicies(NODE, ON_NODE, DENY_X);
  const v = evaluate(yaml, "node:n1", "x/web");
  assert.equal(v.allowed, true);
  assert.equal(v.ingress.by, "own-node");
  assert.ok(v.warnings.some((w) => /--own-node=policy/.test(w.message)));
  assert.equal(evaluate(yaml, "node:n1", "x/web", { ownNode: "policy" }).allowed, false);
  // Another node's traffic is subject to policy either way.
  assert.equal(verdict(engineFor(yaml), "ip:172.18.0.9", "x/web", 80), "deny");
});

test("a pod reaching itself is always allowed", () => {
  const v = evaluate(withPolicies(DENY_X), "x/a", "x/a");
  assert.equal(v.allowed, true);
  assert.equal(v.ingress.by, "self");
});

test("external addresses and nodes are not policy subjects: their side never denies", () => {
  const v = evaluate(withPolicies(NODE, ON_NODE), "x/web", "node:n1");
  assert.equal(v.ingress.by, "unenforced");
  assert.equal(v.allowed, true);
});
