// Envoy Gateway's merged Gateways (envoyproxy/gateway v1.9.0, api/v1alpha1/envoyproxy_types.go
// EnvoyProxySpec.MergeGateways: "Setting this field to true would merge all Gateway Listeners under
// the parent Gateway Class. This means that the port, protocol and hostname tuple must be unique for
// every listener."): the Gateways of a GatewayClass whose parametersRef EnvoyProxy sets
// `mergeGateways: true` share one Envoy (translator.go IRKey: the class's name keys the xDS and infra
// IR), so a request to any of them meets the listeners of all of them.
//
// Which EnvoyProxy decides (helpers.go IsMergeGatewaysEnabled): the GatewayClass's when it sets
// mergeGateways, else the default EnvoyProxy of Envoy Gateway's configuration (`envoyProxy` of the
// EnvoyGateway document: "Check GatewayClass-level EnvoyProxy first (higher priority) ... Fall back to
// default EnvoyProxySpec from EnvoyGateway configuration"); a Gateway's own
// infrastructure.parametersRef EnvoyProxy never merges it. Under a class whose own EnvoyProxy merges,
// such a Gateway is not accepted (provider/kubernetes controller.go processGatewayParamsRef,
// "infrastructure.parametersref must be nil when MergeGateways feature is enabled by gatewayclass");
// merged by the default, it is merged and its EnvoyProxy not read (contexts.go attachEnvoyProxy). The Gateways are taken oldest
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

import { envoyGatewayController, ENVOY_GATEWAY_GROUP, type EnvoyProxy, type EnvoyProxySettings, type Gateway, type GatewayClass, type RouteGraph } from "../../model/gateway.js";
import { compareAgeThenName } from "../../model/route.js";
import type { Problem } from "./conditions.js";
import { listenerValidity, type GatewayState, type SharedEnvoy } from "./gateways.js";
import type { ListenerState } from "./listeners.js";
import { listenerSetValidity, type ListenerSetState } from "./listenersets.js";
import { markOverlaps } from "./overlap.js";
import { irListenerName } from "./vhosts.js";

const PARAMETERS_REF_REFUSED = "infrastructure.parametersref must be nil when MergeGateways feature is enabled by gatewayclass";

/** The EnvoyProxy a GatewayClass's parametersRef names, when it is in the input (its namespace unset: "default", processGatewayClassParamsRef). */
function namedEnvoyProxy(graph: RouteGraph, c: GatewayClass | undefined): EnvoyProxy | undefined {
  const p = c?.parametersRef;
  if (!p || p.group !== ENVOY_GATEWAY_GROUP || p.kind !== "EnvoyProxy") return undefined;
  const ns = p.namespace || "default";
  return graph.envoyProxies.find((e) => e.namespace === ns && e.name === p.name);
}

const NAMESPACE_MODE = "Invalid parametersRef: using Merged Gateways with Gateway Namespace Mode is not supported";

/**
 * Why Envoy Gateway refuses a GatewayClass's EnvoyProxy that is in the input: processGatewayClassParamsRef,
 * in Gateway Namespace Mode (its configuration's provider.kubernetes.deploy.type GatewayNamespace), refuses
 * one with mergeGateways ("using Merged Gateways with Gateway Namespace Mode is not supported"): the class is
 * Accepted False, InvalidParameters, and its EnvoyProxy not read (EnvoyProxyForGatewayClass stays unset).
 */
export function refusedClassEnvoyProxy(graph: RouteGraph, c: GatewayClass): Problem | undefined {
  if (c.controllerName !== envoyGatewayController(graph) || !graph.envoyGatewayConfig?.gatewayNamespaceMode) return undefined;
  return namedEnvoyProxy(graph, c)?.mergeGateways === true ? { reason: "InvalidParameters", message: NAMESPACE_MODE } : undefined;
}

/** The GatewayClass's EnvoyProxy as Envoy Gateway reads it (EnvoyProxyForGatewayClass): named, in the input, not refused. */
function classEnvoyProxy(graph: RouteGraph, g: GatewayState): EnvoyProxy | undefined {
  return g.gatewayClass && !refusedClassEnvoyProxy(graph, g.gatewayClass) ? namedEnvoyProxy(graph, g.gatewayClass) : undefined;
}

/**
 * The EnvoyProxy settings that make Gateway `gw`'s Envoy (contexts.go attachEnvoyProxy, "Priority order
 * (highest to lowest): 1. Gateway-level EnvoyProxy (via parametersRef) 2. GatewayClass-level EnvoyProxy
 * 3. Default EnvoyProxySpec from EnvoyGateway configuration"; the Gateway's own only when its class does
 * not merge Gateways, IsMergeGatewaysEnabled), with what names them; undefined: none in the input.
 */
export function gatewayEnvoyProxy(graph: RouteGraph, gw: Gateway): { settings: EnvoyProxySettings; by: string } | undefined {
  const cls = graph.gatewayClasses.find((c) => c.name === gw.className);
  const classProxy = cls && !refusedClassEnvoyProxy(graph, cls) ? namedEnvoyProxy(graph, cls) : undefined;
  const config = graph.envoyGatewayConfig;
  const merges = classProxy?.mergeGateways !== undefined ? classProxy.mergeGateways : config?.envoyProxy?.mergeGateways === true;
  const ref = gw.infrastructure?.parametersRef;
  const own = !merges && ref && ref.group === ENVOY_GATEWAY_GROUP && ref.kind === "EnvoyProxy" ? graph.envoyProxies.find((e) => e.namespace === gw.namespace && e.name === ref.name) : undefined;
  const proxy = own ?? classProxy;
  if (proxy) return { settings: proxy, by: `EnvoyProxy ${proxy.namespace}/${proxy.name}` };
  return config?.envoyProxy ? { settings: config.envoyProxy, by: `the default EnvoyProxy of Envoy Gateway's configuration (${config.where})` } : undefined;
}

