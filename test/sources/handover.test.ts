// The hand-over of lowered workloads (sources/handover.ts): the check-ahead worker lowers a file it
// judged clean and the main thread adds its pods instead of parsing and lowering the file. Exact or
// nothing: a load with the hand-over forced on every file, forced off, and as it comes (from the
// last file back) must give what the safe path gives: the inventory (objects and order), every
// diagnostic (text, file, line, field) and the answers.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempFiles } from "../helpers.js";
import { loadPaths, OPTIMISM_MARK, type Loaded } from "../../src/sources/load.js";
import { CheckAhead, handOverFromEnv, type HandOver, type Optimism } from "../../src/sources/checkahead.js";
import { readInputs } from "../../src/sources/read.js";
import type { RawObject } from "../../src/sources/documents.js";
import { Diagnostics } from "../../src/model/source.js";
import { writeCluster } from "../../src/cli/commands/generate.js";

const OFF = { at: Infinity };
const ALL: HandOver = { files: 0, all: true };

function safe(dir: string): Loaded {
  return loadPaths([dir], () => "", { checkAhead: OFF, recursive: true });
}

function handing(dir: string, handOver: HandOver | false): Loaded {
  return loadPaths([dir], () => "", { checkAhead: { at: 0, optimistic: true, handOver }, recursive: true });
}

function assertSame(off: Loaded, on: Loaded, what = ""): void {
  assert.deepEqual(on.diagnostics.items, off.diagnostics.items, what);
  assert.deepEqual(on.inventory, off.inventory, what);
  assert.equal(on.objects, off.objects, what);
  // (Each diagnostic's line, found in the file's text: lines stay lazy for a file handed over too.)
  assert.deepEqual(on.diagnostics.items.map((d) => d.line), off.diagnostics.items.map((d) => d.line), what);
}

const POD = (name: string, extra: Record<string, unknown> = {}, ns = "a") => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, labels: { app: name.replace(/-\d+$/, "") }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "w-1", uid: "u", controller: true }] }, spec: { nodeName: "n1", serviceAccountName: "sa", containers: [{ name: "c", image: "i", ports: [{ name: "http", containerPort: 8080 }] }] }, status: { phase: "Running", podIP: `10.0.0.${name.length}`, podIPs: [{ ip: `10.0.0.${name.length}` }] }, ...extra });
const DEPLOY = (name: string) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "a" }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { creationTimestamp: null, labels: { app: name } }, spec: { containers: [{ name: "c", image: "i" }] } } } });
const LIST = (...items: unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2);

test("hand-over: JUNCTION_HAND_OVER reads off, all, and a number of files", () => {
  assert.equal(handOverFromEnv(""), undefined);
  assert.equal(handOverFromEnv("off"), false);
  assert.deepEqual(handOverFromEnv("all"), { files: 0, all: true });
  assert.deepEqual(handOverFromEnv("300"), { files: 300 });
  assert.equal(handOverFromEnv("x"), undefined);
});

test("hand-over: generated clusters load the same with every workloads file handed over, none, and from the last back", () => {
  for (const [seed, pods] of [[3, 600], [5, 1200], [9, 400]]) {
    const t = tempFiles({});
    try {
      writeCluster(t.dir, { pods, namespaces: 6, policies: 60, seed }, "json");
      const workloads = readdirSync(join(t.dir, "namespaces")).length;
      const off = safe(t.dir);
      const all = handing(t.dir, ALL);
      assertSame(off, all, `seed ${seed}: all`);
      assert.equal(all.optimism?.redone, false);
      // Every workloads file (each holds pods) was handed over.
      assert.equal(all.optimism?.handedOver, workloads, JSON.stringify(all.optimism));
      assert.equal(all.checkedAhead, all.optimism!.assumed + workloads);
      const none = handing(t.dir, false);
      assertSame(off, none, `seed ${seed}: none`);
      assert.equal(none.optimism?.handedOver, 0);
      assertSame(off, handing(t.dir, { files: 1000 }), `seed ${seed}: from the back`);
    } finally { t.cleanup(); }
  }
});

