// bench/e2e.ts reports, per run, how many of the files the command loaded the check-ahead worker
// judged before the main thread came to them (src/cli/inputs.ts LOAD_MARK): the main thread checks
// the others itself, so the figure tells a run whose worker kept up from one whose worker did not.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { tempFiles } from "../helpers.js";

const E2E = fileURLToPath(new URL("../../bench/e2e.js", import.meta.url));

const namespace = (name: string) => JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name } }] });

test("e2e.js's stats give the files loaded and those the check-ahead worker judged", () => {
  const t = tempFiles({ "in/a.json": namespace("a"), "in/b.json": namespace("b"), "in/c.json": namespace("c") });
  try {
    const stats = join(t.dir, "stats.json");
    const run = (checkAhead: string) => {
      const r = spawnSync(process.execPath, [E2E, stats, "list", "-q", "-f", join(t.dir, "in"), "-o", "json"], { encoding: "utf8", env: { ...process.env, JUNCTION_CHECK_AHEAD: checkAhead, JUNCTION_RELAUNCH: "off" } });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(readFileSync(stats, "utf8")) as { files?: number; checkedAhead?: number };
    };
    // (0,wait: the worker starts with the first file and each verdict is waited for; off: no worker.)
    const judged = run("0,wait"), alone = run("off");
    assert.deepEqual([judged.files, judged.checkedAhead], [3, 3]);
    assert.deepEqual([alone.files, alone.checkedAhead], [3, 0]);
  } finally { t.cleanup(); }
});
