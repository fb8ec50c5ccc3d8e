// The composition root (bin/junction.js loads it): binds the CLI to the process. runCli turns an
// unexpected exception into one line and exit 70; an error escaping it (a stray callback) gets the same.

import { readFileSync } from "node:fs";
import { internalError, runCli } from "./run.js";
import { EXIT } from "./command.js";
import { escapeControls } from "./terminal.js";

const io = {
  out: (s: string) => { process.stdout.write(s); },
  err: (s: string) => { process.stderr.write(s); },
  stdin: () => { try { return readFileSync(0, "utf8"); } catch { return ""; } },
  cwd: process.cwd(),
};

process.stdout.on("error", (e: NodeJS.ErrnoException) => { if (e.code === "EPIPE") process.exit(0); });

const crash = (e: unknown) => { process.stderr.write(escapeControls(internalError(e))); process.exit(EXIT.internal); };
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

runCli(process.argv.slice(2), io).then((code) => { process.exitCode = code; }, crash);
