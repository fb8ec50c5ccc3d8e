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
import { SERVER } from "../fixtures/tls.js";

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

// Envoy picks the virtual host by domain across the port's one route configuration
// (config_impl.cc RouteMatcher::findVirtualHost: exact, suffix wildcards longest first, then `*`),
// not the most specific listener first: Junction answered the Gateway API's listener precedence.
const at = (name: string, listener: string, hostnames: string[], backend: string) => httpRoute(name, `{name: gw, namespace: infra, sectionName: ${listener}}`, hostnames, backend);
const ANY = `{name: any, port: 80, protocol: HTTP, ${all}}`;
const WILD = `{name: wild, port: 80, protocol: HTTP, hostname: '*.example.com', ${all}}`;

test("Envoy Gateway: a plain HTTP request takes the virtual host Envoy picks by domain across the port's listeners (a route's exact hostname on a listener without hostname beats a *.example.com listener), in either order of the YAML; other classes keep listener precedence", () => {
  const routes = [at("ra", "any", ["a.example.com"], "v1"), at("rb", "wild", [], "v2")];
  for (const [listeners, rs] of [[[ANY, WILD], routes], [[WILD, ANY], [...routes].reverse()]] as const) {
    const yaml = EG + gw("gw", [...listeners]) + rs.join("");
    const a = route(yaml, { host: "a.example.com" });
    assert.deepEqual([a.listener, a.backend], ["any", "apps/v1"]);
    assert.match(a.steps.find((s) => s.stage === "listener")!.outcome, /^any \(HTTP 80\): virtual host a\.example\.com, Envoy's pick by domain/);
    assert.deepEqual([route(yaml, { host: "b.example.com" }).backend, route(yaml, { host: "A.Example.com:80" }).backend], ["apps/v2", "apps/v1"]);
    // No `*` virtual host (ra has a hostname): Envoy answers 404 for a host no domain matches.
    const none = route(yaml, { host: "other.org" });
    assert.deepEqual([none.status, none.backend], [404, null]);
    assert.match(none.reason, /no virtual host of the route configuration of port 80 .* has a domain matching host other\.org/);
    // Another class: the most specific listener (wild) takes a.example.com (HTTPRouteListenerHostnameMatching).
    const other = gw("gw", [...listeners], "test") + rs.join("");
    assert.deepEqual([route(other, { host: "a.example.com" }).listener, route(other, { host: "a.example.com" }).backend], ["wild", "apps/v2"]);
  }
});

test("Envoy Gateway: the longest suffix wildcard domain wins across listeners, `*` takes what no other domain matches, and a listener without routes has no virtual host", () => {
  const narrow = `{name: narrow, port: 80, protocol: HTTP, hostname: '*.a.example.com', ${all}}`;
  // wild's route *.b.a.example.com is a longer suffix than narrow's *.a.example.com.
  const wildcards = EG + gw("gw", [narrow, WILD]) + at("rn", "narrow", [], "v1") + at("rw", "wild", ["*.b.a.example.com"], "v2");
  assert.deepEqual([route(wildcards, { host: "c.b.a.example.com" }).backend, route(wildcards, { host: "c.a.example.com" }).backend], ["apps/v2", "apps/v1"]);
  assert.equal(route(wildcards.replace("spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}", "spec: {controllerName: example.com/other}"), { host: "c.b.a.example.com" }).backend, "apps/v1");
  // wild has no route: its hostname is no domain, the `*` of any's route rc answers b.example.com.
  const catchAll = EG + gw("gw", [WILD, ANY]) + at("rc", "any", [], "v3");
  const b = route(catchAll, { host: "b.example.com" });
  assert.deepEqual([b.listener, b.backend], ["any", "apps/v3"]);
  assert.equal(route(gw("gw", [WILD, ANY], "test") + at("rc", "any", [], "v3"), { host: "b.example.com" }).status, 404);
});

test("Envoy Gateway HTTPS listeners: one filter chain per listener, so the SNI picks the listener first (then the Host within it), not the domain order of plain HTTP", () => {
  const https = (name: string, hostname?: string) => `{name: ${name}, port: 443, protocol: HTTPS, ${hostname ? `hostname: '${hostname}', ` : ""}tls: {certificateRefs: [{name: server}]}, ${all}}`;
  const secret = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: server, namespace: infra}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${SERVER.crt}, tls.key: ${SERVER.key}}\n`;
  const yaml = EG + gw("gw", [https("any"), https("wild", "*.example.com")]) + secret + at("ra", "any", ["a.example.com"], "v1") + at("rb", "wild", [], "v2");
  const a = route(yaml, { scheme: "https", sni: "a.example.com", host: "a.example.com" });
  assert.deepEqual([a.listener, a.backend], ["wild", "apps/v2"]);
});

test("junction route on Envoy Gateway's shared plain HTTP port answers by virtual host domain", async () => {
  const t = tempFiles({ "in.yaml": BASE + EG + gw("gw", [WILD, ANY]) + at("rb", "wild", [], "v2") + at("ra", "any", ["a.example.com"], "v1") });
  try {
    const out = await cli(["route", "-f", join(t.dir, "in.yaml"), "--request", "GET http://a.example.com/", "-o", "json", "-q"]);
    const r = (JSON.parse(out.out) as { results: { listener: string; backend: string }[] }).results[0];
    assert.deepEqual([r.listener, r.backend], ["any", "apps/v1"]);
  } finally { t.cleanup(); }
});

test("compile --target nginx gives a host the listener of Envoy's virtual host on Envoy Gateway's shared plain HTTP port, as the engine does", async () => {
  const t = tempFiles({ "in.yaml": BASE.replace(/spec: \{selector: \{app: v(\d)\}/g, "spec: {clusterIP: 10.96.0.$1, selector: {app: v$1}") + EG + gw("gw", [WILD, ANY]) + at("rb", "wild", [], "v2") + at("ra", "any", ["a.example.com"], "v1") });
  try {
    const out = await cli(["compile", "-f", join(t.dir, "in.yaml"), "--target", "nginx", "--gateway", "infra/gw"]);
    assert.equal(out.code, 0, out.err);
    const server = out.out.split("# listener any, hostname a.example.com\n")[1]?.split(/\n    # listener |\n    server \{/)[0] ?? "";
    assert.match(server, /server_name a\.example\.com;[^]*proxy_pass http:\/\/apps_v1_80/);
  } finally { t.cleanup(); }
});

/** An HTTPRoute on listener `listener` with one rule matching `path` (PathPrefix). */
const ruleAt = (name: string, listener: string, hostnames: string[], path: string, backend: string) => at(name, listener, hostnames, backend).replace("rules: [{backendRefs", `rules: [{matches: [{path: {type: PathPrefix, value: ${path}}}], backendRefs`);

test("Envoy Gateway: a request is matched only against the routes of the virtual host Envoy picked, not every route of the listener whose hostname covers the host (a.example.com/y is 404 there, the *.example.com route's / is another virtual host); other classes weigh every route", () => {
  const routes = ruleAt("r1", "any", ["a.example.com"], "/x", "v1") + ruleAt("r2", "any", ["*.example.com"], "/", "v2") + ruleAt("r3", "any", [], "/", "v3");
  const yaml = EG + gw("gw", [ANY]) + routes;
  assert.deepEqual([route(yaml, { host: "a.example.com", path: "/x" }).backend, route(yaml, { host: "b.example.com", path: "/y" }).backend, route(yaml, { host: "other.org", path: "/y" }).backend], ["apps/v1", "apps/v2", "apps/v3"]);
  const y = route(yaml, { host: "a.example.com", path: "/y" });
  assert.deepEqual([y.status, y.backend], [404, null]);
  assert.match(y.reason, /no rule of the 1 route on listener any, virtual host a\.example\.com matches host a\.example\.com and path \/y/);
  // Another controller: the Gateway API's precedence across every route whose hostname matches (r2 takes /y).
  assert.equal(route(gw("gw", [ANY], "test") + routes, { host: "a.example.com", path: "/y" }).backend, "apps/v2");
});

test("Envoy Gateway HTTPS: a Host of another listener than the SNI's is routed by the SNI listener's route configuration (its virtual host for the Host, else 404), not answered 421; other classes answer 421", () => {
  const https = (name: string, hostname: string) => `{name: ${name}, port: 443, protocol: HTTPS, hostname: '${hostname}', tls: {certificateRefs: [{name: server}]}, ${all}}`;
  const secret = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: server, namespace: infra}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${SERVER.crt}, tls.key: ${SERVER.key}}\n`;
  const listeners = [https("wild", "*.example.com"), https("foo", "foo.example.com"), https("org", "a.example.org")];
  const routes = at("rw", "wild", [], "v1") + at("rf", "foo", [], "v2") + at("ro", "org", [], "v3");
  const yaml = EG + gw("gw", listeners) + secret + routes;
  // SNI bar.example.com (wild), Host foo.example.com: wild's virtual host *.example.com covers it.
  const covered = route(yaml, { scheme: "https", sni: "bar.example.com", host: "foo.example.com" });
  assert.deepEqual([covered.status, covered.listener, covered.backend], [200, "wild", "apps/v1"]);
  // SNI foo.example.com, Host a.example.org: foo's route configuration has no virtual host for it.
  const uncovered = route(yaml, { scheme: "https", sni: "foo.example.com", host: "a.example.org" });
  assert.deepEqual([uncovered.status, uncovered.backend], [404, null]);
  const other = route(gw("gw", listeners, "test") + secret + routes, { scheme: "https", sni: "bar.example.com", host: "foo.example.com" });
  assert.equal(other.status, 421);
});

test("compile --target nginx on Envoy Gateway: a host's server holds only its virtual host's rules (a.example.com/y 404), and a Host another HTTPS listener's routes would answer for its SNI is refused", async () => {
  const withIps = BASE.replace(/spec: \{selector: \{app: v(\d)\}/g, "spec: {clusterIP: 10.96.0.$1, selector: {app: v$1}");
  const t = tempFiles({ "in.yaml": withIps + EG + gw("gw", [ANY]) + ruleAt("r1", "any", ["a.example.com"], "/x", "v1") + ruleAt("r2", "any", ["*.example.com"], "/", "v2") });
  try {
    const out = await cli(["compile", "-f", join(t.dir, "in.yaml"), "--target", "nginx", "--gateway", "infra/gw"]);
    assert.equal(out.code, 0, out.err);
    const server = out.out.split("# listener any, hostname a.example.com\n")[1]?.split(/\n    # listener |\n    server \{/)[0] ?? "";
    assert.match(server, /apps_v1_80/);
    assert.doesNotMatch(server, /apps_v2_80/);
  } finally { t.cleanup(); }
  const https = (name: string, hostname: string) => `{name: ${name}, port: 443, protocol: HTTPS, hostname: '${hostname}', tls: {certificateRefs: [{name: server}]}, ${all}}`;
  const secret = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: server, namespace: infra}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${SERVER.crt}, tls.key: ${SERVER.key}}\n`;
  const t2 = tempFiles({ "in.yaml": withIps + EG + gw("gw", [https("wild", "*.example.com"), https("foo", "foo.example.com")]) + secret + at("rw", "wild", [], "v1") + at("rf", "foo", [], "v2") });
  try {
    const out = await cli(["compile", "-f", join(t2.dir, "in.yaml"), "--target", "nginx", "--gateway", "infra/gw"]);
    assert.equal(out.code, 2);
    assert.match(out.err, /nginx cannot express a Host answered by another HTTPS listener's routes: .*SNI selects listener wild/);
  } finally { t2.cleanup(); }
});
