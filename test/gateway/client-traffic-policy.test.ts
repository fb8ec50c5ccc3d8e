// Envoy Gateway's ClientTrafficPolicy (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.0): the
// client address Envoy reads on the listener it attaches to (internal/xds/translator/listener.go
// originalIPDetectionExtensions, use_remote_address; Envoy's xff.cc, custom_header.cc,
// Utility::getLastAddressFromXFF), which a BackendTrafficPolicy rate limit's sourceCIDR matches, and
// the attachment (internal/gatewayapi/clienttrafficpolicy.go ProcessClientTrafficPolicies).

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { BASE, gateway, httpRoute, HTTP_ALL, route, allowingListenerSets, listenerSet } from "./fixture.js";
import { cli, load, tempFiles } from "../helpers.js";
import { parseAddress } from "../../src/model/ip.js";
import { SERVER } from "../fixtures/tls.js";

const EG_CLASS = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n";
const eg = (listeners: string[]) => gateway(listeners).replace("gatewayClassName: test", "gatewayClassName: eg") + EG_CLASS;
const GW = eg([HTTP_ALL]);
const ROUTE = httpRoute("web", "  rules: [{backendRefs: [{name: v1, port: 80}]}]");
/** A local rate limit rule of no requests for the clients in 192.0.2.0/24, on the route. */
const BLOCK = `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: block, namespace: apps}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web}], rateLimit: {global: {rules: [{clientSelectors: [{sourceCIDR: {value: 192.0.2.0/24}}], limit: {requests: 0, unit: Second}}]}}}
`;
const ctp = (name: string, spec: string, created?: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: ${name}, namespace: infra${created ? `, creationTimestamp: "${created}"` : ""}}
spec: {${spec}}
`;
const toGw = (section?: string) => `targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw${section ? `, sectionName: ${section}` : ""}}]`;
const from = (ip: string, headers: [string, string][] = []) => ({ clientAddress: parseAddress(ip)!, headers });
const xff = (v: string): [string, string] => ["x-forwarded-for", v];

test("xForwardedFor.numTrustedHops N: the Nth address from the right of X-Forwarded-For (Envoy Gateway writes xff_num_trusted_hops N-1); too few entries or none: the connection's source", () => {
  const yaml = GW + ROUTE + BLOCK + ctp("c", `${toGw()}, clientIPDetection: {xForwardedFor: {numTrustedHops: 2}}`);
  const hit = route(yaml, from("10.0.0.1", [xff("203.0.113.128, 192.0.2.10, 10.1.1.1")]));
  assert.equal(hit.status, 429);
  assert.match(hit.reason, /the client address 192\.0\.2\.10, read from X-Forwarded-For, ClientTrafficPolicy infra\/c numTrustedHops 2, is in sourceCIDR 192\.0\.2\.0\/24/);
  assert.equal(route(yaml, from("10.0.0.1", [xff("192.0.2.10, 203.0.113.1, 10.1.1.1")])).status, 200);
  // Repeated headers are one list (joined with ","); whitespace around the entry is trimmed.
  assert.equal(route(yaml, from("10.0.0.1", [xff("203.0.113.1"), xff(" 192.0.2.10 ,10.1.1.1")])).status, 429);
  // One entry only: nothing to skip to, the connection's source (here in the range, then not).
  assert.equal(route(yaml, from("192.0.2.5", [xff("203.0.113.1")])).status, 429);
  assert.equal(route(yaml, from("10.0.0.1", [xff("192.0.2.10")])).status, 200);
  // Not an address: the connection's source.
  assert.equal(route(yaml, from("10.0.0.1", [xff("192.0.2.10:80, 10.1.1.1")])).status, 200);
  // No client named, but X-Forwarded-For decides: known without `from`.
  assert.equal(route(yaml, { headers: [xff("192.0.2.10, 10.1.1.1")] }).status, 429);
  // Without the policy, X-Forwarded-For is not read (use_remote_address, no trusted hops).
  assert.equal(route(GW + ROUTE + BLOCK, from("10.0.0.1", [xff("192.0.2.10, 10.1.1.1")])).status, 200);
  // numTrustedHops 0 and 1 are alike: the last entry.
  for (const n of [0, 1]) assert.equal(route(GW + ROUTE + BLOCK + ctp("c", `${toGw()}, clientIPDetection: {xForwardedFor: {numTrustedHops: ${n}}}`), from("10.0.0.1", [xff("203.0.113.1, 192.0.2.10")])).status, 429);
});

test("xForwardedFor.trustedCIDRs: from a trusted connection source, X-Forwarded-For's rightmost entry not in a trusted CIDR (xff.cc, getLastNonTrustedAddressFromXFF)", () => {
  const yaml = GW + ROUTE + BLOCK + ctp("c", `${toGw()}, clientIPDetection: {xForwardedFor: {trustedCIDRs: [10.0.0.0/8]}}`);
  assert.equal(route(yaml, from("10.0.0.1", [xff("203.0.113.1, 192.0.2.10")])).status, 429);
  // The trusted proxies' own entries on the right are passed over: the client is the first one not trusted.
  const passed = route(yaml, from("10.0.0.1", [xff("192.0.2.10, 10.9.9.9, 10.8.8.8")]));
  assert.equal(passed.status, 429);
  assert.match(passed.reason, /the client address 192\.0\.2\.10, read from X-Forwarded-For from 10\.0\.0\.1, in ClientTrafficPolicy infra\/c's trustedCIDRs/);
  assert.equal(route(yaml, from("10.0.0.1", [xff("192.0.2.10, 198.51.100.1, 10.9.9.9")])).status, 200, "the first untrusted entry from the right, not the leftmost");
  // Every entry trusted: the leftmost.
  assert.equal(route(yaml + ctp("d", `${toGw()}, clientIPDetection: {xForwardedFor: {trustedCIDRs: [10.0.0.0/8, 192.0.2.0/24]}}`, "2020-01-01T00:00:00Z"), from("10.0.0.1", [xff("192.0.2.10, 10.9.9.9")])).status, 429);
  // An entry that is no IP address on the way, or more than 20 entries: no address, the connection's source.
  assert.equal(route(yaml, from("10.0.0.1", [xff("192.0.2.10, bogus, 10.9.9.9")])).status, 200);
  assert.equal(route(yaml, from("10.0.0.1", [xff(`192.0.2.10, ${Array(20).fill("10.9.9.9").join(", ")}`)])).status, 200);
  assert.equal(route(yaml, from("10.0.0.1", [xff(`192.0.2.10, ${Array(19).fill("10.9.9.9").join(", ")}`)])).status, 429);
  assert.equal(route(yaml, from("198.51.100.1", [xff("192.0.2.10")])).status, 200, "an untrusted source: its own address");
  const unknown = route(yaml, { headers: [xff("192.0.2.10")] });
  assert.equal(unknown.status, 200);
  assert.match(unknown.reason, /which Junction does not know \(the request names no client, `from`, whose address decides whether ClientTrafficPolicy infra\/c's trustedCIDRs/);
});

test("customHeader: the header's first value; failClosed answers 403 before routing when it holds no address", () => {
  const open = GW + ROUTE + BLOCK + ctp("c", `${toGw()}, clientIPDetection: {customHeader: {name: X-Real-IP}}`);
  assert.equal(route(open, from("10.0.0.1", [["x-real-ip", "192.0.2.7"]])).status, 429);
  assert.equal(route(open, from("192.0.2.7", [["x-real-ip", "10.0.0.1"]])).status, 200);
  assert.equal(route(open, from("192.0.2.7")).status, 429, "no header: the connection's source");
  const closed = GW + ROUTE + BLOCK + ctp("c", `${toGw()}, clientIPDetection: {customHeader: {name: X-Real-IP, failClosed: true}}`);
  const refused = route(closed, from("10.0.0.1", [["x-real-ip", "not-an-ip"]]));
  assert.equal(refused.status, 403);
  assert.equal(refused.backend, null);
  assert.match(refused.reason, /with failClosed, and its X-Real-IP header "not-an-ip" is no IP address: Envoy answers 403 before routing/);
  assert.equal(route(closed, { path: "/nowhere", host: "other.example", headers: [] }).status, 403, "any request of the listener, routed or not");
  assert.equal(route(closed, from("10.0.0.1", [["x-real-ip", "203.0.113.9"]])).status, 200);
});

test("proxy protocol: the connection's source is the PROXY header's, which no request carries: a sourceCIDR rule is not decided, unless X-Forwarded-For decides", () => {
  const yaml = GW + ROUTE + BLOCK + ctp("c", `${toGw()}, proxyProtocol: {}`);
  const r = route(yaml, from("192.0.2.7"));
  assert.equal(r.status, 200);
  assert.match(r.reason, /the listener reads the PROXY protocol header \(ClientTrafficPolicy infra\/c proxyProtocol\), whose source address is the client address Envoy reads and which a request does not carry; a connection without one is closed/);
  assert.match(route(GW + ROUTE + BLOCK + ctp("c", `${toGw()}, enableProxyProtocol: true`), from("192.0.2.7")).reason, /PROXY protocol header/, "the deprecated field");
  const both = GW + ROUTE + BLOCK + ctp("c", `${toGw()}, proxyProtocol: {optional: true}, clientIPDetection: {xForwardedFor: {numTrustedHops: 1}}`);
  assert.equal(route(both, { headers: [xff("192.0.2.7")] }).status, 429);
});

test("attachment: a listener's policy over the Gateway's; the older of two on one target wins, the other is Conflicted; another controller's Gateway ignores them", () => {
  const two = eg([HTTP_ALL, "{name: other, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"]);
  const route2 = httpRoute("web", "  rules: [{backendRefs: [{name: v1, port: 80}]}]").replace("parentRefs: [{name: gw, namespace: infra}]", "parentRefs: [{name: gw, namespace: infra, sectionName: http}, {name: gw, namespace: infra, sectionName: other}]");
  const gwWide = ctp("wide", `${toGw()}, clientIPDetection: {xForwardedFor: {numTrustedHops: 1}}`);
  const onHttp = ctp("section", `${toGw("http")}, clientIPDetection: {customHeader: {name: x-client}}`);
  const yaml = two + route2 + BLOCK + gwWide + onHttp;
  const req = from("10.0.0.1", [xff("192.0.2.1"), ["x-client", "10.2.2.2"]]);
  assert.equal(route(yaml, { ...req, port: 80 }).status, 200, "listener http: the section policy's header");
  assert.equal(route(yaml, { ...req, port: 8080 }).status, 429, "listener other: the Gateway's X-Forwarded-For");
  const older = ctp("older", `${toGw()}, clientIPDetection: {customHeader: {name: x-client}}`, "2024-01-01T00:00:00Z");
  const younger = ctp("younger", `${toGw()}, clientIPDetection: {xForwardedFor: {numTrustedHops: 1}}`, "2025-01-01T00:00:00Z");
  const r = route(GW + ROUTE + BLOCK + younger + older, req);
  assert.equal(r.status, 200, "the older policy's header");
  assert.ok(r.steps.some((s) => /ClientTrafficPolicy infra\/younger also targets Gateway infra\/gw and is Conflicted/.test(s.outcome)));
  assert.equal(route(gateway([HTTP_ALL]) + ROUTE + ctp("c", `${toGw()}, clientIPDetection: {customHeader: {name: x-client, failClosed: true}}`), {}).status, 200);
});

test("a section policy on a plain HTTP listener sharing its port with another is refused there (validatePortOverlapForClientTrafficPolicy), and the Gateway's does not take its place", () => {
  const shared = eg([`{name: a, port: 80, protocol: HTTP, hostname: a.example.com, allowedRoutes: {namespaces: {from: All}}}`, `{name: b, port: 80, protocol: HTTP, hostname: b.example.com, allowedRoutes: {namespaces: {from: All}}}`]);
  const yaml = shared + ROUTE + BLOCK + ctp("section", `${toGw("a")}, clientIPDetection: {customHeader: {name: x-client, failClosed: true}}`) + ctp("wide", `${toGw()}, clientIPDetection: {xForwardedFor: {numTrustedHops: 1}}`);
  const a = route(yaml, { ...from("10.0.0.1", [xff("192.0.2.1")]), host: "a.example.com" });
  assert.equal(a.status, 200, "no failClosed 403, no X-Forwarded-For: the connection's source");
  assert.ok(a.steps.some((s) => /is being applied to multiple http \(non https\) listeners \(infra\/gw\/b\) on the same port, which is not allowed/.test(s.outcome)));
  assert.equal(route(yaml, { ...from("10.0.0.1", [xff("192.0.2.1")]), host: "b.example.com" }).status, 429, "listener b: the Gateway's policy");
});

test("junction route --requests: X-Forwarded-For read through a ClientTrafficPolicy decides a sourceCIDR rule for a client outside the cluster", async () => {
  const yaml = GW + ROUTE + BLOCK + ctp("c", `${toGw()}, clientIPDetection: {xForwardedFor: {numTrustedHops: 1}}`);
  const t = tempFiles({ "in.yaml": BASE + yaml, "reqs.yaml": "- {gateway: infra/gw, host: example.com, path: /, headers: {x-forwarded-for: 192.0.2.9}}\n- {gateway: infra/gw, host: example.com, path: /, headers: {x-forwarded-for: 198.51.100.1}}\n" });
  try {
    const r = await cli(["route", "-f", join(t.dir, "in.yaml"), "--requests", join(t.dir, "reqs.yaml"), "-o", "json", "-q"]);
    const answers = (JSON.parse(r.out) as { results: { status: number }[] }).results.map((x) => x.status);
    assert.deepEqual(answers, [429, 200]);
  } finally { t.cleanup(); }
});

test("ListenerSet targets: a listener's policy over its ListenerSet's over the Gateway's; a ListenerSet's policy on a listener sharing its plain HTTP port with the Gateway's is refused there, and the Gateway's takes it (validatePortOverlapForClientTrafficPolicy scopeEntireListenerSet, then scopeEntireGateway)", () => {
  const gw = allowingListenerSets(GW);
  const ls = listenerSet("{name: own, port: 8080, protocol: HTTP, hostname: ls.example.com}, {name: shared, port: 80, protocol: HTTP, hostname: shared.example.com}");
  const viaSet = ROUTE.replace("parentRefs: [{name: gw, namespace: infra}]", "parentRefs: [{kind: ListenerSet, name: ls}]");
  const toSet = (section?: string) => `targetRefs: [{group: gateway.networking.k8s.io, kind: ListenerSet, name: ls${section ? `, sectionName: ${section}` : ""}}]`;
  const inApps = (text: string) => text.replace("namespace: infra", "namespace: apps");
  const closed = inApps(ctp("set", `${toSet()}, clientIPDetection: {customHeader: {name: x-client, failClosed: true}}`));
  const base = gw + ls + viaSet + BLOCK;
  const own = { ...from("10.0.0.1"), port: 8080, host: "ls.example.com" }, shared = { ...from("10.0.0.1", [xff("192.0.2.1")]), port: 80, host: "shared.example.com" };
  assert.equal(route(base, own).status, 200);
  assert.equal(route(base + closed, own).status, 403, "the ListenerSet's policy on its own port");
  const refused = route(base + closed, shared);
  assert.equal(refused.status, 200, "refused on port 80, which the Gateway's listener http shares");
  assert.ok(refused.steps.some((s) => /ClientTrafficPolicy apps\/set targets ListenerSet apps\/ls but Envoy Gateway does not apply it there: .*listeners \(infra\/gw\/http\) on the same port/.test(s.outcome)));
  const gwWide = ctp("wide", `${toGw()}, clientIPDetection: {xForwardedFor: {numTrustedHops: 1}}`);
  const taken = route(base + closed + gwWide, shared);
  assert.equal(taken.status, 429, "the Gateway's policy takes the listener the ListenerSet's was refused on");
  assert.ok(taken.steps.some((s) => /ClientTrafficPolicy apps\/set targets ListenerSet apps\/ls but Envoy Gateway does not apply it there/.test(s.outcome)), "and the answer says why the ListenerSet's is not");
  assert.equal(route(base + closed + gwWide, { ...own, headers: [xff("192.0.2.1")] }).status, 403, "the ListenerSet's over the Gateway's");
  const section = inApps(ctp("one", `${toSet("own")}, clientIPDetection: {customHeader: {name: x-real}}`));
  assert.equal(route(base + closed + section, { ...own, headers: [["x-real", "192.0.2.7"]] }).status, 429, "its listener's policy over the ListenerSet's");
  assert.equal(route(base + closed + section, own).status, 200, "the listener's policy does not fail closed");
  assert.equal(route(base + inApps(ctp("none", `${toSet("nope")}, clientIPDetection: {customHeader: {name: x-client, failClosed: true}}`)), own).status, 200, "a sectionName naming no listener of it attaches nothing");
});

test("an empty xForwardedFor.trustedCIDRs is refused as the API server refuses it (MinItems=1; Envoy would read an XffTrustedCidrs of no ranges as trusting every source)", async () => {
  const t = tempFiles({ "in.yaml": ctp("c", `${toGw()}, clientIPDetection: {xForwardedFor: {trustedCIDRs: []}}`) });
  try {
    const r = await cli(["lint", "-f", join(t.dir, "in.yaml")]);
    assert.notEqual(r.code, 0);
    assert.match(r.out + r.err, /spec\.clientIPDetection\.xForwardedFor\.trustedCIDRs: must have at least 1 item/);
  } finally { t.cleanup(); }
});

test("a ClientTrafficPolicy Envoy Gateway cannot translate (a bufferLimit over a uint32, HTTP/2 windows out of range) makes every route of its listeners answer 500 (translateClientTrafficPolicyForListener)", () => {
  const bad = ctp("c", `${toGw()}, connection: {bufferLimit: 5Gi}`);
  const r = route(GW + ROUTE + bad, {});
  assert.equal(r.status, 500);
  assert.equal(r.backend, null);
  assert.match(r.reason, /ClientTrafficPolicy infra\/c cannot be translated \(Connection: BufferLimit value 5Gi is out of range, must be between 0 and 4294967295\)/);
  assert.match(route(GW + ROUTE + ctp("c", `${toGw()}, http2: {initialStreamWindowSize: 1Ki}`), {}).reason, /HTTP2: InitialStreamWindowSize value 1Ki is out of range, must be between 65535 and 2147483647/);
  assert.equal(route(GW + ROUTE + ctp("c", `${toGw()}, connection: {bufferLimit: 1Gi}`), {}).status, 200);
  // Another listener, not targeted: its routes are untouched.
  const two = eg([HTTP_ALL, "{name: other, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"]);
  assert.equal(route(two + ROUTE + ctp("c", `${toGw("http")}, connection: {bufferLimit: 5Gi}`), { port: 8080 }).status, 200);
  assert.equal(route(two + ROUTE + ctp("c", `${toGw("http")}, connection: {bufferLimit: 5Gi}`), { port: 80 }).status, 500);
});

// envoyproxy/gateway v1.9.0 clienttrafficpolicy.go translateClientTrafficPolicyForListener: besides the
// connection and HTTP/2 errors, translateHeaderModifier refuses a header value Gateway API's
// HeaderValueRegexp does not take, a remove entry "" and a modifier left with nothing valid (the CRD
// admits all three), and buildListenerTLSParameters (only for a listener with TLS) a cipher
// validateCipherSuites does not know. An HTTP listener's routes then answer 500; a TCP or TLS listener's
// routes are removed (`tcpIR.Routes = nil`: its connections go to the empty cluster). Junction read
// none of these (200, and a TCP listener's connection was forwarded).
test("ClientTrafficPolicy headers and TLS Envoy Gateway cannot translate: the listener's HTTP routes answer 500 (it was 200); on a TCP or TLS listener its routes are removed and the connection is closed (it was forwarded)", async () => {
  const early = (modifier: string) => ctp("c", `${toGw()}, headers: {earlyRequestHeaders: ${modifier}}`);
  const bad = route(GW + ROUTE + early("{add: [{name: x-a, value: 'two  spaces'}], remove: [x-b]}"), {});
  assert.deepEqual([bad.status, bad.backend], [500, null]);
  assert.match(bad.reason, /ClientTrafficPolicy infra\/c cannot be translated \(Headers: EarlyRequestHeaders cannot add a header with an invalid value\. Header: '"x-a"'\)/);
  assert.match(route(GW + ROUTE + early("{set: [{name: x-a, value: 'é'}]}"), {}).reason, /EarlyRequestHeaders cannot set a header with an invalid value\. Header: '"x-a"'; Headers: EarlyRequestHeaders did not provide valid configuration to add\/set\/remove any headers/);
  assert.match(route(GW + ROUTE + ctp("c", `${toGw()}, headers: {lateResponseHeaders: {remove: ['']}}`), {}).reason, /Headers: LateResponseHeaders cannot remove a header with an empty name; Headers: LateResponseHeaders did not provide valid configuration/);
  assert.equal(route(GW + ROUTE + early("{add: [{name: x-a, value: 'one space'}], remove: [x-b]}"), {}).status, 200);
  // tls.ciphers: only a listener with TLS reads them.
  const cipher = (name: string) => `tls: {ciphers: [${name}]}`;
  assert.equal(route(GW + ROUTE + ctp("c", `${toGw()}, ${cipher("NOT-A-CIPHER")}`), {}).status, 200, "a plain HTTP listener has no TLS parameters");
  const server = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: server, namespace: infra}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${SERVER.crt}, tls.key: ${SERVER.key}}\n`;
  const HTTPS = eg([`{name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: server}]}, allowedRoutes: {namespaces: {from: All}}}`]) + server;
  const tlsReq = { scheme: "https" as const, port: 443, sni: "a.example.com", host: "a.example.com" };
  const https = route(HTTPS + ROUTE + ctp("c", `${toGw()}, ${cipher("NOT-A-CIPHER")}`), tlsReq);
  assert.equal(https.status, 500);
  assert.match(https.reason, /TLS: unsupported cipher suite: NOT-A-CIPHER/);
  assert.equal(route(HTTPS + ROUTE + ctp("c", `${toGw()}, ${cipher("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")}`), tlsReq).status, 200);
  // A TCP listener: the connection error removes its routes; a TLS listener terminating TLS takes the cipher error too, a passthrough one not.
  const l4 = (kind: string, section: string) => `---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: ${kind}\nmetadata: {name: ${section}, namespace: apps}\nspec: {parentRefs: [{name: gw, namespace: infra, sectionName: ${section}}], rules: [{backendRefs: [{name: v1, port: 80}]}]}\n`;
  const STREAMS = eg(["{name: tcp, port: 9000, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}", "{name: term, port: 8443, protocol: TLS, tls: {mode: Terminate, certificateRefs: [{name: server}]}, allowedRoutes: {namespaces: {from: All}}}", "{name: pass, port: 9443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}"]) + server
    + l4("TCPRoute", "tcp") + l4("TLSRoute", "term") + l4("TLSRoute", "pass");
  assert.equal(route(STREAMS, { scheme: "tcp", port: 9000 }).backend, "apps/v1");
  const tcp = route(STREAMS + ctp("c", `${toGw()}, connection: {bufferLimit: 5Gi}`), { scheme: "tcp", port: 9000 });
  assert.deepEqual([tcp.connection, tcp.backend], ["rejected", null]);
  assert.match(tcp.reason, /ClientTrafficPolicy infra\/c cannot be translated \(Connection: BufferLimit value 5Gi is out of range, must be between 0 and 4294967295\): Envoy Gateway removes the routes of listener tcp, whose connections go to an empty cluster/);
  const ciphers = STREAMS + ctp("c", `${toGw()}, ${cipher("NOT-A-CIPHER")}`);
  assert.equal(route(ciphers, { scheme: "tcp", port: 9000 }).backend, "apps/v1", "a TCP listener has no TLS parameters");
  assert.equal(route(ciphers, { scheme: "tls", port: 8443, sni: "a.example.com" }).connection, "rejected");
  assert.equal(route(ciphers, { scheme: "tls", port: 9443, sni: "a.example.com" }).backend, "apps/v1");
  // The headers errors are an HTTP listener's only.
  assert.equal(route(STREAMS + early("{remove: ['']}"), { scheme: "tcp", port: 9000 }).backend, "apps/v1");
  // junction route --requests: the same answers.
  const t = tempFiles({ "in.yaml": BASE + GW + ROUTE + early("{add: [{name: x-a, value: ' lead'}]}"), "reqs.yaml": "- {gateway: infra/gw, host: example.com, path: /}\n" });
  try {
    const out = await cli(["route", "-f", join(t.dir, "in.yaml"), "--requests", join(t.dir, "reqs.yaml"), "-o", "json", "-q"]);
    const res = (JSON.parse(out.out) as { results: { status: number | null; reason: string }[] }).results[0];
    assert.equal(res.status, 500);
    assert.match(res.reason, /EarlyRequestHeaders cannot add a header with an invalid value/);
  } finally { t.cleanup(); }
});

