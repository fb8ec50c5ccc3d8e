// Envoy Gateway's BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.0):
// the policy a route rule's requests get (internal/gatewayapi/backendtrafficpolicy.go
// ProcessBackendTrafficPolicies: route rule, route, listener, Gateway; the oldest policy takes a target,
// the others are Conflicted) and what its faultInjection.abort and rateLimit do to them (Envoy's fault
// filter, fault_filter.cc abortStatus; Envoy Gateway's buildLocalRateLimit).

import { test } from "node:test";
import assert from "node:assert/strict";
import { gateway, httpRoute, HTTP_ALL, route, allowingListenerSets, listenerSet } from "./fixture.js";
import { load } from "../helpers.js";

const EG_CLASS = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n";
const GW = gateway([HTTP_ALL]).replace("gatewayClassName: test", "gatewayClassName: eg") + EG_CLASS;
const ROUTE = httpRoute("web", "  rules:\n  - {name: api, matches: [{path: {type: PathPrefix, value: /api}}], backendRefs: [{name: v1, port: 80}]}\n  - {backendRefs: [{name: v2, port: 80}]}");

/** A BackendTrafficPolicy in `ns`; `spec` is YAML flow mappings for the spec's fields (targetRefs included). */
const btp = (name: string, ns: string, spec: string, created?: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}, namespace: ${ns}${created ? `, creationTimestamp: "${created}"` : ""}}
spec: {${spec}}
`;
const toRoute = (section = "") => `targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web${section ? `, sectionName: ${section}` : ""}}]`;
const toGateway = (section = "") => `targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw${section ? `, sectionName: ${section}` : ""}}]`;
const abort = (status: string, pct?: number) => `faultInjection: {abort: {${status}${pct !== undefined ? `, percentage: ${pct}` : ""}}}`;

test("faultInjection.abort at 100% (the CRD's default percentage): every request the route takes gets the status, the backend is not reached", () => {
  const r = route(GW + ROUTE + btp("fault", "apps", `${toRoute()}, ${abort("httpStatus: 503")}`), {});
  assert.equal(r.status, 503);
  assert.equal(r.backend, null);
  assert.match(r.reason, /BackendTrafficPolicy apps\/fault aborts every request with 503/);
  // Without the policy the same request reaches v2.
  assert.equal(route(GW + ROUTE, {}).status, 200);
});

test("the abort applies only on Envoy Gateway's Gateways: another controller's Gateway ignores the policy", () => {
  const r = route(gateway([HTTP_ALL]) + ROUTE + btp("fault", "apps", `${toRoute()}, ${abort("httpStatus: 503")}`), {});
  assert.equal(r.status, 200);
});

test("a lower percentage is some requests: the answer stays the backend's, and the reason says what the others get", () => {
  const r = route(GW + ROUTE + btp("fault", "apps", `${toRoute()}, ${abort("httpStatus: 500", 25)}`), {});
  assert.equal(r.status, 200);
  assert.match(r.reason, /25% of the requests are aborted with 500 by BackendTrafficPolicy apps\/fault/);
  assert.equal(route(GW + ROUTE + btp("fault", "apps", `${toRoute()}, ${abort("httpStatus: 500", 0)}`), {}).reason.includes("aborted"), false, "0%: none");
});

test("a gRPC status abort: HTTP 200 with that grpc-status (fault_filter.cc abortStatus), the gRPC client sees the code", () => {
  const grpc = httpRoute("web", "  rules: [{backendRefs: [{name: v1, port: 80}]}]").replace("kind: HTTPRoute", "kind: GRPCRoute");
  const r = route(GW + grpc + btp("fault", "apps", `targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: web}], ${abort("grpcStatus: 14")}`), { protocol: "grpc", path: "/pkg.Svc/Get", method: "POST" });
  assert.equal(r.status, 200);
  assert.equal(r.grpcCode, "UNAVAILABLE");
  assert.equal(r.backend, null);
});

test("precedence: a route rule's policy over the route's, the route's over the listener's, the listener's over the Gateway's; each replaces the other whole", () => {
  const gw = btp("gw", "infra", `${toGateway()}, ${abort("httpStatus: 502")}`);
  const listener = btp("listener", "infra", `${toGateway("http")}, ${abort("httpStatus: 504")}`);
  const rt = btp("route", "apps", `${toRoute()}, rateLimit: {local: {rules: [{limit: {requests: 10, unit: Second}}]}}`);
  const rule = btp("rule", "apps", `${toRoute("api")}, ${abort("httpStatus: 418")}`);
  assert.equal(route(GW + ROUTE + gw, {}).status, 502, "the Gateway's policy");
  assert.equal(route(GW + ROUTE + gw + listener, {}).status, 504, "the listener's over the Gateway's");
  const byRoute = route(GW + ROUTE + gw + listener + rt, {});
  assert.equal(byRoute.status, 200, "the route's policy has no abort, and replaces the listener's whole");
  assert.match(byRoute.reason, /requests over the local rate limit \(10 requests per Second\) get 429 from BackendTrafficPolicy apps\/route/);
  assert.equal(route(GW + ROUTE + gw + listener + rt + rule, { path: "/api/x" }).status, 418, "the rule's policy");
  assert.equal(route(GW + ROUTE + gw + listener + rt + rule, { path: "/" }).status, 200, "another rule: the route's");
});

test("mergeType: the route's policy merges into the Gateway's (the Gateway's abort stays, the route's rate limit is added)", () => {
  const gw = btp("gw", "infra", `${toGateway()}, ${abort("httpStatus: 502", 40)}`);
  const rt = btp("route", "apps", `${toRoute()}, mergeType: StrategicMerge, rateLimit: {local: {rules: [{limit: {requests: 5, unit: Minute}}]}}`);
  const r = route(GW + ROUTE + gw + rt, {});
  assert.match(r.reason, /40% of the requests are aborted with 502 by BackendTrafficPolicy apps\/route merged into infra\/gw/);
  assert.match(r.reason, /5 requests per Minute/);
});

test("mergeType: a route's grpcStatus abort merged over the Gateway's httpStatus abort answers with the gRPC status (Envoy Gateway's fault.go patchRoute sets the FaultAbort error_type oneof from httpStatus, then grpcStatus)", () => {
  const gw = btp("gw", "infra", `${toGateway()}, ${abort("httpStatus: 503")}`);
  const rt = btp("route", "apps", `${toRoute()}, mergeType: JSONMerge, ${abort("grpcStatus: 14")}`);
  const r = route(GW + ROUTE + gw + rt, {});
  assert.equal(r.status, 200);
  assert.match(r.reason, /aborts every request with 200 with grpc-status UNAVAILABLE/);
  // Without mergeType the route's policy replaces the Gateway's: the same answer, its own status alone.
  assert.equal(route(GW + ROUTE + gw + btp("route", "apps", `${toRoute()}, ${abort("grpcStatus: 14")}`), {}).status, 200);
  assert.equal(route(GW + ROUTE + gw, {}).status, 503);
});

test("ListenerSet targets: a route on a ListenerSet's listener gets the policy of that listener, else of the ListenerSet, else of the Gateway; never a Gateway listener's (ProcessBackendTrafficPolicies, gatewayPolicyTargetListeners)", () => {
  const gw = allowingListenerSets(GW);
  const ls = listenerSet("{name: http, port: 80, protocol: HTTP, hostname: ls.example.com}");
  const viaSet = ROUTE.replace("parentRefs: [{name: gw, namespace: infra}]", "parentRefs: [{kind: ListenerSet, name: ls}]");
  const toSet = (section = "") => `targetRefs: [{group: gateway.networking.k8s.io, kind: ListenerSet, name: ls${section ? `, sectionName: ${section}` : ""}}]`;
  const base = gw + ls + viaSet;
  const at = (yaml: string) => route(yaml, { host: "ls.example.com" });
  assert.equal(at(base).status, 200);
  assert.equal(at(base + btp("set", "apps", `${toSet()}, ${abort("httpStatus: 503")}`)).status, 503, "the ListenerSet's policy");
  assert.equal(at(base + btp("set", "apps", `${toSet()}, ${abort("httpStatus: 503")}`) + btp("one", "apps", `${toSet("http")}, ${abort("httpStatus: 504")}`)).status, 504, "its listener's over the ListenerSet's");
  assert.equal(at(base + btp("set", "apps", `${toSet("nope")}, ${abort("httpStatus: 503")}`)).status, 200, "a sectionName naming no listener of it attaches nothing");
  const gwPolicy = btp("gw", "infra", `${toGateway()}, ${abort("httpStatus: 502")}`);
  assert.equal(at(base + gwPolicy).status, 502, "without a ListenerSet policy, the Gateway's");
  assert.equal(at(base + gwPolicy + btp("set", "apps", `${toSet()}, ${abort("httpStatus: 503")}`)).status, 503, "the ListenerSet's over the Gateway's");
  assert.equal(at(base + btp("gwl", "infra", `${toGateway("http")}, ${abort("httpStatus: 418")}`)).status, 200, "the Gateway listener of the same name is another listener");
  // mergeType: merged into the ListenerSet's policy.
  const merged = at(base + gwPolicy + btp("set", "apps", `${toSet()}, ${abort("httpStatus: 503", 40)}`) + btp("route", "apps", `${toRoute()}, mergeType: StrategicMerge, rateLimit: {local: {rules: [{limit: {requests: 5, unit: Minute}}]}}`));
  assert.match(merged.reason, /40% of the requests are aborted with 503 by BackendTrafficPolicy apps\/route merged into apps\/set/);
});

test("a Linkerd HTTPRoute of the same namespace and name is not the Gateway API route a policy targets", () => {
  const linkerd = `---
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: {name: web, namespace: apps}
spec:
  parentRefs: [{group: core, kind: Service, name: v1, port: 80}]
  rules: [{matches: [{path: {type: PathPrefix, value: /}}]}]
