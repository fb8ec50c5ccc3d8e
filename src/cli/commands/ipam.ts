// junction ipam: the address plan of one or several clusters, VMs and networks.

import { ipamReport } from "../../analyze/ipam.js";
import { ipamData, ipamTable } from "../../targets/ipam.js";
import { EXIT, type Command } from "../command.js";
import { CLUSTER_INPUT_OPTIONS, loadClusterInputs } from "../cluster-inputs.js";
import { INPUT_OPTIONS, outputOption, printOutput } from "../inputs.js";

export const ipamCommand: Command = {
  name: "ipam",
  summary: "The address plan: clusters' pod, service and egress NAT ranges, networks and VMs; overlaps and pod range usage.",
  usage: "junction ipam [-f PATH] [--cluster NAME=PATH ...] [-o table|json|yaml]",
  description: [
    "Lists every declared range (Cluster podCIDRs, serviceCIDRs, egressNAT; Networks) with how many pods use each pod",
    "range; the overlaps between ranges and addresses of different owners (clusters with overlapping pod ranges,",
    "a VM or node inside a cluster's range, two networks); egress NAT addresses several clusters share (a flow from one",
    "may come from any of them: junction flows names them all); and pods outside their cluster's pod ranges.",
    "--cluster NAME=PATH loads one cluster's manifests on their own, so that several clusters' pods are counted apart.",
    "Exit status: 0 printed, 2 invalid input.",
  ].join("\n"),
  options: { ...INPUT_OPTIONS, ...CLUSTER_INPUT_OPTIONS, ...outputOption(["table", "json", "yaml"], "table") },
  examples: ["junction ipam -f examples/multicluster/clusters.yaml --cluster prod-eu=examples/multicluster/prod-eu --cluster prod-us=examples/multicluster/prod-us"],
  run(values, _pos, io) {
    const rep = ipamReport(loadClusterInputs(values, io).map((p) => ({ cluster: p.cluster, inv: p.loaded.inventory })));
    printOutput(io, values, () => ipamData(rep), () => ipamTable(rep));
    return EXIT.ok;
  },
};
