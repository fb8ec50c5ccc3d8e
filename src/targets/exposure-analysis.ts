// `list --exposure`: the connection list followed by the exposure to peers beyond the inventory, in
// np-guard's txt layout (connlist_formatter_txt: "Exposure Analysis Result:", "Egress Exposure:",
// "<workload padded> \t=> \t<peer> : <conns>", "Ingress Exposure:", "Workloads not protected by network
// policies:"), and as table, json, yaml, csv and md.

import { PROTOCOLS, formatConns, isEmptyConns, type ConnSet } from "../model/ports.js";
import type { Direction } from "../model/policy.js";
import type { ConnEntry } from "../analyze/connlist.js";
import type { ExposureAnalysis, ExposureLine, NamedConn } from "../analyze/exposure-analysis.js";
import { connectionsData, renderConnlist, writeRows, type ConnlistFormat } from "./connlist.js";
import { renderCsv, renderMarkdown, renderTable } from "./table.js";
import { renderYaml } from "./data.js";
import { append, maxOf } from "../model/arrays.js";

const DIRECTION_WORD: Record<Direction, string> = { egress: "Egress", ingress: "Ingress" };

/** np-guard's connection string, with named ports toward unknown pods ("TCP 8080,http"; " local-port" without a protocol). */
export function formatExposureConns(c: ConnSet, named: readonly NamedConn[]): string {
  if (!named.length) return formatConns(c);
  const groups = new Map<string, string[]>();
  for (const p of PROTOCOLS) if (c[p].length) groups.set(p, c[p].map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)));
  for (const n of [...named].sort((a, b) => (a.name < b.name ? -1 : 1))) groups.set(n.protocol ?? "", [...(groups.get(n.protocol ?? "") ?? []), n.name]);
  return [...groups].map(([p, items]) => `${p} ${items.join(",")}`).sort().join(",");
}

function sorted(a: ExposureAnalysis, d: Direction): ExposureLine[] {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return a.lines.filter((l) => l.direction === d).sort((x, y) => cmp(x.workload.id, y.workload.id) || cmp(x.peer.id, y.peer.id));
}

function conn(l: ExposureLine): string {
  return isEmptyConns(l.conns) && !l.named.length ? "No Connections" : formatExposureConns(l.conns, l.named);
}

export function renderListWithExposure(entries: readonly ConnEntry[], a: ExposureAnalysis, format: ConnlistFormat): string {
  const parts: string[] = [];
  writeListWithExposure([{ entries }], a, format, (s) => parts.push(s));
  return parts.join("");
}

/**
 * The list (rows: sections of entries, each with its network label in a per-network list) and the
 * exposure, written in pieces: -o json and yaml are the document {connections, exposure} with the
 * connections row by row (hundreds of megabytes at 150k pods); txt and the tables whole.
 */
export function writeListWithExposure(rows: readonly { entries: readonly ConnEntry[]; network?: string }[], a: ExposureAnalysis, format: ConnlistFormat, out: (s: string) => void): void {
  if (format === "json") {
    out("{\n");
    writeRows(rows, "json", out, "connections");
    out(`,\n  "exposure": ${JSON.stringify(exposureData(a), null, 2).replace(/\n/g, "\n  ")}\n}\n`);
  } else if (format === "yaml") {
    writeRows(rows, "yaml", out, "connections");
    out(renderYaml({ exposure: exposureData(a) }));
  } else {
    const entries = rows.flatMap((r) => r.entries);
    out(format === "txt" ? exposureTxt(entries, a) : renderConnlist(entries, format) + exposureTables(a, format));
  }
}

/** The exposure part alone (after a list printed otherwise, e.g. per network). */
export function renderExposure(a: ExposureAnalysis, format: Exclude<ConnlistFormat, "json" | "yaml">): string {
  return format === "txt" ? exposureTxt([], a) : exposureTables(a, format);
}

function exposureTxt(entries: readonly ConnEntry[], a: ExposureAnalysis): string {
  const out = [renderConnlist(entries, "txt").trimEnd()];
  const egress = sorted(a, "egress"), ingress = sorted(a, "ingress");
  if (!egress.length && !ingress.length && !a.unprotected.length) return out.join("\n") + "\n";
  const width = maxOf([...egress, ...ingress].map((l) => l.workload.id.length), 0);
  out.push("", "Exposure Analysis Result:");
  const section = (title: string, lines: ExposureLine[], arrow: string) => {
    if (!lines.length) return;
    out.push(`${title}:`);
    append(out, lines.map((l) => `${l.workload.id.padEnd(width)} \t${arrow} \t${l.peer.id} : ${conn(l)}`));
    out.push("");
  };
  section("Egress Exposure", egress, "=>");
  section("Ingress Exposure", ingress, "<=");
  if (a.unprotected.length) {
    const un = [...a.unprotected].sort((x, y) => (x.workload.id + x.direction < y.workload.id + y.direction ? -1 : 1));
    out.push("Workloads not protected by network policies:");
    append(out, un.map((u) => `${u.workload.id} is not protected on ${DIRECTION_WORD[u.direction]}`));
    out.push("");
  }
  return out.join("\n").replace(/^\n+/, "").replace(/\n*$/, "\n");
}

function exposureTables(a: ExposureAnalysis, format: Exclude<ConnlistFormat, "txt" | "json" | "yaml">): string {
  const rows = [...sorted(a, "egress"), ...sorted(a, "ingress")].map((l) => [l.workload.id, l.direction, l.peer.id, conn(l)] as const);
  const un = a.unprotected.map((u) => [u.workload.id, u.direction] as const);
  switch (format) {
    case "table": return `\nExposure beyond the inventory:\n${renderTable(["WORKLOAD", "DIRECTION", "PEER", "CONNECTIONS"], rows)}${un.length ? `\nNot protected by any policy:\n${renderTable(["WORKLOAD", "DIRECTION"], un)}` : ""}`;
    case "csv": return `\n${renderCsv(["workload", "direction", "peer", "conn"], rows)}`;
    case "md": return `\n## Exposure analysis\n\n${renderMarkdown(["workload", "direction", "peer", "conn"], rows)}`;
    case "dot": return "";
  }
}

/** The exposure as data: -o json|yaml write {connections, exposure: this}. */
export function exposureData(a: ExposureAnalysis): unknown {
  const line = (l: ExposureLine) => ({
    workload: l.workload.id, peer: l.peer.id, peerKind: l.peer.kind,
    ...(l.peer.kind === "representative" ? { namespaceSelector: l.peer.representative.namespaces, podSelector: l.peer.representative.pods } : {}),
    conn: conn(l), connections: connectionsData(l.conns), namedPorts: l.named.map((n) => ({ name: n.name, protocol: n.protocol })),
  });
  return {
    egress: sorted(a, "egress").map(line), ingress: sorted(a, "ingress").map(line),
    unprotected: a.unprotected.map((u) => ({ workload: u.workload.id, direction: u.direction })),
  };
}
