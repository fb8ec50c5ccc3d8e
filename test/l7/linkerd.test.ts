// Linkerd's inbound policy per request, pinned to its policy controller (policy-controller/k8s/index)
// and proxy (linkerd2-proxy app/inbound/src/policy): default policies, Servers, route-level
// authorization, MeshTLS and Network authentications.

import { test } from "node:test";
import assert from "node:assert/strict";
import { outcome, pod, service, world } from "./fixture.js";

const LINKERD = { web: "linkerd", api: "linkerd", x: "linkerd", out: "none" } as const;
const base = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2") + pod("other", "x", "10.0.1.1", { sa: "robot" }) + pod("edge", "out", "192.0.2.7");

const server = (extra = "") => `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: api-http, namespace: shop, labels: {tier: backend}}
spec: {podSelector: {matchLabels: {app: api}}, port: http, proxyProtocol: HTTP/1${extra}}
---
`;
const meshTls = (name: string, spec: string) => `apiVersion: policy.linkerd.io/v1alpha1\nkind: MeshTLSAuthentication\nmetadata: {name: ${name}, namespace: shop}\nspec: ${spec}\n---\n`;
const authz = (name: string, target: string, refs: string) => `apiVersion: policy.linkerd.io/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: shop}\nspec: {targetRef: ${target}, requiredAuthenticationRefs: [${refs}]}\n---\n`;
const req = (path: string, method = "GET") => ({ http: { path, method } });

function withDefault(w: ReturnType<typeof world>, value: string, on: "pod" | "namespace"): void {
  const inv = w.engine.inventory;
  if (on === "namespace") inv.namespaces.get("shop")!.annotations = { "config.linkerd.io/default-inbound-policy": value };
  else inv.endpoints.find((e) => e.name === "api")!.annotations = { "config.linkerd.io/default-inbound-policy": value };
}

test("default inbound policies: all-unauthenticated, all-authenticated, cluster-*, deny; the pod's annotation beats the namespace's", () => {
  const w = world(base, LINKERD);
  assert.equal(outcome(w.ask("edge/out", "shop/api", 8080, req("/"))), "allow", "the cluster default is all-unauthenticated");
  withDefault(w, "all-authenticated", "namespace");
  assert.equal(outcome(w.ask("edge/out", "shop/api", 8080, req("/"))), "403", "a client without a proxy has no identity");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/"))), "allow", "meshed clients are authenticated");
  withDefault(w, "cluster-unauthenticated", "pod");
  assert.equal(outcome(w.ask("edge/out", "shop/api", 8080, req("/"))), "403", "192.0.2.7 is not in the cluster networks");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, { ...req("/"), proxies: { x: "none" } })), "allow", "10.0.1.1 is, identity or not");
  withDefault(w, "deny", "pod");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/"))), "403");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, { tcp: true })), "rejected", "TCP connections are refused");
  w.engine.inventory.mesh.settings.linkerdDefaultPolicy = "deny";
  withDefault(w, "audit", "pod");
  const audit = w.ask("edge/out", "shop/api", 8080, req("/"));
  assert.equal(outcome(audit), "allow");
  assert.match(audit.layers.at(-1)!.warnings.join(), /only logs/);
});

test("a Server without authorizations denies (accessPolicy defaults to deny); its accessPolicy admits like a default policy", () => {
  const w = world(base + server(), LINKERD);
  const r = w.ask("shop/web", "shop/api", 8080, req("/"));
  assert.equal(outcome(r), "403");
  assert.match(r.layers.at(-1)!.summary, /nothing authorizes it/);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 9090, req("/"))), "allow", "other ports keep the default policy");
  const open = world(base + server(", accessPolicy: all-authenticated"), LINKERD);
  assert.equal(outcome(open.ask("shop/web", "shop/api", 8080, req("/"))), "allow");
  assert.equal(outcome(open.ask("edge/out", "shop/api", 8080, req("/"))), "403");
});

