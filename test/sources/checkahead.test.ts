// The load's check-ahead worker (sources/checkahead.ts): the main thread skips the strict-JSON
// checks and the validation of a file the worker judged clean, so a load with the worker (forced
// on, each verdict awaited) must give exactly what a load without it gives: the inventory, every
// diagnostic (text, file, line, field) and the list; only clean files are skipped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { getPriority } from "node:os";
import { join } from "node:path";
import { cli, tempFiles } from "../helpers.js";
import { loadPaths, OPTIMISM_MARK, type Loaded } from "../../src/sources/load.js";
import { splitObjects, type RawObject } from "../../src/sources/documents.js";
import { Diagnostics } from "../../src/model/source.js";
import { judge, checkAheadFromEnv, CheckAhead, Pace, UNKNOWN, WORKER_NICE_BELOW, warmUp, type Optimism } from "../../src/sources/checkahead.js";
import { startCheckAheadEarly, takeEarlyCheckAhead } from "../../src/sources/checkahead-early.js";
import { readInputs, type InputFile } from "../../src/sources/read.js";
import { writeCluster } from "../../src/cli/commands/generate.js";
import { loadSources } from "../../src/cli/cluster.js";
import type { Io } from "../../src/cli/command.js";
import type { LiveCluster } from "../../src/sources/live/cluster.js";
import { endPreread, prereadPending, startPreread } from "../../src/sources/preread.js";

const OFF = { at: Infinity };

/**
 * How long a test waits for a thread to do something (start, lower its priority, judge): 5 minutes,
 * not a few seconds. Each wait ends as soon as the thing is done; a bound of 20 s failed tests now
 * and then under a load average of 10-13 (a worker at nice +5 loading the validators' modules).
 */
const PATIENT = 300_000;
const ON = { at: 0, wait: true };

function loadBoth(dir: string): { off: Loaded; on: Loaded } {
  return { off: loadPaths([dir], () => "", { checkAhead: OFF, recursive: true }), on: loadPaths([dir], () => "", { checkAhead: ON, recursive: true }) };
}

function assertSame(off: Loaded, on: Loaded): void {
  assert.deepEqual(on.diagnostics.items, off.diagnostics.items);
  assert.deepEqual(on.inventory, off.inventory);
  assert.equal(on.objects, off.objects);
  assert.equal(off.checkedAhead, 0);
}

/** Every example's YAML documents, each as a JSON file of its own (the worker judges JSON files only), beside the YAML. */
function examplesAsJson(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) { walk(path); continue; }
      if (!/\.ya?ml$/.test(name) || /expect|requests/.test(name)) continue;
      const text = readFileSync(path, "utf8");
      splitObjects({ name: path, text }, new Diagnostics()).forEach((raw, i) => { files[`${path.replace(/\//g, "_")}.${i}.json`] = JSON.stringify(raw.obj, null, 1); });
    }
  };
  walk("examples");
  return files;
}

test("check-ahead: every example as JSON loads the same with the worker as without it, and its clean files skip the checks", async () => {
  const t = tempFiles(examplesAsJson());
  try {
    const { off, on } = loadBoth(t.dir);
    assertSame(off, on);
    assert.ok(on.checkedAhead! > 100, `${on.checkedAhead} files judged clean`);
    // (The examples hold invalid objects too: examples/invalid is refused, with the same diagnostics.)
    assert.ok(off.diagnostics.items.length > 0);
    for (const c of [["list", "-o", "json"], ["list"]]) {
      const args = [...c, "-f", t.dir, "--lenient", "-q"];
      process.env.JUNCTION_CHECK_AHEAD = "off";
      const a = await cli(args);
      process.env.JUNCTION_CHECK_AHEAD = "0,wait";
      const b = await cli(args);
      delete process.env.JUNCTION_CHECK_AHEAD;
      assert.equal(b.code, a.code);
      assert.equal(b.out, a.out);
      assert.equal(b.err, a.err);
      assert.ok(a.out.length > 1000);
    }
  } finally { t.cleanup(); delete process.env.JUNCTION_CHECK_AHEAD; }
});

const POD = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "a", labels: { app: name } }, spec: { containers: [{ name: "c", image: "i" }] }, status: { podIP: "10.0.0.1" }, ...extra });
const NP = (spec: Record<string, unknown>) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "np", namespace: "a" }, spec });

