// The pre-reader (sources/preread.ts): a thread reads the -f files into shared memory ahead of the
// load, and the load takes a file's bytes from it only for the very path it reads when the file is
// the one it stat'ed; everything else it reads itself. A load with it must give exactly what a load
// without it gives (inventory, every diagnostic with its line), with the check-ahead worker too
// (it is handed bytes that start inside a shared chunk), and a file changed after it was read ahead
// must be read again.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempFiles } from "../helpers.js";
import { loadPaths, type Loaded } from "../../src/sources/load.js";
import { endPreread, prereadPending, prereadPriority, startPreread } from "../../src/sources/preread.js";
import { getPriority } from "node:os";
import { prereadArgs, PREREAD_ENV, RELAUNCH_ENV } from "../../src/cli/launch.js";

const OFF = { at: Infinity };
const ON = { at: 0, wait: true };
const BIN = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url));

const ns = (name: string) => `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"${name}","labels":{"team":"${name}"}}}`;
const pod = (name: string, ns: string, ip: string) => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","namespace":"${ns}","labels":{"app":"${name}"}},"spec":{"containers":[{"name":"c","image":"x"}]},"status":{"podIP":"${ip}"}}`;

const FILES: Record<string, string> = {
  "a.json": `{"apiVersion":"v1","kind":"List","items":[${ns("a")},${pod("p1", "a", "10.0.0.1")},${pod("p2", "a", "10.0.0.2")}]}`,
  "b/c.json": `{"apiVersion":"v1","kind":"List","items":[${ns("b")},${pod("q1", "b", "10.0.1.1")}]}`,
  "b/d.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: b}\nspec:\n  podSelector: {}\n  ingres: []\n",
  "bad.json": `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"a","name":"y"}}`,
  ".hidden/e.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: hidden}\n",
  "empty.yaml": "",
  "notes.txt": "not a manifest",
};

