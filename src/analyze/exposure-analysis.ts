// Exposure to peers that are not in the inventory (np-guard's exposure analysis, `list --exposure`):
// what each workload's policies open to pods that do not exist yet. Every selector a policy rule
// names (a namespace part and a pod part) is a representative peer: an unknown pod that exactly that
// rule selects ("any namespace with team=x", "any pod with app=y in namespace z"); `entire-cluster` is
// any pod in any namespace. np-guard's rules, pinned in test/analyze/exposure-analysis.test.ts:
// - a representative matches a rule's selector only when the selector is empty or has exactly the same
//   requirements (representative_selectors.go SelectorsFullMatch); policies never select representatives;
// - a representative whose selectors (matchLabels only, neither part empty) a real pod and its namespace
//   satisfy is not reported (exposure.go removeRedundantRepresentativePeers);
// - a representative's line is left out when its connections equal the entire-cluster ones, or when both
//   are empty (exposure_map.go addConnToExposureMap); so "No Connections" shows an exception to entire-cluster;
// - a workload no policy selects in a direction is exposed to entire-cluster on all connections there;
// - named ports toward a representative stay names (they resolve on a pod that does not exist).
// Junction's own choice: an ipBlock covering the whole address family (0.0.0.0/0, ::/0, no except)
// matches every pod, known or not (ipBlocks match pod addresses); other CIDRs match no representative.

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { fullRange } from "../model/ip.js";
import { ALL_CONNS, NO_CONNS, PROTOCOLS, normalizeIntervals, portMatches, type ConnSet, type Interval, type NamedPort, type PortMatch, type Protocol } from "../model/ports.js";
import { DIRECTIONS, rulesOf, TIERS, type Direction, type EndpointSelector, type NamespaceMatch, type Peer, type Rule } from "../model/policy.js";
import { formatSelector, isEverything, type LabelSelector } from "../model/selector.js";
import { portIntervals, type PortIntervals } from "../engine/portspace.js";
import type { PolicyEngine } from "../engine/verdict.js";
import type { ConnEntry, ListPeer } from "./connlist.js";
import { focusConns, type Focus } from "./focus.js";

const NAME_LABEL = "kubernetes.io/metadata.name";

/** An unknown pod a rule selects: its namespace part and pod part as canonical selector strings ("" = any). */
export interface Representative {
  namespaces: string;
  pods: string;
  /** The single namespace name when the namespace part is exactly kubernetes.io/metadata.name=NAME. */
  namespaceName?: string;
  /** Only matchLabels-style requirements (no set operators): a real pod can make it redundant. */
  plain: boolean;
  nsSelector?: LabelSelector;
  podSelector?: LabelSelector;
}

/** A named port toward a representative; `protocol` is undefined when the rule gives none (ANP namedPort). */
export interface NamedConn { name: string; protocol?: Protocol }

export type ExposurePeer =
  | { kind: "entire-cluster"; id: "entire-cluster" }
  | { kind: "representative"; id: string; representative: Representative }
  | { kind: "external"; id: string; peer: ListPeer };

export interface ExposureLine {
  workload: ListPeer;
  direction: Direction;
  peer: ExposurePeer;
  conns: ConnSet;
  named: NamedConn[];
}

export interface ExposureAnalysis {
  lines: ExposureLine[];
  /** Workloads no policy selects, per direction ("is not protected on Ingress"). */
  unprotected: { workload: ListPeer; direction: Direction }[];
}

export const ENTIRE_CLUSTER: ExposurePeer = { kind: "entire-cluster", id: "entire-cluster" };

