// The stream block: TCP and UDP listeners forward every connection to the backends of the route
// the engine picks; TLS listeners pick by SNI (ssl_preread for passthrough, the terminated
// handshake's server name otherwise). The engine answers each decision (routeRequest with the
// listener's port and a representative SNI); a refused connection is closed.
//
// A port shared by several TLS listeners (passthrough and terminating, TLS and HTTPS, or several
// terminating ones with their own certificates) is one ssl_preread server that reads the SNI and
// hands the connection, untouched, to what the engine's listener for that name is: the passthrough
// route's backends, or an internal server on a Unix socket that terminates with that listener's
// certificates (the http block's servers for HTTPS listeners, a stream server per TLS one).

import { routeRequest } from "../../engine/gateway/route.js";
import type { ListenerState } from "../../engine/gateway/listeners.js";
import type { ResolvedBackend } from "../../engine/gateway/backends.js";
import { splitOf } from "../../engine/gateway/split.js";
import type { RouteRequest, Scheme } from "../../model/request.js";
import { routeKey } from "../../model/route.js";
import { arg, block, dir, type Directive } from "./conf.js";
import type { Compilation } from "./context.js";
import { bestListener } from "../../engine/gateway/select.js";
import { attempt, httpServers, representative } from "./http.js";
import { NginxUnsupported } from "./problems.js";
import { backendTls, servingCertificates } from "./tls.js";
import { backendLabel, destination, PROXY_PICK, targetsOf } from "./upstreams.js";

/** An upstream group whose only server is down: nginx closes the client's connection. */
export const CLOSED = "jx_closed";

function request(c: Compilation, port: number, scheme: Scheme, sni?: string): RouteRequest {
  return { gateway: c.gatewayName, port, scheme, sni, path: "/", method: "GET", headers: [], backendResponseHeaders: [] };
}

/** The TLS a stream server originates to a backend: proxy_ssl with its BackendTLSPolicy's directives, or none. */
function originatedTls(c: Compilation, b: ResolvedBackend): Directive[] {
  const t = backendTls(c, b, false);
  return t.on ? [dir("proxy_ssl", "on"), ...t.directives] : [];
}

/**
 * The upstream the engine sends the connection to, or CLOSED. `origination` receives the TLS to
 * its backends when the Gateway terminates the TLSRoute (the engine originates TLS for a
 * BackendTLSPolicy only then; TCP and passthrough connections go as they came).
 */
function upstreamFor(c: Compilation, port: number, scheme: Scheme, sni?: string, origination?: (tls: Directive[]) => void): string {
  const res = routeRequest(c.engine, request(c, port, scheme, sni));
  if (res.connection || !res.route) return CLOSED;
  const state = c.engine.routes.find((r) => routeKey(r.route) === res.route)!;
  const rule = state.route.rules[res.rule!];
  // The endpoints as the Gateway's data plane picks them (Envoy Gateway: its panic mode, the rule's panicThreshold).
  const l = [...c.gateway.merged].find((x) => x.listener.name === res.listener && x.listener.port === port);
  const pick = l ? c.engine.streamEndpointPick(l, state.route, rule) : PROXY_PICK;
  return attempt(c, { object: res.route, src: state.route.src, rule: rule.index, ruleName: rule.name }, CLOSED, () => {
    // An Envoy Gateway SecurityPolicy whose authorization depends on the client (clientCIDRs): nginx would forward every connection.
    if (res.undetermined) throw new NginxUnsupported("Envoy Gateway's SecurityPolicy", `the connection's answer ${res.undetermined}, which this target does not write (Envoy's network RBAC filter)`);
    const split = splitOf(rule, state.backends, origination !== undefined, pick.reader, pick.panicThreshold);
    if (split.problem || split.failure) return CLOSED;
    const parts = rule.backends.filter((ref) => ref.weight > 0).map((ref) => ({ ref, d: destination(state.backends.get(ref)!, c.options.serviceAddresses, pick) }));
    if (parts.some((p) => "status" in p.d)) throw new NginxUnsupported("a split with unusable backends on a TCP, UDP or TLS route", "nginx cannot close a weighted share of the connections");
    if (origination) {
      const tls = parts.map((p) => originatedTls(c, p.d.backend));
      if (new Set(tls.map((t) => JSON.stringify(t))).size > 1) throw new NginxUnsupported("a split over backends with different BackendTLSPolicies on a TLS route", "one stream server originates TLS one way");
      origination(tls[0]);
    }
    return c.streamUpstreams.group(parts.map((p) => ({ targets: targetsOf(p.d), weight: p.ref.weight, name: backendLabel(p.d.backend) })));
  });
}

function listen(c: Compilation, port: number, params: string[]): Directive[] {
  const addrs = c.options.listen.length ? c.options.listen.map((a) => `${a.includes(":") && !a.startsWith("[") ? `[${a}]` : a}:${port}`) : [String(port)];
  return addrs.map((a) => dir("listen", a, ...params));
}

/** Every name nginx must tell apart on these listeners: their hostnames and their routes' (undefined: any other). */
function sniNames(c: Compilation, listeners: readonly ListenerState[]): (string | undefined)[] {
  const names: (string | undefined)[] = [undefined];
  for (const l of listeners) {
    if (!names.includes(l.listener.hostname)) names.push(l.listener.hostname);
    for (const a of c.engine.attached(l)) for (const h of a.attachment.hostnames) if (!names.includes(h)) names.push(h);
  }
  return names;
}

