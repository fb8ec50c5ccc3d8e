// The address ranges an inventory mentions: every policy CIDR and except, every Network's CIDRs.
// They cut the address space into classes of addresses that every policy treats alike.

import { LOOPBACK_RANGES, type AddressRange } from "./ip.js";
import type { Inventory } from "./inventory.js";

export function mentionedRanges(inv: Inventory): AddressRange[] {
  const ranges: AddressRange[] = [];
  // Network-bound policies (MultiNetworkPolicy) name addresses on secondary networks, where external addresses are not.
  // Indexed loops, no list of a policy's rules made: every rule's peers (10k policies at 100k pods), mostly interpreted.
  // (Calico's preDNAT and doNotTrack policies, kept apart from the engines' (Inventory.calicoPreDnat, calicoUntracked), tell outside addresses apart too.)
  for (const policies of [inv.policies, ...(inv.calicoPreDnat ? [inv.calicoPreDnat] : []), ...(inv.calicoUntracked ? [inv.calicoUntracked] : [])]) {
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
  }
  for (const n of inv.networks) ranges.push(...n.cidrs);
  return withLoopbackCut(ranges);
}

/**
 * The ranges, and a loopback range where one of them starts or ends inside it (127.0.0.0/8, ::1). The
 * verdict engine treats a loopback address apart (a pod's own: engine/verdict.ts ownLoopback), and a
 * piece of the space stands for its first address (engine/endpoints.ts rangeParties, analyze/
 * connlist.ts externalPeers): a piece that starts in 127.0.0.0/8 must end there, or 127.0.0.1's
 * answer would be every address's after it (a wrong allow). A piece that only holds loopback addresses
 * after its first stands for that first address, as before loopback was apart (np-guard's ranges).
 */
export function withLoopbackCut(ranges: AddressRange[]): AddressRange[] {
  for (const lo of LOOPBACK_RANGES) {
    if (ranges.some((r) => r.family === lo.family && ((r.first >= lo.first && r.first <= lo.last) || (r.last + 1n >= lo.first && r.last < lo.last)))) ranges.push(lo);
  }
  return ranges;
}
