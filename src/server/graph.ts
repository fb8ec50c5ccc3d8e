// The web UI's graph: workloads (pods grouped under their controller), VMs, external ranges and the
// ingress controller as nodes, the allowed connections as edges, with what the filters need
// (labels, isolation per direction, reachable from outside). Built from the same connection list as
// `junction list`, so the picture and the CLI never disagree.

import type { Analysis } from "../cli/analysis.js";
import { workloadPeers, type ConnEntry, type ListPeer } from "../analyze/connlist.js";
import { DIRECTIONS } from "../model/policy.js";
import { formatConns } from "../model/ports.js";
import { formatRange } from "../model/ip.js";
import { connectionsData, type ConnectionData } from "../targets/connlist.js";

export interface GraphNode {
  id: string;
  kind: "workload" | "vm" | "external" | "ingress-controller";
  namespace?: string;
  name: string;
  type: string;
  labels: Record<string, string>;
  pods: number;
  /** Some policy selects it for the direction: what no rule allows is denied. */
  isolated: { ingress: boolean; egress: boolean };
  /** Some address outside the cluster may connect to it. */
  exposed: boolean;
  /** How `explain --from/--to` names it (absent for the ingress controller stand-in). */
  endpoint?: string;
}

export interface GraphEdge { src: string; dst: string; conn: string; connections: ConnectionData[] }

export function graphDocument(a: Analysis, entries: readonly ConnEntry[]) {
  const fc = a.connectivity;
  const exposed = new Set(entries.filter((e) => e.src.kind === "external").map((e) => e.dst.id));
  const nodes = new Map<string, GraphNode>();
  for (const w of workloadPeers(a.inventory)) nodes.set(w.id, workloadNode(w, exposed, (d) => w.parties.some((p) => p.endpoint && (fc.selecting(p.endpoint, d)?.length ?? 0) > 0)));
  for (const e of entries) for (const p of [e.src, e.dst]) if (!nodes.has(p.id)) nodes.set(p.id, otherNode(p));
  const edges: GraphEdge[] = entries.map((e) => ({ src: e.src.id, dst: e.dst.id, conn: formatConns(e.conns), connections: connectionsData(e.conns) }));
  const namespaces = [...a.inventory.namespaces.values()].map((n) => ({ name: n.name, labels: n.labels })).sort((x, y) => (x.name < y.name ? -1 : 1));
  const gateways = a.inventory.routing.gateways.map((g) => `${g.namespace}/${g.name}`);
  return { namespaces, nodes: [...nodes.values()], edges, gateways };
}

function workloadNode(w: ListPeer, exposed: Set<string>, isolated: (d: "ingress" | "egress") => boolean): GraphNode {
  const first = w.parties[0]?.endpoint;
  const iso = Object.fromEntries(DIRECTIONS.map((d) => [d, isolated(d)])) as GraphNode["isolated"];
  return { id: w.id, kind: w.type === "Workload" ? "vm" : "workload", namespace: w.namespace, name: w.name, type: w.type, labels: first?.labels ?? {}, pods: w.parties.length, isolated: iso, exposed: exposed.has(w.id),
    endpoint: `${w.type === "Workload" ? "workload:" : ""}${w.namespace === undefined ? "" : `${w.namespace}/`}${w.name}` };
}

function otherNode(p: ListPeer): GraphNode {
  return { id: p.id, kind: p.kind === "external" ? "external" : p.kind === "ingress-controller" ? "ingress-controller" : "workload", namespace: p.namespace, name: p.name, type: p.type, labels: {}, pods: 0, isolated: { ingress: false, egress: false }, exposed: false,
    ...(p.range ? { endpoint: `ip:${formatRange(p.range).split("-")[0]}` } : {}) };
}
