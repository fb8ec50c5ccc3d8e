// Several ingress-nginx controllers in one cluster: each Ingress is served by the controller of its class, with that
// controller's ConfigMap and pods. Upstream: pkg/flags/flags.go (--controller-class, --ingress-class,
// --ingress-class-by-name, --watch-ingress-without-class, --configmap); internal/ingress/controller/store/store.go
// (the IngressClass event handler keeps `ingressclass.Spec.Controller == icConfig.Controller`, or by name;
// GetIngressClass: spec.ingressClassName, else the annotation `class != icConfig.AnnotationValue` → ignored, else
// WatchWithoutClass → "_").

import { test } from "node:test";
import assert from "node:assert/strict";
import { requestProblem, walkContext, walkRequest } from "../src/engine/request.js";
import { ingressControllerPods } from "../src/engine/endpoints.js";
import type { RouteRequest } from "../src/model/request.js";
import { cli, load } from "./helpers.js";
import { loadFiles } from "../src/sources/load.js";
import { appIngress, ingressClass, WEB_APP } from "./fixtures/ingress-nginx.js";

const N = "nginx.ingress.kubernetes.io/";

const cls = ingressClass;

const controller = (ns: string, args: string[], cm?: string) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ctl, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ctl-${ns}}}
  template:
    metadata: {labels: {app: ctl-${ns}}}
    spec:
      containers:
      - name: controller
        image: registry.k8s.io/ingress-nginx/controller:v1.12.0
        args: ${JSON.stringify(["/nginx-ingress-controller", ...args])}
        env: [{name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}]
