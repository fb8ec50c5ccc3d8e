// A rule's traffic split: each backendRef's share (weights are shares of their sum; weight 0
// gets nothing) and the backend an answer follows (the largest share, first among equals).

import type { BackendRef, RouteRule } from "../../model/route.js";
import type { ResolvedBackend } from "./backends.js";
import type { BackendShare } from "./request.js";

export interface Split {
  shares: BackendShare[];
  picked?: ResolvedBackend;
  /** Why the rule cannot forward (no backends, all weights 0, or the picked backend is unresolved). */
  problem?: string;
  /** The part of the traffic that goes to unresolved backends (answered 500), when some does. */
  failing?: string;
}

export function splitOf(rule: RouteRule, resolved: ReadonlyMap<BackendRef, ResolvedBackend>): Split {
  const shares = rule.backends.map((ref) => {
    const r = resolved.get(ref);
    return { name: `${ref.namespace}/${ref.name}`, kind: ref.kind, port: ref.port, weight: ref.weight, problem: r?.problem ? `${r.problem.reason}: ${r.problem.message}` : undefined };
  });
  if (!rule.backends.length) return { shares, problem: "the rule has no backendRefs" };
  let best = -1;
  rule.backends.forEach((ref, i) => { if (ref.weight > 0 && (best < 0 || ref.weight > rule.backends[best].weight)) best = i; });
  if (best < 0) return { shares, problem: "every backendRef has weight 0" };
  const picked = resolved.get(rule.backends[best]);
  if (!picked || picked.problem) return { shares, picked, problem: `backend ${shares[best].name} cannot be used (${shares[best].problem})` };
  const total = shares.reduce((n, b) => n + b.weight, 0);
  const bad = shares.filter((b) => b.problem && b.weight > 0);
  const pct = Math.round((bad.reduce((n, b) => n + b.weight, 0) / total) * 1000) / 10;
  return { shares, picked, failing: bad.length ? `${pct}% of the requests go to ${bad.map((b) => b.name).join(", ")}, which cannot be used, and get 500` : undefined };
}
