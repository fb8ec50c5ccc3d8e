// HTTP rules of network policies per request: Cilium (its agent's Envoy configuration: RE2 over the
// :path with its query string; an L3/L4-only allow for the same peer and port cancels the L7
// filter), Calico (Dikastes: exact methods, exact or segment-prefix cleaned paths without the query) and
// the common API (http as part of the rule's match, in every tier and action).

import { test } from "node:test";
import assert from "node:assert/strict";
import { outcome, pod, world } from "./fixture.js";

const base = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2", { ports: [["http", 80]] }) + pod("other", "x", "10.0.1.1");
const NONE = { web: "none", api: "none", x: "none" } as const;

function cnp(name: string, spec: string): string {
  return `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {app: api}}\n${spec}\n---\n`;
}

const l7 = "  ingress:\n  - fromEndpoints: [{matchLabels: {app: web}}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}], rules: {http: [{method: GET, path: \"/api/v[0-9]+\"}, {method: POST, path: \"/submit\", headers: [\"X-Token: s3cret\"]}]}}]";

test("Cilium: path is an RE2 full match of the path with its query string; method a full match; headers exact", () => {
  const w = world(base + cnp("l7", l7), NONE);
  const get = (path: string, method = "GET", headers: [string, string][] = []) => outcome(w.ask("shop/web", "shop/api", 80, { http: { path, method, headers } }));
  assert.equal(get("/api/v1"), "allow");
  assert.equal(get("/api/v1?debug=1"), "403", "the query string is part of what the regex must match");
  assert.equal(get("/api/v1/users"), "403", "a full match, not a prefix");
  assert.equal(get("/api/v1", "GETX"), "403");
  assert.equal(get("/submit", "POST", [["x-token", "s3cret"]]), "allow");
  assert.equal(get("/submit", "POST", [["x-token", "other"]]), "403");
  const r = w.ask("shop/web", "shop/api", 80, { http: { path: "/nope" } });
  assert.match(r.layers.find((l) => l.layer === "network")!.enforcer, /Cilium's proxy/);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 80, { tcp: true })), "failed", "a TCP client on a port the proxy parses as HTTP");
});

test("Cilium: an L3/L4-only allow for the same peer and port cancels the L7 filter; another peer keeps it", () => {
  const open = "  ingress:\n  - fromEndpoints: [{matchLabels: {app: web}}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]\n  - fromEndpoints: [{matchLabels: {app: x, k8s:io.kubernetes.pod.namespace: other}}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}], rules: {http: [{method: GET}]}}]";
  const w = world(base + cnp("l7", l7) + cnp("l4", open), NONE);
  const r = w.ask("shop/web", "shop/api", 80, { http: { path: "/anything", method: "DELETE" } });
  assert.equal(outcome(r), "allow");
  assert.match(r.layers.find((l) => l.layer === "network")!.summary, /CiliumNetworkPolicy shop\/l4, rule 0/);
  const reversed = world(base + cnp("a-l7", l7) + cnp("b-l4", open), NONE).ask("shop/web", "shop/api", 80, { http: { path: "/anything", method: "DELETE" } });
  assert.equal(outcome(reversed), "allow", "also when the filtering rule comes first");
  assert.match(reversed.layers.find((l) => l.layer === "network")!.summary, /cancels the L7 filter/);
  assert.equal(outcome(w.ask("other/x", "shop/api", 80, { http: { path: "/x", method: "DELETE" } })), "403", "x is allowed only with its HTTP rule");
  assert.equal(outcome(w.ask("other/x", "shop/api", 80, { http: { path: "/x" } })), "allow");
});

// Cilium merges every rule selecting an endpoint into one L4Filter per port, with L7 rules per peer
// selector (pkg/policy/l4.go, mergePortProto: "nil L7 rules wildcard L7. When merging with a non-nil
// rule, the nil must be expanded to an actual wildcard rule for the specific L7"; L3-only rules are
// added to the L7 ports as wildcards, rule.go wildcardL3L4Rules). Whether a policy turns default deny
// on (enableDefaultDeny) only decides isolation: its allows join the same merge.
const openCnp = (name: string, rules: string) => cnp(name, `  enableDefaultDeny: {ingress: false, egress: false}\n  ingress:\n${rules}`);
const webRule = (http?: string) => `  - fromEndpoints: [{matchLabels: {app: web}}]\n    toPorts: [{ports: [{port: "80", protocol: TCP}]${http ? `, rules: {http: [${http}]}` : ""}}]`;

test("Cilium: an L4-only allow cancels the L7 filter of a policy without default deny (enableDefaultDeny: false), and the other way round", () => {
  const ask = (yaml: string, method: string) => outcome(world(base + yaml, NONE).ask("shop/web", "shop/api", 80, { http: { path: "/x", method } }));
  const open = openCnp("open-l7", webRule("{method: GET}"));
  assert.equal(ask(open, "DELETE"), "403", "alone, the filter holds");
  assert.equal(ask(open + cnp("l4", `  ingress:\n${webRule()}`), "DELETE"), "allow", "an isolating policy's L4-only allow for the same peer and port cancels it");
  assert.equal(ask(open + openCnp("open-l4", webRule()), "DELETE"), "allow", "so does another policy without default deny");
  assert.equal(ask(openCnp("open-l4", webRule()) + cnp("l7", `  ingress:\n${webRule("{method: GET}")}`), "DELETE"), "allow", "an open L4-only allow cancels an isolating policy's filter");
});

test("Cilium: L7 rules of several policies for the same peer and port are ORed, whichever turns default deny on", () => {
  const w = world(base + openCnp("open-get", webRule("{method: GET}")) + cnp("post", `  ingress:\n${webRule("{method: POST}")}`), NONE);
  const ask = (method: string) => outcome(w.ask("shop/web", "shop/api", 80, { http: { path: "/x", method } }));
  assert.equal(ask("GET"), "allow");
  assert.equal(ask("POST"), "allow", "the isolating policy's rule is part of the same filter");
  assert.equal(ask("DELETE"), "403");
});

test("Cilium: an L3-only allow (no toPorts) and a NetworkPolicy's allow are L4 allows of the same merge: they cancel the filter", () => {
  const ask = (yaml: string) => outcome(world(base + cnp("l7", `  ingress:\n${webRule("{method: GET}")}`) + yaml, NONE).ask("shop/web", "shop/api", 80, { http: { path: "/x", method: "DELETE" } }));
  assert.equal(ask(""), "403");
  assert.equal(ask(cnp("l3", "  ingress:\n  - fromEndpoints: [{matchLabels: {app: web}}]")), "allow", "an L3-only rule allows the peer on every port, the L7 port included");
  const np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: 80}]\n---\n";
  assert.equal(ask(np), "allow", "Cilium translates a NetworkPolicy into rules of the same repository");
  assert.equal(ask(cnp("l4-other-port", "  ingress:\n  - fromEndpoints: [{matchLabels: {app: web}}]\n    toPorts: [{ports: [{port: \"81\", protocol: TCP}]}]")), "403", "an allow for another port leaves this port's filter alone");
});

