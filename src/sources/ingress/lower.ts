// Ingress → the route graph, with ingress-nginx's meaning of its annotations: routes per
// (namespace, class, host, protocol) with ingress2gateway's names, attached to one Gateway per
// class (for routing: an ingress controller serves every namespace of its class) or per
// (namespace, class) (for `junction convert ingress`, whose Gateways must be namespaced).
// Every annotation ends up in the report as translated, not translated or ignored.

import type { BackendTlsPolicy, Gateway } from "../../model/gateway.js";
import type { Inventory } from "../../model/inventory.js";
import { nginxIngressOrder, type Ingress } from "../../model/ingress.js";
import type { NginxControllerConfig } from "../../model/nginx.js";
import type { Route } from "../../model/route.js";
import type { Diagnostic } from "../../model/source.js";
import { X509Certificate } from "node:crypto";
import { assembleRoutes, GatewayBuilder, nginxPassthrough, takePassthrough, tlsSecrets, type NginxServers } from "./assemble.js";
import { backendTlsPolicies } from "./backendtls.js";
import { groupRules, planCanaries } from "./canary.js";
import { applyHostFeatures, applyRuleFeatures, setHeader } from "./features.js";
import { changesAccess, crossNamespaceSecret, withGlobalRanges } from "./nginx-annotations.js";
import { groupPaths, noteNginxDefaultBackends, selectIngresses, type HostGroup, type UnknownRiskLevel } from "./group.js";
import type { RouteIR, RouteMatch, RuleIR } from "./ir.js";
import { findService } from "../../model/services.js";
import { controllersDisagree, ingressNginxOf, type IngressNginxServing } from "../../model/nginx-controller.js";
import { isNginxPattern, type NginxServerNames } from "../../model/nginx-server-name.js";
import { ConversionReport, type IngressReport } from "./report.js";
import { gatewayOf, routeOf } from "./tomodel.js";

/** The namespace of the Gateways that stand for Ingress classes in the route graph ("IngressClass/nginx"). */
export const INGRESS_CLASS_GATEWAYS = "IngressClass";

export interface LowerOptions {
  /** "class": one Gateway per class, in namespace IngressClass; "namespace": one per (namespace, class). */
  scope: "class" | "namespace";
  /** Lower only Ingresses of this class (class-less ones count as the default IngressClass's). */
  ingressClass?: string;
  /** gatewayClassName of the Gateways; default: the Ingress class name. */
  gatewayClass?: string;
  /** Risky annotations without the controller's ConfigMap in the input (group.ts UnknownRiskLevel); default "reject". */
  unknownRisk?: UnknownRiskLevel;
}

export interface LoweredIngresses {
  gateways: Gateway[];
  routes: Route[];
  backendTlsPolicies: BackendTlsPolicy[];
  reports: IngressReport[];
  /** Problems that stop a conversion (e.g. a port name no Service resolves). */
  errors: Diagnostic[];
  /** Problems of the result as a whole (limits of the Gateway API). */
  warnings: string[];
}

/** A Gateway holds at most 64 listeners. */
const MAX_LISTENERS = 64;

