// junction history: recording which endpoint held which address when (docs/flows.md), and
// showing it.

import { heldAddresses, snapshotRecords } from "../../analyze/history-snapshot.js";
import { formatTime } from "../../sources/history.js";
import { renderTable } from "../../targets/table.js";
import { EXIT, UsageError, list, str, type Command, type Io, type Values } from "../command.js";
import { INPUT_OPTIONS, loadInputs, outputOption, printOutput } from "../inputs.js";
import { appendHistory, replayHistory, timeOption } from "../history-file.js";
import { clusterOf, loadSources } from "../cluster.js";
import type { LiveCluster } from "../../sources/live/cluster.js";
import type { Held } from "../../analyze/history-snapshot.js";

/**
 * A watch event reaches us within moments of the change; the change is recorded as having happened
 * inside the WATCH_WINDOW_MS before the event was received.
 */
const WATCH_WINDOW_MS = 2000;
/** Watch events arriving together are recorded as one change (a Deployment's rollout, a re-list). */
const DEBOUNCE_MS = 200;

interface Snapshot { at: number; path: string }

function snapshots(values: Values, live: LiveCluster | undefined): Snapshot[] {
  if (live) {
    if (list(values, "file").length || list(values, "snapshot").length) throw new UsageError("record a cluster or snapshots given as files, not both");
    return [{ at: Date.now(), path: `cluster ${live.context}` }];
  }
  const out: Snapshot[] = list(values, "snapshot").map((s) => {
    const eq = s.indexOf("=");
    if (eq < 1) throw new UsageError(`--snapshot ${s}: give TIME=PATH (e.g. 2026-12-05T06:00:00Z=dump.yaml)`);
    return { at: timeOption("--snapshot", s.slice(0, eq)), path: s.slice(eq + 1) };
  });
  const at = str(values, "at");
  for (const path of list(values, "file")) out.push({ at: at !== undefined ? timeOption("--at", at) : Date.now(), path });
  if (!out.length) throw new UsageError("no input: give -f PATH (a snapshot taken --at TIME) or --snapshot TIME=PATH");
  return out.sort((a, b) => a.at - b.at);
}

function record(values: Values, io: Io): number | Promise<number> {
  const file = str(values, "history");
  if (!file) throw new UsageError("--history FILE is required: the history file to append to (created if missing)");
  const cluster = str(values, "cluster");
  const timeline = replayHistory(file, io.cwd, true);
  const live = clusterOf(values);
  if (values.watch === true && !live) throw new UsageError("--watch follows a cluster's watch events: give --kubeconfig or --context");
  const before = timeline.current();
  let last: number | null = timeline.snapshots.get(cluster ?? "") ?? null;
  for (const s of snapshots(values, live)) {
    if (last !== null && s.at <= last) throw new UsageError(`${s.path}: its time ${formatTime(s.at)} is not after the last snapshot in ${file} (${formatTime(last)}); a history is append-only`);
    const loaded = live ? loadInputs(values, io) : loadInputs({ ...values, file: [s.path] }, io);
    const now = heldAddresses(loaded.inventory, cluster);
    const records = snapshotRecords(before, now, s.at, last, cluster, s.path);
    appendHistory(file, io.cwd, records);
    const up = records.filter((r) => r.op === "up").length, down = records.filter((r) => r.op === "down").length;
    io.out(`${formatTime(s.at)} ${s.path}: ${now.size} endpoints with addresses; ${up} up, ${down} down\n`);
    replaceScope(before, now, cluster);
    last = s.at;
  }
  return live && values.watch === true ? follow(live, before, { file, cluster }, io) : EXIT.ok;
}

function replaceScope(before: Map<string, Held>, now: Map<string, Held>, cluster: string | undefined): void {
  for (const [k, v] of before) if (v.holder.cluster === cluster) before.delete(k);
  for (const [k, v] of now) before.set(k, v);
}

