// Property: for random Linkerd Servers with routes, route-level and Server-level
// AuthorizationPolicies and a default inbound policy, convert --to common then evaluate answers
// every request as evaluating Linkerd does (allowed or denied; Linkerd's 404 for an unrouted request
// is the common API's 403): --verify (the requests at the boundaries of every rule, every port) and
// a fixed set of requests walked before and after. Sets the converter refuses are skipped; most must
// convert.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { cli, tempFiles } from "../helpers.js";

const EXAMPLE = readFileSync("examples/mesh-linkerd/books.yaml", "utf8");
// The example's pods, Service and namespaces, without its NetworkPolicy (so that every client reaches the proxy).
const WORLD = EXAMPLE.split("\n---\napiVersion: policy.linkerd.io/v1beta3\nkind: Server")[0].split("\n---\n").filter((d) => !d.includes("kind: NetworkPolicy")).join("\n---\n") + "\n---\n";
const LD = "apiVersion: policy.linkerd.io";
const AUTHN = `${LD}/v1alpha1\nkind: MeshTLSAuthentication\nmetadata: {name: web, namespace: books}\nspec: {identityRefs: [{kind: Namespace, name: web}]}\n---\n`
  + `${LD}/v1alpha1\nkind: MeshTLSAuthentication\nmetadata: {name: front, namespace: books}\nspec: {identities: [front.web.serviceaccount.identity.linkerd.cluster.local]}\n---\n`
  + `${LD}/v1alpha1\nkind: NetworkAuthentication\nmetadata: {name: lan, namespace: books}\nspec: {networks: [{cidr: 192.168.0.0/16}]}\n---\n`;
const SERVER = `${LD}/v1beta3\nkind: Server\nmetadata: {name: api-http, namespace: books}\nspec: {podSelector: {matchLabels: {app: api}}, port: http, proxyProtocol: HTTP/1}\n---\n`;

const authn = fc.constantFrom("web", "front", "lan");
const authz = (name: string, target: string, ref: string) =>
  `${LD}/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: books}\nspec:\n  targetRef: {group: policy.linkerd.io, kind: ${target}}\n  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: ${ref === "lan" ? "NetworkAuthentication" : "MeshTLSAuthentication"}, name: ${ref}}]\n---\n`;
const match = fc.record({
  // A regular expression beside other routes is refused (Linkerd ranks it per request): rarer.
  path: fc.constantFrom(undefined, "{type: PathPrefix, value: /a}", "{type: PathPrefix, value: /a/b}", "{type: Exact, value: /a/b}", "{type: PathPrefix, value: /a}", "{type: Exact, value: /a/7}", "{type: RegularExpression, value: \"/a/[0-9]+\"}", "{type: PathPrefix, value: /}"),
  method: fc.constantFrom(undefined, "GET", "POST"),
  // A header match is refused (Linkerd matches any value of a repeated header, the common API the joined values): rare.
  header: fc.constantFrom(undefined, undefined, undefined, undefined, undefined, undefined, undefined, "[{name: x-t, value: \"1\"}]"),
}).map((m) => `{${[m.path && `path: ${m.path}`, m.method && `method: ${m.method}`, m.header && `headers: ${m.header}`].filter(Boolean).join(", ")}}`);
const route = fc.record({
  rules: fc.array(fc.array(match, { maxLength: 2 }), { minLength: 1, maxLength: 2 }),
  auth: fc.option(authn, { nil: undefined }),
});
const config = fc.record({
  // One set of hostnames for every route (different ones are refused: Linkerd ranks them per request).
  hostnames: fc.constantFrom(undefined, "[api.books]", "[other.example]"),
  routes: fc.array(route, { maxLength: 3 }),
  serverAuth: fc.option(authn, { nil: undefined }),
  defaultPolicy: fc.constantFrom(undefined, "deny", "all-authenticated", "cluster-unauthenticated", "all-unauthenticated"),
});

function objects(c: typeof config extends fc.Arbitrary<infer T> ? T : never): { world: string; policy: string } {
  const routes = c.routes.map((r, i) => `${LD}/v1beta3\nkind: HTTPRoute\nmetadata: {name: r${i}, namespace: books}\nspec:\n  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-http}]\n${c.hostnames ? `  hostnames: ${c.hostnames}\n` : ""}  rules: [${r.rules.map((ms) => `{matches: [${ms.join(", ")}]}`).join(", ")}]\n---\n`
    + (r.auth ? authz(`r${i}`, `HTTPRoute, name: r${i}`, r.auth) : "")).join("");
  const server = c.serverAuth ? authz("server", "Server, name: api-http", c.serverAuth) : "";
  const world = c.defaultPolicy ? WORLD.replace("{name: books, annotations: {linkerd.io/inject: enabled}}", `{name: books, annotations: {linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: ${c.defaultPolicy}}}`) : WORLD;
  return { world, policy: SERVER + AUTHN + routes + server };
}

const CLIENTS = ["web/front", "web/other", "plain/tool"];
const ASKS: [number, string, string, Record<string, string>][] = [
  [80, "GET", "/a", {}], [80, "POST", "/a/b", { "x-t": "1" }], [80, "GET", "/a/b/c", {}], [80, "GET", "/a/7", { "x-t": "1" }], [80, "DELETE", "/b", {}], [80, "GET", "/", { "x-t": "1" }],
  [9990, "GET", "/", {}], [9090, "POST", "/a", {}],
];

async function answers(files: Record<string, string>): Promise<boolean[]> {
  const reqs = CLIENTS.flatMap((from) => ASKS.map(([port, method, path, headers]) => `- ${JSON.stringify({ from, host: "api.books", port, method, path, headers })}`)).join("\n");
  const { dir, cleanup } = tempFiles({ ...files, "requests.yaml": reqs });
  try {
    const r = await cli(["route", ...Object.keys(files).flatMap((f) => ["-f", `${dir}/${f}`]), "--requests", `${dir}/requests.yaml`, "-o", "json"]);
    return JSON.parse(r.out).results.map((x: { status: number | null }) => typeof x.status === "number" && x.status < 400);
  } finally { cleanup(); }
}

test("property: convert --to common (Linkerd Servers, routes, authorizations, default policy) then evaluate = evaluate, per request", async () => {
  let converted = 0, runs = 0;
  await fc.assert(fc.asyncProperty(config, async (c) => {
    runs++;
    const { world, policy } = objects(c);
    const { dir, cleanup } = tempFiles({ "world.yaml": world, "policy.yaml": policy });
    let out: string;
    try {
      const r = await cli(["convert", "policy", "-f", dir, "--to", "common", "--verify"]);
      if (r.code === 1 && /not converted/.test(r.err)) return;
      converted++;
      assert.equal(r.code, 0, `${r.err}\n${world}${policy}`);
      assert.match(r.err, /verify: equivalent per request/);
      out = r.out;
    } finally { cleanup(); }
    const after = WORLD;
    assert.deepEqual(await answers({ "world.yaml": after, "converted.yaml": out }), await answers({ "world.yaml": world, "policy.yaml": policy }), policy);
  }), { numRuns: 25, seed: 20261205 });
  assert.ok(converted >= runs * 0.7, `only ${converted} of ${runs} random sets converted`);
});
