// Routing as the spec and the conformance suite pin it: match precedence within and across
// routes, hostname intersection and listener isolation, weights, status codes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, gateway, httpRoute, HTTP_ALL, route } from "./fixture.js";
import { load } from "../helpers.js";

const to = (svc: string) => `backendRefs: [{name: ${svc}, port: 80}]`;
const GW = gateway([HTTP_ALL]);

test("within a route: Exact beats PathPrefix, the longest prefix wins whatever the rule order", () => {
  const yaml = GW + httpRoute("r", `  rules:
  - {matches: [{path: {type: PathPrefix, value: /a}}], ${to("v1")}}
  - {matches: [{path: {type: PathPrefix, value: /a/b}}], ${to("v2")}}
  - {matches: [{path: {type: Exact, value: /a}}], ${to("v3")}}`);
  assert.equal(route(yaml, { path: "/a" }).backend, "apps/v3");
  assert.equal(route(yaml, { path: "/a/b/c" }).backend, "apps/v2");
  assert.equal(route(yaml, { path: "/a/x" }).backend, "apps/v1");
  assert.equal(route(yaml, { path: "/ab" }).status, 404, "PathPrefix matches whole segments");
  assert.equal(route(yaml, { path: "/A" }).status, 404, "paths are case-sensitive");
});

test("then method, then more headers, then more query parameters", () => {
  const yaml = GW + httpRoute("r", `  rules:
  - {matches: [{path: {value: /}, queryParams: [{name: a, value: "1"}, {name: b, value: "2"}]}], ${to("v1")}}
  - {matches: [{headers: [{name: x, value: "1"}]}], ${to("v2")}}
  - {matches: [{method: POST}], ${to("v3")}}`);
  assert.equal(route(yaml, { method: "POST", headers: [["X", "1"]], path: "/?a=1&b=2" }).backend, "apps/v3");
  assert.equal(route(yaml, { headers: [["x", "1"]], path: "/?a=1&b=2" }).backend, "apps/v2", "header names are case-insensitive");
  assert.equal(route(yaml, { path: "/?a=1&b=2" }).backend, "apps/v1");
  assert.equal(route(yaml, { path: "/?A=1&b=2" }).status, 404, "query parameter names are case-sensitive");
});

test("across routes: precedence is merged; ties go to the oldest route, then namespace/name", () => {
  const older = httpRoute("zeta", `  rules: [{matches: [{path: {value: /x}}], ${to("v1")}}]`, ", creationTimestamp: '2024-01-01T00:00:00Z'");
  const newer = httpRoute("alpha", `  rules: [{matches: [{path: {value: /x}}], ${to("v2")}}]`, ", creationTimestamp: '2024-06-01T00:00:00Z'");
  const longer = httpRoute("long", `  rules: [{matches: [{path: {value: /x/y}}], ${to("v3")}}]`);
  assert.equal(route(GW + newer + older + longer, { path: "/x" }).backend, "apps/v1");
  assert.equal(route(GW + newer + older + longer, { path: "/x/y" }).backend, "apps/v3");
  const sameAge = (n: string, svc: string) => httpRoute(n, `  rules: [{matches: [{path: {value: /x}}], ${to(svc)}}]`, ", creationTimestamp: '2024-01-01T00:00:00Z'");
  const r = route(GW + sameAge("b", "v1") + sameAge("a", "v2"), { path: "/x" });
  assert.equal(r.backend, "apps/v2");
  assert.match(r.candidates[1].outcome, /lost/);
});

test("creationTimestamp is read as Go's time.Parse(time.RFC3339) reads metav1.Time: an impossible date or another format is an error, not a rolled-over age", () => {
  const at = (ts: string) => load({ "t.yaml": BASE + GW + httpRoute("r", `  rules: [{${to("v1")}}]`, `, creationTimestamp: '${ts}'`) }).diagnostics.errors.map((e) => `${e.field?.join(".")}: ${e.message}`);
  assert.deepEqual(at("2024-01-01T00:00:00.5+02:00"), []);
  for (const bad of ["2024-02-30T00:00:00Z", "2024-01-01T00:00Z", "Jan 1 2024", "2024-01-01t00:00:00z"]) {
    assert.deepEqual(at(bad), [`metadata.creationTimestamp: ${JSON.stringify(bad)} is not an RFC 3339 timestamp`], bad);
  }
});

