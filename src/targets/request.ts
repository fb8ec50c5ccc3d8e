// Printing a walked request (engine/request.ts): as data for -o json|yaml (policies and rules
// named with file:line), and as readable text (the routing answer, then the layers).

import type { AuthorizationDecision } from "../engine/authorizer.js";
import type { HopOutcome } from "../engine/hop.js";
import type { RequestAnswer } from "../engine/request.js";
import type { RouteRequest } from "../model/request.js";
import type { LineLookup } from "../model/source.js";
import { pairData, type PairData } from "./explain.js";
import { failLines, requestLine, resultLines } from "./route.js";
import { where } from "./names.js";

export interface CheckedAnswer extends RequestAnswer { name?: string; pass?: boolean; mismatches?: string[] }

export interface NetworkData extends PairData {
  /** How many endpoints of the backend were considered, and those the policies deny. */
  endpoints: number;
  deniedEndpoints: { to: string; port: number; summary: string }[];
}

function networkData(h: HopOutcome, lines: LineLookup): NetworkData {
  const pair = (to: HopOutcome["to"], verdict: HopOutcome["verdict"]) => pairData({ src: verdict.flow.src, dst: verdict.flow.dst, protocol: verdict.flow.protocol, port: to.port, via: to.via, verdict }, lines);
  const denied = h.denied.map((d) => { const p = pair(d.to, d.verdict); return { to: p.to, port: p.port, summary: (p.egress.allowed ? p.ingress : p.egress).summary }; });
  return { ...pair(h.to, h.verdict), endpoints: h.endpoints, deniedEndpoints: denied };
}

function authorizationData(d: AuthorizationDecision, lines: LineLookup): Record<string, unknown> {
  const p = d.policy;
  const policy = p ? { kind: p.kind, namespace: p.namespace, name: p.name, rule: p.rule, file: p.src?.file, line: p.src ? lines(p.src, p.path) : undefined } : undefined;
  return { verdict: d.verdict, enforcer: d.enforcer, policy, summary: d.summary, ...(d.denial ? { denial: d.denial } : {}), trace: d.trace };
}

/** The answer as data, in the order people read it: where it went, the answer, then why. */
export function answerData(a: CheckedAnswer, lines: LineLookup): Record<string, unknown> {
  const { hop, authorization, layers, decidedBy, candidates, steps, reason, name, pass, mismatches, client, clientMesh, entry, routeRole, endpoint, ...routed } = a;
  const upstream = routed.upstream && (({ headerList: _, ...u }) => u)(routed.upstream);
  return {
    ...(name !== undefined ? { name } : {}), client, clientMesh, entry, ...routed, upstream, routeRole, endpoint,
    network: hop ? networkData(hop, lines) : undefined,
    authorization: authorization.map((d) => authorizationData(d, lines)),
    decidedBy, reason, layers, candidates, steps,
    ...(pass !== undefined ? { pass, mismatches } : {}),
  };
}

function label(lines: string[], name: string, value: string | undefined): void {
  if (value) lines.push(`  ${name.padEnd(10)}${value}`);
}

function networkLine(h: HopOutcome, lines: LineLookup): string {
  const n = networkData(h, lines);
  const decision = n.verdict === "deny" ? (n.egress.allowed ? n.ingress : n.egress) : n.ingress;
  const others = n.deniedEndpoints.length ? `; denied to ${n.deniedEndpoints.map((d) => d.to).join(", ")}` : "";
  return `${n.from} → ${n.to} ${n.protocol}/${n.port}: ${n.verdict} (${decision.summary})${others}`;
}

export function explainAnswer(q: RouteRequest, a: CheckedAnswer, lines: LineLookup): string {
  const out = [requestLine(q)];
  if (a.client) label(out, "client", `${a.client}${a.clientMesh ? ` (${a.clientMesh.inMesh ? "in the mesh" : "outside the mesh"}: ${a.clientMesh.why})` : ""}`);
  if (a.entry.kind === "service") label(out, "service", `${a.entry.service} port ${a.entry.port}${a.entry.headless ? " (headless)" : ""}${a.routeRole ? `, ${a.routeRole} routes` : ""}`);
  if (a.entry.kind === "endpoint") label(out, "endpoint", `${a.entry.endpoint} port ${a.entry.port} (dialled directly)`);
  out.push(...resultLines(a));
  label(out, "pod", a.endpoint);
  if (a.hop) label(out, "network", networkLine(a.hop, lines));
  for (const d of a.authorization) label(out, "authz", `${d.verdict} at ${d.enforcer}: ${d.summary}${d.policy?.src ? ` (${where(d.policy.src.file, lines(d.policy.src, d.policy.path))})` : ""}`);
  const decided = a.layers.find((l) => l.outcome === "decided")?.summary;
  label(out, "decided", `by the ${a.decidedBy} layer${decided && decided !== a.reason ? `: ${decided}` : ""}`);
  out.push("  layers:", ...a.layers.map((l) => `    ${l.layer.padEnd(14)}${l.outcome.padEnd(9)}${l.summary}`));
  return [...out, ...failLines(a)].join("\n") + "\n";
}
