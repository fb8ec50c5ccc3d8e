// junction list: which workload may reach which, with protocols and ports aggregated; with
// --exposure what the policies open to pods not in the input, with --explain every pair's reasons.

import { connectionListWithPeers, networkConnectionLists, type ConnEntry, type ConnRows, type ListPeer, type NetworkSection } from "../../analyze/connlist.js";
import { ingressControllerEntries } from "../../analyze/ingresscontroller.js";
import { applyFocus, NO_FOCUS, type Focus } from "../../analyze/focus.js";
import { exposureAnalysis, type ExposureAnalysis } from "../../analyze/exposure-analysis.js";
import { explainAll, type ExplainedPair, type ExplainOnly } from "../../analyze/explain-all.js";
import { portIntervals } from "../../engine/portspace.js";
import { CONNLIST_FORMATS, networkRows, renderNetworkSections, sectionOrder, writeConnRows, writeNetworkSections, type ConnlistFormat } from "../../targets/connlist.js";
import { exposureData, renderExposure, renderListWithExposure, writeListWithExposure } from "../../targets/exposure-analysis.js";
import { explainAllDocument, networkExplainDocument, renderExplainAll, renderNetworkExplain } from "../../targets/explain-all.js";
import { NetworkMap, POD_NETWORK } from "../../model/networks.js";
import { isVirtualMachine } from "../../model/endpoint.js";
import { GROUP_BY, type GroupBy } from "../../model/owners.js";
import { EXIT, UsageError, str, type Command, type Values } from "../command.js";
import { formatConns } from "../../model/ports.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { formatL7Access, L7AccessReader, type L7Access } from "../../analyze/l7-access.js";
import { MeshMembership } from "../../engine/mesh/membership.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, loadAnalysis, outputOption } from "../inputs.js";
import { CLUSTER_INPUT_OPTIONS } from "../cluster-inputs.js";
import { FOCUS_OPTIONS, checkFocusNames, focusOf } from "../focus.js";
import type { Analysis } from "../analysis.js";
import { escapeControls } from "../terminal.js";

export interface ListResult {
  /** The list: `rows`, then `more` (the ingress controller's entries), as entries (made when first asked). */
  entries: ConnEntry[];
  rows: ConnRows;
  more: ConnEntry[];
  warnings: string[];
  /** Every peer a focus may name (workloads, {ingress-controller}). */
  peers: ListPeer[];
  workloads: ListPeer[];
  /** The peers as sources and as destinations (workloads and the external ranges of each side). */
  sources: ListPeer[];
  destinations: ListPeer[];
}

/** The connection list (with the ingress controller's entries) and the warnings about blocked Ingress traffic. */
export function listResult(a: Analysis, groupBy: GroupBy = "workload", focus: Focus = NO_FOCUS): ListResult {
  const controller = ingressControllerEntries(a.inventory, a.engine, groupBy);
  const warnings = controller.blocked.map((b) => `an Ingress or Route sends traffic to ${b.workload} on TCP ${b.ports.join(",")}, but the policies do not allow it from {ingress-controller} (${b.from})`);
  const list = connectionListWithPeers(a.inventory, a.connectivity, groupBy, focus);
  const more = applyFocus(focus, controller.entries);
  let entries: ConnEntry[] | undefined;
  return {
    get entries() { return (entries ??= [...list.entries, ...more]); }, rows: list.rows, more,
    warnings, peers: [...list.workloads, ...controller.entries.map((e) => e.src)], workloads: list.workloads, sources: list.sources, destinations: list.destinations,
  };
}

/** The list per network, with the peers a focus may name. */
export interface NetworkListResult { sections: NetworkSection[]; warnings: string[]; peers: ListPeer[] }

/**
 * The list per network, for clusters with user-defined or secondary networks or VMs (undefined otherwise):
 * the ingress controller's entries join the section of their destination's primary network; the focus
 * applies in each section (np-guard filters each network's pairs alike).
 */
