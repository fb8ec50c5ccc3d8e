// One copy of each string that repeats across the objects of a load: a dump's pods repeat their
// namespace, their owner's name and most label values, and JSON.parse gives each occurrence its own
// copy (V8 shares only strings of at most 10 characters). The table lives for one load.

let table: Map<string, string> | undefined;

/** Runs `f` with a table of its own (loads may nest: a load inside a load keeps its own). */
export function interning<T>(f: () => T): T {
  const outer = table;
  table = new Map();
  try { return f(); } finally { table = outer; }
}

/** The first copy of `s` seen in this load (`s` itself outside a load). */
export function intern(s: string): string {
  if (!table) return s;
  const seen = table.get(s);
  if (seen !== undefined) return seen;
  table.set(s, s);
  return s;
}
