// The common API back end: model policies as TrafficPolicies (junction.dev/v1alpha1), and the
// Workloads and Networks vendor objects stand for. Every model policy can be written so, but for a
// rule limited to one IP family with selectors (Calico ipVersion): reported and left out.

import type { Endpoint, Network } from "../model/endpoint.js";
import { formatAddress } from "../model/ip.js";
import { requestRulesOf, type EndpointSelector, type Peer, type Policy, type Rule } from "../model/policy.js";
import { formatCondition, type Clause, type Condition, type StringMatch } from "../model/l7.js";
import type { PortMatch } from "../model/ports.js";
import { isEverything, type LabelSelector } from "../model/selector.js";
import { metadata } from "./k8s/policies.js";
import { byPriority } from "./k8s/index.js";
import { toK8sSelector } from "./k8s/selectors.js";
import { append } from "../model/arrays.js";
import { escapeRegex } from "../model/regex.js";
import { checkPassGroups, checkPeerFamily, problemFrom, subjectRelativePeer, Unsupported, type Problem } from "./problems.js";

const API = "junction.dev/v1alpha1";
const TIER = { admin: "Admin", namespace: "Namespace", baseline: "Baseline" } as const;
const ACTION = { allow: "Allow", deny: "Deny", pass: "Pass" } as const;
const DEFAULT_PRIORITY = 1000;

/** A selector with an `In ()` requirement selects nothing. */
function selectsNothing(sel: LabelSelector): boolean {
  return sel.requirements.some((r) => r.operator === "In" && r.values.length === 0);
}

function endpointFields(sel: EndpointSelector, ownNamespace: string | undefined): Record<string, unknown> {
  if (sel.kinds.includes("host")) throw new Unsupported("host subject", "a Cilium host policy (nodeSelector) polices nodes as Cilium's host endpoint; the common API's subjects are pods and Workloads", ["Cilium", "Calico (HostEndpoint)", "nftables (hosts, VMs)"]);
  if (sel.exceptServiceAccounts) throw new Unsupported("excluded service accounts", "the common API's serviceAccounts name the accounts selected; every account but some cannot be written so", ["Cilium", "Calico"]);
  const ns = sel.namespaces;
  const namespaces = ns.kind === "name"
    ? (ns.name === ownNamespace ? undefined : { matchLabels: { "kubernetes.io/metadata.name": ns.name } })
    : ns.kind === "selector" ? toK8sSelector(ns.selector) : ownNamespace !== undefined ? "*" : undefined;
  return {
    ...(namespaces ? { namespaces } : {}),
    ...(isEverything(sel.labels) ? {} : { workloads: toK8sSelector(sel.labels) }),
    ...(sel.serviceAccounts ? { serviceAccounts: [...sel.serviceAccounts] } : {}),
    ...(sel.kinds.length === 1 ? { kinds: [sel.kinds[0] === "pod" ? "Pod" : "Workload"] } : {}),
  };
}

function peerFields(peer: Peer, ownNamespace: string | undefined): Record<string, unknown> | undefined {
  checkPeerFamily(peer);
  if ((peer.kind === "endpoints" || peer.kind === "networks") && peer.notIn) {
    throw new Unsupported("notSelector by address", "a Calico notSelector beside a selector takes out the addresses of what it picks (network sets, pods inside them); the common API's selectors match labels", ["NetworkPolicy", "Cilium", "nftables (the lab)", "Calico"]);
  }
  switch (peer.kind) {
    case "endpoints": {
      const sel = peer.selector;
      if (sel.trustDomain !== undefined && sel.namespaces.kind === "name") {
        return { principals: (sel.serviceAccounts ?? ["*"]).map((sa) => `${sel.trustDomain}/ns/${(sel.namespaces as { name: string }).name}/sa/${sa}`) };
      }
      const f = endpointFields(peer.selector, ownNamespace);
      // An endpoint peer needs a field; without namespaces it means the policy's own namespace, or anywhere.
      return Object.keys(f).length ? f : { workloads: {} };
    }
    case "cidr":
      if (peer.outside && peer.nodes) throw new Unsupported("CIDR of outside and node addresses", `${peer.cidr.text} matches node addresses and those outside the cluster, not pods' (Cilium's policy-cidr-match-mode nodes); the common API's outside leaves nodes out too`, ["Cilium"]);
      return { cidrs: [peer.cidr.text], ...(peer.except.length ? { except: peer.except.map((c) => c.text) } : {}), ...(peer.outside ? { outside: true } : {}) };
    case "networks": return selectsNothing(peer.selector) ? undefined : { networks: toK8sSelector(peer.selector) };
    case "nodes": return { nodes: toK8sSelector(peer.selector) };
    case "domains": return { domains: [...peer.names] };
    case "own-node": case "remote-node": throw subjectRelativePeer(peer, "the common API");
  }
}

