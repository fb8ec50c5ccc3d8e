// The pods × pods truth table, as the upstream e2e tests print it: for one port and protocol, or,
// without a port, whether all, some or none of the connections are allowed.

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { connsHas, isAllConns, isEmptyConns, type ConnSet, type Protocol } from "../model/ports.js";
import type { Connectivity } from "../engine/pairwise.js";

export type Reach = "all" | "some" | "none";

export interface Matrix {
  endpoints: Endpoint[];
  /** cells[i][j]: from endpoints[i] to endpoints[j]. */
  cells: Reach[][];
  /** Without a port: the connections behind each cell. */
  conns?: ConnSet[][];
}

export function matrixEndpoints(inv: Inventory, namespaces: readonly string[]): Endpoint[] {
  return inv.endpoints
    .filter((e) => e.kind === "pod" && (namespaces.length === 0 || namespaces.includes(e.namespace!)))
    .sort((a, b) => (a.namespace! + "/" + a.name < b.namespace! + "/" + b.name ? -1 : 1));
}

export function portMatrix(connectivity: Connectivity, endpoints: Endpoint[], protocol: Protocol, port: number): Matrix {
  const cells = endpoints.map((src) => endpoints.map((dst): Reach =>
    connsHas(connectivity.conns({ endpoint: src }, { endpoint: dst }), protocol, port) ? "all" : "none"));
  return { endpoints, cells };
}

export function connMatrix(connectivity: Connectivity, endpoints: Endpoint[]): Matrix {
  const conns = endpoints.map((src) => endpoints.map((dst) => connectivity.conns({ endpoint: src }, { endpoint: dst })));
  const cells = conns.map((row) => row.map((c): Reach => (isAllConns(c) ? "all" : isEmptyConns(c) ? "none" : "some")));
  return { endpoints, cells, conns };
}
