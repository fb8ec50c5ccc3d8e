// Istio authorization where Junction differed from istiod and ztunnel (the twenty-first stop's
// audit): ztunnel's plain namespace matches, several CUSTOM providers on one workload, and the
// original client a sidecar reads from X-Forwarded-For. Each case quotes the upstream code it pins.

import { test } from "node:test";
import assert from "node:assert/strict";
import { outcome, pod, service, waypointGateway, world } from "./fixture.js";
import { cli, tempFiles } from "../helpers.js";

const base = pod("shop", "api", "10.0.0.2", { ports: [["http", 8080], ["db", 5432]] }) + pod("web", "front", "10.0.1.1") + pod("data", "etl", "10.0.2.1")
  + service("shop", "api", [["http", 80, 8080], ["tcp-db", 5432, 5432]]);

function ap(name: string, spec: string): string {
  return `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n${spec}\n---\n`;
}

const ambient = { proxies: { api: "istio-ambient" as const, front: "istio-ambient" as const, etl: "istio-ambient" as const } };
const get = (path: string, headers: [string, string][] = []) => ({ http: { path, method: "GET", headers }, service: ["shop/api", 80] as [string, number] });

test("ztunnel matches namespaces with \"*\" as plain suffix/prefix/exact values (ambient/authorization.go stringToMatch, ztunnel rbac.rs StringMatch::matches), not as Envoy's regex over the principal", () => {
  // Envoy (srcNamespaceGenerator): ".*/ns/*a/.*" crosses "/sa", so "*a" admits every namespace; ztunnel: the suffix "a".
  const suffix = world(base + ap("ns", "  rules: [{from: [{source: {namespaces: [\"*a\"]}}]}]"));
  assert.equal(outcome(suffix.ask("web/front", "shop/api", 8080, { ...get("/"), ...ambient })), "failed", "web does not end in \"a\": ztunnel denies");
  assert.equal(outcome(suffix.ask("data/etl", "shop/api", 8080, { ...get("/"), ...ambient })), "allow", "data ends in \"a\"");
  assert.equal(outcome(suffix.ask("web/front", "shop/api", 8080, get("/"))), "allow", "a sidecar reads Envoy's regex, which \"*a\" matches for every namespace");
  // "*e*": Envoy's regex .*e.* matches "web"; ztunnel reads the suffix "e*", which no namespace has.
  const middle = world(base + ap("ns", "  rules: [{from: [{source: {namespaces: [\"*e*\"]}}]}]"));
  assert.equal(outcome(middle.ask("web/front", "shop/api", 8080, { ...get("/"), ...ambient })), "failed");
  assert.equal(outcome(middle.ask("web/front", "shop/api", 8080, get("/"))), "allow");
  // when source.namespace goes the same way; a DENY's notNamespaces too.
  const when = world(base + ap("ns", "  rules: [{when: [{key: source.namespace, values: [\"*a\"]}]}]"));
  assert.equal(outcome(when.ask("web/front", "shop/api", 8080, { ...get("/"), ...ambient })), "failed");
  const deny = world(base + ap("ns", "  action: DENY\n  rules: [{from: [{source: {notNamespaces: [\"w*\"]}}]}]"));
  assert.equal(outcome(deny.ask("web/front", "shop/api", 8080, { ...get("/"), ...ambient })), "allow", "a prefix reads alike at both");
  assert.equal(outcome(deny.ask("data/etl", "shop/api", 8080, { ...get("/"), ...ambient })), "failed");
  const r = suffix.ask("data/etl", "shop/api", 8080, { ...get("/"), ...ambient });
  assert.deepEqual(r.layers.at(-1)!.trace.filter((t) => /ignores|broader/.test(t)), [], "no field is dropped: no note that says so");
});

