// Envoy Gateway's EnvoyPatchPolicy: JSON patches of the xDS configuration of a Gateway's Envoy, which
// Junction does not apply; a request to a patched Envoy has no answer Junction can tell.

import { GATEWAY_GROUP } from "../../model/route.js";
import type { RouteGraph } from "../../model/gateway.js";
import type { GatewayState } from "./gateways.js";

/**
 * Why the Envoy serving `gw` may answer otherwise than Junction reads: an EnvoyPatchPolicy with patches that
 * ProcessEnvoyPatchPolicies (internal/gatewayapi/envoypatchpolicy.go) applies to it: its targetRef a Gateway of
 * the policy's namespace, or, where the class's Gateways are merged (one IR keyed by the class), the GatewayClass
 * (group gateway.networking.k8s.io; another kind: Invalid, not applied); only when Envoy Gateway's configuration
 * enables them (extensionApis.enableEnvoyPatchPolicy; else "EnvoyPatchPolicy is disabled in the EnvoyGateway
 * configuration"); without the configuration in the input, they may be. Undefined: none.
 */
export function envoyPatched(graph: RouteGraph, gw: GatewayState): string | undefined {
  if (!gw.envoyGateway || !graph.envoyPatchPolicies?.length) return undefined;
  const enabled = graph.envoyGatewayConfig ? graph.envoyGatewayConfig.envoyPatchPolicy === true : undefined;
  if (enabled === false) return undefined;
  const kind = gw.envoy ? "GatewayClass" : "Gateway";
  const patching = graph.envoyPatchPolicies.filter((p) => p.patches > 0 && p.target.group === GATEWAY_GROUP && p.target.kind === kind
    && (gw.envoy ? p.target.name === gw.envoy.className : p.namespace === gw.gateway.namespace && p.target.name === gw.gateway.name));
  if (!patching.length) return undefined;
  const names = patching.map((p) => `the ${p.patches} JSON patch${p.patches === 1 ? "" : "es"} of EnvoyPatchPolicy ${p.namespace}/${p.name}`).join(", ");
  const target = gw.envoy ? `GatewayClass ${gw.envoy.className}, whose Gateways share one Envoy` : `Gateway ${gw.gateway.namespace}/${gw.gateway.name}`;
  return `${names} to the xDS configuration Envoy Gateway writes for ${target}${enabled === undefined ? " (if Envoy Gateway's configuration enables EnvoyPatchPolicy, extensionApis.enableEnvoyPatchPolicy; the input does not hold it)" : ""}, which Junction does not apply`;
}
