// The status Envoy Gateway (v1.9.0) writes on its SecurityPolicies: internal/gatewayapi/securitypolicy.go
// ProcessSecurityPolicies walks them as ProcessBackendTrafficPolicies does its policies (the same levels,
// ancestors, Conflicted, Overridden and Merged conditions: traffic-policy-status.ts policyStatuses), with
// its own words ("another SecurityPolicy has already attached to it", "overridden by other
// securityPolicies") and the translation's errors (translateSecurityPolicyForRoute: BasicAuth,
// APIKeyAuth, Authorization, then ExtAuth, OIDC, JWT; security-policy.ts SecurityPolicyIndex.errors).

import type { SecurityPolicy } from "../../model/gateway.js";
import type { PolicyAncestorStatus } from "./backendtls.js";
import type { GatewayEngine } from "./engine.js";
import { policyStatuses } from "./traffic-policy-status.js";

export function securityPolicyStatuses(engine: GatewayEngine): Map<SecurityPolicy, PolicyAncestorStatus[]> {
  const graph = engine.inv.routing;
  if (!graph.securityPolicies.length) return new Map();
  const errors = (p: SecurityPolicy) => engine.securityPolicies.errors(p).map((e) => e.message);
  // The merged spec: the route policy's features, and the parent's it does not set (security-policy.ts merged).
  const mergedErrors = (p: SecurityPolicy, parent: SecurityPolicy) => [...engine.securityPolicies.errors(p), ...engine.securityPolicies.errors(parent).filter((e) => e.feature !== "other" && p[e.feature] === undefined)].map((e) => e.message);
  return policyStatuses(engine, { kind: "SecurityPolicy", ruleOverride: "securityPolicies", plural: "securityPolicies", policies: graph.securityPolicies, errors, mergedErrors,
    invalid: (p, kind) => (kind === "TCPRoute" ? p.tcpInvalid : p.invalid) });
}
