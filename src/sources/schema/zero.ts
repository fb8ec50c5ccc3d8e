// Null list items and null map values of built-in kinds, as the API server reads them.
//
// The API server decodes a built-in kind's JSON into Go structs (sigs.k8s.io/json, encoding/json's
// rules): "unmarshaling a JSON null into any other Go type [than an interface, map, pointer or
// slice] has no effect on the value", so a null list item is the item type's zero value (a slice
// grown by the decoder holds zeroed elements) and a null map value is stored as the zero value under
// its key. `ingress: [null]` is `ingress: [{}]`, a NetworkPolicy rule that allows every source and
// port; `labels: {app: null}` is the label `app: ""`; `values: [null]` is `values: [""]`. (A null
// field of a struct is an absent one: validate.ts withoutNulls.) Custom resources are not decoded
// so: their schemas refuse a null item (nullable is false unless set); but their `metadata` is:
// apiextensions-apiserver's schema coercer (unstructuredSchemaCoercer.apply) round-trips it through
// metav1.ObjectMeta with sigs.k8s.io/json (objectmeta.GetObjectMetaWithOptions) and writes the
// result back (SetObjectMeta) before the schema sees it, so a custom resource's `labels: {app: null}`
// is `app: ""` too.

import type { Path } from "../../model/source.js";
import { isObject, type Structural } from "./structural.js";

/** A built-in kind's definition and every definition its `$ref`s name. */
export interface TypedSchema {
  root: string;
  definitions: Record<string, Structural>;
}

/** A null that was replaced: where, and the zero value written there. */
export interface Zeroed { path: Path; zero: unknown }

/**
 * Replaces, in place, every null list item and null map value of `obj` by the Go zero value of its
 * schema type (`{}`, `""`, `0`, `false`, `[]`; an int-or-string's is 0, a Quantity's "0"), and returns
 * where (`at`: the path of `obj` in its object). Values the schema does not describe are left alone
 * (validation reports them).
 *
 * The nulls are found first by a plain walk of the value, then the schema is followed down the path
 * of each one only: a dump as `kubectl get -o json` writes it has a `"creationTimestamp": null` in
 * every pod template, and following the schema down the whole object for it (a path array and a
 * `$ref` resolved per value) made the check-ahead worker judge such a file in about twice the time
 * (docs/performance.md, twentieth stop). The same nulls are zeroed, in the same order (keys in order,
 * items in order), as a walk of the whole object with its schema zeroed them.
 */
export function zeroNulls(obj: unknown, schema: TypedSchema, at: Path = [], places = nullPlaces(obj)): Zeroed[] {
  const out: Zeroed[] = [];
  const defs = schema.definitions, root = resolve({ $ref: `#/definitions/${schema.root}` }, defs);
  for (const place of places) {
    // (As deep as a walk of the object with its schema went.)
    if (place.length > MAX_WALK + 1) continue;
    let s = root, v = obj as Record<string | number, unknown>;
    for (let j = 0; j < place.length - 1 && s; j++) {
      s = resolve(below(s, v, place[j]), defs);
      v = v[place[j]] as Record<string | number, unknown>;
    }
    const k = place[place.length - 1];
    // Only a list item or a map value (a null field the schema names is an absent one: validate.ts
    // withoutNulls), and only a null still there (a YAML alias repeats a node: zeroed at its first place).
    const values = s && (Array.isArray(v) || !named(s, k)) ? below(s, v, k) : undefined;
    if (!values || v[k] !== null) continue;
    const z = zeroOf(values, defs);
    if (z !== undefined) { v[k] = z; out.push({ path: [...at, ...place], zero: z }); }
  }
  return out;
}

const DEFINITIONS = "#/definitions/";

function resolve(s: Structural | undefined, defs: Record<string, Structural>): Structural | undefined {
  let x = s;
  for (let i = 0; x && typeof x.$ref === "string" && i < 8; i++) {
    // (The name after the last "#/definitions/", as /^.*#\/definitions\// removes what is before it, without a regular expression per step.)
    const ref = x.$ref, at = ref.lastIndexOf(DEFINITIONS);
    x = defs[at < 0 ? ref : ref.slice(at + DEFINITIONS.length)];
  }
  return x;
}

/** Whether `k` is a property the object schema `s` names. */
function named(s: Structural, k: string | number): boolean {
  return isObject(s.properties) && Object.prototype.hasOwnProperty.call(s.properties, k);
}

/** The schema of the value at `k` of `v` (a list's items; an object's property, else its additionalProperties). */
function below(s: Structural, v: unknown, k: string | number): Structural | undefined {
  if (Array.isArray(v)) return isObject(s.items) ? (s.items as Structural) : undefined;
  if (named(s, k)) return (s.properties as Record<string, Structural>)[k];
  return isObject(s.additionalProperties) ? (s.additionalProperties as Structural) : undefined;
}

/**
 * The path of every null list item and object value of `v`, in order (keys in order, items in order),
 * at any depth (a value nested deeper than MAX_DEPTH is refused before: strictjson.ts, kubeyaml.ts);
 * none: `v` holds no null.
 */
export function nullPlaces(v: unknown): Path[] {
  const out: Path[] = [];
  if (v !== null && typeof v === "object") collectNulls(v, [], out);
  return out;
}

function collectNulls(v: unknown, path: (string | number)[], out: Path[]): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === null) out.push([...path, i]);
      else if (typeof x === "object") { path.push(i); collectNulls(x, path, out); path.pop(); }
    }
    return;
  }
  // (for-in, not Object.keys: no array per object. A parsed object's own keys, in the same order.)
  for (const k in v as Record<string, unknown>) {
    const x = (v as Record<string, unknown>)[k];
    if (x === null) out.push([...path, k]);
    else if (typeof x === "object") { path.push(k); collectNulls(x, path, out); path.pop(); }
  }
}

/** How deep below the object zeroNulls looks (the levels its schema's walk went). */
const MAX_WALK = 200;

/** The Go zero value of a schema's type, as the API server would send it back. */
function zeroOf(s0: Structural, defs: Record<string, Structural>): unknown {
  const s = resolve(s0, defs);
  if (!s) return undefined;
  if (s["x-kubernetes-int-or-string"] === true) return 0;
  // resource.Quantity (oneOf string, number): its zero value is written "0".
  if (Array.isArray(s.oneOf)) return "0";
  switch (s.type) {
    case "object": return {};
    case "string": return "";
    case "integer": case "number": return 0;
    case "boolean": return false;
    case "array": return [];
    default: return undefined;
  }
}
