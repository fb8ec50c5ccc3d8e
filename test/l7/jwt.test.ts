// Istio RequestAuthentication: Envoy's jwt_authn before the RBAC filter (engine/l7/jwt.ts), and the
// request.auth conditions of AuthorizationPolicies over the verified token (jwt-claims.ts). Tokens
// are signed here with keys made for the test (node:crypto); each case quotes the upstream code it pins.

import { test } from "node:test";
import assert from "node:assert/strict";
import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { outcome, pod, service, waypointGateway, world } from "./fixture.js";
import { cli, tempFiles } from "../helpers.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const jwk = (k: KeyObject, kid: string) => ({ ...k.export({ format: "jwk" }), kid });
const JWKS = JSON.stringify({ keys: [jwk(rsa.publicKey, "r1"), { ...jwk(ec.publicKey, "e1"), alg: "ES256" }] });
const ISS = "https://issuer.example.com";
const LATER = 4102444800; // 2100-01-01
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

/** A JWT signed with `key` (RS256 with kid r1 unless told). */
function token(claims: Record<string, unknown>, o: { key?: KeyObject; alg?: string; kid?: string; hmac?: Buffer } = {}): string {
  const alg = o.alg ?? "RS256";
  const input = `${b64({ alg, typ: "JWT", kid: o.kid ?? (alg === "ES256" ? "e1" : "r1") })}.${b64({ iss: ISS, sub: "alice", exp: LATER, ...claims })}`;
  const sig = o.hmac ? createHmac("sha256", o.hmac).update(input).digest()
    : alg === "ES256" ? sign("sha256", Buffer.from(input), { key: o.key ?? ec.privateKey, dsaEncoding: "ieee-p1363" }) : sign("sha256", Buffer.from(input), o.key ?? rsa.privateKey);
  return `${input}.${sig.toString("base64url")}`;
}

