// A user's VirtualService `tcp` and `tls` routes at an Istio sidecar: the filter chains pilot writes on
// the outbound listener of a Service port (pilot/pkg/networking/core/tls.go
// buildSidecarOutboundTCPFilterChainOpts, buildSidecarOutboundTLSFilterChainOpts; listener.go
// buildSidecarOutboundTCPListenerOpts: every VirtualService for the mesh whose host matches the
// Service's, getConfigsForHost, in pilot's order) and the chain Envoy picks for a connection (the
// destination address's longest prefix, then the SNI: exact before the longest wildcard). The chosen
// chain's destinations are resolved as an `http` route's (virtualservice.ts destinationBackend) and
// lowered into the route shape, so the walk serves the backend it picked.

import type { Endpoint } from "../../model/endpoint.js";
import { istioHostSubsetOf } from "../../model/hostname.js";
import { contains, parseAddress, type Address } from "../../model/ip.js";
import type { IstioL4Match, IstioL4Route, IstioVirtualService } from "../../model/mesh.js";
import { CORE_GROUP, ISTIO_NETWORKING_GROUP, routeKey, type BackendRef, type Route, type RouteRule } from "../../model/route.js";
import type { ResolvedBackend } from "../gateway/backends.js";
import { servedBy } from "../gateway/backends.js";
import { Headers } from "../gateway/headers.js";
import type { RouteRequest, RouteResult } from "../gateway/request.js";
import { splitOf } from "../gateway/split.js";
import { subsetOf } from "../l7/transport.js";
import { serviceHost } from "./dns.js";
import { pilotConfigOrder, routable, type MeshEngine, type MeshRouteState } from "./engine.js";
import type { BoundRoutes } from "./route.js";
import { byAge, destinationBackend, forMesh, visibility, waypointVirtualServices } from "./virtualservice.js";
import { usesTls } from "../gateway/request.js";

/** One filter chain pilot builds of a VirtualService's route: its runtime match (destination prefixes, SNI hosts) and the route. */
export interface Chain { vs: IstioVirtualService; route: IstioL4Route; match?: number; prefixes: readonly { text: string; first: bigint; last: bigint; family: 4 | 6; prefix: number }[]; sni: readonly string[] }

/** matchTCP / matchTLS: the static predicates, which decide whether the proxy gets the match at all. */
function staticMatch(m: IstioL4Match, pod: Endpoint, port: number): boolean {
  const gateways = !m.gateways.length || m.gateways.includes("mesh");
  return gateways && subsetOf(m.sourceLabels ?? {}, pod.labels) && (m.port === undefined || m.port === port) && (!m.sourceNamespace || m.sourceNamespace === pod.namespace);
}

/**
 * The user's VirtualServices a sidecar of the pod's namespace reads for the Service (bound to the mesh,
 * visible there, imported by its Sidecar), whose hosts match the Service's host either way
 * (getConfigsForHost: host.Name(vsHost).Matches), in SelectVirtualServices' order.
 */
function configsFor(mesh: MeshEngine, host: string, pod: Endpoint, imports?: (namespace: string) => boolean): IstioVirtualService[] {
  const ns = pod.namespace ?? "";
  return mesh.inv.mesh.istio.virtualServices.flatMap((vs) => {
    const list = forMesh(vs) && vs.hosts.length ? visibility(vs, ns) : undefined;
    return list !== undefined && (!imports || imports(vs.namespace)) && vs.hosts.some((h) => istioHostSubsetOf(host, h) || istioHostSubsetOf(h, host)) ? [{ vs, list }] : [];
  }).sort((a, b) => a.list - b.list || byAge(a.vs, b.vs)).map((c) => c.vs);
}

/**
 * buildSidecarOutboundTCPFilterChainOpts: the `tcp` routes in order; a route without match, or a
 * match the proxy gets without destinationSubnets, is the terminal chain ("break as soon as we add one
 * network filter with no destination addresses to match"); matches with destinationSubnets add a chain
 * for those prefixes. No terminal chain: the Service's own (undefined here).
 */
function tcpChains(configs: readonly IstioVirtualService[], pod: Endpoint, port: number): Chain[] {
  const out: Chain[] = [];
  for (const vs of configs) for (const route of vs.tcp) {
    if (!route.route.length) continue;
    if (!route.matches.length) { out.push({ vs, route, prefixes: [], sni: [] }); return out; }
    const subnets: Chain["prefixes"][number][] = [];
    for (const [i, m] of route.matches.entries()) {
      if (!staticMatch(m, pod, port)) continue;
      if (!m.destinationSubnets.length) { out.push({ vs, route, match: i, prefixes: [], sni: [] }); return out; }
      subnets.push(...m.destinationSubnets);
    }
    if (subnets.length) out.push({ vs, route, prefixes: subnets, sni: [] });
  }
  return out;
}

