// Input audit, sixth round: custom resources' metadata as the API server decodes it, IPv4-mapped
// addresses, flow readers' typed values and kubectl's file reading.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, load, verdict } from "../helpers.js";
import { formatPath } from "../../src/model/source.js";

const nullWarnings = (l: ReturnType<typeof load>) => l.diagnostics.items.filter((d) => d.code === "null-value").map((d) => [d.severity, d.line, formatPath(d.field ?? [])]);

test("a custom resource's metadata is metav1.ObjectMeta to the API server: a null label or annotation value is \"\", a null finalizer \"\" (apiextensions-apiserver objectmeta.GetObjectMetaWithOptions round-trips it through sigs.k8s.io/json), with a warning; its spec's nulls are still refused", () => {
  const anp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: a\n  labels: {app: null}\n  annotations: {note: ~}\n  finalizers: [null]\n"
    + "spec:\n  priority: 10\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n";
  const l = load({ "anp.yaml": anp });
  assert.deepEqual(l.diagnostics.errors, []);
  assert.deepEqual(nullWarnings(l), [["warning", 5, "metadata.labels.app"], ["warning", 6, "metadata.annotations.note"], ["warning", 7, "metadata.finalizers[0]"]]);
  // A wrong type is still an error (the coercer's request decoding does not drop malformed fields).
  assert.deepEqual(load({ "anp.yaml": anp.replace("{app: null}", "{app: [1]}") }).diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[5, "metadata.labels.app"]]);
  // The spec is the CRD schema's: nullable is false.
  assert.deepEqual(load({ "anp.yaml": anp.replace("[{namespaces: {}}]", "[null]") }).diagnostics.errors.map((d) => formatPath(d.field ?? [])), ["spec.ingress[0].from[0]"]);

  // A Calico GlobalNetworkSet labelled {kind: null} is labelled kind: "", which has(kind) selects.
  const set = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: partners, labels: {kind: null}}\nspec: {nets: [203.0.113.0/24]}\n---\n";
  const pods = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.1}\n---\n";
  const gnp = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec:\n  selector: app == 'a'\n  types: [Egress]\n  egress: [{action: Allow, destination: {selector: has(kind)}}]\n";
  const e = engineFor(set + pods + gnp);
  assert.equal(verdict(e, "x/a", "ip:203.0.113.5", 443), "allow");
  assert.equal(verdict(e, "x/a", "ip:198.51.100.5", 443), "deny");
  // A kind with no vendored schema (KubeVirt's VirtualMachine) too.
  const vm = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: vm, namespace: x, labels: {app: null}}\nspec:\n  template:\n    metadata: {labels: {vm: v}}\n    spec: {domain: {devices: {}}}\n";
  const v = load({ "vm.yaml": vm });
  assert.deepEqual(v.diagnostics.errors, []);
  assert.deepEqual(nullWarnings(v), [["warning", 3, "metadata.labels.app"]]);
});
