// Renderings of the connection list: np-guard's txt, and table, json, yaml, csv, md, dot.

import { formatConns, PROTOCOLS, type ConnSet } from "../model/ports.js";
import type { ConnEntry, ConnRows, ListPeer, NetworkSection } from "../analyze/connlist.js";
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
    case "json": case "yaml": { const parts: string[] = []; writeRows(networkRows(sections), format, (s) => parts.push(s)); return parts.join(""); }
    case "dot": return renderDot(all.map((e) => (e.network === POD_NETWORK ? e : { ...e, src: { ...e.src, id: `${e.src.id} @${net(e)}` }, dst: { ...e.dst, id: `${e.dst.id} @${net(e)}` } })));
  }
}

/** renderNetworkSections written in pieces: json and yaml row by row (at 150k pods the list is hundreds of megabytes), the other formats whole. */
export function writeNetworkSections(sections: readonly NetworkSection[], format: ConnlistFormat, out: (s: string) => void): void {
  if (format === "json" || format === "yaml") writeRows(networkRows(sections), format, out);
  else out(renderNetworkSections(sections, format));
}

/** The per-network list's rows: each section's entries with its network label, in np-guard's order. */
export function networkRows(sections: readonly NetworkSection[]): { entries: readonly ConnEntry[]; network: string }[] {
  return orderedSections(sections).map((s) => ({ entries: s.entries, network: networkLabel(s.network) }));
}

function orderedSections(sections: readonly NetworkSection[]): NetworkSection[] {
  return [...sections].sort(sectionOrder).map((s) => ({ ...s, entries: sectionEntries(s) }));
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
  if (format === "json") out("[\n");
  writeItems(entries, format, out, escape);
  if (format === "json") out("\n]\n");
}

/**
 * writeConnlist of the rows, then of `more` (entries listed after them, such as the ingress
 * controller's): the same bytes, read from the rows without an entry object per row. With `bytes`
 * (a writer that consumes its argument before it returns: writes or copies it), the rows go out as
 * UTF-8 bytes: each peer's and connection set's text encoded once, each row copied from them into one
 * reused buffer (no string per piece to join, flatten and encode again).
 */
export function writeConnRows(rows: ConnRows, more: readonly ConnEntry[], format: ConnlistFormat, out: (s: string) => void, escape: (s: string) => string = (s) => s, bytes?: (b: Uint8Array) => void): void {
  if ((format !== "txt" && format !== "json" && format !== "yaml") || (format !== "txt" && !rows.count && !more.length)) { writeConnlist([...rows.entries(), ...more], format, out, escape); return; }
  if (format === "json") out("[\n");
  const pieces = itemPieces(format, escape, {});
  if (bytes) writeRowPieces(rows, pieces, utf8, new ByteWriter(bytes));
  else writeRowPieces(rows, pieces, flat, new PieceWriter(out));
  writeItems(more, format, out, escape, {}, rows.count > 0);
  if (format === "json") out("\n]\n");
}

/**
 * The rows in pieces, each peer's and connection set's text made (and encoded) once, by peer number
 * and connection-set id: as strings (`flat`, a PieceWriter) or as UTF-8 bytes (a ByteWriter).
 */
function writeRowPieces<T>(rows: ConnRows, pieces: ItemPieces, encode: (text: string) => T, w: RowWriter<T>): void {
  // A row but the first begins with the separator and its source: one piece per source (a call of
  // put fewer per row, 287k rows at 100k pods).
  const nextSrc: T[] = [], dstText: T[] = [], connText: T[] = [];
  const { peers, src, dst, conn, table } = rows;
  for (let k = 0; k < rows.count; k++) {
    if (k === 0) w.put(encode(pieces.lead(true) + pieces.src(peers[src[k]])));
    else w.put(nextSrc[src[k]] ??= encode(pieces.lead(false) + pieces.src(peers[src[k]])));
    w.put(dstText[dst[k]] ??= encode(pieces.dst(peers[dst[k]])));
    w.put(connText[conn[k]] ??= encode(pieces.conns(table.get(conn[k]))));
    w.flushFull();
  }
  w.flush();
}

interface RowWriter<T> { put(piece: T): void; flushFull(): void; flush(): void }

const utf8 = (text: string): Buffer => Buffer.from(text, "utf8");