// translateHTTP1Settings (v1.9.0): http10.useDefaultHost takes the listener's hostname without a
// wildcard, else the hostname of the one IR route that has one (an IR route per hostname, rule and
// match; routes are processed before ClientTrafficPolicies); none or several is an error, and the
// listener's routes answer 500. Junction did not read it (200).
test("http1.http10.useDefaultHost on a listener without a plain hostname: one IR route with a hostname gives the default host; none or several is untranslatable (500; it was 200)", () => {
  const http10 = ctp("c", `${toGw()}, http1: {http10: {useDefaultHost: true}}`);
  const none = route(GW + ROUTE + http10, {});
  assert.equal(none.status, 500);
  assert.match(none.reason, /ClientTrafficPolicy infra\/c cannot be translated \(HTTP1: cannot set http10 default host on listener with only wildcard hostnames\)/);
  const named = (rules: string) => httpRoute("web", `  hostnames: [a.example.com]\n  rules: [${rules}]`);
  assert.equal(route(GW + named("{backendRefs: [{name: v1, port: 80}]}") + http10, { host: "a.example.com" }).status, 200);
  const two = route(GW + named("{matches: [{path: {value: /a}}, {path: {value: /b}}], backendRefs: [{name: v1, port: 80}]}") + http10, { host: "a.example.com", path: "/a" });
  assert.equal(two.status, 500);
  assert.match(two.reason, /HTTP1: cannot set http10 default host on listener with only wildcard hostnames and more than one possible default route/);
  // The listener's own hostname without a wildcard is the default host.
  const exact = eg(["{name: http, port: 80, protocol: HTTP, hostname: a.example.com, allowedRoutes: {namespaces: {from: All}}}"]);
  assert.equal(route(exact + ROUTE + http10, { host: "a.example.com" }).status, 200);
  // In upstream's order: Headers, then HTTP1.
  const both = route(GW + ROUTE + ctp("c", `${toGw()}, http1: {http10: {useDefaultHost: true}}, headers: {earlyRequestHeaders: {remove: [x-b]}, lateResponseHeaders: {}}`), {});
  assert.match(both.reason, /\(Headers: LateResponseHeaders did not provide valid configuration to add\/set\/remove any headers; HTTP1: cannot set http10 default host/);
});

test("headers.withUnderscoresAction: Envoy Gateway rejects a request header with an underscore by default (400, HTTP/2: stream reset); DropHeader removes it before routing; Allow passes it", () => {
  const matching = httpRoute("web", "  rules: [{matches: [{headers: [{name: x_user, value: alice}]}], backendRefs: [{name: v2, port: 80}]}, {backendRefs: [{name: v1, port: 80}]}]");
  const h = (headers: [string, string][]) => ({ headers });
  // No ClientTrafficPolicy: buildHeadersWithUnderscoresAction's REJECT_REQUEST.
  const bare = route(GW + matching, h([["x_user", "alice"]]));
  assert.equal(bare.status, 400);
  assert.match(bare.reason, /x_user has an underscore .*Envoy Gateway's default headers_with_underscores_action REJECT_REQUEST/);
  assert.equal(route(GW + matching, h([["x-user", "alice"]])).status, 200);
  // A policy without headers, or with headers but no withUnderscoresAction: still rejected.
  assert.equal(route(GW + matching + ctp("c", `${toGw()}, headers: {enableEnvoyHeaders: true}`), h([["X_Trace", "1"]])).status, 400);
  // gRPC (HTTP/2): the stream is reset, no status.
  const grpc = route(GW + matching, { protocol: "grpc", path: "/svc/M", method: "POST", headers: [["x_user", "alice"]] });
  assert.equal(grpc.status, null);
  assert.equal(grpc.connection, "failed");
  assert.equal(grpc.grpcCode, "INTERNAL");
  // DropHeader: the header is gone before routing, so the header match misses and the catch-all takes it.
  const dropped = route(GW + matching + ctp("c", `${toGw()}, headers: {withUnderscoresAction: DropHeader}`), h([["x_user", "alice"]]));
  assert.equal(dropped.status, 200);
  assert.equal(dropped.backend, "apps/v1");
  assert.match(dropped.steps.map((s) => s.outcome).join("\n"), /Envoy drops the header x_user/);
  const allowed = route(GW + matching + ctp("c", `${toGw()}, headers: {withUnderscoresAction: Allow}`), h([["x_user", "alice"]]));
  assert.equal(allowed.backend, "apps/v2");
  // Another implementation's Gateway: not Envoy Gateway's codec settings.
  assert.equal(route(gateway([HTTP_ALL]) + matching, h([["x_user", "alice"]])).backend, "apps/v2");
});

test("headers.earlyRequestHeaders change the headers before routing, the client address and the filters (Envoy's early header mutation); they were ignored", () => {
  const internal = httpRoute("web", "  rules: [{matches: [{headers: [{name: x-internal, value: \"true\"}]}], backendRefs: [{name: v2, port: 80}]}, {backendRefs: [{name: v1, port: 80}]}]");
  const spoof: [string, string][] = [["x-internal", "true"]];
  // Without it, a client that sends x-internal reaches the internal backend.
  assert.equal(route(GW + internal, { headers: spoof }).backend, "apps/v2");
  const removed = route(GW + internal + ctp("c", `${toGw()}, headers: {earlyRequestHeaders: {remove: [X-Internal]}}`), { headers: spoof });
  assert.equal(removed.backend, "apps/v1");
  assert.match(removed.steps.map((s) => s.outcome).join("\n"), /headers\.earlyRequestHeaders changes the request's headers before routing/);
  assert.equal(removed.upstream?.headers?.["x-internal"], undefined);
  // set overwrites, add appends (a header match reads the values joined with ","), addIfAbsent keeps the client's.
  assert.equal(route(GW + internal + ctp("c", `${toGw()}, headers: {earlyRequestHeaders: {set: [{name: x-internal, value: "true"}]}}`), { headers: [["x-internal", "no"]] }).backend, "apps/v2");
  assert.equal(route(GW + internal + ctp("c", `${toGw()}, headers: {earlyRequestHeaders: {add: [{name: x-internal, value: "true"}]}}`), { headers: [["x-internal", "no"]] }).backend, "apps/v1");
  assert.equal(route(GW + internal + ctp("c", `${toGw()}, headers: {earlyRequestHeaders: {addIfAbsent: [{name: x-internal, value: "true"}]}}`), { headers: [["x-internal", "no"]] }).backend, "apps/v1");
  assert.equal(route(GW + internal + ctp("c", `${toGw()}, headers: {earlyRequestHeaders: {addIfAbsent: [{name: x-internal, value: "true"}]}}`), {}).backend, "apps/v2");
  // removeOnMatch by prefix; the removes come after the adds (buildHeaderMutationRules' order).
  assert.equal(route(GW + internal + ctp("c", `${toGw()}, headers: {earlyRequestHeaders: {removeOnMatch: [{type: Prefix, value: x-int}]}}`), { headers: spoof }).backend, "apps/v1");
  assert.equal(route(GW + internal + ctp("c", `${toGw()}, headers: {earlyRequestHeaders: {set: [{name: x-internal, value: "true"}], remove: [x-internal]}}`), {}).backend, "apps/v1");
  // Before the client address: an X-Forwarded-For removed early is not read.
  const xffPolicy = ctp("c", `${toGw()}, clientIPDetection: {xForwardedFor: {numTrustedHops: 1}}, headers: {earlyRequestHeaders: {remove: [x-forwarded-for]}}`);
  assert.equal(route(GW + ROUTE + BLOCK + xffPolicy, from("10.0.0.1", [xff("192.0.2.10")])).status, 200);
});

test("headers.earlyRequestHeaders removeOnMatch: a RegularExpression that does not compile is a warning naming the field (it was a rule that silently never matched)", () => {
  const bad = load({ "in.yaml": BASE + GW + ROUTE + ctp("c", `${toGw()}, headers: {earlyRequestHeaders: {removeOnMatch: [{type: RegularExpression, value: "x-(int"}]}}`) });
  const w = bad.diagnostics.items.find((d) => d.code === "invalid-regex");
  assert.ok(w, bad.diagnostics.items.map((d) => d.message).join("; "));
  assert.equal(w.severity, "warning");
  assert.match(w.message, /"x-\(int" is not a valid RE2 regular expression.*Envoy refuses the listener's configuration/);
  assert.deepEqual(w.field, ["spec", "headers", "earlyRequestHeaders", "removeOnMatch", 0, "value"]);
  const good = load({ "in.yaml": BASE + GW + ROUTE + ctp("c", `${toGw()}, headers: {earlyRequestHeaders: {removeOnMatch: [{type: RegularExpression, value: "x-int.*"}, {type: Prefix, value: "x-(int"}]}}`) });
  assert.ok(!good.diagnostics.items.some((d) => d.code === "invalid-regex"), "a valid one, and a Prefix is no expression");
});

test("headers.host.stripTrailingHostDot: the Host's trailing dot is dropped before the virtual host is picked (it was kept: 404)", () => {
  const named = httpRoute("web", "  hostnames: [shop.example.com]\n  rules: [{backendRefs: [{name: v1, port: 80}]}]");
  assert.equal(route(GW + named, { host: "shop.example.com." }).status, 404, "Envoy keeps the dot by default");
  const stripped = route(GW + named + ctp("c", `${toGw()}, headers: {host: {stripTrailingHostDot: true}}`), { host: "shop.example.com." });
  assert.equal(stripped.status, 200);
  assert.equal(stripped.backend, "apps/v1");
});
