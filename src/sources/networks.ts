// The networks pods attach to, resolved once every object is read (sources/ovn.ts and multus.ts
// record the definitions): primary user-defined networks are assigned to their namespaces, NADs of
// one name become one secondary network, and the interfaces pods and VMs ask for, and the
// networks MultiNetworkPolicies name, are checked against the NADs that exist. The rules are
// OVN-Kubernetes' as np-guard applies them (pkg/netpol/eval/resources.go).

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { cudnId, nadId, udnId, type Attachment, type ClusterNetwork } from "../model/networks.js";
import type { Policy } from "../model/policy.js";
import { matches, type LabelSelector } from "../model/selector.js";
import type { Diagnostics, SourceRef } from "../model/source.js";
import type { Field } from "./fields.js";
import type { NetworkRequest } from "./multus.js";

/** The label a namespace needs before a primary user-defined network can serve it. */
export const PRIMARY_UDN_LABEL = "k8s.ovn.org/primary-user-defined-network";

export type NetworkDefinition =
  | { kind: "UserDefinedNetwork"; namespace: string; name: string; role: "Primary" | "Secondary"; topology?: string; src: SourceRef }
  | { kind: "ClusterUserDefinedNetwork"; name: string; role: "Primary" | "Secondary"; topology?: string; namespaceSelector: LabelSelector; src: SourceRef }
  | { kind: "NetworkAttachmentDefinition"; namespace: string; name: string; src: SourceRef };

/** A MultiNetworkPolicy's policy-for references ("ns/name"), checked once the NADs are known. */
export interface PolicyTargets { policy: Policy; targets: string[]; field: Field }

export interface NetworkInputs { definitions: readonly NetworkDefinition[]; policyTargets: readonly PolicyTargets[] }

export function resolveNetworks(inv: Inventory, input: NetworkInputs, diags: Diagnostics): void {
  const nads = new Map<string, ClusterNetwork>();
  const addNad = (name: string, namespace: string, src: SourceRef) => {
    let n = nads.get(name);
    if (!n) { n = { id: nadId(name), kind: "NetworkAttachmentDefinition", name, role: "secondary", namespaces: [], src }; nads.set(name, n); }
    if (!n.namespaces.includes(namespace)) n.namespaces.push(namespace);
  };
  for (const d of input.definitions) {
    if (d.kind === "NetworkAttachmentDefinition") addNad(d.name, d.namespace, d.src);
    else if (d.kind === "UserDefinedNetwork") assignUdn(inv, d, diags, addNad);
    else assignCudn(inv, d, diags, addNad);
  }
  inv.podNetworks.push(...nads.values());
  const has = (name: string, ns: string) => nads.get(name)?.namespaces.includes(ns) === true;
  // (Indexed: this loop runs once per load, not optimised, and a for-of would make an iterator result per endpoint.)
  for (let i = 0; i < inv.endpoints.length; i++) { const e = inv.endpoints[i]; if (e.attachments?.length) resolveAttachments(e, has, diags); }
  for (const t of input.policyTargets) {
    (t.policy as { networks?: readonly string[] }).networks = t.targets.flatMap((ref) => {
      const [ns, name] = ref.split("/");
      if (has(name, ns)) return [nadId(name)];
      t.field.warn("unknown-network", `${ref} has no NetworkAttachmentDefinition in the input: MultiNetworkPolicy ${policyRef(t.policy)} does not apply to it`);
      return [];
    });
  }
}

const policyRef = (p: Policy) => `${p.namespace}/${p.name}`;

type AddNad = (name: string, namespace: string, src: SourceRef) => void;

function assignUdn(inv: Inventory, d: Extract<NetworkDefinition, { kind: "UserDefinedNetwork" }>, diags: Diagnostics, addNad: AddNad): void {
  const full = `${d.namespace}/${d.name}`;
  if (d.name === "default") { diags.error("invalid-udn", `UserDefinedNetwork ${full}: the name "default" is reserved`, d.src, ["metadata", "name"]); return; }
  // A secondary UDN is a secondary network: OVN-Kubernetes creates a NAD of its name in its namespace.
  if (d.role === "Secondary") { addNad(d.name, d.namespace, d.src); return; }
  const ns = inv.namespaces.get(d.namespace);
  if (!ns || ns.implicit) { diags.warn("udn-namespace", `UserDefinedNetwork ${full}: namespace ${d.namespace} is not in the input; the network is ignored`, d.src, ["metadata", "namespace"]); return; }
  if (!checkPrimaryNamespace(ns, `UserDefinedNetwork ${full}`, d.src, diags)) return;
  assign(inv, ns, { id: udnId(d.namespace, d.name), kind: "UserDefinedNetwork", name: d.name, role: "primary", namespaces: [d.namespace], topology: d.topology, src: d.src }, diags);
}

