// Envoy Gateway's BackendTrafficPolicies (envoyproxy/gateway v1.9.0): which one governs the requests a
// route rule takes on a Gateway, and what its fault abort and rate limits do to them (its
// healthCheck.panicThreshold goes to the rule's backends: service-endpoints.ts chooseEndpoints).
//
// internal/gatewayapi/backendtrafficpolicy.go ProcessBackendTrafficPolicies walks the policies, sorted
// oldest first then by namespace/name (resource.go), target level by target level: route rules
// (targetRefs with sectionName), routes, ListenerSet listeners, ListenerSets, Gateway listeners, Gateways.
// The first policy to attach to a target takes it (resolveBackendTrafficPolicyRouteTargetRef,
// ...ListenerSetTargetRef, ...GatewayTargetRef: a later one is
// Conflicted, "another BackendTrafficPolicy has already attached to it"), and applyTrafficFeatureToRoute
// sets a route's traffic features only where a more specific level did not (`if r.Traffic != nil ...
// continue`): the whole policy of the most specific level applies, never a field-by-field mix, unless
// that policy has a mergeType (processBackendTrafficPolicyForRoute: merged into the policy of the route's
// listener, else of its Gateway; a ListenerSet's listener: its own, else its ListenerSet's, else the
// Gateway's, never a Gateway listener's, as gatewayPolicyTargetListeners leaves ListenerSet listeners
// out of a Gateway sectionName).

import { hasObject, MAX_RESPONSE_BODY, type ResponseOverrideRule, type BackendTrafficPolicy, type CircuitBreakerLimits, type FaultAbort, type Gateway, type ListenerSet, type RateLimitRule, type RateLimitSummary, type RouteGraph, type TrafficPolicyRetry, type TranslationError } from "../../model/gateway.js";
import { regexMatches, REGEX_SEMANTICS } from "../../model/regex.js";
import { grpcStatusName } from "../../model/request.js";
import { compareAgeThenName, GATEWAY_GROUP, type ObjectMeta, type Route, type RouteRule, namespacedName } from "../../model/route.js";
import { untimedTie } from "../../model/time.js";
import { matches, type Labels } from "../../model/selector.js";
import { permitted } from "./grants.js";
import { findTlsMaterial } from "./tlsrefs.js";
import { queryParameters } from "./query.js";
import { contains, formatAddress, type Address } from "../../model/ip.js";

const ROUTE_KINDS = new Set(["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"]);

/** The traffic features a route rule's requests get on one listener. */
export interface EffectiveTrafficPolicy {
  /** "namespace/name" of the policy, or of both policies merged (the route's first). */
  policies: string[];
  /** What it targets: "HTTPRoute shop/web rule api", "HTTPRoute shop/web", "listener http of Gateway infra/gw" (or "of ListenerSet shop/ls"), "ListenerSet shop/ls", "Gateway infra/gw". */
  target: string;
  abort?: FaultAbort;
  rateLimit?: RateLimitSummary;
  /** What Envoy Gateway cannot translate in the other features (buildTrafficFeatures): the routes answer 500. */
  errors: TranslationError[];
  /** healthCheck.panicThreshold: Envoy's healthy_panic_threshold for the rule's backends (unset: 50). */
  panicThreshold?: number;
  /** Younger policies that target the same and are Conflicted (they do nothing). */
  conflicted: string[];
  /** When the policy that took the target and one Conflicted there have no creationTimestamp: a note (model/time.ts untimedTie). */
  untimed?: string;
  /** timeout.tcp.connectTimeout in ms, when set (the route's, merged: else the parent's). */
  connectTimeout?: number;
  /** retry: the rule's retry policy where it has none of its own (merged: the route's fields over the parent's). */
  retry?: TrafficPolicyRetry;
  /** timeout.http.requestTimeout in ms: the route's timeout where the rule sets none (merged: the route's, else the parent's). */
  requestTimeout?: number;
  /** What it sets that does not change the answer (BackendTrafficPolicy.aside; merged: both policies'). */
  aside?: string[];
  /** responseOverride (merged: the route's list whole where it sets one, else the parent's). */
  responseOverrides?: ResponseOverrideRule[];
  /** circuitBreaker's request limits (merged field by field: the route's over the parent's). */
  circuitBreaker?: CircuitBreakerLimits;
}


/**
 * Envoy Gateway's policies of one kind on one target: the oldest takes it (without timestamps, the first
 * in the input), then by namespace, then name (compareAgeThenName); a note when neither the holder nor the one Conflicted has a creationTimestamp.
 */
export const untimedPolicies = (kind: string, held: ObjectMeta, conflicted: ObjectMeta) =>
  untimedTie({ created: held.created, label: `${kind} ${namespacedName(held)}` }, { created: conflicted.created, label: `${kind} ${namespacedName(conflicted)}` }, "Envoy Gateway's order (namespace, then name)", true);
