// Istio's authorization at an Istio gateway (a Gateway API Gateway of class istio.io/gateway-controller):
// its Envoy runs the RBAC filter istiod builds for the gateway's pods, before routing.

import type { Endpoint } from "../../model/endpoint.js";
import type { Address } from "../../model/ip.js";
import { istioSettingsOf, type MeshModel } from "../../model/mesh.js";
import type { RouteRequest } from "../../model/request.js";
import { requestPort } from "../gateway/route.js";
import { GATEWAY_GROUP } from "../../model/route.js";
import { attributesOf } from "./engine.js";
import type { Hop, LayerDecision } from "./hop.js";
import { IstioPolicies, istioAuthorize, migrateTrustDomain } from "./istio.js";

const byMesh = new WeakMap<MeshModel, IstioPolicies>();

/**
 * The AuthorizationPolicies istiod writes into a Gateway API gateway's pods (pilot/pkg/model/
 * policyattachment.go ShouldAttachPolicy): those whose `targetRefs` name the Gateway (group
 * gateway.networking.k8s.io, the Gateway's namespace), and, without targetRefs, those that select
 * the pod (the root namespace's and the pod's, ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY on by default).
 */
export function istioGatewayPolicies(mesh: MeshModel, pod: Endpoint, gateway: { namespace: string; name: string }) {
  let selecting = byMesh.get(mesh);
  if (!selecting) byMesh.set(mesh, selecting = new IstioPolicies(mesh));
  const settings = istioSettingsOf(mesh, pod);
  const targeting = mesh.istio.authorizations.filter((p) => p.namespace === gateway.namespace && (p.targetRefs ?? []).some((t) =>
    t.kind === "Gateway" && t.group === GATEWAY_GROUP && t.name === gateway.name && (!t.namespace || t.namespace === gateway.namespace)));
  return [...selecting.for(pod), ...targeting.map((p) => migrateTrustDomain(p, settings))];
}

/**
 * The decision of an Istio gateway's pod for a request it receives on an HTTP or HTTPS listener (the
 * caller's to say: a TLS or TCP listener's connection is not judged here), or undefined when no policy
 * applies there.
 * The client is its connection's source (`client`, unknown for a client outside the model): the
 * gateway's HCM runs with use_remote_address true and no trusted hops (gateway.go
 * buildGatewayListeners: "useRemoteAddress: true"; xff_num_trusted_hops from gatewayTopology, 0 by
 * default), so remote.ip is that address too, not X-Forwarded-For; it presents no mesh identity.
 */
export function istioGatewayAuthorize(mesh: MeshModel, pod: Endpoint, gateway: { namespace: string; name: string }, req: RouteRequest, client: Address | undefined): LayerDecision | undefined {
  const policies = istioGatewayPolicies(mesh, pod, gateway);
  if (!policies.length) return undefined;
  const hop: Hop = {
    client: { ...(client ? { address: client } : {}), proxy: "none" }, server: { endpoint: pod, proxy: "istio-sidecar" },
    port: requestPort(req),
    http: { method: req.method, host: req.host ?? "", path: req.path, headers: req.headers, ...(req.protocol === "grpc" ? { grpc: true } : {}) },
  };
  const settings = istioSettingsOf(mesh, pod);
  const a = attributesOf(hop, undefined, true, true, settings.istioPathNormalization);
  return istioAuthorize(hop, policies, "gateway", a, `Gateway ${gateway.namespace}/${gateway.name} (pod ${pod.name})`, settings.istioExtensionProviders);
}
