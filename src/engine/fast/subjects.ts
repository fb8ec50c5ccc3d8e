// Which policies select which classes, in the order the tiers walk them: the verdict engine's
// order (priority, then name), ties in inventory order. Kept sorted across updates, with an index
// by subject namespace so that a few classes ask only the policies that can select them.

import type { Direction, Policy } from "../../model/policy.js";
import { comparePolicies, insertSorted } from "../verdict.js";
import { hasW } from "./bitset.js";
import type { ClassTable } from "./classes.js";
import type { ClassSets } from "./sets.js";

/** The policies selecting each class asked, per direction, in walk order (equal lists are one array). */
export interface Selected { of(d: Direction, id: number): readonly Policy[] }

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
    // share its list (the engine then looks their signature up once). A node is a number (its parent
    // and its last policy in typed-array-like lists, its children in one Map by parent and policy):
    // no object, Map or list per node, and lists are made only for the nodes some class ends on (at
    // 100k pods the trie of objects was about 10 MB that the young collections copied, then dropped).
    const walk = this.walk(), width = classes.size, trie = new ListTrie(walk);
    const at: Record<Direction, Int32Array> = { egress: new Int32Array(width), ingress: new Int32Array(width) };
    let wanted: Uint8Array | undefined;
    if (ids.length !== width) { wanted = new Uint8Array(width); for (let k = 0; k < ids.length; k++) wanted[ids[k]] = 1; }
    // Indexed loops over the policies and the subject's words (10k policies at 100k pods, once, mostly
    // interpreted): no callback per bit.
    for (let k = 0; k < walk.length; k++) {
      const p = walk[k], subject = sets.subject(p.subject), ws = subject.w, base = subject.lo << 5;
      for (let w = 0; w < ws.length; w++) {
        for (let v = ws[w]; v !== 0; v &= v - 1) {
          const id = base + (w << 5) + 31 - Math.clz32(v & -v);
          if (id >= width || (wanted && !wanted[id])) continue;
          if (p.egress) at.egress[id] = trie.step(at.egress[id], k);
          if (p.ingress) at.ingress[id] = trie.step(at.ingress[id], k);
        }
      }
    }
    return { of: (d, id) => trie.list(at[d][id]) };
  }

  /** For a few classes: only the policies that can select in their namespaces are asked. */
  private selectedByFew(ids: readonly number[], sets: ClassSets, classes: ClassTable): Selected {
    const index = this.index();
    const out = new Map<number, Record<Direction, readonly Policy[]>>();
    for (const id of ids) {
      const ns = classes.list[id].namespace;
      const candidates = [...(ns === undefined ? [] : index.get(ns) ?? []), ...(index.get(undefined) ?? [])]
        .filter((p) => hasW(sets.subject(p.subject), id)).sort(this.order);
      out.set(id, { egress: candidates.filter((p) => p.egress), ingress: candidates.filter((p) => p.ingress) });
    }
    return { of: (d, id) => out.get(id)?.[d] ?? NO_POLICIES };
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

/**
 * Lists of policies as paths from a root (node 0: the empty list): node n is its parent's list and
 * policy walk[last[n]]. A node's list is made when first asked, once (equal lists are one array).
 */
class ListTrie {
  private parent: number[] = [0];
  private last: number[] = [-1];
  /** Child node by parent * walk.length + policy index. */
  private children = new Map<number, number>();
  private lists: (readonly Policy[] | undefined)[] = [NO_POLICIES];

  constructor(private walk: readonly Policy[]) {}

  /** The node one policy (walk[k]) further than node n. */
  step(n: number, k: number): number {
    const key = n * this.walk.length + k;
    let c = this.children.get(key);
    if (c === undefined) {
      c = this.parent.length;
      this.parent.push(n); this.last.push(k);
      this.children.set(key, c);
    }
    return c;
  }

  list(n: number): readonly Policy[] {
    let out = this.lists[n];
    if (out) return out;
    let depth = 0;
    for (let x = n; x !== 0; x = this.parent[x]) depth++;
    const list = new Array<Policy>(depth);
    for (let x = n; x !== 0; x = this.parent[x]) list[--depth] = this.walk[this.last[x]];
    this.lists[n] = out = list;
    return out;
  }
}

/** No policies (shared). */
export const NO_POLICIES: readonly Policy[] = [];

/** The one namespace a policy's subject can be in (undefined: any). */
function subjectNamespace(p: Policy): string | undefined {
  return p.subject.namespaces.kind === "name" ? p.subject.namespaces.name : undefined;
}
