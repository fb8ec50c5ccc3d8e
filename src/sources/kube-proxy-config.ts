// kube-proxy's configuration file as kubeadm installs it: the ConfigMap kube-system/kube-proxy, whose
// key config.conf is a KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) that the kube-proxy
// DaemonSet mounts and passes as --config (cmd/kubeadm/app/phases/addons/proxy). kube-proxy decodes it
// with sigs.k8s.io/yaml (as kubectl reads manifests: kubeyaml.ts) and refuses to start on what its
// validation refuses (pkg/proxy/apis/config/validation validateKubeProxyConfiguration): those are
// errors here. The fields that decide an answer are read into the model (model/kube-proxy-config.ts).

import { parseKubeYaml } from "./kubeyaml.js";
import { Field } from "./fields.js";
import type { InventoryBuilder } from "./builder.js";
import type { Meta } from "./k8s.js";
import { parseCidr, type Cidr } from "../model/ip.js";
import { LOCAL_MODES, PROXY_MODES, type KubeProxyConfig, type LocalMode, type ProxyMode } from "../model/kube-proxy-config.js";

export const KUBE_PROXY_CONFIGMAP = { namespace: "kube-system", name: "kube-proxy", key: "config.conf" };
const API_VERSION = "kubeproxy.config.k8s.io/v1alpha1";

/** Reads kube-proxy's configuration when `meta` names kubeadm's kube-proxy ConfigMap; other ConfigMaps are left alone. */
export function readKubeProxyConfig(root: Field, meta: Meta, b: InventoryBuilder): void {
  if (meta.namespace !== KUBE_PROXY_CONFIGMAP.namespace || meta.name !== KUBE_PROXY_CONFIGMAP.name) return;
  const text = root.get("data").get(KUBE_PROXY_CONFIGMAP.key);
  const yaml = text.string();
  if (yaml === undefined) return;
  let parsed: unknown;
  try { parsed = parseKubeYaml(yaml) ?? {}; } catch (e) {
    text.error("invalid-value", `not YAML: ${(e as Error).message.split("\n")[0]} (kube-proxy refuses this configuration)`);
    return;
  }
  const cfg = new Field(root.ctx, parsed, ["data", KUBE_PROXY_CONFIGMAP.key]);
  if (!cfg.object()) return;
  const apiVersion = cfg.childString("apiVersion"), kind = cfg.childString("kind");
  if (apiVersion !== API_VERSION || kind !== "KubeProxyConfiguration") {
    cfg.error("invalid-value", `${JSON.stringify(`${apiVersion ?? ""}, ${kind ?? ""}`)}: kube-proxy's configuration is apiVersion ${API_VERSION}, kind KubeProxyConfiguration (kube-proxy refuses another)`);
    return;
  }
  const out: KubeProxyConfig = { where: `ConfigMap ${KUBE_PROXY_CONFIGMAP.namespace}/${KUBE_PROXY_CONFIGMAP.name} ${KUBE_PROXY_CONFIGMAP.key}` };
  unknownFields(cfg, FIELDS, "KubeProxyConfiguration");
  for (const [section, names] of Object.entries(SECTIONS)) if (cfg.get(section).object()) unknownFields(cfg.get(section), names, section);
  const mode = enumString(cfg.get("mode"), PROXY_MODES);
  if (mode) out.mode = mode as ProxyMode;
  const local = enumString(cfg.get("detectLocalMode"), LOCAL_MODES);
  if (local) out.detectLocalMode = local as LocalMode;
  const cidrs = cfg.get("clusterCIDR"), cidrText = cidrs.string();
  if (cidrText) {
    const parsedCidrs = clusterCidrs(cidrText);
    if (typeof parsedCidrs === "string") cidrs.error("invalid-cidr", `${parsedCidrs} (kube-proxy refuses this configuration)`);
    else out.clusterCIDR = parsedCidrs;
  }
  // Convert_v1alpha1_KubeProxyConfiguration_To_config_KubeProxyConfiguration: nftables mode reads nftables.masqueradeAll, the others iptables.masqueradeAll.
  const masq = cfg.get(mode === "nftables" ? "nftables" : "iptables").childBool("masqueradeAll");
  if (masq !== undefined) out.masqueradeAll = masq;
  const npa = cfg.get("nodePortAddresses"), items = npa.list();
  if (items?.length) {
    const texts = items.map((f) => f.string({ required: true }));
    const parsedAddresses = nodePortAddresses(texts.filter((t): t is string => t !== undefined));
    if (typeof parsedAddresses === "object" && "problem" in parsedAddresses) npa.error("invalid-cidr", `${parsedAddresses.problem} (kube-proxy refuses this configuration)`);
    else out.nodePortAddresses = parsedAddresses;
  }
  if (b.inv.kubeProxy) cfg.warn("kube-proxy-config", `a second kube-proxy configuration: this one is read`);
  b.inv.kubeProxy = out;
}

