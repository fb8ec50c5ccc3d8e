// Istio's classic ingress Gateway (networking.istio.io Gateway, sources/istio/gateway.ts) and the
// VirtualServices bound to it, as pilot writes them for the gateway's Envoy and Envoy applies them:
//
//   the Gateways whose selector picks the gateway's pod, by creation time (push_context.go mergeGateways:
//   every namespace's unless PILOT_SCOPE_GATEWAY_TO_NAMESPACE; no selector: every gateway proxy),
//   merged per port (model/gateway.go mergeGateways: plain-text HTTP servers of a port share one route
//   configuration http.PORT, a server of another protocol on that port is skipped; TLS servers are
//   filter chains told apart by SNI, one with a host another already has skipped, an HTTPS one that
//   terminates TLS has its own route configuration https.PORT.NAME.GW.NS);
//   an HTTP route configuration's virtual hosts (gateway.go buildGatewayHTTPRouteConfig): for each server,
//   each VirtualService bound to its Gateway (push_context.go VirtualServicesForGateway: the private ones,
//   those exported to the proxy's namespace, the public ones), one virtual host per host the server's
//   hosts for the VirtualService's namespace (host.NamesForNamespace) and the VirtualService's hosts share
//   (Intersection), a host several VirtualServices share holding their routes one after the other, the
//   catch-all routes moved last (route.go SortVHostRoutes); httpsRedirect: the virtual host requires TLS
//   (Envoy answers a plain request 301 to https); no virtual host at all: one "blackhole" of no routes (404).
//
// The request's routes are then the VirtualService's, applied as at a sidecar (virtualservice.ts
// routeVirtualHost), the gateway's name reading the matches' `gateways` (route.go sourceMatchHTTP).

import type { Endpoint } from "../../model/endpoint.js";
import { istioHostSubsetOf } from "../../model/hostname.js";
import type { Inventory } from "../../model/inventory.js";
import { isHttpProtocol, type IstioClassicGateway, type IstioGatewayServer, type IstioL4Match, type IstioVirtualService, type MeshSettings } from "../../model/mesh.js";
import { compareAge } from "../../model/route.js";
import { matches, selector } from "../../model/selector.js";
import { targetPortOn } from "../../model/service-endpoints.js";
import { serviceSelects, type Service, type ServicePort } from "../../model/endpoint.js";
import { istioClientRule, istioMergedSubsets } from "../l7/transport.js";
import { serviceHost } from "./dns.js";
import { serviceHiddenFrom } from "./registry.js";
import type { BackendIndex } from "../gateway/backends.js";
import type { RouteRequest, RouteResult } from "../gateway/request.js";
import type { Chain } from "./virtualservice-l4.js";
import { byAge, isCatchAll, resolveGatewayName, routeVirtualHost, virtualHost, visibility, type SidecarVirtualHost } from "./virtualservice.js";

export const classicName = (gw: IstioClassicGateway) => `${gw.namespace}/${gw.name}`;

/**
 * Whether the Gateway applies to a gateway proxy `pod` (push_context.go mergeGateways): its selector a
 * subset of the pod's labels (no selector: every gateway proxy), and, when istiod runs with
 * PILOT_SCOPE_GATEWAY_TO_NAMESPACE ("a gateway workload can only select gateway resources in the same
 * namespace": gatewayIndex.namespace[proxy.ConfigNamespace]), of the pod's namespace.
 */
export function classicSelects(gw: IstioClassicGateway, pod: Endpoint, settings?: Pick<MeshSettings, "istioScopeGatewayToNamespace">): boolean {
  if (settings?.istioScopeGatewayToNamespace && pod.namespace !== gw.namespace) return false;
  return !gw.selector || matches(selector(gw.selector), pod.labels);
}

/**
 * The gateway proxies the Gateway's selector picks, in every namespace (or its own, PILOT_SCOPE_GATEWAY_TO_NAMESPACE);
 * none without a selector (which gateway proxies exist the input does not say). A pod whose istio-proxy is a
 * sidecar is none: pilot merges Gateways for router proxies only (SetGatewaysForProxy "if node.Type == Router"),
 * so a sidecar's Envoy has its sidecar listeners and no server of the Gateway (sidecarsSelected).
 */
