// Retries and timeouts in the mesh, through `junction route --from ... -o json`: an Istio client's proxy
// applies pilot's conversion of the rule's `retry` and `timeouts` (model/route.ts istioRuleTiming), a
// Linkerd client's the route's retry.linkerd.io/* and timeout.linkerd.io/* annotations
// (linkerdRuleTiming); the backend's behaviour is the conformance echo server's query (backend-model.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import { API_V2, CLUSTER, istioGateway, meshRoute, podWithProxy, routeJson, withProxy } from "./fixture.js";
import { cli, tempFiles } from "../helpers.js";
import type { RequestAnswer } from "../../src/engine/request.js";

const API_80 = "{kind: Service, group: '', name: api, port: 80}";

/** A producer route on Service shop/api port 80 with one rule (flow-style YAML) sending to shop/api-v2. */
const route = (rule: string, annotations = "") =>
  meshRoute("shop", "t", API_80, `  rules: [{${rule}${rule ? ", " : ""}backendRefs: [{name: api-v2, port: 80}]}]`).replace("namespace: shop}", `namespace: shop${annotations ? `, annotations: {${annotations}}` : ""}}`);

/** `junction route` of GET http://api.shop/x?QUERY from web/client, whose proxy is `proxy`: status and attempts. */
async function ask(proxy: string, yaml: string, query: string, backendProxy = false): Promise<{ status: number; attempts: number; notes: string[] }> {
  const a = await routeJson((backendProxy ? podWithProxy(proxy, API_V2, withProxy(proxy)) : withProxy(proxy)) + yaml, "web/client", `GET http://api.shop/x?${query}`);
  const model = a.steps.find((s) => s.stage === "backend-model");
  return { status: a.status as number, attempts: Number(/after (\d+) attempt/.exec(model?.outcome ?? "")?.[1] ?? 0), notes: (model?.detail as string[] | undefined) ?? [] };
}

