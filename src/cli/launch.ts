// The launcher's decision (bin/junction.js, bench/e2e.ts): run the command in this process, or in a
// child node started with a smaller V8 thread pool when that pays.
//
// Node starts V8's platform with four worker threads whatever the number of cores (`--v8-pool-size`,
// a start-up flag: the threads exist before any code runs). On two cores those four threads (the
// optimising compiler, the garbage collector's helpers) compete with the main thread and the load's
// check-ahead worker: at 100k pods the main thread of `list` waited on the run queue 453–702 ms, and
// 160–240 ms with one pool thread (docs/performance.md, "The process on two cores"). A second node
// start costs about 40–50 ms, so the child is started only for a command that loads its -f inputs
// and ends, only when those hold at least RELAUNCH_AT bytes, and only when the cores leave fewer
// than four threads to the pool. Nothing imported here is more than Node's own modules: a
// command line that is not relaunched pays only for looking at its arguments and sizing its -f
// inputs (about 2 ms of CPU for the 10k-pod dump's 198 files and 100 folders).

import { fstatSync, readdirSync, statSync, writeSync } from "node:fs";
import { availableParallelism, constants } from "node:os";
import { join } from "node:path";

/** Node's default pool size (node.cc: per_process::cli_options->v8_thread_pool_size, 4). */
export const DEFAULT_POOL = 4;

/** Bytes of -f input from which the child pays for its start. */
export const RELAUNCH_AT = 64 * 1024 ** 2;

/**
 * JUNCTION_RELAUNCH: "off" never relaunches, "always" relaunches every command of LOADING whatever
 * its input and the cores (tests); the launcher sets "child:PID" (its own PID) in the child's
 * environment (the child runs the command itself).
 */
export const RELAUNCH_ENV = "JUNCTION_RELAUNCH";

/**
 * JUNCTION_PREREAD: "on" starts the pre-reader (src/sources/preread.ts) for every command of
 * LOADING with -f paths (tests), "off" never; by default it starts in the child the launcher
 * relaunched (whose input is large).
 */
export const PREREAD_ENV = "JUNCTION_PREREAD";

/** Commands that load their -f inputs and end (not `serve`, `agent`, `lab`: long-running, or signals of their own). */
const LOADING = new Set(["analyze", "explain", "test", "matrix", "list", "diff", "lint", "validate", "exposure"]);

/** Entries a folder walk looks at, at most, to size the input (the walk stops at RELAUNCH_AT bytes too). */
const WALK_LIMIT = 20_000;

export interface LaunchContext {
  env?: NodeJS.ProcessEnv;
  execArgv?: readonly string[];
  cores?: number;
  /** Bytes of input from which to relaunch (tests). */
  at?: number;
}

/**
 * The `--v8-pool-size` to run the command line `args` (junction's own arguments) with in a child,
 * or undefined to run it in this process. An estimate: a wrong one changes the time taken, never
 * the answer (the child parses the same arguments).
 */
export function relaunchPool(args: readonly string[], ctx: LaunchContext = {}): number | undefined {
  const env = ctx.env ?? process.env, execArgv = ctx.execArgv ?? process.execArgv;
  const mode = env[RELAUNCH_ENV];
  if ((mode !== undefined && mode !== "always") || !LOADING.has(args[0])) return undefined;
  // (The user chose the pool, or attaches a debugger to this process.)
  if ([...execArgv, ...(env.NODE_OPTIONS ?? "").split(/\s+/)].some((a) => /^--(v8-pool-size|inspect|debug)/.test(a))) return undefined;
  const pool = Math.max(1, (ctx.cores ?? availableParallelism()) - 1);
  if (mode === "always") return pool;
  if (pool >= DEFAULT_POOL) return undefined;
  const at = ctx.at ?? RELAUNCH_AT;
  return inputBytes(filesOf(args), at) >= at ? pool : undefined;
}