`;
  const rule = btp("rule", "apps", `${toRoute("api")}, ${abort("httpStatus: 418")}`);
  assert.equal(route(GW + ROUTE + linkerd + rule, { path: "/api/x" }).status, 418);
});

test("two policies on one target: the oldest takes it, the other is Conflicted and does nothing", () => {
  const older = btp("b-older", "apps", `${toRoute()}, ${abort("httpStatus: 503")}`, "2026-01-01T00:00:00Z");
  const younger = btp("a-younger", "apps", `${toRoute()}, ${abort("httpStatus: 418")}`, "2026-02-01T00:00:00Z");
  const r = route(GW + ROUTE + younger + older, {});
  assert.equal(r.status, 503);
  assert.ok(r.steps.some((s) => s.stage === "policy" && /apps\/a-younger also targets HTTPRoute apps\/web and is Conflicted/.test(s.outcome)));
  // Equal timestamps: namespace/name order (resource.go's sort).
  const same = (n: string, s: string) => btp(n, "apps", `${toRoute()}, ${abort(`httpStatus: ${s}`)}`, "2026-01-01T00:00:00Z");
  assert.equal(route(GW + ROUTE + same("z", "418") + same("a", "503"), {}).status, 503);
});

test("a sectionName naming no rule or listener attaches nothing (a resolve error in Envoy Gateway)", () => {
  assert.equal(route(GW + ROUTE + btp("x", "apps", `${toRoute("nope")}, ${abort("httpStatus: 503")}`), {}).status, 200);
  assert.equal(route(GW + ROUTE + btp("x", "infra", `${toGateway("nope")}, ${abort("httpStatus: 503")}`), {}).status, 200);
});

test("a local rate limit Envoy Gateway cannot translate (two rules without clientSelectors) makes the route answer 500", () => {
  const bad = btp("rl", "apps", `${toRoute()}, rateLimit: {local: {rules: [{limit: {requests: 1, unit: Second}}, {limit: {requests: 2, unit: Minute}}]}}`);
  const r = route(GW + ROUTE + bad, {});
  assert.equal(r.status, 500);
  assert.match(r.reason, /more than one rule without clientSelectors/);
  const unit = btp("rl", "apps", `${toRoute()}, rateLimit: {local: {rules: [{limit: {requests: 1, unit: Minute}}, {clientSelectors: [{headers: [{name: x-team, value: blue}]}], limit: {requests: 2, unit: Second}}]}}`);
  assert.match(route(GW + ROUTE + unit, {}).reason, /must be a multiple of the default limit unit/);
  // The deprecated type naming a section that is not there (buildGlobalRateLimit, buildLocalRateLimit: "... configuration empty for rateLimit").
  const global = route(GW + ROUTE + btp("rl", "apps", `${toRoute()}, rateLimit: {type: Global}`), {});
  assert.deepEqual([global.status, /global configuration empty for rateLimit/.test(global.reason)], [500, true]);
  const local = route(GW + ROUTE + btp("rl", "apps", `${toRoute()}, rateLimit: {type: Local, global: {rules: []}}`), {});
  assert.deepEqual([local.status, /local configuration empty for rateLimit/.test(local.reason)], [500, true]);
});

test("the vendored CRD schema checks the object: httpStatus and grpcStatus together are refused", () => {
  const both = btp("x", "apps", `${toRoute()}, faultInjection: {abort: {httpStatus: 503, grpcStatus: 14}}`);
  const loaded = load({ "t.yaml": both });
  assert.ok(loaded.diagnostics.errors.some((e) => /httpStatus and grpcStatus/.test(e.message)), loaded.diagnostics.errors.map((e) => e.message).join("; "));
});

test("an abort's status out of range is that error alone, not also \"neither status set\" (the CRD's rules look at presence: has(self.httpStatus)); none or both: the CRD's messages", () => {
  const errors = (abort: string) => load({ "t.yaml": btp("x", "apps", `${toRoute()}, faultInjection: {abort: ${abort}}`) }).diagnostics.errors.map((e) => e.message);
  const high = errors("{httpStatus: 999}");
  assert.ok(high.some((m) => /999 is above the maximum 600/.test(m)), high.join("; "));
  assert.ok(!high.some((m) => /httpStatus and grpcStatus/.test(m)), high.join("; "));
  assert.ok(errors("{percentage: 50}").some((m) => m.includes("httpStatus and grpcStatus are set at least one.")));
  assert.ok(errors("{httpStatus: 503, grpcStatus: 14}").some((m) => m.includes("httpStatus and grpcStatus cannot be simultaneously defined.")));
});

test("targetSelectors: the routes of the kind whose labels match, in the policy's namespace; another namespace only with a ReferenceGrant (helpers.go resolvePolicyTargetsFromSelectors)", () => {
  const labelled = ROUTE.replace("metadata: {name: web, namespace: apps}", "metadata: {name: web, namespace: apps, labels: {tier: edge}}");
  const sel = (ns: string, extra = "") => btp("sel", ns, `targetSelectors: [{kind: HTTPRoute, matchLabels: {tier: edge}${extra}}], ${abort("httpStatus: 503")}`);
  assert.equal(route(GW + labelled + sel("apps"), {}).status, 503, "selected");
  assert.equal(route(GW + ROUTE + sel("apps"), {}).status, 200, "labels do not match");
  assert.equal(route(GW + labelled + sel("infra", ", namespaces: {from: All}"), {}).status, 200, "another namespace without a ReferenceGrant");
  const grant = "---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: btp, namespace: apps}\nspec: {from: [{group: gateway.envoyproxy.io, kind: BackendTrafficPolicy, namespace: infra}], to: [{group: gateway.networking.k8s.io, kind: HTTPRoute}]}\n";
  assert.equal(route(GW + labelled + grant + sel("infra", ", namespaces: {from: All}"), {}).status, 503, "with the grant");
  assert.equal(route(GW + labelled + grant + sel("infra"), {}).status, 200, "namespaces unset: Same");
});

test("healthCheck.panicThreshold 0 disables Envoy's panic mode: with every endpoint draining the request gets 503 (no healthy host), where the default 50% sends to them all", () => {
  // envoyproxy/gateway v1.9.0 internal/gatewayapi/clustersettings.go buildHealthCheck copies panicThreshold, and
  // internal/xds/translator/cluster.go buildXdsCluster sets it as the cluster's common_lb_config.healthy_panic_threshold.
  // envoy source/extensions/load_balancing_policies/common/load_balancer_impl.cc: isHostSetInPanic leaves excluded
  // (draining) hosts out of the denominator, so no healthy host is 0%, below any threshold but 0; with 0,
  // recalculatePerPriorityPanic ("panic is disabled and there is no hosts available") leaves no host to pick: 503.
  const pod = (name: string, ready: boolean, ip: string) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: apps, labels: {app: v2}}
spec: {containers: [{name: c}]}
status: {phase: Running, podIP: ${ip}, conditions: [{type: Ready, status: '${ready ? "True" : "False"}'}]}
`;
  const unready = pod("v2-a", false, "10.0.0.1");
  const hc = (spec: string, target = toRoute()) => btp("hc", "apps", `${target}, healthCheck: {${spec}}`);
  const endpoints = (r: ReturnType<typeof route>) => r.steps.find((s) => s.stage === "endpoints")?.outcome ?? "";
  const disabled = route(GW + ROUTE + unready + hc("panicThreshold: 0"), {});
  assert.equal(disabled.status, 503);
  assert.equal(disabled.backend, null);
  assert.match(disabled.reason, /Service apps\/v2 port 80 has no ready endpoint \(pods selected by app=v2; 1 draining .*panic mode is disabled \(healthCheck\.panicThreshold 0\)\)/);
  const byDefault = route(GW + ROUTE + unready, {});
  assert.equal(byDefault.status, 200, "no policy: the default 50%, panic mode sends to the draining endpoint");
  assert.match(endpoints(byDefault), /below the default healthy_panic_threshold 50%/);
  const thirty = route(GW + ROUTE + unready + hc("panicThreshold: 30"), {});
  assert.equal(thirty.status, 200);
  assert.match(endpoints(thirty), /below the healthy_panic_threshold 30% \(healthCheck\.panicThreshold\)/);
  assert.equal(route(GW + ROUTE + unready + hc("passive: {}"), {}).status, 200, "a healthCheck without panicThreshold: the default");
  // A healthy endpoint left: draining hosts are excluded from the denominator, 100% healthy, no panic whatever the threshold.
  assert.equal(route(GW + ROUTE + unready + pod("v2-b", true, "10.0.0.2") + hc("panicThreshold: 0"), {}).status, 200);
  // Another controller's Gateway reads ready only (503 either way); a route policy with mergeType keeps the Gateway's threshold.
  assert.equal(route(gateway([HTTP_ALL]) + ROUTE + unready, {}).status, 503);
  const merged = btp("rt", "apps", `${toRoute()}, mergeType: StrategicMerge, rateLimit: {local: {rules: [{limit: {requests: 5, unit: Minute}}]}}`);
  assert.equal(route(GW + ROUTE + unready + hc("panicThreshold: 0", toGateway()).replace("namespace: apps", "namespace: infra") + merged, {}).status, 503);
  assert.equal(route(GW + ROUTE + unready + hc("panicThreshold: 0", toGateway()).replace("namespace: apps", "namespace: infra") + merged.replace("mergeType: StrategicMerge, ", ""), {}).status, 200, "without mergeType the route's policy replaces the Gateway's whole");
});