export function classicGatewayPods(inv: Inventory, gw: IstioClassicGateway): Endpoint[] {
  if (!gw.selector) return [];
  return inv.endpoints.filter((e) => e.kind === "pod" && !e.istioSidecar && classicSelects(gw, e, inv.mesh.settings));
}

/** The pods with an Istio sidecar the Gateway's selector picks (classicGatewayPods leaves them out), for the answer's why. */
export function sidecarsSelected(inv: Inventory, gw: IstioClassicGateway): Endpoint[] {
  if (!gw.selector) return [];
  return inv.endpoints.filter((e) => e.kind === "pod" && e.istioSidecar && classicSelects(gw, e, inv.mesh.settings));
}

/** The Services of the input in front of a gateway pod (their selector picks it, in its namespace), in input order. */
export function frontingServices(inv: Inventory, pod: Endpoint): Service[] {
  return inv.services.filter((s) => serviceSelects(s, pod));
}

/** model/gateway.go DisableGatewayPortTranslationLabel: a Service that opts out of resolvePorts' translation. */
export const DISABLE_PORT_TRANSLATION = "experimental.istio.io/disable-gateway-port-translation";

/**
 * model/gateway.go resolvePorts with legacyGatewaySelector (a Gateway's `selector`): the port Envoy
 * listens on for a server's port number: "we only resolve to a single port", the target port of the
 * first Service port of that number in front of the proxy ("picking the first one"), else "bind to the
 * port as-is if there is no matching ServiceInstance". A Service labelled
 * experimental.istio.io/disable-gateway-port-translation (any value: "Skip this Service, they opted out
 * of port translation") is passed over.
 */
export function serverListenPort(inv: Inventory, pod: Endpoint, number: number): number {
  if (pod.id < 0) return number;
  for (const s of frontingServices(inv, pod)) {
    if (s.labels?.[DISABLE_PORT_TRANSLATION] !== undefined) continue;
    const sp = s.ports.find((p) => p.port === number && p.protocol === "TCP");
    const target = sp && targetPortOn(sp, pod);
    if (target !== undefined) return target;
  }
  return number;
}

/**
 * The port of the gateway pod a connection to `port` arrives at: through `service` (or the first Service
 * in front of the pod with that port), its target port (kube-proxy's DNAT); without one, the port itself.
 */
export function arrivalPort(inv: Inventory, pod: Endpoint, port: number, service?: Service): number {
  if (pod.id < 0) return port;
  for (const s of service ? [service] : frontingServices(inv, pod)) {
    const sp = s.ports.find((p) => p.port === port && p.protocol === "TCP");
    const target = sp && targetPortOn(sp, pod);
    if (target !== undefined) return target;
  }
  return port;
}

/** pilot's order of configs (sortConfigByCreationTime: creation time, then name, then namespace). */
function byCreation(a: IstioClassicGateway, b: IstioClassicGateway): number {
  const meta = (g: IstioClassicGateway) => ({ namespace: g.namespace, name: g.name, generation: 1, created: g.created, order: g.order });
  return compareAge(meta(a), meta(b)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0);
}

/** One server as the proxy holds it: its Gateway's name and its hosts as sanitizeServerHostNamespace leaves them (`./h` the Gateway's namespace's, a `*` namespace dropped, `*` for every host and namespace leaving `*` alone). */
export interface ProxyServer { gateway: string; gw: IstioClassicGateway; server: IstioGatewayServer; hosts: string[] }

/**
 * One port of the merged gateway (the port Envoy listens on: serverListenPort): its plain-text servers (one
 * HTTP route configuration, or one TCP server) or its TLS servers (filter chains by SNI); `plainServers`:
 * plain-text servers that came after TLS ones on the port (mergeGateways' "No existing plaintext server on
 * this port" branch adds them as one more ServerPort of the same listener: their chain, with no match, takes
 * every connection no TLS chain's SNI does).
 */
export interface MergedPort { port: number; plain: boolean; servers: ProxyServer[]; plainServers?: ProxyServer[] }

