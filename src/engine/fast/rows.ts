// Computes a signature's rows with bitsets: per port class, the tiers are walked exactly as
// verdict.ts walks them, but over every remote class at once. Admin and Baseline tier outcomes
// are shared by every signature with the same policies there, so they are computed once.

import { TIERS, hasOwnNodePeer, rulesOf, type Action, type Direction, type Policy, type Rule, type Tier } from "../../model/policy.js";
import type { NamedPort, Protocol } from "../../model/ports.js";
import type { EngineOptions } from "../options.js";
import { clearW, copyOf, has, hasW, orInto, orIntoW, newBits, sameAs, setW, windowOf, Windowed, writeWords, type Bits } from "./bitset.js";
import { ALL, NONE, type ConnTable } from "./conntable.js";
import type { ClassSets } from "./sets.js";
import { portLayout, type NamedPortIndex, type PortLayout, type Signature, type TierPlan } from "./signature.js";

interface Outcome {
  allow: Bits; cont: Bits;
  /** The same kept as rows are (made when an Admin part takes them as its rows). */
  rows?: { allow: Windowed; cont: Windowed };
}

/**
 * Work buffers, reused for every row (rows are computed one at a time). `acc` and `taken` (the
 * Namespace tier's outcome) are all zeros between rows: each row clears the words it wrote.
 */
class Scratch {
  readonly undecided: Bits; readonly remaining: Bits; readonly policyRemaining: Bits; readonly named: Bits; readonly taken: Bits; readonly row: Bits;
  /** A rest part's union of rows, before it is stored (all zeros between rows, as `row`). */
  readonly any: Bits;
  /** The Pass hits of one group's run of policies (groupedHits; all zeros between runs). */
  readonly runPass: Bits;
  readonly acc: Acc; readonly group: Acc;
  constructor(readonly n: number) {
    [this.undecided, this.remaining, this.policyRemaining, this.named, this.taken, this.row, this.any, this.runPass] = [newBits(n), newBits(n), newBits(n), newBits(n), newBits(n), newBits(n), newBits(n), newBits(n)];
    this.acc = { allow: newBits(n), deny: newBits(n), pass: newBits(n) };
    this.group = { allow: newBits(n), deny: newBits(n), pass: newBits(n) };
  }
}

export class RowBuilder {
  /** Shared tier outcomes over every word, and over one narrower word range (new columns). */
  private outcomes = new Map<number, Outcome>();
  private narrow = new Map<number, Outcome>();
  /** Tier plans by their text (tiersOf): shared by the parts with the same tiers and numbers of rules. */
  private plans = new Map<string, readonly TierPlan[]>();
  /** Tier outcome keys (tierKey) by their text; kept across resets, so a plan's key stays good. */
  private tierKeys = new Map<string, number>();
  private narrowAt = -1;
  /** Buffers of the narrow outcomes, reused once those are forgotten (a new column costs no allocation). */
  private pool: Bits[] = [];
  private pooled = 0;
  private scratch = new Scratch(1);
  /** Rows computed, for the statistics. */
  computed = 0;

  constructor(private sets: ClassSets, private conns: ConnTable, private options: EngineOptions,
    private policyId: (p: Policy) => number, private named: () => NamedPortIndex) {}

  /**
   * Lays out the signature's ports and computes every row. An Admin part made from `from` (the
   * part it replaces, one policy added or removed) takes over the rows of every port class whose
   * outcome cannot differ (tierKey): only the port classes the changed policy's rules reach are walked.
   */
  build(sig: Signature, from?: Signature): void {
    sig.layout = sig.unenforced ? UNENFORCED : this.layoutOf(sig);
    sig.plan = sig.outcomeKeys = sig.masks = undefined;
    if (sig.part === "admin") {
      this.adminRows(sig, from);
      return;
    }
    sig.rows = new Array<Windowed>(sig.layout.reps.length);
    sig.any = undefined;
    this.refresh(sig, 0, this.sets.nwords);
  }

  /**
   * Layouts by the ports their rules name (layoutKey): at 100k pods the 10.2k parts have 38 such
   * keys, so a layout is made 38 times instead of 10.2k and kept once (it was 8 MB of the tables the
   * build keeps, each object copied twice by the young-generation collector).
   */
  private layouts = new Map<string, PortLayout>();

  /** The layout of a part's ports: the one made for the same rules' ports, or a new one. */
  private layoutOf(sig: Signature): PortLayout {
    const key = layoutKey(sig);
    let layout = key === undefined ? undefined : this.layouts.get(key);
    if (layout) return layout;
    const { intervals, starts, classOf, reps } = portLayout(sig, this.named());
    // Written out, not spread from a rest of the layout: the object a rest pattern makes keeps its
    // properties in a dictionary (about 300 bytes).
    layout = { starts, classOf, reps, conns: intervals.map(([TCP, UDP, SCTP]) => this.conns.intern({ TCP, UDP, SCTP })) };
    if (key !== undefined) this.layouts.set(key, layout);
    return layout;
  }

