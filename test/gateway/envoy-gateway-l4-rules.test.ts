// envoyproxy/gateway v1.9.0 internal/gatewayapi/route.go processTCPRouteParentRefs and
// processUDPRouteParentRefs: `if len(tcpRoute.Spec.Rules) != 1` sets Accepted False, InvalidRule,
// "One and only one rule is supported", on each parentRef and writes no route: a TCPRoute or UDPRoute
// of several rules (v1alpha2 allows 16) routes nothing on an Envoy Gateway, whose listener then closes
// the connection. Junction sent the connection to the first rule's backends, as Istio does.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cond, gateway, route, statusOf } from "./fixture.js";

const EG_CLASS = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n";
const LISTENERS = ["{name: tcp, port: 9000, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}", "{name: udp, port: 53, protocol: UDP, allowedRoutes: {namespaces: {from: All}}}"];
const l4 = (kind: string, section: string, rules: number) => `---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: ${kind}\nmetadata: {name: r, namespace: apps}\nspec: {parentRefs: [{name: gw, namespace: infra, sectionName: ${section}}], rules: [${Array.from({ length: rules }, (_, i) => `{backendRefs: [{name: v${i + 1}, port: 80}]}`).join(", ")}]}\n`;
const UDP_SVC = "---\napiVersion: v1\nkind: Service\nmetadata: {name: v1, namespace: apps}\nspec: {selector: {app: v1}, ports: [{port: 80, protocol: UDP}]}\n";

test("Envoy Gateway: a TCPRoute or UDPRoute of two rules is not accepted (InvalidRule) and routes nothing: the connection is closed (was: sent to the first rule's backend)", () => {
  const eg = gateway(LISTENERS).replace("gatewayClassName: test", "gatewayClassName: eg") + EG_CLASS;
  const tcp = route(eg + l4("TCPRoute", "tcp", 2), { scheme: "tcp", port: 9000 });
  assert.deepEqual([tcp.connection, tcp.backend], ["rejected", null], tcp.reason);
  assert.match(tcp.reason, /no TCPRoute on listener tcp/);
  assert.equal(cond(statusOf(eg + l4("TCPRoute", "tcp", 2), "TCPRoute", "apps/r").parents[0].conditions, "Accepted"), "False/InvalidRule");
  // processTCPRouteParentRefs `continue`s after it: no ResolvedRefs condition (Junction wrote ResolvedRefs True).
  assert.deepEqual(statusOf(eg + l4("TCPRoute", "tcp", 2), "TCPRoute", "apps/r").parents[0].conditions.map((c: { type: string }) => c.type), ["Accepted"]);
  assert.deepEqual(statusOf(eg + l4("UDPRoute", "udp", 2), "UDPRoute", "apps/r").parents[0].conditions.map((c: { type: string }) => c.type), ["Accepted"]);
  const udp = route(eg + UDP_SVC + l4("UDPRoute", "udp", 2), { scheme: "udp", port: 53 });
  assert.equal(udp.connection, "rejected", udp.reason);
  assert.equal(cond(statusOf(eg + l4("UDPRoute", "udp", 2), "UDPRoute", "apps/r").parents[0].conditions, "Accepted"), "False/InvalidRule");
  // One rule: routed, accepted.
  assert.equal(route(eg + l4("TCPRoute", "tcp", 1), { scheme: "tcp", port: 9000 }).backend, "apps/v1");
  assert.equal(cond(statusOf(eg + l4("TCPRoute", "tcp", 1), "TCPRoute", "apps/r").parents[0].conditions, "Accepted"), "True/Accepted");
});

test("another controller's Gateway: a TCPRoute of two rules sends to its first rule's backends (Istio's reading), accepted", () => {
  const gw = gateway(LISTENERS);
  assert.equal(route(gw + l4("TCPRoute", "tcp", 2), { scheme: "tcp", port: 9000 }).backend, "apps/v1");
  assert.equal(cond(statusOf(gw + l4("TCPRoute", "tcp", 2), "TCPRoute", "apps/r").parents[0].conditions, "Accepted"), "True/Accepted");
});

