// Every distinct selector, peer and named port, evaluated once over the endpoint classes into a
// bitset, kept over the words it holds classes in (Windowed: most sets hold one namespace's classes,
// a word or two). Candidates come from the class indexes (namespace, label, address atom); each is then
// checked with the verdict engine's own Matcher, so the semantics stay in one place.

import { jsonKey, type Family } from "../../model/ip.js";
import { portMatches, type PortMatch, type Protocol } from "../../model/ports.js";
import type { EndpointSelector, NamespaceMatch, Peer, Rule } from "../../model/policy.js";
import { matches, type LabelSelector, type Requirement } from "../../model/selector.js";
import type { Inventory } from "../../model/inventory.js";
import { flowAddress, type Matcher, type Party } from "../match.js";
import { set, clear, has, resized, firstN, Windowed, hasW, setW, clearW, orIntoW, windowOf, type Bits } from "./bitset.js";
import type { ClassTable, EndpointClass } from "./classes.js";
import type { Vocabulary } from "./vocabulary.js";

interface Entry {
  key: string;
  bits: Windowed;
  test: (c: EndpointClass) => boolean;
  /** Depends on namespace labels (a namespace selector is involved). */
  byLabels: boolean;
  /** The one namespace whose classes it can hold (its selectors name it); undefined: any class. */
  namespace?: string;
}

/** The family a local endpoint picks the remote's address by (0: it has no address). */
export type LocalFamily = Family | 0;

const FAMILY_PROBE: Record<LocalFamily, Party> = {
  0: {},
  4: { address: { family: 4, value: 0n } },
  6: { address: { family: 6, value: 0n } },
};

export class ClassSets {
  private entries = new Map<string, Entry>();
  /** The entries by the namespace they are confined to (undefined: any), so that new classes are tested only against those that can hold them. */
  private byScope = new Map<string | undefined, Set<Entry>>();
  private byRule: Record<LocalFamily, WeakMap<Rule, Windowed>> = { 0: new WeakMap(), 4: new WeakMap(), 6: new WeakMap() };
  private nsMatches = new Map<string, Candidates>();
  /** nsMatches' key of each namespace selector (made once per selector, not per set evaluated). */
  private nsSelectorKeys = new WeakMap<object, string>();
  private subjectKeys = new WeakMap<EndpointSelector, string>();
  private peerKeys = new WeakMap<Peer, string[]>();
  private ruleKeys = new WeakMap<Rule, string[]>();
  /** Namespaces with classes when nsMatches was filled (a new one empties it). */
  private nsCount = 0;
  private allBits: Bits;
  /** allBits as a windowed set (over every word). */
  private allWindow: Windowed;
  /** A set is evaluated into this (all zeros between evaluations), then kept over the words it wrote. */
  private scratch: Bits;
  /** Sets evaluated so far, for the statistics. */
  evaluations = 0;

  constructor(private classes: ClassTable, private matcher: Matcher, private inv: Inventory, private vocab: Vocabulary, public nwords: number) {
    this.allBits = firstN(nwords, classes.size);
    this.allWindow = new Windowed(0, this.allBits);
    this.scratch = new Uint32Array(nwords);
  }

  /** Every class. */
  get all(): Bits { return this.allBits; }
  /** Every class, as the sets are kept. */
  get every(): Windowed { return this.allWindow; }

  subject(sel: EndpointSelector): Windowed {
    // Asked for every candidate policy of every class an update touches: the key string is made once
    // per selector (a string made anew would be hashed anew), and no closure is made when it is known.
    let key = this.subjectKeys.get(sel);
    if (key === undefined) this.subjectKeys.set(sel, key = ["s", selectorKey(sel)].join("|"));
    const found = this.entries.get(key);
    if (found) return found.bits;
    return this.get(key, () => this.selectorCandidates(sel),
      (c) => this.matcher.selects(sel, c.rep.endpoint), undefined, sel.namespaces.kind === "selector", namespaceOf(sel));
  }

  /** Classes a rule's peers match, seen from a local endpoint of family `f`; undefined: every peer. */
  rulePeers(rule: Rule, f: LocalFamily): Windowed | undefined {
    const peers = rule.peers;
    if (!peers) return undefined;
    // Rows ask for the same rules again and again (every port class, every refresh): remembered per rule.
    const known = this.byRule[f].get(rule);
    if (known) return known;
    const bits = this.rulePeerBits(peers, f);
    this.byRule[f].set(rule, bits);
    return bits;
  }

