// Does a selector select an endpoint; does a peer match the other side of a flow.

import type { Address, AddressRange } from "../model/ip.js";
import { append } from "../model/arrays.js";
import { AddressSet, addressKey, contains, subtractRanges } from "../model/ip.js";
import { inCluster, isVirtualMachine, standInNode, type Endpoint } from "../model/endpoint.js";
import type { InventoryIndex } from "../model/inventory.js";
import { matches } from "../model/selector.js";
import type { EndpointSelector, NamespaceMatch, Peer } from "../model/policy.js";
import type { EngineOptions } from "./options.js";
import { addressesOn } from "../model/networks.js";
import { ciliumNamedPorts, type NamedPort } from "../model/ports.js";

const NO_PORTS: readonly NamedPort[] = Object.freeze([]);

/** One side of a flow: an endpoint of the inventory, an address, or both. */
export interface Party {
  endpoint?: Endpoint;
  address?: Address;
}

export class Matcher {
  constructor(readonly index: InventoryIndex, readonly options: EngineOptions) {}

  /**
   * The ports a destination's named ports resolve on: every port of a name, or under Cilium
   * (options.namedPorts) the one its agent resolves (model/ports.ts ciliumNamedPorts).
   */
  destPorts(e: Endpoint | undefined): readonly NamedPort[] {
    if (e === undefined) return NO_PORTS;
    return this.options.namedPorts ? ciliumNamedPorts(e.ports) : e.ports;
  }

  /**
   * The ports an egress rule's named ports resolve on at destination `e`: under Cilium, those of its
   * identity (model/cilium-identity.ts IdentityPorts: a name its pods give different ports resolves
   * to none), else destPorts.
   */
  egressDestPorts(e: Endpoint | undefined): readonly NamedPort[] {
    if (e === undefined || !this.options.namedPorts || e.kind !== "pod" || e.hostNetwork === true) return this.destPorts(e);
    return this.index.identityPorts.egressPorts(e);
  }

  /** The ports direction d's named ports resolve on at destination `e` (ingress: its own; egress: egressDestPorts). */
  portsFor(d: "egress" | "ingress", e: Endpoint | undefined): readonly NamedPort[] {
    return d === "egress" ? this.egressDestPorts(e) : this.destPorts(e);
  }

  /** Host-network pods count as their node's traffic under hostNetwork=node. */
  actsAsNode(e: Endpoint | undefined): boolean {
    return e?.kind === "pod" && e.hostNetwork === true && this.options.hostNetwork === "node";
  }

  /** The node a party's traffic belongs to: a node, or a host-network pod's node (a Calico host endpoint placed on a node is no party: hostEndpointOf). */
  nodeOf(p: Party): Endpoint | undefined {
    const e = p.endpoint;
    if (e?.kind === "node") return e;
    if (e && this.actsAsNode(e)) {
      if (e.nodeName) return this.index.nodesByName.get(e.nodeName);
      const byAddr = p.address ?? e.addresses[0];
      const n = byAddr && this.index.byAddress.get(addressKey(byAddr));
      return n?.kind === "node" ? n : undefined;
    }
    return undefined;
  }

  /** `remote` is the node `e` runs on (the node itself, or a host-network pod acting as it). */
  isOwnNode(e: Endpoint | undefined, remote: Party): boolean {
    return e?.nodeName !== undefined && remote.endpoint !== e && this.nodeOf(remote)?.name === e.nodeName;
  }

  namespaceMatches(m: NamespaceMatch, namespace: string | undefined): boolean {
    if (m.kind === "any") return true;
    if (namespace === undefined) return false;
    return m.kind === "name" ? m.name === namespace : matches(m.selector, this.index.namespaceLabels(namespace));
  }

  /**
   * The Calico host endpoint whose policy and labels stand for `e`'s traffic (sources/calico
   * placeOnNodes): a node's, or that of the node a host-network pod acts as. Felix does not police the
   * host's traffic with its own pods by it (PolicyEngine.decide).
   */
  hostEndpointOf(e: Endpoint): Endpoint | undefined {
    if (e.kind === "node") return e.hostEndpoint;
    return this.actsAsNode(e) ? this.nodeOf({ endpoint: e })?.hostEndpoint : undefined;
  }

