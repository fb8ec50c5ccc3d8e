// Envoy Gateway's SecurityPolicies (envoyproxy/gateway v1.9.0): which one governs the requests a route
// rule takes on a Gateway, and what its authentication and authorization filters answer them.
//
// Attachment (internal/gatewayapi/securitypolicy.go ProcessSecurityPolicies): as for
// BackendTrafficPolicies (traffic-policy.ts PolicyTargets), the policies oldest first, route rules, then
// routes, ListenerSet listeners, ListenerSets, Gateway listeners, Gateways; the first policy to take a
// target holds it, a later one is Conflicted ("another SecurityPolicy has already attached to it"), and
// translateSecurityPolicyForRoute / ...ForListeners set a route's features only where a more specific
// level did not ("if already set - there's a specific level policy, so skip"): the whole policy of the
// most specific level applies, unless it has a mergeType (merged into its listener's, else its
// Gateway's). A policy Envoy Gateway cannot translate makes its routes a 500 direct response
// ("setting 500 direct response in routes due to errors in SecurityPolicy"), the features it could
// build still written (the filters run before the router answers).
//
// The request path (internal/xds/translator/httpfilters.go newOrderedHTTPFilter): fault (2), CORS (3),
// ext_authz (6), api_key_auth (7), basic_auth (8), oauth2 (9), jwt_authn (10), ..., rbac (301), local and
// global rate limits (302, 303), router.

import { createHash } from "node:crypto";
import { hasObject, type AuthorizationRule, type Gateway, type ListenerSet, type RouteGraph, type SecurityPolicy } from "../../model/gateway.js";
import { contains } from "../../model/ip.js";
import { regexMatches, REGEX_SEMANTICS } from "../../model/regex.js";
import { namespacedName, type Route, type RouteRule } from "../../model/route.js";
import type { Labels } from "../../model/selector.js";
import { findTlsMaterial } from "./tlsrefs.js";
import { permitted } from "./grants.js";
import { queryParameters } from "./query.js";
import { PolicyTargets, type HeldTarget } from "./traffic-policy.js";
import type { ClientAddress } from "./client-policy.js";
import { anyJwtProvider, claimText, type JwtVerdict } from "../l7/jwt.js";
import type { HttpAttributes } from "../l7/attributes.js";
import type { IstioJwtRule } from "../../model/mesh.js";
import type { Service } from "../../model/endpoint.js";

/** The security features a route rule's requests get on one listener. */
export interface EffectiveSecurityPolicy {
  /** "namespace/name" of the policy, or of both policies merged (the route's first). */
  policies: string[];
  target: string;
  features: Pick<SecurityPolicy, "authorization" | "basicAuth" | "apiKeyAuth" | "jwt" | "extAuth" | "oidc" | "cors" | "csrf">;
  /** What Envoy Gateway cannot translate (its routes answer 500), by feature. */
  errors: { feature: "authorization" | "basicAuth" | "apiKeyAuth" | "extAuth" | "jwt" | "other"; message: string }[];
  unmodelled: string[];
  conflicted: string[];
  untimed?: string;
  /** A route's own policy Envoy Gateway does not translate (validateSecurityPolicy): what to say of it. */
  passedOver?: string[];
}

const FEATURES = ["authorization", "basicAuth", "apiKeyAuth", "jwt", "extAuth", "oidc", "cors", "csrf"] as const;

export class SecurityPolicyIndex extends PolicyTargets<SecurityPolicy> {
  /**
   * `services`: a Service of the input by namespace and name (extAuth's backends); `unreachable`: why
   * Envoy Gateway's Envoy cannot reach a Service's port ("has no ready endpoint (...)", a failing BackendTLSPolicy handshake), if it cannot.
   */
  constructor(graph: RouteGraph, namespaceLabels: (ns: string) => Labels, private readonly services: (ns: string, name: string) => Service | undefined = () => undefined,
    private readonly unreachable: (s: Service, port: number) => string | undefined = () => undefined) {
    super(graph, namespaceLabels, graph.securityPolicies, "SecurityPolicy");
  }

  /** The policy a rule of `route` gets on `listener` of `gateway` (a listener of ListenerSet `set` when given). */
  effective(gateway: Gateway, listener: string, set: ListenerSet | undefined, route: Route, rule: RouteRule): EffectiveSecurityPolicy | undefined {
    const levels = this.levels(gateway, listener, set, route, rule);
    const [parent] = levels.parents;
    // processSecurityPolicyForRoute validates a route's policy first (validateSecurityPolicy, or
    // validateSecurityPolicyForTCP for a TCPRoute) and, invalid, translates nothing: the route keeps no
    // feature of it, and its parent's policy sets them (translateSecurityPolicyForListeners: "if already set ... skip").
    const invalid = levels.own && (route.kind === "TCPRoute" ? levels.own.held.policy.tcpInvalid : levels.own.held.policy.invalid);
    const own = invalid ? undefined : levels.own;
    const passedOver = invalid ? [`SecurityPolicy ${namespacedName(levels.own!.held.policy)} targets ${levels.own!.target} but Envoy Gateway does not translate it (${invalid})${parent ? "" : ": no SecurityPolicy applies"}`] : [];
    const at = own ?? parent;
    if (!at) return invalid ? { policies: [], target: levels.own!.target, features: {}, errors: [], unmodelled: [], conflicted: [], passedOver } : undefined;
    const base = { target: at.target, conflicted: at.held.conflicted, ...(at.held.untimed ? { untimed: at.held.untimed } : {}), ...(passedOver.length ? { passedOver } : {}) };
    if (own && own.held.policy.mergeType && parent) return { ...base, ...this.merged(own, parent) };
    const p = at.held.policy;
    return { ...base, policies: [namespacedName(p)], features: pick(p), errors: this.errors(p), unmodelled: p.unmodelled };
  }

