// A BackendTrafficPolicy's retry and timeout.http.requestTimeout (Envoy Gateway v1.9.0): the rule's
// requests get them where the HTTPRoute rule sets none (ir.HTTPRoute GetRetry: the route's own retry
// first; translator route.go getEffectiveRequestTimeout: the route's own timeout first), as Envoy's
// retry policy (buildRetryPolicy; Envoy's RetryStateImpl). The backend's behaviour is the conformance
// echo server's query parameters (gateway/backend-model.ts). They were not read: no retry, no timeout.

import { test } from "node:test";
import assert from "node:assert/strict";
import { envoyGateway, HTTP_ALL, httpRoute, route } from "./fixture.js";

const GW = envoyGateway([HTTP_ALL]);
const ROUTE = httpRoute("web", "  rules: [{backendRefs: [{name: v1, port: 80}]}]");
const btp = (spec: string, name = "btp", target = "{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web}", extra = "") => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}, namespace: apps${extra}}
spec: {targetRefs: [${target}], ${spec}}
`;
const at = (yaml: string, query: string) => route(yaml, { path: `/?${query}` });

test("retry without retryOn: Envoy Gateway's default retryOn and 503 (buildRetryPolicy), numRetries default 2 (was: no retry, the first answer)", () => {
  const yaml = GW + ROUTE + btp("retry: {}");
  assert.equal(at(yaml, "responseCode=503&succeedAfter=2").status, 200, "two retries of a 503");
  assert.equal(at(yaml, "responseCode=503&succeedAfter=3").status, 503, "retries exhausted");
  assert.equal(at(yaml, "responseCode=500&succeedAfter=1").status, 500, "500 is not retriable by default");
  const reset = at(yaml, "succeedAfter=1");
  assert.equal(reset.status, 503, "a reset is not retried by connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
  assert.ok(reset.steps.some((s) => (s.detail as string[] | undefined)?.some?.((n) => /not retried: BackendTrafficPolicy apps\/btp's retryOn is connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes/.test(n))), JSON.stringify(reset.steps));
  assert.equal(at(GW + ROUTE, "responseCode=503&succeedAfter=1").status, 503, "without the policy: no retry");
});

test("retryOn triggers: 5xx retries any 5xx and a reset; gateway-error 502-504; retriable-status-codes only the codes given; numRetries", () => {
  const fivexx = GW + ROUTE + btp("retry: {numRetries: 1, retryOn: {triggers: [5xx]}}");
  assert.equal(at(fivexx, "responseCode=500&succeedAfter=1").status, 200);
  assert.equal(at(fivexx, "succeedAfter=1").status, 200, "a reset is retried on 5xx (wouldRetryFromReset)");
  assert.equal(at(fivexx, "responseCode=500&succeedAfter=2").status, 500, "one retry only");
  const gwErr = GW + ROUTE + btp("retry: {retryOn: {triggers: [gateway-error]}}");
  assert.equal(at(gwErr, "responseCode=504&succeedAfter=1").status, 200);
  assert.equal(at(gwErr, "responseCode=500&succeedAfter=1").status, 500);
  const codes = GW + ROUTE + btp("retry: {retryOn: {triggers: [retriable-status-codes], httpStatusCodes: [500]}}");
  assert.equal(at(codes, "responseCode=500&succeedAfter=1").status, 200);
  assert.equal(at(codes, "responseCode=503&succeedAfter=1").status, 503, "the codes given replace the default 503");
  const noTrigger = GW + ROUTE + btp("retry: {retryOn: {triggers: [reset]}}");
  assert.equal(at(noTrigger, "responseCode=503&succeedAfter=1").status, 503, "retryOn given: no codes unless httpStatusCodes");
  assert.equal(at(noTrigger, "succeedAfter=1").status, 200, "a reset retried on reset");
});

test("perRetry.timeout bounds each attempt; a timed-out attempt is retried on 5xx (onPerTryTimeoutCommon: maybeRetryReset), not on the default retryOn", () => {
  const yaml = GW + ROUTE + btp("retry: {retryOn: {triggers: [5xx]}, perRetry: {timeout: 100ms}}");
  assert.equal(at(yaml, "delay=10ms&succeedAfter=1&delayRetry=200ms").status, 200, "the slow first attempt times out and is retried");
  const plain = GW + ROUTE + btp("retry: {perRetry: {timeout: 100ms}}");
  assert.equal(at(plain, "delay=200ms").status, 504, "not retried: the per-try timeout's 504");
  assert.equal(at(plain, "delay=10ms&succeedAfter=1&delayRetry=200ms").status, 504, "the first attempt's timeout is not retried");
});

test("timeout.http.requestTimeout is the route's timeout where the rule sets none; the rule's own timeouts and retry come first (getEffectiveRequestTimeout, GetRetry)", () => {
  const yaml = GW + ROUTE + btp("timeout: {http: {requestTimeout: 100ms}}");
  assert.equal(at(yaml, "delay=200ms").status, 504, "was 200");
  assert.equal(at(yaml, "delay=50ms").status, 200);
  const own = GW + httpRoute("web", "  rules: [{timeouts: {request: 1s}, retry: {codes: [500], attempts: 1}, backendRefs: [{name: v1, port: 80}]}]")
    + btp("timeout: {http: {requestTimeout: 100ms}}, retry: {numRetries: 0}");
  assert.equal(at(own, "delay=200ms").status, 200, "the rule's 1s timeout");
  assert.equal(at(own, "responseCode=500&succeedAfter=1").status, 200, "the rule's retry, not the policy's numRetries 0");
});

test("a Gateway's policy gives its routes' rules the retry; a route's policy with mergeType merges into it field by field", () => {
  const gwPolicy = btp("retry: {numRetries: 3, retryOn: {triggers: [5xx]}}", "gw", "{group: gateway.networking.k8s.io, kind: Gateway, name: gw}").replace("namespace: apps", "namespace: infra");
  assert.equal(at(GW + ROUTE + gwPolicy, "responseCode=500&succeedAfter=3").status, 200);
  const merged = GW + ROUTE + gwPolicy + btp("mergeType: StrategicMerge, retry: {numRetries: 1}");
  assert.equal(at(merged, "responseCode=500&succeedAfter=1").status, 200, "the Gateway's triggers");
  assert.equal(at(merged, "responseCode=500&succeedAfter=2").status, 500, "the route's numRetries");
  assert.equal(at(GW + ROUTE + gwPolicy + btp("retry: {numRetries: 1}"), "responseCode=500&succeedAfter=1").status, 500, "without mergeType the route's policy replaces the Gateway's: default retryOn");
});

test("an untranslatable BackendTrafficPolicy's 500 is the router's direct response: the SecurityPolicy's filters before it answer first (buildXdsRoute patches their per-route configs on it), a CORS preflight is answered (was 500 for all)", () => {
  const bad = btp("retry: {perRetry: {backOff: {baseInterval: 0s}}}");
  const sp = (spec: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: sp, namespace: apps}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web}], ${spec}}
`;
  const denyAll = sp("authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {headers: [{name: x-team, values: [blue]}]}}]}");
  const denied = route(GW + ROUTE + bad + denyAll, {});
  assert.deepEqual([denied.status, denied.backend], [403, null], "the RBAC filter (301) denies before the router (was 500)");
  const passed = route(GW + ROUTE + bad + denyAll, { headers: [["x-team", "blue"]] });
  assert.equal(passed.status, 500, "allowed: the router's direct response");
  assert.match(passed.reason, /BackendTrafficPolicy apps\/btp cannot be translated \(Retry: baseInterval cannot be set to 0s\)/);
  const cors = GW + httpRoute("web", "  rules:\n  - filters: [{type: CORS, cors: {allowOrigins: ['https://app.example.com'], allowMethods: [GET]}}]\n    backendRefs: [{name: v1, port: 80}]");
  const preflight = { method: "OPTIONS", headers: [["origin", "https://app.example.com"], ["access-control-request-method", "GET"]] as [string, string][] };
  assert.equal(route(cors + bad, preflight).status, 204, "the CORS filter (3) answers before the router (was 500)");
  assert.equal(route(cors + bad, {}).status, 500);
  const limited = cors + btp("rateLimit: {global: {rules: [{limit: {requests: 0, unit: Second}}]}}");
  assert.equal(route(limited, preflight).status, 204, "the CORS filter (3) answers before the rate limit filters (302, 303) (was 429)");
  assert.equal(route(limited, {}).status, 429);
  const aborted = cors + btp("faultInjection: {abort: {httpStatus: 418}}");
  assert.equal(route(aborted, preflight).status, 418, "the fault filter (2) comes before CORS");
});

