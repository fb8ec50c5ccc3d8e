// fromRequires/toRequires up to Cilium 1.18 with a Cluster Mesh cluster or a service account in play.
// pkg/policy/api ingress.go GetSourceEndpointSelectorsWithRequirements: the requirements are appended to
// each fromEndpoints selector's MatchExpressions ("if len(requirements) > 0 && len(i.FromEndpoints) > 0"),
// entity, CIDR and L4-only selectors appended as they are. io.cilium.k8s.policy.cluster and
// io.cilium.k8s.policy.serviceaccount are labels of the identity like any other, so a requirement on
// them narrows as any other; a rule whose endpointSelector names a service account reaches only those
// pods. Both were an error ("cannot AND", "cannot split by").

import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "../helpers.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { assertAgree, podsAnd } from "../engine/fast-agree.js";
import { verdict } from "../helpers.js";

const pod = (name: string, sa: string, env: string, ip: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {app: ${name}, env: ${env}}}\nspec: {serviceAccountName: ${sa}, containers: [{name: c}]}\nstatus: {podIP: ${ip}}`;
const BASE = [
  "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: cilium, namespace: kube-system}\nspec: {selector: {matchLabels: {k8s-app: cilium}}, template: {metadata: {labels: {k8s-app: cilium}}, spec: {containers: [{name: cilium-agent, image: 'quay.io/cilium/cilium:v1.17.4'}]}}}",
  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {cluster-name: c1}",
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}",
  pod("a", "sa-a", "prod", "10.0.0.1"), pod("b", "sa-b", "prod", "10.0.0.2"), pod("c", "sa-b", "dev", "10.0.0.3"),
];
const cnp = (name: string, spec: string) => `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: ${name}, namespace: x}\nspec:\n${spec}`;

function engineOf(...docs: string[]): PolicyEngine {
  const l = load({ "r.yaml": [...BASE, ...docs].join("\n---\n") });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  return new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
}

test("fromRequires naming the cluster: the agent's cluster-name meets it or not", () => {
  const req = (cluster: string) => cnp("req", `  endpointSelector: {matchLabels: {app: a}}\n  ingress:\n  - fromRequires: [{matchLabels: {io.cilium.k8s.policy.cluster: ${cluster}}}]\n  - fromEndpoints: [{}]`);
  const same = engineOf(req("c1"));
  assert.equal(verdict(same, "x/b", "x/a", 80), "allow");
  const other = engineOf(req("c2"));
  assert.equal(verdict(other, "x/b", "x/a", 80), "deny", "no pod of cluster c1 meets a requirement of cluster c2");
  assertAgree(new FastConnectivity(other), podsAnd(other.inventory), "cluster requirement");
});

test("fromRequires of a policy selecting a service account: only its pods' rules are narrowed", () => {
  const e = engineOf(
    cnp("req", "  endpointSelector: {matchLabels: {io.cilium.k8s.policy.serviceaccount: sa-a}}\n  ingress:\n  - fromRequires: [{matchLabels: {env: prod}}]"),
    cnp("allow", "  endpointSelector: {}\n  ingress:\n  - fromEndpoints: [{}]"),
  );
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "x/c", "x/a", 80), "deny", "x/a runs as sa-a: its rules' fromEndpoints want env prod");
  assert.equal(verdict(e, "x/c", "x/b", 80), "allow", "x/b runs as sa-b: not reached");
  assertAgree(new FastConnectivity(e), podsAnd(e.inventory), "service account subject");
});

test("fromRequires on a service account narrows fromEndpoints; fromEntities is not narrowed", () => {
  const sa = engineOf(cnp("req", "  endpointSelector: {matchLabels: {app: a}}\n  ingress:\n  - fromRequires: [{matchLabels: {io.cilium.k8s.policy.serviceaccount: sa-b}}]\n  - fromEndpoints: [{matchLabels: {env: prod}}]"));
  assert.equal(verdict(sa, "x/b", "x/a", 80), "allow");
  assert.equal(verdict(sa, "x/c", "x/a", 80), "deny", "x/c is sa-b but not env prod");
  const entity = engineOf(cnp("req", "  endpointSelector: {matchLabels: {app: a}}\n  ingress:\n  - fromRequires: [{matchLabels: {env: prod}}]\n  - fromEntities: [cluster]"));
  assert.equal(verdict(entity, "x/c", "x/a", 80), "allow", "an entity selector is appended as it is (GetSourceEndpointSelectorsWithRequirements)");
});