  /**
   * Rows with the same bits are one array (most rows are: at 10k pods seven in eight repeat another,
   * a third are empty), made once: a rest part's rows are computed into a buffer and looked up here
   * by content. Such rows are shared, so they are never written: a row about to change is copied
   * first (own). The table lives until the next reset (rows made later rarely repeat older ones).
   * A rest part's `any` (the union of its rows) is stored the same way: it is nearly always one of
   * its rows or another part's union (at 100k pods, 10,200 unions are a few hundred distinct ones).
   * Rows are kept over the words they hold bits in (Windowed): at 100k pods 26,800 of 27,600 rows
   * have at most two non-zero words of 541, and memory first touched is costly (a page fault per 4 KB).
   */
  private table = new Map<number, Windowed[]>();
  private shared = new WeakSet<Windowed>();

  /**
   * The row holding `buf` on [w0, w1) in place of `cur` (undefined: a new row, buf over every word);
   * `buf` is zero outside [lo, hi).
   */
  private store(cur: Windowed | undefined, buf: Bits, w0: number, w1: number, lo: number, hi: number, union = false): Windowed {
    if (cur) {
      if (sameWords(cur, buf, w0, w1)) return cur;
      const out = this.own(cur);
      writeWords(out, buf, w0, w1);
      return out;
    }
    // A union's non-zero words are noted as the hash walks them (unionWords).
    let h = 0, n = 0;
    const nz = union ? this.wordList(hi - lo) : undefined;
    for (let w = lo; w < hi; w++) if (buf[w] !== 0) { h = (Math.imul(h ^ w, 0x9e3779b1) + buf[w]) | 0; if (nz) nz[n++] = w; }
    const bucket = this.table.get(h);
    for (const r of bucket ?? []) if (sameAs(r, buf, lo, hi)) { if (nz && !this.unionWords.has(r)) this.unionWords.set(r, nz.slice(0, n)); return r; }
    const out = windowOf(buf, lo, hi);
    if (nz) this.unionWords.set(out, nz.slice(0, n));
    if (bucket) bucket.push(out); else this.table.set(h, [out]);
    this.shared.add(out);
    return out;
  }

  /**
   * The non-zero words (absolute, increasing) of the rest parts' unions as store made them: read by the
   * all-pairs scan's direction estimate (pairs.ts RestWords). A stored array is shared, and shared
   * arrays are never written (a change copies them), so the words stay true for as long as it lives.
   */
  private unionWords = new WeakMap<Windowed, Int32Array>();
  private words = new Int32Array(0);

  /** A union's non-zero words when store noted them (undefined: not a union it made). */
  unionNonZero(r: Windowed): Int32Array | undefined {
    return this.unionWords.get(r);
  }

  /** A scratch list of at least n entries. */
  private wordList(n: number): Int32Array {
    if (this.words.length < n) this.words = new Int32Array(Math.max(n, this.words.length * 2));
    return this.words;
  }

  /** Copies made by spliced for the words `splicedAt`, by the union they were made from. */
  private splicedAt = -1;
  private splices = new Map<Windowed, Windowed[]>();

  /**
   * A stored union `cur` with the words [w0, w1) of `buf`: written in place when it is not shared; a
   * shared one is copied, once per distinct result (parts sharing a union mostly get the same new
   * words: a namespace relabel refreshes thousands of parts), and the copy is shared too.
   */
  private spliced(cur: Windowed, buf: Bits, w0: number, w1: number): Windowed {
    if (sameWords(cur, buf, w0, w1)) return cur;
    if (!this.shared.has(cur)) { writeWords(cur, buf, w0, w1); return cur; }
    const at = w0 * 2 ** 26 + w1;
    if (at !== this.splicedAt) { this.splicedAt = at; this.splices.clear(); }
    let outs = this.splices.get(cur);
    if (!outs) this.splices.set(cur, outs = []);
    for (const out of outs) if (sameWords(out, buf, w0, w1)) return out;
    const out = copyOf(cur);
    writeWords(out, buf, w0, w1);
    this.shared.add(out);
    outs.push(out);
    return out;
  }

  /** The row itself, or a private copy when it is shared. */
  private own(r: Windowed): Windowed {
    return this.shared.has(r) ? copyOf(r) : r;
  }

