// Mesh routing (GAMMA) as GEP-1294 and the Gateway API mesh overview pin it: producer and consumer
// routes, the "attached but unmatched is rejected" rule, parentRef ports, route kinds, the Service
// frontend (not the Host header) selecting the routes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { API_V2, CLUSTER, meshRoute, one, tagged, withProxy } from "./fixture.js";
import { load } from "../helpers.js";
import { explainJson } from "../l7/fixture.js";

const API = "{group: '', kind: Service, name: api, namespace: shop}";

test("without routes a request to a Service reaches one of its endpoints, unchanged", () => {
  const a = one(CLUSTER, "web/client", "http://api.shop/items?x=1");
  assert.equal(a.status, 200);
  assert.equal(a.backend, "shop/api");
  assert.equal(a.routeRole, undefined);
  assert.match(a.endpoint ?? "", /^shop\/api-v[12]-/);
  assert.equal(a.hop?.to.port, 8080, "service port 80 → targetPort http → container port 8080");
  assert.deepEqual([a.upstream?.path, a.upstream?.method, a.upstream?.host], ["/items?x=1", "GET", "api.shop"]);
});

test("a producer route (in the Service's namespace) applies to clients of every namespace", () => {
  const yaml = CLUSTER + meshRoute("shop", "prod", API, tagged("api-v2", "producer"));
  for (const from of ["web/client", "ops/client", "shop/client"]) {
    const a = one(yaml, from, "http://api.shop.svc.cluster.local/");
    assert.equal(a.backend, "shop/api-v2", from);
    assert.equal(a.responseHeaders["x-route"], "producer", from);
    assert.equal(a.routeRole, "producer");
    assert.equal(a.route, "HTTPRoute shop/prod");
  }
});

test("a consumer route applies only to clients of its own namespace, and wins over producer routes for them", () => {
  const yaml = CLUSTER + meshRoute("shop", "prod", API, tagged("api", "producer")) + meshRoute("web", "mine", API, tagged("api-v2", "consumer"));
  const web = one(yaml, "web/client", "http://api.shop/");
  assert.deepEqual([web.routeRole, web.route, web.backend, web.responseHeaders["x-route"]], ["consumer", "HTTPRoute web/mine", "shop/api-v2", "consumer"]);
  const ops = one(yaml, "ops/client", "http://api.shop/");
  assert.deepEqual([ops.routeRole, ops.route, ops.backend, ops.responseHeaders["x-route"]], ["producer", "HTTPRoute shop/prod", "shop/api", "producer"]);
  // A consumer route alone: other namespaces see no route at all.
  const alone = CLUSTER + meshRoute("web", "mine", API, tagged("api-v2", "consumer"));
  assert.equal(one(alone, "ops/client", "http://api.shop/").responseHeaders["x-route"], undefined);
  assert.equal(one(alone, "shop/client", "http://api/").routeRole, undefined);
});

test("consumer routes replace the producer routes for their namespace even where they do not match (no fallback)", () => {
  const yaml = CLUSTER + meshRoute("shop", "prod", API, tagged("api", "producer"))
    + meshRoute("web", "mine", API, `  rules: [{matches: [{path: {type: PathPrefix, value: /only}}], backendRefs: [{name: api-v2, namespace: shop, port: 80}]}]`);
  assert.equal(one(yaml, "web/client", "http://api.shop/other").status, 404);
  assert.equal(one(yaml, "ops/client", "http://api.shop/other").status, 200);
});

test("once a route is bound to a Service port, a request that matches no rule is rejected with 404", () => {
  const yaml = CLUSTER + meshRoute("shop", "r", API, `  rules: [{matches: [{path: {type: PathPrefix, value: /v2}}], backendRefs: [{name: api-v2, port: 80}]}]`);
  const hit = one(yaml, "web/client", "http://api.shop/v2/x");
  assert.equal(hit.backend, "shop/api-v2");
  const miss = one(yaml, "web/client", "http://api.shop/v1");
  assert.equal(miss.status, 404);
  assert.equal(miss.backend, null);
  assert.equal(miss.decidedBy, "routing");
  assert.equal(miss.hop, undefined, "nothing was forwarded");
});

test("parentRef.port binds to that Service port only; without port, to every port; sectionName names a port", () => {
  const yaml = CLUSTER + meshRoute("shop", "p80", "{kind: Service, group: '', name: api, port: 80}", tagged("api-v2", "p80"))
    + meshRoute("shop", "alt", "{kind: Service, group: '', name: api-v2, sectionName: grpc}", tagged("api-v2", "grpc", 7070));
  assert.equal(one(yaml, "web/client", "http://api.shop:80/").responseHeaders["x-route"], "p80");
  assert.equal(one(yaml, "web/client", "http://api.shop:8080/").responseHeaders["x-route"], undefined);
  assert.equal(one(yaml, "web/client", "http://api-v2.shop:7070/").responseHeaders["x-route"], "grpc");
  assert.equal(one(yaml, "web/client", "http://api-v2.shop:80/").responseHeaders["x-route"], undefined);
  const all = CLUSTER + meshRoute("shop", "all", "{kind: Service, group: '', name: api}", tagged("api-v2", "all"));
  for (const port of [80, 8080, 7070]) assert.equal(one(all, "web/client", `http://api.shop:${port}/`).responseHeaders["x-route"], "all", `port ${port}`);
});

test("Istio and Linkerd clients ignore sectionName on a Service parent: the route applies to every port (port alone narrows)", () => {
  // istio pilot/pkg/config/kube/gateway/route_collections.go: a mesh parent narrows the VirtualService by
  // augmentPortMatch(OriginalReference.Port) only; linkerd2 policy-controller/k8s/status/src/routes/http.rs
  // to_parent_ref keeps (namespace, name, port) and k8s/index/src/outbound/index.rs applies a parentRef without
  // a port to every port of the Service (route_accepted_by_service).
  const named = meshRoute("shop", "alt", "{kind: Service, group: '', name: api, sectionName: alt}", tagged("api-v2", "alt"));
  const missing = meshRoute("shop", "nope", "{kind: Service, group: '', name: api-v2, sectionName: nope}", tagged("api-v2", "nope"));
  const both = meshRoute("shop", "both", "{kind: Service, group: '', name: api-v2, port: 7070, sectionName: http}", tagged("api-v2", "both", 7070));
  const tag = (yaml: string, url: string) => one(yaml, "web/client", url).responseHeaders["x-route"];
  for (const proxy of ["istio-proxy", "linkerd-proxy"]) {
    const yaml = withProxy(proxy) + named + missing;
    assert.equal(tag(yaml, "http://api.shop:8080/"), "alt", proxy);
    assert.equal(tag(yaml, "http://api.shop:80/"), "alt", `${proxy}: port 80 is not named alt`);
    assert.equal(tag(yaml, "http://api-v2.shop:80/"), "nope", `${proxy}: no port is named nope`);
    assert.equal(tag(withProxy(proxy) + both, "http://api-v2.shop:7070/"), "both", `${proxy}: port 7070 is not named http, the port alone counts`);
    assert.equal(tag(withProxy(proxy) + both, "http://api-v2.shop:80/"), undefined, `${proxy}: the port narrows`);
  }
  // A client of no visible mesh reads the Gateway API: sectionName names the port.
  const gamma = CLUSTER + named + missing;
  assert.equal(tag(gamma, "http://api.shop:8080/"), "alt");
  assert.equal(tag(gamma, "http://api.shop:80/"), undefined);
  assert.equal(tag(gamma, "http://api-v2.shop:80/"), undefined);
  assert.equal(tag(CLUSTER + both, "http://api-v2.shop:7070/"), undefined);
});

