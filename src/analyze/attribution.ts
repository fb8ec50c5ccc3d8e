// Attribution: each flow record's addresses, at the record's time, to the endpoints that held them
// (the address history), else to what the inventory's address plan says they are (a node, a
// Network, a cluster's egress NAT or pod range), else unknown; and, given policies, the verdict of
// the verdict engine for the flow between them. Pure: records in, attributions out.

import type { Cluster, Endpoint } from "../model/endpoint.js";
import type { FlowRecord } from "../model/flowrecord.js";
import { holderName, workloadName, type AddressTimeline, type Holder, type Lookup, type Match, type Tenure } from "../model/history.js";
import { InventoryIndex, type Inventory } from "../model/inventory.js";
import { contains, formatAddress, parseAddress, addressKey, sameAddress, type Address, type AddressKey } from "../model/ip.js";
import { isProtocol } from "../model/ports.js";
import { CLUSTER_NETWORK_LABEL } from "../sources/common.js";
import { clusterOfName, inCluster } from "../sources/clusters.js";
import { FlowJudge, type Judgement } from "./flow-verdict.js";
import type { PolicyEngine } from "../engine/verdict.js";
import type { Party } from "../engine/match.js";

/** static: found in the inventory, not the history; nat: a cluster's egress NAT address. */
export type SideMatch = Match | "static" | "nat";

export interface Side {
  address: string;
  match: SideMatch;
  /** The endpoint: shop/web-7d4b9-x2x9z, node-1, 203.0.113.0/24[Network], ... (candidates joined by " | " when ambiguous). */
  name: string;
  /** The unit of the summary: shop/web[Deployment], node-1[Node], {unknown}, ... */
  workload: string;
  /** Every endpoint that may have held the address (ambiguous, nat). */
  candidates?: string[];
  /** The parties the verdict engine judges (one per candidate). */
  parties: PartyRef[];
}

export interface PartyRef {
  key: string;
  party: Party;
}

export interface Attribution {
  record: FlowRecord;
  src: Side;
  dst: Side;
  verdict?: Judgement;
}

export interface AttributorOptions {
  /** The time of records that carry none (e.g. conntrack -L). */
  at: number;
  /** With the class index (default): verdicts per class pair. */
  fast?: boolean;
  /**
   * The clusters of a model of several (--cluster): their holders stand for endpoints of that
   * cluster (its namespaces, nodes and policies).
   */
  clusters?: ReadonlySet<string>;
  /**
   * The cluster the log was taken in: an address its endpoints held is theirs; one inside its pod or
   * service ranges that none held is not another cluster's (an endpoint of no cluster, a VM, may
   * still hold it); other clusters' holders are candidates only for other addresses.
   */
  logCluster?: string;
}

/**
 * Bounds the sides cached per address tenure (and the endpoints made per holder): a day of churn
 * adds tenures all day long, so a cache of every tenure seen would grow through the log. At this
 * size the cache is emptied and refilled by the tenures in use.
 */
const SIDE_LIMIT = 1 << 17;

export class Attributor {
  private readonly index: InventoryIndex;
  private readonly endpoints = new Map<Holder, Endpoint>();
  private readonly prefixCluster: boolean;
  private readonly networks;
  /** The verdicts (given policies); `fast`: with the class index (default). */
  readonly judge?: FlowJudge;
  private readonly sides = new Map<Tenure, Side[]>();
  private readonly at: number;
  private readonly clusters: ReadonlySet<string>;
  private readonly logCluster?: string;
  /** Every endpoint of the inventory by address, when clusters share addresses (the index keeps one). */
  private endpointsByAddress?: Map<AddressKey, Endpoint[]>;

  constructor(private timeline: AddressTimeline, private inv: Inventory, engine: PolicyEngine | undefined, options: AttributorOptions) {
    this.index = engine?.index ?? new InventoryIndex(inv);
    if (engine) this.judge = new FlowJudge(engine, options.fast ?? true);
    this.at = options.at;
    this.clusters = options.clusters ?? new Set();
    this.logCluster = options.logCluster;
    this.prefixCluster = new Set([...timeline.clusters, ...inv.clusters.map((c) => c.name), ...this.clusters]).size > 1;
    this.networks = inv.networks.filter((n) => n.labels[CLUSTER_NETWORK_LABEL] === undefined);
  }

