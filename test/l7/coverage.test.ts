// analyze: mesh coverage findings (workloads without a proxy, plaintext accepted, AuthorizationPolicies
// selecting nothing, allow-nothing, HTTP rules on TCP ports that istiod drops or broadens).

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";

const ns = (name: string, labels = "{istio-injection: enabled}") => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: ${labels}}\n---\n`;
const app = (namespace: string, name: string, podLabels = "", port = "http") => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}${podLabels}}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${namespace}}
spec: {selector: {app: ${name}}, ports: [{name: ${port}, port: 80, targetPort: http}]}
---
`;
const ap = (name: string, namespace: string, spec: string) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec: ${spec}\n---\n`;

const WORLD = ns("bank") + ns("ops", "{}") + app("bank", "ledger") + app("bank", "vault", "", "tcp-vault") + app("bank", "legacy", ", sidecar.istio.io/inject: \"false\"") + app("ops", "tool")
  + "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: strict, namespace: bank}\nspec: {selector: {matchLabels: {app: vault}}, mtls: {mode: STRICT}}\n---\n"
  + ap("ghost", "bank", "{selector: {matchLabels: {app: ghost}}, rules: [{}]}")
  + ap("lockdown", "bank", "{selector: {matchLabels: {app: ledger}}}")
  + ap("vault-get", "bank", "{selector: {matchLabels: {app: vault}}, rules: [{to: [{operation: {methods: [GET]}}]}]}")
  + ap("vault-deny", "bank", "{selector: {matchLabels: {app: vault}}, action: DENY, rules: [{to: [{operation: {ports: [\"8080\"], paths: [/admin]}}]}]}");

test("analyze reports mesh coverage: no proxy, plaintext accepted, selects nothing, allow-nothing, HTTP rules on TCP ports", async () => {
  const { dir, cleanup } = tempFiles({ "mesh.yaml": WORLD });
  try {
    const r = await cli(["analyze", "-q", "-f", dir, "-o", "json"]);
    assert.equal(r.code, 0, r.err);
    const mesh: { kind: string; subject: string; message: string; file?: string; line?: number }[] = JSON.parse(r.out).mesh;
    const by = (kind: string) => mesh.filter((f) => f.kind === kind).map((f) => f.subject).sort();
    assert.deepEqual(by("no-proxy"), ["bank/legacy", "ops/tool"]);
    // vault is STRICT; ledger is PERMISSIVE by default (legacy has no sidecar: it is no-proxy instead).
    assert.deepEqual(by("plaintext-accepted"), ["bank"]);
    assert.match(mesh.find((f) => f.kind === "plaintext-accepted")!.message, /PERMISSIVE, the default\) at ledger:/);
    assert.deepEqual(by("selects-nothing"), ["bank/ghost"]);
    assert.deepEqual(by("allow-nothing"), ["bank/lockdown"]);
    assert.match(mesh.find((f) => f.kind === "allow-nothing")!.message, /denies every request to bank\/ledger/);
    const tcp = mesh.filter((f) => f.kind === "http-rule-on-tcp-port");
    assert.deepEqual(tcp.map((f) => f.subject), ["bank/vault-get", "bank/vault-deny"]);
    assert.match(tcp[0].message, /Service bank\/vault port 80 is TCP for Istio .*: istiod drops the ALLOW rule there/);
    assert.match(tcp[1].message, /keeps only its non-HTTP part there, so it denies more/);
    assert.equal(tcp[0].file, `${dir}/mesh.yaml`);
    assert.ok(tcp[0].line! > 1);
    const text = await cli(["analyze", "-q", "-f", dir]);
    assert.match(text.out, /Mesh coverage \(L7 authorization\):\n {2}no-proxy /);
    assert.match(text.out, /allow-nothing bank\/lockdown: ALLOW AuthorizationPolicy bank\/lockdown has no rules[^\n]*\(.*mesh\.yaml:\d+\)/);
  } finally { cleanup(); }
});

test("analyze says nothing about a mesh when the input has none", async () => {
  const r = await cli(["analyze", "-f", "examples/shop", "-o", "json"]);
  assert.equal(JSON.parse(r.out).mesh, undefined);
  assert.doesNotMatch((await cli(["analyze", "-f", "examples/shop"])).out, /Mesh coverage/);
});

test("docs/mesh.md shows the end of junction analyze -f examples/mesh as it is", async () => {
  const docs = (await import("node:fs")).readFileSync("docs/mesh.md", "utf8");
  const shown = /The end of `junction analyze -f examples\/mesh`[^\n]*\n```text\n([\s\S]*?)```/.exec(docs);
  assert.ok(shown, "the block is in docs/mesh.md");
  const r = await cli(["analyze", "-f", "examples/mesh"]);
  assert.ok(r.out.includes(shown[1]), r.out);
});
