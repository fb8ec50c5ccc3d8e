// Istio's service registry as a sidecar sees it: the Services of the cluster and the ServiceEntries
// exported to the sidecar's namespace (networking.istio.io ServiceEntry), and the sidecar's
// outboundTrafficPolicy, which decides what it does with a connection to anything else: ALLOW_ANY
// (the default) passes it through, REGISTRY_ONLY sends it to the BlackHoleCluster (pilot/pkg/
// networking/core/listener_builder.go buildOutboundCatchAllNetworkFiltersOnly: a TCP proxy to
// BlackHoleCluster, the connection is reset) or, on a port where the sidecar has an HTTP listener,
// answers 502 (httproute.go: the `block_all` virtual host's direct response).

import type { Endpoint, Service, ServicePort } from "../../model/endpoint.js";
import { istioHostSubsetOf } from "../../model/hostname.js";
import { contains, parseAddress, type Address, type Cidr } from "../../model/ip.js";
import type { Inventory } from "../../model/inventory.js";
import { istioSettingsOf, type IstioEgressHost, type IstioEgressListener, type IstioOutboundMode, type IstioServiceEntry, type IstioSidecar, type MeshModel } from "../../model/mesh.js";
import { speaksHttp, type RouteRequest } from "../../model/request.js";
import { compareCreated, untimedTie } from "../../model/time.js";
import { istioPortProtocol } from "../l7/istio.js";
import { subsetOf } from "../l7/transport.js";
import { serviceHost } from "./dns.js";

export interface OutboundPolicy { mode: IstioOutboundMode; why: string }

const byAge = (a: IstioSidecar, b: IstioSidecar) => compareCreated(a.created, b.created) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The Sidecar that configures a pod's Istio sidecar (pilot/pkg/model/push_context.go
 * getSidecarScope: of its namespace's Sidecars, the oldest whose workloadSelector its labels match,
 * else the oldest without one, "it is guaranteed sidecars with selectors are put in front and the
 * sidecars are sorted by creation timestamp" (initSidecarScopes: sortConfigByCreationTime, time then
 * name then namespace); else the root namespace's Sidecar without a workloadSelector, converted for
 * the pod's namespace), if any.
 */
export function istioSidecarOf(mesh: MeshModel, pod: Endpoint): IstioSidecar | undefined {
  return sidecarChoice(mesh, pod).sidecar;
}

/**
 * istioSidecarOf, with the note when the Sidecar was chosen over another that applies as well by
 * pilot's tie-break alone: neither has a creationTimestamp (model/time.ts untimedTie).
 */
function sidecarChoice(mesh: MeshModel, pod: Endpoint): { sidecar?: IstioSidecar; note?: string } {
  const own = mesh.istio.sidecars.filter((s) => s.namespace === pod.namespace).sort(byAge);
  const label = (s: IstioSidecar) => ({ created: s.created, label: `Sidecar ${s.namespace}/${s.name}` });
  const first = (list: IstioSidecar[]) => (list.length ? { sidecar: list[0], note: list.length > 1 ? untimedTie(label(list[0]), label(list[1]), "pilot's order (by name)") : undefined } : undefined);
  return first(own.filter((s) => s.workloadSelector && subsetOf(s.workloadSelector, pod.labels))) ?? first(own.filter((s) => !s.workloadSelector))
    ?? first(mesh.istio.sidecars.filter((s) => s.namespace === istioSettingsOf(mesh, pod).istioRootNamespace && !s.workloadSelector).sort(byAge)) ?? {};
}

/**
 * The outboundTrafficPolicy of a pod's Istio sidecar: its Sidecar's (istioSidecarOf) when it sets
 * one (sidecar.go convertToSidecarScope), else meshConfig's (its revision's ConfigMap), else
 * ALLOW_ANY (mesh.DefaultMeshConfig). `note`: why that Sidecar and not another (sidecarChoice).
 */
export function istioOutboundPolicy(mesh: MeshModel, pod: Endpoint, sidecar = istioSidecarOf(mesh, pod), note?: string): OutboundPolicy {
  const noted = note ? ` (note: ${note})` : "";
  if (sidecar?.outboundTrafficPolicy) return { mode: sidecar.outboundTrafficPolicy, why: `Sidecar ${sidecar.namespace}/${sidecar.name} sets outboundTrafficPolicy ${sidecar.outboundTrafficPolicy}${noted}` };
  const meshMode = istioSettingsOf(mesh, pod).istioOutboundTrafficPolicy;
  if (meshMode) return { mode: meshMode, why: `meshConfig outboundTrafficPolicy ${meshMode}${sidecar ? ` (Sidecar ${sidecar.namespace}/${sidecar.name} sets none)${noted}` : ""}` };
  return { mode: "ALLOW_ANY", why: `Istio's default outboundTrafficPolicy, ALLOW_ANY${sidecar && note ? ` (Sidecar ${sidecar.namespace}/${sidecar.name} sets none)${noted}` : ""}` };
}

/** A sidecar's view of the registry: the namespace of its pod, the Sidecar that configures it, its outboundTrafficPolicy. */
export interface SidecarScope {
  namespace: string; sidecar?: IstioSidecar; policy: OutboundPolicy;
  /** Why that Sidecar and not another that applies as well, when neither has a creationTimestamp (sidecarChoice). */
  note?: string;
}

