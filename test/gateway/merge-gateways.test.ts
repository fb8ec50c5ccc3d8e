// Envoy Gateway v1.9.0 merged Gateways: a GatewayClass whose parametersRef EnvoyProxy sets
// `mergeGateways: true` runs one Envoy for all its Gateways (internal/gatewayapi/translator.go IRKey:
// the class's name), whose listeners are those of all of them; validateConflictedProtocolsListeners
// runs over all of them and validateConflictedMergedListeners refuses a repeated protocol, hostname and
// port tuple (listener.go ProcessListeners). Junction treated each Gateway as its own proxy: a request
// to one Gateway's address never met another's listeners, and no listener was Conflicted across them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { BASE, cond, egConfig, gateway, listenerSet, route, statusOf } from "./fixture.js";
import { cli, load, tempFiles } from "../helpers.js";

const EG_CLASS = (merge: boolean) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
  parametersRef: {group: gateway.envoyproxy.io, kind: EnvoyProxy, name: merged, namespace: envoy-gateway-system}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata: {name: merged, namespace: envoy-gateway-system}
spec: {mergeGateways: ${merge}}
`;
const all = "allowedRoutes: {namespaces: {from: All}}";
/** gw1 (the older) and gw2, both of class eg: gw2 repeats gw1's *.example.com on port 80, and puts TCP where gw1 has HTTP (8080). */
const gw = (name: string, created: string, listeners: string[]) => gateway(listeners, name).replace("gatewayClassName: test", "gatewayClassName: eg").replace(`name: ${name}, namespace: infra}`, `name: ${name}, namespace: infra, creationTimestamp: "${created}"}`);
const GW1 = gw("gw1", "2026-01-01T00:00:00Z", [`{name: wild, port: 80, protocol: HTTP, hostname: '*.example.com', ${all}}`, `{name: alt, port: 8080, protocol: HTTP, ${all}}`]);
const GW2 = gw("gw2", "2026-02-01T00:00:00Z", [`{name: exact, port: 80, protocol: HTTP, hostname: a.example.com, ${all}}`, `{name: wild, port: 80, protocol: HTTP, hostname: '*.example.com', ${all}}`, `{name: tcp, port: 8080, protocol: TCP, ${all}}`]);
const ROUTES = ["gw1", "gw2"].map((g, i) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r${i + 1}, namespace: apps}
spec:
  parentRefs: [{name: ${g}, namespace: infra}]
  rules: [{backendRefs: [{name: v${i + 1}, port: 80}]}]
`).join("");
const MERGED = EG_CLASS(true) + GW1 + GW2 + ROUTES;

test("mergeGateways: a request to any Gateway of the class meets the listeners of all of them; the most specific hostname wins across Gateways (it met its own Gateway's only)", () => {
  const a = route(MERGED, { gateway: "infra/gw1", host: "a.example.com" });
  assert.deepEqual([a.status, a.route, a.backend], [200, "HTTPRoute apps/r2", "apps/v2"]);
  assert.match(a.steps.find((s) => s.stage === "listener")!.outcome, /exact \(HTTP 80 a\.example\.com\) of Gateway infra\/gw2: virtual host a\.example\.com, Envoy's pick by domain/);
  assert.match(a.steps.find((s) => s.stage === "gateway")!.outcome, /one Envoy with infra\/gw2: EnvoyProxy envoy-gateway-system\/merged mergeGateways, GatewayClass eg\)/);
  // gw2's *.example.com repeats gw1's tuple: refused, so gw1's answers for gw2's address too.
  const x = route(MERGED, { gateway: "infra/gw2", host: "x.example.com" });
  assert.deepEqual([x.route, x.backend], ["HTTPRoute apps/r1", "apps/v1"]);
  // Not merged: each Gateway is its own Envoy.
  const apart = EG_CLASS(false) + GW1 + GW2 + ROUTES;
  assert.equal(route(apart, { gateway: "infra/gw1", host: "a.example.com" }).backend, "apps/v1");
  assert.equal(route(apart, { gateway: "infra/gw2", host: "x.example.com" }).backend, "apps/v2");
  // Naming no Gateway: one Envoy listens on port 80, not several Gateways.
  assert.equal(route(MERGED, { gateway: undefined, host: "a.example.com" }).backend, "apps/v2");
  assert.match(route(apart, { gateway: undefined, host: "b.example.com" }).reason, /several Gateways listen on port 80/);
});

