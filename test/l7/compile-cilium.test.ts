// junction compile --target cilium: common-API policies as CiliumNetworkPolicy /
// CiliumClusterwideNetworkPolicy with L7 http rules. Cilium semantics pinned here (Cilium's policy
// language reference, "Layer 7 Examples", and its Envoy filter): `path` is an RE2 expression
// matched against the WHOLE :path — "the path, including the query string" —, `method` and `host`
// likewise; deny rules cannot carry L7 rules; allows add up and a deny wins; "L7 rules can not be
// used when a port is 0". The common API matches the path without the query string, normalized.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { cli, load, tempFiles } from "../helpers.js";
import { verifyRequests } from "../../src/cli/verify.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { ciliumHttpRule } from "../../src/targets/cilium/http.js";
import { regexMatches } from "../../src/model/regex.js";
import { stringMatches } from "../../src/engine/l7/strings.js";
import { istioNormalize, splitPath } from "../../src/engine/l7/paths.js";
import type { StringMatch } from "../../src/model/l7.js";
import { POLICY, WORLD } from "./cilium-world.js";

const RE2 = { dialect: "re2", anchor: "full" } as const;
const ciliumPath = (m: StringMatch) => ciliumHttpRule([{ attribute: "request.path", values: [m] }]).path!;
/** The common API's reading of a raw :path: without query and fragment, normalized. */
const commonMatches = (m: StringMatch, raw: string) => stringMatches(m, istioNormalize(splitPath(raw).path));

test("compile --target cilium: a CiliumNetworkPolicy per namespace subject, L7 http rules on the allowing rules, denies as ingressDeny", async () => {
  const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "policy.yaml": POLICY });
  try {
    const r = await cli(["compile", "-f", dir, "--target", "cilium"]);
    assert.equal(r.code, 0, r.err);
    const docs = parseAllDocuments(r.out).map((d) => d.toJS());
    assert.deepEqual(docs.map((d) => `${d.kind} ${d.metadata.namespace}/${d.metadata.name}`), ["CiliumNetworkPolicy shop/guard", "CiliumNetworkPolicy shop/api"]);
    const [guard, api] = docs.map((d) => d.spec);
    // The Admin tier's Deny: it must not isolate the subject (Cilium would put it in default deny).
    assert.deepEqual(guard, {
      endpointSelector: { matchLabels: { app: "api" } }, enableDefaultDeny: { ingress: false },
      ingressDeny: [{ fromEndpoints: [{ matchLabels: { "io.kubernetes.pod.namespace": "other" } }], toPorts: [{ ports: [{ port: "9090", protocol: "TCP" }] }] }],
    });
    assert.deepEqual(api.ingress[0].fromEndpoints, [{ matchLabels: { "io.cilium.k8s.namespace.labels.team": "web" }, matchExpressions: [{ key: "io.kubernetes.pod.namespace", operator: "Exists" }] }]);
    const http = api.ingress[0].toPorts[0].rules.http;
    assert.equal(http[0].method, "^(?:GET|HEAD)$");
    assert.equal(http[0].host, "^(?:(?i)api\\.shop(:[0-9]+)?)$");
    assert.deepEqual(http[1], { method: "^POST$", headerMatches: [{ name: "x-token" }] });
    assert.deepEqual(api.ingress[1], { fromEndpoints: [{ matchLabels: { "io.cilium.k8s.policy.serviceaccount": "batch", "io.kubernetes.pod.namespace": "shop" } }], toPorts: [{ ports: [{ port: "http", protocol: "TCP" }], rules: { http: [{ path: "^(?:/report\\?day=[0-9]+)$" }] } }] });
    assert.deepEqual(api.ingress[2].fromEndpoints, [{ matchLabels: { "io.cilium.k8s.policy.serviceaccount": "tool", "io.kubernetes.pod.namespace": "other" } }]);
  } finally { cleanup(); }
});

