// np-guard's `{ingress-controller}` pseudo-source for the connection list: the TCP ports an ingress
// controller opens to workloads because Ingress or OpenShift Route objects send traffic there,
// intersected with what the policies allow from a controller pod. np-guard's rules:
// - each backend (Ingress rules and defaultBackend; Route `to` and `alternateBackends`) names a
//   Service of its own namespace that has a selector; its port is matched by name, number or
//   targetPort (a Route without port: every Service port);
// - the Service port's targetPort (its port when unset; a name resolves to a TCP container port)
//   counts only if the workload declares it as a containerPort (of any protocol), or is a KubeVirt
//   VM that declares no ports (every port reaches the guest);
// - the controller is a pod without labels in namespace `ingress-controller-ns`; Junction uses the
//   controller pods of the input instead when it has them, as `junction exposure` does.

import { isVirtualMachine, type Endpoint, type Service } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { INGRESS_CONTROLLER_ID } from "../engine/endpoints.js";
import { ingressControllerSource, routerSource, type HopSource } from "./exposure-hops.js";
import type { GroupBy } from "../model/owners.js";
import { ingressBackends } from "../model/ingress.js";
import { normalizeIntervals, NO_CONNS, type ConnSet } from "../model/ports.js";
import { findService, servicePortsFor } from "../model/services.js";
import type { Party } from "../engine/match.js";
import { serviceBackends } from "../engine/query.js";
import type { PolicyEngine } from "../engine/verdict.js";
import { workloadPeers, type ConnEntry, type ListPeer } from "./connlist.js";

export { INGRESS_CONTROLLER_ID, INGRESS_CONTROLLER_NAMESPACE, ingressControllerParty } from "../engine/endpoints.js";

export interface IngressControllerList {
  entries: ConnEntry[];
  /** Workloads an Ingress or Route reaches on these ports, which the policies do not allow from the controller. */
  blocked: { workload: string; ports: number[]; from: string }[];
}

/**
 * The `{ingress-controller} => workload : TCP ports` entries, and the workloads the policies cut off.
 * The controller is modelled as `junction exposure` models it: the controller pods of the input (the
 * OpenShift router's for Routes), else np-guard's stand-in pod.
 */
export function ingressControllerEntries(inv: Inventory, engine: PolicyEngine, groupBy: GroupBy = "workload"): IngressControllerList {
  // Without Ingress or Route objects there is nothing to find (and no controller pods to look for among 100k pods).
  const reached = [...(inv.ingress.ingresses.length ? reachedPorts(inv, engine, "ingress", ingressControllerSource(inv)) : []), ...(inv.ingress.routes.length ? reachedPorts(inv, engine, "route", routerSource(inv)) : [])];
  if (!reached.length) return { entries: [], blocked: [] };
  const src: ListPeer = { id: INGRESS_CONTROLLER_ID, kind: "ingress-controller", name: INGRESS_CONTROLLER_ID, type: "IngressController", parties: [...new Set(reached.map((r) => r.from))].flatMap((h) => h.parties) };
  const out: IngressControllerList = { entries: [], blocked: [] };
  for (const dst of workloadPeers(inv, groupBy)) {
    const pods = new Set(dst.parties.map((p) => p.endpoint!));
    const hits = reached.filter((r) => pods.has(r.pod));
    if (!hits.length) continue;
    const ports = [...new Set(hits.map((r) => r.port))].sort((a, b) => a - b);
    const allowed = ports.filter((port) => hits.some((r) => r.port === port &&
      r.from.parties.some((s) => engine.evaluate({ src: s, dst: { endpoint: r.pod }, protocol: "TCP", port }).allowed)));
    if (allowed.length) out.entries.push({ src, dst, conns: tcp(allowed) });
    const denied = ports.filter((p) => !allowed.includes(p));
    if (denied.length) out.blocked.push({ workload: dst.id, ports: denied, from: [...new Set(hits.filter((r) => denied.includes(r.port)).map((r) => r.from.description))].join("; ") });
  }
  out.entries.sort((a, b) => (a.dst.id < b.dst.id ? -1 : a.dst.id > b.dst.id ? 1 : 0));
  return out;
}

interface Reached { pod: Endpoint; port: number; from: HopSource }

/** The (pod, TCP port) pairs that Ingress (or Route) backends reach, with the controller that connects. */
function reachedPorts(inv: Inventory, engine: PolicyEngine, which: "ingress" | "route", from: HopSource): Reached[] {
  const out: Reached[] = [];
  const add = (namespace: string, service: string, port: number | string | undefined) => {
    const s = findService(inv, namespace, service);
    if (s) for (const [pod, p] of podPorts(engine, s, port)) out.push({ pod, port: p, from });
  };
  if (which === "ingress") {
    for (const ing of inv.ingress.ingresses) {
      for (const { backend } of ingressBackends(ing)) if (backend.kind === "service") add(ing.namespace, backend.name, backend.port);
    }
  } else for (const r of inv.ingress.routes) for (const b of r.backends) add(r.namespace, b.name, r.targetPort);
  return out;
}

function podPorts(engine: PolicyEngine, s: Service, port: number | string | undefined): [Endpoint, number][] {
  const out: [Endpoint, number][] = [];
  for (const sp of servicePortsFor(s, port, "any")) {
    for (const pod of serviceBackends(engine, s)) {
      const target = typeof sp.targetPort === "number" ? sp.targetPort
        : pod.ports.find((p) => p.name === sp.targetPort && p.protocol === "TCP")?.port;
      if (target !== undefined && (pod.ports.some((p) => p.port === target) || forwardsEveryPort(pod))) out.push([pod, target]);
    }
  }
  return out;
}

/** A KubeVirt VM whose interfaces declare no ports forwards every port to the guest (masquerade binding). */
function forwardsEveryPort(pod: Endpoint): boolean {
  return isVirtualMachine(pod) && pod.ports.length === 0;
}

function tcp(ports: number[]): ConnSet {
  return { ...NO_CONNS, TCP: normalizeIntervals(ports.map((p) => [p, p] as const)) };
}
