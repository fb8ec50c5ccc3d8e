// A large JSON file's text is dropped once parsed and read again only when asked for (a line
// number, a second load): at 100k pods the dump's text is 230 MB nothing else needs. Pinned here:
// lines still come from the very text loaded, and a file that changed since is an error, never a
// line counted in other text.

import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempFiles } from "../helpers.js";
import { loadPaths, RELEASE_AT } from "../../src/sources/load.js";
import { InputChangedError, releaseText } from "../../src/sources/read.js";

/** A List of namespaces, pretty-printed, larger than RELEASE_AT; its last item has a typo'd field. */
function bigList(typo = true): string {
  const items: unknown[] = [];
  for (let i = 0; JSON.stringify(items).length < RELEASE_AT * 1.5; i++) items.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: `ns-${i}`, labels: { team: `team-${i}`, env: "prod" } } });
  if (typo) items.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: "last", labelz: { a: "b" } } });
  return JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2) + "\n";
}

const released = (file: object) => typeof Object.getOwnPropertyDescriptor(file, "text")?.get === "function";

test("a large JSON file's text is released after loading; its diagnostics get the line in that text, read again", () => {
  const text = bigList();
  const t = tempFiles({ "big.json": text, "small.json": JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "small" } }) });
  try {
    const l = loadPaths([t.dir]);
    const big = l.inputs.find((f) => f.name.endsWith("big.json"))!, small = l.inputs.find((f) => f.name.endsWith("small.json"))!;
    const typo = l.diagnostics.errors.find((d) => d.code === "unknown-field");
    assert.ok(typo, l.diagnostics.items.map((d) => d.message).join("\n"));
    assert.equal(typo.line, text.slice(0, text.indexOf('"labelz"')).split("\n").length, "the line of labelz in the file as loaded");
    assert.ok(!released(small), "a small file keeps its text");
    assert.equal(big.text, text, "read again: the same text");
    assert.ok(!released(big), "and held from then on");
    assert.equal(l.inventory.namespaces.size > 100, true);
  } finally { t.cleanup(); }
});

test("a released file that changed on disk since it was loaded: reading its text is an InputChangedError naming it; the locator gives no line", () => {
  const t = tempFiles({ "big.json": bigList(false) });
  try {
    const l = loadPaths([t.dir]);
    const big = l.inputs[0];
    assert.equal(l.diagnostics.items.length, 0);
    assert.ok(released(big), "no diagnostics: its text was not asked for again");
    appendFileSync(join(t.dir, "big.json"), " ");
    assert.throws(() => big.text, (e: unknown) => e instanceof InputChangedError && /big\.json changed while junction was using it/.test(e.message));
    assert.equal(l.locator.lineOf({ file: big.name, doc: 0, path: ["items", 0] }), undefined, "no line from other text");
    assert.equal(l.locator.text(big.name), undefined, "nor its text (serve's source view)");
  } finally { t.cleanup(); }
});

test("texts not read from a file (stdin, given as strings) or replaced after reading are never released", () => {
  const t = tempFiles({ "a.yaml": "apiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: a}\r\n" });
  try {
    assert.equal(releaseText({ name: "<stdin>", text: "{}" }), false);
    const l = loadPaths([join(t.dir, "a.yaml")]);
    const file = l.inputs[0];
    assert.notEqual(file.text, readFileSync(join(t.dir, "a.yaml"), "utf8"), "CRLF normalized");
    assert.equal(releaseText(file), false, "a replaced text stays");
  } finally { t.cleanup(); }
});

test("a large YAML file is released too (its values are not views of its text), and its lines are still found", () => {
  let text = "";
  for (let i = 0; text.length < RELEASE_AT * 1.5; i++) text += `---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${i}\n  labels:\n    team: a-rather-long-team-name-${i}\n`;
  text += "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: last\n  labelz: {a: b}\n";
  const t = tempFiles({ "big.yaml": text });
  try {
    const l = loadPaths([t.dir]);
    assert.equal(l.inventory.namespaces.get("ns-7")?.labels.team, "a-rather-long-team-name-7");
    const typo = l.diagnostics.errors.find((d) => d.code === "unknown-field");
    assert.equal(typo?.line, text.split("\n").indexOf("  labelz: {a: b}") + 1);
    assert.equal(l.inputs[0].text, text);
  } finally { t.cleanup(); }
});
