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

const JSON_STRING = /"(?:[^"\\\n]|\\.)*"/g;
const RUN = new RegExp(`[^\\s"]{${LONG_RUN + 1},}`, "g");

/**
 * `message` with every long value in it capped: a double-quoted (JSON) string of more than
 * QUOTE_MAX characters as `quote` gives it, and outside quotes a run of more than 200 characters
 * without white space. Short messages are returned as they are (at once).
 */
export function capMessage(message: string): string {
  if (message.length <= LONG_RUN) return message;
  const out = message.replace(JSON_STRING, (lit) => {
    if (lit.length <= QUOTE_MAX + 5) return lit; // at most QUOTE_MAX characters and "...": capped already
    let value: string;
    try { value = JSON.parse(lit) as string; } catch { return lit; }
    // (Capped already, its escapes making the literal longer: capped again it would say "(103 characters)".)
    if (value.length <= QUOTE_MAX + 3 && value.endsWith("...")) return lit;
    return quote(value);
  });
  // Runs outside the quoted strings (a quoted string keeps its own, capped, text).
  let result = "", last = 0;
  for (const m of out.matchAll(JSON_STRING)) {
    result += out.slice(last, m.index).replace(RUN, (run) => clip(run));
    result += m[0];
    last = m.index! + m[0].length;
  }
  return result + out.slice(last).replace(RUN, (run) => clip(run));
}
