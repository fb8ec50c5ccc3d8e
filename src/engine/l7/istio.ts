// Istio authorization at the server's enforcement point, as istiod configures it
// (pilot/pkg/security/authz/builder, pilot/pkg/model/authorization.go, policyattachment.go):
//   which policies: those in the root namespace and in the workload's namespace whose selector's
//     labels the workload has (no selector: all of them); policies with targetRefs apply to
//     waypoints and gateways only; dry-run policies are never enforced; AUDIT only logs.
//   order: CUSTOM (an external authorizer; undecidable offline) → DENY (any rule matches: denied) →
//     ALLOW (when some ALLOW policy applies, a request no rule matches is denied; an ALLOW policy
//     without rules allows nothing) → allowed.
//   enforcement point: a sidecar on an HTTP port evaluates every field; on a TCP port (the Service
//     port is not HTTP, or the client speaks TCP) istiod drops ALLOW rules that use HTTP-only fields
//     and only the HTTP-only fields of DENY rules (they become broader); ambient's ztunnel is L4
//     only: an ALLOW rule with HTTP fields never matches, a DENY keeps its L4 part and a source or
//     operation left empty never matches (pilot/pkg/serviceregistry/ambient/authorization.go);
//     a waypoint enforces the policies attached to it or to the Service, with every field.

import type { Endpoint, Service, ServicePort } from "../../model/endpoint.js";
import type { Inventory } from "../../model/inventory.js";
import { formatAddress, partitionSpace, type Address } from "../../model/ip.js";
import { lastXffAddress } from "../gateway/client-policy.js";
import { GATEWAY_NAME_LABEL } from "../gateway/pods.js";
import { metadataMap } from "../../model/route.js";
import { formatCondition, isHttpOnly, istioWildcard, NEVER_MATCHES, istioWildcardText, type Clause, type Condition, type L7Rule, type StringMatch } from "../../model/l7.js";
import { istioSettingsOf, istioTrustDomainOf, type IstioAuthorization, type MeshAction, type MeshModel, type MeshSettings, type TargetRef } from "../../model/mesh.js";
import type { Labels } from "../../model/selector.js";
import { ruleMatches, type Attributes } from "./attributes.js";
import { denialOf, type Hop, type LayerDecision, type PolicyRef } from "./hop.js";
import { subsetOf } from "./transport.js";

export type IstioPoint = "sidecar-http" | "sidecar-tcp" | "ztunnel" | "waypoint" | "waypoint-tcp";

const POINT_NAME: Record<IstioPoint, string> = {
  "sidecar-http": "Istio sidecar (HTTP)", "sidecar-tcp": "Istio sidecar (TCP)", ztunnel: "Istio ztunnel (L4)", waypoint: "Istio waypoint", "waypoint-tcp": "Istio waypoint (TCP)",
};

/** What istiod attaches to workloads the same way (AuthorizationPolicy, RequestAuthentication: policyattachment.go ShouldAttachPolicy). */
interface Attachable { namespace: string; selector?: Labels; targetRefs?: readonly TargetRef[] }

/**
 * Policies of one kind by the workloads they attach to, looked up by namespace: those of the root
 * namespace and the workload's that select it, as its revision's istiod reads them (istioSettingsOf).
 * A Gateway API gateway's pod (label gateway.networking.k8s.io/gateway-name) also takes the policies
 * of its namespace whose targetRefs name its Gateway (pilot/pkg/model/policyattachment.go
 * ShouldAttachPolicy: `matchesGroupKind(targetRef, gvk.KubernetesGateway) && target == gatewayName`,
 * the policy in the workload's namespace), and keeps the selector ones
 * (ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY, true by default). ztunnel (`envoy` false) takes no
 * targetRefs policy.
 */
export class AttachedPolicies<T extends Attachable> {
  private byNamespace = new Map<string, T[]>();
  /** Policies whose targetRefs name a Gateway, by "namespace/name" of the Gateway (in the policy's namespace). */
  private byGateway = new Map<string, T[]>();

  constructor(private mesh: MeshModel, list: readonly T[]) {
    const add = (map: Map<string, T[]>, key: string, p: T) => {
      const l = map.get(key);
      if (!l) map.set(key, [p]); else if (!l.includes(p)) l.push(p);
    };
    for (const p of list) {
      if (!p.targetRefs) { add(this.byNamespace, p.namespace, p); continue; }
      for (const t of p.targetRefs) {
        if (t.kind === "Gateway" && t.group === "gateway.networking.k8s.io" && (!t.namespace || t.namespace === p.namespace)) add(this.byGateway, `${p.namespace}/${t.name}`, p);
      }
    }
  }

