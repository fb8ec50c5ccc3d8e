// The verdict for one flow, with the trace that decided it. Per direction (egress at the source,
// ingress at the destination) the tiers are walked in order with one algorithm:
//   Admin, Baseline: by priority, the first matching rule of a policy decides; Pass jumps to the next tier.
//   Namespace:       if any policy selects the endpoint, the flow is allowed iff some rule matches.
//   Nothing decided: allowed (the Kubernetes default).
// A flow takes one network (model/networks.ts): parties not both on it cannot talk (isolated
// networks), and only the policies that govern that network are walked.

import { standInNode, type Endpoint } from "../model/endpoint.js";
import { InventoryIndex, type Inventory } from "../model/inventory.js";
import { addressKey, formatAddress, isLoopback, jsonKey, sameAddress, type Address } from "../model/ip.js";
import { portMatches, type NamedPort, type Protocol } from "../model/ports.js";
import { hasOwnNodePeer, policyName, requestRulesOf, rulesOf, TIERS, type Action, type Direction, type Policy, type Rule, type Tier } from "../model/policy.js";
import { governs, NetworkMap } from "../model/networks.js";
import { flowAddress, loopbackHost, Matcher, policesLoopback, type Party } from "./match.js";
import { DEFAULT_OPTIONS, OPTION_CHOICES, OPTION_FLAGS, ownNodeExempts, resolvedOptions, type EngineOptions, type OwnNodeChoice, type OwnNodeMode } from "./options.js";
import { append } from "../model/arrays.js";
import { hostActionOn, natOutgoingPool, poolOf, sameNodeSubnet, type HostAction, type IpPool } from "../model/cni.js";
import type { HostPortTarget } from "../model/hostports.js";

/**
 * Decides one request instead of a connection (engine/l7): the rules are the request rules
 * (Policy.requests) and a rule matches only when `matches` says so too (its per-request part).
 */
export interface RequestCheck {
  matches(rule: Rule): boolean;
}

/** The policies selecting an endpoint for a direction on a network, in the order the tiers walk them. */
export type SubjectLookup = (e: Endpoint, d: Direction, network: string) => readonly Policy[] | undefined;

export interface Flow {
  src: Party;
  dst: Party;
  protocol: Protocol;
  port: number;
  /** The network the flow takes (model/networks.ts); undefined: the parties' primary network. */
  network?: string;
}

/**
 * What decided a direction: a policy rule; Namespace-tier isolation (selected, no rule matched);
 * the default (nothing decided); the endpoint cannot be a policy subject (external address, node,
 * VM for Kubernetes kinds); a pod talking to itself; or the Namespace tier's exemption of traffic
 * between a pod and its own node (--own-node=allow); or the network: a party is not on the
 * network the flow takes (isolated user-defined networks, a pod without an interface on a secondary network);
 * or the Service's data path: kube-proxy dropped a connection to a Service address before any endpoint
 * got it (engine/kube-proxy.ts; Decision.dropped says why); or the client's own loopback: a pod's
 * connection to 127.0.0.0/8 or ::1 stays inside its network namespace (ownLoopback), a host's on
 * its lo, which nothing polices but felix's all-interfaces host endpoint (hostLoopback).
 */
export type DecidedBy = "rule" | "isolation" | "default" | "unenforced" | "self" | "own-node" | "network" | "service" | "loopback";

export interface RuleRef {
  policy: Policy;
  rule: Rule;
}

export interface Warning {
  code: string;
  message: string;
}

export interface Decision {
  direction: Direction;
  allowed: boolean;
  by: DecidedBy;
  tier?: Tier;
  policy?: Policy;
  rule?: Rule;
  /** Pass rules met on the way, in order. */
  passed: RuleRef[];
  /**
   * Isolation: the Namespace-tier policies selecting the endpoint. Default: every policy that
   * selects it for this direction but had no matching rule.
   */
  selecting: Policy[];
  warnings: Warning[];
  /** By "network": the network the flow takes (the party is on it when allowed, not on it when denied). */
  network?: string;
  /** By "own-node": the engine's own-node mode and why (the input's CNI, or the flag). */
  ownNode?: OwnNodeChoice;
  /** At a node, for a pod's traffic to it as its own host: what the node's felix does with it (Calico's DefaultEndpointToHostAction). */
  toHost?: HostAction;
  /** By "service": why kube-proxy dropped the connection (engine/kube-proxy.ts). */
  dropped?: string;
  /** A host's own loopback (PolicyEngine.hostLoopback): whose lo, in words (a pod's own is not named). */
  loopback?: string;
}

export interface Verdict {
  flow: Flow;
  /** The network the flow took (model/networks.ts id). */
  network: string;
  allowed: boolean;
  egress: Decision;
  ingress: Decision;
  warnings: Warning[];
  /** The flow was addressed to a node's hostPort: where the node forwards it, and what each side judged. */
  hostPort?: HostPortHop;
}

/**
 * A flow to a node address and a pod's hostPort, forwarded by the node's portmap DNAT (model/hostports.ts)
 * to the pod: the pod's ingress policy judges `inner` (the pod, its containerPort, the source as it
 * arrives); the source's egress policy judges `inner` too when the source is on that node (the DNAT in
 * its nat PREROUTING or OUTPUT comes before the filter chains felix polices in, and before Cilium's
 * per-endpoint egress program sees the packet leave the host's socket-LB: both see the pod), else the
 * flow as addressed (the DNAT happens only on the node owning the address, after the source's node
 * judged it).
 */
export interface HostPortHop {
  /** The node the flow is addressed to (its name when the input lacks its Node), and the address. */
  node: string;
  address: Address;
  target: HostPortTarget;
  inner: Flow;
  /** The source's egress policy judged `inner` (a source on the node), not the flow as addressed. */
  egressAfter: boolean;
  /** The pod itself sent it (hairpin): portmap masquerades it, and it arrives from its node. */
  hairpin: boolean;
  /** The source pod's node masqueraded it on the way (Calico natOutgoing: PolicyEngine.natOutgoingSource): why. */
  natOutgoing?: Warning;
}

