// Renderings of the connection list: np-guard's txt, and table, json, yaml, csv, md, dot.

import { formatConns, PROTOCOLS, type ConnSet } from "../model/ports.js";
import type { ConnEntry } from "../analyze/connlist.js";
import { renderCsv, renderMarkdown, renderTable } from "./table.js";
import { renderJson, renderYaml } from "./data.js";

export const CONNLIST_FORMATS = ["txt", "table", "json", "yaml", "csv", "md", "dot"] as const;
export type ConnlistFormat = (typeof CONNLIST_FORMATS)[number];

export function renderConnlist(entries: readonly ConnEntry[], format: ConnlistFormat): string {
  // Connection sets are shared between entries (thousands of address ranges get the same few): formatted once each.
  const text = new Map<ConnSet, string>();
  const conn = (c: ConnSet) => { let t = text.get(c); if (t === undefined) { t = formatConns(c); text.set(c, t); } return t; };
  if (format === "txt") {
    // Joined in chunks: a list can have millions of lines (address ranges × workloads), and a
    // chunk's temporary strings die young instead of all surviving until the end.
    const chunks: string[] = [];
    for (let i = 0; i < entries.length; i += 4096) {
      chunks.push(entries.slice(i, i + 4096).map((e) => `${e.src.id} => ${e.dst.id} : ${conn(e.conns)}\n`).join(""));
    }
    return chunks.join("");
  }
  const rows = entries.map((e) => [e.src.id, e.dst.id, conn(e.conns)] as const);
  switch (format) {
    case "csv": return renderCsv(["src", "dst", "conn"], rows);
    case "md": return renderMarkdown(["src", "dst", "conn"], rows);
    case "table": return renderTable(["SRC", "DST", "CONNECTIONS"], rows);
    case "json": return renderJson(connlistData(entries));
    case "yaml": return renderYaml(connlistData(entries));
    case "dot": return renderDot(entries);
  }
}

/** One allowed protocol and its port ranges (inclusive). */
export interface ConnectionData { protocol: string; ports: { from: number; to: number }[] }

/** np-guard's {src, dst, conn}, with the connections also as data: protocols and port ranges. */
export function connlistData(entries: readonly ConnEntry[]): { src: string; dst: string; conn: string; connections: ConnectionData[] }[] {
  return entries.map((e) => ({ src: e.src.id, dst: e.dst.id, conn: formatConns(e.conns), connections: connectionsData(e.conns) }));
}

export function connectionsData(c: ConnSet): ConnectionData[] {
  return PROTOCOLS.filter((p) => c[p].length > 0).map((protocol) => ({ protocol, ports: c[protocol].map(([from, to]) => ({ from, to })) }));
}

function renderDot(entries: readonly ConnEntry[]): string {
  const q = (s: string) => JSON.stringify(s);
  const peers = new Map(entries.flatMap((e) => [e.src, e.dst]).map((p) => [p.id, p]));
  const lines = ["digraph {", "  rankdir=LR;", "  node [fontsize=10];", "  edge [fontsize=9];"];
  const byNamespace = new Map<string, string[]>();
  for (const p of peers.values()) {
    if (p.kind === "external") { lines.push(`  ${q(p.id)} [label=${q(p.name)}, shape=ellipse, color=red2];`); continue; }
    if (p.kind === "ingress-controller") { lines.push(`  ${q(p.id)} [label=${q(p.name)}, shape=house, color=darkgreen];`); continue; }
    const ns = p.namespace ?? "";
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), `    ${q(p.id)} [label=${q(`${p.name}\n${p.type}`)}, shape=box, color=blue];`]);
  }
  for (const [ns, nodes] of byNamespace) {
    lines.push(`  subgraph ${q(`cluster_${ns}`)} {`, `    label=${q(ns)};`, ...nodes, "  }");
  }
  for (const e of entries) lines.push(`  ${q(e.src.id)} -> ${q(e.dst.id)} [label=${q(formatConns(e.conns))}];`);
  lines.push("}");
  return lines.join("\n") + "\n";
}
