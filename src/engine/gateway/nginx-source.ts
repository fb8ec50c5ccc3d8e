// The source address ingress-nginx's controller sees for a request from outside the cluster (nginx's
// $remote_addr, which its access checks judge): the controller runs behind its own LoadBalancer or
// NodePort Service, and kube-proxy masquerades such connections under externalTrafficPolicy Cluster
// (engine/kube-proxy.ts kubeProxyPath, pkg/proxy/iptables/proxier.go KUBE-EXT "masquerade traffic
// for ... external destinations"), so nginx sees a node's address, not the client's. With
// use-proxy-protocol nginx takes the client's address from the PROXY header its load balancer sends
// (nginx.tmpl: `listen ... proxy_protocol`, real_ip_header proxy_protocol); use-forwarded-headers is
// applied after this, to the address seen (nginx-access.ts realIp).

import type { Inventory, InventoryIndex } from "../../model/inventory.js";
import type { Endpoint } from "../../model/endpoint.js";
import { addressKey, type Address } from "../../model/ip.js";
import { matches, selector } from "../../model/selector.js";
import { ingressControllerPods } from "../endpoints.js";
import { ingressNginxOf } from "../../model/nginx-controller.js";
import { frontendLabel, kubeProxyPath, type Frontend } from "../kube-proxy.js";
import { flowAddress } from "../match.js";

/** What nginx sees instead of the client: an address (undefined: a node or load balancer the input does not hold), and why. */
export interface NginxSource { address?: Address; why: string }

/**
 * The source the controller sees for `client` (an address outside the cluster: not a pod's or a
 * node's) connecting to port `port` of its Service, when it is not the client's: undefined when the
 * input holds no controller pod (engine/endpoints.ts ingressControllerPods: those of the controller serving
 * `className`, the Ingress class, model/nginx-controller.ts), no
 * LoadBalancer or NodePort Service selecting its pods at that port, or the source is kept
 * (externalTrafficPolicy Local, use-proxy-protocol).
 */
export function ingressNginxSource(inv: Inventory, index: InventoryIndex, client: Address, port: number, className?: string): NginxSource | undefined {
  if (ingressNginxOf(inv, className).config?.proxyProtocol) return undefined;
  return sourceSeenBy(inv, index, ingressControllerPods(inv, className), client, port);
}

/** Whether `client` is a pod's or a node's address: it reaches a proxy's pods directly, never masqueraded (InventoryIndex.byAddress holds a node's and a pod's before a Workload's). */
export function inClusterAddress(index: InventoryIndex, client: Address): boolean {
  const holder = index.byAddress.get(addressKey(client));
  return holder !== undefined && (holder.kind === "pod" || holder.kind === "node");
}

/**
 * The source `pods` (a proxy's: ingress-nginx's controller, a Gateway's Envoy) see for `client` (an
 * address outside the cluster) connecting to port `port` of the LoadBalancer or NodePort Service that
 * selects them, when it is not the client's (kube-proxy's masquerade under externalTrafficPolicy
 * Cluster); undefined when it is the client's or no such Service selects them.
 */
export function sourceSeenBy(inv: Inventory, index: InventoryIndex, pods: readonly Endpoint[], client: Address, port: number): NginxSource | undefined {
  const key = addressKey(client);
  if (inClusterAddress(index, client)) return undefined;
  if (!pods.length) return undefined;
  const ids = new Set(pods.map((p) => p.id));
  for (const s of inv.services) {
    if ((s.type !== "LoadBalancer" && s.type !== "NodePort") || !s.selector) continue;
    const sel = selector(s.selector);
    if (!pods.some((p) => p.namespace === s.namespace && matches(sel, p.labels))) continue;
    const sp = s.ports.find((p) => p.port === port && p.protocol === "TCP");
    if (!sp) continue;
    const f: Frontend = s.type === "LoadBalancer"
      ? { kind: "load-balancer", service: s, port: sp, ...(s.loadBalancerIngress?.length && s.loadBalancerIngress.every((i) => i.proxy) ? { proxy: true } : {}) }
      : { kind: "node-port", service: s, port: sp };
    const path = kubeProxyPath(index, f, { address: client });
    const hop = path.hops.find((h) => h.to.endpoint && ids.has(h.to.endpoint.id)) ?? path.hops[0];
    if (!hop || (!hop.snat && hop.seenAs.address === client)) return undefined;
    const address = flowAddress(hop.seenAs, { endpoint: hop.to.endpoint, address: hop.to.address });
    if (address && addressKey(address) === key) return undefined;
    return { ...(address ? { address } : {}), why: `${frontendLabel(f)}: ${hop.snat ?? path.why}` };
  }
  return undefined;
}
