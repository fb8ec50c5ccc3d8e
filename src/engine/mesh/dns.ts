// What a pod reaches when it dials a host: names resolve as cluster DNS resolves them for a pod
// (resolv.conf search path NS.svc.DOMAIN, svc.DOMAIN, DOMAIN, with ndots:5), so `echo`, `echo.ns`,
// `echo.ns.svc` and `echo.ns.svc.cluster.local` all name Service echo; `1-2-3-4.ns.pod.DOMAIN` and
// IP literals name an address: a Service's cluster IP (its frontend) or an endpoint (a pod: the
// Service routes are bypassed).

import type { Endpoint, Service } from "../../model/endpoint.js";
import { addressKey, parseAddress, type Address, type AddressKey } from "../../model/ip.js";
import type { InventoryIndex } from "../../model/inventory.js";

export const CLUSTER_DOMAIN = "cluster.local";
/** A Service's fully qualified name, NAME.NS.svc.cluster.local. */
export const serviceHost = (s: { name: string; namespace: string }) => `${s.name}.${s.namespace}.svc.${CLUSTER_DOMAIN}`;
const NDOTS = 5;

export type Dialled =
  | { kind: "service"; service: Service; port: number; how: string }
  | { kind: "endpoint"; endpoint: Endpoint; address: Address; port: number; how: string }
  | { kind: "address"; address: Address; port: number; how: string }
  | { kind: "unresolved"; reason: string };

/** "host:port", "[v6]:port", "host" → name and port (the port written in the host wins over `port`). */
export function splitHostPort(host: string, port: number | undefined): { name: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (v6) return { name: v6[1], port: v6[2] ? Number(v6[2]) : port };
  const m = /^([^:]*):(\d+)$/.exec(host);
  return m ? { name: m[1], port: Number(m[2]) } : { name: host, port };
}

/** The absolute names a pod in `namespace` queries for `name`, in order. */
export function searchList(name: string, namespace: string | undefined, domain = CLUSTER_DOMAIN): string[] {
  const n = name.toLowerCase();
  if (n.endsWith(".")) return [n.slice(0, -1)];
  const search = [...(namespace ? [`${namespace}.svc.${domain}`] : []), `svc.${domain}`, domain].map((s) => `${n}.${s}`);
  const dots = n.split(".").length - 1;
  return dots >= NDOTS ? [n, ...search] : [...search, n];
}

export class ClusterDns {
  private services = new Map<string, Service>();
  private clusterIPs = new Map<AddressKey, Service>();

  constructor(private readonly index: InventoryIndex, readonly domain = CLUSTER_DOMAIN) {
    for (const s of index.inv.services) {
      this.services.set(`${s.namespace}/${s.name}`, s);
      for (const a of s.clusterIPs) this.clusterIPs.set(addressKey(a), s);
    }
  }

  /** What a client in `namespace` reaches when it dials `host` (and `port` unless the host carries one). */
  resolve(host: string, port: number | undefined, namespace: string | undefined): Dialled {
    const hp = splitHostPort(host, port);
    if (hp.port === undefined) return { kind: "unresolved", reason: `no port: write the port in the host (${host}:80) or give "port"` };
    const literal = parseAddress(hp.name);
    if (literal) return this.byAddress(literal, hp.port, `the address ${hp.name}`);
    for (const fqdn of searchList(hp.name, namespace, this.domain)) {
      const hit = this.record(fqdn, hp.port);
      if (hit) return hit;
    }
    return { kind: "unresolved", reason: `${hp.name} does not resolve in the cluster (NXDOMAIN from ${namespace ? `namespace ${namespace}` : "outside the namespaces"}; tried ${searchList(hp.name, namespace, this.domain).join(", ")})` };
  }

  /** The pod, Workload or node holding `address`, if the input has one. */
  endpointAt(address: Address): Endpoint | undefined {
    return this.index.byAddress.get(addressKey(address));
  }

  private byAddress(address: Address, port: number, how: string): Dialled {
    const service = this.clusterIPs.get(addressKey(address));
    if (service) return { kind: "service", service, port, how: `${how} is the cluster IP of Service ${service.namespace}/${service.name}` };
    const endpoint = this.index.byAddress.get(addressKey(address));
    if (endpoint) return { kind: "endpoint", endpoint, address, port, how: `${how} is ${endpoint.kind} ${endpoint.namespace ? `${endpoint.namespace}/` : ""}${endpoint.name}` };
    return { kind: "address", address, port, how: `${how} belongs to nothing in the input` };
  }

  /** An absolute name: SERVICE.NS.svc.DOMAIN or A-B-C-D.NS.pod.DOMAIN. */
  private record(fqdn: string, port: number): Dialled | undefined {
    if (!fqdn.endsWith(`.${this.domain}`)) return undefined;
    const labels = fqdn.slice(0, -this.domain.length - 1).split(".");
    if (labels.length === 3 && labels[2] === "svc") {
      const service = this.services.get(`${labels[1]}/${labels[0]}`);
      return service ? { kind: "service", service, port, how: `${fqdn} names Service ${labels[1]}/${labels[0]}` } : undefined;
    }
    if (labels.length === 3 && labels[2] === "pod") {
      // IPv4 pod records: the address with dashes (1-2-3-4.ns.pod.cluster.local).
      const address = parseAddress(labels[0].replaceAll("-", "."));
      return address ? this.byAddress(address, port, fqdn) : undefined;
    }
    return undefined;
  }
}
