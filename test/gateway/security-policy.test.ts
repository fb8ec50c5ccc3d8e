// Envoy Gateway's SecurityPolicy (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.0): read,
// attached (internal/gatewayapi/securitypolicy.go ProcessSecurityPolicies: route rule, route, listener,
// Gateway; the oldest takes a target, the others are Conflicted) and applied in Envoy Gateway's filter
// order (httpfilters.go: ext_authz, api_key_auth, basic_auth, oauth2, jwt_authn, rbac). It was not read:
// a policy with `authorization: {defaultAction: Deny}` let every request through.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac, createSign } from "node:crypto";
import { join } from "node:path";
import { backendCertObjects, BASE, egConfig, envoyGateway, HTTP_ALL, httpRoute, policyStatuses, route } from "./fixture.js";
import { cli, tempFiles } from "../helpers.js";
import { JWT_X509 } from "../fixtures/tls.js";

const GW = envoyGateway([HTTP_ALL, "{name: alt, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}"]);
const ROUTE = httpRoute("web", "  rules:\n  - {name: api, matches: [{path: {type: PathPrefix, value: /api}}], backendRefs: [{name: v1, port: 80}]}\n  - {backendRefs: [{name: v2, port: 80}]}");
let day = 0;
/** A SecurityPolicy; `spec` is YAML flow mappings for the spec's fields. */
const sp = (name: string, ns: string, spec: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "${new Date(Date.UTC(2026, 1, 1) + day++ * 86400000).toISOString().replace(".000", "")}"}
spec: {${spec}}
`;
const toRoute = (section = "") => `targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web${section ? `, sectionName: ${section}` : ""}}]`;
const toGateway = (section = "") => `targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw${section ? `, sectionName: ${section}` : ""}}]`;
const ip = (a: string) => ({ clientAddress: { family: 4 as const, value: a.split(".").reduce((n, o) => n * 256n + BigInt(o), 0n) } });
const AUTHZ = "authorization: {defaultAction: Deny, rules: [{name: office, action: Allow, principal: {clientCIDRs: [10.0.0.0/8]}}, {action: Deny, operation: {methods: [DELETE]}, principal: {headers: [{name: x-team, values: [blue, red]}]}}, {action: Allow, principal: {headers: [{name: x-team, values: [blue]}]}}]}";

test("authorization: rules in order, the first that matches decides, else the defaultAction; a denial is 403 (it was ignored: every request allowed)", () => {
  const yaml = GW + ROUTE + sp("authz", "apps", `${toRoute()}, ${AUTHZ}`);
  const outside = route(yaml, { path: "/api/x", ...ip("192.168.1.1") });
  assert.equal(outside.status, 403);
  assert.match(outside.reason, /SecurityPolicy apps\/authz authorization: no rule matches, the defaultAction Deny denies the request: RBAC: access denied, 403/);
  assert.equal(outside.backend, null);
  assert.equal(route(yaml, { path: "/api/x", ...ip("10.1.2.3") }).status, 200, "rule 0 allows the office");
  const blue = route(yaml, { path: "/", headers: [["x-team", "blue"]], ...ip("192.168.1.1") });
  assert.equal(blue.status, 200);
  assert.ok(blue.steps.some((s) => s.outcome.includes("authorization rule 2 (securitypolicy/apps/authz/rule/2) matches and allows")));
  assert.equal(route(yaml, { path: "/", method: "DELETE", headers: [["x-team", "blue"]], ...ip("192.168.1.1") }).status, 403, "rule 1 (DELETE by blue) before rule 2");
  assert.equal(route(yaml, { path: "/", method: "DELETE", headers: [["x-team", "blue"]], ...ip("10.0.0.9") }).status, 200, "rule 0 first");
  // Without the policy, or on another controller's Gateway, the same request reaches the backend.
  assert.equal(route(GW + ROUTE, { path: "/api/x", ...ip("192.168.1.1") }).status, 200);
  assert.equal(route(GW.replace("gateway.envoyproxy.io/gatewayclass-controller", "example.com/other") + ROUTE + sp("authz", "apps", `${toRoute()}, ${AUTHZ}`), { path: "/api/x", ...ip("192.168.1.1") }).status, 200);
});

test("authorization without a known client address: undetermined where a clientCIDRs rule decides, answered where the action is the same either way", () => {
  const yaml = GW + ROUTE + sp("authz", "apps", `${toRoute()}, ${AUTHZ}`);
  const unknown = route(yaml, { path: "/" });
  assert.equal(unknown.status, null);
  assert.match(unknown.undetermined ?? "", /rule 0 \(office, Allow\): its clientCIDRs read the client address, which Junction does not know/);
  assert.equal(route(yaml, { path: "/", headers: [["x-team", "blue"]] }).status, 200, "office or not, allowed");
  // No rules: the defaultAction, Deny when unset.
  assert.equal(route(GW + ROUTE + sp("none", "apps", `${toRoute()}, authorization: {}`), { path: "/" }).status, 403);
  assert.equal(route(GW + ROUTE + sp("open", "apps", `${toRoute()}, authorization: {defaultAction: Allow, rules: [{action: Deny, operation: {path: {value: /api}}, principal: {headers: [{name: x-a, values: ["1"]}]}}]}`), { path: "/api/v1", headers: [["x-a", "1"]] }).status, 403, "PathPrefix /api matches /api/v1");
});

test("precedence: the route rule's policy over the route's over the listener's over the Gateway's, each whole; a younger policy on the same target is Conflicted", () => {
  const gw = sp("gw", "infra", `${toGateway()}, authorization: {defaultAction: Deny}`);
  const listener = sp("listener", "infra", `${toGateway("http")}, authorization: {defaultAction: Allow}`);
  const rt = sp("route", "apps", `${toRoute()}, authorization: {defaultAction: Deny}`);
  const rule = sp("rule", "apps", `${toRoute("api")}, authorization: {defaultAction: Allow}`);
  assert.equal(route(GW + ROUTE + gw, {}).status, 403);
  assert.equal(route(GW + ROUTE + gw + listener, {}).status, 200);
  assert.equal(route(GW + ROUTE + gw + listener, { port: 8080 }).status, 403, "the other listener: the Gateway's");
  assert.equal(route(GW + ROUTE + gw + listener + rt, {}).status, 403);
  assert.equal(route(GW + ROUTE + gw + listener + rt + rule, { path: "/api/x" }).status, 200);
  const twice = route(GW + ROUTE + rt + sp("route-again", "apps", `${toRoute()}, authorization: {defaultAction: Allow}`), {});
  assert.equal(twice.status, 403, "the older one holds the route");
  assert.ok(twice.steps.some((s) => /SecurityPolicy apps\/route-again also targets HTTPRoute apps\/web and is Conflicted/.test(s.outcome)));
});

test("basicAuth: no or wrong credentials 401, a user of the Secret's .htpasswd ({SHA}) passes; a missing Secret makes the policy untranslatable (500)", () => {
  const sha = (p: string) => createHash("sha1").update(p).digest("base64");
  const secret = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: users, namespace: apps}\nstringData: {.htpasswd: "alice:{SHA}${sha("s3cret")}\\nbob:{SHA}${sha("other")}"}\n`;
  const yaml = GW + ROUTE + secret + sp("basic", "apps", `${toRoute()}, basicAuth: {users: {name: users}}`);
  const basic = (u: string, p: string) => [["authorization", `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`]] as [string, string][];
  assert.equal(route(yaml, {}).status, 401);
  assert.match(route(yaml, {}).reason, /basicAuth: the request has no Authorization header/);
  assert.equal(route(yaml, { headers: basic("alice", "wrong") }).status, 401);
  assert.equal(route(yaml, { headers: basic("alice", "s3cret") }).status, 200);
  // basic_auth_filter.cc: "Basic " as written (a lower-case scheme or two spaces were accepted), the first value only, strict base64.
  const token = Buffer.from("alice:s3cret").toString("base64");
  for (const value of [`basic ${token}`, `Basic  ${token}`, `Basic ${token} `]) assert.equal(route(yaml, { headers: [["authorization", value]] }).status, 401, value);
  assert.match(route(yaml, { headers: [["authorization", `BASIC ${token}`]] }).reason, /Expected 'Basic' authentication scheme/);
  assert.equal(route(yaml, { headers: [["authorization", "Bearer x"], ["authorization", `Basic ${token}`]] }).status, 401, "the first value");
  assert.equal(route(yaml, { headers: [["authorization", `Basic ${token.replace(/=+$/, "")}`]] }).status, 200, "padding is optional");
  const missing = route(GW + ROUTE + sp("basic", "apps", `${toRoute()}, basicAuth: {users: {name: users}}`), { headers: basic("alice", "s3cret") });
  assert.equal(missing.status, 500);
  assert.match(missing.reason, /BasicAuth: secret apps\/users does not exist/);
  // Another namespace's Secret without a ReferenceGrant: invalid.
  assert.equal(route(GW + ROUTE + secret + sp("basic", "infra", `${toGateway()}, basicAuth: {users: {name: users, namespace: apps}}`), { headers: basic("alice", "s3cret") }).status, 500);
});