/** Lower rank wins under samePriority=deny-first. */
const ACTION_RANK: Record<Action, number> = { deny: 0, pass: 1, allow: 2 };

export class PolicyEngine {
  readonly index: InventoryIndex;
  readonly matcher: Matcher;
  private byTier: Record<Tier, Policy[]>;
  private alternates = new Map<string, PolicyEngine>();
  private subjects: SubjectLookup[] = [];
  readonly networks: NetworkMap;

  /** The options in use: --own-node=auto resolved for the input (resolvedOptions). */
  readonly options: EngineOptions & { ownNode: OwnNodeMode };
  /** The own-node mode and why (the input's CNI, the flag, or the Kubernetes default), for explanations. */
  readonly ownNode: OwnNodeChoice;
  private hasOwnNodePeers?: boolean;
  private hasOwnExact?: boolean;
  private hasHostEndpoints?: boolean;

  constructor(readonly inventory: Inventory, options: EngineOptions = DEFAULT_OPTIONS, index?: InventoryIndex) {
    const resolved = resolvedOptions(options, inventory);
    this.options = resolved;
    this.ownNode = resolved.ownNodeChoice;
    this.index = index ?? new InventoryIndex(inventory);
    this.matcher = new Matcher(this.index, this.options);
    this.networks = new NetworkMap(inventory.namespaces);
    this.byTier = { admin: [], namespace: [], baseline: [] };
    this.policiesChanged();
  }

  /**
   * An index of which policies select an endpoint for a direction, in walk order (the connectivity
   * engine has it); undefined from it means "not known", and every policy is asked instead.
   */
  useSubjects(lookup: SubjectLookup): void {
    this.subjects.push(lookup);
  }

  /** The network a flow takes: the one it names, else the parties' primary network. */
  networkOf(flow: Flow): string {
    return flow.network ?? this.networks.flowNetwork(flow.src.endpoint, flow.dst.endpoint);
  }

  /**
   * Re-reads the inventory's policies after some were added or removed; given them, only those
   * are placed (a new policy goes after the ones it ties with, as if appended to the inventory).
   */
  policiesChanged(change?: { added: readonly Policy[]; removed: readonly Policy[] }): void {
    this.alternates.clear();
    this.hasOwnNodePeers = this.hasOwnExact = this.hasHostEndpoints = undefined;
    if (change) {
      for (const p of change.removed) { const list = this.byTier[p.tier], i = list.indexOf(p); if (i >= 0) list.splice(i, 1); }
      for (const p of change.added) insertSorted(this.byTier[p.tier], p, comparePolicies);
      return;
    }
    const sorted = [...this.inventory.policies].sort(comparePolicies);
    this.byTier = { admin: [], namespace: [], baseline: [] };
    for (const p of sorted) this.byTier[p.tier].push(p);
  }

  /** Whether the flow is allowed (the verdict without its option warnings). */
  allows(flow: Flow): boolean {
    return this.evaluateOnly(flow).allowed;
  }

  evaluate(flow: Flow): Verdict {
    const v = this.evaluateOnly(flow);
    v.warnings.push(...this.optionWarnings(flow, v));
    return v;
  }

  private evaluateOnly(flow: Flow): Verdict {
    if (ownLoopback(flow.src, flow.dst)) return { flow, network: this.networkOf(flow), allowed: true, egress: fixed("egress", "loopback"), ingress: fixed("ingress", "loopback"), warnings: [] };
    const host = this.hostLoopback(flow.src, flow.dst);
    if (host) return this.evaluateHostLoopback(flow, host);
    const hop = this.hostPortHop(flow);
    return hop ? this.evaluateForwarded(flow, hop) : this.evaluatePlain(flow);
  }

  /**
   * A host's connection to its own loopback (a node's, a host-network pod's acting as its node, a Workload's; to
   * 127.0.0.0/8 or ::1, no endpoint named: a node port or health check there is kube-proxy's,
   * engine/kube-proxy.ts, before this): the host whose lo it stays on, and whether what polices the
   * host polices lo (match.ts policesLoopback); undefined for any other flow.
   */
  hostLoopback(src: Party, dst: Party): { host: Endpoint; policed: boolean } | undefined {
    const a = dst.address;
    if (dst.endpoint !== undefined || a === undefined || !isLoopback(a)) return undefined;
    // (A host-network pod read as a pod, --host-network pod, is judged by its own policies, as a pod's other traffic.)
    if (src.endpoint?.kind === "pod" && !this.matcher.actsAsNode(src.endpoint)) return undefined;
    const host = loopbackHost(this.index, src);
    return host ? { host, policed: policesLoopback(host) } : undefined;
  }

  /**
   * The verdict of a host's connection to its own loopback: unpoliced, allowed both ways ("loopback");
   * under felix's all-interfaces host endpoint, its policy both ways as felix sees the packet on lo:
   * egress to the loopback address, ingress from the loopback source (127.0.0.1, ::1: the kernel's
   * source for lo's local routes), which no selector of the host's matches (felix's selector IP sets
   * hold the host endpoint's expectedIPs), nets only. In felix's eBPF data plane, a warning: it
   * attaches its programs to lo only for host-networked NAT (bpf_ep_mgr.go isDataIface).
   */
  private evaluateHostLoopback(flow: Flow, { host, policed }: { host: Endpoint; policed: boolean }): Verdict {
    const a = flow.dst.address!;
    if (!policed) return unpolicedLo(flow, this.networkOf(flow), loName(host));
    const inbound: Flow = { ...flow, src: { address: { family: a.family, value: a.family === 4 ? LOOPBACK_SOURCE_V4 : 1n } }, dst: { endpoint: host, address: a } };
    return this.policedLo(flow, inbound, host, this.matcher.egressDestPorts(undefined));
  }