test("AuthorizationPolicy on a Server with a MeshTLSAuthentication: identities, identityRefs (ServiceAccount, Namespace)", () => {
  const w = world(base + server()
    + meshTls("web-only", "{identityRefs: [{kind: ServiceAccount, name: web}]}")
    + authz("api", "{group: policy.linkerd.io, kind: Server, name: api-http}", "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web-only}"), LINKERD);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/"))), "allow");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/"))), "403");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, { ...req("/"), proxies: { web: "none" } })), "403", "plaintext has no identity");
  const byName = world(base + server() + meshTls("ids", "{identities: [\"*.other.serviceaccount.identity.linkerd.cluster.local\"]}")
    + authz("api", "{group: policy.linkerd.io, kind: Server, name: api-http}", "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: ids}"), LINKERD);
  assert.equal(outcome(byName.ask("other/x", "shop/api", 8080, req("/"))), "allow", "robot.other.serviceaccount.identity.linkerd.cluster.local has the suffix");
  assert.equal(outcome(byName.ask("shop/web", "shop/api", 8080, req("/"))), "403");
});

test("NetworkAuthentication admits unauthenticated clients by address; a policy naming a missing authentication is ignored", () => {
  const net = "apiVersion: policy.linkerd.io/v1alpha1\nkind: NetworkAuthentication\nmetadata: {name: edge, namespace: shop}\nspec: {networks: [{cidr: 192.0.2.0/24, except: [192.0.2.9/32]}]}\n---\n";
  const w = world(base + server() + net + authz("edge", "{kind: Namespace, name: shop}", "{group: policy.linkerd.io, kind: NetworkAuthentication, name: edge}"), LINKERD);
  assert.equal(outcome(w.ask("edge/out", "shop/api", 8080, req("/"))), "allow", "a Namespace target covers every Server of the namespace");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/"))), "403");
  const missing = world(base + server() + authz("ghost", "{group: policy.linkerd.io, kind: Server, name: api-http}", "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: nope}"), LINKERD);
  assert.equal(outcome(missing.ask("shop/web", "shop/api", 8080, req("/"))), "403");
  assert.equal(missing.engine.inventory.mesh.linkerd.authorizations[0].ignored, "MeshTLSAuthentication shop/nope is not in the input");
});

test("route-level authorization: a request must match a route of the Server (else 404); the route's and the Server's authorizations apply", () => {
  const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: books-read, namespace: shop}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-http}]
  rules: [{matches: [{path: {type: PathPrefix, value: /books}, method: GET}]}]
---
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: {name: books-write, namespace: shop}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-http}]
  rules: [{matches: [{path: {type: PathPrefix, value: /books}, method: POST}]}]
