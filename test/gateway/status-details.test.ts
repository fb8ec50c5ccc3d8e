// Status details a conformant controller writes beyond attachment: OverlappingTLSConfig, a key that
// does not belong to its certificate, a UDPRoute whose Service port is TCP only, an ExtensionRef
// whose target is unknown, and TCP/UDP routes in gateway.networking.k8s.io/v1 (promoted in v1.6).

import { test } from "node:test";
import assert from "node:assert/strict";
import { CLIENT_A, SERVER } from "../fixtures/tls.js";
import { cond, gateway, httpRoute, route, statusOf } from "./fixture.js";

const secret = (name: string, c: { crt: string; key: string }) =>
  `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: infra}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${c.crt}, tls.key: ${c.key}}\n`;
const https = (name: string, hostname?: string, port = 443, cert = "server") =>
  `{name: ${name}, port: ${port}, protocol: HTTPS, ${hostname ? `hostname: '${hostname}', ` : ""}tls: {certificateRefs: [{name: ${cert}}]}, allowedRoutes: {namespaces: {from: All}}}`;
const overlap = (l: { conditions: { type: string; status: string; reason: string }[] }) => cond(l.conditions, "OverlappingTLSConfig");

test("OverlappingTLSConfig: 'A: foo.example.com, C: *.example.com' overlap, 'B: foo.example.org' does not (Gateway API listener conditions)", () => {
  const yaml = gateway([https("a", "foo.example.com", 443, "only"), https("b", "foo.example.org", 443, "only"), https("c", "*.example.com", 443, "only"), https("d", "bar.example.com", 8443, "only")])
    + secret("only", SERVER);
  const ls = statusOf(yaml, "Gateway", "infra/gw").listeners;
  const byName = (n: string) => ls.find((l: { name: string }) => l.name === n);
  // The one certificate (SANs *.example.com, ...) is shared, so the certificates overlap too: the spec then prefers OverlappingCertificates.
  assert.equal(overlap(byName("a")), "True/OverlappingCertificates");
  assert.equal(overlap(byName("d")), "missing", "another port does not overlap");
});

test("OverlappingTLSConfig by hostnames only, when the certificates are distinct", () => {
  const yaml = gateway([https("a", "foo.example.com", 443, "one"), https("b", "foo.example.org", 443, "two"), https("c", "*.example.com", 443, "three")])
    + secret("one", SERVER) + secret("two", CLIENT_A) + secret("three", CLIENT_A);
  const ls = statusOf(yaml, "Gateway", "infra/gw").listeners;
  const byName = (n: string) => ls.find((l: { name: string }) => l.name === n);
  assert.equal(overlap(byName("a")), "True/OverlappingHostnames");
  assert.equal(overlap(byName("c")), "True/OverlappingHostnames");
  assert.equal(overlap(byName("b")), "missing", "the condition is never written False");
});

test("a TLS Secret whose key is not the certificate's is an invalid certificate reference", () => {
  const yaml = gateway([https("a", "a.example.com", 443, "mixed")]) + secret("mixed", { crt: SERVER.crt, key: CLIENT_A.key });
  const l = statusOf(yaml, "Gateway", "infra/gw").listeners[0];
  assert.equal(cond(l.conditions, "ResolvedRefs"), "False/InvalidCertificateRef");
  assert.match(l.conditions.find((c: { type: string }) => c.type === "ResolvedRefs").message, /not the private key of the certificate/);
  assert.equal(cond(l.conditions, "Programmed"), "False/Invalid");
});

const udp = (version: string, port: number) => gateway(["{name: dns, port: 53, protocol: UDP, allowedRoutes: {namespaces: {from: All}}}"]) + `---
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: apps}
spec: {ports: [{name: tcp, port: 53, protocol: TCP}, {name: udp, port: 5353, protocol: UDP}]}
---
apiVersion: gateway.networking.k8s.io/${version}
kind: UDPRoute
metadata: {name: u, namespace: apps}
spec: {parentRefs: [{name: gw, namespace: infra}], rules: [{backendRefs: [{name: dns, port: ${port}}]}]}
`;

test("a UDPRoute needs a UDP Service port: a port that is TCP only does not resolve", () => {
  const bad = statusOf(udp("v1", 53), "UDPRoute", "apps/u").parents[0].conditions;
  assert.equal(cond(bad, "ResolvedRefs"), "False/BackendNotFound");
  assert.match(bad.find((c: { type: string }) => c.type === "ResolvedRefs").message, /port 53 is TCP only/);
  assert.equal(cond(statusOf(udp("v1", 5353), "UDPRoute", "apps/u").parents[0].conditions, "ResolvedRefs"), "True/ResolvedRefs");
  assert.equal(route(udp("v1", 53), { scheme: "udp", port: 53 }).connection, "rejected");
});

test("TCPRoute and UDPRoute are served in gateway.networking.k8s.io/v1 and v1alpha2", () => {
  for (const v of ["v1", "v1alpha2"]) assert.equal(cond(statusOf(udp(v, 5353), "UDPRoute", "apps/u").parents[0].conditions, "Accepted"), "True/Accepted");
  const tcp = gateway(["{name: t, port: 9000, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}"])
    + "---\napiVersion: gateway.networking.k8s.io/v1\nkind: TCPRoute\nmetadata: {name: t, namespace: apps}\nspec: {parentRefs: [{name: gw, namespace: infra}], rules: [{backendRefs: [{name: v1, port: 80}]}]}\n";
  assert.equal(route(tcp, { scheme: "tcp", port: 9000 }).backend, "apps/v1");
});

test("an ExtensionRef to an unknown kind is reported (ResolvedRefs False/InvalidKind) and its requests fail", () => {
  const ext = (extra = "") => gateway(["{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"])
    + httpRoute("r", "  rules: [{filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Magic, name: m}}], backendRefs: [{name: v1, port: 80}]}]") + extra;
  const conditions = statusOf(ext(), "HTTPRoute", "apps/r").parents[0].conditions;
  assert.equal(cond(conditions, "ResolvedRefs"), "False/InvalidKind");
  assert.equal(route(ext(), {}).status, 500, "a filter that cannot be resolved MUST NOT be skipped");
  const other = "---\napiVersion: example.com/v1\nkind: Magic\nmetadata: {name: other, namespace: apps}\n";
  assert.equal(cond(statusOf(ext(other), "HTTPRoute", "apps/r").parents[0].conditions, "ResolvedRefs"), "False/BackendNotFound", "a known kind without that object");
  const same = "---\napiVersion: example.com/v1\nkind: Magic\nmetadata: {name: m, namespace: apps}\n";
  assert.equal(cond(statusOf(ext(same), "HTTPRoute", "apps/r").parents[0].conditions, "ResolvedRefs"), "True/ResolvedRefs");
  // Written without a namespace, kubectl applies it to default (or it is cluster-scoped): not the
  // route's namespace, where the LocalObjectReference looks.
  const elsewhere = "---\napiVersion: example.com/v1\nkind: Magic\nmetadata: {name: m}\n";
  assert.equal(cond(statusOf(ext(elsewhere), "HTTPRoute", "apps/r").parents[0].conditions, "ResolvedRefs"), "False/BackendNotFound");
  assert.equal(route(ext(elsewhere), {}).status, 500);
});
