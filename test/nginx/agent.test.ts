// The gateway agent with a real nginx on loopback: a Gateway's configuration for a VM (a Workload
// backend) written, checked with nginx -t, made current atomically and reloaded; an input nginx
// cannot serve keeps the last good configuration serving; --dry-run diffs; --watch reloads.
// Runs where nginx with njs and stream is installed and the user is root; skips with the reason elsewhere.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nginxCapability, nginxStop } from "../../src/lab/nginx.js";
import { cli } from "../helpers.js";

const cap = nginxCapability();
const skip = !cap.ok ? cap.missing.join("; ") : process.getuid?.() !== 0 ? "not running as root (nginx's workers)" : false;
const BIN = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url));

function listenOn(server: Server): Promise<number> {
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done((server.address() as { port: number }).port)));
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listenOn(s);
  await new Promise((done) => s.close(done));
  return port;
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    // A connection of its own: a kept-alive one may still reach a worker of the configuration before a reload.
    const req = request({ host: "127.0.0.1", port, path, headers: { host: "vm.example.com" }, agent: false }, (res) => {
      let body = "";
      res.on("data", (c) => { body += c; });
      res.on("end", () => done({ status: res.statusCode!, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

/** The version the backend saw, once nginx's new workers answer: a reload signals the master and returns before they start (up to 10 s under load). */
// After a reload nginx's old workers answer for a moment more (they close their listening sockets
// only when the master's signal reaches them), so one new answer is not the end of the old ones:
// the version counts once five answers in a row, 100 ms apart, give it.
async function versionAfterReload(port: number, want: string): Promise<string> {
  let seen = "", inARow = 0;
  for (const end = Date.now() + 10_000; Date.now() < end && inARow < 5; await new Promise((r) => setTimeout(r, 100))) {
    seen = JSON.parse((await get(port, "/app/x")).body).version;
    inARow = seen === want ? inARow + 1 : 0;
  }
  return seen;
}

function input(gwPort: number, backendPort: number, filters: string): string {
  return `apiVersion: v1
kind: Namespace
metadata: {name: edge}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: vm}
spec: {controllerName: example.com/vm}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: edge}
spec:
  gatewayClassName: vm
  listeners: [{name: http, port: ${gwPort}, protocol: HTTP}]
---
apiVersion: junction.dev/v1alpha1
kind: Workload
metadata: {name: edge-vm, namespace: edge}
spec: {addresses: [127.0.0.1], ports: [{port: ${gwPort}}]}
---
apiVersion: junction.dev/v1alpha1
kind: Workload
metadata: {name: app, namespace: edge}
spec: {addresses: [127.0.0.1], ports: [{port: ${backendPort}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: app, namespace: edge}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /app}}]
${filters}
    backendRefs: [{group: junction.dev, kind: Workload, name: app, port: ${backendPort}}]
`;
}

const V1 = "    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-version, value: one}]}}]";
const V2 = "    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-version, value: two}]}}]";
const BAD = "    timeouts: {request: 1s}";

test("agent --gateway: nginx configured for a VM from Gateway API objects; reloads on change; keeps the last good configuration; --dry-run diffs; --watch", { skip }, async () => {
  const backend = createServer((req, res) => res.end(JSON.stringify({ path: req.url, version: req.headers["x-version"] ?? null })));
  const backendPort = await listenOn(backend);
  const gwPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "junction-gw-agent-"));
  const file = join(dir, "in.yaml"), nginxDir = join(dir, "nginx");
  const agent = (...extra: string[]) => cli(["agent", "--host", "edge/edge-vm", "--gateway", "edge/gw", "-f", file, "--nginx-dir", nginxDir, "--listen", "127.0.0.1", ...extra]);
  try {
    writeFileSync(file, input(gwPort, backendPort, V1));
    const first = await agent();
    assert.equal(first.code, 0, first.err);
    assert.match(first.err, /nginx started with the configuration of Gateway edge\/gw for edge\/edge-vm/);
    assert.deepEqual(JSON.parse((await get(gwPort, "/app/x")).body), { path: "/app/x", version: "one" });
    assert.equal((await get(gwPort, "/other")).status, 404);

    const same = await agent("--dry-run");
    assert.equal(same.code, 0, same.err);
    assert.match(same.out, /no change/);
    writeFileSync(file, input(gwPort, backendPort, V2));
    const dry = await agent("--dry-run");
    assert.equal(dry.code, 1);
    assert.match(dry.out, /-\s+proxy_set_header x-version one;\n\+\s+proxy_set_header x-version two;/);
    assert.equal(JSON.parse((await get(gwPort, "/app/x")).body).version, "one", "a dry run changes nothing");

    const second = await agent();
    assert.equal(second.code, 0, second.err);
    assert.match(second.err, /nginx reloaded/);
    assert.equal(await versionAfterReload(gwPort, "two"), "two");

    writeFileSync(file, input(gwPort, backendPort, BAD));
    const bad = await agent();
    assert.equal(bad.code, 2);
    assert.match(bad.err, /HTTPRoute edge\/app, rule 0: nginx cannot express timeouts/);
    assert.match(bad.err, /keeping the last good configuration serving/);
    assert.equal(JSON.parse((await get(gwPort, "/app/x")).body).version, "two");

    // --watch: a change to the input is compiled, checked and reloaded.
    const child = spawn(process.execPath, [BIN, "agent", "--host", "edge/edge-vm", "--gateway", "edge/gw", "-f", file, "--nginx-dir", nginxDir, "--listen", "127.0.0.1", "--watch"], { stdio: ["ignore", "ignore", "pipe"] });
    let said = "";
    const saw = (re: RegExp) => new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`agent --watch did not say ${re}: ${said}`)), 20_000);
      const check = () => { if (re.test(said)) { clearTimeout(timer); done(); } };
      child.stderr.on("data", (c) => { said += c; check(); });
      check();
    });
    try {
      await saw(/watching/);
      writeFileSync(file, input(gwPort, backendPort, V1));
      await saw(/nginx reloaded/);
      assert.equal(await versionAfterReload(gwPort, "one"), "one");
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    assert.match(said, /nginx keeps serving/);
  } finally {
    nginxStop(nginxDir);
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