export function networkListResult(a: Analysis, groupBy: GroupBy = "workload", focus: Focus = NO_FOCUS): NetworkListResult | undefined {
  if (a.inventory.podNetworks.length === 0 && !a.inventory.endpoints.some(isVirtualMachine)) return undefined;
  const controller = ingressControllerEntries(a.inventory, a.engine, groupBy);
  const warnings = controller.blocked.map((b) => `an Ingress or Route sends traffic to ${b.workload} on TCP ${b.ports.join(",")}, but the policies do not allow it from {ingress-controller} (${b.from})`);
  const sections = networkConnectionLists(a.inventory, (n) => a.connectivityOn(n), groupBy);
  const map = new NetworkMap(a.inventory.namespaces);
  for (const e of controller.entries) {
    const dst = e.dst.parties[0]?.endpoint;
    const section = sections.find((s) => s.network === (dst ? map.primaryOf(dst) : undefined)) ?? sections[0];
    section.entries.push({ ...e, network: section.network });
  }
  for (const s of sections) s.entries = applyFocus(focus, s.entries);
  const peers = [...sections.flatMap((s) => s.workloads), ...controller.entries.map((e) => e.src)];
  return { sections, warnings, peers };
}

const TEXT_ONLY = new Set(["csv", "md", "dot"]);

export const listCommand: Command = {
  name: "list",
  summary: "List which workloads may reach which, with the allowed protocols and ports (np-guard connlist convention).",
  usage: "junction list -f PATH [-o txt|table|json|yaml|csv|md|dot] [--exposure] [--explain [--explain-only allow|deny]] [--focus-...]",
  description: [
    "One line per ordered pair with any allowed connection: SRC => DST : CONNECTIONS (-o txt, np-guard's format).",
    "-o json and yaml give np-guard's conn string and the same connections as data (protocol, port ranges).",
    "Pods are grouped under their workload: the Deployment (CronJob) when it is in the input, else their controlling",
    "owner (ownerReferences) or the workload whose template made them; --group-by replicaset groups as np-guard does.",
    "Pods in phase Succeeded or Failed take no part (a note says how many). Every name printed is accepted as an",
    "endpoint by explain and test.",
    "External address ranges are the pieces into which the policies' CIDRs cut the address space, with adjacent pieces",
    "no workload treats differently merged (per side); a range that is exactly a junction Network is NAME[Network].",
    "With Ingress or OpenShift Route objects, {ingress-controller} => WORKLOAD lines list the TCP ports the",
    "ingress controller opens to the workloads behind their Services, as far as the policies allow them. The controller",
    "is its pods in the input (app.kubernetes.io/name=ingress-nginx; the OpenShift router's for Routes), as junction",
    "exposure models it, else np-guard's stand-in: a pod without labels in namespace ingress-controller-ns.",
    "--l7: for each pair of workloads with allowed TCP connections, what the server's mesh proxy lets through:",
    "the request conditions of the Istio ALLOW rules whose sources hold for the client (or all requests), except",
    "those of the DENY rules that do; -o txt, json or yaml. See docs/mesh.md.",
    "With user-defined (OVN-Kubernetes UDN/CUDN) or secondary (Multus NAD) networks, the list has one section per",
    "network as np-guard prints it, then each workload's networks; json/yaml/csv/md/table carry a network column (docs/networks.md).",
    "The focus flags and --explain apply in each network (each pair explained on its network); --exposure covers the",
    "pod network's workloads only (np-guard refuses exposure analysis with multiple networks).",
    "--exposure adds np-guard's exposure analysis: per workload, what its policies open to entire-cluster (any pod in",
    "any namespace) and to pods that rules select but the input lacks (NAMESPACE/[all pods], [namespace with {k=v}]/",
    "[pod with {k=v}]), the external ranges, and the workloads no policy protects.",
    "--explain prints every pair (allowed or not) with its ports split by reason: per part, the policy and rule (or the",
    "default) that decided egress and ingress; --explain-only allow|deny keeps one kind (-o txt, table, json, yaml).",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS, ...CLUSTER_INPUT_OPTIONS, ...outputOption(CONNLIST_FORMATS, "txt"),
    "group-by": { type: "string", arg: "LEVEL", choices: GROUP_BY, default: "workload", description: "pods under their Deployment (CronJob) when it is in the input, or under their ReplicaSet (Job) as np-guard groups them" },
    l7: { type: "boolean", description: "per workload pair, the requests the L7 layer (Istio authorization) lets through" },
    exposure: { type: "boolean", description: "add what each workload's policies open to pods that are not in the input (np-guard's exposure analysis)" },
    explain: { type: "boolean", description: "every pair with its ports split into allowed and denied, and the policy and rule that decided each part" },
    "explain-only": { type: "string", arg: "KIND", choices: ["allow", "deny"], description: "with --explain: only the allowed, or only the denied parts" },
    ...FOCUS_OPTIONS,
    ...ENGINE_OPTIONS,
  },
  examples: [
    "junction list -f examples/shop",
    "junction list -f examples/shop --focus-workload shop/api --focus-direction ingress",
    "junction list -f examples/shop --exposure",
    "junction list -f examples/mesh --l7",
    "junction list -f examples/shop --explain --focus-workload payments/payments --explain-only deny",
    "junction list -f examples/shop -o dot | dot -Tsvg > \"$out/shop.svg\"   # out=$(mktemp -d), or a folder of yours",
  ],
  run(values, _pos, io) {
    const options = listOptions(values);
    const a = loadAnalysis(values, io);
    const bytes = io.outBytes;
    const escaped: EscapedOut = { out: (text: string) => (io.outEscaped ?? io.out)(text), escape: escapeControls, bytes: bytes && ((b) => bytes.call(io, b)) };
    writeList(a, options, (text) => io.out(text), (w) => io.err(`warning: ${w}\n`), escaped);
    return EXIT.ok;
  },
};

