// Last step of the conversion: listeners per host, and the routes of each host group attached to
// them. ingress-nginx redirects HTTP to HTTPS by default on hosts with TLS (ssl-redirect), serves
// ssl-passthrough Ingresses by SNI, and from-to-www-redirect answers the www twin of a host.

import { tlsCovers, type Ingress } from "../../model/ingress.js";
import type { Contribution, HostGroup } from "./group.js";
import { listenerName, nameFromHost, type BackendRef, type GatewayIR, type ListenerIR, type ParentRef, type RouteIR, type RuleIR } from "./ir.js";
import type { ConversionReport } from "./report.js";
import { isNginxPattern, nginxCertificateFor, type NginxServerNames } from "../../model/nginx-server-name.js";

/** The Gateway of one (namespace, class), with listener names kept unique per hostname. */
export class GatewayBuilder {
  readonly gateway: GatewayIR;
  /** The certificate servers' names (Gateway.nginxCertificates), looked up once per host. */
  readonly certificateKeys: ReadonlySet<string>;
  /**
   * @param hosts every host the Gateway's routes serve (a www twin among them is not redirected)
   * @param nginx set for an ingress-nginx class's Gateway in the route graph (not for `convert ingress`): its servers
   * as the controller builds them (see NginxServers)
   */
  constructor(namespace: string, className: string, gatewayClass: string, readonly hosts: ReadonlySet<string | undefined>, readonly nginx?: NginxServers) {
    // nginx.go configureCertificates: the hosts with a certificate, and the aliases it is valid for.
    const keys = nginx ? [...nginx.certified, ...[...nginx.aliases.values()].flat().filter((a) => a.certified).map((a) => a.name)] : [];
    this.certificateKeys = new Set(keys);
    this.gateway = { namespace, name: className, className: gatewayClass, listeners: [], ...(nginx?.names.patterns.length ? { nginxServerNames: nginx.names } : {}),
      ...(nginx?.hsts ? { nginxHsts: { value: nginx.hsts, hosts: keys } } : {}), ...(nginx ? { nginxHeaderNames: nginx.headerNames, nginxCertificates: keys } : {}) };
  }

  /** The listener for (hostname, kind), created on first use. */
  listener(host: string | undefined, kind: "http" | "https" | "tls-passthrough", certs: Cert[] = []): ListenerIR {
    const protocol = kind === "http" ? "HTTP" : kind === "https" ? "HTTPS" : "TLS";
    const found = this.gateway.listeners.find((l) => l.hostname === host && l.protocol === protocol);
    if (found) { for (const c of certs) addCert(found, c); return found; }
    let name = listenerName(host, kind);
    for (let n = 2; this.gateway.listeners.some((l) => l.name === name); n++) name = `${listenerName(host, kind)}-${n}`;
    const l: ListenerIR = { name, port: kind === "http" ? 80 : 443, protocol, ...(host ? { hostname: host } : {}) };
    if (kind === "tls-passthrough") l.tls = { mode: "Passthrough" };
    if (kind === "https") { l.tls = { certificateRefs: [], ...(this.nginx ? { defaultCertificate: true as const } : {}) }; for (const c of certs) addCert(l, c); }
    this.gateway.listeners.push(l);
    return l;
  }

  ref(l: ListenerIR): ParentRef {
    return { namespace: this.gateway.namespace, name: this.gateway.name, sectionName: l.name, port: l.port };
  }
}

/**
 * What the route graph needs of ingress-nginx's servers beyond the Ingresses' TLS secrets. Every server block
 * listens on 443 (template.go buildHTTPSListener, called for each server in nginx.tmpl), presenting the Ingress's
 * certificate or the controller's default one, so every host, and the catch-all server "_", is served over HTTPS.
 * ssl-redirect only redirects where a certificate is configured for the request's host (lua_ingress.lua
 * redirect_to_https: `location_config.ssl_redirect and certificate_configured_for_current_request()`), which
 * controller.go createServers gives every host of a main Ingress with a `tls` section, whether or not an entry names
 * the host or a secret ("Host %q is listed in the TLS section but secretName is empty. Using default certificate";
 * a host no entry lists gets the default certificate too when no named certificate covers it).
 */
