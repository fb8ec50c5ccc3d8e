// Front end for Istio's RequestAuthentication (security.istio.io v1, v1beta1): the JWTs a workload's
// proxy accepts, as istiod writes them into Envoy's jwt_authn filter (pilot/pkg/security/authn/
// policy_applier.go convertToEnvoyJwtConfig: one provider per jwtRules entry, "origins-N"; a token,
// when there is one, must verify, a request without one passes). The engine step is engine/l7/jwt.ts.
// The validation webhook's checks (pkg/config/validation ValidateRequestAuthentication,
// validateJwtRule) are errors; its private-key warning (warnPrivateJwksKeys) a warning.

import { createPublicKey } from "node:crypto";
import type { IstioJwtRule, IstioRequestAuthentication } from "../../model/mesh.js";
import type { Field } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readLabels, readMeta } from "../k8s.js";
import { ISTIO_SECURITY_APIS, readTargetRefs } from "./authorization.js";

/** Envoy's default space-delimited claims (authn policy_applier.go buildSpaceDelimitedClaims: "scope" and "permission" are always included). */
const DEFAULT_SPACE_DELIMITED = ["permission", "scope"];
/** validation.go ValidateStrictHTTPHeaderName: an RFC 7230 token. */
const HEADER_NAME = /^[a-zA-Z0-9!#$%&'*+.^_`|~-]+$/;

export const requestAuthenticationFrontEnd: FrontEnd = {
  kind: "RequestAuthentication", apiVersions: ISTIO_SECURITY_APIS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    spec.object();
    const namespace = meta?.namespace ?? "default";
    const targetRefs = readTargetRefs(spec);
    const selectorField = spec.get("selector");
    const selector = selectorField.object() ? readLabels(selectorField.get("matchLabels")) : undefined;
    // validateOneOfSelectorType: "only one of targetRefs or workloadSelector can be set".
    if (selector && targetRefs) selectorField.error("exclusive", "only one of targetRefs or workloadSelector can be set");
    if (selector && !Object.keys(selector).length) selectorField.warn("empty-selector", "workload selector specified without labels: it selects every workload of the namespace, as Istio's validation warns");
    const jwtRules = (spec.get("jwtRules").list() ?? []).flatMap((r) => readJwtRule(r) ?? []);
    if (!meta) return;
    b.useNamespace(namespace, ctx.ref);
    const policy: IstioRequestAuthentication = {
      kind: "RequestAuthentication", name: meta.name, namespace,
      ...(selector && Object.keys(selector).length ? { selector } : {}), ...(targetRefs ? { targetRefs } : {}), jwtRules, src: ctx.ref,
    };
    b.inv.mesh.istio.requestAuthentications.push(policy);
  },
};

/** One jwtRules entry (validateJwtRule); undefined when it is not an object. */
function readJwtRule(r: Field): IstioJwtRule | undefined {
  if (!r.object(true)) return undefined;
  const issuer = r.get("issuer").string() ?? "";
  const jwksUri = r.get("jwksUri").string() || undefined;
  if (!issuer && !jwksUri) r.get("issuer").error("required", "issuer or jwksUri must be non-empty string");
  if (jwksUri !== undefined && !/^https?:\/\/[^/?#]/i.test(jwksUri)) r.get("jwksUri").error("invalid", `URI scheme of ${JSON.stringify(jwksUri)} is not supported: it must be http:// or https:// (security.ParseJwksURI)`);
  const audiences = strings(r.get("audiences"), "audience must be non-empty string");
  const jwks = r.get("jwks").string() || undefined;
  if (jwks !== undefined) checkJwks(r.get("jwks"), jwks);
  const fromHeaders = (r.get("fromHeaders").list() ?? []).flatMap((h) => {
    if (!h.object(true)) return [];
    const name = h.get("name").string();
    if (!name) { h.get("name").error("required", "location header name must be non-empty string"); return []; }
    return [{ name, prefix: h.get("prefix").string() ?? "" }];
  });
  const fromParams = strings(r.get("fromParams"), "location query must be non-empty string");
  const fromCookies = strings(r.get("fromCookies"), "cookie name must be non-empty string");
  const claimToHeaders = (r.get("outputClaimToHeaders").list() ?? []).flatMap((o) => {
    if (!o.object(true)) return [];
    const header = o.get("header").string(), claim = o.get("claim").string();
    if (!header || !claim) { o.error("required", "outputClaimToHeaders header and claim value must be non-empty string"); return []; }
    if (!HEADER_NAME.test(header)) { o.get("header").error("invalid", `${JSON.stringify(header)} is not a valid header name`); return []; }
    return [{ header: header.toLowerCase(), claim }];
  });
  const payloadHeader = r.get("outputPayloadToHeader").string() || undefined;
  const extra = strings(r.get("spaceDelimitedClaims"), "a claim name must be non-empty string");
  return {
    issuer, audiences, fromHeaders, fromParams, fromCookies, ...(jwks !== undefined ? { jwks } : {}), ...(jwksUri !== undefined ? { jwksUri } : {}),
    forward: r.get("forwardOriginalToken").bool() ?? false, claimToHeaders, ...(payloadHeader ? { payloadHeader: payloadHeader.toLowerCase() } : {}),
    spaceDelimitedClaims: [...new Set([...extra, ...DEFAULT_SPACE_DELIMITED])].sort(), path: r.path,
  };
}

function strings(f: Field, empty: string): string[] {
  return (f.list() ?? []).flatMap((item) => {
    const v = item.string({ required: true });
    if (v === "") { item.error("empty", empty); return []; }
    return v === undefined ? [] : [v];
  });
}

/**
 * The inline JWKS as istiod's validation parses it (jwk.Parse: "jwks parse error"): a JSON key set
 * (or one key) whose keys have a kty and, for RSA, EC and OKP keys, make a key; a key with private
 * material is a warning (warnPrivateJwksKeys: "only public keys are used for verification").
 */
function checkJwks(f: Field, text: string): void {
  let doc: unknown;
  try { doc = JSON.parse(text); } catch (e) { f.error("invalid", `jwks parse error: ${(e as Error).message}`); return; }
  const set = doc !== null && typeof doc === "object" && "keys" in doc ? (doc as { keys: unknown }).keys : [doc];
  if (!Array.isArray(set)) { f.error("invalid", "jwks parse error: keys is not a list"); return; }
  set.forEach((key: unknown, i) => {
    const k = key as Record<string, unknown> | null;
    if (!k || typeof k !== "object" || typeof k.kty !== "string") { f.error("invalid", `jwks parse error: key ${i} has no kty`); return; }
    if (k.kty === "oct") { if (typeof k.k !== "string") f.error("invalid", `jwks parse error: key ${i} (oct) has no k`); f.warn("private-key", `jwks key at index ${i} contains private key material; only public keys are used for verification`); return; }
    if (!["RSA", "EC", "OKP"].includes(k.kty)) { f.error("invalid", `jwks parse error: key ${i} has the unsupported kty ${JSON.stringify(k.kty)}`); return; }
    try { createPublicKey({ key: k as import("node:crypto").JsonWebKey, format: "jwk" }); } catch (e) { f.error("invalid", `jwks parse error: key ${i}: ${(e as Error).message}`); return; }
    if ("d" in k) f.warn("private-key", `jwks key at index ${i} contains private key material; only public keys are used for verification`);
  });
}
