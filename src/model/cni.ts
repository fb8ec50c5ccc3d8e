// The CNIs Junction recognises by the name of their DaemonSet (or its pods): what the input shows of
// the cluster's data plane (conformance scs-0219's CNI decision; the engine's --own-node=auto; Cilium's
// reading of NetworkPolicy ipBlocks).

import type { Inventory } from "./inventory.js";
import { policyName, type Policy } from "./policy.js";
import type { Controller, Endpoint, Service } from "./endpoint.js";
import { contains, type Address, type Cidr } from "./ip.js";

export interface Cni {
  /** The product's name as reported. */
  name: string;
  /** Whether it enforces NetworkPolicy. */
  enforces: boolean;
  /** The data plane whose semantics Junction follows where they differ (Calico: also Canal's policy agent). */
  family?: "calico" | "cilium";
}

const CNIS: readonly (Cni & { pattern: RegExp })[] = [
  { pattern: /^calico-node$/, name: "Calico", enforces: true, family: "calico" },
  { pattern: /^canal$/, name: "Canal (Calico policy)", enforces: true, family: "calico" },
  { pattern: /^cilium$/, name: "Cilium", enforces: true, family: "cilium" },
  { pattern: /^antrea-agent$/, name: "Antrea", enforces: true },
  { pattern: /^kube-router$/, name: "kube-router", enforces: true },
  { pattern: /^weave-net$/, name: "Weave Net", enforces: true },
  { pattern: /^ovnkube-node$/, name: "OVN-Kubernetes", enforces: true },
  { pattern: /^kube-ovn-cni$/, name: "Kube-OVN", enforces: true },
  { pattern: /^azure-npm$/, name: "Azure Network Policy Manager", enforces: true },
  { pattern: /^kube-network-policies$/, name: "kube-network-policies", enforces: true },
  { pattern: /^(kube-)?flannel(-ds)?$/, name: "Flannel (no NetworkPolicy enforcement)", enforces: false },
];

/** The CNI a DaemonSet (or a pod's name without its suffix) of this name is, if known. */
export function cniOfDaemonSet(name: string): Cni | undefined {
  const c = CNIS.find((x) => x.pattern.test(name));
  return c && { name: c.name, enforces: c.enforces, ...(c.family ? { family: c.family } : {}) };
}

/** A CNI the input shows, and the object that shows it. */
export interface InputCni { family: "calico" | "cilium"; why: string }

/**
 * The CNIs the input shows: Cilium (its policies, a DaemonSet cilium, the agent's ConfigMap
 * cilium-config) and Calico (its policies, a DaemonSet calico-node or canal, a FelixConfiguration);
 * the first object found names each.
 */
export function inputCnis(inv: Inventory): InputCni[] {
  const out: InputCni[] = [];
  // The first policy of each family and the first DaemonSet of each, in one pass over each list (a
  // cluster dump has tens of thousands of controllers and policies, read scattered in the heap).
  let cilium: Policy | undefined, calico: Policy | undefined;
  for (let i = 0; i < inv.policies.length && !(cilium && calico); i++) {
    const p = inv.policies[i];
    if (!cilium && p.kind.startsWith("Cilium")) cilium = p;
    else if (!calico && p.kind.startsWith("Calico ")) calico = p;
  }
  let ciliumDs: Controller | undefined, calicoDs: Controller | undefined;
  for (let i = 0; i < inv.controllers.length && !(ciliumDs && calicoDs); i++) {
    const c = inv.controllers[i];
    if (c.kind !== "DaemonSet") continue;
    const family = cniOfDaemonSet(c.name)?.family;
    if (family === "cilium") ciliumDs ??= c;
    else if (family === "calico") calicoDs ??= c;
  }
  const ciliumWhy = inv.ciliumAgent ? `ConfigMap ${inv.ciliumAgent.where}` : cilium ? `${cilium.kind} ${policyName(cilium)}` : ciliumDs ? `DaemonSet ${ciliumDs.namespace}/${ciliumDs.name}` : undefined;
  if (ciliumWhy) out.push({ family: "cilium", why: `Cilium (${ciliumWhy})` });
  const felix = inv.calicoFelix?.shownBy;
  const calicoWhy = calico ? `${calico.kind} ${policyName(calico)}` : calicoDs ? `DaemonSet ${calicoDs.namespace}/${calicoDs.name}` : felix;
  if (calicoWhy) out.push({ family: "calico", why: `Calico (${calicoWhy})` });
  return out;
}

