// The pods of a Gateway's data plane: labelled with the Gateway's name in its namespace, as Istio and
// others deploy them, or Envoy Gateway's, labelled with their owner wherever they run.

import type { Endpoint } from "../../model/endpoint.js";
import type { Inventory } from "../../model/inventory.js";
import { ENVOY_GATEWAY_CONTROLLER } from "../../model/gateway.js";

export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
export const EG_OWNER_NAMESPACE = "gateway.envoyproxy.io/owning-gateway-namespace", EG_OWNER_NAME = "gateway.envoyproxy.io/owning-gateway-name", EG_OWNER_CLASS = "gateway.envoyproxy.io/owning-gatewayclass";

export function gatewayPods(inv: Inventory, namespace: string, name: string): Endpoint[] {
  return inv.endpoints.filter((e) => e.kind === "pod" && e.namespace === namespace && e.labels[GATEWAY_NAME_LABEL] === name);
}

/**
 * The pods of the Gateway's data plane: labelled with its name in its namespace (GATEWAY_NAME_LABEL),
 * or Envoy Gateway's, which by default run in Envoy Gateway's own namespace labelled with their owner
 * (internal/gatewayapi/helpers.go OwnerLabels: owning-gateway-namespace and owning-gateway-name, or
 * owning-gatewayclass when the class merges its Gateways; the gateway-name label only in its Gateway
 * namespace mode, proxy/resource_provider.go envoyLabels).
 */
export function dataPlanePods(inv: Inventory, namespace: string, name: string, controllerName: string | undefined, className: string | undefined): Endpoint[] {
  const named = gatewayPods(inv, namespace, name);
  if (named.length || controllerName !== ENVOY_GATEWAY_CONTROLLER) return named;
  return inv.endpoints.filter((e) => e.kind === "pod" && ((e.labels[EG_OWNER_NAMESPACE] === namespace && e.labels[EG_OWNER_NAME] === name) || (className !== undefined && e.labels[EG_OWNER_CLASS] === className)));
}
