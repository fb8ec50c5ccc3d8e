// junction status: the .status a conformant Gateway API controller would write.

import { GatewayEngine } from "../../engine/gateway/engine.js";
import { statusObjects } from "../../engine/gateway/status.js";
import { MeshEngine } from "../../engine/mesh/engine.js";
import { meshParentStatuses } from "../../engine/mesh/status.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { statusTable } from "../../targets/gateway-status.js";
import { EXIT, str, type Command } from "../command.js";
import { INPUT_OPTIONS, loadInputs, outputOption } from "../inputs.js";

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
    const loaded = loadInputs(values, io);
    const mesh = new MeshEngine(loaded.inventory);
    const objects = statusObjects(new GatewayEngine(loaded.inventory), (r) => meshParentStatuses(mesh, r));
    const format = str(values, "output");
    if (format === "table") io.out(statusTable(objects));
    else io.out((format === "json" ? renderJson : renderYaml)({ apiVersion: "v1", kind: "List", items: objects }));
    return EXIT.ok;
  },
};
