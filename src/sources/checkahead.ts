// The load's check-ahead worker: a worker thread that runs, on large JSON inputs, the checks that
// come before the front ends and that find nothing in a valid file (the strict-JSON checks, the
// schema and the API server's semantic rules), so that the main thread can skip them.
//
// Only verdicts cross threads. The main thread reads each file (read.ts ReadSink) into one buffer
// it uses again for the next file, and tells the worker which file it read (read.ts Stamp: its size,
// modification and change times, inode and device, and its text's length); the worker reads the file again
// (read.ts readSame), and only when it is still that file decodes it as the main thread did (read.ts
// decode), runs every check the main thread would run on it (judge), and stores one verdict per file
// in shared memory: unknown, clean or not clean; a file that is not the one the main thread read is
// not clean. (The files the pre-reader read, preread.ts, are handed over as its shared bytes, judged
// as they are.) The main thread stays synchronous: before parsing a file it reads the file's verdict
// (Atomics.load). Clean, it parses the text with JSON.parse alone and skips validation
// (documents.ts, schema/index.ts checkObject); otherwise (unknown: the worker has not got there; not
// clean: something to report or rewrite) it runs today's path. The checks are pure functions of the
// text, and the bytes judged are the bytes the main thread decoded (the pre-reader's, written once
// before they are handed over) or the same file's as the load reads a released text again (read.ts
// releaseText, and the settling's own judging of such a text), so a clean verdict means the skipped
// checks would have reported nothing and changed nothing: the inventory and every diagnostic are the
// same whatever the timing, worker or not. (Read into shared memory of its own per file, the main
// thread's reading cost it the page faults of 232 MB of fresh memory at 100k pods, and the worker
// held every file's bytes until judged: docs/performance.md, twenty-fifth stop.)

import type { Worker } from "node:worker_threads";
import { decode, READ_AGAIN, readSame, releaseText, ScratchBuffer, type InputFile, type ReadSink, type Stamp } from "./read.js";
import { Diagnostics } from "../model/source.js";
import { isJsonName, objectsOf, strictJsonObject } from "./documents.js";
import { toCurrentVersion } from "./removed.js";
import { checkObject } from "./schema/index.js";
import { proveClean } from "./cleanproof.js";
import { serverAccepted } from "./schema/validate.js";
import { spawnCheckAhead, takeEarlyCheckAhead, type CheckAheadWorker } from "./checkahead-early.js";
import { taskEnded, threadTask } from "./yieldcpu.js";

/** JSON input (bytes read so far, files that look like JSON) from which the worker is started. */
export const CHECK_AHEAD_AT = 8 * 1024 ** 2;

export const UNKNOWN = 0, CLEAN = 1, NOT_CLEAN = 2;
/** A file one thread is judging (claimed from UNKNOWN with Atomics.compareExchange: the worker from the first file on, the main thread, settling, from the last). */
export const JUDGING = 3;
/** A file the main thread claimed in the optimistic load to check it itself as it parsed it (the worker would not have reached it in time). */
export const CHECKED_HERE = 4;

/**
 * How many steps below the main thread's priority the worker runs (yieldcpu.ts; not when the main
 * thread waits for its verdicts). Not Linux's lowest, as the pre-reader: at 100k pods the second
 * core is full for the whole load with the worker and V8's pool thread (compiling, the collector's
 * helpers), and 19 steps below the pool thread the worker waited about as long as it ran and judged
 * 995-1,106 of the 1,998 files before the main thread came to them; 5 steps below (a third of the
 * main thread's weight on Linux) 1,253-1,284, the main thread's run 3.07-3.21 s against 3.25-3.32 s
 * and its wait the same (0.10-0.16 s); at the main thread's priority every file, but the main thread
 * waited 0.46-0.55 s for a core (docs/performance.md, eighteenth stop).
 */
export const WORKER_NICE_BELOW = 5;

/** Verdicts per shared block. */
export const BLOCK = 1024;

