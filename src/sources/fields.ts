// A small typed reader over one object's fields. Every read that fails records a diagnostic with
// the field's path and returns undefined, so validation collects every error and continues.

import type { Diagnostics, Path, SourceRef } from "../model/source.js";

export class ObjectContext {
  constructor(readonly ref: SourceRef, readonly diags: Diagnostics, readonly kind: string, readonly root: unknown = undefined) {}
  /** The object holding the field at `path`, if it is one. */
  parentOf(path: Path): Record<string, unknown> | undefined {
    let v: unknown = this.root;
    for (const k of path.slice(0, -1)) v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined;
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  }
  /** The same context without the object (reports only: what a step deferred to the end of the load keeps). */
  detached(): ObjectContext { return this.root === undefined ? this : new ObjectContext(this.ref, this.diags, this.kind); }
  error(path: Path, code: string, message: string): void { this.diags.error(code, message, this.ref, path); }
  warn(path: Path, code: string, message: string): void { this.diags.warn(code, message, this.ref, path); }
  info(path: Path, code: string, message: string): void { this.diags.info(code, message, this.ref, path); }
}

const ROOT_PATH: Path = Object.freeze([]);

/** No fields (a value that is no object has none to read: what Field.raw gives for every key of it). */
const NO_PROPS: Readonly<Record<string, unknown>> = Object.freeze(Object.create(null) as Record<string, unknown>);

/**
 * A value's fields to read by name: the value when it is an object (not a list), else an object with
 * none, so that `props(f.value).x` is `f.raw("x")`. A front end reads the fields it knows by name
 * through it on its hot path: each such read keeps its own inline cache (one or a few object shapes
 * at each site), where Field.raw's one keyed read serves every object and key of a load
 * (megamorphic: a lookup in V8's stub cache per read).
 */
export function props(v: unknown): Readonly<Record<string, unknown>> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : NO_PROPS;
}

/** `f.childString(key)`, given `v`, the value f.raw(key) gives (read by name: props). */
export function givenString(f: Field, key: string, v: unknown): string | undefined {
  return typeof v === "string" ? v : v === undefined || v === null ? undefined : f.childString(key);
}

/** `f.childBool(key)`, given `v`, the value f.raw(key) gives (read by name: props). */
export function givenBool(f: Field, key: string, v: unknown): boolean | undefined {
  return typeof v === "boolean" ? v : v === undefined || v === null ? undefined : f.childBool(key);
}

export interface NumberRule { required?: boolean; min?: number; max?: number }
export interface ListRule { required?: boolean; min?: number; max?: number }
export interface StringRule { required?: boolean; oneOf?: readonly string[]; nonEmpty?: boolean }

export class Field {
  private fullPath?: Path;
  /** A field read with get() knows its parent and key; its path is spelled out only when a diagnostic needs it. */
  private parent?: Field;
  private key?: string | number;

  constructor(readonly ctx: ObjectContext, readonly value: unknown, path?: Path) {
    this.fullPath = path;
  }

  /** An object's root field (its path is one frozen empty list for every object: paths are readonly). */
  static root(ctx: ObjectContext, obj: unknown): Field { return new Field(ctx, obj, ROOT_PATH); }

  get path(): Path {
    this.fullPath ??= this.parent ? [...this.parent.path, this.key!] : [];
    return this.fullPath;
  }

  /**
   * The same field for reports only (error, warn, info, and get() for a child's): its path and the
   * object's source, without its value, its parents or the object. A step deferred to the end of the
   * load keeps this, not the field: a field holds the object it was read from (through its context),
   * which would then live, and be copied by the collector, until the load ends.
   */
  detached(ctx = this.ctx.detached()): Field {
    return new Field(ctx, undefined, this.path);
  }

  get present(): boolean { return this.value !== undefined && this.value !== null; }

  /** The value of a child field, without making a Field (for reads that report nothing): what get(key).value gives. */
  raw(key: string | number): unknown {
    const v = this.value;
    return typeof key === "number" ? (Array.isArray(v) ? v[key] : undefined)
      : v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
  }

  get(key: string | number): Field {
    const f = new Field(this.ctx, this.raw(key));
    f.parent = this;
    f.key = key;
    return f;
  }

  // Reads of a child field that make the child's Field only when it has something to report: each
  // gives exactly what get(key).X(rule) gives, with the same diagnostics (a load reads millions of
  // fields, most of them present and valid, and a Field per read was the load's largest allocation).

  /** get(key).string(rule). */
  childString(key: string, rule?: StringRule): string | undefined {
    const v = this.raw(key);
    if (typeof v === "string") {
      if (rule === undefined || ((!rule.nonEmpty || v !== "") && (rule.oneOf === undefined || rule.oneOf.includes(v)))) return v;
    } else if ((v === undefined || v === null) && !rule?.required) return undefined;
    return this.get(key).string(rule);
  }

  /** get(key).int(rule). */
  childInt(key: string, rule?: NumberRule): number | undefined {
    const v = this.raw(key);
    if (typeof v === "number") {
      if (Number.isInteger(v) && (rule === undefined || ((rule.min === undefined || v >= rule.min) && (rule.max === undefined || v <= rule.max)))) return v;
    } else if ((v === undefined || v === null) && !rule?.required) return undefined;
    return this.get(key).int(rule);
  }

  /** get(key).bool(). */
  childBool(key: string): boolean | undefined {
    const v = this.raw(key);
    if (typeof v === "boolean") return v;
    if (v === undefined || v === null) return undefined;
    return this.get(key).bool();
  }

