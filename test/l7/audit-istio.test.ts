// An audit of the Istio request engine against upstream cases, each restated in our own objects:
// Envoy's path normalization (test/common/http/path_utility_test.cc, the default BASE
// normalization of an Istio sidecar: pilot/pkg/networking/core/listener_builder.go), istiod's RBAC
// builder (pilot/pkg/security/authz/builder/testdata/tcp, model/model.go, matcher/), the dry-run
// annotation (builder.go isDryRun), path-template validation (pkg/config/security
// CheckValidPathTemplate) and policy ordering (pilot/pkg/model/config.go).

import { test } from "node:test";
import assert from "node:assert/strict";
import { istioNormalize, istioPath, istioPathRejected } from "../../src/engine/l7/paths.js";
import { istioTrustDomainOf, type IstioPathNormalization } from "../../src/model/mesh.js";
import { applyMeshOptions } from "../../src/cli/mesh-options.js";
import { formatDiagnostic } from "../../src/model/source.js";
import { load } from "../helpers.js";
import { outcome, pod, service, world } from "./fixture.js";

const base = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2") + pod("ns-1", "x", "10.0.1.1", { sa: "robot" })
  + service("shop", "api", [["http", 80, 8080], ["tcp-db", 5432, 5432]]);

function ap(name: string, ns: string, spec: string, annotations = ""): string {
  return `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${ns}${annotations ? `, annotations: {${annotations}}` : ""}}\nspec:\n${spec}\n---\n`;
}

const get = (path: string, headers: [string, string][] = [], method = "GET") => ({ http: { path, method, headers }, service: ["shop/api", 80] as [string, number] });
const tcp = { tcp: true, service: ["shop/api", 5432] as [string, number] };

test("Envoy path_utility_test NormalizeValidPaths and NormalizeCasePath: what an Istio sidecar (BASE) matches", () => {
  const pairs: [string, string][] = [
    ["/a/b/../c", "/a/c"], ["/a/b/./c", "/a/b/c"], ["a/b/../c", "/a/c"], ["/a/b/../../../../c", "/c"],
    ["/a/..\\c", "/c"], // a backslash is a separator to the canonicalizer
    ["/%c0%af", "/%c0%af"], ["/%5c%25", "/%5c%25"], // reserved escapes are kept, in their case
    ["/a/b/%2E%2E/c", "/a/c"], ["/a/b/%2E./c", "/a/c"], ["/a/b/%2E/c", "/a/b/c"], ["..", "/"], ["/../a/b", "/a/b"], ["/./a/b", "/a/b"],
    ["/A/B/C", "/A/B/C"], ["/a/b/%2e%2e/c", "/a/c"], ["/a/%2F%2f/c", "/a/%2F%2f/c"],
    ["/a//b", "/a//b"], // merging slashes is MERGE_SLASHES, not the default
  ];
  for (const [input, want] of pairs) assert.equal(istioNormalize(input), want, input);
});

test("Envoy path_utility_test InvalidPaths: an escaped NUL makes Envoy refuse the request with 400, before any policy", () => {
  for (const p of ["/xyz/.%00../abc", "/xyz/%00.%00./abc", "/xyz/AAAAA%%0000/abc"]) assert.ok(istioPathRejected(p), p);
  assert.ok(!istioPathRejected("/xyz/%2500"), "an escaped percent followed by 00 is not a NUL");
  const w = world(base);
  const r = w.ask("shop/web", "shop/api", 8080, get("/public/%00"));
  assert.equal(outcome(r), "400");
  assert.match(r.layers.at(-1)!.summary, /escaped NUL/);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 5432, tcp)), "allow", "a TCP port has no HTTP normalization");
});

test("a DENY on /admin also denies /x/..\\admin: the backslash is normalized before RBAC (was a wrong allow)", () => {
  const w = world(base + ap("deny-admin", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin*]}}]}]"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/x/..\\admin/users"))), "403");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/x/%2E%2E/admin"))), "403");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/x/%2e%2E%2fadmin"))), "allow", "%2F is not decoded: the segment is not a dot segment");
});