const base = pod("shop", "api", "10.0.0.2") + pod("web", "front", "10.0.1.1") + service("shop", "api", [["http", 80, 8080]]);
const ra = (rules: string, name = "jwt") => `apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  jwtRules:\n${rules}\n---\n`;
const inline = ra(`  - issuer: ${ISS}\n    audiences: [shop]\n    jwks: '${JWKS}'`);
const remote = ra(`  - issuer: ${ISS}\n    jwksUri: ${ISS}/jwks`);
const ap = (spec: string) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: authz, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n${spec}\n---\n`;
const get = (headers: [string, string][] = [], path = "/") => ({ http: { path, method: "GET", headers }, service: ["shop/api", 80] as [string, number] });
const bearer = (t: string): [string, string][] => [["Authorization", `Bearer ${t}`]];

test("jwt_authn rejects a request whose token fails with 401, passes one without a token (policy_applier.go: requires_any {provider, allow_missing})", () => {
  const w = world(base + inline);
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get())), "allow", "no token: allow_missing");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get([["Authorization", "Basic abc"]]))), "allow", "a value without the prefix \"Bearer \" holds no token");
  const malformed = w.ask("web/front", "shop/api", 8080, get(bearer("not-a-jwt")));
  assert.equal(outcome(malformed), "401");
  assert.match(malformed.layers.at(-1)!.summary, /RequestAuthentication shop\/jwt \(jwtRules\[0\], issuer https:\/\/issuer\.example\.com\): 401 "Jwt is not in the form/);
  assert.equal(malformed.layers.at(-1)!.policy?.kind, "RequestAuthentication");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get(bearer(token({ aud: "shop", exp: 1000000000 }))))), "401", "expired (verifyTimeConstraint)");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get(bearer(token({ aud: "shop", nbf: LATER }))))), "401", "not yet valid");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get(bearer(token({ aud: "shop", iss: "https://evil.example.com" }))))), "401", "JwtUnknownIssuer");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get(bearer(token({ aud: "other" }))))), "403", "JwtAudienceNotAllowed is 403 (filter.cc onComplete)");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get(bearer(token({ aud: "https://shop/" }))))), "allow", "audiences are compared without scheme and trailing slash (check_audience.cc sanitizeAudience)");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get(bearer(token({ aud: "shop" }, { key: other.privateKey }))))), "401", "signed by another key: Jwt verification fails");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get(bearer(token({ aud: "shop" }, { alg: "ES256" }))))), "allow", "ES256 with the EC key");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get([], `/?access_token=${token({ aud: "shop", exp: 1 })}`))), "401", "the default locations include the query parameter access_token");
  const cors = { http: { path: "/", method: "OPTIONS", headers: [["Origin", "https://a"], ["Access-Control-Request-Method", "GET"], ...bearer("junk")] as [string, string][] }, service: ["shop/api", 80] as [string, number] };
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, cors)), "allow", "a CORS preflight bypasses jwt_authn (bypass_cors_preflight)");
  const grpc = w.ask("web/front", "shop/api", 8080, { ...get(bearer("x.y.z")), http: { path: "/", method: "POST", headers: bearer("x.y.z"), grpc: true } });
  assert.equal(outcome(grpc), "grpc UNAUTHENTICATED");
});

test("requestPrincipals and request.auth.* are judged from the verified token's claims (generator.go requestPrincipalGenerator, MetadataListValueMatcher)", () => {
  const allow = (rule: string) => world(base + inline + ap(`  rules: [${rule}]`));
  const ok = (claims: Record<string, unknown> = {}) => get(bearer(token({ aud: "shop", ...claims })));
  const star = allow("{from: [{source: {requestPrincipals: [\"*\"]}}]}");
  assert.equal(outcome(star.ask("web/front", "shop/api", 8080, ok())), "allow", "a verified token has a request principal");
  assert.equal(outcome(star.ask("web/front", "shop/api", 8080, get())), "403", "no token: no principal (allow_missing let it through jwt_authn only)");
  const exact = allow(`{from: [{source: {requestPrincipals: ["${ISS}/alice"]}}]}`);
  assert.equal(outcome(exact.ask("web/front", "shop/api", 8080, ok())), "allow", "ISS/SUB split at the last \"/\"");
  assert.equal(outcome(exact.ask("web/front", "shop/api", 8080, ok({ sub: "bob" }))), "403");
  const subPrefix = allow(`{from: [{source: {requestPrincipals: ["${ISS}/ali*"]}}]}`);
  assert.equal(outcome(subPrefix.ask("web/front", "shop/api", 8080, ok())), "allow");
  assert.equal(outcome(allow("{from: [{source: {requestPrincipals: [\"*/alice\"]}}]}").ask("web/front", "shop/api", 8080, ok())), "allow", "\"*\" before the \"/\": any issuer");
  assert.equal(outcome(allow("{from: [{source: {requestPrincipals: [\"*\"]}}]}").ask("web/front", "shop/api", 8080, ok({ sub: undefined }))), "403", "\"*\" is .+ on iss and sub: a token without sub has none");
  const notP = world(base + inline + ap("  action: DENY\n  rules: [{from: [{source: {notRequestPrincipals: [\"*\"]}}]}]"));
  assert.equal(outcome(notP.ask("web/front", "shop/api", 8080, get())), "403", "the usual \"require a token\" DENY denies a request without one");
  assert.equal(outcome(notP.ask("web/front", "shop/api", 8080, ok())), "allow");
  const groups = allow("{when: [{key: \"request.auth.claims[groups]\", values: [admins]}]}");
  assert.equal(outcome(groups.ask("web/front", "shop/api", 8080, ok({ groups: ["dev", "admins"] }))), "allow", "a list claim: one element matches");
  assert.equal(outcome(groups.ask("web/front", "shop/api", 8080, ok({ groups: "admins" }))), "allow", "a string claim: the value");
  assert.equal(outcome(groups.ask("web/front", "shop/api", 8080, ok({ groups: ["dev"] }))), "403");
  const nested = allow("{when: [{key: \"request.auth.claims[realm][role]\", values: [\"adm*\"]}]}");
  assert.equal(outcome(nested.ask("web/front", "shop/api", 8080, ok({ realm: { role: "admin" } }))), "allow", "nested brackets (extractNameInNestedBrackets)");
  const scope = allow("{when: [{key: \"request.auth.claims[scope]\", values: [write]}]}");
  assert.equal(outcome(scope.ask("web/front", "shop/api", 8080, ok({ scope: "read write" }))), "allow", "scope is space-delimited into a list (buildSpaceDelimitedClaims)");
  const aud = allow("{when: [{key: request.auth.audiences, values: [shop]}, {key: request.auth.presenter, values: [\"web*\"]}]}");
  assert.equal(outcome(aud.ask("web/front", "shop/api", 8080, ok({ azp: "web-ui" }))), "allow");
  assert.equal(outcome(aud.ask("web/front", "shop/api", 8080, ok({ azp: "cli" }))), "403");
  // forwardOriginalToken false (the default): Envoy removes the Authorization header before RBAC.
  const header = world(base + inline + ap("  action: DENY\n  rules: [{when: [{key: \"request.headers[authorization]\", values: [\"*\"]}]}]"));
  assert.equal(outcome(header.ask("web/front", "shop/api", 8080, ok())), "allow", "the verified token's header is gone by the time RBAC reads headers");
});

test("a signature Junction cannot check (jwksUri) is unknown unless the answer is the same either way; several issuers follow the requires_all branch", () => {
  const w = world(base + remote + ap(`  rules: [{from: [{source: {requestPrincipals: ["${ISS}/alice"]}}]}]`));
  const r = w.ask("web/front", "shop/api", 8080, get(bearer(token({}))));
  const last = r.layers.at(-1)!;
  assert.equal(last.verdict, "undecided");
  assert.match(last.summary, /^unknown: the JWT's signature cannot be checked: .*jwksUri https:\/\/issuer\.example\.com\/jwks.*if it verifies: allowed by ALLOW .*if not: rejected .*401 "Jwt verification fails"/);
  const bob = w.ask("web/front", "shop/api", 8080, get(bearer(token({ sub: "bob" }))));
  assert.equal(outcome(bob), "403", "denied either way: a principal the ALLOW does not name");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get(bearer(token({ exp: 5 }))))), "401", "expired whatever its signature");
  // Two providers (two issuers): a token of either passes; one of a third issuer fails the requires_all branch.
  const two = world(base + remote + ra(`  - issuer: https://other.example.com\n    jwks: '${JWKS}'`, "jwt2"));
  assert.equal(outcome(two.ask("web/front", "shop/api", 8080, get(bearer(token({ iss: "https://other.example.com" }))))), "allow");
  assert.equal(outcome(two.ask("web/front", "shop/api", 8080, get(bearer(token({ iss: "https://third.example.com" }))))), "401", "JwtUnknownIssuer for every provider");
  assert.equal(outcome(two.ask("web/front", "shop/api", 8080, get())), "allow");
  // HS256 with an inline oct key.
  const secret = Buffer.from("0123456789abcdef0123456789abcdef");
  const hs = world(base + ra(`  - issuer: ${ISS}\n    jwks: '${JSON.stringify({ keys: [{ kty: "oct", k: secret.toString("base64url"), alg: "HS256" }] })}'`));
  assert.equal(outcome(hs.ask("web/front", "shop/api", 8080, get(bearer(token({}, { alg: "HS256", hmac: secret, kid: "" }))))), "allow");
  assert.equal(outcome(hs.ask("web/front", "shop/api", 8080, get(bearer(token({}, { alg: "HS256", hmac: Buffer.from("wrong"), kid: "" }))))), "401");
});

