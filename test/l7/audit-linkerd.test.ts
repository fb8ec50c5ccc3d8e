// An audit of the Linkerd request engine against upstream behaviour, each case restated in our own
// objects: the proxy's route choice (linkerd2-proxy linkerd/http/route: lib.rs find/best,
// http/match.rs RequestMatch ordering, match/path.rs, match/host.rs, grpc/match.rs), the routes the
// policy controller sends for a Server's protocol and their order (linkerd2
// policy-controller/grpc/src/inbound.rs to_server, inbound/http.rs to_route_list), and the Server
// a port gets (policy-controller/k8s/index/src/inbound/index.rs reindex_servers).

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { load } from "../helpers.js";
import { outcome, pod, world } from "./fixture.js";

const LINKERD = { web: "linkerd", api: "linkerd", x: "linkerd" } as const;
const base = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2") + pod("other", "x", "10.0.1.1", { sa: "robot" });

const server = (name: string, protocol: string, created?: string) => `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: ${name}, namespace: shop${created ? `, creationTimestamp: "${created}"` : ""}}
spec: {podSelector: {matchLabels: {app: api}}, port: 8080, proxyProtocol: ${protocol}}
---
`;
const route = (name: string, rules: string, opts: { kind?: string; server?: string; created?: string; hostnames?: string } = {}) => `apiVersion: gateway.networking.k8s.io/v1
kind: ${opts.kind ?? "HTTPRoute"}
metadata: {name: ${name}, namespace: shop${opts.created ? `, creationTimestamp: "${opts.created}"` : ""}}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: ${opts.server ?? "api"}}]
${opts.hostnames ? `  hostnames: ${opts.hostnames}\n` : ""}  rules: ${rules}
---
`;
const onlySa = (name: string, sa: string, ns = "shop") => `apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: {name: ${name}, namespace: shop}
spec: {identityRefs: [{kind: ServiceAccount, name: ${sa}, namespace: ${ns}}]}
---
`;
const authz = (name: string, kind: string, target: string, authn: string) => `apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: shop}
spec: {targetRef: {group: ${kind === "Server" ? "policy.linkerd.io" : "gateway.networking.k8s.io"}, kind: ${kind}, name: ${target}}, requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: ${authn}}]}
---
`;
const req = (path: string, method = "GET", headers: [string, string][] = [], host = "api.shop.svc.cluster.local") => ({ http: { path, method, headers, host } });
const identities = onlySa("web-only", "web") + onlySa("robot-only", "robot", "other");

test("http/match.rs: header matches outrank the method (path length, then headers, then query, then method)", () => {
  const w = world(base + server("api", "HTTP/1") + identities
    + route("by-method", "[{matches: [{path: {type: PathPrefix, value: /api}, method: GET}]}]")
    + route("by-header", "[{matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: x-v, value: \"2\"}]}]}]")
    + authz("m", "HTTPRoute", "by-method", "web-only") + authz("h", "HTTPRoute", "by-header", "robot-only"), LINKERD);
  const r = w.ask("other/x", "shop/api", 8080, req("/api/v", "GET", [["x-v", "2"]]));
  assert.equal(outcome(r), "allow", "the request takes by-header, which admits robot");
  assert.match(r.layers.at(-1)!.summary, /by-header/);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/api/v", "GET", [["x-v", "2"]]))), "403", "web is admitted on by-method only (was a wrong allow)");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/api/v"))), "allow", "without the header: by-method");
});

test("match/path.rs: a path match counts only its length; exact is not preferred over an equally long prefix, the older route wins the tie", () => {
  const yaml = (exactCreated: string, prefixCreated: string) => base + server("api", "HTTP/1") + identities
    + route("exact", "[{matches: [{path: {type: Exact, value: /x}}]}]", { created: exactCreated })
    + route("prefix", "[{matches: [{path: {type: PathPrefix, value: /x/}}]}]", { created: prefixCreated })
    + authz("e", "HTTPRoute", "exact", "web-only") + authz("p", "HTTPRoute", "prefix", "robot-only");
  const prefixOlder = world(yaml("2021-01-01T00:00:00Z", "2020-01-01T00:00:00Z"), LINKERD);
  assert.equal(outcome(prefixOlder.ask("other/x", "shop/api", 8080, req("/x"))), "allow", "Prefix(/x) and Exact(/x) tie at length 2: the older prefix route");
  assert.equal(outcome(prefixOlder.ask("shop/web", "shop/api", 8080, req("/x"))), "403");
  const exactOlder = world(yaml("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"), LINKERD);
  assert.equal(outcome(exactOlder.ask("shop/web", "shop/api", 8080, req("/x"))), "allow");
  const longer = world(base + server("api", "HTTP/1") + identities
    + route("exact", "[{matches: [{path: {type: Exact, value: /a/b}}]}]") + route("prefix", "[{matches: [{path: {type: PathPrefix, value: /a/b/c}}]}]")
    + authz("e", "HTTPRoute", "exact", "web-only") + authz("p", "HTTPRoute", "prefix", "robot-only"), LINKERD);
  assert.equal(outcome(longer.ask("other/x", "shop/api", 8080, req("/a/b/c/d"))), "allow");
  assert.equal(outcome(longer.ask("shop/web", "shop/api", 8080, req("/a/b/c/"))), "403", "a trailing slash still matches the prefix /a/b/c");
});

