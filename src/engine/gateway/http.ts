// Routing an HTTP (or gRPC, or WebSocket) request where it arrived (the listener that took it, or a
// Service port in the mesh): the winning rule match across every attached route, its filters, the
// backend split, and the answer.

import { normalizeHost } from "../../model/hostname.js";
import { hasIngressSemantics, hasObject, type Gateway, type RouteGraph } from "../../model/gateway.js";
import { linkerdUnsupportedFilter, routeKey, type ObjectRef, type Route, type RouteKind, type RouteRule } from "../../model/route.js";
import { failureOf, servedBy, type ResolvedBackend } from "./backends.js";
import type { EndpointReader } from "../../model/service-endpoints.js";
import { formatAddress, type Address } from "../../model/ip.js";
import { GRPC_OF_HTTP, grpcStatusName, speaksHttp2 } from "../../model/request.js";
import { ingressNginxSource, type NginxSource } from "./nginx-source.js";
import { endpointsOutcome } from "./endpoints.js";
import { envoyGatewayTiming, istioTiming } from "../mesh/proxy-timing.js";
import { ISTIO_GATEWAY_CONTROLLER } from "../mesh/waypoint.js";
import { behaviourFromQuery, simulateBackend, simulateGrpcBackend, type BackendTiming } from "./backend-model.js";
import type { GatewayEngine } from "./engine.js";
import { applyFilters, type Exchange, type FilterContext } from "./filters.js";
import { nginxAccess, nginxClientCertProblem } from "./nginx-access.js";
import { nginxRewrite } from "./nginx-rewrite.js";
import { nginxBodyTooLarge } from "./nginx-body.js";
import { nginxErrorPage } from "./nginx-errors.js";
import { nginxCertificateFor } from "../../model/nginx-server-name.js";
import { envoyGatewayPath, nginxUri } from "./nginx-uri.js";
import { Headers, type HeaderOrder } from "./headers.js";
import type { ListenerState } from "./listeners.js";
import type { MatchReader } from "./match.js";
import { applicable, describeCandidates, type Applied, type Routable } from "./precedence.js";
import type { RouteRequest, RouteResult } from "./request.js";
import { splitOf } from "./split.js";
import { forRule, responseOverride, trafficPolicyOutcome, type EffectiveTrafficPolicy, type TrafficPolicyOutcome } from "./traffic-policy.js";
import { corsPreflight, corsResponseHeaders, isPreflight, originAllowed } from "./cors.js";
import { afterJwt, securityCorsAllows, securityOutcome, type EffectiveSecurityPolicy, type SecurityPolicyIndex } from "./security-policy.js";
import { clientAddress, earlyHeaders, http10Error, listenerTranslationErrors, underscoreHeaders, type ClientAddress, type EffectiveClientPolicy } from "./client-policy.js";
import { parseQuery, queryParameters } from "./query.js";
import { envoyGatewayPeer, NO_CLIENT } from "./peer.js";

/** Where an HTTP request arrived: the routes attached there and what the filters need to know of the place. */
export interface HttpContext {
  graph: RouteGraph;
  routes: readonly Routable[];
  /** The port the client connected to (a redirect without scheme or port keeps it). */
  port: number;
  scheme: "http" | "https";
  /** e.g. "listener web", "Service shop/api port 80": for explanations. */
  place: string;
  /** The client certificate presented to backends that have a BackendTLSPolicy (the Gateway's). */
  backendClientCert?: ObjectRef;
  /** The proxy that matches (default envoy: a Gateway; nginx: an Ingress class; a mesh client's proxy). */
  reader?: MatchReader;
  /** The Host header's trailing dot is kept (a Gateway API Gateway: Envoy), not dropped (an Ingress class: nginx). */
  keepTrailingDot?: boolean;
  /** Who picks the backends' endpoints (backends.ts gatewayEndpointReader); default: a proxy's reading. */
  endpoints?: EndpointReader;
  /** Where a rule without backendRefs sends its requests (a Linkerd client: the parent, mesh/route.ts linkerdOutbound); default: nowhere, 500. */
  emptyRule?: ResolvedBackend;
  /** The timeouts and retries the proxy gives a rule sending to `picked`, where they are not the rule's own (a Linkerd client: model/route.ts linkerdRuleTiming; an Istio proxy: istioRuleTiming), and how it answers a reset. */
  timing?: (route: Route, rule: RouteRule, picked: ResolvedBackend, traffic?: EffectiveTrafficPolicy) => BackendTiming;
  /** Envoy Gateway's listener: the path is normalized before routing (envoyGatewayPath). */
  envoyGatewayPaths?: true;
  /** A class ingress-nginx serves: its header name settings (its ConfigMap's enable-underscores-in-headers, ignore-invalid-headers). */
  nginxHeaderNames?: Gateway["nginxHeaderNames"];
  /** ingress-nginx's HSTS (Gateway.nginxHsts): the header of its HTTPS answers for a host with a certificate configured. */
  nginxHsts?: { value: string; hosts: readonly string[] };
  /** ingress-nginx's certificate servers (Gateway.nginxCertificates): whose ssl-redirect applies (RouteRule.nginxSslRedirect). */
  nginxCertificates?: readonly string[];
  /** The source ingress-nginx sees for a client outside the cluster (an Ingress class: nginx-source.ts), when not the client's. */
  nginxSource?: (client: Address, port: number) => NginxSource | undefined;
  /** The Envoy Gateway BackendTrafficPolicy a rule's requests get here (a Gateway of Envoy Gateway's controller). */
  trafficPolicy?: (route: Route, rule: RouteRule) => EffectiveTrafficPolicy | undefined;
  /** The Envoy Gateway SecurityPolicy a rule's requests get here, and the index that reads its Secrets. */
  securityPolicy?: { effective: (route: Route, rule: RouteRule) => EffectiveSecurityPolicy | undefined; index: SecurityPolicyIndex; now?: number };
  /** The Envoy Gateway ClientTrafficPolicy of the listener (the client address Envoy reads: client-policy.ts). */
  clientPolicy?: EffectiveClientPolicy;
  /** The connection's source Envoy sees for the request's client (Envoy Gateway: peer.ts envoyGatewayPeer); `seen` says why when it is not the client. */
  peer?: (client: Address | undefined) => ClientAddress & { seen?: string };
  /** Its http1.http10.useDefaultHost error on this listener (client-policy.ts http10Error). */
  clientPolicyHttp1?: string;
  /** A RequestHeaderModifier's Host is the upstream authority (a mesh client's Istio or Linkerd proxy: filters.ts FilterContext.hostToAuthority). */
  hostToAuthority?: boolean;
  /** Why Envoy refuses the listener's route configuration (Envoy Gateway: engine.ts rejectedRouteConfig), asked once a request is not refused before routing. */
  rejectedRoutes?: () => string | undefined;
}

