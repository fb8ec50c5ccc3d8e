// junction list: which workload may reach which, with protocols and ports aggregated.

import { connectionList, type ConnEntry } from "../../analyze/connlist.js";
import { ingressControllerEntries } from "../../analyze/ingresscontroller.js";
import { CONNLIST_FORMATS, writeConnlist, type ConnlistFormat } from "../../targets/connlist.js";
import { GROUP_BY, type GroupBy } from "../../model/owners.js";
import { EXIT, str, type Command } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, loadAnalysis, outputOption } from "../inputs.js";
import type { Analysis } from "../analysis.js";

/** The connection list (with the ingress controller's entries) and the warnings about blocked Ingress traffic. */
export function listResult(a: Analysis, groupBy: GroupBy = "workload"): { entries: ConnEntry[]; warnings: string[] } {
  const controller = ingressControllerEntries(a.inventory, a.engine, groupBy);
  const warnings = controller.blocked.map((b) => `an Ingress or Route sends traffic to ${b.workload} on TCP ${b.ports.join(",")}, but the policies do not allow it from {ingress-controller} (${b.from})`);
  return { entries: [...connectionList(a.inventory, a.connectivity, groupBy), ...controller.entries], warnings };
}

export const listCommand: Command = {
  name: "list",
  summary: "List which workloads may reach which, with the allowed protocols and ports (np-guard connlist convention).",
  usage: "junction list -f PATH [-o txt|table|json|yaml|csv|md|dot]",
  description: [
    "One line per ordered pair with any allowed connection: SRC => DST : CONNECTIONS (-o txt, np-guard's format).",
    "-o json and yaml give np-guard's conn string and the same connections as data (protocol, port ranges).",
    "Pods are grouped under their workload: the Deployment (CronJob) when it is in the input, else their controlling",
    "owner (ownerReferences) or the workload whose template made them; --group-by replicaset groups as np-guard does.",
    "Pods in phase Succeeded or Failed take no part (a note says how many). Every name printed is accepted as an",
    "endpoint by explain and test.",
    "external address ranges are the pieces into which the policies' CIDRs cut the address space.",
    "With Ingress or OpenShift Route objects, {ingress-controller} => WORKLOAD lines list the TCP ports the",
    "ingress controller opens to the workloads behind their Services, as far as the policies allow them. The controller",
    "is its pods in the input (app.kubernetes.io/name=ingress-nginx; the OpenShift router's for Routes), as junction",
    "exposure models it, else np-guard's stand-in: a pod without labels in namespace ingress-controller-ns.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS, ...outputOption(CONNLIST_FORMATS, "txt"),
    "group-by": { type: "string", arg: "LEVEL", choices: GROUP_BY, default: "workload", description: "pods under their Deployment (CronJob) when it is in the input, or under their ReplicaSet (Job) as np-guard groups them" },
    ...ENGINE_OPTIONS,
  },
  examples: ["junction list -f examples/shop", "junction list -f examples/shop -o dot | dot -Tsvg > \"$out/shop.svg\"   # out=$(mktemp -d), or a folder of yours"],
  run(values, _pos, io) {
    const { entries, warnings } = listResult(loadAnalysis(values, io), str(values, "group-by") as GroupBy);
    for (const w of warnings) io.err(`warning: ${w}\n`);
    writeConnlist(entries, str(values, "output") as ConnlistFormat, (s) => io.out(s));
    return EXIT.ok;
  },
};
