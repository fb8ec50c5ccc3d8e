// What the Kubernetes back end needs to know about the inventory: the addresses of the Workloads
// and Networks a selector picks (Kubernetes peers cannot name them, their addresses can), and
// which endpoints a subject selects.

import { DEFAULT_OPTIONS } from "../../engine/options.js";
import { Matcher } from "../../engine/match.js";
import { InventoryIndex, type Inventory } from "../../model/inventory.js";
import { formatAddress, type Cidr } from "../../model/ip.js";
import { matches, type LabelSelector } from "../../model/selector.js";
import type { EndpointSelector } from "../../model/policy.js";
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

  networkCidrs(sel: LabelSelector): Cidr[] {
    return this.inv.networks.filter((n) => matches(sel, n.labels)).flatMap((n) => n.cidrs);
  }

  /** The protocols endpoints declare a named port with. */
  namedPortProtocols(name: string): Set<string> {
    return new Set(this.inv.endpoints.flatMap((e) => e.ports.filter((p) => p.name === name).map((p) => p.protocol)));
  }
}
