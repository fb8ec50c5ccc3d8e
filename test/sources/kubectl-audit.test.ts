// Cases found by an audit of Junction's reading against a real kubectl (v1.32, `kubectl label
// --local -f FILE k=v -o json` on an unknown kind, which prints the object kubectl read) and the
// upstream readers: go-yaml v2's scanner (scannerc.go) and resolver (resolve.go), apimachinery's
// document reader and YAML-or-JSON decoder (pkg/util/yaml/decoder.go), Go's encoding/json. Each
// case is restated in our own words with the reading kubectl gives; Junction reads the same or
// refuses with an error naming the line.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseKubeYaml, resolvePlain, splitKubectlDocuments } from "../../src/sources/kubeyaml.js";
import { parseBlockDocument } from "../../src/sources/blockyaml.js";
import { parseStrictJson } from "../../src/sources/strictjson.js";
import { readDocuments } from "../../src/sources/documents.js";
import { Diagnostics, formatDiagnostic } from "../../src/model/source.js";
import { renderManifests } from "../../src/targets/manifests.js";
import { load } from "../helpers.js";

const refused = (text: string, pattern: RegExp) => assert.throws(() => parseKubeYaml(text), pattern, JSON.stringify(text));
const read = (text: string) => parseKubeYaml(text);

/** Both readers (the fast block reader may decline, never disagree). */
function both(text: string): unknown {
  const full = read(text);
  const fast = parseBlockDocument(text);
  if (fast) assert.deepEqual(fast.value, full, `fast path: ${JSON.stringify(text)}`);
  return full;
}

/** The values and error lines of one file, as the loader reads it. */
function readFile(name: string, text: string): { values: unknown[]; errors: string[] } {
  const diags = new Diagnostics();
  const values = readDocuments({ name, text }, diags);
  return { values, errors: diags.errors.map(formatDiagnostic) };
}

test("resolve.go: a plain scalar starting with '.' goes to strconv.ParseFloat as written, which takes Go digit separators: kubectl reads .1_0 as 0.1", () => {
  assert.equal(resolvePlain(".1_0"), 0.1);
  assert.equal(resolvePlain(".5e1_0"), 0.5e10);
  for (const s of ["._5", ".5_", ".5__5", ".5_e5", ".5e_5"]) assert.equal(resolvePlain(s), s, s);
  assert.deepEqual(both("a: .1_0\nb: 1_0.5\n"), { a: 0.1, b: 10.5 });
  // The emitter quotes such strings now, so what it writes reads back as a string.
  assert.match(renderManifests([{ data: { v: ".1_0" } }], "yaml"), /v: "\.1_0"/);
});

test("scannerc.go plain scalars: inside [ ] and { } a '?' ends an unquoted value (kubectl fails on {path: /a?b}, and reads [?a] as [{a: null}]): refused", () => {
  refused("a: {path: /cart?id=7}\n", /"\/cart\?id=7" holds a '\?' inside/);
  refused("a: [x?y]\n", /holds a '\?'/);
  refused("a: [?a]\n", /holds a '\?'/);
  refused("a: {k?: 1}\n", /holds a '\?'/);
  assert.equal(parseBlockDocument("a: [x?y]\n"), undefined, "the fast path declines");
  // Outside flow collections, and quoted, a '?' is text to kubectl too.
  assert.deepEqual(both("a: /cart?id=7\nb: ['x?y', \"p?q\"]\n"), { a: "/cart?id=7", b: ["x?y", "p?q"] });
  // Explicit keys are kubectl's too.
  assert.deepEqual(read("a: {? k: 1}\n"), { a: { k: 1 } });
});

test("scannerc.go: in [ ] and { }, ':' is a value indicator only before a space or at a token's start: {a:, b} is the key 'a:' to kubectl, [:a] fails: refused", () => {
  refused("a: {app:, catalog}\n", /key "app:" .*no space/);
  refused("a: {x:}\n", /key "x:"/);
  refused("a: [x:, y]\n", /key "x:"/);
  refused("a: {x:[y]}\n", /key "x:"/);
  refused("a: [:x]\n", /starts with ':'/);
  refused("a: {k: :v}\n", /starts with ':'/);
  // What kubectl and Junction both read.
  assert.deepEqual(both("a: {x:y}\nb: [p:q]\nc: {\"k\":1}\nd: [k: v]\n"), { a: { "x:y": null }, b: ["p:q"], c: { k: 1 }, d: [{ k: "v" }] });
});