export function istioSidecarScope(mesh: MeshModel, pod: Endpoint): SidecarScope {
  const { sidecar, note } = sidecarChoice(mesh, pod);
  return { namespace: pod.namespace!, ...(sidecar ? { sidecar } : {}), policy: istioOutboundPolicy(mesh, pod, sidecar, note), ...(note ? { note } : {}) };
}

/**
 * A destination of the registry at one port: a Service's host (NAME.NS.svc.cluster.local) or a
 * ServiceEntry's hosts, in their namespace; `wildcardBound` when the sidecar's listener for it is
 * 0.0.0.0:PORT (an HTTP port: listener.go buildSidecarOutboundListener keys HTTP listeners by the
 * wildcard address, TCP and sniffed ones by the service's address).
 */
export interface RegistryHost { namespace: string; hosts: readonly string[]; port: number; wildcardBound: boolean }

/**
 * The egress host of `listener` that imports `dest` for a proxy of `namespace`, if one does
 * (sidecar.go selectServices: a host excluded by a `~` entry of its namespace or of `*` is not
 * imported; else an entry of its namespace (`.` is the proxy's), else one of `*`, whose dnsName
 * covers it, host.Name SubsetOf).
 */
function importedBy(listener: IstioEgressListener, namespace: string, dest: RegistryHost): IstioEgressHost | undefined {
  const entries = listener.hosts.filter((h) => { const ns = h.namespace === "." ? namespace : h.namespace; return ns === dest.namespace || ns === "*"; });
  for (const name of dest.hosts) {
    if (entries.some((h) => h.excluded && istioHostSubsetOf(name, h.host))) continue;
    const own = entries.find((h) => !h.excluded && h.namespace !== "*" && istioHostSubsetOf(name, h.host));
    const any = own ?? entries.find((h) => !h.excluded && h.namespace === "*" && istioHostSubsetOf(name, h.host));
    if (any) return any;
  }
  return undefined;
}

const listenerName = (l: IstioEgressListener) => (l.port ? `egress listener at port ${l.port.number}` : "catch-all egress listener (no port)");
const hostText = (h: IstioEgressHost) => `${h.excluded ? "~" : ""}${h.namespace}/${h.host}`;
const httpListener = (l: IstioEgressListener | undefined) => l?.port !== undefined && [...HTTP_PROTOCOLS, "HTTP_PROXY"].includes(l.port.protocol ?? "");

/**
 * Whether a sidecar's Sidecar imports the VirtualServices of `namespace` for `dest` (the
 * VirtualServices Istio makes of the mesh routes of that namespace, for the Service's host):
 * model/virtualservice.go SelectVirtualServices takes a VirtualService when an egress host of its
 * namespace (`.` the proxy's) or of `*` covers one of its hosts and no `~` entry excludes it, in the
 * listener that builds the port's routes (sidecar.go GetEgressListenerForRDS: the listener with that
 * port, else the catch-all one). Without egress listeners, every namespace's.
 */
export function scopeImportsRoutes(scope: SidecarScope, namespace: string, dest: RegistryHost): boolean {
  const egress = scope.sidecar?.egress;
  if (!egress?.length) return true;
  const listener = egress.find((l) => l.port?.number === dest.port) ?? egress.find((l) => !l.port);
  return listener !== undefined && importedBy(listener, scope.namespace, { ...dest, namespace }) !== undefined;
}

export interface Imported { imported: boolean; why: string }

/**
 * Whether a sidecar knows `dest` at its port (pilot/pkg/model/sidecar.go; listener.go
 * buildSidecarOutboundListeners). A Sidecar without egress listeners is the default scope, every
 * host exported to the namespace (initSidecarScopeInternalIndexes: one catch-all listener importing every host of every namespace). Else a
 * listener that takes connections captured for a Service's address (no `bind`, captureMode not
 * NONE: those bind a physical address, localhost by default) imports it: the listener at its port
 * (serviceMatchingListenerPort: only that port), else the catch-all listener (no port), unless the
 * port-limited listener is HTTP and `dest` is bound to 0.0.0.0 too: the catch-all adds nothing to a
 * listener a port-limited one built (the `locked` entries). What no listener imports, the sidecar
 * has no listener or cluster for: its outboundTrafficPolicy decides.
 */