/** `host`: the Host the request carries (Envoy Gateway: the routes of the virtual host Envoy picks for it, engine.ts routesFor). */
export function listenerContext(engine: GatewayEngine, l: ListenerState, scheme: "http" | "https", host: string): HttpContext {
  const gw = engine.gateway(l.gateway.namespace, l.gateway.name);
  const trafficPolicy = engine.listenerTrafficPolicy(l), clientPolicy = engine.listenerClientPolicy(l), security = engine.listenerSecurityPolicy(l);
  const vhost = engine.routesFor(l, host);
  return {
    graph: engine.inv.routing, routes: vhost.routes, port: l.listener.port, scheme,
    place: vhost.domain !== undefined ? `listener ${l.listener.name}, virtual host ${vhost.domain}` : vhost.byDomain ? `listener ${l.listener.name} (no virtual host of its route configuration has a domain matching the host)` : `listener ${l.listener.name}`, backendClientCert: l.gateway.tls?.backendClientCertificate, keepTrailingDot: keepsTrailingDot(l, clientPolicy),
    endpoints: gw?.endpointReader ?? "proxy",
    ...(trafficPolicy ? { trafficPolicy, rejectedRoutes: () => engine.rejectedRouteConfig(l) } : {}), ...(clientPolicy ? { clientPolicy } : {}),
    ...(security ? { securityPolicy: { effective: security, index: engine.securityPolicies, ...(engine.inv.mesh.settings.now !== undefined ? { now: engine.inv.mesh.settings.now } : {}) } } : {}),
    ...(clientPolicy?.policy.http10DefaultHost ? { clientPolicyHttp1: http10Error(l, engine.attached(l), gw?.merged ?? []) } : {}),
    // An Istio Gateway's rules get pilot's retries and timeouts, as a sidecar's (convertHTTPRoute is shared), Envoy Gateway's its own (mesh/proxy-timing.ts).
    ...(gw?.controllerName === ISTIO_GATEWAY_CONTROLLER ? { timing: istioTiming(engine) } : gw?.envoyGateway ? { timing: envoyGatewayTiming(engine), envoyGatewayPaths: true as const, peer: (client: Address | undefined) => envoyGatewayPeer(engine.inv, engine.index, l.gateway, client, l.listener.port) } : {}),
    ...(hasIngressSemantics(l.gateway) && l.gateway.nginxHsts ? { nginxHsts: l.gateway.nginxHsts } : {}),
    ...(hasIngressSemantics(l.gateway) && l.gateway.nginxCertificates ? { nginxCertificates: l.gateway.nginxCertificates } : {}),
    ...(hasIngressSemantics(l.gateway) ? { reader: "nginx" as const, ...(l.gateway.nginxHeaderNames ? { nginxHeaderNames: l.gateway.nginxHeaderNames } : {}), nginxSource: (client: Address, port: number) => ingressNginxSource(engine.inv, engine.index, client, port, l.gateway.derivedFrom?.name) } : {}),
  };
}

/**
 * Whether the Host header's trailing dot is kept: by Envoy (HostSettings.StripTrailingHostDot, default
 * false), unless the listener's ClientTrafficPolicy sets headers.host.stripTrailingHostDot (the HCM's
 * strip_trailing_host_dot); not by nginx (an Ingress class).
 */
export const keepsTrailingDot = (l: ListenerState, cp: EffectiveClientPolicy | undefined): boolean => !hasIngressSemantics(l.gateway) && !(cp && !cp.refused && cp.policy.stripTrailingHostDot);

/** What the controller sees instead of the client, worked out only when nginxAccess asks (a location with source ranges). */
const seenBy = (source: NonNullable<HttpContext["nginxSource"]>, client: Address, port: number) => () => source(client, port);

/** HTTP status → gRPC status, as gRPC clients map a response without grpc-status. */
export function grpcCodeOf(status: number): string {
  if (status === 200) return "OK";
  return GRPC_OF_HTTP[status] ?? "UNKNOWN";
}

/**
 * The service and method a gRPC match compares. Envoy-based implementations match the path itself
 * (match.ts matchFailure): the service is the first segment, the "method" the rest of the path after
 * it, so "/svc/m/extra" has method "m/extra" and "/svc/" the empty method; a path without a second
 * "/" is no call. Linkerd's proxy splits the path on "/" and reads the second and third pieces, so
 * further segments are ignored and the method may be empty ("/svc/"), while "/svc" has no method and
 * matches no rule (linkerd2-proxy linkerd/http/route/src/grpc/match.rs MatchRpc::match_length).
 */
function grpcMethod(path: string, reader?: MatchReader): { service: string; method: string } | undefined {
  if (reader === "linkerd") {
    const parts = path.split("/");
    return parts[0] === "" && parts.length >= 3 ? { service: parts[1], method: parts[2] } : undefined;
  }
  const m = /^\/([^/]*)\/(.*)$/s.exec(path);
  return m ? { service: m[1], method: m[2] } : undefined;
}

function filterContext(graph: RouteGraph, state: Routable["state"], ctx: HttpContext): FilterContext {
  return {
    headerOrder: ctx.reader === "linkerd" ? "linkerd" : "envoy", hostToAuthority: ctx.hostToAuthority, ...(ctx.envoyGatewayPaths ? { envoyGateway: true } : {}),
    backend: (ref) => state.backends.get(ref),
    hasObject: (group, kind, name) => hasObject(graph, group, kind, state.route.namespace, name),
  };
}

function exchange(req: RouteRequest, ctx: HttpContext, path: string, query: string, w: Applied): Exchange {
  const hostHeader = req.host ?? req.sni ?? "";
  return {
    scheme: ctx.scheme, listenerPort: ctx.port, host: normalizeHost(hostHeader), hostHeader, path, query: query ? `?${query}` : "",
    method: req.method, headers: new Headers(req.headers), matchedPrefix: w.match.path?.type === "PathPrefix" ? w.match.path.value : undefined,
    responseModifiers: [], responseHeaders: [], mirrors: [], applied: [],
  };
}

