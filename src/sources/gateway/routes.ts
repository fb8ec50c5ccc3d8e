// Front ends for the route kinds: HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and UDPRoute, in
// every API version upstream shipped them. All lower into the model's one Route shape.

import type { BackendRef, ParentRef, Route, RouteKind, RouteRule } from "../../model/route.js";
import { goDuration } from "../../model/duration.js";
import type { InventoryBuilder } from "../builder.js";
import type { Field, ObjectContext } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readMeta } from "../k8s.js";
import { GRPC_FILTERS, HTTP_FILTERS, readFilters } from "./filters.js";
import { CATCH_ALL, readGrpcMatches, readHttpMatches } from "./matches.js";
import { readBackendRef, readParentRef } from "./refs.js";
import { GATEWAY_API_VERSIONS as V, manifestOf, readDuration, readHostname, readLifecycle, readSectionName } from "./values.js";

/** Reads rule `index`; `cel`: the CRD's CEL rules apply (RouteShape). */
type RuleReader = (f: Field, index: number, namespace: string, cel: boolean) => RouteRule;

function readBackends(list: Field, namespace: string, withFilters: readonly string[] | undefined, required: boolean, cel = true): BackendRef[] {
  const filters = withFilters ? (f: Field) => readFilters(f, withFilters, namespace) : undefined;
  return (list.list({ max: 16, min: required ? 1 : undefined, required }) ?? [])
    .map((b) => readBackendRef(b, namespace, filters, cel)).filter((b): b is BackendRef => b !== undefined);
}

export const readHttpRule: RuleReader = (f, index, namespace, cel) => {
  const rule: RouteRule = {
    name: readSectionName(f.get("name")), index,
    matches: readHttpMatches(f.get("matches")),
    filters: readFilters(f.get("filters"), HTTP_FILTERS, namespace),
    backends: readBackends(f.get("backendRefs"), namespace, HTTP_FILTERS, false, cel),
    timeouts: cel ? readTimeouts(f.get("timeouts")) : readLinkerdTimeouts(f.get("timeouts")),
    retry: readRetry(f.get("retry")),
  };
  if (cel) checkPrefixRewrite(f, rule);
  return rule;
};

/** CEL: a ReplacePrefixMatch path modifier needs exactly one match, of type PathPrefix. */
function checkPrefixRewrite(f: Field, rule: RouteRule): void {
  const usesPrefix = rule.filters.some((x) => (x.type === "URLRewrite" || x.type === "RequestRedirect") && x.path?.type === "ReplacePrefixMatch");
  if (!usesPrefix) return;
  if (rule.matches.length !== 1 || rule.matches[0].path?.type !== "PathPrefix") {
    f.get("filters").error("invalid-filter", "a ReplacePrefixMatch path modifier requires exactly one match, with a PathPrefix path");
  }
}

function readTimeouts(f: Field): RouteRule["timeouts"] {
  if (!f.object()) return undefined;
  const request = readDuration(f.get("request"));
  const backendRequest = readDuration(f.get("backendRequest"));
  if (request && backendRequest !== undefined && backendRequest > request) {
    f.get("backendRequest").error("invalid-value", "must not be greater than timeouts.request");
  }
  return { request, backendRequest };
}

/**
 * Linkerd's HTTPRoute timeouts (policy.linkerd.io v1beta3): Go durations (its K8sDuration, the CRD's
 * `format: duration`, which the schema checks), "0" meaning none (GEP-1742); backendRequest is not used
 * by its policy controller (outbound/index/http.rs convert_linkerd_rule reads `timeouts.request`).
 */
function readLinkerdTimeouts(f: Field): RouteRule["timeouts"] {
  if (!f.object()) return undefined;
  const request = goDuration(f.get("request").string());
  return request ? { request } : undefined;
}

function readRetry(f: Field): RouteRule["retry"] {
  if (!f.object()) return undefined;
  const codes = (f.get("codes").list() ?? []).map((c) => c.int({ min: 400, max: 599 })).filter((c): c is number => c !== undefined);
  const attempts = f.get("attempts").int({ min: 0 });
  return { codes, ...(attempts !== undefined ? { attempts } : {}), backoffMs: readDuration(f.get("backoff")) };
}

const readGrpcRule: RuleReader = (f, index, namespace) => ({
  name: readSectionName(f.get("name")), index,
  matches: readGrpcMatches(f.get("matches")),
  filters: readFilters(f.get("filters"), GRPC_FILTERS, namespace),
  backends: readBackends(f.get("backendRefs"), namespace, GRPC_FILTERS, false),
});

/** TLS, TCP and UDP rules: backends only. */
const readL4Rule: RuleReader = (f, index, namespace) => ({
  name: readSectionName(f.get("name")), index, matches: [], filters: [],
  backends: readBackends(f.get("backendRefs"), namespace, undefined, true),
});

