// YAML and JSON read exactly as kubectl reads them (sigs.k8s.io/yaml → go-yaml v2 → encoding/json;
// apimachinery's document splitter; the API server's strict JSON decoding), or refused. Each test
// quotes the upstream behaviour it pins.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseKubeYaml, splitKubectlDocuments, formatFloat32, int64Number } from "../../src/sources/kubeyaml.js";
import { parseStrictJson } from "../../src/sources/strictjson.js";
import { formatDiagnostic } from "../../src/model/source.js";
import { cli, load, tempFiles } from "../helpers.js";

const read = (text: string) => parseKubeYaml(text) as Record<string, unknown>;
const refused = (text: string, pattern: RegExp) => assert.throws(() => parseKubeYaml(text), pattern, text);
const errorsOf = (files: Record<string, string>) => load(files).diagnostics.errors.map(formatDiagnostic);

test("resolve.go: y/Y/yes/Yes/YES/true/True/TRUE/on/On/ON are true; the n/no/false/off family false; ''/~/null/Null/NULL null", () => {
  assert.deepEqual(read("a: yes\nb: Y\nc: on\nd: ON\ne: True\nf: n\ng: No\nh: off\ni: FALSE\nj: ~\nk:\nl: NULL\nm: yEs\nn2: 'yes'\n"),
    { a: true, b: true, c: true, d: true, e: true, f: false, g: false, h: false, i: false, j: null, k: null, l: null, m: "yEs", n2: "yes" });
});

test("resolve.go: integers by strconv.ParseInt(s, 0, 64) after removing '_': 010 is octal, 0o/0x/0b prefixes, signs", () => {
  assert.deepEqual(read("a: 010\nb: 0o17\nc: 0x1F\nd: 0X1f\ne: 0b101\nf: 1_000\ng: +12\nh: -0x10\ni: 0\nj: -010\n"),
    { a: 8, b: 15, c: 31, d: 31, e: 5, f: 1000, g: 12, h: -16, i: 0, j: -8 });
});

test("resolve.go: 08 is not octal, so it is the float 8; floats match yamlStyleFloat; .5 and 1e3 are numbers", () => {
  assert.deepEqual(read("a: 08\nb: 1e3\nc: .5\nd: 1.\ne: +.5\nf: 6.02e+23\ng: 1_0.5\n"), { a: 8, b: 1000, c: 0.5, d: 1, e: 0.5, f: 6.02e23, g: 10.5 });
});

test("resolve.go: 'Base 60 floats ... are purposefully unsupported': 1:20 stays a string (the yaml library's 1.1 schema says 80)", () => {
  assert.deepEqual(read("a: 1:20\nb: 8080:80\n"), { a: "1:20", b: "8080:80" });
});

test("decode.go: timestamps into interface{} are kept as strings ('for backward compatibility reasons we set it as a string')", () => {
  assert.deepEqual(read("a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\n"), { a: "2001-12-14", b: "2001-12-14t21:59:43.10-05:00" });
});

test("big numbers: ParseInt then ParseUint (uint64 up to 2^64-1), then float; out-of-range floats fail ParseFloat and stay strings", () => {
  const v = read("a: 9223372036854775807\nb: 18446744073709551615\nc: 18446744073709551616\nd: 1e400\ne: 0xFFFFFFFFFFFFFFFFFF\n");
  // (2^63 - 1 is no double: it is read as the largest one below 2^63, kept in int64's range: kubeyaml.ts int64Number.)
  assert.deepEqual(v, { a: 2 ** 63 - 1024, b: 18446744073709551615, c: 18446744073709551616, d: "1e400", e: "0xFFFFFFFFFFFFFFFFFF" });
});

test("encoding/json cannot marshal .inf/.nan ('json: unsupported value'), so kubectl fails: refused", () => {
  refused("a: .inf\n", /infinity or NaN/);
  refused("a: -.Inf\n", /infinity or NaN/);
  refused("a: .nan\n", /infinity or NaN/);
  assert.deepEqual(read("a: !!str .inf\nb: '.nan'\n"), { a: ".inf", b: ".nan" });
});

test("decode.go mapping(): a << merge sets its keys in place, so an explicit key written BEFORE the merge is overwritten", () => {
  assert.deepEqual(read("b: &b {x: 1, z: 2}\nm:\n  x: 9\n  <<: *b\n").m, { x: 1, z: 2 });
  assert.deepEqual(read("b: &b {x: 1, z: 2}\nm:\n  <<: *b\n  x: 9\n").m, { x: 9, z: 2 });
});

