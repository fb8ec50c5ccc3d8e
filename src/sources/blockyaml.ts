// A fast reader for the block-style YAML that kubectl and most tools write (maps, sequences,
// plain and quoted scalars, single-line flow collections, literal and simple folded block
// scalars), giving exactly the value kubectl reads (kubeyaml.ts: go-yaml v2's YAML 1.1 scalars).
// A value tagged `!!str` (as some tools dump strings that would read as numbers or booleans) is read
// too: go-yaml v2 keeps its text. Anything else (anchors, other tags, tagged keys, merge keys, duplicate or non-string keys, multi-line flow or plain
// scalars, a tab where go-yaml refuses one or reads it as indentation, ...) returns undefined and the
// document is read by kubeyaml.ts instead: this is a fast path, never a dialect.
// test/sources/blockyaml.test.ts proves it against that reader.
//
// Tabs are read where go-yaml v2 reads them (scannerc.go): in comments, in quoted and block scalars,
// inside plain scalars and keys, in [ ] and { }, and as separation after a key's ':' or before a
// comment. A tab in a line's indentation, or right after a '-', is declined (go-yaml refuses it
// outside the continuation of a multi-line plain scalar, which this reader does not take).

import { NOT_JSON, resolvePlain as resolveKube } from "./kubeyaml.js";

/** go-yaml's longest implicit key (kubeyaml.ts refuses longer ones). */
const MAX_SIMPLE_KEY = 1024;

/** Nesting deeper than this is left to the full reader (which reports it). */
const MAX_FAST_DEPTH = 100;

