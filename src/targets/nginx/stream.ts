// The stream block: TCP and UDP listeners forward every connection to the backends of the route
// the engine picks; TLS listeners pick by SNI (ssl_preread for passthrough, the terminated
// handshake's server name otherwise). The engine answers each decision (routeRequest with the
// listener's port and a representative SNI); a refused connection is closed.

import { routeRequest } from "../../engine/gateway/route.js";
import type { ListenerState } from "../../engine/gateway/listeners.js";
import { splitOf } from "../../engine/gateway/split.js";
import type { RouteRequest, Scheme } from "../../model/request.js";
import { routeKey } from "../../model/route.js";
import { arg, block, dir, type Directive } from "./conf.js";
import type { Compilation } from "./context.js";
import { attempt, representative } from "./http.js";
import { NginxUnsupported } from "./problems.js";
import { servingCertificates } from "./tls.js";
import { backendLabel, destination, targetsOf } from "./upstreams.js";

/** An upstream group whose only server is down: nginx closes the client's connection. */
export const CLOSED = "jx_closed";

function request(c: Compilation, port: number, scheme: Scheme, sni?: string): RouteRequest {
  return { gateway: c.gatewayName, port, scheme, sni, path: "/", method: "GET", headers: [], backendResponseHeaders: [] };
}

/** The upstream the engine sends the connection to, or CLOSED. */
function upstreamFor(c: Compilation, port: number, scheme: Scheme, sni?: string): string {
  const res = routeRequest(c.engine, request(c, port, scheme, sni));
  if (res.connection || !res.route) return CLOSED;
  const state = c.engine.routes.find((r) => routeKey(r.route) === res.route)!;
  const rule = state.route.rules[res.rule!];
  return attempt(c, { object: res.route, src: state.route.src, rule: rule.index, ruleName: rule.name }, CLOSED, () => {
    const split = splitOf(rule, state.backends);
    if (split.problem || split.failure) return CLOSED;
    const parts = rule.backends.filter((ref) => ref.weight > 0).map((ref) => ({ ref, d: destination(state.backends.get(ref)!, c.options.serviceAddresses) }));
    if (parts.some((p) => "status" in p.d)) throw new NginxUnsupported("a split with unusable backends on a TCP, UDP or TLS route", "nginx cannot close a weighted share of the connections");
    if (parts.some((p) => p.d.backend.tlsPolicy)) throw new NginxUnsupported("BackendTLSPolicy on a TCP or TLS route", "the target does not write the stream proxy's TLS origination (proxy_ssl) yet");
    return c.streamUpstreams.group(parts.map((p) => ({ targets: targetsOf(p.d), weight: p.ref.weight, name: backendLabel(p.d.backend) })));
  });
}

function listen(c: Compilation, port: number, params: string[]): Directive[] {
  const addrs = c.options.listen.length ? c.options.listen.map((a) => `${a.includes(":") && !a.startsWith("[") ? `[${a}]` : a}:${port}`) : [String(port)];
  return addrs.map((a) => dir("listen", a, ...params));
}

/** TLS listeners of one port: the upstream by SNI, for every name nginx must tell apart. */
function bySni(c: Compilation, listeners: ListenerState[], variable: string): string {
  const port = listeners[0].listener.port;
  const names: (string | undefined)[] = [undefined];
  for (const l of listeners) {
    if (!names.includes(l.listener.hostname)) names.push(l.listener.hostname);
    for (const a of c.engine.attached(l)) for (const h of a.attachment.hostnames) if (!names.includes(h)) names.push(h);
  }
  const entries: [string, string][] = [["hostnames", ""]];
  for (const n of names) entries.push([n === undefined ? "default" : arg(n), upstreamFor(c, port, "tls", representative(n, names))]);
  return c.map("map", variable, entries, true);
}

function tlsServer(c: Compilation, listeners: ListenerState[]): Directive {
  const port = listeners[0].listener.port;
  const passthrough = listeners.filter((l) => l.listener.tls?.mode === "Passthrough");
  if (passthrough.length === listeners.length) {
    return block("server", [], [...listen(c, port, []), dir("ssl_preread", "on"), dir("proxy_pass", bySni(c, listeners, "$ssl_preread_server_name"))], `TLS passthrough, port ${port}`);
  }
  const names = listeners.map((l) => l.listener.name).join(", ");
  if (passthrough.length) throw new NginxUnsupported("TLS passthrough and termination on one port", `listeners ${names} on port ${port}`);
  const programmed = listeners.filter((l) => !l.programmed);
  if (programmed.length > 1) throw new NginxUnsupported("several terminating TLS listeners on one port", `listeners ${names} on port ${port} would need a certificate chosen by SNI, which the stream block of nginx 1.22 cannot do`);
  if (listeners.some((l) => l.clientValidation)) throw new NginxUnsupported("client certificate validation on a TLS listener", `port ${port}`);
  const certs = programmed.length ? servingCertificates(c, programmed[0]) : [];
  const body = certs.length ? [...listen(c, port, ["ssl"]), ...certs, dir("proxy_pass", bySni(c, listeners, "$ssl_server_name"))] : [...listen(c, port, []), dir("return", '""')];
  return block("server", [], body, `TLS termination, port ${port}`);
}

/** The stream servers of one port's listeners (TCP, UDP or TLS); problems are recorded. */
export function streamServers(c: Compilation, listeners: ListenerState[]): Directive[] {
  const port = listeners[0].listener.port;
  const protocol = listeners[0].listener.protocol;
  const gw = { object: `Gateway ${c.gatewayName}`, src: c.gateway.gateway.src };
  if (protocol === "TLS") return attempt(c, gw, [], () => [tlsServer(c, listeners)]);
  const udp = protocol === "UDP";
  const upstream = upstreamFor(c, port, udp ? "udp" : "tcp");
  const body = upstream === CLOSED ? [dir("return", '""')] : [dir("proxy_pass", upstream)];
  if (udp && upstream === CLOSED) return [];
  return [block("server", [], [...listen(c, port, udp ? ["udp"] : []), ...body], `${protocol} listener ${listeners[0].listener.name}, port ${port}`)];
}
