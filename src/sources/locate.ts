// Finds the line of a field inside an input file. Files are re-parsed with positions only when a
// line is asked for (an error, an explanation), so bulk loading stays fast.

import { LineCounter, parseAllDocuments, isMap, isSeq, isPair, isScalar, type Node, type Document } from "yaml";
import type { InputFile } from "./read.js";
import type { Diagnostic, Path, SourceRef } from "../model/source.js";

export class Locator {
  private texts = new Map<string, string>();
  private parsed = new Map<string, { docs: Document[]; lines: LineCounter }>();

  constructor(files: readonly InputFile[] = []) {
    for (const f of files) this.texts.set(f.name, f.text);
  }

  add(file: InputFile): void { this.texts.set(file.name, file.text); this.parsed.delete(file.name); }

  /** 1-based line of `field` inside the object at `ref`; the nearest existing ancestor if the field is absent. */
  lineOf(ref: SourceRef, field: Path = []): number | undefined {
    const p = this.parse(ref.file);
    if (!p) return undefined;
    const doc = p.docs[ref.doc];
    if (!doc) return undefined;
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const key of [...ref.path, ...field]) {
      const next = child(node, key);
      if (!next) break;
      node = next.value;
      offset = next.offset ?? offset;
    }
    return p.lines.linePos(offset).line;
  }

  /** Fills in `line` on diagnostics that have a source reference. */
  resolve(diags: Diagnostic[]): void {
    for (const d of diags) if (d.ref && d.line === undefined) d.line = this.lineOf(d.ref, d.field);
  }

  private parse(file: string) {
    let p = this.parsed.get(file);
    if (!p) {
      const text = this.texts.get(file);
      if (text === undefined) return undefined;
      const lines = new LineCounter();
      const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false });
      p = { docs: Array.isArray(docs) ? docs : [docs], lines };
      this.parsed.set(file, p);
    }
    return p;
  }
}

function rangeStart(n: unknown): number | undefined {
  return (n as Node | null)?.range?.[0];
}

/** The child of a YAML node at `key`, with the offset where it is written (the key, for map entries). */
function child(node: unknown, key: string | number): { value: unknown; offset?: number } | undefined {
  if (isMap(node)) {
    for (const item of node.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === String(key)) {
        return { value: item.value, offset: rangeStart(item.key) };
      }
    }
    return undefined;
  }
  if (isSeq(node) && typeof key === "number") {
    const item = node.items[key];
    return item === undefined ? undefined : { value: item, offset: rangeStart(item) };
  }
  return undefined;
}
