// Hostile and odd input: every case ends in a clear one-line error naming the file (exit 2) or a
// correct answer, within seconds and bounded memory.

import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { cli, tempFiles } from "../helpers.js";
import { loadPaths } from "../../src/sources/load.js";
import { formatDiagnostic } from "../../src/model/source.js";

const NS = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;
const errorsOf = (paths: string[], maxBytes?: number) => loadPaths(paths, () => "", { maxBytes }).diagnostics.errors.map(formatDiagnostic);
const BIN = join(process.cwd(), "bin", "junction.js");

/** mkfifo is not in node:fs; use the system's, or skip. */
function makeFifo(path: string): boolean {
  try { execFileSync("mkfifo", [path]); return true; } catch { return false; }
}

test("an alias bomb in a manifest, an --expect file and a --requests file is refused quickly (go-yaml: 'excessive aliasing')", async () => {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
  const bomb = lines.join("\n") + "\n";
  const t = tempFiles({ "bomb.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  ${bomb.replace(/\n/g, "\n  ")}`, "ns.yaml": NS("a"), "expect.yaml": bomb, "requests.yaml": bomb });
  try {
    const started = Date.now();
    const list = await cli(["list", "-f", join(t.dir, "bomb.yaml")]);
    assert.equal(list.code, 2);
    assert.match(list.err, /bomb\.yaml:\d+: invalid YAML: document contains excessive aliasing/);
    const expect = await cli(["test", "-f", join(t.dir, "ns.yaml"), "--expect", join(t.dir, "expect.yaml")]);
    assert.equal(expect.code, 2);
    assert.match(expect.err, /expect\.yaml:\d+: invalid YAML: document contains excessive aliasing/);
    const route = await cli(["route", "-f", join(t.dir, "ns.yaml"), "--requests", join(t.dir, "requests.yaml")]);
    assert.equal(route.code, 2);
    assert.match(route.err, /requests\.yaml:\d+: invalid YAML: document contains excessive aliasing/);
    assert.ok(Date.now() - started < 10_000);
  } finally { t.cleanup(); }
});

test("endless input: -f /dev/zero stops at once (a NUL byte is not YAML); a size over --max-input-size is refused with the flag named", async () => {
  const zero = await cli(["list", "-f", "/dev/zero"]);
  assert.equal(zero.code, 2);
  assert.match(zero.err, /\/dev\/zero: line 1: binary data \(a NUL byte\)/);
  const t = tempFiles({ "big.yaml": NS("a") + `# ${"x".repeat(2000)}\n` });
  try {
    assert.match(errorsOf([join(t.dir, "big.yaml")], 1000)[0], /big\.yaml: the input is larger than the limit of 1000 bytes in all \(raise it with --max-input-size\)/);
    const r = await cli(["list", "-f", join(t.dir, "big.yaml"), "--max-input-size", "1KiB"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /larger than the limit of 1 KiB/);
    assert.equal((await cli(["list", "-f", join(t.dir, "big.yaml"), "--max-input-size", "1MiB"])).code, 0);
    assert.equal((await cli(["list", "-f", join(t.dir, "big.yaml"), "--max-input-size", "lots"])).code, 2);
    // A fraction of a byte is not a size (it was read as 1 byte); a fraction of a unit is.
    assert.match((await cli(["list", "-f", join(t.dir, "big.yaml"), "--max-input-size", "1.5"])).err, /--max-input-size: "1.5" is not a size/);
    assert.equal((await cli(["list", "-f", join(t.dir, "big.yaml"), "--max-input-size", "1.5MiB"])).code, 0);
  } finally { t.cleanup(); }
});

test("an unending stdin is cut at the limit, in a real process", () => {
  const r = spawnSync(process.execPath, [BIN, "list", "-f", "-", "--max-input-size", "64KiB"], { input: "# x\n".repeat(100_000), encoding: "utf8", timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /<stdin>: the input is larger than the limit of 64 KiB/);
});

test("a FIFO or socket in a folder is skipped with a note, never read; a FIFO given explicitly is read like stdin", async () => {
  const t = tempFiles({ "ns.yaml": NS("a"), "notes.txt": "x" });
  try {
    if (!makeFifo(join(t.dir, "pipe.yaml"))) return;
    const r = await cli(["list", "-f", t.dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /note: .*skipped 1 file without a \.yaml\/\.yml\/\.json extension, 1 FIFO/);
    const writer = spawnSync("sh", ["-c", `(cat '${join(t.dir, "ns.yaml")}' > '${join(t.dir, "pipe.yaml")}' &) ; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} list -f '${join(t.dir, "pipe.yaml")}'`], { encoding: "utf8", timeout: 20_000 });
    assert.equal(writer.status, 0, writer.stderr);
  } finally { t.cleanup(); }
});

test("unreadable files and folders (EACCES), symlink loops (ELOOP) and stdin that is a directory are named", async () => {
  const t = tempFiles({ "ok/ns.yaml": NS("a"), "secret/ns.yaml": NS("b"), "locked.yaml": NS("c") });
  try {
    symlinkSync(join(t.dir, "loop-a.yaml"), join(t.dir, "loop-b.yaml"));
    symlinkSync(join(t.dir, "loop-b.yaml"), join(t.dir, "loop-a.yaml"));
    const loop = errorsOf([t.dir]);
    assert.ok(loop.some((e) => /loop-a\.yaml: too many levels of symbolic links: a symlink loop \(ELOOP\)/.test(e)), loop.join("\n"));
    if (process.getuid?.() !== 0) {
      chmodSync(join(t.dir, "secret"), 0o000);
      chmodSync(join(t.dir, "locked.yaml"), 0o000);
      const denied = errorsOf([join(t.dir, "secret"), join(t.dir, "locked.yaml")]);
      assert.match(denied[0], /secret: permission denied \(EACCES\)/);
      assert.match(denied[1], /locked\.yaml: permission denied \(EACCES\)/);
      chmodSync(join(t.dir, "secret"), 0o755);
    }
    const r = spawnSync("sh", ["-c", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} list -f - < '${join(t.dir, "ok")}'`], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /<stdin>: is a directory/);
  } finally { t.cleanup(); }
});

test("empty input is an error naming the path; -f - twice is refused; the same file through a folder, a file and a symlink is read once", async () => {
  const t = tempFiles({ "empty/README.md": "hi", "none.yaml": "# nothing\n", "m/ns.yaml": NS("a") });
  try {
    mkdirSync(join(t.dir, "empty", "sub"));
    const empty = await cli(["list", "-f", join(t.dir, "empty")]);
    assert.equal(empty.code, 2);
    assert.match(empty.err, new RegExp(`no Kubernetes objects in ${join(t.dir, "empty")}`));
    assert.match(errorsOf([join(t.dir, "m"), join(t.dir, "none.yaml")])[0], /no Kubernetes objects in .*none\.yaml/);
    const twice = await cli(["list", "-f", "-", "-f", "-"], NS("a"));
    assert.equal(twice.code, 2);
    assert.match(twice.err, /-f - is given more than once/);
    symlinkSync(join(t.dir, "m", "ns.yaml"), join(t.dir, "link.yaml"));
    const once = loadPaths([join(t.dir, "m"), join(t.dir, "m", "ns.yaml"), join(t.dir, "link.yaml")]);
    assert.equal(once.files, 1);
    assert.deepEqual(once.diagnostics.items.filter((d) => d.code === "duplicate"), []);
  } finally { t.cleanup(); }
});

test("invalid UTF-8 is refused naming the file and line (kubectl would read U+FFFD)", () => {
  const t = tempFiles({});
  try {
    writeFileSync(join(t.dir, "bad.yaml"), Buffer.concat([Buffer.from("apiVersion: v1\nkind: Namespace\nmetadata: {name: "), Buffer.from([0xc3, 0x28]), Buffer.from("}\n")]));
    const e = errorsOf([join(t.dir, "bad.yaml")]);
    assert.match(e[0], /bad\.yaml: line 3: invalid UTF-8 \(kubectl would read it as U\+FFFD, the replacement character\)/);
    // The line of the first invalid byte, also after a well-formed U+FFFD and in each kind of bad sequence.
    for (const [bytes, line] of [[[0xc3, 0x28], 4], [[0xe0, 0x80, 0x80], 4], [[0xed, 0xa0, 0x80], 4], [[0xf4, 0x90, 0x80, 0x80], 4], [[0xc0, 0xaf], 4], [[0xe2, 0x82], 4]] as const) {
      writeFileSync(join(t.dir, "late.yaml"), Buffer.concat([Buffer.from("a: \uFFFD\nb: 1\nc: 2\nd: "), Buffer.from(bytes), Buffer.from("\n")]));
      assert.match(errorsOf([join(t.dir, "late.yaml")])[0], new RegExp(`late\\.yaml: line ${line}: invalid UTF-8`), String(bytes));
    }
  } finally { t.cleanup(); }
});

test("files too big for one text: a 3 GiB file is refused from its size, unread; a 1.5 GiB file of NUL bytes stops at the first chunk (sparse files: no disk used)", () => {
  const t = tempFiles({});
  try {
    const huge = join(t.dir, "huge.yaml"), zeros = join(t.dir, "zeros.yaml");
    // truncate(1) makes sparse files; where it is missing, the test has nothing to try.
    try { execFileSync("truncate", ["-s", "3G", huge]); execFileSync("truncate", ["-s", "1536M", zeros]); } catch { return; }
    const e = errorsOf([huge, zeros], 4 * 1024 ** 3);
    assert.match(e[0], /huge\.yaml: 3221225472 bytes in one file: Junction reads at most about 512 MiB of text/);
    assert.match(e[1], /zeros\.yaml: line 1: binary data \(a NUL byte\)/);
    assert.match(errorsOf([huge])[0], /huge\.yaml: the input is larger than the limit of 1 GiB in all \(raise it with --max-input-size\)/);
  } finally { t.cleanup(); }
});

test("cli-runtime ExpandPathsToFileVisitors: in a folder, only .json/.yaml/.yml (case-sensitive, as filepath.Ext compares them) are read, and a symlinked folder is not followed (filepath.Walk)", () => {
  const t = tempFiles({ "d/a.yaml": NS("a"), "d/B.YAML": NS("b"), "d/c.Json": NS("c"), "d/.hidden.yml": NS("h"), "other/o.yaml": NS("o") });
  try {
    symlinkSync(join(t.dir, "other"), join(t.dir, "d", "linked"));
    const r = loadPaths([join(t.dir, "d")], () => "");
    assert.deepEqual([...r.inventory.namespaces.keys()].sort(), ["a", "h"]);
    assert.match(r.diagnostics.items.map(formatDiagnostic).join("\n"), /skipped 2 files without a \.yaml\/\.yml\/\.json extension, 1 symlinked folder \(not followed/);
    // Given explicitly, a file is read whatever its name, as kubectl reads it.
    assert.deepEqual([...loadPaths([join(t.dir, "d", "B.YAML")], () => "").inventory.namespaces.keys()], ["b"]);
  } finally { t.cleanup(); }
});

test("cli-runtime ExpandPathsToFileVisitors: in a folder, a dangling symlink or a symlink loop without a manifest extension is skipped (Lstat, then the extension, before opening); named *.yaml it is an error, and so is a symlinked folder named *.yaml (kubectl reads it as a file: 'is a directory')", () => {
  const t = tempFiles({ "d/a.yaml": NS("a"), "other/o.yaml": NS("o") });
  try {
    const d = join(t.dir, "d");
    symlinkSync(join(t.dir, "missing"), join(d, "README"));
    symlinkSync(join(d, "loop"), join(d, "loop"));
    const r = loadPaths([d], () => "");
    assert.deepEqual(r.diagnostics.errors.map(formatDiagnostic), []);
    assert.deepEqual([...r.inventory.namespaces.keys()], ["a"]);
    assert.match(r.diagnostics.items.map(formatDiagnostic).join("\n"), /skipped 2 files without a \.yaml\/\.yml\/\.json extension/);
    symlinkSync(join(t.dir, "missing"), join(d, "gone.yaml"));
    assert.match(errorsOf([d]).join("\n"), /gone\.yaml: no such file or directory/);
    const e = join(t.dir, "e");
    mkdirSync(e);
    writeFileSync(join(e, "a.yaml"), NS("a"));
    symlinkSync(join(t.dir, "other"), join(e, "more.yaml"));
    assert.match(errorsOf([e]).join("\n"), /more\.yaml: a symlink to a folder named as a manifest, which kubectl -f reads as a file and fails on \("is a directory"\)/);
  } finally { t.cleanup(); }
});

test("a socket given with -f is named as one; a folder given as --expect or --requests is refused (it was read as -f reads a folder: its first file); an empty --expect or --requests file says so", async () => {
  const t = tempFiles({ "ns.yaml": NS("a"), "empty.yaml": "" });
  const { createServer } = await import("node:net");
  const server = createServer();
  try {
    await new Promise<void>((resolve) => server.listen(join(t.dir, "sock"), resolve));
    const sock = await cli(["list", "-f", join(t.dir, "sock")]);
    assert.equal(sock.code, 2);
    assert.match(sock.err, /sock: is a socket, not a file \(give a file, a folder, or - for stdin\)/);
    const expect = await cli(["test", "-f", join(t.dir, "ns.yaml"), "--expect", t.dir]);
    assert.equal(expect.code, 2);
    assert.match(expect.err, /: is a directory \(give a file, or - for stdin\)/);
    const requests = await cli(["route", "-f", join(t.dir, "ns.yaml"), "--requests", t.dir]);
    assert.equal(requests.code, 2);
    assert.match(requests.err, /: is a directory \(give a file, or - for stdin\)/);
    const none = await cli(["test", "-f", join(t.dir, "ns.yaml"), "--expect", join(t.dir, "empty.yaml")]);
    assert.equal(none.code, 2);
    assert.match(none.err, /empty\.yaml: no expectations: the file is empty/);
    const noRequests = await cli(["route", "-f", join(t.dir, "ns.yaml"), "--requests", join(t.dir, "empty.yaml")]);
    assert.equal(noRequests.code, 2);
    assert.match(noRequests.err, /empty\.yaml: no requests: the file is empty/);
  } finally { server.close(); t.cleanup(); }
});

test("a megabytes-long implicit key in a flow mapping is refused in bounded memory (its code points were spread into an array: 1.45 GB for a 50 MB key, 330 MB for 30 MB)", () => {
  const t = tempFiles({});
  try {
    const path = join(t.dir, "key.yaml");
    writeFileSync(path, `apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {${"k".repeat(30_000_000)}: v}}\n`);
    // The process's peak memory, printed as it exits: 124 MB here for the 30 MB key (the array made it 330-360 MB).
    const peak = 'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss="+process.resourceUsage().maxRSS+"\\n"))';
    const r = spawnSync(process.execPath, ["--import", peak, BIN, "validate", "-f", path], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 2, r.stderr.slice(0, 500));
    assert.match(r.stderr, /key\.yaml:3: invalid YAML: a mapping key more than 1024 characters long/);
    const kib = Number(/maxrss=(\d+)/.exec(r.stderr)?.[1]);
    assert.ok(kib > 0 && kib < 240 * 1024, `peak ${kib} KiB`);
  } finally { t.cleanup(); }
});
