// Renderings of the connection list: np-guard's txt, and table, json, yaml, csv, md, dot.

import { formatConns, PROTOCOLS, type ConnSet } from "../model/ports.js";
import type { ConnEntry } from "../analyze/connlist.js";
import { renderCsv, renderMarkdown, renderTable } from "./table.js";
import { renderJson, renderYaml } from "./data.js";

export const CONNLIST_FORMATS = ["txt", "table", "json", "yaml", "csv", "md", "dot"] as const;
export type ConnlistFormat = (typeof CONNLIST_FORMATS)[number];

export function renderConnlist(entries: readonly ConnEntry[], format: ConnlistFormat): string {
  if (format === "txt" || format === "json") { const parts: string[] = []; writeConnlist(entries, format, (s) => parts.push(s)); return parts.join(""); }
  const conn = connText();
  const rows = entries.map((e) => [e.src.id, e.dst.id, conn(e.conns)] as const);
  switch (format) {
    case "csv": return renderCsv(["src", "dst", "conn"], rows);
    case "md": return renderMarkdown(["src", "dst", "conn"], rows);
    case "table": return renderTable(["SRC", "DST", "CONNECTIONS"], rows);
    case "yaml": return renderYaml(connlistData(entries));
    case "dot": return renderDot(entries);
  }
}

/** Entries rendered per batch when written in pieces (about a megabyte of JSON each). */
const BATCH = 2000;

/**
 * The rendering written in pieces, the same bytes as renderConnlist: txt and json never become one
 * string (at 150k pods the answer is hundreds of megabytes); other formats are written whole.
 */
export function writeConnlist(entries: readonly ConnEntry[], format: ConnlistFormat, out: (s: string) => void): void {
  const conn = connText();
  if (format === "txt") {
    for (let i = 0; i < entries.length; i += BATCH) {
      let s = "";
      for (const e of entries.slice(i, i + BATCH)) s += `${e.src.id} => ${e.dst.id} : ${conn(e.conns)}\n`;
      out(s);
    }
  } else if (format === "json") {
    // JSON.stringify(all, null, 2) is "[\n" + the items, each indented by two, joined by ",\n" + "\n]";
    // a batch stringified alone gives its items with the same indentation.
    if (!entries.length) { out(renderJson([])); return; }
    const data = connData();
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = JSON.stringify(entries.slice(i, i + BATCH).map((e) => ({ src: e.src.id, dst: e.dst.id, conn: conn(e.conns), connections: data(e.conns) })), null, 2);
      out(`${i === 0 ? "[\n" : ",\n"}${batch.slice(2, -2)}`);
    }
    out("\n]\n");
  } else out(renderConnlist(entries, format));
}

/** Connection sets are shared between entries (thousands of address ranges get the same few): formatted once each. */
function connText(): (c: ConnSet) => string {
  const text = new Map<ConnSet, string>();
  return (c) => { let t = text.get(c); if (t === undefined) { t = formatConns(c); text.set(c, t); } return t; };
}

function connData(): (c: ConnSet) => ConnectionData[] {
  const data = new Map<ConnSet, ConnectionData[]>();
  return (c) => { let d = data.get(c); if (d === undefined) { d = connectionsData(c); data.set(c, d); } return d; };
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
