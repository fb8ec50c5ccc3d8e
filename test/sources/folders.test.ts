// Folders as kubectl -f reads them (cli-runtime resource/visitor.go ExpandPathsToFileVisitors over
// filepath.Walk): the files directly in a folder, its subfolders only with -R, in Go's order of names,
// and a symlink to a folder given without a trailing slash is not a folder to it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { cli, tempFiles } from "../helpers.js";
import { loadPaths } from "../../src/sources/load.js";
import { byCodePoint } from "../../src/sources/read.js";
import { formatDiagnostic } from "../../src/model/source.js";

const NS = (name: string, label = "x") => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: {v: ${label}}}\n`;
const names = (l: ReturnType<typeof loadPaths>) => [...l.inventory.namespaces.keys()].sort();

test("-f DIR reads only the files directly in DIR (hidden ones too), with a warning counting what -R would add; -R reads every subfolder, hidden ones and node_modules too", async () => {
  const t = tempFiles({
    "c.json": JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "c" } }),
    ".top.yaml": NS("t"),
    "notes.txt": "kind: Namespace\n",
    "a/ns.yaml": NS("a"),
    "a/b/deep.yml": NS("b"),
    "a/b/readme.txt": "not counted",
    ".hidden/h.yaml": NS("h"),
    "node_modules/m.yaml": NS("m"),
    "only/inner/o.yaml": NS("o"),
  });
  try {
    mkdirSync(join(t.dir, "empty"));
    const plain = loadPaths([t.dir]);
    assert.deepEqual(names(plain), ["c", "t"]);
    assert.equal(plain.files, 2);
    const warned = plain.diagnostics.items.filter((d) => d.code === "input-subfolders");
    assert.equal(warned.length, 1);
    assert.equal(warned[0].severity, "warning");
    assert.equal(formatDiagnostic(warned[0]), `${t.dir}: 5 .yaml/.yml/.json files in 5 subfolders not read: kubectl -f reads only the files directly in a folder; pass -R (--recursive) to read its subfolders too`);
    const deep = loadPaths([t.dir], undefined, { recursive: true });
    assert.deepEqual(names(deep), ["a", "b", "c", "h", "m", "o", "t"]);
    assert.deepEqual(deep.diagnostics.items.filter((d) => d.code === "input-subfolders"), []);
    // The CLI: the warning is printed (also with -q), and -R reads the subfolders.
    const r = await cli(["list", "-q", "-f", t.dir, "-o", "json"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^warning: .*: 5 \.yaml\/\.yml\/\.json files in 5 subfolders not read: .*pass -R \(--recursive\)/m);
    const rr = await cli(["list", "-q", "-R", "-f", t.dir, "-o", "json"]);
    assert.equal(rr.code, 0, rr.err);
    assert.doesNotMatch(rr.err, /not read/);
    // Nothing directly in the folder: no objects, and the warning says where they are.
    const only = await cli(["validate", "-f", join(t.dir, "only")]);
    assert.equal(only.code, 2);
    assert.match(only.err, /1 \.yaml\/\.yml\/\.json file in 1 subfolder not read/);
    assert.match(only.err, /no Kubernetes objects in /);
  } finally { t.cleanup(); }
});

test("an unreadable subfolder fails without -R too, as filepath.Walk lists a folder before its callback skips it", { skip: process.getuid?.() === 0 ? "root reads every folder" : false }, async () => {
  const t = tempFiles({ "a.yaml": NS("a"), "locked/b.yaml": NS("b") });
  const { chmodSync } = await import("node:fs");
  try {
    chmodSync(join(t.dir, "locked"), 0o000);
    const l = loadPaths([t.dir]);
    assert.match(l.diagnostics.errors.map(formatDiagnostic).join("\n"), /locked: permission denied \(EACCES\)/);
  } finally { chmodSync(join(t.dir, "locked"), 0o755); t.cleanup(); }
});

test("a symlink to a folder is refused as -f LINK (kubectl reads it as a file: 'is a directory') and read as -f LINK/", async () => {
  const t = tempFiles({ "real/a.yaml": NS("a") });
  try {
    symlinkSync(join(t.dir, "real"), join(t.dir, "link"));
    const bare = loadPaths([join(t.dir, "link")]);
    assert.match(bare.diagnostics.errors.map(formatDiagnostic).join("\n"), /link: a symlink to a folder, which kubectl -f reads as a file and fails on \("is a directory"\): write .*link\/ to read the folder/);
    const slash = loadPaths([join(t.dir, "link") + "/"]);
    assert.deepEqual(slash.diagnostics.errors, []);
    assert.deepEqual(names(slash), ["a"]);
  } finally { t.cleanup(); }
});

test("files are read in Go's order of names (UTF-8 bytes, code points): the last definition of an object is the one in the later file", () => {
  // U+E000 (EE 80 80) sorts before U+1F600 (F0 9F 98 80) in Go; JavaScript's < puts the surrogate pair first.
  const t = tempFiles({ "\u{E000}.yaml": NS("nn", "private-use"), "\u{1F600}.yaml": NS("nn", "emoji") });
  try {
    const l = loadPaths([t.dir]);
    assert.equal(l.inventory.namespaces.get("nn")?.labels.v, "emoji");
    assert.ok(byCodePoint("\u{E000}", "\u{1F600}") < 0 && byCodePoint("\u{1F600}", "\u{E000}") > 0);
    assert.ok(byCodePoint("a", "b") < 0 && byCodePoint("ab", "a") > 0 && byCodePoint("x", "x") === 0);
    assert.ok(byCodePoint("\u{D7FF}", "\u{1F600}") < 0 && byCodePoint("\u{FFFF}", "\u{10000}") < 0);
  } finally { t.cleanup(); }
});

test("a file met again (-f DIR -f DIR/a.yaml, a symlink, -f twice) is read once and applied again at its later place, as kubectl applies every -f in turn: its definitions are the last ones", () => {
  const t = tempFiles({ "d/a.yaml": NS("nn", "a"), "d/b.yaml": NS("nn", "b") });
  try {
    const label = (l: ReturnType<typeof loadPaths>) => l.inventory.namespaces.get("nn")?.labels.v;
    assert.equal(label(loadPaths([join(t.dir, "d")])), "b");
    const again = loadPaths([join(t.dir, "d"), join(t.dir, "d", "a.yaml")]);
    assert.deepEqual(again.diagnostics.errors, [], "no 'no Kubernetes objects in d/a.yaml': the file counts for both -f paths");
    assert.equal(label(again), "a");
    assert.equal(again.files, 2);
    // A symlink to a.yaml, later in the folder's order, applies a.yaml again.
    symlinkSync(join(t.dir, "d", "a.yaml"), join(t.dir, "d", "z.yaml"));
    assert.equal(label(loadPaths([join(t.dir, "d")])), "a");
    // -f a.yaml -f DIR: the folder applies a.yaml, then b.yaml, then z.yaml (a.yaml) again.
    assert.equal(label(loadPaths([join(t.dir, "d", "b.yaml"), join(t.dir, "d")])), "a");
  } finally { t.cleanup(); }
});