/**
 * Felix's DefaultEndpointToHostAction: what a pod's traffic to its own host meets once its egress
 * policy has allowed it (rules/static.go filterWorkloadToHostChain: jump to cali-from-wl-dispatch,
 * then the "Configured DefaultEndpointToHostAction" rule): Drop, Accept, or Return to the host's
 * INPUT chain, whose own rules decide (iptables' default policy accepts).
 */
export type EndpointToHostAction = "Accept" | "Drop" | "Return";

/** A setting of it the input shows, and where (for explanations and warnings). */
export interface FelixSetting { action: EndpointToHostAction; where: string }

/** What the input shows of felix's configuration (sources/calico/felix.ts reads it). */
export interface CalicoFelix {
  /** FelixConfiguration objects that set defaultEndpointToHostAction, by name (`default`, `node.NAME`). */
  configs: Map<string, FelixSetting>;
  /**
   * The calico-node (or canal) DaemonSet: its felix container's FELIX_DEFAULTENDPOINTTOHOSTACTION
   * (`setting`), or "unresolved" (set from a ConfigMap or Secret: valueFrom), or neither (not set).
   */
  daemonSet?: { where: string; setting?: FelixSetting | "unresolved" };
  /** The first FelixConfiguration read (it shows Calico, whatever it sets). */
  shownBy?: string;
  /** The eBPF data plane, when the input sets bpfEnabled (the environment's FELIX_BPFENABLED, else FelixConfiguration default). */
  bpf?: FelixBpf;
  /** felix's release (v3.MINOR.PATCH), from the image tag of the calico-node DaemonSet's container; undefined: not shown. */
  release?: { minor: number; patch: number; where: string };
  /** natOutgoingExclusions (FELIX_NATOUTGOINGEXCLUSIONS, else FelixConfiguration default): IPPoolsAndHostIPs leaves host addresses out of natOutgoing. */
  natOutgoingExclusions?: { hostIPs: boolean; where: string };
  /** natOutgoingExclusions of a node's own FelixConfiguration node.NAME, by node name, where the environment does not set it. */
  natOutgoingExclusionsOn?: Record<string, { hostIPs: boolean; where: string }>;
}

/** The natOutgoingExclusions felix on node `name` applies: its own FelixConfiguration's, else the cluster's. */
export function natOutgoingExclusionsOn(felix: CalicoFelix | undefined, name: string): { hostIPs: boolean; where: string } | undefined {
  const own = felix?.natOutgoingExclusionsOn;
  return own && Object.hasOwn(own, name) ? own[name] : felix?.natOutgoingExclusions;
}

/** The action a node's felix applies, and why. */
export interface HostAction { action: EndpointToHostAction; why: string }

/** Per node (by name) and for every other node: what felix does with a pod's traffic to its own host. */
export interface ToHost { nodes: Record<string, HostAction>; others: HostAction }

/**
 * Felix's DefaultEndpointToHostAction per node, as felix resolves its configuration (config_params.go:
 * environment variables, then the per-host FelixConfiguration `node.NAME`, then the global one
 * `default`, then the built-in default DROP): the calico-node DaemonSet's environment when the input
 * shows it, else the FelixConfigurations, else felix's default when the DaemonSet is shown without the
 * variable. When the input shows no DaemonSet, Calico's manifests and operator are assumed: they set
 * FELIX_DEFAULTENDPOINTTOHOSTACTION=ACCEPT on calico-node (manifests/calico.yaml; tigera/operator
 * render/node.go), which felix reads before any FelixConfiguration; a FelixConfiguration that says
 * otherwise is still read as given (sources/calico/felix.ts warns on it): the stricter reading.
 */
/** The DaemonSet's FELIX_DEFAULTENDPOINTTOHOSTACTION when the input shows its value (felix reads it before any FelixConfiguration). */
export function felixEnvSetting(felix: CalicoFelix | undefined): FelixSetting | undefined {
  const setting = felix?.daemonSet?.setting;
  return typeof setting === "object" ? setting : undefined;
}

