// Streams the lines of a file (or stdin, "-") in bounded memory: chunks of 1 MiB, each split at
// its last newline, so a log of any size is read with a constant footprint. A line longer than
// MAX_LINE is an error (a binary file, or not a log), never an unbounded buffer.

import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 1 << 20;
export const MAX_LINE = 1 << 20;

export class LineError extends Error {}

/** Reads, waiting briefly when a non-blocking stdin has nothing yet (EAGAIN). */
function readChunk(fd: number, buf: Buffer, at: number): number {
  for (;;) {
    try { return readSync(fd, buf, at, buf.length - at, null); }
    catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); continue; }
      if (code === "EOF") return 0;
      throw e;
    }
  }
}

/** The lines of `path` ("-" for stdin), without their line ends (\n or \r\n). */
export function* readLines(path: string): Generator<string> {
  const fd = path === "-" ? 0 : openSync(path, "r");
  const buf = Buffer.allocUnsafe(CHUNK + MAX_LINE);
  let kept = 0;
  try {
    for (;;) {
      const n = readChunk(fd, buf, kept);
      const end = kept + n;
      if (n === 0) { if (end > 0) yield trim(buf.toString("utf8", 0, end)); return; }
      const last = buf.lastIndexOf(10, end - 1);
      if (last < 0) {
        if (end >= MAX_LINE) throw new LineError(`a line longer than ${MAX_LINE} bytes (is this a log file?)`);
        kept = end;
        continue;
      }
      const lines = buf.toString("utf8", 0, last).split("\n");
      for (const l of lines) yield trim(l);
      kept = end - last - 1;
      buf.copy(buf, 0, last + 1, end);
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

const trim = (l: string) => (l.endsWith("\r") ? l.slice(0, -1) : l);
