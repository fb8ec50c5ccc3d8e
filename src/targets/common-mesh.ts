// What the Istio and Linkerd conversions to the common API share: the Admin-tier construction
// (Deny at 100, Pass at 200, a Deny of every other request at 300, so the Namespace tier still
// decides what is passed), the problem and warning records, and identity peers.

import type { Condition } from "../model/l7.js";
import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { policyName, policyRules, type EndpointSelector, type Peer, type Policy, type Rule } from "../model/policy.js";
import type { PortMatch } from "../model/ports.js";
import { EVERYTHING } from "../model/selector.js";
import type { Path, SourceRef } from "../model/source.js";

export const PRIORITY = { deny: 100, allow: 200, rest: 300 } as const;

/** Something of a mesh object the common API cannot say (the object and rule it is in). */
export interface MeshProblem { kind: string; namespace: string; name: string; src?: SourceRef; path?: Path; rule?: number; message: string }

export interface MeshConversion {
  policies: Policy[];
  /** The name each converted policy is written with: istio-NAMESPACE-NAME, linkerd-NAMESPACE-SERVER (and -deny-rest). */
  names: Map<Policy, string>;
  /** Istio AuthorizationPolicies read (converted or not). */
  read: number;
  problems: MeshProblem[];
  /** Per converted policy name: why its identity rules may match more (or less) than the mesh's. */
  warnings: MeshProblem[];
  /** Objects read and deliberately not converted (AUDIT, dry runs). */
  notes: string[];
  /** Linkerd routes with path matches were converted: Linkerd matches paths as sent, the common API after normalizing them. */
  rawPaths?: boolean;
}

type Named = { namespace?: string; name: string; src?: SourceRef };

/** The problem (or warning) `message` of object `kind` `o` (its rule `rule`). */
export function meshProblem(kind: string, o: Named, message: string, rule?: number): MeshProblem {
  return { kind, namespace: o.namespace ?? "", name: o.name, ...(o.src ? { src: o.src } : {}), ...(rule !== undefined ? { rule } : {}), message };
}

/** A rule the common API cannot say; its message names what. */
export class Refused extends Error {}

/** Connection rules and request rules (Deny and Pass with http decide requests only). */
export function withRequests(p: Omit<Policy, "ingress" | "egress" | "requests">, rules: Rule[]): Policy {
  const { egress: _egress, ...fields } = policyRules(rules, undefined);
  return { ...p, ...fields };
}

/** The Deny of every request no Pass rule took (on `ports`, or every port), then `then` (rules for connections). */
export function denyRest(base: Omit<Policy, "ingress" | "egress" | "requests" | "priority">, name: string, ports?: PortMatch[], then: Omit<Rule, "index">[] = []): Policy {
  const rest: Rule = { index: 0, name, action: "deny", http: [[]], httpMode: "match", path: ["spec"], ...(ports ? { ports } : {}) };
  return withRequests({ ...base, priority: PRIORITY.rest }, [rest, ...then.map((r, i) => ({ ...r, index: i + 1 }))]);
}

/** An Admin-tier policy of the input selecting one of `pods`: the mesh's rules would interleave with it. */
export function adminClash(inv: Inventory, pods: readonly Endpoint[], selects: (s: EndpointSelector, e: Endpoint) => boolean): string | undefined {
  const clash = inv.policies.find((p) => p.tier === "admin" && pods.some((e) => selects(p.subject, e)));
  return clash && `${clash.kind} ${policyName(clash)} (Admin tier) selects the same pods; the mesh's rules would interleave with it`;
}

export function identityPeer(namespaces: EndpointSelector["namespaces"], serviceAccount: string | undefined): Peer {
  return { kind: "endpoints", selector: { namespaces, labels: EVERYTHING, kinds: ["pod"], ...(serviceAccount ? { serviceAccounts: [serviceAccount] } : {}) } };
}

/** A source.ip condition as ipBlock peers. */
export function cidrPeers(c: Extract<Condition, { cidrs: unknown }>): Peer[] {
  return c.cidrs.map((m) => ({ kind: "cidr", cidr: m.cidr, except: m.except ?? [] }));
}
