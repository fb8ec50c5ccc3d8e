// The check-ahead worker thread (checkahead.ts): judges each file it is handed, in the order the
// main thread will parse them, and stores the verdict where the main thread reads it. With the
// hand-over (handover.ts), it also lowers files from the last back, while it has time to spare, and
// posts them to the main thread.

import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { BLOCK, CLEAN, END, FROM_BACK, JUDGING, MEET_MARGIN, NOT_CLEAN, SETTLE_LATE, SETTLES_LATE, UNKNOWN, Pace, WORKER_NICE_BELOW, judgeObjects, markWorkerThread, verdictOn, warmUp, type HandOverStart, type Judge } from "./checkahead.js";
import type { CheckAheadData } from "./checkahead-early.js";
import { yieldCpu } from "./yieldcpu.js";
import { decode } from "./read.js";
import { Diagnostics } from "../model/source.js";
import type { HandedFile, HandedMessage } from "./handover-codec.js";
import { objectsOf, type RawObject } from "./documents.js";
import { proveClean } from "./cleanproof.js";

const data = workerData as CheckAheadData;
const progress = new Int32Array(data.progress);

markWorkerThread(progress);
if (!data.waited) yieldCpu(WORKER_NICE_BELOW);

if (data.warm) warmUp();

/** The hand-over's lowering (handover.ts: every front end), loaded by a worker started early before the load's first file (while the main thread loads the CLI), else when the hand-over is asked for. */
let lowerFile: ((slot: number, objects: RawObject[], split: Diagnostics) => HandedFile | undefined) | undefined;
let encodeLowered: ((h: HandedFile) => HandedMessage) | undefined;
// (Loaded while the worker drains its messages, it would come only after the last: the port does not yield to the import between them.)
if (data.warm && process.env.JUNCTION_HAND_OVER !== "off") lowerFile = await loadLowering();

function loadLowering(): Promise<typeof lowerFile> {
  return import("./handover.js").then((mod) => { encodeLowered = mod.encodeLowered; return mod.lowerForHandOver; }, () => undefined);
}

// (Waited for, it leaves no file to the main thread: the main thread would wait for it in vain.)
const pace = new Pace(data.waited);

/** The hand-over, once asked for (its port). */
let hand: HandOverStart | undefined;
/** Files held until the lowering is loaded (and, `hold`, the files from the back have come): the hand-over of every file, or from the back whatever the timing (tests). */
let pending: Judge[] | undefined;
/** The files from the last back (sent by the main thread once every file is read), the next of them, and how many more to lower. */
let back: Judge[] | undefined;
let backAt = 0, backLeft = 0;
/** END came; the slot of the last file judged from the first on; files done (dieAfter, tests). */
let ended = false, forwardAt = -1, done = 0;

parentPort!.on("message", (m: Judge | HandOverStart | typeof END) => {
  if (m === END) {
    ended = true;
    // (Every file was handed over and judged: the thread ends, and its heap is freed.)
    if (!pending) finish();
    return;
  }
  if ("handOver" in m) { startHandOver(m); return; }
  if (pending) { pending.push(m); return; }
  file(m);
});

function finish(): void {
  parentPort!.close();
  hand?.handOver.close();
}

/**
 * One file handed over, from the first on (the messages come in the order the main thread parses
 * the files), and before it, with the hand-over, files from the last back while the worker has time.
 */
function file(m: Judge): void {
  if (backLeft > 0 && lowerFile) fromBack();
  const at = Atomics.load(progress, 0);
  // The main thread is at this file or past it, or will be before its verdict is ready: it checks it
  // itself. (Not in the optimistic load: every file is judged.)
  if (!m.all && pace.leaves(m.slot, at)) return;
  const t = performance.now();
  const r = work(m, hand?.all === true && lowerFile !== undefined);
  forwardAt = m.slot;
  if (r === undefined) return;
  if (!m.all) pace.judged(at, Atomics.load(progress, 0));
  else slack.judged(performance.now() - t);
}

/**
 * Files from the last back, lowered (handover.ts), while the worker has time to spare (Slack) and
 * the main thread is more than MEET_MARGIN files before them: looked at before each file from the
 * first on (the list of them comes on the hand-over's port once every file is read).
 */