/** Bytes gathered in one buffer of BYTE_PIECE bytes, handed to `out` when full and then reused (out consumes it before returning). */
class ByteWriter {
  private readonly buf = Buffer.allocUnsafeSlow(BYTE_PIECE);
  private at = 0;
  constructor(private readonly out: (b: Uint8Array) => void) {}
  put(b: Uint8Array): void {
    if (this.at + b.length > BYTE_PIECE) {
      this.flush();
      if (b.length > BYTE_PIECE) { this.out(b); return; }
    }
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  /** Nothing: the buffer is handed on when full (put). */
  flushFull(): void {}
  flush(): void { if (this.at) { this.out(this.buf.subarray(0, this.at)); this.at = 0; } }
}

/** Bytes are written in pieces of this size (one buffer, reused: its pages are touched once). */
const BYTE_PIECE = 256 * 1024;

/**
 * How items are laid out: with a network column first (the per-network list's rows), nested one level
 * (the value of a top-level key: `connections` beside `exposure`).
 */
export interface ItemLayout { network?: (e: ConnEntry) => string; nested?: boolean }

/**
 * Rows of the list (sections of entries, each with its network label in a per-network list) as
 * JSON.stringify(data, null, 2) and renderYaml(data) write the array: alone, or as the value of
 * `key`, the first key of a top-level object (JSON: the caller writes "{\n" before and what follows
 * the array after; YAML: the key's lines only).
 */
export function writeRows(rows: readonly { entries: readonly ConnEntry[]; network?: string }[], format: "json" | "yaml", out: (s: string) => void, key?: string): void {
  const nested = key !== undefined, json = format === "json", empty = rows.every((r) => !r.entries.length);
  if (json) {
    const head = nested ? `  ${JSON.stringify(key)}: ` : "";
    out(empty ? `${head}[]${nested ? "" : "\n"}` : `${head}[\n`);
  } else {
    // The key as the renderer writes it ("KEY: []" when the sequence is empty).
    const head = nested ? renderYaml({ [key]: [] }).slice(0, -" []\n".length) : "";
    out(empty ? (nested ? `${head} []\n` : "[]\n") : nested ? `${head}\n` : "");
  }
  if (empty) return;
  let after = false;
  for (const r of rows) {
    const label = r.network;
    writeItems(r.entries, format, out, undefined, { nested, network: label === undefined ? undefined : () => label }, after);
    after ||= r.entries.length > 0;
  }
  if (json) out(nested ? "\n  ]" : "\n]\n");
}

/** The entries as the items of a txt list, or of a JSON array (comma-separated, no brackets) or a YAML sequence, in pieces. */
function writeItems(entries: readonly ConnEntry[], format: "txt" | "json" | "yaml", out: (s: string) => void, escape: (s: string) => string = (s) => s, layout: ItemLayout = {}, after = false): void {
  const pieces = itemPieces(format, escape, layout);
  const network = once(pieces.network), src = once(pieces.src), dst = once(pieces.dst), conns = once(pieces.conns);
  const net = layout.network, w = new PieceWriter(out);
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k];
    w.put(pieces.lead(k === 0 && !after));
    if (net) w.put(network(net(e)));
    w.put(src(e.src)); w.put(dst(e.dst)); w.put(conns(e.conns));
    w.flushFull();
  }
  w.flush();
}

/**
 * Texts written in pieces of about PIECE characters: an item's texts (each made once) are gathered
 * and joined once per piece, not concatenated per item.
 */
class PieceWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly out: (s: string) => void) {}
  put(text: string): void { if (text) { this.parts.push(text); this.size += text.length; } }
  /** Writes the piece when it is full. */
  flushFull(): void { if (this.size >= PIECE) this.flush(); }
  flush(): void { if (this.size) { this.out(this.parts.join("")); this.parts.length = 0; this.size = 0; } }
}

/** A function of objects or strings made once per argument (kept flat). */
function once<T>(make: (x: T) => string): (x: T) => string {
  const made = new Map<T, string>();
  return (x) => { let t = made.get(x); if (t === undefined) { t = flat(make(x)); made.set(x, t); } return t; };
}

/**
 * The same text as one flat string. V8 keeps a string made by concatenation (a template) as a tree
 * of its parts, and every copy of it (each join of a piece) walks the tree again; a property key is
 * kept flat (internalized). For texts made once and written hundreds of thousands of times. The key
 * goes through one dictionary-mode object, added and deleted: a fresh literal per text
 * (`Object.keys({ [text]: 0 })`) made a new hidden-class transition per distinct text, each inserted
 * into one sorted transition list, quadratic (44k peer texts at 100k pods: 145 ms, 44 ms this way).
 */
