// ingress-nginx answers Junction got wrong: rewrite-target capture groups (the path the backend gets) and the redirect
// host under use-forwarded-headers. Upstream: internal/ingress/controller/template/template.go buildProxyPass
// (`rewrite "(?i)PATH" TARGET break;`), nginx's ngx_http_script.c ngx_http_script_regex_start_code (`e->line =
// r->uri`: the normalized URI), rootfs/etc/nginx/lua/lua_ingress.lua (best_http_host, parse_x_forwarded_host,
// redirect_host).

import { test } from "node:test";
import assert from "node:assert/strict";
import { requestProblem, walkContext, walkRequest } from "../src/engine/request.js";
import type { RouteRequest } from "../src/model/request.js";
import { load } from "./helpers.js";
import { appIngress, ingressClass, nginxWalker, WEB_APP } from "./fixtures/ingress-nginx.js";
import { CA_C, CLIENT_A, CLIENT_C, CLIENT_C_EXPIRED } from "./fixtures/tls.js";

const N = "nginx.ingress.kubernetes.io/";

const BASE = ingressClass("nginx", "k8s.io/ingress-nginx") + WEB_APP;

const ingress = (name: string, host: string, path: string, pathType: string, annotations: Record<string, string>, extra = "") =>
  appIngress(name, host, path, pathType, annotations, `  ingressClassName: nginx\n${extra}`);

function asker(yaml: string) {
  const loaded = load({ "in.yaml": BASE + yaml });
  assert.ok(!loaded.diagnostics.hasErrors, loaded.diagnostics.errors.map((e) => e.message).join("; "));
  const ctx = walkContext(loaded.inventory);
  return (host: string, path: string, headers: [string, string][] = [], scheme: "http" | "https" = "http") => {
    const req: RouteRequest = { gateway: "IngressClass/nginx", scheme, host, path, method: "GET", headers, backendResponseHeaders: [] };
    const problem = requestProblem(ctx, req);
    if (problem) throw new Error(problem);
    return walkRequest(ctx, req);
  };
}

test("rewrite-target with capture groups: the backend gets the rewritten normalized URI, the request's arguments kept (was: the path as sent)", () => {
  const ask = asker(ingress("rw", "rw.example.com", "/something(/|$)(.*)", "ImplementationSpecific", { [N + "rewrite-target"]: "/$2", [N + "use-regex"]: "true" })
    + ingress("q", "q.example.com", "/api/(v\\d)/(.*)", "ImplementationSpecific", { [N + "rewrite-target"]: "/$2?version=$1" })
    + ingress("drop", "drop.example.com", "/x/(.*)", "ImplementationSpecific", { [N + "rewrite-target"]: "/$1?" }));
  const at = (host: string, path: string) => { const r = ask(host, path); return [r.status, r.upstream?.path]; };
  assert.deepEqual(at("rw.example.com", "/something/new/x?q=1"), [200, "/new/x?q=1"], "ingress-nginx's documented example (was /something/new/x)");
  assert.deepEqual(at("rw.example.com", "/something"), [200, "/"]);
  assert.deepEqual(at("rw.example.com", "/SOMETHING/a"), [200, "/a"], "(?i): case-insensitive");
  // nginx rewrites $uri, the normalized URI: an escaped slash is a slash, dot segments are resolved; the new URI is escaped again.
  assert.deepEqual(at("rw.example.com", "/something/a%2Fb"), [200, "/a/b"]);
  assert.deepEqual(at("rw.example.com", "/something/x/../a%20b"), [200, "/a%20b"]);
  assert.deepEqual(at("q.example.com", "/api/v2/users?page=3"), [200, "/users?version=v2&page=3"], "the replacement's arguments, then the request's");
  assert.deepEqual(at("drop.example.com", "/x/y?page=3"), [200, "/y"], "a replacement ending in \"?\" drops the request's arguments");
});

test("with use-forwarded-headers the redirect to HTTPS goes to X-Forwarded-Host's first entry, without its port (was: the Host header)", () => {
  const cm = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {use-forwarded-headers: "true"}\n`;
  const tls = "  tls: [{hosts: [site.example.com], secretName: site}]\n";
  const site = ingress("site", "site.example.com", "/", "Prefix", {}, tls);
  const ask = asker(site + cm);
  const r = ask("site.example.com", "/a?b=1", [["X-Forwarded-Host", "public.example.org:8443, inner.example"]]);
  assert.deepEqual([r.status, r.redirect?.location], [308, "https://public.example.org/a?b=1"], "was https://site.example.com/a?b=1");
  assert.equal(ask("site.example.com", "/a", []).redirect?.location, "https://site.example.com/a", "no X-Forwarded-Host: the Host");
  const plain = asker(site)("site.example.com", "/a", [["X-Forwarded-Host", "public.example.org"]]);
  assert.equal(plain.redirect?.location, "https://site.example.com/a", "without use-forwarded-headers the header is not read");
});

test("an allowed snippet (allow-snippet-annotations, risk level Critical) makes the answer unknown: configuration-snippet for its location, server-snippet for every location of its host (was: served as if absent)", () => {
  // controller.go getBackendServers: `if !...AllowSnippetAnnotations { dropSnippetDirectives(anns, ingKey) }` (config.go default false).
  const cm = (allow: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {annotations-risk-level: Critical${allow}}\n`;
  const loc = ingress("loc", "site.example.com", "/a", "Prefix", { [N + "configuration-snippet"]: "return 403;" });
  const other = ingress("other", "site.example.com", "/b", "Prefix", {});
  const allowed = asker(loc + other + cm(`, allow-snippet-annotations: "true"`));
  const a = allowed("site.example.com", "/a");
  assert.equal(a.status, null, "was 200");
  assert.match(a.reason, /configuration-snippet of Ingress web\/loc is raw nginx configuration/);
  assert.equal(allowed("site.example.com", "/b").status, 200, "another location of the host");
  assert.equal(asker(loc + other + cm(""))("site.example.com", "/a").status, 200, "dropped: allow-snippet-annotations is off by default");
  const server = ingress("srv", "site.example.com", "/c", "Prefix", { [N + "server-snippet"]: "if ($x) { return 404; }" });
  assert.equal(asker(server + other + cm(`, allow-snippet-annotations: "true"`))("site.example.com", "/b").status, null, "server-snippet: the whole server");
});

