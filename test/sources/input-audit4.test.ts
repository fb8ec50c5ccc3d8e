// Input audit, fifth round: null items as the API server decodes them, removed API versions,
// references by namespace, and int64 bounds on the text.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, load, verdict } from "../helpers.js";
import { formatPath } from "../../src/model/source.js";
import { parseStrictJson } from "../../src/sources/strictjson.js";

const pods = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default, labels: {app: a}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.1}\n---\n"
  + "apiVersion: v1\nkind: Pod\nmetadata: {name: e, namespace: default, labels: {app: ''}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.2}\n---\n";
const policy = (spec: string) => `${pods}apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default}\nspec:\n${spec}`;
const warnings = (l: ReturnType<typeof load>) => l.diagnostics.items.filter((d) => d.code === "null-value").map((d) => [d.severity, d.line, formatPath(d.field ?? [])]);

test("a null list item of a built-in kind is its Go zero value, as the API server decodes it (encoding/json: null into a struct has no effect): `ingress: [null]` is `[{}]` and allows all, with a warning", () => {
  const ingress = policy("  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [null]\n");
  const l = load({ "np.yaml": ingress });
  assert.deepEqual(l.diagnostics.errors, []);
  assert.deepEqual(warnings(l), [["warning", 19, "spec.ingress[0]"]]);
  assert.match(l.diagnostics.items.find((d) => d.code === "null-value")!.message, /null is read as \{\}: a rule with no peers and no ports, which allows all ingress traffic/);
  // It was refused ("must be an object, not null"); --lenient then dropped the rule: a deny-all.
  const e = engineFor(ingress);
  assert.equal(verdict(e, "ip:8.8.8.8", "default/a", 5432), "allow");
  assert.equal(verdict(e, "ip:8.8.8.8", "default/a", 53, "UDP"), "allow");
  const egress = engineFor(policy("  podSelector: {}\n  policyTypes: [Egress]\n  egress: [~]\n"));
  assert.equal(verdict(egress, "default/a", "ip:8.8.8.8", 443), "allow");
  // A null port is NetworkPolicyPort{}: protocol defaulted to TCP (SetDefaults_NetworkPolicy), every port.
  const ports = engineFor(policy("  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{ports: [null]}]\n"));
  assert.equal(verdict(ports, "ip:8.8.8.8", "default/a", 5432), "allow");
  assert.equal(verdict(ports, "ip:8.8.8.8", "default/a", 53, "UDP"), "deny");
  // A null peer is NetworkPolicyPeer{}, which the API server refuses ("must specify a peer").
  const peer = load({ "np.yaml": policy("  podSelector: {}\n  ingress: [{from: [null]}]\n") });
  assert.deepEqual(peer.diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[18, "spec.ingress[0].from[0]"]]);
  assert.match(peer.diagnostics.errors[0].message, /must specify a peer/);
});

test("a null map value or string item of a built-in kind is \"\": matchLabels {app: null} selects pods labelled app: \"\", a selector's values [b, ~] are [b, \"\"], a label app: null is app: \"\"", () => {
  const deny = (selector: string) => policy(`  podSelector: ${selector}\n  policyTypes: [Ingress]\n`);
  const byNull = load({ "np.yaml": deny("{matchLabels: {app: null}}") });
  assert.deepEqual(byNull.diagnostics.errors, []);
  assert.deepEqual(warnings(byNull), [["warning", 17, "spec.podSelector.matchLabels.app"]]);
  assert.match(byNull.diagnostics.items.find((d) => d.code === "null-value")!.message, /null is read as "".*kubectl apply to an existing object deletes the key instead/);
  const e = engineFor(deny("{matchLabels: {app: null}}"));
  assert.equal(verdict(e, "ip:8.8.8.8", "default/e", 80), "deny");
  assert.equal(verdict(e, "ip:8.8.8.8", "default/a", 80), "allow");
  const notIn = engineFor(deny("{matchExpressions: [{key: app, operator: NotIn, values: [b, ~]}]}"));
  assert.equal(verdict(notIn, "ip:8.8.8.8", "default/e", 80), "allow");
  assert.equal(verdict(notIn, "ip:8.8.8.8", "default/a", 80), "deny");
  const label = load({ "p.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: nl, namespace: default, labels: {app: null}}\nspec: {containers: [{name: c, image: x}]}\n" });
  assert.deepEqual(label.diagnostics.errors, []);
  assert.deepEqual(label.inventory.endpoints.find((p) => p.name === "nl")?.labels, { app: "" });
  // A null field is still an absent one, with no warning.
  const absent = load({ "np.yaml": deny("{matchLabels: null}") });
  assert.deepEqual([absent.diagnostics.errors, warnings(absent)], [[], []]);
});