test("scannerc.go simple keys: a key's ':' must be on its line (kubectl fails on {a\\n : 1}) and at most 1024 characters after its start", () => {
  refused("a: {k\n  : 1}\n", /':' is on a later line/);
  refused("a: {\"k\n  l\": 1}\n", /':' is on a later line/);
  const long = "k".repeat(1025);
  refused(`${long}: 1\n`, /1024/);
  refused(`a: {${long}: 1}\n`, /more than 1024 characters/);
  assert.equal(parseBlockDocument(`${long}: 1\n`), undefined);
  assert.equal(parseBlockDocument(`a: {${long}: 1}\n`), undefined);
  const ok = "k".repeat(1024);
  assert.deepEqual(both(`${ok}: 1\n`), { [ok]: 1 });
  assert.deepEqual(both(`a: {${ok}: 1}\n`), { a: { [ok]: 1 } });
  // An explicit key has no such limit, and {a, b} (keys without ':') stays a mapping of nulls.
  assert.deepEqual(read(`? ${long}\n: 1\n`), { [long]: 1 });
  assert.deepEqual(read("a: {p, q}\n"), { a: { p: null, q: null } });
});

test("scannerc.go scan_to_next_token: 'Tabs are allowed ... but not at the beginning of the line or after -, ?, or :': kubectl fails where the yaml library reads white space", () => {
  // A blank line holding a tab, after a quoted scalar, a flow collection, a comment or a key.
  refused("a: 'x'\n\t\nb: 1\n", /a tab at the start of a line/);
  refused("a: [x]\n\t\nb: 1\n", /a tab at the start of a line/);
  refused("# c\n\t\na: 1\n", /a tab at the start of a line/);
  refused("a:\n\t\n  b: 1\n", /a tab at the start of a line/);
  // After a plain scalar, a tab left of (or at) its mapping's column "violates indentation".
  refused("a:\n  b: 1\n  \t\n  c: 2\n", /a tab at the start of a line/);
  refused("a: 1\n\t# c\nb: 2\n", /a tab at the start of a line/);
  refused("a:\n- x\n\t\n- y\n", /a tab at the start of a line/);
  // Right after '-' or '?'.
  refused("a:\n- \tx\n", /a tab after '-'/);
  refused("a:\n-\t{b: 1}\n", /a tab after '-'/);
  refused("a:\n  ? \tk\n", /a tab after '\?'/);
  // What kubectl reads: tabs after 'key:', before a comment, inside scalars, in flow collections, and
  // right of the column after a plain scalar.
  assert.deepEqual(read("a:\t1\nb: \t'x'\nc: 1 \t# c\nd: {e: \tf}\n"), { a: 1, b: "x", c: 1, d: { e: "f" } });
  assert.deepEqual(read("a:\n  b: 1\n   \t\n  c: 2\nd: 1\n \t\ne: |\n  x\n  \t\n  y\n"), { a: { b: 1, c: 2 }, d: 1, e: "x\n\t\ny\n" });
  assert.deepEqual(read("a: \"x\n\ty\"\nb:\n  c: x\n   \ty\n"), { a: "x y", b: { c: "x y" } });
});

test("kubectl's document reader cuts at every '---' line, so a %YAML or %TAG directive is left without its document (go-yaml: 'did not find expected <document start>'): refused", () => {
  const text = "%YAML 1.1\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n";
  const r = readFile("d.yaml", text);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0], /d\.yaml:1: invalid YAML: a YAML directive \(%YAML 1\.1\)/);
  refused("%TAG !e! tag:example.com,2000:\n", /a YAML directive \(%TAG/);
  // A '%' inside a scalar is text.
  assert.deepEqual(read("a: |\n  %x\nb: \"p\n%q\"\n"), { a: "%x\n", b: "p %q" });
});

test("decoder.go YAMLReader: the separator line is trimmed with Go's strings.TrimSpace, which keeps a U+FEFF: '---\\uFEFF' is an invalid separator to kubectl", () => {
  assert.throws(() => splitKubectlDocuments("a: 1\n---\uFEFF\nb: 2\n"), /invalid document separator/);
  assert.equal(splitKubectlDocuments("a: 1\n--- \t\nb: 2\n").length, 2);
});