/** Where the worker thread writes its task id in its progress array (checkahead-early.ts CheckAheadData). */
export const WORKER_TASK = 1;

/** The worker thread says which thread it is (WORKER_TASK), first thing: the main thread then knows when it has ended (CheckAhead.workerEnded). */
export function markWorkerThread(progress: Int32Array): void {
  const tid = threadTask();
  if (tid !== undefined && progress.length > WORKER_TASK) Atomics.store(progress, WORKER_TASK, tid);
}

/** What the worker is sent after the last file: it ends once it has judged every file before. */
export const END = "end";

/**
 * What the worker is sent per file: the bytes the main thread decoded (shared memory: `bytes` from
 * `offset`, `length` of them), or the file to read again (`stamp`: read.ts readSame), which the
 * worker judges only when it is still the file the main thread read, as a released text is read
 * again (read.ts releaseText): the same size, modification and change times, inode and device, and a text of
 * the same length; else not clean.
 */
export interface Judge {
  slot: number; bytes?: SharedArrayBuffer; offset?: number; length?: number; stamp?: Stamp; name: string; verdicts: SharedArrayBuffer;
  /** The optimistic load (CheckAhead `optimistic`): every file is judged, none left to the main thread. */
  all?: boolean;
}

export interface CheckAheadOptions {
  /** Bytes of JSON read before the worker starts (default CHECK_AHEAD_AT); Infinity: never. */
  at?: number;
  /** Wait for each file's verdict (tests: every file judged, whatever the timing). */
  wait?: boolean;
  /** The worker's module (tests: one that fails). */
  script?: URL;
  /**
   * The optimistic load (load.ts loadPaths): the main thread parses every file handed over as if
   * judged clean, never waiting, and the worker judges every one; before the load's result is used,
   * `settle` requires a clean verdict on each (judging on the main thread, from the last file, those
   * the worker has not reached), else the load is redone with every check on the main thread. The
   * default for a worker started early (a relaunched command: its input is large); tests force it.
   */
  optimistic?: boolean;
  /** The worker judges the bytes the main thread read, in shared memory, rather than read each file again (tests; read.ts READ_AGAIN). */
  shared?: boolean;
  /** Milliseconds the optimistic load's settling waits for a verdict being given before judging the file itself (default SETTLE_PATIENCE; tests). */
  patience?: number;
}

/** A verdict on a file the optimistic load parsed unchecked was not clean (CheckAhead.take): the load is redone with the checks (load.ts). */
export class NotClean extends Error {}

/**
 * The options of JUNCTION_CHECK_AHEAD (for tests and measurements): "off", or the threshold in
 * bytes, optionally followed by ",wait" or ",optimistic".
 */
export function checkAheadFromEnv(value = process.env.JUNCTION_CHECK_AHEAD): CheckAheadOptions {
  if (!value) return {};
  if (value === "off") return { at: Infinity };
  const [at, mode] = value.split(",");
  const n = Number(at);
  return { at: Number.isFinite(n) && n >= 0 ? n : undefined, wait: mode === "wait", ...(mode === "optimistic" ? { optimistic: true } : {}) };
}

/** What the optimistic load did (load.ts Loaded.optimism; tests and measurements). */
export interface Optimism {
  /** Files parsed unchecked. */
  assumed: number;
  /** Files the main thread checked itself as it parsed them (judged not clean already, or the worker would not have reached them before the load's end). */
  checkedHere: number;
  /** Of those parsed unchecked, files the main thread judged itself while settling (the worker had not reached them). */
  judgedHere: number;
  /** Milliseconds settling took (the wait for, and the judging of, the verdicts not in yet when the load ended). */
  settleMs: number;
  /** Files without a verdict when the load ended. */
  unknownAtEnd: number;
  /** A verdict was not clean (or the unchecked load threw): the load was redone with every check. */
  redone: boolean;
  /**
   * The unchecked load threw although every file it had parsed unchecked was judged clean (load.ts
   * optimistically): not the input's doing (a front end on a value the checks refuse, JSON.parse on
   * a file the strict parser refuses) but a bug, redone on the safe path all the same; the error's
   * name and message (its stack on stderr with JUNCTION_DEBUG).
   */
  unexpected?: string;
}

