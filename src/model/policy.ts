// Policies of every API, lowered into one shape: a tier, a priority, a subject, and ordered
// rules per direction. The engine evaluates every tier with the same algorithm.

import type { Cidr, Family } from "./ip.js";
import type { PortMatch } from "./ports.js";
import { matches, selector, type LabelSelector, type Requirement } from "./selector.js";
import type { Clause } from "./l7.js";
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

/**
 * Which kinds of endpoint a selector can pick: Kubernetes APIs select pods only. "host": a node by its
 * labels (and the host-network pods acting as it), as Cilium's host endpoint (reserved:host) under the
 * agent's host firewall: a CiliumClusterwideNetworkPolicy's nodeSelector (sources/cilium.ts; the engine
 * polices nodes so only when the inventory's ciliumAgent.hostFirewall is set, match.ts isSubjectable).
 */
export type SelectableKind = "pod" | "workload" | "host";

/** Endpoints in matching namespaces whose labels match. */
export interface EndpointSelector {
  namespaces: NamespaceMatch;
  labels: LabelSelector;
  kinds: readonly SelectableKind[];
  /** When set, only endpoints running as one of these service accounts (pods: spec.serviceAccountName, default "default"). */
  serviceAccounts?: readonly string[];
  /** When set, only pods running as none of these service accounts (Calico's `projectcalico.org/serviceaccount != 'a'`, `not in`). */
  exceptServiceAccounts?: readonly string[];
  /**
   * Cilium's requirements on io.cilium.k8s.policy.cluster, a pod's cluster name (the agent's
   * cluster-name), with the selector's pod part: `labels` is that part when they hold for the
   * cluster's name and selects nothing otherwise (clusterLabels). sources/cilium.ts reads them for
   * the agent's cluster-name when the input's ConfigMap cilium-config gives it (`name`), else for
   * Cilium's default name "default"; sources/clusters.ts again for the cluster's --cluster name
   * when `name` is not set.
   */
  ciliumCluster?: { requirements: readonly Requirement[]; labels: LabelSelector; name?: string };
  /** MultiNetworkPolicy peers: KubeVirt VMs are not selected by pod or namespace selectors (only by ipBlock). */
  excludeVirtualMachines?: boolean;
  /**
   * Set by identity peers (the common API's principals): the selector picks nothing unless this is
   * the mesh's trust domain (inventory.mesh.settings.trustDomain, --trust-domain).
   */
  trustDomain?: string;
  /**
   * In a model of several clusters: the cluster whose endpoints it may select (its policy's); it
   * selects nothing in other clusters. undefined: endpoints of no cluster (a model of one).
   */
  cluster?: string;
}

/**
 * The other side of a flow, as a rule names it:
 * - endpoints: pods and/or Workloads picked by an EndpointSelector;
 * - cidr: an address in `cidr` and in none of `except` (pod and node addresses included, as
 *   NetworkPolicy ipBlock does), or with `outside` only addresses that are no pod's or node's
 *   (Cilium's CIDR rules and `world`), with `outside` and `nodes` no pod's (Cilium's CIDR rules
 *   under the agent's policy-cidr-match-mode nodes; a host-network pod acting as its node is the node);
 * - nodes: a node (or a host-network pod under hostNetwork=node) whose labels match;
 * - networks: an address inside a junction Network whose labels match;
 * - domains: DNS names, resolved by the data plane at run time (an address flow never matches).
 * An endpoints, nodes or networks peer with `family` (a Calico rule's ipVersion) matches only when
 * the remote's address in the flow is of that family (a cidr peer is of one family already).
 * A cidr peer with `exceptSelected` (Calico's notSelector) also leaves out the addresses of the
 * Networks and Workloads those selectors pick: `except` holds them as computed from the inventory
 * (inventory.ts refreshSelectedExcepts), recomputed when Workloads change.
 * In a model of several clusters, `cluster` (nodes) is the cluster of the rule's policy: only its
 * nodes match; and `seenIn` (cidr peers of ingress rules) too: a source of another cluster is
 * matched by the address it arrives with, its own when its cluster has no egress NAT, else its
 * cluster's first egress NAT address of that family.
 * `notIn` (Calico's notSelector beside a selector): the addresses of what those peers match leave
 * the peer, as felix matches a rule address "in the IP set of the selector and not in the IP set of
 * the notSelector": a network set's CIDR loses the pods, host endpoints and network sets inside it
 * that the notSelector picks (engine/match.ts excludedBy).
 */