/** The merged gateway of a proxy: its ports, and the servers pilot skipped (why). */
export interface MergedGateway { gateways: IstioClassicGateway[]; ports: Map<number, MergedPort>; skipped: string[] }

function sanitize(hosts: readonly string[], namespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf("/");
    if (slash < 0) { out.push(h); continue; }
    const [ns, name] = [h.slice(0, slash), h.slice(slash + 1)];
    if (ns === ".") out.push(`${namespace}/${name}`);
    else if (ns === "*") { if (name === "*") return ["*"]; out.push(name); }
    else out.push(h);
  }
  return out;
}

/** The SNI hosts of a TLS server (GetSNIHostsForServer: its hosts without the namespace part). */
const sniHosts = (s: ProxyServer) => [...new Set(s.hosts.map((h) => h.slice(h.indexOf("/") + 1)))];

const isTlsServer = (s: IstioGatewayServer) => s.tls !== undefined && !isHttpProtocol(s.port.protocol);

/**
 * mergeGateways for the gateways that apply to one proxy (`gateways`, any order): servers by port. A
 * server whose port holds a plain-text server of a protocol it cannot merge with (canMergeProtocols: both
 * HTTP) is skipped, as is a TLS server naming a host another TLS server of the port has (CheckDuplicates).
 */
export function mergeClassic(gateways: readonly IstioClassicGateway[], listenPort: (number: number) => number = (n) => n): MergedGateway {
  const sorted = [...gateways].sort(byCreation);
  const ports = new Map<number, MergedPort>();
  const skipped: string[] = [];
  const tlsHosts = new Map<number, Set<string>>();
  for (const gw of sorted) for (const server of gw.servers) {
    const s: ProxyServer = { gateway: classicName(gw), gw, server, hosts: sanitize(server.hosts, gw.namespace) };
    const at = `server ${server.port.name} (port ${server.port.number}) of Gateway ${s.gateway}`;
    const n = listenPort(server.port.number);
    if (server.tls) {
      const known = tlsHosts.get(n) ?? new Set<string>();
      const dup = s.hosts.filter((h) => known.has(h));
      if (dup.length) { skipped.push(`${at}: pilot skips it, duplicate host names ${dup.join(", ")} on the port (mergeGateways CheckDuplicates)`); continue; }
      for (const h of s.hosts) known.add(h);
      tlsHosts.set(n, known);
    }
    const plain = !isTlsServer(server);
    const current = ports.get(n);
    if (!current) { ports.set(n, { port: n, plain, servers: [s] }); continue; }
    // mergeGateways: once the port has a plain-text server (first, or after TLS ones), every later server must merge with it (canMergeProtocols).
    const plainOnes = current.plain ? current.servers : current.plainServers;
    if (plainOnes) {
      const first = plainOnes[0].server.port.protocol;
      if (!((isHttpProtocol(first) || first === server.port.protocol) && isHttpProtocol(server.port.protocol))) { skipped.push(`${at}: pilot skips it, conflict with the ${first} server ${plainOnes[0].server.port.name} of Gateway ${plainOnes[0].gateway} on the port (mergeGateways canMergeProtocols)`); continue; }
      plainOnes.push(s);
      continue;
    }
    // TLS servers only so far: a plain-text one becomes the port's plain-text server, a chain of the same listener (gateway.go buildGatewayListeners appends each ServerPort's chains to the listener of its port).
    if (plain) { current.plainServers = [s]; continue; }
    current.servers.push(s);
  }
  return { gateways: sorted, ports, skipped };
}

/**
 * VirtualServicesForGateway(proxyNamespace, gateway): the VirtualServices whose `gateways` (resolved,
 * resolveGatewayName) name the Gateway and that are visible in the proxy's namespace: private, then
 * exported to it, then public, each by creation time.
 */
