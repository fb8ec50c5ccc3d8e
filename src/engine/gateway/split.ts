// A rule's traffic split: each backendRef's share (weights are shares of their sum; weight 0
// gets nothing) and the backend an answer follows (the largest share, first among equals).

import type { BackendRef, RouteRule } from "../../model/route.js";
import { failureOf, type BackendFailure, type ResolvedBackend } from "./backends.js";
import type { BackendShare } from "./request.js";
import type { EndpointReader } from "../../model/service-endpoints.js";

export interface Split {
  shares: BackendShare[];
  picked?: ResolvedBackend;
  /** Why the rule cannot forward (no backends, all weights 0, or the picked backend is unresolved): 500. */
  problem?: string;
  /** The picked backend resolves but cannot serve (no ready endpoint: 503). */
  failure?: BackendFailure;
  /** The part of the traffic that goes to unresolved backends (answered 500), when some does. */
  failing?: string;
}

/**
 * `originatesTls`: the Gateway speaks TLS to the backends under their BackendTLSPolicy (not for passthrough, TCP, UDP); `reader`: who picks their endpoints; `panicThreshold`: Envoy's (failureOf).
 * `emptyRule`: where a rule without backendRefs sends its requests (a Linkerd client's parent: mesh/route.ts linkerdOutbound); without it, nowhere (500).
 * `lone`: a rule's one backendRef is used whatever its weight (Linkerd's proxy: linkerd/distribute params.rs
 * Distribution::random_available, "if weighted_keys.len() < 2 { return Ok(Self::FirstAvailable(...)) }").
 */
export function splitOf(rule: RouteRule, resolved: ReadonlyMap<BackendRef, ResolvedBackend>, originatesTls = true, reader: EndpointReader = "proxy", panicThreshold?: number, emptyRule?: ResolvedBackend, lone = false): Split {
  const failure = (r: ResolvedBackend | undefined) => r && failureOf(r, originatesTls, reader, panicThreshold);
  const shares = rule.backends.map((ref) => {
    const r = resolved.get(ref);
    const f = failure(r);
    const problem = r?.problem ? `${r.problem.reason}: ${r.problem.message}` : f ? `${f.status}: ${f.message}` : undefined;
    return { name: `${ref.namespace}/${ref.name}`, kind: ref.kind, port: ref.port, weight: ref.weight, problem };
  });
  if (!rule.backends.length && emptyRule) return { shares: [{ name: emptyRule.name, kind: emptyRule.ref.kind, port: emptyRule.ref.port, weight: 1 }], picked: emptyRule, failure: failure(emptyRule) };
  if (!rule.backends.length) return { shares, problem: "the rule has no backendRefs" };
  let best = -1;
  rule.backends.forEach((ref, i) => { if (ref.weight > 0 && (best < 0 || ref.weight > rule.backends[best].weight)) best = i; });
  if (best < 0 && lone && rule.backends.length === 1) best = 0;
  if (best < 0) return { shares, problem: "every backendRef has weight 0" };
  const picked = resolved.get(rule.backends[best]);
  if (!picked || picked.problem) return { shares, picked, problem: `backend ${shares[best].name} cannot be used (${shares[best].problem})` };
  const total = shares.reduce((n, b) => n + b.weight, 0) || 1;
  const bad = rule.backends.filter((ref, i) => shares[i].problem && ref.weight > 0);
  const pct = Math.round((bad.reduce((n, b) => n + b.weight, 0) / total) * 1000) / 10;
  const statuses = [...new Set(bad.map((ref) => failure(resolved.get(ref))?.status ?? 500))].join(" or ");
  return {
    shares, picked, failure: failure(picked),
    failing: bad.length ? `${pct}% of the requests go to ${bad.map((b) => `${b.namespace}/${b.name}`).join(", ")}, which cannot be used, and get ${statuses}` : undefined,
  };
}
