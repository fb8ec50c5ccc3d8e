// The Cilium back end: policies as CiliumNetworkPolicy (a subject in one namespace) and
// CiliumClusterwideNetworkPolicy objects (cilium.io/v2), with L7 `http` rules.
//
// Cilium adds up the allows of every policy and lets any deny win; the rules of a subject in a
// policy with sections are in default deny. That is the engine's walk exactly when: Deny rules come
// before every Allow that may see the same traffic (Cilium has no order); Allow rules of the Admin
// tier do not isolate (enableDefaultDeny false) and have no `http` (Cilium's HTTP rules filter every
// request of the peer and port, where the common API lets a request that does not match fall through
// to the next tiers); Deny rules have no `http` (Cilium's deny rules have no L7 rules). For the
// Namespace tier's Allow rules the common API's first match equals Cilium's union with its filter:
// a request passes when some rule for its peer and port has no `http` or a matching one.
// Everything else is an error naming the rule: Pass, the Baseline tier, a Deny after an Allow.

import type { Inventory } from "../../model/inventory.js";
import { requestRulesOf, type Direction, type EndpointSelector, type Policy, type Rule, type Tier } from "../../model/policy.js";
import { Unsupported, problemFrom } from "../problems.js";
import { byPriority, Names, type Compiled } from "../k8s/index.js";
import { metadata } from "../k8s/policies.js";
import { K8sContext } from "../k8s/context.js";
import { ciliumHttpRule } from "./http.js";
import { ciliumPeer, ciliumPorts, subjectOf } from "./selectors.js";

const API = "cilium.io/v2";
const OTHER_TIERS = ["the common API (TrafficPolicy)", "AdminNetworkPolicy", "Calico"];
const TIER_ORDER: Record<Tier, number> = { admin: 0, namespace: 1, baseline: 2 };

interface Seen { policy: Policy; rule: Rule; direction: Direction }
type Section = Record<string, unknown>;

/** Engine order: tiers first, then priority and name. */
function engineOrder(a: Policy, b: Policy): number {
  return TIER_ORDER[a.tier] - TIER_ORDER[b.tier] || byPriority(a, b);
}

export function compileCilium(inv: Inventory): Compiled {
  const ctx = new K8sContext(inv);
  const out: Compiled = { objects: [], problems: [] };
  const names = new Names();
  const allows: Seen[] = [];
  for (const p of [...inv.policies].sort(engineOrder)) {
    try { compilePolicy(p, inv, ctx, names, allows, out); } catch (e) { out.problems.push(problemFrom(e, p)); }
  }
  return out;
}

function compilePolicy(p: Policy, inv: Inventory, ctx: K8sContext, names: Names, allows: Seen[], out: Compiled): void {
  if (p.tier === "baseline") throw new Unsupported("Baseline tier", "Cilium has no tier after the namespaces' policies: its allows add up and its denies win", OTHER_TIERS);
  const subject = subjectOf(p.subject, ctx);
  const spec: Section = { endpointSelector: subject.endpointSelector };
  const noIsolation: Record<string, boolean> = {};
  let failed = false;
  for (const d of ["ingress", "egress"] as const) {
    const rules = requestRulesOf(p, d);
    if (rules === undefined) continue;
    const allow: Section[] = [], deny: Section[] = [];
    for (const r of rules) {
      try {
        checkRule(p, r, d, ctx, allows);
        (r.action === "allow" ? allow : deny).push(...lowerRule(r, d, inv, ctx));
      } catch (e) { out.problems.push(problemFrom(e, p, r)); failed = true; }
      if (r.action === "allow") allows.push({ policy: p, rule: r, direction: d });
    }
    if (p.tier === "admin") {
      noIsolation[d] = false;
      if (allow.length) spec[d] = allow;
    } else {
      // The subject is isolated: an empty rule matches nothing (Cilium's documented default deny).
      spec[d] = allow.length ? allow : [{}];
    }
    if (deny.length) spec[`${d}Deny`] = deny;
  }
  if (failed) return;
  if (Object.keys(noIsolation).length) spec.enableDefaultDeny = noIsolation;
  const kind = subject.namespace === undefined ? "CiliumClusterwideNetworkPolicy" : "CiliumNetworkPolicy";
  out.objects.push({ apiVersion: API, kind, metadata: metadata(names.take(subject.namespace, p.name), subject.namespace, [p]), spec });
}

/** What Cilium cannot say about one rule, and the order it cannot keep. */
function checkRule(p: Policy, r: Rule, d: Direction, ctx: K8sContext, allows: readonly Seen[]): void {
  if (r.action === "pass") throw new Unsupported("pass", "Cilium has no tiers to pass to", OTHER_TIERS);
  if (r.action === "deny" && r.http) throw new Unsupported("deny with HTTP conditions", "Cilium's deny rules cannot have L7 rules", ["Istio (DENY AuthorizationPolicy)", "the common API (TrafficPolicy)"]);
  if (r.action === "allow" && r.http && p.tier === "admin") {
    throw new Unsupported("HTTP allow in the Admin tier", "Cilium's HTTP rules filter every request of the peer and port, where the common API lets a request they do not match fall through to the next tiers", OTHER_TIERS);
  }
  if (r.action !== "deny") return;
  const before = allows.find((a) => a.direction === d && (a.policy === p || overlap(a.policy.subject, p.subject, ctx)));
  if (before) throw new Unsupported("deny after allow", `Cilium's denies win over every allow, and this Deny follows ${before.policy.kind} ${before.policy.name} ${d} rule ${before.rule.index} (an Allow for the same endpoints)`, OTHER_TIERS);
}

function overlap(a: EndpointSelector, b: EndpointSelector, ctx: K8sContext): boolean {
  return ctx.inv.endpoints.some((e) => ctx.matcher.selects(a, e) && ctx.matcher.selects(b, e));
}

/** One Cilium rule per L3 section (Cilium refuses some combinations in one rule), each with the rule's ports and HTTP rules. */
function lowerRule(r: Rule, d: Direction, inv: Inventory, ctx: K8sContext): Section[] {
  if (r.http && !r.ports) throw new Unsupported("HTTP rule on every port", "Cilium's L7 rules need a port (\"L7 rules can not be used when a port is 0\"): give the rule its TCP ports", ["Istio (AuthorizationPolicy)", "the common API (TrafficPolicy)"]);
  const toPorts = r.ports && [{ ports: ciliumPorts(r.ports, r.http !== undefined, ctx), ...(r.http ? { rules: { http: r.http.map(ciliumHttpRule) } } : {}) }];
  // Every peer: the `all` entity (an empty rule would match nothing).
  const l3 = r.peers === undefined ? [{ [d === "ingress" ? "fromEntities" : "toEntities"]: ["all"] }] : r.peers.flatMap((peer) => ciliumPeer(peer, d === "ingress", inv, ctx));
  return l3.map((section) => ({ ...section, ...(toPorts ? { toPorts } : {}) }));
}
