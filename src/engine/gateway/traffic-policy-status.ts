// The status Envoy Gateway (v1.9.0) writes on its BackendTrafficPolicies: one ancestor per Gateway,
// Gateway listener, ListenerSet (listener) the policy reaches, with Accepted (True; False Conflicted,
// TargetNotFound or Invalid), Merged, Overridden and Warning conditions.
//
// internal/gatewayapi/backendtrafficpolicy.go ProcessBackendTrafficPolicies, per GatewayClass (each
// class is one translation, with its own Gateways, routes and ListenerSets), walks the policies
// (oldest first, then namespace/name) level by level: targetRefs naming a route rule, routes
// (targetRefs and targetSelectors), ListenerSet listeners, ListenerSets, Gateway listeners, Gateways.
// A target the translation does not hold gets nothing (another controller may have it); a policy that
// reaches nothing gets no status. processBackendTrafficPolicyForRoute's ancestors are the route's
// parentRefs of the class's Gateways (a Gateway, or a ListenerSet, with the parentRef's sectionName);
// ...ForListenerSet's and ...ForGateway's the target itself. The resolve errors
// (resolveBackendTrafficPolicy*TargetRef, validate.go validate*SectionName) and the translation's
// (buildTrafficFeatures, joined, status.Error2ConditionMsg) make Accepted False; else
// SetAcceptedForPolicyAncestor: "Policy has been accepted.". The override graph (helpers.go
// policyScopeGraph) records each route under the parent it attaches to (before its own resolve error
// is looked at), each Gateway listener policy under its Gateway, each ListenerSet policy under its
// Gateway (or, for a listener, its ListenerSet); a Gateway-level policy is Overridden for the more
// specific scopes under it (formatPolicyScopes), less the routes merged into it (mergeType: Merged).

import type { BackendTrafficPolicy, TranslationError } from "../../model/gateway.js";
import { envoyGatewayController } from "../../model/gateway.js";
import { compareAgeThenName, GATEWAY_GROUP, namespacedName } from "../../model/route.js";
import type { PolicyAncestorStatus } from "./backendtls.js";
import { condition, type Condition, type Problem } from "./conditions.js";
import type { GatewayEngine, RouteState } from "./engine.js";
import type { GatewayState } from "./gateways.js";
import type { ListenerState } from "./listeners.js";
import type { ListenerSetState } from "./listenersets.js";
import { selected, type TargetingPolicy } from "./traffic-policy.js";

export type Ref = { group: string; kind: string; namespace: string; name: string; sectionName?: string };
const refKey = (r: Ref) => `${r.kind} ${r.namespace}/${r.name}${r.sectionName !== undefined ? `:${r.sectionName}` : ""}`;
/** getAncestorRefForPolicy, getAncestorRefForListenerSetPolicy. */
export const ancestor = (kind: "Gateway" | "ListenerSet", nn: string, sectionName?: string): Ref => {
  const [namespace, name] = nn.split("/");
  return { group: GATEWAY_GROUP, kind, namespace, name, ...(sectionName !== undefined ? { sectionName } : {}) };
};

/** One policy's ancestors, as status.SetConditionForPolicyAncestor writes them (a condition of a type replaces the one there). */
export class Ancestors {
  readonly list: { ref: Ref; conditions: Condition[] }[] = [];
  constructor(private readonly generation: number) {}
  set(ref: Ref, type: string, ok: boolean, reason: string, message: string): void {
    let a = this.list.find((x) => refKey(x.ref) === refKey(ref));
    if (!a) this.list.push(a = { ref, conditions: [] });
    const c = condition(type, ok, reason, message, this.generation);
    const i = a.conditions.findIndex((x) => x.type === type);
    if (i >= 0) a.conditions[i] = c; else a.conditions.push(c);
  }
  /** SetAcceptedForPolicyAncestor: Accepted True unless an Accepted condition is there. */
  accept(ref: Ref): void {
    if (!this.list.find((x) => refKey(x.ref) === refKey(ref))?.conditions.some((c) => c.type === "Accepted")) this.set(ref, "Accepted", true, "Accepted", "Policy has been accepted.");
  }
}