// route.go processTLSRouteParentRefs writes a TLSRoute's destination with buildResourceMetadata(tlsRoute, nil): no
// section name, so backendtrafficpolicy.go applyTrafficFeatureToRoute (`target.SectionName != nil && ... !=
// r.Destination.Metadata.SectionName`: continue) sets nothing from a policy that targets one of its rules; a
// TCPRoute's destination carries its rule's name (buildResourceMetadata(tcpRoute, tcpRoute.Spec.Rules[0].Name)).
test("Envoy Gateway: a BackendTrafficPolicy targeting a TLSRoute's rule (sectionName) sets nothing, so its connectTimeout 0s unpublishes nothing (was: the Gateway unpublished); a TCPRoute's rule's does", () => {
  const eg = gateway(["{name: tcp, port: 9000, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}", "{name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}"]).replace("gatewayClassName: test", "gatewayClassName: eg") + EG_CLASS;
  const named = (kind: string, section: string) => `---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: ${kind}\nmetadata: {name: r, namespace: apps}\nspec: {parentRefs: [{name: gw, namespace: infra, sectionName: ${section}}], rules: [{name: a, backendRefs: [{name: v1, port: 80}]}]}\n`;
  const zero = (kind: string, extra = "sectionName: a, ") => `---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata: {name: p, namespace: apps}\nspec: {targetRefs: [{group: gateway.networking.k8s.io, kind: ${kind}, name: r, ${extra}}], timeout: {tcp: {connectTimeout: 0s}}}\n`;
  const tls = route(eg + named("TLSRoute", "tls") + zero("TLSRoute"), { scheme: "tls", port: 443, sni: "a.example.com" });
  assert.deepEqual([tls.connection, tls.backend], [undefined, "apps/v1"], tls.reason);
  // The whole TLSRoute targeted: its timeout applies.
  assert.equal(route(eg + named("TLSRoute", "tls") + zero("TLSRoute", ""), { scheme: "tls", port: 443, sni: "a.example.com" }).connection, "rejected");
  const tcp = route(eg + named("TCPRoute", "tcp") + zero("TCPRoute"), { scheme: "tcp", port: 9000 });
  assert.equal(tcp.connection, "rejected");
  assert.match(tcp.reason, /BackendTrafficPolicy apps\/p gives TCPRoute apps\/r rule a a connectTimeout of 0s/);
});

// route.go processTLSRouteParentRefs: "TLSRouteRule has no match criteria, so every rule's backends pool into one
// destination" (a backendRef of weight 0 is skipped); Istio sends to the first rule's.
test("Envoy Gateway pools a TLSRoute's rules' backends in one destination (was: the first rule's only); another controller sends to the first rule's", () => {
  const listeners = ["{name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}"];
  const tls = "---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata: {name: r, namespace: apps}\nspec: {parentRefs: [{name: gw, namespace: infra}], rules: [{backendRefs: [{name: v1, port: 80, weight: 0}]}, {backendRefs: [{name: v2, port: 80}]}]}\n";
  const eg = gateway(listeners).replace("gatewayClassName: test", "gatewayClassName: eg") + EG_CLASS;
  const pooled = route(eg + tls, { scheme: "tls", port: 443, sni: "a.example.com" });
  assert.equal(pooled.backend, "apps/v2", pooled.reason);
  assert.deepEqual(pooled.backends.map((b) => [b.name, b.weight]), [["apps/v1", 0], ["apps/v2", 1]]);
  const first = route(gateway(listeners) + tls, { scheme: "tls", port: 443, sni: "a.example.com" });
  assert.deepEqual([first.connection, first.backend], ["rejected", null]);
  assert.match(first.reason, /every backendRef has weight 0/);
});
