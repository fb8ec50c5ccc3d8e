// ListenerSet (gateway.networking.k8s.io/v1), as its API documentation and the ListenerSet
// conformance tests pin it: a Gateway takes ListenerSets only as spec.allowedListeners allows
// (default: none); listeners merge in the order "parent Gateway, then ListenerSets by creation
// time (oldest first), then by namespace/name", and a listener that conflicts with one merged before
// it is Conflicted; routes attach to the listeners of the parent they name.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cond, gateway, route, statusOf } from "./fixture.js";

const http = (name: string, hostname: string, from = "All") => `{name: ${name}, port: 80, protocol: HTTP, hostname: ${hostname}, allowedRoutes: {namespaces: {from: ${from}}}}`;
const GW = (allowed?: string) => gateway([http("gw-listener", "gw.example.com")]).replace("  listeners:", `${allowed ? `  allowedListeners: {namespaces: ${allowed}}\n` : ""}  listeners:`);
const set = (ns: string, name: string, listeners: string[], created?: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ${name}, namespace: ${ns}${created ? `, creationTimestamp: '${created}'` : ""}}
spec:
  parentRef: {name: gw, namespace: infra}
  listeners:
${listeners.map((l) => `  - ${l}`).join("\n")}
`;
const routeTo = (name: string, parent: string, host: string, backend = "v1", ns = "apps") => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: ${ns}}
spec:
  parentRefs: [${parent}]
  hostnames: [${host}]
  rules: [{backendRefs: [{name: ${backend}, port: 80, namespace: apps}]}]
`;
const lsStatus = (yaml: string, ref: string) => statusOf(yaml, "ListenerSet", ref);
const listener = (s: { listeners: { name: string; attachedRoutes: number; conditions: never[] }[] }, name: string) => s.listeners.find((l) => l.name === name)!;
/** The message of listener x's Conflicted condition. */
const conflictedMessage = (s: { listeners: { name: string; conditions: { type: string; message: string }[] }[] }) => s.listeners.find((l) => l.name === "x")!.conditions.find((c) => c.type === "Conflicted")!.message;

test("by default a Gateway takes no ListenerSet: NotAllowed, attachedListenerSets 0", () => {
  const yaml = GW() + set("infra", "ls", [http("l", "ls.example.com")]);
  assert.equal(cond(lsStatus(yaml, "infra/ls").conditions, "Accepted"), "False/NotAllowed");
  assert.equal(cond(lsStatus(yaml, "infra/ls").conditions, "Programmed"), "False/NotAllowed");
  assert.equal(statusOf(yaml, "Gateway", "infra/gw").attachedListenerSets, 0);
});

test("allowedListeners from Same, Selector and All pick the ListenerSets' namespaces", () => {
  const two = set("infra", "here", [http("l1", "a.example.com")]) + set("apps", "there", [http("l2", "b.example.com")]);
  const same = GW("{from: Same}") + two;
  assert.equal(cond(lsStatus(same, "infra/here").conditions, "Accepted"), "True/Accepted");
  assert.equal(cond(lsStatus(same, "apps/there").conditions, "Accepted"), "False/NotAllowed");
  assert.equal(statusOf(same, "Gateway", "infra/gw").attachedListenerSets, 1);
  const selector = GW("{from: Selector, selector: {matchLabels: {role: apps}}}") + two;
  assert.equal(cond(lsStatus(selector, "apps/there").conditions, "Accepted"), "True/Accepted");
  assert.equal(cond(lsStatus(selector, "infra/here").conditions, "Accepted"), "False/NotAllowed");
  assert.equal(statusOf(GW("{from: All}") + two, "Gateway", "infra/gw").attachedListenerSets, 2);
  assert.equal(statusOf(GW("{from: None}") + two, "Gateway", "infra/gw").attachedListenerSets, 0);
});

test("a listener that repeats a merged listener's port and hostname yields: the Gateway's first, then the older ListenerSet", () => {
  const yaml = GW("{from: All}")
    + set("apps", "newer", [http("dup", "shared.example.com")], "2024-06-01T00:00:00Z")
    + set("apps", "older", [http("own", "older.example.com"), http("dup", "shared.example.com"), http("clash", "gw.example.com")], "2024-01-01T00:00:00Z");
  const older = lsStatus(yaml, "apps/older");
  assert.equal(cond(listener(older, "dup").conditions, "Conflicted"), "False/NoConflicts", "the older ListenerSet keeps it, though later in the input");
  assert.equal(cond(listener(older, "clash").conditions, "Conflicted"), "True/HostnameConflict", "the Gateway's own listener comes first");
  assert.equal(cond(listener(older, "clash").conditions, "Programmed"), "False/HostnameConflict");
  assert.equal(cond(older.conditions, "Accepted"), "True/ListenersNotValid", "some listeners are valid");
  const newer = lsStatus(yaml, "apps/newer");
  assert.equal(cond(listener(newer, "dup").conditions, "Accepted"), "False/HostnameConflict");
  assert.equal(cond(newer.conditions, "Accepted"), "False/ListenersNotValid", "no listener is valid");
  assert.equal(cond(statusOf(yaml, "Gateway", "infra/gw").listeners[0].conditions, "Conflicted"), "False/NoConflicts", "the Gateway's listener is unaffected");
  assert.equal(statusOf(yaml, "Gateway", "infra/gw").attachedListenerSets, 1);
});

