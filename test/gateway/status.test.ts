// Status as a conformant controller writes it: listener validation, route attachment and its
// reasons, attachedRoutes, ReferenceGrant and backend references, observedGeneration.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cond, gateway, httpRoute, HTTP_ALL, route, statusOf } from "./fixture.js";

const backend = "  rules: [{backendRefs: [{name: v1, port: 80}]}]";

test("a route without sectionName attaches to every listener and counts on each", () => {
  const yaml = gateway([HTTP_ALL, "{name: alt, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"]) + httpRoute("r", backend);
  const gw = statusOf(yaml, "Gateway", "infra/gw");
  assert.deepEqual(gw.listeners.map((l: any) => l.attachedRoutes), [1, 1]);
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/r").parents[0].conditions, "Accepted"), "True/Accepted");
});

test("sectionName or port that names no listener: Accepted False / NoMatchingParent", () => {
  const wrongSection = gateway([HTTP_ALL]) + httpRoute("r", backend).replace("namespace: infra}", "namespace: infra, sectionName: nope}");
  assert.equal(cond(statusOf(wrongSection, "HTTPRoute", "apps/r").parents[0].conditions, "Accepted"), "False/NoMatchingParent");
  const wrongPort = gateway([HTTP_ALL]) + httpRoute("r", backend).replace("namespace: infra}", "namespace: infra, sectionName: http, port: 81}");
  assert.equal(cond(statusOf(wrongPort, "HTTPRoute", "apps/r").parents[0].conditions, "Accepted"), "False/NoMatchingParent");
  assert.equal(statusOf(wrongPort, "Gateway", "infra/gw").listeners[0].attachedRoutes, 0);
});

test("a namespace or kind the listener does not allow: NotAllowedByListeners, ResolvedRefs still True", () => {
  const same = gateway(["{name: http, port: 80, protocol: HTTP}"]) + httpRoute("r", backend);
  const s = statusOf(same, "HTTPRoute", "apps/r").parents[0].conditions;
  assert.equal(cond(s, "Accepted"), "False/NotAllowedByListeners");
  assert.equal(cond(s, "ResolvedRefs"), "True/ResolvedRefs");
  const selector = gateway(["{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {role: apps}}}}}"]) + httpRoute("r", backend);
  assert.equal(cond(statusOf(selector, "HTTPRoute", "apps/r").parents[0].conditions, "Accepted"), "True/Accepted");
  const kinds = gateway(["{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}, kinds: [{kind: GRPCRoute}]}}"]) + httpRoute("r", backend);
  assert.equal(cond(statusOf(kinds, "HTTPRoute", "apps/r").parents[0].conditions, "Accepted"), "False/NotAllowedByListeners");
});

test("hostnames that intersect no listener: NoMatchingListenerHostname, not counted", () => {
  const yaml = gateway(["{name: http, port: 80, protocol: HTTP, hostname: '*.example.com', allowedRoutes: {namespaces: {from: All}}}"])
    + httpRoute("ok", `  hostnames: [a.example.com, other.org]\n${backend}`) + httpRoute("wild", `  hostnames: ['*.com']\n${backend}`)
    + httpRoute("bad", `  hostnames: [example.com, a.example.org]\n${backend}`);
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/ok").parents[0].conditions, "Accepted"), "True/Accepted");
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/wild").parents[0].conditions, "Accepted"), "True/Accepted");
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/bad").parents[0].conditions, "Accepted"), "False/NoMatchingListenerHostname");
  assert.equal(statusOf(yaml, "Gateway", "infra/gw").listeners[0].attachedRoutes, 2);
});