test("fromHeaders, fromParams and fromCookies replace the default locations (extractor.cc addProvider)", () => {
  const custom = world(base + ra(`  - issuer: ${ISS}\n    jwks: '${JWKS}'\n    fromHeaders: [{name: x-jwt}]\n    fromCookies: [session]`));
  assert.equal(outcome(custom.ask("web/front", "shop/api", 8080, get(bearer("junk")))), "allow", "Authorization is no longer read");
  assert.equal(outcome(custom.ask("web/front", "shop/api", 8080, get([["X-Jwt", "junk"]]))), "401", "a header without prefix: the whole value is the token");
  assert.equal(outcome(custom.ask("web/front", "shop/api", 8080, get([["Cookie", `a=b; session=${token({ exp: 1 })}`]]))), "401");
  assert.equal(outcome(custom.ask("web/front", "shop/api", 8080, get([["Cookie", `session=${token({})}`]]))), "allow");
});

test("RequestAuthentication: the validation webhook's checks are errors with file, line and field (validateJwtRule)", async () => {
  const bad = ra("  - audiences: [\"\"]\n    fromHeaders: [{prefix: x}]\n    jwks: '{not json'\n    jwksUri: ftp://x/keys\n    outputClaimToHeaders: [{header: \"bad header\", claim: sub}]");
  const f = tempFiles({ "ra.yaml": bad });
  try {
    const r = await cli(["lint", "-f", f.dir]);
    const text = r.out + r.err;
    for (const re of [/issuer or jwksUri must be non-empty|URI scheme/, /audience must be non-empty string/, /location header name must be non-empty string/, /jwks parse error/, /not a valid header name/]) assert.match(text, re);
    assert.match(text, /ra\.yaml:\d+/);
  } finally { f.cleanup(); }
});

