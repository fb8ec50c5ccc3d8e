// The nginx suite: compiling one Gateway with 10 and 1,000 HTTPRoutes into an nginx configuration
// (time and size), and requests per second through a real nginx running each configuration on
// loopback, to the last route (half the routes match on a header too, so the njs table is walked),
// with a keep-alive client and a Node backend standing for a VM (a Workload backend). The ratio
// 1,000 / 10 routes is the figure to read: the route table should not slow nginx down.
// The requests part needs nginx with njs and stream (it says so and skips otherwise).

import { mkdtempSync, rmSync } from "node:fs";
import { Agent, createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GatewayEngine } from "../src/engine/gateway/engine.js";
import { nginxCapability, nginxStart, nginxStop, nginxTest, writeFolder } from "../src/lab/nginx.js";
import { loadFiles } from "../src/sources/load.js";
import { compileNginx, CONFIG_FILE, DEFAULT_NGINX_OPTIONS } from "../src/targets/nginx/index.js";
import { median, ms, type SizeResult, type Suite } from "./suite.js";

const SECONDS = 3;
const CONCURRENCY = 16;

function input(routes: number, gwPort: number, backendPort: number): string {
  const head = `apiVersion: v1
kind: Namespace
metadata: {name: bench}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: bench}
spec: {controllerName: example.com/bench}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: bench}
spec: {gatewayClassName: bench, listeners: [{name: http, port: ${gwPort}, protocol: HTTP}]}
---
apiVersion: junction.dev/v1alpha1
kind: Workload
metadata: {name: app, namespace: bench}
spec: {addresses: [127.0.0.1], ports: [{port: ${backendPort}}]}
`;
  const route = (i: number) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r${i}, namespace: bench}
spec:
  parentRefs: [{name: gw}]
  hostnames: [app.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /r${i}}${i % 2 ? `, headers: [{name: x-tenant, value: t${i}}]` : ""}}]
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-route, value: r${i}}]}}]
    backendRefs: [{group: junction.dev, kind: Workload, name: app, port: ${backendPort}}]
`;
  return head + Array.from({ length: routes }, (_, i) => route(i)).join("");
}

function compile(routes: number, gwPort: number, backendPort: number): { ms: number; files: Map<string, string> } {
  const text = input(routes, gwPort, backendPort);
  const start = performance.now();
  const engine = new GatewayEngine(loadFiles([{ name: "bench.yaml", text }]).inventory);
  const r = compileNginx(engine, "bench/gw", { ...DEFAULT_NGINX_OPTIONS, listen: ["127.0.0.1"] });
  const took = performance.now() - start;
  if (typeof r === "string" || r.problems.length) throw new Error(`bench input does not compile: ${typeof r === "string" ? r : r.problems[0].message}`);
  return { ms: took, files: r.files };
}

function listen(server: Server): Promise<number> {
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done((server.address() as { port: number }).port)));
}

/** Requests per second for SECONDS, CONCURRENCY keep-alive connections, all to the last route. */
async function rps(port: number, routes: number): Promise<number> {
  const last = routes - 1;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const headers = { host: "app.example.com", ...(last % 2 ? { "x-tenant": `t${last}` } : {}) };
  const one = () => new Promise<void>((done, fail) => {
    const req = request({ host: "127.0.0.1", port, path: `/r${last}/item`, agent, headers }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? done() : fail(new Error(`status ${res.statusCode}`))));
    });
    req.on("error", fail);
    req.end();
  });
  let n = 0;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (performance.now() < until) { await one(); n++; } }));
  agent.destroy();
  return n / SECONDS;
}

export const nginxSuite: Suite = {
  name: "nginx", title: "nginx target: compile one Gateway, requests through a real nginx on loopback", byDefault: true,
  defaultSizes: ["routes"], sizes: ["routes"],
  async run(size, runs, log) {
    const notes: string[] = [];
    const figures = [];
    const backend = createServer((req, res) => res.end(String(req.headers["x-route"] ?? "")));
    const backendPort = await listen(backend);
    const probe = createServer();
    const gwPort = await listen(probe);
    await new Promise((done) => probe.close(done));
    const cap = nginxCapability();
    const rates: number[] = [];
    try {
      for (const routes of [10, 1000]) {
        const times: number[] = [];
        let files = new Map<string, string>();
        for (let i = 0; i < Math.max(1, runs); i++) { const c = compile(routes, gwPort, backendPort); times.push(c.ms); files = c.files; }
        const bytes = [...files.values()].reduce((s, t) => s + t.length, 0);
        figures.push({ label: `compile, ${routes} routes`, value: `${ms(median(times))} (${(bytes / 1024).toFixed(0)} KiB)` });
        if (!cap.ok) continue;
        const dir = mkdtempSync(join(tmpdir(), "junction-bench-nginx-"));
        try {
          writeFolder(dir, files);
          const bad = nginxTest(dir) ?? nginxStart(dir);
          if (bad) throw new Error(`nginx: ${bad}`);
          await rps(gwPort, routes); // warm-up
          const r = median(await Array.from({ length: Math.max(1, Math.min(runs, 3)) }).reduce<Promise<number[]>>(async (acc) => [...(await acc), await rps(gwPort, routes)], Promise.resolve([])));
          rates.push(r);
          log(`${routes} routes: ${r.toFixed(0)} requests/s`);
          figures.push({ label: `requests/s, ${routes} routes (${CONFIG_FILE} ${(files.get(CONFIG_FILE)!.length / 1024).toFixed(0)} KiB)`, value: r.toFixed(0) });
        } finally {
          nginxStop(dir);
          rmSync(dir, { recursive: true, force: true });
        }
      }
      if (rates.length === 2) figures.push({ label: "requests/s ratio, 1,000 / 10 routes", value: (rates[1] / rates[0]).toFixed(2) });
      else notes.push(`requests through nginx skipped: ${cap.missing.join("; ")}`);
      notes.push(`${CONCURRENCY} keep-alive connections for ${SECONDS} s per run, to the last route (PathPrefix + header match: njs walks its table); the backend is a Node HTTP server, the same for both`);
    } finally {
      backend.close();
    }
    return { size, figures, notes } as SizeResult;
  },
};
