// junction flows: a flow log attributed to the workloads that held its addresses when, and judged
// by the policies (docs/flows.md).

import { resolve } from "node:path";
import { Attributor } from "../../analyze/attribution.js";
import { FlowSummary } from "../../analyze/flow-summary.js";
import { PolicyEngine } from "../../engine/verdict.js";
import { emptyInventory } from "../../model/inventory.js";
import { FLOW_FORMATS, FLOW_READERS, readFlowLog, type ReadStats } from "../../sources/flows/index.js";
import { recordCsv, recordCsvHeader, recordData, summaryCsv, summaryData, summaryJson, summaryTable } from "../../targets/flows.js";
import { EXIT, UsageError, list, str, type Command, type Io, type Values } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, engineOptions, loadInputs, outputFormat, outputOption, printOutput } from "../inputs.js";
import { reading, replayHistory, timeOption } from "../history-file.js";
import { clusterOf } from "../cluster.js";
import { CLUSTER_INPUT_OPTIONS, clusterNames, loadClusterModel } from "../cluster-inputs.js";
import type { AddressTimeline } from "../../model/history.js";
import type { Inventory } from "../../model/inventory.js";

/** Output is written in pieces of about this many characters. */
const FLUSH_AT = 1 << 16;
const PROGRESS_EVERY = 1_000_000;
const MIB = 1 << 20;

/** Records at which the live heap is sampled under `node --expose-gc`: 10k, 20k, 50k, 100k, ... (1-2-5). */
function heapMark(n: number): boolean {
  let m = n;
  while (m >= 10 && m % 10 === 0) m /= 10;
  return n >= 10_000 && (m === 1 || m === 2 || m === 5);
}

/** "live heap 80.1 MiB, rss 312.0 MiB": the heap after a full collection (only when node runs with --expose-gc). */
function liveHeap(): string | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") return undefined;
  gc();
  const m = process.memoryUsage();
  return `live heap ${(m.heapUsed / MIB).toFixed(1)} MiB, rss ${(m.rss / MIB).toFixed(1)} MiB`;
}

function progress(io: Io, n: number, started: number): void {
  const heap = heapMark(n) ? liveHeap() : undefined;
  if (heap || n % PROGRESS_EVERY === 0) io.err(`junction: ${n} records (${Date.now() - started} ms)${heap ? `, ${heap}` : ""}\n`);
}

function year(values: Values, fallback: number): number {
  const y = str(values, "year");
  if (y === undefined) return new Date(fallback).getUTCFullYear();
  if (!/^\d{4}$/.test(y)) throw new UsageError(`--year: ${JSON.stringify(y)} is not a year`);
  return Number(y);
}

/** Writes the records view as records come: CSV rows, a JSON array, or a YAML sequence. */
function recordWriter(io: Io, format: string): { write(a: Parameters<typeof recordCsv>[0]): void; end(): void } {
  let buf = format === "csv" ? recordCsvHeader() : format === "json" ? "[" : "";
  let first = true;
  const flush = (force = false) => { if (buf.length >= FLUSH_AT || (force && buf)) { io.out(buf); buf = ""; } };
  return {
    write(a) {
      if (format === "csv") buf += recordCsv(a);
      else if (format === "json") { buf += `${first ? "" : ","}\n${JSON.stringify(recordData(a))}`; first = false; }
      else buf += `- ${JSON.stringify(recordData(a))}\n`;
      flush();
    },
    end() {
      if (format === "json") buf += first ? "]\n" : "\n]\n";
      else if (format === "yaml" && first) buf += "[]\n";
      flush(true);
    },
  };
}

/** Writes pieces of output in writes of about FLUSH_AT characters. */
function writeChunks(io: Io, chunks: Iterable<string>): void {
  let buf = "";
  for (const c of chunks) { buf += c; if (buf.length >= FLUSH_AT) { io.out(buf); buf = ""; } }
  if (buf) io.out(buf);
}

/** --flows-cluster: a cluster the history, --cluster or a Cluster object names. */
function flowsCluster(values: Values, timeline: AddressTimeline, inv: Inventory | undefined): string | undefined {
  const name = str(values, "flows-cluster");
  if (name === undefined) return undefined;
  const known = new Set([...timeline.clusters, ...clusterNames(values), ...(inv?.clusters.map((c) => c.name) ?? [])]);
  if (!known.has(name)) throw new UsageError(`--flows-cluster ${name}: no such cluster (${known.size ? `known: ${[...known].sort().join(", ")}` : "the history names no cluster, and neither --cluster nor -f gives one"})`);
  return name;
}

/** With --cluster: the history's clusters no --cluster gives are judged without a cluster's policies. */
function unscopedNote(io: Io, timeline: AddressTimeline, given: ReadonlySet<string>): void {
  const missing = [...timeline.clusters].filter((c) => !given.has(c)).sort();
  if (missing.length) io.err(`note: the history's cluster${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not given with --cluster: ${missing.length > 1 ? "their" : "its"} endpoints are judged without ${missing.length > 1 ? "their" : "its"} namespaces and policies\n`);
}

function notes(io: Io, stats: ReadStats, started: number): void {
  const skipped = [...stats.skipped].map(([why, n]) => `${n} ${why}`).join(", ");
  io.err(`junction: ${stats.records} flow records (${stats.format ?? "empty log"}) from ${stats.lines} lines in ${Date.now() - started} ms${skipped ? `; lines skipped: ${skipped}` : ""}\n`);
}

