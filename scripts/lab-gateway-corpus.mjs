#!/usr/bin/env node
// Dev script (not a test): the Gateway API conformance corpus through the lab's real nginx.
//   node scripts/lab-gateway-corpus.mjs [--runner CORPUS-RUN.mjs] [--no-engine] [--verbose] PATH...
// PATH: case files or folders of them (the format of ../shared/corpus/gateway). For each case the
// shared runner (default: tools/corpus-run.mjs beside the corpus folder, as in ../shared) grades two tools with its own rules:
//   engine  `junction route` (the simulator), as the corpus is usually run;
//   real    this script as a stand-in for `junction route`: `junction lab up` on the objects (every
//           Gateway compiled to nginx and run, echo backends, a client namespace), then `junction lab
//           probe --requests`, printing what came back for real. `status` is the engine's in both.
// A weights check with a distribution is sent 400 times and judged on the counts per backend.
// It reports per case real = expected, engine = expected and real = engine (the probe's comparison of
// the two answers, request by request), the reasons a case could not run on nginx, and the totals.
// --no-engine leaves out the engine's own grading (real = engine is still checked request by request).
// Cases run HTTPRoute first (GATEWAY-HTTP), then Gateway, GRPCRoute, the L4 routes, ListenerSet and
// BackendTLSPolicy. Needs root, ip netns, nftables and nginx with njs and stream. Exit 1 if any case differs.
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const junction = join(dirname(self), "..", "bin", "junction.js");
const LAB = process.env.JX_LAB_NAME || "gwcorpus";
/** How many times a weights (distribution) request is sent. */
const SAMPLES = 400;
const args = process.argv.slice(2);

if (args[0] === "--shim") shim(args.slice(1));
else main(args);

