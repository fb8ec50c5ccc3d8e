// Front ends for Cilium (cilium.io/v2): CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy.
//
// Cilium's semantics: an endpoint selected by a rule with ingress (or ingressDeny) sections is in
// default deny for ingress (unless enableDefaultDeny says otherwise), likewise for egress; allows
// of every policy (Kubernetes NetworkPolicies too) add up; a deny rule wins over any allow. So:
// deny rules → the Admin tier (checked first), isolating allow rules → the Namespace tier, allow
// rules of policies with enableDefaultDeny false → the Admin tier after the denies (they allow
// without isolating). CIDR rules and the world entity match only addresses outside the cluster.

import { addressCidr, cidrFrom, contains, parseAddress, type Cidr } from "../model/ip.js";
import { isGoTrue } from "../model/gobool.js";
import { CILIUM_FORWARDING_MODE, type CiliumServiceOptions } from "../model/cni.js";
import { PROTOCOLS, type PortMatch, type Protocol } from "../model/ports.js";
import { EVERYTHING, matches, selector, type LabelSelector, type Requirement } from "../model/selector.js";
import { REGEX_SEMANTICS, regexError } from "../model/regex.js";
import { defaultIdentity, labelKept, parseLabelPrefix, type LabelFilter, type LabelPrefix } from "../model/cilium-identity.js";
import { CILIUM_CLUSTER_LABEL, clusterLabels, type Action, type Direction, type EndpointSelector, type NamespaceMatch, type Peer, type Policy, type Rule, type Tier } from "../model/policy.js";
import type { Clause, Condition } from "../model/l7.js";
import type { SourceRef } from "../model/source.js";
import { Field, type ObjectContext } from "./fields.js";
import type { FrontEnd, KindHook } from "./frontend.js";
import type { InventoryBuilder, StateKey } from "./builder.js";
import { readCidrAs, readMeta, readSelector, type Meta } from "./k8s.js";
import { goBigInt } from "./kubeyaml.js";
import { applyRequires, type RequiresRule } from "./cilium-requires.js";
import { cniOfDaemonSet } from "../model/cni.js";
import { repositoryOf } from "./calico/felix.js";

const NAMESPACE_KEY = "io.kubernetes.pod.namespace";
const NAMESPACE_LABEL_PREFIX = "io.cilium.k8s.namespace.labels.";
const SERVICE_ACCOUNT_KEY = "io.cilium.k8s.policy.serviceaccount";
/** The agent's cluster-name when none is configured (Helm cluster.name, option ClusterName). */
const CILIUM_DEFAULT_CLUSTER = "default";
const DENY_PRIORITY = 0, OPEN_ALLOW_PRIORITY = 1;
const L3 = { ingress: ["fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromNodes", "fromGroups"], egress: ["toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toNodes", "toServices", "toGroups", "toFQDNs"] };
const REQUIRES = { ingress: "fromRequires", egress: "toRequires" } as const;
/**
 * A rule's L3 members, of which Cilium takes one at most (rule_validation.go IngressCommonRule.Validate,
 * EgressCommonRule.Validate with EgressRule.l3Members: "combining %s and %s is not supported yet").
 */
const L3_MEMBERS = L3;
/** The labels the Cilium operator gives the policy it derives from one with toGroups (pkg/policy/groups helpers.go createDerivativeCNP). */
const DERIVATIVE_KIND = "io.cilium.network.policy.kind", DERIVATIVE_PARENT = "io.cilium.network.policy.parent.uuid";

/**
 * `refused`: a rule Cilium's Rule.Validate refuses was read: the agent enforces none of the object.
 * `groups`: the first toGroups/fromGroups list read (the agent leaves the object to the operator's derivative).
 */
interface Scope { namespace?: string; b: InventoryBuilder; refused?: boolean; groups?: Field; l7?: Field; icmps?: Field; requires?: RequiresRule[] }

/**
 * The Cilium agent's options the input shows: its ConfigMap `cilium-config` (as the Helm chart and the
 * cilium CLI install it; the agent reads its options from it), with what waits for them once every
 * object is read: endpoint selectors naming the cluster, and fromNodes/toNodes rules.
 */
interface CiliumState {
  config?: AgentConfig;
  /** Endpoint selectors as written: their pod labels are read through the agent's label filter once it is known. */
  selectors: { sel: EndpointSelector; raw: LabelSelector; f: Field }[];
  nodeRules: Field[];
  /** CiliumClusterwideNetworkPolicy rules with a nodeSelector (host policies), judged against enable-host-firewall. */
  hostRules: Field[];
  /** Directions enableDefaultDeny false leaves open, judged against enable-non-default-deny-policies. */
  openDirections: OpenDirection[];
  /** fromNodes/toNodes peers as written, read through the node label filter (node-labels). */
  nodePeers: { peer: Extract<Peer, { kind: "nodes" }>; raw: LabelSelector; f: Field }[];
  /** CIDR rules' peers (not world): they match node addresses under policy-cidr-match-mode nodes. */
  cidrPeers: Extract<Peer, { kind: "cidr" }>[];
  /** Every Service's metadata.labels by namespace/name (toServices k8sServiceSelector matches them). */
  serviceLabels: Map<string, unknown>;
  /** CiliumCIDRGroups by name: their labels and spec.externalCIDRs. */
  cidrGroups: Map<string, { labels: Record<string, string>; cidrs: Cidr[] }>;
  /** Policies with toGroups/fromGroups, left to the operator's derivative (settle). */
  groupPolicies: { policies: Policy[]; f: Field; namespace?: string; uid?: string; kind: string; name: string }[];
  /** Policies with L7 rules or ICMP rules: the agent refuses them without enable-l7-proxy, enable-icmp-rules (settleOptions). */
  gated: { policies: Policy[]; l7?: Field; icmps?: Field }[];
  /** The derivatives the input holds: namespace/parent uid. */
  derivatives: Set<string>;
  /** fromRequires/toRequires read (settleRequires). */
  requires: RequiresRule[];
  /** fromEndpoints/toEndpoints peers and toServices' generated ones: the selectors requirements narrow. */
  endpointPeers: WeakSet<Peer>;
  /** The agent's release, from the image of its DaemonSet cilium (container cilium-agent). */
  release?: { minor: number; where: string };
  /**
   * Peers that need every object read (toServices, toCIDRSet cidrGroupRef, the kube-apiserver entity): added at the
   * start of settle, before the steps that read, split or copy the rules' peers (settleRequires narrows toServices'
   * generated selectors; as deferred steps after settle they were pushed into rules it had already rebuilt).
   */
  peerSteps: (() => void)[];
}

interface AgentConfig {
  clusterName?: string; nodeSelectorLabels: boolean; where: string;
  /** The identity label filter (the default one, with the `labels` option's prefixes) and the node label filter (`node-labels`). */
  identity: LabelFilter; node: LabelFilter;
  /** policy-cidr-match-mode includes nodes. */
  cidrNodes: boolean;
  /** enable-policy always: every endpoint in default deny both ways; its source for the policy standing for it. */
  alwaysEnforce?: SourceRef;
  /** enable-policy never: no policy enforced. */
  neverEnforce?: boolean;
  /** enable-host-firewall: policies with a nodeSelector (host policies) are enforced. */
  hostFirewall: boolean;
  /** enable-non-default-deny-policies (default true): enableDefaultDeny false is honoured. */
  nonDefaultDeny: boolean;
  /** enable-k8s-networkpolicy (default true): Kubernetes NetworkPolicies are enforced. */
  k8sNetworkPolicy: boolean;
  /** enable-l7-proxy (default true): without it the agent refuses a policy with L7 rules. */
  l7Proxy: boolean;
  /** enable-icmp-rules (default true): without it the agent refuses a policy with ICMP rules. */
  icmpRules: boolean;
}

/** A direction a rule leaves open (enableDefaultDeny false): its allows, where they went and where they go when the option is off. */
interface OpenDirection { d: Direction; allows: Rule[]; open: Policy; isolating: Policy }

const CILIUM: StateKey<CiliumState> = { make: () => ({ selectors: [], nodeRules: [], hostRules: [], openDirections: [], nodePeers: [], cidrPeers: [], serviceLabels: new Map(), cidrGroups: new Map(), groupPolicies: [], gated: [], derivatives: new Set(), requires: [], endpointPeers: new WeakSet(), peerSteps: [] }), settle };

function stateOf(b: InventoryBuilder): CiliumState {
  return b.state(CILIUM);
}

/**
 * Reads the agent's options from its ConfigMap `cilium-config` (any namespace: the chart's is the one
 * Cilium is installed in, kube-system by default): `cluster-name` (the name io.cilium.k8s.policy.cluster
 * carries) and `enable-node-selector-labels` (without it the agent refuses fromNodes/toNodes rules).
 */
export function readCiliumConfig(root: Field, meta: Meta, b: InventoryBuilder): void {
  if (meta.name !== "cilium-config") return;
  const data = root.get("data");
  const clusterName = data.get("cluster-name").string() || undefined;
  const state = stateOf(b);
  const where = `${meta.namespace}/${meta.name}`;
  if (state.config) root.get("metadata").get("name").warn("vendor-config", `a second Cilium agent configuration (${where}; the first was ${state.config.where}): this one is read`);
  const cidrMode = data.get("policy-cidr-match-mode");
  const modes = words(cidrMode.string());
  for (const m of modes) if (m !== "nodes") cidrMode.error("enum", `${JSON.stringify(m)} is not a policy-cidr-match-mode (nodes, or nothing): the agent refuses to start`);
  // viper reads a boolean option as strconv.ParseBool.
  state.config = {
    clusterName, nodeSelectorLabels: isGoTrue(data.get("enable-node-selector-labels").string()), where,
    identity: labelFilter(data.get("labels"), defaultIdentity().prefixes), node: labelFilter(data.get("node-labels"), []), cidrNodes: modes.includes("nodes"),
    ...enforcement(enforcementMode(data.get("enable-policy")), root.ctx.ref),
    hostFirewall: isGoTrue(data.get("enable-host-firewall").string()),
    nonDefaultDeny: !isGoFalse(data.get("enable-non-default-deny-policies")),
    k8sNetworkPolicy: !isGoFalse(data.get("enable-k8s-networkpolicy")),
    l7Proxy: !isGoFalse(data.get("enable-l7-proxy")), icmpRules: !isGoFalse(data.get("enable-icmp-rules")),
  };
  // allow-localhost (auto, always, policy; the agent refuses another value): whether the local host
  // reaches the node's endpoints whatever their ingress policy; the engine's --own-node=auto reads it.
  const allowLocalhost = data.get("allow-localhost").string({ oneOf: ["auto", "always", "policy"] });
  b.inv.ciliumAgent = { where, identity: state.config.identity, ...(allowLocalhost ? { allowLocalhost } : {}), services: serviceOptions(data), ...(state.config.hostFirewall ? { hostFirewall: true as const } : {}) };
  // pkg/policy/api/entity.go ParseAdditionalEntitySelectors (recent agents): label selectors appended to the
  // entities' at start (kube-apiserver's to cluster's too). Not read: answered with the built-in ones.
  const entities = data.get("policy-entity-selectors");
  if ((entities.string() ?? "").trim()) entities.warn("vendor-config", "policy-entity-selectors adds label selectors to the entities fromEntities/toEntities name (entity.go applyAdditionalEntitySelectors), which Junction does not read: each entity is answered with its built-in selectors only, so a pod the option adds to one is not matched by it");
  const file = data.get("label-prefix-file");
  if ((file.string() ?? "").trim()) file.warn("vendor-config", "label-prefix-file replaces the agent's label filter with a file the input does not hold: selectors are read with the default filter and the labels option");
}

