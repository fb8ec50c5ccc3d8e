// One endpoint's policy for one direction, as chains. The tiers follow PolicyEngine.decide:
//   <prefix><dir>_admin      Allow → accept, Deny → drop, Pass or no match → the next tier
//   <prefix><dir>_namespace  a matching rule → accept, else drop (isolation)
//   <prefix><dir>_baseline   Allow → accept, Deny → drop, no match → accept (the default)
// Each tier chain sends the remote address through a verdict map to the chain of its class
// (see classes.ts); addresses no peer names are decided by the rules without peers.

import type { Endpoint } from "../../model/endpoint.js";
import { formatRangeCompact, mergeRanges, type AddressRange, type Family } from "../../model/ip.js";
import type { NamedPort } from "../../model/ports.js";
import { TIERS, policyName, requestRulesOf, rulesOf, type Direction, type Policy, type Rule, type Tier } from "../../model/policy.js";
import type { PolicyEngine, Warning } from "../../engine/verdict.js";
import { bodyRules, type TierVerdicts } from "./body.js";
import { classify, type Tagged } from "./classes.js";
import { portVerdicts, type TierRules } from "./portfn.js";
import { point, type PeerResolver } from "./peers.js";
import type { NftChain } from "./ruleset.js";
import type { NamedSets } from "./sets.js";
import type { Problem } from "../problems.js";

export interface CompileContext {
  engine: PolicyEngine;
  peers: PeerResolver;
  sets: NamedSets;
  chains: NftChain[];
  warnings: Warning[];
  /** Rules a packet filter cannot enforce as written (HTTP conditions). */
  problems: Problem[];
}

const SHORT: Record<Direction, string> = { ingress: "in", egress: "out" };
const TIER_LABEL: Record<Tier, string> = { admin: "Admin", namespace: "NetworkPolicy", baseline: "Baseline" };

/** Which side of the packet is the remote party. */
function remoteField(direction: Direction, family: Family): string {
  return `${family === 4 ? "ip" : "ip6"} ${direction === "ingress" ? "saddr" : "daddr"}`;
}

export interface CompiledDirection {
  /** The verdict that enters the chains: "goto <chain>", or "accept" when no policy applies. */
  entry: string;
  /** One line per tier: which policies apply. */
  summary: string[];
}

/** Compiles `e`'s policies for `direction` into chains named `<prefix><in|out>_...`. */
export function compileDirection(ctx: CompileContext, e: Endpoint, direction: Direction, prefix: string): CompiledDirection {
  if (!ctx.engine.isSubjectable(e)) return { entry: "accept", summary: [`${direction}: not subject to policy`] };
  const base = `${prefix}${SHORT[direction]}`;
  const tiers = TIERS.map((tier) => ({ tier, policies: ctx.engine.applicable(tier, direction, e) })).filter((t) => t.policies.length);
  const chainOf = (i: number) => `${base}_${tiers[i].tier}`;
  const next = (i: number) => (i + 1 < tiers.length ? `goto ${chainOf(i + 1)}` : "accept");
  tiers.forEach((t, i) => {
    const fallthrough = t.tier === "admin" ? next(i) : t.tier === "namespace" ? "drop" : "accept";
    const policyIndex = new Map(t.policies.flatMap((p, n) => (rulesOf(p, direction) ?? []).map((r) => [r, n] as const)));
    compileTier(ctx, e, { engine: ctx.engine, tier: t.tier, direction, policies: t.policies, policyIndex, warnings: ctx.warnings }, chainOf(i),
      { allow: "accept", deny: "drop", pass: next(i), fallthrough });
  });
  exemptOwnNode(ctx, e, direction, tiers.findIndex((t) => t.tier === "namespace"), chainOf, base);
  if (tiers.length) exemptOwnPods(ctx, e, direction, chainOf(0), base);
  const summary = tiers.map((t) => `${direction}, ${TIER_LABEL[t.tier]} tier: ${abbreviate(t.policies.map((p) => `${p.kind} ${policyName(p)}`), 5)}`);
  if (!tiers.length) summary.push(`${direction}: no policy selects it`);
  return { entry: tiers.length ? `goto ${chainOf(0)}` : "accept", summary };
}

