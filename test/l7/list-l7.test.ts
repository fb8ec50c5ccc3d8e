// junction list --l7: per workload pair the L3/L4 policies connect, what the server's Istio sidecar
// lets through (the request conditions of the ALLOW rules whose sources hold for the client, except
// the DENY rules'), or why nothing / not summarized.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli, tempFiles } from "../helpers.js";

test("list --l7 on examples/mesh: allowed request conditions per client, DENY rules as exceptions, Linkerd not summarized", async () => {
  const r = await cli(["list", "-f", "examples/mesh", "--l7"]);
  assert.equal(r.code, 0, r.err);
  const line = (from: string, to: string) => r.out.split("\n").find((l) => l.startsWith(`${from}[Deployment] => ${to}[Deployment] : `))?.split(" : ")[1];
  assert.equal(line("shop/frontend", "shop/catalog"), "method GET|HEAD, path /items/{*}|/ except path /debug* | path /admin*");
  assert.equal(line("checkout/cart", "shop/catalog"), "method GET except path /debug* | path /admin*");
  assert.equal(line("shop/catalog-v2", "shop/catalog"), "no requests (ALLOW policies apply and no rule names this client)");
  // frontend declares no port: the root namespace's DENY on port 8080 is shown with its port.
  assert.equal(line("checkout/cart", "shop/frontend"), "all requests except port 8080, path /debug*");
  assert.match(line("books/web", "books/api")!, /^not summarized \(Linkerd/);
  // guest/browser is not allowed to the catalog at L4 (NetworkPolicy): no line.
  assert.equal(line("guest/browser", "shop/catalog"), undefined);
});

test("list --l7: plaintext refused by STRICT, a DENY for every request, no proxy; -o json; other formats refused", async () => {
  const ns = (name: string, labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: ${labels}}\n---\n`;
  const pod = (n: string, name: string, ip: string, proxy: boolean) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${n}, labels: {app: ${name}}}\nspec: {serviceAccountName: ${name}, containers: [{name: app, ports: [{name: http, containerPort: 8080}]}${proxy ? ", {name: istio-proxy}" : ""}]}\nstatus: {podIP: ${ip}}\n---\n`;
  const yaml = ns("a", "{istio-injection: enabled}") + pod("a", "api", "10.0.0.1", true) + pod("a", "web", "10.0.0.2", true) + pod("a", "old", "10.0.0.3", false) + pod("a", "bare", "10.0.0.4", false)
    + "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: strict, namespace: a}\nspec: {selector: {matchLabels: {app: api}}, mtls: {mode: STRICT}}\n---\n"
    + "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: no-web, namespace: a}\nspec: {selector: {matchLabels: {app: api}}, action: DENY, rules: [{from: [{source: {principals: [cluster.local/ns/a/sa/web]}}]}]}\n";
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["list", "-q", "-f", dir, "--l7"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^a\/old\[Pod\] => a\/api\[Pod\] : no requests \(the client sends plaintext .*\(STRICT\): the connection is refused\)$/m);
    assert.match(r.out, /^a\/web\[Pod\] => a\/api\[Pod\] : no requests \(a DENY rule matches every request of this client\)$/m);
    assert.match(r.out, /^a\/web\[Pod\] => a\/bare\[Pod\] : all requests \(no proxy enforces L7\)$/m);
    const j = await cli(["list", "-q", "-f", dir, "--l7", "-o", "json"]);
    const pair = JSON.parse(j.out).pairs.find((p: { src: string; dst: string }) => p.src === "a/web[Pod]" && p.dst === "a/api[Pod]");
    assert.deepEqual(pair.l7, { verdict: "none", enforcer: "Istio sidecar", allows: [], except: [], note: "a DENY rule matches every request of this client" });
    assert.equal(pair.conn, "All Connections");
    const bad = await cli(["list", "-f", dir, "--l7", "-o", "csv"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--l7 prints txt, json or yaml, not csv/);
  } finally { cleanup(); }
});

test("docs/mesh.md shows lines of junction list -f examples/mesh --l7 as they are", async () => {
  const shown = /lines of `junction list -f examples\/mesh --l7`[^\n]*\n```text\n([\s\S]*?)```/.exec(readFileSync("docs/mesh.md", "utf8"));
  assert.ok(shown, "the block is in docs/mesh.md");
  const out = (await cli(["list", "-f", "examples/mesh", "--l7"])).out;
  for (const l of shown[1].split("\n").filter(Boolean)) assert.ok(out.includes(`${l}\n`), l);
});
