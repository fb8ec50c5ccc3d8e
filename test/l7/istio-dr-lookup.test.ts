// Which DestinationRule an Istio client applies (l7/transport.ts istioClientRule), as pilot finds it:
// push_context.go setDestinationRules (the index: namespace-local, exported, root-local; rules with a
// workloadSelector first, then by creation time), destination_rule.go mergeDestinationRule under
// ENABLE_ENHANCED_DESTINATIONRULE_MERGE (default true), destinationRule (client namespace, the Service's,
// the root's; the most specific host only) and sidecar.go DestinationRule (the selected rule, else the
// last without a selector). The rule's TLS decides mutual TLS, which the server's STRICT PeerAuthentication
// requires: a wrong rule is a wrong allow or a wrong deny. Each case through `junction test`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { CLUSTER } from "../mesh/fixture.js";
import { pod } from "./fixture.js";

/** Every pod runs an Istio sidecar; shop's proxies accept mutual TLS only. Clients: web/client, ops/client, shop/client (all app=client). */
const WORLD = CLUSTER.replaceAll("spec: {containers: [", "spec: {containers: [{name: istio-proxy, image: proxy}, ") + `
---
apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
${pod("web", "tool", "10.2.0.2", { proxy: "istio-proxy" })}apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: strict, namespace: shop}
spec: {mtls: {mode: STRICT}}
`;

/** A DestinationRule for Service shop/api; `spec` is flow-style fields after `host`. */
const dr = (ns: string, name: string, month: number, spec: string, host = "api.shop.svc.cluster.local") => `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "2024-${String(month).padStart(2, "0")}-01T00:00:00Z"}
spec: {host: ${host}, ${spec}}
`;

const DISABLE = "trafficPolicy: {tls: {mode: DISABLE}}";
const MUTUAL = "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}";

/** `junction test` of requests to api.shop from each client: allow (mutual TLS) or deny (plaintext refused by STRICT). */
async function expect(yaml: string, want: Record<string, "allow" | "deny">): Promise<string> {
  const assertions = Object.entries(want).map(([from, e]) => `- {from: ${from}, request: "GET http://api.shop/", expect: ${e}}`).join("\n");
  const { dir, cleanup } = tempFiles({ "a.yaml": WORLD + yaml, "expect.yaml": assertions + "\n" });
  try {
    const r = await cli(["test", "-q", "-f", `${dir}/a.yaml`, "--expect", `${dir}/expect.yaml`]);
    assert.equal(r.code, 0, r.out + r.err);
    return r.out;
  } finally { cleanup(); }
}

test("exportTo without '.', '*' or its own namespace: the rule is not local to its namespace (setDestinationRules), only the named namespaces read it; '~' none (was: its own namespace read it, a wrong deny)", async () => {
  await expect(dr("shop", "ops-only", 1, `exportTo: [ops], ${DISABLE}`), { "shop/client": "allow", "web/client": "allow", "ops/client": "deny" });
  await expect(dr("shop", "nobody", 1, `exportTo: ["~"], ${DISABLE}`), { "shop/client": "allow", "web/client": "allow" });
  // '.' alone is private: the Service's other clients never read it.
  await expect(dr("shop", "private", 1, `exportTo: ["."], ${DISABLE}`), { "shop/client": "deny", "web/client": "allow" });
});

test("two rules of one host whose exportTo differ stay apart (ENABLE_ENHANCED_DESTINATIONRULE_MERGE) and the client reads the last one visible to it (sidecar.go: the last without a selector; was: the oldest, a wrong allow)", async () => {
  const yaml = dr("shop", "all", 1, `exportTo: ["*"], ${MUTUAL}`) + dr("shop", "web", 2, `exportTo: [web], ${DISABLE}`);
  const out = await expect(yaml, { "web/client": "deny", "ops/client": "allow" });
  assert.match(out, /DestinationRule shop\/web disables TLS/);
  // Equal exportTo: merged, the first rule's trafficPolicy kept (mergeDestinationRule "only add the subsets").
  await expect(dr("shop", "all", 1, `exportTo: [web], ${MUTUAL}`) + dr("shop", "web", 2, `exportTo: [web], ${DISABLE}`), { "web/client": "allow" });
});