/** Consecutive plain CIDR peers (same `outside`, no except) are written as one. */
function mergeCidrs(peers: Record<string, unknown>[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const p of peers) {
    const last = out[out.length - 1];
    if (last && p.cidrs && last.cidrs && !p.except && !last.except && p.outside === last.outside) append(last.cidrs as string[], p.cidrs as string[]);
    else out.push(p.cidrs ? { ...p, cidrs: [...(p.cidrs as string[])] } : p);
  }
  return out;
}

function portFields(m: PortMatch): Record<string, unknown> {
  switch (m.kind) {
    case "range": return { protocol: m.protocol, port: m.first, ...(m.last !== m.first ? { endPort: m.last } : {}) };
    case "protocol": return { protocol: m.protocol };
    case "named": return { ...(m.protocol ? { protocol: m.protocol } : {}), port: m.name };
  }
}

/** One L7 clause as a common-API http match (the forms of sources/trafficpolicy-http.ts). */
function httpFields(clause: Clause): Record<string, unknown> {
  const out: Record<string, unknown[]> = {};
  const add = (k: string, v: unknown[]) => { out[k] = [...(out[k] ?? []), ...v]; };
  for (const c of clause) {
    if (c.not || !("values" in c)) throw new Error(`the common API cannot write the condition ${formatCondition(c)}`);
    if (c.attribute === "request.method") add("methods", c.values.map((v) => (v.kind === "exact" && /^[A-Z]+$/.test(v.value) ? v.value : { regex: regexOf(v) })));
    else if (c.attribute === "request.path" || c.attribute === "request.cleanPath") add("paths", c.values.map(pathField));
    else if (c.attribute === "request.url") add("paths", c.values.map((v) => ({ regex: regexOf(v), query: true })));
    else if (c.attribute === "request.host") add("hosts", c.values.map((v) => ({ regex: regexOf(v) })));
    else if (c.attribute === "request.header") add("headers", c.values.map((v) => (v.kind === "present" ? c.name : v.kind === "exact" ? `${c.name}: ${v.value}` : unwritable(c))));
    else throw new Error(`the common API cannot write the condition ${formatCondition(c)}`);
  }
  return out;
}

function unwritable(c: Condition): never {
  throw new Error(`the common API cannot write the condition ${formatCondition(c)}`);
}

function pathField(v: StringMatch): unknown {
  switch (v.kind) {
    case "exact": return { exact: v.value };
    case "segments": return { prefix: v.value };
    case "template": return { template: v.template };
    case "regex": return v.regex;
    default: return regexOf(v);
  }
}

/** A value match as an RE2 expression over the whole value. */
function regexOf(v: StringMatch): string {
  const ci = "ignoreCase" in v && v.ignoreCase ? "(?i)" : "";
  switch (v.kind) {
    case "exact": return `${ci}${escapeRegex(v.value)}`;
    case "prefix": return `${ci}${escapeRegex(v.value)}.*`;
    case "suffix": return `${ci}.*${escapeRegex(v.value)}`;
    case "present": return ".+";
    case "regex": return v.regex;
    case "segments": return `${escapeRegex(v.value.replace(/\/$/, ""))}(/.*)?`;
    case "template": throw new Error("a template is written as a path");
  }
}

function ruleFields(rule: Rule, key: "from" | "to", ownNamespace: string | undefined): Record<string, unknown> | undefined {
  const peers = rule.peers && mergeCidrs(rule.peers.map((p) => peerFields(p, ownNamespace)).filter((p): p is Record<string, unknown> => p !== undefined));
  // A rule whose peers or ports match nothing is left out (an empty list would mean "all").
  if ((peers && !peers.length) || (rule.ports && !rule.ports.length)) return undefined;
  return {
    ...(rule.name ? { name: rule.name } : {}), action: ACTION[rule.action],
    ...(peers ? { [key]: peers } : {}),
    ...(rule.ports ? { ports: rule.ports.map(portFields) } : {}),
    ...(rule.http ? { http: rule.http.map(httpFields) } : {}),
  };
}