/**
 * buildSidecarOutboundTLSFilterChainOpts: every match of a `tls` route the proxy gets is a chain (its SNI
 * hosts, its destinationSubnets: once set they stay for the later matches, as pilot reassigns
 * `destinationCIDRs`), the first of the same runtime predicates only (hashRuntimeTLSMatchPredicates).
 */
function tlsChains(configs: readonly IstioVirtualService[], pod: Endpoint, port: number): Chain[] {
  const out: Chain[] = [];
  const seen = new Set<string>();
  let cidrs: Chain["prefixes"] = [];
  for (const vs of configs) for (const route of vs.tls) {
    if (!route.route.length) continue;
    for (const [i, m] of route.matches.entries()) {
      if (!staticMatch(m, pod, port)) continue;
      if (m.destinationSubnets.length) cidrs = m.destinationSubnets;
      const key = `${m.sniHosts.join(",")}|${m.destinationSubnets.map((c) => c.text).join(",")}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ vs, route, match: i, prefixes: cidrs, sni: m.sniHosts });
    }
  }
  return out;
}

/** Envoy's filter chain match: the longest destination prefix holding the address (chains without one after), then for TLS the SNI (exact, then the longest `*.` wildcard, then chains without server names). */
export function pick(chains: readonly Chain[], address: Address | undefined, sni: string | undefined, tls: boolean): { chosen?: Chain; why: Map<Chain, string> } {
  const why = new Map<Chain, string>();
  const prefixLen = (c: Chain) => (!c.prefixes.length ? -1 : address ? Math.max(-2, ...c.prefixes.filter((p) => p.family === address.family && contains(p, address)).map((p) => p.prefix)) : -2);
  const best = Math.max(-2, ...chains.map(prefixLen));
  for (const c of chains) if (prefixLen(c) !== best) why.set(c, prefixLen(c) === -2 ? `its destinationSubnets (${c.prefixes.map((p) => p.text).join(", ")}) do not hold the address dialled` : "a chain whose destinationSubnets hold the address dialled more specifically comes first");
  let left = chains.filter((c) => prefixLen(c) === best && best !== -2);
  if (tls) {
    const rank = (c: Chain) => (!c.sni.length ? 0 : !sni ? -1 : c.sni.includes(sni) ? 1000 : Math.max(-1, ...c.sni.filter((h) => h.startsWith("*.") && sni.endsWith(h.slice(1))).map((h) => h.length)));
    const top = Math.max(-1, ...left.map(rank));
    for (const c of left) if (rank(c) !== top || top === -1) why.set(c, rank(c) === -1 ? `SNI ${sni ?? "(none)"} matches none of ${c.sni.join(", ")}` : `a chain matching SNI ${sni} more specifically comes first`);
    left = top === -1 ? [] : left.filter((c) => rank(c) === top);
  }
  const chosen = left[0];
  for (const c of left.slice(1)) why.set(c, "lost: an earlier chain has the same match");
  return { chosen, why };
}

/** The chains as a route (one rule per chain), their destinations resolved as the client's sidecar resolves them. */
function lowered(mesh: MeshEngine, chains: readonly Chain[], kind: "TCPRoute" | "TLSRoute", port: number, pod: Endpoint): MeshRouteState {
  const vs = chains[0].vs;
  const route: Route = {
    kind, group: ISTIO_NETWORKING_GROUP, namespace: vs.namespace, name: vs.name, generation: 1, order: vs.order, parentRefs: [], hostnames: [...vs.hosts], ...(vs.src ? { src: vs.src } : {}),
    rules: chains.map((c): RouteRule => ({
      index: c.route.index, matches: [], filters: [],
      backends: c.route.route.map((d) => {
        const s = mesh.inv.services.find((x) => serviceHost(x) === d.host);
        return { group: CORE_GROUP, kind: "Service", namespace: s?.namespace ?? c.vs.namespace, name: `${s?.name ?? d.host}${d.subset ? ` subset ${d.subset}` : ""}`, port: d.port ?? (s?.ports.length === 1 ? s.ports[0].port : port), weight: c.route.route.length === 1 ? 1 : d.weight, filters: [] };
      }),
    })),
  };
  const backends = new Map<BackendRef, ResolvedBackend>();
  route.rules.forEach((rule, i) => rule.backends.forEach((ref, j) => backends.set(ref, destinationBackend(mesh.inv, mesh.backendIndex, chains[i].route.route[j], ref, port, { pod }))));
  return { route, parents: [], egressParents: [], entryParents: [], backends, dropped: new Map() };
}

export const chainName = (c: Chain) => `VirtualService ${c.vs.namespace}/${c.vs.name} ${c.sni.length ? "tls" : "tcp"}[${c.route.index}]${c.match !== undefined ? ` match ${c.match}` : ""}`;

/**
 * The outbound listener a connection meets: a Service port's (the Service's FQDN, its cluster IP), or a
 * ServiceEntry port's (the host dialled, the address dialled or the entry's own), in `namespace`.
 */
export interface L4Listener { host: string; port: number; address?: Address; namespace: string; place: string }

/**
 * A sidecar's TCP or TLS connection to a Service or ServiceEntry port over the users' VirtualServices'
 * `tcp` or `tls` routes (listener.go buildSidecarOutboundTCPListenerOpts: getConfigsForHost of the
 * listener's service, a Service or a ServiceEntry alike); undefined when they give the proxy no chain for it (the Service's own chain, or the Gateway
 * API's routes, then apply: the caller routes as before). A TLS port with chains none of which matches
 * the SNI: pilot builds no default chain ("HTTPS or TLS ports without associated virtual service" only),
 * and Envoy closes the connection. `gatewayFirst(vs)`: a Gateway API route's VirtualService comes before
 * the public user one `vs` (as sidecarUserVirtualHost orders the public list: the client namespace's
 * Gateway API routes first, then by age); Junction then leaves the connection to those routes.
 */
export function userL4(mesh: MeshEngine, at: L4Listener, pod: Endpoint, chain: "tcp" | "tls", req: RouteRequest, res: RouteResult, gatewayFirst: (vs: IstioVirtualService) => boolean, imports?: (namespace: string) => boolean): BoundRoutes | undefined {
  const all = configsFor(mesh, at.host, pod, imports);
  const cut = all.findIndex((vs) => visibility(vs, pod.namespace ?? "") === 2 && gatewayFirst(vs));
  const configs = cut < 0 ? all : all.slice(0, cut);
  const chains = chain === "tcp" ? tcpChains(configs, pod, at.port) : tlsChains(configs, pod, at.port);
  if (!chains.length) return undefined;
  // The listener is bound to the Service's address; the connection's destination is it (or the address dialled).
  const address = parseAddress(req.host ?? "") ?? at.address;
  const sni = chain === "tls" && usesTls(req.scheme) ? (req.sni ?? req.host ?? "").toLowerCase().replace(/\.$/, "") || undefined : undefined;
  const { chosen, why } = pick(chains, address, sni, chain === "tls");
  const kind = chain === "tcp" ? "TCPRoute" : "TLSRoute";
  const place = at.place;
  res.candidates = chains.map((c) => ({ route: `VirtualService ${c.vs.namespace}/${c.vs.name}`, rule: c.route.index, match: c.match ?? -1, outcome: c === chosen ? "won" : `no match: ${chainName(c)}: ${why.get(c) ?? "not chosen"}` }));
  if (!chosen && chain === "tcp") return undefined; // only destinationSubnets chains, none holding the address: the Service's own chain
  const ownerNs = (chosen ?? chains[0]).vs.namespace;
  const bound: BoundRoutes = { role: ownerNs === at.namespace ? "producer" : "consumer", namespace: ownerNs, routes: [] };
  if (!chosen) {
    Object.assign(res, { connection: "failed", reason: `the VirtualServices' tls routes give Istio's sidecar filter chains for ${place} by SNI, and none matches SNI ${sni ?? "(none)"}: pilot builds no default chain for the port, Envoy closes the connection` });
    return bound;
  }
  bound.routes.push(routable(routeChain(mesh, chosen, kind, at.port, pod, req, res, sni, "Istio's sidecar", "tls.go")));
  return bound;
}

/**
 * The connection on the filter chain Envoy chose: its route's destinations lowered (the state the walk
 * serves the picked backend from), the answer's route, backends and reason; a destination with no
 * cluster fails the connection (`proxy` says whose; `builder`, the pilot file that builds the chain).
 */
export function routeChain(mesh: MeshEngine, chosen: Chain, kind: "TCPRoute" | "TLSRoute", port: number, pod: Endpoint, req: RouteRequest, res: RouteResult, sni: string | undefined, proxy: string, builder: string): MeshRouteState {
  const state = lowered(mesh, [chosen], kind, port, pod);
  const rule = state.route.rules[0];
  Object.assign(res, { route: routeKey(state.route), rule: rule.index, ...(chosen.match !== undefined ? { match: chosen.match } : {}) });
  const split = splitOf(rule, state.backends, false);
  res.backends = split.shares;
  const failed = split.problem ?? split.failure?.message;
  if (failed) { Object.assign(res, { connection: "failed", reason: `${chainName(chosen)}: ${failed}; ${proxy} fails the connection` }); return state; }
  res.backend = servedBy(split.picked!);
  if (split.failing) res.steps.push({ stage: "backend", outcome: split.failing });
  const tls = usesTls(req.scheme);
  const h = new Headers(req.headers);
  res.upstream = req.method && req.path && !tls && req.scheme !== "tcp" ? { host: req.host, path: req.path, method: req.method, headers: h.toObject(), headerList: h.entries(), tls } : { tls, sni: tls ? sni : undefined };
  res.reason = `${chainName(chosen)} forwards the connection to ${res.backend}${kind === "TLSRoute" ? ` by SNI ${sni}` : ""} (${builder}: the filter chain of the VirtualService's ${kind === "TLSRoute" ? "tls" : "tcp"} route${chosen.prefixes.length ? ` for destinationSubnets ${chosen.prefixes.map((p) => p.text).join(", ")}` : ""})`;
  return state;
}

/**
 * A user's VirtualService `tls` and `tcp` routes at a waypoint in front of a Service
 * (listener_waypoint.go getWaypointTCPRoutes over getVirtualServiceForWaypoint: the VirtualServices of the
 * waypoint's namespace or the Service's whose host matches the Service's, in the waypoint's order):
 * "respect TLS routes before TCP routes", the first VirtualService with a `tls` rule without match or
 * with a match whose one SNI host is the Service's own ("Waypoint does not currently support SNI
 * matches"), else the first with a `tcp` rule without match or a match that holds (matchTCP with no
 * source labels, the "mesh" gateway, the port, no source namespace). The Gateway API's TLSRoutes and
 * TCPRoutes bound there (`gateway`: those the waypoint would take, by tier) come first when they are
 * older or of the waypoint's namespace and the user's is public (as waypointUserVirtualHost orders
 * them); then, or when no user route matches, undefined: the caller routes as before.
 */
export function waypointUserL4(mesh: MeshEngine, service: { host: string; namespace: string }, port: number, wp: { namespace: string; name: string }, gateway: { tls: readonly MeshRouteState[]; tcp: readonly MeshRouteState[] }, req: RouteRequest, res: RouteResult): BoundRoutes | undefined {
  const users = waypointVirtualServices(mesh.inv, service, wp.namespace);
  if (!users.length) return undefined;
  const meta = (v: IstioVirtualService) => ({ namespace: v.namespace, name: v.name, generation: 1, created: v.created, order: v.order });
  const gatewayFirst = (u: (typeof users)[number], states: readonly MeshRouteState[]) => u.list === 2 && states.length > 0 && (states.some((g) => g.route.namespace === wp.namespace) || states.some((g) => pilotConfigOrder(g.route, meta(u.vs)) < 0));
  const holds = (m: IstioL4Match) => (!m.gateways.length || m.gateways.includes("mesh")) && (m.port === undefined || m.port === port) && !m.sourceLabels && !m.sourceNamespace;
  const tier = (chain: "tls" | "tcp"): Chain | "gateway" | undefined => {
    const states = chain === "tls" ? gateway.tls : gateway.tcp;
    for (const u of users) {
      if (gatewayFirst(u, states)) return "gateway";
      for (const route of chain === "tls" ? u.vs.tls : u.vs.tcp) {
        if (!route.matches.length) return { vs: u.vs, route, prefixes: [], sni: [] };
        const i = route.matches.findIndex((m) => (chain === "tcp" || (m.sniHosts.length === 1 && m.sniHosts[0] === service.host)) && holds(m));
        if (i >= 0) return { vs: u.vs, route, match: i, prefixes: [], sni: chain === "tls" ? route.matches[i].sniHosts : [] };
      }
    }
    return states.length ? "gateway" : undefined;
  };
  let chosen = tier("tls");
  const kind = chosen === undefined ? "TCPRoute" : "TLSRoute";
  if (chosen === undefined) chosen = tier("tcp");
  if (!chosen || chosen === "gateway") return undefined;
  const proxy: Endpoint = { id: -1, kind: "pod", name: wp.name, namespace: wp.namespace, labels: {}, addresses: [], ports: [] };
  const sni = usesTls(req.scheme) ? (req.sni ?? req.host ?? "").toLowerCase() || undefined : undefined;
  res.candidates = [];
  const state = routeChain(mesh, chosen, kind, port, proxy, req, res, sni, `waypoint ${wp.namespace}/${wp.name}`, "listener_waypoint.go getWaypointTCPRoutes");
  if (kind === "TLSRoute" && res.backend) res.reason = res.reason.replace(` by SNI ${sni}`, ` (the Service's host ${service.host}: the waypoint reads no SNI)`);
  return { role: chosen.vs.namespace === service.namespace ? "producer" : "consumer", namespace: chosen.vs.namespace, routes: [routable(state)] };
}