test("lib.rs find: a route whose hostname matches outranks routes without hostnames, whatever their paths; an exact host outranks a wildcard", () => {
  const w = world(base + server("api", "HTTP/1") + identities
    + route("any-host", "[{matches: [{path: {type: Exact, value: /orders/7}}]}]")
    + route("wild", "[{}]", { hostnames: "[\"*.shop.svc.cluster.local\"]" })
    + route("named", "[{matches: [{path: {type: PathPrefix, value: /admin}}]}]", { hostnames: "[api.shop.svc.cluster.local]" })
    + authz("a", "HTTPRoute", "any-host", "web-only") + authz("b", "HTTPRoute", "wild", "robot-only"), LINKERD);
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/orders/7"))), "allow", "the wildcard host route beats the longer path without host");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/orders/7"))), "403");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/orders/7", "GET", [], "other.example"))), "allow", "another host: only any-host matches");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/admin", "GET", [], "API.shop.svc.cluster.local.:8080"))), "403",
    "the exact host (any case, port and trailing dot ignored) takes it to named, which nothing authorizes");
});

test("inbound.rs to_server: a gRPC Server uses GRPCRoutes only, the other HTTP protocols HTTPRoutes only", () => {
  const grpcRoute = route("rpc", "[{matches: [{method: {service: shop.Api, method: Get}}]}]", { kind: "GRPCRoute" });
  const onHttp = world(base + server("api", "HTTP/2") + identities + grpcRoute + authz("g", "GRPCRoute", "rpc", "web-only"), LINKERD);
  const r = onHttp.ask("shop/web", "shop/api", 8080, req("/shop.Api/Get", "POST"));
  assert.equal(outcome(r), "403", "the GRPCRoute is not sent for an HTTP/2 Server: the default route, and no Server authorization (was a wrong allow)");
  assert.match(r.layers.at(-1)!.summary, /default route/);
  const httpRoute = route("web", "[{matches: [{path: {type: PathPrefix, value: /}}]}]");
  const onGrpc = world(base + server("api", "gRPC") + identities + httpRoute + authz("h", "HTTPRoute", "web", "web-only"), LINKERD);
  assert.equal(outcome(onGrpc.ask("shop/web", "shop/api", 8080, { http: { path: "/shop.Api/Get", method: "POST", grpc: true } })), "grpc PERMISSION_DENIED", "an HTTPRoute is not sent for a gRPC Server");
  const rpcOnGrpc = world(base + server("api", "gRPC") + identities + grpcRoute + authz("g", "GRPCRoute", "rpc", "web-only"), LINKERD);
  assert.equal(outcome(rpcOnGrpc.ask("shop/web", "shop/api", 8080, { http: { path: "/shop.Api/Get", method: "POST", grpc: true } })), "allow");
  assert.equal(outcome(rpcOnGrpc.ask("shop/web", "shop/api", 8080, { http: { path: "/shop.Api/Get", method: "GET", grpc: true } })), "grpc UNIMPLEMENTED", "grpc/match.rs: only POST matches a gRPC route");
});

test("index.rs reindex_servers: Servers sort by creation time, then by name; a Server without a timestamp is not yet applied, the newest (Junction's one rule, model/time.ts compareCreated; was: first, Rust's None < Some)", () => {
  const w = world(base + identities + server("b-old", "HTTP/1", "2020-01-01T00:00:00Z") + server("z-none", "HTTP/1")
    + authz("b", "Server", "b-old", "web-only") + authz("z", "Server", "z-none", "robot-only"), LINKERD);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/"))), "allow", "b-old (2020) selects the port: z-none is applied now");
  assert.notEqual(outcome(w.ask("other/x", "shop/api", 8080, req("/"))), "allow", "was: allow (z-none taken as the oldest)");
  const named = world(base + identities + server("b", "HTTP/1") + server("a", "HTTP/1") + authz("a", "Server", "a", "web-only") + authz("b", "Server", "b", "robot-only"), LINKERD);
  assert.equal(outcome(named.ask("shop/web", "shop/api", 8080, req("/"))), "allow", "no timestamps: by name, a first");
});