test("compiled paths: the query string passes (the common API strips it), the path itself is matched exactly", () => {
  const exact = ciliumPath({ kind: "exact", value: "/api" });
  for (const ok of ["/api", "/api?x=1", "/api?", "/api#top"]) assert.ok(regexMatches(exact, RE2, ok), `${exact} must accept ${ok}`);
  for (const no of ["/apix", "/api/", "/api/x", "/Api", "x/api"]) assert.ok(!regexMatches(exact, RE2, no), `${exact} must refuse ${no}`);
  const prefix = ciliumPath({ kind: "segments", value: "/api" });
  for (const ok of ["/api", "/api/", "/api/a/b", "/api/a%20b?x=/../y", "/api/...", "/api/.well-known"]) assert.ok(regexMatches(prefix, RE2, ok), ok);
  // Raw paths the common API reads elsewhere after normalization: never let through.
  for (const no of ["/apix", "/api/../admin", "/api/./x", "/api/%2E%2E/admin", "/api/%2e./x", "/ap"]) assert.ok(!regexMatches(prefix, RE2, no), no);
  const template = ciliumPath({ kind: "template", template: "/o/{*}/f/{**}" });
  for (const ok of ["/o/1/f/", "/o/1/f/a/b", "/o/1/f/a?x"]) assert.ok(regexMatches(template, RE2, ok), ok);
  for (const no of ["/o//f/a", "/o/../f/a", "/o/1/f/../../x", "/o/1/2/f/a"]) assert.ok(!regexMatches(template, RE2, no), no);
});

test("property: a compiled path regex over the raw :path never accepts what the common API refuses, and agrees on normalized paths", () => {
  const token = fc.constantFrom("/", "a", "api", ".", "..", "%2E", "%2e", "%20", "%2F", "x", "?", "?q=/api", "#f", "/api", "/o/");
  const raw = fc.array(token, { minLength: 1, maxLength: 7 }).map((ts) => `/${ts.join("")}`);
  const match = fc.constantFrom<StringMatch>(
    { kind: "exact", value: "/api" }, { kind: "exact", value: "/" }, { kind: "segments", value: "/api" }, { kind: "segments", value: "/" },
    { kind: "segments", value: "/a/" }, { kind: "template", template: "/o/{*}" }, { kind: "template", template: "/api/{**}" }, { kind: "template", template: "/{*}/x" },
  );
  fc.assert(fc.property(match, raw, (m, path) => {
    const cilium = regexMatches(ciliumPath(m), RE2, path), common = commonMatches(m, path);
    if (cilium) assert.ok(common, `${JSON.stringify(m)}: Cilium would allow ${path}, the common API not`);
    const { path: p } = splitPath(path);
    if (istioNormalize(p) === p) assert.equal(cilium, common, `${JSON.stringify(m)} on the normalized ${path}`);
  }), { numRuns: 3000, seed: 20261205 });
});

test("compile --target cilium --verify: every connection and every boundary request (query strings, dot segments) alike", async () => {
  const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "policy.yaml": POLICY });
  try {
    const r = await cli(["compile", "-f", dir, "--target", "cilium", "--verify"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /verify: equivalent \(\d+ endpoint classes and address ranges/);
    const m = /verify: equivalent per request \((\d+) requests at the boundaries of the request rules\)/.exec(r.err);
    assert.ok(m && Number(m[1]) > 100, r.err);
  } finally { cleanup(); }
});

test("per-request verification catches a Cilium translation that reads the path as the common API does not", () => {
  const loaded = load({ "world.yaml": WORLD, "policy.yaml": POLICY });
  // Naive regexes: the exact path without its query string, the prefix as "anything after it".
  const naive = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: api}}
  ingress:
  - fromEndpoints: [{matchLabels: {io.cilium.k8s.namespace.labels.team: web, io.kubernetes.pod.namespace: web}}]
    toPorts: [{ports: [{port: "8080", protocol: TCP}], rules: {http: [{method: "GET|HEAD", path: "/items(/.*)?|/orders/[^/]+|/"}, {method: POST, headerMatches: [{name: x-token}]}]}}]
  - fromEndpoints: [{matchLabels: {io.cilium.k8s.policy.serviceaccount: batch, io.kubernetes.pod.namespace: shop}}]
    toPorts: [{ports: [{port: http, protocol: TCP}], rules: {http: [{path: "/report\\\\?day=[0-9]+"}]}}]
  - fromEndpoints: [{matchLabels: {io.cilium.k8s.policy.serviceaccount: tool, io.kubernetes.pod.namespace: other}}]
    toPorts: [{ports: [{port: "8080", protocol: TCP}]}]
