// Explanations: the engine's decisions rendered as data (JSON/YAML) and as readable text.

import type { LineLookup } from "../model/source.js";
import type { Tier } from "../model/policy.js";
import { formatClause, type Clause } from "../model/l7.js";
import type { PairResult } from "../engine/query.js";
import type { DecidedBy, Decision } from "../engine/verdict.js";
import { isSecondary, networkLabel } from "../model/networks.js";
import type { HostAction } from "../model/cni.js";
import { describePolicy, partyKind, partyLabel, policyRef, ruleRef, where, type PolicyRef, type RuleRefData } from "./names.js";

export interface DecisionData {
  direction: string;
  /** The endpoint whose policies decided this direction. */
  at: string;
  allowed: boolean;
  decidedBy: DecidedBy;
  tier?: Tier;
  policy?: PolicyRef;
  rule?: RuleRefData;
  passed: { policy: PolicyRef; rule: RuleRefData }[];
  selecting: PolicyRef[];
  summary: string;
}

export interface PairData {
  from: string;
  to: string;
  protocol: string;
  port: number;
  via?: string;
  /** The network the flow takes (clusters with user-defined or secondary networks). */
  network?: string;
  verdict: "allow" | "deny";
  /**
   * A flow to a Service address other than its cluster IP: the address, how kube-proxy chose the
   * endpoint, and the source the endpoint sees when kube-proxy masqueraded it (the ingress decision's).
   */
  service?: { frontend: string; why: string; seenAs?: string; snat?: string };
  egress: DecisionData;
  ingress: DecisionData;
  warnings: string[];
}

// The words of the JSON "tier" field, so that text and data name tiers alike.
const TIER_NAME: Record<Tier, string> = { admin: "admin tier", namespace: "namespace tier", baseline: "baseline tier" };

export function pairData(r: PairResult, lines: LineLookup): PairData {
  const v = r.verdict;
  return {
    from: partyLabel(r.src), to: partyLabel(r.dst), protocol: r.protocol, port: r.port, via: r.via,
    ...(r.network ? { network: networkLabel(v.network) } : {}),
    verdict: v.allowed ? "allow" : "deny",
    ...(r.service ? { service: { frontend: r.service.frontend, why: r.service.why, ...(r.service.seenAs ? { seenAs: partyLabel(r.service.seenAs) } : {}), ...(r.service.snat ? { snat: r.service.snat } : {}) } } : {}),
    egress: decisionData(v.egress, partyLabel(r.src), lines),
    ingress: decisionData(v.ingress, partyLabel(r.dst), lines),
    warnings: v.warnings.map((w) => w.message),
  };
}

export function decisionData(d: Decision, at: string, lines: LineLookup): DecisionData {
  const data: DecisionData = {
    direction: d.direction, at, allowed: d.allowed, decidedBy: d.by, tier: d.tier,
    policy: d.policy ? policyRef(d.policy, lines) : undefined,
    rule: d.policy && d.rule ? ruleRef(d.policy, d.rule, lines) : undefined,
    passed: d.passed.map((p) => ({ policy: policyRef(p.policy, lines), rule: ruleRef(p.policy, p.rule, lines) })),
    selecting: d.selecting.map((p) => policyRef(p, lines)),
    summary: "",
  };
  data.summary = summarize(d, data);
  return data;
}

function ruleText(r: RuleRefData): string {
  return `${r.direction} rule ${r.index}${r.name ? ` "${r.name}"` : ""}`;
}

/** One line: why this direction was allowed or denied. */
function summarize(d: Decision, data: DecisionData): string {
  const verb = d.allowed ? "allowed" : "denied";
  switch (d.by) {
    case "rule": {
      const loc = where(data.rule?.file, data.rule?.line);
      const http = d.rule?.http ? `; only HTTP requests matching ${d.rule.http.map(formatHttp).join(" or ")}` : "";
      return `${verb} by ${describePolicy(d.policy!)}, ${ruleText(data.rule!)}${loc ? ` (${loc})` : ""} [${TIER_NAME[d.tier!]}]${http}`;
    }
    case "isolation":
      return `denied: isolated by ${d.selecting.map(describePolicy).join(", ")}, and no rule of ${d.selecting.length === 1 ? "it" : "theirs"} allows this ${d.direction}`;
    case "default":
      if (d.selecting.length === 0) return `allowed: no policy selects ${data.at} for ${d.direction} (Kubernetes default)`;
      return `allowed: no rule of ${d.selecting.map(describePolicy).join(", ")} matches${d.passed.length ? " after the Pass" : ""}, so nothing decided (Kubernetes default)`;
    case "unenforced":
      return `allowed: ${data.at} is not subject to ${d.direction} policy${d.toHost ? `; ${hostActionText(d.toHost)}` : ""}`;
    case "self":
      return "allowed: traffic of a pod to itself is never filtered";
    case "network":
      return d.allowed ? `${data.at} is on network ${networkLabel(d.network!)}`
        : `denied: ${data.at} is not on network ${networkLabel(d.network!)} (${isSecondary(d.network!) ? "a secondary network reaches only the pods attached to it" : "a primary user-defined network is isolated from the pod network and from other user-defined networks"})`;
    case "service":
      return `denied: ${d.dropped}`;
    case "own-node":
      if (d.toHost) return `denied: ${hostActionText(d.toHost)}`;
      return `allowed: traffic ${d.direction === "ingress" ? "from" : "to"} the pod's own node is exempt from the NetworkPolicy tier (--own-node=${d.ownNode?.mode ?? "allow"}: ${d.ownNode?.why ?? "as given"})`;
  }
}

/** What the node's felix does with a pod's traffic to its own host (Decision.toHost). */
function hostActionText(h: HostAction): string {
  const what = h.action === "Drop" ? "drops" : h.action === "Accept" ? "accepts" : "returns to the host's INPUT chain (its own rules, not in the input, decide: read as accepted)";
  return `Calico's felix ${what} a pod's traffic to its own host once the pod's egress policy allowed it (DefaultEndpointToHostAction ${h.action}: ${h.why})`;
}

/** The readable account of one pair. */
export function pairText(r: PairResult, data: PairData): string {
  const lines = [`${data.from} → ${data.to}  ${data.protocol}/${data.port}: ${data.verdict === "allow" ? "ALLOWED" : "DENIED"}`];
  if (data.via) lines.push(`  destination port: ${data.via}`);
  if (data.service) {
    if (!data.via) lines.push(`  destination: ${data.service.frontend}`);
    if (data.verdict === "allow" || data.ingress.decidedBy !== "service") lines.push(`  kube-proxy: ${data.service.why}`);
    if (data.service.snat) lines.push(`  source NAT: ${data.service.snat}; the ingress policies judge that source`);
  }
  if (data.network) lines.push(`  network: ${data.network}`);
  for (const [d, party] of [[data.egress, r.src], [data.ingress, r.dst]] as const) {
    lines.push(`  ${d.direction} at ${d.at} (${partyKind(party)}):`);
    for (const p of d.passed) lines.push(`    passed by ${p.policy.kind} ${p.policy.name}, ${ruleText(p.rule)} (${where(p.rule.file, p.rule.line)})`);
    lines.push(`    ${d.summary}`);
    if (d.decidedBy === "isolation") for (const p of d.selecting) lines.push(`      selected by ${p.kind} ${p.namespace ? `${p.namespace}/` : ""}${p.name} (${where(p.file, p.line)})`);
  }
  for (const w of data.warnings) lines.push(`  warning: ${w}`);
  return lines.join("\n") + "\n";
}

function formatHttp(c: Clause): string {
  return `(${formatClause(c)})`;
}
