// Envoy Gateway's BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.0,
// api/v1alpha1/backendtrafficpolicy_types.go): the fields that change the answer a request gets
// (faultInjection.abort, rateLimit, healthCheck.panicThreshold, retry, timeouts, responseOverride). The
// engine applies them (engine/gateway/traffic-policy.ts); the fields that change only how or when a
// backend is reached (faultInjection.delay, loadBalancer, circuitBreaker, active and passive health
// checks) are named (aside), and read for what Envoy Gateway cannot translate in them
// (envoy-gateway-translate.ts: the routes answer 500).
// Envoy Gateway's own configuration (its ConfigMap envoy-gateway-config) says whether global rate
// limits can be translated.

import { ENVOY_GATEWAY_CONTROLLER, type ResponseOverrideRule, type BackendTrafficPolicy, type EnvoyProxySettings, type ServicePatch, type FaultAbort, type RateLimitRule, type RateLimitSummary } from "../model/gateway.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import type { InventoryBuilder, StateKey } from "./builder.js";
import { readMeta, readSelector, type Meta } from "./k8s.js";
import { embeddedDocument } from "./embedded.js";
import { featureErrors, rateLimitRuleError } from "./envoy-gateway-translate.js";
import { GATEWAY_GROUP } from "../model/route.js";
import { formatAddress, parseGoCidr } from "../model/ip.js";
import { goUrlParseError } from "../model/gourl.js";
import { goDuration } from "../model/duration.js";
import { manifestOf, readGroup, readKind, readLifecycle, readObjectName, readSectionName } from "./gateway/values.js";

export const ENVOY_GATEWAY_V1ALPHA1 = "gateway.envoyproxy.io/v1alpha1";

/** A LocalPolicyTargetReferenceWithSectionName. */
function readTarget(t: Field): BackendTrafficPolicy["targets"][number] {
  return { group: t.get("group").string({ required: true }) ?? "", kind: readKind(t.get("kind"), ""), name: readObjectName(t.get("name")) ?? "", sectionName: readSectionName(t.get("sectionName")) };
}

/** PolicyTargetReferences.GetTargetRefs (api/v1alpha1/policy_helpers.go): the deprecated targetRef, when set, instead of targetRefs. */
export function readTargets(spec: Field): BackendTrafficPolicy["targets"] {
  const single = spec.get("targetRef");
  if (single.object()) return [readTarget(single)];
  return (spec.get("targetRefs").list() ?? []).map(readTarget);
}