`;
  let err = "";
  const code = verifyRequests(loaded, DEFAULT_OPTIONS, (raw) => raw.kind === "TrafficPolicy", naive, { out: () => {}, err: (s) => { err += s; }, stdin: () => "", cwd: process.cwd() }, () => {});
  assert.equal(code, 1, err);
  // Cilium's proxy normalizes the path before its regex (pkg/envoy/xds_server.go, http-normalize-path):
  // /items/../x is /x there too, so the naive prefix regex does not differ on it.
  assert.doesNotMatch(err, /\/items\/\.\.\/x: 403 before, 200 after/);
  assert.match(err, /verify: differs: web\/front → GET http:\/\/api\.shop:80\/\?q=1: 200 before, 403 after/);
});

const ERRORS: [string, string, RegExp][] = [
  ["pass", "tier: Admin\n  priority: 1\n  subject: {}\n  ingress: [{action: Pass}]", /ingress rule 0: Cilium has no tiers to pass to/],
  ["a Deny with HTTP conditions", "tier: Namespace\n  subject: {}\n  ingress: [{action: Deny, ports: [{port: 8080}], http: [{methods: [DELETE]}]}]", /ingress rule 0: Cilium's deny rules cannot have L7 rules/],
  ["an HTTP Allow in the Admin tier", "tier: Admin\n  priority: 1\n  subject: {}\n  ingress: [{action: Allow, ports: [{port: 8080}], http: [{methods: [GET]}]}]", /ingress rule 0: Cilium's HTTP rules filter every request of the peer and port/],
  ["an HTTP rule without ports", "tier: Namespace\n  subject: {}\n  ingress: [{action: Allow, http: [{methods: [GET]}]}]", /ingress rule 0: Cilium's L7 rules need a port/],
  ["an HTTP rule on UDP", "tier: Namespace\n  subject: {}\n  ingress: [{action: Allow, ports: [{protocol: UDP, port: 53}], http: [{methods: [GET]}]}]", /Cilium's L7 rules apply to TCP ports only/],
  ["a Deny after an Allow", "tier: Namespace\n  subject: {}\n  ingress: [{action: Allow, ports: [{port: 8080}]}, {action: Deny}]", /ingress rule 1: Cilium's denies win over every allow, and this Deny follows TrafficPolicy p ingress rule 0/],
  ["the Baseline tier", "tier: Baseline\n  subject: {}\n  ingress: [{action: Deny}]", /Cilium has no tier after the namespaces' policies/],
  ["a path regex over the normalized path", "tier: Namespace\n  subject: {}\n  ingress: [{action: Allow, ports: [{port: 8080}], http: [{paths: [\"/a.*\"]}]}]", /ingress rule 0: the common API matches this regular expression over the normalized path without its query string/],
  ["a path no normalized path equals", "tier: Namespace\n  subject: {}\n  ingress: [{action: Allow, ports: [{port: 8080}], http: [{paths: [{exact: /a/../b}]}]}]", /"\/a\/\.\.\/b" is not a normalized path/],
  ["a CIDR holding pod addresses", "tier: Namespace\n  subject: {}\n  ingress: [{action: Allow, from: [{cidrs: [10.0.1.0/24]}]}]", /10\.0\.1\.0\/24 holds the address of pod web\/(front|admin); Cilium's CIDR rules match only addresses outside the cluster/],
];

for (const [what, spec, message] of ERRORS) {
  test(`compile --target cilium refuses ${what}, naming the rule and its file:line; nothing is printed`, async () => {
    const namespaced = spec.startsWith("tier: Namespace");
    const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "p.yaml": `apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: p${namespaced ? ", namespace: shop" : ""}}\nspec:\n  ${spec}\n` });
    try {
      const r = await cli(["compile", "-f", dir, "--target", "cilium"]);
      assert.equal(r.code, 2, r.out);
      assert.equal(r.out, "");
      assert.match(r.err, /p\.yaml:\d+: TrafficPolicy (shop\/)?p/);
      assert.match(r.err, message);
      assert.match(r.err, /cannot be expressed by --target cilium; nothing was compiled/);
    } finally { cleanup(); }
  });
}

test("compile --target cilium: a subject across namespaces is a CiliumClusterwideNetworkPolicy; every peer is the all entity; an outside CIDR a CIDRSet", async () => {
  const policy = `apiVersion: junction.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: everyone}