test("mergeGateways: a repeated port, protocol and hostname tuple is Conflicted (HostnameConflict) on the newer Gateway; incompatible protocols on a port across Gateways are Conflicted on both (ProtocolConflict); nothing listens there", () => {
  const gw2 = statusOf(MERGED, "Gateway", "infra/gw2");
  const wild = gw2.listeners.find((l: { name: string }) => l.name === "wild");
  assert.equal(cond(wild.conditions, "Conflicted"), "True/HostnameConflict");
  assert.equal(wild.conditions.find((c: { type: string }) => c.type === "Conflicted").message, "Port, protocol and hostname tuple must be unique for every listener");
  assert.equal(cond(wild.conditions, "Programmed"), "False/Invalid");
  assert.equal(wild.attachedRoutes, 0);
  const gw1 = statusOf(MERGED, "Gateway", "infra/gw1");
  assert.equal(cond(gw1.listeners.find((l: { name: string }) => l.name === "wild").conditions, "Conflicted"), "False/NoConflicts");
  for (const [status, name] of [[gw1, "alt"], [gw2, "tcp"]] as const) {
    const l = status.listeners.find((x: { name: string }) => x.name === name);
    assert.equal(cond(l.conditions, "Conflicted"), "True/ProtocolConflict", name);
    assert.equal(l.conditions.find((c: { type: string }) => c.type === "Conflicted").message, "All listeners for a given port must use a compatible protocol, conflicting listeners: infra/gw1/alt, infra/gw2/tcp");
  }
  assert.equal(cond(gw2.conditions, "Accepted"), "True/ListenersNotValid");
  const refused = route(MERGED, { gateway: "infra/gw1", port: 8080, host: "a.example.com" });
  assert.deepEqual([refused.connection, refused.reason], ["rejected", "nothing listens on port 8080 of Gateway infra/gw1"]);
  // Not merged: no conflict across Gateways.
  const apart = statusOf(EG_CLASS(false) + GW1 + GW2 + ROUTES, "Gateway", "infra/gw2");
  assert.equal(cond(apart.listeners.find((l: { name: string }) => l.name === "wild").conditions, "Conflicted"), "False/NoConflicts");
});

test("mergeGateways: a Gateway with its own infrastructure.parametersRef is not accepted under a merging class (processGatewayParamsRef); a Gateway's own EnvoyProxy does not merge it", () => {
  const own = GW2.replace("  listeners:", "  infrastructure: {parametersRef: {group: gateway.envoyproxy.io, kind: EnvoyProxy, name: merged}}\n  listeners:")
    + "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyProxy\nmetadata: {name: merged, namespace: infra}\nspec: {mergeGateways: true}\n";
  const status = statusOf(EG_CLASS(true) + GW1 + own + ROUTES, "Gateway", "infra/gw2");
  assert.equal(cond(status.conditions, "Accepted"), "False/InvalidParameters");
  assert.equal(status.conditions.find((c: { type: string }) => c.type === "Accepted").message, "infrastructure.parametersref must be nil when MergeGateways feature is enabled by gatewayclass");
  // gw1 alone in its Envoy now: its *.example.com takes a.example.com.
  assert.equal(route(EG_CLASS(true) + GW1 + own + ROUTES, { gateway: "infra/gw1", host: "a.example.com" }).backend, "apps/v1");
  // The class does not merge; a Gateway's EnvoyProxy with mergeGateways does not either (IsMergeGatewaysEnabled reads the class's).
  assert.equal(route(EG_CLASS(false) + GW1 + own + ROUTES, { gateway: "infra/gw1", host: "a.example.com" }).backend, "apps/v1");
});

test("mergeGateways via the CLI: junction route --requests answers a request to either Gateway's address from the one Envoy", async () => {
  const t = tempFiles({ "in.yaml": BASE + MERGED, "reqs.yaml": "- {gateway: infra/gw1, host: a.example.com, path: /}\n- {gateway: infra/gw2, host: x.example.com, path: /}\n" });
  try {
    const out = await cli(["route", "-f", join(t.dir, "in.yaml"), "--requests", join(t.dir, "reqs.yaml"), "-o", "json", "-q"]);
    const res = (JSON.parse(out.out) as { results: { backend: string | null; route: string | null }[] }).results;
    assert.deepEqual(res.map((r) => [r.route, r.backend]), [["HTTPRoute apps/r2", "apps/v2"], ["HTTPRoute apps/r1", "apps/v1"]]);
  } finally { t.cleanup(); }
});

