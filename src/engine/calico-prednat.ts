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

import { addressKey, type Address } from "../model/ip.js";
import type { Endpoint } from "../model/endpoint.js";
import { isEmptyConns, normalizeIntervals, PROTOCOLS, subtractConns, unionConns, type ConnSet, type Interval, type NamedPort, type Protocol } from "../model/ports.js";
import type { Party } from "./match.js";
import { policyName, type Policy } from "../model/policy.js";
import { isSecondary } from "../model/networks.js";
import { portIntervals, type PortIntervals } from "./portspace.js";
import { PolicyEngine, type Decision, type Verdict, type Warning } from "./verdict.js";

const ENGINES = new WeakMap<PolicyEngine, { policies: unknown; sub: PolicyEngine; intervals?: PortIntervals; denied: Map<string, ConnSet> }>();
/** The engines of policies kept apart (apartEngine), per engine and list. */
const APART = new WeakMap<PolicyEngine, Map<readonly Policy[], PolicyEngine>>();

/** felix's failsafe policies (sources/calico failsafePolicies), which come first in the preDNAT and untracked chains too. */
const FAILSAFE_KIND = "Calico felix";

/** An engine of `policies` kept apart from the normal ones (felix's failsafe policies first), kept per engine and list. */
export function apartEngine(engine: PolicyEngine, policies: readonly Policy[]): PolicyEngine {
  let byList = APART.get(engine);
  if (!byList) APART.set(engine, byList = new Map());
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
  if (!engine.inventory.calicoPreDnat?.length) return undefined;
  // (A host-network pod's address is its node's: what arrives for it crosses the node's host endpoint.)
  const node = engine.matcher.nodeOf({ endpoint: to, address });
  if (!node?.hostEndpoint) return undefined;
  if (nodeUnder(engine, src) === node) return undefined;
  return judged(engine, src, node, address, protocol, port, engine.matcher.destPorts(node));
}

/**
 * The host endpoint's ingress decision on the packet as it arrived at `node` (no loopback, hostPort or
 * tunnel handling of the whole flow: before DNAT, the node is its destination; a pod's address for a
 * pod of the node), when a preDNAT policy decides it.
 */
function judged(engine: PolicyEngine, src: Party, node: Endpoint, address: Address | undefined, protocol: Protocol, port: number, destPorts: readonly NamedPort[]): Decision | undefined {
  const pre = engine.inventory.calicoPreDnat!;
  const sub = preDnatEngine(engine).sub, dst = { endpoint: node, address };
  const d = sub.decide("ingress", dst, src, { src, dst, protocol, port }, destPorts);
  return d.by === "rule" && d.policy !== undefined && pre.includes(d.policy) ? d : undefined;
}

/** The engine of the preDNAT policies (felix's failsafe policies first), made once per engine and set of policies. */
function preDnatEngine(engine: PolicyEngine): { sub: PolicyEngine; intervals?: PortIntervals; denied: Map<string, ConnSet> } {
  const pre = engine.inventory.calicoPreDnat!;
  let cached = ENGINES.get(engine);
  if (!cached || cached.policies !== pre) {
    cached = { policies: pre, sub: apartEngine(engine, pre), denied: new Map() };
    ENGINES.set(engine, cached);
  }
  return cached;
}

/**
 * The node whose host endpoint a connection from `src` to a pod `dst` arrives through, for its
 * preDNAT policies: the pod's node (not a host-network pod: that is the node itself,
 * preDnatDecision), for a source off it (an address outside the cluster reaching the pod's IP over
 * a routable pod network, another node, a pod of another node). felix's mangle PREROUTING dispatches
 * on the incoming interface alone (rules/static.go StaticManglePreroutingChain, "Now dispatch to host
 * endpoint chain for the incoming interface"), whatever the destination; the docs' summary of host
 * endpoint policies: "For packets that arrive on a host interface and are destined for a local
 * workload, i.e., a locally-hosted pod ...: Pre-DNAT policies apply." (A host endpoint of a named
 * interface is read as the node's, as sources/calico says: a tunnel's traffic is judged too.)
 */
export function podPreDnatNode(engine: PolicyEngine, src: Party, dst: Party): Endpoint | undefined {
  if (!engine.inventory.calicoPreDnat?.length) return undefined;
  const pod = dst.endpoint;
  if (pod === undefined || pod.kind !== "pod" || pod.hostNetwork === true || pod.nodeName === undefined) return undefined;
  const node = engine.index.nodesByName.get(pod.nodeName);
  return node?.hostEndpoint && nodeUnder(engine, src) !== node ? node : undefined;
}

/**
 * The preDNAT verdict on `src`'s connection to pod `dst` (podPreDnatNode): the deciding rule's
 * decision, undefined when none decides. Its named ports are none: felix matches a named port of an
 * ingress rule on the policy's own endpoints' addresses (the host endpoint's), which a packet to the
 * pod's address is not.
 */
export function preDnatToPod(engine: PolicyEngine, src: Party, dst: Party, protocol: Protocol, port: number): Decision | undefined {
  const node = podPreDnatNode(engine, src, dst);
  if (!node) return undefined;
  const pod = dst.endpoint!, family = src.address?.family;
  const address = dst.address ?? pod.addresses.find((a) => family === undefined || a.family === family) ?? pod.addresses[0];
  return judged(engine, src, node, address, protocol, port, []);
}