test("Istio: a route's retry retries its codes only, not a reset nor a timed-out attempt (conversion.go retryOn connect-failure,refused-stream,unavailable,cancelled + codes; was: both retried)", async () => {
  const yaml = route("timeouts: {request: 1s, backendRequest: 100ms}, retry: {attempts: 3, codes: [503]}");
  const code = await ask("istio-proxy", yaml, "responseCode=503&succeedAfter=1");
  assert.deepEqual([code.status, code.attempts], [200, 2], "a status of its codes is retried");
  const reset = await ask("istio-proxy", yaml, "succeedAfter=1");
  assert.deepEqual([reset.status, reset.attempts], [503, 1], "a reset is not retried (was: 200 after 2)");
  assert.match(reset.notes.join("\n"), /not retried: Istio's retryOn/);
  const slow = await ask("istio-proxy", yaml, "responseCode=503&succeedAfter=1&delayRetry=200ms");
  assert.deepEqual([slow.status, slow.attempts], [504, 1], "a per-try timeout is not retried (was: 200 after 2)");
  // The backend's own sidecar answers the reset 503 (Envoy's local reply), a status of the codes.
  const answered = await ask("istio-proxy", yaml, "succeedAfter=1", true);
  assert.deepEqual([answered.status, answered.attempts, answered.notes[0]], [200, 2, "attempt 1: connection reset, which the backend's Istio sidecar answers 503"]);
  // The Gateway API's reading (a client of no mesh is not routed; a Linkerd client reads no rule retry): Istio alone changed.
});

test("Istio: a retry without attempts makes 2 retries (ptr.OrDefault(r.Retry.Attempts, 2); was: 1)", async () => {
  const yaml = route("retry: {codes: [503]}");
  const a = await ask("istio-proxy", yaml, "responseCode=503&succeedAfter=2");
  assert.deepEqual([a.status, a.attempts], [200, 3]);
  const b = await ask("istio-proxy", yaml, "responseCode=503&succeedAfter=3");
  assert.deepEqual([b.status, b.attempts], [503, 3]);
});

test("Istio: without retry, timeouts.backendRequest is the route's timeout, and a 503 or a reset is not retried (conversion.go vs.Timeout; retry.go DefaultPolicy has no retriable code)", async () => {
  const none = await ask("istio-proxy", route("timeouts: {request: 1s, backendRequest: 100ms}"), "delay=200ms");
  assert.deepEqual([none.status, none.notes], [504, ["attempt 1: the request timeout (100ms) expired"]]);
  for (const query of ["responseCode=503&succeedAfter=1", "succeedAfter=1"]) assert.equal((await ask("istio-proxy", route(""), query)).status, 503, query);
});

test("Linkerd: the last attempt has no retry.linkerd.io/timeout, and a reset is never retried (linkerd2-proxy route/retry.rs set_extensions, is_retryable; was: 504, and a reset retried)", async () => {
  const yaml = route("", `retry.linkerd.io/timeout: 100ms, retry.linkerd.io/http: 5xx`);
  const slow = await ask("linkerd-proxy", yaml, "delay=200ms");
  assert.deepEqual([slow.status, slow.attempts], [200, 2], "attempt 1 times out and is retried; attempt 2 has no headers timeout");
  const reset = await ask("linkerd-proxy", yaml, "succeedAfter=1");
  assert.deepEqual([reset.status, reset.attempts], [500, 1], "Linkerd answers a reset 500 (ServerRescue: unexpected error; was: 503, retried)");
  assert.match(reset.notes.join("\n"), /a reset connection is not retried/);
  // The backend's own Linkerd proxy answers the reset 500 itself: a status, which retry.linkerd.io/http 5xx retries.
  const answered = await ask("linkerd-proxy", yaml, "succeedAfter=1", true);
  assert.deepEqual([answered.status, answered.attempts], [200, 2]);
  const code = await ask("linkerd-proxy", yaml, "responseCode=502&succeedAfter=1");
  assert.deepEqual([code.status, code.attempts], [200, 2]);
});

test("Linkerd: timeout.linkerd.io/response bounds each attempt, 504 and not retried; timeout.linkerd.io/idle does not bound a late answer (stream-timeouts response_end, idle armed with the headers; was: both ignored)", async () => {
  const response = await ask("linkerd-proxy", route("", `timeout.linkerd.io/response: 100ms, retry.linkerd.io/http: 5xx, retry.linkerd.io/limit: "2"`), "delay=200ms");
  assert.deepEqual([response.status, response.attempts], [504, 1]);
  const idle = await ask("linkerd-proxy", route("", `timeout.linkerd.io/idle: 100ms`), "delay=200ms");
  assert.equal(idle.status, 200);
  // On the Service: where the route sets no timeout, the Service's response timeout (outbound/index.rs parse_timeouts).
});

/** `junction route --gateway web/gw` of GET http://api.example.com/x?QUERY through a Gateway of the cluster (Istio's, else `controller`'s; every namespace's routes). */
async function askGateway(yaml: string, query: string, controller?: string): Promise<{ status: number; attempts: number; notes: string[] }> {
  const { dir, cleanup } = tempFiles({ "c.yaml": CLUSTER + istioGateway("web", "gw", "10.2.0.50", { allNamespaces: true, ...(controller ? { controller } : {}) }) + yaml });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--gateway", "web/gw", "--request", `GET http://api.example.com/x?${query}`, "-o", "json"]);
    assert.equal(r.code, 0, r.out + r.err);
    const a = JSON.parse(r.out).results[0] as RequestAnswer;
    const model = a.steps.find((s) => s.stage === "backend-model");
    return { status: a.status as number, attempts: Number(/after (\d+) attempt/.exec(model?.outcome ?? "")?.[1] ?? 0), notes: (model?.detail as string[] | undefined) ?? [] };
  } finally { cleanup(); }
}