export function felixToHost(felix: CalicoFelix | undefined): ToHost {
  const ds = felix?.daemonSet, env = felixEnvSetting(felix);
  if (env) return { nodes: {}, others: { action: env.action, why: `${env.where} (felix reads its environment before any FelixConfiguration)` } };
  const nodes: Record<string, HostAction> = {};
  for (const [name, s] of felix?.configs ?? []) if (name.startsWith("node.")) nodes[name.slice(5)] = { action: s.action, why: s.where };
  const global = felix?.configs.get("default");
  const others: HostAction = global ? { action: global.action, why: global.where }
    : ds && ds.setting === undefined ? { action: "Drop", why: `felix's default: DaemonSet ${ds.where} does not set FELIX_DEFAULTENDPOINTTOHOSTACTION and no FelixConfiguration sets defaultEndpointToHostAction` }
    : { action: "Accept", why: ds ? `DaemonSet ${ds.where} sets FELIX_DEFAULTENDPOINTTOHOSTACTION from a reference the input does not resolve: read as Accept, as Calico's manifests and operator set it` : "not shown in the input: Accept, as Calico's manifests and operator set it (FELIX_DEFAULTENDPOINTTOHOSTACTION on calico-node)" };
  return { nodes, others };
}

/** The action felix on node `name` applies (felixToHost). */
export function hostActionOn(t: ToHost, name: string): HostAction {
  return Object.hasOwn(t.nodes, name) ? t.nodes[name] : t.others;
}

/** Felix's eBPF data plane as the input shows it: bpfEnabled, bpfExternalServiceMode, and where each is set. */
export interface FelixBpf { enabled: boolean; where: string; externalServiceMode?: { mode: "Tunnel" | "DSR"; where: string } }

/** What the Cilium agent's options say of its Service data path (its ConfigMap cilium-config). */
export interface CiliumServiceOptions {
  /** kube-proxy-replacement "true" (or "strict" in releases before 1.15): the agent serves node ports, load balancer addresses and external IPs in BPF. */
  kubeProxyReplacement: boolean;
  /** bpf-lb-mode (default snat). */
  lbMode: "snat" | "dsr" | "hybrid";
  /** bpf-lb-mode-annotation: a Service's service.cilium.io/forwarding-mode (snat or dsr) replaces bpf-lb-mode for it. */
  lbModeAnnotation?: true;
}

/** The annotation by which a Service picks its own Cilium forwarding mode (honoured under bpf-lb-mode-annotation). */
export const CILIUM_FORWARDING_MODE = "service.cilium.io/forwarding-mode";

/**
 * The data path that serves a Service's node ports, load balancer addresses and external IPs (what
 * the backend sees as the source; engine/kube-proxy.ts kubeProxyPath follows it):
 * - kube-proxy (the default): its iptables/nftables rules.
 * - Cilium's kube-proxy replacement (cilium-config kube-proxy-replacement "true" or "strict"): a pod's
 *   or a node's connection is translated at its own socket (bpf/bpf_sock.c; the pod's tc program
 *   without socket-LB), its source kept; a connection from outside is translated at the node it
 *   enters (bpf/lib/nodeport.h nodeport_lb4): a backend there gets it with the client's address, a
 *   backend on another node with the client's address under DSR (nodeport_uses_dsr: bpf-lb-mode dsr,
 *   hybrid for TCP) and SNATed to the entry node's address otherwise (snat, hybrid for UDP and SCTP:
 *   CILIUM_CALL_IPV4_NODEPORT_NAT_FWD).
 * - Calico's eBPF data plane (felix bpfEnabled): connect-time load balancing at the client, and from
 *   outside the client's address kept to every backend (bpfExternalServiceMode Tunnel forwards to the
 *   backend's node in a tunnel, DSR likewise; "preserves external client source IP addresses all the
 *   way to the pod", Calico's eBPF documentation).
 */
export type ServiceDataPath =
  | { kind: "kube-proxy" }
  | { kind: "cilium"; mode: CiliumServiceOptions["lbMode"]; where: string; annotated?: string }
  | { kind: "calico-ebpf"; mode: "Tunnel" | "DSR"; where: string };

/**
 * The Service data path the input shows (ServiceDataPath): Cilium's kube-proxy replacement, else
 * Calico's eBPF data plane, else kube-proxy. For `service`, Cilium's mode is the Service's own when
 * the agent honours its annotation (pkg/loadbalancer/reflectors convertService: `if
 * cfg.LBModeAnnotation` the annotation's mode, else the default; bpf/lib/nodeport.h
 * nodeport_uses_dsr under ENABLE_DSR_BYUSER: the Service's SVC_FLAG_FWD_MODE_DSR).
 */