  /** Class `to` split off `from`: it gets `from`'s bit in every row of the part. */
  copyColumn(sig: Signature, from: number, to: number): void {
    const copy = (b: Windowed) => { if (hasW(b, from)) setW(b, to); else clearW(b, to); };
    if (sig.admin) { for (const b of [...sig.admin.allow, ...sig.admin.cont, sig.admin.anyCont, sig.any!]) copy(b); }
    else if (sig.rows) {
      const rows = sig.rows;
      for (let k = 0; k < rows.length; k++) rows[k] = this.withBit(rows[k], to, hasW(rows[k], from));
      sig.any = this.withBit(sig.any!, to, hasW(sig.any!, from));
    }
  }

  /** Copies made by withBit for the column `bitAt`, per bit value: parts sharing an array share its copy. */
  private bitAt = -1;
  private bitCopies = [new Map<Windowed, Windowed>(), new Map<Windowed, Windowed>()];

  /**
   * `r` with bit i set to v: written in place when it is not shared; a shared one is copied once per
   * (array, i, v) and the copy is shared too (a column written into every part, as copyColumn does,
   * would otherwise copy a shared union or row once per part using it: 20 MB at 100k pods).
   */
  private withBit(r: Windowed, i: number, v: boolean): Windowed {
    if (hasW(r, i) === v) return r;
    if (!this.shared.has(r)) { if (v) setW(r, i); else clearW(r, i); return r; }
    if (this.bitAt !== i) { this.bitAt = i; this.bitCopies = [new Map(), new Map()]; }
    const memo = this.bitCopies[v ? 1 : 0];
    let out = memo.get(r);
    if (!out) {
      out = copyOf(r);
      if (v) setW(out, i); else clearW(out, i);
      this.shared.add(out);
      memo.set(r, out);
    }
    return out;
  }

  /**
   * An Admin part's rows over every word: each port class's outcome is the shared tier outcome
   * (or `from`'s row of the same tierKey), kept as is, not copied. Rows may thus be shared between
   * parts and the outcome cache; every later write into one (a refresh of new columns, a column
   * copied) writes the same function of its key, so sharing them stays exact.
   */
  private adminRows(sig: Signature, from: Signature | undefined): void {
    const known = new Map<number, number>();
    const keys = from?.outcomeKeys;
    if (keys) for (let k = 0; k < keys.length; k++) if (keys[k] >= 0) known.set(keys[k], k);
    const n = this.sets.nwords, allow: Windowed[] = [], cont: Windowed[] = [];
    // The unions are made in the scratch `any` and `row` (all zeros between rows).
    const { any, row: anyCont } = this.work();
    const plan = this.tiersOf(sig)[0];
    sig.layout!.reps.forEach((rep, k) => {
      const j = known.get(this.keyOf(sig, plan, rep));
      if (j !== undefined && from!.admin) { allow[k] = from!.admin.allow[j]; cont[k] = from!.admin.cont[j]; }
      else {
        const o = this.outcome(sig, plan, rep, 0, n);
        o.rows ??= { allow: windowOf(o.allow), cont: windowOf(o.cont) };
        allow[k] = o.rows.allow; cont[k] = o.rows.cont;
        this.computed++;
      }
      orIntoW(any, allow[k]);
      orIntoW(anyCont, cont[k]);
    });
    sig.admin = { allow, cont, anyCont: windowOf(anyCont) };
    sig.any = windowOf(any);
    any.fill(0);
    anyCont.fill(0);
  }

  /** Recomputes the rows on the words [w0, w1): after classes were added there. */
  refresh(sig: Signature, w0: number, w1: number): void {
    if (sig.admin) { this.refreshAdmin(sig, sig.admin, w0, w1); return; }
    const rows = sig.rows!, { row: buf, any } = this.work(), reps = sig.layout!.reps;
    // A row is read, stored and cleared on the words it wrote only: most rows are narrow.
    let alo = w1, ahi = w0;
    for (let k = 0; k < reps.length; k++) {
      const hi = this.row(sig, reps[k], buf, w0, w1), lo = this.rowFrom;
      rows[k] = this.store(rows[k], buf, w0, w1, lo, hi);
      orInto(any, buf, lo, hi);
      if (lo < hi) { alo = Math.min(alo, lo); ahi = Math.max(ahi, hi); }
      buf.fill(0, lo, hi);
    }
    if (alo >= ahi) alo = ahi = w0;
    sig.any = sig.any ? this.spliced(sig.any, any, w0, w1) : this.store(undefined, any, w0, w1, alo, ahi, true);
    any.fill(0, alo, ahi);
    this.computed += rows.length;
  }

