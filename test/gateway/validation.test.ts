// The Gateway API front ends validate as the API server and the CRDs' CEL rules do, and report
// each error with file, line and field.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { load } from "../helpers.js";

function errors(yaml: string): string[] {
  const loaded = load({ "in.yaml": yaml });
  return loaded.diagnostics.errors.map(formatDiagnostic);
}

const route = (rules: string, spec = "") => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: apps}
spec:
  parentRefs: [{name: gw}]
${spec}  rules:
${rules}`;

test("path values: absolute, no '//', '/./', '/../', '%2f', '#', and no trailing '/.'", () => {
  for (const bad of ["foo", "/a//b", "/a/./b", "/a/../b", "/a%2fb", "/a#b", "/a/.."]) {
    const e = errors(route(`  - matches: [{path: {type: PathPrefix, value: "${bad}"}}]\n    backendRefs: [{name: s, port: 80}]\n`));
    assert.equal(e.length, 1, `${bad}: ${e}`);
    assert.match(e[0], /^in\.yaml:7 spec\.rules\[0\]\.matches\[0\]\.path\.value: /);
  }
  assert.deepEqual(errors(route("  - matches: [{path: {type: RegularExpression, value: \"/a/[0-9]+\"}}]\n")), []);
  // The CRD accepts any RegularExpression; the controller reports an invalid one in status (test/gateway/regex.test.ts).
  assert.deepEqual(errors(route("  - matches: [{path: {type: RegularExpression, value: \"/a/[\"}}]\n")), []);
});

test("hostnames: lowercase DNS names or *. wildcards, never IP addresses", () => {
  assert.deepEqual(errors(route("  - {}\n", "  hostnames: [a.example.com, '*.example.com']\n")), []);
  for (const bad of ["A.com", "*.", "a.*.com", "10.0.0.1", "-a.com"]) {
    assert.equal(errors(route("  - {}\n", `  hostnames: ['${bad}']\n`)).length, 1, bad);
  }
});

test("weights, ports and filter combinations follow the CRD rules", () => {
  assert.match(errors(route("  - backendRefs: [{name: s, port: 80, weight: -1}]\n")).join(), /weight: -1 is below the minimum 0/);
  assert.match(errors(route("  - backendRefs: [{name: s}]\n")).join(), /backendRefs\[0\]\.port: a backendRef to a Service must set port/);
  assert.deepEqual(errors(route("  - backendRefs: [{group: junction.dev, kind: Workload, name: vm}]\n")), [], "no port needed for other kinds");
  const both = "  - filters: [{type: RequestRedirect, requestRedirect: {}}, {type: URLRewrite, urlRewrite: {}}]\n";
  assert.match(errors(route(both)).join(), /RequestRedirect and URLRewrite filters cannot both be used/);
  const twice = "  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {}}, {type: RequestHeaderModifier, requestHeaderModifier: {}}]\n";
  assert.match(errors(route(twice)).join(), /may appear only once/);
  const prefix = "  - matches: [{path: {type: Exact, value: /a}}]\n    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}]\n";
  assert.match(errors(route(prefix)).join(), /ReplacePrefixMatch path modifier requires exactly one match, with a PathPrefix path/);
  const wrongField = "  - filters: [{type: RequestHeaderModifier, responseHeaderModifier: {}}]\n";
  assert.equal(errors(route(wrongField)).length, 2);
});

test("listeners: unique names and port/protocol/hostname, TLS rules per protocol", () => {
  const gw = (listeners: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: c
  listeners:
${listeners}`;
  assert.match(errors(gw("  - {name: a, port: 80, protocol: HTTP}\n  - {name: a, port: 81, protocol: HTTP}\n")).join(), /listener name "a" is used twice/);
  assert.match(errors(gw("  - {name: a, port: 80, protocol: HTTP}\n  - {name: b, port: 80, protocol: HTTP}\n")).join(), /the combination must be unique/);
  assert.match(errors(gw("  - {name: a, port: 443, protocol: HTTPS}\n")).join(), /tls must be set for protocol HTTPS/);
  assert.match(errors(gw("  - {name: a, port: 80, protocol: HTTP, tls: {certificateRefs: [{name: x}]}}\n")).join(), /tls must not be set for protocol HTTP/);
  assert.match(errors(gw("  - {name: a, port: 443, protocol: HTTPS, tls: {mode: Terminate}}\n")).join(), /certificateRefs must be set when mode is Terminate/);
  assert.match(errors(gw("  - {name: a, port: 53, protocol: UDP, hostname: a.com}\n")).join(), /hostname must not be set for protocol UDP/);
  assert.deepEqual(errors(gw("  - {name: a, port: 1111, protocol: EXOTIC}\n")), [], "an unknown protocol is valid API; status reports it");
});

test("every API version upstream shipped is read", () => {
  for (const [version, kind] of [["v1", "HTTPRoute"], ["v1beta1", "HTTPRoute"], ["v1alpha2", "HTTPRoute"], ["v1alpha2", "GRPCRoute"], ["v1alpha3", "TLSRoute"], ["v1alpha2", "TCPRoute"], ["v1alpha2", "UDPRoute"]]) {
    const rules = kind === "HTTPRoute" || kind === "GRPCRoute" ? "  - {}\n" : "  - backendRefs: [{name: s, port: 80}]\n";
    const loaded = load({ "in.yaml": route(rules).replace("gateway.networking.k8s.io/v1", `gateway.networking.k8s.io/${version}`).replace("kind: HTTPRoute", `kind: ${kind}`).replace(/hostnames.*\n/, "") });
    assert.deepEqual(loaded.diagnostics.errors.map(formatDiagnostic), [], `${kind} ${version}`);
    assert.equal(loaded.inventory.routing.routes[0].kind, kind);
  }
  assert.match(errors(route("  - {}\n").replace("/v1\n", "/v9\n")).join(), /not supported/);
});

test("parentRefs to one parent need distinct sectionNames; rule names are unique", () => {
  const twoRefs = (refs: string) => route("  - {}\n").replace("parentRefs: [{name: gw}]", `parentRefs: [${refs}]`);
  assert.match(errors(twoRefs("{name: gw}, {name: gw, sectionName: a}")).join(), /each reference must then set sectionName or port/);
  assert.match(errors(twoRefs("{name: gw, sectionName: a}, {name: gw, sectionName: a}")).join(), /the same sectionName\/port/);
  assert.deepEqual(errors(twoRefs("{name: gw, sectionName: a}, {name: gw, sectionName: b}")), []);
  assert.match(errors(route("  - {name: x}\n  - {name: x}\n")).join(), /rule name "x" is used twice/);
});
