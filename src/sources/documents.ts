// Splits input files into Kubernetes objects: multi-document YAML, JSON, and `kind: List` (or
// PodList, NetworkPolicyList, ...) wrappers, read exactly as kubectl reads them (kubeyaml.ts,
// strictjson.ts) or refused. Block YAML takes a fast path (blockyaml.ts) that gives the same values;
// line numbers are found later, on demand, by the locator.

import { parseBlockDocument } from "./blockyaml.js";
import { KubeYamlError, parseKubeYaml, splitKubectlDocuments, yamlTextProblem } from "./kubeyaml.js";
import { JsonReadError, parseJsonStream, parseStrictJson } from "./strictjson.js";
import type { InputFile } from "./read.js";
import { Diagnostics, type Diagnostic, type Path, type SourceRef } from "../model/source.js";
import { describe } from "./fields.js";
import { isObject } from "./schema/structural.js";
import type { YAMLError } from "yaml";

export interface RawObject {
  apiVersion: string;
  kind: string;
  obj: Record<string, unknown>;
  ref: SourceRef;
  /** No value in `obj` is null (seen while parsing it): validation need not look for nulls. */
  nullFree?: boolean;
  /**
   * The load's check-ahead worker judged the very text this object was parsed from clean (sources/
   * checkahead.ts): the strict-JSON checks found nothing and the schema and semantic rules report
   * nothing on any of its objects, so they are not run again.
   */
  checked?: boolean;
}

/** Values parsed from JSON that hold no null (strictjson.ts keyCount sees them), or read by the fast YAML reader without making a null. */
const NULL_FREE = new WeakSet<object>();

/**
 * The objects of a file. `checked`: the check-ahead worker judged this very text clean (load.ts asks
 * checkahead.ts): it is parsed without the strict-JSON checks and its objects are marked `checked`.
 */
export function splitObjects(file: InputFile, diags: Diagnostics, checked = false): RawObject[] {
  return objectsOf(readDocuments(file, diags, checked), file.name, diags, checked);
}

/** The objects of a file's documents (lists expanded), as splitObjects gives them. */
export function objectsOf(values: unknown[], name: string, diags: Diagnostics, checked = false): RawObject[] {
  const out: RawObject[] = [];
  const skipped: SourceRef[] = [];
  values.forEach((value, doc) => {
    if (value === null || value === undefined) return;
    const ref: SourceRef = { file: name, doc, path: [] };
    if (isObject(value)) collect(value, ref, { level: "document" }, out, skipped, diags, NULL_FREE.has(value), checked);
    // Not an `input-` code: --lenient skips such a document with a warning, as np-guard skips the
    // non-manifest JSON files (e.g. its own outputs) found in a folder.
    else diags.add({ severity: "error", code: "not-a-manifest", message: notAnObject(value), ref });
  });
  if (skipped.length) {
    const what = out.length ? `${skipped.length} item${skipped.length === 1 ? "" : "s"} without apiVersion/kind` : "not Kubernetes manifests (no apiVersion/kind)";
    diags.warn("not-an-object", `${what}; skipped`, skipped[0]);
  }
  return out;
}

function notAnObject(value: unknown): string {
  const what = Array.isArray(value) ? "a sequence (list)" : `a ${value === true || value === false ? "boolean" : typeof value === "number" ? "number" : "string"} (${JSON.stringify(value).slice(0, 40)})`;
  return `the document is ${what}, not a Kubernetes object; kubectl refuses it${Array.isArray(value) ? " (put the objects in a `kind: List` or separate them with ---)" : ""}`;
}

/**
 * The JSON value of each document of a file (null where a document is empty or unreadable). A
 * file whose first character is `{` is JSON to kubectl (it falls back to YAML when the JSON does not
 * parse), and so is a `.json` file (tried as JSON first; kubectl looks at the text, not the name). Reading errors are reported; a file that fails and holds
 * `{{` is a template, reported once.
 */
