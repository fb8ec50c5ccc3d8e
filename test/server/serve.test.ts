// junction serve with -f: every API document equals the CLI's -o json output; bad parameters get the
// CLI's error text; the server is read-only and loopback-only; a file change is pushed as an event
// and changes the answers.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:http";
import { cli, tempFiles } from "../helpers.js";
import { events, getJson, serve } from "./helpers.js";

const SHOP = ["-f", "examples/shop"];

test("each API document is the document the CLI prints with -o json", async () => {
  const s = await serve([...SHOP, "-f", "examples/gateway"]);
  try {
    const same = async (path: string, args: string[]) => {
      const api = await getJson(s.url + path.slice(1));
      const run = await cli([...args, ...SHOP, "-f", "examples/gateway", "-o", "json"]);
      assert.equal(api.status, 200, `${path}: ${JSON.stringify(api.body)}`);
      assert.deepEqual(api.body, JSON.parse(run.out), path);
    };
    await same("/api/v1/summary", ["analyze"]);
    await same("/api/v1/connections", ["list"]);
    await same("/api/v1/connections?group-by=replicaset", ["list", "--group-by", "replicaset"]);
    // list's focus flags, --explain and --exposure as query parameters (repeatable ones repeated).
    await same("/api/v1/connections?focus-workload=shop/api&focus-workload=payments/payments&focus-direction=ingress", ["list", "--focus-workload", "shop/api", "--focus-workload", "payments/payments", "--focus-direction", "ingress"]);
    await same("/api/v1/connections?focus-workload=shop/web&focus-peer=shop/api&focus-conn=tcp-8080", ["list", "--focus-workload", "shop/web", "--focus-peer", "shop/api", "--focus-conn", "tcp-8080"]);
    await same("/api/v1/connections?exposure=true", ["list", "--exposure"]);
    await same("/api/v1/connections?explain=true&explain-only=deny&focus-workload=payments/payments", ["list", "--explain", "--explain-only", "deny", "--focus-workload", "payments/payments"]);
    await same("/api/v1/connections?explain&exposure&focus-workload=shop/web", ["list", "--explain", "--exposure", "--focus-workload", "shop/web"]);
    await same("/api/v1/explain?from=web&to=api&port=8080&namespace=shop", ["explain", "--from", "web", "--to", "api", "--port", "8080", "-n", "shop"]);
    await same("/api/v1/matrix?port=8080", ["matrix", "--port", "8080"]);
    await same("/api/v1/explain?from=shop/web&to=shop/api&port=8080", ["explain", "--from", "shop/web", "--to", "shop/api", "--port", "8080"]);
    await same("/api/v1/route?request=" + encodeURIComponent("GET https://shop.example.com/cart"), ["route", "--request", "GET https://shop.example.com/cart"]);
    await same("/api/v1/status", ["status"]);
    await same("/api/v1/exposure", ["exposure"]);
    await same("/api/v1/diagnostics", ["validate"]);
    const health = await getJson(s.url + "healthz");
    assert.equal(health.body.status, "ok");
    const openapi = await getJson(s.url + "api/v1/openapi.json");
    assert.equal(openapi.body.openapi, "3.1.0");
    assert.deepEqual(openapi.body.paths["/api/v1/explain"].get.parameters.map((p: { name: string }) => p.name), ["from", "to", "port", "protocol", "namespace", "network", "request", "header"]);
    const connections = openapi.body.paths["/api/v1/connections"].get.parameters;
    assert.deepEqual(connections.map((p: { name: string }) => p.name), ["group-by", "focus-workload", "focus-peer", "focus-direction", "focus-conn", "explain", "explain-only", "exposure", "l7"]);
    assert.deepEqual(connections.find((p: { name: string }) => p.name === "focus-workload").schema.type, "array");
    assert.deepEqual(connections.find((p: { name: string }) => p.name === "explain-only").schema.enum, ["allow", "deny"]);
    assert.deepEqual(connections.find((p: { name: string }) => p.name === "explain").schema, { type: "boolean" });
  } finally { await s.stop(); }
});

