// Finds the line of a field inside an input file. Files are re-parsed with positions only when a
// line is asked for (an error, an explanation), so bulk loading stays fast: JSON is scanned
// without building objects, and in YAML read by the fast path only the one document is parsed.

import { JsonIndex } from "./jsonpath.js";
import type { LineCounter, Node, Document } from "yaml";
import { withoutStacks, yaml } from "./yamllib.js";
import { InputChangedError, type InputFile } from "./read.js";
import { KubeYamlError, kubectlReadText, mayNeedGoYamlSpellings, splitKubectlDocuments } from "./kubeyaml.js";
import { BlockLines } from "./blocklocate.js";
import type { Diagnostic, Path, SourceRef } from "../model/source.js";

interface Parsed { docs: Document[]; lines: LineCounter; firstLine: number }

/** Documents this large are located by their lines (blocklocate.ts) when they are plain block YAML. */
export const BLOCK_INDEX_FROM = 256 * 1024;

export class Locator {
  private files = new Map<string, InputFile>();
  /** Whole files parsed, by name. */
  private parsed = new Map<string, Parsed>();
  /** Single documents parsed, by file name, then document index. */
  private parsedDocs = new Map<string, Map<number, Parsed>>();
  private json = new Map<string, JsonIndex>();

  constructor(files: readonly InputFile[] = []) {
    for (const f of files) this.files.set(f.name, f);
  }

  private lazy = new Map<string, () => string>();

  /** A file read again (it changed): lines are counted in its new text from now on. */
  add(file: InputFile): void { this.forget(file.name); this.lazy.delete(file.name); this.files.set(file.name, file); }

  /** A source whose text is made only when a line or the text is asked for (an object read from a cluster). */
  addLazy(name: string, text: () => string): void { this.forget(name); this.files.delete(name); this.lazy.set(name, text); }

  /** Drops everything parsed or indexed from a source's earlier text. */
  private forget(name: string): void {
    this.parsed.delete(name);
    this.parsedDocs.delete(name);
    this.ranges.delete(name);
    this.json.delete(name);
  }

  /** The text of a source, as lines are counted in it. */
  text(name: string): string | undefined { return unlessChanged(() => this.file(name)?.text); }

  private file(name: string): InputFile | undefined {
    let file = this.files.get(name);
    const make = file ? undefined : this.lazy.get(name);
    if (make) { file = { name, text: make() }; this.files.set(name, file); }
    return file;
  }

  /** 1-based line of `field` inside the object at `ref`; the nearest existing ancestor if the field is absent. */
  lineOf(ref: SourceRef, field: Path = []): number | undefined {
    return unlessChanged(() => this.lineIn(ref, field));
  }

