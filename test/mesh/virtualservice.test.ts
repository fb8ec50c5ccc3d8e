// A user's Istio VirtualService at a sidecar (engine/mesh/virtualservice.ts): pilot's route.go
// BuildHTTPRoutesForVirtualService / TranslateRoute / TranslateRouteMatch, the routes in order, the
// first whose match holds; destinations and DestinationRule subsets; which VirtualService takes the
// host (SelectVirtualServices); what istiod's validation refuses. Before: the kind was ignored
// ("kinds Junction does not read") and the request went to the Service's endpoints.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { CLUSTER, meshRoute, withProxy } from "./fixture.js";

const WORLD = withProxy("istio-proxy", ["web", "ops", "shop"], CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio-injection: enabled}}"));

/** A VirtualService of `ns` named `name` whose spec is YAML indented 2. */
const vs = (ns: string, name: string, spec: string, created?: string) => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}${created ? `, creationTimestamp: "${created}"` : ""}}
spec:
${spec}
`;

/** DestinationRule shop/api with subsets v1 and v2 (by the pods' `version` label), and `extra` subsets. */
const subsets = (ns = "shop", extra = "") => `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: ${ns}}
spec:
  host: api.shop.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}${extra}]
`;

interface Answer { status: number | null; reason: string; route?: string; rule?: number; backend: string | null; endpoint?: string; upstream?: { path?: string; host?: string; headers?: Record<string, string> }; redirect?: { location: string } | null; responseHeaders: Record<string, string>; mirroredTo: { name: string; percent: number }[]; candidates: { route: string; outcome: string }[]; backends: { name: string; weight: number }[] }

/** `junction route -o json` of one request from `from` (NS/POD) over `yaml`. */
async function ask(yaml: string, request: string, headers: string[] = [], from = "web/client"): Promise<Answer> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--from", from, "--request", request, ...headers.flatMap((h) => ["-H", h]), "-o", "json"]);
    assert.equal(r.code, 0, r.err + r.out);
    return JSON.parse(r.out).results[0];
  } finally { cleanup(); }
}

const endpointOf = (a: Answer) => JSON.stringify(a).match(/"endpoint":\s*"([^"]+)"/)?.[1];

const REVIEWS = vs("shop", "api", `  hosts: [api]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: api, subset: v2}}]
  - route: [{destination: {host: api, subset: v1}}]`) + subsets();

test("a VirtualService's header match sends jason to subset v2, everyone else to v1 (was: the VirtualService ignored, either pod)", async () => {
  const jason = await ask(WORLD + REVIEWS, "GET http://api.shop/", ["end-user: jason"]);
  assert.equal(jason.status, 200);
  assert.equal(jason.route, "VirtualService shop/api");
  assert.equal(jason.rule, 0);
  assert.match(endpointOf(jason) ?? "", /api-v2/);
  const other = await ask(WORLD + REVIEWS, "GET http://api.shop/", ["end-user: mary"]);
  assert.equal(other.rule, 1);
  assert.match(endpointOf(other) ?? "", /api-v1/);
  assert.match(other.candidates[0].outcome, /no match: header end-user exact "jason" does not match "mary"/);
});

test("a subset no DestinationRule defines: 503 (no cluster, NC); a subset whose labels pick no pod: 503 (no healthy upstream)", async () => {
  const undefinedSubset = WORLD + vs("shop", "api", "  hosts: [api.shop.svc.cluster.local]\n  http:\n  - route: [{destination: {host: api, subset: v3}}]") + subsets();
  const a = await ask(undefinedSubset, "GET http://api.shop/");
  assert.equal(a.status, 503);
  assert.match(a.reason, /defines no subset v3: the sidecar has no cluster outbound\|80\|v3\|api\.shop\.svc\.cluster\.local and Envoy answers 503/);
  const empty = WORLD + vs("shop", "api", "  hosts: [api]\n  http:\n  - route: [{destination: {host: api, subset: v3}}]") + subsets("shop", ", {name: v3, labels: {version: v3}}");
  const b = await ask(empty, "GET http://api.shop/");
  assert.equal(b.status, 503);
  assert.match(b.reason, /picks no ready endpoint .*no healthy upstream/);
  const none = WORLD + vs("shop", "api", "  hosts: [api]\n  http:\n  - route: [{destination: {host: api, subset: v1}}]");
  assert.match((await ask(none, "GET http://api.shop/")).reason, /no DestinationRule for api\.shop\.svc\.cluster\.local defines subset v1/);
});

test("routes are tried in order: an earlier prefix match wins over a later exact one; no route matches: 404", async () => {
  const yaml = WORLD + subsets() + vs("shop", "api", `  hosts: [api]
  http:
  - match: [{uri: {prefix: /a}}]
    route: [{destination: {host: api, subset: v1}}]
  - match: [{uri: {exact: /a/b}}]
    route: [{destination: {host: api, subset: v2}}]`);
  const a = await ask(yaml, "GET http://api.shop/a/b");
  assert.equal(a.rule, 0);
  assert.match(endpointOf(a) ?? "", /api-v1/);
  // Istio's uri prefix is a string prefix, not a path segment's.
  assert.equal((await ask(yaml, "GET http://api.shop/abc")).rule, 0);
  // The sidecar routes (and forwards) the path its connection manager normalized (meshConfig pathNormalization BASE).
  const dots = await ask(yaml, "GET http://api.shop/x/../a/b");
  assert.equal(dots.rule, 0);
  assert.equal(dots.upstream?.path, "/a/b");
  const miss = await ask(yaml, "GET http://api.shop/x");
  assert.equal(miss.status, 404);
  assert.match(miss.reason, /no route of VirtualService shop\/api .* matches GET \/x/);
});

test("match conditions: regex (RE2, whole path), ignoreUriCase, queryParams, method, withoutHeaders, sourceLabels, port", async () => {
  const route = (match: string) => WORLD + subsets() + vs("shop", "api", `  hosts: [api]
  http:
  - match: [${match}]
    route: [{destination: {host: api, subset: v2}}]
  - route: [{destination: {host: api, subset: v1}}]`);
  const rule = async (match: string, request: string, headers: string[] = [], from?: string) => (await ask(route(match), request, headers, from)).rule;
  assert.equal(await rule("{uri: {regex: '/api/v[0-9]+'}}", "GET http://api.shop/api/v12"), 0);
  assert.equal(await rule("{uri: {regex: '/api/v[0-9]+'}}", "GET http://api.shop/api/v12/x"), 1, "a regex matches the whole path");
  assert.equal(await rule("{uri: {exact: /Cart}, ignoreUriCase: true}", "GET http://api.shop/cART"), 0);
  assert.equal(await rule("{uri: {exact: /Cart}}", "GET http://api.shop/cART"), 1);
  assert.equal(await rule("{queryParams: {debug: {exact: 'on'}}}", "GET http://api.shop/?debug=on"), 0);
  assert.equal(await rule("{queryParams: {debug: {exact: 'on'}}}", "GET http://api.shop/?debug=off"), 1);
  assert.equal(await rule("{method: {exact: POST}}", "POST http://api.shop/"), 0);
  assert.equal(await rule("{method: {exact: POST}}", "GET http://api.shop/"), 1);
  assert.equal(await rule("{withoutHeaders: {x-canary: {exact: 'no'}}}", "GET http://api.shop/"), 0, "a missing header is read as empty");
  assert.equal(await rule("{withoutHeaders: {x-canary: {exact: 'no'}}}", "GET http://api.shop/", ["x-canary: no"]), 1);
  assert.equal(await rule("{sourceLabels: {app: client}, sourceNamespace: web}", "GET http://api.shop/"), 0);
  assert.equal(await rule("{sourceLabels: {app: client}, sourceNamespace: web}", "GET http://api.shop/", [], "ops/client"), 1);
  assert.equal(await rule("{port: 8080}", "GET http://api.shop:8080/"), 0);
  assert.equal(await rule("{port: 8080}", "GET http://api.shop/"), 1);
  // canBeConvertedToPresentMatch: "in == nil || in.MatchType == nil" (an empty StringMatch), or regex "*"; before, `{}` was dropped and held for every request.
  assert.equal(await rule("{headers: {x-user: {}}}", "GET http://api.shop/", ["x-user: anything"]), 0, "{} is a present match");
  assert.equal(await rule("{headers: {x-user: {}}}", "GET http://api.shop/"), 1, "{} is a present match: no header, no match");
  assert.equal(await rule("{queryParams: {debug: {}}}", "GET http://api.shop/"), 1, "a query parameter's {} is a present match");
  assert.equal(await rule("{queryParams: {debug: {}}}", "GET http://api.shop/?debug=1"), 0);
  assert.equal(await rule("{withoutHeaders: {x-user: {}}}", "GET http://api.shop/", ["x-user: anything"]), 1, "withoutHeaders {}: the header must be absent");
  assert.equal(await rule("{withoutHeaders: {x-user: {regex: '*'}}}", "GET http://api.shop/"), 0, "withoutHeaders regex \"*\" is an inverted present match");
  assert.equal(await rule("{withoutHeaders: {x-user: {regex: '*'}}}", "GET http://api.shop/", ["x-user: anything"]), 1);
});

test("weights, redirect, directResponse, rewrite and header operations, fault abort, mirror", async () => {
  const w = await ask(WORLD + subsets() + vs("shop", "api", "  hosts: [api]\n  http:\n  - route: [{destination: {host: api, subset: v1}, weight: 10}, {destination: {host: api, subset: v2}, weight: 90}]"), "GET http://api.shop/");
  assert.deepEqual(w.backends.map((b) => [b.name, b.weight]), [["shop/api subset v1", 10], ["shop/api subset v2", 90]]);
  assert.match(endpointOf(w) ?? "", /api-v2/);
  const r = await ask(WORLD + vs("shop", "api", "  hosts: [api]\n  http:\n  - match: [{uri: {prefix: /old}}]\n    redirect: {uri: /new, authority: example.com, redirectCode: 302}"), "GET http://api.shop/old/x?q=1");
  assert.equal(r.status, 302);
  assert.equal(r.redirect?.location, "http://example.com/new?q=1");
  const d = await ask(WORLD + vs("shop", "api", "  hosts: [api]\n  http:\n  - directResponse: {status: 418, body: {string: teapot}}"), "GET http://api.shop/");
  assert.equal(d.status, 418);
  assert.equal(d.backend, null);
  const rw = await ask(WORLD + vs("shop", "api", `  hosts: [api]
  http:
  - match: [{uri: {prefix: /v1/}}]
    rewrite: {uri: /, authority: api.internal}
    headers: {request: {set: {x-from: vs}, remove: [x-drop]}, response: {add: {x-served: vs}}}
    route: [{destination: {host: api}}]`), "GET http://api.shop/v1/items?a=1", ["x-drop: 1"]);
  assert.equal(rw.status, 200);
  assert.equal(rw.upstream?.path, "/items?a=1");
  assert.equal(rw.upstream?.host, "api.internal");
  assert.equal(rw.upstream?.headers?.["x-from"], "vs");
  assert.equal(rw.upstream?.headers?.["x-drop"], undefined);
  assert.equal(rw.responseHeaders["x-served"], "vs");
  const abort = (pct: number) => WORLD + vs("shop", "api", `  hosts: [api]\n  http:\n  - fault: {abort: {httpStatus: 503, percentage: {value: ${pct}}}}\n    route: [{destination: {host: api}}]\n    mirror: {host: api-v2}`);
  const all = await ask(abort(100), "GET http://api.shop/");
  assert.equal(all.status, 503);
  assert.match(all.reason, /fault aborts every request with 503/);
  const some = await ask(abort(30), "GET http://api.shop/");
  assert.equal(some.status, 200);
  assert.match(some.reason, /aborts 30% of the requests with 503: sometimes 503/);
  assert.deepEqual(some.mirroredTo, [{ name: "api-v2.shop.svc.cluster.local", percent: 100 }]);
});

test("a fault abort without percentage aborts no request: Envoy reads the unset FractionalPercent as 0% (istio/istio#36303), with a warning", async () => {
  const yaml = WORLD + vs("shop", "api", "  hosts: [api]\n  http:\n  - match: [{uri: {prefix: /admin}}]\n    fault: {abort: {httpStatus: 403}}\n    route: [{destination: {host: api}}]\n  - route: [{destination: {host: api}}]");
  // Before: 403, "aborts every request": the /admin path read as blocked while the sidecar sends it on.
  const a = await ask(yaml, "GET http://api.shop/admin");
  assert.equal(a.status, 200);
  assert.equal(a.rule, 0);
  assert.doesNotMatch(a.reason, /abort/);
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["route", "-f", dir, "--from", "web/client", "--request", "GET http://api.shop/admin"]);
    assert.match(r.err + r.out, /a\.yaml:\d+ spec\.http\[0\]\.fault\.abort: abort without percentage: Envoy aborts no request/);
  } finally { cleanup(); }
});

test("which VirtualService takes the host: exportTo hides it from other namespaces; of two, the older; a private one before the client namespace's HTTPRoute, a public one after it", async () => {
  const to = (exportTo: string) => WORLD + subsets() + vs("shop", "api", `  hosts: [api]\n  exportTo: [${exportTo}]\n  http:\n  - route: [{destination: {host: api, subset: v2}}]`);
  assert.equal((await ask(to("'.'"), "GET http://api.shop/")).route, undefined, "exported to shop only: the web client has no such virtual host");
  assert.equal((await ask(to("web"), "GET http://api.shop/")).route, "VirtualService shop/api");
  const two = WORLD + subsets() + vs("shop", "new", "  hosts: [api]\n  http:\n  - route: [{destination: {host: api, subset: v1}}]", "2026-02-01T00:00:00Z")
    + vs("shop", "old", "  hosts: [api]\n  http:\n  - route: [{destination: {host: api, subset: v2}}]", "2026-01-01T00:00:00Z");
  assert.equal((await ask(two, "GET http://api.shop/")).route, "VirtualService shop/old");
  const httpRoute = meshRoute("web", "consumer", "{group: '', kind: Service, name: api, namespace: shop, port: 80}", "  rules: [{backendRefs: [{name: api-v2, namespace: shop, port: 80}]}]");
  const pub = await ask(to("'*'") + httpRoute, "GET http://api.shop/");
  assert.equal(pub.route, "HTTPRoute web/consumer", "the client namespace's Gateway API VirtualService comes first in the public list");
  const priv = await ask(WORLD + subsets() + vs("web", "api", "  hosts: [api.shop.svc.cluster.local]\n  exportTo: ['.']\n  http:\n  - route: [{destination: {host: api.shop.svc.cluster.local, subset: v2}}]") + httpRoute, "GET http://api.shop/");
  assert.equal(priv.route, "VirtualService web/api", "a private VirtualService of the client's namespace comes first");
  assert.ok(priv.candidates.some((c) => c.route === "HTTPRoute web/consumer" && /ignored/.test(c.outcome)));
});

test("a VirtualService istiod refuses: file:line:field errors, exit 2, no stack trace", async () => {
  const { dir, cleanup } = tempFiles({ "a.yaml": WORLD + vs("shop", "bad", `  hosts: ["*"]
  http:
  - match: [{uri: {regex: "a(b"}}, {headers: {x: {prefix: ""}}}, {headers: {z: {regex: "*"}}}]
    route: [{destination: {host: api, subset: V1}}]
    redirect: {uri: /x}
  - route: [{destination: {host: api}}, {destination: {host: api-v2}}]
  - fault: {abort: {httpStatus: 700}}
    route: [{destination: {host: api}}]`) });
  try {
    const r = await cli(["route", "-f", dir, "--from", "web/client", "--request", "GET http://api.shop/"]);
    assert.equal(r.code, 2);
    const err = r.err + r.out;
    assert.doesNotMatch(err, /    at /);
    for (const want of [/a\.yaml:\d+ spec\.hosts\[0\]: wildcard host \* is not allowed for virtual services bound to the mesh gateway/,
      /spec\.http\[0\]: HTTP route cannot contain both route and redirect/, /spec\.http\[0\]\.match\[0\]\.uri\.regex: "uri": missing closing \)/,
      /spec\.http\[0\]\.match\[1\]\.headers\.x\.prefix: "headers": prefix string match should not be empty/, /spec\.http\[0\]\.match\[2\]\.headers\.z\.regex: "headers": missing argument to repetition operator/, /subset name is invalid: V1/,
      /spec\.http\[1\]\.route: total destination weight = 0/, /spec\.http\[2\]\.fault\.abort\.httpStatus: HTTP status 700 is not in range 200-599/]) assert.match(err, want);
  } finally { cleanup(); }
});

test("retries: a route's `retries` (retryOn 5xx) retries a 503; without, Istio's default retries no status; meshConfig defaultHttpRetryPolicy stands in for it; attempts 0: none", async () => {
  const route = (retries: string) => WORLD + vs("shop", "api", `  hosts: [api]\n  http:\n  - route: [{destination: {host: api}}]${retries ? `\n    retries: ${retries}` : ""}`);
  const flaky = "GET http://api.shop/?succeedAfter=1&responseCode=503";
  assert.equal((await ask(route("{attempts: 2, retryOn: 5xx}"), flaky)).status, 200);
  assert.equal((await ask(route(""), flaky)).status, 503, "the default policy retries connect failures, not statuses");
  const mesh = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |-\n    defaultHttpRetryPolicy: {attempts: 2, retryOn: 5xx}\n";
  assert.equal((await ask(route("") + mesh, flaky)).status, 200);
  assert.equal((await ask(route("{attempts: 0}") + mesh, flaky)).status, 503);
});

test("a VirtualService for a ServiceEntry's host routes the sidecar's requests to it: /api to a cluster Service, the rest to the entry, a path of neither 404 (was: straight to the entry)", async () => {
  const entry = "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: partner, namespace: web}\nspec: {hosts: [partner.example.com], ports: [{number: 80, name: http, protocol: HTTP}], location: MESH_EXTERNAL, resolution: DNS}\n";
  const yaml = WORLD + entry + vs("web", "partner", `  hosts: [partner.example.com]
  http:
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: api-v2.shop.svc.cluster.local}}]
  - match: [{uri: {prefix: /pub}}]
    route: [{destination: {host: partner.example.com}}]`);
  const api = await ask(yaml, "GET http://partner.example.com/api/x");
  assert.equal(api.route, "VirtualService web/partner");
  assert.match(endpointOf(api) ?? "", /api-v2/);
  const pub = await ask(yaml, "GET http://partner.example.com/pub");
  assert.equal(pub.rule, 1);
  assert.match(JSON.stringify(pub), /ServiceEntry web\/partner/);
  assert.equal((await ask(yaml, "GET http://partner.example.com/other")).status, 404);
});

test("a delegate VirtualService: its routes replace the root's delegating route, matches merged (a conflicting one dropped); not exported to the root's namespace: the route is dropped", async () => {
  const root = vs("shop", "api", `  hosts: [api]
  http:
  - match: [{uri: {prefix: /shop}}]
    delegate: {name: team, namespace: web}`);
  const team = (exportTo = "") => vs("web", "team", `${exportTo}  http:
  - match: [{uri: {prefix: /shop/v2}}]
    route: [{destination: {host: api.shop.svc.cluster.local, subset: v2}}]
  - match: [{uri: {prefix: /other}}]
    route: [{destination: {host: api.shop.svc.cluster.local, subset: v2}}]
  - route: [{destination: {host: api.shop.svc.cluster.local, subset: v1}}]`);
  const yaml = WORLD + subsets() + root + team();
  const v2 = await ask(yaml, "GET http://api.shop/shop/v2/x");
  assert.equal(v2.route, "VirtualService shop/api");
  assert.match(endpointOf(v2) ?? "", /api-v2/);
  assert.match(endpointOf(await ask(yaml, "GET http://api.shop/shop/a")) ?? "", /api-v1/);
  assert.equal((await ask(yaml, "GET http://api.shop/other")).status, 404, "the delegate's /other conflicts with the root's /shop: dropped");
  assert.equal((await ask(WORLD + subsets() + root + team("  exportTo: [web]\n"), "GET http://api.shop/shop/a")).route, undefined, "not exported to shop: the root has no routes left");
});

test("a VirtualService naming the host exactly takes it from an older wildcard one; of wildcards, the most specific (sidecar.go computeWildcardHostVirtualServiceIndex: MostSpecificHostMatch, exact match first)", async () => {
  const wild = (name: string, host: string, subset: string, created: string) => vs("shop", name, `  hosts: ["${host}"]\n  http:\n  - route: [{destination: {host: api.shop.svc.cluster.local, subset: ${subset}}}]`, created);
  const exact = vs("shop", "exact", "  hosts: [api]\n  http:\n  - route: [{destination: {host: api, subset: v1}}]", "2026-02-01T00:00:00Z");
  // Before: the older wildcard VirtualService came first in the order and took the host (subset v2).
  const both = await ask(WORLD + subsets() + wild("wild", "*.shop.svc.cluster.local", "v2", "2026-01-01T00:00:00Z") + exact, "GET http://api.shop/");
  assert.equal(both.route, "VirtualService shop/exact");
  assert.match(endpointOf(both) ?? "", /api-v1/);
  const specific = await ask(WORLD + subsets() + wild("wide", "*.svc.cluster.local", "v1", "2026-01-01T00:00:00Z") + wild("narrow", "*.shop.svc.cluster.local", "v2", "2026-02-01T00:00:00Z"), "GET http://api.shop/");
  assert.equal(specific.route, "VirtualService shop/narrow");
});

test("istiod's duplicate-host check compares the hosts as written; JWT claim routing in a mesh VirtualService is refused (validation.go ValidateVirtualService)", async () => {
  // `api` and its FQDN are not duplicates to host.Name.Matches: istiod admits the VirtualService (before: an error, nothing analysed).
  const both = await ask(WORLD + subsets() + vs("shop", "api", "  hosts: [api, api.shop.svc.cluster.local]\n  http:\n  - route: [{destination: {host: api, subset: v2}}]"), "GET http://api.shop/");
  assert.equal(both.route, "VirtualService shop/api");
  const { dir, cleanup } = tempFiles({ "a.yaml": WORLD + vs("shop", "dup", `  hosts: [api, "*.shop.svc.cluster.local", api]
  http:
  - match: [{headers: {"@request.auth.claims.group": {exact: admin}}}, {withoutHeaders: {"@request.auth.claims[role]": {exact: x}}}]
    route: [{destination: {host: api}}]`) });
  try {
    const r = await cli(["route", "-f", dir, "--from", "web/client", "--request", "GET http://api.shop/"]);
    assert.equal(r.code, 2);
    const err = r.err + r.out;
    assert.match(err, /spec\.hosts\[2\]: duplicate hosts in virtual service: api & api/);
    assert.doesNotMatch(err, /duplicate hosts in virtual service: api & \*\.shop/, "a wildcard host covers the FQDN, not the short name as written");
    assert.match(err, /headers\.@request\.auth\.claims\.group: JWT claim based routing \(key: @request\.auth\.claims\.group\) is only supported for gateway/);
    assert.match(err, /withoutHeaders\.@request\.auth\.claims\[role\]: JWT claim based routing/);
  } finally { cleanup(); }
});

test("header operations istiod refuses: a pseudo-header or Host, a value's %VAR% syntax, the authority set twice (validateHTTPRoute, validateHTTPRouteDestinations, validateAuthorityRewrite)", async () => {
  const { dir, cleanup } = tempFiles({ "a.yaml": WORLD + vs("shop", "hdr", `  hosts: [api]
  http:
  - headers:
      request: {set: {":path": /x, x-ok: "100%%", x-var: "%HOSTNAME%"}, add: {x-bad: "abc%123"}, remove: [":method"]}
      response: {add: {host: y}}
    route: [{destination: {host: api}, headers: {response: {set: {x-end: "%START_TIME%%"}}}}]
  - headers: {request: {set: {":authority": a.example}}}
    rewrite: {authority: b.example}
    route: [{destination: {host: api}}]`) });
  try {
    const r = await cli(["route", "-f", dir, "--from", "web/client", "--request", "GET http://api.shop/"]);
    assert.equal(r.code, 2, "before: admitted, routed");
    const err = r.err + r.out;
    assert.match(err, /headers\.request\.set\.:path: invalid header ":path": header cannot have ":" prefix/);
    assert.match(err, /headers\.request\.add\.x-bad: header value configuration: invalid header configuration\. Un-terminated variable expression 'abc%123'/);
    assert.match(err, /headers\.request\.remove\[0\]: invalid header ":method": header cannot have ":" prefix/);
    assert.match(err, /headers\.response\.add\.host: invalid header "host": cannot set Host header/);
    assert.match(err, /route\[0\]\.headers\.response\.set\.x-end: header value configuration: invalid header configuration\. Un-escaped %/);
    assert.match(err, /spec\.http\[1\]\.headers: authority header cannot be set multiple times: have "b\.example", attempting to set "a\.example"/);
    assert.doesNotMatch(err, /x-ok|x-var/, "%% and %VAR% are admitted");
  } finally { cleanup(); }
});

test("subsets of two DestinationRules for the host in one namespace are merged (destination_rule.go mergeDestinationRule: unique subsets concatenated, the older rule's first)", async () => {
  const dr = (name: string, created: string, subsetsYaml: string) => `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: shop, creationTimestamp: "${created}"}
