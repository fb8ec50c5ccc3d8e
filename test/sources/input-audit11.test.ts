// Input audit, eleventh round: hostile files compared with what kubectl (1.32, `kubectl label
// --local -f FILE -o json`, which reads a file as apply does without a server) reads from them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { capMessage } from "../../src/model/quote.js";
import { closest as spellingClosest } from "../../src/model/spelling.js";
import { closest as suggestClosest } from "../../src/model/suggest.js";
import { compileRegex, MAX_PATTERN, REGEX_SEMANTICS } from "../../src/model/regex.js";
import { parseKubeYaml } from "../../src/sources/kubeyaml.js";
import { engineFor, load, verdict } from "../helpers.js";

const errorsOf = (files: Record<string, string>) => load(files).diagnostics.errors.map(formatDiagnostic);

test("resolve.go: a plain + or - with no digit (+, +_, -_) is a string, as kubectl reads it (it was NaN, written as null)", () => {
  // go-yaml v2 resolve(): the hint of '+' and '-' is a number, but strconv.ParseInt("+", 0, 64) and
  // ParseFloat fail, so the text stays a string: kubectl label --local gives {"k": "+"}, ["+"], "-_".
  assert.deepEqual(parseKubeYaml("a: +\nb: [+]\nc: -_\nd: +_\n+: key\n"), { a: "+", b: ["+"], c: "-_", d: "+_", "+": "key" });
  // Through the fast block reader and the schema: a port name, not "number NaN".
  const e = errorsOf({ "np.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  ingress:\n  - ports:\n    - port: +\n" });
  assert.equal(e.length, 1);
  assert.match(e[0], /np\.yaml:8 spec\.ingress\[0\]\.ports\[0\]\.port: "\+"/);
  assert.doesNotMatch(e[0], /NaN/);
  const cm = load({ "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\ndata:\n  a: +\n  b: -_\n" });
  assert.deepEqual(cm.diagnostics.items.map(formatDiagnostic).filter((d) => !d.startsWith("note")), []);
});

