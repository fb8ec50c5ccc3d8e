// Envoy Gateway v1.9.0: a BackendTrafficPolicy the CRD admits but Envoy Gateway cannot translate
// (internal/gatewayapi/backendtrafficpolicy.go buildTrafficFeatures, buildRateLimitRule,
// buildGlobalRateLimit) gives its HTTP routes a 500 direct response (applyTrafficFeatureToRoute); the
// global rate limit needs the rate limit service (the EnvoyGateway configuration's rateLimit); a
// limit of `requests: 0` refuses every request; a fault abort's percentage is written as float32 per
// million (internal/xds/utils/fractionalpercent FromFloat32).

import { test } from "node:test";
import assert from "node:assert/strict";
import { egConfig, gateway, httpRoute, HTTP_ALL, route } from "./fixture.js";
import { cli, load, tempFiles } from "../helpers.js";
import { join } from "node:path";
import { parseAddress } from "../../src/model/ip.js";

const EG_CLASS = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n";
const GW = gateway([HTTP_ALL]).replace("gatewayClassName: test", "gatewayClassName: eg") + EG_CLASS;
const ROUTE = httpRoute("web", "  rules: [{backendRefs: [{name: v1, port: 80}]}]");
const btp = (spec: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: p, namespace: apps}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web}], ${spec}}
`;
const REDIS = egConfig("provider: {type: Kubernetes}\nrateLimit: {backend: {type: Redis, redis: {url: redis.redis-system.svc.cluster.local:6379}}}");
const NO_REDIS = egConfig("provider: {type: Kubernetes}");
const localRule = (selector: string, requests = 5) => `rateLimit: {local: {rules: [{clientSelectors: [${selector}], limit: {requests: ${requests}, unit: Second}}]}}`;
const globalRule = (selector: string, requests = 5) => `rateLimit: {global: {rules: [{${selector ? `clientSelectors: [${selector}], ` : ""}limit: {requests: ${requests}, unit: Second}}]}}`;
const loaded = (yaml: string) => load({ "t.yaml": yaml });

test("a rate limit rule's clientSelectors Envoy Gateway cannot translate make the route answer 500 (buildRateLimitRule, each error path)", () => {
  const cases: [string, RegExp][] = [
    ["{headers: [{name: x-team, type: RegularExpression, value: '(a'}]}", /regex "\(a" is invalid: error parsing regexp: missing closing \)/],
    ["{headers: [{name: x-team, type: Distinct, invert: true}]}", /Invert is not applicable for distinct header match type/],
    ["{headers: [{name: x-team, type: Distinct, value: blue}]}", /Either the header.Type is not valid or the header is missing a value/],
    ["{headers: [{name: x-team}]}", /Either the header.Type is not valid or the header is missing a value/],
    ["{headers: []}", /At least one of the header or method or path or sourceCIDR or queryParameters must be specified/],
    ["{path: {type: RegularExpression, value: '/a[b'}}", /regex "\/a\[b" is invalid/],
    ["{sourceCIDR: {value: 10.0.0.0/33}}", /unable to translate rateLimit: invalid CIDR address: 10.0.0.0\/33/],
    ["{sourceCIDR: {value: 10.0.0.1}}", /invalid CIDR address: 10.0.0.1/],
    ["{queryParams: [{name: q}]}", /value is required for Exact query parameter match/],
    ["{queryParams: [{name: q, type: RegularExpression, value: '*'}]}", /regex "\*" is invalid/],
    ["{queryParams: [{name: q, type: Distinct, invert: true}]}", /Invert is not applicable for distinct query parameter match type/],
    ["{queryParams: [{name: q, type: Distinct, value: x}]}", /Value is not applicable for distinct query parameter match type/],
  ];
  for (const [selector, message] of cases) {
    const r = route(GW + ROUTE + btp(localRule(selector)), {});
    assert.equal(r.status, 500, selector);
    assert.match(r.reason, message, selector);
    assert.equal(r.backend, null, selector);
  }
  // The same selectors translated: the backend answers.
  for (const ok of ["{headers: [{name: x-team, type: RegularExpression, value: 'blue|green'}]}", "{headers: [{name: x-team, type: Distinct}]}", "{sourceCIDR: {value: 10.0.0.5/8, type: Distinct}}", "{queryParams: [{name: q, type: Distinct}]}", "{methods: [{value: GET}]}"]) {
    assert.equal(route(GW + ROUTE + btp(localRule(ok)), {}).status, 200, ok);
  }
  // Reported where it is, as a warning (the API server admits it).
  const diags = loaded(GW + ROUTE + btp(localRule("{sourceCIDR: {value: nope}}"))).diagnostics;
  assert.equal(diags.errors.length, 0, diags.errors.map((e) => e.message).join("; "));
  assert.ok(diags.items.some((d) => d.code === "vendor-translation" && /invalid CIDR address: nope/.test(d.message) && d.field?.join(".") === "spec.rateLimit.local.rules.0.clientSelectors"), diags.items.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"));
});

test("errors outside rateLimit: a bandwidth limit below 1 KiB/s, a consistent hash table that is not prime, a zero retry backoff, a request buffer over 4 GiB, HTTP/2 windows out of range", () => {
  const cases: [string, RegExp][] = [
    ["bandwidthLimit: {request: {limit: {value: 1000, unit: Second}}}", /BandwidthLimit: request: bandwidth limit of 1000 bytes per Second is below the minimum of 1 KiB\/s/],
    ["bandwidthLimit: {response: {limit: {value: 60Ki, unit: Hour}}}", /BandwidthLimit: response: bandwidth limit of 61440 bytes per Hour/],
    ["loadBalancer: {type: ConsistentHash, consistentHash: {type: SourceIP, tableSize: 1000}}", /LoadBalancer: ConsistentHash: invalid TableSize value 1000/],
    ["retry: {perRetry: {backOff: {baseInterval: 0s}}}", /Retry: baseInterval cannot be set to 0s/],
    ["retry: {perRetry: {backOff: {baseInterval: 2s, maxInterval: 1s}}}", /Retry: maxInterval cannot be less than baseInterval/],
    ["requestBuffer: {limit: 5Gi}", /RequestBuffer: limit value 5Gi is out of range, must be between 0 and 4294967295/],
    ["http2: {initialStreamWindowSize: 1Ki}", /HTTP2: InitialStreamWindowSize value 1Ki is out of range, must be between 65535 and 2147483647/],
    ["connection: {bufferLimit: 8Gi}", /BackendConnection: BufferLimit value 8Gi is out of range/],
  ];
  for (const [spec, message] of cases) {
    const yaml = GW + ROUTE + btp(spec);
    assert.equal(loaded(yaml).diagnostics.errors.length, 0, `${spec}: the CRD admits it`);
    const r = route(yaml, {});
    assert.equal(r.status, 500, spec);
    assert.match(r.reason, message, spec);
  }
  for (const ok of ["bandwidthLimit: {request: {limit: {value: 1Ki, unit: Second}}}", "loadBalancer: {type: ConsistentHash, consistentHash: {type: SourceIP, tableSize: 65537}}", "retry: {perRetry: {backOff: {baseInterval: 1s, maxInterval: 2s}}}", "requestBuffer: {limit: 10Ki}", "http2: {initialStreamWindowSize: 64Ki}"]) {
    assert.equal(route(GW + ROUTE + btp(ok), {}).status, 200, ok);
  }
});

test("mergeType: the parent's untranslatable feature stays in the merged policy unless the route sets that feature", () => {
  const gw = `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: gw, namespace: infra}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}], retry: {perRetry: {backOff: {baseInterval: 0s}}}}
