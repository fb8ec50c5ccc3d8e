#!/usr/bin/env node
// Dev script (not a test): the Gateway API conformance corpus through the lab's real nginx.
const USAGE = `Usage: node scripts/lab-gateway-corpus.mjs [options] PATH...

Runs Gateway API conformance cases (the format of ../shared/corpus/gateway) through the lab's real nginx.
For each case with traffic the shared runner grades two tools with its own rules:
  engine  'junction route' (the simulator), as the corpus is usually run;
  real    this script standing in for 'junction route': 'junction lab up' on the case's objects (every
          Gateway compiled to nginx and run, echo backends, a client namespace), then 'junction lab probe
          --requests', reporting what came back for real. 'status' is the engine's in both.
A weights check with a distribution is sent 400 times and judged on the counts per backend. A request
the engine mirrors to a percentage of requests is sent 500 more times and the share of them each mirror
logged is compared with the percentage: within 3 binomial standard deviations (sqrt(p(1-p)/500), as
upstream's test allows) it is reported as that percentage, else as the share measured.
Reported per case: real = expected, engine = expected, real = engine (request by request), the reasons a
case could not run on nginx; then the totals, and the GATEWAY-HTTP core cases (features Gateway,
HTTPRoute, ReferenceGrant only). Cases run HTTPRoute first, then Gateway, GRPCRoute, the L4 routes,
ListenerSet, BackendTLSPolicy. Needs root, ip netns, nftables and nginx with njs and stream.

Exit status: 0 every case real = expected = engine, 1 some case differs (or timed out), 2 usage.

Options:
  --runner FILE      the shared runner (default: tools/corpus-run.mjs beside the corpus)
  --only ID          run only this case (its id, with or without gateway-api/; repeatable, or comma-separated)
  --from ID          start at this case, in the run order
  --results FILE     append each case's result to FILE (JSON lines) as it finishes
  --resume           with --results: do not rerun the cases FILE already holds; they count in the totals
  --timeout S        give up a case after S seconds: its processes are killed and its lab removed (default 300)
  --jobs N           cases at once, each in a lab of its own (1 or 2; default 1)
  --no-engine        do not grade the engine (real = engine is still compared request by request)
  --strict           validate the objects strictly (default --lenient: one case's GatewayClass keeps upstream's
                     placeholder controllerName, which the CRD's pattern refuses)
  --verbose          list every case, and the runner's failures of the cases that differ
  -o FORMAT          table (default; text), json, yaml: the per-case results and the totals
  -h, --help         this text`;
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const junction = join(dirname(self), "..", "bin", "junction.js");
/** How many times a weights (distribution) request is sent. */
const SAMPLES = 400;
/** How many times a request mirrored to a percentage is sent, and the tolerance in binomial standard deviations. */
const MIRROR_SAMPLES = 500;
const MIRROR_SIGMAS = 3;
/** The features of a GATEWAY-HTTP core case. */
const CORE = new Set(["Gateway", "HTTPRoute", "ReferenceGrant"]);
const ORDER = ["HTTPRoute", "Gateway", "GRPC", "TCPRoute", "UDPRoute", "TLSRoute", "ListenerSet", "BackendTLSPolicy"];
const args = process.argv.slice(2);

/** Runs a junction command in this process (one load of the CLI for a whole step): its exit code and output. */
async function junctionHere(argv) {
  const { runCli } = await import(join(dirname(self), "..", "dist", "src", "cli", "run.js"));
  let out = "", err = "";
  const code = await runCli(argv, { out: (t) => { out += t; }, err: (t) => { err += t; }, stdin: () => "", cwd: process.cwd() });
  return { code, out, err };
}

/** Where the route step leaves the status of its objects for the status call that follows (keyed by their content). */
const statusCache = (file) => `${process.env.JX_LAB_TALLY}.status-${createHash("sha1").update(readFileSync(file)).digest("hex")}.json`;

/**
 * Stands in for `junction route|status ...` as the shared runner calls it (lab name, tally file, weights
 * and lenience in the environment). A route step runs lab up, lab probe and status in this one process
 * and leaves the status for the runner's status call, which then starts no junction of its own.
 */