/**
 * The agent's Service data path (model/cni.ts serviceDataPath): kube-proxy-replacement "true" (1.15
 * and later: true or false, pkg/option/config.go checkKubeProxyReplacement's "Invalid value for
 * --kube-proxy-replacement") or "strict" (the earlier releases' full replacement; partial, probe and
 * disabled left node ports to kube-proxy unless enable-node-port was set); bpf-lb-mode snat (the
 * default), dsr or hybrid (node-port-mode before 1.9), any other value refused at start.
 */
function serviceOptions(data: Field): CiliumServiceOptions {
  const kpr = data.get("kube-proxy-replacement");
  const text = kpr.string();
  const legacy = ["strict", "partial", "probe", "disabled"];
  if (text && text !== "true" && text !== "false" && !legacy.includes(text)) kpr.error("enum", `${JSON.stringify(text)} is not a kube-proxy-replacement value (true or false; strict, partial, probe or disabled before Cilium 1.15): the agent refuses to start`);
  const nodePort = data.get("enable-node-port");
  if ((text === "partial" || text === "probe") && !isGoTrue(nodePort.string())) kpr.warn("vendor-config", `kube-proxy-replacement ${text} enables the agent's node port handling only with enable-node-port (or, for probe, where the kernel supports it), which the input does not set: node ports, load balancer addresses and external IPs are read as kube-proxy serves them`);
  const mode = data.get("bpf-lb-mode").present ? data.get("bpf-lb-mode") : data.get("node-port-mode");
  const lbMode = mode.string({ oneOf: ["snat", "dsr", "hybrid"] }) as CiliumServiceOptions["lbMode"] | undefined;
  // pkg/loadbalancer/config.go NewConfig: "The value --bpf-lb-mode=hybrid is not supported as default under annotation mode".
  const annotation = isGoTrue(data.get("bpf-lb-mode-annotation").string());
  if (annotation && lbMode === "hybrid") mode.error("invalid-value", "bpf-lb-mode hybrid is not supported as the default under bpf-lb-mode-annotation: the agent refuses to start");
  return { kubeProxyReplacement: text === "true" || text === "strict" || isGoTrue(nodePort.string()), lbMode: lbMode ?? "snat", ...(annotation ? { lbModeAnnotation: true as const } : {}) };
}

/**
 * enable-policy (Helm policyEnforcementMode), lowercased as the agent reads it: default, always or
 * never; another value stops the agent ("invalid value for enable-policy"). Under always,
 * repository.go computePolicyEnforcementAndRules returns "true, true, true, true" for every
 * endpoint: default deny both ways whether or not a rule selects it (settle adds a policy standing
 * for it); under never (policyMode == option.NeverEnforce: "return false, false, ...") it enforces
 * nothing: settle leaves the policies it would enforce (Cilium's and NetworkPolicies) out, a warning.
 */
function enforcementMode(f: Field): string | undefined {
  const text = f.string()?.toLowerCase();
  if (text === undefined || text === "" || text === "default") return undefined;
  if (text !== "always" && text !== "never") return f.error("enum", `${JSON.stringify(f.string())} is not an enable-policy mode (default, always, never): the agent refuses to start`);
  if (text === "never") f.warn("vendor-config", "enable-policy never: the Cilium agent enforces no policy, so NetworkPolicies, CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies are left out of the answers (every connection they would decide is allowed)");
  return text;
}

function enforcement(mode: string | undefined, ref: SourceRef): Pick<AgentConfig, "alwaysEnforce" | "neverEnforce"> {
  return mode === "always" ? { alwaysEnforce: ref } : mode === "never" ? { neverEnforce: true } : {};
}

