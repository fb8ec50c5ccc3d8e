// An nftables table as data, and its text: what `nft -f` reads. Everything Junction generates
// lives in one table (`inet junction` by default) and is replaced as a whole, atomically.

import { append } from "../../model/arrays.js";

export interface NftSet {
  name: string;
  /** A verdict map (`map`) rather than a plain set. */
  map: boolean;
  /** e.g. "ipv4_addr", "inet_proto . inet_service : verdict" */
  type: string;
  interval: boolean;
  elements: readonly string[];
  comment?: string;
}

export interface NftChain {
  name: string;
  /** Base chains: "type filter hook input priority filter; policy accept;" */
  base?: string;
  comment?: string;
  rules: string[];
}

export interface NftTable {
  family: "inet";
  name: string;
  /** Comment lines printed above the table. */
  notes: string[];
  sets: NftSet[];
  chains: NftChain[];
}

/** A double-quoted nft string (comments): quotes and backslashes are not allowed inside, so they are replaced. */
export function nftString(s: string): string {
  return `"${s.replace(/["\\]/g, "'").replace(/\n/g, " ").slice(0, 120)}"`;
}

const INLINE_ELEMENTS = 4;

function renderSet(s: NftSet): string[] {
  const lines = [`  ${s.map ? "map" : "set"} ${s.name} {`];
  if (s.comment) lines.push(`    # ${s.comment}`);
  lines.push(`    type ${s.type}${s.interval ? "; flags interval" : ""}`);
  if (s.elements.length > INLINE_ELEMENTS) {
    append(lines, ["    elements = {", ...s.elements.map((e, i) => `      ${e}${i + 1 < s.elements.length ? "," : ""}`), "    }"]);
  } else if (s.elements.length) {
    lines.push(`    elements = { ${s.elements.join(", ")} }`);
  }
  lines.push("  }");
  return lines;
}

function renderChain(c: NftChain): string[] {
  const lines = [`  chain ${c.name} {`];
  if (c.comment) lines.push(`    # ${c.comment}`);
  if (c.base) lines.push(`    ${c.base}`);
  for (const r of c.rules) lines.push(`    ${r}`);
  lines.push("  }");
  return lines;
}

/** The table as `nft -f` input. */
export function renderTable(t: NftTable): string {
  const blocks = [...t.sets.map(renderSet), ...t.chains.map(renderChain)];
  const body = blocks.map((b) => b.join("\n")).join("\n\n");
  return [...t.notes.map((n) => `# ${n}`), `table ${t.family} ${t.name} {`, body, "}", ""].join("\n");
}

/**
 * One `nft -f` transaction that replaces the table and touches nothing else: declaring the
 * table first makes the delete valid when it does not exist yet.
 */
export function replaceTransaction(t: Pick<NftTable, "family" | "name">, text: string): string {
  return `table ${t.family} ${t.name}\ndelete table ${t.family} ${t.name}\n${text}`;
}