  for(e: Endpoint, envoy = true): T[] {
    const root = istioSettingsOf(this.mesh, e).istioRootNamespace;
    const candidates = [...(this.byNamespace.get(root) ?? []), ...(e.namespace !== root ? this.byNamespace.get(e.namespace ?? "") ?? [] : [])];
    const selected = candidates.filter((p) => !p.selector || subsetOf(p.selector, e.labels));
    const gateway = e.labels[GATEWAY_NAME_LABEL];
    return envoy && gateway !== undefined ? [...selected, ...this.byGateway.get(`${e.namespace}/${gateway}`) ?? []] : selected;
  }
}

/**
 * The AuthorizationPolicies that apply to a workload's sidecar or ztunnel (AttachedPolicies). For a
 * sidecar (`envoy`, the default) their principals are those istiod writes into Envoy's RBAC filter,
 * after migrateTrustDomain; ztunnel's (pilot/pkg/serviceregistry/ambient/authorization.go) are not rewritten.
 */
export class IstioPolicies {
  private attached: AttachedPolicies<IstioAuthorization>;

  constructor(private mesh: MeshModel) {
    this.attached = new AttachedPolicies(mesh, mesh.istio.authorizations);
  }

  for(e: Endpoint, envoy = true): IstioAuthorization[] {
    const applied = this.attached.for(e, envoy);
    if (!envoy) return applied;
    const settings = istioSettingsOf(this.mesh, e);
    return applied.map((p) => migrateTrustDomain(p, settings));
  }
}

/**
 * istiod's trust domain bundle (pilot/pkg/security/trustdomain/bundle.go NewBundle): meshConfig
 * trustDomain, then trustDomainAliases.
 */
export function trustDomainBundle(s: MeshSettings): string[] {
  return [istioTrustDomainOf(s), ...(s.istioTrustDomainAliases ?? [])];
}

const migrated = new WeakMap<IstioAuthorization, { bundle: string; policy: IstioAuthorization }>();

/**
 * The policy as istiod writes it for Envoy (builder.go: `m.MigrateTrustDomain(b.trustDomainBundle)`,
 * model.go MigrateTrustDomain): every source principal (`principals`, `notPrincipals`, `when
 * source.principal`) of the form TD/ns/NS/sa/SA whose TD is in the bundle or is "cluster.local" (the
 * local trust domain, whatever it is named) becomes one principal per trust domain of the bundle
 * (ReplaceTrustDomainAliases; a TD pattern like "*local" is kept as is for the domains it matches);
 * "*" as TD, other forms and other trust domains are kept. `trustDomains` values naming a domain of
 * the bundle become the whole bundle (ExpandTrustDomainAliases). With the default bundle
 * (cluster.local alone) nothing changes.
 */
export function migrateTrustDomain(p: IstioAuthorization, s: MeshSettings): IstioAuthorization {
  const bundle = trustDomainBundle(s);
  const key = bundle.join(" ");
  if (key === "cluster.local") return p;
  const hit = migrated.get(p);
  if (hit?.bundle === key) return hit.policy;
  const condition = (c: Condition): Condition => {
    if (!("values" in c)) return c;
    if (c.attribute === "source.principal") return { ...c, values: uniqueMatches(c.values.flatMap((v) => replaceTrustDomainAliases(v, bundle))) };
    if (c.attribute === "source.trustDomain") return { ...c, values: uniqueMatches(c.values.flatMap((v) => (bundle.includes(istioWildcardText(v) ?? "") ? bundle.map((td) => istioWildcard(td)) : [v]))) };
    return c;
  };
  const rule = (r: L7Rule): L7Rule => ({ ...r, ...(r.from ? { from: r.from.map((clause) => clause.map(condition)) } : {}), ...(r.when ? { when: r.when.map(condition) } : {}) });
  const policy = { ...p, rules: p.rules.map(rule) };
  migrated.set(p, { bundle: key, policy });
  return policy;
}

function uniqueMatches(list: StringMatch[]): StringMatch[] {
  const seen = new Set<string>();
  return list.filter((m) => { const k = JSON.stringify(m); if (seen.has(k)) return false; seen.add(k); return true; });
}

/** bundle.go ReplaceTrustDomainAliases for one principal value. */
function replaceTrustDomainAliases(v: StringMatch, bundle: readonly string[]): StringMatch[] {
  const text = istioWildcardText(v);
  const parts = text?.split("/");
  if (text === undefined || parts!.length !== 5 || parts![0] === "*") return [v];
  const td = parts![0];
  const prefix = (a: string, pattern: string) => pattern.endsWith("*") && a.startsWith(pattern.slice(0, -1));
  const suffix = (a: string, pattern: string) => pattern.startsWith("*") && a.endsWith(pattern.slice(1));
  const inBundle = bundle.some((s) => td === s || s === "*" || prefix(td, s) || prefix(s, td) || suffix(td, s) || suffix(s, td));
  if (!inBundle && td !== "cluster.local") return [v];
  const out: string[] = [];
  for (const d of bundle) {
    const p = suffix(d, td) ? text : [d, ...parts!.slice(1)].join("/");
    if (!out.includes(p)) out.push(p);
  }
  return out.map((p) => istioWildcard(p));
}