  /** A node (or a host-network pod acting as it) whose Calico host endpoint no rule selector holds (Endpoint.peerless). */
  peerless(e: Endpoint | undefined): boolean {
    return e !== undefined && (e.kind === "node" || e.hostNetwork === true) && this.hostEndpointOf(e)?.peerless === true;
  }

  /**
   * Can policies select this endpoint at all? (Some policy kind selects pods or workloads; a node through
   * its Calico host endpoint, or as Cilium's host endpoint under the agent's host firewall: ciliumHostOf.)
   */
  isSubjectable(e: Endpoint): boolean {
    return ((e.kind === "pod" || e.kind === "workload") && !this.actsAsNode(e)) || this.hostEndpointOf(e) !== undefined || this.ciliumHostOf(e) !== undefined;
  }

  /**
   * The node whose Cilium host endpoint (reserved:host) stands for `e` under the agent's host firewall
   * (enable-host-firewall): a node, or a host-network pod acting as it ("In each selected node, they apply
   * only to the host namespace, including host-networking pods", Documentation/security/policy/host.rst).
   */
  ciliumHostOf(e: Endpoint): Endpoint | undefined {
    if (this.index.inv.ciliumAgent?.hostFirewall !== true) return undefined;
    return e.kind === "node" ? e : this.actsAsNode(e) ? this.nodeOf({ endpoint: e }) : undefined;
  }

  selects(sel: EndpointSelector, e: Endpoint | undefined): boolean {
    // A Cilium host policy's nodeSelector: the host endpoint's labels are its node's (pkg/policy rule.go
    // matchesSubject: a rule with a NodeSelector selects the host identity only, and no other rule does).
    if (e !== undefined && sel.kinds.includes("host")) {
      const node = this.ciliumHostOf(e);
      return node !== undefined && sel.cluster === node.cluster && matches(sel.labels, node.labels);
    }
    // A node (or a host-network pod acting as it) with a Calico host endpoint is selected by its labels.
    if (e !== undefined && (e.kind === "node" || e.hostNetwork === true)) e = this.hostEndpointOf(e) ?? e;
    if (!e || (e.kind !== "pod" && e.kind !== "workload") || !sel.kinds.includes(e.kind)) return false;
    if (this.actsAsNode(e)) return false;
    if (sel.excludeVirtualMachines && isVirtualMachine(e)) return false;
    if (sel.serviceAccounts && !sel.serviceAccounts.includes(e.serviceAccount ?? "default")) return false;
    if (sel.exceptServiceAccounts?.includes(e.serviceAccount ?? "default")) return false;
    if (sel.trustDomain !== undefined && sel.trustDomain !== this.index.inv.mesh.settings.trustDomain) return false;
    if (sel.cluster !== e.cluster) return false;
    return this.namespaceMatches(sel.namespaces, e.namespace) && matches(sel.labels, e.labels);
  }

  /**
   * A pod or node of the cluster (by endpoint, or by an address one of them owns); with `seenIn`
   * (a model of several clusters), of that cluster: another cluster's pods are outside it. With
   * `podsOnly`, a pod not acting as its node (an outside cidr peer with `nodes`).
   */
  isClusterParty(p: Party, address: Address | undefined, seenIn?: string, podsOnly = false): boolean {
    const e = p.endpoint ?? (address ? this.index.byAddress.get(addressKey(address)) : undefined);
    const kind = e !== undefined && inCluster(e, podsOnly, this.actsAsNode(e));
    return kind && (seenIn === undefined || e!.cluster === seenIn);
  }

