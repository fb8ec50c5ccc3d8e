// A worker thread's way out of the main thread's way (the check-ahead worker, checkahead-thread.ts;
// the pre-reader, preread-thread.ts). Loads only Node's modules.

import { existsSync, readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/** How far below the main thread a worker runs by default: to Linux's lowest, from a process at priority 0. */
export const NICE_BELOW = 19;

/**
 * Lowers the calling thread's scheduling priority by `below` steps (to at most 19, Linux's
 * lowest), so that it runs on what the main thread and V8's own threads (optimising compiler,
 * garbage collection helpers, both nice 0) leave of the cores: while the check-ahead worker and the
 * main thread shared two cores with those, the main thread waited on the run queue for a third of
 * its load; the pre-reader at the main thread's priority made it wait 300-500 ms more per run on a
 * busy machine (see docs/performance.md). (A thread can lower its priority, never raise it again
 * without privileges: what it chooses here holds to its end.) Linux only: there a thread is a task
 * with an id of its own, and setpriority on that id applies to the thread alone (elsewhere it would
 * apply to the whole process). Does nothing on the main thread. Returns the thread's priority after
 * it, where known.
 */
export function yieldCpu(below = NICE_BELOW): number | undefined {
  const tid = threadTask();
  if (tid === undefined || tid === process.pid) return undefined;
  try {
    setPriority(tid, Math.min(19, getPriority(tid) + below));
    return getPriority(tid);
  } catch {
    // (Not permitted: the thread runs at the main thread's priority.)
    return undefined;
  }
}

/** The calling thread's task id (Linux: /proc/thread-self), or undefined where there is none. */
export function threadTask(): number | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the thread of task `tid` of this process has ended (Linux: its /proc/self/task entry is gone
 * as soon as it exits, joined or not). False where that cannot be told (no tid, not Linux).
 */
export function taskEnded(tid: number): boolean {
  return tid > 0 && process.platform === "linux" && !existsSync(`/proc/self/task/${tid}`);
}
