// The host agent: compiles the host's ruleset from the inputs and loads it atomically; watches the
// inputs and reloads on change; on invalid input keeps the ruleset that is loaded and says why.

import { readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { EngineOptions } from "../engine/options.js";
import { resolveHost } from "../engine/endpoints.js";
import { PolicyEngine } from "../engine/verdict.js";
import { formatDiagnostic } from "../model/source.js";
import { loadPaths } from "../sources/load.js";
import { expandPath } from "../sources/glob.js";
import { skipsFolder, type ReadOptions } from "../sources/read.js";
import { compileHost, type FailsafePort } from "../targets/nftables/host.js";
import { unifiedDiff } from "../targets/linediff.js";
import { renderTable } from "../targets/nftables/ruleset.js";
import { formatProblem } from "../targets/problems.js";
import { applyTable, listTable, normalizeTable } from "./nft.js";

export interface AgentConfig {
  paths: readonly string[];
  /** How the paths are read (-R, --max-input-size). */
  read?: ReadOptions;
  host: string;
  options: EngineOptions;
  failsafe: readonly FailsafePort[];
  /** Downgrade object errors to warnings (as --lenient does elsewhere). */
  lenient: boolean;
  /** Load into this named network namespace instead of the agent's own. */
  netns?: string;
}

export type Compiled =
  | { ok: true; text: string; warnings: string[]; chains: number; sets: number }
  | { ok: false; errors: string[] };

export function compileForAgent(cfg: AgentConfig): Compiled {
  const loaded = loadPaths(cfg.paths, undefined, cfg.read);
  const items = loaded.diagnostics.items;
  const errors = items.filter((d) => d.severity === "error" && !(cfg.lenient && !d.code.startsWith("input-")));
  if (errors.length) return { ok: false, errors: errors.map(formatDiagnostic) };
  const engine = new PolicyEngine(loaded.inventory, cfg.options);
  const host = resolveHost(engine.index, cfg.host);
  if (!host.ok) return { ok: false, errors: [`--host: ${host.error}`] };
  const r = compileHost(engine, host.endpoint, cfg.failsafe);
  if (r.problems.length) return { ok: false, errors: r.problems.map((p) => formatProblem(p, loaded.locator.lineOf.bind(loaded.locator))) };
  const warnings = [...items.filter((d) => d.severity === "warning" || (d.severity === "error" && cfg.lenient)).map(formatDiagnostic), ...r.warnings];
  return { ok: true, text: renderTable(r.table), warnings, chains: r.table.chains.length, sets: r.table.sets.length };
}

/** What loading `text` would change, as a diff of `nft list` outputs; "" when nothing. */
export function dryRunDiff(text: string, netns?: string): string {
  const loaded = listTable(netns);
  return unifiedDiff(loaded ?? "", normalizeTable(text), [loaded === undefined ? "loaded (no table inet junction)" : "loaded", "compiled"]);
}

export function applyRuleset(text: string, netns?: string): void {
  applyTable(text, netns);
}

/** Folders under `dir` (itself included) that the reader reads: hidden ones and node_modules only with -R, .git never. */
function folders(dir: string, recursive: boolean): string[] {
  const out = [dir];
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== ".git" && !skipsFolder(e.name, recursive)) out.push(...folders(join(dir, e.name), recursive));
    }
  } catch { /* gone meanwhile */ }
  return out;
}

/**
 * Calls `onChange` (debounced) whenever a file under `paths` changes (in subfolders too; in hidden
 * ones and node_modules only with `recursive`, -R). Folders are watched, not files, so that editors
 * that replace a file by renaming another over it are seen; new subfolders are watched from the next
 * event on. Returns a stop function.
 */
export function watchInputs(paths: readonly string[], onChange: () => void, recursive = false, debounceMs = 300): () => void {
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  const targets = paths.flatMap(expandPath).filter((p) => p !== "-").map((p) => resolve(p));
  const watchFolder = (dir: string, only?: string) => {
    if (watchers.has(dir)) return;
    try {
      watchers.set(dir, watch(dir, (_e, name) => {
        if (only && name && name !== only) return;
        clearTimeout(timer);
        timer = setTimeout(() => { rescan(); onChange(); }, debounceMs);
      }));
    } catch { /* not there (yet) */ }
  };
  const rescan = () => {
    for (const t of targets) {
      let isDir = false;
      try { isDir = statSync(t).isDirectory(); } catch { /* a file not created yet: its folder is watched */ }
      if (isDir) for (const d of folders(t, recursive)) watchFolder(d);
      else watchFolder(dirname(t), basename(t));
    }
  };
  rescan();
  return () => { clearTimeout(timer); for (const w of watchers.values()) w.close(); };
}
