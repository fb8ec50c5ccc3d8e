// TLSRoutes and TCPRoutes with Service parents, as an Istio sidecar client applies them: pilot converts
// them into VirtualServices' tcp and tls routes for the mesh gateway (pilot/pkg/config/kube/gateway/
// route_collections.go TCPRouteCollection, TLSRouteCollection; conversion.go convertTCPRoute,
// convertTLSRoute, augmentTLSPortMatch), and the sidecar's outbound listener picks a filter chain by
// the port's protocol (pilot/pkg/networking/core/listener.go, tls.go): a TLS or HTTPS port matches
// TLSRoutes by SNI, a TCP port (or a sniffed one, for what is not HTTP) takes the first TCPRoute.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { RouteRequest } from "../../src/model/request.js";
import { API_V2, CLUSTER, meshRoute, one, withProxy } from "./fixture.js";
import { waypointGateway } from "../l7/fixture.js";

/** Service shop/store: 6379 named tcp-redis (TCP), 8443 named tls (TLS), 9000 without a protocol (sniffed). */
const STORE = `---
apiVersion: v1
kind: Service
metadata: {name: store, namespace: shop}
spec: {selector: {app: api, version: v1}, clusterIP: 10.96.0.30, ports: [{name: tcp-redis, port: 6379, targetPort: 8080}, {name: tls, port: 8443, targetPort: 8080}, {name: sniffed, port: 9000, targetPort: 8080}]}
`;
const cluster = (proxy = "istio-proxy") => withProxy(proxy, ["web", "ops", "shop"]) + STORE;
const STORE_PARENT = (port?: number) => `{group: '', kind: Service, name: store${port ? `, port: ${port}` : ""}}`;
const to = (svc: string, port: number, weight = 1) => `{name: ${svc}, namespace: shop, port: ${port}, weight: ${weight}}`;
const l4 = (ns: string, name: string, kind: "TCPRoute" | "TLSRoute", parents: string, backends: string, extra = "") =>
  meshRoute(ns, name, parents, `${extra}  rules:\n  - backendRefs: [${backends}]`, kind).replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2");
const aged = (yaml: string, ts: string) => yaml.replace(/metadata: \{name: (\S+), namespace: (\w+)\}\nspec:\n  parentRefs/, `metadata: {name: $1, namespace: $2, creationTimestamp: "${ts}"}\nspec:\n  parentRefs`);
const tcp = (extra: Partial<RouteRequest> = {}): Partial<RouteRequest> => ({ scheme: "tcp", ...extra });

