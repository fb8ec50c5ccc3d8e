// ingress-nginx's access checks on a location (model/nginx.ts NginxAccess), as `junction route`
// answers them through the Ingress class: source ranges by the client address the request gives,
// basic authentication, auth-url, and a location ingress-nginx denies. Upstream:
// internal/ingress/annotations/ipallowlist, ipdenylist, auth, authreq, annotations.go Extract
// (LocationDeniedError → `return 503`) and rootfs/etc/nginx/template/nginx.tmpl (deny lines, allow
// lines, `deny all`).

import { test } from "node:test";
import assert from "node:assert/strict";
import { requestProblem, walkContext, walkRequest } from "../src/engine/request.js";
import type { RouteRequest } from "../src/model/request.js";
import { cli, load, tempFiles } from "./helpers.js";

const BASE = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: v1
kind: Namespace
metadata: {name: web}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: web, labels: {app: client}}
spec: {containers: [{name: c, image: c}]}
status: {podIP: 10.1.2.3}
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: web, labels: {app: app}}
spec: {containers: [{name: c, image: c}]}
status: {podIP: 10.1.2.4}
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: web}
spec: {selector: {app: app}, ports: [{port: 80}]}
`;

const ingress = (annotations: Record<string, string>, extra = "") => `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: site
  namespace: web
  annotations: ${JSON.stringify(annotations)}
spec:
  ingressClassName: nginx
${extra}  rules:
  - host: site.example.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}]