test("two CUSTOM providers on one workload: istiod writes every CUSTOM rule as a deny rule (builder.go: multiple providers require PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS, off by default)", () => {
  const yaml = base + ap("opa", "  action: CUSTOM\n  provider: {name: opa}\n  rules: [{to: [{operation: {paths: [\"/a*\"]}}]}]")
    + ap("oauth", "  action: CUSTOM\n  provider: {name: oauth}\n  rules: [{to: [{operation: {paths: [\"/b*\"]}}]}]");
  const w = world(yaml);
  const a = w.ask("web/front", "shop/api", 8080, get("/a"));
  assert.equal(outcome(a), "403", "getBadCustomDenyRules: the matching CUSTOM rule denies");
  assert.match(a.layers.at(-1)!.summary, /CUSTOM AuthorizationPolicy shop\/opa, rule 0: .*2 providers \(oauth, opa\)/);
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, get("/c"))), "allow", "a request no CUSTOM rule matches goes on to DENY and ALLOW");
  assert.deepEqual(w.ask("web/front", "shop/api", 8080, get("/c")).layers.at(-1)!.warnings, [], "no external authorizer is asked");
  assert.equal(outcome(w.ask("web/front", "shop/api", 5432, { tcp: true })), "failed", "on a TCP port the rules lose their paths (built as DENY) and deny every connection");
  // A dry-run CUSTOM policy still names its provider (selectProviderRuleSet) but adds no deny rule.
  const dry = world(base + ap("opa", "  action: CUSTOM\n  provider: {name: opa}\n  rules: [{to: [{operation: {paths: [\"/a*\"]}}]}]")
    + ap("oauth", "  action: CUSTOM\n  provider: {name: oauth}\n  rules: [{}]").replace("name: oauth, namespace: shop}", "name: oauth, namespace: shop, annotations: {istio.io/dry-run: \"true\"}}"));
  assert.equal(outcome(dry.ask("web/front", "shop/api", 8080, get("/a"))), "403");
  assert.equal(outcome(dry.ask("web/front", "shop/api", 8080, get("/z"))), "allow", "the dry run's rule {} is not enforced");
  // One provider named twice is one provider: the external authorizer decides.
  const one = world(base + ap("opa", "  action: CUSTOM\n  provider: {name: opa}\n  rules: [{to: [{operation: {paths: [\"/a*\"]}}]}]")
    + ap("opa2", "  action: CUSTOM\n  provider: {name: opa}\n  rules: [{to: [{operation: {paths: [\"/b*\"]}}]}]"));
  assert.equal(outcome(one.ask("web/front", "shop/api", 8080, get("/a"))), "allow");
  assert.match(one.ask("web/front", "shop/api", 8080, get("/a")).layers.at(-1)!.warnings.join(), /external authorizer opa/);
});

test("remoteIpBlocks at a sidecar read the last X-Forwarded-For entry (use_remote_address false: Utility::getLastAddressFromXFF), ipBlocks the peer", () => {
  const allow = world(base + ap("remote", "  rules: [{from: [{source: {remoteIpBlocks: [1.2.3.4]}}]}]"));
  assert.equal(outcome(allow.ask("web/front", "shop/api", 8080, get("/", [["X-Forwarded-For", "1.2.3.4"]]))), "allow");
  assert.equal(outcome(allow.ask("web/front", "shop/api", 8080, get("/", [["X-Forwarded-For", "9.9.9.9"], ["X-Forwarded-For", " 1.2.3.4 "]]))), "allow", "repeated headers are joined with \",\"; the entry is trimmed");
  assert.equal(outcome(allow.ask("web/front", "shop/api", 8080, get("/", [["X-Forwarded-For", "1.2.3.4, 10.0.1.1"]]))), "403", "the last entry counts");
  assert.equal(outcome(allow.ask("web/front", "shop/api", 8080, get("/", [["X-Forwarded-For", "1.2.3.4,"]]))), "403", "nothing after the last comma: the whole value, no address: the peer");
  assert.equal(outcome(allow.ask("web/front", "shop/api", 8080, get("/"))), "403", "without the header: the peer 10.0.1.1");
  const deny = world(base + ap("remote", "  action: DENY\n  rules: [{from: [{source: {remoteIpBlocks: [1.2.3.0/24]}}]}]"));
  assert.equal(outcome(deny.ask("web/front", "shop/api", 8080, get("/", [["X-Forwarded-For", "1.2.3.4"]]))), "403");
  assert.equal(outcome(deny.ask("web/front", "shop/api", 8080, { ...get("/", [["X-Forwarded-For", "1.2.3.4"]]), ...ambient })), "allow", "ztunnel does not read remote IPs");
  const peer = world(base + ap("peer", "  action: DENY\n  rules: [{from: [{source: {ipBlocks: [1.2.3.0/24]}}]}]"));
  assert.equal(outcome(peer.ask("web/front", "shop/api", 8080, get("/", [["X-Forwarded-For", "1.2.3.4"]]))), "allow", "ipBlocks: the direct peer");
  const when = world(base + ap("when", "  rules: [{when: [{key: remote.ip, values: [10.0.1.1]}]}]"));
  assert.equal(outcome(when.ask("web/front", "shop/api", 8080, get("/", [["X-Forwarded-For", "unknown"]]))), "allow", "an entry that is no address leaves the peer");
});

