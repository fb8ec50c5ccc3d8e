// Istio authorization per request, pinned to upstream behaviour: istiod's RBAC builder
// (pilot/pkg/security/authz), its policy selection (pilot/pkg/model/authorization.go) and the
// documented semantics of AuthorizationPolicy and PeerAuthentication.

import { test } from "node:test";
import assert from "node:assert/strict";
import { outcome, pod, service, world } from "./fixture.js";
import { cli, tempFiles } from "../helpers.js";

const base = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2") + pod("other", "x", "10.0.1.1", { sa: "robot" }) + service("shop", "api", [["http", 80, 8080], ["tcp-db", 5432, 5432]]);

function ap(name: string, ns: string, spec: string): string {
  return `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec}\n---\n`;
}

const get = (path: string, method = "GET", headers: [string, string][] = []) => ({ http: { path, method, headers }, service: ["shop/api", 80] as [string, number] });

test("CUSTOM, then DENY, then ALLOW: a matching DENY wins over a matching ALLOW; CUSTOM is undecidable offline and reported", () => {
  const w = world(base
    + ap("ext", "shop", "  selector: {matchLabels: {app: api}}\n  action: CUSTOM\n  provider: {name: opa}\n  rules: [{to: [{operation: {paths: [/admin*]}}]}]")
    + ap("deny-admin", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin/delete]}}]}]")
    + ap("allow-all-admin", "shop", "  selector: {matchLabels: {app: api}}\n  action: ALLOW\n  rules: [{to: [{operation: {paths: [/admin*, /public]}}]}]"));
  const del = w.ask("shop/web", "shop/api", 8080, get("/admin/delete"));
  assert.equal(outcome(del), "403");
  assert.match(del.layers.at(-1)!.summary, /DENY AuthorizationPolicy shop\/deny-admin/);
  assert.match(del.layers.at(-1)!.warnings.join(), /external authorizer opa/, "the CUSTOM match is reported even when DENY decides");
  const view = w.ask("shop/web", "shop/api", 8080, get("/admin/view"));
  assert.equal(view.layers.at(-1)!.verdict, "undecided", "was allow: the external authorizer decides before the ALLOW");
  assert.match(view.layers.at(-1)!.unknown ?? "", /the external authorizer opa decides first \(CUSTOM AuthorizationPolicy shop\/ext, rule 0\)/);
  assert.match(view.layers.at(-1)!.summary, /if it allows: allowed by ALLOW AuthorizationPolicy shop\/allow-all-admin/);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/private"))), "403", "ALLOW policies apply and none matches");
  assert.deepEqual(w.ask("shop/web", "shop/api", 8080, get("/public")).layers.at(-1)!.warnings, [], "CUSTOM does not match /public");
});

test("allow-nothing (ALLOW without rules) versus allow-all (one empty rule {})", () => {
  const nothing = world(base + ap("nothing", "shop", "  selector: {matchLabels: {app: api}}\n  action: ALLOW"));
  assert.equal(outcome(nothing.ask("shop/web", "shop/api", 8080, get("/"))), "403");
  assert.equal(outcome(nothing.ask("shop/web", "shop/api", 5432, { tcp: true })), "failed", "a TCP connection is closed");
  const all = world(base + ap("nothing", "shop", "  selector: {matchLabels: {app: api}}\n  action: ALLOW") + ap("all", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{}]"));
  assert.equal(outcome(all.ask("shop/web", "shop/api", 8080, get("/"))), "allow", "ALLOW policies are ORed: the empty rule matches everything");
  assert.equal(outcome(world(base).ask("shop/web", "shop/api", 8080, get("/"))), "allow", "no policy: allowed");
  const denyAll = world(base + ap("deny-all", "shop", "  action: DENY\n  rules: [{}]"));
  assert.equal(outcome(denyAll.ask("shop/web", "shop/api", 8080, get("/"))), "403", "a DENY with an empty rule denies everything in the namespace");
});

test("root-namespace policies apply to the whole mesh; a selector there picks workloads in every namespace", () => {
  const yaml = base + pod("istio-system", "istiod", "10.0.9.9")
    + ap("global-deny", "istio-system", "  action: DENY\n  rules: [{to: [{operation: {paths: [/debug*]}}]}]")
    + ap("api-only", "istio-system", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{to: [{operation: {methods: [DELETE]}}]}]")
    + ap("elsewhere", "other", "  action: DENY\n  rules: [{}]");
  const w = world(yaml);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/debug/vars"))), "403");
  assert.equal(outcome(w.ask("shop/api", "shop/web", 8080, { http: { path: "/debug" } })), "403", "mesh-wide: web too");
  assert.equal(outcome(w.ask("shop/api", "shop/web", 8080, { http: { path: "/x", method: "DELETE" } })), "allow", "the selector picks app=api only");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/x", "DELETE"))), "403");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/x"))), "allow", "a policy in another namespace does not apply");
  const moved = world(yaml, {}).ask("shop/web", "shop/api", 8080, get("/debug"));
  assert.equal(moved.layers.at(-1)!.policy?.namespace, "istio-system");
});