test("healthCheck.panicThreshold on a TCPRoute: feature by feature, the healthCheck of the most specific policy that sets one (a route policy without one does not hide the Gateway's)", () => {
  // envoyproxy/gateway v1.9.0 backendtrafficpolicy.go applyTrafficFeatureToRoute and translateBackendTrafficPolicyForListeners:
  // a TCP route's features are set one by one, `setIfNil(&r.HealthCheck, tf.HealthCheck)`, where an HTTP route takes the
  // most specific policy whole (`if r.Traffic != nil ... continue`).
  const gw = gateway(["{name: tcp, port: 9000, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}"]).replace("gatewayClassName: test", "gatewayClassName: eg") + EG_CLASS;
  const tcp = "---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: t, namespace: apps}\nspec: {parentRefs: [{name: gw, namespace: infra}], rules: [{backendRefs: [{name: v2, port: 80}]}]}\n";
  const unready = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: v2-a, namespace: apps, labels: {app: v2}}\nspec: {containers: [{name: c}]}\nstatus: {phase: Running, podIP: 10.0.0.1, conditions: [{type: Ready, status: 'False'}]}\n";
  const toTcp = "targetRefs: [{group: gateway.networking.k8s.io, kind: TCPRoute, name: t}]";
  const atGateway = btp("gw", "infra", `${toGateway()}, healthCheck: {panicThreshold: 0}`);
  const conn = (yaml: string) => route(yaml, { scheme: "tcp", port: 9000 });
  assert.notEqual(conn(gw + tcp + unready).connection, "rejected", "the default 50%: panic mode sends to the draining endpoint");
  const off = conn(gw + tcp + unready + atGateway);
  assert.equal(off.connection, "rejected");
  assert.match(off.reason, /panic mode is disabled \(healthCheck\.panicThreshold 0\)/);
  assert.equal(conn(gw + tcp + unready + atGateway + btp("rt", "apps", `${toTcp}, faultInjection: {abort: {httpStatus: 503}}`)).connection, "rejected", "the route's policy sets no healthCheck: the Gateway's applies");
  const own = conn(gw + tcp + unready + atGateway + btp("rt", "apps", `${toTcp}, healthCheck: {panicThreshold: 30}`));
  assert.notEqual(own.connection, "rejected", "the route's healthCheck");
  assert.match(own.steps.find((s) => s.stage === "endpoints")!.outcome, /healthy_panic_threshold 30%/);
});