test("an Istio client's TCP connection takes the first TCPRoute bound to the port (oldest first), on a TCP port and on a sniffed one; without one, the Service", () => {
  const yaml = cluster() + aged(l4("shop", "newer", "TCPRoute", STORE_PARENT(), to("api", 80)), "2024-06-01T00:00:00Z") + aged(l4("shop", "older", "TCPRoute", STORE_PARENT(), to("api-v2", 80)), "2024-01-01T00:00:00Z");
  for (const port of [6379, 9000]) {
    const a = one(yaml, "web/client", `tcp://store.shop:${port}`, tcp());
    assert.deepEqual([a.route, a.backend, a.routeRole], ["TCPRoute shop/older", "shop/api-v2", "producer"], `port ${port}`);
    assert.match(a.endpoint ?? "", new RegExp(API_V2));
    assert.match(a.candidates.find((c) => c.route === "TCPRoute shop/newer")?.outcome ?? "", /lost: Istio's sidecar takes the first TCPRoute/);
  }
  const none = one(cluster(), "web/client", "tcp://store.shop:6379", tcp());
  assert.deepEqual([none.route, none.backend], [undefined, "shop/store"]);
});

test("on a TCP port an Istio client's HTTP request is bytes to the TCPRoute's backend: HTTPRoutes bound there do not apply; on a sniffed port they do", () => {
  const yaml = cluster() + l4("shop", "t", "TCPRoute", STORE_PARENT(), to("api-v2", 80)) + meshRoute("shop", "h", STORE_PARENT(), `  rules: [{backendRefs: [${to("api", 80)}]}]`);
  const onTcp = one(yaml, "web/client", "http://store.shop:6379/x");
  assert.deepEqual([onTcp.route, onTcp.backend, onTcp.status], ["TCPRoute shop/t", "shop/api-v2", 200]);
  const sniffed = one(yaml, "web/client", "http://store.shop:9000/x");
  assert.deepEqual([sniffed.route, sniffed.backend], ["HTTPRoute shop/h", "shop/api"]);
});

test("a TLS port: TLSRoutes by SNI, the route's hostnames or, without them, the Service's name; no match, or no SNI, fails the connection", () => {
  const yaml = cluster() + l4("shop", "named", "TLSRoute", STORE_PARENT(8443), to("api-v2", 80), "  hostnames: [secure.example.com]\n")
    + l4("shop", "plain", "TLSRoute", STORE_PARENT(8443), to("api", 80));
  const named = one(yaml, "web/client", "https://store.shop:8443/", { scheme: "tls", sni: "secure.example.com" });
  assert.deepEqual([named.route, named.backend], ["TLSRoute shop/named", "shop/api-v2"]);
  const byService = one(yaml, "web/client", "https://store.shop:8443/", { scheme: "tls", sni: "store.shop.svc.cluster.local" });
  assert.deepEqual([byService.route, byService.backend], ["TLSRoute shop/plain", "shop/api"]);
  const other = one(yaml, "web/client", "https://store.shop:8443/", { scheme: "tls", sni: "other.example.com" });
  assert.deepEqual([other.connection, other.backend], ["failed", null]);
  assert.equal(one(yaml, "web/client", "tcp://store.shop:8443", tcp()).connection, "failed", "no ClientHello, no SNI");
  assert.equal(one(yaml, "web/client", "tcp://store.shop:9000", tcp()).backend, "shop/store", "TLSRoutes apply on a TLS port only");
});

test("an Istio TCPRoute rule without weight fails the connection (pilot sends it to a zero-weight destination)", () => {
  const yaml = (proxy: string) => cluster(proxy) + l4("shop", "zero", "TCPRoute", STORE_PARENT(6379), to("api-v2", 80, 0));
  assert.equal(one(yaml("istio-proxy"), "web/client", "tcp://store.shop:6379", tcp()).connection, "failed");
});

test("TCPRoutes of the client's namespace come first; then every namespace's by age, another namespace's consumer route included (pilot reads the host's VirtualServices of every namespace for TCP: istio#46146); a client of no visible mesh sends TCP to the Service", () => {
  const prod = aged(l4("shop", "prod", "TCPRoute", STORE_PARENT(), to("api", 80)), "2024-06-01T00:00:00Z");
  const mine = aged(l4("web", "mine", "TCPRoute", `{group: '', kind: Service, name: store, namespace: shop}`, to("api-v2", 80)), "2024-01-01T00:00:00Z");
  const yaml = cluster() + prod + mine;
  const web = one(yaml, "web/client", "tcp://store.shop:6379", tcp());
  assert.deepEqual([web.route, web.routeRole], ["TCPRoute web/mine", "consumer"]);
  assert.equal(one(yaml, "ops/client", "tcp://store.shop:6379", tcp()).route, "TCPRoute web/mine", "older than the producer's, and not filtered by namespace");
  assert.equal(one(cluster() + prod + mine.replace("2024-01-01", "2025-01-01"), "ops/client", "tcp://store.shop:6379", tcp()).route, "TCPRoute shop/prod");
  assert.equal(one(yaml, "shop/client", "tcp://store.shop:6379", tcp()).route, "TCPRoute shop/prod", "the Service namespace's client: its own namespace's routes first");
  const gamma = CLUSTER + STORE + l4("shop", "prod", "TCPRoute", STORE_PARENT(), to("api", 80));
  assert.equal(one(gamma, "web/client", "tcp://store.shop:6379", tcp()).backend, "shop/store");
});

test("HTTPRoutes on a port Istio reads as TCP do not apply to an Istio client's HTTP request: it goes to the Service, and the answer says why", () => {
  const yaml = cluster() + meshRoute("shop", "h", STORE_PARENT(6379), `  rules: [{backendRefs: [${to("api", 80)}]}]`);
  const a = one(yaml, "web/client", "http://store.shop:6379/x");
  assert.deepEqual([a.route, a.backend, a.status], [undefined, "shop/store", 200]);
  assert.match(a.reason, /reads Service shop\/store port 6379 as TCP \(port name tcp-redis\): the HTTP route bound there does not apply, and no TCPRoute is bound/);
});

test("an ambient client's TCP connection at the Service's waypoint: the first TLSRoute whose one SNI name is the Service's, else the first TCPRoute, of the Service's and the waypoint's namespaces (was: no route)", () => {
  // listener_waypoint.go buildWaypointNetworkFilters, getWaypointTCPRoutes (TLS first, then TCP), getTLSRouteMatch (no SNI matching:
  // only the Service's own host), getVirtualServiceForWaypoint (the Service's namespace and the waypoint's).
  const ambient = CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio.io/dataplane-mode: ambient}}")
    .replace("metadata: {name: shop}", "metadata: {name: shop, labels: {istio.io/use-waypoint: waypoint}}") + STORE;
  const waypoint = "---\n" + waypointGateway("shop");
  const tcpRoutes = aged(l4("shop", "newer", "TCPRoute", STORE_PARENT(), to("api", 80)), "2024-06-01T00:00:00Z") + aged(l4("shop", "older", "TCPRoute", STORE_PARENT(), to("api-v2", 80)), "2024-01-01T00:00:00Z");
  const a = one(ambient + tcpRoutes + waypoint, "web/client", "tcp://store.shop:6379", tcp());
  assert.deepEqual([a.route, a.backend], ["TCPRoute shop/older", "shop/api-v2"], "was: ztunnel, no route, shop/store");
  assert.match(a.layers.find((l) => l.layer === "routing")?.summary ?? "", /at waypoint shop\/waypoint/);
  assert.deepEqual([one(ambient + tcpRoutes, "web/client", "tcp://store.shop:6379", tcp()).backend], ["shop/store"], "no waypoint in the input: ztunnel, no route");
  // A TLSRoute for another name is not matched; one without hostnames (the Service's) wins over the TCPRoutes, whatever the SNI sent.
  const other = l4("shop", "other", "TLSRoute", STORE_PARENT(), to("api", 80), "  hostnames: [secure.example.com]\n");
  const withOther = one(ambient + tcpRoutes + other + waypoint, "web/client", "tcp://store.shop:6379", tcp());
  assert.deepEqual([withOther.route, withOther.backend], ["TCPRoute shop/older", "shop/api-v2"]);
  assert.match(withOther.candidates.find((c) => c.route === "TLSRoute shop/other")?.outcome ?? "", /only when its one SNI name is the Service's store\.shop\.svc\.cluster\.local/);
  const own = l4("shop", "own", "TLSRoute", STORE_PARENT(), to("api", 80));
  assert.deepEqual([one(ambient + tcpRoutes + own + waypoint, "web/client", "https://store.shop:8443/", { scheme: "tls", sni: "secure.example.com" }).route], ["TLSRoute shop/own"]);
  // The client namespace's routes are not the waypoint's to read.
  const consumer = l4("web", "consumer", "TCPRoute", STORE_PARENT().replace("name: store", "name: store, namespace: shop"), to("api-v2", 80));
  assert.deepEqual([one(ambient + consumer + waypoint, "web/client", "tcp://store.shop:6379", tcp()).backend], ["shop/store"]);
});

