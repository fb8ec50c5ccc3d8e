// The connectivity engine for all-pairs questions at cluster scale. Endpoints are grouped into
// classes, each distinct selector is evaluated once into a bitset over classes, and each distinct
// signature (the policies selecting a class, per direction) gets one row per port class. A pair's
// connections are then an AND of two rows; no pair of pods is ever evaluated on its own.
// One engine answers for the primary networks (each pod on its namespace's; classes of different
// primary networks never connect), or for one secondary network (network-bound policies only).

import type { Endpoint } from "../../model/endpoint.js";
import type { Inventory } from "../../model/inventory.js";
import { ALL_CONNS, isEmptyConns, NO_CONNS, type ConnSet, type NamedPort } from "../../model/ports.js";
import { lessPreDnat, preDnatGroups } from "../calico-prednat.js";
import { rulesOf, type Direction, type Policy, type Tier } from "../../model/policy.js";
import type { Matcher, Party } from "../match.js";
import { PairwiseConnectivity, type Connectivity, type GroupConns } from "../pairwise.js";
import type { PolicyEngine } from "../verdict.js";
import { ownNodeExempts } from "../options.js";
import { NO_POLICIES, Subjects } from "./subjects.js";
import { andNotInto, clear, denseOf, forEach, hasW, isEmpty, orInto, resized, set, wordRuns, words, type Bits, type Windowed } from "./bitset.js";
import { jointMayAllow, jointPorts, type Joint } from "./joint.js";
import { insertSorted, ownLoopback } from "../verdict.js";
import { ClassTable, sameNetwork, type EndpointClass } from "./classes.js";
import { governs, isSecondary } from "../../model/networks.js";
import { ALL, ConnTable, NONE } from "./conntable.js";
import { enumerateGroups } from "./pairs.js";
import { RowBuilder } from "./rows.js";
import { ClassSets, everyId, type LocalFamily } from "./sets.js";
import { labelRules, type NamedPortIndex, type Signature } from "./signature.js";
import { Vocabulary } from "./vocabulary.js";
import * as updates from "./updates.js";
import { sortStrings } from "../../model/arrays.js";
import type { UpdateResult } from "./updates.js";
import type { Labels } from "../../model/selector.js";
import { addressKey } from "../../model/ip.js";

export interface FastStats {
  endpoints: number;
  classes: number;
  signatures: number;
  /** Distinct selectors, peers and named ports evaluated. */
  sets: number;
  rows: number;
}

export type Progress = (message: string) => void;

/** The remote classes one side may allow: `any | (cont & rest)` (sideMay). */
export interface SideMay { key: object; any: Windowed; cont?: Windowed; rest?: Windowed }

/** A pair's side with the pod's own node (FastConnectivity.ownSide): false, exempt (true), or own-node peers matching ("peers"). */
export type OwnSide = boolean | "peers";

export class FastConnectivity implements Connectivity {
  readonly inventory: Inventory;
  readonly vocab = new Vocabulary();
  readonly classes: ClassTable;
  readonly conntable = new ConnTable();
  sets: ClassSets;
  rows: RowBuilder;
  /** Rest-part signature ids (NetworkPolicy and Baseline tiers) per class and direction. */
  readonly sigOf: Record<Direction, number[]> = { egress: [], ingress: [] };
  /** Admin-part signature ids per class and direction (-1: no Admin policy selects it). */
  readonly adminOf: Record<Direction, number[]> = { egress: [], ingress: [] };
  /** The composition of a class's two parts, when it has an Admin part (jointFor: made when first asked). */
  readonly jointOf: Record<Direction, (Joint | undefined)[]> = { egress: [], ingress: [] };
  /**
   * Rest parts in use by NetworkPolicy-tier policy (a list each: 10k policies at 100k pods, where a
   * Map of Sets by side took 4 MB), and those without that tier (not isolated).
   */
  private restOf = new Map<Policy, Signature[]>();
  private open = new Set<Signature>();
  /** Joints made, by Admin part id, then rest part id (those of a retired part are dropped). */
  private joints = new Map<number, Map<number, Joint>>();
  readonly signatures: Signature[] = [];
  /** Admin parts in use (their rows get the new columns). */
  private admins = new Set<Signature>();
  /** The classes on each Admin part in use. */
  private adminMembers = new Map<Signature, Bits>();
  /** Signatures in use with a rule whose peers select by namespace labels: kept once a relabel asked for them. */
  private labelled?: Set<Signature>;
  /** The same, by the key of the peers' set of each such rule. */
  private labelledBy?: Map<string, Set<Signature>>;
  private sigByKey = new Map<string, Signature>();
  /** The local ports of parts by their text (portsKey): a list per distinct text. */
  private portLists = new Map<string, readonly NamedPort[]>();
  readonly subjects: Subjects;
  readonly namedPorts = new Map<string, Set<string>>();
  /** Own-node pairs answered one by one (ownConns), and the reference that answers them. */
  private ownMemo = new Map<string, number>();
  private reference?: PairwiseConnectivity;