test("explain --request with -H 'Authorization: Bearer ...' answers 401 for an expired token (the CLI path)", async () => {
  const meshed = pod("shop", "api", "10.0.0.2", { proxy: "istio-proxy" }) + pod("web", "front", "10.0.1.1", { proxy: "istio-proxy" }) + service("shop", "api", [["http", 80, 8080]]);
  const f = tempFiles({ "m.yaml": meshed + inline });
  try {
    const expired = await cli(["explain", "-f", f.dir, "--from", "web/front", "--request", "GET http://api.shop/", "-H", `Authorization: Bearer ${token({ aud: "shop", exp: 1000 })}`, "-o", "json"]);
    assert.equal(expired.code, 1, expired.err);
    assert.match(expired.out, /Jwt is expired/);
    const fine = await cli(["explain", "-f", f.dir, "--from", "web/front", "--request", "GET http://api.shop/", "-H", `Authorization: Bearer ${token({ aud: "shop" })}`]);
    assert.equal(fine.code, 0, fine.out + fine.err);
  } finally { f.cleanup(); }
});

test("a RequestAuthentication whose targetRefs name an Istio Gateway is enforced by the gateway's pod (ShouldAttachPolicy), before the route", async () => {
  const gw = `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: istio}\nspec: {controllerName: istio.io/gateway-controller}\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]}\n---\n`
    + `apiVersion: v1\nkind: Pod\nmetadata: {name: gw-0, namespace: infra, labels: {gateway.networking.k8s.io/gateway-name: gw}}\nspec: {containers: [{name: istio-proxy}]}\nstatus: {podIP: 10.0.9.9}\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: shop}\nspec: {parentRefs: [{name: gw, namespace: infra}], rules: [{backendRefs: [{name: api, port: 80}]}]}\n---\n`
    + `apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: edge, namespace: infra}\nspec:\n  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]\n  jwtRules: [{issuer: "${ISS}", jwks: '${JWKS}'}]\n---\n`;
  const f = tempFiles({ "a.yaml": gw + pod("shop", "api", "10.0.0.2") + service("shop", "api", [["http", 80, 8080]]) });
  try {
    const ask = async (headers: string[]) => {
      const r = await cli(["route", "-q", "-f", f.dir, "--gateway", "infra/gw", "--request", "GET http://x.example/", ...headers.flatMap((h) => ["-H", h]), "-o", "json"]);
      return (JSON.parse(r.out) as { results: { status: number | null; reason: string }[] }).results[0];
    };
    assert.equal((await ask([])).status, 200, "no token passes");
    const bad = await ask([`Authorization: Bearer ${token({ iss: "https://evil.example.com" })}`]);
    assert.equal(bad.status, 401, JSON.stringify(bad));
    assert.equal((await ask([`Authorization: Bearer ${token({})}`])).status, 200);
  } finally { f.cleanup(); }
});