export interface NginxServers {
  /** The hosts with a certificate configured (some main Ingress with a rule for the host has a tls section). */
  certified: ReadonlySet<string>;
  /** The controller ConfigMap's ssl-redirect and force-ssl-redirect, the annotations' defaults (rewrite/main.go Parse). */
  sslRedirect: boolean;
  forceSslRedirect: boolean;
  /** The ConfigMap's http-redirect-code: the status of the redirect to HTTPS (default 308). */
  redirectCode?: number;
  /**
   * use-forwarded-headers: the scheme is X-Forwarded-Proto's when the request has one (lua_ingress.lua rewrite:
   * `ngx.var.pass_access_scheme = ngx.var.http_x_forwarded_proto`), and only "http" redirects: a TLS-terminating
   * load balancer's "https" is served on port 80, a request on 443 saying "http" is redirected.
   */
  forwardedProto: boolean;
  /** The ConfigMap's preserve-trailing-slash (default false): the annotation's default. */
  preserveTrailingSlash: boolean;
  /**
   * server-alias: each host's more server names (controller.go createServers: the first main Ingress of the host with
   * aliases gives them; an alias that is the host or another server's host is dropped), and whether the host's
   * certificate covers the alias (nginx.go configureCertificates: `ssl.IsValidHostname(alias, rawServer.SSLCert.CN)`,
   * else the alias has no certificate configured and ssl-redirect does not apply there).
   */
  aliases: ReadonlyMap<string, readonly { name: string; certified: boolean }[]>;
  /** lua_ingress.lua header(): the Strict-Transport-Security value of HTTPS answers for a host with a certificate configured (undefined: hsts off). */
  hsts?: string;
  /** The wildcard and regular-expression server names, and nginx's order of the regular expressions (model/nginx-server-name.ts). */
  names: NginxServerNames;
  /** enable-underscores-in-headers and ignore-invalid-headers where not the defaults (model/gateway.ts Gateway.nginxHeaderNames). */
  headerNames: NonNullable<GatewayIR["nginxHeaderNames"]>;
  /** no-tls-redirect-locations (default "/.well-known/acme-challenge"): locations whose path starts with one are never redirected. */
  noTlsRedirect: readonly string[];
}

/** A TLS Secret: its namespace and name. */
export interface Cert { namespace: string; name: string }

function addCert(l: ListenerIR, c: Cert): void {
  const refs = l.tls?.certificateRefs;
  if (refs && !refs.some((r) => r.name === c.name && r.namespace === c.namespace)) refs.push({ group: "", kind: "Secret", ...c });
}

/** Secrets of the TLS entries that cover `host` in the main Ingresses of the host. */
export function tlsSecrets(ingresses: readonly Ingress[], host: string | undefined): Cert[] {
  const out: Cert[] = [];
  for (const i of ingresses.filter((x) => !x.nginx.canary)) {
    for (const t of i.tls) {
      if (t.secretName && tlsCovers(t, host) && !out.some((c) => c.name === t.secretName && c.namespace === i.namespace)) out.push({ namespace: i.namespace, name: t.secretName });
    }
  }
  return out;
}