/** CEL: several refs to one parent must each name a distinct sectionName (or port). */
function checkParentRefs(list: Field, refs: readonly ParentRef[]): void {
  const seen = new Map<string, string[]>();
  refs.forEach((r) => {
    const parent = `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
    seen.set(parent, [...(seen.get(parent) ?? []), `${r.sectionName ?? ""}:${r.port ?? ""}`]);
  });
  for (const [parent, sections] of seen) {
    if (sections.length < 2) continue;
    if (sections.includes(":")) list.error("invalid-value", `parentRefs name ${parent.split("/").slice(2).join("/")} more than once: each reference must then set sectionName or port`);
    else if (new Set(sections).size < sections.length) list.error("duplicate", `parentRefs name the same sectionName/port of ${parent.split("/").slice(2).join("/")} twice`);
  }
}

/** CEL: rule names are unique, and a route has fewer than 128 matches in all. */
function checkRules(list: Field, rules: readonly RouteRule[]): void {
  const names = rules.flatMap((r) => r.name === undefined ? [] : [r.name]);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) list.error("duplicate", `rule name ${JSON.stringify(twice)} is used twice; rule names must be unique`);
  const matches = rules.reduce((n, r) => n + r.matches.length, 0);
  if (matches > 128) list.error("too-many", `the rules have ${matches} matches in all; at most 128 are allowed`);
}

/**
 * How a route kind is read: its rule reader, whether it has hostnames, and whether its CRD carries the
 * Gateway API's CEL rules (a backendRef to a Service must set port, parentRefs and rule names unique,
 * ReplacePrefixMatch with one PathPrefix match); Linkerd's copy of HTTPRoute (policy.linkerd.io) has none.
 */
export interface RouteShape { kind: RouteKind; readRule: RuleReader; hostnames: boolean; cel: boolean }

/** Reads one route object into the model's Route (not added anywhere); undefined when it has no spec or metadata. */
export function readRoute(root: Field, ctx: ObjectContext, b: InventoryBuilder, shape: RouteShape): Route | undefined {
  const { kind, readRule } = shape;
  const meta = readMeta(root, true);
  const spec = root.get("spec");
  if (!spec.object(true) || !meta) return undefined;
  const ns = meta.namespace!;
  const parentRefs = (spec.get("parentRefs").list({ max: 32 }) ?? []).map((p) => readParentRef(p, ns)).filter((p) => p !== undefined);
  const hostnames = shape.hostnames ? (spec.get("hostnames").list({ max: 16 }) ?? []).map((h) => readHostname(h, true)).filter((h) => h !== undefined) : [];
  const ruleFields = spec.get("rules").list({ max: 16, min: readRule === readL4Rule ? 1 : undefined, required: readRule === readL4Rule }) ?? [];
  if (readRule === readL4Rule && ruleFields.length > 1) spec.get("rules").warn("extra-rules", `${kind} rules have no matches: only the first rule's backends are used`);
  const rules = ruleFields.map((r, i) => readRule(r, i, ns, shape.cel));
  // The API server's default for an HTTPRoute without rules: one catch-all rule, without backends.
  if (kind === "HTTPRoute" && !spec.get("rules").present) rules.push({ index: 0, matches: [CATCH_ALL], filters: [], backends: [] });
  if (shape.cel) {
    checkParentRefs(spec.get("parentRefs"), parentRefs);
    checkRules(spec.get("rules"), rules);
  }
  b.useNamespace(ns, ctx.ref);
  return {
    kind, namespace: ns, name: meta.name, ...readLifecycle(root), order: b.inv.routing.routes.length,
    manifest: manifestOf(root), src: ctx.ref, parentRefs, hostnames: [...new Set(hostnames)], rules,
  };
}

function routeFrontEnd(kind: RouteKind, apiVersions: string[], readRule: RuleReader, hasHostnames: boolean): FrontEnd {
  return {
    kind, apiVersions, namespaced: true,
    read(root, ctx, b) {
      const route = readRoute(root, ctx, b, { kind, readRule, hostnames: hasHostnames, cel: true });
      if (route) b.inv.routing.routes.push(route);
    },
  };
}

export const routeFrontEnds: FrontEnd[] = [
  routeFrontEnd("HTTPRoute", [V.v1, V.v1beta1, V.v1alpha2], readHttpRule, true),
  routeFrontEnd("GRPCRoute", [V.v1, V.v1alpha2], readGrpcRule, true),
  routeFrontEnd("TLSRoute", [V.v1, V.v1alpha3, V.v1alpha2], readL4Rule, true),
  routeFrontEnd("TCPRoute", [V.v1, V.v1alpha2], readL4Rule, false),
  routeFrontEnd("UDPRoute", [V.v1, V.v1alpha2], readL4Rule, false),
];
