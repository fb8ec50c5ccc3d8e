// Envoy Gateway's GRPCRoute method matches (envoyproxy/gateway v1.9.0 internal/gatewayapi/route.go
// processGRPCRouteMethodExact, processGRPCRouteMethodRegularExpression): where they differ from the
// expressions Istio writes (createGRPCURIMatch), which Junction read them as.

import { test } from "node:test";
import assert from "node:assert/strict";
import { envoyGateway, gateway, HTTP_ALL, route } from "./fixture.js";

const grpcRoute = (match: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - matches: [{method: ${match}}]
    backendRefs: [{name: v1, port: 80}]
  - backendRefs: [{name: v2, port: 80}]
`;
const call = (gw: string, match: string, path: string) => route(gw + grpcRoute(match), { path, protocol: "grpc", method: "POST", headers: [["content-type", "application/grpc"]] }).backend;
const EG = envoyGateway([HTTP_ALL]), OTHER = gateway([HTTP_ALL]);

test("a RegularExpression method alone: Envoy Gateway's service expression validServiceName, whose (?i) makes the method case-insensitive too (was: [^/]+, case-sensitive)", () => {
  assert.equal(call(EG, "{type: RegularExpression, method: Get}", "/foo.Svc/get"), "apps/v1", "was apps/v2");
  assert.equal(call(EG, "{type: RegularExpression, method: Get}", "/my-svc/Get"), "apps/v2", "\"-\" is no service name character (was apps/v1)");
  assert.equal(call(EG, "{type: RegularExpression, method: Get}", "/foo.Svc/Get"), "apps/v1");
  assert.equal(call(OTHER, "{type: RegularExpression, method: Get}", "/foo.Svc/get"), "apps/v2", "another implementation: Istio's expression");
});

test("a RegularExpression service alone: validMethodName [A-Za-z_][A-Za-z_0-9]* (was: .+)", () => {
  assert.equal(call(EG, "{type: RegularExpression, service: foo.Svc}", "/foo.Svc/Get-x"), "apps/v2", "was apps/v1");
  assert.equal(call(EG, "{type: RegularExpression, service: foo.Svc}", "/foo.Svc/Get_2"), "apps/v1");
  assert.equal(call(OTHER, "{type: RegularExpression, service: foo.Svc}", "/foo.Svc/Get-x"), "apps/v1");
});

test("an Exact method alone is a \":path\" suffix \"/method\" on Envoy Gateway (was: /[^/]+/method)", () => {
  assert.equal(call(EG, "{type: Exact, method: Get}", "/a/b/Get"), "apps/v1", "was apps/v2");
  assert.equal(call(EG, "{type: Exact, method: Get}", "/foo.Svc/Get"), "apps/v1");
  assert.equal(call(EG, "{type: Exact, method: Get}", "/foo.Svc/XGet"), "apps/v2");
  assert.equal(call(OTHER, "{type: Exact, method: Get}", "/a/b/Get"), "apps/v2");
});
