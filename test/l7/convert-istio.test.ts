// junction convert policy --to common with Istio authorization: AuthorizationPolicies become
// Admin-tier TrafficPolicies (DENY → Deny, ALLOW → Pass to the Namespace tier then a Deny of every
// other request), so a pod that a NetworkPolicy and an Istio ALLOW both select is allowed only where
// both allow, as in a cluster. Istio semantics pinned (istio.io AuthorizationPolicy reference): "If
// there are any DENY policies that match the request, deny the request. If there are no ALLOW
// policies for the workload, allow the request. If any of the ALLOW policies match the request,
// allow the request. Deny the request." Identities ("principals", "namespaces") hold over mutual TLS
// only: "Only available if mutual TLS is enabled".

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli, load, tempFiles } from "../helpers.js";
import { verifyRequests } from "../../src/cli/verify.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { WORLD } from "./istio-world.js";

const ap = (name: string, spec: string, ns = "shop") => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec}\n---\n`;
const STRICT = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: strict, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}\n---\n";
const NP = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-web, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: web}}}]\n---\n";

async function convertTo(to: string, policy: string, ...extra: string[]) {
  const { dir, cleanup } = tempFiles({ "world.yaml": WORLD + STRICT, "policy.yaml": policy });
  try { return await cli(["convert", "policy", "-f", dir, "--to", to, ...extra]); } finally { cleanup(); }
}
const convert = (policy: string, ...extra: string[]) => convertTo("common", policy, ...extra);

/** What route --requests answers (allowed or not) for requests to shop/api from every client. */
const CLIENTS = ["web/front", "web/admin", "shop/batch", "other/tool"];
const ASKS = [["GET", "/items/7"], ["GET", "/items"], ["POST", "/items/7"], ["GET", "/admin/x"], ["GET", "/debugger"], ["DELETE", "/"]];
async function answers(files: Record<string, string>): Promise<string[]> {
  const reqs = CLIENTS.flatMap((from) => ASKS.map(([method, path]) => `- ${JSON.stringify({ from, host: "api.shop", port: 80, method, path, headers: { "x-t": "1" } })}`)).join("\n");
  const { dir, cleanup } = tempFiles({ ...files, "requests.yaml": reqs });
  try {
    const r = await cli(["route", ...Object.keys(files).flatMap((f) => ["-f", `${dir}/${f}`]), "--requests", `${dir}/requests.yaml`, "-o", "json"]);
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return JSON.parse(r.out).results.map((x: { status: number | null }, i: number) => `${CLIENTS[Math.floor(i / ASKS.length)]} ${ASKS[i % ASKS.length].join(" ")}: ${typeof x.status === "number" && x.status < 400 ? "allowed" : "denied"}`);
  } finally { cleanup(); }
}

const READERS = ap("readers", "  selector: {matchLabels: {app: api}}\n  rules:\n  - from: [{source: {principals: [cluster.local/ns/web/sa/front]}}]\n    to: [{operation: {methods: [GET], paths: [\"/items/{*}\"]}}]\n  - from: [{source: {namespaces: [other, shop]}}]\n    to: [{operation: {paths: [\"/items*\"]}}]")
  + ap("no-admin", "  action: DENY\n  rules:\n  - to: [{operation: {paths: [\"/admin*\"], ports: [\"8080\"]}}]")
  + ap("no-debug", "  action: DENY\n  rules:\n  - to: [{operation: {paths: [\"/debug*\"]}}]", "istio-system");

test("convert --to common: Istio DENY then ALLOW as Admin-tier Deny and Pass rules, ANDed with a NetworkPolicy; every request answered alike", async () => {
  const r = await convert(READERS + NP, "--verify");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /read 1 NetworkPolicy, 3 AuthorizationPolicy \(Istio\)/);
  assert.match(r.err, /verify: equivalent per request \(\d+ requests/);
  assert.match(r.out, /name: istio-shop-readers\n[\s\S]*?action: Pass/);
  assert.match(r.out, /name: istio-shop-readers-deny-rest\n[\s\S]*?action: Deny\n\s+http:\n\s+- \{\}/);
  const before = await answers({ "world.yaml": WORLD + STRICT, "policy.yaml": READERS + NP });
  const after = await answers({ "world.yaml": WORLD + STRICT, "converted.yaml": r.out });
  assert.deepEqual(after, before);
  // The intersection: other/tool is allowed by Istio (namespace other) but not by the NetworkPolicy.
  assert.ok(after.includes("other/tool GET /items/7: denied"));
  assert.ok(after.includes("web/front GET /items/7: allowed"));
  assert.ok(after.includes("web/front POST /items/7: denied"), "no ALLOW rule matches: denied");
  assert.ok(after.includes("web/admin GET /debugger: denied"), "the root namespace's DENY applies to every workload");
});

test("--verify finds a conversion that answers a request differently (the Deny of what Istio does not allow left out)", async () => {
  const r = await convert(READERS + NP);
  const broken = r.out.split("---\n").filter((d) => !d.includes("deny-rest")).join("---\n");
  const loaded = load({ "world.yaml": WORLD + STRICT, "policy.yaml": READERS + NP });
  let err = "";
  const code = verifyRequests(loaded, DEFAULT_OPTIONS, (raw) => raw.kind === "NetworkPolicy" || raw.kind === "AuthorizationPolicy", broken, { out: () => {}, err: (s: string) => { err += s; } } as never, () => {}, undefined, true);
  assert.equal(code, 1);
  assert.match(err, /verify: differs: web\/front → GET http:\/\/api\.shop:80\/items: 403 before, 200 after/);
});

const REFUSALS: [string, string, RegExp][] = [
  ["CUSTOM", "  action: CUSTOM\n  provider: {name: ext}\n  rules:\n  - to: [{operation: {paths: [/x]}}]", /AuthorizationPolicy shop\/p: CUSTOM asks the external authorizer ext/],
  ["requestPrincipals", "  rules:\n  - from: [{source: {requestPrincipals: [\"*\"]}}]", /AuthorizationPolicy shop\/p, rule 0: requestPrincipals \(JWT\)/],
  ["remoteIpBlocks", "  rules:\n  - from: [{source: {remoteIpBlocks: [10.0.0.0/8]}}]", /rule 0: remoteIpBlocks/],
  ["notPrincipals", "  action: DENY\n  rules:\n  - from: [{source: {notPrincipals: [\"*\"]}}]", /rule 0: notPrincipals \(a not-form\)/],
  ["notPaths", "  rules:\n  - to: [{operation: {notPaths: [/admin]}}]", /rule 0: notPaths \(a not-form\)/],
  ["a when key the common API lacks", "  rules:\n  - when: [{key: source.principal, values: [cluster.local/ns/web/sa/front]}]", /rule 0: the when key source.principal has no common-API equivalent/],
  ["a source combining fields", "  rules:\n  - from: [{source: {namespaces: [web], ipBlocks: [10.0.1.0/24]}}]", /rule 0: a source combining source.namespace and source.ip/],
  ["another trust domain", "  rules:\n  - from: [{source: {principals: [other.td/ns/web/sa/front]}}]", /rule 0: the principal "other.td\/ns\/web\/sa\/front" is in the trust domain other.td/],
  ["targetRefs (a waypoint)", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n  rules:\n  - {}", /AuthorizationPolicy shop\/p: targetRefs attach it to waypoints/],
];

for (const [what, spec, message] of REFUSALS) {
  test(`convert --to common refuses ${what}: "not converted", naming the file, line, policy and rule (exit 1, as for every unconvertible rule)`, async () => {
    const r = await convert(ap("p", spec.includes("targetRefs") ? spec : `  selector: {matchLabels: {app: api}}\n${spec}`));
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /convert: not converted: [^\n]*policy\.yaml:\d+: /);
    assert.match(r.err, message);
    assert.doesNotMatch(r.out, /istio-shop-p\b/, "nothing of the policy is written");
  });
}

test("convert --to common refuses an Istio policy on pods another Admin-tier policy selects (their rules would interleave), naming both", async () => {
  const anp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: guard}\nspec:\n  priority: 5\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}\n  ingress:\n  - {action: Allow, from: [{namespaces: {}}]}\n---\n";
  const r = await convert(anp + ap("p", "  rules:\n  - from: [{source: {namespaces: [web]}}]"));
  assert.equal(r.code, 1);
  assert.match(r.err, /AuthorizationPolicy shop\/p: AdminNetworkPolicy guard \(Admin tier\) selects the same pods/);
});

test("convert --to common refuses HTTP fields where Istio reads the Service port as TCP (it drops such ALLOW rules)", async () => {
  const tcpService = "apiVersion: v1\nkind: Service\nmetadata: {name: raw, namespace: shop}\nspec: {selector: {app: api}, ports: [{name: tcp-raw, port: 9000, targetPort: 9000}]}\n---\n";
  const r = await convert(tcpService + ap("p", "  selector: {matchLabels: {app: api}}\n  rules:\n  - to: [{operation: {methods: [GET]}}]"));
  assert.equal(r.code, 1);
  assert.match(r.err, /rule 0: Istio reads Service port shop\/raw:tcp-raw as TCP, where it drops ALLOW rules with HTTP fields/);
});

test("identities where PeerAuthentication accepts plaintext: converted with a warning on stderr and in the data (annotation junction.dev/warning)", async () => {
  const permissive = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: open, namespace: shop}\nspec: {mtls: {mode: PERMISSIVE}}\n---\n";
  const r = await convert(permissive + ap("p", "  selector: {matchLabels: {app: api}}\n  rules:\n  - from: [{source: {principals: [cluster.local/ns/web/sa/front]}}]"), "-o", "json");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /convert: warning: [^\n]*policy\.yaml:\d+: AuthorizationPolicy shop\/p, rule 0: names identities, which hold over mutual TLS only, and PeerAuthentication leaves pod shop\/api port 8080 PERMISSIVE/);
  const items = JSON.parse(r.out).items as { metadata: { name: string; annotations: Record<string, string> } }[];
  const p = items.find((o) => o.metadata.name === "istio-shop-p")!;
  assert.match(p.metadata.annotations["junction.dev/warning"], /rule 0: names identities.*allowed by the conversion, denied by Istio/);
});

test("AUDIT and dry-run policies are not enforced: notes, not conversions; --to k8s names every AuthorizationPolicy it cannot write", async () => {
  const r = await convert(ap("audit", "  action: AUDIT\n  rules:\n  - {}") + `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: dry, namespace: shop, annotations: {istio.io/dry-run: "true"}}\nspec:\n  action: DENY\n  rules:\n  - {}\n`);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /note: AUDIT AuthorizationPolicy shop\/audit only logs: not converted/);
  assert.match(r.err, /note: AuthorizationPolicy shop\/dry is a dry run/);
  const k8s = await convertTo("k8s", READERS);
  assert.equal(k8s.code, 1);
  assert.match(k8s.err, /not converted: [^\n]*AuthorizationPolicy shop\/readers: the Kubernetes APIs cannot decide requests/);
});

test("docs/mesh.md: convert --to common --verify on the example prints what the docs say", async () => {
  const r = await cli(["convert", "policy", ...["namespaces", "workloads", "policy", "istio"].flatMap((f) => ["-f", `examples/mesh/${f}.yaml`]), "--to", "common", "--verify"]);
  const doc = readFileSync("docs/mesh.md", "utf8");
  const block = /\$ junction convert policy -f examples\/mesh\/namespaces.yaml -f examples\/mesh\/workloads.yaml -f examples\/mesh\/policy.yaml -f examples\/mesh\/istio.yaml --to common --verify\n([\s\S]*?)```\nand on stderr:\n```\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, "docs/mesh.md shows the command, its output and its stderr");
  assert.equal(r.code, 0);
  assert.equal(r.out, block![1]);
  assert.equal(r.err, block![2]);
});
