// The conversion's result as Gateway API objects (plain JSON, ready for YAML or a `kind: List`).

import type { BackendRef, GatewayIR, RouteIR, RouteMatch, RuleIR } from "../../engine/ingress/ir.js";

export const GATEWAY_API = "gateway.networking.k8s.io";
const VERSION: Record<string, string> = { Gateway: "v1", HTTPRoute: "v1", GRPCRoute: "v1", TLSRoute: "v1alpha2", BackendTLSPolicy: "v1" };

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> };

export function object(kind: string, namespace: string, name: string, spec: Record<string, unknown>): K8sObject {
  return { apiVersion: `${GATEWAY_API}/${VERSION[kind]}`, kind, metadata: { name, namespace }, spec };
}

export function emitGateway(g: GatewayIR): K8sObject {
  return object("Gateway", g.namespace, g.name, { gatewayClassName: g.className, listeners: g.listeners });
}

export function emitRoute(r: RouteIR): K8sObject {
  const spec: Record<string, unknown> = { parentRefs: r.parentRefs };
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
  if (rule.filters.length) out.filters = rule.filters;
  if (rule.backends.length) out.backendRefs = rule.backends.map(backendRef);
  if (rule.timeouts) out.timeouts = rule.timeouts;
  return out;
}

function httpMatch(m: RouteMatch): Record<string, unknown> {
  return { ...(m.path ? { path: m.path } : {}), ...(m.headers?.length ? { headers: m.headers } : {}) };
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
    name: b.name, ...(b.group !== undefined ? { group: b.group } : {}), ...(b.kind !== undefined ? { kind: b.kind } : {}),
    ...(b.port !== undefined ? { port: b.port } : {}), ...(b.weight !== undefined ? { weight: b.weight } : {}),
  };
}
