// Istio's security.istio.io CRDs (schemas/upstream/security.istio.io, istio/api master): a valid
// manifest of every kind and served version is accepted; the CRDs' structural and CEL rules hold as
// the API server applies them (quoted messages are the CRDs' own).

import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { Diagnostics } from "../../src/model/source.js";
import { schemaCatalog, validateObject } from "../../src/sources/schema/validate.js";
import { parseRequestUri } from "../../src/sources/schema/cel.js";

const GROUP = "security.istio.io";

function schemaDiags(yaml: string): Diagnostics {
  const obj = parse(yaml) as Record<string, unknown>;
  const diags = new Diagnostics();
  validateObject({ apiVersion: String(obj.apiVersion), kind: String(obj.kind), obj, ref: { file: "in.yaml", doc: 0, path: [] } }, diags);
  return diags;
}

const schemaErrors = (yaml: string) => schemaDiags(yaml).items.map((d) => `${(d.field ?? []).join(".")}: ${d.message}`);
const obj = (version: string, kind: string, spec: string) => `apiVersion: ${GROUP}/${version}\nkind: ${kind}\nmetadata: {name: x, namespace: web}\nspec:\n${spec}`;

const AUTHZ = `  selector: {matchLabels: {app: web}}
  action: ALLOW
  rules:
  - from: [{source: {principals: [cluster.local/ns/a/sa/b], trustDomains: [cluster.local], notTrustDomains: [bad.example.com]}}]
    to: [{operation: {ports: ["8080"], paths: [/api/*], methods: [GET]}}]
    when: [{key: 'request.headers[x-a]', values: [b]}]
`;
const VALID: [string, string, string][] = [
  ["AuthorizationPolicy", "v1", AUTHZ],
  ["AuthorizationPolicy", "v1beta1", "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\n  action: CUSTOM\n  provider: {name: ext-authz}\n  rules: [{}]\n"],
  ["AuthorizationPolicy", "v1", "  {}\n"],
  ["PeerAuthentication", "v1", "  selector: {matchLabels: {app: web}}\n  mtls: {mode: STRICT}\n  portLevelMtls: {'8080': {mode: PERMISSIVE}}\n"],
  ["PeerAuthentication", "v1beta1", "  mtls: {mode: DISABLE}\n"],
  ["RequestAuthentication", "v1", "  selector: {matchLabels: {app: web}}\n  jwtRules: [{issuer: https://issuer.example.com, jwksUri: https://issuer.example.com/jwks, timeout: 5s, spaceDelimitedClaims: [scope]}]\n"],
  ["RequestAuthentication", "v1beta1", "  jwtRules: [{issuer: a, jwks: '{}', fromHeaders: [{name: x-jwt, prefix: 'Bearer '}], outputClaimToHeaders: [{header: x-sub, claim: sub}]}]\n"],
];

test("every served kind and version of Istio's security CRDs has a vendored schema", () => {
  const keys = new Set(schemaCatalog().keys());
  for (const [kind, v] of VALID) assert.ok(keys.has(`${GROUP}/${v}/${kind}`), `${kind} ${v}`);
});

test("a valid manifest of each kind and served version is accepted (trustDomains included, as the Istio conformance suite writes them)", () => {
  for (const [kind, v, spec] of VALID) assert.deepEqual(schemaErrors(obj(v, kind, spec)), [], `${kind} ${v}`);
});

test("AuthorizationPolicy: unknown fields, the CUSTOM provider oneOf, serviceAccounts with principals, one of selector/targetRef/targetRefs", () => {
  assert.deepEqual(schemaErrors(obj("v1", "AuthorizationPolicy", "  rules: [{from: [{source: {principal: [a]}}]}]\n")), ['spec.rules.0.from.0.source.principal: unknown field "principal" (did you mean "principals"?)']);
  assert.deepEqual(schemaErrors(obj("v1", "AuthorizationPolicy", "  action: allow\n")), ['spec.action: "allow" is not one of ALLOW, DENY, AUDIT, CUSTOM']);
  assert.deepEqual(schemaErrors(obj("v1", "AuthorizationPolicy", "  rules: [{from: [{source: {serviceAccounts: [a], principals: [b]}}]}]\n")), ["spec.rules.0.from.0.source: Cannot set serviceAccounts with namespaces or principals"]);
  assert.deepEqual(schemaErrors(obj("v1", "AuthorizationPolicy", "  selector: {matchLabels: {app: web}}\n  targetRefs: [{kind: Service, name: web}]\n")), ["spec: only one of targetRefs or selector can be set"]);
  assert.deepEqual(schemaErrors(obj("v1", "AuthorizationPolicy", "  targetRef: {kind: Service, name: web, namespace: other}\n")), ["spec.targetRef.namespace: cross namespace referencing is not currently supported"]);
  assert.deepEqual(schemaErrors(obj("v1", "AuthorizationPolicy", "  selector: {matchLabels: {app: 'web*'}}\n")), ["spec.selector.matchLabels.app: wildcard not allowed in label value match"]);
  // `provider` is present exactly when one oneOf branch holds; a `when` needs its key.
  assert.equal(schemaErrors(obj("v1", "AuthorizationPolicy", "  rules: [{when: [{values: [a]}]}]\n"))[0], "spec.rules.0.when.0.key: required field is missing");
});