  /**
   * The address `remote` arrives with in cluster `seenIn` (undefined: a model of one cluster): its
   * own, unless it comes from another cluster that declares egress NAT (a Cluster's egressNAT):
   * then that cluster's first NAT address of the family. An address given with the party is kept.
   */
  seenAddress(remote: Party, address: Address | undefined, seenIn: string | undefined): Address | undefined {
    const from = remote.endpoint?.cluster;
    if (seenIn === undefined || from === undefined || from === seenIn || remote.address || !address) return address;
    const nat = this.index.cluster(from)?.egressNAT.find((c) => c.family === address.family);
    return nat ? { family: nat.family, value: nat.first } : address;
  }

  /**
   * A test equal to "some of these cidr peers matches", in O(log n) whatever their number: a rule
   * may name hundreds of ipBlocks.
   */
  cidrPeersTest(peers: readonly CidrPeer[]): (remote: Party, remoteAddress: Address | undefined) => boolean {
    const inside = cidrUnion(peers.filter((p) => !p.outside)), outside = cidrUnion(peers.filter((p) => p.outside && !p.nodes));
    const outsidePods = cidrUnion(peers.filter((p) => p.outside && p.nodes));
    // A rule's peers are of one policy, so of one cluster.
    const seenIn = peers[0]?.seenIn;
    return (remote, address) => {
      const a = this.seenAddress(remote, address, seenIn);
      return a !== undefined && (inside.has(a) || (outside.has(a) && !this.isClusterParty(remote, a, seenIn)) || (outsidePods.has(a) && !this.isClusterParty(remote, a, seenIn, true)));
    };
  }

  /**
   * Whether `remote` is in the IP set of a Calico notSelector (a peer's notIn): felix matches its
   * address against the addresses of every endpoint and network set the notSelector picks
   * (felix calc/rule_convert.go ruleToParsedRule: NotSrcIPSetIDs/NotDstIPSetIDs), so the endpoint owning the address counts,
   * whatever party stands for it.
   */
  excludedBy(notIn: readonly Peer[], remote: Party, address: Address | undefined): boolean {
    const owner = remote.endpoint ?? (address ? this.index.byAddress.get(addressKey(address)) : undefined);
    const party: Party = owner ? { endpoint: owner, address } : remote;
    return notIn.some((q) => this.peerMatches(q, party, address));
  }

  /**
   * The addresses a networks peer covers: its network sets' CIDRs, less what its notIn takes out
   * (excludedBy: the addresses of the endpoints and the CIDRs of the network sets the notSelector picks).
   */
  networkRanges(peer: Extract<Peer, { kind: "networks" }>): AddressRange[] {
    const cidrs: AddressRange[] = this.index.inv.networks.filter((n) => matches(peer.selector, n.labels)).flatMap((n) => n.cidrs);
    if (!peer.notIn) return cidrs;
    const holes: AddressRange[] = [];
    for (const q of peer.notIn) {
      if (q.kind === "networks") append(holes, this.networkRanges(q));
      else for (const e of this.index.inv.endpoints) for (const a of e.addresses) if (this.peerMatches(q, { endpoint: e, address: a }, a)) holes.push({ family: a.family, first: a.value, last: a.value });
    }
    return cidrs.flatMap((c) => subtractRanges(c, holes));
  }

  /**
   * Whether `peer` matches `remote`, for a rule of `local` (the endpoint the rule is evaluated for:
   * its own node is what own-node and remote-node are relative to; without it, `remote` is taken not
   * to be its own node, as the connectivity engine's classes read them).
   */
  peerMatches(peer: Peer, remote: Party, remoteAddress: Address | undefined, local?: Endpoint): boolean {
    // A peer limited to one IP family (a Calico rule's ipVersion): felix renders the rule into that
    // family's table only (rules/policy.go FilterRuleToIPVersion).
    if (peer.kind !== "cidr" && peer.kind !== "domains" && peer.family !== undefined && remoteAddress?.family !== peer.family) return false;
    switch (peer.kind) {
      case "endpoints": return this.selects(peer.selector, remote.endpoint) && !this.peerless(remote.endpoint) && !(peer.notIn && this.excludedBy(peer.notIn, remote, remoteAddress));
      case "cidr": {
        const a = this.seenAddress(remote, remoteAddress, peer.seenIn);
        if (peer.outside && this.isClusterParty(remote, a, peer.seenIn, peer.nodes)) return false;
        return a !== undefined && cidrSet(peer).has(a);
      }
      case "nodes": {
        const node = this.nodeOf(remote);
        return node !== undefined && node.cluster === peer.cluster && matches(peer.selector, node.labels);
      }
      case "networks":
        return remoteAddress !== undefined && this.index.inv.networks.some((n) =>
          matches(peer.selector, n.labels) && n.cidrs.some((c) => contains(c, remoteAddress))) && !(peer.notIn && this.excludedBy(peer.notIn, remote, remoteAddress));
      case "domains":
        // Domain names are resolved at run time by the data plane; an address flow cannot match them.
        return false;
      case "own-node":
        return local !== undefined && this.isOwnNode(local, remote);
      case "remote-node":
        return this.nodeOf(remote) !== undefined && !(local !== undefined && this.isOwnNode(local, remote));
    }
  }
}