function flat(text: string): string {
  FLAT[text] = 0;
  const kept = Object.keys(FLAT)[0];
  delete FLAT[text];
  return kept;
}
const FLAT: Record<string, number> = Object.create(null);

/**
 * The texts an item is made of, in this order: what leads it (a separator, for all but the first),
 * its network label (the per-network list's rows), its source, its destination, its connections.
 */
interface ItemPieces { lead: (first: boolean) => string; network: (label: string) => string; src: (p: ListPeer) => string; dst: (p: ListPeer) => string; conns: (c: ConnSet) => string }

function itemPieces(format: "txt" | "json" | "yaml", escape: (s: string) => string, layout: ItemLayout): ItemPieces {
  return format === "txt" ? txtItem(escape) : format === "json" ? jsonItem(escape, layout) : yamlItem(escape, layout);
}

/** One np-guard line: SRC => DST : CONNECTIONS. */
function txtItem(escape: (s: string) => string): ItemPieces {
  return { lead: () => "", network: () => "", src: (p) => `${escape(p.id)} => `, dst: (p) => `${escape(p.id)} : `, conns: (c) => `${escape(formatConns(c))}\n` };
}

/**
 * A piece of a rendering moved one level deeper, as JSON.stringify and the YAML renderer indent a
 * nested value: two more spaces at the start of each line (`atLineStart`: the piece begins one).
 * JSON: after every line break in the piece (its lines all have text, and a piece may end inside
 * a line). YAML: pieces are whole lines, and empty lines (in block scalars) stay empty.
 */
function deeper(piece: string, atLineStart: boolean, yaml = false): string {
  return (atLineStart ? "  " : "") + piece.replace(yaml ? /\n(?=[^\n])/g : /\n/g, "\n  ");
}

/**
 * One entry as JSON.stringify(connlistData(all), null, 2) writes it inside the array (after ",\n"
 * but the first), built from pieces made once: each peer's quoted id and each connection set's conn
 * and connections (a value stringified alone and indented by its depth is what the whole document
 * holds at that depth).
 */
function jsonItem(escape: (s: string) => string, layout: ItemLayout): ItemPieces {
  const at = (piece: string, lineStart: boolean) => (layout.nested ? deeper(piece, lineStart) : piece);
  const open = at("  {\n", true), next = `,\n${open}`;
  // Nested, each piece's line breaks are moved: only the item's first line needs its own two spaces.
  return {
    lead: (first) => (first ? open : next),
    network: (label) => at(`    "network": ${escape(JSON.stringify(label))},\n`, false),
    src: (p) => at(`    "src": ${escape(JSON.stringify(p.id))},\n    "dst": `, false),
    dst: (p) => at(`${escape(JSON.stringify(p.id))},\n    `, false),
    conns: (c) => at(escape(`"conn": ${JSON.stringify(formatConns(c))},\n    "connections": ${JSON.stringify(connectionsData(c), null, 2).replace(/\n/g, "\n    ")}\n  }`), false),
  };
}

/**
 * One entry as renderYaml(connlistData(all)) writes it: a sequence item whose values are each rendered
 * alone in the same place (a one-key item for a text: the keys of an item are at the same indentation,
 * so a quoted or block scalar reads the same under any of them; a conn + connections item for each
 * connection set), since with lineWidth 0 a scalar's rendering depends on its text and indentation only.
 */
function yamlItem(escape: (s: string) => string, layout: ItemLayout): ItemPieces {
  const at = (piece: string) => (layout.nested ? deeper(piece, true, true) : piece);
  const value = (text: string) => escape(renderYaml([{ src: text }]).slice("- src: ".length));
  const lead = layout.network ? " " : "-";
  return {
    lead: () => "",
    network: (label) => at(`- network: ${value(label)}`),
    src: (p) => at(`${lead} src: ${value(p.id)}`),
    dst: (p) => at(`  dst: ${value(p.id)}`),
    conns: (c) => at(escape(`  ${renderYaml([{ conn: formatConns(c), connections: connectionsData(c) }]).slice(2)}`)),
  };
}

/** Connection sets are shared between entries (thousands of address ranges get the same few): formatted once each. */
function connText(escape: (s: string) => string = (s) => s): (c: ConnSet) => string {
  return once((c: ConnSet) => escape(formatConns(c)));
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