  /** `network`: a secondary network to answer for; undefined: the primary networks. */
  constructor(readonly engine: PolicyEngine, progress: Progress = () => {}, readonly network?: string) {
    this.inventory = engine.inventory;
    this.subjects = new Subjects(() => this.inventory.policies.filter((p) => governs(p, network)));
    for (const p of this.inventory.policies) this.vocab.addPolicy(p);
    for (const n of this.inventory.networks) this.vocab.addNetwork(n);
    this.classes = new ClassTable(this.vocab, engine.matcher, engine.networks, network);
    // A workload's pods share one list of ports (the load gives them one, model/core.ts), and the
    // named ports depend on that list alone (destPorts): a list met just before adds nothing.
    let lastPorts: Endpoint["ports"] | undefined;
    this.classes.placeAll(this.inventory.endpoints, (e) => { if (e.ports !== lastPorts) { lastPorts = e.ports; this.addNamedPorts(e); } });
    progress(`${this.inventory.endpoints.length} endpoints in ${this.classes.size} classes`);
    this.sets = new ClassSets(this.classes, engine.matcher, this.inventory, this.vocab, words(capacityFor(this.classes.size)));
    this.rows = new RowBuilder(this.sets, this.conntable, engine.options, (p) => this.subjects.id(p), () => this.namedPorts as NamedPortIndex);
    this.assign(everyId(this.classes.size));
    // Explanations on this engine's inventory find the selecting policies in the class signatures.
    engine.useSubjects((e, d, net) => (isSecondary(net) ? net === network : network === undefined) ? this.selecting(e, d) : undefined);
    progress(`${this.signatures.length} signatures, ${this.sets.evaluations} selectors and peers, ${this.rows.computed} rows`);
  }

  get stats(): FastStats {
    return { endpoints: this.classes.ofEndpoint.size, classes: this.classes.size, signatures: this.signatures.filter((s) => s.users > 0).length, sets: this.sets.evaluations, rows: this.rows.computed };
  }

  conns(src: Party, dst: Party): ConnSet {
    const c = this.connsBeforePreDnat(src, dst);
    // A pod reached from off its node: its node's host endpoint's Calico preDNAT policies drop some (engine/calico-prednat.ts).
    return this.inventory.calicoPreDnat && this.network === undefined ? lessPreDnat(this.engine, src, dst, c) : c;
  }

  private connsBeforePreDnat(src: Party, dst: Party): ConnSet {
    // An endpoint with itself: every connection, but a host under felix's all-interfaces host endpoint (PolicyEngine.ownHost: its lo).
    if (src.endpoint !== undefined && src.endpoint === dst.endpoint) return this.engine.ownHost(src.endpoint, dst)?.policed ? this.conntable.get(this.exactConns(`self|${this.classFor(src)}`, src, dst)) : ALL_CONNS;
    // A pod's own loopback: no policy sees it (PolicyEngine.evaluate, ownLoopback).
    if (ownLoopback(src, dst)) return ALL_CONNS;
    // A host's own loopback: unpoliced, or felix's all-interfaces host endpoint's policy both ways (PolicyEngine.hostLoopback).
    const lo = this.engine.hostLoopback(src, dst);
    if (lo) return lo.policed ? this.conntable.get(this.exactConns(`lo|${this.classFor(src)}|${this.classFor(dst)}`, src, dst)) : ALL_CONNS;
    const forwarded = this.forwardedConns(src, dst);
    if (forwarded !== undefined) return this.conntable.get(forwarded);
    // A node's traffic to a pod of another node through Calico's tunnel: its source is the tunnel address (PolicyEngine.tunnelSource; the pod's IP pool picks which).
    const tunnel = this.engine.tunnelSource(src, dst);
    if (tunnel) return this.conntable.get(this.exactConns(`tun|${src.endpoint!.id}|${addressKey(tunnel.party.address!)}|${this.classFor(dst)}`, src, dst));
    // A pod's traffic masqueraded by Calico's natOutgoing: the destination sees the pod's node (PolicyEngine.natOutgoingSource).
    const nat = this.engine.natOutgoingSource(src, dst);
    if (nat) return this.conntable.get(this.exactConns(`nat|${nat.party.endpoint!.name}|${this.classFor(src)}|${dst.endpoint?.id ?? ""}|${dst.address ? addressKey(dst.address) : ""}`, src, dst));
    if (this.engine.ownExact && (this.engine.matcher.isOwnNode(src.endpoint, dst) || this.engine.matcher.isOwnNode(dst.endpoint, src))) return this.conntable.get(this.ownConns(src, dst));
    if (this.engine.hostAction(src, dst)?.action === "Drop") return NO_CONNS;
    const cs = this.classFor(src), cd = this.classFor(dst);
    const id = this.pairConns(cs, cd, this.ownSide(src.endpoint, dst, "egress"), this.ownSide(dst.endpoint, src, "ingress"));
    return this.conntable.get(id);
  }

  /**
   * How `local`'s side of direction d is walked for a pair with `remote`: as for its classes (false);
   * `remote` being its own node, exempt from the Namespace tier (true: --own-node), or with the
   * Namespace tier's own-node peers matching it ("peers": Cilium's host entity).
   */
  ownSide(local: Endpoint | undefined, remote: Party, d: Direction): OwnSide {
    if (!this.engine.matcher.isOwnNode(local, remote)) return false;
    return this.ownMode(d);
  }

  /** How a pod's side of direction d is walked for a pair with its own node (ownSide, the pair being one). */
  ownMode(d: Direction): OwnSide {
    if (ownNodeExempts(this.engine.options.ownNode, d)) return true;
    return this.engine.ownNodePeers ? "peers" : false;
  }

  /**
   * The connections of a pod and its own node (either way) as the verdict engine answers them, port
   * interval by port interval (PairwiseConnectivity): where those pairs are not the classes'
   * (PolicyEngine.ownExact), remembered by the two classes, the direction and the node's felix action.
   */
  ownConns(src: Party, dst: Party): number {
    const pod = this.engine.matcher.nodeOf(dst) !== undefined ? src : dst, node = pod.endpoint?.nodeName;
    return this.exactConns(`${this.classFor(src)}|${this.classFor(dst)}|${node !== undefined && this.engine.dropsToHostOn(node) ? 1 : 0}`, src, dst);
  }