  attribute(r: FlowRecord): Attribution {
    // Between records, so that both sides of one record share endpoints (traffic to itself is one endpoint).
    if (this.sides.size >= SIDE_LIMIT || this.endpoints.size >= SIDE_LIMIT) { this.sides.clear(); this.endpoints.clear(); }
    const from = r.start ?? this.at, to = r.end ?? from;
    const src = this.side(r.src, from, to), dst = this.side(r.dst, from, to);
    const verdict = this.judge ? this.judgeFlow(r, src, dst) : undefined;
    return { record: r, src, dst, ...(verdict ? { verdict } : {}) };
  }

  private side(text: string, from: number, to: number): Side {
    let address = text;
    let found = this.lookup(address, from, to);
    if (found.match === "none") {
      const a = parseAddress(text);
      if (a && formatAddress(a) !== text) { address = formatAddress(a); found = this.lookup(address, from, to); }
    }
    if (found.match === "none") return this.staticSide(address);
    // An exact or possible holder: one side per tenure (a tenure is one address), built once.
    if (found.match !== "ambiguous") {
      const t = found.tenures[0], i = found.match === "exact" ? 0 : 1;
      let cached = this.sides.get(t);
      if (!cached) { cached = []; this.sides.set(t, cached); }
      return (cached[i] ??= this.sideOf(found, address));
    }
    return this.sideOf(found, address);
  }

  /** The holders of an address (see AttributorOptions.logCluster). */
  private lookup(address: string, from: number, to: number): Lookup {
    if (this.logCluster === undefined) return this.timeline.lookup(address, from, to);
    const own = this.timeline.lookup(address, from, to, this.logCluster);
    if (own.match !== "none") return own;
    return this.timeline.lookup(address, from, to, this.inOwnRanges(address) ? null : undefined);
  }

  /** Whether the address is inside the log's cluster's pod or service ranges (its Cluster object). */
  private inOwnRanges(address: string): boolean {
    const c = this.index.cluster(this.logCluster!), a = parseAddress(address);
    return c !== undefined && a !== undefined && [...c.podCIDRs, ...c.serviceCIDRs].some((r) => contains(r, a));
  }

  /** Of things found in several clusters, those the log's cluster sees at the address (as lookup). */
  private narrow<T>(found: T[], clusterOf: (t: T) => string | undefined, address: string): T[] {
    if (this.logCluster === undefined || found.length === 0) return found;
    const own = found.filter((t) => clusterOf(t) === this.logCluster);
    if (own.length) return own;
    return this.inOwnRanges(address) ? found.filter((t) => clusterOf(t) === undefined) : found;
  }

  private sideOf(found: ReturnType<AddressTimeline["lookup"]>, address: string): Side {
    const names = [...new Set(found.tenures.map((t) => this.holderName(t.holder)))];
    const workloads = [...new Set(found.tenures.map((t) => this.workloadName(t.holder)))];
    const parties = dedupe(found.tenures.map((t) => ({ key: `${t.key} ${address}`, party: this.party(t, address) })));
    return {
      address, match: found.match, name: names.join(" | "), workload: workloads.join(" | "), parties,
      ...(found.match === "ambiguous" ? { candidates: names } : {}),
    };
  }

  holderName(h: Holder): string {
    return holderName(h, this.prefixCluster);
  }

  workloadName(h: Holder): string {
    return workloadName(h, this.prefixCluster);
  }

  /**
   * The endpoint a holder stands for in the verdict engine: the inventory's node, or one made from
   * the record; a holder of a cluster of the model is of that cluster (its namespace prod-eu:shop).
   */
  private party(t: Tenure, address: string): Party {
    const a = parseAddress(address)!, h = t.holder;
    const cluster = h.cluster !== undefined && this.clusters.has(h.cluster) ? h.cluster : undefined;
    const q = (name: string) => inCluster(cluster, name);
    if (h.kind === "service") return { address: a };
    if (h.kind === "node") { const n = this.index.nodesByName.get(q(h.name)); if (n) return { endpoint: n, address: a }; }
    let e = this.endpoints.get(h);
    if (!e) {
      e = {
        id: -1, kind: h.kind === "node" ? "node" : h.kind === "pod" ? "pod" : "workload", name: h.kind === "node" ? q(h.name) : h.name,
        ...(h.namespace !== undefined ? { namespace: q(h.namespace) } : {}), ...(cluster !== undefined ? { cluster } : {}),
        labels: h.labels, addresses: [a], ports: h.ports ?? [], ...(h.node ? { nodeName: q(h.node) } : {}), ...(h.serviceAccount ? { serviceAccount: h.serviceAccount } : {}),
      };
      this.endpoints.set(h, e);
    }
    return { endpoint: e, address: a };
  }

