// Renderings of a diff: np-guard's txt ("diff-type: changed, source: ..., destination: ..., old: ...,
// new: ...", diff_formatter_text.go, with old/new for ref1/ref2), a table for people, csv, md (a
// pull-request comment), json and yaml.

import { formatConns } from "../model/ports.js";
import type { ConnDiff, DiffReport } from "../analyze/diff.js";
import type { RouteDiff } from "../analyze/diff-routing.js";
import type { ExposureDiff } from "../analyze/diff-exposure.js";
import { formatExposureConns } from "./exposure-analysis.js";
import { connectionsData } from "./connlist.js";
import { renderCsv, renderMarkdown, renderTable } from "./table.js";
import { renderJson, renderYaml } from "./data.js";

export const DIFF_FORMATS = ["txt", "table", "csv", "md", "json", "yaml"] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

const info = (d: ConnDiff) => (d.workloads.length ? `workload ${d.workloads.join(" and ")} ${d.type}` : "");
const exposed = (d: ExposureDiff, which: "old" | "new") => formatExposureConns(d[which], which === "old" ? d.oldNamed : d.newNamed);

function connRows(r: DiffReport): string[][] {
  return r.connectivity.map((d) => [d.type, d.src.id, d.dst.id, formatConns(d.old), formatConns(d.new), info(d)]);
}
function routeRows(r: DiffReport): string[][] {
  return r.routing.map((d: RouteDiff) => [d.type, d.request, d.from, d.old, d.new]);
}
function exposureRows(r: DiffReport): string[][] {
  return r.exposure.map((d) => [d.type, d.workload, d.via, exposed(d, "old"), exposed(d, "new")]);
}
function l7Rows(r: DiffReport): string[][] {
  return r.l7.map((d) => [d.type, d.src, d.dst, d.request, d.from, d.old, d.new]);
}
function workloadRows(r: DiffReport): string[][] {
  return [...r.workloads.added.map((w) => ["added", w]), ...r.workloads.removed.map((w) => ["removed", w])];
}

export function renderDiff(r: DiffReport, format: DiffFormat): string {
  switch (format) {
    case "txt": return diffTxt(r);
    case "table": return diffTable(r);
    case "csv": return diffCsv(r);
    case "md": return diffMarkdown(r);
    case "json": return renderJson(diffDocument(r));
    case "yaml": return renderYaml(diffDocument(r));
  }
}

function diffTxt(r: DiffReport): string {
  const out: string[] = [];
  const section = (title: string, lines: string[]) => { if (lines.length) out.push(`${title}:`, ...lines); };
  section("Connectivity diff", connRows(r).map(([t, s, d, o, n, i]) => `diff-type: ${t}, source: ${s}, destination: ${d}, old: ${o}, new: ${n}${i ? `, workloads-diff-info: ${i}` : ""}`));
  section("Workloads diff", workloadRows(r).map(([t, w]) => `diff-type: ${t}, workload: ${w}`));
  section("Routing diff", routeRows(r).map(([t, q, f, o, n]) => `diff-type: ${t}, request: ${q}, route: ${f}, old: ${o}, new: ${n}`));
  section("Exposure diff", exposureRows(r).map(([t, w, v, o, n]) => `diff-type: ${t}, workload: ${w}, exposed-to: ${v}, old: ${o}, new: ${n}`));
  section("L7 diff", l7Rows(r).map(([t, s, d, q, f, o, n]) => `diff-type: ${t}, source: ${s}, destination: ${d}, request: ${q}, rule: ${f}, old: ${o}, new: ${n}`));
  return out.length ? out.join("\n") + "\n" : "";
}

function diffTable(r: DiffReport): string {
  const parts: string[] = [];
  const section = (title: string, header: string[], rows: string[][]) => { if (rows.length) parts.push(`${title}:\n${renderTable(header, rows)}`); };
  section("Connectivity", ["DIFF", "SOURCE", "DESTINATION", "OLD", "NEW", "WORKLOADS"], connRows(r));
  section("Workloads", ["DIFF", "WORKLOAD"], workloadRows(r));
  section("Routing", ["DIFF", "REQUEST", "ROUTE", "OLD", "NEW"], routeRows(r));
  section("Exposure", ["DIFF", "WORKLOAD", "EXPOSED TO", "OLD", "NEW"], exposureRows(r));
  section("L7", ["DIFF", "SOURCE", "DESTINATION", "REQUEST", "RULE", "OLD", "NEW"], l7Rows(r));
  return parts.length ? parts.join("\n") : "No change in connectivity, workloads, routing, exposure or L7 requests.\n";
}

