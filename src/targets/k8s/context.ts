// What the Kubernetes back end needs to know about the inventory: the addresses of the Workloads
// and Networks a selector picks (Kubernetes peers cannot name them, their addresses can), and
// which endpoints a subject selects.

import { DEFAULT_OPTIONS } from "../../engine/options.js";
import { Matcher } from "../../engine/match.js";
import { InventoryIndex, type Inventory } from "../../model/inventory.js";
import { formatAddress, rangeToCidrs, type Cidr } from "../../model/ip.js";
import { Unsupported } from "../problems.js";
import { matches } from "../../model/selector.js";
import type { EndpointSelector, Peer } from "../../model/policy.js";
import type { Endpoint } from "../../model/endpoint.js";

export class K8sContext {
  readonly matcher: Matcher;

  constructor(readonly inv: Inventory) {
    this.matcher = new Matcher(new InventoryIndex(inv), DEFAULT_OPTIONS);
  }

  /** Workloads (VMs, hosts) a selector picks. */
  workloads(sel: EndpointSelector): Endpoint[] {
    return this.inv.endpoints.filter((e) => e.kind === "workload" && this.matcher.selects(sel, e));
  }

  /** The Workloads' addresses, each as a host CIDR. */
  workloadCidrs(sel: EndpointSelector): Cidr[] {
    return this.workloads({ ...sel, kinds: ["workload"] }).flatMap((e) => e.addresses.map((a) => {
      const prefix = a.family === 4 ? 32 : 128;
      return { family: a.family, first: a.value, last: a.value, prefix, text: `${formatAddress(a)}/${prefix}` };
    }));
  }

  /** A networks peer's CIDRs (those of the Networks its selector picks, less what a Calico notSelector takes out of them: Matcher.networkRanges). */
  networkCidrs(peer: Extract<Peer, { kind: "networks" }>): Cidr[] {
    if (peer.notIn) return this.matcher.networkRanges(peer).flatMap(rangeToCidrs);
    return this.inv.networks.filter((n) => matches(peer.selector, n.labels)).flatMap((n) => n.cidrs);
  }

  /**
   * An endpoints peer whose Calico notSelector takes out an endpoint its selector picks by its address
   * (a network set of the notSelector holding it: Matcher.excludedBy): no selector of the back ends'
   * APIs says it.
   */
  checkNotIn(peer: Peer): void {
    if (peer.kind !== "endpoints" || !peer.notIn) return;
    const out = this.inv.endpoints.filter((e) => this.matcher.selects(peer.selector, e) && this.matcher.excludedBy(peer.notIn!, { endpoint: e }, e.addresses[0]));
    if (out.length) {
      throw new Unsupported("notSelector by address", `the notSelector takes out ${out.map((e) => (e.namespace ? `${e.namespace}/${e.name}` : e.name)).join(", ")} by an address in a network set it picks; a label selector cannot`, ["nftables (the lab)", "Calico"]);
    }
  }

  /** The protocols endpoints declare a named port with. */
  namedPortProtocols(name: string): Set<string> {
    return new Set(this.inv.endpoints.flatMap((e) => e.ports.filter((p) => p.name === name).map((p) => p.protocol)));
  }
}
