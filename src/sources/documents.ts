// Splits input files into Kubernetes objects: multi-document YAML, JSON, and `kind: List` (or
// PodList, NetworkPolicyList, ...) wrappers. Parsing is fast; line numbers are found later, on
// demand, by the locator. Block YAML takes a fast path (blockyaml.ts); the `yaml` library reads
// whatever that path does not take.

import { parseAllDocuments, parseDocument, type Document, type YAMLError } from "yaml";
import { parseBlockDocument, splitDocuments } from "./blockyaml.js";
import type { InputFile } from "./read.js";
import { Diagnostics, type Diagnostic, type SourceRef } from "../model/source.js";

export interface RawObject {
  apiVersion: string;
  kind: string;
  obj: Record<string, unknown>;
  ref: SourceRef;
}

export function splitObjects(file: InputFile, diags: Diagnostics): RawObject[] {
  const out: RawObject[] = [];
  const skipped: SourceRef[] = [];
  const docs = parseFile(file, diags);
  docs.forEach((value, doc) => {
    if (value === null || value === undefined) return;
    const ref: SourceRef = { file: file.name, doc, path: [] };
    if (Array.isArray(value)) value.forEach((item, i) => collect(item, { ...ref, path: [i] }, undefined, out, skipped));
    else collect(value, ref, undefined, out, skipped);
  });
  if (skipped.length) {
    const what = out.length ? `${skipped.length} item${skipped.length === 1 ? "" : "s"} without apiVersion/kind` : "not Kubernetes manifests (no apiVersion/kind)";
    diags.warn("not-an-object", `${what}; skipped`, skipped[0]);
  }
  return out;
}

function parseFile(file: InputFile, diags: Diagnostics): unknown[] {
  const trimmed = file.text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try { return [JSON.parse(file.text)]; } catch { /* fall through: the YAML parser reports where */ }
  }
  const ranges = splitDocuments(file.text);
  if (!ranges) {
    const docs = parseAllDocuments(file.text, YAML_OPTIONS);
    return (Array.isArray(docs) ? docs : [docs]).map((d, i) => toValue(d, file, i, 0, diags));
  }
  file.docs = ranges.map(([start]) => start);
  let line = 0, counted = 0;
  return ranges.map(([start, end], i) => {
    const text = file.text.slice(start, end);
    const fast = parseBlockDocument(text);
    if (fast) return fast.value;
    for (let k = file.text.indexOf("\n", counted); k >= 0 && k < start; k = file.text.indexOf("\n", k + 1)) line++;
    counted = start;
    return toValue(parseDocument(text, YAML_OPTIONS), file, i, line, diags);
  });
}

const YAML_OPTIONS = { uniqueKeys: false } as const;

/** A document read by the `yaml` library; syntax errors are reported (lines shifted by `lineOffset`). */
function toValue(d: Document, file: InputFile, doc: number, lineOffset: number, diags: Diagnostics): unknown {
  for (const err of d.errors) {
    const diag = syntaxError(err, { file: file.name, doc, path: [] });
    if (diag.line !== undefined) diag.line += lineOffset;
    diags.add(diag);
  }
  return d.errors.length ? null : d.toJS({ maxAliasCount: 1000 });
}

/** A YAML/JSON syntax error as a diagnostic at its line. */
export function syntaxError(err: YAMLError, ref: SourceRef): Diagnostic {
  const message = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  return { severity: "error", code: "syntax", message: `invalid YAML/JSON: ${message}`, ref, line: err.linePos?.[0].line };
}

const TYPED_LIST = /^(.*)List$/;

function collect(value: unknown, ref: SourceRef, impliedKind: string | undefined, out: RawObject[], skipped: SourceRef[]): void {
  const kind = isObject(value) && typeof value.kind === "string" ? value.kind : impliedKind;
  if (!isObject(value) || !kind) { skipped.push(ref); return; }
  const apiVersion = typeof value.apiVersion === "string" ? value.apiVersion : "";
  const list = TYPED_LIST.exec(kind);
  if (list && Array.isArray(value.items)) {
    const itemKind = list[1] === "" ? undefined : list[1];
    value.items.forEach((item, i) => collect(item, { ...ref, path: [...ref.path, "items", i] }, itemKind, out, skipped));
    return;
  }
  out.push({ apiVersion, kind, obj: value, ref });
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
