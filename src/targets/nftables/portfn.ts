// For one tier and one address class: which action decides each destination port. The port space
// is cut wherever a rule's ports start or end; inside one piece every rule answers the same, so
// the engine's own tier algorithm (PolicyEngine.tierHit) decides it once, on one representative port.

import { MAX_PORT, PROTOCOLS, portMatches, type NamedPort, type PortMatch, type Protocol } from "../../model/ports.js";
import type { Action, Direction, Policy, Rule, Tier } from "../../model/policy.js";
import type { PolicyEngine, Warning } from "../../engine/verdict.js";

export interface PortRun {
  protocol: Protocol;
  first: number;
  last: number;
  action: Action;
}

export interface PortVerdicts {
  /** Where some rule decides, in protocol and port order; elsewhere no rule of the tier matches. */
  runs: PortRun[];
  /** Traffic of other protocols (ICMP, ...): only rules without ports match it. */
  other?: Action;
}

export interface TierRules {
  engine: PolicyEngine;
  tier: Tier;
  direction: Direction;
  /** The tier's policies selecting the endpoint, in evaluation order. */
  policies: readonly Policy[];
  /** Each rule of those policies (this direction) → its policy's position in `policies`. */
  policyIndex: ReadonlyMap<Rule, number>;
  warnings: Warning[];
}

type Span = readonly [Protocol, number, number];

/** The port spans a match can cover, for finding where the answer may change. */
function spans(m: PortMatch | undefined, destPorts: readonly NamedPort[]): Span[] {
  if (!m) return PROTOCOLS.map((p) => [p, 0, MAX_PORT] as const);
  switch (m.kind) {
    case "protocol": return [[m.protocol, 0, MAX_PORT]];
    case "range": return [[m.protocol, m.first, m.last]];
    case "named": return destPorts.filter((p) => p.name === m.name).map((p) => [p.protocol, p.port, p.port] as const);
  }
}

function covers(rule: Rule, protocol: Protocol, port: number, destPorts: readonly NamedPort[]): boolean {
  return !rule.ports || rule.ports.some((m) => portMatches(m, protocol, port, destPorts));
}

/** The pieces of one protocol's port space, each with the policies that have a rule touching it. */
function pieces(rules: readonly Rule[], policyOf: ReadonlyMap<Rule, number>, protocol: Protocol, destPorts: readonly NamedPort[]) {
  const touching: { first: number; last: number; policy: number }[] = [];
  for (const r of rules) {
    for (const m of r.ports ?? [undefined]) {
      for (const [p, first, last] of spans(m, destPorts)) if (p === protocol) touching.push({ first, last, policy: policyOf.get(r)! });
    }
  }
  const cuts = [...new Set(touching.flatMap((t) => (t.last < MAX_PORT ? [t.first, t.last + 1] : [t.first])))].sort((a, b) => a - b);
  const out = cuts.map((first, i) => ({ first, last: i + 1 < cuts.length ? cuts[i + 1] - 1 : MAX_PORT, policies: new Set<number>() }));
  for (const t of touching) {
    let i = lowerBound(out, t.first);
    for (; i < out.length && out[i].first <= t.last; i++) out[i].policies.add(t.policy);
  }
  return out.filter((p) => p.policies.size > 0);
}

function lowerBound(list: readonly { first: number }[], v: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid].first < v) lo = mid + 1; else hi = mid; }
  return lo;
}

/**
 * The verdicts of a tier for traffic with the remote addresses of one class, whose active rules
 * (those naming the class's addresses, or naming no peers) are `active`.
 */
export function portVerdicts(t: TierRules, active: ReadonlySet<Rule>, destPorts: readonly NamedPort[]): PortVerdicts {
  const policyOf = t.policyIndex;
  const rules = [...active];
  const decide = (candidates: Iterable<number>, match: (r: Rule) => boolean) => {
    const policies = [...candidates].sort((a, b) => a - b).map((i) => t.policies[i]);
    return t.engine.tierHit(t.tier, policies, t.direction, (r) => active.has(r) && match(r), t.warnings)?.rule.action;
  };
  const runs: PortRun[] = [];
  for (const protocol of PROTOCOLS) {
    for (const piece of pieces(rules, policyOf, protocol, destPorts)) {
      const action = decide(piece.policies, (r) => covers(r, protocol, piece.first, destPorts));
      if (!action) continue;
      const last = runs[runs.length - 1];
      if (last && last.protocol === protocol && last.action === action && last.last + 1 === piece.first) last.last = piece.last;
      else runs.push({ protocol, first: piece.first, last: piece.last, action });
    }
  }
  const portless = new Set(rules.filter((r) => !r.ports).map((r) => policyOf.get(r)!));
  return { runs, other: portless.size ? decide(portless, (r) => !r.ports) : undefined };
}
