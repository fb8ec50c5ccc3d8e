// Which rule match wins among every route attached to a listener: the most specific matching
// hostname first (characters of an exact name, then of any name), then the match precedence,
// then the oldest route, then namespace/name, then rule and match order.

import { hasIngressSemantics, type Gateway } from "../../model/gateway.js";
import { hostnameMatches, hostnameRank } from "../../model/hostname.js";
import { nginxNameMatches } from "../../model/nginx-server-name.js";
import type { BackendRef, Route, RouteMatch, RouteRule } from "../../model/route.js";
import { compareAge, linkerdOutboundIgnored, routeKey } from "../../model/route.js";
import { untimedTie } from "../../model/time.js";
import type { ResolvedBackend } from "./backends.js";
import { LINKERD_RANK_NAMES, linkerdHostRank } from "../../model/mesh.js";
import { firstDifference, linkerdRouteMatchRank, matchFailure, matchRank, rankDifference, type MatchInput, type MatchReader } from "./match.js";
import type { Candidate } from "./request.js";

/**
 * A route where a request arrived: attached to a Gateway listener (AttachedRoute), or to a Service
 * port in the mesh (no listener: the route's hostnames are not used there).
 */
export interface Routable {
  state: { route: Route; backends: ReadonlyMap<BackendRef, ResolvedBackend>; dropped: ReadonlyMap<RouteRule, string> };
  attachment: { hostnames: readonly (string | undefined)[]; listener?: { gateway: Gateway } };
}

export interface Applied {
  attached: Routable;
  rule: RouteRule;
  match: RouteMatch;
  matchIndex: number;
  /** The route hostname (as narrowed by the listener) the request matched; undefined = any. */
  hostname?: string;
  /**
   * The precedence a proxy that does not follow the spec's order computed for this request (Linkerd:
   * linkerdRank); unset: the spec's order, hostnameRank then matchRank.
   */
  rank?: number[];
}

/**
 * The hostnames a route answers for: those of its attachment to a listener (narrowed by it); in the
 * mesh, none, except for Linkerd's proxy, which matches the route's own `hostnames` against the
 * request's authority (linkerd2 policy-controller outbound index http.rs convert_route sends them as
 * the route's hosts; linkerd2-proxy linkerd/http/route/src/lib.rs find skips a route whose hosts all
 * fail to match).
 */
function hostnamesOf(a: Routable, reader?: MatchReader): readonly (string | undefined)[] {
  const own = a.state.route.hostnames;
  return reader === "linkerd" && a.attachment.listener === undefined && own.length ? own : a.attachment.hostnames;
}

/** The best of the route's hostnames on this listener that covers `host`; null when none does. */
export function matchedHostname(a: Routable, host: string, reader?: MatchReader): string | undefined | null {
  let best: string | undefined | null = null;
  const gw = a.attachment.listener?.gateway;
  const ingress = gw !== undefined && hasIngressSemantics(gw);
  for (const h of hostnamesOf(a, reader)) {
    if (h !== undefined && !(ingress ? nginxNameMatches(gw.nginxServerNames, h, host) : hostnameMatches(h, host))) continue;
    if (best === null || compareRank(hostnameRank(h), hostnameRank(best)) < 0) best = h;
  }
  return best;
}

/** Negative when rank a goes first (larger values win). */
export function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return b[i] - a[i];
  return 0;
}

/** Routes created earlier go first (model/route.ts compareAge). */
function compareRouteAge(a: Routable, b: Routable): number {
  return compareAge(a.state.route, b.state.route);
}

/** Linkerd's precedence of a matched rule (linkerd2-proxy linkerd/http/route/src/lib.rs RouteMatch's Ord): the host match, then the request match (model/mesh.ts). */
function linkerdRank(hostname: string | undefined, match: RouteMatch, path: string): number[] {
  return [...linkerdHostRank(hostname), ...linkerdRouteMatchRank(match, path)];
}

const rankOf = (a: Applied): number[] => a.rank ?? [...hostnameRank(a.hostname), ...matchRank(a.match)];

/**
 * Best first: the rank, then (on a tie) the oldest route, then namespace/name, then rule and match
 * order. Linkerd breaks ties much the same way: its policy controller sends a Service's routes sorted
 * by creation timestamp, then by name alone (policy-controller/grpc/src/outbound.rs
 * timestamp_then_name; a consumer namespace's clients get producer routes too), and its proxy keeps
 * the first of equal matches, rules and routes (lib.rs `best`, `first_max`).
 */
