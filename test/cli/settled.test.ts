// cli/settled.ts runSettled: a command whose optimistic load is settled late (sources/settle.ts),
// run again on the safe path when a verdict is not clean.

import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { runSettled } from "../../src/cli/settled.js";
import { leaveUnsettled, mayLeaveUnsettled } from "../../src/sources/settle.js";
import type { Io } from "../../src/cli/command.js";

setFlagsFromString("--expose_gc");
const gc = runInNewContext("gc") as () => void;

/** The heap in use after a full collection, in MB. */
function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

function sink(): Io & { written: string[] } {
  const written: string[] = [];
  return { written, out: (t) => { written.push(t); }, err: (t) => { written.push(`err:${t}`); }, stdin: () => "", cwd: "/" };
}

/** Writes a list built from `a`, as a command's writer does: a closure on the stack holds what it writes. */
function writeRows(a: { rows: { i: number }[] }, out: (text: string) => void): void {
  const rows = a.rows.map((r) => r);
  [rows.length].forEach((n) => out(`${n} rows (${rows.length})\n`));
}

for (const how of ["a verdict not clean at the first write", "an error on the unchecked load's answer"]) {
  test(`settled: the first run's answer is not kept alive through the run again (${how})`, async () => {
    const io = sink();
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
    assert.deepEqual(io.written, ["answer\n"]);
    assert.ok(during < 15, `heap during the second run: +${during.toFixed(1)} MB`);
  });
}

test("settled: an error on a load settled clean is the command's own; other commands run as they are", async () => {
  const io = sink();
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
