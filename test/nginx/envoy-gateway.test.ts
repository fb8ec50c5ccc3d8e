// `compile --target nginx` for a Gateway of Envoy Gateway's controller writes the endpoints Envoy
// sends to (engine: model/service-endpoints.ts chooseEndpoints "envoy-gateway"): with every endpoint
// draining, Envoy's panic mode sends to them all (200) where a plain proxy has none (503); a policy's
// healthCheck.panicThreshold 0 turns panic mode off. And a policy Envoy Gateway refuses every
// request of (untranslatable: 500; a limit of no requests: 429) is the rule's `return`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, tempFiles } from "../helpers.js";
import { GATEWAY_HEAD, routeHead, unbundle } from "./fixture.js";

const EG_HEAD = GATEWAY_HEAD.replace("controllerName: example.com/test", "controllerName: gateway.envoyproxy.io/gatewayclass-controller");
const draining = `---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps}
spec: {clusterIP: 10.96.1.9, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-a, namespace: apps, labels: {app: web}}
spec: {containers: [{name: c}]}
status: {phase: Running, podIP: 10.0.0.7, conditions: [{type: Ready, status: 'False'}]}
`;
const http = (head: string) => `${head}  listeners: [{name: http, port: 8080, protocol: HTTP}]
${draining}${routeHead("r")}  - {backendRefs: [{name: web, port: 80}]}
`;
const tcp = (head: string) => `${head}  listeners: [{name: tcp, port: 7000, protocol: TCP}]
${draining}---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: t, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: tcp}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`;
const btp = (kind: string, name: string, spec: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: p, namespace: apps}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: ${kind}, name: ${name}}], ${spec}}
`;

async function compile(yaml: string): Promise<{ code: number; conf: string; err: string }> {
  const t = tempFiles({ "in.yaml": yaml });
  try {
    const r = await cli(["compile", "-f", join(t.dir, "in.yaml"), "--target", "nginx", "--gateway", "apps/gw"]);
    return { code: r.code, conf: r.code === 0 ? unbundle(r.out).get("nginx.conf") ?? "" : "", err: r.err };
  } finally { t.cleanup(); }
}

test("HTTP: every endpoint draining, Envoy's panic mode sends to them (the engine's 200): nginx proxies to the draining pod; another controller's Gateway and panicThreshold 0 answer 503", async () => {
  // (The engine's answers, 200 and 503: test/gateway/traffic-policy.test.ts, panicThreshold.)
  const c = await compile(http(EG_HEAD));
  assert.equal(c.code, 0, c.err);
  assert.match(c.conf, /upstream [^{]*\{\s*server 10\.0\.0\.7:80 max_fails=0;/);
  const plain = await compile(http(GATEWAY_HEAD));
  assert.equal(plain.code, 0, plain.err);
  assert.doesNotMatch(plain.conf, /10\.0\.0\.7/);
  assert.match(plain.conf, /return 503;/);
  const noPanic = await compile(http(EG_HEAD) + btp("HTTPRoute", "r", "healthCheck: {panicThreshold: 0}"));
  assert.equal(noPanic.code, 0, noPanic.err);
  assert.doesNotMatch(noPanic.conf, /10\.0\.0\.7/);
  assert.match(noPanic.conf, /return 503;/);
});

test("TCP: the stream server proxies to the draining pod under panic mode, and closes the connection with panicThreshold 0", async () => {
  const c = await compile(tcp(EG_HEAD));
  assert.equal(c.code, 0, c.err);
  assert.match(c.conf, /server 10\.0\.0\.7:80/);
  const off = await compile(tcp(EG_HEAD) + btp("TCPRoute", "t", "healthCheck: {panicThreshold: 0}"));
  assert.equal(off.code, 0, off.err);
  assert.doesNotMatch(off.conf, /10\.0\.0\.7/);
});

test("a policy that refuses every request is the rule's return: untranslatable (500); a local limit of no requests, whose route configuration Envoy refuses, is refused", async () => {
  const bad = await compile(http(EG_HEAD) + btp("HTTPRoute", "r", "bandwidthLimit: {request: {limit: {value: 100, unit: Second}}}"));
  assert.equal(bad.code, 0, bad.err);
  assert.match(bad.conf, /return 500;/);
  const zero = await compile(http(EG_HEAD) + btp("HTTPRoute", "r", "rateLimit: {local: {rules: [{limit: {requests: 0, unit: Second}}]}}"));
  assert.notEqual(zero.code, 0);
  assert.match(zero.err, /tokens_per_fill 0/);
});

test("an abort Envoy Gateway writes as 0 per million changes no answer: nginx compiles the rule as if there were none (it refused it)", async () => {
  const inert = await compile(http(EG_HEAD) + btp("HTTPRoute", "r", "faultInjection: {abort: {httpStatus: 503, percentage: 0.00001}}"));
  assert.equal(inert.code, 0, inert.err);
  assert.doesNotMatch(inert.conf, /return 503;/);
  assert.match(inert.conf, /proxy_pass/);
  // A share that is written (0.01%: 100 per million) is still refused: nginx has no fault injection.
  const some = await compile(http(EG_HEAD) + btp("HTTPRoute", "r", "faultInjection: {abort: {httpStatus: 503, percentage: 0.01}}"));
  assert.notEqual(some.code, 0);
});
