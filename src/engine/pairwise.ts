// The reference connectivity evaluator: the allowed connections of one pair, found by asking the
// verdict engine once per protocol and port interval. Plain and slow on purpose: it is what the
// fast engine (engine/fast) is checked against.

import { NO_CONNS, PROTOCOLS, isEmptyConns, normalizeIntervals, unionConns, type ConnSet, type Interval, type Protocol } from "../model/ports.js";
import type { Party } from "./match.js";
import { portIntervals, type PortIntervals } from "./portspace.js";
import type { PolicyEngine } from "./verdict.js";
import { lessPreDnat } from "./calico-prednat.js";

/** The connections from every party of group `src` to every party of group `dst`, united. */
export interface GroupConns {
  src: number;
  dst: number;
  conns: ConnSet;
}

export interface Connectivity {
  /** Everything `src` may open to `dst`. */
  conns(src: Party, dst: Party): ConnSet;
  /**
   * For every ordered pair of groups that `include` accepts: the union of `conns` over their
   * parties (a party is never paired with itself). Pairs without any connection are left out.
   * `involved`, when given, promises that `include` rejects every pair of two groups it rejects
   * (e.g. two external ranges), so that such pairs are never visited.
   */
  groupConns(groups: readonly (readonly Party[])[], include: (src: number, dst: number) => boolean, involved?: (group: number) => boolean): GroupConns[];
}

export class PairwiseConnectivity implements Connectivity {
  readonly intervals: PortIntervals;

  /** `network`: the secondary network flows take; undefined: each pair's primary network. */
  constructor(readonly engine: PolicyEngine, readonly network?: string) {
    this.intervals = portIntervals(engine.inventory);
  }

  conns(src: Party, dst: Party): ConnSet {
    const out = { ...NO_CONNS } as Record<Protocol, Interval[]>;
    const network = this.network;
    for (const protocol of PROTOCOLS) {
      const allowed = this.intervals[protocol].filter(([first]) => this.engine.allows({ src, dst, protocol, port: first, ...(network ? { network } : {}) }));
      out[protocol] = normalizeIntervals(allowed);
    }
    // A pod reached from off its node: its node's host endpoint's Calico preDNAT policies drop some (engine/calico-prednat.ts).
    return this.engine.inventory.calicoPreDnat && this.network === undefined ? lessPreDnat(this.engine, src, dst, out) : out;
  }

  groupConns(groups: readonly (readonly Party[])[], include: (src: number, dst: number) => boolean, involved?: (group: number) => boolean): GroupConns[] {
    const out: GroupConns[] = [];
    groups.forEach((srcs, i) => groups.forEach((dsts, j) => {
      if ((involved && !involved(i) && !involved(j)) || !include(i, j)) return;
      let conns = NO_CONNS;
      for (const s of srcs) for (const d of dsts) if (!sameEndpoint(s, d)) conns = unionConns(conns, this.conns(s, d));
      if (!isEmptyConns(conns)) out.push({ src: i, dst: j, conns });
    }));
    return out;
  }
}

export function sameEndpoint(a: Party, b: Party): boolean {
  return a.endpoint !== undefined && a.endpoint === b.endpoint;
}
