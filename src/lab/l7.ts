// The lab at Layer 7: every Gateway of the input compiled to nginx (the nginx target) and run in a
// network namespace of its own, real echo backends for every backend its routes use, and a client
// namespace that sends real requests. Topology (all inside namespaces the lab created):
//   client (10.252.G.2) <-veth-> gateway G (10.252.G.1; nginx) <-veth-> echo (10.251.G.2, backends)
// Backends keep the addresses the engine resolves (pod or Workload addresses and target ports);
// Services whose endpoints the input does not hold get one address each from 10.253.0.0/16 and
// one echo backend named after them, as the conformance echo server's pods are.

import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { servedBy, type ResolvedBackend } from "../engine/gateway/backends.js";
import { servingSecret } from "../engine/gateway/backend-handshake.js";
import type { RouteGraph } from "../model/gateway.js";
import type { Endpoint } from "../model/endpoint.js";
import { GatewayEngine } from "../engine/gateway/engine.js";
import type { Service, ServicePort } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import type { LineLookup } from "../model/source.js";
import { compileNginx, formatNginxProblem, DEFAULT_NGINX_OPTIONS } from "../targets/nginx/index.js";
import { destination, type Target } from "../targets/nginx/upstreams.js";
import type { EchoBackend, EchoConfig, EchoSocket } from "./echo.js";
import { ipBatch, LabError } from "./exec.js";
import { addNamespaces } from "./netns.js";
import { nginxStart, nginxStop, nginxTest, writeFolder } from "./nginx.js";

export interface L7Gateway {
  ref: string;
  netns: string;
  /** The address its listeners bind, as the client reaches it. */
  address: string;
  /** Its configuration folder (under the lab's run directory). */
  dir: string;
}

export interface L7State {
  client: string;
  echo: string;
  echoPid?: number;
  gateways: L7Gateway[];
}

const ECHO_MAIN = fileURLToPath(new URL("./echo-main.js", import.meta.url));
const LAB_RANGES = [/^10\.251\./, /^10\.252\./];
const gatewayAddress = (i: number) => `10.252.${i}.1`;

/** The Gateways to run: those named (NS/NAME), or every one of the input; at most 250. */
export function chooseGateways(engine: GatewayEngine, wanted: readonly string[]): string[] {
  const all = engine.gateways.map((g) => `${g.gateway.namespace}/${g.gateway.name}`);
  for (const w of wanted) if (!all.includes(w)) throw new LabError(`--gateways: Gateway ${w} is not in the input (Gateways: ${all.join(", ") || "none"})`);
  const out = wanted.length ? [...wanted] : all;
  if (out.length > 250) throw new LabError(`the input has ${out.length} Gateways; the lab runs at most 250 (choose with --gateways)`);
  return out;
}

