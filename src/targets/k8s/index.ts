// The Kubernetes back end: every policy of the inventory as NetworkPolicy, AdminNetworkPolicy and
// BaselineAdminNetworkPolicy objects that decide every flow between pods exactly as the engine
// does. What the APIs cannot say is returned as problems, never approximated.

import type { Inventory } from "../../model/inventory.js";
import { policyName, type Policy } from "../../model/policy.js";
import { problemFrom, type Problem } from "../problems.js";
import { K8sContext } from "./context.js";
import { adminNetworkPolicy, baselinePolicy, networkPolicy, type RuleFailure } from "./policies.js";

export interface Compiled {
  objects: object[];
  problems: Problem[];
}

const ANP_MAX_PRIORITY = 1000;

/** Engine order: priority, then namespace/name. */
export function byPriority(a: Policy, b: Policy): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const an = policyName(a), bn = policyName(b);
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/**
 * ANP priorities keeping the engine's order. Kept as written when they are distinct integers
 * within 0-1000; otherwise renumbered in order (upstream leaves equal priorities undefined).
 */
export function adminPriorities(policies: readonly Policy[]): number[] {
  const ps = policies.map((p) => p.priority);
  const keep = ps.every((p, i) => Number.isInteger(p) && p <= ANP_MAX_PRIORITY && (i === 0 || p > ps[i - 1]));
  if (keep) return ps;
  const step = policies.length * 10 <= ANP_MAX_PRIORITY ? 10 : 1;
  return policies.map((_, i) => i * step);
}

/** Names unique per namespace: a second policy of the same name gets "-2", and so on. */
export class Names {
  private used = new Set<string>();
  take(namespace: string | undefined, name: string): string {
    let candidate = name;
    for (let i = 2; this.used.has(`${namespace}/${candidate}`); i++) candidate = `${name}-${i}`;
    this.used.add(`${namespace}/${candidate}`);
    return candidate;
  }
}

export function compileK8s(inv: Inventory): Compiled {
  const ctx = new K8sContext(inv);
  const problems: Problem[] = [];
  const objects: object[] = [];
  const names = new Names();
  const sorted = [...inv.policies].sort(byPriority);
  const attempt = (p: Policy | Policy[], build: (failures: RuleFailure[]) => object) => {
    const failures: RuleFailure[] = [];
    const first = Array.isArray(p) ? p[0] : p;
    try {
      const obj = build(failures);
      if (!failures.length) objects.push(obj);
    } catch (e) { problems.push(problemFrom(e, first)); }
    for (const f of failures) problems.push(problemFrom(f.error, policyOf(inv, f.rule) ?? first, f.rule));
  };
  const admin = sorted.filter((p) => p.tier === "admin");
  const priorities = adminPriorities(admin);
  admin.forEach((p, i) => attempt(p, (f) => adminNetworkPolicy(p, names.take(undefined, p.name), priorities[i], ctx, f)));
  // A Namespace-tier policy for no direction has no effect (and a NetworkPolicy without policyTypes would isolate ingress).
  for (const p of sorted.filter((x) => x.tier === "namespace" && (x.ingress !== undefined || x.egress !== undefined))) {
    attempt(p, (f) => networkPolicy(p, names.take(p.subject.namespaces.kind === "name" ? p.subject.namespaces.name : undefined, p.name), ctx, f));
  }
  const baseline = sorted.filter((p) => p.tier === "baseline");
  if (baseline.length) attempt(baseline, (f) => baselinePolicy(baseline, ctx, f));
  return { objects, problems };
}

function policyOf(inv: Inventory, rule: object): Policy | undefined {
  return inv.policies.find((p) => p.ingress?.includes(rule as never) || p.egress?.includes(rule as never));
}
