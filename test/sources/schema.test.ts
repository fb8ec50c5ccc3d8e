// Schema validation as `kubectl apply` (strict field validation) and the API server do it: unknown
// fields, field types of every field, required fields, and, for server-accepted dumps, unknown
// fields as notes. The CEL library and the list-type keywords are tested on a synthetic CRD.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, load } from "../helpers.js";
import { formatDiagnostic, Diagnostics } from "../../src/model/source.js";
import { SchemaCatalog } from "../../src/sources/schema/catalog.js";
import { validateObject } from "../../src/sources/schema/validate.js";
import { splitObjects } from "../../src/sources/documents.js";
import { closest } from "../../src/model/spelling.js";

function diagnostics(yaml: string, severity = "error"): string[] {
  return load({ "in.yaml": yaml }).diagnostics.items.filter((d) => d.severity === severity).map(formatDiagnostic);
}

const POLICY = (spec: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: x}
spec:
${spec}`;

test('kubectl apply: strict decoding error: unknown field "spec.egres" / "spec.podSelectr" — with a did-you-mean', () => {
  const e = diagnostics(POLICY("  podSelectr: {}\n  egres: []\n"));
  assert.deepEqual(e, [
    'in.yaml:5 spec.podSelectr: unknown field "podSelectr" (did you mean "podSelector"?)',
    'in.yaml:6 spec.egres: unknown field "egres" (did you mean "egress"?)',
  ]);
});

test("a misindented ipBlock (a sibling of `from`, not a peer) is an unknown field of the rule, as the API server says", () => {
  const e = diagnostics(POLICY("  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {}\n    ipBlock: {cidr: 10.0.0.0/8}\n"));
  assert.deepEqual(e, ['in.yaml:9 spec.ingress[0].ipBlock: unknown field "ipBlock"']);
});

test("field types of every field, including ones Junction does not use: a container given as a string is an error", () => {
  // The API server: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type v1.Container.
  const e = diagnostics(`apiVersion: v1
kind: Pod
metadata: {name: p, namespace: x}
spec:
  containers:
  - nginx
  - name: c
    image: nginx
    tty: "yes"
    env: [{name: A, value: 1}]
`);
  assert.deepEqual(e, [
    'in.yaml:6 spec.containers[0]: must be an object, not the string "nginx"',
    'in.yaml:9 spec.containers[1].tty: must be true or false, not the string "yes"',
    "in.yaml:10 spec.containers[1].env[0].value: must be a string, not number 1",
  ]);
});

test("what the API server decodes is accepted: quantities as numbers, int-or-string ports, null fields, base64 data", () => {
  const e = diagnostics(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: x, creationTimestamp: null}
spec:
  selector: {matchLabels: {app: web}}
  strategy: null
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        resources: {limits: {cpu: 1, memory: 1Gi}, requests: {cpu: 0.5}}
        readinessProbe: {httpGet: {port: http}}
        livenessProbe: {tcpSocket: {port: 8080}}
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: x}
data: {key: aGVsbG8=}
stringData: {other: plain}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: x}
spec: {ports: [{port: 80, targetPort: 8080}]}
`);
  assert.deepEqual(e, []);
});

