// A file with tens of thousands of errors is judged in linear time: the step that puts an object's
// diagnostics in document order looked up each diagnostic's field among all of its parent's keys
// (Object.keys and indexOf per diagnostic), so a ConfigMap of 20,000 keys, each refused, took a
// minute (100,000 keys: half an hour); now the keys' positions are taken once per object. Counted,
// not timed: how often the object's keys are listed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Diagnostics } from "../../src/model/source.js";
import { checkObject } from "../../src/sources/schema/index.js";

test("an object with one error per key lists its keys a bounded number of times, and reports every error in document order", () => {
  const n = 500;
  const entries: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) entries[`k${i}`] = [i];
  let listed = 0;
  const data = new Proxy(entries, { ownKeys(target) { listed++; return Reflect.ownKeys(target); } });
  const obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data };
  const diags = new Diagnostics();
  checkObject({ apiVersion: "v1", kind: "ConfigMap", obj, ref: { file: "cm.yaml", doc: 0, path: [] } }, diags).finish();
  const fields = diags.items.filter((d) => d.severity === "error").map((d) => (d.field ?? []).join("."));
  assert.equal(fields.length, n);
  assert.deepEqual(fields, Array.from({ length: n }, (_, i) => `data.k${i}`));
  assert.ok(listed < 20, `the keys were listed ${listed} times for ${n} errors`);
});
