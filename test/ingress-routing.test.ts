import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "./helpers.js";

// Ingress semantics (networking.k8s.io/v1 and ingress-nginx), through `junction route`: every
// Ingress class is a Gateway "IngressClass/<class>" in the route graph.

const SERVICES = ["exact", "prefix", "deep", "root", "impl", "wild", "host", "fallback", "main", "canary", "other"]
  .map((s) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${s}, namespace: web}\nspec: {selector: {app: ${s}}, ports: [{port: 80}]}`).join("\n---\n");

const ingress = (name: string, spec: string, annotations = "") => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: web${annotations ? `\n  annotations:\n${annotations}` : ""}
spec:
${spec}`;

const path = (p: string, type: string, svc: string) => `      - {path: ${p}, pathType: ${type}, backend: {service: {name: ${svc}, port: {number: 80}}}}`;

const PATHS = ingress("paths", `  ingressClassName: nginx
  rules:
  - host: paths.example.com
    http:
      paths:
${path("/foo", "Exact", "exact")}
${path("/foo", "Prefix", "prefix")}
${path("/aaa/bbb", "Prefix", "deep")}
${path("/", "Prefix", "root")}
${path("/impl", "ImplementationSpecific", "impl")}`);

async function route(yaml: string, request: string, headers: string[] = []): Promise<{ status: number | null; backend: string | null; backends: { name: string; weight: number }[]; redirect: { location: string } | null; gateway?: string }> {
  const r = await cli(["route", "-f", "-", "-q", "--request", request, ...headers.flatMap((h) => ["-H", h]), "-o", "json"], `${SERVICES}\n---\n${yaml}`);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out).results[0];
}

const backendOf = async (yaml: string, request: string, headers: string[] = []) => {
  const r = await route(yaml, request, headers);
  return r.status === 404 ? "404" : r.backend;
};

test("pathType Exact matches the path only, case-sensitively", async () => {
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/foo"), "web/exact");
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/foo/"), "web/prefix");
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/FOO"), "web/root");
});

test("pathType Prefix matches element-wise, and the longest prefix wins", async () => {
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/foo/bar"), "web/prefix");
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/foobar"), "web/root", "/foo does not match /foobar");
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/aaa/bbb"), "web/deep");
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/aaa/bbb/ccc"), "web/deep");
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/aaa/bbbxyz"), "web/root");
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/aaa"), "web/root");
});

test("Ingress spec: a trailing slash of a Prefix path is ignored, /foo/ matches /foo (a class ingress-nginx does not serve)", async () => {
  const classes = `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: other}\nspec: {controller: example.com/other}\n---\n`;
  const y = classes + ingress("slash", `  ingressClassName: other\n  rules:\n  - http:\n      paths:\n${path("/foo/", "Prefix", "prefix")}`);
  assert.equal(await backendOf(y, "GET http://any.example.com/foo"), "web/prefix");
  assert.equal(await backendOf(y, "GET http://any.example.com/foo/x"), "web/prefix");
  assert.equal(await backendOf(y, "GET http://any.example.com/foox"), "404");
});

test("ingress-nginx: a Prefix path /foo/ answers a bare /foo with nginx's 301 to /foo/ (its location /foo/ auto-redirects)", async () => {
  const y = ingress("slash", `  ingressClassName: nginx\n  rules:\n  - http:\n      paths:\n${path("/foo/", "Prefix", "prefix")}\n${path("/", "Prefix", "root")}`);
  const r = await route(y, "GET http://any.example.com/foo?x=1");
  assert.equal(r.status, 301);
  assert.equal(r.redirect?.location, "http://any.example.com/foo/?x=1", "the query string is kept");
  assert.equal(await backendOf(y, "GET http://any.example.com/foo/x"), "web/prefix");
  assert.equal(await backendOf(y, "GET http://any.example.com/fo"), "web/root", "a location / does not stop the redirect, nor take /foo");
  const exact = ingress("slash", `  ingressClassName: nginx\n  rules:\n  - http:\n      paths:\n${path("/foo/", "Prefix", "prefix")}\n${path("/foo", "Exact", "exact")}`);
  assert.equal(await backendOf(exact, "GET http://any.example.com/foo"), "web/exact", "an exact location for /foo wins");
  const prefix = ingress("slash", `  ingressClassName: nginx\n  rules:\n  - http:\n      paths:\n${path("/foo/", "Prefix", "prefix")}\n${path("/foo", "Prefix", "deep")}`);
  assert.notEqual((await route(prefix, "GET http://any.example.com/foo")).status, 301, "ingress-nginx adds location = /foo for a Prefix /foo");
  const regex = ingress("slash", `  ingressClassName: nginx\n  rules:\n  - http:\n      paths:\n${path("/foo/", "Prefix", "prefix")}`, "    nginx.ingress.kubernetes.io/use-regex: \"true\"");
  assert.equal(await backendOf(regex, "GET http://any.example.com/foo"), "404", "regex locations never auto-redirect");
});

