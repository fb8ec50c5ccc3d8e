// The HTTP conditions of network policies (Cilium, Calico, the common API), per request, in each
// direction of the hop (egress at the client, ingress at the server):
//   "match" rules (common API, Calico): the tiers are walked again for the request, a rule with
//     `http` matching only when one of its clauses holds; Allow, Deny and Pass keep their meaning.
//     Calico's clauses are checked by Dikastes in the Istio sidecar: without one they are not enforced.
//   "filter" rules (Cilium): when the allowing rule filters, the request must satisfy a clause of
//     some allow rule for the same peer and port, unless one of them has no `http` (an L3/L4-only
//     allow cancels the filter). A violation is a 403 from the node's proxy.

import type { Direction, Rule } from "../../model/policy.js";
import { policyName } from "../../model/policy.js";
import { formatClause } from "../../model/l7.js";
import type { Decision, PolicyEngine, RequestCheck, Verdict } from "../verdict.js";
import { clauseHolds, type Attributes } from "./attributes.js";
import { denialOf, type Hop, type LayerDecision, type PolicyRef } from "./hop.js";

function ruleRef(d: { policy?: Decision["policy"]; rule?: Rule }): PolicyRef | undefined {
  if (!d.policy) return undefined;
  return { kind: d.policy.kind, namespace: d.policy.namespace, name: d.policy.name, src: d.policy.src, ...(d.rule ? { rule: d.rule.index, path: d.rule.path } : {}) };
}

/** Whether the policies of a direction have anything to say per request. */
function hasRequestRules(engine: PolicyEngine, v: Verdict, d: Direction): boolean {
  const dec = d === "egress" ? v.egress : v.ingress;
  if (dec.rule?.http) return true;
  const e = (d === "egress" ? v.flow.src : v.flow.dst).endpoint;
  if (!e || !engine.isSubjectable(e)) return false;
  return (["admin", "namespace", "baseline"] as const).some((t) => engine.applicable(t, d, e).some((p) => p.requests !== undefined || (d === "ingress" ? p.ingress : p.egress)?.some((r) => r.http)));
}

/** The request check of the match walk; Calico clauses count as holding where no Istio sidecar reads them. */
function requestCheck(hop: Hop, a: Attributes, d: Direction, unenforced: Set<Rule>): RequestCheck {
  const sidecar = (d === "ingress" ? hop.server.proxy : hop.client.proxy) === "istio-sidecar";
  return {
    matches(rule) {
      if (!rule.http || rule.httpMode !== "match") return true;
      if (rule.httpEnforcer === "istio-sidecar" && !sidecar) { unenforced.add(rule); return true; }
      return rule.http.some((c) => clauseHolds(c, a));
    },
  };
}

/** The network layer's answer for one direction of the hop; undefined when its policies have nothing per request. */
export function networkAuthorize(engine: PolicyEngine, hop: Hop, a: Attributes, d: Direction): LayerDecision | undefined {
  const v = hop.network;
  if (!v || !hasRequestRules(engine, v, d)) return undefined;
  const flow = v.flow;
  const [local, remote] = d === "egress" ? [flow.src, flow.dst] : [flow.dst, flow.src];
  const destPorts = engine.matcher.portsFor(d, flow.dst.endpoint);
  const unenforced = new Set<Rule>();
  const dec = engine.decide(d, local, remote, flow, destPorts, requestCheck(hop, a, d, unenforced));
  const where = `${d} policy of ${local.endpoint ? `${local.endpoint.namespace ?? ""}/${local.endpoint.name}` : "the client"}`;
  const warnings = [...unenforced].map((r) => `Calico's HTTP match in rule ${r.index} is checked by Dikastes in an Istio sidecar, and ${d === "ingress" ? "the server" : "the client"} has none: it is not enforced`);
  const base = { layer: "network" as const, enforcer: where, trace: [] as string[], warnings };
  if (!dec.allowed) {
    const why = dec.by === "rule" ? `denied by ${dec.policy!.kind} ${policyName(dec.policy!)}, rule ${dec.rule!.index}` : `denied: no rule of ${dec.selecting.map((p) => `${p.kind} ${policyName(p)}`).join(", ")} matches this request`;
    return { ...base, verdict: "deny", summary: why, policy: ruleRef(dec.by === "rule" ? dec : { policy: dec.selecting[0] }), denial: denialOf(hop) };
  }
  if (dec.rule?.http && dec.rule.httpMode === "filter") return filterDecision(engine, hop, a, d, dec, base);
  return { ...base, verdict: "allow", summary: dec.rule ? `allowed by ${dec.policy!.kind} ${policyName(dec.policy!)}, rule ${dec.rule.index}${dec.rule.http ? " (its HTTP match holds)" : ""}` : "allowed: no rule decides this request", policy: ruleRef(dec) };
}

/**
 * Cilium's filter: the union of the http clauses of every allow rule for this peer and port. Cilium
 * merges every rule selecting the endpoint (pkg/policy/l4.go mergePortProto: a selector's nil L7
 * rules become a wildcard L7 rule when merged with non-nil ones), whether its policy turns default
 * deny on or not: the allows of policies without it (read into the Admin tier) and those with it (the
 * Namespace tier, with NetworkPolicies) are one set, whichever tier decided the connection.
 */
function filterDecision(engine: PolicyEngine, hop: Hop, a: Attributes, d: Direction, dec: Decision, base: Omit<LayerDecision, "verdict" | "summary">): LayerDecision {
  const v = hop.network!, flow = v.flow;
  const [local, remote] = d === "egress" ? [flow.src, flow.dst] : [flow.dst, flow.src];
  const last = dec.tier === "baseline" ? "baseline" : "namespace";
  const allows = engine.matchingRules(d, local, remote, flow, engine.matcher.portsFor(d, flow.dst.endpoint), last).filter((h) => h.rule.action === "allow");
  const open = allows.find((h) => !h.rule.http);
  const enforcer = `Cilium's proxy (${base.enforcer})`;
  if (open) return { ...base, enforcer, verdict: "allow", summary: `allowed: ${open.policy.kind} ${policyName(open.policy)} rule ${open.rule.index} allows this peer and port without HTTP rules, which cancels the L7 filter`, policy: ruleRef(open) };
  const trace = allows.flatMap((h) => (h.rule.http ?? []).map((c) => `${h.policy.kind} ${policyName(h.policy)} rule ${h.rule.index}: ${formatClause(c)}`));
  const hit = allows.find((h) => h.rule.http!.some((c) => clauseHolds(c, a)));
  if (hit) return { ...base, enforcer, trace, verdict: "allow", summary: `allowed by the HTTP rules of ${hit.policy.kind} ${policyName(hit.policy)}, rule ${hit.rule.index}`, policy: ruleRef(hit) };
  return { ...base, enforcer, trace, verdict: "deny", summary: `denied: the request matches none of the HTTP rules allowing this peer and port (Cilium answers 403)`, policy: ruleRef(dec), denial: denialOf(hop) };
}
