// Go's strings functions where JavaScript's differ.

/**
 * Go's strings.TrimSpace (unicode.IsSpace): unlike String.prototype.trim, it keeps U+FEFF and trims
 * U+0085. By hand: a regular expression anchored at the end is quadratic on long inner runs of space.
 */
export function goTrimSpace(s: string): string {
  let a = 0, b = s.length;
  while (a < b && isGoSpace(s.charCodeAt(a))) a++;
  while (b > a && isGoSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isGoSpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}