export function virtualServicesForGateway(inv: Inventory, proxyNamespace: string, gateway: string): IstioVirtualService[] {
  return inv.mesh.istio.virtualServices.flatMap((vs) => {
    if (!vs.hosts.length || !vs.gateways.some((g) => resolveGatewayName(g, vs.namespace) === gateway)) return [];
    const list = visibility(vs, proxyNamespace);
    return list === undefined ? [] : [{ vs, list }];
  }).sort((a, b) => a.list - b.list || byAge(a.vs, b.vs)).map((x) => x.vs);
}

/**
 * The VirtualServices that name `gateway` but that VirtualServicesForGateway leaves out for a proxy of
 * `proxyNamespace`: their exportTo (or none: meshConfig's default, every namespace) leaves that namespace
 * out, the one its gateway pods run in, whatever the Gateway's own namespace (push_context.go
 * initVirtualServices indexes them by the namespaces they are exported to, read for proxy.ConfigNamespace).
 */
export function hiddenFromGateway(inv: Inventory, proxyNamespace: string, gateway: string): IstioVirtualService[] {
  return inv.mesh.istio.virtualServices.filter((vs) => vs.hosts.length && vs.gateways.some((g) => resolveGatewayName(g, vs.namespace) === gateway) && visibility(vs, proxyNamespace) === undefined);
}

/** host.NamesForNamespace(serverHosts, ns) ∩ vsHosts (Names.Intersection: each pair, the narrower of the two when one is within the other). */
export function intersectHosts(serverHosts: readonly string[], namespace: string, vsHosts: readonly string[]): string[] {
  const forNs = serverHosts.flatMap((h) => { const slash = h.indexOf("/"); return slash < 0 ? [h] : h.slice(0, slash) === namespace || h.slice(0, slash) === "*" ? [h.slice(slash + 1)] : []; });
  const out: string[] = [];
  for (const a of forNs) for (const b of vsHosts) {
    const x = istioHostSubsetOf(a, b) ? a : istioHostSubsetOf(b, a) ? b : undefined;
    if (x !== undefined && !out.includes(x)) out.push(x);
  }
  return out;
}

/** One virtual host of a gateway route configuration: its domain, the VirtualServices whose routes it holds (in order), and whether it requires TLS. */
export interface GatewayVhost { domain: string; parts: { vs: IstioVirtualService; gateway: string; port: number }[]; requireTls: boolean }

/** buildGatewayHTTPRouteConfig's virtual hosts for `servers` (one route configuration's). */
export function gatewayVhosts(inv: Inventory, proxyNamespace: string, servers: readonly ProxyServer[]): GatewayVhost[] {
  const byDomain = new Map<string, GatewayVhost>();
  for (const s of servers) {
    const redirect = s.server.tls?.httpsRedirect ?? false;
    for (const vs of virtualServicesForGateway(inv, proxyNamespace, s.gateway)) {
      for (const h of intersectHosts(s.hosts, vs.namespace, vs.hosts)) {
        const domain = h.toLowerCase();
        const vh = byDomain.get(domain);
        // Each server's routes are built for its own port number (buildGatewayHTTPRouteConfig: port := int(server.Port.Number)), which matches' `port` read.
        const part = { vs, gateway: s.gateway, port: s.server.port.number };
        if (vh) { vh.parts.push(part); vh.requireTls ||= redirect; }
        else byDomain.set(domain, { domain, parts: [part], requireTls: redirect });
      }
    }
    // "check all hostname in vHostDedupMap and if is not exist with HttpsRedirect set to true create VirtualHost to
    // redirect": keyed by the server's host as sanitized (a `ns/host` one is a domain no Host header matches).
    if (redirect) for (const h of s.hosts) {
      const domain = h.toLowerCase();
      const vh = byDomain.get(domain);
      if (vh) vh.requireTls = true; else byDomain.set(domain, { domain, parts: [], requireTls: true });
    }
  }
  return [...byDomain.values()];
}

/** Envoy's virtual host for a Host (port ignored: IgnorePortInHostMatching): the exact domain, else the longest `*.` suffix wildcard, else `*`. */
export function pickVhost(vhosts: readonly GatewayVhost[], host: string): GatewayVhost | undefined {
  const h = host.toLowerCase().replace(/:\d+$/, "");
  const exact = vhosts.find((v) => v.domain === h);
  if (exact) return exact;
  const wild = vhosts.filter((v) => v.domain.startsWith("*.") && h.endsWith(v.domain.slice(1)) && h.length > v.domain.length - 1).sort((a, b) => b.domain.length - a.domain.length)[0];
  return wild ?? vhosts.find((v) => v.domain === "*");
}

