// Gateway backends resolved to endpoints. HTTPRoute spec: "When a HTTPBackendRef refers to a
// Service that has no ready endpoints, implementations SHOULD return a 503 for requests to that
// backend"; the rules for 500 responses apply to those 503s too (a share of a split). Services
// without a selector route to their EndpointSlices, headless Services to their pods.

import { test } from "node:test";
import assert from "node:assert/strict";
import { gateway, httpRoute, HTTP_ALL, route, statusOf, cond } from "./fixture.js";

const GW = gateway([HTTP_ALL]);
const pod = (name: string, app: string, ip: string, ready = true) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: apps, labels: {app: ${app}, pod-template-hash: 5c9d8f7b6}}
spec: {containers: [{name: c}]}
status: {phase: Running, podIP: ${ip}, conditions: [{type: Ready, status: '${ready ? "True" : "False"}'}]}
`;
const service = (name: string, spec: string) => `---\napiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: apps}\nspec: ${spec}\n`;
const to = (svc: string) => `  rules: [{backendRefs: [{name: ${svc}, port: 80}]}]`;

test("a Service whose pods are all unready answers 503, and the route still resolves its references", () => {
  const yaml = GW + httpRoute("r", to("v1")) + pod("v1-5c9d8f7b6-aaaaa", "v1", "10.0.0.1", false);
  const r = route(yaml, {});
  assert.equal(r.status, 503);
  assert.equal(r.backend, null);
  assert.match(r.reason, /no ready endpoint/);
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/r").parents[0].conditions, "ResolvedRefs"), "True/ResolvedRefs");
});

test("ready pods serve: the answer names their workload (the Deployment behind a ReplicaSet pod name)", () => {
  const yaml = GW + httpRoute("r", to("front")) + service("front", "{selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}")
    + pod("web-5c9d8f7b6-aaaaa", "web", "10.0.0.1") + pod("web-5c9d8f7b6-bbbbb", "web", "10.0.0.2", false);
  const r = route(yaml, {});
  assert.equal(r.status, 200);
  assert.equal(r.backend, "apps/web");
  assert.deepEqual(r.backends.map((b) => b.name), ["apps/front"], "the split still names the Service");
  assert.match(r.steps.find((s) => s.stage === "endpoints")!.outcome, /1 ready endpoint .*10\.0\.0\.1:8080/);
});

test("a Service without selector routes to the pods its EndpointSlice names; an empty slice answers 503", () => {
  const slice = (ips: string[]) => `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: manual-x, namespace: apps, labels: {kubernetes.io/service-name: manual}}
addressType: IPv4
ports: [{name: http, port: 3000}]
${ips.length ? `endpoints: [${ips.map((ip) => `{addresses: [${ip}]}`).join(", ")}]` : ""}
`;
  const base = GW + httpRoute("r", to("manual")) + service("manual", "{ports: [{name: http, port: 80, targetPort: 3000}]}") + pod("v1-5c9d8f7b6-aaaaa", "v1", "10.0.0.1");
  const served = route(base + slice(["10.0.0.1"]), {});
  assert.equal(served.status, 200);
  assert.equal(served.backend, "apps/v1");
  assert.equal(route(base + slice([]), {}).status, 503);
  // Upstream HTTPRouteServiceTypes /headless-manual-endpointslices: a headless Service without selector, same slices.
  const headless = GW + httpRoute("r", to("manual")) + service("manual", "{clusterIP: None, ports: [{name: http, port: 80, targetPort: 3000}]}") + pod("v1-5c9d8f7b6-aaaaa", "v1", "10.0.0.1");
  assert.deepEqual([route(headless + slice(["10.0.0.1"]), {}).status, route(headless + slice(["10.0.0.1"]), {}).backend], [200, "apps/v1"]);
  assert.equal(route(headless + slice([]), {}).status, 503);
});

test("a headless Service routes to its pods", () => {
  const yaml = GW + httpRoute("r", to("headless")) + service("headless", "{clusterIP: None, selector: {app: v1}, ports: [{port: 80, targetPort: 3000}]}")
    + pod("v1-5c9d8f7b6-aaaaa", "v1", "10.0.0.1");
  const r = route(yaml, {});
  assert.equal(r.status, 200);
  assert.equal(r.backend, "apps/v1");
});

test("a split where one share has no ready endpoint: that share gets 503, the answer follows the largest share", () => {
  const yaml = GW + httpRoute("r", "  rules: [{backendRefs: [{name: v1, port: 80, weight: 3}, {name: v2, port: 80, weight: 1}]}]")
    + pod("v1-5c9d8f7b6-aaaaa", "v1", "10.0.0.1") + pod("v2-5c9d8f7b6-aaaaa", "v2", "10.0.0.2", false);
  const r = route(yaml, {});
  assert.equal(r.status, 200);
  assert.match(r.reason, /25% of the requests go to apps\/v2, which cannot be used, and get 503/);
});

test("without pods in the backend's namespace the endpoints are unknown: the Service is assumed to serve", () => {
  const r = route(GW + httpRoute("r", to("v1")), {});
  assert.equal(r.status, 200);
  assert.equal(r.backend, "apps/v1");
  assert.match(r.steps.find((s) => s.stage === "endpoints")!.outcome, /not in the input/);
});

test("a TCPRoute to a Service without ready endpoint: the connection is refused", () => {
  const yaml = gateway(["{name: tcp, port: 9000, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}"]) + `---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: t, namespace: apps}