export function serviceDataPath(inv: Inventory, service?: Service): ServiceDataPath {
  const agent = inv.ciliumAgent;
  if (agent?.services?.kubeProxyReplacement) {
    const own = agent.services.lbModeAnnotation ? service?.ciliumForwardingMode : undefined;
    if (own) return { kind: "cilium", mode: own, where: `ConfigMap ${agent.where}`, annotated: `${CILIUM_FORWARDING_MODE}: ${own} on Service ${service!.namespace}/${service!.name}` };
    return { kind: "cilium", mode: agent.services.lbMode, where: `ConfigMap ${agent.where}` };
  }
  const bpf = inv.calicoFelix?.bpf;
  if (bpf?.enabled) return { kind: "calico-ebpf", mode: bpf.externalServiceMode?.mode ?? "Tunnel", where: bpf.where };
  return { kind: "kube-proxy" };
}

/** The data path's name in explanations. */
export function dataPathLabel(p: ServiceDataPath): string {
  switch (p.kind) {
    case "kube-proxy": return "kube-proxy";
    case "cilium": return `Cilium's kube-proxy replacement (${p.annotated ? `${p.annotated}, bpf-lb-mode-annotation in ${p.where}` : `bpf-lb-mode ${p.mode}, ${p.where}`})`;
    case "calico-ebpf": return `Calico's eBPF data plane (bpfExternalServiceMode ${p.mode}, ${p.where})`;
  }
}

/** An IP pool's encapsulation for one tunnel kind (IPPool ipipMode, vxlanMode; unset: Never). */
export type EncapMode = "Always" | "CrossSubnet" | "Never";

/** A Calico IP pool (projectcalico.org/v3 or crd.projectcalico.org/v1 IPPool; sources/calico/ippool.ts). */
export interface IpPool {
  name: string;
  cidr: Cidr;
  /** felix masquerades its pods' traffic to destinations outside every pool (engine/verdict.ts natOutgoingSource). */
  natOutgoing: boolean;
  /** Whether a node's traffic to a pod of the pool on another node goes down a tunnel (engine/verdict.ts tunnelSource). */
  ipipMode: EncapMode;
  vxlanMode: EncapMode;
  /** IPAM assigns no new address from it; its existing addresses stay, and felix still counts it among the pools. */
  disabled: boolean;
  where: string;
}

/** The pool an address is in: Calico refuses overlapping pools, so the first that contains it (disabled or not). */
export function poolOf(pools: readonly IpPool[] | undefined, a: Address): IpPool | undefined {
  if (!pools) return undefined;
  for (const p of pools) if (contains(p.cidr, a)) return p;
  return undefined;
}

/**
 * Calico's natOutgoing decision (felix rules/nat.go NATOutgoingChain: `-m set --match-set masq-ipam-pools
 * src -m set ! --match-set all-ipam-pools dst -j MASQUERADE` in POSTROUTING, masq_mgr.go): the pool
 * whose natOutgoing masquerades a pod's traffic from `from` (the pod on node `podNode`) to `to`, which
 * is an address of node `host` (undefined: no node's) or of nothing: `to` outside every pool, not on the
 * pod's own node (delivered locally, never through POSTROUTING), and not a host address under the pod's
 * node's natOutgoingExclusions IPPoolsAndHostIPs. Undefined when nothing masquerades it.
 */
export function natOutgoingPool(pools: readonly IpPool[] | undefined, felix: CalicoFelix | undefined, podNode: string, from: Address, to: Address, host: string | undefined): IpPool | undefined {
  const pool = poolOf(pools, from);
  if (!pool?.natOutgoing || poolOf(pools, to) || host === podNode) return undefined;
  if (host !== undefined && natOutgoingExclusionsOn(felix, podNode)?.hostIPs) return undefined;
  return pool;
}

/**
 * Whether node `b` is in node `a`'s subnet, as felix decides CrossSubnet (SameSubnet: the subnet of
 * a's BGP address, projectcalico.org/IPv4Address or IPv6Address as calico-node records it on its
 * Node, contains b's address: its own such annotation's, else its first address of the family);
 * undefined when the input does not show a's subnet or b's address.
 */
export function sameNodeSubnet(a: Endpoint, b: Endpoint | undefined, family: 4 | 6): boolean | undefined {
  const subnet = family === 4 ? a.tunnels?.subnetV4 : a.tunnels?.subnetV6;
  const address = b && ((family === 4 ? b.tunnels?.bgpV4 : b.tunnels?.bgpV6) ?? b.addresses.find((x) => x.family === family));
  return subnet && address ? contains(subnet, address) : undefined;
}