test("PeerAuthentication: portLevelMtls needs a selector; ports 1-65535; modes are the enum", () => {
  assert.deepEqual(schemaErrors(obj("v1", "PeerAuthentication", "  portLevelMtls: {'8080': {mode: STRICT}}\n")), ["spec: portLevelMtls requires selector"]);
  assert.deepEqual(schemaErrors(obj("v1", "PeerAuthentication", "  selector: {matchLabels: {a: b}}\n  portLevelMtls: {'0': {mode: STRICT}}\n")), ["spec.portLevelMtls: port must be between 1-65535"]);
  assert.deepEqual(schemaErrors(obj("v1", "PeerAuthentication", "  mtls: {mode: strict}\n")), ['spec.mtls.mode: "strict" is not one of UNSET, DISABLE, PERMISSIVE, STRICT']);
});

test("RequestAuthentication: jwksUri is an http(s) URL (the Kubernetes url() library), timeout a duration of at least 1ms, one of jwks/jwksUri", () => {
  const rule = (r: string) => schemaErrors(obj("v1", "RequestAuthentication", `  jwtRules: [${r}]\n`));
  assert.deepEqual(rule("{issuer: a, jwksUri: 'ftp://x/jwks'}"), ["spec.jwtRules.0.jwksUri: url must have scheme http:// or https://"]);
  assert.deepEqual(rule("{issuer: a, jwksUri: 'HTTPS://X/jwks'}"), [], "Go's url.Parse lower-cases the scheme");
  assert.equal(rule("{issuer: a, jwksUri: 'not a url'}").length, 1, "url() of a relative reference is an evaluation error: the rule fails");
  assert.deepEqual(rule("{issuer: a, timeout: 500us}"), ["spec.jwtRules.0.timeout: must be a valid duration greater than 1ms"]);
  assert.deepEqual(rule("{issuer: a, jwks: '{}', jwksUri: 'https://x/'}"), ["spec.jwtRules.0: only one of jwks or jwksUri can be set"]);
  assert.deepEqual(rule("{issuer: a, outputClaimToHeaders: [{header: 'x y', claim: c}]}"), ['spec.jwtRules.0.outputClaimToHeaders.0.header: "x y" does not match the pattern ^[-_A-Za-z0-9]+$']);
});

test("url(): Go's url.ParseRequestURI — an absolute URI or an absolute path; control characters, bad ports and bad escapes refused", () => {
  assert.equal(parseRequestUri("https://a.example:8443/p?q")?.scheme, "https");
  assert.equal(parseRequestUri("https://a.example:8443/p?q")?.host, "a.example:8443");
  assert.equal(parseRequestUri("/only/a/path")?.path, "/only/a/path");
  assert.equal(parseRequestUri("mailto:x@example.com")?.scheme, "mailto", "an opaque URI");
  for (const bad of ["", "relative/path", "http://a:b/", "http://a/%zz", "http://a/\n", "://x"]) assert.equal(parseRequestUri(bad), undefined, bad);
});

test("a server-accepted Istio object with a field newer than the vendored schema gets a note, not an error", () => {
  const d = schemaDiags(`apiVersion: ${GROUP}/v1\nkind: AuthorizationPolicy\nmetadata: {name: x, namespace: web, resourceVersion: "7"}\nspec:\n  action: ALLOW\n  futureField: 1\n`);
  assert.deepEqual(d.items.map((i) => i.severity), ["info"]);
  assert.match(d.items[0].message, /istio\/api/);
});