test("the Service dialled selects the routes, not the Host header; route hostnames are not used in the mesh", () => {
  const yaml = CLUSTER + meshRoute("shop", "r", API, `  hostnames: [never.example.com]\n${tagged("api-v2", "r")}`);
  const a = one(yaml, "web/client", "http://api.shop/", { headers: [["Host", "api-v2.shop"]] });
  assert.equal(a.responseHeaders["x-route"], "r");
  assert.equal(a.upstream?.host, "api-v2.shop", "the backend sees the Host header the client set");
  assert.equal(one(yaml, "web/client", "http://api-v2.shop/", { headers: [["Host", "api.shop"]] }).responseHeaders["x-route"], undefined);
});

test("mesh backendRefs reach other namespaces without a ReferenceGrant (GEP-1294)", () => {
  const yaml = CLUSTER + meshRoute("web", "mine", API, tagged("api-v2", "x"));
  assert.equal(one(yaml, "web/client", "http://api.shop/").status, 200);
});

test("on one Service port a GRPCRoute takes precedence over an HTTPRoute", () => {
  const grpcApi = "{kind: Service, group: '', name: api, port: 7070}";
  const yaml = CLUSTER + meshRoute("shop", "h", grpcApi, tagged("api", "http", 7070))
    + meshRoute("shop", "g", grpcApi, `  rules: [{backendRefs: [{name: api-v2, port: 7070}]}]`, "GRPCRoute");
  const a = one(yaml, "web/client", "http://api.shop:7070/pkg.Svc/Call", { protocol: "grpc", method: "POST" });
  assert.equal(a.route, "GRPCRoute shop/g");
  assert.equal(a.grpcCode, "OK");
  assert.equal(one(yaml, "web/client", "http://api.shop:7070/plain").status, 404, "plain HTTP meets the GRPCRoute, which it cannot match");
});

test("a weighted split reports every backend's share and follows the heaviest", () => {
  const yaml = CLUSTER + meshRoute("shop", "split", API, `  rules: [{backendRefs: [{name: api, port: 80, weight: 30}, {name: api-v2, port: 80, weight: 70}]}]`);
  const a = one(yaml, "web/client", "http://api.shop/");
  assert.deepEqual(a.backends.map((b) => [b.name, b.weight]), [["shop/api", 30], ["shop/api-v2", 70]]);
  assert.equal(a.backend, "shop/api-v2");
  assert.equal(a.endpoint, `shop/${API_V2}`);
});

test("redirects and request header filters apply in the mesh; a redirect reaches no backend", () => {
  const yaml = CLUSTER + meshRoute("shop", "r", API, `  rules:
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}, statusCode: 301}}]
  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x-mesh, value: "1"}]}}]
    backendRefs: [{name: api, port: 80}]`);
  const r = one(yaml, "web/client", "http://api.shop/old/x");
  assert.deepEqual([r.status, r.redirect?.path, r.redirect?.host, r.backend], [301, "/new/x", "api.shop", null]);
  assert.equal(one(yaml, "web/client", "http://api.shop/x").upstream?.headers?.["x-mesh"], "1");
});

/** The cluster with web/client running the proxy container `proxy` (an admitted pod's containers say whether it is in the mesh). */
const proxied = (proxy: string) => withProxy(proxy);

test("a Linkerd client's proxy matches a repeated header or query parameter on any value, and a regex by its leftmost-first match; an Envoy client's on the joined value", () => {
  // linkerd2-proxy linkerd/http/route/src/http/match/header.rs: `headers.get_all(n).iter().any(|v| ...)`; query_param.rs:
  // `form_urlencoded::parse(q).any(...)`; path.rs: `re.find(path)` must start at 0 and end at the path's length.
  // Envoy (Istio's sidecar): HeaderUtility::getAllOfHeaderAsString joins the values with ","; the first query value.
  const rules = `  rules:
  - matches: [{path: {type: PathPrefix, value: /h}, headers: [{name: x-tier, value: gold}]}]
    backendRefs: [{name: api-v2, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /q}, queryParams: [{name: tier, value: gold}]}]
    backendRefs: [{name: api-v2, port: 80}]
  - matches: [{path: {type: RegularExpression, value: "/(ab|abc)"}}]
    backendRefs: [{name: api-v2, port: 80}]`;
  const route = meshRoute("shop", "r", API, rules);
  const linkerd = proxied("linkerd-proxy") + route, istio = proxied("istio-proxy") + route;
  const ask = (yaml: string, url: string, headers: [string, string][] = []) => one(yaml, "web/client", url, { headers }).status;
  assert.equal(ask(linkerd, "http://api.shop/h", [["x-tier", "silver"], ["x-tier", "gold"]]), 200);
  assert.equal(ask(istio, "http://api.shop/h", [["x-tier", "silver"], ["x-tier", "gold"]]), 404, "Envoy sees \"silver,gold\"");
  assert.equal(ask(linkerd, "http://api.shop/q?tier=silver&tier=gold"), 200);
  assert.equal(ask(istio, "http://api.shop/q?tier=silver&tier=gold"), 404, "Envoy: the first value");
  assert.equal(ask(linkerd, "http://api.shop/abc"), 404, "Rust's leftmost-first find of /(ab|abc) in /abc is /ab");
  assert.equal(ask(istio, "http://api.shop/abc"), 200, "RE2 full match");
});

test("a Linkerd client's proxy ignores a GRPCRoute with a RegularExpression method match (routes/grpc.rs try_match: unsupported)", () => {
  const rpc = meshRoute("shop", "rpc", "{group: '', kind: Service, name: api, namespace: shop, port: 7070}", `  rules:
  - matches: [{method: {type: RegularExpression, service: "shop\\\\.Api", method: "G.*"}}]
    backendRefs: [{name: api-v2, port: 7070}]`, "GRPCRoute");
  const linkerd = proxied("linkerd-proxy") + rpc;
  const grpc = { protocol: "grpc" as const, method: "POST", path: "/shop.Api/Get" };
  const viaLinkerd = one(linkerd, "web/client", "http://api.shop:7070/shop.Api/Get", grpc);
  assert.notEqual(viaLinkerd.backend, "shop/api-v2", "the route is ignored");
  assert.match(viaLinkerd.candidates.map((c) => c.outcome).join("\n"), /ignored: Linkerd supports only Exact gRPC method matches/);
  const viaEnvoy = one(proxied("istio-proxy") + rpc, "web/client", "http://api.shop:7070/shop.Api/Get", grpc);
  assert.equal(viaEnvoy.backend, "shop/api-v2");
});