/** The policies the Cilium agent enforces: its own and Kubernetes NetworkPolicies. */
const CILIUM_ENFORCED = new Set(["CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "NetworkPolicy"]);

/** A boolean option whose default is true, set to false (strconv.ParseBool). */
function isGoFalse(f: Field): boolean {
  const text = f.string();
  return text !== undefined && text !== "" && !isGoTrue(text);
}

/** A space-separated option list, as the agent's options (viper GetStringSlice: strings.Fields) read one. */
function words(text: string | undefined): string[] {
  return (text ?? "").split(/\s+/).filter(Boolean);
}

const DEFAULT_NODE: LabelFilter = { prefixes: [], whitelist: false };

/**
 * ParseLabelPrefixCfg: `base` and the option's prefixes (`labels` for identities, `node-labels` for
 * nodes); an include prefix among them turns the whitelist on. A prefix that does not parse: the agent refuses to start.
 */
function labelFilter(f: Field, base: readonly LabelPrefix[]): LabelFilter {
  const added = words(f.string()).map((t) => { const p = parseLabelPrefix(t); if (typeof p === "string") f.error("invalid-prefix", `${JSON.stringify(t)}: ${p}: the agent refuses to start`); return p; })
    .filter((p): p is LabelPrefix => typeof p !== "string");
  return { prefixes: [...base, ...added], whitelist: added.some((p) => !p.ignore) };
}

/**
 * Once every object is read: endpoint selectors through the agent's label filter, the cluster's name
 * into the selectors that name it, fromNodes/toNodes against the agent's options (and node-labels),
 * CIDR rules against policy-cidr-match-mode.
 */
function settle(state: CiliumState, b: InventoryBuilder): void {
  for (const step of state.peerSteps) step();
  settleOptions(state, b);
  settleGroups(state, b);
  const name = state.config?.clusterName;
  const always = state.config?.alwaysEnforce;
  // evaluateDefaultDenyForRule: "Since Non Default Deny Policies is disabled by flag, DefaultDeny is
  // enabled": under enable-non-default-deny-policies false a direction enableDefaultDeny leaves open
  // isolates after all (its allows in the Namespace tier, no longer in the Admin tier).
  if (state.config && !state.config.nonDefaultDeny && state.openDirections.length) {
    for (const o of state.openDirections) {
      o.isolating[o.d] = o.allows;
      delete o.open[o.d];
      if (!b.inv.policies.includes(o.isolating)) b.inv.policies.push(o.isolating);
    }
    const emptied = new Set(state.openDirections.map((o) => o.open).filter((p) => p.ingress === undefined && p.egress === undefined));
    const kept = b.inv.policies.filter((p) => !emptied.has(p));
    b.inv.policies.splice(0, b.inv.policies.length, ...kept);
  }
  // enable-policy never: the policies the agent would enforce are left out; enable-k8s-networkpolicy
  // false: NetworkPolicies (the agent does not watch them). (After the step above, which pushes the
  // isolating parts of open directions back: under never those go too.)
  const dropped = state.config?.neverEnforce ? CILIUM_ENFORCED : state.config?.k8sNetworkPolicy === false ? new Set(["NetworkPolicy"]) : undefined;
  if (dropped) {
    const kept = b.inv.policies.filter((p) => !dropped.has(p.kind));
    b.inv.policies.splice(0, b.inv.policies.length, ...kept);
  }
  // enable-policy always: every pod Cilium manages (every pod's endpoint: host-network pods are the
  // host's identity, which policy does not select without the host firewall) in default deny both
  // ways, whatever selects it; every allow still adds up (Namespace tier, nothing allowed by itself).
  if (always) b.inv.policies.push({ kind: "Cilium agent", name: "enable-policy-always", tier: "namespace", priority: 1000, subject: EVERY_POD, ingress: [], egress: [], src: always });
  // Under the host firewall the host endpoint too (computePolicyEnforcementAndRules returns the
  // always mode's "true, true" for it once "lbls.Has(labels.IDNameHost) && !option.Config.EnableHostFirewall" does not hold).
  if (always && state.config?.hostFirewall) b.inv.policies.push({ kind: "Cilium agent", name: "enable-policy-always-host", tier: "namespace", priority: 1000, subject: EVERY_HOST, ingress: [], egress: [], src: always });
  for (const { sel, raw, f } of state.selectors) {
    const labels = identitySelector(raw, f, state.config?.identity ?? defaultIdentity(), "k8s");
    const cc = sel.ciliumCluster;
    if (!cc) { sel.labels = labels; continue; }
    sel.ciliumCluster = { ...cc, labels, ...(name !== undefined ? { name } : {}) };
    sel.labels = clusterLabels(sel.ciliumCluster, name ?? CILIUM_DEFAULT_CLUSTER);
    if (name !== undefined) continue;
    f.warn("vendor-cluster", `${CILIUM_CLUSTER_LABEL} is matched against the cluster's name (the Cilium agent's cluster-name), which the input does not show (no ConfigMap cilium-config with cluster-name): read as Cilium's default "${CILIUM_DEFAULT_CLUSTER}" (with --cluster NAME=PATH, that NAME); pods of other clusters of a Cluster Mesh are not in the model`);
  }
  for (const { peer, raw, f } of state.nodePeers) peer.selector = identitySelector(raw, f, state.config?.node ?? DEFAULT_NODE, "node");
  if (state.config?.cidrNodes) for (const peer of state.cidrPeers) peer.nodes = true;
  // repository.go computePolicyEnforcementAndRules: "if lbls.Has(labels.IDNameHost) &&
  // !option.Config.EnableHostFirewall" no policy applies to the host: host policies change nothing.
  // Host policies are enforced under enable-host-firewall only: the nodes are then the host endpoint
  // (match.ts ciliumHostOf), in default deny per direction once a host policy selects them, as pods.
  if (!state.config?.hostFirewall && state.hostRules.length) {
    for (const f of state.hostRules) f.warn("vendor-host-policy", `a host policy (nodeSelector) is enforced only under the agent's enable-host-firewall (Helm hostFirewall.enabled), ${state.config ? `which ${state.config.where} does not set` : "off by default, and the input does not show the agent's options (no ConfigMap cilium-config with enable-host-firewall)"}: it is not enforced, and the nodes' traffic is answered as unpoliced`);
    dropPolicies(state, b, new Set(b.inv.policies.filter((p) => CILIUM_ENFORCED.has(p.kind) && p.subject.kinds.includes("host"))));
  }
  settleRequires(state, b);
  for (const f of state.nodeRules) {
    if (state.config && !state.config.nodeSelectorLabels) f.error("unsupported", `fromNodes/toNodes rules can only be applied when the agent's enable-node-selector-labels option is set, and ${state.config.where} does not set it: Cilium refuses the policy`);
    else if (!state.config) f.warn("vendor-nodes", "fromNodes/toNodes take effect only when the Cilium agent runs with enable-node-selector-labels (Helm nodeSelectorLabels: true; off by default, and then the agent refuses the policy), which the input does not show (no ConfigMap cilium-config): read as with it, the nodes whose labels match");
  }
}

/**
 * fromRequires/toRequires by the agent's release (its DaemonSet's image): up to 1.18 each policy the
 * requirements reach is split and narrowed (cilium-requires.ts applyRequires); from 1.19 on the API
 * server refuses them (the CRD's maxItems 0), and with no release shown Junction cannot tell which:
 * errors, and --lenient reads the rules without them, as 1.19 would.
 */
function settleRequires(state: CiliumState, b: InventoryBuilder): void {
  if (!state.requires.length) return;
  const release = state.release;
  if (!release || release.minor >= 19) {
    for (const r of state.requires) {
      const k = r.f.path.at(-1);
      r.f.error("unsupported", release
        ? `${k} was removed in Cilium 1.19 (${release.where}; the CRD refuses a non-empty list: maxItems 0, so the API server refuses the policy); --lenient reads the rule without it`
        : `${k} narrows, up to Cilium 1.18, the ${r.d === "ingress" ? "fromEndpoints" : "toEndpoints"} selectors of every rule selecting the endpoints its policy selects, and Cilium 1.19 removed it (the CRD refuses a non-empty list): the input does not show the agent's release (a DaemonSet cilium whose cilium-agent image is quay.io/cilium/cilium:v1.MINOR.PATCH), so Junction cannot tell which; add it (--lenient reads the rule without it, as 1.19)`);
    }
    return;
  }
  // The vendored CRD is 1.19's (fromRequires: maxItems 0); up to 1.18 the CRD takes a list of
  // endpoint selectors, so its schema errors on these fields are withdrawn.
  for (const r of state.requires) withdrawSchemaErrors(r.f);
  const narrowable = (peer: Peer, p: Policy) => p.kind === "NetworkPolicy" || state.endpointPeers.has(peer);
  const out: Policy[] = [];
  for (const p of b.inv.policies) {
    if (!CILIUM_ENFORCED.has(p.kind)) { out.push(p); continue; }
    const split = applyRequires(p, state.requires, narrowable);
    if (typeof split === "string") {
      for (const r of state.requires) r.f.error("unsupported", `${r.f.path.at(-1)} (Cilium ${`1.${release.minor}`}, ${release.where}) reaches ${p.kind} ${p.namespace ? `${p.namespace}/` : ""}${p.name}, but ${split}; --lenient reads the rules without it`);
      out.push(p);
      continue;
    }
    out.push(...split);
  }
  b.inv.policies.splice(0, b.inv.policies.length, ...out);
}

/** Takes back the schema's errors (maxItems, type) on `f` and below it. */
function withdrawSchemaErrors(f: Field): void {
  const path = f.path, items = f.ctx.diags.items;
  const under = (d: (typeof items)[number]) => d.severity === "error" && (d.code === "maxItems" || d.code === "type") && d.ref?.file === f.ctx.ref.file && d.ref?.doc === f.ctx.ref.doc
    && d.field !== undefined && d.field.length >= path.length && path.every((k, i) => d.field![i] === k);
  const kept = items.filter((d) => !under(d));
  items.splice(0, items.length, ...kept);
}

/** The agent's release from its DaemonSet cilium: the cilium-agent container's (else the first's) image tag v1.MINOR.PATCH. */
function readCiliumRelease(root: Field, _ctx: ObjectContext, b: InventoryBuilder): void {
  const md = root.get("metadata"), name = md.raw("name");
  if (typeof name !== "string" || cniOfDaemonSet(name)?.family !== "cilium") return;
  const containers = root.get("spec").get("template").get("spec").childList("containers") ?? [];
  const agent = containers.find((c) => c.raw("name") === "cilium-agent") ?? containers[0];
  const image = agent?.raw("image");
  if (typeof image !== "string" || !repositoryOf(image).endsWith("cilium/cilium")) return;
  const tag = image.split("@")[0].slice(image.split("@")[0].lastIndexOf(":") + 1);
  const m = /^v?1\.(\d+)\.\d+(?:[.+-]|$)/.exec(tag);
  const namespace = md.raw("namespace");
  if (m) stateOf(b).release = { minor: Number(m[1]), where: `image ${image} of DaemonSet ${typeof namespace === "string" && namespace ? namespace : "default"}/${name}` };
}

/**
 * toGroups/fromGroups (pkg/policy/api rule.go Rule.RequiresDerivative, over egress, egressDeny,
 * ingress and ingressDeny): the agent does not import such a policy (pkg/policy/k8s
 * cilium_network_policy.go onUpsert: `if cnp.RequiresDerivative() { return nil }`). The operator asks
 * the cloud provider for the groups' addresses and writes a derivative policy in its place
 * (pkg/policy/groups createDerivativeCNP: `NAME-togroups-UID`, labelled io.cilium.network.policy.kind
 * derivative and io.cilium.network.policy.parent.uuid UID, the groups turned into toCIDRSet), which
 * the agent enforces. When the input holds that derivative, the policy itself is left out (a note);
 * otherwise the groups' addresses cannot be known offline: an error, and --lenient reads an allow
 * rule's groups as no address and a deny rule's as every address outside the cluster (never a wrong allowed).
 */
function settleGroups(state: CiliumState, b: InventoryBuilder): void {
  const dropped = new Set<Policy>();
  for (const g of state.groupPolicies) {
    const where = `${g.namespace ? `${g.namespace}/` : ""}${g.name}`;
    if (g.uid === undefined || !state.derivatives.has(`${g.namespace ?? ""}/${g.uid}`)) {
      g.f.error("unsupported", `${g.f.path.at(-1)}: the Cilium agent does not enforce ${g.kind} ${where} itself; the operator resolves the cloud provider groups to addresses and writes a derivative policy (${g.name}-togroups-UID, labelled ${DERIVATIVE_PARENT}: UID), which the input does not hold${g.uid === undefined ? " (nor does the policy give its metadata.uid)" : ""}, and which no offline reading can know: read a live cluster, or add the derivative (--lenient reads allowed groups as no address, denied ones as every address outside the cluster)`);
      continue;
    }
    g.f.info("vendor-groups", `the Cilium agent does not enforce ${g.kind} ${where} itself, but the derivative policy the operator wrote from it (labelled ${DERIVATIVE_PARENT}: ${g.uid}), which the input holds: this one is left out`);
    for (const p of g.policies) dropped.add(p);
  }
  dropPolicies(state, b, dropped);
}

/**
 * rule_validation.go IngressRule/EgressRule.Validate: "L7 policy is not supported since L7 proxy is
 * not enabled" (countL7Rules: http or dns rules in an allow rule's toPorts) under enable-l7-proxy
 * "false", and, in deny rules too, "ICMP rules can only be applied when the \"enable-icmp-rules\" flag
 * is set" under enable-icmp-rules "false": the agent refuses the policy, so it enforces none of it.
 */
function settleOptions(state: CiliumState, b: InventoryBuilder): void {
  const config = state.config;
  if (!config || (config.l7Proxy && config.icmpRules)) return;
  const dropped = new Set<Policy>();
  for (const g of state.gated) {
    const why = !config.l7Proxy && g.l7 ? { f: g.l7, text: `L7 policy is not supported since L7 proxy is not enabled (${config.where} sets enable-l7-proxy "false")` }
      : !config.icmpRules && g.icmps ? { f: g.icmps, text: `ICMP rules can only be applied when the "enable-icmp-rules" flag is set (${config.where} sets it "false")` } : undefined;
    if (!why) continue;
    why.f.error("invalid-rule", `${why.text}: Cilium refuses the policy, so it enforces none of it`);
    for (const p of g.policies) dropped.add(p);
  }
  dropPolicies(state, b, dropped);
}

/** Takes `dropped` out of the policies and of the open directions (which settle may push back). */
function dropPolicies(state: CiliumState, b: InventoryBuilder, dropped: ReadonlySet<Policy>): void {
  if (!dropped.size) return;
  b.inv.policies.splice(0, b.inv.policies.length, ...b.inv.policies.filter((p) => !dropped.has(p)));
  state.openDirections = state.openDirections.filter((o) => !dropped.has(o.open) && !dropped.has(o.isolating));
}

/** Whether a pod label of this key is part of its Cilium identity under the agent's default label filter. */
export function ciliumIdentityLabel(key: string): boolean {
  return labelKept(defaultIdentity(), "k8s", key);
}

/**
 * How the input's Cilium agent reads a NetworkPolicy (its ConfigMap, else the defaults): the identity
 * label filter (`labels`), and whether CIDR rules match node addresses (policy-cidr-match-mode nodes).
 */
export function ciliumReading(b: InventoryBuilder): { identity: LabelFilter; cidrNodes: boolean } {
  const config = stateOf(b).config;
  return { identity: config?.identity ?? defaultIdentity(), cidrNodes: config?.cidrNodes ?? false };
}

/**
 * A pod label selector as Cilium matches it against identities (`filter`: the agent's, default: the
 * default one): a requirement on a label its filter leaves out of every identity (pod-template-hash,
 * statefulset.kubernetes.io/pod-name, ...) never holds when it asks for the label (In, Exists), and
 * always holds otherwise (NotIn, DoesNotExist). A warning on `f`.
 */
export function ciliumIdentitySelector(sel: LabelSelector, f: Field, filter: LabelFilter = defaultIdentity()): LabelSelector {
  return identitySelector(sel, f, filter, "k8s");
}

/** As ciliumIdentitySelector, for labels of `source` (k8s: pods, node: nodes) through `filter`. */
function identitySelector(sel: LabelSelector, f: Field, filter: LabelFilter, source: "k8s" | "node"): LabelSelector {
  const outside = sel.requirements.filter((r) => !labelKept(filter, source, r.key));
  if (!outside.length) return sel;
  const never = outside.find((r) => r.operator === "In" || r.operator === "Exists");
  const keys = [...new Set(outside.map((r) => r.key))].join(", ");
  const which = source === "node" ? "Cilium's node identities (the agent's node-labels filter" : `Cilium's identities (the agent's ${filter === defaultIdentity() ? "default " : ""}label filter, pkg/labelsfilter,`;
  f.warn("vendor-identity-label", `${keys}: no label of ${which} leaves it out), so Cilium's selectors never see it: ${never ? "this selector selects nothing" : "its requirement always holds"}`);
  return never ? selector({}, [{ key: never.key, operator: "In", values: [] }]) : selector({}, sel.requirements.filter((r) => labelKept(filter, source, r.key)));
}

/** Label keys may carry a source prefix ("k8s:", "any:"); it is dropped before validation (and the matchLabels key `drop` with it). */
function withoutSourcePrefix(f: Field, drop?: string): Field {
  const o = f.object();
  if (!o) return f;
  const strip = (k: string) => k.replace(/^(k8s|any):/, "");
  const labels = o.matchLabels && typeof o.matchLabels === "object" && !Array.isArray(o.matchLabels)
    ? Object.fromEntries(Object.entries(o.matchLabels as Record<string, unknown>).filter(([k]) => k !== drop).map(([k, v]) => [strip(k), v])) : o.matchLabels;
  const exprs = Array.isArray(o.matchExpressions)
    ? o.matchExpressions.map((e) => (e && typeof e === "object" && typeof (e as { key?: unknown }).key === "string" ? { ...e, key: strip((e as { key: string }).key) } : e)) : o.matchExpressions;
  return new Field(f.ctx, { ...o, matchLabels: labels, matchExpressions: exprs }, f.path);
}

/**
 * A Cilium endpoint selector: pod labels, plus the special keys for namespace, namespace labels and
 * service account. `subject`: the policy's endpointSelector (else a fromEndpoints/toEndpoints peer).
 *
 * Where a selector without a namespace looks, as pkg/k8s/apis/cilium.io/utils/utils.go reads it:
 * - a CiliumNetworkPolicy's endpointSelector (ParseToCiliumRule): always its own namespace.
 *   `AddMatch(podPrefixLbl, namespace)` overwrites a matchLabels `k8s:io.kubernetes.pod.namespace`
 *   (Cilium logs "illegal namespace match in EndpointSelector ... removing"), while every other
 *   namespace requirement (`io.kubernetes.pod.namespace` without the k8s: source, matchExpressions)
 *   stays beside it, so one naming another namespace selects nothing; the repository also matches a
 *   namespaced rule against its namespace's identities only (repository.go rulesByNamespace).
 * - a peer (getEndpointSelector): its namespace when it names one (`k8s:`/`any:`
 *   io.kubernetes.pod.namespace), every namespace when it has a namespace-labels requirement
 *   (`io.cilium.k8s.namespace.labels.*`: "!es.HasKeyPrefix(podK8SNamespaceLabelsPrefix)"), else
 *   the policy's namespace (a CiliumClusterwideNetworkPolicy's: every namespace).
 */
function readEndpointSelector(f: Field, scope: Scope, subject = false): EndpointSelector | undefined {
  if (f.keys().some((k) => Object.keys(f.object() ?? {}).some((x) => x.startsWith("reserved:")) || k.includes("reserved:"))) return f.error("unsupported", "reserved identities are written with fromEntities/toEntities");
  const rawLabels = f.object()?.matchLabels;
  const overwritten = subject && scope.namespace !== undefined && rawLabels !== null && typeof rawLabels === "object" && Object.hasOwn(rawLabels, `k8s:${NAMESPACE_KEY}`);
  if (overwritten) {
    const value = (rawLabels as Record<string, unknown>)[`k8s:${NAMESPACE_KEY}`];
    if (value !== scope.namespace) f.get("matchLabels").get(`k8s:${NAMESPACE_KEY}`).warn("vendor-namespace", `${JSON.stringify(value)}: a CiliumNetworkPolicy's endpointSelector always selects pods of its own namespace (${scope.namespace}); Cilium removes this match and selects there (utils.go ParseToCiliumRule: "illegal namespace match in EndpointSelector")`);
  }
  const sel = readSelector(withoutSourcePrefix(f, overwritten ? `k8s:${NAMESPACE_KEY}` : undefined));
  const pod: Requirement[] = [], ns: Requirement[] = [], cluster: Requirement[] = [];
  let accounts: string[] | undefined;
  let namespaced = false, nsLabels = false;
  for (const r0 of sel.requirements) {
    const key = r0.key.replace(/^(k8s|any):/, "");
    const r = { ...r0, key };
    if (key.startsWith("reserved:") || r0.key.startsWith("reserved:")) return f.error("unsupported", `${r0.key}: reserved identities are written with fromEntities/toEntities`);
    if (key === NAMESPACE_KEY) { ns.push({ ...r, key: "kubernetes.io/metadata.name" }); namespaced = true; }
    else if (key.startsWith(NAMESPACE_LABEL_PREFIX)) { ns.push({ ...r, key: key.slice(NAMESPACE_LABEL_PREFIX.length) }); nsLabels = true; }
    else if (key === CILIUM_CLUSTER_LABEL) cluster.push(r);
    else if (key === SERVICE_ACCOUNT_KEY) {
      if (r.operator !== "In") return f.error("unsupported", `${r0.key} can only be matched with In (matchLabels)`);
      accounts = [...r.values];
    } else pod.push(r);
  }
  const own = scope.namespace !== undefined && (subject || (!namespaced && !nsLabels));
  const namespaces: NamespaceMatch = own
    ? (ns.length ? { kind: "selector", selector: selector({ "kubernetes.io/metadata.name": scope.namespace! }, ns) } : { kind: "name", name: scope.namespace! })
    : { kind: "selector", selector: selector({}, ns) };
  // Its pod labels are matched against identities, whose labels the agent's filter chose (settle:
  // once the agent's options are read). Every pod Cilium manages carries its cluster's name
  // (InitEntities, the pod's k8s labels): the agent's cluster-name (its ConfigMap cilium-config), else
  // Cilium's default, or the --cluster name.
  const raw = selector({}, pod);
  const out: EndpointSelector = { namespaces, labels: raw, kinds: ["pod"], ...(cluster.length ? { ciliumCluster: { requirements: cluster, labels: raw } } : {}), ...(accounts ? { serviceAccounts: accounts } : {}) };
  stateOf(scope.b).selectors.push({ sel: out, raw, f });
  return out;
}

const EVERY_POD: EndpointSelector = { namespaces: { kind: "selector", selector: EVERYTHING }, labels: EVERYTHING, kinds: ["pod"] };
const EVERY_HOST: EndpointSelector = { namespaces: { kind: "any" }, labels: EVERYTHING, kinds: ["host"] };

const WORLD: Peer[] = [cidrFrom("0.0.0.0/0"), cidrFrom("::/0")].map((cidr) => ({ kind: "cidr", cidr, except: [], outside: true }));

/** Cilium's own identities that no object of the input stands for (pkg/policy/api/entity.go). */
const OWN_IDENTITIES: Record<string, string> = {
  init: "endpoints whose identity Cilium has not resolved yet (reserved:init)",
  health: "Cilium's health-check endpoints, one per node (reserved:health)",
  unmanaged: "pods Cilium does not manage (reserved:unmanaged)",
  ingress: "Cilium's Envoy proxy for its Ingress and Gateway API support (reserved:ingress): traffic routed through a Cilium Ingress or Gateway reaches its backends from this identity, not from the client",
};

/**
 * The kube-apiserver entity (reserved:kube-apiserver): Cilium labels the addresses of the
 * endpoints of the Service default/kubernetes (its EndpointSlice watcher for that Service) with it,
 * whatever else they are (a node, or an address outside the cluster). Peers of those addresses,
 * added into `peers` once every object is read; when the input has no such EndpointSlice, the
 * entity matches nothing here, with a warning on `f` (when given).
 */
function apiServerPeers(peers: Peer[], scope: Scope, f?: Field): void {
  stateOf(scope.b).peerSteps.push(() => {
    const addresses = new Set(scope.b.inv.endpointSlices.filter((s) => s.namespace === "default" && s.service === "kubernetes" && s.addressType !== "FQDN").flatMap((s) => s.endpoints.flatMap((e) => e.addresses)));
    for (const a of addresses) {
      const addr = parseAddress(a);
      if (addr) peers.push({ kind: "cidr", cidr: addressCidr(addr), except: [] });
    }
    if (!addresses.size && f) f.warn("vendor-kube-apiserver", "the kube-apiserver entity is the API server's addresses, which Cilium takes from the endpoints of the Service default/kubernetes: the input has no EndpointSlice of it, so this entity matches no address here");
  });
}

/** Entities into `peers` (pkg/policy/api/entity.go EntitySelectorMapping); false for `all` (every peer). */
function entityPeers(f: Field, scope: Scope, peers: Peer[]): boolean {
  const names = (f.list() ?? []).map((e) => e.string({ required: true })).filter((s): s is string => s !== undefined);
  if (names.includes("all")) return false;
  const allNodes: Peer = { kind: "nodes", selector: EVERYTHING };
  if (names.includes("host") && names.includes("remote-node")) peers.push(allNodes);
  for (const [i, n] of names.entries()) {
    switch (n) {
      case "world": case "world-ipv4": case "world-ipv6": peers.push(...WORLD.filter((w) => n === "world" || (w.kind === "cidr" && `world-ipv${w.cidr.family}` === n))); break;
      // InitEntities: host, remote-node, init, ingress, health, unmanaged, kube-apiserver and the pods of this cluster.
      case "cluster": peers.push({ kind: "endpoints", selector: EVERY_POD }, allNodes); apiServerPeers(peers, scope); break;
      case "kube-apiserver": apiServerPeers(peers, scope, f.get(i)); break;
      case "none": break;
      case "init": case "health": case "unmanaged": case "ingress":
        if (n === "ingress") f.get(i).warn("vendor-entity", `the ingress entity is ${OWN_IDENTITIES[n]}; the model has no such endpoint, so this entity matches no flow here`);
        else f.get(i).info("vendor-entity", `the ${n} entity is ${OWN_IDENTITIES[n]}; the model has no such endpoint, so it matches no flow here`);
        break;
      case "host": case "remote-node":
        if (names.includes("host") && names.includes("remote-node")) break;
        // The host (reserved:host) is the endpoint's own node, and host-network pods on it (the node
        // manager's nodeIdentityLabels: the local node is reserved:host, every other reserved:remote-node):
        // peers relative to the endpoint the rule is evaluated for, in allow and deny rules alike.
        peers.push({ kind: n === "host" ? "own-node" : "remote-node" });
        break;
      default: f.get(i).error("unsupported", `${JSON.stringify(n)} is not a Cilium entity (all, world, cluster, host, remote-node, kube-apiserver, init, ingress, health, unmanaged, none)`);
    }
  }
  return true;
}

/**
 * toCIDRSet/fromCIDRSet entries. One with a cidrGroupRef or cidrGroupSelector (the CRD's oneOf with
 * cidr) stands for the CIDRs of the CiliumCIDRGroups it names or selects, added into `peers` once
 * every object is read (a group not in the input: none, a warning, as the agent's ipcache holds no
 * address of it), each less the entry's except.
 */
function cidrSetPeers(f: Field, scope: Scope, peers: Peer[]): Extract<Peer, { kind: "cidr" }>[] {
  return (f.list() ?? []).flatMap((c) => {
    const cidr = c.get("cidr").present ? readCidrAs(c.get("cidr"), "cilium") : undefined;
    if (!c.get("cidr").present && (c.get("cidrGroupRef").present || c.get("cidrGroupSelector").present)) { cidrGroupPeers(c, scope, peers); return []; }
    // rule_validation.go CIDRRule.Validate: an except outside the cidr (or shorter) refuses the policy.
    const except = (c.get("except").list() ?? []).map((e) => {
      const x = readCidrAs(e, "cilium");
      if (x && cidr && (x.family !== cidr.family || x.prefix < cidr.prefix || !contains(cidr, { family: x.family, value: x.first }))) {
        return e.error("invalid-except", `allow CIDR prefix ${cidr.text} does not contain exclude CIDR prefix ${x.text}: Cilium refuses the policy`);
      }
      return x;
    }).filter((x): x is Cidr => x !== undefined);
    return cidr ? [{ kind: "cidr" as const, cidr, except, outside: true }] : [];
  });
}

/**
 * toServices, as the agent's policy watcher resolves it (pkg/policy/k8s/service.go processRule) once
 * every Service is known: an entry selects the Services `k8sService` names (serviceRefMatches: the
 * name, in `namespace` or, without one, in every namespace) or whose labels `k8sServiceSelector`'s
 * selector matches (serviceSelectorMatches: in `namespace`, or every namespace). A Service with a
 * selector adds its pods (appendSelector: the selector with io.kubernetes.pod.namespace its
 * namespace, a generated toEndpoints), one without (IsExternal) its endpoints' addresses (appendEndpoints:
 * a generated toCIDRSet, so addresses outside the cluster only, as every CIDR rule); ports are the
 * rule's toPorts, not the Service's. No Service: the rule selects nothing. processRule reads
 * `rule.Egress` only: an egressDeny's toServices is never resolved, so it denies nothing (a warning).
 */
function servicePeers(v: Field, deny: boolean, scope: Scope, peers: Peer[]): void {
  if (deny) { v.warn("vendor-services", "the Cilium agent resolves toServices in egress rules only (pkg/policy/k8s/service.go processRule reads rule.Egress): in an egressDeny rule it selects no peer, so this rule denies nothing"); return; }
  const entries = (v.list() ?? []).map((e) => {
    const ref = e.get("k8sService"), sel = e.get("k8sServiceSelector");
    const which = e.oneOf(["k8sService", "k8sServiceSelector"]);
    if (which === "k8sService") return { f: e, namespace: ref.get("namespace").string() || undefined, name: ref.get("serviceName").string() ?? "" };
    // serviceSelectorMatches: labelsMatcher looks a label up by its key, "label source is ignored" (k8s:app is app).
    if (which === "k8sServiceSelector") return { f: e, namespace: sel.get("namespace").string() || undefined, selector: readSelector(withoutSourcePrefix(sel.get("selector"))) };
    return undefined;
  }).filter((x) => x !== undefined);
  const state = stateOf(scope.b);
  stateOf(scope.b).peerSteps.push(() => {
    for (const e of entries) {
      const services = scope.b.inv.services.filter((svc) => (e.namespace === undefined || svc.namespace === e.namespace)
        && ("name" in e ? svc.name === e.name : matches(e.selector, labelsOf(state.serviceLabels.get(`${svc.namespace}/${svc.name}`)))));
      if (!services.length) { e.f.warn("vendor-services", `no Service of the input ${"name" in e ? `is named ${e.namespace ?? "*"}/${e.name}` : `in ${e.namespace ?? "any namespace"} has labels the selector matches`}: this entry selects no peer`); continue; }
      if ("name" in e && e.namespace === undefined) e.f.get("k8sService").warn("vendor-services", `without a namespace Cilium matches a Service named ${e.name} in every namespace (serviceRefMatches: \`ref.Namespace == ""\`): ${services.map((svc) => `${svc.namespace}/${svc.name}`).join(", ")}`);
      for (const svc of services) {
        // appendSelector: the Service's selector becomes a generated toEndpoints selector, matched
        // against identities like any other: a label the identity filter leaves out never holds.
        if (svc.selector && Object.keys(svc.selector).length) { peers.push(endpointPeer({ namespaces: { kind: "name", name: svc.namespace }, labels: identitySelector(selector(svc.selector), e.f, state.config?.identity ?? defaultIdentity(), "k8s"), kinds: ["pod"] }, scope)); continue; }
        const addresses = new Set(scope.b.inv.endpointSlices.filter((x) => x.namespace === svc.namespace && x.service === svc.name && x.addressType !== "FQDN").flatMap((x) => x.endpoints.flatMap((ep) => ep.addresses)));
        for (const a of addresses) {
          const addr = parseAddress(a);
          if (addr) peers.push({ kind: "cidr", cidr: addressCidr(addr), except: [], outside: true, ...(state.config?.cidrNodes ? { nodes: true } : {}) });
        }
      }
    }
  });
}

/** A Service's metadata.labels as read raw (strings only). */
function labelsOf(raw: unknown): Record<string, string> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return {};
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string"));
}

function cidrGroupPeers(c: Field, scope: Scope, peers: Peer[]): void {
  const ref = c.get("cidrGroupRef").string();
  const sel = c.get("cidrGroupSelector").present ? readSelector(c.get("cidrGroupSelector")) : undefined;
  const except = (c.get("except").list() ?? []).map((e) => readCidrAs(e, "cilium")).filter((x): x is Cidr => x !== undefined);
  const state = stateOf(scope.b);
  stateOf(scope.b).peerSteps.push(() => {
    const groups = ref !== undefined ? [state.cidrGroups.get(ref)].filter((g) => g !== undefined) : [...state.cidrGroups.values()].filter((g) => sel && matches(sel, g.labels));
    if (!groups.length) c.warn("vendor-cidr-group", `${ref !== undefined ? `no CiliumCIDRGroup ${ref}` : "no CiliumCIDRGroup whose labels the selector matches"} in the input: this entry matches no address`);
    for (const cidr of groups.flatMap((g) => g.cidrs)) {
      peers.push({ kind: "cidr", cidr, except: except.filter((x) => x.family === cidr.family), outside: true, ...(state.config?.cidrNodes ? { nodes: true } : {}) });
    }
  });
}

/** A fromEndpoints/toEndpoints peer (or a generated one): requirements narrow it (settleRequires). */
function endpointPeer(sel: EndpointSelector, scope: Scope): Peer {
  const peer: Peer = { kind: "endpoints", selector: sel };
  stateOf(scope.b).endpointPeers.add(peer);
  return peer;
}

/** The rule's peers: undefined = every peer (no L3 field: an L4-only rule). */
function readPeers(r: Field, d: Direction, scope: Scope, deny: boolean): Peer[] | undefined {
  const present = L3[d].filter((k) => r.get(k).present);
  if (!present.length) return undefined;
  // mergeEndpointSelectors: "Explicitly check for empty non-nil slices, it should not result in any
  // identity being selected": one empty L3 list (toFQDNs aside) and the rule selects no peer, whatever
  // the other member lists.
  if (present.some((k) => k !== "toFQDNs" && (r.get(k).list() ?? []).length === 0)) return [];
  const peers: Peer[] = [];
  for (const k of present) {
    const v = r.get(k);
    if (k.endsWith("Endpoints")) for (const s of v.list() ?? []) { const sel = readEndpointSelector(s, scope); if (sel) peers.push(endpointPeer(sel, scope)); }
    else if (k.endsWith("CIDR") || k.endsWith("CIDRSet")) {
      const cidrs = k.endsWith("CIDRSet") ? cidrSetPeers(v, scope, peers) : (v.list() ?? []).map((x) => readCidrAs(x, "cilium")).filter((c): c is Cidr => c !== undefined).map((cidr) => ({ kind: "cidr" as const, cidr, except: [], outside: true }));
      stateOf(scope.b).cidrPeers.push(...cidrs);
      peers.push(...cidrs);
    }
    else if (k.endsWith("Nodes")) {
      const state = stateOf(scope.b);
      state.nodeRules.push(v);
      for (const s of v.list() ?? []) {
        const peer = { kind: "nodes" as const, selector: readSelector(s) };
        state.nodePeers.push({ peer, raw: peer.selector, f: s });
        peers.push(peer);
      }
    }
    else if (k === "toFQDNs") {
      const names = (v.list() ?? []).map((q) => q.get("matchName").string() ?? q.get("matchPattern").string() ?? "").filter(Boolean);
      // pkg/fqdn: "A DNS Proxy that applies L7 DNS rules and populates the lookup cache with IPs from
      // allowed/successful DNS lookups"; "toFQDNs cannot handle in-cluster IPs".
      if (names.length) v.warn("vendor-fqdn", `toFQDNs ${names.join(", ")}: Cilium allows the addresses its DNS proxy saw ${names.length === 1 ? "this name" : "these names"} resolve to for the endpoint (lookups a dns rule, toPorts rules.dns, lets through the proxy; never an address in the cluster), which only the running cluster knows: Junction matches no address by ${names.length === 1 ? "it" : "them"}, so a connection to an address the name resolved to is answered denied unless another rule allows it`);
      peers.push({ kind: "domains", names });
    }
    else if (k === "toServices") servicePeers(v, deny, scope, peers);
    else if (k.endsWith("Groups")) {
      // (settleGroups: the policy is the operator's derivative's to enforce; read so only under --lenient.)
      scope.groups ??= v;
      if (deny) peers.push(...WORLD);
    }
    else if (!entityPeers(v, scope, peers)) return undefined;
  }
  return peers;
}

/**
 * Cilium's PortRuleHTTP.Sanitize compiles path and method with Go's regexp and refuses the policy
 * when they do not compile; host is not sanitized, but Envoy compiles it with RE2 too.
 */
function checkHttpRegex(f: Field): string | undefined {
  const v = f.string();
  if (v === undefined || v === "") return v;
  const err = regexError(v, REGEX_SEMANTICS.ciliumHttp);
  if (err) { f.error("invalid-regex", `${JSON.stringify(v)} is not a valid RE2 regular expression (${err}); Cilium refuses the policy`); return undefined; }
  return v;
}

/**
 * Cilium's HTTP rules as its agent configures Envoy (getHTTPRule): method, path and host are RE2
 * expressions matching the whole :method, :path (path with query string) and :authority; each
 * headers entry "Name" requires the header, "Name value" (or "Name: value") that exact value;
 * headerMatches require the value when one is given, else presence — unless a mismatch action other
 * than the default FAIL is set (LOG, ADD, DELETE, REPLACE only log or rewrite, they never deny).
 */
function readHttp(f: Field): Clause[] | undefined {
  return f.list()?.map((h) => {
    const out: Condition[] = [];
    const regex = (attribute: "request.method" | "request.url" | "request.host", key: string) => {
      const v = checkHttpRegex(h.get(key));
      if (v) out.push({ attribute, values: [{ kind: "regex", regex: v }] });
    };
    regex("request.method", "method");
    regex("request.url", "path");
    regex("request.host", "host");
    for (const x of h.get("headers").list() ?? []) {
      const text = x.string({ required: true });
      if (!text) continue;
      // pkg/envoy/server.go getHTTPRule: strings.SplitN(hdr, " ", 2); with a value the name loses its
      // trailing colons ("Remove ':' in \"X-Key: true\""), alone it is matched as written (present_match).
      const space = text.indexOf(" ");
      const name = space < 0 ? text : text.slice(0, space).replace(/:+$/, "");
      if (space < 0 && name.includes(":")) x.warn("vendor-http", `${JSON.stringify(text)}: without a value Cilium's proxy looks for a header of exactly this name, colon included (getHTTPRule trims the colon only before a value), which no request carries: this rule lets no request through`);
      out.push(headerCondition(name, space < 0 ? undefined : text.slice(space + 1)));
    }
    for (const x of h.get("headerMatches").list() ?? []) {
      const name = x.get("name").string({ required: true }), value = x.get("value").string();
      if (x.get("secret").present) x.get("secret").error("unsupported", "header values from Secrets are not in the model");
      const mismatch = x.get("mismatch").string({ oneOf: ["LOG", "ADD", "DELETE", "REPLACE"] });
      if (name && !mismatch) out.push(headerCondition(name, value || undefined));
    }
    return out;
  });
}

function headerCondition(name: string, value: string | undefined): Condition {
  return { attribute: "request.header", name: name.toLowerCase(), values: [value === undefined ? { kind: "present" } : { kind: "exact", value }] };
}

/**
 * toPorts entries: each one's ports, and its HTTP rules (allow only). As pkg/policy/rule.go
 * mergeIngress/mergeEgress read them: `toPorts` absent or `[]` is an L3-only rule (`toPorts.Len() == 0`:
 * every port); otherwise each entry allows (or denies) the ports it lists and nothing else, so an
 * entry without ports (`{ports: []}`, `{}`) matches no traffic, as does one whose ports all failed.
 */
function readToPorts(f: Field, deny: boolean, d: Direction, scope: Scope): { ports?: PortMatch[]; http?: Clause[]; httpMode?: "filter" }[] {
  const list = f.list();
  if (!list || list.length === 0) return [{}];
  return list.flatMap((tp) => {
    // A deny rule's toPorts are PortDenyRules (api/rules.go, l4.go): ports only, "This structure lacks
    // the L7Rules since it's not supported in deny policies". The CRD has no other field there: the API
    // server's strict field validation (kubectl's default) refuses one, and without it the field is
    // pruned, so the deny applies to the ports.
    if (deny) for (const k of tp.keys()) if (k !== "ports") tp.get(k).error("unknown-field", `a deny rule's toPorts entry has only ports (Cilium's PortDenyRule): the API server refuses ${k} (strict field validation) and prunes it without that, so the deny applies to the ports; read so`);
    const portList = tp.get("ports").list() ?? [];
    const ports = portList.flatMap((p): PortMatch[] => {
      const protoText = p.get("protocol").string({ oneOf: ["TCP", "UDP", "SCTP", "ANY", "VRRP", "IGMP"] }) ?? "ANY";
      const raw = p.get("port").value;
      // rule_validation.go PortProtocol.Validate: "port must be specified" (an extended IP protocol
      // such as VRRP or IGMP has none, and matches no TCP, UDP or SCTP flow).
      if (protoText === "VRRP" || protoText === "IGMP") return [];
      const protocols: readonly Protocol[] = protoText === "ANY" ? PROTOCOLS : [protoText as Protocol];
      if (raw === undefined || raw === null || raw === "") {
        p.get("port").error("required", "port must be specified (Cilium's PortProtocol.Validate refuses the policy; \"0\" is every port)");
        return protocols.map((protocol) => ({ kind: "protocol", protocol }));
      }
      const text = String(raw);
      // rule_validation.go PortProtocol.Validate/Sanitize: an IANA service name (iana.IsSvcName: at
      // most 15 letters, digits and single dashes, with a letter) is a port name, lowercased; anything
      // else is strconv.ParseUint(port, 0, 16), Go's integer syntax ("010" is octal 8, "0x_50" is 80,
      // "8_0" is 80), or the agent refuses the policy. The CRD's pattern lets any text starting with
      // a digit through.
      if (!isSvcName(text)) {
        const n = goParseUint16(text);
        const octal = /^0[0-9_]/.test(text);
        if (n === undefined) {
          if (octal && /^[0-9_]+$/.test(text)) return p.get("port").error("invalid-port", `${JSON.stringify(text)}: Cilium reads a port with a leading 0 as octal (strconv.ParseUint base 0), and 8 and 9 are no octal digits (or it is above 65535): it refuses the policy`) ?? [];
          return p.get("port").error("invalid-port", `${JSON.stringify(text)} is not a port number (0-65535 as Cilium's agent parses it: strconv.ParseUint base 0, with 0x, 0o, 0b, a leading 0 for octal, _ between digits) or a port name (at most 15 letters, digits and single dashes, with a letter): Cilium refuses the policy; use endPort for a range`) ?? [];
        }
        if (String(n) !== text) p.get("port").warn("port-syntax", `${JSON.stringify(text)} is the ${octal ? "octal " : ""}port ${n} to Cilium (strconv.ParseUint base 0)${/^[0-9]+$/.test(text) ? `, not ${Number(text)}` : ""}; write ${n}`);
        const end = p.get("endPort").int({ min: n, max: 65535 });
        return protocols.map((protocol) => (n === 0 ? { kind: "protocol", protocol } : { kind: "range", protocol, first: n, last: end ?? n }));
      }
      // Sanitize lowercases a port name ("normalize for case insensitive comparison").
      const name = text.toLowerCase();
      return protocols.map((protocol) => ({ kind: "named", name, ...(protoText === "ANY" ? {} : { protocol }) }));
    }).filter((m, i, all) => m.kind !== "named" || all.findIndex((x) => x.kind === "named" && x.name === m.name && x.protocol === m.protocol) === i);
    // PortRule fields that narrow what the entry allows to what the model does not describe: it
    // then allows nothing (fails closed) rather than every connection on its ports.
    const narrowing = deny ? [] : ["serverNames", "listener"].filter((k) => tp.get(k).present && !(k === "serverNames" && (tp.get(k).list() ?? []).length === 0));
    for (const k of narrowing) {
      tp.get(k).error("unsupported", k === "serverNames"
        ? "serverNames allows only TLS connections whose handshake names one of them (SNI), which the model does not describe; the entry is read as allowing nothing"
        : "listener hands the traffic to a custom Envoy listener, whose configuration decides; the entry is read as allowing nothing");
    }
    if (narrowing.length) return [];
    const rules = tp.get("rules");
    if (!deny) for (const k of rules.keys()) if (k !== "http" && k !== "dns") rules.get(k).error("unsupported", `L7 ${k} rules are not supported`);
    if (!deny && rules.keys().length) checkL7Ports(rules, portList, d, scope);
    if (!deny && ((rules.get("http").list() ?? []).length || (rules.get("dns").list() ?? []).length)) scope.l7 ??= rules;
    if (!ports.length) {
      if (!portList.length) tp.info("vendor-no-ports", "a toPorts entry without ports matches no traffic (Cilium merges a rule port by port: mergeIngress/mergeEgress)");
      return [];
    }
    // An empty http list is no L7 rule at all (Cilium only redirects to its proxy for rules it has).
    const http = deny ? undefined : readHttp(rules.get("http"));
    return [{ ports, ...(http?.length ? { http, httpMode: "filter" as const } : {}) }];
  });
}

function readRules(spec: Field, key: string, d: Direction, action: Action, scope: Scope): Rule[] {
  return (spec.get(key).list() ?? []).flatMap((r, index) => {
    r.object(true);
    const members = L3_MEMBERS[d].filter((k) => (r.get(k).list() ?? []).length > 0);
    if (members.length > 1) {
      r.get(members[1]).error("invalid-rule", `combining ${members[0]} and ${members[1]} is not supported yet: Cilium refuses the policy (rule_validation.go), so it enforces none of it; write one rule for each`);
      scope.refused = true;
    }
    // fromRequires/toRequires: deprecated in 1.17 (cilium/cilium#36649), removed in 1.19 (#42615); the
    // CRD keeps the fields with maxItems 0 (#43167), so the API server refuses a non-empty list. Up to
    // 1.18 the agent added their requirements to every fromEndpoints/toEndpoints selector of every
    // rule selecting the endpoint (settleRequires, cilium-requires.ts). Each selector is read as a
    // peer's (utils.go parseToCiliumIngressCommonRule: getEndpointSelector(namespace, ...), the
    // policy's namespace when it names none).
    const req = r.get(REQUIRES[d]);
    if ((req.list() ?? []).length) {
      const requires = (req.list() ?? []).map((s) => readEndpointSelector(s, scope)).filter((s): s is EndpointSelector => s !== undefined);
      (scope.requires ??= []).push({ d, deny: action === "deny", requires, f: req });
    }
    const auth = r.get("authentication").get("mode").string();
    if (auth !== undefined && auth !== "disabled") r.get("authentication").warn("vendor-auth", `authentication mode ${auth}: Cilium allows the traffic only once both ends are mutually authenticated (SPIFFE/SPIRE), which the model does not describe; read as authenticated`);
    // mergeIngress/mergeEgress (pkg/policy/rule.go): an L3-only rule is merged only with selectors
    // (`toPorts.Len() == 0 && icmp.Len() == 0 && len(fromEndpoints) > 0`), the wildcard peer only
    // for each toPorts or icmps entry: a rule with no L3 member and neither (`{}`, `{toPorts: []}`,
    // `{authentication: ...}` alone) matches nothing.
    const noL4 = !(r.get("toPorts").list() ?? []).length && !(r.get("icmps").list() ?? []).length;
    const empty = noL4 && !L3[d].some((k) => r.get(k).present);
    const peers = empty ? [] : readPeers(r, d, scope, action === "deny");
    // An ICMP rule is an L4 rule (pkg/policy/rule.go: a rule is L3-only only without toPorts and
    // icmps): whatever its peers, it matches no TCP, UDP or SCTP flow. Cilium refuses icmps beside
    // toPorts (rule_validation.go: "the ICMPs block may only be present without ToPorts").
    if ((r.get("icmps").list() ?? []).length) {
      scope.icmps ??= r.get("icmps");
      if (r.get("toPorts").present) r.get("icmps").error("forbidden", "icmps may only be present without toPorts (Cilium refuses the policy); define a separate rule for toPorts");
      return [];
    }
    return readToPorts(r.get("toPorts"), action === "deny", d, scope).map((tp) => ({ index, action, peers, ...tp, path: r.path } as Rule));
  });
}

/**
 * rule_validation.go PortRule.Validate, for an entry with L7 rules (Rules.IsEmpty false), in its order:
 * "DNS rules are not allowed on ingress" (hasDNSRules: `len(pr.Rules.DNS) > 0`, so `dns: []` is no
 * DNS rule); per port, PortProtocol.Validate's "DNS rules do not support port ranges" (endPort above
 * the port) and, but for DNS rules, "L7 rules can only apply to TCP (not %s) except for DNS rules" (a
 * port without protocol is ANY); then, DNS rules too, "L7 rules can not be used when a port is 0".
 * Each refuses the policy: none of it is enforced (scope.refused).
 */
function checkL7Ports(rules: Field, ports: readonly Field[], d: Direction, scope: Scope): void {
  const refuse = (f: Field, message: string) => { f.error("invalid-rule", `${message}: Cilium refuses the policy, so it enforces none of it`); scope.refused = true; };
  const dns = (rules.get("dns").list() ?? []).length > 0;
  if (dns && d === "ingress") return refuse(rules.get("dns"), "DNS rules are not allowed on ingress");
  let zero: Field | undefined;
  for (const p of ports) {
    const port = p.get("port").value;
    const n = port !== undefined && port !== null && !isSvcName(String(port)) ? goParseUint16(String(port)) : undefined;
    if (n === 0) zero ??= p.get("port");
    const endPort = p.get("endPort").value;
    if (dns && n !== undefined && typeof endPort === "number" && endPort > n) return refuse(p.get("endPort"), "DNS rules do not support port ranges");
    const protocol = p.get("protocol").string() ?? "";
    if (!dns && protocol !== "TCP") return refuse(p.get("protocol").present ? p.get("protocol") : p, `L7 rules can only apply to TCP (not ${protocol || "a port without protocol, which is ANY"}) except for DNS rules`);
  }
  if (zero) refuse(zero, "L7 rules can not be used when a port is 0");
}

/** pkg/iana IsSvcName: an IANA service name (RFC 6335 5.1), compared without case. */
function isSvcName(s: string): boolean {
  return s.length > 0 && s.length <= 15 && /^([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*$/.test(s);
}

/**
 * strconv.ParseUint(s, 0, 16): Go's base-0 integer syntax (kubeyaml.ts goBigInt: 0x, 0o, 0b, a leading 0
 * for octal) without a sign, `_` allowed only between digits or after the base prefix (strconv
 * underscoreOK); undefined when Go refuses it (at most 65535).
 */
export function goParseUint16(s: string): number | undefined {
  if (!/^[0-9]/.test(s) || !underscoreOK(s)) return undefined;
  const n = goBigInt(s.replace(/_/g, ""));
  return n !== undefined && n <= 65535n ? Number(n) : undefined;
}

/** strconv underscoreOK: each `_` follows a digit or the base prefix and precedes a digit. */
function underscoreOK(s: string): boolean {
  let saw = "^", i = 0;
  const hex = /^0[xX]/.test(s);
  if (/^0[bBoOxX]/.test(s)) { i = 2; saw = "0"; }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= "0" && c <= "9") || (hex && /[a-fA-F]/.test(c))) { saw = "0"; continue; }
    if (c === "_") { if (saw !== "0") return false; saw = "_"; continue; }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

interface Parts { deny: Policy; isolating: Policy; open: Policy }

/**
 * A host policy's nodeSelector: Cilium's host endpoint (reserved:host), whose labels are its node's
 * through the agent's identity label filter (pkg/endpoint UpdateLabelsFrom: `labelsfilter.Filter` of
 * the node's labels, source k8s: the default filter leaves kubernetes.io/hostname and kubernetes.io/os
 * out, so a nodeSelector on them selects no node). utils.go ParseToCiliumRule reads it with
 * NewESFromK8sLabelSelector("", ...): no namespace, any label source.
 */
function readNodeSelector(f: Field, scope: Scope): EndpointSelector | undefined {
  const raw = readSelector(withoutSourcePrefix(f));
  if (raw.requirements.some((r) => r.key.startsWith("reserved:"))) return f.error("unsupported", "reserved identities in a nodeSelector are not supported: a host policy's nodeSelector selects nodes by their labels");
  const out: EndpointSelector = { namespaces: { kind: "any" }, labels: raw, kinds: ["host"] };
  stateOf(scope.b).selectors.push({ sel: out, raw, f });
  return out;
}

/**
 * rule_validation.go Rule.Sanitize with hostPolicy (a nodeSelector): IngressRule.Validate "L7 policy is
 * not supported on host ingress yet" (any http or dns rule), EgressRule.Validate "L7 protocol HTTP is
 * not supported on host egress yet" (DNS rules are allowed): the agent refuses the policy.
 */
function checkHostL7(spec: Field, scope: Scope): void {
  const l7 = (d: Direction, k: string) => (spec.get(d).list() ?? []).flatMap((r) => r.get("toPorts").list() ?? []).map((tp) => tp.get("rules").get(k)).find((f) => (f.list() ?? []).length > 0);
  const bad = l7("ingress", "http") ?? l7("ingress", "dns");
  const message = bad ? "L7 policy is not supported on host ingress yet" : "L7 protocol HTTP is not supported on host egress yet";
  const at = bad ?? l7("egress", "http");
  if (!at) return;
  at.error("invalid-rule", `${message} (a host policy: nodeSelector): Cilium refuses the policy, so it enforces none of it`);
  scope.refused = true;
}

function readRule(spec: Field, kind: string, name: string, scope: Scope, ctx: ObjectContext, opened: OpenDirection[]): Policy[] {
  const host = spec.get("nodeSelector").present;
  if (host) {
    // cnp_types.go (*CiliumNetworkPolicy).Parse: "rule cannot have NodeSelector" refuses the object.
    if (scope.namespace !== undefined) { spec.get("nodeSelector").error("invalid-rule", "a CiliumNetworkPolicy rule cannot have a nodeSelector (only a CiliumClusterwideNetworkPolicy can): Cilium refuses the policy, so it enforces none of it"); scope.refused = true; return []; }
    stateOf(scope.b).hostRules.push(spec.get("nodeSelector"));
    checkHostL7(spec, scope);
  }
  const subject = host ? readNodeSelector(spec.get("nodeSelector"), scope)
    : spec.get("endpointSelector").present ? readEndpointSelector(spec.get("endpointSelector"), scope, true) : spec.get("endpointSelector").missing();
  if (!subject) return [];
  const from = scope.requires?.length ?? 0;
  const base = (tier: Tier, priority: number, suffix: string): Policy => ({ kind, name: `${name}${suffix}`, namespace: scope.namespace, tier, priority, subject, src: ctx.ref });
  const parts: Parts = { deny: base("admin", DENY_PRIORITY, "-deny"), isolating: base("namespace", 1000, ""), open: base("admin", OPEN_ALLOW_PRIORITY, "-allow") };
  for (const d of ["ingress", "egress"] as const) {
    const allows = readRules(spec, d, d, "allow", scope);
    const denies = readRules(spec, `${d}Deny`, d, "deny", scope);
    // pkg/policy/repository.go: a direction is enforced when a selecting rule has a non-empty
    // ingress or ingressDeny list (`ingress: []` is none), and isolates unless enableDefaultDeny says no.
    const hasSection = (spec.get(d).list() ?? []).length > 0 || (spec.get(`${d}Deny`).list() ?? []).length > 0;
    const defaultDeny = hasSection && (spec.get("enableDefaultDeny").get(d).bool() ?? true);
    if (denies.length) parts.deny[d] = denies;
    if (defaultDeny) parts.isolating[d] = allows;
    else if (allows.length) parts.open[d] = allows;
    if (hasSection && !defaultDeny) opened.push({ d, allows, open: parts.open, isolating: parts.isolating });
  }
  for (const r of scope.requires?.slice(from) ?? []) r.subject = subject;
  return [parts.deny, parts.isolating, parts.open].filter((p) => p.ingress !== undefined || p.egress !== undefined);
}

function ciliumFrontEnd(kind: "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy"): FrontEnd {
  const namespaced = kind === "CiliumNetworkPolicy";
  return {
    kind, apiVersions: ["cilium.io/v2"], namespaced,
    read(root, ctx, b) {
      const meta = readMeta(root, namespaced);
      const one = root.get("spec"), many = root.get("specs");
      // The CRD requires neither (the API server stores it); the agent refuses it (cnp_types.go Parse:
      // ErrEmptyCNP / ErrEmptyCCNP), so it enforces nothing: an error, in Cilium's words.
      if (!one.present && !many.present) { one.error("required", `set spec or specs: Cilium refuses the policy ("Invalid ${kind} spec(s): empty policy") and enforces nothing of it`); return; }
      const scope: Scope = { namespace: meta?.namespace, b };
      const specs = [...(one.present ? [one] : []), ...(many.list() ?? [])];
      const opened: OpenDirection[] = [];
      // (Renamed in place: the open directions keep pointing at the policies pushed.)
      const policies = specs.flatMap((s, i) => {
        const from = opened.length;
        const read = s.object(true) ? readRule(s, kind, meta?.name ?? "", scope, ctx, opened) : [];
        if (specs.length > 1) for (const p of new Set([...read, ...opened.slice(from).flatMap((o) => [o.open, o.isolating])])) p.name = `${p.name}-${i}`;
        return read;
      });
      // pkg/policy/api/rule_validation.go (*Rule).Validate: "rule must have at least one of Ingress,
      // IngressDeny, Egress, EgressDeny" (len() == 0: `ingress: []` is none), and cnp_types.go Parse
      // refuses the whole object for one such rule: none of its rules is enforced. (A rule with none
      // of the fields is refused by the CRD's schema already.)
      const sections = ["ingress", "ingressDeny", "egress", "egressDeny"];
      const refused = specs.filter((s) => s.object() !== undefined && sections.some((k) => s.get(k).present) && sections.every((k) => (s.get(k).list() ?? []).length === 0));
      for (const s of refused) s.error("invalid-rule", `rule must have at least one of Ingress, IngressDeny, Egress, EgressDeny (an empty list is none): Cilium refuses the policy${specs.length > 1 ? ", all its specs" : ""}, so it enforces none of it (write ingress: [{}] for a default deny)`);
      if (!meta || refused.length || scope.refused) return;
      if (meta.namespace) b.useNamespace(meta.namespace, ctx.ref);
      b.inv.policies.push(...policies);
      const state = stateOf(b);
      state.openDirections.push(...opened);
      state.requires.push(...(scope.requires ?? []).filter((r) => r.subject !== undefined));
      if (meta.labels[DERIVATIVE_KIND] === "derivative" && meta.labels[DERIVATIVE_PARENT]) state.derivatives.add(`${meta.namespace ?? ""}/${meta.labels[DERIVATIVE_PARENT]}`);
      if (scope.l7 || scope.icmps) state.gated.push({ policies, ...(scope.l7 ? { l7: scope.l7 } : {}), ...(scope.icmps ? { icmps: scope.icmps } : {}) });
      if (scope.groups) {
        const uid = root.get("metadata").raw("uid");
        state.groupPolicies.push({ policies, f: scope.groups, namespace: meta.namespace, uid: typeof uid === "string" && uid ? uid : undefined, kind, name: meta.name });
      }
    },
  };
}


/**
 * A Service's own Cilium forwarding mode: service.cilium.io/forwarding-mode, lower-cased, snat or dsr
 * (pkg/loadbalancer/reflectors getAnnotationServiceForwardingMode); another value the agent ignores
 * with a warning ("Ignoring annotation"), keeping bpf-lb-mode. Honoured only under
 * bpf-lb-mode-annotation (model/cni.ts serviceDataPath).
 */
function readForwardingMode(root: Field, ctx: ObjectContext, b: InventoryBuilder): void {
  const annotations = root.get("metadata").raw("annotations");
  if (annotations === null || typeof annotations !== "object" || !Object.hasOwn(annotations, CILIUM_FORWARDING_MODE)) return;
  const f = root.get("metadata").get("annotations").get(CILIUM_FORWARDING_MODE);
  const value = f.string();
  if (value === undefined) return;
  const mode = value.toLowerCase();
  if (mode !== "snat" && mode !== "dsr") { f.warn("vendor-config", `${JSON.stringify(value)} is not a Cilium forwarding mode (snat or dsr): Cilium ignores the annotation and keeps bpf-lb-mode`); return; }
  const service = b.inv.services.at(-1);
  if (service?.src === ctx.ref) service.ciliumForwardingMode = mode;
}

/** Cilium's Cluster Mesh annotations of a Service (pkg/annotation k8s.go: each with its io.cilium alias). */
const GLOBAL = ["service.cilium.io/global", "io.cilium/global-service"], SHARED = ["service.cilium.io/shared", "io.cilium/shared-service"], AFFINITY = ["service.cilium.io/affinity", "io.cilium/service-affinity"];

/**
 * A Cluster Mesh global Service (pkg/annotation: GetAnnotationIncludeExternal, "true" in any case;
 * GetAnnotationShared, ignored unless global, default true; GetAnnotationServiceAffinity, none, local or
 * remote, ignored unless global, another value an error read as none): Cilium balances its connections
 * over the endpoints of every cluster whose Service of the same namespace and name is global and
 * shared. One cluster's objects show this cluster's endpoints only, so answers name them alone: a
 * warning says what the other clusters' endpoints change (none here: they serve every connection).
 */
function readGlobalService(root: Field): void {
  // (Read by name first: every Service passes here, few carry these.)
  const raw = root.get("metadata").raw("annotations");
  if (raw === null || typeof raw !== "object" || ![...GLOBAL, ...SHARED, ...AFFINITY].some((k) => Object.hasOwn(raw, k))) return;
  const annotations = root.get("metadata").get("annotations");
  const first = (keys: string[]) => { const k = keys.find((key) => typeof annotations.raw(key) === "string"); return k === undefined ? undefined : { key: k, value: annotations.raw(k) as string, f: annotations.get(k) }; };
  const global = first(GLOBAL), shared = first(SHARED), affinity = first(AFFINITY);
  if (!global && !shared && !affinity) return;
  if (!global || global.value.toLowerCase() !== "true") {
    if (global) global.f.warn("vendor-cluster", `${JSON.stringify(global.value)} does not make the Service global: Cilium reads only "true" (in any case)`);
    for (const a of [shared, affinity]) if (a) a.f.warn("vendor-cluster", `${a.key} is ignored: Cilium reads it only on a global Service (${GLOBAL[0]}: "true")`);
    return;
  }
  const aff = affinity?.value.toLowerCase() ?? "none";
  const known = ["none", "", "local", "remote"].includes(aff);
  if (affinity && !known) affinity.f.warn("vendor-cluster", `${JSON.stringify(affinity.value)} is not a Cilium service affinity (none, local, remote): Cilium logs an error and reads none`);
  const prefers = aff === "local" ? "Cilium prefers this cluster's endpoints while one is healthy (affinity local): the answers hold while one is; with none, the other clusters' endpoints serve"
    : aff === "remote" ? "Cilium prefers the other clusters' endpoints while one is healthy (affinity remote): this cluster's serve a connection only when none of theirs is"
    : "any of them may serve a connection (no affinity)";
  const notShared = shared && shared.value.toLowerCase() !== "true" ? `; ${shared.key} "${shared.value}": this cluster's endpoints are not offered to the other clusters` : "";
  global.f.warn("vendor-cluster", `a Cluster Mesh global Service: Cilium balances connections to it over the endpoints of every cluster whose Service ${root.get("metadata").raw("namespace") ?? "default"}/${root.get("metadata").raw("name")} is global and shared, and the input shows this cluster's only, so answers name this cluster's endpoints (with none here, the other clusters' serve every connection, where Junction answers none); ${prefers}${notShared}`);
}

/** A Service's labels, for toServices k8sServiceSelector (read raw: the Service's front end reports on them). */
function readServiceLabels(root: Field, _ctx: ObjectContext, b: InventoryBuilder): void {
  const md = root.get("metadata");
  const name = md.raw("name"), namespace = md.raw("namespace");
  if (typeof name !== "string") return;
  stateOf(b).serviceLabels.set(`${typeof namespace === "string" && namespace ? namespace : "default"}/${name}`, md.raw("labels"));
}

export const ciliumKindHooks: KindHook[] = [{ kind: "Service", read: readForwardingMode }, { kind: "Service", read: readGlobalService }, { kind: "Service", read: readServiceLabels }, { kind: "DaemonSet", read: readCiliumRelease }];

/**
 * CiliumCIDRGroup (cilium.io/v2, v2alpha1; cluster-scoped): spec.externalCIDRs, the addresses a
 * CIDR rule's cidrGroupRef (by name) or cidrGroupSelector (by the group's labels) stands for
 * (pkg/policy/api/cidr.go CIDRRuleSlice.GetAsEndpointSelectors: the group's label, the rule's except
 * as prefixes left out).
 */
const cidrGroupFrontEnd: FrontEnd = {
  kind: "CiliumCIDRGroup", apiVersions: ["cilium.io/v2", "cilium.io/v2alpha1"], namespaced: false,
  read(root, _ctx, b) {
    const meta = readMeta(root, false);
    const cidrs = (root.get("spec").get("externalCIDRs").list() ?? []).map((c) => readCidrAs(c, "cilium")).filter((c): c is Cidr => c !== undefined);
    if (meta) stateOf(b).cidrGroups.set(meta.name, { labels: meta.labels, cidrs });
  },
};

export const ciliumFrontEnds: FrontEnd[] = [ciliumFrontEnd("CiliumNetworkPolicy"), ciliumFrontEnd("CiliumClusterwideNetworkPolicy"), cidrGroupFrontEnd];