function responseHeaders(req: RouteRequest, ex: Exchange, fromBackend: boolean, order: HeaderOrder, proxyRedirect?: { from: string; to: string }): Record<string, string> {
  // ingress-nginx's `proxy_redirect FROM TO;` (ngx_http_proxy_rewrite_complex_handler: a case-sensitive prefix of Location and Refresh).
  const given = fromBackend ? req.backendResponseHeaders : [];
  const h = new Headers(proxyRedirect ? given.map(([k, v]) => [k, /^(location|refresh)$/i.test(k) ? rewriteRedirect(k, v, proxyRedirect) : v]) : given);
  for (const [k, v] of ex.responseHeaders) h.set(k, v);
  for (const m of ex.responseModifiers) h.apply(m, order);
  return h.toObject();
}

/** Location: the value starting with FROM; Refresh: its "url=" part (ngx_http_proxy_rewrite_refresh). */
function rewriteRedirect(name: string, value: string, r: { from: string; to: string }): string {
  if (/^location$/i.test(name)) return value.startsWith(r.from) ? r.to + value.slice(r.from.length) : value;
  const at = value.toLowerCase().indexOf("url=");
  return at >= 0 && value.startsWith(r.from, at + 4) ? value.slice(0, at + 4) + r.to + value.slice(at + 4 + r.from.length) : value;
}

/**
 * `policy`: the rule's BackendTrafficPolicy (Envoy Gateway): its healthCheck.panicThreshold, retry and
 * request timeout. True when the status is the proxy's own reply (a timeout's 504, a reset it answers).
 */
function forward(res: RouteResult, req: RouteRequest, ex: Exchange, picked: ResolvedBackend, ctx: HttpContext, w: Applied, policy?: EffectiveTrafficPolicy): boolean {
  const panicThreshold = policy?.panicThreshold;
  const behaviour = behaviourFromQuery(parseQuery(ex.query.slice(1)));
  const timing = behaviour && ctx.timing?.(w.attached.state.route, w.rule, picked, policy);
  const outcome = behaviour ? (req.protocol === "grpc" ? simulateGrpcBackend : simulateBackend)(timing ?? w.rule, behaviour, timing?.reset) : undefined;
  if (outcome) res.steps.push({ stage: "backend-model", outcome: `status ${outcome.status} after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}`, detail: outcome.notes });
  const websocket = req.protocol === "websocket" || req.scheme === "ws" || req.scheme === "wss";
  res.status = outcome?.status ?? (websocket ? 101 : 200);
  if (outcome?.grpcStatus !== undefined && req.protocol === "grpc") res.grpcCode = grpcStatusName(outcome.grpcStatus);
  res.backend = servedBy(picked);
  if (picked.endpoints) res.steps.push({ stage: "endpoints", outcome: endpointsOutcome(picked, ctx.endpoints, panicThreshold) });
  const cert = ctx.backendClientCert;
  res.upstream = {
    host: ex.upstreamHost ?? ex.hostHeader, path: ex.path + ex.query, method: ex.method, headers: ex.headers.toObject(), headerList: ex.headers.entries(),
    tls: picked.tlsPolicy !== undefined, sni: picked.tlsPolicy?.hostname,
    clientCert: picked.tlsPolicy && cert ? `${cert.namespace}/${cert.name}` : undefined,
  };
  res.responseHeaders = responseHeaders(req, ex, true, ctx.reader === "linkerd" ? "linkerd" : "envoy", w.rule.nginxProxyRedirect);
  res.mirroredTo = ex.mirrors.map((m) => ({ name: m.backend.name, percent: m.percent }));
  // What some requests get instead: the split's unusable backends, a BackendTrafficPolicy's partial abort and rate limits.
  const some = res.steps.filter((s) => s.stage === "backend" || (s.stage === "policy" && s.detail === undefined)).map((s) => s.outcome).join("; ");
  res.reason = `${routeKey(w.attached.state.route)} rule ${w.rule.index} sends the request to ${picked.name}${some ? ` (${some})` : ""}`;
  if (outcome?.unknown) Object.assign(res, { status: null, undetermined: outcome.unknown, reason: `${res.reason}; the answer depends on ${outcome.unknown} (Junction cannot tell the answer)` });
  return outcome?.local === true;
}

/** True when the backend was tried and the proxy answered in its stead (forward). */
function finish(res: RouteResult, req: RouteRequest, ex: Exchange, picked: ResolvedBackend | undefined, ctx: HttpContext, w: Applied, policy?: EffectiveTrafficPolicy): boolean {
  res.filters = ex.applied;
  if (ex.failed) { res.status = ex.failedStatus ?? 500; res.reason = ex.failed; }
  else if (ex.redirect) {
    res.status = ex.redirect.statusCode; res.redirect = ex.redirect;
    // ingress-nginx: the CORS block's more_set_headers apply to the location's redirects too (nginx-cors.ts).
    res.responseHeaders = { ...(ctx.reader === "nginx" ? Object.fromEntries(ex.responseHeaders) : {}), location: ex.redirect.location };
    res.reason = `redirected to ${ex.redirect.location}`;
  } else if (ex.answered) {
    res.status = ex.answered; res.responseHeaders = responseHeaders(req, ex, false, ctx.reader === "linkerd" ? "linkerd" : "envoy"); res.reason = "CORS preflight answered by the Gateway";
  } else if (picked) {
    const overflow = policy && circuitOverflow(policy);
    if (overflow && "refused" in overflow) { Object.assign(res, { status: 503, reason: `${routeKey(w.attached.state.route)} rule ${w.rule.index} picks ${picked.name}, but ${overflow.refused}` }); return true; }
    if (overflow) { Object.assign(res, { status: null, undetermined: overflow.undetermined, reason: `depends on ${overflow.undetermined} (Junction cannot tell the answer)` }); return false; }
    return forward(res, req, ex, picked, ctx, w, policy);
  }
  return false;
}

