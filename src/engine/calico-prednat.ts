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
import { PolicyEngine, type Decision } from "./verdict.js";

const ENGINES = new WeakMap<PolicyEngine, { policies: unknown; sub: PolicyEngine }>();

/** felix's failsafe policies (sources/calico failsafePolicies), which come first in the preDNAT chain too. */
const FAILSAFE_KIND = "Calico felix";

/**
 * The preDNAT verdict on `src`'s connection arriving at node `dst` (or the node a host-network pod
 * `dst` acts as: match.ts nodeOf; its address `address`, port `port` as dialled): the deciding rule's decision (allowed: accepted, the host endpoint's normal and
 * forward ingress policy skipped, `acceptAlreadyAccepted`; denied: dropped), or undefined when no
 * preDNAT policy decides (it falls through to the normal policy; a failsafe port too). Only what
 * arrives through the host endpoint: not the node's own connections nor its pods' (from the host and
 * the workload interfaces).
 */
export function preDnatDecision(engine: PolicyEngine, src: Party, dst: Endpoint, address: Address | undefined, protocol: Protocol, port: number): Decision | undefined {
  const pre = engine.inventory.calicoPreDnat;
  if (!pre?.length) return undefined;
  // (A host-network pod's address is its node's: what arrives for it crosses the node's host endpoint.)
  const node = engine.matcher.nodeOf({ endpoint: dst, address });
  if (!node?.hostEndpoint) return undefined;
  if (engine.matcher.nodeOf(src) === node) return undefined;
  let cached = ENGINES.get(engine);
  if (!cached || cached.policies !== pre) {
    const inventory = { ...engine.inventory, policies: [...engine.inventory.policies.filter((p) => p.kind === FAILSAFE_KIND), ...pre] };
    cached = { policies: pre, sub: new PolicyEngine(inventory, engine.options) };
    ENGINES.set(engine, cached);
  }
  // (As addressed: a hostPort is judged at the node, before the portmap plugin's DNAT in the nat table.)
  const d = cached.sub.evaluateBeforeDnat({ src, dst: { endpoint: node, address }, protocol, port }).ingress;
  return d.by === "rule" && d.policy !== undefined && pre.includes(d.policy) ? d : undefined;
}

/** "Calico GlobalNetworkPolicy NAME's ingress rule N (preDNAT)": who decided, for the answers' text. */
export function preDnatWho(d: Decision, more = ""): string {
  return `${d.policy!.kind} ${d.policy!.name}${d.rule ? ` ingress rule ${d.rule.index}` : ""} (preDNAT${more})`;
}