/** A policyScope: kind, namespace/name, section. */
type ScopeKind = "Gateway" | "GatewayListener" | "ListenerSet" | "ListenerSetListener" | "Route" | "RouteRule";
interface Scope { kind: ScopeKind; nn: string; section?: string; routeKind?: string }
const scopeKey = (s: Scope) => `${s.kind} ${s.routeKind ?? ""} ${s.nn} ${s.section ?? ""}`;
const RESOURCE: Partial<Record<ScopeKind, ScopeKind>> = { GatewayListener: "Gateway", ListenerSetListener: "ListenerSet", RouteRule: "Route" };

/** helpers.go policyScopeGraph: policy edges, and containment for resource-level look-ups. */
class ScopeGraph {
  private readonly children = new Map<string, Map<string, Scope>>();
  private readonly containment = new Map<string, Map<string, Scope>>();
  private static put(m: Map<string, Map<string, Scope>>, parent: Scope, child: Scope): void {
    const set = m.get(scopeKey(parent)) ?? new Map<string, Scope>();
    set.set(scopeKey(child), child);
    m.set(scopeKey(parent), set);
  }
  add(parent: Scope, child: Scope): void {
    ScopeGraph.put(this.children, parent, child);
    const resource = RESOURCE[parent.kind];
    if (resource) ScopeGraph.put(this.containment, { kind: resource, nn: parent.nn, routeKind: parent.routeKind }, parent);
  }
  registerListenerSet(ls: string, gw: string): void {
    ScopeGraph.put(this.containment, { kind: "Gateway", nn: gw }, { kind: "ListenerSet", nn: ls });
  }
  direct(parent: Scope): Map<string, Scope> {
    return new Map(this.children.get(scopeKey(parent)) ?? []);
  }
  withDescendants(parent: Scope): Map<string, Scope> {
    const out = this.direct(parent);
    const addAll = (s: Scope) => { for (const [k, c] of this.children.get(scopeKey(s)) ?? []) out.set(k, c); };
    if (parent.kind === "Gateway" || parent.kind === "ListenerSet" || parent.kind === "Route") {
      for (const desc of this.containment.get(scopeKey(parent))?.values() ?? []) {
        addAll(desc);
        if (desc.kind === "ListenerSet") for (const sub of this.containment.get(scopeKey(desc))?.values() ?? []) addAll(sub);
      }
    } else {
      const resource: Scope = { kind: RESOURCE[parent.kind]!, nn: parent.nn };
      for (const [k, c] of this.children.get(scopeKey(resource)) ?? []) if (c.kind === "Route") out.set(k, c);
    }
    return out;
  }
}

const LABELS: [ScopeKind, string][] = [["GatewayListener", "these gateway listeners"], ["ListenerSet", "these listenersets"], ["ListenerSetListener", "these listenerset listeners"], ["Route", "these routes"], ["RouteRule", "these route rules"]];

/** formatPolicyScopes: "these gateway listeners: [ns/gw/l] and these routes: [ns/r]" (Go's %v of a sorted []string). */
function formatScopes(scopes: Iterable<Scope>): string {
  const all = [...scopes];
  return LABELS.flatMap(([kind, label]) => {
    const list = all.filter((s) => s.kind === kind).map((s) => `${s.nn}${s.section !== undefined ? `/${s.section}` : ""}`).sort();
    return list.length ? [`${label}: [${list.join(" ")}]`] : [];
  }).join(" and ");
}

