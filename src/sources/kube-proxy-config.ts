// kube-proxy's configuration where clusters keep it, read as kube-proxy reads it:
//  - a KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) file, passed as --config: kubeadm's
//    ConfigMap kube-system/kube-proxy key config.conf (cmd/kubeadm/app/phases/addons/proxy), EKS's
//    kube-system/kube-proxy-config key config, or whichever ConfigMap key the kube-proxy DaemonSet
//    mounts at the --config path;
//  - the kube-proxy DaemonSet's own flags (--proxy-mode, --cluster-cidr, --masquerade-all,
//    --nodeport-addresses, --detect-local-mode, --iptables-localhost-nodeports) when it passes no --config, in its command and args
//    or in the shell line its command runs (sh -c "exec kube-proxy ..."); a static pod's alike (a Pod
//    in kube-system owned by its Node or by no one), over a DaemonSet's.
// With --config the file replaces the flags: cmd/kube-proxy/app/options.go Complete sets o.config to
// the loaded file (only the logging flags and --hostname-override still apply; processV1Alpha1Flags,
// which reads --cluster-cidr, runs only without --config): a flag beside --config is warned about and
// ignored. A kube-proxy DaemonSet in the input decides which ConfigMap counts (another is not read);
// without one, kubeadm's ConfigMap, else EKS's. kube-proxy decodes the file with sigs.k8s.io/yaml (as
// kubectl reads manifests: kubeyaml.ts) and refuses to start on what its validation refuses
// (pkg/proxy/apis/config/validation validateKubeProxyConfiguration): those are errors here, reported
// for the configuration kube-proxy reads only. The fields that decide an answer are read into the
// model (model/kube-proxy-config.ts).

import { embeddedDocument } from "./embedded.js";
import { Field, ObjectContext } from "./fields.js";
import type { InventoryBuilder, StateKey } from "./builder.js";
import type { KindHook } from "./frontend.js";
import type { Meta } from "./k8s.js";
import { jsonKey, parseCidr, type Cidr } from "../model/ip.js";
import { Diagnostics, type Diagnostic, type SourceRef } from "../model/source.js";
import { LOCAL_MODES, PROXY_MODES, type KubeProxyConfig, type LocalMode, type NodePortAddresses, type ProxyMode } from "../model/kube-proxy-config.js";

/** Where installers keep the file when no DaemonSet in the input says: kubeadm's, then EKS's. */
export const KUBE_PROXY_CONFIGMAPS = [
  { namespace: "kube-system", name: "kube-proxy", key: "config.conf" },
  { namespace: "kube-system", name: "kube-proxy-config", key: "config" },
] as const;
const API_VERSION = "kubeproxy.config.k8s.io/v1alpha1";

/** A ConfigMap key read as a KubeProxyConfiguration, with what reading it reported (reported only if kube-proxy reads it). */
interface Candidate { config?: KubeProxyConfig; diags: Diagnostic[]; syntax?: SyntaxCheck; gate?: Field }

/** A nodePortAddresses value read as the newest kube-proxy reads it, which older ones refuse: checked once kube-proxy's version is known (settle). */
interface SyntaxCheck { texts: readonly string[]; field: Field; needs: NodePortSyntax }

/** The kube-proxy DaemonSet's (or static pod's) container: its flags, and the ConfigMap key its --config names. */
interface DaemonSetConfig {
  where: string;
  /** The container (where a warning about this configuration goes). */
  container: Field;
  /** The flags read (none given: kube-proxy's defaults). */
  flags: KubeProxyConfig;
  config?: { field: Field; path: string; configMap?: { namespace: string; name: string; key: string }; problem?: string };
  diags: Diagnostic[];
  /** kube-proxy's minor release (v1.MINOR), from the container's image tag; undefined: not shown. */
  minor?: number;
}

/** kube-proxy's minor release from an image reference's tag (registry.k8s.io/kube-proxy:v1.36.2, .../eks/kube-proxy:v1.29.0-minimal-eksbuild.1). */
export function imageMinor(image: unknown): number | undefined {
  if (typeof image !== "string") return undefined;
  const name = image.split("@")[0], colon = name.lastIndexOf(":");
  if (colon < 0 || name.indexOf("/", colon) >= 0) return undefined;
  const m = /^v?1\.(\d+)(?:[.+-]|$)/.exec(name.slice(colon + 1));
  return m ? Number(m[1]) : undefined;
}

/** The warning on a nodePortAddresses value older kube-proxy releases refuse, where its version is not in the input. */
function syntaxWarning(field: Field, needs: NodePortSyntax, what: string): void {
  field.warn("kube-proxy-config", `${what}: kube-proxy before v1.${needs.minor} refuses ${needs.what} (it does not start), and the input does not show kube-proxy's version (the image tag of its DaemonSet or static pod): read as v1.${needs.minor} and later read it`);
}

interface KubeProxyState {
  /** Candidates by "namespace/name/key" (the last definition of a ConfigMap stands). */
  candidates: Map<string, Candidate>;
  /** Every ConfigMap's string keys and source, by "namespace/name" (to tell a missing ConfigMap from a missing key). */
  configMaps: Map<string, { keys: Set<string>; ref: SourceRef }>;
  daemonSet?: DaemonSetConfig;
  /** The first kube-proxy static pod's (a Pod owned by its Node or by no one): it runs kube-proxy where a DaemonSet may not (GKE's has a nodeSelector no node matches). */
  staticPod?: DaemonSetConfig;
  /** The other static pods' (each runs kube-proxy on its node: what it refuses is reported). */
  otherStaticPods: DaemonSetConfig[];
}

