// The default restrictions of SCS-0219 (MAY) as a provider deploys them: the cloud metadata address
// blocked for every pod, and ingress from other namespaces denied by default, in one of four styles:
// - networkpolicy: per namespace a NetworkPolicy allowing ingress from the namespace itself and egress
//   anywhere but 169.254.169.254 (namespace owners widen it with policies of their own);
// - kyverno: a Kyverno ClusterPolicy that generates that NetworkPolicy in every namespace, new ones too;
// - cnp: ClusterNetworkPolicies (v1alpha2): the metadata block in the Admin tier, per namespace a
//   Baseline-tier policy (NetworkPolicies override it);
// - anp: AdminNetworkPolicies (v1alpha1): the metadata block and, per namespace, Pass from the namespace
//   and Deny from the others (AdminNetworkPolicy has no overridable per-namespace default: exceptions
//   need AdminNetworkPolicies of higher priority).

import { METADATA_ADDRESS } from "../analyze/restrictions.js";
import { SYSTEM_NAMESPACES } from "../model/inventory.js";

export const RESTRICTION_STYLES = ["networkpolicy", "kyverno", "cnp", "anp"] as const;
export type RestrictionStyle = (typeof RESTRICTION_STYLES)[number];


const NAME = "default-restrictions";
const MANAGED = { "app.kubernetes.io/managed-by": "junction" };
const METADATA_CIDR = `${METADATA_ADDRESS}/32`;
const nsSelector = (ns: string) => ({ matchLabels: { "kubernetes.io/metadata.name": ns } });

/** The NetworkPolicy spec of the networkpolicy and kyverno styles. */
export function restrictionSpec(): Record<string, unknown> {
  return {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [
      { to: [{ namespaceSelector: {} }] },
      { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [METADATA_CIDR] } }, { ipBlock: { cidr: "::/0" } }] },
    ],
  };
}

function networkPolicies(namespaces: readonly string[]): object[] {
  return namespaces.map((namespace) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: NAME, namespace, labels: MANAGED }, spec: restrictionSpec() }));
}

function kyvernoPolicy(): object {
  return {
    apiVersion: "kyverno.io/v1", kind: "ClusterPolicy", metadata: { name: NAME, labels: MANAGED },
    spec: {
      rules: [{
        name: NAME,
        match: { any: [{ resources: { kinds: ["Namespace"] } }] },
        exclude: { any: [{ resources: { names: SYSTEM_NAMESPACES } }] },
        generate: {
          generateExisting: true, synchronize: true,
          apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", name: NAME, namespace: "{{request.object.metadata.name}}",
          data: { metadata: { labels: MANAGED }, spec: restrictionSpec() },
        },
      }],
    },
  };
}

function clusterPolicies(namespaces: readonly string[], priority: number): object[] {
  const meta = (name: string) => ({ name, labels: MANAGED });
  return [
    { apiVersion: "policy.networking.k8s.io/v1alpha2", kind: "ClusterNetworkPolicy", metadata: meta(`${NAME}-metadata`),
      spec: { tier: "Admin", priority, subject: { namespaces: {} }, egress: [{ name: "deny-cloud-metadata", action: "Deny", to: [{ networks: [METADATA_CIDR] }] }] } },
    ...namespaces.map((ns) => ({
      apiVersion: "policy.networking.k8s.io/v1alpha2", kind: "ClusterNetworkPolicy", metadata: meta(`${NAME}-${ns}`),
      spec: {
        tier: "Baseline", priority, subject: { namespaces: nsSelector(ns) },
        ingress: [
          { name: "accept-same-namespace", action: "Accept", from: [{ namespaces: nsSelector(ns) }] },
          { name: "deny-other-namespaces", action: "Deny", from: [{ namespaces: {} }] },
        ],
      },
    })),
  ];
}

function adminPolicies(namespaces: readonly string[], priority: number): object[] {
  const meta = (name: string) => ({ name, labels: MANAGED });
  return [
    { apiVersion: "policy.networking.k8s.io/v1alpha1", kind: "AdminNetworkPolicy", metadata: meta(`${NAME}-metadata`),
      spec: { priority, subject: { namespaces: {} }, egress: [{ name: "deny-cloud-metadata", action: "Deny", to: [{ networks: [METADATA_CIDR] }] }] } },
    ...namespaces.map((ns) => ({
      apiVersion: "policy.networking.k8s.io/v1alpha1", kind: "AdminNetworkPolicy", metadata: meta(`${NAME}-${ns}`),
      spec: {
        priority, subject: { namespaces: nsSelector(ns) },
        ingress: [
          { name: "pass-same-namespace", action: "Pass", from: [{ namespaces: nsSelector(ns) }] },
          { name: "deny-other-namespaces", action: "Deny", from: [{ namespaces: {} }] },
        ],
      },
    })),
  ];
}

/** The objects of a style; `namespaces` is unused by kyverno (every namespace but the system ones). */
export function defaultRestrictions(style: RestrictionStyle, namespaces: readonly string[], priority: number): object[] {
  switch (style) {
    case "networkpolicy": return networkPolicies(namespaces);
    case "kyverno": return [kyvernoPolicy()];
    case "cnp": return clusterPolicies(namespaces, priority);
    case "anp": return adminPolicies(namespaces, priority);
  }
}

/** The NetworkPolicies a Kyverno ClusterPolicy of this style generates in these namespaces (to verify it). */
export function kyvernoGenerated(namespaces: readonly string[]): object[] {
  return networkPolicies(namespaces);
}
