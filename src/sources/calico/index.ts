// Front ends for Calico (projectcalico.org/v3, and crd.projectcalico.org/v1 as stored in etcd/CRDs):
// NetworkPolicy, GlobalNetworkPolicy and Tier lowered into the model's tiers; HostEndpoint into a
// cluster-scoped Workload; NetworkSet and GlobalNetworkSet into Networks.
//
// Calico's evaluation, per direction: tiers by order; in each tier that has a policy selecting the
// endpoint, policies by order (missing: last) then name, first matching rule decides (Allow, Deny,
// Pass to the next tier); no match → the tier's defaultAction (Deny). No policy at all → the
// profiles (allow, for pods). Mapping: the `default` tier is the Namespace tier (where Kubernetes
// NetworkPolicies sit, at order 1000); earlier tiers go to the Admin tier, later ones to the
// Baseline tier, ranked in order around the Admin APIs' policies (Calico's kube-admin and
// kube-baseline tiers), each closed by an "end of tier" Deny for the endpoints it selects.
// Each Calico tier is a group of its model tier (Policy.tierGroup): a Pass skips the rest of its
// Calico tier only, and the walk goes on at the next one (the engines' priorityHit, rows.ts).

import { ipPoolFrontEnd } from "./ippool.js";
import { matches, selector, type LabelSelector } from "../../model/selector.js";
import { PROFILES_GROUP, policyRules, type EndpointSelector, type Policy, type Rule, type Tier } from "../../model/policy.js";
import { NO_ID, type InventoryBuilder, type StateKey } from "../builder.js";
import { readAddressList, readNamedPorts } from "../common.js";
import type { Field, ObjectContext } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readCidrAs, readMeta } from "../k8s.js";
import { CALICO_NAMESPACE_LABEL, HOST_ENDPOINT_LABEL, NETWORK_SET_LABEL, calicoSelectors, given, namespaceRequirement, readCalicoRule, readCalicoSelector, type CalicoScope } from "./rules.js";
import { addressKey, formatAddress, type AddressKey, type Cidr } from "../../model/ip.js";
import type { Endpoint } from "../../model/endpoint.js";
import { failsafeLists, failsafeNodes, felixFrontEnds, felixKindHooks } from "./felix.js";
import { byServiceAccount, serviceAccountFrontEnd } from "./serviceaccounts.js";
import type { Term } from "./selector.js";

const APIS = ["projectcalico.org/v3", "crd.projectcalico.org/v1"];
const DEFAULT_ALLOW_PROFILE = "projectcalico-default-allow";
/** Calico's built-in tiers (kube-admin and kube-baseline hold ClusterNetworkPolicies in Calico). */
const BUILTIN_TIERS: Record<string, TierDef> = {
  "kube-admin": { order: 1000, defaultAction: "Pass" },
  default: { order: 1_000_000, defaultAction: "Deny" },
  "kube-baseline": { order: 10_000_000, defaultAction: "Pass" },
};
const LAST = Number.MAX_SAFE_INTEGER;

interface TierDef { order: number; defaultAction: "Deny" | "Pass" }
/** `key`: felix's tie-break between policies of one order (calc/policy_sorter.go PolKVLess): name/namespace/kind. */
/** `accounts`: the serviceAccountSelector's alternatives, each subject narrowed by them once every object is read (placeTiers). */
interface CalicoPolicy { policies: Policy[]; key: string; tier: string; order?: number; tierField: Field; untracked?: { f: Field; which: string; subjects: readonly EndpointSelector[] }; accounts?: Term[]; accountsField?: Field;
  /** A preDNAT (doNotTrack) policy selecting a host endpoint: placed in its tier, then kept apart (Inventory.calicoPreDnat, calicoUntracked). */
  preDnat?: boolean; doNotTrack?: boolean }
interface CalicoState { policies: CalicoPolicy[]; tiers: Map<string, TierDef> }

const CALICO: StateKey<CalicoState> = { make: () => ({ policies: [], tiers: new Map() }), settle: placeTiers };

function stateOf(b: InventoryBuilder): CalicoState {
  return b.state(CALICO);
}

function readOrder(f: Field): number | undefined {
  if (!f.present) return undefined;
  if (typeof f.value !== "number" || !Number.isFinite(f.value)) return f.error("type", `must be a number, not ${JSON.stringify(f.value)}`);
  return f.value;
}

/**
 * The subject: one model selector per alternative of selector × namespaceSelector. A
 * GlobalNetworkPolicy's namespaceSelector is joined to its selector as felix reads it
 * (globalnetworkpolicyprocessor.go: `(selector) && <namespaceSelector on namespace labels>`, then
 * every "all()" of the text replaced by has(projectcalico.org/namespace)): a namespace term selects
 * pods only, while global(), which evaluates to true (parser GlobalNode), leaves host endpoints in
 * unless the selector says all() (then replaced: pods only).
 */
