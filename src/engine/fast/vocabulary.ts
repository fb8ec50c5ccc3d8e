// What the policies can tell apart: the label keys and values their selectors mention, the port
// names they use, and the address boundaries of their CIDRs. Endpoints that agree on all of these
// get the same verdicts, so they share one class.

import type { Address, Family } from "../../model/ip.js";
import type { Network } from "../../model/endpoint.js";
import type { EndpointSelector, Peer, Policy } from "../../model/policy.js";
import { SUBSTRING_OPERATORS, type LabelSelector, type Labels } from "../../model/selector.js";
import { sortStrings } from "../../model/arrays.js";

/** What a policy added to the vocabulary (empty when it mentions nothing new). */
export interface VocabularyGrowth {
  labels: [key: string, value?: string][];
  nodeLabels: boolean;
  portNames: string[];
  serviceAccounts: string[];
  /** New atom boundaries, each with the start of the atom it split. */
  cuts: (Address & { from: bigint })[];
}

const UNMENTIONED = "\u0000";
/** In a key's values: a substring operator (Calico's contains, starts with, ends with) mentions it, so every value of the key is told apart. */
const EVERY_VALUE = "\u0001";

export class Vocabulary {
  /** Label keys and values of selectors that can pick endpoints in any namespace. */
  private labels = new Map<string, Set<string>>();
  /** Those of selectors confined to one namespace (NetworkPolicy subjects and podSelector peers): they tell apart only that namespace's endpoints. */
  private scoped = new Map<string, Map<string, Set<string>>>();
  private nodeLabels = new Map<string, Set<string>>();
  readonly portNames = new Set<string>();
  /** Service accounts some selector names. */
  readonly serviceAccounts = new Set<string>();
  /** Sorted starts of the address atoms per family (the partition by every CIDR boundary). */
  private sorted: Record<Family, bigint[]> = { 4: [0n], 6: [0n] };
  /** Every start, and those not yet merged into `sorted` (merged in one sort when next read). */
  private known: Record<Family, Set<bigint>> = { 4: new Set([0n]), 6: new Set([0n]) };
  private pending: Record<Family, bigint[]> = { 4: [], 6: [] };

  /** Counts the calls that may have added something (a key made from the vocabulary is good while it stays). */
  version = 0;

  addPolicy(p: Policy, growth = emptyGrowth()): VocabularyGrowth {
    this.version++;
    this.addSelector(p.subject, growth);
    // Indexed loops, no list of the policy's rules made: per policy (10k at 100k pods), mostly interpreted.
    for (let d = 0; d < 2; d++) {
      const rules = d === 0 ? p.ingress : p.egress;
      if (!rules) continue;
      for (let k = 0; k < rules.length; k++) {
        const { peers, ports } = rules[k];
        if (peers) for (let i = 0; i < peers.length; i++) this.addPeer(peers[i], growth);
        if (ports) for (let i = 0; i < ports.length; i++) {
          const m = ports[i];
          if (m.kind === "named" && !this.portNames.has(m.name)) { this.portNames.add(m.name); growth.portNames.push(m.name); }
        }
      }
    }
    return growth;
  }

  addNetwork(n: Network, growth = emptyGrowth()): VocabularyGrowth {
    this.version++;
    for (const c of n.cidrs) this.addRange(c.family, c.first, c.last, growth);
    return growth;
  }

  private addPeer(peer: Peer, growth: VocabularyGrowth): void {
    // A notSelector's peers tell apart what they take out of the peer (match.ts excludedBy).
    if ((peer.kind === "endpoints" || peer.kind === "networks") && peer.notIn) for (const q of peer.notIn) this.addPeer(q, growth);
    switch (peer.kind) {
      case "endpoints": this.addSelector(peer.selector, growth); return;
      case "cidr":
        for (const c of [peer.cidr, ...peer.except]) this.addRange(c.family, c.first, c.last, growth);
        return;
      case "nodes":
        if (this.addLabels(this.nodeLabels, peer.selector, [])) growth.nodeLabels = true;
        return;
      default: return;
    }
  }

