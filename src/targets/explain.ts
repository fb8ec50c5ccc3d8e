// Explanations: the engine's decisions rendered as data (JSON/YAML) and as readable text.

import type { LineLookup } from "../model/source.js";
import { PROFILES_GROUP, type Tier } from "../model/policy.js";
import { formatClause, type Clause } from "../model/l7.js";
import type { PairResult } from "../engine/query.js";
import type { DecidedBy, Decision, HostPortHop } from "../engine/verdict.js";
import { formatAddress } from "../model/ip.js";
import { isSecondary, networkLabel } from "../model/networks.js";
import type { HostAction } from "../model/cni.js";
import type { Endpoint } from "../model/endpoint.js";
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
  /** The Pass rules met, in order; `tierGroup`: the Calico tier the Pass ended (engine/verdict.ts priorityHit). */
  passed: { policy: PolicyRef; rule: RuleRefData; tierGroup?: string }[];
  selecting: PolicyRef[];
  summary: string;
  /** A host's own loopback: whose lo (engine/verdict.ts Decision.loopback). */
  loopback?: string;
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
  /** Addressed to a node's hostPort: the portmap DNAT to the pod (engine/verdict.ts HostPortHop). */
  forwarded?: ForwardData;
  /**
   * A flow to a Service address other than its cluster IP: the address, how kube-proxy chose the
   * endpoint, and the source the endpoint sees when kube-proxy masqueraded it (the ingress decision's).
   */
  service?: { frontend: string; why: string; seenAs?: string; snat?: string; dataPath?: string };
  egress: DecisionData;
  ingress: DecisionData;
  warnings: string[];
}

export interface ForwardData {
  node: string;
  address: string;
  hostPort: number;
  pod: string;
  podAddress: string;
  port: number;
  protocol: string;
  /** The node address the hostPort is limited to (hostIP), when it is. */
  hostIP?: string;
  /** Whether the source's egress policy judged the flow after the DNAT (a source on the node) or as addressed. */
  egressJudged: "after-dnat" | "as-addressed";
  /** The source the pod sees, when not the flow's (hairpin traffic, masqueraded). */
  seenFrom?: string;
  /** Other pods of the node mapping the same hostPort (the first in the input wins). */
  others?: string[];
  summary: string;
}

// The words of the JSON "tier" field, so that text and data name tiers alike.
const TIER_NAME: Record<Tier, string> = { admin: "admin tier", namespace: "namespace tier", baseline: "baseline tier" };

export function pairData(r: PairResult, lines: LineLookup): PairData {
  const v = r.verdict;
  return {
    from: partyLabel(r.src), to: partyLabel(r.dst), protocol: r.protocol, port: r.port, via: r.via,
    ...(r.network ? { network: networkLabel(v.network) } : {}),
    verdict: v.allowed ? "allow" : "deny",
    ...(v.hostPort ? { forwarded: forwardData(v.hostPort) } : {}),
    ...(r.service ? { service: { frontend: r.service.frontend, why: r.service.why, ...(r.service.seenAs ? { seenAs: partyLabel(r.service.seenAs) } : {}), ...(r.service.snat ? { snat: r.service.snat } : {}), ...(r.service.dataPath ? { dataPath: r.service.dataPath } : {}) } } : {}),
    egress: decisionData(v.egress, partyLabel(r.src), lines, r.src.endpoint),
    ingress: decisionData(v.ingress, partyLabel(v.hostPort ? v.hostPort.inner.dst : r.dst), lines, (v.hostPort ? v.hostPort.inner.dst : r.dst).endpoint),
    warnings: v.warnings.map((w) => w.message),
  };
}

