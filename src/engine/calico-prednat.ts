// Calico's preDNAT policies (Inventory.calicoPreDnat, kept apart from the normal policies by
// sources/calico): felix renders them in the mangle table's PREROUTING (rules/endpoints.go
// HostEndpointToMangleIngressChains: "Pre-DNAT policy does not apply to outgoing traffic through a
// host endpoint"), on what arrives through a host endpoint, before kube-proxy's DNAT: a node port is
// matched as the node port, not the pod's port. rules/static.go StaticManglePreroutingChain: "If the
// packet was explicitly allowed by a pre-DNAT policy, it will have MarkAccept set. If the packet was
// denied, it will have been dropped already. If ... the packet isn't governed by any pre-DNAT policy
// on that interface, it will fall through"; no end-of-tier drop for them (calc/event_sequencer.go
// tierInfoToProtoTierInfo: "For untracked and preDNAT tiers, DefautlAction must be Pass, to make sure
// policies in the normal tier are also checked"), the failsafe ports first (ChainFailsafeIn: accepted
// in mangle, left to the filter table).

import type { Address } from "../model/ip.js";
import type { Endpoint } from "../model/endpoint.js";
import type { Protocol } from "../model/ports.js";
import type { Party } from "./match.js";
import { policyName, type Policy } from "../model/policy.js";
import { PolicyEngine, type Decision, type Warning } from "./verdict.js";

const ENGINES = new WeakMap<PolicyEngine, Map<readonly Policy[], PolicyEngine>>();

/** felix's failsafe policies (sources/calico failsafePolicies), which come first in the preDNAT and untracked chains too. */
const FAILSAFE_KIND = "Calico felix";

/** An engine of `policies` kept apart from the normal ones (felix's failsafe policies first), kept per engine and list. */
export function apartEngine(engine: PolicyEngine, policies: readonly Policy[]): PolicyEngine {
  let byList = ENGINES.get(engine);
  if (!byList) ENGINES.set(engine, byList = new Map());
  let sub = byList.get(policies);
  if (!sub) {
    const inventory = { ...engine.inventory, policies: [...engine.inventory.policies.filter((p) => p.kind === FAILSAFE_KIND), ...policies] };
    byList.set(policies, sub = new PolicyEngine(inventory, engine.options));
  }
  return sub;
}

/**
 * The preDNAT verdict on `src`'s connection arriving at node `to` (or at the node a host-network pod
 * `to` acts as: match.ts nodeOf; its address `address`, port `port` as dialled): the deciding rule's decision (allowed: accepted, the host endpoint's normal and
 * forward ingress policy skipped, `acceptAlreadyAccepted`; denied: dropped), or undefined when no
 * preDNAT policy decides (it falls through to the normal policy; a failsafe port too). Only what
 * arrives through the host endpoint: not the node's own connections nor its pods' (from the host and
 * the workload interfaces).
 */
export function preDnatDecision(engine: PolicyEngine, src: Party, to: Endpoint, address: Address | undefined, protocol: Protocol, port: number): Decision | undefined {
  const pre = engine.inventory.calicoPreDnat;
  if (!pre?.length) return undefined;
  // (A host-network pod's address is its node's: what arrives for it crosses the node's host endpoint.)
  const node = engine.matcher.nodeOf({ endpoint: to, address });
  if (!node?.hostEndpoint) return undefined;
  if (nodeUnder(engine, src) === node) return undefined;
  // The host endpoint's ingress decision on the packet as it arrived (no loopback, hostPort or tunnel
  // handling of the whole flow: before DNAT, the node is its destination).
  const sub = apartEngine(engine, pre), dst = { endpoint: node, address };
  const d = sub.decide("ingress", dst, src, { src, dst, protocol, port }, sub.matcher.destPorts(node));
  return d.by === "rule" && d.policy !== undefined && pre.includes(d.policy) ? d : undefined;
}

/** "Calico GlobalNetworkPolicy NAME's ingress rule N (preDNAT)": who decided, for the answers' text. */
export function preDnatWho(d: Decision, more = ""): string {
  return `${d.policy!.kind} ${d.policy!.name}${d.rule ? ` ingress rule ${d.rule.index}` : ""} (preDNAT${more})`;
}