/** What the list options ask for, checked before anything is loaded. */
export interface ListOptions {
  format: ConnlistFormat;
  groupBy: GroupBy;
  focus: Focus;
  l7: boolean;
  exposure: boolean;
  explain: boolean;
  only?: ExplainOnly;
}

export function listOptions(values: Values): ListOptions {
  const format = str(values, "output") as ConnlistFormat;
  if (values.l7 === true && !["txt", "json", "yaml"].includes(format)) throw new UsageError(`--l7 prints txt, json or yaml, not ${format}`);
  const only = explainOptions(values, format);
  return { format, groupBy: str(values, "group-by") as GroupBy, focus: focusOf(values), l7: values.l7 === true, exposure: values.exposure === true, explain: values.explain === true, only };
}

/**
 * A writer for text the list escapes itself: `escape` goes over every text it did not make (see
 * cli/terminal.ts); `bytes`, when given, takes such text as UTF-8 bytes (Io.outBytes).
 */
export interface EscapedOut { out: (text: string) => void; escape: (s: string) => string; bytes?: (b: Uint8Array) => void }

/**
 * What `junction list` prints (and GET /api/v1/connections serves with -o json), written in pieces;
 * warnings go to `warn`. The plain list (the bulk of a large answer) goes to `escaped` when given.
 */
export function writeList(a: Analysis, o: ListOptions, out: (text: string) => void, warn: (w: string) => void, escaped?: EscapedOut): void {
  const perNetwork = networkListResult(a, o.groupBy, o.focus);
  if (perNetwork) { writeNetworkList(a, o, perNetwork, out, warn); return; }
  const { focus, format } = o;
  const r = listResult(a, o.groupBy, focus);
  checkFocusNames(focus, r.peers);
  r.warnings.forEach(warn);
  if (o.l7) { out(renderL7(l7Entries(a, r.entries), format)); return; }
  const exposure = exposureOf(a, o, r.workloads, () => r.entries, warn);
  if (o.explain) {
    const pairs = explainAll(a.engine, a.connectivity, portIntervals(a.inventory), r.sources, r.destinations, focus, o.only);
    if (format === "json" || format === "yaml") {
      const doc = { explanation: explainAllDocument(pairs, a.lines), ...(exposure ? { exposure: exposureData(exposure) } : {}) };
      out(format === "json" ? renderJson(doc) : renderYaml(doc));
    } else out(renderExplainAll(pairs, a.lines) + (exposure ? `\n${renderListWithExposure([], exposure, "txt")}` : ""));
    return;
  }
  if (exposure) writeListWithExposure([{ entries: r.entries }], exposure, format, out);
  else writeConnRows(r.rows, r.more, format, escaped?.out ?? out, escaped?.escape, escaped?.bytes);
}