test("--istio-root-namespace: policies in another root namespace apply mesh-wide, istio-system's become namespace-local", () => {
  const w = world(base + ap("global-deny", "mesh-root", "  action: DENY\n  rules: [{}]"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/"))), "allow");
  w.engine.inventory.mesh.settings.istioRootNamespace = "mesh-root";
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/"))), "403");
});

test("paths: exact, prefix*, *suffix, and templates {*} (one segment) and {**} (any segments), matched after normalization", () => {
  const w = world(base + ap("paths", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{to: [{operation: {paths: [/exact, /pre*, \"*.png\", \"/users/{*}/orders\", \"/files/{**}\", \"/store/{**}/cart\"]}}]}]"));
  const cases: [string, string][] = [
    ["/exact", "allow"], ["/exact/", "403"], ["/prefix/anything", "allow"], ["/logo.png", "allow"], ["/logo.jpg", "403"],
    ["/users/7/orders", "allow"], ["/users//orders", "403"], ["/users/7/8/orders", "403"],
    ["/files/", "allow"], ["/files/a/b.txt", "allow"], ["/files", "403"],
    ["/store//cart", "allow"], ["/store/a/b/cart", "allow"], ["/store/cart", "403"],
    ["/exact?x=1", "allow"], ["/other/../exact", "allow"], ["/pre/%2E%2E/secret", "403"], ["/files/%2e%2e/x", "403"],
  ];
  for (const [path, want] of cases) assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get(path))), want, path);
});

test("ports: the destination port is the workload's (target) port; notPorts and TCP rules on a TCP port", () => {
  const w = world(base + ap("ports", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{to: [{operation: {notPorts: [\"5432\"]}}]}]"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/"))), "allow");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 5432, { tcp: true, service: ["shop/api", 5432] })), "failed");
});

test("HTTP-only fields on a TCP port: ALLOW rules using them are dropped, DENY rules lose them (and get broader)", () => {
  const allow = world(base + ap("http-allow", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{to: [{operation: {methods: [GET]}}]}]"));
  assert.equal(outcome(allow.ask("shop/web", "shop/api", 8080, get("/"))), "allow");
  const tcp = allow.ask("shop/web", "shop/api", 5432, { tcp: true, service: ["shop/api", 5432] });
  assert.equal(outcome(tcp), "failed", "the ALLOW policy still applies, with no rule left: nothing is allowed");
  assert.match(tcp.layers.at(-1)!.trace.join("\n"), /uses HTTP-only fields: a TCP port never matches it/);
  // An HTTP client on a port Istio treats as TCP (the Service port is named tcp-db) gets the TCP chain too.
  assert.equal(outcome(allow.ask("shop/web", "shop/api", 5432, { service: ["shop/api", 5432] })), "failed");
  const deny = world(base + ap("http-deny", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]"));
  assert.equal(outcome(deny.ask("shop/web", "shop/api", 8080, get("/public"))), "allow");
  assert.equal(outcome(deny.ask("shop/web", "shop/api", 5432, { tcp: true, service: ["shop/api", 5432] })), "failed", "the DENY without its path denies every TCP connection");
  const scoped = world(base + ap("http-deny", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{to: [{operation: {ports: [\"8080\"], paths: [/admin]}}]}]"));
  assert.equal(outcome(scoped.ask("shop/web", "shop/api", 5432, { tcp: true, service: ["shop/api", 5432] })), "allow", "with ports set, only port 8080 loses its path condition");
});

test("plaintext has no identity: notPrincipals [\"*\"] denies it, principals and namespaces never match it", () => {
  const yaml = base + ap("deny-plain", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{from: [{source: {notPrincipals: [\"*\"]}}]}]");
  const w = world(yaml);
  const mtls = w.ask("shop/web", "shop/api", 8080, get("/"));
  assert.equal(outcome(mtls), "allow");
  assert.equal(mtls.principal, "cluster.local/ns/shop/sa/web");
  const plain = w.ask("shop/web", "shop/api", 8080, { ...get("/"), proxies: { web: "none" } });
  assert.equal(outcome(plain), "403", "a client without a proxy sends plaintext (PERMISSIVE accepts it)");
  assert.equal(plain.principal, undefined);
  const ns = world(base + ap("ns", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{from: [{source: {namespaces: [shop]}}]}]"));
  assert.equal(outcome(ns.ask("shop/web", "shop/api", 8080, get("/"))), "allow");
  assert.equal(outcome(ns.ask("shop/web", "shop/api", 8080, { ...get("/"), proxies: { web: "none" } })), "403");
  const notNs = world(base + ap("not-ns", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{from: [{source: {notNamespaces: [shop]}}]}]"));
  assert.equal(outcome(notNs.ask("shop/web", "shop/api", 8080, { ...get("/"), proxies: { web: "none" } })), "403", "plaintext is in no namespace: notNamespaces matches it");
});

test("PeerAuthentication and DestinationRule decide mutual TLS: STRICT refuses plaintext, DISABLE sends plaintext", () => {
  const strict = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: strict, namespace: shop}\nspec: {selector: {matchLabels: {app: api}}, mtls: {mode: STRICT}, portLevelMtls: {\"5432\": {mode: PERMISSIVE}}}\n---\n";
  const w = world(base + strict);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, { ...get("/"), proxies: { web: "none" } })), "failed");
  assert.match(w.ask("shop/web", "shop/api", 8080, { ...get("/"), proxies: { web: "none" } }).layers[0].summary, /requires mutual TLS \(STRICT\)/);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 5432, { tcp: true, proxies: { web: "none" } })), "allow", "port-level PERMISSIVE");
  const dr = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: plain, namespace: shop}\nspec: {host: api, trafficPolicy: {tls: {mode: DISABLE}}}\n---\n";
  const w2 = world(base + strict + dr);
  const r = w2.ask("shop/web", "shop/api", 8080, get("/"));
  assert.equal(outcome(r), "failed", "the DestinationRule makes the sidecar client send plaintext to a STRICT server");
  assert.equal(r.layers[0].policy?.name, "strict");
  const w3 = world(base + dr);
  assert.equal(w3.ask("shop/web", "shop/api", 8080, get("/")).principal, undefined, "PERMISSIVE accepts the plaintext, without identity");
  const meshDisable = "apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: DISABLE}}\n---\n";
  assert.equal(world(base + meshDisable).ask("shop/web", "shop/api", 8080, get("/")).principal, undefined, "auto mTLS honours the server's DISABLE");
  assert.equal(world(base).ask("shop/web", "shop/api", 8080, { ...get("/"), proxies: { api: "none" } }).principal, undefined, "auto mTLS: plaintext to a pod without a proxy");
});

test("principals, serviceAccounts and trustDomains read the mutual-TLS identity; --trust-domain changes it", () => {
  const w = world(base + ap("ids", "shop", "  selector: {matchLabels: {app: api}}\n  rules:\n  - {from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}], to: [{operation: {paths: [/p]}}]}\n  - {from: [{source: {serviceAccounts: [other/robot]}}], to: [{operation: {paths: [/sa]}}]}\n  - {from: [{source: {trustDomains: [\"cluster.*\"]}}], to: [{operation: {paths: [/td]}}]}"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/p"))), "allow");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, get("/p"))), "403");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, get("/sa"))), "allow", "serviceAccounts: namespace/name");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/td"))), "allow");
  w.engine.inventory.mesh.settings.trustDomain = "corp.example";
  // The client is now corp.example/ns/shop/sa/web; istiod rewrites a cluster.local principal to the local trust domain
  // (pilot/pkg/security/trustdomain/bundle.go ReplaceTrustDomainAliases), so the rule still admits it; trustDomains do not.
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/p"))), "allow", "cluster.local/ns/shop/sa/web is rewritten to corp.example/ns/shop/sa/web");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/td"))), "403", "corp.example does not match cluster.*");
});

test("when: request headers, source.ip, destination.port and connection.sni (mTLS only)", () => {
  const w = world(base + ap("when", "shop", "  selector: {matchLabels: {app: api}}\n  rules:\n  - {to: [{operation: {paths: [/h]}}], when: [{key: \"request.headers[X-User]\", values: [\"admin*\"]}]}\n  - {to: [{operation: {paths: [/ip]}}], when: [{key: source.ip, values: [10.0.0.0/24], notValues: [10.0.0.1]}]}\n  - {to: [{operation: {paths: [/sni]}}], when: [{key: connection.sni, values: [\"*.api.shop.svc.cluster.local\"]}]}"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/h", "GET", [["x-user", "admin-1"]]))), "allow", "header names in any case");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/h"))), "403", "a missing header matches no value");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/ip"))), "403", "values and notValues both hold");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, get("/ip"))), "403");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/sni"))), "allow", "the SNI of Istio mTLS is outbound_.80_._.api.shop.svc.cluster.local");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, { ...get("/sni"), proxies: { web: "none" } })), "403");
});

test("hosts match in any case, methods exactly; targetRefs and dry-run policies do not apply to sidecars", () => {
  const w = world(base
    + ap("hosts", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{to: [{operation: {hosts: [API.shop.svc.cluster.local], methods: [GET]}}]}]")
    + ap("waypoint-only", "shop", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n  action: DENY\n  rules: [{}]")
    + "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: dry, namespace: shop, annotations: {istio.io/dry-run: \"true\"}}\nspec: {action: DENY, rules: [{}]}\n---\n");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/"))), "allow");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/", "get"))), "403");
  const r = w.ask("shop/web", "shop/api", 8080, get("/"));
  assert.match(r.layers.at(-1)!.trace.join(), /dry run/);
});

test("ambient: ztunnel enforces L4 only; an ALLOW rule with HTTP fields never matches there, a waypoint enforces it", () => {
  const yaml = base + ap("l7-allow", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{to: [{operation: {methods: [GET]}}]}]")
    + ap("l4-deny", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}, {from: [{source: {namespaces: [other]}}], to: [{operation: {ports: [\"8080\"], methods: [POST]}}]}]")
    + ap("at-waypoint", "shop", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]");
  const amb = { proxies: { web: "istio-ambient" as const, api: "istio-ambient" as const, x: "istio-ambient" as const } };
  const w = world(yaml);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, { ...get("/"), ...amb })), "failed", "the ALLOW's only rule has HTTP fields: ztunnel allows nothing");
  const r = w.ask("other/x", "shop/api", 8080, { ...get("/"), ...amb });
  assert.equal(outcome(r), "failed");
  assert.match(r.layers.at(-1)!.summary, /DENY AuthorizationPolicy shop\/l4-deny, rule 1/, "DENY keeps its L4 part (port 8080 from namespace other); rule 0, paths only, never matches at ztunnel");
  const wp = world(base + ap("at-waypoint", "shop", "  targetRefs: [{kind: Service, group: \"\", name: api}]\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]"));
  const via = { ...amb, waypoint: { name: "waypoint", namespace: "shop" } };
  assert.equal(outcome(wp.ask("shop/web", "shop/api", 8080, { ...get("/admin"), ...via })), "403", "the waypoint enforces the HTTP rule");
  assert.equal(outcome(wp.ask("shop/web", "shop/api", 8080, { ...get("/ok"), ...via })), "allow");
  assert.equal(outcome(wp.ask("shop/web", "shop/api", 8080, { ...get("/admin"), ...amb })), "allow", "without a waypoint, targetRef policies are not enforced");
});

test("pods without a proxy enforce nothing at L7", () => {
  const w = world(base + ap("deny-all", "shop", "  action: DENY\n  rules: [{}]"));
  const r = w.ask("shop/web", "shop/api", 8080, { ...get("/"), proxies: { api: "none" } });
  assert.equal(outcome(r), "allow");
  assert.match(r.layers.at(-1)!.summary, /no mesh proxy/);
});

test("a repeated header reads as its values joined with \",\" (Envoy's HeaderUtility::getAllOfHeaderAsString), in ALLOW and DENY alike", () => {
  // istiod lowers request.headers[NAME] to an Envoy HeaderMatcher (pilot/pkg/security/authz/matcher/header.go);
  // Envoy matches it against every value of the header concatenated with ",".
  const w = world(base
    + ap("token", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{when: [{key: \"request.headers[x-token]\", values: [secret]}]}]")
    + ap("no-evil", "shop", "  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{when: [{key: \"request.headers[x-evil]\", values: [\"1\"]}]}]"));
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/", "GET", [["x-token", "secret"]]))), "allow");
  for (const order of [[["x-token", "secret"], ["X-Token", "other"]], [["x-token", "other"], ["x-token", "secret"]]] as [string, string][][]) {
    assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/", "GET", order))), "403", `Envoy sees "secret,other" (or "other,secret"), not "secret": ${JSON.stringify(order)}`);
  }
  const evil: [string, string][] = [["x-token", "secret"], ["x-evil", "1"], ["x-evil", "2"]];
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/", "GET", evil))), "allow", "the DENY's exact \"1\" does not match \"1,2\", as in Envoy");
});

test("namespaces with \"*\": istiod matches .*/ns/PATTERN/.* over the whole principal, so a pattern ending in \"*a\" or \"*sa\" also crosses \"/sa\"", () => {
  // pilot/pkg/security/authz/model/generator.go srcNamespaceGenerator: literal parts quoted, "*" as ".*",
  // StringMatcherRegex(".*/ns/%s/.*"). Over spiffe://cluster.local/ns/other/sa/robot, ".*/ns/.*a/.*"
  // matches with ".*a" = "other/sa": every authenticated client, whatever its namespace.
  const w = world(base
    + ap("ends-in-a", "shop", "  selector: {matchLabels: {app: api}}\n  rules: [{from: [{source: {namespaces: [\"*a\"]}}], to: [{operation: {paths: [/a]}}]}, {from: [{source: {notNamespaces: [\"*a\"]}}], to: [{operation: {paths: [/not-a]}}]}, {from: [{source: {namespaces: [\"o*r\"]}}], to: [{operation: {paths: [/o-r]}}]}, {to: [{operation: {paths: [/when]}}], when: [{key: source.namespace, values: [\"s*sa\"]}]}]"));
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, get("/a"))), "allow", "namespace other does not end in a, but other/sa does");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, get("/not-a"))), "403", "and so notNamespaces [*a] excludes every authenticated client");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, { ...get("/not-a"), proxies: { x: "none" } })), "allow", "a plaintext client has no namespace: the not-form holds");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, get("/o-r"))), "allow", "a pattern not ending in a or sa is read plainly");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/o-r"))), "403");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, get("/when"))), "allow", "when source.namespace s*sa: shop starts with s");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, get("/when"))), "403");
});