test("escapes keep their case: an ALLOW on /files/a%2Fb does not match /files/a%2fb (was a wrong allow)", () => {
  const w = world(base + ap("allow", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{to: [{operation: {paths: [/files/a%2Fb]}}]}]"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/files/a%2Fb"))), "allow");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/files/a%2fb"))), "403");
});

test("matcher/header.go: a header value \"*\" is Envoy's present_match, which an empty value satisfies (a DENY was a wrong allow)", () => {
  const w = world(base + ap("no-debug", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{when: [{key: \"request.headers[X-Debug]\", values: [\"*\"]}]}]"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/", [["x-debug", ""]]))), "403");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/", [["X-DEBUG", "1"]]))), "403", "header names in any case");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/"))), "allow");
  const allow = world(base + ap("needs-header", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{when: [{key: \"request.headers[x-token]\", notValues: [\"*\"]}]}]"));
  assert.equal(outcome(allow.ask("shop/web", "shop/api", 8080, get("/", [["x-token", ""]]))), "403", "notValues [*]: absent only");
  assert.equal(outcome(allow.ask("shop/web", "shop/api", 8080, get("/"))), "allow");
});

test("builder testdata tcp/deny-both-http-tcp: a DENY rule's HTTP-only fields are dropped on a TCP port, which makes it broader", () => {
  const rule = (r: string) => world(base + ap("deny", "shop", `  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [${r}]`));
  const denies = (r: string, from = "shop/web") => outcome(rule(r).ask(from, "shop/api", 5432, tcp));
  // rule[0]: from requestPrincipals, to methods → any
  assert.equal(denies("{from: [{source: {requestPrincipals: [id-1]}}], to: [{operation: {methods: [GET]}}]}"), "failed");
  // rule[1]: to methods only → any
  assert.equal(denies("{to: [{operation: {methods: [GET]}}]}"), "failed");
  // rule[2]: from requestPrincipals only → any
  assert.equal(denies("{from: [{source: {requestPrincipals: [id-1]}}]}"), "failed");
  // rule[3]: from namespaces ns-1, to methods → from ns-1 only
  assert.equal(denies("{from: [{source: {namespaces: [ns-1]}}], to: [{operation: {methods: [GET]}}]}"), "allow");
  assert.equal(denies("{from: [{source: {namespaces: [ns-1]}}], to: [{operation: {methods: [GET]}}]}", "ns-1/x"), "failed");
  // rule[4]: from requestPrincipals, to ports 80 → port 80 only (5432 is not)
  assert.equal(denies("{from: [{source: {requestPrincipals: [id-1]}}], to: [{operation: {ports: [\"80\"]}}]}"), "allow");
  assert.equal(denies("{from: [{source: {requestPrincipals: [id-1]}}], to: [{operation: {ports: [\"5432\"]}}]}"), "failed");
  // rule[6]: from namespaces ns-2 + requestPrincipals, to ports + methods → ns-2 on that port
  assert.equal(denies("{from: [{source: {namespaces: [ns-2], requestPrincipals: [id-1]}}], to: [{operation: {ports: [\"5432\"], methods: [GET]}}]}"), "allow");
  // rule[8]: when request.headers → any
  assert.equal(denies("{when: [{key: \"request.headers[:method]\", values: [GET]}]}"), "failed");
  // rule[9]: when destination.port 80 → port 80 only
  assert.equal(denies("{when: [{key: destination.port, values: [\"80\"]}]}"), "allow");
  // and an ALLOW rule with an HTTP field is dropped on the TCP port (allow-only-http: allows nothing)
  const allow = world(base + ap("allow", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{to: [{operation: {methods: [GET]}}]}]"));
  assert.equal(outcome(allow.ask("shop/web", "shop/api", 5432, tcp)), "failed");
  assert.equal(outcome(allow.ask("shop/web", "shop/api", 8080, get("/"))), "allow");
});

test("builder.go isDryRun: istio.io/dry-run is read with strconv.ParseBool (\"True\", \"1\", \"t\" are dry runs; others are enforced)", () => {
  for (const v of ["\"true\"", "\"True\"", "\"1\"", "\"t\"", "\"TRUE\""]) {
    const w = world(base + ap("deny", "shop", "  action: DENY\n  rules: [{}]", `istio.io/dry-run: ${v}`));
    assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/"))), "allow", v);
  }
  for (const v of ["\"false\"", "\"yes\"", "\"0\""]) {
    const w = world(base + ap("deny", "shop", "  action: DENY\n  rules: [{}]", `istio.io/dry-run: ${v}`));
    assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/"))), "403", v);
  }
  const onlyDryAllow = world(base + ap("allow-none", "shop", "  action: ALLOW", "istio.io/dry-run: \"1\""));
  assert.equal(outcome(onlyDryAllow.ask("shop/web", "shop/api", 8080, get("/"))), "allow", "a dry-run ALLOW alone enforces nothing (build(): enforceRules nil)");
});

test("CheckValidPathTemplate: beside {*} and {**} a template's segments are non-empty URL path characters", () => {
  const errors = (path: string) => load({ "ap.yaml": ap("t", "shop", `  rules: [{to: [{operation: {paths: [${JSON.stringify(path)}]}}]}]`) }).diagnostics.errors.map(formatDiagnostic).join("\n");
  assert.equal(errors("/users/{*}/orders"), "");
  assert.equal(errors("/files/{**}"), "");
  assert.match(errors("/us*rs/{*}"), /segment "us\*rs"/);
  assert.match(errors("/a//{*}"), /segment ""/);
  assert.match(errors("/{**}/x/{*}"), /last operator/);
  assert.match(errors("/a/{x}"), /template segment/);
  assert.equal(errors("/a/*"), "", "no template: a plain prefix");
});

test("config.go configCompareByCreationTime: a PeerAuthentication without a timestamp is not yet applied, newer than one with a timestamp (Junction's one rule, model/time.ts compareCreated; was: the oldest, Go's zero time)", () => {
  const pa = (name: string, mode: string, created?: string) => `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: ${name}, namespace: shop${created ? `, creationTimestamp: "${created}"` : ""}}\nspec: {mtls: {mode: ${mode}}}\n---\n`;
  const w = world(base + pod("edge", "out", "192.0.2.7") + pa("a-strict", "STRICT", "2020-01-01T00:00:00Z") + pa("z-permissive", "PERMISSIVE"), { out: "none" });
  assert.equal(outcome(w.ask("edge/out", "shop/api", 8080, get("/"))), "failed", "a-strict (2020) is older than z-permissive (applied now): STRICT applies (was: allow)");
  const both = world(base + pod("edge", "out", "192.0.2.7") + pa("a-strict", "STRICT", "2020-01-01T00:00:00Z") + pa("z-permissive", "PERMISSIVE", "2021-01-01T00:00:00Z"), { out: "none" });
  assert.equal(outcome(both.ask("edge/out", "shop/api", 8080, get("/"))), "failed", "with timestamps the older STRICT applies");
});

test("configCompareByCreationTime compares times (time.Time.Compare), not their text: a fraction of a second, an offset", () => {
  const pa = (name: string, mode: string, created: string) => `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: ${name}, namespace: shop, creationTimestamp: "${created}"}\nspec: {mtls: {mode: ${mode}}}\n---\n`;
  const ask = (strict: string, permissive: string) => outcome(world(base + pod("edge", "out", "192.0.2.7") + pa("a-strict", "STRICT", strict) + pa("z-permissive", "PERMISSIVE", permissive), { out: "none" }).ask("edge/out", "shop/api", 8080, get("/")));
  assert.equal(ask("2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00Z"), "allow", "z-permissive is half a second older ('.5Z' sorts first as text)");
  assert.equal(ask("2024-01-01T00:00:00Z", "2024-01-01T01:00:00+02:00"), "allow", "z-permissive was created at 23:00 UTC the day before (was a refusal)");
  assert.equal(ask("2024-01-01T01:00:00+02:00", "2024-01-01T00:00:00Z"), "failed", "a-strict is the older");
});

test("builder testdata rule[8] (request.headers[:method]): Envoy's pseudo-headers :method, :path and :authority are headers to RBAC (was a wrong allow)", () => {
  const w = world(base + ap("no-get", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules:\n  - when: [{key: \"request.headers[:method]\", values: [GET]}]\n  - when: [{key: \"request.headers[:path]\", values: [\"/admin*\"]}]\n  - when: [{key: \"request.headers[:authority]\", values: [\"*.internal\"]}]"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/x"))), "403");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/x", [], "POST"))), "allow");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/public/../admin?x=1", [], "POST"))), "403", ":path is the normalized path with its query");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, { ...get("/x", [], "POST"), http: { path: "/x", method: "POST", headers: [], host: "api.internal" } })), "403");
});

test("ambient/authorization.go: ztunnel does not support CUSTOM (nor AUDIT): the external authorizer is not consulted there", () => {
  const amb = { proxies: { web: "istio-ambient" as const, api: "istio-ambient" as const } };
  const w = world(base + ap("ext", "shop", "  selector: {matchLabels: {app: api}}\n  action: CUSTOM\n  provider: {name: opa}\n  rules: [{}]"));
  const r = w.ask("shop/web", "shop/api", 8080, { ...get("/"), ...amb });
  assert.equal(outcome(r), "allow");
  const zt = r.layers.at(-1)!;
  assert.equal(zt.verdict, "allow", "decided, not left to an external authorizer");
  assert.deepEqual(zt.warnings, []);
  assert.match(zt.trace.join("\n"), /not enforced by ztunnel, which supports ALLOW and DENY only/);
  const sidecar = w.ask("shop/web", "shop/api", 8080, get("/"));
  assert.equal(sidecar.layers.at(-1)!.verdict, "undecided", "a sidecar sends it to the external authorizer");
});

test("builder.go: CUSTOM with the meshConfig extensionProviders known: an HTTP provider is left out of a TCP port, a gRPC one is asked there, an undefined one becomes deny rules", () => {
  // istio pilot/pkg/security/authz/builder/builder.go buildTCP: `getExtAuthz(...)` fails → "failed to process CUSTOM action
  // for provider %s, will generate deny configs" (getBadCustomDenyRules: the policy's rules as DENY); `extauthz.tcp == nil`
  // → "ignored CUSTOM action with HTTP provider on TCP filter chain". Before, every CUSTOM was "undecided" (assumed to allow).
  const w = world(base + ap("ext", "shop", "  selector: {matchLabels: {app: api}}\n  action: CUSTOM\n  provider: {name: opa}\n  rules: [{}]"));
  const settings = w.engine.inventory.mesh.settings;
  const last = (r: ReturnType<typeof w.ask>) => r.layers.at(-1)!;
  assert.equal(last(w.ask("shop/web", "shop/api", 5432, tcp)).verdict, "undecided", "providers unknown: the external authorizer decides");
  settings.istioExtensionProviders = { opa: "http" };
  const onTcp = last(w.ask("shop/web", "shop/api", 5432, tcp));
  assert.equal(onTcp.verdict, "allow", "an HTTP provider has no TCP filter: the policy is not enforced on the TCP port");
  assert.match(onTcp.trace.join("\n"), /HTTP external authorizer, which istiod leaves out of a TCP port's filters/);
  assert.equal(last(w.ask("shop/web", "shop/api", 8080, get("/"))).verdict, "undecided", "on HTTP it is asked");
  settings.istioExtensionProviders = { opa: "grpc" };
  assert.equal(last(w.ask("shop/web", "shop/api", 5432, tcp)).verdict, "undecided", "a gRPC provider gets the network ext_authz filter");
  settings.istioExtensionProviders = { other: "grpc" };
  assert.equal(outcome(w.ask("shop/web", "shop/api", 5432, tcp)), "failed", "an undefined provider: deny rules, the connection is closed");
  const http = w.ask("shop/web", "shop/api", 8080, get("/"));
  assert.equal(outcome(http), "403");
  assert.match(last(http).summary, /provider opa is not among meshConfig extensionProviders/);
});

/** istiod's mesh configuration: the ConfigMap istio-system/istio, data.mesh as YAML (indented 4 here). */
const meshConfig = (mesh: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |-\n${mesh}\n---\n`;

test("meshConfig extensionProviders read from the ConfigMap istio-system/istio: as the CLI's, CUSTOM of an HTTP provider is asked on HTTP and left out of TCP; no such ext_authz provider, or an invalid one, is deny rules", () => {
  // istio pilot/pkg/security/authz/builder/extauthz.go processExtensionProvider: only envoyExtAuthzHttp/Grpc are resolved
  // (`default: continue`), a provider failing its checks (parsePort: "port must be in the range [1, 65535]") keeps its error,
  // and getExtAuthz fails for either ("available providers are ... but found", "found errors in provider") → deny rules.
  const ext = ap("ext", "shop", "  selector: {matchLabels: {app: api}}\n  action: CUSTOM\n  provider: {name: opa}\n  rules: [{}]");
  const last = (r: ReturnType<ReturnType<typeof world>["ask"]>) => r.layers.at(-1)!;
  const http = world(base + ext + meshConfig("    extensionProviders:\n    - name: opa\n      envoyExtAuthzHttp: {service: opa.auth.svc.cluster.local, port: 9000}"));
  assert.deepEqual(http.engine.inventory.mesh.settings.istioExtensionProviders, { opa: "http" });
  assert.equal(last(http.ask("shop/web", "shop/api", 8080, get("/"))).verdict, "undecided", "the external authorizer decides");
  assert.equal(last(http.ask("shop/web", "shop/api", 5432, tcp)).verdict, "allow", "an HTTP provider is not on a TCP port");
  for (const [what, mesh] of [
    ["no extensionProviders", "    trustDomain: cluster.local"],
    ["opa is a tracing provider", "    extensionProviders:\n    - name: opa\n      zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}"],
    ["opa's port is 0", "    extensionProviders:\n    - name: opa\n      envoyExtAuthzGrpc: {service: opa.auth.svc.cluster.local, port: 0}"],
  ]) {
    const w = world(base + ext + meshConfig(mesh));
    const answer = w.ask("shop/web", "shop/api", 8080, get("/"));
    assert.equal(outcome(answer), "403", what);
    assert.match(last(answer).summary, /provider opa is not among meshConfig extensionProviders/, what);
  }
  const warned = load({ "m.yaml": meshConfig("    extensionProviders:\n    - name: opa\n      envoyExtAuthzHttp: {service: opa.auth.svc.cluster.local, port: 9000, pathPrefix: check}") });
  assert.match(warned.diagnostics.items.map(formatDiagnostic).join("\n"), /m\.yaml:\d+ data\.mesh\.extensionProviders\[0\].*pathPrefix must begin with `\/`.*replaced by deny rules/);
  assert.deepEqual(warned.inventory.mesh.settings.istioExtensionProviders, {});
  const other = world(base + ext + `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: shop}\ndata:\n  mesh: "extensionProviders: []"\n---\n`);
  assert.equal(other.engine.inventory.mesh.settings.istioExtensionProviders, undefined, "only istio-system/istio is istiod's");
});

test("meshConfig rootNamespace read from the ConfigMap: its policies apply mesh-wide; a meshConfig that is not YAML is an error naming the field", () => {
  const denyAll = ap("deny-all", "mesh-root", "  action: DENY\n  rules: [{}]");
  const w = world(base + denyAll + meshConfig("    rootNamespace: mesh-root"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/"))), "403", "mesh-root is the root namespace");
  assert.equal(outcome(world(base + denyAll).ask("shop/web", "shop/api", 8080, get("/"))), "allow", "without the ConfigMap, istio-system is");
  const bad = load({ "m.yaml": meshConfig("    rootNamespace: [unclosed") });
  assert.match(bad.diagnostics.errors.map(formatDiagnostic).join("\n"), /m\.yaml:\d+ data\.mesh: not YAML/);
  const badNs = load({ "m.yaml": meshConfig("    rootNamespace: Not_A_Label") });
  assert.match(badNs.diagnostics.errors.map(formatDiagnostic).join("\n"), /data\.mesh\.rootNamespace/);
});

test("meshConfig pathNormalization (listener.go: NONE, BASE, MERGE_SLASHES, DECODE_AND_MERGE_SLASHES) decides the path Istio authorizes; read from the ConfigMap", () => {
  // istio tests/integration/security/normalization_test.go, its expectations per mode:
  const cases: [IstioPathNormalization, string, string][] = [
    ["NONE", "/app/../admin", "/app/../admin"], ["NONE", "/app//", "/app//"],
    ["BASE", "/app//", "/app//"], ["BASE", "/app/%2E./admin", "/admin"], ["BASE", "/app/%2f", "/app/%2f"],
    ["MERGE_SLASHES", "/app//", "/app/"], ["MERGE_SLASHES", "/app//../admin", "/app/admin"], ["MERGE_SLASHES", "/app/%2f", "/app/%2f"],
    ["MERGE_SLASHES", "/%5Capp%2f%5c%2F%2e%2e%2fadmin%5c\\abc", "/%5Capp%2f%5c%2F..%2fadmin%5c/abc"],
    ["DECODE_AND_MERGE_SLASHES", "/app%2f/", "/app/"], ["DECODE_AND_MERGE_SLASHES", "/%2Fapp%5cadmin%5Cabc", "/app/admin/abc"],
    ["DECODE_AND_MERGE_SLASHES", "/%5Capp%2f%5c%2F%2e%2e%2fadmin%5c\\abc", "/app/admin/abc"], ["DECODE_AND_MERGE_SLASHES", "/%c0%2fadmin", "/%c0/admin"],
  ];
  for (const [mode, sent, seen] of cases) assert.equal(istioPath(sent, mode), seen, `${mode} ${sent}`);
  const deny = ap("deny-admin", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]");
  const ask = (mesh: string) => outcome(world(base + deny + (mesh ? meshConfig(mesh) : "")).ask("shop/web", "shop/api", 8080, get("//admin")));
  assert.equal(ask(""), "allow", "BASE keeps //admin: the DENY of /admin does not match");
  assert.equal(ask("    pathNormalization: {normalization: MERGE_SLASHES}"), "403", "MERGE_SLASHES: //admin is /admin (was a wrong allow)");
  assert.equal(outcome(world(base + deny + meshConfig("    pathNormalization: {normalization: NONE}")).ask("shop/web", "shop/api", 8080, get("/x/../admin"))), "allow", "NONE: the path as sent");
  assert.match(load({ "m.yaml": meshConfig("    pathNormalization: {normalization: SOMETIMES}") }).diagnostics.errors.map(formatDiagnostic).join("\n"), /data\.mesh\.pathNormalization\.normalization/);
});

test("meshConfig trustDomain and trustDomainAliases: identities carry the trust domain; istiod rewrites cluster.local and aliased principals to every domain of the bundle (a sidecar's RBAC)", () => {
  // istio pilot/pkg/security/trustdomain/bundle.go ReplaceTrustDomainAliases: a principal TD/ns/NS/sa/SA whose TD is in the
  // bundle (trustDomain, then trustDomainAliases) or is "cluster.local" becomes one principal per domain of the bundle; other
  // domains are kept. ExpandTrustDomainAliases: a trustDomains value of the bundle becomes the whole bundle.
  // builder.go applies it (m.MigrateTrustDomain) to every rule istiod writes for Envoy.
  const allow = (source: string) => ap("allow", "shop", `  selector: {matchLabels: {app: api}}\n  rules: [{from: [{source: {${source}}}]}]`);
  const ask = (yaml: string) => outcome(world(base + yaml).ask("shop/web", "shop/api", 8080, get("/")));
  const td = meshConfig("    trustDomain: new.example");
  const aliased = meshConfig("    trustDomain: new.example\n    trustDomainAliases: [old.example]");
  const w = world(base + td);
  assert.equal(w.engine.inventory.mesh.settings.istioTrustDomain, "new.example");
  const id = w.ask("shop/web", "shop/api", 8080, get("/")).layers.find((l) => l.layer === "transport")!.summary;
  assert.match(id, /new\.example\/ns\/shop\/sa\/web/);
  assert.equal(ask(td + allow("principals: [cluster.local/ns/shop/sa/web]")), "allow", "cluster.local names the local trust domain");
  assert.equal(ask(td + allow("principals: [new.example/ns/shop/sa/web]")), "allow");
  assert.equal(ask(td + allow("principals: [old.example/ns/shop/sa/web]")), "403", "not an alias: kept, and no client has it");
  assert.equal(ask(aliased + allow("principals: [old.example/ns/shop/sa/web]")), "allow", "an alias: rewritten to new.example too");
  assert.equal(ask(aliased + allow("principals: [\"*.example/ns/shop/sa/web\"]")), "allow", "a pattern: kept for the domains it matches");
  assert.equal(ask(aliased + allow("notPrincipals: [old.example/ns/shop/sa/web]")), "403", "notPrincipals are rewritten alike");
  assert.equal(ask(aliased + allow("trustDomains: [old.example]")), "allow", "trustDomains are expanded to the bundle");
  assert.equal(ask(td + allow("trustDomains: [old.example]")), "403");
  assert.equal(ask(allow("principals: [other.example/ns/shop/sa/web]")), "403", "the default bundle: cluster.local alone");
  const bad = load({ "m.yaml": meshConfig("    trustDomain: Bad_Domain\n    trustDomainAliases: [ok.example, \"x..y\"]") });
  assert.match(bad.diagnostics.errors.map(formatDiagnostic).join("\n"), /m\.yaml:\d+ data\.mesh\.trustDomain: .*Bad_Domain/);
  assert.match(bad.diagnostics.errors.map(formatDiagnostic).join("\n"), /data\.mesh\.trustDomainAliases\[1\]: .*x\.\.y/);
  assert.equal(load({ "m.yaml": meshConfig("    trustDomain: \"istio.io.\"") }).diagnostics.hasErrors, false, "a trailing dot is allowed (ValidateTrustDomain)");
});

test("--trust-domain, given, replaces the meshConfig trustDomain; not given, the meshConfig's stands for Istio and Linkerd keeps cluster.local", () => {
  const read = () => load({ "m.yaml": meshConfig("    trustDomain: new.example") }).inventory;
  const kept = read();
  applyMeshOptions({}, kept);
  assert.deepEqual([istioTrustDomainOf(kept.mesh.settings), kept.mesh.settings.trustDomain], ["new.example", "cluster.local"]);
  const given = read();
  applyMeshOptions({ "trust-domain": "cli.example" }, given);
  assert.deepEqual([istioTrustDomainOf(given.mesh.settings), given.mesh.settings.trustDomain], ["cli.example", "cli.example"]);
});

test("a revisioned istiod's ConfigMap istio-REV decides for its revision's proxies (pod label istio.io/rev, else the namespace's): rootNamespace, pathNormalization, extensionProviders, trustDomain, each defaulting as istiod's", () => {
  // istio pilot/pkg/bootstrap/mesh.go getMeshConfigMapName: revision REV reads "istio-" + REV. It was not read: a canary
  // pod was authorized with the default revision's settings (the canary root namespace's DENY did not apply).
  const canary = (mesh: string) => meshConfig(mesh).replace("name: istio,", "name: istio-canary,");
  const rev = { "istio.io/rev": "canary" };
  const pods = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2") + pod("shop", "api2", "10.0.0.3", { labels: rev }) + pod("shop", "web2", "10.0.0.4", { labels: rev })
    + `apiVersion: v1\nkind: Namespace\nmetadata: {name: edge, labels: {istio.io/rev: canary}}\n---\n` + pod("edge", "gw", "10.0.2.1");
  const configs = meshConfig("    rootNamespace: istio-system") + canary("    rootNamespace: mesh-root\n    trustDomain: canary.example\n    pathNormalization: {normalization: NONE}\n    extensionProviders:\n    - name: opa\n      envoyExtAuthzHttp: {service: opa.opa.svc.cluster.local, port: 8181}");
  const w = world(pods + configs + ap("deny-admin", "mesh-root", "  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]"));
  const ask = (from: string, to: string, path: string) => w.ask(from, to, 8080, { http: { path } });
  assert.equal(outcome(ask("shop/web", "shop/api2", "/admin")), "403", "the canary root namespace's DENY applies to a canary pod");
  assert.equal(outcome(ask("shop/web", "edge/gw", "/admin")), "403", "and to a pod of a namespace labelled istio.io/rev=canary");
  assert.equal(outcome(ask("shop/web", "shop/api", "/admin")), "allow", "not to the default revision's pods");
  const allowPublic = world(pods + configs + ap("public", "shop", "  rules: [{to: [{operation: {paths: [/public*]}}]}]"));
  assert.equal(outcome(allowPublic.ask("shop/web", "shop/api2", 8080, { http: { path: "/public/../admin" } })), "allow", "canary: pathNormalization NONE");
  assert.equal(outcome(allowPublic.ask("shop/web", "shop/api", 8080, { http: { path: "/public/../admin" } })), "403", "default: BASE makes it /admin");
  const custom = world(pods + configs + ap("ext", "shop", "  action: CUSTOM\n  provider: {name: opa}\n  rules: [{}]"));
  assert.equal(outcome(custom.ask("shop/web", "shop/api2", 8080, { http: { path: "/" } })), "allow", "canary defines the provider opa (its answer assumed)");
  assert.equal(outcome(custom.ask("shop/web", "shop/api", 8080, { http: { path: "/" } })), "403", "the default ConfigMap defines none: deny rules");
  assert.match(ask("shop/web2", "shop/api", "/").layers[0].summary, /the server sees canary\.example\/ns\/shop\/sa\/web2/, "a canary client's identity is in its istiod's trust domain");
  const l = load({ "m.yaml": pods + configs });
  assert.match(l.diagnostics.items.map(formatDiagnostic).join("\n"), /revision canary .*decides for the proxies of pods labelled istio\.io\/rev=canary/);
  applyMeshOptions({ "istio-root-namespace": "given" }, l.inventory);
  assert.deepEqual([l.inventory.mesh.settings.istioRootNamespace, l.inventory.mesh.istioRevisions?.canary.istioRootNamespace], ["given", "given"], "--istio-root-namespace replaces every revision's");
});

test("a waypoint is authorized with its own revision's settings (its Gateway's istio.io/rev, else its namespace's), not the default revision's: root namespace, trust domain", () => {
  // istio pkg/revisions/tag_watcher.go IsMine: the object's istio.io/rev label, else its namespace's, picks the istiod
  // that manages the waypoint Gateway and writes its Envoy's policies (rootNamespace: the GatewayClass istio-waypoint
  // attachment; trustDomain: the waypoint's identity, which ztunnel then sees). Junction used the default revision's.
  const canary = meshConfig("    rootNamespace: mesh-root\n    trustDomain: canary.example").replace("name: istio,", "name: istio-canary,");
  const waypoint = (ns: string, labels = "{}") => `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: waypoint, namespace: ${ns}, labels: ${labels}}\nspec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}\n---\n`;
  const pods = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2") + `apiVersion: v1\nkind: Namespace\nmetadata: {name: edge, labels: {istio.io/rev: canary}}\n---\n`;
  const classDeny = ap("deny-admin", "mesh-root", "  targetRefs: [{group: gateway.networking.k8s.io, kind: GatewayClass, name: istio-waypoint}]\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]");
  const ask = (yaml: string, wp: string, path = "/admin") => outcome(world(pods + canary + yaml).ask("shop/web", "shop/api", 8080, { http: { path }, proxies: { api: "istio-ambient" }, waypoint: { namespace: wp, name: "waypoint" } }));
  assert.equal(ask(waypoint("shop", "{istio.io/rev: canary}") + classDeny, "shop"), "403", "the canary root namespace's policy on the class applies to a canary waypoint");
  assert.equal(ask(waypoint("edge") + classDeny, "edge"), "403", "a waypoint of a namespace labelled istio.io/rev=canary");
  assert.equal(ask(waypoint("shop") + classDeny, "shop"), "allow", "a default-revision waypoint: its root namespace is istio-system");
  const viaWaypoint = ap("from-waypoint", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{from: [{source: {principals: [canary.example/ns/shop/sa/waypoint]}}]}]");
  assert.equal(ask(waypoint("shop", "{istio.io/rev: canary}") + viaWaypoint, "shop", "/"), "allow", "ztunnel sees the waypoint's identity in its revision's trust domain");
  assert.equal(ask(waypoint("shop") + viaWaypoint, "shop", "/"), "failed", "a default-revision waypoint is cluster.local/ns/shop/sa/waypoint");
});
