// Pieces shared by the policy.networking.k8s.io front ends (AdminNetworkPolicy,
// BaselineAdminNetworkPolicy, ClusterNetworkPolicy): subjects and peers.

import { EVERYTHING } from "../model/selector.js";
import type { EndpointSelector, Peer, Rule } from "../model/policy.js";
import type { Field } from "./fields.js";
import { readCidrAs, readSelector } from "./k8s.js";

const DOMAIN = /^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;

/** `namespaces: <selector>` (every pod of those namespaces) or `pods: {namespaceSelector, podSelector}`. */
export function readPodSet(f: Field, which: "namespaces" | "pods"): EndpointSelector {
  if (which === "namespaces") {
    return { namespaces: { kind: "selector", selector: readSelector(f) }, labels: EVERYTHING, kinds: ["pod"] };
  }
  f.object(true);
  if (!f.get("podSelector").present) f.get("podSelector").missing();
  return {
    namespaces: { kind: "selector", selector: readSelector(f.get("namespaceSelector")) },
    labels: readSelector(f.get("podSelector")),
    kinds: ["pod"],
  };
}

export function readSubject(f: Field): EndpointSelector | undefined {
  const which = f.oneOf(["namespaces", "pods"]);
  return which ? readPodSet(f.get(which), which as "namespaces" | "pods") : undefined;
}

/**
 * A rule's peers; undefined when some peer has none of the fields this version knows. The API
 * says an implementation then fails closed (apis/v1alpha1/shared_types.go, v1alpha2
 * ClusterNetworkPolicyIngressPeer): an Allow/Accept rule matches no traffic, a Deny or Pass rule
 * is a "Deny all" rule. The field is an error too; with --lenient the rule is read that way.
 */
export function readRulePeers(list: readonly Field[], allowed: readonly string[]): Peer[] | undefined {
  const read = list.map((p) => readPeer(p, allowed));
  return read.some((p) => p === undefined) ? undefined : read.flatMap((p) => p ?? []);
}

/** A rule that fails closed: Allow matches nothing, Deny and Pass deny every flow. */
export function failClosed(rule: Rule): Rule {
  return rule.action === "allow" ? { ...rule, peers: [] } : { ...rule, action: "deny", peers: undefined, ports: undefined };
}

/**
 * One peer object with exactly one field set; each may lower into several model peers (networks).
 * Undefined when it has fields but none this version knows.
 */
function readPeer(f: Field, allowed: readonly string[]): Peer[] | undefined {
  const which = f.oneOf(allowed);
  if (!which && f.keys().length > 0 && f.keys().every((k) => !allowed.includes(k))) return undefined;
  const v = which ? f.get(which) : undefined;
  switch (which) {
    case "namespaces":
    case "pods":
      return [{ kind: "endpoints", selector: readPodSet(v!, which) }];
    case "nodes":
      return [{ kind: "nodes", selector: readSelector(v!) }];
    case "networks": {
      // Each CIDR as the API server's isCIDR reads it (k8s.ts readCidrAs); one that cannot be read
      // at all (an error; --lenient) makes the peer unreadable, and the rule fails closed.
      const cidrs = (v!.list({ required: true, min: 1, max: 25 }) ?? []).map((c) => readCidrAs(c, "isCIDR"));
      return cidrs.some((c) => c === undefined) ? undefined : cidrs.map((cidr) => ({ kind: "cidr" as const, cidr: cidr!, except: [] }));
    }
    case "domainNames":
      return [{ kind: "domains", names: readDomains(v!) }];
    default:
      return [];
  }
}

/** A list of DNS names ('*.' allowed as a prefix). */
export function readDomains(f: Field): string[] {
  return (f.list({ required: true, min: 1, max: 25 }) ?? []).map((d) => {
    const s = d.string({ required: true });
    if (s !== undefined && !DOMAIN.test(s)) return d.error("invalid-domain", `${JSON.stringify(s)} is not a valid domain name ('*.' is allowed only as a prefix)`);
    return s;
  }).filter((s): s is string => s !== undefined);
}