/** A string of `values`, or "" (unset: the default); another is an error naming the values (the empty string not listed). */
function enumString(f: Field, values: readonly string[]): string | undefined {
  const v = f.string();
  if (v === undefined || v === "" || values.includes(v)) return v;
  return f.error("enum", `${JSON.stringify(v)} is not one of ${values.join(", ")} (or unset) (kube-proxy refuses this configuration)`);
}

// The fields of KubeProxyConfiguration v1alpha1 (k8s.io/kube-proxy/config/v1alpha1 types.go) and of its sections read here.
const FIELDS = ["apiVersion", "kind", "featureGates", "clientConnection", "logging", "hostnameOverride", "bindAddress", "healthzBindAddress",
  "metricsBindAddress", "bindAddressHardFail", "enableProfiling", "showHiddenMetricsForVersion", "mode", "iptables", "ipvs", "nftables",
  "winkernel", "detectLocalMode", "detectLocal", "clusterCIDR", "nodePortAddresses", "oomScoreAdj", "conntrack", "configSyncPeriod",
  "portRange", "windowsRunAsService"];
const SECTIONS: Record<string, readonly string[]> = {
  iptables: ["masqueradeBit", "masqueradeAll", "localhostNodePorts", "snatNodeInternalIP", "syncPeriod", "minSyncPeriod"],
  nftables: ["masqueradeBit", "masqueradeAll", "syncPeriod", "minSyncPeriod"],
  ipvs: ["syncPeriod", "minSyncPeriod", "scheduler", "excludeCIDRs", "strictARP", "tcpTimeout", "tcpFinTimeout", "udpTimeout"],
  detectLocal: ["bridgeInterface", "interfaceNamePrefix"],
};

/**
 * A field KubeProxyConfiguration does not have: kube-proxy's strict decoding fails on it, and its
 * lenient decoding of v1alpha1 then reads the rest without it, logging a warning (cmd/kube-proxy/app
 * options.go loadConfig): a warning here, the field ignored (a misspelt masqueradeAll is not set).
 */
function unknownFields(f: Field, names: readonly string[], what: string): void {
  for (const k of f.keys()) {
    if (!names.includes(k)) f.get(k).warn("unknown-field", `unknown field ${JSON.stringify(k)} in ${what}: kube-proxy ignores it (its lenient decoding, with a logged warning) and so does Junction`);
  }
}

/**
 * clusterCIDR (or --cluster-cidr): comma-separated CIDRs, at most one per family
 * (validateDualStackCIDRStrings); a problem in words when it is not that.
 */
export function clusterCidrs(text: string): Cidr[] | string {
  const out: Cidr[] = [];
  for (const part of text.split(",")) {
    const c = parseCidr(part.trim());
    if (!c) return `${JSON.stringify(part)} must be a valid CIDR block (e.g. 10.100.0.0/16 or fde4:8dba:82e1::/48)`;
    out.push(c);
  }
  if (out.length > 2 || (out.length === 2 && out[0].family === out[1].family)) return "may only contain at most one IPv4 and one IPv6 CIDR (a dual-stack pair)";
  return out;
}

/** nodePortAddresses (or --nodeport-addresses): CIDRs, or "primary" alone (validateNodePortAddresses); the problem in words when not. */
export function nodePortAddresses(texts: readonly string[]): readonly Cidr[] | "primary" | { problem: string } {
  if (texts.includes("primary")) return texts.length === 1 ? "primary" : { problem: `nodePortAddresses ${JSON.stringify(texts)}: can't use both 'primary' and CIDRs` };
  const out: Cidr[] = [];
  for (const t of texts) {
    const c = parseCidr(t.trim());
    if (!c) return { problem: `nodePortAddresses: ${JSON.stringify(t)} must be a valid CIDR` };
    out.push(c);
  }
  return out;
}
