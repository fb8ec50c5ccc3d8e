// The pods of a Gateway's data plane: labelled with the Gateway's name in its namespace, as Istio
// and others deploy them, or as Envoy Gateway labels its Envoy's pods, in its own namespace
// (envoy-gateway-system by default).

import type { Endpoint } from "../../model/endpoint.js";
import type { Inventory } from "../../model/inventory.js";
import { envoyGatewayController } from "../../model/gateway.js";

export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

/**
 * Envoy Gateway's owner labels (internal/gatewayapi/translator.go; helpers.go GatewayOwnerLabels,
 * OwnerLabels: "if mergeGateways { return GatewayClassOwnerLabel(...) }"): its proxy's pods carry the
 * Gateway's name and namespace, or with mergeGateways the GatewayClass's name alone, wherever the
 * controller deploys them (its own namespace; GatewayNamespaceMode also adds GATEWAY_NAME_LABEL:
 * proxy/resource_provider.go envoyLabels).
 */
export const EG_NAME = "gateway.envoyproxy.io/owning-gateway-name";
const EG_NAMESPACE = "gateway.envoyproxy.io/owning-gateway-namespace";
const EG_CLASS = "gateway.envoyproxy.io/owning-gatewayclass";

/**
 * The pods of Gateway `namespace`/`name` of class `className`. Envoy Gateway's owner labels say whose
 * pods they are only for a Gateway Envoy Gateway serves (its GatewayClass's controllerName is
 * gateway.envoyproxy.io/gatewayclass-controller: internal/provider/kubernetes/predicates.go
 * hasMatchingController, "if gc.Spec.ControllerName == r.classController { ... processing", else
 * "bypassing reconciliation due to controller name"): a Gateway whose class names another controller
 * does not own them.
 */
export function gatewayPods(inv: Inventory, namespace: string, name: string, className?: string): Endpoint[] {
  // A class the input lacks: the labels themselves (Envoy Gateway writes them only on its own proxies) are the evidence.
  const cls = className === undefined ? undefined : inv.routing.gatewayClasses.find((c) => c.name === className);
  const envoyGateway = !cls || cls.controllerName === envoyGatewayController(inv.routing);
  return inv.endpoints.filter((e) => e.kind === "pod" && (
    (e.namespace === namespace && e.labels[GATEWAY_NAME_LABEL] === name)
    || (envoyGateway && e.labels[EG_NAME] === name && e.labels[EG_NAMESPACE] === namespace)
    || (envoyGateway && className !== undefined && e.labels[EG_NAME] === undefined && e.labels[EG_CLASS] === className)));
}
