// Envoy Gateway's SecurityPolicy (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.0,
// api/v1alpha1/securitypolicy_types.go), checked with its CRD's schema
// (schemas/upstream/gateway.envoyproxy.io/securitypolicies.json): the fields that change the answer a
// request gets. authorization (authorization_types.go: rules in order, the first that matches decides,
// defaultAction Deny unless set), basicAuth (basic_auth_types.go), apiKeyAuth (api_key_auth_types.go),
// jwt (jwt_types.go), extAuth (ext_auth_types.go), oidc and cors (cors_types.go); the engine attaches and
// applies them (engine/gateway/security-policy.ts, http.ts), and csrf.

import type { AuthorizationRule, EnvoyGatewayJwtProvider, SecurityPolicy } from "../model/gateway.js";
import type { InventoryBuilder, StateKey } from "./builder.js";
import { parseGoCidr, type Cidr } from "../model/ip.js";
import { compileRegex, REGEX_SEMANTICS } from "../model/regex.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta, type Meta } from "./k8s.js";
import { ENVOY_GATEWAY_V1ALPHA1, readTargets, readTargetSelector } from "./envoy-gateway.js";
import { manifestOf, readLifecycle } from "./gateway/values.js";
import { goDuration } from "../model/duration.js";

const strings = (f: Field) => (f.list() ?? []).flatMap((x) => { const s = x.string(); return s === undefined ? [] : [s]; });

/** A SecretObjectReference (namespace: the policy's unless set). */
const secretRef = (f: Field, ns: string) => ({ namespace: f.get("namespace").string() ?? ns, name: f.get("name").string() ?? "" });

/**
 * One authorization rule as buildAuthorization reads it: its clientCIDRs through parseCIDR (an error:
 * "unable to translate authorization rule: ..."), operation.path's regular expression through
 * regex.Validate, the name it is given (defaultAuthorizationRuleName: securitypolicy/NS/NAME/rule/N).
 */
function readRule(r: Field, i: number, policy: { namespace: string; name: string }, errors: string[]): AuthorizationRule {
  const p = r.get("principal");
  const clientCIDRs = strings(p.get("clientCIDRs")).flatMap((text): Cidr[] => {
    const parsed = parseGoCidr(text, "net");
    if (!parsed) { errors.push(`Authorization: unable to translate authorization rule: invalid CIDR address: ${text}`); return []; }
    return [parsed.cidr];
  });
  const headers = (p.get("headers").list() ?? []).map((h) => ({ name: h.get("name").string() ?? "", values: strings(h.get("values")) }));
  const jwt = p.get("jwt");
  const op = r.get("operation");
  const path = op.get("path");
  const pathType = (path.get("type").string() ?? "PathPrefix") as NonNullable<AuthorizationRule["path"]>["type"];
  const pathValue = path.get("value").string() ?? "/";
  if (path.present && pathType === "RegularExpression") {
    const c = compileRegex(pathValue, REGEX_SEMANTICS.gatewayApi);
    if (!c.ok) errors.push(`Authorization: unable to translate authorization rule: regex ${JSON.stringify(pathValue)} is invalid: error parsing regexp: ${c.error}`);
  }
  const unevaluated = [...(r.get("cel").present ? ["a CEL expression (cel)"] : []), ...(p.get("clientIPGeoLocations").present ? ["clientIPGeoLocations (a GeoIP database)"] : [])];
  return {
    name: r.get("name").string() || `securitypolicy/${policy.namespace}/${policy.name}/rule/${i}`, index: i,
    action: (r.get("action").string() ?? "Deny") as AuthorizationRule["action"],
    methods: strings(op.get("methods")),
    ...(path.present ? { path: { type: pathType, value: pathValue, invert: path.get("invert").bool() === true } } : {}),
    clientCIDRs, headers,
    ...(jwt.object() ? {
      jwt: {
        provider: jwt.get("provider").string() ?? "",
        claims: (jwt.get("claims").list() ?? []).map((c) => ({ name: c.get("name").string() ?? "", valueType: (c.get("valueType").string() ?? "String") as "String" | "StringArray", values: strings(c.get("values")) })),
        scopes: strings(jwt.get("scopes")),
      },
    } : {}),
    ...(unevaluated.length ? { unevaluated: unevaluated.join(" and ") } : {}),
  };
}

/**
 * spec.jwt: its providers (EnvoyGatewayJwtProvider): where each reads the token (extractFrom; none:
 * Envoy's default, `Authorization: Bearer` and `access_token`), issuer, audiences, the keys
 * (buildLocalJWKS: type Inline unless ValueRef; remoteJWKS.uri), claimToHeaders, recomputeRoute.
 */
