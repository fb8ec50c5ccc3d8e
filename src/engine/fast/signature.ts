// A signature: everything the local side contributes to a direction's decision — the policies
// that select the endpoint (per tier, in walk order), the address family it picks the remote's
// address by, and, for ingress, its own named ports. Endpoint classes with the same signature
// have the same row: for every port class, the bitset of remote classes the direction allows.

import { MAX_PORT, PROTOCOLS, portMatches, type Interval, type NamedPort, type Protocol } from "../../model/ports.js";
import { TIERS, rulesOf, type Direction, type Policy, type Rule, type Tier } from "../../model/policy.js";
import type { Windowed } from "./bitset.js";
import { byNamespaceLabels, type LocalFamily } from "./sets.js";

export interface Signature {
  id: number;
  key: string;
  /**
   * "admin": the Admin tier alone, kept apart so that an AdminNetworkPolicy change recomputes only
   * the few distinct Admin parts; "rest": the NetworkPolicy and Baseline tiers (rows are final there).
   */
  part: "admin" | "rest";
  direction: Direction;
  family: LocalFamily;
  tiers: Record<Tier, Policy[]>;
  /** Ingress: the local endpoint's named ports (those the policies mention). */
  localPorts: readonly NamedPort[];
  /** The local side cannot be a policy subject: everything is allowed. */
  unenforced: boolean;
  /** Classes using it. */
  users: number;
  /** Filled by the row builder (shared by the parts whose rules name the same ports: RowBuilder.layoutOf). */
  layout?: PortLayout;
  /** The tiers with policies (RowBuilder.tiersOf: made when first asked). */
  plan?: readonly TierPlan[];
  /**
   * Per port class of the layout: the key of its Admin or Baseline tier's shared outcome, -1 until
   * first asked (RowBuilder.keyOf). The part's own: the key names the tier's policies.
   */
  outcomeKeys?: number[];
  rows?: Windowed[];
  /** Union of the rows: remote classes with some allowed connection (admin part: those it allows somewhere). */
  any?: Windowed;
  /** Admin part, per port class: remote classes the tier allows, and those it passes on to the next tiers. */
  admin?: { allow: Windowed[]; cont: Windowed[]; anyCont: Windowed };
  /** Its rules with namespace-selector peers (labelRules), once asked. */
  labelRules?: Rule[];
  /** Connection-set ids of unions of port classes, by mask. */
  masks?: Map<number | string, number>;
}

/**
 * The ports split into intervals, each mapped to a port class (intervals where every rule agrees).
 * A function of the rules' ports alone (and of the local named ports for ingress, of every declared
 * port for egress named ports): shared by the parts with the same, so never written once made.
 */
export interface PortLayout {
  starts: Record<Protocol, number[]>;
  classOf: Record<Protocol, number[]>;
  /** Per port class: its number (its index here), a representative protocol/port, the rules' port statuses there. */
  reps: { index: number; protocol: Protocol; port: number; statuses: string[] }[];
  /** Per port class: its connection-set id. */
  conns: number[];
}

/** One tier of a part with policies: where its rules' port statuses start (its rules follow in walk order). */
export interface TierPlan {
  tier: Tier;
  at: number;
}

/** The rules a signature walks, in order (tier, policy, rule). */
export function signatureRules(sig: Signature): Rule[] {
  const out: Rule[] = [];
  // Indexed loops: made per part's layout (10k at 100k pods), mostly interpreted.
  for (let t = 0; t < TIERS.length; t++) {
    const ps = sig.tiers[TIERS[t]];
    for (let i = 0; i < ps.length; i++) { const rules = rulesOf(ps[i], sig.direction); if (rules) for (let k = 0; k < rules.length; k++) out.push(rules[k]); }
  }
  return out;
}

/** The rules of a signature with a peer selecting by namespace labels (what a namespace relabel can change). */
export function labelRules(sig: Signature): Rule[] {
  sig.labelRules ??= TIERS.flatMap((t) => sig.tiers[t].flatMap((p) => (rulesOf(p, sig.direction) ?? []).filter((r) => r.peers?.some(byNamespaceLabels))));
  return sig.labelRules;
}

/** Declared ports per port name, over every endpoint: where a named egress rule can match. */
export type NamedPortIndex = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * How a rule's ports behave at protocol/port: "a" (the port matches), "0" (it does not), or
 * "n<proto>/<port>:<i>,<j>" (named ports i, j match on destinations that declare them: egress only).
 */