test("the ConfigMap's global-auth-url asks an authorizer for every location (unknown) unless enable-global-auth is false; http-redirect-code is the HTTPS redirect's status (was: 200 and 308)", () => {
  // template.go shouldApplyGlobalAuth: `location.ExternalAuth.URL == "" && globalExternalAuthURL != "" && location.EnableGlobalAuth`;
  // configmap.go: http-redirect-code one of 301, 302, 307, 308; lua_ingress.lua `ngx_redirect(uri, config.http_redirect_code)`.
  const cm = (data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {${data}}\n`;
  const site = ingress("site", "site.example.com", "/", "Prefix", {}) + ingress("open", "open.example.com", "/", "Prefix", { [N + "enable-global-auth"]: "false" });
  const ask = asker(site + cm(`global-auth-url: "http://auth.example.com/check"`));
  const r = ask("site.example.com", "/");
  assert.equal(r.status, null, "was 200");
  assert.match(r.reason, /external authorizer http:\/\/auth\.example\.com\/check/);
  assert.equal(ask("open.example.com", "/").status, 200, "enable-global-auth: false");
  assert.equal(asker(site + cm(`global-auth-url: "auth.example.com"`))("site.example.com", "/").status, 200, "no scheme: ingress-nginx ignores it");
  const tls = "  tls: [{hosts: [t.example.com], secretName: t}]\n";
  const t = ingress("t", "t.example.com", "/", "Prefix", {}, tls);
  assert.equal(asker(t + cm(`http-redirect-code: "301"`))("t.example.com", "/a").status, 301, "was 308");
  assert.equal(asker(t + cm(`http-redirect-code: "303"`))("t.example.com", "/a").status, 308, "not a code it takes: the default");
});

test("an alias two servers name belongs to the first server by hostname, as nginx.conf lists them (was: the first Ingress by name)", () => {
  // controller.go getBackendServers sorts the servers by Hostname; nginx ignores a later "conflicting server name".
  const svc = `---\napiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: web}\nspec: {ports: [{port: 80}]}\n`;
  const b = ingress("aa", "b.example.com", "/", "Prefix", { [N + "server-alias"]: "shared.example.com" }).replace("name: app", "name: b");
  const a = ingress("zz", "a.example.com", "/", "Prefix", { [N + "server-alias"]: "shared.example.com" });
  const r = asker(svc + b + a)("shared.example.com", "/");
  assert.deepEqual([r.status, r.backend], [200, "web/app"], "a.example.com's server (was web/b)");
});

test("auth-tls-secret: the host's server verifies client certificates; without one nginx answers 400 over HTTPS, on every location of the host (was 200)", () => {
  // nginx.tmpl `ssl_verify_client {{ $server.CertificateAuth.VerifyClient }}` (authtls/main.go: default "on"); createServers
  // gives the server the first Ingress's CertificateAuth.
  const ssl = { [N + "ssl-redirect"]: "false" };
  const yaml = (verify?: string) => ingress("mtls", "site.example.com", "/a", "Prefix", { ...ssl, [N + "auth-tls-secret"]: "web/ca", ...(verify ? { [N + "auth-tls-verify-client"]: verify } : {}) })
    + ingress("plain", "site.example.com", "/b", "Prefix", ssl) + ingress("else", "other.example.com", "/", "Prefix", ssl);
  const ask = asker(yaml());
  const r = ask("site.example.com", "/a", [], "https");
  assert.equal(r.status, 400, "was 200");
  assert.match(r.reason, /ssl_verify_client on \(auth-tls-secret web\/ca of Ingress web\/mtls\).*No required SSL certificate/);
  assert.equal(ask("site.example.com", "/b", [], "https").status, 400, "server-wide: another Ingress's location of the host");
  assert.equal(ask("other.example.com", "/", [], "https").status, 200, "another host");
  assert.equal(ask("site.example.com", "/a", [], "http").status, 200, "plain HTTP: no TLS to verify");
  assert.equal(asker(yaml("optional"))("site.example.com", "/a", [], "https").status, 200, "optional: no certificate is let through");
  const noNs = asker(ingress("bad", "site.example.com", "/", "Prefix", { ...ssl, [N + "auth-tls-secret"]: "ca" }))("site.example.com", "/", [], "https");
  assert.equal(noNs.status, 503, "not namespace/name: the location is denied (k8s.ParseNameNS)");
  // authtls/main.go: `authCert, err := a.r.GetAuthCertificate(tlsauthsecret)`, the annotation as written: "/ca" is no Secret's key.
  const empty = asker(ingress("bad", "site.example.com", "/", "Prefix", { ...ssl, [N + "auth-tls-secret"]: "/ca" }))("site.example.com", "/", [], "https");
  assert.equal(empty.status, 503, "an empty namespace: error obtaining certificate (was 400, verified with web/ca)");
});

test("auth-tls-error-page: a refused client certificate is the server's error_page 495 496: a 302 to the page (was nginx's 400); a /path page is an internal redirect, unknown; an invalid one rejects the Ingress", () => {
  // nginx.tmpl `error_page 495 496 = {{ $server.CertificateAuth.ErrorPage }};`; ngx_http_send_error_page: a page not starting
  // with "/" or "@" is a 302 with Location as written. authtls/main.go: redirectRegex, a ValidationError rejects the Ingress.
  const ssl = { [N + "ssl-redirect"]: "false" };
  const yaml = (page: string) => ingress("mtls", "site.example.com", "/a", "Prefix", { ...ssl, [N + "auth-tls-secret"]: "web/ca", [N + "auth-tls-error-page"]: page });
  const r = asker(yaml("https://login.example.com/cert-error"))("site.example.com", "/a", [], "https");
  assert.deepEqual([r.status, r.redirect?.location], [302, "https://login.example.com/cert-error"], "was 400");
  assert.match(r.reason, /nginx's 496 goes to error_page 495 496 = https:\/\/login\.example\.com\/cert-error \(auth-tls-error-page\)/);
  const internal = asker(yaml("/cert-error"))("site.example.com", "/a", [], "https");
  assert.equal(internal.status, null, "an internal redirect Junction does not follow");
  assert.match(internal.unknown ?? "", /internal redirect/);
  const loaded = load({ "in.yaml": BASE + yaml("https://x/a b") });
  assert.ok(!loaded.inventory.routing.routes.some((x) => x.derivedFrom?.name === "mtls"), "rejected whole (was served)");
});

test("auth-url's 401 is auth-signin's 302 (rd = the request's URL, escaped) before custom-http-errors, else the default backend's with custom-http-errors: said in the unknown answer (was: 401 or 403)", () => {
  // nginx.tmpl `error_page 401 = {{ buildAuthSignURLLocation ... }}` before the custom-http-errors lines; template.go buildAuthSignURL.
  const auth = { [N + "auth-url"]: "http://auth.example.com/check", [N + "custom-http-errors"]: "401,403" };
  const ask = asker(ingress("signin", "s.example.com", "/", "Prefix", { ...auth, [N + "auth-signin"]: "https://login.example.com/start" })
    + ingress("errors", "e.example.com", "/", "Prefix", auth) + ingress("param", "p.example.com", "/", "Prefix", { ...auth, [N + "auth-signin"]: "https://login.example.com/start?a=1", [N + "auth-signin-redirect-param"]: "back" }));
  const s = ask("s.example.com", "/a/b?x=1");
  assert.equal(s.status, null);
  assert.match(s.unknown ?? "", /its 401 is a 302 to https:\/\/login\.example\.com\/start\?rd=http:\/\/s\.example\.com%2Fa%2Fb%3Fx%3D1 \(auth-signin.*its 403 goes to the default backend/);
  assert.match(ask("e.example.com", "/").unknown ?? "", /its 401 goes to the default backend \(custom-http-errors\); its 403 goes to the default backend/);
  assert.match(ask("p.example.com", "/").unknown ?? "", /302 to https:\/\/login\.example\.com\/start\?a=1&back=http:\/\/p\.example\.com%2F /);
  // A relative auth-signin with a query (url.Parse reads its query too): "&rd=", not a second "?" (was "/start?a=1?rd=").
  const rel = asker(ingress("rel", "r.example.com", "/", "Prefix", { ...auth, [N + "auth-signin"]: "/start?a=1" }))("r.example.com", "/");
  assert.match(rel.unknown ?? "", /302 to \/start\?a=1&rd=http:\/\/r\.example\.com%2F /);
});

test("x-forwarded-prefix with a capture-group rewrite-target: the backend gets the header (was: dropped); FCGI is served by nginx (was: no route)", () => {
  // template.go buildProxyPass: `rewrite "(?i)PATH" TARGET break;` then `proxy_set_header X-Forwarded-Prefix "..."`, for any target;
  // nginx.tmpl `fastcgi_pass` for backend-protocol FCGI (only Gateway API cannot say it).
  const ask = asker(ingress("rw", "rw.example.com", "/api(/|$)(.*)", "ImplementationSpecific", { [N + "rewrite-target"]: "/$2", [N + "x-forwarded-prefix"]: "/api" })
    + ingress("fcgi", "php.example.com", "/", "Prefix", { [N + "backend-protocol"]: "FCGI" }));
  const r = ask("rw.example.com", "/api/v1");
  assert.deepEqual([r.status, r.upstream?.path, r.upstream?.headers?.["X-Forwarded-Prefix"]], [200, "/v1", "/api"]);
  assert.deepEqual([ask("php.example.com", "/index.php").status, ask("php.example.com", "/index.php").backend], [200, "web/app"]);
});

test("backend-protocol GRPC is a location of the host like any other: a plain HTTP request reaches the gRPC backend, a gRPC call under an HTTP path the HTTP backend (was: 404, and the gRPC backend)", () => {
  // nginx.tmpl: each location is `location PATH` with grpc_pass or proxy_pass by its backend-protocol; nginx picks the
  // location by path alone (there is no GRPCRoute/HTTPRoute split in a server).
  const walk = (yaml: string) => { const loaded = load({ "in.yaml": BASE + yaml }); const ctx = walkContext(loaded.inventory); return (req: Partial<RouteRequest>) => walkRequest(ctx, { gateway: "IngressClass/nginx", scheme: "http", host: "g.example.com", path: "/", method: "GET", headers: [], backendResponseHeaders: [], ...req } as RouteRequest); };
  const svc = "---\napiVersion: v1\nkind: Service\nmetadata: {name: grpc, namespace: web}\nspec: {ports: [{port: 80}]}\n";
  const ask = walk(svc + ingress("g", "g.example.com", "/", "Prefix", { [N + "backend-protocol"]: "GRPC" }).replace("name: app,", "name: grpc,") + ingress("h", "g.example.com", "/api", "Prefix", {}));
  assert.deepEqual([ask({}).status, ask({}).backend], [200, "web/grpc"], "was 404");
  const call = ask({ scheme: "http", method: "POST", path: "/api/Get", protocol: "grpc" });
  assert.equal(call.backend, "web/app", "location /api/ (was web/grpc)");
  assert.equal(ask({ scheme: "http", method: "POST", path: "/pkg.Svc/Get", protocol: "grpc" }).backend, "web/grpc");
});

test("rewrite-target equal to the location's path rewrites nothing: path / with rewrite-target / passes /x/y as is (was: /), its X-Forwarded-Prefix not set", () => {
  // template.go buildProxyPass: "if the path in the ingress rule is equals to the target: no special rewrite"; a Prefix
  // path's location is PATH/ (location.go normalizePrefixPath), so Prefix /foo with target /foo still rewrites /foo/bar.
  const ask = asker(ingress("root", "r.example.com", "/", "Prefix", { [N + "rewrite-target"]: "/", [N + "x-forwarded-prefix"]: "/p" })
    + ingress("impl", "i.example.com", "/foo", "ImplementationSpecific", { [N + "rewrite-target"]: "/foo" })
    + ingress("pre", "p.example.com", "/foo", "Prefix", { [N + "rewrite-target"]: "/foo" }));
  const r = ask("r.example.com", "/x/y?q=1");
  assert.deepEqual([r.upstream?.path, r.upstream?.headers?.["X-Forwarded-Prefix"]], ["/x/y?q=1", undefined], "was /?q=1 with the header");
  assert.equal(ask("i.example.com", "/foo/bar").upstream?.path, "/foo/bar", "was /foo");
  assert.equal(ask("p.example.com", "/foo/bar").upstream?.path, "/foo", "location /foo/ rewrites to /foo");
});

test("Prefix /foo with rewrite-target /foo is two locations: ~* ^/foo/ rewriting to /foo, then the exact location's ~* ^/foo rewriting nothing (was: /foobar rewritten to /foo)", () => {
  // location.go updateServerLocations: the Prefix path, needing no rewrite then, becomes normalizePrefixPath "/foo/" plus an
  // exact location "/foo"; template.go enforceRegexModifier (needsRewrite of "/foo/") makes both `~* "^PATH"`, and
  // buildProxyPass rewrites in the first only (`path == location.Rewrite.Target` in the second).
  const pre = ingress("pre", "p.example.com", "/foo", "Prefix", { [N + "rewrite-target"]: "/foo" });
  const ask = asker(pre);
  const at = (path: string) => { const r = ask("p.example.com", path); return [r.status, r.upstream?.path]; };
  assert.deepEqual(at("/foo"), [200, "/foo"]);
  assert.deepEqual(at("/foo/"), [200, "/foo"]);
  assert.deepEqual(at("/foo/bar?x=1"), [200, "/foo?x=1"], "the whole URI replaced, the arguments kept");
  assert.deepEqual(at("/foobar"), [200, "/foobar"], "the exact location, a regular expression now, takes it as is (was /foo)");
  assert.deepEqual(at("/FOOBAR"), [200, "/FOOBAR"], "case-insensitive");
  // An Exact path /foo of the host: no exact location is added ("If exists an Exact location is not possible to create a
  // new one"); /foobar reaches the Exact path's location, `~* "^/foo"` too.
  const other = "---\napiVersion: v1\nkind: Service\nmetadata: {name: other, namespace: web}\nspec: {ports: [{port: 80}]}\n";
  const withExact = asker(pre + other + ingress("ex", "p.example.com", "/foo", "Exact", {}).replace("name: app,", "name: other,"));
  assert.deepEqual([withExact("p.example.com", "/foobar").backend, withExact("p.example.com", "/foobar").upstream?.path], ["web/other", "/foobar"]);
  assert.deepEqual([withExact("p.example.com", "/foo/x").backend, withExact("p.example.com", "/foo/x").upstream?.path], ["web/app", "/foo"]);
});

test("Prefix /foo with rewrite-target /foo/ keeps its location /foo and rewrites /foobar and /foo/x to /foo/ (was: no rewrite); ImplementationSpecific /foo with target /foo makes no regular expression (was: /FOO/x served)", () => {
  // needsRewrite ("/foo/" != "/foo") leaves the location unnormalized: `~* "^/foo"` with `rewrite "(?i)/foo" /foo/ break;`.
  const ask = asker(ingress("pre", "p.example.com", "/foo", "Prefix", { [N + "rewrite-target"]: "/foo/" })
    + ingress("impl", "i.example.com", "/foo", "ImplementationSpecific", { [N + "rewrite-target"]: "/foo" }));
  assert.equal(ask("p.example.com", "/foobar").upstream?.path, "/foo/", "was /foobar");
  assert.equal(ask("p.example.com", "/foo/x").upstream?.path, "/foo/", "was /foo/x");
  // enforceRegexModifier: no location of i.example.com needsRewrite, so `location "/foo"` is a case-sensitive string prefix.
  assert.equal(ask("i.example.com", "/foox").upstream?.path, "/foox");
  assert.equal(ask("i.example.com", "/FOO/x").status, 404, "was 200 (a case-insensitive regular expression)");
});

test("from-to-www-redirect answers with http-redirect-code (default 308) to scheme://host:port/URI without its final \"/\", on 80 and 443 (was 301, the URI as sent, no HTTPS)", () => {
  // nginx.tmpl RedirectServers: `return {{ $all.Cfg.HTTPRedirectCode }} $redirect_to;`, ngx_srv_redirect.lua "%s://%s:%s%s".
  const www = ingress("w", "www.example.com", "/", "Prefix", { [N + "from-to-www-redirect"]: "true" });
  const ask = asker(www);
  const at = (path: string, scheme: "http" | "https" = "http") => { const r = ask("example.com", path, [], scheme); return [r.status, r.redirect?.location]; };
  assert.deepEqual(at("/a/"), [308, "http://www.example.com:80/a"]);
  assert.deepEqual(at("/a/?q=1"), [308, "http://www.example.com:80/a/?q=1"], "the request URI's last character is the query's");
  assert.deepEqual(at("/b", "https"), [308, "https://www.example.com:443/b"], "the redirect server listens on 443 too (was 404)");
  const cm = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {http-redirect-code: "301"}\n`;
  assert.equal(asker(www + cm)("example.com", "/").status, 301);
});