test("the most specific host of a namespace decides even when it is not exported to the client: pilot goes on to the root namespace, not to a wildcard rule of the same namespace (destinationRule; was: the wildcard, a wrong deny)", async () => {
  const yaml = dr("shop", "api-ops", 1, `exportTo: [ops], ${MUTUAL}`) + dr("shop", "wild", 2, DISABLE, '"*.shop.svc.cluster.local"');
  await expect(yaml, { "web/client": "allow", "ops/client": "allow" });
  // The root namespace's exported rule applies then.
  await expect(yaml + dr("istio-system", "mesh", 3, DISABLE, '"*.cluster.local"'), { "web/client": "deny", "ops/client": "allow" });
  // Without the specific rule the wildcard of the Service's namespace applies.
  await expect(dr("shop", "wild", 2, DISABLE, '"*.shop.svc.cluster.local"'), { "web/client": "deny" });
});

test("a rule with a workloadSelector applies to the clients it selects in its namespace only, never exported (setDestinationRules: exportTo '.')", async () => {
  await expect(dr("web", "client-only", 1, `workloadSelector: {matchLabels: {app: client}}, ${DISABLE}`), { "web/client": "deny", "web/tool": "allow", "ops/client": "allow" });
  await expect(dr("shop", "client-only", 1, `workloadSelector: {matchLabels: {app: client}}, exportTo: ["*"], ${DISABLE}`), { "shop/client": "deny", "web/client": "allow" });
  // Selected clients read the selector's rule, the others the namespace's rule without one, whatever their age.
  await expect(dr("web", "ns", 1, MUTUAL) + dr("web", "client-only", 2, `workloadSelector: {matchLabels: {app: client}}, ${DISABLE}`), { "web/client": "deny", "web/tool": "allow" });
});

test("a rule without a selector whose exportTo equals a selector rule's ('.') is merged into it and not kept apart: the selected clients take its trafficPolicy, the others read no rule (mergeDestinationRule's order of checks; was: the reverse)", async () => {
  const yaml = dr("web", "ns", 1, `exportTo: ["."], ${DISABLE}`) + dr("web", "client-subsets", 2, "workloadSelector: {matchLabels: {app: client}}, subsets: [{name: v1, labels: {version: v1}}]");
  const out = await expect(yaml, { "web/client": "deny", "web/tool": "allow" });
  assert.match(out, /DestinationRule web\/client-subsets disables TLS/);
  // Without exportTo the two stay apart: the selected clients read the selector's rule only (no tls: auto mTLS).
  await expect(dr("web", "ns", 1, DISABLE) + dr("web", "client-subsets", 2, "workloadSelector: {matchLabels: {app: client}}, subsets: [{name: v1, labels: {version: v1}}]"), { "web/client": "allow", "web/tool": "deny" });
});

