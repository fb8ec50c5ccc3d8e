// The twenty-fifth stop's hunt over mesh authorization, through `junction test` as a user runs it: each
// case against the upstream behaviour it quotes (istio pilot/pkg/security/authz/model generator.go and
// model.go, pkg/config/security ValidateAttribute, pilot/pkg/security/authn/policy_applier.go
// ComposePeerAuthentication and GetMutualTLSModeForPort, pilot/pkg/xds/endpoints/mtls_checker.go;
// Linkerd's policy controller). Most pin answers Junction already gave; Envoy filter metadata was refused.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { namespace, pod, service } from "./fixture.js";

/** shop/api (its proxy; http 8080 behind Service port 80, tcp-db 5432), shop/front (its proxy), web/plain (no proxy). */
const cluster = (proxy: string, labels: string, annotations = "{}") => namespace("shop", labels, annotations) + namespace("web")
  + pod("shop", "api", "10.0.0.2", { proxy, ports: [["http", 8080], ["db", 5432]] }) + pod("shop", "front", "10.0.0.3", { proxy }) + pod("web", "plain", "10.0.1.1")
  + service("shop", "api", [["http", 80, 8080], ["tcp-db", 5432, 5432]]);

/** The Istio cluster; shop is STRICT. */
const ISTIO = cluster("istio-proxy", "{istio-injection: enabled}") + "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: ns, namespace: shop}\nspec: {mtls: {mode: STRICT}}\n";

const HTTP = "GET http://api.shop/", TCP = "CONNECT tcp://api.shop:5432";
const portLevel = (ports: string) => `---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: w, namespace: shop}\nspec: {selector: {matchLabels: {app: api}}, portLevelMtls: {${ports}}}\n`;
const policy = (spec: string, name = "a") => `---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n${spec}\n`;

type Want = [from: string, request: string, expect: string];

/** `junction test` over `yaml` with request assertions; returns its table (exit 0 required). */
async function holds(yaml: string, wants: Want[]): Promise<string> {
  const expect = wants.map(([from, request, e]) => `- {from: ${from}, request: "${request}", expect: ${e}}`).join("\n") + "\n";
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml, "expect.yaml": expect });
  try {
    const r = await cli(["test", "-q", "-f", `${dir}/a.yaml`, "--expect", `${dir}/expect.yaml`]);
    assert.equal(r.code, 0, r.out + r.err);
    return r.out;
  } finally { cleanup(); }
}

async function explain(yaml: string, from: string, request: string): Promise<{ code: number; out: string; err: string }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try { return await cli(["explain", "-q", "-f", dir, "--from", from, "--request", request]); } finally { cleanup(); }
}

const META = '"experimental.envoy.filters.network.mysql_proxy[db.table]"';

test("when experimental.envoy.filters.FILTER[KEY]: istiod accepts it (ValidateAttribute validateMapKey) and writes a metadata matcher (envoyFilterGenerator); Junction cannot see the metadata, so the answer is unknown where it turns on it (was: an error, nothing analysed)", async () => {
  const deny = ISTIO + policy(`  action: DENY\n  rules: [{when: [{key: ${META}, values: ["[update]"]}]}]`);
  const r = await explain(deny, "shop/front", HTTP);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /answer\s+unknown/);
  assert.match(r.out, /Envoy filter metadata envoy\.filters\.network\.mysql_proxy\[db\.table\].*denied by DENY AuthorizationPolicy shop\/a, rule 0.*allowed: no DENY rule matches/);
  // The same answer either way: that answer. A DENY of everything denies; an ALLOW with an empty rule allows.
  await holds(deny + policy("  action: DENY\n  rules: [{}]", "all"), [["shop/front", HTTP, "403"], ["shop/front", TCP, "deny"]]);
  await holds(ISTIO + policy(`  rules: [{when: [{key: ${META}, notValues: [x]}]}, {}]`), [["shop/front", HTTP, "allow"]]);
  // A key without [KEY] is refused, as the validation webhook does ("should have format a[b]").
  const bad = await explain(ISTIO + policy("  rules: [{when: [{key: experimental.envoy.filters.network.mysql_proxy, values: [x]}]}]"), "shop/front", HTTP);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /when\[0\]\.key: bad key \(experimental\.envoy\.filters\.network\.mysql_proxy\): should have format a\[b\]/);
});