`;
  assert.equal(route(GW + ROUTE + gw + btp("mergeType: StrategicMerge, faultInjection: {abort: {httpStatus: 503, percentage: 10}}"), {}).status, 500);
  assert.equal(route(GW + ROUTE + gw + btp("mergeType: StrategicMerge, retry: {perRetry: {backOff: {baseInterval: 1s}}}"), {}).status, 200);
  assert.equal(route(GW + ROUTE + gw + btp("faultInjection: {abort: {httpStatus: 503, percentage: 10}}"), {}).status, 200, "no mergeType: the route's policy replaces the Gateway's");
});

test("a global rate limit needs Envoy Gateway's rate limit service: its configuration without rateLimit makes the route answer 500; without the configuration, it is assumed and warned", () => {
  const policy = btp(globalRule("{headers: [{name: x-team, value: blue}]}"));
  const off = route(GW + ROUTE + policy + NO_REDIS, {});
  assert.equal(off.status, 500);
  assert.match(off.reason, /enable Ratelimit in the EnvoyGateway config to configure global rateLimit/);
  const on = route(GW + ROUTE + policy + REDIS, {});
  assert.equal(on.status, 200);
  assert.match(on.reason, /requests over the global rate limit get 429/);
  const unknown = loaded(GW + ROUTE + policy);
  assert.ok(unknown.diagnostics.items.some((d) => d.severity === "warning" && /read as enabled/.test(d.message)));
  assert.equal(route(GW + ROUTE + policy, {}).status, 200);
  assert.ok(!loaded(GW + ROUTE + policy + REDIS).diagnostics.items.some((d) => /read as enabled/.test(d.message)));
  // The enabled check comes before the rules (buildGlobalRateLimit); with the service, a rule's error answers.
  const bad = btp(globalRule("{sourceCIDR: {value: 10.0.0.0/40}}"));
  assert.match(route(GW + ROUTE + bad + NO_REDIS, {}).reason, /enable Ratelimit/);
  assert.match(route(GW + ROUTE + bad + REDIS, {}).reason, /invalid CIDR address: 10.0.0.0\/40/);
  // A configuration Envoy Gateway refuses to start with is an error on the ConfigMap.
  const refused = loaded(GW + egConfig("rateLimit: {backend: {type: Redis}}")).diagnostics.errors;
  assert.ok(refused.some((e) => /empty ratelimit redis settings/.test(e.message)), refused.map((e) => e.message).join("; "));
});

test("Envoy Gateway's configuration: the rate limit Redis url as Go's url.Parse reads each comma-separated host, and a urlRef's secretKeyRef (validateEnvoyGatewayRateLimit, ValidateRedisURL)", () => {
  const errors = (backend: string) => loaded(GW + egConfig(`rateLimit: {backend: {type: Redis, redis: ${backend}}}`)).diagnostics.errors.map((e) => e.message);
  // An address and port without a scheme: "first path segment in URL cannot contain colon".
  assert.deepEqual(errors("{url: '10.0.0.1:6379'}"), ['unknown ratelimit redis url format: parse "10.0.0.1:6379": first path segment in URL cannot contain colon: Envoy Gateway refuses to start']);
  assert.match(errors("{url: 'redis-0.redis:6379,[fd00::1]:6379'}").join(), /parse "\[fd00::1\]:6379": first path segment in URL cannot contain colon/);
  assert.match(errors("{url: 'redis://redis.svc:63x9'}").join(), /invalid port ":63x9" after host/);
  assert.match(errors("{url: ':6379'}").join(), /missing protocol scheme/);
  assert.match(errors("{url: 'redis://h/%zz'}").join(), /invalid URL escape "%zz"/);
  for (const ok of ["redis.redis-system.svc.cluster.local:6379", "redis://10.0.0.1:6379", "redis://user:pw@[fd00::1]:6379/0", "a:1,b:2"]) assert.deepEqual(errors(`{url: '${ok}'}`), [], ok);
  // urlRef: a secretKeyRef with name and key, not optional.
  assert.deepEqual(errors("{urlRef: {secretKeyRef: {name: redis, key: url}}}"), []);
  assert.match(errors("{urlRef: {secretKeyRef: {name: redis}}}").join(), /urlRef.secretKeyRef must set both name and key/);
  assert.match(errors("{urlRef: {secretKeyRef: {name: redis, key: url, optional: true}}}").join(), /optional must not be true; the Secret is required/);
  assert.match(errors("{url: 'redis:6379', urlRef: {secretKeyRef: {name: redis, key: url}}}").join(), /exactly one of ratelimit redis url or urlRef must be set/);
});

test("requests: 0: a global rule refuses every request with 429 (the rate limit service's limit 0); a local one is a token bucket with tokens_per_fill 0, which Envoy refuses with the listener's whole route configuration (404)", () => {
  const local = route(GW + ROUTE + btp("rateLimit: {local: {rules: [{limit: {requests: 0, unit: Minute}}]}}"), {});
  assert.equal(local.status, 404);
  assert.equal(local.backend, null);
  assert.match(local.reason, /Envoy refuses the route configuration of listener http: BackendTrafficPolicy apps\/p on HTTPRoute apps\/web rule 0 has a local rule 0 allows no requests \(requests: 0\) per Minute, which Envoy Gateway writes as a token bucket with tokens_per_fill 0.*TokensPerFill: value must be greater than 0/);
  // A selector rule of 0, or a default rule of 0 beside selector rules: the same bucket, the same refusal.
  assert.equal(route(GW + ROUTE + btp("rateLimit: {local: {rules: [{limit: {requests: 0, unit: Second}}, {clientSelectors: [{headers: [{name: x-team, value: blue}]}], limit: {requests: 10, unit: Second}}]}}"), { headers: [["x-team", "blue"]] }).status, 404);
  assert.equal(route(GW + ROUTE + btp(localRule("{headers: [{name: x-team, value: blue}]}", 0)), {}).status, 404);
  // Every route of the listener is refused with it, and the plain HTTP listeners on its port share the configuration; another port does not.
  const two = gateway([HTTP_ALL, "{name: alt, port: 80, protocol: HTTP, hostname: alt.example.com, allowedRoutes: {namespaces: {from: All}}}", "{name: other, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"]).replace("gatewayClassName: test", "gatewayClassName: eg") + EG_CLASS;
  const other = httpRoute("other", "  rules: [{backendRefs: [{name: v2, port: 80}]}]").replace("parentRefs: [{name: gw, namespace: infra}]", "parentRefs: [{name: gw, namespace: infra, sectionName: alt}, {name: gw, namespace: infra, sectionName: other}]");
  const onHttp = ROUTE.replace("parentRefs: [{name: gw, namespace: infra}]", "parentRefs: [{name: gw, namespace: infra, sectionName: http}]");
  const yaml = two + onHttp + other + btp("rateLimit: {local: {rules: [{limit: {requests: 0, unit: Second}}]}}");
  assert.equal(route(yaml, { host: "alt.example.com" }).status, 404, "listener alt, same port: the same route configuration");
  assert.match(route(yaml, { host: "alt.example.com" }).reason, /\(listener http, on the same port\)/);
  assert.equal(route(yaml, { port: 8080 }).status, 200, "port 8080: its own");
  // A redirect has no route action: no rate limit is written for it.
  assert.equal(route(GW + httpRoute("web", "  rules: [{filters: [{type: RequestRedirect, requestRedirect: {hostname: x.example.com}}]}]") + btp("rateLimit: {local: {rules: [{limit: {requests: 0, unit: Second}}]}}"), {}).status, 302);
  const global = route(GW + ROUTE + btp(globalRule("", 0)) + REDIS, {});
  assert.equal(global.status, 429);
  assert.match(global.reason, /global rule 0 allows no requests/);
  assert.equal(route(GW + ROUTE + btp(globalRule("", 0)) + NO_REDIS, {}).status, 500, "without the service: not translated");
  // A gRPC client sees UNAVAILABLE (Envoy's local reply for 429).
  const grpc = httpRoute("web", "  rules: [{backendRefs: [{name: v1, port: 80}]}]").replace("kind: HTTPRoute", "kind: GRPCRoute");
  const g = route(GW + grpc + btp(globalRule("", 0)).replace("kind: HTTPRoute", "kind: GRPCRoute") + REDIS, { protocol: "grpc", path: "/pkg.Svc/Get", method: "POST" });
  assert.deepEqual([g.status, g.grpcCode], [429, "UNAVAILABLE"]);
});

test("a fault abort's percentage as Envoy Gateway writes it: float32 x 10000 per million, truncated (below 0.0001 nothing; 99.99999 is not every request)", () => {
  const abort = (pct: number) => route(GW + ROUTE + btp(`faultInjection: {abort: {httpStatus: 503, percentage: ${pct}}}`), {});
  const tiny = abort(0.00005);
  assert.equal(tiny.status, 200);
  assert.match(tiny.reason, /percentage 0\.00005 aborts no request: Envoy Gateway writes it as 0 per million/);
  assert.doesNotMatch(tiny.reason, /of the requests are aborted/);
  const almost = abort(99.99999);
  assert.equal(almost.status, 200, "999999 per million: not every request");
  assert.match(almost.reason, /99\.9999% of the requests are aborted with 503 .*percentage 99\.99999 written as 999999 per million/);
  assert.match(abort(0.0001).reason, /0\.0001% of the requests are aborted/);
  assert.equal(abort(100).status, 503);
});

test("a responseOverride body's ConfigMap not in the input: Envoy Gateway cannot translate the policy (getCustomResponseBody: \"can't find the referenced configmap\"), the route answers 500", () => {
  const override = (body: string) => btp(`responseOverride: [{match: {statusCodes: [{value: 503}]}, response: {contentType: text/plain, body: ${body}}}]`);
  const ref = override(`{type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: sorry}}`);
  assert.equal(loaded(GW + ROUTE + ref).diagnostics.errors.length, 0);
  const missing = route(GW + ROUTE + ref, {});
  assert.equal(missing.status, 500);
  assert.match(missing.reason, /ResponseOverride: can't find the referenced configmap apps\/sorry/);
  const cm = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: sorry, namespace: apps}\ndata: {response.body: sorry}\n";
  assert.equal(route(GW + ROUTE + ref + cm, {}).status, 200);
  assert.equal(route(GW + ROUTE + ref + cm.replace("namespace: apps", "namespace: infra"), {}).status, 500, "another namespace's ConfigMap");
  assert.equal(route(GW + ROUTE + override(`{type: Inline, inline: sorry}`), {}).status, 200);
});

test("a responseOverride body Envoy Gateway cannot read makes the route answer 500 (getCustomResponseBody: a ConfigMap with no data; checkResponseBodySize: over 4096 bytes)", () => {
  const override = (body: string) => btp(`responseOverride: [{match: {statusCodes: [{value: 503}]}, response: {contentType: text/plain, body: ${body}}}]`);
  const ref = override(`{type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: sorry}}`);
  const cm = (data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: sorry, namespace: apps}\n${data}\n`;
  const empty = route(GW + ROUTE + ref + cm(""), {});
  assert.equal(empty.status, 500);
  assert.match(empty.reason, /ResponseOverride: can't find the key response.body in the referenced configmap apps\/sorry/);
  assert.equal(route(GW + ROUTE + ref + cm("data: {}\nbinaryData: {response.body: c29ycnk=}"), {}).status, 500, "binaryData is not read");
  // Without response.body, the first value a Go map range gives: any other key.
  assert.equal(route(GW + ROUTE + ref + cm("data: {page: sorry}"), {}).status, 200);
  const big = "x".repeat(4097);
  const over = route(GW + ROUTE + ref + cm(`data: {response.body: ${big}}`), {});
  assert.equal(over.status, 500);
  assert.match(over.reason, /ResponseOverride: response.body size 4097 greater than the max size 4096/);
  assert.equal(route(GW + ROUTE + ref + cm(`data: {response.body: ${"x".repeat(4096)}}`), {}).status, 200, "4096 bytes is the most");
  assert.equal(route(GW + ROUTE + ref + cm(`data: {a: ${big}, b: ${big}}`), {}).status, 500, "every value over");
  assert.equal(route(GW + ROUTE + ref + cm(`data: {response.body: sorry, other: ${big}}`), {}).status, 200, "response.body read first");
  // An inline body: its UTF-8 bytes.
  const inline = route(GW + ROUTE + override(`{type: Inline, inline: "${"é".repeat(2049)}"}`), {});
  assert.equal(inline.status, 500);
  assert.match(inline.reason, /response.body size 4098 greater than the max size 4096/);
  assert.equal(route(GW + ROUTE + override(`{inline: "${"é".repeat(2048)}"}`), {}).status, 200);
});