test("proxy-redirect-from/-to rewrite the backend's Location (and Refresh url=) starting with FROM; unset, nginx passes them as sent (was: always as sent)", () => {
  // nginx.tmpl `proxy_redirect {{ ProxyRedirectFrom }} {{ ProxyRedirectTo }};` (config.go default "off"); nginx's
  // ngx_http_proxy_rewrite_complex_handler: a case-sensitive prefix.
  const yaml = ingress("pr", "site.example.com", "/", "Prefix", { [N + "proxy-redirect-from"]: "http://internal:8080/", [N + "proxy-redirect-to"]: "https://site.example.com/app/" })
    + ingress("plain", "other.example.com", "/", "Prefix", {});
  const loaded = load({ "in.yaml": BASE + yaml });
  const ctx = walkContext(loaded.inventory);
  const at = (host: string, headers: [string, string][]) => walkRequest(ctx, { gateway: "IngressClass/nginx", scheme: "http", host, path: "/", method: "GET", headers: [], backendResponseHeaders: headers }).responseHeaders;
  assert.equal(at("site.example.com", [["Location", "http://internal:8080/login?x=1"]]).Location, "https://site.example.com/app/login?x=1");
  assert.equal(at("site.example.com", [["Refresh", "5; url=http://internal:8080/a"]]).Refresh, "5; url=https://site.example.com/app/a");
  assert.equal(at("site.example.com", [["Location", "HTTP://internal:8080/x"]]).Location, "HTTP://internal:8080/x", "case-sensitive");
  assert.equal(at("other.example.com", [["Location", "http://internal:8080/x"]]).Location, "http://internal:8080/x", "proxy_redirect off");
});

