// The connectivity suite: a synthetic cluster per size (junction generate), then load (YAML and
// JSON), model build, the full all-pairs analysis behind `junction list`, one explain, one
// single-policy update, peak memory, and the naive evaluator (PairwiseConnectivity: every pair,
// every port interval, every policy) measured where it finishes, estimated from a sample of pairs
// elsewhere. Every sampled pair is also an agreement check between the two.

import { fork } from "node:child_process";
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPaths } from "../src/sources/load.js";
import { schemaValidationTime } from "./schema.js";
import { PolicyEngine } from "../src/engine/verdict.js";
import { PairwiseConnectivity } from "../src/engine/pairwise.js";
import { FastConnectivity } from "../src/engine/fast/connectivity.js";
import { resolveEndpoint } from "../src/engine/endpoints.js";
import { evaluateQuery } from "../src/engine/query.js";
import { connectionList, externalPeers, workloadPeers } from "../src/analyze/connlist.js";
import { renderConnlist } from "../src/targets/connlist.js";
import { formatConns } from "../src/model/ports.js";
import type { Inventory } from "../src/model/inventory.js";
import type { Policy } from "../src/model/policy.js";
import type { Party } from "../src/engine/match.js";
import { Rng } from "../src/generate/random.js";
import { writeCluster } from "../src/cli/commands/generate.js";
import { median, mib, ms, time, type Figure, type SizeResult, type Suite } from "./suite.js";

export const SIZES: Record<string, { pods: number; namespaces: number; policies: number }> = {
  "200": { pods: 200, namespaces: 5, policies: 30 },
  "1k": { pods: 1000, namespaces: 13, policies: 100 },
  "10k": { pods: 10_000, namespaces: 100, policies: 1000 },
  "100k": { pods: 100_000, namespaces: 1000, policies: 10_000 },
};

/** The naive evaluator runs in full when it is expected to take less than this. */
const NAIVE_FULL_MS = 60_000;
/** Time spent sampling the naive evaluator where it cannot run in full. */
const NAIVE_SAMPLE_MS = 4000;

export const connectivitySuite: Suite = {
  name: "connectivity",
  title: "Connectivity at scale (junction list / matrix / analyze)",
  byDefault: true,
  defaultSizes: ["200", "1k", "10k", "100k"],
  sizes: Object.keys(SIZES),
  async run(size, runs, log) {
    const spec = SIZES[size];
    return withGeneratedCluster(spec, (dir) => measure(size, spec, dir, runs, log));
  },
};

/**
 * A generated cluster written as YAML and JSON dumps (DIR/yaml, DIR/json) for the time `use` takes.
 * The dumps are on disk before `use` starts (each file fsynced: at 150k pods 530 MB would otherwise
 * be written back by the kernel during the first timed runs, as it was in the runs of the
 * fourteenth stop), and what generating them left in this process's heap is collected (under
 * --expose-gc, as bench/run.ts starts it), so that a timed child shares the machine with an idle
 * process, as a user's command does.
 */
