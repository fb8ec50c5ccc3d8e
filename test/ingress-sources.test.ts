import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../src/model/source.js";
import { effectiveClass } from "../src/model/ingress.js";
import { load } from "./helpers.js";

const ingress = (spec: string, meta = "") => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop${meta}
spec:
${spec}`;

/** Errors of one file, as "line field: message" without the file name. */
function errors(yaml: string): string[] {
  const loaded = load({ "in.yaml": yaml });
  return loaded.diagnostics.errors.map((d) => formatDiagnostic(d).replace(/^in\.yaml:/, ""));
}

test("a valid Ingress is read with its rules, paths, TLS and default backend", () => {
  const { inventory, diagnostics } = load({ "in.yaml": ingress(`  ingressClassName: nginx
  defaultBackend: {service: {name: fallback, port: {number: 8080}}}
  tls: [{hosts: ["*.example.com"], secretName: wild-tls}]
  rules:
  - host: "*.example.com"
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
      - {path: /, pathType: Exact, backend: {resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: static}}}
`) });
  assert.deepEqual(diagnostics.errors, []);
  const [ing] = inventory.ingress.ingresses;
  assert.equal(ing.className, "nginx");
  assert.deepEqual(ing.defaultBackend, { kind: "service", name: "fallback", port: 8080 });
  assert.equal(ing.rules[0].host, "*.example.com");
  assert.deepEqual(ing.rules[0].paths.map((p) => [p.path, p.pathType, p.backend.kind]), [["/api", "Prefix", "service"], ["/", "Exact", "resource"]]);
  assert.deepEqual(ing.tls, [{ hosts: ["*.example.com"], secretName: "wild-tls" }]);
});

test("pathType is required, and Exact/Prefix paths must be clean absolute paths", () => {
  const errs = errors(ingress(`  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /a, backend: {service: {name: a, port: {number: 80}}}}
      - {path: relative, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
      - {path: /a//b, pathType: Exact, backend: {service: {name: a, port: {number: 80}}}}
      - {path: /a/.., pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
      - {path: /x%2Fy, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
      - {path: "/users/.*", pathType: ImplementationSpecific, backend: {service: {name: a, port: {number: 80}}}}
      - {path: /a, pathType: Regex, backend: {service: {name: a, port: {number: 80}}}}
`));
  assert.deepEqual(errs, [
    "11 spec.rules[0].http.paths[0].pathType: required field is missing",
    '12 spec.rules[0].http.paths[1].path: "relative" must be an absolute path (pathType Prefix)',
    '13 spec.rules[0].http.paths[2].path: "/a//b" must not contain "//" (pathType Exact)',
    '14 spec.rules[0].http.paths[3].path: "/a/.." must not end with "/.." (pathType Prefix)',
    '15 spec.rules[0].http.paths[4].path: "/x%2Fy" must not contain "%2F" (pathType Prefix)',
    '17 spec.rules[0].http.paths[6].pathType: "Regex" is not one of Exact, Prefix, ImplementationSpecific',
  ]);
});

test("a backend is a service XOR a resource, a service has a DNS label name (1.36: RelaxedServiceNameValidation) and a port number XOR name", () => {
  const errs = errors(ingress(`  rules:
  - http:
      paths:
      - {path: /a, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}, resource: {kind: B, name: b}}}
      - {path: /b, pathType: Prefix, backend: {}}
      - {path: /c, pathType: Prefix, backend: {service: {name: svc.x, port: {number: 80}}}}
      - {path: /d, pathType: Prefix, backend: {service: {name: d, port: {number: 80, name: http}}}}
      - {path: /e, pathType: Prefix, backend: {service: {name: e, port: {number: 70000}}}}
      - {path: /f, pathType: Prefix, backend: {resource: {kind: B}}}
`));
  assert.equal(errs.length, 6, errs.join("\n"));
  assert.match(errs[0], /paths\[0\]\.backend: exactly one of service, resource may be set/);
  assert.match(errs[1], /paths\[1\]\.backend: exactly one of service, resource must be set/);
  assert.match(errs[2], /paths\[2\]\.backend\.service\.name: "svc\.x" is not a valid DNS-1123 label/);
  assert.match(errs[3], /paths\[3\]\.backend\.service\.port: exactly one of number, name may be set/);
  assert.match(errs[4], /paths\[4\]\.backend\.service\.port\.number: 70000 is above the maximum 65535/);
  assert.match(errs[5], /paths\[5\]\.backend\.resource\.name: required field is missing/);
});

test("hosts: DNS names or one leading wildcard label, never IP addresses; also in TLS", () => {
  const errs = errors(ingress(`  tls: [{hosts: [a.*.com], secretName: Bad_Name}]
  rules:
  - {host: 10.0.0.1, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]}}
  - {host: "*.example.com", http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]}}
  - {host: "foo.*.com", http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]}}
  - {host: Upper.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]}}