/** Files the worker lowers but must not hand over (something the main thread reports or keeps), or must judge not clean; each amid clean workloads files. */
const KEPT_HERE: Record<string, string> = {
  // Lowering reports something: a finished pod's note, a podIPs mismatch.
  "finished.json": LIST(POD("f-1", { status: { phase: "Succeeded", podIP: "10.0.0.9" } }), POD("g-1")),
  "podips-mismatch.json": LIST(POD("m-1", { status: { phase: "Running", podIP: "10.0.0.7", podIPs: [{ ip: "10.0.0.8" }] } })),
  // Lowering keeps state of the load: a host-network pod waiting for its node's addresses; kube-system (static pods).
  "host-network.json": LIST(POD("h-1", { spec: { nodeName: "n1", hostNetwork: true, containers: [{ name: "c", image: "i" }] }, status: undefined }), { apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, status: { addresses: [{ type: "InternalIP", address: "192.0.2.1" }] } }),
  "kube-system.json": LIST(POD("k-1", { spec: { containers: [{ name: "kube-proxy", image: "i", command: ["kube-proxy", "--cluster-cidr=10.0.0.0/8"] }] } }, "kube-system")),
  // Splitting reports something: an item that is no object; an item without a kind and a list kind without "List".
  "bad-item.json": LIST(POD("b-1"), 3),
  "list-kind.json": JSON.stringify({ apiVersion: "v1", kind: "Things", items: [POD("l-1")] }),
  // Not clean: unknown fields, bad values, duplicate keys, nulls the checks zero, a syntax error.
  "unknown-field.json": LIST(POD("u-1", { spec: { containers: [{ name: "c", image: "i" }], hostNetworkk: true } })),
  "bad-value.json": LIST(POD("v-1", { spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 70000 }] }] } })),
  "duplicate-key.json": `{"apiVersion": "v1", "kind": "List", "items": [${JSON.stringify(POD("d-1")).replace('"name":"d-1"', '"name":"d-1","name":"d-2"')}]}`,
  "null-item.json": LIST(POD("n-1", { spec: { containers: [{ name: "c", image: "i", ports: [null] }] } })),
  "syntax.json": `{"apiVersion": "v1", "kind": "List", "items": [${JSON.stringify(POD("s-1"))}`,
  // A -0 in an object the main thread lowers (JSON.stringify, which carries those objects, writes it 0).
  "minus-zero.json": LIST({ ...DEPLOY("z"), spec: { ...DEPLOY("z").spec, replicas: 0 } }, POD("z-1")).replace('"replicas": 0', '"replicas": -0'),
};

/** Files handed over though unusual: nulls kubectl writes, a single Pod, a PodList, a removed version beside pods, a labelled pod repeated. */
const HANDED: Record<string, string> = {
  "nulls.json": LIST(DEPLOY("w"), POD("w-1", { metadata: { name: "w-1", namespace: "a", creationTimestamp: null, labels: { app: "w" } } }), { ...DEPLOY("x"), status: {} }),
  "single.json": JSON.stringify(POD("single")),
  "podlist.json": JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [{ ...POD("pl-1"), apiVersion: undefined, kind: undefined }, POD("pl-2")] }),
  "removed.json": LIST({ apiVersion: "extensions/v1beta1", kind: "Ingress", metadata: { name: "i", namespace: "a" }, spec: { backend: { serviceName: "s", servicePort: 80 } } }, POD("r-1")),
  "labels.json": LIST(...Array.from({ length: 20 }, (_, i) => POD(`web-${i}`, i % 7 ? {} : { metadata: { name: `web-${i}`, namespace: "b", labels: { app: "web", v: String(i) }, annotations: { "sidecar.istio.io/inject": "true" } } }, "b"))),
};

test("hand-over: hostile files amid clean ones (warnings, nulls, unknown fields, bad values, duplicate keys, host-network and kube-system pods, split reports) load exactly as on the safe path", () => {
  const clean = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`c${i}.json`, LIST(DEPLOY(`d${i}`), POD(`d${i}-1`), POD(`d${i}-2`))]));
  for (const [name, text] of Object.entries({ ...KEPT_HERE, ...HANDED })) {
    const t = tempFiles({ ...clean, [`c3-${name}`]: text });
    try {
      const off = safe(t.dir);
      for (const h of [ALL, { files: 1000 }, false] as const) {
        const on = handing(t.dir, h);
        assertSame(off, on, `${name}: ${JSON.stringify(h)}`);
        if (h === ALL && !on.optimism!.redone) {
          // The clean workloads files are handed over; this one only when it is in HANDED.
          assert.equal(on.optimism!.handedOver, 6 + (name in HANDED ? 1 : 0), `${name}: ${JSON.stringify(on.optimism)}`);
        }
      }
      // (Each reports something on the safe path, but a host-network pod and a static pod, which keep state of the load instead, and the -0.)
      if (name in KEPT_HERE && !/host-network|kube-system|minus-zero/.test(name)) assert.ok(off.diagnostics.items.some((d) => d.ref?.file.endsWith(name)), name);
    } finally { t.cleanup(); }
  }
});