function readSubjects(spec: Field, namespace: string | undefined): EndpointSelector[] {
  const terms = readCalicoSelector(spec.get("selector")) ?? [];
  const nsField = spec.get("namespaceSelector");
  const nsTerms = namespace === undefined && given(nsField) ? readCalicoSelector(nsField) ?? [] : undefined;
  if (namespace !== undefined) return terms.flatMap((t) => calicoSelectors({ namespaces: { kind: "name", name: namespace }, labels: selector({}, t.reqs), kinds: ["pod"] }));
  if (!nsTerms) return terms.flatMap((t) => calicoSelectors({ namespaces: { kind: "any" }, labels: selector({}, t.reqs), kinds: ["pod", "workload"] }));
  const podsOnly = /all\(\)/.test(spec.get("selector").string() ?? "");
  return nsTerms.flatMap((ns) => terms.flatMap((t): EndpointSelector[] => (ns.global && !ns.reqs.length && !podsOnly
    ? calicoSelectors({ namespaces: { kind: "any" }, labels: selector({}, t.reqs), kinds: ["pod", "workload"] })
    : calicoSelectors({ namespaces: { kind: "selector", selector: selector({}, ns.reqs.map(namespaceRequirement)) }, labels: selector({}, t.reqs), kinds: ["pod"] }))));
}

/**
 * types, defaulted as Calico does (libcalico-go defaultPolicyTypesField, `if len(*types) == 0`, so
 * `types: []` too): Egress only when there are egress rules and no ingress rules, both when both.
 */
function readTypes(spec: Field): Set<string> {
  const list = spec.get("types").list();
  if (list?.length) return new Set(list.map((t) => t.string({ required: true, oneOf: ["Ingress", "Egress"] })).filter((t): t is string => t !== undefined));
  const has = (k: string) => (spec.get(k).list() ?? []).length > 0;
  if (has("ingress") && has("egress")) return new Set(["Ingress", "Egress"]);
  return new Set([has("egress") ? "Egress" : "Ingress"]);
}

function readRules(spec: Field, d: "ingress" | "egress", scope: CalicoScope): Rule[] {
  return (spec.get(d).list() ?? []).map((r, i) => readCalicoRule(r, i, d, scope)).filter((r): r is Rule => r !== undefined);
}

function policyFrontEnd(kind: "NetworkPolicy" | "GlobalNetworkPolicy"): FrontEnd {
  const global = kind === "GlobalNetworkPolicy";
  return {
    kind, apiVersions: APIS, namespaced: !global,
    read(root, ctx, b) {
      const meta = readMeta(root, !global);
      // (An absent spec is the zero spec, as libcalico-go decodes a crd.projectcalico.org/v1 object
      // stored without one (`json:"spec,omitempty"`; that CRD requires no spec): read as spec: {}.
      // projectcalico.org/v3's schema requires spec.)
      const spec = root.get("spec");
      if (spec.present && !spec.object()) return;
      const early = ["doNotTrack", "preDNAT"].filter((k) => spec.get(k).bool() === true);
      const forward = !early.length && spec.get("applyOnForward").bool() === true;
      const scope: CalicoScope = { namespace: meta?.namespace, b };
      const order = readOrder(spec.get("order"));
      const tier = spec.get("tier").string({ nonEmpty: true }) ?? "default";
      const subjects = readSubjects(spec, meta?.namespace);
      const accounts = readAccountTerms(spec.get("serviceAccountSelector"));
      const types = readTypes(spec);
      const ingress = readRules(spec, "ingress", scope), egress = readRules(spec, "egress", scope);
      if (!meta) return;
      if (meta.namespace) b.useNamespace(meta.namespace, ctx.ref);
      const policies = subjects.map((subject): Policy => ({
        kind: `Calico ${kind}`, name: meta.name, namespace: meta.namespace, tier: "namespace", priority: order ?? LAST, subject,
        ...policyRules(types.has("Ingress") ? ingress : undefined, types.has("Egress") ? egress : undefined), src: ctx.ref,
      }));
      b.inv.policies.push(...policies);
      if (forward) onForward(spec.get("applyOnForward"), subjects, policies, b);
      stateOf(b).policies.push({ policies, key: `${meta.name}/${meta.namespace ?? ""}/${kind}`, tier, order, tierField: spec.get("tier"), ...(early.length ? { untracked: { f: spec.get(early[0]), which: early[0], subjects } } : {}), ...(accounts ? { accounts, accountsField: spec.get("serviceAccountSelector") } : {}) });
    },
  };
}