test("a null list item of a custom resource is refused, as its schema refuses it (nullable is false)", () => {
  const anp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec:\n  priority: 10\n  subject: {namespaces: {}}\n  ingress: [null]\n";
  const l = load({ "anp.yaml": anp });
  assert.deepEqual(l.diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[7, "spec.ingress[0]"]]);
  assert.deepEqual(warnings(l), []);
});

const template = "  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}\n";
const deployment = (apiVersion: string, extra = "", md = "") => `apiVersion: ${apiVersion}\nkind: Deployment\nmetadata: {name: web, namespace: a${md}}\nspec:\n${extra}${template}`;
const codes = (l: ReturnType<typeof load>) => l.diagnostics.items.filter((d) => d.severity !== "info").map((d) => [d.severity, d.code, d.line, formatPath(d.field ?? [])]);

test("a removed API version (apps/v1beta1, apps/v1beta2, extensions/v1beta1, batch/v1beta1, networking.k8s.io/v1beta1) is refused as a current API server refuses it, naming the replacement; it is read with the old version's defaults", () => {
  // extensions/v1beta1 and apps/v1beta1 defaulted the selector from the template's labels (SetDefaults_Deployment):
  // the one error is the version, not a missing selector; apps/v1beta2 required it, as apps/v1 does.
  for (const v of ["extensions/v1beta1", "apps/v1beta1"]) {
    const l = load({ "d.yaml": deployment(v, "  rollbackTo: {revision: 1}\n") });
    assert.deepEqual(codes(l), [["error", "removed-version", 1, "apiVersion"]], v);
    assert.match(l.diagnostics.errors[0].message, new RegExp(`^Deployment ${v} was removed in Kubernetes 1\\.16: a current API server refuses it \\(no matches for kind "Deployment" in version "${v}"\\); write apps/v1 \\(spec\\.selector defaults to the template's labels\\)`));
    assert.equal(l.inventory.controllers.length, 1);
  }
  assert.deepEqual(codes(load({ "d.yaml": deployment("apps/v1beta2") })), [["error", "removed-version", 1, "apiVersion"], ["error", "required", 4, "spec.selector"]]);
  // Before, none of them was checked at all: an unknown field passed.
  assert.deepEqual(codes(load({ "d.yaml": deployment("extensions/v1beta1", "  replica: 2\n") })).map((c) => c[1]), ["removed-version", "unknown-field"]);
  const cron = load({ "c.yaml": "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: cj, namespace: a}\nspec:\n  schedule: '* * * * *'\n  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: i}]}}}}\n" });
  assert.deepEqual(codes(cron), [["error", "removed-version", 1, "apiVersion"]]);
  assert.match(cron.diagnostics.errors[0].message, /removed in Kubernetes 1\.25.*write batch\/v1/);
});

