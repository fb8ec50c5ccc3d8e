// The CLI's bundle (scripts/bundle-cli.mjs, dist/src/bundle): bin/junction.js runs it when it is as
// new as tsc's output (src/cli/entry.ts), and it must do what tsc's output does: the same output,
// diagnostics and exit codes, the worker threads started from it, and every path it finds through
// `import.meta.url` (schemas, validators, the UI, the threads' scripts) the file it names in dist/src.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, utimesSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { cliFolder } from "../../src/cli/entry.js";
import { tempFiles } from "../helpers.js";

const BIN = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../../src/bundle/", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../../../examples/shop", import.meta.url));

test("the build makes the bundle, and bin/junction.js runs it (JUNCTION_BUNDLE=off: tsc's output)", () => {
  assert.ok(existsSync(join(BUNDLE, "main.js")) && existsSync(join(BUNDLE, "launch.js")));
  assert.match(cliFolder({}).href, /\/dist\/src\/bundle\/$/);
  assert.match(cliFolder({ JUNCTION_BUNDLE: "off" }).href, /\/dist\/src\/cli\/$/);
});

test("a bundle older than tsc's output (tsc ran after the build) is not run, nor a missing one", async () => {
  const t = tempFiles({ "src/cli/main.js": "", "src/bundle/main.js": "" });
  try {
    copyFileSync(fileURLToPath(new URL("../../src/cli/entry.js", import.meta.url)), join(t.dir, "src/cli/entry.js"));
    const entry = (await import(pathToFileURL(join(t.dir, "src/cli/entry.js")).href)) as typeof import("../../src/cli/entry.js");
    utimesSync(join(t.dir, "src/cli/main.js"), 1000, 1000);
    utimesSync(join(t.dir, "src/bundle/main.js"), 2000, 2000);
    assert.match(entry.cliFolder({}).href, /\/src\/bundle\/$/);
    utimesSync(join(t.dir, "src/cli/main.js"), 3000, 3000);
    assert.match(entry.cliFolder({}).href, /\/src\/cli\/$/);
    utimesSync(join(t.dir, "src/bundle/main.js"), 4000, 4000);
    assert.match(entry.cliFolder({}).href, /\/src\/bundle\/$/);
    rmSync(join(t.dir, "src/bundle/main.js"));
    assert.match(entry.cliFolder({}).href, /\/src\/cli\/$/);
  } finally { t.cleanup(); }
});

test("every new URL(..., import.meta.url) of the bundle names a file or folder that exists", () => {
  let seen = 0;
  for (const f of readdirSync(BUNDLE).filter((n) => n.endsWith(".js"))) {
    for (const m of readFileSync(join(BUNDLE, f), "utf8").matchAll(/new URL\(("[^"]*"), import\.meta\.url\)/g)) {
      const target = fileURLToPath(new URL(JSON.parse(m[1]) as string, pathToFileURL(join(BUNDLE, f))));
      assert.ok(existsSync(target), `${f}: ${m[1]} -> ${target}`);
      seen++;
    }
  }
  // (The schemas' and validators' folders, createRequire's modules, the UI, the two threads' scripts.)
  assert.ok(seen >= 8, `${seen}`);
});

/**
 * Inputs that need the packages the bundle holds apart (scripts/bundle-cli.mjs PACKAGES): a CEL rule
 * (the BaselineAdminNetworkPolicy's `self.metadata.name == 'default'`) and the yaml library (an
 * anchor, which the fast block reader hands to it).
 */
const PACKAGE_INPUTS = {
  "banp.json": '{"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy", "metadata": {"name": "other"}, "spec": {"subject": {"namespaces": {}}, "ingress": [{"name": "deny", "action": "Deny", "from": [{"namespaces": {}}]}]}}\n',
  "anchors.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: &n shop\n  labels:\n    team: *n\n",
};

test("the bundle loads @bufbuild/cel and the yaml library from its own one-file copies; precompiled validators load no ajv compiler", () => {
  const t = tempFiles(PACKAGE_INPUTS);
  try {
    // (NODE_DEBUG=module: Node names each CommonJS module it loads on stderr; the main thread validates, no worker.)
    const loads = (bundle: string) => {
      const r = spawnSync(process.execPath, [BIN, "validate", "-f", t.dir], { encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, NODE_DEBUG: "module", JUNCTION_CHECK_AHEAD: "off", JUNCTION_RELAUNCH: "off", JUNCTION_BUNDLE: bundle } });
      assert.match(r.stdout, /metadata\.name="default"/);
      return [...r.stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((m) => m[1]);
    };
    const bundled = loads("on"), tsc = loads("off");
    for (const file of ["cel.cjs", "yaml.cjs"]) assert.ok(bundled.some((f) => f.endsWith(`/dist/src/bundle/packages/${file}`)), file);
    assert.deepEqual(bundled.filter((f) => /\/node_modules\/(@bufbuild|yaml)\//.test(f)), []);
    // tsc's output loads the packages themselves (what the check above would see without the bundle's copies).
    assert.ok(tsc.some((f) => f.includes("/node_modules/@bufbuild/cel/")) && tsc.some((f) => f.includes("/node_modules/yaml/")));
    for (const files of [bundled, tsc]) assert.deepEqual(files.filter((f) => f.endsWith("/node_modules/ajv/dist/ajv.js")), []);
  } finally { t.cleanup(); }
});

test("bundle and tsc's output: the same stdout, stderr and exit code (workers forced on, errors, usage)", () => {
  const t = tempFiles({
    "bad.json": '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": 1}]}}\n',
    "dup.json": '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "name": "b"}}\n',
    ...PACKAGE_INPUTS,
  });
  try {
    // (The check-ahead worker judges every file and is waited for; the pre-reader reads them: both threads run from the bundle.)
    const env = { ...process.env, JUNCTION_CHECK_AHEAD: "0,wait", JUNCTION_PREREAD: "on", JUNCTION_RELAUNCH: "off" };
    const runs: string[][] = [
      ["list", "-f", EXAMPLE, "-o", "json"],
      ["validate", "-f", t.dir],
      ["list", "-f", join(t.dir, "bad.json"), "-o", "json"],
      ["list", "--no-such-flag"],
      ["version"],
    ];
    for (const args of runs) {
      const run = (bundle: string) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...env, JUNCTION_BUNDLE: bundle } });
      const a = run("on"), b = run("off");
      assert.equal(a.stdout, b.stdout, args.join(" "));
      assert.equal(a.stderr, b.stderr, args.join(" "));
      assert.equal(a.status, b.status, args.join(" "));
    }
  } finally { t.cleanup(); }
});
