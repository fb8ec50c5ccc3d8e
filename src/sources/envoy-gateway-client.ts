// Envoy Gateway's ClientTrafficPolicy (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.0,
// api/v1alpha1/clienttrafficpolicy_types.go): the fields that change the answer a request gets, the
// client address Envoy reads (clientIPDetection, proxyProtocol / enableProxyProtocol). The engine
// attaches and applies them (engine/gateway/client-policy.ts); the other fields (timeouts, TLS,
// HTTP/1, HTTP/2 settings, ...) do not change which answer a request gets and are not read.

import type { ClientTrafficPolicy } from "../model/gateway.js";
import type { Cidr } from "../model/ip.js";
import { parseGoCidr } from "../model/ip.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta } from "./k8s.js";
import { ENVOY_GATEWAY_V1ALPHA1, readTargets, readTargetSelector } from "./envoy-gateway.js";
import { manifestOf, readLifecycle } from "./gateway/values.js";

/**
 * spec.clientIPDetection (ClientIPDetectionSettings): exactly one of xForwardedFor, customHeader and
 * directSourceIP (the CRD's CEL rule: "exactly one of xForwardedFor, customHeader, or directSourceIP
 * must be set"); xForwardedFor has exactly one of numTrustedHops and trustedCIDRs ("only one of
 * numTrustedHops or trustedCIDRs must be set"). Envoy Gateway's listener.go originalIPDetectionExtensions
 * reads customHeader before xForwardedFor, so a policy the API server would refuse is read as it would.
 */
function readClientIP(f: Field): ClientTrafficPolicy["clientIP"] {
  if (!f.object()) return undefined;
  const xff = f.get("xForwardedFor"), header = f.get("customHeader"), direct = f.get("directSourceIP");
  const set = [xff, header, direct].filter((x) => x.present).length;
  if (set !== 1) f.error("invalid-value", "exactly one of xForwardedFor, customHeader, or directSourceIP must be set");
  const out: NonNullable<ClientTrafficPolicy["clientIP"]> = {};
  if (header.object()) {
    const name = header.get("name").string({ required: true }) ?? "";
    if (name && !/^[A-Za-z0-9-]+$/.test(name)) header.get("name").error("invalid-value", `must match ^[A-Za-z0-9-]+$`);
    out.header = { name, failClosed: header.get("failClosed").bool() === true };
  }
  if (xff.object()) {
    const hops = xff.get("numTrustedHops"), cidrs = xff.get("trustedCIDRs");
    if (hops.present === cidrs.present) xff.error("invalid-value", "only one of numTrustedHops or trustedCIDRs must be set");
    // (+kubebuilder:validation:MinItems=1: an empty list, which Envoy would read as trusting every source, is refused.)
    const trusted = (cidrs.list({ min: 1 }) ?? []).flatMap((c): Cidr[] => {
      const text = c.string() ?? "";
      const parsed = parseGoCidr(text, "net");
      if (!parsed) { c.error("invalid-value", `invalid CIDR address: ${text}`); return []; }
      return [parsed.cidr];
    });
    out.xff = { ...(hops.present ? { hops: hops.int({ min: 0, max: 4294967295 }) ?? 0 } : {}), ...(cidrs.present ? { trusted } : {}) };
  }
  if (direct.present) out.direct = true;
  return out;
}

/** spec.proxyProtocol (taking precedence, even `{}`), else the deprecated enableProxyProtocol: true (translateClientTrafficPolicyForListener). */
function readProxyProtocol(spec: Field): ClientTrafficPolicy["proxyProtocol"] {
  const pp = spec.get("proxyProtocol");
  if (pp.object()) return { optional: pp.get("optional").bool() === true };
  const legacy = spec.get("enableProxyProtocol");
  return legacy.bool() === true ? { optional: false } : undefined;
}

const clientTrafficPolicyFrontEnd: FrontEnd = {
  kind: "ClientTrafficPolicy", apiVersions: [ENVOY_GATEWAY_V1ALPHA1], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const targets = readTargets(spec);
    // The CRD's CEL rules: "this policy can only have a targetRefs[*].kind of Gateway or ListenerSet".
    // (The target read from the deprecated targetRef when it is an object, as readTargets does, else targetRefs[i].)
    const single = spec.raw("targetRef"), refAt = (i: number) => (typeof single === "object" && single !== null && !Array.isArray(single) ? spec.get("targetRef") : spec.get("targetRefs").get(i));
    targets.forEach((t, i) => {
      if (t.kind !== "Gateway" && t.kind !== "ListenerSet") refAt(i).get("kind").error("invalid-value", "this policy can only have a targetRefs[*].kind of Gateway or ListenerSet");
    });
    const clientIP = readClientIP(spec.get("clientIPDetection")), proxyProtocol = readProxyProtocol(spec);
    const policies = b.inv.routing.clientTrafficPolicies;
    policies.push({
      namespace: meta.namespace!, name: meta.name, ...readLifecycle(root), order: policies.length, manifest: manifestOf(root), src: ctx.ref,
      targets, selectors: (spec.get("targetSelectors").list() ?? []).map(readTargetSelector),
      ...(clientIP ? { clientIP } : {}), ...(proxyProtocol ? { proxyProtocol } : {}),
    });
  },
};

export const envoyGatewayClientFrontEnds: FrontEnd[] = [clientTrafficPolicyFrontEnd];
