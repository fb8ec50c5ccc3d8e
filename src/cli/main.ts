// The composition root (bin/junction.js loads it): binds the CLI to the process. runCli turns an
// unexpected exception into one line and exit 70; an error escaping it (a stray callback) gets the same.

import { readStdin } from "../sources/read.js";
import { internalError, runCli } from "./run.js";
import { EXIT } from "./command.js";
import { escapeControls } from "./terminal.js";
import { fstatSync } from "node:fs";

/** Whether stdout is a regular file: Node then writes it synchronously (a pipe or terminal may queue what it cannot write at once). */
let stdoutFile: boolean | undefined;
const toFile = () => (stdoutFile ??= (() => { try { return fstatSync(1).isFile(); } catch { return false; } })());

const io = {
  out: (s: string) => { process.stdout.write(s); },
  // Written as they are to a file; copied for a stream that may keep them queued (the caller reuses its buffer).
  outBytes: (b: Uint8Array) => { process.stdout.write(toFile() ? b : Buffer.from(b)); },
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