/**
 * applyOnForward (without doNotTrack or preDNAT): the policy is a normal one, and felix also applies it
 * to traffic a host endpoint forwards (calc/event_sequencer.go tierInfoToProtoTierInfo adds it to the
 * forwardTiers too; rules/static.go StaticFilterForwardChains: ChainDispatchFromHostEndPointForward,
 * ChainDispatchToHostEndpointForward; docs "Apply on forwarded traffic": traffic in through a host
 * endpoint to a local workload, from a local workload out through one, and between two), which the
 * engines do not model; a workload endpoint's chains take every policy that selects it whatever the
 * field. Once every object is read: when a subject selects a host endpoint of the input, a warning,
 * and the policies are kept in Inventory.calicoForward for the answers' warnings (it was an error, and
 * nothing was analysed); else a note (the field changes nothing here).
 */
function onForward(f: Field, subjects: readonly EndpointSelector[], policies: readonly Policy[], b: InventoryBuilder): void {
  b.defer(() => {
    const hit = hostEndpointSelected(subjects, b);
    if (!hit) { f.info("vendor-forward", "applyOnForward changes only what host endpoints forward, and the policy selects no host endpoint of the input: read as without it"); return; }
    f.warn("vendor-forward", `applyOnForward: felix also applies this policy to what host endpoint ${hit.name} forwards (a node port's connection to a pod, traffic routed through it to or from pods), which Junction does not model: such answers leave it out and say so (they may be wrong allows); the host's own traffic is answered`);
    (b.inv.calicoForward ??= []).push(...policies);
  });
}

/** The first host endpoint of the input a subject selects (once every object is read). */
function hostEndpointSelected(subjects: readonly EndpointSelector[], b: InventoryBuilder): { name: string } | undefined {
  const heps = [...b.inv.endpoints.filter((e) => e.kind === "workload" && e.labels[HOST_ENDPOINT_LABEL] !== undefined), ...b.inv.endpoints.flatMap((e) => (e.hostEndpoint ? [e.hostEndpoint] : []))];
  return heps.find((h) => subjects.some((s) => s.kinds.includes("workload") && matches(s.labels, h.labels)));
}

/**
 * doNotTrack and preDNAT (GlobalNetworkPolicy only; the CRD's rules and libcalico-go's validator
 * want applyOnForward with them, preDNAT without egress): felix gives such a policy to host endpoints
 * only, in their raw (untracked) and mangle (pre-DNAT) chains; a workload endpoint gets the normal
 * tiers alone (felix calc/event_sequencer.go tierInfoToProtoTierInfo sorts them into untrackedTiers
 * and preDNATTiers, which flushEndpointTierUpdates hands to HostEndpointUpdate only), so the policy
 * neither decides nor isolates a pod's traffic, and its tier's default action does not apply for it.
 * Once every object is read (placeTiers): when a subject selects a host endpoint of the input it is
 * placed in its tier and then kept apart (keepPreDnatApart: engine/calico-prednat.ts,
 * engine/calico-untracked.ts), else a note, and the policy is left out.
 */
function dropUntracked(state: CalicoState, b: InventoryBuilder): void {
  const dropped = new Set<Policy>();
  state.policies = state.policies.filter((p) => {
    if (!p.untracked) return true;
    const { f, which, subjects } = p.untracked;
    const hit = hostEndpointSelected(subjects, b);
    if (hit && which === "preDNAT") { p.preDnat = true; return true; }
    if (hit) { p.doNotTrack = true; return true; }
    f.info("vendor-untracked", `felix applies ${which} policies to host endpoints only (workload endpoints get the normal tiers alone: calc/event_sequencer.go tierInfoToProtoTierInfo), and this one selects no host endpoint of the input: it changes nothing for pods (nor does its tier's default action for them)`);
    for (const x of p.policies) dropped.add(x);
    return false;
  });
  if (dropped.size) b.inv.policies.splice(0, b.inv.policies.length, ...b.inv.policies.filter((p) => !dropped.has(p)));
}

/**
 * preDNAT policies that select a host endpoint, once placed in their tiers: out of the policies the
 * engines see, into Inventory.calicoPreDnat. felix renders them in the mangle table's PREROUTING
 * (rules/static.go StaticManglePreroutingChain: "If the packet was explicitly allowed by a pre-DNAT
 * policy, it will have MarkAccept set. If the packet was denied, it will have been dropped already. If
 * ... the packet isn't governed by any pre-DNAT policy on that interface, it will fall through"),
 * ingress only, on what arrives through the host endpoint, addressed as it arrived (a node port, not
 * the pod's port): engine/calico-prednat.ts.
 */