test("equally old ListenerSets merge by namespace/name (without timestamps: in input order, the order kubectl apply creates them in, with a note: model/route.ts compareAge); a TCP listener on an HTTP port is a ProtocolConflict", () => {
  const t = "2024-01-01T00:00:00Z";
  const yaml = GW("{from: All}") + set("apps", "b", [http("x", "x.example.com")], t) + set("apps", "a", [http("x", "x.example.com")], t)
    + set("apps", "c", ["{name: raw, port: 80, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}", http("ok", "ok.example.com")]);
  assert.equal(cond(listener(lsStatus(yaml, "apps/a"), "x").conditions, "Conflicted"), "False/NoConflicts");
  assert.equal(cond(listener(lsStatus(yaml, "apps/b"), "x").conditions, "Conflicted"), "True/HostnameConflict");
  const c = lsStatus(yaml, "apps/c");
  assert.equal(cond(listener(c, "raw").conditions, "Accepted"), "False/ProtocolConflict");
  assert.equal(cond(listener(c, "ok").conditions, "Accepted"), "True/Accepted", "a conflicted listener does not make the next one conflict");
  const untimed = GW("{from: All}") + set("apps", "b", [http("x", "x.example.com")]) + set("apps", "a", [http("x", "x.example.com")]);
  assert.equal(cond(listener(lsStatus(untimed, "apps/b"), "x").conditions, "Conflicted"), "False/NoConflicts", "apps/b first in the input: created first");
  assert.equal(cond(listener(lsStatus(untimed, "apps/a"), "x").conditions, "Conflicted"), "True/HostnameConflict");
  assert.match(conflictedMessage(lsStatus(untimed, "apps/a")), /note: neither ListenerSet apps\/b nor ListenerSet apps\/a has a creationTimestamp: ListenerSet apps\/b comes first in the input/, "the order between them depends on when they are applied: said");
  assert.doesNotMatch(conflictedMessage(lsStatus(yaml, "apps/b")), /note:/, "equal timestamps: no note");
  const timedLater = GW("{from: All}") + set("apps", "b", [http("x", "x.example.com")], t) + set("apps", "a", [http("x", "x.example.com")]);
  assert.equal(cond(listener(lsStatus(timedLater, "apps/a"), "x").conditions, "Conflicted"), "True/HostnameConflict", "apps/a has no timestamp: applied now, newer than apps/b");
});

test("routes attach to the listeners of the parent they name; traffic to the Gateway reaches ListenerSet listeners by hostname", () => {
  const yaml = GW("{from: All}") + set("apps", "ls", [http("ls-listener", "ls.example.com")])
    + routeTo("via-set", "{kind: ListenerSet, name: ls}", "ls.example.com", "v2")
    + routeTo("via-gw", "{name: gw, namespace: infra}", "ls.example.com", "v3")
    + routeTo("gw-section", "{name: gw, namespace: infra, sectionName: ls-listener}", "ls.example.com", "v3");
  assert.equal(route(yaml, { host: "ls.example.com" }).backend, "apps/v2");
  assert.equal(listener(lsStatus(yaml, "apps/ls"), "ls-listener").attachedRoutes, 1);
  const viaSet = statusOf(yaml, "HTTPRoute", "apps/via-set").parents[0];
  assert.deepEqual([viaSet.parentRef.kind, cond(viaSet.conditions, "Accepted")], ["ListenerSet", "True/Accepted"]);
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/via-gw").parents[0].conditions, "Accepted"), "False/NoMatchingListenerHostname",
    "a Gateway parentRef sees only the Gateway's own listeners");
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/gw-section").parents[0].conditions, "Accepted"), "False/NoMatchingParent");
});

test("allowedRoutes Same on a ListenerSet listener means the ListenerSet's namespace", () => {
  const yaml = GW("{from: All}") + set("apps", "ls", [http("same", "s.example.com", "Same")])
    + routeTo("mine", "{kind: ListenerSet, name: ls, namespace: apps}", "s.example.com", "v1", "apps")
    + routeTo("theirs", "{kind: ListenerSet, name: ls, namespace: apps}", "s.example.com", "v1", "infra");
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/mine").parents[0].conditions, "Accepted"), "True/Accepted");
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "infra/theirs").parents[0].conditions, "Accepted"), "False/NotAllowedByListeners");
});

test("a ListenerSet whose parent Gateway is missing is ParentNotAccepted; routes to it find no parent", () => {
  const yaml = gateway([http("l", "a.example.com")]).replace("name: gw,", "name: other,") + set("apps", "ls", [http("x", "x.example.com")])
    + routeTo("r", "{kind: ListenerSet, name: ls}", "x.example.com");
  assert.equal(cond(lsStatus(yaml, "apps/ls").conditions, "Accepted"), "False/ParentNotAccepted");
  assert.equal(cond(statusOf(yaml, "HTTPRoute", "apps/r").parents[0].conditions, "Accepted"), "False/NoMatchingParent");
});

test("a ListenerSet's certificate in another namespace needs a ReferenceGrant from ListenerSet (the Gateway's grants are not inherited)", () => {
  const https = "{name: tls, port: 443, protocol: HTTPS, hostname: t.example.com, tls: {certificateRefs: [{name: cert, namespace: other}]}}";
  const grant = (kind: string) => `---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: other}\nspec: {from: [{group: gateway.networking.k8s.io, kind: ${kind}, namespace: apps}], to: [{group: "", kind: Secret}]}\n`;
  const base = GW("{from: All}") + set("apps", "ls", [https]);
  assert.equal(cond(listener(lsStatus(base + grant("Gateway"), "apps/ls"), "tls").conditions, "ResolvedRefs"), "False/RefNotPermitted");
  assert.equal(cond(lsStatus(base + grant("Gateway"), "apps/ls").conditions, "Accepted"), "False/ListenersNotValid");
  assert.equal(cond(listener(lsStatus(base + grant("ListenerSet"), "apps/ls"), "tls").conditions, "ResolvedRefs"), "False/InvalidCertificateRef", "allowed, but the Secret is not in the input");
});
