// Nulls as the API server reads them (schema/zero.ts, validate.ts withoutNulls), and as the
// check-ahead worker judges them: a dump as `kubectl get -o json` writes it has nulls in set places
// (every pod template's `"creationTimestamp": null`), which change nothing and must cost about what
// a file without them costs; a null that changes the answer (a required field, a list item, a map
// value) makes a file not clean. zeroNulls follows the schema down to each null only, and
// withoutNulls copies only what is above a null field: both are checked here against the walk of the
// whole object and the whole copy they replaced.

import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "../helpers.js";
import { judge } from "../../src/sources/checkahead.js";
import { zeroNulls, type TypedSchema, type Zeroed } from "../../src/sources/schema/zero.js";
import { schemaCatalog, withoutNulls } from "../../src/sources/schema/validate.js";
import { isObject, type Structural } from "../../src/sources/schema/structural.js";
import { formatPath } from "../../src/model/source.js";
import type { Path } from "../../src/model/source.js";

const META = { name: "w", namespace: "a", uid: "u", resourceVersion: "1", creationTimestamp: "2024-01-01T00:00:00Z" };
const TEMPLATE = { metadata: { creationTimestamp: null, labels: { app: "w" } }, spec: { containers: [{ name: "c", image: "i", resources: {} }], restartPolicy: "Always" } };
const JOB_TEMPLATE = { ...TEMPLATE, spec: { ...TEMPLATE.spec, restartPolicy: "Never" } };

/** Objects as `kubectl get -o json` writes them: a null wherever the API server's encoding leaves one. */
const AS_KUBECTL_WRITES: Record<string, unknown>[] = [
  { apiVersion: "apps/v1", kind: "Deployment", metadata: META, spec: { selector: { matchLabels: { app: "w" } }, template: TEMPLATE, strategy: {} }, status: {} },
  { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: META, spec: { selector: { matchLabels: { app: "w" } }, template: TEMPLATE }, status: { replicas: 0 } },
  { apiVersion: "apps/v1", kind: "DaemonSet", metadata: META, spec: { selector: { matchLabels: { app: "w" } }, template: TEMPLATE }, status: { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 } },
  { apiVersion: "apps/v1", kind: "StatefulSet", metadata: META, spec: { serviceName: "w", selector: { matchLabels: { app: "w" } }, template: TEMPLATE, volumeClaimTemplates: [{ metadata: { name: "d", creationTimestamp: null }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } }, status: {} }] }, status: { replicas: 0, availableReplicas: 0 } },
  { apiVersion: "batch/v1", kind: "Job", metadata: META, spec: { template: JOB_TEMPLATE }, status: {} },
  { apiVersion: "batch/v1", kind: "CronJob", metadata: META, spec: { schedule: "* * * * *", jobTemplate: { metadata: { creationTimestamp: null }, spec: { template: JOB_TEMPLATE } } }, status: {} },
];

const list = (items: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items }, null, 2);

test("nulls in every place kubectl writes them: the file is judged clean, and loads as without them (nothing reported)", () => {
  const text = list(AS_KUBECTL_WRITES);
  assert.equal(judge("dump.json", text), true);
  const withNulls = load({ "dump.json": text }), without = load({ "dump.json": JSON.stringify(JSON.parse(text, (_k, v: unknown) => (v === null ? undefined : v)), null, 2) });
  assert.deepEqual(withNulls.diagnostics.items.filter((d) => d.severity !== "info"), []);
  assert.deepEqual(withNulls.inventory, without.inventory);
});

test("a null that changes the answer makes a file not clean: a required field, a list item, a map value (each reported as the safe path reports it)", () => {
  const pod = (spec: unknown, labels: unknown = { app: "p" }) => JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "a", labels }, spec, status: { podIP: "10.0.0.1" } });
  const cases: Record<string, [string, string[]]> = {
    "a required field": [pod({ containers: [{ name: null, image: "i" }] }), ["error required spec.containers[0].name"]],
    "a list item": [pod({ containers: [{ name: "c", image: "i", ports: [null] }] }), ["warning null-value spec.containers[0].ports[0]", "error required spec.containers[0].ports[0].containerPort"]],
    "a map value": [pod({ containers: [{ name: "c", image: "i" }] }, { app: null }), ["warning null-value metadata.labels.app"]],
    "a NetworkPolicy rule": [JSON.stringify({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "n", namespace: "a" }, spec: { podSelector: {}, ingress: [null] } }), ["warning null-value spec.ingress[0]"]],
  };
  for (const [what, [text, reported]] of Object.entries(cases)) {
    assert.equal(judge("f.json", text), false, what);
    const l = load({ "f.json": text });
    assert.deepEqual(l.diagnostics.items.filter((d) => d.severity !== "info").map((d) => `${d.severity} ${d.code} ${formatPath(d.field ?? [])}`), reported, what);
  }
});

test("a field named __proto__ is refused as unknown whether or not the object holds a null (the whole copy made for validation set the copy's prototype instead, and the field went unseen)", () => {
  const pod = (nodeName: unknown) => `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}, "spec": {"containers": [{"name": "c", "image": "i"}], "nodeName": ${JSON.stringify(nodeName)}, "__proto__": {"hostNetwork": true}}}`;
  const errors = (text: string) => load({ "p.json": text }).diagnostics.errors.map((d) => `${d.code} ${formatPath(d.field ?? [])}`);
  assert.deepEqual(errors(pod("n1")), ["unknown-field spec.__proto__"]);
  assert.deepEqual(errors(pod(null)), errors(pod("n1")));
});