/** buildTrafficFeatures' order of its errors (each `perr.WithMessage(err, FEATURE)`). */
const FEATURE_ORDER = ["RateLimit", "BandwidthLimit", "LoadBalancer", "CircuitBreaker", "TCPKeepalive", "Retry", "Timeout", "BackendConnection", "HTTP2", "ResponseOverride", "RequestBuffer", "Telemetry"];
const featureRank = (m: string) => { const i = FEATURE_ORDER.indexOf(m.split(":")[0]); return i < 0 ? FEATURE_ORDER.length : i; };

/** status.Error2ConditionMsg of errors.Join: the messages a line each, the first letter upper case, a "." at the end. */
export function conditionMessage(messages: readonly string[]): string {
  const m = messages.join("\n");
  if (!m) return m;
  const first = /\p{L}/u.test(m[0]) ? m[0].toUpperCase() + m.slice(1) : m;
  return first.endsWith(".") ? first : `${first}.`;
}

/** status.buildDeprecationWarningMessage, of the fields the policy uses (sorted). */
export const deprecationMessage = (fields: readonly string[]) => [...fields].sort().map((f) => `${f} is deprecated, use ${DEPRECATED[f]} instead`).join("; ");
const DEPRECATED: Record<string, string> = {
  "spec.targetRef": "spec.targetRefs", "spec.compression": "spec.compressor", "spec.enableProxyProtocol": "spec.proxyProtocol",
  "spec.headers.preserveXRequestID": "spec.headers.requestID", "spec.tls.clientValidation.optional": "spec.tls.clientValidation.mode",
};

/** Envoy Gateway's translations: its Gateways by GatewayClass, but those refused before translating (InvalidParameters, UnsupportedAddress). */
export function envoyGatewayClasses(engine: GatewayEngine): GatewayState[][] {
  const classes = new Map<string, GatewayState[]>();
  for (const g of engine.gateways) {
    if (!g.envoyGateway || (g.rejected && g.rejected.reason !== "ListenersNotValid")) continue;
    classes.set(g.gateway.className, [...(classes.get(g.gateway.className) ?? []), g]);
  }
  return [...classes.values()];
}

/** The statuses of `Ancestors` as status writes them (a policy without an ancestor: none). */
export function ancestorStatuses<P>(all: Map<P, Ancestors>, controllerName: string): Map<P, PolicyAncestorStatus[]> {
  return new Map([...all].filter(([, a]) => a.list.length).map(([p, a]) => [p, a.list.map((x) => ({ ancestorRef: x.ref, controllerName, conditions: x.conditions }))]));
}

/** The BackendTrafficPolicies' statuses Envoy Gateway writes (those that reach nothing: none). */
export function backendTrafficPolicyStatuses(engine: GatewayEngine): Map<BackendTrafficPolicy, PolicyAncestorStatus[]> {
  const graph = engine.inv.routing;
  if (!graph.backendTrafficPolicies.length) return new Map();
  const errors = (p: BackendTrafficPolicy): string[] => {
    const features: TranslationError[] = engine.trafficPolicies.translationErrors(p);
    return [...(p.rateLimit?.invalid !== undefined ? [`RateLimit: ${p.rateLimit.invalid}`] : []), ...features.map((e) => e.message).sort((a, b) => featureRank(a) - featureRank(b))];
  };
  // The merged spec: the route policy's features, and the parent's it does not set (traffic-policy.ts merged).
  const fieldOf = (m: string) => ({ RateLimit: "rateLimit", BandwidthLimit: "bandwidthLimit", LoadBalancer: "loadBalancer", Retry: "retry", BackendConnection: "connection", HTTP2: "http2", ResponseOverride: "responseOverride", RequestBuffer: "requestBuffer" } as Record<string, string>)[m.split(":")[0]];
  const mergedErrors = (p: BackendTrafficPolicy, parent: BackendTrafficPolicy) => {
    const routeSpec = (p.manifest?.spec ?? {}) as Record<string, unknown>;
    return [...errors(p), ...errors(parent).filter((m) => routeSpec[fieldOf(m) ?? ""] === undefined)].sort((a, b) => featureRank(a) - featureRank(b));
  };
  return policyStatuses(engine, { kind: "BackendTrafficPolicy", ruleOverride: "backendTrafficPolicy", plural: "backendTrafficPolicies", policies: graph.backendTrafficPolicies, errors, mergedErrors });
}