/** What routing an HTTP request at the gateway gives the walk: the VirtualServices' lowered states (to resolve the backend the answer names). */
export interface GatewayHttpRouted { states: SidecarVirtualHost[] }

/**
 * Routes an HTTP request through one gateway route configuration (`routeName`: http.PORT or
 * https.PORT.NAME.GW.NS, `servers` its servers) for a proxy `pod`: the virtual host by Host, a plain
 * request to one requiring TLS 301 to https, else its routes (each VirtualService's, the catch-all ones
 * last) tried in order as at a sidecar; none: 404.
 */
export function routeGatewayHttp(inv: Inventory, index: BackendIndex, pod: Endpoint, routeName: string, servers: readonly ProxyServer[], port: number, tls: boolean, req: RouteRequest, res: RouteResult, settings: Pick<MeshSettings, "istioDefaultHttpRetry" | "istioPathNormalization">): GatewayHttpRouted {
  const vhosts = gatewayVhosts(inv, pod.namespace ?? "", servers);
  const host = req.host ?? "";
  const vh = pickVhost(vhosts, host);
  const domains = vhosts.map((v) => v.domain);
  res.steps.push({ stage: "listener", outcome: vh ? `route configuration ${routeName}: virtual host ${vh.domain} for host ${host || "(none)"}` : `route configuration ${routeName}: no virtual host for host ${host || "(none)"}`, detail: domains.length ? domains : ["no virtual host: pilot writes a blackhole one of no routes (buildGatewayHTTPRouteConfig)"] });
  const none = (why: string) => { Object.assign(res, { status: 404, reason: why }); return { states: [] }; };
  const hidden = [...new Set(servers.map((s) => s.gateway))].flatMap((g) => hiddenFromGateway(inv, pod.namespace ?? "", g).map((vs) => `VirtualService ${vs.namespace}/${vs.name} names Gateway ${g} but is not exported to the gateway pods' namespace ${pod.namespace} (its exportTo ${JSON.stringify(vs.exportTo ?? [])}: VirtualServicesForGateway reads the proxy's namespace, not the Gateway's)`));
  if (!vh) return none(`no virtual host of route configuration ${routeName} (${domains.join(", ") || "none: no VirtualService bound to the port's servers shares a host with them"}) matches host ${host || "(none)"}: Envoy answers 404 (NR)${hidden.length ? `; ${hidden.join("; ")}` : ""}`);
  if (vh.requireTls && !tls) {
    const h = host.replace(/:80$/, "");
    const location = `https://${h}${req.path}`;
    Object.assign(res, { status: 301, redirect: { scheme: "https", host: h.replace(/:\d+$/, ""), port: /:\d+$/.test(h) ? Number(h.split(":").pop()) : null, path: req.path.split("?")[0], statusCode: 301, location }, responseHeaders: { location }, reason: `virtual host ${vh.domain} requires TLS (the server's tls.httpsRedirect: require_tls ALL): Envoy redirects (301) to ${location}` });
    return { states: [] };
  }
  const states = vh.parts.map((p) => ({ p, vh: virtualHost(inv, index, p.vs, p.port, { pod }, false, p.gateway) }));
  if (!states.some((s) => s.vh.programmed.length)) return none(`virtual host ${vh.domain} of route configuration ${routeName} has no route (${vh.parts.map((p) => `VirtualService ${p.vs.namespace}/${p.vs.name}`).join(", ") || "a redirect-only host"}: no route of theirs applies to this gateway and port): Envoy answers 404 (NR)`);
  // SortVHostRoutes: the virtual host's routes, every VirtualService's in turn, the catch-all ones moved last.
  // (A route without a match is a catch-all: prefix "/".)
  const catchAll = (m: SidecarVirtualHost["programmed"][number]) => !m.match || isCatchAll(m.match);
  const rounds = [(m: SidecarVirtualHost["programmed"][number]) => !catchAll(m), catchAll];
  const tried: string[] = [];
  const missed: RouteResult["candidates"] = [];
  const place = `Gateway ${servers[0].gateway} port ${port} (virtual host ${vh.domain})`;
  for (const keep of rounds) for (const { p, vh: v } of states) {
    const part = { ...v, programmed: v.programmed.filter(keep) };
    if (!part.programmed.length) continue;
    const trial: RouteResult = { ...res, route: undefined, candidates: [], steps: [...res.steps], responseHeaders: {} };
    routeVirtualHost(part, place, port, req, trial, settings);
    if (trial.route !== undefined || trial.status === 400) {
      Object.assign(res, trial);
      res.candidates = [...missed, ...trial.candidates];
      return { states: states.map((s) => s.vh) };
    }
    missed.push(...trial.candidates);
    tried.push(`VirtualService ${p.vs.namespace}/${p.vs.name}`);
  }
  const names = [...new Set(tried)];
  Object.assign(res, { status: 404, backend: null, backends: [], upstream: null, candidates: missed, reason: `no route of virtual host ${vh.domain} (${names.join(", ")}) at ${place} matches ${req.method} ${req.path.split("?")[0]}: Envoy answers 404 (NR)` });
  return { states: states.map((s) => s.vh) };
}

