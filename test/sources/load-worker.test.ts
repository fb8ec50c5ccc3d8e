// The load on two cores (sources/loadpool.ts, load-worker.ts, digest.ts) must give exactly what the
// single-threaded load gives: the same objects in the same order, the same diagnostics (file, line,
// field path) in the same order, the same handling of an object defined twice. Pinned on a fixture
// with errors, a duplicate, YAML and JSON, lists, CRLF line ends and a bad file.

import { test } from "node:test";
import assert from "node:assert/strict";
import { tempFiles } from "../helpers.js";
import { loadPaths, RELEASE_AT, type Loaded } from "../../src/sources/load.js";
import { decodeDigest, digestFile, encodeDigest, isLowered, replay } from "../../src/sources/digest.js";
import { InventoryBuilder } from "../../src/sources/builder.js";
import { Diagnostics } from "../../src/model/source.js";
import { interning } from "../../src/sources/intern.js";

const pod = (name: string, ns: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1", kind: "Pod",
  metadata: { name, namespace: ns, labels: { app: name.split("-")[0], tier: "web" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d8f", uid: "u1", controller: true }] },
  spec: { nodeName: "node-1", serviceAccountName: "web", containers: [{ name: "c", ports: [{ name: "http", containerPort: 8080 }, { containerPort: 9090, protocol: "UDP" }] }] },
  status: { phase: "Running", podIP: `10.0.0.${name.length}`, podIPs: [{ ip: `10.0.0.${name.length}` }, { ip: "fd00::1" }] },
  ...extra,
});

const workloads = {
  apiVersion: "v1", kind: "List", items: [
    pod("web-1", "shop"),
    pod("web-2", "shop", { status: { phase: "Succeeded" } }),
    { ...pod("web-3", "shop"), metadata: { name: "web-3", namespace: "shop", labels: { "bad key!": "x" } } },
    { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "shop" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }], clusterIP: "None" } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop" }, spec: { replicas: 2, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", ports: [{ containerPort: 8080 }] }] } } } },
    { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web-5d8f", namespace: "shop", ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "u2", controller: true }] }, spec: { template: { metadata: { labels: { app: "web", "pod-template-hash": "5d8f" } }, spec: { containers: [{ name: "c" }] } } } },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny", namespace: "shop" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } },
    { apiVersion: "v1", kind: "Pod", metadata: { name: "typo", namespace: "shop" }, spec: { containerz: [] } },
  ],
};

/** Enough pods to pass RELEASE_AT (the large-file path: text released, read again for lines). */
function bigList(): string {
  const items: unknown[] = [];
  for (let i = 0; JSON.stringify(items).length < RELEASE_AT * 1.5; i++) items.push(pod(`api-${i}`, `team-${i % 7}`));
  items.push({ ...pod("api-last", "team-0"), spec: { containers: [{ name: "c", ports: [{ containerPort: 70000 }] }] } });
  return JSON.stringify({ apiVersion: "v1", kind: "PodList", items }, null, 2);
}

const yaml = [
  "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    env: prod\n",
  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: yaml-pod\n  namespace: shop\n  labels:\n    app: db\nspec:\n  containers:\n  - name: db\n    ports:\n    - containerPort: 5432\nstatus:\n  podIP: 10.0.1.5\n",
  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: yaml-bad\n  namespace: shop\nspec:\n  containers:\n  - name: db\n    ports:\n    - containerPort: -0.0\n",
].join("---\n");

const fixture = {
  "a-workloads.json": JSON.stringify(workloads, null, 2),
  "b-big.json": bigList(),
  "c-more.yaml": yaml,
  "d-crlf.yaml": yaml.replace(/shop/g, "crlf").replace(/\n/g, "\r\n"),
  "e-bad.json": '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"',
};

/** The inventory and diagnostics as comparable text (Maps, bigints and undefined kept visible). */
function canon(l: Loaded): string {
  const replacer = (_k: string, v: unknown) => typeof v === "bigint" ? `bigint:${v}` : v instanceof Map || v instanceof Set ? [...v] : v === undefined ? "(undefined)" : v;
  const files = l.inputs.map((f) => [f.name, f.objects, f.docs]);
  return JSON.stringify({ inventory: l.inventory, diagnostics: l.diagnostics.items, files, objects: l.objects }, replacer, 1);
}