const routeTarget = (kind: string, ns: string, name: string) => `${kind} ${ns}/${name}`;

/** What Envoy Gateway's route policies (BackendTrafficPolicy, SecurityPolicy) have in common: targets, selectors, mergeType. */
export type TargetingPolicy = Pick<BackendTrafficPolicy, keyof ObjectMeta | "targets" | "selectors" | "mergeType">;

/** A policy that took a target, and the younger ones Conflicted there. */
export interface HeldTarget<P> { target: string; held: { policy: P; conflicted: string[]; untimed?: string } }

/**
 * Which policy of one kind takes each target (route rule, route, ListenerSet listener, ListenerSet,
 * Gateway listener, Gateway): the oldest, then by namespace/name; the others are Conflicted ("another
 * BackendTrafficPolicy has already attached to it"; SecurityPolicy's resolveSecurityPolicy*TargetRef
 * alike). `levels` gives a route rule's most specific own policy (its rule's, else its route's) and its
 * parents' (listener, ListenerSet, Gateway), most specific first.
 */
export class PolicyTargets<P extends TargetingPolicy> {
  /** Target → the policy that took it, and the ones Conflicted there. */
  protected readonly taken = new Map<string, { policy: P; conflicted: string[]; untimed?: string }>();

  constructor(protected readonly graph: RouteGraph, namespaceLabels: (ns: string) => Labels, policies: readonly P[], kind: string) {
    // Gateway API routes only (a Linkerd HTTPRoute of the same name is another object).
    const routes = new Map(graph.routes.filter((r) => r.group === undefined).map((r) => [routeTarget(r.kind, r.namespace, r.name), r]));
    const gateways = new Map(graph.gateways.map((g) => [namespacedName(g), g]));
    const sets = new Map(graph.listenerSets.map((s) => [namespacedName(s), s]));
    for (const policy of [...policies].sort(compareAgeThenName)) {
      const refs = policy.targets.map((t) => ({ ns: policy.namespace, t }));
      for (const { ns, t } of [...selected(graph, policy, namespaceLabels, kind), ...refs]) {
        const key = targetKey(ns, t, routes, gateways, sets);
        if (key === undefined) continue;
        const held = this.taken.get(key);
        if (held) {
          held.conflicted.push(namespacedName(policy));
          held.untimed ??= untimedPolicies(kind, held.policy, policy);
        } else this.taken.set(key, { policy, conflicted: [] });
      }
    }
  }

  /** A rule's own policy (its rule's, else its route's) and its parents' that hold a policy, most specific first. */
  levels(gateway: Gateway, listener: string, set: ListenerSet | undefined, route: Route, rule: RouteRule): { own?: HeldTarget<P>; parents: HeldTarget<P>[] } {
    const r = routeTarget(route.kind, route.namespace, route.name);
    const own = (rule.name !== undefined ? this.held(`${r} rule ${rule.name}`) : undefined) ?? this.held(r);
    const parents = this.parentTargets(gateway, listener, set).flatMap((t) => { const h = this.held(t); return h ? [h] : []; });
    return { ...(own ? { own } : {}), parents };
  }

  /** A route's parents, most specific first: its listener, then its ListenerSet (a listener of one), then the Gateway. */
  protected parentTargets(gateway: Gateway, listener: string, set: ListenerSet | undefined): string[] {
    return [...(set ? [`listener ${listener} of ListenerSet ${namespacedName(set)}`, `ListenerSet ${namespacedName(set)}`] : [`listener ${listener} of Gateway ${namespacedName(gateway)}`]), `Gateway ${namespacedName(gateway)}`];
  }

  protected held(target: string): HeldTarget<P> | undefined {
    const held = this.taken.get(target);
    return held && { target, held };
  }
}

export class TrafficPolicyIndex extends PolicyTargets<BackendTrafficPolicy> {
  constructor(graph: RouteGraph, namespaceLabels: (ns: string) => Labels) {
    super(graph, namespaceLabels, graph.backendTrafficPolicies, "BackendTrafficPolicy");
  }

  /** The policy a rule of `route` gets on `listener` of `gateway`, a listener of ListenerSet `set` when given. */
  effective(gateway: Gateway, listener: string, set: ListenerSet | undefined, route: Route, rule: RouteRule): EffectiveTrafficPolicy | undefined {
    return this.found(gateway, listener, set, route, rule);
  }

  private found(gateway: Gateway, listener: string, set: ListenerSet | undefined, route: Route, rule: RouteRule): EffectiveTrafficPolicy | undefined {
    const { own, parents: [parent] } = this.levels(gateway, listener, set, route, rule);
    const errors = (p: BackendTrafficPolicy) => this.translationErrors(p);
    if (!own) return parent && describe(parent, errors(parent.held.policy));
    if (!own.held.policy.mergeType || !parent) return describe(own, errors(own.held.policy));
    return { ...merged(own.held.policy, parent.held.policy, errors), target: own.target, conflicted: own.held.conflicted, ...(own.held.untimed ? { untimed: own.held.untimed } : {}) };
  }

