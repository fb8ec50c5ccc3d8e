// Istio's RequestAuthentication at an Envoy-based point (a sidecar's HTTP port, a gateway's pod, a
// waypoint), BEFORE its RBAC: the jwt_authn filter istiod writes (pilot/pkg/security/authn/
// policy_applier.go convertToEnvoyJwtConfig) and what it leaves for the RBAC filter (the verified
// payload, jwt-claims.ts).
//   requirement: one provider per jwtRules entry ("origins-N", the rules of every policy sorted by
//     issuer); one: requires_any {provider, allow_missing}; several: requires_any {P1, .., Pn,
//     requires_all {any {P1, allow_missing}, .., any {Pn, allow_missing}}}: "the filter should
//     reject all requests with invalid token. On the other hand, if no token provided, the request
//     is allowed".
//   a provider (authenticator.cc startVerify, for each token its locations hold, the last first;
//     every one must verify): parse (jwt_verify_lib Jwt::parseFromString) → the issuer the location
//     allows (JwtUnknownIssuer) → time (verifyTimeConstraint, 60 s clock skew) → audiences
//     (JwtAudienceNotAllowed) → signature with the provider's JWKS.
//   answer: a failure is Envoy's local reply, 401 with the status text, 403 for JwtAudienceNotAllowed
//     (filter.cc onComplete); CORS preflights pass (BypassCorsPreflight: true).
// A signature Junction cannot check (the keys are at a jwksUri, or found by OIDC discovery) is
// assumed both ways: the same answer stands; else the answer is unknown, never "allowed".

import type { IstioJwtRule, IstioRequestAuthentication } from "../../model/mesh.js";
import type { Attributes, HttpAttributes } from "./attributes.js";
import type { JwtPayload } from "./jwt-claims.js";
import type { Hop, LayerDecision, PolicyRef } from "./hop.js";
import { base64url, checkSignature } from "./jwks.js";

