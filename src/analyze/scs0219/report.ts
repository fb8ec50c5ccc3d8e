// The SCS-0219 KaaS networking report: the standard's decisions, each with the objects that prove it.
// - MUST: a CNI that enforces NetworkPolicy v1: the CNI found among the input's DaemonSets and pods,
//   and the NetworkPolicy e2e cases (netpol-cases.ts) as the engine evaluates them;
// - SHOULD: AdminNetworkPolicy and BaselineAdminNetworkPolicy, or ClusterNetworkPolicy, served;
// - SHOULD: an Ingress controller with a default IngressClass;
// - MAY: the cloud metadata address blocked for pods, and traffic between namespaces denied by default,
//   both asked of the engine about probe pods in two new namespaces (what a new tenant gets).

import type { Inventory } from "../../model/inventory.js";
import type { PolicyEngine } from "../../engine/verdict.js";
import { metadataBlocked, namespacesIsolated, podsOf } from "../restrictions.js";
import type { CaseResult } from "./netpol-cases.js";
import { cniOfDaemonSet } from "../../model/cni.js";

export type Level = "MUST" | "SHOULD" | "MAY";
export type Result = "pass" | "fail" | "unknown";

export interface ScsDecision {
  id: string;
  level: Level;
  requirement: string;
  result: Result;
  summary: string;
  evidence: string[];
}

/** What the input says about the API server (undefined: not known, e.g. files without CRDs). */
export interface ServedApis {
  /** CustomResourceDefinition name -> served versions. */
  crds?: ReadonlyMap<string, readonly string[]>;
  /** Whether the list is the cluster's own (then a missing CRD is a fact, not an unknown). */
  complete: boolean;
}


export const ANP_CRDS = ["adminnetworkpolicies.policy.networking.k8s.io", "baselineadminnetworkpolicies.policy.networking.k8s.io"];
export const CNP_CRD = "clusternetworkpolicies.policy.networking.k8s.io";

/** `lab`: the same cases enforced by the Linux kernel in the lab (conformance scs-0219 --lab), when run. */
export function scs0219(inv: Inventory, probes: { inventory: Inventory; engine: PolicyEngine }, served: ServedApis, e2e: readonly CaseResult[], lab?: readonly CaseResult[]): ScsDecision[] {
  return [cniDecision(inv, e2e, lab), adminPolicyDecision(inv, served), ingressDecision(inv, served), ...restrictionDecisions(probes)];
}

function cniDecision(inv: Inventory, e2e: readonly CaseResult[], lab?: readonly CaseResult[]): ScsDecision {
  const found = [
    ...inv.controllers.filter((c) => c.kind === "DaemonSet").map((c) => ({ name: c.name, object: `DaemonSet ${c.namespace}/${c.name}` })),
    ...inv.endpoints.filter((e) => e.kind === "pod" && !e.owner && e.fromTemplate !== true).map((e) => ({ name: e.name.replace(/-[a-z0-9]{5}$/, ""), object: `Pod ${e.namespace}/${e.name}` })),
  ].flatMap((x) => { const c = cniOfDaemonSet(x.name); return c ? [{ ...c, object: x.object }] : []; });
  const passed = e2e.filter((c) => c.passed).length;
  const cases = `${passed}/${e2e.length} NetworkPolicy e2e cases evaluated by the engine as specified`;
  const enforced = lab && `${lab.filter((c) => c.passed).length}/${lab.length} NetworkPolicy e2e cases enforced in the lab (Linux kernel, nftables) as specified`;
  const evidence = [...found.map((c) => `${c.object}: ${c.name}`), cases, ...e2e.filter((c) => !c.passed).map((c) => `case failed: ${c.name}`),
    ...(enforced ? [enforced] : []), ...(lab ?? []).filter((c) => !c.passed).map((c) => `case failed in the lab: ${c.name} (${c.mismatches[0]}${c.mismatches.length > 1 ? `, and ${c.mismatches.length - 1} more` : ""})`)];
  const base = { id: "networkpolicy-enforced", level: "MUST" as const, requirement: "a CNI that enforces NetworkPolicy v1", evidence };
  if (lab?.some((c) => !c.passed)) return { ...base, result: "fail", summary: "the lab's kernel enforcement differs from the specification" };
  if (found.some((c) => c.enforces)) return { ...base, result: passed === e2e.length ? "pass" : "fail", summary: `${[...new Set(found.filter((c) => c.enforces).map((c) => c.name))].join(", ")} enforces NetworkPolicy` };
  if (found.length) return { ...base, result: "fail", summary: "the CNI found does not enforce NetworkPolicy" };
  return { ...base, result: "unknown", summary: "no known CNI DaemonSet or pod in the input" };
}

