// The check-ahead worker thread (checkahead.ts): judges each file it is handed, in the order the
// main thread will parse them, and stores the verdict where the main thread reads it.

import { parentPort, workerData } from "node:worker_threads";
import { decode } from "./read.js";
import { BLOCK, CLEAN, NOT_CLEAN, judge, type Judge } from "./checkahead.js";
import { yieldCpu } from "./yieldcpu.js";

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
