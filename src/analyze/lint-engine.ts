// Lint checks computed by the engines, never guessed:
// - rule-never-decides: every pair of the input (workloads, the external pieces the policies' CIDRs
//   cut, and two replicas of each workload) is explained port range by port range (list --explain);
//   a rule that is never the deciding rule nor a Pass met on the way decides nothing;
// - policy-redundant: the input without the policy is analysed again and compared pair by pair (the
//   diff's connectivity section, and replica-to-replica traffic): no change, the policy is redundant;
// - dns-unreachable: egress-isolated workloads whose connections to the cluster DNS pods lack UDP 53;
// - workload-unprotected: workloads no policy selects in a direction.

import { PROTOCOLS, normalizeIntervals, connsHas, equalConns, type ConnSet, type Interval, type Protocol } from "../model/ports.js";
import { rulesOf, DIRECTIONS, type Direction, type Policy, type Rule } from "../model/policy.js";
import type { Endpoint } from "../model/endpoint.js";
import { PolicyEngine, type Decision } from "../engine/verdict.js";
import { FastConnectivity } from "../engine/fast/connectivity.js";
import { portIntervals, type PortIntervals } from "../engine/portspace.js";
import { connectionListWithPeers, type ConnEntry, type ListPeer } from "./connlist.js";
import { explainAll } from "./explain-all.js";
import { isProtected } from "./exposure-analysis.js";
import { NO_FOCUS } from "./focus.js";
import { connectivityDiff } from "./diff.js";
import { peerMatchesNothing, policyObject, ruleLabel } from "./lint-model.js";
import { finding, type Finding, type LintInput } from "./lint.js";

export function engineChecks(a: LintInput, model: readonly Finding[]): Finding[] {
  const list = connectionListWithPeers(a.inventory, a.connectivity, "workload", NO_FOCUS, { extraRanges: [] });
  const ports = portIntervals(a.inventory);
  const selectsNothing = new Set(model.filter((f) => f.code === "policy-selects-nothing").map((f) => f.object));
  const live = a.inventory.policies.filter((p) => !selectsNothing.has(policyObject(p)));
  return [
    ...neverDeciding(a, list.sources, ports, live),
    ...redundant(a, list.workloads, ports, live),
    ...dnsUnreachable(a, list.workloads, list.entries),
    ...unprotected(a, list.workloads),
  ];
}

const ruleKey = (p: Policy, r: Rule) => `${policyObject(p)}#${r.path.join(".")}`;

/** A second replica of an endpoint: the engine sees two pods of the workload, not a pod and itself. */
const replica = (e: Endpoint): Endpoint => ({ ...e });

function neverDeciding(a: LintInput, peers: readonly ListPeer[], ports: PortIntervals, live: readonly Policy[]): Finding[] {
  const decided = new Set<string>();
  const note = (d: Decision) => {
    if (d.policy && d.rule) decided.add(ruleKey(d.policy, d.rule));
    for (const r of d.passed) decided.add(ruleKey(r.policy, r.rule));
  };
  for (const pair of explainAll(a.engine, a.connectivity, ports, peers, peers, NO_FOCUS)) for (const s of pair.segments) { note(s.egress); note(s.ingress); }
  for (const w of peers) {
    const e = w.parties[0]?.endpoint;
    if (e) eachPort(ports, (protocol, port) => { const v = a.engine.evaluate({ src: { endpoint: e }, dst: { endpoint: replica(e) }, protocol, port }); note(v.egress); note(v.ingress); });
  }
  const out: Finding[] = [];
  for (const p of live) for (const d of DIRECTIONS) for (const r of rulesOf(p, d) ?? []) {
    if (decided.has(ruleKey(p, r)) || !checkable(a, r)) continue;
    out.push(finding("rule-never-decides", policyObject(p), `${ruleLabel(d, r)} never decides: every connection it matches is decided before it`, p.src, r.path));
  }
  return out;
}

/** Rules the pairs can show deciding: not L7, not about nodes or DNS names, not already a peer-matches-nothing finding. */
function checkable(a: LintInput, r: Rule): boolean {
  if (r.http) return false;
  const peers = r.peers ?? [];
  return !peers.some((x) => x.kind === "nodes" || x.kind === "domains" || peerMatchesNothing(a.inventory, a.engine, x));
}

