// Options and steps every analysing command shares: -f inputs, engine choices, loading with
// diagnostics printed to stderr, and output format selection.

import { existsSync } from "node:fs";
import { loadPaths, type Loaded } from "../sources/load.js";
import { settleLoad } from "../sources/settle.js";
import { parseBytes, type ReadOptions } from "../sources/read.js";
import type { Optimism } from "../sources/checkahead.js";
import { capMessage } from "../model/quote.js";
import { formatDiagnostic, type Diagnostic } from "../model/source.js";
import { DEFAULT_OPTIONS, OPTION_CHOICES, OPTION_FLAGS, type EngineOptions } from "../engine/options.js";
import { PolicyEngine } from "../engine/verdict.js";
import { FastConnectivity } from "../engine/fast/connectivity.js";
import { Analysis } from "./analysis.js";
import { CLUSTER_OPTIONS, clusterOf, loadSources } from "./cluster.js";
import { loadClusterModel } from "./cluster-inputs.js";
import { InputError, OUTPUT_FORMATS, OUTPUT_SYNONYMS, UsageError, list, str, type Io, type OptionSpec, type OutputFormat, type Values } from "./command.js";
import { renderJson, renderYaml } from "../targets/data.js";
import { KUBE_PROXY_OPTIONS, kubeProxyOptions } from "./kube-proxy-options.js";

/** -R, kubectl's flag: every subfolder, hidden ones and node_modules too (without it those two are skipped). */
export const RECURSIVE_OPTION: Record<string, OptionSpec> = {
  recursive: { type: "boolean", short: "R", description: "read every subfolder of a -f folder, hidden ones and node_modules too, as kubectl -R does (without it subfolders are read but those are skipped)" },
};

export const INPUT_OPTIONS: Record<string, OptionSpec> = {
  file: { type: "string", short: "f", multiple: true, arg: "PATH", description: "manifest file or folder (with its subfolders); - for stdin; repeatable" },
  ...RECURSIVE_OPTION,
  quiet: { type: "boolean", short: "q", description: "do not print notes (implicit namespaces, ignored kinds)" },
  lenient: { type: "boolean", description: "analyse even when objects are invalid: errors become warnings and what can be read is used (np-guard's behaviour)" },
  "max-input-size": { type: "string", arg: "SIZE", default: "1GiB", description: "read at most this much input in all (e.g. 512MiB, 4GiB)" },
  ...CLUSTER_OPTIONS,
};

/** -n: the namespace of endpoint names written without one, as kubectl's -n. */
export const NAMESPACE_OPTION: Record<string, OptionSpec> = {
  namespace: { type: "string", short: "n", arg: "NAMESPACE", description: "namespace of endpoint names given without one (NAME, KIND:NAME)" },
};

export const ENGINE_OPTIONS: Record<string, OptionSpec> = {
  [OPTION_FLAGS.hostNetwork]: { type: "string", arg: "MODE", choices: OPTION_CHOICES.hostNetwork, default: DEFAULT_OPTIONS.hostNetwork, description: "host-network pods are their node's traffic, or ordinary pods" },
  [OPTION_FLAGS.ownNode]: { type: "string", arg: "MODE", choices: OPTION_CHOICES.ownNode, default: DEFAULT_OPTIONS.ownNode, description: "a pod's traffic with its own node: allowed both ways, from the node only (ingress: Cilium, Calico), or subject to policy; auto: by the input's CNI (Cilium's or Calico's objects or DaemonSet: ingress, else allow)" },
  [OPTION_FLAGS.samePriority]: { type: "string", arg: "MODE", choices: OPTION_CHOICES.samePriority, default: DEFAULT_OPTIONS.samePriority, description: "policies of equal priority that both match: first by name, or Deny first" },
  ...KUBE_PROXY_OPTIONS,
  "ingress-controller": { type: "string", arg: "[KIND/]NS/NAME", description: "the ingress-nginx controller (its Deployment, DaemonSet or StatefulSet) that answers for the classes it serves, where several controllers of a class differ (each its own nginx; without it their answers are unknown)" },
};

/**
 * The -o option of a command that prints in some of the shared formats (OUTPUT_FORMATS); `text` is
 * accepted for `table`, any case. A command that prints JSON prints YAML too: render with printOutput.
 */