const KUBE_PROXY: StateKey<KubeProxyState> = { make: () => ({ candidates: new Map(), configMaps: new Map(), otherStaticPods: [] }), settle };

/** Records a ConfigMap's keys, and reads those that hold (or are kept at the installers' places for) a KubeProxyConfiguration. */
export function readKubeProxyConfig(root: Field, meta: Meta, b: InventoryBuilder): void {
  const data = root.get("data");
  if (data.value === null || typeof data.value !== "object" || Array.isArray(data.value)) return;
  const entries = Object.entries(data.value as Record<string, unknown>);
  const known = KUBE_PROXY_CONFIGMAPS.filter((c) => c.namespace === meta.namespace && c.name === meta.name).map((c) => c.key as string);
  const wanted = entries.filter(([k, v]) => known.includes(k) || (typeof v === "string" && v.includes("KubeProxyConfiguration")));
  const state = b.state(KUBE_PROXY);
  const id = `${meta.namespace}/${meta.name}`;
  state.configMaps.set(id, { keys: new Set(entries.filter(([, v]) => typeof v === "string").map(([k]) => k)), ref: root.ctx.ref });
  for (const k of [...state.candidates.keys()]) if (k.startsWith(`${id}/`)) state.candidates.delete(k);
  for (const [key] of wanted) {
    // Read into a sink of its own: its problems count only if kube-proxy reads this key (settle).
    const sink = new Diagnostics();
    const own = Field.root(new ObjectContext(root.ctx.ref, sink, root.ctx.kind, root.ctx.root), root.value);
    const parsed = parseConfigText(own.get("data").get(key), ["data", key], `ConfigMap ${id} ${key}`);
    state.candidates.set(`${id}/${key}`, { ...(parsed ? { config: parsed.config, ...(parsed.syntax ? { syntax: parsed.syntax } : {}), ...(parsed.gate ? { gate: parsed.gate } : {}) } : {}), diags: sink.items });
  }
}

/** A KubeProxyConfiguration file's text, as kube-proxy's loadConfig decodes it and its validation checks it. */
function parseConfigText(text: Field, path: (string | number)[], where: string): { config: KubeProxyConfig; syntax?: SyntaxCheck; gate?: Field } | undefined {
  // A duplicate key fails kube-proxy's strict decoding (YAMLToJSONStrict); its lenient decoding of v1alpha1 keeps the last one.
  const cfg = embeddedDocument(text, path, "kube-proxy refuses this configuration", (key) => `duplicate key ${JSON.stringify(key)}: kube-proxy's strict decoding fails on it, and its lenient decoding keeps the last one (with a logged warning); so does Junction`);
  if (!cfg) return undefined;
  const apiVersion = cfg.childString("apiVersion"), kind = cfg.childString("kind");
  if (apiVersion !== API_VERSION || kind !== "KubeProxyConfiguration") {
    cfg.error("invalid-value", `${JSON.stringify(`${apiVersion ?? ""}, ${kind ?? ""}`)}: kube-proxy's configuration is apiVersion ${API_VERSION}, kind KubeProxyConfiguration (kube-proxy refuses another)`);
    return undefined;
  }
  const out: KubeProxyConfig = { where };
  unknownFields(cfg, FIELDS, "KubeProxyConfiguration");
  for (const [section, names] of Object.entries(SECTIONS)) if (cfg.get(section).object()) unknownFields(cfg.get(section), names, section);
  const mode = enumString(cfg.get("mode"), PROXY_MODES);
  if (mode) out.mode = mode as ProxyMode;
  const local = enumString(cfg.get("detectLocalMode"), LOCAL_MODES);
  if (local) out.detectLocalMode = local as LocalMode;
  // validateDetectLocalConfiguration: BridgeInterface and InterfaceNamePrefix need their interface; clusterCIDR is checked (and used) under ClusterCIDR only.
  const iface = local ? INTERFACE_OF[local] : undefined;
  if (iface && !cfg.get("detectLocal").childString(iface.field)) cfg.get("detectLocal").get(iface.field).error("invalid-value", `must not be empty under detectLocalMode ${local} (kube-proxy refuses this configuration)`);
  const cidrs = cfg.get("clusterCIDR"), cidrText = cidrs.string();
  if (cidrText && (!local || local === "ClusterCIDR")) {
    const parsedCidrs = clusterCidrs(cidrText);
    if (typeof parsedCidrs === "string") cidrs.error("invalid-cidr", `${parsedCidrs} (kube-proxy refuses this configuration)`);
    else out.clusterCIDR = parsedCidrs;
  }
  // Convert_v1alpha1_KubeProxyConfiguration_To_config_KubeProxyConfiguration: nftables mode reads nftables.masqueradeAll, the others iptables.masqueradeAll.
  const masq = cfg.get(mode === "nftables" ? "nftables" : "iptables").childBool("masqueradeAll");
  if (masq !== undefined) out.masqueradeAll = masq;
  // (Read in every mode; only the iptables proxier serves node ports on 127.0.0.0/8: engine/kube-proxy.ts loopbackNodePortRefusal.)
  const localhost = cfg.get("iptables").childBool("localhostNodePorts");
  if (localhost !== undefined) out.localhostNodePorts = localhost;
  const gate = cfg.get("featureGates").childBool(LOCALHOST_GATE);
  if (gate !== undefined) out.localhostProxy = gate;
  // (The gate named is checked against kube-proxy's version once it is known: settle, gateRefusal.)
  const named = gate !== undefined ? { gate: cfg.get("featureGates").get(LOCALHOST_GATE) } : {};
  const npa = cfg.get("nodePortAddresses"), items = npa.list();
  if (items?.length) {
    const texts = items.map((f) => f.string({ required: true })).filter((t): t is string => t !== undefined);
    const parsedAddresses = nodePortAddresses(texts);
    if ("problem" in parsedAddresses) npa.error("invalid-cidr", `${parsedAddresses.problem} (kube-proxy refuses this configuration)`);
    else {
      out.nodePortAddresses = parsedAddresses.value;
      if (parsedAddresses.needs) return { config: out, syntax: { texts, field: npa, needs: parsedAddresses.needs }, ...named };
    }
  }
  return { config: out, ...named };
}

