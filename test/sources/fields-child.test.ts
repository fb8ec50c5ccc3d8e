// Field's child reads (childString, childInt, childBool, childList) make the child's Field only when
// it has something to report: each must give exactly what get(key).string(rule) (.int, .bool, .list)
// gives, with the same diagnostics at the same paths, for every kind of value and rule.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Diagnostics } from "../../src/model/source.js";
import { Field, ObjectContext, type ListRule, type NumberRule, type StringRule } from "../../src/sources/fields.js";
import { formatAddress } from "../../src/model/ip.js";
import { load } from "../helpers.js";

const VALUES: unknown[] = [undefined, null, "", "a", "TCP", "tcp", 0, 1, 80, 65535, 65536, -1, 1.5, Number.NaN, true, false, [], ["a"], {}, { a: 1 }];
const STRING_RULES: (StringRule | undefined)[] = [undefined, {}, { required: true }, { nonEmpty: true }, { oneOf: ["TCP", "UDP"] }, { required: true, nonEmpty: true, oneOf: ["", "a"] }];
const NUMBER_RULES: (NumberRule | undefined)[] = [undefined, {}, { required: true }, { min: 1 }, { max: 65535 }, { required: true, min: 1, max: 65535 }, { min: 0 }];
const LIST_RULES: (ListRule | undefined)[] = [undefined, {}, { required: true }, { min: 1 }, { max: 0 }];
/** The parent objects the child is read from: the value under the key (or no key), and parents that are not objects. */
const PARENTS: unknown[] = [...VALUES.map((v) => (v === undefined ? { other: 1 } : { k: v, K: 2 })), "k", ["k"], null, undefined];

/** Reads with a fresh parent Field at spec.x and its own diagnostics: what it returns and reports. */
function read(parentValue: unknown, f: (parent: Field) => unknown): { result: unknown; diags: string[] } {
  const diags = new Diagnostics();
  const ctx = new ObjectContext({ file: "f.yaml", doc: 0, path: ["items", 3] }, diags, "Pod", { spec: { x: parentValue } });
  const parent = Field.root(ctx, ctx.root).get("spec").get("x");
  const result = f(parent);
  const shown = Array.isArray(result) ? result.map((c) => (c instanceof Field ? [c.value, c.path] : c)) : result;
  return { result: shown, diags: diags.items.map((d) => `${d.severity} ${d.code} ${(d.field ?? []).join(".")}: ${d.message}`) };
}

test("childString(key, rule) is get(key).string(rule), diagnostics included", () => {
  for (const p of PARENTS) for (const rule of STRING_RULES) {
    assert.deepEqual(read(p, (f) => f.childString("k", rule)), read(p, (f) => f.get("k").string(rule)), JSON.stringify({ p, rule }));
  }
});

test("childInt(key, rule) is get(key).int(rule), diagnostics included", () => {
  for (const p of PARENTS) for (const rule of NUMBER_RULES) {
    assert.deepEqual(read(p, (f) => f.childInt("k", rule)), read(p, (f) => f.get("k").int(rule)), JSON.stringify({ p, rule }));
  }
});

test("childBool(key) is get(key).bool() and childList(key, rule) is get(key).list(rule), diagnostics and element paths included", () => {
  for (const p of PARENTS) {
    assert.deepEqual(read(p, (f) => f.childBool("k")), read(p, (f) => f.get("k").bool()), JSON.stringify(p));
    for (const rule of LIST_RULES) assert.deepEqual(read(p, (f) => f.childList("k", rule)), read(p, (f) => f.get("k").list(rule)), JSON.stringify({ p, rule }));
  }
  // The cases above do report (so the comparison compares something).
  assert.deepEqual(read({ k: "x" }, (f) => f.childInt("k", { required: true })).diags, ["error type spec.x.k: must be an integer, not the string \"x\""]);
  assert.deepEqual(read({ K: 1 }, (f) => f.childString("k", { required: true })).diags, ["error required spec.x.k: required field is missing (found \"K\": field names are case-sensitive)"]);
});

test("a pod's fields read through child reads report what they reported before, at the same paths", () => {
  const pod = {
    apiVersion: "v1", kind: "Pod",
    metadata: { name: "Web_1", namespace: "Shop", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "u", controller: true }], annotations: { "k8s.v1.cni.cncf.io/networks": "[{bad" } },
    spec: { hostNetwork: false, nodeName: "n1", serviceAccount: "sa", containers: [{ name: "c", image: "i", ports: [{ containerPort: 80, name: "HTTP_1" }, { containerPort: 81, protocol: "UDP", name: "ok-1" }] }] },
    status: { phase: "Running", podIP: "10.0.0.1", podIPs: [{ ip: "10.0.0.1" }, { ip: "fd00::1" }, { ip: "10.0.0.300" }], hostIP: "1.2.3", conditions: [{ type: "Ready", status: "False" }] },
  };
  const l = load({ "p.json": JSON.stringify({ apiVersion: "v1", kind: "List", items: [pod] }) });
  assert.deepEqual(l.diagnostics.items.filter((d) => d.severity === "error").map((d) => `${d.code} ${(d.field ?? []).join(".")}: ${d.message}`), [
    "invalid-name metadata.name: \"Web_1\" is not a valid DNS-1123 subdomain (lowercase letters, digits, '-' and '.')",
    "invalid-namespace metadata.namespace: \"Shop\" is not a valid DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)",
    "invalid-port spec.containers.0.ports.0.name: \"HTTP_1\" is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)",
    "invalid-ip status.podIPs.2.ip: \"10.0.0.300\" is not a valid IP address",
    "invalid-ip status.hostIP: \"1.2.3\" is not a valid IP address",
    "invalid-json metadata.annotations.k8s.v1.cni.cncf.io/networks: not a JSON list of network selections: Expected property name or '}' in JSON at position 2",
  ]);
  const e = l.inventory.endpoints[0];
  assert.deepEqual([e.name, e.namespace, e.addresses.map((a) => formatAddress(a)), e.ports, e.ready, e.owner, e.serviceAccount, e.nodeName, e.hostNetwork],
    ["Web_1", "Shop", ["10.0.0.1", "fd00::1"], [{ name: "HTTP_1", port: 80, protocol: "TCP" }, { name: "ok-1", port: 81, protocol: "UDP" }], false, { kind: "ReplicaSet", name: "web-1" }, "sa", "n1", false]);
});
