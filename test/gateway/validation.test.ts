// The Gateway API front ends validate as the API server and the CRDs' CEL rules do (the v1.6.1
// experimental-channel CRDs in schemas/upstream/gateway.networking.k8s.io), and report each error
// once, with file, line and field. Where a CEL rule of the CRD judges a whole list or object, its
// own message is the one reported (quoted below), at the field the rule is written on.

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

test("path values: absolute, no '//', '/./', '/../', '%2f', '#', and no trailing '/.' (CRD rules on HTTPPathMatch)", () => {
  const upstream: Record<string, string> = {
    foo: "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
    "/a//b": "must not contain '//' when type one of ['Exact', 'PathPrefix']",
    "/a/./b": "must not contain '/./' when type one of ['Exact', 'PathPrefix']",
    "/a/../b": "must not contain '/../' when type one of ['Exact', 'PathPrefix']",
    "/a%2fb": "must not contain '%2f' when type one of ['Exact', 'PathPrefix']",
    "/a#b": "must not contain '#' when type one of ['Exact', 'PathPrefix']",
    "/a/..": "must not end with '/..' when type one of ['Exact', 'PathPrefix']",
  };
  for (const [bad, message] of Object.entries(upstream)) {
    const e = errors(route(`  - matches: [{path: {type: PathPrefix, value: "${bad}"}}]\n    backendRefs: [{name: s, port: 80}]\n`));
    assert.equal(e[0], `in.yaml:7 spec.rules[0].matches[0].path: ${message}`, `${bad}: ${e}`);
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
  assert.deepEqual(errors(route("  - backendRefs: [{name: s}]\n")), ["in.yaml:7 spec.rules[0].backendRefs[0]: Must have port for Service reference"]);
  assert.deepEqual(errors(route("  - backendRefs: [{group: junction.dev, kind: Workload, name: vm}]\n")), [], "no port needed for other kinds");
  const both = "  - filters: [{type: RequestRedirect, requestRedirect: {}}, {type: URLRewrite, urlRewrite: {}}]\n";
  assert.match(errors(route(both)).join(), /RequestRedirect and URLRewrite filters cannot both be used/);
  const twice = "  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {}}, {type: RequestHeaderModifier, requestHeaderModifier: {}}]\n";
  assert.deepEqual(errors(route(twice)), ["in.yaml:7 spec.rules[0].filters: RequestHeaderModifier filter cannot be repeated"]);
  const prefix = "  - matches: [{path: {type: Exact, value: /a}}]\n    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}]\n";
  assert.deepEqual(errors(route(prefix)), ["in.yaml:7 spec.rules[0]: When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified"]);
  const wrongField = "  - filters: [{type: RequestHeaderModifier, responseHeaderModifier: {}}]\n";
  assert.deepEqual(errors(route(wrongField)), [
    "in.yaml:7 spec.rules[0].filters[0]: filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type",
    "in.yaml:7 spec.rules[0].filters[0]: filter.responseHeaderModifier must be nil if the filter.type is not ResponseHeaderModifier",
  ]);
});

test("listeners: unique names and port/protocol/hostname, TLS rules per protocol", () => {
  const gw = (listeners: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: c
  listeners:
${listeners}`;
  // The list is a list-map keyed by name (API server: Duplicate value) and has a CEL rule too.
  assert.deepEqual(errors(gw("  - {name: a, port: 80, protocol: HTTP}\n  - {name: a, port: 81, protocol: HTTP}\n")), [
    "in.yaml:6 spec.listeners: Listener name must be unique within the Gateway",
    'in.yaml:8 spec.listeners[1]: Duplicate value: {"name":"a"}',
  ]);
  assert.deepEqual(errors(gw("  - {name: a, port: 80, protocol: HTTP}\n  - {name: b, port: 80, protocol: HTTP}\n")), ["in.yaml:6 spec.listeners: Combination of port, protocol and hostname must be unique for each listener"]);
  assert.match(errors(gw("  - {name: a, port: 443, protocol: HTTPS}\n")).join(), /tls must be set for protocol HTTPS/);
  assert.deepEqual(errors(gw("  - {name: a, port: 80, protocol: HTTP, tls: {certificateRefs: [{name: x}]}}\n")), ["in.yaml:6 spec.listeners: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"]);
  assert.match(errors(gw("  - {name: a, port: 443, protocol: HTTPS, tls: {mode: Terminate}}\n")).join(), /certificateRefs must be set when mode is Terminate/);
  assert.deepEqual(errors(gw("  - {name: a, port: 53, protocol: UDP, hostname: a.com}\n")), ["in.yaml:6 spec.listeners: hostname must not be specified for protocols ['TCP', 'UDP']"]);
  assert.deepEqual(errors(gw("  - {name: a, port: 1111, protocol: EXOTIC}\n")), [], "an unknown protocol is valid API; status reports it");
});

test("every API version upstream shipped is read", () => {
  for (const [version, kind] of [["v1", "HTTPRoute"], ["v1beta1", "HTTPRoute"], ["v1alpha2", "HTTPRoute"], ["v1alpha2", "GRPCRoute"], ["v1alpha3", "TLSRoute"], ["v1alpha2", "TCPRoute"], ["v1alpha2", "UDPRoute"]]) {
    const rules = kind === "HTTPRoute" || kind === "GRPCRoute" ? "  - {}\n" : "  - backendRefs: [{name: s, port: 80}]\n";
    // TLSRoute v1 (and v1alpha3, served with the same schema) requires hostnames.
    const hostnames = kind === "TLSRoute" ? "  hostnames: [a.example.com]\n" : "";
    const loaded = load({ "in.yaml": route(rules, hostnames).replace("gateway.networking.k8s.io/v1", `gateway.networking.k8s.io/${version}`).replace("kind: HTTPRoute", `kind: ${kind}`) });
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
