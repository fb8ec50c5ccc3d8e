// The connection's source an Envoy Gateway Envoy sees for a request's client: the address its HCM reads
// as the downstream remote address (use_remote_address true without clientIPDetection; the address the
// original IP detection extensions fall back to, and xff trustedCIDRs judge, with it: client-policy.ts
// clientAddress), which rate limits' sourceCIDR and SecurityPolicy clientCIDRs then match. Behind a
// LoadBalancer or NodePort Service in front of its Envoy with externalTrafficPolicy Cluster (Envoy
// Gateway writes its own with Local unless EnvoyProxy envoyService.externalTrafficPolicy says Cluster:
// api/v1alpha1 KubernetesServiceSpec "+kubebuilder:default:=\"Local\""; Junction reads the Service in the
// input) kube-proxy masquerades an outside client's connection to a node's address (pkg/proxy/iptables/
// proxier.go KUBE-EXT "masquerade traffic for ... external destinations"; nginx-source.ts sourceSeenBy),
// so that is the peer.

import type { Gateway } from "../../model/gateway.js";
import type { Inventory, InventoryIndex } from "../../model/inventory.js";
import { formatAddress, type Address } from "../../model/ip.js";
import { namespacedName } from "../../model/route.js";
import type { ClientAddress } from "./client-policy.js";
import { sourceSeenBy } from "./nginx-source.js";
import { gatewayPods } from "./pods.js";

export const NO_CLIENT = "the request names no client, `from`";

/** The peer Envoy sees for `client` connecting to port `port` of Gateway `gw` (Envoy Gateway's); `seen` says why when it is not the client. */
export function envoyGatewayPeer(inv: Inventory, index: InventoryIndex, gw: Gateway, client: Address | undefined, port: number): ClientAddress & { seen?: string } {
  if (!client) return { unknown: NO_CLIENT };
  const seen = sourceSeenBy(inv, index, gatewayPods(inv, gw.namespace, gw.name, gw.className), client, port);
  if (!seen) return { address: client };
  if (!seen.address) return { unknown: `Envoy's pods of Gateway ${namespacedName(gw)} see an address the input does not hold as the connection's source, not the client ${formatAddress(client)} (${seen.why})` };
  return { address: seen.address, seen: `Envoy's peer is ${formatAddress(seen.address)}, not the client ${formatAddress(client)} (${seen.why})` };
}
