// Resolving a route's backendRefs: a core Service (with the port it names) or a junction.dev
// Workload (a VM or host), allowed across namespaces only by a ReferenceGrant. Reasons are the
// upstream ones: InvalidKind, RefNotPermitted, BackendNotFound, UnsupportedProtocol.

import type { Endpoint, Service, ServicePort } from "../../model/endpoint.js";
import type { BackendTlsPolicy } from "../../model/gateway.js";
import type { Inventory } from "../../model/inventory.js";
import type { IstioServiceEntry } from "../../model/mesh.js";
import type { Protocol } from "../../model/ports.js";
import { CORE_GROUP, type BackendRef } from "../../model/route.js";
import { chooseEndpoints, hasNoReadyEndpoint, serviceEndpoints, servingWorkload, type EndpointReader, type ServiceEndpoints, type SlicePortReading } from "../../model/service-endpoints.js";
import type { Problem } from "./conditions.js";
import { backendTlsFailure } from "./backend-handshake.js";
import { BackendTlsIndex } from "./backendtls.js";
import { notPermittedMessage, permitted, type Referrer } from "./grants.js";

export const JUNCTION_GROUP = "junction.dev";
const KNOWN_APP_PROTOCOLS = ["kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss"];

export interface ResolvedBackend {
  ref: BackendRef;
  /** "namespace/name" of the target. */
  name: string;
  problem?: Problem;
  service?: Service;
  servicePort?: ServicePort;
  workload?: Endpoint;
  /** An Istio `Hostname` backend naming a ServiceEntry's host (mesh routes only: mesh/engine.ts hostnameBackend); its destination is the entry's. */
  serviceEntry?: IstioServiceEntry;
  /** An Istio route destination's DestinationRule subset (mesh/virtualservice.ts destinationBackend): its own trafficPolicy may set the hop's TLS. */
  istioSubset?: string;
  /** TLS from the Gateway to this backend (BackendTLSPolicy), if any. */
  tlsPolicy?: BackendTlsPolicy;
  /** A Service port's endpoints. */
  endpoints?: ServiceEndpoints;
  /** The reference resolves, but requests sent to it fail with this status (e.g. 503: no ready endpoint). */
  failure?: BackendFailure;
  /** Requests fail when the Gateway originates TLS to it (BackendTLSPolicy: invalid CA reference, failed validation). */
  tlsFailure?: BackendFailure;
  /** `failure` as another reader than a proxy finds it (failureOf), worked out once per reader and panic threshold (null: none). */
  readerFailures?: Map<string, BackendFailure | null>;
}

/**
 * How requests to the backend fail, if they do; `originatesTls`: the Gateway speaks TLS to it (HTTP,
 * gRPC, terminated TLSRoutes); `reader`: who picks its endpoints (gatewayEndpointReader; `failure` is
 * a "proxy"'s); `panicThreshold`: Envoy's for an "envoy-gateway" reader (chooseEndpoints).
 */
export function failureOf(b: ResolvedBackend, originatesTls: boolean, reader: EndpointReader = "proxy", panicThreshold?: number): BackendFailure | undefined {
  const failure = reader !== "proxy" && b.endpoints && b.servicePort ? readerFailure(b, b.servicePort, b.endpoints, reader, panicThreshold) : b.failure;
  return failure ?? (originatesTls ? b.tlsFailure : undefined);
}

/** noEndpointFailure for `reader`, kept on the backend (a Gateway asks it for every request it routes there). */
function readerFailure(b: ResolvedBackend, sp: ServicePort, e: ServiceEndpoints, reader: EndpointReader, panicThreshold?: number): BackendFailure | undefined {
  const memo = (b.readerFailures ??= new Map());
  const key = panicThreshold === undefined ? reader : `${reader} ${panicThreshold}`;
  let f = memo.get(key);
  if (f === undefined) memo.set(key, f = noEndpointFailure(b.name, sp, e, reader, panicThreshold) ?? null);
  return f ?? undefined;
}

/** Who picks a Gateway's backend endpoints, by its GatewayClass's controllerName: Envoy Gateway's own reading, else a proxy's (ready only). */
export function gatewayEndpointReader(envoyGateway: boolean): EndpointReader {
  return envoyGateway ? "envoy-gateway" : "proxy";
}

/** "When a HTTPBackendRef refers to a Service that has no ready endpoints, implementations SHOULD return a 503" (HTTPRoute spec): when the reader finds none. */
function noEndpointFailure(name: string, sp: ServicePort, e: ServiceEndpoints, reader: EndpointReader, panicThreshold?: number): BackendFailure | undefined {
  return hasNoReadyEndpoint(e, reader, panicThreshold) ? { status: 503, message: `Service ${name} port ${sp.port} has no ready endpoint (${e.note}${chooseEndpoints(e, reader, undefined, panicThreshold).others})`, noEndpoint: true } : undefined;
}