  /**
   * A route's policy with a mergeType merged into its parent's (mergeSecurityPolicy: the parent
   * patched with the route's spec): each feature the route's sets is the route's whole, the others the
   * parent's; of authorization and jwt, set in both, each field the route's spec leaves out is the
   * parent's (authorization's defaultAction or rules, jwt's optional and failOpen).
   */
  private merged(own: HeldTarget<SecurityPolicy>, parent: HeldTarget<SecurityPolicy>): Pick<EffectiveSecurityPolicy, "policies" | "features" | "errors" | "unmodelled"> {
    const r = own.held.policy, p = parent.held.policy;
    const features: EffectiveSecurityPolicy["features"] = {};
    const from = (k: (typeof FEATURES)[number]) => (r[k] !== undefined ? r : p);
    for (const k of FEATURES) if (from(k)[k] !== undefined) Object.assign(features, { [k]: from(k)[k] });
    // utils.Merge marshals the route's spec (omitempty) as the patch: a field it leaves out keeps the
    // parent's, a list it sets replaces the parent's (no patch strategy on these types).
    const given = (k: string) => ((r.manifest?.spec as Record<string, Record<string, unknown> | undefined> | undefined)?.[k] ?? {});
    if (r.authorization && p.authorization) {
      const a = given("authorization");
      features.authorization = { defaultAction: a.defaultAction !== undefined ? r.authorization.defaultAction : p.authorization.defaultAction, rules: a.rules !== undefined ? r.authorization.rules : p.authorization.rules };
    }
    if (r.jwt && p.jwt) {
      const j = given("jwt");
      features.jwt = { optional: j.optional !== undefined ? r.jwt.optional : p.jwt.optional, failOpen: j.failOpen !== undefined ? r.jwt.failOpen : p.jwt.failOpen, providers: r.jwt.providers.length ? r.jwt.providers : p.jwt.providers };
    }
    const errors = [...this.errors(r), ...this.errors(p).filter((e) => e.feature !== "other" && r[e.feature] === undefined)];
    return { policies: [namespacedName(r), namespacedName(p)], features, errors, unmodelled: [...new Set([...r.unmodelled, ...p.unmodelled])] };
  }

  /**
   * What Envoy Gateway cannot translate in a policy, in translateSecurityPolicyForRoute's order:
   * BasicAuth and APIKeyAuth (the Secrets they read: validateSecretRef,
   * buildBasicAuth, buildAPIKeyAuth), then Authorization (buildAuthorization).
   */
  errors(p: SecurityPolicy): EffectiveSecurityPolicy["errors"] {
    const own = p.errors.map((message) => ({ feature: "authorization" as const, message }));
    const out: EffectiveSecurityPolicy["errors"] = [];
    if (p.basicAuth) {
      const e = this.basicAuthError(p, p.basicAuth.users);
      if (e) out.push({ feature: "basicAuth", message: `BasicAuth: ${e}` });
    }
    if (p.apiKeyAuth) {
      const e = this.apiKeyError(p);
      if (e) out.push({ feature: "apiKeyAuth", message: `APIKeyAuth: ${e}` });
    }
    // buildJWT (after the Gateway's ext auth and OIDC): buildLocalJWKS's ConfigMap, in the policy's namespace.
    // A ConfigMap without data: the error as buildLocalJWKS formats it (its arguments in that order: "jwks", the namespace, the name).
    const bad = p.jwt?.providers.find((x) => x.jwksConfigMap !== undefined && (!hasObject(this.graph, "", "ConfigMap", p.namespace, x.jwksConfigMap) || x.jwksConfigMapValues?.length === 0));
    const jwt = !bad ? [] : [{ feature: "jwt" as const, message: bad.jwksConfigMapValues?.length === 0 ? `JWT: JWKS data not found in ConfigMap jwks/${p.namespace}, no "${bad.jwksConfigMap}" key and no other data found` : `JWT: local JWKS ConfigMap ${p.namespace}/${bad.jwksConfigMap} not found` }];
    const ext = p.extAuth ? this.extAuthError(p.extAuth) : undefined;
    return [...out, ...own.filter((e) => e.feature === "authorization"), ...(ext ? [{ feature: "extAuth" as const, message: `ExtAuth: ${ext}` }] : []), ...jwt];
  }

  /**
   * buildExtAuth's error for its backends (translateExtServiceBackendRefs, validateExtServiceBackendReference,
   * each backendRef in order): a Service's port must be given and be a TCP port of the Service, which must be in
   * the input. Other kinds (Backend, ServiceImport) are taken as they are.
   */
  private extAuthError(e: NonNullable<SecurityPolicy["extAuth"]>): string | undefined {
    for (const b of e.backends ?? []) {
      if (b.group !== "" || b.kind !== "Service") continue;
      if (b.port === undefined) return "a valid port number corresponding to a port on the Service must be specified";
      const svc = this.services(b.namespace, b.name);
      if (!svc) return hasObject(this.graph, "", "Service", b.namespace, b.name) ? undefined : `service ${b.namespace}/${b.name} not found`;
      if (!svc.ports.some((x) => x.port === b.port && x.protocol === "TCP")) return `TCP Port ${b.port} not found on service ${b.namespace}/${b.name}`;
    }
    return undefined;
  }

  /** validateSecretRef: another namespace needs a ReferenceGrant from SecurityPolicy; the Secret must be in the input. */
  private secret(p: SecurityPolicy, ref: { namespace: string; name: string }): { data?: Record<string, string>; error?: string } {
    if (ref.namespace !== p.namespace && !permitted(this.graph.referenceGrants, { group: "gateway.envoyproxy.io", kind: "SecurityPolicy", namespace: p.namespace }, { group: "", kind: "Secret", namespace: ref.namespace, name: ref.name })) {
      return { error: `secret ref namespace must match the policy namespace ${p.namespace} or be permitted by a ReferenceGrant: Secret ${ref.namespace}/${ref.name}` };
    }
    const s = findTlsMaterial(this.graph, "Secret", ref.namespace, ref.name);
    if (!s) return { error: `secret ${ref.namespace}/${ref.name} does not exist` };
    return { data: s.data ?? {} };
  }

