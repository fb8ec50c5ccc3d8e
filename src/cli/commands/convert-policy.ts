// `junction convert policy --to common|k8s`: every policy read (Kubernetes, common API, Calico,
// Cilium; Istio and Linkerd authorization with --to common) rewritten in one API, with a report of what
// converted and what could not, and why.

import type { Inventory } from "../../model/inventory.js";
import { formatDiagnostic } from "../../model/source.js";
import type { RawObject } from "../../sources/documents.js";
import { POLICY_KINDS, VENDOR_INVENTORY_KINDS } from "../../sources/kinds.js";
import type { Loaded } from "../../sources/load.js";
import { objectsOfKinds, sameRef } from "../../sources/replace.js";
import { networkObject, trafficPolicies, workloadObject } from "../../targets/common.js";
import { renderDocuments } from "../../targets/data.js";
import { compileK8s } from "../../targets/k8s/index.js";
import { formatProblem, type Problem } from "../../targets/problems.js";
import { EXIT, UsageError, str, type Command, type Io } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, engineOptions, loadInputs, outputOption } from "../inputs.js";
import { VERIFY_OPTION, verifyRequests, verifyTranslation } from "../verify.js";
import { applyMeshOptions, MESH_OPTIONS } from "../mesh-options.js";
import { istioToCommon, type MeshConversion, type MeshProblem } from "../../targets/common-istio.js";
import { linkerdToCommon } from "../../targets/common-linkerd.js";
import { Matcher } from "../../engine/match.js";
import { InventoryIndex } from "../../model/inventory.js";
import { where } from "../../targets/names.js";
import { SOURCE_ANNOTATION } from "../../targets/k8s/policies.js";
import type { Policy } from "../../model/policy.js";
import type { Endpoint } from "../../model/endpoint.js";
import type { Narrowing } from "../../analyze/equivalence.js";
import { inNormalForm } from "../../engine/l7/paths.js";

interface Conversion { objects: object[]; failed: string[]; replaced: (raw: RawObject) => boolean; mesh?: MeshConversion }

const ISTIO_AUTHZ = (raw: RawObject) => raw.kind === "AuthorizationPolicy" && raw.apiVersion.startsWith("security.istio.io/");
const LINKERD_AUTHZ_KINDS = new Set(["Server", "AuthorizationPolicy", "ServerAuthorization", "MeshTLSAuthentication", "NetworkAuthentication"]);
const LINKERD_AUTHZ = (raw: RawObject) => LINKERD_AUTHZ_KINDS.has(raw.kind) && raw.apiVersion.startsWith("policy.linkerd.io/");
const WARNING_ANNOTATION = "junction.dev/warning";

/** "file:line: AuthorizationPolicy ns/name, rule 0: message". */
function formatMeshProblem(p: MeshProblem, loaded: Loaded): string {
  const loc = p.src ? where(p.src.file, loaded.locator.lineOf(p.src, p.path)) : "";
  return `${loc ? `${loc}: ` : ""}${p.kind} ${p.namespace ? `${p.namespace}/` : ""}${p.name}${p.rule !== undefined ? `, rule ${p.rule}` : ""}: ${p.message}`;
}

/** Linkerd objects read, by kind. */
function linkerdRead(inv: Inventory): [string, number][] {
  const l = inv.mesh.linkerd;
  const count = (k: string) => l.authorizations.filter((a) => a.kind === k).length;
  return ([["Server (Linkerd)", l.servers.length], ["AuthorizationPolicy (Linkerd)", count("AuthorizationPolicy")], ["ServerAuthorization (Linkerd)", count("ServerAuthorization")]] as [string, number][]).filter(([, n]) => n > 0);
}

/** Objects of vendor inventory kinds (Calico HostEndpoint, NetworkSet) as common Workloads and Networks. */
function vendorInventory(inv: Inventory, vendorRefs: RawObject[]): object[] {
  const fromVendor = (ref: Parameters<typeof sameRef>[0]) => vendorRefs.some((r) => sameRef(ref, r.ref));
  return [
    ...inv.endpoints.filter((e) => e.kind === "workload" && fromVendor(e.src)).map(workloadObject),
    // A host endpoint on a node's address is the node's policy identity, no endpoint of its own; the
    // common API has no such thing: its Workload of the node's address (--verify reports what differs).
    ...inv.endpoints.flatMap((e) => (e.hostEndpoint && fromVendor(e.hostEndpoint.src) ? [workloadObject(e.hostEndpoint)] : [])),
    ...inv.networks.filter((n) => fromVendor(n.src)).map(networkObject),
  ];
}