/** Files the worker must judge not clean: each has something the skipped checks report or rewrite. */
const HOSTILE: Record<string, string> = {
  "duplicate-key.json": `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d", "name": "e"}}`,
  "int64.json": JSON.stringify(NP({ podSelector: {}, ingress: [{ ports: [{ port: 80, endPort: 0 }] }] })).replace('"endPort":0', '"endPort":9223372036854775807'),
  "surrogate.json": JSON.stringify(POD("s")).replace('"app":"s"', '"app":"s\\ud800"'),
  "null-rule.json": JSON.stringify(NP({ podSelector: {}, ingress: [null] })),
  "unknown-field.json": JSON.stringify(POD("u", { spec: { containers: [{ name: "c", image: "i" }], hostNetworkk: true } })),
  "accepted-unknown.json": JSON.stringify({ ...POD("v"), spec: { containers: [{ name: "c", image: "i" }], newField: 1 } }),
  "selector-mismatch.json": JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "w", namespace: "a" }, spec: { selector: { matchLabels: { app: "x" } }, template: { metadata: { labels: { app: "y" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }),
  "infinite.json": JSON.stringify(NP({ podSelector: {} })).replace('"podSelector":{}', '"podSelector":{},"x":1e400'),
  "deep.json": `${"[".repeat(20000)}${"]".repeat(20000)}`,
  "stream.json": `${JSON.stringify(POD("p1"))}\n${JSON.stringify(POD("p2"))}\n`,
  "wrong-type.json": JSON.stringify(POD("t", { spec: { containers: "c" } })),
  "annotations.json": JSON.stringify({ ...POD("big"), metadata: { name: "big", namespace: "a", annotations: { a: "x".repeat(300 * 1024) } } }),
};

test("check-ahead: hostile JSON files amid clean ones are reported exactly as without the worker", () => {
  const clean: Record<string, string> = {};
  for (let i = 0; i < 20; i++) clean[`c${String(i).padStart(2, "0")}.json`] = JSON.stringify(i % 4 ? POD(`p${i}`) : { apiVersion: "v1", kind: "List", items: [POD(`q${i}`), NP({ podSelector: {}, ingress: [{}] })] });
  clean["bom.json"] = `\uFEFF${JSON.stringify(POD("bom"))}`;
  // Null fields, as the API server writes them in what it returns (a template's creationTimestamp) or a user does: nothing zeroed, nothing reported.
  clean["null-field.json"] = JSON.stringify(POD("n", { spec: { containers: [{ name: "c", image: "i" }], nodeName: null } }));
  clean["null-timestamp.json"] = JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "w", namespace: "a", creationTimestamp: null }, spec: { selector: { matchLabels: { app: "w" } }, template: { metadata: { creationTimestamp: null, labels: { app: "w" } }, spec: { containers: [{ name: "c", image: "i", resources: {} }] } }, strategy: {} }, status: {} });
  clean["json-in.yaml"] = `  ${JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } })}`;
  // An item that is not an object: splitting the list reports it, which the main thread runs anyway.
  clean["list-bad-item.json"] = JSON.stringify({ apiVersion: "v1", kind: "List", items: [POD("l1"), 3] });
  // A removed version: its error comes from the conversion, which the main thread runs anyway; the converted object is judged.
  clean["removed-version.json"] = JSON.stringify({ apiVersion: "extensions/v1beta1", kind: "Ingress", metadata: { name: "i", namespace: "a" }, spec: { backend: { serviceName: "s", servicePort: 80 } } });
  // The hostile files sit between the clean ones (m-...): the main thread checks each itself.
  const t = tempFiles({ ...clean, ...Object.fromEntries(Object.entries(HOSTILE).map(([k, v]) => [`m-${k}`, v])) });
  try {
    for (const [name, text] of Object.entries(HOSTILE)) assert.equal(judge(name, text), false, name);
    for (const [name, text] of Object.entries(clean)) assert.equal(judge(name, text.replace(/^\uFEFF/, "")), true, name);
    const { off, on } = loadBoth(t.dir);
    assertSame(off, on);
    assert.equal(on.checkedAhead, Object.keys(clean).length);
    // Each hostile file is still reported (the checks ran on the main thread; a stream of valid objects has nothing to report).
    const files = new Set(off.diagnostics.items.map((d) => d.ref?.file.replace(/^.*\//, "")));
    for (const name of Object.keys(HOSTILE)) if (name !== "stream.json") assert.ok(files.has(`m-${name}`), `${name}: ${[...files].join(", ")}`);
  } finally { t.cleanup(); }
});

test("check-ahead: a generated cluster with a bad file in the middle loads the same with and without the worker", () => {
  const t = tempFiles({});
  try {
    const { files } = writeCluster(t.dir, { pods: 600, namespaces: 6, policies: 60, seed: 3 }, "json");
    const ns = readdirSync(join(t.dir, "namespaces")).sort();
    const mid = join(t.dir, "namespaces", ns[1], "workloads.json");
    const dump = JSON.parse(readFileSync(mid, "utf8")) as { items: Record<string, any>[] };
    const pod = dump.items.find((o) => o.kind === "Pod")!;
    pod.spec.hostNetwork = "yes";
    writeFileSync(mid, JSON.stringify(dump, null, 2));
    const { off, on } = loadBoth(t.dir);
    assertSame(off, on);
    const errors = off.diagnostics.errors;
    assert.equal(errors.length, 1);
    assert.equal(errors[0].ref?.file, mid);
    assert.deepEqual(errors[0].field, ["spec", "hostNetwork"]);
    assert.ok(errors[0].line! > 1);
    assert.equal(on.checkedAhead, files - 1);
  } finally { t.cleanup(); }
});

test("check-ahead: the worker never keeps the process alive (the CLI exits at once)", () => {
  const t = tempFiles({ "a.json": JSON.stringify(POD("a")), "b.json": JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } }) });
  try {
    for (const mode of ["0", "0,wait"]) {
      const started = Date.now();
      const r = spawnSync(process.execPath, [join(process.cwd(), "bin", "junction.js"), "list", "-f", t.dir, "-o", "json"], { env: { ...process.env, JUNCTION_CHECK_AHEAD: mode }, encoding: "utf8", timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(Date.now() - started < 30_000);
      assert.match(r.stdout, /"connections"|\[/);
    }
  } finally { t.cleanup(); }
});

test("check-ahead: the worker started early (with the pre-reader) never keeps the process alive, nor changes the output, whether the command loads or stops at its arguments", () => {
  const t = tempFiles({ "a.json": JSON.stringify(POD("a")), "b.json": JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } }) });
  try {
    const run = (preread: string, ...args: string[]) => {
      const env: NodeJS.ProcessEnv = { ...process.env, JUNCTION_PREREAD: preread, JUNCTION_RELAUNCH: "off" };
      delete env.JUNCTION_CHECK_AHEAD;
      const r = spawnSync(process.execPath, [join(process.cwd(), "bin", "junction.js"), ...args], { env, encoding: "utf8", timeout: 30_000 });
      assert.notEqual(r.signal, "SIGTERM", `${args.join(" ")}: still running after 30 s`);
      return r;
    };
    const early = run("on", "list", "-f", t.dir, "-o", "json"), none = run("off", "list", "-f", t.dir, "-o", "json");
    assert.equal(early.status, 0, early.stderr);
    assert.equal(early.stdout, none.stdout);
    assert.equal(early.stderr, none.stderr);
    // A command that stops at its arguments never loads: the worker is never taken.
    const bad = run("on", "list", "-f", t.dir, "--no-such-flag");
    assert.equal(bad.status, 2, bad.stderr);
    assert.equal(bad.stderr, run("off", "list", "-f", t.dir, "--no-such-flag").stderr);
  } finally { t.cleanup(); }
});

test("check-ahead: JUNCTION_CHECK_AHEAD reads off, a threshold, wait and optimistic", () => {
  assert.deepEqual(checkAheadFromEnv(""), {});
  assert.deepEqual(checkAheadFromEnv("off"), { at: Infinity });
  assert.deepEqual(checkAheadFromEnv("0,wait"), { at: 0, wait: true });
  assert.deepEqual(checkAheadFromEnv("1048576"), { at: 1048576, wait: false });
  assert.deepEqual(checkAheadFromEnv("0,optimistic"), { at: 0, wait: false, optimistic: true });
});

test("check-ahead: a file read into shared memory is read whole, as readFileSync reads it, whatever its size was when looked at", () => {
  const text = JSON.stringify(POD("grown"));
  const t = tempFiles({ "a.json": text });
  try {
    // The size given to the sink is what stat said; the file may have grown or shrunk since.
    for (const delta of [-10, -1, 0, 25]) {
      const told: Buffer[] = [];
      let given: Buffer | undefined;
      const sink = {
        buffer: (size: number) => (given = Buffer.from(new SharedArrayBuffer(Math.max(1, size + delta)))),
        read: (_file: InputFile, bytes: Buffer) => { told.push(bytes); },
      };
      const diags = new Diagnostics();
      const files = readInputs([t.dir], diags, undefined, { sink });
      assert.equal(diags.items.length, 0);
      assert.equal(files[0].text, text, `delta ${delta}`);
      // Only bytes that are all in the shared memory are handed over.
      assert.equal(told.length, delta < 0 ? 0 : 1, `delta ${delta}`);
      if (told.length) assert.equal(told[0].buffer, given!.buffer);
    }
  } finally { t.cleanup(); }
});