  /** buildBasicAuth: a non-empty `.htpasswd` key, every line `user:{SHA}base64(SHA-1)` (validateHtpasswdFormat). */
  private basicAuthError(p: SecurityPolicy, ref: { namespace: string; name: string }): string | undefined {
    const s = this.secret(p, ref);
    if (s.error) return s.error;
    const users = s.data![".htpasswd"];
    if (!users) return `secret ${ref.namespace}/${ref.name} must contain a non-empty ".htpasswd" key`;
    for (const raw of users.replace(/\r\n/g, "\n").split("\n")) {
      const line = raw.trim();
      if (!line) continue;
      const colon = line.indexOf(":");
      if (colon < 0) return "invalid htpasswd format: each line must be in the format 'username:password'";
      const password = line.slice(colon + 1);
      if (!password.startsWith("{SHA}")) return "unsupported htpasswd format: please use {SHA}";
      const b64 = password.slice(5);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return "invalid htpasswd format: {SHA} must be base64-encoded SHA1";
      if (Buffer.from(b64, "base64").length !== 20) return "invalid htpasswd format: {SHA} must be SHA1 (20 bytes)";
    }
    return undefined;
  }

  /** buildAPIKeyAuth: each Secret must exist; a key given to two clients is "duplicated API key". */
  private apiKeyError(p: SecurityPolicy): string | undefined {
    const keys = new Set<string>(), clients = new Set<string>();
    for (const ref of p.apiKeyAuth!.credentialRefs) {
      const s = this.secret(p, ref);
      if (s.error) return s.error;
      for (const client of Object.keys(s.data!).sort()) {
        if (clients.has(client)) continue;
        if (keys.has(s.data![client])) return "duplicated API key";
        keys.add(s.data![client]);
        clients.add(client);
      }
    }
    return undefined;
  }

  /**
   * Why an extAuth service cannot be reached, if it cannot: every backend a Service of the input whose port has
   * no endpoint Envoy sends to, or whose BackendTLSPolicy handshake fails. A gRPC call then fails at once (no
   * healthy upstream); an HTTP one gets its async client's local reply, a 503, and RawHttpClientImpl::toResponse
   * takes any 5xx of the authorization service as an Error (ext_authz_http_impl.cc: "Set an error status if the
   * call to the authorization server returns any of the 5xx HTTP error codes"), as onFailure takes a reset.
   */
  extAuthUnreachable(e: NonNullable<SecurityPolicy["extAuth"]>): string | undefined {
    if (!e.backends?.length) return undefined;
    const why: string[] = [];
    for (const b of e.backends) {
      const svc = b.group === "" && b.kind === "Service" && b.port !== undefined ? this.services(b.namespace, b.name) : undefined;
      const none = svc && this.unreachable(svc, b.port!);
      if (!none) return undefined;
      why.push(`Service ${b.namespace}/${b.name} port ${b.port} ${none}`);
    }
    return why.join("; ");
  }

  /** The API keys apiKeyAuth accepts: the first client's of each key (buildAPIKeyAuth: Secrets in order, client ids sorted, a client seen before skipped). */
  apiKeys(p: NonNullable<SecurityPolicy["apiKeyAuth"]>, owner: SecurityPolicy): Map<string, string> {
    const out = new Map<string, string>();
    for (const ref of p.credentialRefs) {
      const data = this.secret(owner, ref).data ?? {};
      for (const client of Object.keys(data).sort()) if (![...out.values()].includes(client)) out.set(data[client], client);
    }
    return out;
  }

  /** The users basicAuth accepts: user → base64 SHA-1 of the password. */
  users(owner: SecurityPolicy, ref: { namespace: string; name: string }): Map<string, string> {
    const out = new Map<string, string>();
    for (const raw of (this.secret(owner, ref).data?.[".htpasswd"] ?? "").replace(/\r\n/g, "\n").split("\n")) {
      const line = raw.trim(), colon = line.indexOf(":");
      if (colon > 0) out.set(line.slice(0, colon), line.slice(colon + 6));
    }
    return out;
  }

  /** The policy (of `names`) that holds a feature: for the Secrets it reads. */
  owner(names: string[], feature: (typeof FEATURES)[number]): SecurityPolicy | undefined {
    return names.map((n) => this.graph.securityPolicies.find((p) => namespacedName(p) === n)).find((p) => p?.[feature] !== undefined);
  }
}

const pick = (p: SecurityPolicy): EffectiveSecurityPolicy["features"] => Object.fromEntries(FEATURES.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));

/** What the request carries that the security filters read. */
export interface SecurityRequest { method: string; path: string; headers: readonly (readonly [string, string])[]; host?: string; scheme?: string }

/** What the policy answers: `stop` (a status and why), `undetermined` (it depends on what Junction cannot see), notes. */
export interface SecurityOutcome {
  stop?: { status: number; reason: string };
  undetermined?: string;
  /** The step that decided, for the explanation. */
  steps: string[];
  /**
   * What jwt_authn does to the request's headers (claimToHeaders: every provider's removed, the verified
   * token's claims set), and, where its provider has recomputeRoute, the headers set (Envoy picks the route again).
   */
  headers?: { remove: string[]; set: [string, string][]; recompute?: string[] };
  /**
   * With recomputeRoute, where jwt_authn set headers: what the filters after jwt_authn need once Envoy has
   * picked the route again (afterJwt): the verified claims, the request as they see it, what is still pending.
   */
  resume?: { claims?: VerifiedClaims; request: SecurityRequest; pending: string[] };
}

const headerValues = (req: SecurityRequest, name: string) => req.headers.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
/** Envoy's HttpRequestHeaderMatchInput: a repeated header's values joined with ",". */
const headerValue = (req: SecurityRequest, name: string): string | undefined => { const v = headerValues(req, name); return v.length ? v.join(",") : undefined; };
const cookie = (req: SecurityRequest, name: string) => headerValues(req, "cookie").flatMap((c) => c.split(";")).map((c) => c.trim()).find((c) => c.startsWith(`${name}=`))?.slice(name.length + 1);
const param = (req: SecurityRequest, name: string) => { const q = req.path.indexOf("?"); return queryParameters(q < 0 ? "" : req.path.slice(q + 1)).get(name)?.[0]; };

/**
 * The security filters in Envoy Gateway's order, for one request. `index` reads the Secrets;
 * `client` the client address Envoy reads (client-policy.ts clientAddress).
 */