/** The echo backends and their sockets, collected while the configurations are compiled. */
class Backends {
  readonly backends: EchoBackend[] = [];
  readonly sockets: EchoSocket[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly serviceAddress = new Map<string, string>();
  private readonly taken = new Set<string>();

  private backend(b: EchoBackend): number {
    const key = `${b.service} ${b.backend ?? ""} ${b.namespace}/${b.pod} ${b.tls ? "tls" : ""}`;
    let i = this.byKey.get(key);
    if (i === undefined) { i = this.backends.push(b) - 1; this.byKey.set(key, i); }
    return i;
  }

  listen(identity: EchoBackend, t: Target, kind: "tcp" | "udp"): void {
    if (LAB_RANGES.some((r) => r.test(t.address))) throw new LabError(`backend address ${t.address} is inside the lab's own ranges (10.251.0.0/16, 10.252.0.0/16)`);
    const key = `${kind} ${t.address} ${t.port}`;
    if (this.taken.has(key)) return;
    this.taken.add(key);
    this.sockets.push({ kind, address: t.address, port: t.port, backend: this.backend(identity) });
  }

  /**
   * An address for a Service whose endpoints the input does not hold: one echo backend named after it.
   * When the Gateway originates TLS to it (BackendTLSPolicy) and its pods are in the input without
   * addresses, the backend answers as those pods and serves their mounted certificate, as they would.
   */
  forService = (svc: Service, port: ServicePort, b: ResolvedBackend): Target[] => {
    const name = `${svc.namespace}/${svc.name}`;
    let address = this.serviceAddress.get(name);
    if (!address) { const n = this.serviceAddress.size + 1; address = `10.253.${n >> 8}.${n & 255}`; this.serviceAddress.set(name, address); }
    const t = { address, port: port.port };
    const pod = b.tlsPolicy ? b.endpoints?.endpoints.find((e) => e.pod)?.pod : undefined;
    const tls = pod ? { backend: servedBy(b), tls: this.podTls(pod) } : {};
    this.listen({ namespace: svc.namespace, pod: `${svc.name}-lab`, service: name, ...tls }, t, port.protocol === "UDP" ? "udp" : "tcp");
    return [t];
  };

  constructor(private readonly graph: RouteGraph) {}

  /** The certificate and key a pod serves (its mounted TLS Secret), for backends the Gateway speaks TLS to. */
  private podTls(pod: Endpoint | undefined): EchoBackend["tls"] {
    const m = pod && servingSecret(this.graph, pod);
    return m?.privateKey && m.certificates.length ? { cert: m.certificates.join("\n"), key: m.privateKey } : undefined;
  }

  /** Echo backends at the addresses the engine resolved (pods, EndpointSlices, Workloads). */
  resolved(b: ResolvedBackend): void {
    let d;
    try { d = destination(b, this.forService); } catch { return; }
    if (!("targets" in d)) return;
    const kind = b.servicePort?.protocol === "UDP" ? "udp" : "tcp";
    for (const t of d.targets) {
      const pod = b.endpoints?.endpoints.find((e) => e.address === t.address)?.pod;
      const identity = b.workload
        ? { namespace: b.workload.namespace ?? "", pod: b.workload.name, service: b.name, backend: servedBy(b) }
        : { namespace: pod?.namespace ?? b.service?.namespace ?? "", pod: pod?.name ?? `${b.service?.name ?? b.name}-lab`, service: b.name, backend: servedBy(b), ...(b.tlsPolicy ? { tls: this.podTls(pod) } : {}) };
      this.listen(identity, t, kind);
    }
  }
}

/** Compiles every chosen Gateway into its folder; nginx's refusals are a LabError naming them. */
function compileAll(engine: GatewayEngine, refs: readonly string[], backends: Backends, folder: (i: number) => string, lines: LineLookup): void {
  const problems: string[] = [];
  refs.forEach((ref, i) => {
    const r = compileNginx(engine, ref, { ...DEFAULT_NGINX_OPTIONS, listen: [gatewayAddress(i + 1)], serviceAddresses: backends.forService, socketDir: folder(i + 1) });
    if (typeof r === "string") throw new LabError(r);
    if (r.problems.length) { problems.push(...r.problems.map((p) => formatNginxProblem(p, lines))); return; }
    writeFolder(folder(i + 1), r.files);
  });
  if (problems.length) throw new LabError(`${problems.join("\n")}\nnginx cannot do what these routes say; nothing was created`);
  for (const state of engine.routes) for (const b of state.backends.values()) backends.resolved(b);
}

function link(a: string, aName: string, aAddr: string, b: string, bName: string, bAddr: string): void {
  ipBatch(a, [`link add ${aName} type veth peer name ${bName} netns ${b}`, `addr add ${aAddr}/24 dev ${aName}`, `link set ${aName} up`, "link set lo up"]);
  ipBatch(b, [`addr add ${bAddr}/24 dev ${bName}`, `link set ${bName} up`, "link set lo up"]);
}

const ECHO_START_SECONDS = 60;
/** Is the process running (a child that exited stays a zombie until this blocked loop lets Node reap it)? */
const alive = (pid: number) => { try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8")); } catch { return false; } };

/** Starts the echo process in its namespace; resolves its pid once every socket listens. */
function startEcho(netns: string, config: string, log: string): number {
  const out = openSync(log, "a");
  const child = spawn("ip", ["netns", "exec", netns, process.execPath, ECHO_MAIN, config], { detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  child.unref();
  // Generous: on a loaded machine a Node process at a low priority can take many seconds to start.
  const until = Date.now() + ECHO_START_SECONDS * 1000;
  while (Date.now() < until) {
    const said = existsSync(log) ? readFileSync(log, "utf8") : "";
    if (/^ready /m.test(said)) return child.pid!;
    if (/^echo: /m.test(said) || !alive(child.pid!)) throw new LabError(`the echo backends did not start:\n  ${said.trim().split("\n").slice(-4).join("\n  ") || "(the process exited without a word)"}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  throw new LabError(`the echo backends did not start within ${ECHO_START_SECONDS} s (see ${log})`);
}

export interface L7UpRequest {
  inventory: Inventory;
  gateways: readonly string[];
  prefix: string;
  path: (file: string) => string;
  lines: LineLookup;
  progress: (message: string) => void;
  /** Called with the state as soon as something is about to be created (so a crash is cleaned). */
  record: (state: L7State) => void;
}

/** Compiles, then creates the namespaces, starts the echo backends and one nginx per Gateway. */
export function l7Up(req: L7UpRequest): L7State {
  const engine = new GatewayEngine(req.inventory);
  const refs = chooseGateways(engine, req.gateways);
  const backends = new Backends(req.inventory.routing);
  const folder = (i: number) => req.path(`gw${i}`);
  req.progress(`compiling ${refs.length} Gateway${refs.length === 1 ? "" : "s"} to nginx`);
  compileAll(engine, refs, backends, folder, req.lines);
  const state: L7State = {
    client: `${req.prefix}client`, echo: `${req.prefix}echo`,
    gateways: refs.map((ref, i) => ({ ref, netns: `${req.prefix}gw${i + 1}`, address: gatewayAddress(i + 1), dir: folder(i + 1) })),
  };
  req.record(state);
  req.progress(`creating ${refs.length + 2} network namespaces (client, echo backends, a Gateway each)`);
  addNamespaces([state.client, state.echo, ...state.gateways.map((g) => g.netns)]);
  state.gateways.forEach((g, i) => {
    link(state.client, `g${i + 1}`, `10.252.${i + 1}.2`, g.netns, "client", g.address);
    link(g.netns, "echo", `10.251.${i + 1}.1`, state.echo, `g${i + 1}`, `10.251.${i + 1}.2`);
    ipBatch(g.netns, [`route add default via 10.251.${i + 1}.2`]);
  });
  const addresses = [...new Set(backends.sockets.map((s) => s.address))];
  ipBatch(state.echo, addresses.map((a) => `addr add ${a}/${a.includes(":") ? 128 : 32} dev lo`));
  req.progress(`starting ${backends.backends.length} echo backends on ${backends.sockets.length} sockets`);
  const config: EchoConfig = { backends: backends.backends, sockets: backends.sockets, log: req.path("echo-requests.log") };
  writeFileSync(req.path("echo.json"), JSON.stringify(config));
  writeFileSync(config.log, "");
  state.echoPid = startEcho(state.echo, req.path("echo.json"), req.path("echo.log"));
  req.record(state);
  req.progress("starting nginx");
  for (const g of state.gateways) {
    const bad = nginxTest(g.dir, g.netns);
    if (bad) throw new LabError(`nginx -t rejects the configuration of Gateway ${g.ref}:\n  ${bad.split("\n").join("\n  ")}`);
    const failed = nginxStart(g.dir, g.netns);
    if (failed) throw new LabError(`nginx did not start for Gateway ${g.ref}:\n  ${failed}`);
  }
  return state;
}

/** Stops what l7Up started (nginx by its pid file, the echo process); namespaces go with the lab's prefix. */
export function l7Down(state: L7State | undefined): void {
  if (!state) return;
  for (const g of state.gateways) nginxStop(g.dir);
  if (state.echoPid) { try { process.kill(state.echoPid, "SIGTERM"); } catch { /* already gone */ } }
}