/** The routes of one host group: HTTP(S) or gRPC, the HTTP→HTTPS redirect twin, passthrough and www routes. */
/** `httpsUnknown`: why the host's answers on 443 are unknown (ingress-nginx's ssl-passthrough without the controller's flags: lower.ts). */
export function assembleRoutes(g: HostGroup, rules: RuleIR[], passthrough: Contribution[], gw: GatewayBuilder, report: ConversionReport, httpsUnknown?: string): RouteIR[] {
  // ingress2gateway's name: the first Ingress by name (the route graph reads them in ingress-nginx's order: group.ts).
  const name = `${g.ingresses.reduce((a, b) => (b.name < a.name ? b : a)).name}-${nameFromHost(g.host)}`;
  const secrets = tlsSecrets(g.ingresses, g.host);
  const http = gw.listener(g.host, "http");
  // ingress-nginx with ssl-passthrough (nginxPassthrough): 443 of the host is the TLS proxy's, nginx serves its locations on 80 only.
  const passthroughHost = gw.nginx !== undefined && passthrough.length > 0;
  const https = !passthroughHost && (secrets.length || gw.nginx) ? gw.listener(g.host, "https", secrets) : undefined;
  const served = rules;
  const out: RouteIR[] = [];
  const kind = g.protocol === "grpc" ? "GRPCRoute" : "HTTPRoute";
  // `certified`: a certificate is configured for the requests the server name takes (certificate.lua, by the request's host);
  // "by host" for a wildcard or regular-expression alias, whose requests' hosts differ in that (RouteRule.nginxSslRedirect).
  const serve = (host: string | undefined, certified: boolean | "by host", n: string, http: ListenerIR, https: ListenerIR | undefined, unknown?: string): RouteIR[] => {
    const unknownOn = (parents: ParentRef[], c: RuleIR[]) => (unknown && parents.some((p) => p.sectionName === https?.name) ? c.map((r) => ({ ...r, nginxUndetermined: r.nginxUndetermined ?? unknown })) : c);
    const route = (n: string, parents: ParentRef[], rs: RuleIR[]): RouteIR[] => chunks(rs).map((c, i) =>
      ({ kind, namespace: g.namespace, name: i ? `${n}-${i + 1}` : n, hostnames: host ? [host] : [], parentRefs: parents, rules: unknownOn(parents, c) }));
    const redirects = served.filter((r) => redirectsToHttps(r, g, certified === true, gw.nginx, report));
    // By host: each rule ssl-redirect would redirect gets its redirect first, marked, then itself (the engine skips the redirect
    // for a host without a certificate configured).
    const byHost = certified === "by host" ? served.filter((r) => !redirects.includes(r) && redirectsToHttps(r, g, true, gw.nginx, report)) : [];
    const redirect = (r: RuleIR): RuleIR => (byHost.includes(r) ? { ...httpsRedirect(r, gw.nginx), nginxSslRedirect: true } : httpsRedirect(r, gw.nginx));
    const onHttp = (r: RuleIR): RuleIR[] => (redirects.includes(r) ? [redirect(r)] : byHost.includes(r) ? [redirect(r), r] : [r]);
    if (!https && passthroughHost) return route(n, [gw.ref(http)], served.flatMap(onHttp));
    if ((redirects.length || byHost.length) && https && gw.nginx?.forwardedProto) {
      // Each redirecting rule: on 443 a redirecting copy for X-Forwarded-Proto "http"; on 80 a served copy for any other
      // X-Forwarded-Proto (one header match more: it outranks the rule it copies, and every rule that rule outranks).
      const redirecting = (r: RuleIR) => redirects.includes(r) || byHost.includes(r);
      return [...route(n, [gw.ref(https)], served.flatMap((r) => (redirecting(r) ? [withProto(redirect(r), "http"), r] : [r]))),
        ...route(`${n}-http`, [gw.ref(http)], served.flatMap((r) => (redirecting(r) ? [withProto(r, "not http"), ...onHttp(r)] : [r])))];
    }
    if ((redirects.length || byHost.length) && https) {
      return [...route(n, [gw.ref(https)], served), ...route(`${n}-http`, [gw.ref(http)], served.flatMap(onHttp))];
    }
    if (unknown && https) return [...route(n, [gw.ref(https)], served), ...route(`${n}-http`, [gw.ref(http)], served)];
    return route(n, [gw.ref(http), ...(https ? [gw.ref(https)] : [])], served);
  };
  if (served.length) {
    // ingress-nginx: certificate.lua looks the request's host up among the certificate servers (an Ingress wildcard host's
    // server takes names one label deep: its "*." key), so a host without TLS of its own may be covered by another's "*.x".
    const keys = gw.certificateKeys;
    out.push(...serve(g.host, gw.nginx ? g.host !== undefined && nginxCertificateFor(keys, g.host) : secrets.length > 0, name, http, https, httpsUnknown));
    // server_name HOST ALIAS...: an alias is served as the host, with its own certificate and redirects.
    for (const a of g.host !== undefined ? gw.nginx?.aliases.get(g.host) ?? [] : []) {
      out.push(...serve(a.name, isNginxPattern(a.name) ? "by host" : nginxCertificateFor(keys, a.name), `${name}-alias-${nameFromHost(a.name)}`, gw.listener(a.name, "http"), gw.listener(a.name, "https", secrets)));
    }
  }
  if (passthrough.length) out.push(...passthroughRoute(g, passthrough, gw, name, report));
  out.push(...wwwRoutes(g, gw, name, secrets, report));
  return out;
}

