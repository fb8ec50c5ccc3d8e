// ingress-nginx answers Junction got wrong, part two: server names (server-alias wildcards and regular expressions, and
// the order nginx picks a server in). Upstream: rootfs/etc/nginx/template/nginx.tmpl (`server_name {{ buildServerName
// $server.Hostname }} {{ range $server.Aliases }}...`), template.go buildServerName, controller.go createServers and
// getBackendServers (servers sorted by hostname), nginx's server_names.html (exact, leading wildcard, trailing
// wildcard, first regular expression).

import { test } from "node:test";
import assert from "node:assert/strict";
import { appIngress, ingressClass, nginxWalker, WEB_APP } from "./fixtures/ingress-nginx.js";
import { SERVER } from "./fixtures/tls.js";

const N = "nginx.ingress.kubernetes.io/";
const BASE = ingressClass("nginx", "k8s.io/ingress-nginx") + WEB_APP;
const svc = (name: string) => `---\napiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: web}\nspec: {ports: [{port: 80}]}\n`;

/** Ingress web/NAME for `host` ("/" Prefix) to Service `backend`. */
const ingress = (name: string, host: string, backend: string, annotations: Record<string, string> = {}, extra = "") =>
  svc(backend) + appIngress(name, JSON.stringify(host), "/", "Prefix", annotations, `  ingressClassName: nginx\n${extra}`).replace("name: app,", `name: ${backend},`);

function asker(yaml: string) {
  const walk = nginxWalker(BASE + yaml);
  return (host: string, scheme: "http" | "https" = "http") => { const r = walk({ host, scheme }); return [r.status, r.backend ?? r.redirect?.location]; };
}

test("server-alias wildcards and regular expressions are server names nginx serves as the host (was: dropped, 404)", () => {
  const ask = asker(ingress("shop", "shop.example.com", "shop", { [N + "server-alias"]: "*.shop.example.com, ~^api\\d+\\.example\\.org$, .example.net, www.example.*" }));
  assert.deepEqual(ask("a.b.shop.example.com"), [200, "web/shop"], "nginx's *.x covers any number of labels (was 404)");
  assert.deepEqual(ask("api7.example.org"), [200, "web/shop"], "a regular expression (was 404)");
  assert.deepEqual(ask("api.example.org"), [404, undefined], "the expression does not match");
  assert.deepEqual(ask("example.net"), [200, "web/shop"], ".x: the name itself");
  assert.deepEqual(ask("a.example.net"), [200, "web/shop"], ".x: and below it");
  assert.deepEqual(ask("www.example.co.uk"), [200, "web/shop"], "x.*: a trailing wildcard");
  assert.deepEqual(ask("shop.example.com"), [200, "web/shop"]);
  assert.deepEqual(ask("a.b.shop.example.com", "https"), [200, "web/shop"], "on 443 too (the default certificate)");
});

test("nginx's order of server names: exact, then the longest leading wildcard, then the first regular expression in nginx.conf; an Ingress wildcard host is a regular expression (was: the most specific Gateway API hostname)", () => {
  // buildServerName: `*.b.example.com` → `~^(?<subdomain>[\w-]+)\.b\.example\.com$`, which any wildcard alias outranks.
  const yaml = ingress("wild", "*.b.example.com", "wild") + ingress("a", "a.example.com", "alias", { [N + "server-alias"]: "*.example.com" })
    + ingress("exact", "x.b.example.com", "exact");
  const ask = asker(yaml);
  assert.deepEqual(ask("y.b.example.com"), [200, "web/alias"], "the wildcard alias beats the Ingress wildcard host (was web/wild)");
  assert.deepEqual(ask("x.b.example.com"), [200, "web/exact"], "an exact name beats both");
  assert.deepEqual(ask("z.example.com"), [200, "web/alias"]);
  // Two regular expressions matching one name: the first written, servers in hostname order (getBackendServers sorts them).
  const regex = ingress("m", "m.example.com", "m", { [N + "server-alias"]: "~^app\\." }) + ingress("c", "c.example.com", "c", { [N + "server-alias"]: "~\\.example\\.org$" });
  assert.deepEqual(asker(regex)("app.example.org"), [200, "web/c"], "c.example.com's server is written first");
  // An Ingress wildcard host (a regular expression) against a regular-expression alias: nginx.conf order again.
  const mixed = ingress("w", "*.example.org", "w") + ingress("z", "z.example.com", "z", { [N + "server-alias"]: "~^www\\." });
  assert.deepEqual(asker(mixed)("www.example.org"), [200, "web/w"], "*.example.org sorts before z.example.com");
  const earlier = ingress("w", "*.example.org", "w") + ingress("a", "*.a.org", "a", { [N + "server-alias"]: "~^www\\." });
  assert.deepEqual(asker(earlier)("www.example.org"), [200, "web/a"], "*.a.org's server, its alias after its own name, is written before *.example.org's (was web/w)");
});

