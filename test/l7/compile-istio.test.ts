// junction compile --target istio: common-API policies as AuthorizationPolicies (+ STRICT
// PeerAuthentication for identities). The compiled policies, read back with the same workloads,
// answer every request as the source policies do (allowed or denied; where the common API refuses
// the connection Istio answers 403). Istio semantics pinned here (istio.io AuthorizationPolicy
// reference): "If there are any DENY policies that match the request, deny the request. If there
// are no ALLOW policies for the workload, allow the request. If any of the ALLOW policies match the
// request, allow the request. Deny the request."

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { cli, load, tempFiles } from "../helpers.js";
import { verifyRequests } from "../../src/cli/verify.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { POLICY, WORLD } from "./istio-world.js";

/** Requests from every client: the boundaries of each rule (each method, each path prefix and one character beyond it). */
const CLIENTS = ["web/front", "web/admin", "shop/batch", "other/tool"];
const ASKS: [string, string, string, Record<string, string>?][] = [
  ["GET", "api.shop", "/items"], ["GET", "api.shop", "/items/7"], ["GET", "api.shop", "/itemsx"], ["HEAD", "api.shop:80", "/items/1"],
  ["GET", "API.SHOP", "/orders/1"], ["GET", "api.shop", "/orders/1/x"], ["GET", "api", "/items"], ["PUT", "api.shop", "/items"],
  ["POST", "api.shop", "/x"], ["POST", "api.shop", "/x", { "x-token": "t" }], ["DELETE", "api.shop", "/x", { "x-token": "t" }],
  ["GET", "api.shop", "/admin"], ["GET", "api.shop", "/admin/x"], ["GET", "api.shop", "/adminx"], ["POST", "api.shop", "/admin", { "x-token": "t" }],
];

function requests(): string {
  return CLIENTS.flatMap((from) => ASKS.map(([method, host, path, headers]) => JSON.stringify({ from, host, port: 80, path, method, ...(headers ? { headers } : {}) }))).map((l) => `- ${l}`).join("\n");
}

async function allowed(files: Record<string, string>): Promise<boolean[]> {
  const { dir, cleanup } = tempFiles({ ...files, "requests.yaml": requests() });
  try {
    const args = ["route", ...Object.keys(files).flatMap((f) => ["-f", `${dir}/${f}`]), "--requests", `${dir}/requests.yaml`, "-o", "json"];
    const r = await cli(args);
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return JSON.parse(r.out).results.map((x: { status: number | null }) => typeof x.status === "number" && x.status < 400);
  } finally { cleanup(); }
}

test("compile --target istio: ALLOW and DENY AuthorizationPolicies, STRICT mTLS where rules name identities", async () => {
  const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "policy.yaml": POLICY });
  try {
    const r = await cli(["compile", "-f", dir, "--target", "istio"]);
    assert.equal(r.code, 0, r.err);
    const docs = parseAllDocuments(r.out).map((d) => d.toJS());
    const byName = Object.fromEntries(docs.map((d) => [`${d.kind} ${d.metadata.namespace}/${d.metadata.name}`, d.spec]));
    assert.deepEqual(Object.keys(byName).sort(), [
      "AuthorizationPolicy shop/api", "AuthorizationPolicy shop/api-deny", "AuthorizationPolicy shop/no-admin-paths-deny", "PeerAuthentication shop/api-mtls",
    ]);
    assert.deepEqual(byName["AuthorizationPolicy shop/no-admin-paths-deny"], { selector: { matchLabels: { app: "api" } }, action: "DENY", rules: [{ to: [{ operation: { paths: ["/admin", "/admin/*"] } }] }] });
    assert.deepEqual(byName["AuthorizationPolicy shop/api-deny"].rules, [{ from: [{ source: { principals: ["cluster.local/ns/web/sa/admin"] } }], to: [{ operation: { methods: ["DELETE"] } }] }]);
    assert.deepEqual(byName["AuthorizationPolicy shop/api"].rules, [
      { from: [{ source: { namespaces: ["web"] } }], to: [{ operation: { methods: ["GET", "HEAD"], paths: ["/items", "/items/*", "/orders/{*}"], hosts: ["api.shop", "api.shop:*"], ports: ["8080"] } }] },
      { from: [{ source: { namespaces: ["web"] } }], to: [{ operation: { methods: ["POST", "DELETE"], ports: ["8080"] } }], when: [{ key: "request.headers[x-token]", values: ["*"] }] },
      { from: [{ source: { principals: ["cluster.local/ns/shop/sa/batch"] } }] },
    ]);
    assert.deepEqual(byName["PeerAuthentication shop/api-mtls"], { selector: { matchLabels: { app: "api" } }, mtls: { mode: "STRICT" } });
    assert.match(r.out, /junction\.dev\/generated-from: TrafficPolicy shop\/api/);
  } finally { cleanup(); }
});

test("compile --target istio: the compiled policies answer every boundary request as the common-API policies do", async () => {
  const compiled = await (async () => {
    const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "policy.yaml": POLICY });
    try { return (await cli(["compile", "-f", dir, "--target", "istio"])).out; } finally { cleanup(); }
  })();
  const before = await allowed({ "world.yaml": WORLD, "policy.yaml": POLICY });
  const after = await allowed({ "world.yaml": WORLD, "istio.yaml": compiled });
  assert.equal(before.length, CLIENTS.length * ASKS.length);
  const differ = before.flatMap((b, i) => (b === after[i] ? [] : [`${CLIENTS[Math.floor(i / ASKS.length)]} ${ASKS[i % ASKS.length].slice(0, 3).join(" ")}: common ${b}, istio ${after[i]}`]));
  assert.deepEqual(differ, []);
  // The cases are not trivial: both answers occur.
  assert.ok(before.includes(true) && before.includes(false));
});