test("under --lenient a rule with a `when` condition istiod cannot build never matches for an ALLOW (istiod skips it) and loses the condition for a DENY (it denies more, never less)", async () => {
  // pilot/pkg/security/authz/builder/builder.go: `m, err := authzmodel.New(...)`; `if err != nil { ... "skipped invalid rule" ...; continue }`;
  // model.go New: `return nil, fmt.Errorf("unknown attribute %s", when.Key)`. Read whole, the ALLOW rule was {} and allowed everything.
  const cluster = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: istio-proxy, image: p}, {name: app, image: a, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.1.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec: {containers: [{name: istio-proxy, image: p}, {name: app, image: a}]}
status: {podIP: 10.1.0.2}
---
`;
  const rule = (action: string, when: string) => ap("p", "shop", `  selector: {matchLabels: {app: web}}\n  action: ${action}\n  rules:\n  - to: [{operation: {paths: [/admin]}}]\n    when: [${when}]`);
  const ask = async (yaml: string, path: string) => {
    const t = tempFiles({ "a.yaml": cluster + yaml });
    try {
      const r = await cli(["route", "-f", t.dir, "--lenient", "-q", "--from", "shop/client", "--request", `GET http://10.1.0.1:8080${path}`, "-o", "json"]);
      assert.equal(r.code, 0, r.err);
      return (JSON.parse(r.out) as { results: { status: number | null }[] }).results[0].status;
    } finally { t.cleanup(); }
  };
  for (const when of ["{key: request.bogus, values: [x]}", "{key: source.namespace}"]) {
    assert.equal(await ask(rule("ALLOW", when), "/admin"), 403, `ALLOW ${when}: the rule never matches`);
    assert.equal(await ask(rule("DENY", when), "/admin"), 403, `DENY ${when}: the rule still denies /admin`);
    assert.equal(await ask(rule("DENY", when), "/other"), 200);
  }
});
