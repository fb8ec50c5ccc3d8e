// Starting the check-ahead worker (checkahead.ts) before the CLI's modules load, for a command the
// launcher relaunched because its input is large (src/cli/launch.ts startPrereadFor, beside the
// pre-reader). Otherwise the worker starts when the load has read 8 MiB of JSON and then spends its
// first 0.2-0.3 s of CPU loading its modules and the validators of the first kinds it meets, while
// the main thread parses the first files and checks them itself; started here, it does that on the
// second core while the main thread loads the CLI (0.2-0.3 s) and reads the files, and the load hands
// it every JSON file from the first (checkahead.ts CheckAhead adopts it). Loads only Node's modules.

import { Worker } from "node:worker_threads";

/** What the worker thread is given (checkahead-thread.ts). */
export interface CheckAheadData {
  /**
   * [0]: the slot of the file the main thread is at (the worker skips it and those before); [1]
   * (WORKER_TASK): the worker thread's task id, once it runs (checkahead.ts markWorkerThread), so that
   * the main thread, settling, can tell a worker that ended from one that is slow.
   */
  progress: SharedArrayBuffer;
  /**
   * The main thread waits for each verdict (tests): the worker then keeps the main thread's
   * priority (a waited-for thread must not starve) and judges every file the main thread has not
   * passed (checkahead.ts Pace leaves none to it). Otherwise it lowers its priority (yieldcpu.ts).
   */
  waited: boolean;
  /** Load the common kinds' validators before the first file comes (a worker started early). */
  warm?: boolean;
}

/** A check-ahead worker and the progress it reads. */
export interface CheckAheadWorker { worker: Worker; progress: Int32Array }

/** The worker thread, or undefined when none can be started (e.g. a thread limit). */
export function spawnCheckAhead(script: URL, waited: boolean, warm = false): CheckAheadWorker | undefined {
  const progress = new Int32Array(new SharedArrayBuffer(8));
  Atomics.store(progress, 0, -1);
  let worker: Worker;
  // (Not the process's own execArgv: `node -e` or `--input-type` there would break the worker's start.)
  try { worker = new Worker(script, { workerData: { progress: progress.buffer, waited, warm } satisfies CheckAheadData, execArgv: [], stdout: false, stderr: false }); }
  catch { return undefined; }
  // (A worker that fails leaves its files unknown: the main thread checks them itself.)
  worker.on("error", () => {});
  worker.unref();
  return { worker, progress };
}

let early: CheckAheadWorker | undefined;

/**
 * Starts the worker now, WORKER_NICE_BELOW steps below the main thread's priority (checkahead.ts; not
 * Linux's lowest, as the pre-reader), loading the common kinds' validators while it waits
 * for the load's first file; the next load's CheckAhead takes it (takeEarlyCheckAhead). Not when
 * JUNCTION_CHECK_AHEAD chooses the worker (off, a threshold, waiting or optimistic: tests and measurements).
 */
export function startCheckAheadEarly(env: NodeJS.ProcessEnv = process.env, script = new URL("./checkahead-thread.js", import.meta.url)): void {
  if (early || env.JUNCTION_CHECK_AHEAD) return;
  early = spawnCheckAhead(script, false, true);
}

/** The worker started early, if any (once: a later load starts its own). */
export function takeEarlyCheckAhead(): CheckAheadWorker | undefined {
  const w = early;
  early = undefined;
  return w;
}