  private lineIn(ref: SourceRef, field: Path): number | undefined {
    const file = this.file(ref.file);
    if (!file) return undefined;
    if (!file.docs && ref.doc === 0 && /^\s*[[{]/.test(file.text.slice(0, 64))) {
      const fromJson = this.jsonLine(file, [...ref.path, ...field]);
      if (fromJson !== undefined) return fromJson;
    }
    if (file.docs) {
      const block = this.blockLines(file, ref.doc);
      if (block) return block.lines.lineOf([...ref.path, ...field]) + block.firstLine;
    }
    // (A text without document ranges, one the load did not read, or a source made on demand: split
    // and parsed as kubectl reads it too, not as the `yaml` library alone would: its own document
    // splitting and YAML 1.2 keys, `on:` the key "on" where kubectl's is "true", named other lines.)
    const split = file.docs ?? this.rangesOf(file);
    const p = split ? this.parseDoc(file, ref.doc, split) : this.parse(file);
    if (!p) return undefined;
    const doc = p.docs[split ? 0 : ref.doc];
    if (!doc) return undefined;
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    const keys = [...ref.path, ...field];
    for (let i = 0; i < keys.length; i++) {
      const next = child(node, keys[i]);
      if (!next) {
        const inner = embeddedLine(node, keys.slice(i));
        if (inner !== undefined) return p.lines.linePos(rangeStart(node)!).line + inner + p.firstLine - 1;
        break;
      }
      node = next.value;
      offset = next.offset ?? offset;
    }
    return p.lines.linePos(offset).line + p.firstLine - 1;
  }

  /** Fills in `line` on diagnostics that have a source reference. */
  resolve(diags: Diagnostic[]): void {
    for (const d of diags) if (d.ref && d.line === undefined) d.line = this.lineOf(d.ref, d.field);
  }

  private parse(file: InputFile): Parsed {
    let p = this.parsed.get(file.name);
    if (!p) {
      const lines = new (yaml().LineCounter)();
      const docs = withoutStacks(() => yaml().parseAllDocuments(file.text, { lineCounter: lines, uniqueKeys: false, version: "1.1", prettyErrors: false }));
      p = { docs: Array.isArray(docs) ? docs : [docs], lines, firstLine: 1 };
      this.parsed.set(file.name, p);
    }
    return p;
  }

  private ranges = new Map<string, [number, number][] | null>();

  /** The documents of a text that has no ranges of its own, split as kubectl splits them; undefined where the split fails (a separator kubectl refuses). */
  private rangesOf(file: InputFile): [number, number][] | undefined {
    let r = this.ranges.get(file.name);
    if (r === undefined) {
      try { r = splitKubectlDocuments(file.text); } catch (e) { if (!(e instanceof KubeYamlError)) throw e; r = null; }
      this.ranges.set(file.name, r);
    }
    return r ?? undefined;
  }

  /** One document of a YAML file (split as kubectl splits it). */
  private parseDoc(file: InputFile, index: number, ranges: [number, number][]): Parsed | undefined {
    const range = ranges[index];
    if (!range) return undefined;
    let docs = this.parsedDocs.get(file.name);
    if (!docs) { docs = new Map(); this.parsedDocs.set(file.name, docs); }
    let p = docs.get(index);
    if (!p) {
      const text = file.text.slice(range[0], range[1]);
      const parse = (t: string, lineCounter: LineCounter) => withoutStacks(() => yaml().parseDocument(t, { lineCounter, uniqueKeys: false, version: "1.1", prettyErrors: false }));
      let lines = new (yaml().LineCounter)();
      // (A text go-yaml's spellings may change, kubeyaml.ts goYamlSpellings, is not parsed as it is
      // first: a document of lone '-' in flow collections makes three errors of each.)
      let doc = mayNeedGoYamlSpellings(text) ? undefined : parse(text, lines);
      if (!doc || doc.errors.length) {
        // Read as kubectl reads it (kubeyaml.ts): the indented text has the same lines.
        lines = new (yaml().LineCounter)();
        doc = parse(kubectlReadText(text), lines);
      }
      p = { docs: [doc], lines, firstLine: this.index(file).lineAt(range[0]) };
      docs.set(index, p);
    }
    return p;
  }

  /**
   * A large document of plain block YAML, indexed by its lines instead of parsed: the `yaml`
   * library takes about 1 KB of memory per value, and a cluster dump is one document of 100s of MB.
   */
  private blockLines(file: InputFile, doc: number): { lines: BlockLines; firstLine: number } | undefined {
    const range = file.docs![doc];
    if (!range || range[1] - range[0] < BLOCK_INDEX_FROM) return undefined;
    let docs = this.blocks.get(file);
    if (!docs) { docs = new Map(); this.blocks.set(file, docs); }
    let entry = docs.get(doc);
    if (entry === undefined) {
      const lines = BlockLines.of(file.text.slice(range[0], range[1]));
      entry = lines ? { lines, firstLine: this.index(file).lineAt(range[0]) } : null;
      docs.set(doc, entry);
    }
    return entry ?? undefined;
  }

  private blocks = new WeakMap<InputFile, Map<number, { lines: BlockLines; firstLine: number } | null>>();

  private jsonLine(file: InputFile, path: Path): number | undefined {
    const index = this.index(file);
    const offset = index.offsetOf(path);
    return offset === undefined ? undefined : index.lineAt(offset);
  }

  private index(file: InputFile): JsonIndex {
    let j = this.json.get(file.name);
    if (!j) { j = new JsonIndex(file.text); this.json.set(file.name, j); }
    return j;
  }
}

function rangeStart(n: unknown): number | undefined {
  return (n as Node | null)?.range?.[0];
}

/** The child of a YAML node at `key`, with the offset where it is written (the key, for map entries). */
function child(node: unknown, key: string | number): { value: unknown; offset?: number } | undefined {
  const { isMap, isPair, isScalar, isSeq } = yaml();
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

/**
 * The line of `path` inside a YAML document embedded as a literal block scalar (`config.conf: |`, a
 * ConfigMap's kube-proxy configuration or Istio mesh configuration, read by sources as a document of
 * its own), counted from the line of the `|`: a literal block keeps its lines as written, so line n
 * of its value is n lines below the indicator. Undefined for another scalar (a quoted or folded
 * string's lines are not its value's), or when the path goes nowhere inside (the key's line then).
 */
function embeddedLine(node: unknown, path: Path): number | undefined {
  const { isScalar, LineCounter, parseDocument } = yaml();
  if (!isScalar(node) || node.type !== "BLOCK_LITERAL" || typeof node.value !== "string" || rangeStart(node) === undefined) return undefined;
  const lines = new LineCounter();
  const value = node.value;
  const doc = withoutStacks(() => parseDocument(value, { lineCounter: lines, uniqueKeys: false, version: "1.1", prettyErrors: false }));
  let inner: unknown = doc.contents, offset: number | undefined;
  for (const key of path) {
    const next = child(inner, key);
    if (!next) break;
    inner = next.value;
    offset = next.offset ?? offset;
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/**
 * A released file (read.ts releaseText) that changed on disk since it was loaded has no lines and no
 * text here: none are taken from other text than the one loaded (`serve -f` asks while reloading).
 */
function unlessChanged<T>(f: () => T | undefined): T | undefined {
  try { return f(); } catch (e) { if (e instanceof InputChangedError) return undefined; throw e; }
}