`;

const N = "nginx.ingress.kubernetes.io/";

function ask(yaml: string, from?: string, headers: [string, string][] = [], scheme: "http" | "https" = "http") {
  const loaded = load({ "in.yaml": BASE + yaml });
  assert.ok(!loaded.diagnostics.hasErrors, loaded.diagnostics.errors.map((e) => e.message).join("; "));
  const ctx = walkContext(loaded.inventory);
  const req: RouteRequest = { gateway: "IngressClass/nginx", ...(from ? { from } : {}), scheme, host: "site.example.com", path: "/", method: "GET", headers, backendResponseHeaders: [] };
  const problem = requestProblem(ctx, req);
  if (problem) throw new Error(problem);
  return walkRequest(ctx, req);
}

test("allowlist-source-range (alias whitelist-source-range): a client outside gets 403; one inside reaches the backend; no client address counts as outside", () => {
  for (const key of ["allowlist-source-range", "whitelist-source-range"]) {
    const yaml = ingress({ [N + key]: "10.0.0.0/8, 192.168.1.7" });
    assert.equal(ask(yaml, "web/client").status, 200, `${key}: the pod 10.1.2.3 is inside`);
    assert.equal(ask(yaml, "ip:192.168.1.7").status, 200, `${key}: a listed address`);
    const out = ask(yaml, "ip:203.0.113.9");
    assert.deepEqual([out.status, out.backend], [403, null], key);
    assert.match(out.reason, /client 203\.0\.113\.9 is outside allowlist-source-range 10\.0\.0\.0\/8, 192\.168\.1\.7\/32/);
    assert.equal(ask(yaml).status, 403, `${key}: without --from the address is unknown`);
  }
  assert.equal(ask(ingress({ [N + "allowlist-source-range"]: "10.0.0.0/8, 0.0.0.0/0" })).status, 200, "0.0.0.0/0 holds any address, an unknown one too");
  assert.equal(ask(ingress({ [N + "denylist-source-range"]: "0.0.0.0/0" })).status, 403);
  // allowlist-source-range wins over its alias; an empty one leaves the alias in force (parser checkAnnotation).
  assert.equal(ask(ingress({ [N + "allowlist-source-range"]: "203.0.113.0/24", [N + "whitelist-source-range"]: "10.0.0.0/8" }), "web/client").status, 403);
  assert.equal(ask(ingress({ [N + "allowlist-source-range"]: "", [N + "whitelist-source-range"]: "203.0.113.0/24" }), "ip:203.0.113.9").status, 200);
});

test("denylist-source-range comes first (deny lines before allow lines); a client it does not list passes", () => {
  const both = ingress({ [N + "denylist-source-range"]: "10.1.0.0/16", [N + "allowlist-source-range"]: "10.0.0.0/8" });
  assert.equal(ask(both, "web/client").status, 403, "10.1.2.3 is denied although the allowlist holds it");
  assert.equal(ask(both, "ip:10.2.0.1").status, 200);
  const deny = ingress({ [N + "denylist-source-range"]: "10.1.0.0/16" });
  assert.equal(ask(deny, "ip:203.0.113.9").status, 200);
  assert.equal(ask(deny).status, 200, "an unknown address is one the denylist does not hold");
});

test("an IPv4-mapped address in a source range is the IPv4 address, as Go's net.ParseIP reads it (ipnet.go ParseIPNets)", () => {
  assert.equal(ask(ingress({ [N + "denylist-source-range"]: "::ffff:10.1.2.3" }), "web/client").status, 403, "the denylist holds the IPv4 client");
  assert.equal(ask(ingress({ [N + "allowlist-source-range"]: "::ffff:10.1.2.3" }), "web/client").status, 200, "the allowlist holds the IPv4 client");
  assert.equal(ask(ingress({ [N + "allowlist-source-range"]: "::ffff:10.1.2.4" }), "web/client").status, 403);
});

test("a source range ingress-nginx cannot read denies the location: 503 for every client (LocationDeniedError)", () => {
  for (const bad of ["10.0.0.0/8, nonsense", "", "010.0.0.1"]) {
    const a = ask(ingress({ [N + "allowlist-source-range"]: bad }), "web/client");
    assert.equal(a.status, 503, JSON.stringify(bad));
    assert.match(a.reason, /ingress-nginx denies the location of Ingress web\/site/);
  }
});

test("the access phase comes after redirects: ssl-redirect and permanent-redirect answer every client", () => {
  const tls = `  tls: [{hosts: [site.example.com], secretName: site-tls}]\n`;
  const redirected = ask(ingress({ [N + "allowlist-source-range"]: "10.0.0.0/8" }, tls), "ip:203.0.113.9");
  assert.equal(redirected.status, 308, "ssl-redirect (rewrite phase) before allow/deny");
  assert.equal(ask(ingress({ [N + "allowlist-source-range"]: "10.0.0.0/8", [N + "permanent-redirect"]: "https://elsewhere.example.com/" }), "ip:203.0.113.9").status, 301);
});

test("auth-type basic: 401 without an Authorization header; a missing auth-secret (when Secrets are in the input) or none named denies the location; auth-url makes the answer unknown (was 200)", () => {
  const basic = ingress({ [N + "auth-type"]: "basic", [N + "auth-secret"]: "users" });
  const none = ask(basic, "web/client");
  assert.deepEqual([none.status, none.backend], [401, null]);
  const creds = ask(basic, "web/client", [["Authorization", "Basic dXNlcjpwYXNz"]]);
  assert.equal(creds.status, 200);
  assert.match(creds.steps.find((s) => s.stage === "access")?.outcome ?? "", /does not check the credentials/);
  const otherSecret = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: other, namespace: web}\ndata: {auth: dXNlcjp4}\n`;
  assert.equal(ask(basic + otherSecret, "web/client", [["Authorization", "Basic dXNlcjpwYXNz"]]).status, 503, "web/users is not among the input's Secrets");
  assert.equal(ask(ingress({ [N + "auth-type"]: "basic" }), "web/client").status, 503, "auth-type without auth-secret");
  const ext = ask(ingress({ [N + "auth-url"]: "http://auth.example.com/check" }), "web/client");
  // nginx.tmpl auth_request: the authorizer decides (2xx, 401, 403); Junction cannot ask it (was 200: a wrong allowed when it denies).
  assert.equal(ext.status, null);
  assert.match(ext.reason, /external authorizer http:\/\/auth\.example\.com\/check .* cannot ask.*Junction cannot tell the answer/);
});

