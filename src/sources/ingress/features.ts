// The ingress-nginx annotations that change what a rule does, each read from the rule's main
// Ingress: redirects, app-root, rewrite-target, header rewrites, CORS, timeouts, and the host-wide
// regular-expression mode of use-regex and rewrite-target.

import { REGEX_SEMANTICS, regexError } from "../../model/regex.js";
import type { Ingress } from "../../model/ingress.js";
import type { HostGroup } from "./group.js";
import type { Filter, RuleIR } from "./ir.js";
import type { ConversionReport } from "./report.js";

export function applyRuleFeatures(rules: RuleIR[], report: ConversionReport): void {
  for (const r of rules) {
    redirect(r, report) || rewrite(r, report);
    headers(r, report);
    cors(r, report);
    timeouts(r, report);
  }
}

/** permanent-redirect / temporal-redirect: the rule answers with a redirect to the URL; no backend. */
function redirect(r: RuleIR, report: ConversionReport): boolean {
  const red = r.source.nginx.redirect;
  if (!red) return false;
  const url = new URL(red.url);
  const port = url.port ? Number(url.port) : undefined;
  r.filters.push({ type: "RequestRedirect", requestRedirect: {
    scheme: url.protocol.slice(0, -1), hostname: url.hostname, ...(port ? { port } : {}),
    path: { type: "ReplaceFullPath", replaceFullPath: url.pathname || "/" }, statusCode: red.code,
    // nginx.tmpl `return {{ $location.Redirect.Code }} {{ $location.Redirect.URL }};`: the URL as written, its own query.
    fixedQuery: url.search,
    // ...as written: a URL without a path is no "/" (the route graph; a Gateway API RequestRedirect writes one).
    ...(/^[^:]*:\/\/[^/?#]*$/.test(red.url.trim()) ? { dropTrailingSlash: true as const } : {}),
  } });
  r.backends = [];
  const other = red.kind === "temporal" ? "permanent" : "temporal";
  report.annotation(r.source, `${red.kind}-redirect`, "translated", url.search ? "the URL's query string is dropped: RequestRedirect cannot set one" : undefined);
  report.annotation(r.source, `${red.kind}-redirect-code`, "translated");
  for (const k of [`${other}-redirect`, `${other}-redirect-code`]) report.annotation(r.source, k, "ignored", "temporal-redirect takes precedence over permanent-redirect, as in ingress-nginx");
  for (const k of ["rewrite-target", "x-forwarded-prefix"]) report.annotation(r.source, k, "ignored", "the redirect answers before any rewrite");
  return true;
}

/** rewrite-target T (no capture references): the whole path becomes T; x-forwarded-prefix adds that header. */
function rewrite(r: RuleIR, report: ConversionReport): void {
  const { rewriteTarget: target, xForwardedPrefix: prefix } = r.source.nginx;
  if (target === undefined) {
    if (prefix !== undefined) report.annotation(r.source, "x-forwarded-prefix", "ignored", "ingress-nginx sets X-Forwarded-Prefix only with rewrite-target");
    return;
  }
  if (target.includes("$")) {
    report.annotation(r.source, "rewrite-target", "not-translated", "capture-group references ($1, ...) have no Gateway API equivalent; the path reaches the backend unchanged");
    report.annotation(r.source, "x-forwarded-prefix", "not-translated", "depends on the untranslated rewrite-target");
    return;
  }
  r.filters.push({ type: "URLRewrite", urlRewrite: { path: { type: "ReplaceFullPath", replaceFullPath: target } } });
  report.annotation(r.source, "rewrite-target", "translated");
  if (prefix !== undefined) {
    setHeader(r, "X-Forwarded-Prefix", prefix);
    report.annotation(r.source, "x-forwarded-prefix", "translated");
  }
}

/** upstream-vhost (the Host header the backend sees) and connection-proxy-header. */
function headers(r: RuleIR, report: ConversionReport): void {
  const n = r.source.nginx;
  if (n.upstreamVhost !== undefined) { setHeader(r, "Host", n.upstreamVhost); report.annotation(r.source, "upstream-vhost", "translated"); }
  if (n.connectionProxyHeader !== undefined) { setHeader(r, "Connection", n.connectionProxyHeader); report.annotation(r.source, "connection-proxy-header", "translated"); }
}

export function setHeader(r: RuleIR, name: string, value: string): void {
  if (r.filters.some((f) => f.type === "RequestRedirect")) return;
  let f = r.filters.find((x): x is Extract<Filter, { type: "RequestHeaderModifier" }> => x.type === "RequestHeaderModifier");
  if (!f) { f = { type: "RequestHeaderModifier", requestHeaderModifier: { set: [] } }; r.filters.push(f); }
  f.requestHeaderModifier.set.push({ name, value });
}

const CORS_KEYS = ["enable-cors", "cors-allow-origin", "cors-allow-methods", "cors-allow-headers", "cors-expose-headers", "cors-allow-credentials", "cors-max-age"];

function cors(r: RuleIR, report: ConversionReport): void {
  const c = r.source.nginx.cors;
  if (!c) return;
  if (!r.filters.some((f) => f.type === "RequestRedirect")) {
    r.filters.push({ type: "CORS", cors: {
      allowOrigins: c.allowOrigins, allowMethods: c.allowMethods, allowHeaders: c.allowHeaders,
      ...(c.exposeHeaders.length ? { exposeHeaders: c.exposeHeaders } : {}), allowCredentials: c.allowCredentials, maxAge: c.maxAge,
    } });
  }
  for (const k of CORS_KEYS) report.annotation(r.source, k, "translated", k === "enable-cors" ? "as the HTTPRoute CORS filter (Gateway API v1.5)" : undefined);
}

/** proxy-*-timeout are per network operation; the request timeout is a best effort: 10 × the largest. */
function timeouts(r: RuleIR, report: ConversionReport): void {
  const t = r.source.nginx.timeouts;
  if (!t) return;
  const max = Math.max(t.connect ?? 0, t.send ?? 0, t.read ?? 0);
  if (max > 0) r.requestTimeout = 10 * max;
  const why = "best effort: ingress-nginx times single network operations, Gateway API the whole request (timeouts.request = 10 × the largest)";
  for (const k of ["proxy-connect-timeout", "proxy-send-timeout", "proxy-read-timeout"]) report.annotation(r.source, k, "translated", why);
}

/** Seconds as a Gateway API duration: "1h2m3s". */
export function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s || (!h && !m) ? `${s}s` : ""}`;
}

/**
 * Host-wide rules of ingress-nginx: use-regex or rewrite-target on any main Ingress of a host turns
 * every path of the host into a case-insensitive regular expression anchored at the start; app-root
 * redirects "/" (exactly) to the application root.
 */
export function applyHostFeatures(g: HostGroup, rules: RuleIR[], report: ConversionReport, regexOf?: (i: Ingress) => boolean, hostRegex = false, serverPaths?: ReadonlySet<string>): RuleIR[] {
  const mains = g.ingresses.filter((i) => !i.nginx.canary);
  // hostRegex: another namespace's Ingress of the host's server asks (lower.ts nginxRegexHosts).
  // regexOf: the route graph's reading of an ingress-nginx host (lower.ts nginxLocations), where a rewrite-target equal to
  // its location's path rewrites nothing and makes no regular expression.
  const regexBy = mains.filter(regexOf ?? ((i) => i.nginx.useRegex === true || i.nginx.rewriteTarget !== undefined));
  const regex = regexBy.length > 0 || hostRegex;
  if (regex && g.protocol === "http") {
    for (const r of rules) for (const m of r.matches) if (m.path) { checkRegexPath(r, m.path.value, report); m.path = { type: "RegularExpression", value: `(?i)${m.path.value}.*` }; }
    for (const i of regexBy) report.annotation(i, "use-regex", "translated", "every path of the host becomes a case-insensitive RegularExpression match, as ingress-nginx makes them");
  }
  if (!regex && g.ingressNginx && g.protocol === "http") rules.push(...trailingSlashRedirects(rules, serverPaths));
  const appRoot = mains.find((i) => i.nginx.appRoot !== undefined);
  if (!appRoot || g.protocol !== "http") return rules;
  report.annotation(appRoot, "app-root", "translated");
  // nginx.tmpl: `if ($uri = /) { return 302 $scheme://$http_host{{ $location.Rewrite.AppRoot }}; }`: no query.
  const redirect: Filter = { type: "RequestRedirect", requestRedirect: { path: { type: "ReplaceFullPath", replaceFullPath: appRoot.nginx.appRoot! }, statusCode: 302, fixedQuery: "" } };
  const root = rules.find((r) => r.matches.some((m) => m.path?.type === "Exact" && m.path.value === "/" && !m.headers?.length));
  if (root) { root.filters = [redirect]; root.backends = []; root.appRoot = true; return rules; }
  return [...rules, { matches: [{ path: { type: "Exact", value: "/" } }], filters: [redirect], backends: [], source: appRoot, appRoot: true }];
}

/**
 * nginx answers a request for a prefix location's name without its trailing slash ("/guide" for
 * `location /guide/`) with a 301 to the name ("auto_redirect"), unless an exact location has that
 * name (`serverPaths`: the route graph's paths of the host's server, every namespace's). ingress-nginx writes
 * `location /guide/` for a Prefix or ImplementationSpecific path "/guide/",
 * and an exact `location = /guide` for a Prefix path "/guide", so the Ingress spec's "Prefix /guide/
 * matches /guide" does not hold there: an Exact rule for "/guide" redirects (no regex mode on the host).
 */
function trailingSlashRedirects(rules: readonly RuleIR[], serverPaths?: ReadonlySet<string>): RuleIR[] {
  const paths = rules.flatMap((r) => r.matches.flatMap((m) => (m.path ? [m.path] : [])));
  const out: RuleIR[] = [];
  for (const r of rules) {
    for (const m of r.matches) {
      const target = m.path?.type === "PathPrefix" ? m.path.value : undefined;
      if (!target || target === "/" || !target.endsWith("/") || m.headers?.length) continue;
      const source = target.slice(0, -1);
      if (paths.some((p) => p.type !== "RegularExpression" && p.value === source) || serverPaths?.has(source) || out.some((o) => o.matches[0].path?.value === source)) continue;
      out.push({ matches: [{ path: { type: "Exact", value: source } }], backends: [], source: r.source, trailingSlash: true,
        filters: [{ type: "RequestRedirect", requestRedirect: { path: { type: "ReplaceFullPath", replaceFullPath: target }, statusCode: 301 } }] });
    }
  }
  return out;
}

/**
 * A regex path as nginx (PCRE) and as the converted HTTPRoute's implementations (RE2) read it: one
 * nginx cannot compile fails `nginx -t` (the rule routes nothing); one only PCRE reads converts to an
 * invalid Gateway API RegularExpression.
 */
function checkRegexPath(r: RuleIR, pattern: string, report: ConversionReport): void {
  const pcre = regexError(pattern, REGEX_SEMANTICS.nginx);
  const re2 = pcre ? undefined : regexError(pattern, REGEX_SEMANTICS.gatewayApi);
  if (pcre) report.note(r.source, "warning", `path ${JSON.stringify(pattern)} is not a regular expression nginx can compile (${pcre}): nginx -t fails on it, and the rule routes nothing`);
  else if (re2) report.note(r.source, "warning", `path ${JSON.stringify(pattern)} uses PCRE syntax that RE2 lacks (${re2}): the converted RegularExpression is invalid for Envoy-based Gateway API implementations`);
}

/** True when the Ingress asks for TLS to the backend (backend-protocol HTTPS or GRPCS). */
export function wantsBackendTls(i: Ingress): boolean {
  return i.nginx.backendProtocol === "HTTPS" || i.nginx.backendProtocol === "GRPCS";
}