/** A map of the SNI in `variable`: for every name, what `target` says for a host that reaches it. */
function sniMap(c: Compilation, listeners: readonly ListenerState[], variable: string, target: (host: string) => string): string {
  const names = sniNames(c, listeners);
  const entries: [string, string][] = [["hostnames", ""]];
  for (const n of names) entries.push([n === undefined ? "default" : arg(n), target(representative(n, names))]);
  return c.map("map", variable, entries, true);
}

/** TLS listeners of one port: the upstream by SNI, for every name nginx must tell apart. */
function bySni(c: Compilation, listeners: ListenerState[], variable: string, origination?: (tls: Directive[]) => void): string {
  const port = listeners[0].listener.port;
  return sniMap(c, listeners, variable, (host) => upstreamFor(c, port, "tls", host, origination));
}

const isPassthrough = (l: ListenerState) => l.listener.protocol === "TLS" && l.listener.tls?.mode === "Passthrough";

/** A terminating TLS listener's server (on the port, or on an internal socket): its certificates, then the route by SNI. */
function terminatingServer(c: Compilation, l: ListenerState, where: Directive[], comment: string): Directive {
  if (l.clientValidation) throw new NginxUnsupported("client certificate validation on a TLS listener", `listener ${l.listener.name}, port ${l.listener.port}`);
  const certs = l.programmed ? [] : servingCertificates(c, l);
  if (!certs.length) return block("server", [], [...where.map((d) => ({ ...d, args: d.args.filter((a) => a !== "ssl") })), dir("return", '""')], comment);
  // proxy_ssl and its directives are the server's: every route of the listener must originate TLS the same way.
  const tls = new Map<string, Directive[]>();
  const routes = bySni(c, [l], "$ssl_server_name", (t) => tls.set(JSON.stringify(t), t));
  if (tls.size > 1) throw new NginxUnsupported("TLS routes of one terminating listener whose backends differ in BackendTLSPolicy", `listener ${l.listener.name}, port ${l.listener.port}: nginx originates TLS per server, not per route`);
  return block("server", [], [...where, ...certs, ...([...tls.values()][0] ?? []), dir("proxy_pass", routes)], comment);
}

function tlsServer(c: Compilation, listeners: ListenerState[]): Directive[] {
  const port = listeners[0].listener.port;
  if (listeners.every(isPassthrough)) {
    return [block("server", [], [...listen(c, port, []), dir("ssl_preread", "on"), dir("proxy_pass", bySni(c, listeners, "$ssl_preread_server_name"))], `TLS passthrough, port ${port}`)];
  }
  if (listeners.length === 1) return [terminatingServer(c, listeners[0], listen(c, port, ["ssl"]), `TLS termination, port ${port}`)];
  return sharedTlsPort(c, listeners).stream;
}

/**
 * A port of several TLS listeners (TLS passthrough or terminating, HTTPS): an ssl_preread server
 * picks the engine's listener by SNI (the most specific hostname) and forwards the connection as it
 * came: to the passthrough route's backends, or to the listener's internal terminating server on a
 * Unix socket. Those see the connection coming from nginx itself, not from the client.
 */
export function sharedTlsPort(c: Compilation, listeners: ListenerState[]): { http: Directive[]; stream: Directive[] } {
  const port = listeners[0].listener.port;
  const https = listeners.filter((l) => l.listener.protocol === "HTTPS");
  const httpsSocket = https.length ? c.socket(`https-${port}`) : undefined;
  const http = httpsSocket ? httpServers(c, https, httpsSocket) : [];
  const stream: Directive[] = [];
  const internal = new Map<ListenerState, string>();
  for (const l of listeners) {
    if (l.listener.protocol === "HTTPS") internal.set(l, `unix:${httpsSocket}`);
    else if (!isPassthrough(l) && !l.programmed) {
      const socket = `unix:${c.socket(`tls-${port}-${l.listener.name}`)}`;
      internal.set(l, socket);
      stream.push(terminatingServer(c, l, [dir("listen", socket, "ssl")], `TLS termination, listener ${l.listener.name} of port ${port}`));
    }
  }
  const target = (host: string) => {
    const l = bestListener(listeners, host);
    if (l && isPassthrough(l)) return upstreamFor(c, port, "tls", host);
    return (l && internal.get(l)) ?? CLOSED;
  };
  const front = sniMap(c, listeners, "$ssl_preread_server_name", target);
  const names = listeners.map((l) => l.listener.name).join(", ");
  stream.unshift(block("server", [], [...listen(c, port, []), dir("ssl_preread", "on"), dir("proxy_pass", front)], `port ${port}: listeners ${names}, chosen by SNI`));
  return { http, stream };
}

/** The stream servers of one port's listeners (TCP, UDP or TLS); problems are recorded. */
export function streamServers(c: Compilation, listeners: ListenerState[]): Directive[] {
  const port = listeners[0].listener.port;
  const protocol = listeners[0].listener.protocol;
  const gw = { object: `Gateway ${c.gatewayName}`, src: c.gateway.gateway.src };
  if (protocol === "TLS") return attempt(c, gw, [], () => tlsServer(c, listeners));
  const udp = protocol === "UDP";
  const upstream = upstreamFor(c, port, udp ? "udp" : "tcp");
  const body = upstream === CLOSED ? [dir("return", '""')] : [dir("proxy_pass", upstream)];
  if (udp && upstream === CLOSED) return [];
  return [block("server", [], [...listen(c, port, udp ? ["udp"] : []), ...body], `${protocol} listener ${listeners[0].listener.name}, port ${port}`)];
}