/**
 * The circuit breaker of the rule's clusters (BackendTrafficPolicy circuitBreaker, cluster.go
 * buildXdsClusterCircuitBreaker: max_requests, max_pending_requests): the HTTP connection pool checks
 * max_requests before it attaches a stream (conn_pool_base.cc attachStreamToClient: "max streams
 * overflow"), so 0 refuses every request with the router's 503 (reset reason overflow, not retried:
 * RetryStateImpl::wouldRetryFromReset); max_pending_requests 0 refuses a request that has to wait for a
 * connection (newStreamImpl), which depends on whether Envoy holds an idle one.
 */
function circuitOverflow(p: EffectiveTrafficPolicy): { refused: string } | { undetermined: string } | undefined {
  const cb = p.circuitBreaker, who = `BackendTrafficPolicy ${p.policies.join(" merged into ")}`;
  if (cb?.maxParallelRequests === 0) return { refused: `${who} sets circuitBreaker.maxParallelRequests 0: Envoy's connection pool overflows on every request (max streams overflow) and answers 503 (upstream connect error or disconnect/reset before headers. reset reason: overflow)` };
  if (cb?.maxPendingRequests === 0) return { undetermined: `whether Envoy has an idle connection to the backend: ${who} sets circuitBreaker.maxPendingRequests 0, so a request that must wait for a connection overflows (503)` };
  return undefined;
}

/** A BackendTrafficPolicy's fault abort and rate limits: its notes, and what it answers every request, if it does. */
function trafficPolicyStop(p: EffectiveTrafficPolicy, req: RouteRequest, client: ClientAddress, res: RouteResult): TrafficPolicyOutcome["stop"] {
  if (p.conflicted.length) res.steps.push({ stage: "policy", outcome: conflictNote("BackendTrafficPolicy", p), detail: { conflicted: p.conflicted } });
  const out = trafficPolicyOutcome(p, req.protocol === "grpc", { ...req, clientAddress: client.address, addressUnknown: client.unknown, addressVia: client.via });
  for (const note of [...out.inert, ...out.notes]) res.steps.push({ stage: "policy", outcome: note });
  return out.stop;
}

/**
 * The Gateway's filters before the router, in Envoy Gateway's order (httpfilters.go
 * newOrderedHTTPFilter): the BackendTrafficPolicy's fault abort (2), the rule's CORS filter (3: it
 * answers a preflight from an allowed origin itself), the SecurityPolicy's authentication and
 * authorization (6-10, rbac 301), its rate limits (302, 303), then the router. A BackendTrafficPolicy
 * Envoy Gateway cannot translate makes the route a 500 direct response (backendtrafficpolicy.go
 * applyTrafficFeatureToRoute: "r.DirectResponse = ... 500", and no traffic features), which the router
 * answers: the filters before it still run (translator route.go buildXdsRoute patches the per-route
 * filter configs, a SecurityPolicy's among them, whatever the route's action), so their 401 or 403 comes
 * first. `undetermined`: the SecurityPolicy's answer depends on what Junction cannot see (an external
 * authorization service, a token's signature).
 */
function applyGatewayPolicies(ctx: HttpContext, w: Applied, policy: EffectiveTrafficPolicy | undefined, req: RouteRequest, client: ClientAddress, ex: Exchange, res: RouteResult): string | Recompute | undefined {
  const traffic = policy && trafficPolicyStop(policy, req, client, res);
  const fail = (stop: { status: number; reason: string; grpcCode?: string }) => {
    Object.assign(ex, { failed: stop.reason, failedStatus: stop.status });
    if (stop.grpcCode) res.grpcCode = stop.grpcCode;
  };
  if (traffic?.cause === "abort") { fail(traffic); return undefined; }
  const sp = ctx.securityPolicy?.effective(w.attached.state.route, w.rule);
  const cors = w.rule.filters.find((f) => f.type === "CORS");
  const origin = cors && isPreflight(req.method, new Headers(req.headers)) ? new Headers(req.headers).get("origin") : undefined;
  // The SecurityPolicy's cors, where the rule has no CORS filter of its own (translator cors.go: "The CORS
  // settings from the Gateway API HTTPCORSFilter take precedence"): Envoy's CORS filter (order 3) answers a
  // preflight from an allowed origin itself, 200, before the authentication filters.
  const spCors = !cors ? sp?.features.cors : undefined, spOrigin = new Headers(req.headers).get("origin");
  if (spCors && spOrigin !== undefined && securityCorsAllows(spCors, spOrigin)) {
    const h = new Headers(req.headers);
    if (isPreflight(req.method, h)) {
      ex.responseHeaders.push(...corsPreflight(spCors, h));
      Object.assign(ex, { answered: 200 });
      res.steps.push({ stage: "policy", outcome: `SecurityPolicy ${sp!.policies.join(" merged into ")} cors allows origin ${spOrigin}: Envoy's CORS filter answers this preflight (200) before the authentication and authorization filters`, detail: { securityPolicy: sp!.policies } });
      return undefined;
    }
    ex.responseHeaders.push(...corsResponseHeaders(spCors, h));
  }
  if (cors?.type === "CORS" && origin !== undefined && originAllowed(cors.cors, origin)) {
    // The CORS filter's answer (applyFilters) stands; what comes after it in the chain does not run.
    const after = [...(sp ? [`SecurityPolicy ${sp.policies.join(" merged into ")}`] : []), ...(traffic ? [traffic.cause === "rate-limit" ? "the BackendTrafficPolicy's rate limit" : "the route's 500 direct response (its BackendTrafficPolicy cannot be translated)"] : [])];
    if (after.length) res.steps.push({ stage: "policy", outcome: `the rule's CORS filter answers this preflight before ${after.join(" and ")} (Envoy's CORS filter comes first)`, ...(sp ? { detail: { securityPolicy: sp.policies } } : {}) });
    return undefined;
  }
  if (sp) {
    // The filters read the path Envoy normalized (the HCM's normalize_path comes before them).
    // --now (MeshSettings.now): the time jwt_authn judges exp and nbf at.
    const out = securityOutcome(sp, ctx.securityPolicy!.index, { method: req.method, path: `${ex.path}${ex.query}`, headers: req.headers, host: req.host ?? req.sni ?? "", scheme: ctx.scheme }, client, ctx.securityPolicy!.now);
    for (const s of out.steps) res.steps.push({ stage: "policy", outcome: s, detail: { securityPolicy: sp.policies } });
    if (out.stop) { fail(out.stop); return undefined; }
    if (out.undetermined) return out.undetermined;
    // jwt_authn's claimToHeaders: the backend gets the headers set from the token's claims, none sent by the client.
    for (const k of out.headers?.remove ?? []) ex.headers.remove(k);
    for (const [k, v] of out.headers?.set ?? []) ex.headers.add(k, v);
    // recomputeRoute (clear_route_cache): Envoy picks the route again with those headers (routeHttp, repick), and
    // the filters after jwt_authn (rbac, the rate limits) and the router read the new route's configuration.
    if (out.resume) {
      const resume = out.resume;
      return {
        recompute: out.headers!.recompute!,
        resume: (again, policy2) => {
          const same = again.attached === w.attached && again.rule === w.rule;
          const sp2 = same ? sp : ctx.securityPolicy?.effective(again.attached.state.route, again.rule);
          if (!same) res.steps.push({ stage: "policy", outcome: `after jwt_authn the filters read ${routeKey(again.attached.state.route)} rule ${again.rule.index}'s configuration: ${sp2 ? `SecurityPolicy ${sp2.policies.join(" merged into ")}` : "no SecurityPolicy"}, ${policy2 ? `BackendTrafficPolicy ${policy2.policies.join(" merged into ")}` : "no BackendTrafficPolicy"}` });
          const after = afterJwt(sp2, resume.request, client, resume.claims, resume.pending, []);
          for (const s of after.steps) res.steps.push({ stage: "policy", outcome: s, ...(sp2 ? { detail: { securityPolicy: sp2.policies } } : {}) });
          if (after.stop) { fail(after.stop); return undefined; }
          if (after.undetermined) return after.undetermined;
          // The rate limits and a 500 direct response are the new route's; the fault filter ran before, on the first pick's.
          const traffic2 = same ? traffic : policy2 && trafficPolicyStop(policy2, req, client, res);
          if (traffic2 && traffic2.cause !== "abort") fail(traffic2);
          return undefined;
        },
      };
    }
  }
  if (traffic) fail(traffic);
  return undefined;
}

