// The attribution suite: a generated cluster (its pods, namespaces and policies), a day of churn
// (each pod replaced about once; freed addresses handed out again) and a generated AWS VPC flow
// log; `junction flows` attributes it in a fresh process (its peak memory its own), once without
// policies (attribution only) and once with them (every record judged by the verdict engine).
// Throughput is records per second of wall time and per CPU-second; the log is streamed, so memory
// must not grow with the number of records: the child runs under `node --expose-gc`, its progress
// lines give the live heap after a full collection at 10k, 20k, 50k, 100k, ... records (the curve
// printed), and V8's heap is capped (--max-old-space-size) so that the peak is the cap's, not lazy
// collection's.

import { spawnSync } from "node:child_process";
import { mkdtempSync, openSync, closeSync, writeSync, rmSync, mkdirSync, cpSync, existsSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeCluster } from "../src/cli/commands/generate.js";
import { loadPaths } from "../src/sources/load.js";
import { generateFlowLog } from "../src/generate/flowlog.js";
import { formatHistoryHeader, formatHistoryRecord } from "../src/sources/history.js";
import { mib, ms, type Suite } from "./suite.js";

/** heapMiB: the child's V8 old-space cap. */
const SIZES: Record<string, { pods: number; records: number; heapMiB: number }> = {
  "1m": { pods: 10_000, records: 1_000_000, heapMiB: 512 },
  "10m": { pods: 100_000, records: 10_000_000, heapMiB: 2048 },
};
const BIN = fileURLToPath(new URL("../../bin/junction.js", import.meta.url));

/** Buffered appends to a file (the log is large: one write per 1 MiB). */
function writer(path: string): { write(line: string): void; close(): number } {
  const fd = openSync(path, "w");
  let buf = "", bytes = 0;
  const flush = () => { if (buf) { bytes += writeSync(fd, buf); buf = ""; } };
  return { write(line) { buf += line + "\n"; if (buf.length > 1 << 20) flush(); }, close() { flush(); closeSync(fd); return bytes; } };
}

/** The generated cluster's namespaces and policies (what a user gives with -f; the pods are in the history). */
function policiesOnly(cluster: string, into: string): void {
  mkdirSync(into, { recursive: true });
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/namespaces\.|polic/.test(p.slice(cluster.length))) cpSync(p, join(into, p.slice(cluster.length + 1).replace(/\//g, "_")));
    }
  };
  walk(cluster);
}

interface Measured { ms: number; cpuMs: number; maxRSS: number; note: string; heap: string }

/** "1M 733 MiB": the live heap after a full collection, by records read, from the progress lines. */
function heapCurve(err: string): string {
  const short = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
  return [...err.matchAll(/^junction: (\d+) records \(\d+ ms\), live heap ([\d.]+) MiB/gm)].map((m) => `${short(Number(m[1]))} ${Math.round(Number(m[2]))}`).join(", ");
}

/**
 * `junction flows ARGS` in a child process under --expose-gc with V8's heap capped: wall and CPU
 * time (user + system), its peak memory (GNU time's maximum RSS) and its live-heap curve.
 */
function measure(args: string[], heapMiB: number): Measured {
  const t = performance.now();
  const node = [process.execPath, "--expose-gc", `--max-old-space-size=${heapMiB}`, BIN];
  const r = spawnSync("/usr/bin/time", ["-f", "maxrss=%M cpu=%U+%S", ...node, ...args], { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 26 });
  const err = String(r.stderr);
  if (r.status !== 0 && r.status !== 1) throw new Error(`junction flows exited ${r.status}: ${err.slice(-2000)}`);
  const elapsed = performance.now() - t;
  const m = /maxrss=(\d+) cpu=([\d.]+)\+([\d.]+)/.exec(err);
  return {
    ms: elapsed, cpuMs: m ? (Number(m[2]) + Number(m[3])) * 1000 : NaN, maxRSS: m ? Number(m[1]) * 1024 : NaN,
    note: err.split("\n").find((l) => l.startsWith("junction: ") && l.includes("flow records")) ?? "", heap: heapCurve(err),
  };
}

export const flowsSuite: Suite = {
  name: "flows", title: "Flow log attribution (junction flows)", byDefault: false, defaultSizes: ["1m"], sizes: Object.keys(SIZES),
  async run(size, _runs, log) {
    if (!existsSync("/usr/bin/time")) return { size, figures: [], notes: ["skipped: /usr/bin/time (GNU time) is needed to measure peak memory"] };
    const { pods, records, heapMiB } = SIZES[size];
    const dir = mkdtempSync(join(tmpdir(), "junction-bench-flows-"));
    try {
      log(`generating ${pods} pods`);
      writeCluster(join(dir, "cluster"), { pods, namespaces: Math.max(4, pods / 100), policies: pods / 10, seed: 1 }, "yaml");
      policiesOnly(join(dir, "cluster"), join(dir, "policies"));
      const inv = loadPaths([join(dir, "cluster")], undefined, { recursive: true }).inventory;
      log(`generating ${records} flow records and a day of churn`);
      const history = writer(join(dir, "history.jsonl")), flows = writer(join(dir, "flows.log"));
      history.write(formatHistoryHeader());
      const g0 = performance.now();
      const counts = generateFlowLog(inv, { records, churn: pods, conversations: pods * 5, seed: 7, start: Date.UTC(2026, 11, 5) }, { history: (r) => history.write(formatHistoryRecord(r)), log: (l) => flows.write(l) });
      const historyBytes = history.close(), logBytes = flows.close();
      const gen = performance.now() - g0;
      log("attributing");
      const base = ["flows", "--history", join(dir, "history.jsonl"), "--flows", join(dir, "flows.log"), "-o", "json"];
      const plain = measure(base, heapMiB);
      log("attributing and judging");
      const judged = measure([...base, "-f", join(dir, "policies"), "-R"], heapMiB);
      // Records per second of wall time, and per CPU-second (the figure a loaded machine does not move much).
      const rate = (x: { ms: number; cpuMs: number }) => `${Math.round(records / (x.ms / 1000)).toLocaleString("en-US")} records/s (${Math.round(records / (x.cpuMs / 1000)).toLocaleString("en-US")} per CPU-second, CPU ${ms(x.cpuMs)})`;
      return {
        size,
        figures: [
          { label: "input", value: `${records.toLocaleString("en-US")} records (${mib(logBytes)}), ${counts.replicas} pods, ${counts.churned} replaced (${counts.reused} took a reused address); history ${mib(historyBytes)}` },
          { label: "generate (log + history)", value: ms(gen) },
          { label: "attribute", value: `${ms(plain.ms)}, ${rate(plain)}, peak ${mib(plain.maxRSS)}` },
          { label: "attribute + verdicts", value: `${ms(judged.ms)}, ${rate(judged)}, peak ${mib(judged.maxRSS)}` },
          { label: "live heap (MiB) by records, attribute", value: plain.heap },
          { label: "live heap (MiB) by records, + verdicts", value: judged.heap },
          { label: "V8 heap cap", value: `--max-old-space-size=${heapMiB}` },
        ],
        notes: [plain.note, judged.note].filter(Boolean),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