test("auth-type that fails ingress-nginx's annotation validation rejects the whole Ingress (not a 503); an empty one is ignored; inner spaces deny the location", () => {
  // ingress-nginx internal/ingress/annotations/auth/main.go: Validator ValidateRegex(authTypeRegex `basic|digest`, removeSpace);
  // parser/validators.go checkAnnotation → NewValidationError; annotations.go Extract: `if errors.IsValidationError(err)
  // { return nil, err }`; store/store.go syncIngress: `parsed, err := s.annotations.Extract(ing); if err != nil { return }`.
  const other = ingress({}).replace("name: site", "name: other").replace("site.example.com", "other.example.com");
  const ldap = ingress({ [N + "auth-type"]: "ldap", [N + "auth-secret"]: "users" });
  const rejected = ask(ldap + other, "web/client");
  assert.deepEqual([rejected.status, rejected.route], [404, undefined], "the Ingress is not served: no rule for its host (was 503)");
  const loaded = load({ "in.yaml": BASE + ldap });
  assert.match(loaded.diagnostics.items.map((w) => w.message).join("\n"), /"ldap" is neither basic nor digest; ingress-nginx's annotation validation rejects the whole Ingress/);
  assert.equal(ask(ingress({ [N + "auth-type"]: "\"basic\"x", [N + "auth-secret"]: "users" }), "web/client").status, 401, "the validator's regex is not anchored");
  assert.equal(ask(ingress({ [N + "auth-type"]: "", [N + "auth-secret"]: "users" }), "web/client").status, 200, "empty: not validated, refused by parseString (InvalidAnnotationContent): no authentication (was 503)");
  assert.equal(ask(ingress({ [N + "auth-type"]: "ba sic", [N + "auth-secret"]: "users" }), "web/client").status, 503, "the validator removes spaces, Parse does not: LocationDenied");
});

test("the controller ConfigMap's global whitelist-source-range and denylist-source-range apply to every location without the annotation (was a wrong allow)", () => {
  // ingress-nginx internal/ingress/controller/template/configmap.go ReadConfig: whitelistSourceRange / denylistSourceRange
  // into the default backend's lists; annotations/ipallowlist (ipdenylist) Parse: a missing annotation gives
  // `defBackend.WhitelistSourceRange` (DenylistSourceRange); nginx.tmpl writes them as the location's allow/deny lines.
  const config = (ns: string, data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ${ns}}\ndata: {${data}}\n`;
  const global = config("ingress-nginx", `whitelist-source-range: "10.0.0.0/8, 192.0.2.0/24", denylist-source-range: "10.9.0.0/16"`);
  const plain = ingress({});
  assert.equal(ask(plain + global, "ip:203.0.113.9").status, 403, "outside the global allowlist");
  assert.match(ask(plain + global, "ip:203.0.113.9").reason, /client 203\.0\.113\.9 is outside allowlist-source-range 10\.0\.0\.0\/8, 192\.0\.2\.0\/24/);
  assert.equal(ask(plain + global, "web/client").status, 200, "10.1.2.3 is inside");
  assert.equal(ask(plain + global, "ip:10.9.1.1").status, 403, "in the global denylist");
  const own = ingress({ [N + "allowlist-source-range"]: "203.0.113.0/24" });
  assert.equal(ask(own + global, "ip:203.0.113.9").status, 200, "the annotation replaces the global allowlist");
  assert.equal(ask(ingress({ [N + "allowlist-source-range"]: "10.0.0.0/8" }) + global, "ip:10.9.1.1").status, 403, "the global denylist still applies");
  assert.equal(ask(plain + config("other", `whitelist-source-range: "10.0.0.0/8"`), "ip:203.0.113.9").status, 200, "another namespace's ConfigMap is not the controller's");
  const bad = load({ "in.yaml": BASE + plain + config("ingress-nginx", `whitelist-source-range: "10.0.0.0/8, nope"`) });
  assert.match(bad.diagnostics.errors.map((e) => e.message).join("\n"), /"nope" is neither a CIDR nor an IP address/);
});

test("use-forwarded-headers in the controller ConfigMap: the source ranges read the client address from X-Forwarded-For when the connection comes from proxy-real-ip-cidr (default every IPv4 address)", () => {
  // nginx.tmpl: `real_ip_header {{ $cfg.ForwardedForHeader }}; real_ip_recursive on; set_real_ip_from {{ $trusted_ip }}`
  // when use-forwarded-headers (or enable-real-ip); configmap.go: proxy-real-ip-cidr defaults to 0.0.0.0/0.
  // nginx ngx_http_realip_module / ngx_http_get_forwarded_addr_internal: right to left while the address is trusted.
  const cm = (data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {${data}}\n`;
  const allow = ingress({ [N + "allowlist-source-range"]: "10.0.0.0/8" });
  const xff = (v: string): [string, string][] => [["X-Forwarded-For", v]];
  const open = allow + cm(`use-forwarded-headers: "true"`);
  assert.equal(ask(open, "ip:203.0.113.9", xff("10.1.1.1")).status, 200, "every IPv4 peer is trusted: the header decides (was 403)");
  assert.equal(ask(open, "ip:203.0.113.9").status, 403, "no header: the connection's address");
  assert.equal(ask(allow, "ip:203.0.113.9", xff("10.1.1.1")).status, 403, "without the setting the header is not read");
  const behind = allow + cm(`use-forwarded-headers: "true", proxy-real-ip-cidr: "192.0.2.0/24"`);
  assert.equal(ask(behind, "ip:203.0.113.9", xff("10.1.1.1")).status, 403, "an untrusted peer: its own address");
  assert.equal(ask(behind, "ip:192.0.2.5", xff("10.1.1.1, 192.0.2.7")).status, 200, "recursive: past the trusted 192.0.2.7 to 10.1.1.1");
  assert.equal(ask(behind, "ip:192.0.2.5", xff("203.0.113.9, 10.1.1.1")).status, 200, "10.1.1.1 is not trusted: the walk stops there");
  assert.equal(ask(allow + cm(`enable-real-ip: "true", forwarded-for-header: X-Real-Client`), "ip:203.0.113.9", [["X-Real-Client", "10.1.1.1"]]).status, 200, "forwarded-for-header names the header");
});

test("CLI: --from with --gateway names the Gateway's client, whose address the source ranges read (a requests file takes both fields too)", async () => {
  const files = { "in.yaml": BASE + ingress({ [N + "allowlist-source-range"]: "10.0.0.0/8" }) };
  for (const [from, status] of [["ip:10.9.9.9", 200], ["ip:203.0.113.9", 403], ["web/client", 200]] as const) {
    const r = await cliIn(files, ["route", "--request", "GET http://site.example.com/", "--gateway", "IngressClass/nginx", "--from", from, "-o", "json"]);
    assert.equal(JSON.parse(r.out).results[0].status, status, from);
  }
  const r = await cliIn({ ...files, "rq.yaml": `- {gateway: IngressClass/nginx, from: "ip:203.0.113.9", host: site.example.com, path: /}\n` }, ["route", "--requests", "rq.yaml", "-o", "json"]);
  assert.equal(JSON.parse(r.out).results[0].status, 403);
});

/** Runs `junction ARGS[0] -q -f in.yaml ARGS[1..]` over the files (rq.yaml named by its path). */
async function cliIn(files: Record<string, string>, args: string[]) {
  const { dir, cleanup } = tempFiles(files);
  try {
    const r = await cli([args[0], "-q", "-f", `${dir}/in.yaml`, ...args.slice(1).map((a) => (a === "rq.yaml" ? `${dir}/rq.yaml` : a))]);
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return r;
  } finally { cleanup(); }
}

test("an annotation whose parser returns its validator's error rejects the whole Ingress; one whose parser defaults or denies the location does not (was: served, a wrong allow)", () => {
  // parser/validators.go checkAnnotation → NewValidationError; annotations.go Extract `if errors.IsValidationError(err) { return nil, err }`;
  // e.g. sslpassthrough/main.go Parse `return parser.GetBoolAnnotation(...)`, upstreamvhost `return parser.GetStringAnnotation(...)`,
  // redirect.go `if err != nil && !errors.IsMissingAnnotations(err) { return nil, err }`; rewrite/main.go (ssl-redirect) defaults instead.
  const other = ingress({}).replace("name: site", "name: other").replace("site.example.com", "other.example.com");
  for (const [key, value] of [["ssl-passthrough", "yes"], ["upstream-vhost", "a b\"c"], ["x-forwarded-prefix", "/a;b"], ["permanent-redirect-code", "3o1"], ["limit-rps", "ten"], ["limit-whitelist", "10.0.0.0/33"], ["server-alias", "a.example.com,b\"c"], ["load-balance", "random"]]) {
    const r = ask(ingress({ [N + key]: value }) + other, "web/client");
    assert.deepEqual([r.status, r.route], [404, undefined], `${key}: ${value}: the Ingress is not served`);
  }
  const loaded = load({ "in.yaml": BASE + ingress({ [N + "upstream-vhost"]: "a b\"c" }) });
  assert.match(loaded.diagnostics.items.map((w) => w.message).join("\n"), /"a b\\"c" fails the annotation's validator; ingress-nginx's annotation validation rejects the whole Ingress/);
  assert.equal(ask(ingress({ [N + "ssl-redirect"]: "yes" }), "web/client").status, 200, "rewrite/main.go: an invalid ssl-redirect defaults");
  assert.equal(ask(ingress({ [N + "limit-rate"]: "fast" }), "web/client").status, 200, "ratelimit/main.go: limit-rate's error is ignored");
  assert.equal(ask(ingress({ [N + "ssl-passthrough"]: "" }), "web/client").status, 200, "an empty value is not validated");
  assert.equal(ask(ingress({ [N + "whitelist-source-range"]: "10.0.0.0/33" }), "web/client").status, 503, "ipallowlist/main.go wraps the error: LocationDenied");
  assert.equal(ask(ingress({ [N + "temporal-redirect"]: "https://a.example.com/", [N + "permanent-redirect-code"]: "x" }), "web/client").status, 302, "the permanent code is not read with a temporal redirect");
});

test("an annotation riskier than the controller's annotations-risk-level rejects the whole Ingress: snippets (Critical) by default (High); the ConfigMap's level moves the bar (was: served, a wrong allow)", () => {
  // annotations.go Extract: `if err := annotationParser.Validate(ing.GetAnnotations()); err != nil { return nil, errors.NewRiskyAnnotations(name) }`;
  // parser/validators.go CheckAnnotationRisk; config.go AnnotationsRiskLevel default "High"; snippet/main.go configuration-snippet Risk Critical.
  const other = ingress({}).replace("name: site", "name: other").replace("site.example.com", "other.example.com");
  const cm = (level: string) => other +  `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {annotations-risk-level: ${level}}\n`;
  const snippet = ingress({ [N + "configuration-snippet"]: "more_set_headers \"x: y\";" });
  const r = ask(snippet + other, "web/client");
  assert.deepEqual([r.status, r.route], [404, undefined], "Critical above the default High");
  assert.equal(ask(snippet + cm("Critical"), "web/client").status, 200);
  const medium = ingress({ [N + "rewrite-target"]: "/" });
  assert.equal(ask(medium + other, "web/client").status, 200, "Medium is below High");
  assert.equal(ask(medium + cm("Low"), "web/client").status, 404, "at Low, a Medium annotation is too risky");
  assert.equal(ask(medium + cm("anything"), "web/client").status, 404, "StringRiskToRisk reads an unknown level as Low");
  assert.equal(ask(ingress({ [N + "whitelist-source-range"]: "10.0.0.0/8" }) + cm("Low"), "web/client").status, 404, "an alias has its annotation's risk (Medium)");
  assert.equal(ask(ingress({ [N + "ssl-redirect"]: "false" }) + cm("Low"), "web/client").status, 200, "Low is never above any level");
});

test("the controller ConfigMap's block-cidrs deny clients at the http level: a location inherits them only without allow or deny lines of its own (was: not read, a wrong allow)", () => {
  // nginx.tmpl `# Global filters {{ range $ip := $cfg.BlockCIDRs }}deny {{ trimSpace $ip }};` in the http block; nginx's access
  // module (ngx_http_access_merge_loc_conf) takes the enclosing level's rules only when the location has none.
  const cm = (data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {${data}}\n`;
  const block = cm(`block-cidrs: "10.1.0.0/16, 192.0.2.7"`);
  const plain = ask(ingress({}) + block, "web/client");
  assert.equal(plain.status, 403, "10.1.2.3 is blocked");
  assert.match(plain.reason, /block-cidrs 10\.1\.0\.0\/16/);
  assert.equal(ask(ingress({}) + block, "ip:192.0.2.7").status, 403);
  assert.equal(ask(ingress({}) + block, "ip:203.0.113.9").status, 200);
  assert.equal(ask(ingress({ [N + "allowlist-source-range"]: "10.0.0.0/8" }) + block, "web/client").status, 200, "the location's own allow lines replace the http level's");
  assert.equal(ask(ingress({}) + cm(`block-cidrs: "10.1.0.0/16", whitelist-source-range: "10.0.0.0/8"`), "web/client").status, 200, "the global allowlist is the location's own lines");
});

/** An ingress-nginx controller Deployment (pods labelled app: ctl) running /nginx-ingress-controller --ingress-class=nginx, then `moreArgs`; `env`: its container's env lines. */
const controllerDeployment = (ns: string, name: string, moreArgs = "", env = "") => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ctl}}
  template:
    metadata: {labels: {app: ctl}}
    spec:
      containers:
      - name: controller
        image: registry.k8s.io/ingress-nginx/controller:v1.12.0
        args: [/nginx-ingress-controller, --ingress-class=nginx${moreArgs}]
${env}`;

test("the controller's ConfigMap is the one its --configmap names ($(POD_NAMESPACE) expanded), else the Helm chart's name (was: the Helm chart's name only, a wrong allow)", () => {
  // cmd/nginx/flags.go --configmap; the Helm chart's `--configmap=$(POD_NAMESPACE)/{{ include "ingress-nginx.controller.fullname" . }}`
  // (RELEASE-ingress-nginx-controller) with POD_NAMESPACE from fieldRef metadata.namespace.
  const cm = (ns: string, name: string, data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${ns}}\ndata: {${data}}\n`;
  const controller = (arg: string) => controllerDeployment("edge", "edge-ingress-nginx-controller", `, ${JSON.stringify(arg)}`,
    "        env: [{name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}]\n");
  const edge = cm("edge", "edge-ingress-nginx-controller", `whitelist-source-range: "10.0.0.0/8"`);
  const helm = cm("ingress-nginx", "ingress-nginx-controller", `whitelist-source-range: "192.0.2.0/24"`);
  const named = controller("--configmap=$(POD_NAMESPACE)/edge-ingress-nginx-controller");
  const plain = ingress({});
  assert.equal(ask(plain + edge + named, "ip:203.0.113.9").status, 403, "the controller's global allowlist (was 200)");
  assert.equal(ask(plain + named + edge, "ip:10.1.1.1").status, 200, "in any order of the input");
  assert.equal(ask(plain + edge, "ip:203.0.113.9").status, 200, "no controller names it: not the controller's");
  assert.equal(ask(plain + edge + helm + named, "ip:192.0.2.1").status, 403, "the named one, not the Helm chart's");
  assert.equal(ask(plain + helm, "ip:203.0.113.9").status, 403, "no controller in the input: the Helm chart's name");
  const loaded = load({ "in.yaml": BASE + plain + edge + controller("--configmap=$(NOPE)") });
  assert.match(loaded.diagnostics.items.map((w) => w.message).join("\n"), /--configmap "\$\(NOPE\)" reads as "\$\(NOPE\)", not NAMESPACE\/NAME/);
});

test("behind its LoadBalancer Service with externalTrafficPolicy Cluster, ingress-nginx sees a node's address, which its source ranges judge (was: the client's); Local and use-proxy-protocol keep the client's", () => {
  // kube-proxy masquerades traffic to a load balancer address or node port under externalTrafficPolicy Cluster (pkg/proxy/iptables/
  // proxier.go KUBE-EXT "masquerade traffic for ... external destinations"; engine/kube-proxy.ts kubeProxyPath): nginx's
  // $remote_addr, which allow/deny lines check, is the node's address. use-proxy-protocol: the PROXY header carries the client's.
  // (The controller reads the ConfigMap its --configmap names, none without: store.go New, `if configmap != ""`.)
  const controller = (etp = "") => controllerDeployment("ingress-nginx", "ingress-nginx-controller", ", --configmap=ingress-nginx/ingress-nginx-controller") + `---
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec: {type: LoadBalancer, selector: {app: ctl}, ports: [{name: http, port: 80, targetPort: 80}]${etp}}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {addresses: [{type: InternalIP, address: 192.168.0.10}]}
`;
  const clients = ingress({ [N + "whitelist-source-range"]: "203.0.113.0/24" });
  const cluster = ask(clients + controller(), "ip:203.0.113.9");
  assert.equal(cluster.status, 403, "nginx sees node n1 (192.168.0.10), outside the range (was 200)");
  assert.match(cluster.reason, /client 192\.168\.0\.10 is outside allowlist-source-range 203\.0\.113\.0\/24.*ingress-nginx sees 192\.168\.0\.10 .*load balancer address port 80 of Service ingress-nginx\/ingress-nginx-controller: masqueraded/);
  assert.equal(ask(clients + controller(", externalTrafficPolicy: Local"), "ip:203.0.113.9").status, 200, "Local keeps the client's address");
  const cm = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {use-proxy-protocol: "true"}\n`;
  assert.equal(ask(clients + controller() + cm, "ip:203.0.113.9").status, 200, "use-proxy-protocol: the PROXY header's address");
  const nodes = ingress({ [N + "whitelist-source-range"]: "192.168.0.0/16" });
  assert.equal(ask(nodes + controller(), "ip:198.51.100.1").status, 200, "a range holding the nodes lets every outside client in (was 403)");
  assert.equal(ask(nodes, "ip:198.51.100.1").status, 403, "without the controller's Service in the input: the client's address");
  assert.equal(ask(clients + controller(), "web/client").status, 403, "a pod of the cluster is judged by its own address (10.1.2.3)");
});

test("use-forwarded-headers with use-proxy-protocol (nginx.tmpl since v1.13: real_ip_header forwarded-for-proxy-protocol-header, the client's X-Forwarded-For when $proxy_protocol_addr is in proxy-real-ip-cidr): the source ranges judge what the client's header says", () => {
  const cm = (data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {use-proxy-protocol: "true", use-forwarded-headers: "true"${data}}\n`;
  const clients = ingress({ [N + "whitelist-source-range"]: "203.0.113.0/24" });
  assert.equal(ask(clients + cm(""), "ip:198.51.100.1", [["X-Forwarded-For", "203.0.113.9"]]).status, 200, "the PROXY source is trusted (0.0.0.0/0): the header's address (was 403: the PROXY header's)");
  assert.equal(ask(clients + cm(""), "ip:203.0.113.9", [["X-Forwarded-For", "198.51.100.1"]]).status, 403, "was 200");
  assert.equal(ask(clients + cm(""), "ip:203.0.113.9").status, 403, "no header: nginx keeps the load balancer's address, not the PROXY source (was 200)");
  const trusted = cm(`, proxy-real-ip-cidr: "10.0.0.0/8"`);
  assert.equal(ask(clients + trusted, "ip:198.51.100.1", [["X-Forwarded-For", "203.0.113.9"]]).status, 403, "an untrusted PROXY source is taken as is");
  assert.equal(ask(clients + trusted, "ip:10.9.9.9", [["X-Forwarded-For", "203.0.113.9"]]).status, 200);
});

test("the ingress-nginx controller pods are those labelled app.kubernetes.io/name=ingress-nginx and those of a workload running /nginx-ingress-controller (one list for exposure, the connection list and the source nginx sees)", async () => {
  const { ingressControllerPods } = await import("../src/engine/endpoints.js");
  const yaml = `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: edge, namespace: edge}
spec:
  selector: {matchLabels: {app: ctl}}
  template:
    metadata: {labels: {app: ctl}}
    spec: {containers: [{name: controller, image: registry.k8s.io/ingress-nginx/controller:v1.12.0, args: [/nginx-ingress-controller]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: helm-ctl, namespace: ingress-nginx, labels: {app.kubernetes.io/name: ingress-nginx}}
spec: {containers: [{name: c, image: c}]}
`;
  const loaded = load({ "in.yaml": BASE + yaml });
  assert.deepEqual(ingressControllerPods(loaded.inventory).map((e) => `${e.namespace}/${e.owner?.name ?? e.name}`).sort(), ["edge/edge", "ingress-nginx/helm-ctl"]);
});

test("a workload runs the ingress-nginx controller when a word of any container's command or args ends with /nginx-ingress-controller (looked at raw first: readIngressNginxController)", () => {
  const workload = (kind: string, name: string, containers: string) => `---
apiVersion: apps/v1
kind: ${kind}
metadata: {name: ${name}, namespace: edge}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
${containers}`;
  const loaded = load({
    "in.yaml": workload("Deployment", "by-command", `      - {name: sidecar, image: busybox, command: [sleep, infinity]}
      - {name: controller, image: ctl, command: [/usr/bin/dumb-init, --, /usr/local/bin/nginx-ingress-controller], args: [--configmap=$(NOPE)]}
`) + workload("StatefulSet", "other", `      - {name: app, image: app, command: [/nginx-ingress-controller-not], args: [nginx-ingress-controller]}
`) + workload("DaemonSet", "by-args", `      - {name: controller, image: ctl, args: [/nginx-ingress-controller]}
`),
  });
  assert.deepEqual(loaded.inventory.ingressNginxControllers?.map(({ kind, namespace, name }) => ({ kind, namespace, name })), [
    { kind: "Deployment", namespace: "edge", name: "by-command" },
    { kind: "DaemonSet", namespace: "edge", name: "by-args" },
  ]);
  // The controller's own container (the second) is the one whose --configmap is read.
  assert.match(loaded.diagnostics.items.map((w) => w.message).join("\n"), /--configmap "\$\(NOPE\)" reads as "\$\(NOPE\)", not NAMESPACE\/NAME/);
});

test("nginx matches locations against the normalized URI: an escaped, doubled-slash or dot-segment path to an allowlisted location is refused as that location (was: another location, 200: a wrong allowed)", () => {
  const admin = `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: admin, namespace: web, annotations: {${N}allowlist-source-range: 10.0.0.0/8}}
spec:
  ingressClassName: nginx
  rules: [{host: site.example.com, http: {paths: [{path: /admin, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}]}}]
`;
  const loaded = load({ "in.yaml": BASE + ingress({}) + admin });
  const ctx = walkContext(loaded.inventory);
  const at = (path: string) => walkRequest(ctx, { gateway: "IngressClass/nginx", from: "ip:203.0.113.9", scheme: "http", host: "site.example.com", path, method: "GET", headers: [], backendResponseHeaders: [] });
  for (const path of ["/admin", "/%61dmin", "//admin", "/admin%2Fx", "/x/../admin/", "/x/%2e%2e/admin", "/./admin?q=1"]) assert.equal(at(path).status, 403, path);
  for (const path of ["/Admin", "/admin;x", "/adminx"]) assert.equal(at(path).status, 200, `${path}: another location (case-sensitive, no segment)`);
  const ok = walkRequest(ctx, { gateway: "IngressClass/nginx", from: "ip:10.0.0.9", scheme: "http", host: "site.example.com", path: "/%61dmin", method: "GET", headers: [], backendResponseHeaders: [] });
  assert.deepEqual([ok.status, ok.upstream?.path], [200, "/%61dmin"], "the request goes on as sent (proxy_pass without a URI)");
  for (const path of ["/%zz", "/a%00", "/../admin"]) assert.equal(at(path).status, 400, `${path}: NGX_HTTP_PARSE_INVALID_REQUEST`);
});
