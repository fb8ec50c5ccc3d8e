// Cilium Cluster Mesh global Services (pkg/annotation: GetAnnotationIncludeExternal,
// GetAnnotationShared, GetAnnotationServiceAffinity): one cluster's objects show its own endpoints
// only, so a global Service is warned about, saying what the other clusters' endpoints change.

import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "../helpers.js";

const svc = (annotations: string) => `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, annotations: {${annotations}}}
spec: {selector: {app: web}, ports: [{port: 80}]}
`;
const warnings = (annotations: string) => load({ "s.yaml": svc(annotations) }).diagnostics.items.filter((d) => d.code === "vendor-cluster").map((d) => `${d.field?.join(".")}: ${d.message}`);

test("service.cilium.io/global \"true\" (any case; the io.cilium alias too): a warning that the other clusters' endpoints serve it too, as the affinity says", () => {
  const none = warnings(`service.cilium.io/global: "True"`);
  assert.equal(none.length, 1, none.join("\n"));
  assert.match(none[0], /^metadata\.annotations\.service\.cilium\.io\/global: a Cluster Mesh global Service: .*shop\/web.*with none here, the other clusters' serve every connection.*any of them may serve a connection \(no affinity\)/);
  assert.match(warnings(`io.cilium/global-service: "true", service.cilium.io/affinity: local`)[0], /prefers this cluster's endpoints while one is healthy \(affinity local\)/);
  assert.match(warnings(`service.cilium.io/global: "true", service.cilium.io/affinity: Remote`)[0], /prefers the other clusters' endpoints/);
  assert.match(warnings(`service.cilium.io/global: "true", service.cilium.io/shared: "false"`)[0], /this cluster's endpoints are not offered to the other clusters/);
  const odd = warnings(`service.cilium.io/global: "true", service.cilium.io/affinity: nearest`);
  assert.ok(odd.some((w) => /"nearest" is not a Cilium service affinity .* reads none/.test(w)), odd.join("\n"));
});

test("not global: a value other than true, and shared or affinity without global, are named as ignored", () => {
  const yes = warnings(`service.cilium.io/global: "yes"`);
  assert.deepEqual(yes.map((w) => /does not make the Service global/.test(w)), [true]);
  const alone = warnings(`service.cilium.io/shared: "false", service.cilium.io/affinity: local`);
  assert.equal(alone.length, 2);
  assert.ok(alone.every((w) => /is ignored: Cilium reads it only on a global Service/.test(w)), alone.join("\n"));
  assert.deepEqual(warnings(`example.com/x: "1"`), []);
});
