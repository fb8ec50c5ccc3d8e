// The twenty-fourth stop's hunt over Istio authorization, each case against the upstream behaviour it
// quotes (istio pilot/pkg/security/authz builder.go and model/generator.go, Envoy's RBAC filter; the
// AuthorizationPolicy reference's "when" keys). Each pins an answer Junction gave right or was fixed to give.

import { test } from "node:test";
import assert from "node:assert/strict";
import { outcome, pod, service, world } from "./fixture.js";

const base = pod("shop", "api", "10.0.0.2") + pod("web", "front", "10.0.1.1") + service("shop", "api", [["http", 80, 8080]]);
const policy = (spec: string, name = "p") => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n${spec}\n---\n`;
const ask = (yaml: string, path = "/", headers: [string, string][] = [], proxies?: Record<string, "istio-sidecar" | "none">) =>
  world(base + yaml).ask("web/front", "shop/api", 8080, { http: { path, method: "GET", headers }, service: ["shop/api", 80], ...(proxies ? { proxies } : {}) });
const plaintext = { front: "none" as const, api: "istio-sidecar" as const };

test("AUDIT only logs (the AuthorizationPolicy reference: AUDIT \"does not affect whether requests are allowed or denied\"): alone it allows; it does not count as an ALLOW policy", () => {
  assert.equal(outcome(ask(policy("  action: AUDIT\n  rules: [{}]"))), "allow");
  assert.equal(outcome(ask(policy("  action: AUDIT\n  rules: [{}]") + policy("  rules: [{to: [{operation: {paths: [/x]}}]}]", "a"))), "403");
});

test("when keys: source.namespace needs the peer's mTLS identity (generator.go srcNamespaceGenerator: principal regex), destination.port is the workload's port, not the Service's (reference: \"Note this is not the service port\"), connection.sni is the mTLS SNI (requestedServerName)", () => {
  assert.equal(outcome(ask(policy("  rules: [{when: [{key: source.namespace, values: [web]}]}]"))), "allow");
  assert.equal(outcome(ask(policy("  rules: [{when: [{key: source.namespace, values: [web]}]}]"), "/", [], plaintext)), "403", "plaintext: no principal");
  assert.equal(outcome(ask(policy("  rules: [{when: [{key: destination.port, values: [\"80\"]}]}]"))), "403");
  assert.equal(outcome(ask(policy("  rules: [{when: [{key: destination.port, values: [\"8080\"]}]}]"))), "allow");
  assert.equal(outcome(ask(policy("  rules: [{when: [{key: connection.sni, values: [\"*api.shop.svc.cluster.local\"]}]}]"))), "allow", "outbound_.80_._.api.shop.svc.cluster.local");
  assert.equal(outcome(ask(policy("  rules: [{when: [{key: connection.sni, values: [\"*\"]}]}]"), "/", [], plaintext)), "403", "plaintext: no SNI");
});

test("notValues and notPaths with wildcards are Envoy's not_rule over the same matcher: an absent header is \"not admin*\", /admin is not under /admin/*, and *.html is a suffix", () => {
  const notAdmin = policy("  action: DENY\n  rules: [{when: [{key: \"request.headers[x-user]\", notValues: [\"admin*\"]}]}]");
  assert.equal(outcome(ask(notAdmin, "/", [["x-user", "adminbob"]])), "allow");
  assert.equal(outcome(ask(notAdmin, "/", [["x-user", "bob"]])), "403");
  assert.equal(outcome(ask(notAdmin)), "403", "no header: the header matcher fails, its not_rule holds");
  const notAdminPaths = policy("  rules: [{to: [{operation: {notPaths: [\"/admin/*\"]}}]}]");
  assert.equal(outcome(ask(notAdminPaths, "/admin/x")), "403");
  assert.equal(outcome(ask(notAdminPaths, "/admin")), "allow");
  assert.equal(outcome(ask(policy("  rules: [{to: [{operation: {paths: [\"*.html\"]}}]}]"), "/a/b.html")), "allow");
  assert.equal(outcome(ask(policy("  rules: [{to: [{operation: {methods: [HEAD]}}]}]"))), "403");
});

test("CUSTOM: the ext_authz filter runs first (builder.go), so where DENY and ALLOW would let a matched request through the answer is unknown, never allowed; a provider meshConfig lacks becomes deny rules", () => {
  const custom = policy("  action: CUSTOM\n  provider: {name: opa}\n  rules: [{to: [{operation: {paths: [\"/admin*\"]}}]}]", "ext");
  const r = ask(custom, "/admin");
  assert.equal(r.layers.at(-1)!.verdict, "undecided", "was allow (\"the answer assumes it allows\")");
  assert.match(r.layers.at(-1)!.unknown ?? "", /external authorizer opa decides first/);
  assert.equal(ask(custom, "/public").layers.at(-1)!.verdict, "allow", "no CUSTOM rule matches: DENY and ALLOW decide");
  assert.equal(outcome(ask(custom + policy("  action: DENY\n  rules: [{}]"), "/admin")), "403", "a DENY denies either way");
  const w = world(base + custom);
  w.engine.inventory.mesh.settings.istioExtensionProviders = { other: "http" };
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, { http: { path: "/admin", method: "GET", headers: [] }, service: ["shop/api", 80] })), "403", "getBadCustomDenyRules");
});
