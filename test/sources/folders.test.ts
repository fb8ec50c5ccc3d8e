// Folders: read with their subfolders (np-guard's convention; a note says kubectl -f would need -R),
// hidden folders and node_modules only with -R, which walks as kubectl -R does (cli-runtime
// resource/visitor.go ExpandPathsToFileVisitors over filepath.Walk): in Go's order of names, and a
// symlink to a folder given without a trailing slash is not a folder to it.

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

test("-f DIR reads its subfolders (a note says kubectl -f would need -R), hidden folders and node_modules only with -R, which reads every subfolder as kubectl -R", async () => {
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
    assert.deepEqual(names(plain), ["a", "b", "c", "o", "t"]);
    assert.equal(plain.files, 5);
    const noted = plain.diagnostics.items.filter((d) => d.code === "input-subfolders" || d.code === "input-skipped");
    assert.deepEqual(noted.map((d) => [d.severity, formatDiagnostic(d)]), [
      ["info", `${t.dir}: 3 files read from subfolders (kubectl -f reads subfolders only with -R)`],
      ["info", `${t.dir}: skipped 2 files without a .yaml/.yml/.json extension, 2 hidden or node_modules folders (read with -R, as kubectl -R reads them)`],
    ]);
    const deep = loadPaths([t.dir], undefined, { recursive: true });
    assert.deepEqual(names(deep), ["a", "b", "c", "h", "m", "o", "t"]);
    assert.deepEqual(deep.diagnostics.items.filter((d) => d.code === "input-subfolders"), []);
    // The CLI: the note is printed without -q; -R reads the hidden folders too.
    const r = await cli(["list", "-f", t.dir, "-o", "json"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /: 3 files read from subfolders \(kubectl -f reads subfolders only with -R\)/);
    const rr = await cli(["list", "-q", "-R", "-f", t.dir, "-o", "json"]);
    assert.equal(rr.code, 0, rr.err);
    assert.doesNotMatch(rr.err, /subfolders/);
    // Nothing directly in the folder: its subfolder is read.
    const only = await cli(["validate", "-q", "-f", join(t.dir, "only")]);
    assert.equal(only.code, 0, only.err);
  } finally { t.cleanup(); }
});

test("an unreadable subfolder is an error, as filepath.Walk reports it", { skip: process.getuid?.() === 0 ? "root reads every folder" : false }, async () => {
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
