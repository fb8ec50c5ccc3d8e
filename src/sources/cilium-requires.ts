// Cilium's fromRequires/toRequires as the agent up to 1.18 enforces them. pkg/policy/rules.go
// resolveL4IngressPolicy ("Iterate over all FromRequires which select ctx.To. These requirements will
// be appended to each EndpointSelector's MatchExpressions in each FromEndpoints for all ingress
// rules"): the requirements of every allow rule of every rule selecting the endpoint are ANDed into
// every fromEndpoints selector of every allow rule selecting it (requirementsDeny likewise for the
// deny rules), Kubernetes NetworkPolicies' peers included (the agent reads them as rules); entity,
// CIDR and L4-only rules are left as they are (api/ingress.go GetSourceEndpointSelectorsWithRequirements:
// `if len(requirements) > 0 && len(i.FromEndpoints) > 0`). Egress and toRequires the same way.
//
// Which endpoints a requirement reaches depends on its rule's endpointSelector, so a policy whose
// subject is partly inside it is split: the part inside gets the requirement, the rest (the
// requirement's subject negated, one disjoint piece per requirement of it) keeps its rules. Cilium 1.19
// removed the fields (cilium/cilium#42615; the CRD's maxItems 0): there they are refused.

import { selector, type LabelSelector, type Requirement } from "../model/selector.js";
import type { Direction, EndpointSelector, NamespaceMatch, Peer, Policy, Rule } from "../model/policy.js";
import type { Field } from "./fields.js";

/** One rule's fromRequires (ingress) or toRequires (egress): its policy's subject and its selectors, ANDed. */
export interface RequiresRule { d: Direction; deny: boolean; subject?: EndpointSelector; requires: EndpointSelector[]; f: Field }

const NAME_KEY = "kubernetes.io/metadata.name";
const key = (r: Requirement) => JSON.stringify([r.key, r.operator, [...r.values].sort()]);
/** More pieces than this for one policy: refused (the input would rather be rewritten). */
const MAX_PIECES = 64;

function namespaceSelector(n: NamespaceMatch): LabelSelector | undefined {
  return n.kind === "any" ? undefined : n.kind === "name" ? selector({ [NAME_KEY]: n.name }) : n.selector;
}

function bothNamespaces(a: NamespaceMatch, b: NamespaceMatch): NamespaceMatch {
  if (a.kind === "any") return b;
  if (b.kind === "any") return a;
  if (a.kind === "name" && b.kind === "name" && a.name === b.name) return a;
  const reqs = [...new Map([...namespaceSelector(a)!.requirements, ...namespaceSelector(b)!.requirements].map((r) => [key(r), r])).values()];
  const only = reqs.length === 1 && reqs[0].key === NAME_KEY && reqs[0].operator === "In" && reqs[0].values.length === 1 ? reqs[0].values[0] : undefined;
  return only !== undefined ? { kind: "name", name: only } : { kind: "selector", selector: selector({}, reqs) };
}

/**
 * The endpoints both select. Asked once the selectors were read for the agent's cluster-name (settle):
 * `labels` holds a Cluster Mesh cluster requirement already (the pod part, or nothing for another
 * cluster), so the labels AND; the cluster requirements are kept together, with both pod parts, for a
 * model of several clusters to read them again (sources/clusters.ts). Service accounts: both lists
 * must hold the account (utils.go: io.cilium.k8s.policy.serviceaccount is one more label requirement).
 */
export function conjoin(a: EndpointSelector, b: EndpointSelector): EndpointSelector {
  const accounts = a.serviceAccounts && b.serviceAccounts ? a.serviceAccounts.filter((s) => b.serviceAccounts!.includes(s)) : a.serviceAccounts ?? b.serviceAccounts;
  const except = a.exceptServiceAccounts || b.exceptServiceAccounts ? [...new Set([...(a.exceptServiceAccounts ?? []), ...(b.exceptServiceAccounts ?? [])])] : undefined;
  const pod = (x: EndpointSelector) => x.ciliumCluster?.labels ?? x.labels;
  const cluster = a.ciliumCluster || b.ciliumCluster ? {
    requirements: [...(a.ciliumCluster?.requirements ?? []), ...(b.ciliumCluster?.requirements ?? [])],
    labels: selector({}, [...pod(a).requirements, ...pod(b).requirements]),
    ...(a.ciliumCluster?.name ?? b.ciliumCluster?.name) !== undefined ? { name: (a.ciliumCluster?.name ?? b.ciliumCluster?.name)! } : {},
  } : undefined;
  return {
    ...a, namespaces: bothNamespaces(a.namespaces, b.namespaces), labels: selector({}, [...a.labels.requirements, ...b.labels.requirements]),
    ...(accounts ? { serviceAccounts: accounts } : {}), ...(except ? { exceptServiceAccounts: except } : {}), ...(cluster ? { ciliumCluster: cluster } : {}),
  };
}

function negate(r: Requirement): Requirement | undefined {
  switch (r.operator) {
    case "In": return { ...r, operator: "NotIn" };
    case "NotIn": return { ...r, operator: "In" };
    case "Exists": return { ...r, operator: "DoesNotExist" };
    case "DoesNotExist": return { ...r, operator: "Exists" };
    default: return undefined;
  }
}

/**
 * What `s` does not select, as disjoint selectors of namespace and pod labels: for requirements
 * r1..rn, (not r1), (r1 and not r2), ... (undefined: one the model cannot negate).
 */
