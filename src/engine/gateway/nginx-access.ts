// ingress-nginx's access phase for a location lowered from an Ingress (model/nginx.ts NginxAccess):
// what nginx answers once the rewrite phase (redirects, ssl-redirect, CORS preflights) has let the
// request through, before it is proxied.

import { X509Certificate } from "node:crypto";
import { formatAddress, contains, parseAddress, type Address, type Cidr } from "../../model/ip.js";
import { hasKind, hasObject, type RouteGraph } from "../../model/gateway.js";
import type { NginxAccess } from "../../model/nginx.js";
import type { RouteRequest } from "../../model/request.js";
import { Headers } from "./headers.js";
import { issuedBy } from "./clientcert.js";
import { findTlsMaterial } from "./tlsrefs.js";
import type { NginxSource } from "./nginx-source.js";
import type { Redirect } from "./request.js";

/**
 * A refusal (the status nginx answers and why) or, when the request passes what Junction can check, notes on what it
 * could not, and `undetermined` when the answer is another service's (auth-url).
 */
export type AccessOutcome = { refused: { status: number; reason: string } } | { notes: string[]; undetermined?: string };

/**
 * nginx's access module over the `deny` lines (denylist-source-range), then the `allow` lines
 * (allowlist-source-range) and `deny all`: the first line holding the client address decides (403).
 * A request without a client address (no `from`) is taken to come from an address no list holds but
 * a range of prefix 0 (0.0.0.0/0, ::/0), which holds every address.
 * Then auth_basic / auth_digest: 401 without an Authorization header (the credentials themselves are
 * not checked); a secret missing from an input that has Secrets denies the location (503). auth-url:
 * the external authorizer decides, which Junction cannot ask (a note, the answer assumes it allows).
 */
export function nginxAccess(access: NginxAccess, req: RouteRequest, graph: RouteGraph, seenBy?: () => NginxSource | undefined, errorCodes: readonly number[] = []): AccessOutcome {
  const by = `Ingress ${access.ingress}`;
  if (access.denied) return { refused: { status: 503, reason: `ingress-nginx denies the location of ${by} (${access.denied}): it answers 503` } };
  // authtls/main.go Parse: GetAuthCertificate fails ("error obtaining certificate"): LocationDeniedError, the Ingress's locations answer 503.
  if (access.clientCert && caMissing(graph, access.clientCert.ca)) {
    return { refused: { status: 503, reason: `ingress-nginx denies the location of ${by}: its auth-tls-secret ${access.clientCert.ca} is not in the input (error obtaining certificate, LocationDenied): it answers 503` } };
  }
  const ranges = access.block?.length || access.deny.length || access.allow;
  // The connection's source as the controller sees it (nginx-source.ts: a node's address behind its Service), then the realip module;
  // only source ranges read it (sourceRange finds nothing without them).
  const seen = ranges ? seenBy?.() : undefined;
  const peer = seen ? seen.address : req.clientAddress;
  const client = access.realIp && peer ? realIp(access.realIp, peer, new Headers(req.headers)) : peer;
  const behind = seen && ranges ? `ingress-nginx sees ${seen.address ? formatAddress(seen.address) : "an address the input does not hold"} as the connection's source, not the client's (${seen.why})` : undefined;
  const source = sourceRange(access, client, (seen && !seen.address && client === peer) || (peer && !client) ? "a node or load balancer whose address the input does not hold" : undefined);
  if (source) return { refused: { status: 403, reason: `${source}: ingress-nginx answers 403 (${by})${behind ? `; ${behind}` : ""}` } };
  const notes: string[] = behind ? [`${by}: ${behind}`] : [];
  if (access.basicAuth) {
    const [ns, name] = access.basicAuth.secret.split("/", 2);
    if (hasKind(graph, "", "Secret") && !hasObject(graph, "", "Secret", ns, name)) {
      return { refused: { status: 503, reason: `ingress-nginx denies the location of ${by}: its auth-secret ${access.basicAuth.secret} is not in the input (LocationDenied): it answers 503` } };
    }
    if (new Headers(req.headers).get("authorization") === undefined) {
      return { refused: { status: 401, reason: `${by} asks for ${access.basicAuth.type} authentication (auth-type, auth-secret ${access.basicAuth.secret}) and the request has no Authorization header: ingress-nginx answers 401` } };
    }
    notes.push(`${by}: ${access.basicAuth.type} authentication; Junction does not check the credentials against auth-secret ${access.basicAuth.secret} (wrong ones get 401)`);
  }
  // auth-url: nginx.tmpl `auth_request`: the authorizer's 2xx lets the request through, its 401 or 403 is the answer, any other
  // status 500; Junction cannot ask it, so it cannot tell the answer (as for an Envoy Gateway SecurityPolicy's extAuth).
  if (access.authUrl) return { notes, undetermined: `${by}: ingress-nginx asks the external authorizer ${access.authUrl} (auth-url), which Junction cannot ask: it allows (2xx) or answers 401 or 403 (${authErrors(access, req, errorCodes)})` };
  return { notes };
}

