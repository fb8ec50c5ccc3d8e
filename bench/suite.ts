// What a benchmark suite is: a name, the sizes it knows, and a function that measures one size
// (run in its own process, so that peak memory and garbage collection belong to that size alone).
// Suites are listed in suites.ts; adding one is adding a module there.

export interface Figure {
  /** Row label, e.g. "load (YAML)". */
  label: string;
  /** Shown as is (formatted by the suite). */
  value: string;
}

export interface SizeResult {
  size: string;
  figures: Figure[];
  /** Lines printed under the table (agreement checks, notes). */
  notes: string[];
}

export interface Suite {
  name: string;
  title: string;
  /** Run by `npm run bench` without --suite. */
  byDefault: boolean;
  /** Sizes run when --sizes is not given, in order. */
  defaultSizes: string[];
  sizes: string[];
  /** Measures one size; runs inside a child process. */
  run(size: string, runs: number, log: (line: string) => void): Promise<SizeResult>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Milliseconds of one call. */
export async function time(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export function ms(x: number): string {
  if (x >= 86_400_000) return `${(x / 1000).toExponential(1)} s (${(x / 86_400_000).toFixed(0)} days)`;
  if (x >= 10_000) return `${(x / 1000).toFixed(1)} s`;
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  if (x >= 10) return `${x.toFixed(0)} ms`;
  if (x >= 1) return `${x.toFixed(1)} ms`;
  return `${x.toFixed(2)} ms`;
}

export function mib(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(0)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}
