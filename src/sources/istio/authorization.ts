// Front end for Istio's AuthorizationPolicy (security.istio.io v1, v1beta1), lowered into L7 rules
// the way istiod builds Envoy's RBAC filter (pilot/pkg/security/authz/model): per rule, the `from`
// sources are ORed, the `to` operations are ORed, the `when` conditions ANDed; inside a source or
// an operation every field set must hold, a field holds when one of its values matches, its
// not-form when none does. Identity fields (principals, namespaces, serviceAccounts, trustDomains)
// read the mutual-TLS identity, so a plaintext request matches only their not-forms.
// The validation webhook's checks (pkg/config/validation ValidateAuthorizationPolicy) are errors.

import { NEVER_MATCHES, type CidrMatch, type Clause, type Condition, type L7Rule, type StringMatch, type TextAttribute } from "../../model/l7.js";
import { isGoTrue } from "../../model/gobool.js";
import type { IstioAuthorization, MeshAction, TargetRef } from "../../model/mesh.js";
import type { Field } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readLabels, readMeta } from "../k8s.js";
import { checkedWildcard, ipValue, namespacePattern, pathValue, portValue, serviceAccountValue, stringList, wildcard } from "./values.js";

export const ISTIO_SECURITY_APIS = ["security.istio.io/v1", "security.istio.io/v1beta1"];
const ACTIONS: Record<string, MeshAction> = { ALLOW: "allow", DENY: "deny", AUDIT: "audit", CUSTOM: "custom" };
const DRY_RUN = "istio.io/dry-run";

/** Fields of a source: [field, not-field, attribute, how a value lowers]. */
type Lowering = (item: Field, value: string, namespace: string) => StringMatch | undefined;
const SOURCE_TEXT: [string, string, TextAttribute, Lowering][] = [
  ["principals", "notPrincipals", "source.principal", (_, v) => wildcard(v)],
  ["namespaces", "notNamespaces", "source.namespace", (_, v) => namespacePattern(v)],
  ["serviceAccounts", "notServiceAccounts", "source.serviceAccount", serviceAccountValue],
  ["trustDomains", "notTrustDomains", "source.trustDomain", (item, v) => (v.includes("/") ? item.error("invalid", "a trust domain has no '/'") : checkedWildcard(item, v))],
  ["requestPrincipals", "notRequestPrincipals", "request.auth", (_, v) => wildcard(v)],
];
const SOURCE_IPS: [string, string, "source.ip" | "remote.ip"][] = [["ipBlocks", "notIpBlocks", "source.ip"], ["remoteIpBlocks", "notRemoteIpBlocks", "remote.ip"]];
const OPERATION_TEXT: [string, string, TextAttribute, Lowering][] = [
  ["hosts", "notHosts", "request.host", (_, v) => wildcard(v, true)],
  ["methods", "notMethods", "request.method", (_, v) => wildcard(v)],
  ["paths", "notPaths", "request.path", pathValue],
];

export const istioAuthorizationFrontEnd: FrontEnd = {
  kind: "AuthorizationPolicy", apiVersions: ISTIO_SECURITY_APIS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    spec.object();
    const namespace = meta?.namespace ?? "default";
    const actionText = spec.get("action").string({ oneOf: Object.keys(ACTIONS) }) ?? "ALLOW";
    const action = ACTIONS[actionText];
    const targetRefs = readTargetRefs(spec);
    const selector = spec.get("selector").object() ? readLabels(spec.get("selector").get("matchLabels")) : undefined;
    if (selector && targetRefs) spec.get("selector").error("exclusive", "only one of selector, targetRef and targetRefs may be set");
    const provider = readProvider(spec, action);
    const rulesField = spec.get("rules");
    const rules = (rulesField.list() ?? []).map((r, i) => readRule(r, i, namespace, action));
    if (!rulesField.present && (action === "deny" || action === "custom")) {
      spec.error("required", `${actionText} without rules never applies; add an empty rule {} to apply it to every request`);
    }
    if (!meta) return;
    b.useNamespace(namespace, ctx.ref);
    const policy: IstioAuthorization = {
      kind: "AuthorizationPolicy", name: meta.name, namespace, action, dryRun: isGoTrue(meta.annotations[DRY_RUN]),
      ...(provider ? { provider } : {}), ...(selector ? { selector } : {}), ...(targetRefs ? { targetRefs } : {}),
      rules: rules.filter((r): r is L7Rule => r !== undefined), src: ctx.ref,
    };
    b.inv.mesh.istio.authorizations.push(policy);
  },
};

