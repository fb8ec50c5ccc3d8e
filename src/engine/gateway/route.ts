// Routing one request through a Gateway: connection (port, transport, TLS and SNI, client
// certificate), listener (most specific hostname; on Envoy Gateway's plain HTTP ports, Envoy's virtual
// host domain across the port's listeners: vhosts.ts), then HTTP or L4 routing. The answer carries
// its explanation: every step as data.

import { hasIngressSemantics } from "../../model/gateway.js";
import { normalizeHost } from "../../model/hostname.js";
import { RegexLimitError } from "../../model/regex.js";
import { envoyCertificateChecks, invalidCertificateHash, issuedBy } from "./clientcert.js";
import { crlVerdict } from "./crl.js";
import { envoyPatched } from "./patch-policy.js";
import type { GatewayEngine } from "./engine.js";
import type { GatewayState } from "./gateways.js";
import { grpcCodeOf, keepsTrailingDot, listenerContext, routeHttp } from "./http.js";
import { routeL4 } from "./l4.js";
import type { ListenerState } from "./listeners.js";
import { DEFAULT_PORT, emptyResult, usesTls, type RouteRequest, type RouteResult } from "./request.js";
import { bestListener, describeListener, findGateway, gatewayName, guessGateway, listenersOnPort, plainHttpListener } from "./select.js";
import { findTlsMaterial } from "./tlsrefs.js";
import { clientValidation } from "./client-policy.js";
import { namespacedName } from "../../model/route.js";

const refuse = (res: RouteResult, how: "rejected" | "failed", reason: string): RouteResult => Object.assign(res, { connection: how, reason });

export function requestPort(req: RouteRequest): number {
  return req.port ?? DEFAULT_PORT[req.scheme];
}

/** The Gateway a request goes to, or why none can be chosen. */
export function gatewayFor(engine: GatewayEngine, req: RouteRequest): GatewayState | string {
  if (req.gateway) return findGateway(engine, req.gateway);
  return guessGateway(engine, requestPort(req), req.scheme === "udp", normalizeHost(req.sni ?? req.host ?? ""));
}

export function routeRequest(engine: GatewayEngine, req: RouteRequest): RouteResult {
  let res: RouteResult;
  try { res = route(engine, req); } catch (e) {
    // A regular expression Junction will not run to the end (model/regex.ts): no answer rather than a guess.
    if (!(e instanceof RegexLimitError)) throw e;
    return Object.assign(emptyResult(), { reason: `not evaluated: ${e.message}` });
  }
  if (req.protocol === "grpc" && res.status !== null && !res.grpcCode) res.grpcCode = grpcCodeOf(res.status);
  return res;
}

function route(engine: GatewayEngine, req: RouteRequest): RouteResult {
  const res = emptyResult();
  const gw = gatewayFor(engine, req);
  if (typeof gw === "string") return refuse(res, "failed", gw);
  res.gateway = gatewayName(gw);
  if (gw.rejected && gw.rejected.reason !== "ListenersNotValid") return refuse(res, "failed", `Gateway ${res.gateway} is not accepted (${gw.rejected.reason}: ${gw.rejected.message})`);
  const unpublished = engine.unpublished(gw);
  if (unpublished) return refuse(res, "rejected", unpublished);
  const patched = envoyPatched(engine.inv.routing, gw);
  if (patched) return Object.assign(res, { status: null, undetermined: patched, reason: `depends on ${patched} (Junction cannot tell the answer)` });
  const port = requestPort(req);
  const all = listenersOnPort(gw, port, req.scheme === "udp");
  const merged = gw.envoy && gw.envoy.gateways.length > 1 ? ` (one Envoy with ${gw.envoy.gateways.filter((n) => n !== res.gateway).join(", ")}: ${gw.envoy.mergedBy} mergeGateways, GatewayClass ${gw.envoy.className})` : "";
  res.steps.push({ stage: "gateway", outcome: `${res.gateway}, port ${port}${merged}`, detail: all.map((l) => `${describeListener(l, res.gateway!)}${l.accepted ? `: not accepted (${l.accepted.reason})` : ""}`) });
  const open = all.filter((l) => !l.accepted);
  if (!open.length) return refuse(res, "rejected", `nothing listens on port ${port}${req.scheme === "udp" ? "/UDP" : ""} of Gateway ${res.gateway}`);
  const proto = (p: string) => open.filter((l) => l.listener.protocol === p);
  if (proto("UDP").length || proto("TCP").length) return l4(engine, (proto("UDP")[0] ?? proto("TCP")[0]), req, res);
  if (proto("HTTP").length) return plainHttp(engine, proto("HTTP"), req, res);
  return tls(engine, open, req, res);
}