test("check-ahead: below its threshold no worker starts; only .json files are read into shared memory before it", () => {
  const a = new CheckAhead({ at: 1000 });
  assert.equal(a.buffer(10, "a.yaml"), undefined);
  assert.ok(a.buffer(10, "a.JSON"));
  assert.ok(a.buffer(1000, "a.yaml"));
  a.close();
  assert.equal(new CheckAhead({ at: Infinity }).buffer(10, "a.json"), undefined);
  const t = tempFiles({ "a.json": JSON.stringify(POD("a")) });
  try {
    // (Waiting for verdicts, a worker that was never started is not waited for.)
    const b = new CheckAhead({ at: 1 << 20, wait: true });
    const files = readInputs([t.dir], new Diagnostics(), undefined, { sink: b });
    const started = Date.now();
    assert.equal(b.take(files[0]), false);
    assert.ok(Date.now() - started < 5000);
    assert.equal(files[0].text, JSON.stringify(POD("a")));
    b.close();
  } finally { t.cleanup(); }
});

test("check-ahead: the files read before the threshold is reached are judged too", () => {
  const clean = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}.json`, JSON.stringify(POD(`p${i}`))]));
  const t = tempFiles(clean);
  try {
    const size = Buffer.byteLength(clean["f0.json"]);
    const on = loadPaths([t.dir], () => "", { checkAhead: { at: size * 4, wait: true } });
    assert.equal(on.checkedAhead, 6);
  } finally { t.cleanup(); }
});

test("check-ahead: a worker that fails leaves every file to the main thread, which checks it", () => {
  const t = tempFiles({ "a.json": JSON.stringify(POD("a")), "b.json": JSON.stringify(POD("b", { spec: { containers: [{ name: "c", image: "i" }], hostNetwork: "yes" } })) });
  try {
    const off = loadPaths([t.dir], () => "", { checkAhead: OFF });
    const on = loadPaths([t.dir], () => "", { checkAhead: { at: 0, script: new URL("file:///nonexistent/checkahead-thread.js") } });
    assertSame(off, on);
    assert.equal(off.diagnostics.errors.length, 1);
  } finally { t.cleanup(); }
});

test("check-ahead: a verdict is used only for the text decoded from the bytes the worker judged, not for a text set since", () => {
  const t = tempFiles({ "a.json": JSON.stringify(POD("a")), "b.json": JSON.stringify(POD("b")) });
  try {
    const a = new CheckAhead({ at: 0, wait: true });
    const files = readInputs([t.dir], new Diagnostics(), undefined, { sink: a });
    files[1].text = JSON.stringify(POD("b", { spec: { containers: [{ name: "c", image: "i" }], hostNetwork: "yes" } }));
    assert.equal(a.take(files[0]), true);
    assert.equal(a.take(files[1]), false);
    // Asked once per file: a second load of it runs every check.
    assert.equal(a.take(files[0]), false);
    a.close();
  } finally { t.cleanup(); }
});
/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("check-ahead: generated objects mutated at random (nulls, wrong types, unknown and missing fields, duplicate keys, big numbers) load the same with and without the worker", () => {
  const gen = tempFiles({});
  const t = tempFiles({});
  try {
    writeCluster(gen.dir, { pods: 300, namespaces: 4, policies: 40, seed: 7 }, "json");
    const objects: Record<string, unknown>[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else objects.push(...((JSON.parse(readFileSync(path, "utf8")) as { items: Record<string, unknown>[] }).items));
      }
    };
    walk(gen.dir);
    const random = prng(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const VALUES = [null, "x", 7, -1, true, [], {}, [null], { a: null }, "9223372036854775807", 1.5, "10.0.0.1/33", "", "UPPER"];
    let mutated = 0;
    objects.forEach((obj, i) => {
      const copy = structuredClone(obj);
      let text: string;
      if (random() < 0.3) {
        // A value somewhere in the object replaced, a field removed, or a field added.
        let at: Record<string, unknown> | unknown[] = copy;
        for (let depth = 0; depth < 6; depth++) {
          const keys = Object.keys(at);
          if (!keys.length) break;
          const k = pick(keys);
          const v = (at as Record<string, unknown>)[k];
          if (v === null || typeof v !== "object" || random() < 0.3) {
            const r = random();
            if (r < 0.6) (at as Record<string, unknown>)[k] = pick(VALUES);
            else if (r < 0.8 && !Array.isArray(at)) delete (at as Record<string, unknown>)[k];
            else if (!Array.isArray(at)) (at as Record<string, unknown>)[`${k}x`] = pick(VALUES);
            break;
          }
          at = v as Record<string, unknown>;
        }
        mutated++;
        text = JSON.stringify(copy, null, 1);
        const r = random();
        if (r < 0.1) text = text.replace(/"name": ("[^"]*")/, '"name": $1, "name": $1');
        else if (r < 0.15) text = text.replace(/: (\d+)([,\n])/, ": 9223372036854775807$2");
        else if (r < 0.2) text = text.replace(/"([a-z]+)": "/, '"$1": "\\ud800');
      } else text = JSON.stringify(copy, null, 1);
      writeFileSync(join(t.dir, `o${String(i).padStart(5, "0")}.json`), text);
    });
    assert.ok(mutated > 50);
    const { off, on } = loadBoth(t.dir);
    assertSame(off, on);
    assert.ok(off.diagnostics.errors.length > 20, `${off.diagnostics.errors.length} errors`);
    assert.ok(on.checkedAhead! > objects.length / 2 && on.checkedAhead! < objects.length, `${on.checkedAhead} of ${objects.length}`);
  } finally { gen.cleanup(); t.cleanup(); }
});

test("check-ahead: a process whose worker judges every file clean loads no validator, no ajv and no CEL on its main thread", () => {
  const t = tempFiles({ "a.json": JSON.stringify(POD("a")), "np.json": JSON.stringify(NP({ podSelector: {}, ingress: [{}] })) });
  try {
    const script = `
      import { createRequire } from "node:module";
      const { loadPaths } = await import(${JSON.stringify(join(process.cwd(), "dist/src/sources/load.js"))});
      const l = loadPaths([${JSON.stringify(t.dir)}], () => "", { checkAhead: { at: process.argv[1] === "on" ? 0 : Infinity, wait: true } });
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ clean: l.checkedAhead, errors: l.diagnostics.errors.length, ajv: loaded.some((k) => k.includes("/ajv/")), cel: loaded.some((k) => k.includes("@bufbuild")), validators: loaded.some((k) => k.includes("validators")) }));`;
    const run = (mode: string) => JSON.parse(spawnSync(process.execPath, ["--input-type=module", "-e", script, mode], { encoding: "utf8" }).stdout) as Record<string, unknown>;
    assert.deepEqual(run("on"), { clean: 2, errors: 0, ajv: false, cel: false, validators: false });
    // Without the worker the main thread validates: it loads them.
    assert.equal(run("off").validators, true);
  } finally { t.cleanup(); }
});

/** The nice value of each thread of this process (Linux: /proc/self/task/TID/stat, field 19). */
function threadNices(): number[] {
  return readdirSync("/proc/self/task").map((tid) => {
    try { const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8"); return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]); }
    catch { return NaN; }
  }).filter((n) => !Number.isNaN(n));
}

test("check-ahead: the worker runs WORKER_NICE_BELOW (5) steps below the main thread's priority (and V8's threads'), at most 19, unless the main thread waits for its verdicts", async (t) => {
  if (process.platform !== "linux") return t.skip("thread priorities are set on Linux only");
  assert.equal(WORKER_NICE_BELOW, 5);
  const main = getPriority(), low = Math.min(19, main + WORKER_NICE_BELOW);
  if (low === main) return t.skip(`this process runs at priority ${main} already`);
  const files = tempFiles({ "a.json": JSON.stringify(POD("a")), "b.json": JSON.stringify(POD("b")) });
  const lowest = () => threadNices().filter((n) => n === low).length;
  try {
    assert.equal(lowest(), 0);
    // Waiting for verdicts (the tests): the worker keeps the main thread's priority, so that waiting for it never starves.
    const waiting = new CheckAhead({ at: 0, wait: true });
    const read = readInputs([files.dir], new Diagnostics(), undefined, { sink: waiting });
    assert.equal(waiting.take(read[0]), true);
    assert.equal(lowest(), 0);
    waiting.close();
    // Not waiting (the CLI): the worker lowers its own thread's priority, and no other thread's.
    const ahead = new CheckAhead({ at: 0 });
    readInputs([files.dir], new Diagnostics(), undefined, { sink: ahead });
    const started = Date.now();
    while (lowest() === 0 && Date.now() - started < PATIENT) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lowest(), 1);
    assert.equal(getPriority(), main);
    ahead.close();
  } finally { files.cleanup(); }
});

test("check-ahead: the worker leaves to the main thread the files it would reach before their verdicts are ready", () => {
  const pace = new Pace();
  // Before the main thread parses (at -1), every file is judged; once it does, those it is at or past
  // are not, nor the next one (it is reading the one it is at).
  assert.equal(pace.leaves(0, -1), false);
  assert.equal(pace.leaves(3, 3), true);
  assert.equal(pace.leaves(4, 3), true);
  assert.equal(pace.leaves(5, 3), false);
  // The main thread went through 2 files while each of the last files was judged (the mean nears
  // 2): the next 3 files are left to it, the 4th on is judged.
  for (let i = 0; i < 20; i++) pace.judged(10 * i, 10 * i + 2);
  assert.equal(pace.leaves(203, 200), true);
  assert.equal(pace.leaves(204, 200), false);
  // It went through none: the file it is at and the one after it (it is reading this one) are left.
  for (let i = 0; i < 40; i++) pace.judged(300, 300);
  assert.equal(pace.leaves(301, 300), true);
  assert.equal(pace.leaves(302, 300), false);
  // (Judged before the main thread parsed: not a measure of its pace.)
  pace.judged(-1, 50);
  assert.equal(pace.leaves(302, 300), false);
  // Waited for (the tests), it leaves only the files the main thread is at or past.
  const waited = new Pace(true);
  for (let i = 0; i < 20; i++) waited.judged(10 * i, 10 * i + 2);
  assert.equal(waited.leaves(201, 200), false);
  assert.equal(waited.leaves(200, 200), true);
});

test("check-ahead: the warm-up's objects are all clean (judge stops at the first that is not: the kinds after it would not be warmed)", () => {
  assert.equal(warmUp(), true);
});

test("check-ahead: a worker started early (the relaunched CLI) is taken by the load, judges its JSON files, and the load is the same", async () => {
  const t = tempFiles({ "a.json": JSON.stringify(POD("a")), "np.json": JSON.stringify(NP({ podSelector: {}, ingress: [{}] })), "b.json": JSON.stringify(POD("b", { spec: { containers: [{ name: "c", image: "i" }], hostNetwork: "yes" } })) });
  const saved = process.env.JUNCTION_CHECK_AHEAD;
  try {
    // JUNCTION_CHECK_AHEAD (tests, measurements) chooses the worker: none is started early.
    process.env.JUNCTION_CHECK_AHEAD = "off";
    startCheckAheadEarly();
    assert.equal(takeEarlyCheckAhead(), undefined);
    delete process.env.JUNCTION_CHECK_AHEAD;
    startCheckAheadEarly();
    // The load's CheckAhead takes it (with the default options: threshold 0, the first JSON file), once.
    // (Not optimistic here, the default with a worker started early: the test reads each verdict.)
    const ahead = new CheckAhead({ optimistic: false });
    assert.equal(takeEarlyCheckAhead(), undefined);
    const files = readInputs([t.dir], new Diagnostics(), undefined, { sink: ahead });
    // (The CLI never waits for a verdict; the test does, whatever the timing.)
    const started = Date.now();
    while (files.some((f) => ahead.verdict(f) === UNKNOWN) && Date.now() - started < PATIENT) await new Promise((r) => setTimeout(r, 20));
    const verdicts = files.map((f) => ahead.take(f));
    ahead.close();
    assert.deepEqual(files.map((f) => f.name.split("/").pop()), ["a.json", "b.json", "np.json"]);
    assert.deepEqual(verdicts, [true, false, true]);
    // A whole load with a worker started early gives what a load without the worker gives.
    startCheckAheadEarly();
    const early = loadPaths([t.dir], () => "", { recursive: true });
    assert.equal(takeEarlyCheckAhead(), undefined);
    assertSame(loadPaths([t.dir], () => "", { checkAhead: OFF, recursive: true }), early);
    // (Optimistic by default with a worker started early: b.json is not clean, and the load was redone.)
    assert.equal(early.optimism?.redone, true);
    // Options that choose another worker (tests) end the one started early and start their own.
    startCheckAheadEarly();
    const waited = loadPaths([t.dir], () => "", { checkAhead: ON, recursive: true });
    assert.equal(takeEarlyCheckAhead(), undefined);
    assert.equal(waited.checkedAhead, 2);
  } finally {
    if (saved === undefined) delete process.env.JUNCTION_CHECK_AHEAD; else process.env.JUNCTION_CHECK_AHEAD = saved;
    takeEarlyCheckAhead()?.worker.terminate();
    t.cleanup();
  }
});

test("check-ahead: a worker started early ends with the load when it was never handed a file (no JSON), or when the load's options choose another worker", async (t) => {
  if (process.platform !== "linux") return t.skip("thread priorities are read on Linux only");
  const main = getPriority(), low = Math.min(19, main + WORKER_NICE_BELOW);
  if (low === main) return t.skip(`this process runs at priority ${main} already`);
  // (The early worker is the only thread of this process at `low`: it lowers its own priority when it starts.)
  const early = () => threadNices().filter((n) => n === low).length;
  const until = async (n: number) => { const started = Date.now(); while (early() !== n && Date.now() - started < PATIENT) await new Promise((r) => setTimeout(r, 20)); return early(); };
  const files = tempFiles({ "a.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\nspec:\n  containers: [{name: c, image: i}]\n", "b.json": JSON.stringify(POD("b")) });
  const saved = process.env.JUNCTION_CHECK_AHEAD;
  delete process.env.JUNCTION_CHECK_AHEAD;
  try {
    assert.equal(await until(0), 0);
    // A load of YAML alone (a YAML dump): the worker is taken and never started for a file; the load ends it.
    startCheckAheadEarly();
    assert.equal(await until(1), 1);
    const yaml = loadPaths([join(files.dir, "a.yaml")], () => "");
    assert.equal(yaml.objects, 1);
    assert.equal(takeEarlyCheckAhead(), undefined);
    assert.equal(await until(0), 0, "the early worker still runs after the load");
    // Options that choose another worker (tests): the early one is ended when the load starts.
    startCheckAheadEarly();
    assert.equal(await until(1), 1);
    const waited = loadPaths([files.dir], () => "", { checkAhead: ON });
    assert.equal(waited.checkedAhead, 1);
    assert.equal(await until(0), 0, "the early worker still runs after a load that chose its own");
  } finally {
    if (saved === undefined) delete process.env.JUNCTION_CHECK_AHEAD; else process.env.JUNCTION_CHECK_AHEAD = saved;
    takeEarlyCheckAhead()?.worker.terminate();
    files.cleanup();
  }
});

test("check-ahead: a load with a cluster (cli/cluster.ts loadSources) takes the worker started early and ends the pre-reader, as a load of files alone does", async () => {
  const files = tempFiles({ "a.json": JSON.stringify(POD("a")), "b.json": JSON.stringify(POD("b")) });
  const saved = process.env.JUNCTION_CHECK_AHEAD;
  delete process.env.JUNCTION_CHECK_AHEAD;
  try {
    // The launcher's threads for a large input (launch.ts startPrereadFor), the pre-reader done reading.
    startPreread([files.dir], false);
    for (let i = 0; prereadPending(); i++) { assert.ok(i < PATIENT / 10, "the pre-reader finishes"); await new Promise((r) => setTimeout(r, 10)); }
    startCheckAheadEarly();
    const ns = splitObjects({ name: "cluster", text: "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n" }, new Diagnostics());
    const cluster = { unread: [], objects: () => ns } as unknown as LiveCluster;
    const io = { out() {}, err() {}, stdin: () => "", cwd: files.dir } as Io;
    const l = loadSources([files.dir], io, cluster);
    assert.deepEqual(l.diagnostics.errors, []);
    assert.equal(l.objects, 3);
    assert.equal(l.inventory.namespaces.get("a")?.implicit, false, "the cluster's Namespace a");
    assert.equal(takeEarlyCheckAhead(), undefined, "the worker started early is left running");
    assert.equal(endPreread(), 0, "the pre-reader is left running, holding the files' bytes");
    assert.equal(l.preread, 2);
    // (As before: a path without objects is no error where a cluster is read.)
    const empty = tempFiles({ "x.yaml": "" });
    try { assert.deepEqual(loadSources([empty.dir], io, cluster).diagnostics.errors, []); } finally { empty.cleanup(); }
  } finally {
    if (saved === undefined) delete process.env.JUNCTION_CHECK_AHEAD; else process.env.JUNCTION_CHECK_AHEAD = saved;
    takeEarlyCheckAhead()?.worker.terminate();
    endPreread();
    files.cleanup();
  }
});

// The optimistic load (checkahead.ts CheckAheadOptions.optimistic, load.ts optimistically): every
// JSON file parsed unchecked while the worker judges all of them, then every verdict required clean,
// else the load redone on the safe path. Forced here on small inputs; a relaunched command (a large
// input) takes it by default.

const OPTIMISTIC = { at: 0, optimistic: true };

function loadOptimistic(dir: string, script?: URL): Loaded {
  return loadPaths([dir], () => "", { checkAhead: { ...OPTIMISTIC, ...(script ? { script } : {}) }, recursive: true });
}

test("optimistic: every example as JSON, and a generated cluster, load forced optimistic as on the safe path, and are kept", () => {
  const ex = tempFiles(examplesAsJson());
  const gen = tempFiles({});
  try {
    const exOff = loadPaths([ex.dir], () => "", { checkAhead: OFF, recursive: true }), exOn = loadOptimistic(ex.dir);
    assertSame(exOff, exOn);
    // Every example is clean as JSON: kept. examples/invalid's errors come from the front ends, which run
    // on the unchecked objects as on the checked ones: the same diagnostics.
    assert.equal(exOn.optimism?.redone, false);
    assert.ok(exOff.diagnostics.errors.length > 0);
    assert.equal(exOn.checkedAhead, exOn.optimism!.assumed);
    const { files } = writeCluster(gen.dir, { pods: 600, namespaces: 6, policies: 60, seed: 3 }, "json");
    const off = loadPaths([gen.dir], () => "", { checkAhead: OFF, recursive: true }), on = loadOptimistic(gen.dir);
    assertSame(off, on);
    const o = on.optimism!;
    assert.equal(o.redone, false);
    // Each file was parsed unchecked (then judged, by the worker or the main thread) or checked by the main thread as it was parsed.
    assert.equal(o.assumed + o.checkedHere, files);
    assert.equal(on.checkedAhead, o.assumed);
    assert.ok(o.judgedHere <= o.assumed);
  } finally { ex.cleanup(); gen.cleanup(); }
});

/** Files the safe path reads differently from a plain JSON.parse and the front ends: HOSTILE's, and one JSON.parse throws on. */
const NOT_CLEAN_FILES: Record<string, string> = { ...HOSTILE, "syntax.json": `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}` };

test("optimistic: each hostile file amid clean ones (duplicate keys, int64, schema violations, nulls, a file JSON.parse throws on) is redone or checked on the main thread, with the safe path's diagnostics exactly", () => {
  const clean = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`c${String(i).padStart(2, "0")}.json`, JSON.stringify(i % 3 ? POD(`p${i}`) : { apiVersion: "v1", kind: "List", items: [POD(`q${i}`), NP({ podSelector: {}, ingress: [{}] })] })]));
  for (const [name, text] of Object.entries(NOT_CLEAN_FILES)) {
    const t = tempFiles({ ...clean, [`c05-${name}`]: text });
    try {
      const off = loadPaths([t.dir], () => "", { checkAhead: OFF, recursive: true }), on = loadOptimistic(t.dir);
      assertSame(off, on);
      // Redone (parsed unchecked before its verdict came), or checked on the main thread (judged not clean before it was parsed).
      if (on.optimism?.redone) assert.equal(on.checkedAhead, 0, name);
      else assert.ok(on.optimism!.checkedHere >= 1 && on.checkedAhead === on.optimism!.assumed, `${name}: ${JSON.stringify(on.optimism)}`);
      if (name !== "stream.json") assert.ok(off.diagnostics.items.some((d) => d.ref?.file.endsWith(name)), name);
    } finally { t.cleanup(); }
  }
});

/** A worker module that judges the first `n` files it is handed, then ends (as a thread that dies mid-load). */
function dyingWorker(dir: string, n: number): URL {
  const path = join(dir, "dying.mjs");
  writeFileSync(path, `
    import { parentPort } from "node:worker_threads";
    const { BLOCK, verdictOn } = await import(${JSON.stringify(new URL("../../src/sources/checkahead.js", import.meta.url).href)});
    let judged = 0;
    parentPort.on("message", (m) => {
      if (typeof m !== "object") return;
      if (judged++ === ${n}) process.exit(1);
      const v = new Int32Array(m.verdicts);
      if (Atomics.compareExchange(v, m.slot % BLOCK, 0, 3) !== 0) return;
      Atomics.store(v, m.slot % BLOCK, verdictOn(m));
      Atomics.notify(v, m.slot % BLOCK);
    });`);
  return new URL(`file://${path}`);
}

