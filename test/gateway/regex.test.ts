// RegularExpression matches in routes: RE2 as Envoy-based implementations read them, an invalid one
// reported in the route's status as Envoy Gateway reports it (not rejected as input), and an
// Ingress's regex paths read as nginx (PCRE) reads them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, cond, engineOf, gateway, httpRoute, HTTP_ALL, route, statusOf } from "./fixture.js";
import { load } from "../helpers.js";
import { GatewayEngine } from "../../src/engine/gateway/engine.js";
import { routeRequest } from "../../src/engine/gateway/route.js";
import { req } from "./fixture.js";

const rule = (match: string, backend = "v1") => `  - matches: [${match}]\n    backendRefs: [{name: ${backend}, port: 80}]\n`;

test("RE2 path, header and query matches are full matches of the value (Envoy safe_regex)", () => {
  const yaml = gateway([HTTP_ALL]) + httpRoute("r", "  rules:\n"
    + rule("{path: {type: RegularExpression, value: '/items/(?P<id>\\d+)'}}")
    + rule("{path: {type: PathPrefix, value: /}, headers: [{type: RegularExpression, name: x-v, value: '\\pN+'}]}", "v2")
    + rule("{path: {type: PathPrefix, value: /}, queryParams: [{type: RegularExpression, name: q, value: '(?i)yes'}]}", "v3"));
  assert.equal(route(yaml, { path: "/items/42" }).backend, "apps/v1");
  assert.equal(route(yaml, { path: "/items/42/x" }).backend, null, "a longer path is not a full match");
  assert.equal(route(yaml, { path: "/", headers: [["x-v", "123"]] }).backend, "apps/v2", "\\pN is RE2's Unicode digit class");
  assert.equal(route(yaml, { path: "/", headers: [["x-v", "pN"]] }).backend, null);
  assert.equal(route(yaml, { path: "/?q=YES" }).backend, "apps/v3");
});

test("an invalid RegularExpression is not an input error: Envoy Gateway drops the rule, Accepted=False/UnsupportedValue when every rule is invalid", () => {
  // Envoy Gateway testdata httproute-with-invalid-regex: "Failed to process route rule 0: regex ... is invalid", reason UnsupportedValue.
  const yaml = gateway([HTTP_ALL]) + httpRoute("r", "  rules:\n" + rule("{path: {type: RegularExpression, value: '*.foo.bar.com'}}"));
  const loaded = load({ "test.yaml": yaml });
  assert.equal(loaded.diagnostics.errors.length, 0);
  assert.ok(loaded.diagnostics.items.some((d) => d.severity === "warning" && /not a valid RE2 regular expression/.test(d.message)));
  const s = statusOf(yaml, "HTTPRoute", "apps/r").parents[0].conditions;
  assert.equal(cond(s, "Accepted"), "False/UnsupportedValue");
  assert.equal(cond(s, "PartiallyInvalid"), "missing");
});

test("a route with valid and invalid rules: Accepted, PartiallyInvalid=True 'Dropped Rule', the invalid rule routes nothing (GEP-1364)", () => {
  const yaml = gateway([HTTP_ALL]) + httpRoute("r", "  rules:\n"
    + rule("{path: {type: RegularExpression, value: '/(a)\\1'}}") + rule("{path: {type: PathPrefix, value: /}}", "v2"));
  const s = statusOf(yaml, "HTTPRoute", "apps/r").parents[0].conditions;
  assert.equal(cond(s, "Accepted"), "True/Accepted");
  assert.equal(cond(s, "PartiallyInvalid"), "True/UnsupportedValue");
  assert.match(s.find((c: { type: string }) => c.type === "PartiallyInvalid").message, /^Dropped Rule/);
  const r = route(yaml, { path: "/aa" });
  assert.equal(r.backend, "apps/v2", "the backreference rule is dropped, not read as JavaScript would read it");
  assert.ok(r.candidates.some((c) => /dropped by the controller/.test(c.outcome)));
});

test("gRPC service and method regular expressions: RE2, full match", () => {
  const yaml = gateway([HTTP_ALL]) + `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - matches: [{method: {type: RegularExpression, service: 'pkg\\.v[0-9]+\\.Svc', method: 'Get.*'}}]
    backendRefs: [{name: v1, port: 80}]
`;
  const engine = engineOf(yaml);
  const send = (path: string) => routeRequest(engine, req({ path, protocol: "grpc", method: "POST" })).backend;
  assert.equal(send("/pkg.v2.Svc/GetItem"), "apps/v1");
  assert.equal(send("/xpkg.v2.Svc/GetItem"), null);
});

const INGRESS = (annotations: string, path: string) => `---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: apps
  annotations: {${annotations}}
spec:
  ingressClassName: nginx
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: '${path}', pathType: ImplementationSpecific, backend: {service: {name: v1, port: {number: 80}}}}
`;

