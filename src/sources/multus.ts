// Front end for Multus secondary networks (k8s.cni.cncf.io): NetworkAttachmentDefinition (v1),
// MultiNetworkPolicy (v1beta1), and the pod annotation k8s.v1.cni.cncf.io/networks that attaches
// a pod to them. A MultiNetworkPolicy has NetworkPolicy's spec; it governs the networks its
// k8s.v1.cni.cncf.io/policy-for annotation names (and only those: NetworkPolicies do not apply on
// secondary interfaces). sources/networks.ts checks the references once everything is read.

import { parseAddress, type Address } from "../model/ip.js";
import { nadId, type Attachment } from "../model/networks.js";
import type { Peer, Rule } from "../model/policy.js";
import { describe, type Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta, readSelector } from "./k8s.js";
import { NETWORK_POLICY_PRIORITY, readPolicyTypes, readRules } from "./networkpolicy.js";

export const NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks";
export const POLICY_FOR_ANNOTATION = "k8s.v1.cni.cncf.io/policy-for";

/** A network a pod asks for, before sources/networks.ts checks that its NAD exists. */
export type NetworkRequest = Attachment & { namespace?: string };

/**
 * The pod annotation k8s.v1.cni.cncf.io/networks: "name", "ns/name", "name@iface" separated by
 * commas, or a JSON list of {name, namespace, interface, ips} (ips may carry a prefix length, which
 * is the subnet and not the pod's: "10.1.1.5/24" is the address 10.1.1.5).
 */
export function readNetworkRequests(f: Field): NetworkRequest[] {
  const text = f.string();
  if (text === undefined || text.trim() === "") return [];
  // Multus (pkg/k8sclient parsePodNetworkAnnotation): JSON when the text holds any of [ { " anywhere.
  if (/[[{"]/.test(text)) return readJsonRequests(f, text);
  return text.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    const [ref, iface] = s.split("@");
    return request(ref, [], iface);
  });
}

function readJsonRequests(f: Field, text: string): NetworkRequest[] {
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch (e) { f.error("invalid-json", `not a JSON list of network selections: ${(e as Error).message}`); return []; }
  // json.Unmarshal into []*NetworkSelectionElement: anything but a list fails, and the pod with it
  // (its sandbox is not created); a null item is a nil element, which Multus cannot use either.
  if (parsed === null) return []; // a nil list: no secondary network, no error
  if (!Array.isArray(parsed)) { f.error("invalid-json", `not a JSON list of network selections but ${describe(parsed)}: Multus reads a list only (json.Unmarshal into []NetworkSelectionElement fails), so the pod does not start`); return []; }
  const out: NetworkRequest[] = [];
  parsed.forEach((item, i) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) { f.error("invalid-network", `network selection ${i} is ${describe(item)}, not an object`); return; }
    const o = goFields(item as Record<string, unknown>, ["name", "namespace", "interface", "ips"]) as { name?: unknown; namespace?: unknown; interface?: unknown; ips?: unknown };
    if (typeof o?.name !== "string" || o.name === "") { f.error("invalid-network", `network selection ${i} has no "name"`); return; }
    const ips = Array.isArray(o.ips) ? o.ips : [];
    const addresses: Address[] = [];
    for (const ip of ips) {
      const a = typeof ip === "string" ? parseAddress(ip.split("/")[0]) : undefined;
      if (a) addresses.push(a); else f.error("invalid-ip", `network selection ${i}: ${JSON.stringify(ip)} is not an IP address`);
    }
    const r = request(typeof o.namespace === "string" && o.namespace ? `${o.namespace}/${o.name}` : o.name, addresses, typeof o.interface === "string" ? o.interface : undefined);
    out.push(r);
  });
  return out;
}

/**
 * The fields of a JSON object as Go's encoding/json fills a struct from it: a key names a field
 * exactly or case-insensitively (Unicode simple folding: "NAME", "ipſ"), and a later key overwrites
 * an earlier one; other keys are ignored.
 */
