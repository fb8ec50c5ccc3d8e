// One real CLI run (what bin/junction.js runs: in this process, or in a child node with a smaller
// V8 thread pool when src/cli/launch.ts says so), reporting its peak memory and CPU time when it
// exits. Usage: node e2e.js STATSFILE junction-args...

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cliFolder } from "../src/cli/entry.js";
// (Types only: this process loads no CLI module before the command's own.)
import type { LOAD_MARK, LoadMark } from "../src/cli/inputs.js";
import type { Optimism } from "../src/sources/checkahead.js";

// (The bundle's modules when it is up to date, as bin/junction.js runs them.)
const cli = cliFolder();
const { announceExit, relaunch, relaunchPool, startPrereadFor } = await import(new URL("launch.js", cli).href) as typeof import("../src/cli/launch.js");

interface Stats {
  maxRSS: number; cpuMs: number; exitCode: number;
  /** This process's own clock at exit (from its start), and its main thread's time on a core and waiting for one (Linux). */
  ownMs?: number; runMs?: number; waitMs?: number;
  /** Minor page faults (each costs 2-3 µs on the VMs measured). */
  faults?: number;
  /** The files the command loaded, and those the check-ahead worker judged first (the last load's: src/cli/inputs.ts LOAD_MARK). */
  files?: number; checkedAhead?: number;
}

const own = (): Stats => {
  const u = process.resourceUsage();
  return { maxRSS: u.maxRSS * 1024, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, exitCode: Number(process.exitCode ?? 0), ownMs: performance.now(), faults: u.minorPageFault, ...mainThread(), ...loadMark() };
};

/** What the CLI's last load marked (files, checkedAhead), where it loaded -f inputs. */
function loadMark(): Pick<Stats, "files" | "checkedAhead"> {
  const name: typeof LOAD_MARK = "junction:load";
  const mark = performance.getEntriesByName(name, "mark").at(-1) as { detail?: LoadMark } | undefined;
  const detail = mark?.detail;
  // (An optimistic load settled after its mark, src/sources/load.ts OPTIMISM_MARK: the files it parsed unchecked, once kept.)
  const optimism = (performance.getEntriesByName("junction:optimism", "mark").at(-1) as { detail?: Optimism } | undefined)?.detail;
  const checkedAhead = optimism && !optimism.redone ? optimism.assumed : detail?.checkedAhead;
  return detail ? { files: detail.files, checkedAhead } : {};
}

/** The main thread's run and run-queue wait (/proc/self/task/PID/schedstat, nanoseconds), where there is one. */
function mainThread(): { runMs?: number; waitMs?: number } {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "latin1").split(" ").map(Number);
    return { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch { return {}; }
}

const [stats, ...args] = process.argv.slice(2);
const pool = relaunchPool(args);
// The child (this script again) writes its stats; this process adds its own CPU time to them.
const relaunched = pool !== undefined && await relaunch(fileURLToPath(import.meta.url), [stats, ...args], pool, () => {
  let child: Stats;
  // (A child that wrote none failed: the bench reports its exit code.)
  try { child = JSON.parse(readFileSync(stats, "utf8")) as Stats; } catch { return; }
  const me = own();
  // (ownMs, runMs, waitMs: the child's, which ran the command.)
  writeFileSync(stats, JSON.stringify({ ...child, maxRSS: Math.max(child.maxRSS, me.maxRSS), cpuMs: child.cpuMs + me.cpuMs }));
});
if (!relaunched) {
  process.argv = [process.argv[0], "junction", ...args];
  process.on("exit", () => writeFileSync(stats, JSON.stringify(own())));
  // (Relaunched: the stats are written when the launcher is told the exit code.)
  announceExit();
  await startPrereadFor(args);
  await import(new URL("main.js", cli).href);
}
