// Validates each object against the schema of its group/version/kind, as the API server does on
// `kubectl apply` with strict field validation: unknown fields, wrong types, missing required
// fields, enums, patterns, bounds, list-map duplicates and CEL rules. Objects the server already
// accepted (they carry metadata.uid, metadata.resourceVersion or status) may hold fields newer than
// the vendored schema: there an unknown field is a note naming the schema version.
// One deliberate difference: a top-level field whose name starts with "_" (`_note`, `_comment`) is read
// as a comment, with a warning saying that kubectl apply refuses it. No Kubernetes field starts with
// "_", so it cannot be a misspelt or misindented field and changes no answer; JSON has no comments and
// annotated manifests (the upstream conformance transcriptions among them) carry such keys.

import type { ErrorObject } from "ajv";
import type { Diagnostics, Path } from "../../model/source.js";
import type { RawObject } from "../documents.js";
import { SchemaCatalog, type KindSchema } from "./catalog.js";
import { closest } from "../../model/spelling.js";
import { quantityError } from "./quantity.js";
import { describe as describeValue } from "../fields.js";
import { nullPlaces, zeroNulls } from "./zero.js";
import { isObject } from "./structural.js";

let shared: SchemaCatalog | undefined;

/** The catalog every load shares: schemas are compiled once per kind per process. */
export function schemaCatalog(): SchemaCatalog {
  shared ??= new SchemaCatalog();
  return shared;
}

/** Validates one object; returns the field paths that got an error (for de-duplication). */
export function validateObject(raw: RawObject, diags: Diagnostics, catalog = schemaCatalog()): Path[] {
  const schema = raw.apiVersion ? catalog.lookup(raw.apiVersion, raw.kind) : undefined;
  // (A file that holds a null is not null-free as a whole: most of its objects may hold none.)
  const nulls = raw.nullFree ? [] : nullPlaces(raw.obj);
  if (nulls.length) readNullElements(raw, schema, catalog, diags, nulls);
  if (!schema) return [];
  const plain = nulls.length ? withoutNulls(raw.obj, nulls) : raw.obj;
  const data = schema.defaults ? schema.defaults(plain) : plain;
  if (schema.validate(data)) return [];
  const accepted = serverAccepted(raw.obj);
  const failed: Path[] = [];
  for (const e of (schema.typed ? relevant : (x: ErrorObject[]) => unblocked(relevant(x)))(schema.validate.errors ?? [])) {
    const d = describe(e, data, schema, accepted);
    if (d.severity === "error") failed.push(d.path);
    diags.add({ severity: d.severity, code: d.code, message: d.message, ref: raw.ref, field: d.path });
  }
  return failed;
}

/**
 * A built-in kind's null list items and map values become the zero value the API server's decoder
 * leaves there (zero.ts), in the object the front end reads, each with a warning: `ingress: [null]`
 * is a rule that allows all, `labels: {app: null}` the label `app: ""`. Of any other kind (a custom
 * resource, with a vendored schema or not), only `metadata`, which the API server decodes into
 * metav1.ObjectMeta whatever the kind.
 */
function readNullElements(raw: RawObject, schema: KindSchema | undefined, catalog: SchemaCatalog, diags: Diagnostics, nulls: Path[]): void {
  let zeroed;
  if (schema?.typed) zeroed = zeroNulls(raw.obj, schema.typed, [], nulls);
  else {
    const meta = raw.obj.metadata;
    const objectMeta = isObject(meta) ? catalog.objectMeta() : undefined;
    if (!objectMeta) return;
    zeroed = zeroNulls(meta, objectMeta, ["metadata"], nulls.filter((p) => p.length > 1 && p[0] === "metadata").map((p) => p.slice(1)));
  }
  for (const z of zeroed) {
    const written = JSON.stringify(z.zero);
    const rule = raw.kind === "NetworkPolicy" && z.path.length === 3 && z.path[0] === "spec" && (z.path[1] === "ingress" || z.path[1] === "egress")
      ? `: a rule with no peers and no ports, which allows all ${z.path[1]} traffic` : "";
    diags.add({
      severity: "warning", code: "null-value", ref: raw.ref, field: z.path,
      message: `null is read as ${written}${rule}, as the API server reads it (encoding/json leaves the zero value of a list item or map value); write ${written} to mean it, or remove it`
        + (typeof z.path[z.path.length - 1] === "string" ? " (kubectl apply to an existing object deletes the key instead: a null in a merge patch removes it)" : ""),
    });
  }
}

/** kubectl get -o yaml dumps and live reads: the server stored the object. */
export function serverAccepted(obj: Record<string, unknown>): boolean {
  const md = obj.metadata as Record<string, unknown> | undefined;
  return (md !== null && typeof md === "object" && (md.uid !== undefined || md.resourceVersion !== undefined)) || obj.status !== undefined;
}