  /**
   * The connections of a pod with its own node for one direction: the tiers walked for the remote
   * class alone, the Namespace tier (when it has policies) allowing everything (mode true: --own-node
   * exempts it), or its own-node peers matching the remote ("peers").
   */
  ownNodeConns(sig: Signature, other: number, mode: true | "peers"): number {
    // An indexed loop, no closure: asked per pod class and node class of the own-node pairs.
    const n = this.sets.nwords, layout = sig.layout!, reps = layout.reps;
    let id = NONE;
    for (let k = 0; k < reps.length; k++) if (sig.unenforced || this.ownNodeAllows(sig, reps[k], other, n, mode)) id = this.conns.join(id, layout.conns[k]);
    return id;
  }

  /**
   * Class `id`'s bit in every row of a rest part (a new column), walked for that class alone; the
   * other columns are left as they are. `nsHits`: whether a policy of the NetworkPolicy tier has a
   * rule that can match it (undefined: not known); none means the walk ends there, denied.
   */
  fillColumn(sig: Signature, id: number, nsHits: (p: Policy) => boolean): void {
    const rows = sig.rows!;
    const isolatedMiss = sig.tiers.namespace.length > 0 && !sig.unenforced && !sig.tiers.namespace.some(nsHits);
    let some = false;
    sig.layout!.reps.forEach((rep, k) => {
      const allowed = !isolatedMiss && this.walkOne(sig, rep, id);
      rows[k] = this.withBit(rows[k], id, allowed);
      some ||= allowed;
    });
    sig.any = this.withBit(sig.any!, id, some);
  }

  /** The tiers walked for one remote class at one port class (as row() does for a word of them). */
  private walkOne(sig: Signature, rep: Rep, id: number): boolean {
    const w = id >>> 5;
    for (const plan of this.tiersOf(sig)) {
      if (plan.tier === "namespace") {
        const action = this.firstHitOne(sig, plan, rep, id);
        if (action === "allow") return true;
        if (action !== "pass") return false;
        continue;
      }
      const o = this.outcome(sig, plan, rep, w, w + 1);
      if (has(o.allow, id)) return true;
      if (!has(o.cont, id)) return false;
    }
    return true;
  }

  /**
   * The action of the first NetworkPolicy-tier rule matching class `id` (sequential, as firstHits);
   * `ownNode`: `id` is the subject's own node, which the rules' own-node peers match.
   */
  private firstHitOne(sig: Signature, plan: TierPlan, rep: Rep, id: number, ownNode = false): Action | undefined {
    let i = 0;
    for (const p of sig.tiers.namespace) {
      for (const r of rulesOf(p, sig.direction) ?? []) {
        const status = rep.statuses[plan.at + i++];
        if (status === "0") continue;
        const peers = this.sets.rulePeers(r, sig.family);
        if (peers && !hasW(peers, id) && !(ownNode && hasOwnNodePeer(r))) continue;
        if (status === "a" || namedAt(this.sets, r, status, rep.protocol, rep.port, id)) return r.action;
      }
    }
    return undefined;
  }

  /** An admin part's tier outcome per port class, copied out of the shared outcome cache. */
  private refreshAdmin(sig: Signature, admin: NonNullable<Signature["admin"]>, w0: number, w1: number): void {
    const { allow, cont } = admin, { any, row: anyCont } = this.work();
    const plan = this.tiersOf(sig)[0];
    sig.layout!.reps.forEach((rep, k) => {
      const o = this.outcome(sig, plan, rep, w0, w1);
      writeWords(allow[k], o.allow, w0, w1);
      writeWords(cont[k], o.cont, w0, w1);
      orInto(any, o.allow, w0, w1);
      orInto(anyCont, o.cont, w0, w1);
    });
    writeWords(sig.any!, any, w0, w1);
    writeWords(admin.anyCont, anyCont, w0, w1);
    any.fill(0, w0, w1);
    anyCont.fill(0, w0, w1);
    this.computed += allow.length;
  }

  /** Whether the rest part `sig` allows `other`, the pod's own node, at its port class k (mode: as ownNodeConns). */
  ownNodeAllowsAt(sig: Signature, k: number, other: number, mode: true | "peers"): boolean {
    return sig.unenforced || this.ownNodeAllows(sig, sig.layout!.reps[k], other, this.sets.nwords, mode);
  }

  /** Own-node peers are only in Namespace-tier allow rules (model/policy.ts): the other tiers are walked by class. */
  private ownNodeAllows(sig: Signature, rep: Rep, other: number, n: number, mode: true | "peers"): boolean {
    for (const plan of this.tiersOf(sig)) {
      if (plan.tier === "namespace") {
        if (mode === true) return true;
        const action = this.firstHitOne(sig, plan, rep, other, true);
        if (action === "allow") return true;
        if (action !== "pass") return false;
        continue;
      }
      const o = this.outcome(sig, plan, rep, 0, n);
      if (has(o.allow, other)) return true;
      if (!has(o.cont, other)) return false;
    }
    return true;
  }