test("meshConfig defaultDestinationRuleExportTo [\".\"] makes a rule without exportTo private to its namespace (setDestinationRules: \"Use the global default. We only honor . and *\"; was: exported, a wrong deny)", async () => {
  const meshConfig = (exportTo: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    defaultDestinationRuleExportTo: ${exportTo}\n`;
  await expect(meshConfig('["."]') + dr("shop", "plain", 1, DISABLE), { "shop/client": "deny", "web/client": "allow" });
  await expect(meshConfig('["*"]') + dr("shop", "plain", 1, DISABLE), { "shop/client": "deny", "web/client": "deny" });
  // A rule's own exportTo still decides.
  await expect(meshConfig('["."]') + dr("shop", "plain", 1, `exportTo: ["*"], ${DISABLE}`), { "web/client": "deny" });
});

test("two rules merged without creationTimestamp whose TLS differ: pilot's order (by name) decides which trafficPolicy stays, and the answer says so (model/time.ts untimedTie)", async () => {
  const untimed = (ns: string, name: string, spec: string) => dr(ns, name, 1, spec).replace(/, creationTimestamp: "[^"]*"/, "");
  const { dir, cleanup } = tempFiles({ "a.yaml": WORLD + untimed("web", "a", MUTUAL) + untimed("web", "b", DISABLE) });
  try {
    const r = await cli(["explain", "-q", "-f", dir, "--from", "web/client", "--request", "GET http://api.shop/", "-o", "json"]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /warning: neither DestinationRule web\/a nor DestinationRule web\/b has a creationTimestamp/);
  } finally { cleanup(); }
  // Timed: the older one's, no note.
  const out = await expect(dr("web", "a", 2, MUTUAL) + dr("web", "b", 1, DISABLE), { "web/client": "deny" });
  assert.doesNotMatch(out, /creationTimestamp/);
});

test("a VirtualService subset is looked up in the rule the client reads: a later rule exported to web alone, without subset v2, leaves web's sidecar no cluster for it (503) while ops reads the first (was: 200 for both)", async () => {
  const vs = "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api, namespace: shop}\nspec: {hosts: [api], http: [{route: [{destination: {host: api, subset: v2}}]}]}\n";
  const yaml = WORLD + vs + dr("shop", "all", 1, 'exportTo: ["*"], subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]') + dr("shop", "web", 2, "exportTo: [web], subsets: [{name: v1, labels: {version: v1}}]");
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml, "expect.yaml": '- {from: web/client, request: "GET http://api.shop/", expect: 503}\n- {from: ops/client, request: "GET http://api.shop/", expect: 200}\n' });
  try {
    const r = await cli(["test", "-q", "-f", `${dir}/a.yaml`, "--expect", `${dir}/expect.yaml`]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /DestinationRule shop\/web .*defines no subset v2/);
  } finally { cleanup(); }
});

test("explain names the rules pilot merged and the one whose trafficPolicy the client takes", async () => {
  const { dir, cleanup } = tempFiles({ "a.yaml": WORLD + dr("web", "subsets", 1, "subsets: [{name: v1, labels: {version: v1}}]") + dr("web", "tls", 2, DISABLE) });
  try {
    const r = await cli(["explain", "-q", "-f", dir, "--from", "web/client", "--request", "GET http://api.shop/", "-o", "json"]);
    assert.match(r.out, /client applies DestinationRule web\/subsets \(pilot merged web\/tls into it, its trafficPolicy from web\/tls\)/);
  } finally { cleanup(); }
});

test("two rules of one host kept apart (exportTo differ) without creationTimestamp whose TLS differ: the last by pilot's order (name) is taken, and the answer says their order decided (sidecar.go DestinationRule: the last without a selector)", async () => {
  const untimed = (ns: string, name: string, spec: string) => dr(ns, name, 1, spec).replace(/, creationTimestamp: "[^"]*"/, "");
  const { dir, cleanup } = tempFiles({ "a.yaml": WORLD + untimed("web", "a", `exportTo: ["."], ${MUTUAL}`) + untimed("web", "b", `exportTo: ["*"], ${DISABLE}`) });
  try {
    const r = await cli(["explain", "-q", "-f", dir, "--from", "web/client", "--request", "GET http://api.shop/", "-o", "json"]);
    assert.equal(r.code, 1, r.out + r.err); // denied: plaintext to STRICT
    assert.match(r.out, /DestinationRule web\/b disables TLS/);
    assert.match(r.out, /neither DestinationRule web\/a nor DestinationRule web\/b has a creationTimestamp.*the client takes the last of them \(sidecar\.go DestinationRule\), web\/b/);
  } finally { cleanup(); }
  // Timed: b older, so a is the last: mutual TLS, no note.
  const out = await expect(dr("web", "a", 2, `exportTo: ["."], ${MUTUAL}`) + dr("web", "b", 1, `exportTo: ["*"], ${DISABLE}`), { "web/client": "allow" });
  assert.doesNotMatch(out, /creationTimestamp/);
  // Same TLS: the order decides nothing, no note.
  const { dir: d2, cleanup: c2 } = tempFiles({ "a.yaml": WORLD + untimed("web", "a", `exportTo: ["."], ${DISABLE}`) + untimed("web", "b", `exportTo: ["*"], ${DISABLE}`) });
  try {
    const r = await cli(["explain", "-q", "-f", d2, "--from", "web/client", "--request", "GET http://api.shop/", "-o", "json"]);
    assert.doesNotMatch(r.out, /creationTimestamp/);
  } finally { c2(); }
});