  /**
   * The connections to a node whose pods map hostPorts (model/hostports.ts: its portmap forwards those
   * ports to the pods, engine/verdict.ts HostPortHop) as the verdict engine answers them, port interval
   * by port interval; undefined for any other destination. Remembered by the source's class and node
   * (its egress sees the forwarded flow on the node), the source itself when it maps hostPorts
   * (hairpin), and the destination.
   */
  forwardedConns(src: Party, dst: Party): number | undefined {
    const at = this.engine.forwardingNode(dst);
    if (!at) return undefined;
    const s = src.endpoint, from = s?.nodeName ?? this.engine.matcher.nodeOf(src)?.name ?? "";
    const self = s !== undefined && s.kind === "pod" && s.ports.some((p) => p.hostPort !== undefined) ? `#${s.id}` : "";
    // (natOutgoing: whether the source's node masquerades it on the way, PolicyEngine.natOutgoingSource.)
    const nat = this.engine.natOutgoingSource(src, at.party, true) ? "|nat" : "";
    return this.exactConns(`fwd|${this.classFor(src)}|${from}${self}${nat}|${at.party.endpoint?.id ?? ""}|${dst.address ? addressKey(dst.address) : ""}`, src, dst);
  }

  /** A pair's connections as the verdict engine answers them (PairwiseConnectivity), remembered by `key` until the next change. */
  private exactConns(key: string, src: Party, dst: Party): number {
    let id = this.ownMemo.get(key);
    if (id === undefined) {
      this.reference ??= new PairwiseConnectivity(this.engine, this.network);
      this.ownMemo.set(key, id = this.conntable.intern(this.reference.conns(src, dst)));
    }
    return id;
  }

  groupConns(groups: readonly (readonly Party[])[], include: (src: number, dst: number) => boolean, involved?: (group: number) => boolean): GroupConns[] {
    const out = enumerateGroups(this, groups, include, involved);
    // (Pairs with a pod behind a Calico host endpoint with preDNAT policies: again, pair by pair, less what those drop.)
    const exact = this.inventory.calicoPreDnat && this.network === undefined ? preDnatGroups(this.engine, groups, out, (s, d) => this.conns(s, d)) : undefined;
    if (!exact) return out;
    return out.flatMap((g) => { const c = exact.get(`${g.src}|${g.dst}`); return c === undefined ? [g] : isEmptyConns(c) ? [] : [{ ...g, conns: c }]; });
  }

  /** Adds a policy or replaces those of the same kind, namespace and name; recomputes what it can affect. */
  upsertPolicy(p: Policy): UpdateResult { this.forgetOwn(); return updates.upsertPolicy(this, p); }
  /** Adds the policies one object lowers to, replacing every policy named as one of them. */
  upsertPolicies(ps: readonly Policy[]): UpdateResult { this.forgetOwn(); return updates.upsertPolicies(this, ps); }
  /** Removes every policy of that kind, namespace and name. */
  removePolicy(p: Pick<Policy, "kind" | "namespace" | "name">): UpdateResult { this.forgetOwn(); return updates.removePolicy(this, p); }
  /** Adds a pod, Workload or node (replacing `old`); returns it with its id. */
  upsertEndpoint(e: Omit<Endpoint, "id">, old?: Endpoint): { endpoint: Endpoint } & UpdateResult { this.forgetOwn(); return updates.upsertEndpoint(this, e, old); }
  removeEndpoint(e: Endpoint): UpdateResult { this.forgetOwn(); return updates.removeEndpoint(this, e); }
  setNamespaceLabels(name: string, labels: Labels): UpdateResult { this.forgetOwn(); return updates.setNamespaceLabels(this, name, labels); }

  /** Own-node pairs answered one by one depend on everything: forgotten on every change. */
  private forgetOwn(): void {
    this.ownMemo.clear();
    this.reference = undefined;
  }

  /**
   * Connection-set id from class `cs` to class `cd` (distinct endpoints). `ownEgress`/`ownIngress`:
   * the pair is a pod and its own node, whose Namespace tier --own-node=allow decides (rows.ownNodeConns).
   */
  pairConns(cs: number, cd: number, ownEgress: OwnSide = false, ownIngress: OwnSide = false): number {
    if (!sameNetwork(this.classes.list[cs], this.classes.list[cd])) return NONE;
    const e = this.sideConns("egress", cs, cd, ownEgress);
    if (e === NONE) return e;
    return this.conntable.meet(e, this.sideConns("ingress", cd, cs, ownIngress));
  }

  /**
   * What class `local`'s side of direction d allows with `other` (both parts composed): the same
   * for classes whose sideMay keys are the same (the all-pairs enumeration asks it once for them).
   */
  sideConns(d: Direction, local: number, other: number, ownNode: OwnSide): number {
    // No closure here: a function that makes one gets a context object on every call, and this one
    // runs per class pair of an enumeration (the own-node test is made in ownJointPorts).
    const rest = this.signatures[this.sigOf[d][local]], j = this.jointFor(d, local);
    if (!j) return ownNode ? this.rows.ownNodeConns(rest, other, ownNode) : this.portsOf(rest, other);
    if (!ownNode) return jointMayAllow(j, other) ? jointPorts(j, other, this.conntable) : NONE;
    return this.ownJointPorts(j, rest, other, ownNode);
  }

  /** sideConns of a composed side with the pod's own node (the rest part walked with the exemption or own-node peers). */
  private ownJointPorts(j: Joint, rest: Signature, other: number, ownNode: true | "peers"): number {
    return jointPorts(j, other, this.conntable, (r) => this.rows.ownNodeAllowsAt(rest, r, other, ownNode));
  }