test("optimistic: a worker that dies mid-load (or never starts) leaves its files to the main thread, which judges them: the same load, kept when clean, redone when not", () => {
  const w = tempFiles({});
  const clean = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}.json`, JSON.stringify(POD(`p${i}`))]));
  // (A large file: its text is released once parsed, and read again to be judged by the main thread.)
  clean["c9.json"] = JSON.stringify({ ...POD("big"), metadata: { name: "big", namespace: "a", annotations: { a: "x".repeat(100 * 1024) } } });
  const t = tempFiles(clean);
  const bad = tempFiles({ ...clean, "c8-bad.json": NOT_CLEAN_FILES["duplicate-key.json"] });
  try {
    for (const script of [dyingWorker(w.dir, 3), new URL("file:///nonexistent/checkahead-thread.js")]) {
      const on = loadOptimistic(t.dir, script);
      assertSame(loadPaths([t.dir], () => "", { checkAhead: OFF }), on);
      // (Each file parsed unchecked, then judged here, or, past the first 50 ms of a slow load with no
      // verdict coming in, checked here as it is parsed, CheckAhead.reaches: whatever the timing, kept.)
      assert.equal(on.optimism?.redone, false);
      assert.equal(on.optimism!.assumed + on.optimism!.checkedHere, 10);
      assert.equal(on.checkedAhead, on.optimism!.assumed);
      const badOn = loadOptimistic(bad.dir, script);
      assertSame(loadPaths([bad.dir], () => "", { checkAhead: OFF }), badOn);
      assert.ok(badOn.optimism!.redone || badOn.optimism!.checkedHere > 0, JSON.stringify(badOn.optimism));
      assert.equal(badOn.diagnostics.errors.length, 1);
    }
  } finally { w.cleanup(); t.cleanup(); bad.cleanup(); }
});

/**
 * A worker that judges each file as checkahead-thread.ts does (verdictOn), and writes `ready` once it
 * has judged every file up to `last`; `late`, if given, it claims at once (JUDGING) but judges only
 * after the last file was handed over, a while later (the verdict comes after the file was parsed);
 * `never`: it never judges `late` (a worker starved by a busy machine, as seen from the settling).
 */
function readyWorker(dir: string, last: string, ready: string, late?: string, never = false): URL {
  const path = join(dir, "ready.mjs");
  writeFileSync(path, `
    import { parentPort } from "node:worker_threads";
    import { writeFileSync } from "node:fs";
    const { BLOCK, JUDGING, verdictOn } = await import(${JSON.stringify(new URL("../../src/sources/checkahead.js", import.meta.url).href)});
    let later;
    parentPort.on("message", (m) => {
      if (typeof m !== "object") { if (later) setTimeout(later, 300); return; }
      const v = new Int32Array(m.verdicts), i = m.slot % BLOCK;
      if (Atomics.compareExchange(v, i, 0, JUDGING) !== 0) return;
      const judged = () => { Atomics.store(v, i, verdictOn(m)); Atomics.notify(v, i); };
      if (m.name.endsWith(${JSON.stringify(late ?? "")}) && ${late !== undefined}) { if (!${never}) later = judged; } else judged();
      if (m.name.endsWith(${JSON.stringify(last)})) writeFileSync(${JSON.stringify(ready)}, "");
    });`);
  return new URL(`file://${path}`);
}