function forwardData(h: HostPortHop): ForwardData {
  const pod = partyLabel(h.inner.dst), port = h.target.port, ip = port.hostIP && port.hostIP.value !== 0n ? formatAddress(port.hostIP) : undefined;
  const data: ForwardData = {
    node: h.node, address: formatAddress(h.address), hostPort: port.hostPort!, pod, podAddress: formatAddress(h.target.address), port: port.port, protocol: h.inner.protocol,
    ...(ip ? { hostIP: ip } : {}), egressJudged: h.egressAfter ? "after-dnat" : "as-addressed",
    ...(h.hairpin ? { seenFrom: partyLabel(h.inner.src) } : {}),
    ...(h.target.others.length ? { others: h.target.others.map((e) => partyLabel({ endpoint: e })) } : {}),
    summary: "",
  };
  data.summary = `node ${h.node} forwards ${data.protocol}/${data.hostPort} at ${data.address} to ${pod} (${data.podAddress}:${data.port}): its hostPort${ip ? ` on hostIP ${ip}` : ""}, the CNI portmap plugin's DNAT (CNI-HOSTPORT-DNAT)`
    + `; the source's egress policy judges the flow ${h.egressAfter ? "after the DNAT (the source is on the node)" : "as addressed (the DNAT happens on the node owning the address)"}`
    + (h.hairpin ? `; the pod's own packet is masqueraded (hairpin): it arrives from ${data.seenFrom}` : "")
    + (data.others ? `; ${data.others.join(", ")} map${data.others.length === 1 ? "s" : ""} it too (the first in the input wins; the scheduler never places two)` : "");
  return data;
}

/** `endpoint`: the endpoint the decision is at, when known (a Calico Pass names its profile). */
export function decisionData(d: Decision, at: string, lines: LineLookup, endpoint?: Endpoint): DecisionData {
  const data: DecisionData = {
    direction: d.direction, at, allowed: d.allowed, decidedBy: d.by, tier: d.tier,
    policy: d.policy ? policyRef(d.policy, lines) : undefined,
    rule: d.policy && d.rule ? ruleRef(d.policy, d.rule, lines) : undefined,
    passed: d.passed.map((p) => ({ policy: policyRef(p.policy, lines), rule: ruleRef(p.policy, p.rule, lines), ...(p.policy.tierGroup !== undefined ? { tierGroup: p.policy.tierGroup } : {}) })),
    selecting: d.selecting.map((p) => policyRef(p, lines)),
    summary: "",
    ...(d.loopback ? { loopback: d.loopback } : {}),
  };
  data.summary = summarize(d, data, endpoint);
  return data;
}

/**
 * What decides after a Calico Pass when no later tier has a policy for the endpoint: its profiles
 * (felix's endpoint chain ends in them). A pod's are its namespace's, kns.NAMESPACE, and its service
 * account's, ksa.NAMESPACE.NAME; libcalico-go conversion.go NamespaceToProfile gives the first
 * `Ingress: [{Action: Allow}], Egress: [{Action: Allow}]`, the second no rules. (A host endpoint
 * without projectcalico-default-allow is denied by its own default before this.)
 */
function calicoProfiles(e: Endpoint | undefined): string {
  if (e?.kind === "pod" && e.namespace) return `its Calico profiles decide: kns.${e.namespace}, the profile Calico makes of namespace ${e.namespace}, allows every connection`;
  if (e?.kind === "workload" && e.namespace === undefined) return "its Calico profile decides: projectcalico-default-allow allows every connection";
  return "its Calico profiles decide (a pod's namespace profile, kns.NAMESPACE, allows every connection)";
}

/** A tier group in words (Policy.tierGroup: a Calico tier, or the host endpoint's profiles). */
function groupName(g: string): string {
  return g === PROFILES_GROUP ? "the host endpoint's profiles (none: Calico drops)" : `Calico tier ${g}`;
}

function ruleText(r: RuleRefData): string {
  return `${r.direction} rule ${r.index}${r.name ? ` "${r.name}"` : ""}`;
}