  /**
   * The verdict of a host's connection with itself at its own address (ownHost: it crosses lo):
   * unpoliced, allowed both ways ("loopback"); under felix's all-interfaces host endpoint, its policy
   * both ways, as for the host's loopback, with the host's own address at both ends (the kernel's
   * source for a local destination is that address: its local route's preferred source), which the
   * host's selectors hold.
   */
  private evaluateOwnHost(flow: Flow, { host, policed }: { host: Endpoint; policed: boolean }): Verdict {
    const network = this.networkOf(flow), to = flowAddress(flow.dst, flow.src, network);
    if (!policed) return unpolicedLo(flow, network, `${loName(host)}, to its own address${to ? ` ${formatAddress(to)}` : ""}`);
    return this.policedLo(flow, flow, host, this.matcher.egressDestPorts(flow.dst.endpoint));
  }

  /**
   * A host's lo policed by felix's all-interfaces host endpoint: egress of `flow` (the client's
   * policy), ingress of `inbound` (as the packet arrives on lo at `host`). In felix's eBPF data
   * plane, a warning: it attaches its programs to lo only for host-networked NAT.
   */
  private policedLo(flow: Flow, inbound: Flow, host: Endpoint, egressPorts: readonly NamedPort[]): Verdict {
    const egress = this.decide("egress", flow.src, flow.dst, flow, egressPorts);
    const from = flowAddress(inbound.src, inbound.dst, this.networkOf(inbound));
    const ingress = { ...this.decide("ingress", inbound.dst, inbound.src, inbound, this.matcher.destPorts(inbound.dst.endpoint)), loopback: `${loName(host)}${from ? `, from ${formatAddress(from)}` : ""}: Calico host endpoint ${host.kind === "node" ? host.hostEndpoint!.name : host.name} (interfaceName "*") polices it` };
    const bpf = this.inventory.calicoFelix?.bpf?.enabled ? [{ code: "vendor-config", message: "felix's eBPF data plane attaches its programs to lo only for host-networked NAT (bpf_ep_mgr.go isDataIface; UDP only under BPFConnectTimeLoadBalancing TCP, the default): answered as its iptables and nftables modes police lo" }] : [];
    return { flow, network: this.networkOf(flow), allowed: egress.allowed && ingress.allowed, egress, ingress, warnings: [...bpf, ...egress.warnings, ...ingress.warnings] };
  }

  /**
   * Where a flow addressed to a node (a Node, or a host-network pod on it: the node's addresses) is
   * forwarded by a pod's hostPort on that node (model/hostports.ts), or undefined.
   */
  hostPortHop(flow: Flow): HostPortHop | undefined {
    const at = this.forwardingNode(flow.dst);
    if (!at) return undefined;
    const { name, party: dst } = at, index = this.index.hostPorts;
    const address = flowAddress(dst, flow.src);
    const target = address && index.target(name, address, flow.protocol, flow.port);
    if (!address || !target) return undefined;
    const src = flow.src.endpoint;
    const hairpin = src === target.pod;
    const node = this.index.nodesByName.get(name);
    const egressAfter = src !== undefined && (src.nodeName === name || this.matcher.nodeOf(flow.src)?.name === name);
    // portmap's SETMARK for `-s podIP` (hairpin): MASQUERADE gives the packet a host address.
    // A pod of another node in a natOutgoing pool reaches the node's address masqueraded to its own node (natOutgoingSource).
    const nat = hairpin || egressAfter ? undefined : this.natOutgoingSource(flow.src, dst, true);
    const seenFrom: Party = hairpin ? (node ? { endpoint: node } : { address }) : nat?.party ?? flow.src;
    const inner: Flow = { src: seenFrom, dst: { endpoint: target.pod, address: target.address }, protocol: flow.protocol, port: target.port.port };
    return { node: name, address, target, inner, egressAfter, hairpin, ...(nat ? { natOutgoing: nat.warning } : {}) };
  }

  /**
   * The node a destination is an address of, when some pod of it maps a hostPort: a Node, or a
   * host-network pod on it (by endpoint, or by an address one of them owns); `party`: the destination
   * with its endpoint.
   */
  forwardingNode(dst: Party): { name: string; party: Party } | undefined {
    const index = this.index.hostPorts;
    if (!index.any) return undefined;
    const e = dst.endpoint ?? (dst.address ? this.index.byAddress.get(addressKey(dst.address)) : undefined);
    // An address no endpoint owns may be a node's the input lacks, known from a forwarding pod's status.hostIP.
    const name = e?.kind === "node" ? e.name : e?.kind === "pod" && e.hostNetwork === true ? e.nodeName : !e && dst.address ? index.nodeAt(dst.address) : undefined;
    return name !== undefined && index.onNode(name) ? { name, party: dst.endpoint ? dst : { endpoint: e, address: dst.address } } : undefined;
  }

  /** The verdict of a flow forwarded by a hostPort (HostPortHop): the source's egress as it sees it, the pod's ingress after the DNAT. */
  private evaluateForwarded(flow: Flow, hop: HostPortHop): Verdict {
    // Addressed to a node, the packet is routed to it, not sent down a tunnel (tunnelSource): the pod sees the sender's own address.
    const after = this.evaluatePlain(hop.inner, false);
    let egress: Decision;
    if (hop.hairpin) {
      // Not a pod's traffic to itself inside it: the packet leaves the pod for its host and comes back.
      const pod: Party = hop.inner.dst, asSent = { ...hop.inner, src: pod };
      egress = this.decide("egress", pod, pod, asSent, this.matcher.egressDestPorts(pod.endpoint));
    } else egress = hop.egressAfter || after.egress.by === "network" ? after.egress : this.evaluatePlain(flow).egress;
    const ingress = after.ingress;
    return { flow, network: after.network, allowed: egress.allowed && ingress.allowed, egress, ingress, warnings: [...(hop.natOutgoing ? [hop.natOutgoing] : []), ...egress.warnings, ...ingress.warnings], hostPort: hop };
  }

