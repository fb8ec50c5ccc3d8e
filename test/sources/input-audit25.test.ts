// Input audit, twenty-fifth round: the line kubectl names for a YAML syntax error, `!!str`-tagged
// dumps in the fast reader, EndpointSlice hints.forNodes, and hostile values found by the sweep
// (test/cli/hostile-sweep.test.ts) that gave a wrong or unclear answer.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { cli, load } from "../helpers.js";
import { isPlainBlockDocument, parseBlockDocument } from "../../src/sources/blockyaml.js";
import { MAX_FULL_YAML_VALUES } from "../../src/sources/kubeyaml.js";

const errorsOf = (files: Record<string, string>) => load(files).diagnostics.errors.map(formatDiagnostic);

// kubectl 1.32 (`kubectl label --local -f e.yaml x=y`) on these texts: go-yaml v2's decode.go
// parser.fail prints a parser error's 0-based problem_mark.line ("Scanner errors don't iterate line
// before returning error"), counted from the document kubectl's YAMLReader cut.
test("a YAML syntax error names the file's line and the line kubectl prints: within its document, and one less for go-yaml's parser errors", () => {
  const doc2 = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  b: c\n d: e\n";
  // kubectl: error converting YAML to JSON: yaml: line 5: did not find expected key
  const [e] = errorsOf({ "e.yaml": doc2 });
  assert.match(e, /^e\.yaml:11: invalid YAML: .*\(kubectl says "yaml: line 6" or "line 5", counting from the document's first line, line 6 of the file: go-yaml numbers its parser's errors from 0, its scanner's from 1\)$/);
  // One document: kubectl says line 5 (a parser error) of the file's line 6.
  const [one] = errorsOf({ "o.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  b: c\n d: e\n" });
  assert.match(one, /^o\.yaml:6: invalid YAML: .*\(kubectl says "yaml: line 6" or "line 5": go-yaml/);
  // kubectl: yaml: line 1: did not find expected '-' indicator (the parser's 0-based line 1).
  const [first] = errorsOf({ "f.yaml": "a: 1\n---\n- x\ny: 2\n" });
  assert.match(first, /^f\.yaml:4: invalid YAML: .*"yaml: line 2" or "line 1", counting from the document's first line, line 3/);
  // Junction's own limits are not go-yaml's errors: no kubectl line.
  assert.doesNotMatch(errorsOf({ "d.yaml": `a: ${"[".repeat(2000)}${"]".repeat(2000)}\n` })[0], /kubectl says/);
});

test("a dump whose strings are tagged !!str takes the fast reader: over 1M lines and values it was refused as not plain block YAML; kubectl reads each tagged value's text", () => {
  const big = `"${"1,".repeat(MAX_FULL_YAML_VALUES)}1"`;
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: !!str 010\n  namespace: !!str\ndata:\n  a: !!str ${big}\n  b: !!str yes # a comment\n  c: !!str ~\n  d: !!str 0x1F\n`;
  const loaded = load({ "big.yaml": text });
  assert.deepEqual(loaded.diagnostics.errors.map(formatDiagnostic), []);
  // kubectl 1.32 (`kubectl label --local -f t.yaml x=y -o json`): "010", "yes", "~", "0x1F" and "" for the bare tag.
  assert.ok(isPlainBlockDocument(text.replace(big, '"x"')));
  const v = parseBlockDocument(text)!.value as { metadata: Record<string, unknown>; data: Record<string, unknown> };
  assert.deepEqual([v.metadata.name, v.metadata.namespace, v.data.b, v.data.c, v.data.d], ["010", "", "yes", "~", "0x1F"]);
  assert.equal((v.data.a as string).length, big.length - 2);
});

test("EndpointSlice hints.forNodes (1.33, PreferSameNode) as validateHints checks it: at most 8, each a Node's name once (were read)", () => {
  const slice = (endpoints: string) => `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s\n  labels: {kubernetes.io/service-name: svc}\naddressType: IPv4\nendpoints:\n${endpoints}ports: [{port: 80, protocol: TCP}]\n`;
  const errors = errorsOf({ "es.yaml": slice(`- addresses: [10.0.0.1]\n  hints:\n    forNodes: [{name: node-a}, {name: node-a}, {name: Node_B}, {name: ""}]\n- addresses: [10.0.0.2]\n  hints:\n    forNodes: [${"abcdefghi".split("").map((n) => `{name: ${n}}`).join(", ")}]\n`) });
  assert.deepEqual(errors.map((e) => e.replace(/ \(lowercase.*$/, "").replace(/ \(the API server.*$/, "")), [
    'es.yaml:10 endpoints[0].hints.forNodes[1].name: Duplicate value: "node-a"',
    'es.yaml:10 endpoints[0].hints.forNodes[2].name: Invalid value: "Node_B" is not a valid DNS-1123 subdomain',
    'es.yaml:10 endpoints[0].hints.forNodes[3].name: Invalid value: "" is not a valid DNS-1123 subdomain',
    "es.yaml:13 endpoints[1].hints.forNodes: Too many: 9: must have at most 8 items",
  ]);
  // Eight distinct Node names are what the EndpointSlice controller may write; too many zones stop the check.
  assert.deepEqual(errorsOf({ "ok.yaml": slice(`- addresses: [10.0.0.1]\n  hints:\n    forNodes: [${"abcdefgh".split("").map((n) => `{name: node-${n}.x}`).join(", ")}]\n    forZones: [{name: z}]\n`) }), []);
  assert.equal(errorsOf({ "z.yaml": slice(`- addresses: [10.0.0.1]\n  hints:\n    forZones: [${"abcdefghi".split("").map((n) => `{name: ${n}}`).join(", ")}]\n    forNodes: [{name: X}]\n`) }).length, 1);
});

test("ingress-nginx integer annotations as strconv.Atoi reads them: beyond int64 is invalid (canary-weight \"99999999999999999999\" was a weight of 1e20); a weight above the total is used, not ignored", () => {
  const ingress = (weight: string) => `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: c\n  namespace: default\n  annotations:\n    nginx.ingress.kubernetes.io/canary: "true"\n    nginx.ingress.kubernetes.io/canary-weight: "${weight}"\nspec:\n  ingressClassName: nginx\n  rules: [{host: a.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}}]\n`;
  const warnings = (w: string) => load({ "i.yaml": ingress(w) }).diagnostics.items.filter((d) => d.severity === "warning").map(formatDiagnostic).filter((m) => m.includes("canary-weight"));
  assert.deepEqual(warnings("99999999999999999999"), ['i.yaml:8 metadata.annotations.nginx.ingress.kubernetes.io/canary-weight: "99999999999999999999" is not an integer ≥ 0; ingress-nginx ignores it, and so does Junction']);
  // (balancer.lua: a weight at or above the total routes every request to the canary.)
  assert.deepEqual(warnings("150"), ["i.yaml:8 metadata.annotations.nginx.ingress.kubernetes.io/canary-weight: 150 is above canary-weight-total 100; ingress-nginx sends every request to the canary"]);
  assert.deepEqual(warnings("+20"), [], "strconv.Atoi takes a sign");
});

test("a command's --port is a number 1-65535 or a valid port name (IsValidPortName): -1 and http--x were looked up as port names (\"the destination has no port named\")", async () => {
  for (const [port, says] of [["-1", /--port must be between 1 and 65535, not -1/], ["http--x", /--port must be a port number or a port name .*not "http--x"/], ["-http", /not "-http"/]] as const) {
    const r = await cli(["explain", "-f", "examples/shop", "--from", "shop/web", "--to", "shop/api", "--port", port]);
    assert.equal(r.code, 2);
    assert.match(r.err, says);
  }
  assert.equal((await cli(["explain", "-f", "examples/shop", "--from", "shop/web", "--to", "shop/api", "--port", "http"])).code, 0);
});
