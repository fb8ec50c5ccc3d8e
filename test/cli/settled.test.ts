// runSettled (src/cli/settled.ts): what a command settled late writes to stderr before its load settles
// (progress lines, notes) is held until then, so a run without -q also settles late and a redo writes
// only what the safe path writes; a run made again keeps nothing of the first alive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { runSettled } from "../../src/cli/settled.js";
import { leaveUnsettled, mayLeaveUnsettled, safeLoadsOnly } from "../../src/sources/settle.js";
import type { Io } from "../../src/cli/command.js";

setFlagsFromString("--expose_gc");
const gc = runInNewContext("gc") as () => void;

function recorder(): { io: Io; log: string[] } {
  const log: string[] = [];
  return { log, io: { out: (t) => log.push(`out:${t}`), err: (t) => log.push(`err:${t}`), stdin: () => "", cwd: "." } };
}

test("settled late: notes before the answer are held until the first write settles the load, then written in order", async () => {
  const { io, log } = recorder();
  const events: string[] = [];
  const code = await runSettled("list", io, (s) => {
    leaveUnsettled(() => { events.push("settled"); return true; });
    s.err("note: one\n");
    s.err("progress: two\n");
    events.push(`after notes: ${log.length} written`);
    s.out("answer\n");
    return 0;
  });
  assert.equal(code, 0);
  assert.deepEqual(events, ["after notes: 0 written", "settled"]);
  assert.deepEqual(log, ["err:note: one\n", "err:progress: two\n", "out:answer\n"]);
});

test("settled late: a load that proves not clean drops the held notes and runs the command again on the safe path", async () => {
  const { io, log } = recorder();
  let attempts = 0;
  const code = await runSettled("list", io, (s) => {
    attempts++;
    if (!safeLoadsOnly()) leaveUnsettled(() => false);
    s.err(`note: attempt ${attempts}\n`);
    s.out(`answer ${attempts}\n`);
    return 3;
  });
  assert.equal(code, 3);
  assert.equal(attempts, 2);
  assert.deepEqual(log, ["err:note: attempt 2\n", "out:answer 2\n"]);
});

test("settled late: held notes are written before the command's exit code when it writes no answer", async () => {
  const { io, log } = recorder();
  const code = await runSettled("list", io, (s) => { leaveUnsettled(() => true); s.err("note\n"); return 1; });
  assert.equal(code, 1);
  assert.deepEqual(log, ["err:note\n"]);
});

test("settled late: stderr is written at once when no load is unsettled", async () => {
  const { io, log } = recorder();
  await runSettled("list", io, (s) => { s.err("progress\n"); assert.deepEqual(log, ["err:progress\n"]); return 0; });
});

/** The heap in use after a full collection, in MB. */
function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

/** Writes a list built from `a`, as a command's writer does: a closure on the stack holds what it writes. */
function writeRows(a: { rows: { i: number }[] }, out: (text: string) => void): void {
  const rows = a.rows.map((r) => r);
  [rows.length].forEach((n) => out(`${n} rows (${rows.length})\n`));
}

for (const how of ["a verdict not clean at the first write", "an error on the unchecked load's answer"]) {
  test(`settled: the first run's answer is not kept alive through the run again (${how})`, async () => {
    const { io, log } = recorder();
    const base = heapMb();
    let attempts = 0, during = 0;
    const code = await runSettled("list", io, (settled) => {
      if (attempts++ === 0) {
        // (About 40 MB: the first run's analysis, built on a load that proves not clean.)
        const a = { rows: Array.from({ length: 1_000_000 }, (_, i) => ({ i })) };
        assert.equal(mayLeaveUnsettled(), true);
        leaveUnsettled(() => false);
        if (how.startsWith("an error")) writeRows(a, () => { throw new TypeError("the front end met a value the checks refuse"); });
        writeRows(a, (t) => settled.out(t));
        return 1;
      }
      // The second run: on the safe path, and the first run's objects collectable.
      assert.equal(mayLeaveUnsettled(), false);
      during = heapMb() - base;
      settled.out("answer\n");
      return 0;
    });
    assert.equal(code, 0);
    assert.equal(attempts, 2);
    // Nothing of the first run was written.
    assert.deepEqual(log, ["out:answer\n"]);
    assert.ok(during < 15, `heap during the second run: +${during.toFixed(1)} MB`);
  });
}

test("settled: an error on a load settled clean is the command's own; other commands run as they are", async () => {
  const { io, log } = recorder();
  let attempts = 0;
  await assert.rejects(runSettled("list", io, () => {
    attempts++;
    leaveUnsettled(() => true);
    throw new RangeError("the answer's own error");
  }), RangeError);
  assert.equal(attempts, 1);
  // (Not settled late: no load may be left unsettled.)
  assert.equal(await runSettled("explain", io, () => { assert.equal(mayLeaveUnsettled(), false); return 3; }), 3);
});
