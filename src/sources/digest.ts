// What a load makes of one file before its in-order pass (load.ts): the file's objects, those of
// the core kinds (Pods, Services, controllers) already lowered into what they add to the model. A load worker (load-worker.ts) digests files on the
// second core and sends each digest as one compact JSON text; the main thread digests the files the
// worker has not reached. Either way the in-order pass gives the same inventory and diagnostics as
// reading each object there: only what is exactly reproducible is carried over (see encodeDigest).

import type { Endpoint, Service } from "../model/endpoint.js";
import { Diagnostics, type Diagnostic, type Path, type SourceRef } from "../model/source.js";
import { InventoryBuilder, type TemplatePod } from "./builder.js";
import { splitObjects, type RawObject } from "./documents.js";
import { intern } from "./intern.js";
import { identity, lower, noteKey } from "./lowering.js";
import type { InputFile } from "./read.js";

/**
 * An object lowered ahead of the in-order pass: what its front end did to the builder, in order,
 * and the keys the pass records for it (identity() and noteKey()).
 */
export interface Lowered {
  effects: Effect[];
  key: string | undefined;
  note: string | undefined;
}

/** One call of a core front end on the builder (core.ts). */
export type Effect =
  | { op: "endpoint"; value: Omit<Endpoint, "id"> }
  | { op: "template"; value: TemplatePod }
  | { op: "namespace"; value: string; ref: SourceRef | undefined }
  | { op: "service"; value: Service };

export type Entry = RawObject | Lowered;

export interface Digest {
  /** The diagnostics of reading the file (splitObjects), in order. */
  diags: Diagnostic[];
  entries: Entry[];
}

export const isLowered = (e: Entry): e is Lowered => (e as Lowered).effects !== undefined;

/** The kinds lowered ahead: the core kinds whose front ends only add to the builder (core.ts). */
const AHEAD = new Set(["Pod", "Service", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"]);

/** Splits a file into objects and lowers those of the core kinds that lower without a diagnostic. */
export function digestFile(file: InputFile): Digest {
  const split = new Diagnostics();
  const raws = splitObjects(file, split);
  const b = new RecordingBuilder(new Diagnostics());
  const entries: Entry[] = raws.map((raw) => lowerAhead(raw, b) ?? raw);
  return { diags: split.items, entries };
}

/** Replays a lowered object's effects on the load's builder, as its front end would have made them. */
export function replay(e: Lowered, b: InventoryBuilder): void {
  if (e.note !== undefined) b.inv.routing.objectKeys.add(e.note);
  for (const f of e.effects) {
    if (f.op === "endpoint") b.addEndpoint(f.value);
    else if (f.op === "template") b.addTemplate(f.value);
    else if (f.op === "namespace") b.useNamespace(f.value, f.ref);
    else b.inv.services.push(f.value);
  }
}

/** A builder that records what a front end does instead of doing it. */
class RecordingBuilder extends InventoryBuilder {
  effects: Effect[] = [];
  ref?: SourceRef;
  /** Something was done that is not an effect (the object is then lowered in order). */
  other = false;
  override addEndpoint(e: Omit<Endpoint, "id">): Endpoint { this.effects.push({ op: "endpoint", value: e }); return e as Endpoint; }
  override addTemplate(t: TemplatePod): void { this.effects.push({ op: "template", value: t }); }
  override useNamespace(name: string, ref?: SourceRef): void {
    if (ref !== this.ref) this.other = true;
    this.effects.push({ op: "namespace", value: name, ref });
  }
  override countUnknown(): void { this.other = true; }
  override defer(): void { this.other = true; }
}

/**
 * An object of a core kind as the in-order pass would lower it: its front end only adds to the
 * builder, so lowering it earlier and elsewhere and replaying what it added changes nothing.
 * Undefined for other kinds and for an object with a diagnostic (it is lowered again in order).
 */
function lowerAhead(raw: RawObject, b: RecordingBuilder): Lowered | undefined {
  if (!AHEAD.has(raw.kind)) return undefined;
  b.effects = [];
  b.ref = raw.ref;
  b.other = false;
  const inv = b.inv, before = inv.services.length;
  lower(raw, b, b.diags);
  if (inv.services.length > before) b.effects.push({ op: "service", value: inv.services.pop()! });
  const clean = !b.diags.items.length && !b.other && inv.services.length === before && inv.endpoints.length === 0 && inv.controllers.length === 0 && inv.namespaces.size === 0;
  b.diags.items.length = 0;
  inv.routing.objectKeys.clear();
  return clean ? { effects: b.effects, key: identity(raw), note: noteKey(raw) } : undefined;
}

// ---- The compact form a worker sends: one JSON text per file. ----
// An object as parsed, when JSON gives it back exactly (no -0, NaN, Infinity or non-plain value);
// a lowered object's effects with undefined, bigint and the object's SourceRef tagged. What cannot
// be carried exactly leaves the whole file to the main thread.

/** Tags: a string starting with NUL (never in what a front end makes from a manifest: checked). */
const TAG = "\u0000", UNDEFINED = "\u0000u", REF = "\u0000r", BIGINT = "\u0000b";

class Inexact extends Error {}

/** The digest as one JSON text, or undefined when it cannot be carried exactly. Consumes `d` (its effects are tagged in place). */
export function encodeDigest(d: Digest): string | undefined {
  if (d.diags.length || d.entries.some((e) => !isLowered(e) && !jsonExact(e.obj))) return undefined;
  const out: string[] = [];
  try {
    for (const e of d.entries) {
      if (isLowered(e)) out.push(encodeLowered(e));
      else out.push(JSON.stringify([0, e.ref.doc, e.ref.path, e.apiVersion, e.kind, e.nullFree ? 1 : 0, e.obj]));
    }
  } catch (err) {
    if (err instanceof Inexact) return undefined;
    throw err;
  }
  return `[${out.join(",")}]`;
}

function encodeLowered(e: Lowered): string {
  const ref = (e.effects.length ? refOf(e.effects) : undefined) as SourceRef | undefined;
  // The effects are the worker's own (made for this digest): tagged in place, then written natively.
  const effects = e.effects.map((f) => [f.op, tagged(f.value, ref, new Set())]);
  return `[1,${JSON.stringify(ref ? [ref.doc, ref.path] : null)},${JSON.stringify(e.key ?? null)},${JSON.stringify(e.note ?? null)},${JSON.stringify(effects)}]`;
}

/** `v` with undefined, bigints and `ref` replaced by tags (in place); throws Inexact for what JSON cannot carry. */
function tagged(v: unknown, ref: SourceRef | undefined, seen: Set<object>): unknown {
  if (v === undefined) return UNDEFINED;
  if (v === ref) return REF;
  switch (typeof v) {
    case "string": if (v.charCodeAt(0) === 0) throw new Inexact(); return v;
    case "bigint": return BIGINT + v.toString(16);
    case "number": if (!Number.isFinite(v) || Object.is(v, -0)) throw new Inexact(); return v;
    case "boolean": return v;
    case "object": {
      if (v === null) return v;
      // A value shared within the effects would come back as two.
      if (seen.has(v)) throw new Inexact();
      seen.add(v);
      if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) v[i] = tagged(v[i], ref, seen); return v; }
      if (Object.getPrototypeOf(v) !== Object.prototype) throw new Inexact();
      const o = v as Record<string, unknown>;
      for (const k in o) { if (k === "__proto__") throw new Inexact(); const x = o[k]; if (x === undefined || typeof x === "object" || typeof x === "bigint" || x === ref || typeof x === "string" && x.charCodeAt(0) === 0 || typeof x === "number") o[k] = tagged(x, ref, seen); }
      return o;
    }
    default: throw new Inexact();
  }
}

