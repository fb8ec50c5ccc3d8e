// Running a command whose optimistic load is settled late (sources/checkahead.ts, sources/settle.ts):
// the check-ahead worker judges on while the command builds its engine and its answer, and the first
// byte it writes, its exit code or its error waits for every verdict. Loads nothing heavy: run.ts
// runs every command through it.

import type { Io } from "./command.js";
import { LoadRedo, runState, settleLoad, unsettledLoad } from "../sources/settle.js";

/**
 * The commands whose loads are settled late. What they do goes through `io` and their return value
 * only (no file written, no server, nothing written from a callback after they return), so a run on
 * a load that proves not clean can be dropped, nothing written, and made again.
 */
export const SETTLED_LATE: ReadonlySet<string> = new Set(["list"]);

/**
 * Runs a command: one of SETTLED_LATE with every write to stdout settling its load first, and its exit
 * code or error waiting for it too; when a verdict is not clean (LoadRedo) nothing has been written,
 * and the command runs again from the start, every load on the safe path (the checks on the main
 * thread): its answer, diagnostics and exit code are those of a run without the optimistic load.
 * What it writes to stderr while its load is unsettled (the progress lines and notes of a run without
 * -q: warnings and errors settle the load when it ends, inputs.ts) is held until the load settles:
 * written then when it is clean, dropped when the run is made again (which writes its own).
 */
export async function runSettled(name: string, io: Io, run: (io: Io) => number | Promise<number>): Promise<number> {
  if (!SETTLED_LATE.has(name)) return run(io);
  let held: string[] = [];
  const settle = (): void => {
    settleLoad();
    if (held.length === 0) return;
    const texts = held;
    held = [];
    for (const text of texts) io.err(text);
  };
  const settled: Io = {
    out: (text) => { settle(); io.out(text); },
    ...(io.outEscaped ? { outEscaped: (text: string) => { settle(); io.outEscaped!(text); } } : {}),
    ...(io.outBytes ? { outBytes: (bytes: Uint8Array) => { settle(); io.outBytes!(bytes); } } : {}),
    err: (text) => { if (unsettledLoad()) held.push(text); else { settle(); io.err(text); } },
    stdin: io.stdin.bind(io),
    cwd: io.cwd,
  };
  try {
    for (let attempt = 0; ; attempt++) {
      runState(attempt === 0);
      held = [];
      try {
        const code = await run(settled);
        settle();
        return code;
      } catch (e) {
        if (e instanceof LoadRedo && attempt === 0) continue;
        // (An error on the answer of an unchecked load is the safe path's only if every verdict was clean.)
        try { settle(); } catch (redo) { if (redo instanceof LoadRedo && attempt === 0) continue; throw redo; }
        throw e;
      }
    }
  } finally {
    runState(undefined);
  }
}