---
`;
  const yaml = base + server() + route
    + meshTls("readers", "{identityRefs: [{kind: Namespace, name: other}, {kind: ServiceAccount, name: web}]}")
    + meshTls("writers", "{identityRefs: [{kind: ServiceAccount, name: web}]}")
    + authz("read", "{group: gateway.networking.k8s.io, kind: HTTPRoute, name: books-read}", "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: readers}")
    + authz("write", "{group: policy.linkerd.io, kind: HTTPRoute, name: books-write}", "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: writers}");
  const w = world(yaml, LINKERD);
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/books/1"))), "allow");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/bookstore"))), "404", "PathPrefix matches whole segments");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/books/1", "POST"))), "403", "the write route admits web only");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/books/1", "POST"))), "allow");
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/books", "DELETE"))), "404");
  const serverWide = world(yaml + authz("all", "{group: policy.linkerd.io, kind: Server, name: api-http}", "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: readers}"), LINKERD);
  assert.equal(outcome(serverWide.ask("other/x", "shop/api", 8080, req("/books/1", "POST"))), "allow", "the Server's authorizations apply to every route");
});

test("ServerAuthorization (deprecated): selects Servers by name or label; without networks only the cluster networks", () => {
  const saz = (client: string) => `apiVersion: policy.linkerd.io/v1beta1\nkind: ServerAuthorization\nmetadata: {name: saz, namespace: shop}\nspec: {server: {selector: {matchLabels: {tier: backend}}}, client: ${client}}\n---\n`;
  const w = world(base + server() + saz("{unauthenticated: true}"), LINKERD);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/"))), "allow");
  assert.equal(outcome(w.ask("edge/out", "shop/api", 8080, req("/"))), "403", "192.0.2.7 is outside the cluster networks");
  const sa = world(base + server() + saz("{meshTLS: {serviceAccounts: [{name: robot, namespace: other}]}, networks: [{cidr: 0.0.0.0/0}]}"), LINKERD);
  assert.equal(outcome(sa.ask("other/x", "shop/api", 8080, req("/"))), "allow");
  assert.equal(outcome(sa.ask("shop/web", "shop/api", 8080, req("/"))), "403");
});

test("opaque Servers authorize connections, not requests", () => {
  const w = world(base + server().replace("HTTP/1", "opaque") + meshTls("web", "{identityRefs: [{kind: ServiceAccount, name: web}]}")
    + authz("tcp", "{group: policy.linkerd.io, kind: Server, name: api-http}", "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web}"), LINKERD);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/anything"))), "allow");
  assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/"))), "rejected");
});

test("Linkerd route matches on repeated headers and query parameters take any value; a regex's leftmost-first match must span the value", () => {
  // linkerd2-proxy linkerd/http/route/src/http/match/header.rs: `headers.get_all(n).iter().any(|h| h == v)`;
  // query_param.rs: `form_urlencoded::parse(qs).any(...)`; path.rs and header.rs: `re.find(v)` then
  // "Check that the regex is anchored at the start and end of the value" (m.start() == 0 && m.end() == len).
  const route = `apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-http}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /h}, headers: [{name: x-tier, value: gold}]}]
  - matches: [{path: {type: PathPrefix, value: /q}, queryParams: [{name: tier, value: gold}]}]
  - matches: [{path: {type: RegularExpression, value: "/(ab|abc)"}}]
---
`;
  const w = world(base + server(", accessPolicy: all-unauthenticated") + route, LINKERD);
  const ask = (path: string, headers: [string, string][] = []) => outcome(w.ask("shop/web", "shop/api", 8080, { http: { path, method: "GET", headers } }));
  assert.equal(ask("/h", [["x-tier", "silver"], ["X-Tier", "gold"]]), "allow", "the second x-tier value matches");
  assert.equal(ask("/h", [["x-tier", "silver"]]), "404");
  assert.equal(ask("/q?tier=silver&tier=gold"), "allow", "the second tier parameter matches");
  assert.equal(ask("/ab"), "allow");
  assert.equal(ask("/abc"), "404", "Rust's leftmost-first find of /(ab|abc) in /abc is /ab, which does not span the path");
});

/** A Linkerd HTTPRoute of the Server shop/api-http matching every path. */
const EVERYTHING_ROUTE = `apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: {name: everything, namespace: shop}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-http}]
  rules: [{matches: [{path: {type: PathPrefix, value: /}}]}]
