// Input audit, twenty-fourth round: hostile YAML named at kubectl's line, and API server validation
// cases (pkg/apis/core/validation, networking/validation, discovery/validation) compared with what
// Junction accepted or refused.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { load } from "../helpers.js";

const errorsOf = (files: Record<string, string>) => load(files).diagnostics.errors.map(formatDiagnostic);

test("a syntax error before a collection nested past 1,000 levels is the error named, at its line (go-yaml stops at its first error and allows 10,000 levels): 1,500 lines `k: v: w` were named at line 1002, kubectl names line 4", () => {
  const header = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n";
  const body = "  k: v: w\n".repeat(1500);
  const [e] = errorsOf({ "c.yaml": header + body });
  assert.match(e, /^c\.yaml:5: invalid YAML: /);
  assert.doesNotMatch(e, /nested/);
  // The same with a sequence of such entries, and an error before 5,000 flow levels.
  assert.match(errorsOf({ "s.yaml": "- k: v: w\n".repeat(1500) })[0], /^s\.yaml:1: invalid YAML: (?!nested)/);
  assert.match(errorsOf({ "f.yaml": `a: b: c\nx: ${"[".repeat(5000)}\n` })[0], /^f\.yaml:1: invalid YAML: (?!nested)/);
  // An error after the deep collection is not kubectl's first: the nesting is named, at its line.
  const deep = Array.from({ length: 1100 }, (_, i) => `${"  ".repeat(i)}k${i}:\n`).join("");
  assert.match(errorsOf({ "d.yaml": `${deep}z: a: b\n` })[0], /^d\.yaml:1001: invalid YAML: nested more than 1000 levels deep$/);
  // A deep flow collection with nothing wrong before it.
  assert.match(errorsOf({ "g.yaml": `a: 1\nb: ${"[".repeat(20000)}${"]".repeat(20000)}\n` })[0], /^g\.yaml:2: invalid YAML: nested more than 1000 levels deep$/);
});
