// Calico felix's configuration where it changes answers: DefaultEndpointToHostAction (what a pod's
// traffic to its own host meets after its egress policy), from FelixConfiguration objects
// (projectcalico.org/v3, crd.projectcalico.org/v1: `default`, and `node.NAME` for one node) and the
// calico-node (or canal) DaemonSet's environment, FELIX_DEFAULTENDPOINTTOHOSTACTION. model/cni.ts
// felixToHost resolves them per node as felix does; the engine applies them (verdict.ts hostAction).

import { cniOfDaemonSet, felixEnvSetting, type CalicoFelix, type EndpointToHostAction, type FelixSetting } from "../../model/cni.js";
import type { InventoryBuilder, StateKey } from "../builder.js";
import type { Field } from "../fields.js";
import type { FrontEnd, KindHook } from "../frontend.js";
import { readCidrAs, readMeta } from "../k8s.js";
import { parseCidr, type Cidr } from "../../model/ip.js";
import type { Protocol } from "../../model/ports.js";
import type { SourceRef } from "../../model/source.js";

const ACTIONS: Record<string, EndpointToHostAction> = { drop: "Drop", accept: "Accept", return: "Return" };
const ENV = "FELIX_DEFAULTENDPOINTTOHOSTACTION";
const ISSUE = "projectcalico/calico#7398";

/** bpfEnabled and bpfExternalServiceMode as one source sets them (the DaemonSet's environment, or FelixConfiguration default). */
interface BpfSettings { enabled?: boolean; mode?: "Tunnel" | "DSR"; where: string }

/** natOutgoingExclusions as one source sets it. */
interface Exclusions { hostIPs: boolean; where: string }

/** A failsafe port (felix config ProtoPort): protocol, port, and the remote's CIDR when it names one. */
export interface FailsafePort { protocol: Protocol; port: number; net?: Cidr }
/** A failsafe list as one source sets it (the environment, FelixConfiguration default, felix's default). */
export interface FailsafeList { ports: FailsafePort[]; where: string; src?: SourceRef }

/** config_params.go FailsafeInboundHostPorts, FailsafeOutboundHostPorts: felix's defaults. */
const FAILSAFE_DEFAULTS: Record<"inbound" | "outbound", string> = {
  inbound: "tcp:22,udp:68,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667",
  outbound: "udp:53,udp:67,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667",
};
const FAILSAFE_ENV: Record<"inbound" | "outbound", string> = { inbound: "FELIX_FAILSAFEINBOUNDHOSTPORTS", outbound: "FELIX_FAILSAFEOUTBOUNDHOSTPORTS" };
const FAILSAFE_FIELD: Record<"inbound" | "outbound", string> = { inbound: "failsafeInboundHostPorts", outbound: "failsafeOutboundHostPorts" };

interface FelixState {
  felix: CalicoFelix; fields: Map<string, Field>; env?: Field; bpfEnv?: BpfSettings; bpfConfig?: BpfSettings; exclEnv?: Exclusions; exclConfig?: Exclusions;
  /** The failsafe lists the environment and FelixConfiguration default set. */
  failsafeEnv: Partial<Record<"inbound" | "outbound", FailsafeList>>; failsafeConfig: Partial<Record<"inbound" | "outbound", FailsafeList>>;
  /** natOutgoingExclusions of the FelixConfigurations node.NAME, by node name, and the field that set it. */
  exclNodes: Map<string, Exclusions & { field: Field }>;
  /** The failsafe lists of the FelixConfigurations node.NAME, by node name. */
  failsafeNodes: Map<string, Partial<Record<"inbound" | "outbound", FailsafeList>>>;
}

/** natOutgoingExclusions: IPPoolsOnly (felix's default) or IPPoolsAndHostIPs (the CRD's enum; felix's environment reads it in any case). */
const EXCLUSIONS: Record<string, boolean> = { ippoolsonly: false, ippoolsandhostips: true };

const BPF_MODES: Record<string, "Tunnel" | "DSR"> = { tunnel: "Tunnel", dsr: "DSR" };