test("ImplementationSpecific is nginx's string prefix for ingress-nginx: /impl matches /implant (was: whole segments only)", async () => {
  // template.go buildLocation: `location "/impl"` (only Prefix paths get the "/impl/" + "= /impl" pair, location.go
  // updateServerLocations); nginx matches a prefix location as a string prefix.
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/impl"), "web/impl");
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/impl/x"), "web/impl");
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/implant"), "web/impl");
  assert.equal(await backendOf(PATHS, "GET http://paths.example.com/foobar"), "web/root", "a Prefix path still matches whole segments");
  const classes = `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: other}\nspec: {controller: example.com/other}\n---\n`;
  const other = classes + PATHS.replace("ingressClassName: nginx", "ingressClassName: other");
  assert.equal(await backendOf(other, "GET http://paths.example.com/implant"), "web/root", "another controller: the Ingress spec's element-wise reading");
});

const HOSTS = ingress("hosts", `  ingressClassName: nginx
  rules:
  - host: "*.foo.com"
    http:
      paths:
${path("/", "Prefix", "wild")}
${path("/only-wild", "Prefix", "wild")}
  - host: bar.foo.com
    http:
      paths:
${path("/", "Exact", "host")}`);

test("a wildcard host covers exactly one label (unlike Gateway API)", async () => {
  assert.equal(await backendOf(HOSTS, "GET http://baz.foo.com/x"), "web/wild");
  assert.equal(await backendOf(HOSTS, "GET http://a.baz.foo.com/x"), "404");
  assert.equal(await backendOf(HOSTS, "GET http://foo.com/x"), "404");
});

test("an exact host wins over a wildcard, and only its rules apply", async () => {
  assert.equal(await backendOf(HOSTS, "GET http://bar.foo.com/"), "web/host");
  assert.equal(await backendOf(HOSTS, "GET http://bar.foo.com/only-wild"), "404", "the wildcard host's paths do not serve bar.foo.com");
  assert.equal(await backendOf(HOSTS, "GET http://BAR.foo.com/"), "web/host", "host names compare case-insensitively");
});

test("defaultBackend: the paths no rule matches on the Ingress's hosts; every host for an Ingress without host rules", async () => {
  const y = ingress("with-default", `  ingressClassName: nginx
  defaultBackend: {service: {name: fallback, port: {number: 80}}}
  rules:
  - host: a.example.com
    http:
      paths:
${path("/api", "Prefix", "main")}`);
  assert.equal(await backendOf(y, "GET http://a.example.com/api"), "web/main");
  assert.equal(await backendOf(y, "GET http://a.example.com/other"), "web/fallback");
  assert.equal(await backendOf(y, "GET http://b.example.com/other"), "404");
  const only = ingress("only-default", "  ingressClassName: nginx\n  defaultBackend: {service: {name: fallback, port: {number: 80}}}");
  assert.equal(await backendOf(only, "GET http://whatever.example.com/x"), "web/fallback");
});

const created = (yaml: string, ts: string) => yaml.replace("  namespace: web\n", `  namespace: web\n  creationTimestamp: "${ts}"\n`);

test("ingress-nginx: host H's defaultBackend is the first Ingress's with a rule for H (was: any Ingress's with one)", async () => {
  // controller.go createServers: the root location of a server is created by the first Ingress (creation order) with a
  // rule for the host (`if _, ok := servers[host]; ok { continue }`), with that Ingress's defaultBackend or the controller's.
  const a = created(ingress("a", `  ingressClassName: nginx\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n${path("/api", "Prefix", "main")}`), "2024-01-01T00:00:00Z");
  const b = created(ingress("b", `  ingressClassName: nginx\n  defaultBackend: {service: {name: fallback, port: {number: 80}}}\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n${path("/b", "Prefix", "other")}`), "2024-01-02T00:00:00Z");
  assert.equal(await backendOf(`${a}\n---\n${b}`, "GET http://a.example.com/else"), "404", "web/a created the server: the controller's default backend");
  assert.equal(await backendOf(`${a}\n---\n${b}`, "GET http://a.example.com/b"), "web/other");
  const older = b.replace("2024-01-02", "2023-12-31");
  assert.equal(await backendOf(`${a}\n---\n${older}`, "GET http://a.example.com/else"), "web/fallback", "web/b first: its defaultBackend");
  const root = created(ingress("r", `  ingressClassName: nginx\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n${path("/", "Prefix", "root")}`), "2024-01-03T00:00:00Z");
  assert.equal(await backendOf(`${a}\n---\n${older}\n---\n${root}`, "GET http://a.example.com/else"), "web/root", "a path / of type Prefix replaces the default root location");
});

