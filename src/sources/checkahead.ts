// The load's check-ahead worker: a worker thread that runs, on large JSON inputs, the checks that
// come before the front ends and that find nothing in a valid file (the strict-JSON checks, the
// schema and the API server's semantic rules), so that the main thread can skip them.
//
// Only verdicts cross threads. The main thread reads each file into shared memory (read.ts
// ReadSink) and hands the worker those very bytes; the worker decodes them as the main thread did
// (read.ts decode), parses them, runs every check the main thread would run on them (judge), and
// stores one verdict per file in shared memory: unknown, clean or not clean. The main thread stays
// synchronous: before parsing a file it reads the file's verdict (Atomics.load). Clean, it parses
// the text with JSON.parse alone and skips validation (documents.ts, schema/index.ts checkObject);
// otherwise (unknown: the worker has not got there; not clean: something to report or rewrite) it
// runs today's path. The checks are pure functions of the text, and the bytes judged are the bytes
// the main thread decoded (written once, before they are handed over), so a clean verdict means the
// skipped checks would have reported nothing and changed nothing: the inventory and every
// diagnostic are the same whatever the timing, worker or not.

import type { Worker } from "node:worker_threads";
import type { InputFile, ReadSink } from "./read.js";
import { Diagnostics } from "../model/source.js";
import { isJsonName, objectsOf, strictJsonObject } from "./documents.js";
import { toCurrentVersion } from "./removed.js";
import { checkObject } from "./schema/index.js";
import { serverAccepted } from "./schema/validate.js";
import { spawnCheckAhead, takeEarlyCheckAhead, type CheckAheadWorker } from "./checkahead-early.js";

/** JSON input (bytes read so far, files that look like JSON) from which the worker is started. */
export const CHECK_AHEAD_AT = 8 * 1024 ** 2;

export const UNKNOWN = 0, CLEAN = 1, NOT_CLEAN = 2;

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

/** What the worker is sent per file. */
export interface Judge { slot: number; bytes: SharedArrayBuffer; offset: number; length: number; name: string; verdicts: SharedArrayBuffer }

export interface CheckAheadOptions {
  /** Bytes of JSON read before the worker starts (default CHECK_AHEAD_AT); Infinity: never. */
  at?: number;
  /** Wait for each file's verdict (tests: every file judged, whatever the timing). */
  wait?: boolean;
  /** The worker's module (tests: one that fails). */
  script?: URL;
}

/**
 * The options of JUNCTION_CHECK_AHEAD (for tests and measurements): "off", or the threshold in
 * bytes, optionally followed by ",wait".
 */
export function checkAheadFromEnv(value = process.env.JUNCTION_CHECK_AHEAD): CheckAheadOptions {
  if (!value) return {};
  if (value === "off") return { at: Infinity };
  const [at, wait] = value.split(",");
  const n = Number(at);
  return { at: Number.isFinite(n) && n >= 0 ? n : undefined, wait: wait === "wait" };
}

/** The main thread's side: a ReadSink for read.ts, and the verdicts for load.ts. */
export class CheckAhead implements ReadSink {
  private worker?: Worker;
  private at: number;
  private wait: boolean;
  private readonly script: URL;
  private jsonBytes = 0;
  private failed = false;
  private slots = 0;
  private block?: SharedArrayBuffer;
  /** The files read before the threshold was reached, handed over when it is. */
  private pending: Judge[] = [];
  /** Per file handed over: its slot, its verdicts' block, and the text decoded from the bytes. */
  private readonly handed = new WeakMap<InputFile, { slot: number; verdicts: Int32Array; text: string }>();
  /** [0]: the slot of the file the main thread is at (the worker skips it and those before): the worker's, once started. */
  private progress: Int32Array<ArrayBufferLike> = new Int32Array(1);
  /** The worker started before the CLI loaded (checkahead-early.ts), taken when the load starts its worker. */
  private early?: CheckAheadWorker;
  /** Files parsed on a clean verdict. */
  clean = 0;

  constructor(options: CheckAheadOptions = {}) {
    this.at = options.at ?? CHECK_AHEAD_AT;
    this.wait = options.wait ?? false;
    this.script = options.script ?? new URL("./checkahead-thread.js", import.meta.url);
    // A worker started early (a relaunched command: its input is large) is handed every JSON file
    // from the first; unless the options choose another worker (tests), which then starts as before.
    const early = takeEarlyCheckAhead();
    if (early && options.at === undefined && !this.wait && !options.script) { this.early = early; this.at = 0; }
    else if (early) void early.worker.terminate();
  }

  /**
   * Shared memory for a `.json` file (before the threshold too: when it is reached, the worker is
   * handed the first files as well), or for any file once the threshold is reached.
   */
  buffer(size: number, name: string): Buffer | undefined {
    if (size <= 0 || this.failed || this.at === Infinity) return undefined;
    return this.worker || isJsonName(name) || this.jsonBytes + size >= this.at ? Buffer.from(new SharedArrayBuffer(size)) : undefined;
  }

  read(file: InputFile, bytes: Buffer): void {
    if (this.failed || this.at === Infinity || !looksJson(file.name, bytes)) return;
    this.jsonBytes += bytes.length;
    const slot = this.slots++;
    if (slot % BLOCK === 0) this.block = new SharedArrayBuffer(4 * BLOCK);
    this.handed.set(file, { slot, verdicts: new Int32Array(this.block!), text: file.text });
    const judge: Judge = { slot, bytes: bytes.buffer as SharedArrayBuffer, offset: bytes.byteOffset, length: bytes.length, name: file.name, verdicts: this.block! };
    if (this.worker) this.worker.postMessage(judge);
    else if (this.jsonBytes < this.at) this.pending.push(judge);
    else {
      this.worker = this.start();
      for (const j of this.pending) this.worker?.postMessage(j);
      this.worker?.postMessage(judge);
      this.pending = [];
    }
  }

  /**
   * Whether `file`, about to be parsed, was judged clean. Asked once per file (a second load of it
   * runs every check): the text must be the one decoded from the bytes handed over.
   */
  take(file: InputFile): boolean {
    const h = this.handed.get(file);
    if (!h) return false;
    this.handed.delete(file);
    // (No worker: the input stayed below the threshold, or none could start.)
    if (!this.worker) return false;
    const i = h.slot % BLOCK;
    // (A worker that never answers, e.g. one that failed to start, is waited for once.)
    if (this.wait && file.text === h.text && Atomics.load(h.verdicts, i) === UNKNOWN && Atomics.wait(h.verdicts, i, UNKNOWN, 30_000) === "timed-out") this.wait = false;
    // (Not waiting, the worker would judge this file for nothing: it skips it.)
    Atomics.store(this.progress, 0, h.slot);
    if (file.text !== h.text) return false;
    const clean = Atomics.load(h.verdicts, i) === CLEAN;
    if (clean) this.clean++;
    return clean;
  }

  /** The verdict on `file` so far (UNKNOWN, CLEAN or NOT_CLEAN), without taking it (tests). */
  verdict(file: InputFile): number {
    const h = this.handed.get(file);
    return h && this.worker ? Atomics.load(h.verdicts, h.slot % BLOCK) : UNKNOWN;
  }

  /** Ends the worker (after the load; it never keeps the process alive). */
  close(): void {
    const w = this.worker;
    this.worker = undefined;
    this.pending = [];
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
 * error, no null, nothing rewritten), and no object in it gets a diagnostic from checkObject after
 * removed.ts's conversion, as lowering.ts lower runs them. What the main thread runs anyway
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
