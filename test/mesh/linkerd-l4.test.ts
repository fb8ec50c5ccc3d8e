// TLSRoutes and TCPRoutes with Service parents, as a Linkerd client's proxy applies them: linkerd2's
// policy controller indexes them (policy-controller/k8s/index/src/outbound/index.rs apply_tls_route,
// apply_tcp_route), its status controller accepts them unless a more specific kind names the same
// parentRef (k8s/status/src/index.rs parent_has_conflicting_routes), and to_proto
// (policy-controller/grpc/src/outbound.rs) picks one kind per port: opaque ports get the TCPRoutes;
// without appProtocol GRPCRoutes, else HTTPRoutes, else TLSRoutes, else TCPRoutes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { GatewayEngine } from "../../src/engine/gateway/engine.js";
import { statusObjects } from "../../src/engine/gateway/status.js";
import { MeshEngine } from "../../src/engine/mesh/engine.js";
import { meshParentStatuses } from "../../src/engine/mesh/status.js";
import type { RouteRequest } from "../../src/model/request.js";
import { load } from "../helpers.js";
import { API_V2, meshRoute, one, withProxy } from "./fixture.js";

/** The cluster with web/client and ops/client running `proxy`, and Service shop/db (5432: a default opaque port; 8000 without appProtocol). */
const cluster = (proxy = "linkerd-proxy") => withProxy(proxy, ["web", "ops"]) + `---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {selector: {app: api, version: v1}, clusterIP: 10.96.0.20, ports: [{name: pg, port: 5432, targetPort: 8080}, {name: plain, port: 8000, targetPort: 8080}]}
`;

const DB = (port?: number) => `{group: '', kind: Service, name: db${port ? `, port: ${port}` : ""}}`;
const to = (svc: string, port: number, weight = 1) => `{name: ${svc}, namespace: shop, port: ${port}, weight: ${weight}}`;
const l4 = (ns: string, name: string, kind: "TCPRoute" | "TLSRoute", parents: string, backends: string, extra = "") =>
  meshRoute(ns, name, parents, `${extra}  rules:\n  - backendRefs: [${backends}]`, kind).replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2");
const aged = (yaml: string, ts: string) => yaml.replace(/metadata: \{name: (\S+), namespace: (\w+)\}\nspec:\n  parentRefs/, `metadata: {name: $1, namespace: $2, creationTimestamp: "${ts}"}\nspec:\n  parentRefs`);
const tcp = (extra: Partial<RouteRequest> = {}): Partial<RouteRequest> => ({ scheme: "tcp", ...extra });

test("a Linkerd client's proxy sends a connection to an opaque Service port through the port's TCPRoute (an Istio sidecar's too: test/mesh/istio-l4.test.ts)", () => {
  // to_proto: `Some(AppProtocol::Opaque) | Some(AppProtocol::Unknown(_)) => { ... if !tcp_routes.is_empty() { tcp::protocol(...) }`.
  const route = l4("shop", "pg", "TCPRoute", DB(), to("api-v2", 80));
  const a = one(cluster() + route, "web/client", "tcp://db.shop:5432", tcp());
  assert.deepEqual([a.route, a.backend, a.connection ?? null], ["TCPRoute shop/pg", "shop/api-v2", null]);
  assert.equal(a.endpoint, `shop/${API_V2}`);
  assert.match(a.reason ?? "", /forwards the connection to shop\/api-v2.*opaque/);
  const http = one(cluster() + route, "web/client", "http://db.shop:5432/x");
  assert.deepEqual([http.status, http.backend, http.upstream?.path], [200, "shop/api-v2", "/x"], "HTTP on an opaque port is forwarded as bytes");
  const envoy = one(cluster("istio-proxy") + route, "web/client", "tcp://db.shop:5432", tcp());
  assert.deepEqual([envoy.route, envoy.backend], ["TCPRoute shop/pg", "shop/api-v2"], "port pg declares no protocol: Istio sniffs it, and TCP takes the TCPRoutes");
});