test("auth-tls-verify-client optional and optional_no_ca: a presented certificate that fails verification is nginx's 400 (was let through); optional_no_ca lets an unknown issuer through, not an expired certificate", () => {
  // ngx_http_process_request: `if (rc != X509_V_OK && (sscf->verify != 3 || !ngx_ssl_verify_error_optional(rc)))` finalizes
  // with NGX_HTTPS_CERT_ERROR (495) for on (1) and optional (2) alike; `if (sscf->verify == 1)` alone refuses no certificate.
  const ssl = { [N + "ssl-redirect"]: "false" };
  const tlsSecret = (name: string, c: { crt: string; key: string }) => `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: web}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${c.crt}, tls.key: ${c.key}}\n`;
  const ca = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ca, namespace: web}\ntype: Opaque\ndata: {ca.crt: ${Buffer.from(CA_C).toString("base64")}}\n`;
  const secrets = ca + tlsSecret("client-c", CLIENT_C) + tlsSecret("client-old", CLIENT_C_EXPIRED) + tlsSecret("client-a", CLIENT_A);
  const at = (verify: string, clientCert?: string) => {
    const loaded = load({ "in.yaml": BASE + ingress("mtls", "site.example.com", "/a", "Prefix", { ...ssl, [N + "auth-tls-secret"]: "web/ca", [N + "auth-tls-verify-client"]: verify }) + secrets });
    assert.ok(!loaded.diagnostics.hasErrors, loaded.diagnostics.errors.map((e) => e.message).join("; "));
    const r = walkRequest(walkContext(loaded.inventory), { gateway: "IngressClass/nginx", scheme: "https", host: "site.example.com", path: "/a", method: "GET", headers: [], backendResponseHeaders: [], ...(clientCert ? { clientCert } : {}) });
    return r.status;
  };
  for (const verify of ["on", "optional", "optional_no_ca"]) {
    assert.equal(at(verify, "web/client-c"), 200, `${verify}: issued by the CA`);
    assert.equal(at(verify, "web/client-old"), 400, `${verify}: issued by the CA, expired (was 200 but for on)`);
  }
  assert.equal(at("on", "web/client-a"), 400);
  assert.equal(at("optional", "web/client-a"), 400, "another CA's certificate (was 200)");
  assert.equal(at("optional_no_ca", "web/client-a"), 200, "an unknown issuer is an optional error");
  assert.equal(at("on"), 400);
  assert.equal(at("optional"), 200, "no certificate");
  assert.equal(at("optional_no_ca"), 200);
  assert.equal(at("off", "web/client-a"), 200);
  // backend_ssl.go getPemCertificate: the CA is the Secret's ca.crt; a Secret without it (a serving certificate's tls.crt and
  // tls.key) leaves the server no CAFileName, so nginx.tmpl writes no ssl_verify_client (was: its tls.crt taken for the CA).
  const serving = (clientCert?: string) => {
    const yaml = BASE + ingress("mtls", "site.example.com", "/a", "Prefix", { ...ssl, [N + "auth-tls-secret"]: "web/ca" }) + tlsSecret("ca", CLIENT_C) + tlsSecret("client-a", CLIENT_A);
    const r = walkRequest(walkContext(load({ "in.yaml": yaml }).inventory), { gateway: "IngressClass/nginx", scheme: "https", host: "site.example.com", path: "/a", method: "GET", headers: [], backendResponseHeaders: [], ...(clientCert ? { clientCert } : {}) });
    return r.status;
  };
  assert.equal(serving(), 200, "no ca.crt: no client certificate asked for (was 400)");
  assert.equal(serving("web/client-a"), 200);
});

test("auth-tls-secret: a client certificate Junction cannot check is no answer (was 200); a CA Secret missing from an input with Secrets denies the Ingress's locations (503), and the server verifies nothing", () => {
  // authtls/main.go Parse: GetAuthCertificate fails, "error obtaining certificate": LocationDeniedError (the Ingress's
  // locations answer 503) and an empty CertificateAuth, so createServers writes no ssl_verify_client for it.
  const ssl = { [N + "ssl-redirect"]: "false" };
  const mtls = ingress("mtls", "site.example.com", "/a", "Prefix", { ...ssl, [N + "auth-tls-secret"]: "web/ca" }) + ingress("plain", "site.example.com", "/b", "Prefix", ssl);
  const withCert = (yaml: string, path: string, scheme: "http" | "https" = "https") => {
    const loaded = load({ "in.yaml": BASE + yaml });
    const ctx = walkContext(loaded.inventory);
    return walkRequest(ctx, { gateway: "IngressClass/nginx", scheme, host: "site.example.com", path, method: "GET", headers: [], backendResponseHeaders: [], clientCert: "web/client" });
  };
  // No Secrets in the input: the CA is not known, nor the certificate.
  const r = withCert(mtls, "/a");
  assert.equal(r.status, null, "was 200: nginx checks the certificate against a CA the input does not hold");
  assert.match(r.undetermined ?? "", /ssl_verify_client on \(auth-tls-secret web\/ca of Ingress web\/mtls\).*ca\.crt, which the input does not hold/);
  assert.equal(withCert(mtls, "/b").status, null, "server-wide");
  // Secrets in the input, not the CA: the Ingress's locations are denied, the host's others verify nothing.
  const other = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: other, namespace: web}\ntype: Opaque\ndata: {}\n";
  const denied = withCert(mtls + other, "/a");
  assert.equal(denied.status, 503);
  assert.match(denied.reason ?? "", /auth-tls-secret web\/ca is not in the input \(error obtaining certificate, LocationDenied\)/);
  assert.equal(withCert(mtls + other, "/a", "http").status, 503, "over plain HTTP too: the location is denied");
  assert.equal(withCert(mtls + other, "/b").status, 200, "another Ingress's location of the host: no ssl_verify_client");
});

test("auth-secret and auth-tls-secret of another namespace deny the Ingress's locations (503) unless the controller sets allow-cross-namespace-resources (was 401/400 and 200 with credentials)", () => {
  // auth/main.go Parse: "cross namespace usage of secrets is not allowed"; authtls/main.go Parse: "cross namespace
  // secrets are not supported"; both LocationDeniedError unless AllowCrossNamespaceResources (config.go default false).
  const ssl = { [N + "ssl-redirect"]: "false" };
  const basic = ingress("basic", "b.example.com", "/", "Prefix", { ...ssl, [N + "auth-type"]: "basic", [N + "auth-secret"]: "auth/users" });
  const mtls = ingress("mtls", "m.example.com", "/a", "Prefix", { ...ssl, [N + "auth-tls-secret"]: "certs/ca" }) + ingress("plain", "m.example.com", "/b", "Prefix", ssl);
  const ask = asker(basic + mtls);
  const b = ask("b.example.com", "/", [["authorization", "Basic dTpw"]]);
  assert.equal(b.status, 503, "was 200 with credentials");
  assert.match(b.reason ?? "", /auth-secret auth\/users: cross namespace usage of secrets is not allowed/);
  const m = ask("m.example.com", "/a", [], "https");
  assert.equal(m.status, 503, "was 400: the location is denied");
  assert.match(m.reason ?? "", /auth-tls-secret certs\/ca: cross namespace secrets are not supported/);
  assert.equal(ask("m.example.com", "/b", [], "https").status, 200, "its CertificateAuth is empty: the server verifies nothing");
  const allowed = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {allow-cross-namespace-resources: \"true\"}\n";
  const ok = asker(basic + mtls + allowed);
  assert.equal(ok("b.example.com", "/").status, 401, "allowed: the Secret is read, credentials asked for");
  assert.equal(ok("m.example.com", "/a", [], "https").status, 400, "allowed: the server verifies client certificates");
  // The Ingress's own namespace, written out or left empty ("/users": SplitMetaNamespaceKey), is no cross-namespace use.
  const own = asker(ingress("own", "o.example.com", "/", "Prefix", { ...ssl, [N + "auth-type"]: "basic", [N + "auth-secret"]: "web/users" }));
  assert.equal(own("o.example.com", "/").status, 401);
  const secrets = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: users, namespace: web}\ntype: Opaque\ndata: {}\n";
  const empty = asker(ingress("own", "o.example.com", "/", "Prefix", { ...ssl, [N + "auth-type"]: "basic", [N + "auth-secret"]: "/users" }) + secrets);
  assert.equal(empty("o.example.com", "/").status, 401, "\"/users\" is web/users (auth/main.go GetSecret(sns/sname)): was 503, the Secret looked up as \"/users\"");
});

test("nginx ignores a request header whose name holds an underscore or another character than letters, digits and hyphens (underscores_in_headers off, ignore_invalid_headers on); the ConfigMap turns either (it was passed on: a canary by an underscored header was taken)", () => {
  const canarySvc = "---\napiVersion: v1\nkind: Service\nmetadata: {name: beta, namespace: web}\nspec: {ports: [{port: 80}]}\n";
  const canary = ingress("beta", "shop.example.com", "/", "Prefix", { [N + "canary"]: "true", [N + "canary-by-header"]: "x_beta" }).replace("name: app,", "name: beta,");
  const yaml = ingress("shop", "shop.example.com", "/", "Prefix", {}) + canarySvc + canary;
  const cm = (data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {${data}}\n`;
  const headers: [string, string][] = [["x_beta", "always"], ["x.trace", "1"], ["x-user", "ann"]];
  const plain = asker(yaml)("shop.example.com", "/", headers);
  assert.equal(plain.backend, "web/app", "x_beta never reaches the balancer (was web/beta)");
  assert.deepEqual([plain.upstream?.headers?.["x_beta"], plain.upstream?.headers?.["x.trace"], plain.upstream?.headers?.["x-user"]], [undefined, undefined, "ann"]);
  assert.match(plain.steps.map((s) => s.outcome).join("\n"), /nginx ignores the headers x_beta, x\.trace/);
  const underscores = asker(yaml + cm(`enable-underscores-in-headers: "true"`))("shop.example.com", "/", headers);
  assert.equal(underscores.backend, "web/beta");
  assert.deepEqual([underscores.upstream?.headers?.["x_beta"], underscores.upstream?.headers?.["x.trace"]], ["always", undefined]);
  const kept = asker(yaml + cm(`ignore-invalid-headers: "false"`))("shop.example.com", "/", headers);
  assert.deepEqual([kept.backend, kept.upstream?.headers?.["x.trace"]], ["web/beta", "1"]);
  // A class ingress-nginx does not serve: not nginx's reading.
  const loaded = load({ "in.yaml": ingressClass("other", "example.com/other") + WEB_APP + appIngress("shop", "shop.example.com", "/", "Prefix", {}, "  ingressClassName: other\n") });
  const other = walkRequest(walkContext(loaded.inventory), { gateway: "IngressClass/other", scheme: "http", host: "shop.example.com", path: "/", method: "GET", headers, backendResponseHeaders: [] });
  assert.deepEqual([other.backend, other.upstream?.headers?.["x_beta"]], ["web/app", "always"]);
});