function goFields(o: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fold = (k: string) => k.toUpperCase().toLowerCase();
  for (const [k, v] of Object.entries(o)) {
    const name = names.includes(k) ? k : names.find((n) => fold(n) === fold(k));
    if (name !== undefined) out[name] = v;
  }
  return out;
}

function request(ref: string, addresses: Address[], iface?: string): NetworkRequest {
  const slash = ref.indexOf("/");
  const name = slash >= 0 ? ref.slice(slash + 1) : ref;
  return { network: nadId(name), addresses, ...(iface ? { interface: iface } : {}), ...(slash >= 0 ? { namespace: ref.slice(0, slash) } : {}) };
}

const nadFrontEnd: FrontEnd = {
  kind: "NetworkAttachmentDefinition", apiVersions: ["k8s.cni.cncf.io/v1"], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const config = root.get("spec").get("config");
    const text = config.string();
    if (text !== undefined && text.trim() !== "") checkConfig(config, text);
    if (!meta) return;
    b.useNamespace(meta.namespace!, ctx.ref);
    b.networkDefinitions.push({ kind: "NetworkAttachmentDefinition", namespace: meta.namespace!, name: meta.name, src: ctx.ref });
  },
};

/** The CNI configuration is JSON; np-guard's examples carry trailing commas, which CNI plugins reject: a warning. */
function checkConfig(f: Field, text: string): void {
  try { JSON.parse(text); } catch { f.warn("invalid-cni-config", "spec.config is not valid JSON (a CNI plugin would reject it); the network is still read from the object's name"); }
}

const multiNetworkPolicyFrontEnd: FrontEnd = {
  kind: "MultiNetworkPolicy", apiVersions: ["k8s.cni.cncf.io/v1beta1"], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    // spec is optional (MultiNetworkPolicy.Spec `json:"spec,omitempty"`; the CRD requires no spec, only
    // spec.podSelector when a spec is given): absent or null, the object holds the zero spec, whose
    // empty podSelector selects every pod, read as a NetworkPolicy's (it was refused as missing).
    const spec = root.get("spec");
    if (spec.present && !spec.object()) return;
    const ns = meta?.namespace ?? "default";
    const podSelector = readSelector(spec.get("podSelector"));
    const types = readPolicyTypes(spec);
    const [ingress, egress] = (["ingress", "egress"] as const).map((g) => readRules(spec, g, ns).map(podsOnly));
    if (!meta) return;
    const forField = root.get("metadata").get("annotations").get(POLICY_FOR_ANNOTATION);
    const targets = (meta.annotations[POLICY_FOR_ANNOTATION] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    if (targets.length === 0) forField.warn("no-policy-for", `MultiNetworkPolicy ${ns}/${meta.name} has no ${POLICY_FOR_ANNOTATION} annotation: it applies to no network`);
    b.useNamespace(ns, ctx.ref);
    const policy = {
      kind: "MultiNetworkPolicy", name: meta.name, namespace: ns, tier: "namespace" as const, priority: NETWORK_POLICY_PRIORITY,
      subject: { namespaces: { kind: "name" as const, name: ns }, labels: podSelector, kinds: ["pod" as const] },
      networks: [] as string[],
      ingress: types.has("Ingress") ? ingress : undefined,
      egress: types.has("Egress") ? egress : undefined,
      src: ctx.ref,
    };
    b.inv.policies.push(policy);
    b.policyTargets.push({ policy, targets: targets.map((t) => (t.includes("/") ? t : `${ns}/${t}`)), field: forField });
  },
};

/** MultiNetworkPolicy peers: pod and namespace selectors do not pick KubeVirt VMs (np-guard: "virtual machines can be selected only with ipBlocks"). */
function podsOnly(r: Rule): Rule {
  if (!r.peers) return r;
  return { ...r, peers: r.peers.map((p): Peer => (p.kind === "endpoints" ? { kind: "endpoints", selector: { ...p.selector, excludeVirtualMachines: true } } : p)) };
}

export const multusFrontEnds: FrontEnd[] = [nadFrontEnd, multiNetworkPolicyFrontEnd];
