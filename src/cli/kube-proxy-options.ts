// kube-proxy's configuration as options, named as kube-proxy's own flags (cmd/kube-proxy/app/options.go):
// each one given replaces what the input says (sources/kube-proxy-config.ts: the kube-proxy DaemonSet's
// flags or the ConfigMap its --config mounts, else ConfigMap kube-system/kube-proxy or kube-proxy-config)
// (model/kube-proxy-config.ts, engine/kube-proxy.ts).

import { LOCAL_MODES, PROXY_MODES, type KubeProxyConfig, type LocalMode, type ProxyMode } from "../model/kube-proxy-config.js";
import { clusterCidrs, flagList, nodePortAddresses } from "../sources/kube-proxy-config.js";
import { UsageError, str, type OptionSpec, type Values } from "./command.js";

const FROM = "(default: the input's, from the kube-proxy DaemonSet or its ConfigMap";

export const KUBE_PROXY_OPTIONS: Record<string, OptionSpec> = {
  "proxy-mode": { type: "string", arg: "MODE", choices: PROXY_MODES, description: `kube-proxy's mode: iptables, ipvs or nftables ${FROM}, else iptables); nftables serves node ports on each node's primary address unless --nodeport-addresses says otherwise` },
  "cluster-cidr": { type: "string", arg: "CIDRS", description: `kube-proxy's --cluster-cidr, the pods' range (a dual-stack pair comma-separated): a connection to a cluster IP from outside it is masqueraded to the node, and a pod outside it is not told apart for externalTrafficPolicy Local ${FROM}; else not known: sources kept)` },
  "masquerade-all": { type: "boolean", description: `kube-proxy's --masquerade-all: every connection to a cluster IP is masqueraded to the client's node ${FROM})` },
  "nodeport-addresses": { type: "string", arg: "CIDRS|primary", description: `kube-proxy's --nodeport-addresses: the node addresses that serve node ports (comma-separated CIDRs; primary: each node's first address of a family; as kube-proxy v1.37 also localhost (127.0.0.1/32, ::1/128) and all, in any combination) ${FROM}; else every address, or primary under nftables)` },
  "detect-local-mode": { type: "string", arg: "MODE", choices: LOCAL_MODES, description: `kube-proxy's --detect-local-mode: how it tells a pod's traffic ${FROM}, else ClusterCIDR)` },
  "iptables-localhost-nodeports": { type: "string", arg: "true|false", choices: ["true", "false"], description: `kube-proxy's --iptables-localhost-nodeports: whether a node's own connection to 127.0.0.0/8 at a node port reaches the Service (iptables mode, IPv4, nodePortAddresses holding a loopback address; never under nftables or ipvs) ${FROM}, else true)` },
};

/** The kube-proxy options given, as a configuration (undefined: none given). */
export function kubeProxyOptions(values: Values): KubeProxyConfig | undefined {
  const given = Object.keys(KUBE_PROXY_OPTIONS).filter((k) => values[k] !== undefined && values[k] !== false);
  if (!given.length) return undefined;
  const out: KubeProxyConfig = { where: `the option${given.length > 1 ? "s" : ""} ${given.map((k) => `--${k}`).join(", ")}` };
  const mode = str(values, "proxy-mode");
  if (mode) out.mode = mode as ProxyMode;
  const local = str(values, "detect-local-mode");
  if (local) out.detectLocalMode = local as LocalMode;
  const cidrs = str(values, "cluster-cidr");
  if (cidrs !== undefined) {
    const parsed = clusterCidrs(cidrs);
    if (typeof parsed === "string") throw new UsageError(`--cluster-cidr: ${parsed}`);
    out.clusterCIDR = parsed;
  }
  if (values["masquerade-all"] === true) out.masqueradeAll = true;
  const localhost = str(values, "iptables-localhost-nodeports");
  if (localhost !== undefined) out.localhostNodePorts = localhost === "true";
  const npa = str(values, "nodeport-addresses");
  if (npa !== undefined) {
    const list = flagList(npa);
    const parsed = list.length ? nodePortAddresses(list) : undefined;
    if (parsed && "problem" in parsed) throw new UsageError(`--nodeport-addresses: ${parsed.problem}`);
    if (parsed) out.nodePortAddresses = parsed.value;
  }
  return out;
}
