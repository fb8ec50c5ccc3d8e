// Where Linkerd's inbound policy does not apply, or knows more than the input says (upstream read at
// linkerd2 b24cd40, linkerd2-proxy 29637b6, linkerd2-proxy-init 183e791):
// - config.linkerd.io/skip-inbound-ports: "Ports and/or port ranges (inclusive) that should skip the
//   proxy and send directly to the application" (cli/cmd/options.go); proxy-init adds an
//   "ignore-port" RETURN rule to its redirect chain (pkg/iptables), and the destination controller
//   gives clients no identity for the port (endpoint_translator.go: `if identityTrustDomain != "" &&
//   controllerNSLabel == controllerNS && !isSkippedInboundPort`), so they send plaintext. The
//   injector copies the namespace's annotation to pods without one (pkg/inject
//   AppendNamespaceAnnotations); items are read by pkg/util ParsePortRange ("80", "4000-4100"),
//   invalid ones skipped with a warning.
// - a pod's requests to itself: proxy-init returns traffic on the loopback interface
//   ("ignore-loopback") and the proxy user's ("ignore-proxy-user-id"); the outbound proxy sends a
//   request whose endpoint is its own pod in plaintext (outbound concrete.rs `if self.is_local {
//   return tls::ConditionalClientTls::None(tls::NoClientTls::Loopback) }`); and the proxy admits
//   localhost on every Server anyway (server-policy lib.rs "Always permit traffic from localhost").
// - clusterNetworks "should include the pod and service networks, but need not include the node
//   network" (charts/linkerd-control-plane values.yaml): a pod of the cluster whose address the input
//   does not give (a Deployment's template) is in them; a host-network pod is not known to be.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli, tempFiles } from "../helpers.js";
import { outcome, pod, world } from "./fixture.js";

const req = (path = "/") => ({ http: { path, method: "GET", headers: [], host: "api.shop.svc.cluster.local" } });
const ns = (name: string, annotations: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, annotations: {${annotations}}}\n---\n`;
const template = (namespace: string, name: string, spec = "") => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {serviceAccountName: ${name}, containers: [{name: app}]${spec}}
---
`;
const PROXIES = { web: "linkerd", api: "linkerd", out: "none", teller: "linkerd", node: "linkerd" } as const;
const base = ns("shop", "config.linkerd.io/default-inbound-policy: deny") + pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2", { ports: [["http", 8080], ["metrics", 9101]] }) + pod("edge", "out", "10.9.0.1");

test("skip-inbound-ports: the proxy does not intercept the port, so Linkerd's policy does not apply there (was a wrong deny); ranges, pod over namespace, names and invalid items ignored", () => {
  const w = world(base, PROXIES);
  const api = w.engine.inventory.endpoints.find((e) => e.name === "api")!;
  assert.equal(outcome(w.ask("edge/out", "shop/api", 9101, req())), "403", "default deny, no annotation");
  api.annotations = { "config.linkerd.io/skip-inbound-ports": "25, 9100-9102," };
  const r = w.ask("edge/out", "shop/api", 9101, req());
  assert.equal(outcome(r), "allow");
  assert.equal(r.layers[0].summary, "plaintext: the hop does not pass the server's Linkerd proxy");
  assert.match(r.layers.at(-1)!.summary, /^not enforced: port 9101 is in pod annotation config\.linkerd\.io\/skip-inbound-ports \("25, 9100-9102,"\)/);
  const meshed = w.ask("shop/web", "shop/api", 9101, req());
  assert.equal(meshed.principal, undefined, "a meshed client sends plaintext: no identity for a skipped port");
  assert.equal(outcome(w.ask("edge/out", "shop/api", 8080, req())), "403", "8080 is not skipped");
  for (const text of ["metrics", "9102-9100", "9101-9102-9103", "0x238d", "1e4"]) {
    api.annotations = { "config.linkerd.io/skip-inbound-ports": text };
    assert.equal(outcome(w.ask("edge/out", "shop/api", 9101, req())), "403", `${JSON.stringify(text)} skips nothing (ParsePortRange refuses it; names are not resolved)`);
  }
  api.annotations = { "config.linkerd.io/skip-inbound-ports": "9101", "config.linkerd.io/opaque-ports": "9101" };
  assert.equal(outcome(w.ask("edge/out", "shop/api", 9101, { tcp: true })), "allow", "skipped wins over opaque: the destination controller's opaque hint is inside `if !isSkippedInboundPort`");
  api.annotations = {};
  const inherited = world(base.replace("default-inbound-policy: deny", "default-inbound-policy: deny, config.linkerd.io/skip-inbound-ports: \"9101\""), PROXIES);
  assert.equal(outcome(inherited.ask("edge/out", "shop/api", 9101, req())), "allow", "the namespace's annotation, as the injector copies it");
  assert.match(inherited.ask("edge/out", "shop/api", 9101, req()).layers.at(-1)!.summary, /namespace annotation config\.linkerd\.io\/skip-inbound-ports/);
});

