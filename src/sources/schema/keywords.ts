// The ajv instance that validates Kubernetes objects: the custom keywords for CEL rules
// (x-kubernetes-validations) and list types (x-kubernetes-list-type map/set), and the formats the
// API server checks.

import { createRequire } from "node:module";
import type { Ajv, AnySchemaObject, ErrorObject, Format } from "ajv";
import { parseGoCidr } from "../../model/ip.js";
import { compileRule, type CelSchema } from "./cel.js";
import { compileRegex, RegexLimitError } from "../../model/regex.js";
import { quantityError } from "./quantity.js";

// ajv and ajv-formats (CommonJS) are loaded on first use: a process that validates nothing itself,
// e.g. one whose check-ahead worker validates every file (checkahead.ts), does not pay for them.
const require = createRequire(import.meta.url);
type AjvLib = typeof import("ajv");
const ajvLib = () => require("ajv") as AjvLib;
const addFormats = (ajv: Ajv, formats: string[]) => (require("ajv-formats") as (ajv: Ajv, formats: string[]) => Ajv)(ajv, formats);
const fullFormat = (name: string) => (require("ajv-formats/dist/formats.js") as { fullFormats: Record<string, Format> }).fullFormats[name];

interface Rule { rule: string; message?: string; messageExpression?: string; fieldPath?: string; reason?: string }

const STANDARD_FORMATS = ["date-time", "date", "ipv4", "ipv6", "hostname", "uuid", "uri", "email", "byte"];

/** Every format the API server checks, by name: ajv-formats' (read when first used) and Kubernetes' own. */
export const k8sFormats: Record<string, Format> = {
  duration: isDuration,
  // kube-openapi strfmt "cidr": govalidator.IsCIDR, Go's net.ParseCIDR.
  cidr: (s: string) => parseGoCidr(s, "net") !== undefined,
  mac: /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/,
  // resource.Quantity (structural.ts sets it on built-in kinds' quantities).
  quantity: (s: string) => quantityError(s) === undefined,
};
for (const f of STANDARD_FORMATS) Object.defineProperty(k8sFormats, f, { enumerable: true, get: () => fullFormat(f) });

/**
 * With `standalone`, the instance also records code for everything it compiles, so that
 * scripts/schemas/precompile.mjs can write the validators as a module (ajv's standalone code): it
 * refers to k8sFormats, re2Pattern and k8sKeywords, which that module imports from here.
 */
export function createAjv(options: { standalone?: boolean } = {}): Ajv {
  const { Ajv, _ } = ajvLib();
  const code = options.standalone ? { source: true, formats: _`k8sFormats`, regExp: re2Pattern } : { regExp: re2Pattern };
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateSchema: false, addUsedSchema: false, code });
  addFormats(ajv, STANDARD_FORMATS);
  for (const f of ["duration", "cidr", "mac", "quantity"]) ajv.addFormat(f, k8sFormats[f]);
  ajv.addKeyword({ keyword: "k8sRules", errors: true, compile: (rules: Rule[], parent: AnySchemaObject) => k8sKeywords.rules(rules, celShape(parent)) });
  ajv.addKeyword({ keyword: "k8sList", errors: true, compile: (spec: ListSpec) => k8sKeywords.list(spec) });
  return ajv;
}

/**
 * The keywords' validation functions, made from JSON data alone: each carries `code` that makes it
 * again in a precompiled module (ajv cannot serialise a compiled function; precompile.mjs gives its
 * scope value this code).
 */
export const k8sKeywords = {
  rules(rules: Rule[], shape: CelSchema | undefined): KeywordValidate {
    return withCode(compileRules(rules, shape), (_, stringify) => _`k8sKeywords.rules(${stringify(rules)}, ${stringify(shape ?? null)})`);
  },
  list(spec: ListSpec): KeywordValidate {
    return withCode(compileList(spec), (_, stringify) => _`k8sKeywords.list(${stringify(spec)})`);
  },
};

/**
 * A keyword function with its `code`, made when read (precompile.mjs reads it): a precompiled module
 * makes its keywords when it loads, and making the code there loaded ajv (45 ms of CPU) for nothing.
 */
function withCode(validate: KeywordValidate, code: (_: AjvLib["_"], stringify: AjvLib["stringify"]) => ReturnType<AjvLib["_"]>): KeywordValidate {
  return Object.defineProperty(validate, "code", { enumerable: true, get: () => { const { _, stringify } = ajvLib(); return code(_, stringify); } });
}