test("an object an older API server stored in a removed version (a dump: uid, resourceVersion or status) is a warning and is read; the same object under two versions is one object", () => {
  const dumped = load({ "d.yaml": deployment("extensions/v1beta1", "", ", uid: u1") });
  assert.deepEqual(codes(dumped), [["warning", "removed-version", 1, "apiVersion"]]);
  assert.match(dumped.diagnostics.items[0].message, /an older API server stored this object: read as apps\/v1/);
  const twice = load({ "d.yaml": `${deployment("extensions/v1beta1", "", ", uid: u1")}---\n${deployment("apps/v1", "  selector: {matchLabels: {app: web}}\n", ", uid: u1")}` });
  assert.deepEqual(codes(twice).map((c) => c[1]), ["duplicate"]);
  assert.equal(twice.inventory.controllers.length, 1);
  // extensions/v1beta1 NetworkPolicy (refused as an unsupported version before) applies as networking.k8s.io/v1.
  const pods = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {app: p}, uid: u2}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.1}\n---\n";
  const np = `${pods}apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a, uid: u3}\nspec: {podSelector: {}}\n`;
  assert.deepEqual(codes(load({ "np.yaml": np })), [["warning", "removed-version", 7, "apiVersion"]]);
  assert.equal(verdict(engineFor(np), "ip:8.8.8.8", "a/p", 80), "deny");
  const both = load({ "np.yaml": `${np}---\n${np.slice(pods.length).replace("extensions/v1beta1", "networking.k8s.io/v1")}` });
  assert.equal(both.inventory.policies.length, 1);
});

test("an Ingress of networking.k8s.io/v1beta1 or extensions/v1beta1 is read as v1 holds it: backend is defaultBackend, serviceName/servicePort are service.name and port.number or port.name, pathType defaults to ImplementationSpecific", () => {
  for (const v of ["networking.k8s.io/v1beta1", "extensions/v1beta1"]) {
    const l = load({ "i.yaml": `apiVersion: ${v}\nkind: Ingress\nmetadata: {name: ing, namespace: a, resourceVersion: '7'}\nspec:\n  backend: {serviceName: web, servicePort: 80}\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - path: /\n        backend: {serviceName: api, servicePort: http}\n` });
    assert.deepEqual(codes(l), [["warning", "removed-version", 1, "apiVersion"]], v);
    const ing = l.inventory.ingress.ingresses[0];
    const path = ing.rules[0].paths[0];
    assert.deepEqual([ing.defaultBackend, path.path, path.pathType, path.backend], [
      { kind: "service", name: "web", port: 80 }, "/", "ImplementationSpecific", { kind: "service", name: "api", port: "http" },
    ], v);
  }
});

test("a discovery.k8s.io/v1beta1 EndpointSlice is read as v1 holds it (Convert_v1beta1_Endpoint_To_discovery_Endpoint): topology is zone and deprecatedTopology", () => {
  const slice = "apiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\nmetadata: {name: s-1, namespace: a, labels: {kubernetes.io/service-name: s}}\naddressType: IPv4\nports: [{port: 80}]\n"
    + "endpoints:\n- addresses: [10.0.0.1]\n  nodeName: n1\n  topology: {kubernetes.io/hostname: n1, topology.kubernetes.io/zone: z1, rack: r1}\n";
  const l = load({ "s.yaml": slice });
  // (v1 has no `topology`: an unknown field, had it not been converted.)
  assert.deepEqual(codes(l), [["error", "removed-version", 1, "apiVersion"]]);
  assert.equal(l.inventory.endpointSlices.length, 1);
});

