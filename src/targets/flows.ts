// Printing attributed flows: the flow log with workload names added (a CSV row or a JSON object
// per record, written as they come), and the summary by workload pair (table, CSV, JSON, YAML).

import type { Attribution, Side } from "../analyze/attribution.js";
import type { FlowSummary, PairSummary } from "../analyze/flow-summary.js";
import { formatTime } from "../sources/history.js";
import { csvLine, renderCsv, renderTable, type Row } from "./table.js";

const time = (t: number | undefined) => (t === undefined ? undefined : formatTime(t));

export const RECORD_COLUMNS = ["line", "start", "end", "protocol", "src", "sport", "src_name", "src_workload", "src_match", "dst", "dport", "dst_name", "dst_workload", "dst_match", "dialled", "action", "verdict", "by"];

export function recordRow(a: Attribution): Row {
  const r = a.record;
  return [r.line, time(r.start), time(r.end), r.protocol, r.src, r.sport, a.src.name, a.src.workload, a.src.match, r.dst, r.dport, a.dst.name, a.dst.workload, a.dst.match, r.dialled, r.action, a.verdict?.verdict, a.verdict?.by];
}

export const recordCsvHeader = () => csvLine(RECORD_COLUMNS);
export const recordCsv = (a: Attribution) => csvLine(recordRow(a));

function sideData(s: Side): Record<string, unknown> {
  return { address: s.address, name: s.name, workload: s.workload, match: s.match, ...(s.candidates ? { candidates: s.candidates } : {}) };
}

/** One record as data (the JSON and YAML views). */
export function recordData(a: Attribution): Record<string, unknown> {
  const r = a.record;
  return {
    line: r.line, ...(r.start !== undefined ? { start: time(r.start), end: time(r.end) } : {}), protocol: r.protocol,
    src: { ...sideData(a.src), ...(r.sport !== undefined ? { port: r.sport } : {}) },
    dst: { ...sideData(a.dst), ...(r.dport !== undefined ? { port: r.dport } : {}) },
    ...(r.dialled ? { dialled: r.dialled } : {}), ...(r.action ? { action: r.action } : {}), ...(a.verdict ? { verdict: a.verdict.verdict, by: a.verdict.by } : {}),
  };
}

const counts = (c: Record<string, number>) => Object.entries(c).map(([k, n]) => `${k} ${n}`).join(", ");
const ports = (p: PairSummary) => p.ports.join(" ") + (p.morePorts ? ` +${p.morePorts}` : "");

const SUMMARY_HEADER = ["SOURCE", "DESTINATION", "RECORDS", "FIRST", "LAST", "PORTS", "AMBIGUOUS", "LOG", "VERDICTS"];

function summaryRow(p: PairSummary): Row {
  return [p.src, p.dst, p.records, time(p.first), time(p.last), ports(p), p.ambiguous, counts(p.actions), counts(p.verdicts)];
}

export function summaryTable(s: FlowSummary): string {
  const t = s.totals;
  const matched = (m: Record<string, number>) => Object.entries(m).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(", ");
  const lines = [`${t.records} record${t.records === 1 ? "" : "s"}; sources: ${matched(t.src) || "-"}; destinations: ${matched(t.dst) || "-"}`];
  if (Object.keys(t.verdicts).length) lines.push(`verdicts: ${counts(t.verdicts)}`);
  const denied = s.list().filter((p) => p.deniedBy);
  const body = renderTable(SUMMARY_HEADER, s.list().map(summaryRow));
  const findings = denied.map((p) => `denied by policy: ${p.src} -> ${p.dst} (${p.verdicts.denied} record${p.verdicts.denied === 1 ? "" : "s"}): ${p.deniedBy}`);
  return `${lines.join("\n")}\n\n${body}${findings.length ? `\n${findings.join("\n")}\n` : ""}`;
}

export function summaryCsv(s: FlowSummary): string {
  return renderCsv(SUMMARY_HEADER.map((h) => h.toLowerCase()), s.list().map(summaryRow));
}

const pairData = (p: PairSummary) => ({ ...p, first: time(p.first), last: time(p.last) });

export function summaryData(s: FlowSummary): Record<string, unknown> {
  return { totals: s.totals, pairs: s.list().map(pairData) };
}

/**
 * The JSON of summaryData (as renderJson prints it), in pieces: one per pair, so that a summary of
 * many pairs is never one string (nor copied into data) at once.
 */
export function* summaryJson(s: FlowSummary): Generator<string> {
  const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);
  const pairs = s.list();
  yield `{\n  "totals": ${indent(JSON.stringify(s.totals, null, 2), "  ")},\n  "pairs": [${pairs.length ? "" : "]\n}\n"}`;
  for (let i = 0; i < pairs.length; i++) yield `${i ? "," : ""}\n    ${indent(JSON.stringify(pairData(pairs[i]), null, 2), "    ")}`;
  if (pairs.length) yield "\n  ]\n}\n";
}