/** The interface a detectLocalMode needs (DetectLocalConfiguration's field; kube-proxy's flag). */
const INTERFACE_OF: Record<string, { field: string; flag: string }> = {
  BridgeInterface: { field: "bridgeInterface", flag: "pod-bridge-interface" },
  InterfaceNamePrefix: { field: "interfaceNamePrefix", flag: "pod-interface-name-prefix" },
};

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
    // (Not trimmed: the conversion splits on "," and ParseCIDRSloppy takes no white space.)
    const c = parseCidr(part);
    if (!c) return `${JSON.stringify(part)} must be a valid CIDR block (e.g. 10.100.0.0/16 or fde4:8dba:82e1::/48)`;
    out.push(c);
  }
  if (out.length > 2 || (out.length === 2 && out[0].family === out[1].family)) return "may only contain at most one IPv4 and one IPv6 CIDR (a dual-stack pair)";
  return out;
}

/** A pflag string slice's value (readAsCSV: "" is no item; items split on "," and not trimmed). */
export function flagList(value: string): string[] {
  return value === "" ? [] : value.split(",");
}

/** The nodePortAddresses keywords of kube-proxy v1.37 (kubernetes#138427) with the CIDRs they stand for; "primary" is resolved per node. */
const NODE_PORT_KEYWORDS: Record<string, readonly string[]> = { localhost: ["127.0.0.1/32", "::1/128"], all: ["0.0.0.0/0", "::/0"] };

/** The kube-proxy release whose syntax a nodePortAddresses value needs, when kube-proxy before it refuses it. */
export interface NodePortSyntax { minor: number; what: string }

/**
 * nodePortAddresses (or --nodeport-addresses) as kube-proxy v1.`minor` validates it (undefined: the
 * newest), resolved (model/kube-proxy-config.ts NodePortAddresses); the problem in words when it
 * refuses it. pkg/proxy/apis/config/validation validateKubeProxyNodePortAddress: before v1.30, CIDRs
 * only ("must be a valid CIDR": "primary" came with kubernetes#123105); v1.30 to v1.36, CIDRs or
 * "primary" alone ("can't use both 'primary' and CIDRs"); v1.37 on (kubernetes#138427: "The list may
 * also contain any of the keywords 'primary', 'localhost', and 'all', in any combination with each
 * other and with CIDRs"), a keyword written twice refused. `needs`: the release a value needs, when
 * older ones refuse it (a warning where the version is not known).
 */
export function nodePortAddresses(texts: readonly string[], minor?: number): { value: NodePortAddresses; needs?: NodePortSyntax } | { problem: string } {
  const keywords = texts.filter((t) => t === "primary" || t in NODE_PORT_KEYWORDS);
  const needs: NodePortSyntax | undefined = keywords.some((k) => k !== "primary") || (keywords.length && texts.length > 1) ? { minor: 37, what: "the keywords localhost and all, and primary among other values" }
    : keywords.length ? { minor: 30, what: "primary" } : undefined;
  const accepts = (m: number) => minor === undefined || minor >= m;
  if (needs?.minor === 30 && !accepts(30)) return { problem: `nodePortAddresses: "primary" must be a valid CIDR (kube-proxy v1.${minor}: "primary" came in v1.30)` };
  if (needs?.minor === 37 && !accepts(37)) {
    const other = keywords.find((k) => k !== "primary");
    if (other !== undefined || !accepts(30)) return { problem: `nodePortAddresses: ${JSON.stringify(other ?? "primary")} must be a valid CIDR (kube-proxy v1.${minor}; the keywords localhost and all came in v1.37)` };
    return { problem: `nodePortAddresses ${JSON.stringify(texts)}: can't use both 'primary' and CIDRs (kube-proxy v1.${minor}; v1.37 takes them together)` };
  }
  const twice = keywords.find((k, i) => keywords.indexOf(k) !== i);
  if (twice !== undefined) return { problem: `nodePortAddresses ${JSON.stringify(texts)}: the keyword ${JSON.stringify(twice)} is given twice` };
  const cidrs: Cidr[] = [];
  for (const t of texts) {
    if (t === "primary") continue;
    const words = NODE_PORT_KEYWORDS[t];
    if (words) { for (const w of words) cidrs.push({ ...parseCidr(w)!, text: `${w} (${t})` }); continue; }
    const c = parseCidr(t);
    if (!c) return { problem: `nodePortAddresses: ${JSON.stringify(t)} must be a valid CIDR${accepts(37) ? " or one of the keywords primary, localhost, all" : ""}` };
    cidrs.push(c);
  }
  return { value: { cidrs, primary: keywords.includes("primary"), text: texts.join(",") }, ...(needs && minor === undefined ? { needs } : {}) };
}