spec:
  tier: Namespace
  subject: {namespaces: {matchLabels: {team: web}}}
  ingress:
  - {action: Allow, ports: [{port: 8080}]}
  - {action: Allow, from: [{cidrs: [192.0.2.0/24], except: [192.0.2.8/29], outside: true}]}
  egress:
  - {action: Allow, to: [{namespaces: '*'}]}
`;
  const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "policy.yaml": policy });
  try {
    const r = await cli(["compile", "-f", dir, "--target", "cilium", "--verify"]);
    assert.equal(r.code, 0, r.err);
    const [doc] = parseAllDocuments(r.out).map((d) => d.toJS());
    assert.equal(doc.kind, "CiliumClusterwideNetworkPolicy");
    assert.deepEqual(doc.spec.endpointSelector, { matchLabels: { "io.cilium.k8s.namespace.labels.team": "web" }, matchExpressions: [{ key: "io.kubernetes.pod.namespace", operator: "Exists" }] });
    assert.deepEqual(doc.spec.ingress, [
      { fromEntities: ["all"], toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] },
      { fromCIDRSet: [{ cidr: "192.0.2.0/24", except: ["192.0.2.8/29"] }] },
    ]);
    assert.deepEqual(doc.spec.egress, [{ toEndpoints: [{ matchExpressions: [{ key: "io.kubernetes.pod.namespace", operator: "Exists" }] }] }]);
    assert.match(r.err, /verify: equivalent \(/);
  } finally { cleanup(); }
});

test("docs/mesh.md and docs/writing-policy.md: compile --target cilium prints what the docs say", async () => {
  const { readFileSync } = await import("node:fs");
  const mesh = readFileSync("docs/mesh.md", "utf8").replace(/\n/g, " ");
  const ok = await cli(["compile", "-f", "examples/mesh/namespaces.yaml", "-f", "examples/mesh/workloads.yaml", "-f", "examples/mesh-cilium", "--target", "cilium", "--verify"]);
  assert.equal(ok.code, 0, ok.err);
  const [connections, requests] = ok.err.trim().split("\n");
  assert.ok(mesh.includes(`On the example above it prints \`${connections}\` and \`${requests}\``), ok.err);
  const refused = await cli(["compile", "-f", "examples/mesh/namespaces.yaml", "-f", "examples/mesh/workloads.yaml", "-f", "examples/mesh-policy", "--target", "cilium"]);
  assert.equal(refused.code, 2);
  const writing = readFileSync("docs/writing-policy.md", "utf8");
  assert.ok(writing.includes(`--target cilium\n${refused.err}\`\`\``), refused.err);
});

test("compile --help lists the cilium target", async () => {
  const r = await cli(["compile", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /cilium: CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy/);
});

test("egress HTTP rules: compiled as egress L7 rules at the client, and verified per request from the client (a wrong one is caught)", async () => {
  const policy = `apiVersion: junction.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: out, namespace: web}
spec:
  tier: Namespace
  subject: {workloads: {matchLabels: {app: front}}}
  egress:
  - action: Allow
    to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}, workloads: {matchLabels: {app: api}}}]
    ports: [{port: 8080}]
    http: [{methods: [GET], paths: [{prefix: /items}]}]
`;
  const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "policy.yaml": policy });
  try {
    const r = await cli(["compile", "-f", dir, "--target", "cilium", "--verify"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /verify: equivalent per request \(\d+ requests/);
    const wrong = r.out.replace(/path: .*/, "path: ^/items.*$");
    let err = "";
    const code = verifyRequests(load({ "world.yaml": WORLD, "policy.yaml": policy }), DEFAULT_OPTIONS, (raw) => raw.kind === "TrafficPolicy", wrong, { out: () => {}, err: (s) => { err += s; }, stdin: () => "", cwd: process.cwd() }, () => {});
    assert.equal(code, 1, err);
    assert.match(err, /verify: differs: web\/front → GET http:\/\/api\.shop:80\/itemsx: 403 before, 200 after/);
  } finally { cleanup(); }
});
