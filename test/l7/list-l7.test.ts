// junction list --l7: per workload pair the L3/L4 policies connect, what the server's Istio sidecar
// lets through (the request conditions of the ALLOW rules whose sources hold for the client, except
// the DENY rules'), what ambient's ztunnel and waypoint let through, what a Linkerd Server's routes
// let through, or why nothing / not summarized.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli, tempFiles } from "../helpers.js";
import { app, explainJson, namespace, waypointGateway } from "./fixture.js";

test("list --l7 on examples/mesh: allowed request conditions per client, DENY rules as exceptions, Linkerd routes per client", async () => {
  const r = await cli(["list", "-f", "examples/mesh", "--l7"]);
  assert.equal(r.code, 0, r.err);
  const line = (from: string, to: string) => r.out.split("\n").find((l) => l.startsWith(`${from}[Deployment] => ${to}[Deployment] : `))?.split(" : ")[1];
  assert.equal(line("shop/frontend", "shop/catalog"), "method GET|HEAD, path /items/{*}|/ except path /debug* | path /admin*");
  assert.equal(line("checkout/cart", "shop/catalog"), "method GET except path /debug* | path /admin*");
  assert.equal(line("shop/catalog-v2", "shop/catalog"), "no requests (ALLOW policies apply and no rule names this client)");
  // frontend declares no port: the root namespace's DENY on port 8080 is shown with its port.
  assert.equal(line("checkout/cart", "shop/frontend"), "all requests except port 8080, path /debug*");
  // Linkerd: the routes of Server books/api-http whose authorizations admit the client (api-read: books' identities, api-write: web's).
  assert.equal(line("books/web", "books/api"), "path /books/**, method GET | path /books/**, method POST");
  assert.equal(line("shop/frontend", "books/api"), "no requests (no route of Server books/api-http authorizes this client)", "an Istio client has no Linkerd identity");
  // guest/browser is not allowed to the catalog at L4 (NetworkPolicy): no line.
  assert.equal(line("guest/browser", "shop/catalog"), undefined);
});

test("list --l7: plaintext refused by STRICT, a DENY for every request, no proxy; -o json; other formats refused", async () => {
    const pod = (n: string, name: string, ip: string, proxy: boolean) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${n}, labels: {app: ${name}}}\nspec: {serviceAccountName: ${name}, containers: [{name: app, ports: [{name: http, containerPort: 8080}]}${proxy ? ", {name: istio-proxy}" : ""}]}\nstatus: {podIP: ${ip}}\n---\n`;
  const yaml = namespace("a", "{istio-injection: enabled}") + pod("a", "api", "10.0.0.1", true) + pod("a", "web", "10.0.0.2", true) + pod("a", "old", "10.0.0.3", false) + pod("a", "bare", "10.0.0.4", false)
    + "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: strict, namespace: a}\nspec: {selector: {matchLabels: {app: api}}, mtls: {mode: STRICT}}\n---\n"
    + "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: no-web, namespace: a}\nspec: {selector: {matchLabels: {app: api}}, action: DENY, rules: [{from: [{source: {principals: [cluster.local/ns/a/sa/web]}}]}]}\n";
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["list", "-q", "-f", dir, "--l7"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^a\/old\[Pod\] => a\/api\[Pod\] : no requests \(the client sends plaintext .*\(STRICT\): the connection is refused\)$/m);
    assert.match(r.out, /^a\/web\[Pod\] => a\/api\[Pod\] : no requests \(a DENY rule matches every request of this client\)$/m);
    assert.match(r.out, /^a\/web\[Pod\] => a\/bare\[Pod\] : all requests \(no proxy enforces L7\)$/m);
    const j = await cli(["list", "-q", "-f", dir, "--l7", "-o", "json"]);
    const pair = JSON.parse(j.out).pairs.find((p: { src: string; dst: string }) => p.src === "a/web[Pod]" && p.dst === "a/api[Pod]");
    assert.deepEqual(pair.l7, { verdict: "none", enforcer: "Istio sidecar", allows: [], except: [], note: "a DENY rule matches every request of this client" });
    assert.equal(pair.conn, "All Connections");
    const bad = await cli(["list", "-f", dir, "--l7", "-o", "csv"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--l7 prints txt, json or yaml, not csv/);
  } finally { cleanup(); }
});

test("docs/mesh.md shows lines of junction list -f examples/mesh --l7 as they are", async () => {
  const shown = /lines of `junction list -f examples\/mesh --l7`[^\n]*\n```text\n([\s\S]*?)```/.exec(readFileSync("docs/mesh.md", "utf8"));
  assert.ok(shown, "the block is in docs/mesh.md");
  const out = (await cli(["list", "-f", "examples/mesh", "--l7"])).out;
  for (const l of shown[1].split("\n").filter(Boolean)) assert.ok(out.includes(`${l}\n`), l);
});

const ns = (name: string, labels: string, annotations = "{}") => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: ${labels}, annotations: ${annotations}}\n---\n`;
const doc = (kind: string, api: string, name: string, namespace: string, spec: string) => `apiVersion: ${api}\nkind: ${kind}\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec: ${spec}\n---\n`;

async function l7Lines(yaml: string): Promise<Map<string, string>> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["list", "-q", "-f", dir, "--l7"]);
    assert.equal(r.code, 0, r.err);
    return new Map(r.out.trim().split("\n").map((l) => l.split(" : ") as [string, string]));
  } finally { cleanup(); }
}