function fromBack(): void {
  if (!back) {
    const got = receiveMessageOnPort(hand!.handOver);
    if (!got) return;
    back = (got.message as { back: Judge[] }).back;
  }
  while (backAt < back.length && backLeft > 0) {
    const m = back[backAt], at = Atomics.load(progress, 0);
    if (m.slot <= at + MEET_MARGIN || m.slot <= forwardAt) { backLeft = 0; break; }
    if (!hand!.always && !slack.allows(at, m.slot - forwardAt, back.length)) return;
    // (Let go of once judged: each holds its file's bytes.)
    back[backAt++] = DONE;
    const t = performance.now();
    const r = work(m, true);
    // (In half files of judging: a file lowered took the worker about one and a half, judging included.)
    if (r !== undefined) Atomics.add(progress, FROM_BACK, r ? 3 : 2);
    if (r === true) { backLeft--; slack.lowered(performance.now() - t); }
  }
  if (backLeft === 0) back = [];
}

/** A file given up (its bytes let go of). */
const DONE = {} as Judge;

function startHandOver(m: HandOverStart): void {
  hand = m;
  backLeft = m.all ? 0 : m.files;
  // (Every file handed over, tests: none judged before the lowering is loaded; `hold`, nor before the files from the back came.)
  if (m.all || m.hold) pending = [];
  m.handOver.on("message", (b: { back: Judge[] }) => { back = b.back; release(); });
  if (!lowerFile) void loadLowering().then((f) => { lowerFile = f; release(); });
}

/** The files held (pending), once the hand-over can start. */
function release(): void {
  if (!pending || !lowerFile || (hand!.hold && !back)) return;
  const held = pending;
  pending = undefined;
  for (const m of held) file(m);
  if (ended) finish();
}

/**
 * Whether the worker has time to lower one more file from the back: the files it has still to judge
 * (at the wall time a file took it so far, waiting for a core included) and one more lowered (at
 * what one took so far) must end before the main thread settles, by the rate at which it goes
 * through the files (its position, progress[0]) and, for a load settled late (SETTLES_LATE), SETTLE_LATE
 * of the load's time again (list settles at its first write, after the classes, the engine and the rows).
 * Not before the rates are known (the main thread's first 50 ms of files): the worker judges from the
 * first file meanwhile.
 */
class Slack {
  private judgedMs = 0; private judgedFiles = 0;
  private loweredMs = 0; private loweredFiles = 0;
  private first?: { t: number; at: number };

  judged(ms: number): void { this.judgedMs += ms; this.judgedFiles++; }
  lowered(ms: number): void { this.loweredMs += ms; this.loweredFiles++; }

  allows(at: number, unjudged: number, files: number): boolean {
    const now = performance.now();
    if (at < 0) return false;
    if (this.first === undefined) this.first = { t: now, at };
    const elapsed = now - this.first.t;
    if (elapsed < 50 || at <= this.first.at || this.judgedFiles === 0) return false;
    const mainRate = (at - this.first.at) / elapsed;
    const mainLeft = (files - at) / mainRate + (Atomics.load(progress, SETTLES_LATE) === 1 ? SETTLE_LATE * files / mainRate : 0);
    const perLowered = this.loweredFiles ? this.loweredMs / this.loweredFiles : 2 * this.judgedMs / this.judgedFiles;
    return unjudged * (this.judgedMs / this.judgedFiles) + perLowered < mainLeft;
  }
}

const slack = new Slack();

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
      // (A file proved clean from its bytes, cleanproof.ts, is parsed as the main thread parses a clean
      // file, documents.ts readValues `checked`: JSON.parse alone; any other is judged, as verdictOn.)
      const proved = proveClean(new Uint8Array(m.bytes, m.offset, m.length));
      const text = decode(Buffer.from(m.bytes, m.offset, m.length));
      objects = typeof text !== "string" ? undefined : proved ? objectsOf([JSON.parse(text) as object], m.name, split, true) : judgeObjects(m.name, text, split);
    } catch {
      // (Anything unexpected: not clean, the main thread runs every check.)
      objects = undefined;
    }
    verdict = objects ? CLEAN : NOT_CLEAN;
    // (Lowering that throws, or a value that cannot be cloned: the file is the main thread's, its verdict standing.)
    try {
      const lowered = objects && lowerFile!(m.slot, objects, split);
      // (Encoded here, decoded by the main thread when it comes to the file, CheckAhead.lowered.)
      if (lowered) { hand!.handOver.postMessage(encodeLowered!(lowered)); posted = true; }
    } catch { posted = false; }
  }
  Atomics.store(verdicts, i, verdict);
  Atomics.notify(verdicts, i);
  return posted;
}