function toCommon(loaded: Loaded, vendorRefs: RawObject[], options: ReturnType<typeof engineOptions>): Conversion {
  const inv = loaded.inventory;
  const matcher = new Matcher(new InventoryIndex(inv), options);
  const mesh = istioToCommon(inv, (s, e) => matcher.selects(s, e));
  linkerdToCommon(inv, (s, e) => matcher.selects(s, e), mesh);
  const problems: Problem[] = [];
  const policies = trafficPolicies([...inv.policies, ...mesh.policies], (p) => mesh.names.get(p) ?? p.name, problems);
  annotateWarnings(policies, mesh);
  const objects = [...vendorInventory(inv, vendorRefs), ...policies];
  const lines = loaded.locator.lineOf.bind(loaded.locator);
  const failed = [...problems.map((p) => formatProblem(p, lines)), ...mesh.problems.map((p) => formatMeshProblem(p, loaded))];
  return { objects, failed, mesh, replaced: (raw) => POLICY_KINDS.has(raw.kind) || VENDOR_INVENTORY_KINDS.has(raw.kind) || ISTIO_AUTHZ(raw) || LINKERD_AUTHZ(raw) };
}

/** A converted Istio policy whose identity rules hold over mutual TLS only carries the warning as data too. */
function annotateWarnings(objects: object[], mesh: MeshConversion): void {
  for (const w of mesh.warnings) {
    const o = objects.find((x) => (x as { metadata: { annotations?: Record<string, string> } }).metadata.annotations?.[SOURCE_ANNOTATION] === `${w.kind} ${w.namespace ? `${w.namespace}/` : ""}${w.name}`) as { metadata: { annotations: Record<string, string> } } | undefined;
    if (!o) continue;
    const a = o.metadata.annotations;
    const text = w.rule !== undefined ? `rule ${w.rule}: ${w.message}` : w.message;
    a[WARNING_ANNOTATION] = a[WARNING_ANNOTATION] ? `${a[WARNING_ANNOTATION]}; ${text}` : text;
  }
}

function toK8s(loaded: Loaded): Conversion {
  const { objects, problems } = compileK8s(loaded.inventory);
  const lines = loaded.locator.lineOf.bind(loaded.locator);
  const mesh = loaded.inventory.mesh.istio.authorizations.map((ap) => formatMeshProblem({ kind: ap.kind, namespace: ap.namespace, name: ap.name, src: ap.src, message: "the Kubernetes APIs cannot decide requests (--to common can)" }, loaded));
  return { objects, failed: [...problems.map((p) => formatProblem(p, lines)), ...mesh], replaced: (raw) => POLICY_KINDS.has(raw.kind) };
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
  if (conv.mesh?.read) kinds.push(["AuthorizationPolicy (Istio)", conv.mesh.read]);
  if (conv.mesh) kinds.push(...linkerdRead(inv));
  const read = [...kinds].map(([k, n]) => `${n} ${k}`).join(", ") || "no policies";
  io.err(`convert: read ${read}; wrote ${conv.objects.length} object${conv.objects.length === 1 ? "" : "s"} (${to})\n`);
  const notes = loaded.diagnostics.items.filter((d) => d.severity !== "error" && d.code.startsWith("vendor-"));
  for (const d of notes) io.err(`convert: note: ${formatDiagnostic(d)}\n`);
  for (const n of conv.mesh?.notes ?? []) io.err(`convert: note: ${n}\n`);
  for (const w of conv.mesh?.warnings ?? []) io.err(`convert: warning: ${formatMeshProblem(w, loaded)}\n`);
  for (const f of conv.failed) io.err(`convert: not converted: ${f}\n`);
}