/**
 * felix's BoolParam.Parse (config/param_types.go): true, 1, yes, y, t and false, 0, no, n, f in any
 * case; anything else fails and felix refuses to start on it.
 */
function felixBool(text: string): boolean | undefined {
  const t = text.toLowerCase();
  return ["true", "1", "yes", "y", "t"].includes(t) ? true : ["false", "0", "no", "n", "f"].includes(t) ? false : undefined;
}

const FELIX: StateKey<FelixState> = { make: () => ({ felix: { configs: new Map() }, fields: new Map(), exclNodes: new Map(), failsafeNodes: new Map(), failsafeEnv: {}, failsafeConfig: {} }), settle };

/**
 * param_types.go PortListParam.Parse: comma-separated `port`, `proto:port` or `proto:net:port` (an IPv6
 * net in brackets), protocol tcp or udp (default tcp), port 0-65535; "none" is the empty list
 * (config_params.go). A string: why felix refuses it (it does not start: die-on-fail).
 */
function parsePortList(raw: string): FailsafePort[] | string {
  if (raw.trim().toLowerCase() === "none") return [];
  const out: FailsafePort[] = [];
  for (let item of raw.split(",")) {
    item = item.trim();
    if (!item) continue;
    let net = "";
    const open = item.indexOf("["), close = item.indexOf("]:");
    if (open >= 0 && close > open) { net = item.slice(open + 1, close); item = item.slice(0, open) + item.slice(close + 2); }
    const parts = item.split(":");
    if (parts.length > 3) return "ports should be <protocol>:<net>:<number> or <protocol>:<number> or <number>";
    const protocol = parts.length > 1 ? parts[0].toLowerCase() : "tcp";
    if (parts.length === 3) net = parts[1];
    const portText = parts[parts.length - 1];
    if (protocol !== "tcp" && protocol !== "udp") return `unknown protocol: ${protocol}`;
    if (!/^[+-]?\d+$/.test(portText)) return "ports should be integers";
    const port = Number(portText);
    if (port < 0 || port > 65535) return "ports must be in range 0-65535";
    const cidr = net ? parseCidr(net.includes("/") ? net : `${net}/${net.includes(":") ? 128 : 32}`) : undefined;
    if (net && !cidr) return `invalid CIDR or IP ${net}`;
    out.push({ protocol: protocol === "tcp" ? "TCP" : "UDP", port, ...(cidr ? { net: cidr } : {}) });
  }
  return out;
}

/**
 * The failsafe lists felix applies on node `node` (rules/static.go failsafeInChain, failsafeOutChain:
 * accepted in every host endpoint's chains before its policy, rules/endpoints.go
 * HostEndpointToFilterChains), by felix's order of sources (config/config_params.go
 * SourcesInDescendingOrder: EnvironmentVariable, ConfigFile, DatastorePerHost, ..., DatastoreGlobal):
 * the calico-node environment, else the node's FelixConfiguration node.NAME, else FelixConfiguration
 * default, else felix's defaults. Without `node`: the cluster's (no per-node setting).
 */
export function failsafeLists(b: InventoryBuilder, node?: string): Record<"inbound" | "outbound", FailsafeList> {
  const state = b.state(FELIX);
  const own = node === undefined ? undefined : state.failsafeNodes.get(node);
  const pick = (d: "inbound" | "outbound"): FailsafeList => state.failsafeEnv[d] ?? own?.[d] ?? state.failsafeConfig[d] ?? { ports: parsePortList(FAILSAFE_DEFAULTS[d]) as FailsafePort[], where: `felix's default ${FAILSAFE_FIELD[d]}` };
  return { inbound: pick("inbound"), outbound: pick("outbound") };
}

/** The nodes whose FelixConfiguration node.NAME sets a failsafe list the environment does not override. */
export function failsafeNodes(b: InventoryBuilder): string[] {
  const state = b.state(FELIX);
  return [...state.failsafeNodes].filter(([, lists]) => (["inbound", "outbound"] as const).some((d) => lists[d] && !state.failsafeEnv[d])).map(([n]) => n);
}

