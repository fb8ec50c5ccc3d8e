// Policy peers as the address ranges a packet filter can test. Pods and Workloads are resolved to
// their addresses at compile time: an address matches a peer exactly when the engine's matcher says
// the endpoint owning that address (as the engine resolves addresses) matches it.

import type { Endpoint } from "../../model/endpoint.js";
import { addressKey, jsonKey, mergeRanges, subtractRanges, type Address, type AddressRange } from "../../model/ip.js";
import { subjectRelative, type Direction, type Peer, type Rule } from "../../model/policy.js";
import { endpointName } from "../../model/endpoint.js";
import type { Party } from "../../engine/match.js";
import type { PolicyEngine } from "../../engine/verdict.js";
import { ownNodeExempts } from "../../engine/options.js";

export interface AddressOwner {
  address: Address;
  endpoint: Endpoint;
}

/** One address as a range of its own. */
export const point = (a: Address): AddressRange => ({ family: a.family, first: a.value, last: a.value });

export class PeerResolver {
  /** Every address of the inventory, with the endpoint a packet from it is taken to be. */
  readonly owners: AddressOwner[] = [];
  /** Endpoints that some peer selects but that have no address, so no packet can match them. */
  readonly unaddressed = new Set<string>();
  /** Rules naming domains, which an address filter cannot match. */
  readonly domainPeers = new Set<Rule>();
  private byLabel = new Map<string, AddressOwner[]>();
  private noAddress: Endpoint[];
  private cache = new Map<string, AddressRange[]>();

  constructor(readonly engine: PolicyEngine) {
    const index = engine.index;
    for (const e of engine.inventory.endpoints) {
      for (const a of e.addresses) if (index.byAddress.get(addressKey(a)) === e) this.owners.push({ address: a, endpoint: e });
    }
    for (const o of this.owners) {
      // (By the labels selectors see: a node's, or a host-network pod's acting as it, are its Calico host endpoint's, Matcher.selects.)
      const labels = (engine.matcher.hostEndpointOf(o.endpoint) ?? o.endpoint).labels;
      for (const [k, v] of Object.entries(labels)) {
        const list = this.byLabel.get(`${k}=${v}`);
        if (list) list.push(o); else this.byLabel.set(`${k}=${v}`, [o]);
      }
    }
    this.noAddress = engine.inventory.endpoints.filter((e) => e.addresses.length === 0 && (e.kind === "pod" || e.kind === "workload"));
  }

  /** The addresses a rule's peers cover; undefined when the rule names no peers (every address). */
  ruleRanges(rule: Rule, e: Endpoint): AddressRange[] | undefined {
    if (!rule.peers) return undefined;
    if (rule.peers.some((p) => p.kind === "domains")) this.domainPeers.add(rule);
    return mergeRanges(rule.peers.flatMap((p) => (subjectRelative(p) ? this.relativeTo(p, e) : this.ranges(p))));
  }

  ranges(peer: Peer): AddressRange[] {
    const key = jsonKey(peer);
    let r = this.cache.get(key);
    if (!r) { r = mergeRanges(this.compute(peer)); this.cache.set(key, r); }
    return r;
  }

  /** Addresses of `e`'s own node (and of host-network pods acting as it), which its Namespace tier exempts in direction d. */
  ownNodeRanges(e: Endpoint, d: Direction): AddressRange[] {
    return ownNodeExempts(this.engine.options.ownNode, d) ? mergeRanges(this.ownNodeOf(e)) : [];
  }

  /** Addresses of `e`'s own node and of host-network pods acting as it. */
  private ownNodeOf(e: Endpoint): AddressRange[] {
    return this.relativeTo({ kind: "own-node" }, e);
  }

  /** The addresses a peer relative to the rule's subject (own-node, remote-node) covers for `e`'s rule: the matcher's test, per owner. */
  private relativeTo(peer: Peer, e: Endpoint): AddressRange[] {
    return this.owners.filter((o) => this.engine.matcher.peerMatches(peer, this.party(o), o.address, e)).map((o) => point(o.address));
  }

  private cluster: (AddressRange[] | undefined)[] = [];
  private clusterAddresses(podsOnly = false): AddressRange[] {
    const i = podsOnly ? 1 : 0;
    this.cluster[i] ??= this.owners.filter((o) => this.engine.matcher.isClusterParty(this.party(o), o.address, undefined, podsOnly)).map((o) => point(o.address));
    return this.cluster[i]!;
  }

  private party(o: AddressOwner): Party {
    return { endpoint: o.endpoint, address: o.address };
  }

  private compute(peer: Peer): AddressRange[] {
    const matcher = this.engine.matcher;
    switch (peer.kind) {
      case "cidr": {
        const ranges = subtractRanges(peer.cidr, peer.except);
        // outside: only addresses no pod or node owns (Cilium's CIDR and world semantics); with nodes, no pod.
        return peer.outside ? ranges.flatMap((r) => subtractRanges(r, this.clusterAddresses(peer.nodes))) : ranges;
      }
      case "networks":
        // The engine's test: a Network whose labels match, and one of its CIDRs.
        return matcher.networkRanges(peer).filter((c) => peer.family === undefined || c.family === peer.family);
      // (Peers relative to the subject are resolved per rule: ruleRanges.)
      case "domains": case "own-node": case "remote-node": return [];
      case "nodes":
        return this.owners.filter((o) => matcher.peerMatches(peer, this.party(o), o.address)).map((o) => point(o.address));
      case "endpoints": {
        for (const e of this.noAddress) if (matcher.selects(peer.selector, e)) this.unaddressed.add(endpointName(e));
        return this.candidates(peer).filter((o) => matcher.peerMatches(peer, this.party(o), o.address)).map((o) => point(o.address));
      }
    }
  }

  /** Owners that might match an endpoints peer: narrowed by one of its `key=value` requirements. */
  private candidates(peer: Extract<Peer, { kind: "endpoints" }>): AddressOwner[] {
    const req = peer.selector.labels.requirements.find((r) => r.operator === "In" && r.values.length === 1);
    return req ? this.byLabel.get(`${req.key}=${req.values[0]}`) ?? [] : this.owners;
  }
}
