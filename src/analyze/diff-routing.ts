// The routing section of a diff: a request for every match of every HTTPRoute and GRPCRoute rule
// (Ingresses included: they are lowered into routes) of both versions, on each listener the route
// names, routed by both versions' Gateway engines; the requests whose answer (status, backends with
// their shares, redirect, upstream) changes are reported. Regular-expression paths and TLS, TCP and
// UDP routes derive no request.

import type { Inventory } from "../model/inventory.js";
import type { RouteRequest } from "../model/request.js";
import type { Route, RouteMatch } from "../model/route.js";
import { gatewayFor, routeRequest } from "../engine/gateway/route.js";
import type { GatewayEngine } from "../engine/gateway/engine.js";
import { describe, outcome, summarize } from "./ingress-verify.js";
import type { DiffType } from "./diff.js";

export interface RouteDiff {
  type: DiffType;
  /** "GET http://shop.example.com/cart" (with the Gateway and port it is sent to). */
  request: string;
  /** The route rule it was derived from. */
  from: string;
  old: string;
  new: string;
}

interface Derived { request: RouteRequest; from: string }

/** A name no route is likely to name, for routes and listeners without hostnames. */
const ANY_HOST = "junction-diff.invalid";

export function routingDiff(base: { inventory: Inventory; gateways: GatewayEngine }, head: { inventory: Inventory; gateways: GatewayEngine }): RouteDiff[] {
  const requests = new Map<string, Derived>();
  for (const d of [...derive(head.inventory), ...derive(base.inventory)]) {
    const key = `${d.request.gateway} ${d.request.port} ${describe(d.request)}`;
    if (!requests.has(key)) requests.set(key, d);
  }
  const out: RouteDiff[] = [];
  for (const [, d] of [...requests].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const old = answer(base.gateways, d.request), now = answer(head.gateways, d.request);
    if (old.text === now.text) continue;
    const type: DiffType = old.routed && now.routed ? "changed" : now.routed ? "added" : old.routed ? "removed" : "changed";
    out.push({ type, request: `${describe(d.request)} (Gateway ${d.request.gateway} :${d.request.port})`, from: d.from, old: old.text, new: now.text });
  }
  return out;
}

function answer(engine: GatewayEngine, req: RouteRequest): { text: string; routed: boolean } {
  const g = gatewayFor(engine, req);
  if (typeof g === "string") return { text: "no such Gateway listener", routed: false };
  const o = outcome(routeRequest(engine, req));
  const routed = o.connection === undefined && o.status !== null && o.status !== 404;
  return { text: summarize(o), routed };
}

/** The requests a version's routes stand for. */
export function derive(inv: Inventory): Derived[] {
  const out: Derived[] = [];
  for (const route of inv.routing.routes) {
    if (route.kind !== "HTTPRoute" && route.kind !== "GRPCRoute") continue;
    for (const { gateway, port, https, listenerHost } of listenersOf(inv, route)) {
      const hosts = route.hostnames.length ? route.hostnames : [listenerHost ?? ANY_HOST];
      for (const rule of route.rules) rule.matches.forEach((m, i) => {
        const target = matchTarget(route, m);
        if (!target) return;
        for (const host of hosts.map(concrete)) {
          out.push({
            from: `${origin(route)} rule ${rule.index}${rule.name ? ` "${rule.name}"` : ""}${rule.matches.length > 1 ? ` match ${i}` : ""}`,
            request: { gateway, port, scheme: https ? "https" : "http", host, ...(https ? { sni: host } : {}), ...target, backendResponseHeaders: [] },
          });
        }
      });
    }
  }
  return out;
}

/** The path, method and headers that a match selects ("GET /" for a match without conditions). */
function matchTarget(route: Route, m: RouteMatch): Pick<RouteRequest, "path" | "method" | "headers" | "protocol"> | undefined {
  const headers = m.headers.filter((h) => h.type === "Exact").map((h) => [h.name, h.value] as [string, string]);
  if (m.headers.some((h) => h.type !== "Exact") || m.queryParams.some((q) => q.type !== "Exact")) return undefined;
  const query = m.queryParams.map((q) => `${encodeURIComponent(q.name)}=${encodeURIComponent(q.value)}`).join("&");
  if (route.kind === "GRPCRoute") {
    if (m.grpc?.type === "RegularExpression") return undefined;
    return { path: `/${m.grpc?.service ?? "junction.Diff"}/${m.grpc?.method ?? "Call"}`, method: "POST", headers, protocol: "grpc" };
  }
  if (!m.path || m.path.type === "RegularExpression") return undefined;
  return { path: `${m.path.value}${query ? `?${query}` : ""}`, method: m.method ?? "GET", headers };
}

function listenersOf(inv: Inventory, route: Route): { gateway: string; port: number; https: boolean; listenerHost?: string }[] {
  const out: { gateway: string; port: number; https: boolean; listenerHost?: string }[] = [];
  for (const ref of route.parentRefs) {
    if (ref.kind !== "Gateway") continue;
    const gw = inv.routing.gateways.find((g) => g.namespace === ref.namespace && g.name === ref.name);
    for (const l of gw?.listeners ?? []) {
      if ((ref.sectionName && l.name !== ref.sectionName) || (ref.port && l.port !== ref.port)) continue;
      if (l.protocol !== "HTTP" && l.protocol !== "HTTPS") continue;
      out.push({ gateway: `${gw!.namespace}/${gw!.name}`, port: l.port, https: l.protocol === "HTTPS", listenerHost: l.hostname });
    }
  }
  return out;
}

function concrete(host: string): string {
  return host.startsWith("*.") ? `junction${host.slice(1)}` : host;
}

function origin(route: Route): string {
  return route.derivedFrom ? `${route.derivedFrom.kind} ${route.derivedFrom.namespace}/${route.derivedFrom.name}` : `${route.kind} ${route.namespace}/${route.name}`;
}