function readJwt(f: Field, ns: string, b: InventoryBuilder): SecurityPolicy["jwt"] {
  if (!f.object()) return undefined;
  const providers = (f.get("providers").list() ?? []).map((p): EnvoyGatewayJwtProvider => {
    const x = p.get("extractFrom"), local = p.get("localJWKS");
    const valueRef = local.object() && local.get("type").string() === "ValueRef" ? local.get("valueRef").get("name").string() : undefined;
    const inline = local.object() && local.get("type").string() !== "ValueRef" ? local.get("inline").string() : undefined;
    const uri = p.get("remoteJWKS").get("uri").string();
    return {
      name: p.get("name").string() ?? "", issuer: p.get("issuer").string() ?? "", audiences: strings(p.get("audiences")),
      ...(x.object() ? { extractFrom: { headers: (x.get("headers").list() ?? []).map((h) => ({ name: h.get("name").string() ?? "", prefix: h.get("valuePrefix").string() ?? "" })), cookies: strings(x.get("cookies")), params: strings(x.get("params")) } } : {}),
      ...(inline !== undefined ? { jwks: inline } : {}), ...(valueRef !== undefined ? { jwksConfigMap: valueRef } : {}), ...(uri !== undefined && !local.object() ? { jwksUri: uri } : {}),
      claimToHeaders: (p.get("claimToHeaders").list() ?? []).map((c) => ({ header: c.get("header").string() ?? "", claim: c.get("claim").string() ?? "" })),
      recomputeRoute: p.get("recomputeRoute").bool() === true,
    };
  });
  for (const provider of providers) if (provider.jwksConfigMap !== undefined) b.state(JWKS_CONFIGMAPS).wanted.push({ namespace: ns, provider });
  return { optional: f.get("optional").bool() === true, failOpen: f.get("failOpen").bool() === true, providers };
}

/** The bytes of one ConfigMap Junction keeps for a localJWKS valueRef while reading (the API server's limit on a ConfigMap), and of all of them. */
const JWKS_CONFIGMAP_MAX = 1024 * 1024, JWKS_KEPT_MAX = 64 * 1024 * 1024;

/**
 * The localJWKS ConfigMaps (type ValueRef): while reading, what each ConfigMap could give (its `jwks`
 * key's value, else its other values, within JWKS_CONFIGMAP_MAX); once every object is read, the
 * providers that name one get its text and the rest is dropped, so the inventory keeps only the keys
 * a SecurityPolicy reads (EnvoyGatewayJwtProvider.jwksConfigMapValues).
 */
const JWKS_CONFIGMAPS: StateKey<{ data: Map<string, string[]>; bytes: number; wanted: { namespace: string; provider: EnvoyGatewayJwtProvider }[] }> = {
  make: () => ({ data: new Map(), bytes: 0, wanted: [] }),
  settle(s) {
    for (const { namespace, provider } of s.wanted) {
      const values = s.data.get(`${namespace}/${provider.jwksConfigMap}`);
      if (values) provider.jwksConfigMapValues = values;
    }
    s.data.clear();
  },
};

/**
 * A ConfigMap's data as buildLocalJWKS (internal/gatewayapi/securitypolicy.go) reads it: `cm.Data[JWKSConfigMapKey]`
 * ("jwks"), else "the first entry in the ConfigMap data" a Go map range gives (any of them: all kept, by
 * key); none: no data (binaryData is not read). Called by the ConfigMap front end (sources/gateway/tls.ts).
 */
export function readJwksConfigMap(root: Field, meta: Meta, b: InventoryBuilder): void {
  const entries = Object.entries(root.get("data").object() ?? {}).filter((e): e is [string, string] => typeof e[1] === "string").sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0));
  const jwks = entries.find(([k]) => k === "jwks");
  const values = jwks ? [jwks[1]] : entries.map(([, v]) => v);
  const size = values.reduce((n, v) => n + v.length, 0), state = b.state(JWKS_CONFIGMAPS);
  if (size > JWKS_CONFIGMAP_MAX || state.bytes + size > JWKS_KEPT_MAX) return;
  state.bytes += size;
  state.data.set(`${meta.namespace}/${meta.name}`, values);
}

