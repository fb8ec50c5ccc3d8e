// Linkerd's policy.linkerd.io CRDs as of edge-26.8.3 (schemas/upstream/policy.linkerd.io): a valid
// manifest of every kind and served version is accepted; the CRDs' structural rules hold (they
// carry no CEL rules): oneOf selectors, identity patterns, int-or-string ports, defaults.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { Diagnostics } from "../../src/model/source.js";
import { schemaCatalog, validateObject } from "../../src/sources/schema/validate.js";

const GROUP = "policy.linkerd.io";

function schemaErrors(yaml: string): string[] {
  const obj = parse(yaml) as Record<string, unknown>;
  const diags = new Diagnostics();
  validateObject({ apiVersion: String(obj.apiVersion), kind: String(obj.kind), obj, ref: { file: "in.yaml", doc: 0, path: [] } }, diags);
  return diags.items.map((d) => `${(d.field ?? []).join(".")}: ${d.message}`);
}

const obj = (version: string, kind: string, spec: string) => `apiVersion: ${GROUP}/${version}\nkind: ${kind}\nmetadata: {name: x, namespace: web}\nspec:\n${spec}`;

const route = `  parentRefs: [{group: core, kind: Service, name: web, port: 8080}]
  hostnames: [web.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}, method: GET, headers: [{name: x-a, value: b}]}]
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-b, value: c}]}}]
    backendRefs: [{name: web-v2, port: 8080}]
`;

const VALID: [string, string[], string][] = [
  ["Server", ["v1beta1"], "  podSelector: {matchLabels: {app: web}}\n  port: http\n  proxyProtocol: HTTP/2\n"],
  ["Server", ["v1alpha1"], "  podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}\n  port: 8080\n"],
  ["Server", ["v1beta2", "v1beta3"], "  externalWorkloadSelector: {matchLabels: {app: vm}}\n  port: 8080\n"],
  ["ServerAuthorization", ["v1alpha1", "v1beta1"], "  server: {name: web-http}\n  client:\n    meshTLS: {identities: ['*.web.serviceaccount.identity.linkerd.cluster.local'], serviceAccounts: [{name: api, namespace: web}]}\n    networks: [{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}]\n"],
  ["AuthorizationPolicy", ["v1alpha1"], "  targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}\n  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: api}]\n"],
  ["MeshTLSAuthentication", ["v1alpha1"], "  identityRefs: [{kind: ServiceAccount, name: api}]\n"],
  ["NetworkAuthentication", ["v1alpha1"], "  networks: [{cidr: 0.0.0.0/0}, {cidr: '::/0'}]\n"],
  ["HTTPRoute", ["v1alpha1", "v1beta1", "v1beta2", "v1beta3"], route],
];

test("every served kind and version of Linkerd's policy CRDs (edge-26.8.3) has a vendored schema", () => {
  const keys = new Set(schemaCatalog().keys());
  for (const [kind, versions] of VALID) for (const v of versions) assert.ok(keys.has(`${GROUP}/${v}/${kind}`), `${kind} ${v}`);
});

test("a valid manifest of each kind and served version is accepted", () => {
  for (const [kind, versions, spec] of VALID) for (const v of versions) assert.deepEqual(schemaErrors(obj(v, kind, spec)), [], `${kind} ${v}`);
  assert.deepEqual(schemaErrors(obj("v1beta3", "HTTPRoute", `${route}    timeouts: {request: 10s, backendRequest: 1m30s}\n`)), [], "timeouts are Go durations");
});

test("structural rules: a Server selects pods or external workloads (oneOf), identities are DNS-like, ports are int-or-string", () => {
  assert.equal(schemaErrors(obj("v1beta3", "Server", "  podSelector: {}\n  externalWorkloadSelector: {}\n  port: 80\n")).length, 1);
  assert.match(schemaErrors(obj("v1beta1", "ServerAuthorization", "  server: {name: s}\n  client: {meshTLS: {identities: ['Bad_ID']}}\n"))[0], /^spec\.client\.meshTLS\.identities\.0: "Bad_ID" does not match the pattern/);
  assert.deepEqual(schemaErrors(obj("v1beta3", "Server", "  podSelector: {}\n  port: [80]\n")), ["spec.port: must be an integer or a string, not a list"]);
  assert.deepEqual(schemaErrors(obj("v1beta3", "HTTPRoute", "  rules: [{timeouts: {request: soon}}]\n")), ['spec.rules.0.timeouts.request: "soon" is not a valid duration']);
  // v1alpha1 Servers needed one of matchLabels/matchExpressions; later versions select all with {}.
  assert.equal(schemaErrors(obj("v1alpha1", "Server", "  podSelector: {}\n  port: 80\n")).length, 1);
});
