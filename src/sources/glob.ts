// Go's path/filepath Glob and Match, as kubectl -f uses them: cli-runtime builder.go
// expandIfFilePattern expands a -f path that does not exist and holds a pattern character
// (`*`, `?`, `[`, `\`), so `kubectl apply -f 'deploy/*.yaml'` (quoted: the shell left it) reads
// the files the pattern matches.

import { lstatSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { byCodePoint } from "./read.js";

/** filepath.ErrBadPattern's text. */
export const BAD_PATTERN = "syntax error in pattern";

/** filepath's hasMeta (Unix): the characters that make a path a pattern. */
export function hasMeta(path: string): boolean {
  return /[*?[\\]/.test(path);
}

/**
 * filepath.Match of one path element: `*` any run of characters but '/', `?` one, `[...]` a class
 * (`[^...]` negated, `a-z` ranges, `\` escapes), `\c` the character c. Throws BAD_PATTERN as Go
 * returns ErrBadPattern (also when the name does not match but the rest of the pattern is bad).
 */
export function match(pattern: string, name: string): boolean {
  return compile(pattern).test(name);
}

const compiled = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re) return re;
  let out = "^";
  const cp = [...pattern];
  for (let i = 0; i < cp.length; i++) {
    const c = cp[i];
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "\\") { if (++i >= cp.length) throw new Error(BAD_PATTERN); out += escape(cp[i]); }
    else if (c === "[") {
      i++;
      let negated = false, cls = "", count = 0;
      if (cp[i] === "^") { negated = true; i++; }
      for (;; count++) {
        if (i >= cp.length) throw new Error(BAD_PATTERN);
        if (cp[i] === "]" && count > 0) break;
        const lo = classChar(cp, i);
        i = lo.next;
        if (cp[i] === "-") {
          const hi = classChar(cp, i + 1);
          // (A range from a higher character to a lower one matches nothing, as in Go.)
          if (hi.char >= lo.char) cls += `${escape(String.fromCodePoint(lo.char), true)}-${escape(String.fromCodePoint(hi.char), true)}`;
          i = hi.next;
        } else cls += escape(String.fromCodePoint(lo.char), true);
      }
      // (Go's class never matches the separator: the name is one path element here.)
      out += negated ? `[^/${cls}]` : `[${cls}]`;
    } else out += escape(c);
  }
  re = new RegExp(out + "$", "su");
  compiled.set(pattern, re);
  return re;
}

/** A character of a class (Go's getEsc): `\c` is c; '-' and ']' at its place, or the end, are errors. */
function classChar(cp: string[], i: number): { char: number; next: number } {
  let c = cp[i];
  if (c === undefined || c === "-" || c === "]") throw new Error(BAD_PATTERN);
  if (c === "\\") { c = cp[++i]; if (c === undefined) throw new Error(BAD_PATTERN); }
  return { char: c.codePointAt(0)!, next: i + 1 };
}

/** A character as a literal in a regular expression (u mode: only syntax characters, and '-' in a class, may be escaped). */
function escape(c: string, inClass = false): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) || (inClass && c === "-") ? `\\${c}` : c;
}

/**
 * filepath.Glob: the paths the pattern matches, each folder's names in Go's order; a pattern in a
 * folder part expands that folder first. I/O errors are ignored, as Go ignores them. Throws
 * BAD_PATTERN.
 */
export function glob(pattern: string, depth = 0): string[] {
  match(pattern, "");
  if (!hasMeta(pattern)) {
    try { lstatSync(pattern); return [pattern]; } catch { return []; }
  }
  const slash = pattern.lastIndexOf("/");
  const rawDir = pattern.slice(0, slash + 1), file = pattern.slice(slash + 1);
  // cleanGlobPath: "" is ".", "/" stays, else the trailing separator goes.
  const dir = rawDir === "" ? "." : rawDir === "/" ? "/" : rawDir.slice(0, -1);
  if (!hasMeta(dir)) return globIn(dir, file, []);
  if (dir === pattern || depth > 10_000) throw new Error(BAD_PATTERN);
  let out: string[] = [];
  for (const d of glob(dir, depth + 1)) out = globIn(d, file, out);
  return out;
}

/** The paths a -f path stands for: itself, or what it matches as a pattern when it does not exist (the watchers follow those). */
export function expandPath(path: string): string[] {
  if (path === "-" || !hasMeta(path)) return [path];
  try { statSync(path); return [path]; } catch { /* a pattern */ }
  try { const m = glob(path); return m.length ? m : [path]; } catch { return [path]; }
}

function globIn(dir: string, pattern: string, out: string[]): string[] {
  let names: string[];
  try { if (!statSync(dir).isDirectory()) return out; names = readdirSync(dir); } catch { return out; }
  for (const n of names.sort(byCodePoint)) if (match(pattern, n)) out.push(join(dir, n));
  return out;
}