  /**
   * A node's traffic (the node, or a host-network pod acting as it) to a pod of another node, without
   * a source address given: under Calico with a tunnel it leaves through the tunnel device with the
   * node's tunnel address (Endpoint.tunnels) as its source: felix masquerades the host's packets going
   * down the tunnel to it (projectcalico/felix#960 "fix the source IP on packets that go down the
   * tunnel"; the tunnel device holds that address). The party with that address and why, else undefined.
   */
  tunnelSource(src: Party, dst: Party): { party: Party; warning: Warning } | undefined {
    if (src.address !== undefined) return undefined;
    const node = this.matcher.nodeOf(src), t = node?.tunnels, pod = dst.endpoint;
    if (!t || !pod || pod.kind !== "pod" || pod.hostNetwork === true || pod.nodeName === undefined || pod.nodeName === node!.name) return undefined;
    const family = dst.address?.family ?? pod.addresses[0]?.family;
    const pools = this.inventory.calicoPools;
    if (pools?.length) return this.poolTunnel(src, node!, pod, family ?? 4, pools);
    const [address, which] = family === 6 ? [t.vxlanV6, "VXLAN (IPv6)"] : t.vxlan ? [t.vxlan, "VXLAN"] : [t.ipip, "IPIP"];
    if (!address) return undefined;
    const both = family !== 6 && t.vxlan && t.ipip ? "; the node has an IPIP tunnel address too: the IP pool of the destination decides which tunnel, and the input has no IP pools" : "";
    return {
      party: { ...src, address },
      warning: { code: "tunnel-source", message: `the source is node ${node!.name}'s Calico ${which} tunnel address ${formatAddress(address)}: felix masquerades the host's traffic to a pod of another node going down the tunnel to it (the input has no IP pools: an IP pool with CrossSubnet encapsulation tunnels only to nodes of another subnet, with the node's own address)${both}` },
    };
  }

