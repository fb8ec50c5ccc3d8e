// The nginx suite: compiling one Gateway with 10 and 1,000 HTTPRoutes into an nginx configuration
// (time and size), and requests per second through a real nginx running each configuration on
// loopback, to the last route (half the routes match on a header too, so the njs table is walked),
// with a keep-alive client and a Node backend standing for a VM (a Workload backend). The ratio
// 1,000 / 10 routes is the figure to read: the route table should not slow nginx down.
// The requests part needs nginx with njs and stream (it says so and skips otherwise).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GatewayEngine } from "../src/engine/gateway/engine.js";
import { nginxCapability, nginxPid, nginxStart, nginxStop, nginxTest, writeFolder } from "../src/lab/nginx.js";
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

/** Loads and compiles the input: wall time and the CPU time it took (the CPU time is what a loaded machine does not inflate). */
function compile(routes: number, gwPort: number, backendPort: number): { ms: number; cpuMs: number; files: Map<string, string> } {
  const text = input(routes, gwPort, backendPort);
  const start = performance.now(), cpu = process.cpuUsage();
  const engine = new GatewayEngine(loadFiles([{ name: "bench.yaml", text }]).inventory);
  const r = compileNginx(engine, "bench/gw", { ...DEFAULT_NGINX_OPTIONS, listen: ["127.0.0.1"] });
  const took = performance.now() - start, used = process.cpuUsage(cpu);
  if (typeof r === "string" || r.problems.length) throw new Error(`bench input does not compile: ${typeof r === "string" ? r : r.problems[0].message}`);
  return { ms: took, cpuMs: (used.user + used.system) / 1000, files: r.files };
}

function listen(server: Server): Promise<number> {
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done((server.address() as { port: number }).port)));
}

/** Clock ticks per second of /proc/PID/stat (Linux's USER_HZ). */
const TICKS = 100;

/** CPU milliseconds nginx has used (master and workers, from /proc): what a loaded machine does not inflate. */
function nginxCpuMs(dir: string): number {
  const master = nginxPid(dir);
  if (master === undefined) return NaN;
  const read = (p: string) => { try { return readFileSync(p, "utf8"); } catch { return ""; } };
  const pids = [master, ...read(`/proc/${master}/task/${master}/children`).trim().split(/\s+/).filter(Boolean).map(Number)];
  return pids.reduce((sum, pid) => {
    const f = read(`/proc/${pid}/stat`).replace(/^.*\) /, "").split(" ");
    return sum + ((Number(f[11]) || 0) + (Number(f[12]) || 0)) * (1000 / TICKS);
  }, 0);
}

/** Requests per second for SECONDS, CONCURRENCY keep-alive connections, all to the last route; and the requests sent. */
async function rps(port: number, routes: number): Promise<{ rate: number; n: number }> {
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
  return { rate: n / SECONDS, n };
}

/** A free loopback port (listened on, then closed). */
async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((done) => probe.close(done));
  return port;
}

/**
 * Measures `rounds` rates of each running configuration, taking turns, so both see the same load on
 * a busy machine; every other round in the opposite order (10, 1,000, 1,000, 10, ...), so that
 * neither is always the one measured first in a pair.
 */
async function interleaved(configs: readonly { port: number; routes: number; dir?: string }[], rounds: number, log: (s: string) => void): Promise<{ rates: number[][]; cpu: number[] }> {
  const rates = configs.map(() => [] as number[]);
  const cpu = configs.map(() => ({ ms: 0, n: 0 }));
  for (const c of configs) await rps(c.port, c.routes); // warm-up
  for (let i = 0; i < rounds; i++) {
    const order = [...configs.keys()];
    if (i % 2) order.reverse();
    for (const j of order) {
      const before = nginxCpuMs(configs[j].dir!);
      const r = await rps(configs[j].port, configs[j].routes);
      cpu[j].ms += nginxCpuMs(configs[j].dir!) - before;
      cpu[j].n += r.n;
      rates[j].push(r.rate);
    }
    log(`round ${i + 1}: ${order.map((j) => `${configs[j].routes} routes ${rates[j][i].toFixed(0)}/s`).join(", ")}`);
  }
  return { rates, cpu: cpu.map((c) => (c.ms * 1000) / c.n) };
}

export const nginxSuite: Suite = {
  name: "nginx", title: "nginx target: compile one Gateway, requests through a real nginx on loopback", byDefault: true,
  defaultSizes: ["routes"], sizes: ["routes"],
  async run(size, runs, log) {
    const notes: string[] = [];
    const figures = [];
    const backend = createServer((req, res) => res.end(String(req.headers["x-route"] ?? "")));
    const backendPort = await listen(backend);
    const cap = nginxCapability();
    const configs: { routes: number; port: number; files: Map<string, string>; dir?: string }[] = [];
    try {
      for (const routes of [10, 1000]) {
        const port = await freePort();
        const times: number[] = [], cpuTimes: number[] = [];
        let files = new Map<string, string>();
        for (let i = 0; i < Math.max(1, runs); i++) { const c = compile(routes, port, backendPort); times.push(c.ms); cpuTimes.push(c.cpuMs); files = c.files; }
        const bytes = [...files.values()].reduce((s, t) => s + t.length, 0);
        figures.push({ label: `compile, ${routes} routes (wall, CPU)`, value: `${ms(median(times))}, ${ms(median(cpuTimes))} CPU (${(bytes / 1024).toFixed(0)} KiB)` });
        configs.push({ routes, port, files });
      }
      if (cap.ok) {
        for (const c of configs) {
          c.dir = mkdtempSync(join(tmpdir(), "junction-bench-nginx-"));
          writeFolder(c.dir, c.files);
          const bad = nginxTest(c.dir) ?? nginxStart(c.dir);
          if (bad) throw new Error(`nginx: ${bad}`);
        }
        const measured = await interleaved(configs, Math.max(1, runs), log);
        const rates = measured.rates.map(median);
        for (const [j, c] of configs.entries()) {
          log(`${c.routes} routes: ${rates[j].toFixed(0)} requests/s, ${measured.cpu[j].toFixed(0)} µs of nginx CPU per request`);
          figures.push({ label: `requests/s, ${c.routes} routes (${CONFIG_FILE} ${(c.files.get(CONFIG_FILE)!.length / 1024).toFixed(0)} KiB)`, value: rates[j].toFixed(0) });
        }
        figures.push({ label: "requests/s ratio, 1,000 / 10 routes", value: (rates[1] / rates[0]).toFixed(2) });
        for (const [j, c] of configs.entries()) figures.push({ label: `nginx CPU per request, ${c.routes} routes`, value: `${measured.cpu[j].toFixed(0)} µs` });
        figures.push({ label: "nginx CPU per request ratio, 1,000 / 10 routes", value: (measured.cpu[1] / measured.cpu[0]).toFixed(2) });
      } else notes.push(`requests through nginx skipped: ${cap.missing.join("; ")}`);
      notes.push(`${CONCURRENCY} keep-alive connections for ${SECONDS} s per run, to the last route (PathPrefix + header match: njs walks its table); both nginx run at once and are measured in turns, every other round in the opposite order (10, 1,000, 1,000, 10, ...), so both see the same load; the backend is a Node HTTP server, the same for both; nginx's CPU per request (its master's and workers' user and system time from /proc, over every round, in 10 ms ticks) does not depend on the load`);
    } finally {
      for (const c of configs) if (c.dir) { nginxStop(c.dir); rmSync(c.dir, { recursive: true, force: true }); }
      backend.close();
    }
    return { size, figures, notes } as SizeResult;
  },
};