  /** What Envoy Gateway cannot translate in a policy's features other than rateLimit (its own, and its responseOverride ConfigMaps'). */
  translationErrors(p: BackendTrafficPolicy): TranslationError[] {
    return [...p.errors, ...this.bodyErrors(p)];
  }

  /**
   * getCustomResponseBody's errors for a responseOverride body's ConfigMap (the first, as
   * buildResponseOverride returns): not in the input ("can't find the referenced configmap"), no
   * data ("can't find the key response.body"), its body over MAX_RESPONSE_BODY bytes (response.body's,
   * else the first value a Go map range gives: an error here only when every value is over).
   */
  private bodyErrors(p: BackendTrafficPolicy): TranslationError[] {
    const error = (name: string): string | undefined => {
      if (!hasObject(this.graph, "", "ConfigMap", p.namespace, name)) return `can't find the referenced configmap ${p.namespace}/${name}`;
      const sizes = findTlsMaterial(this.graph, "ConfigMap", p.namespace, name)?.bodyBytes;
      if (sizes === undefined) return undefined;
      if (!sizes.length) return `can't find the key response.body in the referenced configmap ${p.namespace}/${name}`;
      const least = Math.min(...sizes);
      return least > MAX_RESPONSE_BODY ? `response.body size ${least} greater than the max size ${MAX_RESPONSE_BODY} (ConfigMap ${p.namespace}/${name})` : undefined;
    };
    const first = (p.responseBodies ?? []).map(error).find((e) => e !== undefined);
    return first ? [{ field: "responseOverride", message: `ResponseOverride: ${first}` }] : [];
  }

  /**
   * The healthCheck.panicThreshold a TCPRoute's or TLSRoute's rule gets (streamFeature): the healthCheck
   * of the most specific policy that sets one; a route's policy with a mergeType merged into its
   * parent's first (the parent's panicThreshold where the route's healthCheck sets none).
   */
  streamPanicThreshold(gateway: Gateway, listener: string, set: ListenerSet | undefined, route: Route, rule: RouteRule): number | undefined {
    const merge = (p: BackendTrafficPolicy, into: BackendTrafficPolicy) => (p.healthCheck || into.healthCheck ? { panicThreshold: p.healthCheck?.panicThreshold ?? into.healthCheck?.panicThreshold } : undefined);
    return this.streamFeature(gateway, listener, set, route, rule, (p) => p.healthCheck, merge)?.panicThreshold;
  }

  /**
   * The connect timeout a TCPRoute's or TLSRoute's rule gets (streamFeature), with the policies it
   * comes from: the whole `timeout` of the most specific policy that sets one (`setIfNil(&r.Timeout,
   * tf.Timeout)`: a route policy's `timeout: {http: ...}` hides the Gateway's tcp.connectTimeout, and
   * its cluster gets the default 10s), merged field by field with a mergeType. `ms` undefined: the
   * default. UDP routes take no timeout (their features are loadBalancer and dns only).
   */
  streamConnectTimeout(gateway: Gateway, listener: string, set: ListenerSet | undefined, route: Route, rule: RouteRule): { ms?: number; policies: string[] } | undefined {
    const own = (p: BackendTrafficPolicy) => (p.timeoutSet ? { ms: p.connectTimeout, policies: [namespacedName(p)] } : undefined);
    const merge = (p: BackendTrafficPolicy, into: BackendTrafficPolicy) => (p.timeoutSet || into.timeoutSet ? { ms: p.connectTimeout ?? into.connectTimeout, policies: [namespacedName(p), namespacedName(into)] } : undefined);
    return this.streamFeature(gateway, listener, set, route, rule, own, merge);
  }

  /**
   * A feature of a TCP route's rule as Envoy Gateway sets it (envoyproxy/gateway v1.9.0 backendtrafficpolicy.go
   * applyTrafficFeatureToRoute and translateBackendTrafficPolicyForListeners: one by one, `setIfNil(&r.X,
   * tf.X)`, for TCPRoutes and TLSRoutes alike, whatever errors the policy's other features have): from
   * the most specific level whose policy sets it; a route's policy with a mergeType is merged into its
   * parent's first (translateBackendTrafficPolicyForRouteWithMerge). A policy that targets a TLSRoute's
   * rule (sectionName) sets nothing: applyTrafficFeatureToRoute skips a route whose
   * `r.Destination.Metadata.SectionName` differs from the target's, and route.go
   * processTLSRouteParentRefs writes a TLSRoute's destination with `buildResourceMetadata(tlsRoute, nil)`
   * (its rules' backends pooled in one destination: no section name), unlike a TCPRoute's (its rule's name).
   */
  private streamFeature<T>(gateway: Gateway, listener: string, set: ListenerSet | undefined, route: Route, rule: RouteRule, feature: (p: BackendTrafficPolicy) => T | undefined, merge: (p: BackendTrafficPolicy, into: BackendTrafficPolicy) => T | undefined): T | undefined {
    const r = routeTarget(route.kind, route.namespace, route.name);
    const own = [rule.name !== undefined && route.kind !== "TLSRoute" ? this.held(`${r} rule ${rule.name}`) : undefined, this.held(r)].flatMap((x) => (x ? [x.held.policy] : []));
    const parent = this.parentTargets(gateway, listener, set).flatMap((t) => { const x = this.held(t); return x ? [x.held.policy] : []; });
    const levels = [...own.map((p) => (p.mergeType && parent[0] ? merge(p, parent[0]) : feature(p))), ...parent.map(feature)];
    return levels.find((x) => x !== undefined);
  }

}