export function lowerIngresses(inv: Inventory, options: LowerOptions): LoweredIngresses {
  const report = new ConversionReport();
  const errors: Diagnostic[] = [];
  const selected = selectIngresses(inv, options.ingressClass, report, options.unknownRisk ?? "reject", options.scope === "class");
  const groups = groupPaths(selected, inv, errors, options.scope);
  if (options.scope === "namespace") noteNginxDefaultBackends(selected, inv, report);
  const canaries = planCanaries(groups);
  const clusterIps = options.scope === "class" ? serviceUpstreams(groups, inv) : new Set<string>();
  // A server's locations are all regular expressions when one of any namespace's Ingresses asks (nginxRegexHosts).
  const regexHosts = options.scope === "class" ? nginxRegexHosts(groups) : new Set<string>();
  // The paths of each (class, host) server, every namespace's: an exact location of another's stops nginx's 301 (features.ts).
  const serverPaths = new Map<string, Set<string>>();
  if (options.scope === "class") {
    for (const g of groups.filter((x) => x.ingressNginx)) {
      const key = JSON.stringify([g.className, g.host ?? null]);
      const set = serverPaths.get(key) ?? new Set<string>();
      for (const e of g.entries) if (e.mains.length && e.match) set.add(e.match.value);
      serverPaths.set(key, set);
    }
  }
  const gateways = new Map<string, GatewayBuilder>();
  const routes: RouteIR[] = [];
  for (const g of groups) {
    const ns = options.scope === "class" ? INGRESS_CLASS_GATEWAYS : g.namespace;
    const key = `${ns}/${g.className}`;
    if (!gateways.has(key)) {
      const hosts = new Set(groups.filter((x) => x.className === g.className && (options.scope === "class" || x.namespace === g.namespace)).map((x) => x.host));
      gateways.set(key, new GatewayBuilder(ns, g.className, options.gatewayClass ?? g.className, hosts, options.scope === "class" && g.ingressNginx ? nginxServers(groups, g.className, inv) : undefined));
    }
    // ssl-passthrough needs the controller's --enable-ssl-passthrough (nginx.go `if n.cfg.EnableSSLPassthrough { n.setupSSLProxy() }`;
    // template.go httpsListener): without it nginx ends TLS itself and serves the Ingress's locations. pkg/flags/flags.go
    // `flags.Bool("enable-ssl-passthrough", false, ...)`: off unless given, and the Helm chart gives it only through
    // controller.extraArgs; an input without the controller cannot tell, so the host's answers on 443 are unknown.
    const nginxClass = options.scope === "class" && g.ingressNginx;
    const serving = nginxClass ? ingressNginxOf(inv, g.className).controllers : [];
    const wanted = nginxClass ? nginxPassthrough(g) : takePassthrough(g);
    const passthroughUnknown = nginxClass && wanted.length && !serving.length ? passthroughUndetermined(wanted[0].ingress, g.className) : undefined;
    const passthrough = (serving.length && !serving[0].sslPassthrough) || passthroughUnknown ? [] : wanted;
    const rules = groupRules(g, report, canaries);
    // The settings of the controller serving the class (model/nginx-controller.ts ingressNginxOf).
    const global = g.ingressNginx ? ingressNginxOf(inv, g.className).config : undefined;
    if (global && changesAccess(global)) for (const r of rules) r.access = withGlobalRanges(r.source.nginx.access, global, `${r.source.namespace}/${r.source.name}`, r.source.nginx.enableGlobalAuth !== false);
    for (const r of rules) {
      const cross = g.ingressNginx ? crossNamespaceSecret(r.access ?? r.source.nginx.access, r.source.namespace, global) : undefined;
      if (cross) { const a = (r.access ?? r.source.nginx.access)!; r.access = { ...a, denied: a.denied ?? cross }; }
    }
    applyRuleFeatures(rules, report);
    // Which Ingresses' rewrite-target turns the host's locations into regular expressions (enforceRegexModifier).
    let regexOf: ((i: Ingress) => boolean) | undefined;
    if (options.scope === "class" && g.ingressNginx) {
      regexOf = nginxLocations(rules);
      // Several controllers of the class with other settings: which one answers is the request's path to it (unknown here).
      const split = controllersDisagree(ingressNginxOf(inv, g.className), g.className);
      const snippets = ingressNginxOf(inv, g.className).config?.allowSnippets ? g.ingresses.find((i) => !i.nginx.canary && i.nginx.snippets?.server) : undefined;
      // controller.go createServers: `if servers[host].CertificateAuth.CAFileName == ""`: the first Ingress of the host with auth-tls.
      // (One whose auth-tls-secret is denied, another namespace's: an empty CertificateAuth.)
      const tlsAuth = g.ingresses.find((i) => !i.nginx.canary && i.nginx.access?.clientCert && !crossNamespaceSecret({ ingress: "", deny: [], clientCert: i.nginx.access.clientCert }, i.namespace, global));
      for (const r of rules) {
        if (tlsAuth && g.host !== undefined) r.nginxClientCert = { ...tlsAuth.nginx.access!.clientCert!, ingress: `${tlsAuth.namespace}/${tlsAuth.name}` };
        r.fallback = defaultBackendOf(r, inv);
        r.nginxRewrite = captureRewrite(r);
        // template.go buildProxyPass writes `proxy_set_header X-Forwarded-Prefix` with every rewrite-target's rewrite, capture references too.
        if (r.nginxRewrite && r.source.nginx.xForwardedPrefix !== undefined) setHeader(r, "X-Forwarded-Prefix", r.source.nginx.xForwardedPrefix);
        if (r.source.nginx.proxyRedirect) r.nginxProxyRedirect = r.source.nginx.proxyRedirect;
        // custom-headers: the location's response headers, or its denial (customHeadersOf).
        const custom = customHeadersOf(r.source, global);
        if (typeof custom === "string") { const a = r.access ?? r.source.nginx.access; r.access = a ? { ...a, denied: a.denied ?? custom } : { ingress: `${r.source.namespace}/${r.source.name}`, deny: [], denied: custom }; }
        else if (custom?.length) r.nginxResponseHeaders = custom;
        // enable-cors: nginx.tmpl's CORS block answers otherwise than the Gateway API filter (engine/gateway/nginx-cors.ts).
        const cors = r.source.nginx.cors?.nginx;
        if (cors) for (const f of r.filters) if (f.type === "CORS") f.cors = { ...f.cors, nginx: cors };
        // ...which nginx.tmpl writes before permanent-/temporal-redirect's `return` (features.ts leaves it out of a redirecting rule).
        if (cors && !r.filters.some((f) => f.type === "CORS") && r.filters.some((f) => f.type === "RequestRedirect")) r.filters.unshift({ type: "CORS", cors: { ...r.source.nginx.cors! } });
        const viaClusterIp = r.backends.filter((b) => clusterIps.has(JSON.stringify([g.className, b.namespace ?? g.namespace, b.name, b.port]))).map((b) => `${b.namespace ?? g.namespace}/${b.name}`);
        if (viaClusterIp.length) r.nginxServiceUpstream = viaClusterIp;
        const errors = customErrorsOf(r, ingressNginxOf(inv, g.className), inv);
        if (errors) r.nginxCustomErrors = errors;
        r.nginxUndetermined = split ?? (snippets ? snippetOf(snippets, "server-snippet") : r.source.nginx.snippets?.location && ingressNginxOf(inv, g.className).config?.allowSnippets ? snippetOf(r.source, "configuration-snippet") : undefined);
      }
    }
    const server = JSON.stringify([g.className, g.host ?? null]);
    const located = applyHostFeatures(g, rules, report, regexOf, regexHosts.has(server), serverPaths.get(server));
    // (app-root's 302 is the server's rewrite phase, before the location and its client_max_body_size.)
    if (options.scope === "class" && g.ingressNginx) for (const r of located) if (!r.appRoot) r.nginxBodyLimit = nginxBodyLimit(r.source.nginx.proxyBodySize ?? global?.proxyBodySize);
    routes.push(...assembleRoutes(g, located, passthrough, gateways.get(key)!, report, passthroughUnknown));
  }
  // Every ingress-nginx server, the catch-all "_" too, listens on 443 (NginxServers).
  for (const b of gateways.values()) if (b.nginx) b.listener(undefined, "https");
  const ingresses = selected.map(([i]) => i);
  for (const ing of ingresses) noteWildcards(ing, report);
  const warnings = [...gateways.values()].filter((b) => b.gateway.listeners.length > MAX_LISTENERS).map((b) =>
    `Gateway ${b.gateway.namespace}/${b.gateway.name} needs ${b.gateway.listeners.length} listeners; Gateway API allows ${MAX_LISTENERS} (convert fewer hosts at a time, e.g. per --ingress-class, or merge hosts under a wildcard)`);
  return {
    gateways: [...gateways.values()].map((b, i) => gatewayOf(b.gateway, i)),
    routes: routes.map((r, i) => routeOf(r, i)),
    backendTlsPolicies: backendTlsPolicies(ingresses, report),
    reports: report.finish(inv.ingress.ingresses),
    errors,
    warnings,
  };
}