export function outputOption(formats: readonly OutputFormat[], fallback: OutputFormat): Record<string, OptionSpec> {
  const unknown = formats.filter((f) => !(f in OUTPUT_FORMATS));
  if (unknown.length || !formats.includes(fallback)) throw new Error(`outputOption: ${[...unknown, fallback].join(", ")} not in the -o vocabulary or the choices`);
  if (formats.includes("json") && !formats.includes("yaml")) throw new Error("outputOption: a command that prints json prints yaml too");
  const synonyms = formats.includes("table") ? OUTPUT_SYNONYMS : undefined;
  return { output: { type: "string", short: "o", arg: "FORMAT", choices: formats, ...(synonyms ? { synonyms } : {}), default: fallback, description: "output format" } };
}

/** The -o value (already normalised by parsing: lower case, text → table). */
export function outputFormat(values: Values): OutputFormat {
  return str(values, "output") as OutputFormat;
}

/** Prints `data` as JSON or YAML, else the people's rendering `human()` (table, txt, csv, ...). */
export function printOutput(io: Io, values: Values, data: () => unknown, human: (format: OutputFormat) => string): void {
  const format = outputFormat(values);
  io.out(format === "json" ? renderJson(data()) : format === "yaml" ? renderYaml(data()) : human(format));
}

export function engineOptions(values: Values): EngineOptions {
  const kubeProxy = kubeProxyOptions(values);
  return {
    hostNetwork: str(values, OPTION_FLAGS.hostNetwork) as EngineOptions["hostNetwork"],
    ownNode: str(values, OPTION_FLAGS.ownNode) as EngineOptions["ownNode"],
    samePriority: str(values, OPTION_FLAGS.samePriority) as EngineOptions["samePriority"],
    ...(kubeProxy ? { kubeProxy } : {}),
  };
}

/**
 * The -f paths. A URL is refused by name: kubectl -f fetches http(s) URLs, Junction reads only files
 * and stdin (it would otherwise say "no such file or directory").
 */
