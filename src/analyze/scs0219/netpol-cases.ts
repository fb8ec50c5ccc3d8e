// NetworkPolicy v1 cases after the upstream Kubernetes NetworkPolicy e2e tests (test/e2e/network/netpol,
// named as there), on the e2e cluster (e2e-model.ts: namespaces x, y, z with pods a, b, c; pod IPs
// 10.0.<ns>.<pod>, x=1). Each case is our own: the policies, and for each probe (port, protocol) the
// expected verdict of every ordered pair of distinct pods as a predicate written from the
// NetworkPolicy specification, not from any engine's answer.

import type { Protocol } from "../../model/ports.js";
import type { PolicyEngine } from "../../engine/verdict.js";
import { E2E_PODS } from "./e2e-model.js";

export interface Pod { ns: string; pod: string }
export interface NetpolCase {
  name: string;
  policies: string[];
  probes: { port: number; protocol: Protocol; allowed: (from: Pod, to: Pod) => boolean }[];
}

const np = (name: string, ns: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: '${ns}'}\nspec:\n${spec}`;
const is = (p: Pod, id: string) => `${p.ns}/${p.pod}` === id;
const tcp = (allowed: NetpolCase["probes"][0]["allowed"], port = 80) => ({ port, protocol: "TCP" as Protocol, allowed });
const A_ONLY = "  podSelector: {matchLabels: {pod: a}}";

export const NETPOL_CASES: readonly NetpolCase[] = [
  { name: "should support a 'default-deny-ingress' policy", policies: [np("deny", "x", "  podSelector: {}\n  policyTypes: [Ingress]")],
    probes: [tcp((_f, t) => t.ns !== "x")] },
  { name: "should support a 'default-deny-all' policy", policies: [np("deny", "x", "  podSelector: {}\n  policyTypes: [Ingress, Egress]")],
    probes: [tcp((f, t) => f.ns !== "x" && t.ns !== "x")] },
  { name: "should support allow-all policy", policies: [np("all", "x", "  podSelector: {}\n  ingress:\n  - {}")], probes: [tcp(() => true)] },
  { name: "should enforce policy to allow traffic from pods within server namespace based on PodSelector",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: b}}}]`)],
    probes: [tcp((f, t) => !is(t, "x/a") || is(f, "x/b"))] },
  { name: "should enforce policy to allow ingress traffic from pods in all namespaces",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - from: [{namespaceSelector: {}}]`)], probes: [tcp(() => true)] },
  { name: "should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {ns: 'y'}}}]`)],
    probes: [tcp((f, t) => !is(t, "x/a") || f.ns === "y")] },
  { name: "should enforce policy based on PodSelector with MatchExpressions",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - from: [{podSelector: {matchExpressions: [{key: pod, operator: In, values: [b]}]}}]`)],
    probes: [tcp((f, t) => !is(t, "x/a") || is(f, "x/b"))] },
  { name: "should enforce policy based on NamespaceSelector with MatchExpressions",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: ['y']}]}}]`)],
    probes: [tcp((f, t) => !is(t, "x/a") || f.ns === "y")] },
  { name: "should enforce policy based on PodSelector or NamespaceSelector",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {ns: 'y'}}}, {podSelector: {matchLabels: {pod: b}}}]`)],
    probes: [tcp((f, t) => !is(t, "x/a") || f.ns === "y" || is(f, "x/b"))] },
  { name: "should enforce policy based on PodSelector and NamespaceSelector",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - from:\n    - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}\n      podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}`)],
    probes: [tcp((f, t) => !is(t, "x/a") || (f.ns !== "x" && f.pod !== "a"))] },
  { name: "should enforce policy based on Ports",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n    ports: [{port: 81}]`)],
    probes: [tcp((_f, t) => !is(t, "x/a")), tcp(() => true, 81)] },
  { name: "should enforce multiple, stacked policies with overlapping podSelectors",
    policies: [np("p1", "x", `${A_ONLY}\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: b}}}]`), np("p2", "x", `${A_ONLY}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {ns: 'y'}}}]`)],
    probes: [tcp((f, t) => !is(t, "x/a") || is(f, "x/b") || f.ns === "y")] },
  { name: "should allow ingress access on one named port",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - ports: [{port: serve-81-tcp}]`)],
    probes: [tcp((_f, t) => !is(t, "x/a")), tcp(() => true, 81)] },
  { name: "should allow egress access on one named port",
    policies: [np("p", "x", `${A_ONLY}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: serve-80-udp, protocol: UDP}]`)],
    probes: [{ port: 80, protocol: "UDP", allowed: () => true }, { port: 81, protocol: "UDP", allowed: (f) => !is(f, "x/a") }, tcp((f) => !is(f, "x/a"))] },
  { name: "should not allow access by TCP when a policy specifies only UDP",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - ports: [{port: 80, protocol: UDP}]`)],
    probes: [tcp((_f, t) => !is(t, "x/a")), { port: 80, protocol: "UDP", allowed: () => true }] },
  { name: "should enforce policy to allow traffic only from pods on SCTP",
    policies: [np("p", "x", `${A_ONLY}\n  ingress:\n  - ports: [{port: 80, protocol: SCTP}]`)],
    probes: [tcp((_f, t) => !is(t, "x/a")), { port: 80, protocol: "SCTP", allowed: () => true }] },
  { name: "should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)",
    policies: [np("deny-egress", "x", `${A_ONLY}\n  policyTypes: [Egress]`), np("allow-all", "y", "  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {}}]")],
    probes: [tcp((f) => !is(f, "x/a"))] },
  { name: "should enforce except clause while egress access to server in CIDR block",
    policies: [np("p", "x", `${A_ONLY}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.0/24]}}]`)],
    probes: [tcp((f, t) => !is(f, "x/a") || t.ns !== "y")] },
  { name: "should work with Ingress, Egress specified together",
    policies: [np("p", "x", `${A_ONLY}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from: [{podSelector: {matchLabels: {pod: b}}}]\n  egress:\n  - to: [{namespaceSelector: {matchLabels: {ns: 'y'}}}]`)],
    probes: [tcp((f, t) => (!is(t, "x/a") || is(f, "x/b")) && (!is(f, "x/a") || t.ns === "y"))] },
];

export interface CaseResult { name: string; passed: boolean; mismatches: string[] }

const pod = (id: string): Pod => ({ ns: id.split("/")[0], pod: id.split("/")[1] });

/** One probe of a case: an ordered pair of distinct e2e pods, a port, and what the specification says. */
export interface CaseProbe { from: string; to: string; port: number; protocol: Protocol; allowed: boolean }

/** Every probe of a case, in a fixed order. */
export function caseProbes(c: NetpolCase): CaseProbe[] {
  return c.probes.flatMap((probe) => E2E_PODS.flatMap((from) => E2E_PODS.filter((to) => to !== from).map((to) =>
    ({ from, to, port: probe.port, protocol: probe.protocol, allowed: probe.allowed(pod(from), pod(to)) }))));
}

/** A case's result from the answers to its probes (same order as caseProbes). */
export function caseResult(c: NetpolCase, answers: readonly (boolean | string)[]): CaseResult {
  const mismatches = caseProbes(c).flatMap((p, i) => answers[i] === p.allowed ? [] :
    [`${p.from} -> ${p.to} ${p.protocol} ${p.port}: expected ${p.allowed ? "allowed" : "denied"}${typeof answers[i] === "string" ? ` (${answers[i]})` : ""}`]);
  return { name: c.name, passed: mismatches.length === 0, mismatches };
}

/** Every case evaluated: `engineFor` builds the engine of the e2e cluster with the case's policies. */
export function runNetpolCases(engineFor: (policies: readonly string[]) => PolicyEngine, verdict: (e: PolicyEngine, from: string, to: string, port: number, protocol: Protocol) => boolean): CaseResult[] {
  return NETPOL_CASES.map((c) => {
    const engine = engineFor(c.policies);
    return caseResult(c, caseProbes(c).map((p) => verdict(engine, p.from, p.to, p.port, p.protocol)));
  });
}