test("apiKeyAuth: the key from the first source that has one; missing or unknown 401", () => {
  const secret = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: keys, namespace: apps}\nstringData: {client-a: key-a, client-b: key-b}\n";
  const yaml = GW + ROUTE + secret + sp("keys", "apps", `${toRoute()}, apiKeyAuth: {credentialRefs: [{name: keys}], extractFrom: [{headers: [x-api-key]}, {params: [key]}]}`);
  assert.equal(route(yaml, {}).status, 401);
  assert.equal(route(yaml, { headers: [["x-api-key", "nope"]] }).status, 401);
  assert.equal(route(yaml, { headers: [["x-api-key", "key-b"]] }).status, 200);
  assert.equal(route(yaml, { path: "/?key=key-a" }).status, 200);
  // api_key_auth.cc KeySources::getKey: a header's first value less "Bearer "; an empty key goes on to the next source.
  assert.equal(route(yaml, { headers: [["x-api-key", "Bearer key-b"]] }).status, 200, "was 401");
  assert.equal(route(yaml, { headers: [["x-api-key", "key-b"], ["x-api-key", "key-a"]] }).status, 200, "the first value, not \"key-b,key-a\"");
  assert.equal(route(yaml, { path: "/?key=key-a", headers: [["x-api-key", ""]] }).status, 200, "an empty header: the parameter");
});