test("a TLSRoute or TCPRoute bound to a Service is Accepted, and Conflicted where a more specific kind names the identical parentRef", () => {
  // linkerd2 policy-controller/k8s/status/src/index.rs parent_condition_service, parent_has_conflicting_routes (a TCPRoute
  // against GRPC, HTTP and TLS routes on `route.parents.contains(parent_ref)`).
  const statuses = (yaml: string, name: string) => {
    const inv = load({ "s.yaml": yaml }).inventory;
    const mesh = new MeshEngine(inv);
    const o = statusObjects(new GatewayEngine(inv), (r) => meshParentStatuses(mesh, r)).find((x) => (x.metadata as { name: string }).name === name) as { status: { parents: { conditions: { type: string; status: string; reason: string }[] }[] } };
    return o.status.parents.map((p) => p.conditions.find((c) => c.type === "Accepted")).map((c) => `${c?.status}/${c?.reason}`);
  };
  assert.deepEqual(statuses(cluster() + l4("shop", "pg", "TCPRoute", DB(5432), to("api-v2", 80)), "pg"), ["True/Accepted"]);
  assert.deepEqual(statuses(cluster() + l4("shop", "t", "TLSRoute", DB(), to("api-v2", 80)), "t"), ["True/Accepted"]);
  const http = meshRoute("shop", "h", DB(8000), `  rules: [{backendRefs: [${to("api", 80)}]}]`);
  assert.deepEqual(statuses(cluster() + http + l4("shop", "pg", "TCPRoute", DB(8000), to("api-v2", 80)), "pg"), ["False/Conflicted"]);
  const udp = meshRoute("shop", "u", DB(), `  rules: [{backendRefs: [${to("api", 80)}]}]`, "UDPRoute").replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2");
  assert.deepEqual(statuses(cluster() + udp, "u"), ["False/NoMatchingParent"], "no mesh binds a UDPRoute to a Service");
});