test("list --l7, Istio ambient: ztunnel decides at L4 (an ALLOW rule with HTTP fields never matches there); a waypoint decides per request", async () => {
  const base = app("bank", "ledger") + app("bank", "teller") + app("bank", "audit");
  // Without a waypoint: ztunnel is L4 only: the teller's GET-only rule never matches, audit's plain rule does.
  const ztunnel = await l7Lines(namespace("bank", "{istio.io/dataplane-mode: ambient}") + base
    + doc("AuthorizationPolicy", "security.istio.io/v1", "ledger", "bank", "{selector: {matchLabels: {app: ledger}}, rules: [{from: [{source: {principals: [cluster.local/ns/bank/sa/teller]}}], to: [{operation: {methods: [GET]}}]}, {from: [{source: {principals: [cluster.local/ns/bank/sa/audit]}}]}]}"));
  assert.equal(ztunnel.get("bank/teller[Deployment] => bank/ledger[Deployment]"), "no requests (ztunnel: denied: ALLOW AuthorizationPolicies apply (bank/ledger) and none of their rules matches)");
  assert.equal(ztunnel.get("bank/audit[Deployment] => bank/ledger[Deployment]"), "all requests");
  // With a waypoint: the policies attached to the Service decide per request; ztunnel sees the waypoint.
  const waypoint = await l7Lines(namespace("bank", "{istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}") + base + waypointGateway("bank")
    + doc("AuthorizationPolicy", "security.istio.io/v1", "ledger-http", "bank", "{targetRefs: [{kind: Service, group: \"\", name: ledger}], rules: [{from: [{source: {principals: [cluster.local/ns/bank/sa/teller]}}], to: [{operation: {methods: [GET], paths: [/accounts/*]}}]}]}"));
  assert.equal(waypoint.get("bank/teller[Deployment] => bank/ledger[Deployment]"), "method GET, path /accounts/*");
  assert.equal(waypoint.get("bank/audit[Deployment] => bank/ledger[Deployment]"), "no requests (ALLOW policies apply and no rule names this client)");
  const j = await cli(["list", "-q", "-f", "-", "--l7", "-o", "json"], namespace("bank", "{istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}") + base + waypointGateway("bank"));
  const pair = JSON.parse(j.out).pairs.find((p: { src: string; dst: string }) => p.src === "bank/teller[Deployment]" && p.dst === "bank/ledger[Deployment]");
  assert.deepEqual(pair.l7, { verdict: "all", enforcer: "Istio waypoint bank/waypoint", allows: [], except: [] });
});

test("list --l7, Linkerd: routes an authorization admits the client to, except the others; the default policy decides all or nothing", async () => {
  const server = doc("Server", "policy.linkerd.io/v1beta3", "ledger-http", "bank", "{podSelector: {matchLabels: {app: ledger}}, port: http, proxyProtocol: HTTP/1}");
  const route = (name: string, match: string) => doc("HTTPRoute", "policy.linkerd.io/v1beta3", name, "bank", `{parentRefs: [{group: policy.linkerd.io, kind: Server, name: ledger-http}], rules: [{matches: [${match}]}]}`);
  const authz = (name: string, target: string, sa: string) => doc("MeshTLSAuthentication", "policy.linkerd.io/v1alpha1", `${name}-id`, "bank", `{identityRefs: [{kind: ServiceAccount, name: ${sa}}]}`)
    + doc("AuthorizationPolicy", "policy.linkerd.io/v1alpha1", name, "bank", `{targetRef: ${target}, requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: ${name}-id}]}`);
  const base = namespace("bank", "{}", "{linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: all-authenticated}") + app("bank", "ledger") + app("bank", "teller") + app("bank", "audit");
  const lines = await l7Lines(base + server + route("read", "{method: GET}") + route("admin", "{path: {type: PathPrefix, value: /admin}}")
    + authz("read", "{group: policy.linkerd.io, kind: HTTPRoute, name: read}", "teller") + authz("admin", "{group: policy.linkerd.io, kind: HTTPRoute, name: admin}", "audit"));
  assert.equal(lines.get("bank/teller[Deployment] => bank/ledger[Deployment]"), "method GET except path /admin/**");
  assert.equal(lines.get("bank/audit[Deployment] => bank/ledger[Deployment]"), "path /admin/** except method GET");
  // The ledger's clients declare no port: the default policy all-authenticated admits every meshed client.
  assert.equal(lines.get("bank/ledger[Deployment] => bank/teller[Deployment]"), "all requests");
  const strict = await l7Lines(base.replace("all-authenticated", "deny"));
  assert.equal(strict.get("bank/teller[Deployment] => bank/ledger[Deployment]"), "no requests (the default policy deny (namespace annotation config.linkerd.io/default-inbound-policy) does not admit this client)");
});

