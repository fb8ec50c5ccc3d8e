// What a test process killed by a signal left of its labs (src/lab/orphans.ts): its run directory,
// its namespaces and the processes working from the directory go at the next lab start; a live
// process's stay. Needs root and ip netns (skips with the reason elsewhere).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labCapability, run } from "../src/lab/exec.js";
import { namespacesWithPrefix } from "../src/lab/netns.js";
import { pidAlive, removeOrphanedTestLabs } from "../src/lab/orphans.js";
import { LabDir, type LabState } from "../src/lab/state.js";

const cap = labCapability();
const skip = cap.ok ? false : cap.missing.join("; ");

function writeLab(root: string, pid: number): LabDir {
  const dir = new LabDir(join(root, `test-z-${pid}`), `z${pid}`);
  const state: LabState = { name: dir.name, created: new Date().toISOString(), inputs: [], options: {} as LabState["options"], assigned: {}, hub: `jl-z${pid}-hub`, hosts: [], externals: [] };
  dir.write(state);
  return dir;
}

async function exited(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

test("lab start: a dead test process's run directory, namespaces and leftover processes are removed; a live one's stay", { skip }, async () => {
  const root = mkdtempSync(join(tmpdir(), "jl-orphans-"));
  const dead = spawnSync("true").pid!, gone = spawnSync("true").pid!;
  assert.ok(!pidAlive(dead) && !pidAlive(gone));
  const deadLab = writeLab(root, dead), liveLab = writeLab(root, process.pid);
  const made = [`jl-z${dead}-hub`, `jl-z${dead}-1`, `jl-z${gone}-1`, `jl-z${process.pid}-1`];
  for (const n of made) assert.equal(run("ip", ["netns", "add", n]).code, 0, n);
  // As an echo backend of the dead lab: a process working from a file in its run directory.
  const echo = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", deadLab.path("echo.json")], { detached: true, stdio: "ignore" });
  echo.unref();
  try {
    await new Promise((r) => setTimeout(r, 300));
    const out = removeOrphanedTestLabs(root, ["z"]);
    assert.ok(!existsSync(deadLab.dir) && !existsSync(join(root, `test-z-${dead}`)), "the dead process's run directory is removed");
    assert.deepEqual(out.runDirs, [join(root, `test-z-${dead}`)]);
    assert.deepEqual(namespacesWithPrefix(`jl-z${dead}-`), [], "its lab's namespaces are deleted");
    assert.deepEqual(namespacesWithPrefix(`jl-z${gone}-`), [], "a dead pid's namespaces without a run directory too");
    assert.deepEqual(out.namespaces.sort(), [`jl-z${dead}-1`, `jl-z${dead}-hub`, `jl-z${gone}-1`].sort());
    assert.deepEqual(out.processes, [echo.pid]);
    assert.ok(await exited(echo.pid!), "the process working from it is stopped");
    assert.ok(liveLab.exists(), "a live process's run directory stays");
    assert.deepEqual(namespacesWithPrefix(`jl-z${process.pid}-`), [`jl-z${process.pid}-1`], "and its namespaces");
  } finally {
    try { process.kill(echo.pid!, "SIGKILL"); } catch { /* stopped */ }
    for (const n of made) run("ip", ["netns", "del", n]);
    rmSync(root, { recursive: true, force: true });
  }
});
