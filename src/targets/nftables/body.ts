// The rules of one class chain: the port verdicts of a tier rendered as one set match (when they all
// agree) or one verdict map, then the traffic of other protocols, then what happens when no rule of
// the tier matched (the fall-through: next tier, isolation drop, or the default accept).

import { MAX_PORT, PROTOCOLS } from "../../model/ports.js";
import type { PortRun, PortVerdicts } from "./portfn.js";
import type { NamedSets } from "./sets.js";

/** nft verdicts for a tier: its actions, and what follows when nothing matched. */
export interface TierVerdicts {
  allow: string;
  deny: string;
  pass: string;
  fallthrough: string;
}

export const PORT_TYPE = "inet_proto . inet_service";

function portElement(r: PortRun): string {
  const proto = r.protocol.toLowerCase();
  return r.first === r.last ? `${proto} . ${r.first}` : `${proto} . ${r.first}-${r.last}`;
}

/** The verdict of every port of every protocol: the runs, and the fall-through in the gaps. */
function total(pv: PortVerdicts, v: TierVerdicts): { run: PortRun; verdict: string }[] {
  const out: { run: PortRun; verdict: string }[] = [];
  const push = (run: PortRun, verdict: string) => {
    const last = out[out.length - 1];
    if (last && last.verdict === verdict && last.run.protocol === run.protocol && last.run.last + 1 === run.first) last.run = { ...last.run, last: run.last };
    else out.push({ run, verdict });
  };
  for (const protocol of PROTOCOLS) {
    let next = 0;
    for (const r of pv.runs.filter((x) => x.protocol === protocol)) {
      if (r.first > next) push({ protocol, first: next, last: r.first - 1, action: "allow" }, v.fallthrough);
      push(r, v[r.action]);
      next = r.last + 1;
    }
    if (next <= MAX_PORT) push({ protocol, first: next, last: MAX_PORT, action: "allow" }, v.fallthrough);
  }
  return out;
}

/**
 * The rules of a chain deciding `pv`: the ports whose verdict is not the most common one (as one
 * set match, or one verdict map when they differ), other protocols, then the most common verdict.
 */
export function bodyRules(pv: PortVerdicts, v: TierVerdicts, sets: NamedSets, prefix: string): string[] {
  const all = total(pv, v);
  const other = pv.other ? v[pv.other] : v.fallthrough;
  const count = new Map<string, number>();
  for (const x of all) count.set(x.verdict, (count.get(x.verdict) ?? 0) + 1);
  count.set(other, (count.get(other) ?? 0) + 1);
  // The most common verdict ends the chain (ties: the tier's own fall-through, for readability).
  const last = [...count].sort((a, b) => b[1] - a[1] || (a[0] === v.fallthrough ? -1 : b[0] === v.fallthrough ? 1 : 0))[0][0];
  const rest = all.filter((x) => x.verdict !== last);
  const distinct = new Set(rest.map((x) => x.verdict));
  const rules: string[] = [];
  if (distinct.size === 1) {
    const [only] = distinct;
    rules.push(`meta l4proto . th dport ${sets.ref(`${prefix}ports`, { map: false, type: PORT_TYPE, interval: true, elements: rest.map((x) => portElement(x.run)) })} ${only}`);
  } else if (distinct.size > 1) {
    const elements = rest.map((x) => `${portElement(x.run)} : ${x.verdict}`);
    rules.push(`meta l4proto . th dport vmap ${sets.ref(`${prefix}verdicts`, { map: true, type: `${PORT_TYPE} : verdict`, interval: true, elements })}`);
  }
  if (other !== last) rules.push(`meta l4proto != { tcp, udp, sctp } ${other}`);
  rules.push(last);
  return rules;
}