export function securityOutcome(p: EffectiveSecurityPolicy, index: SecurityPolicyIndex, req: SecurityRequest, client: ClientAddress, given?: number): SecurityOutcome {
  // verify.cc verifyJwt: "absl::ToUnixSeconds(absl::Now())", or the time the question names (--now: MeshSettings.now).
  const now = given ?? Math.floor(Date.now() / 1000);
  const who = `SecurityPolicy ${p.policies.join(" merged into ")}`;
  const steps: string[] = [...(p.passedOver ?? [])];
  if (p.conflicted.length) steps.push(`SecurityPolicy ${p.conflicted.join(", ")} also target${p.conflicted.length === 1 ? "s" : ""} ${p.target} and ${p.conflicted.length === 1 ? "is" : "are"} Conflicted (an older policy took it${p.untimed ? `; note: ${p.untimed}` : ""})`);
  for (const u of p.unmodelled) steps.push(`${who} sets ${u}, which Junction does not model`);
  const broken = new Set(p.errors.map((e) => e.feature));
  const f = p.features;
  const pending: string[] = [];
  // What the filters do to the request's headers, for the filters after them and the backend: removed, then set.
  const headerChanges: NonNullable<SecurityOutcome["headers"]> = { remove: [], set: [] };
  let current = req;
  const change = (remove: readonly string[], set: readonly [string, string][]) => {
    const gone = new Set(remove.map((k) => k.toLowerCase()));
    headerChanges.remove.push(...gone);
    headerChanges.set = [...headerChanges.set.filter(([k]) => !gone.has(k.toLowerCase())), ...set];
    current = { ...current, headers: [...current.headers.filter(([k]) => !gone.has(k.toLowerCase())), ...set] };
  };
  // csrf (4, csrf_filter.cc decodeHeaders): a POST, PUT, DELETE or PATCH whose source origin (Origin's host
  // and port, else Referer's) is neither the target's (the Host, with the scheme) nor an additionalOrigin: 403.
  if (f.csrf && ["POST", "PUT", "DELETE", "PATCH"].includes(req.method)) {
    const source = hostAndPort(headerValues(req, "origin")[0] ?? "") || hostAndPort(headerValues(req, "referer")[0] ?? "");
    const target = req.host ? hostAndPort(`${req.scheme ?? "http"}://${req.host}`) : "";
    const extra = f.csrf.additionalOrigins.find((o) => (o.includes("*") ? wildcardMatches(o, source) : o === source));
    if (!source || (source !== target && extra === undefined)) {
      const why = `${who} csrf: the ${req.method} request's source origin ${source ? `${source} is neither its host ${target || "(none)"} nor an additionalOrigin` : "is missing (no Origin, no Referer)"}: Invalid origin, 403`;
      if (f.csrf.shadow >= 1) steps.push(`${why}, but its shadowFraction is 100%: counted only`);
      else if (f.csrf.shadow > 0) pending.push(`the CSRF filter's dice (${who} csrf: ${Math.round((1 - f.csrf.shadow) * 100)}% of such requests are refused 403, the rest counted only)`);
      else return decided(pending, steps, 403, why);
    }
  }
  // ext_authz (6): the external service decides; failOpen only when it cannot be reached. Not there when Envoy Gateway could not build it (finish).
  // A service that cannot be reached: ext_authz's Error response, failure_mode_allow (failOpen) lets it through, else status_on_error (default 403).
  const unreachable = f.extAuth && !broken.has("extAuth") ? index.extAuthUnreachable(f.extAuth) : undefined;
  if (unreachable && f.extAuth!.failOpen) steps.push(`${who} extAuth: the external authorization service cannot be reached (${unreachable}): allowed as failOpen (failure_mode_allow)`);
  else if (unreachable) return decided(pending, steps, f.extAuth!.statusOnError ?? 403, `${who} extAuth: the external authorization service cannot be reached (${unreachable}): ext_authz answers its status_on_error, ${f.extAuth!.statusOnError ?? 403}${f.extAuth!.statusOnError === undefined ? " (Envoy's default; statusOnError unset)" : " (statusOnError)"}`);
  else if (f.extAuth && !broken.has("extAuth")) pending.push(`the external authorization service (${f.extAuth.service}) of ${who}: it allows or denies the request${f.extAuth.failOpen ? " (failOpen: allowed when it cannot be reached)" : ` (${f.extAuth.statusOnError ?? 403} when it cannot be reached)`}`);
  // api_key_auth (7): the first source that has a key; missing or unknown: 401.
  if (f.apiKeyAuth && !broken.has("apiKeyAuth")) {
    const owner = index.owner(p.policies, "apiKeyAuth")!;
    const key = apiKey(f.apiKeyAuth.extractFrom, req);
    const client = key !== undefined ? index.apiKeys(f.apiKeyAuth, owner).get(key) : undefined;
    if (key === undefined) return decided(pending, steps, 401, `${who} apiKeyAuth: the request carries no API key (looked for in ${sources(f.apiKeyAuth.extractFrom)}): 401`);
    if (client === undefined) return decided(pending, steps, 401, `${who} apiKeyAuth: the API key is not one of the keys of its credentialRefs: 401`);
    steps.push(`${who} apiKeyAuth: the API key is client ${client}'s`);
    // api_key_auth.cc: forwarding's header set to the client id (setReferenceKey: it replaces the client's), and with sanitize (hide_credentials) the key's headers removed.
    if (f.apiKeyAuth.forwardClientIDHeader) change([f.apiKeyAuth.forwardClientIDHeader], [[f.apiKeyAuth.forwardClientIDHeader, client]]);
    if (f.apiKeyAuth.sanitize) change(f.apiKeyAuth.extractFrom.flatMap((e) => e.headers), []);
  }
  // basic_auth (8): Authorization: Basic base64(user:password), the password's SHA-1 against .htpasswd.
  if (f.basicAuth && !broken.has("basicAuth")) {
    const owner = index.owner(p.policies, "basicAuth")!;
    // basic_auth_filter.cc decodeHeaders: the first Authorization value, which must start with "Basic " (case and
    // one space as written), the rest through Base64::decodeWithoutPadding (strict: anything else decodes to nothing).
    const auth = headerValues(req, "authorization")[0];
    if (auth === undefined) return decided(pending, steps, 401, `${who} basicAuth: the request has no Authorization header (User authentication failed. Missing username and password.): 401`);
    if (!auth.startsWith("Basic ")) return decided(pending, steps, 401, `${who} basicAuth: the Authorization header does not start with "Basic " (User authentication failed. Expected 'Basic' authentication scheme.): 401`);
    const token = auth.slice(6);
    const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(token) && token.replace(/=+$/, "").length % 4 !== 1 ? Buffer.from(token, "base64").toString("utf8") : "", colon = decoded.indexOf(":");
    if (colon < 0) return decided(pending, steps, 401, `${who} basicAuth: the credentials are not base64 of user:password (User authentication failed. Invalid basic credential format.): 401`);
    const user = decoded.slice(0, colon), password = decoded.slice(colon + 1);
    const hash = index.users(owner, f.basicAuth.users).get(user);
    if (hash === undefined || hash !== createHash("sha1").update(password).digest("base64")) return decided(pending, steps, 401, `${who} basicAuth: user ${JSON.stringify(user)} and this password are not in the .htpasswd of Secret ${f.basicAuth.users.namespace}/${f.basicAuth.users.name} (User authentication failed. Invalid username/password combination.): 401`);
    steps.push(`${who} basicAuth: user ${user} authenticated`);
    // basic_auth_filter.cc: `headers.setCopy(forwardUsernameHeader, username)`, what the client sent replaced.
    if (f.basicAuth.forwardUsernameHeader) change([f.basicAuth.forwardUsernameHeader], [[f.basicAuth.forwardUsernameHeader, user]]);
  }
  // oauth2 (9, oauth_filter.cc decodeHeaders): the pass_through_matcher first (passThroughAuthHeader: the
  // headers its jwt providers read, translator oidc.go buildHeaderMatchers), then the session cookies; a
  // request without them is redirected to the provider, or answered 401 where deny_redirect_matcher
  // matches (denyRedirect, buildDenyRedirectMatcher).
  const passed = f.oidc?.passThroughAuthHeader && f.jwt ? jwtHeaderPresent(f.jwt, req) : undefined;
  if (f.oidc && passed) steps.push(`${who} oidc: the request carries ${passed}, which passThroughAuthHeader lets through to jwt`);
  else if (f.oidc) {
    if (!headerValues(req, "cookie").some((c) => /(^|;\s*)(BearerToken|IdToken|OauthHMAC)[^=]*=/.test(c))) {
      const deny = f.oidc.denyRedirect.find((m) => { const v = headerValues(req, m.name)[0]; return v !== undefined && (m.type === "Exact" ? v === m.value : m.type === "Prefix" ? v.startsWith(m.value) : m.type === "Suffix" ? v.endsWith(m.value) : regexMatches(m.value, REGEX_SEMANTICS.gatewayApi, v)); });
      if (deny) return decided(pending, steps, 401, `${who} oidc: the request has no OAuth2 session cookie and its ${deny.name} header matches denyRedirect: 401, no redirect`);
      return decided(pending, steps, 302, `${who} oidc: the request has no OAuth2 session cookie: Envoy redirects it to ${f.oidc.provider} to log in (302)`);
    }
    pending.push(`the OAuth2 session cookies the request carries (${who} oidc: valid ones pass, others are redirected to ${f.oidc.provider})`);
  }
  // jwt_authn (10): requires_any of the providers (and allow_missing or allow_missing_or_failed).
  let claims: VerifiedClaims | undefined;

  if (f.jwt && !broken.has("jwt")) {
    const j = jwtOutcome(f.jwt, current, who, now, given !== undefined);
    if (j.pending) pending.push(j.pending);
    if (j.stop) return decided(pending, steps, j.stop.status, j.stop.reason);
    steps.push(j.step!);
    claims = j.claims;
    change(j.remove ?? [], j.set ?? []);
    // recomputeRoute: the filters after jwt_authn read the route Envoy picks again (afterJwt, called with its policy).
    if (j.recompute) return { steps, headers: { ...headerChanges, recompute: j.recompute }, resume: { ...(claims ? { claims } : {}), request: current, pending } };
  }
  const out = afterJwt(p, current, client, claims, pending, steps);
  return headerChanges.remove.length ? { ...out, headers: headerChanges } : out;
}

