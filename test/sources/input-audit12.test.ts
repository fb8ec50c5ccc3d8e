// Input audit, twelfth round: optional fields the front ends required (the NetworkPolicy-without-spec
// pattern in the other kinds), and hostile files compared with what kubectl 1.32 (`kubectl label
// --local -f FILE -o json`) reads from them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { parseKubeYaml } from "../../src/sources/kubeyaml.js";
import { engineFor, load, verdict } from "../helpers.js";

const errorsOf = (files: Record<string, string>) => load(files).diagnostics.errors.map(formatDiagnostic);

const pods = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {app: p}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.1}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: a, labels: {app: q}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.2}\n---\n";

test("a crd.projectcalico.org/v1 NetworkPolicy or GlobalNetworkPolicy without spec is the zero spec, as libcalico-go decodes it (the CRD requires none): it was refused as missing", () => {
  for (const kind of ["NetworkPolicy", "GlobalNetworkPolicy"]) {
    for (const spec of ["", "spec: null\n", "spec: {}\n"]) {
      const ns = kind === "NetworkPolicy" ? ", namespace: a" : "";
      const engine = engineFor(`${pods}apiVersion: crd.projectcalico.org/v1\nkind: ${kind}\nmetadata: {name: x${ns}}\n${spec}`);
      assert.equal(verdict(engine, "a/q", "a/p", 80), "deny", `${kind} ${JSON.stringify(spec)}`);
    }
  }
});

test("a MultiNetworkPolicy without spec is read as the zero spec (MultiNetworkPolicy.Spec omitempty; the CRD requires spec.podSelector only in a spec): it was refused as missing", () => {
  const mnp = "apiVersion: k8s.cni.cncf.io/v1beta1\nkind: MultiNetworkPolicy\nmetadata: {name: m, namespace: a, annotations: {k8s.v1.cni.cncf.io/policy-for: net}}\n";
  assert.deepEqual(errorsOf({ "m.yaml": `${pods}${mnp}` }).filter((e) => !/net/.test(e)), []);
  assert.equal(load({ "m.yaml": `${pods}${mnp}` }).inventory.policies.filter((p) => p.kind === "MultiNetworkPolicy").length, 1);
});

test("an Istio Sidecar with nothing in it (no spec, or spec: {}) is refused as istiod's webhook refuses it (ValidateSidecar: \"sidecar: empty configuration provided\"); spec: {} was read", () => {
  for (const spec of ["", "spec: {}\n", "spec: {workloadSelector: {labels: {app: p}}}\n"]) {
    const errors = errorsOf({ "s.yaml": `${pods}apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: a}\n${spec}` });
    assert.equal(errors.length, 1, JSON.stringify(spec));
    assert.match(errors[0], /s\.yaml:\d+ spec: sidecar: empty configuration provided/);
  }
  assert.deepEqual(errorsOf({ "s.yaml": `${pods}apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: a}\nspec: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}\n` }), []);
});

test("an Ingress without spec gets the API server's error for its zero spec (either defaultBackend or rules), a CiliumNetworkPolicy without spec or specs Cilium's", () => {
  assert.match(errorsOf({ "i.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, namespace: a}\n" })[0], /i\.yaml:\d+ spec: either defaultBackend or rules must be specified/);
  assert.match(errorsOf({ "c.yaml": "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c, namespace: a}\n" })[0], /Invalid CiliumNetworkPolicy spec\(s\): empty policy/);
});

test("go-yaml reads the verbatim tags !<!> and !<!!> as a non-specific tag: the text stays a string (kubectl 1.32: {\"a\": \"1\"}); the yaml library refused them", () => {
  assert.deepEqual(parseKubeYaml("a: !<!> 1\nb: !<!!> true\nc: !<!> [1]\nd: \"!<!> q\" # !<!>\ne: !<!>\n"), { a: "1", b: "true", c: [1], d: "!<!> q", e: "" });
  // A key's tag or anchor before an explicit key's text (? TAG key, then : on the next line).
  assert.deepEqual(parseKubeYaml("? !!str a\n: v\n? ! b\n: w\n"), { a: "v", b: "w" });
  assert.deepEqual(errorsOf({ "t.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\ndata: {a: !<!> 1}\n" }), []);
});