/**
 * `v` (a connection to a pod) with the preDNAT policies of the pod's node's host endpoint
 * (preDnatToPod): their Deny drops it there (the verdict's ingress is theirs, a warning says where);
 * their Allow leaves it to the pod's own policy (felix's filter FORWARD: the workload dispatch chains
 * still run; only the host endpoint's forward policy is skipped, `MarkClear(r.MarkAccept)` in
 * rules/static.go StaticFilterForwardChains). `accepted`: a preDNAT Allow decided it.
 */
export function withPodPreDnat(engine: PolicyEngine, src: Party, dst: Party, protocol: Protocol, port: number, v: Verdict): { verdict: Verdict; accepted: boolean } {
  // (A secondary network's interface is no host endpoint's: the all-pairs answers leave them alone too.)
  const pre = isSecondary(v.network) ? undefined : preDnatToPod(engine, src, dst, protocol, port);
  if (!pre) return { verdict: v, accepted: false };
  if (pre.allowed) return { verdict: v, accepted: true };
  const node = engine.index.nodesByName.get(dst.endpoint!.nodeName!)!;
  const where: Warning = { code: "calico-prednat", message: `${preDnatWho(pre)} drops it at node ${node.name}'s host endpoint ${node.hostEndpoint!.name}, before it reaches pod ${dst.endpoint!.namespace}/${dst.endpoint!.name}` };
  return { verdict: { ...v, allowed: false, ingress: { ...pre, warnings: [...pre.warnings, where] }, warnings: [...v.egress.warnings, where] }, accepted: false };
}

/**
 * The connections from `src` to pod `dst` a preDNAT policy of the pod's node's host endpoint drops
 * (withPodPreDnat), port interval by port interval (the cuts of the preDNAT and failsafe policies'
 * ports), for the all-pairs answers; undefined when it drops none. Remembered by the source and node.
 */
export function preDnatDropped(engine: PolicyEngine, src: Party, dst: Party): ConnSet | undefined {
  const node = podPreDnatNode(engine, src, dst);
  if (!node) return undefined;
  const cached = preDnatEngine(engine);
  const key = `${src.endpoint?.id ?? ""}|${src.address ? addressKey(src.address) : ""}|${node.id}`;
  let out = cached.denied.get(key);
  if (!out) {
    const intervals = (cached.intervals ??= portIntervals(cached.sub.inventory));
    const denied = {} as Record<Protocol, Interval[]>;
    for (const protocol of PROTOCOLS) denied[protocol] = normalizeIntervals(intervals[protocol].filter(([first]) => preDnatToPod(engine, src, dst, protocol, first)?.allowed === false));
    cached.denied.set(key, out = denied);
  }
  return isEmptyConns(out) ? undefined : out;
}

/** `conns` (from `src` to `dst`) less what preDnatDropped drops. */
export function lessPreDnat(engine: PolicyEngine, src: Party, dst: Party, conns: ConnSet): ConnSet {
  const dropped = isEmptyConns(conns) ? undefined : preDnatDropped(engine, src, dst);
  return dropped ? subtractConns(conns, dropped) : conns;
}

/**
 * Group pairs' connections (`pairs`, as an all-pairs enumeration found them without preDNAT) made
 * exact where a destination group holds a pod behind a host endpoint: those pairs' connections again
 * from `conns` (a pair's, preDNAT taken off: lessPreDnat), joined over the groups' parties. Undefined
 * when no pair needs it.
 */
export function preDnatGroups(engine: PolicyEngine, groups: readonly (readonly Party[])[], pairs: readonly { src: number; dst: number }[], conns: (s: Party, d: Party) => ConnSet): Map<string, ConnSet> | undefined {
  if (!engine.inventory.calicoPreDnat?.length) return undefined;
  // A destination group's pods behind a host endpoint, one per node (what preDNAT drops depends on the source and the node only).
  const behind = (g: number) => [...new Map(groups[g].flatMap((d) => {
    const node = d.endpoint?.kind === "pod" && d.endpoint.hostNetwork !== true && d.endpoint.nodeName !== undefined ? engine.index.nodesByName.get(d.endpoint.nodeName) : undefined;
    return node?.hostEndpoint ? [[node, d] as const] : [];
  })).values()];
  const out = new Map<string, ConnSet>();
  const memo = new Map<number, Party[]>();
  for (const { src, dst } of pairs) {
    const key = `${src}|${dst}`;
    if (out.has(key)) continue;
    let pods = memo.get(dst);
    if (pods === undefined) memo.set(dst, pods = behind(dst));
    if (!pods.some((d) => groups[src].some((s) => preDnatDropped(engine, s, d) !== undefined))) continue;
    let c: ConnSet = { TCP: [], UDP: [], SCTP: [] };
    for (const s of groups[src]) for (const d of groups[dst]) if (s.endpoint === undefined || s.endpoint !== d.endpoint) c = unionConns(c, conns(s, d));
    out.set(key, c);
  }
  return out.size ? out : undefined;
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
  // (Not the default tier's end-of-tier Pass kept with them: sources/calico placeTiers.)
  const judging = [...(engine.inventory.calicoPreDnat ?? []), ...(engine.inventory.calicoForward ?? [])].filter((p) => p.kind !== "Calico Tier" && p.ingress !== undefined && engine.matcher.selects(p.subject, node));
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
