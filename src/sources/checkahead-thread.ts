// The check-ahead worker thread (checkahead.ts): judges each file it is handed, in the order the
// main thread will parse them, and stores the verdict where the main thread reads it.

import { parentPort, workerData } from "node:worker_threads";
import { decode } from "./read.js";
import { BLOCK, CLEAN, NOT_CLEAN, Pace, WORKER_NICE_BELOW, judge, warmUp, type Judge } from "./checkahead.js";
import type { CheckAheadData } from "./checkahead-early.js";
import { yieldCpu } from "./yieldcpu.js";

const data = workerData as CheckAheadData;
const progress = new Int32Array(data.progress);

if (!data.waited) yieldCpu(WORKER_NICE_BELOW);

if (data.warm) warmUp();

// (Waited for, it leaves no file to the main thread: the main thread would wait for it in vain.)
const pace = new Pace(data.waited);

parentPort!.on("message", (m: Judge) => {
  const at = Atomics.load(progress, 0);
  // The main thread is at this file or past it, or will be before its verdict is ready: it checks it itself.
  if (pace.leaves(m.slot, at)) return;
  let verdict = NOT_CLEAN;
  try {
    const text = decode(Buffer.from(m.bytes, m.offset, m.length));
    if (typeof text === "string" && judge(m.name, text)) verdict = CLEAN;
  } catch {
    // (Anything unexpected: not clean, the main thread runs every check.)
  }
  pace.judged(at, Atomics.load(progress, 0));
  const verdicts = new Int32Array(m.verdicts);
  Atomics.store(verdicts, m.slot % BLOCK, verdict);
  Atomics.notify(verdicts, m.slot % BLOCK);
});