/** A FelixConfiguration's failsafe list (ProtoPort: protocol TCP, UDP or SCTP, default tcp; port; optional net). */
function readFailsafeConfig(f: Field): FailsafePort[] | undefined {
  const list = f.list();
  if (!list) return undefined;
  return list.flatMap((e) => {
    const proto = (e.get("protocol").string() || "tcp").toUpperCase();
    if (!["TCP", "UDP", "SCTP"].includes(proto)) { e.get("protocol").error("enum", `${JSON.stringify(e.get("protocol").string())} is not TCP, UDP or SCTP`); return []; }
    const port = e.get("port").int({ min: 0, max: 65535, required: true });
    if (port === undefined) return [];
    const netText = e.get("net").string();
    const net = netText ? readCidrAs(e.get("net"), "calico") : undefined;
    if (netText && !net) return [];
    return [{ protocol: proto as Protocol, port, ...(net ? { net } : {}) }];
  });
}

/**
 * FelixConfiguration: the CRD's pattern `^(?i)(Drop|Accept|Return)?$` (empty: unset); felix reads the
 * objects named `default` and `node.<its node name>` (felixconfig.md), no other.
 */
const felixConfigurationFrontEnd: FrontEnd = {
  kind: "FelixConfiguration", apiVersions: ["projectcalico.org/v3", "crd.projectcalico.org/v1"], namespaced: false,
  read(root, _ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    spec.object();
    const f = spec.get("defaultEndpointToHostAction");
    const text = f.string();
    let action: EndpointToHostAction | undefined;
    if (text) {
      action = ACTIONS[text.toLowerCase()];
      if (!action) f.error("enum", `${JSON.stringify(text)} is not Drop, Accept or Return (the CRD's pattern, any case): the API server refuses the object`);
    }
    // The eBPF data plane (the CRD: bpfEnabled a boolean, bpfExternalServiceMode `^(?i)(Tunnel|DSR)?$`).
    const bpfField = spec.get("bpfEnabled"), modeField = spec.get("bpfExternalServiceMode");
    const bpfEnabled = bpfField.bool();
    const modeText = modeField.string();
    const mode = modeText ? BPF_MODES[modeText.toLowerCase()] : undefined;
    if (modeText && !mode) modeField.error("enum", `${JSON.stringify(modeText)} is not Tunnel or DSR (the CRD's pattern, any case): the API server refuses the object`);
    const exclField = spec.get("natOutgoingExclusions"), exclText = exclField.string();
    const excl = exclText ? EXCLUSIONS[exclText.toLowerCase()] : undefined;
    if (exclText && (excl === undefined || !["IPPoolsOnly", "IPPoolsAndHostIPs"].includes(exclText))) exclField.error("enum", `${JSON.stringify(exclText)} is not IPPoolsOnly or IPPoolsAndHostIPs: the API server refuses the object`);
    if (!meta) return;
    const state = b.state(FELIX);
    state.felix.shownBy ??= `FelixConfiguration ${meta.name}`;
    if (meta.name === "default" && excl !== undefined) state.exclConfig = { hostIPs: excl, where: `FelixConfiguration ${meta.name}` };
    if (meta.name === "default") {
      if (bpfEnabled !== undefined || mode) state.bpfConfig = { ...(bpfEnabled !== undefined ? { enabled: bpfEnabled } : {}), ...(mode ? { mode } : {}), where: `FelixConfiguration ${meta.name}` };
    } else if (meta.name.startsWith("node.") && (bpfEnabled !== undefined || mode)) {
      (bpfEnabled !== undefined ? bpfField : modeField).warn("vendor-config", "a per-node eBPF data plane setting is not read: the Service data path is decided for the whole cluster from FelixConfiguration default and the calico-node environment");
    }
    if (meta.name.startsWith("node.") && excl !== undefined) state.exclNodes.set(meta.name.slice(5), { hostIPs: excl, where: `FelixConfiguration ${meta.name}`, field: exclField });
    for (const d of ["inbound", "outbound"] as const) {
      const field = spec.get(FAILSAFE_FIELD[d]);
      const ports = readFailsafeConfig(field);
      if (!ports) continue;
      if (meta.name === "default") state.failsafeConfig[d] = { ports, where: `FelixConfiguration default ${FAILSAFE_FIELD[d]}`, src: root.ctx.ref };
      else if (meta.name.startsWith("node.")) {
        const node = meta.name.slice(5), lists = state.failsafeNodes.get(node) ?? {};
        lists[d] = { ports, where: `FelixConfiguration ${meta.name} ${FAILSAFE_FIELD[d]}`, src: root.ctx.ref };
        state.failsafeNodes.set(node, lists);
      }
    }
    if (meta.name !== "default" && !meta.name.startsWith("node.")) {
      if (action) f.info("vendor-config", `felix reads the FelixConfiguration named default and those named node.<node name>, not ${meta.name}: this setting applies to no node`);
      return;
    }
    if (!action) return;
    state.felix.configs.set(meta.name, { action, where: `FelixConfiguration ${meta.name}` });
    state.fields.set(meta.name, f);
  },
};

