// "Did you mean ...?": the candidates close to a mistyped name. The rule is cobra's (kubectl's)
// command suggestion: a case-insensitive Levenshtein distance of at most 2, or a prefix.

import { minOf } from "./arrays.js";

export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase(), y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[y.length];
}

/** The closest candidates within `max` edits of `typed` (a prefix counts as closest), at most `limit`. */
export function closest(typed: string, candidates: Iterable<string>, max = 2, limit = 3): string[] {
  if (!typed) return [];
  const lower = typed.toLowerCase();
  const scored = [...new Set(candidates)]
    // (The distance is at least the difference in length: a long word is not compared in full.)
    .map((c) => ({ c, d: c.toLowerCase().startsWith(lower) ? 0.5 : Math.abs(c.length - typed.length) > max ? max + 1 : editDistance(typed, c) }))
    .filter((s) => s.d <= max && s.c !== typed);
  // The closest only: "jsn" suggests json (1 edit), not also csv (2).
  const best = minOf(scored.map((s) => s.d));
  return scored.filter((s) => s.d === best).sort((p, q) => p.c.localeCompare(q.c)).slice(0, limit).map((s) => s.c);
}

/** " (did you mean A or B?)", or "" when nothing is close. */
export function didYouMean(typed: string, candidates: Iterable<string>, max = 2): string {
  const found = closest(typed, candidates, max);
  if (!found.length) return "";
  return ` (did you mean ${found.length === 1 ? found[0] : `${found.slice(0, -1).join(", ")} or ${found[found.length - 1]}`}?)`;
}
