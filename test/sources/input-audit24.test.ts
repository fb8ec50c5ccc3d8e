// Input audit, twenty-fourth round: hostile YAML named at kubectl's line, and API server validation
// cases (pkg/apis/core/validation, networking/validation, discovery/validation) compared with what
// Junction accepted or refused.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { load } from "../helpers.js";

const errorsOf = (files: Record<string, string>) => load(files).diagnostics.errors.map(formatDiagnostic);

test("a syntax error before a collection nested past 1,000 levels is the error named, at its line (go-yaml stops at its first error and allows 10,000 levels): 1,500 lines `k: v: w` were named at line 1002, kubectl names line 4", () => {
  const header = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n";
  const body = "  k: v: w\n".repeat(1500);
  const [e] = errorsOf({ "c.yaml": header + body });
  assert.match(e, /^c\.yaml:5: invalid YAML: /);
  assert.doesNotMatch(e, /nested/);
  // The same with a sequence of such entries, and an error before 5,000 flow levels.
  assert.match(errorsOf({ "s.yaml": "- k: v: w\n".repeat(1500) })[0], /^s\.yaml:1: invalid YAML: (?!nested)/);
  assert.match(errorsOf({ "f.yaml": `a: b: c\nx: ${"[".repeat(5000)}\n` })[0], /^f\.yaml:1: invalid YAML: (?!nested)/);
  // An error after the deep collection is not kubectl's first: the nesting is named, at its line.
  const deep = Array.from({ length: 1100 }, (_, i) => `${"  ".repeat(i)}k${i}:\n`).join("");
  assert.match(errorsOf({ "d.yaml": `${deep}z: a: b\n` })[0], /^d\.yaml:1001: invalid YAML: nested more than 1000 levels deep$/);
  // A deep flow collection with nothing wrong before it.
  assert.match(errorsOf({ "g.yaml": `a: 1\nb: ${"[".repeat(20000)}${"]".repeat(20000)}\n` })[0], /^g\.yaml:2: invalid YAML: nested more than 1000 levels deep$/);
});

const slice = (body: string) => `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, namespace: a, labels: {kubernetes.io/service-name: svc}}\n${body}`;

test("an EndpointSlice as discovery/v1 validateEndpoints and validatePorts check it: FQDN addresses, hostnames, port names (DNS-1123 labels, once each), appProtocol, at most 100 ports (all were accepted)", () => {
  const fqdn = slice("addressType: FQDN\nendpoints:\n- addresses: [Foo.example.com]\n- addresses: [foo_bar.example.com]\n- addresses: [foo]\n- addresses: [foo.example.com.]\n- addresses: [10.0.0.1]\n");
  assert.deepEqual(errorsOf({ "f.yaml": fqdn }).map((e) => e.replace(/: Invalid value.*/, "")), ["f.yaml:6 endpoints[0].addresses[0]", "f.yaml:7 endpoints[1].addresses[0]", "f.yaml:8 endpoints[2].addresses[0]"]);
  const ports = slice("addressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n  hostname: Host_1\nports:\n- {name: Http, port: 80}\n- {name: a-b, port: 81}\n- {name: a-b, port: 82}\n- {name: x, port: 83, appProtocol: 'not valid!'}\n- {port: 84}\n- {name: '', port: 85}\n- {name: 1abc, port: 86, appProtocol: example.com/h2c}\n");
  assert.deepEqual(errorsOf({ "p.yaml": ports }).map((e) => e.replace(/: (Invalid|Duplicate) value.*/, "")), ["p.yaml:7 endpoints[0].hostname", "p.yaml:9 ports[0].name", "p.yaml:11 ports[2].name", "p.yaml:12 ports[3].appProtocol", "p.yaml:14 ports[5].name"]);
  // nodeName (ValidateNodeName) and hints.forZones (validateHints); deprecatedTopology is dropped by a v1 write (dropTopologyOnV1), not refused.
  const topo = slice("addressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n  nodeName: Node_1\n  hints: {forZones: [{name: a}, {name: a}, {name: 'b c'}]}\n  deprecatedTopology: {'bad key!': x}\n");
  assert.deepEqual(errorsOf({ "t.yaml": topo }).map((e) => e.replace(/: (Invalid|Duplicate) value.*/, "")), ["t.yaml:7 endpoints[0].nodeName", "t.yaml:8 endpoints[0].hints.forZones[1].name", "t.yaml:8 endpoints[0].hints.forZones[2].name"]);
  const many = slice(`addressType: IPv4\nports:\n${Array.from({ length: 101 }, (_, i) => `- {name: p${i}, port: ${i + 1}}\n`).join("")}`);
  assert.match(errorsOf({ "m.yaml": many })[0], /^m\.yaml:5 ports: Too many: 101: must have at most 100 items/);
  assert.deepEqual(errorsOf({ "m.yaml": slice(`addressType: IPv4\nports:\n${Array.from({ length: 100 }, (_, i) => `- {name: p${i}, port: ${i + 1}}\n`).join("")}`) }), []);
});