export function portStatus(rule: Rule, protocol: Protocol, port: number, sig: Signature, named: NamedPortIndex): string {
  const ports = rule.ports;
  if (!ports) return "a";
  // A match that holds whatever the destination makes it "a"; named egress matches are listed only
  // when none does (no list is made for the others: this runs per rule and port class of every part).
  let hits: number[] | undefined;
  for (let i = 0; i < ports.length; i++) {
    const m = ports[i];
    if (m.kind !== "named") { if (portMatches(m, protocol, port, NO_PORTS)) return "a"; continue; }
    if (sig.direction === "ingress") { if (portMatches(m, protocol, port, sig.localPorts)) return "a"; continue; }
    if ((m.protocol === undefined || m.protocol === protocol) && named.get(m.name)?.has(`${protocol}/${port}`)) (hits ??= []).push(i);
  }
  return hits ? `n${protocol}/${port}:${hits.join(",")}` : "0";
}

const NO_PORTS: readonly NamedPort[] = [];
const NO_MATCHES: NonNullable<Rule["ports"]> = [];
/** A port class's intervals in a protocol where it has none (shared: never written, portLayout replaces it). */
const NO_INTERVALS: [number, number][] = [];

/** Splits the port space at every boundary the signature's rules can see. */
export function portLayout(sig: Signature, named: NamedPortIndex): Omit<PortLayout, "conns"> & { intervals: Interval[][][] } {
  const rules = signatureRules(sig);
  // Lists, sorted and made unique per protocol below (a layout is made per part: 10k at 100k pods).
  const cuts: Record<Protocol, number[]> = { TCP: [1], UDP: [1], SCTP: [1] };
  const cut = (p: Protocol, first: number, last: number) => { cuts[p].push(first); if (last < MAX_PORT) cuts[p].push(last + 1); };
  for (let k = 0; k < rules.length; k++) {
    const ports = rules[k].ports ?? NO_MATCHES;
    for (let i = 0; i < ports.length; i++) {
      const m = ports[i];
      if (m.kind === "range") cut(m.protocol, m.first, m.last);
      else if (m.kind === "named") {
        if (sig.direction === "ingress") { for (const q of sig.localPorts) if (q.name === m.name) cut(q.protocol, q.port, q.port); }
        else for (const pp of named.get(m.name) ?? []) { const [p, n] = pp.split("/"); cut(p as Protocol, Number(n), Number(n)); }
      }
    }
  }
  const reps: PortLayout["reps"] = [];
  // Per port class and protocol, sorted disjoint intervals: the starts come in order, so an interval
  // next to the class's last one extends it (what normalizeIntervals would merge).
  const intervals: [number, number][][][] = [];
  const starts = {} as Record<Protocol, number[]>, classOf = {} as Record<Protocol, number[]>;
  // A start's port class is the first with the same statuses: found by comparing them while the
  // classes are few (most layouts have one to three), by a key text of them past SCAN classes.
  const nr = rules.length;
  let byKey: Map<string, number> | undefined;
  for (let pi = 0; pi < PROTOCOLS.length; pi++) {
    const protocol = PROTOCOLS[pi];
    const s = sortedUnique(cuts[protocol]);
    const grid = ruleStatuses(rules, protocol, s, sig, named);
    const of = s.map((port, i) => {
      const at = i * nr;
      let k = -1;
      if (byKey) k = byKey.get(grid.slice(at, at + nr).join("|")) ?? -1;
      else for (let r = 0; r < reps.length && k < 0; r++) if (sameStatuses(reps[r].statuses, grid, at)) k = r;
      if (k < 0) {
        k = reps.length;
        const statuses = grid.slice(at, at + nr);
        reps.push({ index: k, protocol, port, statuses });
        // (A protocol's list is made when the class gets an interval there: most get one protocol's.)
        intervals.push([NO_INTERVALS, NO_INTERVALS, NO_INTERVALS]);
        if (byKey) byKey.set(statuses.join("|"), k);
        else if (reps.length > SCAN) byKey = new Map(reps.map((r, j) => [r.statuses.join("|"), j]));
      }
      const next = s[i + 1], end = next === undefined ? MAX_PORT : next - 1;
      const list = intervals[k][pi], last = list[list.length - 1];
      if (last !== undefined && last[1] + 1 === port) last[1] = end;
      else if (list === NO_INTERVALS) intervals[k][pi] = [[port, end]];
      else list.push([port, end]);
      return k;
    });
    // Most parts see no boundary in some protocol: one interval, kept as shared arrays (a layout is
    // kept per part: 10k parts at 100k pods), as are the port classes (at their exact length).
    const one = s.length === 1 && of[0] < ONE_CLASS.length;
    starts[protocol] = one ? ONE_START : s;
    classOf[protocol] = one ? ONE_CLASS[of[0]] : of;
  }
  return { starts, classOf, reps: reps.slice(), intervals };
}