/**
 * The calico-node DaemonSet's (canal's) FELIX_DEFAULTENDPOINTTOHOSTACTION, from its container named
 * calico-node (else any container): felix reads FELIX_* variables whatever their case
 * (env_var_loader.go LoadConfigFromEnvironment), ignores an empty value (config_params.go UpdateFrom),
 * takes DROP, RETURN or ACCEPT in any case and refuses to start on another (`oneof(DROP,RETURN,ACCEPT);
 * DROP;non-zero,die-on-fail`); of two entries, the kubelet keeps the last. Of two such DaemonSets, the last read.
 */
function readFelixEnv(podSpec: Field, meta: { name: string; namespace: string }, b: InventoryBuilder): void {
  if (cniOfDaemonSet(meta.name)?.family !== "calico") return;
  // (The same DaemonSet twice: the last one read stands, as kubectl apply leaves it.)
  const state = b.state(FELIX);
  state.env = undefined;
  state.bpfEnv = undefined;
  state.exclEnv = undefined;
  state.failsafeEnv = {};
  const containers = podSpec.childList("containers") ?? [];
  const felix = containers.filter((c) => c.raw("name") === "calico-node");
  let setting: FelixSetting | "unresolved" | undefined;
  const where = `${meta.namespace}/${meta.name}`;
  for (const c of felix.length ? felix : containers) {
    for (const e of c.childList("env") ?? []) {
      const name = e.raw("name");
      if (typeof name !== "string") continue;
      if (name.toUpperCase() === "FELIX_BPFENABLED" || name.toUpperCase() === "FELIX_BPFEXTERNALSERVICEMODE") { readBpfEnv(state, e, name, where); continue; }
      const failsafe = (["inbound", "outbound"] as const).find((d) => FAILSAFE_ENV[d] === name.toUpperCase());
      if (failsafe) {
        const text = e.get("value").string();
        if (e.get("valueFrom").present && !text) { e.get("valueFrom").warn("vendor-config", `${name} comes from a reference the input does not resolve: the FelixConfiguration default decides the failsafe ports, else felix's default`); continue; }
        if (!text) continue;
        const ports = parsePortList(text);
        if (typeof ports === "string") e.get("value").error("invalid-value", `${JSON.stringify(text)}: ${ports}: felix refuses to start`);
        else state.failsafeEnv[failsafe] = { ports, where: `${name} in DaemonSet ${where}`, src: e.ctx.ref };
        continue;
      }
      if (name.toUpperCase() === "FELIX_NATOUTGOINGEXCLUSIONS") {
        const text = e.get("value").string();
        if (!text) continue;
        const v = EXCLUSIONS[text.toLowerCase()];
        if (v === undefined) e.get("value").error("enum", `${JSON.stringify(text)} is not IPPoolsOnly or IPPoolsAndHostIPs: felix refuses to start`);
        else state.exclEnv = { hostIPs: v, where: `${name}=${text} in DaemonSet ${where}` };
        continue;
      }
      if (name.toUpperCase() !== ENV) continue;
      const value = e.raw("value");
      if (e.get("valueFrom").present && (value === undefined || value === "")) { setting = "unresolved"; state.env = e.get("valueFrom"); continue; }
      const text = e.get("value").string();
      if (!text) continue;
      const action = ACTIONS[text.toLowerCase()];
      if (!action) { e.get("value").error("enum", `${JSON.stringify(text)} is not DROP, RETURN or ACCEPT: felix refuses to start`); continue; }
      setting = { action, where: `${name}=${text} in DaemonSet ${where}` };
      state.env = e.get("value");
    }
  }
  state.felix.daemonSet = { where, ...(setting ? { setting } : {}) };
  const node = felix[0] ?? containers[0], image = node?.raw("image"), release = felixRelease(image);
  if (release) state.felix.release = { ...release, where: `image ${image as string} of DaemonSet ${where}` };
  else delete state.felix.release;
  if (!release && typeof image === "string" && /(^|\/)cnx-node(:|@|$)/.test(image)) {
    node!.get("image").warn("vendor-config", `felix's release is not read from image ${image}: tigera/cnx-node is Calico Enterprise, whose release numbers are its own (its v3.20 is not Calico v3.20), so where felix's release decides an answer it is answered as the newest Calico release`);
  }
}

