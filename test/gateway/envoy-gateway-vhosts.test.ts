// Envoy Gateway v1.9.0 writes one route configuration for the plain HTTP listeners of a port (of a
// Gateway, or of every Gateway of a merged class), a virtual host per listener and IR route hostname
// (internal/xds/translator/translator.go addRouteToRouteConfig; the hostnames of
// internal/gatewayapi/helpers.go computeHosts), and Envoy refuses a route configuration whose domain
// is in two virtual hosts ("Only unique values for domains are permitted. Duplicate entry of domain",
// config_impl.cc RouteMatcher). Junction routed such requests as if each listener had its own.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { BASE, route } from "./fixture.js";
import { cli, tempFiles } from "../helpers.js";

const EG = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n";
const all = "allowedRoutes: {namespaces: {from: All}}";
const gw = (name: string, listeners: string[], className = "eg", created = "2026-01-01T00:00:00Z") => `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: infra, creationTimestamp: "${created}"}
spec:
  gatewayClassName: ${className}
  listeners:
${listeners.map((l) => `  - ${l}`).join("\n")}
`;
const httpRoute = (name: string, parent: string, hostnames: string[], backend: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: apps}
spec:
  parentRefs: [${parent}]
  hostnames: [${hostnames.map((h) => `"${h}"`).join(", ")}]
  rules: [{backendRefs: [{name: ${backend}, port: 80}]}]