/** The exposure of every workload (those the focus names, in its direction) to peers beyond the inventory. */
export function exposureAnalysis(inv: Inventory, engine: PolicyEngine, workloads: readonly ListPeer[], entries: readonly ConnEntry[], focus: Focus): ExposureAnalysis {
  const reps = representatives(inv, engine);
  const ports = portIntervals(inv);
  const out: ExposureAnalysis = { lines: [], unprotected: [] };
  for (const w of workloads) {
    if (focus.workloads.length && !focus.workloads.some((n) => n === w.id || n === w.name || n === `${w.namespace}/${w.name}`)) continue;
    for (const d of DIRECTIONS) {
      if (focus.direction && focus.direction !== d) continue;
      const pods = w.parties.flatMap((p) => (p.endpoint ? [p.endpoint] : []));
      if (!pods.some((e) => isProtected(engine, e, d))) {
        out.unprotected.push({ workload: w, direction: d });
        push(out, focus, { workload: w, direction: d, peer: ENTIRE_CLUSTER, conns: ALL_CONNS, named: [] });
        continue;
      }
      workloadLines(out, focus, engine, ports, w, pods, d, reps);
    }
  }
  for (const e of entries) {
    if (e.src.kind === "external" && e.dst.kind === "workload") externalLine(out, workloads, e.dst, "ingress", e.src, e.conns, focus);
    if (e.dst.kind === "external" && e.src.kind === "workload") externalLine(out, workloads, e.src, "egress", e.dst, e.conns, focus);
  }
  return out;
}

function externalLine(out: ExposureAnalysis, workloads: readonly ListPeer[], w: ListPeer, d: Direction, ext: ListPeer, conns: ConnSet, focus: Focus): void {
  if (focus.direction && focus.direction !== d) return;
  if (focus.workloads.length && !focus.workloads.some((n) => n === w.id || n === w.name || n === `${w.namespace}/${w.name}`)) return;
  if (!workloads.some((x) => x.id === w.id)) return;
  out.lines.push({ workload: w, direction: d, peer: { kind: "external", id: ext.id, peer: ext }, conns, named: [] });
}

function push(out: ExposureAnalysis, focus: Focus, line: ExposureLine): void {
  const conns = focusConns(focus, line.conns);
  if (focus.conn && conns === NO_CONNS) return;
  out.lines.push({ ...line, conns, named: focus.conn ? [] : line.named });
}

/** The entire-cluster line and the representatives' lines of one protected workload in one direction. */
function workloadLines(out: ExposureAnalysis, focus: Focus, engine: PolicyEngine, ports: PortIntervals, w: ListPeer, pods: Endpoint[], d: Direction, reps: Representative[]): void {
  const reach = (rep: Representative | undefined) => unionOver(pods, (e) => reachOf(engine, ports, e, d, rep));
  const entire = reach(undefined);
  const entireEmpty = isNone(entire.conns) && entire.named.length === 0;
  if (!entireEmpty) push(out, focus, { workload: w, direction: d, peer: ENTIRE_CLUSTER, ...entire });
  // A representative no rule of these policies names exactly is reached as entire-cluster is: skipped.
  const named = new Set(pods.flatMap((e) => ruleKeys(engine, e, d)));
  for (const rep of reps) {
    if (!named.has(`${rep.namespaces}/${rep.pods}`)) continue;
    const r = reach(rep);
    const empty = isNone(r.conns) && r.named.length === 0;
    if (sameReach(r, entire) || (empty && entireEmpty)) continue;
    push(out, focus, { workload: w, direction: d, peer: { kind: "representative", id: representativeId(rep), representative: rep }, ...r });
  }
}

/** The connections a workload's pod opens in direction `d` to a representative (undefined: any pod in any namespace). */
function reachOf(engine: PolicyEngine, ports: PortIntervals, e: Endpoint, d: Direction, rep: Representative | undefined): { conns: ConnSet; named: NamedConn[] } {
  const destPorts: readonly NamedPort[] = d === "ingress" ? e.ports : [];
  const peerOk = (rule: Rule) => !rule.peers || rule.peers.some((p) => peerMatchesRepresentative(p, rep));
  const conns = {} as Record<Protocol, Interval[]>;
  for (const protocol of PROTOCOLS) {
    const allowed = ports[protocol].filter(([port]) => engine.walk(d, e, (rule) => peerOk(rule) && portsOk(rule, (m) => portMatches(m, protocol, port, destPorts))).allowed);
    conns[protocol] = normalizeIntervals(allowed);
  }
  const named = d === "egress" ? namedPortsOf(engine, e, d).filter((n) => !fullyOpen(conns, n.protocol) &&
    engine.walk(d, e, (rule) => peerOk(rule) && portsOk(rule, (m) => m.kind === "named" && m.name === n.name && m.protocol === n.protocol)).allowed) : [];
  return { conns, named };
}