test("mergeGateways and ClientTrafficPolicy: a Gateway's policy is refused on its listener that shares a plain HTTP port with another Gateway's (validatePortOverlapForClientTrafficPolicy reads the merged IR); apart, it applies", () => {
  // A customHeader with failClosed: a request without the header gets 403 where the policy applies.
  const ctp = "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\nmetadata: {name: c, namespace: infra}\nspec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw1}], clientIPDetection: {customHeader: {name: x-client-ip, failClosed: true}}}\n";
  assert.equal(route(EG_CLASS(false) + GW1 + GW2 + ROUTES + ctp, { gateway: "infra/gw1", host: "x.example.com" }).status, 403);
  const merged = route(MERGED + ctp, { gateway: "infra/gw1", host: "x.example.com" });
  assert.deepEqual([merged.status, merged.backend], [200, "apps/v1"]);
  assert.ok(merged.steps.some((s) => /ClientTrafficPolicy infra\/c targets Gateway infra\/gw1 but Envoy Gateway does not apply it there: ClientTrafficPolicy is being applied to multiple http \(non https\) listeners \(infra\/gw2\/exact\) on the same port/.test(s.outcome)));
});

// The default EnvoyProxy of Envoy Gateway's configuration (EnvoyGateway `envoyProxy`, v1.9.0
// helpers.go IsMergeGatewaysEnabled: the class's EnvoyProxy's mergeGateways when set, else the
// default's). Junction read only the class's EnvoyProxy: a default that merges merged nothing.
const CLASS_PLAIN = "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: eg}\nspec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\n";
const config = (envoyProxy: string) => egConfig(`provider: {type: Kubernetes}\ngateway: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}\nenvoyProxy: ${envoyProxy}`);
const classWith = (spec: string) => EG_CLASS(true).replace("spec: {mergeGateways: true}", `spec: ${spec}`);

