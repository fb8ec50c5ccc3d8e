// Listener validation as a controller does it before any route attaches: supported protocol,
// route kinds, port conflicts, certificate and client-CA references. The result carries one
// Problem per condition that is not in its healthy state.

import { hasKind, type Gateway, type Listener, type ListenerSet, type RouteGraph, type TlsMaterial } from "../../model/gateway.js";
import { GATEWAY_GROUP, type RouteKind } from "../../model/route.js";
import type { Problem } from "./conditions.js";
import { checkCaRef, checkCertificateRef } from "./tlsrefs.js";
import { untimedTie } from "../../model/time.js";

export const KINDS_BY_PROTOCOL: Record<string, RouteKind[]> = {
  HTTP: ["HTTPRoute", "GRPCRoute"], HTTPS: ["HTTPRoute", "GRPCRoute"], TLS: ["TLSRoute"], TCP: ["TCPRoute"], UDP: ["UDPRoute"],
};

export interface ClientValidation { mode: "AllowValidOnly" | "AllowInsecureFallback"; cas: string[] }

export interface ListenerState {
  gateway: Gateway;
  /** The ListenerSet that defines the listener; undefined: the Gateway itself. */
  set?: ListenerSet;
  listener: Listener;
  /** Route kinds the listener accepts (status.supportedKinds). */
  kinds: RouteKind[];
  accepted?: Problem;
  resolvedRefs?: Problem;
  programmed?: Problem;
  conflicted?: Problem;
  /** OverlappingTLSConfig=True when set (overlap.ts). */
  overlap?: Problem;
  /** Serving certificates that resolved (TLS-terminating listeners). */
  certificates: TlsMaterial[];
  clientValidation?: ClientValidation;
}

/** TCP-transport listeners sharing a port must agree on how they tell connections apart. */
const FAMILY: Record<string, string> = { HTTP: "http", HTTPS: "tls", TLS: "tls", TCP: "tcp", UDP: "udp" };

const terminates = (l: Listener) => l.protocol === "HTTPS" || (l.protocol === "TLS" && l.tls?.mode === "Terminate");

function routeKinds(l: Listener): { kinds: RouteKind[]; problem?: Problem } {
  const valid = KINDS_BY_PROTOCOL[l.protocol] ?? [];
  if (!l.allowedRoutes.kinds) return { kinds: valid };
  const kinds: RouteKind[] = [];
  const invalid: string[] = [];
  for (const k of l.allowedRoutes.kinds) {
    const ok = k.group === GATEWAY_GROUP && (valid as string[]).includes(k.kind);
    if (ok && !kinds.includes(k.kind as RouteKind)) kinds.push(k.kind as RouteKind);
    if (!ok) invalid.push(k.group === GATEWAY_GROUP ? k.kind : `${k.group}/${k.kind}`);
  }
  return { kinds, problem: invalid.length ? { reason: "InvalidRouteKinds", message: `${invalid.join(", ")} cannot attach to a ${l.protocol} listener (supported: ${valid.join(", ")})` } : undefined };
}

function conflictBetween(l: Listener, others: readonly Listener[], what: (o: Listener) => string): Problem | undefined {
  const family = FAMILY[l.protocol];
  if (!family || family === "udp") return undefined;
  const samePort = others.filter((o) => o !== l && o.port === l.port && FAMILY[o.protocol] && FAMILY[o.protocol] !== "udp");
  const other = samePort.find((o) => FAMILY[o.protocol] !== family);
  if (other) return { reason: "ProtocolConflict", message: `port ${l.port} is also used by ${what(other)} with protocol ${other.protocol}` };
  const twin = samePort.find((o) => o.hostname === l.hostname);
  if (twin) return { reason: "HostnameConflict", message: `${what(twin)} on port ${l.port} has the same hostname ${l.hostname ?? "(none)"}` };
  return undefined;
}

/**
 * Listeners of one Gateway that conflict are all marked (peers). A ListenerSet's listener yields to
 * every listener merged before it (the Gateway's, then older ListenerSets', then the earlier ones of
 * its own list): "the parent Gateway as having the merged list ... using the following precedence".
 */
