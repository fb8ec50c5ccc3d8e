// junction convert policy --to common with Linkerd route-level authorization. Linkerd semantics
// pinned (linkerd.io "Authorization policy" reference and the policy controller's inbound index): a
// request to a Server with routes takes ONE route, the most specific match by Gateway API
// precedence ("Exact path match", then "Prefix path match with largest number of characters", then
// "Method match", then "Largest number of header matches", then "Largest number of query param
// matches"); it is authorized when an AuthorizationPolicy of that route or of the Server admits the
// client, else 403; a request no route matches gets 404. The conversion keeps that order (first
// match), and --verify compares allowed/denied per request (404 and 403 are both denied).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli, tempFiles } from "../helpers.js";

const EXAMPLE = readFileSync("examples/mesh-linkerd/books.yaml", "utf8");
const [WORLD] = EXAMPLE.split("\n---\napiVersion: policy.linkerd.io/v1beta3\nkind: Server");
const LD = "apiVersion: policy.linkerd.io";

const SERVER = `${LD}/v1beta3\nkind: Server\nmetadata: {name: api-http, namespace: books}\nspec: {podSelector: {matchLabels: {app: api}}, port: http, proxyProtocol: HTTP/1}\n---\n`
  + `${LD}/v1alpha1\nkind: MeshTLSAuthentication\nmetadata: {name: web, namespace: books}\nspec: {identityRefs: [{kind: Namespace, name: web}]}\n---\n`
  + `${LD}/v1alpha1\nkind: MeshTLSAuthentication\nmetadata: {name: front, namespace: books}\nspec: {identities: [front.web.serviceaccount.identity.linkerd.cluster.local]}\n---\n`;
const route = (name: string, match: string, group = "policy.linkerd.io/v1beta3") =>
  `apiVersion: ${group}\nkind: HTTPRoute\nmetadata: {name: ${name}, namespace: books}\nspec:\n  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-http}]\n  rules: [{matches: [${match}]}]\n---\n`;
const authz = (name: string, routeName: string, authn: string, group = "policy.linkerd.io") =>
  `${LD}/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: books}\nspec:\n  targetRef: {group: ${group}, kind: HTTPRoute, name: ${routeName}}\n  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: ${authn}}]\n---\n`;

// (The NetworkPolicy of the example admits the web namespace only: plain/tool is refused at L4.)
// Reads of /books by web, writes by web/front, and /books/secret (exact, a Gateway API HTTPRoute) by web/front only:
// the exact match takes /books/secret from the read route, which admits web/other.
const ROUTES = SERVER
  + route("read", "{path: {type: PathPrefix, value: /books}, method: GET}") + authz("read", "read", "web")
  + route("write", "{path: {type: PathPrefix, value: /books}, method: POST}") + authz("write", "write", "front")
  + route("secret", "{path: {type: Exact, value: /books/secret}}", "gateway.networking.k8s.io/v1") + authz("secret", "secret", "front", "gateway.networking.k8s.io");

const ASKS = ["web/front GET /books", "web/other GET /books/1", "plain/tool GET /books", "web/other POST /books", "web/front POST /books/x", "web/other GET /books/secret", "web/front GET /books/secret", "web/front GET /other", "web/front DELETE /books"];

async function answers(files: Record<string, string>): Promise<string[]> {
  const reqs = ASKS.map((a) => { const [from, method, path] = a.split(" "); return `- ${JSON.stringify({ from, host: "api.books", port: 80, method, path })}`; }).join("\n");
  const { dir, cleanup } = tempFiles({ ...files, "requests.yaml": reqs });
  try {
    const r = await cli(["route", ...Object.keys(files).flatMap((f) => ["-f", `${dir}/${f}`]), "--requests", `${dir}/requests.yaml`, "-o", "json"]);
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return JSON.parse(r.out).results.map((x: { status: number | null }, i: number) => `${ASKS[i]}: ${x.status}`);
  } finally { cleanup(); }
}

async function convert(files: Record<string, string>, ...extra: string[]) {
  const { dir, cleanup } = tempFiles(files);
  try { return await cli(["convert", "policy", "-f", dir, "--to", "common", ...extra]); } finally { cleanup(); }
}

