// Status for Service parents: a mesh controller accepts a route bound to an existing Service port
// and says why it does not otherwise (GEP-1294: no frontend for headless or ExternalName Services;
// GRPCRoute beats HTTPRoute on one port, the loser is Conflicted); ResolvedRefs needs no ReferenceGrant.

import { test } from "node:test";
import assert from "node:assert/strict";
import { GatewayEngine } from "../../src/engine/gateway/engine.js";
import { statusObjects } from "../../src/engine/gateway/status.js";
import { MeshEngine } from "../../src/engine/mesh/engine.js";
import { meshParentStatuses } from "../../src/engine/mesh/status.js";
import { load } from "../helpers.js";
import { CLUSTER, meshRoute, tagged } from "./fixture.js";

interface Parent { parentRef: Record<string, unknown>; controllerName: string; conditions: { type: string; status: string; reason: string }[] }

function parents(yaml: string, name: string): Parent[] {
  const inv = load({ "s.yaml": yaml }).inventory;
  const mesh = new MeshEngine(inv);
  const objects = statusObjects(new GatewayEngine(inv), (r) => meshParentStatuses(mesh, r));
  const o = objects.find((x) => (x.metadata as { name: string }).name === name) as { status: { parents: Parent[] } };
  return o.status.parents;
}
const cond = (p: Parent, type: string) => p.conditions.find((c) => c.type === type)!;

test("a route bound to a Service is Accepted and ResolvedRefs for that parent, cross-namespace backends without a grant", () => {
  const [p] = parents(CLUSTER + meshRoute("web", "r", "{group: '', kind: Service, name: api, namespace: shop, port: 80}", tagged("api", "x")), "r");
  assert.deepEqual(p.parentRef, { group: "", kind: "Service", namespace: "shop", name: "api", port: 80 });
  assert.equal(p.controllerName, "junction.dev/mesh");
  assert.deepEqual([cond(p, "Accepted").status, cond(p, "Accepted").reason], ["True", "Accepted"]);
  assert.deepEqual([cond(p, "ResolvedRefs").status, cond(p, "ResolvedRefs").reason], ["True", "ResolvedRefs"]);
});

test("a missing Service, a missing port, a headless Service: Accepted=False, NoMatchingParent", () => {
  const headless = `---
apiVersion: v1
kind: Service
metadata: {name: hl, namespace: shop}
spec: {clusterIP: None, selector: {app: api}, ports: [{port: 80}]}
`;
  const refs = "{kind: Service, group: '', name: nope}, {kind: Service, group: '', name: api, port: 81}, {kind: Service, group: '', name: hl}";
  const ps = parents(CLUSTER + headless + meshRoute("shop", "r", refs, tagged("api", "x")), "r");
  assert.equal(ps.length, 3);
  for (const p of ps) assert.deepEqual([cond(p, "Accepted").status, cond(p, "Accepted").reason], ["False", "NoMatchingParent"], JSON.stringify(p.parentRef));
});

test("a backend that does not exist: ResolvedRefs=False, BackendNotFound", () => {
  const [p] = parents(CLUSTER + meshRoute("shop", "r", "{kind: Service, group: '', name: api}", `  rules: [{backendRefs: [{name: ghost, port: 80}]}]`), "r");
  assert.deepEqual([cond(p, "ResolvedRefs").status, cond(p, "ResolvedRefs").reason], ["False", "BackendNotFound"]);
});

test("an HTTPRoute on a Service port a GRPCRoute of the same namespace also binds to is Conflicted", () => {
  const ref = "{kind: Service, group: '', name: api, port: 7070}";
  const yaml = CLUSTER + meshRoute("shop", "h", ref, tagged("api", "x", 7070)) + meshRoute("shop", "g", ref, `  rules: [{backendRefs: [{name: api, port: 7070}]}]`, "GRPCRoute");
  assert.deepEqual([cond(parents(yaml, "h")[0], "Accepted").status, cond(parents(yaml, "h")[0], "Accepted").reason], ["False", "Conflicted"]);
  assert.equal(cond(parents(yaml, "g")[0], "Accepted").status, "True");
});

test("a route with Gateway and Service parents has status for both", () => {
  const yaml = CLUSTER + `---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: c}
spec: {controllerName: example.com/gw}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec: {gatewayClassName: c, listeners: [{name: http, port: 80, protocol: HTTP}]}
` + meshRoute("shop", "both", "{name: gw}, {kind: Service, group: '', name: api}", tagged("api", "x"));
  const ps = parents(yaml, "both");
  assert.deepEqual(ps.map((p) => [p.parentRef.kind, p.controllerName]), [["Gateway", "example.com/gw"], ["Service", "junction.dev/mesh"]]);
});
