// junction status: the .status a conformant Gateway API controller would write.

import { statusObjects } from "../../engine/gateway/status.js";
import { meshParentStatuses } from "../../engine/mesh/status.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { statusTable } from "../../targets/gateway-status.js";
import { EXIT, str, type Command } from "../command.js";
import { INPUT_OPTIONS, loadAnalysis, outputOption } from "../inputs.js";
import type { Analysis } from "../analysis.js";

export const statusCommand: Command = {
  name: "status",
  summary: "Compute the status a conformant Gateway API controller would write for every Gateway and route.",
  usage: "junction status -f PATH [-o table|json|yaml]",
  description: [
    "Gateway and listener conditions (Accepted, Programmed, ResolvedRefs, Conflicted) with supportedKinds and",
    "attachedRoutes; each route's parents with Accepted and ResolvedRefs, with the upstream reasons. Routes whose",
    "parentRef is a Service (mesh, GAMMA) get a parent entry per Service from controller junction.dev/mesh.",
    "-o json|yaml prints a kind: List of the objects with their .status. Junction acts as the controller of every",
    "GatewayClass; a GatewayClass missing from the input is assumed accepted.",
    "Exit status: 0 on success, 2 on invalid input.",
  ].join("\n"),
  options: { ...INPUT_OPTIONS, ...outputOption(["table", "json", "yaml"], "table") },
  examples: ["junction status -f examples/gateway", "junction status -f examples/gateway -o yaml"],
  run(values, _pos, io) {
    const doc = statusDocument(loadAnalysis(values, io));
    const format = str(values, "output");
    if (format === "table") io.out(statusTable(doc.items));
    else io.out((format === "json" ? renderJson : renderYaml)(doc));
    return EXIT.ok;
  },
};

/** What `status -o json` prints (and GET /api/v1/status serves): a List of the objects with their status. */
export function statusDocument(a: Analysis) {
  const mesh = a.walk.mesh;
  return { apiVersion: "v1", kind: "List", items: statusObjects(a.gateways, (r) => meshParentStatuses(mesh, r)) };
}
