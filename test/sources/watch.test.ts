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

test("a -f folder removed and recreated (rm -rf, git checkout), renamed away, or a folder renamed over a subfolder is watched again; each is a change", async () => {
  const t = tempFiles({ "root/a.yaml": NS("a"), "root/sub/b.yaml": NS("b"), "other/c.yaml": NS("c") });
  const root = join(t.dir, "root");
  const w = watching([root], { pollMs: 100 });
  try {
    rmSync(root, { recursive: true });
    assert.ok((await w.next()).includes(root));
    mkdirSync(join(root, "sub"), { recursive: true });
    await w.next(); // the folder is back (a change); it is watched again
    await sleep(100);
    writeFileSync(join(root, "sub", "new.yaml"), NS("n"));
    for (let got = await w.next(); !got.includes(join(root, "sub", "new.yaml")); got = await w.next());
    // Renamed away: its old folder's events are no longer the input's; the path is waited for again.
    renameSync(root, join(t.dir, "root.old"));
    assert.ok((await w.next()).includes(root));
    writeFileSync(join(t.dir, "root.old", "a.yaml"), NS("a2"));
    await w.quiet();
    renameSync(join(t.dir, "other"), root);
    assert.ok((await w.next()).includes(root));
    await sleep(100);
    writeFileSync(join(root, "c.yaml"), NS("c2"));
    assert.deepEqual(await w.next(), [join(root, "c.yaml")]);
    // A folder renamed over a (removed) subfolder: the new one is watched, not the old inode.
    mkdirSync(join(t.dir, "next"));
    rmSync(join(root, "sub2"), { recursive: true, force: true });
    mkdirSync(join(root, "sub2"));
    await w.next();
    rmSync(join(root, "sub2"), { recursive: true });
    renameSync(join(t.dir, "next"), join(root, "sub2"));
    for (let got = await w.next(); !got.includes(join(root, "sub2")); got = await w.next());
    await sleep(100);
    writeFileSync(join(root, "sub2", "d.yaml"), NS("d"));
    assert.deepEqual(await w.next(), [join(root, "sub2", "d.yaml")]);
  } finally { w.close(); t.cleanup(); }
});

test("a -f file's folder removed and recreated is watched again", async () => {
  const t = tempFiles({ "d/a.yaml": NS("a") });
  const file = join(t.dir, "d", "a.yaml");
  const w = watching([file], { pollMs: 100 });
  try {
    rmSync(join(t.dir, "d"), { recursive: true });
    assert.deepEqual(await w.next(), [file]);
    mkdirSync(join(t.dir, "d"));
    await sleep(400);
    writeFileSync(file, NS("a2"));
    for (let got = await w.next(); ; got = await w.next()) { assert.deepEqual(got, [file]); if (got.length) break; }
    await sleep(200);
    writeFileSync(file, NS("a3"));
    assert.deepEqual(await w.next(), [file]);
  } finally { w.close(); t.cleanup(); }
});

test("symlinked manifests: a ConfigMap volume's ..data swap, a -f file edited where its link points, a -f link/ folder pointed elsewhere", async () => {
  const { symlinkSync } = await import("node:fs");
  // A ConfigMap volume as kubelet's AtomicWriter writes it.
  const t = tempFiles({ "cm/..v1/x.yaml": NS("x"), "real/target.yaml": NS("t"), "A/a.yaml": NS("a"), "B/b.yaml": NS("b") });
  const cm = join(t.dir, "cm");
  symlinkSync("..v1", join(cm, "..data"));
  symlinkSync("..data/x.yaml", join(cm, "x.yaml"));
  const link = join(t.dir, "link.yaml");
  symlinkSync(join(t.dir, "real", "target.yaml"), link);
  const dirLink = join(t.dir, "dirlink");
  symlinkSync(join(t.dir, "A"), dirLink);
  const w = watching([cm, link, `${dirLink}/`], { pollMs: 100 });
  try {
    mkdirSync(join(cm, "..v2"));
    writeFileSync(join(cm, "..v2", "x.yaml"), NS("x2"));
    symlinkSync("..v2", join(cm, "..data_tmp"));
    renameSync(join(cm, "..data_tmp"), join(cm, "..data"));
    rmSync(join(cm, "..v1"), { recursive: true });
    assert.deepEqual(await w.next(), [join(cm, "x.yaml")]);
    await w.quiet(200);
    writeFileSync(join(cm, "..v2", "x.yaml"), NS("x3"));
    assert.deepEqual(await w.next(), [join(cm, "x.yaml")]);
    // The -f file is a link: its target edited in place.
    writeFileSync(join(t.dir, "real", "target.yaml"), NS("t2"));
    assert.deepEqual(await w.next(), [link]);
    // -f dirlink/ with the link pointed at another folder (ln -sfn: a new link renamed over it).
    symlinkSync(join(t.dir, "B"), join(t.dir, "dirlink.tmp"));
    renameSync(join(t.dir, "dirlink.tmp"), dirLink);
    assert.deepEqual(await w.next(), [`${dirLink}/`]);
    writeFileSync(join(t.dir, "A", "a.yaml"), NS("a2"));
    await w.quiet();
    writeFileSync(join(t.dir, "B", "b.yaml"), NS("b2"));
    assert.deepEqual(await w.next(), [join(`${dirLink}/`, "b.yaml")]);
  } finally { w.close(); t.cleanup(); }
});

test("a folder inotify cannot watch (ENOSPC: the watch limit) is polled instead, and the trouble is said once with the limit to raise", async () => {
  const { watch } = await import("node:fs");
  const t = tempFiles({ "a.yaml": NS("a"), "sub/b.yaml": NS("b"), "sub2/c.yaml": NS("c") });
  const troubles: string[] = [];
  const full = (dir: string) => dir.startsWith(t.dir + "/");
  const w = watching([t.dir], {
    pollMs: 100, onTrouble: (m) => troubles.push(m),
    watchFolder: (dir, listener) => {
      if (full(dir)) throw Object.assign(new Error(`ENOSPC: System limit for number of file watchers reached, watch '${dir}'`), { code: "ENOSPC" });
      return watch(dir, listener);
    },
  });
  try {
    assert.equal(troubles.length, 1);
    assert.match(troubles[0], /^cannot watch .*sub2? for changes \(ENOSPC: the system's limit of inotify watches, fs\.inotify\.max_user_watches, is reached\): it and other folders that cannot be watched are polled every 0\.1 s instead; raise it \(sysctl fs\.inotify\.max_user_watches=524288\) to see changes at once$/);
    await sleep(150);
    writeFileSync(join(t.dir, "sub", "b.yaml"), NS("b2-longer"));
    assert.deepEqual(await w.next(), [join(t.dir, "sub", "b.yaml")]);
    writeFileSync(join(t.dir, "sub2", "new.yaml"), NS("n"));
    assert.deepEqual(await w.next(), [join(t.dir, "sub2", "new.yaml")]);
    writeFileSync(join(t.dir, "a.yaml"), NS("a2"));
    assert.deepEqual(await w.next(), [join(t.dir, "a.yaml")]);
  } finally { w.close(); t.cleanup(); }
});