test("decode.go merge(): a sequence of maps merges with earlier maps taking precedence; anything else is 'map merge requires map or sequence of maps'", () => {
  assert.deepEqual(read("a: &a {p: 1}\nb: &b {p: 2, q: 2}\nm:\n  <<: [*a, *b]\n").m, { p: 1, q: 2 });
  refused("a: &a 1\nm:\n  <<: *a\n", /map merge requires map or sequence of maps/);
  refused("m:\n  <<: [1]\n", /map merge requires map or sequence of maps/);
  assert.deepEqual(read("m:\n  '<<': {a: 1}\n").m, { "<<": { a: 1 } }, "a quoted << is an ordinary key");
});

test("sigs.k8s.io/yaml convertToJSONableObject: int keys in decimal, float keys by FormatFloat(f, 'g', -1, 32), bool keys true/false", () => {
  assert.deepEqual(Object.keys(read("1: a\n0x10: b\n1.5: c\n3.14159265358979: d\n1e6: e\nyes: f\nn: g\n")).sort(),
    ["1", "1.5", "1e+06", "16", "3.1415927", "false", "true"].sort());
  assert.equal(read("on: h\n").true, "h", "the GitHub Actions key `on` is true");
  assert.deepEqual([1e6, 0.1, 1e21, 1234567, 0.0001, 0.00001].map(formatFloat32), ["1e+06", "0.1", "1e+21", "1.234567e+06", "0.0001", "1e-05"]);
});

test("convertToJSONableObject: a null key, a uint64 key and a map or sequence key ('invalid map key') are errors", () => {
  refused("~: a\n", /null mapping key/);
  refused("18446744073709551615: a\n", /unsigned 64-bit/);
  refused("? [a]\n: b\n", /invalid map key/);
});

test("explicit tags: !!str keeps text, !!int/!!float/!!bool resolve, a wrong one is 'cannot decode', custom tags are strings, !!binary decodes base64", () => {
  assert.deepEqual(read("a: !!str 010\nb: !!int '12'\nc: !!float 1\nd: !custom yes\ne: ! 12\nf: !!binary aGVsbG8=\n"), { a: "010", b: 12, c: 1, d: "yes", e: "12", f: "hello" });
  refused("a: !!int foo\n", /cannot decode !!str `foo` as a !!int/);
  refused("a: !!binary '***'\n", /invalid base64/);
});

test("decode.go: an anchor that contains its own alias is 'anchor value contains itself'; an unknown one is refused", () => {
  refused("a: &x [*x]\n", /contains itself/);
  refused("a: *nope\n", /.+/);
});

test("decode.go allowedAliasRatio: an alias bomb is 'document contains excessive aliasing', fast", () => {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
  const started = Date.now();
  refused(lines.join("\n") + "\n", /excessive aliasing/);
  assert.ok(Date.now() - started < 2000);
  assert.equal((read("a: &a {p: 1}\nb: [*a, *a, *a]\n").b as unknown[]).length, 3, "ordinary aliases are fine");
});

test("duplicate keys are errors (kubectl --validate=strict: 'duplicate field'), also when two spellings convert to one JSON key", () => {
  refused("a: 1\na: 2\n", /duplicate key "a"/);
  refused("1: a\n'1': b\n", /duplicate key "1"/);
  refused("yes: a\ntrue: b\n", /duplicate key "true"/);
  assert.throws(() => parseStrictJson('{"a": {"b": 1, "b": 2}}'), /duplicate field "b"/);
  assert.throws(() => parseStrictJson('{"a": 1, "\\u0061": 2}'), /duplicate field "a"/);
  assert.deepEqual(parseStrictJson('{"a": {"b": 1}, "b": {"a": 1}}'), { a: { b: 1 }, b: { a: 1 } });
  // Colons and quotes inside strings: the cheap count of key colons is never fooled into missing a duplicate.
  assert.deepEqual(parseStrictJson('{"a": ":x", "b": " :", "c\\\\": "\\\\" , "d": "\\\\\\":"}'), { a: ":x", b: " :", "c\\": "\\", d: "\\\":" });
  assert.throws(() => parseStrictJson('{"a": ":x", "a": 1}'), /duplicate field "a"/);
  assert.throws(() => parseStrictJson('{"a\\\\"  :  ":", "a\\\\"\n:\t2}'), /duplicate field "a\\\\"/);
  assert.throws(() => parseStrictJson('{"x": "\\":", "y": {"x": 1, "x": 2}}'), /duplicate field "x"/);
});

