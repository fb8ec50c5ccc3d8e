// `junction agent --addressgroups`: the address groups loaded into the kernel and, with --watch,
// kept current: reloaded when an input file changes and, reading a cluster, when its watch
// events arrive (pods come and go). Invalid input keeps the last good sets loaded.

import { loadAddressGroups } from "../../lab/addressgroups.js";
import { LabError, nftCapability } from "../../lab/exec.js";
import { addressGroups } from "../../analyze/addressgroups.js";
import { addressGroupsNft } from "../../targets/addressgroups.js";
import { EXIT, InputError, UsageError, list, str, type Io, type Values } from "../command.js";
import { reportInvalid, stamp, watchUntilStopped } from "../agent-loop.js";
import { clusterOf, loadSources } from "../cluster.js";
import { groupLabels } from "./addressgroups.js";
import { readOptions } from "../inputs.js";
import { formatDiagnostic } from "../../model/source.js";

interface Input { cluster?: string; paths: string[] }

function inputs(values: Values): Input[] {
  const out: Input[] = [{ paths: list(values, "file") }];
  for (const c of list(values, "cluster")) {
    const eq = c.indexOf("=");
    if (eq < 1) throw new UsageError(`--cluster ${c}: give NAME=PATH`);
    out.push({ cluster: c.slice(0, eq), paths: [c.slice(eq + 1)] });
  }
  return out;
}

/** The nft text, or the errors that keep the last one. */
function compile(values: Values, io: Io, parts: Input[]): { text: string; sets: number } | { errors: string[] } {
  const live = clusterOf(values);
  const loaded = parts.map((p, i) => ({ cluster: p.cluster, loaded: loadSources(p.paths, io, i === 0 ? live : undefined, readOptions(values)) }));
  const errors = loaded.flatMap((l) => l.loaded.diagnostics.errors.map((d) => d.message));
  if (errors.length) return { errors };
  for (const l of loaded) for (const d of l.loaded.diagnostics.items) if (d.severity === "warning") io.err(`warning: ${formatDiagnostic(d)}\n`);
  const groups = addressGroups(loaded.map((l) => ({ cluster: l.cluster, inv: l.loaded.inventory })), groupLabels(values));
  return { text: addressGroupsNft(groups, ["Loaded by junction agent --addressgroups."]), sets: groups.length };
}

function step(values: Values, io: Io, parts: Input[], last: { text?: string }): boolean {
  const c = compile(values, io, parts);
  if ("errors" in c) { reportInvalid(io, c.errors, last.text ? "keeping the last address groups loaded" : "nothing was loaded"); return false; }
  if (c.text === last.text) return true;
  try { loadAddressGroups(c.text, str(values, "netns")); }
  catch (e) { if (!(e instanceof LabError)) throw e; io.err(`${stamp()} ${e.message}\n`); return false; }
  last.text = c.text;
  io.err(`${stamp()} loaded table inet junction_addressgroups: ${c.sets} application${c.sets === 1 ? "" : "s"}\n`);
  return true;
}

export function runAddressGroupsAgent(values: Values, io: Io): number | Promise<number> {
  if (values["dry-run"] === true) throw new UsageError("--dry-run is for a host's firewall; see the address groups with: junction compile --target addressgroups");
  const parts = inputs(values);
  if (!parts.some((p) => p.paths.length) && !clusterOf(values)) throw new UsageError("no input: give -f PATH, --cluster NAME=PATH or a cluster (--kubeconfig)");
  const cap = nftCapability();
  if (!cap.ok) throw new InputError(`the agent cannot load address groups here: ${cap.missing.join("; ")}`);
  const last: { text?: string } = {};
  if (values.watch !== true) return step(values, io, parts, last) ? EXIT.ok : EXIT.invalid;
  const cluster = clusterOf(values);
  return watchUntilStopped({
    paths: parts.flatMap((p) => p.paths), recursive: values.recursive === true, io, tick: () => { step(values, io, parts, last); },
    extra: cluster && { start: (tick) => cluster.watch(tick), stop: () => cluster.close() },
    watching: `the inputs${cluster ? " and the cluster" : ""}`,
    stopping: "the address groups stay loaded (remove them with: nft delete table inet junction_addressgroups)",
  });
}
