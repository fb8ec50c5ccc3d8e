// The Gateway API manifests of the lowered Ingresses (plain JSON, ready for YAML or a `kind: List`).

import { duration } from "./features.js";
import type { BackendRef, GatewayIR, ListenerIR, RouteIR, RouteMatch, RuleIR } from "./ir.js";

export const GATEWAY_API = "gateway.networking.k8s.io";
const VERSION: Record<string, string> = { Gateway: "v1", HTTPRoute: "v1", GRPCRoute: "v1", TLSRoute: "v1alpha2", BackendTLSPolicy: "v1" };

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> };

export function object(kind: string, namespace: string, name: string, spec: Record<string, unknown>): K8sObject {
  return { apiVersion: `${GATEWAY_API}/${VERSION[kind]}`, kind, metadata: { name, namespace }, spec };
}

export function emitGateway(g: GatewayIR): K8sObject {
  return object("Gateway", g.namespace, g.name, { gatewayClassName: g.className, listeners: g.listeners.map((l) => listener(l, g.namespace)) });
}

/** A listener as written; certificate references name their namespace only when it is not the Gateway's. */
function listener(l: ListenerIR, namespace: string): ListenerIR {
  if (!l.tls?.certificateRefs) return l;
  const refs = l.tls.certificateRefs.map(({ namespace: ns, ...r }) => (ns === namespace ? r : { ...r, namespace: ns }));
  const { defaultCertificate: _, ...tls } = l.tls; // the controller's own fallback: no Gateway API field
  return { ...l, tls: { ...tls, certificateRefs: refs as NonNullable<ListenerIR["tls"]>["certificateRefs"] } };
}

export function emitRoute(r: RouteIR): K8sObject {
  const spec: Record<string, unknown> = { parentRefs: r.parentRefs.map(({ namespace, ...p }) => (namespace === r.namespace ? p : { namespace, ...p })) };
  if (r.hostnames.length) spec.hostnames = r.hostnames;
  spec.rules = r.rules.map((rule) => emitRule(r.kind, rule));
  return object(r.kind, r.namespace, r.name, spec);
}

function emitRule(kind: RouteIR["kind"], rule: RuleIR): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (kind !== "TLSRoute") {
    const matches = rule.matches.map((m) => (kind === "GRPCRoute" ? grpcMatch(m) : httpMatch(m))).filter((m) => Object.keys(m).length);
    if (matches.length) out.matches = matches;
  }
  // dropTrailingSlash, fixedQuery, forwardedHost and alwaysPort are ingress-nginx's own (the route graph's), no Gateway API field.
  if (rule.filters.length) out.filters = rule.filters.map((f) => (f.type === "RequestRedirect" ? { ...f, requestRedirect: (({ dropTrailingSlash: _, fixedQuery: __, forwardedHost: ___, alwaysPort: ____, ...x }) => x)(f.requestRedirect) } : f));
  if (rule.backends.length) out.backendRefs = rule.backends.map(backendRef);
  if (rule.requestTimeout) out.timeouts = { request: duration(rule.requestTimeout) };
  return out;
}

function httpMatch(m: RouteMatch): Record<string, unknown> {
  // characterwise is ingress-nginx's own (the route graph's), no Gateway API field.
  return { ...(m.path ? { path: (({ characterwise: _, ...p }) => p)(m.path) } : {}), ...(m.headers?.length ? { headers: m.headers } : {}) };
}

/** gRPC reads the path as /SERVICE/METHOD: "/pkg.Svc/Get" → service and method, "/pkg.Svc/" → the service, "/" → any. */
function grpcMatch(m: RouteMatch): Record<string, unknown> {
  const [service, method] = (m.path?.value ?? "/").split("/").filter(Boolean);
  const out: Record<string, unknown> = {};
  if (service) out.method = { service, ...(method ? { method } : {}) };
  if (m.headers?.length) out.headers = m.headers;
  return out;
}

function backendRef(b: BackendRef): Record<string, unknown> {
  return {
    name: b.name, ...(b.namespace !== undefined ? { namespace: b.namespace } : {}), ...(b.group !== undefined ? { group: b.group } : {}), ...(b.kind !== undefined ? { kind: b.kind } : {}),
    ...(b.port !== undefined ? { port: b.port } : {}), ...(b.weight !== undefined ? { weight: b.weight } : {}),
  };
}
