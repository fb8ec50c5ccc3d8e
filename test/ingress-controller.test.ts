import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "./helpers.js";

// A workload serving 8000 (http), 8090 and 9000 (metrics), behind one Service with three ports.
const APP = `apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: web}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: c
        ports: [{name: http, containerPort: 8000}, {containerPort: 8090}, {name: metrics, containerPort: 9000, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: web}
spec:
  selector: {app: app}
  ports:
  - {name: web, port: 80, targetPort: http}
  - {name: alt, port: 90, targetPort: 8090}
  - {name: undeclared, port: 70, targetPort: 7000}
  - {name: metrics, port: 9000, protocol: UDP}
`;

const ingress = (port: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app, namespace: web}
spec:
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: app, port: ${port}}}}
`;

const route = (port: string) => `apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: app, namespace: web}
spec:
  to: {kind: Service, name: app, weight: 100}
${port}`;

async function controllerLines(...docs: string[]): Promise<{ lines: string[]; err: string }> {
  const r = await cli(["list", "-f", "-", "-q"], docs.join("\n---\n"));
  assert.equal(r.code, 0, r.err);
  return { lines: r.out.split("\n").filter((l) => l.startsWith("{ingress-controller}")), err: r.err };
}

test("an Ingress backend reaches the Service port's targetPort (named ones resolved on the pod)", async () => {
  assert.deepEqual((await controllerLines(APP, ingress("{number: 80}"))).lines, ["{ingress-controller} => web/app[Deployment] : TCP 8000"]);
  assert.deepEqual((await controllerLines(APP, ingress("{name: alt}"))).lines, ["{ingress-controller} => web/app[Deployment] : TCP 8090"]);
});

test("a port the workload does not declare as a containerPort is not listed", async () => {
  assert.deepEqual((await controllerLines(APP, ingress("{number: 70}"))).lines, []);
});

test("a Route without port reaches every Service port; declared container ports count as TCP whatever their protocol", async () => {
  assert.deepEqual((await controllerLines(APP, route(""))).lines, ["{ingress-controller} => web/app[Deployment] : TCP 8000,8090,9000"]);
  assert.deepEqual((await controllerLines(APP, route("  port: {targetPort: 8090}\n"))).lines, ["{ingress-controller} => web/app[Deployment] : TCP 8090"]);
});

test("the ports of several Ingress objects add up", async () => {
  const second = ingress("{number: 90}").replace("name: app, namespace", "name: app2, namespace");
  assert.deepEqual((await controllerLines(APP, ingress("{number: 80}"), second)).lines, ["{ingress-controller} => web/app[Deployment] : TCP 8000,8090"]);
});

test("the policies are applied: the controller is a pod without labels in its own namespace", async () => {
  const onlyFromMonitoring = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-monitoring, namespace: web}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}]
`;
  const blocked = await controllerLines(APP, ingress("{number: 80}"), onlyFromMonitoring);
  assert.deepEqual(blocked.lines, []);
  assert.match(blocked.err, /warning: an Ingress or Route sends traffic to web\/app\[Deployment\] on TCP 8000, but the policies do not allow it from {ingress-controller} \(assumed: a pod without labels in namespace ingress-controller-ns/);
  const port8090 = onlyFromMonitoring.replace("ingress: [{from", "ingress: [{ports: [{port: 8090}]}, {from");
  assert.deepEqual((await controllerLines(APP, ingress("{number: 80}"), ingress("{number: 90}").replace("name: app,", "name: b,"), port8090)).lines,
    ["{ingress-controller} => web/app[Deployment] : TCP 8090"]);
});

test("Services of another namespace, or without selector, are not followed", async () => {
  const otherNs = ingress("{number: 80}").replace("namespace: web", "namespace: other");
  assert.deepEqual((await controllerLines(APP, otherNs)).lines, []);
});

test("with ingress-nginx controller pods in the input, list models the controller as exposure does: those pods", async () => {
  const controller = `apiVersion: v1
kind: Namespace
metadata: {name: ingress-nginx}
---
apiVersion: v1
kind: Pod
metadata: {name: ingress-nginx-controller-1, namespace: ingress-nginx, labels: {app.kubernetes.io/name: ingress-nginx}}
spec: {containers: [{name: c, image: nginx}]}
status: {podIP: 10.9.0.1}
`;
  const fromController = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-controller, namespace: web}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]}]
`;
  const docs = [APP, ingress("{number: 80}"), controller, fromController];
  // np-guard's stand-in (a pod in ingress-controller-ns) would be denied here; the real controller is allowed.
  assert.deepEqual((await controllerLines(...docs)).lines, ["{ingress-controller} => web/app[Deployment] : TCP 8000"]);
  const exposure = await cli(["exposure", "-f", "-", "-o", "json"], docs.join("\n---\n"));
  const hop = JSON.parse(exposure.out).exposures.find((e: { kind: string }) => e.kind === "Ingress");
  assert.equal(hop.targets[0].hop, "allowed");
  const explain = await cli(["explain", "-f", "-", "--from", "{ingress-controller}", "--to", "web/app[Deployment]", "--port", "8000"], docs.join("\n---\n"));
  assert.equal(explain.code, 0, explain.err);
  assert.match(explain.out, /ingress-nginx\/ingress-nginx-controller-1/);
});
