// Renderings of the connection list: np-guard's txt, and table, json, yaml, csv, md, dot.

import { formatConns, PROTOCOLS, type ConnSet } from "../model/ports.js";
import type { ConnEntry, ListPeer, NetworkSection } from "../analyze/connlist.js";
import { networkLabel, POD_NETWORK } from "../model/networks.js";
import { renderCsv, renderMarkdown, renderTable } from "./table.js";
import { renderJson, renderYaml } from "./data.js";

export const CONNLIST_FORMATS = ["txt", "table", "json", "yaml", "csv", "md", "dot"] as const;
export type ConnlistFormat = (typeof CONNLIST_FORMATS)[number];

export function renderConnlist(entries: readonly ConnEntry[], format: ConnlistFormat): string {
  if (format === "txt" || format === "json" || format === "yaml") { const parts: string[] = []; writeConnlist(entries, format, (s) => parts.push(s)); return parts.join(""); }
  const conn = connText();
  const rows = entries.map((e) => [e.src.id, e.dst.id, conn(e.conns)] as const);
  switch (format) {
    case "csv": return renderCsv(["src", "dst", "conn"], rows);
    case "md": return renderMarkdown(["src", "dst", "conn"], rows);
    case "table": return renderTable(["SRC", "DST", "CONNECTIONS"], rows);
    case "dot": return renderDot(entries);
  }
}

/** np-guard's section titles: "Pod network", "primary UDN blue", "primary CUDN tenant", "secondary NAD l2-network". */
export function sectionTitle(network: string): string {
  if (network === POD_NETWORK) return "Pod network";
  const name = network.slice(network.indexOf(":") + 1);
  if (network.startsWith("udn:")) return `primary UDN ${name.split("/")[0]}`;
  return network.startsWith("cudn:") ? `primary CUDN ${name}` : `secondary NAD ${name}`;
}

/** np-guard marks peers of a primary UDN's namespace in its section: "blue[udn]/webserver[Pod]". */
function sectionEntries(s: NetworkSection): ConnEntry[] {
  if (!s.network.startsWith("udn:")) return s.entries;
  const ns = s.network.slice(4).split("/")[0];
  const mark = (p: ConnEntry["src"]) => (p.kind === "workload" && p.namespace === ns ? { ...p, id: `${ns}[udn]/${p.id.slice(ns.length + 1)}` } : p);
  return s.entries.map((e) => ({ ...e, src: mark(e.src), dst: mark(e.dst) }));
}

/** The order np-guard prints sections in: the pod network, primary UDNs, primary CUDNs, secondary NADs (each by name). */
export function sectionOrder(a: { network: string }, b: { network: string }): number {
  const rank = (n: string) => (n === POD_NETWORK ? 0 : n.startsWith("udn:") ? 1 : n.startsWith("cudn:") ? 2 : 3);
  const ta = sectionTitle(a.network), tb = sectionTitle(b.network);
  return rank(a.network) - rank(b.network) || (ta < tb ? -1 : ta > tb ? 1 : 0);
}

/**
 * The per-network list (clusters with user-defined or secondary networks). txt is np-guard's: a
 * "Permitted connectivity analyzed in ..." section per network with connections, then the
 * Workload-to-Networks Mapping; the other formats are the rows with a network column.
 */
export function renderNetworkSections(sections: readonly NetworkSection[], format: ConnlistFormat): string {
  const ordered = orderedSections(sections);
  const all = ordered.flatMap((s) => s.entries);
  const net = (e: ConnEntry) => networkLabel(e.network ?? POD_NETWORK);
  switch (format) {
    case "txt": return networkText(ordered);
    case "csv": return renderCsv(["network", "src", "dst", "conn"], all.map((e) => [net(e), e.src.id, e.dst.id, formatConns(e.conns)]));
    case "md": return renderMarkdown(["network", "src", "dst", "conn"], all.map((e) => [net(e), e.src.id, e.dst.id, formatConns(e.conns)]));
    case "table": return renderTable(["NETWORK", "SRC", "DST", "CONNECTIONS"], all.map((e) => [net(e), e.src.id, e.dst.id, formatConns(e.conns)]));
    case "json": return renderJson(networkData(ordered));
    case "yaml": return renderYaml(networkData(ordered));
    case "dot": return renderDot(all.map((e) => (e.network === POD_NETWORK ? e : { ...e, src: { ...e.src, id: `${e.src.id} @${net(e)}` }, dst: { ...e.dst, id: `${e.dst.id} @${net(e)}` } })));
  }
}