const JS_ONLY_SPACE = /[\r\v\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** The indentation recorded for a line whose indentation holds a tab: declined when read as structure. */
const TAB_INDENT = -2;

/** A line whose first non-space character is a tab, or whose '-' indicator is followed by one. */
const TAB_LED = /^(?:-? *)\t/;

/** YAML's white space (go-yaml is_blank): what separates tokens and may precede a comment. */
const isBlank = (c: string | undefined): boolean => c === " " || c === "\t";

class Bail extends Error {}
const bail = (): never => { throw new Bail(); };

/** The nulls made while reading the current document (documents are read one at a time). */
let nulls = 0;

/**
 * The value of one document, or undefined when it needs the full parser. `nullFree`: no value in it
 * is null (validation then skips the walk that looks for null fields, as for JSON without `null`).
 */
export function parseBlockDocument(text: string, keep = true): { value: unknown; nullFree: boolean } | undefined {
  if (text.includes("\r")) text = text.replace(/\r\n/g, "\n");
  // Characters JavaScript's trim() takes for spaces but YAML does not (NBSP, ...), a lone CR.
  if (JS_ONLY_SPACE.test(text) || /^(?:\.\.\.|---)(?:\s|$)/m.test(text)) return undefined;
  try {
    nulls = 0;
    const r = new Reader(text, keep);
    const value = r.document();
    return { value, nullFree: nulls === 0 };
  } catch (e) {
    if (e instanceof Bail) return undefined;
    throw e;
  }
}

/**
 * Whether the fast reader reads this document (then its structure is plain block YAML: every line
 * belongs to the node its indentation says, see blocklocate.ts). Builds no value.
 */
export function isPlainBlockDocument(text: string): boolean {
  return parseBlockDocument(text, false) !== undefined;
}

/** Where the fast reader stops reading a document (the start of the line it declines), or undefined when it reads it all. */
export function plainBlockObstacle(text: string): number | undefined {
  if (text.includes("\r")) text = text.replace(/\r\n/g, "\n");
  const pre = JS_ONLY_SPACE.exec(text) ?? /^(?:\.\.\.|---)(?:\s|$)/m.exec(text);
  if (pre) return text.lastIndexOf("\n", pre.index - 1) + 1;
  const r = new Reader(text, false);
  try { r.document(); return undefined; }
  catch (e) { if (e instanceof Bail) return r.lineOffset(); throw e; }
}

/** The key of a "key: value" line of a plain block document (content without indentation), or undefined. */
export function blockKey(content: string): { key: string; rest: string } | undefined {
  const end = keyEnd(content);
  if (end < 0) return undefined;
  try { return { key: parseKey(content.slice(0, end)), rest: stripComment(content.slice(end + 1)).trim() }; }
  catch (e) { if (e instanceof Bail) return undefined; throw e; }
}

class Reader {
  private indents: Int32Array;
  private contents: string[];
  private raw: string[];
  private i = 0;

  /** keep = false: check the document only (no value is built; mappings keep only their keys). */
  constructor(text: string, private readonly keep = true) {
    this.raw = text.split("\n");
    // A final line break ends the last line; it does not start an empty one.
    if (text.endsWith("\n")) this.raw.pop();
    // (Made at their size, not grown line by line.)
    const n = this.raw.length;
    this.indents = new Int32Array(n);
    this.contents = new Array<string>(n);
    for (let k = 0; k < n; k++) {
      const line = this.raw[k];
      const content = trimSpaces(line);
      const blank = content === "" || content[0] === "#";
      this.indents[k] = TAB_LED.test(content) ? TAB_INDENT : blank ? -1 : line.length - content.length;
      this.contents[k] = blank ? "" : content.trimEnd();
    }
  }

  /** Offset of the current line in the text. */
  lineOffset(): number {
    let offset = 0;
    for (let k = 0; k < this.i && k < this.raw.length; k++) offset += this.raw[k].length + 1;
    return offset;
  }

  document(): unknown {
    this.skip();
    if (this.i < this.contents.length && this.indents[this.i] === 0 && /^---(\s|$)/.test(this.contents[this.i])) {
      if (stripComment(this.contents[this.i].slice(3)).trim() !== "") bail();
      this.i++;
      this.skip();
    }
    if (this.i >= this.contents.length) { nulls++; return null; }
    const value = this.node(this.indents[this.i]);
    this.skip();
    if (this.i < this.contents.length) bail();
    return value;
  }

  private skip(): void {
    while (this.i < this.contents.length && this.indents[this.i] < 0) {
      if (this.indents[this.i] === TAB_INDENT) bail();
      this.i++;
    }
  }

  private peek(): number {
    this.skip();
    return this.i < this.contents.length ? this.indents[this.i] : -1;
  }

  private depth = 0;

  private node(n: number): unknown {
    if (++this.depth > MAX_FAST_DEPTH) bail();
    try { return this.nodeAt(n); } finally { this.depth--; }
  }

  private nodeAt(n: number): unknown {
    const c = this.contents[this.i];
    if (c === "-" || c.startsWith("- ")) return this.sequence(n);
    if (keyEnd(c) >= 0) return this.mapping(n);
    const v = inlineValue(stripComment(c).trim());
    this.i++;
    if (this.peek() > n) bail();
    return v;
  }

  private mapping(n: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys = this.keep ? undefined : new Set<string>();
    while (this.peek() === n) {
      const c = this.contents[this.i];
      const end = keyEnd(c);
      // go-yaml refuses a key whose ':' is more than 1024 characters from its start: the full reader says so.
      if (end < 0 || end > MAX_SIMPLE_KEY) bail();
      const key = parseKey(c.slice(0, end));
      if (keys ? keys.has(key) : Object.prototype.hasOwnProperty.call(out, key)) bail();
      const rest = restOf(c, end + 1);
      const value = this.value(n, rest, true);
      if (keys) keys.add(key); else out[key] = value;
    }
    if (this.peek() > n) bail();
    return out;
  }

  /** The value after "key:" or "- " at indent n, the line being the current one. */
  private value(n: number, rest: string, inMap: boolean): unknown {
    const tagged = strTagged(rest);
    if (tagged !== undefined) return this.strValue(n, tagged, inMap);
    if (rest === "") {
      this.i++;
      const m = this.peek();
      if (m > n) return this.node(m);
      if (inMap && m === n && isItem(this.contents[this.i])) return this.sequence(n);
      nulls++;
      return null;
    }
    // A value declined on its own line leaves the reader there (plainBlockObstacle names that line).
    if (rest[0] === "|" || rest[0] === ">") {
      if (!/^[|>][-+]?$/.test(rest)) bail();
      this.i++;
      return this.blockScalar(n, rest);
    }
    const v = inlineValue(rest);
    this.i++;
    if (this.peek() > n) bail();
    return v;
  }

  /**
   * The value after a `!!str` tag (`rest`: what follows it). go-yaml v2 (resolve.go resolve: "Any
   * data is accepted as a !!str or !!binary") keeps a tagged scalar's text as the string, whatever it
   * would resolve to untagged (`!!str 010` is "010", `!!str ~` is "~", `!!str` alone is ""); quoted
   * and block scalars are their strings as untagged. A tagged collection, anchor or a value on the
   * next lines is left to the full reader.
   */
  private strValue(n: number, rest: string, inMap: boolean): string {
    if (rest === "") {
      this.i++;
      const m = this.peek();
      if (m > n || (inMap && m === n && isItem(this.contents[this.i]))) bail();
      return "";
    }
    if (rest[0] === "|" || rest[0] === ">" || rest[0] === '"' || rest[0] === "'") {
      const v = this.value(n, rest, inMap);
      return typeof v === "string" ? v : bail();
    }
    plainShape(rest);
    this.i++;
    if (this.peek() > n) bail();
    return detached(rest);
  }

  private sequence(n: number): unknown[] {
    const out: unknown[] = [];
    while (this.peek() === n && isItem(this.contents[this.i])) {
      const c = this.contents[this.i];
      const after = c.slice(1);
      const body = trimSpaces(after);
      if (body === "" || body[0] === "#") { const v = this.value(n, "", false); if (this.keep) out.push(v); continue; }
      if (body === "-" || (body[0] === "-" && isBlank(body[1]))) bail();
      const column = n + 1 + after.length - body.length;
      if (keyEnd(body) >= 0) {
        this.indents[this.i] = column;
        this.contents[this.i] = body;
        const v = this.mapping(column);
        if (this.keep) out.push(v);
      } else {
        const v = this.value(n, stripComment(body).trim(), false);
        if (this.keep) out.push(v);
      }
    }
    if (this.peek() > n) bail();
    return out;
  }

  /** `|` and `>` (with - or + chomping) whose lines are more indented than n. */
  private blockScalar(n: number, header: string): string {
    const lines: string[] = [];
    let indent = -1;
    for (; this.i < this.contents.length; this.i++) {
      const line = this.raw[this.i];
      const content = trimSpaces(line);
      if (content === "") { if (line !== "") bail(); lines.push(""); continue; }
      const ind = line.length - content.length;
      // A tab where go-yaml looks for the indentation (the first line, or a line less indented) is
      // refused by it; a folded line starting with a tab is "more indented" (not folded).
      if (content[0] === "\t" && (indent < 0 || ind < indent || header[0] === ">")) bail();
      if (indent < 0) { if (ind <= n) break; indent = ind; }
      if (ind < indent) break;
      if (header[0] === ">" && ind > indent) bail();
      lines.push(line.slice(indent));
    }
    if (indent < 0 && lines.some((l) => l !== "")) bail();
    // Trailing empty lines belong to the chomping, not the content.
    let last = lines.length;
    while (last > 0 && lines[last - 1] === "") last--;
    const body = lines.slice(0, last);
    const trailing = lines.length - last;
    const text = header[0] === "|" ? body.join("\n") : fold(body);
    const chomp = header[1];
    if (body.length === 0) return chomp === "+" ? "\n".repeat(trailing) : "";
    if (chomp === "-") return text;
    if (chomp === "+") return text + "\n" + "\n".repeat(trailing);
    return text + "\n";
  }
}

/** Folded scalar lines: single newlines become spaces, empty lines stay newlines. */
function fold(lines: string[]): string {
  let out = "";
  for (let k = 0; k < lines.length; k++) {
    if (k === 0) out = lines[0];
    else if (lines[k] === "") out += "\n";
    else out += lines[k - 1] === "" ? lines[k] : " " + lines[k];
  }
  return out;
}

function isItem(c: string): boolean {
  return c === "-" || c.startsWith("- ");
}

/** The text without its leading spaces (not tabs: a tab is never indentation). */
function trimSpaces(s: string): string {
  let k = 0;
  while (s.charCodeAt(k) === 32) k++;
  return k === 0 ? s : s.slice(k);
}

/** Where a comment starts in a line's text after its first character (a '#' after white space) before `end`, or -1. */
function commentAt(s: string, end = s.length): number {
  for (let k = s.indexOf("#"); k >= 0 && k < end; k = s.indexOf("#", k + 1)) if (isBlank(s[k - 1])) return k - 1;
  return -1;
}

/** Where a "key:" ends (the colon), or -1 when the line is not a mapping entry. */
function keyEnd(c: string): number {
  const q = c[0];
  if (q === '"' || q === "'") {
    const close = closingQuote(c, 0);
    if (close < 0) return -1;
    return c[close + 1] === ":" && (c.length === close + 2 || isBlank(c[close + 2])) ? close + 1 : -1;
  }
  if ("?:-[]{},#&*!|>%@`".includes(q) && !(q === "-" && !isBlank(c[1]) && c[1] !== undefined)) return -1;
  for (let k = c.indexOf(":"); k >= 0; k = c.indexOf(":", k + 1)) {
    if (k + 1 === c.length || isBlank(c[k + 1])) return commentAt(c, k) >= 0 ? -1 : k;
  }
  return -1;
}

function parseKey(k: string): string {
  const key = k.trimEnd();
  const v = key[0] === '"' || key[0] === "'" ? quoted(key) : plainKey(key);
  if (v === "__proto__") bail();
  return v;
}

/** A plain key that resolves to itself (a key like `yes`, `1` or `<<` is left to the full reader). */
function plainKey(k: string): string {
  // (Compared, not kept: resolved without the detached copy a kept value gets.)
  if (k === "<<" || resolvePlain(k, false) !== k) bail();
  return k;
}

/** A value on one line: quoted, flow collection or plain scalar (comment already stripped). */
function inlineValue(s: string): unknown {
  const c = s[0];
  if (c === '"' || c === "'") {
    const close = closingQuote(s, 0);
    if (close !== s.length - 1) bail();
    return quoted(s);
  }
  if (c === "[" || c === "{") {
    const r = flow(s, 0);
    if (r.end !== s.length) bail();
    return r.value;
  }
  plainShape(s);
  return resolvePlain(s);
}

/** Declines a one-line plain scalar's text that is not one (an indicator first, a ': ' inside or a ':' last). */
function plainShape(s: string): void {
  const c = s[0];
  if ("]},#&*!|>%@`?[{".includes(c) || ((c === "-" || c === ":") && (isBlank(s[1]) || s.length === 1))) bail();
  if (/:[ \t]/.test(s) || s.endsWith(":")) bail();
}

/** A value's text after a `!!str` tag and its blank ("" for the tag alone), or undefined when it has no such tag. */
function strTagged(rest: string): string | undefined {
  if (!rest.startsWith("!!str")) return undefined;
  if (rest.length === 5) return "";
  return isBlank(rest[5]) ? rest.slice(6).replace(/^[ \t]+/, "") : undefined;
}

/**
 * stripComment(c.slice(from)).trim() for a line's content `c` (which ends without white space),
 * making only the one string when there is no '#' from `from` on (in a document the fast reader
 * takes, trim() removes spaces and tabs only: the other characters it takes for spaces are declined).
 */
function restOf(c: string, from: number): string {
  if (c.indexOf("#", from) >= 0) return stripComment(c.slice(from)).trim();
  let k = from;
  while (isBlank(c[k])) k++;
  return c.slice(k);
}

function stripComment(s: string): string {
  if (!s.includes("#")) return s;
  if (s.trimStart()[0] === "#") return "";
  // (After a `!!str` tag, the comment of the value that follows it.)
  const tag = /^[ \t]*!!str[ \t]+/.exec(s);
  if (tag) return tag[0] + stripComment(s.slice(tag[0].length));
  const q = s.trimStart()[0];
  if (q === '"' || q === "'") {
    const start = s.indexOf(q);
    const close = closingQuote(s, start);
    if (close < 0) bail();
    const rest = s.slice(close + 1);
    const hash = commentAt(rest);
    if (hash >= 0 && rest.slice(0, hash).trim() === "") return s.slice(0, close + 1);
    return s;
  }
  const hash = commentAt(s);
  return hash >= 0 ? s.slice(0, hash) : s;
}

/** Index of the quote closing the one at `start`, or -1. */
function closingQuote(s: string, start: number): number {
  const q = s[start];
  for (let k = start + 1; k < s.length; k++) {
    if (q === '"' && s[k] === "\\") { k++; continue; }
    if (s[k] === q) {
      if (q === "'" && s[k + 1] === "'") { k++; continue; }
      return k;
    }
  }
  return -1;
}

function quoted(s: string): string {
  if (s[0] === "'") return detached(s.slice(1, -1).replace(/''/g, "'"));
  // JSON's \/ and \u surrogate escapes are not YAML 1.1's: the full reader refuses them.
  if (s.includes("\\") && /(?:^|[^\\])(?:\\\\)*\\(?:\/|u[dD][89a-fA-F])/.test(s)) bail();
  if (s.includes("\t")) {
    // A raw tab is text in YAML, a control character to JSON.parse; "\<tab>" is YAML's tab escape.
    if (s.includes("\\\t")) bail();
    s = s.replace(/\t/g, "\\t");
  }
  try { return JSON.parse(s) as string; } catch { return bail(); }
}

/** Single-line flow collections of quoted and plain scalars. */
function flow(s: string, pos: number, depth = 0): { value: unknown; end: number } {
  if (depth > MAX_FAST_DEPTH) bail();
  const open = s[pos], close = open === "[" ? "]" : "}";
  const list: unknown[] = [];
  const map: Record<string, unknown> = {};
  let k = skipSpaces(s, pos + 1);
  if (s[k] === close) return { value: open === "[" ? list : map, end: k + 1 };
  for (;;) {
    if (open === "[") {
      const item = flowScalar(s, k, false, depth);
      list.push(item.value);
      k = item.end;
    } else {
      const key = flowScalar(s, k, true, depth);
      if (key.end - k > MAX_SIMPLE_KEY) bail();
      if (typeof key.value !== "string" || s[key.end] !== ":" || !isBlank(s[key.end + 1]) || key.value === "__proto__" || Object.prototype.hasOwnProperty.call(map, key.value)) bail();
      const item = flowScalar(s, skipSpaces(s, key.end + 1), false, depth);
      map[key.value as string] = item.value;
      k = item.end;
    }
    k = skipSpaces(s, k);
    if (s[k] === close) return { value: open === "[" ? list : map, end: k + 1 };
    if (s[k] !== ",") bail();
    k = skipSpaces(s, k + 1);
    if (s[k] === close || s[k] === ",") bail();
  }
}

function flowScalar(s: string, k: number, isKey: boolean, depth: number): { value: unknown; end: number } {
  const c = s[k];
  if (c === "[" || c === "{") { if (isKey) bail(); const r = flow(s, k, depth + 1); return { value: r.value, end: skipSpaces(s, r.end) }; }
  if (c === '"' || c === "'") {
    const close = closingQuote(s, k);
    if (close < 0) bail();
    return { value: quoted(s.slice(k, close + 1)), end: skipSpaces(s, close + 1) };
  }
  let e = k;
  while (e < s.length && !",[]{}#".includes(s[e]) && !(s[e] === ":" && (isBlank(s[e + 1]) || s[e + 1] === ",")) ) e++;
  const text = s.slice(k, e).trim();
  // In [ ] and { }, go-yaml ends a plain scalar at a '?' (the full reader refuses it).
  if (text === "" || "&*!|>%@`?-:".includes(text[0]) || text.includes("?")) bail();
  const value = isKey ? plainKey(text) : resolvePlain(text);
  return { value, end: e };
}

/** Past white space inside [ ] or { } (go-yaml reads tabs there as spaces). */
function skipSpaces(s: string, k: number): number {
  while (isBlank(s[k])) k++;
  return k;
}

/** A plain scalar as kubectl reads it; .inf and .nan (which kubectl cannot carry) go to the full reader. */
function resolvePlain(s: string, detach = true): unknown {
  // Most manifest values are words: a first letter outside go-yaml's y/n/t/f/o/~ hints is a string.
  const c = s.charCodeAt(0) | 0x20;
  if (c >= 0x61 && c <= 0x7a && c !== 0x79 && c !== 0x6e && c !== 0x74 && c !== 0x66 && c !== 0x6f) return detach ? detached(s) : s;
  const v = resolveKube(s);
  if (v === null) nulls++;
  return v === NOT_JSON ? bail() : typeof v === "string" && detach ? detached(v) : v;
}

/**
 * The same string, not a slice of the file's text: V8 keeps a substring of 13 characters or more as
 * a view of its parent, so a value held in the model would keep the whole file in memory.
 */
function detached(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}
