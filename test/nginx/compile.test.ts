// The nginx target: golden configurations (examples/nginx and a gRPC/mirror/split fixture), each
// accepted by `nginx -t` where nginx and its modules are installed; refusals name the route, the
// rule and the feature; the configuration folder as written by --output-dir.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, request } from "node:http";
import { nginxCapability, nginxStart, nginxStop, nginxTest, writeFolder } from "../../src/lab/nginx.js";
import { DEFAULT_SOCKET_DIR } from "../../src/targets/nginx/context.js";
import { cli, tempFiles } from "../helpers.js";
import { assertGolden } from "../golden.js";
import { BASE, CORS, GATEWAY_HEAD, ROUTES, UNSUPPORTED, backendTlsTerminate, routeHead, sharedTls, svc, unbundle } from "./fixture.js";
import { BACKEND, BACKEND_CA, SERVER } from "../fixtures/tls.js";

const GOLDEN = fileURLToPath(new URL("../../../test/golden/nginx/", import.meta.url));
const nginx = nginxCapability();

test("examples/nginx compiled: servers per hostname, locations in the engine's order, njs table, stream listeners (golden)", async () => {
  const r = await cli(["compile", "-f", "examples/nginx", "--target", "nginx", "--gateway", "infra/edge"]);
  assert.equal(r.code, 0, r.err);
  assertGolden("nginx/edge.conf", r.out);
  const files = unbundle(r.out);
  assert.deepEqual([...files.keys()], ["nginx.conf", "junction.js", "junction-routes.json", "certs/infra_example-com-tls.pem"]);
  // The canary rule (a header match) comes before the plain /cart rule: the engine's precedence.
  const table = JSON.parse(files.get("junction-routes.json")!) as Record<string, { h?: unknown; to?: string }[]>;
  const cart = Object.values(table).find((list) => list.some((e) => e.h))!;
  assert.deepEqual(cart.map((e) => Boolean(e.h)), [true, false]);
  // Backends are the pods' addresses and target ports, as the engine resolves them; 90/10 kept as 9:1.
  assert.match(files.get("nginx.conf")!, /upstream shop_cart-v1_80_shop_cart-v2_80 \{\n\s+server 10\.244\.0\.13:8080 weight=9 max_fails=0;\n\s+server 10\.244\.0\.14:8080 weight=1 max_fails=0;/);
});

test("gRPC routes, a 25% mirror, per-backend filters in a weighted split, regex and method matches (golden)", async () => {
  const t = tempFiles({ "in.yaml": BASE + ROUTES });
  try {
    const r = await cli(["compile", "-f", t.dir, "--target", "nginx", "--gateway", "apps/gw"]);
    assert.equal(r.code, 0, r.err);
    assertGolden("nginx/grpc-mirror-split.conf", r.out);
    const conf = unbundle(r.out).get("nginx.conf")!;
    assert.match(conf, /listen 9090 default_server http2;/);
    assert.match(conf, /grpc_pass grpc:\/\/apps_grpc_80;/);
    assert.match(conf, /mirror \/_junction\/mirror\/\d+;/);
  } finally { t.cleanup(); }
});

test("CORS filters: policies as njs table data, preflights answered before redirects and backends, the backend's own CORS headers hidden (golden)", async () => {
  const t = tempFiles({ "in.yaml": BASE + CORS });
  try {
    const r = await cli(["compile", "-f", t.dir, "--target", "nginx", "--gateway", "apps/gw"]);
    assert.equal(r.code, 0, r.err);
    assertGolden("nginx/cors.conf", r.out);
    const files = unbundle(r.out);
    const table = JSON.parse(files.get("junction-routes.json")!) as Record<string, unknown>;
    assert.deepEqual(Object.values(table).find((v) => (v as { a?: number }).a === 600), { o: ["https://www.example.com", "https://*.example.org"], m: ["GET", "POST"], h: ["x-token"], e: ["x-request-id"], c: true, a: 600 });
    const conf = files.get("nginx.conf")!;
    assert.match(conf, /js_set \$jx_cors_preflight jx\.corsPreflight;/);
    // The preflight's answer carries the response modifier that came before the filter; the redirect comes after.
    assert.match(conf, /location \^~ \/api\/ \{\n\s+set \$jx_cors c\d;\n\s+if \(\$jx_cors_preflight\) \{\n(\s+add_header Access-Control-\S+ \$jx_cors_\w+ always;\n){6}\s+add_header x-gateway edge always;\n\s+return 204;/);
    assert.match(conf, /location = \/moved \{\n\s+set \$jx_cors c\d;\n\s+if \(\$jx_cors_preflight\) \{[^}]*\}\n\s+return 302 /);
    // The backend's own filter: only the named location of that backend answers preflights.
    assert.equal((conf.match(/location @jx_b\d+ \{\n\s+set \$jx_cors/g) ?? []).length, 1);
  } finally { t.cleanup(); }
});

test("TLS listeners sharing a port: one ssl_preread server by SNI (most specific hostname), passthrough to backends, HTTPS and terminating TLS listeners on internal sockets with their certificates (golden)", async () => {
  const t = tempFiles({ "in.yaml": sharedTls([SERVER, BACKEND]) });
  try {
    const r = await cli(["compile", "-f", t.dir, "--target", "nginx", "--gateway", "apps/edge"]);
    assert.equal(r.code, 0, r.err);
    assertGolden("nginx/shared-tls.conf", r.out);
    const conf = unbundle(r.out).get("nginx.conf")!;
    const front = /map \$ssl_preread_server_name (\$jx_m\d+s) \{\n\s+hostnames;\n\s+default jx_closed;\n((?:\s+\S+ \S+;\n)+)\s+\}/.exec(conf)!;
    // legacy.example.com is exact: the passthrough listener, though the HTTPS wildcard covers it too.
    assert.deepEqual(front[2].trim().split(/;\n\s*/).map((e) => e.replace(/;$/, "")), [
      "shop.example.com unix:/run/junction-nginx/jx-https-443.sock", "*.example.com unix:/run/junction-nginx/jx-https-443.sock",
      "legacy.example.com apps_legacy_8443", "abc.example.net unix:/run/junction-nginx/jx-tls-443-mqtt.sock",
    ]);
    assert.match(conf, new RegExp(`listen 443;\\n\\s+ssl_preread on;\\n\\s+proxy_pass \\${front[1]};`));
    assert.match(conf, /listen unix:\/run\/junction-nginx\/jx-https-443\.sock ssl http2;\n\s+server_name shop\.example\.com;/);
    assert.match(conf, /listen unix:\/run\/junction-nginx\/jx-tls-8883-abc\.sock ssl;\n\s+ssl_certificate certs\/apps_abc-cert\.pem;/);
    assert.match(conf, /listen unix:\/run\/junction-nginx\/jx-tls-8883-rest\.sock ssl;\n\s+ssl_certificate certs\/apps_server-cert\.pem;/);
    // --output-dir: the sockets go into the folder.
    const out = join(t.dir, "out");
    const w = await cli(["compile", "-f", t.dir, "--target", "nginx", "--gateway", "apps/edge", "--output-dir", out]);
    assert.equal(w.code, 0, w.err);
    assert.match(readFileSync(join(out, "nginx.conf"), "utf8"), new RegExp(`listen unix:${out.replace(/[.\\/]/g, (x) => `\\${x}`)}/jx-https-443\\.sock`));
  } finally { t.cleanup(); }
});

// BackendTLSPolicy: "the Gateway originates TLS to the backend" of a TLSRoute it terminates
// (BackendTLSPolicyTLSRouteTerminate), with the policy's hostname as SNI and verified name.
test("BackendTLSPolicy on a terminated TLSRoute: the stream server originates TLS (proxy_ssl, the policy's name and CA); two policies behind one listener are refused (golden)", async () => {
  const t = tempFiles({ "in.yaml": backendTlsTerminate(BACKEND_CA, SERVER, BACKEND), "one.yaml": backendTlsTerminate(BACKEND_CA, SERVER, BACKEND, true) });
  try {
    const r = await cli(["compile", "-f", join(t.dir, "in.yaml"), "--target", "nginx", "--gateway", "apps/edge"]);
    assert.equal(r.code, 0, r.err);
    assertGolden("nginx/backend-tls-stream.conf", r.out);
    const files = unbundle(r.out);
    assert.match(files.get("nginx.conf")!, /listen 8443 ssl;\n(\s+ssl_certificate\S* \S+;\n){2}\s+proxy_ssl on;\n\s+proxy_ssl_server_name on;\n\s+proxy_ssl_name abc\.example\.com;\n\s+proxy_ssl_verify on;\n\s+proxy_ssl_verify_depth 4;\n\s+proxy_ssl_trusted_certificate ca\/backend-apps_secure\.pem;/);
    assert.equal(files.get("ca/backend-apps_secure.pem")!.trim(), BACKEND_CA.trim());
    const one = await cli(["compile", "-f", join(t.dir, "one.yaml"), "--target", "nginx", "--gateway", "apps/edge"]);
    assert.equal(one.code, 2);
    assert.match(one.err, /Gateway apps\/edge: nginx cannot express TLS routes of one terminating listener whose backends differ in BackendTLSPolicy: listener secure, port 8443/);
  } finally { t.cleanup(); }
});

test("what nginx cannot express is refused, naming file, line, route, rule and feature; nothing is written", async () => {
  const t = tempFiles({ "in.yaml": BASE + UNSUPPORTED });
  try {
    const out = join(t.dir, "out");
    const r = await cli(["compile", "-f", join(t.dir, "in.yaml"), "--target", "nginx", "--gateway", "apps/gw", "--output-dir", out]);
    assert.equal(r.code, 2);
    assert.match(r.err, /in\.yaml:\d+: HTTPRoute apps\/odd, rule 1 "slow": nginx cannot express timeouts: /);
    assert.match(r.err, /HTTPRoute apps\/odd, rule 2: nginx cannot express a modifier of the origin header before a CORS filter: /);
    assert.match(r.err, /nothing was compiled/);
    assert.equal(existsSync(out), false);
  } finally { t.cleanup(); }
});

test("--gateway names a Gateway of the input; --output-dir writes the folder and refuses an nginx.conf Junction did not write", async () => {
  const missing = await cli(["compile", "-f", "examples/nginx", "--target", "nginx", "--gateway", "infra/nope"]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--gateway: .*infra\/nope/);
  const dir = mkdtempSync(join(tmpdir(), "junction-nginx-"));
  try {
    const r = await cli(["compile", "-f", "examples/nginx", "--target", "nginx", "--gateway", "infra/edge", "--output-dir", dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /wrote 4 files into .*; check with: nginx -t -p /);
    assert.equal(statSync(join(dir, "certs/infra_example-com-tls.pem")).mode & 0o777, 0o600);
    writeFileSync(join(dir, "nginx.conf"), "events {}\n");
    const again = await cli(["compile", "-f", "examples/nginx", "--target", "nginx", "--gateway", "infra/edge", "--output-dir", dir]);
    assert.equal(again.code, 2);
    assert.match(again.err, /holds an nginx\.conf that Junction did not write/);
    assert.equal(readFileSync(join(dir, "nginx.conf"), "utf8"), "events {}\n");
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("every golden nginx configuration passes nginx -t", { skip: nginx.ok ? false : nginx.missing.join("; ") }, () => {
  const goldens = readdirSync(GOLDEN).filter((f) => f.endsWith(".conf"));
  assert.ok(goldens.length >= 2);
  for (const name of goldens) {
    const dir = mkdtempSync(join(tmpdir(), "junction-nginx-t-"));
    try {
      // nginx -t binds the internal servers' Unix sockets: their folder must exist (compiled without --output-dir: DEFAULT_SOCKET_DIR).
      writeFolder(dir, unbundle(readFileSync(join(GOLDEN, name), "utf8").replaceAll(`${DEFAULT_SOCKET_DIR}/`, `${dir}/`)));
      assert.equal(nginxTest(dir), undefined, `nginx -t rejected ${name}`);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }
});

// ListenerSet (Gateway API v1.5+): "listeners of a ListenerSet are merged with the parent Gateway's";
// routes attached to a ListenerSet are served on its listeners. A set the Gateway does not allow
// (allowedListeners, default none) is not programmed.
test("the listeners of the ListenerSets a Gateway takes are programmed with their routes; a set it does not allow is not", async () => {
  const input = (allowed: boolean) => `${GATEWAY_HEAD}${allowed ? "  allowedListeners: {namespaces: {from: Same}}\n" : ""}  listeners: [{name: http, port: 8080, protocol: HTTP, hostname: gw.example.com}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ls, namespace: apps}
spec:
  parentRef: {name: gw}
  listeners: [{name: extra, port: 8080, protocol: HTTP, hostname: ls.example.com}]
${svc("v1", "10.96.1.1")}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: via-set, namespace: apps}
spec:
  parentRefs: [{group: gateway.networking.k8s.io, kind: ListenerSet, name: ls}]
  rules: [{backendRefs: [{name: v1, port: 80}]}]
`;
  for (const allowed of [true, false]) {
    const t = tempFiles({ "in.yaml": input(allowed) });
    try {
      const r = await cli(["compile", "-f", join(t.dir, "in.yaml"), "--target", "nginx", "--gateway", "apps/gw"]);
      assert.equal(r.code, 0, r.err);
      const conf = unbundle(r.out).get("nginx.conf")!;
      const server = /server_name ls\.example\.com;[\s\S]*?proxy_pass http:\/\/(\S+?)\$/.exec(conf);
      if (allowed) assert.equal(server?.[1], "apps_v1_80", conf);
      else assert.doesNotMatch(conf, /ls\.example\.com/);
    } finally { t.cleanup(); }
  }
});

// nginx drops a Host's trailing dot before it picks the server (ngx_http_validate_host); the engine, as
// Envoy without StripTrailingHostDot, keeps it: "shop.example.com." is another name, covered by no
// hostname, so it gets the rules for hosts no name covers. Where there are none, the named servers
// answer a dotted Host 404 themselves.
const dotted = (port: number, hostless: boolean) => `${GATEWAY_HEAD}  listeners: [{name: http, port: ${port}, protocol: HTTP}]
${svc("v1", "10.96.1.1")}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  ${hostless ? "" : "hostnames: [shop.example.com]"}
  rules: [{filters: [{type: RequestRedirect, requestRedirect: {hostname: elsewhere.example.com}}]}]
${hostless ? `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: named, namespace: apps}
spec:
  parentRefs: [{name: gw}]
  hostnames: [admin.example.com]
  rules: [{backendRefs: [{name: v1, port: 80}]}]` : ""}
`;

test("a Host with a trailing dot: the engine's 404 where no rule serves hosts no hostname covers, in the compiled configuration and in a real nginx", async () => {
  const t = tempFiles({ "a.yaml": dotted(18080, false), "b.yaml": dotted(18080, true) });
  try {
    const route = async (file: string, host: string) => JSON.parse((await cli(["route", "-f", join(t.dir, file), "--gateway", "apps/gw", "--request", `GET http://${host}:18080/`, "-o", "json"])).out).results[0];
    assert.equal((await route("a.yaml", "shop.example.com.")).status, 404, "the engine: no listener or route hostname covers shop.example.com.");
    assert.equal((await route("a.yaml", "shop.example.com")).status, 302);
    const a = await cli(["compile", "-f", join(t.dir, "a.yaml"), "--target", "nginx", "--gateway", "apps/gw"]);
    assert.equal(a.code, 0, a.err);
    const conf = unbundle(a.out).get("nginx.conf")!;
    const flag = /map \$http_host (\$jx_m\d+) \{\n\s+default 0;\n\s+"~\\\\\.\(:\[0-9\]\*\)\?\$" 1;/.exec(conf)?.[1];
    assert.ok(flag, conf);
    assert.match(conf, new RegExp(`server_name shop\\.example\\.com;\\n\\s+if \\(\\${flag}\\) \\{\\n\\s+return 404;`));
    // A route without hostnames serves what no name covers: the named server cannot hand a dotted Host to it (docs/gateway-dataplane.md).
    const b = await cli(["compile", "-f", join(t.dir, "b.yaml"), "--target", "nginx", "--gateway", "apps/gw"]);
    assert.doesNotMatch(unbundle(b.out).get("nginx.conf")!, /"~\\\\\.\(:\[0-9\]\*\)\?\$" 1;|return 404;\n\s+\}\n\s+merge_slashes/);
    if (!nginx.ok || process.getuid?.() !== 0) return;
    const dir = mkdtempSync(join(tmpdir(), "junction-nginx-dot-"));
    const free = createServer();
    const port = await new Promise<number>((done) => free.listen(0, "127.0.0.1", () => done((free.address() as { port: number }).port)));
    await new Promise((done) => free.close(done));
    try {
      const c = await cli(["compile", "-f", join(t.dir, "a.yaml"), "--target", "nginx", "--gateway", "apps/gw", "--listen", "127.0.0.1", "--output-dir", dir]);
      assert.equal(c.code, 0, c.err);
      writeFileSync(join(dir, "nginx.conf"), readFileSync(join(dir, "nginx.conf"), "utf8").replace(/listen 127\.0\.0\.1:18080/g, `listen 127.0.0.1:${port}`));
      assert.equal(nginxStart(dir), undefined);
      const status = (host: string) => new Promise<number>((done, fail) => {
        const req = request({ host: "127.0.0.1", port, path: "/", headers: { host }, agent: false }, (res) => { res.resume(); res.on("end", () => done(res.statusCode!)); });
        req.on("error", fail);
        req.end();
      });
      for (let i = 0; i < 50 && (await status("shop.example.com").catch(() => 0)) === 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await status("shop.example.com."), 404, "as the engine");
      assert.equal(await status(`shop.example.com.:${port}`), 404);
      assert.equal(await status("shop.example.com"), 302, "the route's redirect (no backend is contacted)");
    } finally { nginxStop(dir); rmSync(dir, { recursive: true, force: true }); }
  } finally { t.cleanup(); }
});

test("a Gateway of Envoy Gateway's controller: a BackendTrafficPolicy's 100% abort is the rule's `return`, its rate limits and partial aborts are refused by name; another controller's Gateway ignores the policy", async () => {
  // engine/gateway/http.ts applyTrafficPolicy (Envoy Gateway v1.9.0 translates the policy only for its own GatewayClass).
  const eg = BASE.replace("controllerName: example.com/test", "controllerName: gateway.envoyproxy.io/gatewayclass-controller");
  const web = `${routeHead("web")}  - {name: api, matches: [{path: {type: PathPrefix, value: /api}}], backendRefs: [{name: v1, port: 80}]}
  - {backendRefs: [{name: v2, port: 80}]}
`;
  const btp = (spec: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: p, namespace: apps}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web, sectionName: api}], ${spec}}
`;
  const compile = async (yaml: string) => {
    const t = tempFiles({ "in.yaml": yaml });
    try { return await cli(["compile", "-f", join(t.dir, "in.yaml"), "--target", "nginx", "--gateway", "apps/gw"]); } finally { t.cleanup(); }
  };
  const abort = await compile(eg + web + btp("faultInjection: {abort: {httpStatus: 503}}"));
  assert.equal(abort.code, 0, abort.err);
  const conf = unbundle(abort.out).get("nginx.conf")!;
  assert.match(conf, /location = \/api \{\n\s*return 503;\n\s*\}\n\s*location \^~ \/api\/ \{\n\s*return 503;\n\s*\}/, "the rule's locations answer 503");
  assert.match(conf, /location \/ \{\n[^}]*proxy_pass http:\/\/apps_v2_80/, "the other rule still proxies");
  const partial = await compile(eg + web + btp("faultInjection: {abort: {httpStatus: 503, percentage: 10}}"));
  assert.equal(partial.code, 2);
  assert.match(partial.err, /HTTPRoute apps\/web, rule 0 "api": nginx cannot express BackendTrafficPolicy fault injection and rate limits: 10% of the requests are aborted with 503/);
  const limited = await compile(eg + web + btp("rateLimit: {local: {rules: [{limit: {requests: 10, unit: Second}}]}}"));
  assert.equal(limited.code, 2);
  assert.match(limited.err, /nginx cannot express BackendTrafficPolicy fault injection and rate limits: requests over the local rate limit \(10 requests per Second\) get 429/);
  const other = await compile(BASE + web + btp("rateLimit: {local: {rules: [{limit: {requests: 10, unit: Second}}]}}"));
  assert.equal(other.code, 0, "another controller's Gateway: the policy does not apply");
});