  /** Forgets shared tier outcomes (classes or policies changed). */
  reset(): void { this.outcomes.clear(); this.forgetNarrow(); this.table.clear(); this.splices.clear(); this.splicedAt = -1; }

  private forgetNarrow(): void { this.narrow.clear(); this.pooled = 0; }

  /** A buffer of the pool, zero on [w0, w1) (narrow outcomes only read and write there). */
  private buffer(w0: number, w1: number): Bits {
    const n = this.sets.nwords;
    if (this.pool.length && this.pool[0].length !== n) this.pool = [];
    if (this.pooled === this.pool.length) this.pool.push(new Uint32Array(n));
    const b = this.pool[this.pooled++];
    b.fill(0, w0, w1);
    return b;
  }

  private cacheFor(w0: number, w1: number): Map<number, Outcome> {
    if (w0 === 0 && w1 === this.sets.nwords) return this.outcomes;
    const at = w0 * 2 ** 26 + w1;
    if (at !== this.narrowAt) { this.forgetNarrow(); this.narrowAt = at; }
    return this.narrow;
  }

  private work(): Scratch {
    if (this.scratch.n !== this.sets.nwords) this.scratch = new Scratch(this.sets.nwords);
    return this.scratch;
  }

  /**
   * One row on the words [w0, w1), into `out` (all zeros there on entry); the words it may have
   * written are [rowFrom, the answer) (no pair made per row: 27k rows at 100k pods). A NetworkPolicy tier decides every remote (no match: denied), so after it only the
   * words its rules touch can be allowed: the tiers after it are walked there only. The undecided
   * remotes are every class until a tier has run (read from `all`, not copied).
   */
  private row(sig: Signature, rep: Rep, out: Bits, w0: number, w1: number): number {
    const work = this.work(), undecided = work.undecided, all = this.sets.all;
    let lo = w0, hi = w1, from = all;
    // Indexed loops, no pair made per tier: a row is made per port class of every part (27k at 100k pods), mostly interpreted.
    const plans = this.tiersOf(sig);
    for (let t = 0; t < plans.length; t++) {
      const plan = plans[t];
      if (plan.tier === "namespace") {
        const { allow, pass } = work.acc;
        const b = this.namespaceHits(sig, plan, rep, lo, hi), a = this.hitsFrom;
        for (let w = a; w < b; w++) { const u = from[w]; out[w] |= u & allow[w]; undecided[w] = u & pass[w]; }
        this.clearNamespaceHits(a, b);
        lo = a; hi = b;
      } else {
        const o = this.outcome(sig, plan, rep, w0, w1);
        for (let w = lo; w < hi; w++) { const u = from[w]; out[w] |= u & o.allow[w]; undecided[w] = u & o.cont[w]; }
      }
      from = undecided;
    }
    for (let w = lo; w < hi; w++) out[w] |= from[w];
    this.rowFrom = lo;
    return hi;
  }

  /** Where the words row wrote begin (it returns where they end). */
  private rowFrom = 0;

  /** Where the words namespaceHits wrote begin (it returns where they end). */
  private hitsFrom = 0;

  /**
   * The NetworkPolicy tier's first hits on [w0, w1), into the scratch `acc` (first matching rule
   * wins, policy by policy in walk order); the words written are [hitsFrom, the answer), [w0, w0) when none.
   */
  private namespaceHits(sig: Signature, plan: TierPlan, rep: Rep, w0: number, w1: number): number {
    const { acc, taken } = this.work(), { statuses, protocol, port } = rep;
    let i = plan.at, lo = w1, hi = w0;
    const ps = sig.tiers.namespace;
    for (let q = 0; q < ps.length; q++) {
      const rules = rulesOf(ps[q], sig.direction) ?? [];
      for (let k = 0; k < rules.length; k++) {
        const r = rules[k], s = this.ruleSet(sig, r, statuses[i++], protocol, port);
        if (!s) continue;
        const into = acc[r.action], ws = s.w, off = s.lo;
        const from = Math.max(w0, off), to = Math.min(w1, off + ws.length);
        for (let w = from; w < to; w++) { const m = ws[w - off] & ~taken[w]; into[w] |= m; taken[w] |= m; }
        if (from < to) { lo = Math.min(lo, from); hi = Math.max(hi, to); }
      }
    }
    if (lo < hi) { this.hitsFrom = lo; return hi; }
    this.hitsFrom = w0;
    return w0;
  }

