// The locator's lines in a text that has no document ranges of its own (a source made on demand, a
// file the load did not read): documents are counted and keys read as kubectl reads them, so that
// a reference made by the reader (documents.ts: kubectl's split, YAML 1.1 keys) names its line.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Locator } from "../../src/sources/locate.js";

const lineOf = (text: string, doc: number, field: (string | number)[]) => new Locator([{ name: "x.yaml", text }]).lineOf({ file: "x.yaml", doc, path: [] }, field);

test("documents are counted as kubectl splits them: a leading '---' makes an empty document 0, a comment after '---' is allowed", () => {
  const text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n--- # the second\n# comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";
  // kubectl's documents: "" (0), a (1), b (2); the yaml library alone counts a as 0 and b as 1.
  assert.equal(lineOf(text, 1, ["metadata", "name"]), 4);
  assert.equal(lineOf(text, 2, ["metadata", "name"]), 10);
});

test("keys are read as go-yaml v2 reads them (YAML 1.1): `on:` is the key \"true\", `0x10:` the key \"16\"", () => {
  const text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n  on: x\n  0x10: y\n";
  assert.equal(lineOf(text, 0, ["data", "true"]), 5);
  assert.equal(lineOf(text, 0, ["data", "16"]), 6);
});

test("a CRLF text and a quoted scalar continued below its key's column keep their lines", () => {
  assert.equal(lineOf("---\r\na: 1\r\n---\r\nb:\r\n  c: 'x\r\n y'\r\n  d: 2\r\n", 2, ["b", "d"]), 7);
  assert.equal(lineOf("spec:\n  config: '{\n    \"a\": 1\n  }'\n  next: 1\n", 0, ["spec", "next"]), 5);
});
