// Envoy Gateway's EnvoyPatchPolicy (internal/gatewayapi/envoypatchpolicy.go ProcessEnvoyPatchPolicies): JSON patches
// of the xDS configuration of its target's Envoy, applied when Envoy Gateway's configuration enables them
// (extensionApis.enableEnvoyPatchPolicy). It was ignored as a kind Junction does not read: a patch that answers 418
// for every request was answered 200.

import { test } from "node:test";
import assert from "node:assert/strict";
import { egConfig, envoyGateway, HTTP_ALL, httpRoute, route } from "./fixture.js";
import { cli, tempFiles } from "../helpers.js";
import { join } from "node:path";

const PATCH = (target: string, patches = `[{type: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration", name: infra/gw/http, operation: {op: add, path: "/virtual_hosts/0/routes/0", value: {match: {prefix: /}, direct_response: {status: 418}}}}]`) =>
  `---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyPatchPolicy\nmetadata: {name: patch, namespace: infra}\nspec: {targetRef: ${target}, type: JSONPatch, jsonPatches: ${patches}}\n`;
const TO_GW = "{group: gateway.networking.k8s.io, kind: Gateway, name: gw}";
const YAML = envoyGateway([HTTP_ALL]) + httpRoute("web", "  rules: [{backendRefs: [{name: v1, port: 80}]}]");

test("an EnvoyPatchPolicy on the Gateway leaves its answers undetermined where Envoy Gateway applies it (it was ignored: 200)", () => {
  const unknown = route(YAML + PATCH(TO_GW), {});
  assert.equal(unknown.status, null, "was 200");
  assert.match(unknown.undetermined!, /the 1 JSON patch of EnvoyPatchPolicy infra\/patch to the xDS configuration Envoy Gateway writes for Gateway infra\/gw \(if Envoy Gateway's configuration enables EnvoyPatchPolicy/);
  const enabled = route(YAML + PATCH(TO_GW) + egConfig("extensionApis: {enableEnvoyPatchPolicy: true}"), {});
  assert.equal(enabled.status, null);
  assert.doesNotMatch(enabled.undetermined!, /if Envoy Gateway's configuration enables/);
  // Disabled (the configuration without extensionApis.enableEnvoyPatchPolicy): status Disabled, nothing patched.
  assert.equal(route(YAML + PATCH(TO_GW) + egConfig("gateway: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}"), {}).status, 200);
  // Another Gateway, another namespace, a GatewayClass target of Gateways not merged (Invalid), no patches: nothing.
  assert.equal(route(YAML + PATCH("{group: gateway.networking.k8s.io, kind: Gateway, name: other}"), {}).status, 200);
  assert.equal(route(YAML + PATCH(TO_GW).replace("namespace: infra}", "namespace: apps}"), {}).status, 200, "the Gateway of the policy's namespace");
  assert.equal(route(YAML + PATCH("{group: gateway.networking.k8s.io, kind: GatewayClass, name: eg}"), {}).status, 200);
  assert.equal(route(YAML + PATCH(TO_GW, "[]"), {}).status, 200);
});

test("an EnvoyPatchPolicy on the GatewayClass of merged Gateways (the IR key is the class's name); compile --target nginx refuses a patched Gateway", async () => {
  const merged = YAML + egConfig("extensionApis: {enableEnvoyPatchPolicy: true}\nenvoyProxy: {mergeGateways: true}");
  assert.equal(route(merged + PATCH("{group: gateway.networking.k8s.io, kind: GatewayClass, name: eg}"), {}).status, null);
  assert.equal(route(merged + PATCH(TO_GW), {}).status, 200, "a Gateway target under merging is Invalid");
  const t = tempFiles({ "in.yaml": YAML + PATCH(TO_GW) });
  try {
    const r = await cli(["compile", "--target", "nginx", "-f", join(t.dir, "in.yaml"), "--gateway", "infra/gw"]);
    assert.match(r.out + r.err, /EnvoyPatchPolicy infra\/patch/);
    assert.notEqual(r.code, 0);
  } finally { t.cleanup(); }
});
