// Below and around HTTP: HTTPS listener selection by SNI and 421, TLS passthrough by SNI, TCP and
// UDP by port (the oldest route wins), gRPC method matching.

import { test } from "node:test";
import assert from "node:assert/strict";
import { gateway, route } from "./fixture.js";

const l4Route = (kind: string, name: string, parent: string, backend: string, extra = "", version = "v1alpha2") => `---
apiVersion: gateway.networking.k8s.io/${version}
kind: ${kind}
metadata: {name: ${name}, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra${parent}}]
${extra}  rules: [{backendRefs: [{name: ${backend}, port: 80}]}]
`;

test("TLS passthrough: SNI picks the TLSRoute with the most specific hostname; no match closes the connection", () => {
  const yaml = gateway(["{name: tls, port: 443, protocol: TLS, hostname: '*.example.com', tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}"])
    + l4Route("TLSRoute", "wild", "", "v1", "  hostnames: ['*.example.com']\n", "v1")
    + l4Route("TLSRoute", "exact", "", "v2", "  hostnames: [abc.example.com]\n", "v1");
  const abc = route(yaml, { scheme: "tls", port: 443, sni: "abc.example.com" });
  assert.equal(abc.backend, "apps/v2");
  assert.deepEqual(abc.upstream, { tls: true, sni: "abc.example.com" });
  assert.equal(route(yaml, { scheme: "tls", port: 443, sni: "x.example.com" }).backend, "apps/v1");
  assert.equal(route(yaml, { scheme: "tls", port: 443, sni: "example.org" }).connection, "rejected");
});

test("TCP and UDP: by port; two routes on one listener are both attached, the oldest takes the traffic", () => {
  const yaml = gateway(["{name: tcp, port: 9000, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}", "{name: udp, port: 53, protocol: UDP, allowedRoutes: {namespaces: {from: All}}}"])
    + l4Route("TCPRoute", "first", ", sectionName: tcp", "v1") + l4Route("TCPRoute", "second", ", sectionName: tcp", "v2")
    + l4Route("UDPRoute", "dns", ", sectionName: udp", "dns")
    + "---\napiVersion: v1\nkind: Service\nmetadata: {name: dns, namespace: apps}\nspec: {selector: {app: dns}, ports: [{port: 80, protocol: UDP}]}\n";
  assert.equal(route(yaml, { scheme: "tcp", port: 9000 }).backend, "apps/v1");
  assert.equal(route(yaml, { scheme: "udp", port: 53 }).backend, "apps/dns");
  assert.equal(route(yaml, { scheme: "udp", port: 9000 }).connection, "rejected");
});

const CERT_GW = (listeners: string[]) => gateway(listeners).replace("listeners:", "listeners:") + `---
apiVersion: v1
kind: ConfigMap
metadata: {name: unused, namespace: infra}
data: {}
`;

test("HTTPS: a listener without a usable certificate refuses connections", () => {
  const yaml = CERT_GW(["{name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: missing}]}, allowedRoutes: {namespaces: {from: All}}}"]);
  assert.equal(route(yaml, { scheme: "https", host: "a.com" }).connection, "failed");
});

test("gRPC: service and method match exactly; an unmatched method is UNIMPLEMENTED", () => {
  const yaml = gateway(["{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"]) + `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - {matches: [{method: {service: shop.Cart, method: Add}}], backendRefs: [{name: v1, port: 80}]}
  - {matches: [{method: {service: shop.Cart}}], backendRefs: [{name: v2, port: 80}]}
`;
  const call = (m: string) => route(yaml, { protocol: "grpc", method: "POST", path: `/shop.Cart/${m}` });
  assert.equal(call("Add").backend, "apps/v1");
  assert.equal(call("Add").grpcCode, "OK");
  assert.equal(call("Remove").backend, "apps/v2");
  const none = route(yaml, { protocol: "grpc", method: "POST", path: "/shop.Other/Add" });
  assert.equal(none.grpcCode, "UNIMPLEMENTED");
  assert.equal(none.backend, null);
});
