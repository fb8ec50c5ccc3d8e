// Is the hop mutual TLS, and what identity does the server see? Only when both ends run a proxy of
// the same mesh and neither side turns it off; a plaintext client has no identity.
//   Istio: the server's PeerAuthentication (workload port, workload, namespace, mesh — the first that
//     sets a mode; default PERMISSIVE) says what it accepts; the client sends what the
//     DestinationRule for the dialled host says (ISTIO_MUTUAL, DISABLE, TLS of its own), else auto
//     mTLS: mutual TLS when the server has a proxy that does not DISABLE it. STRICT refuses plaintext.
//   Linkerd: two meshed pods always talk mutual TLS (Linkerd has no opt-out per port here).

import type { Endpoint, Service, ServicePort } from "../../model/endpoint.js";
import { istioClusterTls, istioSettingsOf, istioTrustDomainOf, type ClientTlsMode, type IstioClientTls, type IstioPeerAuthentication, type IstioSubset, type MeshModel, type MtlsMode } from "../../model/mesh.js";
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

/** A DestinationRule host as an FQDN (short names are relative to the rule's namespace). */
function fqdn(host: string, namespace: string): string {
  return host.includes(".") || host === "*" ? host : serviceHost({ name: host, namespace });
}

/** How well a rule's host covers `target`: 0 not at all, higher is more specific. */
function hostScore(rule: IstioClientTls, target: string): number {
  const h = fqdn(rule.host, rule.namespace);
  if (h === target) return 10000;
  if (h === "*") return 1;
  return h.startsWith("*.") && target.endsWith(h.slice(1)) ? h.length : 0;
}

function visibleFrom(rule: IstioClientTls, clientNamespace: string): boolean {
  const to = rule.exportTo ?? ["*"];
  return rule.namespace === clientNamespace || to.includes("*") || to.includes(clientNamespace);
}

/** The DestinationRule a client applies to a Service: its own namespace's, then the Service's, then the root namespace's. */
export function istioClientRule(mesh: MeshModel, client: Endpoint, service: Service): IstioClientTls | undefined {
  const target = serviceHost(service);
  const ns = client.namespace ?? "";
  for (const where of [ns, service.namespace, istioSettingsOf(mesh, client).istioRootNamespace]) {
    const candidates = mesh.istio.clientTls
      .filter((r) => r.namespace === where && visibleFrom(r, ns) && (!r.workloadSelector || (where === ns && subsetOf(r.workloadSelector, client.labels))))
      .map((r) => ({ r, score: hostScore(r, target) + (r.workloadSelector ? 0.5 : 0) }))
      .filter((c) => c.score >= 1)
      .sort((a, b) => b.score - a.score || byAge(a.r, b.r));
    if (candidates.length) return candidates[0].r;
  }
  return undefined;
}

/**
 * The subsets of the rule `rule` as pilot consolidates the DestinationRules of one host in one namespace
 * (model/destination_rule.go mergeDestinationRule, the rules taken by creation time): every later rule of
 * the same host and exportTo adds to it the subsets whose names are new, unless both have workload
 * selectors that differ ("Unique subsets (based on subset name) are
 * concatenated to the original rule's list of subsets"); each subset with the rule that defines it.
 * Not modelled: ENABLE_ENHANCED_DESTINATIONRULE_MERGE's merge of a rule whose exportTo is a superset.
 */
export function istioMergedSubsets(mesh: MeshModel, rule: IstioClientTls): (IstioSubset & { rule: IstioClientTls })[] {
  const out: (IstioSubset & { rule: IstioClientTls })[] = [];
  for (const r of mergedRules(mesh, rule)) for (const s of r.subsets ?? []) if (!out.some((o) => o.name === s.name)) out.push({ ...s, rule: r });
  return out;
}

/** The rule and the later rules of its namespace pilot merges into it (mergeDestinationRule), oldest first. */
function mergedRules(mesh: MeshModel, rule: IstioClientTls): IstioClientTls[] {
  const host = fqdn(rule.host, rule.namespace);
  const exportKey = (r: IstioClientTls) => [...new Set(r.exportTo ?? ["*"])].sort().join(",");
  const sameSelector = (a?: Labels, b?: Labels) => JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());
  const later = mesh.istio.clientTls.filter((r) => r !== rule && r.namespace === rule.namespace && fqdn(r.host, r.namespace) === host && exportKey(r) === exportKey(rule)
    && byAge(rule, r) < 0 && !(r.workloadSelector && rule.workloadSelector && !sameSelector(r.workloadSelector, rule.workloadSelector)));
  return [rule, ...later.sort(byAge)];
}