spec: {parentRefs: [{name: gw, namespace: infra}], rules: [{backendRefs: [{name: v1, port: 80}]}]}
` + pod("v1-5c9d8f7b6-aaaaa", "v1", "10.0.0.1", false);
  const r = route(yaml, { scheme: "tcp", port: 9000 });
  assert.equal(r.connection, "rejected");
});

test("a Gateway sends only to ready endpoints: terminating ones are not a fallback (only kube-proxy has one), and the answer says what they are", () => {
  const slice = `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: manual-x, namespace: apps, labels: {kubernetes.io/service-name: manual}}
addressType: IPv4
ports: [{name: http, port: 3000}]
endpoints: [{addresses: [10.0.0.1], conditions: {ready: false, serving: true, terminating: true}}, {addresses: [10.0.0.2], conditions: {ready: false}}]
`;
  const yaml = GW + httpRoute("r", to("manual")) + service("manual", "{ports: [{name: http, port: 80, targetPort: 3000}]}") + slice;
  const r = route(yaml, {});
  assert.equal(r.status, 503);
  assert.match(r.reason, /has no ready endpoint \(EndpointSlices manual-x; 2 not ready \(1 serving terminating endpoint among them, which only kube-proxy falls back to\)\)/);
  const ready = route(yaml.replace("{addresses: [10.0.0.2], conditions: {ready: false}}", "{addresses: [10.0.0.2]}"), {});
  assert.equal(ready.status, 200);
  assert.match(ready.steps.find((s) => s.stage === "endpoints")!.outcome, /1 ready endpoint from EndpointSlices manual-x \(10\.0\.0\.2:3000\); 1 not ready/);
});

test("Envoy Gateway reads endpoint conditions its own way: draining when serving and terminating are written and say so, else when not ready; with no other endpoint Envoy's panic mode sends to the draining ones (was: 503)", () => {
  // envoyproxy/gateway internal/gatewayapi/route.go getIREndpointsFromEndpointSlice: "Unknown Serving/Terminating (nil) should
  // fall-back to Ready"; every endpoint goes to Envoy, the draining ones with health status DRAINING, which Envoy excludes from
  // balancing, except in panic mode: no healthy host is below the default healthy_panic_threshold (50%), and
  // LoadBalancerBase::recalculatePerPriorityPanic / hostSourceToUse then balance over all hosts.
  const eg = (yaml: string) => yaml.replace("gatewayClassName: test", "gatewayClassName: eg")
    + "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n";
  const slice = (endpoints: string) => `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: manual-x, namespace: apps, labels: {kubernetes.io/service-name: manual}}
addressType: IPv4
ports: [{name: http, port: 3000}]
endpoints: [${endpoints}]
`;
  const base = GW + httpRoute("r", to("manual")) + service("manual", "{ports: [{name: http, port: 80, targetPort: 3000}]}");
  const outcome = (r: ReturnType<typeof route>) => r.steps.find((s) => s.stage === "endpoints")?.outcome ?? "";
  const terminating = slice("{addresses: [10.0.0.1], conditions: {ready: false, serving: true, terminating: true}}, {addresses: [10.0.0.2], conditions: {ready: false}}");
  assert.equal(route(base + terminating, {}).status, 503, "another controller: a proxy's reading, ready only");
  const panic = route(eg(base + terminating), {});
  assert.equal(panic.status, 200, "Envoy Gateway: every endpoint is draining, Envoy's panic mode sends to them");
  assert.match(outcome(panic), /no ready endpoint: Envoy Gateway marks the 2 endpoints draining, and Envoy's panic mode/);
  // publishNotReadyAddresses: the slice controller writes ready true, serving false; Envoy Gateway drains it while a serving one exists.
  const published = slice("{addresses: [10.0.0.1], conditions: {ready: true, serving: false, terminating: false}}, {addresses: [10.0.0.2], conditions: {ready: true, serving: true, terminating: false}}");
  assert.match(outcome(route(eg(base + published), {})), /1 ready endpoint from EndpointSlices manual-x \(10\.0\.0\.2:3000\); 1 draining/);
  assert.match(outcome(route(base + published, {})), /2 ready endpoints/, "a proxy reads ready");
  // Serving unset: Envoy Gateway falls back to ready (false: draining), though terminating is written false.
  const unset = slice("{addresses: [10.0.0.1], conditions: {ready: false, terminating: false}}, {addresses: [10.0.0.2]}");
  assert.match(outcome(route(eg(base + unset), {})), /1 ready endpoint .*\(10\.0\.0\.2:3000\); 1 draining/);
  assert.equal(route(eg(base + slice("")), {}).status, 503, "no endpoint at all: 503");
});

test("a Gateway's backend reads the slice port named as the Service port only: a slice of other port names gives no endpoint (503), where ingress-nginx falls back to the numeric targetPort", () => {
  const slice = `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: manual-x, namespace: apps, labels: {kubernetes.io/service-name: manual}}
addressType: IPv4
ports: [{name: web, port: 3000}]
endpoints: [{addresses: [10.0.0.1]}]
`;
  const yaml = GW + httpRoute("r", to("manual")) + service("manual", "{ports: [{name: http, port: 80, targetPort: 3000}]}") + pod("v1-5c9d8f7b6-aaaaa", "v1", "10.0.0.1") + slice;
  assert.equal(route(yaml, {}).status, 503);
});