/** Until the pre-reader is done, at most 5 minutes (it runs at nice 19: beside a load average of 15, 30 s was short). */
async function settled(): Promise<void> {
  for (let i = 0; prereadPending(); i++) {
    assert.ok(i < 30_000, "the pre-reader finishes");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function assertSame(a: Loaded, b: Loaded): void {
  assert.deepEqual(a.diagnostics.items, b.diagnostics.items);
  assert.deepEqual(a.inventory, b.inventory);
  assert.equal(a.objects, b.objects);
}

test("pre-read: a load takes the files read ahead and gives what a load without them gives, diagnostics and lines included", async () => {
  const t = tempFiles(FILES);
  try {
    for (const recursive of [false, true]) {
      for (const checkAhead of [OFF, ON]) {
        const plain = loadPaths([t.dir], () => "", { checkAhead, recursive });
        startPreread([t.dir], recursive);
        await settled();
        const ahead = loadPaths([t.dir], () => "", { checkAhead, recursive });
        assertSame(ahead, plain);
        assert.equal(plain.preread, 0);
        // a.json, b/c.json, b/d.yaml, bad.json (and .hidden/e.yaml with -R); not the empty file.
        assert.equal(ahead.preread, recursive ? 5 : 4);
        assert.equal(ahead.checkedAhead, plain.checkedAhead);
        if (checkAhead === ON) assert.equal(ahead.checkedAhead, 2, "the check-ahead worker judged the bytes read ahead (a.json, b/c.json)");
        assert.ok(plain.diagnostics.items.some((d) => d.line !== undefined && d.ref?.file.endsWith(".yaml")), "a diagnostic with its line");
      }
    }
  } finally {
    endPreread();
    t.cleanup();
  }
});

test("pre-read: a file changed after it was read ahead is read again, whatever changed (size, or only the time)", async () => {
  const t = tempFiles(FILES);
  try {
    startPreread([t.dir], false);
    await settled();
    // Another size.
    writeFileSync(join(t.dir, "a.json"), FILES["a.json"].replace("p2", "p22"));
    // The same size, another modification time.
    const c = join(t.dir, "b", "c.json");
    writeFileSync(c, FILES["b/c.json"].replace("q1", "q9"));
    utimesSync(c, new Date(2001, 1, 1), new Date(2001, 1, 1));
    const ahead = loadPaths([t.dir], () => "", { checkAhead: OFF });
    assert.equal(ahead.preread, 2);
    assertSame(ahead, loadPaths([t.dir], () => "", { checkAhead: OFF }));
    const names = ahead.inventory.endpoints.map((e) => e.name).sort();
    assert.ok(names.includes("p22") && names.includes("q9") && !names.includes("p2"), names.join(" "));
  } finally {
    endPreread();
    t.cleanup();
  }
});

test("pre-read: a file the main thread reaches first is claimed and read by it, and never read ahead", () => {
  const t = tempFiles(FILES);
  try {
    // (Loaded at once: the thread has not listed the files yet, or has not reached them.)
    startPreread([t.dir], false);
    const ahead = loadPaths([t.dir], () => "", { checkAhead: OFF });
    assertSame(ahead, loadPaths([t.dir], () => "", { checkAhead: OFF }));
    assert.ok(ahead.preread! <= 4);
  } finally {
    endPreread();
    t.cleanup();
  }
});

test("pre-read: a FIFO named as a manifest, in a folder or given as a path, is never opened ahead (it would block the thread)", { skip: process.platform === "win32" && "no FIFOs" }, async (t) => {
  const files = tempFiles(FILES);
  try {
    const fifo = join(files.dir, "b", "pipe.json");
    try { execFileSync("mkfifo", [fifo]); } catch { t.skip("no mkfifo"); return; }
    startPreread([files.dir, fifo], false);
    await settled();
    const ahead = loadPaths([files.dir], () => "", { checkAhead: OFF });
    assert.equal(ahead.preread, 4);
    assertSame(ahead, loadPaths([files.dir], () => "", { checkAhead: OFF }));
  } finally {
    endPreread();
    files.cleanup();
  }
});

test("pre-read: the thread runs 19 steps below the main thread's priority, at most 19 (the main thread never waits for it)", async (t) => {
  if (process.platform !== "linux") return t.skip("thread priorities are set on Linux only");
  const main = getPriority(), low = Math.min(19, main + 19);
  if (low === main) return t.skip(`this process runs at priority ${main} already`);
  const files = tempFiles(FILES);
  try {
    startPreread([files.dir], false);
    await settled();
    assert.equal(prereadPriority(), low);
    assert.equal(getPriority(), main);
  } finally {
    endPreread();
    files.cleanup();
  }
});

test("prereadArgs: the child the launcher started, or JUNCTION_PREREAD=on, for loading commands with -f paths", () => {
  const child = { [RELAUNCH_ENV]: "child:1" };
  assert.deepEqual(prereadArgs(["list", "-f", "a", "-qRf", "b", "-o", "json"], child), { paths: ["a", "b"], recursive: true });
  assert.deepEqual(prereadArgs(["list", "--file=a", "--recursive"], child), { paths: ["a"], recursive: true });
  assert.deepEqual(prereadArgs(["list", "-f", "a", "--", "-R"], child), { paths: ["a"], recursive: false });
  assert.deepEqual(prereadArgs(["matrix", "-f", "a"], { [PREREAD_ENV]: "on" }), { paths: ["a"], recursive: false });
  assert.equal(prereadArgs(["list", "-f", "a"], {}), undefined, "not relaunched: a small input");
  assert.equal(prereadArgs(["list", "-f", "a"], { ...child, [PREREAD_ENV]: "off" }), undefined);
  assert.equal(prereadArgs(["list", "-f", "-"], child), undefined, "stdin is read by the load");
  assert.equal(prereadArgs(["serve", "-f", "a"], child), undefined);
});

test("pre-read: the CLI gives the same stdout, stderr and exit code with the pre-reader as without it", () => {
  const t = tempFiles(FILES);
  try {
    const run = (mode: string, args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, [PREREAD_ENV]: mode, [RELAUNCH_ENV]: "off" } });
    for (const args of [["list", "-f", t.dir, "-o", "json"], ["list", "-f", t.dir, "--lenient", "-o", "json"], ["validate", "-R", "-f", t.dir], ["list", "-f", join(t.dir, "missing")]]) {
      const off = run("off", args), on = run("on", args);
      assert.equal(on.status, off.status, args.join(" "));
      assert.equal(on.stdout, off.stdout, args.join(" "));
      assert.equal(on.stderr, off.stderr, args.join(" "));
    }
  } finally {
    t.cleanup();
  }
});