  private clearNamespaceHits(w0: number, w1: number): void {
    const { acc, taken } = this.work();
    acc.allow.fill(0, w0, w1); acc.deny.fill(0, w0, w1); acc.pass.fill(0, w0, w1); taken.fill(0, w0, w1);
  }

  /**
   * The tiers of a part with policies, each with where its rules' port statuses start: the same for
   * every port class, so made once per layout.
   */
  private tiersOf(sig: Signature): readonly TierPlan[] {
    if (sig.plan) return sig.plan;
    const out: TierPlan[] = [];
    let offset = 0, keyed = 0;
    for (const tier of TIERS) {
      const ps = sig.tiers[tier];
      if (!ps.length) continue;
      out.push({ tier, at: offset });
      if (tier !== "namespace") keyed++;
      for (const p of ps) offset += rulesOf(p, sig.direction)?.length ?? 0;
    }
    // A port class keeps one outcome key (the part's outcomeKeys): an Admin part is that tier alone, a
    // rest part the NetworkPolicy and Baseline tiers.
    if (keyed > 1) throw new Error(`internal: part ${sig.key} has ${keyed} Admin or Baseline tiers`);
    // Plans repeat (the same tiers with the same numbers of rules): one list per distinct plan.
    const text = out.map((t) => `${t.tier}@${t.at}`).join(",");
    let shared = this.plans.get(text);
    if (!shared) this.plans.set(text, shared = out);
    return sig.plan = shared;
  }

  /** The outcome key of port class `rep`'s Admin or Baseline tier `plan` (made when first asked, then kept). */
  private keyOf(sig: Signature, plan: TierPlan, rep: Rep): number {
    const keys = (sig.outcomeKeys ??= new Array<number>(sig.layout!.reps.length).fill(-1));
    let key = keys[rep.index];
    if (key < 0) keys[rep.index] = key = this.tierKey(sig, sig.tiers[plan.tier], rep.statuses, plan.at);
    return key;
  }

  /**
   * What one Admin or Baseline tier's outcome at a port class depends on: the rules that can match
   * there (port status not "0"), in walk order, each named by its policy (whose priority groups it
   * under samePriority=deny-first), its place in it and its status. Rules that cannot match add
   * nothing, so port classes of different parts (a part and the one derived from it by adding a
   * policy elsewhere in the port space) share their outcome. The text is numbered (tierKeys): a plan
   * is kept per port class of every part, and the text repeats across thousands of them (the
   * Baseline tier's, the Admin tier's), 6 MB of copies at 100k pods.
   */
  private tierKey(sig: Signature, ps: readonly Policy[], statuses: readonly string[], at: number): number {
    // Joined from parts: one flat string (a string built by += keeps every partial string with it).
    const parts: (string | number)[] = [ps[0].tier, "|", sig.direction, "|", sig.family, "|"];
    let i = at;
    for (const p of ps) {
      const rules = rulesOf(p, sig.direction) ?? [];
      for (let k = 0; k < rules.length; k++, i++) if (statuses[i] !== "0") parts.push(this.policyId(p), ".", k, ":", statuses[i], ";");
    }
    const key = parts.join("");
    let id = this.tierKeys.get(key);
    if (id === undefined) this.tierKeys.set(key, id = this.tierKeys.size);
    return id;
  }

  /** One Admin or Baseline tier (shared, cached): which remotes it allows, and which go on to the next tier (Pass, or no match). */
  private outcome(sig: Signature, plan: TierPlan, rep: Rep, w0: number, w1: number): Outcome {
    const { tier } = plan, { statuses, protocol, port } = rep, key = this.keyOf(sig, plan, rep), cache = this.cacheFor(w0, w1);
    const cached = cache.get(key);
    if (cached) return cached;
    const n = this.sets.nwords, work = this.work();
    const fresh = cache === this.outcomes ? () => newBits(n) : () => this.buffer(w0, w1);
    const acc = { allow: fresh(), deny: fresh(), pass: fresh() };
    const remaining = work.remaining, all = this.sets.all;
    for (let w = w0; w < w1; w++) remaining[w] = all[w];
    let i = plan.at;
    const setOf = (r: Rule) => this.ruleSet(sig, r, statuses[i++], protocol, port);
    const ps = sig.tiers[tier];
    if (grouped(ps)) this.groupedHits(sig, ps, setOf, acc, w0, w1);
    else {
      const sequential = this.options.samePriority === "name";
      for (const group of sequential ? [ps] : byPriority(ps)) {
        if (sequential || group.length === 1) firstHits(group, sig, setOf, remaining, acc, w0, w1);
        else denyFirst(group, sig, setOf, remaining, acc, work, w0, w1);
      }
      orInto(acc.pass, remaining, w0, w1);
    }
    const o = { allow: acc.allow, cont: acc.pass };
    cache.set(key, o);
    return o;
  }