test("a pod's request to itself does not pass its Linkerd proxy's inbound side: allowed in plaintext whatever the policy (was a wrong deny)", () => {
  const w = world(base, PROXIES);
  const r = w.ask("shop/api", "shop/api", 8080, req());
  assert.equal(outcome(r), "allow");
  assert.equal(r.principal, undefined, "NoClientTls::Loopback");
  assert.match(r.layers.at(-1)!.summary, /a request of shop\/api to itself does not pass its Linkerd proxy's inbound side/);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req())), "403", "another pod of the namespace is still denied");
  const replicas = world(base + template("shop", "teller"), PROXIES);
  assert.equal(outcome(replicas.ask("shop/teller", "shop/teller", 8080, req())), "403", "a Deployment's template stands for every replica: another replica's proxy enforces");
});

test("cluster-* defaults: a client pod whose address the input does not give is in the cluster networks (was a wrong deny); a narrower network is still unknown, a host-network pod too", () => {
  const yaml = (policy: string, extra = "") => ns("shop", `config.linkerd.io/default-inbound-policy: ${policy}`) + pod("shop", "api", "10.0.0.2") + template("shop", "teller") + extra;
  for (const policy of ["cluster-authenticated", "cluster-unauthenticated"]) {
    const w = world(yaml(policy), PROXIES);
    const r = w.ask("shop/teller", "shop/api", 8080, req());
    assert.equal(outcome(r), "allow", policy);
    assert.match(r.layers.at(-1)!.summary, new RegExp(`the default policy ${policy}`));
  }
  const unauth = world(yaml("cluster-unauthenticated"), { ...PROXIES, teller: "none" });
  assert.equal(outcome(unauth.ask("shop/teller", "shop/api", 8080, req())), "allow", "without a proxy too");
  const narrow = `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: api, namespace: shop}
spec: {podSelector: {matchLabels: {app: api}}, port: 8080, proxyProtocol: HTTP/1}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: NetworkAuthentication
metadata: {name: ten, namespace: shop}
spec: {networks: [{cidr: 10.0.0.0/8}]}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: ten, namespace: shop}
spec: {targetRef: {group: policy.linkerd.io, kind: Server, name: api}, requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: NetworkAuthentication, name: ten}]}
---
`;
  const w = world(yaml("deny", narrow), PROXIES);
  assert.equal(outcome(w.ask("shop/teller", "shop/api", 8080, req())), "403", "10.0.0.0/8 is a part of the cluster networks: the template's address may be outside it");
  const all = world(yaml("deny", narrow.replace("{cidr: 10.0.0.0/8}", "{cidr: 0.0.0.0/0}, {cidr: \"::/0\"}")), PROXIES);
  assert.equal(outcome(all.ask("shop/teller", "shop/api", 8080, req())), "allow", "every address holds it");
  const host = world(yaml("cluster-unauthenticated", template("shop", "node", ", hostNetwork: true")), { ...PROXIES, node: "none" });
  assert.equal(outcome(host.ask("shop/node", "shop/api", 8080, req())), "403", "a host-network pod has its node's address, which clusterNetworks need not include");
});

// Through the CLI (examples/linkerd-bypass, shown in docs/mesh.md): explain --request, route --requests, convert --to common --verify.
const CLUSTER = readFileSync("examples/linkerd-bypass/cluster.yaml", "utf8");

test("CLI: explain --request and route --requests answer skip-inbound-ports, a pod to itself, and a template client under cluster-authenticated", async () => {
  const { dir, cleanup } = tempFiles({ "cluster.yaml": CLUSTER, "requests.yaml": [
    "- {from: edge/scraper, host: ledger.pay, port: 9101, path: /metrics, expect: {status: 200}}",
    "- {from: pay/teller, host: ledger.pay, port: 80, path: /balance, expect: {status: 200}}",
    "- {from: edge/scraper, host: ledger.pay, port: 80, path: /balance, expect: {status: 403}}",
  ].join("\n") });
  try {
    const skip = await cli(["explain", "-f", `${dir}/cluster.yaml`, "--from", "edge/scraper", "--request", "GET http://ledger.pay:9101/metrics"]);
    assert.equal(skip.code, 0, skip.out);
    assert.match(skip.out, /authz {5}allow at Linkerd proxy of pay\/ledger \(not in the path, port 9101\): not enforced: port 9101 is in pod annotation config\.linkerd\.io\/skip-inbound-ports \("9100-9102"\)/);
    const teller = await cli(["explain", "-f", `${dir}/cluster.yaml`, "--from", "pay/teller", "--request", "GET http://ledger.pay/balance"]);
    assert.equal(teller.code, 0, teller.out);
    assert.match(teller.out, /allowed on the default route by the default policy cluster-authenticated/);
    const routed = await cli(["route", "-f", `${dir}/cluster.yaml`, "--requests", `${dir}/requests.yaml`, "-o", "json"]);
    assert.equal(routed.code, 0, routed.out);
    assert.deepEqual(JSON.parse(routed.out).results.map((x: { status: number }) => x.status), [200, 200, 403]);
  } finally { cleanup(); }
});

test("convert --to common: the default passes the skipped ports and admits the template client, --verify equivalent; a Server on a skipped port is refused", async () => {
  const { dir, cleanup } = tempFiles({ "cluster.yaml": CLUSTER });
  try {
    const r = await cli(["convert", "policy", "-f", dir, "--to", "common", "--verify"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /- name: skipped-by-linkerd-proxy\n\s+action: Pass\n\s+ports:\n\s+- protocol: TCP\n\s+port: 9100\n\s+endPort: 9102\n/);
    assert.match(r.err, /verify: equivalent \(/);
    assert.match(r.err, /verify: equivalent per request/);
  } finally { cleanup(); }
  const server = `apiVersion: policy.linkerd.io/v1beta3\nkind: Server\nmetadata: {name: metrics, namespace: pay}\nspec: {podSelector: {matchLabels: {app: ledger}}, port: metrics, proxyProtocol: HTTP/1}\n---\n`;
  const refused = tempFiles({ "cluster.yaml": `${CLUSTER}---\n${server}` });
  try {
    const r = await cli(["convert", "policy", "-f", refused.dir, "--to", "common"]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /not converted: [^\n]*cluster\.yaml:\d+: Server pay\/metrics[^\n]*port 9101 of pod pay\/ledger is in config\.linkerd\.io\/skip-inbound-ports: Linkerd's proxy does not intercept it/);
  } finally { refused.cleanup(); }
});

// config.linkerd.io/skip-outbound-ports: "Outbound ports and/or port ranges (inclusive) that should
// skip the proxy" (cli/cmd/options.go); proxy-init returns them unredirected on the OUTPUT chain, so
// the client's application connects straight to the server's proxy, without TLS or an identity.
test("skip-outbound-ports on a meshed client: plaintext, no identity, so an authenticated-only default denies it (was a wrong allow)", () => {
  const w = world(ns("shop", "config.linkerd.io/default-inbound-policy: all-authenticated") + pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2", { ports: [["http", 8080], ["metrics", 9101]] }), PROXIES);
  const web = w.engine.inventory.endpoints.find((e) => e.name === "web")!;
  const before = w.ask("shop/web", "shop/api", 8080, req());
  assert.equal(outcome(before), "allow", "mutual TLS: all-authenticated admits the meshed client");
  assert.ok(before.principal);
  web.annotations = { "config.linkerd.io/skip-outbound-ports": "8000-8090" };
  const r = w.ask("shop/web", "shop/api", 8080, req());
  assert.equal(outcome(r), "403");
  assert.equal(r.principal, undefined);
  assert.match(r.layers[0].summary, /^plaintext: port 8080 is in the client's pod annotation config\.linkerd\.io\/skip-outbound-ports \("8000-8090"\)/);
  assert.equal(outcome(w.ask("shop/web", "shop/api", 9101, req())), "allow", "9101 is not skipped: mutual TLS");
  web.annotations = { "config.linkerd.io/skip-outbound-ports": "http" };
  assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req())), "allow", "a name skips nothing (ParsePortRange refuses it)");
});