test("a global rule of requests: 0 with clientSelectors refuses the requests they match with 429 (a block rule, envoyproxy/gateway#9273)", () => {
  const block = (selector: string, kind: "local" | "global" = "global") => btp(`rateLimit: {${kind}: {rules: [{clientSelectors: [${selector}], limit: {requests: 0, unit: Second}}]}}`) + (kind === "global" ? REDIS : "");
  const ua = "{headers: [{name: User-Agent, type: RegularExpression, value: 'bad-scanner/.*'}]}";
  const bad = route(GW + ROUTE + block(ua), { headers: [["user-agent", "bad-scanner/1.0"]] });
  assert.equal(bad.status, 429);
  assert.match(bad.reason, /refuses the request with 429: its global rule 0 allows no requests \(requests: 0\), and the request matches its clientSelectors/);
  assert.equal(route(GW + ROUTE + block(ua), { headers: [["user-agent", "curl/8"]] }).status, 200);
  assert.equal(route(GW + ROUTE + block(ua), { headers: [["User-Agent", "bad-scanner/2"]] }).status, 429, "the header's name in any case");
  assert.equal(route(GW + ROUTE + block(ua, "local"), { headers: [["user-agent", "curl/8"]] }).status, 404, "local: tokens_per_fill 0, the route configuration is refused");
  // invert: the requests whose header does not match (an absent header among them).
  const inverted = block("{headers: [{name: x-team, value: blue, invert: true}]}");
  assert.equal(route(GW + ROUTE + inverted, {}).status, 429);
  assert.equal(route(GW + ROUTE + inverted, { headers: [["x-team", "blue"]] }).status, 200);
  // Distinct: any request carrying the header; a path prefix is path-separated and sees the query; methods are alternatives.
  assert.equal(route(GW + ROUTE + block("{headers: [{name: x-key, type: Distinct}]}"), { headers: [["x-key", "k1"]] }).status, 429);
  assert.equal(route(GW + ROUTE + block("{headers: [{name: x-key, type: Distinct}]}"), {}).status, 200);
  const admin = block("{path: {value: /admin}}");
  assert.equal(route(GW + ROUTE + admin, { path: "/admin?x=1" }).status, 429);
  assert.equal(route(GW + ROUTE + admin, { path: "/admin/users" }).status, 429);
  assert.equal(route(GW + ROUTE + admin, { path: "/administrator" }).status, 200);
  const writes = block("{methods: [{value: POST}, {value: DELETE}]}");
  assert.equal(route(GW + ROUTE + writes, { method: "DELETE" }).status, 429);
  assert.equal(route(GW + ROUTE + writes, { method: "GET" }).status, 200);
});