  /** The key of the set rulePeers gives for a rule (as refresh reports changed sets); undefined: every peer. */
  rulePeersKey(rule: Rule, f: LocalFamily): string | undefined {
    const peers = rule.peers;
    if (!peers) return undefined;
    if (peers.length === 1) return this.peerSetKey(peers[0], f);
    // Made once per rule and family (an index of every policy asks for every rule's keys).
    let keys = this.ruleKeys.get(rule);
    if (!keys) this.ruleKeys.set(rule, keys = []);
    return keys[f] ??= ruleKey(peers, f);
  }

  private rulePeerBits(peers: readonly Peer[], f: LocalFamily): Windowed {
    if (peers.length === 1) return this.peer(peers[0], f);
    const key = ruleKey(peers, f);
    // CIDR peers are tested together (a rule may name hundreds of ipBlocks), the others one by one.
    const cidrs = peers.filter((p): p is Extract<Peer, { kind: "cidr" }> => p.kind === "cidr");
    const probe = FAMILY_PROBE[f];
    const cidrTest = this.matcher.cidrPeersTest(cidrs);
    const others = peers.filter((p) => p.kind !== "cidr");
    const inCidrs = (c: EndpointClass) => cidrTest(c.rep, flowAddress(c.rep, probe, this.classes.network));
    const tests = [...others.map((p) => this.peerTest(p, f)), ...(cidrs.length ? [inCidrs] : [])];
    return this.get(key, () => undefined, (c) => tests.some((t) => t(c)), () => {
      // The peers' own sets first: evaluating one uses the scratch.
      const parts = others.map((p) => this.peer(p, f)), bits = this.scratch;
      for (const b of parts) orIntoW(bits, b);
      for (const id of this.cidrCandidates(cidrs)) if (inCidrs(this.classes.list[id])) set(bits, id);
      return this.taken();
    }, peers.some(byNamespaceLabels), confinedTo(peers));
  }

  /** The key of a peer's set seen from a local endpoint of family f (made once per peer). */
  private peerSetKey(peer: Peer, f: LocalFamily): string {
    const local = byLocalFamily(peer) ? f : 0;
    let keys = this.peerKeys.get(peer);
    if (!keys) this.peerKeys.set(peer, keys = []);
    return keys[local] ??= ["p", local, peerKey(peer)].join("|");
  }

  peer(peer: Peer, f: LocalFamily): Windowed {
    const local = byLocalFamily(peer) ? f : 0;
    const key = this.peerSetKey(peer, f);
    const found = this.entries.get(key);
    if (found) return found.bits;
    return this.get(key, () => this.peerCandidates(peer), this.peerTest(peer, local), undefined, byNamespaceLabels(peer), confinedTo([peer]));
  }

  private peerTest(peer: Peer, f: LocalFamily): (c: EndpointClass) => boolean {
    const probe = FAMILY_PROBE[byLocalFamily(peer) ? f : 0];
    return (c) => this.matcher.peerMatches(peer, c.rep, flowAddress(c.rep, probe, this.classes.network));
  }

  /**
   * Classes declaring a port that the named match admits at protocol/port: an egress rule's named
   * ports, resolved on the destination (Matcher.egressDestPorts: under Cilium, on its identity).
   */
  named(m: PortMatch & { kind: "named" }, protocol: Protocol, port: number): Windowed {
    return this.get(["n", m.name, m.protocol ?? "", protocol, port].join("|"), () => undefined,
      (c) => portMatches(m, protocol, port, this.matcher.egressDestPorts(c.rep.endpoint)));
  }

  private get(key: string, candidates: () => Candidates | undefined, test: (c: EndpointClass) => boolean, compute?: () => Windowed, byLabels = false,
    namespace?: string): Windowed {
    const found = this.entries.get(key);
    if (found) return found.bits;
    this.evaluations++;
    let bits: Windowed;
    if (compute) bits = compute();
    else {
      // Indexed loops: a set is evaluated once, mostly interpreted (no iterator step per candidate).
      const list = this.classes.list, scratch = this.scratch, lists = candidates();
      if (lists) {
        for (let l = 0; l < lists.length; l++) { const ids = lists[l]; for (let i = 0; i < ids.length; i++) if (test(list[ids[i]])) set(scratch, ids[i]); }
      } else for (let id = 0; id < list.length; id++) if (test(list[id])) set(scratch, id);
      bits = this.taken();
    }
    const entry: Entry = { key, bits, test, byLabels, namespace };
    this.entries.set(key, entry);
    let scope = this.byScope.get(namespace);
    if (!scope) this.byScope.set(namespace, scope = new Set());
    scope.add(entry);
    return bits;
  }