`));
  assert.equal(errs.length, 5, errs.join("\n"));
  assert.match(errs[0], /spec\.rules\[0\]\.host: "10\.0\.0\.1" must be a DNS name, not an IP address/);
  assert.match(errs[1], /spec\.rules\[2\]\.host: "foo\.\*\.com": a wildcard host/);
  assert.match(errs[2], /spec\.rules\[3\]\.host: "Upper\.example\.com" is not a valid DNS-1123 subdomain/);
  assert.match(errs[3], /spec\.tls\[0\]\.hosts\[0\]: "a\.\*\.com": a wildcard host must start with "\*\."/);
  assert.match(errs[4], /spec\.tls\[0\]\.secretName: "Bad_Name" is not a valid DNS-1123 subdomain/);
});

test("an Ingress needs rules or a defaultBackend; http.paths may not be empty", () => {
  assert.deepEqual(errors(ingress("  ingressClassName: nginx\n")), ["6 spec: either defaultBackend or rules must be specified"]);
  assert.deepEqual(errors(ingress("  rules: [{host: a.example.com, http: {paths: []}}]\n")), ["7 spec.rules[0].http.paths: must have at least 1 item"]);
});

test("the class comes from spec.ingressClassName, else the legacy annotation; they must agree", () => {
  const a = load({ "a.yaml": ingress("  defaultBackend: {service: {name: a, port: {number: 80}}}\n", "\n  annotations: {kubernetes.io/ingress.class: traefik}") });
  assert.equal(a.inventory.ingress.ingresses[0].className, "traefik");
  const errs = errors(ingress("  ingressClassName: nginx\n  defaultBackend: {service: {name: a, port: {number: 80}}}\n", "\n  annotations: {kubernetes.io/ingress.class: traefik}"));
  assert.match(errs[0], /metadata\.annotations\.kubernetes\.io\/ingress\.class: "traefik" must match spec\.ingressClassName "nginx"/);
});

test("class-less Ingresses take the IngressClass marked default, unless several are marked", () => {
  const cls = (name: string, def: boolean) => `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: ${name}${def ? ', annotations: {ingressclass.kubernetes.io/is-default-class: "true"}' : ""}}
spec: {controller: k8s.io/ingress-nginx}`;
  const one = load({ "a.yaml": [cls("nginx", true), cls("other", false), ingress("  defaultBackend: {service: {name: a, port: {number: 80}}}\n")].join("\n---\n") });
  const inv = one.inventory.ingress;
  assert.deepEqual(inv.classes.map((c) => [c.name, c.isDefault]), [["nginx", true], ["other", false]]);
  assert.equal(effectiveClass(inv.ingresses[0], inv.classes), "nginx");
  const two = load({ "a.yaml": [cls("nginx", true), cls("other", true), ingress("  defaultBackend: {service: {name: a, port: {number: 80}}}\n")].join("\n---\n") });
  assert.equal(effectiveClass(two.inventory.ingress.ingresses[0], two.inventory.ingress.classes), undefined);
  assert.match(errors("apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: x}\nspec: {controller: nginx}\n")[0], /spec\.controller: "nginx" must be a domain-prefixed path/);
});

test("ingress-nginx annotations are read into typed values; invalid values warn and are not used", () => {
  const { inventory, diagnostics } = load({ "a.yaml": ingress("  defaultBackend: {service: {name: a, port: {number: 80}}}\n", `
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-weight: "30"
    nginx.ingress.kubernetes.io/canary-by-header: X-Canary
    nginx.ingress.kubernetes.io/canary-by-cookie: beta
    nginx.ingress.kubernetes.io/ssl-redirect: "maybe"
    nginx.ingress.kubernetes.io/permanent-redirect: https://new.example.com/x
    nginx.ingress.kubernetes.io/permanent-redirect-code: "399"
    nginx.ingress.kubernetes.io/backend-protocol: grpc`) });
  const n = inventory.ingress.ingresses[0].nginx;
  assert.deepEqual(n.canary, { header: "X-Canary", headerValue: undefined, headerPattern: undefined, cookie: "beta", weight: 30, weightTotal: 100 });
  assert.equal(n.sslRedirect, undefined);
  assert.deepEqual(n.redirect, { kind: "permanent", url: "https://new.example.com/x", code: 301 });
  assert.equal(n.backendProtocol, "GRPC");
  const warnings = diagnostics.items.filter((d) => d.severity === "warning").map((d) => formatDiagnostic(d));
  assert.equal(warnings.length, 2, warnings.join("\n"));
  assert.match(warnings[0], /a\.yaml:\d+ metadata\.annotations\.nginx\.ingress\.kubernetes\.io\/ssl-redirect: "maybe" is not a boolean/);
  assert.match(warnings[1], /permanent-redirect-code: 399 is not one of 301, 302, 303, 307, 308; 301 is used/);
});

test("OpenShift Routes are read with their weighted Services and target port", () => {
  const { inventory, diagnostics } = load({ "r.yaml": `apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: web, namespace: shop}
spec:
  host: shop.example.com
  to: {kind: Service, name: web, weight: 80}
  alternateBackends: [{kind: Service, name: web-v2, weight: 20}]
  port: {targetPort: http}
  tls: {termination: edge}
` });
  assert.deepEqual(diagnostics.errors, []);
  const [r] = inventory.ingress.routes;
  assert.deepEqual([r.host, r.backends, r.targetPort, r.termination], ["shop.example.com", [{ name: "web", weight: 80 }, { name: "web-v2", weight: 20 }], "http", "edge"]);
});
