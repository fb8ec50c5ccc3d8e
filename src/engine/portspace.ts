// The port space split into the intervals the policies actually distinguish: inside one interval
// every rule's port match gives the same answer, so one representative port decides it.

import type { Inventory } from "../model/inventory.js";
import { MAX_PORT, PROTOCOLS, type Interval, type Protocol } from "../model/ports.js";

export type PortIntervals = Readonly<Record<Protocol, readonly Interval[]>>;

export function portIntervals(inv: Inventory): PortIntervals {
  const cuts: Record<Protocol, Set<number>> = { TCP: new Set([1]), UDP: new Set([1]), SCTP: new Set([1]) };
  const cut = (p: Protocol | undefined, first: number, last: number) => {
    for (const proto of p ? [p] : PROTOCOLS) { cuts[proto].add(first); if (last < MAX_PORT) cuts[proto].add(last + 1); }
  };
  // (Calico's preDNAT policies, kept apart from the engines' (Inventory.calicoPreDnat), tell ports apart too: engine/calico-prednat.ts.)
  for (const policy of inv.calicoPreDnat ? [...inv.policies, ...inv.calicoPreDnat] : inv.policies) {
    for (const rule of [...(policy.ingress ?? []), ...(policy.egress ?? [])]) {
      for (const m of rule.ports ?? []) if (m.kind === "range") cut(m.protocol, m.first, m.last);
    }
  }
  // Named ports resolve to the numbers endpoints declare; a hostPort forwards its node's port (model/hostports.ts).
  for (const e of inv.endpoints) for (const p of e.ports) { cut(p.protocol, p.port, p.port); if (p.hostPort !== undefined) cut(p.protocol, p.hostPort, p.hostPort); }
  const out = {} as Record<Protocol, Interval[]>;
  for (const proto of PROTOCOLS) {
    const starts = [...cuts[proto]].sort((a, b) => a - b);
    out[proto] = starts.map((s, i) => [s, i + 1 < starts.length ? starts[i + 1] - 1 : MAX_PORT] as const);
  }
  return out;
}