/** The part of a schema that CEL reads (compileRule: property names, map values, list items). */
function celShape(s: unknown): CelSchema | undefined {
  if (s === null || typeof s !== "object") return undefined;
  const o = s as Record<string, unknown>;
  const out: CelSchema = {};
  if (o.properties && typeof o.properties === "object") out.properties = Object.fromEntries(Object.entries(o.properties).map(([k, v]) => [k, celShape(v) ?? {}]));
  const add = celShape(o.additionalProperties);
  if (add) out.additionalProperties = add;
  const items = celShape(o.items);
  if (items) out.items = items;
  return out;
}

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/;
const UNITS = [["ns", "nano"], ["us", "\u00b5s", "micro"], ["ms", "milli"], ["s", "sec"], ["m", "min"], ["h", "hr", "hour"], ["d", "day"], ["w", "wk", "week"]];

/**
 * The API server's `duration` format (k8s.io/kube-openapi strfmt.ParseDuration): Go's
 * time.ParseDuration ("1h30m", "10s", "0"), or any "<integer> <unit>" groups with the units' long
 * names ("3 days"); not ISO 8601 ("PT10S") as in JSON Schema.
 */
export function isDuration(s: string): boolean {
  if (s === "0" || GO_DURATION.test(s)) return true;
  for (const m of s.matchAll(/(\d+)\s*([A-Za-z\u00b5]+)/g)) {
    const unit = m[2].toLowerCase();
    if (UNITS.some((v) => v.some((x, i) => unit === x.toLowerCase() || (i === v.length - 1 && unit.startsWith(x))))) return true;
  }
  return false;
}

/**
 * `pattern` as the API server reads it: Go's regexp (RE2), a match anywhere in the value, in time
 * linear in the value (re2js, through src/model/regex.ts). A value too long to match within
 * Junction's budget does not match.
 */
function re2Pattern(pattern: string): { test: (s: string) => boolean; toString: () => string } {
  // Compiled on first use: a precompiled module makes every pattern of every schema when it loads.
  let r: ReturnType<typeof compileRegex> | undefined;
  return {
    // ajv shares one compiled pattern per distinct toString().
    toString: () => `re2:${pattern}`,
    test: (s) => {
      r ??= compileRegex(pattern, { dialect: "re2", anchor: "search" });
      if (!r.ok) throw new Error(`schema pattern ${JSON.stringify(pattern)} is not RE2: ${r.error}`);
      try { return r.regex.test(s); } catch (e) { if (e instanceof RegexLimitError) return false; throw e; }
    },
  };
}
re2Pattern.code = "re2Pattern";
export { re2Pattern };

type KeywordValidate = ((data: unknown) => boolean) & { errors?: Partial<ErrorObject>[] };
interface ListSpec { type: "map" | "set"; keys: string[] }

function compileRules(rules: Rule[], shape: CelSchema | undefined): KeywordValidate {
  // Transition rules (oldSelf) apply to updates only; Junction sees each object as a create.
  // Compiled on first use: a precompiled module makes every keyword function when it loads.
  let programs: { r: Rule; run: ReturnType<typeof compileRule> }[] | undefined;
  const validate: KeywordValidate = (data) => {
    programs ??= rules.filter((r) => !/\boldSelf\b/.test(r.rule)).map((r) => ({ r, run: compileRule(r.rule, shape) }));
    const errors: Partial<ErrorObject>[] = [];
    for (const { r, run } of programs) {
      const res = run(data);
      if (res.ok) continue;
      const message = res.error ? `rule ${JSON.stringify(r.rule)} could not be evaluated: ${res.error}` : r.message ?? `failed rule: ${r.rule}`;
      errors.push({ keyword: "k8sRules", message, params: { fieldPath: r.fieldPath, rule: r.rule } });
    }
    validate.errors = errors;
    return errors.length === 0;
  };
  return validate;
}

function compileList(spec: ListSpec): KeywordValidate {
  const keyOf = spec.type === "set" ? (x: unknown) => JSON.stringify(x)
    : (x: unknown) => JSON.stringify(spec.keys.map((k) => (x as Record<string, unknown> | null)?.[k]));
  const validate: KeywordValidate = (data) => {
    if (!Array.isArray(data)) return true;
    const seen = new Set<string>();
    const errors: Partial<ErrorObject>[] = [];
    data.forEach((x, i) => {
      const key = keyOf(x);
      if (seen.has(key)) errors.push({ keyword: "k8sList", message: duplicateMessage(spec, x), params: { index: i } });
      seen.add(key);
    });
    validate.errors = errors;
    return errors.length === 0;
  };
  return validate;
}

/** The API server's wording: `Duplicate value: {"name":"http"}`. */
function duplicateMessage(spec: { type: "map" | "set"; keys: string[] }, x: unknown): string {
  if (spec.type === "set") return `Duplicate value: ${JSON.stringify(x)}`;
  const keys = Object.fromEntries(spec.keys.map((k) => [k, (x as Record<string, unknown> | null)?.[k]]));
  return `Duplicate value: ${JSON.stringify(keys)}`;
}
