#!/usr/bin/env node
// Runs the CLI in this process, or in a child node with a smaller V8 thread pool when the command
// line loads a large input on few cores (src/cli/launch.ts says when and why). The CLI's modules are
// those of the bundle when it is up to date (src/cli/entry.ts).
import { fileURLToPath } from "node:url";
import { cliFolder } from "../dist/src/cli/entry.js";

const cli = cliFolder();
const { announceExit, relaunch, relaunchPool, startPrereadFor } = await import(new URL("launch.js", cli).href);
const args = process.argv.slice(2), pool = relaunchPool(args);
if (pool === undefined || !(await relaunch(fileURLToPath(import.meta.url), args, pool))) {
  announceExit();
  // (A large input: a thread reads its files while the CLI's modules load, src/sources/preread.ts.)
  await startPrereadFor(args);
  await import(new URL("main.js", cli).href);
}