/**
 * The policies attached to a waypoint serving `service` or the ServiceEntry `entry` (targetRefs to the
 * Service, to the ServiceEntry (group networking.istio.io), or to the waypoint Gateway; to the
 * GatewayClass istio-waypoint from the root namespace: policyattachment.go ShouldAttachPolicy, a
 * Service or ServiceEntry target in the policy's own namespace), as the istiod of the waypoint's
 * revision (`settings`, istioWaypointSettings) writes them for its Envoy (migrateTrustDomain). A
 * headless Service's name resolves to the pods' addresses: workload-addressed, its policies do not apply.
 */
export function istioWaypointPolicies(mesh: MeshModel, settings: MeshSettings, waypoint: { name: string; namespace: string }, via: Pick<Service, "name" | "namespace" | "headless"> | undefined, entry?: { name: string; namespace: string }): IstioAuthorization[] {
  return attachedToWaypoint(mesh.istio.authorizations, settings, waypoint, via, entry).map((p) => migrateTrustDomain(p, settings));
}

/** The policies of `list` attached to a waypoint (istioWaypointPolicies, without the trust domain migration). */
export function attachedToWaypoint<T extends Attachable>(list: readonly T[], settings: MeshSettings, waypoint: { name: string; namespace: string }, via: Pick<Service, "name" | "namespace" | "headless"> | undefined, entry?: { name: string; namespace: string }): T[] {
  const root = settings.istioRootNamespace;
  const service = via && !via.headless ? via : undefined;
  return list.filter((p) => (p.targetRefs ?? []).some((t) => {
    if (t.kind === "Service" && (t.group === "" || t.group === "core")) return service !== undefined && t.name === service.name && p.namespace === service.namespace;
    if (t.kind === "ServiceEntry" && t.group === "networking.istio.io") return entry !== undefined && t.name === entry.name && p.namespace === entry.namespace;
    if (t.kind === "GatewayClass" && t.group === "gateway.networking.k8s.io") return p.namespace === root && t.name === "istio-waypoint";
    return t.kind === "Gateway" && t.group === "gateway.networking.k8s.io" && t.name === waypoint.name && p.namespace === waypoint.namespace && (!t.namespace || t.namespace === p.namespace);
  }));
}

/**
 * The settings of the istiod revision that manages a waypoint: its Gateway's istio.io/rev label, else
 * its namespace's (istio pkg/revisions/tag_watcher.go IsMine: the object's label, else the
 * namespace's), as for a pod (istioSettingsOf); the default revision's without either.
 */
export function istioWaypointSettings(inv: Inventory, waypoint: { name: string; namespace: string }): MeshSettings {
  if (!inv.mesh.istioRevisions) return inv.mesh.settings;
  const gw = inv.routing.gateways.find((g) => g.namespace === waypoint.namespace && g.name === waypoint.name);
  return istioSettingsOf(inv.mesh, { namespace: waypoint.namespace, labels: gw ? metadataMap(gw, "labels") : {} });
}

const HTTP_APP_PROTOCOLS = ["http", "http2", "grpc", "grpc-web", "http_proxy", "kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss"];

/** The protocol a Service port declares to Istio: its appProtocol, else its name's prefix (lower case). */
const declaredProtocol = (p: ServicePort | undefined) => (p?.appProtocol ?? p?.name?.split("-")[0])?.toLowerCase();

/** Whether Istio reads the port as TLS (protocol TLS or HTTPS: protocol.IsTLS), whose outbound filter chains match TLSRoutes by SNI. */
export function istioTlsPort(p: ServicePort | undefined): boolean {
  const d = declaredProtocol(p);
  return d === "tls" || d === "https";
}

/** Istio's protocol for a Service port (appProtocol, else the name's prefix): "http", "tcp", or "auto" (sniffed). */
export function istioPortProtocol(p: ServicePort | undefined): "http" | "tcp" | "auto" {
  const declared = declaredProtocol(p);
  if (declared === undefined || declared === "") return "auto";
  if (HTTP_APP_PROTOCOLS.includes(declared)) return "http";
  return ["tcp", "tls", "https", "mongo", "mysql", "redis", "udp"].includes(declared) ? "tcp" : "auto";
}

/**
 * Where Istio enforces for this hop. A sidecar or a waypoint takes the connection on an HTTP filter
 * chain or a TCP one (a port declared TCP or TLS, or a connection that is not HTTP:
 * listener_waypoint.go buildWaypointInternal sends both to tcpChain, whose RBAC is built for TCP,
 * builder.go BuildTCP).
 */