/** The flags of kube-proxy's read here (cmd/kube-proxy/app/options.go AddFlags), and --config. */
const FLAGS = ["config", "proxy-mode", "cluster-cidr", "masquerade-all", "nodeport-addresses", "detect-local-mode", "pod-bridge-interface", "pod-interface-name-prefix", "iptables-localhost-nodeports", "feature-gates"];

/** kube-proxy v1.37's feature gate for nftables mode's localhost node ports (kubernetes#138427; alpha: off unless given). */
const LOCALHOST_GATE = "KubeProxyNFTablesLocalhostNodePorts";

/** The release that has the gate: kube-proxy before it does not know it. */
const LOCALHOST_GATE_MINOR = 37;

/**
 * A kube-proxy of release v1.`minor` given the gate (true or false): it refuses to start.
 * cmd/kube-proxy/app/options.go Complete: `utilfeature.DefaultMutableFeatureGate.SetFromMap(o.config.FeatureGates)`
 * (the file's featureGates or --feature-gates), whose error ends the command ("failed complete");
 * component-base featuregate SetFromMap: a name it does not know, whatever its value, is `unrecognized
 * feature gate: %s`. Undefined: that release knows the gate. (Other gates' names are not checked: which
 * release knows which is not modelled.)
 */
function gateRefusal(minor: number): string | undefined {
  return minor < LOCALHOST_GATE_MINOR ? `unrecognized feature gate: ${LOCALHOST_GATE} (kube-proxy v1.${minor} refuses to start: the gate came in v1.${LOCALHOST_GATE_MINOR}, kubernetes#138427)` : undefined;
}

/** The warning on the gate where kube-proxy's version is not in the input. */
function gateWarning(field: Field, what: string): void {
  field.warn("kube-proxy-config", `${what}: kube-proxy before v1.${LOCALHOST_GATE_MINOR} does not know the gate ${LOCALHOST_GATE} and refuses to start on it ("unrecognized feature gate"), and the input does not show kube-proxy's version (the image tag of its DaemonSet or static pod): read as v1.${LOCALHOST_GATE_MINOR} and later read it`);
}

/**
 * The gate's value in --feature-gates (cliflag MapStringBool: "key=value" pairs split on ",", each
 * trimmed, the value strconv.ParseBool's; the last of a key stands): undefined when not given; a
 * string: the problem (kube-proxy refuses to start).
 */
function featureGate(value: string, gate: string): boolean | undefined | string {
  let out: boolean | undefined;
  for (const pair of value.split(",")) {
    const s = pair.trim();
    if (s === "") continue;
    const eq = s.indexOf("=");
    if (eq < 0) return `missing bool value for ${s}`;
    const v = GO_BOOLS[s.slice(eq + 1).trim()];
    if (v === undefined) return `invalid value of ${s.slice(0, eq).trim()}=${s.slice(eq + 1).trim()}, err: strconv.ParseBool: parsing ${JSON.stringify(s.slice(eq + 1).trim())}: invalid syntax`;
    if (s.slice(0, eq).trim() === gate) out = v;
  }
  return out;
}

/** kube-proxy's bool flags among them: pflag gives them a value after "=" only (`--flag` alone: true). */
const BOOL_FLAGS = ["masquerade-all", "iptables-localhost-nodeports"];

/**
 * Every bool flag of kube-proxy (cmd/kube-proxy/app/options.go AddFlags and addOSFlags, logsapi
 * AddFlags, verflag's --version, cobra's --help): written without "=", another flag takes the next
 * word as its value.
 */
const ALL_BOOL_FLAGS = new Set(["masquerade-all", "iptables-localhost-nodeports", "cleanup", "bind-address-hard-fail", "profiling", "init-only",
  "ipvs-strict-arp", "conntrack-tcp-be-liberal", "windows-service", "log-text-split-stream", "log-json-split-stream", "version", "help", "h"]);

/** Whether a word is a flag that takes the next word as its value (`--name` or `-n` without "=", not a bool flag). */
function takesValue(word: string | undefined): boolean {
  if (word === undefined || !word.startsWith("-") || word === "-" || word === "--" || word.includes("=")) return false;
  return !ALL_BOOL_FLAGS.has(word.replace(/^--?/, ""));
}

/** strconv.ParseBool, what pflag's bool flags take after "=". */
const GO_BOOLS: Record<string, boolean> = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };

/**
 * The kube-proxy DaemonSet (a container named kube-proxy, or whose command runs kube-proxy): its
 * flags as pflag parses them (`--flag=value` or `--flag value`; a bool flag takes only `=value`; the
 * last of a flag repeated stands), and the ConfigMap key mounted where --config points.
 */
