// kube-proxy's own configuration, where it decides what a Service's endpoints see or which node
// addresses serve its node ports (engine/kube-proxy.ts). Read from where the input shows it
// (sources/kube-proxy-config.ts: the kube-proxy DaemonSet's flags, or the KubeProxyConfiguration its
// --config mounts from a ConfigMap; without a DaemonSet, kubeadm's ConfigMap kube-system/kube-proxy
// config.conf, else EKS's kube-system/kube-proxy-config config) and from the CLI's options of the same names as kube-proxy's flags (--proxy-mode, --cluster-cidr,
// --masquerade-all, --nodeport-addresses, --detect-local-mode, --iptables-localhost-nodeports), which
// replace what the input says.
//
//   mode              iptables (the Linux default: cmd/kube-proxy/app/server_linux.go
//                     platformApplyDefaults), ipvs or nftables. The iptables and nftables proxiers write
//                     the same masquerade decisions (pkg/proxy/{iptables,nftables}/proxier.go
//                     syncProxyRules); nftables defaults nodePortAddresses to "primary" (the same
//                     platformApplyDefaults, and the nftables backend's Init). ipvs: see kube-proxy.ts.
//   clusterCIDR       the ranges of the cluster's pods (comma-separated, one per family): with
//                     detectLocalMode ClusterCIDR (the default) a source inside them is "local" (a pod),
//                     and without them kube-proxy has no local-traffic detector at all
//                     (proxyutil.NewNoOpLocalDetector: IsImplemented false).
//   masqueradeAll     iptables.masqueradeAll (nftables.masqueradeAll in nftables mode:
//                     Convert_v1alpha1_KubeProxyConfiguration_To_config_KubeProxyConfiguration): every
//                     connection to a cluster IP is masqueraded.
//   nodePortAddresses CIDRs of the node addresses that serve node ports, and "primary" (the node's first
//                     address of each family, as the Node object lists them); unset: every local address.
//                     kube-proxy v1.37 (kubernetes#138427) also takes the keywords "localhost" (the node's
//                     loopback addresses, 127.0.0.1/32 and ::1/128) and "all" (0.0.0.0/0 and ::/0), in any
//                     combination with "primary" and CIDRs; before it, "primary" alone (v1.30 on) or CIDRs.
//   localhostNodePorts iptables.localhostNodePorts (--iptables-localhost-nodeports; default true): the
//                     iptables mode serves node ports on 127.0.0.0/8 to the node's own connections
//                     (engine/kube-proxy.ts loopbackNodePortRefusal).
//   localhostProxy    the feature gate KubeProxyNFTablesLocalhostNodePorts (kube-proxy v1.37, alpha: off
//                     unless given; featureGates, --feature-gates): nftables mode's userspace proxy for
//                     node ports on 127.0.0.1 and ::1 (kubernetes#138427).

import type { Cidr } from "./ip.js";

/**
 * nodePortAddresses as kube-proxy resolves it (cmd/kube-proxy/app/server.go): its CIDRs (the
 * keywords "localhost" and "all" as theirs: 127.0.0.1/32 and ::1/128, 0.0.0.0/0 and ::/0), and
 * whether "primary" is among them (each node's primary address of a family, resolved per node:
 * engine/kube-proxy.ts nodePortCidrs); `text`: as written.
 */
export interface NodePortAddresses { cidrs: readonly Cidr[]; primary: boolean; text: string }

/** nftables mode's default (platformApplyDefaults, the nftables backend's Init): "primary". */
export const PRIMARY_ONLY: NodePortAddresses = Object.freeze({ cidrs: Object.freeze([]) as readonly Cidr[], primary: true, text: "primary" });

export type ProxyMode = "iptables" | "ipvs" | "nftables";
export const PROXY_MODES: readonly ProxyMode[] = ["iptables", "ipvs", "nftables"];
export type LocalMode = "ClusterCIDR" | "NodeCIDR" | "BridgeInterface" | "InterfaceNamePrefix";
export const LOCAL_MODES: readonly LocalMode[] = ["ClusterCIDR", "NodeCIDR", "BridgeInterface", "InterfaceNamePrefix"];