/**
 * The targets a policy's targetSelectors pick (helpers.go resolvePolicyTargetsFromSelectors): objects of
 * the kind whose labels match, in the policy's namespace (namespaces.from Same, the default), any (All)
 * or those whose labels match (Selector); in another namespace only with a ReferenceGrant from
 * BackendTrafficPolicy there (isCrossNamespaceReferencePermitted).
 */
export function selected(graph: RouteGraph, policy: Pick<BackendTrafficPolicy, "namespace" | "selectors">, namespaceLabels: (ns: string) => Labels, kind = "BackendTrafficPolicy"): { ns: string; t: BackendTrafficPolicy["targets"][number] }[] {
  const out: { ns: string; t: BackendTrafficPolicy["targets"][number] }[] = [];
  const from = { group: "gateway.envoyproxy.io", kind, namespace: policy.namespace };
  for (const s of policy.selectors) {
    if (s.group !== GATEWAY_GROUP) continue;
    const candidates: ObjectMeta[] = s.kind === "Gateway" ? graph.gateways : s.kind === "ListenerSet" ? graph.listenerSets : graph.routes.filter((r) => r.kind === s.kind && !r.group && !r.derivedFrom);
    for (const o of candidates) {
      const inNamespace = s.namespaces.from === "All" || (s.namespaces.from === "Same" ? o.namespace === policy.namespace : matches(s.namespaces.selector!, namespaceLabels(o.namespace)));
      if (!inNamespace || !matches(s.labels, labelsOf(o))) continue;
      if (!permitted(graph.referenceGrants, from, { group: GATEWAY_GROUP, kind: s.kind, namespace: o.namespace, name: o.name })) continue;
      out.push({ ns: o.namespace, t: { group: GATEWAY_GROUP, kind: s.kind, name: o.name } });
    }
  }
  return out;
}

/** An object's metadata.labels, as read (the manifest it was read from). */
function labelsOf(o: ObjectMeta): Labels {
  const labels = (o.manifest?.metadata as { labels?: unknown } | undefined)?.labels;
  return labels !== null && typeof labels === "object" ? labels as Labels : {};
}

function describe(at: { target: string; held: { policy: BackendTrafficPolicy; conflicted: string[]; untimed?: string } }, errors: TranslationError[]): EffectiveTrafficPolicy {
  const p = at.held.policy;
  return { policies: [namespacedName(p)], target: at.target, abort: p.abort, rateLimit: p.rateLimit, errors, panicThreshold: p.healthCheck?.panicThreshold, conflicted: at.held.conflicted, ...(at.held.untimed ? { untimed: at.held.untimed } : {}), ...(p.connectTimeout !== undefined ? { connectTimeout: p.connectTimeout } : {}), ...timing(p), ...(p.aside ? { aside: p.aside } : {}), ...(p.responseOverrides ? { responseOverrides: p.responseOverrides } : {}), ...(p.circuitBreaker ? { circuitBreaker: p.circuitBreaker } : {}) };
}

/**
 * The target key of a targetRef, or undefined when Envoy Gateway does not attach it: another group or
 * kind, an object not in the input, or a sectionName naming no rule or listener of it
 * (validateRouteRuleSectionName, validateGatewayListenerSectionName, validateListenerSetListenerSectionName:
 * a resolve error, not an attachment).
 */
