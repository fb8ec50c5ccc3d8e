// Envoy Gateway v1.9.0 writes a ClientTrafficPolicy's status (internal/gatewayapi/clienttrafficpolicy.go
// ProcessClientTrafficPolicies): an ancestor per Gateway (listener) or ListenerSet (listener) it targets,
// with Accepted (True; False TargetNotFound, Conflicted, Invalid: the same-port refusal or the
// translation's errors), Overridden for the sections other policies claimed, and a Warning for deprecated
// fields. Junction wrote no status for these policies (docs said so).

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { BASE, envoyGateway, policyStatuses } from "./fixture.js";
import { cli, tempFiles } from "../helpers.js";

const GW = envoyGateway(["{name: http, port: 80, protocol: HTTP, hostname: a.example.com}", "{name: http2, port: 80, protocol: HTTP, hostname: b.example.com}", "{name: alt, port: 8080, protocol: HTTP}"], "  allowedListeners: {namespaces: {from: All}}\n") + `---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ls, namespace: apps}
spec:
  parentRef: {name: gw, namespace: infra}
  listeners: [{name: extra, port: 9090, protocol: HTTP}]
`;
let day = 0;
const ctp = (name: string, ns: string, spec: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "2026-01-${String(++day).padStart(2, "0")}T00:00:00Z"}
spec: ${spec}
`;
const ref = (kind: string, name: string, section?: string) => `{group: gateway.networking.k8s.io, kind: ${kind}, name: ${name}${section ? `, sectionName: ${section}` : ""}}`;

const statuses = (yaml: string) => policyStatuses("ClientTrafficPolicy", yaml);

test("ClientTrafficPolicy status via junction status: sections (the same-port refusal is Invalid; TargetNotFound; Conflicted), a ListenerSet's, and a Gateway's Overridden by the sections claimed, Invalid for its listeners' translation errors, with the deprecated targetRef's Warning", async () => {
  day = 0;
  const s = await statuses(GW
    + ctp("section", "infra", `{targetRefs: [${ref("Gateway", "gw", "http")}, ${ref("Gateway", "gw", "alt")}, ${ref("Gateway", "gw", "nope")}]}`)
    + ctp("again", "infra", `{targetRefs: [${ref("Gateway", "gw", "alt")}]}`)
    + ctp("set", "apps", `{targetRefs: [${ref("ListenerSet", "ls")}, ${ref("ListenerSet", "ls", "missing")}]}`)
    + ctp("wide", "infra", `{targetRef: ${ref("Gateway", "gw")}, connection: {bufferLimit: 5Gi}}`)
    + ctp("wide2", "infra", `{targetRefs: [${ref("Gateway", "gw")}]}`)
    + ctp("elsewhere", "infra", `{targetRefs: [${ref("Gateway", "other")}]}`));
  assert.deepEqual(s.get("infra/section"), [
    ["Gateway infra/gw/http", "Accepted=False Invalid: ClientTrafficPolicy is being applied to multiple http (non https) listeners (infra/gw/http2) on the same port, which is not allowed."],
    ["Gateway infra/gw/alt", "Accepted=True Accepted: Policy has been accepted."],
    ["Gateway infra/gw/nope", "Accepted=False TargetNotFound: No section name nope found for Gateway infra/gw"],
  ]);
  assert.deepEqual(s.get("infra/again"), [["Gateway infra/gw/alt", "Accepted=False Conflicted: Unable to target section of gw, another ClientTrafficPolicy has already attached to it"]]);
  assert.deepEqual(s.get("apps/set"), [
    ["ListenerSet apps/ls/missing", "Accepted=False TargetNotFound: ListenerSet apps/ls does not have a listener named \"missing\""],
    ["ListenerSet apps/ls", "Accepted=True Accepted: Policy has been accepted."],
  ]);
  // The sections claimed before it: http and alt, and the ListenerSet's extra (translated by its policy).
  assert.deepEqual(s.get("infra/wide"), [[
    "Gateway infra/gw",
    "Overridden=True Overridden: There are existing ClientTrafficPolicies that are overriding these sections [alt extra http]",
    "Accepted=False Invalid: Connection: BufferLimit value 5Gi is out of range, must be between 0 and 4294967295.",
    "Warning=True DeprecatedField: spec.targetRef is deprecated, use spec.targetRefs instead",
  ]]);
  assert.deepEqual(s.get("infra/wide2"), [["Gateway infra/gw", "Accepted=False Conflicted: Unable to target Gateway gw, another ClientTrafficPolicy has already attached to it"]]);
  assert.ok(!s.has("infra/elsewhere"));
  // The table: a row per ancestor (it failed on the policies' status).
  const t = tempFiles({ "in.yaml": BASE + GW + ctp("again2", "infra", `{targetRefs: [${ref("Gateway", "gw", "alt")}]}`) });
  try {
    const out = await cli(["status", "-f", join(t.dir, "in.yaml"), "-q"]);
    assert.equal(out.code, 0, out.err);
    assert.match(out.out, /ClientTrafficPolicy\s+infra\/again2\s+infra\/gw\/alt\s+True/);
  } finally { t.cleanup(); }
});
