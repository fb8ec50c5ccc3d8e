// Gateway-level state: its class, addresses, infrastructure parameters, the listeners that
// validated, and the client certificate it presents to backends.

import type { Gateway, GatewayClass, RouteGraph } from "../../model/gateway.js";
import { envoyGatewayController, hasObject } from "../../model/gateway.js";
import type { EndpointReader } from "../../model/service-endpoints.js";
import { gatewayEndpointReader } from "./backends.js";
import type { Problem } from "./conditions.js";
import { listenerState, type ListenerState } from "./listeners.js";
import { checkClientCertificateRef } from "./tlsrefs.js";
import { markOverlaps } from "./overlap.js";

/** The controller name written into route status when the GatewayClass is not in the input. */
export const ASSUMED_CONTROLLER = "junction.dev/gateway-simulator";
const SUPPORTED_ADDRESS_TYPES = ["IPAddress", "Hostname"];

export interface GatewayState {
  gateway: Gateway;
  gatewayClass?: GatewayClass;
  controllerName: string;
  /** Its class is Envoy Gateway's (the controllerName its configuration names: model/gateway.ts envoyGatewayController). */
  envoyGateway: boolean;
  /** Who picks its backends' endpoints (backends.ts gatewayEndpointReader of its class's controller). */
  endpointReader: EndpointReader;
  listeners: ListenerState[];
  /** The listeners traffic sees: the Gateway's own, then those of the attached ListenerSets (listenersets.ts). */
  merged: ListenerState[];
  /** Accepted=False when set. */
  rejected?: Problem;
  /** Accepted=True but some listeners are invalid (reason ListenersNotValid). */
  partlyValid?: string;
  programmed?: Problem;
  /** Gateway-level ResolvedRefs (only when spec.tls.backend sets a client certificate). */
  resolvedRefs?: { problem?: Problem };
  insecureFallback: boolean;
  addresses: { type: string; value: string; simulated?: boolean }[];
  /** Envoy Gateway's merged Gateways (EnvoyProxy mergeGateways, merge.ts): the one Envoy it shares with the others of its class. */
  envoy?: SharedEnvoy;
}

/** The Envoy the Gateways of a class share: their listeners, each Gateway's with its ListenerSets', oldest Gateway first. */
/** `mergedBy`: what merges the class's Gateways ("EnvoyProxy ns/name", or the default EnvoyProxy of Envoy Gateway's configuration). */
export interface SharedEnvoy { className: string; mergedBy: string; gateways: string[]; listeners: ListenerState[] }

/** The listeners of the Envoy that serves the Gateway: its own and its ListenerSets', or, merged, those of every Gateway of its class. */
export const servedListeners = (g: GatewayState): ListenerState[] => g.envoy?.listeners ?? g.merged;

/** Accepted as far as its listeners decide: ListenersNotValid when none is valid, ListenersNotValid with Accepted=True when some are not. */
export function listenerValidity(listeners: readonly ListenerState[]): Pick<GatewayState, "rejected" | "partlyValid" | "programmed"> {
  const invalid = listeners.filter((l) => l.accepted).map((l) => l.listener.name);
  if (invalid.length === listeners.length) return { rejected: { reason: "ListenersNotValid", message: "no listener is valid" }, partlyValid: undefined, programmed: NOT_ACCEPTED };
  return { rejected: undefined, partlyValid: invalid.length ? `listener${invalid.length === 1 ? "" : "s"} ${invalid.join(", ")} ${invalid.length === 1 ? "is" : "are"} not valid` : undefined, programmed: undefined };
}

const NOT_ACCEPTED: Problem = { reason: "Invalid", message: "the Gateway is not accepted" };

function addresses(gw: Gateway): GatewayState["addresses"] {
  return gw.addresses.filter((a) => SUPPORTED_ADDRESS_TYPES.includes(a.type)).map((a) => a.value !== undefined ? { type: a.type, value: a.value }
    // An address requested without a value is allocated by the infrastructure; the simulation uses 198.18.0.0/15 (RFC 2544).
    : { type: a.type, value: `198.18.${(gw.order >> 8) & 255}.${(gw.order & 255) + 1}`, simulated: true });
}

/** Why the Gateway is not accepted, its listeners aside (listenerValidity). */
function rejection(graph: RouteGraph, gw: Gateway): Problem | undefined {
  const badAddress = gw.addresses.find((a) => !SUPPORTED_ADDRESS_TYPES.includes(a.type));
  if (badAddress) return { reason: "UnsupportedAddress", message: `address type ${badAddress.type} is not supported (supported: ${SUPPORTED_ADDRESS_TYPES.join(", ")})` };
  const p = gw.infrastructure?.parametersRef;
  if (p && !hasObject(graph, p.group, p.kind, gw.namespace, p.name)) {
    return { reason: "InvalidParameters", message: `infrastructure.parametersRef ${p.group ? `${p.group}/` : ""}${p.kind} ${p.name} is not in the input` };
  }
  return undefined;
}

export function gatewayState(graph: RouteGraph, gw: Gateway): GatewayState {
  const gatewayClass = graph.gatewayClasses.find((c) => c.name === gw.className);
  const listeners = gw.listeners.map((l) => listenerState(graph, gw, l));
  markOverlaps(listeners);
  const rejected = rejection(graph, gw);
  const cert = gw.tls?.backendClientCertificate;
  const modes = [gw.tls?.frontendDefault, ...(gw.tls?.frontendPerPort ?? []).map((p) => p.validation)];
  return {
    gateway: gw, gatewayClass, controllerName: gatewayClass?.controllerName ?? ASSUMED_CONTROLLER, envoyGateway: gatewayClass?.controllerName === envoyGatewayController(graph), endpointReader: gatewayEndpointReader(gatewayClass?.controllerName === envoyGatewayController(graph)), listeners, merged: [...listeners],
    ...(rejected ? { rejected, programmed: NOT_ACCEPTED } : listenerValidity(listeners)),
    resolvedRefs: cert ? { problem: checkClientCertificateRef(graph, gw, cert).problem } : undefined,
    insecureFallback: modes.some((m) => m?.mode === "AllowInsecureFallback"),
    addresses: addresses(gw),
  };
}