  private staticSide(address: string): Side {
    const a = parseAddress(address);
    if (!a) return { address, match: "none", name: address, workload: "{unknown}", parties: [] };
    const party = { key: address, party: { address: a } };
    const endpoints = this.narrow(this.inventoryEndpoints(a), (e) => e.cluster, address);
    if (endpoints.length) {
      const names = endpoints.map((e) => (e.kind === "pod" ? `${e.namespace}/${e.name}` : `${e.namespace !== undefined ? `${e.namespace}/` : ""}${e.name}[${e.kind === "node" ? "Node" : "Workload"}]`));
      return staticOf(address, names, endpoints.map((e) => ({ key: `static:${e.id}`, party: { endpoint: e, address: a } })));
    }
    const svcs = this.narrow(this.inv.services.filter((s) => s.clusterIPs.some((c) => sameAddress(c, a))), (s) => clusterOfName(s.namespace), address);
    if (svcs.length) return staticOf(address, svcs.map((s) => `${s.namespace}/${s.name}[Service]`), [party]);
    return this.planSide(address, a, party);
  }

  /** The inventory's endpoints holding the address: several only in a model of several clusters sharing addresses. */
  private inventoryEndpoints(a: Address): Endpoint[] {
    if (!this.clusters.size) { const e = this.index.byAddress.get(addressKey(a)); return e ? [e] : []; }
    if (!this.endpointsByAddress) {
      // One per cluster, as the index picks one: nodes first (a host-network pod's address is its node's), then pods, then workloads.
      const by = (this.endpointsByAddress = new Map<AddressKey, Endpoint[]>());
      for (const kind of ["node", "pod", "workload"] as const) {
        for (const e of this.inv.endpoints) {
          if (e.kind !== kind) continue;
          for (const x of e.addresses) {
            const k = addressKey(x), cur = by.get(k);
            if (!cur) by.set(k, [e]); else if (!cur.some((c) => c.cluster === e.cluster)) cur.push(e);
          }
        }
      }
    }
    return this.endpointsByAddress.get(addressKey(a)) ?? [];
  }

  /** An address no endpoint holds: a Network, a cluster's egress NAT, pod or service range, or unknown. */
  private planSide(address: string, a: Address, party: PartyRef): Side {
    const net = this.networks.find((n) => n.cidrs.some((c) => contains(c, a)));
    if (net) { const name = `${net.name}[Network]`; return { address, match: "static", name, workload: name, parties: [party] }; }
    const nat = this.inv.clusters.filter((c) => c.egressNAT.some((r) => contains(r, a)));
    if (nat.length) {
      const names = nat.map((c) => `${c.name}:{egress NAT}`);
      return { address, match: "nat", name: names.join(" | "), workload: names.join(" | "), ...(nat.length > 1 ? { candidates: names } : {}), parties: [party] };
    }
    const range = (c: Cluster) => (c.podCIDRs.some((r) => contains(r, a)) ? "{unknown pod}" : c.serviceCIDRs.some((r) => contains(r, a)) ? "{unknown service}" : undefined);
    const own = this.logCluster !== undefined ? this.index.cluster(this.logCluster) : undefined;
    const home = own && range(own) ? own : this.inv.clusters.find((c) => range(c));
    if (home) { const name = `${home.name}:${range(home)}`; return { address, match: "none", name, workload: name, parties: [party] }; }
    return { address, match: "none", name: address, workload: "{unknown}", parties: [party] };
  }

  private judgeFlow(r: FlowRecord, src: Side, dst: Side): Judgement | undefined {
    if (!isProtocol(r.protocol) || r.dport === undefined || !src.parties.length || !dst.parties.length) return undefined;
    return this.judge!.judge(r, src.parties, dst.parties);
  }
}

/** A side found in the inventory: one endpoint, or (clusters sharing the address) every candidate. */
function staticOf(address: string, names: string[], parties: PartyRef[]): Side {
  const name = names.join(" | ");
  return { address, match: names.length > 1 ? "ambiguous" : "static", name, workload: name, ...(names.length > 1 ? { candidates: names } : {}), parties };
}

function dedupe(refs: PartyRef[]): PartyRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => (seen.has(r.key) ? false : (seen.add(r.key), true)));
}
