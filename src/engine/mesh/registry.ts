// Istio's service registry as a sidecar sees it: the Services of the cluster and the ServiceEntries
// exported to the sidecar's namespace (networking.istio.io ServiceEntry), and the sidecar's
// outboundTrafficPolicy, which decides what it does with a connection to anything else: ALLOW_ANY
// (the default) passes it through, REGISTRY_ONLY sends it to the BlackHoleCluster (pilot/pkg/
// networking/core/listener_builder.go buildOutboundCatchAllNetworkFiltersOnly: a TCP proxy to
// BlackHoleCluster, the connection is reset) or, on a port where the sidecar has an HTTP listener,
// answers 502 (httproute.go: the `block_all` virtual host's direct response).

import type { Endpoint } from "../../model/endpoint.js";
import { contains, type Address } from "../../model/ip.js";
import type { Inventory } from "../../model/inventory.js";
import { istioSettingsOf, type IstioOutboundMode, type IstioServiceEntry, type IstioSidecar, type MeshModel } from "../../model/mesh.js";
import { speaksHttp, type RouteRequest } from "../../model/request.js";
import { compareCreated } from "../../model/time.js";
import { istioPortProtocol } from "../l7/istio.js";
import { subsetOf } from "../l7/transport.js";

export interface OutboundPolicy { mode: IstioOutboundMode; why: string }

const byAge = (a: IstioSidecar, b: IstioSidecar) => compareCreated(a.created, b.created, "oldest") || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The outboundTrafficPolicy of a pod's Istio sidecar: the Sidecar that configures it (pilot/pkg/model/
 * push_context.go doGetSidecarScope: of its namespace's Sidecars, the oldest whose workloadSelector
 * its labels match, else the oldest without one; else the root namespace's Sidecar without a
 * workloadSelector), when it sets one (sidecar.go convertToSidecarScope), else meshConfig's (its
 * revision's ConfigMap), else ALLOW_ANY (mesh.DefaultMeshConfig).
 */
export function istioOutboundPolicy(mesh: MeshModel, pod: Endpoint): OutboundPolicy {
  const settings = istioSettingsOf(mesh, pod);
  const own = mesh.istio.sidecars.filter((s) => s.namespace === pod.namespace).sort(byAge);
  const sidecar = own.find((s) => s.workloadSelector && subsetOf(s.workloadSelector, pod.labels)) ?? own.find((s) => !s.workloadSelector)
    ?? mesh.istio.sidecars.filter((s) => s.namespace === settings.istioRootNamespace && !s.workloadSelector).sort(byAge)[0];
  if (sidecar?.outboundTrafficPolicy) return { mode: sidecar.outboundTrafficPolicy, why: `Sidecar ${sidecar.namespace}/${sidecar.name} sets outboundTrafficPolicy ${sidecar.outboundTrafficPolicy}` };
  const meshMode = settings.istioOutboundTrafficPolicy;
  if (meshMode) return { mode: meshMode, why: `meshConfig outboundTrafficPolicy ${meshMode}${sidecar ? ` (Sidecar ${sidecar.namespace}/${sidecar.name} sets none)` : ""}` };
  return { mode: "ALLOW_ANY", why: "Istio's default outboundTrafficPolicy, ALLOW_ANY" };
}

/**
 * Whether a ServiceEntry is in the registry of `namespace` (pilot/pkg/model/push_context.go
 * initServiceRegistry: exportTo `*`, the default, is public; else `~` hides it from every namespace;
 * else the namespaces listed, `.` standing for its own). Unlike a DestinationRule (l7/transport.ts),
 * it is not visible in its own namespace unless exported there.
 */
export function exportedTo(e: { namespace: string; exportTo?: readonly string[] }, namespace: string): boolean {
  const to = e.exportTo ?? ["*"];
  if (to.includes("*")) return true;
  if (to.includes("~")) return false;
  return to.includes(namespace) || (to.includes(".") && e.namespace === namespace);
}

