// Every pair explained (`list --explain`, np-guard's explainability analysis): for each ordered pair of
// listed peers, the port space split into the parts the verdict engine decides alike, each with the
// decision per direction (the deciding policy and rule, or the default that applied). The engine's
// own traces are used: nothing here decides anything.

import { PROTOCOLS, normalizeIntervals, type ConnSet, type Interval, type Protocol } from "../model/ports.js";
import type { Party } from "../engine/match.js";
import type { Decision, PolicyEngine, Warning } from "../engine/verdict.js";
import type { PortIntervals } from "../engine/portspace.js";
import type { FastConnectivity } from "../engine/fast/connectivity.js";
import type { ListPeer } from "./connlist.js";
import { focusIncludes, type Focus } from "./focus.js";
import { withPodPreDnat } from "../engine/calico-prednat.js";

/** Ports of a pair that the engine decides alike, for the same reasons. */
export interface Segment {
  conns: ConnSet;
  allowed: boolean;
  egress: Decision;
  ingress: Decision;
  warnings: Warning[];
  /** The members the engine was asked about (a representative pair); kept for the reasons' wording. */
  parties?: { src: Party; dst: Party };
  /** When the peers' members are decided differently: the members (indexes into the peers' parties) this segment is about. */
  members?: { src: number[]; dst: number[] };
}

export interface ExplainedPair {
  src: ListPeer;
  dst: ListPeer;
  segments: Segment[];
}

export type ExplainOnly = "allow" | "deny";

/** A decision's identity: what decided it (tier, policy, rule), not the port it was asked about. */
export function decisionKey(d: Decision): string {
  const pol = (p?: { kind: string; namespace?: string; name: string }) => (p ? `${p.kind}/${p.namespace ?? ""}/${p.name}` : "");
  return [d.allowed, d.by, d.tier ?? "", pol(d.policy), d.rule ? `${d.rule.path.join(".")}` : "", d.passed.map((r) => `${pol(r.policy)}#${r.rule.path.join(".")}`).join(","), d.selecting.map(pol).join(",")].join("|");
}

/** The explained pairs among `sources` × `destinations` that the focus keeps (never a peer with itself, never two ranges). */
export function explainAll(engine: PolicyEngine, fast: FastConnectivity, ports: PortIntervals, sources: readonly ListPeer[], destinations: readonly ListPeer[], focus: Focus, only?: ExplainOnly, network?: string): ExplainedPair[] {
  const out: ExplainedPair[] = [];
  for (const src of sources) for (const dst of destinations) {
    if (src.id === dst.id || (src.kind === "external" && dst.kind === "external") || !focusIncludes(focus, src, dst)) continue;
    const segments = explainPair(engine, fast, ports, src, dst, focus, network).filter((s) => !only || s.allowed === (only === "allow"));
    if (segments.length) out.push({ src, dst, segments });
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => cmp(a.src.id, b.src.id) || cmp(a.dst.id, b.dst.id));
}

/** The segments of one pair: per distinct (source class, destination class) of its members. */
export function explainPair(engine: PolicyEngine, fast: FastConnectivity, ports: PortIntervals, src: ListPeer, dst: ListPeer, focus: Focus, network?: string): Segment[] {
  const groups = new Map<string, { src: Set<number>; dst: Set<number>; first: [Party, Party] }>();
  src.parties.forEach((s, i) => dst.parties.forEach((d, j) => {
    if (s.endpoint !== undefined && s.endpoint === d.endpoint) return;
    const key = `${fast.classFor(s)}/${fast.classFor(d)}`;
    let g = groups.get(key);
    if (!g) { g = { src: new Set(), dst: new Set(), first: [s, d] }; groups.set(key, g); }
    g.src.add(i); g.dst.add(j);
  }));
  const perGroup = [...groups.values()].map((g) => memberSegments(engine, ports, g.first[0], g.first[1], focus, network).map((seg) => ({ ...seg, members: { src: [...g.src], dst: [...g.dst] } })));
  const signature = (ss: Segment[]) => ss.map((x) => `${x.allowed}${decisionKey(x.egress)}${decisionKey(x.ingress)}${x.conns.TCP}${x.conns.UDP}${x.conns.SCTP}`).join(";");
  const distinct = new Map(perGroup.map((ss) => [signature(ss), ss]));
  return distinct.size <= 1 ? [...distinct.values()].flat().map(({ members: _m, ...x }) => x) : merge(perGroup, signature);
}

/** Groups with the same segments are one, their members joined. */
function merge(perGroup: Segment[][], signature: (ss: Segment[]) => string): Segment[] {
  const out = new Map<string, Segment[]>();
  for (const ss of perGroup) {
    const cur = out.get(signature(ss));
    if (!cur) { out.set(signature(ss), ss); continue; }
    cur.forEach((seg, k) => { seg.members = { src: union(seg.members!.src, ss[k].members!.src), dst: union(seg.members!.dst, ss[k].members!.dst) }; });
  }
  return [...out.values()].flat();
}

const union = (a: number[], b: number[]) => [...new Set([...a, ...b])].sort((x, y) => x - y);

/** The segments of one party pair: port intervals grouped by (allowed, egress decision, ingress decision). */
function memberSegments(engine: PolicyEngine, ports: PortIntervals, src: Party, dst: Party, focus: Focus, network?: string): Segment[] {
  const groups = new Map<string, { seg: Segment; iv: Record<Protocol, Interval[]> }>();
  for (const protocol of PROTOCOLS) for (const iv of ports[protocol]) {
    const narrowed = focusInterval(focus, protocol, iv);
    if (!narrowed) continue;
    // (A pod reached from off its node: its node's Calico preDNAT policies first, as list's connections: engine/calico-prednat.ts.)
    const plain = engine.evaluate({ src, dst, protocol, port: narrowed[0], ...(network ? { network } : {}) });
    const v = engine.inventory.calicoPreDnat && network === undefined ? withPodPreDnat(engine, src, dst, protocol, narrowed[0], plain).verdict : plain;
    const key = `${v.allowed}|${decisionKey(v.egress)}|${decisionKey(v.ingress)}`;
    let g = groups.get(key);
    if (!g) { g = { seg: { conns: { TCP: [], UDP: [], SCTP: [] }, allowed: v.allowed, egress: v.egress, ingress: v.ingress, warnings: v.warnings, parties: { src, dst } }, iv: { TCP: [], UDP: [], SCTP: [] } }; groups.set(key, g); }
    g.iv[protocol].push(narrowed);
  }
  return [...groups.values()].map(({ seg, iv }) => ({ ...seg, conns: { TCP: normalizeIntervals(iv.TCP), UDP: normalizeIntervals(iv.UDP), SCTP: normalizeIntervals(iv.SCTP) } }))
    .sort((a, b) => Number(b.allowed) - Number(a.allowed));
}

/** The part of an interval the focus connection keeps (the whole interval without one). */
function focusInterval(focus: Focus, protocol: Protocol, iv: Interval): Interval | undefined {
  if (!focus.conn) return iv;
  const { protocol: p, port } = focus.conn;
  return p === protocol && iv[0] <= port && port <= iv[1] ? [port, port] : undefined;
}

/** Whether every segment of a pair is allowed because nothing decided in either direction (np-guard's "system default" section). */
export function onlyDefault(p: ExplainedPair): boolean {
  return p.segments.every((s) => s.allowed && isDefault(s.egress) && isDefault(s.ingress));
}

function isDefault(d: Decision): boolean {
  return d.by === "default" || d.by === "unenforced";
}