/** jwt_verify_lib kClockSkewInSecond (istiod sets no clock_skew_seconds). */
const CLOCK_SKEW = 60;
const IMPLEMENTED = new Set(["ES256", "ES384", "ES512", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"]);

/** One provider: a jwtRules entry of a RequestAuthentication. */
interface Provider { policy: IstioRequestAuthentication; rule: IstioJwtRule; index: number }

/** A provider's or a requirement's status: jwt_verify_lib Status, by name, with its text. */
type Status =
  | { code: "Ok"; payload: JwtPayload; by: Provider; token: Extracted; encoded: string }
  | { code: "JwtMissed" }
  | { code: "JwtUnknownIssuer" | "JwtAudienceNotAllowed" | "Failed"; text: string; by: Provider };

interface Extracted { token: string; header?: string }

/** How the signatures Junction cannot check are taken. */
type Assume = "valid" | "invalid";

/** The providers of the policies, as istiod orders them (sorted by issuer; a stable sort keeps the policies' order). */
function providersOf(policies: readonly IstioRequestAuthentication[]): Provider[] {
  const all = policies.flatMap((policy) => policy.jwtRules.map((rule, index) => ({ policy, rule, index })));
  return all.sort((a, b) => (a.rule.issuer < b.rule.issuer ? -1 : a.rule.issuer > b.rule.issuer ? 1 : 0));
}

/**
 * The tokens at a provider's locations (extractor.cc ExtractorImpl::extract): headers (by name and
 * prefix, sorted), then query parameters, then cookies. Each value of a header is a token of its own
 * ("for (size_t i = 0; i < header_value.size(); i++)", envoy#31468: the values are no longer joined
 * with ","), and every one must verify; with a prefix, the token is the rest of the value from the
 * first base64url or dot character after the prefix's first occurrence (extractJWT: "return
 * value_str.substr(starting)", the whole rest: what follows the JWT stays in the token and fails its
 * parse), a value without the prefix holds none; without a prefix, the whole value. Without any
 * location: Authorization "Bearer " and the parameter access_token.
 */
function extract(rule: IstioJwtRule, h: HttpAttributes): Extracted[] {
  const defaults = !rule.fromHeaders.length && !rule.fromParams.length && !rule.fromCookies.length;
  const headers = defaults ? [{ name: "authorization", prefix: "Bearer " }] : rule.fromHeaders.map((x) => ({ name: x.name.toLowerCase(), prefix: x.prefix }));
  const params = defaults ? ["access_token"] : rule.fromParams;
  const out: Extracted[] = [];
  const seen = new Set<string>();
  for (const { name, prefix } of [...headers].sort((a, b) => ((a.name + a.prefix) < (b.name + b.prefix) ? -1 : 1))) {
    if (seen.has(name + prefix)) continue;
    seen.add(name + prefix);
    for (const value of h.headers.get(name) ?? []) {
      if (!prefix) { out.push({ token: value, header: name }); continue; }
      const at = value.indexOf(prefix);
      if (at >= 0) out.push({ token: jwtRest(value, at + prefix.length), header: name });
    }
  }
  const query = queryParams(h.query);
  for (const p of [...new Set(params)].sort()) { const v = query.get(p); if (v !== undefined) out.push({ token: v }); }
  const cookies = cookiesOf(h.headers.get("cookie") ?? []);
  for (const c of [...new Set(rule.fromCookies)].sort()) { const v = cookies.get(c); if (v !== undefined) out.push({ token: v }); }
  return out;
}

const JWT_CHARS = /[A-Za-z0-9_.-]/;

/** extractor.cc extractJWT: from the first base64url character or dot at or after `after` to the end of the value; none: the value as is. */
function jwtRest(value: string, after: number): string {
  let start = after;
  while (start < value.length && !JWT_CHARS.test(value[start])) start++;
  return start >= value.length ? value : value.slice(start);
}

/** Envoy's parseAndDecodeQueryString: name=value pairs split on "&", percent-decoded; the first of a repeated name. */
function queryParams(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of query.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const [k, v] = eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
    const key = decode(k);
    if (!out.has(key)) out.set(key, decode(v));
  }
  return out;
}

function decode(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}

/** Envoy's Utility::parseCookies: "k=v" pairs split on ";", trimmed, a quoted value unquoted; the first of a name. */
function cookiesOf(headers: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const h of headers) for (const part of h.split(";")) {
    const p = part.trimStart();
    const eq = p.indexOf("=");
    if (eq < 0) continue;
    const k = p.slice(0, eq);
    let v = p.slice(eq + 1);
    if (v.length >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.slice(1, -1);
    if (!out.has(k)) out.set(k, v);
  }
  return out;
}

interface Jwt {
  alg: string; kid?: string; iss: string; audiences: string[]; exp: number; nbf: number;
  payload: Record<string, unknown>; signingInput: string; signature: Buffer;
}

function jsonObject(b: Buffer | undefined): Record<string, unknown> | undefined {
  if (!b) return undefined;
  try {
    const v: unknown = JSON.parse(b.toString("utf8"));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch { return undefined; }
}

/** jwt_verify_lib Jwt::parseFromString; a string is the failure's text (status.cc getStatusString). */
function parseJwt(token: string): Jwt | string {
  // jwt.cc parseFromString: absl::StrSplit(jwt, '.', absl::SkipEmpty()), exactly 3 sections: empty ones
  // are skipped ("h..p.s" and "h.p.s." are "h.p.s"; "h.p." has 2 sections).
  const parts = token.split(".").filter((p) => p);
  if (parts.length !== 3) return "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections";
  const header = base64url(parts[0]);
  if (!header) return "Jwt header is an invalid Base64url encoded";
  const h = jsonObject(header);
  if (!h) return "Jwt header is an invalid JSON";
  if (typeof h.alg !== "string") return "Jwt header [alg] field is required and must be a string";
  if (!IMPLEMENTED.has(h.alg)) return "Jwt header [alg] is not supported";
  if (h.kid !== undefined && typeof h.kid !== "string") return "Jwt header [kid] field is not a string";
  const body = base64url(parts[1]);
  if (!body) return "Jwt payload is an invalid Base64url encoded";
  const p = jsonObject(body);
  if (!p) return "Jwt payload is an invalid JSON";
  for (const k of ["iss", "sub", "jti"]) if (p[k] !== undefined && typeof p[k] !== "string") return `Jwt payload [${k}] field is not a string`;
  // StructUtils::GetUInt64: a JSON number (else "not an integer"), not negative nor 2^64 or more (else
  // OUT_OF_RANGE), truncated to an integer ("static_cast<uint64_t>(double_value)": 1.9 is 1).
  const times: Record<string, number> = {};
  for (const k of ["iat", "nbf", "exp"]) {
    if (p[k] === undefined) continue;
    if (typeof p[k] !== "number") return `Jwt payload [${k}] field is not an integer`;
    if ((p[k] as number) < 0 || (p[k] as number) >= 2 ** 64) return `Jwt payload [${k}] field is not a positive 64 bit integer`;
    times[k] = Math.trunc(p[k] as number);
  }
  const aud = p.aud;
  if (aud !== undefined && typeof aud !== "string" && !(Array.isArray(aud) && aud.every((x) => typeof x === "string"))) return "Jwt payload [aud] field is not a string or string list";
  const signature = base64url(parts[2]);
  if (!signature) return "Jwt signature is an invalid Base64url encoded";
  return {
    alg: h.alg, ...(typeof h.kid === "string" ? { kid: h.kid } : {}), iss: (p.iss as string | undefined) ?? "",
    audiences: aud === undefined ? [] : typeof aud === "string" ? [aud] : aud as string[],
    exp: times.exp ?? 0, nbf: times.nbf ?? 0, payload: p, signingInput: `${parts[0]}.${parts[1]}`, signature,
  };
}

/** jwt_verify_lib check_audience.cc sanitizeAudience: no http:// or https:// scheme, no trailing "/". */
function sanitizeAudience(a: string): string {
  return a.replace(/^https?:\/\//, "").replace(/\/$/, "");
}

/** One token by one provider (authenticator.cc startVerify). */
function verifyToken(p: Provider, t: Extracted, now: number, assume: Assume): Status {
  const jwt = parseJwt(t.token);
  if (typeof jwt === "string") return { code: "Failed", text: jwt, by: p };
  if (p.rule.issuer && jwt.iss !== p.rule.issuer) return { code: "JwtUnknownIssuer", text: "Jwt issuer is not configured", by: p };
  if (now + CLOCK_SKEW < jwt.nbf) return { code: "Failed", text: "Jwt not yet valid", by: p };
  if (jwt.exp && now > jwt.exp + CLOCK_SKEW) return { code: "Failed", text: "Jwt is expired", by: p };
  const allowed = p.rule.audiences.map(sanitizeAudience);
  if (allowed.length && !jwt.audiences.some((a) => allowed.includes(sanitizeAudience(a)))) return { code: "JwtAudienceNotAllowed", text: "Audiences in Jwt are not allowed", by: p };
  const sig = checkSignature(p.rule.jwks, jwt);
  if (sig === undefined && assume === "invalid") return { code: "Failed", text: "Jwt verification fails", by: p };
  if (sig !== undefined && sig !== "Ok") return { code: "Failed", text: sig, by: p };
  return { code: "Ok", payload: normalized(jwt.payload, p.rule), by: p, token: t, encoded: jwt.signingInput.split(".")[1] };
}

/** authenticator.cc setPayloadMetadata: the space-delimited claims (strings) become lists of their words. */
function normalized(payload: Record<string, unknown>, rule: IstioJwtRule): JwtPayload {
  const out = { ...payload };
  for (const c of rule.spaceDelimitedClaims) {
    const v = payload[c];
    if (typeof v === "string") out[c] = v.split(" ").filter((x) => x);
  }
  return out;
}

/** A provider verifier: no token at its locations: JwtMissed; else every token, the last first, until one fails. */
function providerStatus(p: Provider, h: HttpAttributes, now: number, assume: Assume): Status {
  const tokens = extract(p.rule, h);
  if (!tokens.length) return { code: "JwtMissed" };
  let ok: Status | undefined;
  for (const t of [...tokens].reverse()) {
    const s = verifyToken(p, t, now, assume);
    if (s.code !== "Ok") return s;
    ok ??= s;
  }
  return ok!;
}

/**
 * verifier.cc AnyVerifierImpl: the first child that is Ok; else the status it reports (errors other
 * than JwtMissed and JwtUnknownIssuer first, then JwtUnknownIssuer). JwtMissed stays JwtMissed: the
 * requirement passes it (allow_missing; several providers: the requires_all branch).
 */
function any(children: readonly Status[]): Status {
  const ok = children.find((c) => c.code === "Ok");
  if (ok) return ok;
  let final: Status = { code: "JwtMissed" };
  for (const c of children) if ((c.code !== "JwtMissed" && c.code !== "JwtUnknownIssuer") || final.code === "JwtMissed") final = c;
  return final;
}

/** The requirement istiod writes (convertToEnvoyJwtConfig); JwtMissed here passes (allow_missing). */
function requirement(providers: readonly Provider[], h: HttpAttributes, now: number, assume: Assume): Status {
  const statuses = providers.map((p) => providerStatus(p, h, now, assume));
  if (statuses.length === 1) return any(statuses);
  // requires_all of {Pi, allow_missing}: every provider Ok or missing; the first that is neither fails it.
  const failed = statuses.find((s) => s.code !== "Ok" && s.code !== "JwtMissed");
  const all: Status = failed ?? statuses.find((s) => s.code === "Ok") ?? { code: "JwtMissed" };
  return any([...statuses, all]);
}

/** filter.cc isCorsPreflightRequest: OPTIONS with a non-empty Origin and Access-Control-Request-Method. */
function corsPreflight(h: HttpAttributes): boolean {
  const first = (n: string) => h.headers.get(n)?.[0] ?? "";
  return h.method === "OPTIONS" && first("origin") !== "" && first("access-control-request-method") !== "";
}

function ref(p: Provider): PolicyRef {
  return { kind: "RequestAuthentication", namespace: p.policy.namespace, name: p.policy.name, rule: p.index, path: p.rule.path, ...(p.policy.src ? { src: p.policy.src } : {}) };
}

const describe = (p: Provider) => `RequestAuthentication ${p.policy.namespace}/${p.policy.name} (jwtRules[${p.index}]${p.rule.issuer ? `, issuer ${p.rule.issuer}` : ""})`;

/**
 * The providers whose verifier ran for the request: each removes its claim and payload headers before
 * it looks for a token (verifier.cc ProviderVerifierImpl::verify: "extractor_->sanitizeHeaders"). One
 * provider always runs. Several: the outer requires_any runs P1, P2, ... in istiod's order and stops at
 * the first that is Ok (BaseGroupVerifierImpl::verify: "if (ctximpl.getCompletionState(this).is_completed_)
 * return;", AnyVerifierImpl::onComplete: "If any of children is OK, return OK"; the keys are inline, so
 * each verifies at once), so the providers after a verified one never run and leave their headers as
 * the client sent them; without one verified, every provider ran.
 */
function providersRan(providers: readonly Provider[], ok: Extract<Status, { code: "Ok" }> | undefined): readonly Provider[] {
  return ok ? providers.slice(0, providers.indexOf(ok.by) + 1) : providers;
}

/**
 * What the RBAC filter after jwt_authn sees: the claim and payload headers of the providers that ran
 * removed (providersRan), and for a verified token those set from it (the payload as sent, base64url)
 * and, without forwardOriginalToken, the header it came from removed (handleGoodJwt).
 */
function afterJwt(a: Attributes, providers: readonly Provider[], ok: Extract<Status, { code: "Ok" }> | undefined): Attributes {
  if (!a.http) return a;
  const headers = new Map(a.http.headers);
  for (const p of providersRan(providers, ok)) for (const x of [...p.rule.claimToHeaders.map((c) => c.header), ...(p.rule.payloadHeader ? [p.rule.payloadHeader] : [])]) headers.delete(x);
  if (!ok) return { ...a, http: { ...a.http, headers } };
  const rule = ok.by.rule;
  if (!rule.forward && ok.token.header) headers.delete(ok.token.header);
  if (rule.payloadHeader) headers.set(rule.payloadHeader, [ok.encoded]);
  for (const c of rule.claimToHeaders) {
    const v = claimText(ok.payload, c.claim);
    if (v !== undefined) headers.set(c.header, [...(headers.get(c.header) ?? []), v]);
  }
  return { ...a, http: { ...a.http, headers }, jwt: ok.payload };
}

/** authenticator.cc addJWTClaimToHeader: a string as is, a number or boolean as text, an object or list as base64 of its JSON; a nested claim by "." path. */
export function claimText(payload: JwtPayload, claim: string): string | undefined {
  let v: unknown = payload;
  for (const k of claim.split(".")) v = v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined;
  if (typeof v === "string") return v || undefined;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return v !== null && typeof v === "object" ? Buffer.from(JSON.stringify(v)).toString("base64") : undefined;
}

/**
 * The point's decision with its RequestAuthentications (`policies`) before its authorization
 * (`authorize`, over the attributes jwt_authn leaves). Without policies, on a TCP chain, or for a CORS
 * preflight, the authorization alone.
 */
export function withJwt(hop: Hop, policies: readonly IstioRequestAuthentication[], a: Attributes, enforcer: string, authorize: (a: Attributes) => LayerDecision, given?: number): LayerDecision {
  // verify.cc verifyJwt: "absl::ToUnixSeconds(absl::Now())", or the time the question names (--now).
  const now = given ?? Math.floor(Date.now() / 1000);
  const providers = providersOf(policies);
  const h = a.http;
  if (!providers.length || !h) return authorize(a);
  if (corsPreflight(h)) return note(authorize(a), "a CORS preflight request passes jwt_authn (bypass_cors_preflight)");
  const valid = requirement(providers, h, now, "valid");
  const invalid = providers.some((p) => p.rule.jwks === undefined) ? requirement(providers, h, now, "invalid") : valid;
  const decided = (s: Status): LayerDecision => {
    if (s.code === "JwtMissed") return note(authorize(afterJwt(a, providers, undefined)), `no JWT at the locations of ${policies.length > 1 ? "the" : "its"} ${providers.map(describe).join(", ")}: the request passes jwt_authn (allow_missing) without request.auth`);
    if (s.code === "Ok") return note(authorize(afterJwt(a, providers, s)), `the JWT verified with ${describe(s.by)}: request.auth is its payload (iss ${JSON.stringify(s.payload.iss ?? "")}, sub ${JSON.stringify(s.payload.sub ?? "")})`);
    const d = rejected(hop, s, enforcer);
    // A token's time decides at the time judged: say which, so that an answer that changes with the clock shows why.
    if (s.text === "Jwt is expired" || s.text === "Jwt not yet valid") d.trace.push(`judged at ${new Date(now * 1000).toISOString()} (${given !== undefined ? "--now" : "the clock; --now names another time"}), with jwt_verify_lib's 60 s of clock skew`);
    return d;
  };
  if (same(valid, invalid)) return decided(valid);
  // The token's fate turns on a signature Junction cannot check.
  const ifValid = decided(valid), ifInvalid = decided(invalid);
  const by = "by" in valid ? valid.by : (invalid as { by: Provider }).by;
  const why = `the JWT's signature cannot be checked: ${describe(by)} takes its keys from ${keysOf(by)}, which Junction does not fetch`;
  if (ifValid.verdict === "deny") return { ...ifValid, trace: [...ifValid.trace, `${why}; denied either way (${ifInvalid.summary})`] };
  return {
    layer: "istio", enforcer, verdict: "undecided", unknown: why, trace: [...ifValid.trace, why], warnings: ifValid.warnings,
    summary: `unknown: ${why}; if it verifies: ${ifValid.summary}; if not: ${ifInvalid.summary}`, ...(ifInvalid.policy ? { policy: ifInvalid.policy } : {}),
  };
}

function keysOf(p: Provider): string {
  return p.rule.jwksUri ? `jwksUri ${p.rule.jwksUri}` : `the issuer's OpenID discovery (${p.rule.issuer}/.well-known/openid-configuration)`;
}

/** Whether two statuses answer alike (the signatures Junction cannot check did not count). */
function same(a: Status, b: Status): boolean {
  if (a.code !== b.code) return false;
  if (a.code === "Ok") return b.code === "Ok" && a.by === b.by && a.token.token === b.token.token;
  return a.code === "JwtMissed" || ("text" in b && a.text === b.text && a.by === b.by);
}

function note(d: LayerDecision, line: string): LayerDecision {
  return { ...d, trace: [line, ...d.trace] };
}

/** jwt_authn's local reply (filter.cc onComplete): 403 for JwtAudienceNotAllowed, else 401; gRPC: UNAUTHENTICATED or PERMISSION_DENIED. */
function rejected(hop: Hop, s: Exclude<Status, { code: "Ok" | "JwtMissed" }>, enforcer: string): LayerDecision {
  const status = s.code === "JwtAudienceNotAllowed" ? 403 : 401;
  const denial = hop.http?.grpc ? { status: 200, grpcCode: status === 401 ? "UNAUTHENTICATED" : "PERMISSION_DENIED" } : { status };
  return {
    layer: "istio", enforcer, verdict: "deny", policy: ref(s.by), denial, trace: [], warnings: [],
    summary: `rejected by ${describe(s.by)}: ${status} "${s.text}" (jwt_authn: a request that carries a JWT must verify; only one without a token passes)`,
  };
}

/** How signatures Junction cannot check are taken: both ways, to see whether the answer turns on them. */
export type JwtAssumption = Assume;

/** A requires_any's verdict: the provider (its index in `rules`) that decided, with the payload or the failure's text. */
export type JwtVerdict =
  | { code: "Ok"; provider: number; payload: JwtPayload }
  | { code: "JwtMissed" }
  | { code: "JwtUnknownIssuer" | "JwtAudienceNotAllowed" | "Failed"; provider: number; text: string };

const NO_POLICY: IstioRequestAuthentication = { kind: "RequestAuthentication", name: "", namespace: "", jwtRules: [] };

/**
 * A requires_any of provider_name requirements over `rules` (verifier.cc AnyVerifierImpl): each
 * provider's tokens verified as above (extract, verifyToken, the last token first), then `any`. For
 * Envoy Gateway's SecurityPolicy jwt (engine/gateway/security-policy.ts), whose providers are Envoy
 * JwtProviders too (envoyproxy/gateway internal/xds/translator/jwt.go buildJWTRequirements).
 */
export function anyJwtProvider(rules: readonly IstioJwtRule[], h: HttpAttributes, now: number, assume: JwtAssumption): JwtVerdict {
  const providers: Provider[] = rules.map((rule, index) => ({ policy: NO_POLICY, rule, index }));
  const s = any(providers.map((p) => providerStatus(p, h, now, assume)));
  if (s.code === "JwtMissed") return s;
  return s.code === "Ok" ? { code: "Ok", provider: s.by.index, payload: s.payload } : { code: s.code, provider: s.by.index, text: s.text };
}