  /** get(key).list(rule). */
  childList(key: string, rule?: ListRule): Field[] | undefined {
    const v = this.raw(key);
    if ((v === undefined || v === null) && !rule?.required) return undefined;
    return this.get(key).list(rule);
  }

  error(code: string, message: string): undefined { this.ctx.error(this.path, code, message); return undefined; }
  warn(code: string, message: string): void { this.ctx.warn(this.path, code, message); }
  info(code: string, message: string): void { this.ctx.info(this.path, code, message); }

  missing(): undefined {
    const key = this.path[this.path.length - 1];
    const parent = this.ctx.parentOf(this.path);
    const near = typeof key === "string" && parent ? Object.keys(parent).find((k) => k !== key && k.toLowerCase() === key.toLowerCase()) : undefined;
    return this.error("required", `required field is missing${near ? ` (found ${JSON.stringify(near)}: field names are case-sensitive)` : ""}`);
  }

  /** The field as an object (maps only). */
  object(required = false): Record<string, unknown> | undefined {
    if (!this.present) return required ? this.missing() : undefined;
    if (typeof this.value !== "object" || Array.isArray(this.value)) return this.error("type", `must be an object, not ${describe(this.value)}`);
    return this.value as Record<string, unknown>;
  }

  /** The names of the object's fields that are set (not null). */
  keys(): string[] {
    const o = this.object();
    return o ? Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null) : [];
  }

  // (The rules are optional, not defaulted to {}: a default object is made on every call, and a
  // load reads millions of fields.)
  string(rule?: StringRule): string | undefined {
    if (!this.present) return rule?.required ? this.missing() : undefined;
    if (typeof this.value !== "string") return this.error("type", `must be a string, not ${describe(this.value)}`);
    if (rule?.nonEmpty && this.value === "") return this.error("empty", "must not be empty");
    if (rule?.oneOf && !rule.oneOf.includes(this.value)) {
      return this.error("enum", `${JSON.stringify(this.value)} is not one of ${rule.oneOf.join(", ")}`);
    }
    return this.value;
  }

  int(rule?: NumberRule): number | undefined {
    if (!this.present) return rule?.required ? this.missing() : undefined;
    if (typeof this.value !== "number" || !Number.isInteger(this.value)) return this.error("type", `must be an integer, not ${describe(this.value)}`);
    if (rule?.min !== undefined && this.value < rule.min) return this.error("range", `${this.value} is below the minimum ${rule.min}`);
    if (rule?.max !== undefined && this.value > rule.max) return this.error("range", `${this.value} is above the maximum ${rule.max}`);
    return this.value;
  }

  bool(): boolean | undefined {
    if (!this.present) return undefined;
    if (typeof this.value !== "boolean") return this.error("type", `must be true or false, not ${describe(this.value)}`);
    return this.value;
  }

  /**
   * Reports every field set that is not one of `names` (`unknown field "x" (WHAT has a, b)`), as the
   * API server's strict decoding does: a misspelt optional field would otherwise read as absent.
   * True when there was none.
   */
  onlyKeys(names: readonly string[], what: string): boolean {
    let ok = true;
    for (const k of this.keys()) {
      if (!names.includes(k)) { this.get(k).error("unknown-field", `unknown field ${JSON.stringify(k)} (${what} has ${names.join(", ")})`); ok = false; }
    }
    return ok;
  }

  /** The field as a list of element fields. */
  list(rule?: ListRule): Field[] | undefined {
    if (!this.present) return rule?.required ? this.missing() : undefined;
    if (!Array.isArray(this.value)) return this.error("type", `must be a list, not ${describe(this.value)}`);
    const n = this.value.length;
    if (rule?.min !== undefined && n < rule.min) return this.error("too-few", `must have at least ${rule.min} item${rule.min === 1 ? "" : "s"}`);
    if (rule?.max !== undefined && n > rule.max) return this.error("too-many", `has ${n} items; at most ${rule.max} are allowed`);
    // (A loop, not map: no closure made per list.)
    const out: Field[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.get(i);
    return out;
  }

  /** Exactly one of `names` must be set; returns it. */
  oneOf(names: readonly string[]): string | undefined {
    if (!this.object(true)) return undefined;
    const set = names.filter((n) => this.get(n).present);
    const unknown = this.keys().filter((k) => !names.includes(k));
    if (set.length === 1 && unknown.length === 0) return set[0];
    if (set.length > 1) return this.error("exclusive", `exactly one of ${names.join(", ")} may be set; found ${set.join(" and ")}`);
    if (unknown.length) return this.error("unknown-field", `unknown field ${unknown.map((k) => JSON.stringify(k)).join(", ")}; expected one of ${names.join(", ")}`);
    return this.error("required", `exactly one of ${names.join(", ")} must be set`);
  }
}

/**
 * A null map value or list item is not an absent one: encoding/json stores the element's zero value
 * (a label `app: null` is `app: ""` to the API server's typed decoding of built-in kinds, which
 * schema/zero.ts reads so before any front end, as it reads every object's `metadata`), and a CRD's
 * schema refuses it: the front ends of custom resources refuse it with this message.
 */
export const NULL_ELEMENT = 'null here is not an absent value: the API server reads it as "" in built-in kinds (encoding/json stores the zero value) and refuses it in custom resources; write "" or remove it';

/** A value as error messages name it: `the string "x"`, `a list`, `number 5`. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}
