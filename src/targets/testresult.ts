// An assertion's outcome as data (what `junction test -o json` prints) and its one-line reason.

import type { CheckedExpectation } from "../analyze/expectations.js";
import type { RequestAnswer } from "../engine/request.js";
import { shownScheme, type RouteRequest } from "../model/request.js";
import type { RequestExpectation } from "../sources/expectations.js";
import type { LineLookup } from "../model/source.js";
import { pairData, type PairData } from "./explain.js";
import { withPort } from "./route.js";

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

/** A request assertion's outcome as data: the walked answer, and whether it is what was expected. */
export interface RequestTestResult {
  index: number;
  name?: string;
  from: string;
  request: string;
  expect: "allow" | "deny" | number;
  /** allow: the backend answered; deny: a layer denied or refused the request. */
  verdict: "allow" | "deny";
  status: number | null;
  connection?: string;
  pass: boolean;
  /** The layer that answered, and why. */
  decidedBy: string;
  reason: string;
  answer: Record<string, unknown>;
}

export function requestTestResult(x: RequestExpectation, a: RequestAnswer, answer: Record<string, unknown>): RequestTestResult {
  const verdict = a.decidedBy === "backend" ? "allow" : "deny";
  const pass = typeof x.expect === "number" ? a.status === x.expect : x.expect === verdict;
  return {
    index: x.position, ...(x.name ? { name: x.name } : {}), from: x.from, request: requestText(x.request), expect: x.expect, verdict,
    status: a.status, ...(a.connection ? { connection: a.connection } : {}), pass, decidedBy: a.decidedBy, reason: a.reason ?? "", answer,
  };
}

/** The request as it was written: "GET http://host/path", "tcp://host:9000". */
function requestText(r: RouteRequest): string {
  const l4 = r.scheme === "tcp" || r.scheme === "udp" || r.scheme === "tls";
  return `${l4 ? "" : `${r.method} `}${shownScheme(r)}://${withPort(r.host ?? "", r.port)}${l4 ? "" : r.path}`;
}