test("ingress-nginx: the catch-all server takes the first rules-less Ingress's defaultBackend only (was: any Ingress without host rules)", async () => {
  // controller.go createServers: `if defLoc.IsDefBackend && len(ing.Spec.Rules) == 0` ("Using it to configure the catch-all
  // server"); the server "_" exists before any Ingress, so host-less rules never bring their Ingress's defaultBackend to it.
  const hostless = ingress("hostless", `  ingressClassName: nginx\n  defaultBackend: {service: {name: fallback, port: {number: 80}}}\n  rules:\n  - http:\n      paths:\n${path("/x", "Prefix", "main")}`);
  assert.equal(await backendOf(hostless, "GET http://any.example.com/x"), "web/main");
  assert.equal(await backendOf(hostless, "GET http://any.example.com/else"), "404");
  const first = created(ingress("z-first", "  ingressClassName: nginx\n  defaultBackend: {service: {name: fallback, port: {number: 80}}}"), "2024-01-01T00:00:00Z");
  const second = created(ingress("a-second", "  ingressClassName: nginx\n  defaultBackend: {service: {name: other, port: {number: 80}}}"), "2024-01-02T00:00:00Z");
  const rootPath = created(ingress("root", `  ingressClassName: nginx\n  rules:\n  - http:\n      paths:\n${path("/", "Prefix", "root")}\n${path("/x", "Prefix", "main")}`), "2023-01-01T00:00:00Z");
  const y = [first, second, rootPath].join("\n---\n");
  assert.equal(await backendOf(y, "GET http://any.example.com/else"), "web/fallback", "the first by creation; a host-less path / of type Prefix is 'already configured'");
  assert.equal(await backendOf(y, "GET http://any.example.com/x"), "web/main");
  assert.equal(await backendOf(y, "GET http://a.example.com/else"), "web/fallback", "a host without a server is the catch-all's");
});

test("ingress-nginx: a canary's defaultBackend shapes every location of the catch-all server, and the locations sharing their upstreams (was: its root location only)", async () => {
  // controller.go mergeAlternativeBackends, "merge catch-all alternative backends": `for _, loc := range
  // servers[defServerName].Locations`, merged into each location's upstream (canMergeBackend: not upstream-default-backend);
  // balancer.lua shapes every location whose upstream has it as an alternative backend.
  const hostless = ingress("hostless", `  ingressClassName: nginx\n  rules:\n  - http:\n      paths:\n${path("/x", "Prefix", "main")}`);
  const hosted = ingress("hosted", `  ingressClassName: nginx\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n${path("/y", "Prefix", "main")}\n${path("/z", "Prefix", "other")}`);
  const canary = ingress("canary", "  ingressClassName: nginx\n  defaultBackend: {service: {name: canary, port: {number: 80}}}", '    nginx.ingress.kubernetes.io/canary: "true"\n    nginx.ingress.kubernetes.io/canary-by-header: x-canary');
  const y = [hostless, hosted, canary].join("\n---\n");
  assert.equal(await backendOf(y, "GET http://any.example.com/x"), "web/main");
  assert.equal(await backendOf(y, "GET http://any.example.com/x", ["x-canary: always"]), "web/canary", "a host-less rule's location of the catch-all server");
  assert.equal(await backendOf(y, "GET http://a.example.com/y", ["x-canary: always"]), "web/canary", "another host's location with the same upstream");
  assert.equal(await backendOf(y, "GET http://a.example.com/z", ["x-canary: always"]), "web/other", "an upstream no location of the catch-all server has");
  assert.equal(await backendOf(y, "GET http://any.example.com/else", ["x-canary: always"]), "404", "the controller's default backend takes no canary");
  // getBackendServers merges the canary Ingresses in ingress-nginx's order: the older canary is the upstream's (was: the path's own).
  const byWeight = (ts: string) => created(ingress("pathcanary", `  ingressClassName: nginx\n  rules:\n  - http:\n      paths:\n${path("/x", "Prefix", "other")}`, '    nginx.ingress.kubernetes.io/canary: "true"\n    nginx.ingress.kubernetes.io/canary-weight: "100"'), ts);
  const older = (ts: string) => [hostless, hosted, created(canary, "2024-01-02T00:00:00Z"), byWeight(ts)].join("\n---\n");
  assert.equal(await backendOf(older("2024-01-03T00:00:00Z"), "GET http://any.example.com/x"), "web/main", "the defaultBackend's canary, merged first, routes by header only");
  assert.equal(await backendOf(older("2024-01-01T00:00:00Z"), "GET http://any.example.com/x"), "web/other", "the weighted path canary, merged first");
});