spec:
  host: api.shop.svc.cluster.local
  subsets: [${subsetsYaml}]
`;
  const yaml = WORLD + dr("api-a", "2026-01-01T00:00:00Z", "{name: v1, labels: {version: v1}}") + dr("api-b", "2026-02-01T00:00:00Z", "{name: v2, labels: {version: v2}}, {name: v1, labels: {version: v2}}")
    + vs("shop", "api", "  hosts: [api]\n  http:\n  - match: [{headers: {end-user: {exact: jason}}}]\n    route: [{destination: {host: api, subset: v2}}]\n  - route: [{destination: {host: api, subset: v1}}]");
  // Before: 503, "DestinationRule shop/api-a ... defines no subset v2".
  const jason = await ask(yaml, "GET http://api.shop/", ["end-user: jason"]);
  assert.equal(jason.status, 200, jason.reason);
  assert.match(endpointOf(jason) ?? "", /api-v2/);
  const other = await ask(yaml, "GET http://api.shop/");
  assert.match(endpointOf(other) ?? "", /api-v1/, "a repeated subset name: the older rule's (a duplicate is dropped)");
});

test("a DestinationRule repeating a subset name is refused (ValidateDestinationRule: duplicate subset names)", async () => {
  const { dir, cleanup } = tempFiles({ "a.yaml": WORLD + subsets("shop", ", {name: v1, labels: {version: v2}}") });
  try {
    const r = await cli(["route", "-f", dir, "--from", "web/client", "--request", "GET http://api.shop/"]);
    assert.equal(r.code, 2, "before: admitted");
    assert.match(r.err + r.out, /spec\.subsets\[2\]\.name: duplicate subset names: v1/);
  } finally { cleanup(); }
});

test("a request header operation on Host or :authority rewrites the host: the route's before the destination's (route.go TranslateHeadersOperations, applyHTTPRouteDestination)", async () => {
  const hostSet = await ask(WORLD + vs("shop", "api", "  hosts: [api]\n  http:\n  - headers: {request: {set: {Host: api.internal}}}\n    route: [{destination: {host: api}}]"), "GET http://api.shop/");
  // Before: a header "Host" among the upstream headers, the host unchanged.
  assert.equal(hostSet.upstream?.host, "api.internal");
  assert.equal(hostSet.upstream?.headers?.["host"] ?? hostSet.upstream?.headers?.["Host"], undefined, "pilot writes no header operation for Host");
  const both = await ask(WORLD + vs("shop", "api", "  hosts: [api]\n  http:\n  - headers: {request: {set: {\":authority\": route.internal}}}\n    route: [{destination: {host: api}, headers: {request: {set: {\":authority\": dest.internal}}}}]"), "GET http://api.shop/");
  assert.equal(both.upstream?.host, "route.internal", "the destination's authority only when the route sets none");
  const dest = await ask(WORLD + vs("shop", "api", "  hosts: [api]\n  http:\n  - route: [{destination: {host: api}, headers: {request: {add: {host: dest.internal}}}}]"), "GET http://api.shop/");
  assert.equal(dest.upstream?.host, "dest.internal");
});

test("fault.delay holds the request before the router, whose timeout starts only then (router.cc onRequestComplete): a 5 s delay under a 1 s timeout is no 504; the answer's time adds the delay", async () => {
  const yaml = WORLD + vs("shop", "api", "  hosts: [api]\n  http:\n  - fault: {delay: {fixedDelay: 5s, percentage: {value: 100}}}\n    timeout: 1s\n    route: [{destination: {host: api}}]");
  const a = await ask(yaml, "GET http://api.shop/?delay=200ms");
  assert.equal(a.status, 200, "the route's timeout does not count the fault's delay");
  assert.match(a.reason, /its fault delays every request by 5000 ms before the route's timer starts: the answer after 5200 ms; timeout 1000 ms, which does not count the fault's delay/);
  const slow = await ask(yaml, "GET http://api.shop/?delay=2s");
  assert.equal(slow.status, 504, "the backend's own 2 s is over the 1 s timeout");
});