function portsOk(rule: Rule, test: (m: PortMatch) => boolean): boolean {
  return !rule.ports || rule.ports.some(test);
}

/** The selector keys the rules of `e`'s policies name in direction `d`. */
function ruleKeys(engine: PolicyEngine, e: Endpoint, d: Direction): string[] {
  const out: string[] = [];
  for (const tier of TIERS) for (const p of engine.applicable(tier, d, e)) for (const r of rulesOf(p, d) ?? []) {
    for (const peer of r.peers ?? []) {
      const key = peer.kind === "endpoints" ? selectorKey(peer.selector) : undefined;
      if (key) out.push(`${key.namespaces}/${key.pods}`);
    }
  }
  return out;
}

/** The named ports of the rules of `e`'s policies in direction `d` (they stay names toward unknown pods). */
function namedPortsOf(engine: PolicyEngine, e: Endpoint, d: Direction): NamedConn[] {
  const seen = new Map<string, NamedConn>();
  for (const tier of TIERS) for (const p of engine.applicable(tier, d, e)) for (const r of rulesOf(p, d) ?? []) {
    for (const m of r.ports ?? []) if (m.kind === "named") seen.set(`${m.protocol ?? ""}/${m.name}`, { name: m.name, protocol: m.protocol });
  }
  return [...seen.values()];
}

function fullyOpen(c: ConnSet, protocol: Protocol | undefined): boolean {
  return (protocol ? [protocol] : PROTOCOLS).every((p) => c[p].length === 1 && c[p][0][0] === 1 && c[p][0][1] === 65535);
}

/** Whether some policy selects the endpoint for the direction. */
export function isProtected(engine: PolicyEngine, e: Endpoint, d: Direction): boolean {
  return engine.isSubjectable(e) && TIERS.some((t) => engine.applicable(t, d, e).length > 0);
}

function unionOver<T>(items: readonly T[], f: (t: T) => { conns: ConnSet; named: NamedConn[] }): { conns: ConnSet; named: NamedConn[] } {
  const all = items.map(f);
  const conns = {} as Record<Protocol, Interval[]>;
  for (const p of PROTOCOLS) conns[p] = normalizeIntervals(all.flatMap((x) => x.conns[p]));
  const named = new Map(all.flatMap((x) => x.named).map((n) => [`${n.protocol ?? ""}/${n.name}`, n]));
  return { conns, named: [...named.values()] };
}

function isNone(c: ConnSet): boolean {
  return PROTOCOLS.every((p) => c[p].length === 0);
}

function sameReach(a: { conns: ConnSet; named: NamedConn[] }, b: { conns: ConnSet; named: NamedConn[] }): boolean {
  const key = (x: { conns: ConnSet; named: NamedConn[] }) => `${PROTOCOLS.map((p) => x.conns[p].join(";")).join("|")}|${x.named.map((n) => `${n.protocol ?? ""}/${n.name}`).sort().join(",")}`;
  return key(a) === key(b);
}