test("hand-over: a pod defined twice (one copy in a file handed over) keeps the last definition, with the safe path's warning", () => {
  const t = tempFiles({ "a.json": LIST(POD("p-1"), POD("q-1")), "b.json": LIST(POD("p-1", { metadata: { name: "p-1", namespace: "a", labels: { app: "other" } } })), "c.json": LIST(POD("q-1")) });
  try {
    const off = safe(t.dir);
    assert.ok(off.diagnostics.items.some((d) => d.code === "duplicate"));
    for (const h of [ALL, { files: 1000 }, false] as const) assertSame(off, handing(t.dir, h), JSON.stringify(h));
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

test("hand-over: workloads files mutated at random (nulls, wrong types, unknown and missing fields, odd values) load the same handed over, not, and from the back", () => {
  const gen = tempFiles({});
  const t = tempFiles({});
  try {
    writeCluster(gen.dir, { pods: 400, namespaces: 4, policies: 20, seed: 13 }, "json");
    const random = prng(17);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const VALUES = [null, "x", 7, -1, 0, true, false, [], {}, [null], { a: null }, 1.5, "10.0.0.1", "fd00::1", "::ffff:10.0.0.1", "", "UPPER", "Succeeded", "kube-system"];
    let k = 0;
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) { walk(path); continue; }
        const list = JSON.parse(readFileSync(path, "utf8")) as { items: Record<string, unknown>[] };
        // Pods only, in files of 10, one value changed in a third of the files' pods (the others stay clean).
        const pods = list.items.filter((o) => o.kind === "Pod");
        for (let i = 0; i < pods.length; i += 10) {
          const items = pods.slice(i, i + 10).map((p) => structuredClone(p));
          if (random() < 0.5) {
            let at: Record<string, unknown> = pick(items);
            for (let depth = 0; depth < 6; depth++) {
              const keys = Object.keys(at);
              if (!keys.length) break;
              const key = pick(keys), v = at[key];
              if (v === null || typeof v !== "object" || random() < 0.3) { at[key] = pick(VALUES); break; }
              at = v as Record<string, unknown>;
            }
          }
          writeFileSync(join(t.dir, `w${String(k++).padStart(4, "0")}.json`), JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 1));
        }
      }
    };
    walk(join(gen.dir, "namespaces"));
    const off = safe(t.dir);
    const all = handing(t.dir, ALL);
    assertSame(off, all, "all");
    assertSame(off, handing(t.dir, false), "none");
    assertSame(off, handing(t.dir, { files: 1000 }), "from the back");
    assert.ok(off.diagnostics.items.length > 5, `${off.diagnostics.items.length} diagnostics`);
    if (!all.optimism!.redone) assert.ok(all.optimism!.handedOver! > k / 3, JSON.stringify(all.optimism));
  } finally { gen.cleanup(); t.cleanup(); }
});

/** `objects` for loadPaths that holds the load's start for `ms` (the worker lowers from the last file back meanwhile). */
function holding(ms: number): RawObject[] {
  const probe = [] as RawObject[];
  probe[Symbol.iterator] = function* () { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); } as () => ArrayIterator<RawObject>;
  return probe;
}