/**
 * One filter chain of a TLS port or a plain TCP server: an HTTPS server that terminates TLS (its hosts
 * as SNI names, its own route configuration), a server whose connections the `tcp` route of a bound
 * VirtualService forwards (plain TCP, or TLS terminated: its hosts as SNI names), a `tls` route's match
 * at a PASSTHROUGH server (its sniHosts), or an AUTO_PASSTHROUGH server's (its hosts).
 */
export type GatewayChain =
  | { kind: "https"; server: ProxyServer; sni: string[] }
  | { kind: "tcp"; server: ProxyServer; sni: string[]; chain: Chain }
  | { kind: "tls"; server: ProxyServer; sni: string[]; chain: Chain }
  | { kind: "auto"; server: ProxyServer; sni: string[]; service: Service; port: ServicePort; subset?: string };

/** model.BuildDNSSrvSubsetKey(outbound, subset, host, port): the SNI an AUTO_PASSTHROUGH chain matches, the cluster it forwards to. */
export const autoPassthroughSni = (host: string, port: number, subset = "") => `outbound_.${port}_.${subset}_.${host}`;

/**
 * builtAutoPassthroughFilterChains: for each Service of the gateway proxy's scope (those exported to its
 * namespace; MeshExternal ServiceEntries skipped, in-mesh ones not modelled) whose host is within one of the
 * server's SNI hosts, each port but UDP: a chain matching SNI outbound_.PORT_._.HOST (and one per subset of
 * the DestinationRule the proxy reads for it, outbound_.PORT_.SUBSET_.HOST) with Istio's mTLS ALPNs, whose
 * TCP proxy forwards to that cluster: no VirtualService, and "We do not want any authz here".
 */
function autoPassthroughChains(inv: Inventory, proxy: Endpoint | undefined, proxyNamespace: string, s: ProxyServer): GatewayChain[] {
  const out: GatewayChain[] = [];
  const hosts = sniHosts(s);
  for (const service of inv.services) {
    if (serviceHiddenFrom(service, proxyNamespace)) continue;
    const host = serviceHost(service);
    if (!hosts.some((h) => istioHostSubsetOf(host, h))) continue;
    const rule = proxy && istioClientRule(inv.mesh, proxy, service);
    const subsets = rule ? istioMergedSubsets(inv.mesh, rule).map((x) => x.name) : [];
    for (const port of service.ports) {
      if (port.protocol === "UDP") continue;
      out.push({ kind: "auto", server: s, sni: [autoPassthroughSni(host, port.port)], service, port });
      for (const subset of subsets) out.push({ kind: "auto", server: s, sni: [autoPassthroughSni(host, port.port, subset)], service, port, subset });
    }
  }
  return out;
}