test("class-less Ingresses belong to the IngressClass marked default", async () => {
  const classless = ingress("classless", `  rules:\n  - http:\n      paths:\n${path("/", "Prefix", "main")}`);
  const cls = (name: string, def: boolean) => `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: ${name}, annotations: {ingressclass.kubernetes.io/is-default-class: "${def}"}}\nspec: {controller: k8s.io/ingress-nginx}`;
  const r = await route(`${cls("public", true)}\n---\n${cls("internal", false)}\n---\n${classless}`, "GET http://x.example.com/");
  assert.equal(r.gateway, "IngressClass/public");
  assert.equal(r.backend, "web/main");
  const none = await cli(["route", "-f", "-", "-q", "--request", "GET http://x.example.com/"], `${SERVICES}\n---\n${classless}`);
  assert.equal(none.code, 2);
  assert.match(none.err, /no Gateway listens on port 80/);
});

test("Ingresses of one class share hosts across namespaces, as one controller serves them", async () => {
  const a = ingress("a", `  ingressClassName: nginx\n  rules:\n  - host: shared.example.com\n    http:\n      paths:\n${path("/a", "Prefix", "main")}`);
  const b = ingress("b", `  ingressClassName: nginx\n  rules:\n  - host: shared.example.com\n    http:\n      paths:\n${path("/b", "Prefix", "other")}`).replace("namespace: web", "namespace: team-b");
  const other = "\n---\napiVersion: v1\nkind: Service\nmetadata: {name: other, namespace: team-b}\nspec: {selector: {app: o}, ports: [{port: 80}]}";
  assert.equal(await backendOf(`${a}\n---\n${b}${other}`, "GET http://shared.example.com/a"), "web/main");
  assert.equal(await backendOf(`${a}\n---\n${b}${other}`, "GET http://shared.example.com/b"), "team-b/other");
});

const CANARY = (annotations: string) => [
  ingress("main", `  ingressClassName: nginx\n  rules:\n  - host: app.example.com\n    http:\n      paths:\n${path("/", "Prefix", "main")}`),
  ingress("main-canary", `  ingressClassName: nginx\n  rules:\n  - host: app.example.com\n    http:\n      paths:\n${path("/", "Prefix", "canary")}`,
    `    nginx.ingress.kubernetes.io/canary: "true"\n${annotations}`),
].join("\n---\n");

test("canary by weight: the split is weight / weight-total", async () => {
  const r = await route(CANARY('    nginx.ingress.kubernetes.io/canary-weight: "30"'), "GET http://app.example.com/");
  assert.deepEqual(r.backends.map((b) => [b.name, b.weight]), [["web/main", 70], ["web/canary", 30]]);
  const total = await route(CANARY('    nginx.ingress.kubernetes.io/canary-weight: "30"\n    nginx.ingress.kubernetes.io/canary-weight-total: "1000"'), "GET http://app.example.com/");
  assert.deepEqual(total.backends.map((b) => [b.name, b.weight]), [["web/main", 970], ["web/canary", 30]]);
});

test("ingress-nginx's balancer counts a canary-weight-total of 100 or less as 100 (was: weight / total)", async () => {
  // balancer.lua route_to_alternative_balancer: `local weightTotal = 100; if ... weightTotal > 100 then weightTotal = ...`.
  const r = await route(CANARY('    nginx.ingress.kubernetes.io/canary-weight: "5"\n    nginx.ingress.kubernetes.io/canary-weight-total: "10"'), "GET http://app.example.com/");
  assert.deepEqual(r.backends.map((b) => [b.name, b.weight]), [["web/main", 95], ["web/canary", 5]]);
  const above = await route(CANARY('    nginx.ingress.kubernetes.io/canary-weight: "20"\n    nginx.ingress.kubernetes.io/canary-weight-total: "10"'), "GET http://app.example.com/");
  assert.deepEqual(above.backends.map((b) => [b.name, b.weight]), [["web/main", 80], ["web/canary", 20]]);
});

test("an ingress-nginx canary joins the location of the same path and pathType, of any namespace (was: another namespace's ignored, another pathType merged)", async () => {
  // controller.go mergeAlternativeBackends: `canMergeBackend(priUps, altUps) && loc.Path == path.Path && *loc.PathType == *path.PathType`
  // over servers[host].Locations (a server is a host, whatever the namespace); no match: "Deleting." the canary's upstream.
  const header = '    nginx.ingress.kubernetes.io/canary-by-header: X-Canary';
  const other = CANARY(header).replace(/name: main-canary\n  namespace: web/, "name: main-canary\n  namespace: shop");
  const y = `apiVersion: v1\nkind: Service\nmetadata: {name: canary, namespace: shop}\nspec: {selector: {app: canary}, ports: [{port: 80}]}\n---\n${other}`;
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["X-Canary: always"]), "shop/canary");
  assert.equal(await backendOf(y, "GET http://app.example.com/"), "web/main");
  const impl = CANARY(header).replace(/(name: main-canary[\s\S]*)pathType: Prefix/, "$1pathType: ImplementationSpecific");
  assert.match(impl, /ImplementationSpecific, backend: \{service: \{name: canary/);
  assert.equal(await backendOf(impl, "GET http://app.example.com/", ["X-Canary: always"]), "web/main", "Prefix location, ImplementationSpecific canary: not merged");
});

