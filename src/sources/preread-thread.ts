// The pre-reader's thread (preread.ts): walks the -f paths as read.ts walks them, then reads each
// manifest it found, in that order, into shared memory, claiming each file first so that the main
// thread and this one never both read it. Loads nothing but Node's modules, walkrules.ts and
// yieldcpu.ts: it starts while the main thread is still loading the CLI's modules, at the lowest
// priority.

import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { workerData, type MessagePort } from "node:worker_threads";
import { BIG_FILE, MANIFEST, byCodePoint, skipsFolder } from "./walkrules.js";
import { CHUNK, DONE, FAILED, FIELDS, FREE, WORKER, type PrereadData } from "./preread.js";
import { yieldCpu } from "./yieldcpu.js";

const data = workerData as PrereadData;
const port: MessagePort = data.port;

// (On what the main thread and V8's threads leave: the main thread never waits for this one.)
const priority = yieldCpu();

/**
 * The regular files a load of `paths` may read, in read.ts's order (a file given twice is listed
 * twice: harmless). Never a FIFO, socket or device: opening a FIFO would block this thread (read.ts
 * skips them in folders, and reads one given as a -f path itself).
 */
function filesUnder(paths: readonly string[], recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names;
    try { names = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of names.sort((a, b) => byCodePoint(a.name, b.name))) {
      const full = join(dir, e.name);
      if (e.isDirectory()) { if (!skipsFolder(e.name, recursive)) walk(full); }
      // (A symlink to a folder is not a directory entry: not walked, as read.ts does not walk it.)
      else if (MANIFEST.test(e.name) && (e.isFile() || (e.isSymbolicLink() && isFile(full)))) out.push(full);
    }
  };
  for (const p of paths) {
    let st;
    try { st = statSync(p); } catch { continue; }
    if (st.isDirectory()) walk(p);
    else if (st.isFile()) out.push(p);
  }
  return out;
}

function isFile(path: string): boolean {
  try { return statSync(path).isFile(); } catch { return false; }
}

const list = filesUnder(data.paths, data.recursive);
const claims = new Int32Array(new SharedArrayBuffer(4 * list.length));
const table = new Float64Array(new SharedArrayBuffer(8 * FIELDS * list.length));
port.postMessage({ list, claims: claims.buffer, table: table.buffer, priority });

const probe = new Uint8Array(1);
let chunk: SharedArrayBuffer | undefined, used = 0, k = -1, total = 0;
for (let i = 0; i < list.length; i++) {
  // (The main thread got there first: it reads the file itself.)
  if (Atomics.compareExchange(claims, i, FREE, WORKER) !== FREE) continue;
  let ok = false;
  if (total < data.limit) try {
    // (Non-blocking: a file replaced by a FIFO since the walk does not block the open.)
    const fd = openSync(list[i], constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd), size = st.size;
      if (st.isFile() && size > 0 && size < BIG_FILE) {
        // Each chunk is handed over before anything is written into it: a file marked DONE is in a chunk the main thread can receive.
        if (!chunk || used + size > chunk.byteLength) { chunk = new SharedArrayBuffer(Math.max(CHUNK, size)); used = 0; port.postMessage({ chunk, k: ++k }); }
        const into = new Uint8Array(chunk, used, size);
        let n = 0;
        for (let r: number; n < size && (r = readSync(fd, into, n, size - n, null)) > 0;) n += r;
        // (Shrunk or grown since the fstat: the main thread reads it as it reads any file.)
        if (n === size && readSync(fd, probe, 0, 1, null) === 0) {
          table.set([k, used, size, st.mtimeMs, st.ino, st.dev], FIELDS * i);
          used += size;
          total += size;
          ok = true;
        }
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    // (Unreadable: the main thread reads it and reports why.)
  }
  Atomics.store(claims, i, ok ? DONE : FAILED);
}