test("a gRPC call's retry: the gRPC triggers (unavailable, cancelled, ...) read the grpc-status the backend answers with: given (grpcStatus), it decides; not given, where a retry would change the answer it is undetermined (it was the first attempt's status, never retried)", () => {
  const g = `---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules: [{backendRefs: [{name: v1, port: 80}]}]
`;
  const toGrpc = "{group: gateway.networking.k8s.io, kind: GRPCRoute, name: g}";
  const call = (spec: string, query: string) => route(GW + g + btp(spec, "btp", toGrpc), { path: `/svc.S/M?${query}`, protocol: "grpc", method: "POST", headers: [["content-type", "application/grpc"]] });
  const unavailable = call("retry: {retryOn: {triggers: [unavailable]}}", "responseCode=503&succeedAfter=1");
  assert.equal(unavailable.status, null, "was 503 (UNAVAILABLE): Envoy retries it when the backend's grpc-status is 14");
  assert.match(unavailable.undetermined ?? "", /gRPC triggers \(unavailable\) retry it when its grpc-status is one of them.*retried: 200 after 2 attempts; not: 503/);
  assert.equal(call("retry: {}", "responseCode=500&succeedAfter=1").status, null, "the default retryOn has unavailable and cancelled");
  // Decided: a status the codes retry anyway, one that fails every attempt, a reset (the gRPC triggers read no reset), an HTTP request.
  assert.equal(call("retry: {}", "responseCode=503&succeedAfter=1").status, 200, "503 is a retriable status code");
  assert.equal(call("retry: {retryOn: {triggers: [unavailable]}}", "responseCode=503").status, 503, "failing every attempt: the same either way");
  assert.equal(call("retry: {retryOn: {triggers: [unavailable]}}", "succeedAfter=1").grpcCode, "UNAVAILABLE");
  assert.equal(call("retry: {retryOn: {triggers: [5xx]}}", "responseCode=500&succeedAfter=1").status, 200);
  assert.equal(at(GW + ROUTE + btp("retry: {retryOn: {triggers: [unavailable]}}"), "responseCode=503&succeedAfter=1").status, 503, "an HTTP backend sends no grpc-status");
  // The backend's grpc-status given (grpcStatus: a code, its name, or none): the gRPC triggers decide (was undetermined).
  const given = call("retry: {retryOn: {triggers: [unavailable]}}", "responseCode=503&grpcStatus=14&succeedAfter=1");
  assert.equal(given.status, 200, "grpc-status 14 is unavailable: retried");
  assert.match(given.steps.map((x) => JSON.stringify(x.detail ?? "")).join("\n"), /attempt 1: 503 with grpc-status 14 \(UNAVAILABLE\)/);
  assert.equal(call("retry: {retryOn: {triggers: [unavailable]}}", "responseCode=503&grpcStatus=none&succeedAfter=1").status, 503, "no grpc-status: not retried");
  assert.equal(call("retry: {retryOn: {triggers: [unavailable]}}", "responseCode=503&grpcStatus=INTERNAL&succeedAfter=1").status, 503, "INTERNAL is not unavailable");
  const trailers = call("retry: {retryOn: {triggers: [cancelled]}}", "grpcStatus=cancelled&succeedAfter=1");
  assert.deepEqual([trailers.status, trailers.grpcCode], [200, "OK"], "HTTP 200 with grpc-status 1 (CANCELLED): retried by cancelled");
  const failed = call("retry: {retryOn: {triggers: [unavailable]}}", "grpcStatus=8");
  assert.deepEqual([failed.status, failed.grpcCode], [200, "RESOURCE_EXHAUSTED"], "the call's own grpc-status, not one mapped from HTTP 200");
  assert.deepEqual([call("retry: {retryOn: {triggers: [resource-exhausted]}}", "grpcStatus=8&succeedAfter=2").grpcCode], ["OK"]);
});
