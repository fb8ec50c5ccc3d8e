// Linkerd EgressNetworks (policy.linkerd.io/v1alpha1): a meshed client's connection to an address
// outside the cluster's Services meets the EgressNetwork its policy controller resolves
// (policy-controller/k8s/index/src/outbound/index/egress_network.rs resolve_egress_network), the
// routes whose parent it is, and for what no route takes, its trafficPolicy
// (grpc/src/outbound/http.rs, tcp.rs default_outbound_egress_route: Allow forwards, Deny answers
// 403 or closes the connection).

import { test } from "node:test";
import assert from "node:assert/strict";
import type { RouteRequest } from "../../src/model/request.js";
import { CLUSTER, meshRoute, one, withProxy } from "./fixture.js";

/** The cluster with web/client running `proxy` (a meshed Linkerd client by default). */
const cluster = (proxy = "linkerd-proxy") => withProxy(proxy);

const egress = (ns: string, name: string, policy: "Allow" | "Deny", networks = "", extra = "") => `---
apiVersion: policy.linkerd.io/v1alpha1
kind: EgressNetwork
metadata: {name: ${name}, namespace: ${ns}${extra}}
spec: {trafficPolicy: ${policy}${networks ? `, networks: ${networks}` : ""}}
`;
const EN = (ns: string, name: string, port?: number) => `{group: policy.linkerd.io, kind: EgressNetwork, name: ${name}, namespace: ${ns}${port ? `, port: ${port}` : ""}}`;
const tcp: Partial<RouteRequest> = { scheme: "tcp" };