/** `noEndpoint`: the backend has no ready endpoint (the status is the Gateway API's 503; a Linkerd client's proxy answers otherwise: http.ts). */
export interface BackendFailure { status: number; message: string; noEndpoint?: true }

/** What serves a backend's requests: the one workload behind a Service's ready endpoints, else the backend itself. */
export function servedBy(b: ResolvedBackend): string {
  return (b.endpoints && servingWorkload(b.endpoints)) ?? b.name;
}

export class BackendIndex {
  private services = new Map<string, Service>();
  private workloads = new Map<string, Endpoint>();

  constructor(private readonly inv: Inventory, private readonly tls = new BackendTlsIndex(inv)) {
    for (const s of inv.services) this.services.set(`${s.namespace}/${s.name}`, s);
    for (const e of inv.endpoints) if (e.kind === "workload") this.workloads.set(`${e.namespace}/${e.name}`, e);
  }

  /**
   * `needsGrant` false: mesh routes, which reach other namespaces without a ReferenceGrant (GEP-1294).
   * `reading`: whose reading of the EndpointSlices' ports gives a Service port's endpoints (ingress-nginx's for a route lowered from an Ingress).
   */
  resolve(from: Referrer, ref: BackendRef, needsGrant = true, reading: SlicePortReading = "kube-proxy"): ResolvedBackend {
    const name = `${ref.namespace}/${ref.name}`;
    const fail = (reason: string, message: string): ResolvedBackend => ({ ref, name, problem: { reason, message } });
    const isService = ref.group === CORE_GROUP && ref.kind === "Service";
    const isWorkload = ref.group === JUNCTION_GROUP && ref.kind === "Workload";
    if (!isService && !isWorkload) return fail("InvalidKind", `backendRef ${name} has kind ${ref.group ? `${ref.group}/` : ""}${ref.kind}; supported: Service, junction.dev/Workload`);
    const target = { group: ref.group, kind: ref.kind, namespace: ref.namespace, name: ref.name };
    if (needsGrant && !permitted(this.inv.routing.referenceGrants, from, target)) return fail("RefNotPermitted", notPermittedMessage(from, target));
    return isService ? this.service(ref, name, from.kind === "UDPRoute" ? "UDP" : "TCP", fail, reading) : this.workload(ref, name, fail);
  }

  /** A Service port of the transport the route carries (a UDPRoute needs a UDP port, every other route a TCP one). */
  private service(ref: BackendRef, name: string, protocol: Protocol, fail: (r: string, m: string) => ResolvedBackend, reading: SlicePortReading): ResolvedBackend {
    const service = this.services.get(name);
    if (!service) return fail("BackendNotFound", `Service ${name} not found`);
    const servicePort = service.ports.find((p) => p.port === ref.port && p.protocol === protocol);
    const other = service.ports.find((p) => p.port === ref.port);
    if (!servicePort) return fail("BackendNotFound", `Service ${name} has no ${other ? `${protocol} ` : ""}port ${ref.port}${other ? ` (port ${ref.port} is ${other.protocol} only)` : ""}`);
    const app = servicePort.appProtocol;
    if (app?.startsWith("kubernetes.io/") && !KNOWN_APP_PROTOCOLS.includes(app)) return fail("UnsupportedProtocol", `Service ${name} port ${ref.port} has unsupported appProtocol ${app}`);
    const tls = this.tls.forPort(service.namespace, service.name, servicePort);
    const endpoints = serviceEndpoints(this.inv, service, servicePort, reading);
    // A proxy's reading (failureOf reads again for Envoy Gateway).
    const failure = noEndpointFailure(name, servicePort, endpoints, "proxy");
    const tlsFailure = tls && backendTlsFailure(this.inv.routing, tls, endpoints);
    return { ref, name, service, servicePort, tlsPolicy: tls?.policy, endpoints, failure, tlsFailure };
  }

  private workload(ref: BackendRef, name: string, fail: (r: string, m: string) => ResolvedBackend): ResolvedBackend {
    const workload = this.workloads.get(name);
    if (!workload) return fail("BackendNotFound", `Workload ${name} not found`);
    if (ref.port !== undefined && workload.ports.length && !workload.ports.some((p) => p.port === ref.port)) {
      return fail("BackendNotFound", `Workload ${name} does not declare port ${ref.port}`);
    }
    return { ref, name, workload };
  }
}