function l4(engine: GatewayEngine, l: ListenerState, req: RouteRequest, res: RouteResult): RouteResult {
  res.listener = l.listener.name;
  routeL4(engine, l, { kind: l.listener.protocol === "UDP" ? "UDPRoute" : "TCPRoute", tls: usesTls(req.scheme), httpClient: req.scheme === "http" || req.scheme === "https" ? req : undefined, client: req.clientAddress }, res);
  return res;
}

/**
 * The Host header as the Gateway's proxy matches it: Envoy keeps a trailing dot (Envoy Gateway's
 * HostSettings.StripTrailingHostDot, default false: "requests with host "example.com." will not
 * match routes with domains set to "example.com""); nginx (an Ingress class) drops one
 * (ngx_http_validate_host: `if (dot_pos == host_len - 1) host_len--`).
 */
export const hostHeader = (engine: GatewayEngine, l: ListenerState, raw: string) => normalizeHost(raw, keepsTrailingDot(l, engine.listenerClientPolicy(l)));

function plainHttp(engine: GatewayEngine, listeners: ListenerState[], req: RouteRequest, res: RouteResult): RouteResult {
  if (usesTls(req.scheme)) return refuse(res, "failed", `port ${listeners[0].listener.port} speaks plain HTTP; the TLS handshake fails`);
  const host = hostHeader(engine, listeners[0], req.host ?? "");
  const { listener: l, domain, byDomain } = plainHttpListener(engine, listeners, host);
  const how = byDomain ? `virtual host ${domain}, Envoy's pick by domain for ${host || "(no host)"} across the port's listeners (exact, longest wildcard, *)` : `most specific hostname for ${host || "(no host)"}`;
  res.steps.push({ stage: "listener", outcome: l ? `${describeListener(l, res.gateway!)}: ${how}` : byDomain ? `no virtual host domain matches ${host}` : `no listener hostname matches ${host}` });
  if (!l) {
    const port = listeners[0].listener.port;
    // A refused route configuration answers 404 for every host (engine.ts rejectedRouteConfig): say why.
    const reason = !byDomain ? `no listener on port ${port} accepts host ${host}` : engine.rejectedRouteConfig(listeners[0]) ?? `no virtual host of the route configuration of port ${port} (Envoy Gateway: one for its plain HTTP listeners) has a domain matching host ${host}`;
    return Object.assign(res, { status: 404, reason });
  }
  res.listener = l.listener.name;
  routeHttp(listenerContext(engine, l, "http", host), req, res);
  return res;
}

/** Why the client's certificate is refused, if the listener validates client certificates and it is. */
function clientCertificateProblem(engine: GatewayEngine, l: ListenerState, req: RouteRequest): string | { undetermined: string } | undefined {
  const eg = envoyGatewayClientCertificate(engine, l, req);
  if (eg !== false) return eg;
  const v = l.clientValidation;
  if (!v || v.mode === "AllowInsecureFallback") return undefined;
  if (!req.clientCert) return "the listener requires a client certificate and none was presented";
  return certificateProblem(engine, req.clientCert, v.cas, "of the listener");
}

