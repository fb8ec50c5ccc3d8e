// Is the hop mutual TLS, and what identity does the server see? Only when both ends run a proxy of
// the same mesh and neither side turns it off; a plaintext client has no identity.
//   Istio: the server's PeerAuthentication (workload port, workload, namespace, mesh — the first that
//     sets a mode; default PERMISSIVE) says what it accepts; the client sends what the
//     DestinationRule for the dialled host says (ISTIO_MUTUAL, DISABLE, TLS of its own), else auto
//     mTLS: mutual TLS when the server has a proxy that does not DISABLE it. STRICT refuses plaintext.
//   Linkerd: two meshed pods always talk mutual TLS (Linkerd has no opt-out per port here).

import type { Endpoint, Service, ServicePort } from "../../model/endpoint.js";
import { istioClusterTls, istioSettingsOf, istioTrustDomainOf, type ClientTlsMode, type IstioClientTls, type IstioPeerAuthentication, type IstioSubset, type MeshModel, type MeshSettings, type MtlsMode } from "../../model/mesh.js";
import type { Labels } from "../../model/selector.js";
import type { PeerIdentity } from "./attributes.js";
import type { Hop, LayerDecision, PolicyRef } from "./hop.js";
import { compareCreated, untimedTie } from "../../model/time.js";
import { serviceHost } from "../mesh/dns.js";

