// Gateway API regular expressions (RE2, a full match) for njs, which reads JavaScript's dialect.
// Only the part of RE2 whose meaning is the same once rewritten is accepted: literals, classes,
// groups, alternation, quantifiers, anchors and the ASCII escapes. `.` and `\s` are spelled out
// (RE2's `.` excludes only \n; its `\s` is [\t\n\f\r ]). Anything else (Unicode classes, POSIX
// classes, flags, \A, \z, \C, \Q...\E) is refused with the construct named: never a near miss.

import { NginxUnsupported } from "./problems.js";

const SPACE = "\\t\\n\\f\\r ";
/** Escapes RE2 and JavaScript read alike (outside and inside classes). */
const SAME_ESCAPES = new Set(["d", "D", "w", "W", "t", "n", "f", "r", "v"]);

function refuse(pattern: string, what: string): never {
  throw new NginxUnsupported("regular expression syntax", `${JSON.stringify(pattern)} uses ${what}, which JavaScript (njs) reads differently from RE2`);
}

/** One escape sequence at `i` (just after the backslash); returns [JS text, characters consumed]. */
function escape(p: string, i: number, inClass: boolean): [string, number] {
  const c = p[i];
  if (c === undefined) refuse(p, "a trailing backslash");
  if (SAME_ESCAPES.has(c)) return [`\\${c}`, 1];
  if (c === "s") return [inClass ? SPACE : `[${SPACE}]`, 1];
  if (c === "S" && !inClass) return [`[^${SPACE}]`, 1];
  if ((c === "b" || c === "B") && !inClass) return [`\\${c}`, 1];
  if (c === "x" && /^[0-9A-Fa-f]{2}$/.test(p.slice(i + 1, i + 3))) return [`\\x${p.slice(i + 1, i + 3)}`, 3];
  if (/[^A-Za-z0-9]/.test(c) && c.charCodeAt(0) < 128) return [`\\${c}`, 1];
  return refuse(p, `the escape \\${c}`);
}

function charClass(p: string, start: number): [string, number] {
  let i = start + 1;
  let out = "[";
  if (p[i] === "^") { out += "^"; i++; }
  if (p[i] === "]") refuse(p, "a class starting with ]");
  for (; i < p.length && p[i] !== "]"; i++) {
    if (p.startsWith("[:", i)) refuse(p, "a POSIX class [:...:]");
    if (p[i] === "[") { out += "\\["; continue; }
    if (p[i] === "\\") { const [t, n] = escape(p, i + 1, true); out += t; i += n; continue; }
    out += p[i];
  }
  if (p[i] !== "]") refuse(p, "an unterminated class");
  return [`${out}]`, i - start + 1];
}

function group(p: string, i: number): [string, number] {
  if (p[i + 1] !== "?") return ["(", 1];
  if (p[i + 2] === ":") return ["(?:", 3];
  const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(p.slice(i));
  if (named) return ["(", named[0].length];
  return refuse(p, `the group or flag syntax ${p.slice(i, i + 4)}`);
}

/** The JavaScript source that matches exactly what RE2 `pattern` fully matches; throws NginxUnsupported. */
export function re2ToJs(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    let piece: [string, number];
    if (c === "\\") { const [t, n] = escape(pattern, i + 1, false); piece = [t, n + 1]; }
    else if (c === "[") piece = charClass(pattern, i);
    else if (c === "(") piece = group(pattern, i);
    else if (c === ".") piece = ["[^\\n]", 1];
    else if (c === "{" && /^\{,/.test(pattern.slice(i))) refuse(pattern, "a {,n} repetition");
    else if (c.charCodeAt(0) > 127) refuse(pattern, "a non-ASCII character");
    else piece = [c, 1];
    out += piece![0];
    i += piece![1];
  }
  return `^(?:${out})$`;
}
