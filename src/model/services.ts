// Which Service and Service port an Ingress or Route backend names (engine/query.ts resolves
// Service ports to the pods and target ports behind them), and which Service port a client names.

import type { Service, ServicePort } from "./endpoint.js";
import type { Inventory } from "./inventory.js";
import type { Protocol } from "./ports.js";

export function findService(inv: Inventory, namespace: string, name: string): Service | undefined {
  return inv.services.find((s) => s.namespace === namespace && s.name === name);
}

/**
 * The Service ports a backend names.
 * - "service-port" (Kubernetes Ingress): a number is the Service port, a name the Service port's name.
 * - "any" (OpenShift Route targetPort, and np-guard for both kinds): the port's name, number or
 *   targetPort, whichever matches first; undefined names every port.
 */
export function servicePortsFor(s: Service, port: number | string | undefined, match: "service-port" | "any"): ServicePort[] {
  if (port === undefined) return match === "any" ? [...s.ports] : [];
  const hit = match === "service-port"
    ? servicePortAt(s, port)
    : s.ports.find((p) => (p.name !== undefined && p.name === port) || p.port === port || p.targetPort === port);
  return hit ? [hit] : [];
}

/** The Service port a client names: a number is the port, a name the port's name; `protocol`, when given, must be the port's too. */
export function servicePortAt(s: Service, port: number | string, protocol?: Protocol): ServicePort | undefined {
  return s.ports.find((p) => (typeof port === "number" ? p.port === port : p.name === port) && (!protocol || p.protocol === protocol));
}
