// sigs.k8s.io/yaml and JSON decoding corners, as kubectl and the API server read them (audit of the
// twenty-third stop; each was already read so, these keep it):
// - field names are case-sensitive: the API server decodes with sigs.k8s.io/json
//   (UnmarshalCaseSensitivePreserveInts), not encoding/json's case-insensitive matching, and strict
//   field validation (kubectl's default --validate=strict) refuses `Spec` as an unknown field; kubectl
//   finds no `Kind` ("Object 'Kind' is missing");
// - an escaped key is its decoded text (JSON `"kin\u0064"`, YAML `"kin\x64"` are `kind`);
// - a number written as a float with an integer value (`1e3`, `81.0`) is that integer: kubectl
//   decodes it and sends it again as `1000`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { load } from "../helpers.js";

const read = (text: string) => { const l = load({ "in.yaml": text }); return { errors: l.diagnostics.errors.map(formatDiagnostic), l }; };

test("field names are case-sensitive, in YAML and JSON: `Spec`, `Metadata` are unknown fields, `Kind` is no kind", () => {
  assert.deepEqual(read("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: a}\nSpec:\n  podSelector: {}\n").errors, ['in.yaml:4 Spec: unknown field "Spec" (did you mean "spec"?)']);
  assert.deepEqual(read('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}, "Metadata": {"name": "b"}}').errors, ['in.yaml:1 Metadata: unknown field "Metadata" (did you mean "metadata"?)']);
  assert.match(read("apiVersion: v1\nKind: Namespace\nmetadata: {name: a}\n").errors[0], /Object 'Kind' is missing/);
});

test("escaped keys are their text; integral floats are integers", () => {
  const json = read('{"apiVersion": "v1", "kin\\u0064": "Service", "metadata": {"name": "s", "namespace": "a"}, "spec": {"selector": {"app": "a"}, "ports": [{"name": "a", "port": 1e3}, {"name": "b", "port": 81.0}]}}');
  assert.deepEqual(json.errors, []);
  assert.deepEqual(json.l.inventory.services[0].ports.map((p) => p.port), [1000, 81]);
  const yaml = read('apiVersion: v1\n"kin\\x64": Service\nmetadata: {name: s, namespace: a}\nspec: {selector: {app: a}, ports: [{port: 1e3}]}\n');
  assert.deepEqual(yaml.errors, []);
  assert.deepEqual(yaml.l.inventory.services[0].ports.map((p) => p.port), [1000]);
});