export function subsetOf(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * Oldest first (creationTimestamp), then by name: the one that applies when several could
 * (pilot/pkg/model/config.go configCompareByCreationTime). Without a timestamp an object is not yet
 * applied, the newest (model/time.ts compareCreated).
 */
function byAge<T extends { created?: number; namespace: string; name: string }>(a: T, b: T): number {
  const age = compareCreated(a.created, b.created);
  if (age) return age;
  return `${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1;
}

export function ref(kind: string, o: { namespace: string; name: string; src?: PolicyRef["src"] }): PolicyRef {
  return { kind, namespace: o.namespace, name: o.name, src: o.src };
}

/**
 * The PeerAuthentication mode for a workload port: the first level that sets one (port, workload,
 * namespace, mesh), each level's oldest policy (pilot/pkg/model/authentication.go: "cfg.CreationTimestamp.Before(...)"
 * over configs sorted by creation time, then name). `untimed`: the order of two policies without a
 * creationTimestamp decided the mode (model/time.ts untimedTie).
 */
export function istioServerMode(mesh: MeshModel, e: Endpoint, port: number): { mode: MtlsMode; by?: IstioPeerAuthentication; untimed?: string } {
  const root = istioSettingsOf(mesh, e).istioRootNamespace;
  const all = mesh.istio.peerAuthentications;
  const workloads = all.filter((p) => p.namespace === e.namespace && p.namespace !== root && p.selector && subsetOf(p.selector, e.labels)).sort(byAge);
  const namespaces = all.filter((p) => p.namespace === e.namespace && !p.selector).sort(byAge);
  const meshWides = all.filter((p) => p.namespace === root && !p.selector).sort(byAge);
  const set = (m: MtlsMode | undefined) => (m && m !== "UNSET" ? m : undefined);
  // A level's setting for the port: a workload policy's port mode, else its mode.
  const levels: [IstioPeerAuthentication[], (p: IstioPeerAuthentication) => MtlsMode | undefined][] = [
    [workloads, (p) => set(p.ports.get(port)) ?? set(p.mode)], [namespaces, (p) => set(p.mode)], [meshWides, (p) => set(p.mode)],
  ];
  let untimed: string | undefined;
  for (const [list, of] of levels) {
    const mode = list.length ? of(list[0]) : undefined;
    const second = list[1];
    untimed ??= second && of(second) !== mode ? untimedTie(paLabel(list[0]), paLabel(second), "pilot's order (by name)") : undefined;
    if (mode) return { mode, by: list[0], ...(untimed ? { untimed } : {}) };
  }
  return { mode: "PERMISSIVE", ...(untimed ? { untimed } : {}) };
}

const paLabel = (p: IstioPeerAuthentication) => ({ created: p.created, label: `PeerAuthentication ${p.namespace}/${p.name}` });

/** A DestinationRule host as an FQDN (short names are relative to the rule's namespace: pilot's ResolveShortnameToFQDN). */
function fqdn(host: string, namespace: string): string {
  return host.includes(".") || host === "*" ? host : serviceHost({ name: host, namespace });
}

/**
 * One entry of pilot's DestinationRule index (model/push_context.go setDestinationRules, a
 * ConsolidatedDestRule): the first rule of a host, and the later rules mergeDestinationRule folded into
 * it: their subsets whose names are new ("Unique subsets (based on subset name) are concatenated to the
 * original rule's list of subsets"), and the first `trafficPolicy` of them ("If there is no top level
 * policy and the incoming rule has top level traffic policy, use the one from the incoming rule").
 */
interface Consolidated {
  first: IstioClientTls;
  from: IstioClientTls[];
  /** The exportTo set pilot keys the entry by: a rule with a workloadSelector is "." ("destination rules with workloadSelector should not be exported to other namespaces"). */
  exportTo: ReadonlySet<string>;
  policy?: IstioClientTls;
  subsets: (IstioSubset & { rule: IstioClientTls })[];
}

/** The DestinationRule a client applies, as pilot consolidated it: the first rule's name, the merged subsets and trafficPolicy, and the rules merged (`from`). */
export interface IstioConsolidatedRule extends IstioClientTls {
  from: readonly IstioClientTls[];
  /** The rule whose trafficPolicy the entry took (the first of `from` that has one). */
  policyFrom?: IstioClientTls;
  /** The order of two rules without a creationTimestamp decided whose TLS settings the entry took (model/time.ts untimedTie). */
  untimed?: string;
  merged: readonly (IstioSubset & { rule: IstioClientTls })[];
}

type Pool = Map<string, Consolidated[]>;
interface RuleIndex { local: Map<string, Pool>; exported: Map<string, Pool>; rootLocal: Pool }

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x));
const superset = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...b].every((x) => a.has(x));
const sameLabels = (a: Labels, b: Labels) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * pilot's mergeDestinationRule with ENABLE_ENHANCED_DESTINATIONRULE_MERGE (features/experimental.go,
 * default true: "they will be kept as independent rules if the exportTos are not equal"): the rule is
 * merged into each earlier entry of its host whose exportTo equals its own (then not kept apart) or is a
 * non-empty subset of its own (then kept apart too); not into one whose workloadSelector differs from
 * its own when both have one ("skip merging if the selectors do not match"). It stands apart unless it
 * merged into an entry of equal exportTo with no selector on either side, or the same selector, or
 * (pilot's own order of checks) a selector on one side only.
 */
function mergeInto(pool: Pool, rule: IstioClientTls, exportTo: ReadonlySet<string>): void {
  const host = fqdn(rule.host, rule.namespace);
  const list = pool.get(host);
  const own: Consolidated = { first: rule, from: [rule], exportTo, ...(rule.hasPolicy ? { policy: rule } : {}), subsets: (rule.subsets ?? []).map((s) => ({ ...s, rule })) };
  if (!list) { pool.set(host, [own]); return; }
  let apart = true;
  for (const entry of list) {
    if (sameSet(exportTo, entry.exportTo)) apart = false;
    else if (entry.exportTo.size > 0 && superset(exportTo, entry.exportTo)) apart = true;
    else { apart = true; continue; }
    const a = entry.first.workloadSelector, b = rule.workloadSelector;
    if (a && b && !sameLabels(a, b)) { apart = true; continue; }
    if ((!a && !b) || (a && b)) apart = false;
    entry.from.push(rule);
    for (const s of rule.subsets ?? []) if (!entry.subsets.some((o) => o.name === s.name)) entry.subsets.push({ ...s, rule });
    if (!entry.policy && rule.hasPolicy) entry.policy = rule;
  }
  if (apart) list.push(own);
}

/**
 * pilot's index of DestinationRules (setDestinationRules), the rules taken in sortConfigBySelectorAndCreationTime's
 * order (those with a workloadSelector first, then by creation time, name, namespace): a rule is
 * namespace-local when its exportTo is empty or holds "*", "." or its own namespace; it is exported
 * unless its exportTo is private only (one entry, "." or its own namespace; none, when meshConfig
 * defaultDestinationRuleExportTo holds "."); a private rule of the root namespace is also root-local.
 */
function buildIndex(rules: readonly IstioClientTls[], root: string, privateDefault: boolean): RuleIndex {
  const sorted = [...rules].sort((a, b) => Number(!a.workloadSelector) - Number(!b.workloadSelector) || compareCreated(a.created, b.created)
    || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  const index: RuleIndex = { local: new Map(), exported: new Map(), rootLocal: new Map() };
  const pool = (m: Map<string, Pool>, ns: string) => m.get(ns) ?? m.set(ns, new Map()).get(ns)!;
  for (const r of sorted) {
    const exportTo: ReadonlySet<string> = r.workloadSelector ? new Set(["."]) : new Set(r.exportTo ?? []);
    if (!exportTo.size || exportTo.has("*") || exportTo.has(".") || exportTo.has(r.namespace)) mergeInto(pool(index.local, r.namespace), r, exportTo);
    const privateOnly = exportTo.size === 0 ? privateDefault : exportTo.size === 1 && (exportTo.has(".") || exportTo.has(r.namespace));
    if (!privateOnly) mergeInto(pool(index.exported, r.namespace), r, exportTo);
    else if (r.namespace === root) mergeInto(index.rootLocal, r, exportTo);
  }
  return index;
}

const indexes = new WeakMap<readonly IstioClientTls[], { size: number; byRoot: Map<string, RuleIndex> }>();

/** The index for the settings of a client's istiod (its root namespace and default exportTo), built once. */
function ruleIndex(mesh: MeshModel, settings: MeshSettings): RuleIndex {
  const rules = mesh.istio.clientTls;
  let cached = indexes.get(rules);
  if (!cached || cached.size !== rules.length) indexes.set(rules, cached = { size: rules.length, byRoot: new Map() });
  const privateDefault = settings.istioDrPrivateDefault === true, key = `${settings.istioRootNamespace} ${privateDefault}`;
  return cached.byRoot.get(key) ?? cached.byRoot.set(key, buildIndex(rules, settings.istioRootNamespace, privateDefault)).get(key)!;
}

/** model/config.go MostSpecificHostMatch: the entries of the host itself, else of the most specific wildcard host that covers it (host.MoreSpecific: the longest). */
function mostSpecific(pool: Pool | undefined, target: string): Consolidated[] | undefined {
  if (!pool) return undefined;
  const exact = pool.get(target);
  if (exact && !target.startsWith("*")) return exact;
  let best: string | undefined;
  for (const h of pool.keys()) {
    if (!h.startsWith("*") || !target.endsWith(h.slice(1))) continue;
    if (best === undefined || h.length > best.length || (h.length === best.length && h < best)) best = h;
  }
  return best === undefined ? undefined : pool.get(best);
}

/**
 * The DestinationRule a client applies to a Service, as pilot finds it (push_context.go destinationRule):
 * 1. the rules local to the client's namespace (for a client of the root namespace, the root namespace's
 * private ones), 2. those the Service's namespace exports to the client's namespace, 3. those the root
 * namespace exports there; in each, the entries of the most specific host only ("if no ... matched").
 * Of those entries (sidecar.go DestinationRule) the first whose workloadSelector, in the client's
 * namespace, selects the client, else the last without one (withLastTie: a note when the order of
 * two without creationTimestamp decided).
 */
export function istioClientRule(mesh: MeshModel, client: Endpoint, service: Service): IstioConsolidatedRule | undefined {
  const target = serviceHost(service);
  const ns = client.namespace ?? "";
  const settings = istioSettingsOf(mesh, client), root = settings.istioRootNamespace;
  const index = ruleIndex(mesh, settings);
  const exported = (owner: string) => {
    const visible = (mostSpecific(index.exported.get(owner), target) ?? []).filter((c) => !c.exportTo.size || c.exportTo.has("*") || c.exportTo.has(ns));
    return visible.length ? visible : undefined;
  };
  const list = mostSpecific(ns === root ? index.rootLocal : index.local.get(ns), target) ?? exported(service.namespace) ?? exported(root);
  if (!list) return undefined;
  let catchAll: Consolidated | undefined, before: Consolidated | undefined;
  for (const c of list) {
    const selector = c.first.workloadSelector;
    if (!selector) [before, catchAll] = [catchAll, c];
    else if (c.first.namespace === ns && subsetOf(selector, client.labels)) return consolidated(c);
  }
  if (!catchAll) return undefined;
  const taken = consolidated(catchAll);
  return before ? withLastTie(taken, consolidated(before)) : taken;
}

/**
 * The last of the entries without a selector is taken (sidecar.go DestinationRule: `catchAllDr =
 * destRule` in the loop), after pilot's sortConfigBySelectorAndCreationTime (creation time, then
 * name, then namespace): when the one before it has other TLS settings and neither has a
 * creationTimestamp, their order (when applied) decided the TLS: say so (model/time.ts untimedTie).
 */
function withLastTie(taken: IstioConsolidatedRule, before: IstioConsolidatedRule): IstioConsolidatedRule {
  const tls = (r: IstioConsolidatedRule) => JSON.stringify([r.mode, r.ports, r.merged.map((x) => [x.name, x.policy ?? null])]);
  if (tls(taken) === tls(before)) return taken;
  const label = (r: IstioClientTls) => ({ created: r.created, label: `DestinationRule ${r.namespace}/${r.name}` });
  const tie = untimedTie(label(before), label(taken), "pilot's order (by name, then namespace)");
  if (!tie) return taken;
  const untimed = `${tie}; the client takes the last of them (sidecar.go DestinationRule), ${taken.namespace}/${taken.name}`;
  return { ...taken, untimed: taken.untimed ? `${taken.untimed}; ${untimed}` : untimed };
}

function consolidated(c: Consolidated): IstioConsolidatedRule {
  const policy = c.policy ?? c.first;
  const tls = (r: IstioClientTls) => JSON.stringify([r.mode, r.ports]);
  const label = (r: IstioClientTls) => ({ created: r.created, label: `DestinationRule ${r.namespace}/${r.name}` });
  const rival = c.policy && c.from.find((r) => r !== c.policy && r.hasPolicy && tls(r) !== tls(c.policy!));
  const untimed = rival ? untimedTie(label(c.policy!), label(rival), "pilot's order (by name, then namespace)") : undefined;
  return { ...c.first, mode: policy.mode, ports: policy.ports, hasPolicy: !!c.policy, ...(c.policy ? { policyFrom: c.policy } : {}), ...(untimed ? { untimed } : {}), subsets: c.subsets.map(({ rule: _r, ...s }) => s), from: c.from, merged: c.subsets };
}

/** The subsets of a client's rule (istioClientRule), each with the rule that defines it. */
export function istioMergedSubsets(_mesh: MeshModel, rule: IstioClientTls): readonly (IstioSubset & { rule: IstioClientTls })[] {
  return "merged" in rule ? (rule as IstioConsolidatedRule).merged : (rule.subsets ?? []).map((s) => ({ ...s, rule }));
}

/** The rules pilot merged into the client's rule, named for an answer: "shop/a (with shop/b)". */
function ruleName(rule: IstioClientTls): string {
  const c = "from" in rule ? (rule as IstioConsolidatedRule) : undefined;
  const name = (r: IstioClientTls) => `${r.namespace}/${r.name}`;
  const from = c ? c.from.slice(1) : [];
  const policy = c?.policyFrom && c.policyFrom !== c.from[0] ? `, its trafficPolicy from ${name(c.policyFrom)}` : "";
  return `${name(rule)}${from.length ? ` (pilot merged ${from.map(name).join(", ")} into it${policy})` : ""}`;
}

/**
 * (mesh, s24) The TLS mode the client's cluster for the port (and the route's `subset`) gets:
 * model/mesh.ts istioClusterTls over the consolidated rule's trafficPolicy and the subset's own (MergeSubsetTrafficPolicy).
 */
function clientMode(mesh: MeshModel, rule: IstioClientTls | undefined, servicePort: number | undefined, subset?: string): ClientTlsMode | undefined {
  if (!rule) return undefined;
  return istioClusterTls(rule, servicePort, subset ? istioMergedSubsets(mesh, rule).find((s) => s.name === subset) : undefined);
}

export interface Transport {
  /** The hop is mutual TLS and the server sees `identity`. */
  mtls: boolean;
  identity?: PeerIdentity;
  decision: LayerDecision;
}

/** The client's identity as `mesh` writes it. */
export function identityOf(e: Endpoint, mesh: "istio" | "linkerd", settings: MeshModel["settings"]): PeerIdentity | undefined {
  if (e.namespace === undefined) return undefined;
  const sa = e.serviceAccount ?? "default", ns = e.namespace, td = mesh === "istio" ? istioTrustDomainOf(settings) : settings.trustDomain;
  const principal = mesh === "istio" ? `${td}/ns/${ns}/sa/${sa}` : `${sa}.${ns}.serviceaccount.identity.${settings.linkerdNamespace}.${td}`;
  return { principal, namespace: ns, serviceAccount: sa, trustDomain: td };
}

function decision(verdict: LayerDecision["verdict"], summary: string, trace: string[], policy?: PolicyRef, refused = false): LayerDecision {
  return { layer: "transport", enforcer: "the server's proxy (mutual TLS)", verdict, summary, trace, warnings: [], ...(policy ? { policy } : {}), ...(refused ? { denial: { connection: "failed" as const } } : {}) };
}

const istioProxy = (p: string) => p === "istio-sidecar" || p === "istio-ambient";

/** The transport of a hop; `clientBypass`: why a Linkerd client's proxy does not carry it (linkerdClientBypass). */
export function transportOf(hop: Hop, mesh: MeshModel, clientBypass?: string): Transport {
  const c = hop.client, s = hop.server;
  if (clientBypass) return { mtls: false, decision: decision("allow", `plaintext: ${clientBypass}`, []) };
  if (hop.waypoint && s.proxy !== "istio-ambient" && c.proxy === "istio-ambient" && c.endpoint) {
    // A Service's or ServiceEntry's waypoint in front of a destination outside the ambient mesh: ztunnel's HBONE tunnel to it is mutual TLS.
    const identity = identityOf(c.endpoint, "istio", istioSettingsOf(mesh, c.endpoint));
    return { mtls: true, identity, decision: decision("allow", `mutual TLS (HBONE) from the client's ztunnel to waypoint ${hop.waypoint.namespace}/${hop.waypoint.name}: the waypoint sees ${identity?.principal}`, []) };
  }
  if (c.proxy === "linkerd" && s.proxy === "linkerd" && c.endpoint) {
    const identity = identityOf(c.endpoint, "linkerd", mesh.settings);
    return { mtls: true, identity, decision: decision("allow", `mutual TLS between Linkerd proxies: the server sees ${identity?.principal}`, []) };
  }
  if (!istioProxy(s.proxy)) {
    const plain = c.proxy === "none" && s.proxy === "none" ? "neither end runs a mesh proxy (Istio, Linkerd)" : c.proxy === "none" ? "the client runs no mesh proxy" : s.proxy === "none" ? "the server runs no mesh proxy" : "the client and the server are in different meshes";
    return istioClientToPlainServer(hop, mesh, plain);
  }
  return istioHop(hop, mesh);
}

