// The composition root (bin/junction.js loads it): binds the CLI to the process. runCli turns an
// unexpected exception into one line and exit 70; an error escaping it (a stray callback) gets the same.

import { readStdin } from "../sources/read.js";
import { internalError, runCli } from "./run.js";
import { EXIT } from "./command.js";
import { escapeControls } from "./terminal.js";
import { fstatSync, writeSync } from "node:fs";

/** Whether stdout is a regular file: Node then writes it synchronously (a pipe or terminal may queue what it cannot write at once). */
let stdoutFile: boolean | undefined;
const toFile = () => (stdoutFile ??= (() => { try { return fstatSync(1).isFile(); } catch { return false; } })());

/**
 * Whether stdout (a pipe or terminal) was made blocking: its writes then complete before they return
 * (POSIX; libuv opens a pipe non-blocking, and the stream queues what the reader has not taken).
 */
let stdoutBlocking: boolean | undefined;
const blocking = () => (stdoutBlocking ??= (() => {
  if (process.platform === "win32") return false;
  try {
    const handle = (process.stdout as unknown as { _handle?: { setBlocking?: (on: boolean) => number } })._handle;
    return typeof handle?.setBlocking === "function" && handle.setBlocking(true) === 0;
  } catch { return false; }
})());

/**
 * Bytes to a pipe or terminal: written here, in full, while the stream holds nothing queued (no copy:
 * the caller reuses its buffer); what cannot be written so is copied and queued on the stream. A
 * copy per piece made, at 100k pods, 152 MB of buffers outside the heap for `list -o json | ...`,
 * and V8 answers that much external memory with full collections (two, 230-410 ms, against none).
 */
function writeBytes(b: Uint8Array): void {
  let n = 0;
  if (blocking() && process.stdout.writableLength === 0) {
    try {
      while (n < b.length) n += writeSync(1, b, n, b.length - n);
    } catch (e) {
      // (As the stream's EPIPE below: the reader is gone.)
      if ((e as NodeJS.ErrnoException).code === "EPIPE") process.exit(0);
    }
  }
  if (n < b.length) process.stdout.write(Buffer.from(b.subarray(n)));
}

const io = {
  out: (s: string) => { process.stdout.write(s); },
  // Written as they are to a file; to a pipe or terminal without a copy when they can be (writeBytes).
  outBytes: (b: Uint8Array) => { if (toFile()) process.stdout.write(b); else writeBytes(b); },
  err: (s: string) => { process.stderr.write(s); },
  // Bounded like every input; a directory or invalid UTF-8 on stdin throws, and the reader reports it.
  stdin: (limit?: number) => readStdin(limit),
  cwd: process.cwd(),
};

process.stdout.on("error", (e: NodeJS.ErrnoException) => { if (e.code === "EPIPE") process.exit(0); });

const crash = (e: unknown) => { process.stderr.write(escapeControls(internalError(e))); process.exit(EXIT.internal); };
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

runCli(process.argv.slice(2), io).then((code) => { process.exitCode = code; }, crash);
