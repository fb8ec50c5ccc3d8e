// The .status a conformant controller writes, computed from the engine's state: GatewayClass
// and Gateway conditions, listener conditions with supportedKinds and attachedRoutes, and each
// route's parents with Accepted and ResolvedRefs.

import { hasObject } from "../../model/gateway.js";
import { GATEWAY_GROUP, type Route } from "../../model/route.js";
import { backendTlsStatus } from "./backendtls.js";
import { securityPolicyStatuses } from "./security-policy-status.js";
import { backendTrafficPolicyStatuses } from "./traffic-policy-status.js";
import { clientTrafficPolicyStatuses } from "./client-policy-status.js";
import { refusedClassEnvoyProxy } from "./merge.js";
import { condition, conditionFrom, type Condition, type Problem } from "./conditions.js";
import type { GatewayEngine, RouteState } from "./engine.js";
import type { GatewayState } from "./gateways.js";
import type { ListenerState } from "./listeners.js";
import type { ListenerSetState } from "./listenersets.js";
import type { ParentState } from "./attach.js";

export interface ListenerStatus {
  name: string;
  supportedKinds: { group: string; kind: string }[];
  attachedRoutes: number;
  conditions: Condition[];
}
export interface GatewayStatus { addresses: { type: string; value: string }[]; conditions: Condition[]; listeners: ListenerStatus[]; attachedListenerSets?: number }
export interface ListenerSetStatus { conditions: Condition[]; listeners: ListenerStatus[] }
export interface RouteParentStatus { parentRef: Record<string, unknown>; controllerName: string; conditions: Condition[] }
export interface RouteStatus { parents: RouteParentStatus[] }

export function listenerStatus(engine: GatewayEngine, l: ListenerState, gen: number): ListenerStatus {
  const attachedRoutes = engine.attached(l).length;
  return {
    name: l.listener.name,
    supportedKinds: l.kinds.map((kind) => ({ group: GATEWAY_GROUP, kind })),
    attachedRoutes,
    conditions: [
      conditionFrom("Accepted", l.accepted, "Accepted", "listener is valid", gen),
      conditionFrom("Programmed", l.programmed, "Programmed", "listener is ready", gen),
      conditionFrom("ResolvedRefs", l.resolvedRefs, "ResolvedRefs", "all references resolved", gen),
      l.conflicted ? condition("Conflicted", true, l.conflicted.reason, l.conflicted.message, gen) : condition("Conflicted", false, "NoConflicts", "no conflicts", gen),
      // A negative-polarity condition that "MUST NOT be set when it is False".
      ...(l.overlap ? [condition("OverlappingTLSConfig", true, l.overlap.reason, l.overlap.message, gen)] : []),
    ],
  };
}

export function gatewayStatus(engine: GatewayEngine, g: GatewayState): GatewayStatus {
  const gen = g.gateway.generation;
  const accepted = g.rejected ? condition("Accepted", false, g.rejected.reason, g.rejected.message, gen)
    : g.partlyValid ? condition("Accepted", true, "ListenersNotValid", g.partlyValid, gen)
    : condition("Accepted", true, "Accepted", `accepted${g.gatewayClass ? "" : ` (GatewayClass ${g.gateway.className} is not in the input and assumed accepted)`}`, gen);
  const conditions = [accepted, conditionFrom("Programmed", g.programmed, "Programmed", "programmed", gen)];
  if (g.resolvedRefs) conditions.push(conditionFrom("ResolvedRefs", g.resolvedRefs.problem, "ResolvedRefs", "all references resolved", gen));
  if (g.insecureFallback) conditions.push(condition("InsecureFrontendValidationMode", true, "ConfigurationChanged", "client certificate validation allows connections without a valid certificate (AllowInsecureFallback)", gen));
  const sets = engine.listenerSets.filter((s) => s.gateway === g);
  // Written when ListenerSets may attach or try to: the count of those attached and accepted.
  const attachedListenerSets = g.gateway.allowedListeners.from !== "None" || sets.length ? sets.filter((s) => !s.rejected).length : undefined;
  return {
    addresses: g.addresses.map(({ type, value }) => ({ type, value })),
    conditions,
    listeners: g.listeners.map((l) => listenerStatus(engine, l, gen)),
    ...(attachedListenerSets !== undefined ? { attachedListenerSets } : {}),
  };
}

export function listenerSetStatus(engine: GatewayEngine, s: ListenerSetState): ListenerSetStatus {
  const gen = s.set.generation;
  const accepted = s.rejected ? condition("Accepted", false, s.rejected.reason, s.rejected.message, gen)
    : condition("Accepted", true, s.partlyValid ? "ListenersNotValid" : "Accepted", s.partlyValid ?? "accepted", gen);
  const programmed = s.rejected ? condition("Programmed", false, s.rejected.reason, s.rejected.message, gen) : condition("Programmed", true, "Programmed", "programmed", gen);
  return { conditions: [accepted, programmed], listeners: s.listeners.map((l) => listenerStatus(engine, l, gen)) };
}