/** A server without an Istio proxy: plaintext, unless an Istio client is told to send Istio mTLS anyway. */
function istioClientToPlainServer(hop: Hop, mesh: MeshModel, why: string): Transport {
  const cluster = clusterOf(hop);
  const rule = istioProxy(hop.client.proxy) && hop.client.endpoint && cluster ? istioClientRule(mesh, hop.client.endpoint, cluster.service) : undefined;
  if (rule && clientMode(mesh, rule, cluster?.port.port, cluster?.subset) === "ISTIO_MUTUAL" && hop.server.proxy === "none") {
    return { mtls: false, decision: decision("deny", `DestinationRule ${rule.namespace}/${rule.name} makes the client send Istio mutual TLS, but the server has no proxy to accept it`, [], ref("DestinationRule", rule), true) };
  }
  return { mtls: false, decision: decision("allow", `plaintext: ${why}`, []) };
}

/** The cluster the client's Envoy connects to: the one a route picked (another Service, a subset), else the dialled Service's. */
function clusterOf(hop: Hop): { service: Service; port: ServicePort; subset?: string } | undefined {
  return hop.cluster ?? hop.service;
}

function istioHop(hop: Hop, mesh: MeshModel): Transport {
  const server = istioServerMode(mesh, hop.server.endpoint, hop.port);
  const serverRef = server.by ? ref("PeerAuthentication", server.by) : undefined;
  const trace = [`server accepts ${server.mode === "STRICT" ? "mutual TLS only" : server.mode === "DISABLE" ? "plaintext only" : "mutual TLS and plaintext"} (${server.by ? `PeerAuthentication ${server.by.namespace}/${server.by.name}` : "no PeerAuthentication: PERMISSIVE"})`];
  const notes: string[] = [];
  const t = istioHopDecision(hop, mesh, server, serverRef, trace, notes);
  if (server.untimed) t.decision.warnings.push(server.untimed);
  t.decision.warnings.push(...notes);
  return t;
}

