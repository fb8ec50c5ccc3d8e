// The verdict engine's answer for an attributed flow record. A record whose direction the log
// does not state (AWS, nftables, CSV) and that policy denies is judged a reply when it looks like
// a server's answer (its source port is one the source declares, or it goes from a port below
// 32768 to an ephemeral one) and the flow in the other direction (dst → src at the source port)
// is allowed: replies of allowed connections are allowed. An ambiguous side is judged for every candidate: one answer when all agree,
// "depends" otherwise.

import type { Decision, PolicyEngine, Verdict } from "../engine/verdict.js";
import type { Party } from "../engine/match.js";
import { ClassTable } from "../engine/fast/classes.js";
import { Vocabulary } from "../engine/fast/vocabulary.js";
import { portIntervals, type PortIntervals } from "../engine/portspace.js";
import type { Endpoint } from "../model/endpoint.js";
import type { FlowRecord } from "../model/flowrecord.js";
import { policyName, TIERS, type Direction, type Policy } from "../model/policy.js";
import type { Protocol } from "../model/ports.js";
import type { PartyRef } from "./attribution.js";

export type VerdictWord = "allowed" | "denied" | "reply" | "depends";

export interface Judgement {
  verdict: VerdictWord;
  /** What decided: the policy rules (allowed), or the direction and policy that denied. */
  by: string;
}

/** Bounds the verdict cache: a flow log can name many pairs; older answers are dropped at this size. */
const CACHE_LIMIT = 200_000;

function decisionText(d: Decision): string {
  if (d.by === "rule" && d.policy && d.rule) return `${d.direction} ${d.policy.kind} ${policyName(d.policy)} rule ${d.rule.index + 1}${d.allowed ? "" : " (deny)"}`;
  if (d.by === "isolation") return `${d.direction} isolated by ${d.selecting.map((p) => `${p.kind} ${policyName(p)}`).join(", ")}`;
  return `${d.direction} ${d.by}`;
}

function toJudgement(v: Verdict): Judgement {
  if (v.allowed) return { verdict: "allowed", by: [v.egress, v.ingress].filter((d) => d.by === "rule").map(decisionText).join("; ") || "no policy applies" };
  const denying = [v.egress, v.ingress].filter((d) => !d.allowed);
  return { verdict: "denied", by: denying.map(decisionText).join("; ") };
}

/**
 * Judges attributed flows. With the class index of the connectivity engine (engine/fast/classes.ts:
 * endpoints that agree on everything a verdict can depend on share a class), a verdict is worked
 * out once per (source class, destination class, protocol, port interval no rule splits), traffic
 * to itself and with its own node keyed apart; and the policies selecting a party are found once
 * per class. Without it,
 * once per pair of parties.
 */
export class FlowJudge {
  private readonly cache = new Map<string, Judgement>();
  private readonly classes?: ClassIndex;
  /** Verdicts worked out by the verdict engine (cache misses). */
  evaluations = 0;

  constructor(readonly engine: PolicyEngine, classIndex = true) {
    if (classIndex) this.classes = new ClassIndex(engine);
  }

  judge(r: FlowRecord, srcs: readonly PartyRef[], dsts: readonly PartyRef[]): Judgement {
    if (srcs.length === 1 && dsts.length === 1) return this.pair(r, srcs[0], dsts[0]);
    const all = srcs.flatMap((s) => dsts.map((d) => this.pair(r, s, d)));
    const words = new Set(all.map((j) => j.verdict));
    if (words.size === 1) return all[0];
    return { verdict: "depends", by: `on which endpoint held the address: ${[...words].join(" or ")}` };
  }

  private pair(r: FlowRecord, src: PartyRef, dst: PartyRef): Judgement {
    const protocol = r.protocol as Protocol;
    if (r.reply === true && r.sport !== undefined) {
      const back = this.one(dst, src, protocol, r.sport);
      return back.verdict === "allowed" ? { verdict: "reply", by: back.by } : back;
    }
    const forward = this.one(src, dst, protocol, r.dport!);
    if (forward.verdict === "allowed" || r.reply === false || r.sport === undefined || !looksLikeReply(r, src)) return forward;
    const back = this.one(dst, src, protocol, r.sport);
    return back.verdict === "allowed" ? { verdict: "reply", by: back.by } : forward;
  }