function readProvider(spec: Field, action: MeshAction): string | undefined {
  const p = spec.get("provider");
  if (p.present && action !== "custom") { p.error("forbidden", "provider goes with action CUSTOM only"); return undefined; }
  if (action !== "custom") return undefined;
  return p.get("name").string({ required: true, nonEmpty: true });
}

/**
 * The targets the validation webhook admits (pkg/config/validation validatePolicyTargetReference,
 * allowedTargetRefs: Service, ServiceEntry, Gateway, GatewayClass; an empty group is "core").
 */
const TARGET_KINDS: [string, string][] = [["core", "Service"], ["networking.istio.io", "ServiceEntry"], ["gateway.networking.k8s.io", "Gateway"], ["gateway.networking.k8s.io", "GatewayClass"]];

export function readTargetRefs(spec: Field): TargetRef[] | undefined {
  const one = spec.get("targetRef"), many = spec.get("targetRefs");
  if (one.present && many.present) one.error("exclusive", "only one of targetRef and targetRefs may be set");
  const refs = many.present ? many.list() ?? [] : one.present ? [one] : undefined;
  return refs?.flatMap((r) => {
    if (!r.object(true)) return [];
    const kind = r.get("kind").string({ required: true, nonEmpty: true }), name = r.get("name").string({ required: true, nonEmpty: true });
    const group = r.get("group").string() ?? "";
    const namespace = r.get("namespace").string();
    if (kind && !TARGET_KINDS.some(([g, k]) => k === kind && g === (group || "core"))) {
      r.get("kind").error("unsupported", `targetRef must be to one of ${TARGET_KINDS.map(([g, k]) => `${g}/${k}`).join(", ")} but was ${group}/${kind}`);
      return [];
    }
    return kind && name ? [{ group, kind, name, ...(namespace ? { namespace } : {}) }] : [];
  });
}

/**
 * One rule. A rule istiod cannot build (an unknown `when` key) is skipped by istiod, which makes
 * an ALLOW narrower and a DENY never match; Junction reports it as an error instead, and under
 * --lenient reads the ALLOW as never matching and the DENY without the condition (readCondition).
 */
function readRule(r: Field, index: number, namespace: string, action: MeshAction): L7Rule | undefined {
  if (!r.object(true)) return undefined;
  const from = r.get("from").list();
  const to = r.get("to").list();
  if (from && !from.length) r.get("from").error("empty", "from must not be empty (omit it to match every source)");
  if (to && !to.length) r.get("to").error("empty", "to must not be empty (omit it to match every operation)");
  const fromClauses = from?.map((f) => readSource(f.get("source"), namespace, action));
  const toClauses = to?.map((t) => readOperation(t.get("operation")));
  const when = r.get("when").list()?.flatMap((c) => readCondition(c, namespace, action));
  if (action === "deny" && httpOnlyDeny(r)) r.warn("http-only-deny", "this DENY rule uses only HTTP attributes: on TCP ports under the policy's scope it denies every connection (set ports to limit it), as Istio's validation warns");
  return {
    index, path: r.path,
    ...(fromClauses?.length ? { from: fromClauses } : {}), ...(toClauses?.length ? { to: toClauses } : {}), ...(when?.length ? { when } : {}),
  };
}

const TCP_SOURCE = ["principals", "notPrincipals", "ipBlocks", "notIpBlocks", "namespaces", "notNamespaces", "remoteIpBlocks", "notRemoteIpBlocks", "serviceAccounts", "notServiceAccounts"];

/** The validation webhook's warning: a DENY rule whose `from` or `to` has only HTTP fields. */
function httpOnlyDeny(r: Field): boolean {
  const from = r.get("from").list() ?? [], to = r.get("to").list() ?? [];
  const tcpFrom = from.some((f) => TCP_SOURCE.some((k) => f.get("source").get(k).present));
  const tcpTo = to.some((t) => t.get("operation").get("ports").present || t.get("operation").get("notPorts").present);
  return (from.length > 0 && !to.length && !tcpFrom) || (to.length > 0 && !tcpTo);
}