/** The main thread's side: a ReadSink for read.ts, and the verdicts for load.ts. */
export class CheckAhead implements ReadSink {
  private worker?: Worker;
  private at: number;
  private wait: boolean;
  /** The optimistic load (CheckAheadOptions.optimistic): every file handed over is parsed unchecked, then settled. */
  readonly optimistic: boolean;
  private readonly script: URL;
  private jsonBytes = 0;
  private failed = false;
  private slots = 0;
  /** The verdicts' blocks, BLOCK slots each. */
  private readonly blocks: Int32Array[] = [];
  /** The files read before the threshold was reached, handed over when it is. */
  private pending: Judge[] = [];
  /** Per file handed over: its slot, its verdicts' block, and the text decoded from the bytes. */
  private handed = new WeakMap<InputFile, { slot: number; verdicts: Int32Array; text: string }>();
  /** Optimistic: the slots before this one have their verdicts (reaches, sweep). */
  private swept = 0;
  /**
   * Optimistic: the files parsed unchecked, in order, and their slots. (Not their bytes: the main
   * thread judges one itself only when the worker has not reached it when the load is settled, from
   * its text, read again if released; the bytes are freed as soon as the worker has judged them.
   * Held from the reading to the settling, they were promoted with the objects that held them and
   * kept the pre-reader's 16 MiB chunks until a full collection: peak RSS +60 MiB at 100k pods,
   * docs/performance.md, twentieth stop.)
   */
  private assumed: { slot: number; file: InputFile }[] = [];
  /** [0]: the slot of the file the main thread is at (the worker skips it and those before): the worker's, once started. */
  private progress: Int32Array<ArrayBufferLike> = new Int32Array(1);
  /** The worker started before the CLI loaded (checkahead-early.ts), taken when the load starts its worker. */
  private early?: CheckAheadWorker;
  /** Files parsed on a clean verdict. */
  clean = 0;
  /** Optimistic: settled after the load, once the command has built its answer (load.ts `settleLater`): the worker has longer (reaches). */
  settlesLate = false;
  /** allRead was called before the worker started. */
  private ended = false;
  /** What the optimistic load did, once settled. */
  optimism?: Optimism;
  /** Optimistic: files the main thread checked itself as it parsed them (reaches). */
  private checkedHere = 0;
  /** Optimistic: when, and at which file and worker's front, the main thread took its first file (reaches). */
  private pace?: { t0: number; s0: number; w0: number };

  constructor(options: CheckAheadOptions = {}) {
    this.at = options.at ?? CHECK_AHEAD_AT;
    this.wait = options.wait ?? false;
    this.script = options.script ?? new URL("./checkahead-thread.js", import.meta.url);
    // A worker started early (a relaunched command: its input is large) is handed every JSON file
    // from the first; unless the options choose another worker (tests), which then starts as before.
    const early = takeEarlyCheckAhead();
    if (early && options.at === undefined && !this.wait && !options.script) { this.early = early; this.at = 0; }
    else if (early) void early.worker.terminate();
    this.optimistic = !this.wait && this.at !== Infinity && (options.optimistic ?? this.early !== undefined);
    this.readAgain = !options.shared;
    this.patience = options.patience ?? SETTLE_PATIENCE;
  }

  /** How long settle waits for a verdict the worker is giving before judging the file itself (CheckAheadOptions.patience). */
  private readonly patience: number;