/**
 * Where the authorizer's 401 and 403 go: the location's error_page lines, the first for a status winning
 * (ngx_http_send_error_page): auth-signin's `error_page 401 = @SIGNIN` (written before custom-http-errors'), whose named
 * location answers `return 302 buildAuthSignURL` (the URL with `rd=$pass_access_scheme://$http_host$escaped_request_uri`
 * unless its query has the redirect parameter already); else custom-http-errors' (`errorCodes`, the rule's): the default
 * backend; else the status itself.
 */
function authErrors(access: NginxAccess, req: RouteRequest, errorCodes: readonly number[]): string {
  const s = access.authSignin;
  const to = (code: number) => (errorCodes.includes(code) ? `its ${code} goes to the default backend (custom-http-errors)` : `its ${code} is the answer`);
  if (!s) return `${to(401)}; ${to(403)}`;
  const param = s.param || "rd";
  const escaped = encodeURIComponent(req.path).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const back = `${req.scheme === "https" ? "https" : "http"}://${req.host}${escaped}`;
  // Go's url.Parse takes a relative URL too ("/oauth2/start?a=1"): its query counts as well.
  const query = URL.canParse(s.url, "http://relative.invalid") ? new URL(s.url, "http://relative.invalid").searchParams : undefined;
  const location = !query || ![...query.keys()].length ? `${s.url}?${param}=${back}` : query.get(param) ? s.url : `${s.url}&${param}=${back}`;
  return `its 401 is a 302 to ${location} (auth-signin: the location's error_page 401, before any custom-http-errors line); ${to(403)}`;
}

/** A Secret `ca` ("namespace/name") missing from an input that has Secrets. */
function caMissing(graph: RouteGraph, ca: string): boolean {
  const [ns, name] = ca.split("/", 2);
  return hasKind(graph, "", "Secret") && !hasObject(graph, "", "Secret", ns, name);
}

/**
 * ssl_verify_client on the host's server (auth-tls-secret, auth-tls-verify-client), as ngx_http_process_request reads
 * SSL_get_verify_result: a presented certificate that fails verification is nginx's 495 ("The SSL certificate error")
 * with on and optional alike, and with optional_no_ca unless the error is one ngx_ssl_verify_error_optional lets pass
 * (the issuer unknown: a certificate the CA Secret did not issue, still valid in time); no certificate is 496 ("No
 * required SSL certificate was sent") with on only; both 400 unless auth-tls-error-page. off checks nothing. A
 * certificate Junction cannot check (the input holds no Secrets, or not the client's) leaves the answer undetermined
 * (it was let through). A CA Secret missing from an input that has Secrets: nginxAccess.
 */
export function nginxClientCertProblem(c: { ca: string; verify: string; errorPage?: string; ingress: string }, req: RouteRequest, graph: RouteGraph): CertRefusal | { undetermined: string } | undefined {
  const [ns, name] = c.ca.split("/", 2);
  // (Its Secret missing: the Ingress's CertificateAuth is empty, no ssl_verify_client; nginxAccess denies its locations.)
  if (c.verify === "off" || caMissing(graph, c.ca)) return undefined;
  // A Secret without ca.crt gives the server no CAFileName: nginx.tmpl writes no ssl_verify_client ("Secret %q has no
  // 'ca.crt' key, mutual authentication disabled"). (Was: its tls.crt taken for the CA.)
  const material = findTlsMaterial(graph, "Secret", ns, name);
  if (material && !material.caCertificates) return undefined;
  const by = `the server's ssl_verify_client ${c.verify} (auth-tls-secret ${c.ca} of Ingress ${c.ingress})`;
  if (!req.clientCert) return c.verify === "on" ? errorPage(c, 496, `${by}: the request presents no client certificate`, "No required SSL certificate was sent") : undefined;
  const [cns, cname] = req.clientCert.split("/", 2);
  const cas = material?.caCertificates ?? [];
  const cert = findTlsMaterial(graph, "Secret", cns, cname)?.certificates[0];
  if (!cas.length) return { undetermined: `${by}: nginx verifies the client certificate against that Secret's ca.crt, ${material?.caCertificates ? "whose certificates do not parse" : "which the input does not hold"}` };
  if (!cert) return { undetermined: `${by}: nginx verifies the client certificate from ${req.clientCert}, which the input does not hold` };
  if (issuedBy(cert, cas)) return undefined;
  // optional_no_ca: an unknown issuer is an optional error; one out of its validity period is not (X509_V_ERR_CERT_HAS_EXPIRED,
  // CERT_NOT_YET_VALID: nginx's verify callback goes on, and the time check's error is the last one).
  if (c.verify === "optional_no_ca" && inValidity(cert)) return undefined;
  return errorPage(c, 495, `${by}: the client certificate from ${req.clientCert} ${inValidity(cert) ? "is not issued by its CA" : "is out of its validity period or not issued by its CA"}`, "The SSL certificate error");
}

