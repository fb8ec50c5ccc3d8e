// The firewall of one host (a Workload: VM or bare-metal machine; or a node): its own ingress and
// egress, in the `inet junction` table, stateful, with failsafe ports that stay open.

import type { Endpoint } from "../../model/endpoint.js";
import { formatAddress } from "../../model/ip.js";
import type { Protocol } from "../../model/ports.js";
import type { PolicyEngine } from "../../engine/verdict.js";
import { endpointLabel } from "../names.js";
import { contextWarnings, newContext } from "./context.js";
import { STATEFUL, TABLE_NAME } from "./common.js";
import type { NftChain, NftTable } from "./ruleset.js";
import type { Problem } from "../problems.js";
import { compileDirection } from "./tiers.js";
import { policesLoopback } from "../../engine/match.js";

export interface FailsafePort {
  protocol: Protocol;
  port: number;
}

export const DEFAULT_FAILSAFE: readonly FailsafePort[] = [{ protocol: "TCP", port: 22 }];

export interface HostRuleset {
  table: NftTable;
  warnings: string[];
  /** Rules it cannot enforce as written: the ruleset must not be used while there are any. */
  problems: Problem[];
}

function failsafeRules(ports: readonly FailsafePort[]): string[] {
  const byProto = new Map<Protocol, number[]>();
  for (const p of ports) byProto.set(p.protocol, [...(byProto.get(p.protocol) ?? []), p.port]);
  return [...byProto].map(([proto, list]) => {
    const set = list.length === 1 ? `${list[0]}` : `{ ${[...new Set(list)].sort((a, b) => a - b).join(", ")} }`;
    return `${proto.toLowerCase()} dport ${set} accept comment "failsafe"`;
  });
}

/**
 * A base chain: established traffic, then the host's loopback accepted unless `policeLo` (the
 * model's answer for the host's own loopback, engine/match.ts policesLoopback: felix's
 * all-interfaces host endpoint polices lo, as the model does; then loopback packets take the tiers
 * as any other, 127.0.0.1 an outside address), the prelude, the tiers.
 */
function baseChain(name: string, hook: "input" | "output", prelude: string[], entry: string, policeLo: boolean): NftChain {
  const rules = [...STATEFUL, ...(policeLo ? [] : [hook === "input" ? `iif "lo" accept` : `oif "lo" accept`]), ...prelude];
  if (entry !== "accept") rules.push(entry);
  return { name, base: `type filter hook ${hook} priority filter; policy accept;`, rules };
}

export function compileHost(engine: PolicyEngine, host: Endpoint, failsafe: readonly FailsafePort[]): HostRuleset {
  const ctx = newContext(engine);
  const ingress = compileDirection(ctx, host, "ingress", "");
  const egress = compileDirection(ctx, host, "egress", "");
  const warnings = contextWarnings(ctx);
  if (!engine.isSubjectable(host)) warnings.unshift(`${endpointLabel(host)} is not a policy subject (no policy kind selects ${host.kind === "node" ? "nodes" : "it"}): the ruleset enforces nothing beyond its skeleton`);
  const addresses = host.addresses.map(formatAddress).join(", ") || "no address";
  const policeLo = policesLoopback(host);
  const notes = [
    `Junction host firewall for ${host.kind} ${endpointLabel(host)} (${addresses}).`,
    `Load with 'nft -f' or 'junction agent'; it defines table inet ${TABLE_NAME} and touches no other table.`,
    "Peers that are pods or Workloads were resolved to their addresses at compile time: recompile when",
    "they change ('junction agent --watch' does). Named ports were resolved on each destination's ports.",
    ...ingress.summary, ...egress.summary,
    failsafe.length ? `Failsafe, always accepted: ${failsafe.map((p) => `${p.protocol}/${p.port}`).join(", ")} inbound.` : "No failsafe ports (--no-failsafe).",
    ...(policeLo ? ["Loopback (lo) policed as every interface: Calico host endpoint interfaceName \"*\" (felix polices lo by it)."] : []),
    ...warnings.map((w) => `warning: ${w}`),
  ];
  const chains = [
    baseChain("host_in", "input", failsafeRules(failsafe), ingress.entry, policeLo),
    baseChain("host_out", "output", [], egress.entry, policeLo),
    ...ctx.chains,
  ];
  return { table: { family: "inet", name: TABLE_NAME, notes, sets: ctx.sets.list, chains }, warnings, problems: ctx.problems };
}
