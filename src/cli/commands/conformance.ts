// junction conformance scs-0219: the SCS-0219 KaaS networking standard's decisions with evidence,
// for manifests or a cluster.

import { Diagnostics } from "../../model/source.js";
import { PolicyEngine } from "../../engine/verdict.js";
import { resolveEndpoint } from "../../engine/endpoints.js";
import { loadFiles } from "../../sources/load.js";
import { splitObjects, type RawObject } from "../../sources/documents.js";
import { kyvernoNetworkPolicies, servedCrds } from "../../sources/provider-facts.js";
import { withPolicies } from "../../analyze/scs0219/e2e-model.js";
import { runNetpolCases } from "../../analyze/scs0219/netpol-cases.js";
import { scs0219, type ServedApis } from "../../analyze/scs0219/report.js";
import { probeManifests } from "../../analyze/restrictions.js";
import { renderYaml } from "../../targets/data.js";
import { scsMarkdown, scsTable } from "../../targets/scs0219.js";
import type { LiveCluster } from "../../sources/live/cluster.js";
import { EXIT, UsageError, str, type Command } from "../command.js";
import { runNetpolCasesInLab } from "../scs-lab.js";
import { clusterOf } from "../cluster.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, engineOptions, loadAnalysis, outputOption, printOutput } from "../inputs.js";

/** The new namespaces whose probe pods stand for what a new tenant gets. */
const PROBE_NAMESPACES = ["junction-probe-a", "junction-probe-b"];

const scs0219Command: Command = {
  name: "scs-0219",
  summary: "The SCS-0219 KaaS networking standard: each decision (MUST, SHOULD, MAY) with the objects that prove it.",
  usage: "junction conformance scs-0219 (-f PATH | --kubeconfig PATH [--context NAME]) [--lab] [-o table|json|yaml|md]",
  description: [
    "MUST a CNI that enforces NetworkPolicy v1: the CNI found among the DaemonSets and pods (Calico, Cilium, Antrea,",
    "  kube-router, Weave Net, OVN-Kubernetes, Kube-OVN, ...; Flannel alone does not enforce), and the bundled",
    "  NetworkPolicy e2e cases evaluated by the engine on the e2e cluster (x, y, z with pods a, b, c);",
    "SHOULD AdminNetworkPolicy/BaselineAdminNetworkPolicy or ClusterNetworkPolicy served (CRDs and versions; a",
    "  cluster's discovery; objects of those kinds in the input);",
    "SHOULD an Ingress controller and a default IngressClass;",
    "MAY default restrictions: probe pods in two new namespaces (with what the cluster-wide policies and Kyverno",
    "  generate rules for new namespaces give them) must not reach 169.254.169.254, nor each other.",
    "From files, what the input does not show is 'unknown'.",
    "--lab (root): the same e2e cases also enforced by the Linux kernel: each case brought up in a lab of its own",
    "  (network namespaces and nftables rulesets, as junction lab up; lab name scs0219, removed at the end) and every",
    "  probe sent as a real connection; a case the kernel answers differently from the specification fails the MUST.",
    "Exit status: 0, 1 when a MUST is not met, 2 on invalid input.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    lab: { type: "boolean", description: "as root: also enforce the NetworkPolicy e2e cases in the lab (Linux kernel, nftables) and probe them" },
    timeout: { type: "string", arg: "SECONDS", default: "1", description: "with --lab: how long a connection may take before it counts as denied" },
    ...outputOption(["table", "json", "yaml", "md"], "table"),
    ...ENGINE_OPTIONS,
  },
  examples: ["junction conformance scs-0219 -f cluster-dump/", "junction conformance scs-0219 --context prod -o md", "sudo junction conformance scs-0219 -f cluster-dump/ --lab"],
  async run(values, _pos, io) {
    const a = loadAnalysis(values, io);
    const cluster = clusterOf(values);
    const raws = [...a.loaded.inputs.flatMap((f) => splitObjects(f, new Diagnostics())), ...(cluster?.objects() ?? [])];
    const served = cluster ? await clusterApis(cluster) : { crds: servedCrds(raws), complete: false };
    const probes = probeAnalysis(a.loaded.inputs, raws, cluster, engineOptions(values));
    const timeout = Number(str(values, "timeout"));
    if (!(timeout > 0 && timeout <= 60)) throw new UsageError("--timeout must be between 0 and 60 seconds");
    const lab = values.lab === true ? runNetpolCasesInLab({ options: engineOptions(values), timeoutSeconds: timeout }, (m) => io.err(`${m}\n`)) : undefined;
    const decisions = scs0219(a.inventory, probes, served, runE2e(), lab);
    printOutput(io, values, () => ({ standard: "scs-0219", decisions }), (f) => (f === "md" ? scsMarkdown(decisions) : scsTable(decisions)));
    return decisions.some((d) => d.level === "MUST" && d.result === "fail") ? EXIT.failed : EXIT.ok;
  },
};

/** The bundled NetworkPolicy e2e cases, each on a fresh e2e cluster. */
function runE2e() {
  const engineFor = (policies: readonly string[]) => {
    const loaded = loadFiles([{ name: "e2e", text: withPolicies(...policies) }]);
    return new PolicyEngine(loaded.inventory);
  };
  return runNetpolCases(engineFor, (engine, from, to, port, protocol) => {
    const src = resolveEndpoint(engine.index, from), dst = resolveEndpoint(engine.index, to);
    if (!src.ok || !dst.ok || src.value.kind !== "parties" || dst.value.kind !== "parties") return false;
    return engine.evaluate({ src: src.value.parties[0], dst: dst.value.parties[0], protocol, port }).allowed;
  });
}

/** The input with probe pods in new namespaces, and the NetworkPolicies Kyverno would generate there. */
function probeAnalysis(inputs: Parameters<typeof loadFiles>[0], raws: readonly RawObject[], cluster: LiveCluster | undefined, options: ReturnType<typeof engineOptions>) {
  const generated = PROBE_NAMESPACES.flatMap((ns) => kyvernoNetworkPolicies(raws, ns));
  const extra = [{ name: "<probes>", text: probeManifests(PROBE_NAMESPACES) }, ...(generated.length ? [{ name: "<kyverno-generated>", text: generated.map((o) => renderYaml(o)).join("---\n") }] : [])];
  const loaded = loadFiles([...inputs, ...extra], new Diagnostics(), cluster ? { objects: cluster.objects(), text: (raw) => renderYaml(raw.obj) } : {});
  return { inventory: loaded.inventory, engine: new PolicyEngine(loaded.inventory, options) };
}

/** The policy.networking.k8s.io kinds the cluster serves, as CRD names with versions. */
async function clusterApis(cluster: LiveCluster): Promise<ServedApis> {
  const { discover } = await import("../../sources/live/discovery.js");
  const d = await discover(cluster.client);
  const crds = new Map<string, string[]>();
  for (const k of d.served) if (k.apiVersion.startsWith("policy.networking.k8s.io/")) crds.set(`${k.resource}.policy.networking.k8s.io`, [k.apiVersion.split("/")[1]]);
  return { crds, complete: true };
}

export const conformanceCommand: Command = {
  name: "conformance",
  summary: "Conformance reports for standards (scs-0219: the SCS KaaS networking standard).",
  usage: "junction conformance scs-0219 [options]",
  options: {},
  subcommands: [scs0219Command],
  run: () => EXIT.invalid,
};
