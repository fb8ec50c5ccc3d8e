// The validation step between splitting objects and dispatching them to front ends: the schema of
// the object's group/version/kind (validate.ts), then the API server's rules that schemas do not
// carry (semantic.ts). Front ends still read the object (under --lenient, as other tools read it);
// their errors on a field the schema already reported are dropped, so each error is told once.

import type { Diagnostic, Diagnostics, Path } from "../../model/source.js";
import type { RawObject } from "../documents.js";
import { semanticRules } from "./semantic.js";
import { validateObject } from "./validate.js";

export interface Checked {
  /** After the front end: drops its errors on fields that already have one, and puts the object's diagnostics in document order. */
  finish(): void;
}

const NOTHING_TO_FINISH: Checked = { finish() {} };

export function checkObject(raw: RawObject, diags: Diagnostics): Checked {
  // The check-ahead worker ran this very function on the same text's object and it reported
  // nothing (checkahead.ts): the checks are pure, so they would report nothing again.
  if (raw.checked) return NOTHING_TO_FINISH;
  const start = diags.items.length;
  const failed = validateObject(raw, diags);
  // The semantic rules read typed fields: they run on objects the schema accepts.
  if (!failed.length) failed.push(...semanticRules(raw, diags));
  const mark = diags.items.length;
  // (Nothing reported, the usual case: nothing to do after the front end, and no closure made per object.)
  if (start === mark) return NOTHING_TO_FINISH;
  return {
    finish() {
      // One error per field: where the front end reports the very field the schema reported, its
      // kind-specific message is kept ("exactly one of tcp, udp, sctp may be set" over "must have at
      // most 1 field"); its errors on a direct child of a field the schema refused repeat it
      // ("range: Start port must be less than End port" and "range.end: 80 must be greater than 90").
      const key = (f: Path | undefined) => (f ?? []).join("\u0000");
      const schemaKeys = new Set(failed.map((p) => key(p)));
      const tail = diags.items.splice(start);
      const own = (d: Diagnostic, i: number) => i >= mark - start && d.severity === "error" && d.ref === raw.ref;
      // A CEL rule (x-kubernetes-validations) on a list or object judges its whole subtree: the
      // front end's mirror of it reports an element below ("spec.listeners: tls must not be
      // specified for protocols ['HTTP', 'TCP', 'UDP']" and "spec.listeners[0].tls: ..."), so its
      // errors anywhere below a refused rule repeat the rule.
      const ruleKeys = new Set(tail.slice(0, mark - start).filter((d) => d.severity === "error" && d.code === "rule").map((d) => key(d.field)));
      // (Unless the schema reported that very field too: the front end's word for it is the one kept.)
      // (Sets and the field's own ancestors, not a scan of every refused field per error: a file
      // with tens of thousands of errors is judged in linear time.)
      const frontKept = (k: string) => !((k !== "" && schemaKeys.has(parentKey(k))) || (hasAncestorIn(k, ruleKeys) && !schemaKeys.has(k)));
      // The schema's error on a field gives way to the front end's on it only where that one is kept
      // (both were dropped when the field was also a direct child of another refused field).
      const frontKeys = new Set(tail.filter(own).map((d) => key(d.field)).filter(frontKept));
      const kept = tail.filter((d, i) => {
        const k = key(d.field);
        if (i < mark - start) return !(d.severity === "error" && frontKeys.has(k));
        return !own(d, i) || frontKept(k);
      });
      diags.items.push(...inDocumentOrder(kept, raw.obj));
    },
  };
}

/** The key of a field's parent (keys are paths joined by NUL; "" is the object itself). */
function parentKey(k: string): string {
  const at = k.lastIndexOf("\u0000");
  return at < 0 ? "" : k.slice(0, at);
}

/** Whether a proper ancestor of field `k` (the object itself included) is one of `keys`. */
function hasAncestorIn(k: string, keys: ReadonlySet<string>): boolean {
  if (k === "" || keys.size === 0) return false;
  for (let at = k.lastIndexOf("\u0000"); ; at = k.lastIndexOf("\u0000", at - 1)) {
    if (keys.has(at < 0 ? "" : k.slice(0, at))) return true;
    if (at <= 0) return false;
  }
}

/** Stable sort by where each field is written in the object (key order, then list index). */
function inDocumentOrder(items: Diagnostic[], obj: unknown): Diagnostic[] {
  // Each object's key positions, computed once: a map of 20,000 keys with a diagnostic each was
  // ranked in quadratic time (Object.keys and indexOf per diagnostic: a minute for one file).
  const positions = new Map<object, Map<string, number>>();
  const position = (v: object, k: string): number => {
    let at = positions.get(v);
    if (!at) positions.set(v, (at = new Map(Object.keys(v).map((key, i) => [key, i]))));
    return at.get(k) ?? -1;
  };
  const rank = (path: Path | undefined): number[] => {
    const out: number[] = [];
    let v: unknown = obj;
    for (const k of path ?? []) {
      if (Array.isArray(v)) { out.push(Number(k)); v = v[Number(k)]; continue; }
      const i = v !== null && typeof v === "object" ? position(v, String(k)) : -1;
      out.push(i); // a missing field (i = -1) is reported before its parent's fields
      v = i < 0 ? undefined : (v as Record<string, unknown>)[String(k)];
    }
    return out;
  };
  const ranked = items.map((d, i) => ({ d, i, r: rank(d.field) }));
  ranked.sort((a, b) => compare(a.r, b.r) || a.i - b.i);
  return ranked.map((x) => x.d);
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