test("canary by header: always and never override the weight; other values fall through", async () => {
  const y = CANARY('    nginx.ingress.kubernetes.io/canary-by-header: X-Canary\n    nginx.ingress.kubernetes.io/canary-weight: "50"');
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["X-Canary: always"]), "web/canary");
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["X-Canary: never"]), "web/main");
  const other = await route(y, "GET http://app.example.com/", ["X-Canary: maybe"]);
  assert.deepEqual(other.backends.map((b) => [b.name, b.weight]), [["web/main", 50], ["web/canary", 50]]);
  const noWeight = CANARY("    nginx.ingress.kubernetes.io/canary-by-header: X-Canary");
  assert.equal(await backendOf(noWeight, "GET http://app.example.com/"), "web/main", "without a weight, requests without the header go to the main backend");
});

test("canary by header value: only that value routes to the canary", async () => {
  const y = CANARY("    nginx.ingress.kubernetes.io/canary-by-header: X-Canary\n    nginx.ingress.kubernetes.io/canary-by-header-value: beta");
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["X-Canary: beta"]), "web/canary");
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["X-Canary: always"]), "web/main");
});

test("canary by cookie: always and never, after the header", async () => {
  const y = CANARY("    nginx.ingress.kubernetes.io/canary-by-header: X-Canary\n    nginx.ingress.kubernetes.io/canary-by-cookie: beta_user");
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["Cookie: session=1; beta_user=always"]), "web/canary");
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["Cookie: beta_user=never"]), "web/main");
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["Cookie: beta_user=always", "X-Canary: never"]), "web/main", "the header decides before the cookie");
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["Cookie: not_beta_user=always"]), "web/main");
});

test("a canary belongs to the main upstream: other paths (and hosts) with that Service are shaped too; a canary path without a main location deletes it", async () => {
  // ingress-nginx internal/ingress/controller/controller.go mergeAlternativeBackends / mergeAlternativeBackend: the canary's
  // upstream joins the AlternativeBackends of the main *upstream* (upstreamName: namespace-service-port, shared by every
  // location naming it); a canary path with no location of the same path and pathType: "unable to find real backend for
  // alternative backend %v. Deleting." — and balancer.lua route_to_alternative_balancer: "no alternative balancer".
  const main = (paths: string) => ingress("main", `  ingressClassName: nginx\n  rules:\n  - host: app.example.com\n    http:\n      paths:\n${paths}\n  - host: other.example.com\n    http:\n      paths:\n${path("/x", "Prefix", "main")}`);
  const canary = (paths: string) => ingress("main-canary", `  ingressClassName: nginx\n  rules:\n  - host: app.example.com\n    http:\n      paths:\n${paths}`,
    '    nginx.ingress.kubernetes.io/canary: "true"\n    nginx.ingress.kubernetes.io/canary-weight: "100"');
  const shared = `${main(`${path("/b", "Prefix", "main")}\n${path("/", "Prefix", "main")}`)}\n---\n${canary(path("/", "Prefix", "canary"))}`;
  assert.equal(await backendOf(shared, "GET http://app.example.com/"), "web/canary");
  assert.equal(await backendOf(shared, "GET http://app.example.com/b"), "web/canary", "/b's location uses the same upstream web-main-80");
  assert.equal(await backendOf(shared, "GET http://other.example.com/x"), "web/canary", "so does another host's");
  const deleted = `${main(path("/", "Prefix", "main"))}\n---\n${canary(`${path("/", "Prefix", "canary")}\n${path("/only", "Prefix", "canary")}`)}`;
  assert.equal(await backendOf(deleted, "GET http://app.example.com/"), "web/main", "the canary upstream was deleted");
  assert.equal(await backendOf(deleted, "GET http://app.example.com/only"), "web/main");
  const r = await cli(["convert", "ingress", "-f", "-"], `${SERVICES}\n---\n${deleted}`);
  assert.match(r.err, /deletes the canary's upstream canary:80/);
});

test("canary by header pattern that PCRE cannot compile: a request with the header goes to the main backend, before the cookie", async () => {
  // ingress-nginx balancer.lua route_to_alternative_balancer: ngx.re.match's err -> `return false`; e2e annotations/canary.go
  // "should routes to mainline upstream when the given Regex causes error" (pattern "[][**da?$&*", cookie always).
  const y = CANARY("    nginx.ingress.kubernetes.io/canary-by-header: X-Canary\n    nginx.ingress.kubernetes.io/canary-by-header-pattern: '[][**da?$&*'\n    nginx.ingress.kubernetes.io/canary-by-cookie: CanaryByCookie");
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["X-Canary: DoCanary", "Cookie: CanaryByCookie=always"]), "web/main");
  assert.equal(await backendOf(y, "GET http://app.example.com/", ["Cookie: CanaryByCookie=always"]), "web/canary", "without the header the cookie decides");
});