/** A route holds at most 16 rules. */
export const MAX_RULES = 16;

/**
 * Rules cut into routes of at most 16, keeping the rules of one path together: among rules of equal
 * precedence the first listed wins, which only holds inside one route (across routes, the first by
 * name, and "<name>" sorts before "<name>-2").
 */
function chunks(rules: RuleIR[]): RuleIR[][] {
  const groups: RuleIR[][] = [];
  const key = (r: RuleIR) => JSON.stringify(r.matches[0]?.path ?? null);
  for (const r of rules) {
    const last = groups[groups.length - 1];
    if (last && key(last[0]) === key(r)) last.push(r); else groups.push([r]);
  }
  const out: RuleIR[][] = [];
  for (const grp of groups) {
    const cur = out[out.length - 1];
    if (cur && cur.length + grp.length <= MAX_RULES) cur.push(...grp); else out.push([...grp]);
  }
  return out.length ? out : [[]];
}

/**
 * ssl-redirect (default on for hosts with a certificate) or force-ssl-redirect; a rule that already redirects keeps
 * its answer. `certified`: the host has a certificate (the route graph: as ingress-nginx configures it, NginxServers;
 * `convert ingress`: a TLS secret, the only HTTPS listener Gateway API can write). With `nginx` (the route graph) the
 * controller's lua_ingress.lua redirect_to_https decides: never for a path of no-tls-redirect-locations; always with
 * force-ssl-redirect (`force_ssl_redirect and pass_access_scheme == "http"`); ssl-redirect where `certified`.
 */
function redirectsToHttps(r: RuleIR, g: HostGroup, certified: boolean, nginx: NginxServers | undefined, report: ConversionReport): boolean {
  const n = r.source.nginx;
  if (r.filters.some((f) => f.type === "RequestRedirect") && !r.trailingSlash && nginx) return false;
  if (nginx) {
    const path = r.matches[0]?.path?.value.replace(/^\(\?i\)/, "");
    if (path !== undefined && nginx.noTlsRedirect.some((p) => path.startsWith(p))) return false;
    return (n.forceSslRedirect ?? nginx.forceSslRedirect) || (certified && (n.sslRedirect ?? nginx.sslRedirect));
  }
  if (n.forceSslRedirect === true && !certified) {
    report.annotation(r.source, "force-ssl-redirect", "not-translated", `host ${g.host ?? "(any)"} has no TLS secret: ingress-nginx would answer HTTPS with its default certificate, which Gateway API cannot express`);
  }
  if (!certified) { report.annotation(r.source, "ssl-redirect", "ignored", "the host has no TLS secret"); return false; }
  report.annotation(r.source, "ssl-redirect", "translated", r.source.nginx.preserveTrailingSlash === true ? undefined : "ingress-nginx's redirect drops a final \"/\" of the request URI (http://h/x/ → https://h/x); the RequestRedirect keeps it");
  report.annotation(r.source, "force-ssl-redirect", "translated");
  if (r.filters.some((f) => f.type === "RequestRedirect") && !r.trailingSlash) return false;
  return n.forceSslRedirect === true || (n.sslRedirect ?? g.ingressNginx);
}

