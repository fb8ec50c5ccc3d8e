// The pods × pods truth table, as the upstream e2e tests print it: for one port and protocol, or,
// without a port, whether all, some or none of the connections are allowed. Rows are sources and
// columns destinations; a focus (analyze/focus.ts) keeps the rows and columns of the pairs it keeps
// and leaves the other cells empty.

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { connsHas, isAllConns, isEmptyConns, type ConnSet, type Protocol } from "../model/ports.js";
import type { Connectivity } from "../engine/pairwise.js";
import { workloadPeers, type ListPeer } from "./connlist.js";
import { focusIncludes, type Focus } from "./focus.js";

export type Reach = "all" | "some" | "none";

export interface Matrix {
  rows: Endpoint[];
  cols: Endpoint[];
  /** cells[i][j]: from rows[i] to cols[j]; undefined where a focus leaves the pair out. */
  cells: (Reach | undefined)[][];
  /** Without a port: the connections behind each cell. */
  conns?: (ConnSet | undefined)[][];
}

export function matrixEndpoints(inv: Inventory, namespaces: readonly string[]): Endpoint[] {
  return inv.endpoints
    .filter((e) => e.kind === "pod" && (namespaces.length === 0 || namespaces.includes(e.namespace!)))
    .sort((a, b) => (a.namespace! + "/" + a.name < b.namespace! + "/" + b.name ? -1 : 1));
}

/** The rows, columns and kept pairs of a table over `endpoints` under a focus (every pair without one). */
export function matrixShape(inv: Inventory, endpoints: Endpoint[], focus?: Focus): { rows: Endpoint[]; cols: Endpoint[]; keep: (s: Endpoint, d: Endpoint) => boolean } {
  if (!focus || focus.workloads.length === 0) return { rows: endpoints, cols: endpoints, keep: () => true };
  const owner = new Map<Endpoint, ListPeer>();
  for (const w of workloadPeers(inv)) for (const p of w.parties) if (p.endpoint) owner.set(p.endpoint, w);
  const keep = (s: Endpoint, d: Endpoint) => s !== d && focusIncludes(focus, owner.get(s)!, owner.get(d)!);
  return { rows: endpoints.filter((s) => endpoints.some((d) => keep(s, d))), cols: endpoints.filter((d) => endpoints.some((s) => keep(s, d))), keep };
}

export function portMatrix(connectivity: Connectivity, shape: ReturnType<typeof matrixShape>, protocol: Protocol, port: number): Matrix {
  const cells = shape.rows.map((src) => shape.cols.map((dst): Reach | undefined => !shape.keep(src, dst) ? undefined :
    connsHas(connectivity.conns({ endpoint: src }, { endpoint: dst }), protocol, port) ? "all" : "none"));
  return { rows: shape.rows, cols: shape.cols, cells };
}

export function connMatrix(connectivity: Connectivity, shape: ReturnType<typeof matrixShape>): Matrix {
  const conns = shape.rows.map((src) => shape.cols.map((dst) => !shape.keep(src, dst) ? undefined : connectivity.conns({ endpoint: src }, { endpoint: dst })));
  const cells = conns.map((row) => row.map((c): Reach | undefined => c === undefined ? undefined : isAllConns(c) ? "all" : isEmptyConns(c) ? "none" : "some"));
  return { rows: shape.rows, cols: shape.cols, cells, conns };
}