function targetKey(ns: string, t: BackendTrafficPolicy["targets"][number], routes: Map<string, Route>, gateways: Map<string, Gateway>, sets: Map<string, ListenerSet>): string | undefined {
  if (t.group !== GATEWAY_GROUP) return undefined;
  if (t.kind === "ListenerSet") {
    const set = sets.get(`${ns}/${t.name}`);
    if (!set) return undefined;
    if (t.sectionName === undefined) return `ListenerSet ${ns}/${t.name}`;
    return set.listeners.some((l) => l.name === t.sectionName) ? `listener ${t.sectionName} of ListenerSet ${ns}/${t.name}` : undefined;
  }
  if (t.kind === "Gateway") {
    const gw = gateways.get(`${ns}/${t.name}`);
    if (!gw) return undefined;
    if (t.sectionName === undefined) return `Gateway ${ns}/${t.name}`;
    return gw.listeners.some((l) => l.name === t.sectionName) ? `listener ${t.sectionName} of Gateway ${ns}/${t.name}` : undefined;
  }
  if (!ROUTE_KINDS.has(t.kind)) return undefined;
  const key = routeTarget(t.kind, ns, t.name);
  const route = routes.get(key);
  if (!route) return undefined;
  if (t.sectionName === undefined) return key;
  return route.rules.some((r) => r.name === t.sectionName) ? `${key} rule ${t.sectionName}` : undefined;
}

/**
 * A route's policy with a mergeType merged into its parent's (mergeBackendTrafficPolicy: the parent
 * patched with the route's spec, JSON merge or strategic merge, which for these fields are alike: an
 * object's fields merge, a list is replaced). The abort keeps the parent's fields the route's does not
 * set, so it may carry both statuses (trafficPolicyOutcome: the gRPC one answers).
 */
function merged(route: BackendTrafficPolicy, parent: BackendTrafficPolicy, errorsOf: (p: BackendTrafficPolicy) => TranslationError[]): Pick<EffectiveTrafficPolicy, "policies" | "abort" | "rateLimit" | "errors" | "panicThreshold" | "connectTimeout" | "aside" | "responseOverrides" | "circuitBreaker"> {
  const abort = route.abort && parent.abort
    ? { httpStatus: route.abort.httpStatus ?? parent.abort.httpStatus, grpcStatus: route.abort.grpcStatus ?? parent.abort.grpcStatus, percentage: route.abort.percentage }
    : route.abort ?? parent.abort;
  const rl = route.rateLimit && parent.rateLimit ? mergedRateLimit(route.rateLimit, parent.rateLimit) : route.rateLimit ?? parent.rateLimit;
  // The merged spec has the route's features and the parent's the route does not set (a feature both
  // set is merged field by field; its errors are read as the route's, which decide the merged value
  // wherever they are set; a responseOverride list is the route's whole, its ConfigMaps in the route
  // policy's namespace: buildBackendTrafficPolicyOwners).
  const routeSpec = (route.manifest?.spec ?? {}) as Record<string, unknown>;
  const errors = [...errorsOf(route), ...errorsOf(parent).filter((e) => routeSpec[e.field] === undefined)];
  const connectTimeout = route.connectTimeout ?? parent.connectTimeout;
  // retry merged field by field (the route's numRetries, which the CRD defaults, over the parent's).
  const retry = route.retry && parent.retry ? { ...parent.retry, ...route.retry } : route.retry ?? parent.retry;
  return { policies: [namespacedName(route), namespacedName(parent)], abort, rateLimit: rl, errors, panicThreshold: route.healthCheck?.panicThreshold ?? parent.healthCheck?.panicThreshold, ...(connectTimeout !== undefined ? { connectTimeout } : {}), ...timing({ retry, requestTimeout: route.requestTimeout ?? parent.requestTimeout }), ...(route.aside || parent.aside ? { aside: [...new Set([...(route.aside ?? []), ...(parent.aside ?? [])])] } : {}), ...(route.responseOverrides ?? parent.responseOverrides ? { responseOverrides: route.responseOverrides ?? parent.responseOverrides } : {}), ...(route.circuitBreaker || parent.circuitBreaker ? { circuitBreaker: { ...parent.circuitBreaker, ...route.circuitBreaker } } : {}) };
}

/** A policy's retry and request timeout, where set. */
const timing = (p: Pick<BackendTrafficPolicy, "retry" | "requestTimeout">): Pick<EffectiveTrafficPolicy, "retry" | "requestTimeout"> =>
  ({ ...(p.retry ? { retry: p.retry } : {}), ...(p.requestTimeout !== undefined ? { requestTimeout: p.requestTimeout } : {}) });

/**
 * The route's rateLimit merged into its parent's: the local limits of the one that has them (the route's
 * first), the global limit of either (the route's first); each side's error, requests: 0 rules and
 * selector rules come from the policy that gives that side, and the local error stands first
 * (buildBothRateLimit on the merged spec). (The global side was the local one's policy's: a Gateway
 * policy's global limit beside a route's local one lost its error and its rules, 200 for 500 or 429.)
 */