test("a wildcard alias redirects to HTTPS only where the host's certificate is found for the name (certificate.lua: the name, then its first label as \"*\"); a regular-expression alias never (was: dropped)", () => {
  const tls = "  tls: [{hosts: [shop.example.com]}]\n";
  const ask = asker(ingress("shop", "shop.example.com", "shop", { [N + "server-alias"]: "~^api\\d+\\.example\\.org$" }, tls));
  assert.deepEqual(ask("shop.example.com"), [308, "https://shop.example.com"], "the host has a certificate configured");
  assert.deepEqual(ask("api1.example.org"), [200, "web/shop"], "no certificate is configured for the alias: no ssl-redirect");
});

test("server-alias case: nginx lower-cases a name, and a regular expression with an upper-case letter is caseless (ngx_http_core_server_name; was 404 for each)", () => {
  const ask = asker(ingress("shop", "shop.example.com", "shop", { [N + "server-alias"]: "~^API\\d+\\.example\\.org$, Www.Example.net, *.Foo.com" }));
  assert.deepEqual(ask("api7.example.org"), [200, "web/shop"], "NGX_REGEX_CASELESS: the Host is lower-cased, the expression is not");
  assert.deepEqual(ask("www.example.net"), [200, "web/shop"], "an exact alias, lower-cased");
  assert.deepEqual(ask("a.foo.com"), [200, "web/shop"], "a wildcard alias, lower-cased");
});

test("two Ingresses with one host and path: the location is the first's in the controller's order, by creationTimestamp, then namespace/name descending (was: the first by name)", () => {
  // controller.go getBackendServers "Location %q already configured for server %q"; store.go sortIngressSlice `return in > jn`.
  const ts = (yaml: string, name: string, at: string) => yaml.replace(`name: ${name}\n`, `name: ${name}\n  creationTimestamp: ${at}\n`);
  const a = ingress("a", "dup.example.com", "svc-a"), b = ingress("b", "dup.example.com", "svc-b");
  assert.deepEqual(asker(a + b)("dup.example.com"), [200, "web/svc-b"], "no timestamps: web/b first (was web/svc-a)");
  assert.deepEqual(asker(ts(a, "a", "2024-01-01T00:00:00Z") + ts(b, "b", "2025-01-01T00:00:00Z"))("dup.example.com"), [200, "web/svc-a"], "web/a is older");
  assert.deepEqual(asker(ts(a, "a", "2025-01-01T00:00:00Z") + ts(b, "b", "2024-01-01T00:00:00Z"))("dup.example.com"), [200, "web/svc-b"], "web/b is older");
});

test("ssl-redirect asks certificate.lua of the request's host: a *.x alias redirects a name one label deep only, and a host without TLS of its own is redirected under another server's *.x certificate (was: every depth; not at all)", () => {
  // nginx.go configureCertificates: keys are the hosts with a certificate and the aliases it is valid for (IsValidHostname);
  // lua_ingress.lua redirect_to_https: `ssl_redirect and certificate_configured_for_current_request()`, certificate.lua
  // get_pem_cert_uid(ngx.var.host): the name, then it with its first label "*".
  const secret = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: site, namespace: web}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${SERVER.crt}, tls.key: ${SERVER.key}}\n`;
  const tls = (host: string) => `  tls: [{hosts: [${JSON.stringify(host)}], secretName: site}]\n`;
  const alias = asker(secret + ingress("shop", "shop.example.com", "shop", { [N + "server-alias"]: "*.example.com" }, tls("shop.example.com")));
  assert.deepEqual(alias("a.example.com"), [308, "https://a.example.com"], "*.example.com is a key (the certificate's SAN)");
  assert.deepEqual(alias("a.b.example.com"), [200, "web/shop"], "neither a.b.example.com nor *.b.example.com is a key (was 308)");
  const covered = asker(secret + ingress("wild", "*.example.com", "wild", {}, tls("*.example.com")) + ingress("plain", "plain.example.com", "plain"));
  assert.deepEqual(covered("plain.example.com"), [308, "https://plain.example.com"], "*.example.com, the wildcard host's key, covers it (was 200)");
  assert.deepEqual(covered("x.example.com"), [308, "https://x.example.com"]);
  assert.deepEqual(asker(ingress("plain", "plain.example.com", "plain"))("plain.example.com"), [200, "web/plain"], "no certificate at all");
});