test("null fields in JSON are absent ones too; a JSON value that holds no null (or a YAML document the fast reader read without making a null) skips the search for them, whatever its strings say", () => {
  const deployment = (strategy: string, extra = "") => `{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "x"${extra}},
  "spec": {"selector": {"matchLabels": {"app": "web"}}, "strategy": ${strategy}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c"}]}}}}`;
  const errors = (name: string, text: string) => load({ [name]: text }).diagnostics.errors.map(formatDiagnostic);
  // The API server decodes a null field as an absent one: no "must be an object, not null".
  assert.deepEqual(errors("a.json", deployment("null")), []);
  assert.deepEqual(errors("b.json", `{"apiVersion": "v1", "kind": "List", "items": [${deployment("null", ', "creationTimestamp": null')}]}`), []);
  // Without nulls the schema still judges every field.
  assert.deepEqual(errors("c.json", deployment('"fast"', ', "annotations": {"note": "null"}')), ['c.json:2 spec.strategy: must be an object, not the string "fast"']);
  const split = (name: string, text: string) => splitObjects({ name, text }, new Diagnostics()).map((r) => r.nullFree);
  assert.deepEqual(split("c.json", deployment("{}")), [true]);
  // (Seen by the walk that counts the parsed keys: the word null in a string is not a null.)
  assert.deepEqual(split("d.json", deployment("{}", ', "annotations": {"note": "null"}')), [true]);
  assert.deepEqual(split("d2.json", deployment("{}", ', "annotations": {"note": "x"}, "labels": {"a": null}')), [false]);
  assert.deepEqual(split("d3.json", deployment("[1, [2, null]]")), [false]);
  assert.deepEqual(split("e.json", `{"apiVersion": "v1", "kind": "List", "items": [${deployment("{}")}, ${deployment("null")}]}`), [false, false]);
  // The fast YAML reader knows whether it made a null (an empty value, null, Null, NULL, ~, in block or flow style).
  assert.deepEqual(split("f.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"), [true]);
  assert.deepEqual(split("g.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {note: 'null', b: \"~\"}}\n"), [true]);
  for (const nul of ["", " null", " Null", " NULL", " ~", " {x: ~}", " [null]"]) {
    assert.deepEqual(split("h.yaml", `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:${nul}\n`), [false], JSON.stringify(nul));
  }
  // Read by the full reader (an anchor): not marked.
  assert.deepEqual(split("i.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: &m {name: a}\n"), [false]);
  const yamlDeployment = (strategy: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: x}\nspec:\n  selector: {matchLabels: {app: web}}\n  strategy:${strategy}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c}]}\n`;
  assert.deepEqual(errors("j.yaml", yamlDeployment("")), []);
  assert.deepEqual(errors("k.yaml", yamlDeployment(" ~")), []);
  assert.deepEqual(errors("l.yaml", yamlDeployment(" fast")), ['l.yaml:6 spec.strategy: must be an object, not the string "fast"']);
});

test("an int-or-string that is neither, and Secret data that is not base64, are errors", () => {
  const e = diagnostics(`apiVersion: v1
kind: Service
metadata: {name: s, namespace: x}
spec: {ports: [{port: 80, targetPort: 1.5}]}
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: x}
data: {key: "not base64!"}
`);
  assert.equal(e.length, 2, e.join("\n"));
  assert.match(e[0], /in\.yaml:4 spec\.ports\[0\]\.targetPort: must be an integer( or a string)?, not number 1\.5/);
  assert.match(e[1], /in\.yaml:9 data\.key: "not base64!" is not a valid byte/);
});

test("required fields kubectl requires: the selector of an apps/v1 Deployment, a container's name", () => {
  const e = diagnostics(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: x}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{image: nginx}]}
`);
  assert.deepEqual(e, [
    "in.yaml:4 spec.selector: required field is missing",
    "in.yaml:7 spec.template.spec.containers[0].name: required field is missing",
  ]);
});

test("a server-accepted dump (metadata.uid / resourceVersion / status) with a field newer than the schema: a note naming the schema version, not an error", () => {
  const yaml = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: x, uid: 1b0c, resourceVersion: "42"}
spec:
  containers: [{name: c, image: nginx}]
  futureField: {x: 1}
status:
  podIP: 10.0.0.1
`;
  assert.deepEqual(diagnostics(yaml), []);
  const notes = diagnostics(yaml, "info").filter((n) => n.includes("futureField"));
  assert.equal(notes.length, 1);
  assert.match(notes[0], /in\.yaml:6 spec\.futureField: unknown field "futureField": not in the vendored schema \(Kubernetes OpenAPI release-1\.\d+.*\); the server accepted this object, so the field may be newer: ignored/);
  // The same object written by hand (no uid, resourceVersion or status) is refused.
  const hand = diagnostics("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec:\n  containers: [{name: c}]\n  futureField: {x: 1}\n");
  assert.deepEqual(hand, ['in.yaml:6 spec.futureField: unknown field "futureField"']);
});

test("each error is reported once: a field the schema reports is not reported again by the front end", () => {
  const e = diagnostics(POLICY("  podSelector: {}\n  policyTypes: Ingress\n"));
  assert.deepEqual(e, ['in.yaml:6 spec.policyTypes: must be a list, not the string "Ingress"']);
});

test("--lenient: what the API server would reject is a warning, and the object is read as other tools read it", async () => {
  const input = `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: c}], futureField: 1}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