function loadWith(env: string, dir: string): Loaded {
  const before = process.env.JUNCTION_LOAD_WORKER;
  process.env.JUNCTION_LOAD_WORKER = env;
  try { return loadPaths([dir]); } finally { if (before === undefined) delete process.env.JUNCTION_LOAD_WORKER; else process.env.JUNCTION_LOAD_WORKER = before; }
}

test("with a load worker (JUNCTION_LOAD_WORKER=1, and =all: the worker digests every file), the inventory, diagnostics and their lines are those of the single-threaded load", () => {
  const t = tempFiles(fixture);
  try {
    const one = loadWith("0", t.dir), two = loadWith("1", t.dir), all = loadWith("all", t.dir);
    assert.ok(one.diagnostics.items.some((d) => d.code === "input-syntax"), "the bad file is reported");
    assert.ok(one.diagnostics.items.some((d) => d.line !== undefined && d.ref?.file.endsWith("b-big.json")), "a diagnostic with a line in the large file");
    assert.ok(one.inventory.endpoints.length > 100);
    assert.equal(canon(two), canon(one));
    assert.equal(canon(all), canon(one), "every file the worker can carry digested there");
  } finally { t.cleanup(); }
});

test("with a load worker, an object defined twice is still resolved as kubectl apply -f does (the last definition, with a warning)", () => {
  const t = tempFiles({ ...fixture, "f-again.json": JSON.stringify(pod("web-1", "shop", { metadata: { name: "web-1", namespace: "shop", labels: { app: "again" } } })) });
  try {
    const one = loadWith("0", t.dir), two = loadWith("1", t.dir), all = loadWith("all", t.dir);
    assert.ok(one.diagnostics.items.some((d) => d.code === "duplicate"));
    assert.equal(canon(two), canon(one));
    assert.equal(canon(all), canon(one));
  } finally { t.cleanup(); }
});

test("a worker's digest sent as JSON and replayed gives the builder exactly what lowering in order gives", () => {
  const t = tempFiles(fixture);
  try {
    const files = loadWith("0", t.dir).inputs;
    const replayed = (viaJson: boolean) => interning(() => {
      const diags = new Diagnostics(), b = new InventoryBuilder(diags);
      let lowered = 0, carried = 0;
      for (const file of files) {
        const d = digestFile({ name: file.name, text: file.text });
        // (A digest of its own to encode: encoding consumes it.)
        const text = viaJson ? encodeDigest(digestFile({ name: file.name, text: file.text })) : undefined;
        const entries = text !== undefined ? decodeDigest(text, file).entries : d.entries;
        if (text !== undefined) carried++;
        for (const e of entries) if (isLowered(e)) { replay(e, b); lowered++; }
      }
      return { model: JSON.stringify(b.finish(), (_k, v) => typeof v === "bigint" ? `bigint:${v}` : v instanceof Map || v instanceof Set ? [...v] : v === undefined ? "(undefined)" : v), lowered, carried };
    });
    const here = replayed(false), sent = replayed(true);
    assert.ok(here.lowered > 100, `pods, services and controllers are lowered ahead (${here.lowered})`);
    assert.ok(sent.carried >= 2, "files with neither a diagnostic nor CRLF are carried as JSON");
    assert.equal(sent.model, here.model);
  } finally { t.cleanup(); }
});

test("what JSON cannot carry exactly (-0, Infinity, a reading diagnostic) leaves the file to the main thread", () => {
  const d = digestFile({ name: "x.yaml", text: "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  a: -0.0\n" });
  assert.equal(encodeDigest(d), undefined);
  const inf = digestFile({ name: "y.yaml", text: "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  a: .inf\n" });
  assert.equal(encodeDigest(inf), undefined);
  const bad = digestFile({ name: "z.json", text: "{" });
  assert.equal(encodeDigest(bad), undefined);
});
