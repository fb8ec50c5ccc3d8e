// The fast block-YAML reader against the `yaml` library: same values, or it declines.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseDocument, parseAllDocuments, stringify } from "yaml";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseBlockDocument, splitDocuments } from "../../src/sources/blockyaml.js";
import { renderManifests } from "../../src/targets/manifests.js";

const reference = (text: string) => parseDocument(text, { uniqueKeys: false }).toJS({ maxAliasCount: 1000 });

/** Asserts the fast reader agrees with the library (or declines); returns whether it took the text. */
function agrees(text: string): boolean {
  const fast = parseBlockDocument(text);
  if (fast === undefined) return false;
  const doc = parseDocument(text, { uniqueKeys: false });
  assert.equal(doc.errors.length, 0, `fast path accepted invalid YAML:\n${text}`);
  assert.deepEqual(fast.value, reference(text), text);
  return true;
}

const scalarArb = fc.oneof(
  fc.string({ maxLength: 12 }), fc.constantFrom("true", "False", "null", "~", "0o17", "0x1F", "1e3", ".5", "-.inf", ".nan", "08", "+12", "a: b", "#x", "x #y", "- a", "'q'", "\"d\"", "{a}", "[b]", "@x", "a\nb", "tab\tin", "ü"),
  fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null),
);
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalarArb, tie("list"), tie("map")),
  list: fc.array(tie("value"), { maxLength: 4 }),
  map: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("app.kubernetes.io/name", "80", "true", "a b", "k:v")), tie("value"), { maxKeys: 4 }),
})).value;

test("block YAML: agrees with the yaml library on random values in several styles", () => {
  let taken = 0;
  fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), valueArb, { minKeys: 1, maxKeys: 5 }), (obj) => {
    for (const text of [renderManifests([obj], "yaml"), stringify(obj), stringify(obj, { collectionStyle: "flow" }), stringify(obj, { indentSeq: false, defaultStringType: "QUOTE_SINGLE" })]) {
      if (agrees(text)) taken++;
    }
  }), { numRuns: 400, seed: 42 });
  assert.ok(taken > 600, `the fast path took only ${taken} texts`);
});

test("block YAML: the emitter's manifests always take the fast path", () => {
  fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), valueArb, { minKeys: 1, maxKeys: 5 }), (obj) => {
    const text = renderManifests([obj], "yaml");
    if (/[\t\r]/.test(text)) return;
    assert.ok(agrees(text), text);
  }), { numRuns: 300, seed: 5 });
});

const CASES: Record<string, string> = {
  comments: "# head\na: 1 # one\nb: 'x # y' # two\nc: \"p#q\"\n# mid\nd:\n  # inner\n  e: f\n",
  compactSeq: "spec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: 80\n      name: http\n  - name: b\n",
  indentedSeq: "a:\n  - 1\n  -  two\n  -\n    x: y\n",
  literal: "a: |\n  line 1\n\n  # not a comment\n    indented\nb: |-\n  x\nc: |+\n  y\n\nd: 1\n",
  folded: "a: >\n  one\n  two\n\n  three\nb: >-\n  x\n  y\n",
  flow: "a: {x: 1, y: [a, 'b', \"c\"]}\nb: []\nc: {}\nd: [1, 2.5, true, null]\n",
  quotedKeys: "\"a b\": 1\n'c''d': 2\n\"80\": x\n",
  nullValues: "a:\nb: ~\nc: null\n",
  emptyDoc: "# only a comment\n",
  topList: "- a\n- b: c\n  d: e\n",
  scalars: "a: 0o17\nb: 0x1f\nc: 1e3\nd: -.inf\ne: 08\nf: +5\ng: 1.50\nh: True\ni: yes\nj: 12:30\n",
  urls: "a: http://example.com:8080/x\nb: - \n",
  declined: "a: &x 1\nb: *x\n",
  multiline: "a: one\n  two\n",
  badIndent: "a:\n    b: 1\n  c: 2\n",
  tabs: "a:\tb\n",
};

test("block YAML: named cases agree with the yaml library or are declined", () => {
  for (const [name, text] of Object.entries(CASES)) {
    try { agrees(text); } catch (e) { assert.fail(`${name}: ${(e as Error).message}`); }
  }
  for (const name of ["comments", "compactSeq", "indentedSeq", "literal", "folded", "flow", "quotedKeys", "nullValues", "emptyDoc", "topList", "scalars"]) {
    assert.ok(parseBlockDocument(CASES[name]) !== undefined, `${name} should take the fast path`);
  }
  for (const name of ["declined", "multiline", "badIndent", "tabs"]) assert.equal(parseBlockDocument(CASES[name]), undefined, name);
});

test("block YAML: documents split as the yaml library splits them", () => {
  const text = "# lead\n---\na: 1\n---\n---\nb: 2\n--- # c\nc: 3\n";
  const ranges = splitDocuments(text)!;
  const docs = parseAllDocuments(text).map((d) => d.toJS());
  assert.deepEqual(ranges.map(([s, e]) => parseBlockDocument(text.slice(s, e))!.value), docs);
  assert.equal(splitDocuments("%YAML 1.2\n---\na: 1\n"), undefined);
});

test("block YAML: every example manifest reads the same through both paths", () => {
  const files = readdirSync("examples", { recursive: true }).map(String).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 3);
  for (const f of files) {
    const text = readFileSync(join("examples", f), "utf8");
    const ranges = splitDocuments(text);
    if (!ranges) continue;
    const fast = ranges.map(([s, e]) => parseBlockDocument(text.slice(s, e))?.value);
    const ref = parseAllDocuments(text, { uniqueKeys: false }).map((d) => d.toJS());
    assert.deepEqual(fast.filter((v) => v !== null), ref.filter((v) => v !== null), f);
  }
});