export function complement(s: EndpointSelector): EndpointSelector[] | undefined {
  // A cluster requirement read for the agent's cluster-name is in `labels` already (conjoin); without
  // that name a model of several clusters reads it again per cluster, which a split cannot follow.
  if (s.exceptServiceAccounts || (s.ciliumCluster && s.ciliumCluster.name === undefined)) return undefined;
  const ns = namespaceSelector(s.namespaces)?.requirements ?? [];
  const all = [...ns.map((r) => ({ r, ns: true })), ...s.labels.requirements.map((r) => ({ r, ns: false }))];
  const out: EndpointSelector[] = [];
  for (const [i, { r, ns: isNs }] of all.entries()) {
    const not = negate(r);
    if (!not) return undefined;
    const before = all.slice(0, i);
    const nsReqs = [...before.filter((x) => x.ns).map((x) => x.r), ...(isNs ? [not] : [])];
    const podReqs = [...before.filter((x) => !x.ns).map((x) => x.r), ...(isNs ? [] : [not])];
    out.push({ namespaces: nsReqs.length ? { kind: "selector", selector: selector({}, nsReqs) } : { kind: "any" }, labels: selector({}, podReqs), kinds: s.kinds });
  }
  // Every requirement met, the service account not one of the selector's.
  if (s.serviceAccounts) out.push({ namespaces: ns.length ? { kind: "selector", selector: selector({}, ns) } : { kind: "any" }, labels: s.labels, kinds: s.kinds, exceptServiceAccounts: s.serviceAccounts });
  return out;
}

/** Does `outer` select every endpoint `inner` does? (Syntactically: its requirements are among inner's.) */
function covers(outer: EndpointSelector, inner: EndpointSelector): boolean {
  if (outer.ciliumCluster || outer.serviceAccounts) return false;
  const has = (reqs: readonly Requirement[], of: readonly Requirement[]) => { const k = new Set(of.map(key)); return reqs.every((r) => k.has(key(r))); };
  const on = namespaceSelector(outer.namespaces), inNs = namespaceSelector(inner.namespaces);
  return (on === undefined || (inNs !== undefined && has(on.requirements, inNs.requirements))) && has(outer.labels.requirements, inner.labels.requirements);
}

/** Do they provably select no endpoint in common? (Their requirements together contradict each other.) */
function disjoint(a: EndpointSelector, b: EndpointSelector): boolean {
  const both = conjoin(a, b);
  return both !== undefined && selectsNothing(both);
}

/** Requirements no labels meet together (one key In and NotIn the same values, In and DoesNotExist, ...). */
function contradictory(reqs: readonly Requirement[]): boolean {
  return reqs.some((r) => (r.operator === "In" && r.values.length === 0) || reqs.some((q) => q.key === r.key && (
    (r.operator === "In" && q.operator === "In" && !r.values.some((v) => q.values.includes(v)))
    || (r.operator === "In" && q.operator === "NotIn" && r.values.every((v) => q.values.includes(v)))
    || ((r.operator === "In" || r.operator === "Exists") && q.operator === "DoesNotExist"))));
}

/** A selector that provably selects nothing: a piece not worth a policy. */
function selectsNothing(s: EndpointSelector): boolean {
  return contradictory(s.labels.requirements) || contradictory(namespaceSelector(s.namespaces)?.requirements ?? []);
}

interface Piece { subject: EndpointSelector; applied: RequiresRule[] }

/**
 * Splits `p` by the requirements' subjects and ANDs each piece's requirements into its narrowable
 * peers (`narrowable`: fromEndpoints/toEndpoints selectors, toServices' generated ones, a
 * NetworkPolicy's pod and namespace selectors). A string: why it cannot be modelled.
 */
export function applyRequires(p: Policy, reqs: readonly RequiresRule[], narrowable: (peer: Peer, p: Policy) => boolean): Policy[] | string {
  const relevant = reqs.filter((r) => (p[r.d] ?? []).some((rule) => (rule.action === "deny") === r.deny && rule.peers?.some((peer) => narrowable(peer, p))));
  if (!relevant.length) return [p];
  let pieces: Piece[] = [{ subject: p.subject, applied: [] }];
  for (const r of relevant) {
    const next: Piece[] = [];
    for (const piece of pieces) {
      if (disjoint(piece.subject, r.subject!)) { next.push(piece); continue; }
      if (covers(r.subject!, piece.subject)) { next.push({ subject: piece.subject, applied: [...piece.applied, r] }); continue; }
      const inside = conjoin(piece.subject, r.subject!), outside = complement(r.subject!);
      if (!outside) return "its endpointSelector names a Cluster Mesh cluster the input does not name (no cluster-name in cilium-config), or excludes service accounts, which Junction cannot split by";
      if (!selectsNothing(inside)) next.push({ subject: inside, applied: [...piece.applied, r] });
      for (const c of outside) { const o = conjoin(piece.subject, c); if (!selectsNothing(o)) next.push({ subject: o, applied: piece.applied }); }
    }
    pieces = next;
    if (pieces.length > MAX_PIECES) return `the requirements split policy ${p.name} into more than ${MAX_PIECES} parts`;
  }
  const out: Policy[] = [];
  for (const piece of pieces) {
    const narrowed: Partial<Record<Direction, Rule[]>> = {};
    for (const d of ["ingress", "egress"] as const) {
      const rules = p[d];
      if (!rules) continue;
      narrowed[d] = rules.map((rule) => {
        const apply = piece.applied.filter((r) => r.d === d && r.deny === (rule.action === "deny")).flatMap((r) => r.requires);
        if (!apply.length || !rule.peers) return rule;
        return { ...rule, peers: rule.peers.map((peer) => {
          if (peer.kind !== "endpoints" || !narrowable(peer, p)) return peer;
          let sel = peer.selector;
          for (const q of apply) sel = conjoin(sel, q);
          return { ...peer, selector: sel };
        }) };
      });
    }
    out.push({ ...p, subject: piece.subject, ...narrowed });
  }
  return out;
}
