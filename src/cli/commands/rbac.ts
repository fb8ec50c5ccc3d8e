// junction rbac: the read-only ClusterRole live mode needs (apply it, bind it to the reader).

import { clusterRole } from "../../sources/live/rbac.js";
import { EXIT, str, type Command } from "../command.js";
import { outputOption, printOutput } from "../inputs.js";
import { renderYaml } from "../../targets/data.js";

export const rbacCommand: Command = {
  name: "rbac",
  summary: "Print the minimal read-only ClusterRole that reading a cluster needs (get, list, watch on every kind Junction reads).",
  usage: "junction rbac [--name NAME] [-o yaml|json]",
  description: [
    "One rule per API group, with every resource a front end reads; verbs get, list and watch only.",
    "Secrets are read for the Gateway API's certificate checks (listener certificateRefs); without that rule",
    "live mode notes the kind as forbidden and leaves it out. deploy/junction.yaml holds this role.",
  ].join("\n"),
  options: {
    name: { type: "string", arg: "NAME", default: "junction-reader", description: "the ClusterRole's name" },
    ...outputOption(["yaml", "json"], "yaml"),
  },
  examples: ["junction rbac | kubectl apply -f -", "kubectl create clusterrolebinding junction --clusterrole junction-reader --serviceaccount junction:junction"],
  run(values, _pos, io) {
    const role = clusterRole(str(values, "name")!);
    printOutput(io, values, () => role, () => renderYaml(role));
    return EXIT.ok;
  },
};