export function istioPoint(hop: Hop): IstioPoint {
  const tcp = !hop.http || istioPortProtocol(hop.service?.port) === "tcp";
  if (hop.waypoint) return tcp ? "waypoint-tcp" : "waypoint";
  if (hop.server.proxy === "istio-ambient") return "ztunnel";
  return tcp ? "sidecar-tcp" : "sidecar-http";
}

/** A TCP filter chain (a sidecar's or a waypoint's): istiod writes its RBAC with forTCP (tcpRule). */
const onTcp = (point: IstioPoint) => point === "sidecar-tcp" || point === "waypoint-tcp";

/** A rule as a TCP filter chain sees it (generator.go: forTCP): ALLOW rules with HTTP-only fields are dropped; DENY rules lose those fields. */
export function tcpRule(rule: L7Rule, action: MeshAction): L7Rule | undefined {
  const conditions = [...(rule.from ?? []).flat(), ...(rule.to ?? []).flat(), ...(rule.when ?? [])];
  if (!conditions.some(isHttpOnly)) return rule;
  if (action === "allow") return undefined;
  const strip = (c: Clause) => c.filter((x) => !isHttpOnly(x));
  return { ...rule, ...(rule.from ? { from: rule.from.map(strip) } : {}), ...(rule.to ? { to: rule.to.map(strip) } : {}), ...(rule.when ? { when: strip(rule.when) } : {}) };
}

/** Attributes ztunnel reads in `from`: no remote IPs, request principals or trust domains (they are dropped, not enforced). */
const ZTUNNEL_FROM = new Set(["source.principal", "source.namespace", "source.serviceAccount", "source.ip"]);
const ZTUNNEL_WHEN = new Set(["source.ip", "source.namespace", "source.principal", "destination.ip", "destination.port"]);

/** Whether ztunnel reads the condition in that part of a rule (the others it drops: HTTP attributes, remote IPs, trust domains). */
const ZTUNNEL_READS = {
  from: (x: Condition) => ZTUNNEL_FROM.has(x.attribute), to: (x: Condition) => !isHttpOnly(x), when: (x: Condition) => ZTUNNEL_WHEN.has(x.attribute),
};

/** Whether ztunnel drops some field of the rule. */
function ztunnelDrops(rule: L7Rule): boolean {
  return (rule.from ?? []).flat().some((x) => !ZTUNNEL_READS.from(x)) || (rule.to ?? []).flat().some((x) => !ZTUNNEL_READS.to(x)) || (rule.when ?? []).some((x) => !ZTUNNEL_READS.when(x));
}

/** A rule as ztunnel enforces it; undefined when it never matches. */
export function ztunnelRule(rule: L7Rule, action: MeshAction): L7Rule | undefined {
  const l7 = [...(rule.from ?? []).flat().filter((c) => c.attribute === "remote.ip" || c.attribute === "request.auth"), ...(rule.to ?? []).flat().filter(isHttpOnly), ...(rule.when ?? []).filter((c) => !ZTUNNEL_WHEN.has(c.attribute))];
  if (l7.length && action === "allow") return undefined;
  const all = [...(rule.from ?? []).flat(), ...(rule.to ?? []).flat(), ...(rule.when ?? [])];
  if (!ztunnelDrops(rule) && !all.some((c) => "l4Values" in c && c.l4Values)) return rule;
  // An entry left without fields is an empty match, which ztunnel skips: it never matches. A
  // condition ztunnel reads its own way (namespaces with "*": authorization.ts ztunnelValues) takes those values.
  const keep = (c: Clause, ok: (x: Condition) => boolean): Clause => (c.length && !c.some(ok) ? [NEVER_MATCHES] : c.filter(ok).map(asZtunnel));
  return {
    ...rule,
    ...(rule.from ? { from: rule.from.map((c) => keep(c, ZTUNNEL_READS.from)) } : {}),
    ...(rule.to ? { to: rule.to.map((c) => keep(c, ZTUNNEL_READS.to)) } : {}),
    ...(rule.when ? { when: rule.when.flatMap((c) => (ZTUNNEL_READS.when(c) ? [asZtunnel(c)] : [NEVER_MATCHES])) } : {}),
  };
}

const asZtunnel = (c: Condition): Condition => ("l4Values" in c && c.l4Values ? { ...c, values: c.l4Values } : c);

function effective(rule: L7Rule, action: MeshAction, point: IstioPoint): L7Rule | undefined {
  return onTcp(point) ? tcpRule(rule, action) : point === "ztunnel" ? ztunnelRule(rule, action) : rule;
}

function policyRef(p: IstioAuthorization, rule?: L7Rule): PolicyRef {
  return { kind: "AuthorizationPolicy", namespace: p.namespace, name: p.name, src: p.src, ...(rule ? { rule: rule.index, path: rule.path } : {}) };
}