test("canary rules read a repeated header as nginx's $http_NAME does (values joined with \", \"), a cookie in any Cookie line", async () => {
  // ingress-nginx balancer.lua route_to_alternative_balancer: `ngx.var["http_" .. target_header]`, `ngx.var["cookie_" .. name]`;
  // nginx src/http/ngx_http_variables.c ngx_http_variable_unknown_header joins repeated lines with ", " (1.23+),
  // ngx_http_variable_cookie finds the cookie in any Cookie line. Before, the Envoy reading joined with ",".
  const pattern = CANARY("    nginx.ingress.kubernetes.io/canary-by-header: X-Canary\n    nginx.ingress.kubernetes.io/canary-by-header-pattern: '^beta, gamma$'");
  assert.equal(await backendOf(pattern, "GET http://app.example.com/", ["X-Canary: beta", "X-Canary: gamma"]), "web/canary");
  const cookie = CANARY("    nginx.ingress.kubernetes.io/canary-by-cookie: beta_user");
  assert.equal(await backendOf(cookie, "GET http://app.example.com/", ["Cookie: session=1", "Cookie: beta_user=always"]), "web/canary", "the second Cookie line carries it");
});

test("TLS hosts redirect HTTP to HTTPS (ssl-redirect, 308) unless an Ingress opts out", async () => {
  const y = ingress("tls", `  ingressClassName: nginx
  tls: [{hosts: [secure.example.com], secretName: secure-tls}]
  rules:
  - host: secure.example.com
    http:
      paths:
${path("/", "Prefix", "main")}`);
  const r = await route(y, "GET http://secure.example.com/x?q=1");
  assert.equal(r.status, 308);
  assert.equal(r.redirect?.location, "https://secure.example.com/x?q=1");
  const optOut = y.replace("namespace: web", 'namespace: web\n  annotations: {nginx.ingress.kubernetes.io/ssl-redirect: "false"}');
  assert.equal(await backendOf(optOut, "GET http://secure.example.com/x"), "web/main");
});

test("ingress-nginx serves every host on 443 and redirects where a certificate is configured: a TLS entry without secretName, force-ssl-redirect without TLS, the ConfigMap's defaults (was: 200 on HTTP, no listener on 443)", async () => {
  // controller.go createServers: "Host %q is listed in the TLS section but secretName is empty. Using default
  // certificate"; lua_ingress.lua redirect_to_https: force_ssl_redirect and pass_access_scheme == "http" → true,
  // else ssl_redirect and certificate_configured_for_current_request(); template.go buildHTTPSListener for every server.
  const tls = (tlsLine: string, host: string, annotations = "") => ingress(host.split(".")[0], `  ingressClassName: nginx
${tlsLine}
  rules:
  - host: ${host}
    http:
      paths:
${path("/", "Prefix", "main")}
${path("/.well-known/acme-challenge/t0k3n", "Exact", "other")}`, annotations);
  const noSecret = tls("  tls: [{hosts: [nosecret.example.com]}]", "nosecret.example.com");
  const r = await route(noSecret, "GET http://nosecret.example.com/x");
  assert.equal(r.status, 308);
  assert.equal(r.redirect?.location, "https://nosecret.example.com/x");
  assert.equal(await backendOf(noSecret, "GET https://nosecret.example.com/x"), "web/main", "served with the default certificate");
  assert.equal(await backendOf(noSecret, "GET http://nosecret.example.com/.well-known/acme-challenge/t0k3n"), "web/other", "no-tls-redirect-locations (default /.well-known/acme-challenge)");
  // A tls section that lists other hosts only still gives the host the default certificate.
  assert.equal((await route(tls("  tls: [{hosts: [elsewhere.example.com]}]", "listed.example.com"), "GET http://listed.example.com/")).status, 308);
  const plain = tls("", "plain.example.com");
  assert.equal(await backendOf(plain, "GET http://plain.example.com/x"), "web/main", "no TLS section: no certificate, no ssl-redirect");
  assert.equal(await backendOf(plain, "GET https://plain.example.com/x"), "web/main", "every server listens on 443");
  const forced = tls("", "forced.example.com", '    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"');
  assert.equal((await route(forced, "GET http://forced.example.com/x")).redirect?.location, "https://forced.example.com/x");
  assert.equal(await backendOf(forced, "GET https://forced.example.com/x"), "web/main");
  assert.equal(await backendOf(plain, "GET https://unknown.example.com/x"), "404", "the catch-all server _ answers 404 over HTTPS too");
  const config = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {${data}}\n---\n`;
  assert.equal(await backendOf(config('ssl-redirect: "false"') + noSecret, "GET http://nosecret.example.com/x"), "web/main", "ConfigMap ssl-redirect: false");
  assert.equal((await route(config('force-ssl-redirect: "true"') + plain, "GET http://plain.example.com/x")).status, 308, "ConfigMap force-ssl-redirect: true");
  assert.equal((await route(config('no-tls-redirect-locations: "/none"') + noSecret, "GET http://nosecret.example.com/.well-known/acme-challenge/t0k3n")).status, 308);
});

test("ingress-nginx's redirect to HTTPS drops the request URI's final slash, and with use-forwarded-headers X-Forwarded-Proto decides (was: slash kept, header ignored)", async () => {
  // lua_ingress.lua rewrite: "do not append a trailing slash on redirects unless enabled by annotations";
  // `if config.use_forwarded_headers then ... ngx.var.pass_access_scheme = ngx.var.http_x_forwarded_proto`.
  const y = (annotations = "") => ingress("tls", `  ingressClassName: nginx
  tls: [{hosts: [secure.example.com]}]
  rules:
  - host: secure.example.com
    http:
      paths:
${path("/", "Prefix", "main")}`, annotations);
  const location = async (yaml: string, request: string, headers: string[] = []) => (await route(yaml, request, headers)).redirect?.location ?? null;
  assert.equal(await location(y(), "GET http://secure.example.com/x/"), "https://secure.example.com/x");
  assert.equal(await location(y(), "GET http://secure.example.com/"), "https://secure.example.com");
  assert.equal(await location(y(), "GET http://secure.example.com/x/?q=1"), "https://secure.example.com/x/?q=1");
  assert.equal(await location(y('    nginx.ingress.kubernetes.io/preserve-trailing-slash: "true"'), "GET http://secure.example.com/x/"), "https://secure.example.com/x/");
  const forwarded = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: {use-forwarded-headers: "true"}\n---\n${y()}`;
  assert.equal(await backendOf(forwarded, "GET http://secure.example.com/x", ["X-Forwarded-Proto: https"]), "web/main", "TLS ended at the load balancer");
  assert.equal(await location(forwarded, "GET http://secure.example.com/x", ["X-Forwarded-Proto: http"]), "https://secure.example.com/x");
  assert.equal(await location(forwarded, "GET http://secure.example.com/x"), "https://secure.example.com/x");
  assert.equal(await location(forwarded, "GET https://secure.example.com/x", ["X-Forwarded-Proto: http"]), "https://secure.example.com/x", "443 redirects a request the load balancer says came in plain");
  assert.equal(await location(y(), "GET http://secure.example.com/x", ["X-Forwarded-Proto: https"]), "https://secure.example.com/x", "without use-forwarded-headers the header is not read");
});