  /**
   * Remote classes class `local`'s side of direction d may allow, as `any | (cont & rest)` (a
   * superset where an Admin part is composed; exact answers come from pairConns). `key`: the same
   * for classes whose sides are the same. Nothing is allocated but the answer.
   */
  sideMay(d: Direction, local: number): SideMay {
    const j = this.jointFor(d, local);
    if (!j) { const sig = this.signatures[this.sigOf[d][local]]; return { key: sig, any: sig.any! }; }
    return { key: j, any: j.admin.any!, cont: j.admin.admin!.anyCont, rest: j.rest.any! };
  }

  /** sideMay's key alone: classes with the same key have the same side (nothing allocated but a joint made when first asked). */
  sideKey(d: Direction, local: number): object {
    return this.jointFor(d, local) ?? this.signatures[this.sigOf[d][local]];
  }

  /** Signatures in use with a rule whose peers select by namespace labels (what a namespace relabel can change). */
  labelledSignatures(): ReadonlySet<Signature> {
    if (!this.labelled) {
      this.labelled = new Set();
      this.labelledBy = new Map();
      for (const sig of this.signatures) if (sig.users > 0) this.addLabelled(sig);
    }
    return this.labelled;
  }

  /** Signatures in use with a rule whose peers are one of these sets (keys as ClassSets.refresh reports them). */
  signaturesWithPeers(keys: readonly string[]): Signature[] {
    this.labelledSignatures();
    const out = new Set<Signature>();
    for (const k of keys) for (const sig of this.labelledBy!.get(k) ?? []) if (sig.users > 0) out.add(sig);
    return [...out];
  }

  private addLabelled(sig: Signature): void {
    const rules = labelRules(sig);
    if (!rules.length) return;
    this.labelled!.add(sig);
    for (const r of rules) {
      const key = this.sets.rulePeersKey(r, sig.family)!;
      let sigs = this.labelledBy!.get(key);
      if (!sigs) this.labelledBy!.set(key, sigs = new Set());
      sigs.add(sig);
    }
  }

  /** The policies that select an endpoint for a direction, in walk order (the explain path uses it). */
  selecting(e: Endpoint, d: Direction): readonly Policy[] | undefined {
    const id = this.classes.placed(e);
    if (id === undefined) return undefined;
    const sig = this.signatures[this.sigOf[d][id]], admin = this.adminOf[d][id];
    return sig.unenforced ? [] : [...(admin >= 0 ? this.signatures[admin].tiers.admin : []), ...sig.tiers.namespace, ...sig.tiers.baseline];
  }

  /** The class of a party; a party never seen before gets a class (and its column in every row). */
  classFor(p: Party): number {
    return this.classOfParty(p);
  }

  /** The class of a party already placed (no allocation); others go through classesFor. */
  classOfParty(p: Party): number {
    if (p.endpoint && !p.address) {
      const id = this.classes.placed(p.endpoint);
      if (id !== undefined) return id;
    }
    return this.classesFor([p])[0];
  }

  /** The classes of many parties; new classes are added in one step. */
  classesFor(parties: readonly Party[]): number[] {
    const created: number[] = [];
    const out = parties.map((p) => {
      if (p.endpoint && !p.address) {
        const id = this.classes.placed(p.endpoint);
        if (id !== undefined) return id;
      }
      const r = this.classes.classOf(p);
      if (r.created) created.push(r.cls.id);
      return r.cls.id;
    });
    if (created.length) this.extend(created);
    return out;
  }

  /** Union of the port classes of `sig` whose row holds `other`. */
  portsOf(sig: Signature, other: number): number {
    const rows = sig.rows!, conns = sig.layout!.conns;
    if (rows.length === 1) return hasW(rows[0], other) ? conns[0] : NONE;
    if (!hasW(sig.any!, other)) return NONE;
    let mask = 0, key: number | string = 0;
    if (rows.length <= 30) { for (let k = 0; k < rows.length; k++) if (hasW(rows[k], other)) mask |= 1 << k; key = mask; }
    else key = rowBits(rows, other);
    // Made when first asked: most parts are never asked for a union of several port classes.
    let id = (sig.masks ??= new Map()).get(key);
    if (id === undefined) {
      id = NONE;
      for (let k = 0; k < rows.length; k++) if (hasW(rows[k], other)) id = this.conntable.join(id, conns[k]);
      sig.masks.set(key, id);
    }
    return id;
  }

  /** New classes: size the bitsets, evaluate every set on them, give them signatures, fill their columns. */
  extend(ids: number[]): void {
    this.ensureCapacity();
    const changed = this.sets.refresh(ids);
    this.rows.reset();
    const before = [...this.admins];
    this.assign(ids);
    // Rest parts get the new columns class by class. A new column is all zeros: only rows that can
    // allow it are walked, those of the parts that are not isolated or have a rule that may match it.
    // (The runs made once; indexed loops: thousands of parts, once, mostly interpreted.)
    const runs = wordRuns(ids);
    const refresh = (sig: Signature) => { if (sig.users > 0) for (let r = 0; r < runs.length; r++) this.rows.refresh(sig, runs[r][0], runs[r][1]); };
    for (let i = 0; i < before.length; i++) refresh(before[i]);
    // Several new classes (the external ranges of a list): each part that may allow one is walked
    // once on the new words (the old classes there get the bits they have), not once per class.
    // Every policy in use is asked (its rules' peer sets, remembered per rule, tested on the new
    // classes): the same parts as through the index of policies by peer sets below, which only
    // narrows the policies asked, and which at 100k pods takes about 100 ms to make, first.
    if (ids.length > 1) {
      const batch = new Set<Signature>(this.open);
      for (const p of this.restOf.keys()) this.hitsAny(p, ids, batch);
      batch.forEach(refresh);
      return;
    }
    // Only a policy with a rule whose peers now hold a new class (or a rule without peers) can match one.
    const byPeers = this.restByPeers();
    const candidates = new Set(byPeers.get(undefined));
    for (const k of changed) for (const p of byPeers.get(k) ?? []) candidates.add(p);
    for (const id of ids) {
      // Per policy, the sides (direction, family: a bit each) where a rule of it may match the new class.
      const hits = new Map<Policy, number>();
      const todo = new Set<Signature>();
      for (const p of candidates) if (this.restOf.has(p)) this.hits(p, id, hits, todo);
      const fill = (sig: Signature) => {
        const bit = 1 << (sideKey(sig) >> 1);
        if (sig.users > 0) this.rows.fillColumn(sig, id, (p) => ((hits.get(p) ?? 0) & bit) !== 0);
      };
      // The open parts (no NetworkPolicy tier) are indexed apart from those of todo: no copy of them.
      for (const sig of this.open) fill(sig);
      for (const sig of todo) fill(sig);
    }
  }

