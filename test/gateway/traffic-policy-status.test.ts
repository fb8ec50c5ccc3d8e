// Envoy Gateway v1.9.0 writes a BackendTrafficPolicy's status (internal/gatewayapi/backendtrafficpolicy.go
// ProcessBackendTrafficPolicies, status/policy.go): an ancestor per Gateway (listener) it targets, or per
// Gateway parentRef of the route it targets, with Accepted (True "Policy has been accepted."; False
// Conflicted, TargetNotFound, Invalid with the translation's errors), Overridden, Merged and a Warning for
// deprecated fields. Junction wrote no status for these policies.

import { test } from "node:test";
import assert from "node:assert/strict";
import { envoyGateway, policyStatuses } from "./fixture.js";

const EG = envoyGateway(["{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}", "{name: alt, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"]) + `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - {name: api, matches: [{path: {type: PathPrefix, value: /api}}], backendRefs: [{name: v1, port: 80}]}
  - {backendRefs: [{name: v1, port: 80}]}
`;
let day = 0;
const btp = (name: string, ns: string, spec: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "2026-01-${String(++day).padStart(2, "0")}T00:00:00Z"}
spec: ${spec}
`;
const GW_REF = "{group: gateway.networking.k8s.io, kind: Gateway, name: gw";
const ROUTE_REF = "{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web";

const statuses = (yaml: string) => policyStatuses("BackendTrafficPolicy", yaml);
const show = (a: string[][] | undefined) => a ?? [];

test("BackendTrafficPolicy status via junction status: Accepted, Conflicted, TargetNotFound, Invalid (the translation's errors), Overridden by listener, route and rule policies; none for a policy of another controller's Gateway", async () => {
  day = 0;
  const yaml = EG
    + btp("gw-wide", "infra", `{targetRefs: [${GW_REF}}], faultInjection: {abort: {httpStatus: 503}}}`)
    + btp("gw-again", "infra", `{targetRef: ${GW_REF}}, faultInjection: {abort: {httpStatus: 502}}}`)
    + btp("alt", "infra", `{targetRefs: [${GW_REF}, sectionName: alt}, ${GW_REF}, sectionName: nope}], faultInjection: {abort: {httpStatus: 504}}}`)
    + btp("route", "apps", `{targetRefs: [${ROUTE_REF}}], bandwidthLimit: {request: {limit: {value: 1000, unit: Second}}}, retry: {perRetry: {backOff: {baseInterval: 0s}}}}`)
    + btp("rule", "apps", `{targetRefs: [${ROUTE_REF}, sectionName: api}], faultInjection: {abort: {httpStatus: 418}}}`)
    + btp("elsewhere", "apps", "{targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: other}]}");
  const s = await statuses(yaml);
  assert.deepEqual(show(s.get("infra/gw-wide")), [["Gateway infra/gw", "Accepted=True Accepted: Policy has been accepted.", "Overridden=True Overridden: This policy is being overridden by other backendTrafficPolicies for these gateway listeners: [infra/gw/alt] and these routes: [apps/web]"]]);
  assert.deepEqual(show(s.get("infra/gw-again")), [["Gateway infra/gw", "Accepted=False Conflicted: Unable to target Gateway gw, another BackendTrafficPolicy has already attached to it"]]);
  assert.deepEqual(show(s.get("infra/alt")), [
    ["Gateway infra/gw/alt", "Accepted=True Accepted: Policy has been accepted.", "Overridden=True Overridden: This policy is being overridden by other backendTrafficPolicies for these routes: [apps/web]"],
    ["Gateway infra/gw/nope", "Accepted=False TargetNotFound: No section name nope found for Gateway infra/gw"],
  ]);
  assert.deepEqual(show(s.get("apps/route")), [["Gateway infra/gw", "Accepted=False Invalid: BandwidthLimit: request: bandwidth limit of 1000 bytes per Second is below the minimum of 1 KiB/s\nRetry: baseInterval cannot be set to 0s.", "Overridden=True Overridden: This policy is being overridden by other backendTrafficPolicy for these route rules: [api]"]]);
  assert.deepEqual(show(s.get("apps/rule")), [["Gateway infra/gw", "Accepted=True Accepted: Policy has been accepted."]]);
  assert.ok(!s.has("apps/elsewhere"), "a policy whose target Envoy Gateway does not hold gets no status");
  // Another controller's Gateway: Envoy Gateway writes nothing.
  assert.equal((await statuses(EG.replace("controllerName: gateway.envoyproxy.io/gatewayclass-controller", "controllerName: example.com/other") + btp("gw-wide", "infra", `{targetRefs: [${GW_REF}}]}`))).size, 0);
});

test("BackendTrafficPolicy status: a route policy with a mergeType is Merged on each listener ancestor, and its parent is Merged (not Overridden) for it; the deprecated targetRef is a Warning", async () => {
  day = 0;
  const yaml = EG
    + btp("gw-wide", "infra", `{targetRefs: [${GW_REF}}], faultInjection: {abort: {httpStatus: 503}}}`)
    + btp("route", "apps", `{targetRef: ${ROUTE_REF}}, mergeType: StrategicMerge, faultInjection: {abort: {httpStatus: 418}}}`);
  const s = await statuses(yaml);
  assert.deepEqual(show(s.get("apps/route")), [
    ["Gateway infra/gw/http", "Merged=True Merged: Merged with policy infra/gw-wide"],
    ["Gateway infra/gw/alt", "Merged=True Merged: Merged with policy infra/gw-wide"],
    ["Gateway infra/gw", "Accepted=True Accepted: Policy has been accepted.", "Warning=True DeprecatedField: spec.targetRef is deprecated, use spec.targetRefs instead"],
  ]);
  assert.deepEqual(show(s.get("infra/gw-wide")), [["Gateway infra/gw", "Accepted=True Accepted: Policy has been accepted.", "Merged=True Merged: This policy is being merged by other backendTrafficPolicies for these routes: [apps/web]"]]);
});