test("a Linkerd client's proxy orders matches by the length of the path match (no Exact over PathPrefix, a regex counts the whole path), then headers before a method, not the spec's order", () => {
  // linkerd2-proxy linkerd/http/route/src/http/match/path.rs: PathMatch's Ord is `self.len().cmp(&other.len())`
  // (Exact(len), Prefix(len without the trailing "/"), Regex(the request path's len)); http/match.rs RequestMatch's Ord:
  // the path, then headers, query parameters, a method; lib.rs `best` keeps the first of equals.
  const rules = `  rules:
  - matches: [{path: {type: PathPrefix, value: /api/v1/}}]
    backendRefs: [{name: api, port: 80}]
  - matches: [{path: {type: Exact, value: /api/v1}}]
    backendRefs: [{name: api-v2, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /items}}]
    backendRefs: [{name: api, port: 80}]
  - matches: [{path: {type: RegularExpression, value: "/items/.*"}}]
    backendRefs: [{name: api-v2, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /m}, method: GET}]
    backendRefs: [{name: api, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /m}, headers: [{name: x-a, value: "1"}]}]
    backendRefs: [{name: api-v2, port: 80}]`;
  const route = meshRoute("shop", "r", API, rules);
  const linkerd = proxied("linkerd-proxy") + route, istio = proxied("istio-proxy") + route;
  const ask = (yaml: string, url: string) => { const a = one(yaml, "web/client", url); return [a.rule, a.backend]; };
  assert.deepEqual(ask(linkerd, "http://api.shop/api/v1"), [0, "shop/api"], "Prefix /api/v1/ (7) ties Exact /api/v1 (7): the first rule");
  assert.deepEqual(ask(istio, "http://api.shop/api/v1"), [1, "shop/api-v2"], "the spec: Exact first");
  assert.deepEqual(ask(linkerd, "http://api.shop/items/42"), [3, "shop/api-v2"], "the regex matched 9 characters, the prefix 6");
  assert.deepEqual(ask(istio, "http://api.shop/items/42"), [2, "shop/api"], "the spec: a PathPrefix before a RegularExpression");
  const m = (yaml: string) => one(yaml, "web/client", "http://api.shop/m", { headers: [["x-a", "1"]] }).rule;
  assert.equal(m(linkerd), 5, "Linkerd: more headers before a method match");
  assert.equal(m(istio), 4, "the spec: a method match before more headers");
  const lost = one(linkerd, "web/client", "http://api.shop/items/42").candidates.find((c) => c.rule === 2);
  assert.match(lost?.outcome ?? "", /longer path match .*Linkerd's order/);
});

test("a Linkerd client's proxy matches a mesh route's hostnames against the request's host; the Gateway API's mesh routes ignore them", () => {
  // linkerd2 policy-controller outbound index http.rs convert_route: `hostnames ... .map(routes::http::host_match)`;
  // linkerd2-proxy linkerd/http/route/src/lib.rs find: a route with hosts none of which matches is skipped, and a
  // host match (exact > suffix > none) ranks before the request match.
  const yaml = (client: string) => proxied(client) + meshRoute("shop", "any", API, tagged("api", "any"))
    + meshRoute("shop", "named", API, `  hostnames: [api.shop]\n${tagged("api-v2", "named")}`);
  const tag = (client: string, url: string) => one(yaml(client), "web/client", url).responseHeaders["x-route"];
  assert.equal(tag("linkerd-proxy", "http://api.shop/"), "named", "an exact host match beats a route without hostnames");
  assert.equal(tag("linkerd-proxy", "http://api.shop.svc.cluster.local/"), "any", "the named route does not match this host");
  assert.equal(tag("istio-proxy", "http://api.shop/"), "any", "hostnames unused: the first route in creation order");
  const only = proxied("linkerd-proxy") + meshRoute("shop", "named", API, `  hostnames: ["*.example.com"]\n${tagged("api-v2", "named")}`);
  assert.equal(one(only, "web/client", "http://api.shop/").status, 404, "bound, and no route matches the host");
});

test("a Linkerd client's proxy reads a gRPC path's second and third segments: more segments are ignored, an empty method is a method", () => {
  // linkerd2-proxy linkerd/http/route/src/grpc/match.rs MatchRpc::match_length: `path.split('/')`, service = the 2nd
  // piece, method = the 3rd (absent: no match); Envoy matches the path /service/method exactly.
  const rpc = meshRoute("shop", "rpc", "{group: '', kind: Service, name: api, namespace: shop, port: 7070}", `  rules:
  - matches: [{method: {service: shop.Api, method: Get}}]
    backendRefs: [{name: api-v2, port: 7070}]
  - matches: [{method: {service: shop.Admin}}]
    backendRefs: [{name: api-v2, port: 7070}]`, "GRPCRoute");
  const ask = (client: string, path: string) => one(proxied(client) + rpc, "web/client", `http://api.shop:7070${path}`, { protocol: "grpc", method: "POST" }).backend;
  assert.equal(ask("linkerd-proxy", "/shop.Api/Get/extra"), "shop/api-v2");
  assert.equal(ask("istio-proxy", "/shop.Api/Get/extra"), null);
  assert.equal(ask("linkerd-proxy", "/shop.Admin/"), "shop/api-v2", "service matched, method \"\"");
  assert.equal(ask("linkerd-proxy", "/shop.Admin"), null, "no method segment: no rule matches");
});

test("a Linkerd client in a consumer namespace gets its consumer routes and the producer routes, ranked together; an Envoy client the consumer routes only", () => {
  // linkerd2 policy-controller/k8s/index/src/outbound/index.rs service_routes_or_default / apply_http_route: a producer
  // route is inserted into every namespace's watch ("Producer routes apply to clients in all namespaces"), consumer
  // namespaces' included; GEP-1294 has the consumer routes replace them.
  const yaml = (client: string) => proxied(client)
    + meshRoute("shop", "prod", API, `  rules:
  - matches: [{path: {type: PathPrefix, value: /special}}]
    filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: producer}]}}]
    backendRefs: [{name: api-v2, port: 80}]`)
    + meshRoute("web", "mine", API, tagged("api", "consumer"));
  const tag = (client: string, path: string) => one(yaml(client), "web/client", `http://api.shop${path}`).responseHeaders["x-route"];
  assert.equal(tag("linkerd-proxy", "/special/x"), "producer", "the producer route's longer prefix wins");
  assert.equal(tag("linkerd-proxy", "/other"), "consumer");
  assert.equal(tag("istio-proxy", "/special/x"), "consumer", "the consumer route replaces the producer routes");
});

test("Linkerd ignores a mesh route with a filter its policy controller does not convert (URLRewrite...); with every route ignored the request goes to the Service", () => {
  // linkerd2 policy-controller outbound/index/http.rs convert_gateway_filter: `URLRewrite { .. } => bail!("URLRewrite filter
  // is not supported")` (RequestMirror, ExtensionRef alike); index.rs apply_http_route: "failed to convert route", return.
  // grpc/src/outbound.rs: no route → default_outbound_route (PathPrefix "/" to the Service).
  const rewrite = meshRoute("shop", "rw", API, `  rules:
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}]
    backendRefs: [{name: api-v2, port: 80}]`);
  const linkerd = one(proxied("linkerd-proxy") + rewrite, "web/client", "http://api.shop/old/x");
  assert.deepEqual([linkerd.status, linkerd.backend, linkerd.upstream?.path], [200, "shop/api", "/old/x"], "no route: the Service, the path as sent");
  assert.match(linkerd.candidates.map((c) => c.outcome).join("\n"), /ignored: Linkerd supports only RequestHeaderModifier, ResponseHeaderModifier and RequestRedirect filters \(a URLRewrite filter/);
  const envoy = one(proxied("istio-proxy") + rewrite, "web/client", "http://api.shop/old/x");
  assert.deepEqual([envoy.backend, envoy.upstream?.path], ["shop/api-v2", "/new/x"]);
  const beside = proxied("linkerd-proxy") + rewrite + meshRoute("shop", "plain", API, `  rules: [{matches: [{path: {type: PathPrefix, value: /only}}], backendRefs: [{name: api-v2, port: 80}]}]`);
  assert.equal(one(beside, "web/client", "http://api.shop/old/x").status, 404, "another route is bound: the ignored one's requests match no rule");
});

test("a Linkerd client's proxy answers 500 for a backend whose own filter Linkerd cannot convert; an Envoy client applies it", () => {
  // linkerd2 policy-controller outbound/index/http.rs convert_backend: `Err(error) => return Some(Backend::Invalid { ...,
  // message: format!("unsupported backend filter: {error}") })`; grpc/src/outbound/http.rs convert_backend: an Invalid
  // backend gets a FailureInjector with status 500.
  const mirrored = meshRoute("shop", "r", API, `  rules:
  - backendRefs: [{name: api-v2, port: 80, filters: [{type: RequestMirror, requestMirror: {backendRef: {name: api, port: 80}}}]}]`);
  const linkerd = one(proxied("linkerd-proxy") + mirrored, "web/client", "http://api.shop/");
  assert.equal(linkerd.status, 500);
  assert.match(linkerd.reason ?? "", /cannot convert the RequestMirror filter of backend/);
  const envoy = one(proxied("istio-proxy") + mirrored, "web/client", "http://api.shop/");
  assert.deepEqual([envoy.status, envoy.backend, envoy.mirroredTo?.map((m) => m.name)], [200, "shop/api-v2", ["shop/api"]]);
});

test("Linkerd breaks a tie between equally old routes by name alone, whatever their namespaces (timestamp_then_name)", () => {
  // linkerd2 policy-controller/grpc/src/outbound.rs timestamp_then_name: `by_ts.then_with(|| left_id.name.cmp(&right_id.name))`.
  const at = (yaml: string) => yaml.replace(/metadata: \{name: (\w+), namespace: (\w+)\}/, 'metadata: {name: $1, namespace: $2, creationTimestamp: "2026-01-01T00:00:00Z"}');
  const yaml = proxied("linkerd-proxy") + at(meshRoute("shop", "zeta", API, tagged("api-v2", "producer-zeta"))) + at(meshRoute("web", "alpha", API, tagged("api", "consumer-alpha")));
  const a = one(yaml, "web/client", "http://api.shop/");
  assert.deepEqual([a.route, a.responseHeaders["x-route"]], ["HTTPRoute web/alpha", "consumer-alpha"], "alpha before zeta, though shop/ sorts before web/");
});

/** A policy.linkerd.io HTTPRoute (Linkerd's copy of the Gateway API's), `version` v1beta1..v1beta3. */
const linkerdRoute = (ns: string, name: string, parents: string, rest: string, version = "v1beta3", meta = "") =>
  meshRoute(ns, name, parents, rest).replace("gateway.networking.k8s.io/v1", `policy.linkerd.io/${version}`).replace(`namespace: ${ns}}`, `namespace: ${ns}${meta}}`);

test("Linkerd's own HTTPRoutes (policy.linkerd.io v1beta1..v1beta3) with Service parents route a Linkerd client's requests; other proxies do not read them", () => {
  // linkerd2 policy-controller/k8s/index/src/outbound/index.rs: `IndexNamespacedResource<linkerd_k8s_api::HttpRoute>`
  // apply → apply_http(HttpRouteResource::LinkerdHttp(route)), the same outbound index as gateway::HTTPRoute.
  for (const version of ["v1beta1", "v1beta2", "v1beta3"]) {
    const yaml = (client: string) => proxied(client) + linkerdRoute("shop", "lr", API, `  rules:
  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-route, value: linkerd}]}}]
    backendRefs: [{name: api-v2, port: 80}]`, version);
    const linkerd = one(yaml("linkerd-proxy"), "web/client", "http://api.shop/");
    assert.deepEqual([linkerd.route, linkerd.backend, linkerd.upstream?.headers?.["x-route"]], ["HTTPRoute.policy.linkerd.io shop/lr", "shop/api-v2", "linkerd"], version);
    const istio = one(yaml("istio-proxy"), "web/client", "http://api.shop/");
    assert.deepEqual([istio.route, istio.backend, istio.routeRole], [undefined, "shop/api", undefined], `${version}: Istio does not read policy.linkerd.io`);
  }
});

test("Linkerd ranks its own HTTPRoutes and the Gateway API's of one Service port together, neither group first; an Envoy client sees the Gateway API's only", () => {
  // outbound/index.rs: both kinds go into one RouteSet keyed by group/kind/namespace/name; grpc/src/outbound.rs sorts
  // them by timestamp_then_name and the proxy ranks every match (linkerd/http/route/src/lib.rs).
  const ts = ', creationTimestamp: "2026-01-01T00:00:00Z"';
  const yaml = (client: string) => proxied(client)
    + meshRoute("shop", "same", API, `  rules:
  - matches: [{path: {type: PathPrefix, value: /a}}]
    filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: gateway}]}}]
    backendRefs: [{name: api, port: 80}]`)
    + linkerdRoute("shop", "same", API, `  rules:
  - matches: [{path: {type: PathPrefix, value: /a/b}}]
    backendRefs: [{name: api-v2, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: api-v2, port: 80}]`, "v1beta3", ts);
  const ask = (client: string, path: string) => { const a = one(yaml(client), "web/client", `http://api.shop${path}`); return [a.route, a.backend]; };
  assert.deepEqual(ask("linkerd-proxy", "/a/b/c"), ["HTTPRoute.policy.linkerd.io shop/same", "shop/api-v2"], "the longer prefix, in Linkerd's route");
  assert.deepEqual(ask("linkerd-proxy", "/a/x"), ["HTTPRoute shop/same", "shop/api"]);
  assert.deepEqual(ask("linkerd-proxy", "/z"), ["HTTPRoute.policy.linkerd.io shop/same", "shop/api-v2"]);
  assert.deepEqual(ask("istio-proxy", "/a/b/c"), ["HTTPRoute shop/same", "shop/api"]);
  assert.equal(one(yaml("istio-proxy"), "web/client", "http://api.shop/z").status, 404, "the Gateway API route alone is bound for Envoy");
});

test("a Linkerd HTTPRoute is read without the Gateway API's CEL rules (a Service backendRef without port, Go durations), its Server and Service parents each in their place", () => {
  // charts/linkerd-crds/templates/policy/httproute.yaml has no x-kubernetes-validations; convert_linkerd_rule reads
  // timeouts.request as a K8sDuration (Go's syntax, policy-controller/k8s/api/src/duration.rs).
  const route = linkerdRoute("shop", "both", `${API}, {group: policy.linkerd.io, kind: Server, name: api-http}`, `  rules:
  - matches: [{path: {type: PathPrefix, value: /slow}}]
    timeouts: {request: 1.5s}
    backendRefs: [{name: api-v2}]
  - backendRefs: [{name: api-v2, port: 80}]`);
  const loaded = load({ "r.yaml": proxied("linkerd-proxy") + route });
  assert.equal(loaded.diagnostics.hasErrors, false, loaded.diagnostics.errors.map((e) => e.message).join("; "));
  const inbound = loaded.inventory.mesh.linkerd.routes.map((r) => `${r.group} ${r.name} ${r.servers.join()}`);
  assert.deepEqual(inbound, ["policy.linkerd.io both api-http"]);
  const outbound = loaded.inventory.routing.routes.map((r) => [r.group, r.parentRefs.map((p) => p.kind).join(), r.rules[0].timeouts?.request]);
  assert.deepEqual(outbound, [["policy.linkerd.io", "Service", 1500]]);
  const a = one(proxied("linkerd-proxy") + route, "web/client", "http://api.shop/slow");
  assert.equal(a.rule, 0);
  assert.notEqual(a.status, 200, "a Service backend without a port is not resolved");
});

test("Linkerd leaves out a mesh route whose timeout or retry annotation its policy controller cannot parse (outbound only)", () => {
  // outbound/index/http.rs convert_route: `parse_timeouts(route.annotations())?` and `parse_http_retry(...)?`; index.rs
  // apply_http_route: `Err(error) => { tracing::warn!(%error, "Failed to convert route"); return; }`. parse_duration
  // splits at the last digit: "1m30s" has the number "1m30"; fractions are refused.
  const annotated = (key: string, value: string) => proxied("linkerd-proxy") + meshRoute("shop", "r", API, tagged("api-v2", "routed"))
    .replace("namespace: shop}", `namespace: shop, annotations: {${key}: "${value}"}}`);
  const tag = (yaml: string) => one(yaml, "web/client", "http://api.shop/").responseHeaders["x-route"];
  for (const [key, value] of [["timeout.linkerd.io/request", "10s"], ["timeout.linkerd.io/response", "0"], ["timeout.linkerd.io/idle", " 2d "], ["retry.linkerd.io/limit", "+3"], ["retry.linkerd.io/http", "5XX,429,500-504"]]) {
    assert.equal(tag(annotated(key, value)), "routed", `${key}: ${value} parses`);
  }
  for (const [key, value] of [["timeout.linkerd.io/request", "1m30s"], ["timeout.linkerd.io/response", "1.5s"], ["timeout.linkerd.io/idle", "10"], ["retry.linkerd.io/timeout", "-1s"],
    ["retry.linkerd.io/limit", "70000"], ["retry.linkerd.io/http", "5xx, 503"], ["retry.linkerd.io/http", "504-500"]]) {
    const a = one(annotated(key, value), "web/client", "http://api.shop/");
    assert.deepEqual([a.responseHeaders["x-route"], a.backend], [undefined, "shop/api"], `${key}: ${value}: the route is left out, the request goes to the Service`);
    assert.match(a.candidates.map((c) => c.outcome).join("\n"), new RegExp(`ignored: annotation ${key.replace(".", "\\.")}`));
  }
  assert.equal(one(annotated("timeout.linkerd.io/request", "1m30s").replace("linkerd-proxy", "istio-proxy"), "web/client", "http://api.shop/").responseHeaders["x-route"], "routed", "Envoy reads no Linkerd annotation");
});

test("a Linkerd client's proxy applies no HTTP route on a Service port its policy controller makes opaque (default opaque ports, the Service's opaque-ports annotation, an appProtocol it does not know); appProtocol http takes no GRPCRoute", () => {
  // linkerd2 policy-controller core/src/outbound.rs AppProtocol::from_str ("http" Http1, "kubernetes.io/h2c" Http2,
  // "linkerd.io/opaque"/"linkerd.io/tcp" Opaque, anything else Unknown); k8s/index/src/outbound/index.rs: without an
  // appProtocol, the ports of config.linkerd.io/opaque-ports (else --default-opaque-ports) are Opaque; grpc/src/outbound.rs
  // to_proto: Opaque | Unknown → TCPRoutes or the opaque default route, Http1 → the HTTPRoutes only.
  const svc = (ports: string, annotations = "") => `---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop${annotations ? `, annotations: {${annotations}}` : ""}}
spec: {selector: {app: api}, clusterIP: 10.96.0.20, ports: [${ports}]}
`;
  const DB = "{group: '', kind: Service, name: db, namespace: shop}";
  const route = (kind = "HTTPRoute") => meshRoute("shop", "r", DB, kind === "HTTPRoute" ? tagged("api-v2", "routed", 80)
    : `  rules:\n  - backendRefs: [{name: api-v2, port: 7070}]`, kind);
  const ask = (client: string, yaml: string, port: number) => one(proxied(client) + yaml, "web/client", `http://db.shop:${port}/`);
  const opaque = ask("linkerd-proxy", svc("{name: pg, port: 5432, targetPort: 8080}") + route(), 5432);
  assert.deepEqual([opaque.backend, opaque.responseHeaders["x-route"]], ["shop/db", undefined], "5432 is a default opaque port");
  assert.match(opaque.reason ?? "", /one of Linkerd's default opaque ports.*opaquely/);
  assert.equal(ask("istio-proxy", svc("{name: pg, port: 5432, targetPort: 8080}") + route(), 5432).responseHeaders["x-route"], "routed", "Envoy routes it");
  assert.equal(ask("linkerd-proxy", svc("{name: pg, port: 5432, targetPort: 8080, appProtocol: HTTP}") + route(), 5432).responseHeaders["x-route"], "routed", "an appProtocol wins over the opaque ports");
  assert.equal(ask("linkerd-proxy", svc("{name: web, port: 81, targetPort: 8080}", `config.linkerd.io/opaque-ports: "80-90"`) + route(), 81).responseHeaders["x-route"], undefined, "the Service's annotation");
  assert.equal(ask("linkerd-proxy", svc("{name: pg, port: 5432, targetPort: 8080}", `config.linkerd.io/opaque-ports: "81"`) + route(), 5432).responseHeaders["x-route"], "routed", "the annotation replaces the default ports");
  assert.equal(ask("linkerd-proxy", svc("{name: pg, port: 5432, targetPort: 8080}", `config.linkerd.io/opaque-ports: "x"`) + route(), 5432).responseHeaders["x-route"], "routed", "an unparsable list is empty, not the defaults");
  assert.equal(ask("linkerd-proxy", svc("{name: web, port: 81, targetPort: 8080, appProtocol: grpc}") + route(), 81).responseHeaders["x-route"], undefined, "appProtocol grpc is Unknown: opaque");
  assert.equal(ask("linkerd-proxy", svc("{name: web, port: 81, targetPort: 8080, appProtocol: linkerd.io/opaque}") + route(), 81).responseHeaders["x-route"], undefined);
  const grpc = { protocol: "grpc" as const, method: "POST", path: "/shop.Api/Get" };
  const http1 = one(proxied("linkerd-proxy") + svc("{name: web, port: 81, targetPort: 7070, appProtocol: http}") + route("GRPCRoute"), "web/client", "http://db.shop:81/shop.Api/Get", grpc);
  assert.deepEqual([http1.backend, http1.route], ["shop/db", undefined], "appProtocol http: the GRPCRoute is not sent");
  const h2c = one(proxied("linkerd-proxy") + svc("{name: web, port: 81, targetPort: 7070, appProtocol: kubernetes.io/h2c}") + route("GRPCRoute"), "web/client", "http://db.shop:81/shop.Api/Get", grpc);
  assert.deepEqual([h2c.backend, h2c.route], ["shop/api-v2", "GRPCRoute shop/r"]);
});

/** The route's YAML with metadata.creationTimestamp `ts`. */
const aged = (yaml: string, ts: string) => yaml.replace(/metadata: \{name: ([\w-]+), namespace: (\w+)\}/, `metadata: {name: $1, namespace: $2, creationTimestamp: "${ts}"}`);

test("an Istio sidecar merges the HTTPRoutes and GRPCRoutes of one namespace on a Service into one VirtualService: neither kind wins (the Gateway API's reading: GRPCRoute)", () => {
  // istio pilot/pkg/config/kube/gateway/controller.go: "Merge HTTP and gRPC base VirtualServices together so routes on the
  // same gateway+hostname are combined into a single VirtualService" (mergeHTTPRoutes over HTTPRoute and GRPCRoute
  // BaseVirtualServices, keyed `namespace[/port]/host` for mesh parents by route_collections.go).
  const yaml = (client: string) => proxied(client) + meshRoute("shop", "web-routes", API, tagged("api", "http"))
    + meshRoute("shop", "rpc", API, `  rules:
  - matches: [{method: {service: shop.Api, method: Get}}]
    filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: grpc}]}}]
    backendRefs: [{name: api-v2, port: 80}]`, "GRPCRoute");
  const grpc = { protocol: "grpc" as const, method: "POST", path: "/shop.Api/Get" };
  const istio = yaml("istio-proxy");
  assert.equal(one(istio, "web/client", "http://api.shop/shop.Api/Get", grpc).responseHeaders["x-route"], "grpc");
  const plain = one(istio, "web/client", "http://api.shop/items");
  assert.deepEqual([plain.status, plain.route, plain.responseHeaders["x-route"]], [200, "HTTPRoute shop/web-routes", "http"], "the HTTPRoute still applies (was a 404: the GRPCRoute took the port)");
  const gamma = CLUSTER + meshRoute("shop", "web-routes", API, tagged("api", "http")) + meshRoute("shop", "rpc", API, `  rules:\n  - backendRefs: [{name: api-v2, port: 80}]`, "GRPCRoute");
  const spec = one(gamma, "web/client", "http://api.shop/items");
  assert.deepEqual([spec.status, spec.route], [404, undefined], "the Gateway API's reading: the GRPCRoute takes the port from the HTTPRoute, and a GET is no gRPC call");
});

test("an Istio sidecar applies one VirtualService per Service port: a route with parentRef.port and one without are not merged, the older applies (then by name)", () => {
  // route_collections.go: routeKey = namespace (+ "/" + port when the parentRef has one) + "/" + host, so two
  // VirtualServices for one host; httproute.go BuildSidecarOutboundVirtualHosts: the second makes the same virtual host
  // ("duplicate domain from virtual service") and is dropped. Their order: configCompareByCreationTime (time, name, namespace).
  const all = (ts: string) => aged(meshRoute("shop", "all", "{kind: Service, group: '', name: api}", tagged("api", "all")), ts);
  const p80 = (ts: string) => aged(meshRoute("shop", "p80", "{kind: Service, group: '', name: api, port: 80}", `  rules:
  - matches: [{path: {type: PathPrefix, value: /v2}}]
    filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: p80}]}}]
    backendRefs: [{name: api-v2, namespace: shop, port: 80}]`), ts);
  const tag = (yaml: string, url: string) => { const a = one(yaml, "web/client", url); return a.status === 404 ? 404 : a.responseHeaders["x-route"]; };
  const allOlder = proxied("istio-proxy") + all("2024-01-01T00:00:00Z") + p80("2024-01-02T00:00:00Z");
  assert.equal(tag(allOlder, "http://api.shop/v2/x"), "all", "the older VirtualService (no port) takes port 80: p80's longer prefix is not there (was p80)");
  const shadow = one(allOlder, "web/client", "http://api.shop/v2/x").candidates.find((c) => c.route === "HTTPRoute shop/p80");
  assert.match(shadow?.outcome ?? "", /applies the first VirtualService for Service shop\/api port 80, shop~api\.shop\.svc\.cluster\.local .* drops shop~80~api\.shop\.svc\.cluster\.local/);
  const p80Older = proxied("istio-proxy") + all("2024-01-02T00:00:00Z") + p80("2024-01-01T00:00:00Z");
  assert.equal(tag(p80Older, "http://api.shop/other"), 404, "p80's VirtualService takes port 80 and matches /v2 only (was all)");
  assert.equal(tag(p80Older, "http://api.shop:8080/other"), "all", "port 8080: only the VirtualService without a port");
  const tied = proxied("istio-proxy") + all("2024-01-01T00:00:00Z") + p80("2024-01-01T00:00:00Z");
  assert.equal(tag(tied, "http://api.shop/other"), 404, "equally old: by name, shop~80~… before shop~api…");
  const gamma = CLUSTER + all("2024-01-01T00:00:00Z") + p80("2024-01-02T00:00:00Z");
  assert.equal(tag(gamma, "http://api.shop/v2/x"), "p80", "the Gateway API's reading merges every route bound to the port");
});

/** The cluster with namespace web in Istio's ambient mesh, and `waypoint` in shop (a Gateway of class istio-waypoint; `labels` its own). */
const ambient = (shopLabels = "", waypoint = "", labels = "") => CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio.io/dataplane-mode: ambient}}")
  .replace("metadata: {name: shop}", `metadata: {name: shop${shopLabels ? `, labels: {${shopLabels}}` : ""}}`)
  + (waypoint ? `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${waypoint}, namespace: shop${labels ? `, labels: {${labels}}` : ""}}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
` : "");

test("Istio ambient: ztunnel applies no route; a Service's routes apply only at its waypoint (producer and waypoint-namespace routes, not the client's consumer routes)", () => {
  // pilot/pkg/serviceregistry/ambient/waypoints.go fetchWaypointForService (the Service's istio.io/use-waypoint, else
  // its namespace's; the waypoint must exist and take service traffic); networking/core/listener_waypoint.go
  // getVirtualServiceForWaypoint: "We only allow routes in the same namespace as the service or in the waypoint's own namespace".
  const routes = meshRoute("shop", "prod", API, tagged("api-v2", "producer")) + meshRoute("web", "mine", API, tagged("api", "consumer"));
  const none = one(ambient() + routes, "web/client", "http://api.shop/");
  assert.deepEqual([none.status, none.route, none.responseHeaders["x-route"], none.backend], [200, undefined, undefined, "shop/api"], "no waypoint: the routes do nothing (was consumer)");
  assert.match(none.reason ?? "", /ambient mesh: ztunnel carries the connection at L4 .* uses none \(neither Service shop\/api nor its namespace has the label istio\.io\/use-waypoint\)/);
  const wp = ambient("istio.io/use-waypoint: waypoint", "waypoint") + routes;
  const via = one(wp, "web/client", "http://api.shop/");
  assert.deepEqual([via.route, via.responseHeaders["x-route"], via.backend], ["HTTPRoute shop/prod", "producer", "shop/api-v2"], "the waypoint applies the producer route; web's consumer route is not its to read");
  assert.match(via.layers.find((l) => l.layer === "routing")?.summary ?? "", /at waypoint shop\/waypoint \(namespace shop's label istio\.io\/use-waypoint names waypoint shop\/waypoint\)/);
  const missing = one(ambient("istio.io/use-waypoint: waypoint") + routes, "web/client", "http://api.shop/");
  assert.equal(missing.route, undefined, "a waypoint not in the input is not ready: no routing");
  assert.match(missing.reason ?? "", /not in the input/);
  const forWorkloads = one(ambient("istio.io/use-waypoint: waypoint", "waypoint", "istio.io/waypoint-for: workload") + routes, "web/client", "http://api.shop/");
  assert.equal(forWorkloads.route, undefined, "a waypoint for workload traffic does not take the Service's");
  const optedOut = one(ambient("istio.io/use-waypoint: waypoint", "waypoint").replace("metadata: {name: api-v2, namespace: shop}", "metadata: {name: api-v2, namespace: shop, labels: {istio.io/use-waypoint: none}}")
    + meshRoute("shop", "v2", "{group: '', kind: Service, name: api-v2}", tagged("api", "v2")), "web/client", "http://api-v2.shop/");
  assert.equal(optedOut.route, undefined, "the Service's label istio.io/use-waypoint=none opts it out of its namespace's waypoint");
  const sidecar = one(withProxy("istio-proxy") + routes, "web/client", "http://api.shop/");
  assert.equal(sidecar.responseHeaders["x-route"], "consumer", "a sidecar client applies its consumer route");
});

test("Istio waypoint: the VirtualServices' routes are appended in order, the first VirtualService with a matching rule decides (a sidecar keeps one)", () => {
  const all = aged(meshRoute("shop", "all", API, `  rules:
  - matches: [{path: {type: PathPrefix, value: /other}}]
    filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: all}]}}]
    backendRefs: [{name: api, namespace: shop, port: 80}]`), "2024-01-02T00:00:00Z");
  const p80 = aged(meshRoute("shop", "p80", "{group: '', kind: Service, name: api, namespace: shop, port: 80}", `  rules:
  - matches: [{path: {type: PathPrefix, value: /v2}}]
    filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: p80}]}}]
    backendRefs: [{name: api-v2, namespace: shop, port: 80}]`), "2024-01-01T00:00:00Z");
  const tag = (yaml: string, url: string) => { const a = one(yaml, "web/client", url); return a.status === 404 ? 404 : a.responseHeaders["x-route"]; };
  const wp = ambient("istio.io/use-waypoint: waypoint", "waypoint") + all + p80;
  assert.equal(tag(wp, "http://api.shop/v2/x"), "p80");
  assert.equal(tag(wp, "http://api.shop/other"), "all", "p80's VirtualService (older) matches nothing: the waypoint goes on to all's");
  const lost = one(wp, "web/client", "http://api.shop/other").candidates.find((c) => c.route === "HTTPRoute shop/p80");
  assert.match(lost?.outcome ?? "", /no rule of waypoint shop\/waypoint's VirtualService shop~80~api\.shop\.svc\.cluster\.local, tried first, matches/);
  assert.equal(tag(wp, "http://api.shop/nothing"), 404);
  assert.equal(tag(withProxy("istio-proxy") + all + p80, "http://api.shop/other"), 404, "a sidecar keeps p80's VirtualService alone on port 80");
});

test("istiod orders the VirtualServices of mesh routes by creation time, where a route without creationTimestamp is not yet applied, newer than every timestamped one (Junction's one rule, model/time.ts compareCreated); of two without timestamps the first in the input is the older, as kubectl apply creates them (model/route.ts compareAge; was: by name, whatever the input order) (model/config.go configCompareByCreationTime; route_collections.go mergeHTTPRoutes: the merged one is as old as the first after sortRoutesByCreationTime)", async () => {
  const all = meshRoute("shop", "all", "{kind: Service, group: '', name: api}", tagged("api", "all"));
  const p80 = meshRoute("shop", "p80", "{kind: Service, group: '', name: api, port: 80}", tagged("api-v2", "p80"));
  const tag = async (yaml: string) => (await explainJson<{ route?: string }>(yaml, "web/client", "GET http://api.shop/x")).route;
  assert.equal(await tag(proxied("istio-proxy") + all + p80), "HTTPRoute shop/all", "neither has a timestamp: all, the first in the input, is created first (was: p80, by the name shop~80~… before shop~api…)");
  assert.equal(await tag(proxied("istio-proxy") + p80 + all), "HTTPRoute shop/p80", "neither has a timestamp: p80 is first in the input");
  assert.equal(await tag(proxied("istio-proxy") + aged(p80, "2024-01-01T00:00:00Z") + all), "HTTPRoute shop/p80", "all has no timestamp: applied now, newer than p80 (was: all, Go's zero time)");
  assert.equal(await tag(proxied("istio-proxy") + aged(all, "2024-01-01T00:00:00Z") + p80), "HTTPRoute shop/all", "p80 has no timestamp: all, created in 2024, is older");
});

test("a mesh rule without backendRefs: a Linkerd client's policy controller sends its requests to the parent's own backend (the Service; an EgressNetwork's address dialled), its filters applied; an Istio sidecar answers 500 (was: 500 for Linkerd too)", () => {
  // linkerd2 policy-controller grpc/src/outbound/http.rs convert_outbound_route: "let dist = if backends.is_empty() {
  // FirstAvailable { backends: vec![RouteBackend { backend: Some(backend.clone()) ... }] }"; istio conversion.go
  // convertHTTPRoute: "weightSum(r.BackendRefs) == 0 && vs.Redirect == nil": DirectResponse 500.
  const rest = `  rules:
  - matches: [{path: {type: PathPrefix, value: /x}}]
    filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: bare}]}}]`;
  const route = meshRoute("shop", "bare", "{kind: Service, group: '', name: api-v2, port: 80}", rest);
  const linkerd = one(withProxy("linkerd-proxy") + route, "web/client", "http://api-v2.shop/x");
  assert.deepEqual([linkerd.status, linkerd.route, linkerd.backend, linkerd.responseHeaders["x-route"]], [200, "HTTPRoute shop/bare", "shop/api-v2", "bare"], "the Service itself (was: 500)");
  assert.match(linkerd.endpoint ?? "", new RegExp(API_V2));
  const istio = one(withProxy("istio-proxy") + route, "web/client", "http://api-v2.shop/x");
  assert.equal(istio.status, 500);
  const zero = one(withProxy("linkerd-proxy") + meshRoute("shop", "zero", "{kind: Service, group: '', name: api-v2, port: 80}", "  rules: [{backendRefs: [{name: api, port: 80, weight: 0}]}]"), "web/client", "http://api-v2.shop/x");
  // A lone backendRef of weight 0 is a backend (no default), and the proxy uses it: linkerd/distribute params.rs
  // random_available makes fewer than 2 backends FirstAvailable (test/mesh/weights.test.ts; was: 500).
  assert.deepEqual([zero.status, zero.backend], [200, "shop/api"], "backends of weight 0 are backends: no default");
  const egress = `---
apiVersion: policy.linkerd.io/v1alpha1
kind: EgressNetwork
metadata: {name: all, namespace: linkerd-egress}
spec: {trafficPolicy: Deny}
` + meshRoute("linkerd-egress", "out", "{group: policy.linkerd.io, kind: EgressNetwork, name: all}", rest);
  const out = one(withProxy("linkerd-proxy") + egress, "web/client", "http://203.0.113.5/x");
  assert.deepEqual([out.status, out.route, out.connection ?? null], [200, "HTTPRoute linkerd-egress/out", null], "the EgressNetwork's original destination, though its trafficPolicy is Deny (was: 500)");
  assert.match(out.layers.map((l) => l.summary).join("\n"), /connection to 203\.0\.113\.5/);
});

test("Istio waypoint: of two VirtualServices made of routes without creationTimestamp, the one of the route first in the input is tried first, and a rule of the later one that loses to it notes it (was: by name, shop~80~… before shop~…)", () => {
  const rule = (tag: string) => `  rules:
  - filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: ${tag}}]}}]
    backendRefs: [{name: api, namespace: shop, port: 80}]`;
  const all = meshRoute("shop", "all", API, rule("all"));
  const p80 = meshRoute("shop", "p80", "{group: '', kind: Service, name: api, namespace: shop, port: 80}", rule("p80"));
  const wp = ambient("istio.io/use-waypoint: waypoint", "waypoint");
  for (const [yaml, won, lost] of [[wp + all + p80, "all", "p80"], [wp + p80 + all, "p80", "all"]] as const) {
    const a = one(yaml, "web/client", "http://api.shop/x");
    assert.equal(a.responseHeaders["x-route"], won);
    const loser = a.candidates.find((c) => c.route === `HTTPRoute shop/${lost}`);
    assert.match(loser?.outcome ?? "", new RegExp(`lost: waypoint shop/waypoint tries VirtualService .* before .*note: neither HTTPRoute shop/${won} .* nor HTTPRoute shop/${lost} .* has a creationTimestamp: HTTPRoute shop/${won} .*comes first in the input`));
  }
});

test("a Linkerd client's retries and timeouts: its policy controller reads the route's annotations retry.linkerd.io/* and timeout.linkerd.io/*, and of the rule only timeouts.request (where no timeout.linkerd.io/request is set), not its retry nor timeouts.backendRequest; an Istio sidecar reads the rule's (was: the rule's for Linkerd too)", () => {
  // linkerd2 policy-controller k8s/index/src/outbound/index/http.rs convert_route (parse_timeouts, parse_http_retry over the
  // route's annotations), convert_gateway_rule ("timeouts.request = timeouts.request.or_else(|| rule.timeouts ... request")).
  const route = (annotations = "") => meshRoute("shop", "t", "{kind: Service, group: '', name: api, port: 80}",
    "  rules: [{timeouts: {request: 1s, backendRequest: 100ms}, retry: {attempts: 3, codes: [503]}, backendRefs: [{name: api-v2, port: 80}]}]")
    .replace("namespace: shop}", `namespace: shop${annotations}}`);
  const status = (proxy: string, yaml: string, query: string) => one(withProxy(proxy) + yaml, "web/client", `http://api.shop/x?${query}`).status;
  assert.equal(status("istio-proxy", route(), "responseCode=503&succeedAfter=1"), 200, "Istio: the rule's retry");
  assert.equal(status("istio-proxy", route(), "delay=200ms"), 504, "Istio: the rule's backendRequest");
  assert.equal(status("linkerd-proxy", route(), "responseCode=503&succeedAfter=1"), 503, "Linkerd reads no rule retry (was: 200, retried)");
  assert.equal(status("linkerd-proxy", route(), "delay=200ms"), 200, "Linkerd reads no backendRequest (was: 504)");
  assert.equal(status("linkerd-proxy", route(), "delay=1500ms"), 504, "the rule's timeouts.request");
  const annotated = route(`, annotations: {retry.linkerd.io/http: "503", retry.linkerd.io/limit: "2", timeout.linkerd.io/request: 300ms}`);
  assert.equal(status("linkerd-proxy", annotated, "responseCode=503&succeedAfter=2"), 200, "retry.linkerd.io/limit 2 on 503");
  assert.equal(status("linkerd-proxy", annotated, "responseCode=503&succeedAfter=3"), 503);
  assert.equal(status("linkerd-proxy", annotated, "delay=500ms"), 504, "timeout.linkerd.io/request 300ms over the rule's 1s");
  // outbound/index.rs: parse_timeouts and parse_http_retry over the Service's annotations, used where the route sets none.
  const service = (yaml: string) => yaml.replace("metadata: {name: api, namespace: shop}", `metadata: {name: api, namespace: shop, annotations: {retry.linkerd.io/http: 5xx, timeout.linkerd.io/request: 2s}}`);
  const bare = meshRoute("shop", "t", "{kind: Service, group: '', name: api, port: 80}", "  rules: [{backendRefs: [{name: api-v2, port: 80}]}]");
  const viaService = (yaml: string, query: string) => one(service(withProxy("linkerd-proxy")) + yaml, "web/client", `http://api.shop/x?${query}`).status;
  assert.equal(viaService(bare, "responseCode=503&succeedAfter=1"), 200, "the Service's retry.linkerd.io/http 5xx (limit 1)");
  assert.equal(viaService(bare, "delay=3s"), 504, "the Service's timeout.linkerd.io/request 2s");
  assert.equal(viaService(route(), "delay=1500ms"), 504, "the rule's request timeout (1s) is the route's: the Service's 2s does not apply");
  assert.equal(viaService(bare.replace("namespace: shop}", "namespace: shop, annotations: {retry.linkerd.io/http: \"502\"}}"), "responseCode=503&succeedAfter=1"), 503, "the route's own retry replaces the Service's");
});