/** A gwapiv1.Fraction (numerator over denominator, default 100), as a share. */
function fraction(f: Field): number {
  if (!f.object()) return 0;
  const n = f.get("numerator").int() ?? 0, d = f.get("denominator").int() ?? 100;
  return d > 0 ? Math.min(1, n / d) : 0;
}

/** spec.cors (buildCORS): maxAge through time.ParseDuration (Envoy's default, none, when unset), allowCredentials false unless true. */
function readCors(f: Field): SecurityPolicy["cors"] {
  if (!f.object()) return undefined;
  const maxAge = goDuration(f.get("maxAge").string());
  return {
    allowOrigins: strings(f.get("allowOrigins")), allowMethods: strings(f.get("allowMethods")), allowHeaders: strings(f.get("allowHeaders")),
    exposeHeaders: strings(f.get("exposeHeaders")), allowCredentials: f.get("allowCredentials").bool() === true, maxAge: maxAge === undefined ? 0 : Math.floor(maxAge / 1000),
  };
}

/** spec.extAuth: the service it calls (grpc or http, backendRefs or the deprecated backendRef), and its backends for buildExtAuth's checks. */
function readExtAuth(f: Field, ns: string): SecurityPolicy["extAuth"] {
  if (!f.object()) return undefined;
  const svc = f.get("grpc").object() ? f.get("grpc") : f.get("http");
  const refs = svc.get("backendRefs").list()?.length ? svc.get("backendRefs").list()! : svc.get("backendRef").object() ? [svc.get("backendRef")] : [];
  const ref = refs[0] ?? svc.get("backendRef");
  const name = ref.get("name").string();
  const kind = f.get("grpc").object() ? "gRPC" : "HTTP";
  const backends = refs.map((r) => ({ group: r.get("group").string() ?? "", kind: r.get("kind").string() ?? "Service", namespace: r.get("namespace").string() ?? ns, name: r.get("name").string() ?? "", ...(r.get("port").int() !== undefined ? { port: r.get("port").int()! } : {}) }));
  const statusOnError = f.get("statusOnError").int();
  return { failOpen: f.get("failOpen").bool() === true, service: `${kind} service${name ? ` ${ref.get("namespace").string() ?? ""}${ref.get("namespace").string() ? "/" : ""}${name}` : ""}`, backends, ...(f.get("grpc").object() ? { grpc: true as const } : {}), ...(statusOnError !== undefined ? { statusOnError } : {}) };
}

/**
 * validateSecurityPolicy's first error the CRD leaves possible (internal/gatewayapi/securitypolicy.go,
 * run for route targets only): validateAPIKeyAuth ("only one of headers, params or cookies must be
 * specified" in one extractFrom entry), oidc.passThroughAuthHeader without jwt.
 */
function invalid(spec: Field): string | undefined {
  for (const e of spec.get("apiKeyAuth").get("extractFrom").list() ?? []) {
    if (["headers", "params", "cookies"].filter((k) => (e.get(k).list() ?? []).length > 0).length > 1) return "invalid SecurityPolicy: only one of headers, params or cookies must be specified";
  }
  if (spec.get("oidc").get("passThroughAuthHeader").bool() === true) {
    if (!spec.get("jwt").object()) return "invalid SecurityPolicy: the OIDC.PassThroughAuthHeader setting must be used in conjunction with JWT settings";
    // "When ExtractFrom is not specified it falls back to looking at the "Authorization: Bearer ..." header".
    const header = (spec.get("jwt").get("providers").list() ?? []).some((p) => !p.get("extractFrom").object() || (p.get("extractFrom").get("headers").list() ?? []).length > 0);
    if (!header) return "invalid SecurityPolicy: the OIDC.PassThroughAuthHeader setting must be used in conjunction with a JWT provider that is configured to read from a header";
  }
  return undefined;
}

/**
 * validateSecurityPolicyForTCP (run where the policy targets a TCPRoute): only authorization, its rules
 * without cel, jwt, headers and clientIPGeoLocations, their clientCIDRs net.ParseCIDR's.
 */