/** What the status of one kind of Envoy Gateway route policy needs (BackendTrafficPolicy, SecurityPolicy: the same walk, their own words and errors). */
export interface StatusKind<P> {
  kind: string;
  /** The word of "overridden by other X for these route rules" (backendTrafficPolicy, securityPolicies) and of the Merged and Overridden messages (backendTrafficPolicies, securityPolicies). */
  ruleOverride: string;
  plural: string;
  policies: readonly P[];
  /** The translation's errors of a policy, in upstream's order. */
  errors: (p: P) => string[];
  /** A route policy's errors merged into its parent's. */
  mergedErrors: (p: P, parent: P) => string[];
  /** Why a policy that targets a route of `routeKind` is not translated at all (SecurityPolicy's validation). */
  invalid?: (p: P, routeKind: string) => string | undefined;
}

type StatusPolicy = TargetingPolicy & { deprecatedFields?: string[] };

/** The statuses Envoy Gateway writes on the policies of one kind (those that reach nothing: none). */
export function policyStatuses<P extends StatusPolicy>(engine: GatewayEngine, kind: StatusKind<P>): Map<P, PolicyAncestorStatus[]> {
  const out = new Map<P, Ancestors>();
  for (const gateways of envoyGatewayClasses(engine)) new ClassTranslation(engine, gateways, out, kind).run();
  return ancestorStatuses(out, envoyGatewayController(engine.inv.routing));
}

type Target = { ns: string; t: TargetingPolicy["targets"][number] };

class ClassTranslation<P extends StatusPolicy> {
  private readonly gateways: Map<string, GatewayState>;
  private readonly sets: Map<string, ListenerSetState>;
  private readonly routes: Map<string, RouteState>;
  private readonly attached = new Set<string>();
  private readonly ruleAttached = new Map<string, string[]>();
  private readonly overrides = new ScopeGraph();
  private readonly merged = new ScopeGraph();
  /** buildGatewayPolicyMap / buildListenerSet{BackendTraffic,Security}PolicyMap: the first policy on each Gateway (listener), ListenerSet (listener). */
  private readonly parentPolicies = new Map<string, P>();
  private readonly policies: P[];

  constructor(private readonly engine: GatewayEngine, gateways: GatewayState[], private readonly out: Map<P, Ancestors>, private readonly kind: StatusKind<P>) {
    this.gateways = new Map(gateways.map((g) => [namespacedName(g.gateway), g]));
    this.sets = new Map(engine.listenerSets.filter((s) => s.set.parentRef.kind === "Gateway" && this.gateways.has(namespacedName(s.set.parentRef))).map((s) => [namespacedName(s.set), s]));
    const ours = (r: RouteState) => r.route.group === undefined && r.parents.some((p) => p.gateway && gateways.includes(p.gateway));
    this.routes = new Map(engine.routes.filter(ours).map((r) => [`${r.route.kind} ${namespacedName(r.route)}`, r]));
    this.policies = [...kind.policies].sort(compareAgeThenName);
  }

  private targets(p: P, withSelectors: boolean): Target[] {
    const refs = p.targets.map((t) => ({ ns: p.namespace, t }));
    return withSelectors ? [...selected(this.engine.inv.routing, p, (ns) => this.engine.index.namespaceLabels(ns), this.kind.kind), ...refs] : refs;
  }

  private status(p: P): Ancestors {
    let a = this.out.get(p);
    if (!a) this.out.set(p, a = new Ancestors(p.generation));
    return a;
  }

  /** The translation's errors of a policy (BackendTrafficPolicy: buildTrafficFeatures, in its order). */
  private errors(p: P): string[] {
    return this.kind.errors(p);
  }

