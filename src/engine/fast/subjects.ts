// Which policies select which classes, in the order the tiers walk them: the verdict engine's
// order (priority, then name), ties in inventory order. Kept sorted across updates, with an index
// by subject namespace so that a few classes ask only the policies that can select them.

import type { Direction, Policy } from "../../model/policy.js";
import { comparePolicies, insertSorted } from "../verdict.js";
import { forEachW, hasW } from "./bitset.js";
import type { ClassTable } from "./classes.js";
import type { ClassSets } from "./sets.js";

export type Selected = Map<number, Record<Direction, readonly Policy[]>>;

/** A node of selectedBy's trie: its list of policies in walk order (equal lists are one array), and the nodes one policy further (made with the first: most nodes end a list). */
interface ListNode { list: readonly Policy[]; next?: Map<Policy, ListNode> }

export class Subjects {
  private seq = new Map<Policy, number>();
  private next = 0;
  private sorted?: Policy[];
  private byNamespace?: Map<string | undefined, Policy[]>;

  constructor(private policies: () => readonly Policy[]) {
    for (const p of policies()) this.add(p);
  }

  /** A policy's place among equals (its arrival). */
  add(p: Policy): void {
    if (!this.seq.has(p)) this.seq.set(p, this.next++);
  }

  id(p: Policy): number {
    return this.seq.get(p)!;
  }

  readonly order = (a: Policy, b: Policy) => comparePolicies(a, b) || this.seq.get(a)! - this.seq.get(b)!;

  /** Policies with rules for some direction, in walk order. */
  walk(): Policy[] {
    this.sorted ??= this.policies().filter((p) => p.ingress || p.egress).sort(this.order);
    return this.sorted;
  }

  changed(added: readonly Policy[], removed: readonly Policy[]): void {
    const sorted = this.walk();
    for (const p of removed) {
      const i = sorted.indexOf(p);
      if (i >= 0) sorted.splice(i, 1);
      const list = this.byNamespace?.get(subjectNamespace(p)), j = list ? list.indexOf(p) : -1;
      if (j >= 0) list!.splice(j, 1);
    }
    for (const p of added) {
      if (!p.ingress && !p.egress) continue;
      insertSorted(sorted, p, this.order);
      if (!this.byNamespace) continue;
      const ns = subjectNamespace(p), list = this.byNamespace.get(ns);
      if (list) insertSorted(list, p, this.order); else this.byNamespace.set(ns, [p]);
    }
  }

  /** The policies selecting each class, per direction, in walk order. */
  selectedBy(ids: readonly number[], sets: ClassSets, classes: ClassTable): Selected {
    if (ids.length <= 64) return this.selectedByFew(ids, sets, classes);
    // Each class walks a trie of lists: classes selected by the same policies end on one node, and
    // share its list (the engine then looks their signature up once).
    const root: ListNode = { list: [], next: undefined };
    const step = (n: ListNode, p: Policy) => {
      let c = n.next?.get(p);
      if (!c) (n.next ??= new Map()).set(p, c = { list: [...n.list, p], next: undefined });
      return c;
    };
    const at: Record<Direction, (ListNode | undefined)[]> = { egress: [], ingress: [] };
    const wanted = ids.length === classes.size ? undefined : new Set(ids);
    // Indexed loops over the policies and classes (10k and 13.8k at 100k pods), once, mostly interpreted.
    const walk = this.walk();
    for (let k = 0; k < walk.length; k++) {
      const p = walk[k];
      forEachW(sets.subject(p.subject), (id) => {
        if (wanted && !wanted.has(id)) return;
        if (p.egress) at.egress[id] = step(at.egress[id] ?? root, p);
        if (p.ingress) at.ingress[id] = step(at.ingress[id] ?? root, p);
      });
    }
    const out: Selected = new Map();
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k], e = at.egress[id], i = at.ingress[id];
      if (e || i) out.set(id, { egress: e?.list ?? root.list, ingress: i?.list ?? root.list });
    }
    return out;
  }

  /** For a few classes: only the policies that can select in their namespaces are asked. */
  private selectedByFew(ids: readonly number[], sets: ClassSets, classes: ClassTable): Selected {
    const index = this.index();
    const out: Selected = new Map();
    for (const id of ids) {
      const ns = classes.list[id].namespace;
      const candidates = [...(ns === undefined ? [] : index.get(ns) ?? []), ...(index.get(undefined) ?? [])]
        .filter((p) => hasW(sets.subject(p.subject), id)).sort(this.order);
      out.set(id, { egress: candidates.filter((p) => p.egress), ingress: candidates.filter((p) => p.ingress) });
    }
    return out;
  }

  /** Policies whose subject can only be in one namespace (by it), and those that can be anywhere (undefined). */
  private index(): Map<string | undefined, Policy[]> {
    if (!this.byNamespace) {
      this.byNamespace = new Map();
      for (const p of this.walk()) {
        const ns = subjectNamespace(p);
        const list = this.byNamespace.get(ns);
        if (list) list.push(p); else this.byNamespace.set(ns, [p]);
      }
    }
    return this.byNamespace;
  }
}

/** The one namespace a policy's subject can be in (undefined: any). */
function subjectNamespace(p: Policy): string | undefined {
  return p.subject.namespaces.kind === "name" ? p.subject.namespaces.name : undefined;
}
