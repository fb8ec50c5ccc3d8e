// JSON as the API server decodes it with strict field validation (kubectl's default): standard
// JSON only, and a key given twice in one object is an error ("duplicate field"), which JSON.parse
// would silently resolve to the last. Objects deeper than MAX_DEPTH are refused.

import { MAX_DEPTH } from "./kubeyaml.js";

export class JsonReadError extends Error {
  constructor(message: string, readonly offset: number | undefined) { super(message); }
}

/**
 * Parses one JSON value as Go's encoding/json reads it for kubectl; throws JsonReadError for
 * invalid JSON, duplicate keys, too deep nesting, or a number beyond float64 (Go: "cannot unmarshal
 * number 1E400 into Go value of type float64"). A `\u` escape of a lone UTF-16 surrogate is
 * U+FFFD, as Go decodes it (JSON.parse would keep the lone surrogate). `seen.nulls`: whether the
 * value holds a null; `seen.exact`: whether the value is `JSON.parse(text)`'s own (no int64 token
 * and no lone surrogate rewritten).
 */
export function parseStrictJson(text: string, seen?: { nulls: boolean; exact?: boolean }): unknown {
  let value: unknown;
  const parsed = int64Exact(text);
  if (seen) seen.exact = parsed === text;
  try { value = JSON.parse(parsed); }
  catch (e) { throw new JsonReadError(`invalid JSON: ${(e as Error).message.replace(/^Unexpected/, "unexpected")}`, errorOffset(e as Error)); }
  // Cheap check first: no deep nesting, and as many key colons written as the parsed objects hold
  // keys (a duplicate key is written but held once; keyColons counts every written key, and
  // possibly more). Only when it fails is the text walked again to say where.
  const keys = keyCount(value, seen);
  if (keys < 0 || keyColons(text) !== keys) checkKeys(text);
  if (keys === INFINITE) {
    const at = infiniteNumber(text);
    throw new JsonReadError(`the number ${at ? text.slice(at[0], Math.min(at[1], at[0] + 24)) : ""}${at && at[1] - at[0] > 24 ? "…" : ""} is beyond the range of a 64-bit float: kubectl's JSON decoder fails on it ("cannot unmarshal number into Go value of type float64")`, at?.[0]);
  }
  // (indexOf first: it scans a large text several times faster than the regular expression.)
  if (text.includes("\\u") && /\\u[dD][89a-fA-F]/.test(text)) {
    if (seen) seen.exact = false;
    return wellFormed(value);
  }
  return value;
}

/**
 * The JSON values of a text that holds several, one after another (`{...}{...}` or one per line):
 * kubectl's decoder reads such a stream as that many objects. Undefined when the text is not such
 * a stream (kubectl then reads it as YAML). Throws JsonReadError as parseStrictJson does.
 */
export function parseJsonStream(text: string): { values: unknown[]; ranges: [number, number][] } | undefined {
  const values: unknown[] = [], ranges: [number, number][] = [];
  for (let start = 0; start < text.length;) {
    let end = text.length;
    try { JSON.parse(text.slice(start)); }
    catch (e) {
      const m = /^Unexpected non-whitespace character after JSON at position (\d+)/.exec((e as Error).message);
      if (!m) return undefined;
      end = start + Number(m[1]);
    }
    try { values.push(parseStrictJson(text.slice(start, end))); }
    catch (e) { if (e instanceof JsonReadError && e.offset !== undefined) throw new JsonReadError(e.message, start + e.offset); throw e; }
    ranges.push([start, end]);
    start = end;
    while (start < text.length && " \t\r\n".includes(text[start])) start++;
  }
  return values.length > 1 ? { values, ranges } : undefined;
}

/**
 * The text with each integer from 2^63 - 512 to 2^63 - 1 written as 9223372036854774784, the largest
 * double below 2^63, which JSON.parse then reads exactly (kubeyaml.ts int64Number: as written,
 * JSON.parse would round it to 2^63, beyond int64, which an int64 field then refuses; Go reads it as
 * an int64). Same length, so offsets in the text stay true; only tokens outside strings are changed.
 */
export function int64Exact(text: string): string {
  // (indexOf first: almost no text holds these digits.)
  if (!text.includes("922337203685477")) return text;
  let out = text;
  const re = /(?<![\d.eE+-])9223372036854775(\d{3})(?![\d.eE])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const low = Number(m[1]);
    if (low < 296 || low > 807 || insideString(text, m.index)) continue;
    out = out.slice(0, m.index) + MAX_INT64_TEXT + out.slice(m.index + m[0].length);
  }
  return out;
}

const MAX_INT64_TEXT = "9223372036854774784";

/** Whether offset `at` of a JSON text is inside a string literal (counted from the start: only for rare tokens). */
function insideString(text: string, at: number): boolean {
  let inside = false;
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) inside = !inside;
    else if (c === 0x5c && inside) i++;
  }
  return inside;
}

/** Where the first number token that JSON.parse makes infinite is, as [start, end). */
function infiniteNumber(text: string): [number, number] | undefined {
  const re = /([:[,]\s*)(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?=\s*[,}\]])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (!Number.isFinite(Number(m[2]))) return [m.index + m[1].length, m.index + m[0].length];
  }
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string with lone surrogates replaced by U+FFFD (String.prototype.toWellFormed). */
function toWellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, "\uFFFD");
}