function ingressRoute(yaml: string, path: string) {
  const loaded = load({ "test.yaml": BASE + yaml });
  const engine = new GatewayEngine(loaded.inventory);
  return routeRequest(engine, req({ path, host: "a.example.com", gateway: undefined }));
}

test("ingress-nginx use-regex paths are PCRE (location ~* \"^PATH\"): lookaheads work, case-insensitive, anchored at the start", () => {
  const yaml = INGRESS("nginx.ingress.kubernetes.io/use-regex: 'true'", "/(?!internal)[a-z]+/v[0-9]");
  assert.equal(ingressRoute(yaml, "/API/v1/items").backend, "apps/v1");
  assert.equal(ingressRoute(yaml, "/internal/v1").backend, null);
});

test("ingress-nginx: a PCRE path that backtracks without end gives no answer rather than a hang or a guess", () => {
  const yaml = INGRESS("nginx.ingress.kubernetes.io/use-regex: 'true'", "/(?=x*)(a+)+$");
  const started = Date.now();
  const r = ingressRoute(yaml, `/${"a".repeat(40)}b`);
  assert.ok(Date.now() - started < 5_000);
  assert.equal(r.status, null);
  assert.match(r.reason, /^not evaluated: regular expression .* longer than/);
});

test("a RegularExpression gRPC match is one expression over the path, \"/\" + service + \"/\" + method joined without grouping, as Istio and Envoy Gateway write it", () => {
  // istio pilot/pkg/config/kube/gateway/conversion.go createGRPCURIMatch: `Regex: "/" + *m.Service + "/" + *m.Method`
  // (no method: `"/" + *m.Service + "/.+"`; no service: `"/[^/]+/" + *m.Method`); Envoy Gateway route.go
  // processGRPCRouteMethodRegularExpression: `SafeRegex: fmt.Sprintf("/%s/%s", *method.Service, *method.Method)`.
  // Before, Junction matched the service and the method each on its own, so an alternation did not span the "/".
  const grpcRoute = (name: string, method: string) => httpRoute(name, `  rules: [{matches: [{method: {type: RegularExpression, ${method}}}], backendRefs: [{name: v1, port: 80}]}]`).replace("kind: HTTPRoute", "kind: GRPCRoute");
  const call = (yaml: string, path: string) => route(yaml, { protocol: "grpc", method: "POST", path }).backend;
  const GW = gateway([HTTP_ALL]);
  const alt = GW + grpcRoute("alt", "service: \"a.A|b.B\", method: Get");
  assert.equal(call(alt, "/b.B/Get"), null, "\"/a.A|b.B/Get\" is \"/a.A\" or \"b.B/Get\": neither spans /b.B/Get");
  assert.equal(call(alt, "/a.A/Get"), null);
  const grouped = GW + grpcRoute("grouped", "service: \"(a.A|b.B)\", method: Get");
  assert.equal(call(grouped, "/b.B/Get"), "apps/v1");
  const serviceOnly = GW + grpcRoute("svc", "service: \"shop\\\\..*\"");
  assert.equal(call(serviceOnly, "/shop.Cart/Add"), "apps/v1");
  assert.equal(call(serviceOnly, "/other.Cart/Add"), null);
});

test("an Exact gRPC match as Istio writes it on the path: service and method exact, a service alone the prefix \"/service/\", a method alone \"/[^/]+/method\"", () => {
  // istio pilot/pkg/config/kube/gateway/conversion.go createGRPCURIMatch (GRPCMethodMatchExact): `Prefix: "/" + service + "/"`
  // without a method, `Regex: "/[^/]+/" + method` without a service, `Exact: "/" + service + "/" + method` with both.
  // Before, Junction took only paths of exactly two non-empty segments: /shop.Cart/Add/x and /shop.Cart/ matched no service-only rule.
  const grpcRoute = (name: string, method: string) => httpRoute(name, `  rules: [{matches: [{method: {${method}}}], backendRefs: [{name: v1, port: 80}]}]`).replace("kind: HTTPRoute", "kind: GRPCRoute");
  const call = (yaml: string, path: string) => route(yaml, { protocol: "grpc", method: "POST", path }).backend;
  const GW = gateway([HTTP_ALL]);
  const svc = GW + grpcRoute("svc", "service: shop.Cart");
  for (const path of ["/shop.Cart/Add", "/shop.Cart/Add/x", "/shop.Cart/"]) assert.equal(call(svc, path), "apps/v1", path);
  for (const path of ["/shop.Cart", "/shop.Carts/Add"]) assert.equal(call(svc, path), null, path);
  const method = GW + grpcRoute("m", "method: Add");
  assert.equal(call(method, "/shop.Cart/Add"), "apps/v1");
  for (const path of ["/shop.Cart/Add/x", "//Add", "/a/b/Add"]) assert.equal(call(method, path), null, path);
  const both = GW + grpcRoute("both", "service: shop.Cart, method: Add");
  assert.equal(call(both, "/shop.Cart/Add"), "apps/v1");
  assert.equal(call(both, "/shop.Cart/Add/x"), null);
});