test("go-yaml v2 scannerc.go escapes: \\/ is 'found unknown escape character'; surrogate \\u escapes are invalid", () => {
  refused('a: "\\/"\n', /unknown escape/);
  refused('a: "\\ud83d\\ude00"\n', /invalid Unicode character escape/);
  assert.deepEqual(read('a: "\\\\/ \\x41 \\U0001F600 \\e"\n'), { a: "\\/ A \u{1F600} \u001b" });
});

// go-yaml v2 scannerc.go yaml_parser_scan_flow_scalar: inside a quoted scalar only "a document
// indicator" in column 0 ("found unexpected document indicator") or the end of the stream ("found
// unexpected end of stream") stop the scanner; a continuation line's leading blanks are skipped
// ("Consume a space or a tab character ... skip(parser)") whatever its indentation, and a single
// line break folds to a space. The `yaml` library ends the scalar at an under-indented line
// ("Missing closing 'quote"), as YAML 1.2 says. np-guard's nad_test_12..14 write NAD configs so.
test("go-yaml v2 scan_flow_scalar: a quoted scalar's continuation and closing lines need no indentation; the value folds as kubectl reads it", () => {
  const nad = "spec:\n  config: '{\n    \"cniVersion\": \"0.3.1\",\n    \"ipam\": {\n      \"type\": \"static\"\n    }\n  }'\n  other: x\n";
  assert.deepEqual(read(nad), { spec: { config: '{ "cniVersion": "0.3.1", "ipam": { "type": "static" } }', other: "x" } });
  assert.deepEqual(read(nad), read(nad.replace("\n  }'", "\n     }'")), "the same value as the indented scalar");
  // Column 0, tabs, blank lines (a kept line break), double quotes with an escaped line break, several scalars, a sequence item.
  assert.deepEqual(read("a: 'x\ny'\nb: \"p\n\tq\n\n  r\"\nc:\n- \"m\\\n n\"\n- 'it''s\n'\n"), { a: "x y", b: "p q\nr", c: ["mn", "it's "] });
  // Still refused where go-yaml refuses: the end of the document, a '...' indicator in column 0, a multi-line key.
  refused("a: 'x\ny\n", /Missing closing/);
  refused("a: 'x\n... y'\n", /Missing closing|document/);
  refused("'a\nb': 1\n", /./);
});

test("an under-indented quoted scalar: errors and field lines after it are on the lines as written", () => {
  const e = errorsOf({ "nad.yaml": "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: nad\n  namespace: a\nspec:\n  config: '{\n  \"type\": \"macvlan\"\n  }'\n  confg: x\n" });
  assert.equal(e.length, 1, e.join("\n"));
  assert.match(e[0], /nad\.yaml:10 spec\.confg: unknown field "confg"/);
  assert.match(errorsOf({ "a.yaml": "a: 'x\ny'\nb: 'p\nq'\nc: \"r\\/\"\n" })[0], /a\.yaml:5: invalid YAML: .*unknown escape/, "an offset after inserted indentation maps back to its line");
});

test("apimachinery YAMLReader: documents split at lines starting with ---, which may carry only a comment ('invalid Yaml document separator')", () => {
  assert.deepEqual(splitKubectlDocuments("a: 1\n--- # c\nb: 2\n---\n"), [[0, 5], [13, 18], [22, 22]]);
  assert.throws(() => splitKubectlDocuments("a: 1\n--- {b: 2}\n"), /invalid document separator/);
  refused("a: 1\n...\nb: 2\n", /reads only the first/);
});

test("files: a document that is a scalar or a sequence is an error; null documents are skipped", () => {
  assert.match(errorsOf({ "a.yaml": "- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n" })[0], /a\.yaml:1: the document is a sequence/);
  assert.match(errorsOf({ "a.yaml": "---\nhello\n" })[0], /a\.yaml:2: the document is a string/);
  assert.deepEqual(errorsOf({ "a.yaml": "---\n---\n# nothing\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n" }), []);
});

test("--lenient skips a document that is not an object with a warning, as np-guard skips its own output files in a folder", async () => {
  const { dir, cleanup } = tempFiles({ "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n", "connlist_output.json": "[{\"src\": \"a\"}]" });
  try {
    const strict = await cli(["validate", "-f", dir]);
    assert.equal(strict.code, 1);
    assert.match(strict.err + strict.out, /connlist_output\.json:1: the document is a sequence/);
    const lenient = await cli(["list", "-f", dir, "--lenient"]);
    assert.equal(lenient.code, 0, lenient.err);
    assert.match(lenient.err, /warning: .*connlist_output\.json:1: the document is a sequence/);
  } finally { cleanup(); }
});