export async function withGeneratedCluster<T>(spec: { pods: number; namespaces: number; policies: number }, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "junction-bench-"));
  try {
    for (const format of ["yaml", "json"] as const) writeCluster(join(dir, format), { ...spec, seed: 1 }, format);
    flush(dir);
    (globalThis as { gc?: () => void }).gc?.();
    return await use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file under `dir` written to disk (fsync). */
function flush(dir: string): void {
  for (const f of readdirSync(dir, { recursive: true }).map(String)) {
    const path = join(dir, f);
    if (!statSync(path).isFile()) continue;
    const fd = openSync(path, "r");
    try { fsyncSync(fd); } finally { closeSync(fd); }
  }
}

async function measure(size: string, spec: (typeof SIZES)[string], dir: string, runs: number, log: (l: string) => void): Promise<SizeResult> {
  const figures: Figure[] = [], notes: string[] = [];
  const add = (label: string, value: string) => figures.push({ label, value });
  add("cluster", `${spec.pods} pods, ${spec.policies} policies, ${spec.namespaces} namespaces`);
  add("input size", `${mib(folderBytes(join(dir, "yaml")))} YAML, ${mib(folderBytes(join(dir, "json")))} JSON`);
  let inv!: Inventory;
  const loads: Record<string, number[]> = { yaml: [], json: [] };
  for (let r = 0; r < runs; r++) {
    for (const f of ["yaml", "json"] as const) loads[f].push(await time(() => { inv = loadPaths([join(dir, f)], undefined, { recursive: true }).inventory; }));
  }
  log(`${size}: loaded`);
  add("load (YAML)", ms(median(loads.yaml)));
  add("load (JSON)", ms(median(loads.json)));
  const validation = median(Array.from({ length: runs }, () => schemaValidationTime(join(dir, "yaml"))));
  add("  of which schema validation", `${ms(validation)} (${((100 * validation) / (median(loads.yaml) - validation)).toFixed(1)}% added to the load without it; limit 20%)`);
  const builds: number[] = [], analyses: number[] = [];
  let fast!: FastConnectivity, entries = 0;
  for (let r = 0; r < runs; r++) {
    const engine = new PolicyEngine(inv);
    builds.push(await time(() => { fast = new FastConnectivity(engine); }));
    analyses.push(await time(() => { entries = connectionList(inv, fast).length; }));
    log(`${size}: analysis run ${r + 1}/${runs}`);
  }
  const build = median(builds), analysis = median(analyses);
  add("model build (classes, selectors, rows)", ms(build));
  add("all-pairs analysis (all ports)", ms(analysis));
  add("build + analysis", ms(build + analysis));
  const s = fast.stats;
  add("endpoints / classes / signatures", `${s.endpoints} / ${s.classes} / ${s.signatures}`);
  add("allowed workload pairs", String(entries));
  const naive = naiveRun(inv, fast, log, notes);
  add("naive evaluator", `${ms(naive.ms)} ${naive.how}`);
  add("speed-up over naive", `${Math.round(naive.ms / (build + analysis)).toLocaleString("en-US")}x`);
  add("one explain", ms(explains(inv, fast)));
  add("one policy update (re-verified)", ms(updates(inv, fast, notes)));
  add("peak memory (one list run: YAML / JSON)", `${mib(await peakOfOneRun(join(dir, "yaml")))} / ${mib(await peakOfOneRun(join(dir, "json")))}`);
  return { size, figures, notes };
}

/** The naive evaluator over the same all-pairs question: in full where it finishes, else a timed sample. */
function naiveRun(inv: Inventory, fast: FastConnectivity, log: (l: string) => void, notes: string[]): { ms: number; how: string } {
  const ref = new PairwiseConnectivity(new PolicyEngine(inv));
  const groups = [...workloadPeers(inv), ...externalPeers(inv)].map((p) => p.parties);
  const nWorkloads = workloadPeers(inv).length;
  const pairs = countPairs(groups, nWorkloads);
  const sample = samplePairs(groups, nWorkloads, 1);
  let done = 0, disagree = 0;
  const t = performance.now();
  while ((performance.now() - t < NAIVE_SAMPLE_MS || done < 10) && done < sample.length) {
    const [s, d] = sample[done++];
    if (formatConns(ref.conns(s, d)) !== formatConns(fast.conns(s, d))) disagree++;
  }
  const perPair = (performance.now() - t) / done;
  notes.push(`agreement: ${done - disagree}/${done} sampled pairs (all port intervals) give the same connections in the fast and the naive evaluator`);
  if (disagree) throw new Error(`the fast and the naive evaluator disagree on ${disagree} of ${done} sampled pairs`);
  if (perPair * pairs < NAIVE_FULL_MS) {
    log("naive: full run");
    let naiveText = "";
    const full = performance.now();
    naiveText = renderConnlist(connectionList(inv, ref), "txt");
    const elapsed = performance.now() - full;
    const same = naiveText === renderConnlist(connectionList(inv, fast), "txt");
    notes.push(`agreement: the full connection list is ${same ? "identical" : "DIFFERENT"} (naive vs fast, ${naiveText.split("\n").length - 1} lines)`);
    if (!same) throw new Error("the fast and the naive connection lists differ");
    return { ms: elapsed, how: "(measured, full run)" };
  }
  return { ms: perPair * pairs, how: `(estimated: ${done} sampled pairs × ${pairs.toLocaleString("en-US")} pairs)` };
}

/** Party pairs the connection list evaluates: workload↔workload (different workloads) and workload↔external. */
function countPairs(groups: Party[][], nWorkloads: number): number {
  const w = groups.slice(0, nWorkloads).reduce((n, g) => n + g.length, 0);
  const x = groups.length - nWorkloads;
  const within = groups.slice(0, nWorkloads).reduce((n, g) => n + g.length * g.length, 0);
  return w * w - within + 2 * w * x;
}

function samplePairs(groups: Party[][], nWorkloads: number, seed: number): [Party, Party][] {
  const rng = new Rng(seed);
  const workloads = groups.slice(0, nWorkloads).flat(), externals = groups.slice(nWorkloads).flat();
  const out: [Party, Party][] = [];
  for (let i = 0; i < 2000; i++) {
    const a = rng.pick(workloads), b = rng.chance(0.9) ? rng.pick(workloads) : rng.pick(externals);
    out.push(rng.chance(0.5) || !b.endpoint ? [a, b] : [b, a]);
  }
  return out;
}

/** Median time of one explain: both endpoints resolved by name, the verdict with its trace. */
function explains(inv: Inventory, fast: FastConnectivity): number {
  const rng = new Rng(7);
  const pods = inv.endpoints.filter((e) => e.kind === "pod" && !e.fromTemplate);
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const [a, b] = [rng.pick(pods), rng.pick(pods)];
    times.push(performance.now());
    const src = resolveEndpoint(fast.engine.index, `${a.namespace}/${a.name}`), dst = resolveEndpoint(fast.engine.index, `${b.namespace}/${b.name}`);
    if (!src.ok || !dst.ok) throw new Error("bench: endpoint not found");
    evaluateQuery(fast.engine, src.value, dst.value, 8080);
    times[i] = performance.now() - times[i];
  }
  return median(times);
}

