// The loop the three agents share (host firewall, address groups, gateway nginx): one step at
// start, then a step whenever an input changes (and on SIGHUP where it reloads), until
// SIGINT/SIGTERM, leaving what was loaded in place.

import { watchInputs } from "../sources/watch.js";
import { EXIT, type Io } from "./command.js";

/** What one step did: loaded (or nothing to do), a change pending (dry run) or invalid input. */
export type StepResult = "ok" | "pending" | "invalid";

/** A single (not --watch) run's exit status: 1 for a pending change, as kubectl diff. */
export const STEP_EXIT: Record<StepResult, number> = { ok: EXIT.ok, pending: EXIT.failed, invalid: EXIT.invalid };

export const stamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** Prints why the input was refused and what stays in effect. */
export function reportInvalid(io: Io, errors: readonly string[], keeping: string): void {
  io.err(`${stamp()} invalid input; ${keeping}:\n${errors.map((e) => `  error: ${e}\n`).join("")}`);
}

export interface WatchLoop {
  paths: readonly string[];
  /** -R: changes in subfolders count too. */
  recursive?: boolean;
  io: Io;
  /** Runs one step; the loop ignores its result (the step prints what happened). */
  tick: () => void;
  /** Also reload on SIGHUP. */
  sighup?: boolean;
  /** Another change source (a cluster's watch): started with a debounced tick, stopped at the end. */
  extra?: { start: (tick: () => void) => void; stop: () => void };
  /** What is watched, after "watching ". */
  watching: string;
  /** What stays in effect after the agent stops. */
  stopping: string;
}

/** Ticks once, then on every change until SIGINT/SIGTERM; resolves to exit 0. */
export function watchUntilStopped(w: WatchLoop): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const debounced = () => { timer ??= setTimeout(() => { timer = undefined; w.tick(); }, 200); };
  w.tick();
  const files = watchInputs(w.paths, () => w.tick(), { recursive: w.recursive, delayMs: 300, onTrouble: (m) => w.io.err(`${stamp()} warning: ${m}\n`) });
  w.extra?.start(debounced);
  const signals = w.sighup ? "SIGHUP reloads, SIGINT/SIGTERM stop" : "SIGINT/SIGTERM stop";
  w.io.err(`${stamp()} watching ${w.watching} (${signals})\n`);
  return new Promise((resolve) => {
    const end = () => {
      files.close();
      clearTimeout(timer);
      w.extra?.stop();
      if (w.sighup) process.off("SIGHUP", w.tick);
      w.io.err(`${stamp()} stopping; ${w.stopping}\n`);
      resolve(EXIT.ok);
    };
    process.once("SIGINT", end);
    process.once("SIGTERM", end);
    if (w.sighup) process.on("SIGHUP", w.tick);
  });
}
