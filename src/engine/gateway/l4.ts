// Routing below HTTP: TLSRoutes by SNI (passthrough, or terminated at the Gateway), TCPRoutes
// and UDPRoutes by listener port. Several routes on one listener: the most specific hostname
// wins (TLS), then the oldest route. No route or no usable backend: the connection is refused.

import type { Route, RouteKind, RouteMatch, RouteRule } from "../../model/route.js";
import { routeKey } from "../../model/route.js";
import type { GatewayEngine } from "./engine.js";
import type { ListenerState } from "./listeners.js";
import { compareApplied, describeCandidates, matchedHostname, type Applied } from "./precedence.js";
import type { RouteRequest, RouteResult } from "./request.js";
import { Headers } from "./headers.js";
import { splitOf } from "./split.js";
import { servedBy } from "./backends.js";
import { endpointsOutcome } from "./endpoints.js";
import { connectionSource, listenerTranslationErrors } from "./client-policy.js";
import { streamAuthorization } from "./security-policy.js";
import { envoyGatewayPeer } from "./peer.js";
import type { Address } from "../../model/ip.js";

const NO_MATCH: RouteMatch = { headers: [], queryParams: [] };

export interface L4Options {
  kind: RouteKind;
  sni?: string;
  /** Whether the backend sees TLS (passthrough). */
  tls: boolean;
  /** The HTTP request the client sends inside the connection, if it speaks HTTP (the backend's answer is assumed 200). */
  httpClient?: RouteRequest;
  /** The connection's source, when the request names its client (a SecurityPolicy's clientCIDRs read it). */
  client?: Address;
}

/**
 * Why the listener's ClientTrafficPolicy leaves it no route (Envoy Gateway: a TCP or TLS listener; UDP
 * listeners take none): translateClientTrafficPolicyForListener, on an error, sets `tcpIR.Routes = nil`
 * ("The listener will still be created, but any client traffic will be forwarded to the default empty
 * cluster"), and Envoy closes the connection.
 */
function clientPolicyRefusal(engine: GatewayEngine, l: ListenerState): string | undefined {
  const cp = l.listener.protocol === "UDP" ? undefined : engine.listenerClientPolicy(l);
  const errors = cp && !cp.refused ? listenerTranslationErrors(cp.policy, { http: false, tls: l.listener.protocol === "TLS" && l.listener.tls?.mode === "Terminate" }, engine.inv.routing) : [];
  return cp && errors.length ? `ClientTrafficPolicy ${cp.policy.namespace}/${cp.policy.name} cannot be translated (${errors.join("; ")}): Envoy Gateway removes the routes of listener ${l.listener.name}, whose connections go to an empty cluster: the connection is closed` : undefined;
}

