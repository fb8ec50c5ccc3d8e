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

/**
 * Which namespaces a selector looks in: one by name, those whose labels match, or "any": every
 * namespace and also endpoints that have none (cluster-scoped Workloads such as Calico host endpoints).
 */
export type NamespaceMatch =
  | { kind: "name"; name: string }
  | { kind: "selector"; selector: LabelSelector }
  | { kind: "any" };

/** Which kinds of endpoint a selector can pick: Kubernetes APIs select pods only. */
export type SelectableKind = "pod" | "workload";

/** Endpoints in matching namespaces whose labels match. */
export interface EndpointSelector {
  namespaces: NamespaceMatch;
  labels: LabelSelector;
  kinds: readonly SelectableKind[];
  /** When set, only endpoints running as one of these service accounts (pods: spec.serviceAccountName, default "default"). */
  serviceAccounts?: readonly string[];
}

/**
 * The other side of a flow, as a rule names it:
 * - endpoints: pods and/or Workloads picked by an EndpointSelector;
 * - cidr: an address in `cidr` and in none of `except` (pod and node addresses included, as
 *   NetworkPolicy ipBlock does), or with `outside` only addresses that are no pod's or node's
 *   (Cilium's CIDR rules and `world`);
 * - nodes: a node (or a host-network pod under hostNetwork=node) whose labels match;
 * - networks: an address inside a junction Network whose labels match;
 * - domains: DNS names, resolved by the data plane at run time (an address flow never matches).
 */
export type Peer =
  | { kind: "endpoints"; selector: EndpointSelector }
  | { kind: "cidr"; cidr: Cidr; except: readonly Cidr[]; outside?: boolean }
  | { kind: "nodes"; selector: LabelSelector }
  | { kind: "networks"; selector: LabelSelector }
  | { kind: "domains"; names: readonly string[] };

/**
 * An L7 condition on an Allow rule (Cilium's HTTP rules, the common API's `http`): the connection is
 * allowed, and the proxy then lets through only requests matching one of the matches. Every field
 * set must match; `path` is a regular expression over the whole path (Cilium, Envoy).
 */
export interface HttpMatch {
  method?: string;
  path?: string;
  host?: string;
  /** "Name" (present) or "Name: value". */
  headers?: readonly string[];
}

export interface Rule {
  /** Position in the policy's list for this direction. */
  index: number;
  name?: string;
  action: Action;
  /** undefined: every peer. */
  peers?: readonly Peer[];
  /** undefined: every port of every protocol. */
  ports?: readonly PortMatch[];
  /** Allow rules only: the connection is allowed, its HTTP requests are filtered by these matches. */
  http?: readonly HttpMatch[];
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