export function compareApplied(a: Applied, b: Applied): number {
  return compareRank(rankOf(a), rankOf(b))
    || (a.attached === b.attached ? 0 : compareRouteAge(a.attached, b.attached) || (a.rank ? compareNames(a.attached, b.attached) : 0)
      || routeKey(a.attached.state.route).localeCompare(routeKey(b.attached.state.route)))
    || a.rule.index - b.rule.index || a.matchIndex - b.matchIndex;
}

/** Linkerd's tie-break after the age: the name alone (timestamp_then_name compares `left_id.name`), whatever the namespace. */
const compareNames = (a: Routable, b: Routable) => a.state.route.name.localeCompare(b.state.route.name);

/** Rule matches that did not apply are listed up to this many (the rest are counted). */
const MAX_REJECTED = 20;

/**
 * Every rule match of the routes that applies to the request, best first; and why the others do
 * not (routes for other hostnames are counted, not listed).
 */
export function applicable(routes: readonly Routable[], host: string, req: MatchInput): { applied: Applied[]; rejected: Candidate[] } {
  const applied: Applied[] = [];
  const rejected: Candidate[] = [];
  let otherHosts = 0, unlisted = 0;
  for (const attached of routes) {
    const hostname = matchedHostname(attached, host, req.reader);
    if (hostname === null) { otherHosts++; continue; }
    const ignored = req.reader === "linkerd" ? linkerdOutboundIgnored(attached.state.route) : undefined;
    if (ignored) { rejected.push({ route: routeKey(attached.state.route), rule: -1, match: -1, hostname, outcome: `ignored: ${ignored}` }); continue; }
    for (const rule of attached.state.route.rules) {
      const dropped = attached.state.dropped.get(rule);
      if (dropped) { rejected.push({ route: routeKey(attached.state.route), rule: rule.index, ruleName: rule.name, match: -1, hostname, outcome: `dropped by the controller: ${dropped}` }); continue; }
      rule.matches.forEach((match, matchIndex) => {
        const why = matchFailure(match, req);
        if (!why) applied.push({ attached, rule, match, matchIndex, hostname, ...(req.reader === "linkerd" ? { rank: linkerdRank(hostname, match, req.path) } : {}) });
        else if (rejected.length < MAX_REJECTED) rejected.push({ route: routeKey(attached.state.route), rule: rule.index, ruleName: rule.name, match: matchIndex, hostname, outcome: `no match: ${why}` });
        else unlisted++;
      });
    }
  }
  if (unlisted) rejected.push({ route: `(${unlisted} more rule matches)`, rule: -1, match: -1, outcome: "no match" });
  if (otherHosts) rejected.push({ route: `(${otherHosts} route${otherHosts === 1 ? "" : "s"} for other hostnames)`, rule: -1, match: -1, outcome: `no match: host ${host || "(none)"}` });
  return { applied: applied.sort(compareApplied), rejected };
}

function lossReason(a: Applied, w: Applied): string {
  const [ra, rw] = [rankOf(a), rankOf(w)];
  if (compareRank(rw.slice(0, 2), ra.slice(0, 2))) return `lost: hostname ${w.hostname ?? "(any)"} is more specific than ${a.hostname ?? "(any)"}`;
  const grpc = w.match.grpc !== undefined || !w.match.path;
  const why = w.rank ? firstDifference(rw.slice(2), ra.slice(2), LINKERD_RANK_NAMES[grpc ? "grpc" : "http"]) : rankDifference(rw.slice(2), ra.slice(2), grpc);
  if (why) return `lost: the winner has ${why}${w.rank ? " (Linkerd's order)" : ""}`;
  if (a.attached !== w.attached) {
    const [wr, ar] = [w.attached.state.route, a.attached.state.route];
    const untimed = untimedTie({ created: wr.created, label: routeKey(wr) }, { created: ar.created, label: routeKey(ar) }, w.rank ? "Linkerd's order (by name)" : "the order by namespace/name", true);
    return `lost: ${routeKey(wr)} is ${untimed ? `first in the input (note: ${untimed})` : "older or first by namespace/name"}`;
  }
  return "lost: an earlier rule or match of the same route applies";
}

export function describeCandidates(list: readonly Applied[]): Candidate[] {
  return list.map((a, i) => ({
    route: routeKey(a.attached.state.route), rule: a.rule.index, ruleName: a.rule.name, match: a.matchIndex,
    hostname: a.hostname, outcome: i === 0 ? "won" : lossReason(a, list[0]),
  }));
}
