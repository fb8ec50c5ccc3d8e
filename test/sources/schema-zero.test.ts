// schema/zero.ts zeroNulls (null list items and map values of built-in kinds are the Go zero value),
// checked against a plain restatement: a walk of the whole object along its schema, replacing each
// null its schema makes a list item or map value, in the order of the keys and items. zeroNulls finds
// the nulls first and reads the schema only along their paths; the two must agree on what is
// replaced, with what, where, and in which order, on objects of real built-in kinds with nulls put
// anywhere (struct fields, list items, map values, unknown fields, under arrays the schema lacks).

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { zeroNulls, type TypedSchema } from "../../src/sources/schema/zero.js";
import { schemaCatalog } from "../../src/sources/schema/validate.js";
import { isObject, type Structural } from "../../src/sources/schema/structural.js";

/** The walk restated (what zero.ts did before it looked the nulls up): every value visited along its schema. */
function reference(obj: unknown, schema: TypedSchema, at: (string | number)[] = []): { path: (string | number)[]; zero: unknown }[] {
  const defs = schema.definitions, out: { path: (string | number)[]; zero: unknown }[] = [];
  const resolve = (s: Structural | undefined) => {
    let x = s;
    for (let i = 0; x && typeof x.$ref === "string" && i < 8; i++) x = defs[String(x.$ref).replace(/^.*#\/definitions\//, "")];
    return x;
  };
  const zeroOf = (s0: Structural): unknown => {
    const s = resolve(s0);
    if (!s) return undefined;
    if (s["x-kubernetes-int-or-string"] === true) return 0;
    if (Array.isArray(s.oneOf)) return "0";
    return ({ object: {}, string: "", integer: 0, number: 0, boolean: false, array: [] } as Record<string, unknown>)[String(s.type)];
  };
  const walk = (v: unknown, s0: Structural | undefined, path: (string | number)[], depth: number): void => {
    const s = resolve(s0);
    if (!s || depth > 200) return;
    if (Array.isArray(v)) {
      const items = isObject(s.items) ? (s.items as Structural) : undefined;
      if (!items) return;
      v.forEach((x, i) => {
        if (x === null) { const z = zeroOf(items); if (z !== undefined) { v[i] = z; out.push({ path: [...path, i], zero: z }); } }
        else walk(x, items, [...path, i], depth + 1);
      });
      return;
    }
    if (!isObject(v)) return;
    const props = isObject(s.properties) ? (s.properties as Record<string, Structural>) : undefined;
    const values = isObject(s.additionalProperties) ? (s.additionalProperties as Structural) : undefined;
    for (const k of Object.keys(v)) {
      const known = props && Object.prototype.hasOwnProperty.call(props, k) ? props[k] : undefined;
      if (known) { if (v[k] !== null) walk(v[k], known, [...path, k], depth + 1); continue; }
      if (!values) continue;
      if (v[k] === null) { const z = zeroOf(values); if (z !== undefined) { v[k] = z; out.push({ path: [...path, k], zero: z }); } }
      else walk(v[k], values, [...path, k], depth + 1);
    }
  };
  walk(obj, { $ref: `#/definitions/${schema.root}` }, [...at], 0);
  return out;
}

const typed = (apiVersion: string, kind: string): TypedSchema => {
  const t = schemaCatalog().lookup(apiVersion, kind)?.typed;
  assert.ok(t, `${apiVersion} ${kind} has a typed schema`);
  return t;
};

const deployment = {
  apiVersion: "apps/v1", kind: "Deployment",
  metadata: { name: "web", namespace: "shop", labels: { app: "web", tier: "front" }, annotations: { a: "1" }, finalizers: ["x"] },
  spec: {
    replicas: 2, selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] },
    template: {
      metadata: { creationTimestamp: "t", labels: { app: "web" } },
      spec: {
        containers: [{ name: "c", image: "i", ports: [{ containerPort: 80, name: "http" }, { containerPort: 443 }], args: ["a", "b"], env: [{ name: "E", value: "v" }],
          resources: { limits: { cpu: "1" }, requests: { memory: "1Gi" } } }],
        nodeSelector: { zone: "a" }, tolerations: [{ key: "k", operator: "Exists" }], volumes: [{ name: "v", emptyDir: {} }],
      },
    },
  },
  status: { conditions: [{ type: "Available", status: "True" }] },
};
const policy = {
  apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace: "shop", labels: { a: "b" } },
  spec: {
    podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "k", operator: "In", values: ["x", "y"] }] } }, { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }], ports: [{ port: 80 }, { port: "http", protocol: "TCP" }] }],
    egress: [{ to: [{ namespaceSelector: {} }] }],
  },
};