/** A TargetSelector (api/v1alpha1/policy_helpers.go): group (default the Gateway API's), kind, labels, namespaces (default Same). */
export function readTargetSelector(t: Field): BackendTrafficPolicy["selectors"][number] {
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

const limitWords = (r: { requests: number; unit: string }) => (r.requests === 0 ? `no requests (requests: 0) per ${r.unit}` : `${r.requests} requests per ${r.unit}`);

/**
 * rateLimit.local as Envoy Gateway builds it (internal/gatewayapi/backendtrafficpolicy.go
 * buildLocalRateLimit): the rule without clientSelectors is the route's default limit (two such
 * rules are an error), every rule's unit must be a multiple of the default's, and each rule with
 * clientSelectors must translate (buildRateLimitRule). Its token buckets hold `requests` tokens
 * (internal/xds/translator/local_ratelimit.go: MaxTokens and TokensPerFill are `requests`); a bucket of
 * 0 has tokens_per_fill 0, which Envoy 1.39 (the distroless-v1.39.0 proxy of Envoy Gateway v1.9.0)
 * refuses, and the route configuration with it (engine/gateway/traffic-policy.ts zeroTokenBucket); a
 * request a rule's selectors match counts in that rule's bucket only (AlwaysConsumeDefaultTokenBucket false).
 */
function readLocal(f: Field, s: RateLimitSummary): void {
  if (!f.object()) { s.invalid = "local configuration empty for rateLimit"; return; }
  const fields = f.get("rules").list() ?? [];
  const rules = fields.map((r, i) => ({
    requests: r.get("limit").get("requests").int({ min: 0 }) ?? 0, unit: r.get("limit").get("unit").string({ oneOf: Object.keys(UNIT_SECONDS) }) ?? "Second",
    selected: (r.get("clientSelectors").list() ?? []).length > 0, index: i,
  }));
  const defaults = rules.filter((r) => !r.selected);
  if (defaults.length > 1) s.invalid = "local rateLimit can not have more than one rule without clientSelectors";
  const base = defaults.length ? UNIT_SECONDS[defaults[0].unit] : 1;
  if (rules.some((r) => UNIT_SECONDS[r.unit] % base !== 0)) s.invalid ??= "local rateLimit rule limit unit must be a multiple of the default limit unit";
  for (const r of rules) if (r.selected) s.invalid ??= untranslatable(fields[r.index]);
  s.local = rules.map((r) => `${limitWords(r)}${r.selected ? ` for the requests rule ${r.index}'s clientSelectors match` : rules.some((o) => o.selected) ? " for the requests no rule's clientSelectors match" : ""}`);
  const zero = defaults.length === 1 && defaults[0].requests === 0 && !rules.some((r) => r.selected) ? defaults[0] : undefined;
  if (zero) s.refuses = { local: `local rule ${zero.index} allows ${limitWords(zero)}` };
  else if (defaults.length === 1 && defaults[0].requests === 0) s.defaultZero = defaults[0].index;
  for (const r of rules) if (r.selected) (s.selectorRules ??= []).push(selectorRule(fields[r.index], "local", r.index, r.requests));
}

/**
 * A rule's clientSelectors as the engine matches a request against them (RateLimitRule;
 * buildRateLimitRule's defaults: type Exact, path PathPrefix "/", sourceCIDR Exact, query parameter
 * Exact; the path and sourceCIDR of the last selector that sets them).
 */
function selectorRule(rule: Field, kind: RateLimitRule["kind"], index: number, requests: number): RateLimitRule {
  const out: RateLimitRule = { kind, index, requests, headers: [], methods: [], query: [], ...(rule.get("shadowMode").bool() === true ? { shadow: true } : {}) };
  for (const sel of rule.get("clientSelectors").list() ?? []) {
    for (const h of sel.get("headers").list() ?? []) {
      out.headers.push({ name: h.get("name").string() ?? "", type: (h.get("type").string() ?? "Exact") as RateLimitRule["headers"][number]["type"], value: h.get("value").string(), invert: h.get("invert").bool() === true });
    }
    for (const m of sel.get("methods").list() ?? []) out.methods.push({ value: m.get("value").string() ?? "", invert: m.get("invert").bool() === true });
    const path = sel.get("path");
    if (path.present) out.path = { type: (path.get("type").string() ?? "PathPrefix") as NonNullable<RateLimitRule["path"]>["type"], value: path.get("value").string() ?? "/", invert: path.get("invert").bool() === true };
    const cidr = sel.get("sourceCIDR");
    const parsed = cidr.present ? parseGoCidr(cidr.get("value").string() ?? "", "net") : undefined;
    // parseCIDR: the network as net.IPNet's String prints it (host bits cleared).
    const network = parsed && { ...parsed.cidr, text: `${formatAddress({ family: parsed.cidr.family, value: parsed.cidr.first })}/${parsed.cidr.prefix}` };
    if (network) out.source = { cidr: network, distinct: cidr.get("type").string() === "Distinct", invert: cidr.get("invert").bool() === true };
    for (const q of sel.get("queryParams").list() ?? []) {
      out.query.push({ name: q.get("name").string() ?? "", type: (q.get("type").string() ?? "Exact") as RateLimitRule["query"][number]["type"], value: q.get("value").string(), invert: q.get("invert").bool() === true });
    }
  }
  return out;
}

/** A rule's clientSelectors Envoy Gateway cannot translate: upstream's message, also warned at the rule. */
function untranslatable(rule: Field): string | undefined {
  const problem = rateLimitRuleError(rule);
  if (problem) rule.get("clientSelectors").warn("vendor-translation", `Envoy Gateway cannot translate this rule (${problem}): every HTTP route the policy applies to answers 500`);
  return problem;
}

/**
 * rateLimit.global (buildGlobalRateLimit): translated only where Envoy Gateway runs its rate limit
 * service (its EnvoyGateway configuration's rateLimit: "enable Ratelimit in the EnvoyGateway config to
 * configure global rateLimit", checked before the rules, settled once the load is read), each rule
 * through buildRateLimitRule; a rule without clientSelectors of `requests: 0` is over its limit for
 * every request (the rate limit service's limit 0: OVER_LIMIT, 429).
 */
function readGlobal(f: Field, s: RateLimitSummary, b: InventoryBuilder): void {
  s.global = true;
  const rules = f.get("rules").list() ?? [];
  const ruleError = rules.map((r) => rateLimitRuleError(r)).find((e) => e !== undefined);
  // A rule in shadowMode counts but is never enforced (the rate limit service's shadow_mode descriptor).
  const zero = rules.findIndex((r) => !(r.get("clientSelectors").list() ?? []).length && r.get("limit").get("requests").int() === 0 && r.get("shadowMode").bool() !== true);
  if (zero >= 0) s.refuses = { ...s.refuses, global: `global rule ${zero} allows no requests (requests: 0)` };
  rules.forEach((r, i) => { if ((r.get("clientSelectors").list() ?? []).length) (s.selectorRules ??= []).push(selectorRule(r, "global", i, r.get("limit").get("requests").int() ?? 0)); });
  stateOf(b).globals.push({ summary: s, field: f.detached(), localError: s.invalid !== undefined, ruleError });
}

/**
 * spec.rateLimit (buildRateLimit): the deprecated `type` picks one of local and global (the one it names
 * missing is an error: buildGlobalRateLimit "global configuration empty for rateLimit"); else both are read,
 * local first (buildBothRateLimit: the first error stands).
 */
function readRateLimit(f: Field, b: InventoryBuilder): RateLimitSummary | undefined {
  if (!f.object()) return undefined;
  const s: RateLimitSummary = { local: [], global: false };
  const type = f.get("type").string({ oneOf: ["Global", "Local"] });
  if (type !== "Global" && (type === "Local" || f.get("local").object())) readLocal(f.get("local"), s);
  if (s.invalid !== undefined) s.localInvalid = s.invalid;
  if (type !== "Local" && (type === "Global" || f.get("global").object())) {
    if (f.get("global").object()) readGlobal(f.get("global"), s, b);
    else { s.globalInvalid = "global configuration empty for rateLimit"; s.invalid ??= s.globalInvalid; }
  }
  return s;
}

/**
 * Envoy Gateway's own configuration, as far as answers depend on it: the EnvoyGateway document of
 * its ConfigMap (charts/gateway-helm templates/envoy-gateway-config.yaml: `envoy-gateway-config`, key
 * `envoy-gateway.yaml`, mounted as --config-path), whose `rateLimit` runs the rate limit service
 * (internal/gatewayapi/runner/runner.go: GlobalRateLimitEnabled is `RateLimit != nil`).
 */
interface EnvoyGatewayState {
  config?: { where: string; rateLimit: boolean };
  globals: { summary: RateLimitSummary; field: Field; localError: boolean; ruleError?: string }[];
}

const ENVOY_GATEWAY: StateKey<EnvoyGatewayState> = { make: () => ({ globals: [] }), settle };

function stateOf(b: InventoryBuilder): EnvoyGatewayState {
  return b.state(ENVOY_GATEWAY);
}

const ENABLE_RATELIMIT = "enable Ratelimit in the EnvoyGateway config to configure global rateLimit";

/** Once every object is read: each global rate limit against the configuration's rateLimit (or a warning that it is assumed). */
function settle(state: EnvoyGatewayState): void {
  for (const g of state.globals) {
    // (Each side's error is kept for a merged policy, which may take this global side beside another policy's local one.)
    g.summary.globalInvalid = state.config && !state.config.rateLimit ? ENABLE_RATELIMIT : g.ruleError;
    if (g.localError) continue;
    if (state.config && !state.config.rateLimit) {
      g.summary.invalid = ENABLE_RATELIMIT;
      g.field.warn("vendor-config", `Envoy Gateway's configuration (${state.config.where}) has no rateLimit, so its rate limit service does not run: Envoy Gateway cannot translate a global rate limit ("${ENABLE_RATELIMIT}") and every HTTP route the policy applies to answers 500`);
      continue;
    }
    if (g.ruleError) {
      g.summary.invalid = g.ruleError;
      g.field.warn("vendor-translation", `Envoy Gateway cannot translate this global rate limit (${g.ruleError}): every HTTP route the policy applies to answers 500`);
    }
    if (!state.config) g.field.warn("vendor-config", "a global rate limit is translated only where Envoy Gateway runs its rate limit service (rateLimit in its configuration, ConfigMap envoy-gateway-config key envoy-gateway.yaml), which the input does not show: read as enabled (without it, every HTTP route the policy applies to answers 500)");
  }
}

/**
 * Reads Envoy Gateway's configuration from its ConfigMap `envoy-gateway-config` (any namespace: the
 * chart's is the one Envoy Gateway is installed in, envoy-gateway-system by default), key
 * `envoy-gateway.yaml`.
 */
export function readEnvoyGatewayConfig(root: Field, meta: Meta, b: InventoryBuilder): void {
  if (meta.name !== "envoy-gateway-config") return;
  const doc = embeddedDocument(root.get("data").get("envoy-gateway.yaml"), ["data", "envoy-gateway.yaml"], "Envoy Gateway refuses to start", (key) => `${key} is given twice in Envoy Gateway's configuration: the last one is read`);
  if (doc) readConfig(doc, `ConfigMap ${meta.namespace}/${meta.name}`, root.get("metadata").get("name"), b);
}

/**
 * The EnvoyGateway document (api/v1alpha1/envoygateway_types.go EnvoyGatewaySpec), from its ConfigMap
 * or given as it is (the file --config-path names). A rateLimit the controller refuses
 * (rateLimitBackendError) stops it from starting. Its `envoyProxy` is the default EnvoyProxy spec
 * (GetEnvoyProxyDefaultSpec: EnvoyProxyDefaultSpec of every GatewayClass's resources, controller.go),
 * of which the engine reads mergeGateways and mergeBackends (engine/gateway/merge.ts); the rest of it
 * and the settings that change what Envoy Gateway manages are warned as not modelled.
 */
function readConfig(doc: Field, where: string, at: Field, b: InventoryBuilder): void {
  const state = stateOf(b);
  if (state.config) at.warn("vendor-config", `a second Envoy Gateway configuration (${where}; the first was ${state.config.where}): this one is read`);
  const rl = doc.get("rateLimit");
  const refused = rl.present ? rateLimitBackendError(rl.get("backend")) : undefined;
  if (refused) refused.at.error("invalid-value", `${refused.message}: Envoy Gateway refuses to start`);
  state.config = { where, rateLimit: rl.present };
  const proxy = doc.get("envoyProxy");
  const namespaceMode = doc.get("provider").get("kubernetes").get("deploy").get("type").string() === "GatewayNamespace";
  const controller = doc.get("gateway").get("controllerName").string();
  const patches = doc.get("extensionApis").get("enableEnvoyPatchPolicy").bool() === true;
  b.inv.routing.envoyGatewayConfig = {
    where, ...(proxy.object() ? { envoyProxy: readProxySettings(proxy, false) } : {}), ...(namespaceMode ? { gatewayNamespaceMode: true as const } : {}),
    ...(controller && controller !== ENVOY_GATEWAY_CONTROLLER ? { controllerName: controller } : {}), ...(patches ? { envoyPatchPolicy: true as const } : {}),
  };
  const unread = proxy.object() ? Object.keys(proxy.value as object).filter((k) => k !== "mergeGateways" && k !== "mergeBackends") : [];
  if (unread.length) proxy.warn("vendor-config", `Junction reads only mergeGateways and mergeBackends of Envoy Gateway's default EnvoyProxy; not modelled: ${unread.join(", ")} (the defaults of every Envoy unless a GatewayClass's or Gateway's EnvoyProxy replaces them)`);
  if (doc.get("extensionManager").present) doc.get("extensionManager").warn("vendor-config", "an extension server may change every listener, route and cluster Envoy Gateway writes: not modelled");
}

/**
 * An EnvoyProxy spec's settings (EnvoyProxySettings). An EnvoyProxy object with both mergeGateways true
 * and mergeBackends is refused by the CRD's rule (`!(has(self.mergeGateways) && self.mergeGateways &&
 * has(self.mergeBackends))`); the configuration's default is not validated so (ValidateEnvoyGateway
 * does not look at envoyProxy), and the translator refuses the Gateways instead (merge.ts).
 */
function readProxySettings(spec: Field, crd: boolean): EnvoyProxySettings {
  const mergeGateways = spec.get("mergeGateways").bool();
  // (An object, MergeBackendsConfig: another value is refused by the CRD's schema, and Envoy Gateway's
  // configuration decoder refuses it too; it was read as set.)
  const mergeBackends = spec.get("mergeBackends").object() !== undefined;
  if (crd && mergeGateways === true && mergeBackends) spec.error("invalid-value", "mergeGateways and mergeBackends cannot both be enabled");
  // provider.kubernetes.envoyService (KubernetesServiceSpec): type (the CRD's enum, default
  // LoadBalancer) and externalTrafficPolicy (Local or Cluster, default Local), read by peer.ts.
  const service = spec.get("provider").get("kubernetes").get("envoyService");
  const type = service.get("type").string(), etp = service.get("externalTrafficPolicy").string();
  const patch = readServicePatch(service.get("patch"));
  const envoyService = { ...(type !== undefined ? { type } : {}), ...(etp !== undefined ? { externalTrafficPolicy: etp } : {}), ...(patch ? { patch } : {}) };
  return { ...(mergeGateways !== undefined ? { mergeGateways } : {}), ...(mergeBackends ? { mergeBackends: true as const } : {}), ...(Object.keys(envoyService).length ? { envoyService } : {}) };
}

/**
 * provider.kubernetes.envoyService.patch (KubernetesPatchSpec): what its value does to the Service's
 * spec.type and spec.externalTrafficPolicy. Envoy Gateway applies it to the Service it makes
 * (infrastructure/kubernetes/proxy/resource_provider.go Service: utils.MergeWithPatch, a strategic merge
 * patch unless type JSONMerge); a scalar is replaced either way and null removes it.
 */
function readServicePatch(f: Field): ServicePatch | undefined {
  const spec = f.get("value").get("spec");
  if (!spec.object()) return undefined;
  const out: ServicePatch = {};
  for (const key of ["type", "externalTrafficPolicy"] as const) {
    const v = spec.get(key);
    if (v.value === null) out[key] = null;
    else if (v.present) out[key] = v.string() ?? null;
  }
  const strategic = (f.get("type").string() ?? "StrategicMerge") === "StrategicMerge";
  const directive = strategic ? Object.keys(spec.value as object).find((k) => k.startsWith("$")) : undefined;
  if (directive) out.unread = `the strategic merge directive ${directive} on spec`;
  return Object.keys(out).length ? out : undefined;
}

/**
 * validateEnvoyGatewayRateLimit's first error (api/v1alpha1/validation/envoygateway_validate.go), at
 * its field: a backend not Redis, no redis settings, not exactly one of url and urlRef, a urlRef whose
 * secretKeyRef lacks a name or key or is optional, a url one of whose comma-separated hosts Go's
 * url.Parse refuses (ValidateRedisURL: "10.0.0.1:6379" is such, "first path segment in URL cannot
 * contain colon"; "redis://10.0.0.1:6379" and "redis.ns.svc:6379" are not).
 */
function rateLimitBackendError(backend: Field): { at: Field; message: string } | undefined {
  if (backend.get("type").string() !== "Redis") return { at: backend.get("type"), message: `unsupported ratelimit backend ${String(backend.get("type").value ?? "")}` };
  const redis = backend.get("redis");
  if (!redis.object()) return { at: backend, message: "empty ratelimit redis settings" };
  const url = redis.get("url").string() ?? "", ref = redis.get("urlRef");
  if (!!url === ref.present) return { at: redis, message: "exactly one of ratelimit redis url or urlRef must be set" };
  if (ref.present) {
    const key = ref.get("secretKeyRef");
    if (!key.object() || !key.get("name").string() || !key.get("key").string()) return { at: ref, message: "ratelimit redis urlRef.secretKeyRef must set both name and key" };
    if (key.get("optional").bool() === true) return { at: key.get("optional"), message: "ratelimit redis urlRef.secretKeyRef.optional must not be true; the Secret is required" };
    return undefined;
  }
  const bad = url.split(",").map(goUrlParseError).find((e) => e !== undefined);
  return bad ? { at: redis.get("url"), message: `unknown ratelimit redis url format: ${bad}` } : undefined;
}

/** spec.responseOverride's rules (ResponseOverrideRule): the CRD's status code types Value (the default) and Range. */
function responseOverrides(spec: Field): Pick<BackendTrafficPolicy, "responseOverrides"> {
  const rules = (spec.get("responseOverride").list() ?? []).map((o, index): ResponseOverrideRule => {
    const m = o.get("match");
    const codes = (m.get("statusCodes").list() ?? []).flatMap((c): ResponseOverrideRule["codes"] => {
      if (c.get("type").string() === "Range") { const r = c.get("range"); const start = r.get("start").int(), end = r.get("end").int(); return start !== undefined && end !== undefined ? [{ start, end }] : []; }
      const value = c.get("value").int();
      return value !== undefined ? [{ value }] : [];
    });
    const source = (["Local", "Backend"].find((x) => x === o.get("source").string()) ?? "All") as ResponseOverrideRule["source"];
    const statusCode = o.get("response").get("statusCode").int();
    return { index, codes, headers: (m.get("responseHeaders").list() ?? []).length > 0, source, ...(statusCode !== undefined ? { statusCode } : {}), ...(o.get("redirect").object() ? { redirect: true as const } : {}) };
  });
  return rules.length ? { responseOverrides: rules } : {};
}

/** The ConfigMaps spec.responseOverride's bodies of type ValueRef name (getCustomResponseBody reads them from the policy's namespace). */
function responseBodies(spec: Field): Pick<BackendTrafficPolicy, "responseBodies"> {
  const names = (spec.get("responseOverride").list() ?? []).flatMap((o) => {
    const body = o.get("response").get("body");
    const name = body.get("type").string() === "ValueRef" ? body.get("valueRef").get("name").string() : undefined;
    return name ? [name] : [];
  });
  return names.length ? { responseBodies: names } : {};
}

/** spec.healthCheck (api/v1alpha1/healthcheck_types.go HealthCheck): its PanicThreshold, `+kubebuilder:validation:Minimum=0`, `Maximum=100`. */
function readHealthCheck(f: Field): BackendTrafficPolicy["healthCheck"] {
  if (!f.object()) return undefined;
  const panicThreshold = f.get("panicThreshold").int({ min: 0, max: 100 });
  return panicThreshold === undefined ? {} : { panicThreshold };
}

/**
 * spec.timeout.tcp.connectTimeout (the CRD's pattern: a Go duration, "0s" among them), which Envoy
 * Gateway writes as its routes' clusters' connect_timeout (internal/xds/translator/cluster.go
 * buildConnectTimeout); 0 is warned here, as Envoy's Cluster validation refuses it (engine.ts unpublished).
 */
function connectTimeout(spec: Field): Pick<BackendTrafficPolicy, "connectTimeout" | "timeoutSet"> {
  const f = spec.get("timeout").get("tcp").get("connectTimeout");
  const set = spec.get("timeout").object() ? { timeoutSet: true } : {};
  const ms = goDuration(f.string());
  if (ms === 0) f.warn("vendor-translation", "a connectTimeout of 0 is written as the clusters' connect_timeout 0s, which Envoy's Cluster validation refuses (\"value must be greater than 0s\"): Envoy Gateway's xDS translation fails and it publishes nothing for the Gateways of the routes the policy applies to");
  return ms === undefined ? set : { ...set, connectTimeout: ms };
}

/**
 * spec.retry (buildRetry): numRetries (the CRD defaults it to 2, as the API server would), retryOn's
 * triggers (the CRD's enum) and httpStatusCodes where written, perRetry.timeout and
 * backOff.baseInterval (the CRD's duration pattern; a 0s interval is featureErrors' "Retry" error).
 */
function readRetry(f: Field): BackendTrafficPolicy["retry"] {
  if (!f.object()) return undefined;
  const on = f.get("retryOn"), per = f.get("perRetry");
  const triggers = on.get("triggers").list(), codes = on.get("httpStatusCodes").list();
  const perTryMs = goDuration(per.get("timeout").string()), backoffMs = goDuration(per.get("backOff").get("baseInterval").string());
  return {
    numRetries: f.get("numRetries").int({ min: 0, max: 2147483647 }) ?? 2,
    ...(triggers ? { triggers: triggers.flatMap((t) => { const v = t.string(); return v === undefined ? [] : [v]; }) } : {}),
    ...(codes ? { httpStatusCodes: codes.flatMap((c) => { const v = c.int({ min: 100, max: 599 }); return v === undefined ? [] : [v]; }) } : {}),
    ...(perTryMs !== undefined ? { perTryMs } : {}), ...(backoffMs ? { backoffMs } : {}),
  };
}

/** spec.circuitBreaker's maxParallelRequests and maxPendingRequests, where set (engine/gateway/http.ts circuitOverflow). */
function circuitBreaker(spec: Field): Pick<BackendTrafficPolicy, "circuitBreaker"> {
  const cb = spec.get("circuitBreaker");
  const requests = cb.get("maxParallelRequests").int(), pending = cb.get("maxPendingRequests").int();
  return requests === undefined && pending === undefined ? {} : { circuitBreaker: { ...(requests !== undefined ? { maxParallelRequests: requests } : {}), ...(pending !== undefined ? { maxPendingRequests: pending } : {}) } };
}

/** spec.timeout.http.requestTimeout in ms (buildClusterSettingsTimeout; the CRD's duration pattern). */
function requestTimeout(spec: Field): Pick<BackendTrafficPolicy, "requestTimeout"> {
  const ms = goDuration(spec.get("timeout").get("http").get("requestTimeout").string());
  return ms === undefined ? {} : { requestTimeout: ms };
}

/**
 * The features that change how or when a backend is reached, not which answer a request gets, in
 * words (BackendTrafficPolicy.aside): faultInjection.delay (fault.go: fixed_delay for its percentage of
 * requests, the CRD's default 100), loadBalancer (which endpoint), circuitBreaker (an overflow answers 503
 * under load), healthCheck active and passive (unhealthy endpoints are left out, unless panic mode).
 */
function aside(spec: Field): Pick<BackendTrafficPolicy, "aside"> {
  const out: string[] = [];
  const delay = spec.get("faultInjection").get("delay");
  if (delay.object()) out.push(`faultInjection.delay ${delay.get("fixedDelay").string() ?? "?"} for ${typeof delay.get("percentage").value === "number" ? delay.get("percentage").value : 100}% of the requests`);
  const lb = spec.get("loadBalancer");
  if (lb.object()) out.push(`loadBalancer ${lb.get("type").string() ?? ""}`.trim());
  if (spec.get("circuitBreaker").object()) out.push("circuitBreaker (an overflow is answered 503)");
  const hc = spec.get("healthCheck");
  for (const k of ["active", "passive"]) if (hc.get(k).object()) out.push(`healthCheck.${k} (endpoints it finds unhealthy are not picked)`);
  return out.length ? { aside: out } : {};
}

/** deprecatedFieldsUsedInBackendTrafficPolicy: targetRef (use targetRefs), a compression list that is not empty (use compressor). */
function deprecatedFields(spec: Field): Pick<BackendTrafficPolicy, "deprecatedFields"> {
  const fields = [...(spec.get("targetRef").present ? ["spec.targetRef"] : []), ...((spec.get("compression").list() ?? []).length ? ["spec.compression"] : [])];
  return fields.length ? { deprecatedFields: fields } : {};
}

const backendTrafficPolicyFrontEnd: FrontEnd = {
  kind: "BackendTrafficPolicy", apiVersions: [ENVOY_GATEWAY_V1ALPHA1], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const policies = b.inv.routing.backendTrafficPolicies;
    const errors = featureErrors(spec), retry = readRetry(spec.get("retry"));
    for (const e of errors) spec.get(e.field).warn("vendor-translation", `Envoy Gateway cannot translate this (${e.message}): every HTTP route the policy applies to answers 500`);
    policies.push({
      namespace: meta.namespace!, name: meta.name, ...readLifecycle(root), order: policies.length, manifest: manifestOf(root), src: ctx.ref,
      targets: readTargets(spec), selectors: (spec.get("targetSelectors").list() ?? []).map(readTargetSelector), mergeType: spec.get("mergeType").string({ oneOf: ["StrategicMerge", "JSONMerge"] }) as BackendTrafficPolicy["mergeType"],
      abort: readAbort(spec.get("faultInjection").get("abort")), rateLimit: readRateLimit(spec.get("rateLimit"), b),
      errors, ...responseBodies(spec), ...responseOverrides(spec), healthCheck: readHealthCheck(spec.get("healthCheck")), ...connectTimeout(spec), ...deprecatedFields(spec),
      ...(retry ? { retry } : {}), ...requestTimeout(spec), ...aside(spec), ...circuitBreaker(spec),
    });
  },
};

/** EnvoyProxy (api/v1alpha1/envoyproxy_types.go): spec.mergeGateways and mergeBackends, read where a GatewayClass names it (engine/gateway/merge.ts). */
const envoyProxyFrontEnd: FrontEnd = {
  kind: "EnvoyProxy", apiVersions: [ENVOY_GATEWAY_V1ALPHA1], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    if (!meta) return;
    const proxies = b.inv.routing.envoyProxies;
    proxies.push({
      namespace: meta.namespace!, name: meta.name, ...readLifecycle(root), order: proxies.length, manifest: manifestOf(root), src: ctx.ref,
      ...readProxySettings(root.get("spec"), true),
    });
  },
};

