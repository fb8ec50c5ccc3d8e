// The networks a pod or VM is attached to. Every namespace has one primary network: the cluster's
// default pod network, or an OVN-Kubernetes primary user-defined network (UserDefinedNetwork,
// ClusterUserDefinedNetwork) that replaces it for the namespace. Pods may also have secondary
// interfaces on Multus networks (NetworkAttachmentDefinition). A flow is evaluated on one network:
// endpoints not attached to it cannot use it, and each policy kind governs the networks it is for
// (NetworkPolicy and the admin tiers: primary networks; MultiNetworkPolicy: the secondary networks
// its policy-for annotation names).

import type { Address } from "./ip.js";
import type { Endpoint } from "./endpoint.js";
import type { Policy } from "./policy.js";
import type { SourceRef } from "./source.js";

export type NetworkKind = "pod-network" | "UserDefinedNetwork" | "ClusterUserDefinedNetwork" | "NetworkAttachmentDefinition";

/** The cluster's default pod network: the primary network of every namespace without a primary UDN. */
export const POD_NETWORK = "pod-network";

export interface ClusterNetwork {
  /** "pod-network", "udn:NAMESPACE/NAME", "cudn:NAME" or "nad:NAME" (NADs of one name are one network). */
  id: string;
  kind: NetworkKind;
  name: string;
  role: "primary" | "secondary";
  /** The namespaces it serves: a UDN's own, those a CUDN selects, those holding a NAD of this name. */
  namespaces: string[];
  topology?: string;
  src?: SourceRef;
}

/** A secondary interface of an endpoint: the network and the addresses it has there. */
export interface Attachment {
  network: string;
  addresses: readonly Address[];
  /** The interface name (Multus "interface", KubeVirt interface name), when known. */
  interface?: string;
}

export const udnId = (namespace: string, name: string): string => `udn:${namespace}/${name}`;
export const cudnId = (name: string): string => `cudn:${name}`;
export const nadId = (name: string): string => `nad:${name}`;

export function isSecondary(network: string): boolean {
  return network.startsWith("nad:");
}

/** Whether policy `p` governs flows on `network`: kinds without `networks` govern the primary networks. */
export function governs(p: Policy, network: string | undefined): boolean {
  if (network === undefined || !isSecondary(network)) return p.networks === undefined;
  return p.networks !== undefined && p.networks.includes(network);
}

/** The addresses an endpoint has on a network (its own addresses on its primary network). */
export function addressesOn(e: Endpoint, network: string | undefined): readonly Address[] {
  if (network === undefined || !isSecondary(network)) return e.addresses;
  return e.attachments?.find((a) => a.network === network)?.addresses ?? [];
}

/**
 * Pods and VMs are attached to networks; nodes, host-network pods, external addresses, and stand-ins
 * outside the inventory (np-guard's ingress controller, which reaches pods through their Services)
 * reach every primary network.
 */
export function attachable(e: Endpoint | undefined): e is Endpoint {
  return e !== undefined && e.id >= 0 && (e.kind === "pod" || e.kind === "workload") && e.hostNetwork !== true;
}

/** The network id as people read it: "pod-network", "blue[UDN]", "happy-tenant[CUDN]", "l2-network[NAD]". */
export function networkLabel(id: string): string {
  if (id === POD_NETWORK) return POD_NETWORK;
  const [kind, name] = [id.slice(0, id.indexOf(":")), id.slice(id.indexOf(":") + 1)];
  const suffix = kind === "udn" ? "UDN" : kind === "cudn" ? "CUDN" : "NAD";
  return `${kind === "udn" ? name.split("/")[0] : name}[${suffix}]`;
}

/**
 * The network a user names: "pod-network", a NAD's, UDN's or CUDN's name, or a label `list` prints
 * ("l2[NAD]", "blue[UDN]": a UDN by its namespace, "tenant[CUDN]").
 */
export function findNetwork(networks: readonly ClusterNetwork[], text: string): string | undefined {
  if (text === POD_NETWORK) return POD_NETWORK;
  return networks.find((n) => networkLabel(n.id) === text)?.id
    ?? networks.find((n) => n.name === text || (n.kind === "UserDefinedNetwork" && n.namespaces[0] === text))?.id;
}

/** Primary networks by namespace, and which endpoint is on which network. */
export class NetworkMap {
  constructor(private readonly namespaces: ReadonlyMap<string, { network?: string }>) {}

  /** The primary network of an attachable endpoint's namespace. */
  primaryOf(e: Endpoint): string {
    return (e.namespace !== undefined && this.namespaces.get(e.namespace)?.network) || POD_NETWORK;
  }

  /**
   * Whether a party can use `network`: attachable endpoints on their primary network and on the
   * secondary networks they are attached to; others (addresses, nodes) on primary networks only.
   */
  on(e: Endpoint | undefined, network: string): boolean {
    if (!attachable(e)) return !isSecondary(network);
    return isSecondary(network) ? e.attachments?.some((a) => a.network === network) === true : this.primaryOf(e) === network;
  }

  /** The network a flow between two parties takes by default: the primary network of the one attached (the source's first). */
  flowNetwork(src: Endpoint | undefined, dst: Endpoint | undefined): string {
    return attachable(src) ? this.primaryOf(src) : attachable(dst) ? this.primaryOf(dst) : POD_NETWORK;
  }

  /** Every network two parties share: their common primary network, then common secondary ones. */
  shared(src: Endpoint | undefined, dst: Endpoint | undefined): string[] {
    const out: string[] = [];
    const primary = this.flowNetwork(src, dst);
    if (this.on(src, primary) && this.on(dst, primary)) out.push(primary);
    if (attachable(src) && attachable(dst)) for (const a of src.attachments ?? []) if (this.on(dst, a.network)) out.push(a.network);
    return out;
  }
}