/** Every path to a value of `v` (the root excluded), in the order of the keys and items. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([...at, i]); paths(x, [...at, i], out); });
  else if (isObject(v)) for (const k of Object.keys(v)) { out.push([...at, k]); paths(v[k], [...at, k], out); }
  return out;
}

/** `v` with nulls written at the chosen paths (a value or an unknown key beside it). */
function withNulls(v: unknown, picks: readonly { at: number; extra: boolean }[]): unknown {
  const copy = structuredClone(v), all = paths(copy);
  for (const { at, extra } of picks) {
    const path = all[at % all.length];
    let parent = copy as Record<string | number, unknown>;
    // (An earlier pick may have put a null above it: then nothing is written.)
    for (const k of path.slice(0, -1)) parent = parent !== null && typeof parent === "object" ? parent[k] as Record<string | number, unknown> : parent;
    if (parent === null || typeof parent !== "object") continue;
    const last = path[path.length - 1];
    if (extra && !Array.isArray(parent)) parent[`x${String(last)}`] = null;
    else if (extra && Array.isArray(parent)) parent.push(null);
    else parent[last] = null;
  }
  return copy;
}

test("zeroNulls replaces what a walk of the whole object along its schema replaces, in the same order (Deployment, NetworkPolicy, ObjectMeta)", () => {
  const meta = schemaCatalog().objectMeta();
  assert.ok(meta);
  const cases: [unknown, TypedSchema, (string | number)[] | undefined, (o: unknown) => unknown][] = [
    [deployment, typed("apps/v1", "Deployment"), undefined, (o) => o],
    [policy, typed("networking.k8s.io/v1", "NetworkPolicy"), undefined, (o) => o],
    [deployment, meta, ["metadata"], (o) => (o as { metadata: unknown }).metadata],
  ];
  fc.assert(fc.property(fc.nat(cases.length - 1), fc.array(fc.record({ at: fc.nat(), extra: fc.boolean() }), { maxLength: 6 }), (c, picks) => {
    const [obj, schema, at, part] = cases[c];
    const a = withNulls(obj, picks), b = structuredClone(a);
    const got = zeroNulls(part(a), schema, at), want = reference(part(b), schema, at);
    assert.deepEqual(got, want);
    assert.deepEqual(a, b);
  }), { numRuns: 400 });
});

test("zeroNulls: nulls deeper than 200 levels are left, as the walk left them", () => {
  const schema = typed("networking.k8s.io/v1", "NetworkPolicy");
  // An unknown field holds no schema: nothing under it is replaced, however deep.
  let deep: unknown = [null];
  for (let i = 0; i < 300; i++) deep = { x: deep };
  const obj = { ...policy, spec: { ...policy.spec, extra: deep }, metadata: { ...policy.metadata, labels: { a: null } } };
  const a = structuredClone(obj), b = structuredClone(obj);
  assert.deepEqual(zeroNulls(a, schema), reference(b, schema));
  assert.deepEqual(zeroNulls(structuredClone(obj), schema), [{ path: ["metadata", "labels", "a"], zero: "" }]);
});
