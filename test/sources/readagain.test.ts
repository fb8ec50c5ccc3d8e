// The check-ahead worker reads each file again (read.ts READ_AGAIN, readSame) instead of sharing the
// bytes the main thread read: the main thread reads every file into one buffer used again, and the
// worker judges a file only when what it reads is the file the main thread read (the same size,
// modification time, inode and device, and a text of the same length), as a released text is read
// again (read.ts releaseText); anything else is not clean, and the main thread runs every check.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempFiles } from "../helpers.js";
import { loadPaths, type Loaded } from "../../src/sources/load.js";
import { Diagnostics } from "../../src/model/source.js";
import { CheckAhead, CLEAN, NOT_CLEAN, verdictOn, type Judge } from "../../src/sources/checkahead.js";
import { READ_AGAIN, readInputs, readSame, ScratchBuffer, type InputFile, type Stamp } from "../../src/sources/read.js";
import { writeCluster } from "../../src/cli/commands/generate.js";

const POD = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "a", labels: { app: name } }, spec: { containers: [{ name: "c", image: "i" }] }, status: { podIP: "10.0.0.1" }, ...extra });
/** Not clean: a key given twice (an error on the safe path). */
const DUPLICATE = `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d", "name": "e", "namespace": "a"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}`;

function stampOf(path: string, text = readFileSync(path, "utf8")): Stamp {
  const st = statSync(path);
  return { path, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, dev: st.dev, length: text.length };
}

function assertSame(a: Loaded, b: Loaded): void {
  assert.deepEqual(b.diagnostics.items, a.diagnostics.items);
  assert.deepEqual(b.inventory, a.inventory);
  assert.equal(b.objects, a.objects);
}

test("read again: a sink that reads the files again is told each file's stamp (size, modification time, inode, device, its text's length) with its bytes, read into one buffer used again", () => {
  const texts = { "a.json": JSON.stringify(POD("a")), "b.json": JSON.stringify(POD("bb", { metadata: { name: "bb", namespace: "a", annotations: { note: "é" } } })), "c.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n" };
  const t = tempFiles(texts);
  try {
    const told: { file: InputFile; bytes: string; stamp?: Stamp; buffer: ArrayBufferLike }[] = [];
    const sink = { buffer: (): typeof READ_AGAIN => READ_AGAIN, read: (file: InputFile, bytes: Buffer, stamp?: Stamp) => { told.push({ file, bytes: bytes.toString("utf8"), stamp, buffer: bytes.buffer }); } };
    const files = readInputs([t.dir], new Diagnostics(), undefined, { sink });
    assert.equal(files.length, 3);
    assert.equal(told.length, 3);
    for (const { file, bytes, stamp } of told) {
      assert.equal(bytes, readFileSync(file.name, "utf8"));
      assert.deepEqual(stamp, stampOf(file.name, file.text));
    }
    // (A non-ASCII character: the text is shorter than the bytes, and the stamp holds the text's length.)
    assert.equal(told[1].stamp!.length, texts["b.json"].length);
    assert.ok(told[1].stamp!.size > told[1].stamp!.length);
    // One buffer for every file, not one each.
    assert.equal(told[0].buffer, told[1].buffer);
    assert.equal(told[1].buffer, told[2].buffer);
  } finally { t.cleanup(); }
});

test("readSame: the bytes of the file as stamped, into the memory given; none once the file changed (content and time, size, replaced, removed)", () => {
  const text = JSON.stringify(POD("a"));
  const t = tempFiles({ "a.json": text, "b.json": text });
  const path = join(t.dir, "a.json");
  try {
    const stamp = stampOf(path);
    assert.equal(readSame(stamp)?.toString(), text);
    const scratch = new ScratchBuffer();
    const first = readSame(stamp, (n) => scratch.of(n))!, second = readSame(stamp, (n) => scratch.of(n))!;
    assert.equal(second.toString(), text);
    assert.equal(first.buffer, second.buffer);
    // The same size, other bytes, a later modification time.
    writeFileSync(path, text.replace('"a"', '"b"'));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    assert.equal(readSame(stamp), undefined);
    // The same modification time again (whole seconds: kept exactly), another size.
    const T = 1_700_000_000;
    utimesSync(path, T, T);
    const later = stampOf(path);
    writeFileSync(path, text + " ");
    utimesSync(path, T, T);
    assert.equal(statSync(path).mtimeMs, later.mtimeMs);
    assert.equal(readSame(later), undefined);
    // Another file (inode) in its place, with the same bytes and time.
    const b = join(t.dir, "b.json");
    utimesSync(b, T, T);
    const before = stampOf(b);
    assert.equal(readSame(before)?.toString(), text);
    unlinkSync(path);
    renameSync(b, path);
    writeFileSync(b, text);
    utimesSync(b, T, T);
    assert.equal(statSync(b).mtimeMs, before.mtimeMs);
    assert.equal(readSame(before), undefined);
    assert.equal(readSame({ ...before, ino: statSync(b).ino, ctimeMs: statSync(b).ctimeMs })?.toString(), text);
    unlinkSync(b);
    assert.equal(readSame({ ...before, ino: statSync(path).ino, ctimeMs: statSync(path).ctimeMs }), undefined);
  } finally { t.cleanup(); }
});

