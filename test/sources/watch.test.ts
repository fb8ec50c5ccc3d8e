// The input watcher (src/sources/watch.ts) that `serve` and the agents' --watch share: it follows
// what the reader reads (read.ts: MANIFEST files of the subfolders the walk enters, hidden folders and
// node_modules only with -R), a burst of writes is one change.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempFiles } from "../helpers.js";
import { watchInputs, type WatchOptions } from "../../src/sources/watch.js";
import { watchUntilStopped } from "../../src/cli/agent-loop.js";

const NS = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Watches `paths`; `next()` resolves with the next reported change (or rejects after a while), `quiet()` checks nothing comes. */
function watching(paths: string[], options: WatchOptions = {}) {
  const calls: string[][] = [];
  let wake: (() => void) | undefined;
  const w = watchInputs(paths, (changed) => { calls.push(changed); wake?.(); }, { delayMs: 60, ...options });
  let seen = 0;
  return {
    calls,
    async next(): Promise<string[]> {
      const deadline = Date.now() + 5000;
      while (calls.length <= seen) {
        if (Date.now() > deadline) throw new Error("no change reported");
        await new Promise<void>((r) => { wake = r; setTimeout(r, 100); });
      }
      return calls[seen++];
    },
    async quiet(ms = 400): Promise<void> { await sleep(ms); assert.deepEqual(calls.slice(seen), [], "no change should be reported"); },
    close: () => w.close(),
  };
}

test("a file added in a subfolder, one changed, one removed, and a folder created later are changes; a burst of writes is one", async () => {
  const t = tempFiles({ "a.yaml": NS("a"), "sub/b.yaml": NS("b") });
  const w = watching([t.dir]);
  try {
    writeFileSync(join(t.dir, "sub", "c.yaml"), NS("c"));
    assert.deepEqual(await w.next(), [join(t.dir, "sub", "c.yaml")]);
    for (let i = 0; i < 20; i++) writeFileSync(join(t.dir, "a.yaml"), NS(`a${i}`));
    assert.deepEqual(await w.next(), [join(t.dir, "a.yaml")]);
    await w.quiet();
    rmSync(join(t.dir, "sub", "b.yaml"));
    assert.deepEqual(await w.next(), [join(t.dir, "sub", "b.yaml")]);
    mkdirSync(join(t.dir, "new", "deeper"), { recursive: true });
    // The new folder, and its subfolder if it was seen created after the new folder was watched.
    assert.equal((await w.next())[0], join(t.dir, "new"));
    writeFileSync(join(t.dir, "new", "deeper", "d.yml"), NS("d"));
    assert.deepEqual(await w.next(), [join(t.dir, "new", "deeper", "d.yml")]);
    // An editor's save by rename: the temporary file changes nothing, the rename over the manifest does.
    writeFileSync(join(t.dir, ".a.yaml.swp"), "x");
    await w.quiet();
    renameSync(join(t.dir, ".a.yaml.swp"), join(t.dir, "a.yaml"));
    assert.deepEqual(await w.next(), [join(t.dir, "a.yaml")]);
    // A folder removed is a change (its files are gone), and it is no longer watched.
    rmSync(join(t.dir, "sub"), { recursive: true });
    assert.equal((await w.next())[0], join(t.dir, "sub"));
    writeFileSync(join(t.dir, "a.yaml"), NS("a"));
    assert.deepEqual(await w.next(), [join(t.dir, "a.yaml")]);
  } finally { w.close(); t.cleanup(); }
});

test("hidden folders and node_modules are ignored, as the reader skips them, unless -R; files the reader does not read change nothing", async () => {
  const t = tempFiles({ "a.yaml": NS("a"), ".hidden/h.yaml": NS("h"), "node_modules/m.yaml": NS("m"), "sub/.cache/x.yaml": NS("x") });
  const plain = watching([t.dir]);
  try {
    writeFileSync(join(t.dir, ".hidden", "h.yaml"), NS("h2"));
    writeFileSync(join(t.dir, "node_modules", "m.yaml"), NS("m2"));
    writeFileSync(join(t.dir, "sub", ".cache", "x.yaml"), NS("x2"));
    writeFileSync(join(t.dir, "notes.txt"), "kind: Namespace");
    mkdirSync(join(t.dir, ".later"));
    await plain.quiet();
    writeFileSync(join(t.dir, ".later", "l.yaml"), NS("l"));
    await plain.quiet(200);
    // A hidden file with a manifest extension is read (kubectl reads it), so it is watched.
    writeFileSync(join(t.dir, ".top.yaml"), NS("t"));
    assert.deepEqual(await plain.next(), [join(t.dir, ".top.yaml")]);
  } finally { plain.close(); }
  const all = watching([t.dir], { recursive: true });
  try {
    writeFileSync(join(t.dir, ".hidden", "h.yaml"), NS("h3"));
    assert.deepEqual(await all.next(), [join(t.dir, ".hidden", "h.yaml")]);
    writeFileSync(join(t.dir, "sub", ".cache", "x.yaml"), NS("x3"));
    writeFileSync(join(t.dir, "node_modules", "m.yaml"), NS("m3"));
    assert.deepEqual(await all.next(), [join(t.dir, "node_modules", "m.yaml"), join(t.dir, "sub", ".cache", "x.yaml")]);
  } finally { all.close(); t.cleanup(); }
});

test("files given with -f are watched whatever their names, two in one folder each, and one not created yet", async () => {
  const t = tempFiles({ "a.yaml": NS("a"), "b.txt": NS("b"), "other.yaml": NS("o") });
  const a = join(t.dir, "a.yaml"), b = join(t.dir, "b.txt"), later = join(t.dir, "later.yaml");
  const w = watching([a, b, later]);
  try {
    writeFileSync(b, NS("b2"));
    assert.deepEqual(await w.next(), [b]);
    writeFileSync(a, NS("a2"));
    assert.deepEqual(await w.next(), [a]);
    writeFileSync(join(t.dir, "other.yaml"), NS("o2"));
    await w.quiet();
    writeFileSync(later, NS("l"));
    assert.deepEqual(await w.next(), [later]);
  } finally { w.close(); t.cleanup(); }
});

test("the agents' watch loop ticks once at start and once per burst of changes, in subfolders too", async () => {
  const t = tempFiles({ "a.yaml": NS("a"), "sub/b.yaml": NS("b") });
  let ticks = 0;
  const err: string[] = [];
  const io = { out: () => {}, err: (s: string) => { err.push(s); } } as never;
  const done = watchUntilStopped({ paths: [t.dir], io, tick: () => { ticks++; }, watching: t.dir, stopping: "kept" });
  try {
    assert.equal(ticks, 1);
    for (let i = 0; i < 10; i++) writeFileSync(join(t.dir, "sub", "b.yaml"), NS(`b${i}`));
    for (let i = 0; i < 50 && ticks < 2; i++) await sleep(100);
    assert.equal(ticks, 2);
    writeFileSync(join(t.dir, "sub", "c.yaml"), NS("c"));
    for (let i = 0; i < 50 && ticks < 3; i++) await sleep(100);
    assert.equal(ticks, 3);
    await sleep(500);
    assert.equal(ticks, 3);
  } finally {
    process.emit("SIGTERM");
    assert.equal(await done, 0);
    t.cleanup();
  }
  assert.match(err.join(""), /stopping; kept/);
});