/** Median time of one NetworkPolicy change (a port added to its first rule), applied incrementally. */
function updates(inv: Inventory, fast: FastConnectivity, notes: string[]): number {
  const rng = new Rng(3);
  const candidates = inv.policies.filter((p) => p.kind === "NetworkPolicy" && p.ingress?.length);
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < 9; i++) {
    const p = rng.pick(candidates);
    const [first, ...rest] = p.ingress!;
    const changed: Policy = { ...p, ingress: [{ ...first, ports: [...(first.ports ?? [{ kind: "protocol", protocol: "TCP" }]), { kind: "range", protocol: "TCP", first: 7000 + i, last: 7000 + i }] }, ...rest] };
    const t = performance.now();
    rows += fast.upsertPolicy(changed).rows;
    times.push(performance.now() - t);
  }
  notes.push(`policy updates: ${times.length} NetworkPolicies changed one by one, ${rows} rows recomputed in all (the affected signatures only)`);
  return median(times);
}

/** Peak RSS of load + build + analysis + rendering in a process of its own. */
function peakOfOneRun(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = fork(fileURLToPath(new URL("./peak.js", import.meta.url)), [dir], { execArgv: ["--max-old-space-size=8192"] });
    p.on("message", (m) => resolve((m as { maxRSS: number }).maxRSS));
    p.on("exit", (code) => { if (code) reject(new Error(`peak-memory run failed (exit ${code})`)); });
  });
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true }).map(String).reduce((n, f) => { const st = statSync(join(dir, f)); return n + (st.isFile() ? st.size : 0); }, 0);
}