/** The first rule of `policies` that matches, as the point sees it. */
function firstMatch(policies: readonly IstioAuthorization[], action: MeshAction, point: IstioPoint, a: Attributes): { p: IstioAuthorization; r: L7Rule } | undefined {
  for (const p of policies) for (const r of p.rules) {
    const e = effective(r, action, point);
    if (e && ruleMatches(e, a)) return { p, r };
  }
  return undefined;
}

/** How many distinct Envoy filter metadata conditions istioAuthorize tries each way (2^N decisions). */
const METADATA_TRIED = 8;

/**
 * Istio's decision for one request (or TCP connection) at `point`, over `policies`. A `when` on Envoy
 * filter metadata (experimental.envoy.filters.FILTER[KEY]: generator.go envoyFilterGenerator, a
 * metadata matcher on what the filter FILTER wrote for the connection or request) reads what no
 * manifest shows: the point decides with each of them matching and not; the same answer every way:
 * that answer, with a note; else unknown, never "allowed". One condition (a filter's key and values)
 * written in several rules is one predicate; beyond METADATA_TRIED of them the answer is unknown
 * (trying some only would take the others as never matching: a DENY on them missed).
 */
export function istioAuthorize(hop: Hop, policies: readonly IstioAuthorization[], point: IstioPoint, sent: Attributes, where: string, providers?: MeshSettings["istioExtensionProviders"]): LayerDecision {
  const metadata = [...new Set(policies.flatMap((p) => p.rules.flatMap((r) => [...(r.from ?? []).flat(), ...(r.to ?? []).flat(), ...(r.when ?? [])])).filter((c) => c.attribute === "envoy.metadata"))];
  if (!metadata.length) return authorizeKnown(hop, policies, point, sent, where, providers);
  // Held before `not`: a condition and its notValues twin over the same values are one predicate.
  const predicates = new Map<string, Condition[]>();
  for (const c of metadata) {
    const key = JSON.stringify(["name" in c ? c.name : "", "values" in c ? c.values : []]);
    predicates.set(key, [...(predicates.get(key) ?? []), c]);
  }
  const tried = [...predicates.values()];
  if (tried.length > METADATA_TRIED) {
    const none = authorizeKnown(hop, policies, point, sent, where, providers);
    const why = `the policies hold ${tried.length} conditions on Envoy filter metadata (experimental.envoy.filters), which Junction does not know and tries each way only up to ${METADATA_TRIED} of`;
    return { layer: "istio", enforcer: none.enforcer, verdict: "undecided", trace: [...none.trace, why], warnings: none.warnings, unknown: why, summary: `unknown: ${why}` };
  }
  const decisions = Array.from({ length: 2 ** tried.length }, (_, bits) => {
    const held = new Set(tried.filter((_, i) => bits & (1 << i)).flat());
    return { held, shown: tried.filter((_, i) => bits & (1 << i)).map((g) => g[0]), d: authorizeKnown(hop, policies, point, { ...sent, metadataHeld: held }, where, providers) };
  });
  const names = [...new Set(metadata.map((c) => ("name" in c ? c.name : "")))].join(", ");
  const note = `the Envoy filter metadata ${names} (experimental.envoy.filters) is not known to Junction: the filters write it as traffic passes`;
  const first = decisions[0].d;
  const differ = decisions.find((x) => x.d.verdict !== first.verdict);
  if (!differ) return { ...first, trace: [...first.trace, `${note}; the policies answer alike whether it matches or not`] };
  const denied = decisions.find((x) => x.d.verdict === "deny") ?? decisions[0];
  const other = decisions.find((x) => x.d.verdict !== denied.d.verdict) ?? differ;
  const way = (shown: readonly Condition[]) => (shown.length ? `if ${shown.map((c) => formatCondition({ ...c, not: undefined } as Condition)).join(" and ")} matches` : "if no metadata condition matches");
  return {
    layer: "istio", enforcer: first.enforcer, verdict: "undecided", trace: [...first.trace, note], warnings: first.warnings, unknown: note,
    summary: `unknown: ${note}; the answer turns on it (${way(denied.shown)}: ${denied.d.summary}; ${way(other.shown)}: ${other.d.summary})`,
    ...(denied.d.policy ? { policy: denied.d.policy } : {}),
  };
}

/**
 * Whether an Istio sidecar's remote.ip (remoteIpBlocks) is the last X-Forwarded-For entry a request
 * carries, else the peer (use_remote_address false: Utility::getLastAddressFromXFF): a sidecar's is; a
 * gateway (a Gateway API gateway's pod, or any istio-proxy run as a router: Endpoint.istioRouter) reads
 * the peer (use_remote_address true). A waypoint reads the header too.
 */