const denied = (s: string) => !/: 200$/.test(s);

test("route-level authorization: each route's clients on that route only, the most specific route first (exact /books/secret before the /books prefix), 404 for a request no route matches; --verify passes", async () => {
  const r = await convert({ "world.yaml": WORLD, "policy.yaml": ROUTES }, "--verify");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /verify: equivalent per request \(\d+ requests/);
  assert.match(r.err, /warning: [^\n]*policy\.yaml:1: Server books\/api-http: Linkerd answers a request no route of the Server matches with 404 \(gRPC: UNIMPLEMENTED\), the conversion with 403/);
  // The exact route comes first, then its Deny (web/other must not reach the read route's Pass).
  assert.match(r.out, /name: linkerd-books-api-http\n[\s\S]*?- action: Pass\n[\s\S]*?serviceAccounts:\n\s+- front\n[\s\S]*?http:\n\s+- paths:\n\s+- exact: \/books\/secret\n\s+- name: unauthorized-on-httproute-secret\n\s+action: Deny/);
  const before = await answers({ "world.yaml": WORLD, "policy.yaml": ROUTES });
  assert.deepEqual(before, ["web/front GET /books: 200", "web/other GET /books/1: 200", "plain/tool GET /books: null", "web/other POST /books: 403", "web/front POST /books/x: 200", "web/other GET /books/secret: 403", "web/front GET /books/secret: 200", "web/front GET /other: 404", "web/front DELETE /books: 404"]);
  const after = await answers({ "world.yaml": WORLD, "converted.yaml": r.out });
  assert.deepEqual(after.map(denied), before.map(denied));
  assert.deepEqual(after.slice(-2), ["web/front GET /other: 403", "web/front DELETE /books: 403"], "the unmatched rest is denied with 403 by the common API");
});

test("paths not in normal form, documented: Linkerd routes them as sent, the common API as the normalized path; --verify counts them apart, both ways", async () => {
  const r = await convert({ "world.yaml": WORLD, "policy.yaml": ROUTES }, "--verify");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /\d+ of them allowed before and refused after, as documented: paths not in normal form, which Linkerd routes as sent and the common API as the normalized path the application resolves\)/);
  // /books/../x takes the read route in Linkerd (its raw path is under /books), no route after normalization (/x);
  // /x/../books takes no route in Linkerd (404), the read route after normalization (/books).
  const ask = async (files: Record<string, string>) => {
    const reqs = ["/books/../x", "/x/../books"].map((path) => `- ${JSON.stringify({ from: "web/other", host: "api.books", port: 80, method: "GET", path })}`).join("\n");
    const { dir, cleanup } = tempFiles({ ...files, "requests.yaml": reqs });
    try {
      const out = await cli(["route", ...Object.keys(files).flatMap((f) => ["-f", `${dir}/${f}`]), "--requests", `${dir}/requests.yaml`, "-o", "json"]);
      return JSON.parse(out.out).results.map((x: { status: number | null }) => x.status);
    } finally { cleanup(); }
  };
  assert.deepEqual(await ask({ "world.yaml": WORLD, "policy.yaml": ROUTES }), [200, 404]);
  assert.deepEqual(await ask({ "world.yaml": WORLD, "converted.yaml": r.out }), [403, 200]);
});