type CidrPeer = Extract<Peer, { kind: "cidr" }>;

const cidrSets = new WeakMap<Peer, AddressSet>();

/** A cidr peer's addresses (the CIDR minus its `except` entries, of which there may be thousands), indexed once. */
function cidrSet(peer: CidrPeer): AddressSet {
  let set = cidrSets.get(peer);
  if (!set) { set = new AddressSet(subtractRanges(peer.cidr, peer.except)); cidrSets.set(peer, set); }
  return set;
}

function cidrUnion(peers: readonly CidrPeer[]): AddressSet {
  return new AddressSet(peers.flatMap((p) => subtractRanges(p.cidr, p.except)));
}

/**
 * The address a party uses in a flow with `other` on `network`: its given address, else one of its
 * addresses on that network of the other's family.
 */
/**
 * The host whose loopback a party's connection to 127.0.0.0/8 or ::1 stays on: a node's own, a
 * host-network pod's node (the input's, else a stand-in), a Workload's (a VM or bare-metal host: its
 * own network stack); undefined for a pod of the pod network (its own namespace's: verdict.ts
 * ownLoopback) and for addresses.
 */
export function loopbackHost(index: InventoryIndex, client: Party | undefined): Endpoint | undefined {
  const e = client?.endpoint;
  if (e?.kind === "node" || e?.kind === "workload") return e;
  return e?.kind === "pod" && e.hostNetwork === true && e.nodeName !== undefined ? nodeNamed(index, e.nodeName) : undefined;
}

/** The node of that name: the input's, else a stand-in. */
export function nodeNamed(index: InventoryIndex, name: string): Endpoint {
  return index.nodesByName.get(name) ?? standInNode(name);
}

/**
 * Whether what polices a host polices its loopback interface: a Calico HostEndpoint of
 * `interfaceName: "*"` only (the node's, or a Workload's own). felix dispatches every interface
 * without a host endpoint of its own to the all-interfaces one, lo too: endpoint_mgr.go
 * resolveHostEndpoints makes it the dispatch chains' default ("Arrange for it to be the default,
 * instead of trying to dispatch to it directly based on the nonexistent interface name *"), and
 * rules/static.go filterInputChain and filterOutputChain jump to the host endpoint dispatch with no
 * exception for lo. A named interface's host endpoint (or one of its expectedIPs' interface) is
 * not lo's; Cilium's host firewall is attached to the native devices, not lo; Junction's own
 * nftables host ruleset accepts lo (targets/nftables/host.ts) unless it stands for felix's "*".
 */
export function policesLoopback(host: Endpoint): boolean {
  return (host.kind === "node" ? host.hostEndpoint?.allInterfaces : host.allInterfaces) === true;
}

export function flowAddress(p: Party, other: Party, network?: string): Address | undefined {
  if (p.address) return p.address;
  const addrs = p.endpoint ? addressesOn(p.endpoint, network) : [];
  const family = other.address?.family ?? other.endpoint?.addresses[0]?.family;
  return addrs.find((a) => a.family === family) ?? addrs[0];
}