function run(values: Values, io: Io): number {
  const history = str(values, "history"), log = str(values, "flows");
  if (!history) throw new UsageError("--history FILE is required (junction history record writes it)");
  if (!log) throw new UsageError("--flows LOG is required: the flow log to attribute (- for stdin)");
  const view = str(values, "view"), format = outputFormat(values);
  if (view === "records" && format === "table") throw new UsageError("--view records prints csv, json or yaml (-o csv); the table is the summary");
  const timeline = replayHistory(history, io.cwd);
  const clusters = list(values, "cluster");
  const loaded = clusters.length ? loadClusterModel(values, io) : list(values, "file").length || clusterOf(values) ? loadInputs(values, io) : undefined;
  const logCluster = flowsCluster(values, timeline, loaded?.inventory);
  const inv = loaded?.inventory ?? emptyInventory();
  const engine = loaded ? new PolicyEngine(inv, engineOptions(values)) : undefined;
  const fallbackTime = Number.isFinite(timeline.last) ? timeline.last : Date.now();
  const at = str(values, "at") !== undefined ? timeOption("--at", str(values, "at")!) : fallbackTime;
  if (clusters.length && values.quiet !== true) unscopedNote(io, timeline, clusterNames(values));
  const attributor = new Attributor(timeline, inv, engine, { at, clusters: clusterNames(values), logCluster });
  const summary = new FlowSummary();
  const stats: ReadStats = { lines: 0, records: 0, skipped: new Map() };
  const writer = view === "records" ? recordWriter(io, format) : undefined;
  const started = Date.now();
  const path = log === "-" ? "-" : resolve(io.cwd, log);
  reading("--flows", log, () => {
    for (const r of readFlowLog(path, str(values, "format")!, { file: log, year: year(values, fallbackTime) }, stats)) {
      const a = attributor.attribute(r);
      summary.add(a);
      writer?.write(a);
      if (values.quiet !== true) progress(io, stats.records, started);
    }
  });
  writer?.end();
  if (values.quiet !== true) notes(io, stats, started);
  if (!writer && format === "json") writeChunks(io, summaryJson(summary));
  else if (!writer) printOutput(io, values, () => summaryData(summary), (f) => (f === "csv" ? summaryCsv(summary) : summaryTable(summary)));
  return summary.denied() > 0 ? EXIT.failed : EXIT.ok;
}

export const flowsCommand: Command = {
  name: "flows",
  summary: "Attribute a flow log to the workloads that held its addresses at the time, and judge each flow by the policies.",
  usage: "junction flows --history FILE --flows LOG [--format FORMAT] [-f POLICIES] [--cluster NAME=PATH...] [--flows-cluster NAME] [--view summary|records] [-o FORMAT]",
  description: [
    "Each record's source and destination address is attributed, at the record's time, to the endpoint that held it",
    "(the history from 'junction history record'): exact when one endpoint surely held it, possible when only one may",
    "have, ambiguous when the address changed hands inside the record's time window (every candidate is named,",
    "none is guessed). Addresses no endpoint held are named from -f's address plan: nodes, Services, Networks,",
    "Clusters' egress NAT and pod ranges; else unknown. With -f, each TCP/UDP/SCTP record is judged by the verdict",
    "engine: allowed, denied (a finding: enforcement is missing or the record is spoofed), reply (the answer of an",
    "allowed connection) or depends (the candidates differ). With --cluster, each cluster's holders are judged by",
    "that cluster's policies; an address several clusters' endpoints held is ambiguous unless --flows-cluster names",
    "the cluster the log was taken in. The log is streamed: memory grows with the history and the workload pairs,",
    `not the records. Formats: ${FLOW_READERS.map((r) => `${r.name} (${r.description})`).join("; ")}.`,
    "Exit status: 0 done, 1 some record is denied by policy, 2 invalid input.",
  ].join("\n"),
  options: {
    history: { type: "string", arg: "FILE", description: "the address history (junction history record)" },
    flows: { type: "string", arg: "LOG", description: "the flow log; - for stdin" },
    format: { type: "string", arg: "FORMAT", choices: FLOW_FORMATS, default: "auto", description: "the log's format (auto: from its first line)" },
    view: { type: "string", arg: "VIEW", choices: ["summary", "records"], default: "summary", description: "the summary by workload pair, or every record with its names" },
    at: { type: "string", arg: "TIME", description: "the time of records that carry none (conntrack -L, dmesg; default: the history's last)" },
    year: { type: "string", arg: "YEAR", description: "the year of syslog time stamps (default: the history's)" },
    "flows-cluster": { type: "string", arg: "NAME", description: "the cluster the log was taken in: an address its endpoints held, or in its pod or service ranges, is its own (default: every cluster's holder is a candidate)" },
    ...INPUT_OPTIONS,
    ...CLUSTER_INPUT_OPTIONS,
    ...outputOption(["table", "csv", "json", "yaml"], "table"),
    ...ENGINE_OPTIONS,
  },
  examples: [
    "junction flows --history examples/flows/history.jsonl --flows examples/flows/vpc-flow.log -f examples/flows/t1",
    "junction flows --history examples/flows/history.jsonl --flows examples/flows/conntrack.txt --view records -o csv",
    "junction flows --history examples/multicluster/history.jsonl --flows examples/multicluster/flows.csv -f examples/multicluster/clusters.yaml --cluster prod-eu=examples/multicluster/prod-eu --cluster prod-us=examples/multicluster/prod-us --flows-cluster prod-eu",
  ],
  run: (values, _pos, io) => run(values, io),
};