async function shim(argv) {
  const LAB = process.env.JX_LAB_NAME || "gwcorpus";
  const lenient = process.env.JX_LENIENT === "1" ? ["--lenient"] : [];
  const at = (flag) => argv[argv.indexOf(flag) + 1];
  if (argv[0] !== "route") {
    const cached = argv[0] === "status" && existsSync(statusCache(at("-f"))) ? JSON.parse(readFileSync(statusCache(at("-f")), "utf8")) : await junctionHere([...lenient, ...argv]);
    process.stdout.write(cached.out); process.stderr.write(cached.err);
    process.exit(cached.code ?? 2);
  }
  const requests = JSON.parse(readFileSync(at("--requests"), "utf8"));
  const tally = process.env.JX_LAB_TALLY;
  const finish = (stdout) => { process.stdout.write(stdout, () => process.exit(0)); };
  const fail = (why) => {
    appendFileSync(tally, `${JSON.stringify({ error: why })}\n`);
    finish(JSON.stringify({ results: requests.map(() => ({ status: null, backend: null, backends: [], redirect: null, upstream: null, responseHeaders: {}, mirroredTo: [], connection: "rejected" })) }));
  };
  writeFileSync(statusCache(at("-f")), JSON.stringify(await junctionHere([...lenient, "status", "-f", at("-f"), "-o", "json"])));
  const up = await junctionHere([...lenient, "lab", "up", "-q", "-f", at("-f"), "--name", LAB]);
  if (up.code !== 0) return fail(up.err.trim().split("\n").filter((l) => !l.endsWith("...") && !/^(note|warning): /.test(l)).join(" | ").replace(/^junction lab up: /, ""));
  // A weights request (a distribution check) is sent SAMPLES times; its backends are the counts per backend.
  const weighted = new Set(JSON.parse(process.env.JX_WEIGHTS || "[]"));
  const isWeighted = (q) => weighted.has(JSON.stringify(q));
  const sent = requests.flatMap((q) => (isWeighted(q) ? Array(SAMPLES).fill(q) : [q]));
  const file = `${at("--requests")}.lab.json`;
  writeFileSync(file, JSON.stringify(sent));
  const probe = await junctionHere(["lab", "probe", "--requests", file, "--name", LAB, "-o", "json"]);
  if (probe.code !== 0 && probe.code !== 1) return fail(`lab probe: ${probe.err.trim().split("\n").slice(-2).join(" | ")}`);
  const all = JSON.parse(probe.out).results;
  const results = [];
  for (const q of requests) {
    const n = isWeighted(q) ? SAMPLES : 1;
    const got = all.splice(0, n);
    const counts = new Map();
    for (const r of got) if (r.real.backend) counts.set(r.real.backend, (counts.get(r.real.backend) ?? 0) + 1);
    results.push({ ...got[0], real: { ...got[0].real, backends: n > 1 ? [...counts].map(([name, weight]) => ({ name, weight })) : [] } });
  }
  await sampleMirrors(requests, results, `${at("--requests")}.mirrors.json`, LAB, tally);
  for (const [i, r] of results.entries()) appendFileSync(tally, `${JSON.stringify({ request: i + 1, realVsEngine: isWeighted(requests[i]) ? [] : r.realVsEngine })}\n`);
  finish(JSON.stringify({ results: results.map((r) => r.real) }));
}

/**
 * Requests the engine mirrors to a percentage (< 100) are sent MIRROR_SAMPLES times more; each such
 * mirror of the real answer gets the engine's percentage when the share measured is within
 * MIRROR_SIGMAS binomial standard deviations of it, else the share measured (which the runner fails).
 */
async function sampleMirrors(requests, results, file, lab, tally) {
  const partial = results.map((r) => (r.engine?.mirroredTo ?? []).filter((m) => m.percent < 100));
  const which = partial.flatMap((m, i) => (m.length ? [i] : []));
  if (!which.length) return;
  writeFileSync(file, JSON.stringify(which.flatMap((i) => Array(MIRROR_SAMPLES).fill(requests[i]))));
  const probe = await junctionHere(["lab", "probe", "--requests", file, "--name", lab, "-o", "json"]);
  if (probe.code !== 0 && probe.code !== 1) throw new Error(`lab probe (mirror samples): ${probe.err.trim().split("\n").slice(-2).join(" | ")}`);
  const all = JSON.parse(probe.out).results;
  for (const i of which) {
    const got = all.splice(0, MIRROR_SAMPLES);
    results[i].real.mirroredTo = partial[i].map((m) => {
      const hits = got.filter((r) => r.real.mirroredTo.some((x) => x.name === m.name)).length;
      const p = m.percent / 100, share = hits / MIRROR_SAMPLES;
      const tolerance = MIRROR_SIGMAS * Math.sqrt((p * (1 - p)) / MIRROR_SAMPLES);
      appendFileSync(tally, `${JSON.stringify({ mirror: m.name, sampled: i + 1, percent: m.percent, mirrored: hits, of: MIRROR_SAMPLES, tolerance: Math.round(tolerance * 1000) / 10 })}\n`);
      return { name: m.name, percent: Math.abs(share - p) <= tolerance ? m.percent : Math.round(share * 1000) / 10 };
    });
  }
}