  /** Records the sides where a rule of policy p may match the new class `id`, and the rest parts to walk for it. */
  private hits(p: Policy, id: number, hits: Map<Policy, number>, todo: Set<Signature>): void {
    // A rule's peers are evaluated per side (direction, family): asked once per side.
    let mask = 0, asked = 0;
    for (const sig of this.restOf.get(p)!) {
      const bit = 1 << (sideKey(sig) >> 1);
      if ((asked & bit) === 0) { asked |= bit; if (this.mayMatchAny(p, sig, [id])) mask |= bit; }
      if (mask & bit) todo.add(sig);
    }
    if (mask) hits.set(p, mask);
  }

  /** The rest parts of policy p on the sides where a rule of it may match one of the new classes `ids`. */
  private hitsAny(p: Policy, ids: readonly number[], todo: Set<Signature>): void {
    let mask = 0, asked = 0;
    for (const sig of this.restOf.get(p)!) {
      const bit = 1 << (sideKey(sig) >> 1);
      if ((asked & bit) === 0) { asked |= bit; if (this.mayMatchAny(p, sig, ids)) mask |= bit; }
      if (mask & bit) todo.add(sig);
    }
  }

  /** Whether a rule of policy p (in the signature's direction) can match one of the classes `ids` (its peers, each rule's asked once; ports aside). */
  private mayMatchAny(p: Policy, sig: Signature, ids: readonly number[]): boolean {
    // Indexed loops: asked per policy and side for the list's new classes, mostly interpreted.
    const rules = rulesOf(p, sig.direction) ?? [];
    for (let k = 0; k < rules.length; k++) {
      const peers = this.sets.rulePeers(rules[k], sig.family);
      if (peers === undefined) return true;
      for (let i = 0; i < ids.length; i++) if (hasW(peers, ids[i])) return true;
    }
    return false;
  }

  private index(sig: Signature): void {
    if (sig.part !== "rest") return;
    if (sig.unenforced || !sig.tiers.namespace.length) { this.open.add(sig); return; }
    for (const p of sig.tiers.namespace) {
      const sigs = this.restOf.get(p);
      if (sigs) sigs.push(sig);
      else { this.restOf.set(p, [sig]); this.byPeers(p, (set) => set.add(p)); }
    }
  }

  private unindex(sig: Signature): void {
    this.open.delete(sig);
    for (const p of sig.tiers.namespace) {
      const sigs = this.restOf.get(p), i = sigs ? sigs.indexOf(sig) : -1;
      if (i < 0) continue;
      sigs![i] = sigs![sigs!.length - 1];
      sigs!.pop();
      if (!sigs!.length) { this.restOf.delete(p); this.byPeers(p, (set) => set.delete(p)); }
    }
  }

  /**
   * restOf's policies by the key of each of their rules' peer sets (for every local family), and
   * under undefined those with a rule without peers; made when first asked, then kept current.
   */
  private peerIndex?: Map<string | undefined, Set<Policy>>;
  private restByPeers(): Map<string | undefined, Set<Policy>> {
    if (!this.peerIndex) {
      this.peerIndex = new Map();
      for (const p of this.restOf.keys()) this.byPeers(p, (set) => set.add(p));
    }
    return this.peerIndex;
  }

