// The pods of a Gateway's data plane: labelled with the Gateway's name in its namespace, as Istio,
// Envoy Gateway and others deploy them.

import type { Endpoint } from "../../model/endpoint.js";
import type { Inventory } from "../../model/inventory.js";

export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

export function gatewayPods(inv: Inventory, namespace: string, name: string): Endpoint[] {
  return inv.endpoints.filter((e) => e.kind === "pod" && e.namespace === namespace && e.labels[GATEWAY_NAME_LABEL] === name);
}