function usage(message) {
  console.error(`lab-gateway-corpus: ${message}\nRun with --help for usage.`);
  process.exit(2);
}

function parseArgs(argv) {
  const opt = { runner: undefined, only: new Set(), from: undefined, results: undefined, resume: false, timeout: 300, jobs: 1, engine: true, lenient: true, verbose: false, output: "table", paths: [] };
  const value = (i) => { if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`); return argv[i + 1]; };
  const id = (s) => s.replace(/^gateway-api\//, "").replace(/\.json$/, "");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") { console.log(USAGE); process.exit(0); }
    else if (a === "--runner") opt.runner = value(i++);
    else if (a === "--only") for (const s of value(i++).split(",")) opt.only.add(id(s));
    else if (a === "--from") opt.from = id(value(i++));
    else if (a === "--results") opt.results = value(i++);
    else if (a === "--resume") opt.resume = true;
    else if (a === "--timeout") { opt.timeout = Number(value(i++)); if (!(opt.timeout > 0)) usage(`--timeout: a number of seconds, got "${argv[i]}"`); }
    else if (a === "--jobs") { opt.jobs = Number(value(i++)); if (opt.jobs !== 1 && opt.jobs !== 2) usage(`--jobs: 1 or 2, got "${argv[i]}"`); }
    else if (a === "--no-engine") opt.engine = false;
    else if (a === "--strict") opt.lenient = false;
    else if (a === "--verbose") opt.verbose = true;
    else if (a === "-o" || a === "--output") { const f = value(i++); opt.output = f === "text" ? "table" : f; if (!["table", "json", "yaml"].includes(opt.output)) usage(`-o: one of table, text, json, yaml; got "${f}"`); }
    else if (a.startsWith("-")) usage(`unknown option ${a}`);
    else { if (!existsSync(a)) usage(`${a}: no such file or folder`); opt.paths.push(a); }
  }
  if (!opt.paths.length) usage("give the corpus folder or case files");
  if (opt.resume && !opt.results) usage("--resume needs --results FILE");
  opt.runner ??= [resolve(opt.paths[0], "../../tools/corpus-run.mjs"), resolve(opt.paths[0], "../../../tools/corpus-run.mjs")].find((p) => existsSync(p));
  if (!opt.runner || !existsSync(opt.runner)) usage("the shared runner corpus-run.mjs was not found beside the corpus: give --runner FILE");
  return opt;
}

/** The cases with traffic, in the run order, after --only and --from. */
function selectCases(opt) {
  const files = (p) => statSync(p).isDirectory() ? readdirSync(p).sort().flatMap((f) => files(join(p, f))) : p.endsWith(".json") ? [p] : [];
  const rank = (f) => { const i = ORDER.findIndex((p) => basename(f).startsWith(p) && !(p === "Gateway" && basename(f).startsWith("GatewayClass"))); return i < 0 ? ORDER.length : i; };
  const steps = (c) => [c, ...(c.phases ?? [])];
  const cases = opt.paths.flatMap(files).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((file) => {
    const c = JSON.parse(readFileSync(file, "utf8"));
    return { file, c, name: String(c.id).replace(/^gateway-api\//, ""), traffic: steps(c).reduce((n, s) => n + (s.requests?.length ?? 0) + (s.weights?.length ?? 0), 0) };
  }).filter((k) => k.traffic > 0);
  for (const n of opt.only) if (!cases.some((k) => k.name === n)) usage(`--only ${n}: no case with traffic has that id`);
  if (opt.from && !cases.some((k) => k.name === opt.from)) usage(`--from ${opt.from}: no case with traffic has that id`);
  const start = opt.from ? cases.findIndex((k) => k.name === opt.from) : 0;
  return cases.slice(start).filter((k) => !opt.only.size || opt.only.has(k.name));
}

/** Runs a command in a process group of its own; kills the whole group after `seconds`. */
function runGroup(cmd, argv, env, seconds) {
  return new Promise((done) => {
    const child = spawn(cmd, argv, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "", timedOut = false;
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { err += d; });
    const timer = setTimeout(() => { timedOut = true; try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ } }, seconds * 1000);
    child.on("close", (code) => { clearTimeout(timer); done({ code, out, err, timedOut }); });
  });
}

function labDown(lab) { spawnSync("node", [junction, "lab", "down", "--name", lab], { stdio: "ignore" }); }

/** The runner's verdict on one case: pass, fail or skipped, with its failure lines. */
function verdictOf(r) {
  const m = /(\d+) passed, (\d+) failed/.exec(r.out.trim().split("\n").pop() ?? "");
  const verdict = r.timedOut ? "timeout" : !m ? "error" : m[1] === "0" && m[2] === "0" ? "skipped" : m[2] === "0" ? "pass" : "fail";
  return { verdict, failures: r.out.split("\n").filter((l) => /^\s+\S/.test(l)).map((l) => l.trim()) };
}

/** One case: the real grading (lab up + probe per step) and the engine's; a case over the timeout is killed and its lab removed. */
async function runCase(k, lab, opt, tmp) {
  const started = Date.now();
  const dir = mkdtempSync(join(tmp, `${lab}-`));
  const one = join(dir, basename(k.file));
  writeFileSync(one, JSON.stringify(k.c));
  const tally = join(dir, "tally.jsonl");
  writeFileSync(tally, "");
  const weights = [k.c, ...(k.c.phases ?? [])].flatMap((s) => (s.weights ?? []).filter((w) => w.distribution).map((w) => JSON.stringify(w.request)));
  const env = { ...process.env, JX_LAB_NAME: lab, JX_LAB_TALLY: tally, JX_WEIGHTS: JSON.stringify(weights), JX_LENIENT: opt.lenient ? "1" : "0" };
  const realRun = await runGroup("node", [opt.runner, "--junction", `node ${self} --shim`, one], env, opt.timeout);
  if (realRun.timedOut) labDown(lab);
  const real = verdictOf(realRun);
  let engine = { verdict: "not graded", failures: [] };
  if (opt.engine) engine = verdictOf(await runGroup("node", [opt.runner, "--junction", `node ${junction}${opt.lenient ? " --lenient" : ""}`, one], process.env, opt.timeout));
  const lines = readFileSync(tally, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  rmSync(dir, { recursive: true, force: true });
  const errors = [...new Set(lines.filter((l) => l.error).map((l) => l.error))];
  const probed = lines.filter((l) => l.request);
  const disagree = probed.filter((l) => l.realVsEngine.length).map((l) => ({ request: l.request, differences: l.realVsEngine }));
  return {
    id: k.c.id, core: (k.c.features ?? []).every((f) => CORE.has(f)), real: real.verdict, engine: engine.verdict,
    realEngine: errors.length || real.verdict === "timeout" ? "n/a" : disagree.length ? "no" : "yes",
    requests: probed.length, requestsAgree: probed.length - disagree.length, couldNotRun: errors, disagree,
    realFailures: real.failures, engineFailures: engine.failures, seconds: Math.round((Date.now() - started) / 1000),
    ...(lines.some((l) => l.mirror) ? { mirrorSamples: lines.filter((l) => l.mirror).map(({ mirror, sampled, percent, mirrored, of, tolerance }) => ({ request: sampled, mirror, percent, mirrored, of, tolerance })) } : {}),
  };
}

function totalsOf(results) {
  const n = (f) => results.filter(f).length;
  const graded = results.filter((r) => r.real !== "skipped");
  const core = graded.filter((r) => r.core);
  return {
    cases: results.length, skipped: n((r) => r.real === "skipped"), graded: graded.length,
    realExpected: n((r) => r.real === "pass"), engineExpected: n((r) => r.engine === "pass"), engineGraded: n((r) => r.engine === "pass" || r.engine === "fail"),
    realEngine: n((r) => r.realEngine === "yes"), couldNotRun: n((r) => r.couldNotRun.length > 0), timedOut: n((r) => r.real === "timeout"),
    requests: results.reduce((s, r) => s + r.requests, 0), requestsAgree: results.reduce((s, r) => s + r.requestsAgree, 0),
    core: { cases: core.length, realExpected: core.filter((r) => r.real === "pass").length, engineExpected: core.filter((r) => r.engine === "pass").length },
    seconds: results.reduce((s, r) => s + r.seconds, 0),
  };
}

const differs = (r) => r.real !== "pass" || r.realEngine !== "yes" || r.engine === "fail" || r.engine === "error" || r.engine === "timeout";

function printCase(r, verbose) {
  if (!verbose && !differs(r)) return;
  const yes = (v) => (v === "pass" ? "yes" : v === "fail" ? "NO" : v);
  console.log(`${r.id.replace(/^gateway-api\//, "")}: real=expected ${yes(r.real)}, engine=expected ${yes(r.engine)}, real=engine ${r.realEngine === "no" ? "NO" : r.realEngine} (${r.seconds} s)`);
  if (r.real === "timeout") console.log("  timed out: its processes were killed and its lab removed");
  for (const e of r.couldNotRun) console.log(`  could not run on nginx: ${e}`);
  for (const m of r.mirrorSamples ?? []) console.log(`  request ${m.request}: mirrored to ${m.mirror} ${m.mirrored} times of ${m.of} (${(100 * m.mirrored / m.of).toFixed(1)}%; expected ${m.percent}% ± ${m.tolerance})`);
  for (const d of r.disagree.slice(0, verbose ? 99 : 2)) console.log(`  request ${d.request}: real vs engine: ${d.differences.join("; ")}`);
  if (verbose && r.real === "fail") for (const l of r.realFailures.slice(0, 12)) console.log(`  | ${l}`);
}

function printTotals(t) {
  console.log(`cases with traffic: ${t.cases} (${t.skipped} skipped by the runner); graded: ${t.graded}`);
  console.log(`real = expected: ${t.realExpected}; engine = expected: ${t.engineGraded ? t.engineExpected : "not graded"}; real = engine: ${t.realEngine}; could not run on nginx: ${t.couldNotRun}; timed out: ${t.timedOut}`);
  console.log(`GATEWAY-HTTP core (features Gateway, HTTPRoute, ReferenceGrant only) with traffic: ${t.core.cases}, real = expected: ${t.core.realExpected}, engine = expected: ${t.core.engineExpected}`);
  console.log(`requests probed: ${t.requests}, real = engine on ${t.requestsAgree} (${t.seconds} s of case time)`);
}

async function main(argv) {
  const opt = parseArgs(argv);
  const cases = selectCases(opt);
  const previous = opt.resume && existsSync(opt.results) ? readFileSync(opt.results, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
  const done = new Map(previous.map((r) => [r.id, r]));
  const todo = cases.filter((k) => !done.has(k.c.id));
  const tmp = mkdtempSync(join(tmpdir(), "junction-gw-corpus-"));
  const labs = Array.from({ length: opt.jobs }, (_, i) => `gwc${process.pid % 100000}${i}`.slice(0, 12));
  const fresh = new Map();
  const stop = () => { for (const lab of labs) labDown(lab); rmSync(tmp, { recursive: true, force: true }); };
  process.on("SIGINT", () => { stop(); process.exit(130); });
  process.on("SIGTERM", () => { stop(); process.exit(143); });
  process.stderr.write(`${todo.length} cases to run (${cases.length - todo.length} already in ${opt.results ?? "-"}), ${opt.jobs} at a time, timeout ${opt.timeout} s each\n`);
  let next = 0;
  const worker = async (lab) => {
    while (next < todo.length) {
      const k = todo[next++];
      const r = await runCase(k, lab, opt, tmp);
      fresh.set(k.c.id, r);
      if (opt.results) appendFileSync(opt.results, `${JSON.stringify(r)}\n`);
      if (opt.output === "table") printCase(r, opt.verbose);
      process.stderr.write(`${fresh.size}/${todo.length} ${r.id.replace(/^gateway-api\//, "")}: real ${r.real}, ${r.seconds} s\n`);
    }
  };
  try { await Promise.all(labs.map(worker)); } finally { stop(); }
  const results = cases.map((k) => fresh.get(k.c.id) ?? done.get(k.c.id)).filter(Boolean);
  const totals = totalsOf(results);
  if (opt.output === "table") printTotals(totals);
  else if (opt.output === "json") console.log(JSON.stringify({ results, totals }, null, 2));
  else console.log((await import("yaml")).stringify({ results, totals }));
  process.exit(results.every((r) => !differs(r) || r.real === "skipped") ? 0 : 1);
}

if (args[0] === "--shim") await shim(args.slice(1));
else await main(args);