function mergedRateLimit(route: RateLimitSummary, parent: RateLimitSummary): RateLimitSummary {
  const local = route.local.length || route.localInvalid !== undefined ? route : parent, global = route.global || route.globalInvalid !== undefined ? route : parent;
  const refuses = { ...(local.refuses?.local ? { local: local.refuses.local } : {}), ...(global.refuses?.global ? { global: global.refuses.global } : {}) };
  const selectorRules = [...(local.selectorRules ?? []).filter((r) => r.kind === "local"), ...(global.selectorRules ?? []).filter((r) => r.kind === "global")];
  const invalid = local.localInvalid ?? global.globalInvalid;
  return {
    local: local.local, global: route.global || parent.global,
    ...(local.defaultZero !== undefined ? { defaultZero: local.defaultZero } : {}),
    ...(refuses.local || refuses.global ? { refuses } : {}), ...(selectorRules.length ? { selectorRules } : {}),
    ...(invalid !== undefined ? { invalid } : {}), ...(local.localInvalid !== undefined ? { localInvalid: local.localInvalid } : {}), ...(global.globalInvalid !== undefined ? { globalInvalid: global.globalInvalid } : {}),
  };
}

/**
 * The share of requests a fault abort's percentage aborts, as Envoy Gateway writes it: a float32,
 * FromFloat32 (internal/xds/utils/fractionalpercent) `uint32(p * 10000)` per million, the product in
 * float32 and truncated: below 0.0001% nothing, 99.99999% is 999999 per million, not every request.
 */
export function abortPerMillion(percentage: number): number {
  if (percentage >= 100) return 1_000_000;
  const product = Math.fround(Math.fround(percentage) * 10000);
  return product > 0 ? Math.min(Math.trunc(product), 1_000_000) : 0;
}

/**
 * What the policy does to a request: `stop` when every request gets the same answer from the Gateway;
 * `notes` for what some requests get; `inert` for what the policy writes but changes no answer (an
 * abort whose percentage Envoy Gateway writes as 0 per million).
 */
export interface TrafficPolicyOutcome {
  /** `cause`: a policy Envoy Gateway cannot translate (500), a fault abort, a rate limit of no requests (429). */
  stop?: { status: number; grpcCode?: string; reason: string; cause: "untranslatable" | "abort" | "rate-limit" };
  notes: string[];
  inert: string[];
}

/**
 * Envoy Gateway's HTTP filter order (internal/xds/translator/httpfilters.go newOrderedHTTPFilter): the
 * fault filter (order 2) before CORS (3) and everything else, the local rate limit (302) and global
 * rate limit (303) just before the router; a policy Envoy Gateway cannot translate makes its routes
 * answer 500 (applyTrafficFeatureToRoute: "setting 500 direct response in routes due to errors").
 */
export function trafficPolicyOutcome(p: EffectiveTrafficPolicy, grpc: boolean, req?: RateLimitRequest): TrafficPolicyOutcome {
  const who = `BackendTrafficPolicy ${p.policies.join(" merged into ")}`;
  const errors = [...(p.rateLimit?.invalid ? [`RateLimit: ${p.rateLimit.invalid}`] : []), ...p.errors.map((e) => e.message)];
  if (errors.length) return { stop: { status: 500, reason: `${who} cannot be translated (${errors.join("; ")}): Envoy Gateway answers every request of its routes 500`, cause: "untranslatable" }, notes: [], inert: [] };
  const notes: string[] = [], inert: string[] = [];
  const a = p.abort;
  const perMillion = a ? abortPerMillion(a.percentage) : 0;
  if (a && perMillion === 0 && a.percentage > 0) inert.push(`faultInjection.abort's percentage ${a.percentage} aborts no request: Envoy Gateway writes it as ${perMillion} per million (float32, truncated)`);
  if (a && perMillion > 0) {
    // Envoy's FaultAbort has one error_type (a oneof), which Envoy Gateway sets from httpStatus, then from
    // grpcStatus (internal/xds/translator/fault.go patchRoute): a merged abort with both gives the gRPC
    // status. A gRPC status is answered with HTTP 200 and that grpc-status (fault_filter.cc abortStatus).
    const grpcCode = a.grpcStatus !== undefined ? grpcStatusName(a.grpcStatus) : undefined;
    const status = grpcCode !== undefined ? 200 : a.httpStatus ?? 200;
    const answer = grpcCode !== undefined ? `200 with grpc-status ${grpcCode}` : `${a.httpStatus}`;
    if (perMillion >= 1_000_000) return { stop: { status, grpcCode: grpc ? grpcCode : undefined, reason: `${who} aborts every request with ${answer} (faultInjection.abort, 100%)`, cause: "abort" }, notes, inert };
    const share = perMillion / 10_000;
    notes.push(`${share}% of the requests are aborted with ${answer} by ${who} (faultInjection.abort${share !== a.percentage ? `, percentage ${a.percentage} written as ${perMillion} per million` : ""})`);
  }
  const rl = p.rateLimit;
  // A local rule of requests: 0 does not get here (selectorRefusal): the global one's refusal.
  const refusal = rl?.refuses?.global;
  if (refusal) return { stop: { status: 429, reason: `${who} refuses every request with 429: its ${refusal} (the rate limit service's limit 0)`, cause: "rate-limit" }, notes, inert };
  const matched = rl && req ? selectorRefusal(rl, req) : {};
  if (matched.refusal) return { stop: { status: 429, reason: `${who} refuses the request with 429: ${matched.refusal}`, cause: "rate-limit" }, notes, inert };
  if (matched.unknown) notes.push(`${matched.unknown} (${who})`);
  if (rl?.local.length) notes.push(`requests over the local rate limit (${rl.local.join("; ")}) get 429 from ${who}`);
  if (rl?.global) notes.push(`requests over the global rate limit get 429 from ${who} (Envoy Gateway's rate limit service)`);
  if (p.aside?.length) notes.push(`${who} sets ${p.aside.join("; ")}: these change how or when the backend is reached (an endpoint's pick, a delay, an overflow or unhealthy endpoints Junction cannot see), not this answer`);
  return { notes, inert };
}