test("read again: the worker's verdict on a file read again is the verdict on the bytes the main thread read; not clean once the file changed, or for a text of another length", () => {
  const clean = JSON.stringify(POD("a"));
  const t = tempFiles({ "a.json": clean, "dup.json": DUPLICATE });
  const path = join(t.dir, "a.json");
  try {
    const judge = (stamp: Stamp): number => verdictOn({ slot: 0, stamp, name: stamp.path, verdicts: new SharedArrayBuffer(4) } satisfies Judge);
    const stamp = stampOf(path);
    assert.equal(judge(stamp), CLEAN);
    assert.equal(judge(stampOf(join(t.dir, "dup.json"))), NOT_CLEAN);
    // The main thread's text was of another length (it read other bytes).
    assert.equal(judge({ ...stamp, length: stamp.length + 1 }), NOT_CLEAN);
    // Replaced by another clean file since: not the file the main thread read, so not clean.
    writeFileSync(path, JSON.stringify(POD("b")));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    assert.equal(judge(stamp), NOT_CLEAN);
    assert.equal(judge(stampOf(path)), CLEAN);
  } finally { t.cleanup(); }
});

test("read again: a file changed on disk after the main thread read it is not clean to the worker: the main thread checks the text it read", () => {
  const t = tempFiles({ "a.json": JSON.stringify(POD("a")), "b.json": JSON.stringify(POD("b")), "c.json": JSON.stringify(POD("c")) });
  try {
    const a = new CheckAhead({ at: 0, wait: true });
    const b = join(t.dir, "b.json");
    // Each verdict is waited for; b.json is replaced (by a file the judge would refuse) once the main thread has read it, before the worker is told of it.
    const sink = {
      buffer: (size: number, name: string) => a.buffer(size, name),
      read: (file: InputFile, bytes: Buffer, stamp?: Stamp) => {
        if (file.name === b) { writeFileSync(b, DUPLICATE); utimesSync(b, new Date(), new Date(Date.now() + 5000)); }
        a.read(file, bytes, stamp);
      },
    };
    const files = readInputs([t.dir], new Diagnostics(), undefined, { sink });
    assert.deepEqual(files.map((f) => a.take(f)), [true, false, true]);
    assert.equal(files[1].text, JSON.stringify(POD("b")));
    a.close();
  } finally { t.cleanup(); }
});

test("read again: a generated cluster, with a file the judge refuses, loads as when the worker shares the main thread's bytes, and as without the worker (optimistic and waited for)", () => {
  const t = tempFiles({});
  try {
    writeCluster(t.dir, { pods: 600, namespaces: 6, policies: 60, seed: 5 }, "json");
    writeFileSync(join(t.dir, "dup.json"), DUPLICATE);
    const load = (checkAhead: object) => loadPaths([t.dir], () => "", { checkAhead, recursive: true });
    const off = load({ at: Infinity });
    assert.equal(off.diagnostics.errors.length, 1);
    for (const mode of [{ wait: true }, { optimistic: true }]) {
      const again = load({ at: 0, ...mode }), shared = load({ at: 0, ...mode, shared: true });
      assertSame(off, again);
      assertSame(off, shared);
      if (mode.wait) assert.equal(again.checkedAhead, shared.checkedAhead);
    }
  } finally { t.cleanup(); }
});

/** Waits `ms` (the kernel's file times tick coarsely: a change time a tick later is another). */
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

test("read again: a file written again in place at its size, its modification time put back (cp -p, touch -r), is not clean to the worker: its change time differs", () => {
  // The main thread reads a file the judge refuses; before the worker reads it again, it is written
  // again with a clean text of the same size and its mtime put back (whole seconds: kept exactly).
  // Size, mtime, inode, device and text length all match: the worker judged the clean bytes, and the
  // main thread parsed its own text (a key given twice) unchecked, the safe path's error lost.
  const clean = JSON.stringify(POD("d")), n = Math.max(clean.length, DUPLICATE.length);
  const replacement = clean.padEnd(n), refused = DUPLICATE.padEnd(n);
  const t = tempFiles({ "a.json": JSON.stringify(POD("a")), "b.json": refused });
  const T = 1_700_000_000;
  const b = join(t.dir, "b.json");
  try {
    utimesSync(b, T, T);
    sleep(30);
    const a = new CheckAhead({ at: 0, wait: true });
    const sink = {
      buffer: (size: number, name: string) => a.buffer(size, name),
      read: (file: InputFile, bytes: Buffer, stamp?: Stamp) => {
        if (file.name === b) { writeFileSync(b, replacement); utimesSync(b, T, T); assert.equal(statSync(b).mtimeMs, stamp!.mtimeMs); }
        a.read(file, bytes, stamp);
      },
    };
    const files = readInputs([t.dir], new Diagnostics(), undefined, { sink });
    assert.equal(files[1].text, refused);
    assert.deepEqual(files.map((f) => a.take(f)), [true, false]);
    a.close();
    // The stamp of the file as it is now is clean: only the change time told them apart.
    assert.equal(verdictOn({ slot: 0, stamp: stampOf(b), name: b, verdicts: new SharedArrayBuffer(4) }), CLEAN);
  } finally { t.cleanup(); }
});