test("a header-only match is PathPrefix / and beats a plain PathPrefix / of another route", () => {
  const yaml = GW + httpRoute("p1", `  hostnames: [example.com]\n  rules: [{matches: [{path: {value: /}}], ${to("v1")}}]`)
    + httpRoute("p2", `  hostnames: [example.com]\n  rules: [{matches: [{headers: [{name: v, value: two}]}], ${to("v2")}}]`);
  assert.equal(route(yaml, { host: "example.com", headers: [["v", "two"]] }).backend, "apps/v2");
  assert.equal(route(yaml, { host: "example.com" }).backend, "apps/v1");
  assert.equal(route(yaml, { host: "example.net" }).status, 404, "only the route's hostnames are served");
});

test("hostnames: wildcards cover one or more labels, not the bare domain; the port in Host is ignored", () => {
  const yaml = gateway(["{name: w, port: 80, protocol: HTTP, hostname: '*.example.com', allowedRoutes: {namespaces: {from: All}}}"])
    + httpRoute("r", `  rules: [{${to("v1")}}]`);
  assert.equal(route(yaml, { host: "a.example.com:8080" }).backend, "apps/v1");
  assert.equal(route(yaml, { host: "a.b.example.com" }).backend, "apps/v1");
  assert.equal(route(yaml, { host: "example.com" }).status, 404);
});

test("listener isolation: the most specific listener takes the request; routes of others never see it", () => {
  const yaml = gateway([HTTP_ALL, "{name: wild, port: 80, protocol: HTTP, hostname: '*.example.com', allowedRoutes: {namespaces: {from: All}}}",
    "{name: exact, port: 80, protocol: HTTP, hostname: a.example.com, allowedRoutes: {namespaces: {from: All}}}"])
    + httpRoute("any", `  rules: [{${to("v1")}}]`).replace("namespace: infra}", "namespace: infra, sectionName: http}")
    + httpRoute("wild", `  rules: [{${to("v2")}}]`).replace("namespace: infra}", "namespace: infra, sectionName: wild}")
    + httpRoute("exact", `  rules: [{matches: [{path: {value: /only}}], ${to("v3")}}]`).replace("namespace: infra}", "namespace: infra, sectionName: exact}");
  assert.equal(route(yaml, { host: "other.org" }).backend, "apps/v1");
  assert.equal(route(yaml, { host: "b.example.com" }).backend, "apps/v2");
  assert.equal(route(yaml, { host: "a.example.com", path: "/only" }).backend, "apps/v3");
  const isolated = route(yaml, { host: "a.example.com", path: "/elsewhere" });
  assert.equal(isolated.status, 404);
  assert.equal(isolated.listener, "exact");
});

test("weights are shares of the sum; weight 0 gets nothing; the answer follows the largest share", () => {
  const yaml = GW + httpRoute("r", `  rules: [{backendRefs: [{name: v1, port: 80, weight: 1}, {name: v2, port: 80, weight: 3}, {name: v3, port: 80, weight: 0}]}]`);
  const r = route(yaml, {});
  assert.equal(r.backend, "apps/v2");
  assert.deepEqual(r.backends.map((b) => [b.name, b.weight]), [["apps/v1", 1], ["apps/v2", 3], ["apps/v3", 0]]);
  const zero = route(GW + httpRoute("r", `  rules: [{backendRefs: [{name: v1, port: 80, weight: 0}]}]`), {});
  assert.equal(zero.status, 500);
  assert.equal(zero.backend, null);
});

test("unresolvable backends answer 500 for their rule only; no backendRefs answers 500", () => {
  const yaml = GW + httpRoute("r", `  rules:
  - {matches: [{path: {value: /bad}}], backendRefs: [{name: elsewhere, namespace: other, port: 80}]}
  - {matches: [{path: {value: /none}}]}
  - {${to("v1")}}`);
  assert.equal(route(yaml, { path: "/bad" }).status, 500);
  assert.equal(route(yaml, { path: "/none" }).status, 500);
  assert.equal(route(yaml, { path: "/ok" }).status, 200);
});

