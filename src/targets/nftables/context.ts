// What compiling one ruleset shares: the engine, resolved peers, the table's named sets and chains,
// and the warnings gathered on the way.

import type { PolicyEngine } from "../../engine/verdict.js";
import { PeerResolver } from "./peers.js";
import { NamedSets } from "./sets.js";
import { ruleLabel, type CompileContext } from "./tiers.js";

export function newContext(engine: PolicyEngine): CompileContext {
  return { engine, peers: new PeerResolver(engine), sets: new NamedSets(), chains: [], warnings: [], problems: [] };
}

/** What the ruleset cannot enforce as the engine answers, and answers that depend on options. */
export function contextWarnings(ctx: CompileContext): string[] {
  const out = [...new Set(ctx.warnings.map((w) => w.message))];
  const none = [...ctx.peers.unaddressed];
  if (none.length) {
    out.push(`${none.length} endpoint${none.length === 1 ? "" : "s"} selected as peers ${none.length === 1 ? "has" : "have"} no address and cannot be matched by a packet filter: ${none.slice(0, 5).join(", ")}${none.length > 5 ? ", ..." : ""}`);
  }
  for (const rule of ctx.peers.domainPeers) {
    const p = ctx.engine.inventory.policies.find((x) => x.ingress?.includes(rule) || x.egress?.includes(rule));
    const where = p ? ruleLabel(p, rule, p.ingress?.includes(rule) ? "ingress" : "egress") : "a rule";
    out.push(`${where} names domains, which an address filter cannot match; like the engine, the ruleset treats them as matching nothing`);
  }
  return out;
}