/** --own-node=allow (both ways) or ingress (from the node): the Namespace tier (when a policy there selects `e`) accepts `e`'s own node first, as PolicyEngine.decide does. */
function exemptOwnNode(ctx: CompileContext, e: Endpoint, direction: Direction, tier: number, chainOf: (i: number) => string, base: string): void {
  const own = tier < 0 ? [] : ctx.peers.ownNodeRanges(e, direction);
  if (!own.length) return;
  const chain = ctx.chains.find((c) => c.name === chainOf(tier))!;
  chain.rules = [...addressRules(ctx, own, direction, "accept", `${base}_ownnode`), ...chain.rules];
  chain.comment = `${chain.comment}; the pod's own node is exempt (--own-node=${ctx.engine.options.ownNode})`;
}

/**
 * A host policed by its Calico host endpoint: its traffic with its own pods is not (PolicyEngine.decide,
 * hostWithOwnPod): accepted first, or from them dropped when the node's felix drops it (DefaultEndpointToHostAction).
 */
function exemptOwnPods(ctx: CompileContext, e: Endpoint, direction: Direction, first: string, base: string): void {
  const engine = ctx.engine, node = engine.matcher.hostEndpointOf(e) ? engine.matcher.nodeOf({ endpoint: e }) : undefined;
  if (!node) return;
  // (Its host-network pods are the host's own traffic, on the node's addresses: never on the bridge.)
  const pods = engine.ownPodsOf(node).flatMap((p) => p.addresses);
  const verdict = direction === "ingress" && engine.dropsToHostOn(node.name) ? "drop" : "accept";
  const chain = ctx.chains.find((c) => c.name === first)!;
  chain.rules = [...addressRules(ctx, mergeRanges(pods.map(point)), direction, verdict, `${base}_ownpods`), ...chain.rules];
  chain.comment = `${chain.comment}; the host's own pods are not policed by its host endpoint`;
}

export function addressRules(ctx: CompileContext, ranges: readonly AddressRange[], direction: Direction, verdict: string, name: string): string[] {
  return ([4, 6] as const).flatMap((f) => {
    const elements = ranges.filter((r) => r.family === f).map(formatRangeCompact);
    if (!elements.length) return [];
    return [`${remoteField(direction, f)} ${ctx.sets.ref(`${name}${f}`, { map: false, type: f === 4 ? "ipv4_addr" : "ipv6_addr", interval: true, elements })} ${verdict}`];
  });
}

/** Named ports each destination address declares (egress rules resolve named ports there: Matcher.egressDestPorts, under Cilium its identity's). */
function destinationTags(ctx: CompileContext, rules: readonly Rule[]): { tagged: Tagged[]; ports: Map<string, NamedPort[]> } {
  const names = new Set(rules.flatMap((r) => r.ports ?? []).flatMap((m) => (m.kind === "named" ? [m.name] : [])));
  const tagged: Tagged[] = [];
  const ports = new Map<string, NamedPort[]>();
  if (!names.size) return { tagged, ports };
  for (const o of ctx.peers.owners) {
    const declared = ctx.engine.matcher.egressDestPorts(o.endpoint).filter((p) => p.name !== undefined && names.has(p.name));
    if (!declared.length) continue;
    const tag = declared.map((p) => `${p.name}=${p.protocol}/${p.port}`).sort().join(",");
    ports.set(tag, declared);
    tagged.push({ range: { family: o.address.family, first: o.address.value, last: o.address.value }, tag });
  }
  return { tagged, ports };
}