export function sidecarReadsForwardedFor(server: Endpoint): boolean {
  return server.labels[GATEWAY_NAME_LABEL] === undefined && !server.istioRouter;
}

function authorizeKnown(hop: Hop, policies: readonly IstioAuthorization[], point: IstioPoint, sent: Attributes, where: string, providers?: MeshSettings["istioExtensionProviders"]): LayerDecision {
  const { remoteUnknown, peerUnknown, ...known } = sent;
  const reads = (point === "sidecar-http" && sidecarReadsForwardedFor(hop.server.endpoint)) || point === "waypoint";
  if (peerUnknown) return unknownAddress(hop, policies, point, reads && !remoteUnknown ? withForwardedClient(known) : known, where, peerUnknown, providers, "peer");
  if (!reads) return decide(hop, policies, point, known, where, providers);
  if (!remoteUnknown) return decide(hop, policies, point, withForwardedClient(known), where, providers);
  return unknownAddress(hop, policies, point, known, where, remoteUnknown, providers, "remote");
}

/**
 * The decision when the address this point reads as the original client (`which` "remote": remote.ip,
 * the last X-Forwarded-For entry) or the connection's peer ("peer": source.ip, and remote.ip unless a
 * header gave it) is one Junction cannot know (`why`: the gateway in front wrote the address its PROXY
 * protocol header gave, or a node's; kube-proxy masqueraded the client to a node the input lacks):
 * the policies decide alike for every address of each
 * piece of the address space their remoteIpBlocks split (ip.ts partitionSpace), so one address of
 * each piece stands for them all (their ipBlocks too for the peer). The same answer for all: that answer, with a note; else undecided
 * (the walk answers that the outcome is unknown), never "allowed".
 */
function unknownAddress(hop: Hop, policies: readonly IstioAuthorization[], point: IstioPoint, a: Attributes, where: string, why: string, providers: MeshSettings["istioExtensionProviders"], which: "remote" | "peer"): LayerDecision {
  // The peer unknown: source.ip, and remote.ip too when no header gave it (a gateway without trusted hops reads the peer).
  const peerIsRemote = which === "peer" && a.remoteIp === undefined;
  const attributes = new Set(which === "remote" ? ["remote.ip"] : peerIsRemote ? ["source.ip", "remote.ip"] : ["source.ip"]);
  const ranges = policies.flatMap((p) => p.rules.flatMap((r) => [...(r.from ?? []), ...(r.to ?? []), ...(r.when ? [r.when] : [])]))
    .flat().flatMap((c) => ("cidrs" in c && attributes.has(c.attribute) ? c.cidrs.flatMap((m) => [m.cidr, ...(m.except ?? [])]) : []));
  if (!ranges.length) return decide(hop, policies, point, a, where, providers);
  const at = (ip: Address): Attributes => (which === "remote" ? { ...a, remoteIp: ip } : { ...a, sourceIp: ip, ...(peerIsRemote ? { remoteIp: ip } : {}) });
  const stands = ([4, 6] as const).flatMap((family) => partitionSpace(family, ranges.filter((r) => r.family === family)).map((r) => ({ family, value: r.first })));
  const decisions = stands.map((ip) => ({ ip, d: decide(hop, policies, point, at(ip), where, providers) }));
  const first = decisions[0].d;
  const label = which === "remote" ? "remote.ip" : "source.ip";
  const note = which === "remote" ? `the client address it reads (remote.ip: the last X-Forwarded-For entry) is not known: ${why}`
    : `the address it sees the connection from (source.ip${peerIsRemote ? " and remote.ip" : ""}) is not known: ${why}`;
  const differ = decisions.find((x) => x.d.verdict !== first.verdict);
  if (!differ) return { ...first, trace: [...first.trace, `${note}; the policies answer alike for every address`] };
  const denied = decisions.find((x) => x.d.verdict === "deny") ?? decisions[0];
  const other = decisions.find((x) => x.d.verdict !== denied.d.verdict) ?? differ;
  return {
    layer: "istio", enforcer: first.enforcer, verdict: "undecided", trace: [...first.trace, note], warnings: first.warnings, unknown: why,
    summary: `unknown: ${note}; the answer turns on it (${label} ${formatAddress(denied.ip)}: ${denied.d.summary}; ${formatAddress(other.ip)}: ${other.d.summary})`,
    ...(denied.d.policy ? { policy: denied.d.policy } : {}),
  };
}

/** The name of the point that enforces at `where` (a workload, a gateway's pod, a waypoint). */
export function istioEnforcer(point: IstioPoint, where: string): string {
  return `${POINT_NAME[point]} of ${where}`;
}

