// The check-ahead worker thread (checkahead.ts): judges each file it is handed, in the order the
// main thread will parse them, and stores the verdict where the main thread reads it. With the
// hand-over (handover.ts), it also lowers some files it judged clean and posts them to the main thread.

import { parentPort, workerData } from "node:worker_threads";
import { BLOCK, CLEAN, END, FROM_BACK, JUDGING, MEET_MARGIN, NOT_CLEAN, UNKNOWN, Pace, WORKER_NICE_BELOW, judgeObjects, markWorkerThread, verdictOn, warmUp, type HandOverStart, type Judge } from "./checkahead.js";
import type { CheckAheadData } from "./checkahead-early.js";
import { yieldCpu } from "./yieldcpu.js";
import { decode } from "./read.js";
import { Diagnostics } from "../model/source.js";
import type { HandedFile } from "./handover.js";
import type { RawObject } from "./documents.js";

const data = workerData as CheckAheadData;
const progress = new Int32Array(data.progress);

markWorkerThread(progress);
if (!data.waited) yieldCpu(WORKER_NICE_BELOW);

if (data.warm) warmUp();

// (Waited for, it leaves no file to the main thread: the main thread would wait for it in vain.)
const pace = new Pace(data.waited);

/** The optimistic load's files (Judge.all), in order: judged one per turn of the event loop, so that END and the hand-over's start come in meanwhile. */
const queue: Judge[] = [];
/** The next file judged from the first on; the next from the last back (hand-over), once END came. */
let front = 0, back = -1;
let ended = false, scheduled = false, loading = false;
/** The hand-over, once its start came and handover.ts is loaded. */
let hand: HandOverStart | undefined;
let lowerFile: ((slot: number, objects: RawObject[], split: Diagnostics) => HandedFile | undefined) | undefined;
/** Files still to lower from the back; files done (dieAfter, tests). */
let backLeft = 0, done = 0;

parentPort!.on("message", (m: Judge | HandOverStart | typeof END) => {
  if (m === END) {
    ended = true;
    back = queue.length - 1;
    // (The files of a load that is not optimistic are judged as they come: every one was.)
    if (queue.length === 0) { parentPort!.close(); return; }
    schedule();
    return;
  }
  if ("handOver" in m) {
    backLeft = m.all ? 0 : m.files;
    // (Every file handed over, tests: none judged before the lowering is loaded.)
    loading = m.all === true;
    void import("./handover.js").then((mod) => { lowerFile = mod.lowerForHandOver; hand = m; loading = false; schedule(); });
    return;
  }
  if (m.all) { queue.push(m); schedule(); return; }
  const at = Atomics.load(progress, 0);
  // The main thread is at this file or past it, or will be before its verdict is ready: it checks it
  // itself. (Not in the optimistic load: every file is judged.)
  if (pace.leaves(m.slot, at)) return;
  const verdicts = new Int32Array(m.verdicts), i = m.slot % BLOCK;
  // (Claimed first: the main thread, settling the optimistic load, judges from the last file back.)
  if (Atomics.compareExchange(verdicts, i, UNKNOWN, JUDGING) !== UNKNOWN) return;
  const verdict = verdictOn(m);
  pace.judged(at, Atomics.load(progress, 0));
  Atomics.store(verdicts, i, verdict);
  Atomics.notify(verdicts, i);
});

function schedule(): void {
  if (!scheduled) { scheduled = true; setImmediate(step); }
}

/**
 * One file: from the last back while the hand-over has files left and the main thread is more than
 * MEET_MARGIN files before it (once every file is read), else the next from the first on.
 */
function step(): void {
  scheduled = false;
  if (loading) return;
  if (hand && lowerFile && !hand.all && ended && backLeft > 0 && back >= front) {
    if (back > Atomics.load(progress, 0) + MEET_MARGIN) {
      const m = queue[back--];
      const r = work(m, true);
      if (r !== undefined) Atomics.add(progress, FROM_BACK, 1);
      if (r === true) backLeft--;
      schedule();
      return;
    }
    backLeft = 0;
  }
  while (front < queue.length) {
    // (A file judged from the back already is skipped: its claim fails.)
    if (work(queue[front++], hand?.all === true && lowerFile !== undefined) !== undefined) break;
  }
  if (front < queue.length || !ended) { if (front < queue.length) schedule(); return; }
  // (Every file was handed over and judged: the thread ends, and its heap is freed.)
  parentPort!.close();
}

/**
 * Claims and judges a file (undefined: claimed already, by the main thread or from the other end);
 * `lowering`: a clean one is lowered and posted on the hand-over's port when it may be (true then).
 */
function work(m: Judge, lowering: boolean): boolean | undefined {
  const verdicts = new Int32Array(m.verdicts), i = m.slot % BLOCK;
  if (Atomics.compareExchange(verdicts, i, UNKNOWN, JUDGING) !== UNKNOWN) return undefined;
  if (hand?.dieAfter !== undefined && done++ >= hand.dieAfter) process.exit(1);
  let verdict: number, posted = false;
  if (!lowering) verdict = verdictOn(m);
  else {
    let objects: RawObject[] | undefined;
    const split = new Diagnostics();
    try {
      const text = decode(Buffer.from(m.bytes, m.offset, m.length));
      objects = typeof text === "string" ? judgeObjects(m.name, text, split) : undefined;
    } catch {
      // (Anything unexpected: not clean, the main thread runs every check.)
      objects = undefined;
    }
    verdict = objects ? CLEAN : NOT_CLEAN;
    // (Lowering that throws, or a value that cannot be cloned: the file is the main thread's, its verdict standing.)
    try {
      const lowered = objects && lowerFile!(m.slot, objects, split);
      if (lowered) { hand!.handOver.postMessage(lowered); posted = true; }
    } catch { posted = false; }
  }
  Atomics.store(verdicts, i, verdict);
  Atomics.notify(verdicts, i);
  return posted;
}
