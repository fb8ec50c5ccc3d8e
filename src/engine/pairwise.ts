// The reference connectivity evaluator: the allowed connections of one pair, found by asking the
// verdict engine once per protocol and port interval. Plain and slow on purpose: it is what the
// fast engines are checked against.

import { NO_CONNS, PROTOCOLS, normalizeIntervals, type ConnSet, type Interval, type Protocol } from "../model/ports.js";
import type { Party } from "./match.js";
import { portIntervals, type PortIntervals } from "./portspace.js";
import type { PolicyEngine } from "./verdict.js";

export interface Connectivity {
  /** Everything `src` may open to `dst`. */
  conns(src: Party, dst: Party): ConnSet;
}

export class PairwiseConnectivity implements Connectivity {
  readonly intervals: PortIntervals;

  constructor(readonly engine: PolicyEngine) {
    this.intervals = portIntervals(engine.inventory);
  }

  conns(src: Party, dst: Party): ConnSet {
    const out = { ...NO_CONNS } as Record<Protocol, Interval[]>;
    for (const protocol of PROTOCOLS) {
      const allowed = this.intervals[protocol].filter(([first]) => this.engine.evaluate({ src, dst, protocol, port: first }).allowed);
      out[protocol] = normalizeIntervals(allowed);
    }
    return out;
  }
}
