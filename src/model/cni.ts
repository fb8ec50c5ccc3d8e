// The CNIs Junction recognises by the name of their DaemonSet (or its pods): what the input shows of
// the cluster's data plane (conformance scs-0219's CNI decision; the engine's --own-node=auto; Cilium's
// reading of NetworkPolicy ipBlocks).

import type { Inventory } from "./inventory.js";
import { policyName } from "./policy.js";

export interface Cni {
  /** The product's name as reported. */
  name: string;
  /** Whether it enforces NetworkPolicy. */
  enforces: boolean;
  /** The data plane whose semantics Junction follows where they differ (Calico: also Canal's policy agent). */
  family?: "calico" | "cilium";
}

const CNIS: readonly (Cni & { pattern: RegExp })[] = [
  { pattern: /^calico-node$/, name: "Calico", enforces: true, family: "calico" },
  { pattern: /^canal$/, name: "Canal (Calico policy)", enforces: true, family: "calico" },
  { pattern: /^cilium$/, name: "Cilium", enforces: true, family: "cilium" },
  { pattern: /^antrea-agent$/, name: "Antrea", enforces: true },
  { pattern: /^kube-router$/, name: "kube-router", enforces: true },
  { pattern: /^weave-net$/, name: "Weave Net", enforces: true },
  { pattern: /^ovnkube-node$/, name: "OVN-Kubernetes", enforces: true },
  { pattern: /^kube-ovn-cni$/, name: "Kube-OVN", enforces: true },
  { pattern: /^azure-npm$/, name: "Azure Network Policy Manager", enforces: true },
  { pattern: /^kube-network-policies$/, name: "kube-network-policies", enforces: true },
  { pattern: /^(kube-)?flannel(-ds)?$/, name: "Flannel (no NetworkPolicy enforcement)", enforces: false },
];

/** The CNI a DaemonSet (or a pod's name without its suffix) of this name is, if known. */
export function cniOfDaemonSet(name: string): Cni | undefined {
  const c = CNIS.find((x) => x.pattern.test(name));
  return c && { name: c.name, enforces: c.enforces, ...(c.family ? { family: c.family } : {}) };
}

/** A CNI the input shows, and the object that shows it. */
export interface InputCni { family: "calico" | "cilium"; why: string }

/**
 * The CNIs the input shows: Cilium (its policies, a DaemonSet cilium, the agent's ConfigMap
 * cilium-config) and Calico (its policies, a DaemonSet calico-node or canal); the first object found names each.
 */
export function inputCnis(inv: Inventory): InputCni[] {
  const out: InputCni[] = [];
  const policy = (prefix: string) => inv.policies.find((p) => p.kind.startsWith(prefix));
  const daemonSet = (family: string) => inv.controllers.find((c) => c.kind === "DaemonSet" && cniOfDaemonSet(c.name)?.family === family);
  const cilium = policy("Cilium"), ciliumDs = daemonSet("cilium");
  const ciliumWhy = inv.ciliumAgent ? `ConfigMap ${inv.ciliumAgent.where}` : cilium ? `${cilium.kind} ${policyName(cilium)}` : ciliumDs ? `DaemonSet ${ciliumDs.namespace}/${ciliumDs.name}` : undefined;
  if (ciliumWhy) out.push({ family: "cilium", why: `Cilium (${ciliumWhy})` });
  const calico = policy("Calico "), calicoDs = daemonSet("calico");
  const calicoWhy = calico ? `${calico.kind} ${policyName(calico)}` : calicoDs ? `DaemonSet ${calicoDs.namespace}/${calicoDs.name}` : undefined;
  if (calicoWhy) out.push({ family: "calico", why: `Calico (${calicoWhy})` });
  return out;
}
