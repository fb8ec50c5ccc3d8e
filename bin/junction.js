#!/usr/bin/env node
// Runs the CLI in this process, or in a child node with a smaller V8 thread pool when the command
// line loads a large input on few cores (src/cli/launch.ts says when and why).
import { fileURLToPath } from "node:url";
import { announceExit, relaunch, relaunchPool, startPrereadFor } from "../dist/src/cli/launch.js";

const args = process.argv.slice(2), pool = relaunchPool(args);
if (pool === undefined || !(await relaunch(fileURLToPath(import.meta.url), args, pool))) {
  announceExit();
  // (A large input: a thread reads its files while the CLI's modules load, src/sources/preread.ts.)
  await startPrereadFor(args);
  await import("../dist/src/cli/main.js");
}