test("encoding/json: a number beyond float64 fails ('cannot unmarshal number 1E400 into Go value of type float64'): refused with its line; JSON.parse would make it Infinity (null)", () => {
  const r = readFile("n.json", '{"apiVersion": "v1",\n "kind": "ConfigMap", "metadata": {"name": "a"},\n "x": [1E400]}');
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0], /n\.json:3: the number 1E400 is beyond the range of a 64-bit float/);
  assert.throws(() => parseStrictJson(`{"a": -${"9".repeat(400)}}`), /beyond the range/);
  assert.deepEqual(parseStrictJson('{"a": 1e-400, "b": 1.5e308}'), { a: 0, b: 1.5e308 });
});

test("encoding/json: a \\u escape of a lone UTF-16 surrogate decodes to U+FFFD (kubectl reads \"\\ud800\" as the replacement character), in values and keys", () => {
  assert.deepEqual(parseStrictJson('{"a": "x\\ud800y", "\\udc00": ["\\ud83d\\ude00"]}'), { a: "x\uFFFDy", "\uFFFD": ["\u{1F600}"] });
  assert.throws(() => parseStrictJson('{"\\ud800": 1, "\\udbff": 2}'), /duplicate field/);
});

test("decoder.go YAMLOrJSONDecoder: a JSON stream of several objects ({..}{..} or one per line) is that many objects to kubectl", () => {
  const ns = (n: string) => `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "${n}"}}`;
  const r = readFile("s.json", `${ns("a")}\n${ns("b")}${ns("c")}\n`);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.values.map((v) => (v as { metadata: { name: string } }).metadata.name), ["a", "b", "c"]);
  // Each value is checked as one JSON document: a duplicate in the second is named on its line.
  const dup = readFile("s.yaml", `${ns("a")}\n{"kind": "Namespace", "kind": "x"}\n`);
  assert.match(dup.errors[0], /s\.yaml:2: duplicate field "kind"/);
  // Not a JSON stream: kubectl (1.34+) reads the text as YAML, and so does Junction.
  const yaml = readFile("y.yaml", `${ns("a")}\n---\n${ns("b")}\n`);
  assert.deepEqual(yaml.errors, []);
  assert.equal(yaml.values.length, 2);
});

test("decoder.go NewYAMLOrJSONDecoder(r, 4096): only a '{' within the first 4096 bytes makes the stream JSON", () => {
  const far = readFile("f.yaml", `${" ".repeat(5000)}{"a": 1, "a": 2}\n`);
  // Read as YAML (where the duplicate is refused with the YAML message), not as JSON.
  assert.match(far.errors[0], /duplicate key "a" in a mapping/);
  const near = readFile("n.yaml", `${" ".repeat(100)}{"a": 1, "a": 2}\n`);
  assert.match(near.errors[0], /duplicate field "a"/);
});

test("duplicate keys: kubectl's YAML-to-JSON conversion silently keeps the last (kubectl reads {a: 1, a: 2} as {a: 2}); Junction refuses them and says so", () => {
  refused("a: {x: 1, x: 2}\n", /duplicate key "x" in a mapping: kubectl would silently keep only the last one/);
  assert.throws(() => parseStrictJson('{"x": 1, "x": 2}'), /duplicate field "x": kubectl would silently keep only the last one/);
});

test("apimachinery unstructured decoding: a kind that is not a non-empty string is \"Object 'Kind' is missing\", and a manifest without apiVersion is refused; items of a typed list take the list's", () => {
  const errorsOf = (text: string) => load({ "m.yaml": text }).diagnostics.errors.map(formatDiagnostic);
  assert.match(errorsOf("apiVersion: v1\nkind: 1\nmetadata: {name: a}\n")[0], /m\.yaml:2 kind: kind must be a non-empty string, not number 1/);
  assert.match(errorsOf("apiVersion: v1\nkind: \"\"\nmetadata: {name: a}\n")[0], /m\.yaml:2 kind: kind must be a non-empty string/);
  assert.match(errorsOf("apiVersion: v1\nmetadata: {name: a}\n")[0], /m\.yaml:1 kind: kind is missing/);
  assert.match(errorsOf("kind: Namespace\nmetadata: {name: a}\n")[0], /m\.yaml:1 apiVersion: apiVersion is missing \(the object has kind Namespace\)/);
  assert.match(errorsOf("apiVersion: 2\nkind: Namespace\nmetadata: {name: a}\n")[0], /m\.yaml:1 apiVersion: apiVersion must be a string, not number 2/);
  assert.match(errorsOf("apiVersion: v1\nkind: List\nitems:\n- kind: Namespace\n  metadata: {name: a}\n")[0], /m\.yaml:4 .*apiVersion is missing/);
  // A raw API list (`kubectl get --raw /api/v1/namespaces`): items carry neither.
  const raw = load({ "m.yaml": "apiVersion: v1\nkind: NamespaceList\nitems:\n- metadata: {name: a}\n- metadata: {name: b}\n" });
  assert.deepEqual(raw.diagnostics.errors, []);
  assert.deepEqual([...raw.inventory.namespaces.keys()].sort(), ["a", "b"]);
  // Neither apiVersion nor kind (a Helm values file): skipped with a warning, as before.
  const values = load({ "values.yaml": "replicas: 2\n", "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n" });
  assert.deepEqual(values.diagnostics.errors, []);
  assert.match(values.diagnostics.items.map(formatDiagnostic).join("\n"), /values\.yaml:1: not Kubernetes manifests \(no apiVersion\/kind\); skipped/);
});