function decide(hop: Hop, policies: readonly IstioAuthorization[], point: IstioPoint, a: Attributes, where: string, providers?: MeshSettings["istioExtensionProviders"]): LayerDecision {
  const enforcer = istioEnforcer(point, where);
  const out = (verdict: LayerDecision["verdict"], summary: string, policy?: PolicyRef): LayerDecision =>
    ({ layer: "istio", enforcer, verdict, summary, trace, warnings, ...(policy ? { policy } : {}), ...(verdict === "deny" ? { denial: denialOf(hop, onTcp(point) || point === "ztunnel") } : {}) });
  const trace: string[] = [], warnings: string[] = [];
  // ztunnel takes ALLOW and DENY only (ambient/authorization.go convertAuthorizationPolicy: "ztunnel does not support the CUSTOM action").
  const unsupported = (p: IstioAuthorization) => point === "ztunnel" && p.action === "custom";
  const active = policies.filter((p) => !p.dryRun && p.action !== "audit" && !unsupported(p));
  for (const p of policies.filter((x) => x.dryRun)) trace.push(`AuthorizationPolicy ${p.namespace}/${p.name} is a dry run (istio.io/dry-run): not enforced`);
  for (const p of policies.filter(unsupported)) trace.push(`CUSTOM AuthorizationPolicy ${p.namespace}/${p.name} is not enforced by ztunnel, which supports ALLOW and DENY only (attach it to a waypoint)`);
  const of = (action: MeshAction) => active.filter((p) => p.action === action);
  if (onTcp(point) || point === "ztunnel") noteDroppedRules(active, point, trace);
  const several = severalProviders(policies.filter((p) => p.action === "custom" && !unsupported(p)));
  if (several) {
    const bad = firstMatch(of("custom"), "custom", point, a);
    if (bad) return out("deny", `denied by CUSTOM AuthorizationPolicy ${bad.p.namespace}/${bad.p.name}, rule ${bad.r.index}: the CUSTOM policies of this workload name ${several}, and istiod writes deny rules in place of every CUSTOM rule when more than one provider applies to a workload`, policyRef(bad.p, bad.r));
    trace.push(`the CUSTOM policies of this workload name ${several}: istiod writes their rules as deny rules (none matches) and no external authorizer`);
  }
  const customs = several ? [] : of("custom").filter((p) => !httpProviderOnTcp(p, point, providers, trace));
  const custom = firstMatch(customs, "custom", point, a);
  if (custom && providers && !(custom.p.provider! in providers)) {
    return out("deny", `denied by CUSTOM AuthorizationPolicy ${custom.p.namespace}/${custom.p.name}, rule ${custom.r.index}: its provider ${custom.p.provider} is not among meshConfig extensionProviders, so istiod writes deny rules in its place`, policyRef(custom.p, custom.r));
  }
  if (custom) warnings.push(`CUSTOM AuthorizationPolicy ${custom.p.namespace}/${custom.p.name} sends this request to the external authorizer ${custom.p.provider}, which Junction cannot ask`);
  const deny = firstMatch(of("deny"), "deny", point, a);
  if (deny) return out("deny", `denied by DENY AuthorizationPolicy ${deny.p.namespace}/${deny.p.name}, rule ${deny.r.index}`, policyRef(deny.p, deny.r));
  // The ext_authz filter runs before the RBAC filters (builder.go: the CUSTOM filter first): what DENY and
  // ALLOW would let through passes only if the external authorizer allows it, which Junction cannot ask:
  // unknown, never "allowed" (a denial by DENY or ALLOW stands either way).
  const external = (summary: string, policy?: PolicyRef): LayerDecision => {
    const why = `the external authorizer ${custom!.p.provider} decides first (CUSTOM AuthorizationPolicy ${custom!.p.namespace}/${custom!.p.name}, rule ${custom!.r.index}), which Junction cannot ask`;
    return { ...out("undecided", `unknown: ${why}; if it allows: ${summary}`, policyRef(custom!.p, custom!.r)), unknown: why, ...(policy ? { trace: [...trace, `then: ${summary}`] } : {}) };
  };
  const allows = of("allow");
  if (!allows.length) {
    const summary = policies.length ? "allowed: no DENY rule matches and no ALLOW policy applies" : "allowed: no AuthorizationPolicy applies";
    return custom ? external(summary) : out("allow", summary);
  }
  const allow = firstMatch(allows, "allow", point, a);
  if (allow) {
    const summary = `allowed by ALLOW AuthorizationPolicy ${allow.p.namespace}/${allow.p.name}, rule ${allow.r.index}`;
    return custom ? external(summary, policyRef(allow.p, allow.r)) : out("allow", summary, policyRef(allow.p, allow.r));
  }
  const names = allows.map((p) => `${p.namespace}/${p.name}${p.rules.length ? "" : " (no rules: allows nothing)"}`).join(", ");
  return out("deny", `denied: ALLOW AuthorizationPolicies apply (${names}) and none of their rules matches`, policyRef(allows[0]));
}