function certificateProblem(engine: GatewayEngine, ref: string, cas: readonly string[], whose: string, allowExpired = false): string | undefined {
  const [ns, name] = ref.split("/", 2);
  const cert = findTlsMaterial(engine.inv.routing, "Secret", ns, name)?.certificates[0];
  if (!cert) return `client certificate Secret ${ref} is not in the input or holds no certificate`;
  return issuedBy(cert, cas, new Date(), allowExpired) ? undefined : `the client certificate from ${ref} is not issued by a trusted CA ${whose}`;
}

/**
 * An Envoy Gateway listener whose ClientTrafficPolicy sets tls.clientValidation (false: none does):
 * its mode as Envoy's DownstreamTlsContext has it (clienttrafficpolicy.go convertClientValidationModeType):
 * Request asks for a certificate and takes any answer; RequireAny needs one, unverified; VerifyIfGiven
 * verifies one if given; RequireAndVerify needs a verified one. A refusal fails the handshake. A policy
 * whose CA references do not resolve is a translation error (http.ts: its routes answer 500).
 */
function envoyGatewayClientCertificate(engine: GatewayEngine, l: ListenerState, req: RouteRequest): string | { undetermined: string } | undefined | false {
  const cp = engine.gateway(l.gateway.namespace, l.gateway.name)?.envoyGateway ? engine.listenerClientPolicy(l) : undefined;
  if (!cp || cp.refused || !cp.policy.clientValidation) return false;
  const v = clientValidation(engine.inv.routing, cp.policy);
  if (!v || "error" in v) return undefined;
  const who = `ClientTrafficPolicy ${namespacedName(cp.policy)} tls.clientValidation mode ${v.mode}`;
  if (!req.clientCert) return v.mode === "RequireAny" || v.mode === "RequireAndVerify" ? `the listener requires a client certificate and none was presented (${who})` : undefined;
  // Request and RequireAny: ACCEPT_UNTRUSTED (convertClientValidationModeType), whose certificate Envoy takes whatever its checks say
  // (DefaultCertValidator: "return allow_untrusted_certificate_ || validated != Failed").
  if (v.mode === "Request" || v.mode === "RequireAny") return undefined;
  const problem = certificateProblem(engine, req.clientCert, v.cas, `of ${who}`, v.checks?.allowExpired === true);
  if (problem) return problem;
  const pem = findTlsMaterial(engine.inv.routing, "Secret", ...(req.clientCert.split("/", 2) as [string, string]))!.certificates[0];
  // X509_verify_cert checks the chain's revocation (crl.ts) before verifyCertificate's SAN and hash checks.
  const revocation = v.crl ? crlVerdict(pem, v.cas, v.crl.pem, v.crl.leafOnly, new Date()) : undefined;
  if (revocation && "undetermined" in revocation) return { undetermined: `${revocation.undetermined} (${who})` };
  if (revocation) return `${revocation.refused} (${who}): the handshake fails`;
  const refused = v.checks ? envoyCertificateChecks(pem, v.checks) : undefined;
  if (typeof refused === "object") return { undetermined: `${refused.undetermined} (${who})` };
  return refused && `${refused} (${who}): the handshake fails`;
}

/**
 * Why Envoy rejects the update of the Envoy listener holding Envoy Gateway listener `l`: a tls.clientValidation hash of
 * its ClientTrafficPolicy that Envoy cannot decode (clientcert.ts invalidCertificateHash; every mode builds the
 * validation context), which fails the listener's TLS context, whatever the request.
 */
function envoyListenerRejected(engine: GatewayEngine, l: ListenerState): string | undefined {
  const cp = engine.gateway(l.gateway.namespace, l.gateway.name)?.envoyGateway ? engine.listenerClientPolicy(l) : undefined;
  if (!cp || cp.refused || !cp.policy.clientValidation) return undefined;
  const v = clientValidation(engine.inv.routing, cp.policy);
  const bad = v && !("error" in v) && v.checks ? invalidCertificateHash(v.checks) : undefined;
  return bad && `the listener Envoy runs on port ${l.listener.port}: Envoy refuses the TLS context of listener ${l.listener.name} (${bad}, from ClientTrafficPolicy ${namespacedName(cp.policy)} tls.clientValidation) and rejects the update of the port's listener, keeping the one it had, if any`;
}