test("reindex_servers and to_route_list compare creation times as times, not as the text (fractional seconds, offsets)", () => {
  // "…T00:00:00.5Z" sorts before "…T00:00:00Z" as text ('.' < 'Z'), but is half a second later; "…T01:00:00+02:00" is
  // 23:00 the day before. Rust's Option<DateTime<Utc>> (k8s-openapi Time) compares instants.
  const servers = (a: string, b: string) => world(base + identities + server("a-srv", "HTTP/1", a) + server("b-srv", "HTTP/1", b)
    + authz("a", "Server", "a-srv", "web-only") + authz("b", "Server", "b-srv", "robot-only"), LINKERD);
  const fraction = servers("2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00Z");
  assert.equal(outcome(fraction.ask("other/x", "shop/api", 8080, req("/"))), "allow", "b-srv is half a second older: it selects the port");
  assert.equal(outcome(fraction.ask("shop/web", "shop/api", 8080, req("/"))), "403", "was a wrong allow: a-srv taken as the older by its text");
  const offset = servers("2024-01-01T00:00:00Z", "2024-01-01T01:00:00+02:00");
  assert.equal(outcome(offset.ask("other/x", "shop/api", 8080, req("/"))), "allow", "b-srv was created at 23:00 UTC the day before");
  const routes = world(base + server("api", "HTTP/1") + identities
    + route("a-late", "[{}]", { created: "2024-01-01T00:00:00.5Z" }) + route("z-early", "[{}]", { created: "2024-01-01T00:00:00Z" })
    + authz("a", "HTTPRoute", "a-late", "web-only") + authz("z", "HTTPRoute", "z-early", "robot-only"), LINKERD);
  assert.equal(outcome(routes.ask("other/x", "shop/api", 8080, req("/"))), "allow", "equal matches: the older route z-early");
  assert.equal(outcome(routes.ask("shop/web", "shop/api", 8080, req("/"))), "403");
  const bad = load({ "s.yaml": server("api", "HTTP/1", "yesterday") }).diagnostics.errors.map(formatDiagnostic).join("\n");
  assert.match(bad, /creationTimestamp.*"yesterday" is not an RFC 3339 timestamp/);
});

test("to_route_list: among equal matches, routes with a timestamp come before routes without", () => {
  const w = world(base + server("api", "HTTP/1") + identities
    + route("a-none", "[{}]") + route("z-dated", "[{}]", { created: "2024-01-01T00:00:00Z" })
    + authz("a", "HTTPRoute", "a-none", "web-only") + authz("z", "HTTPRoute", "z-dated", "robot-only"), LINKERD);
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/"))), "allow");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/"))), "403");
});

const probed = `apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  serviceAccountName: api
  containers:
  - name: app
    ports: [{name: http, containerPort: 8080}]
    livenessProbe: {httpGet: {path: /healthz, port: http}}
    readinessProbe: {httpGet: {path: "/ready?full=1", port: 8080}}
status: {podIP: 10.0.0.2, phase: Running}
---
`;

test("index.rs default_inbound_http_routes: GET on a probe path is authorized for the probe networks, without identity, where a Server has no routes", () => {
  const w = world(pod("shop", "web", "10.0.0.1") + probed + pod("other", "x", "10.0.1.1", { sa: "robot" }) + server("api", "HTTP/1"), { web: "linkerd", api: "linkerd", x: "none" });
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/healthz"))), "allow", "the Server authorizes nobody, but the kubelet's probe path passes (was a wrong deny)");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/ready"))), "allow", "the probe's query is not part of the path");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/healthz", "POST"))), "403", "GET only");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/healthz/x"))), "403", "an exact path");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/"))), "403");
  const denyDefault = world(pod("shop", "web", "10.0.0.1") + probed, { web: "linkerd", api: "linkerd" });
  denyDefault.engine.inventory.mesh.settings.linkerdDefaultPolicy = "deny";
  assert.equal(outcome(denyDefault.ask("shop/web", "shop/api", 8080, req("/healthz"))), "allow", "the default server has the probe route too");
  const routed = world(pod("shop", "web", "10.0.0.1") + probed + server("api", "HTTP/1") + route("all", "[{}]"), { web: "linkerd", api: "linkerd" });
  assert.equal(outcome(routed.ask("shop/web", "shop/api", 8080, req("/healthz"))), "403", "with HTTPRoutes the Server has no probe route");
});