function conflict(l: Listener, owner: ListenerOwner): Problem | undefined {
  const earlier = owner.earlier.filter((e) => !e.conflicted && !e.accepted);
  const name = (e: ListenerState) => `listener ${e.listener.name}${e.set ? ` of ListenerSet ${e.set.namespace}/${e.set.name}` : ` of Gateway ${e.gateway.namespace}/${e.gateway.name}`}`;
  let held: ListenerState | undefined;
  const before = conflictBetween(l, earlier.map((e) => e.listener), (o) => name(held = earlier.find((e) => e.listener === o)!));
  // Two ListenerSets merged in input order because neither has a creationTimestamp: say so (model/time.ts untimedTie).
  const untimed = before && held?.set && owner.set && held.set !== owner.set
    ? untimedTie({ created: held.set.created, label: `ListenerSet ${held.set.namespace}/${held.set.name}` }, { created: owner.set.created, label: `ListenerSet ${owner.set.namespace}/${owner.set.name}` }, "the order by namespace/name", true)
    : undefined;
  if (before) return untimed ? { ...before, message: `${before.message} (note: ${untimed})` } : before;
  return conflictBetween(l, owner.peers, (o) => `listener ${o.name}`);
}

function certificates(graph: RouteGraph, gw: Gateway, l: Listener, set?: ListenerSet): { certs: TlsMaterial[]; problem?: Problem } {
  const certs: TlsMaterial[] = [];
  let problem: Problem | undefined;
  for (const ref of terminates(l) ? l.tls?.certificateRefs ?? [] : []) {
    const r = checkCertificateRef(graph, gw, ref, set);
    if (r.material) certs.push(r.material);
    problem ??= r.problem;
  }
  return { certs, problem };
}

/** The client-certificate validation that applies to the listener's port (spec.tls.frontend). */
function clientValidation(graph: RouteGraph, gw: Gateway, l: Listener): { validation?: ClientValidation; problem?: Problem } {
  if (!terminates(l) || !gw.tls) return {};
  const v = gw.tls.frontendPerPort.find((p) => p.port === l.port)?.validation ?? gw.tls.frontendDefault;
  if (!v) return {};
  const cas: string[] = [];
  for (const ref of v.caCertificateRefs) {
    const r = checkCaRef(graph, gw, ref);
    if (r.problem) return { problem: r.problem };
    cas.push(...r.material!.certificates);
  }
  return { validation: { mode: v.mode, cas } };
}

/** Who defines a listener, and the listeners it may conflict with. */
export interface ListenerOwner {
  set?: ListenerSet;
  /** The other listeners of the same Gateway or ListenerSet. */
  peers: readonly Listener[];
  /** Listeners merged before this one's ListenerSet (none for the Gateway's own). */
  earlier: readonly ListenerState[];
}

export function listenerState(graph: RouteGraph, gw: Gateway, l: Listener, owner: ListenerOwner = { peers: gw.listeners, earlier: [] }): ListenerState {
  const state: ListenerState = { gateway: gw, set: owner.set, listener: l, kinds: [], certificates: [] };
  if (!KINDS_BY_PROTOCOL[l.protocol]) {
    state.accepted = { reason: "UnsupportedProtocol", message: `protocol ${l.protocol} is not supported (supported: ${Object.keys(KINDS_BY_PROTOCOL).join(", ")})` };
    state.programmed = { reason: "Invalid", message: "the listener is not accepted" };
    return state;
  }
  const kinds = routeKinds(l);
  state.kinds = kinds.kinds;
  state.conflicted = conflict(l, owner);
  const certs = certificates(graph, gw, l, owner.set);
  state.certificates = certs.certs;
  const client = clientValidation(graph, gw, l);
  state.clientValidation = client.validation;
  state.resolvedRefs = kinds.problem ?? certs.problem ?? client.problem;
  if (state.conflicted) state.accepted = { reason: state.conflicted.reason, message: state.conflicted.message };
  else if (client.problem) state.accepted = { reason: "NoValidCACertificate", message: `no valid CA certificate for client validation: ${client.problem.message}` };
  // ingress-nginx terminates with its default certificate when none resolves (Listener.tls.defaultCertificate): for a
  // named Secret, only when the input has Secrets (an input without any fails the listener, as a Gateway's, so that
  // `convert ingress --verify` compares like with like).
  const fallback = l.tls?.defaultCertificate && (!l.tls.certificateRefs.length || hasKind(graph, "", "Secret"));
  const noCertificate = terminates(l) && !certs.certs.length && !fallback ? certs.problem ?? { reason: "InvalidCertificateRef", message: "no certificate to terminate TLS with" } : undefined;
  const unusable = state.accepted ?? noCertificate ?? (kinds.kinds.length ? undefined : kinds.problem);
  // A ListenerSet's conflicted listener is not programmed for that reason (its status says which conflict).
  if (unusable) state.programmed = { reason: owner.set && state.conflicted ? state.conflicted.reason : "Invalid", message: unusable.message };
  return state;
}