  run(): void {
    for (const p of this.policies) {
      for (const { ns, t } of this.targets(p, true)) {
        if (t.kind !== "Gateway" && t.kind !== "ListenerSet") continue;
        const exists = t.kind === "Gateway" ? this.gateways.has(`${ns}/${t.name}`) : this.sets.has(`${ns}/${t.name}`);
        const key = `${t.kind} ${ns}/${t.name}${t.sectionName !== undefined ? `:${t.sectionName}` : ""}`;
        if (exists && !this.parentPolicies.has(key)) this.parentPolicies.set(key, p);
      }
    }
    // 1. route rules, 2. routes, 3. ListenerSet listeners, 4. ListenerSets, 5. Gateway listeners, 6. Gateways.
    for (const p of this.policies) for (const { ns, t } of this.targets(p, false)) if (t.kind !== "Gateway" && t.sectionName !== undefined) this.route(p, ns, t);
    for (const p of this.policies) for (const { ns, t } of this.targets(p, true)) if (t.kind !== "Gateway" && t.kind !== "ListenerSet" && t.sectionName === undefined) this.route(p, ns, t);
    if (this.sets.size) {
      for (const p of this.policies) for (const { ns, t } of this.targets(p, false)) if (t.kind === "ListenerSet" && t.sectionName !== undefined) this.listenerSet(p, ns, t);
      for (const p of this.policies) for (const { ns, t } of this.targets(p, true)) if (t.kind === "ListenerSet" && t.sectionName === undefined) this.listenerSet(p, ns, t);
    }
    for (const p of this.policies) for (const { ns, t } of this.targets(p, false)) if (t.kind === "Gateway" && t.sectionName !== undefined) this.gateway(p, ns, t);
    for (const p of this.policies) for (const { ns, t } of this.targets(p, true)) if (t.kind === "Gateway" && t.sectionName === undefined) this.gateway(p, ns, t);
  }

  /** process{BackendTraffic,Security}PolicyForRoute. */
  private route(p: P, ns: string, t: Target["t"]): void {
    const key = `${t.kind} ${ns}/${t.name}`;
    const state = this.routes.get(key);
    if (!state) return;
    const st = this.status(p);
    let problem: Problem | undefined;
    if (t.sectionName !== undefined) {
      const rules = this.ruleAttached.get(key) ?? [];
      if (!state.route.rules.some((r) => r.name === t.sectionName)) problem = { reason: "TargetNotFound", message: `No section name ${t.sectionName} found for ${t.kind} ${ns}/${t.name}` };
      else if (rules.includes(t.sectionName)) problem = { reason: "Conflicted", message: `Unable to target RouteRule ${t.name}/${t.sectionName}, another ${this.kind.kind} has already attached to it` };
      else this.ruleAttached.set(key, [...rules, t.sectionName]);
    } else if (this.attached.has(key)) problem = { reason: "Conflicted", message: `Unable to target ${t.kind} ${t.name}, another ${this.kind.kind} has already attached to it` };
    else this.attached.add(key);
    const routeScope: Scope = { kind: "Route", nn: `${ns}/${t.name}`, routeKind: t.kind };
    const refs: Ref[] = [];
    const parents = state.parents.filter((x) => x.gateway && [...this.gateways.values()].includes(x.gateway));
    for (const parent of parents) {
      const nn = namespacedName(parent.ref), section = parent.ref.sectionName;
      if (parent.ref.kind === "ListenerSet") {
        const ls = this.sets.get(nn);
        if (!ls) continue;
        this.overrides.registerListenerSet(nn, namespacedName(ls.set.parentRef));
        this.overrides.add(section !== undefined ? { kind: "ListenerSetListener", nn, section } : { kind: "ListenerSet", nn }, routeScope);
        refs.push(ancestor("ListenerSet", nn, section));
      } else {
        this.overrides.add(section !== undefined ? { kind: "GatewayListener", nn, section } : { kind: "Gateway", nn }, routeScope);
        refs.push(ancestor("Gateway", nn, section));
      }
    }
    if (problem) {
      for (const r of refs) st.set(r, "Accepted", false, problem.reason, problem.message);
      return;
    }
    // SecurityPolicy: validateSecurityPolicy (ForTCP) before anything is translated; invalid, nothing more is written.
    const invalid = this.kind.invalid?.(p, t.kind);
    if (invalid) {
      for (const r of refs) st.set(r, "Accepted", false, "Invalid", conditionMessage([invalid]));
      return;
    }
    if (!p.mergeType) {
      const errs = this.errors(p);
      if (errs.length) for (const r of refs) st.set(r, "Accepted", false, "Invalid", conditionMessage(errs));
    } else {
      for (const parent of parents) for (const a of parent.attached) this.mergeInto(p, routeScope, a.listener, st);
    }
    for (const r of refs) st.accept(r);
    if (p.deprecatedFields?.length) for (const r of refs) st.set(r, "Warning", true, "DeprecatedField", deprecationMessage(p.deprecatedFields));
    if (t.sectionName !== undefined) return;
    const rules = [...(this.ruleAttached.get(key) ?? [])].sort();
    if (rules.length) for (const r of refs) st.set(r, "Overridden", true, "Overridden", `This policy is being overridden by other ${this.kind.ruleOverride} for these route rules: [${rules.join(" ")}]`);
  }