/**
 * What the pre-reader is to read for the command line `args`, in the process that runs it: its -f
 * paths (not stdin) and whether -R is given; undefined when it is not to start (PREREAD_ENV). An
 * estimate too: a path or -R read wrongly here costs reading a file for nothing, never an answer
 * (the load takes a file's bytes from the pre-reader only for the very path it reads).
 */
export function prereadArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): { paths: string[]; recursive: boolean } | undefined {
  const mode = env[PREREAD_ENV];
  if (mode === "off" || !LOADING.has(args[0])) return undefined;
  if (mode !== "on" && !env[RELAUNCH_ENV]?.startsWith("child:")) return undefined;
  const paths = filesOf(args).filter((p) => p !== "-");
  if (!paths.length) return undefined;
  const end = args.indexOf("--");
  const recursive = (end < 0 ? args : args.slice(0, end)).some((a) => a === "--recursive" || /^-[A-Za-z]*R/.test(a));
  return { paths, recursive };
}

/**
 * Starts the pre-reader (src/sources/preread.ts) for the command line `args` when prereadArgs says
 * so: a thread reads its files while the CLI's modules load (bin/junction.js, bench/e2e.ts); and
 * then the check-ahead worker (src/sources/checkahead-early.ts), which loads its modules and the
 * common kinds' validators meanwhile, so that the load hands it every JSON file from the first.
 * (Imported here only then: a command line without them does not load their modules.)
 */
export async function startPrereadFor(args: readonly string[]): Promise<void> {
  const ahead = prereadArgs(args);
  if (!ahead) return;
  (await import("../sources/preread.js")).startPreread(ahead.paths, ahead.recursive);
  (await import("../sources/checkahead-early.js")).startCheckAheadEarly();
}

/** The -f / --file values of a command line (util.parseArgs's forms: `-f X`, `-fX`, `-qf X`, `--file X`, `--file=X`). */
export function filesOf(args: readonly string[]): string[] {
  const paths: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a === "--") break;
    if (a === "--file") { if (i + 1 < args.length) paths.push(args[++i]); }
    else if (a.startsWith("--file=")) paths.push(a.slice(7));
    else if (/^-[A-Za-z]*f/.test(a) && !a.startsWith("--")) {
      const rest = a.slice(a.indexOf("f") + 1);
      if (rest) paths.push(rest);
      else if (i + 1 < args.length) paths.push(args[++i]);
    }
  }
  return paths;
}

/** The bytes of regular files under `paths` (folders walked, symlinks followed by stat), counted up to `limit`. */
export function inputBytes(paths: readonly string[], limit: number): number {
  let total = 0, seen = 0;
  const add = (p: string): void => {
    if (total >= limit || ++seen > WALK_LIMIT) return;
    let st;
    try { st = p === "-" ? fstatSync(0) : statSync(p); } catch { return; }
    if (st.isFile()) { total += st.size; return; }
    if (!st.isDirectory() || p === "-") return;
    let names: string[];
    try { names = readdirSync(p); } catch { return; }
    for (const n of names) add(join(p, n));
  };
  for (const p of paths) add(p);
  return total;
}

/**
 * The optimising compiler's inlining budget in the child (V8's `--max-inlined-bytecode-size-cumulative`,
 * 920 bytes of bytecode by default): the bytecode TurboFan may inline into one function it optimises,
 * beyond the small functions (27 bytes or less, `--max-inlined-bytecode-size-small`) it inlines
 * whatever the budget. On two cores the child's one pool thread spent about 1.2 s of CPU compiling
 * (V8's TurboFan, about three quarters of that thread's samples under `perf`; the collector's helpers
 * a tenth) while the main thread and the check-ahead worker used both cores: with 100 it compiles
 * about 400 ms less and the command's wall time is 5-8% shorter at 100k pods, the main thread's own
 * time not longer (docs/performance.md, "The pool thread is the optimising compiler"). A flag of the
 * optimiser only: the code computes the same (the tests compare outputs with and without the child).
 */
export const CHILD_INLINING = 100;

/**
 * The node flags of the child: this process's own, the pool size and, unless they name an inlining
 * flag of their own, the inlining budget (CHILD_INLINING). (NODE_OPTIONS reaches the child with the
 * environment; V8's inlining flags are not allowed there.)
 */
