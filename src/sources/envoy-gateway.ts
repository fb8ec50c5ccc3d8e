// Envoy Gateway's BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.0,
// api/v1alpha1/backendtrafficpolicy_types.go): the fields that change the answer a request gets
// (faultInjection.abort, rateLimit, healthCheck.panicThreshold). The engine applies them
// (engine/gateway/traffic-policy.ts); the fields that change only how or when a backend is reached
// (loadBalancer, retry, timeouts, circuitBreaker, active and passive health checks, ...) are not read.

import type { BackendTrafficPolicy, FaultAbort, RateLimitSummary } from "../model/gateway.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta, readSelector } from "./k8s.js";
import { GATEWAY_GROUP } from "../model/route.js";
import { manifestOf, readGroup, readKind, readLifecycle, readObjectName, readSectionName } from "./gateway/values.js";

export const ENVOY_GATEWAY_V1ALPHA1 = "gateway.envoyproxy.io/v1alpha1";

/** A LocalPolicyTargetReferenceWithSectionName. */
function readTarget(t: Field): BackendTrafficPolicy["targets"][number] {
  return { group: t.get("group").string({ required: true }) ?? "", kind: readKind(t.get("kind"), ""), name: readObjectName(t.get("name")) ?? "", sectionName: readSectionName(t.get("sectionName")) };
}

/** PolicyTargetReferences.GetTargetRefs (api/v1alpha1/policy_helpers.go): the deprecated targetRef, when set, instead of targetRefs. */
function readTargets(spec: Field): BackendTrafficPolicy["targets"] {
  const single = spec.get("targetRef");
  if (single.object()) return [readTarget(single)];
  return (spec.get("targetRefs").list() ?? []).map(readTarget);
}

/** A TargetSelector (api/v1alpha1/policy_helpers.go): group (default the Gateway API's), kind, labels, namespaces (default Same). */
function readTargetSelector(t: Field): BackendTrafficPolicy["selectors"][number] {
  const ns = t.get("namespaces");
  const from = (ns.get("from").string({ oneOf: ["Same", "All", "Selector"] }) ?? "Same") as BackendTrafficPolicy["selectors"][number]["namespaces"]["from"];
  return { group: readGroup(t.get("group"), GATEWAY_GROUP), kind: readKind(t.get("kind"), ""), labels: readSelector(t), namespaces: { from, ...(from === "Selector" ? { selector: readSelector(ns.get("selector")) } : {}) } };
}

/** A float32 percentage; the CRD defaults it to 100 (`+kubebuilder:default=100`), as the API server writes it. */
function readPercentage(f: Field): number {
  const v = f.value;
  if (v === undefined || v === null) return 100;
  if (typeof v !== "number" || !Number.isFinite(v)) return f.error("invalid-type", "must be a number") ?? 100;
  return v;
}

/** faultInjection.abort (api/v1alpha1/fault_injection.go FaultInjectionAbort). */
function readAbort(f: Field): FaultAbort | undefined {
  if (!f.object()) return undefined;
  const httpStatus = f.get("httpStatus").int({ min: 200, max: 600 });
  const grpcStatus = f.get("grpcStatus").int({ min: 0, max: 16 });
  // The CRD's rules, on presence (an out-of-range status is its own error, not an absent one): their messages.
  const http = f.get("httpStatus").present, grpc = f.get("grpcStatus").present;
  if (http && grpc) f.error("exclusive", "httpStatus and grpcStatus cannot be simultaneously defined.");
  else if (!http && !grpc) f.error("required", "httpStatus and grpcStatus are set at least one.");
  return { httpStatus, grpcStatus, percentage: readPercentage(f.get("percentage")) };
}

/** RateLimitUnit in seconds (internal/utils/ratelimit/unit.go UnitToSeconds). */
const UNIT_SECONDS: Record<string, number> = { Second: 1, Minute: 60, Hour: 3600, Day: 86400, Week: 604800, Month: 2592000, Year: 31536000 };

/**
 * rateLimit.local as Envoy Gateway builds it (internal/gatewayapi/backendtrafficpolicy.go
 * buildLocalRateLimit): the rule without clientSelectors is the route's default limit (two such
 * rules are an error), and every rule's unit must be a multiple of the default's.
 */
function readLocal(f: Field, s: RateLimitSummary): void {
  if (!f.object()) { s.invalid = "local configuration empty for rateLimit"; return; }
  const rules = (f.get("rules").list() ?? []).map((r, i) => ({
    requests: r.get("limit").get("requests").int({ min: 0 }) ?? 0, unit: r.get("limit").get("unit").string({ oneOf: Object.keys(UNIT_SECONDS) }) ?? "Second",
    selected: (r.get("clientSelectors").list() ?? []).length > 0, index: i,
  }));
  const defaults = rules.filter((r) => !r.selected);
  if (defaults.length > 1) s.invalid = "local rateLimit can not have more than one rule without clientSelectors";
  const base = defaults.length ? UNIT_SECONDS[defaults[0].unit] : 1;
  if (rules.some((r) => UNIT_SECONDS[r.unit] % base !== 0)) s.invalid ??= "local rateLimit rule limit unit must be a multiple of the default limit unit";
  s.local = rules.map((r) => `${r.requests} requests per ${r.unit}${r.selected ? ` for the requests rule ${r.index}'s clientSelectors match` : ""}`);
}

/**
 * spec.rateLimit (buildRateLimit): the deprecated `type` picks one of local and global (the one it names
 * missing is an error: buildGlobalRateLimit "global configuration empty for rateLimit"); else both are read.
 */
function readRateLimit(f: Field): RateLimitSummary | undefined {
  if (!f.object()) return undefined;
  const s: RateLimitSummary = { local: [], global: false };
  const type = f.get("type").string({ oneOf: ["Global", "Local"] });
  if (type !== "Global" && (type === "Local" || f.get("local").object())) readLocal(f.get("local"), s);
  if (type !== "Local" && (type === "Global" || f.get("global").object())) {
    if (f.get("global").object()) s.global = true;
    else s.invalid ??= "global configuration empty for rateLimit";
  }
  return s;
}

/** spec.healthCheck (api/v1alpha1/healthcheck_types.go HealthCheck): its PanicThreshold, `+kubebuilder:validation:Minimum=0`, `Maximum=100`. */
function readHealthCheck(f: Field): BackendTrafficPolicy["healthCheck"] {
  if (!f.object()) return undefined;
  const panicThreshold = f.get("panicThreshold").int({ min: 0, max: 100 });
  return panicThreshold === undefined ? {} : { panicThreshold };
}

const backendTrafficPolicyFrontEnd: FrontEnd = {
  kind: "BackendTrafficPolicy", apiVersions: [ENVOY_GATEWAY_V1ALPHA1], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const policies = b.inv.routing.backendTrafficPolicies;
    policies.push({
      namespace: meta.namespace!, name: meta.name, ...readLifecycle(root), order: policies.length, manifest: manifestOf(root), src: ctx.ref,
      targets: readTargets(spec), selectors: (spec.get("targetSelectors").list() ?? []).map(readTargetSelector), mergeType: spec.get("mergeType").string({ oneOf: ["StrategicMerge", "JSONMerge"] }) as BackendTrafficPolicy["mergeType"],
      abort: readAbort(spec.get("faultInjection").get("abort")), rateLimit: readRateLimit(spec.get("rateLimit")),
      healthCheck: readHealthCheck(spec.get("healthCheck")),
    });
  },
};

export const envoyGatewayFrontEnds: FrontEnd[] = [backendTrafficPolicyFrontEnd];