  private one(src: PartyRef, dst: PartyRef, protocol: Protocol, port: number): Judgement {
    const key = `${this.keyOf(src, dst)}|${protocol}|${this.classes ? this.classes.portKey(protocol, port, dst.party) : port}`;
    let j = this.cache.get(key);
    if (!j) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.evaluations++;
      j = toJudgement(this.engine.evaluate({ src: src.party, dst: dst.party, protocol, port }));
      this.cache.set(key, j);
    }
    return j;
  }

  private keyOf(src: PartyRef, dst: PartyRef): string {
    if (!this.classes) return `${src.key}|${dst.key}`;
    const s = src.party, d = dst.party;
    const self = s.endpoint !== undefined && s.endpoint === d.endpoint;
    const own = `${this.engine.matcher.isOwnNode(s.endpoint, d) ? 1 : 0}${this.engine.matcher.isOwnNode(d.endpoint, s) ? 1 : 0}`;
    return `${this.classes.of(s)}>${this.classes.of(d)}${self ? "|self" : ""}|${own}`;
  }
}

/**
 * Class numbers of parties by the connectivity engine's class keys (no rows are built: only the
 * keys), remembered per party object; and, as the verdict engine's SubjectLookup, the policies
 * selecting an endpoint, found once per class.
 */
class ClassIndex {
  private readonly table: ClassTable;
  private readonly ids = new Map<string, number>();
  private readonly ofParty = new WeakMap<Party, number>();
  private readonly ofEndpoint = new WeakMap<Endpoint, Map<string, readonly Policy[]>>();
  private readonly selecting = new Map<string, Policy[]>();
  private readonly intervals: PortIntervals;

  constructor(private readonly engine: PolicyEngine) {
    this.intervals = portIntervals(engine.inventory);
    const vocab = new Vocabulary();
    for (const p of engine.inventory.policies) vocab.addPolicy(p);
    for (const n of engine.inventory.networks) vocab.addNetwork(n);
    this.table = new ClassTable(vocab, engine.matcher, engine.networks);
    engine.useSubjects((e, d, network) => this.subjects(e, d, network));
  }

  of(p: Party): number {
    let id = this.ofParty.get(p);
    if (id === undefined) { id = this.idOf(this.table.keyOf(p)); this.ofParty.set(p, id); }
    return id;
  }

  /** Class keys are as many as the classes the vocabulary can tell apart, whatever the number of parties. */
  private idOf(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    return id;
  }

  /**
   * A port as the policies see it: the interval of the port space no rule splits (engine/portspace.ts),
   * or the port itself when the destination declares it (a named port may resolve to it).
   */
  portKey(protocol: Protocol, port: number, dst: Party): string {
    if (dst.endpoint?.ports.some((p) => p.port === port)) return `=${port}`;
    const list = this.intervals[protocol];
    let lo = 0, hi = list.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (list[mid][0] <= port) lo = mid; else hi = mid - 1; }
    return `~${lo}`;
  }

  private subjects(e: Endpoint, d: Direction, network: string): readonly Policy[] {
    let mine = this.ofEndpoint.get(e);
    if (!mine) { mine = new Map(); this.ofEndpoint.set(e, mine); }
    const k = `${d}|${network}`;
    let list = mine.get(k);
    if (!list) {
      const key = `${k}|${this.table.keyOf({ endpoint: e })}`;
      list = this.selecting.get(key);
      if (!list) { list = TIERS.flatMap((t) => this.engine.scanSubjects(t, d, e, network)); this.selecting.set(key, list as Policy[]); }
      mine.set(k, list);
    }
    return list;
  }
}

/** Linux's default ephemeral ports start at 32768 (net.ipv4.ip_local_port_range). */
const EPHEMERAL = 32768;

function looksLikeReply(r: FlowRecord, src: PartyRef): boolean {
  const served = src.party.endpoint?.ports.some((p) => p.port === r.sport && p.protocol === r.protocol) ?? false;
  return served || (r.sport! < EPHEMERAL && r.dport! >= EPHEMERAL);
}