function keepPreDnatApart(state: CalicoState, b: InventoryBuilder): void {
  const pre = new Set(state.policies.filter((p) => p.preDnat).flatMap((p) => p.policies));
  const raw = new Set(state.policies.filter((p) => p.doNotTrack).flatMap((p) => p.policies));
  if (!pre.size && !raw.size) return;
  if (pre.size) b.inv.calicoPreDnat = [...pre];
  if (raw.size) b.inv.calicoUntracked = [...raw];
  b.inv.policies.splice(0, b.inv.policies.length, ...b.inv.policies.filter((p) => !pre.has(p) && !raw.has(p)));
  for (const p of state.policies) if (p.preDnat) p.untracked!.f.info("vendor-prednat", "a preDNAT policy: felix judges what arrives through the host endpoints it selects before DNAT (a node port, not the pod's port): its Allow accepts (the host endpoint's normal and applyOnForward ingress policy are skipped), its Deny drops, no match leaves the connection to the normal policy; answered for connections to the nodes' addresses and node ports (explain, test, exposure) and to the nodes' pods from off their nodes (explain, test, list, matrix)");
  // felix rules/endpoints.go HostEndpointToRawChains: the raw table's untracked chains, both directions, before conntrack.
  for (const p of state.policies) if (p.doNotTrack) p.untracked!.f.warn("vendor-untracked", "a doNotTrack policy: felix judges the host endpoints' traffic with it in the raw table, before connection tracking, both ways: its Allow accepts untracked (the normal policy is skipped, and the replies are untracked too: they need an allow of their own, untracked or by the normal policy as new connections), its Deny drops, no match leaves the connection to the normal policy; answered for a host's connections with other machines (explain, test); list, matrix and exposure leave it out");
}

const tierFrontEnd: FrontEnd = {
  kind: "Tier", apiVersions: APIS, namespaced: false,
  read(root, _ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    spec.object();
    const order = readOrder(spec.get("order"));
    const defaultAction = (spec.get("defaultAction").string({ oneOf: ["Deny", "Pass"] }) ?? "Deny") as TierDef["defaultAction"];
    if (!meta) return;
    stateOf(b).tiers.set(meta.name, { order: order ?? LAST, defaultAction });
  },
};

/**
 * serviceAccountSelector (not all()): felix ANDs it, its keys prefixed with `pcsa.`, to the policy's
 * selector (networkpolicyprocessor.go prefixAndAppendSelector): each subject becomes one per
 * alternative and namespace, naming the ServiceAccounts that meet it (serviceaccounts.ts).
 */
function narrowByAccounts(state: CalicoState, b: InventoryBuilder): void {
  for (const m of state.policies) {
    if (!m.accounts) continue;
    const terms = m.accounts;
    const next = m.policies.flatMap((p) => terms.flatMap((t) => byServiceAccount(p.subject, t.reqs, b, m.accountsField).map((subject): Policy => ({ ...p, subject }))));
    const old = new Set(m.policies);
    const at = b.inv.policies.findIndex((p) => old.has(p));
    const kept = b.inv.policies.filter((p) => !old.has(p));
    kept.splice(at < 0 ? kept.length : at, 0, ...next);
    b.inv.policies.splice(0, b.inv.policies.length, ...kept);
    m.policies = next;
  }
}

/** A serviceAccountSelector's alternatives; undefined when it selects every pod (absent, empty or all()). */
function readAccountTerms(f: Field): Term[] | undefined {
  if (!given(f) || f.string() === "all()") return undefined;
  const terms = readCalicoSelector(f);
  if (terms?.some((t) => t.global)) { f.error("unsupported", "global() is supported only as the whole namespaceSelector"); return undefined; }
  return terms;
}

