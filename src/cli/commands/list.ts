// junction list: which workload may reach which, with protocols and ports aggregated.

import { connectionList, type ConnEntry } from "../../analyze/connlist.js";
import { ingressControllerEntries } from "../../analyze/ingresscontroller.js";
import { CONNLIST_FORMATS, renderConnlist, type ConnlistFormat } from "../../targets/connlist.js";
import { EXIT, str, type Command } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, loadAnalysis, outputOption } from "../inputs.js";
import type { Analysis } from "../analysis.js";

/** The connection list (with the ingress controller's entries) and the warnings about blocked Ingress traffic. */
export function listResult(a: Analysis): { entries: ConnEntry[]; warnings: string[] } {
  const controller = ingressControllerEntries(a.inventory, a.engine);
  const warnings = controller.blocked.map((b) => `an Ingress or Route sends traffic to ${b.workload} on TCP ${b.ports.join(",")}, but the policies allow none of it from {ingress-controller} (np-guard's stand-in: a pod without labels in namespace ingress-controller-ns; junction exposure checks the controller pods of the input)`);
  return { entries: [...connectionList(a.inventory, a.connectivity), ...controller.entries], warnings };
}

export const listCommand: Command = {
  name: "list",
  summary: "List which workloads may reach which, with the allowed protocols and ports (np-guard connlist convention).",
  usage: "junction list -f PATH [-o txt|table|json|yaml|csv|md|dot]",
  description: [
    "One line per ordered pair with any allowed connection: SRC => DST : CONNECTIONS (-o txt, np-guard's format).",
    "-o json and yaml give np-guard's conn string and the same connections as data (protocol, port ranges).",
    "Pods are grouped under their controller (ownerReferences, or the workload whose template made them);",
    "external address ranges are the pieces into which the policies' CIDRs cut the address space.",
    "With Ingress or OpenShift Route objects, {ingress-controller} => WORKLOAD lines list the TCP ports the",
    "ingress controller opens to the workloads behind their Services, as far as the policies allow them.",
  ].join("\n"),
  options: { ...INPUT_OPTIONS, ...outputOption(CONNLIST_FORMATS, "txt"), ...ENGINE_OPTIONS },
  examples: ["junction list -f examples/shop", "junction list -f examples/shop -o dot | dot -Tsvg > shop.svg"],
  run(values, _pos, io) {
    const { entries, warnings } = listResult(loadAnalysis(values, io));
    for (const w of warnings) io.err(`warning: ${w}\n`);
    io.out(renderConnlist(entries, str(values, "output") as ConnlistFormat));
    return EXIT.ok;
  },
};