test("permanent-redirect and app-root are nginx returns: the location carries the URL's own query, never the request's (was: the request's query appended, the URL's dropped)", async () => {
  // nginx.tmpl: `return {{ $location.Redirect.Code }} {{ $location.Redirect.URL }};` and
  // `if ($uri = /) { return 302 $scheme://$http_host{{ $location.Rewrite.AppRoot }}; }`.
  const y = (annotations: string) => ingress("moved", `  ingressClassName: nginx
  rules:
  - host: old.example.com
    http:
      paths:
${path("/", "Prefix", "main")}`, annotations);
  const location = async (yaml: string, request: string) => (await route(yaml, request)).redirect?.location ?? null;
  const moved = y("    nginx.ingress.kubernetes.io/permanent-redirect: https://new.example.com/landing?from=old");
  assert.equal(await location(moved, "GET http://old.example.com/x?q=1"), "https://new.example.com/landing?from=old");
  assert.equal(await location(y("    nginx.ingress.kubernetes.io/temporal-redirect: https://new.example.com/t"), "GET http://old.example.com/x?q=1"), "https://new.example.com/t");
  assert.equal(await location(y("    nginx.ingress.kubernetes.io/app-root: /app"), "GET http://old.example.com/?q=1"), "http://old.example.com/app");
});

test("server-alias: ingress-nginx serves a host's aliases as the host, redirecting to HTTPS only where its certificate covers the alias (was: 404)", async () => {
  // nginx.tmpl `server_name {{ buildServerName $server.Hostname }} {{range $server.Aliases }}{{ . }} {{ end }};`;
  // controller.go createServers drops an alias that is another server's host; nginx.go configureCertificates gives an
  // alias the host's certificate only when ssl.IsValidHostname(alias, cert names).
  const y = ingress("aliased", `  ingressClassName: nginx
  tls: [{hosts: [shop.example.com]}]
  rules:
  - host: shop.example.com
    http:
      paths:
${path("/", "Prefix", "main")}`, "    nginx.ingress.kubernetes.io/server-alias: 'store.example.com, other.example.com'") + "\n---\n" + ingress("other", `  ingressClassName: nginx
  rules:
  - host: other.example.com
    http:
      paths:
${path("/", "Prefix", "other")}`);
  assert.equal(await backendOf(y, "GET https://store.example.com/x"), "web/main");
  assert.equal(await backendOf(y, "GET http://store.example.com/x"), "web/main", "the default certificate does not cover the alias: no ssl-redirect there");
  assert.equal((await route(y, "GET http://shop.example.com/x")).status, 308);
  assert.equal(await backendOf(y, "GET http://other.example.com/x"), "web/other", "an alias naming another server is dropped");
  const forced = y.replace("annotations:\n", 'annotations:\n    nginx.ingress.kubernetes.io/force-ssl-redirect: "true"\n');
  assert.equal((await route(forced, "GET http://store.example.com/x")).redirect?.location, "https://store.example.com/x");
});

