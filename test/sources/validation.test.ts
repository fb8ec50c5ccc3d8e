// Validation as the API server does it: every error names the file, line and field path, several
// errors are reported together, and nothing crashes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "../helpers.js";
import { formatDiagnostic } from "../../src/model/source.js";

function errors(yaml: string): string[] {
  return load({ "policies/db.yaml": yaml }).diagnostics.errors.map(formatDiagnostic);
}

test("an invalid CIDR is reported with file, line and field path", () => {
  const e = errors(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {}
    - ipBlock:
        cidr: 10.0.0.0/33
`);
  assert.deepEqual(e, ['policies/db.yaml:10 spec.ingress[0].from[1].ipBlock.cidr: "10.0.0.0/33" is not a valid CIDR']);
});

test("several errors in several objects are reported together, in a multi-document file", () => {
  const e = errors(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: Bad_Name, namespace: x}
spec:
  podSelector: {matchLabels: {"bad key!": v}}
  policyTypes: [Ingress, Sideways]
  ingress:
  - ports: [{port: 70000}, {protocol: ICMP}, {port: http, endPort: 90}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: a}
spec:
  priority: 1001
  subject: {namespaces: {}, pods: {podSelector: {}}}
  ingress:
  - action: Maybe
    from: []
`);
  const fields = e.map((x) => x.split(":")[0] + ":" + x.split(":")[1].split(" ")[0]);
  assert.deepEqual(fields, [
    "policies/db.yaml:3", "policies/db.yaml:5", "policies/db.yaml:6", "policies/db.yaml:8", "policies/db.yaml:8", "policies/db.yaml:8",
    // Line 15: "exactly one of namespaces, pods" and, from the CRD (v0.1.7), pods.namespaceSelector is required.
    "policies/db.yaml:14", "policies/db.yaml:15", "policies/db.yaml:15", "policies/db.yaml:17", "policies/db.yaml:18",
  ]);
  assert.match(e[0], /metadata\.name: "Bad_Name" is not a valid DNS-1123 subdomain/);
  assert.match(e[1], /spec\.podSelector\.matchLabels\.bad key!: label key "bad key!" is invalid/);
  assert.match(e[2], /spec\.policyTypes\[1\]: "Sideways" is not one of Ingress, Egress/);
  assert.match(e[3], /spec\.ingress\[0\]\.ports\[0\]\.port: 70000 is above the maximum 65535/);
  assert.match(e[4], /ports\[1\]\.protocol: "ICMP" is not one of TCP, UDP, SCTP/);
  assert.match(e[5], /ports\[2\]\.endPort: endPort may not be set when port is a named port/);
  assert.match(e[6], /spec\.priority: 1001 is above the maximum 1000/);
  assert.match(e[7], /spec\.subject: exactly one of namespaces, pods may be set/);
  assert.match(e[8], /spec\.subject\.pods\.namespaceSelector: required field is missing/);
  assert.match(e[9], /spec\.ingress\[0\]\.action: "Maybe" is not one of Allow, Deny, Pass/);
  assert.match(e[10], /spec\.ingress\[0\]\.from: must have at least 1 item/);
});

test("selector expressions are checked like the API server does", () => {
  const e = errors(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector:
    matchExpressions:
    - {key: app, operator: In, values: []}
    - {key: tier, operator: Exists, values: [a]}
    - {key: env, operator: Like, values: [a]}
`);
  assert.equal(e.length, 3);
  assert.match(e[0], /db\.yaml:7 spec\.podSelector\.matchExpressions\[0\]\.values: must be non-empty when operator is In/);
  assert.match(e[1], /:8 .*matchExpressions\[1\]\.values: must be empty when operator is Exists/);
  assert.match(e[2], /:9 .*matchExpressions\[2\]\.operator: "Like" is not one of In, NotIn, Exists, DoesNotExist/);
});

test("ipBlock: except must be inside the cidr, and ipBlock cannot be combined with selectors", () => {
  const e = errors(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}
    - ipBlock: {cidr: 10.0.0.0/8}
      podSelector: {}
    - {}
`);
  assert.equal(e.length, 3);
  assert.match(e[0], /except\[0\]: "192\.168\.0\.0\/16" must be a strict subset of the cidr "10\.0\.0\.0\/8"/);
  assert.match(e[1], /to\[1\]: ipBlock may not be combined/);
  assert.match(e[2], /to\[2\]: must specify a peer/);
});

test("the BaselineAdminNetworkPolicy must be named default; BANP has no Pass", () => {
  const e = errors(`apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: baseline}
spec:
  subject: {namespaces: {}}
  ingress:
  - action: Pass
    from: [{namespaces: {}}]
`);
  // The CRD's rule on the whole object (network-policy-api v0.1.7: `self.metadata.name == 'default'`)
  // is not evaluated beside the enum error (hasBlockingErr): the front end's own check reports it.
  assert.match(e[0], /:3 metadata\.name: a BaselineAdminNetworkPolicy must be named "default", not "baseline"$/);
  assert.match(e[1], /:7 spec\.ingress\[0\]\.action: "Pass" is not one of Allow, Deny/);
  assert.equal(e.length, 2);
});

test("rule-count limits: at most 100 ANP rules, 25 CNP rules", () => {
  const rules = (n: number, key: string) => Array.from({ length: n }, () => `  - {action: Deny, ${key}: [{namespaces: {}}]}`).join("\n");
  const anp = errors(`apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec:\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n${rules(101, "from")}\n`);
  assert.match(anp[0], /spec\.ingress: has 101 items; at most 100 are allowed/);
  const cnp = errors(`apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: c}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  egress:\n${rules(26, "to")}\n`);
  assert.match(cnp[0], /spec\.egress: has 26 items; at most 25 are allowed/);
});