/** l4SingleMatch: the match's port (when set) is the server's, its gateways (when set, resolved) name the server's Gateway. */
function l4Match(m: IstioL4Match, vs: IstioVirtualService, s: ProxyServer): boolean {
  return (m.port === undefined || m.port === s.server.port.number) && (!m.gateways.length || m.gateways.some((g) => resolveGatewayName(g, vs.namespace) === s.gateway));
}

/**
 * buildGatewayNetworkFiltersFromTCPRoutes: of the VirtualServices bound to the server's Gateway whose
 * hosts match the server's (pickMatchingGatewayHosts), the first `tcp` route with destinations whose
 * matches (any; none: every connection) hold (l4MultiMatch); undefined: "listener missed network filter",
 * no chain.
 */
function tcpChainOf(inv: Inventory, proxyNamespace: string, s: ProxyServer): Chain | undefined {
  for (const vs of virtualServicesForGateway(inv, proxyNamespace, s.gateway)) {
    if (!intersectHosts(s.hosts, vs.namespace, vs.hosts).length) continue;
    for (const route of vs.tcp) {
      if (!route.route.length) continue;
      const i = route.matches.findIndex((m) => l4Match(m, vs, s));
      if (!route.matches.length || i >= 0) return { vs, route, ...(i >= 0 ? { match: i } : {}), prefixes: [], sni: [] };
    }
  }
  return undefined;
}

/**
 * The filter chains pilot builds on a port of TLS servers, or for a plain TCP server
 * (createGatewayTCPFilterChainOpts, buildGatewayNetworkFiltersFromTLSRoutes: at a PASSTHROUGH server a chain
 * per match of a bound VirtualService's `tls` route, a match naming an SNI host an earlier chain of the port
 * has skipped, CheckDuplicates), and what pilot skipped.
 */
export function gatewayChains(inv: Inventory, proxyNamespace: string, port: Pick<MergedPort, "servers">, proxy?: Endpoint): { chains: GatewayChain[]; skipped: string[] } {
  const chains: GatewayChain[] = [];
  const skipped: string[] = [];
  const known = new Set<string>();
  for (const s of port.servers) {
    const sni = sniHosts(s);
    const mode = s.server.tls?.mode;
    const terminates = s.server.tls && mode !== "PASSTHROUGH" && mode !== "AUTO_PASSTHROUGH";
    if (terminates && s.server.port.protocol === "HTTPS") { chains.push({ kind: "https", server: s, sni }); continue; }
    if (mode === "AUTO_PASSTHROUGH") { chains.push(...autoPassthroughChains(inv, proxy, proxyNamespace, s)); continue; }
    if (!s.server.tls || terminates) {
      const chain = tcpChainOf(inv, proxyNamespace, s);
      if (chain) chains.push({ kind: "tcp", server: s, sni: s.server.tls ? sni : [], chain });
      else skipped.push(`server ${s.server.port.name} of Gateway ${s.gateway}: no VirtualService bound to it has a tcp route for it ("listener missed network filter"): no filter chain`);
      continue;
    }
    for (const vs of virtualServicesForGateway(inv, proxyNamespace, s.gateway)) {
      if (!intersectHosts(s.hosts, vs.namespace, vs.hosts).length) continue;
      for (const route of vs.tls) {
        if (!route.route.length) continue;
        route.matches.forEach((m, i) => {
          if (!l4Match(m, vs, s)) return;
          const dup = m.sniHosts.filter((h) => known.has(h));
          if (dup.length) { skipped.push(`VirtualService ${vs.namespace}/${vs.name} tls[${route.index}] match ${i} on server ${s.server.port.name} of Gateway ${s.gateway}: skipped, duplicate SNI host names ${dup.join(", ")} (buildGatewayNetworkFiltersFromTLSRoutes)`); return; }
          for (const h of m.sniHosts) known.add(h);
          chains.push({ kind: "tls", server: s, sni: [...m.sniHosts], chain: { vs, route, match: i, prefixes: [], sni: m.sniHosts } });
        });
      }
    }
  }
  return { chains, skipped };
}