/** The SourceRef of an object's effects (their src), checked to be the only one. */
function refOf(effects: Effect[]): SourceRef {
  const f = effects.find((x) => x.op !== "namespace")!;
  const src = f.op === "template" ? f.value.controller.src : (f.value as { src?: SourceRef }).src;
  if (!src || Object.keys(src).join(",") !== "file,doc,path") throw new Inexact();
  return src;
}

/** Whether JSON.stringify then JSON.parse gives `v` back exactly. */
function jsonExact(v: unknown): boolean {
  if (typeof v === "string" || typeof v === "boolean" || v === null) return true;
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) { for (const x of v) if (!jsonExact(x)) return false; return true; }
  if (typeof v !== "object" || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const k in v) if (k === "__proto__" || !jsonExact((v as Record<string, unknown>)[k])) return false;
  return true;
}

/** A worker's digest of `file` back as entries, strings interned in this load. */
export function decodeDigest(text: string, file: InputFile): Digest {
  const records = JSON.parse(text) as unknown[][];
  const entries: Entry[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r[0] === 0) entries[i] = { apiVersion: r[3] as string, kind: r[4] as string, obj: r[6] as Record<string, unknown>, ref: { file: file.name, doc: r[1] as number, path: r[2] as Path }, nullFree: r[5] === 1 };
    else entries[i] = loweredEntry(r, file);
  }
  return { diags: [], entries };
}

function loweredEntry(r: unknown[], file: InputFile): Lowered {
  const at = r[1] as [number, Path] | null;
  const ref: SourceRef | undefined = at ? { file: file.name, doc: at[0], path: at[1] } : undefined;
  const effects = (r[4] as [Effect["op"], unknown][]).map(([op, value]) => (op === "namespace" ? { op, value, ref } : { op, value: revive(value, "", ref) }) as Effect);
  return { effects, key: (r[2] ?? undefined) as string | undefined, note: (r[3] ?? undefined) as string | undefined };
}

/** Keys whose strings the front ends intern (and maps whose values they intern: labels, selectors). */
const INTERNED = new Set(["namespace", "nodeName", "serviceAccount"]);
const INTERNED_MAPS = new Set(["labels", "selector"]);

/** A value with its tags restored and the strings the front ends intern interned. */
function revive(v: unknown, key: string, ref: SourceRef | undefined): unknown {
  if (typeof v === "string") {
    if (v.charCodeAt(0) === 0) return v === UNDEFINED ? undefined : v === REF ? ref : BigInt(`0x${v.slice(BIGINT.length)}`);
    return INTERNED.has(key) ? intern(v) : v;
  }
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) v[i] = revive(v[i], "", ref); return v; }
  const o = v as Record<string, unknown>;
  if (INTERNED_MAPS.has(key)) { for (const k in o) { const x = o[k]; o[k] = typeof x === "string" ? intern(x) : revive(x, k, ref); } return o; }
  for (const k in o) o[k] = revive(o[k], k, ref);
  if ((key === "owner" || key === "parent") && typeof o.name === "string") o.name = intern(o.name);
  return o;
}