/**
 * jwt_authn cleared the route cache (recomputeRoute): the route is picked again, then `resume` runs the filters
 * after jwt_authn with the new pick's SecurityPolicy and BackendTrafficPolicy (an undetermined answer: why).
 */
interface Recompute { recompute: string[]; resume: (again: Applied, policy: EffectiveTrafficPolicy | undefined) => string | undefined }

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) => (a ?? []).join("\n") === (b ?? []).join("\n");

/**
 * The rule Envoy routes by after jwt_authn cleared the route cache (authenticator.cc: "if
 * (provider.clear_route_cache() && header_added) clear_route_cache_ = true"; the filter then calls
 * clearRouteCache, and the filters after it and the router read the route picked again): `again`, the
 * first rule that matches the request with the claims' headers, or undefined (none: route_not_found).
 */
function repick(w: Applied, again: Applied | undefined, headers: string[], res: RouteResult): Applied | undefined {
  const set = headers.join(", ");
  if (!again) return undefined;
  if (again.attached === w.attached && again.rule === w.rule) {
    res.steps.push({ stage: "route", outcome: `jwt_authn set ${set} from the token's claims and cleared the route cache (recomputeRoute): Envoy picks ${routeKey(w.attached.state.route)} rule ${w.rule.index} again` });
    return w;
  }
  res.steps.push({ stage: "route", outcome: `jwt_authn set ${set} from the token's claims and cleared the route cache (recomputeRoute): Envoy picks the route again, ${routeKey(again.attached.state.route)} rule ${again.rule.index}` });
  return again;
}

const conflictNote = (kind: string, p: { conflicted: string[]; target: string; untimed?: string }) =>
  `${kind} ${p.conflicted.join(", ")} also target${p.conflicted.length === 1 ? "s" : ""} ${p.target} and ${p.conflicted.length === 1 ? "is" : "are"} Conflicted (an older policy took it${p.untimed ? `; note: ${p.untimed}` : ""})`;

/**
 * The listener's ClientTrafficPolicy (Envoy Gateway): the client address Envoy reads (the connection's
 * source without one), its notes, and the 403 of a failClosed custom header, which Envoy's HCM answers
 * before any route is looked up.
 */
function clientOf(ctx: HttpContext, req: RouteRequest, res: RouteResult): ClientAddress {
  const p = ctx.clientPolicy;
  const { seen, ...peer } = ctx.peer ? ctx.peer(req.clientAddress) : req.clientAddress ? { address: req.clientAddress } : { unknown: NO_CLIENT };
  if (seen) res.steps.push({ stage: "policy", outcome: seen, detail: { peer: formatAddress(peer.address!) } });
  if (!p) return peer;
  const who = `ClientTrafficPolicy ${p.policy.namespace}/${p.policy.name}`;
  if (p.conflicted.length) res.steps.push({ stage: "policy", outcome: conflictNote("ClientTrafficPolicy", p), detail: { conflicted: p.conflicted } });
  if (p.passedOver) res.steps.push({ stage: "policy", outcome: p.passedOver });
  if (p.refused) res.steps.push({ stage: "policy", outcome: `${who} targets ${p.target} but Envoy Gateway does not apply it there: ${p.refused}`, detail: { refused: p.refused } });
  const client = clientAddress(p, req, peer);
  if (client.address && client.via) res.steps.push({ stage: "policy", outcome: `the client address Envoy reads is ${formatAddress(client.address)} (${client.via})`, detail: { clientAddress: formatAddress(client.address) } });
  return client;
}

/** HTTP/2 (gRPC, h2, h2c) rather than HTTP/1 on the client's connection. */
const http2 = (req: RouteRequest) => speaksHttp2(req.protocol);

/**
 * Envoy Gateway's listener: the headers with an underscore in the name (client-policy.ts
 * underscoreHeaders), refused (400 for HTTP/1; HTTP/2: the stream is reset, which a gRPC client reads
 * as INTERNAL) or dropped; undefined when refused.
 */
function underscoresHandled(ctx: HttpContext, req: RouteRequest, res: RouteResult): RouteRequest | undefined {
  const u = underscoreHeaders(ctx.clientPolicy, req.headers);
  if (!u) return req;
  if ("rejected" in u) {
    if (http2(req)) Object.assign(res, { status: null, connection: "failed", ...(req.protocol === "grpc" ? { grpcCode: "INTERNAL" } : {}), reason: `${u.rejected}: the HTTP/2 stream is reset` });
    else Object.assign(res, { status: 400, reason: `${u.rejected}: 400` });
    return undefined;
  }
  res.steps.push({ stage: "route", outcome: u.note });
  return { ...req, headers: req.headers.filter(([k]) => !u.dropped.includes(k.toLowerCase())) };
}