test("unsupported protocols and invalid route kinds", () => {
  const only = gateway(["{name: x, port: 1111, protocol: SCTP}"]);
  const g1 = statusOf(only, "Gateway", "infra/gw");
  assert.equal(cond(g1.conditions, "Accepted"), "False/ListenersNotValid");
  assert.equal(cond(g1.listeners[0].conditions, "Accepted"), "False/UnsupportedProtocol");
  assert.deepEqual(g1.listeners[0].supportedKinds, []);
  const mixed = gateway([HTTP_ALL, "{name: x, port: 1111, protocol: SCTP}", "{name: k, port: 81, protocol: HTTP, allowedRoutes: {kinds: [{kind: TCPRoute}, {kind: HTTPRoute}]}}"]);
  const g2 = statusOf(mixed, "Gateway", "infra/gw");
  assert.equal(cond(g2.conditions, "Accepted"), "True/ListenersNotValid");
  assert.equal(cond(g2.listeners[2].conditions, "ResolvedRefs"), "False/InvalidRouteKinds");
  assert.deepEqual(g2.listeners[2].supportedKinds.map((k: any) => k.kind), ["HTTPRoute"]);
});

test("listeners sharing a port with incompatible protocols conflict", () => {
  const g = statusOf(gateway(["{name: a, port: 80, protocol: HTTP}", "{name: b, port: 80, protocol: TCP}"]), "Gateway", "infra/gw");
  assert.equal(cond(g.listeners[0].conditions, "Conflicted"), "True/ProtocolConflict");
  assert.equal(cond(g.listeners[1].conditions, "Accepted"), "False/ProtocolConflict");
});

const SECRET = (ns: string) => `---
apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: '${ns}'}
data: {tls.crt: SGVsbG8K, tls.key: SGVsbG8K}
`;

test("certificate references: missing, malformed, cross-namespace without a grant", () => {
  const https = (ref: string) => gateway([`{name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [${ref}]}}`]);
  const missing = statusOf(https("{name: nope}"), "Gateway", "infra/gw").listeners[0];
  assert.equal(cond(missing.conditions, "ResolvedRefs"), "False/InvalidCertificateRef");
  assert.equal(cond(missing.conditions, "Programmed"), "False/Invalid");
  assert.equal(cond(statusOf(https("{name: cert}") + SECRET("infra"), "Gateway", "infra/gw").listeners[0].conditions, "ResolvedRefs"), "False/InvalidCertificateRef");
  assert.equal(cond(statusOf(https("{name: cert, namespace: other}") + SECRET("other"), "Gateway", "infra/gw").listeners[0].conditions, "ResolvedRefs"), "False/RefNotPermitted");
});

const GRANT = (to: string, ns = "other") => `---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: '${ns}'}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}]
  to: [${to}]
`;

test("ReferenceGrant: lives in the target namespace; from and to must both match; no name grants every object", () => {
  const r = gateway([HTTP_ALL]) + httpRoute("r", "  rules: [{backendRefs: [{name: elsewhere, namespace: other, port: 80}]}]");
  const resolved = (yaml: string) => cond(statusOf(yaml, "HTTPRoute", "apps/r").parents[0].conditions, "ResolvedRefs");
  assert.equal(resolved(r), "False/RefNotPermitted");
  assert.equal(resolved(r + GRANT("{group: '', kind: Service, name: elsewhere}")), "True/ResolvedRefs");
  assert.equal(resolved(r + GRANT("{group: '', kind: Service}")), "True/ResolvedRefs");
  assert.equal(resolved(r + GRANT("{group: '', kind: Service, name: another}")), "False/RefNotPermitted");
  assert.equal(resolved(r + GRANT("{group: '', kind: Secret}")), "False/RefNotPermitted");
  assert.equal(resolved(r + GRANT("{group: '', kind: Service}", "apps")), "False/RefNotPermitted");
  assert.equal(cond(statusOf(r, "HTTPRoute", "apps/r").parents[0].conditions, "Accepted"), "True/Accepted");
});

test("backend references: BackendNotFound, InvalidKind; empty backendRefs stay resolved", () => {
  const resolved = (rules: string) => cond(statusOf(gateway([HTTP_ALL]) + httpRoute("r", rules), "HTTPRoute", "apps/r").parents[0].conditions, "ResolvedRefs");
  assert.equal(resolved("  rules: [{backendRefs: [{name: missing, port: 80}]}]"), "False/BackendNotFound");
  assert.equal(resolved("  rules: [{backendRefs: [{name: v1, port: 81}]}]"), "False/BackendNotFound");
  assert.equal(resolved("  rules: [{backendRefs: [{group: example.com, kind: Thing, name: v1}]}]"), "False/InvalidKind");
  assert.equal(resolved("  rules: [{backendRefs: []}]"), "True/ResolvedRefs");
  assert.equal(resolved("  rules: [{backendRefs: [{group: junction.dev, kind: Workload, name: vm, port: 80}]}]"), "False/BackendNotFound");
});