test("default EnvoyProxy: Envoy Gateway's configuration's envoyProxy.mergeGateways merges a class without an EnvoyProxy of its own, or whose EnvoyProxy does not set it; the class's mergeGateways: false wins over it", () => {
  const byDefault = config("{mergeGateways: true}") + CLASS_PLAIN + GW1 + GW2 + ROUTES;
  const a = route(byDefault, { gateway: "infra/gw1", host: "a.example.com" });
  assert.deepEqual([a.route, a.backend], ["HTTPRoute apps/r2", "apps/v2"]);
  assert.match(a.steps.find((s) => s.stage === "gateway")!.outcome, /one Envoy with infra\/gw2: the default EnvoyProxy of Envoy Gateway's configuration \(ConfigMap envoy-gateway-system\/envoy-gateway-config\) mergeGateways, GatewayClass eg\)/);
  assert.equal(cond(statusOf(byDefault, "Gateway", "infra/gw2").listeners.find((l: { name: string }) => l.name === "wild").conditions, "Conflicted"), "True/HostnameConflict");
  // The class's EnvoyProxy sets something else: the default's mergeGateways still decides.
  assert.equal(route(config("{mergeGateways: true}") + classWith("{logging: {level: {default: warn}}}") + GW1 + GW2 + ROUTES, { gateway: "infra/gw1", host: "a.example.com" }).backend, "apps/v2");
  // The class's EnvoyProxy says false: not merged.
  assert.equal(route(config("{mergeGateways: true}") + EG_CLASS(false) + GW1 + GW2 + ROUTES, { gateway: "infra/gw1", host: "a.example.com" }).backend, "apps/v1");
  // The class's EnvoyProxy says true over a default false: merged.
  assert.equal(route(config("{mergeGateways: false}") + MERGED, { gateway: "infra/gw1", host: "a.example.com" }).backend, "apps/v2");
});

test("default EnvoyProxy: merged by the default, a Gateway with its own parametersRef is merged (its EnvoyProxy not read), not refused as under a class whose EnvoyProxy merges", () => {
  const own = GW2.replace("  listeners:", "  infrastructure: {parametersRef: {group: gateway.envoyproxy.io, kind: EnvoyProxy, name: own}}\n  listeners:")
    + "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyProxy\nmetadata: {name: own, namespace: infra}\nspec: {mergeGateways: false}\n";
  const yaml = config("{mergeGateways: true}") + CLASS_PLAIN + GW1 + own + ROUTES;
  assert.equal(cond(statusOf(yaml, "Gateway", "infra/gw2").conditions, "Accepted"), "True/ListenersNotValid");
  assert.equal(route(yaml, { gateway: "infra/gw1", host: "a.example.com" }).backend, "apps/v2");
});

test("mergeBackends beside mergeGateways (the class's or the default's): every Gateway of the class is not accepted (translator.go: InvalidParameters, \"mergeGateways and mergeBackends cannot both be enabled\"); one EnvoyProxy with both is refused (the CRD's rule)", () => {
  for (const yaml of [config("{mergeGateways: true, mergeBackends: {}}") + CLASS_PLAIN, config("{mergeBackends: {}}") + MERGED, config("{mergeGateways: true}") + classWith("{mergeBackends: {}}")]) {
    for (const name of ["infra/gw1", "infra/gw2"]) {
      const c = statusOf(yaml + GW1 + GW2 + ROUTES, "Gateway", name).conditions.find((x: { type: string }) => x.type === "Accepted");
      assert.deepEqual([c.status, c.reason, c.message], ["False", "InvalidParameters", "mergeGateways and mergeBackends cannot both be enabled"], name);
    }
    assert.equal(route(yaml + GW1 + GW2 + ROUTES, { gateway: "infra/gw1", host: "a.example.com" }).backend, null);
  }
  // mergeBackends without merged Gateways: accepted.
  assert.equal(cond(statusOf(config("{mergeBackends: {}}") + CLASS_PLAIN + GW1 + ROUTES, "Gateway", "infra/gw1").conditions, "Accepted"), "True/Accepted");
  const both = load({ "in.yaml": BASE + classWith("{mergeGateways: true, mergeBackends: {}}") });
  assert.deepEqual(both.diagnostics.errors.map((e) => [e.field?.join("."), e.message]), [["spec", "mergeGateways and mergeBackends cannot both be enabled"]]);
});

test("Envoy Gateway's configuration given as the EnvoyGateway document itself merges as from its ConfigMap; what of it is not modelled is warned (junction route --requests)", async () => {
  const doc = "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nextensionManager: {service: {fqdn: {hostname: ext.example.com, port: 5005}}}\nenvoyProxy:\n  mergeGateways: true\n  provider: {type: Kubernetes}\n";
  const t = tempFiles({ "in.yaml": BASE + CLASS_PLAIN + GW1 + GW2 + ROUTES, "eg.yaml": doc, "reqs.yaml": "- {gateway: infra/gw1, host: a.example.com, path: /}\n" });
  try {
    const out = await cli(["route", "-f", join(t.dir, "in.yaml"), "-f", join(t.dir, "eg.yaml"), "--requests", join(t.dir, "reqs.yaml"), "-o", "json"]);
    assert.equal(out.code, 0, out.err);
    const res = (JSON.parse(out.out) as { results: { backend: string | null; route: string | null }[] }).results;
    assert.deepEqual(res.map((r) => [r.route, r.backend]), [["HTTPRoute apps/r2", "apps/v2"]]);
    assert.match(out.err, /Junction reads only mergeGateways and mergeBackends of Envoy Gateway's default EnvoyProxy; not modelled: provider/);
    assert.match(out.err, /an extension server may change every listener, route and cluster Envoy Gateway writes: not modelled/);
  } finally { t.cleanup(); }
  const loaded = load({ "eg.yaml": doc });
  assert.equal(loaded.inventory.routing.envoyGatewayConfig?.where, "EnvoyGateway configuration eg.yaml");
});

test("mergeGateways: a ListenerSet whose listeners are Conflicted across the merged Gateways is not accepted (ProcessListenerSetStatus reads its listeners after the merged conflicts; it was Accepted), one with some left is ListenersNotValid; the Gateway counts only accepted ListenerSets", () => {
  const ls = (listeners: string) => listenerSet(listeners, "gw2");
  const gw2 = gw("gw2", "2026-02-01T00:00:00Z", [`{name: exact, port: 80, protocol: HTTP, hostname: a.example.com, ${all}}`]).replace("  listeners:", "  allowedListeners: {namespaces: {from: All}}\n  listeners:");
  // gw1 (older) has *.example.com on 80: the ListenerSet's repeats the tuple.
  const dup = `{name: dup, port: 80, protocol: HTTP, hostname: '*.example.com', ${all}}`, own = `{name: own, port: 80, protocol: HTTP, hostname: b.example.com, ${all}}`;
  const none = statusOf(MERGED.replace(GW2, gw2) + ls(dup), "ListenerSet", "apps/ls");
  assert.equal(cond(none.listeners[0].conditions, "Conflicted"), "True/HostnameConflict");
  assert.equal(cond(none.conditions, "Accepted"), "False/ListenersNotValid");
  assert.equal(statusOf(MERGED.replace(GW2, gw2) + ls(dup), "Gateway", "infra/gw2").attachedListenerSets, 0);
  const some = statusOf(MERGED.replace(GW2, gw2) + ls(`${dup}, ${own}`), "ListenerSet", "apps/ls");
  assert.equal(cond(some.conditions, "Accepted"), "True/ListenersNotValid");
  assert.equal(statusOf(MERGED.replace(GW2, gw2) + ls(`${dup}, ${own}`), "Gateway", "infra/gw2").attachedListenerSets, 1);
  // Not merged: no conflict, accepted.
  assert.equal(cond(statusOf(EG_CLASS(false) + GW1 + gw2 + ROUTES + ls(dup), "ListenerSet", "apps/ls").conditions, "Accepted"), "True/Accepted");
});

test("Gateway Namespace Mode (the configuration's provider.kubernetes.deploy.type GatewayNamespace): a GatewayClass whose EnvoyProxy merges is not accepted (processGatewayClassParamsRef) and its EnvoyProxy not read, so its Gateways are apart; the default EnvoyProxy's mergeGateways still merges them", () => {
  const ns = (envoyProxy = "") => egConfig(`provider: {type: Kubernetes, kubernetes: {deploy: {type: GatewayNamespace}}}${envoyProxy ? `\nenvoyProxy: ${envoyProxy}` : ""}`);
  const c = statusOf(ns() + MERGED, "GatewayClass", "eg").conditions.find((x: { type: string }) => x.type === "Accepted");
  assert.deepEqual([c.status, c.reason, c.message], ["False", "InvalidParameters", "Invalid parametersRef: using Merged Gateways with Gateway Namespace Mode is not supported"]);
  assert.equal(route(ns() + MERGED, { gateway: "infra/gw1", host: "a.example.com" }).backend, "apps/v1");
  // ControllerDeployment mode (the default): accepted, merged.
  assert.equal(cond(statusOf(config("{}") + MERGED, "GatewayClass", "eg").conditions, "Accepted"), "True/Accepted");
  // The default EnvoyProxy merges in either mode (IsMergeGatewaysEnabled falls back to it).
  assert.equal(route(ns("{mergeGateways: true}") + MERGED, { gateway: "infra/gw1", host: "a.example.com" }).backend, "apps/v2");
});

test("mergeBackends that is not an object (MergeBackendsConfig) is an error, on an EnvoyProxy and in Envoy Gateway's configuration; it was read as set", () => {
  const proxy = load({ "in.yaml": BASE + classWith("{mergeGateways: true, mergeBackends: 3}") });
  assert.deepEqual(proxy.diagnostics.errors.map((e) => [e.field?.join("."), e.message]), [["spec.mergeBackends", "must be an object, not number 3"]]);
  const doc = load({ "eg.yaml": "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nenvoyProxy: {mergeGateways: true, mergeBackends: [a]}\n" });
  assert.deepEqual(doc.diagnostics.errors.map((e) => [e.field?.join("."), e.message]), [["envoyProxy.mergeBackends", "must be an object, not a list"]]);
  assert.equal(doc.inventory.routing.envoyGatewayConfig?.envoyProxy?.mergeBackends, undefined);
});