/**
 * A route's conditions for one parent: Accepted (unless `rejected`, or every rule is dropped),
 * ResolvedRefs (not when `acceptedOnly`: the controller stopped at Accepted), and PartiallyInvalid
 * when some rules are dropped (GEP-1364).
 */
export function routeConditions(r: Pick<RouteState, "route" | "unresolved" | "dropped">, rejected: Problem | undefined, acceptedMessage: string, acceptedOnly = false): Condition[] {
  const gen = r.route.generation;
  const dropped = [...r.dropped].map(([rule, why]) => `rule ${rule.index}${rule.name ? ` (${rule.name})` : ""}: ${why}`);
  const allDropped = dropped.length > 0 && dropped.length === r.route.rules.length;
  const notAccepted = rejected ?? (allDropped ? { reason: "UnsupportedValue", message: `every rule is invalid: ${dropped.join("; ")}` } : undefined);
  const conditions = [conditionFrom("Accepted", notAccepted, "Accepted", acceptedMessage, gen)];
  if (acceptedOnly) return conditions;
  conditions.push(conditionFrom("ResolvedRefs", r.unresolved, "ResolvedRefs", "all references resolved", gen));
  // GEP-1364: a route with valid and invalid rules stays Accepted, drops the invalid ones and says so.
  if (!notAccepted && dropped.length) conditions.push(condition("PartiallyInvalid", true, "UnsupportedValue", `Dropped Rule(s): ${dropped.join("; ")}`, gen));
  return conditions;
}

/** A parentRef as status echoes it (optional fields only when set). */
export function parentRefData(ref: ParentState["ref"]): Record<string, unknown> {
  const { group, kind, namespace, name, sectionName, port } = ref;
  return { group, kind, namespace, name, ...(sectionName !== undefined ? { sectionName } : {}), ...(port !== undefined ? { port } : {}) };
}

function parentStatus(r: RouteState, p: ParentState): RouteParentStatus {
  const listeners = p.attached.map((a) => a.listener.listener.name);
  return {
    parentRef: parentRefData(p.ref),
    controllerName: p.gateway?.controllerName ?? "",
    conditions: routeConditions(r, p.rejected, `attached to listener${listeners.length === 1 ? "" : "s"} ${listeners.join(", ")}`, p.acceptedOnly),
  };
}

export function routeStatus(r: RouteState): RouteStatus {
  return { parents: r.parents.map((p) => parentStatus(r, p)) };
}

/**
 * Every Gateway API object of the input (not those lowered from other APIs) with its status;
 * `moreParents` adds a route's entries for parents other than Gateways (Services, in the mesh).
 */
export function statusObjects(engine: GatewayEngine, moreParents?: (r: Route) => RouteParentStatus[]): Record<string, unknown>[] {
  const graph = engine.inv.routing;
  const out: Record<string, unknown>[] = [];
  for (const c of graph.gatewayClasses) {
    const bad = c.parametersRef && !hasObject(graph, c.parametersRef.group, c.parametersRef.kind, c.parametersRef.namespace || undefined, c.parametersRef.name);
    const refused = bad ? undefined : refusedClassEnvoyProxy(graph, c);
    const accepted = bad ? condition("Accepted", false, "InvalidParameters", `parametersRef ${c.parametersRef!.kind} ${c.parametersRef!.name} is not in the input`, c.generation)
      : conditionFrom("Accepted", refused, "Accepted", "accepted", c.generation);
    if (c.manifest) out.push({ ...c.manifest, status: { conditions: [accepted] } });
  }
  for (const g of engine.gateways) if (g.gateway.manifest && !g.gateway.derivedFrom) out.push({ ...g.gateway.manifest, status: gatewayStatus(engine, g) });
  for (const s of engine.listenerSets) if (s.set.manifest) out.push({ ...s.set.manifest, status: listenerSetStatus(engine, s) });
  for (const r of engine.routes) {
    if (r.route.manifest && !r.route.derivedFrom) out.push({ ...r.route.manifest, status: { parents: [...routeStatus(r).parents, ...(moreParents?.(r.route) ?? [])] } });
  }
  for (const p of graph.backendTlsPolicies) if (p.manifest) out.push({ ...p.manifest, status: backendTlsStatus(engine, p) });
  const traffic = backendTrafficPolicyStatuses(engine), client = clientTrafficPolicyStatuses(engine), security = securityPolicyStatuses(engine);
  for (const [list, statuses] of [[graph.backendTrafficPolicies, traffic], [graph.clientTrafficPolicies, client], [graph.securityPolicies, security]] as const) {
    for (const p of list) {
      const ancestors = (statuses as Map<unknown, unknown>).get(p);
      if (p.manifest && ancestors) out.push({ ...p.manifest, status: { ancestors } });
    }
  }
  return out;
}