/**
 * default-backend (annotations/defaultbackend: the Service `namespace/value`, unused when missing), at its first port
 * (getBackendServers: `location.DefaultBackend.Spec.Ports[0]`).
 */
function defaultBackendOf(r: RuleIR, inv: Inventory): RuleIR["fallback"] {
  const name = r.source.nginx.defaultBackend;
  const port = name ? findService(inv, r.source.namespace, name)?.ports[0]?.port : undefined;
  return name && port !== undefined && r.backends.length ? { name, port } : undefined;
}

/**
 * The upstreams (class, namespace, Service, port) whose endpoint is the Service's ClusterIP: controller.go
 * getBackendServers creates an upstream for a Service port once, for the first Ingress naming it (`if _, ok :=
 * upstreams[name]; ok { continue }`; Ingresses here by namespace and name, the controller's by creation time), and
 * `if anns.ServiceUpstream` gives it getServiceClusterEndpoint's, which fails for a headless Service (and one without
 * ClusterIP: ExternalName), the endpoints then.
 */
function serviceUpstreams(groups: readonly HostGroup[], inv: Inventory): Set<string> {
  const first = new Map<string, Ingress>();
  const all = groups.filter((g) => g.ingressNginx).flatMap((g) => g.entries.flatMap((e) => [...e.mains, ...e.canaries]).map((c) => ({ g, c })));
  all.sort((a, b) => nginxIngressOrder(a.c.ingress, b.c.ingress));
  for (const { g, c } of all) {
    if (c.ref.kind) continue;
    const key = JSON.stringify([g.className, c.ingress.namespace, c.ref.name, c.ref.port]);
    if (!first.has(key)) first.set(key, c.ingress);
  }
  const out = new Set<string>();
  for (const [key, ing] of first) {
    const [, ns, name] = JSON.parse(key) as [string, string, string];
    const svc = findService(inv, ns, name);
    if (ing.nginx.serviceUpstream && svc && !svc.headless && svc.type !== "ExternalName") out.add(key);
  }
  return out;
}

