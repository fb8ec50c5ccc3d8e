// runSettled (src/cli/settled.ts): what a command settled late writes to stderr before its load settles
// (progress lines, notes) is held until then, so a run without -q also settles late and a redo writes
// only what the safe path writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSettled } from "../../src/cli/settled.js";
import { leaveUnsettled, safeLoadsOnly } from "../../src/sources/settle.js";
import type { Io } from "../../src/cli/command.js";

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
