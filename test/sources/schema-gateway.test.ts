// Gateway API v1.6.1 (experimental channel, as served) validated against its CRDs
// (schemas/upstream/gateway.networking.k8s.io): a valid manifest of every kind and served version
// is accepted, the CRDs' CEL rules give the CRDs' own messages, and the API server's defaulting runs
// first (the parentRefs rules read `group`/`kind`, which default to gateway.networking.k8s.io/Gateway).

import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { load } from "../helpers.js";
import { Diagnostics, formatDiagnostic } from "../../src/model/source.js";
import { schemaCatalog, validateObject } from "../../src/sources/schema/validate.js";

const GROUP = "gateway.networking.k8s.io";

function errors(yaml: string): string[] {
  return load({ "in.yaml": yaml }).diagnostics.errors.map(formatDiagnostic);
}

const parent = "  parentRefs: [{name: gw, sectionName: web}]\n";
const backend = "[{name: svc, port: 8080, weight: 1}]";

/** One valid manifest per kind, in the shapes the Gateway API docs show. */
const VALID: Record<string, string> = {
  GatewayClass: "spec:\n  controllerName: example.com/gateway-controller\n  description: shared\n  parametersRef: {group: example.com, kind: Config, name: c}\n",
  Gateway: `spec:
  gatewayClassName: shared
  addresses: [{value: 10.0.0.1}, {type: Hostname, value: lb.example.com}]
  infrastructure: {labels: {team: a}, annotations: {example.com/x: "1"}}
  allowedListeners: {namespaces: {from: Same}}
  listeners:
  - {name: web, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - name: websecure
    port: 443
    protocol: HTTPS
    hostname: "*.example.com"
    tls: {mode: Terminate, certificateRefs: [{name: cert}]}
  - {name: passthrough, port: 8443, protocol: TLS, tls: {mode: Passthrough}}
  - {name: dns, port: 53, protocol: UDP}
`,
  HTTPRoute: `spec:
${parent}  hostnames: [www.example.com, "*.example.org"]
  rules:
  - name: api
    matches:
    - path: {type: PathPrefix, value: /api}
      headers: [{name: version, value: v2}]
      queryParams: [{type: RegularExpression, name: q, value: "^[a-z]+$"}]
      method: GET
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: x-a, value: b}], remove: [x-c]}
    - type: URLRewrite
      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
    backendRefs: ${backend}
    timeouts: {request: 10s, backendRequest: 2s}
    retry: {attempts: 2, codes: [502, 503], backoff: 100ms}
  - matches: [{path: {type: Exact, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]
`,
  GRPCRoute: `spec:
${parent}  rules:
  - matches: [{method: {service: com.example.User, method: Login}, headers: [{name: x-env, value: prod}]}]
    backendRefs: ${backend}
`,
  ReferenceGrant: "spec:\n  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}]\n  to: [{group: \"\", kind: Service}]\n",
  BackendTLSPolicy: `spec:
  targetRefs: [{group: "", kind: Service, name: svc, sectionName: https}]
  validation:
    hostname: svc.example.com
    caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
    subjectAltNames: [{type: URI, uri: "spiffe://cluster.local/ns/a/sa/b"}]
`,
  ListenerSet: "spec:\n  parentRef: {name: gw}\n  listeners: [{name: extra, port: 8081, protocol: HTTP, hostname: extra.example.com}]\n",
  TLSRoute: `spec:\n${parent}  hostnames: [tls.example.com]\n  rules: [{backendRefs: ${backend}}]\n`,
  TCPRoute: `spec:\n${parent}  rules: [{backendRefs: ${backend}}]\n`,
  UDPRoute: `spec:\n${parent}  rules: [{backendRefs: ${backend}}]\n`,
};

const SERVED: [string, string[]][] = [
  ["GatewayClass", ["v1", "v1beta1"]], ["Gateway", ["v1", "v1beta1"]], ["HTTPRoute", ["v1", "v1beta1"]], ["GRPCRoute", ["v1"]],
  ["ReferenceGrant", ["v1", "v1beta1"]], ["BackendTLSPolicy", ["v1", "v1alpha3"]], ["ListenerSet", ["v1"]],
  ["TLSRoute", ["v1", "v1alpha2", "v1alpha3"]], ["TCPRoute", ["v1", "v1alpha2"]], ["UDPRoute", ["v1", "v1alpha2"]],
];

test("every served kind and version of Gateway API v1.6.1 (experimental channel) has a vendored schema", () => {
  const keys = new Set(schemaCatalog().keys());
  for (const [kind, versions] of SERVED) for (const v of versions) assert.ok(keys.has(`${GROUP}/${v}/${kind}`), `${kind} ${v}`);
  assert.equal(schemaCatalog().lookup(`${GROUP}/v1`, "HTTPRoute")?.source.version, "v1.6.1");
});

test("a valid manifest of each kind and served version is accepted", () => {
  for (const [kind, versions] of SERVED) {
    for (const v of versions) {
      const scoped = kind === "GatewayClass" ? "metadata: {name: x}\n" : "metadata: {name: x, namespace: web}\n";
      assert.deepEqual(errors(`apiVersion: ${GROUP}/${v}\nkind: ${kind}\n${scoped}${VALID[kind]}`), [], `${kind} ${v}`);
    }
  }
});