function diffCsv(r: DiffReport): string {
  const rows = [
    ...connRows(r).map(([t, s, d, o, n, i]) => ["connectivity", t, s, d, o, n, i]),
    ...workloadRows(r).map(([t, w]) => ["workloads", t, w, "", "", "", ""]),
    ...routeRows(r).map(([t, q, f, o, n]) => ["routing", t, q, "", o, n, f]),
    ...exposureRows(r).map(([t, w, v, o, n]) => ["exposure", t, v, w, o, n, ""]),
    ...l7Rows(r).map(([t, s, d, q, f, o, n]) => ["l7", t, s, d, o, n, `${q} (${f})`]),
  ];
  return renderCsv(["section", "diff-type", "source", "destination", "old", "new", "info"], rows);
}

/** A pull-request comment: a summary line, then one table per section that changed. */
function diffMarkdown(r: DiffReport): string {
  const count = (xs: readonly { type: string }[]) => ["changed", "added", "removed"].map((t) => [t, xs.filter((x) => x.type === t).length] as const).filter(([, n]) => n).map(([t, n]) => `${n} ${t}`).join(", ");
  const summary = [
    ["Connectivity", count(r.connectivity)], ["Workloads", count(workloadRows(r).map(([type]) => ({ type })))],
    ["Routing", count(r.routing)], ["Exposure", count(r.exposure)], ["L7", count(r.l7)],
  ].filter(([, c]) => c);
  if (!summary.length) return "### Junction: no change in connectivity, workloads, routing, exposure or L7 requests\n";
  const out = ["### Junction: what this change does", "", summary.map(([s, c]) => `**${s}**: ${c}`).join(" · ")];
  const section = (title: string, header: string[], rows: string[][]) => { if (rows.length) out.push("", `#### ${title}`, "", renderMarkdown(header, rows).trimEnd()); };
  section("Connectivity", ["diff-type", "source", "destination", "old", "new", "workloads-diff-info"], connRows(r));
  section("Workloads", ["diff-type", "workload"], workloadRows(r));
  section("Routing", ["diff-type", "request", "route", "old", "new"], routeRows(r));
  section("Exposure", ["diff-type", "workload", "exposed to", "old", "new"], exposureRows(r));
  section("L7", ["diff-type", "source", "destination", "request", "rule", "old", "new"], l7Rows(r));
  return out.join("\n") + "\n";
}

/** -o json|yaml: the diff as data (np-guard's strings, and the connections as protocol and port ranges). */
export function diffDocument(r: DiffReport): unknown {
  return {
    changed: r.connectivity.length + r.workloads.added.length + r.workloads.removed.length + r.routing.length + r.exposure.length + r.l7.length > 0,
    connectivity: r.connectivity.map((d) => ({
      diffType: d.type, source: d.src.id, destination: d.dst.id, old: formatConns(d.old), new: formatConns(d.new),
      oldConnections: connectionsData(d.old), newConnections: connectionsData(d.new),
      ...(d.workloads.length ? { workloadsDiffInfo: info(d), workloads: d.workloads } : {}),
    })),
    workloads: r.workloads,
    routing: r.routing.map((d) => ({ diffType: d.type, request: d.request, route: d.from, old: d.old, new: d.new })),
    exposure: r.exposure.map((d) => ({
      diffType: d.type, workload: d.workload, exposedTo: d.via, kind: d.kind, direction: d.direction,
      old: exposed(d, "old"), new: exposed(d, "new"), oldConnections: connectionsData(d.old), newConnections: connectionsData(d.new),
    })),
    l7: r.l7.map((d) => ({ diffType: d.type, source: d.src, destination: d.dst, request: d.request, rule: d.from, old: d.old, new: d.new })),
  };
}
