// Proof of an Ingress → Gateway API conversion: requests derived from every Ingress rule are routed
// twice, by the Ingresses (lowered into the route graph with Ingress semantics, one Gateway per
// class) and by the converted Gateway API objects (their own Gateway per namespace and class),
// and the answers compared: status, backends with their shares, redirect, upstream host and path.

import { ObjectIndex, type RouteGraph } from "../model/gateway.js";
import type { Inventory } from "../model/inventory.js";
import { effectiveClass, tlsCovers, type Ingress, type IngressClass, type IngressPath } from "../model/ingress.js";
import { shownScheme, type RouteRequest, type Scheme } from "../model/request.js";
import type { GatewayEngine } from "../engine/gateway/engine.js";
import type { RouteResult } from "../engine/gateway/request.js";
import { routeRequest } from "../engine/gateway/route.js";

/** A request derived from an Ingress, and which rule it stands for. */
export interface DerivedRequest {
  request: RouteRequest;
  ingress: Ingress;
  className: string;
  why: string;
}

export interface Outcome {
  status: number | null;
  connection?: string;
  /** "namespace/name" → share of the requests (0-1). */
  backends: Record<string, number>;
  redirect: string | null;
  upstream: string | null;
}

export interface VerifyResult {
  request: string;
  from: string;
  why: string;
  ingress: Outcome;
  gatewayApi: Outcome;
  same: boolean;
}

/** Host names no rule is likely to name, for rules without host and paths no rule names. */
const ANY_HOST = "junction-verify.invalid";
const NO_RULE_PATH = "/junction-verify-no-rule";

/** Requests for every path of every rule (and its canary headers), every default backend, on HTTP and, for TLS hosts, HTTPS. */
export function deriveRequests(ingresses: readonly Ingress[], classes: readonly IngressClass[]): DerivedRequest[] {
  const out = new Map<string, DerivedRequest>();
  const tls = tlsHosts(ingresses, classes);
  const add = (ing: Ingress, host: string, path: string, headers: [string, string][], why: string) => {
    const cls = effectiveClass(ing, classes);
    if (cls === undefined) return;
    const schemes: Scheme[] = tls.has(`${cls} ${host}`) ? ["http", "https"] : ["http"];
    const grpc = isGrpc(ing);
    for (const scheme of schemes) {
      const request: RouteRequest = {
        scheme, host, path, method: grpc ? "POST" : "GET", headers, backendResponseHeaders: [],
        ...(scheme === "https" ? { sni: host } : {}), ...(grpc ? { protocol: "grpc" } : {}),
      };
      const key = JSON.stringify([ing.namespace, cls, scheme, host, path, headers]);
      if (!out.has(key)) out.set(key, { request, ingress: ing, className: cls, why });
    }
  };
  for (const ing of ingresses) {
    for (const rule of ing.rules) {
      for (const host of concreteHosts(rule.host)) {
        for (const p of rule.paths) {
          for (const path of isGrpc(ing) ? [grpcPath(p.path)] : pathsOf(p)) {
            for (const [headers, why] of headerVariants(ing)) add(ing, host.name, path, headers, `${p.pathType} ${p.path}${host.why}${why}`);
          }
        }
        if (ing.defaultBackend) add(ing, host.name, NO_RULE_PATH, [], `defaultBackend${host.why}`);
      }
    }
    if (ing.defaultBackend && !ing.rules.some((r) => r.host !== undefined)) add(ing, ANY_HOST, NO_RULE_PATH, [], "defaultBackend, any host");
  }
  return [...out.values()];
}

/** "class host" of every rule host a main Ingress of the class has a TLS secret for (wildcards as their concrete names). */
function tlsHosts(ingresses: readonly Ingress[], classes: readonly IngressClass[]): Set<string> {
  const out = new Set<string>();
  for (const ing of ingresses.filter((i) => !i.nginx.canary)) {
    for (const rule of ing.rules) {
      if (!ing.tls.some((t) => t.secretName && tlsCovers(t, rule.host))) continue;
      for (const h of concreteHosts(rule.host)) out.add(`${effectiveClass(ing, classes)} ${h.name}`);
    }
  }
  return out;
}

/** A name the host covers; for a wildcard also one it does not cover in an Ingress (two labels deep). */
function concreteHosts(host: string | undefined): { name: string; why: string }[] {
  if (host === undefined) return [{ name: ANY_HOST, why: ", any host" }];
  if (!host.startsWith("*.")) return [{ name: host, why: "" }];
  return [{ name: `junction${host.slice(1)}`, why: ", one label for the wildcard" }, { name: `a.junction${host.slice(1)}`, why: ", two labels for the wildcard (an Ingress wildcard covers one)" }];
}

function pathsOf(p: IngressPath): string[] {
  if (p.pathType === "Exact") return [p.path];
  return [p.path, p.path.endsWith("/") ? `${p.path}junction` : `${p.path}/junction`];
}