  /** Calls fn with the peerIndex entries of policy p (nothing before the index is made). */
  private byPeers(p: Policy, fn: (set: Set<Policy>) => void): void {
    const index = this.peerIndex;
    if (!index) return;
    const keys = new Set<string | undefined>();
    for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
      if (!r.peers) keys.add(undefined);
      else for (const f of FAMILIES) keys.add(this.sets.rulePeersKey(r, f));
    }
    for (const k of keys) {
      let set = index.get(k);
      if (!set) index.set(k, set = new Set());
      fn(set);
    }
  }

  /** A class split off `from`: it gets the same bits everywhere and the same signatures. */
  copyColumn(from: number, to: number): void {
    this.sets.copyColumn(from, to);
    for (const sig of this.signatures) this.rows.copyColumn(sig, from, to);
    for (const d of ["egress", "ingress"] as const) {
      const admin = this.adminOf[d][from];
      this.place(d, to, this.signatures[this.sigOf[d][from]], admin >= 0 ? this.signatures[admin] : undefined);
    }
  }

  ensureCapacity(): void {
    if (this.classes.size <= this.sets.nwords * 32) return;
    const n = words(capacityFor(this.classes.size));
    // Rows are kept over the words they hold bits in: they need no room for new classes.
    this.sets.resize(n);
    for (const [sig, b] of this.adminMembers) this.adminMembers.set(sig, resized(b, n));
  }

  /** Computes the signatures of the given classes (new signatures get their rows). */
  assign(ids: readonly number[]): void {
    const selected = this.subjects.selectedBy(ids, this.sets, this.classes);
    // Classes with the same list of policies (Subjects gives equal lists as one array), family,
    // subjectability and local named ports get the same parts: each such group is looked up once.
    const memo: PartsMemo = new Map();
    // Indexed, each direction by its own call: 13.8k classes at 100k pods, mostly interpreted (a
    // for-of over a list of the two directions made the list and an iterator per class).
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i], cls = this.classes.list[id];
      this.assignSide("egress", id, cls, selected.of("egress", id), memo);
      this.assignSide("ingress", id, cls, selected.of("ingress", id), memo);
    }
  }

  /**
   * Gives class `id` its parts for direction d, the policies selecting it being `all`. The parts are
   * found by what they depend on besides the policies: family, subjectability, and (ingress) the
   * class's declared ports of the names the policies use; a number when it names no port, so that
   * no key text is made per class.
   */
  private assignSide(d: Direction, id: number, cls: EndpointClass, all: readonly Policy[], memo: PartsMemo): void {
    let list = memo.get(all);
    if (!list) memo.set(all, list = { names: namedPortsOf(all), byClass: new Map() });
    const names = d === "ingress" && cls.subjectable ? list.names : undefined, byClass = list.byClass;
    const n = (d === "egress" ? 0 : 1) + 2 * (cls.subjectable ? 1 : 0) + 4 * cls.family;
    const key = names?.size ? `${n}|${portsKey(localPorts(this.engine.matcher, cls, names))}` : n;
    let parts = byClass.get(key);
    if (!parts) {
      const admin = cls.subjectable ? adminPolicies(all, d) : NO_POLICIES;
      const rest = this.signatureFor(cls, d, admin.length ? restPolicies(all) : all, "rest");
      parts = [rest, admin.length ? this.signatureFor(cls, d, admin, "admin") : undefined];
      byClass.set(key, parts);
    }
    this.place(d, id, parts[0], parts[1]);
  }

  /**
   * An Admin-tier policy was replaced (`removed` by `added`; either may be missing): the classes in
   * `affected` (those either selects) get their new Admin parts; their rest parts do not change.
   * Classes are placed by group, not one by one: the classes of one Admin part that `added` selects
   * (or does not) all get the same new part, since what the part's key says of a class (family, the
   * declared ports its policies name) is the same for all of them. Only where that cannot tell
   * (classes without a part; `added` naming ports their part's policies do not) is each class looked at.
   */
  reassignAdmin(affected: Bits, removed: Policy | undefined, added: Policy | undefined): void {
    const subject = added && denseOf(this.sets.subject(added.subject), affected.length);
    // An ingress rule on a named port makes the part depend on the class's own ports.
    const names = added ? namedPortsOf([added]) : new Set<string>();
    const namesKey = [...names].sort().join(",");
    for (const d of ["egress", "ingress"] as const) {
      const adds = added !== undefined && governs(added, this.network) && rulesOf(added, d) !== undefined;
      const byPorts = names.size > 0 && d === "ingress";
      // The groups are all taken before a class moves: each class is placed once, from its own part.
      const groups: AdminGroup[] = [];
      const placed = new Uint32Array(affected.length);
      for (const cur of this.admins) {
        if (cur.direction !== d) continue;
        const members = this.membersOf(cur);
        orInto(placed, members);
        // A part without `removed` keeps the classes `added` does not select.
        const loses = removed !== undefined && cur.tiers.admin.includes(removed);
        const split = byPorts && adds && [...names].some((n) => !namedPortsOf(cur.tiers.admin).has(n));
        for (const hit of [true, false]) {
          if (!(hit ? adds : loses)) continue;
          const bits = new Uint32Array(affected.length);
          for (let w = 0; w < bits.length; w++) bits[w] = members[w] & affected[w] & (adds ? (hit ? subject![w] : ~subject![w]) : ~0);
          if (isEmpty(bits)) continue;
          if (split && hit) groups.push(...this.byClass(bits, cur, hit, (id) => localPortsKey(this.engine.matcher, this.classes.list[id], names, namesKey)));
          else groups.push({ cur, hit, bits });
        }
      }
      // Classes without a part that `added` selects: by family and declared ports, one by one.
      if (adds) {
        const bits = new Uint32Array(affected.length);
        for (let w = 0; w < bits.length; w++) bits[w] = affected[w] & subject![w] & ~placed[w];
        const keyOf = (id: number) => this.classes.list[id].family * 0x1000000 + (byPorts ? localPortsKey(this.engine.matcher, this.classes.list[id], names, namesKey) : 0);
        groups.push(...this.byClass(bits, undefined, true, keyOf));
      }
      for (const { cur, hit, bits } of groups) {
        const list = (cur ? cur.tiers.admin : []).filter((q) => q !== removed);
        if (hit) insertSorted(list, added!, this.subjects.order);
        const next = list.length ? this.signatureFor(this.classes.list[firstOf(bits)], d, list, "admin", cur) : undefined;
        if (next !== cur) this.moveAdmin(d, bits, cur, next);
      }
    }
  }

  /** The subjectable classes of `bits` split by a key of theirs (each group one key). */
  private byClass(bits: Bits, cur: Signature | undefined, hit: boolean, keyOf: (id: number) => number): AdminGroup[] {
    const out = new Map<number, Bits>(), subjectable = this.classes.subjectable;
    forEach(bits, (id) => {
      if (!subjectable[id]) return;
      const k = keyOf(id);
      let b = out.get(k);
      if (!b) out.set(k, b = new Uint32Array(bits.length));
      set(b, id);
    });
    return [...out.values()].map((b) => ({ cur, hit, bits: b }));
  }

  /** Gives the classes of `bits` (all on Admin part `cur`, for direction d) the Admin part `next`. */
  private moveAdmin(d: Direction, bits: Bits, cur: Signature | undefined, next: Signature | undefined): void {
    const adminOf = this.adminOf[d], jointOf = this.jointOf[d], to = next ? next.id : -1;
    let count = 0;
    forEach(bits, (id) => { adminOf[id] = to; jointOf[id] = undefined; count++; });
    if (next) { next.users += count; orInto(this.membersOf(next), bits); }
    if (cur) {
      andNotInto(this.membersOf(cur), bits);
      if ((cur.users -= count) === 0) this.retire(cur);
    }
  }

  /** Gives class `id` its parts for direction d; parts no class uses are retired. */
  private place(d: Direction, id: number, rest: Signature, admin: Signature | undefined): void {
    const oldRest = this.sigOf[d][id], oldAdmin = this.adminOf[d][id];
    if (oldAdmin !== undefined && oldAdmin >= 0) clear(this.membersOf(this.signatures[oldAdmin]), id);
    rest.users++;
    if (admin) { admin.users++; set(this.membersOf(admin), id); }
    this.sigOf[d][id] = rest.id;
    this.adminOf[d][id] = admin ? admin.id : -1;
    this.jointOf[d][id] = undefined;
    if (oldRest !== undefined && --this.signatures[oldRest].users === 0) this.retire(this.signatures[oldRest]);
    if (oldAdmin !== undefined && oldAdmin >= 0 && --this.signatures[oldAdmin].users === 0) this.retire(this.signatures[oldAdmin]);
  }

  /** The classes on an Admin part (kept by place and moveAdmin; dropped when the part retires). */
  private membersOf(admin: Signature): Bits {
    let b = this.adminMembers.get(admin);
    if (!b) this.adminMembers.set(admin, b = new Uint32Array(this.sets.nwords));
    return b;
  }

  /**
   * The composition of class `local`'s two parts for direction d (undefined: no Admin part). Made
   * when first asked, not when a part is placed: an Admin change places thousands of classes.
   */
  private jointFor(d: Direction, local: number): Joint | undefined {
    const admin = this.adminOf[d][local];
    if (admin < 0) return undefined;
    let j = this.jointOf[d][local];
    if (j) return j;
    const rest = this.sigOf[d][local];
    let byRest = this.joints.get(admin);
    if (!byRest) this.joints.set(admin, byRest = new Map());
    j = byRest.get(rest);
    if (!j) byRest.set(rest, j = { admin: this.signatures[admin], rest: this.signatures[rest] });
    this.jointOf[d][local] = j;
    return j;
  }

  /** Policies were added to or removed from the inventory. */
  policiesChanged(added: readonly Policy[], removed: readonly Policy[]): void {
    this.subjects.changed(added.filter((p) => governs(p, this.network)), removed);
    this.engine.policiesChanged({ added, removed });
  }

  /** The signature of these policies for the class (`from`: the Admin part it replaces, whose rows it may take over). */
  private signatureFor(cls: EndpointClass, d: Direction, policies: readonly Policy[], part: Signature["part"], from?: Signature): Signature {
    const unenforced = !cls.subjectable;
    // Ingress named ports resolve on this endpoint: only the names its policies use matter.
    const names = d === "ingress" && !unenforced ? namedPortsOf(policies) : undefined;
    const ports = names?.size ? localPorts(this.engine.matcher, cls, names) : NO_PORTS, text = portsKey(ports);
    // One flat string (joined: a template keeps its partial strings with the key, 10k parts at 100k pods).
    const key = unenforced ? `${d}|-` : [part === "admin" ? `A|${d}` : d, cls.family, policies.map((p) => this.subjects.id(p)).join(","), text].join("|");
    let sig = this.sigByKey.get(key);
    if (!sig) {
      const tiers = unenforced ? NO_TIERS : tiersOf(policies, d);
      // Parts with the same local ports share one list (9.4k of 10.2k parts have some at 100k pods).
      let shared = this.portLists.get(text);
      if (!shared) this.portLists.set(text, shared = ports);
      sig = { id: this.signatures.length, key, part, direction: d, family: cls.family, tiers, localPorts: shared, unenforced, users: 0,
        layout: undefined, plan: undefined, outcomeKeys: undefined, rows: undefined, any: undefined, admin: undefined, labelRules: undefined, masks: undefined };
      this.signatures.push(sig);
      this.sigByKey.set(key, sig);
      this.rows.build(sig, from);
      if (part === "admin") this.admins.add(sig);
      this.index(sig);
      if (this.labelled) this.addLabelled(sig);
    }
    return sig;
  }

  addNamedPorts(e: Endpoint): string[] {
    const added: string[] = [];
    for (const q of this.engine.matcher.destPorts(e)) {
      if (q.name === undefined) continue;
      let s = this.namedPorts.get(q.name);
      if (!s) { s = new Set(); this.namedPorts.set(q.name, s); }
      const k = `${q.protocol}/${q.port}`;
      if (!s.has(k)) { s.add(k); added.push(q.name); }
    }
    return added;
  }

  /** A signature no class uses any more: forgotten (rows are not kept current for it). */
  private retire(sig: Signature): void {
    if (this.sigByKey.get(sig.key) === sig) this.sigByKey.delete(sig.key);
    this.unindex(sig);
    if (this.labelled?.delete(sig)) for (const r of labelRules(sig)) this.labelledBy!.get(this.sets.rulePeersKey(r, sig.family)!)?.delete(sig);
    if (sig.part === "admin") { this.admins.delete(sig); this.adminMembers.delete(sig); this.joints.delete(sig.id); }
    else for (const byRest of this.joints.values()) byRest.delete(sig.id);
    // Its layout goes too: a long stream of Admin changes would otherwise keep every part it made.
    sig.rows = sig.any = sig.masks = sig.admin = sig.layout = sig.plan = sig.outcomeKeys = undefined;
  }
}