export type Peer =
  | { kind: "endpoints"; selector: EndpointSelector; family?: Family; notIn?: readonly Peer[] }
  | { kind: "cidr"; cidr: Cidr; except: readonly Cidr[]; outside?: boolean; nodes?: boolean; seenIn?: string; exceptSelected?: readonly LabelSelector[] }
  | { kind: "nodes"; selector: LabelSelector; cluster?: string; family?: Family }
  | { kind: "networks"; selector: LabelSelector; family?: Family; notIn?: readonly Peer[] }
  | { kind: "domains"; names: readonly string[] }
  /**
   * The rule's subject's own node (Cilium's host entity: the node, and host-network pods acting as
   * it), relative to the endpoint the rule is evaluated for (Matcher.peerMatches' `local`).
   */
  | { kind: "own-node"; family?: Family }
  /** Every node but the rule's subject's own (Cilium's remote-node entity), and host-network pods acting as them: relative as own-node. */
  | { kind: "remote-node"; family?: Family };

export interface Rule {
  /** Position in the policy's list for this direction. */
  index: number;
  name?: string;
  action: Action;
  /** undefined: every peer. */
  peers?: readonly Peer[];
  /** undefined: every port of every protocol. */
  ports?: readonly PortMatch[];
  /** Per-request conditions (engine/l7 evaluates them): a request must satisfy one of the clauses. */
  http?: readonly Clause[];
  /**
   * How `http` applies (the front end says which its API means):
   * - "match" (the common API, Calico): `http` is part of the rule's match. For a request the rule
   *   matches only when one clause holds, and otherwise the next rule is looked at; Allow, Deny and
   *   Pass keep their meaning. For a connection an Allow rule matches (some requests may pass) and
   *   Deny and Pass rules with `http` do not (they are in Policy.requests only).
   * - "filter" (Cilium): an Allow rule allows the connection; a proxy then lets through only the
   *   requests that satisfy a clause of some allow rule matching the same peer and port, or every
   *   request when one of those rules has no `http` (an L3/L4-only allow cancels the L7 filter).
   */
  httpMode?: "match" | "filter";
  /** The proxy that reads `http`: undefined (the policy's own data plane) or "istio-sidecar" (Calico's Dikastes runs in the Istio sidecar). */
  httpEnforcer?: "istio-sidecar";
  /** The rule's field path inside its object, e.g. ["spec", "ingress", 0]. */
  path: Path;
}

/**
 * The group of Calico's host endpoints' default deny (Policy.tierGroup), which stands for their
 * profiles: felix's endpoint chain ends in them, after every tier ("Clear the "pass" mark. If a policy
 * sets that mark, we'll skip the rest of the policies and continue processing the profiles"; "Drop if
 * no profiles matched": rules/endpoints.go endpointIptablesChain), so a Pass in the last Calico tier
 * reaches them. Not a Kubernetes name, so no Tier's.
 */
export const PROFILES_GROUP = "(profiles)";

export interface Policy {
  /** The API kind it came from: NetworkPolicy, AdminNetworkPolicy, ClusterNetworkPolicy, ... */
  kind: string;
  name: string;
  namespace?: string;
  tier: Tier;
  /** Lower first. NetworkPolicies all have 0. */
  priority: number;
  /**
   * In the Admin and Baseline tiers, the group of policies a Pass ends: Calico's tiers share the
   * model's tier (those before `default` the Admin tier, those after it the Baseline tier), and felix
   * clears the pass mark at each "Start of tier" (rules/endpoints.go endpointIptablesChain), so a
   * Pass skips only the rest of its own Calico tier. A Pass rule of group g skips every later policy
   * of group g; the walk goes on at the policies of other groups. undefined is one group (the Admin
   * APIs' policies: Calico's kube-admin and kube-baseline tiers), so without groups a Pass ends the
   * tier. Policies of one priority are of one group (the engines break ties inside a group only).
   * The Namespace tier ignores it.
   */
  tierGroup?: string;
  subject: EndpointSelector;
  /**
   * The networks it governs (model/networks.ts ids), for kinds bound to networks (MultiNetworkPolicy);
   * undefined: the primary networks (the default pod network and primary user-defined networks).
   */
  networks?: readonly string[];
  /** undefined: the policy does not affect this direction. [] : it isolates and allows nothing. */
  ingress?: readonly Rule[];
  egress?: readonly Rule[];
  /**
   * The rules a request is checked against, when they differ from the connection rules above: a Deny
   * or Pass rule with `http` (httpMode "match") decides requests only, so it is listed here and not there.
   */
  requests?: { ingress?: readonly Rule[]; egress?: readonly Rule[] };
  src?: SourceRef;
}