/** Envoy Gateway's listener: its ClientTrafficPolicy's early header mutation (client-policy.ts earlyHeaders), before the client address, routing and the filters. */
function earlyMutated(ctx: HttpContext, req: RouteRequest, res: RouteResult): RouteRequest {
  const m = earlyHeaders(ctx.clientPolicy, req.headers);
  if (!m) return req;
  res.steps.push({ stage: "route", outcome: m.note });
  return { ...req, headers: m.headers };
}

/**
 * ingress-nginx's nginx: a request header whose name is not letters, digits and hyphens (an underscore too with
 * `underscores_in_headers on`) is ignored while the request is read, before any location, canary or variable reads it
 * (ngx_http_parse_header_line: invalid_header; ngx_http_read_request_header: "client sent invalid header line", with
 * `ignore_invalid_headers on`); nginx.tmpl writes both from the ConfigMap (defaults: off and on).
 */
function nginxHeaderNames(ctx: HttpContext, req: RouteRequest, res: RouteResult): RouteRequest {
  const c = ctx.nginxHeaderNames;
  if (!c || c.keepInvalidHeaders) return req;
  const valid = c.underscoresInHeaders ? /^[A-Za-z0-9_-]+$/ : /^[A-Za-z0-9-]+$/;
  const ignored = [...new Set(req.headers.map(([k]) => k).filter((k) => !valid.test(k)))];
  if (!ignored.length) return req;
  res.steps.push({ stage: "route", outcome: `nginx ignores the header${ignored.length === 1 ? "" : "s"} ${ignored.join(", ")} (a name other than letters, digits and hyphens${c.underscoresInHeaders ? " and underscores" : ""}: ignore_invalid_headers on${c.underscoresInHeaders ? "" : ", underscores_in_headers off"}; the ConfigMap's ignore-invalid-headers${c.underscoresInHeaders ? "" : ", enable-underscores-in-headers"})` });
  return { ...req, headers: req.headers.filter(([k]) => valid.test(k)) };
}

function attachedRoutes(ctx: HttpContext, grpc: boolean) {
  const of = (k: RouteKind) => ctx.routes.filter((a) => a.state.route.kind === k);
  return grpc && of("GRPCRoute").length ? of("GRPCRoute") : of("HTTPRoute");
}