${cm !== undefined ? `---
apiVersion: v1
kind: ConfigMap
metadata: {name: ctl, namespace: ${ns}}
data: {${cm}}
` : ""}---
apiVersion: v1
kind: Pod
metadata: {name: ctl-0, namespace: ${ns}, labels: {app: ctl-${ns}}}
spec: {containers: [{name: controller, image: c}]}
status: {podIP: ${ns === "public" ? "10.9.0.1" : "10.9.0.2"}}
`;

const BASE = WEB_APP;

/** An Ingress for host `host`: `cls` as spec.ingressClassName, or {annotation} as the legacy annotation, or none. */
const ingress = (name: string, host: string, cls: string | { annotation: string } | undefined, annotations: Record<string, string> = {}) =>
  appIngress(name, host, "/", "Prefix", typeof cls === "object" ? { ...annotations, "kubernetes.io/ingress.class": cls.annotation } : annotations, typeof cls === "string" ? `  ingressClassName: ${cls}\n` : "");

// The public controller (the Helm chart's defaults) first, the internal one (another controller class, a ConfigMap allowing 10/8 only) second.
const PUBLIC = cls("nginx", "k8s.io/ingress-nginx") + controller("public", ["--controller-class=k8s.io/ingress-nginx", "--ingress-class=nginx", "--configmap=$(POD_NAMESPACE)/ctl"], `ssl-redirect: "false"`);
const INTERNAL = (more: string[] = []) => cls("internal", "k8s.io/internal-nginx") + controller("internal", ["--controller-class=k8s.io/internal-nginx", "--ingress-class=internal", "--configmap=$(POD_NAMESPACE)/ctl", ...more], `whitelist-source-range: "10.0.0.0/8"`);

function ask(yaml: string, gateway: string, host: string, from = "ip:203.0.113.9") {
  const loaded = load({ "in.yaml": BASE + yaml });
  assert.ok(!loaded.diagnostics.hasErrors, loaded.diagnostics.errors.map((e) => e.message).join("; "));
  const ctx = walkContext(loaded.inventory);
  const req: RouteRequest = { gateway, from, scheme: "http", host, path: "/", method: "GET", headers: [], backendResponseHeaders: [] };
  const problem = requestProblem(ctx, req);
  if (problem) throw new Error(problem);
  return walkRequest(ctx, req);
}

test("each Ingress gets the ConfigMap of the controller of its class (was: the first controller's for every class: the internal class's allowlist lost, a wrong allowed)", () => {
  const yaml = PUBLIC + INTERNAL() + ingress("site", "site.example.com", "nginx") + ingress("intra", "intra.example.com", "internal");
  assert.equal(ask(yaml, "IngressClass/nginx", "site.example.com").status, 200, "the public controller has no allowlist");
  const intra = ask(yaml, "IngressClass/internal", "intra.example.com");
  assert.equal(intra.status, 403, "the internal controller's whitelist-source-range (was 200)");
  assert.match(intra.reason, /outside allowlist-source-range 10\.0\.0\.0\/8/);
  assert.equal(ask(yaml, "IngressClass/internal", "intra.example.com", "ip:10.1.1.1").status, 200);
  // The other order of the input: the internal controller's ConfigMap is not the public class's (was 403 for site).
  const reversed = INTERNAL() + PUBLIC + ingress("site", "site.example.com", "nginx") + ingress("intra", "intra.example.com", "internal");
  assert.equal(ask(reversed, "IngressClass/nginx", "site.example.com").status, 200, "was 403");
  assert.equal(ask(reversed, "IngressClass/internal", "intra.example.com").status, 403);
});

test("the legacy annotation picks the controller whose --ingress-class it is; --watch-ingress-without-class takes class-less Ingresses (was: skipped)", () => {
  const byAnnotation = PUBLIC + INTERNAL() + ingress("intra", "intra.example.com", { annotation: "internal" });
  assert.equal(ask(byAnnotation, "IngressClass/internal", "intra.example.com").status, 403, "kubernetes.io/ingress.class: internal → the internal controller's ConfigMap");
  // No default IngressClass: the controller watching Ingresses without class serves it, with its own ConfigMap.
  const classless = PUBLIC + INTERNAL(["--watch-ingress-without-class=true"]) + ingress("bare", "bare.example.com", undefined);
  const bare = ask(classless, "IngressClass/internal", "bare.example.com");
  assert.equal(bare.status, 403, "served by the internal controller, judged by its allowlist (was: no route)");
  assert.equal(ask(classless, "IngressClass/internal", "bare.example.com", "ip:10.2.2.2").status, 200);
  // Without the flag nobody serves it.
  const nobody = load({ "in.yaml": BASE + PUBLIC + INTERNAL() + ingress("bare", "bare.example.com", undefined) });
  assert.ok(!nobody.inventory.routing.routes.some((r) => r.derivedFrom?.name === "bare"));
});

test("the controller pods of a class are its controller's (exposure and the source nginx sees), not every controller's", () => {
  const loaded = load({ "in.yaml": BASE + PUBLIC + INTERNAL() + ingress("site", "site.example.com", "nginx") + ingress("intra", "intra.example.com", "internal") });
  const names = (c?: string) => ingressControllerPods(loaded.inventory, c).map((p) => `${p.namespace}/${p.owner?.name ?? p.name}`).sort();
  assert.deepEqual(names("nginx"), ["public/ctl"]);
  assert.deepEqual(names("internal"), ["internal/ctl"]);
  assert.deepEqual(names(), ["internal/ctl", "public/ctl"], "{ingress-controller}: every controller's");
  assert.deepEqual(names("other"), [], "a class no controller of the input serves: none of theirs");
});

test("controllers sharing a --controller-class with different ConfigMaps are warned about; --ingress-class-by-name keeps the class of that name whatever its controller", () => {
  const twin = controller("public", ["--configmap=$(POD_NAMESPACE)/ctl"], "") + controller("other", ["--configmap=other/ctl"]).replace("name: ctl, namespace: other}\nspec:", "name: ctl2, namespace: other}\nspec:");
  const loaded = load({ "in.yaml": BASE + cls("nginx", "k8s.io/ingress-nginx") + twin });
  assert.match(loaded.diagnostics.items.map((d) => d.message).join("\n"), /serves the IngressClasses of controller k8s\.io\/ingress-nginx, as Deployment public\/ctl does, with another ConfigMap/);
  const byName = cls("edge", "example.com/other") + controller("internal", ["--ingress-class=edge", "--ingress-class-by-name", "--configmap=$(POD_NAMESPACE)/ctl"], `whitelist-source-range: "10.0.0.0/8"`)
    + ingress("e", "edge.example.com", "edge", { [N + "ssl-redirect"]: "false" });
  assert.equal(ask(byName, "IngressClass/edge", "edge.example.com").status, 403, "the by-name controller's allowlist");
});

test("two controllers of one class with different settings: the answer depends on which one a request reaches, unknown with the reason (was: the first's ConfigMap)", () => {
  // Each controller is its own nginx (store.go keeps the IngressClass in each: `ingressclass.Spec.Controller == icConfig.Controller`),
  // with its own --configmap (flags.go) and load balancer: a request reaches one of them.
  const second = (cm: string) => controller("other", ["--configmap=$(POD_NAMESPACE)/ctl"], cm).replace("name: ctl, namespace: other}\nspec:", "name: ctl2, namespace: other}\nspec:");
  const first = cls("nginx", "k8s.io/ingress-nginx") + controller("public", ["--configmap=$(POD_NAMESPACE)/ctl"], `whitelist-source-range: "10.0.0.0/8"`);
  const site = ingress("site", "site.example.com", "nginx", { [N + "ssl-redirect"]: "false" });
  const split = ask(first + second(`ssl-redirect: "false"`) + site, "IngressClass/nginx", "site.example.com");
  assert.equal(split.status, null, "one controller allows 10/8 only, the other everyone (was 403, the first's)");
  assert.match(split.unknown ?? "", /ingress-nginx class "nginx" is served by 2 controllers, each its own nginx: Deployment public\/ctl \(--configmap=public\/ctl\), Deployment other\/ctl2 \(--configmap=other\/ctl\); their settings differ \(whitelist-source-range, ssl-redirect\), so the answer depends on which one the request reaches/);
  const alike = ask(first + second(`whitelist-source-range: "10.0.0.0/8"`) + site, "IngressClass/nginx", "site.example.com");
  assert.equal(alike.status, 403, "the same settings: one answer");
  // A ConfigMap writing the defaults is alike one writing nothing Junction reads (was: 'their settings differ (denylist-source-range, ssl-redirect, hsts)').
  const defaults = cls("nginx", "k8s.io/ingress-nginx") + controller("public", ["--configmap=$(POD_NAMESPACE)/ctl"], `ssl-redirect: "true", hsts: "true", annotations-risk-level: High`);
  assert.equal(ask(defaults + second(`use-proxy-protocol: "false"`) + site, "IngressClass/nginx", "site.example.com").status, 200);
  const missing = first + controller("other", ["--configmap=other/absent"]).replace("name: ctl, namespace: other}\nspec:", "name: ctl2, namespace: other}\nspec:");
  assert.match(ask(missing + site, "IngressClass/nginx", "site.example.com").unknown ?? "", /ConfigMap/, "a ConfigMap not in the input: its settings are unknown");
});

test("ssl-passthrough: with the controller's --enable-ssl-passthrough the host's TLS goes to its root location's backend and nginx still serves port 80; without the flag nginx ends TLS itself (was: its paths taken off HTTP)", () => {
  // nginx.go: `if n.cfg.EnableSSLPassthrough { n.setupSSLProxy() }`; template.go httpsListener: 443 is nginx's own TLS without it;
  // controller.go getConfiguration: passthrough for the root location only, every server still in nginx.conf.
  const pass = ingress("p", "p.example.com", "nginx", { [N + "ssl-passthrough"]: "true" });
  const ctl = (flags: string[]) => cls("nginx", "k8s.io/ingress-nginx") + controller("public", ["--configmap=$(POD_NAMESPACE)/ctl", ...flags], `ssl-redirect: "false"`);
  const tls = (yaml: string) => {
    const loaded = load({ "in.yaml": BASE + yaml });
    return walkRequest(walkContext(loaded.inventory), { gateway: "IngressClass/nginx", scheme: "https", host: "p.example.com", path: "/", method: "GET", headers: [], backendResponseHeaders: [], protocol: "tls-passthrough" });
  };
  assert.equal(ask(ctl([]) + pass, "IngressClass/nginx", "p.example.com").status, 200, "no --enable-ssl-passthrough: served over HTTP (was 404)");
  assert.doesNotMatch(tls(ctl([]) + pass).reason, /TLS passthrough/, "nginx ends TLS");
  assert.equal(ask(ctl(["--enable-ssl-passthrough"]) + pass, "IngressClass/nginx", "p.example.com").status, 200, "port 80 is still nginx's server (was 404)");
  assert.match(tls(ctl(["--enable-ssl-passthrough"]) + pass).reason, /TLSRoute .* \(TLS passthrough\)/, "443: by SNI to the root location's backend");
  // No controller in the input: pkg/flags/flags.go `flags.Bool("enable-ssl-passthrough", false, ...)`, which the Helm chart
  // sets only through controller.extraArgs: 443 is unknown (was: passthrough assumed), port 80 nginx's server either way.
  const none = cls("nginx", "k8s.io/ingress-nginx") + pass;
  const t = tls(none);
  assert.deepEqual([t.status, t.backend], [null, null], "was: TLS passthrough to web/app");
  assert.match(t.reason, /--enable-ssl-passthrough \(default false\).*no ingress-nginx controller of class "nginx"/);
  const loaded = load({ "in.yaml": BASE + none });
  const https = walkRequest(walkContext(loaded.inventory), { gateway: "IngressClass/nginx", scheme: "https", host: "p.example.com", path: "/", method: "GET", headers: [], backendResponseHeaders: [] });
  assert.equal(https.status, null, "HTTPS: unknown too");
  assert.equal(ask(none, "IngressClass/nginx", "p.example.com").status, 200, "port 80: nginx's server");
});

test("--watch-namespace: a controller reads the Ingresses of its namespace only; one elsewhere is served by no controller of the input (was: served)", () => {
  // flags.go --watch-namespace; store.go New: informers.WithNamespace(namespace).
  const scoped = cls("nginx", "k8s.io/ingress-nginx") + controller("public", ["--configmap=$(POD_NAMESPACE)/ctl", "--watch-namespace=web"], `ssl-redirect: "false"`);
  assert.equal(ask(scoped + ingress("site", "site.example.com", "nginx"), "IngressClass/nginx", "site.example.com").status, 200, "its namespace");
  const other = scoped.replace("--watch-namespace=web", "--watch-namespace=shop");
  const loaded = load({ "in.yaml": BASE + other + ingress("site", "site.example.com", "nginx") });
  assert.ok(!loaded.inventory.routing.routes.some((r) => r.derivedFrom?.name === "site"), "not routed (was)");
});

test("--watch-namespace-selector: a controller reads the Ingresses of the namespaces its selector matches; with --watch-namespace too, or unparsable, it does not start (was: served)", () => {
  // flags.go: labels.Parse(--watch-namespace-selector), "flags --watch-namespace and --watch-namespace-selector are mutually exclusive"; store.go watchedNamespace.
  const routed = (args: string[], labels = "{team: a, tier: web}") => {
    const ns = WEB_APP.replace("metadata: {name: web}", `metadata: {name: web, labels: ${labels}}`);
    const loaded = load({ "in.yaml": ns + cls("nginx", "k8s.io/ingress-nginx") + controller("public", args) + ingress("site", "site.example.com", "nginx") });
    return loaded.inventory.routing.routes.some((r) => r.derivedFrom?.name === "site");
  };
  assert.equal(routed(["--watch-namespace-selector=team=a"]), true);
  assert.equal(routed(["--watch-namespace-selector=team in (b, c)"]), false, "was routed");
  assert.equal(routed(["--watch-namespace-selector", "team=a,tier!=web"]), false, "!= a label it has");
  assert.equal(routed(["--watch-namespace-selector=!legacy,kubernetes.io/metadata.name=web"]), true, "the namespace's automatic name label");
  assert.equal(routed(["--watch-namespace-selector=team=a", "--watch-namespace=web"]), false, "mutually exclusive: the controller exits");
  assert.equal(routed(["--watch-namespace-selector=team in a"]), false, "not a selector: the controller exits");
});

test("controllers of one class disagreeing on annotations-risk-level: an Ingress one of them rejects is unknown, not rejected; --ingress-controller answers as one (was: the first controller's verdict, the Ingress gone)", async () => {
  // controller.go CheckAnnotationRisk(anns, riskLevel) per controller, each with its own --configmap (flags.go).
  const second = controller("other", ["--configmap=$(POD_NAMESPACE)/ctl"], `ssl-redirect: "false"`).replace("name: ctl, namespace: other}\nspec:", "name: ctl2, namespace: other}\nspec:");
  const critical = controller("public", ["--configmap=$(POD_NAMESPACE)/ctl"], `annotations-risk-level: Critical, ssl-redirect: "false"`);
  const snip = ingress("snip", "s.example.com", "nginx", { [N + "configuration-snippet"]: "return 403;" });
  // The controller at the default level (High) first: it rejects the Critical snippet, the other serves it.
  const yaml = BASE + cls("nginx", "k8s.io/ingress-nginx") + second + critical + snip;
  const r = ask(yaml.slice(BASE.length), "IngressClass/nginx", "s.example.com");
  assert.equal(r.status, null, "was: no route (rejected by the first controller)");
  assert.match(r.unknown ?? "", /their settings differ \(annotations-risk-level\).*--ingress-controller/);
  const as = (name: string) => {
    const loaded = loadFiles([{ name: "in.yaml", text: yaml }], undefined, { ingressController: name });
    assert.ok(!loaded.diagnostics.hasErrors, loaded.diagnostics.errors.map((e) => e.message).join("; "));
    return loaded.inventory;
  };
  const served = walkRequest(walkContext(as("public/ctl")), { gateway: "IngressClass/nginx", from: "ip:203.0.113.9", scheme: "http", host: "s.example.com", path: "/", method: "GET", headers: [], backendResponseHeaders: [] });
  assert.deepEqual([served.status, served.backend], [200, "web/app"], "the Critical controller serves it (the snippet dropped: allow-snippet-annotations off)");
  assert.ok(!as("Deployment/other/ctl2").routing.routes.some((x) => x.derivedFrom?.name === "snip"), "the default-level controller rejects it");
  const wrong = await cli(["route", "-f", "-", "-q", "--ingress-controller", "nope/x", "--request", "GET http://s.example.com/"], yaml);
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /--ingress-controller nope\/x: no ingress-nginx controller .* the input's: Deployment other\/ctl2, Deployment public\/ctl/);
});

test("a controller's --configmap setting only keys read since (proxy-body-size, hsts, custom-http-errors, ...) is its ConfigMap (was: skipped, the defaults)", () => {
  // configmap.go ReadConfig reads every key of the ConfigMap --configmap names.
  const yaml = BASE + cls("nginx", "k8s.io/ingress-nginx") + controller("public", ["--configmap=$(POD_NAMESPACE)/ctl"], `proxy-body-size: 20m, hsts: "false"`)
    + appIngress("site", "site.example.com", "/", "Prefix", {}, "  ingressClassName: nginx\n  tls: [{hosts: [site.example.com]}]\n");
  const walk = (scheme: "http" | "https", headers: [string, string][]) => walkRequest(walkContext(load({ "in.yaml": yaml }).inventory), { gateway: "IngressClass/nginx", from: "ip:203.0.113.9", scheme, host: "site.example.com", path: "/", method: "POST", headers, backendResponseHeaders: [] });
  const r = walk("https", [["Content-Length", "2000000"]]);
  assert.equal(r.status, 200, "proxy-body-size 20m (was 413: the default 1m)");
  assert.equal(r.responseHeaders?.["Strict-Transport-Security"], undefined, "hsts off (was on)");
});
