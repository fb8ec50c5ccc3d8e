// junction lint: one input per finding code (each must be found, with its file:line), --disable,
// --fail-on, a golden for the table, and SARIF validated against the SARIF 2.1.0 JSON schema.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { cli, tempFiles } from "../helpers.js";
import { assertGolden } from "../golden.js";
import { LINT_CODES } from "../../src/analyze/lint.js";

const NS = `
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: a}}
`;
const pod = (name: string, labels: string, ns = "a", ports = "[{name: http, containerPort: 80}]") => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: ${labels}}
spec: {containers: [{name: c, image: x, ports: ${ports}}]}
`;
const docs = (...d: string[]) => d.join("\n---\n");
const DENY_ALL = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: a}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`;
const BASE = docs(NS, pod("server", "{app: server}"), pod("client", "{app: client}"), DENY_ALL);
const np = (name: string, spec: string) => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: a}
spec:
${spec}`;
const anp = (name: string, priority: number, rules: string) => `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: ${name}}
spec:
  priority: ${priority}
  subject: {namespaces: {}}
${rules}`;

interface Found { code: string; severity: string; file: string | null; line: number | null; object: string; message: string }

async function lintOf(yaml: string, ...args: string[]): Promise<{ code: number; findings: Found[]; err: string }> {
  const t = tempFiles({ "in.yaml": yaml });
  try {
    const r = await cli(["lint", "-f", `${t.dir}/in.yaml`, "-o", "json", ...args]);
    return { code: r.code, findings: r.out ? JSON.parse(r.out).findings : [], err: r.err };
  } finally {
    t.cleanup();
  }
}

/** The findings of one code, as "object: message" (with the line where asked). */
async function found(code: string, yaml: string): Promise<Found[]> {
  const r = await lintOf(yaml);
  assert.notEqual(r.code, 2, r.err);
  return r.findings.filter((f) => f.code === code);
}

const lineOf = (yaml: string, text: string) => yaml.split("\n").findIndex((l) => l.includes(text)) + 1;

test("lint policy-selects-nothing: a podSelector no pod matches (file:line of the selector)", async () => {
  const yaml = docs(BASE, np("ghost", "  podSelector: {matchLabels: {app: ghost}}\n  policyTypes: [Ingress]\n"));
  const f = await found("policy-selects-nothing", yaml);
  assert.deepEqual(f.map((x) => [x.object, x.severity, x.line]), [["NetworkPolicy a/ghost", "warning", lineOf(yaml, "app: ghost")]]);
});

test("lint peer-matches-nothing: a namespace label that no namespace has", async () => {
  const yaml = docs(BASE, np("server", "  podSelector: {matchLabels: {app: server}}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: client}}\n    - namespaceSelector: {matchLabels: {team: nobody}}\n"));
  const f = await found("peer-matches-nothing", yaml);
  assert.deepEqual(f.map((x) => [x.object, x.message, x.line]), [["NetworkPolicy a/server", "ingress rule 0: peer 1 matches no pod of the input", lineOf(yaml, "team: nobody")]]);
});

test("lint named-port-undeclared: a port name no destination declares", async () => {
  const yaml = docs(BASE, np("server", "  podSelector: {matchLabels: {app: server}}\n  ingress:\n  - ports: [{port: htp}, {port: http}]\n"));
  const f = await found("named-port-undeclared", yaml);
  assert.deepEqual(f.map((x) => x.message), ['ingress rule 0: no destination declares a port named "htp" (TCP)']);
});

test("lint rule-never-decides: an Allow after a Deny that matches all it matches (computed from the engine's decisions)", async () => {
  const yaml = docs(BASE, anp("guard", 10, `  ingress:
  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
  - {name: allow-a, action: Allow, from: [{namespaces: {matchLabels: {team: a}}}]}
`));
  const f = await found("rule-never-decides", yaml);
  assert.deepEqual(f.map((x) => [x.object, x.message]), [["AdminNetworkPolicy guard", 'ingress rule 1 "allow-a" never decides: every connection it matches is decided before it']]);
  // The same Allow first decides, and the Deny decides for namespace b: no finding.
  const other = docs(`
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {team: b}}
`, pod("other", "{app: other}", "b"));
  const swapped = docs(BASE, other, anp("guard", 10, `  ingress:
  - {name: allow-a, action: Allow, from: [{namespaces: {matchLabels: {team: a}}}]}
  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