test("conditions carry metadata.generation as observedGeneration", () => {
  const yaml = gateway([HTTP_ALL]).replace("name: gw, namespace: infra}", "name: gw, namespace: infra, generation: 4}") + httpRoute("r", backend, ", generation: 7");
  for (const c of statusOf(yaml, "Gateway", "infra/gw").conditions) assert.equal(c.observedGeneration, 4);
  for (const c of statusOf(yaml, "HTTPRoute", "apps/r").parents[0].conditions) assert.equal(c.observedGeneration, 7);
});

test("a missing GatewayClass is assumed accepted; a route to a missing Gateway is not accepted", () => {
  const yaml = gateway([HTTP_ALL]).replace("gatewayClassName: test", "gatewayClassName: absent") + httpRoute("r", backend).replace("name: gw,", "name: nogw,");
  assert.equal(cond(statusOf(yaml, "Gateway", "infra/gw").conditions, "Accepted"), "True/Accepted");
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/r").parents[0].conditions, "Accepted"), "False/NoMatchingParent");
});

test("an HTTPRoute and a GRPCRoute sharing hostnames on a listener: only the older is accepted, the other leaves the listener", () => {
  // apis/v1/grpcroute_types.go GRPCRouteSpec.Hostnames: "the implementation MUST accept exactly one of these two routes
  // ... The oldest Route based on creation timestamp ... The rejected Route MUST raise an 'Accepted' condition with a
  // status of 'False'". Before: both accepted, and gRPC calls reached the GRPCRoute's backend.
  const grpc = (name: string, created: string, hostnames: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: ${name}, namespace: apps, creationTimestamp: "${created}"}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  hostnames: [${hostnames}]
  rules: [{backendRefs: [{name: v2, port: 80}]}]
`;
  const http = httpRoute("web", "  hostnames: [\"*.example.com\"]\n  rules: [{matches: [{path: {value: /web}}], backendRefs: [{name: v1, port: 80}]}]", ", creationTimestamp: \"2024-01-01T00:00:00Z\"");
  const yaml = gateway([HTTP_ALL]) + http + grpc("late", "2024-06-01T00:00:00Z", "api.example.com") + grpc("early", "2023-01-01T00:00:00Z", "other.test") + grpc("apart", "2025-01-01T00:00:00Z", "api.example.org");
  assert.equal(cond(statusOf(yaml, "GRPCRoute", "apps/late").parents[0].conditions, "Accepted"), "False/HostnameConflict");
  assert.equal(cond(statusOf(yaml, "GRPCRoute", "apps/early").parents[0].conditions, "Accepted"), "True/Accepted", "no hostname in common");
  assert.equal(cond(statusOf(yaml, "GRPCRoute", "apps/apart").parents[0].conditions, "Accepted"), "True/Accepted");
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/web").parents[0].conditions, "Accepted"), "True/Accepted");
  const call = route(yaml, { host: "api.example.com", protocol: "grpc", method: "POST", path: "/svc.Echo/Call" });
  assert.equal(call.backend, null, "the HTTPRoute's rules decide: no match");
  assert.equal(route(yaml, { host: "api.example.org", protocol: "grpc", method: "POST", path: "/svc.Echo/Call" }).backend, "apps/v2");
  // The older GRPCRoute wins over a newer HTTPRoute.
  const older = gateway([HTTP_ALL]) + http + grpc("first", "2020-01-01T00:00:00Z", "api.example.com");
  assert.equal(cond(statusOf(older, "HTTPRoute", "apps/web").parents[0].conditions, "Accepted"), "False/HostnameConflict");
  assert.equal(route(older, { host: "api.example.com", path: "/web" }).status, 404);
});