  private addSelector(sel: EndpointSelector, growth: VocabularyGrowth): void {
    for (const sa of [...(sel.serviceAccounts ?? []), ...(sel.exceptServiceAccounts ?? [])]) if (!this.serviceAccounts.has(sa)) { this.serviceAccounts.add(sa); growth.serviceAccounts.push(sa); }
    const added: [string, string?][] = [];
    let into = this.labels;
    if (sel.namespaces.kind === "name") {
      const ns = sel.namespaces.name;
      into = this.scoped.get(ns) ?? new Map();
      this.scoped.set(ns, into);
    }
    this.addLabels(into, sel.labels, added);
    growth.labels.push(...added);
    // A Cilium host policy's nodeSelector selects nodes by their labels (match.ts ciliumHostOf): node classes are told apart by them.
    if (sel.kinds.includes("host") && this.addLabels(this.nodeLabels, sel.labels, [])) growth.nodeLabels = true;
  }

  /** Adds the keys and values of a selector; true when something was new. */
  private addLabels(into: Map<string, Set<string>>, sel: LabelSelector, added: [string, string?][]): boolean {
    const before = added.length;
    for (const r of sel.requirements) {
      let values = into.get(r.key);
      if (!values) { values = new Set(); into.set(r.key, values); added.push([r.key]); }
      for (const v of SUBSTRING_OPERATORS.has(r.operator) ? [EVERY_VALUE] : r.values) if (!values.has(v)) { values.add(v); added.push([r.key, v]); }
    }
    return added.length > before;
  }

  private addRange(family: Family, first: bigint, last: bigint, growth: VocabularyGrowth): void {
    const max = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
    this.addCut(family, first, growth);
    if (last < max) this.addCut(family, last + 1n, growth);
  }

  /** A new boundary; `from` is the start of the merged atom it splits (where the classes to re-key are indexed). */
  private addCut(family: Family, at: bigint, growth: VocabularyGrowth): void {
    if (this.known[family].has(at)) return;
    this.known[family].add(at);
    this.pending[family].push(at);
    const s = this.sorted[family];
    growth.cuts.push({ family, value: at, from: s[upperBound(s, at) - 1] });
  }

  /** The sorted starts, with pending cuts merged in (sorting k new cuts once, not one splice per cut). */
  private starts(family: Family): bigint[] {
    const p = this.pending[family];
    if (!p.length) return this.sorted[family];
    p.sort(compareBig);
    const s = this.sorted[family], out: bigint[] = new Array(s.length + p.length);
    let i = 0, j = 0, k = 0;
    while (i < s.length || j < p.length) out[k++] = j >= p.length || (i < s.length && s[i] < p[j]) ? s[i++] : p[j++];
    this.pending[family] = [];
    this.sorted[family] = out;
    return out;
  }

  /** Per family, the text of each atom's key ("family:start"), made once per atom of the current starts. */
  private atomKeys: Record<Family, { of: bigint[]; keys: string[] }> = { 4: { of: [], keys: [] }, 6: { of: [], keys: [] } };

  /**
   * "family:start" of the atom holding `a` (ClassTable's keys and its index by atom): addresses of
   * the same atom match the same CIDRs.
   */
  atomKey(a: Address): string {
    const s = this.starts(a.family), i = upperBound(s, a.value) - 1;
    let cache = this.atomKeys[a.family];
    if (cache.of !== s) this.atomKeys[a.family] = cache = { of: s, keys: [] };
    return cache.keys[i] ??= `${a.family}:${s[i]}`;
  }

  /** Starts of the atoms inside [first, last]. */
  atomsIn(family: Family, first: bigint, last: bigint): bigint[] {
    const s = this.starts(family);
    const out: bigint[] = [];
    for (let i = upperBound(s, first) - 1; i < s.length && s[i] <= last; i++) out.push(s[i]);
    return out;
  }