export function routeHttp(ctx: HttpContext, given: RouteRequest, res: RouteResult): void {
  const checked = ctx.envoyGatewayPaths ? underscoresHandled(ctx, given, res) : ctx.reader === "nginx" ? nginxHeaderNames(ctx, given, res) : given;
  if (!checked) return;
  const req = ctx.envoyGatewayPaths ? earlyMutated(ctx, checked, res) : checked;
  const [path, query = ""] = req.path.split(/\?(.*)/s, 2);
  const grpc = req.protocol === "grpc" ? grpcMethod(path, ctx.reader) : undefined;
  const routes = attachedRoutes(ctx, req.protocol === "grpc");
  const client = ctx.trafficPolicy ? clientOf(ctx, req, res) : {};
  if (client.refused) { res.status = 403; res.reason = client.refused; return; }
  // Envoy's NullConfigImpl: a listener whose first route configuration was refused has no route (404, route_not_found).
  const refusedRoutes = ctx.rejectedRoutes?.();
  if (refusedRoutes) { res.status = 404; res.reason = refusedRoutes; return; }
  const host = normalizeHost(req.host ?? req.sni ?? "", ctx.keepTrailingDot);
  // nginx matches its locations against the normalized URI (nginx-uri.ts); the request goes on as sent.
  // Envoy Gateway's listeners normalize the path before routing, and forward the normalized path (envoyGatewayPath).
  const pathSettings = ctx.clientPolicy && !ctx.clientPolicy.refused ? ctx.clientPolicy.policy.path : undefined;
  const normal = ctx.reader === "nginx" ? nginxUri(path) : ctx.envoyGatewayPaths ? envoyGatewayPath(path, pathSettings) : { uri: path };
  if ("invalid" in normal) { res.status = 400; res.reason = normal.invalid; return; }
  if ("redirect" in normal) {
    const location = `${normal.redirect}${query ? `?${query}` : ""}`;
    Object.assign(res, { status: 307, redirect: { scheme: ctx.scheme, host: req.host ?? "", port: null, path: normal.redirect, statusCode: 307, location }, responseHeaders: { location },
      reason: `the path ${path} holds an escaped slash: Envoy Gateway's listener unescapes it and redirects the client (307) to ${location} (${pathSettings?.escapedSlashesAction ? `ClientTrafficPolicy ${ctx.clientPolicy!.policy.namespace}/${ctx.clientPolicy!.policy.name} path.escapedSlashesAction` : "ClientTrafficPolicy path.escapedSlashesAction default"} UnescapeAndRedirect)` });
    return;
  }
  const matched = normal.uri;
  if (matched !== path) res.steps.push({ stage: "route", outcome: ctx.reader === "nginx" ? `nginx matches the locations against the normalized URI ${matched} (escapes decoded, slashes merged, dot segments resolved)` : `Envoy normalizes the path to ${matched} before routing (normalize_path${pathSettings?.disableMergeSlashes ? "" : ", merge_slashes"}${pathSettings?.escapedSlashesAction === "UnescapeAndForward" ? ", escaped slashes unescaped: UnescapeAndForward" : ""})` });
  const pick = (headers: RouteRequest["headers"]) => applicable(routes, host, { path: matched, query: queryParameters(query), method: req.method, headers: new Headers(headers), grpc, reader: ctx.reader, ...(ctx.envoyGatewayPaths ? { envoyGateway: true } : {}) });
  const { applied: candidates, rejected } = pick(req.headers);
  // ingress-nginx's ssl-redirect under a wildcard or regular-expression server name: only where a certificate is configured
  // for the request's host (lua_ingress.lua redirect_to_https, certificate.lua get_pem_cert_uid; RouteRule.nginxSslRedirect).
  const keys = ctx.nginxCertificates;
  const list = keys ? candidates.filter((a) => !a.rule.nginxSslRedirect || nginxCertificateFor(keys, host)) : candidates;
  res.candidates = [...describeCandidates(list), ...rejected];
  if (!list.length) {
    res.status = 404;
    res.reason = `no rule of the ${routes.length} route${routes.length === 1 ? "" : "s"} on ${ctx.place} matches host ${host || "(none)"} and path ${matched}`;
  } else {
    let w = list[0];
    Object.assign(res, { route: routeKey(w.attached.state.route), rule: w.rule.index, ruleName: w.rule.name, match: w.matchIndex });
    let ex = exchange(req, ctx, ctx.envoyGatewayPaths ? matched : path, query, w);
    let fctx = filterContext(ctx.graph, w.attached.state, ctx);
    const found = ctx.trafficPolicy?.(w.attached.state.route, w.rule);
    let policy = found && forRule(found, w.rule);
    const cp = ctx.clientPolicy;
    // translateClientTrafficPolicyForListener: with errors, every route of the listener is a 500 direct response.
    const cpErrors = cp && !cp.refused ? listenerTranslationErrors(cp.policy, { http: true, tls: ctx.scheme === "https", http1: ctx.clientPolicyHttp1 }, ctx.graph) : [];
    if (cp && cpErrors.length) Object.assign(ex, { failed: `ClientTrafficPolicy ${cp.policy.namespace}/${cp.policy.name} cannot be translated (${cpErrors.join("; ")}): Envoy Gateway answers every request of the listener's routes 500`, failedStatus: 500 });
    else {
      const applied = applyGatewayPolicies(ctx, w, policy, req, client, ex, res);
      // No answer Junction can give: the SecurityPolicy's depends on what it cannot see.
      const undetermined = typeof applied === "string" ? applied : undefined;
      if (undetermined) { Object.assign(res, { status: null, undetermined, reason: `${undetermined} (Junction cannot tell the answer)` }); return; }
      if (applied && typeof applied === "object") {
        // recomputeRoute: jwt_authn cleared the route cache; the filters after it and the router take the route Envoy picks now.
        const again = repick(w, pick(ex.headers.entries()).applied[0], applied.recompute, res);
        if (again === undefined) { Object.assign(res, { status: 404, reason: `jwt_authn set ${applied.recompute.join(", ")} from the token's claims and cleared the route cache (recomputeRoute): no rule of the ${routes.length} route${routes.length === 1 ? "" : "s"} on ${ctx.place} matches the request now, route_not_found` }); return; }
        const found2 = again !== w ? ctx.trafficPolicy?.(again.attached.state.route, again.rule) : undefined;
        const policy2 = again !== w ? found2 && forRule(found2, again.rule) : policy;
        const after = applied.resume(again, policy2);
        if (after !== undefined) { Object.assign(res, { status: null, undetermined: after, reason: `${after} (Junction cannot tell the answer)` }); return; }
        if (again !== w) {
          const headers = ex.headers.entries();
          w = again;
          Object.assign(res, { route: routeKey(w.attached.state.route), rule: w.rule.index, ruleName: w.rule.name, match: w.matchIndex });
          // What the filters before the router did stays: the CORS headers, the policy's stop (the same policies: repick).
          const before = ex;
          ex = exchange({ ...req, headers }, ctx, ctx.envoyGatewayPaths ? matched : path, query, w);
          Object.assign(ex, { responseHeaders: before.responseHeaders, ...(before.failed !== undefined ? { failed: before.failed, failedStatus: before.failedStatus } : {}) });
          fctx = filterContext(ctx.graph, w.attached.state, ctx);
          policy = policy2;
        }
      }
    }
    // ingress-nginx's ssl_verify_client on the host's server (auth-tls-secret): checked before any phase of the request.
    const certRefused = w.rule.nginxClientCert && ctx.scheme === "https" ? nginxClientCertProblem(w.rule.nginxClientCert, req, ctx.graph) : undefined;
    if (certRefused && "undetermined" in certRefused) { Object.assign(res, { status: null, undetermined: certRefused.undetermined, reason: `${certRefused.undetermined} (Junction cannot tell the answer)` }); return; }
    if (certRefused) { Object.assign(res, { status: certRefused.status, reason: certRefused.reason, ...(certRefused.redirect ? { redirect: certRefused.redirect } : {}) }); return; }
    // ingress-nginx with an allowed snippet in the location or server: raw nginx configuration decides.
    if (w.rule.nginxUndetermined) { Object.assign(res, { status: null, undetermined: w.rule.nginxUndetermined, reason: `${w.rule.nginxUndetermined} (Junction cannot tell the answer)` }); return; }
    // ingress-nginx's client_max_body_size: the find-config phase, before every other (nginx-body.ts).
    const tooLarge = w.rule.nginxBodyLimit ? nginxBodyTooLarge(w.rule.nginxBodyLimit, new Headers(req.headers)) : undefined;
    if (tooLarge) { Object.assign(res, { status: 413, reason: tooLarge }); return; }
    if (!ex.failed) applyFilters(w.rule.filters, ex, fctx);
    // ingress-nginx's rewrite-target with capture groups: the location's rewrite, on the normalized URI (nginx-rewrite.ts).
    const rewritten = w.rule.nginxRewrite && !ex.redirect && !ex.answered && !ex.failed ? nginxRewrite(w.rule.nginxRewrite, matched, ex.query) : undefined;
    if (rewritten) { Object.assign(ex, rewritten); ex.applied.push(`rewrite "(?i)${w.rule.nginxRewrite!.regex}" ${w.rule.nginxRewrite!.target} break (rewrite-target, on the normalized URI ${matched})`); }
    // ingress-nginx's access phase comes after the rewrite phase's redirects and preflight answers.
    const access = w.rule.nginxAccess && !ex.redirect && !ex.answered && !ex.failed ? nginxAccess(w.rule.nginxAccess, req, ctx.graph, ctx.nginxSource && req.clientAddress ? seenBy(ctx.nginxSource, req.clientAddress, ctx.port) : undefined, w.rule.nginxCustomErrors?.codes) : undefined;
    if (access && "refused" in access) Object.assign(ex, { failed: access.refused.reason, failedStatus: access.refused.status });
    else for (const note of access?.notes ?? []) res.steps.push({ stage: "access", outcome: note });
    if (access && "undetermined" in access && access.undetermined) {
      res.steps.push({ stage: "access", outcome: access.undetermined });
      Object.assign(res, { status: null, undetermined: access.undetermined, reason: `${access.undetermined} (Junction cannot tell the answer)` });
      return;
    }
    let picked: ResolvedBackend | undefined;
    if (!ex.redirect && !ex.answered && !ex.failed) {
      let split = splitOf(w.rule, w.attached.state.backends, true, ctx.endpoints, policy?.panicThreshold, ctx.emptyRule, ctx.reader === "linkerd");
      // ingress-nginx's default-backend (RouteRule.nginxDefaultBackend): the location's Service has no endpoint, that one has.
      // ingress-nginx's service-upstream: the upstream's one endpoint is the ClusterIP; kube-proxy rejects the connection.
      const clusterIp = ctx.reader === "nginx" && split.failure?.noEndpoint && split.picked && w.rule.nginxServiceUpstream?.includes(split.picked.name);
      if (clusterIp) split = { ...split, failure: { status: 502, message: `${split.failure!.message}: service-upstream, nginx proxies to the Service's ClusterIP, where kube-proxy rejects the connection (connection refused): 502` } };
      const fallback = split.failure?.noEndpoint && w.rule.nginxDefaultBackend ? w.attached.state.backends.get(w.rule.nginxDefaultBackend) : undefined;
      if (fallback && !fallback.problem && !failureOf(fallback, true, ctx.endpoints)) {
        res.steps.push({ stage: "backend", outcome: `${split.failure!.message}: ingress-nginx serves the location with its default-backend ${fallback.name} (custom default backend)` });
        const ref = fallback.ref;
        split = { shares: [{ name: fallback.name, kind: ref.kind, port: ref.port, weight: 1 }], picked: fallback };
      }
      res.backends = split.shares;
      if (split.failing) res.steps.push({ stage: "backend", outcome: split.failing });
      if (split.problem) ex.failed = split.problem;
      else {
        picked = split.picked!;
        // linkerd2 policy-controller outbound/index/http.rs convert_backend: a backend filter it cannot convert makes the
        // backend Backend::Invalid, which the proxy answers with a failure injector (500, "unsupported backend filter").
        const unsupported = ctx.reader === "linkerd" ? linkerdUnsupportedFilter(picked.ref.filters) : undefined;
        if (unsupported) Object.assign(ex, { failed: `Linkerd's policy controller cannot convert the ${unsupported.type} filter of backend ${picked.name}: it answers that backend's requests 500 (unsupported backend filter)`, failedStatus: 500 });
        else applyFilters(picked.ref.filters, ex, fctx);
      }
      // A Linkerd client's proxy: a backend without endpoints fails fast after 3 s, 504 (walk/serve.ts noEndpoints).
      const linkerdFailFast = ctx.reader === "linkerd" && split.failure?.noEndpoint;
      if (split.failure && !ex.redirect && !ex.answered && !ex.failed) Object.assign(ex, linkerdFailFast
        ? { failed: `${split.failure.message}: Linkerd's proxy holds the request for its fail-fast timeout (3 s), then answers 504`, failedStatus: 504 }
        : { failed: split.failure.message, failedStatus: split.failure.status });
    }
    const failed = ex.failed !== undefined;
    const local = !!(ex.failed || ex.redirect || ex.answered);
    // The router's own replies (a timeout's 504, a reset's 503) are local replies too (HttpResponseLocalReplyMatchInput).
    const routerReply = finish(res, req, ex, picked, ctx, w, policy);
    // ingress-nginx's custom-http-errors: the default backend answers in place of an error (nginx-errors.ts).
    const errors = w.rule.nginxCustomErrors;
    if (errors) nginxErrorPage(errors, w.rule, res, req, ex, !failed, (ref) => (ref ? w.attached.state.backends.get(ref) : undefined), ctx.endpoints ?? "proxy", (b) => forward(res, req, ex, b, ctx, w, policy));
    // Envoy Gateway's responseOverride (a BackendTrafficPolicy's; ingress-nginx rules have none).
    overridden(res, policy, local || routerReply);
    // lua_ingress.lua header(): `config.hsts and ngx.var.scheme == "https" and certificate_configured_for_current_request`.
    if (ctx.nginxHsts && ctx.scheme === "https" && res.status !== null && nginxCertificateFor(ctx.nginxHsts.hosts, ex.host)) res.responseHeaders = { ...res.responseHeaders, "Strict-Transport-Security": ctx.nginxHsts.value };
    // ingress-nginx's custom-headers: `more_set_headers "NAME: VALUE"` in the location, on every answer it gives.
    if (w.rule.nginxResponseHeaders && res.status !== null) res.responseHeaders = { ...res.responseHeaders, ...Object.fromEntries(w.rule.nginxResponseHeaders) };
  }
}