export const kubeProxyKindHooks: KindHook[] = [{
  kind: "DaemonSet",
  read(root, _ctx, b) {
    const md = root.get("metadata"), name = md.raw("name"), namespace = md.raw("namespace");
    const podSpec = root.get("spec").get("template").get("spec");
    if (typeof name !== "string" || name === "" || podSpec.value === null || typeof podSpec.value !== "object") return;
    // kube-proxy's Windows DaemonSet (kubernetes.io/os: windows) runs the winkernel proxier: Junction models Linux nodes.
    if (podSpec.get("nodeSelector").raw("kubernetes.io/os") === "windows") return;
    const container = items(podSpec, "containers").find((c) => isKubeProxy(c));
    if (!container) return;
    const state = b.state(KUBE_PROXY);
    const where = `DaemonSet ${typeof namespace === "string" && namespace ? namespace : "default"}/${name}`;
    if (state.daemonSet && state.daemonSet.where !== where) container.warn("kube-proxy-config", `a second kube-proxy DaemonSet (${state.daemonSet.where} was read first): this one's configuration is read`);
    state.daemonSet = readDaemonSet(podSpec, container, where, typeof namespace === "string" && namespace ? namespace : "default");
  },
}, {
  // A static pod (the kubelet runs it from a manifest file: kube-up's and GKE's kube-proxy.manifest),
  // in kube-system; a DaemonSet's pod is read through its DaemonSet.
  kind: "Pod",
  read(root, _ctx, b) {
    const md = root.get("metadata"), name = md.raw("name");
    if (md.raw("namespace") !== "kube-system" || typeof name !== "string") return;
    // A static pod's mirror is owned by its Node (kubelet's mirror client); a manifest file's Pod by no one. A Pod a
    // controller owns (DaemonSet, ReplicaSet, Job...) is no static pod: its controller is what runs it.
    const owners = md.raw("ownerReferences");
    if (Array.isArray(owners) && owners.some((o) => o !== null && typeof o === "object" && (o as { kind?: unknown }).kind !== "Node")) return;
    const podSpec = root.get("spec");
    const container = items(podSpec, "containers").find((c) => isKubeProxy(c));
    if (!container) return;
    const state = b.state(KUBE_PROXY), read = readDaemonSet(podSpec, container, `Pod kube-system/${name} (a static pod)`, "kube-system");
    if (!state.staticPod) { state.staticPod = read; return; }
    state.otherStaticPods.push(read);
    // (Each static pod has its own --hostname-override, and flags in any order: their configurations are compared, not their words.)
    if (configurationKey(state.staticPod) !== configurationKey(read)) container.warn("kube-proxy-config", `kube-proxy static pods with other flags: the first read (${state.staticPod.where}) is the configuration read, not this one's`);
  },
}];

/** What a kube-proxy container's command line configures, as a key: its flags read (not where), and the --config it names. */
function configurationKey(d: DaemonSetConfig): string {
  const flags = Object.entries(d.flags).filter(([k]) => k !== "where").sort(([a], [b]) => (a < b ? -1 : 1));
  const c = d.config;
  return jsonKey([flags, c ? [c.path, c.configMap ?? null, c.problem ?? null] : null]);
}

/**
 * The list at `key`, its items as fields; none when it is no list. The built-in kinds' schema and
 * front ends report a wrong type: read here without a report of its own, so that it is told once.
 */
function items(f: Field, key: string): Field[] {
  return Array.isArray(f.raw(key)) ? f.get(key).list()! : [];
}

function isKubeProxy(c: Field): boolean {
  const command = c.raw("command");
  const first = Array.isArray(command) ? command[0] : undefined;
  if (c.raw("name") === "kube-proxy" || baseName(first) === "kube-proxy") return true;
  // (The -c line may be in args: command [/bin/sh, -c], args [LINE].)
  return SHELLS.includes(baseName(first) ?? "") && JSON.stringify([command, c.raw("args")]).includes("kube-proxy") && kubeProxyArgv(items(c, "command"), items(c, "args")) !== undefined;
}

/** A command word's program name (`/usr/local/bin/kube-proxy`: kube-proxy). */
function baseName(word: unknown): string | undefined {
  return typeof word === "string" ? word.split("/").pop() : undefined;
}

/** A word of kube-proxy's command line: its text (undefined: no string), the item it is read from, and whether a shell expands it ($, `: not known). */
interface Word { text?: string; field: Field; expanded?: boolean }

const SHELLS = ["sh", "bash", "ash", "dash"];

/** A command or args item as a word. */
function wordOf(f: Field): Word {
  return { ...(typeof f.value === "string" ? { text: f.value } : {}), field: f };
}

/**
 * The words kube-proxy gets from a container's command and args: those after kube-proxy itself; or,
 * where the command is a shell's -c line (`/bin/sh -c "exec kube-proxy --flags 1>>LOG 2>&1"`: kube-up's
 * and GKE's static pod), the words of the line's last simple command that runs kube-proxy (after
 * `exec`, `env` or variable assignments), its redirections left out. Undefined: kube-proxy is
 * started through something else (a wrapper, a script).
 */
function kubeProxyArgv(command: readonly Field[], args: readonly Field[]): Word[] | undefined {
  const all = [...command, ...args], first = baseName(all[0]?.value);
  if (first === "kube-proxy") return all.slice(1).map(wordOf);
  if (!SHELLS.includes(first ?? "")) return undefined;
  // sh's options before the line: -c, or with others (-ec, -x -c).
  let i = 1;
  while (i < all.length && typeof all[i].value === "string" && /^-[a-z]+$/.test(all[i].value as string) && !(all[i].value as string).includes("c")) i++;
  const option = all[i]?.value, line = all[i + 1];
  if (typeof option !== "string" || !/^-[a-z]*c[a-z]*$/.test(option) || typeof line?.value !== "string") return undefined;
  const runs = (shellCommands(line.value) ?? []).flatMap((words) => {
    const k = words.findIndex((w) => !(PREFIX_WORDS.includes(w.text) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text)));
    return k >= 0 && baseName(words[k].text) === "kube-proxy" ? [words.slice(k + 1)] : [];
  });
  return runs.length ? runs[runs.length - 1].map((w) => ({ text: w.text, field: line, ...(w.expanded ? { expanded: true } : {}) })) : undefined;
}

