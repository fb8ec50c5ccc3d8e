// The address ranges an inventory mentions: every policy CIDR and except, every Network's CIDRs.
// They cut the address space into classes of addresses that every policy treats alike.

import type { AddressRange } from "./ip.js";
import type { Inventory } from "./inventory.js";

export function mentionedRanges(inv: Inventory): AddressRange[] {
  const ranges: AddressRange[] = [];
  // Network-bound policies (MultiNetworkPolicy) name addresses on secondary networks, where external addresses are not.
  // Indexed loops, no list of a policy's rules made: every rule's peers (10k policies at 100k pods), mostly interpreted.
  const policies = inv.policies;
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i];
    if (p.networks !== undefined) continue;
    for (let d = 0; d < 2; d++) {
      const rules = d === 0 ? p.ingress : p.egress;
      if (rules) for (let k = 0; k < rules.length; k++) {
        const peers = rules[k].peers;
        if (peers) for (let j = 0; j < peers.length; j++) { const peer = peers[j]; if (peer.kind === "cidr") ranges.push(peer.cidr, ...peer.except); }
      }
    }
  }
  for (const n of inv.networks) ranges.push(...n.cidrs);
  return ranges;
}
