// Endpoint references and queries: the CLI forms, Services with targetPort resolution, workloads.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor } from "../helpers.js";
import { resolveEndpoint } from "../../src/engine/endpoints.js";
import { evaluateQuery } from "../../src/engine/query.js";

const INVENTORY = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, ports: [{name: http, containerPort: 8080}, {name: admin, containerPort: 9000}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api-db}}
  template:
    metadata: {labels: {app: api-db}}
    spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  clusterIP: 10.96.0.20
  selector: {app: api}
  ports: [{name: web, port: 80, targetPort: http}, {name: adm, port: 9000, targetPort: 9000}]
---
apiVersion: junction.dev/v1alpha1
kind: Workload
metadata: {name: db, namespace: legacy}
spec: {addresses: [192.0.2.10], ports: [{name: pg, port: 5432}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: http}]
`;

test("NAMESPACE/NAME resolves a workload; two controllers of one name are ambiguous, listing candidates", () => {
  const e = engineFor(INVENTORY);
  const web = resolveEndpoint(e.index, "shop/web");
  assert.ok(web.ok && web.value.kind === "parties" && web.value.parties[0].endpoint?.name === "web");
  const api = resolveEndpoint(e.index, "shop/api");
  assert.equal(api.ok, false);
  assert.match(!api.ok ? api.error : "", /ambiguous: deployment:shop\/api, statefulset:shop\/api/);
  const dep = resolveEndpoint(e.index, "deployment:shop/api");
  assert.ok(dep.ok && dep.value.kind === "parties" && dep.value.parties[0].endpoint?.labels.app === "api");
});

test("a Workload (VM) resolves by NAMESPACE/NAME and by its address", () => {
  const e = engineFor(INVENTORY);
  const vm = resolveEndpoint(e.index, "legacy/db");
  assert.ok(vm.ok && vm.value.kind === "parties" && vm.value.parties[0].endpoint?.kind === "workload");
  const byIp = resolveEndpoint(e.index, "ip:192.0.2.10");
  assert.ok(byIp.ok && byIp.value.kind === "parties" && byIp.value.parties[0].endpoint?.name === "db");
  const bare = resolveEndpoint(e.index, "203.0.113.9");
  assert.ok(bare.ok && bare.value.kind === "parties" && bare.value.parties[0].endpoint === undefined);
});

test("unknown names and kinds are errors that say what exists", () => {
  const e = engineFor(INVENTORY);
  const r = resolveEndpoint(e.index, "shop/ap");
  assert.ok(!r.ok && /did you mean/.test(r.error));
  const k = resolveEndpoint(e.index, "frob:shop/api");
  assert.ok(!k.ok && /unknown endpoint kind "frob"/.test(k.error));
  const n = resolveEndpoint(e.index, "nowhere/x");
  assert.ok(!n.ok && /no namespace nowhere/.test(n.error));
});

test("a flow to a Service is evaluated on its backends after targetPort resolution", () => {
  const e = engineFor(INVENTORY);
  const src = resolveEndpoint(e.index, "shop/web");
  const svc = resolveEndpoint(e.index, "svc:shop/api");
  assert.ok(src.ok && svc.ok);
  const q = evaluateQuery(e, src.value, svc.value, 80);
  assert.ok(q.ok);
  assert.equal(q.value.pairs[0].port, 8080, "service port 80 → targetPort http → 8080");
  assert.equal(q.value.allAllowed, true);
  const admin = evaluateQuery(e, src.value, svc.value, 9000);
  assert.ok(admin.ok && admin.value.noneAllowed, "9000 is not the named port http");
  const missing = evaluateQuery(e, src.value, svc.value, 443);
  assert.ok(!missing.ok && /has no port 443/.test(missing.error));
});

test("an address that is a Service's cluster IP resolves to the Service", () => {
  const e = engineFor(INVENTORY);
  const r = resolveEndpoint(e.index, "ip:10.96.0.20");
  assert.ok(r.ok && r.value.kind === "service" && r.value.service.name === "api");
});

test("a port may be given by name; it resolves on the destination", () => {
  const e = engineFor(INVENTORY);
  const src = resolveEndpoint(e.index, "shop/web"), dst = resolveEndpoint(e.index, "deployment:shop/api");
  assert.ok(src.ok && dst.ok);
  const q = evaluateQuery(e, src.value, dst.value, "http");
  assert.ok(q.ok && q.value.pairs[0].port === 8080 && q.value.allAllowed);
});