/**
 * custom-http-errors (engine/gateway/nginx-errors.ts): the annotation's codes (the location's error_page lines), else the
 * ConfigMap's (the http block's, which a location without its own error_page inherits); proxy_intercept_errors on where
 * the codes are written, unless disable-proxy-intercept-errors. The controller's --default-backend-service (its first
 * port; getDefaultUpstream), when the input holds it.
 */
function customErrorsOf(r: RuleIR, serving: IngressNginxServing, inv: Inventory): RuleIR["nginxCustomErrors"] {
  const own = r.source.nginx.customHttpErrors, global = serving.config;
  // nginx inherits the http block's error_page lines only into a server and location with none of their own
  // (ngx_http_core_merge_loc_conf): auth-signin's `error_page 401` in the location, auth-tls-error-page's `error_page 495 496`
  // in the server stop the ConfigMap's codes there.
  const shadowed = (r.access ?? r.source.nginx.access)?.authSignin !== undefined || r.nginxClientCert?.errorPage !== undefined;
  const codes = own ?? (shadowed ? undefined : global?.customHttpErrors);
  if (!codes?.length || !r.backends.length) return undefined;
  const intercept = (own !== undefined && !r.source.nginx.disableProxyInterceptErrors) || (global?.customHttpErrors !== undefined && !global.disableProxyInterceptErrors);
  const [ns, name] = serving.controllers[0]?.defaultBackendService?.split("/", 2) ?? [];
  const port = ns && name ? findService(inv, ns, name)?.ports[0]?.port : undefined;
  return { codes, intercept, own: own !== undefined, from: `${r.source.namespace}/${r.source.name}`, ...(port !== undefined ? { service: { name: name!, namespace: ns, port } } : {}) };
}

