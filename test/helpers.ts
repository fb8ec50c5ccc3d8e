// Test helpers: run the CLI in-process, and load manifests from strings.

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCli } from "../src/cli/run.js";
import { loadFiles, type Loaded } from "../src/sources/load.js";
import { PolicyEngine } from "../src/engine/verdict.js";
import { DEFAULT_OPTIONS, type EngineOptions } from "../src/engine/options.js";
import { resolveEndpoint } from "../src/engine/endpoints.js";
import type { Protocol } from "../src/model/ports.js";

export interface CliResult { code: number; out: string; err: string }

/** Runs `junction ARGS` in this process. */
export async function cli(args: string[], stdin = ""): Promise<CliResult> {
  let out = "", err = "";
  const code = await runCli(args, { out: (s) => { out += s; }, err: (s) => { err += s; }, stdin: () => stdin, cwd: process.cwd() });
  return { code, out, err };
}

/** Loads manifests given as texts keyed by file name. */
export function load(files: Record<string, string>): Loaded {
  return loadFiles(Object.entries(files).map(([name, text]) => ({ name, text })));
}

/** Loads one YAML text and returns an engine over it (fails the test on input errors). */
export function engineFor(yaml: string, options: Partial<EngineOptions> = {}): PolicyEngine {
  const loaded = load({ "test.yaml": yaml });
  const errors = loaded.diagnostics.errors;
  if (errors.length) throw new Error(`input errors: ${errors.map((e) => e.message).join("; ")}`);
  return new PolicyEngine(loaded.inventory, { ...DEFAULT_OPTIONS, ...options });
}

/** "allow" or "deny" for a flow between two endpoint references (CLI forms). */
export function verdict(engine: PolicyEngine, from: string, to: string, port: number, protocol: Protocol = "TCP"): "allow" | "deny" {
  const src = resolveEndpoint(engine.index, from), dst = resolveEndpoint(engine.index, to);
  if (!src.ok) throw new Error(src.error);
  if (!dst.ok) throw new Error(dst.error);
  if (src.value.kind !== "parties" || dst.value.kind !== "parties") throw new Error("use pods, workloads or addresses");
  const v = engine.evaluate({ src: src.value.parties[0], dst: dst.value.parties[0], protocol, port });
  return v.allowed ? "allow" : "deny";
}

/** A temporary folder with files, removed by the returned cleanup. */
export function tempFiles(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "junction-test-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small seeded generator (mulberry32), so each generated input is reproducible from its seed. */
export class Rng {
  constructor(private s: number) {}
  private next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  nextInt(min: number, max: number): number { return min + Math.floor(this.next() * (max - min + 1)); }
  nextBoolean(): boolean { return this.next() < 0.5; }
  pick<T>(items: readonly T[]): T { return items[this.nextInt(0, items.length - 1)]; }
}
