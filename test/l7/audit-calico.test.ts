// An audit of Calico's HTTP match against Dikastes (projectcalico/calico app-policy/checker/match.go,
// released since v3.32: matchHTTPMethods, matchHTTPPaths, normalizeHTTPPath, segmentPrefixMatch),
// restated in our own objects. Dikastes runs in the Istio sidecar, which hands it the path it
// normalized first.

import { test } from "node:test";
import assert from "node:assert/strict";
import { calicoCleanPath } from "../../src/engine/l7/paths.js";
import { formatDiagnostic } from "../../src/model/source.js";
import { load } from "../helpers.js";
import { outcome, pod, world } from "./fixture.js";

const base = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2", { ports: [["http", 80]] });
const calico = (rules: string) => `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: alp, namespace: shop}\nspec:\n  selector: app == 'api'\n  ingress:\n${rules}\n---\n`;

test("normalizeHTTPPath: decode once, refuse double-encoded separators and NULs, fold backslashes, cut ;params, path.Clean", () => {
  const cases: [string, string | undefined][] = [
    ["/a/b?x=1#f", "/a/b"], ["/a//b/", "/a/b"], ["/a/./b/../c", "/a/c"], ["/%61dmin", "/admin"], ["/a%2Fb", "/a/b"],
    ["/a/%2e%2e/b", "/b"], ["/public/..;x/admin", "/admin"], ["/a;v=1/b;c", "/a/b"], ["/a\\..\\b", "/b"], ["/..", "/"], ["/", "/"],
    ["/a/%252e%252e/b", undefined], ["/a%252Fb", undefined], ["/admin%00/../public", undefined], ["/bad%zz", undefined], ["relative", undefined],
  ];
  for (const [input, want] of cases) assert.equal(calicoCleanPath(input), want, input);
});

test("matchHTTPPaths: exact and segment-prefix comparisons on cleaned paths (a character prefix was a wrong allow)", () => {
  const w = world(base + calico("  - action: Allow\n    http: {methods: [GET, \"*\"], paths: [{prefix: /pub}, {exact: /status/}]}"));
  const get = (path: string) => outcome(w.ask("shop/web", "shop/api", 80, { http: { path } }));
  assert.equal(get("/pub"), "allow");
  assert.equal(get("/pub/x"), "allow");
  assert.equal(get("/public-leak"), "403", "segmentPrefixMatch: /pub is not a prefix of /public-leak");
  assert.equal(get("/status"), "allow", "the rule's exact path is cleaned too: /status/ is /status");
  assert.equal(get("/status//"), "allow");
  assert.equal(get("/pub/..;/admin"), "403", "matrix parameters are cut before dot segments resolve: /admin");
  assert.equal(get("/pub/%252e%252e/admin"), "403", "a double-encoded dot segment is refused, not matched");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 80, { http: { path: "/pub", method: "DELETE" } })), "allow", "methods: \"*\" is any method");
});

test("a rule path Dikastes cannot clean is skipped with a warning, and matches nothing", () => {
  const yaml = base + calico("  - action: Allow\n    http: {paths: [{exact: \"no-slash\"}]}");
  assert.match(load({ "p.yaml": yaml }).diagnostics.items.map(formatDiagnostic).join("\n"), /"no-slash" is refused by Dikastes' path normalization/);
  assert.equal(outcome(world(yaml).ask("shop/web", "shop/api", 80, { http: { path: "/no-slash" } })), "403");
});

// Dikastes walks the tiers as felix does (app-policy/checker/check.go checkTiers: "Pass means end
// evaluation of policies and proceed to next tier (or profiles)"; no match: the tier's default action).
// A Pass in one Calico tier went on past the next tier before the default one: its HTTP match was never
// checked, and the profile allowed every request.
test("a request passed by one Calico tier meets the next tier's HTTP match and its end of tier", () => {
  const tiers = "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: ta}\nspec: {order: 100}\n---\napiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: tb}\nspec: {order: 200}\n---\n";
  const gnp = (t: string, rules: string) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ${t}.p}\nspec:\n  tier: ${t}\n  selector: app == 'api'\n  ingress:\n${rules}\n---\n`;
  const w = world(base + tiers + gnp("ta", "  - action: Pass") + gnp("tb", "  - action: Allow\n    http: {methods: [GET]}"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 80, { http: { path: "/", method: "GET" } })), "allow");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 80, { http: { path: "/", method: "POST" } })), "403", "tb's end of tier (it was allowed: the profile)");
});