const isGrpc = (ing: Ingress) => ing.nginx.backendProtocol === "GRPC" || ing.nginx.backendProtocol === "GRPCS";

/** A gRPC call the path stands for: "/pkg.Svc/Get" itself, a method of "/pkg.Svc/", any call for "/". */
function grpcPath(path: string): string {
  const [service, method] = path.split("/").filter(Boolean);
  return `/${service ?? "junction.Verify"}/${method ?? "Call"}`;
}

/** No header, and for a canary Ingress the header and cookie values it reacts to. */
function headerVariants(ing: Ingress): [[string, string][], string][] {
  const out: [[string, string][], string][] = [[[], ""]];
  const c = ing.nginx.canary;
  if (!c) return out;
  if (c.header) {
    for (const v of c.headerValue ? [c.headerValue] : ["always", "never"]) out.push([[[c.header, v]], `, canary header ${c.header}: ${v}`]);
  }
  if (c.cookie) for (const v of ["always", "never"]) out.push([[["Cookie", `${c.cookie}=${v}`]], `, canary cookie ${c.cookie}=${v}`]);
  return out;
}

/** Routes each request through the Ingress class's Gateway (before) and the converted Gateway of its namespace (after). */
export function verifyConversion(before: GatewayEngine, after: GatewayEngine, requests: readonly DerivedRequest[], ingressGateway: (cls: string) => string): VerifyResult[] {
  return requests.map((d) => {
    const a = outcome(routeRequest(before, { ...d.request, gateway: ingressGateway(d.className) }));
    const b = outcome(routeRequest(after, { ...d.request, gateway: `${d.ingress.namespace}/${d.className}` }));
    return { request: describe(d.request), from: `${d.ingress.namespace}/${d.ingress.name}`, why: d.why, ingress: a, gatewayApi: b, same: JSON.stringify(comparable(a)) === JSON.stringify(comparable(b)) };
  });
}

/** An outcome as compared: a redirect to an origin without a path ("https://host", ingress-nginx's redirect to HTTPS of "/") is the same URL as one to "/" (RFC 3986 6.2.3). */
function comparable(o: Outcome): Outcome {
  return o.redirect && URL.canParse(o.redirect) ? { ...o, redirect: new URL(o.redirect).href } : o;
}

export function outcome(r: RouteResult): Outcome {
  const live = r.backends.filter((b) => b.weight > 0);
  const total = live.reduce((s, b) => s + b.weight, 0);
  const backends: Record<string, number> = {};
  for (const b of [...live].sort((x, y) => (x.name < y.name ? -1 : 1))) backends[b.name] = (backends[b.name] ?? 0) + Math.round((b.weight / total) * 1e6) / 1e6;
  return {
    status: r.status, ...(r.connection ? { connection: r.connection } : {}), backends,
    redirect: r.redirect?.location ?? null, upstream: r.upstream?.path !== undefined ? `${r.upstream.host} ${r.upstream.path}` : null,
  };
}

export function describe(req: RouteRequest): string {
  const port = req.port ? `:${req.port}` : "";
  const headers = req.headers.map(([k, v]) => ` [${k}: ${v}]`).join("");
  return `${req.method} ${shownScheme(req)}://${req.host}${port}${req.path}${headers}`;
}

/** "200 web/api", "200 web/a 90% web/b 10%", "308 https://…", "404", "connection failed". */
export function summarize(o: Outcome): string {
  if (o.connection) return `connection ${o.connection}`;
  if (o.redirect) return `${o.status} → ${o.redirect}`;
  const names = Object.entries(o.backends);
  const split = names.length > 1 ? names.map(([n, s]) => `${n} ${Math.round(s * 1000) / 10}%`).join(" ") : names[0]?.[0] ?? "";
  return [String(o.status), split].filter(Boolean).join(" ");
}

/** The inventory with its Gateway API objects, but the converted ones in place of those lowered from Ingresses. */
export function withConvertedRoutes(inv: Inventory, converted: RouteGraph): Inventory {
  const g = inv.routing;
  const own = <T extends { derivedFrom?: unknown }>(xs: readonly T[]) => xs.filter((x) => !x.derivedFrom);
  const after = <T extends { order: number }>(xs: readonly T[], offset: number) => xs.map((x) => ({ ...x, order: x.order + offset }));
  const routing: RouteGraph = {
    ...g,
    gateways: [...own(g.gateways), ...after(converted.gateways, g.gateways.length)],
    routes: [...own(g.routes), ...after(converted.routes, g.routes.length)],
    backendTlsPolicies: [...own(g.backendTlsPolicies), ...converted.backendTlsPolicies],
    referenceGrants: [...g.referenceGrants, ...converted.referenceGrants],
    objectKeys: ObjectIndex.union(g.objectKeys, converted.objectKeys),
  };
  return { ...inv, routing };
}