  /** The scratch's bits as a windowed set; the scratch is left all zeros. */
  private taken(): Windowed {
    const out = windowOf(this.scratch);
    this.scratch.fill(0, out.lo, out.hi);
    return out;
  }

  /** Evaluates the sets on the given classes (new ones; or, with `namespaceLabels`, of a relabelled namespace); returns the keys that changed. */
  refresh(ids: readonly number[], namespaceLabels = false): string[] {
    const list = this.classes.list;
    const changed: string[] = [];
    for (const id of ids) set(this.allBits, id);
    // An entry confined to a namespace holds none of another namespace's classes: it is asked about its own only.
    const byNamespace = new Map<string, number[]>();
    for (const id of ids) {
      const ns = list[id].namespace;
      if (ns === undefined) continue;
      const l = byNamespace.get(ns);
      if (l) l.push(id); else byNamespace.set(ns, [id]);
    }
    const check = (e: Entry, among: readonly number[]) => {
      if (namespaceLabels && !e.byLabels) return;
      let diff = false;
      for (const id of among) {
        const now = e.test(list[id]);
        if (now !== hasW(e.bits, id)) { diff = true; if (now) setW(e.bits, id); else clearW(e.bits, id); }
      }
      if (diff) changed.push(e.key);
    };
    for (const e of this.byScope.get(undefined) ?? []) check(e, ids);
    for (const [ns, among] of byNamespace) for (const e of this.byScope.get(ns) ?? []) check(e, among);
    return changed;
  }

  /** A class split off `from` (the policies that made the sets cannot tell them apart): same bits. */
  copyColumn(from: number, to: number): void {
    if (has(this.allBits, from)) set(this.allBits, to); else clear(this.allBits, to);
    for (const e of this.entries.values()) if (hasW(e.bits, from)) setW(e.bits, to); else clearW(e.bits, to);
  }

  /** Drops the cached sets whose key passes `stale` (re-evaluated on next use). */
  forget(stale: (key: string) => boolean): void {
    this.byRule = { 0: new WeakMap(), 4: new WeakMap(), 6: new WeakMap() };
    for (const [k, e] of [...this.entries]) if (stale(k)) { this.entries.delete(k); this.byScope.get(e.namespace)?.delete(e); }
  }

  resize(nwords: number): void {
    // The sets keep their words wherever they are: only every class's set and the scratch grow.
    this.nwords = nwords;
    this.allBits = resized(this.allBits, nwords);
    this.allWindow = new Windowed(0, this.allBits);
    this.scratch = new Uint32Array(nwords);
  }

  /**
   * The classes a selector's set may hold: those of the smallest of its namespace match's lists and
   * its label requirements' (the first of the smallest); undefined: every class (any namespace, and
   * no requirement narrows it), tested without a list of them.
   */
  private selectorCandidates(sel: EndpointSelector): Candidates | undefined {
    let best = sel.namespaces.kind === "any" ? undefined : this.namespaceLists(sel.namespaces);
    let least = best ? total(best) : this.classes.size;
    for (const r of sel.labels.requirements) {
      const lists = r.operator === "Exists" ? [this.classes.byToken.get(r.key) ?? []] : r.operator === "In" ? r.values.map((v) => this.classes.byToken.get(`${r.key}=${v}`) ?? []) : undefined;
      if (lists && total(lists) < least) { best = lists; least = total(lists); }
    }
    return best;
  }