export function routeL4(engine: GatewayEngine, l: ListenerState, o: L4Options, res: RouteResult): void {
  const refused = clientPolicyRefusal(engine, l);
  if (refused) { res.connection = "rejected"; res.reason = refused; return; }
  const applied: Applied[] = [];
  for (const attached of engine.attached(l)) {
    const r = attached.state.route;
    if (r.kind !== o.kind || !r.rules.length) continue;
    const hostname = o.kind === "TLSRoute" ? matchedHostname(attached, o.sni ?? "") : undefined;
    if (hostname !== null) applied.push({ attached, rule: streamRule(engine, l, r), match: NO_MATCH, matchIndex: 0, hostname });
  }
  applied.sort(compareApplied);
  res.candidates = describeCandidates(applied);
  if (!applied.length) {
    res.connection = "rejected";
    res.reason = `no ${o.kind} on listener ${l.listener.name}${o.kind === "TLSRoute" ? ` serves SNI ${o.sni || "(none)"}` : ""}: the connection is closed`;
    return;
  }
  const w = applied[0];
  Object.assign(res, { route: routeKey(w.attached.state.route), rule: w.rule.index, ruleName: w.rule.name });
  // Envoy Gateway: a SecurityPolicy's authorization, a network RBAC filter before the TCP proxy (UDP takes none).
  const sp = o.kind !== "UDPRoute" ? engine.listenerSecurityPolicy(l)?.(w.attached.state.route, w.rule) : undefined;
  // The connection's source as Envoy sees it (peer.ts: a node's behind its LoadBalancer Service under
  // externalTrafficPolicy Cluster), or the PROXY header's with the listener's ClientTrafficPolicy proxyProtocol
  // (the network RBAC filter's SourceIPInput is the connection's remote address).
  const peer = sp && envoyGatewayPeer(engine.inv, engine.index, l.gateway, o.client, l.listener.port);
  if (peer?.seen) res.steps.push({ stage: "policy", outcome: peer.seen });
  const authz = sp && peer && streamAuthorization(sp, connectionSource(engine.listenerClientPolicy(l), peer));
  for (const note of authz?.notes ?? []) res.steps.push({ stage: "policy", outcome: note, detail: { securityPolicy: sp!.policies } });
  if (authz?.closed) { res.connection = "rejected"; res.reason = authz.closed; return; }
  if (authz?.undetermined) { Object.assign(res, { undetermined: `depends on ${authz.undetermined}`, reason: `depends on ${authz.undetermined} (Junction cannot tell the answer)` }); return; }
  // The Gateway originates TLS to the backend (BackendTLSPolicy) only for a TLSRoute it terminates.
  const reencrypts = o.kind === "TLSRoute" && !o.tls;
  const { reader, panicThreshold } = engine.streamEndpointPick(l, w.attached.state.route, w.rule);
  const split = splitOf(w.rule, w.attached.state.backends, reencrypts, reader, panicThreshold);
  res.backends = split.shares;
  const failed = split.problem ?? split.failure?.message;
  if (failed) {
    res.connection = "rejected";
    res.reason = `${routeKey(w.attached.state.route)}: ${failed}; the connection is closed`;
    return;
  }
  const picked = split.picked!;
  res.backend = servedBy(picked);
  if (picked.endpoints) res.steps.push({ stage: "endpoints", outcome: endpointsOutcome(picked, reader, panicThreshold) });
  const q = o.httpClient;
  const h = q && new Headers(q.headers);
  const http = q && h ? { host: q.host ?? o.sni ?? "", path: q.path, method: q.method, headers: h.toObject(), headerList: h.entries() } : {};
  const policy = reencrypts ? picked.tlsPolicy : undefined;
  res.upstream = { ...http, tls: o.tls || policy !== undefined, sni: o.tls ? o.sni : policy?.hostname };
  if (q) res.status = 200;
  res.reason = `${routeKey(w.attached.state.route)} forwards the connection to ${res.backend}${o.tls ? " (TLS passthrough)" : ""}`;
}

/**
 * The rule a TLSRoute, TCPRoute or UDPRoute sends by on listener `l`: its first (Istio: pilot
 * conversion.go buildTCPVirtualService, one match-less route per rule, the first applies). Envoy Gateway
 * pools a TLSRoute's rules' backends in one destination (envoyproxy/gateway v1.9.0 route.go
 * processTLSRouteParentRefs: "TLSRouteRule has no match criteria, so every rule's backends pool into one
 * destination"; a backendRef of weight 0 adds nothing), and accepts a TCPRoute or UDPRoute of one rule
 * only (engine.ts envoyGatewayOneRule).
 */
function streamRule(engine: GatewayEngine, l: ListenerState, r: Route): RouteRule {
  if (r.kind !== "TLSRoute" || r.rules.length < 2 || !engine.gateway(l.gateway.namespace, l.gateway.name)?.envoyGateway) return r.rules[0];
  const { name: _name, ...first } = r.rules[0];
  return { ...first, backends: r.rules.flatMap((x) => x.backends) };
}
