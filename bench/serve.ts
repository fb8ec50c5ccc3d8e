// The serve suite: `junction serve` reading a generated cluster from the fake API server (the
// Kubernetes list and watch protocol on loopback; test/fixtures/fake-apiserver.ts): time to the
// first answer after start, explain answered over HTTP (1,000 distinct requests: median and p99),
// and the delay from a watch event changing a policy to the pushed update (median and p99); then, for
// comparison, the time to the first answer of `junction serve -f` on the same cluster's JSON dump.
// Each first answer also gives the server process's CPU time (on a shared machine the wall time is
// mostly waiting for a core).

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateCluster } from "../src/generate/cluster.js";
import { Rng } from "../src/generate/random.js";
import { FakeApiServer } from "../test/fixtures/fake-apiserver.js";
import { events } from "../test/server/helpers.js";
import { SIZES, withGeneratedCluster } from "./connectivity.js";
import { median, ms, type SizeResult, type Suite } from "./suite.js";

const BIN = fileURLToPath(new URL("../../bin/junction.js", import.meta.url));
const EXPLAINS = 1000;

export const serveSuite: Suite = {
  name: "serve",
  title: "junction serve on a cluster (fake API server on loopback)",
  byDefault: true,
  defaultSizes: ["1k", "10k"],
  sizes: Object.keys(SIZES),
  async run(size, _runs, log) {
    const api = await new FakeApiServer().start();
    const dir = mkdtempSync(join(tmpdir(), "junction-bench-serve-"));
    try {
      const { pods, policies } = seed(api, size);
      log(`${pods.length} workloads, ${policies.length} NetworkPolicies served`);
      const result = await measure(size, api, api.writeKubeconfig(join(dir, "kubeconfig")), pods, policies, log);
      await api.stop();
      const files = await withGeneratedCluster(SIZES[size], (cluster) => firstAnswer(["-f", join(cluster, "json"), "-R"], pods));
      log(`from files: first answer after ${ms(files.wall)}`);
      result.figures.push({ label: "serve -f (JSON dump): first answer after start", value: ms(files.wall) }, { label: "  CPU time of that server until then", value: ms(files.cpu) });
      return result;
    } finally {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** The generated cluster's objects, loaded into the fake API server. */
function seed(api: FakeApiServer, size: string): { pods: string[]; policies: Record<string, any>[] } {
  const pods: string[] = [], policies: Record<string, any>[] = [];
  for (const f of generateCluster({ ...SIZES[size], seed: 1 })) {
    for (const o of f.objects as Record<string, any>[]) {
      try { api.apply("ADDED", o); } catch { continue; } // a kind the fake API server does not serve
      if (o.kind === "Deployment" || o.kind === "StatefulSet") pods.push(`${o.metadata.namespace}/${o.metadata.name}`);
      if (o.kind === "NetworkPolicy") policies.push(o);
    }
  }
  return { pods, policies };
}

async function measure(size: string, api: FakeApiServer, kubeconfig: string, workloads: string[], policies: Record<string, any>[], log: (l: string) => void): Promise<SizeResult> {
  const first = await firstAnswer(["--kubeconfig", kubeconfig], workloads, true);
  const { url, child } = first;
  try {
    log(`first answer after ${ms(first.wall)} (${ms(first.cpu)} CPU)`);
    const rng = new Rng(7);
    const pick = () => workloads[Math.floor(rng.next() * workloads.length)];
    const times: number[] = [];
    for (let i = 0; i < EXPLAINS; i++) { const t = performance.now(); await explain(url, pick(), pick()); times.push(performance.now() - t); }
    const delays = await watchDelays(url, api, policies, size === "100k" ? 20 : 50);
    return {
      size,
      figures: [
        { label: "first answer after start (list + load + engine)", value: ms(first.wall) },
        { label: "  CPU time of the server process until then", value: ms(first.cpu) },
        { label: `explain over HTTP, median of ${EXPLAINS}`, value: ms(median(times)) },
        { label: `explain over HTTP, p99 of ${EXPLAINS}`, value: ms(p99(times)) },
        { label: `watch event → pushed update, median of ${delays.length}`, value: ms(median(delays)) },
        { label: `watch event → pushed update, p99 of ${delays.length}`, value: ms(p99(delays)) },
      ],
      notes: [],
    };
  } finally {
    child.kill("SIGTERM");
  }
}

const explain = (url: string, from: string, to: string) => fetch(`${url}api/v1/explain?from=${from}&to=${to}&port=8080`).then((r) => r.text());

/**
 * Starts `junction serve ARGS` (at the bench's own priority: run the bench under nice on a shared
 * machine) and times its first explain answer: wall time, and the server's CPU time until then.
 * The server is stopped unless `keep`.
 */
async function firstAnswer(args: string[], workloads: string[], keep = false): Promise<{ wall: number; cpu: number; url: string; child: ChildProcess }> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--max-old-space-size=8192", BIN, "serve", ...args, "--port", "0", "-q"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const url = await served(child.stdout!);
    await explain(url, workloads[0], workloads[1]);
    const wall = performance.now() - started, cpu = cpuMs(child.pid!);
    if (!keep) child.kill("SIGTERM");
    return { wall, cpu, url, child };
  } catch (e) {
    child.kill("SIGTERM");
    throw e;
  }
}

/** A process's user + system CPU time from /proc (Linux; NaN elsewhere). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch { return NaN; }
}

/** Changes one NetworkPolicy at a time (its pod selector flips) and times the update event. */
async function watchDelays(url: string, api: FakeApiServer, policies: Record<string, any>[], n: number): Promise<number[]> {
  const stream = await events(`${url}api/v1/events`);
  await stream.next("hello");
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const p = structuredClone(policies[i % policies.length]);
      p.metadata.labels = { ...p.metadata.labels, "bench-change": String(i) };
      p.spec.podSelector = i % 2 ? { matchLabels: { "bench-flip": "yes" } } : p.spec.podSelector;
      const t = performance.now();
      api.apply("MODIFIED", p);
      await stream.next("update", 120_000);
      out.push(performance.now() - t);
    }
  } finally { stream.close(); }
  return out;
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)];
}

function served(stdout: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    stdout.on("data", (d) => { out += d; const m = /serving (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
    stdout.on("end", () => reject(new Error("junction serve ended before serving")));
  });
}
