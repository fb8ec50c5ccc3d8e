// A document with many syntax errors: go-yaml v2 (kubectl) stops at the first error; the `yaml`
// library reports all of them and composes the rest, at about 2 KB of memory per erroneous line.
// Junction reports the first one, as kubectl does, and stops composing after MAX_COMPOSE_ERRORS.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { indentQuotedScalars, MAX_COMPOSE_ERRORS, parseKubeYaml, KubeYamlError } from "../../src/sources/kubeyaml.js";
import { load } from "../helpers.js";

const manyErrors = (n: number) => "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nitems:\n" + Array.from({ length: n }, (_, i) => `  - k${i}: v: w\n`).join("");

test("composing stops after MAX_COMPOSE_ERRORS errors: the errors kept are the first ones, and the first is reported at its line", () => {
  const text = manyErrors(5000);
  const docs = indentQuotedScalars(text).docs;
  const errors = docs.flatMap((d) => d.errors);
  // (A few errors reach the document without the Composer's onError: CST error tokens.)
  assert.ok(errors.length >= MAX_COMPOSE_ERRORS && errors.length < MAX_COMPOSE_ERRORS + 10, `${errors.length} errors`);
  assert.equal(errors[0].pos[0], text.indexOf("v: w"));
  assert.throws(() => parseKubeYaml(text), (e: unknown) => e instanceof KubeYamlError && e.offset === text.indexOf("v: w") && /Nested mappings/.test(e.message));
  const diags = load({ "in.yaml": `apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n${text}` }).diagnostics.errors.map(formatDiagnostic);
  assert.equal(diags.length, 1);
  assert.match(diags[0], /^in\.yaml:9: invalid YAML: Nested mappings are not allowed in compact mappings/);
});

test("a quoted scalar kubectl reads (continued below its key's column) before many errors: still read as kubectl reads it, the first real error reported", () => {
  const text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nitems:\n  - config: '{\n      \"a\": 1\n    }'\n" + Array.from({ length: 300 }, (_, i) => `  - k${i}: v: w\n`).join("");
  assert.throws(() => parseKubeYaml(text), (e: unknown) => e instanceof KubeYamlError && e.offset === text.indexOf("v: w"));
  // Fewer errors than the bound: all composed, as before.
  assert.equal(indentQuotedScalars(manyErrors(10)).docs.flatMap((d) => d.errors).length, 10);
});