/** `objects` for loadPaths that waits, as the load starts, until `ready` exists (at most PATIENT): each file is then parsed once every verdict the worker gives at once is in. */
function waitingFor(ready: string): RawObject[] {
  const probe = [] as RawObject[];
  probe[Symbol.iterator] = function* () { const sleep = new Int32Array(new SharedArrayBuffer(4)); for (let k = 0; k < PATIENT / 10 && !existsSync(ready); k++) Atomics.wait(sleep, 0, 0, 10); } as () => ArrayIterator<RawObject>;
  return probe;
}

test("optimistic: a file judged not clean before it is parsed is checked on the main thread, the load kept (a duplicate key; a dump's null is clean)", () => {
  const w = tempFiles({});
  const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}.json`, JSON.stringify(POD(`p${i}`))]));
  // A template's `"creationTimestamp": null`, as the API server writes it in a Deployment it returns; a duplicate key (an error).
  files["c3-null.json"] = JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "w", namespace: "a" }, spec: { selector: { matchLabels: { app: "w" } }, template: { metadata: { creationTimestamp: null, labels: { app: "w" } }, spec: { containers: [{ name: "c", image: "i" }] } } } });
  files["c5-dup.json"] = NOT_CLEAN_FILES["duplicate-key.json"];
  const t = tempFiles(files);
  try {
    const ready = join(w.dir, "ready");
    // (The load starts once every verdict is in: each file judged before it is parsed, whatever the timing.)
    const on = loadPaths([t.dir], () => "", { checkAhead: { ...OPTIMISTIC, script: readyWorker(w.dir, "c9.json", ready) }, objects: waitingFor(ready) });
    assert.ok(existsSync(ready));
    assertSame(loadPaths([t.dir], () => "", { checkAhead: OFF }), on);
    assert.equal(on.diagnostics.errors.length, 1);
    assert.deepEqual({ ...on.optimism, settleMs: 0 }, { assumed: 11, checkedHere: 1, judgedHere: 0, settleMs: 0, unknownAtEnd: 0, redone: false });
    assert.equal(on.checkedAhead, 11);
  } finally { w.cleanup(); t.cleanup(); }
});

test("optimistic: a verdict that does not come (the worker starved, still judging) is given by the settling, from the text: a clean load is kept, whatever the timing, and a file not clean redoes it", () => {
  const w = tempFiles({});
  const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}.json`, JSON.stringify(POD(`p${i}`))]));
  const t = tempFiles(files);
  const bad = tempFiles({ ...files, "c5-dup.json": NOT_CLEAN_FILES["duplicate-key.json"] });
  try {
    for (const [dir, stuck] of [[t.dir, "c5.json"], [bad.dir, "c5-dup.json"]] as const) {
      const ready = join(w.dir, `ready-${stuck}`);
      // (The worker claims `stuck` and never judges it; the load starts once every other verdict is in.)
      const on = loadPaths([dir], () => "", { checkAhead: { ...OPTIMISTIC, patience: 200, script: readyWorker(w.dir, "c9.json", ready, stuck, true) }, objects: waitingFor(ready) });
      assertSame(loadPaths([dir], () => "", { checkAhead: OFF }), on);
      // Before: waited 10 s, then taken as not clean, the clean load redone.
      assert.equal(on.optimism?.redone, stuck !== "c5.json", JSON.stringify(on.optimism));
      assert.equal(on.optimism?.judgedHere, 1, JSON.stringify(on.optimism));
      assert.equal(on.diagnostics.errors.length, stuck === "c5.json" ? 0 : 1);
    }
  } finally { w.cleanup(); t.cleanup(); bad.cleanup(); }
});

