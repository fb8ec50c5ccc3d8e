// What a back end cannot express, as values: the policy and rule, the feature, and which targets
// could express it. Back ends collect them and never approximate; the CLI renders them.

import { groupsAfter, policyName, type Peer, type Policy, type Rule } from "../model/policy.js";
import type { LineLookup } from "../model/source.js";
import { where } from "./names.js";

export interface Problem {
  policy: Policy;
  rule?: Rule;
  /** Short name of what cannot be expressed, e.g. "deny in the Namespace tier". */
  feature: string;
  message: string;
  /** Targets or APIs that can express it. */
  expressibleBy: readonly string[];
}

/** Thrown inside a back end to abandon one policy or rule; collected by the caller. */
export class Unsupported extends Error {
  constructor(readonly feature: string, message: string, readonly expressibleBy: readonly string[]) { super(message); }
}

/**
 * A peer limited to one IP family (a Calico rule's ipVersion with selectors): the policy APIs the
 * back ends write select endpoints for both families, so only an address filter (nftables) says it.
 */
export function checkPeerFamily(peer: Peer): void {
  if (peer.kind === "cidr" || peer.kind === "domains" || peer.family === undefined) return;
  throw new Unsupported("IP version", `the rule matches only IPv${peer.family} traffic of the ${peer.kind} it selects (Calico ipVersion); this API selects them for both IP families`, ["Calico", "nftables (hosts, VMs)"]);
}

/** A peer relative to the rule's subject (own-node, remote-node), which `api` cannot name. */
export function subjectRelativePeer(peer: Peer & { kind: "own-node" | "remote-node" }, api: string): Unsupported {
  const what = peer.kind === "own-node" ? "the subject's own node (Cilium's host entity)" : "every node but the subject's own (Cilium's remote-node entity)";
  return new Unsupported(`${peer.kind} peers`, `the rule matches ${what}, which ${api} cannot name`, ["Cilium"]);
}

export function problemFrom(e: unknown, policy: Policy, rule?: Rule): Problem {
  if (!(e instanceof Unsupported)) throw e;
  return { policy, rule, feature: e.feature, message: e.message, expressibleBy: e.expressibleBy };
}

/** "file:line: TrafficPolicy ns/name, ingress rule 1 "name": message (expressible by: ...)". */
export function formatProblem(p: Problem, lines: LineLookup): string {
  const src = p.policy.src;
  const line = src ? lines(src, p.rule?.path) : undefined;
  const loc = where(src?.file, line);
  const rule = p.rule ? `, ${p.rule.path[1]} rule ${p.rule.index}${p.rule.name ? ` ${JSON.stringify(p.rule.name)}` : ""}` : "";
  const by = p.expressibleBy.length ? ` (expressible by: ${p.expressibleBy.join(", ")})` : "";
  return `${loc ? `${loc}: ` : ""}${p.policy.kind} ${policyName(p.policy)}${rule}: ${p.message}${by}`;
}

/**
 * A Pass rule of a policy with later tier groups in its tier (Policy.tierGroup: Calico's tiers): it
 * goes on at them, while a Pass of the Admin APIs and of the common API goes on at the next tier
 * (model/policy.ts groupsAfter). Not sayable there.
 */
export function checkPassGroups(r: Rule, p: Policy, all: readonly Policy[], api: string): void {
  if (r.action !== "pass" || p.tier === "namespace" || (p.tierGroup === undefined && !all.some((q) => q.tierGroup !== undefined))) return;
  const later = groupsAfter(p, all);
  if (!later.length) return;
  throw new Unsupported("Pass between Calico tiers", `the Pass goes on at ${later.map((g) => (g.startsWith("(") ? g.slice(1, -1) : `Calico tier ${g}`)).join(", then ")} before the next tier; ${api}'s Pass goes on at the next tier`, ["Calico (Tier)", "nftables"]);
}