/** Words before a command that still run it (sh's exec and reserved words, env). */
const PREFIX_WORDS = ["exec", "env", "then", "do", "else", "!"];

/**
 * A shell line's simple commands, as POSIX sh splits it into words (quotes and backslashes removed;
 * a word with `$` or a backquote outside single quotes is `expanded`: its value is not known here):
 * commands end at ; & | ( ) and newlines; redirections (`2>&1`, `1>>FILE`, `> FILE`) and comments
 * are left out. Undefined: a quote is not closed.
 */
function shellCommands(line: string): { text: string; expanded: boolean }[][] | undefined {
  const commands: { text: string; expanded: boolean }[][] = [[]];
  let cur: string | undefined, expanded = false, redirect = false;
  const end = () => {
    if (cur !== undefined) { if (!redirect) commands[commands.length - 1].push({ text: cur, expanded }); redirect = false; }
    cur = undefined; expanded = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\") { if (line[i + 1] !== "\n") cur = (cur ?? "") + (line[i + 1] ?? ""); i++; continue; }
    if (c === "'") { const j = line.indexOf("'", i + 1); if (j < 0) return undefined; cur = (cur ?? "") + line.slice(i + 1, j); i = j; continue; }
    if (c === '"') {
      let s = "", j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\" && j + 1 < line.length && '$`"\\\n'.includes(line[j + 1])) { if (line[j + 1] !== "\n") s += line[j + 1]; j++; }
        else { if (line[j] === "$" || line[j] === "`") expanded = true; s += line[j]; }
      }
      if (j >= line.length) return undefined;
      cur = (cur ?? "") + s; i = j; continue;
    }
    if (c === "#" && cur === undefined) { const j = line.indexOf("\n", i); i = j < 0 ? line.length : j - 1; continue; }
    if (c === " " || c === "\t") { end(); continue; }
    if (c === "<" || c === ">") {
      // A file descriptor number before it belongs to the redirection; its target is the next word.
      if (cur !== undefined && /^\d+$/.test(cur)) { cur = undefined; expanded = false; } else end();
      while (i + 1 < line.length && "<>&|".includes(line[i + 1])) i++;
      redirect = true;
      continue;
    }
    if (";&|\n()".includes(c)) { end(); redirect = false; commands.push([]); continue; }
    if (c === "$" || c === "`") expanded = true;
    cur = (cur ?? "") + c;
  }
  end();
  return commands.filter((w) => w.length);
}