test("an Istio Gateway's route gets pilot's retries and timeouts too (convertHTTPRoute is shared; was: the Gateway API default, a reset and a timed-out attempt retried, 1 retry)", async () => {
  const gwRoute = (rule: string) => meshRoute("shop", "north", "{name: gw, namespace: web}", `  rules: [{${rule}, backendRefs: [{name: api-v2, port: 80}]}]`);
  const yaml = gwRoute("timeouts: {request: 1s, backendRequest: 100ms}, retry: {codes: [503]}");
  const reset = await askGateway(yaml, "succeedAfter=1");
  assert.deepEqual([reset.status, reset.attempts], [503, 1], "a reset is not retried (was: 200 after 2)");
  assert.match(reset.notes.join("\n"), /not retried: Istio's retryOn/);
  const slow = await askGateway(yaml, "responseCode=503&succeedAfter=1&delayRetry=200ms");
  assert.deepEqual([slow.status, slow.attempts], [504, 1], "a per-try timeout is not retried (was: 200 after 2)");
  const code = await askGateway(yaml, "responseCode=503&succeedAfter=2");
  assert.deepEqual([code.status, code.attempts], [200, 3], "attempts unset: 2 retries (was: 503 after 2)");
  // The backend's own sidecar answers the reset 503 itself: a status of the codes, retried.
  const { dir, cleanup } = tempFiles({ "c.yaml": podWithProxy("istio-proxy", API_V2) + istioGateway("web", "gw", "10.2.0.50", { allNamespaces: true }) + yaml });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--gateway", "web/gw", "--request", "GET http://api.example.com/x?succeedAfter=1", "-o", "json"]);
    assert.equal(JSON.parse(r.out).results[0].status, 200);
  } finally { cleanup(); }
});

test("Envoy Gateway: a route's retry retries its codes (503 when it names none), 2 times unless attempts says, never a reset nor a timed-out attempt (gatewayapi/route.go processRouteRetry, xds/translator/route.go retryDefaultRetryOn, retryDefaultRetriableStatusCode, retryDefaultNumRetries; was: the Gateway API default)", async () => {
  const EG = "gateway.envoyproxy.io/gatewayclass-controller";
  const gwRoute = (rule: string) => meshRoute("shop", "north", "{name: gw, namespace: web}", `  rules: [{${rule}, backendRefs: [{name: api-v2, port: 80}]}]`);
  const yaml = gwRoute("timeouts: {request: 1s, backendRequest: 100ms}, retry: {attempts: 1}");
  const code = await askGateway(yaml, "responseCode=503&succeedAfter=1", EG);
  assert.deepEqual([code.status, code.attempts], [200, 2], "no codes: 503 is retried (was: 503 after 1)");
  const other = await askGateway(yaml, "responseCode=500&succeedAfter=1", EG);
  assert.deepEqual([other.status, other.attempts], [500, 1]);
  const reset = await askGateway(yaml, "succeedAfter=1", EG);
  assert.deepEqual([reset.status, reset.attempts], [503, 1], "a reset is not retried (was: 200 after 2)");
  assert.match(reset.notes.join("\n"), /not retried: Envoy Gateway's retryOn/);
  const slow = await askGateway(yaml, "responseCode=503&succeedAfter=1&delayRetry=200ms", EG);
  assert.deepEqual([slow.status, slow.attempts], [504, 1], "a per-try timeout is not retried (was: 200 after 2)");
  const unset = await askGateway(gwRoute("retry: {codes: [500]}"), "responseCode=500&succeedAfter=2", EG);
  assert.deepEqual([unset.status, unset.attempts], [200, 3], "attempts unset: 2 retries (was: 500 after 2)");
  const none = await askGateway(gwRoute("timeouts: {request: 1s, backendRequest: 100ms}"), "delay=200ms", EG);
  assert.deepEqual([none.status, none.notes], [504, ["attempt 1: the request timeout (100ms) expired"]], "without retry, backendRequest is the route's timeout");
});