/**
 * The request as an Istio sidecar's or waypoint's inbound HTTP connection manager reads its client:
 * istiod sets use_remote_address false there (pilot/pkg/networking/core/listener_inbound.go,
 * listener_waypoint.go: "useRemoteAddress: false") and no trusted hops, so Envoy takes the original
 * client (remote.ip, remoteIpBlocks) from X-Forwarded-For as the client sent it (a client's sidecar
 * does not append to it either): ConnectionManagerUtility::mutateRequestHeaders, "If we are not
 * using remote address, attempt to pull a valid IPv4 or IPv6 address out of XFF", with
 * Utility::getLastAddressFromXFF(headers, 0): the text after the last "," of the header (repeated
 * headers joined with ","), trimmed, when it is an IP address; else the peer's address stays.
 * source.ip (ipBlocks) is always the peer's. A gateway's pod is not such a point: istiod sets
 * use_remote_address true on gateways (gateway.go), so without meshConfig numTrustedProxies its
 * remote.ip is the peer's (Envoy then appends the peer to X-Forwarded-For).
 */
function withForwardedClient(a: Attributes): Attributes {
  return gatewayClient(a, 1);
}

/**
 * remote.ip at an Istio gateway's pod, whose Envoy runs with use_remote_address true and
 * xff_num_trusted_hops `trusted` (gatewayTopology.numTrustedProxies, pilot/pkg/networking/core/gateway.go):
 * conn_manager_utility.cc mutateRequestHeaders, "if (xff_num_trusted_hops > 0) final_remote_address =
 * Utility::getLastAddressFromXFF(request_headers, xff_num_trusted_hops - 1)", before it appends its
 * peer; none trusted, or no address there: the peer's. (A sidecar's inbound reads the last entry as one
 * trusted hop would: withForwardedClient.)
 */
export function gatewayClient(a: Attributes, trusted: number): Attributes {
  if (trusted <= 0) return a;
  const remoteIp = lastXffAddress(a.http?.headers.get("x-forwarded-for") ?? [], trusted - 1);
  return remoteIp ? { ...a, remoteIp } : a;
}

/**
 * "N providers (a, b)" when the CUSTOM policies of a workload (dry runs too) name more than one
 * provider. istiod then builds no external authorizer but deny rules from the enforced CUSTOM rules
 * (pilot/pkg/security/authz/builder/builder.go buildHTTP and buildTCP: "multiple CUSTOM authorization
 * providers per workload requires PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS feature flag", off by
 * default, then getBadCustomDenyRules for each provider; before Istio 1.29 extauthz.go getExtAuthz
 * failed the same way: "only 1 provider can be used per workload"), on a TCP port too, whatever the
 * providers are.
 */
function severalProviders(customs: readonly IstioAuthorization[]): string | undefined {
  const names = [...new Set(customs.map((p) => p.provider ?? ""))].sort();
  return names.length > 1 ? `${names.length} providers (${names.join(", ")})` : undefined;
}

/**
 * istiod's CUSTOM on a TCP port (pilot/pkg/security/authz/builder/builder.go buildTCP): an
 * envoyExtAuthzHttp provider has no TCP filter, so the policy is ignored there ("ignored CUSTOM
 * action with HTTP provider on TCP filter chain"); a gRPC provider gets the network ext_authz
 * filter; a provider meshConfig does not define gets deny rules (getBadCustomDenyRules).
 */
function httpProviderOnTcp(p: IstioAuthorization, point: IstioPoint, providers: MeshSettings["istioExtensionProviders"], trace: string[]): boolean {
  if (!onTcp(point) || providers?.[p.provider ?? ""] !== "http") return false;
  trace.push(`CUSTOM AuthorizationPolicy ${p.namespace}/${p.name}: its provider ${p.provider} is an HTTP external authorizer, which istiod leaves out of a TCP port's filters: not enforced here`);
  return true;
}

function noteDroppedRules(policies: readonly IstioAuthorization[], point: IstioPoint, trace: string[]): void {
  for (const p of policies) for (const r of p.rules) {
    const e = effective(r, p.action, point);
    if (e === r || (point === "ztunnel" && e && !ztunnelDrops(r))) continue;
    trace.push(!e ? `ALLOW ${p.namespace}/${p.name} rule ${r.index} uses HTTP-only fields: ${point === "ztunnel" ? "ztunnel" : "a TCP port"} never matches it`
      : point === "ztunnel" ? `${p.action.toUpperCase()} ${p.namespace}/${p.name} rule ${r.index}: ztunnel ignores the fields it does not read (HTTP attributes, remote IPs, trust domains), and a source, operation or condition left without fields never matches`
      : `${p.action.toUpperCase()} ${p.namespace}/${p.name} rule ${r.index}: its HTTP-only fields are ignored on a TCP port, which makes it broader`);
  }
}
