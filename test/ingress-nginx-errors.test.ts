// ingress-nginx's custom error pages (custom-http-errors), which Junction did not read: an error the location answers
// (nginx's own, or with proxy_intercept_errors the backend's) is answered by the default backend instead. Upstream:
// rootfs/etc/nginx/template/nginx.tmpl (`error_page {{ $errCode }} = @custom_{{ $location.DefaultBackendUpstreamName }}_
// {{ $errCode }}`, the http block's for the ConfigMap's codes, template "CUSTOM_ERRORS": X-Code, `rewrite (.*) / break`),
// controller.go getBackendServers (custom-default-backend-NS-NAME) and getDefaultUpstream (--default-backend-service,
// else 127.0.0.1:8181, nginx.tmpl's default server `return 404;`), template/configmap.go filterErrors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { appIngress, ingressClass, nginxWalker, WEB_APP } from "./fixtures/ingress-nginx.js";

const N = "nginx.ingress.kubernetes.io/";
const BASE = ingressClass("nginx", "k8s.io/ingress-nginx") + WEB_APP + `---
apiVersion: v1
kind: Service
metadata: {name: down, namespace: web}
spec: {selector: {app: nothing}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: errors, namespace: web}
spec: {ports: [{port: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: web, labels: {app: other}}
spec: {containers: [{name: c, image: c}]}
status: {podIP: 10.1.0.9}
`;
const cm = (data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {${data}}\n`;
const ingress = (name: string, host: string, annotations: Record<string, string>, backend = "app") =>
  appIngress(name, host, "/", "Prefix", annotations, "  ingressClassName: nginx\n").replace("name: app,", `name: ${backend},`);

function asker(yaml: string) {
  const walk = nginxWalker(BASE + yaml);
  return (host: string, path = "/") => walk({ host, path });
}

test("custom-http-errors: nginx's own error (no endpoint: 503) is answered by the default backend, nginx's 404 server without --default-backend-service (was 503)", () => {
  const ask = asker(ingress("down", "down.example.com", { [N + "custom-http-errors"]: "404, 503" }, "down") + ingress("plain", "plain.example.com", {}, "down"));
  const r = ask("down.example.com");
  assert.equal(r.status, 404, "was 503");
  assert.match(r.reason, /error_page 503 = @custom_upstream-default-backend_503.*answers 404/);
  assert.equal(ask("plain.example.com").status, 503, "no custom-http-errors: the balancer's 503");
});

test("custom-http-errors with default-backend: the backend's error (proxy_intercept_errors) goes to that Service as / (the method kept) with X-Code; disable-proxy-intercept-errors lets it through (was: the backend's answer)", () => {
  const ann = { [N + "custom-http-errors"]: "500", [N + "default-backend"]: "errors" };
  const ask = asker(ingress("app", "app.example.com", ann) + ingress("raw", "raw.example.com", { ...ann, [N + "disable-proxy-intercept-errors"]: "true" }));
  const r = ask("app.example.com", "/api/x?responseCode=500");
  assert.equal(r.backend, "web/errors", "was web/app");
  assert.equal(r.upstream?.path, "/?responseCode=500", "rewrite (.*) / break: the arguments kept");
  assert.equal(r.upstream?.headers?.["X-Code"], "500");
  assert.equal(r.upstream?.headers?.["X-Original-URI"], "/api/x?responseCode=500");
  assert.equal(r.upstream?.headers?.["X-Service-Name"], "app");
  assert.deepEqual([ask("app.example.com", "/ok").status, ask("app.example.com", "/ok").backend], [200, "web/app"], "no error: the backend's answer");
  assert.deepEqual([ask("raw.example.com", "/?responseCode=500").status, ask("raw.example.com", "/?responseCode=500").backend], [500, "web/app"], "not intercepted");
  assert.equal(ask("app.example.com", "/?responseCode=502").backend, "web/app", "a code not listed");
  // nginx's error_page: "If there is no need to change URI and method during internal redirection it is possible to pass error processing into a named location".
  const post = nginxWalker(BASE + ingress("app", "app.example.com", ann))({ host: "app.example.com", path: "/?responseCode=500", method: "POST" });
  assert.deepEqual([post.backend, post.upstream?.method], ["web/errors", "POST"]);
  assert.match(post.reason, /asked POST \//, "it said GET");
  // nginx.tmpl CUSTOM_ERRORS: proxy_set_header X-Code ... replace those headers; the client's others are passed (proxy_pass_request_headers).
  const sent = nginxWalker(BASE + ingress("app", "app.example.com", ann))({ host: "app.example.com", path: "/?responseCode=500", headers: [["cookie", "session=1"], ["x-code", "999"], ["x-forwarded-for", "6.6.6.6"]] });
  assert.equal(sent.upstream?.headers?.["cookie"], "session=1", "the client's headers reach the error backend (they were dropped)");
  assert.deepEqual(sent.upstream?.headerList?.filter(([n]) => n.toLowerCase() === "x-code"), [["X-Code", "500"]]);
  assert.equal(sent.upstream?.headers?.["x-forwarded-for"], undefined, "$remote_addr, not the client's");
});

test("the ConfigMap's custom-http-errors is every location's without the annotation (a deny's 403 included), and a location's own codes replace it (was 403)", () => {
  const yaml = ingress("locked", "locked.example.com", { [N + "whitelist-source-range"]: "10.0.0.0/8" })
    + ingress("own", "own.example.com", { [N + "whitelist-source-range"]: "10.0.0.0/8", [N + "custom-http-errors"]: "404" })
    + cm(`custom-http-errors: "403,abc,200"`);
  const ask = asker(yaml);
  assert.equal(ask("locked.example.com").status, 404, "was 403");
  assert.equal(ask("own.example.com").status, 403, "the location's error_page lines replace the http block's");
});

test("the ConfigMap's custom-http-errors go to upstream-default-backend even where the location has a default-backend (the http block's error_page lines; it took the custom default backend)", () => {
  // controller.go: `loc.CustomHTTPErrors = anns.CustomHTTPErrors` (the annotation's only), so DefaultBackendUpstreamName names the custom
  // default backend only for a location's own codes; nginx.tmpl's http block: `error_page CODE = @custom_upstream-default-backend_CODE`.
  const ask = asker(ingress("app", "app.example.com", { [N + "default-backend"]: "errors" }) + ingress("own", "own.example.com", { [N + "default-backend"]: "errors", [N + "custom-http-errors"]: "500" }) + cm(`custom-http-errors: "500"`));
  const r = ask("app.example.com", "/?responseCode=500");
  assert.deepEqual([r.status, r.backend], [404, null], "nginx's own default server (no --default-backend-service), not web/errors");
  assert.match(r.reason, /@custom_upstream-default-backend_500/);
  assert.equal(ask("own.example.com", "/?responseCode=500").backend, "web/errors", "the annotation's codes: the custom default backend");
});

test("--default-backend-service: the controller's default backend answers the custom error pages", () => {
  const controller = `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ctl, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app: ctl}}
  template:
    metadata: {labels: {app: ctl}}
    spec:
      containers:
      - {name: controller, image: c, args: [/nginx-ingress-controller, --default-backend-service=ingress-nginx/pages]}
