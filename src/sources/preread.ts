// The pre-reader: a thread that reads the -f files into shared memory while the main thread is
// still starting (loading the CLI's modules takes it about 0.2-0.3 s), so that the load's reading
// (read.ts) finds most files' bytes already there instead of allocating memory for them and reading
// them itself (at 100k pods, 1,998 files and 224 MiB: about 0.2-0.3 s of the main thread's time,
// mostly the page faults of the fresh memory).
//
// Whichever thread reaches a file first claims it (an Atomics compare-exchange on a shared array):
// the main thread never waits for the pre-reader. A file the pre-reader has not finished, or read
// and found changed (its size, modification time, inode or device differ from the main thread's
// stat), is read by the main thread as before, so the bytes read.ts decodes, and every message
// about them, are what they were. Started (startPreread) by bin/junction.js in the child the
// launcher relaunched (the input is large: src/cli/launch.ts), ended by the load once it has read
// its files. Imports only Node's modules: bin/junction.js loads it before the CLI.

import type { Stats } from "node:fs";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";

/** A file's claim: nobody yet, the main thread, the pre-reader (reading), read, or left to the main thread. */
export const FREE = 0, MAIN = 1, WORKER = 2, DONE = 3, FAILED = 4;

/** Per file in the table: chunk number, offset, length, mtimeMs, ino, dev. */
export const FIELDS = 6;

/** Files are read one after another into shared chunks of this size (one larger file, a chunk of its own). */
export const CHUNK = 16 * 1024 ** 2;

/** At most this many bytes are read ahead (the default --max-input-size; a smaller limit only wastes the rest). */
const LIMIT = 1024 ** 3;

/** What the thread is given. */
export interface PrereadData { paths: string[]; recursive: boolean; port: MessagePort; limit: number }

interface Ahead {
  worker: Worker;
  port: MessagePort;
  /** From the thread's first message: the files it may read, by path. */
  index?: Map<string, number>;
  claims?: Int32Array;
  table?: Float64Array;
  chunks: SharedArrayBuffer[];
  /** Files taken from the pre-reader (tests). */
  taken: number;
  /** The thread's scheduling priority, as it said (tests). */
  priority?: number;
}

let ahead: Ahead | undefined;

/**
 * Starts the pre-reader on `paths` (folders walked as read.ts walks them; `recursive`: -R). Does
 * nothing when one runs already, or when no thread can be started.
 */
export function startPreread(paths: readonly string[], recursive: boolean, script = new URL("./preread-thread.js", import.meta.url)): void {
  if (ahead || !paths.length) return;
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    worker = new Worker(script, { workerData: { paths: [...paths], recursive, port: port2, limit: LIMIT } satisfies PrereadData, transferList: [port2], execArgv: [], stdout: false, stderr: false });
  } catch {
    port1.close();
    return;
  }
  // (A thread that fails leaves its files unclaimed or FAILED: the main thread reads them.)
  worker.on("error", () => {});
  worker.unref();
  port1.unref();
  ahead = { worker, port: port1, chunks: [], taken: 0 };
}

/** The messages the thread has sent so far (the main thread never waits for one). */
function receive(a: Ahead): void {
  for (let m; (m = receiveMessageOnPort(a.port));) {
    const msg = m.message as { list?: string[]; claims?: SharedArrayBuffer; table?: SharedArrayBuffer; chunk?: SharedArrayBuffer; k?: number; priority?: number };
    if (msg.list) {
      a.priority = msg.priority;
      a.index = new Map(msg.list.map((p, i) => [p, i]));
      a.claims = new Int32Array(msg.claims!);
      a.table = new Float64Array(msg.table!);
    } else if (msg.chunk) a.chunks[msg.k!] = msg.chunk;
  }
}

/**
 * The bytes of the file at `path`, which the main thread stat'ed as `st`, if the pre-reader has
 * read them and the file is the same (size, modification time, inode, device); otherwise undefined,
 * and the file is the caller's to read (claimed, the pre-reader will not read it).
 */
export function preread(path: string, st: Stats): Buffer | undefined {
  const a = ahead;
  if (!a) return undefined;
  receive(a);
  const i = a.index?.get(path);
  if (i === undefined) return undefined;
  const claims = a.claims!;
  if (Atomics.compareExchange(claims, i, FREE, MAIN) === FREE) return undefined;
  // (Being read: not waited for; the main thread reads it too.)
  if (Atomics.load(claims, i) !== DONE) return undefined;
  const t = a.table!, o = FIELDS * i;
  if (a.chunks[t[o]] === undefined) receive(a);
  const chunk = a.chunks[t[o]];
  if (!chunk || t[o + 2] !== st.size || t[o + 3] !== st.mtimeMs || t[o + 4] !== st.ino || t[o + 5] !== st.dev) return undefined;
  a.taken++;
  return Buffer.from(chunk, t[o + 1], t[o + 2]);
}

/** Whether a pre-reader runs and has files it may still read (tests wait for it to finish). */
export function prereadPending(): boolean {
  const a = ahead;
  if (!a) return false;
  receive(a);
  if (!a.claims) return true;
  for (let i = 0; i < a.claims.length; i++) {
    const c = Atomics.load(a.claims, i);
    if (c === FREE || c === WORKER) return true;
  }
  return false;
}

/** The pre-reader's scheduling priority once it has listed its files (Linux; tests). */
export function prereadPriority(): number | undefined {
  if (ahead) receive(ahead);
  return ahead?.priority;
}

/** Ends the pre-reader (the load has read its files); returns how many files were taken from it. */
export function endPreread(): number {
  const a = ahead;
  ahead = undefined;
  if (!a) return 0;
  a.port.close();
  void a.worker.terminate();
  return a.taken;
}
