// junction list: which workload may reach which, with protocols and ports aggregated.

import { connectionList } from "../../analyze/connlist.js";
import { CONNLIST_FORMATS, renderConnlist, type ConnlistFormat } from "../../targets/connlist.js";
import { EXIT, str, type Command } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, connectivityFor, loadEngine, outputOption } from "../inputs.js";

export const listCommand: Command = {
  name: "list",
  summary: "List which workloads may reach which, with the allowed protocols and ports (np-guard connlist convention).",
  usage: "junction list -f PATH [-o txt|json|csv|md|dot]",
  description: [
    "One line per ordered pair with any allowed connection: SRC => DST : CONNECTIONS.",
    "Pods are grouped under their controller (ownerReferences, or the workload whose template made them);",
    "external address ranges are the pieces into which the policies' CIDRs cut the address space.",
  ].join("\n"),
  options: { ...INPUT_OPTIONS, ...outputOption(CONNLIST_FORMATS, "txt"), ...ENGINE_OPTIONS },
  examples: ["junction list -f examples/shop", "junction list -f examples/shop -o dot | dot -Tsvg > shop.svg"],
  run(values, _pos, io) {
    const { loaded, engine } = loadEngine(values, io);
    const entries = connectionList(loaded.inventory, connectivityFor(engine, values, io));
    io.out(renderConnlist(entries, str(values, "output") as ConnlistFormat));
    return EXIT.ok;
  },
};