test("jwt: no token 401 unless optional; a token's claims decide a jwt principal, a signature by remoteJWKS keys is pending; extAuth: undetermined, never allowed", () => {
  const jwt = "jwt: {providers: [{name: corp, remoteJWKS: {uri: https://idp.example.com/jwks}}]}";
  const token = (claims: object) => `${b64({ alg: "RS256", kid: "k1" })}.${b64(claims)}.c2ln`;
  const yaml = GW + ROUTE + sp("jwt", "apps", `${toRoute()}, ${jwt}, authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {jwt: {provider: corp, claims: [{name: role, values: [admin]}]}}}]}`);
  const none = route(yaml, {});
  assert.equal(none.status, 401);
  assert.match(none.reason, /Jwt is missing/);
  const admin = route(yaml, { headers: [["authorization", `Bearer ${token({ role: "admin" })}`]] });
  assert.equal(admin.status, null);
  assert.match(admin.undetermined ?? "", /the token's signature \(SecurityPolicy apps\/jwt jwt provider corp takes its keys from remoteJWKS https:\/\/idp.example.com\/jwks, which Junction does not read; an invalid one gets 401\)/);
  assert.doesNotMatch(admin.undetermined ?? "", /403/);
  const user = route(yaml, { headers: [["authorization", `Bearer ${token({ role: "user" })}`]] });
  assert.match(user.undetermined ?? "", /if it passes: .*no rule matches, the defaultAction Deny denies the request: RBAC: access denied, 403/);
  assert.equal(route(GW + ROUTE + sp("opt", "apps", `${toRoute()}, jwt: {optional: true, providers: [{name: corp, remoteJWKS: {uri: https://idp.example.com/jwks}}]}`), {}).status, 200);
  const ext = route(GW + ROUTE + sp("ext", "apps", `${toRoute()}, extAuth: {grpc: {backendRefs: [{name: authz, port: 9000}]}}`) + "---\napiVersion: v1\nkind: Service\nmetadata: {name: authz, namespace: apps}\nspec: {ports: [{port: 9000}]}\n", {});
  assert.equal(ext.status, null);
  assert.equal(ext.backend, null);
  assert.match(ext.undetermined ?? "", /depends on the external authorization service \(gRPC service authz\)/);
});

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const SECRET = Buffer.from("junction-test-hmac-secret-32-bytes!!");
/** An HS256 token signed with SECRET (the localJWKS key "k1"), or with another key. */
const hs256 = (claims: object, key = SECRET) => {
  const input = `${b64({ alg: "HS256", kid: "k1" })}.${b64(claims)}`;
  return `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`;
};
const LOCAL = `localJWKS: {type: Inline, inline: '${JSON.stringify({ keys: [{ kty: "oct", kid: "k1", alg: "HS256", k: SECRET.toString("base64url") }] })}'}`;
const bearer = (t: string) => ({ headers: [["authorization", `Bearer ${t}`]] as [string, string][] });

test("jwt is verified as Envoy's jwt_authn does (issuer, audiences, exp, the localJWKS signature): a bad token was 'undetermined' or its claims were trusted", () => {
  const provider = (more = "") => `{name: corp, issuer: https://idp.example.com, audiences: [shop], ${LOCAL}${more}}`;
  const rbac = "authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {jwt: {provider: corp, claims: [{name: role, values: [admin]}]}}}]}";
  const yaml = GW + ROUTE + sp("jwt", "apps", `${toRoute()}, jwt: {providers: [${provider()}]}, ${rbac}`);
  const good = { iss: "https://idp.example.com", aud: "shop", role: "admin", exp: 4102444800 };
  assert.equal(route(yaml, bearer(hs256(good))).status, 200);
  const forged = route(yaml, bearer(hs256(good, Buffer.from("another-key-another-key-another!!"))));
  assert.equal(forged.status, 401);
  assert.match(forged.reason, /jwt provider corp: Jwt verification fails, 401/);
  const expired = route(yaml, bearer(hs256({ ...good, exp: 1000000000 })));
  assert.equal(expired.status, 401);
  assert.match(expired.reason, /Jwt is expired/);
  assert.match(route(yaml, bearer(hs256({ ...good, iss: "https://evil.example.com" }))).reason, /Jwt issuer is not configured, 401/);
  const aud = route(yaml, bearer(hs256({ ...good, aud: "other" })));
  assert.equal(aud.status, 403, "filter.cc: JwtAudienceNotAllowed is 403");
  assert.match(aud.reason, /Audiences in Jwt are not allowed/);
  assert.equal(route(yaml, bearer(hs256({ ...good, role: "user" }))).status, 403, "verified, but the RBAC rule's claim does not match");
  // An expired token is refused whatever the keys say: decided even with remoteJWKS.
  const remote = GW + ROUTE + sp("jwt", "apps", `${toRoute()}, jwt: {providers: [{name: corp, remoteJWKS: {uri: https://idp.example.com/jwks}}]}`);
  assert.equal(route(remote, bearer(`${b64({ alg: "RS256" })}.${b64({ exp: 1000000000 })}.c2ln`)).status, 401);
  // optional: a missing token passes, an invalid one does not (allow_missing); failOpen: both pass, without claims.
  const optional = GW + ROUTE + sp("jwt", "apps", `${toRoute()}, jwt: {optional: true, providers: [${provider()}]}`);
  assert.equal(route(optional, {}).status, 200);
  assert.equal(route(optional, bearer(hs256({ ...good, exp: 1000000000 }))).status, 401);
  const open = GW + ROUTE + sp("jwt", "apps", `${toRoute()}, jwt: {failOpen: true, providers: [${provider()}]}, ${rbac}`);
  assert.equal(route(open, bearer(hs256({ ...good, exp: 1000000000 }))).status, 403, "failOpen lets a bad token through, but its claims are not in the metadata RBAC reads");
  assert.equal(route(open, bearer(hs256(good))).status, 200);
});

test("jwt principal: the claims of the rule's provider only; scopes in scope or scp; claimToHeaders replace the client's headers before RBAC and reach the backend", () => {
  const two = `jwt: {providers: [{name: corp, issuer: corp, ${LOCAL}}, {name: partner, issuer: partner, ${LOCAL}}]}`;
  const rbac = "authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {jwt: {provider: corp, scopes: [orders.read]}}}]}";
  const yaml = GW + ROUTE + sp("jwt", "apps", `${toRoute()}, ${two}, ${rbac}`);
  assert.equal(route(yaml, bearer(hs256({ iss: "corp", scope: "profile orders.read" }))).status, 200);
  assert.equal(route(yaml, bearer(hs256({ iss: "corp", scp: ["orders.read"] }))).status, 200, "buildJWTPredicate: scope or scp");
  assert.equal(route(yaml, bearer(hs256({ iss: "partner", scope: "orders.read" }))).status, 403, "verified by partner: corp's metadata is empty");
  const headers = GW + ROUTE + sp("jwt", "apps", `${toRoute()}, jwt: {providers: [{name: corp, ${LOCAL}, claimToHeaders: [{header: x-role, claim: role}]}]}, authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {headers: [{name: x-role, values: [admin]}]}}]}`);
  const spoofed = route(headers, { headers: [["authorization", `Bearer ${hs256({ role: "user" })}`], ["x-role", "admin"]] });
  assert.equal(spoofed.status, 403, "the client's x-role is removed; the token says user");
  const admin = route(headers, bearer(hs256({ role: "admin" })));
  assert.equal(admin.status, 200);
  assert.equal(admin.upstream?.headers?.["x-role"], "admin");
});

test("jwt claimToHeaders: only the providers that ran remove their headers; those after the verified one leave the client's (it removed every provider's: a Deny on the client's header was let through)", () => {
  // requires_any [corp, partner]: a corp token stops the walk (verifier.cc BaseGroupVerifierImpl::verify), partner's sanitizeHeaders never runs.
  const two = `jwt: {providers: [{name: corp, issuer: corp, ${LOCAL}, claimToHeaders: [{header: x-corp-sub, claim: sub}]}, {name: partner, issuer: partner, ${LOCAL}, claimToHeaders: [{header: x-tenant, claim: tenant}]}]}`;
  const rbac = "authorization: {defaultAction: Allow, rules: [{action: Deny, principal: {headers: [{name: x-tenant, values: [evil]}]}}]}";
  const yaml = GW + ROUTE + sp("jwt", "apps", `${toRoute()}, ${two}, ${rbac}`);
  const withTenant = (t: string, tenant: string) => ({ headers: [["authorization", `Bearer ${t}`], ["x-tenant", tenant]] as [string, string][] });
  assert.equal(route(yaml, withTenant(hs256({ iss: "corp", sub: "ann" }), "evil")).status, 403, "corp verified first: the client's x-tenant reaches RBAC");
  const kept = route(yaml, withTenant(hs256({ iss: "corp", sub: "ann" }), "blue"));
  assert.equal(kept.status, 200);
  assert.equal(kept.upstream?.headers?.["x-tenant"], "blue", "and the backend");
  assert.equal(kept.upstream?.headers?.["x-corp-sub"], "ann");
  // A partner token: corp ran too (unknown issuer), then partner removed the client's x-tenant and set its own.
  const partner = route(yaml, withTenant(hs256({ iss: "partner", tenant: "green" }), "evil"));
  assert.equal(partner.status, 200);
  assert.equal(partner.upstream?.headers?.["x-tenant"], "green");
});

test("jwt: a localJWKS ConfigMap not in the input is a translation error (500)", () => {
  const cm = GW + ROUTE + sp("jwt", "apps", `${toRoute()}, jwt: {providers: [{name: corp, localJWKS: {type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: jwks}}}]}`);
  const missing = route(cm, bearer(hs256({})));
  assert.equal(missing.status, 500);
  assert.match(missing.reason, /JWT: local JWKS ConfigMap apps\/jwks not found/);
});

test("jwt recomputeRoute: the claims' headers set, Envoy picks the route again (clear_route_cache) and the new rule answers (it was undetermined); another policy on the new rule, its authorization and rate limits (were undetermined); no rule, 404", () => {
  const byRole = httpRoute("web", "  rules:\n  - {name: admins, matches: [{headers: [{name: x-role, value: admin}]}], backendRefs: [{name: v2, port: 80}], filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x-admin, value: \"1\"}]}}]}\n  - {backendRefs: [{name: v1, port: 80}]}");
  const recompute = GW + byRole + sp("jwt", "apps", `${toRoute()}, jwt: {providers: [{name: corp, ${LOCAL}, recomputeRoute: true, claimToHeaders: [{header: x-role, claim: role}]}]}`);
  const admin = route(recompute, bearer(hs256({ role: "admin" })));
  assert.equal(admin.status, 200, admin.reason);
  assert.equal(admin.backend, "apps/v2", "the second pick: the admins rule (was undetermined)");
  assert.equal(admin.upstream?.headers?.["x-admin"], "1", "the new rule's filters");
  assert.equal(admin.upstream?.headers?.["x-role"], "admin");
  assert.match(admin.steps.map((s) => s.outcome).join("\n"), /cleared the route cache \(recomputeRoute\): Envoy picks the route again, HTTPRoute apps\/web rule 0/);
  // A client's own x-role is removed first: no admin without the claim.
  const spoofed = route(recompute, { headers: [["authorization", `Bearer ${hs256({ role: "user" })}`], ["x-role", "admin"]] });
  assert.equal(spoofed.backend, "apps/v1", "the first pick matched the client's x-role: admins; the claim says user, so the second pick is rule 1");
  // No claim, no header added: the route cache is not cleared (authenticator.cc: clear_route_cache && header_added).
  // The first pick (by the client's x-role) stands, though jwt_authn removed that header.
  const kept = route(recompute, { headers: [["authorization", `Bearer ${hs256({ sub: "x" })}`], ["x-role", "admin"]] });
  assert.equal(kept.backend, "apps/v2");
  assert.equal(kept.upstream?.headers?.["x-role"], undefined);
  assert.equal(route(recompute.replace("recomputeRoute: true, ", ""), bearer(hs256({ role: "admin" }))).backend, "apps/v1", "without recomputeRoute the first pick stands");
  // The new rule has its own SecurityPolicy (by sectionName): the filters after jwt_authn (rbac) read the new route's
  // per-route configuration (typed_per_filter_config), so its authorization decides (was undetermined).
  const own = recompute + sp("deny", "apps", `${toRoute("admins")}, authorization: {defaultAction: Deny}`);
  const r = route(own, bearer(hs256({ role: "admin" })));
  assert.equal(r.status, 403, r.reason);
  assert.match(r.reason, /SecurityPolicy apps\/deny authorization: no rule matches \(no rules\), the defaultAction Deny denies the request/);
  assert.match(r.steps.map((s) => s.outcome).join("\n"), /after jwt_authn the filters read HTTPRoute apps\/web rule 0's configuration: SecurityPolicy apps\/deny/);
  // Its rule reads the claims jwt_authn verified on the first pick.
  const byClaim = recompute + sp("claims", "apps", `${toRoute("admins")}, jwt: {providers: [{name: corp, ${LOCAL}}]}, authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {jwt: {provider: corp, claims: [{name: role, values: [admin]}]}}}]}`);
  assert.equal(route(byClaim, bearer(hs256({ role: "admin" }))).backend, "apps/v2");
  // The first pick's authorization does not run: the route cache was cleared before rbac.
  const firstDenies = recompute.replace("claimToHeaders: [{header: x-role, claim: role}]}]}", "claimToHeaders: [{header: x-role, claim: role}]}]}, authorization: {defaultAction: Deny}");
  assert.equal(route(firstDenies + sp("open", "apps", `${toRoute("admins")}, cors: {allowOrigins: ["https://x.example.com"]}`), bearer(hs256({ role: "admin" }))).backend, "apps/v2", "the admins rule's policy has no authorization");
  assert.equal(route(firstDenies, bearer(hs256({ role: "admin" }))).status, 403, "the same policy on both rules: its authorization");
  // The BackendTrafficPolicy of the new rule: its 500 direct response (the router's route), not its fault abort (the fault filter ran on the first pick).
  const btp = (spec: string) => `---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata: {name: t, namespace: apps}\nspec: {${toRoute("admins")}, ${spec}}\n`;
  const broken = route(recompute + btp("bandwidthLimit: {request: {limit: {value: 1000, unit: Second}}}"), bearer(hs256({ role: "admin" })));
  assert.equal(broken.status, 500, broken.reason);
  assert.equal(route(recompute + btp("faultInjection: {abort: {httpStatus: 418}}"), bearer(hs256({ role: "admin" }))).status, 200);
  // Only an admins rule: the first pick fails without the header... so the route carries a catch-all that the second pick leaves.
  const only = GW + httpRoute("web", "  rules:\n  - {matches: [{headers: [{name: x-role, value: user}]}], backendRefs: [{name: v1, port: 80}]}") + sp("jwt", "apps", `${toRoute()}, jwt: {providers: [{name: corp, ${LOCAL}, recomputeRoute: true, claimToHeaders: [{header: x-role, claim: role}]}]}`);
  const gone = route(only, { headers: [["authorization", `Bearer ${hs256({ role: "admin" })}`], ["x-role", "user"]] });
  assert.equal(gone.status, 404, gone.reason);
  assert.match(gone.reason, /route_not_found/);
});

test("jwt localJWKS valueRef: the ConfigMap's jwks key (else its only value) verifies the token as an inline JWKS does (Junction kept no ConfigMap data: every token was undetermined); no data is buildLocalJWKS's error (500)", () => {
  const keys = JSON.stringify({ keys: [{ kty: "oct", kid: "k1", alg: "HS256", k: SECRET.toString("base64url") }] });
  const policy = sp("jwt", "apps", `${toRoute()}, jwt: {providers: [{name: corp, localJWKS: {type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: jwks}}}]}, authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {jwt: {provider: corp, claims: [{name: role, values: [admin]}]}}}]}`);
  const cm = (data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: jwks, namespace: apps}\n${data}\n`;
  const forged = (t: object) => hs256(t, Buffer.from("another-key-another-key-another!!"));
  // The ConfigMap after the policy or before it: read once every object is.
  for (const yaml of [GW + ROUTE + policy + cm(`data: {jwks: '${keys}', other: x}`), cm(`data: {jwks: '${keys}'}`) + GW + ROUTE + policy]) {
    assert.equal(route(yaml, bearer(hs256({ role: "admin" }))).status, 200, "was undetermined");
    assert.equal(route(yaml, bearer(hs256({ role: "user" }))).status, 403, "verified, the claim is not admin");
    const bad = route(yaml, bearer(forged({ role: "admin" })));
    assert.equal(bad.status, 401, "was undetermined");
    assert.match(bad.reason, /Jwt verification fails/);
  }
  // No jwks key: "Fallback to the first entry in the ConfigMap data"; one value is that one, two differing values any of them.
  assert.equal(route(GW + ROUTE + policy + cm(`data: {keys.json: '${keys}'}`), bearer(forged({ role: "admin" }))).status, 401);
  const two = route(GW + ROUTE + policy + cm(`data: {a: '${keys}', b: '{"keys": []}'}`), bearer(hs256({ role: "admin" })));
  assert.equal(two.status, null);
  assert.match(two.undetermined ?? "", /has no jwks key: Envoy Gateway takes the first of its 2 values a Go map range gives/);
  // (Without authorization: with it, the RBAC filter, which reads the jwt metadata the untranslated provider never writes, answers 403 before the router's 500.)
  const empty = route(GW + ROUTE + policy.replace(/, authorization: .*\}\}/, "}") + cm("binaryData: {jwks: e30=}"), bearer(hs256({ role: "admin" })));
  assert.equal(empty.status, 500, "was undetermined");
  assert.match(empty.reason, /JWT: JWKS data not found in ConfigMap jwks\/apps, no "jwks" key and no other data found/);
});

test("extAuth that Envoy Gateway cannot build (its Service not in the input, a port the Service lacks): 500, or with failOpen the request goes on without it (it was undetermined: 'depends on the external authorization service')", () => {
  const ext = (name: string, more: string) => sp(name, "apps", `${toRoute()}, extAuth: {${more}grpc: {backendRefs: [{name: authz, port: 9000}]}}`);
  const authz = "---\napiVersion: v1\nkind: Service\nmetadata: {name: authz, namespace: apps}\nspec: {ports: [{port: 9000}]}\n";
  const closed = route(GW + ROUTE + ext("ext", ""), {});
  assert.equal(closed.status, 500, "was undetermined");
  assert.match(closed.reason, /ExtAuth: service apps\/authz not found/);
  const open = route(GW + ROUTE + ext("ext", "failOpen: true, "), {});
  assert.equal(open.status, 200, "shouldFailOpen: only ext auth failed and failOpen is set (was undetermined)");
  assert.match(open.steps.map((x) => x.outcome).join("\n"), /cannot build its extAuth \(ExtAuth: service apps\/authz not found\), and with failOpen Envoy Gateway leaves the external authorization out/);
  assert.match(route(GW + ROUTE + ext("ext", "").replace("port: 9000", "port: 9001") + authz, {}).reason, /ExtAuth: TCP Port 9001 not found on service apps\/authz/);
  // The rest of the policy still applies; another error still answers 500.
  assert.equal(route(GW + ROUTE + ext("ext", "failOpen: true, ").replace("extAuth:", "authorization: {defaultAction: Deny}, extAuth:"), {}).status, 403);
  const both = route(GW + ROUTE + ext("ext", "failOpen: true, ").replace("extAuth:", "basicAuth: {users: {name: nope}}, extAuth:"), {});
  assert.equal(both.status, 500, "another feature's error: no fail open");
  assert.match(both.reason, /BasicAuth: secret apps\/nope does not exist; ExtAuth: service apps\/authz not found/);
  // A Service that is there: the service decides.
  assert.equal(route(GW + ROUTE + ext("ext", "failOpen: true, ") + authz, {}).status, null);
});

test("a gRPC extAuth service with no ready endpoint cannot be reached: failOpen lets the request through, else statusOnError (Envoy's default 403); it was undetermined", () => {
  const ext = (more: string) => sp("ext", "apps", `${toRoute()}, extAuth: {${more}grpc: {backendRefs: [{name: authz, port: 9000}]}}`);
  const authz = "---\napiVersion: v1\nkind: Service\nmetadata: {name: authz, namespace: apps}\nspec: {ports: [{port: 9000}]}\n";
  const empty = "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: authz-a, namespace: apps, labels: {kubernetes.io/service-name: authz}}\naddressType: IPv4\nendpoints: []\nports: [{port: 9000}]\n";
  const closed = route(GW + ROUTE + ext("") + authz + empty, {});
  assert.equal(closed.status, 403, "was undetermined");
  assert.match(closed.reason, /extAuth: the external authorization service cannot be reached \(Service apps\/authz port 9000 has no ready endpoint .*\): ext_authz answers its status_on_error, 403/);
  assert.equal(route(GW + ROUTE + ext("statusOnError: 503, ") + authz + empty, {}).status, 503);
  const open = route(GW + ROUTE + ext("failOpen: true, ") + authz + empty, {});
  assert.equal(open.status, 200, "failure_mode_allow (was undetermined)");
  // With an endpoint (or endpoints not in the input) the service decides.
  const ready = empty.replace("endpoints: []", "endpoints: [{addresses: [10.0.0.5], conditions: {ready: true}}]");
  assert.equal(route(GW + ROUTE + ext("") + authz + ready, {}).status, null);
  // An HTTP service likewise: its async client's 503 is a 5xx, which RawHttpClientImpl::toResponse takes as an Error (was undetermined).
  const http = route(GW + ROUTE + ext("").replace("grpc:", "http:") + authz + empty, {});
  assert.equal(http.status, 403);
  assert.match(http.reason, /cannot be reached \(Service apps\/authz port 9000 has no ready endpoint/);
  assert.equal(route(GW + ROUTE + ext("failOpen: true, ").replace("grpc:", "http:") + authz + empty, {}).status, 200);
  assert.equal(route(GW + ROUTE + ext("").replace("grpc:", "http:") + authz + ready, {}).status, null);
  // Two backends: one reachable is enough for the service to decide.
  const two = ext("").replace("grpc: {backendRefs: [{name: authz, port: 9000}]}", "http: {backendRefs: [{name: authz, port: 9000}, {name: authz2, port: 9000}]}");
  const authz2 = authz.replace("name: authz,", "name: authz2,") + ready.replace(/authz/g, "authz2");
  assert.equal(route(GW + ROUTE + two + authz + empty + authz2, {}).status, null);
  assert.equal(route(GW + ROUTE + two + authz + empty + authz2.replace("endpoints: [{addresses: [10.0.0.5], conditions: {ready: true}}]", "endpoints: []"), {}).status, 403);
});

test("authorization reads the normalized path: /x/../admin is /admin to the RBAC filter (it was matched raw and allowed)", () => {
  const yaml = GW + ROUTE + sp("authz", "apps", `${toRoute()}, authorization: {defaultAction: Allow, rules: [{action: Deny, principal: {clientCIDRs: [0.0.0.0/0]}, operation: {path: {type: PathPrefix, value: /admin}}}]}`);
  assert.equal(route(yaml, { path: "/admin", ...ip("192.168.1.1") }).status, 403);
  assert.equal(route(yaml, { path: "/x/../admin", ...ip("192.168.1.1") }).status, 403);
  assert.equal(route(yaml, { path: "//admin/a", ...ip("192.168.1.1") }).status, 403);
  assert.equal(route(yaml, { path: "/administrator", ...ip("192.168.1.1") }).status, 200);
});

test("junction route and status read the SecurityPolicy: 403 with the rule that decided; Accepted, Conflicted, Overridden, Invalid", async () => {
  day = 0;
  const yaml = BASE + GW + ROUTE + sp("gw", "infra", `${toGateway()}, authorization: {defaultAction: Allow}`)
    + sp("authz", "apps", `${toRoute()}, ${AUTHZ}`) + sp("again", "apps", `${toRoute()}, authorization: {}`)
    + sp("basic", "apps", `${toRoute("api")}, basicAuth: {users: {name: nobody}}`);
  const t = tempFiles({ "in.yaml": yaml });
  try {
    const out = await cli(["route", "-f", join(t.dir, "in.yaml"), "--gateway", "infra/gw", "--from", "ip:192.168.1.1", "--request", "GET http://shop.example.com/"]);
    assert.equal(out.code, 0, out.err);
    assert.match(out.out, /answer {4}403/);
    assert.match(out.out, /SecurityPolicy apps\/authz authorization: no rule matches, the defaultAction Deny denies the request/);
  } finally { t.cleanup(); }
  const s = await policyStatuses("SecurityPolicy", GW + ROUTE + sp("gw", "infra", `${toGateway()}, authorization: {defaultAction: Allow}`)
    + sp("authz", "apps", `${toRoute()}, ${AUTHZ}`) + sp("again", "apps", `${toRoute()}, authorization: {}`)
    + sp("basic", "apps", `${toRoute("api")}, basicAuth: {users: {name: nobody}}`));
  assert.deepEqual(s.get("infra/gw"), [["Gateway infra/gw", "Accepted=True Accepted: Policy has been accepted.", "Overridden=True Overridden: This policy is being overridden by other securityPolicies for these routes: [apps/web]"]]);
  assert.deepEqual(s.get("apps/again"), [["Gateway infra/gw", "Accepted=False Conflicted: Unable to target HTTPRoute web, another SecurityPolicy has already attached to it"]]);
  assert.deepEqual(s.get("apps/authz"), [["Gateway infra/gw", "Accepted=True Accepted: Policy has been accepted.", "Overridden=True Overridden: This policy is being overridden by other securityPolicies for these route rules: [api]"]]);
  assert.deepEqual(s.get("apps/basic"), [["Gateway infra/gw", "Accepted=False Invalid: BasicAuth: secret apps/nobody does not exist."]]);
});

test("junction route --now: the time the SecurityPolicy's jwt_authn judges exp at (it was the clock whatever --now said)", async () => {
  const yaml = BASE + GW + ROUTE + sp("jwt", "apps", `${toRoute()}, jwt: {providers: [{name: corp, ${LOCAL}}]}`);
  const t = tempFiles({ "in.yaml": yaml });
  const token = hs256({ exp: 1000000000 });
  const ask = (...more: string[]) => cli(["route", "-f", join(t.dir, "in.yaml"), "--gateway", "infra/gw", "--request", "GET http://shop.example.com/", "-H", `authorization: Bearer ${token}`, ...more]);
  try {
    const then = await ask("--now", "2001-09-09T01:47:00Z");
    assert.equal(then.code, 0, then.err);
    assert.match(then.out, /answer {4}200/, "20 s after exp: within the 60 s skew");
    const late = await ask("--now", "1000000061");
    assert.match(late.out, /answer {4}401/);
    assert.match(late.out, /Jwt is expired, 401 \(judged at 2001-09-09T01:47:41\.000Z, --now/);
    assert.match((await ask()).out, /Jwt is expired, 401 \(judged at .*the clock/);
  } finally { t.cleanup(); }
});

test("compile --target nginx refuses a route a SecurityPolicy applies to (compiled without it, every request would pass)", async () => {
  const t = tempFiles({ "in.yaml": BASE + GW + ROUTE + sp("authz", "apps", `${toRoute()}, ${AUTHZ}`) });
  try {
    const out = await cli(["compile", "-f", join(t.dir, "in.yaml"), "--target", "nginx", "--gateway", "infra/gw"]);
    assert.equal(out.code, 2);
    assert.match(out.err, /HTTPRoute apps\/web, rule 0 "api": nginx cannot express Envoy Gateway's SecurityPolicy: SecurityPolicy apps\/authz applies here/);
  } finally { t.cleanup(); }
});

test("a route's policy Envoy Gateway does not validate (validateSecurityPolicy) is not translated: the Gateway's applies to the route, and its status is Invalid", async () => {
  const gw = sp("gw", "infra", `${toGateway()}, authorization: {defaultAction: Deny}`);
  const bad = sp("bad", "apps", `${toRoute()}, oidc: {provider: {issuer: "https://idp.example.com"}, clientID: web, clientSecret: {name: oidc}, passThroughAuthHeader: true}`);
  const r = route(GW + ROUTE + gw + bad, {});
  assert.equal(r.status, 403, "the Gateway's Deny, not the route's apiKeyAuth");
  assert.ok(r.steps.some((s) => /SecurityPolicy apps\/bad targets HTTPRoute apps\/web but Envoy Gateway does not translate it \(invalid SecurityPolicy: the OIDC.PassThroughAuthHeader setting must be used in conjunction with JWT settings\)/.test(s.outcome)));
  assert.equal(route(GW + ROUTE + bad, {}).status, 200, "alone: nothing applies (not the oidc redirect)");
  const s = await policyStatuses("SecurityPolicy", GW + ROUTE + bad);
  assert.deepEqual(s.get("apps/bad"), [["Gateway infra/gw", "Accepted=False Invalid: Invalid SecurityPolicy: the OIDC.PassThroughAuthHeader setting must be used in conjunction with JWT settings."]]);
});

test("TCP and TLS routes: a SecurityPolicy's authorization (clientCIDRs) is Envoy's network RBAC filter, a denied connection is closed; without the client's address, undetermined", () => {
  const tcpGw = envoyGateway(["{name: tcp, port: 5432, protocol: TCP, allowedRoutes: {namespaces: {from: All}, kinds: [{kind: TCPRoute}]}}"]);
  const tcp = "---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: db, namespace: apps}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 80}]}]\n";
  const policy = sp("tcp", "infra", `${toGateway()}, authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {clientCIDRs: [10.0.0.0/8]}}]}`);
  const denied = route(tcpGw + tcp + policy, { scheme: "tcp", port: 5432, ...ip("192.168.1.1") });
  assert.equal(denied.connection, "rejected");
  assert.match(denied.reason, /SecurityPolicy infra\/tcp authorization: no rule matches the connection's source, the defaultAction Deny denies it/);
  const allowed = route(tcpGw + tcp + policy, { scheme: "tcp", port: 5432, ...ip("10.2.3.4") });
  assert.deepEqual([allowed.connection, allowed.backend], [undefined, "apps/v1"]);
  assert.match(route(tcpGw + tcp + policy, { scheme: "tcp", port: 5432 }).undetermined ?? "", /clientCIDRs read the client address/);
  assert.equal(route(tcpGw + tcp, { scheme: "tcp", port: 5432, ...ip("192.168.1.1") }).backend, "apps/v1", "without the policy");
});

test("a CORS preflight from an allowed origin is answered by the route's CORS filter before the SecurityPolicy's basicAuth (Envoy's CORS filter, order 3, before basic_auth, 8)", () => {
  const cors = httpRoute("web", "  rules:\n  - filters: [{type: CORS, cors: {allowOrigins: ['https://app.example.com'], allowMethods: [GET]}}]\n    backendRefs: [{name: v1, port: 80}]");
  const yaml = GW + cors + sp("basic", "apps", `${toRoute()}, basicAuth: {users: {name: users}}`) + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: users, namespace: apps}\nstringData: {.htpasswd: \"alice:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\"}\n";
  const pre = (origin: string) => route(yaml, { method: "OPTIONS", headers: [["origin", origin], ["access-control-request-method", "GET"]] });
  assert.equal(pre("https://app.example.com").status, 204);
  assert.equal(pre("https://evil.example.org").status, 401, "an origin the filter does not allow goes on to basicAuth");
  assert.equal(route(yaml, {}).status, 401);
});

test("(revA) a localJWKS map of kid to X.509 certificates is read as jwt_verify_lib does: each value must start with '-----BEGIN CERTIFICATE-----\\n' and end with '\\n-----END CERTIFICATE-----\\n' (jwks.cc kX509CertPrefix, kX509CertSuffix), else the set has no keys", () => {
  const input = `${b64({ alg: "RS256", kid: "c1" })}.${b64({ iss: "https://idp.example.com", exp: 4102444800 })}`;
  const token = `${input}.${createSign("sha256").update(input).sign(JWT_X509.key, "base64url")}`;
  // Not sp(): its creationTimestamp counter (one day a policy, from February 1st) is the later tests'.
  const yaml = (pem: string) => `${GW}${ROUTE}---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: jwt, namespace: apps, creationTimestamp: "2026-01-01T00:00:00Z"}