/**
 * The HTTP twin of a rule on a host that redirects to HTTPS. The trailing-slash 301 takes the HTTPS
 * upgrade along in one hop, as ingress2gateway writes it (nginx answers 301 to http://…/guide/ first,
 * then 308 to HTTPS: the client ends at the same URL).
 */
function httpsRedirect(r: RuleIR, nginx: NginxServers | undefined): RuleIR {
  const slash = r.trailingSlash ? r.filters.find((f) => f.type === "RequestRedirect")?.requestRedirect : undefined;
  // lua_ingress.lua rewrite: "do not append a trailing slash on redirects unless enabled by annotations" (preserve-trailing-slash).
  const drop = nginx && !(r.source.nginx.preserveTrailingSlash ?? nginx.preserveTrailingSlash) ? { dropTrailingSlash: true as const } : {};
  // lua_ingress.lua rewrite: with use-forwarded-headers, `ngx.var.best_http_host = parse_x_forwarded_host()` when the request has one.
  const host = nginx?.forwardedProto ? { forwardedHost: true as const } : {};
  // lua_ingress.lua: `ngx_redirect(uri, config.http_redirect_code)` (the ConfigMap's http-redirect-code, default 308).
  const redirect = slash ? { ...slash, scheme: "https", ...host } : { scheme: "https", statusCode: nginx?.redirectCode ?? 308, ...drop, ...host };
  // ingress-nginx's CORS block is a rewrite-module `if` of the location, before rewrite_by_lua's redirect (which ends the
  // rewrite phase): its preflight 204 comes first, and its headers go on the redirect too (more_set_headers).
  const cors = nginx ? r.filters.filter((f) => f.type === "CORS" && f.cors.nginx !== undefined) : [];
  return { ...r, filters: [...cors, { type: "RequestRedirect", requestRedirect: redirect }], backends: [], requestTimeout: undefined };
}

/** The rule for requests whose X-Forwarded-Proto is "http", or is present and not "http" (PCRE, matched whole). */
function withProto(r: RuleIR, proto: "http" | "not http"): RuleIR {
  const header = proto === "http" ? { name: "X-Forwarded-Proto", value: "http" } : { name: "X-Forwarded-Proto", value: "(?!http$).*", type: "RegularExpression" as const };
  const matches = (r.matches.length ? r.matches : [{}]).map((m) => ({ ...m, headers: [...(m.headers ?? []), header] }));
  return { ...r, matches };
}

/**
 * ssl-passthrough as ingress-nginx serves it (the route graph, with the controller's --enable-ssl-passthrough): the host's
 * server stays in nginx.conf, its locations served on port 80 (the template writes every server); the TLS proxy on 443
 * sends the host's connections (by SNI, the server's hostname) to the backend of its root location "/" only
 * (controller.go getConfiguration: "Ignoring SSL Passthrough for location %q"); without one nginx ends TLS itself.
 * The server is passthrough when any main Ingress of the host asks (createServers). Leaves the host group as it is.
 */
export function nginxPassthrough(g: HostGroup): Contribution[] {
  if (!g.host || !g.entries.some((e) => e.mains.some((c) => c.ingress.nginx.sslPassthrough === true))) return [];
  const root = g.entries.find((e) => e.mains.length && (e.match === undefined || e.match.value === "/"));
  return root ? [{ ...root.mains[0], root: true } as Contribution] : [];
}

/**
 * ssl-passthrough, as ingress2gateway reads it: the paths of such an Ingress are not served over
 * HTTP; TLS connections for the host go, by SNI, to their backends ("/"'s, else every path's).
 * Removes those paths from the host group and returns them.
 */
