// The lowered Ingresses as route-graph objects: what the Gateway API front end would read from
// their manifests (which they carry), marked as derived from the Ingress that named them.

import type { Gateway, Listener } from "../../model/gateway.js";
import { CORE_GROUP, GATEWAY_GROUP, type BackendRef, type Route, type RouteFilter, type RouteMatch, type RouteRule } from "../../model/route.js";
import { emitGateway, emitRoute } from "./manifest.js";
import type { BackendRef as BackendIR, Filter, GatewayIR, ListenerIR, RouteIR, RouteMatch as MatchIR, RuleIR } from "./ir.js";

export function gatewayOf(g: GatewayIR, order: number): Gateway {
  return {
    namespace: g.namespace, name: g.name, generation: 1, order, manifest: emitGateway(g),
    derivedFrom: { kind: "IngressClass", namespace: "", name: g.className },
    className: g.className, listeners: g.listeners.map(listenerOf), allowedListeners: { from: "None" }, addresses: [],
    ...(g.nginxServerNames ? { nginxServerNames: g.nginxServerNames } : {}), ...(g.nginxHsts ? { nginxHsts: g.nginxHsts } : {}), ...(g.nginxCertificates ? { nginxCertificates: g.nginxCertificates } : {}), ...(g.nginxHeaderNames ? { nginxHeaderNames: g.nginxHeaderNames } : {}),
  };
}

function listenerOf(l: ListenerIR): Listener {
  const tls = l.tls && {
    mode: l.tls.mode ?? "Terminate" as const,
    certificateRefs: (l.tls.certificateRefs ?? []).map((c) => ({ group: CORE_GROUP, kind: "Secret", namespace: c.namespace, name: c.name })),
    ...(l.tls.defaultCertificate ? { defaultCertificate: true as const } : {}),
  };
  return { name: l.name, port: l.port, protocol: l.protocol, hostname: l.hostname, tls, allowedRoutes: { namespaces: { from: "All" } } };
}

export function routeOf(r: RouteIR, order: number): Route {
  const first = r.rules[0]?.source;
  return {
    kind: r.kind, namespace: r.namespace, name: r.name, generation: 1, order, manifest: emitRoute(r),
    derivedFrom: { kind: "Ingress", namespace: r.namespace, name: first?.name ?? r.name }, src: first?.src,
    parentRefs: r.parentRefs.map((p) => ({ group: GATEWAY_GROUP, kind: "Gateway", namespace: p.namespace, name: p.name, sectionName: p.sectionName, port: p.port })),
    hostnames: r.hostnames,
    rules: r.rules.map((rule, index) => ruleOf(r, rule, index)),
  };
}

function ruleOf(r: RouteIR, rule: RuleIR, index: number): RouteRule {
  const matches = r.kind === "TLSRoute" ? [] : rule.matches.map((m) => (r.kind === "GRPCRoute" ? grpcMatch(m) : httpMatch(m)));
  return {
    index, matches: matches.length || r.kind === "TLSRoute" ? matches : [catchAll(r.kind)],
    filters: rule.filters.map(filterOf), backends: rule.backends.map((b) => backendOf(b, r.namespace)),
    timeouts: rule.requestTimeout ? { request: rule.requestTimeout * 1000 } : undefined,
    ...(rule.access ?? rule.source.nginx.access ? { nginxAccess: rule.access ?? rule.source.nginx.access } : {}),
    ...(rule.fallback ? { nginxDefaultBackend: backendOf(rule.fallback, r.namespace) } : {}),
    ...(rule.nginxRewrite ? { nginxRewrite: rule.nginxRewrite } : {}),
    ...(rule.nginxServiceUpstream ? { nginxServiceUpstream: rule.nginxServiceUpstream } : {}),
    ...(rule.nginxCustomErrors ? { nginxCustomErrors: { ...rule.nginxCustomErrors, service: rule.nginxCustomErrors.service && backendOf(rule.nginxCustomErrors.service, r.namespace) } } : {}),
    ...(rule.nginxUndetermined ? { nginxUndetermined: rule.nginxUndetermined } : {}),
    ...(rule.nginxClientCert ? { nginxClientCert: rule.nginxClientCert } : {}),
    ...(rule.nginxProxyRedirect ? { nginxProxyRedirect: rule.nginxProxyRedirect } : {}),
    ...(rule.nginxBodyLimit ? { nginxBodyLimit: rule.nginxBodyLimit } : {}),
    ...(rule.nginxSslRedirect ? { nginxSslRedirect: true as const } : {}),
    ...(rule.nginxResponseHeaders ? { nginxResponseHeaders: rule.nginxResponseHeaders } : {}),
  };
}

const catchAll = (kind: string): RouteMatch => (kind === "GRPCRoute" ? { headers: [], queryParams: [] } : { path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [] });

// The regular expressions of an Ingress are nginx's (PCRE): its routing reads them so; the
// converted manifests carry them as Gateway API (RE2) expressions.
function headersOf(m: MatchIR): RouteMatch["headers"] {
  return (m.headers ?? []).map((h) => ({ type: h.type ?? "Exact", name: h.name, value: h.value, ...(h.type === "RegularExpression" ? { dialect: "pcre" as const } : {}) }));
}

function httpMatch(m: MatchIR): RouteMatch {
  const path = m.path ?? { type: "PathPrefix" as const, value: "/" };
  return { path: path.type === "RegularExpression" ? { ...path, dialect: "pcre" } : path, headers: headersOf(m), queryParams: [] };
}

/** As the manifest writes it: /SERVICE/METHOD from the path, "/" for any method. */
function grpcMatch(m: MatchIR): RouteMatch {
  const [service, method] = (m.path?.value ?? "/").split("/").filter(Boolean);
  return { ...(service ? { grpc: { type: "Exact" as const, service, method } } : {}), headers: headersOf(m), queryParams: [] };
}

function filterOf(f: Filter): RouteFilter {
  switch (f.type) {
    case "RequestRedirect": {
      const r = f.requestRedirect;
      return { type: "RequestRedirect", scheme: r.scheme, hostname: r.hostname, port: r.port, statusCode: r.statusCode, path: r.path && { type: "ReplaceFullPath", value: r.path.replaceFullPath }, ...(r.dropTrailingSlash ? { dropTrailingSlash: true as const } : {}), ...(r.fixedQuery !== undefined ? { fixedQuery: r.fixedQuery } : {}), ...(r.forwardedHost ? { forwardedHost: true as const } : {}), ...(r.alwaysPort ? { alwaysPort: true as const } : {}) };
    }
    case "URLRewrite": return { type: "URLRewrite", path: { type: "ReplaceFullPath", value: f.urlRewrite.path.replaceFullPath } };
    case "RequestHeaderModifier": return { type: "RequestHeaderModifier", modifier: { set: f.requestHeaderModifier.set, add: [], remove: [] } };
    case "CORS": {
      const c = f.cors as { allowOrigins: string[]; allowMethods: string[]; allowHeaders: string[]; exposeHeaders?: string[]; allowCredentials: boolean; maxAge: number };
      return { type: "CORS", cors: { ...c, exposeHeaders: c.exposeHeaders ?? [] } };
    }
  }
}

function backendOf(b: BackendIR, namespace: string): BackendRef {
  return { group: b.group ?? CORE_GROUP, kind: b.kind ?? "Service", namespace: b.namespace ?? namespace, name: b.name, port: b.port, weight: b.weight ?? 1, filters: [] };
}
