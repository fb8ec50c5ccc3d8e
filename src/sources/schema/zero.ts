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
  walk(obj, { $ref: `#/definitions/${schema.root}` }, schema.definitions, at, out, 0);
  return out;
}

function resolve(s: Structural | undefined, defs: Record<string, Structural>): Structural | undefined {
  let x = s;
  for (let i = 0; x && typeof x.$ref === "string" && i < 8; i++) x = defs[String(x.$ref).replace(/^.*#\/definitions\//, "")];
  return x;
}

function walk(v: unknown, s0: Structural | undefined, defs: Record<string, Structural>, path: Path, out: Zeroed[], depth: number): void {
  const s = resolve(s0, defs);
  if (!s || depth > 200) return;
  if (Array.isArray(v)) {
    const items = isObject(s.items) ? (s.items as Structural) : undefined;
    if (!items) return;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === null) { const z = zeroOf(items, defs); if (z !== undefined) { v[i] = z; out.push({ path: [...path, i], zero: z }); } }
      else walk(v[i], items, defs, [...path, i], out, depth + 1);
    }
    return;
  }
  if (!isObject(v)) return;
  const props = isObject(s.properties) ? (s.properties as Record<string, Structural>) : undefined;
  const values = isObject(s.additionalProperties) ? (s.additionalProperties as Structural) : undefined;
  for (const k of Object.keys(v)) {
    const known = props && Object.prototype.hasOwnProperty.call(props, k) ? props[k] : undefined;
    if (known) { if (v[k] !== null) walk(v[k], known, defs, [...path, k], out, depth + 1); continue; }
    if (!values) continue;
    if (v[k] === null) { const z = zeroOf(values, defs); if (z !== undefined) { v[k] = z; out.push({ path: [...path, k], zero: z }); } }
    else walk(v[k], values, defs, [...path, k], out, depth + 1);
  }
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
