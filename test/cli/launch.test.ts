// The launcher (bin/junction.js, src/cli/launch.ts): a command that loads a large input on few
// cores runs in a child node with a smaller V8 thread pool; what the user sees (stdout, stderr,
// stdin, exit code, signals) is what the command in one process gives.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tempFiles } from "../helpers.js";
import { announceExit, CHILD_INLINING, childFlags, filesOf, inputBytes, relaunchPool, RELAUNCH_ENV } from "../../src/cli/launch.js";

const LAUNCH = new URL("../../src/cli/launch.js", import.meta.url).href;
const BIN = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../../../examples/common", import.meta.url));
const quiet = { env: {}, execArgv: [] };

test("filesOf reads -f and --file in util.parseArgs's forms, up to --", () => {
  assert.deepEqual(filesOf(["list", "-f", "a", "-fb", "-qRf", "c", "-Rfd", "--file", "e", "--file=f", "-o", "json", "--", "-f", "g"]), ["a", "b", "c", "d", "e", "f"]);
  assert.deepEqual(filesOf(["list", "-q", "-o", "json", "-f"]), []);
});

test("childFlags: this process's flags, the pool size and the inlining budget, unless an inlining flag is given", () => {
  const budget = `--max-inlined-bytecode-size-cumulative=${CHILD_INLINING}`;
  assert.deepEqual(childFlags([], 1), ["--v8-pool-size=1", budget]);
  assert.deepEqual(childFlags(["--enable-source-maps", "--max-old-space-size=2048"], 3), ["--enable-source-maps", "--max-old-space-size=2048", "--v8-pool-size=3", budget]);
  for (const own of ["--no-turbo-inlining", "--turbo-inlining", "--max-inlined-bytecode-size-cumulative=920", "--max_inlined_bytecode_size=50", "--max-inlined-bytecode-size-small=10"]) {
    assert.deepEqual(childFlags([own], 1), [own, "--v8-pool-size=1"], own);
  }
});

test("inputBytes sums the files under folders and stops at the limit", () => {
  const { dir, cleanup } = tempFiles({});
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "a.json"), "x".repeat(100));
  writeFileSync(join(dir, "sub", "b.yaml"), "y".repeat(50));
  assert.equal(inputBytes([dir], 1e9), 150);
  assert.equal(inputBytes([join(dir, "sub"), join(dir, "missing")], 1e9), 50);
  assert.ok(inputBytes([dir], 10) >= 10 && inputBytes([dir], 10) < 150, "stops once the limit is reached");
  cleanup();
});

test("relaunchPool: only loading commands with a large input, on fewer cores than Node's pool, unless turned off", () => {
  const { dir, cleanup } = tempFiles({ "a.json": "x".repeat(1000) });
  const big = { ...quiet, at: 1000 };
  assert.equal(relaunchPool(["list", "-f", dir], { ...big, cores: 2 }), 1);
  assert.equal(relaunchPool(["matrix", "-f", dir], { ...big, cores: 3 }), 2);
  assert.equal(relaunchPool(["list", "-f", dir], { ...big, cores: 1 }), 1);
  assert.equal(relaunchPool(["list", "-f", dir], { ...big, cores: 5 }), undefined, "four pool threads or more: Node's default");
  assert.equal(relaunchPool(["list", "-f", dir], { ...quiet, at: 1001, cores: 2 }), undefined, "a small input");
  assert.equal(relaunchPool(["serve", "-f", dir], { ...big, cores: 2 }), undefined);
  assert.equal(relaunchPool(["agent", "-f", dir], { ...big, cores: 2 }), undefined);
  assert.equal(relaunchPool(["--help"], { ...big, cores: 2 }), undefined);
  assert.equal(relaunchPool(["list", "-f", dir], { ...big, cores: 2, env: { [RELAUNCH_ENV]: "off" } }), undefined);
  assert.equal(relaunchPool(["list", "-f", dir], { ...big, cores: 2, env: { [RELAUNCH_ENV]: "child" } }), undefined, "the child runs the command");
  assert.equal(relaunchPool(["list", "-f", dir], { ...big, cores: 2, env: { NODE_OPTIONS: "--v8-pool-size=2" } }), undefined);
  assert.equal(relaunchPool(["list", "-f", dir], { ...big, cores: 2, execArgv: ["--inspect"] }), undefined);
  assert.equal(relaunchPool(["list", "-f", dir], { ...quiet, cores: 16, env: { [RELAUNCH_ENV]: "always" } }), 15);
  cleanup();
});

const run = (mode: string, args: string[], input?: string) =>
  spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8", env: { ...process.env, [RELAUNCH_ENV]: mode }, maxBuffer: 1 << 26 });

