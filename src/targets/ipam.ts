// Printing the address plan report (junction ipam): tables for people, data for JSON and YAML.

import type { IpamReport, PlanRange } from "../analyze/ipam.js";
import { renderTable } from "./table.js";

/** A count as a JSON number when it is exact as one, else as a string (IPv6 ranges). */
const count = (n: bigint): number | string => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : String(n));

function usage(r: PlanRange): string {
  if (r.used === undefined) return "";
  const pct = Number((BigInt(r.used) * 1000000n) / r.size) / 10000;
  return `${r.used} (${pct < 0.01 && r.used > 0 ? "<0.01" : pct.toFixed(2)}%)`;
}

const side = (r: PlanRange) => `${r.owner} ${r.role} ${r.range}`;

export function ipamTable(rep: IpamReport): string {
  const parts = [`Address ranges:\n${renderTable(["OWNER", "ROLE", "RANGE", "ADDRESSES", "PODS (USED)"], rep.ranges.map((r) => [r.owner, r.role, r.range, String(r.size), usage(r)]))}`];
  parts.push(rep.overlaps.length ? `Overlaps:\n${renderTable(["FIRST", "SECOND", "COMMON"], rep.overlaps.map((o) => [side(o.a), side(o.b), o.common]))}` : "Overlaps: none\n");
  if (rep.sharedNat.length) parts.push(`Egress NAT shared by several clusters (flows from it may come from any of them):\n${renderTable(["ADDRESSES", "CLUSTERS"], rep.sharedNat.map((s) => [s.range, s.clusters.join(", ")]))}`);
  if (rep.outside.length) parts.push(`Pods outside their cluster's pod ranges:\n${renderTable(["POD", "ADDRESS"], rep.outside.map((o) => [o.pod, o.address]))}`);
  return parts.join("\n");
}

const rangeData = (r: PlanRange) => ({ owner: r.owner, role: r.role, range: r.range, addresses: count(r.size), ...(r.used !== undefined ? { pods: r.used } : {}) });

export function ipamData(rep: IpamReport): Record<string, unknown> {
  return {
    ranges: rep.ranges.map(rangeData),
    overlaps: rep.overlaps.map((o) => ({ first: rangeData(o.a), second: rangeData(o.b), common: o.common })),
    sharedEgressNAT: rep.sharedNat,
    outside: rep.outside,
  };
}