/** The schema's own diagnostics (no front end): "field: message". */
function schemaErrors(yaml: string): string[] {
  const obj = parse(yaml) as Record<string, unknown>;
  const diags = new Diagnostics();
  validateObject({ apiVersion: String(obj.apiVersion), kind: String(obj.kind), obj, ref: { file: "in.yaml", doc: 0, path: [] } }, diags);
  return diags.items.map((d) => `${(d.field ?? []).join(".")}: ${d.message}`);
}

const route = (kind: string, spec: string, version = "v1") => `apiVersion: ${GROUP}/${version}\nkind: ${kind}\nmetadata: {name: r, namespace: web}\nspec:\n${spec}`;

test("parentRefs rules see the defaulted group and kind, and `namespace` as CEL's escaped `__namespace__`", () => {
  // Upstream: "sectionName or port must be specified when parentRefs includes 2 or more references to the same parent".
  assert.deepEqual(schemaErrors(route("HTTPRoute", "  parentRefs: [{name: gw}, {name: gw, sectionName: a}]\n")), [
    "spec.parentRefs: sectionName or port must be specified when parentRefs includes 2 or more references to the same parent",
  ]);
  // The same Gateway named with and without its (defaulted) group and kind is the same parent.
  assert.deepEqual(schemaErrors(route("HTTPRoute", "  parentRefs: [{name: gw, sectionName: a}, {group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: a}]\n")), [
    "spec.parentRefs: sectionName or port must be unique when parentRefs includes 2 or more references to the same parent",
  ]);
  // Different namespaces are different parents (the rule reads p.__namespace__).
  assert.deepEqual(schemaErrors(route("HTTPRoute", "  parentRefs: [{name: gw, namespace: a}, {name: gw, namespace: b}]\n")), []);
  // The rules' default (one PathPrefix "/" match) is what the "at most 128 matches" rule counts.
  assert.deepEqual(schemaErrors(route("HTTPRoute", "  rules: [{}, {backendRefs: [{name: s, port: 80}]}]\n")), []);
  // The front end reports the same field with its own words: one error for the field.
  assert.deepEqual(errors(route("HTTPRoute", "  parentRefs: [{name: gw}, {name: gw, sectionName: a}]\n")).length, 1);
});

test("CEL rules with the CRDs' messages: TLSRoute hostnames, GRPCRoute methods (RE2 with (?i)), HTTPRoute timeouts (duration()), BackendTLSPolicy SANs, Gateway addresses", () => {
  assert.deepEqual(errors(route("TLSRoute", `  hostnames: [10.0.0.1]\n  rules: [{backendRefs: ${backend}}]\n`)), [
    "in.yaml:5 spec.hostnames: Hostnames cannot contain an IP",
  ]);
  assert.deepEqual(errors(route("GRPCRoute", `  rules: [{matches: [{method: {service: "Com.Example", method: "log-in"}}]}]\n`)), [
    "in.yaml:5 spec.rules[0].matches[0].method: method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)",
  ]);
  assert.deepEqual(errors(route("HTTPRoute", "  rules: [{timeouts: {request: 1s, backendRequest: 2s}}]\n")), [
    "in.yaml:5 spec.rules[0].timeouts: backendRequest timeout cannot be longer than request timeout",
  ]);
  const tls = `apiVersion: ${GROUP}/v1\nkind: BackendTLSPolicy\nmetadata: {name: p, namespace: web}\nspec:\n  targetRefs: [{group: "", kind: Service, name: s}]\n  validation: {hostname: s.example.com, wellKnownCACertificates: System, subjectAltNames: [{type: Hostname}]}\n`;
  assert.deepEqual(errors(tls), ["in.yaml:6 spec.validation.subjectAltNames[0]: SubjectAltName element must contain Hostname, if Type is set to Hostname"]);
  const gw = `apiVersion: ${GROUP}/v1\nkind: Gateway\nmetadata: {name: g, namespace: web}\nspec:\n  gatewayClassName: c\n  addresses: [{value: not-an-ip}]\n  listeners: [{name: a, port: 80, protocol: HTTP}]\n`;
  // type defaults to IPAddress, so the value must be an IPv4 or IPv6 address (the CRD's oneOf).
  assert.equal(errors(gw).length, 1);
  assert.match(errors(gw)[0], /^in\.yaml:6 spec\.addresses\[0\]: /);
});

test("GatewayClass controllerName must be a domain-prefixed path: an error, as the CRD's pattern makes it (one report for the field)", () => {
  const e = errors(`apiVersion: ${GROUP}/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec: {controllerName: my-controller}\n`);
  assert.equal(e.length, 1);
  assert.match(e[0], /^in\.yaml:4 spec\.controllerName: "my-controller" does not match the pattern /);
});

test("what the CRD accepts and a controller reports in status is not rejected: invalid regular expressions, unknown protocols, unresolvable kinds", () => {
  assert.deepEqual(errors(route("HTTPRoute", "  rules: [{matches: [{path: {type: RegularExpression, value: \"/a/[\"}, headers: [{type: RegularExpression, name: x, value: \"(\"}]}]}]\n")), []);
  assert.deepEqual(errors(route("GRPCRoute", "  rules: [{matches: [{method: {type: RegularExpression, service: \"(\"}}]}]\n")), []);
  assert.deepEqual(errors(route("HTTPRoute", "  rules: [{backendRefs: [{group: example.com, kind: Bucket, name: b}]}]\n")), []);
  assert.deepEqual(errors(`apiVersion: ${GROUP}/v1\nkind: Gateway\nmetadata: {name: g, namespace: web}\nspec:\n  gatewayClassName: c\n  listeners: [{name: a, port: 1111, protocol: example.com/EXOTIC}]\n`), []);
});
