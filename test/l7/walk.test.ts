// The L7 layer inside the request walk: which proxy each end runs (sidecar injection, ambient,
// waypoints, Linkerd), as the walk's Authorizer.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { app, namespace, waypointGateway } from "./fixture.js";

const ap = (name: string, namespace: string, spec: string) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec: ${spec}\n---\n`;

async function ask(files: Record<string, string>, from: string, request: string): Promise<{ code: number; doc: Record<string, unknown> & { authorization: { enforcer: string; verdict: string; summary: string }[] } }> {
  const { dir, cleanup } = tempFiles(files);
  try {
    const r = await cli(["explain", "-q", "-f", dir, "--from", from, "--request", request, "-o", "json"]);
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return { code: r.code, doc: JSON.parse(r.out) };
  } finally { cleanup(); }
}

test("ambient namespaces: ztunnel enforces L4 only, a waypoint (istio.io/use-waypoint) enforces HTTP rules attached by targetRefs", async () => {
  const base = namespace("bank", "{istio.io/dataplane-mode: ambient}") + app("bank", "ledger") + app("bank", "teller");
  const l7 = ap("get-only", "bank", "{selector: {matchLabels: {app: ledger}}, rules: [{to: [{operation: {methods: [GET]}}]}]}");
  const z = await ask({ "a.yaml": base + l7 }, "bank/teller", "GET http://ledger/");
  assert.equal(z.doc.status, null);
  assert.equal(z.doc.connection, "failed", "the ALLOW rule uses methods: ztunnel never matches it");
  assert.match(z.doc.authorization.at(-1)!.enforcer, /Istio ztunnel \(L4\)/);
  const attached = ap("get-only", "bank", "{targetRefs: [{kind: Service, group: \"\", name: ledger}], rules: [{to: [{operation: {methods: [GET]}}]}]}");
  const wp = namespace("bank", "{istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}") + app("bank", "ledger") + app("bank", "teller");
  const unready = await ask({ "a.yaml": wp + attached }, "bank/teller", "POST http://ledger/");
  assert.equal(unready.doc.status, 200, "the waypoint is not in the input: not ready, ztunnel sends without it (waypoints.go ReportWaypointIsNotReady)");
  const get = await ask({ "a.yaml": wp + waypointGateway("bank") + attached }, "bank/teller", "GET http://ledger/");
  assert.equal(get.doc.status, 200);
  assert.match(get.doc.authorization.map((d) => d.enforcer).join(), /Istio waypoint of bank\/waypoint/);
  const post = await ask({ "a.yaml": wp + waypointGateway("bank") + attached }, "bank/teller", "POST http://ledger/");
  assert.equal(post.doc.status, 403);
});

test("a pod that opts out of injection sends plaintext: notPrincipals [\"*\"] denies it", async () => {
  const files = { "a.yaml": namespace("shop", "{istio-injection: enabled}") + app("shop", "api") + app("shop", "legacy", { labels: ", sidecar.istio.io/inject: \"false\"" }) + app("shop", "web")
    + ap("mtls-only", "shop", "{selector: {matchLabels: {app: api}}, action: DENY, rules: [{from: [{source: {notPrincipals: [\"*\"]}}]}]}") };
  assert.equal((await ask(files, "shop/web", "GET http://api/")).doc.status, 200);
  const plain = await ask(files, "shop/legacy", "GET http://api/");
  assert.equal(plain.doc.status, 403);
  assert.match(plain.doc.authorization[0].summary, /plaintext/);
});

test("without visible injection every pod is in the mesh: Istio policies in the input are enforced by sidecars", async () => {
  const files = { "a.yaml": app("shop", "api") + app("shop", "web") + ap("deny-web", "shop", "{action: DENY, rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/web]}}]}]}") };
  const r = await ask(files, "shop/web", "GET http://api/");
  assert.equal(r.doc.status, 403);
});
