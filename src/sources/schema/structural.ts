// Turns a Kubernetes structural schema (CRD openAPIV3Schema, or the built-in kinds' OpenAPI
// definitions) into the JSON Schema that ajv compiles, with the API server's decoding rules made
// explicit:
// - strict field validation: an object's fields are closed (additionalProperties: false) unless
//   the schema has additionalProperties or x-kubernetes-preserve-unknown-fields;
// - x-kubernetes-int-or-string: an integer or a string;
// - OpenAPI v3.0's boolean exclusiveMinimum/exclusiveMaximum become draft-07 numbers;
// - x-kubernetes-validations (CEL) and x-kubernetes-list-type map/set become the custom keywords
//   k8sRules and k8sList (see keywords.ts); formats the API server does not check are dropped.

export type Structural = Record<string, unknown>;

/** Formats the API server checks (k8s.io/kube-openapi strfmt) that Junction checks too. */
export const CHECKED_FORMATS = new Set(["byte", "date-time", "date", "ipv4", "ipv6", "cidr", "hostname", "uuid", "mac", "duration", "uri", "email"]);

const COPIED = ["enum", "pattern", "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "uniqueItems", "multipleOf", "required", "$ref"] as const;

export interface ToAjvOptions {
  /** The schema of ObjectMeta, for `metadata` at an object's root and in embedded resources. */
  objectMeta?: Structural;
  /**
   * Built-in kinds: the API server decodes them into Go structs, so an int32 or int64 field (and an
   * int-or-string's number, an int32) holds only that type's range: encoding/json fails with
   * "cannot unmarshal number ... of type int32". (A CRD's integers are int64 or float64 in its
   * unstructured object whatever their format, so CRD schemas get no such bound.)
   */
  typed?: boolean;
}

/**
 * Each Go integer type's range, as [minimum, maximum] inclusive. An int64's maximum, 2^63 - 1, is no
 * double: the readers keep int64 texts below 2^63 (kubeyaml.ts int64Number, strictjson.ts
 * int64Exact), so it is bounded as below 2^63 (exclusiveMaximum), which refuses 2^63 written as
 * 9223372036854775808 (the double 2^63 - 1 would have let it pass).
 */
const GO_INT: Record<string, readonly [number, number | { below: number }]> = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), { below: 2 ** 63 }] };

export function toAjv(s: Structural, opts: ToAjvOptions = {}): Structural {
  const out: Structural = {};
  if (s["x-kubernetes-int-or-string"] === true) out.type = ["integer", "string"];
  else if (typeof s.type === "string") out.type = s.type;
  for (const k of COPIED) if (s[k] !== undefined) out[k] = s[k];
  if (typeof s.format === "string" && CHECKED_FORMATS.has(s.format)) out.format = s.format;
  // resource.Quantity (a built-in kind's oneOf string or number): the Go decoder parses the string
  // (Quantity.UnmarshalJSON, ParseQuantity) and fails on what it cannot read. (A CRD's quantities
  // carry their own pattern.) ajv checks a format on strings only.
  if (opts.typed && isQuantity(s)) out.format = "quantity";
  bounds(s, out);
  if (opts.typed) goRange(s["x-kubernetes-int-or-string"] === true ? "int32" : s.type === "integer" ? s.format : undefined, out);
  const embedded = s["x-kubernetes-embedded-resource"] === true;
  if (isObject(s.properties)) out.properties = mapValues(s.properties, (p) => toAjv(p, opts));
  if (embedded) embed(out, opts);
  if (isObject(s.additionalProperties)) out.additionalProperties = toAjv(s.additionalProperties, opts);
  else if (typeof s.additionalProperties === "boolean") out.additionalProperties = s.additionalProperties;
  else if (s.type === "object" && s["x-kubernetes-preserve-unknown-fields"] !== true) out.additionalProperties = false;
  if (isObject(s.items)) out.items = toAjv(s.items, opts);
  for (const k of ["allOf", "anyOf", "oneOf"] as const) if (Array.isArray(s[k])) out[k] = (s[k] as Structural[]).map((x) => toAjv(x, opts));
  if (isObject(s.not)) out.not = toAjv(s.not, opts);
  if (Array.isArray(s["x-kubernetes-validations"]) && s["x-kubernetes-validations"].length) out.k8sRules = s["x-kubernetes-validations"];
  const listType = s["x-kubernetes-list-type"];
  if (listType === "map" || listType === "set") out.k8sList = { type: listType, keys: s["x-kubernetes-list-map-keys"] ?? [] };
  return out;
}

/** The schema the Kubernetes OpenAPI gives resource.Quantity: oneOf a string or a number (OpenAPIV3OneOfTypes). */
function isQuantity(s: Structural): boolean {
  const branches = s.oneOf;
  return Array.isArray(branches) && branches.length === 2 && branches.every((b) => isObject(b) && Object.keys(b).length === 1) &&
    (branches[0] as Structural).type === "string" && (branches[1] as Structural).type === "number";
}

/**
 * A CRD version's schema: the root `metadata` is ObjectMeta, whatever the CRD adds to it, and
 * `apiVersion` and `kind` are always allowed (the API server never prunes them; hand-written CRDs
 * such as Linkerd's leave them out of the schema).
 */
export function crdRoot(schema: Structural, opts: ToAjvOptions): Structural {
  const out = toAjv(schema, opts);
  const props = (out.properties ?? {}) as Record<string, Structural>;
  props.apiVersion ??= { type: "string" };
  props.kind ??= { type: "string" };
  const md = isObject(schema.properties) ? (schema.properties as Record<string, Structural>).metadata : undefined;
  if (opts.objectMeta) {
    const extra = md ? { ...toAjv(md, opts), type: undefined, additionalProperties: undefined } : {};
    props.metadata = { allOf: [opts.objectMeta, dropUndefined(extra)] };
  }
  out.properties = props;
  return out;
}

/** x-kubernetes-embedded-resource: apiVersion, kind and metadata are implied. */
function embed(out: Structural, opts: ToAjvOptions): void {
  const props = (out.properties ?? {}) as Record<string, Structural>;
  props.apiVersion ??= { type: "string" };
  props.kind ??= { type: "string" };
  if (opts.objectMeta) props.metadata = opts.objectMeta;
  out.properties = props;
}

/** The range of the Go integer type a typed field decodes into, unless the schema bounds it already. */
function goRange(format: unknown, out: Structural): void {
  const range = typeof format === "string" ? GO_INT[format] : undefined;
  if (!range) return;
  if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = range[0];
  if (out.maximum === undefined && out.exclusiveMaximum === undefined) {
    const max = range[1];
    if (typeof max === "number") out.maximum = max;
    else out.exclusiveMaximum = max.below;
  }
}

function bounds(s: Structural, out: Structural): void {
  for (const [inclusive, exclusive] of [["minimum", "exclusiveMinimum"], ["maximum", "exclusiveMaximum"]] as const) {
    if (typeof s[inclusive] !== "number") continue;
    if (s[exclusive] === true) out[exclusive] = s[inclusive];
    else out[inclusive] = s[inclusive];
  }
}

function mapValues(o: object, f: (v: Structural) => Structural): Record<string, Structural> {
  const out: Record<string, Structural> = {};
  for (const [k, v] of Object.entries(o)) out[k] = f(v as Structural);
  return out;
}

function dropUndefined(o: Structural): Structural {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