interface Described { severity: "error" | "warning" | "info"; code: string; message: string; path: Path }

function describe(e: ErrorObject, data: unknown, schema: KindSchema, accepted: boolean): Described {
  const path = toPath(e.instancePath);
  const value = valueAt(data, path);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties": {
      const field = String(p.additionalProperty);
      const known = Object.keys((e.parentSchema?.properties ?? {}) as object);
      const full = [...path, field];
      if (accepted) return { severity: "info", code: "unknown-field", path: full, message: `unknown field ${JSON.stringify(field)}: not in the vendored schema (${schema.source.description}); the server accepted this object, so the field may be newer: ignored` };
      if (path.length === 0 && field.startsWith("_")) return { severity: "warning", code: "comment-field", path: full, message: `unknown field ${JSON.stringify(field)}, read as a comment (no Kubernetes field starts with "_"); kubectl apply refuses it (strict field validation)` };
      const near = closest(field, known);
      return { severity: "error", code: "unknown-field", path: full, message: `unknown field ${JSON.stringify(field)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}` };
    }
    case "required": {
      const field = String(p.missingProperty);
      const near = value && typeof value === "object" ? Object.keys(value).find((k) => k !== field && k.toLowerCase() === field.toLowerCase()) : undefined;
      return { severity: "error", code: "required", path: [...path, field], message: `required field is missing${near ? ` (found ${JSON.stringify(near)}: field names are case-sensitive)` : ""}` };
    }
    case "type": return { severity: "error", code: "type", path, message: `must be ${typeName(p.type)}, not ${describeValue(value)}` };
    case "oneOf": case "anyOf": {
      const types = branchTypes(e.schema);
      if (types) return { severity: "error", code: "type", path, message: `must be ${typeName(types)}, not ${describeValue(value)}` };
      const fields = branchFields(e.schema);
      if (fields) return { severity: "error", code: e.keyword, path, message: `${e.keyword === "oneOf" ? "needs exactly one" : "needs at least one"} of the fields ${fields.join(", ")}` };
      return { severity: "error", code: e.keyword, path, message: e.message ?? "" };
    }
    case "enum": return { severity: "error", code: "enum", path, message: `${JSON.stringify(value)} is not one of ${(p.allowedValues as unknown[]).map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ")}` };
    case "k8sRules": return { severity: "error", code: "rule", path: [...path, ...toPath(String(p.fieldPath ?? "").replace(/^\./, "/").replace(/\./g, "/"))], message: e.message ?? "" };
    case "k8sList": return { severity: "error", code: "duplicate", path: [...path, p.index as number], message: e.message ?? "" };
    case "format": return { severity: "error", code: "format", path, message: p.format === "quantity" ? `${JSON.stringify(value)} is not a valid quantity: ${quantityError(String(value))} (the API server's resource.ParseQuantity refuses the object)` : `${JSON.stringify(value)} is not a valid ${String(p.format)}` };
    case "pattern": return { severity: "error", code: "pattern", path, message: `${JSON.stringify(value)} does not match the pattern ${String(p.pattern)}` };
    default: return { severity: "error", code: e.keyword, path, message: bound(e, value) };
  }
}