export function scopeImports(scope: SidecarScope, dest: RegistryHost): Imported {
  const sc = scope.sidecar;
  if (!sc?.egress?.length) return { imported: true, why: sc ? `Sidecar ${sc.namespace}/${sc.name} has no egress listeners: every exported host` : "no Sidecar: every exported host" };
  const captured = sc.egress.filter((l) => !l.bound);
  const atPort = captured.find((l) => l.port?.number === dest.port);
  const catchAll = captured.find((l) => !l.port);
  const name = `${dest.hosts.join(", ")} port ${dest.port}`;
  const by = atPort && importedBy(atPort, scope.namespace, dest);
  if (by) return { imported: true, why: `Sidecar ${sc.namespace}/${sc.name} imports ${name} (its ${listenerName(atPort!)}, host ${hostText(by)})` };
  const byAll = catchAll && importedBy(catchAll, scope.namespace, dest);
  if (byAll && !(httpListener(atPort) && dest.wildcardBound)) return { imported: true, why: `Sidecar ${sc.namespace}/${sc.name} imports ${name} (its catch-all egress listener, host ${hostText(byAll)})` };
  const why = byAll ? `its HTTP egress listener at port ${dest.port} does not import it, and the catch-all listener adds no host to that port's listener`
    : atPort || catchAll ? `none of its egress listeners that ${atPort ? `apply at port ${dest.port}` : "apply"} imports it` : `it has no egress listener at port ${dest.port} and no catch-all one`;
  return { imported: false, why: `Sidecar ${sc.namespace}/${sc.name} does not import ${name}: ${why}${scope.note ? ` (note: ${scope.note})` : ""}` };
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

/**
 * Whether a ServiceEntry is in an Envoy proxy's registry of `namespace`: exported there, and, when
 * meshConfig serviceEntryVisibility sets applyToSidecars, visible there ("the resolved visibility
 * acts as a ceiling on the ServiceEntry's exportTo": NAMESPACE, its own namespace only; NONE, none).
 */
export function entryExportedTo(mesh: MeshModel, e: IstioServiceEntry, namespace: string): boolean {
  if (mesh.settings.istioVisibilityForSidecars && (e.visibility === "NONE" || (e.visibility === "NAMESPACE" && e.namespace !== namespace))) return false;
  return exportedTo(e, namespace);
}

/** Whether a ServiceEntry host (an FQDN or a `*.` wildcard) covers `name` (istioHostSubsetOf, the name lower-cased, without a trailing dot). */
export function hostCovers(host: string, name: string): boolean {
  return istioHostSubsetOf(name.toLowerCase().replace(/\.$/, ""), host);
}

const HTTP_PROTOCOLS = ["HTTP", "HTTP2", "GRPC", "GRPC-WEB"];
const TLS_PROTOCOLS = ["TLS", "HTTPS"];

/** The host name a request carries for a sidecar's filter chains: its Host header (without a port), or its SNI for TLS. */
export const requestName = (req: RouteRequest): string | undefined => (req.scheme === "https" || req.scheme === "tls" ? req.sni ?? req.host : req.host)?.replace(/:\d+$/, "");

export interface RegistryHit { entry: IstioServiceEntry; how: string }

/** A ServiceEntry's `hosts` (all of them by default) at `port` as the registry holds them. */
export const entryHost = (entry: IstioServiceEntry, port: number, hosts = entry.hosts): RegistryHost =>
  ({ namespace: entry.namespace, hosts, port, wildcardBound: HTTP_PROTOCOLS.includes(entry.ports.find((p) => p.number === port)?.protocol ?? "") });

/**
 * Whether an Istio proxy takes the request to a ServiceEntry's `port` on its HTTP filter chain, where
 * HTTP routes apply: the port is HTTP, HTTP2, GRPC or GRPC-Web, or declares no protocol (sniffed) and
 * the request speaks HTTP.
 */
export function entryHttpPort(entry: IstioServiceEntry, port: number, req: RouteRequest): boolean {
  const protocol = entry.ports.find((p) => p.number === port)?.protocol ?? "";
  return HTTP_PROTOCOLS.includes(protocol) || (protocol === "" && speaksHttp(req));
}

/** The filter chain an Istio proxy takes a connection to a ServiceEntry's `port` on: HTTP (undefined, entryHttpPort), TLS (a `TLS` or `HTTPS` port), else TCP. */
export function entryChain(entry: IstioServiceEntry, port: number, req: RouteRequest): "tcp" | "tls" | undefined {
  if (entryHttpPort(entry, port, req)) return undefined;
  return TLS_PROTOCOLS.includes(entry.ports.find((p) => p.number === port)?.protocol ?? "") ? "tls" : "tcp";
}

/**
 * The host of `entry` whose routes a sidecar applies to a connection to `address`:`port` that its
 * registry gave the entry (serviceEntryAt): on the HTTP filter chain the virtual host the request's
 * Host names: one of the entry's hosts, or an address of the entry (httproute.go
 * generateVirtualHostDomains: "for _, svcAddr := range service.GetAllAddressesForProxy(node)", a
 * domain each), then its first host; undefined when neither (no virtual host of the entry takes
 * it). On a TCP or TLS chain the listener is the entry's: the host the SNI names, else its first.
 */
export function entryHostAt(entry: IstioServiceEntry, port: number, req: RouteRequest): string | undefined {
  const name = requestName(req);
  const named = name !== undefined && entry.hosts.some((h) => hostCovers(h, name)) ? entryHostNamed(entry, name) : undefined;
  const protocol = entry.ports.find((p) => p.number === port)?.protocol ?? "";
  // A TLS port: a filter chain per host, its server_names the host (the SNI picks).
  if (TLS_PROTOCOLS.includes(protocol)) return named ?? entry.hosts[0];
  // One listener for the port and every host (ADDRESS:PORT for an entry with addresses, else 0.0.0.0:PORT for a TCP port):
  // its chains are the first host's, whatever the Host (firstEntryHost); a sniffed port's route configuration is that host's alone.
  const sniffedBound = entry.addresses.length > 0 && !HTTP_PROTOCOLS.includes(protocol);
  if (!entryHttpPort(entry, port, req) || sniffedBound) return firstEntryHost(entry);
  return named ?? (namesVirtualHost(entry, name) ? entry.hosts[0] : undefined);
}

/**
 * The host of an entry whose listener and filter chains a sidecar builds where all its hosts share one
 * (a sniffed or TCP port): pilot makes a service per host (serviceentry/conversion.go convertServices,
 * "Attributes: model.ServiceAttributes{... Name: ha.host"), sorts them by creation time, then
 * Attributes.Name, then namespace (push_context.go SortServicesByCreationTime), and the first builds
 * the listener; the later hosts' conflict (listener.go buildSidecarOutboundListener: an auto-detected
 * one's HTTP chain "was already added by the first", a TCP one's is omitted). A sniffed listener's route
 * configuration is named for that host ("For sniffed services, we have a unique listener and route just
 * for that service", rdsName `HOST:PORT`), its one virtual host's domain `*`. So the least host in Go's
 * string order, not the one the request names.
 */
export function firstEntryHost(entry: IstioServiceEntry): string {
  return entry.hosts.reduce((a, b) => (cmp(b, a) < 0 ? b : a));
}

/** The entry's host a proxy serves `name` by: the same name, else the first wildcard that covers it, else (an address dialled) its first host. */
export function entryHostNamed(entry: IstioServiceEntry, name: string): string {
  const n = name.toLowerCase().replace(/\.$/, "");
  return entry.hosts.find((h) => h === n) ?? entry.hosts.find((h) => hostCovers(h, n)) ?? entry.hosts[0];
}

/**
 * The ServiceEntry exported to the scope's namespace and imported by its Sidecar (scopeImports) that
 * takes a connection to `address`:`port` (`req` is what is sent), as the sidecar's outbound listeners
 * do (pilot/pkg/networking/core/listener.go buildSidecarOutboundListener): a TCP, TLS or sniffed (no
 * protocol) port of an entry with `addresses` is a listener ADDRESS:PORT for each address, which takes
 * the connection whatever its Host (a sniffed one's HTTP route configuration is the entry's own,
 * buildSidecarOutboundHTTPListenerOpts: "For sniffed services, we have a unique listener and route
 * just for that service", its one virtual host's domains `*`, httproute.go
 * getVirtualHostsForSniffedServicePort). Else an HTTP request meets the sidecar's HTTP listener
 * 0.0.0.0:PORT, when it has one (istioHttpListenerAt: an HTTP port, with or without `addresses`, is
 * bound there), whose route configuration PORT holds a virtual host for every imported service with
 * that port (BuildSidecarOutboundVirtualHosts: "svc.Ports.GetByPort(listenerPort)"), its hosts and
 * addresses the domains (generateVirtualHostDomains): the Host picks the entry, not the address
 * dialled (an entry whose port is HTTP or sniffed; a TCP-declared port's virtual host is not
 * modelled). Else an entry without `addresses` listens at 0.0.0.0:PORT: a TCP port takes any
 * address, a TLS one the connections whose SNI is one of its hosts. Last, an HTTP port whose
 * `addresses` hold the address, for the caller to say that the Host names none of its virtual host's
 * domains (entryHostAt undefined: another virtual host, allow_any or block_all).
 */
export function serviceEntryAt(inv: Inventory, scope: SidecarScope, address: Address, port: number, req: RouteRequest): RegistryHit | undefined {
  const mesh = inv.mesh;
  const candidates = sidecarOrder(mesh).filter((entry) => entry.ports.some((x) => x.number === port) && entryExportedTo(mesh, entry, scope.namespace) && scopeImports(scope, entryHost(entry, port)).imported);
  const httpDeclared = (e: IstioServiceEntry) => HTTP_PROTOCOLS.includes(e.ports.find((x) => x.number === port)!.protocol ?? "");
  // The listener of the entry's own address before any other: an exact address, then the longest
  // prefix (the most specific destination match); of several, the first in istiod's order, the
  // later one's listener is "Omitting service ... due to conflict" (listener.go handleOutboundListenerConflict).
  const holding = (list: readonly IstioServiceEntry[]) => {
    let held: { entry: IstioServiceEntry; cidr: Cidr } | undefined;
    let omitted: IstioServiceEntry | undefined;
    for (const entry of list) {
      for (const cidr of entry.addresses) {
        if (!contains(cidr, address)) continue;
        if (!held || cidr.prefix > held.cidr.prefix) { held = { entry, cidr }; omitted = undefined; }
        else if (cidr.prefix === held.cidr.prefix && entry !== held.entry) omitted ??= entry;
      }
    }
    return held && { entry: held.entry, how: `ServiceEntry ${held.entry.namespace}/${held.entry.name} port ${port}: its addresses hold ${held.cidr.text}${entryConflictNote(held.entry, omitted)}` };
  };
  const bound = holding(candidates.filter((e) => !httpDeclared(e)));
  if (bound) return bound;
  const name = requestName(req);
  // A sniffed port with addresses has a virtual host in the route configuration PORT only where something else binds 0.0.0.0:PORT as HTTP.
  let listener: boolean | undefined;
  const atWildcard = (e: IstioServiceEntry) => httpDeclared(e) || !e.addresses.length || (listener ??= istioHttpListenerAt(inv, scope, port));
  const entry = speaksHttp(req) ? candidates.find((e) => entryHttpPort(e, port, req) && namesVirtualHost(e, name) && atWildcard(e)) : undefined;
  if (entry) {
    return { entry, how: `ServiceEntry ${entry.namespace}/${entry.name} port ${port}: the sidecar's HTTP listener 0.0.0.0:${port} takes any address, and the Host ${name} names the entry's virtual host` };
  }
  const wildcardTcp = candidates.filter((e) => !e.addresses.length && !entryHttpPort(e, port, req) && !TLS_PROTOCOLS.includes(e.ports.find((x) => x.number === port)!.protocol ?? ""));
  for (const entry of candidates) {
    if (entry.addresses.length || entryHttpPort(entry, port, req)) continue;
    const at = `ServiceEntry ${entry.namespace}/${entry.name} port ${port}`;
    const protocol = entry.ports.find((x) => x.number === port)!.protocol ?? "";
    if (TLS_PROTOCOLS.includes(protocol)) {
      if (name !== undefined && entry.hosts.some((h) => hostCovers(h, name))) return { entry, how: `${at} (no addresses): the SNI ${name} is one of its hosts` };
    } else return { entry, how: `${at} (no addresses, protocol ${protocol || "sniffed"}: its listener 0.0.0.0:${port} takes any address at that port)${entryConflictNote(entry, wildcardTcp.find((e) => e !== entry))}` };
  }
  return holding(candidates.filter(httpDeclared));
}

/**
 * The note when istiod's order (sidecarOrder) gave the listener to `held` and omitted `omitted`'s
 * ("Omitting service ... due to conflict") by its tie-break alone: neither has a creationTimestamp
 * (model/time.ts untimedTie). "" otherwise.
 */
function entryConflictNote(held: IstioServiceEntry, omitted: IstioServiceEntry | undefined): string {
  if (!omitted) return "";
  const label = (e: IstioServiceEntry) => ({ created: e.created, label: `ServiceEntry ${e.namespace}/${e.name}` });
  const note = untimedTie(label(held), label(omitted), "istiod's order (by host, then namespace)");
  return note ? ` (its listener omits ${label(omitted).label}'s, a conflict; note: ${note})` : "";
}

/** Whether `name` (a Host) is a domain of the entry's virtual host: one of its hosts covers it, or it is one of its single addresses (generateVirtualHostDomains). */
function namesVirtualHost(entry: IstioServiceEntry, name: string | undefined): boolean {
  if (name === undefined) return false;
  if (entry.hosts.some((h) => hostCovers(h, name))) return true;
  const literal = parseAddress(name);
  return literal !== undefined && entry.addresses.some((c) => single(c) && contains(c, literal));
}

/**
 * The ServiceEntries in the order istiod builds a sidecar's listeners from them (push_context.go
 * initServiceRegistry: SortServicesByCreationTime, the oldest first, "If creation time is the same
 * ... an arbitrary but consistent ordering based on name and namespace", the name of an entry's
 * service its host (firstEntryHost); an object without
 * creationTimestamp is not yet applied, the newest: model/time.ts compareCreated). Built once per model.
 */
const SIDECAR_ORDER = new WeakMap<readonly IstioServiceEntry[], IstioServiceEntry[]>();
function sidecarOrder(mesh: MeshModel): IstioServiceEntry[] {
  const entries = mesh.istio.serviceEntries;
  let sorted = SIDECAR_ORDER.get(entries);
  if (!sorted || sorted.length !== entries.length) {
    // Attributes.Name of an entry's services is the host (conversion.go convertServices): an entry ranks by its least host.
    sorted = [...entries].sort((a, b) => compareCreated(a.created, b.created) || cmp(firstEntryHost(a), firstEntryHost(b)) || cmp(a.namespace, b.namespace));
    SIDECAR_ORDER.set(entries, sorted);
  }
  return sorted;
}
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The ServiceEntry exported to the scope's namespace whose hosts name `name`, that declares `port` and
 * that the scope imports there; of several, the one whose host names it most closely (its exact name,
 * else the longest `*.` suffix: Envoy's RouteConfiguration virtual_hosts "Domain search order: 1.
 * Exact domain names ... 2. Suffix domain wildcards ... The longest wildcards match first", and a
 * filter chain's server_names likewise), else the first in the input.
 */
export function serviceEntryNamed(mesh: MeshModel, scope: SidecarScope, name: string, port: number): IstioServiceEntry | undefined {
  let best: { entry: IstioServiceEntry; rank: number } | undefined;
  for (const e of mesh.istio.serviceEntries) {
    if (!entryExportedTo(mesh, e, scope.namespace) || !e.ports.some((p) => p.number === port)) continue;
    // Only the hosts that name it: with none the entry does not serve the name (scopeImports alone
    // imports every host when the scope has no egress listeners).
    const hosts = e.hosts.filter((h) => hostCovers(h, name));
    if (!hosts.length || !scopeImports(scope, entryHost(e, port, hosts)).imported) continue;
    const rank = Math.max(...hosts.map((h) => (h.startsWith("*") ? h.length - 1 : Number.MAX_SAFE_INTEGER)));
    if (!best || rank > best.rank) best = { entry: e, rank };
  }
  return best?.entry;
}

/** A Service port as the registry holds it: the Service's host, bound to 0.0.0.0 when Istio reads the port as HTTP. */
export const serviceRegistryHost = (s: Service, sp: ServicePort): RegistryHost =>
  ({ namespace: s.namespace, hosts: [serviceHost(s)], port: sp.port, wildcardBound: istioPortProtocol(sp) === "http" });

const EXPORT_TO = "networking.istio.io/exportTo";

/**
 * Why an Istio proxy of `namespace` does not know Service `s`, undefined when it does: its annotation
 * networking.istio.io/exportTo (comma-separated namespaces, each trimmed: pilot/pkg/serviceregistry/
 * kube/conversion.go ConvertService; read as a ServiceEntry's exportTo, push_context.go
 * initServiceRegistry; without it, everywhere) leaves that namespace out.
 */
export function serviceHiddenFrom(s: Service, namespace: string): string | undefined {
  const annotation = s.annotations?.[EXPORT_TO];
  if (!annotation || exportedTo({ namespace: s.namespace, exportTo: annotation.split(",").map((n) => n.trim()) }, namespace)) return undefined;
  return `Service ${s.namespace}/${s.name} is not exported to namespace ${namespace} (its annotation ${EXPORT_TO} ${JSON.stringify(annotation)})`;
}

/** Whether a sidecar knows a Service port: the Service is exported to the sidecar's namespace (serviceHiddenFrom) and its Sidecar imports it (scopeImports). */
export function scopeImportsService(scope: SidecarScope, s: Service, sp: ServicePort): Imported {
  const hidden = serviceHiddenFrom(s, scope.namespace);
  return hidden ? { imported: false, why: hidden } : scopeImports(scope, serviceRegistryHost(s, sp));
}

/**
 * Whether an Istio sidecar has an HTTP listener at `port` that takes any address: 0.0.0.0:PORT for
 * the ports of the Services it imports that Istio reads as HTTP, the HTTP ports of the ServiceEntries
 * it imports, and the sniffed ports of those without addresses (listener.go
 * buildSidecarOutboundListener: an HTTP listener binds the wildcard address; a TCP or sniffed one
 * the Service's address, or the wildcard when it has none; a headless Service's HTTP port too: "HTTP
 * services can happily reside on 0.0.0.0:PORT and use the wildcard route match to get to the
 * appropriate IP through original dst clusters"), or a port-limited egress listener
 * declared HTTP. A REGISTRY_ONLY sidecar answers an HTTP request there 502 (the `block_all` virtual
 * host) rather than resetting it (a sniffed Service port's listener, at the Service's address, takes
 * no other address: the catch-all's BlackHoleCluster).
 */
export function istioHttpListenerAt(inv: Inventory, scope: SidecarScope, port: number): boolean {
  if (httpListener(scope.sidecar?.egress?.find((l) => !l.bound && l.port?.number === port))) return true;
  return inv.services.some((s) => s.ports.some((p) => p.port === port && p.protocol === "TCP" && istioPortProtocol(p) === "http" && scopeImportsService(scope, s, p).imported))
    || inv.mesh.istio.serviceEntries.some((e) => entryExportedTo(inv.mesh, e, scope.namespace) && e.ports.some((p) => p.number === port && (HTTP_PROTOCOLS.includes(p.protocol ?? "") || (!p.protocol && !e.addresses.length))) && scopeImports(scope, entryHost(e, port)).imported);
}

/** A host of a ServiceEntry as ztunnel holds it: one workload-API service per host (ambient/services.go constructServiceEntries). */
export interface AmbientService { entry: IstioServiceEntry; host: string; canonical: boolean }

/**
 * istiod's order of configs: creation time, the oldest first (an object without creationTimestamp is
 * not yet applied, the newest: model/time.ts compareCreated), then name, then namespace (pilot/pkg/model/
 * config.go sortConfigByCreationTime). ambient/services.go selectWorkloadServices compares the
 * creation times only ("isBetter ... a.CreationTime.Before(b.CreationTime)") and leaves a tie to the
 * krt index's order, which is no order: name and namespace stand in for it.
 */
const oldest = (a: IstioServiceEntry, b: IstioServiceEntry) => compareCreated(a.created, b.created) || cmp(a.name, b.name) || cmp(a.namespace, b.namespace);

/**
 * ztunnel's services of the ServiceEntries, in input order: per host and namespace only the oldest
 * entry (oldest), and none where a Service of that namespace has the host (ambient/services.go
 * selectWorkloadServices: "Pick the winner for each namespace: a Kubernetes Service always wins, else
 * the oldest"), and per host the oldest of those `canonical`, unless a cluster Service has the host
 * ("A kubernetes service is always considered to be canonical"); a winner of visibility NAMESPACE is
 * never canonical ("case si.Service.GetVisibility() == workloadapi.Service_NAMESPACE: continue"), its
 * namespace's clients find it first anyway. An entry of visibility NONE (meshConfig
 * serviceEntryVisibility) "is never delivered to any data plane"; one of visibility NAMESPACE is, and
 * ztunnel hides it from the clients of other namespaces (visibleAmbient). Its exportTo is not in the
 * workload API (constructServiceEntries writes none; `exportTo: ["."]` is no NAMESPACE visibility).
 * Built once per MeshEngine (MeshEngine.ambientServices): every ambient connection to an outside
 * address asks.
 */
export function ambientServices(inv: Inventory): AmbientService[] {
  const serviceHosts = new Set(inv.services.map((s) => `${s.namespace}/${serviceHost(s)}`)), anyService = new Set(inv.services.map(serviceHost));
  const delivered = inv.mesh.istio.serviceEntries.filter((e) => e.visibility !== "NONE");
  const best = new Map<string, IstioServiceEntry>();
  for (const e of delivered) {
    for (const host of e.hosts) {
      const key = `${e.namespace}/${host}`, cur = best.get(key);
      if (!serviceHosts.has(key) && (!cur || oldest(e, cur) < 0)) best.set(key, e);
    }
  }
  const canonical = new Map<string, IstioServiceEntry>();
  for (const [key, e] of best) {
    const host = key.slice(key.indexOf("/") + 1), cur = canonical.get(host);
    if (e.visibility !== "NAMESPACE" && !anyService.has(host) && (!cur || oldest(e, cur) < 0)) canonical.set(host, e);
  }
  return delivered.flatMap((entry) => entry.hosts.filter((host) => best.get(`${entry.namespace}/${host}`) === entry).map((host) => ({ entry, host, canonical: canonical.get(host) === entry })));
}

/**
 * The services ztunnel lets a client of `namespace` see: a NAMESPACE-visible entry's to its own
 * namespace's clients only ("For workloads in any other namespace, it is as if the ServiceEntry
 * did not exist": its address is unknown traffic, passed through; a PUBLIC entry of the same host serves them).
 */
const visibleAmbient = (services: readonly AmbientService[], namespace: string | undefined) =>
  services.filter((s) => s.entry.visibility !== "NAMESPACE" || s.entry.namespace === namespace);

const single = (c: Cidr) => c.prefix === (c.family === 4 ? 32 : 128);

/**
 * The ServiceEntry ztunnel finds at `address` for a client of `namespace`, whatever the port
 * (ztunnel src/state.rs find_address -> src/state/service.rs get_best_by_vip: the services with that
 * VIP, "prefer a Service from that namespace. Next, a Service marked `canonical`", else the first;
 * "Fall back to CIDR matching if no exact VIP match: namespace match wins over specificity, then
 * longest-prefix, then canonical"). Its `addresses` are its VIPs (services.go constructServiceEntries;
 * helpers.go toNetworkAddressFromCidr: a single IP exact, a CIDR by prefix). The port decides later
 * (state.rs load_balance: "Port doesn't exist on the service at all").
 */
export function ambientServiceEntryAt(all: readonly AmbientService[], address: Address, namespace: string | undefined): IstioServiceEntry | undefined {
  const services = visibleAmbient(all, namespace);
  const exact = services.filter((s) => s.entry.addresses.some((c) => single(c) && contains(c, address)));
  if (exact.length) return (exact.find((s) => s.entry.namespace === namespace) ?? exact.find((s) => s.canonical) ?? exact[0]).entry;
  let best: { rank: [number, number, number]; entry: IstioServiceEntry } | undefined;
  for (const s of services) {
    for (const c of s.entry.addresses) {
      if (single(c) || !contains(c, address)) continue;
      const rank: [number, number, number] = [s.entry.namespace === namespace ? 1 : 0, c.prefix, s.canonical ? 1 : 0];
      if (!best || rank[0] > best.rank[0] || (rank[0] === best.rank[0] && (rank[1] > best.rank[1] || (rank[1] === best.rank[1] && rank[2] > best.rank[2])))) best = { rank, entry: s.entry };
    }
  }
  return best?.entry;
}

const AUTOALLOCATE = "networking.istio.io/enable-autoallocate-ip";

/**
 * The ServiceEntry whose host `name` ztunnel's DNS proxy (on by default for ambient workloads since
 * Istio 1.25) answers for a client of `namespace` with an address of the entry: its `addresses`, else
 * the one istiod allocates to the host (ip_autoallocation.go shouldV2AutoAllocateIPFromPieces: not
 * for resolution NONE, nor with the label networking.istio.io/enable-autoallocate-ip "false";
 * constructServiceEntries: a wildcard host only with DYNAMIC_DNS). The DNS proxy looks the name up
 * itself first, then its wildcards from the most specific (ztunnel src/dns/server.rs find_server:
 * "'www.example.com' (the alias, itself) '*.example.com' '*.com'", get_wildcards), and takes the
 * first with a service; of several there, as find_best_match ranks them (the client's namespace, then
 * the canonical one, then the first). The port decides later, as for an address dialled (ambientServiceEntryAt).
 */
export function ambientServiceEntryNamed(all: readonly AmbientService[], name: string, namespace: string | undefined): IstioServiceEntry | undefined {
  const answers = visibleAmbient(all, namespace).filter(({ entry: e, host: h }) => hostCovers(h, name)
    && (e.addresses.length > 0 || (e.resolution !== "NONE" && e.labels[AUTOALLOCATE]?.toLowerCase() !== "false" && (!h.startsWith("*") || e.resolution === "DYNAMIC_DNS"))));
  const labels = name.toLowerCase().replace(/\.$/, "").split(".");
  for (let i = 0; i < labels.length; i++) {
    const search = i === 0 ? labels.join(".") : `*.${labels.slice(i).join(".")}`;
    const at = answers.filter((s) => s.host === search);
    if (at.length) return (at.find((s) => s.entry.namespace === namespace) ?? at.find((s) => s.canonical) ?? at[0]).entry;
  }
  return undefined;
}

/** One place an Istio proxy sends a connection to a ServiceEntry: an address (a pod's, when `endpoint`) or a host name to resolve, at `port`. */
export interface EntryTarget { address?: Address; endpoint?: Endpoint; hostname?: string; port: number }

/**
 * Where an Istio proxy sends a connection to a ServiceEntry at `port` (a sidecar's cluster for it,
 * pilot/pkg/networking/core/cluster.go convertResolution; ztunnel's service for it, ambient/
 * services.go constructServiceEntries, workloads.go): resolution NONE, the address dialled
 * (ORIGINAL_DST; ztunnel's LoadBalancing PASSTHROUGH); else its endpoints: the pods of its namespace
 * its workloadSelector selects (workloads.go podWorkloadBuilder, PILOT_ENABLE_SERVICEENTRY_SELECT_PODS
 * on by default; a pod not ready is UNHEALTHY, which ztunnel's service leaves out, state/service.rs
 * should_include_endpoint, and a sidecar's EDS does not pick), at the container port named as the entry's port, else its targetPort, else its
 * number (serviceentry/conversion.go convertWorkloadInstanceToServiceInstance "priority level: ...
 * we.ports > se.port.targetPort > se.port.number"; workloads.go constructServices), or its
 * `endpoints` (an IP, the pod holding it when there is one, or a host name; at the endpoint's port of
 * that name, else targetPort, else the number: constructServicesFromWorkloadEntry); without either,
 * a DNS resolution resolves its host (serviceEntryWorkloadBuilder "implicitEndpoints": the host as
 * a hostname endpoint). A STATIC entry with neither has no endpoint.
 */
export function entryTargets(inv: Inventory, entry: IstioServiceEntry, port: number, host: string, endpointAt: (a: Address) => Endpoint | undefined): "original" | EntryTarget[] {
  if (entry.resolution === "NONE") return "original";
  const sp = entry.ports.find((p) => p.number === port);
  const fallback = sp?.targetPort ?? port;
  if (entry.workloadSelector) {
    // A pod of the input without an address, or not ready, is no endpoint (ztunnel state.rs load_balance: "Workload has no IP");
    // the stand-in pod of a controller's template (no address in the input) stands for its replicas, as behind a Service (serving.ts).
    const pods: EntryTarget[] = inv.endpoints.filter((e) => e.kind === "pod" && e.namespace === entry.namespace && subsetOf(entry.workloadSelector!, e.labels) && (e.addresses.length || e.fromTemplate) && e.ready !== false)
      .sort((a, b) => Number(a.fromTemplate === true) - Number(b.fromTemplate === true))
      .map((endpoint) => ({ endpoint, ...(endpoint.addresses.length ? { address: endpoint.addresses[0] } : {}), port: (sp && endpoint.ports.find((p) => p.name === sp.name)?.port) ?? fallback }));
    // Its WorkloadEntries too (workloadEntryWorkloadBuilder; the serviceentry controller's
    // workloadEntryHandler), at their port of the entry port's name (convertWorkloadInstanceToServiceInstance
    // "we.ports > se.port.targetPort > se.port.number"); one without an address (behind its network's
    // gateway, which Junction does not model) is left out.
    const entries = inv.mesh.istio.workloadEntries.filter((w) => w.namespace === entry.namespace && subsetOf(entry.workloadSelector!, w.labels) && w.address)
      .map((w): EntryTarget => {
        const at = (sp && w.ports[sp.name]) ?? fallback;
        const address = parseAddress(w.address);
        return address ? { address, ...(w.endpoint ? { endpoint: w.endpoint } : {}), port: at } : { hostname: w.address, port: at };
      });
    return [...pods, ...entries];
  }
  if (entry.endpoints.length) {
    return entry.endpoints.map((e) => {
      const at = (sp && e.ports?.[sp.name]) ?? fallback;
      const address = parseAddress(e.address);
      const endpoint = address && endpointAt(address);
      return address ? { address, ...(endpoint ? { endpoint } : {}), port: at } : { hostname: e.address, port: at };
    });
  }
  return entry.resolution === "STATIC" ? [] : [{ hostname: host, port: fallback }];
}