test("bad parameters get 400 with the CLI's error text", async () => {
  const s = await serve(SHOP);
  try {
    const cases: [string, string[]][] = [
      ["api/v1/explain?from=shop/web&to=shop/nope&port=8080", ["explain", "--from", "shop/web", "--to", "shop/nope", "--port", "8080"]],
      ["api/v1/explain?from=shop/web&to=shop/api&port=70000", ["explain", "--from", "shop/web", "--to", "shop/api", "--port", "70000"]],
      ["api/v1/matrix?port=8080&protocol=XX", ["matrix", "--port", "8080", "--protocol", "XX"]],
      ["api/v1/connections?focus-conn=tcp-http", ["list", "--focus-conn", "tcp-http"]],
      ["api/v1/connections?focus-peer=shop/api", ["list", "--focus-peer", "shop/api"]],
      ["api/v1/connections?explain-only=deny", ["list", "--explain-only", "deny"]],
      ["api/v1/connections?explain-only=maybe&explain", ["list", "--explain-only", "maybe", "--explain"]],
      ["api/v1/connections?focus-workload=shop/nope", ["list", "--focus-workload", "shop/nope"]],
      ["api/v1/explain?request=" + encodeURIComponent("GET http://api.shop/"), ["explain", "--request", "GET http://api.shop/"]],
      ["api/v1/explain?from=shop/web&request=" + encodeURIComponent("FETCH"), ["explain", "--from", "shop/web", "--request", "FETCH"]],
    ];
    for (const [path, args] of cases) {
      const api = await getJson(s.url + path);
      const run = await cli([...args, ...SHOP]);
      assert.equal(api.status, 400, path);
      assert.equal(run.code, 2);
      assert.ok(run.err.includes(api.body.error), `${path}: CLI said ${run.err}, API said ${api.body.error}`);
    }
    const unknown = await getJson(s.url + "api/v1/explain?form=x");
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /unknown parameter "form"/);
  } finally { await s.stop(); }
});

// A copy of examples/mesh where a header decides: Istio denies the catalog to requests with x-debug: on.
const HEADER_POLICY = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-debug-header, namespace: shop}
spec:
  selector: {matchLabels: {app: catalog}}
  action: DENY
  rules:
  - when: [{key: "request.headers[x-debug]", values: ["on"]}]
`;

test("explain takes request= and header= (repeatable) for L7: the document `explain --request -o json` prints", async () => {
  const t = tempFiles({});
  cpSync("examples/mesh", join(t.dir, "mesh"), { recursive: true });
  writeFileSync(join(t.dir, "mesh", "header.yaml"), HEADER_POLICY);
  const mesh = ["-f", join(t.dir, "mesh")];
  const s = await serve(mesh);
  try {
    const items = "request=" + encodeURIComponent("GET http://catalog/items/42");
    const header = (h: string) => "&header=" + encodeURIComponent(h);
    const cases: [string, string[], number][] = [
      [`from=shop/frontend&${items}`, ["--from", "shop/frontend", "--request", "GET http://catalog/items/42"], 0],
      [`from=shop/frontend&${items}${header("x-debug: on")}${header("x-user: alice")}`, ["--from", "shop/frontend", "--request", "GET http://catalog/items/42", "-H", "x-debug: on", "-H", "x-user: alice"], 1],
      [`from=checkout/cart&request=${encodeURIComponent("GET http://catalog.shop/admin")}`, ["--from", "checkout/cart", "--request", "GET http://catalog.shop/admin"], 1],
    ];
    for (const [query, args, code] of cases) {
      const api = await getJson(`${s.url}api/v1/explain?${query}`);
      const run = await cli(["explain", ...mesh, ...args, "-o", "json"]);
      assert.equal(run.code, code, `${args.join(" ")}: ${run.err}`);
      assert.equal(api.status, 200, `${query}: ${JSON.stringify(api.body)}`);
      assert.deepEqual(api.body, JSON.parse(run.out), query);
    }
    const bad = await getJson(`${s.url}api/v1/explain?from=shop/frontend&${items}${header("no-colon")}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, `-H "no-colon": write 'name: value'`);
  } finally { await s.stop(); t.cleanup(); }
});