const calico = (rules: string) => `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: alp, namespace: shop}\nspec:\n  selector: app == 'api'\n  ingress:\n${rules}\n---\n`;

test("Calico: exact methods, exact or segment-prefix paths without query and fragment; the next rule decides otherwise", () => {
  // The fixture's pods all have Istio sidecars, where Dikastes runs.
  const w = world(base + calico("  - action: Allow\n    http: {methods: [GET], paths: [{exact: /projects/calico}, {prefix: /users}]}\n  - action: Allow\n    http: {methods: [PUT]}"));
  const get = (path: string, method = "GET") => outcome(w.ask("shop/web", "shop/api", 80, { http: { path, method } }));
  assert.equal(get("/projects/calico?x=1"), "allow");
  assert.equal(get("/users/7"), "allow");
  assert.equal(get("/users2"), "403", "a prefix of whole segments (app-policy/checker/match.go segmentPrefixMatch, since v3.32)");
  assert.equal(get("/projects"), "403");
  // Calico refuses an HTTP match on a Deny, Pass or Log rule (libcalico-go's validation; the v3 CRD's rule).
  assert.throws(() => world(base + calico("  - action: Deny\n    http: {paths: [{prefix: /admin}]}")), /HTTP match is only valid on Allow rules/);
  assert.equal(get("/other", "PUT"), "allow");
  assert.equal(w.ask("shop/web", "shop/api", 80, { http: { path: "/projects" } }).layers.find((l) => l.verdict === "deny")?.layer, "network");
});

test("Calico's HTTP match is enforced by Dikastes in the Istio sidecar only", () => {
  const w = world(base + calico("  - action: Allow\n    http: {methods: [GET]}"), NONE);
  const withSidecar = w.ask("shop/web", "shop/api", 80, { http: { path: "/", method: "POST" }, proxies: { web: "none", api: "istio-sidecar" } });
  assert.equal(outcome(withSidecar), "403");
  const without = w.ask("shop/web", "shop/api", 80, { http: { path: "/", method: "POST" } });
  assert.equal(outcome(without), "allow");
  assert.match(without.layers.find((l) => l.layer === "network")!.warnings.join(), /Dikastes in an Istio sidecar/);
});

const tp = (tier: string, name: string, ns: string | undefined, spec: string) =>
  `apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: ${name}${ns ? `, namespace: ${ns}` : ""}}\nspec:\n  tier: ${tier}\n${spec}\n---\n`;

test("common API: Deny and Pass with http decide matching requests only; Allow with http matches only those requests", () => {
  const yaml = base
    + tp("Admin", "no-admin", undefined, "  priority: 10\n  subject: {workloads: {matchLabels: {app: api}}}\n  ingress:\n  - {action: Deny, http: [{paths: [{prefix: /admin}]}]}\n  - {action: Pass, http: [{methods: [DELETE]}]}")
    + tp("Namespace", "api", "shop", "  subject: {workloads: {matchLabels: {app: api}}}\n  ingress:\n  - {action: Allow, http: [{methods: [GET, HEAD], paths: [{template: \"/orders/{*}\"}, \"/health\"]}]}")
    + tp("Baseline", "base", undefined, "  subject: {workloads: {matchLabels: {app: api}}}\n  ingress:\n  - {action: Allow}");
  const w = world(yaml, NONE);
  const ask = (path: string, method = "GET") => outcome(w.ask("shop/web", "shop/api", 80, { http: { path, method } }));
  assert.equal(ask("/admin/x"), "403", "Deny in the Admin tier");
  assert.equal(ask("/orders/7"), "allow");
  assert.equal(ask("/orders/7/items"), "403", "{*} is one segment; the namespace tier isolates");
  assert.equal(ask("/a/../health"), "allow", "dot segments are removed before matching");
  assert.equal(ask("/orders/7", "DELETE"), "403", "Pass goes to the Namespace tier, which isolates");
  assert.equal(w.engine.evaluate({ src: { endpoint: w.engine.inventory.endpoints[0] }, dst: { endpoint: w.engine.inventory.endpoints[1] }, protocol: "TCP", port: 80 }).allowed, true, "the connection is allowed: some requests pass");
});
