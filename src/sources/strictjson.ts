// JSON as the API server decodes it with strict field validation (kubectl's default): standard
// JSON only, and a key given twice in one object is an error ("duplicate field"), which JSON.parse
// would silently resolve to the last. Objects deeper than MAX_DEPTH are refused.

import { MAX_DEPTH } from "./kubeyaml.js";

export class JsonReadError extends Error {
  constructor(message: string, readonly offset: number | undefined) { super(message); }
}

/** Parses one JSON value; throws JsonReadError for invalid JSON, duplicate keys or too deep nesting. */
export function parseStrictJson(text: string): unknown {
  let value: unknown;
  try { value = JSON.parse(text); }
  catch (e) { throw new JsonReadError(`invalid JSON: ${(e as Error).message.replace(/^Unexpected/, "unexpected")}`, errorOffset(e as Error)); }
  // Cheap check first: as many keys written as the parsed objects hold, and no deep nesting. Only
  // when it fails is the text walked again to say where.
  const keys = keyCount(value);
  if (keys < 0 || keyTokens(text) !== keys) checkKeys(text);
  return value;
}

/** How many strings in the text are object keys (followed by a colon). */
function keyTokens(t: string): number {
  let n = 0;
  for (let i = 0; ;) {
    const q = t.indexOf('"', i);
    if (q < 0) return n;
    i = closingQuote(t, q) + 1;
    let k = i;
    while (t.charCodeAt(k) <= 0x20) k++;
    if (t.charCodeAt(k) === 0x3a) n++;
  }
}

/** The keys of every object in a parsed value; -1 when it is nested deeper than MAX_DEPTH. */
function keyCount(v: unknown): number {
  let n = 0;
  const stack: unknown[] = [v], depths: number[] = [0];
  while (stack.length) {
    const x = stack.pop(), depth = depths.pop()! + 1;
    if (depth > MAX_DEPTH) return -1;
    if (Array.isArray(x)) {
      for (const y of x) if (y !== null && typeof y === "object") { stack.push(y); depths.push(depth); }
    } else {
      for (const k in x as object) {
        n++;
        const y = (x as Record<string, unknown>)[k];
        if (y !== null && typeof y === "object") { stack.push(y); depths.push(depth); }
      }
    }
  }
  return n;
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
  if (Array.isArray(keys) ? keys.includes(key) : keys.has(key)) throw new JsonReadError(`duplicate field ${JSON.stringify(key)} (kubectl --validate=strict rejects duplicate fields)`, at);
  if (!Array.isArray(keys)) keys.add(key);
  else if (keys.length < 16) keys.push(key);
  else stack[stack.length - 1] = new Set([...keys, key]);
}