/**
 * custom-headers (customheaders/main.go Parse): the ConfigMap's headers, or why the location is denied (LocationDenied:
 * 503): the ConfigMap not found, a name or value refused, or a header the controller ConfigMap's
 * global-allowed-response-headers (configmap.go; default none) does not list (`slices.Contains(defBackend.
 * AllowedResponseHeaders, header)`: "header %s is not allowed").
 */
function customHeadersOf(ing: Ingress, global: NginxControllerConfig | undefined): [string, string][] | string | undefined {
  const c = ing.nginx.customHeaders;
  if (!c) return undefined;
  const problem = c.problem ?? (c.headers ? undefined : `unable to find configMap ${JSON.stringify(c.configMap)}`);
  const refused = c.headers?.find(([name]) => !(global?.allowedResponseHeaders ?? []).includes(name));
  if (problem || refused) return `custom-headers ${c.configMap}: ${problem ?? `header ${refused![0]} is not allowed, defined allowed headers inside global-allowed-response-headers [${(global?.allowedResponseHeaders ?? []).join(" ")}]`}`;
  return c.headers;
}

/**
 * A location's client_max_body_size: the annotation's proxy-body-size, else the ConfigMap's (config.go `bodySize =
 * "1m"`), written by nginx.tmpl only `if isValidByteSize $location.Proxy.BodySize true` (template.go nginxOffsetRegex
 * `^\d+[kKmMgG]?$`, trimmed), else nginx's own default, 1m (ngx_http_core_module). nginx's ngx_parse_offset: k, m, g are
 * 1024, 1024², 1024³.
 */
function nginxBodyLimit(written = "1m"): RuleIR["nginxBodyLimit"] {
  const m = /^(\d+)([kKmMgG]?)$/.exec(written.trim()) ?? (["1m", "1", "m"] as const);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as "" | "k" | "m" | "g"];
  return { bytes: Number(m[1]) * unit, written: m[0] };
}

/** Why an ssl-passthrough host's answers on 443 are unknown: the input holds no controller of the class (its flags). */
function passthroughUndetermined(ing: Ingress, className: string): string {
  return `Ingress ${ing.namespace}/${ing.name} asks for ssl-passthrough, which needs the controller's --enable-ssl-passthrough (default false), and the input holds no ingress-nginx controller of class ${JSON.stringify(className)}: with it the TLS proxy on 443 sends the connection by SNI to the backend of the root location, without it nginx ends TLS and serves the host's locations (add the controller's Deployment to the input to decide)`;
}

/**
 * An allowed snippet (allow-snippet-annotations, and an annotations-risk-level of Critical, else the Ingress is rejected:
 * group.ts): raw nginx configuration in the location (configuration-snippet) or the host's server (server-snippet),
 * which may answer, rewrite or deny anything; without allow-snippet-annotations controller.go dropSnippetDirectives
 * removes it.
 */
function snippetOf(ing: Ingress, key: string): string {
  return `the ${key} of Ingress ${ing.namespace}/${ing.name} is raw nginx configuration (allow-snippet-annotations is on), which Junction does not read`;
}