/**
 * (mesh, s24) The TLS mode the client's cluster for the port (and the route's `subset`) gets:
 * model/mesh.ts istioClusterTls over the merged rule's trafficPolicy (mergeDestinationRule: "If the
 * original rule did not have any top level traffic policy, traffic policies from the new rule will be
 * used": the first of the merged rules that sets one) and the subset's own (MergeSubsetTrafficPolicy).
 */
function clientMode(mesh: MeshModel, rule: IstioClientTls | undefined, servicePort: number | undefined, subset?: string): ClientTlsMode | undefined {
  if (!rule) return undefined;
  const policy = mergedRules(mesh, rule).find((r) => r.hasPolicy) ?? rule;
  return istioClusterTls(policy, servicePort, subset ? istioMergedSubsets(mesh, rule).find((s) => s.name === subset) : undefined);
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
  const t = istioHopDecision(hop, mesh, server, serverRef, trace);
  if (server.untimed) t.decision.warnings.push(server.untimed);
  return t;
}

function istioHopDecision(hop: Hop, mesh: MeshModel, server: ReturnType<typeof istioServerMode>, serverRef: PolicyRef | undefined, trace: string[]): Transport {
  const sends = istioClientSends(hop, mesh, server.mode, trace);
  if (sends.mode === "mtls" && server.mode === "DISABLE") return { mtls: false, decision: decision("deny", `the client sends mutual TLS but the server's PeerAuthentication disables it: the connection fails`, trace, serverRef, true) };
  if (sends.mode === "plaintext" && server.mode === "STRICT") return { mtls: false, decision: decision("deny", `the client sends plaintext (${sends.why}) and the server requires mutual TLS (STRICT): the connection is refused`, trace, serverRef, true) };
  if (sends.mode === "plaintext") return { mtls: false, decision: decision("allow", `plaintext (${sends.why}): the server sees no identity`, trace, sends.by ?? serverRef) };
  const identity = identityOf(hop.client.endpoint!, "istio", istioSettingsOf(mesh, hop.client.endpoint));
  return { mtls: true, identity, decision: decision("allow", `mutual TLS (${sends.why}): the server sees ${identity?.principal}`, trace, sends.by ?? serverRef) };
}

function istioClientSends(hop: Hop, mesh: MeshModel, serverMode: MtlsMode, trace: string[]): { mode: "mtls" | "plaintext"; why: string; by?: PolicyRef } {
  const c = hop.client;
  if (!istioProxy(c.proxy) || !c.endpoint) return { mode: "plaintext", why: c.proxy === "none" ? "the client has no proxy" : "the client is in another mesh" };
  const cluster = clusterOf(hop);
  const rule = cluster ? istioClientRule(mesh, c.endpoint, cluster.service) : undefined;
  const subset = cluster?.subset;
  const mode = clientMode(mesh, rule, cluster?.port.port, subset);
  const by = rule ? ref("DestinationRule", rule) : undefined;
  if (rule) trace.push(`client applies DestinationRule ${rule.namespace}/${rule.name}${subset ? ` subset ${subset}` : ""} (tls ${mode ?? "unset: auto mTLS"})`);
  if (mode === "ISTIO_MUTUAL") return { mode: "mtls", why: `DestinationRule ${rule!.namespace}/${rule!.name}${subset ? ` subset ${subset}` : ""} sets ISTIO_MUTUAL`, by };
  if (mode === "DISABLE") return { mode: "plaintext", why: `DestinationRule ${rule!.namespace}/${rule!.name}${subset ? ` subset ${subset}` : ""} disables TLS`, by };
  if (mode) return { mode: "plaintext", why: `DestinationRule ${rule!.namespace}/${rule!.name}${subset ? ` subset ${subset}` : ""} originates ${mode} TLS with its own certificates, which carries no mesh identity`, by };
  if (serverMode === "DISABLE") return { mode: "plaintext", why: "auto mTLS: the server disables mutual TLS" };
  return { mode: "mtls", why: "auto mTLS: both ends have Istio proxies" };
}