  /** Numbers of the (key, value) pairs projectKey keeps, by key then value (UNMENTIONED: a merged value). */
  private pairIds = new Map<string, Map<string, number>>();
  private pairs = 0;
  private pairKey = new NumberKey();

  /**
   * What project() gives for pod or Workload labels, as the numbers of its (key, value) pairs in
   * increasing order ("3.17.40"): the same labels the same text, other labels another. A class key
   * is made per endpoint (100k at 100k pods): no text per label, no sort of texts, a short key to hash.
   */
  projectKey(labels: Labels, namespace: string | undefined): string {
    const vocab = this.labels, local = namespace === undefined ? undefined : this.scoped.get(namespace), key = this.pairKey.start();
    // An indexed loop: a key is made per endpoint that does not repeat the last one, mostly interpreted.
    const keys = Object.keys(labels);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const kept = keptValue(k, labels[k], vocab, local);
      if (kept === undefined) continue;
      let byValue = this.pairIds.get(k);
      if (!byValue) this.pairIds.set(k, byValue = new Map());
      let id = byValue.get(kept);
      if (id === undefined) byValue.set(kept, id = this.pairs++);
      key.add(id);
    }
    return key.text();
  }

  /**
   * Labels reduced to what the selectors that can reach them distinguish: unmentioned keys dropped,
   * unmentioned values merged. `namespace` adds the selectors confined to it; nodes use node selectors.
   */
  project(labels: Labels, namespace: string | undefined, node = false): string {
    const vocab = node ? this.nodeLabels : this.labels;
    const local = node || namespace === undefined ? undefined : this.scoped.get(namespace);
    const parts: string[] = [];
    for (const k of Object.keys(labels)) {
      const kept = keptValue(k, labels[k], vocab, local);
      if (kept !== undefined) parts.push(`${k}=${kept}`);
    }
    return sortStrings(parts).join(",");
  }
}

/** A few numbers as a key: added in any order, written in increasing order ("3.17.40"), no list made per key. */
export class NumberKey {
  private ids: number[] = [];
  private n = 0;

  start(): this { this.n = 0; return this; }

  add(id: number): void {
    const ids = this.ids;
    let i = this.n++;
    for (; i > 0 && ids[i - 1] > id; i--) ids[i] = ids[i - 1];
    ids[i] = id;
  }

  text(): string {
    if (this.n === 0) return "";
    let out = `${this.ids[0]}`;
    for (let i = 1; i < this.n; i++) out += `.${this.ids[i]}`;
    return out;
  }
}

/**
 * What a projection keeps of label k=v: undefined when no selector mentions k, else v when one
 * mentions it (or a substring operator mentions k: EVERY_VALUE), else UNMENTIONED (unmentioned values merge).
 */
function keptValue(k: string, v: string, vocab: ReadonlyMap<string, ReadonlySet<string>>, local: ReadonlyMap<string, ReadonlySet<string>> | undefined): string | undefined {
  const values = vocab.get(k), mine = local?.get(k);
  if (!values && !mine) return undefined;
  return values?.has(v) || mine?.has(v) || values?.has(EVERY_VALUE) || mine?.has(EVERY_VALUE) ? v : UNMENTIONED;
}

export function emptyGrowth(): VocabularyGrowth {
  return { labels: [], nodeLabels: false, portNames: [], serviceAccounts: [], cuts: [] };
}

export function hasGrowth(g: VocabularyGrowth): boolean {
  return g.labels.length > 0 || g.nodeLabels || g.portNames.length > 0 || g.serviceAccounts.length > 0 || g.cuts.length > 0;
}

const compareBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** First index whose value is greater than `v`. */
function upperBound(s: readonly bigint[], v: bigint): number {
  let lo = 0, hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid] <= v) lo = mid + 1; else hi = mid;
  }
  return lo;
}