  /** The class lists of the namespaces a match by name or by labels picks. */
  private namespaceLists(m: Exclude<EndpointSelector["namespaces"], { kind: "any" }>): Candidates {
    if (m.kind === "name") return [this.classes.byNamespace.get(m.name) ?? []];
    let key = this.nsSelectorKeys.get(m.selector);
    if (key === undefined) this.nsSelectorKeys.set(m.selector, key = labelsKey(m.selector).join(""));
    if (this.nsCount !== this.classes.byNamespace.size) { this.nsMatches.clear(); this.nsCount = this.classes.byNamespace.size; }
    // The namespaces' class lists, kept with the match: the lists are the class table's own, which
    // only grow in place (a namespace with classes for the first time empties the cache, above).
    let lists = this.nsMatches.get(key);
    if (!lists) {
      const picked: (readonly number[])[] = [];
      for (const [name, l] of this.classes.byNamespace) if (this.matcher.namespaceMatches(m, name)) picked.push(l);
      this.nsMatches.set(key, lists = picked);
    }
    return lists;
  }

  /** Namespaces or their labels changed: forget which namespaces each namespace selector picks. */
  namespacesChanged(): void { this.nsMatches.clear(); }

  private peerCandidates(peer: Peer): Candidates | undefined {
    switch (peer.kind) {
      case "endpoints": return this.selectorCandidates(peer.selector);
      case "cidr": return [this.cidrCandidates([peer])];
      case "nodes": case "remote-node": return [this.classes.nodeLike];
      case "own-node": return [];
      case "networks": return [this.atomCandidates(this.inv.networks.filter((n) => matches(peer.selector, n.labels)).flatMap((n) => n.cidrs))];
      case "domains": return [];
      default: return undefined;
    }
  }

  /** Classes whose addresses fall in the peers' CIDRs; every class when a source of another cluster is seen by its egress NAT address. */
  private cidrCandidates(peers: readonly Extract<Peer, { kind: "cidr" }>[]): number[] {
    return peers.some((p) => p.seenIn !== undefined) ? everyId(this.classes.size) : this.atomCandidates(peers.map((p) => p.cidr));
  }

  private atomCandidates(ranges: readonly { family: Family; first: bigint; last: bigint }[]): number[] {
    const out: number[] = [];
    for (const r of ranges) {
      for (const start of this.vocab.atomsIn(r.family, r.first, r.last)) for (const id of this.classes.byAtom.get(`${r.family}:${start}`) ?? []) out.push(id);
    }
    return out;
  }
}

/** Whether a peer's set depends on the family the remote's address is picked by (addresses, or a peer limited to one family). */
function byLocalFamily(peer: Peer): boolean {
  return peer.kind === "cidr" || peer.kind === "networks" || (peer.kind !== "domains" && peer.family !== undefined);
}

/** The one namespace a selector can select in (it names it). */
function namespaceOf(sel: EndpointSelector): string | undefined {
  return sel.namespaces.kind === "name" ? sel.namespaces.name : undefined;
}

/** The one namespace all these peers can match in (endpoint peers naming it); undefined: any. */
export function confinedTo(peers: readonly Peer[]): string | undefined {
  const first = peers[0]?.kind === "endpoints" ? namespaceOf(peers[0].selector) : undefined;
  return first !== undefined && peers.every((p) => p.kind === "endpoints" && namespaceOf(p.selector) === first) ? first : undefined;
}

/** A peer that selects by namespace labels (its set changes when a namespace is relabelled). */
export function byNamespaceLabels(peer: Peer): boolean {
  return peer.kind === "endpoints" && peer.selector.namespaces.kind === "selector";
}

const keys = new WeakMap<EndpointSelector, string>();

/**
 * The key of a selector's set: equal keys, equal selectors. Every field counts (a selector kind may
 * grow fields); equal selectors written differently only miss the cache.
 */
export function selectorKey(sel: EndpointSelector): string {
  let k = keys.get(sel);
  if (k === undefined) { k = plainSelectorKey(sel) ?? JSON.stringify(sel); keys.set(sel, k); }
  return k;
}

/**
 * The key of a selector of the usual shape (namespaces, labels and kinds, no optional field set:
 * what NetworkPolicy and AdminNetworkPolicy lower to) made without JSON.stringify: no field names,
 * each text prefixed by its length and each count ended by `#` (so no part can run into the next).
 * At 100k pods (17.6k selectors) the keys are a third as long and made in half the time of their
 * JSON on the first pass. A selector with an optional field set is keyed by its JSON (which starts
 * with `{`, a plain key never does). The key covers every field the matcher reads: the tables
 * below list the fields of each type, and the compiler rejects them when a type gains or loses one.
 */