  /**
   * Shared memory for a `.json` file (before the threshold too: when it is reached, the worker is
   * handed the first files as well), or for any file once the threshold is reached.
   */
  buffer(size: number, name: string): Buffer | typeof READ_AGAIN | undefined {
    if (size <= 0 || this.failed || this.at === Infinity) return undefined;
    if (!(this.worker || isJsonName(name) || this.jsonBytes + size >= this.at)) return undefined;
    // (The worker reads the file again, readSame: the main thread reads it into memory it used for the
    // file before, not into fresh shared memory, whose page faults were its own: read.ts READ_AGAIN.)
    return this.readAgain ? READ_AGAIN : Buffer.from(new SharedArrayBuffer(size));
  }

  /** Whether the worker reads again the files the main thread reads (read.ts READ_AGAIN), rather than share its bytes (CheckAheadOptions.shared). */
  private readonly readAgain: boolean;

  read(file: InputFile, bytes: Buffer, stamp?: Stamp): void {
    if (this.failed || this.at === Infinity || !looksJson(file.name, bytes)) return;
    this.jsonBytes += bytes.length;
    const slot = this.slots++;
    if (slot % BLOCK === 0) this.blocks.push(new Int32Array(new SharedArrayBuffer(4 * BLOCK)));
    const verdicts = this.blocks[this.blocks.length - 1];
    const judge: Judge = stamp
      ? { slot, stamp, name: file.name, verdicts: verdicts.buffer as SharedArrayBuffer, all: this.optimistic }
      : { slot, bytes: bytes.buffer as SharedArrayBuffer, offset: bytes.byteOffset, length: bytes.length, name: file.name, verdicts: verdicts.buffer as SharedArrayBuffer, all: this.optimistic };
    this.handed.set(file, { slot, verdicts, text: file.text });
    if (this.worker) this.worker.postMessage(judge);
    else if (this.jsonBytes < this.at) this.pending.push(judge);
    else {
      this.worker = this.start();
      for (const j of this.pending) this.worker?.postMessage(j);
      this.worker?.postMessage(judge);
      this.pending = [];
      if (this.ended) this.worker?.postMessage(END);
    }
  }

  /** Every file was read (and handed over): a worker that has judged them all ends, and its heap is freed. */
  allRead(): void {
    if (this.worker) this.worker.postMessage(END);
    else this.ended = true;
  }

  /**
   * Whether `file`, about to be parsed, may be parsed without the checks: judged clean, or, in the
   * optimistic load, not judged not clean (yet: settle requires the verdict). Asked once per file (a
   * second load of it runs every check): the text must be the one decoded from the bytes handed over.
   * Throws NotClean in the optimistic load when a verdict in on a file parsed unchecked is not clean:
   * the load is redone.
   */
  take(file: InputFile): boolean {
    const h = this.handed.get(file);
    if (!h) return false;
    this.handed.delete(file);
    // (No worker: the input stayed below the threshold, or none could start.)
    if (!this.worker) return false;
    const i = h.slot % BLOCK;
    if (this.optimistic) {
      if (file.text !== h.text) return false;
      const v = Atomics.load(h.verdicts, i);
      this.sweep(h.slot);
      // Judged not clean before it is parsed: checked here, as the safe path checks it (the files parsed
      // unchecked so far are not in question). A dump's templates often hold a null (the API server's
      // `"creationTimestamp": null`): redone, such a load lost every file parsed so far and then every
      // verdict (the safe path loads with no worker).
      if (v === NOT_CLEAN) { this.checkedHere++; return false; }
      // Judged clean, or the worker will judge it before the load ends (or is judging it): parsed unchecked.
      if (v !== UNKNOWN || this.reaches(h.slot) || Atomics.compareExchange(h.verdicts, i, UNKNOWN, CHECKED_HERE) !== UNKNOWN) {
        this.assumed.push({ slot: h.slot, file });
        return true;
      }
      // Otherwise (a busy machine: the worker gets little of the cores) the main thread checks it now,
      // as it would without the worker (once: not parsed unchecked, then judged again when settling).
      this.checkedHere++;
      return false;
    }
    // (A worker that never answers, e.g. one that failed to start, is waited for once.)
    if (this.wait && file.text === h.text && !settled(h.verdicts, i, 30_000)) this.wait = false;
    // (Not waiting, the worker would judge this file for nothing: it skips it.)
    Atomics.store(this.progress, 0, h.slot);
    if (file.text !== h.text) return false;
    const clean = Atomics.load(h.verdicts, i) === CLEAN;
    if (clean) this.clean++;
    return clean;
  }

