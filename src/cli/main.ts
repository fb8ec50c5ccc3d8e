// The composition root (bin/junction.js loads it): binds the CLI to the process. Unexpected errors print one line
// (JUNCTION_DEBUG=1 shows the stack) and exit 70.

import { readFileSync } from "node:fs";
import { runCli } from "./run.js";

const io = {
  out: (s: string) => { process.stdout.write(s); },
  err: (s: string) => { process.stderr.write(s); },
  stdin: () => { try { return readFileSync(0, "utf8"); } catch { return ""; } },
  cwd: process.cwd(),
};

process.stdout.on("error", (e: NodeJS.ErrnoException) => { if (e.code === "EPIPE") process.exit(0); });

runCli(process.argv.slice(2), io).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`junction: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.JUNCTION_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    else process.stderr.write("This is a bug in Junction; rerun with JUNCTION_DEBUG=1 for details.\n");
    process.exitCode = 70;
  },
);
