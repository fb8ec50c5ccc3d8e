// The ruleset of a lab's bridge, as a CNI enforces policy: bridged traffic passes the forward hook
// (br_netfilter) twice, once for the source's egress and once for the destination's ingress, each
// dispatched by address to per-endpoint chains (p<id>_in_..., p<id>_out_...) compiled as for a host.

import type { Endpoint } from "../../model/endpoint.js";
import { formatAddress, mergeRanges, type Family } from "../../model/ip.js";
import type { Direction } from "../../model/policy.js";
import type { PolicyEngine } from "../../engine/verdict.js";
import { endpointLabel } from "../names.js";
import { STATEFUL, TABLE_NAME } from "./common.js";
import { contextWarnings, newContext } from "./context.js";
import type { NftChain, NftTable } from "./ruleset.js";
import type { Problem } from "../problems.js";
import { addressRules, compileDirection, type CompileContext } from "./tiers.js";
import { point } from "./peers.js";

export interface LabRuleset {
  table: NftTable;
  warnings: string[];
  /** Rules it cannot enforce as written: the ruleset must not be used while there are any. */
  problems: Problem[];
}

type Entries = Record<Family, string[]>;

function dispatch(ctx: CompileContext, direction: Direction, entries: Entries): string[] {
  const field = direction === "egress" ? "saddr" : "daddr";
  return ([4, 6] as const).flatMap((f) => entries[f].length
    ? [`${f === 4 ? "ip" : "ip6"} ${field} vmap ${ctx.sets.ref(`${direction}_pods${f}`, { map: true, type: `${f === 4 ? "ipv4_addr" : "ipv6_addr"} : verdict`, interval: false, elements: entries[f] }, 2)}`]
    : []);
}

function hookChain(ctx: CompileContext, direction: Direction, entries: Entries): NftChain {
  // Egress is checked first; an accept there still passes the ingress chain, a later base chain of the same hook.
  const priority = direction === "egress" ? "filter" : "filter + 10";
  return {
    name: `lab_${direction}`,
    comment: direction === "egress" ? "the source's egress policy" : "the destination's ingress policy",
    base: `type filter hook forward priority ${priority}; policy accept;`,
    rules: [...STATEFUL, ...dispatch(ctx, direction, entries)],
  };
}

/**
 * Felix's DefaultEndpointToHostAction Drop on node `n` (PolicyEngine.hostAction; rules/static.go
 * filterWorkloadToHostChain: the pod's egress policy, then the configured action): the node's chain
 * drops what the pods policies can select on it send it, once their egress chain let it through.
 */
function toHostDrop(ctx: CompileContext, n: Endpoint): { entry: string; summary: string } | undefined {
  const engine = ctx.engine;
  if (!engine.dropsToHostOn(n.name)) return undefined;
  const pods = engine.ownPodsOf(n);
  const rules = addressRules(ctx, mergeRanges(pods.flatMap((p) => p.addresses.map(point))), "ingress", "drop", `p${n.id}_tohost`);
  if (!rules.length) return undefined;
  const name = `p${n.id}_in_tohost`;
  ctx.chains.push({ name, comment: "felix's DefaultEndpointToHostAction Drop: the node's own pods, after their egress policy", rules: [...rules, "accept"] });
  return { entry: `goto ${name}`, summary: "ingress: its own pods' traffic dropped (felix's DefaultEndpointToHostAction Drop)" };
}

/** Per-endpoint chains for every member of the lab, and the two forward chains that dispatch to them. */
export function compileLab(engine: PolicyEngine, members: readonly Endpoint[]): LabRuleset {
  const ctx = newContext(engine);
  const entries: Record<Direction, Entries> = { egress: { 4: [], 6: [] }, ingress: { 4: [], 6: [] } };
  const notes = ["Junction lab: the policies of every pod and Workload, enforced on the lab's bridge."];
  const dispatched = { egress: new Set<string>(), ingress: new Set<string>() };
  const shared: string[] = [];
  // Nodes compiled as policy subjects (their Calico host endpoint): their ingress chain drops their
  // own pods' traffic already when felix does (tiers.ts exemptOwnPods).
  const subjects = new Set<Endpoint>();
  for (const e of members) {
    for (const direction of ["egress", "ingress"] as const) {
      const compiled = compileDirection(ctx, e, direction, `p${e.id}_`);
      if (compiled.entry === "accept") continue;
      if (direction === "ingress") subjects.add(e);
      notes.push(`p${e.id} = ${endpointLabel(e)}: ${compiled.summary.join("; ")}`);
      for (const a of e.addresses) {
        const text = formatAddress(a);
        // An address is one packet source: when several subjects share it (host-network pods), the first decides.
        if (dispatched[direction].has(text)) { shared.push(`${endpointLabel(e)} (${text})`); continue; }
        dispatched[direction].add(text);
        entries[direction][a.family].push(`${text} : ${compiled.entry}`);
      }
    }
  }
  for (const n of members) {
    const drop = n.kind === "node" && !subjects.has(n) ? toHostDrop(ctx, n) : undefined;
    if (!drop) continue;
    notes.push(`p${n.id} = ${endpointLabel(n)}: ${drop.summary}`);
    for (const a of n.addresses) {
      const text = formatAddress(a);
      if (dispatched.ingress.has(text)) { shared.push(`${endpointLabel(n)} (${text})`); continue; }
      dispatched.ingress.add(text);
      entries.ingress[a.family].push(`${text} : ${drop.entry}`);
    }
  }
  const warnings = contextWarnings(ctx);
  if (shared.length) warnings.push(`addresses shared by several policy subjects are enforced with the first one's policy: ${[...new Set(shared)].join(", ")}`);
  notes.push(...warnings.map((w) => `warning: ${w}`));
  const chains = [hookChain(ctx, "egress", entries.egress), hookChain(ctx, "ingress", entries.ingress), ...ctx.chains];
  return { table: { family: "inet", name: TABLE_NAME, notes, sets: ctx.sets.list, chains }, warnings, problems: ctx.problems };
}