test("targetRefs: the validation webhook admits Service, ServiceEntry, Gateway and GatewayClass of their groups only (validatePolicyTargetReference); ShouldAttachPolicy matches the canonical group", async () => {
  const root = `apiVersion: v1\nkind: Namespace\nmetadata: {name: bank, labels: {istio.io/dataplane-mode: ambient}}\n---\n`
    + pod("bank", "ledger", "10.0.0.10") + pod("bank", "teller", "10.0.0.11") + service("bank", "ledger", [["http", 80, 8080]]).replace("metadata: {name: ledger, namespace: bank}", "metadata: {name: ledger, namespace: bank, labels: {istio.io/use-waypoint: waypoint}}")
    + waypointGateway("bank");
  const deny = (ref: string) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: no-admin, namespace: istio-system}\nspec:\n  targetRefs: [${ref}]\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]\n---\n`;
  const run = async (yaml: string, ...args: string[]) => {
    const t = tempFiles({ "a.yaml": yaml });
    try { return await cli(["explain", "-q", "-f", t.dir, "--from", "bank/teller", "--request", "GET http://ledger.bank/admin", "-o", "json", ...args]); } finally { t.cleanup(); }
  };
  const good = await run(root + deny("{kind: GatewayClass, group: gateway.networking.k8s.io, name: istio-waypoint}"));
  assert.equal(good.code, 1, good.err);
  assert.equal((JSON.parse(good.out) as { status: number }).status, 403, "the root namespace's GatewayClass policy applies at every waypoint");
  const coreGroup = await run(root + deny("{kind: GatewayClass, name: istio-waypoint}"));
  assert.equal(coreGroup.code, 2);
  assert.match(coreGroup.err, /a\.yaml:\d+ spec\.targetRefs\[0\]\.kind: targetRef must be to one of core\/Service, .* but was \/GatewayClass/);
  const lenient = await run(root + deny("{kind: GatewayClass, name: istio-waypoint}"), "--lenient");
  assert.equal(lenient.code, 0, lenient.err);
  assert.equal((JSON.parse(lenient.out) as { status: number }).status, 200, "GatewayClass of group core is no waypoint's class: the policy attaches nowhere");
  const pod_ = await run(root + deny("{kind: Pod, group: \"\", name: ledger}"));
  assert.match(pod_.err, /but was \/Pod/);
});

test("a Gateway API gateway's pod enforces the policies whose targetRefs name its Gateway (policyattachment.go ShouldAttachPolicy), and reads remote.ip as use_remote_address true", () => {
  const gatewayPod = pod("shop", "gw-istio", "10.0.0.9", { labels: { "gateway.networking.k8s.io/gateway-name": "gw" }, ports: [["http", 80]] });
  const target = (ns: string, name: string, spec: string, ref = "{kind: Gateway, group: gateway.networking.k8s.io, name: gw}") =>
    `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  targetRefs: [${ref}]\n${spec}\n---\n`;
  const at = (w: ReturnType<typeof world>, path: string, headers: [string, string][] = []) => outcome(w.ask("web/front", "shop/gw-istio", 80, { http: { path, method: "GET", headers } }));
  const w = world(base + gatewayPod + target("shop", "no-admin", "  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]")
    + target("shop", "other-gw", "  action: DENY\n  rules: [{to: [{operation: {paths: [/other]}}]}]", "{kind: Gateway, group: gateway.networking.k8s.io, name: elsewhere}")
    + target("istio-system", "root", "  action: DENY\n  rules: [{to: [{operation: {paths: [/root]}}]}]")
    + `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: by-label, namespace: shop}\nspec:\n  selector: {matchLabels: {app: gw-istio}}\n  action: DENY\n  rules: [{to: [{operation: {paths: [/label]}}]}]\n---\n`);
  assert.equal(at(w, "/admin"), "403", "the policy naming its Gateway (was 200: targetRefs policies applied to waypoints only)");
  assert.equal(at(w, "/ok"), "allow");
  assert.equal(at(w, "/other"), "allow", "another Gateway's policy");
  assert.equal(at(w, "/root"), "allow", "a Gateway target counts in the policy's own namespace only: the root namespace's does not reach shop/gw");
  assert.equal(at(w, "/label"), "403", "selector policies still apply to the gateway's pod (ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY)");
  assert.equal(outcome(w.ask("web/front", "shop/api", 8080, { http: { path: "/admin", method: "GET" } })), "allow", "other workloads do not take it");
  const remote = world(base + gatewayPod + target("shop", "remote", "  action: DENY\n  rules: [{from: [{source: {remoteIpBlocks: [1.2.3.4]}}]}]"));
  assert.equal(at(remote, "/", [["X-Forwarded-For", "1.2.3.4"]]), "allow", "a gateway (use_remote_address true, no trusted hops) reads the peer, not X-Forwarded-For");
});

test("an Istio gateway enforces its AuthorizationPolicies in its listener, before its router: a request it routes is denied there (403 over the route's answer, 404 included)", async () => {
  const yaml = base + pod("shop", "gw-istio", "10.0.0.9", { labels: { "gateway.networking.k8s.io/gateway-name": "gw" }, ports: [["http", 80]] }).replace("{name: app,", "{name: istio-proxy}, {name: app,")
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: istio}\nspec: {controllerName: istio.io/gateway-controller}\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: shop}\nspec:\n  gatewayClassName: istio\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: shop}\nspec:\n  parentRefs: [{name: gw}]\n  rules: [{matches: [{path: {type: PathPrefix, value: /app}}], backendRefs: [{name: api, port: 80}]}]\n---\n`
    // A Service in front that keeps the client's address (without one, the one Istio makes masquerades: unknown).
    + `apiVersion: v1\nkind: Service\nmetadata: {name: gw-lb, namespace: shop}\nspec: {type: LoadBalancer, externalTrafficPolicy: Local, selector: {gateway.networking.k8s.io/gateway-name: gw}, ports: [{name: http, port: 80}]}\n---\n`;
  const policy = (name: string, spec: string) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\n${spec}\n---\n`;
  const route = async (extra: string, request: string, from?: string) => {
    const t = tempFiles({ "a.yaml": yaml + extra });
    try {
      const r = await cli(["route", "-q", "-f", t.dir, "--gateway", "shop/gw", "--request", request, "-o", "json", ...(from ? ["--from", from] : [])]);
      assert.equal(r.code, 0, r.err);
      return (JSON.parse(r.out) as { results: { status: number | null; authorization: { enforcer: string }[] }[] }).results[0];
    } finally { t.cleanup(); }
  };
  const deny = policy("no-admin", "  action: DENY\n  rules: [{to: [{operation: {paths: [\"/app/admin\", \"/debug\"]}}]}]");
  assert.equal((await route(deny, "GET http://shop.example/app/admin")).status, 403, "was 200: the gateway's policy was never asked");
  assert.equal((await route(deny, "GET http://shop.example/app/x")).status, 200);
  assert.equal((await route(deny, "GET http://shop.example/debug")).status, 403, "no route matches /debug (404), but the RBAC filter runs before the router");
  assert.equal((await route(deny, "GET http://shop.example/other")).status, 404);
  const allow = policy("office", "  rules: [{from: [{source: {ipBlocks: [203.0.113.0/24]}}]}]");
  assert.equal((await route(allow, "GET http://shop.example/app/x", "ip:203.0.113.7")).status, 200);
  assert.equal((await route(allow, "GET http://shop.example/app/x", "ip:198.51.100.7")).status, 403);
  const none = await route("", "GET http://shop.example/app/x");
  assert.deepEqual(none.authorization.filter((d) => /Gateway's pod/.test(d.enforcer)), [], "no policy applies to the gateway: no decision of its own");
});

test("behind an Istio gateway a sidecar's remote.ip is the gateway's client: its Envoy (use_remote_address true) appends it to X-Forwarded-For (gateway.go, conn_manager_utility.cc appendXff)", async () => {
  const gateway = `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: istio}\nspec: {controllerName: istio.io/gateway-controller}\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]}\n---\n`
    + `apiVersion: v1\nkind: Pod\nmetadata: {name: gw-istio-0, namespace: infra, labels: {gateway.networking.k8s.io/gateway-name: gw}}\nspec: {containers: [{name: istio-proxy}]}\nstatus: {podIP: 10.0.9.9}\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: shop}\nspec: {parentRefs: [{name: gw, namespace: infra}], rules: [{backendRefs: [{name: api, port: 80}]}]}\n---\n`
    + `apiVersion: v1\nkind: Service\nmetadata: {name: gw-lb, namespace: infra}\nspec: {type: LoadBalancer, externalTrafficPolicy: Local, selector: {gateway.networking.k8s.io/gateway-name: gw}, ports: [{name: http, port: 80}]}\n---\n`;
  const api = pod("shop", "api", "10.0.0.2", { proxy: "istio-proxy" }) + service("shop", "api", [["http", 80, 8080]]);
  const { dir, cleanup } = tempFiles({ "a.yaml": gateway + api + ap("block", "  action: DENY\n  rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]") });
  try {
    const status = async (from: string, xff?: string) => {
      const r = await cli(["route", "-q", "-f", dir, "--gateway", "infra/gw", "--from", from, "--request", "GET http://x.example/", ...(xff ? ["-H", `X-Forwarded-For: ${xff}`] : []), "-o", "json"]);
      return (JSON.parse(r.out) as { results: { status: number | null }[] }).results[0].status;
    };
    assert.equal(await status("ip:203.0.113.5"), 403, "no X-Forwarded-For sent: the gateway's entry is the client (was: the gateway pod's address, 200)");
    assert.equal(await status("ip:203.0.113.5", "1.1.1.1"), 403, "what the client sent comes before the gateway's entry (was: 1.1.1.1, 200: a wrong allowed)");
    assert.equal(await status("ip:198.51.100.5", "203.0.113.5"), 200, "the client cannot pose as another");
  } finally { cleanup(); }
});

test("ztunnel's DENY: a field it does not read is dropped (a source left with others denies more; an operation left with none never matches), and the trace says so (ambient/authorization.go handleRule, ztunnel rbac.rs: an empty match is skipped)", () => {
  const broader = world(base + ap("d", "  action: DENY\n  rules: [{from: [{source: {namespaces: [web], requestPrincipals: [\"*\"]}}]}]"));
  const r = broader.ask("web/front", "shop/api", 8080, { ...get("/"), ...ambient });
  assert.equal(outcome(r), "failed", "requestPrincipals dropped: every client of web is denied, with a token or not");
  assert.match(r.layers.at(-1)!.trace.join("\n"), /DENY shop\/d rule 0: ztunnel ignores the fields it does not read/);
  const never = world(base + ap("d", "  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]"));
  assert.equal(outcome(never.ask("web/front", "shop/api", 8080, { ...get("/admin"), ...ambient })), "allow", "the operation keeps no field ztunnel reads: an empty match, skipped");
  assert.equal(outcome(never.ask("web/front", "shop/api", 8080, get("/admin"))), "403", "a sidecar reads the path");
});

test("an Istio gateway's TLS listener runs the TCP RBAC filter, HTTP or not inside: an ALLOW rule with paths never matches there (builder.go BuildTCP), and a denial closes the connection; on an HTTP listener a denial clears the route's redirect", async () => {
  const yaml = `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: istio}\nspec: {controllerName: istio.io/gateway-controller}\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}, {name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}]}\n---\n`
    + `apiVersion: v1\nkind: Pod\nmetadata: {name: gw-istio-0, namespace: infra, labels: {gateway.networking.k8s.io/gateway-name: gw}}\nspec: {containers: [{name: istio-proxy}]}\nstatus: {podIP: 10.0.9.9}\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata: {name: t, namespace: shop}\nspec: {parentRefs: [{name: gw, namespace: infra}], hostnames: [x.example.com], rules: [{backendRefs: [{name: api, port: 443}]}]}\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: shop}\nspec: {parentRefs: [{name: gw, namespace: infra, sectionName: http}], rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]}]}\n---\n`
    + pod("shop", "api", "10.0.0.2", { ports: [["https", 8443]] }) + service("shop", "api", [["https", 443, 8443]])
    + `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: pub, namespace: infra}\nspec:\n  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\n  rules: [{to: [{operation: {paths: [/public]}}]}]\n---\n`;
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const route = async (request: string) => {
      const r = await cli(["route", "-q", "-f", dir, "--gateway", "infra/gw", "--from", "ip:198.51.100.7", "--request", request, "-o", "json"]);
      return (JSON.parse(r.out) as { results: { status: number | null; connection?: string; redirect?: unknown }[] }).results[0];
    };
    const passthrough = await route("GET https://x.example.com/public");
    assert.deepEqual([passthrough.status, passthrough.connection], [null, "failed"], "the gateway never reads the path inside the TLS it passes through (was: 200, allowed by the path)");
    const redirected = await route("GET http://x.example.com/private");
    assert.deepEqual([redirected.status, redirected.redirect], [403, null], "the HTTP listener reads the path: denied before the router's redirect");
    assert.equal((await route("GET http://x.example.com/public")).status, 301);
  } finally { cleanup(); }
});
