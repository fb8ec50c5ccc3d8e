// What a folder walk reads, and in which order (read.ts, and the pre-reader's thread, preread-thread.ts,
// which loads nothing else).

/** kubectl's FileExtensions, compared as filepath.Ext gives them: case-sensitive (`a.YAML` is skipped). */
export const MANIFEST = /\.(ya?ml|json)$/;

/** Whether a subfolder of a -f folder is skipped: a hidden one or node_modules, unless `recursive` (-R). */
export function skipsFolder(name: string, recursive: boolean): boolean {
  return !recursive && (name.startsWith(".") || name === "node_modules");
}

/** Files from this size on are read in chunks (read.ts readBounded), never ahead (preread.ts). */
export const BIG_FILE = 64 * 1024 ** 2;

/**
 * Go's order of names (filepath.Walk sorts a folder's names as strings of UTF-8 bytes, which is
 * code point order): JavaScript's `<` compares UTF-16 units, which puts an astral character (a
 * surrogate pair) before U+E000-U+FFFF. The order decides which of two definitions of an object is
 * the last one applied.
 */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff, sy = y >= 0xd800 && y <= 0xdfff;
    return sx !== sy && Math.max(x, y) >= 0xe000 ? (sx ? 1 : -1) : x - y;
  }
  return a.length - b.length;
}