spec: {containers: [{name: c}], nodeSelecter: {}}
`;
  const strict = await cli(["list", "-f", "-"], input);
  assert.equal(strict.code, 2);
  assert.match(strict.err, /spec\.nodeSelecter: unknown field "nodeSelecter" \(did you mean "nodeSelector"\?\)/);
  const lenient = await cli(["list", "--lenient", "-f", "-"], input);
  assert.equal(lenient.code, 0, lenient.err);
  assert.match(lenient.err, /warning: .*spec\.nodeSelecter: unknown field/);
  assert.match(lenient.out, /x\/b/);
});

test("did-you-mean: one edit per three letters, transpositions count once", () => {
  assert.equal(closest("podSelectr", ["podSelector", "policyTypes"]), "podSelector");
  assert.equal(closest("egrses", ["egress", "ingress"]), "egress");
  assert.equal(closest("foo", ["egress", "ingress"]), undefined);
});

/** A catalog holding one synthetic CRD, to test the keywords and the Kubernetes CEL library. */
function syntheticCatalog(properties: Record<string, unknown>, specExtra: Record<string, unknown> = {}): { catalog: SchemaCatalog; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "junction-schema-"));
  mkdirSync(join(dir, "example.com"));
  mkdirSync(join(dir, "kubernetes"));
  writeFileSync(join(dir, "kubernetes", "meta.json"), JSON.stringify({
    source: { description: "test" }, kinds: {},
    definitions: { V1ObjectMeta: { type: "object", properties: { name: { type: "string" }, namespace: { type: "string" } } } },
  }));
  writeFileSync(join(dir, "example.com", "things.json"), JSON.stringify({
    source: { description: "test CRD" }, group: "example.com", kind: "Thing",
    versions: { v1: { schema: { type: "object", properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, spec: { type: "object", properties, ...specExtra } } } } },
  }));
  return { catalog: new SchemaCatalog(dir), done: () => rmSync(dir, { recursive: true, force: true }) };
}

function check(catalog: SchemaCatalog, spec: unknown): string[] {
  const diags = new Diagnostics();
  validateObject({ apiVersion: "example.com/v1", kind: "Thing", obj: { apiVersion: "example.com/v1", kind: "Thing", metadata: { name: "t" }, spec }, ref: { file: "t.yaml", doc: 0, path: [] } }, diags, catalog);
  return diags.items.map((d) => `${d.field?.join(".")}: ${d.message}`);
}

test("x-kubernetes-list-type map: entries with the same keys are refused (API server: Duplicate value)", () => {
  const { catalog, done } = syntheticCatalog({
    ports: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port", "protocol"], items: { type: "object", properties: { port: { type: "integer" }, protocol: { type: "string" } } } },
    tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
  });
  try {
    assert.deepEqual(check(catalog, { ports: [{ port: 80, protocol: "TCP" }, { port: 80, protocol: "UDP" }], tags: ["a", "b"] }), []);
    assert.deepEqual(check(catalog, { ports: [{ port: 80, protocol: "TCP" }, { port: 80, protocol: "TCP" }], tags: ["a", "a"] }), [
      'spec.ports.1: Duplicate value: {"port":80,"protocol":"TCP"}',
      'spec.tags.1: Duplicate value: "a"',
    ]);
  } finally { done(); }
});

test("x-kubernetes-preserve-unknown-fields, int-or-string and exclusive bounds as the API server reads them", () => {
  const { catalog, done } = syntheticCatalog({
    free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    port: { "x-kubernetes-int-or-string": true },
    weight: { type: "integer", minimum: 0, exclusiveMinimum: true },
  });
  try {
    assert.deepEqual(check(catalog, { free: { anything: [1] }, port: "http", weight: 1 }), []);
    assert.deepEqual(check(catalog, { port: true, weight: 0, other: 1 }), [
      "spec.other: unknown field \"other\"",
      "spec.port: must be an integer or a string, not boolean true",
      "spec.weight: 0 must be above 0",
    ]);
  } finally { done(); }
});

test("CEL rules (x-kubernetes-validations) with Kubernetes' library: isIP, isCIDR, cidr().prefixLength(), ip().family(), format.dns1123Label(), split, RE2 matches", () => {
  const rules = [
    { rule: "isIP(self.ip) && ip(self.ip).family() == 4", message: "ip must be an IPv4 address" },
    { rule: "isCIDR(self.net) && cidr(self.net).prefixLength() >= 8", message: "net must be a CIDR of at least /8" },
    { rule: "cidr(self.net).containsIP(self.ip)", message: "ip must be inside net" },
    { rule: "ip(self.ip).family() > 0", message: "unreachable unless ip() fails" },
    { rule: "format.dns1123Label().validate(self.name) == null", message: "name must be a DNS label" },
    { rule: "self.path.split('/').size() <= 3", message: "at most two levels" },
    { rule: 'self.name.matches(r"""^[a-z]+$""")', message: "letters only" },
    { rule: "!has(self.old) || self.old == oldSelf.old", message: "transition rules apply to updates only" },
  ];
  const { catalog, done } = syntheticCatalog({ ip: { type: "string" }, net: { type: "string" }, name: { type: "string" }, path: { type: "string" }, old: { type: "string" } }, { "x-kubernetes-validations": rules });
  try {
    assert.deepEqual(check(catalog, { ip: "10.1.2.3", net: "10.0.0.0/8", name: "web", path: "a/b", old: "x" }), []);
    assert.deepEqual(check(catalog, { ip: "fd00::1", net: "10.0.0.0/4", name: "Web_1", path: "a/b/c/d" }), [
      "spec: ip must be an IPv4 address",
      "spec: net must be a CIDR of at least /8",
      "spec: ip must be inside net",
      "spec: name must be a DNS label",
      "spec: at most two levels",
      "spec: letters only",
    ]);
    // A rule whose evaluation errors (ip() of a non-address; containsIP() of a string that is not
    // one: apiserver/pkg/cel/library/cidr.go parses it and returns the parse error) fails, as the
    // API server reports it: with the evaluation error, not the rule's message.
    const e = check(catalog, { ip: "not-an-ip", net: "10.0.0.0/8", name: "web", path: "a" });
    assert.deepEqual(e[0], "spec: ip must be an IPv4 address");
    assert.match(e[1], /^spec: rule "cidr\(self\.net\)\.containsIP\(self\.ip\)" could not be evaluated: .*parse error/);
    assert.match(e[2], /^spec: rule "ip\(self\.ip\)\.family\(\) > 0" could not be evaluated: .*parse error/);
    assert.equal(e.length, 3);
  } finally { done(); }
});

test("apps/v1 validation: the selector must select the template's labels (API server: \"`selector` does not match template `labels`\"); an empty selector is invalid", () => {
  const e = diagnostics(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: x}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: x}
spec:
  selector: {}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: x}
spec:
  selector: {matchExpressions: [{key: app, operator: In}]}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c}]}
`);
  assert.deepEqual(e, [
    "in.yaml:7 spec.template.metadata.labels: `selector` does not match template `labels` (the API server refuses the workload)",
    'in.yaml:14 spec.selector: empty selector is invalid for this workload (the API server: "empty selector is invalid for deployment")',
    "in.yaml:23 spec.selector.matchExpressions[0].values: must be non-empty when operator is In",
  ]);
});