export const convertPolicyCommand: Command = {
  name: "policy",
  summary: "Convert policies (Kubernetes, common API, Calico, Cilium, Istio and Linkerd authorization) to the common API or the Kubernetes APIs.",
  usage: "junction convert policy -f PATH --to common|k8s [--verify] [-o yaml|json]",
  description: [
    "--to common: every policy as a TrafficPolicy (junction.dev/v1alpha1), Calico HostEndpoints and NetworkSets as Workloads",
    "and Networks. --to k8s: NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy; rules those APIs cannot",
    "express are reported (file:line, why, and which APIs could) and left out. The report goes to stderr.",
    "Istio AuthorizationPolicies (--to common) become Admin-tier TrafficPolicies: DENY rules as Deny, ALLOW rules as Pass to",
    "the Namespace tier (so NetworkPolicies still decide too) followed by a Deny of every other request; what the common API",
    "cannot say (CUSTOM, not-forms, requestPrincipals, remoteIpBlocks, when keys other than request headers...) is reported",
    "and left out, and identity rules on ports PeerAuthentication leaves PERMISSIVE or DISABLE are written with a warning",
    "(stderr, and the annotation junction.dev/warning). Linkerd Servers (--to common) become the same Pass rules on the Server's",
    "port (one per client its authorizations admit; with routes, per route match in Linkerd's precedence order) and a Deny of",
    "other requests (403 where Linkerd answers an unrouted request 404); default inbound policies (pod, namespace,",
    "--linkerd-default-policy) become rules on the other TCP ports of meshed pods; opaque/TLS Servers are reported and left",
    "out, identities carry the same warning (unmeshed clients).",
    "--verify then compares requests at every rule's boundaries too.",
    "Exit status: 0 all converted (and equivalent with --verify), 1 something could not be converted or a flow differs, 2 invalid input.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    to: { type: "string", arg: "API", choices: ["common", "k8s"], description: "the API to write" },
    ...outputOption(["yaml", "json"], "yaml"),
    ...VERIFY_OPTION,
    "trust-domain": MESH_OPTIONS["trust-domain"], "istio-root-namespace": MESH_OPTIONS["istio-root-namespace"], "linkerd-default-policy": MESH_OPTIONS["linkerd-default-policy"],
    ...ENGINE_OPTIONS,
  },
  examples: [
    "junction convert policy -f examples/shop --to common --verify > \"$out/shop-common.yaml\"",
    "junction convert policy -f examples/calico --to common",
    "junction convert policy -f examples/mesh/shop --to common --verify",
    "junction convert policy -f \"$out/shop-common.yaml\" -f examples/shop --to k8s --verify",
  ],
  run(values, _pos, io) {
    const to = str(values, "to");
    if (!to) throw new UsageError("--to is required (common or k8s)");
    const loaded = loadInputs(values, io);
    applyMeshOptions(values, loaded.inventory);
    const vendor = objectsOfKinds(loaded, VENDOR_INVENTORY_KINDS);
    const conv = to === "common" ? toCommon(loaded, vendor, engineOptions(values)) : toK8s(loaded);
    const text = renderDocuments(conv.objects, str(values, "output") === "json" ? "json" : "yaml", `Generated by junction convert policy --to ${to}.`);
    io.out(text);
    report(loaded, conv, to === "common" ? "TrafficPolicy, Workload, Network" : "NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy", io);
    if (conv.failed.length) {
      if (values.verify === true) io.err("verify: skipped: not everything could be converted\n");
      return EXIT.failed;
    }
    if (values.verify !== true) return EXIT.ok;
    const mesh = conv.mesh?.policies ?? [];
    if (!mesh.length) return verifyTranslation(loaded, engineOptions(values), conv.replaced, text, io);
    // Connections to the pods Istio's rules select may now be refused where Istio answered 403: those are compared per request.
    const connections = verifyTranslation(loaded, engineOptions(values), conv.replaced, text, io, meshNarrowing(loaded, mesh, engineOptions(values)));
    const requests = verifyRequests(loaded, engineOptions(values), conv.replaced, text, io, (inv) => { applyMeshOptions(values, inv); withoutLinkerdDefaults(inv); }, conv.mesh?.rawPaths ? RAW_PATHS() : undefined, true);
    return Math.max(connections, requests);
  },
};

/** The input after conversion: Linkerd's default inbound policies are in the converted policies, no longer in annotations or the cluster setting. */
function withoutLinkerdDefaults(inv: Inventory): void {
  inv.mesh.settings.linkerdDefaultPolicy = "all-unauthenticated";
  const strip = (o: { annotations?: Readonly<Record<string, string>> }) => {
    if (o.annotations && LINKERD_DEFAULT in o.annotations) o.annotations = Object.fromEntries(Object.entries(o.annotations).filter(([k]) => k !== LINKERD_DEFAULT));
  };
  for (const ns of inv.namespaces.values()) strip(ns);
  for (const e of inv.endpoints) strip(e);
}
const LINKERD_DEFAULT = "config.linkerd.io/default-inbound-policy";

/**
 * Linkerd routes match paths as sent, the common API after normalizing them: a request whose path
 * is not in normal form may take another route, either way (docs/mesh.md); such requests are
 * counted apart, and every other request must be answered alike.
 */
const RAW_PATHS = (): Narrowing => ({
  what: "paths not in normal form, which Linkerd routes as sent and the common API as the normalized path the application resolves",
  seen: [],
  bothWays: true,
  allowed: (r) => !inNormalForm(r.path),
});

/** Connections lost to a pod a converted Istio policy selects: Istio refused their requests (403) where the conversion refuses the connection. */
function meshNarrowing(loaded: Loaded, mesh: readonly Policy[], options: ReturnType<typeof engineOptions>): (dst: Endpoint | undefined) => boolean {
  const matcher = new Matcher(new InventoryIndex(loaded.inventory), options);
  return (dst) => dst !== undefined && mesh.some((p) => matcher.selects(p.subject, dst));
}
