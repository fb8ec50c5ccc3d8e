// A line diff (Myers' O(ND) algorithm) printed as unified-diff hunks: what `junction agent --dry-run`
// shows between the loaded ruleset and the one it would load.

import { append } from "../model/arrays.js";

type Op = { kind: " " | "-" | "+"; line: string };

/** Past this many differing lines, a diff shows the whole replacement (Myers' trace is quadratic in it). */
const MAX_EDITS = 3000;

/** The shortest edit script turning `a` into `b` (common head and tail set aside first). */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const same = (lines: readonly string[]): Op[] => lines.map((line) => ({ kind: " ", line }));
  const midA = a.slice(head, a.length - tail), midB = b.slice(head, b.length - tail);
  const mid = midA.length + midB.length > MAX_EDITS
    ? [...midA.map((line): Op => ({ kind: "-", line })), ...midB.map((line): Op => ({ kind: "+", line }))]
    : myers(midA, midB);
  return [...same(a.slice(0, head)), ...mid, ...same(a.slice(a.length - tail))];
}

function myers(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length, m = b.length, max = n + m;
  const v = new Map<number, number>([[1, 0]]);
  const trace: Map<number, number>[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(new Map(v));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v.get(k - 1)! < v.get(k + 1)!) ? v.get(k + 1)! : v.get(k - 1)! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v.set(k, x);
      if (x >= n && y >= m) return backtrack(trace, a, b, d);
    }
  }
  return [];
}

function backtrack(trace: Map<number, number>[], a: readonly string[], b: readonly string[], dEnd: number): Op[] {
  const ops: Op[] = [];
  let x = a.length, y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d], k = x - y;
    const prevK = k === -d || (k !== d && v.get(k - 1)! < v.get(k + 1)!) ? k + 1 : k - 1;
    const prevX = v.get(prevK)!, prevY = prevX - prevK;
    while (x > prevX && y > prevY) ops.push({ kind: " ", line: a[--x] }), y--;
    if (x === prevX) ops.push({ kind: "+", line: b[--y] });
    else ops.push({ kind: "-", line: a[--x] });
  }
  while (x > 0 && y > 0) ops.push({ kind: " ", line: a[--x] }), y--;
  return ops.reverse();
}

/** Unified-diff hunks with `context` lines around changes; "" when the texts are equal. */
export function unifiedDiff(before: string, after: string, labels: [string, string], context = 2): string {
  const lines = (t: string) => (t === "" ? [] : t.split("\n"));
  const ops = editScript(lines(before), lines(after));
  const changed = ops.map((o, i) => (o.kind !== " " ? i : -1)).filter((i) => i >= 0);
  if (!changed.length) return "";
  const out = [`--- ${labels[0]}`, `+++ ${labels[1]}`];
  let i = 0;
  while (i < changed.length) {
    let j = i;
    while (j + 1 < changed.length && changed[j + 1] - changed[j] <= 2 * context + 1) j++;
    const from = Math.max(0, changed[i] - context), to = Math.min(ops.length - 1, changed[j] + context);
    const lineA = ops.slice(0, from).filter((o) => o.kind !== "+").length + 1;
    const lineB = ops.slice(0, from).filter((o) => o.kind !== "-").length + 1;
    const hunk = ops.slice(from, to + 1);
    const countA = hunk.filter((o) => o.kind !== "+").length, countB = hunk.filter((o) => o.kind !== "-").length;
    // An empty side is numbered from the line before it, as diff -u does.
    out.push(`@@ -${countA ? lineA : lineA - 1},${countA} +${countB ? lineB : lineB - 1},${countB} @@`);
    append(out, hunk.map((o) => `${o.kind}${o.line}`));
    i = j + 1;
  }
  return out.join("\n") + "\n";
}
