// `junction lab probe` results: each assertion as `junction test` reports it, plus what the kernel
// did (`real`), and a table with the expectation, the engine's verdict and the real result side by side.

import type { CheckedExpectation } from "../analyze/expectations.js";
import type { LineLookup } from "../model/source.js";
import type { PairData } from "./explain.js";
import { renderTable } from "./table.js";
import { decisiveReason, testResult, type TestResult } from "./testresult.js";

export type RealVerdict = "allow" | "deny" | "mixed" | "error";

export interface PairProbeData {
  real: "allow" | "deny" | "error";
  outcome: string;
  detail?: string;
  netns: string;
  address: string;
}

export interface LabResult extends Omit<TestResult, "pairs"> {
  /** What real connections did: allowed (connected, or refused by a host with nothing listening), denied (timed out). */
  real: RealVerdict;
  /** `pass`: the expectation, the engine and the kernel all agree. */
  pairs: (PairData & { probe: PairProbeData })[];
}

function realOf(probes: readonly PairProbeData[]): RealVerdict {
  if (probes.some((p) => p.real === "error")) return "error";
  if (probes.every((p) => p.real === "allow")) return "allow";
  return probes.every((p) => p.real === "deny") ? "deny" : "mixed";
}

export function labResult(c: CheckedExpectation, probes: readonly PairProbeData[], lines: LineLookup): LabResult {
  const t = testResult(c, lines);
  const real = realOf(probes);
  return { ...t, real, pass: t.pass && real === t.expect, pairs: t.pairs.map((p, i) => ({ ...p, probe: probes[i] })) };
}

function realCell(r: LabResult): string {
  const refused = r.pairs.some((p) => p.probe.outcome === "refused");
  const error = r.pairs.find((p) => p.probe.real === "error");
  return r.real + (error ? ` (${error.probe.detail ?? "probe failed"})` : refused && r.real === "allow" ? " (nothing listens)" : "");
}

function resultCell(r: LabResult): string {
  if (r.pass) return "ok";
  const engineWrong = r.verdict !== r.expect || r.mixed;
  const kernelDiffers = r.real !== r.verdict || r.mixed;
  return `FAIL${engineWrong ? " engine≠expected" : ""}${kernelDiffers ? " kernel≠engine" : ""}`;
}

export function labResultsTable(results: readonly LabResult[]): string {
  const rows = results.map((r) => [r.index, r.from, r.to, `${r.protocol}/${r.port}`, r.expect, r.verdict + (r.mixed ? " (mixed)" : ""), realCell(r), resultCell(r), decisiveReason({ ...r, pairs: [] })]);
  const failed = results.filter((r) => !r.pass);
  const kernel = results.filter((r) => r.real !== r.verdict).length;
  return renderTable(["#", "FROM", "TO", "PORT", "EXPECT", "ENGINE", "REAL", "RESULT", "DECIDED BY"], rows) +
    `\n${results.length - failed.length} agree, ${failed.length} disagree${failed.length ? ` (kernel and engine differ on ${kernel})` : ""}\n`;
}