/**
 * The nginx locations of an ingress-nginx host's rules, and whether each rewrites (`rules` changed in place), as the
 * controller writes them:
 * - location.go updateServerLocations: a Prefix path P (not "/") whose location needs no rewrite (`needsRewrite`:
 *   `location.Rewrite.Target != "" && location.Rewrite.Target != location.Path`) and has no use-regex becomes
 *   `normalizePrefixPath(P)` ("P/"), followed by an exact location P unless an Exact path P exists ("If exists an Exact
 *   location is not possible to create a new one"); other paths keep P as their location;
 * - template.go buildProxyPass: "if the path in the ingress rule is equals to the target: no special rewrite" (`path ==
 *   location.Rewrite.Target`, the location's path), else `rewrite "(?i)PATH" TARGET break;`;
 * - enforceRegexModifier: a location that needsRewrite (its path, by then normalized) or use-regex makes every location
 *   of the server `~* "^PATH"` (buildLocation), the exact one too.
 * So Prefix /foo with rewrite-target /foo is `~* "^/foo/"` rewriting to /foo, then `~* "^/foo"` rewriting nothing
 * (/foobar reaches the backend as is); Prefix /foo with target /foo/ stays `~* "^/foo"` and rewrites (/foobar to /foo/).
 * Returns the Ingresses whose paths make the host's locations regular expressions.
 */
function nginxLocations(rules: RuleIR[]): (i: Ingress) => boolean {
  const exact = new Set(rules.flatMap((r) => r.matches.flatMap((m) => (m.path?.type === "Exact" ? [m.path.value] : []))));
  const regex = new Set<Ingress>();
  for (let k = 0; k < rules.length; k++) {
    const r = rules[k], n = r.source.nginx, m = r.matches[0]?.path;
    if (n.useRegex) regex.add(r.source);
    if (n.rewriteTarget === undefined || !m) continue;
    const prefix = m.type === "PathPrefix" && !m.characterwise && r.source.rules.some((x) => x.paths.some((p) => p.path === m.value && p.pathType === "Prefix"));
    const location = nginxLocationOf(m.value, prefix, n.rewriteTarget, n.useRegex === true);
    if (location === n.rewriteTarget) { dropRewrite(r); continue; }
    regex.add(r.source);
    if (location === m.value) continue;
    const slash = (x: RouteMatch): RouteMatch => (x.path ? { ...x, path: { ...x.path, value: location } } : x);
    if (!exact.has(m.value)) {
      const bare: RuleIR = { ...r, matches: structuredClone(r.matches), filters: structuredClone(r.filters) };
      dropRewrite(bare);
      rules.splice(++k, 0, bare);
    }
    r.matches = r.matches.map(slash);
  }
  return (i) => regex.has(i);
}

/** updateServerLocations' location of a path with rewrite-target `target` (nginxLocations): P/ where it needs no rewrite then, else P. */
function nginxLocationOf(path: string, prefix: boolean, target: string, useRegex: boolean): string {
  return prefix && !useRegex && target === path && path !== "/" && !path.endsWith("/") ? `${path}/` : path;
}

/**
 * The (class, host) pairs of ingress-nginx servers whose locations are all regular expressions: template.go
 * enforceRegexModifier looks at every location of the server, whatever the namespace of its Ingress (a server is a host
 * of the class): use-regex, or a rewrite-target its location needs (nginxLocationOf). Keys: JSON [class, host or null].
 */
function nginxRegexHosts(groups: readonly HostGroup[]): Set<string> {
  const makes = (i: Ingress, host: string | undefined) => i.nginx.useRegex === true || (i.nginx.rewriteTarget !== undefined
    && i.rules.some((r) => r.host === host && r.paths.some((p) => nginxLocationOf(p.path, p.pathType === "Prefix", i.nginx.rewriteTarget!, false) !== i.nginx.rewriteTarget)));
  const out = new Set<string>();
  for (const g of groups) if (g.ingressNginx && g.ingresses.some((i) => !i.nginx.canary && makes(i, g.host))) out.add(JSON.stringify([g.className, g.host ?? null]));
  return out;
}