/** A `from.source`: every field set must hold. */
function readSource(f: Field, namespace: string, action: MeshAction): Clause {
  if (!f.object(true)) return [];
  const out: Condition[] = [];
  for (const [key, notKey, attribute, lower] of SOURCE_TEXT) out.push(...textConditions(f, key, notKey, attribute, (item, v) => lower(item, v, namespace)));
  for (const [key, notKey, attribute] of SOURCE_IPS) out.push(...ipConditions(f, key, notKey, attribute));
  if (!out.length && !f.keys().length) f.error("empty", "from.source must not be empty");
  const identity = ["principals", "notPrincipals", "namespaces", "notNamespaces"].some((k) => f.get(k).present);
  if (identity && (f.get("serviceAccounts").present || f.get("notServiceAccounts").present)) f.error("exclusive", "serviceAccounts cannot be set with namespaces or principals");
  if (action === "custom") for (const k of ["principals", "notPrincipals", "namespaces", "notNamespaces", "serviceAccounts", "notServiceAccounts", "trustDomains", "notTrustDomains", "requestPrincipals", "notRequestPrincipals"]) {
    if (f.get(k).present) f.get(k).error("unsupported", `${k} is not supported with action CUSTOM`);
  }
  return out;
}

/** A `to.operation`: every field set must hold. */
function readOperation(f: Field): Clause {
  if (!f.object(true)) return [];
  const out: Condition[] = [];
  for (const [key, notKey] of [["ports", "notPorts"]]) {
    for (const [k, not] of [[key, false], [notKey, true]] as const) {
      const ports = stringList(f.get(k))?.map((x) => portValue(x.field, x.value)).filter((p): p is number => p !== undefined);
      if (ports?.length) out.push({ attribute: "destination.port", ports, ...(not ? { not } : {}) });
    }
  }
  for (const [key, notKey, attribute, lower] of OPERATION_TEXT) out.push(...textConditions(f, key, notKey, attribute, (item, v) => lower(item, v, "")));
  if (!f.keys().length) f.error("empty", "to.operation must not be empty");
  return out;
}

function textConditions(f: Field, key: string, notKey: string, attribute: TextAttribute, lower: (item: Field, v: string) => StringMatch | undefined): Condition[] {
  const out: Condition[] = [];
  for (const [k, not] of [[key, false], [notKey, true]] as const) {
    const list = stringList(f.get(k));
    const values = list?.map((x) => lower(x.field, x.value)).filter((m): m is StringMatch => m !== undefined);
    if (list && values?.length) out.push({ attribute, values, ...ztunnelValues(attribute, list.map((x) => x.value)), ...(not ? { not } : {}) });
  }
  return out;
}

/**
 * Namespaces as ztunnel reads them: istiod sends them as plain string matches (pilot/pkg/
 * serviceregistry/ambient/authorization.go stringToMatch: "*" presence, "*x" suffix, "x*" prefix, else
 * exact) that ztunnel compares with the namespace of the client's identity (ztunnel src/rbac.rs
 * StringMatch::matches), not as the regex over the whole principal that Envoy's RBAC applies
 * (namespacePattern): "*a" is a suffix there, "*prod*" the suffix "prod*" (no namespace has it).
 */
function ztunnelValues(attribute: TextAttribute, raw: readonly string[]): { l4Values?: StringMatch[] } {
  return attribute === "source.namespace" && raw.some((v) => v.includes("*")) ? { l4Values: raw.map((v) => wildcard(v)) } : {};
}

function ipConditions(f: Field, key: string, notKey: string, attribute: "source.ip" | "remote.ip" | "destination.ip"): Condition[] {
  const out: Condition[] = [];
  for (const [k, not] of [[key, false], [notKey, true]] as const) {
    const cidrs = stringList(f.get(k))?.map((x) => ipValue(x.field, x.value)).filter((c): c is CidrMatch => c !== undefined);
    if (cidrs?.length) out.push({ attribute, cidrs, ...(not ? { not } : {}) });
  }
  return out;
}

const WHEN_TEXT: Record<string, [TextAttribute, Lowering]> = {
  "source.principal": ["source.principal", (_, v) => wildcard(v)],
  "source.namespace": ["source.namespace", (_, v) => namespacePattern(v)],
  "source.serviceAccount": ["source.serviceAccount", serviceAccountValue],
  "source.trustDomain": ["source.trustDomain", checkedWildcard],
  "connection.sni": ["connection.sni", (_, v) => wildcard(v)],
  "request.auth.principal": ["request.auth", (_, v) => wildcard(v)],
  "request.auth.audiences": ["request.auth", (_, v) => wildcard(v)],
  "request.auth.presenter": ["request.auth", (_, v) => wildcard(v)],
};
const IDENTITY_KEYS = ["source.namespace", "source.serviceAccount", "source.trustDomain", "source.principal"];

