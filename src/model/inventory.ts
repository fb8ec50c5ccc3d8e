// The inventory: everything the sources read, lowered into the model, with lookup indexes.

import type { Cluster, Controller, Endpoint, Namespace, Network, Service } from "./endpoint.js";
import type { Ingress, IngressClass, OpenShiftRoute } from "./ingress.js";
import type { Policy } from "./policy.js";
import { addressKey } from "./ip.js";
import { emptyRouteGraph, type RouteGraph } from "./gateway.js";

export interface Inventory {
  namespaces: Map<string, Namespace>;
  /** Pods, Workloads and nodes; Endpoint.id is the index here. */
  endpoints: Endpoint[];
  controllers: Controller[];
  services: Service[];
  networks: Network[];
  clusters: Cluster[];
  policies: Policy[];
  /** Ingress (networking.k8s.io/v1), IngressClass and OpenShift Route objects. */
  ingress: { ingresses: Ingress[]; classes: IngressClass[]; routes: OpenShiftRoute[] };
  /** Objects of kinds no front end reads, counted by kind. */
  unknownKinds: Map<string, number>;
  /** Gateway API objects (and Ingress lowered into them): the route graph. */
  routing: RouteGraph;
}

export function emptyInventory(): Inventory {
  return { namespaces: new Map(), endpoints: [], controllers: [], services: [], networks: [], clusters: [], policies: [], ingress: { ingresses: [], classes: [], routes: [] }, unknownKinds: new Map(), routing: emptyRouteGraph() };
}

/** Lookup indexes built once over an inventory. */
export class InventoryIndex {
  readonly nodesByName = new Map<string, Endpoint>();
  readonly byAddress = new Map<string, Endpoint>();

  constructor(readonly inv: Inventory) {
    for (const e of inv.endpoints) {
      if (e.kind === "node") this.nodesByName.set(e.name, e);
    }
    // Nodes first, so that a host-network pod's address (its node's) resolves to the node.
    for (const kind of ["node", "pod", "workload"] as const) {
      for (const e of inv.endpoints) {
        if (e.kind !== kind) continue;
        for (const a of e.addresses) {
          const key = addressKey(a);
          if (!this.byAddress.has(key)) this.byAddress.set(key, e);
        }
      }
    }
  }

  namespaceLabels(name: string | undefined): Readonly<Record<string, string>> {
    if (name === undefined) return {};
    return this.inv.namespaces.get(name)?.labels ?? { "kubernetes.io/metadata.name": name };
  }
}