test("mergeType: the merged rate limit keeps the Gateway policy's global limit, its error and its requests: 0 rules, beside the route's local limit (buildBothRateLimit on the merged spec; the global side was dropped: 200 where Envoy Gateway answers 500 or 429)", () => {
  const gwPolicy = (rateLimit: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: gw, namespace: infra}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}], ${rateLimit}}
`;
  const routeLocal = btp("mergeType: StrategicMerge, rateLimit: {local: {rules: [{limit: {requests: 100, unit: Second}}]}}");
  // The Gateway's global limit without the rate limit service: the merged policy is not translated.
  const off = route(GW + ROUTE + gwPolicy(globalRule("{headers: [{name: x-team, value: blue}]}")) + routeLocal + NO_REDIS, {});
  assert.equal(off.status, 500);
  assert.match(off.reason, /enable Ratelimit in the EnvoyGateway config/);
  // A global rule of requests: 0 for every request: 429.
  assert.equal(route(GW + ROUTE + gwPolicy(globalRule("", 0)) + routeLocal + REDIS, {}).status, 429);
  // A global rule of requests: 0 for the requests its selectors match: 429 for those.
  const zero = GW + ROUTE + gwPolicy(globalRule("{headers: [{name: x-team, value: blue}]}", 0)) + routeLocal + REDIS;
  assert.equal(route(zero, { headers: [["x-team", "blue"]] }).status, 429);
  assert.equal(route(zero, { headers: [["x-team", "red"]] }).status, 200);
  // The route's local error stands first (local before global); the Gateway's local error is replaced by the route's local limit.
  assert.match(route(GW + ROUTE + gwPolicy("rateLimit: {local: {rules: [{limit: {requests: 1, unit: Second}}, {limit: {requests: 2, unit: Second}}]}}") + routeLocal, {}).reason, /requests over the local rate limit \(100 requests per Second\)/);
});

test("a rate limit rule's sourceCIDR reads the client address Envoy sees (RemoteAddressMatch, not X-Forwarded-For), its queryParams the query (QueryParameterValueMatch, QueryParameters); shadowMode never refuses", () => {
  const block = (selector: string, kind: "local" | "global" = "global", extra = "") => btp(`rateLimit: {${kind}: {rules: [{clientSelectors: [${selector}], limit: {requests: 0, unit: Second}${extra}}]}}`) + (kind === "global" ? REDIS : "");
  const from = (ip: string) => ({ clientAddress: parseAddress(ip)! });
  const net = block("{sourceCIDR: {value: 192.0.2.9/24}}");
  const inside = route(GW + ROUTE + net, from("192.0.2.77"));
  assert.equal(inside.status, 429);
  assert.match(inside.reason, /its global rule 0 allows no requests \(requests: 0\), and the request matches its clientSelectors \(the client address 192\.0\.2\.77 is in sourceCIDR 192\.0\.2\.0\/24\)/);
  assert.equal(route(GW + ROUTE + net, from("198.51.100.1")).status, 200);
  // X-Forwarded-For is not read (use_remote_address, no trusted hops); an IPv6 client is in no IPv4 range.
  assert.equal(route(GW + ROUTE + net, { ...from("198.51.100.1"), headers: [["x-forwarded-for", "192.0.2.77"]] }).status, 200);
  assert.equal(route(GW + ROUTE + net, from("2001:db8::1")).status, 200);
  // Distinct matches the same addresses (a bucket per address); invert the addresses outside.
  assert.equal(route(GW + ROUTE + block("{sourceCIDR: {type: Distinct, value: 192.0.2.0/24}}", "global"), from("192.0.2.1")).status, 429);
  const outside = block("{sourceCIDR: {value: 10.0.0.0/8, invert: true}}");
  assert.equal(route(GW + ROUTE + outside, from("192.0.2.1")).status, 429);
  assert.equal(route(GW + ROUTE + outside, from("10.1.2.3")).status, 200);
  // Every selector must match: the header and the range.
  const both = block("{headers: [{name: x-team, value: red}], sourceCIDR: {value: 192.0.2.0/24}}");
  assert.equal(route(GW + ROUTE + both, { ...from("192.0.2.1"), headers: [["x-team", "red"]] }).status, 429);
  assert.equal(route(GW + ROUTE + both, from("192.0.2.1")).status, 200);
  // No client named: not known, a note says who decides.
  const unknown = route(GW + ROUTE + net, {});
  assert.equal(unknown.status, 200);
  assert.match(unknown.reason, /its global rule 0 \(requests: 0\), whose sourceCIDR 192\.0\.2\.0\/24 reads the client address, which Junction does not know \(the request names no client/);
  // A ClientTrafficPolicy's clientIPDetection: X-Forwarded-For's last entry (numTrustedHops 1), else the connection's source.
  const ctp = "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\nmetadata: {name: c, namespace: infra}\nspec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}], clientIPDetection: {xForwardedFor: {numTrustedHops: 1}}}\n";
  assert.equal(route(GW + ROUTE + net + ctp, from("192.0.2.77")).status, 429, "no X-Forwarded-For: the connection's source");
  assert.equal(route(GW + ROUTE + net + ctp, { ...from("192.0.2.77"), headers: [["x-forwarded-for", "198.51.100.1"]] }).status, 200, "X-Forwarded-For's address");

  // queryParams: the first value, decoded; absent: no match (invert: a match); Distinct: present.
  const q = block("{queryParams: [{name: debug, value: 'on now'}]}");
  assert.equal(route(GW + ROUTE + q, { path: "/x?debug=on+now" }).status, 429);
  assert.equal(route(GW + ROUTE + q, { path: "/x?debug=on%20now&debug=off" }).status, 429);
  assert.equal(route(GW + ROUTE + q, { path: "/x?debug=off&debug=on+now" }).status, 200, "the first value only");
  assert.equal(route(GW + ROUTE + q, { path: "/x" }).status, 200);
  const re = block("{queryParams: [{name: id, type: RegularExpression, value: '[0-9]+'}]}", "global");
  assert.equal(route(GW + ROUTE + re, { path: "/?id=42" }).status, 429);
  assert.equal(route(GW + ROUTE + re, { path: "/?id=42a" }).status, 200, "RE2 over the whole value");
  const notBeta = block("{queryParams: [{name: v, value: beta, invert: true}]}");
  assert.equal(route(GW + ROUTE + notBeta, { path: "/" }).status, 429);
  assert.equal(route(GW + ROUTE + notBeta, { path: "/?v=beta" }).status, 200);
  const keyed = block("{queryParams: [{name: key, type: Distinct}]}");
  assert.equal(route(GW + ROUTE + keyed, { path: "/?key=" }).status, 429);
  assert.equal(route(GW + ROUTE + keyed, { path: "/?other=1" }).status, 200);

  // shadowMode: counted, never enforced (the descriptor's shadow_mode), local or global, with selectors or not.
  assert.equal(route(GW + ROUTE + block("{headers: [{name: x-key, type: Distinct}]}", "local", ", shadowMode: true"), { headers: [["x-key", "k"]] }).status, 404, "local: the bucket is written all the same, tokens_per_fill 0");
  assert.equal(route(GW + ROUTE + block("{headers: [{name: x-key, type: Distinct}]}", "global", ", shadowMode: true"), { headers: [["x-key", "k"]] }).status, 200);
  assert.equal(route(GW + ROUTE + btp("rateLimit: {global: {rules: [{limit: {requests: 0, unit: Second}, shadowMode: true}]}}") + REDIS, {}).status, 200);
});

test("junction route: `from: ip:ADDRESS` is the client address a rate limit's sourceCIDR reads", async () => {
  const yaml = GW + ROUTE + btp(`rateLimit: {global: {rules: [{clientSelectors: [{sourceCIDR: {value: 192.0.2.0/24}}], limit: {requests: 0, unit: Second}}]}}`) + REDIS;
  const t = tempFiles({ "in.yaml": yaml, "reqs.yaml": "- {gateway: infra/gw, from: 'ip:192.0.2.77', host: example.com, path: /}\n- {gateway: infra/gw, from: 'ip:198.51.100.1', host: example.com, path: /}\n" });
  try {
    const r = await cli(["route", "-f", join(t.dir, "in.yaml"), "--requests", join(t.dir, "reqs.yaml"), "-o", "json", "-q"]);
    const answers = (JSON.parse(r.out) as { results: { status: number }[] }).results.map((x) => x.status);
    assert.equal(answers[0], 429);
    assert.notEqual(answers[1], 429);
  } finally { t.cleanup(); }
});

test("timeout.tcp.connectTimeout 0s (the CRD admits it): the clusters' connect_timeout 0, which Envoy Gateway's validation of its xDS refuses, so it publishes nothing for the Gateway: every connection refused", async () => {
  const zero = btp("timeout: {tcp: {connectTimeout: 0s}}");
  const r = route(GW + ROUTE + zero, {});
  assert.equal(r.status, null);
  assert.equal(r.connection, "rejected");
  assert.match(r.reason, /Envoy Gateway publishes no configuration for Gateway infra\/gw: BackendTrafficPolicy apps\/p gives HTTPRoute apps\/web rule 0 a connectTimeout of 0s.*invalid Cluster.ConnectTimeout: value must be greater than 0s/);
  assert.ok(loaded(GW + ROUTE + zero).diagnostics.items.some((d) => d.severity === "warning" && /connect_timeout 0s/.test(d.message)));
  assert.equal(route(GW + ROUTE + btp("timeout: {tcp: {connectTimeout: 10ms}}"), {}).status, 200);
  // Untranslatable otherwise: the route is a 500 direct response and gets no cluster timeout.
  assert.equal(route(GW + ROUTE + btp("timeout: {tcp: {connectTimeout: 0s}}, retry: {perRetry: {backOff: {baseInterval: 0s}}}"), {}).status, 500);
  // junction route --requests: the same answer.
  const t = tempFiles({ "in.yaml": GW + ROUTE + zero, "reqs.yaml": "- {gateway: infra/gw, host: example.com, path: /}\n" });
  try {
    const out = await cli(["route", "-f", join(t.dir, "in.yaml"), "--requests", join(t.dir, "reqs.yaml"), "-o", "json", "-q"]);
    const res = (JSON.parse(out.out) as { results: { status: number | null; connection?: string }[] }).results[0];
    assert.deepEqual([res.status, res.connection], [null, "rejected"]);
  } finally { t.cleanup(); }
});

// envoyproxy/gateway v1.9.0: a TCPRoute's or TLSRoute's rule gets its features one by one
// (backendtrafficpolicy.go applyTrafficFeatureToRoute, translateBackendTrafficPolicyForListeners:
// `setIfNil(&r.Timeout, tf.Timeout)`, whatever errors the policy's other features have), and its
// cluster's connect_timeout is that timeout's tcp.connectTimeout (xds/translator cluster.go
// buildConnectTimeout, default 10s); a UDPRoute takes loadBalancer and dns only. Junction checked the
// connect timeout of HTTP and gRPC routes only: a TCP or TLS connection was routed to its backend.
test("timeout.tcp.connectTimeout 0s on a TCPRoute or TLSRoute: Envoy Gateway publishes nothing for the Gateway (it was routed); the whole timeout of the most specific policy that sets one; a UDPRoute takes none", async () => {
  const eg = (listeners: string[]) => gateway(listeners).replace("gatewayClassName: test", "gatewayClassName: eg") + EG_CLASS;
  const TCP_GW = eg(["{name: tcp, port: 9000, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}", "{name: udp, port: 53, protocol: UDP, allowedRoutes: {namespaces: {from: All}}}", "{name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}"]);
  const l4 = (kind: string, name: string, section: string, version = "v1alpha2") => `---\napiVersion: gateway.networking.k8s.io/${version}\nkind: ${kind}\nmetadata: {name: ${name}, namespace: apps}\nspec: {parentRefs: [{name: gw, namespace: infra, sectionName: ${section}}], rules: [{backendRefs: [{name: v1, port: 80}]}]}\n`;
  const policy = (name: string, ns: string, target: string, spec: string) => `---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {targetRefs: [${target}], ${spec}}\n`;
  const toRoute = (kind: string, name: string) => `{group: gateway.networking.k8s.io, kind: ${kind}, name: ${name}}`;
  const toGw = "{group: gateway.networking.k8s.io, kind: Gateway, name: gw}";
  const tcp = (yaml: string) => route(yaml, { scheme: "tcp", port: 9000 });
  const routes = TCP_GW + l4("TCPRoute", "db", "tcp") + l4("UDPRoute", "dns", "udp") + l4("TLSRoute", "pass", "tls");
  assert.equal(tcp(routes).backend, "apps/v1");
  const zero = tcp(routes + policy("p", "apps", toRoute("TCPRoute", "db"), "timeout: {tcp: {connectTimeout: 0s}}"));
  assert.deepEqual([zero.connection, zero.backend], ["rejected", null]);
  assert.match(zero.reason, /Envoy Gateway publishes no configuration for Gateway infra\/gw: BackendTrafficPolicy apps\/p gives TCPRoute apps\/db rule 0 a connectTimeout of 0s/);
  // A TLSRoute's rule, from the Gateway's policy; the whole Gateway is unpublished (the TCP listener too).
  const atGw = policy("g", "infra", toGw, "timeout: {tcp: {connectTimeout: 0s}}");
  const onlyTls = TCP_GW + l4("TLSRoute", "pass", "tls");
  assert.match(route(onlyTls + atGw, { scheme: "tls", port: 443, sni: "a.example.com" }).reason, /gives TLSRoute apps\/pass rule 0 a connectTimeout of 0s/);
  assert.equal(route(onlyTls, { scheme: "tls", port: 443, sni: "a.example.com" }).backend, "apps/v1");
  // A UDPRoute's cluster takes no timeout.
  const udpOnly = TCP_GW + l4("UDPRoute", "dns", "udp") + "---\napiVersion: v1\nkind: Service\nmetadata: {name: v1, namespace: apps}\nspec: {selector: {app: v1}, ports: [{port: 80, protocol: UDP}]}\n";
  assert.notEqual(route(udpOnly + atGw, { scheme: "udp", port: 53 }).connection, "rejected");
  // The route's own timeout (http only) hides the Gateway's whole: the default 10s; a route policy without timeout does not.
  assert.equal(tcp(routes.replace(l4("TLSRoute", "pass", "tls"), "") + atGw + policy("r", "apps", toRoute("TCPRoute", "db"), "timeout: {http: {requestTimeout: 5s}}")).backend, "apps/v1");
  assert.equal(tcp(TCP_GW + l4("TCPRoute", "db", "tcp") + atGw + policy("r", "apps", toRoute("TCPRoute", "db"), "healthCheck: {panicThreshold: 40}")).connection, "rejected");
  // With a mergeType, the route's timeout merges into the Gateway's: its connectTimeout 0 stays.
  const merged = tcp(TCP_GW + l4("TCPRoute", "db", "tcp") + atGw + policy("r", "apps", toRoute("TCPRoute", "db"), "mergeType: StrategicMerge, timeout: {http: {requestTimeout: 5s}}"));
  assert.match(merged.reason, /BackendTrafficPolicy apps\/r merged into infra\/g gives TCPRoute apps\/db rule 0/);
  // Unlike an HTTP route's (a 500 direct response), a TCP route's timeout is set whatever else fails to translate.
  assert.equal(tcp(TCP_GW + l4("TCPRoute", "db", "tcp") + policy("p", "apps", toRoute("TCPRoute", "db"), "timeout: {tcp: {connectTimeout: 0s}}, retry: {perRetry: {backOff: {baseInterval: 0s}}}")).connection, "rejected");
  // junction route --requests: the same answer.
  const t = tempFiles({ "in.yaml": TCP_GW + l4("TCPRoute", "db", "tcp") + atGw, "reqs.yaml": "- {gateway: infra/gw, scheme: tcp, port: 9000}\n" });
  try {
    const out = await cli(["route", "-f", join(t.dir, "in.yaml"), "--requests", join(t.dir, "reqs.yaml"), "-o", "json", "-q"]);
    const res = (JSON.parse(out.out) as { results: { status: number | null; connection?: string; reason: string }[] }).results[0];
    assert.deepEqual([res.status, res.connection], [null, "rejected"]);
    assert.match(res.reason, /TCPRoute apps\/db rule 0 a connectTimeout of 0s/);
  } finally { t.cleanup(); }
});