test("permanent-redirect and temporal-redirect answer the URL as written: one without a path has no \"/\" (was https://new.example.com/)", () => {
  // nginx.tmpl `return {{ $location.Redirect.Code }} {{ $location.Redirect.URL }};`, redirect.go Parse keeps the annotation's string.
  const ask = asker(ingress("p", "p.example.com", "/", "Prefix", { [N + "permanent-redirect"]: "https://new.example.com", [N + "permanent-redirect-code"]: "308" })
    + ingress("t", "t.example.com", "/", "Prefix", { [N + "temporal-redirect"]: "https://tmp.example.com/x/" }));
  assert.deepEqual([ask("p.example.com", "/a?b=1").status, ask("p.example.com", "/a?b=1").redirect?.location], [308, "https://new.example.com"]);
  assert.deepEqual([ask("t.example.com", "/").status, ask("t.example.com", "/").redirect?.location], [302, "https://tmp.example.com/x/"], "a path as written, its final \"/\" kept");
});

test("proxy-body-size: a Content-Length above the location's client_max_body_size is nginx's 413, before the HTTPS redirect; the ConfigMap's, default 1m, where the annotation is unset; 0 is no limit (was: 200 and 308)", () => {
  // proxy/main.go Parse (annotation, else the ConfigMap's; config.go bodySize "1m"); nginx.tmpl `client_max_body_size`;
  // ngx_http_core_find_config_phase: 413 before the rewrite phase (lua_ingress.lua's redirect) and the access phase.
  const post = (length: number): [string, string][] => [["Content-Length", String(length)]];
  const ask = asker(ingress("small", "s.example.com", "/", "Prefix", { [N + "proxy-body-size"]: "8k" })
    + ingress("unlimited", "o.example.com", "/", "Prefix", { [N + "proxy-body-size"]: "0" })
    + ingress("plain", "p.example.com", "/", "Prefix", {})
    + ingress("bad", "b.example.com", "/", "Prefix", { [N + "proxy-body-size"]: "8 kb" })
    + ingress("force", "f.example.com", "/", "Prefix", { [N + "force-ssl-redirect"]: "true" }));
  assert.equal(ask("s.example.com", "/", post(8193)).status, 413, "was 200");
  assert.equal(ask("s.example.com", "/", post(8192)).status, 200);
  assert.equal(ask("o.example.com", "/", post(99999999)).status, 200, "0: no limit");
  assert.equal(ask("p.example.com", "/", post(1048577)).status, 413, "the default 1m (was 200)");
  assert.equal(ask("p.example.com", "/", post(1048576)).status, 200);
  assert.equal(ask("b.example.com", "/", post(1048577)).status, 413, "an invalid annotation: the ConfigMap's (1m)");
  assert.equal(ask("f.example.com", "/", post(2000000)).status, 413, "before force-ssl-redirect (was 308)");
  assert.equal(ask("f.example.com", "/", post(10)).status, 308);
  const cm = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {proxy-body-size: 20m}\n`;
  const wide = asker(ingress("plain", "p.example.com", "/", "Prefix", {}) + ingress("small", "s.example.com", "/", "Prefix", { [N + "proxy-body-size"]: "8k" }) + cm);
  assert.equal(wide("p.example.com", "/", post(2000000)).status, 200, "the ConfigMap's 20m");
  assert.equal(wide("s.example.com", "/", post(9000)).status, 413, "the annotation wins");
});

test("enable-cors as nginx.tmpl's CORS block answers: \"*\" is the header \"*\" for every request, any OPTIONS is 204; a listed origin is matched ~* (...)$; the values as written, Max-Age and Methods on every answer (was: the Gateway API filter's reading)", () => {
  // template.go buildCorsOriginRegex (`set $http_origin *;`, else `if ($http_origin ~* ((O))$ )`), nginx.tmpl "CORS"
  // (`set $cors ${cors}options`; `return 204`), cors/main.go Parse (defaultCorsHeaders without spaces; an invalid origin "defaulting to '*'").
  const walk = nginxWalker(BASE + ingress("any", "any.example.com", "/", "Prefix", { [N + "enable-cors"]: "true" })
    + ingress("one", "one.example.com", "/", "Prefix", { [N + "enable-cors"]: "true", [N + "cors-allow-origin"]: "https://a.example.org, https://*.b.example.org", [N + "cors-allow-headers"]: "X-One, X-Two" })
    + ingress("bad", "bad.example.com", "/", "Prefix", { [N + "enable-cors"]: "true", [N + "cors-allow-origin"]: "https://a.example.org/path" }));
  const origin = (o: string): [string, string][] => [["Origin", o]];
  const any = walk({ host: "any.example.com", path: "/a", headers: origin("https://x.example.org") });
  assert.equal(any.responseHeaders?.["access-control-allow-origin"], "*", "was the origin echoed");
  assert.equal(any.responseHeaders?.["access-control-allow-headers"], "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization", "as written, no spaces (was joined with \", \")");
  assert.equal(any.responseHeaders?.["access-control-max-age"], "1728000", "on every answer (was preflight only)");
  assert.equal(walk({ host: "any.example.com", path: "/a" }).responseHeaders?.["access-control-allow-origin"], "*", "without an Origin header too (was none)");
  const bare = walk({ host: "any.example.com", path: "/a", method: "OPTIONS" });
  assert.deepEqual([bare.status, bare.responseHeaders?.["content-length"]], [204, "0"], "any OPTIONS, no Origin nor Access-Control-Request-Method (was 200 from the backend)");
  const listed = walk({ host: "one.example.com", path: "/a", method: "OPTIONS", headers: origin("https://api.b.example.org") });
  assert.deepEqual([listed.status, listed.responseHeaders?.["access-control-allow-origin"], listed.responseHeaders?.["access-control-allow-headers"]], [204, "https://api.b.example.org", "X-One, X-Two"]);
  assert.equal(walk({ host: "one.example.com", path: "/a", method: "OPTIONS", headers: origin("xhttps://a.example.org") }).status, 204, "anchored at the end only (was 200)");
  assert.equal(walk({ host: "one.example.com", path: "/a", method: "OPTIONS", headers: origin("https://evil.example.org") }).status, 200, "another origin: to the backend");
  assert.equal(walk({ host: "one.example.com", path: "/a", method: "OPTIONS", headers: origin("https://a.b.b.example.org") }).status, 200, "* is one label");
  assert.equal(walk({ host: "bad.example.com", path: "/a", headers: origin("https://z.example.org") }).responseHeaders?.["access-control-allow-origin"], "*", "an invalid cors-allow-origin is \"*\" (was none)");
});

test("custom-headers: the ConfigMap's headers on every answer when the controller's global-allowed-response-headers lists each, else the location is denied, 503, as for a ConfigMap not found (was: 200 without them)", () => {
  // customheaders/main.go Parse: NewLocationDenied("unable to find configMap"), ("header %s is not allowed, ..."); configmap.go
  // global-allowed-response-headers (default none); nginx.tmpl `more_set_headers "NAME: VALUE"`.
  const map = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: hdrs, namespace: web}\ndata: {X-Frame-Options: DENY, X-Team: web}\n";
  const cm = (allowed: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {global-allowed-response-headers: "${allowed}"}\n`;
  const site = ingress("hdr", "h.example.com", "/", "Prefix", { [N + "custom-headers"]: "web/hdrs" }) + ingress("gone", "g.example.com", "/", "Prefix", { [N + "custom-headers"]: "web/absent" });
  const denied = asker(map + site)("h.example.com", "/");
  assert.equal(denied.status, 503, "the default allows no header (was 200)");
  assert.match(denied.reason, /header X-Frame-Options is not allowed/);
  assert.equal(asker(map + site + cm("X-Frame-Options"))("h.example.com", "/").status, 503, "X-Team is not listed");
  const served = asker(map + site + cm("X-Frame-Options, X-Team"))("h.example.com", "/");
  assert.deepEqual([served.status, served.responseHeaders?.["X-Frame-Options"], served.responseHeaders?.["X-Team"]], [200, "DENY", "web"]);
  assert.match(asker(map + site + cm("X-Frame-Options, X-Team"))("g.example.com", "/").reason, /unable to find configMap "web\/absent".*503/);
});

