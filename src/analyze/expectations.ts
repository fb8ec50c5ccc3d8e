// Connectivity assertions answered by the engine: each assertion's endpoints resolved and every
// (source, destination) pair evaluated. `junction test` reports them; `junction lab probe` also
// sends real packets for each pair.

import { resolveEndpoint } from "../engine/endpoints.js";
import { evaluateQuery, type QueryResult } from "../engine/query.js";
import type { PolicyEngine } from "../engine/verdict.js";
import type { Expectation } from "../sources/expectations.js";

export interface CheckedExpectation {
  index: number;
  expectation: Expectation;
  query: QueryResult;
}

/** Every assertion evaluated; endpoints that do not resolve are returned as problems, one line each. */
export function evaluateExpectations(engine: PolicyEngine, expectations: readonly Expectation[]): { checked: CheckedExpectation[]; problems: string[] } {
  const problems: string[] = [];
  const checked: CheckedExpectation[] = [];
  expectations.forEach((x, index) => {
    const at = `${x.ref.file} assertion ${index + 1}${x.name ? ` (${x.name})` : ""}`;
    const src = resolveEndpoint(engine.index, x.from);
    const dst = resolveEndpoint(engine.index, x.to);
    if (!src.ok) problems.push(`${at} from: ${src.error}`);
    if (!dst.ok) problems.push(`${at} to: ${dst.error}`);
    if (!src.ok || !dst.ok) return;
    const q = evaluateQuery(engine, src.value, dst.value, x.port, x.protocol);
    if (!q.ok) { problems.push(`${at}: ${q.error}`); return; }
    checked.push({ index, expectation: x, query: q.value });
  });
  return { checked, problems };
}
