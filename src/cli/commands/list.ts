// junction list: which workload may reach which, with protocols and ports aggregated.

import { connectionList, type ConnEntry } from "../../analyze/connlist.js";
import { ingressControllerEntries } from "../../analyze/ingresscontroller.js";
import { CONNLIST_FORMATS, writeConnlist, type ConnlistFormat } from "../../targets/connlist.js";
import { GROUP_BY, type GroupBy } from "../../model/owners.js";
import { EXIT, UsageError, str, type Command } from "../command.js";
import { formatConns } from "../../model/ports.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { formatL7Access, L7AccessReader, type L7Access } from "../../analyze/l7-access.js";
import { MeshMembership } from "../../engine/mesh/membership.js";
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
    "--l7: for each pair of workloads with allowed TCP connections, what the server's mesh proxy lets through:",
    "the request conditions of the Istio ALLOW rules whose sources hold for the client (or all requests), except",
    "those of the DENY rules that do; -o txt, json or yaml. See docs/mesh.md.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS, ...outputOption(CONNLIST_FORMATS, "txt"),
    "group-by": { type: "string", arg: "LEVEL", choices: GROUP_BY, default: "workload", description: "pods under their Deployment (CronJob) when it is in the input, or under their ReplicaSet (Job) as np-guard groups them" },
    l7: { type: "boolean", description: "per workload pair, the requests the L7 layer (Istio authorization) lets through" },
    ...ENGINE_OPTIONS,
  },
  examples: ["junction list -f examples/shop", "junction list -f examples/mesh --l7", "junction list -f examples/shop -o dot | dot -Tsvg > \"$out/shop.svg\"   # out=$(mktemp -d), or a folder of yours"],
  run(values, _pos, io) {
    const format = str(values, "output") as ConnlistFormat;
    if (values.l7 === true && !["txt", "json", "yaml"].includes(format)) throw new UsageError(`--l7 prints txt, json or yaml, not ${format}`);
    const a = loadAnalysis(values, io);
    const { entries, warnings } = listResult(a, str(values, "group-by") as GroupBy);
    for (const w of warnings) io.err(`warning: ${w}\n`);
    if (values.l7 === true) { io.out(renderL7(l7Entries(a, entries), format)); return EXIT.ok; }
    writeConnlist(entries, format, (s) => io.out(s));
    return EXIT.ok;
  },
};

interface L7Entry { entry: ConnEntry; access: L7Access }

/** Workload pairs with TCP connections, each with what the server's proxy lets through (one pod of each stands for its workload). */
function l7Entries(a: Analysis, entries: readonly ConnEntry[]): L7Entry[] {
  const membership = new MeshMembership(a.inventory);
  const reader = new L7AccessReader(a.inventory, (e) => membership.of(e));
  return entries.flatMap((entry) => {
    const client = entry.src.parties[0]?.endpoint, server = entry.dst.parties[0]?.endpoint;
    const tcp = entry.conns.TCP;
    if (entry.src.kind !== "workload" || entry.dst.kind !== "workload" || !client || !server || !tcp.length) return [];
    const declared = server.ports.find((p) => p.protocol === "TCP" && tcp.some(([lo, hi]) => lo <= p.port && p.port <= hi));
    return [{ entry, access: reader.access(client, server, declared?.port) }];
  });
}

function renderL7(items: readonly L7Entry[], format: ConnlistFormat): string {
  if (format === "txt") return items.map(({ entry: e, access }) => `${e.src.id} => ${e.dst.id} : ${formatL7Access(access)}\n`).join("");
  const data = { pairs: items.map(({ entry: e, access }) => ({ src: e.src.id, dst: e.dst.id, conn: formatConns(e.conns), l7: access })) };
  return format === "json" ? renderJson(data) : renderYaml(data);
}