function tls(engine: GatewayEngine, listeners: ListenerState[], req: RouteRequest, res: RouteResult): RouteResult {
  if (!usesTls(req.scheme)) return refuse(res, "failed", `port ${listeners[0].listener.port} expects TLS; a plain ${req.scheme} request fails`);
  const sni = normalizeHost(req.sni ?? req.host ?? "");
  const l = bestListener(listeners, sni);
  res.steps.push({ stage: "listener", outcome: l ? `${describeListener(l, res.gateway!)}: most specific hostname for SNI ${sni || "(none)"}` : `no listener hostname matches SNI ${sni || "(none)"}` });
  if (!l) return refuse(res, "rejected", `no TLS listener on port ${listeners[0].listener.port} serves SNI ${sni || "(none)"}`);
  res.listener = l.listener.name;
  // A hash Envoy cannot decode in any listener of the port (one Envoy listener, a filter chain each): its update is rejected.
  const owner = engine.gateway(l.gateway.namespace, l.gateway.name);
  const rejected = listeners.map((o) => envoyListenerRejected(engine, o)).find((x) => x !== undefined) ?? (owner && engine.rejectedFilterChains(owner, l.listener.port));
  if (rejected) return Object.assign(res, { status: null, undetermined: rejected, reason: `depends on ${rejected} (Junction cannot tell the answer)` });
  const passthrough = l.listener.protocol === "TLS" && l.listener.tls?.mode === "Passthrough";
  if (!passthrough && l.programmed) return refuse(res, "failed", `listener ${l.listener.name} has no usable certificate (${l.programmed.message})`);
  if (!passthrough && !l.certificates.length && l.listener.tls?.defaultCertificate) {
    const refs = l.listener.tls.certificateRefs.map((r) => `${r.namespace}/${r.name}`);
    const why = refs.length ? `Secret ${refs.join(", ")} is not usable (${l.resolvedRefs?.message ?? "not in the input"})` : "no TLS secret of the Ingresses names this host";
    res.steps.push({ stage: "certificate", outcome: `${why}: ingress-nginx presents its default certificate (--default-ssl-certificate, else its self-signed fake one), which a client that verifies the server's name refuses` });
  }
  const certProblem = passthrough ? undefined : clientCertificateProblem(engine, l, req);
  if (typeof certProblem === "object") return Object.assign(res, { status: null, undetermined: certProblem.undetermined, reason: `depends on ${certProblem.undetermined} (Junction cannot tell the answer)` });
  if (certProblem) return refuse(res, "failed", certProblem);
  if (l.listener.protocol === "TLS") {
    routeL4(engine, l, { kind: "TLSRoute", sni, tls: passthrough, httpClient: req.scheme === "https" || req.protocol === "tls-passthrough" ? req : undefined, client: req.clientAddress }, res);
    return res;
  }
  const host = hostHeader(engine, l, req.host ?? sni);
  const byHost = bestListener(listeners.filter((o) => o.listener.protocol === "HTTPS"), host);
  // Envoy Gateway answers no 421: the SNI's filter chain routes by its own route configuration, whatever
  // listener the Host names (its virtual hosts for the Host, or none: 404; engine.ts routesFor).
  const envoyGateway = engine.gateway(l.gateway.namespace, l.gateway.name)?.envoyGateway === true;
  if (byHost !== l && !envoyGateway) return Object.assign(res, { status: 421, reason: `Host ${host} belongs to ${byHost ? `listener ${byHost.listener.name}` : "no listener"}, not to listener ${l.listener.name} that SNI ${sni} selected (421 Misdirected Request)` });
  routeHttp(listenerContext(engine, l, "https", host), req, res);
  return res;
}
