// Envoy Gateway's merged Gateways (envoyproxy/gateway v1.9.0, api/v1alpha1/envoyproxy_types.go
// EnvoyProxySpec.MergeGateways: "Setting this field to true would merge all Gateway Listeners under
// the parent Gateway Class. This means that the port, protocol and hostname tuple must be unique for
// every listener."): the Gateways of a GatewayClass whose parametersRef EnvoyProxy sets
// `mergeGateways: true` share one Envoy (translator.go IRKey: the class's name keys the xDS and infra
// IR), so a request to any of them meets the listeners of all of them.
//
// Which EnvoyProxy decides (helpers.go IsMergeGatewaysEnabled): the GatewayClass's only (a Gateway's
// own infrastructure.parametersRef EnvoyProxy does not merge it; under a merging class such a Gateway
// is not accepted: provider/kubernetes controller.go processGatewayParamsRef, "infrastructure.parametersref
// must be nil when MergeGateways feature is enabled by gatewayclass"). The Gateways are taken oldest
// first, then by namespace/name (resource.go), each with its ListenerSets' listeners after its own.
//
// The conflicts across them (listener.go ProcessListeners, after each Gateway's own checks):
// validateConflictedProtocolsListeners runs once more over every listener of the merged Gateways (two
// Gateway listeners of incompatible protocols on a port, HTTP against HTTPS/TLS against TCP: every one
// on that port is Conflicted, ProtocolConflict; a ListenerSet's listener against the Gateways' one
// protocol: that one), then validateConflictedMergedListeners marks each listener whose protocol,
// hostname and port tuple a listener before it has (Conflicted, HostnameConflict, "Port, protocol and
// hostname tuple must be unique for every listener"). A Conflicted listener is not Programmed and gets
// no Envoy listener (validateListenerConditions, IsReady). checkOverlappingTLSConfig then looks at the
// HTTPS listeners of all of them together.

import { ENVOY_GATEWAY_GROUP, type EnvoyProxy, type RouteGraph } from "../../model/gateway.js";
import { compareAgeThenName } from "../../model/route.js";
import { ENVOY_GATEWAY_CONTROLLER } from "./backends.js";
import type { Problem } from "./conditions.js";
import { listenerValidity, type GatewayState, type SharedEnvoy } from "./gateways.js";
import type { ListenerState } from "./listeners.js";
import { markOverlaps } from "./overlap.js";

const PARAMETERS_REF_REFUSED = "infrastructure.parametersref must be nil when MergeGateways feature is enabled by gatewayclass";

/** The EnvoyProxy a GatewayClass's parametersRef names (its namespace unset: "default", processGatewayClassParamsRef). */
function classEnvoyProxy(graph: RouteGraph, g: GatewayState): EnvoyProxy | undefined {
  const p = g.gatewayClass?.parametersRef;
  if (!p || p.group !== ENVOY_GATEWAY_GROUP || p.kind !== "EnvoyProxy") return undefined;
  const ns = p.namespace || "default";
  return graph.envoyProxies.find((e) => e.namespace === ns && e.name === p.name);
}

/** getProtocolForListener: HTTPS and TLS share a port. */
const family = (l: ListenerState) => (l.listener.protocol === "HTTPS" || l.listener.protocol === "TLS" ? "https/tls" : l.listener.protocol);

/** listenerDisplayName: namespace/gateway/listener, or namespace/listenerset/listener. */
const displayName = (l: ListenerState) => (l.set ? `${l.set.namespace}/${l.set.name}/${l.listener.name}` : `${l.gateway.namespace}/${l.gateway.name}/${l.listener.name}`);

/** Whether the listener takes part in the conflict checks (isSpecValidForConflictChecks: a listener whose own spec is valid; conflicted ones too). */
const specValid = (l: ListenerState) => !l.accepted || l.conflicted !== undefined;

function conflict(l: ListenerState, problem: Problem): void {
  l.conflicted = problem;
  l.accepted = problem;
  l.programmed = { reason: "Invalid", message: problem.message };
}