test("when destination.port takes numbers only (ValidatePorts: a port name is \"bad port\")", async () => {
  const r = await explain(ISTIO + policy("  rules: [{when: [{key: destination.port, values: [http]}]}]"), "shop/front", HTTP);
  assert.equal(r.code, 2);
  assert.match(r.err, /when\[0\]\.values\[0\]: "http" is not a port/);
});

test("PeerAuthentication portLevelMtls is keyed by the workload's port (GetMutualTLSModeForPort(endpointPort)): PERMISSIVE on 8080 under namespace STRICT admits plaintext there only; keyed by the Service port 80 it changes nothing", async () => {
  await holds(ISTIO + portLevel('"8080": {mode: PERMISSIVE}'), [["web/plain", HTTP, "200"], ["web/plain", TCP, "deny"], ["shop/front", HTTP, "200"]]);
  await holds(ISTIO + portLevel('"80": {mode: PERMISSIVE}'), [["web/plain", HTTP, "deny"]]);
  // DISABLE on the port: a sidecar client's auto mTLS sends plaintext there (mtls_checker.go), which carries no principal.
  await holds(ISTIO + portLevel('"8080": {mode: DISABLE}') + policy("  rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/front]}}]}]"), [["shop/front", HTTP, "403"], ["shop/front", TCP, "allow"]]);
});

test("DENY notPrincipals [\"*\"] denies the plaintext a PERMISSIVE port lets through (no principal: the not-form holds), a 403 on HTTP and a closed connection on TCP; mutual TLS passes", async () => {
  const yaml = ISTIO + portLevel('"8080": {mode: PERMISSIVE}, "5432": {mode: PERMISSIVE}') + policy('  action: DENY\n  rules: [{from: [{source: {notPrincipals: ["*"]}}]}]');
  await holds(yaml, [["web/plain", HTTP, "403"], ["web/plain", TCP, "deny"], ["shop/front", HTTP, "200"], ["shop/front", TCP, "allow"]]);
});

test("AUDIT only logs, on TCP too; an ALLOW rule with HTTP-only fields is dropped on a TCP port (generator.go forTCP), so the policy there allows nothing", async () => {
  await holds(ISTIO + policy("  action: AUDIT\n  rules: [{}]"), [["shop/front", TCP, "allow"], ["shop/front", HTTP, "200"]]);
  await holds(ISTIO + policy('  rules: [{to: [{operation: {paths: ["/x"]}}]}]'), [["shop/front", TCP, "deny"], ["shop/front", "GET http://api.shop/x", "200"]]);
});

test("DestinationRule portLevelSettings are keyed by the Service port (GetPortLevelTrafficPolicy): DISABLE on the target port 8080 leaves auto mTLS, on 80 it sends plaintext that STRICT refuses", async () => {
  const dr = (port: number) => `---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d, namespace: shop}\nspec: {host: api, trafficPolicy: {portLevelSettings: [{port: {number: ${port}}, tls: {mode: DISABLE}}]}}\n`;
  await holds(ISTIO + dr(8080), [["shop/front", HTTP, "200"]]);
  await holds(ISTIO + dr(80), [["shop/front", HTTP, "deny"], ["shop/front", TCP, "allow"]]);
});

/** The same pods with Linkerd's proxy (web/plain without one). */
const LINKERD = cluster("linkerd-proxy", "{}", "{linkerd.io/inject: enabled}");
const server = (name: string, port: string, protocol: string, extra = "") => `---\napiVersion: policy.linkerd.io/v1beta3\nkind: Server\nmetadata: {name: ${name}, namespace: shop}\nspec: {podSelector: {matchLabels: {app: api}}, port: ${port}, proxyProtocol: ${protocol}${extra}}\n`;
const linkerdPolicy = (target: string, auth: string) => `---\napiVersion: policy.linkerd.io/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: a, namespace: shop}\nspec: {targetRef: ${target}, requiredAuthenticationRefs: [${auth}]}\n`;
const MESH_TLS = "---\napiVersion: policy.linkerd.io/v1alpha1\nkind: MeshTLSAuthentication\nmetadata: {name: front, namespace: shop}\nspec: {identityRefs: [{kind: ServiceAccount, name: front}]}\n";