`;
// Two listeners on port 80 whose hostnames both cover x.a.example.com; route `both` has no sectionName.
const LISTENERS = [`{name: wide, port: 80, protocol: HTTP, hostname: '*.example.com', ${all}}`, `{name: narrow, port: 80, protocol: HTTP, hostname: '*.a.example.com', ${all}}`];
const OTHER = httpRoute("other", "{name: gw, namespace: infra, sectionName: wide}", ["www.example.com"], "v2");

test("Envoy Gateway: a route attached to two plain HTTP listeners of a port whose hostnames both cover its hostname puts that domain in two virtual hosts of the port's one route configuration: Envoy refuses it, every request on the port answers 404", () => {
  const dup = EG + gw("gw", LISTENERS) + httpRoute("both", "{name: gw, namespace: infra}", ["x.a.example.com"], "v1") + OTHER;
  const x = route(dup, { host: "x.a.example.com" });
  assert.equal(x.status, 404);
  assert.match(x.reason, /^Envoy refuses the route configuration of the plain HTTP listeners on port 80: .* x\.a\.example\.com is a domain of listener infra\/gw\/wide's \(HTTPRoute apps\/both\) and of listener infra\/gw\/narrow's \(HTTPRoute apps\/both\) \("Only unique values for domains are permitted\. Duplicate entry of domain x\.a\.example\.com"\)/);
  // Another route's host on the port: the same refused configuration.
  assert.equal(route(dup, { host: "www.example.com" }).status, 404);
  // Pinned to one listener (sectionName): one virtual host, routed.
  const pinned = EG + gw("gw", LISTENERS) + httpRoute("both", "{name: gw, namespace: infra, sectionName: narrow}", ["x.a.example.com"], "v1") + OTHER;
  assert.deepEqual([route(pinned, { host: "x.a.example.com" }).backend, route(pinned, { host: "www.example.com" }).backend], ["apps/v1", "apps/v2"]);
  // Not Envoy Gateway's class: each listener is its own.
  const other = gw("gw", LISTENERS, "test") + httpRoute("both", "{name: gw, namespace: infra}", ["x.a.example.com"], "v1") + OTHER;
  assert.equal(route(other, { host: "x.a.example.com" }).backend, "apps/v1");
  // A hostname another listener of the Gateway on the port has is left out of the wider one's (computeHosts): no duplicate.
  const exact = EG + gw("gw", [LISTENERS[0], `{name: exact, port: 80, protocol: HTTP, hostname: x.a.example.com, ${all}}`]) + httpRoute("both", "{name: gw, namespace: infra}", ["x.a.example.com"], "v1") + OTHER;
  assert.deepEqual([route(exact, { host: "x.a.example.com" }).backend, route(exact, { host: "www.example.com" }).backend], ["apps/v1", "apps/v2"]);
});

test("Envoy Gateway merged Gateways: two Gateways' routes giving one hostname on one plain HTTP port are refused by Envoy (computeHosts leaves out only the route's own Gateway's listener hostnames), via junction route --requests", async () => {
  const merging = "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyProxy\nmetadata: {name: merged, namespace: infra}\nspec: {mergeGateways: true}\n";
  const cls = EG.replace("spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}", "spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller, parametersRef: {group: gateway.envoyproxy.io, kind: EnvoyProxy, name: merged, namespace: infra}}");
  const objects = cls + merging + gw("gw1", [`{name: wild, port: 80, protocol: HTTP, hostname: '*.example.com', ${all}}`])
    + gw("gw2", [`{name: exact, port: 80, protocol: HTTP, hostname: a.example.com, ${all}}`], "eg", "2026-02-01T00:00:00Z")
    + httpRoute("r1", "{name: gw1, namespace: infra}", ["a.example.com", "b.example.com"], "v1") + httpRoute("r2", "{name: gw2, namespace: infra}", [], "v2");
  const t = tempFiles({ "in.yaml": BASE + objects, "reqs.yaml": "- {gateway: infra/gw2, host: a.example.com, path: /}\n- {gateway: infra/gw1, host: b.example.com, path: /}\n" });
  try {
    const out = await cli(["route", "-f", join(t.dir, "in.yaml"), "--requests", join(t.dir, "reqs.yaml"), "-o", "json", "-q"]);
    const res = (JSON.parse(out.out) as { results: { status: number; backend: string | null; reason: string }[] }).results;
    assert.deepEqual(res.map((r) => [r.status, r.backend]), [[404, null], [404, null]]);
    assert.match(res[0].reason, /a\.example\.com is a domain of listener infra\/gw1\/wild's \(HTTPRoute apps\/r1\) and of listener infra\/gw2\/exact's \(HTTPRoute apps\/r2\)/);
  } finally { t.cleanup(); }
  // Without r1's a.example.com, each host has one virtual host.
  const apart = objects.replace('hostnames: ["a.example.com", "b.example.com"]', 'hostnames: ["b.example.com"]');
  assert.deepEqual([route(apart, { gateway: "infra/gw2", host: "a.example.com" }).backend, route(apart, { gateway: "infra/gw1", host: "b.example.com" }).backend], ["apps/v2", "apps/v1"]);
});

test("compile --target nginx refuses a Gateway of Envoy Gateway whose port's route configuration Envoy refuses for a duplicate domain (the engine answers 404)", async () => {
  const compile = async (yaml: string) => {
    // Services with a clusterIP for nginx to send to.
    const t = tempFiles({ "in.yaml": BASE.replace(/spec: \{selector: \{app: v(\d)\}/g, "spec: {clusterIP: 10.96.0.$1, selector: {app: v$1}") + yaml });
    try { return await cli(["compile", "-f", join(t.dir, "in.yaml"), "--target", "nginx", "--gateway", "infra/gw"]); } finally { t.cleanup(); }
  };
  const dup = await compile(EG + gw("gw", LISTENERS) + httpRoute("both", "{name: gw, namespace: infra}", ["x.a.example.com"], "v1") + OTHER);
  assert.equal(dup.code, 2);
  assert.match(dup.err, /Gateway infra\/gw: nginx cannot express a route configuration Envoy refuses: Envoy refuses the route configuration of the plain HTTP listeners on port 80: .*Duplicate entry of domain x\.a\.example\.com.*: nginx has no such configuration to refuse/);
  const pinned = await compile(EG + gw("gw", LISTENERS) + httpRoute("both", "{name: gw, namespace: infra, sectionName: narrow}", ["x.a.example.com"], "v1") + OTHER);
  assert.equal(pinned.code, 0, pinned.err);
});