test("enable-cors on a host with TLS: an OPTIONS on port 80 is the CORS block's 204 before the HTTPS redirect, and the redirect carries the CORS headers (was: 308 without them)", () => {
  // nginx.tmpl: the CORS block's `if ... { return 204; }` is ngx_http_rewrite_module's, which runs before rewrite_by_lua
  // (lua_ingress.lua's redirect_to_https); more_set_headers sets the headers on every answer of the location.
  const walk = nginxWalker(BASE + ingress("api", "api.example.com", "/", "Prefix", { [N + "enable-cors"]: "true" }, "  tls: [{hosts: [api.example.com]}]\n"));
  const pre = walk({ host: "api.example.com", path: "/x", method: "OPTIONS", headers: [["Origin", "https://o.example.org"]] });
  assert.equal(pre.status, 204, "was 308");
  const get = walk({ host: "api.example.com", path: "/x", headers: [["Origin", "https://o.example.org"]] });
  assert.deepEqual([get.status, get.responseHeaders?.location, get.responseHeaders?.["access-control-allow-origin"]], [308, "https://api.example.com/x", "*"], "was without the CORS header");
});

test("use-regex on one namespace's Ingress makes every location of the host's server a regular expression, another namespace's too (was: only its own namespace's: 404)", () => {
  // template.go enforceRegexModifier over $server.Locations: a server is a host of the class, whatever the Ingresses' namespaces.
  const shop = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: app, namespace: shop}\nspec: {ports: [{port: 80}]}\n";
  const ask = asker(shop + ingress("a", "x.example.com", "/api/v[0-9]+", "ImplementationSpecific", { [N + "use-regex"]: "true" })
    + ingress("b", "x.example.com", "/Static", "Prefix", {}).replace("namespace: web", "namespace: shop"));
  const at = (path: string) => { const r = ask("x.example.com", path); return [r.status, r.backend]; };
  assert.deepEqual(at("/static/x"), [200, "shop/app"], "~* \"^/Static/\": case-insensitive (was 404)");
  assert.deepEqual(at("/Staticfoo"), [200, "shop/app"], "the exact location /Static as ~* \"^/Static\" (was 404)");
  assert.deepEqual(at("/API/v2"), [200, "web/app"]);
});

