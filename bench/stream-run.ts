// The update stream alone (stream.ts), on a cluster already generated: `node dist/bench/stream-run.js
// DIR [N] [SEED]`. Loads DIR, builds the engine and the connection list as the scale suite does, then
// applies N random changes; prints the distribution by kind (wall and CPU) and the slowest samples.

import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { loadPaths } from "../src/sources/load.js";
import { PolicyEngine } from "../src/engine/verdict.js";
import { FastConnectivity } from "../src/engine/fast/connectivity.js";
import { connectionList } from "../src/analyze/connlist.js";
import { CHANGE_KINDS, percentile, runStream, type ChangeKind } from "./stream.js";

const [dir, count = "10000", seedText = "5"] = process.argv.slice(2);
if (!dir) { console.error("usage: stream-run DIR [N] [SEED]"); process.exit(2); }
const inv = loadPaths([dir], undefined, { recursive: true }).inventory;
const fast = new FastConnectivity(new PolicyEngine(inv));
connectionList(inv, fast);
const samples: { i: number; kind: ChangeKind; wall: number; cpu: number }[] = [];
// PROFILE_FROM=i PROFILE_OUT=file: a CPU profile of the changes from the i-th to the last (the slow end of the stream).
const from = Number(process.env.PROFILE_FROM ?? -1), session = from >= 0 ? new Session() : undefined;
session?.connect();
const r = runStream(inv, fast, Number(count), Number(seedText), (l) => console.error(l), (i, kind, wall, cpu) => {
  samples.push({ i, kind, wall, cpu });
  if (i === from) { session!.post("Profiler.setSamplingInterval", { interval: 200 }); session!.post("Profiler.enable"); session!.post("Profiler.start"); }
  if (session && i === Number(count) - 1) session.post("Profiler.stop", (err, res) => { if (!err) writeFileSync(process.env.PROFILE_OUT ?? "stream.cpuprofile", JSON.stringify(res.profile)); });
});
if (process.env.STREAM_SAMPLES) writeFileSync(process.env.STREAM_SAMPLES, JSON.stringify(samples));
const f = (x: number) => x.toFixed(2).padStart(8);
const spread = (t: number[]) => `${f(percentile(t, 50))} ${f(percentile(t, 99))} ${f(Math.max(...t))}`;
const sum = (t: number[]) => f(t.reduce((a, b) => a + b, 0));
const all = [...r.times.values()].flat(), allCpu = [...r.cpu.values()].flat();
console.log(`${"kind".padEnd(30)} ${"n".padStart(5)}   wall p50      p99      max |  CPU p50      p99      max      sum  (ms)`);
console.log(`${"all".padEnd(30)} ${String(all.length).padStart(5)} ${spread(all)} | ${spread(allCpu)} ${sum(allCpu)}`);
for (const k of CHANGE_KINDS) {
  const t = r.times.get(k)!;
  if (t.length) console.log(`${k.padEnd(30)} ${String(t.length).padStart(5)} ${spread(t)} | ${spread(r.cpu.get(k)!)} ${sum(r.cpu.get(k)!)}`);
}
console.log("slowest (CPU):", samples.sort((a, b) => b.cpu - a.cpu).slice(0, 15).map((s) => `#${s.i} ${s.kind} ${s.cpu.toFixed(1)}`).join("; "));
console.log(`after the stream the connection list (${r.lines} lines) is ${r.same ? "identical to" : "DIFFERENT from"} a fresh build's`);
if (!r.same) process.exitCode = 1;