function readDaemonSet(podSpec: Field, container: Field, where: string, namespace: string): DaemonSetConfig {
  const sink = new Diagnostics();
  const own = new Field(new ObjectContext(container.ctx.ref, sink, container.ctx.kind), container.value, container.path);
  const command = items(own, "command"), args = items(own, "args");
  const first = command[0]?.value;
  // No command: the image's entrypoint, kube-proxy, gets the args.
  const argv = command.length ? kubeProxyArgv(command, args) : args.map(wordOf);
  const minor = imageMinor(container.raw("image"));
  const out: DaemonSetConfig = { where, container, flags: { where: `the flags of ${where}` }, diags: sink.items, ...(minor !== undefined ? { minor } : {}) };
  // A command that is not kube-proxy itself nor a shell line running it (a wrapper, a script) holds its flags in words not read here.
  if (!argv) {
    own.get("command").warn("kube-proxy-config", `kube-proxy is started through ${JSON.stringify(first ?? null)}: its flags are not read, and its configuration is not known`);
    out.config = { field: container, path: "", problem: "the command line is not read" };
    return out;
  }
  const given = new Map<string, { value: string | undefined; field: Field; expanded?: boolean }>();
  // Words that are no flag nor a flag's value (pflag: every word after "--" too): kube-proxy takes none.
  const positional: Word[] = [];
  for (let i = 0; i < argv.length; i++) {
    const text = argv[i].text;
    if (typeof text !== "string") continue;
    if (text === "--") { positional.push(...argv.slice(i + 1)); break; }
    if (!text.startsWith("--")) {
      // (A single-dash word is a shorthand flag, -v=2, not read here; a lone "-" is a word.)
      if (text.startsWith("-") && text !== "-") continue;
      // The value of a flag not read here (--hostname-override $(NODE_NAME), --v 2).
      if (takesValue(argv[i - 1]?.text)) continue;
      // A word the shell ($ARGS, "$@") or the kubelet ($(ARGS)) expands where a flag stands may be any flags, --config too.
      if (argv[i].expanded || text.includes("$(")) {
        argv[i].field.warn("kube-proxy-config", `${JSON.stringify(text)} is expanded by ${argv[i].expanded ? "the shell" : "the kubelet from the container's environment"} where a flag of kube-proxy stands: its flags are not known, so kube-proxy's configuration is not known`);
        out.config = { field: container, path: "", problem: "a word of its command line is not known" };
        return out;
      }
      positional.push(argv[i]);
      continue;
    }
    const eq = text.indexOf("=");
    const flag = eq >= 0 ? text.slice(2, eq) : text.slice(2);
    if (!FLAGS.includes(flag)) continue;
    let value = eq >= 0 ? text.slice(eq + 1) : undefined;
    let word = argv[i];
    if (value === undefined && !BOOL_FLAGS.includes(flag)) {
      const next = argv[i + 1];
      if (!next || next.text === undefined) { word.field.error("invalid-value", `flag needs an argument: --${flag} (kube-proxy refuses to start)`); continue; }
      value = next.text; word = next; i++;
    }
    given.set(flag, { value, field: word.field, ...(word.expanded ? { expanded: true } : {}) });
  }
  // cmd/kube-proxy/app/server.go NewProxyCommand Args: a non-empty argument is refused ("%q does not take any arguments, got %q").
  const words = positional.filter((w) => w.text !== "");
  if (words.length) words[0].field.error("invalid-value", `"kube-proxy" does not take any arguments, got [${words.map((w) => w.text === undefined ? "?" : JSON.stringify(w.text)).join(" ")}] (kube-proxy refuses to start: it takes flags only; a flag's value is written --flag=value, and a bool flag's value only so)`);
  const config = given.get("config");
  if (config) {
    for (const [flag, g] of given) if (flag !== "config") g.field.warn("kube-proxy-config", `--${flag} is ignored by kube-proxy beside --config: the configuration file replaces the flags (cmd/kube-proxy/app/options.go Complete; only --hostname-override and the logging flags still apply)`);
    out.config = { field: config.field, path: config.value!, ...configMapAt(podSpec, own, config.value!, namespace) };
    return out;
  }
  let unresolved = false;
  const localMode = given.get("detect-local-mode")?.value;
  for (const [flag, { value, field, expanded }] of given) {
    if (expanded || value?.includes("$(")) {
      field.warn("kube-proxy-config", `--${flag}'s value ${JSON.stringify(value)} is expanded by ${expanded ? "the shell" : "the kubelet from the container's environment"}: not read, so kube-proxy's configuration is not known`);
      unresolved = true;
      continue;
    }
    if (BOOL_FLAGS.includes(flag)) {
      const v = value === undefined ? true : GO_BOOLS[value];
      if (v === undefined) field.error("invalid-value", `--${flag}=${value}: not a boolean (strconv.ParseBool; kube-proxy refuses to start)`);
      else if (flag === "masquerade-all") out.flags.masqueradeAll = v;
      else out.flags.localhostNodePorts = v;
    } else if (flag === "proxy-mode" || flag === "detect-local-mode") {
      const values: readonly string[] = flag === "proxy-mode" ? PROXY_MODES : LOCAL_MODES;
      if (value && !values.includes(value)) field.error("enum", `--${flag} ${JSON.stringify(value)} is not one of ${values.join(", ")} (kube-proxy refuses to start)`);
      else if (value && flag === "proxy-mode") out.flags.mode = value as ProxyMode;
      else if (value) out.flags.detectLocalMode = value as LocalMode;
    } else if (flag === "cluster-cidr") {
      // (Checked, and used, under detectLocalMode ClusterCIDR only: validateDetectLocalConfiguration.)
      if (localMode && localMode !== "ClusterCIDR") continue;
      const parsed = clusterCidrs(value!);
      if (typeof parsed === "string") field.error("invalid-cidr", `--cluster-cidr: ${parsed} (kube-proxy refuses to start)`);
      else out.flags.clusterCIDR = parsed;
    } else if (flag === "feature-gates") {
      const v = featureGate(value!, LOCALHOST_GATE);
      const refused = v !== undefined && typeof v !== "string" && minor !== undefined ? gateRefusal(minor) : undefined;
      if (typeof v === "string") field.error("invalid-value", `--feature-gates: ${v} (kube-proxy refuses to start)`);
      else if (refused) field.error("invalid-value", `--feature-gates: ${refused}`);
      else if (v !== undefined) {
        out.flags.localhostProxy = v;
        if (minor === undefined) gateWarning(field, `--feature-gates ${value}`);
      }
    } else if (flag === "nodeport-addresses") {
      const list = flagList(value!);
      const parsed = list.length ? nodePortAddresses(list, minor) : undefined;
      if (parsed && "problem" in parsed) field.error("invalid-cidr", `--nodeport-addresses: ${parsed.problem} (kube-proxy refuses to start)`);
      else if (parsed) {
        out.flags.nodePortAddresses = parsed.value;
        if (parsed.needs) syntaxWarning(field, parsed.needs, `--nodeport-addresses ${value}`);
      }
    }
  }
  const iface = localMode ? INTERFACE_OF[localMode] : undefined;
  if (iface && !given.get(iface.flag)?.value) given.get("detect-local-mode")!.field.error("invalid-value", `--detect-local-mode ${localMode} needs --${iface.flag} (kube-proxy refuses to start: validateDetectLocalConfiguration)`);
  if (unresolved) out.config = { field: container, path: "", problem: "a flag's value is not known" };
  return out;
}

/**
 * The ConfigMap key the kubelet puts at `path` in the container: the volume mounted at the longest
 * mountPath holding it (a subPath mount at the path itself), a configMap volume's key of that file
 * name (or the item projected to it). A problem in words when the file is not a ConfigMap's key.
 */