  /**
   * Whether the worker will have judged the file at `slot` when the load ends, by the rates at which
   * the worker's verdicts come in (in order: `swept`) and the main thread goes through the files,
   * since the first file parsed. Before those rates mean anything (the first 50 ms), every file is:
   * a file the main thread checks costs it the validators' modules too (about 0.1 s, once).
   */
  private reaches(slot: number): boolean {
    const now = performance.now();
    if (this.pace === undefined) this.pace = { t0: now, s0: slot, w0: this.swept };
    const p = this.pace, elapsed = now - p.t0;
    if (elapsed < 50 || slot <= p.s0) return true;
    const mainRate = (slot - p.s0) / elapsed, workerRate = (this.swept - p.w0) / elapsed;
    // (Settled late, the worker judges on while the engine is built: at 100k pods that takes about as
    // long as the load: counted as 0.8 of the whole load at its rate so far.)
    const left = (this.slots - slot) / mainRate + (this.settlesLate ? 0.8 * this.slots / mainRate : 0);
    // (Up to SETTLE_WAITS files short are left to the settling, which waits for them: checking a few
    // here would load the validators on the main thread for them.)
    return slot < this.swept + workerRate * left + SETTLE_WAITS;
  }

  /**
   * Follows the worker's verdicts, in order (reaches), the main thread about to parse the file at
   * `slot`: one not clean on a file parsed unchecked ends the optimistic load (NotClean); on a file not
   * parsed yet, that file is checked when it is (take).
   */
  private sweep(slot: number): void {
    while (this.swept < this.slots) {
      const v = Atomics.load(this.blocks[Math.floor(this.swept / BLOCK)], this.swept % BLOCK);
      if (v === NOT_CLEAN && this.swept < slot && this.wasAssumed(this.swept)) throw new NotClean(`file ${this.swept} parsed unchecked is not clean`);
      if (v !== CLEAN && v !== CHECKED_HERE && v !== NOT_CLEAN) return;
      this.swept++;
    }
  }