test("Linkerd: a Server's accessPolicy audit admits everyone, its default deny no one; a pod's default-inbound-policy applies only where no Server covers the port, cluster-* only from the cluster networks", async () => {
  await holds(LINKERD + server("api-http", "http", "HTTP/1", ", accessPolicy: audit"), [["web/plain", HTTP, "200"], ["shop/front", HTTP, "200"]]);
  await holds(LINKERD + server("api-http", "http", "HTTP/1"), [["web/plain", HTTP, "403"], ["shop/front", HTTP, "403"]]);
  const annotated = (p: string) => LINKERD.replace('labels: {"app":"api"}}', `labels: {"app":"api"}, annotations: {config.linkerd.io/default-inbound-policy: ${p}}}`);
  await holds(annotated("all-authenticated"), [["web/plain", HTTP, "403"], ["web/plain", TCP, "deny"], ["shop/front", HTTP, "200"], ["shop/front", TCP, "allow"]]);
  await holds(annotated("audit") + server("api-http", "http", "HTTP/1"), [["shop/front", HTTP, "403"], ["web/plain", TCP, "allow"]]);
  // cluster-*: the client's address must be in the cluster networks too; a meshed client outside them (192.0.2.3) is refused, an unmeshed one inside admitted by cluster-unauthenticated.
  const outside = (p: string) => annotated(p).replace("status: {podIP: 10.0.0.3}", "status: {podIP: 192.0.2.3}");
  await holds(outside("cluster-authenticated"), [["shop/front", HTTP, "403"], ["web/plain", HTTP, "403"]]);
  await holds(outside("all-authenticated"), [["shop/front", HTTP, "200"], ["web/plain", TCP, "deny"]]);
  await holds(outside("cluster-unauthenticated"), [["shop/front", TCP, "deny"], ["web/plain", HTTP, "200"]]);
});

test("Linkerd: MeshTLSAuthentication by ServiceAccount admits that identity; NetworkAuthentication admits the networks; a policy on a policy.linkerd.io HTTPRoute admits that route only", async () => {
  const ref = (kind: string, name: string) => `{group: policy.linkerd.io, kind: ${kind}, name: ${name}}`;
  await holds(LINKERD + server("api-http", "http", "HTTP/1") + MESH_TLS + linkerdPolicy(ref("Server", "api-http"), ref("MeshTLSAuthentication", "front")), [["shop/front", HTTP, "200"], ["web/plain", HTTP, "403"]]);
  const net = "---\napiVersion: policy.linkerd.io/v1alpha1\nkind: NetworkAuthentication\nmetadata: {name: web, namespace: shop}\nspec: {networks: [{cidr: 10.0.1.0/24}]}\n";
  await holds(LINKERD + server("api-db", "db", "opaque") + net + linkerdPolicy(ref("Server", "api-db"), ref("NetworkAuthentication", "web")), [["web/plain", TCP, "allow"], ["shop/front", TCP, "deny"]]);
  const route = (name: string, prefix: string) => `---\napiVersion: policy.linkerd.io/v1beta3\nkind: HTTPRoute\nmetadata: {name: ${name}, namespace: shop}\nspec: {parentRefs: [${ref("Server", "api-http")}], rules: [{matches: [{path: {type: PathPrefix, value: ${prefix}}}]}]}\n`;
  await holds(LINKERD + server("api-http", "http", "HTTP/1") + route("admin", "/admin") + route("rest", "/") + MESH_TLS + linkerdPolicy(ref("HTTPRoute", "admin"), ref("MeshTLSAuthentication", "front")),
    [["shop/front", "GET http://api.shop/admin/x", "200"], ["shop/front", "GET http://api.shop/other", "403"], ["web/plain", "GET http://api.shop/admin/x", "403"]]);
});