/**
 * The policy as Envoy Gateway writes it for `rule`: a rule that redirects has no route action, and
 * the rate limits are written only on routes with one (local_ratelimit.go patchRoute `routeAction ==
 * nil`, ratelimit.go patchRouteWithRateLimit `route.GetRoute() == nil`); its fault abort and its
 * translation errors (a 500 direct response) still apply.
 */
export function forRule(p: EffectiveTrafficPolicy, rule: RouteRule): EffectiveTrafficPolicy {
  const redirects = rule.filters.some((f) => f.type === "RequestRedirect");
  return redirects && p.rateLimit && p.rateLimit.invalid === undefined ? { ...p, rateLimit: undefined } : p;
}

/**
 * The local rate limit rule of `requests: 0` Envoy Gateway programs for a rule with this policy, if any:
 * it writes every local token bucket with max_tokens and tokens_per_fill both `requests`
 * (internal/xds/translator/local_ratelimit.go patchRoute, buildRouteLocalRateLimits), and Envoy 1.39's
 * TokenBucket takes max_tokens 0 ("always reject") but not tokens_per_fill 0 (type/v3/token_bucket.proto:
 * `tokens_per_fill ... uint32 = {gt: 0}`), which it checks when it builds the route's per-filter config:
 * the whole route configuration is refused (engine.ts rejectedRouteConfig). Envoy Gateway's own check
 * (ResourceVersionTable.ValidateAll) does not look inside the typed_per_filter_config Any, so it
 * publishes it. None when the policy cannot be translated (the route is a 500 direct response, no rate
 * limit is written).
 */
export function zeroTokenBucket(p: EffectiveTrafficPolicy): string | undefined {
  return p.rateLimit && p.rateLimit.invalid === undefined && !p.errors.length ? zeroLocalRule(p.rateLimit) : undefined;
}

/** A local rule of `requests: 0` of a rate limit, in words. */
export function zeroLocalRule(rl: RateLimitSummary): string | undefined {
  if (rl.refuses?.local) return rl.refuses.local;
  if (rl.defaultZero !== undefined) return `local rule ${rl.defaultZero} allows no requests (requests: 0)`;
  const rule = rl.selectorRules?.find((r) => r.kind === "local" && r.requests === 0);
  return rule && `local rule ${rule.index} allows no requests (requests: 0)`;
}

/**
 * What a rate limit rule's clientSelectors read of a request: its method, its :path (with the query),
 * its headers, and the client address Envoy reads (RemoteAddressMatch: the downstream remote address,
 * as the listener's ClientTrafficPolicy makes it: client-policy.ts clientAddress): unset when not
 * known, `addressUnknown` says why.
 */
export interface RateLimitRequest { method: string; path: string; headers: readonly (readonly [string, string])[]; clientAddress?: Address; addressUnknown?: string; addressVia?: string }

/**
 * A rule of `requests: 0` whose clientSelectors the request matches refuses it (the rate limit
 * service's limit 0), unless it is in shadowMode; `unknown`: such a rule that reads the client address
 * when it is not known. A local rule of 0 (a default one, or one with clientSelectors) never gets
 * here: Envoy refuses the listener's whole route configuration with it (zeroTokenBucket; engine.ts
 * rejectedRouteConfig), which http.ts answers 404 before the rule's policy applies, and the nginx
 * target refuses it.
 */