  /**
   * Whether the file at `slot` was parsed unchecked (`assumed` is in slot order: the files are parsed
   * in the order they were read; a file named twice is parsed at its last place, read.ts fileOnce, where
   * a miss here only leaves the redo to settle, which requires every verdict on `assumed`).
   */
  private wasAssumed(slot: number): boolean {
    let lo = 0, hi = this.assumed.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, s = this.assumed[mid].slot;
      if (s === slot) return true;
      if (s < slot) lo = mid + 1; else hi = mid - 1;
    }
    return false;
  }

  /**
   * The optimistic load's end: whether every file parsed unchecked was judged clean. The verdicts not
   * in yet are judged here, from the last file back (each claimed from UNKNOWN, as the worker claims
   * the files from the first on), while the worker goes on; a file the worker is judging is waited
   * for. Stops at the first verdict that is not clean.
   */
  settle(): boolean {
    const started = performance.now();
    const o: Optimism = { assumed: this.assumed.length, checkedHere: this.checkedHere, judgedHere: 0, settleMs: 0, unknownAtEnd: 0, redone: false };
    for (const { slot } of this.assumed) if (Atomics.load(this.blocks[Math.floor(slot / BLOCK)], slot % BLOCK) === UNKNOWN) o.unknownAtEnd++;
    // A few verdicts not in are waited for, in the worker's order, while it goes on: judging one here
    // costs the main thread the validators' modules too, about 0.1 s, what the worker takes for about
    // 150 files. A worker that does not take the next file within 50 ms (ended, or starved) is helped.
    // A worker that ended (its thread gone: a crash, or killed) is helped at once, and a file it was
    // judging when it ended is judged here (it never gives that verdict: waited for, 10 s twice).
    // A verdict that does not come within `patience` (a worker starved by a busy machine, still
    // judging; one that ended unseen, not Linux) is given here, from the file's text, as a file the
    // worker has not reached is: never "not clean" for want of time, which redid a clean load
    // (the same answer, but the load twice) whenever the machine was busy enough.
    const ended = () => this.workerEnded(), patience = this.patience;
    let help = o.unknownAtEnd > SETTLE_WAITS;
    for (let k = 0; k < this.assumed.length && !help; k++) {
      const { slot } = this.assumed[k], verdicts = this.blocks[Math.floor(slot / BLOCK)], i = slot % BLOCK;
      if (Atomics.load(verdicts, i) === NOT_CLEAN) break;
      if (Atomics.wait(verdicts, i, UNKNOWN, 50) === "timed-out" && Atomics.load(verdicts, i) === UNKNOWN) help = true;
      else if (!settled(verdicts, i, patience, ended)) help = true;
    }
    let clean = true;
    for (let k = this.assumed.length - 1; k >= 0 && clean; k--) {
      const { slot, file } = this.assumed[k], verdicts = this.blocks[Math.floor(slot / BLOCK)], i = slot % BLOCK;
      if (help && (Atomics.compareExchange(verdicts, i, UNKNOWN, JUDGING) === UNKNOWN || (Atomics.load(verdicts, i) === JUDGING && ended()))) {
        Atomics.store(verdicts, i, verdictOnText(file));
        o.judgedHere++;
      }
      if (settled(verdicts, i, patience, ended)) { clean = Atomics.load(verdicts, i) === CLEAN; continue; }
      // (Not in: judged here, the worker's verdict, whenever it comes, not read. The files before it are helped.)
      clean = verdictOnText(file) === CLEAN;
      o.judgedHere++;
      help = true;
    }
    this.assumed = [];
    o.settleMs = Math.round(performance.now() - started);
    o.redone = !clean;
    this.optimism = o;
    if (clean) this.clean = o.assumed;
    return clean;
  }

  /** Whether the worker's thread has ended (known on Linux only, once the thread has said which it is: markWorkerThread). */
  workerEnded(): boolean {
    return this.progress.length > WORKER_TASK && taskEnded(Atomics.load(this.progress, WORKER_TASK));
  }

  /** Lets go of every file's verdict (a load redone on the safe path takes no verdict). */
  forget(): void {
    this.handed = new WeakMap();
    this.assumed = [];
  }

  /** The verdict on `file` so far (UNKNOWN, CLEAN or NOT_CLEAN), without taking it (tests). */
  verdict(file: InputFile): number {
    const h = this.handed.get(file);
    const v = h && this.worker ? Atomics.load(h.verdicts, h.slot % BLOCK) : UNKNOWN;
    return v === JUDGING ? UNKNOWN : v;
  }

  /** Ends the worker (after the load; it never keeps the process alive). */
  close(): void {
    const w = this.worker;
    this.worker = undefined;
    this.pending = [];
    this.forget();
    Atomics.store(this.progress, 0, 0x7fffffff);
    if (w) void w.terminate();
    // (An early worker never handed a file: the input held no JSON.)
    if (this.early) void this.early.worker.terminate();
    this.early = undefined;
  }

  /** The worker, or undefined when none can be started (e.g. a thread limit): the main thread checks every file. */
  private start(): Worker | undefined {
    const w = this.early ?? spawnCheckAhead(this.script, this.wait);
    this.early = undefined;
    if (!w) { this.failed = true; return undefined; }
    this.progress = w.progress;
    return w.worker;
  }
}

/** Verdicts not in when the optimistic load is settled, at most, that the main thread waits for rather than judging some itself. */
export const SETTLE_WAITS = 128;