const FAMILIES: readonly LocalFamily[] = [0, 4, 6];

/** assign's parts by list of policies: the names of the ports they use, and the parts by what else they depend on (assignSide). */
type PartsMemo = Map<readonly Policy[], { names: ReadonlySet<string>; byClass: Map<number | string, [Signature, Signature | undefined]> }>;

/** The Admin-tier policies of a list with rules for direction d. */
function adminPolicies(all: readonly Policy[], d: Direction): Policy[] {
  return all.filter((p) => p.tier === "admin" && rulesOf(p, d));
}

/** The policies of a list outside the Admin tier. */
function restPolicies(all: readonly Policy[]): Policy[] {
  return all.filter((p) => p.tier !== "admin");
}

/**
 * Which of `rows` hold `other`, as a text of 0s and 1s (portsOf, past 30 port classes). Apart from
 * portsOf: a closure over `other` there would give every call of it a context object.
 */
function rowBits(rows: readonly Windowed[], other: number): string {
  const bits = new Array<string>(rows.length);
  for (let k = 0; k < rows.length; k++) bits[k] = hasW(rows[k], other) ? "1" : "0";
  return bits.join("");
}

/** Classes that get one new Admin part: those on part `cur` (none: undefined) that `added` selects or not (`hit`). */
interface AdminGroup { cur?: Signature; hit: boolean; bits: Bits }

