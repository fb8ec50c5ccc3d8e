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

test("Linkerd (policy-controller inbound index, linkerd2-proxy inbound policy): MeshTLSAuthentication admits the named identity only, NetworkAuthentication honours except, an AuthorizationPolicy on a policy.linkerd.io HTTPRoute admits that route and a request no route matches is 404", () => {
  const linkerd = { api: "linkerd" as const, front: "linkerd" as const, other: "linkerd" as const, plain: "none" as const };
  const yaml = pod("shop", "api", "10.0.0.2") + pod("web", "front", "10.0.1.1") + pod("web", "other", "10.0.1.2") + pod("ext", "plain", "10.0.2.1") + service("shop", "api", [["http", 80, 8080]])
    + "apiVersion: policy.linkerd.io/v1beta3\nkind: Server\nmetadata: {name: api-http, namespace: shop}\nspec: {podSelector: {matchLabels: {app: api}}, port: http, proxyProtocol: HTTP/1}\n---\n";
  const authz = (name: string, target: string, ref: string) => `apiVersion: policy.linkerd.io/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  targetRef: ${target}\n  requiredAuthenticationRefs: [${ref}]\n---\n`;
  const server = "{group: policy.linkerd.io, kind: Server, name: api-http}";
  const mtls = "apiVersion: policy.linkerd.io/v1alpha1\nkind: MeshTLSAuthentication\nmetadata: {name: front, namespace: shop}\nspec: {identities: [\"front.web.serviceaccount.identity.linkerd.cluster.local\"]}\n---\n";
  const ask = (extra: string, from: string, path = "/") => outcome(world(yaml + extra, linkerd).ask(from, "shop/api", 8080, { http: { path, method: "GET", headers: [] }, service: ["shop/api", 80] }));
  const byIdentity = mtls + authz("ap", server, "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: front}");
  assert.equal(ask(byIdentity, "web/front"), "allow");
  assert.equal(ask(byIdentity, "web/other"), "403");
  assert.equal(ask(byIdentity, "ext/plain"), "403");
  const net = "apiVersion: policy.linkerd.io/v1alpha1\nkind: NetworkAuthentication\nmetadata: {name: net, namespace: shop}\nspec: {networks: [{cidr: 10.0.0.0/8, except: [10.0.2.0/24]}]}\n---\n" + authz("apn", server, "{group: policy.linkerd.io, kind: NetworkAuthentication, name: net}");
  assert.equal(ask(net, "ext/plain"), "403", "in except");
  assert.equal(ask(net, "web/front"), "allow");
  const route = "apiVersion: policy.linkerd.io/v1beta3\nkind: HTTPRoute\nmetadata: {name: pub, namespace: shop}\nspec:\n  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-http}]\n  rules: [{matches: [{path: {type: PathPrefix, value: /public}}]}]\n---\n"
    + "apiVersion: policy.linkerd.io/v1alpha1\nkind: NetworkAuthentication\nmetadata: {name: all, namespace: shop}\nspec: {networks: [{cidr: 0.0.0.0/0}]}\n---\n"
    + authz("apr", "{group: policy.linkerd.io, kind: HTTPRoute, name: pub}", "{group: policy.linkerd.io, kind: NetworkAuthentication, name: all}");
  assert.equal(ask(route, "ext/plain", "/public/x"), "allow");
  assert.equal(ask(route, "web/front", "/other"), "404", "no route of the Server matches");
  assert.equal(ask("", "web/front"), "403", "a Server without authorizations: nothing authorizes it");
});