/**
 * Envoy Gateway's configuration given as the EnvoyGateway document itself (the chart's
 * `envoy-gateway.yaml`, which has no metadata): read as from its ConfigMap.
 */
const envoyGatewayConfigFrontEnd: FrontEnd = {
  kind: "EnvoyGateway", apiVersions: [ENVOY_GATEWAY_V1ALPHA1], namespaced: false, live: false,
  read(root, ctx, b) {
    readConfig(root, `EnvoyGateway configuration ${ctx.ref.file}`, root.get("kind"), b);
  },
};

/** EnvoyPatchPolicy: its target and how many JSON patches it has (engine/gateway/patch-policy.ts: the answers it may change). */
const envoyPatchPolicyFrontEnd: FrontEnd = {
  kind: "EnvoyPatchPolicy", apiVersions: [ENVOY_GATEWAY_V1ALPHA1], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const t = spec.get("targetRef");
    if (!t.object(true)) return;
    const patches = (spec.get("jsonPatches").list() ?? []).length;
    (b.inv.routing.envoyPatchPolicies ??= []).push({
      namespace: meta.namespace!, name: meta.name, src: ctx.ref, patches,
      target: { group: t.get("group").string({ required: true }) ?? "", kind: t.get("kind").string({ required: true }) ?? "", name: t.get("name").string({ required: true }) ?? "" },
    });
  },
};

export const envoyGatewayFrontEnds: FrontEnd[] = [backendTrafficPolicyFrontEnd, envoyProxyFrontEnd, envoyGatewayConfigFrontEnd, envoyPatchPolicyFrontEnd];