  /** A route policy with a mergeType, on one listener its parentRef attached to: merged into the closest parent policy, else translated alone. */
  private mergeInto(p: P, routeScope: Scope, l: ListenerState, st: Ancestors): void {
    const gw = namespacedName(l.gateway);
    let ref: Ref, parent: P | undefined, scope: Scope | undefined;
    const find = (candidates: [string, Scope][]) => { for (const [k, s] of candidates) { const found = this.parentPolicies.get(k); if (found) return { found, s }; } return undefined; };
    if (l.set) {
      const ls = namespacedName(l.set);
      ref = ancestor("ListenerSet", ls, l.listener.name);
      const hit = find([[`ListenerSet ${ls}:${l.listener.name}`, { kind: "ListenerSetListener", nn: ls, section: l.listener.name }], [`ListenerSet ${ls}`, { kind: "ListenerSet", nn: ls }], [`Gateway ${gw}`, { kind: "Gateway", nn: gw }]]);
      parent = hit?.found; scope = hit?.s;
    } else {
      ref = ancestor("Gateway", gw, l.listener.name);
      const hit = find([[`Gateway ${gw}:${l.listener.name}`, { kind: "GatewayListener", nn: gw, section: l.listener.name }], [`Gateway ${gw}`, { kind: "Gateway", nn: gw }]]);
      parent = hit?.found; scope = hit?.s;
    }
    if (!parent || !scope) {
      const errs = this.errors(p);
      if (errs.length) st.set(ref, "Accepted", false, "Invalid", conditionMessage(errs));
      return;
    }
    const errs = this.kind.mergedErrors(p, parent);
    if (errs.length) {
      st.set(ref, "Accepted", false, "Invalid", conditionMessage(errs));
      return;
    }
    this.merged.add(scope, routeScope);
    st.set(ref, "Merged", true, "Merged", `Merged with policy ${namespacedName(parent)}`);
  }