/** Does a rule's peer select a representative (undefined: the entire-cluster one)? */
function peerMatchesRepresentative(peer: Peer, rep: Representative | undefined): boolean {
  switch (peer.kind) {
    case "endpoints": {
      const key = selectorKey(peer.selector);
      // A representative has no address, so no IP family: a peer limited to one (Calico ipVersion) does not match it, as the engine reads a pod without address.
      if (!key || peer.family !== undefined) return false;
      return (key.namespaces === "" || key.namespaces === rep?.namespaces) && (key.pods === "" || key.pods === rep?.pods);
    }
    case "cidr": {
      const full = fullRange(peer.cidr.family);
      return peer.cidr.first === full.first && peer.cidr.last === full.last && peer.except.length === 0 && !peer.outside;
    }
    default: return false;
  }
}

/** The canonical namespace and pod parts of a pod selector; undefined for selectors no plain pod satisfies. */
function selectorKey(sel: EndpointSelector): { namespaces: string; pods: string } | undefined {
  if (!sel.kinds.includes("pod") || sel.serviceAccounts || sel.trustDomain !== undefined) return undefined;
  return { namespaces: namespaceKey(sel.namespaces), pods: formatSelector(sel.labels) === "{}" ? "" : formatSelector(sel.labels) };
}

function namespaceKey(m: NamespaceMatch): string {
  if (m.kind === "any") return "";
  if (m.kind === "name") return `${NAME_LABEL}=${m.name}`;
  return isEverything(m.selector) ? "" : formatSelector(m.selector);
}

/** One representative per distinct selector of every policy rule, less those a real pod makes redundant. */
export function representatives(inv: Inventory, engine: PolicyEngine): Representative[] {
  const byKey = new Map<string, Representative>();
  for (const p of inv.policies) for (const d of DIRECTIONS) for (const r of rulesOf(p, d) ?? []) {
    for (const peer of r.peers ?? []) {
      if (peer.kind !== "endpoints") continue;
      const rep = representativeOf(peer.selector);
      if (rep) byKey.set(`${rep.namespaces}/${rep.pods}`, rep);
    }
  }
  return [...byKey.values()].filter((rep) => !redundant(inv, engine, rep)).sort((a, b) => cmp(representativeId(a), representativeId(b)));
}

function representativeOf(sel: EndpointSelector): Representative | undefined {
  const key = selectorKey(sel);
  if (!key || (key.namespaces === "" && key.pods === "")) return undefined;
  const nsSelector = sel.namespaces.kind === "selector" ? sel.namespaces.selector : sel.namespaces.kind === "name" ? { requirements: [{ key: NAME_LABEL, operator: "In" as const, values: [sel.namespaces.name] }] } : undefined;
  const single = nsSelector?.requirements.length === 1 && nsSelector.requirements[0].key === NAME_LABEL && nsSelector.requirements[0].operator === "In" && nsSelector.requirements[0].values.length === 1;
  const plainSel = (s?: LabelSelector) => !s || s.requirements.every((q) => q.operator === "In" && q.values.length === 1);
  return {
    ...key, nsSelector, podSelector: key.pods ? sel.labels : undefined,
    namespaceName: single ? nsSelector!.requirements[0].values[0] : undefined,
    plain: plainSel(nsSelector) && plainSel(sel.labels),
  };
}

/** A representative with plain, non-empty parts that a real pod (in a matching namespace) satisfies. */
function redundant(inv: Inventory, engine: PolicyEngine, rep: Representative): boolean {
  if (!rep.plain || !rep.namespaces || !rep.pods) return false;
  return inv.endpoints.some((e) => e.kind === "pod" && e.namespace !== undefined && engine.matcher.selects({ namespaces: { kind: "selector", selector: rep.nsSelector! }, labels: rep.podSelector!, kinds: ["pod"] }, e));
}

/** np-guard's name: NAMESPACE/[all pods], [namespace with {k=v}]/[pod with {app=x}], [all namespaces]/... */
export function representativeId(rep: Representative): string {
  const ns = rep.namespaceName ?? (rep.namespaces ? `[namespace with {${rep.namespaces}}]` : "[all namespaces]");
  return `${ns}/${rep.pods ? `[pod with {${rep.pods}}]` : "[all pods]"}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