test("cli-runtime StreamVisitor: a .json file is read by its text, as any file (NewYAMLOrJSONDecoder): YAML in it is read, a trailing comma is YAML's (kubectl 1.34+ falls back to YAML)", () => {
  const yaml = load({ "ns.json": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n" });
  assert.deepEqual(yaml.diagnostics.errors, []);
  assert.deepEqual([...yaml.inventory.namespaces.keys()], ["a"]);
  const comma = load({ "ns.json": '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"},}\n' });
  assert.deepEqual(comma.diagnostics.errors, []);
  assert.deepEqual([...comma.inventory.namespaces.keys()], ["b"]);
  // JSON errors that are not syntax stay errors: a duplicate key, a number beyond float64.
  assert.match(errorsOf({ "ns.json": '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "name": "b"}}' })[0], /duplicate field "name"/);
});

test("kinds the RESTMapper cannot match are errors, not unknown kinds counted: a plural or singular spelling of a kind read in that version, and a kind no API can serve", () => {
  // kubectl: `no matches for kind "NetworkPolicies" in version "networking.k8s.io/v1"`. A CRD's kind must
  // be a DNS-1035 label once lowercased (ValidateCustomResourceDefinitionNames), so "NetworkPolicy " or
  // "my_kind" is no kind of any API.
  const loaded = load({ "k.yaml": [
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicies\nmetadata: {name: a}\nspec: {podSelector: {}}\n",
    "apiVersion: v1\nkind: Endpoint\nmetadata: {name: b}\n",
    "apiVersion: networking.k8s.io/v1\nkind: \"NetworkPolicy \"\nmetadata: {name: c}\nspec: {podSelector: {}}\n",
    "apiVersion: example.com/v1\nkind: my_kind\nmetadata: {name: d}\n",
    "apiVersion: example.com/v1\nkind: Widgets\nmetadata: {name: e}\n",
    "apiVersion: example.com/v1\nkind: NetworkPolicies\nmetadata: {name: f}\n",
  ].join("---\n") });
  const errors = loaded.diagnostics.errors.map(formatDiagnostic);
  assert.equal(errors.length, 4, errors.join("\n"));
  assert.match(errors[0], /k\.yaml:2 kind: no kind "NetworkPolicies" in networking\.k8s\.io\/v1: kinds are matched exactly \(did you mean NetworkPolicy\?\); kubectl fails on it: no matches for kind "NetworkPolicies" in version "networking\.k8s\.io\/v1"/);
  assert.match(errors[1], /k\.yaml:7 kind: no kind "Endpoint" in v1: .*did you mean Endpoints\?/);
  assert.match(errors[2], /k\.yaml:11 kind: no API serves kind "NetworkPolicy "/);
  assert.match(errors[3], /k\.yaml:16 kind: no API serves kind "my_kind"/);
  // A kind of another group, whatever it is called, is still only counted (a CRD's objects in a dump).
  assert.equal(loaded.inventory.unknownKinds.get("Widgets"), 1);
  assert.equal(loaded.inventory.unknownKinds.get("NetworkPolicies"), 1);
});

test("values of millions of characters: a 10M-character label value is one capped error (the message scan overflowed the stack: internal error), an unknown field of 10M characters is not compared with every known one", () => {
  const huge = "a".repeat(10_000_000);
  const capped = capMessage(`label value ${JSON.stringify(huge)} is invalid; the run ${huge} ends`);
  assert.equal(capped, `label value "${"a".repeat(100)}..." (10000000 characters) is invalid; the run ${"a".repeat(100)}... (10000000 characters) ends`);
  // As the regular expressions read it: an unterminated quote is text, escapes are kept, runs end at a quote or white space.
  assert.equal(capMessage(`x "${"b".repeat(300)}\nand ${"c".repeat(250)}`), `x "${"b".repeat(100)}... (300 characters)\nand ${"c".repeat(100)}... (250 characters)`);
  assert.equal(capMessage(`x "${"b".repeat(300)} and ${"c".repeat(250)}"`), `x "${"b".repeat(100)}..." (555 characters)`);
  assert.equal(capMessage(`say ${JSON.stringify(`q"\\${"d".repeat(200)}`)}`), `say ${JSON.stringify(`q"\\${"d".repeat(97)}`).slice(0, -1)}..." (203 characters)`);
  const started = Date.now();
  const e = errorsOf({ "ns.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  labels:\n    a: ${huge}\n` });
  assert.equal(e.length, 1);
  assert.match(e[0], /ns\.yaml:6 metadata\.labels\.a: label value "a{100}\.\.\." \(10000000 characters\) is invalid/);
  assert.equal(spellingClosest(huge, ["metadata", "spec", "status"]), undefined);
  assert.deepEqual(suggestClosest(huge, ["json", "yaml"]), []);
  assert.equal(spellingClosest("metdata", ["metadata", "spec"]), "metadata");
  assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
});

test("a regular expression of more than 100,000 characters is refused at once (re2js took 1.4 s and 250 MB for 1M characters and did not finish 10M)", () => {
  const started = Date.now();
  const r = compileRegex("a".repeat(10_000_000), REGEX_SEMANTICS.gatewayApi);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error : "", /a pattern of 10000000 characters: Junction compiles at most 100000/);
  assert.ok(Date.now() - started < 1000);
  assert.equal(compileRegex("a".repeat(MAX_PATTERN), REGEX_SEMANTICS.gatewayApi).ok, true);
});

test("resource.Quantity as the API server's decoder reads it (Quantity.UnmarshalJSON: TrimSpace, then ParseQuantity): what it cannot parse refuses the object; a dump's node capacities and valid spellings pass", () => {
  const pod = (cpu: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec:\n  containers:\n  - name: c\n    image: i\n    resources:\n      requests:\n        cpu: ${cpu}\n`;
  for (const ok of ["1", "0", "1.5", ".5", "1.", "+1", "'-1'", "1m", "0.5m", "1k", "1Ki", "1E", "1.5E", "1e3", "1E+3", "1e-3", "'1e400'", "0x10", "' 1 '", "1n", "9Ei"]) {
    assert.deepEqual(errorsOf({ "p.yaml": pod(ok) }), [], ok);
  }
  const bad: [string, RegExp][] = [
    ["1K", /"1K" is not a valid quantity: unable to parse quantity's suffix/],
    ["1mi", /unable to parse quantity's suffix/],
    ["'1e'", /unable to parse quantity's suffix/],
    ["1MB", /quantities must match the regular expression '\^\(\[\+-\]\?\[0-9\.\]\+\)\(\[eEinumkKMGTP\]\*\[-\+\]\?\[0-9\]\*\)\$'/],
    ["1.5.5", /quantities must match/],
    ["1e3Mi", /quantities must match/],
    ["'0x10'", /quantities must match/],
    ["'1_000'", /quantities must match/],
    ["''", /"" is not a valid quantity: quantities must match/],
  ];
  for (const [text, message] of bad) {
    const e = errorsOf({ "p.yaml": pod(text) });
    assert.equal(e.length, 1, `${text}: ${e.join("\n")}`);
    assert.match(e[0], /p\.yaml:10 spec\.containers\[0\]\.resources\.requests\.cpu: /);
    assert.match(e[0], message, text);
  }
  // A dump's Node: kubelet's capacities and allocatable, as written.
  const node = load({ "n.yaml": "apiVersion: v1\nkind: Node\nmetadata: {name: n1, uid: u, resourceVersion: '1'}\nstatus:\n  capacity: {cpu: '8', ephemeral-storage: 101430960Ki, hugepages-1Gi: '0', memory: 32792436Ki, pods: '110'}\n  allocatable: {cpu: 7910m, memory: 31641460Ki}\n" });
  assert.deepEqual(node.diagnostics.errors, []);
});

test("scannerc.go: a lone - right before , ] or } in [ ] or { } is the string \"-\", as kubectl reads it (input-audit12: it was refused in these words)", () => {
  // kubectl label --local: [a, -] is ["a", "-"], {a: -, b: 1} is {"a": "-", "b": 1}; [ - ] fails in kubectl too.
  assert.deepEqual(parseKubeYaml("k: [a, -]\n"), { k: ["a", "-"] });
  assert.deepEqual(parseKubeYaml("k: {a: -, b: 1}\n"), { k: { a: "-", b: 1 } });
  assert.deepEqual(parseKubeYaml("k: [-]\n"), { k: ["-"] });
  assert.throws(() => parseKubeYaml("k: [ - ]\n"), /Block collections are not allowed within flow collections/);
  assert.deepEqual(parseKubeYaml('k: [a, "-", -x]\n'), { k: ["a", "-", "-x"] });
});

test("a NetworkPolicy without spec (or spec: null) is the zero NetworkPolicySpec, as the API server stores it: every pod of its namespace isolated for ingress (it was refused as missing, and --lenient read no policy: allowed)", () => {
  // NetworkPolicy.Spec is `+optional` (no `required` in the OpenAPI); SetDefaults_NetworkPolicy gives
  // the empty policyTypes Ingress, and an empty podSelector selects every pod of the namespace.
  const pods = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {app: p}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.1}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: a, labels: {app: q}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.2}\n---\n";
  for (const spec of ["", "spec: null\n", "spec: {}\n"]) {
    const engine = engineFor(`${pods}apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: a}\n${spec}`);
    assert.equal(verdict(engine, "a/q", "a/p", 80), "deny", JSON.stringify(spec));
    assert.equal(verdict(engine, "a/p", "a/q", 443), "deny", JSON.stringify(spec));
  }
  assert.match(errorsOf({ "np.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: a}\nspec: [a]\n" })[0], /np\.yaml:4 spec: must be (an object|of type object)/);
});