/**
 * The tier groups (Policy.tierGroup) a Pass of `p` goes on at before the next model tier: those of
 * the policies of `all` in p's Admin or Baseline tier, after it, of another group, in walk order.
 * Empty: a Pass of p ends its tier (as the Admin APIs' Pass does).
 */
export function groupsAfter(p: Policy, all: readonly Policy[]): string[] {
  if (p.tier === "namespace") return [];
  const out: string[] = [];
  for (const q of [...all].filter((q) => q.tier === p.tier && q.priority > p.priority && q.tierGroup !== p.tierGroup).sort((a, b) => a.priority - b.priority)) {
    const g = q.tierGroup ?? "(the Admin APIs' policies)";
    if (!out.includes(g)) out.push(g);
  }
  return out;
}

export function policyName(p: Policy): string {
  return p.namespace ? `${p.namespace}/${p.name}` : p.name;
}

/** Whether a peer's meaning depends on the endpoint the rule is evaluated for (own-node, remote-node). */
export function subjectRelative(p: Peer): boolean {
  return p.kind === "own-node" || p.kind === "remote-node";
}

/** Whether a rule has an own-node peer (Cilium's host entity). */
export function hasOwnNodePeer(r: Rule): r is Rule & { peers: readonly Peer[] } {
  return r.peers?.some((p) => p.kind === "own-node") ?? false;
}

export function rulesOf(p: Policy, d: Direction): readonly Rule[] | undefined {
  return d === "ingress" ? p.ingress : p.egress;
}

/** The rules that decide a request in direction `d` (the connection rules, plus request-only ones). */
export function requestRulesOf(p: Policy, d: Direction): readonly Rule[] | undefined {
  const r = p.requests && (d === "ingress" ? p.requests.ingress : p.requests.egress);
  return r ?? rulesOf(p, d);
}

/** Whether a rule decides requests only: a Deny or Pass whose `http` is part of its match. */
export function requestOnly(r: Rule): boolean {
  return r.http !== undefined && r.httpMode === "match" && r.action !== "allow";
}

/**
 * The rule fields of a Policy from its full rule lists: the connection rules, and the request rules
 * when some rule decides requests only.
 */
export function policyRules(ingress: readonly Rule[] | undefined, egress: readonly Rule[] | undefined): Pick<Policy, "ingress" | "egress" | "requests"> {
  const conn = (rs: readonly Rule[] | undefined) => (rs && rs.some(requestOnly) ? rs.filter((r) => !requestOnly(r)) : rs);
  const out: Pick<Policy, "ingress" | "egress" | "requests"> = { ingress: conn(ingress), egress: conn(egress) };
  if (out.ingress !== ingress || out.egress !== egress) out.requests = { ingress, egress };
  return out;
}

/** Cilium's pod label for the cluster name (pkg/k8s/apis/cilium.io PolicyLabelCluster). */
export const CILIUM_CLUSTER_LABEL = "io.cilium.k8s.policy.cluster";

/** The pod part of a selector with Cilium cluster requirements, for the cluster `name`: it, or a selector that picks nothing. */
export function clusterLabels(c: NonNullable<EndpointSelector["ciliumCluster"]>, name: string): LabelSelector {
  return matches(selector({}, c.requirements), { [CILIUM_CLUSTER_LABEL]: name }) ? c.labels : { requirements: [{ key: CILIUM_CLUSTER_LABEL, operator: "In", values: [] }] };
}
