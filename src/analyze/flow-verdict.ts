// The verdict engine's answer for an attributed flow record. A record whose direction the log
// does not state (AWS, nftables, CSV) and that policy denies is judged a reply when it looks like
// a server's answer (its source port is one the source declares, or it goes from a port below
// 32768 to an ephemeral one) and the flow in the other direction (dst → src at the source port)
// is allowed: replies of allowed connections are allowed. An ambiguous side is judged for every candidate: one answer when all agree,
// "depends" otherwise.

import type { Decision, PolicyEngine, Verdict } from "../engine/verdict.js";
import type { FlowRecord } from "../model/flowrecord.js";
import { policyName } from "../model/policy.js";
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

function one(engine: PolicyEngine, cache: Map<string, Judgement>, src: PartyRef, dst: PartyRef, protocol: Protocol, port: number): Judgement {
  const key = `${src.key}|${dst.key}|${protocol}|${port}`;
  let j = cache.get(key);
  if (!j) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    j = toJudgement(engine.evaluate({ src: src.party, dst: dst.party, protocol, port }));
    cache.set(key, j);
  }
  return j;
}

function pairJudgement(engine: PolicyEngine, cache: Map<string, Judgement>, r: FlowRecord, src: PartyRef, dst: PartyRef): Judgement {
  const protocol = r.protocol as Protocol;
  if (r.reply === true && r.sport !== undefined) {
    const back = one(engine, cache, dst, src, protocol, r.sport);
    return back.verdict === "allowed" ? { verdict: "reply", by: back.by } : back;
  }
  const forward = one(engine, cache, src, dst, protocol, r.dport!);
  if (forward.verdict === "allowed" || r.reply === false || r.sport === undefined || !looksLikeReply(r, src)) return forward;
  const back = one(engine, cache, dst, src, protocol, r.sport);
  return back.verdict === "allowed" ? { verdict: "reply", by: back.by } : forward;
}

/** Linux's default ephemeral ports start at 32768 (net.ipv4.ip_local_port_range). */
const EPHEMERAL = 32768;

function looksLikeReply(r: FlowRecord, src: PartyRef): boolean {
  const served = src.party.endpoint?.ports.some((p) => p.port === r.sport && p.protocol === r.protocol) ?? false;
  return served || (r.sport! < EPHEMERAL && r.dport! >= EPHEMERAL);
}

export function judge(engine: PolicyEngine, cache: Map<string, Judgement>, r: FlowRecord, srcs: readonly PartyRef[], dsts: readonly PartyRef[]): Judgement {
  const all = srcs.flatMap((s) => dsts.map((d) => pairJudgement(engine, cache, r, s, d)));
  const words = new Set(all.map((j) => j.verdict));
  if (words.size === 1) return all[0];
  return { verdict: "depends", by: `on which endpoint held the address: ${[...words].join(" or ")}` };
}
