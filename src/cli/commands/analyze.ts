// junction analyze: the overview of an inventory (what `npm start` runs on the bundled example).

import { connectionList, type ConnEntry } from "../../analyze/connlist.js";
import { summarize } from "../../analyze/summary.js";
import { hasMesh, meshCoverage, type MeshFinding } from "../../analyze/mesh-coverage.js";
import { where } from "../../targets/names.js";
import type { LineLookup } from "../../model/source.js";
import { formatConns, PROTOCOLS } from "../../model/ports.js";
import { formatRange } from "../../model/ip.js";
import { connlistData, renderConnlist } from "../../targets/connlist.js";
import { EXIT, list, type Command } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, loadAnalysis, outputFormat, outputOption, printOutput } from "../inputs.js";
import { CLUSTER_INPUT_OPTIONS } from "../cluster-inputs.js";
import type { Analysis } from "../analysis.js";
import { namesPeer, NO_FOCUS, type Focus } from "../../analyze/focus.js";
import { workloadPeers } from "../../analyze/connlist.js";
import { FOCUS_OPTIONS, checkFocusNames, focusOf } from "../focus.js";

/** A concrete explain invocation for the first allowed pair between two workloads. */
function explainExample(entries: readonly ConnEntry[]): string {
  const e = entries.find((x) => x.src.kind === "workload" && x.dst.kind === "workload" && x.src.type !== "Workload" && x.dst.type !== "Workload");
  const proto = e && PROTOCOLS.find((p) => e.conns[p].length > 0);
  if (!e || !proto) return "--from NAMESPACE/NAME --to NAMESPACE/NAME --port PORT";
  const flag = proto === "TCP" ? "" : ` --protocol ${proto}`;
  return `--from ${e.src.namespace}/${e.src.name} --to ${e.dst.namespace}/${e.dst.name} --port ${e.conns[proto][0][0]}${flag}`;
}

export interface AnalyzeResult {
  entries: ConnEntry[];
  summary: ReturnType<typeof summarize>;
  /** Mesh coverage findings; undefined when the input has no mesh. */
  mesh?: MeshFindingData[];
}

/** A mesh finding as data: its object's file and line instead of the source reference. */
export interface MeshFindingData { kind: MeshFinding["kind"]; subject: string; message: string; file?: string; line?: number }

function meshData(f: MeshFinding, lines: LineLookup): MeshFindingData {
  const line = f.src ? lines(f.src, f.path) : undefined;
  return { kind: f.kind, subject: f.subject, message: f.message, ...(f.src ? { file: f.src.file } : {}), ...(line !== undefined ? { line } : {}) };
}

/** The overview's data: the connection list and the summary over it (both narrowed by a focus). */
export function analyzeResult(a: Analysis, focus: Focus = NO_FOCUS): AnalyzeResult {
  const connectivity = a.connectivity;
  const entries = connectionList(a.inventory, connectivity, "workload", focus);
  const summary = summarize(a.inventory, a.engine, entries, (e, d) => (connectivity.selecting(e, d)?.length ?? 0) > 0);
  if (focus.workloads.length) {
    const focused = new Set(workloadPeers(a.inventory).filter((w) => focus.workloads.some((n) => namesPeer(n, w))).map((w) => w.id));
    summary.unprotected = summary.unprotected.filter((u) => focused.has(u.workload) && (!focus.direction || focus.direction === u.direction));
  }
  const lines = a.loaded.locator.lineOf.bind(a.loaded.locator);
  return { entries, summary, ...(hasMesh(a.inventory) ? { mesh: meshCoverage(a.inventory).map((f) => meshData(f, lines)) } : {}) };
}

/** What `analyze -o json` prints (and GET /api/v1/summary serves). */
export function analyzeDocument({ entries, summary: s, mesh }: AnalyzeResult): unknown {
  const external = (rs: typeof s.exposed) => rs.map((e) => ({ workload: e.workload, peer: e.peer, range: formatRange(e.range), conns: formatConns(e.conns) }));
  return { ...s, exposed: external(s.exposed), egress: external(s.egress), connections: connlistData(entries), ...(mesh ? { mesh } : {}) };
}

/** Count keys (JSON data names) as the text says them. */
const COUNT_LABEL: Record<string, string> = { vmWorkloads: "Workloads (VMs, hosts)" };

export const analyzeCommand: Command = {
  name: "analyze",
  summary: "Overview: inventory, who can reach whom, what is reachable from outside, what no policy protects.",
  usage: "junction analyze -f PATH [-o table|json|yaml]",
  options: { ...INPUT_OPTIONS, ...CLUSTER_INPUT_OPTIONS, ...outputOption(["table", "json", "yaml"], "table"), ...FOCUS_OPTIONS, ...ENGINE_OPTIONS },
  examples: ["junction analyze -f examples/shop", "junction analyze -f examples/shop --focus-workload payments/payments"],
  run(values, _pos, io) {
    const focus = focusOf(values);
    const a = loadAnalysis(values, io);
    checkFocusNames(focus, workloadPeers(a.inventory));
    const result = analyzeResult(a, focus);
    const { entries, summary: s, mesh } = result;
    if (outputFormat(values) !== "table") {
      printOutput(io, values, () => analyzeDocument(result), () => "");
      return EXIT.ok;
    }
    const paths = [...list(values, "file"), ...list(values, "cluster").map((c) => `--cluster ${c}`)].join(" ");
    // Sections can hold hundreds of thousands of lines: concatenated, never spread into push().
    const reach = (rs: typeof s.exposed, arrow: string) => rs.length ? rs.map((e) => `  ${e.workload} ${arrow} ${e.peer} : ${formatConns(e.conns)}`) : ["  nothing"];
    const out: string[] = [`Junction analysis of ${paths}`, "",
      `Inventory: ${Object.entries(s.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${COUNT_LABEL[k] ?? k}`).join(", ")}`,
      `Policies:  ${Object.entries(s.policiesByKind).map(([k, n]) => `${n} ${k}`).join(", ") || "none"}`,
      "", "Who can reach whom (allowed connections; np-guard notation):",
    ].concat(
      renderConnlist(entries.filter((e) => e.src.kind === "workload" && e.dst.kind === "workload"), "txt").split("\n").filter(Boolean).map((l) => `  ${l}`),
      ["", "Reachable from outside the cluster:"], reach(s.exposed, "<="),
      ["", "Reaching outside the cluster:"], reach(s.egress, "=>"),
      ["", "Not protected by any policy (every peer may connect):"],
      s.unprotected.length ? s.unprotected.map((u) => `  ${u.workload}: ${u.direction}`) : ["  none"],
    );
    if (mesh) out.push("", "Mesh coverage (L7 authorization):", ...(mesh.length ? mesh.map((f) => `  ${f.kind} ${f.subject}: ${f.message}${f.file ? ` (${where(f.file, f.line)})` : ""}`) : ["  nothing to report"]));
    out.push("", "Next:", `  junction explain -f ${paths} ${explainExample(entries)}`, `  junction matrix -f ${paths}`, `  junction list -f ${paths} -o dot`);
    io.out(out.join("\n") + "\n");
    return EXIT.ok;
  },
};