test("default-backend serves a location whose Service has no endpoint, when it has one (was: 503)", async () => {
  // controller.go getBackendServers: "Upstream %q has no active Endpoint, so using custom default backend"; the custom
  // backend "is valid only if contains at least one endpoint" (the default-backend Service's first port).
  const pod = (name: string, app: string, ip: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: web, labels: {app: ${app}}}\nspec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}\nstatus: {podIP: ${ip}, phase: Running, conditions: [{type: Ready, status: "True"}]}`;
  const y = (annotation: string, pods: string[]) => [...pods, ingress("fb", `  ingressClassName: nginx
  rules:
  - host: fb.example.com
    http:
      paths:
${path("/", "Prefix", "main")}`, annotation)].join("\n---\n");
  const fallback = "    nginx.ingress.kubernetes.io/default-backend: fallback";
  const served = await route(y(fallback, [pod("f", "fallback", "10.0.0.9")]), "GET http://fb.example.com/x");
  assert.deepEqual([served.status, served.backends.map((b) => b.name), served.backend], [200, ["web/fallback"], "web/f"]);
  assert.equal((await route(y("", [pod("f", "fallback", "10.0.0.9")]), "GET http://fb.example.com/x")).status, 503, "without the annotation");
  assert.equal(await backendOf(y(fallback, [pod("f", "fallback", "10.0.0.9"), pod("m", "main", "10.0.0.8")]), "GET http://fb.example.com/x"), "web/m", "the location's Service has endpoints (its pod m answers)");
  assert.equal((await route(y(fallback, [pod("o", "other", "10.0.0.7")]), "GET http://fb.example.com/x")).status, 503, "neither has endpoints");
});

test("a Host with a trailing dot is the name without it to ingress-nginx (nginx drops one trailing dot)", async () => {
  // nginx src/http/ngx_http_request.c ngx_http_validate_host: `if (dot_pos == host_len - 1) { host_len--; }`.
  assert.equal(await backendOf(HOSTS, "GET http://bar.foo.com./"), "web/host");
  assert.equal(await backendOf(HOSTS, "GET http://baz.foo.com./x"), "web/wild");
});

test("ingress-nginx reads a Service port's EndpointSlices its own way: a slice whose port names are not the Service port's serves it at a numeric targetPort (kubernetes/ingress-nginx#7390), a slice without ports too; a named targetPort does not (was: 503)", async () => {
  // internal/ingress/controller/endpointslices.go getEndpointsFromSlices: "use service target port if it's a number and no port name matched".
  const slice = (ports: string) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: manual-x, namespace: web, labels: {kubernetes.io/service-name: manual}}
addressType: IPv4
ports: ${ports}
endpoints: [{addresses: [10.0.0.1]}]`;
  const svc = (targetPort: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: manual, namespace: web}\nspec: {ports: [{name: http, port: 80, targetPort: ${targetPort}}]}`;
  const ing = ingress("manual", `  ingressClassName: nginx
  rules:
  - host: m.example.com
    http:
      paths:
${path("/", "Prefix", "manual")}`);
  const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: m-1, namespace: web}\nspec: {containers: [{name: c}]}\nstatus: {podIP: 10.0.0.1}";
  const ask = (yaml: string) => route(`${yaml}\n---\n${pod}\n---\n${ing}`, "GET http://m.example.com/");
  const renamed = await ask(`${svc("3000")}\n---\n${slice("[{name: web, port: 3000}]")}`);
  assert.deepEqual([renamed.status, renamed.backend], [200, "web/m-1"]);
  const noPorts = await ask(`${svc("3000")}\n---\n${slice("[]")}`);
  assert.deepEqual([noPorts.status, noPorts.backend], [200, "web/m-1"]);
  const named = await ask(`${svc("web")}\n---\n${slice("[{name: web, port: 3000}]")}`);
  assert.equal(named.status, 503, "no slice port is named http and the targetPort is a name: no endpoint");
  const same = await ask(`${svc("3000")}\n---\n${slice("[{name: http, port: 3001}]")}`);
  assert.deepEqual([same.status, same.backend], [200, "web/m-1"], "a slice port of the Service port's name gives its own number");
});