test("an int64 field's bound is compared on the text: 9223372036854775807 passes and 9223372036854775808 fails, in YAML and JSON, although both are the double 2^63", () => {
  const yaml = (v: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, annotations: {note: "${v}"}}\nspec:\n  activeDeadlineSeconds: ${v}\n  containers: [{name: c, image: i}]\n`;
  const json = (v: string) => `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a", "annotations": {"note": "${v}"}}, "spec": {"activeDeadlineSeconds": ${v}, "containers": [{"name": "c", "image": "i"}]}}`;
  for (const [file, text] of [["p.yaml", yaml], ["p.json", json]] as const) {
    for (const v of ["9223372036854775807", "9223372036854775296", "-9223372036854775808"]) {
      const l = load({ [file]: text(v) });
      assert.deepEqual(l.diagnostics.errors.map((d) => d.message), [], `${file} ${v}`);
    }
    for (const v of ["9223372036854775808", "9223372036854775999", "9223372036854776833", "9.3e18"]) {
      const l = load({ [file]: text(v) });
      assert.deepEqual(l.diagnostics.errors.map((d) => [d.line, formatPath(d.field ?? [])]), [[file === "p.yaml" ? 5 : 1, "spec.activeDeadlineSeconds"]], `${file} ${v}`);
      assert.match(l.diagnostics.errors[0].message, /is above the maximum 9223372036854775807 of an int64$/);
    }
  }
  assert.match(load({ "p.yaml": yaml("9223372036854775808") }).diagnostics.errors[0].message, /^9223372036854775808 is above/);
  // The number is read as the largest double below 2^63; a string keeps its digits.
  assert.deepEqual(parseStrictJson('{"a": "x: 9223372036854775807}", "b": [9223372036854775807, 9223372036854775808]}'), { a: "x: 9223372036854775807}", b: [9223372036854774784, 2 ** 63] });
});

test("the Multus networks annotation is read as Multus reads it (parsePodNetworkAnnotation): JSON when it holds any of [ { \" and then a list only, keys matched as Go's encoding/json matches them", () => {
  const nad = "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: l2, namespace: a}\nspec: {config: '{\"cniVersion\": \"0.3.1\", \"type\": \"bridge\"}'}\n---\n";
  const pod = (annotation: string) => `${nad}apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: a\n  annotations:\n    k8s.v1.cni.cncf.io/networks: '${annotation}'\nspec: {containers: [{name: c, image: i}]}\n`;
  const read = (annotation: string) => {
    const l = load({ "p.yaml": pod(annotation) });
    return { errors: l.diagnostics.errors.map((d) => d.message), networks: (l.inventory.endpoints.find((e) => e.name === "p")?.attachments ?? []).map((a) => a.network) };
  };
  assert.deepEqual(read('[{"name": "l2"}]').networks.length, 1);
  // "NAME" and "Name" are the field name to encoding/json; the later key wins.
  assert.deepEqual(read('[{"NAME": "l2"}]'), read('[{"name": "l2"}]'));
  assert.deepEqual(read('[{"name": "other", "Name": "l2"}]'), read('[{"name": "l2"}]'));
  // One object, not a list: json.Unmarshal into a slice fails, so the pod does not start. It was read as a list of one.
  const single = read('{"name": "l2"}');
  assert.deepEqual(single.networks, []);
  assert.match(single.errors[0], /not a JSON list of network selections but an object: Multus reads a list only/);
  // A quote anywhere makes it JSON to Multus: "l2" is a JSON string, not the network l2.
  assert.match(read('"l2"').errors[0], /not a JSON list of network selections but the string "l2"/);
  // null is a nil list: no network, no error.
  assert.deepEqual(read("null"), { errors: [], networks: [] });
});

test("several nulls of one object are each reported at its own path, after the subtrees walked before them (schema/zero.ts keeps one path as it walks)", () => {
  const l = load({ "np.yaml": policy([
    "  podSelector: {matchLabels: {app: a, tier: null}}",
    "  policyTypes: [Ingress, Egress]",
    "  ingress:",
    "  - from: [{podSelector: {matchExpressions: [{key: k, operator: In, values: [x, null]}]}}, {ipBlock: {cidr: 10.0.0.0/8}}]",
    "    ports: [null, {port: 80}]",
    "  - null",
    "  egress: [null]",
    "",
  ].join("\n")) });
  assert.deepEqual(l.diagnostics.errors, []);
  assert.deepEqual(warnings(l), [
    ["warning", 17, "spec.podSelector.matchLabels.tier"],
    ["warning", 20, "spec.ingress[0].from[0].podSelector.matchExpressions[0].values[1]"],
    ["warning", 21, "spec.ingress[0].ports[0]"],
    ["warning", 22, "spec.ingress[1]"],
    ["warning", 23, "spec.egress[0]"],
  ]);
});
