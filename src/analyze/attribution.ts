// Attribution: each flow record's addresses, at the record's time, to the endpoints that held them
// (the address history), else to what the inventory's address plan says they are (a node, a
// Network, a cluster's egress NAT or pod range), else unknown; and, given policies, the verdict of
// the verdict engine for the flow between them. Pure: records in, attributions out.

import type { Cluster, Endpoint } from "../model/endpoint.js";
import type { FlowRecord } from "../model/flowrecord.js";
import { holderName, workloadName, type AddressTimeline, type Holder, type Match, type Tenure } from "../model/history.js";
import { InventoryIndex, type Inventory } from "../model/inventory.js";
import { contains, formatAddress, parseAddress, addressKey, type Address } from "../model/ip.js";
import { isProtocol } from "../model/ports.js";
import { CLUSTER_NETWORK_LABEL } from "../sources/common.js";
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

export class Attributor {
  private readonly index: InventoryIndex;
  private readonly endpoints = new WeakMap<Holder, Endpoint>();
  private readonly prefixCluster: boolean;
  private readonly networks;
  /** The verdicts (given policies); `fast`: with the class index (default). */
  readonly judge?: FlowJudge;
  private readonly sides = new WeakMap<Tenure, Side[]>();

  /** `at`: the time of records that carry none (e.g. conntrack -L). */
  constructor(private timeline: AddressTimeline, private inv: Inventory, engine: PolicyEngine | undefined, private at: number, fast = true) {
    this.index = engine?.index ?? new InventoryIndex(inv);
    if (engine) this.judge = new FlowJudge(engine, fast);
    this.prefixCluster = new Set([...timeline.clusters, ...inv.clusters.map((c) => c.name)]).size > 1;
    this.networks = inv.networks.filter((n) => n.labels[CLUSTER_NETWORK_LABEL] === undefined);
  }

  attribute(r: FlowRecord): Attribution {
    const from = r.start ?? this.at, to = r.end ?? from;
    const src = this.side(r.src, from, to), dst = this.side(r.dst, from, to);
    const verdict = this.judge ? this.judgeFlow(r, src, dst) : undefined;
    return { record: r, src, dst, ...(verdict ? { verdict } : {}) };
  }

  private side(text: string, from: number, to: number): Side {
    let address = text;
    let found = this.timeline.lookup(address, from, to);
    if (found.match === "none") {
      const a = parseAddress(text);
      if (a && formatAddress(a) !== text) { address = formatAddress(a); found = this.timeline.lookup(address, from, to); }
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

  /** The endpoint a holder stands for in the verdict engine: the inventory's node, or one made from the record. */
  private party(t: Tenure, address: string): Party {
    const a = parseAddress(address)!;
    if (t.holder.kind === "service") return { address: a };
    if (t.holder.kind === "node") { const n = this.index.nodesByName.get(t.holder.name); if (n) return { endpoint: n, address: a }; }
    let e = this.endpoints.get(t.holder);
    if (!e) {
      const h = t.holder;
      e = {
        id: -1, kind: h.kind === "node" ? "node" : h.kind === "pod" ? "pod" : "workload", name: h.name, ...(h.namespace !== undefined ? { namespace: h.namespace } : {}),
        labels: h.labels, addresses: [a], ports: h.ports ?? [], ...(h.node ? { nodeName: h.node } : {}), ...(h.serviceAccount ? { serviceAccount: h.serviceAccount } : {}),
      };
      this.endpoints.set(t.holder, e);
    }
    return { endpoint: e, address: a };
  }

  private staticSide(address: string): Side {
    const a = parseAddress(address);
    if (!a) return { address, match: "none", name: address, workload: "{unknown}", parties: [] };
    const party = { key: address, party: { address: a } };
    const e = this.index.byAddress.get(addressKey(a));
    if (e) {
      const name = e.kind === "pod" ? `${e.namespace}/${e.name}` : `${e.namespace !== undefined ? `${e.namespace}/` : ""}${e.name}[${e.kind === "node" ? "Node" : "Workload"}]`;
      return { address, match: "static", name, workload: name, parties: [{ key: `static:${e.id}`, party: { endpoint: e, address: a } }] };
    }
    const svc = this.inv.services.find((s) => s.clusterIPs.some((c) => c.family === a.family && c.value === a.value));
    if (svc) { const name = `${svc.namespace}/${svc.name}[Service]`; return { address, match: "static", name, workload: name, parties: [party] }; }
    return this.planSide(address, a, party);
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
    const inCluster = this.inv.clusters.find((c) => range(c));
    if (inCluster) { const name = `${inCluster.name}:${range(inCluster)}`; return { address, match: "none", name, workload: name, parties: [party] }; }
    return { address, match: "none", name: address, workload: "{unknown}", parties: [party] };
  }

  private judgeFlow(r: FlowRecord, src: Side, dst: Side): Judgement | undefined {
    if (!isProtocol(r.protocol) || r.dport === undefined || !src.parties.length || !dst.parties.length) return undefined;
    return this.judge!.judge(r, src.parties, dst.parties);
  }
}

function dedupe(refs: PartyRef[]): PartyRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => (seen.has(r.key) ? false : (seen.add(r.key), true)));
}
