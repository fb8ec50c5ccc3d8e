// Lines of fields in a large plain block YAML document (what kubectl and most tools write), found
// from indentation alone: parsing a 30 MB `kind: List` with the `yaml` library to report one error
// took 1.3 GB and a minute (about 1 KB per value), so a cluster dump could run out of memory. A
// document qualifies when the fast reader (blockyaml.ts) reads it; then every line belongs to the
// node its indentation says (no multi-line quoted scalars or flow collections, block scalars more
// indented than their key). The index is two numbers per line, plus the entries of the mappings
// and sequences a lookup has walked through.

import { blockKey, isPlainBlockDocument } from "./blockyaml.js";

export class BlockLines {
  private readonly starts: Int32Array;
  /** Indentation of each line; -1 for a blank or comment line. */
  private readonly indents: Int32Array;
  /** Entry lines of walked nodes: sequences at line*2, mappings at line*2+1 (one of each may start on a line). */
  private readonly items = new Map<number, Int32Array>();
  private readonly keys = new Map<number, Map<string, { line: number; inline: boolean }>>();

  private constructor(private readonly text: string) {
    let count = 1;
    for (let k = text.indexOf("\n"); k >= 0; k = text.indexOf("\n", k + 1)) count++;
    this.starts = new Int32Array(count);
    this.indents = new Int32Array(count);
    let start = 0;
    for (let line = 0; line < count; line++) {
      this.starts[line] = start;
      let k = start;
      while (text.charCodeAt(k) === 32) k++;
      const c = text[k];
      this.indents[line] = k >= text.length || c === "\n" || c === "\r" || c === "#" ? -1 : k - start;
      const eol = text.indexOf("\n", k);
      start = eol < 0 ? text.length + 1 : eol + 1;
    }
  }

  /** The index of a document the fast reader reads, or undefined (the caller parses it fully). */
  static of(text: string): BlockLines | undefined {
    return isPlainBlockDocument(text) ? new BlockLines(text) : undefined;
  }

  /**
   * 0-based line of the node at `path` (for a mapping entry, its key's line), or of its nearest
   * existing ancestor; as the `yaml` library's positions give it.
   */
  lineOf(path: readonly (string | number)[]): number {
    let line = this.next(0);
    if (line < 0) return 0;
    if (/^---(\s|$)/.test(this.content(line, 0))) line = this.next(line + 1);
    if (line < 0) return 0;
    let col = this.indents[line];
    let found = line;
    for (const k of path) {
      const content = this.content(line, col);
      if (isItem(content)) {
        if (typeof k !== "number") break;
        const at = this.sequence(line, col)[k];
        if (at === undefined) break;
        const after = this.content(at, col).slice(1);
        const body = after.trimStart();
        if (body === "" || body[0] === "#") {
          const m = this.next(at + 1);
          if (m < 0 || this.indents[m] <= col) { found = at; break; }
          found = line = m; col = this.indents[m];
        } else {
          found = line = at; col += 1 + after.length - body.length;
        }
        continue;
      }
      if (!blockKey(content)) break;
      const entry = this.mapping(line, col).get(String(k));
      if (!entry) break;
      found = entry.line;
      if (entry.inline) break;
      const m = this.next(entry.line + 1);
      if (m < 0) break;
      if (this.indents[m] > col) { line = m; col = this.indents[m]; }
      else if (this.indents[m] === col && isItem(this.content(m, col))) line = m;
      else break;
    }
    return found;
  }

  /** Item lines of the sequence whose first item is at (line, col). */
  private sequence(line: number, col: number): Int32Array {
    let lines = this.items.get(line * 2);
    if (!lines) {
      const out: number[] = [];
      for (let j = line; j >= 0 && this.indents[j] >= col; j = this.next(j + 1)) {
        if (this.indents[j] > col) continue;
        if (!isItem(this.content(j, col))) break;
        out.push(j);
      }
      lines = Int32Array.from(out);
      this.items.set(line * 2, lines);
    }
    return lines;
  }

  /** Keys of the mapping whose first entry is at (line, col), with their lines; inline: the value is on the key's line. */
  private mapping(line: number, col: number): Map<string, { line: number; inline: boolean }> {
    let keys = this.keys.get(line * 2 + 1);
    if (!keys) {
      keys = new Map();
      for (let j = line; j >= 0 && (j === line || this.indents[j] >= col); j = this.next(j + 1)) {
        if (j !== line && this.indents[j] > col) continue;
        const content = this.content(j, col);
        if (isItem(content)) continue; // a sequence written at its key's indentation
        const entry = blockKey(content);
        if (!entry) break;
        keys.set(entry.key, { line: j, inline: entry.rest !== "" });
      }
      this.keys.set(line * 2 + 1, keys);
    }
    return keys;
  }

  /** The first line from `line` on that is not blank or a comment, or -1. */
  private next(line: number): number {
    while (line < this.indents.length && this.indents[line] < 0) line++;
    return line < this.indents.length ? line : -1;
  }

  /** A line's text from column `col`, without its line break. */
  private content(line: number, col: number): string {
    const end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
    const s = this.text.slice(this.starts[line] + col, end);
    return s.endsWith("\r") ? s.slice(0, -1).trimEnd() : s.trimEnd();
  }
}

function isItem(content: string): boolean {
  return content === "-" || content.startsWith("- ");
}
