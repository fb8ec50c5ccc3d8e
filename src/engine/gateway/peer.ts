// The connection's source an Envoy Gateway Envoy sees for a request's client: the address its HCM reads
// as the downstream remote address (use_remote_address true without clientIPDetection; the address the
// original IP detection extensions fall back to, and xff trustedCIDRs judge, with it: client-policy.ts
// clientAddress), which rate limits' sourceCIDR and SecurityPolicy clientCIDRs then match. Behind a
// LoadBalancer or NodePort Service in front of its Envoy with externalTrafficPolicy Cluster (Envoy
// Gateway writes its own with Local unless EnvoyProxy envoyService.externalTrafficPolicy says Cluster:
// api/v1alpha1 KubernetesServiceSpec "+kubebuilder:default:=\"Local\""; Junction reads the Service in the
// input) kube-proxy masquerades an outside client's connection to a node's address (pkg/proxy/iptables/
// proxier.go KUBE-EXT "masquerade traffic for ... external destinations"; nginx-source.ts sourceSeenBy),
// so that is the peer. When the input holds no such Service (a manifest: Envoy Gateway makes it), the
// Gateway's EnvoyProxy says what it makes (merge.ts gatewayEnvoyProxy; resource.go ExpectedServiceSpec:
// "if *service.Type == egv1a1.ServiceTypeLoadBalancer { ... serviceSpec.ExternalTrafficPolicy = ... }",
// so a NodePort Service gets Kubernetes' default, Cluster): one that masquerades leaves the peer unknown.

import type { Gateway } from "../../model/gateway.js";
import type { Inventory, InventoryIndex } from "../../model/inventory.js";
import { formatAddress, type Address } from "../../model/ip.js";
import { namespacedName } from "../../model/route.js";
import type { ClientAddress } from "./client-policy.js";
import { inClusterAddress, sourceSeenBy } from "./nginx-source.js";
import { gatewayPods } from "./pods.js";
import { gatewayEnvoyProxy } from "./merge.js";
import { serviceSelects, type Endpoint } from "../../model/endpoint.js";

export const NO_CLIENT = "the request names no client, `from`";

/** The peer Envoy sees for `client` connecting to port `port` of Gateway `gw` (Envoy Gateway's); `seen` says why when it is not the client. */
export function envoyGatewayPeer(inv: Inventory, index: InventoryIndex, gw: Gateway, client: Address | undefined, port: number): ClientAddress & { seen?: string } {
  const pods = gatewayPods(inv, gw.namespace, gw.name, gw.className);
  return generatedServicePeer(inv, index, pods, client, port, { pods: `Envoy's pods of Gateway ${namespacedName(gw)}`, peer: "Envoy's peer", made: () => { const m = masqueradingService(inv, gw); return m && `the one Envoy Gateway makes for them is ${m}`; } });
}

/** Who sees the peer (`pods`, `peer`: for the answer) and what the implementation's own Service does (`made`: why it masquerades, undefined when it does not). */
export interface GeneratedService { pods: string; peer: string; made: () => string | undefined }

/**
 * The connection's source a gateway implementation's `pods` see for `client` connecting to `port`, the
 * one answer for Envoy Gateway's (envoyGatewayPeer) and Istio's (walk/gateway-entry.ts istioGatewayPeer):
 * the Service in front of them decides. One of the input (sourceSeenBy: a node's address behind a
 * LoadBalancer or NodePort Service under externalTrafficPolicy Cluster, the client's under Local); when no
 * LoadBalancer or NodePort Service of the input selects the pods (or they are not in the input), the one
 * the implementation makes (`g.made`): one that masquerades leaves an outside client's peer unknown (a
 * node's address the input cannot name); a client in the cluster reaches them unmasqueraded.
 */
export function generatedServicePeer(inv: Inventory, index: InventoryIndex, pods: readonly Endpoint[], client: Address | undefined, port: number, g: GeneratedService): ClientAddress & { seen?: string } {
  if (!client) return { unknown: NO_CLIENT };
  const seen = sourceSeenBy(inv, index, pods, client, port);
  if (!seen) {
    const made = fronted(inv, pods) || inClusterAddress(index, client) ? undefined : g.made();
    if (made) return { unknown: `${g.pods} see a node's address as the connection's source, not the client ${formatAddress(client)}: the input holds no LoadBalancer or NodePort Service in front of them, and ${made}, which kube-proxy masquerades an outside client through` };
    return { address: client };
  }
  if (!seen.address) return { unknown: `${g.pods} see an address the input does not hold as the connection's source, not the client ${formatAddress(client)} (${seen.why})` };
  return { address: seen.address, seen: `${g.peer} is ${formatAddress(seen.address)}, not the client ${formatAddress(client)} (${seen.why})` };
}

/** Whether a LoadBalancer or NodePort Service of the input selects one of `pods` (sourceSeenBy judged it). */
function fronted(inv: Inventory, pods: readonly Endpoint[]): boolean {
  return inv.services.some((s) => (s.type === "LoadBalancer" || s.type === "NodePort") && pods.some((p) => serviceSelects(s, p)));
}

/**
 * The Service Envoy Gateway makes for `gw`'s Envoy, when its EnvoyProxy makes it masquerade outside
 * clients (api/v1alpha1 KubernetesServiceSpec: type default LoadBalancer, externalTrafficPolicy default
 * Local, set on a LoadBalancer Service only, ExpectedServiceSpec), after envoyService.patch (resource_provider.go
 * Service: utils.MergeWithPatch on the Service made; a null removes the field, and Kubernetes then
 * defaults externalTrafficPolicy to Cluster): a NodePort or LoadBalancer one without Local. A patch
 * Junction cannot read: "unknown" with why.
 */
function masqueradingService(inv: Inventory, gw: Gateway): string | undefined {
  const proxy = gatewayEnvoyProxy(inv.routing, gw);
  const svc = proxy?.settings.envoyService;
  if (!svc) return undefined;
  const patch = svc.patch;
  let type = svc.type ?? "LoadBalancer";
  let etp = type === "LoadBalancer" ? svc.externalTrafficPolicy ?? "Local" : undefined;
  if (patch && "type" in patch) type = patch.type ?? "ClusterIP";
  if (patch && "externalTrafficPolicy" in patch) etp = patch.externalTrafficPolicy ?? undefined;
  const by = `${proxy!.by} provider.kubernetes.envoyService${patch ? " and its patch" : ""}`;
  if (patch?.unread) return `a Service whose type and externalTrafficPolicy Junction cannot tell (${by}: ${patch.unread}), which may masquerade`;
  if (type !== "NodePort" && type !== "LoadBalancer") return undefined;
  if (etp === "Local") return undefined;
  return `a ${type} Service with externalTrafficPolicy ${etp ?? "unset, so Kubernetes' Cluster"} (${by}${type === "NodePort" && !patch ? "; externalTrafficPolicy is set on a LoadBalancer one only" : ""})`;
}