export function readDocuments(file: InputFile, diags: Diagnostics, checked = false): unknown[] {
  const problems: Diagnostic[] = [];
  const values = readValues(file, problems, checked);
  if (problems.length && /\{\{/.test(file.text)) {
    diags.add({ ...problems[0], code: "input-template", message: "this is a Helm/Go template ({{ ... }}), not a manifest: render it first (e.g. helm template NAME CHART > manifests.yaml)", line: lineAt(file.text, file.text.indexOf("{{")) });
    return [];
  }
  for (const p of problems) diags.add(p);
  return values;
}

function readValues(file: InputFile, problems: Diagnostic[], checked: boolean): unknown[] {
  const text = file.text;
  const first = /\S/.exec(text);
  if (!first) return [];
  const ref: SourceRef = { file: file.name, doc: 0, path: [] };
  const problem = (code: string, message: string, offset: number | undefined, doc = 0): void => {
    problems.push({ severity: "error", code, message, ref: { ...ref, doc }, line: offset === undefined ? undefined : lineAt(text, offset) });
  };
  // (The name does not matter: a `.json` file whose '{' comes after 4096 bytes of white space is YAML
  // to kubectl, which then refuses a JSON-only escape such as "\/" in it; it was read as JSON.)
  if (jsonFirst(text, first)) {
    // The worker ran parseStrictJson on this text: it returned JSON.parse's own value (no int64 or
    // surrogate rewrite) and threw nothing, and checkObject zeroed no null in it (checkahead.ts judge).
    // (Not marked null-free: a clean file may hold nulls, and checkObject never validates a checked object anyway.)
    if (checked) return [JSON.parse(text) as object];
    try {
      // (Whether it holds a null is seen by the walk that counts its keys, not by another pass over the text.)
      const seen = { nulls: true };
      const value = parseStrictJson(text, seen);
      if (isObject(value) && !seen.nulls) NULL_FREE.add(value);
      return [value];
    }
    catch (e) {
      if (!(e instanceof JsonReadError)) throw e;
      const stream = e.message.startsWith("invalid JSON") ? jsonStream(file, problem) : undefined;
      if (stream) return stream;
      // Not JSON: YAML, whatever the file's name (cli-runtime's StreamVisitor decodes every file with
      // NewYAMLOrJSONDecoder, which looks at the text only; kubectl 1.34+ falls back to YAML when
      // the JSON does not parse).
      if (!e.message.startsWith("invalid JSON")) { problem("input-syntax", e.message, e.offset); return []; }
    }
  }
  const bad = yamlTextProblem(text);
  if (bad) { problem("input-encoding", bad.message, bad.offset); return []; }
  if (text.includes("\r")) file.text = text.replace(/\r\n/g, "\n");
  return readYaml(file, problem);
}

/** A file name likely to hold JSON (its extension is .json, any case): a hint for memory only; what is JSON is decided by the text (jsonFirst), as kubectl decides it. */
export function isJsonName(name: string): boolean {
  return /\.json$/i.test(name);
}

/** How far kubectl's decoder looks for a leading '{' (apimachinery util/yaml NewYAMLOrJSONDecoder(r, 4096)). */
const JSON_SNIFF = 4096;

/** kubectl's decoder takes the stream for JSON when its first 4096 bytes start, after white space, with '{' (`first`: the first non-space character). */
function jsonFirst(text: string, first: RegExpExecArray): boolean {
  return first[0] === "{" && Buffer.byteLength(text.slice(0, first.index)) < JSON_SNIFF;
}

/**
 * Whether a file is read as one JSON value (the first path readValues tries) and what that value is,
 * as the check-ahead worker needs it: undefined when it is not JSON to kubectl, when it is not one
 * object, or when parseStrictJson throws or rewrites the text's value (`exact`). A null in it is
 * JSON.parse's null too: it stays (marked not null-free, so that checkObject reads it as the main
 * thread would: zeroed list items and map values are warnings, which make a file not clean).
 */
export function strictJsonObject(name: string, text: string): Record<string, unknown> | undefined {
  const first = /\S/.exec(text);
  if (!first || !jsonFirst(text, first)) return undefined;
  const seen = { nulls: true, exact: false };
  let value: unknown;
  try { value = parseStrictJson(text, seen); } catch { return undefined; }
  if (!seen.exact || !isObject(value)) return undefined;
  if (!seen.nulls) NULL_FREE.add(value);
  return value;
}

/** Several JSON objects one after another: kubectl's JSON decoder reads each. Undefined when the text is not such a stream. */
function jsonStream(file: InputFile, problem: (code: string, message: string, offset: number | undefined, doc?: number) => void): unknown[] | undefined {
  try {
    const stream = parseJsonStream(file.text);
    if (stream) file.docs = stream.ranges;
    return stream?.values;
  } catch (e) {
    if (!(e instanceof JsonReadError)) throw e;
    problem("input-syntax", e.message, e.offset);
    return [];
  }
}

function readYaml(file: InputFile, problem: (code: string, message: string, offset: number | undefined, doc?: number) => void): unknown[] {
  const text = file.text;
  let ranges: [number, number][];
  try { ranges = splitKubectlDocuments(text); }
  catch (e) { if (!(e instanceof KubeYamlError)) throw e; problem("input-syntax", e.message, e.offset); return []; }
  file.docs = ranges;
  return ranges.map(([start, end], doc) => {
    const chunk = text.slice(start, end);
    const fast = parseBlockDocument(chunk);
    if (fast) { if (fast.nullFree && isObject(fast.value)) NULL_FREE.add(fast.value); return fast.value; }
    try { return parseKubeYaml(chunk); }
    catch (e) {
      if (!(e instanceof KubeYamlError)) throw e;
      const at = e.offset === undefined ? start : start + e.offset;
      problem("input-syntax", `invalid YAML: ${e.message}${e.syntax ? kubectlLine(text, start, at) : ""}`, at, doc);
      return null;
    }
  });
}

/**
 * The line kubectl names for a syntax error at `at` of the document starting at `start`, which the
 * message gives beside the file's line (Junction names the line of the file, counted from 1).
 * kubectl's document reader hands go-yaml one document at a time, so its "yaml: line N" counts from
 * the document's first line (the line after its `---`); and go-yaml v2 (decode.go, parser.fail)
 * prints a parser error's 0-based mark: `line = p.parser.problem_mark.line` and only "Scanner
 * errors don't iterate line before returning error" get `line++`; a line 0 is not printed
 * ("yaml: did not find expected key"). Which of go-yaml's two readers fails is not known here, so
 * both lines are named.
 */
function kubectlLine(text: string, start: number, at: number): string {
  const first = lineAt(text, start), n = lineAt(text, at) - first + 1;
  const from = first > 1 ? `, counting from the document's first line, line ${first} of the file` : "";
  return ` (kubectl says "yaml: line ${n}" or ${n > 1 ? `"line ${n - 1}"` : "no line"}${from}: go-yaml numbers its parser's errors from 0, its scanner's from 1)`;
}

/** 1-based line of an offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let k = text.indexOf("\n"); k >= 0 && k < offset; k = text.indexOf("\n", k + 1)) line++;
  return line;
}

/** A YAML/JSON syntax error of the `yaml` library as a diagnostic at its line. */
export function syntaxError(err: YAMLError, ref: SourceRef): Diagnostic {
  const message = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  return { severity: "error", code: "input-syntax", message: `invalid YAML/JSON: ${message}`, ref, line: err.linePos?.[0].line };
}

/** What a list gives its items that have neither kind nor apiVersion (a PodList from a raw API read). */
interface Implied { kind: string; apiVersion: string }

/** Where an object sits: a document; an item of a document's list. */
type Place = { level: "document" } | { level: "item"; implied: Implied };

/**
 * The objects of a document, lists expanded, as kubectl's decoding reads them (apimachinery's
 * unstructuredJSONScheme.decode and decodeToList, cli-runtime's FlattenListVisitor):
 * - A document with an `items` field is a list whatever its kind (`items: null` is an empty one); its
 *   items must be objects. An item with neither kind nor apiVersion (a non-string counts as none)
 *   takes the list's kind without "List" and its apiVersion: an item of a `kind: List` then has no
 *   kind and is refused ("Object 'Kind' is missing"). An item with an `items` list is refused, as
 *   FlattenListVisitor's meta.ExtractList fails on it (an *Unstructured has no Items field).
 * - A document mapping with neither apiVersion nor kind (a Helm values file) is skipped with a
 *   warning; one with only one of them, or with a kind that is not a non-empty string, is refused as
 *   kubectl refuses it ("Object 'Kind' is missing", "apiVersion not set"). Items are never skipped.
 */
function collect(value: unknown, ref: SourceRef, place: Place, out: RawObject[], skipped: SourceRef[], diags: Diagnostics, nullFree: boolean, checked: boolean): void {
  const refuse = (field: string | undefined, code: string, message: string) => diags.error(code, message, ref, field === undefined ? undefined : [field]);
  if (!isObject(value)) return place.level === "document" ? void skipped.push(ref) : refuse(undefined, "manifest-kind", `a list item must be an object, not ${describe(value)}: kubectl refuses the list`);
  const given = (v: unknown) => v !== undefined && v !== null;
  // decodeToList: `len(GetKind()) == 0 && len(GetAPIVersion()) == 0` (a non-string reads as "").
  const implied = place.level === "item" && !nonEmptyString(value.kind) && !nonEmptyString(value.apiVersion) ? place.implied : undefined;
  const kind = implied ? implied.kind : given(value.kind) ? value.kind : undefined;
  if (implied && kind === "") return refuse("kind", "manifest-kind", `kind is missing, and a kind: List gives its items none: kubectl refuses the item ("Object 'Kind' is missing")`);
  if (given(kind) && !nonEmptyString(kind)) return refuse("kind", "manifest-kind", `kind must be a non-empty string, not ${describe(kind)}: kubectl refuses the object ("Object 'Kind' is missing")`);
  if (!implied && given(value.apiVersion) && typeof value.apiVersion !== "string") refuse("apiVersion", "manifest-apiversion", `apiVersion must be a string, not ${describe(value.apiVersion)}: kubectl refuses the object`);
  if (!kind) {
    if (given(value.apiVersion) || place.level !== "document") return refuse("kind", "manifest-kind", `kind is missing${given(value.apiVersion) ? " (the object has an apiVersion)" : ""}: kubectl refuses it ("Object 'Kind' is missing")`);
    skipped.push(ref);
    return;
  }
  const apiVersion = implied ? implied.apiVersion : typeof value.apiVersion === "string" ? value.apiVersion : "";
  if (!implied && !given(value.apiVersion)) refuse("apiVersion", "manifest-apiversion", `apiVersion is missing (the object has kind ${kind}): kubectl refuses it ("apiVersion not set")`);
  else if (apiVersion === "" && typeof value.apiVersion === "string") refuse("apiVersion", "manifest-apiversion", "apiVersion is empty: kubectl refuses the object");
  // SetKind/SetAPIVersion: an item's kind or apiVersion that counted as none (not a string, or "") is replaced.
  if (implied && (given(value.kind) || given(value.apiVersion))) Object.assign(value, { kind, apiVersion });
  if (place.level === "document" && "items" in value) return collectList(value, kind as string, apiVersion, ref, out, skipped, diags, nullFree, checked);
  // Not a list (no items, or an item of a list): kubectl maps the object's kind, and v1 List is no
  // API's resource ("no matches for kind "List" in version "v1"").
  if (kind === "List" && apiVersion === "v1") return refuse(undefined, "manifest-kind", `a kind: List without items${place.level === "item" ? " inside a list" : ""}: kubectl reads it as an object of kind List, which no API serves ("no matches for kind \"List\" in version \"v1\""); give it items (items: [] for none) or remove it`);
  out.push({ apiVersion, kind: kind as string, obj: value, ref, nullFree, checked });
}

/** A document with an `items` field: kubectl reads it as a list, whatever its kind. */
function collectList(list: Record<string, unknown>, kind: string, apiVersion: string, ref: SourceRef, out: RawObject[], skipped: SourceRef[], diags: Diagnostics, nullFree: boolean, checked: boolean): void {
  const items = list.items;
  if (items === null || items === undefined) return;
  if (!Array.isArray(items)) return diags.error("manifest-kind", `items must be a list of objects, not ${describe(items)}: kubectl reads an object with an items field as a list and cannot decode this one`, ref, ["items"]);
  if (!kind.endsWith("List")) diags.warn("manifest-list", `kind ${kind} has an items field: kubectl reads it as a list and applies its items, not the ${kind} itself`, ref, ["items"]);
  // FlattenListVisitor meets an item whose items is a list (Unstructured.IsList) and calls
  // meta.ExtractList on it, which needs a Go field Items that an *Unstructured lacks: kubectl fails
  // on the list before it applies any of its items.
  const inner = items.findIndex((item) => isObject(item) && Array.isArray(item.items));
  if (inner >= 0) return diags.error("manifest-kind", `a list inside a list: kubectl refuses the whole list, none of its items is applied ("*unstructured.Unstructured is not a list: no Items field in this object"); put the inner list's items in the outer list`, { ...ref, path: ref.path.concat("items", inner) }, ["items"]);
  collectItems(items, ref, { level: "item", implied: { kind: kind.replace(/List$/, ""), apiVersion } }, out, skipped, diags, nullFree, checked);
}

function collectItems(items: unknown[], ref: SourceRef, place: Place, out: RawObject[], skipped: SourceRef[], diags: Diagnostics, nullFree: boolean, checked: boolean): void {
  // concat, not a spread: an array made by a spread (or push) reserves 17 slots, and every object of a dump keeps its path.
  const top = ref.path.length === 0;
  for (let i = 0; i < items.length; i++) collect(items[i], { file: ref.file, doc: ref.doc, path: top ? itemPath(i) : ref.path.concat("items", i) }, place, out, skipped, diags, nullFree, checked);
}

/** The path ["items", i] of a document list's item: one frozen array per index, shared by every list (the model keeps each object's path). */
function itemPath(i: number): Path {
  while (ITEM_PATHS.length <= i) ITEM_PATHS.push(Object.freeze(["items", ITEM_PATHS.length]));
  return ITEM_PATHS[i];
}

const ITEM_PATHS: Path[] = [];

function nonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}
