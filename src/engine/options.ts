// Choices the specifications leave to the implementation. Each has a default, a CLI flag, and a
// warning on every answer that depends on it.

import type { Inventory } from "../model/inventory.js";
import type { Direction } from "../model/policy.js";
import { felixToHost, inputCnis, type ToHost } from "../model/cni.js";
import type { KubeProxyConfig } from "../model/kube-proxy-config.js";

export interface EngineOptions {
  /** Host-network pods: "node" = they are their node's traffic (not selected by pod selectors); "pod" = ordinary pods. */
  hostNetwork: "node" | "pod";
  /**
   * A pod's traffic with its own node (the node, or a host-network pod acting as it), which the
   * Namespace tier does not decide when exempt: "allow" both ways (the Kubernetes concepts page:
   * "traffic to and from the node where a Pod is running is always allowed"); "ingress" from the
   * node to the pod only (Cilium, allow-localhost; Calico, felix's OUTPUT chain), the pod's traffic
   * to its node being subject to its egress policy; "policy" neither. "auto": chosen from the input's
   * CNI (ownNodeDefault), which the engine resolves when built.
   */
  ownNode: OwnNodeMode | "auto";
  /**
   * The own-node choice already resolved for an input (resolvedOptions): engines over inventories
   * derived from it (a translation's output, the input without one policy) keep the input's data
   * plane and its reasons. Set, it decides while ownNode is its mode (or auto): another mode is that mode as given (resolveOwnNode).
   */
  ownNodeChoice?: OwnNodeChoice;
  /**
   * How a destination's named ports resolve (resolvedOptions, from the input's CNI; no flag): set when
   * the input shows Cilium, whose agent resolves a name to one port of a pod (model/ports.ts
   * ciliumNamedPorts); unset, to every port of the name (Calico's felix, the Kubernetes default).
   */
  namedPorts?: { plane: "cilium"; why: string };
  /** Two Admin/Baseline policies at the same priority that both match: "name" (alphabetical first wins) or "deny-first". */
  samePriority: "name" | "deny-first";
  /** kube-proxy's configuration as the options give it (--proxy-mode, --cluster-cidr, ...): each field given replaces the input's (engine/kube-proxy.ts setupOf). */
  kubeProxy?: KubeProxyConfig;
}

export type OwnNodeMode = "allow" | "ingress" | "policy";

export const DEFAULT_OPTIONS: EngineOptions = { hostNetwork: "node", ownNode: "auto", samePriority: "name" };

export const OPTION_CHOICES: { [K in keyof EngineOptions]: readonly EngineOptions[K][] } = {
  hostNetwork: ["node", "pod"],
  ownNode: ["auto", "allow", "ingress", "policy"],
  samePriority: ["name", "deny-first"],
};

/** The CLI flag of each option. */
export const OPTION_FLAGS: { [K in keyof EngineOptions]: string } = {
  hostNetwork: "host-network",
  ownNode: "own-node",
  samePriority: "same-priority",
};

/**
 * The own-node mode an engine uses, and why (the input's CNI, the flag, or the Kubernetes default);
 * with Calico, what felix does with a pod's traffic to its own host once its egress policy allowed it
 * (model/cni.ts felixToHost).
 */
export interface OwnNodeChoice { mode: OwnNodeMode; why: string; toHost?: ToHost }

/** Whether `mode` exempts a pod's traffic with its own node in direction d (at the pod). */
export function ownNodeExempts(mode: OwnNodeMode, d: Direction): boolean {
  return mode === "allow" || (mode === "ingress" && d === "ingress");
}

/**
 * --own-node=auto: what the input's CNI does with a pod's traffic with its own node, from what the
 * input shows of it (its policies' kinds, its DaemonSet, Cilium's ConfigMap cilium-config).
 *   Cilium: the agent lets the local host reach its endpoints whatever their ingress policy when
 *     allow-localhost is "always", and "auto" (its default) is "always" in Kubernetes ("Kubernetes
 *     demands that the localhost can always reach local pods": daemon init; mapstate
 *     determineAllowLocalhostIngress adds an allow of reserved:host, which a deny still beats); a pod's
 *     egress to its node is policy (toEntities host). allow-localhost "policy": both ways policy.
 *   Calico: felix does not police host -> endpoint by the endpoint's ingress policy (rules/static.go
 *     filterOutputChain: "it's generally very useful to be able to contact any local workload from the
 *     host"); a pod's traffic to its host passes its egress policy first, then felix's
 *     DefaultEndpointToHostAction for that node (toHost: model/cni.ts felixToHost).
 *   Neither shown: the Kubernetes concepts page, "allow" both ways. When both are shown, the stricter.
 */
export function ownNodeDefault(inv: Inventory): OwnNodeChoice {
  const cnis = inputCnis(inv);
  const found = cnis.map((c): OwnNodeChoice => {
    if (c.family === "calico") return { mode: "ingress", why: `${c.why}: felix does not police a node's traffic to its own pods; a pod's traffic to its node is subject to its egress policy, then to felix's DefaultEndpointToHostAction` };
    const policy = inv.ciliumAgent?.allowLocalhost === "policy";
    return { mode: policy ? "policy" : "ingress", why: `${c.why}: ${policy ? "allow-localhost is policy: a pod's traffic with its node is subject to policy both ways" : "the agent lets a pod's own node reach it (allow-localhost, always in Kubernetes); a pod's traffic to its node is subject to its egress policy"}` };
  });
  if (!found.length) return { mode: "allow", why: "no CNI shown in the input: the Kubernetes default, traffic to and from the node where a pod runs is always allowed" };
  const choice = found.reduce((a, b) => (STRICTNESS[b.mode] > STRICTNESS[a.mode] ? b : a));
  return cnis.some((c) => c.family === "calico") ? { ...choice, toHost: felixToHost(inv.calicoFelix) } : choice;
}

const STRICTNESS: Record<OwnNodeMode, number> = { allow: 0, ingress: 1, policy: 2 };

/**
 * The options with --own-node=auto resolved for `inv`: for engines over inventories derived from it
 * (a translation's output, the input without one policy), which must keep the input's data plane.
 */
export function resolvedOptions(options: EngineOptions, inv: Inventory): EngineOptions & { ownNode: OwnNodeMode; ownNodeChoice: OwnNodeChoice } {
  const choice = resolveOwnNode(options, inv);
  // (A resolved choice is carried over, as the own-node one: an engine over a derived inventory keeps the input's data plane.)
  const namedPorts = options.ownNodeChoice ? options.namedPorts : namedPortsDefault(inv);
  return { ...options, ownNode: choice.mode, ownNodeChoice: choice, ...(namedPorts ? { namedPorts } : {}) };
}

/** Cilium's resolution of named ports when the input shows Cilium (EngineOptions.namedPorts). */
function namedPortsDefault(inv: Inventory): EngineOptions["namedPorts"] {
  const cilium = inputCnis(inv).find((c) => c.family === "cilium");
  return cilium && { plane: "cilium", why: `${cilium.why}: the agent resolves a named port to the last regular container's port of that name` };
}

/**
 * The own-node mode an engine uses for the input, and why (--own-node=auto: the input's CNI; a
 * resolved choice carried over, while the options' mode is still its: options with another mode,
 * an answer under another choice, are that mode as given).
 */
export function resolveOwnNode(options: EngineOptions, inv: Inventory): OwnNodeChoice {
  const carried = options.ownNodeChoice;
  if (carried && (options.ownNode === "auto" || options.ownNode === carried.mode)) return carried;
  if (options.ownNode !== "auto") return { mode: options.ownNode, why: "as given" };
  return ownNodeDefault(inv);
}