/** minLength/maxLength/minimum/maximum/minItems/..., worded as the front ends word them (fields.ts). */
function bound(e: ErrorObject, value: unknown): string {
  const limit = (e.params as { limit?: number }).limit;
  const plural = (n: number | undefined, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  switch (e.keyword) {
    case "maxItems": return `has ${(value as unknown[]).length} items; at most ${limit} are allowed`;
    case "minItems": return `must have at least ${plural(limit, "item")}`;
    case "maxLength": return `must be at most ${plural(limit, "character")} long`;
    case "minLength": return `must be at least ${plural(limit, "character")} long`;
    case "maxProperties": return `must have at most ${plural(limit, "field")}`;
    case "minProperties": return `must have at least ${plural(limit, "field")}`;
    case "maximum": return `${String(value)} is above the maximum ${limit}`;
    case "minimum": return `${String(value)} is below the minimum ${limit}`;
    case "exclusiveMaximum": return limit === 2 ** 63 ? `${exact(value)} is above the maximum 9223372036854775807 of an int64` : `${String(value)} must be below ${limit}`;
    case "exclusiveMinimum": return `${String(value)} must be above ${limit}`;
    default: return e.message ?? `fails ${e.keyword}`;
  }
}

/** A number as an integer's digits when it is one beyond 2^53 (String() writes 2^63 as 9223372036854776000). */
function exact(v: unknown): string {
  return typeof v === "number" && Number.isInteger(v) && Math.abs(v) >= 2 ** 53 ? BigInt(v).toString() : String(v);
}

/**
 * The API server evaluates no CEL rule (x-kubernetes-validations) of a custom resource whose schema
 * validation found a type error, a value outside an enum, a missing required field, or a string,
 * list or map over its maximum size (apiextensions-apiserver customResourceStrategy.Validate:
 * hasBlockingErr, TypeInvalid, NotSupported, Required, TooLong, TooMany: "some validation rules were
 * not checked because the object was invalid"): a rule over a value of the wrong type fails to
 * evaluate ("no matching overload"), which hides the type error. Those rule errors are dropped then.
 */
const BLOCKING = new Set(["type", "enum", "required", "maxLength", "maxItems", "maxProperties"]);
function unblocked(errors: ErrorObject[]): ErrorObject[] {
  return errors.some((e) => BLOCKING.has(e.keyword)) ? errors.filter((e) => e.keyword !== "k8sRules") : errors;
}

/** oneOf/anyOf branch failures repeat what their own errors say; the summary is enough. */
function relevant(errors: ErrorObject[]): ErrorObject[] {
  const inBranch = (e: ErrorObject) => /\/(oneOf|anyOf|not)\/\d+\//.test(e.schemaPath) || /\/(anyOf|oneOf|not)\//.test(e.schemaPath);
  const out = errors.filter((e) => !inBranch(e) || e.keyword === "k8sRules");
  return out.length ? out : errors;
}

/** The fields of a oneOf/anyOf whose branches each only require one field (Cilium: endpointSelector or nodeSelector). */
function branchFields(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches)) return undefined;
  const one = (b: { required?: unknown }) => Array.isArray(b?.required) && b.required.length === 1 ? String(b.required[0]) : undefined;
  const fields = branches.map(one);
  return fields.every((f) => f !== undefined) ? fields as string[] : undefined;
}

/** The types of a oneOf/anyOf whose branches are bare types (Quantity: string or number). */
function branchTypes(branches: unknown): string | undefined {
  if (!Array.isArray(branches) || !branches.every((b) => b && typeof b.type === "string" && Object.keys(b).length === 1)) return undefined;
  return branches.map((b) => b.type).join(",");
}

function typeName(t: unknown): string {
  const names: Record<string, string> = { object: "an object", array: "a list", string: "a string", integer: "an integer", number: "a number", boolean: "true or false" };
  return String(t).split(",").map((x) => names[x] ?? x).join(" or ");
}

function toPath(pointer: string): Path {
  if (!pointer) return [];
  return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~")).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/**
 * A null field is an absent one (Go's decoder leaves the zero value; CRD pruning drops it): the value
 * without its null fields (`nulls`: where `v` holds a null, zero.ts nullPlaces). Only the objects and
 * lists above a null field are copied; the rest is shared with `v` (validation reads the value and
 * never changes it: defaults.ts copies what it defaults). A dump as `kubectl get -o json` writes it
 * has a `"creationTimestamp": null` in every pod template: copying each such object whole made the
 * check-ahead worker fall behind (docs/performance.md, twentieth stop).
 */
export function withoutNulls<T>(v: T, nulls: readonly Path[] = nullPlaces(v)): T {
  const copies = new Map<object, Record<string | number, unknown>>();
  // (An object's copy is made without any of its null fields at once: every one is in `nulls`. Not a
  // spread and then `delete`, which leaves the copy in V8's slow dictionary mode for ajv to read.)
  const copy = (o: object): Record<string | number, unknown> => {
    let c = copies.get(o);
    if (!c) { c = (Array.isArray(o) ? o.slice() : withoutNullFields(o as Record<string, unknown>)) as Record<string | number, unknown>; copies.set(o, c); }
    return c;
  };
  let top: unknown = v;
  for (const place of nulls) {
    // (A null list item stays: it is no field. One zeroed since is no longer null.)
    let parent = v as Record<string | number, unknown>;
    for (let j = 0; j < place.length - 1; j++) parent = parent[place[j]] as Record<string | number, unknown>;
    const k = place[place.length - 1];
    if (Array.isArray(parent) || parent[k] !== null) continue;
    // Each object and list above it is copied (once), and each copy put in its parent's copy.
    let o = v as Record<string | number, unknown>, c = copy(o);
    top = c;
    for (let j = 0; j < place.length - 1; j++) {
      const child = o[place[j]] as Record<string | number, unknown>, cc = copy(child);
      c[place[j]] = cc;
      o = child; c = cc;
    }
  }
  return top as T;
}

/** A copy of `o` without its null fields (a field named __proto__ kept as a field: JSON.parse and kubeyaml.ts keep it so, and validation refuses it as unknown). */
function withoutNullFields(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const x = o[k];
    if (x === null) continue;
    if (k === "__proto__") Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out;
}