// The walk and the copy replaced (schema/zero.ts and validate.ts before the twentieth stop), to compare with.
function resolveRef(s: Structural | undefined, defs: Record<string, Structural>): Structural | undefined {
  let x = s;
  for (let i = 0; x && typeof x.$ref === "string" && i < 8; i++) x = defs[String(x.$ref).replace(/^.*#\/definitions\//, "")];
  return x;
}
function zeroOfRef(s0: Structural, defs: Record<string, Structural>): unknown {
  const s = resolveRef(s0, defs);
  if (!s) return undefined;
  if (s["x-kubernetes-int-or-string"] === true) return 0;
  if (Array.isArray(s.oneOf)) return "0";
  return ({ object: {}, string: "", integer: 0, number: 0, boolean: false, array: [] } as Record<string, unknown>)[String(s.type)];
}
function walkRef(v: unknown, s0: Structural | undefined, defs: Record<string, Structural>, path: Path, out: Zeroed[], depth: number): void {
  const s = resolveRef(s0, defs);
  if (!s || depth > 200) return;
  if (Array.isArray(v)) {
    const items = isObject(s.items) ? (s.items as Structural) : undefined;
    if (!items) return;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === null) { const z = zeroOfRef(items, defs); if (z !== undefined) { v[i] = z; out.push({ path: [...path, i], zero: z }); } }
      else walkRef(v[i], items, defs, [...path, i], out, depth + 1);
    }
    return;
  }
  if (!isObject(v)) return;
  const props = isObject(s.properties) ? (s.properties as Record<string, Structural>) : undefined;
  const values = isObject(s.additionalProperties) ? (s.additionalProperties as Structural) : undefined;
  for (const k of Object.keys(v)) {
    const known = props && Object.prototype.hasOwnProperty.call(props, k) ? props[k] : undefined;
    if (known) { if (v[k] !== null) walkRef(v[k], known, defs, [...path, k], out, depth + 1); continue; }
    if (!values) continue;
    if (v[k] === null) { const z = zeroOfRef(values, defs); if (z !== undefined) { v[k] = z; out.push({ path: [...path, k], zero: z }); } }
    else walkRef(v[k], values, defs, [...path, k], out, depth + 1);
  }
}
function stripRef(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripRef);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripRef(x);
  return out;
}

test("zeroNulls and withoutNulls give what the walk of the whole object and the whole copy gave, for nulls put at random in objects of many kinds (and withoutNulls changes nothing in its input)", () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const kinds = [...AS_KUBECTL_WRITES,
    { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "a", labels: { app: "p", tier: "x" }, annotations: { a: "b" } }, spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 80 }, { containerPort: 81, name: "m" }], env: [{ name: "A", value: "1" }], resources: { limits: { cpu: "1" } } }], volumes: [{ name: "v", emptyDir: {} }], tolerations: [{ key: "k", operator: "Exists" }] }, status: { podIP: "10.0.0.1", podIPs: [{ ip: "10.0.0.1" }] } },
    { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "a" }, spec: { selector: { app: "p" }, ports: [{ port: 80, targetPort: 8080 }, { port: 81, targetPort: "m" }] } },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "n", namespace: "a" }, spec: { podSelector: { matchLabels: { app: "p" } }, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "a", operator: "In", values: ["x", "y"] }] } }], ports: [{ port: 80 }] }], policyTypes: ["Ingress"] } },
  ];
  const catalog = schemaCatalog();
  // Every place of a value, objects and lists (as paths).
  const places = (v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] => {
    if (path.length) out.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => places(x, [...path, i], out));
    else if (isObject(v)) for (const k of Object.keys(v)) places(v[k], [...path, k], out);
    return out;
  };
  let zeroedSeen = 0, strippedSeen = 0;
  for (let round = 0; round < 300; round++) {
    const obj = structuredClone(kinds[round % kinds.length]) as Record<string, unknown>;
    // (Not the kind and version: which schema applies.)
    const all = places(obj).filter((p) => p.length > 1 || (p[0] !== "apiVersion" && p[0] !== "kind"));
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
      const p = all[Math.floor(random() * all.length)];
      let parent: any = obj;
      for (const k of p.slice(0, -1)) parent = parent?.[k];
      if (parent !== null && typeof parent === "object") parent[p[p.length - 1]] = null;
    }
    const typed = catalog.lookup(String(obj.apiVersion), String(obj.kind))?.typed as TypedSchema;
    assert.ok(typed, String(obj.kind));
    const a = structuredClone(obj), b = structuredClone(obj);
    const mine = zeroNulls(a, typed), theirs: Zeroed[] = [];
    walkRef(b, { $ref: `#/definitions/${typed.root}` }, typed.definitions, [], theirs, 0);
    assert.deepEqual(mine, theirs, JSON.stringify(obj));
    assert.deepEqual(a, b);
    const before = structuredClone(a), stripped = withoutNulls(a);
    assert.deepEqual(stripped, stripRef(a));
    assert.deepEqual(a, before);
    zeroedSeen += mine.length;
    if (stripped !== a) strippedSeen++;
  }
  // (The random nulls met both: list items and map values zeroed, fields stripped.)
  assert.ok(zeroedSeen > 20 && strippedSeen > 100, `${zeroedSeen} zeroed, ${strippedSeen} stripped`);
});