const ERRORS: [string, string, RegExp][] = [
  ["pass", "tier: Admin\n  priority: 1\n  subject: {}\n  ingress: [{action: Pass}]", /ingress rule 0: Istio has no tiers to pass to/],
  ["admin allow", "tier: Admin\n  priority: 1\n  subject: {}\n  ingress: [{action: Allow}]", /ingress rule 0: an Istio ALLOW does not decide before/],
  ["egress", "tier: Namespace\n  subject: {}\n  egress: []", /Istio authorizes requests at the server only/],
  ["label peer", "tier: Namespace\n  subject: {}\n  ingress: [{action: Allow, from: [{workloads: {matchLabels: {app: front}}}]}]", /ingress rule 0: Istio identifies clients by namespace and service account, not by labels/],
  ["deny after allow", "tier: Namespace\n  subject: {}\n  ingress: [{action: Allow, ports: [{port: 8080}]}, {action: Deny}]", /ingress rule 1: Istio evaluates DENY before ALLOW, and this Deny follows TrafficPolicy p rule 0/],
  ["regex path", "tier: Namespace\n  subject: {}\n  ingress: [{action: Allow, http: [{paths: [\"/a.*\"]}]}]", /ingress rule 0: Istio matches a path exactly, by prefix or by suffix; "\/a\.\*" cannot be written so/],
  ["UDP", "tier: Namespace\n  subject: {}\n  ingress: [{action: Allow, ports: [{protocol: UDP, port: 53}]}]", /Istio's proxies authorize TCP traffic only; UDP is never seen/],
];

for (const [what, spec, message] of ERRORS) {
  test(`compile --target istio refuses ${what}, naming the rule and its file:line; nothing is printed`, async () => {
    const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "p.yaml": `apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: p${spec.startsWith("tier: Namespace") ? ", namespace: shop" : ""}}\nspec:\n  ${spec}\n` });
    try {
      const r = await cli(["compile", "-f", dir, "--target", "istio"]);
      assert.equal(r.code, 2, r.out);
      assert.equal(r.out, "");
      assert.match(r.err, /p\.yaml:\d+: TrafficPolicy (shop\/)?p/);
      assert.match(r.err, message);
      assert.match(r.err, /cannot be expressed by --target istio; nothing was compiled/);
    } finally { cleanup(); }
  });
}

test("compile --target istio refuses an HTTP rule on a port Istio reads as TCP (it would drop the ALLOW rule)", async () => {
  const world = WORLD.replace("{name: http, port: 80", "{name: tcp-api, port: 80");
  const { dir, cleanup } = tempFiles({ "world.yaml": world, "policy.yaml": POLICY });
  try {
    const r = await cli(["compile", "-f", dir, "--target", "istio"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /Service port shop\/api:80 is TCP for Istio \(its name or appProtocol\), where Istio drops ALLOW rules with HTTP fields/);
    assert.match(r.err, /Service port shop\/api:80 is TCP for Istio .* keeps only the non-HTTP part of DENY rules/);
  } finally { cleanup(); }
});

test("compile --target istio --verify walks the requests at every rule's boundaries before and after: equivalent", async () => {
  const { dir, cleanup } = tempFiles({ "world.yaml": WORLD, "policy.yaml": POLICY });
  try {
    const r = await cli(["compile", "-f", dir, "--target", "istio", "--verify"]);
    assert.equal(r.code, 0, r.err);
    const m = /verify: equivalent per request \((\d+) requests at the boundaries of the request rules\)/.exec(r.err);
    assert.ok(m, r.err);
    assert.ok(Number(m[1]) > 100);
  } finally { cleanup(); }
});

test("per-request verification finds a translation that answers a boundary request differently", () => {
  const loaded = load({ "world.yaml": WORLD, "policy.yaml": POLICY });
  // A wrong translation: the ALLOW policy without the DENY policies (so /admin and DELETE by web/admin pass).
  const wrong = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  rules:
  - from: [{source: {namespaces: [web]}}]
    to: [{operation: {methods: [GET, HEAD, POST, DELETE]}}]
  - from: [{source: {principals: [cluster.local/ns/shop/sa/batch]}}]
`;
  let err = "";
  const code = verifyRequests(loaded, DEFAULT_OPTIONS, (raw) => raw.kind === "TrafficPolicy", wrong, { out: () => {}, err: (s) => { err += s; }, stdin: () => "", cwd: process.cwd() }, () => {});
  assert.equal(code, 1);
  assert.match(err, /verify: differs: web\/front → GET http:\/\/api\.shop:80\/itemsx: 403 before, 200 after/);
  assert.match(err, /verify: \.\.\. and \d+ more/);
  assert.match(err, /verify: differs: shop\/batch → GET http:\/\/api\.shop:80\/admin: 403 before, 200 after/);
  assert.match(err, /verify: FAILED: \d+ of \d+ requests at the boundaries of the request rules differ/);
});

test("docs/mesh.md: compile --target istio --verify on the example prints what the docs say", async () => {
  const r = await cli(["compile", "-f", "examples/mesh/namespaces.yaml", "-f", "examples/mesh/workloads.yaml", "-f", "examples/mesh-policy", "--target", "istio", "--verify"]);
  assert.equal(r.code, 0);
  const docs = (await import("node:fs")).readFileSync("docs/mesh.md", "utf8").replace(/\n/g, " ");
  assert.ok(docs.includes(`On the example above it prints \`${r.err.trim()}\` on stderr`), r.err);
});
