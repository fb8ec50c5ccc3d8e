// Renderings of the exposure report: a table (one row per exposed workload port) with footnotes
// naming who makes the last hop, and data (json, yaml).

import { formatConns } from "../model/ports.js";
import type { ExposureReport } from "../analyze/exposure.js";
import { renderTable, type Row } from "./table.js";
import { connectionsData } from "./connlist.js";
import { append } from "../model/arrays.js";

const HOP = { allowed: "allowed", blocked: "BLOCKED", "partly allowed": "PARTLY BLOCKED" } as const;

export function exposureTable(r: ExposureReport): string {
  const sources = [...new Set(r.exposures.map((e) => e.from))];
  const rows: Row[] = r.exposures.flatMap((e) => {
    const common = [e.kind, e.exposedBy, e.entry, e.backend];
    const from = `[${sources.indexOf(e.from) + 1}]`;
    if (!e.targets.length) return [[...common, "-", "-", "-", from, e.problem ?? ""]];
    return e.targets.map((t) => [...common, t.workload, t.port, HOP[t.hop], from, t.reason ?? ""]);
  });
  const out = [rows.length ? renderTable(["KIND", "EXPOSED BY", "ENTRY", "BACKEND", "WORKLOAD", "PORT", "POLICIES", "FROM", "NOTE"], rows) : "Nothing is exposed by a Gateway, Ingress, Route, LoadBalancer or NodePort Service.\n"];
  if (sources.length) append(out, ["\nThe last hop comes from:\n", ...sources.map((s, i) => `  [${i + 1}] ${s}\n`)]);
  out.push("\nReachable from outside by the policies on ports nothing routes to:\n");
  append(out, (r.unrouted.length ? r.unrouted.map((u) => `  ${u.workload} : ${formatConns(u.conns)}${u.routed ? " (besides its routed ports)" : ""}\n`) : ["  none\n"]));
  return out.join("");
}

export function exposureData(r: ExposureReport): unknown {
  const flagged = r.exposures.flatMap((e) => e.targets).filter((t) => t.hop !== "allowed").length;
  return { exposures: r.exposures, blocked: flagged, unrouted: r.unrouted.map((u) => ({ workload: u.workload, conns: formatConns(u.conns), connections: connectionsData(u.conns), routed: u.routed })) };
}
