// junction generate: a deterministic synthetic cluster, the benchmark's input and a demo.

import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fsReason, outputFolder } from "../outputs.js";
import { generateCluster, type GenerateOptions } from "../../generate/cluster.js";
import { renderManifests, type ManifestFormat } from "../../targets/manifests.js";
import { EXIT, InputError, UsageError, str, type Command, type Values } from "../command.js";

/**
 * The largest counts generate takes: the cluster is built in memory before it is written (about 3 KB
 * a pod), so a mistyped count must stop at once rather than fill memory or the disk. A million pods
 * is nearly 7 times Kubernetes' limit of 150,000.
 */
const MAX = { pods: 1_000_000, namespaces: 100_000, policies: 1_000_000, seed: 2 ** 32 - 1 } as const;

function count(values: Values, name: keyof typeof MAX, fallback: number, min = 0): number {
  const v = str(values, name);
  if (v === undefined) return fallback;
  const shown = v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}...` : JSON.stringify(v);
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > MAX[name]) throw new UsageError(`--${name} must be a whole number from ${min} to ${MAX[name].toLocaleString("en-US")}, not ${shown}`);
  return Number(v);
}

export const generateCommand: Command = {
  name: "generate",
  summary: "Write a deterministic synthetic cluster (namespaces, nodes, workloads with pods, policies) for demos and benchmarks.",
  usage: "junction generate --pods N [--namespaces M] [--policies K] [--seed S] [--format yaml|json] -o DIR [--force]",
  description: [
    "Real-shaped: workloads with replicas and pod IPs from their node's range, host-network DaemonSets, Services,",
    "default-deny namespaces with allow rules by app and by namespace labels, named ports, ipBlocks with excepts,",
    "a handful of AdminNetworkPolicies and one BaselineAdminNetworkPolicy. The same options give the same files.",
    "DIR must be empty or missing; --force writes into a non-empty DIR (files of the same name are replaced,",
    "nothing else is touched). Exit status: 0 written, 2 invalid options or DIR not empty.",
  ].join("\n"),
  options: {
    pods: { type: "string", arg: "N", default: "1000", description: "number of pods" },
    namespaces: { type: "string", arg: "M", description: "namespaces, 3 of them system namespaces (default: pods/100, at least 4)" },
    policies: { type: "string", arg: "K", description: "policies in all (default: pods/10)" },
    seed: { type: "string", arg: "S", default: "1", description: "random seed" },
    format: { type: "string", arg: "FORMAT", choices: ["yaml", "json"], default: "yaml", description: "file format" },
    output: { type: "string", short: "o", arg: "DIR", description: "folder to write into" },
    force: { type: "boolean", description: "write into a non-empty folder" },
  },
  examples: ["junction generate --pods 2000 --policies 200 -o /tmp/cluster && junction analyze -f /tmp/cluster -R"],
  run(values, _pos, io) {
    const dir = str(values, "output");
    if (!dir) throw new UsageError("-o DIR is required");
    const pods = count(values, "pods", 1000, 1);
    const options = {
      pods, namespaces: count(values, "namespaces", Math.min(MAX.namespaces, Math.max(4, Math.round(pods / 100))), 1),
      policies: count(values, "policies", Math.round(pods / 10)), seed: count(values, "seed", 1),
    };
    if (existsSync(resolve(io.cwd, dir)) && statSync(resolve(io.cwd, dir)).isDirectory() && readdirSync(resolve(io.cwd, dir)).length > 0 && values.force !== true) throw new InputError(`-o ${dir}: the folder is not empty; choose another folder or add --force`);
    const target = outputFolder("-o", dir, io.cwd);
    let written: { objects: number; files: number };
    try { written = writeCluster(target, options, str(values, "format") as ManifestFormat, (m) => io.err(`junction: ${m}\n`)); }
    catch (e) { if ((e as NodeJS.ErrnoException).code) throw new InputError(`-o ${dir}: cannot write: ${fsReason(e)}`); throw e; }
    const { objects, files } = written;
    io.err(`junction: wrote ${objects} objects (${options.pods} pods, ${options.policies} policies, ${options.namespaces} namespaces) in ${files} files to ${dir}\n`);
    return EXIT.ok;
  },
};

/** Generates a cluster and writes its files under `dir` (the benchmark uses it too). */
export function writeCluster(dir: string, options: GenerateOptions, format: ManifestFormat, progress: (m: string) => void = () => {}): { objects: number; files: number } {
  const files = generateCluster(options);
  let objects = 0;
  files.forEach((f, i) => {
    const path = join(dir, `${f.path}.${format}`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, renderManifests(f.objects, format));
    objects += f.objects.length;
    if ((i + 1) % 200 === 0) progress(`wrote ${i + 1}/${files.length} files`);
  });
  return { objects, files: files.length };
}