/** The lowest set bit (the bits are not empty). */
function firstOf(b: Bits): number {
  for (let w = 0; w < b.length; w++) if (b[w] !== 0) return (w << 5) + 31 - Math.clz32(b[w] & -b[w]);
  return -1;
}
const NO_PORTS: readonly NamedPort[] = Object.freeze([]);
/** An empty tier, shared: frozen, as no part's tiers are ever written. */
const NO_TIER = Object.freeze([]) as unknown as Policy[];
/** The tiers of an unenforced part (none), shared. */
const NO_TIERS = Object.freeze({ admin: NO_TIER, namespace: NO_TIER, baseline: NO_TIER }) as unknown as Record<Tier, Policy[]>;

/**
 * The policies with rules for direction d, by tier, in their order. Each list is made at its exact
 * length: a part keeps them (10k parts at 100k pods; a list grown by push from empty keeps room for 17).
 */
function tiersOf(policies: readonly Policy[], d: Direction): Record<Tier, Policy[]> {
  let admin = 0, namespace = 0, baseline = 0;
  for (const p of policies) if (rulesOf(p, d)) { if (p.tier === "admin") admin++; else if (p.tier === "namespace") namespace++; else baseline++; }
  // An empty tier is one shared list (never written, as no part's tiers are): most parts have one or two tiers.
  const tiers: Record<Tier, Policy[]> = { admin: admin ? new Array(admin) : NO_TIER, namespace: namespace ? new Array(namespace) : NO_TIER, baseline: baseline ? new Array(baseline) : NO_TIER };
  admin = namespace = baseline = 0;
  for (const p of policies) {
    if (!rulesOf(p, d)) continue;
    if (p.tier === "admin") tiers.admin[admin++] = p; else if (p.tier === "namespace") tiers.namespace[namespace++] = p; else tiers.baseline[baseline++] = p;
  }
  return tiers;
}

/** Direction and family: what a rule's peers are evaluated for. */
const sideKey = (sig: Signature) => (sig.direction === "egress" ? 8 : 0) + sig.family;

/** A class's declared ports with these names (ingress named ports resolve on them). */
function localPorts(matcher: Matcher, cls: EndpointClass, names: ReadonlySet<string>): NamedPort[] {
  return matcher.destPorts(cls.rep.endpoint).filter((q) => q.name !== undefined && names.has(q.name));
}

/**
 * A class's declared ports of some names, as a small number (distinct lists are few). Members of a
 * class declare the same ports of the names the vocabulary holds, so it is kept per class (names
 * recur: an edited policy).
 */
const localKeys = new WeakMap<EndpointClass, { names: string; key: number }>();
const portKeyIds = new Map<string, number>();
function localPortsKey(matcher: Matcher, cls: EndpointClass, names: ReadonlySet<string>, namesKey: string): number {
  const known = localKeys.get(cls);
  if (known?.names === namesKey) return known.key;
  const text = portsKey(localPorts(matcher, cls, names));
  let key = portKeyIds.get(text);
  if (key === undefined) portKeyIds.set(text, key = portKeyIds.size);
  localKeys.set(cls, { names: namesKey, key });
  return key;
}

const portsKey = (ports: readonly NamedPort[]) => sortStrings(ports.map((q) => `${q.name}/${q.protocol}/${q.port}`)).join(",");

function namedPortsOf(policies: readonly Policy[]): ReadonlySet<string> {
  // Indexed loops: asked per distinct list of policies and per ingress part (10k at 100k pods), mostly interpreted.
  let out: Set<string> | undefined;
  for (let i = 0; i < policies.length; i++) {
    const rules = policies[i].ingress;
    if (!rules) continue;
    for (let k = 0; k < rules.length; k++) {
      const ports = rules[k].ports;
      if (ports) for (let j = 0; j < ports.length; j++) { const m = ports[j]; if (m.kind === "named") (out ??= new Set()).add(m.name); }
    }
  }
  return out ?? NO_NAMES;
}
/** No port names (shared: the answer of namedPortsOf for most lists). */
const NO_NAMES: ReadonlySet<string> = new Set();

/** Room for classes added later without regrowing every bitset. */
function capacityFor(n: number): number {
  return Math.max(64, Math.ceil(n * 1.25));
}