/**
 * A `when` condition on one of the keys Istio documents, as conditions of the rule: values (one
 * matches) and notValues (none matches) must both hold when both are set.
 */
function readCondition(c: Field, namespace: string, action: MeshAction): Condition[] {
  if (!c.object(true)) return [];
  const key = c.get("key").string({ required: true, nonEmpty: true });
  const values = stringList(c.get("values")), notValues = stringList(c.get("notValues"));
  // A condition istiod cannot build makes it skip the rule (builder.go: "skipped invalid rule"): under
  // --lenient the rule is kept for a DENY without the condition (it denies more, never less) and
  // never matches for the other actions (an ALLOW allows nothing more).
  const invalid = (): Condition[] => (action === "deny" ? [] : [NEVER_MATCHES]);
  if (key === undefined) return invalid();
  if (!values?.length && !notValues?.length) { c.error("required", `set values or notValues for ${key}`); return invalid(); }
  if (action === "custom" && (IDENTITY_KEYS.includes(key) || key.startsWith("request.auth."))) { c.get("key").error("unsupported", `${key} is not supported with action CUSTOM`); return invalid(); }
  const both = (make: (list: { field: Field; value: string }[], not: boolean) => Condition): Condition[] =>
    [values?.length ? make(values, false) : undefined, notValues?.length ? make(notValues, true) : undefined].filter((x): x is Condition => x !== undefined);
  const bracket = /^(request\.headers|request\.auth\.claims)\[(.+)\]$/.exec(key);
  if (bracket) {
    const header = bracket[1] === "request.headers";
    return both((list, not) => ({ attribute: header ? "request.header" : "request.auth", name: header ? bracket[2].toLowerCase() : `claims[${bracket[2]}]`, values: list.map((x) => wildcard(x.value)), ...(not ? { not } : {}) }));
  }
  if (key === "source.ip" || key === "remote.ip" || key === "destination.ip") {
    return both((list, not) => ({ attribute: key, cidrs: list.map((x) => ipValue(x.field, x.value)).filter((m): m is CidrMatch => m !== undefined), ...(not ? { not } : {}) }));
  }
  if (key === "destination.port") {
    return both((list, not) => ({ attribute: "destination.port", ports: list.map((x) => portValue(x.field, x.value)).filter((p): p is number => p !== undefined), ...(not ? { not } : {}) }));
  }
  if (key.startsWith("experimental.envoy.filters.")) {
    // istiod accepts it (security.go ValidateAttribute: validateMapKey, "should have format a[b]") and
    // writes a metadata matcher on the filter's dynamic metadata (generator.go envoyFilterGenerator), which
    // no manifest shows: the enforcement point tries it either way (l7/istio.ts istioAuthorize).
    const open = key.indexOf("[");
    if (!(key.endsWith("]") && open > 0 && open < key.length - 2)) { c.get("key").error("invalid", `bad key (${key}): should have format a[b] (istiod's ValidateAttribute)`); return invalid(); }
    return both((list, not) => ({ attribute: "envoy.metadata", name: key.slice("experimental.".length), values: list.map((x) => wildcard(x.value)), ...(not ? { not } : {}) }));
  }
  const text = WHEN_TEXT[key];
  if (!text) {
    c.get("key").error("invalid", `${JSON.stringify(key)}: unknown attribute (keys: request.headers[NAME], ${[...Object.keys(WHEN_TEXT), "source.ip", "remote.ip", "destination.ip", "destination.port", "request.auth.claims[NAME]", "experimental.envoy.filters.FILTER[KEY]"].join(", ")})`);
    return invalid();
  }
  return both((list, not) => ({
    attribute: text[0], ...(key.startsWith("request.auth.") ? { name: key.slice(13) } : {}),
    values: list.map((x) => text[1](x.field, x.value, namespace)).filter((m): m is StringMatch => m !== undefined),
    ...ztunnelValues(text[0], list.map((x) => x.value)), ...(not ? { not } : {}),
  }));
}