test("scannerc.go: a lone - right before , ] or } in a flow collection is the string \"-\", as kubectl reads it (it was refused, asking to quote it)", () => {
  assert.deepEqual(parseKubeYaml("a: [-]\nb: {c: -}\nd: [x, -, -, y, -]\ne: {-}\nf: [-,]\ng: {-: 1}\nh: [-x, \"-\", -1]\n"),
    { a: ["-"], b: { c: "-" }, d: ["x", "-", "-", true, "-"], e: { "-": null }, f: ["-"], g: { "-": 1 }, h: ["-x", "-", -1] });
  assert.throws(() => parseKubeYaml("k: [ - ]\n"), /Block collections are not allowed within flow collections/);
  // With the private-use character Junction spells it with already in the text, it stays an error.
  assert.throws(() => parseKubeYaml("a: [-]\nb: \"\uE000\"\n"), /quote it/);
  // The line of a later error in such a document is the file's.
  assert.match(errorsOf({ "d.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: c\n  labels: {a: [-]}\n" })[0], /d\.yaml:5 metadata\.labels\.a: must be a string/);
});

test("a file whose '{' comes after 4096 bytes of white space is YAML to kubectl whatever its name (NewYAMLOrJSONDecoder sniffs 4096 bytes), so a JSON-only escape refuses it; a .json file was read as JSON", () => {
  const obj = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"a"},"data":{"a":"x\\/y"}}';
  for (const name of ["w.json", "w.yaml"]) {
    assert.deepEqual(errorsOf({ [name]: " ".repeat(4095) + obj }), [], name);
    assert.equal(load({ [name]: " ".repeat(4095) + obj }).diagnostics.errors.length, 0);
    assert.match(errorsOf({ [name]: " ".repeat(4096) + obj })[0], /unknown escape character \\\//, name);
  }
});

test("two documents of 20,000 nested [ in one load are refused, not a V8 abort (the yaml library's recursion; the second aborted the process: RegExpCompiler Allocation failed, exit 134)", () => {
  const deep = `${"[".repeat(20000)}${"]".repeat(20000)}`;
  const errors = errorsOf({ "a.yaml": deep, "b.yaml": deep, "c.json": deep });
  assert.equal(errors.length, 3);
  for (const e of errors) assert.match(e, /^[abc]\.(yaml|json):1: invalid YAML: nested more than 1000 levels deep$/);
  // Block nesting too, at the line of the collection that goes past 1000.
  const block = Array.from({ length: 1100 }, (_, i) => `${"  ".repeat(i)}k${i}:\n`).join("");
  assert.match(errorsOf({ "b.yaml": block })[0], /^b\.yaml:1001: invalid YAML: nested more than 1000 levels deep$/);
  // Brackets in quoted scalars and comments are not nesting.
  assert.deepEqual(parseKubeYaml(`a: "${"[".repeat(3000)}"\n# ${"{".repeat(2000)}\nb: [[1]]\n`), { a: "[".repeat(3000), b: [[1]] });
});

test("a Service's name is a DNS label (ValidateServiceName; 1.36's RelaxedServiceNameValidation allows a leading digit), a CronJob's at most 52 characters (ValidateCronJobCreate): both were read", () => {
  const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: a}\nspec: {ports: [{port: 80}]}\n`;
  assert.match(errorsOf({ "s.yaml": svc("a.b") })[0], /s\.yaml:3 metadata\.name: "a\.b" is not a valid DNS-1123 label.*a Service's name is a DNS label/);
  assert.match(errorsOf({ "s.yaml": svc("a".repeat(64)) })[0], /is longer than 63 characters/);
  assert.deepEqual(errorsOf({ "s.yaml": svc("1abc") }), []);
  // And an Ingress's reference to it (ValidateIngressBackend under the same gate): it was refused as no DNS-1035 label.
  assert.deepEqual(errorsOf({ "s.yaml": `${svc("1abc")}---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, namespace: a}\nspec: {defaultBackend: {service: {name: 1abc, port: {number: 80}}}}\n` }), []);
  assert.deepEqual(errorsOf({ "s.yaml": svc("a".repeat(63)) }), []);
  const cron = (name: string) => `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: ${name}, namespace: a}\nspec: {schedule: '* * * * *', jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: i}]}}}}}\n`;
  assert.match(errorsOf({ "c.yaml": cron("a".repeat(53)) })[0], /c\.yaml:3 metadata\.name: .*must be no more than 52 characters/);
  assert.deepEqual(errorsOf({ "c.yaml": cron("a".repeat(52)) }), []);
});
