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
 */
export function zeroNulls(obj: unknown, schema: TypedSchema, at: Path = []): Zeroed[] {
  const out: Zeroed[] = [];
  // The nulls are found first without the schema, then each is looked up along its path: a walk of
  // the whole object along its schema (a schema resolved at every value) cost the load of a dump as
  // kubectl writes it, which has a null in every pod template (creationTimestamp, a struct field:
  // left alone), about 0.4 s at 100k pods. The nulls come in the order such a walk met them.
  const nulls: (string | number)[][] = [];
  findNulls(obj, [], nulls, 0);
  const root: Structural = { $ref: `#/definitions/${schema.root}` };
  for (const path of nulls) {
    const zero = zeroAt(obj, path, root, schema.definitions);
    if (zero !== undefined) out.push({ path: [...at, ...path], zero });
  }
  return out;
}

/**
 * The paths of the null list items and map values of `v` (at `depth`; `path`, where it is, grown and
 * shrunk as the search goes), in the order of the keys and items, to the depth zeroAt reads.
 */
function findNulls(v: unknown, path: (string | number)[], out: (string | number)[][], depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x === null) out.push([...path, i]);
      else if (typeof x === "object") { path.push(i); findNulls(x, path, out, depth + 1); path.pop(); }
    }
    return;
  }
  if (typeof v !== "object" || v === null) return;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === null) out.push([...path, k]);
    else if (typeof x === "object") { path.push(k); findNulls(x, path, out, depth + 1); path.pop(); }
  }
}

/** A value deeper than this is not read (nor are its nulls replaced). */
const MAX_DEPTH = 200;

/**
 * Replaces the null at `path` in `obj` (schema `root`) by the zero value of its schema type and
 * returns it, when the schema makes it a list item or map value; undefined (the null left) when it is
 * a field of a struct (an absent field) or the schema does not describe where it is.
 */
function zeroAt(obj: unknown, path: readonly (string | number)[], root: Structural, defs: Record<string, Structural>): unknown {
  let v = obj, s0: Structural = root;
  for (let depth = 0; depth < path.length; depth++) {
    const s = resolve(s0, defs);
    if (!s || depth > MAX_DEPTH) return undefined;
    const k = path[depth], last = depth === path.length - 1;
    let next: Structural | undefined;
    if (Array.isArray(v)) next = isObject(s.items) ? (s.items as Structural) : undefined;
    else {
      const props = isObject(s.properties) ? (s.properties as Record<string, Structural>) : undefined;
      const known = props && Object.prototype.hasOwnProperty.call(props, k) ? props[k] : undefined;
      // A struct's null field is an absent one (validate.ts withoutNulls), not replaced.
      if (known) { if (last) return undefined; next = known; }
      else next = isObject(s.additionalProperties) ? (s.additionalProperties as Structural) : undefined;
    }
    if (!next) return undefined;
    const container = v as Record<string | number, unknown>;
    if (last) {
      const z = zeroOf(next, defs);
      if (z !== undefined) container[k] = z;
      return z;
    }
    v = container[k];
    s0 = next;
  }
  return undefined;
}

/** The definition a `$ref` names: what follows its last "#/definitions/" (made once per `$ref`). */
function refName(ref: string): string {
  let name = REF_NAMES.get(ref);
  if (name === undefined) REF_NAMES.set(ref, name = ref.replace(/^.*#\/definitions\//, ""));
  return name;
}

const REF_NAMES = new Map<string, string>();

function resolve(s: Structural | undefined, defs: Record<string, Structural>): Structural | undefined {
  let x = s;
  for (let i = 0; x && typeof x.$ref === "string" && i < 8; i++) x = defs[refName(x.$ref)];
  return x;
}

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
