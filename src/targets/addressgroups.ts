// Address groups as a perimeter firewall reads them: nftables named sets (one per application and
// address family, in table inet junction_addressgroups, replaced as a whole), JSON/YAML data, CSV.

import type { AddressGroup } from "../analyze/addressgroups.js";
import { formatRangeCompact, type Family } from "../model/ip.js";
import { renderTable as renderNftTable, replaceTransaction, type NftSet, type NftTable } from "./nftables/ruleset.js";
import { renderCsv } from "./table.js";

export const ADDRESSGROUPS_TABLE = { family: "inet" as const, name: "junction_addressgroups" };

/** nft identifiers: letters, digits and '_', starting with a letter. */
function setBase(app: string): string {
  const s = app.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[A-Za-z]/.test(s) ? s : `app_${s}`;
}

/** Set names per group, unique: APP_v4 and APP_v6 (a suffix when two applications' names sanitize alike). */
export function setNames(groups: readonly AddressGroup[]): Map<AddressGroup, string> {
  const used = new Set<string>(), out = new Map<AddressGroup, string>();
  for (const g of groups) {
    let base = setBase(g.app);
    for (let i = 2; used.has(base); i++) base = `${setBase(g.app)}_${i}`;
    used.add(base);
    out.set(g, base);
  }
  return out;
}

function sets(g: AddressGroup, base: string): NftSet[] {
  return ([4, 6] as Family[]).map((f) => ({
    name: `${base}_v${f}`, map: false, type: f === 4 ? "ipv4_addr" : "ipv6_addr", interval: true,
    elements: g.ranges.filter((r) => r.family === f).map(formatRangeCompact), comment: `${g.app}: ${g.members.length} member${g.members.length === 1 ? "" : "s"}`,
  }));
}

/** The nft -f transaction replacing the table. */
export function addressGroupsNft(groups: readonly AddressGroup[], notes: string[]): string {
  const names = setNames(groups);
  const table: NftTable = { ...ADDRESSGROUPS_TABLE, notes, sets: groups.flatMap((g) => sets(g, names.get(g)!)), chains: [] };
  return replaceTransaction(table, renderNftTable(table));
}

export function addressGroupsData(groups: readonly AddressGroup[]): Record<string, unknown>[] {
  const names = setNames(groups);
  return groups.map((g) => ({
    app: g.app, set: names.get(g), addresses: g.ranges.map(formatRangeCompact),
    members: g.members.map((m) => ({ name: m.name, ...(m.cluster ? { cluster: m.cluster } : {}), addresses: m.ranges.map(formatRangeCompact) })),
  }));
}

export function addressGroupsCsv(groups: readonly AddressGroup[]): string {
  const rows = groups.flatMap((g) => g.members.flatMap((m) => m.ranges.map((r) => [g.app, formatRangeCompact(r), m.name, m.cluster])));
  return renderCsv(["app", "address", "member", "cluster"], rows);
}
