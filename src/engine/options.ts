// Choices the specifications leave to the implementation. Each has a default, a CLI flag, and a
// warning on every answer that depends on it.

export interface EngineOptions {
  /** Host-network pods: "node" = they are their node's traffic (not selected by pod selectors); "pod" = ordinary pods. */
  hostNetwork: "node" | "pod";
  /** Traffic from a node to the pods running on it: "allow" (as most CNIs do, for kubelet probes) or "policy". */
  ownNode: "allow" | "policy";
  /** Two Admin/Baseline policies at the same priority that both match: "name" (alphabetical first wins) or "deny-first". */
  samePriority: "name" | "deny-first";
}

export const DEFAULT_OPTIONS: EngineOptions = { hostNetwork: "node", ownNode: "allow", samePriority: "name" };

export const OPTION_CHOICES: { [K in keyof EngineOptions]: readonly EngineOptions[K][] } = {
  hostNetwork: ["node", "pod"],
  ownNode: ["allow", "policy"],
  samePriority: ["name", "deny-first"],
};

/** The CLI flag of each option. */
export const OPTION_FLAGS: { [K in keyof EngineOptions]: string } = {
  hostNetwork: "host-network",
  ownNode: "own-node",
  samePriority: "same-priority",
};
