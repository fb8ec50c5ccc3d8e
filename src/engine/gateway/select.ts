// Which Gateway and which listener take a request: the Gateway named (or the only one
// listening), the listeners on the port, and among those the one whose hostname is the most
// specific match for the host or SNI (listener isolation), or on Envoy Gateway's plain HTTP ports the
// listener of the virtual host Envoy picks by domain (plainHttpListener).

import { hasIngressSemantics } from "../../model/gateway.js";
import { hostnameMatches, hostnameRank } from "../../model/hostname.js";
import { nginxNameMatches, nginxNameRank } from "../../model/nginx-server-name.js";
import type { GatewayEngine } from "./engine.js";
import { servedListeners, type GatewayState } from "./gateways.js";
import type { ListenerState } from "./listeners.js";

export const gatewayName = (g: GatewayState) => `${g.gateway.namespace}/${g.gateway.name}`;

/** The Gateway a request names ("ns/name", or a name unique across namespaces). */
export function findGateway(engine: GatewayEngine, ref: string): GatewayState | string {
  const [ns, name] = ref.includes("/") ? ref.split("/", 2) : [undefined, ref];
  const found = engine.gateways.filter((g) => g.gateway.name === name && (ns === undefined || g.gateway.namespace === ns));
  if (found.length === 1) return found[0];
  if (!found.length) return `Gateway ${ref} is not in the input (Gateways: ${engine.gateways.map(gatewayName).join(", ") || "none"})`;
  return `several Gateways are named ${ref} (${found.map(gatewayName).join(", ")}); give NAMESPACE/NAME`;
}

/** The listeners on the port of the Envoy that serves the Gateway (merged Gateways: every one of its class's). */
export function listenersOnPort(g: GatewayState, port: number, udp: boolean): ListenerState[] {
  return servedListeners(g).filter((l) => l.listener.port === port && (l.listener.protocol === "UDP") === udp);
}

/** The Gateway listening on the port for this host when the request names none; an error when none or several do. */
export function guessGateway(engine: GatewayEngine, port: number, udp: boolean, host: string): GatewayState | string {
  const listening = engine.gateways.filter((g) => listenersOnPort(g, port, udp).some((l) => !l.accepted));
  const forHost = listening.filter((g) => bestListener(listenersOnPort(g, port, udp).filter((l) => !l.accepted), host) !== undefined);
  const found = forHost.length ? forHost : listening;
  // Merged Gateways are one Envoy at one address: any of them answers alike.
  if (found.length === 1 || (found[0]?.envoy && found.every((g) => g.envoy === found[0].envoy))) return found[0];
  if (!found.length) return `no Gateway listens on port ${port}${udp ? "/UDP" : ""}`;
  return `several Gateways listen on port ${port} (${found.map(gatewayName).join(", ")}); name one with --gateway or "gateway"`;
}

/** The listener whose hostname is the most specific match for `host` (no hostname matches any). */
export function bestListener(listeners: readonly ListenerState[], host: string): ListenerState | undefined {
  let best: ListenerState | undefined;
  for (const l of listeners) {
    const h = l.listener.hostname;
    // A Gateway standing for an ingress-nginx class: nginx's server names (model/nginx-server-name.ts).
    const nginx = hasIngressSemantics(l.gateway);
    if (h !== undefined && !(nginx ? nginxNameMatches(l.gateway.nginxServerNames, h, host) : hostnameMatches(h, host))) continue;
    if (!best) { best = l; continue; }
    const rank = nginx ? (x: string | undefined) => nginxNameRank(l.gateway.nginxServerNames, x) : hostnameRank;
    const [a, b] = [rank(h), rank(best.listener.hostname)];
    if (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])) best = l;
  }
  return best;
}

/**
 * The listener that takes a plain HTTP request for `host` among `listeners` (one port's, ready): on
 * a Gateway of Envoy Gateway's, the listener whose virtual host Envoy picks by domain across the
 * port's one route configuration (engine.ts virtualHost), with that domain; else the listener with
 * the most specific hostname (the Gateway API's listener precedence). `byDomain`: Envoy Gateway's pick.
 */
export function plainHttpListener(engine: GatewayEngine, listeners: readonly ListenerState[], host: string): { listener?: ListenerState; domain?: string; byDomain: boolean } {
  const vhost = listeners.length ? engine.virtualHost(listeners[0], host) : false;
  if (vhost === false) return { listener: bestListener(listeners, host), byDomain: false };
  return { ...vhost, byDomain: true };
}

/** The listener in words; `of Gateway NS/NAME` when it is not the Gateway `asked`'s (merged Gateways: another's). */
export function describeListener(l: ListenerState, asked?: string): string {
  const owner = `${l.gateway.namespace}/${l.gateway.name}`;
  return `${l.listener.name} (${l.listener.protocol} ${l.listener.port}${l.listener.hostname ? ` ${l.listener.hostname}` : ""})${asked !== undefined && owner !== asked ? ` of Gateway ${owner}` : ""}`;
}