function adminPolicyDecision(inv: Inventory, served: ServedApis): ScsDecision {
  const base = { id: "admin-network-policy", level: "SHOULD" as const, requirement: "AdminNetworkPolicy and BaselineAdminNetworkPolicy, or ClusterNetworkPolicy, served" };
  const crd = (name: string) => served.crds?.get(name);
  const evidence = [...ANP_CRDS, CNP_CRD].flatMap((n) => (crd(n) ? [`CustomResourceDefinition ${n}: ${crd(n)!.join(", ")}`] : []));
  const kinds = ["AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"].map((k) => [k, inv.policies.filter((p) => p.kind === k).length] as const).filter(([, n]) => n);
  evidence.push(...kinds.map(([k, n]) => `${n} ${k} object${n === 1 ? "" : "s"} in the input`));
  const anp = ANP_CRDS.every((n) => crd(n)?.length) || (kinds.some(([k]) => k === "AdminNetworkPolicy") && kinds.some(([k]) => k === "BaselineAdminNetworkPolicy"));
  const cnp = !!crd(CNP_CRD)?.length || kinds.some(([k]) => k === "ClusterNetworkPolicy");
  if (anp || cnp) return { ...base, evidence, result: "pass", summary: [anp ? "AdminNetworkPolicy/BaselineAdminNetworkPolicy" : "", cnp ? "ClusterNetworkPolicy" : ""].filter(Boolean).join(" and ") + " served" };
  if (served.complete || served.crds?.size) return { ...base, evidence, result: "fail", summary: "the policy.networking.k8s.io CRDs are not served" };
  return { ...base, evidence, result: "unknown", summary: "no CustomResourceDefinitions in the input" };
}

function ingressDecision(inv: Inventory, served: ServedApis): ScsDecision {
  const base = { id: "ingress-controller", level: "SHOULD" as const, requirement: "an Ingress controller and a default IngressClass" };
  const classes = inv.ingress.classes;
  const evidence = classes.map((c) => `IngressClass ${c.name}: controller ${c.controller}${c.isDefault ? " (default)" : ""}`);
  const defaults = classes.filter((c) => c.isDefault);
  if (defaults.length === 1) return { ...base, evidence, result: "pass", summary: `default IngressClass ${defaults[0].name} (${defaults[0].controller})` };
  if (defaults.length > 1) return { ...base, evidence, result: "fail", summary: `${defaults.length} IngressClasses are marked default (admission rejects class-less Ingresses then)` };
  if (classes.length) return { ...base, evidence, result: "fail", summary: "no IngressClass is marked default (ingressclass.kubernetes.io/is-default-class)" };
  return { ...base, evidence, result: served.complete ? "fail" : "unknown", summary: "no IngressClass in the input" };
}

function restrictionDecisions(probes: { inventory: Inventory; engine: PolicyEngine }): ScsDecision[] {
  const pods = podsOf(probes.inventory, true);
  const metadata = metadataBlocked(probes.engine, pods);
  const isolated = namespacesIsolated(probes.engine, pods, false);
  const decision = (id: string, requirement: string, c: typeof metadata, yes: string, no: string): ScsDecision => ({
    id, level: "MAY", requirement, result: c.passed ? "pass" : "fail", summary: c.passed ? yes : no,
    evidence: [...c.evidence.map((p) => `decided by ${p}`), ...c.failures.slice(0, 3)],
  });
  return [
    decision("metadata-blocked", "the cloud metadata address 169.254.169.254 blocked for pods", metadata, "a pod of a new namespace cannot reach 169.254.169.254", "a pod of a new namespace reaches 169.254.169.254"),
    decision("cross-namespace-denied", "traffic between namespaces denied by default", isolated, "pods of two new namespaces cannot reach each other", "pods of two new namespaces reach each other"),
  ];
}
