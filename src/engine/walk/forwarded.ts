// What a gateway writes in X-Forwarded-For before it forwards a request to its backend: the backend's
// Istio sidecar (use_remote_address false, no trusted hops) reads the last entry as the original
// client (remote.ip, remoteIpBlocks: l7/istio.ts withForwardedClient), so this decides whether a
// client can pose as another by sending its own X-Forwarded-For through the gateway.

import { contains, type Address } from "../../model/ip.js";
import { ingressNginxOf } from "../../model/nginx-controller.js";
import type { Inventory, InventoryIndex } from "../../model/inventory.js";
import type { ClientAddress, EffectiveClientPolicy } from "../gateway/client-policy.js";
import { namespacedName } from "../../model/route.js";
import { Headers } from "../gateway/headers.js";
import { realIp } from "../gateway/nginx-access.js";
import { ingressNginxSource } from "../gateway/nginx-source.js";
import type { ForwardedFor } from "./answer.js";

const NO_CLIENT = "the request names no client (`from`), whose address the gateway writes there";
const LOAD_BALANCER = "ingress-nginx (use-forwarded-headers, use-proxy-protocol) writes $remote_addr, the address of the load balancer that sent the PROXY header when the request has no X-Forwarded-For";

/**
 * An Envoy that runs with use_remote_address true appends its peer (conn_manager_utility.cc
 * mutateRequestHeaders: "Utility::appendXff(request_headers, *connection...remoteAddress())"): an
 * Istio gateway (pilot/pkg/networking/core/gateway.go buildGatewayListeners "useRemoteAddress: true"),
 * and Envoy Gateway without a ClientTrafficPolicy's clientIPDetection (internal/xds/translator/listener.go
 * addHCMToXDSListener: "useRemoteAddress := true"). With clientIPDetection Envoy Gateway sets
 * use_remote_address false and configures an original IP detection extension, after which Envoy still
 * appends the peer unless the extension says skip_xff_append (custom_header: never; the xff extension:
 * xForwardedFor.disableXForwardedForAppend, listener.go originalIPDetectionExtensions "SkipXffAppend:
 * wrapperspb.Bool(skipXffAppend)"; with trustedCIDRs it holds only for a peer in them: xff.cc appends an
 * untrusted peer). The peer is the connection's source as the gateway's pods see it (`peer`: the
 * gateway's one answer for it, peer.ts envoyGatewayPeer for Envoy Gateway, gateway-entry.ts
 * istioGatewayPeer for Istio: a node's behind their LoadBalancer or NodePort Service under
 * externalTrafficPolicy Cluster, unknown when the input lacks that node), or with proxy protocol the
 * PROXY header's (Envoy's proxy_protocol listener filter sets the connection's remote address), which a
 * request does not carry: unknown.
 */
export function envoyForwarded(policy: EffectiveClientPolicy | undefined, peer: ClientAddress): ForwardedFor | undefined {
  const p = policy && !policy.refused ? policy.policy : undefined;
  const xff = p?.clientIP?.xff;
  if (xff?.noAppend && !p!.clientIP!.header) {
    // numTrustedHops: the extension returns skip_xff_append as configured, always. trustedCIDRs: only when
    // the peer is trusted; an untrusted peer's answer is xff.cc detect's "if (!remoteAddressIsTrustedProxy(...))
    // return {nullptr, false, absl::nullopt, false};": skip_xff_append false, and the HCM appends the peer
    // whether or not an address was detected (envoy#31831: appendXff after the reject check, before
    // "if (result.detected_remote_address)"), disableXForwardedForAppend notwithstanding.
    if (!xff.trusted?.length) return undefined;
    const whether = "and whether the gateway appends it at all (disableXForwardedForAppend holds only for a source in trustedCIDRs)";
    if (p!.proxyProtocol) return { how: "append", unknown: `the gateway appends the source address of the PROXY protocol header its listener reads (ClientTrafficPolicy ${namespacedName(p!)} proxyProtocol), which a request does not carry, ${whether}` };
    const at = peer.address;
    if (!at) return { how: "append", unknown: `${peer.unknown ?? NO_CLIENT}, ${whether}` };
    return xff.trusted.some((c) => contains(c, at)) ? undefined : { how: "append", address: at };
  }
  if (p?.proxyProtocol) return { how: "append", unknown: `the gateway appends the source address of the PROXY protocol header its listener reads (ClientTrafficPolicy ${namespacedName(p)} proxyProtocol), which a request does not carry` };
  return peer.address ? { how: "append", address: peer.address } : { how: "append", unknown: `${peer.unknown ?? NO_CLIENT}, which the gateway appends` };
}

/**
 * ingress-nginx (rootfs/etc/nginx/template/nginx.tmpl, each location): "{{ if and
 * $all.Cfg.UseForwardedHeaders $all.Cfg.ComputeFullForwardedFor }} proxy_set_header X-Forwarded-For
 * $full_x_forwarded_for; {{ else }} proxy_set_header X-Forwarded-For $remote_addr;": by default the
 * client's X-Forwarded-For is replaced by the connection's address; with use-forwarded-headers (or
 * enable-real-ip) $remote_addr is what the realip module took from the client's header when the
 * connection comes from proxy-real-ip-cidr (default 0.0.0.0/0: the client chooses it); with
 * compute-full-forwarded-for too, "$http_x_forwarded_for, $realip_remote_addr" (the connection's
 * address after the client's). The connection's address is the one nginx sees (nginx-source.ts: a
 * node's behind its Service under externalTrafficPolicy Cluster, unknown when the input lacks it).
 */
export function nginxForwarded(inv: Inventory, index: InventoryIndex, className: string | undefined, client: Address | undefined, port: number, headers: readonly (readonly [string, string])[]): ForwardedFor {
  const cfg = ingressNginxOf(inv, className).config;
  const seen = client ? ingressNginxSource(inv, index, client, port, className) : undefined;
  const peer = seen ? seen.address : client;
  const unknown = !client ? NO_CLIENT : !peer ? `ingress-nginx sees an address the input does not hold as the connection's source (${seen!.why})` : undefined;
  if (cfg?.fullForwardedFor) return peer ? { how: "append", address: peer } : { how: "append", unknown: unknown! };
  if (!peer) return { how: "set", unknown: unknown! };
  const address = cfg?.realIp ? realIp(cfg.realIp, peer, new Headers(headers.map(([k, v]) => [k, v]))) : peer;
  return address ? { how: "set", address } : { how: "set", unknown: LOAD_BALANCER };
}