/** One line: why this direction was allowed or denied. */
function summarize(d: Decision, data: DecisionData, endpoint?: Endpoint): string {
  const verb = d.allowed ? "allowed" : "denied";
  switch (d.by) {
    case "rule": {
      const loc = where(data.rule?.file, data.rule?.line);
      // (Calico's HTTP match: felix renders the rule without it, Dikastes in an Istio sidecar checks it: engine/l7/network.ts.)
      const by = d.rule?.httpEnforcer === "istio-sidecar" ? " where Calico's Dikastes checks them (application layer policy, in an Istio sidecar; without one, every request)" : "";
      const http = d.rule?.http ? `; only HTTP requests matching ${d.rule.http.map(formatHttp).join(" or ")}${by}` : "";
      const group = d.policy!.tierGroup !== undefined ? `, ${groupName(d.policy!.tierGroup)}` : "";
      return `${verb} by ${describePolicy(d.policy!)}, ${ruleText(data.rule!)}${loc ? ` (${loc})` : ""} [${TIER_NAME[d.tier!]}${group}]${http}`;
    }
    case "isolation":
      return `denied: isolated by ${d.selecting.map(describePolicy).join(", ")}, and no rule of ${d.selecting.length === 1 ? "it" : "theirs"} allows this ${d.direction}`;
    case "default":
      if (d.selecting.length === 0) return `allowed: no policy selects ${data.at} for ${d.direction} (Kubernetes default)`;
      if (d.passed.some((p) => p.policy.kind.startsWith("Calico "))) return `allowed: after the Pass no later tier's policy selects ${data.at} for ${d.direction}, so ${calicoProfiles(endpoint)}`;
      return `allowed: no rule of ${d.selecting.map(describePolicy).join(", ")} matches${d.passed.length ? " after the Pass" : ""}, so nothing decided (Kubernetes default)`;
    case "unenforced":
      return `allowed: ${data.at} is not subject to ${d.direction} policy${d.toHost ? `; ${hostActionText(d.toHost)}` : ""}`;
    case "self":
      return "allowed: traffic of a pod to itself is never filtered";
    case "loopback":
      if (d.loopback) return `allowed: the client's own loopback (${d.loopback}): nothing that polices a host sees its lo but a Calico host endpoint of interfaceName "*", so no policy sees its ${d.direction}`;
      return `allowed: the client's own loopback (the pod's network namespace's lo): the connection never leaves the pod, so no policy sees its ${d.direction}`;
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
    if (data.verdict === "allow" || data.ingress.decidedBy !== "service") lines.push(`  ${data.service.dataPath ? "service data path" : "kube-proxy"}: ${data.service.why}`);
    if (data.service.snat) lines.push(`  source NAT: ${data.service.snat}; the ingress policies judge that source`);
  }
  if (data.network) lines.push(`  network: ${data.network}`);
  if (data.forwarded) lines.push(`  hostPort: ${data.forwarded.summary}`);
  for (const [d, party] of [[data.egress, r.src], [data.ingress, r.verdict.hostPort?.inner.dst ?? r.dst]] as const) {
    lines.push(`  ${d.direction} at ${d.at} (${d.decidedBy === "loopback" && d.direction === "ingress" ? `the client's own loopback${d.loopback ? `: ${d.loopback}` : ""}` : d.loopback && d.direction === "ingress" ? d.loopback : partyKind(party)}):`);
    for (const p of d.passed) lines.push(`    passed by ${p.policy.kind} ${p.policy.name}, ${ruleText(p.rule)} (${where(p.rule.file, p.rule.line)})${p.tierGroup !== undefined ? `: ${groupName(p.tierGroup)} ends, the next tier goes on` : ""}`);
    lines.push(`    ${d.summary}`);
    if (d.decidedBy === "isolation") for (const p of d.selecting) lines.push(`      selected by ${p.kind} ${p.namespace ? `${p.namespace}/` : ""}${p.name} (${where(p.file, p.line)})`);
  }
  for (const w of data.warnings) lines.push(`  warning: ${w}`);
  return lines.join("\n") + "\n";
}

function formatHttp(c: Clause): string {
  return `(${formatClause(c)})`;
}