function istioHopDecision(hop: Hop, mesh: MeshModel, server: ReturnType<typeof istioServerMode>, serverRef: PolicyRef | undefined, trace: string[], notes: string[]): Transport {
  const sends = istioClientSends(hop, mesh, server.mode, trace);
  if (sends.untimed) notes.push(sends.untimed);
  if (sends.mode === "mtls" && server.mode === "DISABLE") return { mtls: false, decision: decision("deny", `the client sends mutual TLS but the server's PeerAuthentication disables it: the connection fails`, trace, serverRef, true) };
  if (sends.mode === "plaintext" && server.mode === "STRICT") return { mtls: false, decision: decision("deny", `the client sends plaintext (${sends.why}) and the server requires mutual TLS (STRICT): the connection is refused`, trace, serverRef, true) };
  if (sends.mode === "plaintext") return { mtls: false, decision: decision("allow", `plaintext (${sends.why}): the server sees no identity`, trace, sends.by ?? serverRef) };
  const identity = identityOf(hop.client.endpoint!, "istio", istioSettingsOf(mesh, hop.client.endpoint));
  return { mtls: true, identity, decision: decision("allow", `mutual TLS (${sends.why}): the server sees ${identity?.principal}`, trace, sends.by ?? serverRef) };
}

function istioClientSends(hop: Hop, mesh: MeshModel, serverMode: MtlsMode, trace: string[]): { mode: "mtls" | "plaintext"; why: string; by?: PolicyRef; untimed?: string } {
  const c = hop.client;
  if (!istioProxy(c.proxy) || !c.endpoint) return { mode: "plaintext", why: c.proxy === "none" ? "the client has no proxy" : "the client is in another mesh" };
  const cluster = clusterOf(hop);
  const rule = cluster ? istioClientRule(mesh, c.endpoint, cluster.service) : undefined;
  const subset = cluster?.subset;
  const mode = clientMode(mesh, rule, cluster?.port.port, subset);
  const by = rule ? ref("DestinationRule", rule) : undefined;
  const untimed = rule?.untimed ? { untimed: rule.untimed } : {};
  if (rule) trace.push(`client applies DestinationRule ${ruleName(rule)}${subset ? ` subset ${subset}` : ""} (tls ${mode ?? "unset: auto mTLS"})`);
  if (mode === "ISTIO_MUTUAL") return { mode: "mtls", why: `DestinationRule ${rule!.namespace}/${rule!.name}${subset ? ` subset ${subset}` : ""} sets ISTIO_MUTUAL`, by, ...untimed };
  if (mode === "DISABLE") return { mode: "plaintext", why: `DestinationRule ${rule!.namespace}/${rule!.name}${subset ? ` subset ${subset}` : ""} disables TLS`, by, ...untimed };
  if (mode) return { mode: "plaintext", why: `DestinationRule ${rule!.namespace}/${rule!.name}${subset ? ` subset ${subset}` : ""} originates ${mode} TLS with its own certificates, which carries no mesh identity`, by, ...untimed };
  if (serverMode === "DISABLE") return { mode: "plaintext", why: "auto mTLS: the server disables mutual TLS", ...untimed };
  return { mode: "mtls", why: "auto mTLS: both ends have Istio proxies", ...untimed };
}