function plainSelectorKey(sel: EndpointSelector): string | undefined {
  for (let i = 0; i < OPTIONAL_FIELDS.length; i++) if (sel[OPTIONAL_FIELDS[i]] !== undefined) return undefined;
  const ns = sel.namespaces, parts: (string | number)[] = [];
  switch (ns.kind) {
    case "name": parts.push("n", ns.name.length, ":", ns.name); break;
    case "any": parts.push("a"); break;
    case "selector": parts.push("s"); labelsKey(ns.selector, parts); break;
    default: return unknownKind(ns);
  }
  parts.push("|");
  labelsKey(sel.labels, parts);
  parts.push("|", sel.kinds.length, "#");
  for (const kind of sel.kinds) parts.push(kind.length, ":", kind);
  return parts.join("");
}

/**
 * A label selector's requirements, each key, operator and value length-prefixed, as parts (the key
 * is joined from them: one flat string, not a chain of partial strings kept with it).
 */
function labelsKey(l: LabelSelector, parts: (string | number)[] = []): (string | number)[] {
  parts.push(l.requirements.length, "#");
  for (const r of l.requirements) {
    parts.push(r.key.length, ":", r.key, r.operator.length, ":", r.operator, r.values.length, "#");
    for (const v of r.values) parts.push(v.length, ":", v);
  }
  return parts;
}

function unknownKind(m: never): undefined {
  void m;
  return undefined;
}

/** The fields of a selector beyond namespaces, labels and kinds: any set one keys it by its JSON. */
const OPTIONAL: Record<Exclude<keyof EndpointSelector, "namespaces" | "labels" | "kinds">, true> = {
  serviceAccounts: true, exceptServiceAccounts: true, ciliumCluster: true, excludeVirtualMachines: true, trustDomain: true, cluster: true,
};
const OPTIONAL_FIELDS = Object.keys(OPTIONAL) as (keyof typeof OPTIONAL)[];
// The fields the plain key writes, per type (the compiler checks that they are all the type has).
const KEYED: [Record<keyof Requirement, true>, Record<keyof LabelSelector, true>, Record<keyof Extract<NamespaceMatch, { kind: "name" }>, true>,
  Record<keyof Extract<NamespaceMatch, { kind: "selector" }>, true>, Record<keyof Extract<NamespaceMatch, { kind: "any" }>, true>] = [
  { key: true, operator: true, values: true }, { requirements: true }, { kind: true, name: true }, { kind: true, selector: true }, { kind: true },
];
void KEYED;

/** The key of a rule's peers' set seen from a local family (one flat string: keys are kept, and a template keeps its partial strings). */
function ruleKey(peers: readonly Peer[], f: LocalFamily): string {
  const parts: (string | number)[] = ["r", f];
  for (const p of peers) parts.push(peerKey(p));
  return parts.join("|");
}

export function peerKey(peer: Peer): string {
  switch (peer.kind) {
    case "cidr": return `c|${[peer.cidr, ...peer.except].map((c) => `${c.family}:${c.first}-${c.last}`).join(",")}${peer.outside ? "|outside" : ""}${peer.nodes ? "|nodes" : ""}${peer.seenIn !== undefined ? `|in:${peer.seenIn}` : ""}`;
    case "endpoints": {
      const key = peer.family !== undefined ? ["e", selectorKey(peer.selector), `ipv${peer.family}`].join("|") : ["e", selectorKey(peer.selector)].join("|");
      return peer.notIn ? `${key}|not:${peer.notIn.map(peerKey).join("&")}` : key;
    }
    default: return `${peer.kind}|${jsonKey(peer)}`;
  }
}

/**
 * Candidate classes as lists read one after the other (a namespace selector's lists, one per
 * namespace it picks): not concatenated into one (`Array.prototype.flat` checked and grew per
 * element: at 100k pods it was the hottest line of evaluating the 10k selector and peer sets).
 */
type Candidates = readonly (readonly number[])[];

/** How many ids the lists hold in all. */
function total(lists: Candidates): number {
  let n = 0;
  for (let i = 0; i < lists.length; i++) n += lists[i].length;
  return n;
}

/** The ids 0 to n - 1 (an indexed loop: no iterator step per id while interpreted). */
export function everyId(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