/** The namespace a policy is written in: Namespace-tier policies whose subject is one namespace. */
function ownNamespace(p: Policy): string | undefined {
  return p.tier === "namespace" && p.subject.namespaces.kind === "name" ? p.subject.namespaces.name : undefined;
}

/**
 * A policy as a TrafficPolicy; a rule the common API cannot say is left out, with a problem in
 * `problems`; a policy whose subject it cannot say is left out (undefined), with a problem.
 */
export function trafficPolicy(p: Policy, name: string, problems: Problem[] = [], shift = 0, all: readonly Policy[] = [p]): object | undefined {
  const ns = ownNamespace(p);
  let subject: Record<string, unknown>;
  try { subject = endpointFields(p.subject, ns); } catch (e) { problems.push(problemFrom(e, p)); return undefined; }
  const spec: Record<string, unknown> = { tier: TIER[p.tier] };
  // (Shifted, a policy at the default priority is written with its new one; one that lands on the
  // default may go without. The last priority, a Calico policy without order, stays last as it is.)
  const priority = p.priority >= Number.MAX_SAFE_INTEGER ? p.priority : p.priority + shift;
  if (p.tier === "admin" || priority !== DEFAULT_PRIORITY) spec.priority = priority;
  spec.subject = subject;
  for (const [d, key] of [["ingress", "from"], ["egress", "to"]] as const) {
    const rules = requestRulesOf(p, d);
    if (rules !== undefined) spec[d] = rules.map((r) => { try { checkPassGroups(r, p, all, "a TrafficPolicy"); return ruleFields(r, key, ns); } catch (e) { problems.push(problemFrom(e, p, r)); return undefined; } }).filter((r) => r !== undefined);
  }
  return { apiVersion: API, kind: "TrafficPolicy", metadata: metadata(name, ns, [p]), spec };
}

/** Every policy as a TrafficPolicy, in engine order, with names unique per namespace. */
export function trafficPolicies(policies: readonly Policy[], nameOf: (p: Policy) => string = (p) => p.name, problems: Problem[] = []): object[] {
  const used = new Set<string>();
  // The common API's priorities are not negative; the model's tiers may hold some (Calico's tiers
  // ahead of kube-admin, felix's failsafe ports; a Calico policy's negative order in the Namespace
  // tier): each tier is shifted as a whole, its order kept. (A loop: a spread of 200k priorities
  // overflows the call stack.)
  const kept = policies.filter((p) => p.networks === undefined);
  const shifts: Record<Policy["tier"], number> = { admin: 0, baseline: 0, namespace: 0 };
  for (const p of kept) if (-p.priority > shifts[p.tier]) shifts[p.tier] = -p.priority;
  // Network-bound policies (MultiNetworkPolicy) govern secondary interfaces, which the common API does not address: they stay as they are.
  return kept.sort(byPriority).map((p) => {
    const ns = ownNamespace(p);
    const base = nameOf(p);
    let name = base;
    for (let i = 2; used.has(`${ns}/${name}`); i++) name = `${base}-${i}`;
    used.add(`${ns}/${name}`);
    return trafficPolicy(p, name, problems, shifts[p.tier], kept);
  }).filter((o): o is object => o !== undefined);
}

export function workloadObject(e: Endpoint): object {
  return {
    apiVersion: API, kind: "Workload",
    metadata: { name: e.name, ...(e.namespace ? { namespace: e.namespace } : {}), ...(Object.keys(e.labels).length ? { labels: { ...e.labels } } : {}) },
    spec: {
      addresses: e.addresses.map(formatAddress),
      ...(e.ports.length ? { ports: e.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol })) } : {}),
    },
  };
}

export function networkObject(n: Network): object {
  return {
    apiVersion: API, kind: "Network",
    metadata: { name: n.name, ...(Object.keys(n.labels).length ? { labels: { ...n.labels } } : {}) },
    spec: { cidrs: n.cidrs.map((c) => c.text) },
  };
}