/** A layout's starts and port classes are never written: those of one interval are shared. */
const ONE_START = Object.freeze([1]) as number[];
const ONE_CLASS = Array.from({ length: 8 }, (_, k) => Object.freeze([k]) as number[]);

/** Port classes compared one by one up to this many (portLayout); a key text per start past it. */
const SCAN = 8;

/** Whether `statuses` are the rules' statuses of the start at `at` of a ruleStatuses grid. */
function sameStatuses(statuses: readonly string[], grid: readonly string[], at: number): boolean {
  for (let j = 0; j < statuses.length; j++) if (statuses[j] !== grid[at + j]) return false;
  return true;
}

/**
 * Per start of `starts` (a protocol's intervals), every rule's port status there, in one grid: the
 * status of rule j at start i is at i * rules.length + j ("0" where its ports do not match). Most
 * rules name a few ports: only the intervals their matches can admit are asked. The grid is a buffer
 * reused until the next call (portLayout copies what it keeps).
 */
function ruleStatuses(rules: readonly Rule[], protocol: Protocol, starts: readonly number[], sig: Signature, named: NamedPortIndex): string[] {
  const nr = rules.length, cells = starts.length * nr;
  if (cells > statusScratch.length) statusScratch = new Array<string>(cells * 2).fill("0");
  const grid = statusScratch;
  grid.fill("0", 0, cells);
  if (starts.length > seenScratch.length) seenScratch = new Int32Array(starts.length * 2);
  const seen = seenScratch;
  seen.fill(-1, 0, starts.length);
  const ask = (j: number, i: number) => {
    if (i < 0 || seen[i] === j) return;
    seen[i] = j;
    const status = portStatus(rules[j], protocol, starts[i], sig, named);
    if (status !== "0") grid[i * nr + j] = status;
  };
  for (let j = 0; j < rules.length; j++) {
    const r = rules[j];
    if (!r.ports || hasProtocolMatch(r.ports, protocol)) { for (let i = 0; i < starts.length; i++) ask(j, i); continue; }
    for (let k = 0; k < r.ports.length; k++) {
      const m = r.ports[k];
      if (m.kind === "range") { if (m.protocol === protocol) for (let i = lowerBound(starts, m.first); i < starts.length && starts[i] <= m.last; i++) ask(j, i); }
      else if (m.kind === "named" && sig.direction === "ingress") { for (const q of sig.localPorts) if (q.name === m.name && q.protocol === protocol) ask(j, indexOf(starts, q.port)); }
      else if (m.kind === "named" && (m.protocol === undefined || m.protocol === protocol)) {
        for (const pp of named.get(m.name) ?? []) if (pp.startsWith(`${protocol}/`)) ask(j, indexOf(starts, Number(pp.slice(protocol.length + 1))));
      }
    }
  }
  return grid;
}

/** Whether a rule's ports admit every port of the protocol. */
function hasProtocolMatch(ports: NonNullable<Rule["ports"]>, protocol: Protocol): boolean {
  for (let i = 0; i < ports.length; i++) if (ports[i].kind === "protocol" && ports[i].protocol === protocol) return true;
  return false;
}

/** ruleStatuses' rule last asked per start, and its grid (buffers reused: it runs per protocol of every part's layout). */
let seenScratch = new Int32Array(64);
let statusScratch: string[] = [];

/** The numbers of `a` sorted, each once (in place: `a` is returned). */
function sortedUnique(a: number[]): number[] {
  // Most lists hold a few numbers: sorted by insertion, without the copy Array.prototype.sort makes.
  if (a.length > 32) a.sort((x, y) => x - y);
  else for (let i = 1; i < a.length; i++) {
    const v = a[i];
    let j = i;
    for (; j > 0 && a[j - 1] > v; j--) a[j] = a[j - 1];
    a[j] = v;
  }
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[n - 1]) a[n++] = a[i];
  a.length = n;
  return a;
}

/** First index whose value is at least `v`. */
function lowerBound(s: readonly number[], v: number): number {
  let lo = 0, hi = s.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (s[mid] < v) lo = mid + 1; else hi = mid; }
  return lo;
}

/** Index of `v` in sorted `s`, or -1. */
function indexOf(s: readonly number[], v: number): number {
  const i = lowerBound(s, v);
  return s[i] === v ? i : -1;
}

/** The port class of protocol/port in a layout. */
export function portClassAt(layout: PortLayout, protocol: Protocol, port: number): number {
  const s = layout.starts[protocol];
  let lo = 0, hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (s[mid] <= port) lo = mid; else hi = mid - 1;
  }
  return layout.classOf[protocol][lo];
}
