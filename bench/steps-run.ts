// The steps of `junction list -R -o json` after the load, each timed on the main thread alone:
// `node dist/bench/steps-run.js DIR [OUT]`. Loads DIR, then builds the policy engine, the classes,
// the signatures and rows, the list and writes it (to OUT, /dev/null by default) as the CLI does, and
// prints the main thread's CPU per step (/proc/thread-self/schedstat: run time, not waiting; Linux;
// the collector's pauses on the main thread included). One cold run per process: what a user's
// command pays (the second run of a step in one process is warm and costs less). Compare two builds
// by alternating processes of each in the same minutes.

import { openSync, readFileSync, writeSync, closeSync } from "node:fs";
import { loadPaths } from "../src/sources/load.js";
import { Analysis } from "../src/cli/analysis.js";
import { DEFAULT_OPTIONS } from "../src/engine/options.js";
import { listResult } from "../src/cli/commands/list.js";
import { writeConnRows } from "../src/targets/connlist.js";

const [dir, out = "/dev/null"] = process.argv.slice(2);
if (!dir) { console.error("usage: steps-run DIR [OUT]"); process.exit(2); }

/** The main thread's run time so far, in ms (0 where /proc is not there). */
const mainCpu = (): number => {
  try { return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6; } catch { return 0; }
};
const loaded = loadPaths([dir], undefined, { recursive: true });
const rows: string[] = [];
const start = mainCpu();
let last = start;
const mark = (step: string) => {
  const now = mainCpu();
  rows.push(`${step.padEnd(20)} ${(now - last).toFixed(0).padStart(6)} ms`);
  last = now;
};
const a = new Analysis(loaded, DEFAULT_OPTIONS, (m) => mark(m.startsWith(`${loaded.inventory.endpoints.length} endpoints`) ? "classes" : "signatures and rows"));
a.engine; mark("policy engine");
a.connectivity;
const r = listResult(a); mark("list");
const fd = openSync(out, "w");
writeConnRows(r.rows, r.more, "json", (s) => writeSync(fd, s), undefined, (b) => writeSync(fd, b));
closeSync(fd); mark("write");
console.log(rows.join("\n"));
console.log(`${"after the load".padEnd(20)} ${(last - start).toFixed(0).padStart(6)} ms of main-thread CPU (${r.rows.count} rows)`);