test("core/v1 ValidateService: several ports must be named, with unique names and unique port/protocol pairs", () => {
  const e = diagnostics(`apiVersion: v1
kind: Service
metadata: {name: s, namespace: x}
spec:
  ports:
  - {port: 80}
  - {name: a, port: 81}
  - {name: a, port: 82}
  - {name: b, port: 81, protocol: TCP}
  - {name: c, port: 81, protocol: UDP}
`);
  assert.deepEqual(e, [
    "in.yaml:6 spec.ports[0].name: required when a Service has several ports (the API server: Required value)",
    'in.yaml:8 spec.ports[2].name: Duplicate value: "a"',
    "in.yaml:9 spec.ports[3]: Duplicate value: port 81/TCP is listed twice",
  ]);
});

test("core/v1 validateContainerPorts and validateContainers: a port name is unique in its container (not across containers), a container name in its pod; an ephemeral container has no ports", () => {
  const e = diagnostics(`apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: x}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers:
      - name: web
        image: i
        ports:
        - {name: http, containerPort: 80}
        - {name: http, containerPort: 8080}
        - {name: "", containerPort: 81}
        - {containerPort: 82}
      - name: side
        image: i
        ports: [{name: http, containerPort: 9090}]
      initContainers:
      - {name: web, image: i}
      ephemeralContainers:
      - {name: dbg, image: i, ports: [{containerPort: 1}]}
`);
  assert.deepEqual(e, [
    'in.yaml:14 spec.template.spec.containers[0].ports[1].name: Duplicate value: "http" (a port\'s name is unique in its container)',
    'in.yaml:21 spec.template.spec.initContainers[0].name: Duplicate value: "web" (a container\'s name is unique in its pod)',
    // (ValidatePodTemplateSpec refuses a template's ephemeral containers too, besides ValidatePodSpec's checks of them.)
    "in.yaml:22 spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template (the API server refuses it; kubectl debug adds them to a running pod)",
    "in.yaml:23 spec.template.spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container (validateEphemeralContainers)",
  ]);
  // A pod with one container and distinct names: nothing (the rule is not even run).
  assert.deepEqual(diagnostics("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec:\n  containers: [{name: c, image: i, ports: [{name: a, containerPort: 1}, {name: b, containerPort: 2}]}]\n"), []);
  // The same in a CronJob's job template.
  const c = diagnostics("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: x}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: c, image: i, ports: [{name: a, containerPort: 1}, {name: a, containerPort: 2}]}]\n");
  assert.deepEqual(c, ['in.yaml:11 spec.jobTemplate.spec.template.spec.containers[0].ports[1].name: Duplicate value: "a" (a port\'s name is unique in its container)']);
});