test("a route's backendRef may name a Workload (a VM)", () => {
  const vm = "---\napiVersion: junction.dev/v1alpha1\nkind: Workload\nmetadata: {name: vm, namespace: apps}\nspec: {addresses: [192.0.2.1], ports: [{port: 8080}]}\n";
  const r = route(GW + vm + httpRoute("r", "  rules: [{backendRefs: [{group: junction.dev, kind: Workload, name: vm, port: 8080}]}]"), {});
  assert.equal(r.backend, "apps/vm");
  assert.equal(r.backends[0].kind, "Workload");
});

test("no listener on the port refuses the connection; plain HTTP to a TLS port fails", () => {
  assert.equal(route(GW, { port: 81 }).connection, "rejected");
  const tls = gateway(["{name: t, port: 443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}"]);
  assert.equal(route(tls, { port: 443 }).connection, "failed");
});

test("a split with an unresolvable backend says which share of the requests gets 500", () => {
  const r = route(GW + httpRoute("r", "  rules: [{backendRefs: [{name: v1, port: 80, weight: 3}, {name: missing, port: 80, weight: 1}]}]"), {});
  assert.equal(r.status, 200);
  assert.match(r.reason, /25% of the requests go to apps\/missing, which cannot be used, and get 500/);
  assert.match(r.backends[1].problem ?? "", /BackendNotFound/);
});

test("an HTTPRoute without rules gets the API default: one catch-all rule without backends (500)", () => {
  const r = route(GW + httpRoute("r", "  hostnames: [a.com]"), { host: "a.com", path: "/x" });
  assert.equal(r.status, 500);
  assert.equal(r.route, "HTTPRoute apps/r");
});

test("a repeated header is matched as Envoy reads it: its values joined with \",\" (not each value); a query value keeps its \"=\"", () => {
  // httproute_types.go HTTPHeaderMatch.Name: "When a header is repeated in an HTTP request, it is implementation-specific
  // behavior as to how this is represented. Generally, proxies should follow the guidance from the RFC" (RFC 7230 3.2.2:
  // the values combined, comma-separated). Envoy (Envoy Gateway, Istio, Cilium) matches HeaderUtility::getAllOfHeaderAsString:
  // "Multiple headers are concatenated with ','". Before, Junction also accepted any single value: a wrong route.
  const yaml = GW + httpRoute("r", `  rules:
  - {matches: [{headers: [{name: x-tier, value: gold}]}], ${to("v1")}}
  - {matches: [{headers: [{name: x-tier, value: "silver,gold"}]}], ${to("v2")}}
  - {matches: [{queryParams: [{name: sig, value: "a=b"}]}], ${to("v3")}}`);
  assert.equal(route(yaml, { headers: [["x-tier", "gold"]] }).backend, "apps/v1");
  assert.equal(route(yaml, { headers: [["x-tier", "silver"], ["X-Tier", "gold"]] }).backend, "apps/v2", "Envoy sees \"silver,gold\"");
  assert.equal(route(yaml, { headers: [["x-tier", "gold"], ["x-tier", "gold"]] }).status, 404, "\"gold,gold\" is not gold");
  // Envoy's Utility::parseQueryString: the value is everything after the first '=' (Junction cut it at the second).
  assert.equal(route(yaml, { path: "/?sig=a=b" }).backend, "apps/v3");
});

test("a Host with a trailing dot is another name to a Gateway (Envoy without strip_trailing_host_dot): 404 where the routes name example.com", () => {
  // Envoy Gateway api/v1alpha1/hostsettings_types.go StripTrailingHostDot (default false): "Without this option, incoming
  // requests with host "example.com." will not match routes with domains set to "example.com"". Before, Junction dropped the dot.
  const yaml = GW + httpRoute("named", `  hostnames: [example.com, "*.example.org"]\n  rules: [{${to("v1")}}]`)
    + httpRoute("any", `  rules: [{matches: [{path: {type: PathPrefix, value: /any}}], ${to("v2")}}]`);
  assert.equal(route(yaml, { host: "example.com" }).backend, "apps/v1");
  assert.equal(route(yaml, { host: "example.com." }).status, 404);
  assert.equal(route(yaml, { host: "a.example.org.:80" }).status, 404);
  assert.equal(route(yaml, { host: "example.com.", path: "/any" }).backend, "apps/v2", "a route without hostnames takes any Host");
});