/** Once every Calico object is read: each policy's tier decides its model tier and priority. */
function placeTiers(state: CalicoState, builder: InventoryBuilder): void {
  dropUntracked(state, builder);
  narrowByAccounts(state, builder);
  const tiers = new Map<string, TierDef>(Object.entries(BUILTIN_TIERS));
  for (const [name, def] of state.tiers) tiers.set(name, def);
  const order = [...tiers.keys()].sort((a, b) => tiers.get(a)!.order - tiers.get(b)!.order || (a < b ? -1 : 1));
  const defaultIndex = order.indexOf("default");
  const rank: Record<"admin" | "baseline", number> = { admin: 0, baseline: 0 };
  // Calico evaluates AdminNetworkPolicies in its kube-admin tier and BaselineAdminNetworkPolicies in
  // kube-baseline: a tier ordered before them ranks before every priority (0-1000) they use, one after
  // them after. The model tier's other policies (the common API's TrafficPolicies, priorities 0 and
  // up, unbounded) take that place too: a Calico rank equal to one of their priorities made a tie
  // across groups, which the engines break differently (priorityHit left the other group's policy
  // out after a Pass, rows.ts groupedHits did not: explain allowed what list denied). Without any,
  // ranks start at 0.
  const span = (tier: Tier) => {
    let lo = 0, hi = 1000, some = false;
    for (const p of builder.inv.policies) if (p.tier === tier && !p.kind.startsWith("Calico ")) { some = true; lo = Math.min(lo, p.priority); hi = Math.max(hi, p.priority); }
    return some ? { before: lo - 1_000_000, after: Math.floor(hi) + 1 } : undefined;
  };
  const spans = { admin: span("admin"), baseline: span("baseline") };
  const base = (i: number, tier: "admin" | "baseline") => { const s = spans[tier]; return !s ? 0 : i < order.indexOf(`kube-${tier}`) ? s.before : s.after; };
  for (const [i, name] of order.entries()) {
    const members = state.policies.filter((p) => p.tier === name)
      // felix calc/policy_sorter.go PolKVLess (since v3.32): by order (none: +Inf, last), ties by
      // "name/namespace/kind" ("from the most specific (name) to least specific (kind)").
      .sort((a, b) => (a.order ?? LAST) - (b.order ?? LAST) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const tier: Tier = i < defaultIndex ? "admin" : i === defaultIndex ? "namespace" : "baseline";
    // A Pass ends the Calico tier (felix clears the pass mark at each "Start of tier"): each tier sharing
    // the Admin or Baseline tier is a group of it (Policy.tierGroup); kube-admin and kube-baseline are the
    // Admin APIs' group (no tierGroup), so an AdminNetworkPolicy's Pass goes on at the next Calico tier.
    const group = tier === "namespace" || name === "kube-admin" || name === "kube-baseline" ? undefined : name;
    for (const m of members) for (const p of m.policies) {
      p.tier = tier;
      if (tier !== "namespace") p.priority = base(i, tier) + rank[tier]++;
      if (group !== undefined) p.tierGroup = group;
    }
    if (tier === "namespace") breakTies(members, builder.inv.policies);
    const def = tiers.get(name)!;
    // A preDNAT or doNotTrack policy's tier always passes at its end (calc/event_sequencer.go
    // tierInfoToProtoTierInfo: "For untracked and preDNAT tiers, DefautlAction must be Pass, to make
    // sure policies in the normal tier are also checked"): in the default tier a Pass for the endpoints
    // it selects, not the Namespace tier's isolation, which ended the walk before a later tier's Deny
    // (a wrong allow); kept apart with them (keepPreDnatApart). Elsewhere no match goes on by itself.
    if (tier === "namespace") {
      for (const m of members) if (m.preDnat || m.doNotTrack) m.policies.push(...m.policies.map((p) => endOfTier(p, name, tier, Number.MAX_VALUE, "Pass")));
    }
    const closing = tier === "namespace" ? def.defaultAction === "Pass" : def.defaultAction === "Deny";
    if (!closing) continue;
    const end = tier === "namespace" ? Number.MAX_VALUE : base(i, tier) + rank[tier]++;
    // (rules/endpoints.go endpointIptablesChain: the end-of-tier drop is rendered "When rendering normal
    // and forward rules"; "For untracked and pre-DNAT rules, we don't do that because there may be normal
    // rules still to be applied to the packet in the filter table".)
    for (const m of members) if (!m.preDnat && !m.doNotTrack) for (const p of m.policies) builder.inv.policies.push(endOfTier(p, name, tier, end, def.defaultAction));
  }
  keepPreDnatApart(state, builder);
  for (const p of state.policies) {
    if (!tiers.has(p.tier)) p.tierField.error("unknown-tier", `tier ${JSON.stringify(p.tier)} is not defined in the input (define a projectcalico.org/v3 Tier; built in: ${Object.keys(BUILTIN_TIERS).join(", ")})`);
  }
}

/**
 * The default tier keeps each policy's order as its priority (Kubernetes NetworkPolicies sit at 1000,
 * live updates add them there). Where policies of one order tie and a Calico policy is among them,
 * felix's tie-break (PolKVLess: "name/namespace/kind"; a NetworkPolicy's kind KubernetesNetworkPolicy)
 * is not the engine's ("namespace/name"): those policies get the doubles next to the order, one per
 * name, in felix's order (no other order sits between them); the NetworkPolicies among them keep
 * the order itself when they are next to each other in it.
 */
function breakTies(members: readonly CalicoPolicy[], all: readonly Policy[]): void {
  const keys = new Map<Policy, string>();
  for (const m of members) for (const p of m.policies) keys.set(p, m.key);
  if (!keys.size) return;
  const groups = new Map<number, Policy[]>();
  for (const p of all) {
    if (p.tier !== "namespace" || (!keys.has(p) && p.kind !== "NetworkPolicy")) continue;
    if (!keys.has(p)) keys.set(p, `${p.name}/${p.namespace ?? ""}/KubernetesNetworkPolicy`);
    const g = groups.get(p.priority);
    if (g) g.push(p); else groups.set(p.priority, [p]);
  }
  for (const [order, group] of groups) {
    const names = [...new Set(group.map((p) => keys.get(p)!))].sort();
    if (names.length < 2 || !group.some((p) => p.kind.startsWith("Calico "))) continue;
    const knp = names.map((n, i) => (n.endsWith("/KubernetesNetworkPolicy") ? i : -1)).filter((i) => i >= 0);
    const [lo, hi] = knp.length && knp[knp.length - 1] - knp[0] === knp.length - 1 ? [knp[0], knp[knp.length - 1]] : [0, 0];
    const at = new Map<string, number>();
    for (const [i, n] of names.entries()) at.set(n, step(order, i < lo ? i - lo : i > hi ? i - hi : 0));
    for (const p of group) p.priority = at.get(keys.get(p)!)!;
  }
}

/** The double `n` doubles above (below, when negative) a finite `x`. */
function step(x: number, n: number): number {
  for (; n > 0; n--) x = nextUp(x);
  for (; n < 0; n++) x = -nextUp(-x);
  return x;
}

/** The next double above a finite `x` (Math.nextUp). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + (x > 0 ? 1n : -1n));
  return view.getFloat64(0);
}

/** The tier's default action for the endpoints a policy of it selects, after all its policies. */
function endOfTier(p: Policy, tierName: string, tier: Tier, priority: number, action: "Deny" | "Pass"): Policy {
  const rule = (d: "ingress" | "egress"): Rule[] => [{ index: 0, name: `end of tier ${tierName}`, action: action === "Deny" ? "deny" : "pass", path: ["spec", d] }];
  return {
    kind: "Calico Tier", name: `${tierName}-end-of-tier`, tier, priority, ...(p.tierGroup !== undefined ? { tierGroup: p.tierGroup } : {}), subject: p.subject,
    ingress: p.ingress ? rule("ingress") : undefined, egress: p.egress ? rule("egress") : undefined, src: p.src,
  };
}

const hostEndpointFrontEnd: FrontEnd = {
  kind: "HostEndpoint", apiVersions: APIS, namespaced: false,
  read(root, ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    if (spec.present && !spec.object()) return; // (absent: the zero spec, as for policies)
    const addresses = readAddressList(spec.get("expectedIPs"), false);
    const ports = readNamedPorts(spec.get("ports"));
    const profiles = spec.get("profiles").list()?.map((p) => p.string()).filter((p): p is string => p !== undefined) ?? [];
    if (!meta) return;
    const labels = { ...meta.labels, [HOST_ENDPOINT_LABEL]: meta.name };
    const iface = spec.get("interfaceName").string();
    // Without expectedIPs (Calico accepts interfaceName alone) felix polices the interface, whose
    // addresses are the host's, but its selectors' IP sets hold none of them (Endpoint.peerless):
    // placed on its node by spec.node (placeOnNodes).
    const peerless = addresses.length === 0 && !spec.get("expectedIPs").list()?.length;
    const hep = b.addEndpoint({ kind: "workload", name: meta.name, labels, addresses, ports, src: ctx.ref, ...(iface === "*" ? { allInterfaces: true as const } : {}), ...(peerless ? { peerless: true as const } : {}) });
    b.state(HOSTS).push({ hep, node: spec.get("node").string(), iface, f: spec });
    if (!profiles.includes(DEFAULT_ALLOW_PROFILE)) b.inv.policies.push(hostDefaultDeny(meta.name, ctx));
  },
};

/** The host endpoints read, for placing them on their nodes once every object is read. */
const HOSTS: StateKey<{ hep: Endpoint; node?: string; iface?: string; f: Field }[]> = { make: () => [], settle: placeOnNodes };

/**
 * A host endpoint on a node's address is that node's policy identity (Endpoint.hostOf/hostEndpoint):
 * traffic to the address is the node's (the index resolves it to the node), and felix polices the
 * host's traffic by the host endpoint's policy (rules/static.go filterInputChain: cali-INPUT's host
 * endpoint dispatch, filterOutputChain: the to-host-endpoint dispatch), but not its traffic with its
 * own pods: a pod's traffic to it is sent to cali-wl-to-host by a goto before that dispatch (its egress
 * policy, then DefaultEndpointToHostAction), and the host's to a pod returns before it ("We don't
 * currently police host -> endpoint"). The host endpoint read on its own (without a node of its
 * address in the input) stays a Workload of its addresses.
 *
 * One without expectedIPs (interfaceName alone) is placed on the node spec.node names: felix
 * (rules/static.go, the host endpoint dispatch by interface name) polices what crosses the interface,
 * whose addresses the input does not show; they are read as the node's (status.addresses). Without
 * that node (or its addresses) the connections it polices are unknown: it is left out, a warning
 * saying which.
 */
function placeOnNodes(heps: { hep: Endpoint; node?: string; iface?: string; f: Field }[], b: InventoryBuilder): void {
  const nodes = new Map<AddressKey, Endpoint>(), placed = new Set<Endpoint>(), dropped = new Set<Endpoint>();
  // The node whose felix polices each host endpoint (its failsafe lists are that node's).
  const felixOf = new Map<string, string>();
  for (const e of b.inv.endpoints) if (e.kind === "node") for (const a of e.addresses) if (!nodes.has(addressKey(a))) nodes.set(addressKey(a), e);
  for (const { hep, node: named, iface, f } of heps) {
    const node = hep.peerless ? b.inv.endpoints.find((e) => e.kind === "node" && e.name === named && e.addresses.length > 0) : hep.addresses.map((a) => nodes.get(addressKey(a))).find((n) => n !== undefined);
    if (hep.peerless && !node) {
      const which = named === undefined ? "no node (spec.node)" : `node ${named}, which the input ${b.inv.endpoints.some((e) => e.kind === "node" && e.name === named) ? "shows without addresses" : "does not hold"}`;
      f.get("interfaceName").warn("vendor-hostendpoint", `host endpoint ${hep.name} has no expectedIPs: felix polices what crosses interface ${iface ?? "?"} of ${which}, so the addresses it polices are unknown: connections to and from that node's addresses are answered as if no host endpoint policed them (they may be denied); add the Node, or expectedIPs`);
      dropped.add(hep);
      continue;
    }
    if (named !== undefined) felixOf.set(hep.name, named);
    if (!node) continue;
    felixOf.set(hep.name, node.name);
    if (hep.peerless) f.get("interfaceName").warn("vendor-hostendpoint", `host endpoint ${hep.name} has no expectedIPs: interface ${iface}'s addresses are read as node ${node.name}'s (${node.addresses.map(formatAddress).join(", ")}); its rule selectors hold none of them (felix's IP sets hold a host endpoint's expectedIPs only), so a rule selecting its labels never matches the node's traffic`);
    if (node.hostEndpoint) {
      f.get("expectedIPs").warn("vendor-hostendpoint", `node ${node.name}'s address is host endpoint ${node.hostEndpoint.name}'s too: its policy decides for the node (felix polices each interface by its own host endpoint; Junction answers per address)`);
      continue;
    }
    if (!hep.peerless && named !== undefined && named !== node.name) f.get("node").warn("vendor-hostendpoint", `expectedIPs holds node ${node.name}'s address, not ${named}'s: read as node ${node.name}'s host endpoint`);
    if (iface !== "*") f.get("interfaceName").warn("vendor-hostendpoint", `host endpoint ${hep.name} is read as node ${node.name}'s: its policy decides the node's traffic with anything but its own pods; felix polices only what crosses ${iface === undefined ? "the interface of its expectedIPs" : `interface ${iface}`} (traffic from other nodes' pods through an IPIP or VXLAN tunnel is not), as interfaceName "*" does; its loopback is not policed, as felix leaves lo alone`);
    node.hostEndpoint = hep;
    placed.add(hep);
  }
  if (heps.length > dropped.size) b.inv.policies.push(...failsafePolicies(b, felixOf));
  // Placed on its node, a host endpoint is no endpoint of its own (its address is the node's): the
  // others keep their order and ids are renumbered (nothing holds one before the load finishes).
  if (!placed.size && !dropped.size) return;
  const kept = b.inv.endpoints.filter((e) => !placed.has(e) && !dropped.has(e));
  b.inv.endpoints.length = 0;
  for (const e of kept) { e.id = b.inv.endpoints.length; b.inv.endpoints.push(e); }
  for (const hep of [...placed, ...dropped]) hep.id = NO_ID;
}

/** Before every policy, at the very start of the Admin tier (Calico's tiers ahead of default rank from -1000000). */
const FAILSAFE_PRIORITY = -2_000_000_000;

/**
 * felix's failsafe ports (rules/static.go failsafeInChain, failsafeOutChain; rules/endpoints.go
 * HostEndpointToFilterChains puts them at the start of every host endpoint's chains, before its tiers):
 * to a host endpoint on an inbound failsafe port (from its net when one is given), and from it to an
 * outbound one, traffic is accepted whatever the policy. The lists are each felix's (failsafeLists:
 * a FelixConfiguration node.NAME sets its node's): one policy for the host endpoints of each node with
 * lists of its own (`felixOf`: host endpoint name to node), one for every other host endpoint.
 */
function failsafePolicies(b: InventoryBuilder, felixOf: ReadonlyMap<string, string>): Policy[] {
  const own = new Set(failsafeNodes(b));
  const byNode = new Map<string, string[]>();
  for (const [hep, node] of felixOf) if (own.has(node)) byNode.set(node, [...(byNode.get(node) ?? []), hep]);
  const others = [...byNode.values()].flat();
  const rest = others.length ? [{ key: HOST_ENDPOINT_LABEL, operator: "NotIn" as const, values: others }] : [];
  return [
    failsafePolicy(b, undefined, selector({}, [{ key: HOST_ENDPOINT_LABEL, operator: "Exists", values: [] }, ...rest])),
    ...[...byNode].map(([node, names]) => failsafePolicy(b, node, selector({}, [{ key: HOST_ENDPOINT_LABEL, operator: "In", values: names }]))),
  ];
}

function failsafePolicy(b: InventoryBuilder, node: string | undefined, labels: LabelSelector): Policy {
  const lists = failsafeLists(b, node);
  const rules = (d: "inbound" | "outbound"): Rule[] => lists[d].ports.map((p, index) => ({
    index, name: `failsafe ${p.protocol.toLowerCase()}:${p.net ? `${p.net.text}:` : ""}${p.port} (${lists[d].where})`, action: "allow",
    ports: [{ kind: "range", protocol: p.protocol, first: p.port, last: p.port }], ...(p.net ? { peers: [{ kind: "cidr", cidr: p.net, except: [] }] } : {}),
    // (The path names the direction, as explain reads it; the rule's name says where the list is set.)
    path: ["spec", d === "inbound" ? "ingress" : "egress", index],
  }));
  const src = lists.inbound.src ?? lists.outbound.src;
  return {
    kind: "Calico felix", name: node === undefined ? "failsafe-host-ports" : `failsafe-host-ports.${node}`, tier: "admin", priority: FAILSAFE_PRIORITY,
    subject: { namespaces: { kind: "any" }, labels, kinds: ["workload"] },
    ingress: rules("inbound"), egress: rules("outbound"), ...(src ? { src } : {}),
  };
}

/** A host endpoint no policy decides for is denied (unless it has the default-allow profile); it stands for its profiles (PROFILES_GROUP). */
function hostDefaultDeny(name: string, ctx: ObjectContext): Policy {
  const rule = (d: "ingress" | "egress"): Rule[] => [{ index: 0, name: "no policy applies: Calico denies host endpoint traffic", action: "deny", path: ["spec", d] }];
  return {
    kind: "Calico HostEndpoint", name: `${name}-default-deny`, tier: "baseline", priority: LAST, tierGroup: PROFILES_GROUP,
    subject: { namespaces: { kind: "any" }, labels: selector({ [HOST_ENDPOINT_LABEL]: name }), kinds: ["workload"] },
    ingress: rule("ingress"), egress: rule("egress"), src: ctx.ref,
  };
}

function networkSetFrontEnd(kind: "NetworkSet" | "GlobalNetworkSet"): FrontEnd {
  const namespaced = kind === "NetworkSet";
  return {
    kind, apiVersions: APIS, namespaced,
    read(root, ctx, b) {
      const meta = readMeta(root, namespaced);
      const spec = root.get("spec");
      spec.object();
      const cidrs = (spec.get("nets").list() ?? []).map((n) => readCidrAs(n, "calico")).filter((c): c is Cidr => c !== undefined);
      // (Calico Enterprise's field: projectcalico.org/v3 GlobalNetworkSetSpec and NetworkSetSpec hold `nets` only.)
      if (spec.get("allowedEgressDomains").present) spec.get("allowedEgressDomains").error("unsupported", "allowedEgressDomains is a Calico Enterprise field (Calico's projectcalico.org/v3 network sets hold nets only: its API server refuses the field); its domains match the addresses DNS answers at run time, which the input cannot show");
      if (!meta) return;
      // Calico selectors see a NetworkSet's namespace as this label; the marker tells Calico's sets from other Networks.
      const labels = { ...meta.labels, ...(meta.namespace ? { [CALICO_NAMESPACE_LABEL]: meta.namespace } : {}), [NETWORK_SET_LABEL]: meta.name };
      b.inv.networks.push({ name: meta.namespace ? `${meta.name}.${meta.namespace}` : meta.name, labels, cidrs, src: ctx.ref });
    },
  };
}

export const calicoFrontEnds: FrontEnd[] = [
  policyFrontEnd("NetworkPolicy"), policyFrontEnd("GlobalNetworkPolicy"), tierFrontEnd,
  hostEndpointFrontEnd, networkSetFrontEnd("NetworkSet"), networkSetFrontEnd("GlobalNetworkSet"), ...felixFrontEnds, ipPoolFrontEnd, serviceAccountFrontEnd,
];

/** Calico's readings of built-in kinds (lowering.ts runs them after the kind's front end). */
export const calicoKindHooks = felixKindHooks;