test("apimachinery decodeToList: list items take the list's kind and apiVersion only when they have neither; kubectl refuses an item of a kind: List without a kind, and a non-object item", () => {
  // unstructuredJSONScheme.decodeToList: `if len(unstruct.GetKind()) == 0 && len(unstruct.GetAPIVersion()) == 0 { SetKind(TrimSuffix(listKind, "List")); SetAPIVersion(listAPIVersion) }`;
  // FlattenListVisitor then refuses an item without a kind ("Object 'Kind' is missing").
  const errorsOf = (text: string) => load({ "m.yaml": text }).diagnostics.errors.map(formatDiagnostic);
  assert.match(errorsOf("apiVersion: v1\nkind: List\nitems:\n- metadata: {name: a}\n")[0], /m\.yaml:4 kind: kind is missing, and a kind: List gives its items none/);
  assert.match(errorsOf("apiVersion: v1\nkind: NamespaceList\nitems:\n- apiVersion: v1\n  metadata: {name: a}\n")[0], /m\.yaml:4 kind: kind is missing \(the object has an apiVersion\)/);
  assert.match(errorsOf("apiVersion: v1\nkind: NamespaceList\nitems:\n- 3\n")[0], /m\.yaml:4: a list item must be an object, not number 3/);
  assert.match(errorsOf("apiVersion: v1\nkind: NamespaceList\nitems: {a: 1}\n")[0], /m\.yaml:3 items: items must be a list of objects, not an object/);
  // A kind that is not a string counts as none (GetKind() gives ""), so the item takes the list's.
  const odd = load({ "m.yaml": "apiVersion: v1\nkind: NamespaceList\nitems:\n- {kind: 5, metadata: {name: a}}\n" });
  assert.deepEqual(odd.diagnostics.errors, []);
  assert.deepEqual([...odd.inventory.namespaces.keys()], ["a"]);
});

test("apimachinery unstructuredJSONScheme.decode: any document with an items field is a list, whatever its kind (items: null is an empty one); a list inside a list is refused, as kubectl refuses it", () => {
  // `if det.Items != nil { list := &UnstructuredList{}; ... }`: the object itself is not applied, its items are (with a warning from us).
  const foo = load({ "m.yaml": "apiVersion: example.com/v1\nkind: Foo\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n" });
  assert.deepEqual(foo.diagnostics.errors, []);
  assert.deepEqual([...foo.inventory.namespaces.keys()], ["a"]);
  assert.match(foo.diagnostics.items.map(formatDiagnostic).join("\n"), /m\.yaml:3 items: kind Foo has an items field: kubectl reads it as a list and applies its items, not the Foo itself/);
  const empty = load({ "m.yaml": "apiVersion: v1\nkind: PodList\nitems: null\n", "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n" });
  assert.deepEqual(empty.diagnostics.errors, []);
  assert.equal(empty.inventory.endpoints.length, 0);
  // cli-runtime's FlattenListVisitor calls meta.ExtractList on an item whose items is a list, and an
  // *Unstructured has no Go field Items: kubectl (1.32, as master) fails on the whole list.
  const nested = load({ "m.yaml": "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n- kind: NamespaceList\n  items:\n  - {apiVersion: v1, kind: Namespace, metadata: {name: c}}\n" });
  assert.deepEqual([...nested.inventory.namespaces.keys()], []);
  assert.match(nested.diagnostics.errors.map(formatDiagnostic)[0], /m\.yaml:6 items: a list inside a list: kubectl refuses the whole list, none of its items is applied \("\*unstructured\.Unstructured is not a list: no Items field in this object"\)/);
});
