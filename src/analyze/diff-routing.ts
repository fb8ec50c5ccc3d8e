// The routing section of a diff: a request for every match of every HTTPRoute and GRPCRoute rule
// (Ingresses included: they are lowered into routes) of both versions, on each listener the route
// names, walked by both versions (engine/request.ts: routing, the L3/L4 hop from the Gateway to the
// backend, and the L7 authorization at the backend); the requests whose answer (status, backends with
// their shares, redirect, upstream, and the layer that decided when it is not routing) changes are
// reported, so request-level (L7) changes through a Gateway are in it. Regular-expression paths and
// TLS, TCP and UDP routes derive no request; east-west (mesh) requests need a client and are not derived.

import type { Inventory } from "../model/inventory.js";
import type { RouteRequest } from "../model/request.js";
import type { Route, RouteMatch } from "../model/route.js";
import { requestProblem, walkRequest, type WalkContext } from "../engine/request.js";
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

export function routingDiff(base: { inventory: Inventory; walk: WalkContext }, head: { inventory: Inventory; walk: WalkContext }): RouteDiff[] {
  const requests = new Map<string, Derived>();
  for (const d of [...derive(head.inventory), ...derive(base.inventory)]) {
    const key = `${d.request.gateway} ${d.request.port} ${describe(d.request)}`;
    if (!requests.has(key)) requests.set(key, d);
  }
  const out: RouteDiff[] = [];
  for (const [, d] of [...requests].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const old = answer(base.walk, d.request), now = answer(head.walk, d.request);
    if (old.text === now.text) continue;
    const type: DiffType = old.routed && now.routed ? "changed" : now.routed ? "added" : old.routed ? "removed" : "changed";
    out.push({ type, request: `${describe(d.request)} (Gateway ${d.request.gateway} :${d.request.port})`, from: d.from, old: old.text, new: now.text });
  }
  return out;
}

/** The answer as one line: the route's outcome, and the layer that decided when routing did not ("403 (authorization: ...)"). */
function answer(ctx: WalkContext, req: RouteRequest): { text: string; routed: boolean } {
  if (requestProblem(ctx, req)) return { text: "no such Gateway listener", routed: false };
  const res = walkRequest(ctx, req);
  const o = outcome(res);
  const routed = o.connection === undefined && o.status !== null && o.status !== 404;
  const decided = res.decidedBy === "routing" || res.decidedBy === "backend" ? undefined : res.layers.find((l) => l.layer === res.decidedBy && l.outcome === "decided");
  return { text: `${summarize(o)}${decided ? ` (${decided.layer}: ${decided.summary})` : ""}`, routed };
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