test("at a waypoint, the RequestAuthentications attached to the Service (targetRefs) run before its RBAC; outputClaimToHeaders and outputPayloadToHeader feed it", () => {
  const svcRa = `apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: svc-jwt, namespace: shop}\nspec:\n  targetRefs: [{kind: Service, group: "", name: api}]\n  jwtRules: [{issuer: "${ISS}", jwks: '${JWKS}', outputClaimToHeaders: [{header: x-tenant, claim: tenant}], outputPayloadToHeader: x-payload}]\n---\n`;
  const svcAp = `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: tenant, namespace: shop}\nspec:\n  targetRefs: [{kind: Service, group: "", name: api}]\n  rules: [{when: [{key: "request.headers[x-tenant]", values: [acme]}, {key: "request.headers[x-payload]", values: ["*"]}]}]\n---\n`;
  const w = world(base + waypointGateway("shop") + svcRa + svcAp);
  const at = (headers: [string, string][]) => w.ask("web/front", "shop/api", 8080, { ...get(headers), waypoint: { name: "waypoint", namespace: "shop" }, proxies: { api: "istio-ambient", front: "istio-ambient" } });
  assert.equal(outcome(at(bearer("junk"))), "401", "the waypoint's jwt_authn");
  assert.equal(outcome(at(bearer(token({ tenant: "acme" })))), "allow", "x-tenant and x-payload set from the verified token");
  assert.equal(outcome(at([["X-Tenant", "acme"], ["X-Payload", "forged"]])), "403", "a client's own x-tenant and x-payload are removed first (sanitizeHeaders)");
  assert.equal(outcome(at(bearer(token({ tenant: "other" })))), "403");
});

test("each value of a repeated token header is a token, and a token runs to the end of its value (extractor.cc extract: one token per header value, extractJWT substr(starting))", () => {
  const w = world(base + inline + ap("  rules: [{from: [{source: {requestPrincipals: [\"*\"]}}]}]"));
  const good = token({ aud: "shop" });
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get(bearer(good)))), "allow", "one good token");
  // Envoy: two tokens, the last verified first; "junk" fails its parse: 401. Joined with "," and cut at the "," it read as the good token alone.
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get([["Authorization", `Bearer ${good}`], ["Authorization", "Bearer junk"]]))), "401", "a second Authorization header with a bad token");
  // extractJWT keeps what follows the token in the value: the signature part "SIG junk" is not base64url.
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get([["Authorization", `Bearer ${good} junk`]]))), "401", "trailing text after the token");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get([["Authorization", `Bearer ${good},x`]]))), "401", "a comma and more after the token");
  // A value without the prefix holds no token; the other value's token verifies.
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get([["Authorization", "Basic abc"], ["Authorization", `Bearer ${good}`]]))), "allow", "Basic beside Bearer (envoy#31468)");
});