test("a TLSRoute rule none of whose backendRefs weighs above 0 has no SNI match in pilot's conversion: a sidecar builds no filter chain for it (the route's next weighted rule applies; without one the route is ignored and the connection passes through to the Service), while a waypoint takes it whatever its names and fails the connection (was: the sidecar failed it)", () => {
  // conversion.go convertTLSRoute: "if tcpWeightSum(r.BackendRefs) == 0 { return &istio.TLSRoute{Route: ...zero-weight...} }" (no
  // buildTLSMatch); tls.go buildSidecarOutboundTLSFilterChainOpts: "for _, match := range tls.Match"; listener_waypoint.go
  // getTLSRouteMatch: "if len(rule.Match) == 0 { return rule.Route }".
  const sni = { scheme: "tls" as const, sni: "store.shop.svc.cluster.local" };
  const zero = l4("shop", "zero", "TLSRoute", STORE_PARENT(8443), to("api", 80, 0));
  const a = one(cluster() + zero, "web/client", "https://store.shop:8443/", sni);
  assert.deepEqual([a.connection ?? null, a.route, a.backend], [null, undefined, "shop/store"], "the Service (was: the connection failed)");
  assert.match(a.candidates.find((c) => c.route === "TLSRoute shop/zero")?.outcome ?? "", /ignored: no rule of it has a backendRef of weight above 0/);
  const twoRules = meshRoute("shop", "two", STORE_PARENT(8443), `  rules:\n  - backendRefs: [${to("api", 80, 0)}]\n  - backendRefs: [${to("api-v2", 80)}]`, "TLSRoute").replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2");
  const b = one(cluster() + twoRules, "web/client", "https://store.shop:8443/", sni);
  assert.deepEqual([b.route, b.rule, b.backend], ["TLSRoute shop/two", 1, "shop/api-v2"], "its first weighted rule (was: rule 0, failed)");
  const ambient = CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio.io/dataplane-mode: ambient}}")
    .replace("metadata: {name: shop}", "metadata: {name: shop, labels: {istio.io/use-waypoint: waypoint}}") + STORE + "---\n" + waypointGateway("shop");
  const named = l4("shop", "zero", "TLSRoute", STORE_PARENT(8443), to("api", 80, 0), "  hostnames: [other.example.com]\n");
  const w = one(ambient + named + l4("shop", "t", "TCPRoute", STORE_PARENT(), to("api-v2", 80)), "web/client", "tcp://store.shop:8443", tcp());
  assert.deepEqual([w.route, w.connection], ["TLSRoute shop/zero", "failed"], "the waypoint takes the match-less rule before any TCPRoute, whatever the names (was: the TCPRoute)");
});
