// Enforcement benchmarks: compiling one host's nftables ruleset for 10 and 10,000 policies (time and
// size), and the rate of new TCP connections through that host with each ruleset, against the same
// host without a ruleset, all measured in one run. Runs on its own: node dist/bench/enforcement.js
// The connection part needs root, ip netns, nftables and perl (it says so and skips otherwise).

import { cpus, release, totalmem } from "node:os";
import { mkdirSync, rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { PolicyEngine } from "../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../src/engine/options.js";
import type { Endpoint } from "../src/model/endpoint.js";
import { emptyInventory, type Inventory } from "../src/model/inventory.js";
import { parseAddress, parseCidr, type Address } from "../src/model/ip.js";
import type { Policy, Rule } from "../src/model/policy.js";
import { selector } from "../src/model/selector.js";
import { compileHost } from "../src/targets/nftables/host.js";
import { renderTable } from "../src/targets/nftables/ruleset.js";
import { labCapability, must } from "../src/lab/exec.js";
import { addNamespaces, createBridge, deleteNamespaces, linkHosts, sysctlLines, netnsPath } from "../src/lab/netns.js";
import { applyTable, deleteTable } from "../src/lab/nft.js";
import { runProbes, startListeners, stopListeners, writeSysctls } from "../src/lab/listeners.js";
import { LabDir, labPrefix } from "../src/lab/state.js";

const SERVER = "10.9.0.2";
/** The client the last policy allows, at the same address whatever the number of policies. */
const CLIENT = "10.8.0.1";
const PORT = 5432;

function address(text: string): Address { return parseAddress(text)!; }

function rule(direction: "ingress" | "egress", index: number, r: Omit<Rule, "index" | "path">): Rule {
  return { index, path: ["spec", direction, index], ...r };
}

/**
 * A database VM selected by `n` policies: mostly Namespace-tier allows from one client pod each (on
 * the database port, some on a port range), every tenth an Admin-tier Deny of a /24, and a Baseline
 * default deny. Each policy has its own client pod; the last one's is CLIENT.
 */
export function estate(n: number): Inventory {
  const inv = emptyInventory();
  for (const ns of ["legacy", "apps"]) inv.namespaces.set(ns, { name: ns, labels: { "kubernetes.io/metadata.name": ns }, implicit: false });
  const add = (e: Omit<Endpoint, "id">) => inv.endpoints.push({ ...e, id: inv.endpoints.length });
  add({ kind: "workload", name: "db", namespace: "legacy", labels: { app: "db" }, addresses: [address(SERVER)], ports: [{ name: "postgres", port: PORT, protocol: "TCP" }] });
  const subject = { namespaces: { kind: "name" as const, name: "legacy" }, labels: selector({ app: "db" }), kinds: ["workload" as const] };
  for (let i = 0; i < n; i++) {
    const client = i === n - 1 ? CLIENT : `10.10.${i >> 8}.${i & 255}`;
    add({ kind: "pod", name: `client-${i}`, namespace: "apps", labels: { app: `client-${i}` }, addresses: [address(client)], ports: [] });
    const from = [{ kind: "endpoints" as const, selector: { namespaces: { kind: "name" as const, name: "apps" }, labels: selector({ app: `client-${i}` }), kinds: ["pod" as const] } }];
    if (i % 10 === 5) {
      inv.policies.push({ kind: "TrafficPolicy", name: `guard-${i}`, tier: "admin", priority: i, subject,
        ingress: [rule("ingress", 0, { action: "deny", peers: [{ kind: "cidr", cidr: parseCidr(`10.20.${i >> 8}.0/24`)!, except: [] }], ports: [{ kind: "range", protocol: "TCP", first: 8000 + (i % 100), last: 8000 + (i % 100) }] })] });
    }
    const ports = i % 7 === 3 && i !== n - 1 ? [{ kind: "range" as const, protocol: "TCP" as const, first: 9000, last: 9100 + (i % 50) }] : [{ kind: "named" as const, name: "postgres" }];
    inv.policies.push({ kind: "TrafficPolicy", name: `clients-${i}`, namespace: "legacy", tier: "namespace", priority: 0, subject, ingress: [rule("ingress", 0, { action: "allow", peers: from, ports })] });
  }
  inv.policies.push({ kind: "TrafficPolicy", name: "default-deny", tier: "baseline", priority: 1000, subject, egress: [rule("egress", 0, { action: "deny", peers: [{ kind: "cidr", cidr: parseCidr("0.0.0.0/0")!, except: [] }] })] } as Policy);
  return inv;
}

export interface CompileFigures { policies: number; ms: number; bytes: number; chains: number; elements: number; text: string }

function compileOnce(n: number): CompileFigures {
  const inv = estate(n);
  const start = process.hrtime.bigint();
  const engine = new PolicyEngine(inv, DEFAULT_OPTIONS);
  const compiled = compileHost(engine, inv.endpoints[0], []);
  const text = renderTable(compiled.table);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { policies: inv.policies.length, ms, bytes: text.length, chains: compiled.table.chains.length, elements: compiled.table.sets.reduce((s, x) => s + x.elements.length, 0), text };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median of three compiles (after one warm-up), for `n` policies. */
export function compileFigures(n: number): CompileFigures {
  compileOnce(n);
  const runs = [compileOnce(n), compileOnce(n), compileOnce(n)];
  return { ...runs[0], ms: median(runs.map((r) => r.ms)) };
}

/** New TCP connections per second from the client to the server's database port, `count` per run. */
function connectionRate(dir: LabDir, client: string, count: number): number {
  const jobs = Array.from({ length: count }, (_, id) => ({ id, netns: client, protocol: "TCP", address: SERVER, port: PORT }));
  const start = process.hrtime.bigint();
  const out = runProbes(dir, jobs, 5);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const failed = [...out.values()].filter((o) => o.result !== "connected").length;
  if (failed) throw new Error(`${failed} of ${count} benchmark connections did not connect: ${JSON.stringify([...out.values()].find((o) => o.result !== "connected"))}`);
  return count / seconds;
}

export interface RateFigures { none: number; small: number; large: number }

/** Connection rates with no ruleset, the small and the large one, interleaved over `rounds`, medians. */
export function rateFigures(small: string, large: string, count = 3000, rounds = 5): RateFigures {
  const name = `bench${process.pid % 10000}`;
  const runDir = `/run/junction/bench-${process.pid}`;
  const dir = new LabDir(runDir, name);
  mkdirSync(dir.dir, { recursive: true });
  const prefix = labPrefix(name);
  const [hub, server, client] = ["hub", "server", "client"].map((s) => `${prefix}${s}`);
  let pid: number | undefined;
  try {
    addNamespaces([hub, server, client]);
    const tuning = [client, server].flatMap((ns) => [`${netnsPath(ns)} /proc/sys/net/ipv4/ip_local_port_range 1024 65535`, `${netnsPath(ns)} /proc/sys/net/ipv4/tcp_tw_reuse 1`]);
    writeSysctls(dir, [...sysctlLines(hub, [server, client]), ...tuning]);
    createBridge(hub);
    linkHosts(hub, [{ netns: server, port: "h1", addresses: [address(SERVER)] }, { netns: client, port: "h2", addresses: [address(CLIENT)] }]);
    pid = startListeners(dir, [{ netns: server, addresses: [address(SERVER)], listen: [{ port: PORT, protocol: "TCP" }] }], () => {}).pid;
    const rates: Record<keyof RateFigures, number[]> = { none: [], small: [], large: [] };
    connectionRate(dir, client, 500); // warm-up
    for (let r = 0; r < rounds; r++) {
      deleteTable(server);
      rates.none.push(connectionRate(dir, client, count));
      applyTable(small, server);
      rates.small.push(connectionRate(dir, client, count));
      applyTable(large, server);
      rates.large.push(connectionRate(dir, client, count));
    }
    return { none: median(rates.none), small: median(rates.small), large: median(rates.large) };
  } finally {
    stopListeners(pid, dir);
    deleteNamespaces([hub, server, client].filter((ns) => must("ip", ["netns", "list"]).includes(ns)));
    rmSync(runDir, { recursive: true, force: true });
  }
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

/** Runs every enforcement benchmark, printing lines through `out`; returns the figures. */
export async function runEnforcementBench(out: (line: string) => void = (l) => console.log(l)) {
  out(`enforcement (nftables): ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}`);
  const small = compileFigures(10), large = compileFigures(10_000);
  for (const f of [small, large]) {
    out(`  compile one host, ${String(f.policies).padStart(5)} policies: ${f.ms.toFixed(1)} ms, ${kb(f.bytes)}, ${f.chains} chains, ${f.elements} set elements`);
  }
  out(`  10k vs 10 policies: compile time ${x(large.ms, small.ms)}, ruleset size ${x(large.bytes, small.bytes)}, set elements ${x(large.elements, small.elements)} (policies ${x(large.policies, small.policies)})`);
  const cap = labCapability();
  if (!cap.ok) { out(`  connection rate: skipped (${cap.missing.join("; ")})`); return { small, large }; }
  const rates = rateFigures(small.text, large.text);
  out(`  new TCP connections/s through the host: no ruleset ${rates.none.toFixed(0)} (baseline), ${small.policies} policies ${rates.small.toFixed(0)} (${x(rates.small, rates.none)}), ${large.policies} policies ${rates.large.toFixed(0)} (${x(rates.large, rates.none)})`);
  out(`  10k vs 10 policies: connection rate ${x(rates.large, rates.small)}`);
  return { small, large, rates };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runEnforcementBench().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exitCode = 1; });
}
