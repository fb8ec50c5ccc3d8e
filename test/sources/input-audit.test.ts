// Hostile-input and kubectl-fidelity audit (second round): what the CLI says about bad input names
// the file, the line and the field, and a large file costs no more to report an error in than to read.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { LineCounter, parseDocument, stringify, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import { cli, tempFiles } from "../helpers.js";
import { parseBlockDocument } from "../../src/sources/blockyaml.js";
import { BlockLines } from "../../src/sources/blocklocate.js";
import { BLOCK_INDEX_FROM } from "../../src/sources/locate.js";
import { KubeYamlError, MAX_FULL_YAML_VALUES, parseKubeYaml } from "../../src/sources/kubeyaml.js";
import { renderManifests } from "../../src/targets/manifests.js";

const NS = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;

test("validate: a YAML error names the file and line (as list does), a folder's skipped README is a note, not a failure, and --max-input-size applies", async () => {
  const t = tempFiles({
    "ok/ns.yaml": NS("a"), "ok/README.md": "# notes\n",
    "bad/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\ndata:\n  a: b\n  ~: d\n",
  });
  try {
    const ok = await cli(["validate", "-f", join(t.dir, "ok")]);
    assert.equal(ok.code, 0, ok.err + ok.out);
    assert.match(ok.out, /note: .*ok: skipped 1 file without a \.yaml\/\.yml\/\.json extension/);
    assert.match(ok.out, /^valid: 0 errors/m);
    const bad = await cli(["validate", "-f", join(t.dir, "bad")]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /bad\/cm\.yaml:6: invalid YAML: a null mapping key/);
    const big = await cli(["validate", "-f", join(t.dir, "ok"), "--max-input-size", "10"]);
    assert.equal(big.code, 2);
    assert.match(big.err, /ns\.yaml: the input is larger than the limit of 10 bytes in all \(raise it with --max-input-size\)/);
  } finally { t.cleanup(); }
});

test("a large document's lines are found from its indentation (blocklocate.ts) exactly where the yaml library puts them, on random values in several styles", () => {
  let taken = 0, paths = 0, tabbedTaken = 0;
  fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), valueArb, { minKeys: 1, maxKeys: 5 }), (obj) => {
    const block = renderManifests([obj], "yaml");
    // Tabs where go-yaml reads them: after a key's ':', before and in comments.
    const tabbed = block.replace(/^---\n/, "").replace(/^( *[a-z][^:'"\n#]*):( |$)/gm, "$1:\t").replace(/^(.+)$/gm, "$1 \t# a\tcomment");
    for (const text of [block, tabbed, stringify(obj), stringify(obj, { indentSeq: false, defaultStringType: "QUOTE_SINGLE" }), `# head\n---\n${stringify(obj)}\n# tail\n`]) {
      const fast = parseBlockDocument(text);
      const lines = BlockLines.of(text);
      assert.equal(lines !== undefined, fast !== undefined, "indexed exactly when the fast reader reads it");
      if (!fast || !lines) continue;
      taken++;
      if (text === tabbed) tabbedTaken++;
      for (const path of pathsOf(fast.value)) {
        paths++;
        assert.equal(lines.lineOf(path), referenceLine(text, path), `${JSON.stringify(path)} in\n${text}`);
      }
    }
  }), { numRuns: 300, seed: 7 });
  assert.ok(taken > 300 && paths > 3000 && tabbedTaken > 100, `only ${taken} texts (${tabbedTaken} with tabs), ${paths} paths`);
});