test("a StatefulSet's name is a DNS-1123 label (ValidateStatefulSetName: NameIsDNSLabel), a Job's at most 63 characters without manualSelector (generateSelector labels the template job-name: NAME): both were accepted up to 253", () => {
  const template = "template: {metadata: {labels: {a: b}}, spec: {restartPolicy: Never, containers: [{name: c, image: i}]}}";
  const set = (name: string) => `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: ${name}, namespace: a}\nspec: {selector: {matchLabels: {a: b}}, serviceName: s, ${template.replace("Never", "Always")}}\n`;
  const job = (name: string, manual = "") => `apiVersion: batch/v1\nkind: Job\nmetadata: {name: ${name}, namespace: a}\nspec: {${manual}${template}}\n`;
  assert.match(errorsOf({ "s.yaml": set("a".repeat(64)) })[0], /^s\.yaml:3 metadata\.name: .* is longer than 63 characters: a StatefulSet's name is a DNS-1123 label/);
  assert.match(errorsOf({ "s.yaml": set("web.v1") })[0], /^s\.yaml:3 metadata\.name: "web\.v1" is not a valid DNS-1123 label/);
  assert.deepEqual(errorsOf({ "s.yaml": set("a".repeat(63)) }), []);
  assert.match(errorsOf({ "j.yaml": job("a".repeat(64)) })[0], /^j\.yaml:3 metadata\.name: .* is longer than 63 characters: without manualSelector: true/);
  assert.deepEqual(errorsOf({ "j.yaml": job("a".repeat(63)) }), []);
  assert.deepEqual(errorsOf({ "j.yaml": job("a".repeat(64), "manualSelector: true, selector: {matchLabels: {a: b}}, ") }), []);
});

test("a v1 kind: List without items is an object of kind List, which kubectl cannot map (\"no matches for kind List in version v1\"): it was a note of a kind Junction does not read", () => {
  assert.match(errorsOf({ "l.yaml": "apiVersion: v1\nkind: List\nmetadata: {}\n" })[0], /^l\.yaml:1: a kind: List without items: kubectl reads it as an object of kind List/);
  assert.match(errorsOf({ "l.yaml": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n" })[0], /^l\.yaml:4: a kind: List without items inside a list/);
  // items: null and items: [] are empty lists (unstructuredJSONScheme.decode finds the items field).
  assert.deepEqual(errorsOf({ "l.yaml": "apiVersion: v1\nkind: List\nitems: null\n---\napiVersion: v1\nkind: List\nitems: []\n" }), []);
});

test("core/v1 Endpoints as validateEndpointSubsets checks them: a subset without addresses, an address's hostname and nodeName, a port without a name among several, a port name or appProtocol that is not valid (all were read and mirrored)", () => {
  const eps = "apiVersion: v1\nkind: Endpoints\nmetadata: {name: svc, namespace: a}\nsubsets:\n"
    + "- addresses: [{ip: 10.0.0.1, hostname: Host_1, nodeName: Node_1}]\n  ports: [{port: 80}, {port: 81}]\n"
    + "- addresses: [{ip: 10.0.0.2, hostname: ''}]\n  ports: [{name: Http, port: 80}, {name: b, port: 82, appProtocol: 'not valid!'}]\n"
    + "- ports: [{name: x, port: 80}]\n"
    + "- notReadyAddresses: [{ip: 10.0.0.3}]\n  ports: [{port: 80}]\n";
  assert.deepEqual(errorsOf({ "e.yaml": eps }).map((e) => e.replace(/: (Invalid|Required) value.*/, "")), [
    "e.yaml:5 subsets[0].addresses[0].hostname", "e.yaml:5 subsets[0].addresses[0].nodeName", "e.yaml:6 subsets[0].ports[0].name", "e.yaml:6 subsets[0].ports[1].name",
    "e.yaml:8 subsets[1].ports[0].name", "e.yaml:8 subsets[1].ports[1].appProtocol", "e.yaml:9 subsets[2]",
  ]);
  // An EndpointSlice endpoint's hostname is checked when set, even empty (validateEndpoints: Hostname != nil).
  assert.match(errorsOf({ "s.yaml": slice("addressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n  hostname: ''\n") })[0], /^s\.yaml:7 endpoints\[0\]\.hostname: Invalid value/);
});