  /**
   * tunnelSource with the input's IP pools: the pool of the pod's address decides (felix programs
   * tunnel routes per pool: route_mgr/vxlan_mgr): vxlanMode, else ipipMode; Always tunnels, Never
   * does not, CrossSubnet only to a node outside the sending node's subnet (the subnet of its
   * projectcalico.org/IPv4Address (IPv6Address) annotation, calico-node's BGP address: felix's
   * SameSubnet); a pod address in no pool is not tunnelled.
   */
  private poolTunnel(src: Party, node: Endpoint, pod: Endpoint, family: 4 | 6, pools: readonly IpPool[]): { party: Party; warning: Warning } | undefined {
    const a = pod.addresses.find((x) => x.family === family);
    const pool = a && poolOf(pools, a);
    if (!pool) return undefined;
    const kind = pool.vxlanMode !== "Never" ? "VXLAN" : pool.ipipMode !== "Never" ? "IPIP" : undefined;
    if (!kind) return undefined;
    const mode = kind === "VXLAN" ? pool.vxlanMode : pool.ipipMode;
    let undecided = "";
    if (mode === "CrossSubnet") {
      const same = sameNodeSubnet(node, this.index.nodesByName.get(pod.nodeName!), family);
      if (same === true) return undefined;
      if (same === undefined) undecided = `; CrossSubnet tunnels only to a node of another subnet, and the input does not show node ${node.name}'s subnet (its projectcalico.org/IPv${family}Address annotation) or the other node's address: read as tunnelled`;
    }
    const t = node.tunnels!;
    const address = kind === "VXLAN" ? (family === 6 ? t.vxlanV6 : t.vxlan) : family === 4 ? t.ipip : undefined;
    if (!address) return undefined;
    return {
      party: { ...src, address },
      warning: { code: "tunnel-source", message: `the source is node ${node.name}'s Calico ${kind}${family === 6 ? " (IPv6)" : ""} tunnel address ${formatAddress(address)}: the destination's IP pool ${pool.name} has ${kind === "VXLAN" ? "vxlanMode" : "ipipMode"} ${mode}${mode === "CrossSubnet" && !undecided ? ` and node ${pod.nodeName} is outside node ${node.name}'s subnet` : ""}, and felix masquerades the host's traffic going down the tunnel to the tunnel address${undecided}` },
    };
  }

  /**
   * Calico's natOutgoing (felix rules/nat.go NATOutgoingChain, masq_mgr.go): a pod whose address is in
   * an IP pool with natOutgoing, sending to an address outside every pool (all-ipam-pools: disabled
   * pools too), leaves its node MASQUERADEd to the node's address (the outgoing interface's: its
   * InternalIP), so the destination's ingress policies (a node's host endpoint, a VM's or host's
   * firewall) judge the node, not the pod. Not for a destination on the pod's own node (delivered
   * locally, never through POSTROUTING), nor a pod of the cluster (its address is a pool's), nor a
   * host address under felix's natOutgoingExclusions IPPoolsAndHostIPs, nor a destination no policy
   * can select (nothing judges the source there; `forwarded`: a node address whose hostPort forwards the
   * flow to a pod, which judges it). The node (a stand-in when the input lacks its Node) and why, else undefined.
   */
  natOutgoingSource(src: Party, dst: Party, forwarded = false): { party: Party; warning: Warning } | undefined {
    const pools = this.inventory.calicoPools;
    const pod = src.endpoint;
    if (!pools?.length || !pod || pod.kind !== "pod" || pod.hostNetwork === true || pod.nodeName === undefined) return undefined;
    // (A source address given is one of the pod's own, `ip:` naming the pod: its traffic all the same.)
    if (src.address !== undefined && !pod.addresses.some((a) => sameAddress(a, src.address!))) return undefined;
    const to = flowAddress(dst, src);
    const d = dst.endpoint ?? (to ? this.index.byAddress.get(addressKey(to)) : undefined);
    if (!to || !d || (!forwarded && !this.isSubjectable(d)) || (d.kind === "pod" && d.hostNetwork !== true)) return undefined;
    const from = src.address ?? pod.addresses.find((a) => a.family === to.family);
    const host = d.kind === "node" ? d.name : d.kind === "pod" ? d.nodeName : undefined;
    // Felix on the pod's node masquerades: its natOutgoingExclusions (a node.NAME FelixConfiguration's first).
    const pool = from && natOutgoingPool(pools, this.inventory.calicoFelix, pod.nodeName, from, to, host);
    if (!pool) return undefined;
    const node = this.index.nodesByName.get(pod.nodeName);
    const party: Party = { endpoint: node ?? standInNode(pod.nodeName) };
    const seen = node && flowAddress(party, dst);
    return {
      party,
      warning: { code: "nat-outgoing", message: `the destination sees node ${pod.nodeName}${seen ? ` (${formatAddress(seen)})` : ""} as the source: pod ${pod.namespace}/${pod.name}'s address is in Calico IP pool ${pool.name} with natOutgoing, and ${formatAddress(to)} is outside every IP pool, so felix masquerades it leaving the node (cali-nat-outgoing)${node ? "" : "; the input has no Node " + pod.nodeName + ": its address is unknown"}` },
    };
  }

  private evaluatePlain(given: Flow, viaTunnel = true): Verdict {
    const tunnel = viaTunnel ? this.tunnelSource(given.src, given.dst) : undefined;
    const flow = tunnel ? { ...given, src: tunnel.party } : given;
    const nat = tunnel ? undefined : this.natOutgoingSource(given.src, given.dst);
    const destPorts = this.matcher.destPorts(flow.dst.endpoint);
    const network = this.networkOf(flow);
    const self = flow.src.endpoint !== undefined && flow.src.endpoint === flow.dst.endpoint;
    if (!self && !(this.networks.on(flow.src.endpoint, network) && this.networks.on(flow.dst.endpoint, network))) {
      const egress = { ...fixed("egress", "network", this.networks.on(flow.src.endpoint, network)), network };
      const ingress = { ...fixed("ingress", "network", this.networks.on(flow.dst.endpoint, network)), network };
      return { flow, network, allowed: false, egress, ingress, warnings: [] };
    }
    // A host with itself crosses its lo (ownHost); any other endpoint with itself never leaves it.
    const own = flow.src.endpoint !== undefined && flow.dst.endpoint !== undefined ? this.ownHost(flow.src.endpoint, flow.dst) : undefined;
    if (own) return this.evaluateOwnHost(flow, own);
    const egress = self ? fixed("egress", "self") : this.decide("egress", flow.src, flow.dst, flow, this.matcher.egressDestPorts(flow.dst.endpoint));
    const seen = nat ? { ...flow, src: nat.party } : flow;
    const ingress = self ? fixed("ingress", "self") : this.decide("ingress", seen.dst, seen.src, seen, destPorts);
    const why = tunnel ?? nat;
    return { flow: given, network, allowed: egress.allowed && ingress.allowed, egress, ingress, warnings: [...(why ? [why.warning] : []), ...egress.warnings, ...ingress.warnings] };
  }

  /** The decision for `local`'s policies in one direction, about traffic with `remote` (or one request of it). */
  decide(direction: Direction, local: Party, remote: Party, flow: Flow, destPorts: readonly NamedPort[], request?: RequestCheck): Decision {
    const e = local.endpoint;
    if (!e || !this.isSubjectable(e) || this.hostWithOwnPod(e, remote)) {
      const toHost = direction === "ingress" ? this.hostAction(remote, local) : undefined;
      if (toHost?.action === "Drop") return { ...fixed(direction, "own-node", false), ownNode: this.ownNode, toHost };
      return toHost ? { ...fixed(direction, "unenforced"), toHost } : fixed(direction, "unenforced");
    }
    const ownNode = this.ownNodeExempt(e, remote, direction);
    const network = this.networkOf(flow);
    const remoteAddress = flowAddress(remote, local, network);
    const matchRule = (rule: Rule) => this.ruleMatches(rule, e, remote, remoteAddress, flow, destPorts) && (!request || request.matches(rule));
    return this.walk(direction, e, matchRule, ownNode, request ? requestRulesOf : rulesOf, network);
  }

  /**
   * The tiers of `e`'s policies walked for one direction with a rule test: the algorithm of decide,
   * for analyses whose other side is not a party (exposure's representative peers of unknown pods).
   */
  walk(direction: Direction, e: Endpoint, matchRule: (rule: Rule) => boolean, ownNode = false, rules = rulesOf, network = this.networks.primaryOf(e)): Decision {
    const passed: RuleRef[] = [];
    const warnings: Warning[] = [];
    const considered: Policy[] = [];
    for (const tier of TIERS) {
      const policies = this.applicable(tier, direction, e, network);
      append(considered, policies);
      if (tier === "namespace" && ownNode && policies.length > 0) {
        return { direction, allowed: true, by: "own-node", tier, passed, selecting: policies, warnings, ownNode: this.ownNode };
      }
      const hit = this.tierHit(tier, policies, direction, matchRule, warnings, rules, passed);
      if (hit && hit.rule.action !== "pass") {
        return { direction, allowed: hit.rule.action === "allow", by: "rule", tier, policy: hit.policy, rule: hit.rule, passed, selecting: [], warnings };
      }
      if (hit) { passed.push(hit); continue; }
      if (tier === "namespace" && policies.length > 0) {
        return { direction, allowed: false, by: "isolation", tier, passed, selecting: policies, warnings };
      }
    }
    return { direction, allowed: true, by: "default", passed, selecting: considered, warnings };
  }

  /** Every rule of `local`'s policies for a direction that matches the connection, in the tiers up to `last`. */
  matchingRules(direction: Direction, local: Party, remote: Party, flow: Flow, destPorts: readonly NamedPort[], last: Tier): RuleRef[] {
    const e = local.endpoint;
    if (!e || !this.isSubjectable(e) || this.hostWithOwnPod(e, remote)) return [];
    const network = this.networkOf(flow);
    const remoteAddress = flowAddress(remote, local, network);
    const out: RuleRef[] = [];
    for (const tier of TIERS.slice(0, TIERS.indexOf(last) + 1)) {
      for (const policy of this.applicable(tier, direction, e, network)) {
        for (const rule of rulesOf(policy, direction) ?? []) if (this.ruleMatches(rule, e, remote, remoteAddress, flow, destPorts)) out.push({ policy, rule });
      }
    }
    return out;
  }

  /**
   * Traffic between `e` and its own node (the node, or a host-network pod acting as it), in
   * direction d at `e`: "always allowed" for NetworkPolicy (the Kubernetes concepts page) both ways
   * under --own-node=allow, from the node only under --own-node=ingress (Cilium, Calico: options.ts
   * ownNodeDefault). Exempt, it decides the Namespace tier when a policy there selects `e`; the Admin
   * and Baseline tiers still apply (their conformance suite denies pod → own node with `nodes` peers).
   */
  ownNodeExempt(e: Endpoint | undefined, remote: Party, d: Direction): boolean {
    // (A host-network pod acting as its node is the host itself, ownHost: no pod of it.)
    return ownNodeExempts(this.options.ownNode, d) && this.matcher.isOwnNode(e, remote) && !this.matcher.actsAsNode(e);
  }

  /**
   * What the node's felix does with `src`'s traffic to `dst` when `dst` is the own node of `src`, a
   * pod policies select, and the input's Calico decides (--own-node=auto): its DefaultEndpointToHostAction,
   * after the pod's egress policy (rules/static.go filterWorkloadToHostChain). A host-network pod acts
   * as its node (the host's own traffic, on no workload interface): it meets none.
   */
  hostAction(src: Party, dst: Party): HostAction | undefined {
    const toHost = this.ownNode.toHost, pod = src.endpoint;
    // (A workload endpoint is subjectable: a pod that is not host-network never acts as its node.)
    if (!toHost || !pod || !isWorkloadEndpoint(pod) || !this.matcher.isOwnNode(pod, dst)) return undefined;
    return hostActionOn(toHost, pod.nodeName!);
  }

  /**
   * The node's own pods as felix sees them: its workload endpoints (pods on the node, host-network
   * ones excepted whatever --host-network says: felix gives them no workload interface, so they meet
   * neither DefaultEndpointToHostAction nor a host endpoint's policy). hostAction decides on the same
   * pods; the nftables back end compiles both from this list.
   */
  ownPodsOf(node: Endpoint): Endpoint[] {
    return this.inventory.endpoints.filter((p) => p.nodeName === node.name && isWorkloadEndpoint(p));
  }

  /** Whether felix on node `name` drops its pods' traffic to it (hostAction's Drop). */
  dropsToHostOn(name: string): boolean {
    const t = this.ownNode.toHost;
    return t !== undefined && hostActionOn(t, name).action === "Drop";
  }

  /** Whether felix on some node drops its pods' traffic to it. */
  get dropsToHost(): boolean {
    const t = this.ownNode.toHost;
    return t !== undefined && (t.others.action === "Drop" || Object.values(t.nodes).some((a) => a.action === "Drop"));
  }

  /** Whether a rule has an own-node peer (Cilium's host entity): a pod's pairs with its own node are then matched against it. */
  get ownNodePeers(): boolean {
    return this.hasOwnNodePeers ??= this.inventory.policies.some((p) => [...(p.ingress ?? []), ...(p.egress ?? [])].some(hasOwnNodePeer));
  }

  /**
   * Whether a pod's pairs with its own node can differ from its pairs with other nodes in more than
   * the Namespace tier's own-node allows (ownNodePeers): a remote-node peer, or an own-node peer in
   * a Deny or Pass rule or outside the Namespace tier. The connectivity engine then answers those
   * pairs one by one (fast/pairs.ts).
   */
  get ownExact(): boolean {
    return this.hasOwnExact ??= this.inventory.policies.some((p) => [...(p.ingress ?? []), ...(p.egress ?? [])].some((r) =>
      r.peers?.some((x) => x.kind === "remote-node" || (x.kind === "own-node" && (p.tier !== "namespace" || r.action !== "allow")))))
      // A node policed by a Calico host endpoint, except with its own pods (hostWithOwnPod).
      || this.hostEndpoints;
  }

  /**
   * A node with a Calico host endpoint came, went or changed (fast/updates.ts upsertEndpoint,
   * removeEndpoint): hostEndpoints, and ownExact with it, are asked again.
   */
  hostEndpointsChanged(): void {
    this.hasOwnExact = this.hasHostEndpoints = undefined;
  }

  /**
   * Whether a node has a Calico host endpoint: its connections with itself (a host-network pod acting
   * as it) are then policed or not by the interface it names (ownHost), which its classes do not
   * hold: the connectivity engine answers those pairs one by one (fast/pairs.ts).
   */
  get hostEndpoints(): boolean {
    // (Under Cilium's host firewall every node is a host endpoint, policing its own pods' traffic too: hostWithOwnPod.)
    return this.hasHostEndpoints ??= this.inventory.ciliumAgent?.hostFirewall === true || this.inventory.endpoints.some((e) => e.hostEndpoint !== undefined);
  }

  /**
   * The policies of one tier that select `e` for `direction` and govern `network` (default: `e`'s
   * primary network), in evaluation order (priority, then name).
   */
  applicable(tier: Tier, direction: Direction, e: Endpoint, network = this.networks.primaryOf(e)): Policy[] {
    for (const lookup of this.subjects) {
      const known = lookup(e, direction, network);
      if (known) return known.filter((p) => p.tier === tier);
    }
    return this.scanSubjects(tier, direction, e, network);
  }

  /** The policies of one tier that select `e` (as applicable), found by asking every policy: what a SubjectLookup answers. */
  scanSubjects(tier: Tier, direction: Direction, e: Endpoint, network: string): Policy[] {
    return this.byTier[tier].filter((p) => rulesOf(p, direction) !== undefined && governs(p, network) && this.matcher.selects(p.subject, e));
  }

  /**
   * The rule a tier picks among `policies` (in evaluation order): the first match in the Namespace tier,
   * by priority in the Admin and Baseline tiers. Back ends call it too, so that one algorithm decides.
   */
  tierHit(tier: Tier, policies: readonly Policy[], direction: Direction, matchRule: (r: Rule) => boolean, warnings: Warning[] = [], rules = rulesOf, passes?: RuleRef[]): RuleRef | undefined {
    return tier === "namespace" ? firstHit(policies, direction, matchRule, rules) : this.priorityHit(policies, direction, matchRule, warnings, rules, passes);
  }

  /** Can policies select this endpoint at all? (Matcher.isSubjectable: the fast engine's classes ask it too.) */
  isSubjectable(e: Endpoint): boolean {
    return this.matcher.isSubjectable(e);
  }

  /**
   * `e` is a host policed by its Calico host endpoint and `remote` one of its own pods: felix does not
   * police that traffic by the host endpoint (rules/static.go: a pod's traffic to its host goes to
   * cali-wl-to-host, its egress policy then DefaultEndpointToHostAction; the host's traffic to a pod
   * returns from cali-OUTPUT before the host endpoint dispatch), nor the host's with itself (a
   * host-network pod and its node).
   */
  private hostWithOwnPod(e: Endpoint, remote: Party): boolean {
    // (Asked of a subjectable `e`: a node or a pod acting as one is subjectable only through its host
    // endpoint, so it has one; isSubjectable looked it up already.)
    if (remote.endpoint === undefined || (e.kind !== "node" && !this.matcher.actsAsNode(e))) return false;
    // The host with itself crosses its lo (ownHost); its own pods are pods.
    const host = this.ownHost(e, remote);
    if (host) return !host.policed;
    // Cilium's host firewall polices the host's traffic with its own pods: bpf_host.c's to-host program
    // runs the host's ingress policy on a local pod's packets, and the host's egress policy runs on
    // its packets to a local pod (host_firewall.h: "Only enforce host policies for packets to host IPs").
    return this.matcher.hostEndpointOf(e) !== undefined && this.matcher.isOwnNode(remote.endpoint, { endpoint: e });
  }

  /**
   * `e` and `remote` are one host (a node, a host-network pod acting as it, a Workload; `remote` by
   * endpoint): their connection goes to a local address, which the kernel routes via lo (its local
   * table), so felix polices it as a loopback one (match.ts policesLoopback): by the all-interfaces
   * host endpoint's policy both ways, egress to the host's address (filterOutputChain's
   * cali-to-host-endpoint dispatch, oif lo) and ingress from it (filterInputChain, iif lo), which
   * its selectors hold; a named interface's host endpoint never sees the packet (its dispatch
   * matches that interface). `policed` false: nothing polices it. undefined: not one host.
   */
  ownHost(e: Endpoint | undefined, remote: Party): { host: Endpoint; policed: boolean } | undefined {
    const r = remote.endpoint;
    if (e === undefined || r === undefined) return undefined;
    const a = e.kind === "pod" && !this.matcher.actsAsNode(e) ? undefined : loopbackHost(this.index, { endpoint: e });
    const b = r.kind === "pod" && !this.matcher.actsAsNode(r) ? undefined : loopbackHost(this.index, remote);
    if (a === undefined || b === undefined || (a !== b && !(a.kind === "node" && b.kind === "node" && a.name === b.name))) return undefined;
    return { host: a, policed: policesLoopback(a) };
  }

  private ruleMatches(rule: Rule, local: Endpoint, remote: Party, remoteAddress: Address | undefined, flow: Flow, destPorts: readonly NamedPort[]): boolean {
    if (rule.ports && !rule.ports.some((m) => portMatches(m, flow.protocol, flow.port, destPorts))) return false;
    return !rule.peers || rule.peers.some((p) => this.matcher.peerMatches(p, remote, remoteAddress, local));
  }

  /**
   * Admin and Baseline tiers: policies in priority order; ties resolved by the samePriority option.
   * A Pass ends its group (Policy.tierGroup: a Calico tier) and the walk goes on at the policies of
   * other groups: the first Allow or Deny found there, else the last Pass (the tier passes), the
   * Passes before it added to `passes`. With one group the first Pass ends the tier.
   */
  private priorityHit(policies: readonly Policy[], d: Direction, matchRule: (r: Rule) => boolean, warnings: Warning[], rules = rulesOf, passes?: RuleRef[]): RuleRef | undefined {
    let passed: RuleRef | undefined, ended: (string | undefined)[] | undefined;
    for (let i = 0; i < policies.length; ) {
      let j = i;
      while (j < policies.length && policies[j].priority === policies[i].priority) j++;
      const block = policies.slice(i, j);
      const hits = (ended ? block.filter((p) => !ended!.includes(p.tierGroup)) : block).map((p) => firstHit([p], d, matchRule, rules)).filter((h): h is RuleRef => h !== undefined);
      i = j;
      if (hits.length === 0) continue;
      if (new Set(hits.map((h) => h.rule.action)).size > 1) warnings.push(samePriorityWarning(hits, this.options));
      if (this.options.samePriority === "deny-first") hits.sort((a, b) => ACTION_RANK[a.rule.action] - ACTION_RANK[b.rule.action]);
      const hit = hits[0];
      if (hit.rule.action !== "pass") { if (passed) passes?.push(passed); return hit; }
      // felix clears the pass mark at each "Start of tier" (rules/endpoints.go endpointIptablesChain).
      if (passed) passes?.push(passed);
      passed = hit;
      (ended ??= []).push(hit.policy.tierGroup);
      // (One group, the common case: nothing after it can match.)
      if (!policies.some((p, k) => k >= i && !ended!.includes(p.tierGroup))) break;
    }
    return passed;
  }

  /** Warnings for answers that would change under another choice of an implementation-defined option. */
  private optionWarnings(flow: Flow, v: Verdict): Warning[] {
    const out: Warning[] = [];
    // (A forwarded flow: the pod's side is the inner flow's.)
    const seen = v.hostPort?.inner ?? flow;
    const [s, d] = [seen.src.endpoint, seen.dst.endpoint];
    const hostNet = (e?: Endpoint) => e?.kind === "pod" && e.hostNetwork === true;
    if (hostNet(s) || hostNet(d)) this.compare(flow, v, "hostNetwork", this.options.hostNetwork === "node" ? "pod" : "node", out, "a host-network pod takes part");
    const own = this.matcher.isOwnNode(d, seen.src) ? "the source is the destination pod's own node" : this.matcher.isOwnNode(s, seen.dst) ? "the destination is the source pod's own node" : undefined;
    if (own) {
      for (const other of OPTION_CHOICES.ownNode) {
        if (other !== "auto" && other !== this.options.ownNode) this.compare(flow, v, "ownNode", other, out, `${own}; Junction uses --${OPTION_FLAGS.ownNode}=${this.options.ownNode}: ${this.ownNode.why}`);
      }
    }
    return out;
  }

  private compare<K extends keyof EngineOptions>(flow: Flow, v: Verdict, key: K, other: EngineOptions[K], out: Warning[], why: string): void {
    // (Another own-node mode is the flag's: resolveOwnNode does not carry the input's choice, nor felix's action, to it.)
    const alt = this.alternate({ ...this.options, [key]: other }).evaluateOnly(flow);
    if (alt.allowed !== v.allowed) {
      out.push({
        code: "implementation-defined",
        message: `the answer depends on an implementation choice (${why}): with --${OPTION_FLAGS[key]}=${String(other)} it would be ${alt.allowed ? "allowed" : "denied"}`,
      });
    }
  }

  private alternate(options: EngineOptions): PolicyEngine {
    // (Addresses are bigints: options.kubeProxy's CIDRs.)
    const key = jsonKey(options);
    let e = this.alternates.get(key);
    if (!e) { e = new PolicyEngine(this.inventory, options, this.index); this.alternates.set(key, e); }
    return e;
  }
}

function firstHit(policies: readonly Policy[], d: Direction, matchRule: (r: Rule) => boolean, rules = rulesOf): RuleRef | undefined {
  for (const policy of policies) {
    for (const rule of rules(policy, d) ?? []) if (matchRule(rule)) return { policy, rule };
  }
  return undefined;
}

/**
 * A pod's connection to a loopback address (127.0.0.0/8, ::1; no endpoint named): its own network
 * namespace's lo, where the packet is delivered without leaving the pod. Every enforcer here
 * polices the pod at its interface to the node (the veth's host side: iptables/nftables chains of
 * kube-router, Calico's cali* chains and tc programs, Cilium's bpf_lxc; OVN's logical switch port),
 * which a loopback packet never crosses: no policy applies. (A host-network pod's loopback is the
 * node's: its node port rules apply, engine/kube-proxy.ts loopbackFrontend.) What caches verdicts by
 * class (engine/fast/classes.ts keyOf, FastConnectivity.conns) keys a loopback address apart.
 */
/** Whose lo a host's is, in words ("node n1's lo"). */
function loName(host: Endpoint): string {
  return `${host.kind} ${host.namespace ? `${host.namespace}/` : ""}${host.name}'s lo`;
}

/** A host's connection that stays on its lo, which nothing polices: allowed both ways ("loopback"), `loopback` saying whose. */
function unpolicedLo(flow: Flow, network: string, loopback: string): Verdict {
  return { flow, network, allowed: true, egress: { ...fixed("egress", "loopback"), loopback }, ingress: { ...fixed("ingress", "loopback"), loopback }, warnings: [] };
}

export function ownLoopback(src: Party, dst: Party): boolean {
  const e = src.endpoint, a = dst.address;
  return e?.kind === "pod" && e.hostNetwork !== true && dst.endpoint === undefined && a !== undefined && isLoopback(a);
}

/** 127.0.0.1: the source of a host's connection to 127.0.0.0/8 (the local route's `src`). */
const LOOPBACK_SOURCE_V4 = 0x7f000001n;

function fixed(direction: Direction, by: DecidedBy, allowed = true): Decision {
  return { direction, allowed, by, passed: [], selecting: [], warnings: [] };
}

/** Inserts after every element that does not sort after it. */
export function insertSorted<T>(list: T[], item: T, compare: (a: T, b: T) => number): void {
  let lo = 0, hi = list.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (compare(list[mid], item) <= 0) lo = mid + 1; else hi = mid; }
  list.splice(lo, 0, item);
}