/**
 * The filters after jwt_authn with the per-route configuration of `p` (the route's SecurityPolicy; after a
 * recomputeRoute the route Envoy picked again, whose own policy it is: Envoy Gateway enables each filter per
 * route, typed_per_filter_config): rbac (301), rules in order, the first that matches decides, else
 * defaultAction, a denial 403; then the route's 500 direct response for a policy it cannot translate.
 */
export function afterJwt(p: EffectiveSecurityPolicy | undefined, req: SecurityRequest, client: ClientAddress, claims: VerifiedClaims | undefined, pending: string[], steps: string[]): SecurityOutcome {
  if (!p) return pending.length ? { undetermined: `depends on ${pending.join(", and on ")}`, steps } : { steps };
  const who = `SecurityPolicy ${p.policies.join(" merged into ")}`;
  const broken = new Set(p.errors.map((e) => e.feature));
  if (p.features.authorization && !broken.has("authorization")) {
    const a = p.features.authorization;
    const verdict = authorize(a.rules, 0, a.defaultAction, req, client, claims);
    if ("unknown" in verdict) return undecided(pending, steps, `${who} authorization rule ${verdict.rule.index} (${verdict.rule.name}, ${verdict.rule.action}): ${verdict.unknown}`);
    const by = verdict.rule ? `authorization rule ${verdict.rule.index} (${verdict.rule.name}) matches and` : `authorization: no rule matches${a.rules.length ? "" : " (no rules)"}, the defaultAction ${a.defaultAction}`;
    if (verdict.action === "Deny") return decided(pending, steps, 403, `${who} ${by} denies the request: RBAC: access denied, 403`);
    steps.push(`${who} ${by} allows the request`);
  }
  return finish(p, who, pending, steps);
}