/** No rewrite: the URLRewrite and the X-Forwarded-Prefix header written with it (features.ts rewrite) go. */
function dropRewrite(r: RuleIR): void {
  r.filters = r.filters.filter((f) => f.type !== "URLRewrite");
  for (const f of r.filters) if (f.type === "RequestHeaderModifier") f.requestHeaderModifier.set = f.requestHeaderModifier.set.filter((h) => h.name !== "X-Forwarded-Prefix");
  r.filters = r.filters.filter((f) => f.type !== "RequestHeaderModifier" || f.requestHeaderModifier.set.length);
}

/**
 * rewrite-target with capture references ($1...), which Gateway API cannot write (features.ts rewrite): the location's
 * `rewrite "(?i)PATH" TARGET break;` (template.go buildProxyPass, unless the path is the target), PATH the Ingress path
 * (read before applyHostFeatures makes it the location's regular expression).
 */
function captureRewrite(r: RuleIR): RuleIR["nginxRewrite"] {
  const target = r.source.nginx.rewriteTarget, path = r.matches[0]?.path?.value;
  if (!target?.includes("$") || path === undefined || path === target || r.filters.some((f) => f.type === "RequestRedirect") || !r.backends.length) return undefined;
  return { regex: path, target };
}

/** The servers of an ingress-nginx class (assemble.ts NginxServers), with the controller ConfigMap's defaults. */
function nginxServers(groups: readonly HostGroup[], className: string, inv: Inventory): NginxServers {
  const certified = new Set<string>();
  const mine = groups.filter((g) => g.className === className && g.host !== undefined);
  for (const g of mine) if (g.ingresses.some((i) => !i.nginx.canary && i.tls.length)) certified.add(g.host!);
  const c = ingressNginxOf(inv, className).config;
  const aliases = serverAliases(mine, inv);
  return {
    certified, aliases, names: serverNames(mine, aliases), headerNames: { ...(c?.underscoresInHeaders ? { underscoresInHeaders: true } : {}), ...(c?.keepInvalidHeaders ? { keepInvalidHeaders: true } : {}) }, ...(c?.hsts !== null ? { hsts: c?.hsts ?? "max-age=31536000; includeSubDomains" } : {}), ...(c?.httpRedirectCode ? { redirectCode: c.httpRedirectCode } : {}), sslRedirect: c?.sslRedirect ?? true, forceSslRedirect: c?.forceSslRedirect ?? false, forwardedProto: c?.useForwardedHeaders === true, preserveTrailingSlash: c?.preserveTrailingSlash ?? false,
    noTlsRedirect: (c?.noTlsRedirectLocations ?? "/.well-known/acme-challenge").split(",").map((x) => x.replace(/^ +| +$/g, "")).filter(Boolean),
  };
}

/**
 * The class's server names that are no Ingress host (NginxServers.names): the wildcard and regular-expression aliases,
 * and the regular expressions in nginx.conf order (servers by hostname, each its hostname's buildServerName regex for
 * an Ingress wildcard host, then its aliases, sorted: model/nginx-server-name.ts).
 */