export function takePassthrough(g: HostGroup): Contribution[] {
  const out: Contribution[] = [];
  for (const e of g.entries) {
    const keep = e.mains.filter((c) => c.ingress.nginx.sslPassthrough !== true);
    const taken = e.mains.filter((c) => !keep.includes(c));
    if (!taken.length) continue;
    const root = !e.match || e.match.value === "/";
    out.push(...(root ? taken.map((c) => ({ ...c, root })) : taken));
    e.mains = keep;
  }
  return out;
}

function passthroughRoute(g: HostGroup, taken: (Contribution & { root?: boolean })[], gw: GatewayBuilder, name: string, report: ConversionReport): RouteIR[] {
  const sources = [...new Set(taken.map((c) => c.ingress))];
  if (!g.host) {
    for (const s of sources) report.annotation(s, "ssl-passthrough", "not-translated", "passthrough routes by SNI and needs a host");
    return [];
  }
  for (const s of sources) report.annotation(s, "ssl-passthrough", "translated", "the HTTP rules of this Ingress are not served on port 80 any more (TLS passthrough bypasses HTTP)");
  const root = taken.filter((c) => c.root);
  const backends: BackendRef[] = [];
  for (const b of (root.length ? root : taken).map((c) => c.ref)) {
    if (!backends.some((x) => x.name === b.name && x.port === b.port)) backends.push({ name: b.name, port: b.port, group: b.group, kind: b.kind });
  }
  const l = gw.listener(g.host, "tls-passthrough");
  return [{ kind: "TLSRoute", namespace: g.namespace, name: `${name}-tls-passthrough`, hostnames: [g.host], parentRefs: [{ namespace: gw.gateway.namespace, name: gw.gateway.name, sectionName: l.name }], rules: [{ matches: [], filters: [], backends, source: sources[0] }] }];
}

/** from-to-www-redirect: the www twin of the host (or the bare host of a www host) redirects to it, 301. */
function wwwRoutes(g: HostGroup, gw: GatewayBuilder, name: string, secrets: Cert[], report: ConversionReport): RouteIR[] {
  const src = g.ingresses.find((i) => !i.nginx.canary && i.nginx.fromToWwwRedirect === true);
  if (!src || g.protocol !== "http") return [];
  if (!g.host || g.host.startsWith("*.")) { report.annotation(src, "from-to-www-redirect", "not-translated", "needs a host that is not a wildcard"); return []; }
  const twin = g.host.startsWith("www.") ? g.host.slice(4) : `www.${g.host}`;
  if (gw.hosts.has(twin)) { report.annotation(src, "from-to-www-redirect", "ignored", `${twin} has rules of its own`); return []; }
  report.annotation(src, "from-to-www-redirect", "translated");
  const parents = [gw.ref(gw.listener(twin, "http")), ...(secrets.length || gw.nginx ? [gw.ref(gw.listener(twin, "https", secrets))] : [])];
  // The route graph: nginx.tmpl's redirect server (listening on 80 and 443) answers `return {{ $all.Cfg.HTTPRedirectCode }}
  // $redirect_to;`, ngx_srv_redirect.lua writing "%s://%s:%s%s" (scheme, host, the server port always, the request URI
  // without a final "/"). `convert ingress` keeps ingress2gateway's 301.
  const redirect = gw.nginx ? { hostname: g.host, statusCode: gw.nginx.redirectCode ?? 308, dropTrailingSlash: true as const, alwaysPort: true as const } : { hostname: g.host, statusCode: 301 };
  const rule: RuleIR = { matches: [], filters: [{ type: "RequestRedirect", requestRedirect: redirect }], backends: [], source: src };
  return [{ kind: "HTTPRoute", namespace: g.namespace, name: `${name}-${nameFromHost(twin)}-www-redirect`, hostnames: [twin], parentRefs: parents, rules: [rule] }];
}