export function childFlags(execArgv: readonly string[], pool: number): string[] {
  const flags = [...execArgv, `--v8-pool-size=${pool}`];
  if (!execArgv.some((a) => /^--(no-)?(turbo-inlining|max-inlined-bytecode-size)/.test(a.replace(/_/g, "-")))) flags.push(`--max-inlined-bytecode-size-cumulative=${CHILD_INLINING}`);
  return flags;
}

/**
 * Runs `node [childFlags] SCRIPT ARGS` with this process's stdio and
 * environment (RELAUNCH_ENV=child:PID), and ends this process as the child ended: its exit code, or
 * the signal that ended it raised again here. Signals sent to this process alone (kill PID) are
 * passed on; a terminal's Ctrl-C reaches both (one process group), and this process waits for the
 * child. Not on Windows: the child says its exit code as it exits (announceExit, through a pipe on
 * its fd 3), and this process ends with it then, without waiting while the kernel frees the child's
 * memory (at 100k pods about 100 ms for 800 MB; the output is complete and the exit code final).
 * Resolves false, without a child, when none could be started (the caller runs the command itself).
 */
export async function relaunch(script: string, args: readonly string[], pool: number, onExit?: () => void): Promise<boolean> {
  // (Imported here: a command line run in this process does not load it.)
  const { spawn } = await import("node:child_process");
  const announced = process.platform !== "win32";
  return new Promise((resolve) => {
    let child: import("node:child_process").ChildProcess;
    try {
      child = spawn(process.execPath, [...childFlags(process.execArgv, pool), script, ...args], {
        stdio: announced ? ["inherit", "inherit", "inherit", "pipe"] : "inherit",
        env: { ...process.env, [RELAUNCH_ENV]: `child:${process.pid}` },
      });
    } catch {
      resolve(false);
      return;
    }
    // (Not SIGUSR1: Node's own, it opens the inspector.)
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    const pass = (s: NodeJS.Signals) => { child.kill(s); };
    // (From now on: a signal before the child's 'spawn' event must not leave it running alone.)
    for (const s of signals) process.on(s, pass);
    let started = false, done = false;
    const end = () => {
      done = true;
      for (const s of signals) process.off(s, pass);
      onExit?.();
    };
    child.once("spawn", () => { started = true; });
    child.once("error", () => {
      if (started || done) return;
      done = true;
      for (const s of signals) process.off(s, pass);
      resolve(false);
    });
    const pipe = announced ? child.stdio[3] : null;
    if (pipe) {
      let said = "";
      pipe.on("data", (b: Buffer) => {
        said += b.toString("latin1");
        const m = /^(\d+)\n/.exec(said);
        if (!m || done) return;
        end();
        process.exitCode = Number(m[1]);
        // (Neither keeps this process: the child is exiting.)
        child.unref();
        pipe.destroy();
        resolve(true);
      });
      pipe.on("error", () => {});
    }
    child.once("exit", (code, signal) => {
      if (done) return;
      end();
      if (signal) {
        // Ended by a signal: this process ends by the same one, as a shell would see the command
        // end; should the signal not end it (one Node handles), with the shell's code for it.
        process.exitCode = 128 + (constants.signals[signal] ?? 0);
        process.kill(process.pid, signal);
      } else process.exitCode = code ?? 1;
      resolve(true);
    });
  });
}

/**
 * In the child relaunch started (RELAUNCH_ENV is child:PID of its parent, not a grandchild's), says
 * the exit code to the launcher as this process exits (the last 'exit' listener at the time of the
 * call: call it after the caller's own). Returns whether it will.
 */
export function announceExit(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform === "win32" || env[RELAUNCH_ENV] !== `child:${process.ppid}`) return false;
  try { if (!fstatSync(3).isFIFO() && !fstatSync(3).isSocket()) return false; } catch { return false; }
  process.on("exit", (code) => { try { writeSync(3, `${code}\n`); } catch { /* the launcher is gone */ } });
  return true;
}
