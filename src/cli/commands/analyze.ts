// junction analyze: the overview of an inventory (what `npm start` runs on the bundled example).

import { connectionList } from "../../analyze/connlist.js";
import { summarize } from "../../analyze/summary.js";
import { PairwiseConnectivity } from "../../engine/pairwise.js";
import { formatConns } from "../../model/ports.js";
import { renderConnlist } from "../../targets/connlist.js";
import { renderJson } from "../../targets/data.js";
import { EXIT, list, str, type Command } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, loadEngine, outputOption } from "../inputs.js";

export const analyzeCommand: Command = {
  name: "analyze",
  summary: "Overview: inventory, who can reach whom, what is reachable from outside, what no policy protects.",
  usage: "junction analyze -f PATH [-o text|json]",
  options: { ...INPUT_OPTIONS, ...outputOption(["text", "json"], "text"), ...ENGINE_OPTIONS },
  examples: ["junction analyze -f examples/shop"],
  run(values, _pos, io) {
    const { loaded, engine } = loadEngine(values, io);
    const entries = connectionList(loaded.inventory, new PairwiseConnectivity(engine));
    const s = summarize(loaded.inventory, engine, entries);
    if (str(values, "output") === "json") {
      io.out(renderJson({ ...s, exposed: s.exposed.map((e) => ({ ...e, conns: formatConns(e.conns) })), connections: JSON.parse(renderConnlist(entries, "json")) }));
      return EXIT.ok;
    }
    const paths = list(values, "file").join(" ");
    const out: string[] = [`Junction analysis of ${paths}`, ""];
    out.push(`Inventory: ${Object.entries(s.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ")}`);
    out.push(`Policies:  ${Object.entries(s.policiesByKind).map(([k, n]) => `${n} ${k}`).join(", ") || "none"}`);
    out.push("", "Who can reach whom (allowed connections; np-guard notation):");
    out.push(...renderConnlist(entries.filter((e) => e.src.kind === "workload" && e.dst.kind === "workload"), "txt").split("\n").filter(Boolean).map((l) => `  ${l}`));
    out.push("", "Reachable from outside the cluster:");
    out.push(...(s.exposed.length ? s.exposed.map((e) => `  ${e.workload} <= ${e.from} : ${formatConns(e.conns)}`) : ["  nothing"]));
    const egressOut = entries.filter((e) => e.dst.kind === "external");
    out.push("", "Egress to outside the cluster:");
    out.push(...(egressOut.length ? egressOut.map((e) => `  ${e.src.id} => ${e.dst.id} : ${formatConns(e.conns)}`) : ["  nothing"]));
    out.push("", "Not protected by any policy (every peer may connect):");
    out.push(...(s.unprotected.length ? s.unprotected.map((u) => `  ${u.workload}: ${u.direction}`) : ["  none"]));
    out.push("", "Next:", `  junction explain -f ${paths} --from NS/NAME --to NS/NAME --port PORT`, `  junction list -f ${paths} -o dot`);
    io.out(out.join("\n") + "\n");
    return EXIT.ok;
  },
};