test("apimachinery ValidateFinalizers and core's validateKubeFinalizerName: finalizers are qualified names; a built-in kind's without a '/' is a standard one; orphan and foregroundDeletion not both", () => {
  const e = diagnostics(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: np
  namespace: x
  finalizers: [kubernetes, orphan, foregroundDeletion, example.com/cleanup, protect, "Bad/x", example.com/a/b]
spec: {podSelector: {}}
`);
  assert.deepEqual(e, [
    "in.yaml:6 metadata.finalizers: Invalid value: finalizer orphan and foregroundDeletion cannot be both set",
    'in.yaml:6 metadata.finalizers[4]: Invalid value: "protect": name is neither a standard finalizer name nor is it fully qualified (write a domain-prefixed name such as example.com/protect, or kubernetes, orphan or foregroundDeletion)',
    'in.yaml:6 metadata.finalizers[5]: Invalid value: "Bad/x": a finalizer is a qualified name (an optional DNS subdomain prefix and \'/\', then at most 63 characters: alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)',
    'in.yaml:6 metadata.finalizers[6]: Invalid value: "example.com/a/b": a finalizer is a qualified name (an optional DNS subdomain prefix and \'/\', then at most 63 characters: alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)',
  ]);
  // A custom resource: apimachinery's rule only (a qualified name without a domain is accepted).
  const cr = diagnostics("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: g, finalizers: [protect, \"Bad Name\"]}\nspec: {controllerName: example.com/c}\n");
  assert.deepEqual(cr, ['in.yaml:3 metadata.finalizers[1]: Invalid value: "Bad Name": a finalizer is a qualified name (an optional DNS subdomain prefix and \'/\', then at most 63 characters: alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric)']);
});

test("core/v1 ValidateNode: podCIDR and podCIDRs are CIDRs, one per family", () => {
  const e = diagnostics(`apiVersion: v1
kind: Node
metadata: {name: n1}
spec:
  podCIDR: 10.244.1.0/33
  podCIDRs: [10.244.1.0/24, 10.245.0.0/24]
`);
  assert.deepEqual(e, [
    'in.yaml:5 spec.podCIDR: "10.244.1.0/33" is not a valid CIDR',
    "in.yaml:6 spec.podCIDRs[1]: may specify no more than one CIDR for each IP family",
  ]);
});

test("network-policy-api CRD (v0.2.0, experimental channel): its CEL rules hold — `isCIDR(self)` on networks and no named ports with networks/nodes/domainNames peers", () => {
  const e = diagnostics(`apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: c}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {}}
  egress:
  - action: Accept
    to: [{networks: [10.0.0.0/8, 10.0.0.0/40]}]
    protocols: [{destinationNamedPort: http}]
  - action: Deny
    to: [{pods: {namespaceSelector: {}}}]
    protcols: []
`);
  // The missing podSelector (a required field) blocks the CRD's CEL rules, as the API server skips
  // them (hasBlockingErr): the front end's own checks of the same rules report them.
  assert.deepEqual(e, [
    // The front end's message for the same field is kept (one error per field).
    'in.yaml:10 spec.egress[0].to[0].networks[1]: "10.0.0.0/40" is not a valid CIDR: the API server\'s isCIDR (net/netip.ParsePrefix) refuses a prefix length above 32',
    "in.yaml:11 spec.egress[0].protocols: networks/nodes/domainNames peers cannot be used with destinationNamedPort",
    "in.yaml:13 spec.egress[1].to[0].pods.podSelector: required field is missing",
    'in.yaml:14 spec.egress[1].protcols: unknown field "protcols" (did you mean "protocols"?)',
  ]);
  // The CRD's own rule on that field: `isCIDR(self)`, message "Invalid CIDR format provided".
  const diags = new Diagnostics();
  const obj = { apiVersion: "policy.networking.k8s.io/v1alpha2", kind: "ClusterNetworkPolicy", metadata: { name: "c" }, spec: { tier: "Admin", priority: 1, subject: { namespaces: {} }, egress: [{ action: "Deny", to: [{ networks: ["10.0.0.0/40"] }] }] } };
  validateObject({ apiVersion: obj.apiVersion, kind: obj.kind, obj, ref: { file: "c.yaml", doc: 0, path: [] } }, diags);
  assert.deepEqual(diags.items.map((d) => `${formatDiagnostic(d)}`), ["c.yaml spec.egress[0].to[0].networks[0]: Invalid CIDR format provided"]);
});

test("`pattern` is Go's regexp (RE2), as the API server evaluates it: inline flags and \\z work, and a match anywhere counts", () => {
  const { catalog, done } = syntheticCatalog({
    code: { type: "string", pattern: "(?i)^[a-z]+\\z" },
    part: { type: "string", pattern: "b+" },
  });
  try {
    assert.deepEqual(check(catalog, { code: "ABC", part: "abba" }), []);
    assert.deepEqual(check(catalog, { code: "AB1", part: "aca" }), [
      'spec.code: "AB1" does not match the pattern (?i)^[a-z]+\\z',
      'spec.part: "aca" does not match the pattern b+',
    ]);
  } finally { done(); }
});

test("apimachinery ValidateAnnotationsSize: an object's annotations total at most 256 KiB (262144 bytes, keys and values, UTF-8)", () => {
  const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: x\n  annotations: {a: "${value}"}\n`;
  assert.deepEqual(diagnostics(cm("x".repeat(262143))), []);
  const e = diagnostics(cm("x".repeat(262144)));
  assert.equal(e.length, 1);
  assert.match(e[0], /^in\.yaml:6 metadata\.annotations: Too long: annotations total 262145 bytes; may not be more than 262144 bytes/);
  // Multi-byte characters count by their UTF-8 size (é is 2 bytes).
  assert.equal(diagnostics(cm("é".repeat(131072))).length, 1);
});

test('a top-level field starting with "_" is a comment with a warning; nested, or without "_", it stays an error', () => {
  const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: c}
spec: {controllerName: example.com/x, _x: 1}
_note: placeholder class
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: x}
_comment: made by Kubernetes
note: not a comment
`;
  assert.deepEqual(diagnostics(yaml), [
    'in.yaml:4 spec._x: unknown field "_x"',
    'in.yaml:11 note: unknown field "note"',
  ]);
  assert.deepEqual(diagnostics(yaml, "warning"), [
    'in.yaml:5 _note: unknown field "_note", read as a comment (no Kubernetes field starts with "_"); kubectl apply refuses it (strict field validation)',
    'in.yaml:10 _comment: unknown field "_comment", read as a comment (no Kubernetes field starts with "_"); kubectl apply refuses it (strict field validation)',
  ]);
  const ok = load({ "in.yaml": yaml.replace("note: not a comment\n", "").replace(", _x: 1", "") });
  assert.equal(ok.diagnostics.items.filter((d) => d.severity === "error").length, 0);
  assert.deepEqual(ok.inventory.routing.gatewayClasses.map((c) => c.name), ["c"]);
});