test("optimistic: a file JSON.parse throws on, parsed unchecked before its verdict, redoes the load: the safe path's diagnostics exactly", () => {
  const w = tempFiles({});
  const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}.json`, JSON.stringify(POD(`p${i}`))]));
  files["c5-syntax.json"] = NOT_CLEAN_FILES["syntax.json"];
  const t = tempFiles(files);
  try {
    const ready = join(w.dir, "ready");
    // (Its verdict claimed, not in, when it is parsed: parsed unchecked, whatever the timing.)
    const on = loadPaths([t.dir], () => "", { checkAhead: { ...OPTIMISTIC, script: readyWorker(w.dir, "c9.json", ready, "c5-syntax.json") }, objects: waitingFor(ready) });
    assertSame(loadPaths([t.dir], () => "", { checkAhead: OFF }), on);
    assert.equal(on.diagnostics.errors.length, 1);
    assert.equal(on.diagnostics.errors[0].code, "input-syntax");
    // (The unchecked load threw, load.ts optimistically: settled to tell why, redone; the input's
    // doing, since the file it threw on is not clean: nothing unexpected.)
    assert.equal(on.optimism?.redone, true);
    assert.equal(on.optimism?.unexpected, undefined);
    assert.equal(on.checkedAhead, 0);
  } finally { w.cleanup(); t.cleanup(); }
});

test("optimistic: list (with -q or without: its notes held) settles the load before its first byte, and a verdict not clean runs the command again on the safe path (the same output, stderr and exit code)", async () => {
  const clean = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`c${i}.json`, JSON.stringify(i % 2 ? POD(`p${i}`) : NP({ podSelector: { matchLabels: { app: `p${i + 1}` } }, ingress: [{ from: [{ podSelector: {} }] }] }))]));
  // A stream of valid objects: nothing to report (the safe path's answer, with no diagnostic), but not clean: the redo comes at the first write.
  const cases: Record<string, Record<string, string>> = { clean, "stream": { ...clean, "c3-n.json": NOT_CLEAN_FILES["stream.json"] }, "schema": { ...clean, "c3-u.json": NOT_CLEAN_FILES["unknown-field.json"] }, "syntax": { ...clean, "c3-s.json": NOT_CLEAN_FILES["syntax.json"] } };
  const saved = process.env.JUNCTION_CHECK_AHEAD;
  try {
    for (const [what, files] of Object.entries(cases)) {
      const t = tempFiles(files);
      try {
        for (const args of [["list", "-q", "-o", "json", "-f", t.dir], ["list", "-q", "-f", t.dir], ["list", "-q", "--lenient", "-o", "yaml", "-f", t.dir], ["list", "-o", "json", "-f", t.dir], ["list", "--lenient", "-f", t.dir]]) {
          process.env.JUNCTION_CHECK_AHEAD = "off";
          const a = await cli(args);
          process.env.JUNCTION_CHECK_AHEAD = "0,optimistic";
          performance.clearMarks(OPTIMISM_MARK);
          const b = await cli(args);
          assert.deepEqual(b, a, `${what}: ${args.join(" ")}`);
          const o = (performance.getEntriesByName(OPTIMISM_MARK)[0] as { detail?: unknown } | undefined)?.detail as Optimism | undefined;
          // (Not clean: redone, or the file checked on the main thread, its verdict in before it was parsed.)
          if (what === "clean") assert.equal(o?.redone, false, `${args.join(" ")}: ${JSON.stringify(o)}`);
          else assert.ok(o!.redone || o!.checkedHere > 0, `${what}: ${args.join(" ")}: ${JSON.stringify(o)}`);
          if (what === "clean") assert.equal(o!.assumed + o!.checkedHere, 8);
        }
      } finally { t.cleanup(); }
    }
  } finally { if (saved === undefined) delete process.env.JUNCTION_CHECK_AHEAD; else process.env.JUNCTION_CHECK_AHEAD = saved; }
});

/** A worker that judges its first `n` files, then claims the next one (JUDGING), writes `ready` and ends there (a thread that dies mid-file). */
function dyingMidFile(dir: string, n: number, ready: string): URL {
  const path = join(dir, "dying-mid.mjs");
  writeFileSync(path, `
    import { parentPort, workerData } from "node:worker_threads";
    import { writeFileSync } from "node:fs";
    const { BLOCK, JUDGING, markWorkerThread, verdictOn } = await import(${JSON.stringify(new URL("../../src/sources/checkahead.js", import.meta.url).href)});
    markWorkerThread(new Int32Array(workerData.progress));
    let judged = 0;
    parentPort.on("message", (m) => {
      if (typeof m !== "object") return;
      const v = new Int32Array(m.verdicts), i = m.slot % BLOCK;
      if (Atomics.compareExchange(v, i, 0, JUDGING) !== 0) return;
      if (judged++ === ${n}) { writeFileSync(${JSON.stringify(ready)}, ""); process.exit(1); }
      Atomics.store(v, i, verdictOn(m));
      Atomics.notify(v, i);
    });`);
  return new URL(`file://${path}`);
}