/**
 * An image reference's repository path (the registry host and the tag or digest left out): "calico/node"
 * of docker.io/calico/node:v3.31.0, quay.io/calico/node@sha256:..., calico/node.
 */
export function repositoryOf(image: string): string {
  const name = image.split("@")[0], slash = name.lastIndexOf("/"), colon = name.lastIndexOf(":");
  const repo = colon > slash ? name.slice(0, colon) : name;
  const parts = repo.split("/");
  // A first component with a dot or a port, or "localhost", is the registry host (distribution/reference).
  return parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.slice(1).join("/") : repo;
}

/**
 * felix's release from a calico/node image reference's tag (docker.io/calico/node:v3.31.0,
 * quay.io/calico/node:v3.30.2, a mirror's registry.corp/calico/node:v3.30.2): v3.MINOR.PATCH. Another
 * repository's tag is not Calico's release (tigera/cnx-node is Calico Enterprise: v3.20 there is not
 * Calico v3.20): none.
 */
export function felixRelease(image: unknown): { minor: number; patch: number } | undefined {
  if (typeof image !== "string") return undefined;
  const repo = repositoryOf(image);
  if (repo !== "calico/node" && !repo.endsWith("/calico/node")) return undefined;
  const name = image.split("@")[0], colon = name.lastIndexOf(":");
  if (colon < 0 || name.indexOf("/", colon) >= 0) return undefined;
  const m = /^v?3\.(\d+)\.(\d+)(?:[.+-]|$)/.exec(name.slice(colon + 1));
  return m ? { minor: Number(m[1]), patch: Number(m[2]) } : undefined;
}

/**
 * FELIX_BPFENABLED (felix's BoolParam) and FELIX_BPFEXTERNALSERVICEMODE (`oneof(tunnel,dsr)`, any
 * case) in the calico-node container's environment; an empty value is ignored (config_params.go
 * UpdateFrom), a value from a reference the input does not resolve is warned about and left unread.
 */
function readBpfEnv(state: FelixState, e: Field, name: string, where: string): void {
  const value = e.raw("value");
  if (e.get("valueFrom").present && (value === undefined || value === "")) { e.get("valueFrom").warn("vendor-config", `${name} comes from a reference the input does not resolve: the FelixConfiguration default decides the eBPF data plane`); return; }
  const text = e.get("value").string();
  if (!text) return;
  const bpf = state.bpfEnv ??= { where: `DaemonSet ${where}` };
  if (name.toUpperCase() === "FELIX_BPFENABLED") {
    const v = felixBool(text);
    if (v === undefined) e.get("value").error("enum", `${JSON.stringify(text)} is not a boolean felix reads (true, 1, yes, y, t; false, 0, no, n, f): felix refuses to start`);
    else bpf.enabled = v;
  } else {
    const mode = BPF_MODES[text.toLowerCase()];
    if (!mode) e.get("value").error("enum", `${JSON.stringify(text)} is not Tunnel or DSR: felix refuses to start`);
    else bpf.mode = mode;
  }
}