/** The order the tiers walk policies in: priority, then name. */
export function comparePolicies(a: Policy, b: Policy): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  return compareNames(a, b);
}

/**
 * policyName(a) against policyName(b) as strings compare (UTF-16 code units), without making either:
 * the engines sort every policy (10k at 100k pods, about 140k comparisons per sort), and two names
 * made per comparison, then flattened to compare, were 20 MB of garbage in the build.
 */
function compareNames(a: Policy, b: Policy): number {
  const an = a.namespace ? a.namespace : "", bn = b.namespace ? b.namespace : "";
  if (an === bn) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  // The names as `namespace/name` (or `name` without a namespace), read a code unit at a time.
  const al = an ? an.length + 1 + a.name.length : a.name.length, bl = bn ? bn.length + 1 + b.name.length : b.name.length;
  for (let i = 0, n = Math.min(al, bl); i < n; i++) {
    const x = nameCode(an, a.name, i), y = nameCode(bn, b.name, i);
    if (x !== y) return x - y;
  }
  return al - bl;
}

/** Code unit i of `namespace/name` (of `name` when namespace is empty). */
function nameCode(namespace: string, name: string, i: number): number {
  if (!namespace) return name.charCodeAt(i);
  return i < namespace.length ? namespace.charCodeAt(i) : i === namespace.length ? 47 : name.charCodeAt(i - namespace.length - 1);
}

function samePriorityWarning(hits: RuleRef[], options: EngineOptions): Warning {
  const names = hits.map((h) => `${h.policy.kind} ${policyName(h.policy)} (${h.rule.action})`).join(", ");
  return {
    code: "same-priority",
    message: `policies with the same priority ${hits[0].policy.priority} match with different actions: ${names}; upstream leaves the order undefined (Junction uses --same-priority=${options.samePriority})`,
  };
}

/** A pod felix gives a workload interface: not a host-network one (PolicyEngine.ownPodsOf). */
function isWorkloadEndpoint(e: Endpoint): boolean {
  return e.kind === "pod" && e.hostNetwork !== true;
}