`));
  assert.deepEqual(await found("rule-never-decides", swapped), []);
});

test("lint policy-redundant: a policy whose removal changes no connection (the input analysed again without it)", async () => {
  const allow = (name: string) => np(name, "  podSelector: {matchLabels: {app: server}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: client}}}]\n");
  const base = docs(NS, pod("server", "{app: server}"), pod("client", "{app: client}"), np("deny", "  podSelector: {}\n  policyTypes: [Ingress]\n"));
  const f = await found("policy-redundant", docs(base, allow("one"), allow("two")));
  assert.deepEqual(f.map((x) => x.object).sort(), ["NetworkPolicy a/one", "NetworkPolicy a/two"]);
  // Alone, the allow is needed (removing it denies client -> server).
  assert.deepEqual((await found("policy-redundant", docs(base, allow("one")))).map((x) => x.object), []);
  // Under an egress deny of the client, the ingress allow changes nothing: redundant.
  assert.deepEqual((await found("policy-redundant", docs(BASE, allow("one")))).map((x) => x.object), ["NetworkPolicy a/one"]);
  // A policy that only allows replica-to-replica traffic of one workload is not redundant (the deny all is: "peers" isolates the one pod both ways).
  const selfApp = docs(NS, pod("server", "{app: server}"), DENY_ALL, np("peers", "  podSelector: {matchLabels: {app: server}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: server}}}]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: server}}}]\n"));
  assert.deepEqual((await found("policy-redundant", selfApp)).map((x) => x.object), ["NetworkPolicy a/deny"]);
});

test("lint admin-priority-overlap: two AdminNetworkPolicies at one priority selecting the same pods (error)", async () => {
  const rule = "  ingress:\n  - {name: r, action: Allow, from: [{namespaces: {}}]}\n";
  const f = await found("admin-priority-overlap", docs(BASE, anp("first", 5, rule), anp("second", 5, rule), anp("third", 6, rule)));
  assert.deepEqual(f.map((x) => [x.object, x.severity, x.message]), [["AdminNetworkPolicy second", "error", "AdminNetworkPolicy second and first both have priority 5 and both select a/server"]]);
});

test("lint dns-unreachable: egress-isolated pods without UDP 53 to kube-dns; allowed DNS is no finding", async () => {
  const dns = docs(`
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
`, pod("coredns", "{k8s-app: kube-dns}", "kube-system", "[{containerPort: 53, protocol: UDP}]"));
  const f = await found("dns-unreachable", docs(BASE, dns));
  assert.deepEqual(f.map((x) => x.object).sort(), ["a/client[Pod]", "a/server[Pod]"]);
  const allowDns = np("dns", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]\n    ports: [{port: 53, protocol: UDP}]\n");
  assert.deepEqual(await found("dns-unreachable", docs(BASE, dns, allowDns)), []);
});

test("lint workload-unprotected: a pod no policy selects, per direction", async () => {
  const egressOnly = np("eg", "  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n");
  const f = await found("workload-unprotected", docs(NS, pod("server", "{app: server}"), pod("client", "{app: client}"), egressOnly));
  assert.deepEqual(f.map((x) => x.message).sort(), ["no policy selects a/client[Pod] for ingress", "no policy selects a/server[Pod] for egress or ingress"]);
});

const GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: gc}
spec: {controllerName: example.com/gw}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: a}
spec:
  gatewayClassName: gc
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: server, namespace: a}
spec: {selector: {app: server}, ports: [{port: 80}]}
`;
const route = (name: string, parent: string, backend: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: a}
spec:
  parentRefs: [{name: ${parent}}]
  rules: [{backendRefs: [{name: ${backend}, port: 80}]}]
`;

test("lint route-not-accepted and route-partially-invalid: from the status a controller would write", async () => {
  const yaml = docs(BASE, GATEWAY, route("ok", "gw", "server"), route("orphan", "nogw", "server"), route("half", "gw", "missing"));
  const r = await lintOf(yaml);
  const codes = r.findings.filter((f) => f.code.startsWith("route-")).map((f) => [f.code, f.object, f.severity]);
  assert.deepEqual(codes, [["route-not-accepted", "HTTPRoute a/orphan", "error"], ["route-partially-invalid", "HTTPRoute a/half", "warning"]]);
  assert.match(r.findings.find((f) => f.code === "route-partially-invalid")!.message, /BackendNotFound/);
  assert.equal(r.code, 1, "an error finding fails by default");
});

test("lint ingress-annotation-unread: another controller's annotation on an Ingress of an ingress-nginx class", async () => {
  const yaml = docs(BASE, `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: v1
