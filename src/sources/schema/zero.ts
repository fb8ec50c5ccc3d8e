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
 * The schema is followed down only into the objects and lists that hold a null (`holders`, found first
 * by a plain walk of the value: nullHolders): a dump as `kubectl get -o json` writes it has a
 * `"creationTimestamp": null` in every pod template, and following the schema down the whole object
 * for it (a path array and a `$ref` resolved per value) made the check-ahead worker judge such a file
 * in about twice the time (docs/performance.md, twentieth stop). The nulls are zeroed in the order of
 * a walk of the whole object (keys in order, items in order). (Not a path per null found, followed
 * down from the top: a list nested 990 deep holding 200k nulls, a 1 MB file, made 200k paths of 990
 * keys, 2.5 GB and 13 s, and a 10 MB one ran out of memory.)
 */
export function zeroNulls(obj: unknown, schema: TypedSchema, at: Path = [], holders = nullHolders(obj)): Zeroed[] {
  const out: Zeroed[] = [];
  if (holders) walk(obj, { $ref: `#/definitions/${schema.root}` }, schema.definitions, holders, [...at], out, 0);
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

/**
 * Zeroes the nulls of `v` (which holds one: `holders`), whose schema is `s0`, at `path` (one array,
 * pushed and popped: copied only for a null zeroed), going down only into values that hold a null.
 */
function walk(v: unknown, s0: Structural | undefined, defs: Record<string, Structural>, holders: ReadonlySet<object>, path: (string | number)[], out: Zeroed[], depth: number): void {
  const s = resolve(s0, defs);
  // (As deep as the walk of the whole object went: MAX_WALK levels below the object.)
  if (!s || depth > MAX_WALK) return;
  const zero = (into: Record<string | number, unknown>, k: string | number, values: Structural) => {
    const z = zeroOf(values, defs);
    if (z !== undefined) { into[k] = z; out.push({ path: [...path, k], zero: z }); }
  };
  if (Array.isArray(v)) {
    const items = isObject(s.items) ? (s.items as Structural) : undefined;
    if (!items) return;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === null) zero(v as unknown as Record<number, unknown>, i, items);
      else if (holds(holders, x)) { path.push(i); walk(x, items, defs, holders, path, out, depth + 1); path.pop(); }
    }
    return;
  }
  if (!isObject(v)) return;
  const props = isObject(s.properties) ? (s.properties as Record<string, Structural>) : undefined;
  const values = isObject(s.additionalProperties) ? (s.additionalProperties as Structural) : undefined;
  for (const k of Object.keys(v)) {
    const x = v[k];
    // A null field the schema names is an absent one (validate.ts withoutNulls): only map values are zeroed.
    const known = props && Object.prototype.hasOwnProperty.call(props, k) ? props[k] : undefined;
    const below = known ?? values;
    if (!below) continue;
    if (x === null) { if (!known) zero(v, k, below); }
    else if (holds(holders, x)) { path.push(k); walk(x, below, defs, holders, path, out, depth + 1); path.pop(); }
  }
}

function holds(holders: ReadonlySet<object>, x: unknown): x is object {
  return x !== null && typeof x === "object" && holders.has(x);
}

/**
 * The objects and lists of `v` (itself included) that hold a null, as an item or a field value, at any
 * depth below them (a value nested deeper than MAX_DEPTH is refused before: strictjson.ts,
 * kubeyaml.ts); undefined: `v` holds no null.
 */
export function nullHolders(v: unknown): ReadonlySet<object> | undefined {
  const out = new Set<object>();
  if (v !== null && typeof v === "object") collectHolders(v, out);
  return out.size ? out : undefined;
}

function collectHolders(v: object, out: Set<object>): boolean {
  let has = false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === null || (typeof x === "object" && collectHolders(x as object, out))) has = true;
    }
  } else {
    // (for-in, not Object.keys: no array per object. A parsed object's own keys.)
    for (const k in v as Record<string, unknown>) {
      const x = (v as Record<string, unknown>)[k];
      if (x === null || (typeof x === "object" && collectHolders(x as object, out))) has = true;
    }
  }
  if (has) out.add(v);
  return has;
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
