// The check-ahead worker thread (checkahead.ts): judges each file it is handed, in the order the
// main thread will parse them, and stores the verdict where the main thread reads it.

import { parentPort, workerData } from "node:worker_threads";
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { decode } from "./read.js";
import { BLOCK, CLEAN, NOT_CLEAN, judge, type Judge } from "./checkahead.js";

/** How far below the main thread the worker runs: to Linux's lowest, from a process at priority 0. */
const NICE_BELOW = 19;

const data = workerData as { progress: SharedArrayBuffer; yieldCpu?: boolean };
const progress = new Int32Array(data.progress);

if (data.yieldCpu) yieldCpu();

parentPort!.on("message", (m: Judge) => {
  // The main thread is at this file or past it: it checked it itself.
  if (m.slot <= Atomics.load(progress, 0)) return;
  let verdict = NOT_CLEAN;
  try {
    const text = decode(Buffer.from(m.bytes, m.offset, m.length));
    if (typeof text === "string" && judge(m.name, text)) verdict = CLEAN;
  } catch {
    // (Anything unexpected: not clean, the main thread runs every check.)
  }
  const verdicts = new Int32Array(m.verdicts);
  Atomics.store(verdicts, m.slot % BLOCK, verdict);
  Atomics.notify(verdicts, m.slot % BLOCK);
});

/**
 * Lowers this thread's scheduling priority by NICE_BELOW steps (to at most 19, Linux's lowest),
 * so that it runs on what the main thread and V8's own threads (optimising compiler, garbage
 * collection helpers, both nice 0) leave of the cores: while the worker and the main thread shared
 * two cores with those, the main thread waited on the run queue for a third of its load (see
 * docs/performance.md). Linux only: there a thread is a task with an id of its own, and setpriority
 * on that id applies to the thread alone (elsewhere it would apply to the whole process).
 */
function yieldCpu(): void {
  if (process.platform !== "linux") return;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid === process.pid) return;
    setPriority(tid, Math.min(19, getPriority(tid) + NICE_BELOW));
  } catch {
    // (No /proc, or not permitted: the worker runs at the main thread's priority, as before.)
  }
}