/**
 * Milliseconds the settling waits for a verdict the worker is giving (JUDGING, or the next it will
 * take) before judging the file itself: a file takes the worker about a millisecond, its first ones
 * (the validators' modules loaded) up to a second on a busy machine.
 */
export const SETTLE_PATIENCE = 10_000;

/**
 * Waits until the verdict at `i` is in (neither UNKNOWN nor JUDGING), at most `ms` milliseconds, or
 * until `ended` says the worker has ended (looked at every 50 ms); whether it is in.
 */
function settled(verdicts: Int32Array, i: number, ms: number, ended?: () => boolean): boolean {
  const until = performance.now() + ms;
  for (let v = Atomics.load(verdicts, i); v === UNKNOWN || v === JUDGING; v = Atomics.load(verdicts, i)) {
    const left = until - performance.now();
    if (left <= 0) return false;
    if (Atomics.wait(verdicts, i, v, ended ? Math.min(left, 50) : left) === "timed-out" && ended?.()) {
      // (Its last verdict may have come in just before it ended.)
      const last = Atomics.load(verdicts, i);
      return last !== UNKNOWN && last !== JUDGING;
    }
  }
  return true;
}

/**
 * The main thread's verdict on a file parsed unchecked, while settling: its text is the one decoded
 * from the bytes handed over (CheckAhead.take), or, released since (load.ts), that text read again,
 * which read.ts gives only for the same file (else InputChangedError: not clean, and the load redone
 * meets it again: a file changed on disk during the run is an error here where the safe path answers
 * from its first read; holding the bytes instead cost peak memory, docs/performance.md, twentieth
 * stop). A text released is released again once judged.
 */
function verdictOnText(file: InputFile): number {
  const released = Object.getOwnPropertyDescriptor(file, "text")?.get !== undefined;
  try { return judge(file.name, file.text) ? CLEAN : NOT_CLEAN; }
  catch { return NOT_CLEAN; }
  finally { if (released) releaseText(file); }
}

/**
 * The worker's memory for the files it reads again (Judge `stamp`): one file's bytes after another,
 * each judged before the next is read (verdictOn keeps nothing of them: the texts it decodes are
 * copies). A buffer per file was fresh memory, whose page faults and external-memory collections
 * cost the worker and V8's pool thread (docs/performance.md, twenty-fifth stop).
 */
const scratchBytes = new ScratchBuffer();
const readInto = (size: number) => scratchBytes.of(size);

/** The worker's verdict on the bytes handed over (or read again: Judge), decoded as read.ts decoded them, then judged. */
export function verdictOn(m: Judge): number {
  try {
    const bytes = m.stamp ? readSame(m.stamp, readInto) : Buffer.from(m.bytes!, m.offset, m.length);
    if (!bytes) return NOT_CLEAN;
    // (Proved from the bytes when it can be, cleanproof.ts: a workloads file of a dump without a
    // second JSON.parse; anything not proved is judged. A proved file is ASCII: its text is as long as its bytes.)
    if (proveClean(bytes)) return !m.stamp || bytes.length === m.stamp.length ? CLEAN : NOT_CLEAN;
    const text = decode(bytes);
    return typeof text === "string" && (!m.stamp || text.length === m.stamp.length) && judge(m.name, text) ? CLEAN : NOT_CLEAN;
  } catch {
    // (Anything unexpected: not clean, the main thread runs every check.)
    return NOT_CLEAN;
  }
}

/**
 * The objects of the kinds a large input is mostly made of (a cluster's dump: pods, their
 * controllers, Services, NetworkPolicies, namespaces and nodes), each judged once by a worker
 * started before the load (checkahead-early.ts): their validators (a module each, loaded on first
 * use) and the checks' code are then loaded while the main thread still loads the CLI, not when the
 * first files are waiting. Their verdict is not kept (each is clean: judge stops at the first that
 * is not).
 */
