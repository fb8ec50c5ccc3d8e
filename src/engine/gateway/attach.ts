// Route attachment: which listeners a parentRef selects (sectionName, port), which of them
// allow the route (kind, namespace), and which hostnames the route serves on each. The reasons
// are the upstream ones: NoMatchingParent, NotAllowedByListeners, NoMatchingListenerHostname.

import type { AllowedRoutes } from "../../model/gateway.js";
import { intersectHostnames } from "../../model/hostname.js";
import type { Route, ParentRef } from "../../model/route.js";
import { matches, type Labels } from "../../model/selector.js";
import type { Problem } from "./conditions.js";
import type { GatewayState } from "./gateways.js";
import type { ListenerState } from "./listeners.js";
import type { ListenerSetState } from "./listenersets.js";

export interface Attachment {
  listener: ListenerState;
  /** The hostnames the route serves on this listener; undefined = any hostname. */
  hostnames: (string | undefined)[];
}

export interface ParentState {
  ref: ParentRef;
  /** The Gateway the parent belongs to (the parent itself, or a ListenerSet's parent Gateway). */
  gateway?: GatewayState;
  listenerSet?: ListenerSetState;
  attached: Attachment[];
  /** Accepted=False when set. */
  rejected?: Problem;
  /** The controller stops at its Accepted condition and writes no ResolvedRefs (Envoy Gateway's InvalidRule: engine.ts envoyGatewayOneRule). */
  acceptedOnly?: true;
}

/** The route's hostnames as the listener narrows them; empty when none intersect. */
export function effectiveHostnames(route: Route, listener: ListenerState): (string | undefined)[] {
  const lh = listener.listener.hostname;
  if (!route.hostnames.length) return [lh];
  const out: (string | undefined)[] = [];
  for (const h of route.hostnames) {
    const i = intersectHostnames(lh, h);
    if (i !== null && !out.includes(i)) out.push(i);
  }
  return out;
}

/** Whether two routes' hostnames on a listener (effectiveHostnames; undefined = any) have a name in common. */
export function hostnamesOverlap(a: readonly (string | undefined)[], b: readonly (string | undefined)[]): boolean {
  return a.some((x) => b.some((y) => intersectHostnames(x, y) !== null));
}

function allowedNamespace(route: Route, l: ListenerState, nsLabels: (ns: string) => Labels): boolean {
  // "Same": the namespace of the object defining the listener (a ListenerSet's own).
  return namespaceAllowed(l.listener.allowedRoutes.namespaces, (l.set ?? l.gateway).namespace, route.namespace, nsLabels);
}

/** Whether a listener's allowedRoutes.namespaces takes objects of `namespace` (`owner`: the namespace of the object defining the listener). */
export function namespaceAllowed(ns: AllowedRoutes["namespaces"], owner: string, namespace: string, nsLabels: (ns: string) => Labels): boolean {
  if (ns.from === "All") return true;
  if (ns.from === "Same") return namespace === owner;
  return ns.selector !== undefined && matches(ns.selector, nsLabels(namespace));
}

/** Why the listener does not take the route, or undefined when it allows it (hostnames aside). */
function refusal(route: Route, l: ListenerState, nsLabels: (ns: string) => Labels): string | undefined {
  const name = l.listener.name;
  if (l.accepted) return `listener ${name} is not accepted (${l.accepted.reason})`;
  if (!l.kinds.includes(route.kind)) return `listener ${name} does not allow ${route.kind} (allows ${l.kinds.join(", ") || "no kinds"})`;
  if (!allowedNamespace(route, l, nsLabels)) return `listener ${name} does not allow routes from namespace ${route.namespace} (from: ${l.listener.allowedRoutes.namespaces.from})`;
  return undefined;
}

/** A parent a route names: a Gateway, or a ListenerSet (whose listeners only it offers). */
export interface Parent {
  /** "Gateway ns/name" or "ListenerSet ns/name". */
  what: string;
  gateway?: GatewayState;
  listenerSet?: ListenerSetState;
  listeners: readonly ListenerState[];
  /** Why no route can attach to it at all (not accepted), if so. */
  unusable?: string;
}

function selected(ref: ParentRef, listeners: readonly ListenerState[]): ListenerState[] {
  return listeners.filter((l) => (ref.sectionName === undefined || l.listener.name === ref.sectionName) && (ref.port === undefined || l.listener.port === ref.port));
}

/** Attaches a route to one parent; `parent` is a message when the parent is not in the input. */
export function attachParent(route: Route, ref: ParentRef, parent: Parent | string, nsLabels: (ns: string) => Labels): ParentState {
  if (typeof parent === "string") return { ref, attached: [], rejected: { reason: "NoMatchingParent", message: parent } };
  const base = { ref, gateway: parent.gateway, listenerSet: parent.listenerSet };
  if (parent.unusable) return { ...base, attached: [], rejected: { reason: "NoMatchingParent", message: `${parent.what} is not accepted (${parent.unusable})` } };
  const candidates = selected(ref, parent.listeners);
  if (!candidates.length) {
    const what = [ref.sectionName !== undefined ? `named ${ref.sectionName}` : "", ref.port !== undefined ? `on port ${ref.port}` : ""].filter(Boolean).join(" and ");
    return { ...base, attached: [], rejected: { reason: "NoMatchingParent", message: `${parent.what} has no listener ${what}` } };
  }
  const reasons: string[] = [];
  const allowed = candidates.filter((l) => { const why = refusal(route, l, nsLabels); if (why) reasons.push(why); return !why; });
  if (!allowed.length) return { ...base, attached: [], rejected: { reason: "NotAllowedByListeners", message: reasons.join("; ") } };
  const attached = allowed.map((l) => ({ listener: l, hostnames: effectiveHostnames(route, l) })).filter((a) => a.hostnames.length);
  if (!attached.length) {
    const names = allowed.map((l) => `${l.listener.name} (${l.listener.hostname ?? "any"})`).join(", ");
    return { ...base, attached, rejected: { reason: "NoMatchingListenerHostname", message: `no route hostname (${route.hostnames.join(", ")}) matches the hostname of listener ${names}` } };
  }
  return { ...base, attached };
}
