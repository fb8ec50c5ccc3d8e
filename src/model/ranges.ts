// The address ranges an inventory mentions: every policy CIDR and except, every Network's CIDRs.
// They cut the address space into classes of addresses that every policy treats alike.

import type { AddressRange } from "./ip.js";
import type { Inventory } from "./inventory.js";

export function mentionedRanges(inv: Inventory): AddressRange[] {
  const ranges: AddressRange[] = [];
  for (const p of inv.policies) {
    for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
      for (const peer of r.peers ?? []) if (peer.kind === "cidr") ranges.push(peer.cidr, ...peer.except);
    }
  }
  for (const n of inv.networks) ranges.push(...n.cidrs);
  return ranges;
}
