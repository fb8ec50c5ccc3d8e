// Finds where a field path is written in JSON text without parsing it into objects: values are
// skipped character by character, and the element offsets of large arrays (a dump's "items") are
// remembered, so looking up many objects of one 100 MB file stays cheap.

import type { Path } from "../model/source.js";

export class JsonIndex {
  /** Element offsets of the arrays scanned so far, by the array's offset. */
  private arrays = new Map<number, number[]>();
  private lines?: number[];

  constructor(private text: string) {}

  /** Offset of the deepest existing field on the path (a member's key, an element's start). */
  offsetOf(path: Path): number | undefined {
    const t = this.text;
    let pos = skipWs(t, 0), best = pos;
    for (const key of path) {
      if (t[pos] === "[" && typeof key === "number") {
        const at = this.elements(pos)[key];
        if (at === undefined) return best;
        pos = best = at;
      } else if (t[pos] === "{" && typeof key === "string") {
        const m = member(t, pos, key);
        if (!m) return best;
        best = m.key;
        pos = m.value;
      } else return best;
    }
    return best;
  }

  /** 1-based line of an offset. */
  lineAt(offset: number): number {
    if (!this.lines) {
      this.lines = [0];
      for (let k = this.text.indexOf("\n"); k >= 0; k = this.text.indexOf("\n", k + 1)) this.lines.push(k + 1);
    }
    let lo = 0, hi = this.lines.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >>> 1; if (this.lines[mid] <= offset) lo = mid; else hi = mid - 1; }
    return lo + 1;
  }

  private elements(pos: number): number[] {
    let list = this.arrays.get(pos);
    if (list) return list;
    list = [];
    const t = this.text;
    let k = skipWs(t, pos + 1);
    while (k < t.length && t[k] !== "]") {
      list.push(k);
      k = skipWs(t, skipValue(t, k));
      if (t[k] === ",") k = skipWs(t, k + 1);
      else break;
    }
    this.arrays.set(pos, list);
    return list;
  }
}

/** The member `key` of the object at `pos`: where its key and its value start. */
function member(t: string, pos: number, key: string): { key: number; value: number } | undefined {
  let k = skipWs(t, pos + 1);
  while (t[k] === '"') {
    const end = skipString(t, k);
    const name = JSON.parse(t.slice(k, end)) as string;
    const value = skipWs(t, skipWs(t, end) + 1);
    if (name === key) return { key: k, value };
    k = skipWs(t, skipValue(t, value));
    if (t[k] !== ",") return undefined;
    k = skipWs(t, k + 1);
  }
  return undefined;
}

function skipWs(t: string, k: number): number {
  while (k < t.length && (t[k] === " " || t[k] === "\n" || t[k] === "\r" || t[k] === "\t")) k++;
  return k;
}

/** The offset just after the string starting at k. */
function skipString(t: string, k: number): number {
  for (let e = k + 1; e < t.length; e++) {
    const c = t.charCodeAt(e);
    if (c === 92) e++;
    else if (c === 34) return e + 1;
  }
  return t.length;
}

/** The offset just after the value starting at k. */
function skipValue(t: string, k: number): number {
  const c = t[k];
  if (c === '"') return skipString(t, k);
  if (c !== "{" && c !== "[") {
    while (k < t.length && !",}] \n\r\t".includes(t[k])) k++;
    return k;
  }
  let depth = 0;
  for (let e = k; e < t.length; e++) {
    const ch = t.charCodeAt(e);
    if (ch === 34) e = skipString(t, e) - 1;
    else if (ch === 123 || ch === 91) depth++;
    else if ((ch === 125 || ch === 93) && --depth === 0) return e + 1;
  }
  return t.length;
}