test("ClusterNetworkPolicy: tier enum, exactly one protocol field, range start < end, domainNames only in Accept", () => {
  const e = errors(`apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: c}
spec:
  tier: Namespace
  priority: 1
  subject: {namespaces: {}}
  egress:
  - action: Deny
    to: [{domainNames: ["*.example.com"]}]
    protocols:
    - {tcp: {destinationPort: {range: {start: 90, end: 80}}}}
    - {tcp: {destinationPort: {number: 80}}, udp: {destinationPort: {number: 53}}}
`);
  assert.match(e[0], /:5 spec\.tier: "Namespace" is not one of Admin, Baseline/);
  // The CRD's CEL rule on range is not evaluated beside the tier's enum error (hasBlockingErr): the front end's check reports it.
  assert.ok(e.some((x) => /protocols\[0\]\.tcp\.destinationPort\.range\.end: end 80 must be greater than start 90/.test(x)), e.join("\n"));
  assert.equal(e.length, 4, e.join("\n"));
  assert.ok(e.some((x) => /protocols\[1\]: exactly one of tcp, udp, sctp, destinationNamedPort may be set/.test(x)));
  assert.ok(e.some((x) => /spec\.egress\[0\]\.action: domainNames peers are only supported in Accept rules/.test(x)));
});

test("workloads: containerPort range and port names; a case mistake in a field name is pointed out", () => {
  const e = errors(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: x}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        ports:
        - {name: web_port, containerPort: 0}
        - {name: ok, containerport: 80}
`);
  // Diagnostics come in the order the fields are written.
  assert.match(e[0], /:12 .*ports\[0\]\.name: "web_port" is not a valid port name/);
  assert.match(e[1], /:12 spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: 0 is below the minimum 1/);
  assert.match(e[2], /:13 .*ports\[1\]\.containerPort: required field is missing \(found "containerport": field names are case-sensitive\)/);
  // kubectl apply (strict field validation): strict decoding error: unknown field "...containerport".
  assert.match(e[3], /:13 .*ports\[1\]\.containerport: unknown field "containerport" \(did you mean "containerPort"\?\)/);
});

test("an unsupported apiVersion of a known kind is an error; unknown kinds are only counted", () => {
  const l = load({ "a.yaml": "apiVersion: networking.k8s.io/v2\nkind: NetworkPolicy\nmetadata: {name: p}\n---\napiVersion: v1\nkind: LimitRange\nmetadata: {name: c}\n---\napiVersion: v1\nkind: LimitRange\nmetadata: {name: d}\n" });
  assert.match(formatDiagnostic(l.diagnostics.errors[0]), /a\.yaml:1 apiVersion: NetworkPolicy "networking\.k8s\.io\/v2" is not supported \(supported: networking\.k8s\.io\/v1, projectcalico\.org\/v3, crd\.projectcalico\.org\/v1\)/);
  assert.equal(l.inventory.unknownKinds.get("LimitRange"), 2);
});

test("YAML syntax errors carry the line; JSON files are read too", () => {
  const bad = load({ "bad.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [x\n" });
  assert.equal(bad.diagnostics.errors[0].code, "input-syntax");
  assert.ok(bad.diagnostics.errors[0].line! >= 4);
  const json = load({ "ns.json": JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x", labels: { a: "b" } } }) });
  assert.deepEqual(json.inventory.namespaces.get("x")?.labels, { a: "b", "kubernetes.io/metadata.name": "x" });
});

test("errors inside a kind: List point into the list item", () => {
  const text = JSON.stringify({ apiVersion: "v1", kind: "List", items: [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ok" } },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace: "ok" }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "nope" } }] }] } },
  ] }, null, 2);
  const e = load({ "dump.json": text }).diagnostics.errors.map(formatDiagnostic);
  const line = text.split("\n").findIndex((l) => l.includes('"cidr"')) + 1;
  assert.deepEqual(e, [`dump.json:${line} spec.ingress[0].from[0].ipBlock.cidr: "nope" is not a valid CIDR`]);
});

test("lines are found in large inputs: a later document of a YAML stream, an item of a JSON List", () => {
  const np = (name: string, cidr: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock:\n        cidr: ${cidr}\n`;
  const yaml = [np("a", "10.0.0.0/8"), np("b", "10.0.0.0/8"), np("c", "10.0.0.0/33")].map((d) => `---\n${d}`).join("");
  const yamlLine = yaml.split("\n").findIndex((l) => l.includes("10.0.0.0/33")) + 1;
  assert.equal(yamlLine, 30);
  assert.deepEqual(errors(yaml), [`policies/db.yaml:${yamlLine} spec.ingress[0].from[0].ipBlock.cidr: "10.0.0.0/33" is not a valid CIDR`]);
  const item = (name: string, cidr: string) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: "x" }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr } }] }] } });
  const json = JSON.stringify({ apiVersion: "v1", kind: "List", items: [item("a", "10.0.0.0/8"), item("b", "10.0.0.0/33")] }, null, 2);
  const line = json.split("\n").findIndex((l) => l.includes("10.0.0.0/33")) + 1;
  const e = load({ "dump.json": json }).diagnostics.errors.map(formatDiagnostic);
  assert.deepEqual(e, [`dump.json:${line} spec.ingress[0].from[0].ipBlock.cidr: "10.0.0.0/33" is not a valid CIDR`]);
});