function compileTier(ctx: CompileContext, e: Endpoint, t: TierRules, name: string, v: TierVerdicts): void {
  const rules = t.policies.flatMap((p) => rulesOf(p, t.direction) ?? []);
  // Every rule with http is refused, the request-only ones (Deny and Pass with http) too.
  const policyOf = new Map<Rule, Policy>(t.policies.flatMap((p) => (requestRulesOf(p, t.direction) ?? []).map((r) => [r, p] as const)));
  for (const r of [...policyOf.keys()].filter((x) => x.http)) {
    ctx.problems.push({ policy: policyOf.get(r)!, rule: r, feature: "HTTP (L7) match", message: "nftables filters connections, not HTTP requests; allowing the connection would let every request through", expressibleBy: ["Cilium (L7 http rules)"] });
  }
  const ranges = rules.map((r) => ctx.peers.ruleRanges(r, e));
  const peerless = rules.filter((_, i) => ranges[i] === undefined);
  const named = rules.flatMap((_, id) => (ranges[id] ? [{ id, ranges: ranges[id]! }] : []));
  const dest = t.direction === "egress" ? destinationTags(ctx, rules) : undefined;
  const destPorts = (tag?: string): readonly NamedPort[] => (dest ? (tag ? dest.ports.get(tag) ?? [] : []) : ctx.engine.matcher.destPorts(e));
  const bodyOf = (active: ReadonlySet<Rule>, tag?: string) => bodyRules(portVerdicts(t, active, destPorts(tag)), v, ctx.sets, `${name}_`);
  const dispatch: NftChain = { name, comment: `${t.direction}, ${TIER_LABEL[t.tier]} tier`, rules: [] };
  ctx.chains.push(dispatch);
  const rest = bodyOf(new Set(peerless));
  const restKey = rest.join("\n");
  const chainByBody = new Map<string, { chain: NftChain; deciders: Set<string> }>();
  const targets: { range: AddressRange; chain: string }[] = [];
  for (const c of classify(named, dest?.tagged)) {
    const active = new Set([...peerless, ...c.ids.map((id) => rules[id])]);
    const body = bodyOf(active, c.tag);
    const key = body.join("\n");
    if (key === restKey) continue;
    let known = chainByBody.get(key);
    if (!known) {
      known = { chain: { name: `${name}_${chainByBody.size + 1}`, rules: body }, deciders: new Set() };
      chainByBody.set(key, known);
      ctx.chains.push(known.chain);
    }
    for (const id of c.ids) known.deciders.add(ruleLabel(policyOf.get(rules[id])!, rules[id], t.direction));
    for (const range of c.ranges) targets.push({ range, chain: known.chain.name });
  }
  for (const { chain, deciders } of chainByBody.values()) chain.comment = `addresses named by ${abbreviate([...deciders])}`;
  dispatch.rules = [...dispatchRules(ctx, targets, t.direction, `${name}_addr`), ...rest];
}

function dispatchRules(ctx: CompileContext, targets: { range: AddressRange; chain: string }[], direction: Direction, name: string): string[] {
  return ([4, 6] as const).flatMap((f) => {
    const mine: typeof targets = [];
    for (const x of targets.filter((x) => x.range.family === f).sort((a, b) => (a.range.first < b.range.first ? -1 : 1))) {
      const last = mine[mine.length - 1];
      if (last && last.chain === x.chain && last.range.last + 1n === x.range.first) last.range = { ...last.range, last: x.range.last };
      else mine.push({ ...x });
    }
    if (!mine.length) return [];
    const elements = mine.map((x) => `${formatRangeCompact(x.range)} : goto ${x.chain}`);
    return [`${remoteField(direction, f)} vmap ${ctx.sets.ref(`${name}${f}`, { map: true, type: `${f === 4 ? "ipv4_addr" : "ipv6_addr"} : verdict`, interval: true, elements }, 2)}`];
  });
}

export function ruleLabel(p: Policy, r: Rule, direction: Direction): string {
  return `${p.kind} ${policyName(p)} ${direction}[${r.index}]${r.name ? ` "${r.name}"` : ""}`;
}

function abbreviate(items: string[], max = 3): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}