test("a Linkerd client's connection to an address of a Deny EgressNetwork is refused: 403 over HTTP, a closed connection otherwise; an Allow one goes on", () => {
  const deny = cluster() + egress("linkerd-egress", "all", "Deny");
  const http = one(deny, "web/client", "http://203.0.113.5/x");
  assert.deepEqual([http.status, http.backend, http.decidedBy], [403, null, "routing"]);
  assert.match(http.reason ?? "", /EgressNetwork linkerd-egress\/all's trafficPolicy Deny answers 403/);
  const raw = one(deny, "web/client", "tcp://203.0.113.5:5432", tcp);
  assert.deepEqual([raw.connection, raw.status], ["failed", null]);
  const allow = one(cluster() + egress("linkerd-egress", "all", "Allow"), "web/client", "http://203.0.113.5/x");
  assert.deepEqual([allow.connection ?? null, allow.decidedBy], [null, "backend"]);
  assert.match(allow.layers.map((l) => l.summary).join("\n"), /trafficPolicy Allow forwards it to 203\.0\.113\.5 port 80/);
  const unmeshed = one(CLUSTER + egress("linkerd-egress", "all", "Deny"), "web/client", "http://203.0.113.5/x");
  assert.equal(unmeshed.connection ?? null, null, "a client without a Linkerd proxy meets no EgressNetwork");
  const inside = one(deny, "web/client", "http://10.9.9.9/x");
  assert.equal(inside.status, null, "without networks an EgressNetwork covers only addresses outside the cluster networks");
});

test("an EgressNetwork of the client's own namespace is preferred to the global namespace's; the smallest matching network wins", () => {
  // egress_network.rs resolve_egress_network: `to_pick_from = if !same_ns.is_empty() { same_ns } else { rest }`, then
  // compare_matched_egress_network (the smaller matched network first, then the older, then namespace, name).
  const yaml = cluster() + egress("linkerd-egress", "global", "Allow") + egress("web", "wide", "Deny", "[{cidr: 0.0.0.0/0}]") + egress("web", "narrow", "Allow", "[{cidr: 203.0.113.0/24}]");
  assert.equal(one(yaml, "web/client", "http://203.0.113.5/").status, null, "web/narrow (a /24) allows");
  assert.equal(one(yaml, "web/client", "http://198.51.100.1/").status, 403, "web/wide denies; the global Allow is not considered");
  const except = cluster() + egress("linkerd-egress", "g", "Deny", "[{cidr: 198.51.100.0/24, except: [198.51.100.7/32]}]");
  assert.equal(one(except, "web/client", "http://198.51.100.7/").status, null, "an excepted address is not in the network");
  assert.equal(one(except, "web/client", "http://198.51.100.8/").status, 403);
});

test("routes whose parent is the EgressNetwork take their requests before its trafficPolicy; an EgressNetwork backend is the address dialled", () => {
  // grpc/src/outbound/http.rs protocol: the EgressNetwork's default route comes after its routes; convert_backend: an
  // EgressNetwork backend equal to the parent forwards to the original destination.
  const route = meshRoute("linkerd-egress", "api", EN("linkerd-egress", "all"), `  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{group: policy.linkerd.io, kind: EgressNetwork, name: all}]
  - matches: [{path: {type: PathPrefix, value: /mirror}}]
    backendRefs: [{name: api, namespace: shop, port: 80}]`);
  const yaml = cluster() + egress("linkerd-egress", "all", "Deny") + route;
  const api = one(yaml, "web/client", "http://203.0.113.5/api/v1");
  assert.deepEqual([api.status, api.route, api.connection ?? null], [200, "HTTPRoute linkerd-egress/api", null]);
  assert.match(api.layers.map((l) => l.summary).join("\n"), /connection to 203\.0\.113\.5/);
  const mirror = one(yaml, "web/client", "http://203.0.113.5/mirror");
  assert.deepEqual([mirror.backend, mirror.endpoint?.startsWith("shop/api-v")], ["shop/api", true]);
  const other = one(yaml, "web/client", "http://203.0.113.5/other");
  assert.deepEqual([other.status, other.route], [403, undefined], "no route matches: the Deny default");
  const tcpRoute = meshRoute("linkerd-egress", "db", EN("linkerd-egress", "all", 5432), `  rules:\n  - backendRefs: [{group: policy.linkerd.io, kind: EgressNetwork, name: all}]`, "TCPRoute").replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2");
  const db = one(cluster() + egress("linkerd-egress", "all", "Deny") + tcpRoute, "web/client", "tcp://203.0.113.5:5432", tcp);
  assert.deepEqual([db.connection ?? null, db.route], [null, "TCPRoute linkerd-egress/db"]);
  assert.equal(one(cluster() + egress("linkerd-egress", "all", "Deny") + tcpRoute, "web/client", "tcp://203.0.113.5:6379", tcp).connection, "failed", "another port: the Deny default");
});

test("routes on an EgressNetwork that overlaps the cluster networks are not accepted, and its trafficPolicy still applies", () => {
  // status/src/index.rs network_condition (InClusterNetworkOverlap) and parent_condition_egress_network
  // (egress_net_not_accepted); the outbound index resolves the EgressNetwork all the same.
  const route = meshRoute("linkerd-egress", "api", EN("linkerd-egress", "wide"), `  rules:\n  - backendRefs: [{name: api, namespace: shop, port: 80}]`);
  const yaml = cluster() + egress("linkerd-egress", "wide", "Deny", "[{cidr: 0.0.0.0/0}]") + route;
  const a = one(yaml, "web/client", "http://203.0.113.5/");
  assert.deepEqual([a.status, a.route], [403, undefined]);
  assert.match(a.candidates.map((c) => c.outcome).join("\n"), /does not accept EgressNetwork linkerd-egress\/wide .*overlaps the cluster network 10\.0\.0\.0\/8/);
});

test("of two EgressNetworks matching an address alike, neither with a creationTimestamp, Linkerd's tie-break (namespace, then name) picks one, and the answer notes that the order of applying them would decide (egress_network.rs compare_matched_egress_network)", () => {
  const yaml = cluster() + egress("linkerd-egress", "b-allow", "Allow") + egress("linkerd-egress", "a-deny", "Deny");
  const a = one(yaml, "web/client", "http://203.0.113.5/x");
  assert.equal(a.status, 403, "linkerd-egress/a-deny, first by name");
  assert.ok(a.layers.some((s) => /203\.0\.113\.5 is in EgressNetwork linkerd-egress\/a-deny \(note: neither EgressNetwork linkerd-egress\/a-deny nor EgressNetwork linkerd-egress\/b-allow has a creationTimestamp: applied together they get the same second, and Linkerd's order \(namespace, then name\) puts EgressNetwork linkerd-egress\/a-deny first/.test(s.summary)), JSON.stringify(a.layers));
  const timed = one(cluster() + egress("linkerd-egress", "b-allow", "Allow", "", ", creationTimestamp: '2024-01-01T00:00:00Z'") + egress("linkerd-egress", "a-deny", "Deny"), "web/client", "http://203.0.113.5/x");
  assert.equal(timed.status, null, "b-allow was created in 2024: the older");
  assert.ok(!timed.layers.some((s) => /note:/.test(s.summary)));
});