test("workload.rs Settings: on a port in proxy-require-identity-inbound-ports an allow default policy admits authenticated clients only", () => {
  const w = world(pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2") + pod("edge", "out", "10.0.9.9"), { web: "linkerd", api: "linkerd", out: "none" });
  const api = w.engine.inventory.endpoints.find((e) => e.name === "api")!;
  assert.equal(outcome(w.ask("edge/out", "shop/api", 8080, req("/"))), "allow");
  api.annotations = { "config.linkerd.io/proxy-require-identity-inbound-ports": "8000-8100" };
  const r = w.ask("edge/out", "shop/api", 8080, req("/"));
  assert.equal(outcome(r), "403", "a plaintext client (was a wrong allow)");
  assert.match(r.layers.at(-1)!.summary, /all-authenticated/);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/"))), "allow", "a meshed client");
  api.annotations = { "config.linkerd.io/proxy-require-identity-inbound-ports": "9090" };
  assert.equal(outcome(w.ask("edge/out", "shop/api", 8080, req("/"))), "allow", "another port");
});

test("inbound/routes.rs from_http_parent_ref: a Server parent with a port or a sectionName makes the route invalid: it attaches to no Server", () => {
  const withPort = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ported, namespace: shop}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api, port: 8080}]
  rules: [{matches: [{path: {type: PathPrefix, value: /admin}}]}]
---
`;
  const yaml = base + server("api", "HTTP/1") + identities + withPort + authz("p", "HTTPRoute", "ported", "robot-only");
  const w = world(yaml, LINKERD);
  const r = w.ask("other/x", "shop/api", 8080, req("/admin"));
  assert.equal(outcome(r), "403", "the default route, and the Server authorizes nobody (the route's authorization was a wrong allow)");
  assert.match(r.layers.at(-1)!.summary, /default route/);
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/other"))), "403", "not a 404: the Server has no routes");
  assert.match(load({ "r.yaml": yaml }).diagnostics.items.map(formatDiagnostic).join("\n"), /names a port: Linkerd's policy controller refuses the route/);
  const section = world(base + server("api", "HTTP/1") + identities + withPort.replace("port: 8080", "sectionName: http").replace("gateway.networking.k8s.io/v1", "policy.linkerd.io/v1beta3"), LINKERD);
  assert.match(section.ask("other/x", "shop/api", 8080, req("/admin")).layers.at(-1)!.summary, /default route/);
});

test("proxy-injector webhook.go: the default opaque ports are those the pod declares; an opaque-ports annotation may name ports", () => {
  const w = world(pod("shop", "web", "10.0.0.1") + pod("shop", "db", "10.0.0.3", { ports: [["pg", 5432]] }) + pod("shop", "cache", "10.0.0.4", { ports: [["http", 8080]] }), { web: "linkerd", db: "linkerd", cache: "linkerd" });
  assert.match(w.ask("shop/web", "shop/db", 5432, req("/")).layers.at(-1)!.enforcer, /opaque TCP, port 5432/, "5432 is a default opaque port the pod declares");
  assert.match(w.ask("shop/web", "shop/cache", 6379, req("/")).layers.at(-1)!.enforcer, /HTTP, port 6379/, "6379 is not declared: the injector does not mark it opaque");
  w.engine.inventory.endpoints.find((e) => e.name === "cache")!.annotations = { "config.linkerd.io/opaque-ports": "http" };
  assert.match(w.ask("shop/web", "shop/cache", 8080, req("/")).layers.at(-1)!.enforcer, /opaque TCP, port 8080/, "a named port");
});

test("routes/grpc.rs try_match: a GRPCRoute with a RegularExpression method match is ignored whole (the proxy matches service and method exactly)", () => {
  // linkerd2 policy-controller/k8s/index/src/routes/grpc.rs: `if value.r#type == Some(...RegularExpression) { bail!("unsupported
  // GRPCRoute method match type") }`; inbound/index.rs apply_grpc_route: `Err(error) => { info!(..., "Ignoring GrpcRoute"); return; }`.
  // linkerd2-proxy grpc/match.rs MatchRpc::match_length: `if s != service { return None }`, exact strings only.
  // Before, Junction matched the regex with RE2 and the route's AuthorizationPolicy admitted web: a wrong allow.
  const regexRoute = route("rpc", "[{matches: [{method: {type: RegularExpression, service: shop\\\\.Api, method: \"G.*\"}}]}]", { kind: "GRPCRoute" });
  const rpc = { http: { path: "/shop.Api/Get", method: "POST", grpc: true } };
  const yaml = base + server("api", "gRPC") + identities + regexRoute + authz("g", "GRPCRoute", "rpc", "web-only");
  const w = world(yaml, LINKERD);
  const r = w.ask("shop/web", "shop/api", 8080, rpc);
  assert.equal(outcome(r), "grpc PERMISSION_DENIED", "the route is ignored: the Server's default route, which no authorization admits");
  assert.match(r.layers.at(-1)!.summary, /default route/);
  assert.match(load({ "r.yaml": yaml }).diagnostics.items.map(formatDiagnostic).join("\n"), /GRPCRoute shop\/rpc: Linkerd supports only Exact gRPC method matches/);
  const exact = world(base + server("api", "gRPC") + identities + route("rpc", "[{matches: [{method: {service: shop.Api, method: Get}}]}]", { kind: "GRPCRoute" }) + authz("g", "GRPCRoute", "rpc", "web-only"), LINKERD);
  assert.equal(outcome(exact.ask("shop/web", "shop/api", 8080, rpc)), "allow");
  assert.equal(outcome(exact.ask("shop/web", "shop/api", 8080, { http: { path: "/shop.Api/GetAll", method: "POST", grpc: true } })), "grpc UNIMPLEMENTED", "the method is matched exactly");
});

