// The host agent: compiles the host's ruleset from the inputs and loads it atomically; watches the
// inputs (sources/watch.ts) and reloads on change; on invalid input keeps the ruleset that is loaded and says why.

import type { EngineOptions } from "../engine/options.js";
import { resolveHost } from "../engine/endpoints.js";
import { PolicyEngine } from "../engine/verdict.js";
import { formatDiagnostic } from "../model/source.js";
import { loadPaths } from "../sources/load.js";
import type { ReadOptions } from "../sources/read.js";
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