/** Stands in for `junction route|status ...` as the shared runner calls it. */
function shim(argv) {
  if (argv[0] !== "route") {
    const r = spawnSync("node", [junction, ...argv], { encoding: "utf8", maxBuffer: 1 << 28 });
    process.stdout.write(r.stdout); process.stderr.write(r.stderr);
    process.exit(r.status ?? 2);
  }
  const at = (flag) => argv[argv.indexOf(flag) + 1];
  const requests = JSON.parse(readFileSync(at("--requests"), "utf8"));
  const tally = process.env.JX_LAB_TALLY;
  const fail = (why) => {
    appendFileSync(tally, `${JSON.stringify({ error: why })}\n`);
    process.stdout.write(JSON.stringify({ results: requests.map(() => ({ status: null, backend: null, backends: [], redirect: null, upstream: null, responseHeaders: {}, mirroredTo: [], connection: "rejected" })) }));
  };
  const up = spawnSync("node", [junction, "lab", "up", "-q", "-f", at("-f"), "--name", LAB], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (up.status !== 0) return fail(up.stderr.trim().split("\n").filter((l) => !l.endsWith("...")).join(" | ").replace(/^junction lab up: /, ""));
  // A weights request (a distribution check) is sent SAMPLES times; its backends are the counts per backend.
  const weighted = new Set(JSON.parse(process.env.JX_WEIGHTS || "[]"));
  const isWeighted = (q) => weighted.has(JSON.stringify(q));
  const sent = requests.flatMap((q) => (isWeighted(q) ? Array(SAMPLES).fill(q) : [q]));
  const file = `${at("--requests")}.lab.json`;
  writeFileSync(file, JSON.stringify(sent));
  const probe = spawnSync("node", [junction, "lab", "probe", "--requests", file, "--name", LAB, "-o", "json"], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (probe.status !== 0 && probe.status !== 1) return fail(`lab probe: ${probe.stderr.trim().split("\n").slice(-2).join(" | ")}`);
  const all = JSON.parse(probe.stdout).results;
  const results = [];
  for (const q of requests) {
    const n = isWeighted(q) ? SAMPLES : 1;
    const got = all.splice(0, n);
    const counts = new Map();
    for (const r of got) if (r.real.backend) counts.set(r.real.backend, (counts.get(r.real.backend) ?? 0) + 1);
    results.push({ ...got[0], real: { ...got[0].real, backends: n > 1 ? [...counts].map(([name, weight]) => ({ name, weight })) : [] } });
  }
  for (const [i, r] of results.entries()) appendFileSync(tally, `${JSON.stringify({ request: i + 1, realVsEngine: isWeighted(requests[i]) ? [] : r.realVsEngine })}\n`);
  process.stdout.write(JSON.stringify({ results: results.map((r) => r.real) }));
}

function main(argv) {
  const opt = { runner: undefined, verbose: false, engine: true, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--runner") opt.runner = argv[++i];
    else if (argv[i] === "--verbose") opt.verbose = true;
    else if (argv[i] === "--no-engine") opt.engine = false;
    else opt.paths.push(argv[i]);
  }
  if (!opt.paths.length) { console.error("usage: lab-gateway-corpus.mjs [--runner CORPUS-RUN.mjs] [--verbose] PATH..."); process.exit(2); }
  opt.runner ??= [resolve(opt.paths[0], "../../tools/corpus-run.mjs"), resolve(opt.paths[0], "../../../tools/corpus-run.mjs")].find((p) => existsSync(p));
  if (!opt.runner || !existsSync(opt.runner)) { console.error("the shared runner corpus-run.mjs was not found beside the corpus: give --runner PATH"); process.exit(2); }
  const files = (p) => statSync(p).isDirectory() ? readdirSync(p).sort().flatMap((f) => files(join(p, f))) : p.endsWith(".json") ? [p] : [];
  const tmp = mkdtempSync(join(tmpdir(), "junction-gw-corpus-"));
  const t = { cases: 0, all: 0, realExpected: 0, engineExpected: 0, realEngine: 0, requests: 0, requestsAgree: 0, couldNotRun: 0, skipped: 0 };
  const started = Date.now();
  const grade = (file, tool) => {
    const r = spawnSync("node", [opt.runner, "--junction", tool, file], { encoding: "utf8", maxBuffer: 1 << 28, env: process.env });
    const m = /(\d+) passed, (\d+) failed/.exec(r.stdout.trim().split("\n").pop());
    return { pass: m ? m[1] !== "0" && m[2] === "0" : false, skipped: m ? m[1] === "0" && m[2] === "0" : false, out: r.stdout };
  };
  // The engine, graded once on every case: the ids of the cases it fails.
  let engineFails;
  if (opt.engine) {
    process.stderr.write("grading the engine...\n");
    const engineRun = spawnSync("node", [opt.runner, "--junction", `node ${junction}`, ...opt.paths], { encoding: "utf8", maxBuffer: 1 << 28 });
    engineFails = new Set([...engineRun.stdout.matchAll(/^FAIL (\S+)/gm)].map((m) => m[1]));
  }
  const ORDER = ["HTTPRoute", "Gateway", "GRPC", "TCPRoute", "UDPRoute", "TLSRoute", "ListenerSet", "BackendTLSPolicy"];
  const rank = (f) => { const i = ORDER.findIndex((p) => basename(f).startsWith(p) && !(p === "Gateway" && basename(f).startsWith("GatewayClass"))); return i < 0 ? ORDER.length : i; };
  try {
    for (const file of opt.paths.flatMap(files).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) {
      const c = JSON.parse(readFileSync(file, "utf8"));
      const hasTraffic = (c.requests?.length ?? 0) + (c.weights?.length ?? 0) + (c.phases ?? []).reduce((n, p) => n + (p.requests?.length ?? 0) + (p.weights?.length ?? 0), 0);
      if (!hasTraffic) continue;
      t.all++;
      const one = join(tmp, basename(file));
      copyFileSync(file, one);
      const tally = join(tmp, "tally.jsonl");
      writeFileSync(tally, "");
      process.env.JX_LAB_TALLY = tally;
      process.env.JX_WEIGHTS = JSON.stringify([c, ...(c.phases ?? [])].flatMap((s) => (s.weights ?? []).filter((w) => w.distribution).map((w) => JSON.stringify(w.request))));
      const real = grade(one, `node ${self} --shim`);
      const engine = { pass: engineFails ? !engineFails.has(c.id) : undefined };
      rmSync(one);
      if (real.skipped) { t.skipped++; continue; }
      t.cases++;
      const lines = readFileSync(tally, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
      const errors = [...new Set(lines.filter((l) => l.error).map((l) => l.error))];
      const probed = lines.filter((l) => l.request);
      const disagree = probed.filter((l) => l.realVsEngine.length);
      t.requests += probed.length; t.requestsAgree += probed.length - disagree.length;
      if (errors.length) t.couldNotRun++;
      if (real.pass) t.realExpected++;
      if (engine.pass === true) t.engineExpected++;
      if (!errors.length && !disagree.length) t.realEngine++;
      const flag = (b) => (b === undefined ? "not graded" : b ? "yes" : "NO");
      const status = `${c.id.replace(/^gateway-api\//, "")}: real=expected ${flag(real.pass)}, engine=expected ${flag(engine.pass)}, real=engine ${errors.length ? "n/a" : flag(!disagree.length)}`;
      if (!real.pass || engine.pass === false || errors.length || disagree.length) {
        console.log(status);
        for (const e of errors) console.log(`  could not run on nginx: ${e}`);
        for (const d of disagree.slice(0, opt.verbose ? 99 : 2)) console.log(`  request ${d.request}: real vs engine: ${d.realVsEngine.join("; ")}`);
        if (opt.verbose && !real.pass) console.log(real.out.split("\n").filter((l) => /^\s|FAIL/.test(l)).slice(0, 12).map((l) => `  | ${l}`).join("\n"));
      } else if (opt.verbose) console.log(status);
      process.stderr.write(`\r${t.cases} cases, ${Math.round((Date.now() - started) / 1000)} s `);
    }
  } finally {
    try { execFileSync("node", [junction, "lab", "down", "--name", LAB], { stdio: "ignore" }); } catch { /* nothing to remove */ }
    rmSync(tmp, { recursive: true, force: true });
  }
  process.stderr.write("\n");
  console.log(`cases with traffic: ${t.all} (${t.skipped} skipped by the runner); graded: ${t.cases}`);
  console.log(`real = expected: ${t.realExpected}; engine = expected: ${engineFails ? t.engineExpected : "not graded"}; real = engine: ${t.realEngine}; could not run on nginx: ${t.couldNotRun}`);
  console.log(`requests probed: ${t.requests}, real = engine on ${t.requestsAgree} (${Math.round((Date.now() - started) / 1000)} s)`);
  process.exit(t.realExpected === t.cases && t.realEngine === t.cases ? 0 : 1);
}
