// --verify for compile and convert: load the input again with the translated objects in place of
// the originals and prove that every endpoint class and address range gets the same connections.

import { compareConnectivity, compareRequests, type FlowDiff, type Narrowing, type RequestDiff } from "../analyze/equivalence.js";
import { boundaryRequests } from "../analyze/boundary-requests.js";
import { Matcher } from "../engine/match.js";
import { InventoryIndex } from "../model/inventory.js";
import type { Inventory } from "../model/inventory.js";
import type { Endpoint } from "../model/endpoint.js";
import { Analysis } from "./analysis.js";
import { FastConnectivity } from "../engine/fast/connectivity.js";
import { PolicyEngine } from "../engine/verdict.js";
import { resolvedOptions, type EngineOptions } from "../engine/options.js";
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

/**
 * Prints the outcome to stderr; returns the exit code (1 when some flow differs). `refusedOk`: the
 * destinations where a connection allowed before may be refused after (a translation of a mesh's
 * request authorization, compared per request instead); connections gained there still differ.
 */
export function verifyTranslation(loaded: Loaded, given: EngineOptions, replaced: (raw: RawObject) => boolean, generated: string, io: Io, refusedOk?: (dst: Endpoint | undefined) => boolean): number {
  // Both sides on the input's data plane (--own-node=auto as the input shows it).
  const options = resolvedOptions(given, loaded.inventory);
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
  if (refusedOk) result.diffs = result.diffs.map((d) => (refusedOk(d.dst.endpoint) ? { ...d, lost: [] } : d)).filter((d) => d.lost.length || d.gained.length);
  for (const d of result.diffs) io.err(`verify: differs: ${formatDiff(d)}\n`);
  const what = `${result.classes} endpoint classes and address ranges, ${result.pairs} ordered pairs, every port interval`;
  io.err(result.diffs.length ? `verify: FAILED: ${result.diffs.length} flow${result.diffs.length === 1 ? "" : "s"} differ (${what})\n` : `verify: equivalent (${what})\n`);
  return result.diffs.length ? EXIT.failed : EXIT.ok;
}

/** At most this many differing requests are printed. */
const MAX_SHOWN = 20;

function formatRequestDiff(d: RequestDiff): string {
  const r = d.request;
  return `${r.from} → ${r.method} http://${r.host}:${r.port}${r.path}${r.headers.map(([k, v]) => ` -H '${k}: ${v}'`).join("")}: ${d.before} before, ${d.after} after`;
}

/**
 * --verify for translations that decide requests: the input again with the translated objects in
 * place of the originals; the requests at the boundaries of every request rule must be allowed alike.
 * `prepare` puts the command's mesh options into the reloaded inventory.
 */
export function verifyRequests(loaded: Loaded, given: EngineOptions, replaced: (raw: RawObject) => boolean, generated: string, io: Io, prepare: (inv: Inventory) => void, narrowing?: Narrowing, rulesAfter = false): number {
  const options = resolvedOptions(given, loaded.inventory);
  const after = reloadWith(loaded, replaced, generated);
  if (after.diagnostics.errors.length) {
    for (const d of after.diagnostics.errors) io.err(`verify: the output does not load: ${formatDiagnostic(d)}\n`);
    return EXIT.failed;
  }
  prepare(after.inventory);
  const matcher = new Matcher(new InventoryIndex(loaded.inventory), options);
  const requests = boundaryRequests(loaded.inventory, (s, e) => matcher.selects(s, e));
  // A translation into request rules (a mesh's authorization into the common API): their boundaries too.
  if (rulesAfter) {
    const seen = new Set(requests.map((r) => JSON.stringify(r)));
    const m = new Matcher(new InventoryIndex(after.inventory), options);
    for (const r of boundaryRequests(after.inventory, (s, e) => m.selects(s, e))) if (!seen.has(JSON.stringify(r))) { seen.add(JSON.stringify(r)); requests.push(r); }
  }
  const diffs = compareRequests(new Analysis(loaded, options).walk, new Analysis(after, options).walk, requests, narrowing);
  for (const d of diffs.slice(0, MAX_SHOWN)) io.err(`verify: differs: ${formatRequestDiff(d)}\n`);
  if (diffs.length > MAX_SHOWN) io.err(`verify: ... and ${diffs.length - MAX_SHOWN} more\n`);
  if (!requests.length) { io.err("verify: no policy with request rules selects a pod of the input: no request to compare\n"); return EXIT.ok; }
  const apart = [narrowing?.seen.length ? `${narrowing.seen.length} of them allowed before and refused after` : "", narrowing?.broader?.length ? `${narrowing.broader.length} refused before and allowed after` : ""].filter(Boolean).join(", ");
  const narrowed = apart ? `; ${apart}, as documented: ${narrowing!.what}` : "";
  const what = `${requests.length} requests at the boundaries of the request rules${narrowed}`;
  io.err(diffs.length ? `verify: FAILED: ${diffs.length} of ${what} differ\n` : `verify: equivalent per request (${what})\n`);
  return diffs.length ? EXIT.failed : EXIT.ok;
}
