// npm run bench [-- --sizes 1k,10k] [--runs N] [--suite NAME]: runs each size of each suite in its
// own process and prints one table per suite, with the machine it ran on.

import { fork } from "node:child_process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { SUITES } from "./suites.js";
import { machine } from "./machine.js";
import type { SizeResult } from "./suite.js";

const { values } = options();

function options() {
  try {
    return parseArgs({
      options: {
        sizes: { type: "string" }, runs: { type: "string" }, suite: { type: "string" }, updates: { type: "string" },
        child: { type: "string" }, size: { type: "string" }, help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message} (npm run bench -- --help)\n`);
    process.exit(2);
  }
}

if (values.help) {
  process.stdout.write(`npm run bench -- [--sizes ${SUITES.map((s) => s.sizes.join(",")).join(" | ")}] [--runs N] [--suite ${SUITES.map((s) => s.name).join("|")}] [--updates N (the scale suite's update stream)]\n`);
} else if (values.child) {
  const suite = SUITES.find((s) => s.name === values.child)!;
  const result = await suite.run(values.size!, Number(values.runs), (l) => process.stderr.write(`  ${l}\n`));
  process.send!(result);
} else {
  await main();
}

async function main(): Promise<void> {
  if (values.updates) process.env.JUNCTION_BENCH_UPDATES = values.updates;
  const suites = values.suite ? SUITES.filter((s) => s.name === values.suite) : SUITES.filter((s) => s.byDefault);
  if (!suites.length) return usage(`unknown suite ${values.suite}; known: ${SUITES.map((s) => s.name).join(", ")}`);
  process.stdout.write(`Machine: ${machine()}\n`);
  for (const suite of suites) {
    const sizes = values.sizes ? values.sizes.split(",") : suite.defaultSizes;
    const unknown = sizes.filter((s) => !suite.sizes.includes(s));
    if (unknown.length) return usage(`unknown size ${unknown.join(", ")} for ${suite.name}; known: ${suite.sizes.join(", ")}`);
    const results: SizeResult[] = [];
    for (const size of sizes) {
      const runs = Number(values.runs ?? (suite.name === "scale" ? 3 : size === "100k" ? 3 : 5));
      process.stderr.write(`${suite.name} ${size}: ${runs} runs\n`);
      results.push(await child(suite.name, size, runs));
    }
    if (results.some((r) => r.figures.length)) process.stdout.write(`\n${suite.title} — medians of ${values.runs ?? (suite.name === "scale" ? "3" : "5 (3 at 100k)")} runs\n\n${table(results)}\n`);
    else process.stdout.write(`\n${suite.title}\n`);
    for (const r of results) for (const n of r.notes) process.stdout.write(`  ${r.size}: ${n}\n`);
  }
}

/** A usage error: one line on stderr, exit 2. */
function usage(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
  process.exitCode = 2;
}

function child(suite: string, size: string, runs: number): Promise<SizeResult> {
  return new Promise((resolve, reject) => {
    const p = fork(fileURLToPath(import.meta.url), ["--child", suite, "--size", size, "--runs", String(runs)], { execArgv: ["--max-old-space-size=8192", "--expose-gc"] });
    let result: SizeResult | undefined;
    p.on("message", (m) => { result = m as SizeResult; });
    p.on("exit", (code) => (result ? resolve(result) : reject(new Error(`${suite} ${size} failed (exit ${code})`))));
  });
}

/** Rows: the figures; columns: the sizes (a markdown table, readable as text). */
function table(results: SizeResult[]): string {
  const labels = [...new Set(results.flatMap((r) => r.figures.map((f) => f.label)))];
  const rows = [["", ...results.map((r) => r.size)], ...labels.map((l) => [l, ...results.map((r) => r.figures.find((f) => f.label === l)?.value ?? "")])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}