function assignCudn(inv: Inventory, d: Extract<NetworkDefinition, { kind: "ClusterUserDefinedNetwork" }>, diags: Diagnostics, addNad: AddNad): void {
  const net: ClusterNetwork = { id: cudnId(d.name), kind: "ClusterUserDefinedNetwork", name: d.name, role: "primary", namespaces: [], topology: d.topology, src: d.src };
  for (const ns of inv.namespaces.values()) {
    if (ns.implicit || !matches(d.namespaceSelector, ns.labels)) continue;
    if (d.role === "Secondary") { addNad(d.name, ns.name, d.src); continue; }
    if (!(PRIMARY_UDN_LABEL in ns.labels)) {
      diags.warn("udn-namespace", `ClusterUserDefinedNetwork ${d.name} selects namespace ${ns.name}, which lacks the label ${PRIMARY_UDN_LABEL}: it stays on the pod network`, d.src, ["spec", "namespaceSelector"]);
      continue;
    }
    if (checkPrimaryNamespace(ns, `ClusterUserDefinedNetwork ${d.name}`, d.src, diags, true)) assign(inv, ns, net, diags);
  }
  if (d.role === "Primary" && net.namespaces.length === 0) diags.warn("empty-cudn", `ClusterUserDefinedNetwork ${d.name} serves no namespace of the input`, d.src, ["spec", "namespaceSelector"]);
}

/** A namespace may take a primary network: labelled for it, and neither "default" nor an openshift-* namespace. */
function checkPrimaryNamespace(ns: { name: string; labels: Record<string, string> }, what: string, src: SourceRef, diags: Diagnostics, labelChecked = false): boolean {
  if (ns.name === "default" || ns.name.startsWith("openshift-")) {
    diags.error("invalid-udn", `${what}: namespace ${ns.name} cannot have a primary user-defined network`, src);
    return false;
  }
  if (!labelChecked && !(PRIMARY_UDN_LABEL in ns.labels)) {
    diags.warn("udn-namespace", `${what}: namespace ${ns.name} lacks the label ${PRIMARY_UDN_LABEL}, so the network is ignored and the namespace stays on the pod network`, src);
    return false;
  }
  return true;
}

function assign(inv: Inventory, ns: { name: string; network?: string }, net: ClusterNetwork, diags: Diagnostics): void {
  if (ns.network !== undefined && ns.network !== net.id) {
    diags.error("primary-network-conflict", `namespace ${ns.name} already has the primary network ${ns.network}; ${net.kind} ${net.name} cannot be another one (a namespace has one primary network)`, net.src);
    return;
  }
  ns.network = net.id;
  if (!inv.podNetworks.includes(net)) inv.podNetworks.push(net);
  if (!net.namespaces.includes(ns.name)) net.namespaces.push(ns.name);
}

/** Keeps the interfaces whose NAD exists in the namespace they name (default: the pod's own). */
function resolveAttachments(e: Endpoint, has: (name: string, ns: string) => boolean, diags: Diagnostics): void {
  const kept: Attachment[] = [];
  for (const r of e.attachments as readonly NetworkRequest[]) {
    const ns = r.namespace ?? e.namespace ?? "default";
    const name = r.network.slice("nad:".length);
    if (!has(name, ns)) {
      diags.warn("unknown-network", `${e.namespace}/${e.name} asks for network ${ns}/${name}, which has no NetworkAttachmentDefinition in the input: the interface is left out`, e.src);
      continue;
    }
    if (!kept.some((k) => k.network === r.network)) kept.push({ network: r.network, addresses: r.addresses, ...(r.interface ? { interface: r.interface } : {}) });
  }
  (e as { attachments?: readonly Attachment[] }).attachments = kept.length ? kept : undefined;
}
