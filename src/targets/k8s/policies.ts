// Model policies as Kubernetes objects: the Admin tier as AdminNetworkPolicies, the Namespace tier
// as NetworkPolicies, the Baseline tier as the one BaselineAdminNetworkPolicy. Each throws
// Unsupported (via the peers and ports) for what its API cannot say.

import { policyName, requestRulesOf, type Direction, type Policy, type Rule } from "../../model/policy.js";
import { isEverything } from "../../model/selector.js";
import { checkPassGroups, Unsupported } from "../problems.js";
import type { K8sContext } from "./context.js";
import { adminPolicyPeers, anyEgressPeers, networkPolicyPeers } from "./peers.js";
import { adminPolicyPort, networkPolicyPorts } from "./ports.js";
import { namespaceSelector, toK8sSelector } from "./selectors.js";

export const GENERATED_LABEL = "app.kubernetes.io/managed-by";
export const GENERATED_VALUE = "junction";
export const SOURCE_ANNOTATION = "junction.dev/generated-from";
const ACTION_NAME = { allow: "Allow", deny: "Deny", pass: "Pass" } as const;
const ANP_MAX_RULES = 100;
const ANP_MAX_NETWORKS = 25;

/** One failure per rule: reported with the rule, the rest of the policy still checked. */
export type RuleFailure = { rule: Rule; error: unknown };

export function metadata(name: string, namespace: string | undefined, sources: readonly Policy[]): object {
  return {
    name, ...(namespace ? { namespace } : {}),
    labels: { [GENERATED_LABEL]: GENERATED_VALUE },
    annotations: { [SOURCE_ANNOTATION]: sources.map((p) => `${p.kind} ${policyName(p)}`).join(", ") },
  };
}

function checkRule(rule: Rule, targetApi: string): void {
  if (rule.http) throw new Unsupported("HTTP (L7) match", `${targetApi} cannot match HTTP requests`, ["Cilium (L7 http rules)", "the common API (TrafficPolicy http)"]);
}

/** Rules lowered one by one; failures collected so every offending rule is named. */
function lowerRules<T>(rules: readonly Rule[], failures: RuleFailure[], lower: (r: Rule) => T | undefined): T[] {
  const out: T[] = [];
  for (const rule of rules) {
    try { const v = lower(rule); if (v !== undefined) out.push(v); } catch (error) { failures.push({ rule, error }); }
  }
  return out;
}

// ---- NetworkPolicy (Namespace tier)

export function networkPolicySubject(p: Policy, ctx: K8sContext): { namespace: string; podSelector: object } {
  const s = p.subject;
  if (s.namespaces.kind !== "name") {
    throw new Unsupported("Namespace tier across namespaces", "the policy selects endpoints in several namespaces; a NetworkPolicy selects pods of its own namespace", ["Calico GlobalNetworkPolicy", "the common API (TrafficPolicy)"]);
  }
  if (s.serviceAccounts || s.exceptServiceAccounts) throw new Unsupported("service accounts", "Kubernetes policies cannot select by service account", ["Calico", "Cilium", "the common API (TrafficPolicy)"]);
  checkWorkloadSubject(p, ctx);
  return { namespace: s.namespaces.name, podSelector: isEverything(s.labels) ? {} : toK8sSelector(s.labels) };
}

/** Kubernetes policies apply to pods only: a subject that selects a VM or host cannot be compiled. */
function checkWorkloadSubject(p: Policy, ctx: K8sContext): void {
  const vms = p.subject.kinds.includes("workload") ? ctx.workloads(p.subject) : [];
  if (vms.length || !p.subject.kinds.includes("pod")) {
    const names = vms.map((e) => (e.namespace ? `${e.namespace}/${e.name}` : e.name)).join(", ");
    throw new Unsupported("Workload subject", `the subject selects Workloads (${names || "only Workloads"}); Kubernetes policies apply to pods only (restrict the subject with kinds: [Pod])`, ["nftables (hosts, VMs)", "Calico (HostEndpoint)", "the common API (TrafficPolicy)"]);
  }
}

function networkPolicyRule(rule: Rule, d: Direction, namespace: string, ctx: K8sContext): object | undefined {
  if (rule.action !== "allow") {
    throw new Unsupported(`${rule.action} in the Namespace tier`, `NetworkPolicy rules can only allow; this rule ${rule.action === "deny" ? "denies" : "passes"}`, ["Calico NetworkPolicy", "the common API (TrafficPolicy)", "AdminNetworkPolicy (if it may apply before every NetworkPolicy)"]);
  }
  checkRule(rule, "NetworkPolicy");
  const peers = rule.peers?.flatMap((peer) => networkPolicyPeers(peer, namespace, ctx));
  const ports = rule.ports?.flatMap(networkPolicyPorts);
  // A rule whose peers or ports all resolved to nothing matches nothing: leave it out (an empty list would mean "all").
  if ((peers && !peers.length) || (ports && !ports.length)) return undefined;
  return { ...(peers ? { [d === "ingress" ? "from" : "to"]: peers } : {}), ...(ports ? { ports } : {}) };
}

export function networkPolicy(p: Policy, name: string, ctx: K8sContext, failures: RuleFailure[]): object {
  const { namespace, podSelector } = networkPolicySubject(p, ctx);
  const spec: Record<string, unknown> = { podSelector };
  const types: string[] = [];
  for (const d of ["ingress", "egress"] as const) {
    // Request rules: a Deny or Pass with http (which connection rules leave out) must be refused too.
    const rules = requestRulesOf(p, d);
    if (rules === undefined) continue;
    types.push(d === "ingress" ? "Ingress" : "Egress");
    spec[d] = lowerRules(rules, failures, (r) => networkPolicyRule(r, d, namespace, ctx));
  }
  spec.policyTypes = types;
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: metadata(name, namespace, [p]), spec };
}