test("nginx.tmpl's order: enable-cors before permanent-redirect's return (a preflight 204, the redirect with the CORS headers); app-root's server-level 302 before client_max_body_size (was: the redirect alone; 413)", () => {
  const walk = nginxWalker(BASE + ingress("moved", "m.example.com", "/", "Prefix", { [N + "enable-cors"]: "true", [N + "permanent-redirect"]: "https://new.example.org/" })
    + ingress("root", "r.example.com", "/", "Prefix", { [N + "app-root"]: "/app" }));
  const pre = walk({ host: "m.example.com", path: "/x", method: "OPTIONS", headers: [["Origin", "https://o.example.org"]] });
  assert.equal(pre.status, 204, "was 301");
  const get = walk({ host: "m.example.com", path: "/x" });
  assert.deepEqual([get.status, get.responseHeaders?.location, get.responseHeaders?.["access-control-allow-origin"]], [301, "https://new.example.org/", "*"]);
  const big = walk({ host: "r.example.com", path: "/", method: "POST", headers: [["Content-Length", "5000000"]] });
  assert.deepEqual([big.status, big.responseHeaders?.location], [302, "http://r.example.com/app"], "`if ($uri = /)` in the server block: its rewrite phase comes first");
  assert.equal(walk({ host: "r.example.com", path: "/x", method: "POST", headers: [["Content-Length", "5000000"]] }).status, 413);
});

test("nginx's 301 from /guide to a Prefix location /guide/ is stopped by an exact location /guide of any namespace's Ingress of the host (was: the 301, by route order)", () => {
  // ngx_http_core_find_location: "= /guide" matches first; auto_redirect only for the prefix location's name.
  const shop = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: app, namespace: shop}\nspec: {ports: [{port: 80}]}\n";
  const ask = asker(shop + ingress("a", "t.example.com", "/guide/", "Prefix", {}) + ingress("b", "t.example.com", "/guide", "Exact", {}).replace("namespace: web", "namespace: shop"));
  assert.deepEqual([ask("t.example.com", "/guide").status, ask("t.example.com", "/guide").backend], [200, "shop/app"], "was 301");
  assert.equal(ask("t.example.com", "/guide/x").backend, "web/app");
  assert.equal(asker(ingress("a", "t.example.com", "/guide/", "Prefix", {}))("t.example.com", "/guide").status, 301, "alone: nginx's 301");
});
