// What the labs of a dead test process left behind. A test process's labs live in a run directory
// of its own, ROOT/test-PREFIX-PID (test/lab-fixture.ts), and are named PREFIX+PID (namespaces
// jl-PREFIXPID-*); the process removes them when it ends, but one killed by a signal cannot: its
// namespaces, its listener helper, nginx and echo backends (dist/src/lab/echo-main.js, which stop
// only once their configuration in that directory is gone) stay. This removes what belongs to a PID
// that is no longer alive, as gateway-agent.ts removeStaleSockets removes the sockets of a dead
// nginx; a live process's labs (its PID alive) are never touched, whoever's they are.

import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { labDown } from "./lifecycle.js";
import { namespacesWithPrefix } from "./netns.js";
import { run } from "./exec.js";
import { LabDir } from "./state.js";

/** A test process's run directory: test-PREFIX-PID. */
const TEST_RUN = /^test-([a-z]+)-(\d+)$/;

/** Is the process there? (EPERM: it is, and someone else's.) */
export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
}

export interface Orphans {
  /** The run directories removed. */
  runDirs: string[];
  /** The network namespaces deleted. */
  namespaces: string[];
  /** The processes stopped (SIGTERM): helpers, nginx, echo backends working from a removed directory. */
  processes: number[];
}

/** Processes whose command line names a path under `dir` (every lab process is started with one). */
function processesUnder(dir: string): number[] {
  const prefix = `${dir}/`;
  return readdirSync("/proc").filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").some((a) => a.startsWith(prefix)); } catch { return false; }
  });
}

function deleteNamespace(name: string): boolean {
  return run("ip", ["netns", "del", name]).code === 0;
}

/**
 * Removes, under `root`, the run directories test-PREFIX-PID of dead PIDs: each lab in them taken
 * down (lifecycle.ts labDown: helper, nginx, echo backends, namespaces jl-NAME-*), then every process
 * still working from the directory stopped and the directory removed. Then the namespaces
 * jl-PREFIXPID-* of `prefixes` whose PID is dead (a run directory already gone). `alive` decides
 * which PIDs live (tests give their own).
 */
export function removeOrphanedTestLabs(root: string, prefixes: readonly string[], alive: (pid: number) => boolean = pidAlive): Orphans {
  const out: Orphans = { runDirs: [], namespaces: [], processes: [] };
  const entries = existsSync(root) ? readdirSync(root) : [];
  for (const entry of entries) {
    const m = TEST_RUN.exec(entry);
    if (!m || alive(Number(m[2]))) continue;
    const dir = join(root, entry);
    let labs: string[] = [];
    try { labs = readdirSync(dir).filter((n) => existsSync(join(dir, n, "state.json"))); } catch { continue; }
    for (const name of labs) {
      try { out.namespaces.push(...labDown(new LabDir(dir, name)).namespaces); } catch { /* not a lab name: the processes and the directory still go */ }
    }
    for (const pid of processesUnder(dir)) {
      try { process.kill(pid, "SIGTERM"); out.processes.push(pid); } catch { /* gone meanwhile */ }
    }
    rmSync(dir, { recursive: true, force: true });
    out.runDirs.push(dir);
  }
  for (const prefix of prefixes) {
    const own = new RegExp(`^jl-${prefix}(\\d+)-`);
    for (const ns of namespacesWithPrefix(`jl-${prefix}`)) {
      const m = own.exec(ns);
      if (m && !alive(Number(m[1])) && deleteNamespace(ns)) out.namespaces.push(ns);
    }
  }
  return out;
}