/**
 * A BackendTrafficPolicy's responseOverride on the answer (traffic-policy.ts responseOverride): its
 * status replaces the answer's (the body too, which Junction does not show). `local`: a reply Envoy made
 * (a filter's, a redirect, a direct response, the router's 503 for no healthy upstream or a reset and its
 * 504 for a timeout: Envoy's HttpResponseLocalReplyMatchInput, "true for local replies and false for the
 * upstream responses", which custom_response.go buildLocalReplyPredicate ANDs to a Local or Backend
 * rule); the status the backend answered is the upstream's.
 */
function overridden(res: RouteResult, policy: EffectiveTrafficPolicy | undefined, local: boolean): void {
  // A policy Envoy Gateway cannot translate sets no traffic feature (its routes are a 500 direct response).
  if (!policy?.responseOverrides || res.status === null || policy.errors.length || policy.rateLimit?.invalid !== undefined) return;
  const o = responseOverride(policy, res.status, local);
  if (!o) return;
  if ("unknown" in o) { Object.assign(res, { status: null, undetermined: o.unknown, reason: `depends on ${o.unknown} (Junction cannot tell the answer)` }); return; }
  const who = `BackendTrafficPolicy ${policy.policies.join(" merged into ")} responseOverride ${o.rule.index}`;
  res.steps.push({ stage: "policy", outcome: `${who} matches the ${res.status} (${local ? "Envoy's own reply" : "the backend's"}): Envoy's custom_response answers ${o.status} with its body instead` });
  res.reason = `${res.reason}; ${who} answers ${o.status} instead of ${res.status}`;
  res.status = o.status;
}