test("per-network connections (user-defined and secondary networks) with focus and explain are served as the CLI prints them", async () => {
  const nets = ["-f", "examples/networks"];
  const s = await serve(nets);
  try {
    for (const [query, args] of [
      ["focus-workload=shop/api", ["--focus-workload", "shop/api"]],
      ["explain&focus-workload=billing/ledger&focus-direction=ingress", ["--explain", "--focus-workload", "billing/ledger", "--focus-direction", "ingress"]],
    ] as [string, string[]][]) {
      const api = await getJson(`${s.url}api/v1/connections?${query}`);
      const run = await cli(["list", ...nets, ...args, "-o", "json"]);
      assert.equal(api.status, 200, `${query}: ${JSON.stringify(api.body)}`);
      assert.deepEqual(api.body, JSON.parse(run.out), query);
    }
  } finally { await s.stop(); }
});

test("read-only, loopback Host only, and a token off loopback", async () => {
  const s = await serve(SHOP);
  try {
    assert.equal((await fetch(s.url + "api/v1/summary", { method: "POST" })).status, 405);
    const rebound = await new Promise<number>((resolve, reject) => request(s.url + "api/v1/summary", { headers: { Host: "evil.example.com" } }, (r) => { r.resume(); resolve(r.statusCode!); }).on("error", reject).end());
    assert.equal(rebound, 403);
    assert.equal((await fetch(s.url + "api/v1/nothing")).status, 404);
  } finally { await s.stop(); }
  const refused = await cli(["serve", ...SHOP, "--address", "0.0.0.0"]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /not a loopback address: give --token-file/);
  const t = tempFiles({ token: "a-very-secret-token-of-some-length\n" });
  const guarded = await serve([...SHOP, "--token-file", join(t.dir, "token")]);
  try {
    assert.equal((await fetch(guarded.url + "api/v1/summary")).status, 401);
    assert.equal((await fetch(guarded.url + "api/v1/summary", { headers: { Authorization: "Bearer wrong" } })).status, 401);
    assert.equal((await fetch(guarded.url + "api/v1/summary", { headers: { Authorization: "Bearer a-very-secret-token-of-some-length" } })).status, 200);
  } finally { await guarded.stop(); t.cleanup(); }
});

test("a changed file is reloaded, pushed as an event, and changes the answer", async () => {
  const t = tempFiles({});
  cpSync("examples/shop", join(t.dir, "shop"), { recursive: true });
  const s = await serve(["-f", join(t.dir, "shop")]);
  const stream = await events(s.url + "api/v1/events");
  try {
    const explain = () => getJson(s.url + "api/v1/explain?from=shop/web&to=shop/api&port=8080");
    assert.equal((await explain()).body.verdict, "allow");
    const hello = await stream.next("hello");
    const first = (await getJson(s.url + "healthz")).body;
    assert.equal(first.loadedAt, first.startedAt, "the first load is at the start");
    const policy = join(t.dir, "shop", "policies-shop.yaml");
    writeFileSync(policy, readFileSync(policy, "utf8").replace("matchLabels: {app: web}\n    ports:\n    - {port: http}", "matchLabels: {app: nobody}\n    ports:\n    - {port: http}"));
    const update = await stream.next("update");
    assert.equal(update.version, hello.version + 1);
    assert.deepEqual(update.changes, [policy]);
    const after = await explain();
    assert.equal(after.body.verdict, "deny");
    assert.match(after.body.pairs[0].ingress.summary, /isolated by NetworkPolicy shop\/api/);
    // /healthz loadedAt is the last successful load (it was the start time forever), startedAt stays.
    const reloaded = (await getJson(s.url + "healthz")).body;
    assert.equal(reloaded.startedAt, first.startedAt);
    assert.ok(Date.parse(reloaded.loadedAt) > Date.parse(first.loadedAt), `${reloaded.loadedAt} after ${first.loadedAt}`);
    // A reload that finds errors keeps the last good time and says why the answers are refused.
    writeFileSync(policy, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: broken, namespace: shop}\nspec: {podSelector: 7}\n");
    const bad = await stream.next("update");
    assert.ok(bad.invalid);
    const broken = (await getJson(s.url + "healthz")).body;
    assert.equal(broken.loadedAt, reloaded.loadedAt);
    assert.match(broken.invalid, /error in the input/);
  } finally { stream.close(); await s.stop(); t.cleanup(); }
});
