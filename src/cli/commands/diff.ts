// junction diff: what a change does to connectivity, workloads, routing and exposure.

import { diffInputs, isEmptyDiff, widened, type DiffReport } from "../../analyze/diff.js";
import { loadRevisions } from "../../sources/git.js";
import { renderYaml } from "../../targets/data.js";
import type { LiveCluster } from "../../sources/live/cluster.js";
import { DIFF_FORMATS, renderDiff, type DiffFormat } from "../../targets/diff.js";
import { EXIT, InputError, UsageError, list, str, type Command, type Io, type Values } from "../command.js";
import { ENGINE_OPTIONS, RECURSIVE_OPTION, checkLoaded, engineOptions, outputOption, readOptions } from "../inputs.js";
import { Analysis } from "../analysis.js";

export const FAIL_ON = ["added", "removed", "changed", "exposure", "any"] as const;
type FailOn = (typeof FAIL_ON)[number];

export const diffCommand: Command = {
  name: "diff",
  summary: "What a change does: connectivity, workloads, routing, exposure and L7 requests of --head compared with --base.",
  usage: "junction diff (--base PATH... | --base-context NAME) (--head PATH... | --head-context NAME) [-o txt|table|csv|md|json|yaml] [--fail-on added|removed|changed|exposure|any]",
  description: [
    "PATH is a file, a folder (with its subfolders), - for stdin (on one side), or git:REV[:PATH]: the current folder (or PATH",
    "under it) as it is at revision REV of the git repository around it, read with git ls-tree and git cat-file (the work",
    "tree is never touched). Both sides are analysed alike and compared (np-guard's diff, and beyond):",
    "  connectivity: pairs added, removed or changed with their old and new connections (list's names and notation),",
    "    workloads added or removed (workloads-diff-info); external ranges on the pieces both sides' CIDRs cut;",
    "  routing: a request for every match of every HTTPRoute, GRPCRoute and Ingress rule of both sides, on each",
    "    listener the route names; those whose answer (status, backends, redirect, upstream) changes;",
    "  exposure: per workload, what became reachable from outside addresses, through a Gateway, Ingress, Route,",
    "    LoadBalancer or NodePort Service, or from pods the input lacks (list --exposure), or stopped being;",
    "  l7: requests derived from every request condition of both sides (Istio AuthorizationPolicy operations, Linkerd",
    "    routes, Cilium/Calico/common-API HTTP rules), sent from one pod of each workload to one of each other whose",
    "    connection both sides allow; those that pass on one side only: added (passes now) or removed (no longer).",
    "--base-context/--head-context read a cluster (every served kind, every namespace) as that side, with the side's",
    "files (if any) applied over it; --kubeconfig names the kubeconfig of both contexts.",
    "-o md is a pull-request comment. Nothing printed (txt) when nothing changed.",
    "Exit status: 0, or 1 when something --fail-on names changed (added, removed, changed: connectivity, workloads,",
    "routing and l7 lines of that kind; exposure: something became more reachable; any: any change); 2 on invalid input.",
  ].join("\n"),
  options: {
    base: { type: "string", multiple: true, arg: "PATH", description: "the version before the change (file, folder, -, git:REV[:PATH]); repeatable" },
    head: { type: "string", multiple: true, arg: "PATH", description: "the version after the change; repeatable" },
    "base-context": { type: "string", arg: "NAME", description: "the version before the change is (also) this cluster: a kubeconfig context, every namespace" },
    "head-context": { type: "string", arg: "NAME", description: "the version after the change is (also) this cluster" },
    kubeconfig: { type: "string", arg: "PATH", description: "the kubeconfig of --base-context and --head-context (default $KUBECONFIG, then ~/.kube/config)" },
    ...RECURSIVE_OPTION,
    quiet: { type: "boolean", short: "q", description: "do not print notes (implicit namespaces, ignored kinds)" },
    lenient: { type: "boolean", description: "analyse even when objects are invalid: errors become warnings (np-guard's behaviour)" },
    "max-input-size": { type: "string", arg: "SIZE", default: "1GiB", description: "read at most this much input per side (e.g. 512MiB, 4GiB)" },
    ...outputOption(DIFF_FORMATS, "txt"),
    "fail-on": { type: "string", multiple: true, arg: "KIND", choices: FAIL_ON, description: "exit 1 when a change of this kind is found; repeatable (default: nothing fails)" },
    ...ENGINE_OPTIONS,
  },
  examples: [
    "junction diff --base examples/shop --head examples/shop-v2",
    "junction diff --base git:main:deploy --head deploy -o md --fail-on exposure",
    "junction diff --base-context prod --head deploy/",
  ],
  async run(values, _pos, io) {
    const base = list(values, "base"), head = list(values, "head");
    const baseContext = str(values, "base-context"), headContext = str(values, "head-context");
    if ((!base.length && !baseContext) || (!head.length && !headContext)) throw new UsageError("give --base PATH (or --base-context NAME) and --head PATH (or --head-context NAME); a PATH is a file, a folder, - or git:REV[:PATH]");
    if ([...base, ...head].filter((p) => p === "-").length > 1) throw new UsageError("stdin (-) can be read by one side only");
    const baseCluster = await openCluster(values, baseContext, io), headCluster = await openCluster(values, headContext, io);
    const report = diffInputs(side("base", base, baseCluster, values, io), side("head", head, headCluster, values, io));
    io.out(renderDiff(report, str(values, "output") as DiffFormat));
    return fails(report, list(values, "fail-on") as FailOn[]) ? EXIT.failed : EXIT.ok;
  },
};

/** The cluster of a context, listed once (no watch is started). */
async function openCluster(values: Values, context: string | undefined, io: Io): Promise<LiveCluster | undefined> {
  if (context === undefined) return undefined;
  const { LiveCluster } = await import("../../sources/live/cluster.js");
  const { ClusterError } = await import("../../sources/live/client.js");
  try {
    const cluster = await LiveCluster.open({ kubeconfig: str(values, "kubeconfig"), context, namespaces: [] });
    if (values.quiet !== true) for (const n of cluster.notes) io.err(`note: ${n}\n`);
    return cluster;
  } catch (e) {
    if (e instanceof ClusterError) throw new InputError(e.message);
    throw e;
  }
}

function side(label: "base" | "head", paths: string[], cluster: LiveCluster | undefined, values: Values, io: Io) {
  const objects = cluster ? { objects: cluster.objects(), text: (raw: { obj: unknown }) => renderYaml(raw.obj) } : {};
  const loaded = checkLoaded(loadRevisions(paths, io.cwd, io.stdin, readOptions(values), objects), values, io, `--${label}`);
  const a = new Analysis(loaded, engineOptions(values));
  return { label, inventory: a.inventory, engine: a.engine, connectivity: a.connectivity, gateways: a.gateways, walk: a.walk };
}

/** Whether the report holds a change of a kind --fail-on names. */
export function fails(r: DiffReport, failOn: readonly FailOn[]): boolean {
  if (!failOn.length || isEmptyDiff(r)) return false;
  if (failOn.includes("any")) return true;
  const types = [...r.connectivity.map((d) => d.type), ...r.routing.map((d) => d.type), ...r.l7.map((d) => d.type), ...r.workloads.added.map(() => "added"), ...r.workloads.removed.map(() => "removed")];
  if (failOn.some((k) => k !== "exposure" && types.includes(k))) return true;
  return failOn.includes("exposure") && r.exposure.some((d) => widened(d.old, d.new) || d.newNamed.some((n) => !d.oldNamed.some((o) => o.name === n.name && o.protocol === n.protocol)));
}
