// The load on both cores: a worker thread (load-worker.ts) digests files (decode, parse, validate,
// lower the Pods: digest.ts) while the main thread reads the rest, takes the digests in file order,
// and digests itself whatever the worker has not reached (the last files first), so that the two
// meet in the middle. The load stays synchronous: digests are taken with receiveMessageOnPort, and
// the main thread sleeps on a shared counter (Atomics.wait) while the worker is on the next file.
// Each file is claimed once, by whichever thread comes first (a shared compare-and-swap).

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { decodeDigest, digestFile, type Digest } from "./digest.js";
import type { InputFile } from "./read.js";

export const CLAIM_FREE = 0, CLAIM_WORKER = 1, CLAIM_MAIN = 2;

/** A file handed to the worker: its bytes in shared memory and its claim. */
export interface FileTask { index: number; name: string; bytes: Uint8Array; claim: Int32Array }

/** A worker's digest of a file (`digest` unset: the main thread digests it). */
export interface TaskResult { index: number; length?: number; docs?: [number, number][]; digest?: string }

/** Input this large in all (bytes) starts a worker; below, its start (about 0.2-0.5 s) is not won back. */
export const WORKER_MIN_BYTES = 8 * 1024 ** 2;

/** With no digest from the worker for this long, the main thread takes the worker's files itself. */
const STALL_MS = 20_000;

/**
 * JUNCTION_LOAD_WORKER=1: start a worker for any input; =auto: from WORKER_MIN_BYTES on; unset or
 * anything else: never (the single-threaded load). Off by default: not yet measured faster in wall
 * time (docs/performance.md, "Loading on two cores").
 */
export function workerThreshold(env = process.env.JUNCTION_LOAD_WORKER): number | undefined {
  return env === "1" || env === "all" ? 0 : env === "auto" ? WORKER_MIN_BYTES : undefined;
}

/** JUNCTION_LOAD_WORKER=all (for tests): the worker digests every file it can; this thread digests none ahead. */
export const workerTakesAll = (env = process.env.JUNCTION_LOAD_WORKER): boolean => env === "all";

interface Task { file: InputFile; bytes: Uint8Array; claim: Int32Array }

export class LoadPool {
  private worker?: Worker;
  private port?: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly tasks: Task[] = [];
  private readonly index = new Map<InputFile, number>();
  private readonly done = new Map<number, TaskResult>();
  private readonly stolen = new Map<number, Digest>();
  private bytes = 0;
  /** Files below this index are taken (digests in order). */
  private next = 0;
  private dead = false;
  private readonly workerOnly = workerTakesAll();

  /**
   * `settle` is told of each file the worker digested (its text's length), `digested` of each the
   * main thread digested (load.ts releases large texts).
   */
  constructor(private readonly threshold: number, private readonly settle: (file: InputFile, length: number) => void, private readonly digested: (file: InputFile) => void) {}

  get started(): boolean { return this.worker !== undefined; }

  /** ReadOptions.onFile: a file read, in order. */
  readonly add = (file: InputFile, bytes: Uint8Array): void => {
    const task = { file, bytes, claim: new Int32Array(new SharedArrayBuffer(4)) };
    this.index.set(file, this.tasks.length);
    this.tasks.push(task);
    this.bytes += bytes.length;
    if (this.worker) this.post(this.tasks.length - 1);
    else if (this.bytes >= this.threshold) this.start();
  };

  private start(): void {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL("./load-worker.js", import.meta.url), { workerData: { port: port2, signal: this.signal }, transferList: [port2] });
    // The process does not wait for it; close() ends it.
    this.worker.unref();
    for (let i = 0; i < this.tasks.length; i++) this.post(i);
  }

  private post(i: number): void {
    const t = this.tasks[i];
    const task: FileTask = { index: i, name: t.file.name, bytes: t.bytes, claim: t.claim };
    this.worker!.postMessage(task);
  }

  /** The digest of `file`, the next file in order (loaded files in the order read). */
  digest(file: InputFile): Digest {
    const i = this.index.get(file);
    if (i === undefined || !this.worker) return this.here(file);
    this.next = i + 1;
    let seen = Atomics.load(this.signal, 0), since = Date.now();
    for (;;) {
      this.drain();
      const r = this.done.get(i);
      if (r) { this.done.delete(i); return this.received(r, file); }
      const stolen = this.stolen.get(i);
      if (stolen) { this.stolen.delete(i); return stolen; }
      if (!this.workerOnly && this.claim(i)) return this.here(file);
      if (!this.workerOnly && this.stealLast()) continue;
      // A worker that died (it cannot say so while this thread waits) stalls the load once.
      if (Date.now() - since > STALL_MS) this.dead = true;
      if (this.dead) return this.here(file);
      Atomics.wait(this.signal, 0, seen, 1000);
      const now = Atomics.load(this.signal, 0);
      if (now !== seen) { seen = now; since = Date.now(); }
    }
  }

  /** Ends the worker (the load is done, or started again single-threaded). */
  close(): void {
    if (!this.worker) return;
    for (const t of this.tasks) Atomics.compareExchange(t.claim, 0, CLAIM_FREE, CLAIM_MAIN);
    this.worker.postMessage("end");
    this.port!.close();
    void this.worker.terminate();
    this.worker = undefined;
  }

  private claim(i: number): boolean {
    return Atomics.compareExchange(this.tasks[i].claim, 0, CLAIM_FREE, CLAIM_MAIN) === CLAIM_FREE;
  }

  /** Digests the last file nobody has claimed, for later. */
  private stealLast(): boolean {
    for (let j = this.tasks.length - 1; j >= this.next; j--) {
      const c = Atomics.load(this.tasks[j].claim, 0);
      if (c === CLAIM_WORKER) return false;
      if (c === CLAIM_FREE && this.claim(j)) { this.stolen.set(j, this.here(this.tasks[j].file)); return true; }
    }
    return false;
  }

  private drain(): void {
    for (let m = receiveMessageOnPort(this.port!); m; m = receiveMessageOnPort(this.port!)) {
      const r = m.message as TaskResult;
      this.done.set(r.index, r);
    }
  }

  private received(r: TaskResult, file: InputFile): Digest {
    if (r.digest === undefined) return this.here(file);
    if (r.docs) file.docs = r.docs;
    this.settle(file, r.length!);
    const d = decodeDigest(r.digest, file);
    this.tasks[r.index].bytes = EMPTY;
    return d;
  }

  private here(file: InputFile): Digest {
    const i = this.index.get(file);
    if (i !== undefined) this.tasks[i].bytes = EMPTY;
    const d = digestFile(file);
    this.digested(file);
    return d;
  }
}

const EMPTY = new Uint8Array(0);