test("list --l7: requestPrincipals and request.auth.* are what passes where a RequestAuthentication applies (requests with such a token), nothing where none does", async () => {
  const meshed = pod("shop", "api", "10.0.0.2", { proxy: "istio-proxy" }) + pod("web", "front", "10.0.1.1", { proxy: "istio-proxy" }) + service("shop", "api", [["http", 80, 8080]]);
  const policy = ap(`  rules: [{from: [{source: {requestPrincipals: ["${ISS}/alice"]}}], to: [{operation: {methods: [GET]}}]}]`);
  const list = async (yaml: string) => {
    const f = tempFiles({ "a.yaml": yaml });
    try { return (await cli(["list", "--l7", "-q", "-f", f.dir])).out.split("\n").find((l) => l.startsWith("web/front")); } finally { f.cleanup(); }
  };
  assert.equal(await list(meshed + inline + policy), `web/front[Pod] => shop/api[Pod] : jwt principal ${ISS}/alice, method GET`, "was: no requests (JWT conditions never held)");
  assert.match(await list(meshed + policy) ?? "", /no requests/, "without a RequestAuthentication no request carries a verified token");
});

test("several providers: only those that ran remove their claim headers (verifier.cc: the requires_any stops at the first verified provider; each ProviderVerifierImpl sanitizes its own headers when it runs)", () => {
  const A = "https://a.example.com", B = "https://b.example.com";
  const two = ra(`  - issuer: ${A}\n    jwks: '${JWKS}'\n  - issuer: ${B}\n    jwks: '${JWKS}'\n    outputClaimToHeaders: [{header: x-b-role, claim: role}]`);
  const w = world(base + two + ap("  rules: [{when: [{key: \"request.headers[x-b-role]\", values: [admin]}]}]"));
  // A's token verifies first (issuers sorted: a before b): B's verifier never runs, the client's x-b-role reaches the RBAC filter.
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get([...bearer(token({ iss: A })), ["X-B-Role", "admin"]]))), "allow", "was 403: x-b-role removed as if B had run");
  // B's token: A fails (JwtUnknownIssuer), B runs, removes the client's x-b-role and writes its own from the claim.
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get([...bearer(token({ iss: B, role: "user" })), ["X-B-Role", "admin"]]))), "403");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get(bearer(token({ iss: B, role: "admin" }))))), "allow");
  // No token: every provider ran, x-b-role removed.
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get([["X-B-Role", "admin"]]))), "403");
});

