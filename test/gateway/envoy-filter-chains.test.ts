// Envoy's filter chains of one listener (a port) that match alike: Envoy Gateway writes a chain per HTTPS listener, per
// TLSRoute of a TLS listener, and one without a match (EmptyCluster) for TLS listeners without routes; Envoy refuses
// two chains with the same match or a shared server name (FilterChainManagerImpl), which Envoy Gateway's listener
// conflict checks do not see. Junction answered 200.

import { test } from "node:test";
import assert from "node:assert/strict";
import { SERVER } from "../fixtures/tls.js";
import { egConfig, envoyGateway, gateway, httpRoute, route } from "./fixture.js";

const secret = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: server, namespace: infra}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${SERVER.crt}, tls.key: ${SERVER.key}}\n`;
const all = "allowedRoutes: {namespaces: {from: All}}";
const https = (name: string, hostname?: string) => `{name: ${name}, port: 443, protocol: HTTPS, ${hostname ? `hostname: ${hostname}, ` : ""}tls: {certificateRefs: [{name: server}]}, ${all}}`;
const passthrough = (name: string, hostname: string) => `{name: ${name}, port: 443, protocol: TLS, hostname: ${hostname}, tls: {mode: Passthrough}, ${all}}`;
const tlsRoute = (gw = "gw", section = "pass") => `---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata: {name: t, namespace: apps}\nspec: {parentRefs: [{name: ${gw}, namespace: infra, sectionName: ${section}}], rules: [{backendRefs: [{name: v2, port: 443}]}]}\n`;
const web = httpRoute("web", "  rules: [{backendRefs: [{name: v1, port: 80}]}]");

test("an HTTPS listener without hostname beside a TLS listener without TLSRoute: their filter chains both match nothing, and Envoy refuses the port's listener (was 200)", () => {
  const yaml = envoyGateway([https("web"), passthrough("pass", "db.example.com")]) + secret + web;
  const r = route(yaml, { scheme: "https", host: "a.com" });
  assert.equal(r.status, null);
  assert.match(r.undetermined!, /HTTPS listener infra\/gw\/web and the filter chain without match \(EmptyCluster\) of TLS listener infra\/gw\/pass, which has no TLSRoute match alike \(no match\): Envoy refuses the listener of port 443/);
  // With a TLSRoute the TLS listener's chain matches its SNI: no conflict.
  assert.equal(route(yaml + tlsRoute(), { scheme: "https", host: "a.com" }).status, 200);
  // An HTTPS listener with a hostname: its chain matches it.
  assert.equal(route(envoyGateway([https("web", "a.com"), passthrough("pass", "db.example.com")]) + secret + web, { scheme: "https", host: "a.com" }).status, 200);
  // Another controller: no such Envoy.
  assert.equal(route(gateway([https("web"), passthrough("pass", "db.example.com")]) + secret + web, { scheme: "https", host: "a.com" }).status, 200);
});

test("merged Gateways: an HTTPS listener and a TLS listener of one hostname in two Gateways (validateConflictedMergedListeners compares the protocol too) share server name a.example.com: Envoy refuses the port's listener (was 200)", () => {
  const gw2 = envoyGateway([passthrough("pass", "a.example.com")]).split("---").filter((d) => d.includes("kind: Gateway\n")).join("---").replace("name: gw,", "name: gw2,");
  const yaml = envoyGateway([https("web", "a.example.com")]) + "---" + gw2 + secret + web + tlsRoute("gw2") + egConfig("envoyProxy: {mergeGateways: true}");
  const r = route(yaml, { scheme: "https", host: "a.example.com", gateway: "infra/gw" });
  assert.equal(r.status, null, r.reason);
  assert.match(r.undetermined!, /HTTPS listener infra\/gw\/web and TLSRoute apps\/t on TLS listener infra\/gw2\/pass match alike \(server_names a\.example\.com\): Envoy refuses the listener of port 443 \(filter chain \.\.\. has the same matching rules defined as \.\.\.\)/);
  // A TLSRoute of two hostnames on a TLS listener without hostname: one of them is the HTTPS listener's.
  const wide = yaml.replace("hostname: a.example.com, tls: {mode: Passthrough}", "tls: {mode: Passthrough}").replace("spec: {parentRefs: [{name: gw2, namespace: infra, sectionName: pass}],", "spec: {hostnames: [a.example.com, b.example.com], parentRefs: [{name: gw2, namespace: infra, sectionName: pass}],");
  assert.match(route(wide, { scheme: "https", host: "a.example.com", gateway: "infra/gw" }).undetermined ?? "", /both match server name a\.example\.com: Envoy refuses the listener of port 443 \(multiple filter chains with overlapping matching rules are defined\)/);
  assert.equal(route(yaml.replace("envoyProxy: {mergeGateways: true}", "envoyProxy: {mergeGateways: false}"), { scheme: "https", host: "a.example.com", gateway: "infra/gw" }).status, 200, "apart: two Envoys");
});