function serverNames(groups: readonly HostGroup[], aliases: ReadonlyMap<string, readonly { name: string }[]>): NginxServerNames {
  const hosts = [...new Set(groups.map((g) => g.host!))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const patterns: string[] = [], regexOrder: string[] = [];
  for (const host of hosts) {
    if (host.startsWith("*.")) regexOrder.push(host);
    for (const { name } of aliases.get(host) ?? []) {
      if (isNginxPattern(name)) patterns.push(name);
      if (name.startsWith("~")) regexOrder.push(name);
    }
  }
  return { patterns, regexOrder };
}

/**
 * server-alias per host (NginxServers.aliases), in the order of the Ingresses (by namespace and name; the controller
 * takes them by creation time), sorted (createServers `uniqAliases.List()`). Wildcard and regular-expression aliases
 * are server names as nginx reads them (model/nginx-server-name.ts).
 */
function serverAliases(groups: readonly HostGroup[], inv: Inventory): Map<string, { name: string; certified: boolean }[]> {
  const servers = new Set(groups.filter((g) => g.ingresses.some((i) => !i.nginx.canary)).map((g) => g.host!));
  const out = new Map<string, { name: string; certified: boolean }[]>();
  // nginx.conf writes the servers by hostname (controller.go getBackendServers: `sort.SliceStable(aServers, ... Hostname <
  // ...)`); an alias an earlier server already names is a "conflicting server name ... ignored": the first keeps it.
  const taken = new Set<string>();
  for (const host of [...servers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const from = groups.filter((g) => g.host === host).flatMap((g) => g.ingresses).filter((i) => !i.nginx.canary && i.nginx.serverAliases?.length)
      .sort(nginxIngressOrder)[0];
    const names = (from?.nginx.serverAliases ?? []).filter((a) => a !== host && !servers.has(a) && !taken.has(a)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const a of names) taken.add(a);
    if (!names.length) continue;
    const cert = tlsSecrets(groups.filter((g) => g.host === host).flatMap((g) => g.ingresses), host)[0];
    const pem = cert && inv.routing.tlsMaterial.find((m) => m.kind === "Secret" && m.namespace === cert.namespace && m.name === cert.name)?.certificates[0];
    const cn = pem ? certificateNames(pem) : [];
    // nginx.go configureCertificates: `if rawServer.SSLCert != nil && ssl.IsValidHostname(alias, rawServer.SSLCert.CN)` the
    // alias is a certificate server's key; certificate.lua looks a request's host up among them (assemble.ts: an alias that
    // is a wildcard or a regular expression is decided per request's host, RouteRule.nginxSslRedirect).
    out.set(host, names.map((name) => ({ name, certified: cn.some((n) => validHostname(name, n)) })));
  }
  return out;
}

/** The names ingress-nginx reads off a certificate (net/ssl/ssl.go CreateSSLCert: the subject's CN and the DNS SANs). */
function certificateNames(pem: string): string[] {
  try {
    const x = new X509Certificate(pem);
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(x.subject)?.[1];
    const dns = (x.subjectAltName ?? "").split(/,\s*/).filter((p) => p.startsWith("DNS:")).map((p) => p.slice(4));
    return [...(cn ? [cn] : []), ...dns];
  } catch { return []; }
}

/** ssl.go IsValidHostname: the name, or the name with its first label as "*", equal to the certificate's name (any case). */
function validHostname(host: string, cn: string): boolean {
  const star = ["*", ...host.split(".").slice(1)].join(".");
  return host.toLowerCase() === cn.toLowerCase() || star.toLowerCase() === cn.toLowerCase();
}

/** Adds the Ingresses, one Gateway per class, to the inventory's route graph (for routing). */
export function addIngressRoutes(inv: Inventory): void {
  if (!inv.ingress.ingresses.length) return;
  const lowered = lowerIngresses(inv, { scope: "class" });
  const graph = inv.routing;
  for (const g of lowered.gateways) graph.gateways.push({ ...g, order: graph.gateways.length });
  for (const r of lowered.routes) graph.routes.push({ ...r, order: graph.routes.length });
  graph.backendTlsPolicies.push(...lowered.backendTlsPolicies);
}

/** Ingress wildcards cover one label; Gateway API's any number of them. */
function noteWildcards(ing: Ingress, report: ConversionReport): void {
  for (const host of new Set(ing.rules.map((r) => r.host).filter((h) => h?.startsWith("*.")))) {
    report.note(ing, "warning", `host ${host} covers exactly one label in an Ingress, any number in Gateway API: deeper names such as a.b${host!.slice(1)} are routed after conversion`);
  }
}
