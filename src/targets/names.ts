// How parties, policies and rules are named in every output.

import type { Endpoint } from "../model/endpoint.js";
import { formatAddress } from "../model/ip.js";
import { policyName, type Policy, type Rule } from "../model/policy.js";
import type { LineLookup } from "../model/source.js";
import type { Party } from "../engine/match.js";

export function endpointLabel(e: Endpoint): string {
  switch (e.kind) {
    case "node": return `node:${e.name}`;
    case "workload": return e.namespace === undefined ? `workload:${e.name}` : `${e.namespace}/${e.name}`;
    default: return `${e.namespace}/${e.name}`;
  }
}

export function partyLabel(p: Party): string {
  if (p.endpoint) return endpointLabel(p.endpoint);
  return p.address ? `ip:${formatAddress(p.address)}` : "?";
}

/** "pod of Deployment shop/web", "Workload (VM)", "node", "external address". */
export function partyKind(p: Party): string {
  const e = p.endpoint;
  if (!e) return "external address";
  if (e.kind === "pod") return `${e.hostNetwork ? "host-network " : ""}pod${e.owner ? ` of ${e.owner.kind} ${e.namespace}/${e.owner.name}` : ""}`;
  if (e.kind === "workload") return "Workload";
  return e.kind;
}

export interface PolicyRef {
  kind: string;
  name: string;
  namespace?: string;
  file?: string;
  line?: number;
}

export interface RuleRefData {
  direction: string;
  index: number;
  name?: string;
  action: string;
  file?: string;
  line?: number;
}

export function policyRef(p: Policy, lines: LineLookup): PolicyRef {
  return { kind: p.kind, name: p.name, namespace: p.namespace, file: p.src?.file, line: p.src ? lines(p.src) : undefined };
}

export function ruleRef(p: Policy, r: Rule, lines: LineLookup): RuleRefData {
  return { direction: String(r.path[1]), index: r.index, name: r.name, action: r.action, file: p.src?.file, line: p.src ? lines(p.src, r.path) : undefined };
}

export function where(file?: string, line?: number): string {
  return file ? `${file}${line ? `:${line}` : ""}` : "";
}

export function describePolicy(p: Policy): string {
  return `${p.kind} ${policyName(p)}`;
}
