// The end-to-end suite: what a user waits for. Per size, a generated cluster as a JSON and a YAML
// dump; each run times, in processes of their own and back to back (so that the machine's load is
// shared), the floor (reading and parsing the files: JSON.parse, or the YAML reader Junction uses)
// and the real `junction list -o json`, and reports their ratio and the CLI's peak memory. Then, in
// this process, the engine's build + all-pairs analysis and a stream of random incremental updates
// (stream.ts), checked against a fresh build.

import { spawn } from "node:child_process";
import { openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { loadPaths } from "../src/sources/load.js";
import { PolicyEngine } from "../src/engine/verdict.js";
import { FastConnectivity } from "../src/engine/fast/connectivity.js";
import { connectionList } from "../src/analyze/connlist.js";
import { median, mib, ms, time, type Figure, type SizeResult, type Suite } from "./suite.js";
import { withGeneratedCluster } from "./connectivity.js";
import { CHANGE_KINDS, cpuMs, percentile, runStream } from "./stream.js";

const SIZES: Record<string, { pods: number; namespaces: number; policies: number; stream: boolean }> = {
  "1k": { pods: 1000, namespaces: 13, policies: 100, stream: true },
  "10k": { pods: 10_000, namespaces: 100, policies: 1000, stream: true },
  "100k": { pods: 100_000, namespaces: 1000, policies: 10_000, stream: true },
  "150k": { pods: 150_000, namespaces: 1500, policies: 15_000, stream: false },
};

/** Changes in the update stream: `npm run bench -- --updates N` (the target is stated over 10,000). */
const UPDATES = Number(process.env.JUNCTION_BENCH_UPDATES ?? 1000);

/** The targets (issue 15): ratio to the floor, peak memory, update p99, build + analysis. */
const TARGET = { ratio: 3, memory: { "1k": 1024 ** 3, "10k": 1024 ** 3, "100k": 1024 ** 3, "150k": 1.5 * 1024 ** 3 } as Record<string, number>, p99: 20, engine: 1500 };

interface ProcessRun {
  ms: number; maxRSS: number; cpuMs?: number; digest?: string;
  /** The command's own clock, its main thread's run and wait (e2e.ts), and this process's CPU meanwhile. */
  ownMs?: number; runMs?: number; waitMs?: number; benchCpuMs?: number;
  /** The files loaded and those the check-ahead worker judged first (e2e.ts). */
  files?: number; checkedAhead?: number;
}

export const scaleSuite: Suite = {
  name: "scale",
  title: "End to end: junction list -o json against the cost of reading the dump",
  byDefault: true,
  defaultSizes: ["10k", "100k"],
  sizes: Object.keys(SIZES),
  async run(size, runs, log) {
    const spec = SIZES[size];
    return withGeneratedCluster(spec, (dir) => {
      log(`${size}: generated`);
      return measure(size, spec, dir, runs, log);
    });
  },
};

async function measure(size: string, spec: (typeof SIZES)[string], dir: string, runs: number, log: (l: string) => void): Promise<SizeResult> {
  const figures: Figure[] = [], notes: string[] = [];
  const add = (label: string, value: string) => figures.push({ label, value });
  add("cluster", `${spec.pods} pods, ${spec.policies} policies, ${spec.namespaces} namespaces`);
  const digests = new Set<string>();
  for (const f of ["json", "yaml"] as const) {
    const floors: ProcessRun[] = [], ends: ProcessRun[] = [], ratios: number[] = [], cpuRatios: number[] = [];
    for (let r = 0; r < runs; r++) {
      const floor = await floorRun(join(dir, f), f, dir), end = await listRun(join(dir, f), dir);
      floors.push(floor); ends.push(end); ratios.push(end.ms / floor.ms); cpuRatios.push(end.cpuMs! / floor.cpuMs!);
      digests.add(end.digest!);
      log(`${size} ${f} run ${r + 1}/${runs}: floor ${ms(floor.ms)}, list ${ms(end.ms)} (${ms(end.cpuMs!)} CPU; ${detail(end)})`);
    }
    const F = f.toUpperCase(), ratio = median(ratios), peak = median(ends.map((e) => e.maxRSS));
    add(`floor (${F}: read + ${f === "json" ? "JSON.parse" : "YAML reader"}): wall (CPU)`, `${ms(median(floors.map((x) => x.ms)))} (${ms(median(floors.map((x) => x.cpuMs!)))})`);
    add(`junction list -o json (${F} dump): wall (CPU)`, `${ms(median(ends.map((x) => x.ms)))} (${ms(median(ends.map((x) => x.cpuMs!)))})`);
    add(`  ratio to the floor (${F}; target ≤ ${TARGET.ratio}×): wall (CPU)`, `${ratio.toFixed(1)}× ${met(ratio <= TARGET.ratio)} (${median(cpuRatios).toFixed(1)}×; runs: ${ratios.map((x) => x.toFixed(1)).join(", ")})`);
    add(`  peak memory (${F}; target ≤ ${mib(TARGET.memory[size])})`, `${mib(peak)} ${met(peak <= TARGET.memory[size])}`);
  }
  notes.push(`the JSON and YAML dumps give ${digests.size === 1 ? "byte-identical" : "DIFFERENT"} list -o json output`);
  if (digests.size !== 1) throw new Error("list -o json differs between the JSON and the YAML dump");
  const inv = loadPaths([join(dir, "json")], undefined, { recursive: true }).inventory;
  const engineTimes: number[] = [], engineCpu: number[] = [];
  let fast!: FastConnectivity;
  for (let r = 0; r < runs; r++) {
    const c = cpuMs();
    engineTimes.push(await time(() => { fast = new FastConnectivity(new PolicyEngine(inv)); connectionList(inv, fast); }));
    engineCpu.push(cpuMs() - c);
  }
  const engine = median(engineTimes);
  add(`engine build + all-pairs (target ≤ ${ms(TARGET.engine)}): wall (CPU)`, `${ms(engine)} ${met(engine <= TARGET.engine)} (${ms(median(engineCpu))})`);
  if (spec.stream && UPDATES > 0) streamFigures(size, UPDATES, inv, fast, add, notes, log);
  return { size, figures, notes };
}

function streamFigures(size: string, n: number, inv: ReturnType<typeof loadPaths>["inventory"], fast: FastConnectivity, add: (l: string, v: string) => void, notes: string[], log: (l: string) => void): void {
  const r = runStream(inv, fast, n, 5, log);
  const all = [...r.times.values()].flat(), allCpu = [...r.cpu.values()].flat();
  const p99 = percentile(all, 99);
  const spread = (t: number[]) => `${ms(percentile(t, 50))} / ${ms(percentile(t, 99))} / ${ms(Math.max(...t))}`;
  add(`${n} updates: p50 / p99 / max, wall (CPU) (p99 target ≤ ${TARGET.p99} ms)`, `${spread(all)} ${met(p99 <= TARGET.p99)} (${spread(allCpu)})`);
  for (const k of CHANGE_KINDS) {
    const t = r.times.get(k)!;
    add(`  ${k}: n, p50 / p99 / max, wall (CPU)`, t.length ? `${t.length}, ${spread(t)} (${spread(r.cpu.get(k)!)})` : "0");
  }
  notes.push(`after ${n} updates the connection list (${r.lines} lines) is ${r.same ? "identical to" : "DIFFERENT from"} a fresh build's`);
  if (!r.same) throw new Error(`${size}: the connection list after the update stream differs from a fresh build's`);
}

const met = (ok: boolean) => (ok ? "met" : "NOT met");

/**
 * Where a run's wall time went: the command's own clock (from its node's start to its exit), its main
 * thread on a core and waiting for one (the rest of its clock it was blocked: e.g. joining V8's
 * helper thread), and the CPU this process took meanwhile (it only waits).
 */
function detail(r: ProcessRun): string {
  const main = r.runMs === undefined ? "" : `, main thread ${ms(r.runMs)} run + ${ms(r.waitMs!)} waiting for a core`;
  const ahead = r.files === undefined ? "" : `, ${r.checkedAhead} of ${r.files} files judged by the check-ahead worker`;
  return `own clock ${r.ownMs === undefined ? "?" : ms(r.ownMs)}${main}${ahead}; bench ${ms(r.benchCpuMs!)} CPU meanwhile`;
}

function floorRun(data: string, format: string, scratch: string): Promise<ProcessRun> {
  return timedProcess("floor.js", [data, format], scratch);
}

/** `junction list -f DIR -o json`, its output written to a file (and digested, to compare). */
async function listRun(data: string, scratch: string): Promise<ProcessRun> {
  const run = await timedProcess("e2e.js", ["list", "-f", data, "-R", "-o", "json"], scratch, true);
  const out = join(scratch, "out.json");
  run.digest = createHash("sha256").update(readFileSync(out)).digest("hex");
  rmSync(out);
  return run;
}

/** Runs `node SCRIPT STATSFILE ARGS...` (a script of this folder); its wall time and the stats it wrote. */
function timedProcess(script: string, args: string[], scratch: string, stdoutToFile = false): Promise<ProcessRun> {
  const stats = join(scratch, "stats.json");
  const argv = [fileURLToPath(new URL(`./${script}`, import.meta.url)), stats, ...args];
  const out = stdoutToFile ? openSync(join(scratch, "out.json"), "w") : "ignore";
  return new Promise((resolve, reject) => {
    const t = performance.now(), cpu = process.cpuUsage();
    const p = spawn(process.execPath, argv, { stdio: ["ignore", out, "ignore"] });
    p.on("exit", (code) => {
      const elapsed = performance.now() - t, mine = process.cpuUsage(cpu);
      if (typeof out === "number") closeSync(out);
      if (code) { reject(new Error(`${argv.join(" ")} failed (exit ${code})`)); return; }
      const s = JSON.parse(readFileSync(stats, "utf8")) as Omit<ProcessRun, "ms">;
      resolve({ ...s, ms: elapsed, benchCpuMs: (mine.user + mine.system) / 1000 });
    });
  });
}