const WARM = [
  ["v1", "Pod", { spec: { containers: [{ name: "a", image: "a", ports: [{ containerPort: 80 }] }] }, status: { phase: "Running", podIP: "10.0.0.1", podIPs: [{ ip: "10.0.0.1" }] } }],
  ["v1", "Service", { spec: { selector: { a: "b" }, ports: [{ port: 80, targetPort: 8080 }] } }],
  ["apps/v1", "Deployment", { spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "a", image: "a" }] } } } }],
  ["apps/v1", "ReplicaSet", { spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "a", image: "a" }] } } } }],
  ["apps/v1", "StatefulSet", { spec: { serviceName: "a", selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "a", image: "a" }] } } } }],
  ["apps/v1", "DaemonSet", { spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "a", image: "a" }] } } } }],
  ["networking.k8s.io/v1", "NetworkPolicy", { spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { a: "b" } } }] }] } }],
  ["v1", "Namespace", {}],
  ["v1", "Node", { status: { addresses: [{ type: "InternalIP", address: "10.0.0.1" }] } }],
] as const;

/** Judges WARM (a worker started early, before the load's first file). */
export function warmUp(): boolean {
  const items = WARM.map(([apiVersion, kind, body]) => ({ apiVersion, kind, metadata: { name: "a", ...(kind === "Namespace" || kind === "Node" ? {} : { namespace: "a" }), labels: { a: "b" } }, ...body }));
  try { return judge("warm.json", JSON.stringify({ apiVersion: "v1", kind: "List", items })); } catch { return false; }
}

/**
 * Which files the worker leaves to the main thread: those it has reached (`at`: the slot of the file
 * the main thread is at; -1 before it parses any) and those it will reach before the worker's verdict
 * on them is ready, by how many files it got through while the worker judged one (a running mean).
 * The worker judges one further on instead. Without it, a worker just ahead of the main thread
 * judged a fifth to a third of its files in vain (at 100k pods 300-450 of 1,400-1,700: the main
 * thread came to each one first and checked it itself).
 */
export class Pace {
  /** Files the main thread passed per file judged (running mean). */
  private passed = 0;

  /** `waited`: the main thread waits for each verdict (tests): only the files it passed are left to it. */
  constructor(private readonly waited = false) {}

  leaves(slot: number, at: number): boolean {
    return slot <= at || (!this.waited && at >= 0 && slot - at <= 1.5 * this.passed + 1);
  }

  /** A file was judged while the main thread went from `at` to `now`. */
  judged(at: number, now: number): void {
    if (at >= 0) this.passed = 0.75 * this.passed + 0.25 * (now - at);
  }
}

/** A file kubectl may read as JSON: named .json, or its first non-space byte is '{' (documents.ts decides exactly). */
function looksJson(name: string, bytes: Buffer): boolean {
  if (isJsonName(name)) return true;
  for (let i = 0; i < bytes.length && i < 4096; i++) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xef && c !== 0xbb && c !== 0xbf) return c === 0x7b;
  }
  return false;
}

/**
 * Whether every check the main thread runs on a file before its front ends finds nothing in it:
 * the text is one JSON object as documents.ts readValues reads it (strictJsonObject: no strict-JSON
 * error, nothing rewritten), and no object in it gets a diagnostic from checkObject after removed.ts's
 * conversion, as lowering.ts lower runs them. A null field is allowed (a dump's
 * `"creationTimestamp": null` in every pod template): checkObject changes the object only where it
 * zeroes a null list item or map value (schema/zero.ts), each with a warning, and a warning makes the
 * file not clean; so a clean file's JSON.parse value is the object the front ends would read. What the main thread runs anyway
 * (splitting lists, the removed-version note, the front ends) is not judged.
 */
export function judge(name: string, text: string): boolean {
  const value = strictJsonObject(name, text);
  if (!value) return false;
  for (const written of objectsOf([value], name, new Diagnostics())) {
    const { raw } = toCurrentVersion(written, serverAccepted(written.obj));
    const diags = new Diagnostics();
    checkObject(raw, diags);
    if (diags.items.length) return false;
  }
  return true;
}
