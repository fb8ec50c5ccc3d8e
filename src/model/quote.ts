// How a message quotes the user's values: whole when short, the first QUOTE_MAX characters and
// "... (N characters)" when long, so that a 1 MB label value or name does not print 1 MB into every
// error that names it (and into serve's answers). One helper for every message: `quote` where a
// message is written, and `capMessage`, which Diagnostics and formatDiagnostic apply to every
// message, so that a value quoted by JSON.stringify (or not quoted at all) is capped too.

/** Characters of a value a message shows. */
export const QUOTE_MAX = 100;

/** A run of this many characters without white space (outside double quotes) is a value, not prose. */
const LONG_RUN = 200;

/** Characters (code points) in `s`. */
function characters(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) { const d = s.charCodeAt(i + 1); if (d >= 0xdc00 && d <= 0xdfff) { n--; i++; } }
  }
  return n;
}

/** The first `max` characters of `s`, never half a surrogate pair. */
function head(s: string, max: number): string {
  let end = Math.min(max, s.length);
  const c = s.charCodeAt(end - 1);
  if (end < s.length && c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end);
}

/** `text` itself, or its first QUOTE_MAX characters and "... (N characters)". */
export function clip(text: string, max = QUOTE_MAX): string {
  if (text.length <= max) return text;
  return `${head(text, max)}... (${characters(text)} characters)`;
}

/** A value as a message quotes it: JSON (`"web"`, `80`), the string's first QUOTE_MAX characters when it is longer. */
export function quote(value: unknown, max = QUOTE_MAX): string {
  if (typeof value !== "string") {
    let json: string;
    // (JSON.stringify recurses: a value nested some thousand levels deep, which JSON.parse reads, overflows the stack.)
    try { json = JSON.stringify(value) ?? String(value); } catch { json = `${Array.isArray(value) ? "a list" : "an object"} nested too deeply to show`; }
    return json.length <= max ? json : clip(json, max);
  }
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(head(value, max)).slice(0, -1)}..." (${characters(value)} characters)`;
}

/**
 * `message` with every long value in it capped: a double-quoted (JSON) string of more than
 * QUOTE_MAX characters as `quote` gives it, and outside quotes a run of more than 200 characters
 * without white space. Short messages are returned as they are (at once). Scanned by hand, in linear
 * time: V8's regular expressions (a quoted string as `"(?:[^"\\\n]|\\.)*"`, a run as
 * `[^\s"]{201,}`) overflow the stack on a value of some million characters (a 10 MB label value
 * was an internal error).
 */
export function capMessage(message: string): string {
  if (message.length <= LONG_RUN) return message;
  let result = "", plain = 0;
  for (let i = 0; i < message.length; i++) {
    if (message.charCodeAt(i) !== 0x22) continue;
    const end = quotedEnd(message, i);
    // (No literal from here: the next `"` is tried, as a regular expression would; past a long
    // failed scan, from where it failed, so that raw text of `\"` pairs cannot take quadratic time.)
    if (end < 0) { if (-end - i > 4096) i = -end - 1; continue; }
    result += capRuns(message.slice(plain, i)) + capLiteral(message.slice(i, end));
    plain = end;
    i = end - 1;
  }
  return result + capRuns(message.slice(plain));
}

/**
 * The end of the JSON string literal that starts at `at` (a `"`), or minus where the scan failed: a
 * literal is `"`, then characters other than `"`, `\\` and a line feed or escapes (`\\` and a
 * character that is not a line break), then `"`.
 */
function quotedEnd(s: string, at: number): number {
  let j = at + 1;
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x0a) return -j;
    if (c === 0x5c) {
      const d = s.charCodeAt(j + 1);
      if (j + 1 >= s.length || d === 0x0a || d === 0x0d || d === 0x2028 || d === 0x2029) return -j;
      j++;
    }
  }
  return -j;
}

/** A JSON string literal of a message, capped as `quote` caps its value. */
function capLiteral(lit: string): string {
  if (lit.length <= QUOTE_MAX + 5) return lit; // at most QUOTE_MAX characters and "...": capped already
  let value: string;
  try { value = JSON.parse(lit) as string; } catch { return lit; }
  // (Capped already, its escapes making the literal longer: capped again it would say "(103 characters)".)
  if (value.length <= QUOTE_MAX + 3 && value.endsWith("...")) return lit;
  return quote(value);
}

/** `text` (outside quoted strings) with each run of more than LONG_RUN characters that are neither white space nor `"` clipped. */
function capRuns(text: string): string {
  if (text.length <= LONG_RUN) return text;
  let out = "", from = 0, run = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && !isSpace(text.charCodeAt(i)) && text.charCodeAt(i) !== 0x22) continue;
    if (i - run > LONG_RUN) { out += text.slice(from, run) + clip(text.slice(run, i)); from = i; }
    run = i + 1;
  }
  return out + text.slice(from);
}

/** JavaScript's `\s`: white space and line terminators. */
function isSpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
