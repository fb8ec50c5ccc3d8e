// Named sets and verdict maps of one table, deduplicated by content: two rules that need the same
// addresses or the same port verdicts share one set, so the ruleset grows with distinct peers and
// ports, not with the pairs of them.

import type { NftSet } from "./ruleset.js";

export type SetSpec = Omit<NftSet, "name">;

export class NamedSets {
  readonly list: NftSet[] = [];
  private byContent = new Map<string, NftSet>();
  private counters = new Map<string, number>();

  /** The name of a set with this content, created under `prefix` if it is new. */
  add(prefix: string, spec: SetSpec): string {
    const key = `${spec.map}|${spec.type}|${spec.interval}|${spec.elements.join(",")}`;
    const known = this.byContent.get(key);
    if (known) return known.name;
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    const set: NftSet = { name: `${prefix}_${n}`, ...spec };
    this.byContent.set(key, set);
    this.list.push(set);
    return set.name;
  }

  /** A set reference for a rule: inline (`{ a, b }`) when small, else a named set (`@name`). */
  ref(prefix: string, spec: SetSpec, inlineUpTo = 3): string {
    if (spec.elements.length <= inlineUpTo && !spec.comment) return `{ ${spec.elements.join(", ")} }`;
    return `@${this.add(prefix, spec)}`;
  }
}