/** After the filters: a policy Envoy Gateway cannot translate answers 500 (a direct response), else what is pending. */
function finish(p: EffectiveSecurityPolicy, who: string, pending: string[], steps: string[]): SecurityOutcome {
  // translateSecurityPolicyForRoute: "If there is only error for ext auth and ext auth is set to fail open, then skip the ext auth and allow the request to go through".
  const failOpen = p.errors.length > 0 && p.errors.every((e) => e.feature === "extAuth") && p.features.extAuth?.failOpen === true;
  if (failOpen) steps.push(`${who} cannot build its extAuth (${p.errors.map((e) => e.message).join("; ")}), and with failOpen Envoy Gateway leaves the external authorization out: the request goes on`);
  else if (p.errors.length) return decided(pending, steps, 500, `${who} cannot be translated (${p.errors.map((e) => e.message).join("; ")}): Envoy Gateway answers every request of its routes 500`);
  return pending.length ? { undetermined: `depends on ${pending.join(", and on ")}`, steps } : { steps };
}

/** A status, unless an earlier filter that Junction cannot evaluate may answer first. */
function decided(pending: string[], steps: string[], status: number, reason: string): SecurityOutcome {
  if (pending.length) return { undetermined: `depends on ${pending.join(", and on ")}; if ${pending.length === 1 ? "it passes" : "they pass"}: ${reason}`, steps };
  return { stop: { status, reason }, steps };
}

const undecided = (pending: string[], steps: string[], why: string): SecurityOutcome => ({ undetermined: `depends on ${[...pending, why].join(", and on ")}`, steps });

/**
 * The API key (api_key_auth.cc KeySources::getKey): Envoy Gateway writes a key source per header, then
 * parameter, then cookie of each extractFrom entry (translator/api_key_auth.go), and the first that
 * gives a non-empty key has it: a header's first value, less a leading "Bearer "; a query parameter's
 * first value; a cookie's value.
 */
function apiKey(extractFrom: NonNullable<SecurityPolicy["apiKeyAuth"]>["extractFrom"], req: SecurityRequest): string | undefined {
  for (const e of extractFrom) {
    const found = [
      ...e.headers.map((h) => () => { const v = headerValues(req, h)[0]; return v?.startsWith("Bearer ") ? v.slice(7) : v; }),
      ...e.params.map((n) => () => param(req, n)), ...e.cookies.map((n) => () => cookie(req, n)),
    ].map((get) => get()).find((v) => v !== undefined && v !== "");
    if (found !== undefined) return found;
  }
  return undefined;
}

const sources = (x: NonNullable<SecurityPolicy["apiKeyAuth"]>["extractFrom"]) => x.map((e) => [...e.headers.map((h) => `header ${h}`), ...e.params.map((q) => `query parameter ${q}`), ...e.cookies.map((c) => `cookie ${c}`)].join(", ")).join("; ");

/** A claim by name; a dotted name reads nested claims (buildJWTPredicate: metadata path by ".") */
function claim(claims: Record<string, unknown>, name: string): unknown {
  return name.split(".").reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), claims);
}

type Verdict = { action: "Allow" | "Deny"; rule?: AuthorizationRule } | { unknown: string; rule: AuthorizationRule };

/**
 * The RBAC matcher list from rule `i` on (buildRBACPerRoute: "The first matcher that matches will be
 * used to determine the action", else the default action). A rule whose match Junction cannot tell
 * decides nothing when the action is the same either way (it matches: its action; it does not: the
 * rules after it).
 */
function authorize(rules: readonly AuthorizationRule[], i: number, defaultAction: "Allow" | "Deny", req: SecurityRequest, client: ClientAddress, claims: VerifiedClaims | undefined): Verdict {
  if (i >= rules.length) return { action: defaultAction };
  const rule = rules[i], m = ruleMatches(rule, req, client, claims);
  if (m === true) return { action: rule.action, rule };
  const rest = authorize(rules, i + 1, defaultAction, req, client, claims);
  if (m === false) return rest;
  return "action" in rest && rest.action === rule.action ? { action: rule.action, ...(rest.rule ? { rule: rest.rule } : {}) } : { unknown: m, rule };
}

/**
 * Whether a rule matches (buildRBACPerRoute: every predicate ANDed): methods (any, case-insensitive),
 * path on :path (PathPrefix: PathSeparatedPrefixRegex, Exact: PathExactRegex, RE2), clientCIDRs (any,
 * the client address Envoy reads), each header (any of its values, exact), the jwt claims (each: a
 * String claim equal to one of the values, a StringArray claim holding one) and scopes (each in the
 * space-separated `scope` claim). A string when it cannot be told (why).
 */
function ruleMatches(r: AuthorizationRule, req: SecurityRequest, client: ClientAddress, claims: VerifiedClaims | undefined): boolean | string {
  if (r.methods.length && !r.methods.some((m) => m.toUpperCase() === req.method.toUpperCase())) return false;
  if (r.path) {
    const q = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
    const pattern = r.path.type === "RegularExpression" ? r.path.value : r.path.type === "Exact" ? `^${q(r.path.value)}(\\?.*|#.*|;.*|$)` : r.path.value === "/" ? "/.*" : `^${q(r.path.value.replace(/\/$/, ""))}(/.*|\\?.*|#.*|;.*|$)`;
    if (regexMatches(pattern, REGEX_SEMANTICS.gatewayApi, req.path) === r.path.invert) return false;
  }
  for (const h of r.headers) {
    const v = headerValue(req, h.name);
    if (v === undefined || !h.values.includes(v)) return false;
  }
  if (r.jwt) {
    // The claims are the metadata of the provider that verified the token (buildJWTPredicate: the path's first key is the rule's provider, payload_in_metadata).
    if (!claims || claims.provider !== r.jwt.provider) return false;
    for (const c of r.jwt.claims) {
      const v = claim(claims.payload, c.name);
      const hit = c.valueType === "StringArray" ? Array.isArray(v) && v.some((x) => typeof x === "string" && c.values.includes(x)) : typeof v === "string" && c.values.includes(v);
      if (!hit) return false;
    }
    // Each scope in the "scope" or the "scp" claim, both split on spaces by jwt_authn (normalize_payload_in_metadata).
    const inClaim = (k: string, s: string) => { const v = claims.payload[k]; return Array.isArray(v) ? v.includes(s) : typeof v === "string" && v.split(" ").includes(s); };
    if (!r.jwt.scopes.every((s) => inClaim("scope", s) || inClaim("scp", s))) return false;
  }
  if (r.clientCIDRs.length) {
    if (!client.address) return `its clientCIDRs read the client address, which Junction does not know (${client.unknown ?? "the request names no client, `from`"})`;
    if (!r.clientCIDRs.some((c) => contains(c, client.address!))) return false;
  }
  if (r.unevaluated) return `its ${r.unevaluated}, which Junction does not evaluate`;
  return true;
}