kind: Service
metadata: {name: server, namespace: a}
spec: {selector: {app: server}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: a
  annotations:
    traefik.ingress.kubernetes.io/router.entrypoints: web
    nginx.ingress.kubernetes.io/ssl-redirect: "false"
spec:
  ingressClassName: nginx
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: server, port: {number: 80}}}}]}}]
`);
  const f = await found("ingress-annotation-unread", yaml);
  assert.deepEqual(f.map((x) => [x.object, x.message, x.line]), [["Ingress a/web", "annotation traefik.ingress.kubernetes.io/router.entrypoints is read by Traefik, but class nginx is served by k8s.io/ingress-nginx", lineOf(yaml, "traefik.ingress")]]);
});

test("lint authorization-selects-nothing and authorization-allows-nothing (Istio AuthorizationPolicy)", async () => {
  const ap = (name: string, spec: string) => `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: a}
spec: ${spec}
`;
  const yaml = docs(BASE, ap("ghost", "{selector: {matchLabels: {app: ghost}}, rules: [{}]}"), ap("nothing", "{selector: {matchLabels: {app: server}}}"), ap("fine", "{selector: {matchLabels: {app: server}}, rules: [{}]}"));
  const r = await lintOf(yaml);
  const authz = r.findings.filter((f) => f.code.startsWith("authorization-")).map((f) => [f.code, f.object]);
  assert.deepEqual(authz, [["authorization-selects-nothing", "AuthorizationPolicy a/ghost"], ["authorization-allows-nothing", "AuthorizationPolicy a/nothing"]]);
});

test("lint --disable and --fail-on", async () => {
  const yaml = docs(BASE, np("ghost", "  podSelector: {matchLabels: {app: ghost}}\n"));
  assert.equal((await lintOf(yaml)).code, 0, "warnings do not fail by default");
  assert.equal((await lintOf(yaml, "--fail-on", "warning")).code, 1);
  const off = await lintOf(yaml, "--fail-on", "warning", "--disable", "policy-selects-nothing");
  assert.deepEqual([off.code, off.findings.filter((f) => f.code === "policy-selects-nothing")], [0, []]);
  assert.equal((await lintOf(yaml, "--disable", "no-such-code")).code, 2);
  assert.equal((await lintOf(yaml, "--fail-on", "note")).code, 1);
  assert.equal((await lintOf(docs(BASE, anp("first", 5, ""), anp("second", 5, "")), "--fail-on", "never")).code, 0);
});

test("lint of examples/shop-v2 (golden table)", async () => {
  const r = await cli(["lint", "-f", "examples/shop-v2"]);
  assert.equal(r.code, 0, r.err);
  assertGolden("lint-shop-v2.txt", r.out);
});

function sarifValidator() {
  // The schema is draft-04 (`id`); Ajv reads it as a draft-07 schema with `$id`.
  const schema = JSON.parse(readFileSync("test/fixtures/sarif/sarif-2.1.0-rtm.5.json", "utf8"));
  delete schema.$schema;
  schema.$id = schema.id;
  delete schema.id;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  return ajv.compile(schema);
}

test("lint -o sarif: valid SARIF 2.1.0 (schema), every code a rule, results located at the input's file and line", async () => {
  const validate = sarifValidator();
  const r = await cli(["lint", "-f", "examples/shop-v2", "-o", "sarif"]);
  const log = JSON.parse(r.out) as { runs: any[] };
  assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 3)));
  const run = log.runs[0];
  assert.deepEqual(run.tool.driver.rules.map((x: { id: string }) => x.id), LINT_CODES);
  const ghost = run.results.find((x: { ruleId: string }) => x.ruleId === "policy-selects-nothing");
  const loc = ghost.locations[0].physicalLocation;
  assert.equal(loc.artifactLocation.uri, "examples/shop-v2/policies-shop.yaml");
  const text = readFileSync("examples/shop-v2/policies-shop.yaml", "utf8").split("\n");
  assert.match(text[loc.region.startLine - 1], /podSelector|app: cache/);
  // The schema really checks: a result without a message is rejected.
  delete ghost.message;
  assert.equal(validate(log), false);
});
