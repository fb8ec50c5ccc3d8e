// One copy of each string that repeats across the objects of a load: a dump's pods repeat their
// namespace, their owner's name and most label values, and JSON.parse gives each occurrence its own
// copy (V8 shares only strings of at most 10 characters). The table lives for one load.

let table: Map<string, string> | undefined;
let labels: Map<string, string> | undefined;
let nodes: Map<string, string> | undefined;
/** Which table is current: a new number whenever interning enters or leaves a load (runInterner compares it). */
let generation = 0;

/**
 * V8's JSON.parse keeps one copy of each string value of at most this many characters (JsonParser
 * internalizes them: 1M copies of a 10-character value parse to 8 MB, of an 11-character one to
 * 40 MB): such a string is already the only copy, and a look-up in the tables finds nothing to share.
 */
const JSON_SHARES = 10;

/** Whether the object being read came from JSON.parse (readingJson): its short strings are shared already. */
let json = false;

/**
 * Says whether the values being read come from JSON.parse (a `.json` file: lowering.ts sets it per
 * object). Interning only saves memory: a string kept twice reads the same, so a wrong answer here
 * costs memory, never a result (at 100k pods, 110k label values and 100k node names, most of them
 * short, skip the tables: about 120 ms of the load's CPU).
 */
export function readingJson(on: boolean): void {
  json = on;
}

/** Runs `f` with a table of its own (loads may nest: a load inside a load keeps its own). */
export function interning<T>(f: () => T): T {
  const outer = table, outerLabels = labels, outerNodes = nodes;
  table = new Map();
  labels = new Map();
  nodes = new Map();
  generation++;
  try { return f(); } finally { table = outer; labels = outerLabels; nodes = outerNodes; generation++; }
}

/**
 * intern() for a pod's node name, in a table of node names only. A cluster has a few thousand nodes
 * and each pod names one, in no order (the pods of a workload are spread over the nodes): a table of
 * node names stays in the processor's cache, the shared one (every label value, tens of thousands)
 * does not, and a look-up there cost as much as the rest of reading the pod's spec (100k pods). Node
 * names are kept once still: a cloud's are 25-40 characters, one copy per pod would be megabytes.
 */
export function internNode(s: string): string {
  if (!nodes || (json && s.length <= JSON_SHARES)) return s;
  const seen = nodes.get(s);
  if (seen !== undefined) return seen;
  nodes.set(s, s);
  return s;
}

/**
 * Per label key, the last value readLabels found valid with it (interned): the pods of a workload
 * come in a row with the same values, and comparing with the last one is cheaper than hashing a
 * fresh copy into the table and matching the label syntax again. Undefined outside a load.
 */
export function validLabels(): Map<string, string> | undefined {
  return labels;
}

/** The first copy of `s` seen in this load (`s` itself outside a load). */
export function intern(s: string): string {
  if (!table || (json && s.length <= JSON_SHARES)) return s;
  const seen = table.get(s);
  if (seen !== undefined) return seen;
  table.set(s, s);
  return s;
}

/**
 * intern() for a call site whose values come in runs (a file's namespace, a workload's owner and
 * service account): its last value is compared first, cheaper than hashing a fresh copy into the
 * table. Gives what intern() gives (the table's copy).
 */
export function runInterner(): (s: string) => string {
  // (The table's generation, not the table: these interners live in modules, and a table they held
  // stayed alive after its load, every string of it, until they were next called: through the whole
  // command after the load, and through an optimistic load's redo, load.ts optimistically.)
  let last: string | undefined, of = -1;
  return (s) => {
    if (s === last && of === generation && table) return last;
    last = intern(s);
    of = generation;
    return last;
  };
}