/**
 * The Calico applyOnForward policies (Inventory.calicoForward) of a node's host endpoint that judge a
 * forwarded connection this answer leaves out (sources/calico onForward), as a warning: `into` a node
 * (arriving through its host endpoint to be forwarded: a node port's connection, or one routed to a
 * pod of the node from off it) their ingress rules, `outOf` a node (a pod's connection leaving it)
 * their egress rules. Undefined when none does.
 */
export function forwardWarning(engine: PolicyEngine, into: Endpoint | undefined, outOf: Endpoint | undefined): Warning | undefined {
  const fwd = engine.inventory.calicoForward;
  if (!fwd?.length) return undefined;
  const judging = (node: Endpoint | undefined, d: "ingress" | "egress") => (node?.kind === "node" && node.hostEndpoint
    ? fwd.filter((p) => (d === "ingress" ? p.ingress : p.egress) !== undefined && engine.matcher.selects(p.subject, node)) : []);
  const found = [...judging(into, "ingress").map((p) => ({ p, node: into!, d: "ingress" })), ...judging(outOf, "egress").map((p) => ({ p, node: outOf!, d: "egress" }))];
  if (!found.length) return undefined;
  const names = [...new Set(found.map(({ p, node, d }) => `${p.kind} ${policyName(p)} (${d} of node ${node.name}'s host endpoint ${node.hostEndpoint!.name})`))];
  return { code: "calico-forward", message: `unknown: the connection is forwarded through a Calico host endpoint whose applyOnForward policies judge it too, which Junction does not model: ${names.join(", ")}; this answer leaves them out (they may deny it)` };
}

/**
 * In felix's eBPF data plane a host endpoint of interfaceName "*" adds its preDNAT and applyOnForward
 * policies to its node's workload interfaces' programs (bpf_ep_mgr.go: "If host-* endpoint is
 * configured, add in its policy", the direction inverted: a pod's traffic out is the host's ingress;
 * polprog "Pre-DNAT policy: on a host interface, or host-* policy on a workload interface"), which the
 * iptables and nftables data planes do not: a warning on a pod's connection when such a policy selects
 * its node's host endpoint (not modelled: its Deny may drop it, before the service NAT).
 */
export function bpfWorkloadWarning(engine: PolicyEngine, src: Party): Warning | undefined {
  const pod = src.endpoint;
  if (engine.inventory.calicoFelix?.bpf?.enabled !== true || pod?.kind !== "pod" || pod.hostNetwork === true || pod.nodeName === undefined) return undefined;
  const hep = engine.index.nodesByName.get(pod.nodeName)?.hostEndpoint;
  if (!hep?.allInterfaces) return undefined;
  const node = engine.index.nodesByName.get(pod.nodeName)!;
  const judging = [...(engine.inventory.calicoPreDnat ?? []), ...(engine.inventory.calicoForward ?? [])].filter((p) => p.ingress !== undefined && engine.matcher.selects(p.subject, node));
  if (!judging.length) return undefined;
  const names = [...new Set(judging.map((p) => `${p.kind} ${policyName(p)}`))];
  return { code: "calico-bpf-host", message: `unknown: in felix's eBPF data plane the preDNAT and applyOnForward ingress policies of host endpoint ${hep.name} (interfaceName "*") also judge pod ${pod.namespace}/${pod.name}'s traffic on its workload interface (bpf_ep_mgr.go: "If host-* endpoint is configured, add in its policy"), which Junction does not model: ${names.join(", ")}; this answer leaves them out (they may deny it)` };
}

/** The node a connection between `src` and `dst` is forwarded through on each side, when it crosses nodes: for forwardWarning. */
export function forwardedNodes(engine: PolicyEngine, src: Party, dst: Party): { into?: Endpoint; outOf?: Endpoint } {
  const from = nodeUnder(engine, src), to = nodeUnder(engine, dst);
  const pod = (p: Party) => p.endpoint !== undefined && p.endpoint.kind === "pod" && !p.endpoint.hostNetwork;
  return { ...(pod(dst) && to !== from ? { into: to } : {}), ...(pod(src) && from !== to ? { outOf: from } : {}) };
}

/** The node a party is on: a node, a host-network pod's node (Matcher.nodeOf), or a pod's (its nodeName). */
export function nodeUnder(engine: PolicyEngine, p: Party): Endpoint | undefined {
  const e = p.endpoint;
  return engine.matcher.nodeOf(p) ?? (e?.kind === "pod" && e.nodeName !== undefined ? engine.index.nodesByName.get(e.nodeName) : undefined);
}