test("an error deep in a large kind: List (a cluster dump) gets its line (found from indentation: the yaml library would take about 1 KB per value of the whole document)", async () => {
  const pod = (i: number) => [`- apiVersion: v1`, `  kind: Pod`, `  metadata:`, `    name: p${i}`, `    namespace: default`, `    labels: {app: web}`, `  spec:`, `    containers:`, `    - name: c`, `      image: nginx`, `      ports:`, `      - containerPort: 80`, `        name: http`];
  const lines = ["apiVersion: v1", "kind: List", "items:"];
  for (let i = 0; i < 3000; i++) lines.push(...pod(i));
  const bad = lines.indexOf("    name: p2500") + 1;
  lines.splice(bad, 0, "    bogusLabel: x");
  const text = lines.join("\n") + "\n";
  assert.ok(text.length > BLOCK_INDEX_FROM);
  const t = tempFiles({ "dump.yaml": text });
  try {
    const r = await cli(["validate", "-f", join(t.dir, "dump.yaml")]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, new RegExp(`dump\\.yaml:${bad + 1} metadata\\.bogusLabel: unknown field "bogusLabel"`));
  } finally { t.cleanup(); }
});

const scalarArb = fc.oneof(
  fc.string({ maxLength: 12 }), fc.constantFrom("true", "null", "~", "0x1F", "a: b", "#x", "x #y", "- a", "'q'", "\"d\"", "{a}", "[b]", "a\nb", "a\n\n  b\n", "ü"),
  fc.integer(), fc.boolean(), fc.constant(null),
);
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalarArb, tie("list"), tie("map")),
  list: fc.array(tie("value"), { maxLength: 4 }),
  map: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("app.kubernetes.io/name", "80", "a b", "k:v", "- x", "#c")), tie("value"), { maxKeys: 4 }),
})).value;

/** Every path in a value, and a missing key or index under each mapping and sequence. */
function pathsOf(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  const out = [path];
  if (Array.isArray(v)) { v.forEach((x, i) => out.push(...pathsOf(x, [...path, i]))); out.push([...path, v.length]); }
  else if (v && typeof v === "object") { for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...path, k])); out.push([...path, "zz-missing"]); }
  return out;
}

/** The 0-based line locate.ts gives from the yaml library's positions (key for entries, node start for items). */
function referenceLine(text: string, path: (string | number)[]): number {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false, version: "1.1" });
  let node: unknown = doc.contents;
  let offset = (node as Node).range![0];
  for (const key of path) {
    let next: { value: unknown; offset: number } | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (pair) next = { value: pair.value, offset: (pair.key as Node).range![0] };
    } else if (isSeq(node) && typeof key === "number" && node.items[key] !== undefined) {
      next = { value: node.items[key], offset: (node.items[key] as Node).range![0] };
    }
    if (!next) break;
    node = next.value; offset = next.offset;
  }
  return counter.linePos(offset).line - 1;
}

test("a document too large for the yaml library (over 1M lines and values) that is not plain block YAML is refused at the line where it stops being plain, instead of running out of memory", async () => {
  // A tab in a comment (line 4) is plain block YAML; the multi-line flow collection (line 7) is not.
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n# a\ttab\ndata:\n  a: "[${"1,".repeat(MAX_FULL_YAML_VALUES)}1]"\nx: [${"1,".repeat(10)}\n  1]\n`;
  assert.throws(() => parseKubeYaml(text), (e: unknown) => e instanceof KubeYamlError && e.offset === text.indexOf("x: [") && /not plain block YAML from this line on/.test(e.message));
  const t = tempFiles({ "big.yaml": text });
  try {
    const r = await cli(["list", "-f", join(t.dir, "big.yaml")]);
    assert.equal(r.code, 2);
    assert.match(r.err, /big\.yaml:7: invalid YAML: this document has over 1M lines and values and is not plain block YAML/);
    const plain = await cli(["validate", "-f", join(t.dir, "big.yaml")], "");
    assert.doesNotMatch(plain.err, /Error|\n\s+at /);
  } finally { t.cleanup(); }
  // Below the limit, the same text is read by the yaml library as before.
  assert.deepEqual(parseKubeYaml("a: 1\n# a\ttab\nb: [1,\n  2]\n"), { a: 1, b: [1, 2] });
});