test("hand-over: from the last file back (the main thread held at its start): the files lowered are taken, the others parsed, the same load", () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) files[`f${String(i).padStart(2, "0")}.json`] = i % 9 === 4 ? KEPT_HERE["finished.json"].replace(/"f-1"/g, `"f-${i}"`).replace(/"g-1"/g, `"g-${i}"`) : LIST(DEPLOY(`d${i}`), POD(`d${i}-1`), POD(`d${i}-2`, { metadata: { name: `d${i}-2`, namespace: "c", labels: { app: `d${i}` } } }));
  const t = tempFiles(files);
  try {
    const off = safe(t.dir);
    for (const dieAfter of [undefined, 10]) {
      const on = loadPaths([t.dir], () => "", { checkAhead: { at: 0, optimistic: true, handOver: { files: 20, always: true, hold: true, ...(dieAfter === undefined ? {} : { dieAfter }) } }, objects: holding(1500) });
      assertSame(off, on, `dies after ${dieAfter}`);
      assert.equal(on.optimism?.redone, false);
      // Lowered from the last back, 20 files (those of finished pods are not handed over), all taken; at most 10 when the worker dies after 10.
      if (dieAfter === undefined) assert.equal(on.optimism!.handedOver, 20, JSON.stringify(on.optimism));
      else assert.ok(on.optimism!.handedOver! > 0 && on.optimism!.handedOver! <= 10, JSON.stringify(on.optimism));
    }
  } finally { t.cleanup(); }
});

test("hand-over: a worker that dies mid-batch leaves the rest to the main thread: the same load", () => {
  const t = tempFiles({});
  try {
    writeCluster(t.dir, { pods: 600, namespaces: 6, policies: 60, seed: 3 }, "json");
    const off = safe(t.dir);
    for (const dieAfter of [0, 2, 5]) {
      const on = handing(t.dir, { ...ALL, dieAfter });
      assertSame(off, on, `dies after ${dieAfter}`);
      assert.equal(on.optimism?.redone, false);
      assert.ok(on.optimism!.handedOver! <= dieAfter, JSON.stringify(on.optimism));
    }
  } finally { t.cleanup(); }
});

test("hand-over: a file whose text changed since the worker was handed its bytes is not taken lowered", () => {
  const t = tempFiles({ "a.json": LIST(POD("a-1")), "b.json": LIST(POD("b-1")) });
  try {
    const a = new CheckAhead({ at: 0, optimistic: true, handOver: ALL });
    const files = readInputs([t.dir], new Diagnostics(), undefined, { sink: a });
    a.allRead();
    files[1].text = LIST(POD("b-1", { spec: { containers: [{ name: "c", image: "i" }], hostNetwork: "yes" } }));
    const first = a.lowered(files[0]);
    assert.equal(first?.items.length, 1);
    assert.equal(a.lowered(files[1]), undefined);
    // (Asked once: the file is the main thread's after.)
    assert.equal(a.lowered(files[0]), undefined);
    a.close();
  } finally { t.cleanup(); }
});

test("hand-over: list -o json and yaml, forced on every file, give the safe path's stdout, stderr and exit code", async () => {
  const t = tempFiles({});
  const saved = { c: process.env.JUNCTION_CHECK_AHEAD, h: process.env.JUNCTION_HAND_OVER };
  try {
    writeCluster(t.dir, { pods: 600, namespaces: 6, policies: 30, seed: 21 }, "json");
    const workloads = readdirSync(join(t.dir, "namespaces")).length;
    writeFileSync(join(t.dir, "finished.json"), KEPT_HERE["finished.json"]);
    for (const args of [["list", "-q", "-o", "json", "-R", "-f", t.dir], ["list", "-q", "-o", "yaml", "-R", "-f", t.dir], ["list", "-R", "-f", t.dir]]) {
      process.env.JUNCTION_CHECK_AHEAD = "off";
      delete process.env.JUNCTION_HAND_OVER;
      const a = await cli(args);
      process.env.JUNCTION_CHECK_AHEAD = "0,optimistic";
      process.env.JUNCTION_HAND_OVER = "all";
      performance.clearMarks(OPTIMISM_MARK);
      const b = await cli(args);
      assert.deepEqual(b, a, args.join(" "));
      const o = (performance.getEntriesByName(OPTIMISM_MARK)[0] as { detail?: unknown } | undefined)?.detail as Optimism | undefined;
      assert.equal(o!.handedOver, workloads, JSON.stringify(o));
    }
  } finally {
    t.cleanup();
    for (const [k, v] of [["JUNCTION_CHECK_AHEAD", saved.c], ["JUNCTION_HAND_OVER", saved.h]] as const) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
});