spec: {${toRoute()}, jwt: {providers: [{name: corp, issuer: https://idp.example.com, localJWKS: {type: Inline, inline: '${JSON.stringify({ c1: pem })}'}}]}}
`;
  assert.equal(route(yaml(JWT_X509.crt), bearer(token)).status, 200, "the certificate's RSA key verifies the token");
  const cut = route(yaml(JWT_X509.crt.replace(/\n$/, "")), bearer(token));
  assert.equal(cut.status, 401, "without the last newline it is no certificate to jwt_verify_lib: Jwks does not have [keys] field (was 200)");
  assert.match(cut.reason, /Jwks doesn't have any valid public key/);
});

test("the SecurityPolicy's own cors answers a preflight from an allowed origin (200) before its basicAuth (it was not modelled: 401); a route's CORS filter takes precedence (translator cors.go)", () => {
  const users = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: users, namespace: apps}\nstringData: {.htpasswd: \"alice:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\"}\n";
  const yaml = GW + ROUTE + users + sp("basic", "apps", `${toRoute()}, cors: {allowOrigins: ['https://*.example.com'], allowMethods: [GET]}, basicAuth: {users: {name: users}}`);
  const pre = (origin: string) => route(yaml, { method: "OPTIONS", headers: [["origin", origin], ["access-control-request-method", "GET"]] });
  const ok = pre("https://app.example.com");
  assert.equal(ok.status, 200);
  assert.equal(ok.backend, null);
  assert.equal(ok.responseHeaders["access-control-allow-origin"], "https://app.example.com");
  assert.match(ok.steps.map((s) => s.outcome).join("\n"), /cors allows origin https:\/\/app\.example\.com: Envoy's CORS filter answers this preflight/);
  assert.equal(pre("https://evil.example.org").status, 401, "an origin it does not allow goes on to basicAuth");
  assert.equal(route(yaml, { headers: [["origin", "https://app.example.com"]] }).status, 401, "not a preflight: basicAuth");
  // The route's own CORS filter wins: its origins, not the policy's.
  const own = GW + httpRoute("web", "  rules:\n  - filters: [{type: CORS, cors: {allowOrigins: ['https://other.example.org']}}]\n    backendRefs: [{name: v1, port: 80}]") + users + sp("basic", "apps", `${toRoute()}, cors: {allowOrigins: ['*']}, basicAuth: {users: {name: users}}`);
  assert.equal(route(own, { method: "OPTIONS", headers: [["origin", "https://app.example.com"], ["access-control-request-method", "GET"]] }).status, 401);
});

test("Envoy Gateway's configuration gateway.controllerName: the GatewayClasses of that name are Envoy Gateway's (their policies apply, statuses carry it), those of the default name are not (its policies were read only on the default name)", async () => {
  const custom = egConfig("provider: {type: Kubernetes}\ngateway: {controllerName: example.com/eg}");
  const gw = GW.replace("controllerName: gateway.envoyproxy.io/gatewayclass-controller", "controllerName: example.com/eg");
  const deny = sp("authz", "apps", `${toRoute()}, authorization: {defaultAction: Deny}`);
  const denied = route(custom + gw + ROUTE + deny, { path: "/" });
  assert.equal(denied.status, 403, "was 200: the class of the configured name was not read as Envoy Gateway's");
  assert.equal(route(custom + gw + ROUTE + deny, { path: "/", headers: [["x_a", "1"]] }).status, 400, "its listeners' defaults too");
  // The default name, with Envoy Gateway configured for another: no Envoy Gateway manages it.
  assert.equal(route(custom + GW + ROUTE + deny, { path: "/" }).status, 200);
  assert.equal(route(GW + ROUTE + deny, { path: "/" }).status, 403);
  const t = tempFiles({ "in.yaml": BASE + custom + gw + ROUTE + deny });
  try {
    const out = await cli(["status", "-f", join(t.dir, "in.yaml"), "-o", "json", "-q"]);
    const items = (JSON.parse(out.out) as { items: { kind: string; status: { ancestors?: { controllerName: string }[] } }[] }).items;
    assert.deepEqual(items.filter((o) => o.kind === "SecurityPolicy").flatMap((o) => o.status.ancestors!.map((a) => a.controllerName)), ["example.com/eg"]);
  } finally { t.cleanup(); }
});

test("mergeType: of authorization and jwt set in both, the fields the route's policy leaves out are the parent's (utils.Merge patches the parent with the route's spec); they were the route's defaults", () => {
  const parent = sp("gw", "infra", `${toGateway()}, authorization: {defaultAction: Allow, rules: [{action: Deny, principal: {headers: [{name: x-team, values: [red]}]}}]}`);
  const child = sp("route", "apps", `${toRoute()}, mergeType: StrategicMerge, authorization: {rules: [{action: Deny, principal: {headers: [{name: x-team, values: [blue]}]}}]}`);
  const yaml = GW + ROUTE + parent + child;
  assert.equal(route(yaml, { path: "/" }).status, 200, "the parent's defaultAction Allow (was 403: the route's unset one read as Deny)");
  assert.equal(route(yaml, { path: "/", headers: [["x-team", "blue"]] }).status, 403, "the route's rules");
  assert.equal(route(yaml, { path: "/", headers: [["x-team", "red"]] }).status, 200, "the parent's rules are replaced");
  const jwtParent = sp("gw", "infra", `${toGateway()}, jwt: {optional: true, providers: [{name: corp, ${LOCAL}}]}`);
  const jwtChild = sp("route", "apps", `${toRoute()}, mergeType: JSONMerge, jwt: {providers: [{name: partner, ${LOCAL}}]}`);
  assert.equal(route(GW + ROUTE + jwtParent + jwtChild, { path: "/" }).status, 200, "optional from the parent (was 401)");
  assert.equal(route(GW + ROUTE + jwtParent + jwtChild.replace("jwt: {providers", "jwt: {optional: false, providers"), { path: "/" }).status, 401);
});

test("oidc: passThroughAuthHeader lets a request with a header its jwt providers read through to jwt (it was redirected, 302); denyRedirect answers 401 instead of the redirect", () => {
  const oidc = (more: string) => `oidc: {provider: {issuer: "https://idp.example.com"}, clientID: web, clientSecret: {name: oidc}${more}}`;
  const yaml = GW + ROUTE + sp("sso", "apps", `${toRoute()}, ${oidc(", passThroughAuthHeader: true")}, jwt: {providers: [{name: corp, ${LOCAL}}]}`);
  assert.equal(route(yaml, {}).status, 302);
  const through = route(yaml, bearer(hs256({ role: "admin" })));
  assert.equal(through.status, 200, "was 302");
  assert.match(through.steps.map((s) => s.outcome).join("\n"), /passThroughAuthHeader lets through to jwt/);
  assert.equal(route(yaml, bearer(hs256({ exp: 1000000000 }))).status, 401, "passed through, then jwt refuses it");
  const deny = GW + ROUTE + sp("sso", "apps", `${toRoute()}, ${oidc(", denyRedirect: {headers: [{name: accept, type: Prefix, value: application/json}]}")}`);
  assert.equal(route(deny, { headers: [["accept", "application/json"]] }).status, 401);
  assert.equal(route(deny, { headers: [["accept", "text/html"]] }).status, 302);
  // passThroughAuthHeader with a jwt that reads no header: validateSecurityPolicy refuses the policy.
  const noHeader = route(GW + ROUTE + sp("sso", "apps", `${toRoute()}, ${oidc(", passThroughAuthHeader: true")}, jwt: {providers: [{name: corp, ${LOCAL}, extractFrom: {params: [token]}}]}`), {});
  assert.match(noHeader.steps.map((s) => s.outcome).join("\n"), /must be used in conjunction with a JWT provider that is configured to read from a header/);
});

test("basicAuth forwardUsernameHeader and apiKeyAuth forwardClientIDHeader replace what the client sent before authorization reads it (a client's own x-user: admin passed a principal.headers rule: a wrong allowed); sanitize removes the key", () => {
  const sha = (p: string) => createHash("sha1").update(p).digest("base64");
  const users = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: users, namespace: apps}\nstringData: {.htpasswd: "alice:{SHA}${sha("s3cret")}\\nadmin:{SHA}${sha("root")}"}\n`;
  const rbac = "authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {headers: [{name: x-user, values: [admin]}]}}]}";
  const yaml = GW + ROUTE + users + sp("basic", "apps", `${toRoute()}, basicAuth: {users: {name: users}, forwardUsernameHeader: x-user}, ${rbac}`);
  const as = (u: string, p: string, more: [string, string][] = []) => ({ headers: [["authorization", `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`] as [string, string], ...more] });
  assert.equal(route(yaml, as("alice", "s3cret", [["x-user", "admin"]])).status, 403, "basic_auth_filter.cc setCopy: x-user is alice");
  const admin = route(yaml, as("admin", "root"));
  assert.equal(admin.status, 200);
  assert.equal(admin.upstream?.headers?.["x-user"], "admin");
  const keys = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: keys, namespace: apps}\nstringData: {client-a: key-a}\n";
  const api = GW + ROUTE + keys + sp("keys", "apps", `${toRoute()}, apiKeyAuth: {credentialRefs: [{name: keys}], extractFrom: [{headers: [x-api-key]}], forwardClientIDHeader: x-client, sanitize: true}, authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {headers: [{name: x-client, values: [admin]}]}}]}`);
  assert.equal(route(api, { headers: [["x-api-key", "key-a"], ["x-client", "admin"]] }).status, 403, "x-client is client-a");
  const open = route(api.replace("defaultAction: Deny", "defaultAction: Allow"), { headers: [["x-api-key", "key-a"]] });
  assert.equal(open.upstream?.headers?.["x-client"], "client-a");
  assert.equal(open.upstream?.headers?.["x-api-key"], undefined, "sanitize: hide_credentials");
});

test("csrf: a POST, PUT, DELETE or PATCH whose Origin (else Referer) is neither its Host nor an additionalOrigin is refused 403 before authentication (csrf_filter.cc; it was not modelled: 200)", () => {
  const yaml = GW + ROUTE + sp("csrf", "apps", `${toRoute()}, csrf: {additionalOrigins: ['https://*.partner.example']}`);
  const post = (headers: [string, string][], method = "POST") => route(yaml, { method, host: "shop.example.com", headers });
  const cross = post([["origin", "https://evil.example.org"]]);
  assert.equal(cross.status, 403);
  assert.match(cross.reason, /csrf: the POST request's source origin evil\.example\.org is neither its host shop\.example\.com nor an additionalOrigin: Invalid origin, 403/);
  assert.equal(post([["origin", "https://shop.example.com"]]).status, 200);
  assert.equal(post([["referer", "https://shop.example.com/cart"]]).status, 200, "Referer when no Origin");
  assert.equal(post([]).status, 403, "no source origin");
  assert.equal(post([["origin", "https://app.partner.example"]]).status, 200, "an additionalOrigin (scheme dropped, wildcard)");
  assert.equal(post([["origin", "https://evil.example.org"]], "GET").status, 200, "not a modifying method");
  const shadow = GW + ROUTE + sp("csrf", "apps", `${toRoute()}, csrf: {shadowFraction: {numerator: 100}}`);
  assert.equal(route(shadow, { method: "POST", host: "shop.example.com", headers: [["origin", "https://evil.example.org"]] }).status, 200, "shadow only");
});

test("an extAuth service whose BackendTLSPolicy handshake fails cannot be reached: statusOnError or failOpen (processExtServiceDestination applies the policy; it was undetermined)", () => {
  const objects = `---
apiVersion: v1
kind: Service
metadata: {name: authz, namespace: apps}
spec: {selector: {app: authz}, ports: [{port: 443, targetPort: 8443}]}
---
apiVersion: v1
kind: Pod
metadata: {name: authz-0, namespace: apps, labels: {app: authz}}
spec:
  containers:
  - name: authz
    volumeMounts: [{name: certs, mountPath: /etc/certs}]
  volumes: [{name: certs, secret: {secretName: authz-cert}}]
status: {phase: Running, podIP: 10.0.9.1, conditions: [{type: Ready, status: "True"}]}
`+ backendCertObjects("authz-cert");
  const tlsPolicy = (ca: string) => `---\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {name: authz-tls, namespace: apps}\nspec: {targetRefs: [{group: '', kind: Service, name: authz}], validation: {hostname: abc.example.com, caCertificateRefs: [{group: '', kind: ConfigMap, name: ${ca}}]}}\n`;
  const ext = (more = "") => sp("ext", "apps", `${toRoute()}, extAuth: {${more}http: {backendRefs: [{name: authz, port: 443}]}}`);
  const bad = route(GW + ROUTE + ext() + objects + tlsPolicy("other-ca"), {});
  assert.equal(bad.status, 403);
  assert.match(bad.reason, /cannot be reached \(Service apps\/authz port 443 cannot be reached over TLS \(BackendTLSPolicy apps\/authz-tls: the TLS handshake with the backend fails: the backend's certificate is not issued by a CA of the policy\)\)/);
  const open = route(GW + ROUTE + ext("failOpen: true, ") + objects + tlsPolicy("other-ca"), {});
  assert.match(open.steps.map((x) => x.outcome).join("\n"), /cannot be reached .*: allowed as failOpen/);
  assert.match(open.reason, /apps\/v2/, "failure_mode_allow: on to the route's backend (which has no endpoint among these pods)");
  assert.equal(route(GW + ROUTE + ext() + objects + tlsPolicy("backend-ca"), {}).status, null, "the handshake succeeds: the service decides");
});