/** The value with lone surrogates in strings and keys replaced by U+FFFD. */
function wellFormed(v: unknown): unknown {
  if (typeof v === "string") return toWellFormed(v);
  if (Array.isArray(v)) return v.map(wellFormed);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const key = toWellFormed(k);
    if (Object.prototype.hasOwnProperty.call(out, key)) throw new JsonReadError(`duplicate field ${JSON.stringify(key)} (two keys with invalid \\u escapes, both U+FFFD to kubectl)`, undefined);
    Object.defineProperty(out, key, { value: wellFormed(x), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * How many colons in the text follow an unescaped quote (white space between): at least the number
 * of object keys, since every key's closing quote is followed by its colon, and more only when a
 * string value starts with a colon (`": x"`), where checkKeys then looks properly. Walking the
 * colons is a third of the cost of walking every string of the text (there are twice as many
 * strings as keys, and each has two quotes).
 */
function keyColons(t: string): number {
  let n = 0;
  for (let c = t.indexOf(":"); c >= 0; c = t.indexOf(":", c + 1)) {
    let q = c - 1, ch = t.charCodeAt(q);
    // (JSON.parse accepted the text: outside strings, a character up to U+0020 is white space.)
    while (ch <= 0x20 && q > 0) ch = t.charCodeAt(--q);
    if (ch !== 0x22) continue;
    let backslashes = 0;
    while (t.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) n++;
  }
  return n;
}

/**
 * Whether a parsed value is nested deeper than MAX_DEPTH: JSON.parse reads any depth, the readers'
 * recursion (schema validation, fields) overflows the stack on some thousands of levels.
 */
export function tooDeep(v: unknown): boolean {
  return v !== null && typeof v === "object" && keyCount(v) === -1;
}

/** keyCount's answer for a value holding a number JSON.parse made infinite. */
const INFINITE = -2;

/**
 * The keys of every object in a parsed value; -1 when it is nested deeper than MAX_DEPTH, INFINITE
 * when it holds ±Infinity. Sets `seen.nulls` when it holds a null (its whole walk: not after -1).
 */
function keyCount(v: unknown, seen?: { nulls: boolean }): number {
  if (typeof v === "number") return Number.isFinite(v) ? 0 : INFINITE;
  let n = 0, infinite = false, nulls = v === null;
  const stack: unknown[] = [v], depths: number[] = [0];
  while (stack.length) {
    const x = stack.pop(), depth = depths.pop()! + 1;
    if (depth > MAX_DEPTH) return -1;
    if (Array.isArray(x)) {
      for (const y of x) {
        if (y !== null && typeof y === "object") { stack.push(y); depths.push(depth); }
        else if (y === null) nulls = true;
        else if (y === Infinity || y === -Infinity) infinite = true;
      }
    } else {
      for (const k in x as object) {
        n++;
        const y = (x as Record<string, unknown>)[k];
        if (y !== null && typeof y === "object") { stack.push(y); depths.push(depth); }
        else if (y === null) nulls = true;
        else if (y === Infinity || y === -Infinity) infinite = true;
      }
    }
  }
  if (seen) seen.nulls = nulls;
  return infinite ? INFINITE : n;
}

function errorOffset(e: Error): number | undefined {
  const m = /position (\d+)/.exec(e.message);
  return m ? Number(m[1]) : undefined;
}

/**
 * One pass over text JSON.parse accepted: the keys of each object (compared as written, unescaped
 * only when they hold a backslash) and the nesting depth. Strings are skipped with indexOf; only
 * the short stretches between them are looked at character by character.
 */
function checkKeys(t: string): void {
  const stack: (string[] | Set<string> | null)[] = [];
  let i = 0;
  for (;;) {
    const q = t.indexOf('"', i);
    const gapEnd = q < 0 ? t.length : q;
    for (let k = i; k < gapEnd; k++) {
      const c = t.charCodeAt(k);
      if (c === 0x7b || c === 0x5b) {
        stack.push(c === 0x7b ? [] : null);
        if (stack.length > MAX_DEPTH) throw new JsonReadError(`nested more than ${MAX_DEPTH} levels deep`, k);
      } else if (c === 0x7d || c === 0x5d) stack.pop();
    }
    if (q < 0) return;
    const end = closingQuote(t, q);
    i = end + 1;
    const keys = stack[stack.length - 1];
    if (!keys) continue;
    let k = i;
    while (t.charCodeAt(k) <= 0x20) k++;
    if (t.charCodeAt(k) !== 0x3a) continue;
    const raw = t.slice(q + 1, end);
    addKey(stack, keys, raw.includes("\\") ? JSON.parse(`"${raw}"`) as string : raw, q);
  }
}

function closingQuote(t: string, open: number): number {
  let end = t.indexOf('"', open + 1);
  for (;;) {
    let backslashes = 0;
    while (t.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = t.indexOf('"', end + 1);
  }
}

function addKey(stack: (string[] | Set<string> | null)[], keys: string[] | Set<string>, key: string, at: number): void {
  if (Array.isArray(keys) ? keys.includes(key) : keys.has(key)) throw new JsonReadError(`duplicate field ${JSON.stringify(key)}: kubectl would silently keep only the last one (the API server's strict decoding refuses duplicate fields in a request body); remove one`, at);
  if (!Array.isArray(keys)) keys.add(key);
  else if (keys.length < 16) keys.push(key);
  else stack[stack.length - 1] = new Set([...keys, key]);
}