  /**
   * The hits of a tier whose policies are of several groups (Policy.tierGroup: Calico's tiers), as
   * verdict.ts priorityHit walks them: a remote passed in group g is out of every later policy of g
   * (`ended`, per group), still in those of other groups. The policies are taken in runs of one
   * group; each run sees the remotes neither decided (Allow, Deny) nor passed in its group. What
   * goes on (`acc.pass` on return) is every remote left undecided, passed or not.
   */
  private groupedHits(sig: Signature, ps: readonly Policy[], setOf: (r: Rule) => Windowed | undefined, acc: Acc, w0: number, w1: number): void {
    const work = this.work(), remaining = work.remaining, all = this.sets.all, n = this.sets.nwords;
    const ended = new Map<string | undefined, Bits>();
    const sequential = this.options.samePriority === "name";
    // The run's own Pass hits (acc.pass is the run's, then added to its group's).
    const pass = acc.pass;
    for (let a = 0; a < ps.length; ) {
      let b = a + 1;
      const g = ps[a].tierGroup;
      while (b < ps.length && ps[b].tierGroup === g) b++;
      const run = ps.slice(a, b);
      a = b;
      let mine = ended.get(g);
      if (!mine) ended.set(g, mine = newBits(n));
      for (let w = w0; w < w1; w++) remaining[w] = all[w] & ~acc.allow[w] & ~acc.deny[w] & ~mine[w];
      const runAcc = { allow: acc.allow, deny: acc.deny, pass: work.runPass };
      for (const group of sequential ? [run] : byPriority(run)) {
        if (sequential || group.length === 1) firstHits(group, sig, setOf, remaining, runAcc, w0, w1);
        else denyFirst(group, sig, setOf, remaining, runAcc, work, w0, w1);
      }
      for (let w = w0; w < w1; w++) { mine[w] |= work.runPass[w]; work.runPass[w] = 0; }
    }
    for (let w = w0; w < w1; w++) pass[w] = all[w] & ~acc.allow[w] & ~acc.deny[w];
  }

  /**
   * The remote classes a rule matches at this port class; undefined: none. A rule on named ports
   * gives a set over the scratch `named`, good until the next call.
   */
  private ruleSet(sig: Signature, r: Rule, status: string, protocol: Protocol, port: number): Windowed | undefined {
    if (status === "0") return undefined;
    const peers = this.sets.rulePeers(r, sig.family) ?? this.sets.every;
    if (status === "a") return peers;
    const named = this.work().named;
    named.fill(0);
    for (const i of status.slice(status.indexOf(":") + 1).split(",")) {
      orIntoW(named, this.sets.named(r.ports![Number(i)] as Extract<NonNullable<Rule["ports"]>[number], { kind: "named" }>, protocol, port));
    }
    // Only the peers' words can hold a match.
    let lo = peers.lo, hi = peers.hi;
    named.fill(0, 0, lo);
    named.fill(0, hi);
    for (let w = lo; w < hi; w++) named[w] &= peers.w[w - lo];
    while (lo < hi && named[lo] === 0) lo++;
    while (hi > lo && named[hi - 1] === 0) hi--;
    return new Windowed(lo, named.subarray(lo, hi));
  }
}

type Acc = Record<Action, Bits>;
type Rep = PortLayout["reps"][number];

/** Whether row `r` has the words of `buf` on [w0, w1). */
function sameWords(r: Windowed, buf: Bits, w0: number, w1: number): boolean {
  const ws = r.w, lo = r.lo, hi = lo + ws.length;
  for (let w = w0; w < w1; w++) if ((w >= lo && w < hi ? ws[w - lo] : 0) !== buf[w]) return false;
  return true;
}

/** Whether one of the named ports a status lists admits class `id` at protocol/port. */
function namedAt(sets: ClassSets, r: Rule, status: string, protocol: Protocol, port: number, id: number): boolean {
  return status.slice(status.indexOf(":") + 1).split(",").some((i) =>
    hasW(sets.named(r.ports![Number(i)] as Extract<NonNullable<Rule["ports"]>[number], { kind: "named" }>, protocol, port), id));
}

/** First matching rule wins, policy by policy in walk order. */
function firstHits(ps: readonly Policy[], sig: Signature, setOf: (r: Rule) => Windowed | undefined, remaining: Bits, acc: Acc, w0: number, w1: number): void {
  for (const p of ps) {
    for (const r of rulesOf(p, sig.direction) ?? []) {
      const s = setOf(r);
      if (!s) continue;
      const into = acc[r.action], ws = s.w, off = s.lo;
      for (let w = Math.max(w0, off), end = Math.min(w1, off + ws.length); w < end; w++) { const m = ws[w - off] & remaining[w]; into[w] |= m; remaining[w] &= ~m; }
    }
  }
}