test("faultInjection.delay, loadBalancer, circuitBreaker and health checks do not change the answer, and the explanation says so (they were passed over in silence)", () => {
  const spec = `${toRoute()}, faultInjection: {delay: {fixedDelay: 2s}}, loadBalancer: {type: LeastRequest}, circuitBreaker: {maxConnections: 1}, healthCheck: {passive: {consecutive5XxErrors: 1}}`;
  const r = route(GW + ROUTE + btp("shape", "apps", spec), {});
  assert.equal(r.status, 200);
  assert.equal(r.backend, "apps/v2");
  assert.match(r.steps.map((s) => s.outcome).join("\n"), /BackendTrafficPolicy apps\/shape sets faultInjection\.delay 2s for 100% of the requests; loadBalancer LeastRequest; circuitBreaker \(an overflow is answered 503\); healthCheck\.passive \(endpoints it finds unhealthy are not picked\): these change how or when the backend is reached/);
});

test("responseOverride: the first rule whose status codes match (and source) answers its statusCode instead (Envoy's custom_response, first in the chain: it was ignored)", () => {
  const users = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: users, namespace: apps}\nstringData: {.htpasswd: \"alice:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\"}\n";
  const basic = `---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: basic, namespace: apps}\nspec: {${toRoute()}, basicAuth: {users: {name: users}}}\n`;
  const override = (rules: string) => btp("o", "apps", `${toRoute()}, responseOverride: [${rules}]`);
  const hide = override("{match: {statusCodes: [{type: Range, range: {start: 400, end: 499}}]}, response: {statusCode: 404, body: {type: Inline, inline: nope}}}");
  const r = route(GW + ROUTE + users + basic + hide, {});
  assert.equal(r.status, 404, "basicAuth's 401, overridden (was 401)");
  assert.match(r.steps.map((s) => s.outcome).join("\n"), /responseOverride 0 matches the 401 \(Envoy's own reply\): Envoy's custom_response answers 404/);
  // Without a statusCode the status stays; the source decides which responses a rule takes.
  assert.equal(route(GW + ROUTE + users + basic + override("{match: {statusCodes: [{value: 401}]}, response: {body: {type: Inline, inline: x}}}"), {}).status, 401);
  assert.equal(route(GW + ROUTE + users + basic + override("{match: {statusCodes: [{value: 401}]}, source: Backend, response: {statusCode: 200}}"), {}).status, 401);
  assert.equal(route(GW + ROUTE + override("{match: {statusCodes: [{value: 200}]}, source: Backend, response: {statusCode: 299}}"), {}).status, 299, "the backend's 200");
  // A redirect (an internal redirect) or a response header match: not followed.
  assert.equal(route(GW + ROUTE + users + basic + override("{match: {statusCodes: [{value: 401}]}, redirect: {path: {type: ReplaceFullPath, replaceFullPath: /login}}}"), {}).status, null);
});

test("responseOverride source: the router's own 504 (a timeout) and 503 (a reset it answers) are local replies, a backend's 503 is not (HttpResponseLocalReplyMatchInput; they were all read as the backend's)", () => {
  const override = (source: string) => btp("o", "apps", `${toRoute()}, timeout: {http: {requestTimeout: 100ms}}, responseOverride: [{match: {statusCodes: [{value: 503}, {value: 504}]}, source: ${source}, response: {statusCode: 418}}]`);
  const at = (source: string, query: string) => route(GW + ROUTE + override(source), { path: `/?${query}` }).status;
  assert.equal(at("Local", "delay=200ms"), 418, "the router's 504 (upstream request timeout) is Envoy's own reply (was 504)");
  assert.equal(at("Backend", "delay=200ms"), 504, "not the backend's (was 418)");
  assert.equal(at("Local", "succeedAfter=1"), 418, "a reset: Envoy answers 503 itself (was 503)");
  assert.equal(at("Backend", "succeedAfter=1"), 503, "(was 418)");
  assert.equal(at("Local", "responseCode=503"), 503, "the backend's 503 is not local");
  assert.equal(at("Backend", "responseCode=503"), 418);
  assert.equal(at("All", "delay=200ms"), 418);
  // No endpoint: the router's 503 "no healthy upstream", a local reply.
  const empty = "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: v2-a, namespace: apps, labels: {kubernetes.io/service-name: v2}}\naddressType: IPv4\nendpoints: []\nports: [{port: 80}]\n";
  const none = (source: string) => route(GW + ROUTE + empty + override(source), {});
  assert.equal(none("Local").status, 418, none("Local").reason);
  assert.equal(none("Backend").status, 503);
});

test("circuitBreaker.maxParallelRequests 0: Envoy's connection pool overflows on every request, 503 (it was 200: 'changes how or when the backend is reached'); maxPendingRequests 0: undetermined (an idle connection or not)", () => {
  const cb = (limits: string, target = toRoute()) => btp("cb", "apps", `${target}, circuitBreaker: {${limits}}`);
  const refused = route(GW + ROUTE + cb("maxParallelRequests: 0"), { path: "/" });
  assert.equal(refused.status, 503);
  assert.match(refused.reason, /circuitBreaker\.maxParallelRequests 0: Envoy's connection pool overflows on every request .*reset reason: overflow/);
  assert.equal(route(GW + ROUTE + cb("maxParallelRequests: 1"), { path: "/" }).status, 200);
  const pending = route(GW + ROUTE + cb("maxPendingRequests: 0"), { path: "/" });
  assert.equal(pending.status, null);
  assert.match(pending.undetermined!, /whether Envoy has an idle connection to the backend/);
  // mergeType: field by field, the route's over the Gateway's.
  const gwPolicy = btp("gwp", "infra", `${toGateway()}, circuitBreaker: {maxParallelRequests: 0}`);
  assert.equal(route(GW + ROUTE + gwPolicy, { path: "/" }).status, 503);
  assert.equal(route(GW + ROUTE + gwPolicy + btp("rt", "apps", `${toRoute()}, mergeType: StrategicMerge, circuitBreaker: {maxConnections: 5}`), { path: "/" }).status, 503, "merged: the Gateway's limit stays");
  assert.equal(route(GW + ROUTE + gwPolicy + btp("rt", "apps", `${toRoute()}, mergeType: StrategicMerge, circuitBreaker: {maxParallelRequests: 5}`), { path: "/" }).status, 200);
  assert.equal(route(GW + ROUTE + gwPolicy + btp("rt", "apps", `${toRoute()}, circuitBreaker: {maxConnections: 5}`), { path: "/" }).status, 200, "without mergeType the route's policy applies whole");
});