function selectorRefusal(rl: RateLimitSummary, req: RateLimitRequest): { refusal?: string; unknown?: string } {
  const address = req.clientAddress;
  const blocking = (rl.selectorRules ?? []).filter((r) => r.requests === 0 && !r.shadow);
  const hit = blocking.find((r) => selectorsMatch(r, req, address) === true);
  if (hit) return { refusal: `its ${hit.kind} rule ${hit.index} allows no requests (requests: 0), and the request matches its clientSelectors${hit.source ? ` (the client address ${formatAddress(address!)}${req.addressVia ? `, read from ${req.addressVia},` : ""} is ${hit.source.invert ? "outside" : "in"} sourceCIDR ${hit.source.cidr.text})` : ""}` };
  const undecided = blocking.find((r) => selectorsMatch(r, req, address) === undefined);
  if (!undecided) return {};
  const why = req.addressUnknown ?? "the request names no client, `from`";
  return { unknown: `its ${undecided.kind} rule ${undecided.index} (requests: 0), whose sourceCIDR ${undecided.source!.cidr.text}${undecided.source!.invert ? " (invert)" : ""} reads the client address, which Junction does not know (${why}), may refuse the request with 429` };
}

/**
 * Whether Envoy builds the rule's descriptor for the request (internal/xds/translator/local_ratelimit.go,
 * the same actions for the global limit): each header match a HeaderValueMatch on the header (Exact, or
 * RE2 over the whole value; Envoy 1.39 matches each value of a repeated header alone), produced when
 * it matches unless `invert` (expect_match false); Distinct a RequestHeaders action, produced when the
 * header is there; the path a HeaderValueMatch on :path (query included): PathPrefix "/" a prefix,
 * another prefix regex.PathSeparatedPrefixRegex, Exact and RegularExpression as written; the methods
 * one rate limit each, any of them; sourceCIDR a RemoteAddressMatch (the client address in the CIDR,
 * or outside it with `invert`; Distinct adds a second one of the same range, so it matches alike); each
 * query parameter a QueryParameterValueMatch (parseAndDecodeQueryString, the parameter's first value,
 * absent: no match; `invert`: expect_match false) or, Distinct, a QueryParameters action (produced when
 * the parameter is there). Undefined when the rule reads the client address and it is not known.
 */
function selectorsMatch(r: RateLimitRule, req: RateLimitRequest, address: Address | undefined): boolean | undefined {
  const values = (name: string) => req.headers.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
  const re2 = (pattern: string, input: string) => regexMatches(pattern, REGEX_SEMANTICS.gatewayApi, input);
  for (const h of r.headers) {
    const vs = values(h.name);
    if (h.type === "Distinct") { if (!vs.length) return false; continue; }
    const hit = vs.some((v) => (h.type === "Exact" ? v === h.value : re2(h.value ?? "", v)));
    if (hit === h.invert) return false;
  }
  if (r.path) {
    const { type, value, invert } = r.path;
    const hit = type === "Exact" ? req.path === value : type === "RegularExpression" ? re2(value, req.path)
      : value === "/" ? req.path.startsWith("/") : re2(`^${quoteMeta(value.replace(/\/$/, ""))}(/.*|\\?.*|#.*|;.*|$)`, req.path);
    if (hit === invert) return false;
  }
  if (r.query.length) {
    const q = req.path.indexOf("?");
    const params = queryParameters(q < 0 ? "" : req.path.slice(q + 1));
    for (const p of r.query) {
      const first = params.get(p.name)?.[0];
      if (p.type === "Distinct") { if (first === undefined) return false; continue; }
      const hit = first !== undefined && (p.type === "Exact" ? first === p.value : re2(p.value ?? "", first));
      if (hit === p.invert) return false;
    }
  }
  if (!(!r.methods.length || r.methods.some((m) => (req.method === m.value) !== m.invert))) return false;
  if (r.source) {
    if (!address) return undefined;
    if (contains(r.source.cidr, address) === r.source.invert) return false;
  }
  return true;
}

/** Go's regexp.QuoteMeta. */
const quoteMeta = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");

/**
 * The responseOverride rule that takes a response (Envoy's custom_response filter, order 0 in Envoy
 * Gateway's chain: it sees the upstream's responses and every filter's local reply): the first whose
 * status codes match (a value, or a range: start <= code <= end) and whose source fits (Local: a reply
 * Envoy made; Backend: the upstream's). `unknown` when a rule that could take it also matches response
 * headers, or redirects (an internal redirect), which Junction does not follow.
 */
export function responseOverride(p: EffectiveTrafficPolicy, status: number, local: boolean): { rule: ResponseOverrideRule; status: number } | { unknown: string } | undefined {
  for (const r of p.responseOverrides ?? []) {
    if (r.source === "Local" && !local || r.source === "Backend" && local) continue;
    if (!r.codes.some((c) => ("value" in c ? c.value === status : c.start <= status && status <= c.end))) continue;
    if (r.headers) return { unknown: `responseOverride ${r.index} of BackendTrafficPolicy ${p.policies.join(" merged into ")} matches status ${status} and response headers, which Junction does not see` };
    if (r.redirect) return { unknown: `responseOverride ${r.index} of BackendTrafficPolicy ${p.policies.join(" merged into ")} redirects a ${status} response (custom_response redirect_policy: an internal redirect Junction does not follow)` };
    return { rule: r, status: r.statusCode ?? status };
  }
  return undefined;
}