function orderedSections(sections: readonly NetworkSection[]): NetworkSection[] {
  return [...sections].sort(sectionOrder).map((s) => ({ ...s, entries: sectionEntries(s) }));
}

/** -o json|yaml of the per-network list: the rows with their network. */
export function networkListData(sections: readonly NetworkSection[]) {
  return networkData(orderedSections(sections));
}

function networkData(sections: readonly NetworkSection[]) {
  return sections.flatMap((s) => connlistData(s.entries).map((d) => ({ network: networkLabel(s.network), ...d })));
}

function networkText(sections: readonly NetworkSection[]): string {
  const line = (e: ConnEntry) => `${e.src.id} => ${e.dst.id} : ${formatConns(e.conns)}\n`;
  const [pod, ...others] = sections;
  const shown = others.filter((s) => s.entries.length > 0);
  let out = "";
  if (shown.length) {
    out += "Permitted connectivity analyzed in Pod network:\n";
    if (!pod.entries.length) out += pod.workloads.length === 0 ? "all input workloads are configured with (C)UDN as their primary network interface\n" : "All connections are not allowed for the workloads in the pod-network\n";
  }
  out += pod.entries.map(line).join("");
  for (const s of shown) out += `\nPermitted connectivity analyzed in ${sectionTitle(s.network)}:\n${s.entries.map(line).join("")}`;
  return out + workloadNetworks(sections);
}

/** np-guard's Workload-to-Networks Mapping: each workload's primary network and secondary networks. */
function workloadNetworks(sections: readonly NetworkSection[]): string {
  const byWorkload = new Map<string, { primary?: string; secondary: string[] }>();
  for (const s of sections) {
    for (const w of s.workloads) {
      const id = w.id;
      const entry = byWorkload.get(id) ?? { secondary: [] };
      if (s.network.startsWith("nad:")) entry.secondary.push(networkLabel(s.network)); else entry.primary = networkLabel(s.network);
      byWorkload.set(id, entry);
    }
  }
  const ids = [...byWorkload.keys()].sort();
  let out = "\nWorkload-to-Networks Mapping:\n";
  for (const id of ids) {
    const w = byWorkload.get(id)!;
    out += `${id}: \n\tPrimary Network: ${w.primary ?? POD_NETWORK}\n`;
    if (w.secondary.length) out += `\tSecondary Networks: ${w.secondary.sort().join(",")}\n`;
  }
  return out;
}

/**
 * Text is written in pieces of about this many characters: below V8's large-object size (128 KiB), a
 * piece and its flattened copy stay in the young generation (pieces of a megabyte cost about 3× more CPU).
 */
const PIECE = 64 * 1024;

/**
 * The rendering written in pieces, the same bytes as renderConnlist: txt, json and yaml never become one
 * string (at 150k pods the answer is hundreds of megabytes); other formats are written whole.
 * `escape` is applied to every text that does not come from this code (peer ids, connection texts)
 * and to the whole of the other formats: with a character-by-character escape (cli/terminal.ts
 * escapeControls), the pieces written are the escape of the rendering, so a caller need not scan them.
 */
