// The optimistic load redone (load.ts optimistically): the load made on files parsed unchecked is
// dropped before the safe path loads again, so that a redo never holds two inventories at once.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { tempFiles } from "../helpers.js";
import { loadPaths } from "../../src/sources/load.js";
import type { RawObject } from "../../src/sources/documents.js";
import { BLOCK, CLEAN, JUDGING, NOT_CLEAN } from "../../src/sources/checkahead.js";
import { intern, interning, runInterner } from "../../src/sources/intern.js";

setFlagsFromString("--expose_gc");
const gc = runInNewContext("gc") as () => void;

function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

/**
 * A check-ahead worker that judges every file clean at once except `bad`, which it claims (JUDGING)
 * and finds not clean only once the main thread waits for that verdict, which it does only when
 * settling (Atomics.notify counts the threads it wakes): the unchecked load ends, and settling it
 * finds the verdict not clean (the redo after a whole load), however slow the machine (a timer here
 * was a race: on a busy machine the verdict came in before the main thread took the file). It
 * writes `ready` once it has been handed `bad`.
 */
function lateVerdictWorker(dir: string, bad: string, ready: string): URL {
  const path = join(dir, "late.mjs");
  writeFileSync(path, `
    import { parentPort } from "node:worker_threads";
    import { existsSync, writeFileSync } from "node:fs";
    const { BLOCK, CLEAN, NOT_CLEAN, JUDGING } = ${JSON.stringify({ BLOCK, CLEAN, NOT_CLEAN, JUDGING })};
    let late;
    parentPort.on("message", (m) => {
      if (typeof m !== "object") { if (late) { const t = setInterval(() => { if (late()) clearInterval(t); }, 10); } return; }
      const v = new Int32Array(m.verdicts), i = m.slot % BLOCK;
      if (!m.name.endsWith(${JSON.stringify(bad)})) { Atomics.store(v, i, CLEAN); Atomics.notify(v, i); return; }
      Atomics.store(v, i, JUDGING);
      late = () => { if (Atomics.notify(v, i) === 0) return false; Atomics.store(v, i, NOT_CLEAN); Atomics.notify(v, i); return true; };
      writeFileSync(${JSON.stringify(ready)}, "");
    });`);
  return new URL(`file://${path}`);
}

/** Waits (the main thread blocked, as the load is) until `path` exists, at most 5 minutes (ends as soon as it does: 20 s was short under a load average of 10-13). */
function waitFor(path: string): void {
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (let t = 0; t < 30_000 && !existsSync(path); t++) Atomics.wait(sleep, 0, 0, 10);
  assert.ok(existsSync(path), "the worker never started");
}

test("optimistic: a load redone after the whole unchecked load does not keep that load alive while it loads again", () => {
  const w = tempFiles({});
  // About 60 files of 40 KB (each read whole, kept by the load: below load.ts RELEASE_AT), each a pod
  // with 300 labels of its own: the first load's inventory holds some MB of them.
  const files: Record<string, string> = {};
  for (let f = 0; f < 60; f++) {
    const labels = Object.fromEntries(Array.from({ length: 300 }, (_, k) => [`key-${f}-${k}-${"k".repeat(40)}`, `v${f}x${k}${"v".repeat(50)}`]));
    files[`p${String(f).padStart(2, "0")}.json`] = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: `p${f}`, namespace: "a", labels }, spec: { containers: [{ name: "c", image: "i" }] }, status: { podIP: `10.0.${f}.1` } });
  }
  // The last file: a null the checks drop (not clean), nothing reported.
  files["z-null.json"] = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "z", namespace: "a" }, spec: { containers: [{ name: "c", image: "i" }], nodeName: null } });
  const t = tempFiles(files);
  try {
    // (Loaded once on the safe path first: the code both loads run, the validators too, is in the heap before the probes.)
    assert.equal(loadPaths([t.dir], () => "", { checkAhead: { at: Infinity } }).inventory.endpoints.length, 61);
    // (A probe: loadOnce goes through `objects`, none here, as each load starts.)
    const heap: number[] = [];
    const probe = [] as RawObject[];
    const ready = join(w.dir, "ready");
    // (The first load waits for the worker to have judged every file but the last, and claimed that
    // one: each file is then parsed unchecked, whatever the timing.)
    probe[Symbol.iterator] = function* () { if (heap.length === 0) waitFor(ready); heap.push(heapMb()); } as () => ArrayIterator<RawObject>;
    const loaded = loadPaths([t.dir], () => "", { checkAhead: { at: 0, optimistic: true, script: lateVerdictWorker(w.dir, "z-null.json", ready) }, objects: probe });
    assert.equal(loaded.optimism?.assumed, 61, JSON.stringify(loaded.optimism));
    assert.equal(loaded.optimism?.redone, true, JSON.stringify(loaded.optimism));
    assert.equal(loaded.inventory.endpoints.length, 61);
    assert.equal(heap.length, 2);
    // When the safe path starts, the heap holds what it held when the first load started (the texts read).
    assert.ok(heap[1] - heap[0] < 2, `heap as the load is redone: ${heap[0].toFixed(1)} -> ${heap[1].toFixed(1)} MB`);
  } finally { w.cleanup(); t.cleanup(); }
});

test("runInterner keeps nothing of a load after it (the table of every string interned in it)", () => {
  const site = runInterner();
  const base = heapMb();
  let during = 0;
  interning(() => {
    // (About 10 MB of strings, interned: the load's table holds them.)
    for (let k = 0; k < 100_000; k++) intern(`value-${k}-${"x".repeat(60)}`);
    site("a-namespace");
    during = heapMb() - base;
  });
  const after = heapMb() - base;
  assert.ok(during > 8, `interned: +${during.toFixed(1)} MB`);
  assert.ok(after < 2, `after the load: +${after.toFixed(1)} MB`);
});
