// ListenerSets: listeners attached to a Gateway from its own or other namespaces, as the Gateway's
// spec.allowedListeners allows (default: none). The Gateway is treated as having the merged list of
// its own listeners, then the attached ListenerSets' (oldest first, then by namespace/name); a
// listener that conflicts with one merged before it is Conflicted. A ListenerSet is Accepted when at
// least one of its listeners is valid, reason ListenersNotValid when some are not.

import type { ListenerSet, RouteGraph } from "../../model/gateway.js";
import { compareAgeThenName, GATEWAY_GROUP } from "../../model/route.js";
import { matches, type Labels } from "../../model/selector.js";
import type { Problem } from "./conditions.js";
import type { GatewayState } from "./gateways.js";
import { listenerState, type ListenerState } from "./listeners.js";
import { markOverlaps } from "./overlap.js";

export interface ListenerSetState {
  set: ListenerSet;
  /** The parent Gateway, when the input holds it. */
  gateway?: GatewayState;
  listeners: ListenerState[];
  /** Accepted=False (and Programmed=False) when set: NotAllowed, ParentNotAccepted, ListenersNotValid. */
  rejected?: Problem;
  /** Accepted=True, but these listeners are not valid. */
  partlyValid?: string;
}

const valid = (l: ListenerState) => !l.accepted && !l.programmed && !l.conflicted;

/** Why the Gateway does not take the ListenerSet (its allowedListeners), if it does not. */
function notAllowed(set: ListenerSet, g: GatewayState, nsLabels: (ns: string) => Labels): Problem | undefined {
  const a = g.gateway.allowedListeners;
  const ok = a.from === "All" || (a.from === "Same" && set.namespace === g.gateway.namespace)
    || (a.from === "Selector" && a.selector !== undefined && matches(a.selector, nsLabels(set.namespace)));
  return ok ? undefined : { reason: "NotAllowed", message: `Gateway ${g.gateway.namespace}/${g.gateway.name} does not allow ListenerSets from namespace ${set.namespace} (allowedListeners from: ${a.from})` };
}

function parentOf(set: ListenerSet, gateways: readonly GatewayState[]): GatewayState | undefined {
  const p = set.parentRef;
  if (p.group !== GATEWAY_GROUP || p.kind !== "Gateway") return undefined;
  return gateways.find((g) => g.gateway.namespace === p.namespace && g.gateway.name === p.name);
}

/**
 * Accepted as far as its listeners decide (ProcessListenerSetStatus, after the listeners' conflicts):
 * False, ListenersNotValid, when none is valid; True, ListenersNotValid, when some are not.
 */
export function listenerSetValidity(listeners: readonly ListenerState[]): Pick<ListenerSetState, "rejected" | "partlyValid"> {
  const bad = listeners.filter((l) => !valid(l)).map((l) => l.listener.name);
  if (bad.length === listeners.length) return { rejected: { reason: "ListenersNotValid", message: "no listener is valid" }, partlyValid: undefined };
  return { rejected: undefined, partlyValid: bad.length ? `listener${bad.length === 1 ? "" : "s"} ${bad.join(", ")} ${bad.length === 1 ? "is" : "are"} not valid` : undefined };
}

function attach(graph: RouteGraph, set: ListenerSet, g: GatewayState): ListenerSetState {
  // Precedence holds inside the ListenerSet too: each listener yields to those merged before it.
  const listeners: ListenerState[] = [];
  for (const l of set.listeners) listeners.push(listenerState(graph, g.gateway, l, { set, peers: [], earlier: [...g.merged, ...listeners] }));
  const validity = listenerSetValidity(listeners);
  if (!validity.rejected) g.merged.push(...listeners.filter((l) => !l.accepted));
  return { set, gateway: g, listeners, ...validity };
}

/** Every ListenerSet's state; attached listeners are merged into their Gateway's `merged` list. */
export function listenerSetStates(graph: RouteGraph, gateways: readonly GatewayState[], nsLabels: (ns: string) => Labels): ListenerSetState[] {
  const out: ListenerSetState[] = [];
  for (const set of [...graph.listenerSets].sort(compareAgeThenName)) {
    const g = parentOf(set, gateways);
    const p = set.parentRef;
    const unattached = (rejected: Problem, gateway?: GatewayState): ListenerSetState => ({ set, gateway, rejected, listeners: [] });
    if (!g) out.push(unattached({ reason: "ParentNotAccepted", message: `parent ${p.kind} ${p.namespace}/${p.name} is not in the input` }));
    else if (g.rejected && g.rejected.reason !== "ListenersNotValid") out.push(unattached({ reason: "ParentNotAccepted", message: `Gateway ${p.namespace}/${p.name} is not accepted (${g.rejected.reason})` }, g));
    else {
      const refused = notAllowed(set, g, nsLabels);
      out.push(refused ? unattached(refused, g) : attach(graph, set, g));
    }
  }
  for (const g of gateways) if (g.merged.length > g.listeners.length) markOverlaps(g.merged);
  return out.sort((a, b) => a.set.order - b.set.order);
}
