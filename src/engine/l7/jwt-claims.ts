// The `request.auth` conditions of Istio's AuthorizationPolicies over the payload of the request's
// verified JWT, as istiod writes them into Envoy's RBAC filter: metadata matchers on what jwt_authn
// put in its dynamic metadata under "payload" (pilot/pkg/security/authz/model/util.go
// MetadataValueMatcherForJWTClaim, filters.EnvoyJwtFilterPayload). No verified token: no metadata,
// so every such condition fails (its not-form holds).

import { istioWildcardText, type StringMatch } from "../../model/l7.js";
import { stringMatches } from "./strings.js";

/** A verified token's payload as Envoy's metadata holds it (space-delimited claims split into lists). */
export type JwtPayload = Readonly<Record<string, unknown>>;

/**
 * Whether one of `values` matches the request's token. `name`: undefined (requestPrincipals) or
 * "principal" (when request.auth.principal): "ISS/SUB"; "audiences" (aud), "presenter" (azp), or
 * "claims[A][B]..." (a claim path).
 */
export function requestAuthMatches(name: string | undefined, values: readonly StringMatch[], payload: JwtPayload | undefined): boolean {
  if (!payload) return false;
  if (name === undefined || name === "principal") return values.some((v) => principalMatches(istioWildcardText(v) ?? "", payload));
  const path = name === "audiences" ? ["aud"] : name === "presenter" ? ["azp"] : claimPath(name.slice("claims".length));
  const strings = claimStrings(payload, path);
  return strings.some((s) => values.some((m) => stringMatches(m, s)));
}

/**
 * The strings a claim matcher compares: MetadataListValueMatcher(..., useExtendedJwt true) is an OR
 * of a list match (one element of a list value matches) and the value itself (a string); numbers,
 * booleans and objects match no string matcher.
 */
function claimStrings(payload: JwtPayload, path: readonly string[]): string[] {
  let v: unknown = payload;
  for (const k of path) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return [];
    v = (v as Record<string, unknown>)[k];
  }
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** util.go extractNameInNestedBrackets: "[a][b]" is ["a", "b"]; anything else one name in its outer brackets. */
export function claimPath(s: string): string[] {
  const out: string[] = [];
  let begin = 0;
  while (begin < s.length) {
    const end = s[begin] === "[" ? s.indexOf("]", begin + 1) : -1;
    const inner = end === -1 ? "" : s.slice(begin + 1, end);
    if (end === -1 || inner.includes("[")) return [s.replace(/^\[/, "").replace(/\]$/, "")];
    out.push(inner);
    begin = end + 1;
  }
  return out;
}

/** Envoy's ".+" (istio StringMatcherRegex(".+")): a non-empty string. */
const ANY: StringMatch = { kind: "present" };

/**
 * A request principal value against the token's iss and sub, as generator.go requestPrincipalGenerator
 * writes it: split at the last "/" (an issuer may be a URL); "*" is any non-empty iss and sub;
 * "*X/SUB" an iss suffix and the exact sub (an iss part of "*" alone: any iss); "ISS/X*" the exact
 * iss and a sub prefix (a sub part of "*" alone: any sub); without "/": "*X" any iss and a sub suffix, "X*" an iss prefix and any sub; else
 * both exact. iss and sub must be strings in the payload.
 */
function principalMatches(value: string, payload: JwtPayload): boolean {
  const { iss, sub } = payload;
  if (typeof iss !== "string" || typeof sub !== "string") return false;
  const idx = value.lastIndexOf("/");
  const found = idx >= 0;
  const [i, s] = found ? [value.slice(0, idx), value.slice(idx + 1)] : [value, ""];
  const exact = (x: string): StringMatch => ({ kind: "exact", value: x });
  let mi: StringMatch, ms: StringMatch;
  if (value === "*") [mi, ms] = [ANY, ANY];
  else if (value.startsWith("*")) [mi, ms] = found ? [i === "*" ? ANY : { kind: "suffix", value: i.slice(1) }, exact(s)] : [ANY, { kind: "suffix", value: value.slice(1) }];
  else if (value.endsWith("*")) [mi, ms] = found ? [exact(i), s === "*" ? ANY : { kind: "prefix", value: s.slice(0, -1) }] : [{ kind: "prefix", value: value.slice(0, -1) }, ANY];
  else [mi, ms] = [exact(i), exact(s)];
  return stringMatches(mi, iss) && stringMatches(ms, sub);
}