test("list --l7 agrees with explain on an ambient client's traffic to a Service whose waypoint fronts pods outside the ambient mesh (no proxy, an Istio sidecar, Linkerd): the waypoint decides first, then the server's proxy sees the waypoint (was: list ignored the waypoint unless the pods were ambient)", async () => {
  const podOf = (name: string, ip: string, extra: string, labels = "") => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: bank, labels: {app: ${name}${labels}}}\nspec: {serviceAccountName: ${name}, containers: [{name: app, ports: [{name: http, containerPort: 8080}]}${extra}]}\nstatus: {podIP: ${ip}}\n---\n`;
  const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: bank, labels: {istio.io/use-waypoint: waypoint}}\nspec: {selector: {app: ${name}}, ports: [{name: http, port: 80, targetPort: 8080}]}\n---\n`;
  const noPosts = doc("AuthorizationPolicy", "security.istio.io/v1", "no-posts", "bank", "{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}], action: DENY, rules: [{to: [{operation: {methods: [POST]}}]}]}");
  const linkerdOnly = `apiVersion: policy.linkerd.io/v1beta3\nkind: Server\nmetadata: {name: books-http, namespace: bank}\nspec: {podSelector: {matchLabels: {app: books}}, port: 8080, proxyProtocol: HTTP/1}\n---\n`
    + doc("MeshTLSAuthentication", "policy.linkerd.io/v1alpha1", "meshed", "bank", "{identities: [\"*\"]}")
    + doc("AuthorizationPolicy", "policy.linkerd.io/v1alpha1", "books-meshed", "bank", "{targetRef: {group: policy.linkerd.io, kind: Server, name: books-http}, requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: meshed}]}");
  const yaml = ns("bank", "{istio.io/dataplane-mode: ambient}") + waypointGateway("bank") + podOf("teller", "10.0.0.11", "")
    + podOf("vault", "10.0.0.12", "", ", istio.io/dataplane-mode: none") + svc("vault")
    + podOf("safe", "10.0.0.13", ", {name: istio-proxy}", ", istio.io/dataplane-mode: none") + svc("safe")
    + podOf("books", "10.0.0.14", ", {name: linkerd-proxy}", ", istio.io/dataplane-mode: none") + svc("books") + noPosts + linkerdOnly;
  const lines = await l7Lines(yaml);
  const explain = async (request: string) => (await explainJson<{ status: number | null }>(yaml, "bank/teller", request)).status;
  assert.equal(lines.get("bank/teller[Pod] => bank/vault[Pod]"), "all requests except method POST", "was: all requests (no proxy enforces L7)");
  assert.deepEqual([await explain("POST http://vault/"), await explain("GET http://vault/")], [403, 200]);
  assert.equal(lines.get("bank/teller[Pod] => bank/safe[Pod]"), "all requests except method POST");
  assert.deepEqual([await explain("POST http://safe/"), await explain("GET http://safe/")], [403, 200]);
  assert.match(lines.get("bank/teller[Pod] => bank/books[Pod]") ?? "", /^no requests \(no authorization of Server bank\/books-http admits this client\)/, "the Linkerd proxy sees no identity behind the waypoint");
  assert.equal(await explain("GET http://books/"), 403);
});

test("list --l7 agrees with explain when a headless Service selects the pod before the Service with the waypoint: the pair is read through the Service with a cluster IP (its waypoint), as explain answers a request to it (was: the first Service selecting the pod, the headless one: no waypoint, all requests)", async () => {
  const podOf = (name: string, ip: string, labels = "") => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: bank, labels: {app: ${name}${labels}}}\nspec: {serviceAccountName: ${name}, containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]}\nstatus: {podIP: ${ip}}\n---\n`;
  const svc = (name: string, extra: string, labels = "{}") => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: bank, labels: ${labels}}\nspec: {selector: {app: vault}${extra}, ports: [{name: http, port: 80, targetPort: 8080}]}\n---\n`;
  const noPosts = doc("AuthorizationPolicy", "security.istio.io/v1", "no-posts", "bank", "{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}], action: DENY, rules: [{to: [{operation: {methods: [POST]}}]}]}");
  for (const vaultLabels of [", istio.io/dataplane-mode: none", ""]) {
    const yaml = ns("bank", "{istio.io/dataplane-mode: ambient}") + waypointGateway("bank") + podOf("teller", "10.0.0.11") + podOf("vault", "10.0.0.12", vaultLabels)
      + svc("vault-pods", ", clusterIP: None") + svc("vault", "", "{istio.io/use-waypoint: waypoint}") + noPosts;
    const line = (await l7Lines(yaml)).get("bank/teller[Pod] => bank/vault[Pod]");
    const explain = async (request: string) => (await explainJson<{ status: number | null }>(yaml, "bank/teller", request)).status;
    assert.deepEqual([await explain("POST http://vault/"), await explain("GET http://vault/")], [403, 200], "explain: Service bank/vault's waypoint denies POST");
    assert.equal(line, "all requests except method POST", `vault ${vaultLabels ? "outside the mesh" : "ambient"}: list reads the pair through Service bank/vault, as explain (was: through the headless bank/vault-pods, no waypoint)`);
  }
});

