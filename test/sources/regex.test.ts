// Front ends validate regular expressions with the dialect their data plane uses (src/model/regex.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "../helpers.js";

const cnp = (http: string) => `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: h, namespace: x}\nspec:
  endpointSelector: {}
  ingress:
  - toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [${http}]}}]`;

const errors = (yaml: string) => load({ "p.yaml": yaml }).diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`);

test("Cilium HTTP path and method: RE2 as Cilium's Sanitize (Go regexp.Compile) checks them; an invalid one refuses the policy", () => {
  assert.deepEqual(errors(cnp("{method: 'GET|HEAD', path: '/api/v[0-9]+/(?P<rest>.*)'}")), []);
  assert.match(errors(cnp("{path: '/a(?=b)'}")).join(), /path: "\/a\(\?=b\)" is not a valid RE2 regular expression .*Cilium refuses the policy/);
  assert.match(errors(cnp("{method: '(GET'}")).join(), /method: .* is not a valid RE2 regular expression/);
  assert.match(errors(cnp("{host: 'a\\C'}")).join(), /host: .* is not a valid RE2 regular expression/, "Envoy compiles host with RE2 as well");
});

test("common API http paths are RE2 (backreferences are invalid, \\pN is a Unicode class)", () => {
  const tp = (path: string) => `apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: t, namespace: x}\nspec:
  tier: Namespace
  subject: {}
  ingress:
  - action: Allow
    http: [{paths: ['${path}']}]`;
  assert.deepEqual(errors(tp("/v\\pN+/.*")), []);
  assert.match(errors(tp("/(a)\\1")).join(), /is not a valid RE2 regular expression/);
});
