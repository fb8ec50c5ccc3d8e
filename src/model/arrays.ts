// Array helpers for lists whose length grows with the cluster. Spreading an array into a call
// (`out.push(...xs)`, `Math.max(...xs)`) passes every element on the stack, and V8 throws "Maximum
// call stack size exceeded" above about 125k elements: one per pod at 150k pods.

/** Appends every item to `target` (what `target.push(...items)` does, at any length); returns target. */
export function append<T>(target: T[], items: Iterable<T>): T[] {
  for (const x of items) target.push(x);
  return target;
}

/** The largest of the values, or `floor` when there are none or all are smaller. */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let m = floor;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** The smallest of the values, or `ceiling` when there are none or all are larger. */
export function minOf(values: Iterable<number>, ceiling = Infinity): number {
  let m = ceiling;
  for (const v of values) if (v < m) m = v;
  return m;
}

/**
 * Sorts strings in place in the order `Array.prototype.sort()` without a comparator gives (UTF-16
 * code units, which `<` compares); returns the array. Short lists (a pod's labels, a few ports) are
 * sorted by insertion, without the temporary arrays the built-in sort allocates per call: the
 * engine sorts such a list for every endpoint.
 */
export function sortStrings(a: string[]): string[] {
  if (a.length > 16) return a.sort();
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > x) { a[j + 1] = a[j]; j--; }
    a[j + 1] = x;
  }
  return a;
}
