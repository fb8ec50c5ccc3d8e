// hostPort forwarding: a container port with a hostPort is reachable at its node's addresses, as the
// CNI portmap plugin (containernetworking/plugins plugins/meta/portmap) programs it when the kubelet
// creates the pod's sandbox with its port mappings (kuberuntime generatePodSandboxConfig:
// pod.Spec.Containers' ports, kubecontainer.MakePortMappings).
//
// portmap.go: the chain CNI-HOSTPORT-DNAT hangs off nat PREROUTING and OUTPUT for destinations of
// `--dst-type LOCAL` (genToplevelDnatChain), and per container address one rule per mapping
// `-p proto --dport hostPort [-d hostIP] -j DNAT --to-destination podIP:containerPort`
// (fillDnatRules): a hostIP limits the node address and the family (an entry whose hostIP is of
// the other family is skipped; an unspecified one, 0.0.0.0 or ::, adds no -d); without a hostIP,
// every local address of the container address's family. The source is kept, except for hairpin
// traffic (the pod itself, marked for masquerade) and 127.0.0.1.
//
// Host-network pods get no sandbox network and no portmap entry: their hostPort is their own
// port on the node's addresses (validateHostNetwork: hostPort == containerPort).

import type { Endpoint } from "./endpoint.js";
import { addressKey, type Address, type AddressKey } from "./ip.js";
import type { NamedPort, Protocol } from "./ports.js";

/** Where a flow to a node address and port is forwarded. */
export interface HostPortTarget {
  pod: Endpoint;
  /** The pod's port carrying the hostPort. */
  port: NamedPort;
  /** The pod's address the packet is forwarded to (of the flow's family). */
  address: Address;
  /** Other pods on the node mapping the same hostPort (the scheduler never places two): the first in the input wins. */
  others: Endpoint[];
}

/** The pods with hostPort mappings, by node name. */
export class HostPortIndex {
  private byNode = new Map<string, Endpoint[]>();
  /** The node names by the addresses the forwarding pods' status reports for their node (status.hostIP). */
  private byHostIP = new Map<AddressKey, string>();

  constructor(endpoints: readonly Endpoint[]) {
    for (const e of endpoints) if (forwardsHostPorts(e)) {
      const list = this.byNode.get(e.nodeName!);
      if (list) list.push(e); else this.byNode.set(e.nodeName!, [e]);
      if (e.hostIP) { const k = addressKey(e.hostIP); if (!this.byHostIP.has(k)) this.byHostIP.set(k, e.nodeName!); }
    }
  }

  /**
   * The node whose address `a` is by a forwarding pod's status.hostIP (the kubelet reports its node's
   * address there): the portmap DNAT on that node answers at it even when the input has no Node.
   */
  nodeAt(a: Address): string | undefined {
    return this.byHostIP.get(addressKey(a));
  }

  /** Whether some pod maps a hostPort. */
  get any(): boolean { return this.byNode.size > 0; }

  /** Whether a pod on node `name` maps a hostPort. */
  onNode(name: string): boolean { return this.byNode.has(name); }

  /** The pods of node `name` that map hostPorts (those forwardsHostPorts accepts). */
  podsOn(name: string): readonly Endpoint[] { return this.byNode.get(name) ?? []; }

  /** Where the node `name` forwards `protocol`/`port` addressed to its address `to`; undefined: it does not. */
  target(name: string, to: Address, protocol: Protocol, port: number): HostPortTarget | undefined {
    let found: HostPortTarget | undefined;
    for (const pod of this.podsOn(name)) {
      const p = pod.ports.find((q) => q.hostPort === port && q.protocol === protocol && hostIPMatches(q, to));
      const address = p && pod.addresses.find((a) => a.family === to.family);
      if (!p || !address) continue;
      if (found) found.others.push(pod); else found = { pod, port: p, address, others: [] };
    }
    return found;
  }
}

/** A pod the portmap plugin forwards to: scheduled (nodeName), on the pod network, with a hostPort (HostPortIndex holds these). */
export function forwardsHostPorts(e: Endpoint): boolean {
  return e.kind === "pod" && e.nodeName !== undefined && e.hostNetwork !== true && e.fromTemplate !== true && e.ports.some((p) => p.hostPort !== undefined);
}

/**
 * fillDnatRules' hostIP test for a port with a hostPort: none or unspecified (0.0.0.0, ::) of the
 * family: every address of it; else that address; a hostIP that is no address: none.
 */
export function hostIPMatches(p: NamedPort, to: Address): boolean {
  const hostIP = p.hostIP;
  if (p.hostIPInvalid) return false;
  return hostIP === undefined || (hostIP.family === to.family && (hostIP.value === 0n || hostIP.value === to.value));
}
