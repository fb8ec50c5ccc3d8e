// Policies of every API, lowered into one shape: a tier, a priority, a subject, and ordered
// rules per direction. The engine evaluates every tier with the same algorithm.

import type { Cidr } from "./ip.js";
import type { PortMatch } from "./ports.js";
import type { LabelSelector } from "./selector.js";
import type { Path, SourceRef } from "./source.js";

/** Evaluated in this order, per direction. */
export type Tier = "admin" | "namespace" | "baseline";
export const TIERS: readonly Tier[] = ["admin", "namespace", "baseline"];

export type Action = "allow" | "deny" | "pass";
export type Direction = "ingress" | "egress";
export const DIRECTIONS: readonly Direction[] = ["egress", "ingress"];

export type NamespaceMatch =
  | { kind: "name"; name: string }
  | { kind: "selector"; selector: LabelSelector };

/** Which kinds of endpoint a selector can pick: Kubernetes APIs select pods only. */
export type SelectableKind = "pod" | "workload";

/** Endpoints in matching namespaces whose labels match. */
export interface EndpointSelector {
  namespaces: NamespaceMatch;
  labels: LabelSelector;
  kinds: readonly SelectableKind[];
}

export type Peer =
  | { kind: "endpoints"; selector: EndpointSelector }
  | { kind: "cidr"; cidr: Cidr; except: readonly Cidr[] }
  | { kind: "nodes"; selector: LabelSelector }
  | { kind: "networks"; selector: LabelSelector }
  | { kind: "domains"; names: readonly string[] };

export interface Rule {
  /** Position in the policy's list for this direction. */
  index: number;
  name?: string;
  action: Action;
  /** undefined: every peer. */
  peers?: readonly Peer[];
  /** undefined: every port of every protocol. */
  ports?: readonly PortMatch[];
  /** The rule's field path inside its object, e.g. ["spec", "ingress", 0]. */
  path: Path;
}

export interface Policy {
  /** The API kind it came from: NetworkPolicy, AdminNetworkPolicy, ClusterNetworkPolicy, ... */
  kind: string;
  name: string;
  namespace?: string;
  tier: Tier;
  /** Lower first. NetworkPolicies all have 0. */
  priority: number;
  subject: EndpointSelector;
  /** undefined: the policy does not affect this direction. [] : it isolates and allows nothing. */
  ingress?: readonly Rule[];
  egress?: readonly Rule[];
  src?: SourceRef;
}

export function policyName(p: Policy): string {
  return p.namespace ? `${p.namespace}/${p.name}` : p.name;
}

export function rulesOf(p: Policy, d: Direction): readonly Rule[] | undefined {
  return d === "ingress" ? p.ingress : p.egress;
}
