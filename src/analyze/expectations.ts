// Connectivity assertions answered by the engine: each assertion's endpoints resolved and every
// (source, destination) pair evaluated. `junction test` reports them; `junction lab probe` also
// sends real packets for each pair.

import { resolveEndpoint } from "../engine/endpoints.js";
import { evaluateQuery, type QueryResult } from "../engine/query.js";
import type { PolicyEngine } from "../engine/verdict.js";
import type { Expectation } from "../sources/expectations.js";

export interface CheckedExpectation {
  /** 1-based, as every report numbers assertions. */
  index: number;
  expectation: Expectation;
  query: QueryResult;
}

/** Every assertion evaluated; endpoints that do not resolve are returned as problems, one line each. */
export function evaluateExpectations(engine: PolicyEngine, expectations: readonly Expectation[], namespace?: string): { checked: CheckedExpectation[]; problems: string[] } {
  const problems: string[] = [];
  const checked: CheckedExpectation[] = [];
  expectations.forEach((x, index) => {
    const n = x.position ?? index + 1;
    const at = `${x.ref.file}${x.line ? `:${x.line}` : ""}: assertion ${n}${x.name ? ` (${x.name})` : ""}`;
    const src = resolveEndpoint(engine.index, x.from, namespace);
    const dst = resolveEndpoint(engine.index, x.to, namespace);
    if (!src.ok) problems.push(`${at}, from: ${src.error}`);
    if (!dst.ok) problems.push(`${at}, to: ${dst.error}`);
    if (!src.ok || !dst.ok) return;
    const q = evaluateQuery(engine, src.value, dst.value, x.port, x.protocol);
    if (!q.ok) { problems.push(`${at}: ${q.error}`); return; }
    checked.push({ index: n, expectation: x, query: q.value });
  });
  return { checked, problems };
}