/** validateConflictedProtocolsListeners over the merged listeners (UDP coexists with any protocol). */
function protocolConflicts(all: readonly ListenerState[]): void {
  const byPort = new Map<number, ListenerState[]>();
  for (const l of all) if (specValid(l) && l.listener.protocol !== "UDP") byPort.set(l.listener.port, [...(byPort.get(l.listener.port) ?? []), l]);
  for (const on of byPort.values()) {
    if (new Set(on.map(family)).size <= 1) continue;
    const message = `All listeners for a given port must use a compatible protocol, conflicting listeners: ${on.map(displayName).sort().join(", ")}`;
    const gatewayFamilies = new Set(on.filter((l) => !l.set).map(family));
    // The Gateways' listeners disagree: no protocol wins. Else their one protocol wins over ListenerSets' (or the first listener's).
    const winner = gatewayFamilies.size > 1 ? undefined : gatewayFamilies.size === 1 ? [...gatewayFamilies][0] : family(on[0]);
    for (const l of on) if (winner === undefined || family(l) !== winner) conflict(l, { reason: "ProtocolConflict", message });
  }
}

/** validateConflictedMergedListeners: a listener whose protocol, hostname and port a listener before it has. */
function tupleConflicts(all: readonly ListenerState[]): void {
  const seen = new Set<string>();
  for (const l of all) {
    if (!specValid(l)) continue;
    const key = `${l.listener.protocol}:${l.listener.hostname ?? ""}:${l.listener.port}`;
    if (seen.has(key)) conflict(l, { reason: "HostnameConflict", message: "Port, protocol and hostname tuple must be unique for every listener" });
    seen.add(key);
  }
}

/**
 * Merges the Gateways of every Envoy Gateway class whose EnvoyProxy sets mergeGateways: each accepted
 * one gets `envoy` (the shared Envoy's listeners and Gateways) and the first one's allocated address,
 * its listeners the conflicts across them; a Gateway with its own parametersRef is not accepted.
 * Run before routes attach (a Conflicted listener takes none).
 */
export function mergeGateways(graph: RouteGraph, gateways: readonly GatewayState[]): void {
  if (!graph.envoyProxies.some((e) => e.mergeGateways)) return;
  const classes = new Map<string, { proxy: EnvoyProxy; members: GatewayState[] }>();
  for (const g of gateways) {
    const proxy = g.controllerName === ENVOY_GATEWAY_CONTROLLER ? classEnvoyProxy(graph, g) : undefined;
    if (!proxy?.mergeGateways) continue;
    if (g.gateway.infrastructure?.parametersRef) {
      Object.assign(g, { rejected: { reason: "InvalidParameters", message: PARAMETERS_REF_REFUSED }, partlyValid: undefined, programmed: { reason: "Invalid", message: "the Gateway is not accepted" } });
      continue;
    }
    if (g.rejected && g.rejected.reason !== "ListenersNotValid") continue;
    const group = classes.get(g.gateway.className) ?? { proxy, members: [] };
    group.members.push(g);
    classes.set(g.gateway.className, group);
  }
  for (const [className, { proxy, members }] of classes) {
    const ordered = [...members].sort((a, b) => compareAgeThenName(a.gateway, b.gateway));
    const listeners = ordered.flatMap((g) => g.merged);
    protocolConflicts(listeners);
    tupleConflicts(listeners);
    markOverlaps(listeners);
    const envoy: SharedEnvoy = { className, envoyProxy: `${proxy.namespace}/${proxy.name}`, gateways: ordered.map((g) => `${g.gateway.namespace}/${g.gateway.name}`), listeners };
    for (const g of ordered) {
      Object.assign(g, listenerValidity(g.listeners), { envoy });
      // One Envoy, one Service: an address the infrastructure allocates is the first Gateway's for all.
      if (g.addresses.every((a) => a.simulated)) g.addresses = ordered[0].addresses;
    }
  }
}