---
`;

test("a Linkerd client's opaque connection to a port the pod marks opaque arrives as TCP: only the Server's authorizations, whatever its proxyProtocol (was: its routes', a wrong allow)", () => {
  // The client's outbound policy is opaque (the Service's config.linkerd.io/opaque-ports); the destination controller hints opaque
  // transport for a pod whose annotation lists the port (endpoint_translator.go createWeightedAddr); the server's proxy takes a
  // transport header without protocol as TCP (linkerd2-proxy app/inbound/src/direct.rs LocalTcp).
  const route = EVERYTHING_ROUTE;
  const yaml = base + service("shop", "api", [["http", 80, 8080]]) + server() + route + meshTls("web", "{identityRefs: [{kind: ServiceAccount, name: web}]}")
    + authz("route", "{group: policy.linkerd.io, kind: HTTPRoute, name: everything}", "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web}");
  const ask = (serviceOpaque: boolean, podOpaque: boolean) => {
    const w = world(yaml, LINKERD);
    const inv = w.engine.inventory;
    if (serviceOpaque) inv.services.find((s) => s.name === "api")!.annotations = { "config.linkerd.io/opaque-ports": "80" };
    if (podOpaque) inv.endpoints.find((e) => e.name === "api")!.annotations = { "config.linkerd.io/opaque-ports": "8080" };
    return w.ask("shop/web", "shop/api", 8080, { ...req("/"), service: ["shop/api", 80] });
  };
  assert.equal(outcome(ask(false, false)), "allow", "HTTP: the route's authorization admits web");
  assert.equal(outcome(ask(true, false)), "allow", "no opaque transport: the connection reaches the pod's port, whose proxy detects HTTP");
  const tcp = ask(true, true);
  assert.equal(outcome(tcp), "rejected", "opaque transport: TCP, and no authorization of the Server admits web (was allow)");
  assert.match(tcp.layers.at(-1)!.trace.join("\n"), /transport header/);
});

test("a default opaque port the pod does not declare is opaque to the destination controller: the connection arrives as TCP (was: the Server's routes admitted it, a wrong allow)", () => {
  // controller/api/destination/watcher GetAnnotatedOpaquePorts: without config.linkerd.io/opaque-ports every default opaque port is
  // opaque; the proxy injector writes the annotation only with the default ports the pod declares (webhook.go FilterPodOpaquePorts,
  // `if len(filteredPorts) != 0`), so a pod declaring none has none. The Service port 3306 is opaque (a default port): the client's
  // proxy sends the connection opaquely, with a transport header (endpoint_translator.go createWeightedAddr), and the server's
  // proxy authorizes it as TCP (linkerd2-proxy app/inbound/src/direct.rs).
  const route = EVERYTHING_ROUTE;
  const mysql = `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: api-http, namespace: shop}
spec: {podSelector: {matchLabels: {app: api}}, port: 3306, proxyProtocol: HTTP/1}
---
`;
  const yaml = (ports: [string, number][]) => pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2", { ports }) + service("shop", "api", [["db", 3306, 3306]]) + mysql + route
    + meshTls("web", "{identityRefs: [{kind: ServiceAccount, name: web}]}")
    + authz("route", "{group: policy.linkerd.io, kind: HTTPRoute, name: everything}", "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web}");
  const ask = (ports: [string, number][], annotation?: string) => {
    const w = world(yaml(ports), LINKERD);
    if (annotation !== undefined) w.engine.inventory.endpoints.find((e) => e.name === "api")!.annotations = { "config.linkerd.io/opaque-ports": annotation };
    return w.ask("shop/web", "shop/api", 3306, { ...req("/"), service: ["shop/api", 3306] });
  };
  const undeclared = ask([["http", 8080]]);
  assert.equal(outcome(undeclared), "rejected", "no annotation: 3306 is a default opaque port to the destination controller (was allow)");
  assert.match(undeclared.layers.at(-1)!.trace.join("\n"), /declares none of the default opaque ports/);
  assert.equal(outcome(ask([["db", 3306]])), "rejected", "declared: the injector writes 3306 into the annotation");
  assert.equal(outcome(ask([["pg", 5432]])), "allow", "the injector writes 5432 only: 3306 is not opaque, the connection reaches the port and HTTP is detected");
  assert.equal(outcome(ask([["http", 8080]], "8080")), "allow", "an annotation without 3306: not opaque");
});

test("a Server with proxyProtocol opaque: the destination controller hints opaque transport (SetToServerProtocol), said in the trace", () => {
  const opaqueServer = `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: api-tcp, namespace: shop}
spec: {podSelector: {matchLabels: {app: api}}, port: http, proxyProtocol: opaque}
---
`;
  const w = world(base + service("shop", "api", [["http", 80, 8080]]) + opaqueServer, LINKERD);
  w.engine.inventory.services.find((s) => s.name === "api")!.annotations = { "config.linkerd.io/opaque-ports": "80" };
  const r = w.ask("shop/web", "shop/api", 8080, { ...req("/"), service: ["shop/api", 80] });
  assert.equal(outcome(r), "rejected", "an opaque Server without authorizations refuses the connection");
  assert.match(r.layers.at(-1)!.trace.join("\n"), /Server shop\/api-tcp has proxyProtocol opaque/);
});
