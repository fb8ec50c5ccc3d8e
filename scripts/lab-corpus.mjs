#!/usr/bin/env node
// Dev script (not a test): runs network-policy conformance cases in the lab, with real packets.
//   node scripts/lab-corpus.mjs [--skip-cni-dependent] [--timeout S] [--verbose] PATH...
// PATH: case files or folders of them ({id, objects, probes}: the format of ../shared/corpus/netpol).
// For each case: `junction lab up` on its objects, `junction lab probe` on its probes, then compares
// the kernel's answer (real) with the expectation and with the engine's verdict. Needs root.
// Prints one line per case that does not match, then the counts. Exit 1 if any probe differs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const junction = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "junction.js");
const args = process.argv.slice(2);
const opt = { skipCni: false, timeout: "1", verbose: false, paths: [] };
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--skip-cni-dependent") opt.skipCni = true;
  else if (args[i] === "--timeout") opt.timeout = args[++i];
  else if (args[i] === "--verbose") opt.verbose = true;
  else opt.paths.push(args[i]);
}
if (!opt.paths.length) { console.error("usage: lab-corpus.mjs [--skip-cni-dependent] [--timeout S] [--verbose] PATH..."); process.exit(2); }

const files = (p) => statSync(p).isDirectory() ? readdirSync(p).sort().flatMap((f) => files(join(p, f))) : p.endsWith(".json") ? [p] : [];
const endpoint = (e) => (typeof e === "string" ? e : `ip:${e.ip}`);
const lab = (...a) => execFileSync("node", [junction, "lab", ...a, "--name", "corpus"], { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] });

const tmp = mkdtempSync(join(tmpdir(), "junction-lab-corpus-"));
const t = { cases: 0, casesOk: 0, probes: 0, realExpected: 0, realEngine: 0, engineExpected: 0, errors: 0 };
const byReason = new Map();
const started = Date.now();
try {
  for (const file of opt.paths.flatMap(files)) {
    const c = JSON.parse(readFileSync(file, "utf8"));
    if (!Array.isArray(c.probes)) continue;
    const probes = c.probes.filter((p) => !(opt.skipCni && p.cniDependent));
    if (!probes.length) continue;
    t.cases++;
    writeFileSync(join(tmp, "objects.json"), JSON.stringify({ apiVersion: "v1", kind: "List", items: c.objects }));
    writeFileSync(join(tmp, "expect.json"), JSON.stringify(probes.map((p) => ({ from: endpoint(p.from), to: endpoint(p.to), port: p.port, protocol: p.protocol || "TCP", expect: p.expect }))));
    let results;
    try {
      lab("up", "-q", "-f", join(tmp, "objects.json"));
      let out;
      try { out = lab("probe", "--expect", join(tmp, "expect.json"), "--timeout", opt.timeout, "-o", "json"); }
      catch (e) { if (e.status !== 1) throw e; out = e.stdout; }
      results = JSON.parse(out).results;
    } catch (e) {
      t.errors++;
      console.log(`ERROR ${c.id}: ${String(e.stderr || e.message).trim().split("\n").slice(-3).join(" | ")}`);
      continue;
    }
    const wrong = [];
    results.forEach((r, i) => {
      t.probes++;
      if (r.real === probes[i].expect) t.realExpected++;
      if (r.real === r.verdict) t.realEngine++;
      if (r.verdict === probes[i].expect) t.engineExpected++;
      if (r.real !== probes[i].expect || r.real !== r.verdict) {
        wrong.push(`  ${r.from} -> ${r.to} ${r.protocol}/${r.port}: expected ${probes[i].expect}, engine ${r.verdict}, real ${r.real}${probes[i].cniDependent ? " (cniDependent)" : ""} ${r.pairs[0]?.probe?.detail ?? ""}`);
      }
    });
    if (!wrong.length) t.casesOk++;
    else {
      console.log(`DIFF ${c.id}: ${wrong.length} of ${results.length} probes`);
      if (opt.verbose) console.log(wrong.join("\n"));
    }
    process.stderr.write(`\r${t.cases} cases, ${Math.round((Date.now() - started) / 1000)} s`);
  }
} finally {
  try { lab("down"); } catch { /* nothing to remove */ }
  rmSync(tmp, { recursive: true, force: true });
}
process.stderr.write("\n");
console.log(`probes: ${t.probes}; kernel = expected: ${t.realExpected}; kernel = engine: ${t.realEngine}; engine = expected: ${t.engineExpected}`);
console.log(`${t.casesOk} cases matched, ${t.cases - t.casesOk - t.errors} differed, ${t.errors} could not run (${Math.round((Date.now() - started) / 1000)} s)`);
process.exit(t.casesOk === t.cases ? 0 : 1);