function configMapAt(podSpec: Field, container: Field, path: string, namespace: string): { configMap?: { namespace: string; name: string; key: string }; problem?: string } {
  let best: { mountPath: string; volume: string; subPath: string } | undefined;
  for (const m of items(container, "volumeMounts")) {
    const mp = m.raw("mountPath"), volume = m.raw("name"), subPath = m.raw("subPath");
    if (typeof mp !== "string" || typeof volume !== "string") continue;
    const dir = mp.length > 1 ? mp.replace(/\/+$/, "") : mp;
    if ((path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`)) && (!best || dir.length > best.mountPath.length)) best = { mountPath: dir, volume, subPath: typeof subPath === "string" ? subPath : "" };
  }
  if (!best) return { problem: `no volume is mounted at --config ${path}` };
  const volume = items(podSpec, "volumes").find((v) => v.raw("name") === best!.volume);
  const cm = volume?.get("configMap");
  const cmName = cm?.raw("name");
  if (!cm || typeof cmName !== "string") return { problem: `--config ${path} is in volume ${best.volume}, which is no ConfigMap${volume ? "" : " of the pod"}` };
  const below = path === best.mountPath ? "" : path.slice(best.mountPath.length + (best.mountPath === "/" ? 0 : 1));
  const rel = best.subPath ? (below ? `${best.subPath}/${below}` : best.subPath) : below;
  if (Array.isArray(cm.raw("items"))) {
    const item = items(cm, "items").find((i) => i.raw("path") === rel);
    const key = item?.raw("key");
    return typeof key === "string" ? { configMap: { namespace, name: cmName, key } } : { problem: `ConfigMap ${namespace}/${cmName}'s items put no key at --config ${path}` };
  }
  if (!rel || rel.includes("/")) return { problem: `--config ${path} names no key of ConfigMap ${namespace}/${cmName} (mounted at ${best.mountPath})` };
  return { configMap: { namespace, name: cmName, key: rel } };
}

/** Once every object is read: the configuration kube-proxy reads, with what reading it reported. */
function settle(state: KubeProxyState, b: InventoryBuilder): void {
  // A static pod runs kube-proxy: its configuration over a DaemonSet's (GKE's DaemonSet selects no node until one is labelled for it).
  const ds = state.staticPod ?? state.daemonSet;
  // What the DaemonSet beside a static pod, or another static pod, refuses is still refused where it runs: its errors are reported.
  const others = [...(state.staticPod && state.daemonSet ? [state.daemonSet] : []), ...state.otherStaticPods];
  for (const other of others) for (const d of other.diags) if (d.severity === "error") b.diags.add(d);
  if (state.staticPod && state.daemonSet) state.daemonSet.container.warn("kube-proxy-config", `kube-proxy also runs as a static pod (${state.staticPod.where}): its configuration is read, not this DaemonSet's`);
  let chosen: Candidate | undefined;
  if (ds) {
    // (The DaemonSet's own reports, these included, are in its sink: added once decided.)
    const c = ds.config;
    if (!c) { for (const d of ds.diags) b.diags.add(d); b.inv.kubeProxy = ds.flags; return; }
    if (!c.configMap) {
      if (c.path) c.field.warn("kube-proxy-config", `${c.problem}: kube-proxy's configuration is not known (its ConfigMaps in the input are not read)`);
      for (const d of ds.diags) b.diags.add(d);
      return;
    }
    const { namespace, name, key } = c.configMap, id = `${namespace}/${name}`;
    chosen = state.candidates.get(`${id}/${key}`);
    const cm = state.configMaps.get(id);
    if (!chosen && cm?.keys.has(key)) b.diags.error("invalid-value", `kube-proxy reads this as its configuration file (--config of ${ds.where}), and it is no KubeProxyConfiguration: kube-proxy refuses to start`, cm.ref, ["data", key]);
    else if (!chosen) c.field.warn("kube-proxy-config", `kube-proxy reads its configuration from ConfigMap ${id} key ${key} (--config ${c.path} of ${ds.where}), which the input ${cm ? "has without that key" : "lacks"}: kube-proxy's configuration is not known`);
    for (const d of ds.diags) b.diags.add(d);
  } else {
    const found = KUBE_PROXY_CONFIGMAPS.map((c) => ({ c, cand: state.candidates.get(`${c.namespace}/${c.name}/${c.key}`) })).filter((f) => f.cand);
    chosen = found[0]?.cand;
    for (const other of found.slice(1)) {
      const ref = state.configMaps.get(`${other.c.namespace}/${other.c.name}`)!.ref;
      b.diags.warn("kube-proxy-config", `a second kube-proxy configuration, and no kube-proxy DaemonSet in the input to say which one it reads: ConfigMap ${found[0].c.namespace}/${found[0].c.name} ${found[0].c.key} is read, not this one`, ref, ["data", other.c.key]);
    }
  }
  if (!chosen) return;
  let config = chosen.config;
  const check = chosen.syntax;
  // (Before its diagnostics are added: the field reports into the candidate's own list.)
  if (check && config) {
    const minor = ds?.minor;
    if (minor === undefined) syntaxWarning(check.field, check.needs, `nodePortAddresses ${check.texts.join(",")}`);
    else if (minor < check.needs.minor) {
      const refused = nodePortAddresses(check.texts, minor);
      check.field.error("invalid-cidr", `${"problem" in refused ? refused.problem : ""} (kube-proxy refuses this configuration; its version from the image of ${ds!.where})`);
      const { nodePortAddresses: _, ...rest } = config;
      config = rest;
    }
  }
  if (chosen.gate && config) {
    const minor = ds?.minor, refused = minor !== undefined ? gateRefusal(minor) : undefined;
    if (minor === undefined) gateWarning(chosen.gate, `featureGates ${LOCALHOST_GATE}`);
    else if (refused) {
      chosen.gate.error("invalid-value", `${refused} (its version from the image of ${ds!.where})`);
      const { localhostProxy: _, ...rest } = config;
      config = rest;
    }
  }
  for (const d of chosen.diags) b.diags.add(d);
  if (config) b.inv.kubeProxy = config;
}