test("a gRPC Server takes its GRPCRoutes only, and a GRPCRoute gRPC calls only (POST): the converted match says POST; an HTTPRoute on it is not used", async () => {
  const grpc = `${LD}/v1beta3\nkind: Server\nmetadata: {name: api-grpc, namespace: books}\nspec: {podSelector: {matchLabels: {app: api}}, port: 9990, proxyProtocol: gRPC}\n---\n`
    + "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: rpc, namespace: books}\nspec:\n  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-grpc}]\n  rules: [{matches: [{method: {service: books.Books, method: Get}}]}]\n---\n"
    + route("unused", "{path: {type: PathPrefix, value: /}}").replace("name: api-http}", "name: api-grpc}") + authz("unused", "unused", "web")
    + `${LD}/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: rpc, namespace: books}\nspec:\n  targetRef: {group: gateway.networking.k8s.io, kind: GRPCRoute, name: rpc}\n  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web}]\n---\n`;
  const files = { "world.yaml": WORLD, "policy.yaml": SERVER.split("---\n").slice(1).join("---\n") + grpc };
  const r = await convert(files, "--verify");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /name: linkerd-books-api-grpc\n[\s\S]*?http:\n\s+- methods:\n\s+- POST\n\s+paths:\n\s+- \/books\\\.Books\/Get\(\?:\/\.\*\)\?\n/, "the path's 2nd and 3rd pieces, more pieces allowed (grpc/match.rs match_length)");
  assert.match(r.err, /note: AuthorizationPolicy books\/unused applies to no Server in the input/);
  const ask = async (fs: Record<string, string>) => {
    const reqs = ["POST /books.Books/Get", "GET /books.Books/Get", "POST /other"].map((x) => `- ${JSON.stringify({ from: "web/other", host: "api.books", port: 9990, method: x.split(" ")[0], path: x.split(" ")[1] })}`).join("\n");
    const { dir, cleanup } = tempFiles({ ...fs, "requests.yaml": reqs });
    try {
      const out = await cli(["route", ...Object.keys(fs).flatMap((f) => ["-f", `${dir}/${f}`]), "--requests", `${dir}/requests.yaml`, "-o", "json"]);
      return JSON.parse(out.out).results.map((x: { status: number | null }) => typeof x.status === "number" && x.status < 400);
    } finally { cleanup(); }
  };
  assert.deepEqual(await ask(files), [true, false, false]);
  assert.deepEqual(await ask({ "world.yaml": WORLD, "converted.yaml": r.out }), [true, false, false]);
});

const REFUSALS: [string, string, RegExp][] = [
  ["a route match on a query parameter", route("q", "{path: {type: PathPrefix, value: /books}, queryParams: [{name: v, value: \"2\"}]}"), /Server books\/api-http: HTTPRoute books\/q, rule 0: a query parameter match \(v\) has no common-API equivalent/],
  ["a route match on a header by regular expression", route("h", "{headers: [{name: x-team, type: RegularExpression, value: \"web.*\"}]}"), /Server books\/api-http: HTTPRoute books\/h, rule 0: a header match by regular expression \(x-team\) has no common-API equivalent/],
  ["a route match on a header value (Linkerd: any one value of a repeated header; the common API: the values joined with \",\")", route("hv", "{headers: [{name: x-team, value: web}]}"), /Server books\/api-http: HTTPRoute books\/hv, rule 0: a header match \(x-team\): Linkerd's proxy matches any one value of a header sent several times, the common API the values joined with ","/],
  ["a regular-expression path beside other routes (Linkerd ranks it by the request path's length: no fixed order)", route("rx", "{path: {type: RegularExpression, value: \"/books/[0-9]+\"}}") + route("other", "{path: {type: PathPrefix, value: /books}}"), /Server books\/api-http: HTTPRoute rx matches a path by regular expression beside other routes \(HTTPRoute rx, HTTPRoute other\): Linkerd ranks such a match by the length of the request's path, per request/],
  ["routes with different hostnames (Linkerd ranks the hostname that matched first)", route("hx", "{path: {type: PathPrefix, value: /books}}").replace("  rules:", "  hostnames: [api.books]\n  rules:") + route("other", "{path: {type: PathPrefix, value: /books/x}}"), /Server books\/api-http: HTTPRoute hx, HTTPRoute other have different hostnames: Linkerd ranks a request's routes by the hostname that matched first, per request/],
];

for (const [what, extra, message] of REFUSALS) {
  test(`convert --to common refuses ${what}: "not converted" with file, line and name, and the route's AuthorizationPolicy with it (exit 1)`, async () => {
    const r = await convert({ "world.yaml": WORLD, "policy.yaml": SERVER + extra + authz("a", extra.match(/name: (\w+),/)![1], "front") });
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, message);
    assert.match(r.err, /not converted: [^\n]*policy\.yaml:\d+: AuthorizationPolicy \(policy\.linkerd\.io\) books\/a: its route \w+'s Server books\/api-http is not converted/);
    assert.doesNotMatch(r.out, /linkerd-books-api-http/);
  });
}