/** Once every object is read: the configuration into the inventory, and warnings where a setting is overridden or read by assumption. */
function settle(state: FelixState, b: InventoryBuilder): void {
  const { felix, fields } = state;
  b.inv.calicoFelix = felix;
  // natOutgoingExclusions: the environment, else the node's own FelixConfiguration, else default's (config_params.go:
  // EnvironmentVariable over DatastorePerHost over DatastoreGlobal).
  const excl = state.exclEnv ?? state.exclConfig;
  if (excl) felix.natOutgoingExclusions = excl;
  for (const [node, { hostIPs, where, field }] of state.exclNodes) {
    if (state.exclEnv) field.warn("vendor-config", `overridden: ${state.exclEnv.where}, which felix reads before any FelixConfiguration; this setting applies to no node`);
    else (felix.natOutgoingExclusionsOn ??= {})[node] = { hostIPs, where };
  }
  // The environment before FelixConfiguration default, setting by setting (config_params.go's sources in priority order).
  const enabled = state.bpfEnv?.enabled !== undefined ? state.bpfEnv : state.bpfConfig?.enabled !== undefined ? state.bpfConfig : undefined;
  if (enabled?.enabled) {
    const mode = state.bpfEnv?.mode ? state.bpfEnv : state.bpfConfig?.mode ? state.bpfConfig : undefined;
    felix.bpf = { enabled: true, where: enabled.where, ...(mode ? { externalServiceMode: { mode: mode.mode!, where: mode.where } } : {}) };
  }
  const ds = felix.daemonSet, env = felixEnvSetting(felix);
  for (const [name, s] of felix.configs) {
    const f = fields.get(name)!;
    if (env) {
      if (env.action !== s.action) f.warn("vendor-config", `overridden: ${env.where}, which felix reads before any FelixConfiguration (${ISSUE}); this ${s.action} applies to no node`);
    } else if (!ds && s.action !== "Accept") {
      f.warn("vendor-config", `Calico's manifests and operator set ${ENV}=ACCEPT on calico-node, which felix reads before any FelixConfiguration (${ISSUE}): in such an install this ${s.action} has no effect; the input shows no calico-node DaemonSet, so it is read as given`);
    }
  }
  if (ds?.setting === "unresolved") state.env?.warn("vendor-config", `${ENV} comes from a reference the input does not resolve: the FelixConfigurations decide, else Accept, as Calico's manifests and operator set it`);
  // The setting in force that says Return: the environment's, else the first FelixConfiguration's.
  const returned = env ? (env.action === "Return" ? state.env : undefined) : fields.get([...felix.configs].find(([, s]) => s.action === "Return")?.[0] ?? "");
  returned?.warn("vendor-config", "Return hands a pod's traffic to its own host to the host's INPUT chain, whose own rules the input does not show: read as accepted (iptables' default policy)");
}

export const felixFrontEnds: FrontEnd[] = [felixConfigurationFrontEnd];

/** A DaemonSet calico-node (or canal): felix's environment (readFelixEnv), once core.ts read it as a controller with a pod template. */
export const felixKindHooks: KindHook[] = [{
  kind: "DaemonSet",
  read(root, _ctx, b) {
    const md = root.get("metadata"), name = md.raw("name"), namespace = md.raw("namespace");
    const template = root.get("spec").get("template");
    if (typeof name !== "string" || name === "" || template.value === null || typeof template.value !== "object") return;
    readFelixEnv(template.get("spec"), { name, namespace: typeof namespace === "string" && namespace !== "" ? namespace : "default" }, b);
  },
}];
