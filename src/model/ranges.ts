// The address ranges an inventory mentions: every policy CIDR and except, every Network's CIDRs.
// They cut the address space into classes of addresses that every policy treats alike.

import type { AddressRange } from "./ip.js";
import type { Inventory } from "./inventory.js";

export function mentionedRanges(inv: Inventory): AddressRange[] {
  const ranges: AddressRange[] = [];
  // Network-bound policies (MultiNetworkPolicy) name addresses on secondary networks, where external addresses are not.
  for (const p of inv.policies) {
    if (p.networks !== undefined) continue;
    for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
      for (const peer of r.peers ?? []) if (peer.kind === "cidr") ranges.push(peer.cidr, ...peer.except);
    }
  }
  for (const n of inv.networks) ranges.push(...n.cidrs);
  return ranges;
}