/** What the input (or the options) say of kube-proxy's configuration; unset fields: not said. */
export interface KubeProxyConfig {
  /** Where it was read, in words (e.g. "ConfigMap kube-system/kube-proxy"). */
  where: string;
  mode?: ProxyMode;
  clusterCIDR?: readonly Cidr[];
  detectLocalMode?: LocalMode;
  masqueradeAll?: boolean;
  nodePortAddresses?: NodePortAddresses;
  /** iptables.localhostNodePorts (--iptables-localhost-nodeports). */
  localhostNodePorts?: boolean;
  /** The feature gate KubeProxyNFTablesLocalhostNodePorts (featureGates, --feature-gates). */
  localhostProxy?: boolean;
}

/** kube-proxy's configuration with its defaults, as the data path reads it. */
export interface KubeProxySetup {
  /** The input or the options show it: unknown, Junction answers as before it read it (a detector that sees every pod, no masquerade to a cluster IP). */
  known: boolean;
  where: string;
  mode: ProxyMode;
  masqueradeAll: boolean;
  /**
   * The local-traffic detector: undefined when kube-proxy has none (detectLocalMode ClusterCIDR
   * without clusterCIDR); `cidrs`: a source is local when in them (ClusterCIDR); without: the
   * translating node's own pods (NodeCIDR: its podCIDR; BridgeInterface, InterfaceNamePrefix: its pod
   * interfaces; engine/kube-proxy.ts localTraffic).
   */
  local?: { cidrs?: readonly Cidr[]; mode: LocalMode };
  /** undefined: every address of the node. */
  nodePortAddresses?: NodePortAddresses;
  /** iptables.localhostNodePorts as given (default true); whether it serves 127.0.0.1 also depends on the mode and nodePortAddresses. */
  localhostNodePorts: boolean;
  /** The feature gate KubeProxyNFTablesLocalhostNodePorts (default off). */
  localhostProxy: boolean;
}

const UNKNOWN: KubeProxySetup = Object.freeze({ known: false, where: "", mode: "iptables", masqueradeAll: false, localhostNodePorts: true, localhostProxy: false, local: Object.freeze({ mode: "ClusterCIDR" as LocalMode }) });

/** The setup from the input's configuration and the options' (each field given replaces the input's). */
export function kubeProxySetup(input: KubeProxyConfig | undefined, given?: KubeProxyConfig): KubeProxySetup {
  if (!input && !given) return UNKNOWN;
  const c: Omit<KubeProxyConfig, "where"> = { ...input, ...definedOf(given) };
  const where = [input?.where, given?.where].filter(Boolean).join("; ");
  const mode = c.mode ?? "iptables";
  const localMode = c.detectLocalMode ?? "ClusterCIDR";
  const local = localMode !== "ClusterCIDR" ? { mode: localMode } : c.clusterCIDR?.length ? { mode: localMode, cidrs: c.clusterCIDR } : undefined;
  const nodePortAddresses = c.nodePortAddresses ?? (mode === "nftables" ? PRIMARY_ONLY : undefined);
  return { known: true, where, mode, masqueradeAll: c.masqueradeAll ?? false, localhostNodePorts: c.localhostNodePorts ?? true, localhostProxy: c.localhostProxy ?? false, ...(local ? { local } : {}), ...(nodePortAddresses ? { nodePortAddresses } : {}) };
}

function definedOf(c: KubeProxyConfig | undefined): Partial<KubeProxyConfig> {
  if (!c) return {};
  const out: Partial<KubeProxyConfig> = {};
  for (const [k, v] of Object.entries(c)) if (v !== undefined && k !== "where") (out as Record<string, unknown>)[k] = v;
  return out;
}

/** The setup in words, for answers that depend on it. */
export function setupText(s: KubeProxySetup): string {
  if (!s.known) return "kube-proxy's configuration is not in the input";
  const local = s.local ? (s.local.cidrs ? `clusterCIDR ${s.local.cidrs.map((c) => c.text).join(",")}` : `detectLocalMode ${s.local.mode}`) : "no clusterCIDR (no local-traffic detector)";
  return `kube-proxy mode ${s.mode}, ${local}${s.masqueradeAll ? ", masqueradeAll" : ""} (${s.where})`;
}