/**
 * A SecurityPolicy's authorization on a TCP or TLS route's connections (Envoy Gateway writes it, and
 * nothing else of the policy, as a network RBAC filter: authorization_tcp.go buildTCPRBACConfig, the
 * rules' clientCIDRs only, first match decides, else the defaultAction; a denial closes the
 * connection). `client`: the connection's source (Envoy's source_ip input). Undefined: nothing applies.
 */
export function streamAuthorization(p: EffectiveSecurityPolicy, client: ClientAddress): { closed?: string; undetermined?: string; notes: string[] } | undefined {
  const a = p.features.authorization;
  if (!a || p.errors.some((e) => e.feature === "authorization")) return p.passedOver?.length ? { notes: p.passedOver } : undefined;
  const who = `SecurityPolicy ${p.policies.join(" merged into ")}`;
  const notes = [...(p.passedOver ?? [])];
  const bare = a.rules.find((r) => !r.clientCIDRs.length);
  if (bare) return { undetermined: `${who} authorization rule ${bare.index} (${bare.name}) has no clientCIDRs, the only part Envoy Gateway writes for TCP: a matcher without predicate, which Junction does not model`, notes };
  const verdict = authorize(a.rules, 0, a.defaultAction, { method: "", path: "", headers: [] }, client, undefined);
  if ("unknown" in verdict) return { undetermined: `${who} authorization rule ${verdict.rule.index} (${verdict.rule.name}, ${verdict.rule.action}): ${verdict.unknown}`, notes };
  const by = verdict.rule ? `authorization rule ${verdict.rule.index} (${verdict.rule.name}) matches the connection's source and` : `authorization: no rule matches the connection's source, the defaultAction ${a.defaultAction}`;
  if (verdict.action === "Deny") return { closed: `${who} ${by} denies it (the network RBAC filter): the connection is closed`, notes };
  return { notes: [...notes, `${who} ${by} allows the connection`] };
}

/** What jwt_authn does with a request: a stop, or a step, the claims the filters after it read, its header changes; `pending` when a signature Junction cannot check decides. */
/** A verified token's payload, and the provider whose metadata holds it. */
interface VerifiedClaims { provider: string; payload: Record<string, unknown> }

interface JwtOutcome { stop?: { status: number; reason: string }; step?: string; claims?: VerifiedClaims; remove?: string[]; set?: [string, string][]; recompute?: string[]; pending?: string }

/** The request as Envoy's jwt_authn reads it (l7/attributes.ts HttpAttributes). */
function jwtAttributes(req: SecurityRequest): HttpAttributes {
  const headers = new Map<string, string[]>();
  for (const [k, v] of req.headers) headers.set(k.toLowerCase(), [...(headers.get(k.toLowerCase()) ?? []), v]);
  const q = req.path.indexOf("?");
  const path = q < 0 ? req.path : req.path.slice(0, q);
  return { method: req.method, host: "", path, url: req.path, query: q < 0 ? "" : req.path.slice(q + 1), headers, repeated: "envoy" };
}

/**
 * Envoy Gateway's jwt_authn (internal/xds/translator/jwt.go): each provider an Envoy JwtProvider
 * (buildJWTProvider: issuer, audiences, the keys, claim_to_headers, forward: true, the space-delimited
 * claims "scope" and "scp", clear_route_cache from recomputeRoute), the requirement requires_any of the
 * providers (buildJWTRequirements), with allow_missing_or_failed (failOpen) or allow_missing (optional)
 * beside them. A token is verified as Envoy does (l7/jwt.ts anyJwtProvider: the issuer, exp and nbf with
 * 60 s of skew, the audiences, the signature with the inline JWKS); a failure answers 401, 403 for an
 * audience not allowed (filter.cc onComplete); a localJWKS valueRef's keys are its ConfigMap's text
 * (buildLocalJWKS: the `jwks` key, else the only value). Keys Junction cannot read (remoteJWKS, a
 * ConfigMap of several values without `jwks`): the signature is taken both ways, and where the answer
 * turns on it, it is pending.
 */
function jwtOutcome(jwt: NonNullable<SecurityPolicy["jwt"]>, req: SecurityRequest, who: string, now: number, named: boolean): JwtOutcome {
  const keyed = { ...jwt, providers: jwt.providers.map((p) => ({ ...p, ...(p.jwks === undefined && new Set(p.jwksConfigMapValues).size === 1 ? { jwks: p.jwksConfigMapValues![0] } : {}) })) };
  const rules: IstioJwtRule[] = keyed.providers.map((p) => ({
    issuer: p.issuer, audiences: p.audiences, fromHeaders: p.extractFrom?.headers ?? [], fromParams: p.extractFrom?.params ?? [], fromCookies: p.extractFrom?.cookies ?? [],
    ...(p.jwks !== undefined ? { jwks: p.jwks } : {}), ...(p.jwksUri !== undefined ? { jwksUri: p.jwksUri } : {}),
    forward: true, claimToHeaders: p.claimToHeaders, spaceDelimitedClaims: ["scope", "scp"], path: [],
  }));
  const h = jwtAttributes(req);
  const valid = anyJwtProvider(rules, h, now, "valid");
  const invalid = keyed.providers.some((p) => p.jwks === undefined) ? anyJwtProvider(rules, h, now, "invalid") : valid;
  const when = { now, named };
  const ifValid = jwtAnswer(keyed, valid, who, when), ifInvalid = jwtAnswer(keyed, invalid, who, when);
  if (sameAnswer(ifValid, ifInvalid)) return ifValid;
  const by = keyed.providers["provider" in valid ? valid.provider : (invalid as { provider: number }).provider];
  const keys = by.jwksUri !== undefined ? `remoteJWKS ${by.jwksUri}, which Junction does not read`
    : by.jwksConfigMapValues ? `the localJWKS ConfigMap ${by.jwksConfigMap}, which has no jwks key: Envoy Gateway takes the first of its ${by.jwksConfigMapValues.length} values a Go map range gives (buildLocalJWKS), any of them`
    : `the localJWKS ConfigMap ${by.jwksConfigMap}, whose data Junction did not keep (over 1 MiB, or past 64 MiB of such data in the input)`;
  return { ...ifValid, pending: `the token's signature (${who} jwt provider ${by.name} takes its keys from ${keys}; ${ifInvalid.stop ? `an invalid one gets ${ifInvalid.stop.status}` : `an invalid one passes without claims`})` };
}