/** Equal priorities under samePriority=deny-first: each policy's first hit, then Deny over Pass over Allow. */
function denyFirst(ps: readonly Policy[], sig: Signature, setOf: (r: Rule) => Windowed | undefined, remaining: Bits, acc: Acc, work: Scratch, w0: number, w1: number): void {
  const g = work.group;
  for (const b of [g.allow, g.deny, g.pass]) b.fill(0, w0, w1);
  for (const p of ps) {
    work.policyRemaining.set(remaining.subarray(w0, w1), w0);
    firstHits([p], sig, setOf, work.policyRemaining, g, w0, w1);
  }
  for (let w = w0; w < w1; w++) {
    const d = g.deny[w], pa = g.pass[w] & ~d, a = g.allow[w] & ~d & ~pa;
    acc.deny[w] |= d; acc.pass[w] |= pa; acc.allow[w] |= a;
    remaining[w] &= ~(d | pa | a);
  }
}

/** Whether a tier's policies are of more than one group (Policy.tierGroup). */
function grouped(ps: readonly Policy[]): boolean {
  for (let k = 1; k < ps.length; k++) if (ps[k].tierGroup !== ps[0].tierGroup) return true;
  return false;
}

function byPriority(ps: readonly Policy[]): Policy[][] {
  const out: Policy[][] = [];
  for (const p of ps) {
    const last = out[out.length - 1];
    if (last && last[0].priority === p.priority) last.push(p); else out.push([p]);
  }
  return out;
}

/** The layout of an unenforced part (everything allowed: one port class), shared: layouts are never written. */
const UNENFORCED: PortLayout = { starts: { TCP: [1], UDP: [1], SCTP: [1] }, classOf: { TCP: [0], UDP: [0], SCTP: [0] }, reps: [{ index: 0, protocol: "TCP", port: 1, statuses: [] }], conns: [ALL] };

/**
 * What a part's layout is a function of (signature.ts portLayout): its direction, its rules' ports
 * in walk order, and, when a rule names a port, the local named ports (ingress). Undefined when an
 * egress rule names a port: its layout also depends on every endpoint's declared ports, which
 * change (updates.ts relayout), so such parts are laid out on their own.
 */
function layoutKey(sig: Signature): string | undefined {
  const parts: string[] = [sig.direction];
  let named = false;
  for (let t = 0; t < TIERS.length; t++) {
    const ps = sig.tiers[TIERS[t]];
    for (let i = 0; i < ps.length; i++) {
      const k = policyPorts(ps[i], sig.direction);
      if (k === null) return undefined;
      if (k.named) named = true;
      parts.push(k.text);
    }
  }
  if (named) parts.push(localPortsText(sig.localPorts));
  return parts.join("|");
}

/** A policy's rules' ports for a direction, as text (each rule's ends with ";"), and whether one names a port; null for egress named ports. */
interface PolicyPorts { text: string; named: boolean }
const portsByPolicy = { egress: new WeakMap<Policy, PolicyPorts | null>(), ingress: new WeakMap<Policy, PolicyPorts | null>() };

function policyPorts(p: Policy, d: Direction): PolicyPorts | null {
  const memo = portsByPolicy[d];
  let out = memo.get(p);
  if (out !== undefined) return out;
  const text: (string | number)[] = [];
  const rules = rulesOf(p, d) ?? [];
  let named = false;
  for (let k = 0; k < rules.length; k++) {
    const ports = rules[k].ports;
    if (!ports) text.push("*");
    else for (let i = 0; i < ports.length; i++) {
      const m = ports[i];
      if (m.kind === "range") text.push("r", m.protocol, m.first, "-", m.last, ",");
      else if (m.kind === "protocol") text.push("p", m.protocol, ",");
      else { named = true; text.push("n", m.protocol ?? "", ":", m.name.length, ":", m.name, ","); }
    }
    text.push(";");
  }
  out = named && d === "egress" ? null : { text: text.join(""), named };
  memo.set(p, out);
  return out;
}

/** Local named ports as text (one per distinct list: parts with the same ports share the list). */
const localTexts = new WeakMap<readonly NamedPort[], string>();
function localPortsText(ports: readonly NamedPort[]): string {
  let text = localTexts.get(ports);
  if (text === undefined) {
    const parts: (string | number)[] = [];
    for (let i = 0; i < ports.length; i++) { const q = ports[i]; parts.push(q.name?.length ?? -1, ":", q.name ?? "", "/", q.protocol, "/", q.port, ","); }
    localTexts.set(ports, text = parts.join(""));
  }
  return text;
}