/** getProtocolForListener: HTTPS and TLS share a port. */
const family = (l: ListenerState) => (l.listener.protocol === "HTTPS" || l.listener.protocol === "TLS" ? "https/tls" : l.listener.protocol);

/** listenerDisplayName: namespace/gateway/listener, or namespace/listenerset/listener. */
const displayName = irListenerName;

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
 * Whether a Gateway's class merges its Gateways, and by what (helpers.go IsMergeGatewaysEnabled): the
 * class's EnvoyProxy's mergeGateways when it sets it (false too), else that of the default EnvoyProxy
 * of Envoy Gateway's configuration (EnvoyProxyDefaultSpec). `classProxy` when the class's EnvoyProxy
 * merges (only then is a Gateway's parametersRef refused: processGatewayParamsRef reads
 * EnvoyProxyForGatewayClass alone); `backends` names where mergeBackends is set
 * (ResolveMergeBackendsConfig: the class's EnvoyProxy, else the default; a Gateway's own EnvoyProxy
 * is not read when merging, attachEnvoyProxy).
 */
function merging(graph: RouteGraph, g: GatewayState): { by: string; classProxy: boolean; backends?: string } | undefined {
  const proxy = classEnvoyProxy(graph, g);
  const config = graph.envoyGatewayConfig;
  const byClass = proxy?.mergeGateways !== undefined;
  if (!(byClass ? proxy!.mergeGateways : config?.envoyProxy?.mergeGateways)) return undefined;
  const named = proxy && `EnvoyProxy ${proxy.namespace}/${proxy.name}`;
  const fallback = config && `the default EnvoyProxy of Envoy Gateway's configuration (${config.where})`;
  const backends = proxy?.mergeBackends ? named : config?.envoyProxy?.mergeBackends ? fallback : undefined;
  return { by: (byClass ? named : fallback)!, classProxy: byClass, ...(backends ? { backends } : {}) };
}

const BOTH_MERGES = "mergeGateways and mergeBackends cannot both be enabled";

/** A Gateway not accepted before its listeners are looked at. */
function refuse(g: GatewayState, problem: Problem): void {
  Object.assign(g, { rejected: problem, partlyValid: undefined, programmed: { reason: "Invalid", message: "the Gateway is not accepted" } });
}

/**
 * Merges the Gateways of every Envoy Gateway class that merges them (merging): each accepted one gets
 * `envoy` (the shared Envoy's listeners and Gateways) and the first one's allocated address, its
 * listeners the conflicts across them. Not accepted (InvalidParameters): every Gateway of the class
 * when mergeBackends is set too (translator.go, before any other check: "mergeGateways and
 * mergeBackends cannot both be enabled"), and, when the class's EnvoyProxy merges, a Gateway with its
 * own parametersRef. Run before routes attach (a Conflicted listener takes none).
 */
export function mergeGateways(graph: RouteGraph, gateways: readonly GatewayState[], listenerSets: readonly ListenerSetState[]): void {
  if (!graph.envoyProxies.some((e) => e.mergeGateways) && !graph.envoyGatewayConfig?.envoyProxy?.mergeGateways) return;
  const classes = new Map<string, { by: string; members: GatewayState[] }>();
  for (const g of gateways) {
    const merge = g.envoyGateway ? merging(graph, g) : undefined;
    if (!merge) continue;
    if (merge.backends) {
      refuse(g, { reason: "InvalidParameters", message: BOTH_MERGES });
      continue;
    }
    if (merge.classProxy && g.gateway.infrastructure?.parametersRef) {
      refuse(g, { reason: "InvalidParameters", message: PARAMETERS_REF_REFUSED });
      continue;
    }
    if (g.rejected && g.rejected.reason !== "ListenersNotValid") continue;
    const group = classes.get(g.gateway.className) ?? { by: merge.by, members: [] };
    group.members.push(g);
    classes.set(g.gateway.className, group);
  }
  for (const [className, { by, members }] of classes) {
    const ordered = [...members].sort((a, b) => compareAgeThenName(a.gateway, b.gateway));
    const listeners = ordered.flatMap((g) => g.merged);
    protocolConflicts(listeners);
    tupleConflicts(listeners);
    markOverlaps(listeners);
    const envoy: SharedEnvoy = { className, mergedBy: by, gateways: ordered.map((g) => `${g.gateway.namespace}/${g.gateway.name}`), listeners };
    for (const g of ordered) {
      Object.assign(g, listenerValidity(g.listeners), { envoy });
      // Its ListenerSets' status too is their listeners', conflicts across Gateways included (ProcessListenerSetStatus runs after ProcessListeners).
      for (const s of listenerSets) if (s.gateway === g && s.listeners.some((l) => l.conflicted)) Object.assign(s, listenerSetValidity(s.listeners));
      // One Envoy, one Service: an address the infrastructure allocates is the first Gateway's for all.
      if (g.addresses.every((a) => a.simulated)) g.addresses = ordered[0].addresses;
    }
  }
}