test("relaunched, a command gives the same stdout, stderr and exit code, reading files or stdin", () => {
  const { dir: bad, cleanup } = tempFiles({ "np.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: x}\nspec:\n  podSelector: {}\n  ingres: []\n" });
  const stdin = readFileSync(join(EXAMPLE, "inventory.yaml"), "utf8") + "\n---\n" + readFileSync(join(EXAMPLE, "policies.yaml"), "utf8");
  const cases: [string[], string?][] = [
    [["list", "-f", EXAMPLE, "-o", "json"]],
    [["list", "-f", "-", "-o", "json"], stdin],
    [["validate", "-f", bad]],
    [["list", "-f", join(bad, "missing")]],
    [["list", "--no-such-flag"]],
  ];
  for (const [args, input] of cases) {
    const one = run("off", args, input), two = run("always", args, input);
    assert.equal(two.status, one.status, args.join(" "));
    assert.equal(two.signal, null);
    assert.equal(two.stdout, one.stdout, args.join(" "));
    assert.equal(two.stderr, one.stderr, args.join(" "));
  }
  assert.equal(run("always", cases[0][0]).status, 0);
  assert.notEqual(run("always", cases[2][0]).status, 0);
  cleanup();
});

test("relaunched, the child runs with the pool size; a signal to the launcher ends the child, and the launcher by that signal", { skip: process.platform !== "linux" && "reads /proc" }, async () => {
  // (The child waits on stdin, an open pipe.)
  const p = spawn(process.execPath, [BIN, "list", "-f", "-"], { stdio: ["pipe", "ignore", "ignore"], env: { ...process.env, [RELAUNCH_ENV]: "always" } });
  const ended = new Promise<[number | null, string | null]>((r) => p.on("exit", (code, signal) => r([code, signal])));
  const read = (path: string) => { try { return readFileSync(path, "utf8"); } catch { return ""; } };
  let child = 0, cmdline: string[] = [];
  try {
    // (A child listed before its exec still shows the launcher's command line.)
    // (Polled until the child runs, at most 2 minutes: 10 s is a short bound for two node starts on a busy machine.)
    for (let i = 0; i < 4800 && !cmdline.some((a) => a.startsWith("--v8-pool-size=")); i++) {
      await new Promise((r) => setTimeout(r, 25));
      const kids = read(`/proc/${p.pid}/task/${p.pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
      assert.ok(kids.length <= 1, "one child");
      child = kids[0] ?? 0;
      cmdline = child ? read(`/proc/${child}/cmdline`).split("\0") : [];
    }
    assert.ok(cmdline.some((a) => /^--v8-pool-size=\d+$/.test(a)), cmdline.join(" "));
    assert.ok(cmdline.includes(BIN));
    assert.ok(cmdline.includes(`--max-inlined-bytecode-size-cumulative=${CHILD_INLINING}`), cmdline.join(" "));
    p.kill("SIGTERM");
    assert.deepEqual(await ended, [null, "SIGTERM"]);
    let gone = false;
    for (let i = 0; i < 4800 && !gone; i++) { try { process.kill(child, 0); await new Promise((r) => setTimeout(r, 25)); } catch { gone = true; } }
    assert.ok(gone, "the child ended too");
  } finally {
    if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    if (child) try { process.kill(child, "SIGKILL"); } catch { /* ended */ }
    p.stdin!.destroy();
  }
});

test("the launcher ends when the child says its exit code, not when the kernel has freed the child", { skip: process.platform === "win32" && "no fd 3 pipe" }, () => {
  // A child that announces exit code 3, then takes 6 s to end; only the child announces (not a
  // process of the same environment started by it, nor one without the launcher's pipe).
  const { dir, cleanup } = tempFiles({
    "child.mjs": `import { announceExit } from ${JSON.stringify(LAUNCH)};\nannounceExit();\nprocess.exitCode = 3;\nprocess.on("exit", () => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 6000); });\n`,
    "launcher.mjs": `import { relaunch } from ${JSON.stringify(LAUNCH)};\nawait relaunch(process.argv[2], [], 1);\n`,
  });
  try {
    const t = Date.now();
    // (Not pipes: a reader of the child's stdout or stderr sees their end when the child has ended.)
    const r = spawnSync(process.execPath, [join(dir, "launcher.mjs"), join(dir, "child.mjs")], { stdio: "ignore" });
    assert.equal(r.status, 3);
    assert.ok(Date.now() - t < 5000, `${Date.now() - t} ms`);
  } finally {
    cleanup();
  }
  assert.equal(announceExit({}), false);
  assert.equal(announceExit({ [RELAUNCH_ENV]: `child:${process.ppid + 1}` }), false, "not the launcher's own child");
});