test("list --l7 shows Envoy filter metadata conditions (experimental.envoy.filters.*) as request conditions, as istioAuthorize tries them both ways (was: never matching: a DENY on them vanished, 'all requests', a wrong allow)", async () => {
  const meta = (action: string, name: string) => doc("AuthorizationPolicy", "security.istio.io/v1", name, "bank", `{selector: {matchLabels: {app: ledger}}, action: ${action}, rules: [{when: [{key: "experimental.envoy.filters.network.mysql_proxy[db.table]", values: [secret]}]}]}`);
  const base = namespace("bank", "{istio-injection: enabled}") + app("bank", "ledger") + app("bank", "teller");
  const deny = await l7Lines(base + meta("DENY", "no-secret"));
  assert.equal(deny.get("bank/teller[Deployment] => bank/ledger[Deployment]"), "all requests except Envoy metadata envoy.filters.network.mysql_proxy[db.table] secret");
  const allow = await l7Lines(base + meta("ALLOW", "only-secret"));
  assert.equal(allow.get("bank/teller[Deployment] => bank/ledger[Deployment]"), "Envoy metadata envoy.filters.network.mysql_proxy[db.table] secret");
  // explain answers it unknown: the answer turns on the metadata.
  const { dir, cleanup } = tempFiles({ "a.yaml": base + meta("DENY", "no-secret") });
  try {
    const r = await cli(["explain", "-q", "-f", dir, "--from", "bank/teller", "--request", "GET http://ledger.bank/"]);
    assert.match(r.out + r.err, /Envoy filter metadata envoy\.filters\.network\.mysql_proxy\[db\.table\]/);
  } finally { cleanup(); }
});

test("list --l7: at a sidecar remoteIpBlocks read the request's last X-Forwarded-For entry, which the client writes: shown as a request condition (was: evaluated on the peer, 'no requests' where requests with the header pass, a DENY on it read as holding)", async () => {
  const policy = (action: string, rule: string) => doc("AuthorizationPolicy", "security.istio.io/v1", "by-remote", "bank", `{selector: {matchLabels: {app: ledger}}, action: ${action}, rules: [${rule}]}`);
  const base = namespace("bank", "{istio-injection: enabled}") + app("bank", "ledger") + app("bank", "teller");
  const pair = "bank/teller[Deployment] => bank/ledger[Deployment]";
  const deny = await l7Lines(base + policy("DENY", "{from: [{source: {remoteIpBlocks: [10.0.0.0/8]}}]}"));
  assert.equal(deny.get(pair), "all requests except remote ip 10.0.0.0/8");
  const allow = await l7Lines(base + policy("ALLOW", "{from: [{source: {remoteIpBlocks: [1.2.3.4]}}]}, {when: [{key: remote.ip, notValues: [5.6.7.0/24]}], to: [{operation: {methods: [GET]}}]}"));
  assert.equal(allow.get(pair), "remote ip 1.2.3.4/32 | method GET, remote ip not 5.6.7.0/24");
  // ipBlocks are the peer's: evaluated (the teller's template pod is in no such block).
  const peer = await l7Lines(base + policy("ALLOW", "{from: [{source: {ipBlocks: [1.2.3.4]}}]}"));
  assert.equal(peer.get(pair), "no requests (ALLOW policies apply and no rule names this client)");
  // explain agrees: with the header the DENY's address is the one written.
  const { dir, cleanup } = tempFiles({ "a.yaml": base + policy("ALLOW", "{from: [{source: {remoteIpBlocks: [1.2.3.4]}}]}") });
  try {
    const r = await cli(["explain", "-q", "-f", dir, "--from", "bank/teller", "--request", "GET http://ledger.bank/", "-H", "X-Forwarded-For: 1.2.3.4"]);
    assert.equal(r.code, 0, r.out + r.err);
  } finally { cleanup(); }
});
