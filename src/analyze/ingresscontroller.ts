// np-guard's `{ingress-controller}` pseudo-source for the connection list: the TCP ports an ingress
// controller opens to workloads because Ingress or OpenShift Route objects send traffic there,
// intersected with what the policies allow from a controller pod. np-guard's rules:
// - each backend (Ingress rules and defaultBackend; Route `to` and `alternateBackends`) names a
//   Service of its own namespace that has a selector; its port is matched by name, number or
//   targetPort (a Route without port: every Service port);
// - the Service port's targetPort (its port when unset; a name resolves to a TCP container port)
//   counts only if the workload declares it as a containerPort (of any protocol);
// - the controller is a pod without labels in namespace `ingress-controller-ns`.

import type { Endpoint, Service } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { ingressBackends } from "../model/ingress.js";
import { normalizeIntervals, NO_CONNS, type ConnSet } from "../model/ports.js";
import { findService, servicePortsFor } from "../model/services.js";
import type { Party } from "../engine/match.js";
import { serviceBackends } from "../engine/query.js";
import type { PolicyEngine } from "../engine/verdict.js";
import { workloadPeers, type ConnEntry, type ListPeer } from "./connlist.js";

export const INGRESS_CONTROLLER_ID = "{ingress-controller}";
export const INGRESS_CONTROLLER_NAMESPACE = "ingress-controller-ns";

/** A pod standing for the ingress controller; it is not part of the inventory. */
export function ingressControllerParty(): Party {
  return { endpoint: { id: -1, kind: "pod", name: "ingress-controller", namespace: INGRESS_CONTROLLER_NAMESPACE, labels: {}, addresses: [], ports: [] } };
}

export interface IngressControllerList {
  entries: ConnEntry[];
  /** Workloads an Ingress or Route reaches on these ports, where no port is allowed by the policies. */
  blocked: { workload: string; ports: number[] }[];
}

/** The `{ingress-controller} => workload : TCP ports` entries, and the workloads the policies cut off. */
export function ingressControllerEntries(inv: Inventory, engine: PolicyEngine): IngressControllerList {
  const reached = reachedPorts(inv, engine);
  const src: ListPeer = { id: INGRESS_CONTROLLER_ID, kind: "ingress-controller", name: INGRESS_CONTROLLER_ID, type: "IngressController", parties: [ingressControllerParty()] };
  const out: IngressControllerList = { entries: [], blocked: [] };
  for (const dst of workloadPeers(inv)) {
    const ports = [...new Set(dst.parties.flatMap((p) => [...(reached.get(p.endpoint!) ?? [])]))].sort((a, b) => a - b);
    if (!ports.length) continue;
    const allowed = ports.filter((port) => dst.parties.some((d) => reached.get(d.endpoint!)?.has(port) &&
      engine.evaluate({ src: src.parties[0], dst: d, protocol: "TCP", port }).allowed));
    if (allowed.length) out.entries.push({ src, dst, conns: tcp(allowed) });
    else out.blocked.push({ workload: dst.id, ports });
  }
  out.entries.sort((a, b) => (a.dst.id < b.dst.id ? -1 : a.dst.id > b.dst.id ? 1 : 0));
  return out;
}

/** Per pod, the TCP ports Ingress and Route backends reach on it. */
function reachedPorts(inv: Inventory, engine: PolicyEngine): Map<Endpoint, Set<number>> {
  const out = new Map<Endpoint, Set<number>>();
  const add = (namespace: string, service: string, port: number | string | undefined) => {
    const s = findService(inv, namespace, service);
    if (s) for (const [pod, p] of podPorts(engine, s, port)) out.set(pod, (out.get(pod) ?? new Set()).add(p));
  };
  for (const ing of inv.ingress.ingresses) {
    for (const { backend } of ingressBackends(ing)) if (backend.kind === "service") add(ing.namespace, backend.name, backend.port);
  }
  for (const r of inv.ingress.routes) for (const b of r.backends) add(r.namespace, b.name, r.targetPort);
  return out;
}

function podPorts(engine: PolicyEngine, s: Service, port: number | string | undefined): [Endpoint, number][] {
  const out: [Endpoint, number][] = [];
  for (const sp of servicePortsFor(s, port, "any")) {
    for (const pod of serviceBackends(engine, s)) {
      const target = typeof sp.targetPort === "number" ? sp.targetPort
        : pod.ports.find((p) => p.name === sp.targetPort && p.protocol === "TCP")?.port;
      if (target !== undefined && pod.ports.some((p) => p.port === target)) out.push([pod, target]);
    }
  }
  return out;
}

function tcp(ports: number[]): ConnSet {
  return { ...NO_CONNS, TCP: normalizeIntervals(ports.map((p) => [p, p] as const)) };
}