/** Whether the certificate (PEM) is within its validity period now (one that does not parse: not). */
function inValidity(pem: string, now = new Date()): boolean {
  try { const x = new X509Certificate(pem); return new Date(x.validFrom) <= now && now <= new Date(x.validTo); } catch { return false; }
}

/** A refused client certificate's answer: nginx's 400, or auth-tls-error-page's redirect. */
export interface CertRefusal { status: number; reason: string; redirect?: Redirect }

/**
 * nginx's status 495 (certificate error) or 496 (no certificate), which it answers as 400 with its own page, unless the
 * server's `error_page 495 496 = PAGE;` (nginx.tmpl, auth-tls-error-page of the Ingress whose CertificateAuth the server
 * took) takes it: ngx_http_send_error_page sends a PAGE not starting with "/" or "@" as a 302 with Location PAGE as
 * written; a "/PAGE" is an internal redirect to that URI of the server (GET), a "@NAME" a named location (only a snippet
 * can define one), which Junction does not follow.
 */
function errorPage(c: { errorPage?: string }, code: 495 | 496, why: string, page: string): CertRefusal | { undetermined: string } {
  const p = c.errorPage;
  if (!p) return { status: 400, reason: `${why}, and nginx answers 400 (${page})` };
  if (p.startsWith("/") || p.startsWith("@")) return { undetermined: `${why}: nginx's ${code} goes to error_page ${p} (auth-tls-error-page), ${p.startsWith("@") ? "a named location" : "an internal redirect to that URI of the server"}, which Junction does not follow` };
  const url = URL.canParse(p) ? new URL(p) : undefined;
  const redirect: Redirect = { scheme: url?.protocol.replace(/:$/, "") ?? "", host: url?.hostname ?? "", port: url?.port ? Number(url.port) : null, path: url?.pathname ?? p, statusCode: 302, location: p };
  return { status: 302, redirect, reason: `${why}: nginx's ${code} goes to error_page 495 496 = ${p} (auth-tls-error-page): a 302 redirect there` };
}

/**
 * The client address after nginx's realip module (ngx_http_realip_module, real_ip_recursive on:
 * ngx_http_get_forwarded_addr_internal): while the address is in a trusted range, it becomes the last
 * address of the header's list not yet taken (an `address` or `address:port`); an entry that is no
 * address stops it. No header: the connection's address.
 * With use-proxy-protocol too (cfg.proxyProtocol, `peer` the PROXY header's source): an untrusted source
 * is taken as is; a trusted one has the client's header read, and without one nginx keeps the
 * connection's address, the load balancer's, which Junction does not know (undefined).
 */
export function realIp(cfg: NonNullable<NginxAccess["realIp"]>, peer: Address, headers: Headers): Address | undefined {
  const list = (headers.get(cfg.header.toLowerCase()) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (cfg.proxyProtocol && !list.length && cfg.trusted.some((c) => contains(c, peer))) return undefined;
  let addr = peer;
  while (list.length && cfg.trusted.some((c) => contains(c, addr))) {
    const text = list.pop()!;
    const parsed = parseAddress(text) ?? parseAddress(text.replace(/^\[(.*)\](:\d+)?$/, "$1").replace(/^([\d.]+):\d+$/, "$1"));
    if (!parsed) break;
    addr = parsed;
  }
  return addr;
}

/** Why the source ranges refuse the client, or undefined when they let it through. */
function sourceRange(access: NginxAccess, client: Address | undefined, unknown?: string): string | undefined {
  const who = client ? `client ${formatAddress(client)}` : unknown ?? "a client whose address the request does not give (--from NS/POD or ip:ADDRESS)";
  const holds = (c: Cidr) => (client ? contains(c, client) : c.prefix === 0);
  const blocked = access.block?.find(holds);
  if (blocked) return `${who} is in the controller's block-cidrs ${blocked.text}`;
  const denied = access.deny.find(holds);
  if (denied) return `${who} is in denylist-source-range ${denied.text}`;
  if (!access.allow) return undefined;
  const allowed = access.allow.find(holds);
  return allowed ? undefined : `${who} is outside allowlist-source-range ${access.allow.map((c) => c.text).join(", ") || "(empty)"}`;
}
