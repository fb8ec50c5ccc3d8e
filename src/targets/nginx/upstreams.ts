// Backends as nginx upstream groups: every backendRef resolved to the endpoints the engine resolves
// (a Service port's endpoints as the Gateway's data plane picks them, a Workload's address), and a rule's weighted split as one group
// whose server weights keep the split exact (each Service's weight shared among its endpoints).

import { failureOf, type ResolvedBackend } from "../../engine/gateway/backends.js";
import type { Service, ServicePort } from "../../model/endpoint.js";
import { formatAddress } from "../../model/ip.js";
import { chooseEndpoints, type EndpointReader } from "../../model/service-endpoints.js";
import { block, dir, type Directive } from "./conf.js";
import { NginxUnsupported } from "./problems.js";

export interface Target { address: string; port: number }

/**
 * Whose choice of a Service's endpoints the configuration writes down: the Gateway's data plane
 * (engine/gateway/backends.ts gatewayEndpointReader: Envoy Gateway's reading, with its panic mode, else
 * a proxy's ready endpoints) and, for Envoy Gateway, the rule's healthCheck.panicThreshold.
 */
export interface EndpointPick { reader: EndpointReader; panicThreshold?: number }

export const PROXY_PICK: EndpointPick = { reader: "proxy" };

/** Addresses for a Service port whose endpoints the input does not hold (the lab's echo backends). */
export type ServiceAddresses = (service: Service, port: ServicePort, backend: ResolvedBackend) => Target[] | undefined;

/** A backend as nginx sees it: endpoints to send to, or the status its requests get. */
export type Destination = { targets: Target[]; backend: ResolvedBackend } | { status: number; backend: ResolvedBackend };

/** The endpoints of a destination (none when its requests get a status). */
export const targetsOf = (d: Destination): Target[] => ("targets" in d ? d.targets : []);

const hostPort = (t: Target) => `${t.address.includes(":") ? `[${t.address}]` : t.address}:${t.port}`;

/**
 * The endpoints of a Service port the Gateway's data plane sends to, as the engine chooses them
 * (chooseEndpoints: a proxy's ready ones; Envoy Gateway's healthy ones, or under Envoy's panic mode
 * every endpoint, draining ones included: the configuration is written for the endpoints of the
 * input, so nginx sends where Envoy does); when the input does not give their addresses (no
 * EndpointSlices and no pods, or pods from a template), the addresses the caller knows, else the clusterIP.
 */
function serviceTargets(b: ResolvedBackend, addresses: ServiceAddresses | undefined, pick: EndpointPick): Target[] {
  const e = b.endpoints!, svc = b.service!, sp = b.servicePort!;
  const ready = chooseEndpoints(e, pick.reader, undefined, pick.panicThreshold).chosen;
  if (e.from !== "unknown" && ready.every((x) => x.address !== undefined)) return ready.map((x) => ({ address: x.address!, port: x.port }));
  const given = addresses?.(svc, sp, b);
  if (given?.length) return given;
  if (svc.clusterIPs.length) return svc.clusterIPs.map((a) => ({ address: formatAddress(a), port: sp.port }));
  const why = e.from === "unknown" ? "the input holds no endpoints of it (EndpointSlices, or pods its selector picks)" : "its pods have no address in the input";
  throw new NginxUnsupported("a Service without endpoint addresses", `Service ${b.name}: ${why}, and it has no clusterIP to send to`);
}

function workloadTargets(b: ResolvedBackend): Target[] {
  const w = b.workload!;
  const port = b.ref.port ?? (w.ports.length === 1 ? w.ports[0].port : undefined);
  if (port === undefined) throw new NginxUnsupported("a Workload backend without a port", `backendRef ${b.name} names no port and the Workload declares ${w.ports.length} ports`);
  if (!w.addresses.length) throw new NginxUnsupported("a Workload without an address", `Workload ${b.name} has no address`);
  return w.addresses.map((a) => ({ address: formatAddress(a), port }));
}

/** Where requests for the backend go: its endpoints, or the status the engine says they get (`pick`: whose endpoint choice). */
export function destination(b: ResolvedBackend, addresses?: ServiceAddresses, pick: EndpointPick = PROXY_PICK): Destination {
  if (b.problem) return { status: 500, backend: b };
  // The Gateway originates TLS to a backend with a BackendTLSPolicy: an invalid policy fails its requests too.
  const failure = failureOf(b, b.tlsPolicy !== undefined, pick.reader, pick.panicThreshold);
  if (failure) return { status: failure.status, backend: b };
  if (b.service?.type === "ExternalName") throw new NginxUnsupported("an ExternalName Service", `Service ${b.name} is resolved by DNS at run time; the configuration would depend on what resolves when nginx starts`);
  const targets = b.workload ? workloadTargets(b) : serviceTargets(b, addresses, pick);
  return { targets, backend: b };
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;
const safeName = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_");

/** The upstream groups of one block (http or stream), each written once. */
export class Upstreams {
  private readonly groups = new Map<string, { name: string; servers: string[] }>();

  /**
   * The group for weighted destinations that all have targets: a Service of weight w with n endpoints
   * gives each endpoint w·L/n (L the least common multiple of the n), so the shares are exact.
   */
  group(parts: readonly { targets: Target[]; weight: number; name: string }[]): string {
    const live = parts.filter((p) => p.weight > 0);
    const l = live.reduce((acc, p) => lcm(acc, p.targets.length), 1);
    const weights = live.map((p) => (p.weight * l) / p.targets.length);
    const common = weights.reduce(gcd, 0);
    const servers = live.flatMap((p, i) => p.targets.map((t) => `${hostPort(t)}${live.length > 1 ? ` weight=${weights[i] / common}` : ""}`));
    const key = servers.join(" ");
    const found = this.groups.get(key);
    if (found) return found.name;
    const base = safeName(live.map((p) => p.name).join("+"));
    let name = base;
    for (let i = 2; [...this.groups.values()].some((g) => g.name === name); i++) name = `${base}~${i}`;
    this.groups.set(key, { name, servers });
    return name;
  }

  directives(): Directive[] {
    // max_fails=0: an endpoint that fails once is not taken out of the split for a while.
    return [...this.groups.values()].map((g) => block("upstream", [g.name], g.servers.map((s) => dir("server", ...s.split(" "), "max_fails=0"))));
  }
}

/** "ns_name_port" naming a Service port (or a Workload) in upstream names. */
export function backendLabel(b: ResolvedBackend): string {
  return `${b.ref.namespace}_${b.ref.name}${b.ref.port === undefined ? "" : `_${b.ref.port}`}`;
}
