// junction diff's l7 section: a change in an Istio AuthorizationPolicy, a Linkerd route or a Cilium
// http rule that changes which requests pass between two workloads is reported per derived request,
// in every format, and --fail-on added/removed cover it. Two versions: examples/mesh and
// examples/cilium as base; head edits one thing of each API.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { cli, tempFiles } from "../helpers.js";

function versions() {
  const t = tempFiles({});
  for (const side of ["base", "head"]) {
    cpSync("examples/mesh", join(t.dir, side), { recursive: true });
    cpSync("examples/cilium", join(t.dir, side, "cilium"), { recursive: true });
  }
  const edit = (file: string, from: string | RegExp, to: string) => {
    const path = join(t.dir, "head", file), text = readFileSync(path, "utf8");
    assert.ok(typeof from === "string" ? text.includes(from) : from.test(text), `${file}: ${from}`);
    writeFileSync(path, text.replace(from, to));
  };
  // Istio: the frontend may no longer HEAD; the DENY of /admin is gone.
  edit("istio.yaml", "methods: [GET, HEAD], paths", "methods: [GET], paths");
  edit("istio.yaml", /---\napiVersion: security\.istio\.io\/v1\nkind: AuthorizationPolicy\nmetadata: \{name: no-admin[\s\S]*?(?=---)/, "");
  // Linkerd: the write route takes PUT instead of POST.
  edit("linkerd.yaml", "value: /books}, method: POST}", "value: /books}, method: PUT}");
  // Cilium: the backend's http rules also allow POST /api/orders.
  edit("cilium/policies.yaml", `- {method: GET, path: "/api/.*"}`, `- {method: GET, path: "/api/.*"}\n        - {method: POST, path: "/api/orders"}`);
  return { base: join(t.dir, "base"), head: join(t.dir, "head"), cleanup: t.cleanup };
}

const EXPECTED = [
  "diff-type: added, source: app/frontend[Deployment], destination: app/backend[Deployment], request: POST /api/orders :80, rule: CiliumNetworkPolicy app/backend ingress rule 0, old: denied by CiliumNetworkPolicy app/backend rule 0 (the request matches none of the HTTP rules allowing this peer and port (Cilium answers 403)), new: allowed",
  "diff-type: removed, source: books/web[Deployment], destination: books/api[Deployment], request: POST /books :8080, rule: HTTPRoute books/api-write rule 0, old: allowed by AuthorizationPolicy books/api-write, new: denied by Server books/api-http (no route of Server books/api-http matches the request: 404)",
  "diff-type: added, source: books/web[Deployment], destination: books/api[Deployment], request: PUT /books :8080, rule: HTTPRoute books/api-write rule 0, old: denied by Server books/api-http (no route of Server books/api-http matches the request: 404), new: allowed by AuthorizationPolicy books/api-write",
  "diff-type: added, source: checkout/cart[Deployment], destination: shop/catalog-v2[Deployment], request: GET /admin :8080, rule: AuthorizationPolicy shop/no-admin rule 0, old: denied by DENY AuthorizationPolicy shop/no-admin, rule 0, new: allowed by AuthorizationPolicy shop/catalog-readers rule 1",
  "diff-type: added, source: checkout/cart[Deployment], destination: shop/catalog[Deployment], request: GET /admin :8080, rule: AuthorizationPolicy shop/no-admin rule 0, old: denied by DENY AuthorizationPolicy shop/no-admin, rule 0, new: allowed by AuthorizationPolicy shop/catalog-readers rule 1",
  "diff-type: removed, source: shop/frontend[Deployment], destination: shop/catalog-v2[Deployment], request: HEAD /items/x :8080, rule: AuthorizationPolicy shop/catalog-readers rule 0, old: allowed by AuthorizationPolicy shop/catalog-readers rule 0, new: denied by AuthorizationPolicy shop/catalog-readers (ALLOW AuthorizationPolicies apply (shop/catalog-readers) and none of their rules matches)",
  "diff-type: removed, source: shop/frontend[Deployment], destination: shop/catalog[Deployment], request: HEAD /items/x :8080, rule: AuthorizationPolicy shop/catalog-readers rule 0, old: allowed by AuthorizationPolicy shop/catalog-readers rule 0, new: denied by AuthorizationPolicy shop/catalog-readers (ALLOW AuthorizationPolicies apply (shop/catalog-readers) and none of their rules matches)",
];

test("diff reports the requests whose L7 answer changes between a pair (Istio, Linkerd, Cilium), and nothing else", async () => {
  const v = versions();
  try {
    const r = await cli(["diff", "-R", "--base", v.base, "--head", v.head]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `L7 diff:\n${EXPECTED.join("\n")}\n`);
    const same = await cli(["diff", "-R", "--base", v.base, "--head", v.base]);
    assert.equal(same.out, "", "a version compared with itself has no L7 change");
  } finally { v.cleanup(); }
});

test("diff --fail-on: an L7 request that passes now is `added`, one that no longer passes is `removed`", async () => {
  const v = versions();
  try {
    const code = async (...kinds: string[]) => (await cli(["diff", "-R", "--base", v.base, "--head", v.head, ...kinds.flatMap((k) => ["--fail-on", k])])).code;
    assert.equal(await code("added"), 1);
    assert.equal(await code("removed"), 1);
    assert.equal(await code("changed", "exposure"), 0);
    assert.equal(await code("any"), 1);
    // The other way round, the HEAD the frontend lost is a request that passes now.
    const back = await cli(["diff", "-R", "--base", v.head, "--head", v.base, "--fail-on", "added"]);
    assert.equal(back.code, 1);
    assert.ok(back.out.includes("diff-type: added, source: shop/frontend[Deployment], destination: shop/catalog[Deployment], request: HEAD /items/x :8080"), back.out);
  } finally { v.cleanup(); }
});

test("diff's l7 section in json, yaml, csv, md and table", async () => {
  const v = versions();
  try {
    const out = async (format: string) => (await cli(["diff", "-R", "--base", v.base, "--head", v.head, "-o", format])).out;
    const json = JSON.parse(await out("json"));
    assert.equal(json.changed, true);
    assert.equal(json.l7.length, EXPECTED.length);
    assert.deepEqual(json.l7[0], {
      diffType: "added", source: "app/frontend[Deployment]", destination: "app/backend[Deployment]", request: "POST /api/orders :80", rule: "CiliumNetworkPolicy app/backend ingress rule 0",
      old: "denied by CiliumNetworkPolicy app/backend rule 0 (the request matches none of the HTTP rules allowing this peer and port (Cilium answers 403))", new: "allowed",
    });
    assert.deepEqual(parse(await out("yaml")), json);
    const csv = (await out("csv")).trim().split("\n");
    assert.equal(csv.filter((l) => l.startsWith("l7,")).length, EXPECTED.length);
    assert.ok(csv.includes("l7,removed,books/web[Deployment],books/api[Deployment],allowed by AuthorizationPolicy books/api-write,denied by Server books/api-http (no route of Server books/api-http matches the request: 404),POST /books :8080 (HTTPRoute books/api-write rule 0)"), csv.join("\n"));
    const md = await out("md");
    assert.match(md, /\*\*L7\*\*: 4 added, 3 removed/);
    assert.match(md, /#### L7\n\n\| diff-type \| source \| destination \| request \| rule \| old \| new \|/);
    assert.match(await out("table"), /^L7:\nDIFF +SOURCE +DESTINATION +REQUEST +RULE +OLD +NEW\n/);
  } finally { v.cleanup(); }
});
