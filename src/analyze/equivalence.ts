// Proof of equivalence for a translation: two inventories (before and after) must allow exactly
// the same connections between every endpoint class and every external address range, on every
// port interval. Differences are returned as flows with both verdicts. For translations that decide
// requests (a mesh's authorization), the same requests must be allowed alike (compareRequests).

import { endpointName, type Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { PROTOCOLS, normalizeIntervals, type ConnSet, type Interval, type Protocol } from "../model/ports.js";
import { jsonKey } from "../model/ip.js";
import type { Party } from "../engine/match.js";
import type { Connectivity } from "../engine/pairwise.js";
import { externalPeers } from "./connlist.js";
import type { RouteRequest } from "../model/request.js";
import { walkRequest, type RequestAnswer, type WalkContext } from "../engine/request.js";

export interface Side {
  inventory: Inventory;
  connectivity: Connectivity;
}

export interface FlowDiff {
  src: Party;
  dst: Party;
  protocol: Protocol;
  /** Port intervals allowed before but not after (lost), or after but not before (gained). */
  lost: Interval[];
  gained: Interval[];
}

export interface Equivalence {
  classes: number;
  pairs: number;
  diffs: FlowDiff[];
}

/**
 * Endpoints no policy can tell apart (same kind, namespace, labels, ports, addresses, ...) form one
 * class: its first member stands for it, and a second one (its twin) for flows inside the class.
 */
function classes(inv: Inventory): { rep: Endpoint; twin?: Endpoint }[] {
  const seen = new Map<string, { rep: Endpoint; twin?: Endpoint }>();
  for (const e of inv.endpoints) {
    const { id: _id, name: _name, src: _src, owner: _owner, fromTemplate: _t, ...rest } = e;
    const k = jsonKey(rest);
    const c = seen.get(k);
    if (!c) seen.set(k, { rep: e });
    else c.twin ??= e;
  }
  return [...seen.values()];
}

const key = (e: Endpoint) => `${e.kind}:${endpointName(e)}`;

/** Parties present on both sides: endpoint classes (paired by kind and name) and external ranges. */
interface PartyPair { a: Party; b: Party; twin?: PartyPair }

function parties(before: Inventory, after: Inventory): PartyPair[] {
  const afterByKey = new Map(after.endpoints.map((e) => [key(e), e]));
  const pair = (e: Endpoint | undefined): PartyPair | undefined => {
    const other = e && afterByKey.get(key(e));
    return other ? { a: { endpoint: e }, b: { endpoint: other } } : undefined;
  };
  const out: PartyPair[] = [];
  for (const c of classes(before)) {
    const p = pair(c.rep);
    if (p) out.push({ ...p, twin: pair(c.twin) });
  }
  const merged: Inventory = { ...before, policies: [...before.policies, ...after.policies], networks: [...before.networks, ...after.networks] };
  for (const x of externalPeers(merged)) out.push({ a: x.parties[0], b: x.parties[0] });
  return out;
}

function minus(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [lo, hi] of a) {
    let start = lo;
    for (const [blo, bhi] of b) {
      if (bhi < start || blo > hi) continue;
      if (blo > start) out.push([start, blo - 1]);
      start = Math.max(start, bhi + 1);
    }
    if (start <= hi) out.push([start, hi]);
  }
  return normalizeIntervals(out);
}

export function compareConnectivity(before: Side, after: Side, progress?: (done: number, total: number) => void): Equivalence {
  const ps = parties(before.inventory, after.inventory);
  const diffs: FlowDiff[] = [];
  let pairs = 0;
  ps.forEach((src, i) => {
    progress?.(i, ps.length);
    for (const dst0 of ps) {
      const dst = src === dst0 ? src.twin : dst0;
      if (!dst || (!src.a.endpoint && !dst.a.endpoint)) continue;
      const [srcA, srcB, dstA, dstB] = [src.a, src.b, dst.a, dst.b];
      pairs++;
      const a: ConnSet = before.connectivity.conns(srcA, dstA);
      const b: ConnSet = after.connectivity.conns(srcB, dstB);
      for (const protocol of PROTOCOLS) {
        const lost = minus(a[protocol], b[protocol]), gained = minus(b[protocol], a[protocol]);
        if (lost.length || gained.length) diffs.push({ src: srcA, dst: dstA, protocol, lost, gained });
      }
    }
  });
  return { classes: ps.length, pairs, diffs };
}

/** A request answered differently before and after a translation (allowed: the backend answered). */
export interface RequestDiff {
  request: RouteRequest;
  before: string;
  after: string;
}

/** "200", "403", "connection rejected": what the client sees. */
function outcomeOf(a: RequestAnswer): string {
  return typeof a.status === "number" ? String(a.status) : `connection ${a.connection ?? "failed"}`;
}

const passes = (a: RequestAnswer) => typeof a.status === "number" && a.status < 400;

/**
 * Per request: the same requests walked before and after must be allowed alike (a denial may look
 * different: a rejected connection before, a 403 after).
 */
export function compareRequests(before: WalkContext, after: WalkContext, requests: readonly RouteRequest[], narrowing?: Narrowing): RequestDiff[] {
  return requests.flatMap((request) => {
    const a = walkRequest(before, request), b = walkRequest(after, request);
    if (passes(a) === passes(b)) return [];
    if (narrowing && (passes(a) || narrowing.bothWays) && narrowing.allowed(request)) { (passes(a) ? narrowing.seen : narrowing.broader ??= []).push(request); return []; }
    return [{ request, before: outcomeOf(a), after: outcomeOf(b) }];
  });
}

/**
 * A difference a target documents and that is never a broader answer: requests for which "allowed
 * before, denied after" is expected (e.g. raw paths a target refuses where the common API normalizes
 * them). They are collected in `seen`, not reported as differences.
 */
export interface Narrowing {
  allowed(request: RouteRequest): boolean;
  seen: RouteRequest[];
  /** What the narrowing is, for the report: "paths not in normal form (dot segments)". */
  what: string;
  /**
   * The documented difference goes both ways (Linkerd routes a raw path as sent, the common API the
   * normalized one): requests denied before and allowed after are counted apart too, in `broader`.
   */
  bothWays?: boolean;
  broader?: RouteRequest[];
}
