// --verify for compile and convert: load the input again with the translated objects in place of
// the originals and prove that every endpoint class and address range gets the same connections.

import { compareConnectivity, type FlowDiff } from "../analyze/equivalence.js";
import { FastConnectivity } from "../engine/fast/connectivity.js";
import { PolicyEngine } from "../engine/verdict.js";
import type { EngineOptions } from "../engine/options.js";
import { formatDiagnostic } from "../model/source.js";
import type { RawObject } from "../sources/documents.js";
import type { Loaded } from "../sources/load.js";
import { reloadWith } from "../sources/replace.js";
import { partyLabel } from "../targets/names.js";
import { EXIT, type Io } from "./command.js";

export const VERIFY_OPTION = {
  verify: { type: "boolean" as const, description: "prove the output equivalent: same connections for every endpoint class, address range and port interval (exit 1 on a difference)" },
};

function formatIntervals(iv: readonly (readonly [number, number])[]): string {
  return iv.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(",");
}

export function formatDiff(d: FlowDiff): string {
  const parts = [d.lost.length ? `allowed before, denied after: ${d.protocol} ${formatIntervals(d.lost)}` : "", d.gained.length ? `denied before, allowed after: ${d.protocol} ${formatIntervals(d.gained)}` : ""];
  return `${partyLabel(d.src)} → ${partyLabel(d.dst)}: ${parts.filter(Boolean).join("; ")}`;
}

/** Prints the outcome to stderr; returns the exit code (1 when some flow differs). */
export function verifyTranslation(loaded: Loaded, options: EngineOptions, replaced: (raw: RawObject) => boolean, generated: string, io: Io): number {
  const after = reloadWith(loaded, replaced, generated);
  const errors = after.diagnostics.errors;
  if (errors.length) {
    for (const d of errors) io.err(`verify: the output does not load: ${formatDiagnostic(d)}\n`);
    return EXIT.failed;
  }
  const side = (l: Loaded) => ({ inventory: l.inventory, connectivity: new FastConnectivity(new PolicyEngine(l.inventory, options)) });
  let last = 0;
  const result = compareConnectivity(side(loaded), side(after), (done, total) => {
    if (total > 200 && done - last >= total / 10) { last = done; io.err(`verify: ${Math.round((100 * done) / total)}%\n`); }
  });
  for (const d of result.diffs) io.err(`verify: differs: ${formatDiff(d)}\n`);
  const what = `${result.classes} endpoint classes and address ranges, ${result.pairs} ordered pairs, every port interval`;
  io.err(result.diffs.length ? `verify: FAILED: ${result.diffs.length} flow${result.diffs.length === 1 ? "" : "s"} differ (${what})\n` : `verify: equivalent (${what})\n`);
  return result.diffs.length ? EXIT.failed : EXIT.ok;
}