  /** process{BackendTraffic,Security}PolicyForListenerSet. */
  private listenerSet(p: P, ns: string, t: Target["t"]): void {
    const nn = `${ns}/${t.name}`;
    const ls = this.sets.get(nn);
    if (!ls) return;
    const gw = namespacedName(ls.set.parentRef);
    const st = this.status(p);
    const ref = ancestor("ListenerSet", nn, t.sectionName);
    const key = `ListenerSet ${nn}${t.sectionName !== undefined ? `:${t.sectionName}` : ""}`;
    let problem: Problem | undefined;
    if (t.sectionName !== undefined && !ls.set.listeners.some((l) => l.name === t.sectionName)) problem = { reason: "TargetNotFound", message: `No section name ${t.sectionName} found for ListenerSet ${nn}` };
    else if (this.attached.has(key)) problem = { reason: "Conflicted", message: t.sectionName !== undefined ? `Unable to target Listener ${t.name}/${t.sectionName}, another ${this.kind.kind} has already attached to it` : `Unable to target ListenerSet ${t.name}, another ${this.kind.kind} has already attached to it` };
    if (problem) { st.set(ref, "Accepted", false, problem.reason, problem.message); return; }
    this.attached.add(key);
    let scope: Scope;
    if (t.sectionName !== undefined) {
      this.overrides.registerListenerSet(nn, gw);
      scope = { kind: "ListenerSetListener", nn, section: t.sectionName };
      this.overrides.add({ kind: "ListenerSet", nn }, scope);
    } else {
      scope = { kind: "ListenerSet", nn };
      this.overrides.add({ kind: "Gateway", nn: gw }, scope);
    }
    const errs = this.errors(p);
    if (errs.length) st.set(ref, "Accepted", false, "Invalid", conditionMessage(errs));
    st.accept(ref);
    this.mergedAndOverridden(st, ref, scope);
    if (p.deprecatedFields?.length) st.set(ref, "Warning", true, "DeprecatedField", deprecationMessage(p.deprecatedFields));
  }

  /** process{BackendTraffic,Security}PolicyForGateway. */
  private gateway(p: P, ns: string, t: Target["t"]): void {
    const nn = `${ns}/${t.name}`;
    const g = this.gateways.get(nn);
    if (!g) return;
    const st = this.status(p);
    const ref = ancestor("Gateway", nn, t.sectionName);
    const key = `Gateway ${nn}${t.sectionName !== undefined ? `:${t.sectionName}` : ""}`;
    let problem: Problem | undefined;
    // gatewayDirectListeners: the Gateway's own listeners.
    if (t.sectionName !== undefined && !g.gateway.listeners.some((l) => l.name === t.sectionName)) problem = { reason: "TargetNotFound", message: `No section name ${t.sectionName} found for Gateway ${nn}` };
    else if (this.attached.has(key)) problem = { reason: "Conflicted", message: t.sectionName !== undefined ? `Unable to target Listener ${nn}/${t.sectionName}, another ${this.kind.kind} has already attached to it` : `Unable to target Gateway ${t.name}, another ${this.kind.kind} has already attached to it` };
    if (problem) { st.set(ref, "Accepted", false, problem.reason, problem.message); return; }
    this.attached.add(key);
    const scope: Scope = t.sectionName !== undefined ? { kind: "GatewayListener", nn, section: t.sectionName } : { kind: "Gateway", nn };
    if (t.sectionName !== undefined) this.overrides.add({ kind: "Gateway", nn }, scope);
    const errs = this.errors(p);
    if (errs.length) st.set(ref, "Accepted", false, "Invalid", conditionMessage(errs));
    st.accept(ref);
    if (p.deprecatedFields?.length) st.set(ref, "Warning", true, "DeprecatedField", deprecationMessage(p.deprecatedFields));
    this.mergedAndOverridden(st, ref, scope);
  }

  private mergedAndOverridden(st: Ancestors, ref: Ref, scope: Scope): void {
    const merged = this.merged.direct(scope);
    const overridden = [...this.overrides.withDescendants(scope)].filter(([k]) => !merged.has(k)).map(([, s]) => s);
    if (merged.size) st.set(ref, "Merged", true, "Merged", `This policy is being merged by other ${this.kind.plural} for ${formatScopes(merged.values())}`);
    if (overridden.length) st.set(ref, "Overridden", true, "Overridden", `This policy is being overridden by other ${this.kind.plural} for ${formatScopes(overridden)}`);
  }
}
