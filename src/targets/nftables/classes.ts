// The address space split into classes: inside one class the same rules name the remote address
// (and, for egress, the destination declares the same named ports), so one chain decides for all
// of its addresses and a verdict map sends each address to its class in one lookup.

import type { AddressRange } from "../../model/ip.js";

export interface Named {
  /** A rule's position in the list being classified. */
  id: number;
  /** Disjoint ranges (see mergeRanges). */
  ranges: readonly AddressRange[];
}

export interface Tagged {
  range: AddressRange;
  /** e.g. the named ports a destination declares. */
  tag: string;
}

export interface AddressClass {
  /** Ids of the rules whose peers cover these addresses, ascending. */
  ids: number[];
  tag?: string;
  ranges: AddressRange[];
}

interface Event { family: 4 | 6; at: bigint; id?: number; tag?: string; delta: 1 | -1 }

function events(named: readonly Named[], tagged: readonly Tagged[]): Event[] {
  const out: Event[] = [];
  const push = (r: AddressRange, delta: 1 | -1, id?: number, tag?: string) => out.push({ family: r.family, at: delta > 0 ? r.first : r.last + 1n, id, tag, delta });
  for (const n of named) for (const r of n.ranges) { push(r, 1, n.id); push(r, -1, n.id); }
  for (const t of tagged) { push(t.range, 1, undefined, t.tag); push(t.range, -1, undefined, t.tag); }
  return out.sort((a, b) => a.family - b.family || (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/**
 * The classes of the addresses some rule or tag names, by sweeping over range boundaries.
 * Addresses nothing names are left out: they form the class of rules without peers.
 */
export function classify(named: readonly Named[], tagged: readonly Tagged[] = []): AddressClass[] {
  const ev = events(named, tagged);
  const active = new Set<number>();
  const tags = new Map<string, number>();
  const classes = new Map<string, AddressClass>();
  for (let i = 0; i < ev.length; ) {
    const { family, at } = ev[i];
    for (; i < ev.length && ev[i].family === family && ev[i].at === at; i++) apply(ev[i], active, tags);
    const next = ev[i];
    if (!next || next.family !== family || (active.size === 0 && tags.size === 0)) continue;
    const ids = [...active].sort((a, b) => a - b);
    const tag = tags.size ? [...tags.keys()].sort().join(";") : undefined;
    const key = `${ids.join(",")}|${tag ?? ""}`;
    let c = classes.get(key);
    if (!c) { c = { ids, tag, ranges: [] }; classes.set(key, c); }
    const range = { family, first: at, last: next.at - 1n };
    const last = c.ranges[c.ranges.length - 1];
    if (last && last.family === family && last.last + 1n === at) last.last = range.last;
    else c.ranges.push(range);
  }
  return [...classes.values()];
}

function apply(e: Event, active: Set<number>, tags: Map<string, number>): void {
  if (e.id !== undefined) {
    if (e.delta > 0) active.add(e.id); else active.delete(e.id);
    return;
  }
  const n = (tags.get(e.tag!) ?? 0) + e.delta;
  if (n > 0) tags.set(e.tag!, n); else tags.delete(e.tag!);
}
