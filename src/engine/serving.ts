// Which endpoints serve a backend, and on which port: a Service port's endpoints (the pods its
// selector picks, with the targetPort resolved on each) or a Workload. Pods from the input come
// before the stand-in pods of controller templates, which are used only when a Service has no others.

import type { Endpoint, Service, ServicePort } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { matches, selector } from "../model/selector.js";
import type { ResolvedBackend } from "./gateway/backends.js";
import { resolveTargetPort } from "./query.js";

export interface Serving {
  endpoint: Endpoint;
  /** The port the endpoint receives on. */
  port: number;
  /** e.g. "service port 80 → targetPort 8080". */
  via?: string;
}

const byName = (a: Serving, b: Serving) => a.endpoint.name.localeCompare(b.endpoint.name);

/** The pods a Service selects (none without a selector: their endpoints are not in the input). */
export function selectedPods(inv: Inventory, s: Service): Endpoint[] {
  if (!s.selector) return [];
  const ls = selector(s.selector);
  const pods = inv.endpoints.filter((e) => e.kind === "pod" && e.namespace === s.namespace && matches(ls, e.labels));
  const real = pods.filter((e) => !e.fromTemplate);
  return real.length ? real : pods;
}

/** The endpoints behind a Service port, by name, each with the port it receives on. */
export function serviceEndpoints(inv: Inventory, s: Service, sp: ServicePort): Serving[] {
  const out: Serving[] = [];
  for (const endpoint of selectedPods(inv, s)) {
    const port = resolveTargetPort(sp, endpoint);
    if (port !== undefined) out.push({ endpoint, port, via: `service port ${sp.port} → targetPort ${sp.targetPort}${typeof sp.targetPort === "string" ? ` (${port})` : ""}` });
  }
  return out.sort(byName);
}

/** The endpoints behind a resolved route backend. */
export function backendEndpoints(inv: Inventory, b: ResolvedBackend): Serving[] {
  if (b.service && b.servicePort) return serviceEndpoints(inv, b.service, b.servicePort);
  if (b.workload) return [{ endpoint: b.workload, port: b.ref.port ?? 0 }];
  return [];
}