/** Follows the cluster's watch streams, appending each change until SIGINT or SIGTERM. */
function follow(live: LiveCluster, before: Map<string, Held>, to: { file: string; cluster?: string }, io: Io): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    timer = undefined;
    const at = Date.now();
    const now = heldAddresses(loadSources([], io, live).inventory, to.cluster);
    const records = snapshotRecords(before, now, at, at - WATCH_WINDOW_MS, to.cluster, `watch ${live.context}`);
    if (records.length === 1) return;
    appendHistory(to.file, io.cwd, records);
    const up = records.filter((r) => r.op === "up").length, down = records.filter((r) => r.op === "down").length;
    io.out(`${formatTime(at)} watch ${live.context}: ${up} up, ${down} down\n`);
    replaceScope(before, now, to.cluster);
  };
  live.watch(() => { timer ??= setTimeout(tick, DEBOUNCE_MS); });
  io.err(`junction: recording ${live.context} into ${to.file} (SIGINT/SIGTERM stop)\n`);
  return new Promise((resolve) => {
    const end = () => { if (timer) { clearTimeout(timer); tick(); } live.close(); resolve(EXIT.ok); };
    process.once("SIGINT", end);
    process.once("SIGTERM", end);
  });
}

const recordCommand: Command = {
  name: "record",
  summary: "Append snapshots (manifest dumps with their times) to a history file.",
  usage: "junction history record --history FILE (-f PATH [--at TIME] | --snapshot TIME=PATH ... | --kubeconfig PATH [--watch]) [--cluster NAME]",
  description: [
    "Compares each snapshot with what the history held before and appends what changed: the endpoints (pods, Workloads,",
    "nodes, Services' cluster IPs) that took or released addresses, with the window in which they did (between the",
    "previous snapshot and this one). The file is created with its header when missing; records are only ever appended.",
    "Snapshots must come in time order. With a cluster (--kubeconfig, --context) the snapshot is the cluster now;",
    `--watch then follows its watch events, recording each change as made within ${WATCH_WINDOW_MS / 1000} s before it was seen, until`,
    "SIGINT or SIGTERM. Exit status: 0 recorded, 2 invalid input.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    history: { type: "string", arg: "FILE", description: "the history file to append to (created if missing)" },
    at: { type: "string", arg: "TIME", description: "when the -f snapshot was taken (RFC 3339 or Unix seconds; default: now)" },
    snapshot: { type: "string", arg: "TIME=PATH", multiple: true, description: "a snapshot and its time; repeatable" },
    cluster: { type: "string", arg: "NAME", description: "the cluster the snapshots are of (several clusters share one history)" },
    watch: { type: "boolean", short: "w", description: "with a cluster: keep recording its changes until stopped" },
  },
  examples: ["junction history record --history /tmp/h.jsonl --snapshot 2026-12-05T06:00:00Z=examples/flows/t0 --snapshot 2026-12-05T06:10:00Z=examples/flows/t1"],
  run: (values, _pos, io) => record(values, io),
};

const showCommand: Command = {
  name: "show",
  summary: "Print which endpoint held each address at a time.",
  usage: "junction history show --history FILE [--at TIME] [-o table|json|yaml]",
  options: {
    history: { type: "string", arg: "FILE", description: "the history file" },
    at: { type: "string", arg: "TIME", description: "the time (default: the last record's)" },
    ...outputOption(["table", "json", "yaml"], "table"),
  },
  examples: ["junction history show --history examples/flows/history.jsonl --at 2026-12-05T06:05:00Z"],
  run(values, _pos, io) {
    const file = str(values, "history");
    if (!file) throw new UsageError("--history FILE is required");
    const timeline = replayHistory(file, io.cwd);
    const at = str(values, "at") !== undefined ? timeOption("--at", str(values, "at")!) : timeline.last;
    const rows = timeline.held(at);
    printOutput(io, values, () => ({ at: formatTime(at), addresses: rows }), () => renderTable(["ADDRESS", "HOLDER", "MATCH"], rows.map((r) => [r.address, r.holders.join(" | "), r.match])));
    return EXIT.ok;
  },
};

export const historyCommand: Command = {
  name: "history",
  summary: "Record and show which endpoint held which address when (for attributing flow logs).",
  usage: "junction history record|show [options]",
  options: {},
  subcommands: [recordCommand, showCommand],
  run: () => EXIT.invalid,
};
