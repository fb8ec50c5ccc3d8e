// Which endpoints serve a request the walk forwards, and on which port: a Service port's endpoints
// as the one picking them chooses (model/service-endpoints.ts chooseEndpoints: a proxy's ready ones,
// kube-proxy's fallback to terminating ones; its EndpointSlices, else the pods its selector picks) or
// a Workload. Pods from the input come before the stand-in pods of controller templates.

import type { Endpoint, Service, ServicePort } from "../model/endpoint.js";
import { endpointName } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { formatAddress, parseAddress, type Address } from "../model/ip.js";
import { chooseEndpoints, serviceEndpoints, type EndpointReader, type ServiceEndpoints } from "../model/service-endpoints.js";
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
  /** The endpoints chosen, pods of the input first, then by name. */
  serving: Serving[];
  note: string;
  /** How they were chosen, when more than readiness chose them (kube-proxy's terminating fallback, internalTrafficPolicy Local). */
  choice?: string;
}

/** Who picks the endpoint (EndpointReader) and, for internalTrafficPolicy Local, the client whose node counts. */
export interface ServingFor {
  reader: EndpointReader;
  client?: Endpoint;
  /** externalTrafficPolicy Local: the node that received the connection, whose endpoints alone serve it (engine/kube-proxy.ts). */
  externalLocal?: { node: string };
}

export const servingName = (s: Serving): string => (s.endpoint ? endpointName(s.endpoint) : s.address ? formatAddress(s.address) : "?");

const rank = (s: Serving) => (s.endpoint && !s.endpoint.fromTemplate ? 0 : s.endpoint ? 1 : 2);
const order = (a: Serving, b: Serving) => rank(a) - rank(b) || servingName(a).localeCompare(servingName(b));

function servingSet(e: ServiceEndpoints, s: Service, sp: ServicePort, by: ServingFor, port?: number): ServingSet {
  const via = (p: number) => `service port ${sp.port} → targetPort ${sp.targetPort}${typeof sp.targetPort === "string" ? ` (${p})` : ""}`;
  const local = by.externalLocal ? { node: by.externalLocal.node, policy: "externalTrafficPolicy" }
    : s.internalTrafficPolicy === "Local" && by.client?.kind === "pod" ? { node: by.client.nodeName } : undefined;
  if (e.from === "unknown") return { known: false, serving: [], note: e.note };
  const choice = chooseEndpoints(e, by.reader, local);
  const serving = choice.chosen.map((x): Serving => ({
    endpoint: x.pod, address: x.address !== undefined ? parseAddress(x.address) : x.pod?.addresses[0],
    port: port ?? x.port, via: port === undefined ? via(x.port) : undefined,
  }));
  return { known: true, serving: serving.sort(order), note: `${e.note}: ${choice.why}${choice.others}`, ...(choice.notable ? { choice: choice.why } : {}) };
}

/** The endpoints `by` chooses behind a Service port; `port` overrides their port (a headless Service: the client dials the pod's port). */
export function serviceServing(inv: Inventory, s: Service, sp: ServicePort, by: ServingFor, port?: number): ServingSet {
  return servingSet(serviceEndpoints(inv, s, sp), s, sp, by, port);
}

/** The endpoints `by` chooses behind a resolved route backend. */
export function backendServing(inv: Inventory, b: ResolvedBackend, by: ServingFor): ServingSet {
  if (b.service && b.servicePort) return servingSet(b.endpoints ?? serviceEndpoints(inv, b.service, b.servicePort), b.service, b.servicePort, by);
  if (b.workload) return { known: true, serving: [{ endpoint: b.workload, address: b.workload.addresses[0], port: b.ref.port ?? 0 }], note: `Workload ${b.name}` };
  return { known: false, serving: [], note: `${b.name} is not a Service or Workload` };
}