test("Linkerd leaves out a TCPRoute its status controller marks Conflicted (an HTTPRoute names the identical parentRef); one naming the Service without the port still applies", () => {
  const http = meshRoute("shop", "h", DB(5432), `  rules: [{backendRefs: [${to("api", 80)}]}]`);
  const same = one(cluster() + http + l4("shop", "pg", "TCPRoute", DB(5432), to("api-v2", 80)), "web/client", "tcp://db.shop:5432", tcp());
  assert.deepEqual([same.route, same.backend], [undefined, "shop/db"], "5432 is opaque: no HTTPRoute; the TCPRoute is Conflicted");
  assert.match(same.candidates.map((c) => c.outcome).join("\n"), /ignored: Linkerd's status controller marks its parentRef Conflicted: HTTPRoute shop\/h/);
  const wider = one(cluster() + http + l4("shop", "pg", "TCPRoute", DB(), to("api-v2", 80)), "web/client", "tcp://db.shop:5432", tcp());
  assert.deepEqual([wider.route, wider.backend], ["TCPRoute shop/pg", "shop/api-v2"]);
});

test("Linkerd applies only the oldest TCPRoute of a port (then by name, producer and consumer routes together), with its backends' weights", () => {
  // grpc/src/outbound/tcp.rs: `routes.take(MAXIMUM_ALLOWED_TCP_ROUTES)` (1) after sort_by(timestamp_then_name); the rule's
  // backends are a RandomAvailable distribution by weight.
  const older = aged(l4("web", "zz-consumer", "TCPRoute", "{group: '', kind: Service, name: db, namespace: shop}", `${to("api", 80, 1)}, ${to("api-v2", 80, 3)}`), "2026-01-01T00:00:00Z");
  const newer = aged(l4("shop", "aa-producer", "TCPRoute", DB(), to("api", 80)), "2026-02-01T00:00:00Z");
  const a = one(cluster() + newer + older, "web/client", "tcp://db.shop:5432", tcp());
  assert.deepEqual([a.route, a.backend, a.backends.map((b) => `${b.name}:${b.weight}`).join()], ["TCPRoute web/zz-consumer", "shop/api-v2", "shop/api:1,shop/api-v2:3"]);
  assert.match(a.candidates.find((c) => c.route === "TCPRoute shop/aa-producer")?.outcome ?? "", /only the oldest TCPRoute/);
  assert.equal(one(cluster() + newer + older, "ops/client", "tcp://db.shop:5432", tcp()).route, "TCPRoute shop/aa-producer", "another namespace's clients: the producer route alone");
  const twoRules = l4("shop", "two", "TCPRoute", DB(), to("api-v2", 80)).replace("  rules:\n", `  rules:\n  - backendRefs: [${to("api", 80)}]\n`);
  const b = one(cluster() + twoRules, "web/client", "tcp://db.shop:5432", tcp());
  assert.deepEqual([b.route, b.backend], [undefined, "shop/db"], "tcp.rs convert_route: \"TCPRoute needs to have one rule\"");
  assert.match(b.candidates.map((c) => c.outcome).join("\n"), /exactly one rule/);
});

test("without appProtocol Linkerd's proxy takes HTTPRoutes over TCPRoutes; with TCPRoutes alone every connection, HTTP included, follows the TCPRoute", () => {
  const tcpRoute = l4("shop", "raw", "TCPRoute", DB(), to("api-v2", 80));
  const httpRoute = meshRoute("shop", "h", DB(), `  rules: [{backendRefs: [${to("api", 80)}]}]`);
  const both = cluster() + tcpRoute + httpRoute;
  assert.deepEqual([one(both, "web/client", "http://db.shop:8000/").route, one(both, "web/client", "http://db.shop:8000/").backend], ["HTTPRoute shop/h", "shop/api"]);
  const raw = one(both, "web/client", "tcp://db.shop:8000", tcp());
  assert.deepEqual([raw.route, raw.backend], [undefined, "shop/db"], "no HTTP detected: the opaque default route to the Service");
  const alone = one(cluster() + tcpRoute, "web/client", "http://db.shop:8000/p");
  assert.deepEqual([alone.route, alone.backend, alone.status], ["TCPRoute shop/raw", "shop/api-v2", 200]);
});

test("a Linkerd client's proxy routes a TLS connection by its SNI over the port's TLSRoutes; a plaintext one or an unknown SNI fails", () => {
  // grpc/src/outbound.rs to_proto (no appProtocol): `else if !tls_routes.is_empty() { tls::protocol(...) }`; linkerd2-proxy
  // linkerd/app/outbound/src/tls.rs NewDetectRequiredSni (NoSniFoundError), linkerd/tls/route/src/lib.rs find (an exact SNI
  // over a suffix, a route without hostnames last; no match: no route).
  const exact = l4("shop", "exact", "TLSRoute", DB(), to("api-v2", 80), `  hostnames: [db.example.com]\n`);
  const wild = l4("shop", "wild", "TLSRoute", DB(), to("api", 80), `  hostnames: ["*.example.com"]\n`);
  const yaml = cluster() + exact + wild;
  const tls = (sni: string) => one(yaml, "web/client", "tcp://db.shop:8000", { scheme: "tls", sni });
  assert.deepEqual([tls("db.example.com").route, tls("db.example.com").backend], ["TLSRoute shop/exact", "shop/api-v2"]);
  assert.deepEqual([tls("a.b.example.com").route, tls("a.b.example.com").backend], ["TLSRoute shop/wild", "shop/api"], "a suffix matches any depth");
  const none = tls("db.other.org");
  assert.deepEqual([none.connection, none.backend], ["failed", null]);
  assert.match(none.reason ?? "", /no TLSRoute bound to Service shop\/db port 8000 matches SNI db\.other\.org/);
  const plain = one(yaml, "web/client", "http://db.shop:8000/");
  assert.deepEqual([plain.connection, plain.status], ["failed", null]);
  assert.match(plain.reason ?? "", /NoSniFoundError/);
  const any = one(cluster() + l4("shop", "any", "TLSRoute", DB(), to("api-v2", 80)) + exact, "web/client", "tcp://db.shop:8000", { scheme: "tls", sni: "x.org" });
  assert.equal(any.route, "TLSRoute shop/any", "a route without hostnames takes any SNI");
  const opaque = one(cluster() + exact, "web/client", "tcp://db.shop:5432", { scheme: "tls", sni: "db.example.com" });
  assert.deepEqual([opaque.route, opaque.backend], [undefined, "shop/db"], "an opaque port reads TCPRoutes only");
});

test("a Linkerd TCPRoute backend that does not exist fails the connections sent to it", () => {
  // grpc/src/outbound/tcp.rs convert_backend: `Backend::Service(svc) => invalid_backend(..., "Service not found ...")`, an Invalid filter.
  const a = one(cluster() + l4("shop", "pg", "TCPRoute", DB(), to("ghost", 80)), "web/client", "tcp://db.shop:5432", tcp());
  assert.deepEqual([a.connection, a.backend], ["failed", null]);
  assert.match(a.reason ?? "", /TCPRoute shop\/pg: .*ghost.*fails the connection/);
});