/** Whether a ServiceEntry host (an FQDN or a `*.` wildcard) covers `name`. */
export function hostCovers(host: string, name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, "");
  return host === n || (host.startsWith("*.") && n.endsWith(host.slice(1)));
}

const HTTP_PROTOCOLS = ["HTTP", "HTTP2", "GRPC", "GRPC-WEB"];
const TLS_PROTOCOLS = ["TLS", "HTTPS"];

/** The host name a request carries for a sidecar's filter chains: its Host header, or its SNI for TLS. */
const nameOf = (req: RouteRequest): string | undefined => (req.scheme === "https" || req.scheme === "tls" ? req.sni ?? req.host : req.host)?.replace(/:\d+$/, "");

export interface RegistryHit { entry: IstioServiceEntry; how: string }

/**
 * The ServiceEntry exported to `namespace` that takes a connection to `address`:`port` (pilot builds
 * an outbound listener ADDRESS:PORT for each address of an entry's `addresses`, and 0.0.0.0:PORT for
 * an entry without them: its TCP ports take any address at that port, its HTTP ports the requests
 * whose Host is one of its hosts, its TLS ports the connections whose SNI is; a port of no declared
 * protocol is sniffed, its HTTP requests read as on an HTTP port). `req` is what is sent.
 */
export function serviceEntryAt(mesh: MeshModel, namespace: string, address: Address, port: number, req: RouteRequest): RegistryHit | undefined {
  const name = nameOf(req);
  const named = (e: IstioServiceEntry) => name !== undefined && e.hosts.some((h) => hostCovers(h, name));
  for (const entry of mesh.istio.serviceEntries) {
    const p = entry.ports.find((x) => x.number === port);
    if (!p || !exportedTo(entry, namespace)) continue;
    const at = `ServiceEntry ${entry.namespace}/${entry.name} port ${port}`;
    if (entry.addresses.length) {
      const cidr = entry.addresses.find((c) => contains(c, address));
      if (cidr) return { entry, how: `${at}: its addresses hold ${cidr.text}` };
      continue;
    }
    const protocol = p.protocol ?? "";
    if (HTTP_PROTOCOLS.includes(protocol) || (protocol === "" && speaksHttp(req))) {
      if (speaksHttp(req) && named(entry)) return { entry, how: `${at} (no addresses: any address at that port): the Host ${name} is one of its hosts` };
    } else if (TLS_PROTOCOLS.includes(protocol)) {
      if (named(entry)) return { entry, how: `${at} (no addresses): the SNI ${name} is one of its hosts` };
    } else return { entry, how: `${at} (no addresses, protocol ${protocol || "sniffed"}: its listener 0.0.0.0:${port} takes any address at that port)` };
  }
  return undefined;
}

/** The ServiceEntry exported to `namespace` whose hosts name `name` and that declares `port`. */
export function serviceEntryNamed(mesh: MeshModel, namespace: string, name: string, port: number): IstioServiceEntry | undefined {
  return mesh.istio.serviceEntries.find((e) => exportedTo(e, namespace) && e.ports.some((p) => p.number === port) && e.hosts.some((h) => hostCovers(h, name)));
}

/**
 * Whether an Istio sidecar has an HTTP listener at `port` (0.0.0.0:PORT for the Services' ports of
 * HTTP or of no declared protocol, sniffed, and ServiceEntries' HTTP ports): a REGISTRY_ONLY sidecar
 * answers an HTTP request there 502 (the `block_all` virtual host) rather than resetting it.
 */
export function istioHttpListenerAt(inv: Inventory, port: number): boolean {
  return inv.services.some((s) => !s.headless && s.ports.some((p) => p.port === port && p.protocol === "TCP" && istioPortProtocol(p) !== "tcp"))
    || inv.mesh.istio.serviceEntries.some((e) => e.ports.some((p) => p.number === port && HTTP_PROTOCOLS.includes(p.protocol ?? "")));
}