test("files: a .json file is read as kubectl reads any file: JSON, else YAML (a trailing comma is YAML's, a // comment is not); a YAML file starting with { is JSON to kubectl when it parses", () => {
  // cli-runtime's StreamVisitor decodes every file with NewYAMLOrJSONDecoder, which looks at the
  // text, never the name; kubectl 1.34+ falls back to YAML when the JSON does not parse.
  assert.deepEqual(errorsOf({ "a.json": '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"},}' }), []);
  assert.match(errorsOf({ "a.json": '// c\n{"apiVersion": "v1"}' })[0], /a\.json:1: invalid YAML/);
  assert.match(errorsOf({ "a.yaml": '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "name": "b"}}' })[0], /duplicate field "name"/);
  const flow = load({ "a.yaml": "{apiVersion: v1, kind: Namespace, metadata: {name: a, labels: {on: yes}}}\n" });
  assert.deepEqual(flow.inventory.namespaces.get("a")?.labels.true, undefined);
  assert.match(flow.diagnostics.errors.map(formatDiagnostic).join("\n"), /must be a string, not boolean/, "YAML 1.1 booleans in a flow document");
});

test("files: a label value yes is a boolean to kubectl, so the type check rejects it as the API server does", () => {
  const e = errorsOf({ "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {enabled: yes}\n" });
  assert.match(e[0], /ns\.yaml:5 metadata\.labels\.enabled: must be a string, not boolean/);
});

test("encodings: go-yaml's reader refuses control characters; lone CR, NEL and no-break-space indentation are refused; CRLF is read", () => {
  assert.match(errorsOf({ "a.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: \"a\u0007\"}\n" })[0], /a\.yaml:3: .*control character \(U\+0007\)/);
  assert.match(errorsOf({ "a.yaml": "apiVersion: v1\rkind: Namespace\r" })[0], /a\.yaml:1: .*carriage return/);
  assert.match(errorsOf({ "a.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n\u00a0\u00a0name: a\n" })[0], /a\.yaml:4: .*no-break .*U\+00A0/);
  assert.match(errorsOf({ "a.yaml": "a: b\u0085c: d\n" })[0], /U\+0085/);
  const crlf = load({ "a.yaml": "apiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n  name: a\r\n---\r\napiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: b}\r\n" });
  assert.deepEqual([...crlf.inventory.namespaces.keys()].sort(), ["a", "b"]);
});

test("a Helm/Go template is one line saying to render it first, not a parse error per line", () => {
  const e = errorsOf({ "deploy.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Values.name }}\n  labels:\n{{- include \"labels\" . | nindent 4 }}\n" });
  assert.equal(e.length, 1);
  assert.match(e[0], /deploy\.yaml:4: this is a Helm\/Go template .*helm template/);
  assert.deepEqual(errorsOf({ "cm.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  annotations: {t: \"{{ .x }}\"}\n" }), [], "braces inside a string are data");
});

test("nesting thousands of levels deep is refused quickly, in YAML and JSON", () => {
  const started = Date.now();
  assert.match(errorsOf({ "a.yaml": `a: ${"[".repeat(5000)}${"]".repeat(5000)}\n` })[0], /a\.yaml:1: .*nested/);
  assert.match(errorsOf({ "a.json": `{"a": ${"[".repeat(5000)}${"]".repeat(5000)}}` })[0], /a\.json:1: nested more than 1000 levels/);
  assert.match(errorsOf({ "a.yaml": Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n") })[0], /nested/);
  assert.ok(Date.now() - started < 10_000);
});

test("resolve.go: decimal integers of every length read as strconv.ParseInt, then ParseUint, then ParseFloat give them (short ones take a fast path)", () => {
  const INT64 = 2n ** 63n;
  const expected = (s: string): number => {
    const n = BigInt(s);
    if (n >= -INT64 && n < INT64) return int64Number(n);
    return !s.startsWith("-") && !s.startsWith("+") && n < 2n * INT64 ? Number(n) : Number(s);
  };
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const cases = ["1", "9", "10", "-1", "+1", "999999999999999", "1000000000000000", "-999999999999999", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551615", "18446744073709551616"];
  for (let k = 0; k < 500; k++) cases.push(["", "+", "-"][rnd(3)] + String(1 + rnd(9)) + Array.from({ length: rnd(20) }, () => String(rnd(10))).join(""));
  const value = (s: string) => read(`v: ${s}\n`).v;
  for (const s of cases) assert.equal(value(s), expected(s), s);
  // Zero, signed or not, is 0 (never -0); a leading zero is octal.
  assert.deepEqual(["0", "-0", "+0", "010", "-010"].map((s) => (Object.is(value(s), 0) ? "0" : value(s))), ["0", "0", "0", 8, -8]);
});