function tcpInvalid(spec: Field): string | undefined {
  const prefix = "invalid SecurityPolicy for TCP route: ";
  if (["cors", "csrf", "jwt", "oidc", "apiKeyAuth", "basicAuth", "extAuth"].some((k) => spec.get(k).present)) return `${prefix}only authorization is supported for TCP (routes/listeners)`;
  const rules = spec.get("authorization").get("rules").list() ?? [];
  for (const [i, r] of rules.entries()) {
    if (r.get("cel").present) return `${prefix}rule ${i}: CEL not supported for TCP`;
    const p = r.get("principal");
    if (!p.object()) continue;
    if (p.get("jwt").present) return `${prefix}rule ${i}: JWT not supported for TCP`;
    if ((p.get("headers").list() ?? []).length) return `${prefix}rule ${i}: headers not supported for TCP`;
    if ((p.get("clientIPGeoLocations").list() ?? []).length) return `${prefix}rule ${i}: clientIPGeoLocations not supported for TCP`;
    const bad = strings(p.get("clientCIDRs")).find((c) => !parseGoCidr(c, "net"));
    if (bad !== undefined) return `${prefix}rule ${i}: invalid ClientCIDR ${JSON.stringify(bad)}: invalid CIDR address: ${bad}`;
  }
  return undefined;
}

const securityPolicyFrontEnd: FrontEnd = {
  kind: "SecurityPolicy", apiVersions: [ENVOY_GATEWAY_V1ALPHA1], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const ns = meta.namespace!;
    const errors: string[] = [];
    const bad = invalid(spec), badTcp = tcpInvalid(spec);
    const authz = spec.get("authorization");
    const basic = spec.get("basicAuth"), apiKey = spec.get("apiKeyAuth"), oidc = spec.get("oidc");
    const unmodelled: string[] = [];
    const csrf = spec.get("csrf");
    const cors = readCors(spec.get("cors"));
    for (const k of unmodelled) spec.get(k).warn("ignored", `Junction does not model the SecurityPolicy's ${k}: requests are answered as if it were not set`);
    const policies = b.inv.routing.securityPolicies;
    policies.push({
      namespace: ns, name: meta.name, ...readLifecycle(root), order: policies.length, manifest: manifestOf(root), src: ctx.ref,
      targets: readTargets(spec), selectors: (spec.get("targetSelectors").list() ?? []).map(readTargetSelector),
      mergeType: spec.get("mergeType").string({ oneOf: ["StrategicMerge", "JSONMerge"] }) as SecurityPolicy["mergeType"],
      // buildAuthorization: "The default action is Deny if not specified".
      ...(authz.object() ? { authorization: { defaultAction: authz.get("defaultAction").string() === "Allow" ? "Allow" as const : "Deny" as const, rules: (authz.get("rules").list() ?? []).map((r, i) => readRule(r, i, { namespace: ns, name: meta.name }, errors)) } } : {}),
      ...(basic.object() ? { basicAuth: { users: secretRef(basic.get("users"), ns), ...(basic.get("forwardUsernameHeader").string() ? { forwardUsernameHeader: basic.get("forwardUsernameHeader").string()! } : {}) } } : {}),
      ...(apiKey.object() ? { apiKeyAuth: { credentialRefs: (apiKey.get("credentialRefs").list() ?? []).map((r) => secretRef(r, ns)), extractFrom: (apiKey.get("extractFrom").list() ?? []).map((e) => ({ headers: strings(e.get("headers")), params: strings(e.get("params")), cookies: strings(e.get("cookies")) })), ...(apiKey.get("forwardClientIDHeader").string() ? { forwardClientIDHeader: apiKey.get("forwardClientIDHeader").string()! } : {}), ...(apiKey.get("sanitize").bool() === true ? { sanitize: true as const } : {}) } } : {}),
      jwt: readJwt(spec.get("jwt"), ns, b), extAuth: readExtAuth(spec.get("extAuth"), ns),
      ...(oidc.object() ? {
        oidc: {
          provider: oidc.get("provider").get("issuer").string() ?? "the OIDC provider", passThroughAuthHeader: oidc.get("passThroughAuthHeader").bool() === true,
          denyRedirect: (oidc.get("denyRedirect").get("headers").list() ?? []).map((h) => ({ name: h.get("name").string() ?? "", type: (h.get("type").string() ?? "Exact") as "Exact" | "Prefix" | "Suffix" | "RegularExpression", value: h.get("value").string() ?? "" })),
        },
      } : {}),
      ...(cors ? { cors } : {}),
      ...(csrf.object() ? { csrf: { additionalOrigins: strings(csrf.get("additionalOrigins")).map((o) => (o.includes("://") ? o.slice(o.indexOf("://") + 3) : o)), shadow: fraction(csrf.get("shadowFraction")) } } : {}),
      errors, unmodelled, ...(bad ? { invalid: bad } : {}), ...(badTcp ? { tcpInvalid: badTcp } : {}),
    });
  },
};

export const envoyGatewaySecurityFrontEnds: FrontEnd[] = [securityPolicyFrontEnd];
