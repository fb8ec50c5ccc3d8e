// An assertion's outcome as data (what `junction test -o json` prints) and its one-line reason.

import type { CheckedExpectation } from "../analyze/expectations.js";
import type { LineLookup } from "../model/source.js";
import { pairData, type PairData } from "./explain.js";

export interface TestResult {
  index: number;
  name?: string;
  from: string;
  to: string;
  port: number | string;
  protocol: string;
  expect: "allow" | "deny";
  verdict: "allow" | "deny";
  /** Some but not all pairs allowed (a workload or Service with several pods). */
  mixed: boolean;
  pass: boolean;
  decidedBy: { egress: string; ingress: string };
  warnings: string[];
  pairs: PairData[];
}

export function testResult(c: CheckedExpectation, lines: LineLookup): TestResult {
  const { index, expectation: x, query: q } = c;
  const pairs = q.pairs.map((p) => pairData(p, lines));
  const verdict = q.allAllowed ? "allow" : "deny";
  const first = pairs.find((p) => p.verdict === verdict) ?? pairs[0];
  return {
    index, name: x.name, from: x.from, to: x.to, port: x.port, protocol: first.protocol, expect: x.expect, verdict,
    mixed: !q.allAllowed && !q.noneAllowed,
    pass: x.expect === "allow" ? q.allAllowed : q.noneAllowed,
    decidedBy: { egress: first.egress.summary, ingress: first.ingress.summary },
    warnings: [...new Set(pairs.flatMap((p) => p.warnings))],
    pairs,
  };
}

/** The direction that says most: the denying one, else one decided by a rule. */
export function decisiveReason(r: TestResult): string {
  const { egress, ingress } = r.decidedBy;
  return (r.verdict === "deny" ? [egress, ingress].find((s) => s.startsWith("denied"))
    : [ingress, egress].find((s) => s.startsWith("allowed by")) ?? ingress) ?? "";
}
