// Input audit, fifth round: null items as the API server decodes them, removed API versions,
// references by namespace, and int64 bounds on the text.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, load, verdict } from "../helpers.js";
import { formatPath } from "../../src/model/source.js";

const pods = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default, labels: {app: a}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.1}\n---\n"
  + "apiVersion: v1\nkind: Pod\nmetadata: {name: e, namespace: default, labels: {app: ''}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.2}\n---\n";
const policy = (spec: string) => `${pods}apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default}\nspec:\n${spec}`;
const warnings = (l: ReturnType<typeof load>) => l.diagnostics.items.filter((d) => d.code === "null-value").map((d) => [d.severity, d.line, formatPath(d.field ?? [])]);

test("a null list item of a built-in kind is its Go zero value, as the API server decodes it (encoding/json: null into a struct has no effect): `ingress: [null]` is `[{}]` and allows all, with a warning", () => {
  const ingress = policy("  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [null]\n");
  const l = load({ "np.yaml": ingress });
  assert.deepEqual(l.diagnostics.errors, []);
  assert.deepEqual(warnings(l), [["warning", 19, "spec.ingress[0]"]]);
  assert.match(l.diagnostics.items.find((d) => d.code === "null-value")!.message, /null is read as \{\}: a rule with no peers and no ports, which allows all ingress traffic/);
  // It was refused ("must be an object, not null"); --lenient then dropped the rule: a deny-all.
  const e = engineFor(ingress);
  assert.equal(verdict(e, "ip:8.8.8.8", "default/a", 5432), "allow");
  assert.equal(verdict(e, "ip:8.8.8.8", "default/a", 53, "UDP"), "allow");
  const egress = engineFor(policy("  podSelector: {}\n  policyTypes: [Egress]\n  egress: [~]\n"));
  assert.equal(verdict(egress, "default/a", "ip:8.8.8.8", 443), "allow");
  // A null port is NetworkPolicyPort{}: protocol defaulted to TCP (SetDefaults_NetworkPolicy), every port.
  const ports = engineFor(policy("  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{ports: [null]}]\n"));
  assert.equal(verdict(ports, "ip:8.8.8.8", "default/a", 5432), "allow");
  assert.equal(verdict(ports, "ip:8.8.8.8", "default/a", 53, "UDP"), "deny");
  // A null peer is NetworkPolicyPeer{}, which the API server refuses ("must specify a peer").
  const peer = load({ "np.yaml": policy("  podSelector: {}\n  ingress: [{from: [null]}]\n") });
  assert.deepEqual(peer.diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[18, "spec.ingress[0].from[0]"]]);
  assert.match(peer.diagnostics.errors[0].message, /must specify a peer/);
});

test("a null map value or string item of a built-in kind is \"\": matchLabels {app: null} selects pods labelled app: \"\", a selector's values [b, ~] are [b, \"\"], a label app: null is app: \"\"", () => {
  const deny = (selector: string) => policy(`  podSelector: ${selector}\n  policyTypes: [Ingress]\n`);
  const byNull = load({ "np.yaml": deny("{matchLabels: {app: null}}") });
  assert.deepEqual(byNull.diagnostics.errors, []);
  assert.deepEqual(warnings(byNull), [["warning", 17, "spec.podSelector.matchLabels.app"]]);
  assert.match(byNull.diagnostics.items.find((d) => d.code === "null-value")!.message, /null is read as "".*kubectl apply to an existing object deletes the key instead/);
  const e = engineFor(deny("{matchLabels: {app: null}}"));
  assert.equal(verdict(e, "ip:8.8.8.8", "default/e", 80), "deny");
  assert.equal(verdict(e, "ip:8.8.8.8", "default/a", 80), "allow");
  const notIn = engineFor(deny("{matchExpressions: [{key: app, operator: NotIn, values: [b, ~]}]}"));
  assert.equal(verdict(notIn, "ip:8.8.8.8", "default/e", 80), "allow");
  assert.equal(verdict(notIn, "ip:8.8.8.8", "default/a", 80), "deny");
  const label = load({ "p.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: nl, namespace: default, labels: {app: null}}\nspec: {containers: [{name: c, image: x}]}\n" });
  assert.deepEqual(label.diagnostics.errors, []);
  assert.deepEqual(label.inventory.endpoints.find((p) => p.name === "nl")?.labels, { app: "" });
  // A null field is still an absent one, with no warning.
  const absent = load({ "np.yaml": deny("{matchLabels: null}") });
  assert.deepEqual([absent.diagnostics.errors, warnings(absent)], [[], []]);
});

test("a null list item of a custom resource is refused, as its schema refuses it (nullable is false)", () => {
  const anp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec:\n  priority: 10\n  subject: {namespaces: {}}\n  ingress: [null]\n";
  const l = load({ "anp.yaml": anp });
  assert.deepEqual(l.diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[7, "spec.ingress[0]"]]);
  assert.deepEqual(warnings(l), []);
});