export function filePaths(values: Values): string[] {
  const paths = list(values, "file");
  for (const p of paths) {
    if (/^https?:\/\//i.test(p) && !existsSync(p)) throw new InputError(`${p}: Junction does not fetch URLs (kubectl -f does): download the file and give its path, or pipe it (curl -fsSL URL | junction ... -f -)`);
  }
  return paths;
}

/**
 * A user timing mark at the end of each load of -f inputs, for measurements (bench/e2e.ts reports it):
 * the files read, and how many of them the check-ahead worker judged clean before the main thread came
 * to them (the others the main thread checked itself; sources/checkahead.ts).
 */
export const LOAD_MARK = "junction:load";
export interface LoadMark { files: number; checkedAhead: number; optimism?: Optimism }

/** Loads the -f inputs. Errors are printed and end the command (exit 2); warnings and notes are printed. */
export function loadInputs(values: Values, io: Io): Loaded {
  const paths = filePaths(values), cluster = clusterOf(values);
  if (paths.length === 0 && !cluster) throw new UsageError("no input: give at least one -f PATH (a file, a folder, or - for stdin), or a cluster (--kubeconfig, --context, -A)");
  const started = Date.now();
  // Settled late (cli/settled.ts runSettled, sources/settle.ts; the progress lines and notes held until then) only when the inputs can
  // be read again (not stdin, not a cluster).
  const late = !cluster && !paths.includes("-");
  const options = { ...readOptions(values), ...(late ? { settleLater: true } : {}) };
  const loaded = cluster ? loadSources(paths, io, cluster, options) : loadPaths(paths, io.stdin, options);
  // (A diagnostic to print, or an error to end with: settled now.)
  if (loaded.diagnostics.items.some((d) => d.severity !== "info")) settleLoad();
  if (values.quiet !== true && loaded.objects >= PROGRESS_FROM * 4) io.err(`junction: read ${loaded.objects} objects from ${loaded.files} files (${Date.now() - started} ms)\n`);
  // (One mark kept: a server that loads again does not collect them.)
  performance.clearMarks(LOAD_MARK);
  performance.mark(LOAD_MARK, { detail: { files: loaded.files, checkedAhead: loaded.checkedAhead ?? 0, ...(loaded.optimism ? { optimism: loaded.optimism } : {}) } satisfies LoadMark });
  return checkLoaded(loaded, values, io);
}

/** --lenient, the diagnostics printed, and errors ending the command (exit 2); `what` names the input in the error. */
export function checkLoaded(loaded: Loaded, values: Values, io: Io, what = "the input"): Loaded {
  if (values.lenient === true) lenient(loaded, io);
  printDiagnostics(loaded, io, values.quiet === true);
  if (loaded.diagnostics.hasErrors) {
    const n = loaded.diagnostics.errors.length;
    throw new InputError(`${n} error${n === 1 ? "" : "s"} in ${what}; nothing was analysed`);
  }
  return loaded;
}

/** --max-input-size in bytes. */
export function maxInputSize(values: Values): number {
  const maxBytes = parseBytes(str(values, "max-input-size") ?? "1GiB");
  if (maxBytes === undefined) throw new UsageError(`--max-input-size: ${JSON.stringify(str(values, "max-input-size"))} is not a size (e.g. 512MiB, 4GiB)`);
  return maxBytes;
}

/** How the -f paths are read: --max-input-size and -R; and --ingress-controller, applied once they are. */
export function readOptions(values: Values): ReadOptions & { ingressController?: string } {
  const controller = str(values, "ingress-controller");
  return { maxBytes: maxInputSize(values), recursive: values.recursive === true, ...(controller !== undefined ? { ingressController: controller } : {}) };
}

/** Loads the inputs into an Analysis whose engines are built when first used (with progress on large inputs). */
export function loadAnalysis(values: Values, io: Io): Analysis {
  const loaded = list(values, "cluster").length ? loadClusterModel(values, io) : loadInputs(values, io);
  const loud = values.quiet !== true && loaded.inventory.endpoints.length >= PROGRESS_FROM;
  const started = Date.now();
  return new Analysis(loaded, engineOptions(values), loud ? (m) => io.err(`junction: ${m} (${Date.now() - started} ms)\n`) : undefined);
}

export function loadEngine(values: Values, io: Io): { loaded: Loaded; engine: PolicyEngine } {
  const loaded = loadInputs(values, io);
  return { loaded, engine: new PolicyEngine(loaded.inventory, engineOptions(values)) };
}

/** Inventories this large get progress lines on stderr while the connectivity is computed. */
const PROGRESS_FROM = 5000;

/** The connectivity engine for all-pairs questions; progress goes to stderr on large inputs. */
export function connectivityFor(engine: PolicyEngine, values: Values, io: Io): FastConnectivity {
  const loud = values.quiet !== true && engine.inventory.endpoints.length >= PROGRESS_FROM;
  const started = Date.now();
  return new FastConnectivity(engine, loud ? (m) => io.err(`junction: ${m} (${Date.now() - started} ms)\n`) : undefined);
}

/** Downgrades errors about objects to warnings (unreadable paths stay errors). */
export function lenient(loaded: Loaded, io: Io): void {
  const downgraded = loaded.diagnostics.items.filter((d) => d.severity === "error" && !d.code.startsWith("input-"));
  for (const d of downgraded) d.severity = "warning";
  if (downgraded.length) io.err(`note: --lenient: ${downgraded.length} error${downgraded.length === 1 ? "" : "s"} reported as warnings; the answers may differ from what a cluster (which rejects such objects) would enforce\n`);
}

function printDiagnostics(loaded: Loaded, io: Io, quiet: boolean): void {
  const items = loaded.diagnostics.items;
  for (const d of items.filter((d) => d.severity !== "info")) io.err(`${d.severity}: ${formatDiagnostic(d)}\n`);
  if (quiet) return;
  for (const line of notes(loaded, items)) io.err(`note: ${line}\n`);
}

/** One-line summaries of what was assumed or ignored. */
export function notes(loaded: Loaded, items: readonly Diagnostic[]): string[] {
  const out: string[] = items.filter((d) => d.code === "input-skipped" || d.code === "input-subfolders").map((d) => d.message);
  const implicit = items.filter((d) => d.code === "implicit-namespace").map((d) => /"([^"]+)"/.exec(d.message)?.[1]);
  if (implicit.length) out.push(`namespace${implicit.length === 1 ? "" : "s"} ${implicit.join(", ")} ${implicit.length === 1 ? "is" : "are"} referenced but not defined; assumed with the default label kubernetes.io/metadata.name`);
  const finished = items.filter((d) => d.code === "finished-pod").length;
  if (finished) out.push(`${finished} pod${finished === 1 ? " is" : "s are"} in phase Succeeded or Failed and take${finished === 1 ? "s" : ""} no part (their addresses may belong to other pods now)`);
  const unknown = [...loaded.inventory.unknownKinds].sort((a, b) => b[1] - a[1]);
  if (unknown.length) {
    const total = unknown.reduce((n, [, c]) => n + c, 0);
    out.push(`ignored ${total} object${total === 1 ? "" : "s"} of kinds Junction does not read: ${unknown.map(([k, c]) => `${k} (${c})`).join(", ")}`);
  }
  return out.map(capMessage);
}
