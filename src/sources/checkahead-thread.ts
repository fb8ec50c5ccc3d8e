// The check-ahead worker thread (checkahead.ts): judges each file it is handed, in the order the
// main thread will parse them, and stores the verdict where the main thread reads it.

import { parentPort, workerData } from "node:worker_threads";
import { BLOCK, END, JUDGING, UNKNOWN, Pace, WORKER_NICE_BELOW, markWorkerThread, verdictOn, warmUp, type Judge } from "./checkahead.js";
import type { CheckAheadData } from "./checkahead-early.js";
import { yieldCpu } from "./yieldcpu.js";

const data = workerData as CheckAheadData;
const progress = new Int32Array(data.progress);

markWorkerThread(progress);
if (!data.waited) yieldCpu(WORKER_NICE_BELOW);

if (data.warm) warmUp();

// (Waited for, it leaves no file to the main thread: the main thread would wait for it in vain.)
const pace = new Pace(data.waited);

parentPort!.on("message", (m: Judge | typeof END) => {
  // (Every file was handed over and judged: the thread ends, and its heap is freed.)
  if (m === END) { parentPort!.close(); return; }
  const at = Atomics.load(progress, 0);
  // The main thread is at this file or past it, or will be before its verdict is ready: it checks it
  // itself. (Not in the optimistic load: every file is judged.)
  if (!m.all && pace.leaves(m.slot, at)) return;
  const verdicts = new Int32Array(m.verdicts), i = m.slot % BLOCK;
  // (Claimed first: the main thread, settling the optimistic load, judges from the last file back.)
  if (Atomics.compareExchange(verdicts, i, UNKNOWN, JUDGING) !== UNKNOWN) return;
  const verdict = verdictOn(m);
  if (!m.all) pace.judged(at, Atomics.load(progress, 0));
  Atomics.store(verdicts, i, verdict);
  Atomics.notify(verdicts, i);
});