function eachPort(ports: PortIntervals, f: (protocol: Protocol, port: number) => void): void {
  for (const protocol of PROTOCOLS) for (const iv of ports[protocol]) f(protocol, iv[0]);
}

/** The connections between two replicas of each workload (its first pod and a copy of it). */
function replicaConns(engine: PolicyEngine, ports: PortIntervals, workloads: readonly ListPeer[]): ConnSet[] {
  return workloads.map((w) => {
    const e = w.parties[0]?.endpoint;
    const iv: Record<Protocol, Interval[]> = { TCP: [], UDP: [], SCTP: [] };
    if (e) for (const protocol of PROTOCOLS) for (const range of ports[protocol]) if (engine.allows({ src: { endpoint: e }, dst: { endpoint: replica(e) }, protocol, port: range[0] })) iv[protocol].push(range);
    return { TCP: normalizeIntervals(iv.TCP), UDP: normalizeIntervals(iv.UDP), SCTP: normalizeIntervals(iv.SCTP) };
  });
}

function redundant(a: LintInput, workloads: readonly ListPeer[], ports: PortIntervals, live: readonly Policy[]): Finding[] {
  const base = { inventory: a.inventory, engine: a.engine, connectivity: a.connectivity };
  const replicas = replicaConns(a.engine, ports, workloads);
  return live.flatMap((p) => {
    const inventory = { ...a.inventory, policies: a.inventory.policies.filter((x) => x !== p) };
    // The input's own-node mode (resolved for it): removing its only Cilium policy must not change the data plane.
    const engine = new PolicyEngine(inventory, a.engine.options);
    if (connectivityDiff(base, { inventory, engine, connectivity: new FastConnectivity(engine) }).length) return [];
    if (!replicaConns(engine, ports, workloads).every((c, i) => equalConns(c, replicas[i]))) return [];
    return [finding("policy-redundant", policyObject(p), `removing ${policyObject(p)} changes no connection of the input`, p.src)];
  });
}

/** The source reference of a workload: its controller's manifest, else its first pod's. */
function workloadRef(a: LintInput, w: ListPeer) {
  const c = a.inventory.controllers.find((c) => c.namespace === w.namespace && c.name === w.name && c.kind === w.type);
  return c?.src ?? w.parties[0]?.endpoint?.src;
}

const isDns = (e: Endpoint | undefined) => e?.kind === "pod" && e.namespace === "kube-system" && e.labels["k8s-app"] === "kube-dns";

function dnsUnreachable(a: LintInput, workloads: readonly ListPeer[], entries: readonly ConnEntry[]): Finding[] {
  const dns = workloads.filter((w) => w.parties.some((p) => isDns(p.endpoint)));
  if (!dns.length) return [];
  const dnsIds = new Set(dns.map((w) => w.id));
  return workloads.filter((w) => !dnsIds.has(w.id) && pods(w).some((e) => isProtected(a.engine, e, "egress"))).flatMap((w) => {
    const reaches = entries.some((e) => e.src.id === w.id && dnsIds.has(e.dst.id) && connsHas(e.conns, "UDP", 53));
    if (reaches) return [];
    return [finding("dns-unreachable", w.id, `${w.id} is isolated for egress and cannot reach cluster DNS (${dns.map((d) => d.id).join(", ")}) on UDP 53`, workloadRef(a, w))];
  });
}

const pods = (w: ListPeer) => w.parties.flatMap((p) => (p.endpoint ? [p.endpoint] : []));

function unprotected(a: LintInput, workloads: readonly ListPeer[]): Finding[] {
  return workloads.flatMap((w) => {
    const es = pods(w);
    if (!es.some((e) => a.engine.isSubjectable(e))) return [];
    const open: Direction[] = DIRECTIONS.filter((d) => !es.some((e) => isProtected(a.engine, e, d)));
    return open.length ? [finding("workload-unprotected", w.id, `no policy selects ${w.id} for ${open.join(" or ")}`, workloadRef(a, w))] : [];
  });
}
