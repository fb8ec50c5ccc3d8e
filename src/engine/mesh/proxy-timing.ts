// The timeouts, retries and reading of a reset that a proxy gives a route rule, for the backend model
// (gateway/backend-model.ts): an Istio proxy's (a sidecar, a waypoint, an Istio Gateway: pilot converts
// an HTTPRoute's rule the same way for each, conversion.go convertHTTPRoute), Envoy Gateway's and a
// Linkerd client's.

import { envoyGatewayRuleTiming, istioRuleTiming, linkerdRuleTiming, type Route, type RouteRule } from "../../model/route.js";
import type { ResolvedBackend } from "../gateway/backends.js";
import type { BackendTiming } from "../gateway/backend-model.js";
import type { Membership, MeshMembership } from "./membership.js";
import type { TrafficPolicyRetry } from "../../model/gateway.js";

/** Who knows which pods run which mesh's proxy (MeshEngine, GatewayEngine: membership.ts). */
export interface Members { readonly members: MeshMembership }

/**
 * The proxy of the backend's own pods, when every endpoint of `picked` runs `kind`'s (an Istio sidecar,
 * not ambient's ztunnel, which passes a reset on at L4; every pod when no injection is visible): it
 * answers the application's reset itself (Envoy's local reply 503; Linkerd's inbound ServerRescue
 * "Unexpected error", 500), so the client's proxy sees a status. Undefined otherwise.
 */
function serverProxy(mesh: Members, picked: ResolvedBackend, kind: "istio" | "linkerd"): string | undefined {
  const eps = picked.endpoints?.endpoints ?? [];
  const runs = (m: Membership) => m.inMesh && (m.mesh === "gamma" || (m.mesh === kind && (kind === "linkerd" || m.dataplane === "sidecar")));
  if (!eps.length || !eps.every((e) => e.pod && runs(mesh.members.of(e.pod)))) return undefined;
  return kind === "istio" ? "the backend's Istio sidecar" : "the backend's Linkerd proxy";
}

/**
 * An Istio proxy's retries and timeouts of a rule (pilot's conversion, model/route.ts istioRuleTiming);
 * a reset is answered 503 (Envoy's "upstream connect error or disconnect/reset before headers").
 */
export const istioTiming = (mesh: Members) => (_route: Route, rule: RouteRule, picked: ResolvedBackend): BackendTiming =>
  ({ ...istioRuleTiming(rule), reset: { status: 503, serverProxy: serverProxy(mesh, picked, "istio") } });

/**
 * Envoy Gateway's retries and timeouts of an HTTPRoute rule (model/route.ts envoyGatewayRuleTiming), with
 * its BackendTrafficPolicy's retry and request timeout (`traffic`) where the rule has none; a reset is
 * answered 503 (Envoy's), or by the backend's own Istio sidecar.
 */
export const envoyGatewayTiming = (mesh: Members) => (_route: Route, rule: RouteRule, picked: ResolvedBackend, traffic?: PolicyTiming): BackendTiming =>
  ({ ...envoyGatewayRuleTiming(rule, traffic && (traffic.retry || traffic.requestTimeout !== undefined) ? { retry: traffic.retry, requestTimeout: traffic.requestTimeout, policy: traffic.policies.join(" merged into ") } : undefined), reset: { status: 503, serverProxy: serverProxy(mesh, picked, "istio") } });

/** What a rule's Envoy Gateway BackendTrafficPolicy gives its timing (gateway/traffic-policy.ts EffectiveTrafficPolicy). */
export interface PolicyTiming { policies: string[]; retry?: TrafficPolicyRetry; requestTimeout?: number }

/**
 * A Linkerd client's retries and timeouts (model/route.ts linkerdRuleTiming); a reset is answered 500
 * (linkerd2-proxy app/outbound/src/http/server.rs ServerRescue: no case of its own, "Unexpected
 * error", SyntheticHttpResponse::unexpected_error, INTERNAL_SERVER_ERROR).
 */
export const linkerdTiming = (mesh: Members, parentAnnotations: Readonly<Record<string, string>>) => (route: Route, rule: RouteRule, picked: ResolvedBackend): BackendTiming =>
  ({ ...linkerdRuleTiming(route, rule, parentAnnotations), reset: { status: 500, serverProxy: serverProxy(mesh, picked, "linkerd") } });