/** Envoy's filter chain match by SNI (server_names): an exact name, then the longest `*.` wildcard, then a chain without names (`*` is none: toFilterChainMatch). */
export function chainBySni<C extends { sni: readonly string[] }>(chains: readonly C[], sni: string): C | undefined {
  const names = (c: C) => (c.sni.includes("*") ? [] : c.sni.map((h) => h.toLowerCase()));
  const exact = chains.find((c) => names(c).includes(sni));
  if (exact) return exact;
  let best: C | undefined, len = -1;
  for (const c of chains) for (const n of names(c)) if (n.startsWith("*.") && sni.endsWith(n.slice(1)) && sni.length > n.length - 1 && n.length > len) { best = c; len = n.length; }
  return best ?? chains.find((c) => !names(c).length);
}

/**
 * Why the gateway proxy gets no certificate for a server that terminates TLS with `credentialName`, or
 * undefined when it does (no credentialName: the server's own files). istiod's SDS (pilot/pkg/model/
 * credentials ParseResourceName: "kubernetes://[namespace/]name", "If namespace is not set, we will fetch
 * from the namespace of the proxy"; pilot/pkg/xds/sds.go filterAuthorizedResources: "For Kubernetes, we
 * require the secret to be in the same namespace as the proxy", and generate: a Secret it cannot read,
 * "failed to fetch key and certificate", is no resource) leaves the filter chain without its secret: the
 * TLS handshake on it fails. MUTUAL and OPTIONAL_MUTUAL also need the client CA (resource NAME-cacert:
 * credentials/kube GetCaCert reads Secret NAME-cacert, else NAME, its cacert or ca.crt). `proxy` not in
 * the input (id < 0): its namespace is not known, so a Secret of that name in any namespace is taken.
 */
export function credentialProblem(inv: Inventory, server: IstioGatewayServer, proxy: Endpoint): string | undefined {
  const written = server.tls?.credentialName;
  if (!written || written.startsWith("builtin://")) return undefined;
  const name = written.replace(/^kubernetes(-gateway)?:\/\//, "");
  const slash = name.indexOf("/");
  const proxyNs = proxy.id < 0 ? undefined : proxy.namespace ?? "default";
  const [ns, secret] = slash < 0 ? [proxyNs, name] : [name.slice(0, slash), name.slice(slash + 1)];
  const where = proxyNs ?? "the gateway pods'";
  if (ns !== undefined && proxyNs !== undefined && ns !== proxyNs) return `credentialName ${written} names a Secret of namespace ${ns}, not the gateway pods' namespace ${proxyNs}: istiod serves a gateway only its own namespace's Secrets (sds.go filterAuthorizedResources)`;
  const secrets = inv.routing.tlsMaterial.filter((m) => m.kind === "Secret" && (ns === undefined || m.namespace === ns));
  const found = secrets.find((m) => m.name === secret);
  if (!found) return `credentialName ${written}: the input holds no Secret ${ns ? `${ns}/${secret}` : secret} (in ${where} namespace, where istiod reads it: ParseResourceName), so istiod has no certificate for the chain (sds.go generate: "failed to fetch key and certificate")`;
  const generic = found.data?.cert !== undefined && found.data?.key !== undefined;
  if (found.problem && !generic) return `credentialName ${written}: Secret ${found.namespace}/${found.name} ${found.problem} (nor cert and key), so istiod has no certificate for the chain (credentials/kube extractCertInfo)`;
  const mode = server.tls!.mode;
  if (mode !== "MUTUAL" && mode !== "OPTIONAL_MUTUAL") return undefined;
  const caSecret = secrets.find((m) => m.name === `${secret}-cacert` && m.namespace === found.namespace) ?? found;
  if (!caSecret.caCertificates?.length && !caSecret.data?.cacert) return `credentialName ${written}: server ${server.port.name} is ${mode} and Secret ${caSecret.namespace}/${caSecret.name}${caSecret === found ? ` (no Secret ${secret}-cacert)` : ""} holds no client CA (ca.crt or cacert: credentials/kube GetCaCert, ExtractRoot), so the chain has no validation context`;
  return undefined;
}
