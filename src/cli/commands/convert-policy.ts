// `junction convert policy --to common|k8s`: every policy read (Kubernetes, common API, Calico,
// Cilium) rewritten in one API, with a report of what converted and what could not, and why.

import type { Inventory } from "../../model/inventory.js";
import { formatDiagnostic } from "../../model/source.js";
import type { RawObject } from "../../sources/documents.js";
import { POLICY_KINDS, VENDOR_INVENTORY_KINDS } from "../../sources/kinds.js";
import type { Loaded } from "../../sources/load.js";
import { objectsOfKinds, sameRef } from "../../sources/replace.js";
import { networkObject, trafficPolicies, workloadObject } from "../../targets/common.js";
import { renderDocuments } from "../../targets/data.js";
import { compileK8s } from "../../targets/k8s/index.js";
import { formatProblem } from "../../targets/problems.js";
import { EXIT, UsageError, str, type Command, type Io } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, engineOptions, loadInputs } from "../inputs.js";
import { VERIFY_OPTION, verifyTranslation } from "../verify.js";

interface Conversion { objects: object[]; failed: string[]; replaced: (raw: RawObject) => boolean }

/** Objects of vendor inventory kinds (Calico HostEndpoint, NetworkSet) as common Workloads and Networks. */
function vendorInventory(inv: Inventory, vendorRefs: RawObject[]): object[] {
  const fromVendor = (ref: Parameters<typeof sameRef>[0]) => vendorRefs.some((r) => sameRef(ref, r.ref));
  return [
    ...inv.endpoints.filter((e) => e.kind === "workload" && fromVendor(e.src)).map(workloadObject),
    ...inv.networks.filter((n) => fromVendor(n.src)).map(networkObject),
  ];
}

function toCommon(loaded: Loaded, vendorRefs: RawObject[]): Conversion {
  const objects = [...vendorInventory(loaded.inventory, vendorRefs), ...trafficPolicies(loaded.inventory.policies)];
  return { objects, failed: [], replaced: (raw) => POLICY_KINDS.has(raw.kind) || VENDOR_INVENTORY_KINDS.has(raw.kind) };
}

function toK8s(loaded: Loaded): Conversion {
  const { objects, problems } = compileK8s(loaded.inventory);
  const lines = loaded.locator.lineOf.bind(loaded.locator);
  return { objects, failed: problems.map((p) => formatProblem(p, lines)), replaced: (raw) => POLICY_KINDS.has(raw.kind) };
}

function report(loaded: Loaded, conv: Conversion, to: string, io: Io): void {
  const inv = loaded.inventory;
  // Objects read, by kind (one object may lower into several model policies).
  const objects = new Map<string, Set<string>>();
  for (const p of inv.policies) {
    if (!objects.has(p.kind)) objects.set(p.kind, new Set());
    objects.get(p.kind)!.add(p.src ? JSON.stringify(p.src) : `${p.namespace}/${p.name}`);
  }
  const kinds = [...objects].map(([k, s]): [string, number] => [k, s.size]);
  const read = [...kinds].map(([k, n]) => `${n} ${k}`).join(", ") || "no policies";
  io.err(`convert: read ${read}; wrote ${conv.objects.length} object${conv.objects.length === 1 ? "" : "s"} (${to})\n`);
  const notes = loaded.diagnostics.items.filter((d) => d.severity !== "error" && d.code.startsWith("vendor-"));
  for (const d of notes) io.err(`convert: note: ${formatDiagnostic(d)}\n`);
  for (const f of conv.failed) io.err(`convert: not converted: ${f}\n`);
}

export const convertPolicyCommand: Command = {
  name: "policy",
  summary: "Convert policies (Kubernetes, common API, Calico, Cilium) to the common API or the Kubernetes APIs.",
  usage: "junction convert policy -f PATH --to common|k8s [--verify] [-o yaml|json]",
  description: [
    "--to common: every policy as a TrafficPolicy (junction.dev/v1alpha1), Calico HostEndpoints and NetworkSets as Workloads",
    "and Networks. --to k8s: NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy; rules those APIs cannot",
    "express are reported (file:line, why, and which APIs could) and left out. The report goes to stderr.",
    "Exit status: 0 all converted (and equivalent with --verify), 1 something could not be converted or a flow differs, 2 invalid input.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    to: { type: "string", arg: "API", choices: ["common", "k8s"], description: "the API to write" },
    output: { type: "string", short: "o", arg: "FORMAT", choices: ["yaml", "json"], default: "yaml", description: "output format (json: a kind: List)" },
    ...VERIFY_OPTION,
    ...ENGINE_OPTIONS,
  },
  examples: [
    "junction convert policy -f examples/shop --to common --verify > shop-common.yaml",
    "junction convert policy -f examples/calico --to common",
    "junction convert policy -f shop-common.yaml -f examples/shop --to k8s --verify",
  ],
  run(values, _pos, io) {
    const to = str(values, "to");
    if (!to) throw new UsageError("--to is required (common or k8s)");
    const loaded = loadInputs(values, io);
    const vendor = objectsOfKinds(loaded, VENDOR_INVENTORY_KINDS);
    const conv = to === "common" ? toCommon(loaded, vendor) : toK8s(loaded);
    const text = renderDocuments(conv.objects, str(values, "output") === "json" ? "json" : "yaml", `Generated by junction convert policy --to ${to}.`);
    io.out(text);
    report(loaded, conv, to === "common" ? "TrafficPolicy, Workload, Network" : "NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy", io);
    if (conv.failed.length) {
      if (values.verify === true) io.err("verify: skipped: not everything could be converted\n");
      return EXIT.failed;
    }
    if (values.verify !== true) return EXIT.ok;
    return verifyTranslation(loaded, engineOptions(values), conv.replaced, text, io);
  },
};
