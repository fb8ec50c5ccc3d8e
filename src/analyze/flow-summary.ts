// The summary of an attributed flow log by workload pair: records, first and last seen, the
// ports, what the log said happened and the verdicts. Its size grows with the number of distinct
// pairs, never with the number of records.

import type { Attribution, SideMatch } from "./attribution.js";

export interface PairSummary {
  src: string;
  dst: string;
  records: number;
  first?: number;
  last?: number;
  /** PROTOCOL/PORT of the destination, at most MAX_PORTS of them (more counted in morePorts). */
  ports: string[];
  morePorts: number;
  /** Records whose source or destination was ambiguous. */
  ambiguous: number;
  /** The log's own word (ACCEPT, REJECT, FORWARDED, DROPPED, ...): counts. */
  actions: Record<string, number>;
  /** allowed, denied, reply, depends: counts (records without a verdict are not counted). */
  verdicts: Record<string, number>;
  /** The rules that decided a denial, first seen. */
  deniedBy?: string;
}

const MAX_PORTS = 8;

/** Every field present from the start, so that all pairs share one object shape. */
function newPair(src: string, dst: string): PairSummary {
  return { src, dst, records: 0, first: undefined, last: undefined, ports: [], morePorts: 0, ambiguous: 0, actions: {}, verdicts: {}, deniedBy: undefined };
}

export interface FlowTotals {
  records: number;
  src: Record<SideMatch, number>;
  dst: Record<SideMatch, number>;
  verdicts: Record<string, number>;
}

const zeroMatches = (): Record<SideMatch, number> => ({ exact: 0, possible: 0, ambiguous: 0, static: 0, nat: 0, none: 0 });

export class FlowSummary {
  /** By source workload, then destination workload (names kept from cached sides hash once). */
  private readonly pairs = new Map<string, Map<string, PairSummary>>();
  readonly totals: FlowTotals = { records: 0, src: zeroMatches(), dst: zeroMatches(), verdicts: {} };

  add(a: Attribution): void {
    const t = this.totals;
    t.records++;
    t.src[a.src.match]++;
    t.dst[a.dst.match]++;
    let bySrc = this.pairs.get(a.src.workload);
    if (!bySrc) { bySrc = new Map(); this.pairs.set(a.src.workload, bySrc); }
    let p = bySrc.get(a.dst.workload);
    if (!p) { p = newPair(a.src.workload, a.dst.workload); bySrc.set(a.dst.workload, p); }
    p.records++;
    const r = a.record;
    if (r.start !== undefined && !(p.first! <= r.start)) p.first = r.start;
    if (r.end !== undefined && !(p.last! >= r.end)) p.last = r.end;
    const port = `${r.protocol}${r.dport !== undefined ? `/${r.dport}` : ""}`;
    if (!p.ports.includes(port)) { if (p.ports.length < MAX_PORTS) p.ports.push(port); else p.morePorts++; }
    if (a.src.match === "ambiguous" || a.dst.match === "ambiguous") p.ambiguous++;
    if (r.action) p.actions[r.action] = (p.actions[r.action] ?? 0) + 1;
    if (a.verdict) {
      p.verdicts[a.verdict.verdict] = (p.verdicts[a.verdict.verdict] ?? 0) + 1;
      t.verdicts[a.verdict.verdict] = (t.verdicts[a.verdict.verdict] ?? 0) + 1;
      if (a.verdict.verdict === "denied") p.deniedBy ??= a.verdict.by;
    }
  }

  /** Most records first, then by names. */
  list(): PairSummary[] {
    return [...this.pairs.values()].flatMap((m) => [...m.values()]).sort((a, b) => b.records - a.records || a.src.localeCompare(b.src) || a.dst.localeCompare(b.dst));
  }

  /** Records that policy denies: findings (enforcement missing, or spoofed records). */
  denied(): number {
    return this.totals.verdicts.denied ?? 0;
  }
}
