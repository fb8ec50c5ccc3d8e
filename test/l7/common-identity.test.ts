// The common API's identities: principals peers pick the pods and Workloads running as a service
// account, in the mesh's trust domain; Workloads carry a service account like pods.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, verdict } from "../helpers.js";
import { pod } from "./fixture.js";

const yaml = pod("shop", "api", "10.0.0.2") + pod("shop", "web", "10.0.0.1") + pod("ops", "cron", "10.0.3.1", { sa: "batch" }) + `apiVersion: junction.dev/v1alpha1
kind: Workload
metadata: {name: vm1, namespace: ops}
spec: {addresses: [192.0.2.10], serviceAccount: batch}
---
apiVersion: junction.dev/v1alpha1
kind: Workload
metadata: {name: vm2, namespace: ops}
spec: {addresses: [192.0.2.11]}
---
apiVersion: junction.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: api, namespace: shop}
spec:
  tier: Namespace
  subject: {workloads: {matchLabels: {app: api}}}
  ingress:
  - action: Allow
    from: [{principals: ["spiffe://cluster.local/ns/ops/sa/batch", "cluster.local/ns/shop/sa/*"]}]
`;

test("principals pick pods and Workloads by namespace and service account, in the mesh's trust domain", () => {
  const e = engineFor(yaml);
  assert.equal(verdict(e, "ops/cron", "shop/api", 8080), "allow");
  assert.equal(verdict(e, "workload:ops/vm1", "shop/api", 8080), "allow", "a Workload's serviceAccount is its identity");
  assert.equal(verdict(e, "workload:ops/vm2", "shop/api", 8080), "deny", "a Workload without one has no identity");
  assert.equal(verdict(e, "shop/web", "shop/api", 8080), "allow", "sa/* is any service account of the namespace");
  e.inventory.mesh.settings.trustDomain = "corp.example";
  const other = new (e.constructor as typeof import("../../src/engine/verdict.js").PolicyEngine)(e.inventory);
  assert.equal(verdict(other, "ops/cron", "shop/api", 8080), "deny", "principals of another trust domain pick nothing");
});

test("a principal that is not TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT is an error", () => {
  assert.throws(() => engineFor(yaml.replace("cluster.local/ns/shop/sa/*", "cluster.local/shop/web")), /is not a principal/);
});

test("a Deny with http decides requests only, yet compiling it to Kubernetes is an error, never a silent drop", async () => {
  const { cli, tempFiles } = await import("../helpers.js");
  const { dir, cleanup } = tempFiles({ "p.yaml": "apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: no-admin}\nspec:\n  tier: Admin\n  priority: 10\n  subject: {workloads: {matchLabels: {app: api}}}\n  ingress:\n  - {action: Deny, http: [{paths: [{prefix: /admin}]}]}\n" });
  try {
    const r = await cli(["compile", "-f", `${dir}/p.yaml`, "--target", "k8s"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /p\.yaml:9: TrafficPolicy no-admin, ingress rule 0: AdminNetworkPolicy cannot match HTTP requests/);
    const back = await cli(["convert", "policy", "--to", "common", "-f", `${dir}/p.yaml`]);
    assert.match(back.out, /action: Deny\n +http:\n +- paths:\n +- prefix: \/admin/, "convert keeps the request-only rule");
  } finally { cleanup(); }
});
