// The virtual hosts Envoy Gateway (v1.9.0) writes into the one route configuration of a port's plain
// HTTP listeners, and the domain two of them share, which Envoy refuses.
//
// Envoy Gateway gives the plain HTTP listeners on a port one filter chain and one RouteConfiguration
// (internal/xds/translator/translator.go processHTTPListenerXdsTranslation: "we use the listener's
// default TCP filter chain because we can not differentiate the HTTP traffic at the TCP filter chain
// level using SNI"; the route config name found on the xDS listener), of the Gateway, or of every
// Gateway of its class when merged (merge.ts). addRouteToRouteConfig appends each IR listener's virtual
// hosts, one per hostname of its IR routes ("1:1 between IR HTTPRoute Hostname and xDS VirtualHost"),
// deduplicated within that listener only. Its IR routes' hostnames are computeHosts'
// (internal/gatewayapi/helpers.go): a route without hostnames takes the listener's (or "*"), one with
// hostnames their intersections with the listener's, less the hostnames of the other listeners of the
// same Gateway (its ListenerSets' too) on the port. So a route attached to two listeners of a port
// (`*.example.com` and `*.a.example.com`, hostname `x.a.example.com`), or routes of two merged
// Gateways' listeners giving the same hostname, put one domain in two virtual hosts; Envoy's
// RouteMatcher refuses the whole route configuration ("Only unique values for domains are permitted.
// Duplicate entry of domain {} in route {}", config_impl.cc; domains lowercased), and Envoy Gateway
// does not look (the route configuration is valid field by field).
//
// The port's one route configuration also means Envoy picks the virtual host by domain across every
// listener of the port, not the listener first: RouteMatcher::findVirtualHost (config_impl.cc) looks
// the lowercased Host up among the exact domains, then the suffix wildcards longest first
// (findWildcardVirtualHost: "foo-bar.baz.com should match *-bar.baz.com before matching *.baz.com",
// a wildcard no shorter than the host skipped), then the prefix wildcards (none from the Gateway API),
// then the `*` virtual host; none: 404. So a route's exact hostname on a listener without hostname
// wins over a `*.example.com` listener's routes (the Gateway API's listener precedence would pick that
// listener), and a listener without routes has no virtual host to take a request.

import type { AttachedRoute } from "./engine.js";
import type { ListenerState } from "./listeners.js";

/** A listener's name as Envoy Gateway names its IR listener: namespace/gateway/listener, or namespace/listenerset/listener. */
export const irListenerName = (l: ListenerState) => (l.set ? `${l.set.namespace}/${l.set.name}/${l.listener.name}` : `${l.gateway.namespace}/${l.gateway.name}/${l.listener.name}`);

/**
 * The hostnames of a route's IR routes on listener `l` (computeHosts), lowercased: a route without
 * hostnames takes the listener's (or "*"), one with hostnames their intersections with the
 * listener's, less the hostnames of the Gateway's other listeners on the port (`peers`); none for a
 * route that is no HTTP or gRPC route, or whose every rule is dropped (no IR route).
 */
function irHostnames(l: ListenerState, a: AttachedRoute, peers: readonly ListenerState[]): string[] {
  const route = a.state.route;
  if ((route.kind !== "HTTPRoute" && route.kind !== "GRPCRoute") || route.group !== undefined) return [];
  if (route.rules.every((r) => a.state.dropped.has(r))) return [];
  const taken = new Set(peers.filter((o) => o !== l && o.listener.port === l.listener.port && o.listener.hostname !== undefined).map((o) => o.listener.hostname!));
  const hosts = route.hostnames.length ? a.attachment.hostnames.filter((h): h is string => h !== undefined && !taken.has(h)) : [l.listener.hostname ?? "*"];
  return hosts.map((h) => h.toLowerCase());
}

/** The domains of listener `l`'s virtual hosts, each with the first route that gives it; `peers`: its Gateway's listeners (with its ListenerSets'). */
function domains(l: ListenerState, routes: readonly AttachedRoute[], peers: readonly ListenerState[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of routes) {
    for (const h of irHostnames(l, a, peers)) if (!out.has(h)) out.set(h, `${a.state.route.kind} ${a.state.route.namespace}/${a.state.route.name}`);
  }
  return out;
}

/**
 * The routes of virtual host `domain` of listener `l`: those with an IR route of that hostname
 * ("1:1 between IR HTTPRoute Hostname and xDS VirtualHost"). Envoy matches a request only against the
 * routes of the virtual host it picked (RouteMatcher::route: findVirtualHost, then that virtual host's
 * routes; none matches: 404), not every route of the listener whose hostname covers the host.
 */
export function virtualHostRoutes(l: ListenerState, routes: readonly AttachedRoute[], peers: readonly ListenerState[], domain: string): AttachedRoute[] {
  return routes.filter((a) => irHostnames(l, a, peers).includes(domain));
}

/** A virtual host of a port's route configuration: its listener and domain. */
export interface VirtualHost { listener: ListenerState; domain: string }

/** How Envoy ranks domain `d` for `host` (findVirtualHost): exact above every suffix wildcard (longest first) above `*`; -1: no match. */
function domainRank(d: string, host: string): number {
  if (d === host) return Infinity;
  if (d === "*") return 0;
  return d.startsWith("*") && host.length > d.length - 1 && host.endsWith(d.slice(1)) ? d.length : -1;
}

/**
 * The virtual host Envoy picks for `host` (port stripped) in the route configuration of the plain
 * HTTP listeners `shared` (findVirtualHost, above), or undefined (Envoy answers 404).
 */
export function virtualHostFor(shared: readonly ListenerState[], attached: (l: ListenerState) => readonly AttachedRoute[], peers: (l: ListenerState) => readonly ListenerState[], host: string): VirtualHost | undefined {
  const h = host.toLowerCase();
  let best: (VirtualHost & { rank: number }) | undefined;
  for (const l of shared) {
    for (const domain of domains(l, attached(l), peers(l)).keys()) {
      const rank = domainRank(domain, h);
      if (rank >= 0 && (!best || rank > best.rank)) best = { listener: l, domain, rank };
    }
  }
  return best && { listener: best.listener, domain: best.domain };
}

/**
 * Why Envoy refuses the route configuration of the plain HTTP listeners `shared` (one port, one Envoy,
 * ready ones in Envoy Gateway's order): the first domain a listener's virtual host repeats from an
 * earlier listener's, or undefined.
 */
export function duplicateDomain(shared: readonly ListenerState[], attached: (l: ListenerState) => readonly AttachedRoute[], peers: (l: ListenerState) => readonly ListenerState[]): string | undefined {
  if (shared.length < 2) return undefined;
  const seen = new Map<string, { listener: ListenerState; route: string }>();
  for (const l of shared) {
    for (const [domain, route] of domains(l, attached(l), peers(l))) {
      const first = seen.get(domain);
      if (first) {
        return `Envoy refuses the route configuration of the plain HTTP listeners on port ${l.listener.port}: Envoy Gateway writes one for all of them, with a virtual host per listener and hostname, and ${domain} is a domain of listener ${irListenerName(first.listener)}'s (${first.route}) and of listener ${irListenerName(l)}'s (${route}) ("Only unique values for domains are permitted. Duplicate entry of domain ${domain}"); the proxy keeps the routes it had, and one that never had any answers every request on the port 404`;
      }
      seen.set(domain, { listener: l, route });
    }
  }
  return undefined;
}