test("keys and times as jwt_verify_lib reads them: an EC key's curve is its own (verify.cc: md by the token's alg), a key whose alg and crv disagree is dropped (jwks.cc JwksECKeyAlgNotCompatibleWithCrv), a lone JWK is no JWKS (JwksNoKeys); exp/nbf are truncated, a negative one is out of range (struct_utils.cc GetUInt64)", () => {
  const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const es = (alg: string, key: KeyObject, claims: Record<string, unknown> = {}) => {
    const input = `${b64({ alg, kid: "p" })}.${b64({ iss: ISS, sub: "alice", exp: LATER, ...claims })}`;
    return `${input}.${sign(alg === "ES384" ? "sha384" : "sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
  };
  const rule = (keys: unknown) => ra(`  - issuer: ${ISS}\n    jwks: '${JSON.stringify(keys)}'`);
  const ask = (yaml: string, t: string) => outcome(world(base + yaml).ask("web/front", "shop/api", 8080, get(bearer(t))));
  const noAlg = { keys: [{ ...jwk(p384.publicKey, "p") }] };
  assert.equal(ask(rule(noAlg), es("ES256", p384.privateKey)), "allow", "ES256 over a P-384 key without alg: SHA-256 on the key's curve verifies (was 401)");
  assert.equal(ask(rule(noAlg), es("ES384", p384.privateKey)), "allow");
  const r = world(base + rule({ keys: [{ ...jwk(p384.publicKey, "p"), alg: "ES256" }] })).ask("web/front", "shop/api", 8080, get(bearer(es("ES256", p384.privateKey))));
  assert.equal(outcome(r), "401", "alg ES256 with crv P-384: the key is refused");
  assert.match(r.layers.at(-1)!.summary, /Jwks doesn't have any valid public key/);
  assert.equal(ask(rule(jwk(rsa.publicKey, "r1")), token({})), "401", "a single JWK without [keys]: Envoy has no keys (was allow)");
  assert.equal(ask(inline.replace("    audiences: [shop]\n", ""), token({ exp: LATER + 0.75 })), "allow", "a fractional exp is truncated (was 401 \"not an integer\")");
  const neg = world(base + inline.replace("    audiences: [shop]\n", "")).ask("web/front", "shop/api", 8080, get(bearer(token({ nbf: -5 }))));
  assert.equal(outcome(neg), "401");
  assert.match(neg.layers.at(-1)!.summary, /Jwt payload \[nbf\] field is not a positive 64 bit integer/);
  // An oct key without alg verifies an HMAC whatever alg the token names (verify.cc: the key's kty decides).
  const secret = Buffer.from("0123456789abcdef0123456789abcdef");
  const input = `${b64({ alg: "RS256" })}.${b64({ iss: ISS, sub: "alice", exp: LATER })}`;
  const confused = `${input}.${createHmac("sha256", secret).update(input).digest().toString("base64url")}`;
  assert.equal(ask(rule({ keys: [{ kty: "oct", k: secret.toString("base64url") }] }), confused), "allow", "was 401");
  assert.equal(ask(rule({ keys: [{ kty: "oct", k: secret.toString("base64url"), alg: "HS256" }] }), confused), "401", "the key's alg must be the token's");
  // PS256 with a salt of another length than the digest's: BoringSSL recovers it (pkey_rsa_init saltlen -2); an RSA key with a PS alg is refused (jwks.cc JwksRSAKeyBadAlg).
  const psInput = `${b64({ alg: "PS256", kid: "r1" })}.${b64({ iss: ISS, sub: "alice", exp: LATER })}`;
  const ps = `${psInput}.${sign("sha256", Buffer.from(psInput), { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 }).toString("base64url")}`;
  assert.equal(ask(rule({ keys: [jwk(rsa.publicKey, "r1")] }), ps), "allow", "salt length 0 (was 401)");
  assert.equal(ask(rule({ keys: [{ ...jwk(rsa.publicKey, "r1"), alg: "PS256" }] }), ps), "401");
});

test("--now names the time jwt_authn judges exp and nbf at (answers that do not change with the clock, as in CI); by default the clock; a time that is no time is a usage error", async () => {
  const meshed = pod("shop", "api", "10.0.0.2", { proxy: "istio-proxy" }) + pod("web", "front", "10.0.1.1", { proxy: "istio-proxy" }) + service("shop", "api", [["http", 80, 8080]]);
  const f = tempFiles({ "m.yaml": meshed + inline });
  const ask = (t: string, ...extra: string[]) => cli(["explain", "-f", f.dir, "--from", "web/front", "--request", "GET http://api.shop/", "-H", `Authorization: Bearer ${t}`, "-o", "json", ...extra]);
  try {
    const t = token({ aud: "shop", exp: 1000000000, nbf: 999990000 }); // 2001-09-09T01:46:40Z
    assert.equal((await ask(t)).code, 1, "the clock: expired");
    assert.equal((await ask(t, "--now", "2001-09-09T01:47:00Z")).code, 0, "20 s after exp: within the 60 s skew");
    const late = await ask(t, "--now", "1000000061");
    assert.equal(late.code, 1);
    assert.match(late.out, /Jwt is expired.*judged at 2001-09-09T01:47:41\.000Z \(--now\)/s);
    assert.match((await ask(t, "--now", "2001-09-08T23:00:00+02:00")).out, /Jwt not yet valid/, "an offset is honoured: 21:00Z, before nbf (22:00Z) minus the skew");
    const bad = await ask(t, "--now", "yesterday");
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /--now "yesterday": write an RFC 3339 time/);
    assert.match((await cli(["explain", "--help"])).out, /--now TIME/);
  } finally { f.cleanup(); }
});

test("an Istio sidecar behind a waypoint reads the request the waypoint forwards: its jwt_authn removed the token's header (forwardOriginalToken false) and wrote outputClaimToHeaders (was: the client's request, token and forged claim header included)", () => {
  const svcRa = `apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: svc-jwt, namespace: shop}\nspec:\n  targetRefs: [{kind: Service, group: "", name: api}]\n  jwtRules: [{issuer: "${ISS}", jwks: '${JWKS}', outputClaimToHeaders: [{header: x-tenant, claim: tenant}]}]\n---\n`;
  // The sidecar's own policy: a request principal (a token it verifies itself) or the tenant header.
  const sidecarRa = ra(`  - issuer: ${ISS}\n    jwks: '${JWKS}'`, "sidecar-jwt");
  const principal = world(base + waypointGateway("shop") + svcRa + sidecarRa + ap(`  rules: [{from: [{source: {requestPrincipals: ["${ISS}/alice"]}}]}]`));
  const at = (w: ReturnType<typeof world>, headers: [string, string][]) => w.ask("web/front", "shop/api", 8080, { ...get(headers), waypoint: { name: "waypoint", namespace: "shop" }, proxies: { api: "istio-sidecar", front: "istio-ambient" } });
  const r = at(principal, bearer(token({ tenant: "acme" })));
  assert.equal(outcome(r), "403", "was allow: the sidecar verified the token the waypoint had removed");
  assert.deepEqual(r.layers.map((l) => l.verdict), ["allow", "allow", "deny"], "the waypoint verified it, the sidecar saw none");
  // The waypoint's request.auth is its own: a sidecar without a RequestAuthentication has none, even with the token forwarded.
  const forwarded = world(base + waypointGateway("shop") + svcRa.replace("jwks: '", "forwardOriginalToken: true, jwks: '") + ap(`  rules: [{from: [{source: {requestPrincipals: ["${ISS}/alice"]}}]}]`));
  assert.equal(outcome(at(forwarded, bearer(token({})))), "403", "was allow: the waypoint's verified payload reached the sidecar's RBAC");
  const tenant = world(base + waypointGateway("shop") + svcRa + ap("  rules: [{when: [{key: \"request.headers[x-tenant]\", values: [acme]}]}]"));
  assert.equal(outcome(at(tenant, bearer(token({ tenant: "acme" })))), "allow", "the waypoint wrote x-tenant from the claim (was 403)");
  assert.equal(outcome(at(tenant, [["X-Tenant", "acme"]])), "403", "the waypoint removed the client's own x-tenant (was allow)");
});

test("no injection visible (every pod in the mesh, \"gamma\"): a RequestAuthentication, VirtualService, DestinationRule or Sidecar says the mesh is Istio, so the server's sidecar runs jwt_authn (was: no proxy, a bad token let through)", async () => {
  const plain = base; // pods without proxy containers or injection labels
  const vs = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api, namespace: shop}\nspec: {hosts: [api.shop.svc.cluster.local], http: [{route: [{destination: {host: api.shop.svc.cluster.local}}]}]}\n---\n`;
  for (const extra of ["", vs]) {
    const f = tempFiles({ "m.yaml": plain + inline + extra });
    try {
      const r = await cli(["explain", "-q", "-f", f.dir, "--from", "web/front", "--request", "GET http://api.shop/", "-H", "Authorization: Bearer junk", "-o", "json"]);
      assert.equal(r.code, 1, `${extra ? "with a VirtualService" : "a RequestAuthentication alone"}: was 0 (allowed) ${r.out.slice(0, 300)}`);
      assert.match(r.out, /Jwt is not in the form/);
    } finally { f.cleanup(); }
  }
});
