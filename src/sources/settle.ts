// The optimistic load settled late (sources/checkahead.ts, load.ts loadPaths `settleLater`): the
// state between a load that parsed its files unchecked and the first thing its command writes. Its
// own module, loading nothing: cli/settled.ts (loaded by run.ts for every command) reads it.

/** A load settled late had a verdict that was not clean: the command runs again, on the safe path. */
export class LoadRedo extends Error {}

/** What settles the load left unsettled (true: every verdict clean), and ends its worker. */
let unsettled: (() => boolean) | undefined;

/** A load was redone: loads after it are never optimistic (the command's second run). */
let safeOnly = false;

/** Loads may be left unsettled (cli/settled.ts runSettled runs a command that settles them). */
let late = false;

/** Leaves a load unsettled (load.ts): settleLoad settles it. */
export function leaveUnsettled(settle: () => boolean): void {
  settleLoad();
  unsettled = settle;
}

/**
 * Settles the load left unsettled, if any: returns when every file it parsed unchecked was judged
 * clean (its result is the safe path's), else throws LoadRedo, and every load after it runs on the
 * safe path until endRun.
 */
export function settleLoad(): void {
  const settle = unsettled;
  if (!settle) return;
  unsettled = undefined;
  if (settle()) return;
  safeOnly = true;
  throw new LoadRedo("a file parsed unchecked was not clean: load again with every check");
}

/** Whether a load was left unsettled and has not been settled yet. */
export function unsettledLoad(): boolean {
  return unsettled !== undefined;
}

/** Whether loads must take the safe path (a run after a redo). */
export function safeLoadsOnly(): boolean {
  return safeOnly;
}

/** Whether a load may be left unsettled (a command run by runSettled, on its first attempt). */
export function mayLeaveUnsettled(): boolean {
  return late && !safeOnly;
}

/** A command's run starts (`allowed`: its loads may be left unsettled), or ends (undefined: a load still unsettled is settled, its verdicts unused). */
export function runState(allowed: boolean | undefined): void {
  if (allowed !== undefined) { late = allowed; return; }
  late = false;
  try { settleLoad(); } catch { /* nothing more is written */ }
  safeOnly = false;
}