export function writeConnlist(entries: readonly ConnEntry[], format: ConnlistFormat, out: (s: string) => void, escape: (s: string) => string = (s) => s): void {
  if (format !== "txt" && format !== "json" && format !== "yaml") { out(escape(renderConnlist(entries, format))); return; }
  if (format !== "txt" && !entries.length) { out(escape(format === "json" ? renderJson([]) : renderYaml([]))); return; }
  const item = format === "txt" ? txtItem(escape) : format === "json" ? jsonItem(escape) : yamlItem(escape);
  let s = format === "json" ? "[\n" : "";
  for (let k = 0; k < entries.length; k++) {
    s += item(entries[k], k === 0);
    if (s.length >= PIECE) { out(s); s = ""; }
  }
  if (format === "json") s += "\n]\n";
  if (s) out(s);
}

/** Each peer's text made once (the escape of what `text` makes of it). */
function perPeer(text: (p: ListPeer) => string): (p: ListPeer) => string {
  const made = new Map<ListPeer, string>();
  return (p) => { let t = made.get(p); if (t === undefined) { t = text(p); made.set(p, t); } return t; };
}

/** One np-guard line: SRC => DST : CONNECTIONS. */
function txtItem(escape: (s: string) => string): (e: ConnEntry) => string {
  const src = perPeer((p) => `${escape(p.id)} => `), dst = perPeer((p) => `${escape(p.id)} : `);
  const conn = connText(escape);
  return (e) => `${src(e.src)}${dst(e.dst)}${conn(e.conns)}\n`;
}

/**
 * One entry as JSON.stringify(connlistData(all), null, 2) writes it inside the array (after ",\n"
 * but the first), built from pieces made once: each peer's quoted id and each connection set's conn
 * and connections (a value stringified alone and indented by its depth is what the whole document
 * holds at that depth).
 */
function jsonItem(escape: (s: string) => string): (e: ConnEntry, first: boolean) => string {
  const src = perPeer((p) => `  {\n    "src": ${escape(JSON.stringify(p.id))},\n    "dst": `);
  const dst = perPeer((p) => `${escape(JSON.stringify(p.id))},\n    `);
  const tails = new Map<ConnSet, string>();
  const tail = (c: ConnSet) => {
    let t = tails.get(c);
    if (t === undefined) { t = escape(`"conn": ${JSON.stringify(formatConns(c))},\n    "connections": ${JSON.stringify(connectionsData(c), null, 2).replace(/\n/g, "\n    ")}\n  }`); tails.set(c, t); }
    return t;
  };
  return (e, first) => `${first ? "" : ",\n"}${src(e.src)}${dst(e.dst)}${tail(e.conns)}`;
}

/**
 * One entry as renderYaml(connlistData(all)) writes it: a sequence item whose values are each rendered
 * alone in the same place (a one-key item for a peer's id: src and dst are at the same indentation,
 * so a quoted or block scalar reads the same under either key; a conn + connections item for each
 * connection set), since with lineWidth 0 a scalar's rendering depends on its text and indentation only.
 */
function yamlItem(escape: (s: string) => string): (e: ConnEntry) => string {
  const value = perPeer((p) => escape(renderYaml([{ src: p.id }]).slice("- src: ".length)));
  const src = perPeer((p) => `- src: ${value(p)}`), dst = perPeer((p) => `  dst: ${value(p)}`);
  const tails = new Map<ConnSet, string>();
  const tail = (c: ConnSet) => {
    let t = tails.get(c);
    if (t === undefined) { t = escape(`  ${renderYaml([{ conn: formatConns(c), connections: connectionsData(c) }]).slice(2)}`); tails.set(c, t); }
    return t;
  };
  return (e) => `${src(e.src)}${dst(e.dst)}${tail(e.conns)}`;
}

/** Connection sets are shared between entries (thousands of address ranges get the same few): formatted once each. */
function connText(escape: (s: string) => string = (s) => s): (c: ConnSet) => string {
  const text = new Map<ConnSet, string>();
  return (c) => { let t = text.get(c); if (t === undefined) { t = escape(formatConns(c)); text.set(c, t); } return t; };
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