test("grpc/match.rs MatchRpc::match_length: a Server's GRPCRoute reads the path's second and third pieces (more pieces ignored, an empty method is a method), and longer service/method names rank first", () => {
  // linkerd2-proxy linkerd/http/route/src/grpc/match.rs: `let mut parts = path.split('/')`; service = the 2nd piece,
  // method = the 3rd (`parts.next()?`: none, no match), compared exactly when named; RpcMatch orders by their lengths.
  // Before, the lowered condition was the exact path /SERVICE/METHOD (or "[^/]+" for an unnamed part).
  const rpc = route("rpc", "[{matches: [{method: {service: shop.Api, method: Get}}]}, {matches: [{method: {service: shop.Admin}}]}]", { kind: "GRPCRoute" });
  const w = world(base + server("api", "gRPC") + identities + rpc + authz("g", "GRPCRoute", "rpc", "web-only"), LINKERD);
  const call = (path: string) => outcome(w.ask("shop/web", "shop/api", 8080, { http: { path, method: "POST", grpc: true } }));
  assert.equal(call("/shop.Api/Get/extra"), "allow", "the 4th piece is ignored");
  assert.equal(call("/shop.Admin/"), "allow", "service shop.Admin, method \"\"");
  assert.equal(call("/shop.Admin"), "grpc UNIMPLEMENTED", "no method piece: no rule matches");
  assert.equal(call("/shop.Apix/Get"), "grpc UNIMPLEMENTED", "the service is compared exactly");
});

test("routes try_filter / convert_gateway_filter: a Server's route with a filter Linkerd does not convert (RequestMirror, URLRewrite, ExtensionRef) is ignored whole", () => {
  // linkerd2 policy-controller: `RequestMirror { .. } => bail!("RequestMirror filter is not supported")` (URLRewrite,
  // ExtensionRef alike); the index logs the failed conversion and leaves the route out. Before, the route's
  // AuthorizationPolicy admitted web on it.
  const mirrored = route("web", "[{matches: [{path: {type: PathPrefix, value: /}}], filters: [{type: RequestMirror, requestMirror: {backendRef: {name: api, port: 8080}}}]}]");
  const yaml = base + server("api", "HTTP/1") + identities + mirrored + authz("h", "HTTPRoute", "web", "web-only");
  const r = world(yaml, LINKERD).ask("shop/web", "shop/api", 8080, req("/"));
  assert.equal(outcome(r), "403", "the Server's default route, which no authorization admits");
  assert.match(r.layers.at(-1)!.summary, /default route/);
  assert.match(load({ "r.yaml": yaml }).diagnostics.items.map(formatDiagnostic).join("\n"), /HTTPRoute shop\/web: Linkerd supports only RequestHeaderModifier, ResponseHeaderModifier and RequestRedirect filters \(a RequestMirror filter/);
});