// ---- AdminNetworkPolicy / BaselineAdminNetworkPolicy

export function adminSubject(p: Policy, ctx: K8sContext): object {
  const s = p.subject;
  if (s.serviceAccounts || s.exceptServiceAccounts) throw new Unsupported("service accounts", "Kubernetes policies cannot select by service account", ["Calico", "Cilium", "the common API (TrafficPolicy)"]);
  checkWorkloadSubject(p, ctx);
  const ns = namespaceSelector(s.namespaces);
  return isEverything(s.labels) ? { namespaces: ns } : { pods: { namespaceSelector: ns, podSelector: toK8sSelector(s.labels) } };
}

function adminRule(rule: Rule, d: Direction, ctx: K8sContext): object[] | undefined {
  checkRule(rule, "AdminNetworkPolicy");
  let peers: object[];
  if (rule.peers === undefined) {
    if (d === "ingress") throw new Unsupported("ingress from anywhere", "the rule matches every source, including addresses outside the cluster; AdminNetworkPolicy ingress rules match only pods", ["NetworkPolicy (Allow, Namespace tier)", "Calico", "Cilium", "the common API (TrafficPolicy)"]);
    peers = anyEgressPeers();
  } else {
    const parts = rule.peers.map((peer) => adminPolicyPeers(peer, d, ctx));
    const cidrs = [...new Set(parts.flatMap((x) => x.cidrs.map((c) => c.text)))];
    peers = parts.flatMap((x) => x.peers);
    for (let i = 0; i < cidrs.length; i += ANP_MAX_NETWORKS) peers.push({ networks: cidrs.slice(i, i + ANP_MAX_NETWORKS) });
  }
  const ports = rule.ports?.map((m) => adminPolicyPort(m, ctx));
  if (!peers.length || (ports && !ports.length)) return undefined;
  const head = { ...(rule.name ? { name: rule.name } : {}), action: ACTION_NAME[rule.action] };
  const key = d === "ingress" ? "from" : "to";
  // The CRD refuses namedPort with networks/nodes/domainNames peers (only pods have named ports).
  const named = (ports ?? []).filter((x) => "namedPort" in x), numbered = (ports ?? []).filter((x) => !("namedPort" in x));
  const podPeers = peers.filter((x) => "pods" in x || "namespaces" in x);
  if (!named.length || podPeers.length === peers.length) return [{ ...head, [key]: peers, ...(ports ? { ports } : {}) }];
  if (rule.peers !== undefined) {
    throw new Unsupported("named ports with addresses", "AdminNetworkPolicy cannot match named ports on networks, nodes or domainNames peers (the CRD refuses namedPort there)", ["NetworkPolicy (Namespace tier)", "the common API (TrafficPolicy)"]);
  }
  // Every destination: the named ports can only be pods' ports, so they go with the pod peers alone.
  return [
    ...(numbered.length ? [{ ...head, [key]: peers, ports: numbered }] : []),
    { ...head, [key]: podPeers, ports: named },
  ];
}

function adminRules(p: Policy, ctx: K8sContext, failures: RuleFailure[], baseline: boolean): Record<string, object[]> {
  const spec: Record<string, object[]> = {};
  for (const d of ["ingress", "egress"] as const) {
    const rules = requestRulesOf(p, d) ?? [];
    const lowered = lowerRules(rules, failures, (r) => {
      if (baseline && r.action === "pass") throw new Unsupported("pass in the Baseline tier", "BaselineAdminNetworkPolicy rules allow or deny", ["the common API (TrafficPolicy)"]);
      checkPassGroups(r, p, ctx.inv.policies, "an AdminNetworkPolicy");
      return adminRule(r, d, ctx);
    }).flat();
    if (lowered.length > ANP_MAX_RULES) throw new Unsupported("too many rules", `${lowered.length} ${d} rules; an AdminNetworkPolicy holds at most ${ANP_MAX_RULES}`, ["the common API (TrafficPolicy)"]);
    if (lowered.length) spec[d] = lowered;
  }
  return spec;
}

export function adminNetworkPolicy(p: Policy, name: string, priority: number, ctx: K8sContext, failures: RuleFailure[]): object {
  const subject = adminSubject(p, ctx);
  return {
    apiVersion: "policy.networking.k8s.io/v1alpha1", kind: "AdminNetworkPolicy", metadata: metadata(name, undefined, [p]),
    spec: { priority, subject, ...adminRules(p, ctx, failures, false) },
  };
}

/** The one BaselineAdminNetworkPolicy: Baseline-tier policies in order, which must share one subject. */
export function baselinePolicy(policies: readonly Policy[], ctx: K8sContext, failures: RuleFailure[]): object {
  const subject = adminSubject(policies[0], ctx);
  const spec: Record<string, unknown> = { subject };
  for (const p of policies) {
    if (JSON.stringify(adminSubject(p, ctx)) !== JSON.stringify(subject)) {
      throw new Unsupported("several Baseline subjects", `its subject differs from ${policyName(policies[0])}'s; there is only one BaselineAdminNetworkPolicy, with one subject`, ["ClusterNetworkPolicy (tier Baseline)", "the common API (TrafficPolicy)"]);
    }
    for (const [d, rules] of Object.entries(adminRules(p, ctx, failures, true))) spec[d] = [...((spec[d] as object[]) ?? []), ...rules];
  }
  return { apiVersion: "policy.networking.k8s.io/v1alpha1", kind: "BaselineAdminNetworkPolicy", metadata: metadata("default", undefined, policies), spec };
}