---
apiVersion: v1
kind: Service
metadata: {name: pages, namespace: ingress-nginx}
spec: {ports: [{port: 8080}]}
`;
  const r = asker(controller + ingress("down", "down.example.com", { [N + "custom-http-errors"]: "503" }, "down"))("down.example.com");
  assert.deepEqual([r.status, r.backend, r.upstream?.headers?.["X-Code"]], [200, "ingress-nginx/pages", "503"], "was 503");
  // getDefaultUpstream: a --default-backend-service without endpoints leaves nginx's own 404 server (127.0.0.1:8181).
  const empty = controller.replace("spec: {ports: [{port: 8080}]}", "spec: {selector: {app: nothing}, ports: [{port: 8080}]}");
  const none = asker(empty + ingress("down", "down.example.com", { [N + "custom-http-errors"]: "503" }, "down"))("down.example.com");
  assert.deepEqual([none.status, none.backend], [404, null]);
  assert.match(none.reason, /--default-backend-service ingress-nginx\/pages has no ready endpoint/);
});

test("service-upstream: nginx proxies to the Service's ClusterIP, so a Service without endpoints is kube-proxy's refused connection, 502, and no default-backend takes over (was 503 / the default backend)", () => {
  // controller.go getBackendServers: `if anns.ServiceUpstream { endpoint, err := n.getServiceClusterEndpoint(...) ... Endpoints = []ingress.Endpoint{endpoint} }`.
  const su = { [N + "service-upstream"]: "true" };
  const ask = asker(ingress("su", "su.example.com", su, "down") + ingress("fb", "fb.example.com", { ...su, [N + "default-backend"]: "errors" }, "down")
    + ingress("plain", "plain.example.com", {}, "down"));
  assert.equal(ask("plain.example.com").status, 502, "the upstream web-down-80 is shared: web/fb created it, with service-upstream");
  const r = ask("su.example.com");
  assert.equal(r.status, 502, "was 503");
  assert.match(r.reason, /ClusterIP.*502/);
  assert.equal(ask("fb.example.com").status, 502, "the upstream has an endpoint: getBackendServers does not use the custom default backend (was 200 from web/errors)");
  assert.equal(asker(ingress("plain", "plain.example.com", {}, "down"))("plain.example.com").status, 503, "the endpoints: the balancer's 503");
  // The first Ingress in the controller's order (creationTimestamp, then namespace/name descending: store.go
  // sortIngressSlice) creates the upstream web-down-80, and decides for every location using it.
  const shared = asker(ingress("a", "a.example.com", {}, "down") + ingress("b", "b.example.com", su, "down"));
  assert.equal(shared("a.example.com").status, 502, "no timestamps: web/b comes first, with service-upstream");
  const older = asker(ingress("a", "a.example.com", {}, "down").replace("name: a\n", "name: a\n  creationTimestamp: 2024-01-01T00:00:00Z\n")
    + ingress("b", "b.example.com", su, "down").replace("name: b\n", "name: b\n  creationTimestamp: 2025-01-01T00:00:00Z\n"));
  assert.equal(older("b.example.com").status, 503, "web/a is older: it created the upstream, without service-upstream");
  const headless = `---\napiVersion: v1\nkind: Service\nmetadata: {name: hl, namespace: web}\nspec: {clusterIP: None, selector: {app: nothing}, ports: [{port: 80}]}\n`;
  assert.equal(asker(headless + ingress("hl", "hl.example.com", su, "hl"))("hl.example.com").status, 503, "a headless Service has no ClusterIP: its endpoints");
});

test("HSTS: an HTTPS answer for a host with a certificate configured carries Strict-Transport-Security, as the ConfigMap's hsts-* write it (was: none)", () => {
  // lua_ingress.lua header(): `if config.hsts and ngx.var.scheme == "https" and certificate_configured_for_current_request`;
  // config.go: hsts true, hsts-max-age 31536000, hsts-include-subdomains true, hsts-preload false.
  const tls = appIngress("t", "t.example.com", "/", "Prefix", {}, "  ingressClassName: nginx\n  tls: [{hosts: [t.example.com]}]\n");
  const plain = ingress("p", "p.example.com", {});
  const walk = (yaml: string, host: string, scheme: "http" | "https") => nginxWalker(BASE + yaml)({ host, scheme }).responseHeaders["Strict-Transport-Security"];
  assert.equal(walk(tls + plain, "t.example.com", "https"), "max-age=31536000; includeSubDomains", "was undefined");
  assert.equal(walk(tls + plain, "t.example.com", "http"), undefined, "plain HTTP (the 308 to HTTPS)");
  assert.equal(walk(tls + plain, "p.example.com", "https"), undefined, "no certificate configured for the host (the default one answers)");
  assert.equal(walk(tls + cm(`hsts: "false"`), "t.example.com", "https"), undefined);
  assert.equal(walk(tls + cm(`hsts-max-age: "60", hsts-include-subdomains: "false", hsts-preload: "true"`), "t.example.com", "https"), "max-age=60; preload");
});

test("the ConfigMap's custom-http-errors are not inherited by a server with auth-tls-error-page nor a location with auth-signin: their own error_page lines stop nginx's inheritance (was: the default backend's 404)", () => {
  // ngx_http_core_merge_loc_conf: `if (conf->error_pages == NULL && prev->error_pages) conf->error_pages = prev->error_pages`;
  // nginx.tmpl writes `error_page 495 496 = PAGE` in the server (auth-tls-error-page), `error_page 401 = @SIGNIN` in the location.
  const tls = { [N + "auth-tls-secret"]: "web/ca", [N + "auth-tls-error-page"]: "https://login.example.com/cert" };
  const ask = asker(cm(`custom-http-errors: "503"`) + ingress("plain", "plain.example.com", {}, "down") + ingress("mtls", "mtls.example.com", tls, "down")
    + ingress("own", "own.example.com", { ...tls, [N + "custom-http-errors"]: "503" }, "down"));
  assert.equal(ask("plain.example.com").status, 404, "the http block's error_page 503: the default backend");
  assert.equal(ask("mtls.example.com").status, 503, "the server's own error_page 495 496: the balancer's 503 (was 404)");
  assert.equal(ask("own.example.com").status, 404, "the location's own custom-http-errors still apply");
});
