// Envoy Gateway's ClientTrafficPolicy (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.0,
// api/v1alpha1/clienttrafficpolicy_types.go): the fields that change the answer a request gets, the
// client address Envoy reads (clientIPDetection, proxyProtocol / enableProxyProtocol). The engine
// attaches and applies them (engine/gateway/client-policy.ts); the other fields (timeouts, TLS,
// HTTP/1, HTTP/2 settings, ...) do not change which answer a request gets and are read only for what
// Envoy Gateway cannot translate in them (translationErrors: the listener's routes answer 500).

import type { ClientTrafficPolicy } from "../model/gateway.js";
import type { Cidr } from "../model/ip.js";
import { parseGoCidr } from "../model/ip.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta } from "./k8s.js";
import { ENVOY_GATEWAY_V1ALPHA1, readTargets, readTargetSelector } from "./envoy-gateway.js";
import { http2Errors, text, uint32Error } from "./envoy-gateway-translate.js";
import { manifestOf, readLifecycle } from "./gateway/values.js";

/**
 * spec.clientIPDetection (ClientIPDetectionSettings): exactly one of xForwardedFor, customHeader and
 * directSourceIP, xForwardedFor with exactly one of numTrustedHops and trustedCIDRs (the CRD's CEL
 * rules, checked with its schema: schemas/upstream/gateway.envoyproxy.io/clienttrafficpolicies.json).
 * Envoy Gateway's listener.go originalIPDetectionExtensions reads customHeader before xForwardedFor.
 */
function readClientIP(f: Field): ClientTrafficPolicy["clientIP"] {
  if (!f.object()) return undefined;
  const xff = f.get("xForwardedFor"), header = f.get("customHeader"), direct = f.get("directSourceIP");
  const out: NonNullable<ClientTrafficPolicy["clientIP"]> = {};
  if (header.object()) {
    const name = header.get("name").string({ required: true }) ?? "";
    out.header = { name, failClosed: header.get("failClosed").bool() === true };
  }
  if (xff.object()) {
    const hops = xff.get("numTrustedHops"), cidrs = xff.get("trustedCIDRs");
    const trusted = (cidrs.list() ?? []).flatMap((c): Cidr[] => {
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

/**
 * The errors translateClientTrafficPolicyForListener joins that the CRD leaves possible, in its order
 * (each with its feature's prefix, perr.WithMessage): buildConnection's bufferLimit outside a uint32
 * ("Connection: BufferLimit value X is out of range, must be between 0 and 4294967295"),
 * buildIRHTTP2Settings' window sizes ("HTTP2: ..."). The durations its builders parse are of the
 * CRD's pattern. With any, Envoy Gateway answers every HTTP route of the listener 500 ("setting 500
 * direct response in routes due to errors in ClientTrafficPolicy").
 */
function translationErrors(spec: Field): string[] {
  const out: string[] = [];
  const buffer = spec.get("connection").get("bufferLimit");
  const connection = uint32Error(buffer, `invalid BufferLimit value ${text(buffer)}`, `BufferLimit value ${text(buffer)} is out of range, must be between 0 and 4294967295`);
  if (connection) out.push(`Connection: ${connection}`);
  for (const m of http2Errors(spec)) out.push(`HTTP2: ${m}`);
  return out;
}

const clientTrafficPolicyFrontEnd: FrontEnd = {
  kind: "ClientTrafficPolicy", apiVersions: [ENVOY_GATEWAY_V1ALPHA1], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const targets = readTargets(spec);
    const clientIP = readClientIP(spec.get("clientIPDetection")), proxyProtocol = readProxyProtocol(spec), errors = translationErrors(spec);
    for (const e of errors) spec.warn("vendor-translation", `Envoy Gateway cannot translate this ClientTrafficPolicy (${e}): every HTTP route of the listeners it applies to answers 500`);
    const policies = b.inv.routing.clientTrafficPolicies;
    policies.push({
      namespace: meta.namespace!, name: meta.name, ...readLifecycle(root), order: policies.length, manifest: manifestOf(root), src: ctx.ref,
      targets, selectors: (spec.get("targetSelectors").list() ?? []).map(readTargetSelector),
      ...(clientIP ? { clientIP } : {}), ...(proxyProtocol ? { proxyProtocol } : {}), errors,
    });
  },
};

export const envoyGatewayClientFrontEnds: FrontEnd[] = [clientTrafficPolicyFrontEnd];
