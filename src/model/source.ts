// Where a model value came from, and diagnostics as values (rendered only at the edges).

import { capMessage, clip } from "./quote.js";

/** A path inside an object: ["spec", "ingress", 0, "from", 1]. */
export type Path = readonly (string | number)[];

/** One object of one input file: the document index and the path to the object inside it. */
export interface SourceRef {
  file: string;
  doc: number;
  path: Path;
}

export type Severity = "error" | "warning" | "info";

export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable code, e.g. "invalid-cidr". */
  code: string;
  message: string;
  /** The object the diagnostic is about, and the field inside it. */
  ref?: SourceRef;
  field?: Path;
  /** Resolved by the locator at the edge (1-based). */
  line?: number;
}

/** The path as a message shows it (a long key, a 1 MB label key, capped as quote.ts caps values). */
export function formatPath(path: Path): string {
  let out = "";
  for (let k of path) {
    if (typeof k === "string") k = clip(k);
    out += typeof k === "number" ? `[${k}]` : out ? `.${k}` : k;
  }
  return out;
}

/**
 * For a diagnostic about an item of a list file (assertions, requests) at `list`: "assertion 2,
 * port: ..." rather than the 0-based field path [1].port (the file:line stays in front).
 */
export function numberListItem(d: Diagnostic, list: Path, word: string): void {
  const path = d.field ?? [];
  const i = path[list.length];
  if (typeof i !== "number" || list.some((k, j) => path[j] !== k)) return;
  const rest = path.slice(list.length + 1);
  d.message = `${word} ${i + 1}${rest.length ? `, ${formatPath(rest)}` : ""}: ${d.message}`;
  d.field = [];
}

/** "file:line field: message" — the one textual form every surface uses. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.ref ? `${d.ref.file}${d.line ? `:${d.line}` : ""}` : "";
  const field = d.field && d.field.length ? formatPath(d.field) : "";
  const head = [where, field].filter(Boolean).join(" ");
  const message = capMessage(d.message);
  return head ? `${head}: ${message}` : message;
}

export class Diagnostics {
  readonly items: Diagnostic[] = [];
  /** Long values quoted in the message are capped (quote.ts). */
  add(d: Diagnostic): void { d.message = capMessage(d.message); this.items.push(d); }
  error(code: string, message: string, ref?: SourceRef, field?: Path): void {
    this.add({ severity: "error", code, message, ref, field });
  }
  warn(code: string, message: string, ref?: SourceRef, field?: Path): void {
    this.add({ severity: "warning", code, message, ref, field });
  }
  info(code: string, message: string, ref?: SourceRef, field?: Path): void {
    this.add({ severity: "info", code, message, ref, field });
  }
  get errors(): Diagnostic[] { return this.items.filter((d) => d.severity === "error"); }
  get hasErrors(): boolean { return this.items.some((d) => d.severity === "error"); }
}

/** Finds the line of a field of an object; provided by the sources layer, used when rendering. */
export type LineLookup = (ref: SourceRef, field?: Path) => number | undefined;
