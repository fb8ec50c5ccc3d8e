// Which endpoints serve a request the walk forwards, and on which port: a Service port's ready
// endpoints (model/service-endpoints.ts: its EndpointSlices, else the pods its selector picks) or a
// Workload. Pods from the input come before the stand-in pods of controller templates.

import type { Endpoint, Service, ServicePort } from "../model/endpoint.js";
import { endpointName } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { formatAddress, parseAddress, type Address } from "../model/ip.js";
import { serviceEndpoints, type ServiceEndpoints } from "../model/service-endpoints.js";
import type { ResolvedBackend } from "./gateway/backends.js";

export interface Serving {
  /** The pod (or Workload) behind the address, when the input holds it. */
  endpoint?: Endpoint;
  address?: Address;
  /** The port the endpoint receives on. */
  port: number;
  /** e.g. "service port 80 → targetPort http (8080)". */
  via?: string;
}

export interface ServingSet {
  /** false: the input says nothing about the endpoints (they are assumed to exist and serve). */
  known: boolean;
  /** The ready endpoints, pods of the input first, then by name. */
  serving: Serving[];
  note: string;
}

export const servingName = (s: Serving): string => (s.endpoint ? endpointName(s.endpoint) : s.address ? formatAddress(s.address) : "?");

const rank = (s: Serving) => (s.endpoint && !s.endpoint.fromTemplate ? 0 : s.endpoint ? 1 : 2);
const order = (a: Serving, b: Serving) => rank(a) - rank(b) || servingName(a).localeCompare(servingName(b));

function servingSet(e: ServiceEndpoints, sp: ServicePort, port?: number): ServingSet {
  const via = (p: number) => `service port ${sp.port} → targetPort ${sp.targetPort}${typeof sp.targetPort === "string" ? ` (${p})` : ""}`;
  const serving = e.endpoints.filter((x) => x.ready).map((x): Serving => ({
    endpoint: x.pod, address: x.address !== undefined ? parseAddress(x.address) : x.pod?.addresses[0],
    port: port ?? x.port, via: port === undefined ? via(x.port) : undefined,
  }));
  return { known: e.from !== "unknown", serving: serving.sort(order), note: e.note };
}

/** The ready endpoints behind a Service port; `port` overrides their port (a headless Service: the client dials the pod's port). */
export function serviceServing(inv: Inventory, s: Service, sp: ServicePort, port?: number): ServingSet {
  return servingSet(serviceEndpoints(inv, s, sp), sp, port);
}

/** The ready endpoints behind a resolved route backend. */
export function backendServing(inv: Inventory, b: ResolvedBackend): ServingSet {
  if (b.service && b.servicePort) return servingSet(b.endpoints ?? serviceEndpoints(inv, b.service, b.servicePort), b.servicePort);
  if (b.workload) return { known: true, serving: [{ endpoint: b.workload, address: b.workload.addresses[0], port: b.ref.port ?? 0 }], note: `Workload ${b.name}` };
  return { known: false, serving: [], note: `${b.name} is not a Service or Workload` };
}