function sameAnswer(a: JwtOutcome, b: JwtOutcome): boolean {
  return a.stop?.status === b.stop?.status && JSON.stringify(a.claims) === JSON.stringify(b.claims);
}

/** One verdict's answer: the requirement's allow_missing / allow_missing_or_failed, the headers claim_to_headers sets. */
function jwtAnswer(jwt: NonNullable<SecurityPolicy["jwt"]>, v: JwtVerdict, who: string, when: { now: number; named: boolean }): JwtOutcome {
  // The claim headers of the providers that ran are removed (verifier.cc ProviderVerifierImpl::verify:
  // "extractor_->sanitizeHeaders(ctximpl.headers())" before it looks for a token); the requires_any runs
  // the providers in order and stops at the first Ok (BaseGroupVerifierImpl::verify: "if
  // (ctximpl.getCompletionState(this).is_completed_) return;"), so those after a verified one leave the
  // client's headers as sent. The verified token's are then set from its claims.
  const ran = v.code === "Ok" ? jwt.providers.slice(0, v.provider + 1) : jwt.providers;
  const remove = [...new Set(ran.flatMap((p) => p.claimToHeaders.map((c) => c.header.toLowerCase())))];
  const names = jwt.providers.map((x) => x.name).join(", ");
  if (v.code === "JwtMissed") {
    if (!jwt.optional && !jwt.failOpen) return { stop: { status: 401, reason: `${who} jwt: the request carries no token where its providers (${names}) read one: Jwt is missing, 401` } };
    return { step: `${who} jwt: no token, allowed as ${jwt.failOpen ? "failOpen" : "optional"} (allow_missing${jwt.failOpen ? "_or_failed" : ""})`, remove, set: [] };
  }
  const p = jwt.providers[v.provider];
  if (v.code !== "Ok") {
    const status = v.code === "JwtAudienceNotAllowed" ? 403 : 401;
    if (jwt.failOpen) return { step: `${who} jwt: the token fails provider ${p.name} ("${v.text}"), allowed as failOpen (allow_missing_or_failed) without its claims`, remove, set: [] };
    // A token's time decides at the time judged: say which (as l7/jwt.ts withJwt does for Istio).
    const at = v.text === "Jwt is expired" || v.text === "Jwt not yet valid" ? ` (judged at ${new Date(when.now * 1000).toISOString()}, ${when.named ? "--now" : "the clock; --now names another time"}, with jwt_verify_lib's 60 s of clock skew)` : "";
    return { stop: { status, reason: `${who} jwt provider ${p.name}: ${v.text}, ${status}${at}` } };
  }
  const set = p.claimToHeaders.flatMap((c): [string, string][] => { const t = claimText(v.payload, c.claim); return t === undefined ? [] : [[c.header, t]]; });
  return {
    step: `${who} jwt: the token verifies with provider ${p.name}${p.jwks === undefined ? " (if its signature does)" : ""}${set.length ? `; claimToHeaders sets ${set.map(([k, x]) => `${k}: ${x}`).join(", ")}` : ""}`,
    claims: { provider: p.name, payload: { ...v.payload } }, remove, set, ...(p.recomputeRoute && set.length ? { recompute: set.map(([k]) => k.toLowerCase()) } : {}),
  };
}

/** Envoy's Utility::Url hostAndPort of an absolute URL; what does not parse as one, as it is. */
function hostAndPort(url: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url);
  return m ? m[1] : url;
}

/** A wildcard2regex pattern (each "*" any text, the rest literal), matched whole. */
function wildcardMatches(pattern: string, text: string): boolean {
  return new RegExp(`^${pattern.split("*").map((x) => x.replace(/[\\^$.|?+()[\]{}]/g, "\\$&")).join(".*")}$`, "s").test(text);
}

/**
 * Whether the policy's cors allows an Origin: Envoy's CORS filter matches it with each allowOrigins
 * entry, exact, or one with "*" as the full-match regular expression wildcard2regex writes
 * (securitypolicy.go buildCORS: regexp.QuoteMeta, then each "\\*" as ".*").
 */
export function securityCorsAllows(cors: NonNullable<SecurityPolicy["cors"]>, origin: string): boolean {
  return cors.allowOrigins.some((o) => (o.includes("*") ? wildcardMatches(o, origin) : o === origin));
}

/** The header (of those its jwt providers read) a request carries, as oidc.go buildHeaderMatchers matches them: no extractFrom, Authorization with the prefix "Bearer "; else each header, with its valuePrefix when set. */
function jwtHeaderPresent(jwt: NonNullable<SecurityPolicy["jwt"]>, req: SecurityRequest): string | undefined {
  for (const p of jwt.providers) {
    for (const h of p.extractFrom ? p.extractFrom.headers : [{ name: "authorization", prefix: "Bearer " }]) {
      // HeaderUtility::matchHeaders reads the values joined with ",": its prefix is the first value's.
      if (headerValues(req, h.name)[0]?.startsWith(h.prefix)) return `a ${h.name} header${h.prefix ? ` starting with "${h.prefix}"` : ""}`;
    }
  }
  return undefined;
}