test("optimistic: a worker that ends while judging a file is seen to end: the settling judges that file at once instead of waiting for it twice (Linux)", { skip: process.platform !== "linux" }, () => {
  const w = tempFiles({});
  const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}.json`, JSON.stringify(POD(`p${i}`))]));
  const t = tempFiles(files);
  try {
    const ready = join(w.dir, "ready");
    // (The load starts once the worker has claimed the fourth file and ended: the first three judged, the fourth never.)
    const patience = 60_000;
    const on = loadPaths([t.dir], () => "", { checkAhead: { ...OPTIMISTIC, patience, script: dyingMidFile(w.dir, 3, ready) }, objects: waitingFor(ready) });
    assertSame(loadPaths([t.dir], () => "", { checkAhead: OFF }), on);
    assert.equal(on.optimism?.redone, false, JSON.stringify(on.optimism));
    // (Unseen, the file claimed by the worker is waited for `patience` once in order, then again from the last.
    // The settling alone: the whole load's clock counted the worker's start too, 5 s of which a busy machine overran.)
    assert.ok(on.optimism!.settleMs < patience, JSON.stringify(on.optimism));
    assert.equal(on.optimism!.judgedHere, 7, JSON.stringify(on.optimism));
  } finally { w.cleanup(); t.cleanup(); }
});

test("check-ahead: the worker thread says which thread it is (its task id, in its progress array), so that its end is seen", { skip: process.platform !== "linux" }, async () => {
  const ahead = new CheckAhead({ at: 0, optimistic: true });
  const t = tempFiles({ "a.json": JSON.stringify(POD("a")) });
  try {
    readInputs([t.dir], new Diagnostics(), () => "", { sink: ahead });
    // (Until the thread runs: 2 s was the bound, which a worker starting on a busy machine can overrun.)
    for (let k = 0; k < PATIENT / 10 && !ahead.workerEnded() && Atomics.load((ahead as unknown as { progress: Int32Array }).progress, 1) === 0; k++) await new Promise((r) => setTimeout(r, 10));
    const tid = Atomics.load((ahead as unknown as { progress: Int32Array }).progress, 1);
    assert.ok(tid > 0 && tid !== process.pid, String(tid));
    assert.equal(ahead.workerEnded(), false);
    ahead.allRead();
    // (Every file judged, it ends by itself: its thread is gone.)
    for (let k = 0; k < PATIENT / 10 && !ahead.workerEnded(); k++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(ahead.workerEnded(), true);
  } finally { ahead.close(); t.cleanup(); }
});

test("optimistic: the unchecked load throwing on files all judged clean is no input's doing: redone on the safe path, and said (Optimism.unexpected); an input error is not", () => {
  const t = tempFiles(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`c${i}.json`, JSON.stringify(POD(`p${i}`))])));
  try {
    // (The first load's first step throws, as a bug would: not the input's doing. The redo does not.)
    let thrown = 0;
    const once = [] as RawObject[];
    once[Symbol.iterator] = function* () { if (thrown++ === 0) throw new TypeError("boom"); } as () => ArrayIterator<RawObject>;
    const on = loadPaths([t.dir], () => "", { checkAhead: OPTIMISTIC, objects: once });
    assertSame(loadPaths([t.dir], () => "", { checkAhead: OFF }), on);
    assert.equal(thrown, 2);
    assert.equal(on.optimism?.redone, true);
    assert.equal(on.optimism?.unexpected, "TypeError: boom");
  } finally { t.cleanup(); }
});

test("optimistic: a redone load reads a cluster's objects (cli/cluster.ts loadSources) as the safe path reads them, though the first attempt zeroed their null map values in place", () => {
  const w = tempFiles({});
  const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}.json`, JSON.stringify(POD(`p${i}`))]));
  files["c5-syntax.json"] = NOT_CLEAN_FILES["syntax.json"];
  const t = tempFiles(files);
  // A cluster's object with a null label value (schema/zero.ts reads it as ""; warned).
  const clusterObjects = (): RawObject[] => [{ apiVersion: "v1", kind: "Pod", ref: { file: "cluster", doc: 0, path: [] },
    obj: { apiVersion: "v1", kind: "Pod", metadata: { name: "live", namespace: "a", labels: { app: null } }, spec: { containers: [{ name: "c", image: "i" }] }, status: { podIP: "10.0.0.9" } } }];
  try {
    const ready = join(w.dir, "ready");
    const objects = clusterObjects();
    const wait = waitingFor(ready);
    // (The wait first, then the cluster's objects: the load starts once the worker gave every verdict but the late one.)
    const both = [] as RawObject[];
    both[Symbol.iterator] = function* () { yield* wait; yield* objects; } as () => ArrayIterator<RawObject>;
    const on = loadPaths([t.dir], () => "", { checkAhead: { ...OPTIMISTIC, script: readyWorker(w.dir, "c9.json", ready, "c5-syntax.json") }, objects: both });
    assert.equal(on.optimism?.redone, true);
    const off = loadPaths([t.dir], () => "", { checkAhead: OFF, objects: clusterObjects() });
    assert.deepEqual(on.diagnostics.items.map((d) => `${d.severity} ${d.code} ${d.ref?.file}`), off.diagnostics.items.map((d) => `${d.severity} ${d.code} ${d.ref?.file}`));
    assertSame(off, on);
  } finally { w.cleanup(); t.cleanup(); }
});