/** --exposure, unless --focus-peer is given (np-guard ignores it then, with a warning). */
/** `entries`: asked only with --exposure (the plain list is written from its rows, with no entry object per row). */
function exposureOf(a: Analysis, o: ListOptions, workloads: readonly ListPeer[], entries: () => readonly ConnEntry[], warn: (w: string) => void): ExposureAnalysis | undefined {
  if (!o.exposure) return undefined;
  if (o.focus.peers.length) { warn("--exposure is ignored with --focus-peer (as np-guard does)"); return undefined; }
  return exposureAnalysis(a.inventory, a.engine, workloads, entries(), o.focus);
}

/**
 * The list per network. --explain explains the pairs of each network on that network (np-guard's
 * banners name it); --exposure covers the pod network's workloads (with VMs), where NetworkPolicies
 * apply; np-guard refuses exposure analysis with multiple networks altogether.
 */
function writeNetworkList(a: Analysis, o: ListOptions, r: NetworkListResult, out: (text: string) => void, warn: (w: string) => void): void {
  const { focus, format } = o;
  if (o.l7) throw new UsageError("--l7 does not apply to a list per network yet (user-defined or secondary networks, VMs)");
  checkFocusNames(focus, r.peers);
  r.warnings.forEach(warn);
  const named = a.inventory.podNetworks.length > 0;
  const pod = r.sections.find((s) => s.network === POD_NETWORK)!;
  if (o.exposure && named) warn("--exposure covers the workloads of the pod network only (user-defined and secondary networks are left out; np-guard ignores exposure analysis with multiple networks)");
  const exposure = exposureOf(a, o, pod.workloads, () => pod.entries, warn);
  if (o.explain) {
    const sections = [...r.sections].sort(sectionOrder).map((s) => ({ network: s.network, pairs: explainSection(a, s, o) }));
    if (format === "json" || format === "yaml") {
      const doc = { explanation: networkExplainDocument(sections, a.lines), ...(exposure ? { exposure: exposureData(exposure) } : {}) };
      out(format === "json" ? renderJson(doc) : renderYaml(doc));
    } else out(renderNetworkExplain(sections, a.lines, named, isolatedPairs(r.sections)) + (exposure ? `\n${renderListWithExposure([], exposure, "txt")}` : ""));
    return;
  }
  if (!exposure) writeNetworkSections(r.sections, format, out);
  else if (format === "json" || format === "yaml") writeListWithExposure(networkRows(r.sections), exposure, format, out);
  else out(`${renderNetworkSections(r.sections, format)}${format === "txt" ? "\n" : ""}${renderExposure(exposure, format)}`);
}

/** One network's pairs explained on it (the primary networks: each pair's own; a secondary network: that one). */
function explainSection(a: Analysis, s: NetworkSection, o: ListOptions): ExplainedPair[] {
  const secondary = s.network.startsWith("nad:") ? s.network : undefined;
  const peers = [...s.workloads, ...s.externals];
  return explainAll(a.engine, a.connectivityOn(secondary), portIntervals(a.inventory), peers, peers, o.focus, o.only, secondary);
}

/** Whether workloads sit on separate primary networks (their pairs are denied by isolation and not explained). */
function isolatedPairs(sections: readonly NetworkSection[]): boolean {
  return sections.filter((s) => !s.network.startsWith("nad:") && s.workloads.length > 0).length > 1;
}

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

function explainOptions(values: Values, format: ConnlistFormat): ExplainOnly | undefined {
  const only = str(values, "explain-only") as ExplainOnly | undefined;
  if (only && values.explain !== true) throw new UsageError("--explain-only applies to --explain: give it too");
  if (values.explain === true && TEXT_ONLY.has(format)) throw new UsageError(`--explain prints txt, table, json or yaml, not ${format}`);
  return only;
}
