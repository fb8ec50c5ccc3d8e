// The policies of a synthetic cluster: per application namespace a default deny, DNS and
// same-namespace egress, scraping by Prometheus, the ingress controller to web tiers, allow
// rules by app and by namespace labels, and ipBlocks with excepts; cluster-wide a handful of
// AdminNetworkPolicies and one BaselineAdminNetworkPolicy.

import type { Rng } from "./random.js";
import type { AppNamespace, Manifest, Workload } from "./cluster.js";
import { CALLERS, ROLE_PORTS } from "./vocabulary.js";

const NP = "networking.k8s.io/v1";
const ANP = "policy.networking.k8s.io/v1alpha1";
const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

function np(ns: string, name: string, spec: Manifest): Manifest {
  return { apiVersion: NP, kind: "NetworkPolicy", metadata: { name, namespace: ns }, spec };
}

const byName = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });

/** `total` NetworkPolicies spread over the namespaces, the most common kinds first. */
export function namespacePolicies(rng: Rng, namespaces: readonly AppNamespace[], total: number): Manifest[][] {
  return namespaces.map((ns, i) => {
    const budget = Math.floor(total / namespaces.length) + (i < total % namespaces.length ? 1 : 0);
    const out = basePolicies(rng, ns);
    for (let k = 0; out.length < budget; k++) {
      const extra = appPolicy(rng, ns, ns.apps[k % ns.apps.length], Math.floor(k / ns.apps.length));
      if (extra) out.push(extra);
      else if (k > 4 * ns.apps.length) break;
    }
    return out.slice(0, budget);
  });
}

function basePolicies(rng: Rng, ns: AppNamespace): Manifest[] {
  const n = ns.name;
  const denyEgress = rng.chance(0.4);
  const out = [np(n, "default-deny", { podSelector: {}, policyTypes: denyEgress ? ["Ingress", "Egress"] : ["Ingress"] })];
  if (denyEgress) {
    out.push(np(n, "allow-dns", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: byName("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }] }));
    out.push(np(n, "allow-same-namespace-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] }));
  }
  out.push(np(n, "allow-prometheus", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: byName("monitoring"), podSelector: { matchLabels: { app: "prometheus" } } }], ports: [{ port: "metrics" }] }] }));
  if (ns.apps.some((w) => w.app.role === "frontend")) {
    out.push(np(n, "allow-ingress-controller", { podSelector: { matchLabels: { tier: "web" } }, ingress: [{ from: [{ namespaceSelector: byName("ingress-nginx") }], ports: [{ port: "http" }, { port: "https" }] }] }));
    out.push(np(n, "allow-external-https", { podSelector: { matchLabels: { tier: "web" } }, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE } }], ports: [{ protocol: "TCP", port: 8443 }] }] }));
  }
  // Partner APIs are opened where egress is closed by default (elsewhere the rule would isolate).
  if (denyEgress && ns.apps.some((w) => w.app.role === "worker")) {
    out.push(np(n, "allow-partner-apis", {
      podSelector: { matchLabels: { tier: "backend" } }, policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "203.0.113.0/24", except: ["203.0.113.128/25"] } }, { ipBlock: { cidr: "198.51.100.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] }],
    }));
  }
  return out;
}

/** The variant-th allow rule for a workload: callers in the namespace, then the team's namespaces, then port ranges. */
function appPolicy(rng: Rng, ns: AppNamespace, w: Workload, variant: number): Manifest | undefined {
  const callers = ns.apps.filter((c) => CALLERS[w.app.role].includes(c.app.role) && c !== w).map((c) => c.name);
  const port = ROLE_PORTS[w.app.role][0];
  const target = { podSelector: { matchLabels: { app: w.name } } };
  switch (variant) {
    case 0:
      if (!callers.length) return undefined;
      return np(ns.name, `allow-${w.name}`, { ...target, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "app", operator: "In", values: callers.slice(0, 4) }] } }], ports: [{ port: port.name }] }] });
    case 1:
      return np(ns.name, `allow-${w.name}-from-${ns.team}`, { ...target, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: ns.team, env: ns.env } }, podSelector: { matchLabels: { tier: "backend" } } }], ports: [{ protocol: "TCP", port: port.containerPort }] }] });
    default: {
      const first = 10000 + 100 * (variant % 50) + rng.int(50);
      return np(ns.name, `allow-${w.name}-admin-${variant}`, { ...target, ingress: [{ from: [{ podSelector: { matchLabels: { tier: "backend" } } }], ports: [{ protocol: "TCP", port: first, endPort: first + 9 }] }] });
    }
  }
}

/** A handful of AdminNetworkPolicies and the BaselineAdminNetworkPolicy, as far as `total` allows. */
export function adminPolicies(total: number): Manifest[] {
  const anp = (name: string, priority: number, spec: Manifest) => ({ apiVersion: ANP, kind: "AdminNetworkPolicy", metadata: { name }, spec: { priority, ...spec } });
  const all = { namespaces: {} };
  const list: Manifest[] = [
    anp("allow-monitoring-scrape", 10, { subject: all, ingress: [{ name: "prometheus", action: "Allow", from: [{ namespaces: byName("monitoring") }], ports: [{ namedPort: "metrics" }] }] }),
    { apiVersion: ANP, kind: "BaselineAdminNetworkPolicy", metadata: { name: "default" }, spec: { subject: { namespaces: { matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] } }, ingress: [{ name: "deny-by-default", action: "Deny", from: [{ namespaces: {} }] }] } },
    anp("deny-cloud-metadata", 20, { subject: all, egress: [{ name: "metadata", action: "Deny", to: [{ networks: ["169.254.169.254/32"] }] }] }),
    anp("allow-kube-dns", 30, { subject: all, egress: [{ name: "dns", action: "Allow", to: [{ pods: { namespaceSelector: byName("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } } }], ports: [{ portNumber: { protocol: "UDP", port: 53 } }, { portNumber: { protocol: "TCP", port: 53 } }] }] }),
    anp("delegate-dev", 40, { subject: { namespaces: { matchLabels: { env: "dev" } } }, ingress: [{ name: "dev-to-dev", action: "Pass", from: [{ namespaces: { matchLabels: { env: "dev" } } }] }] }),
    anp("isolate-prod-from-dev", 50, { subject: { namespaces: { matchLabels: { env: "prod" } } }, ingress: [{ name: "from-dev", action: "Deny", from: [{ namespaces: { matchLabels: { env: "dev" } } }] }], egress: [{ name: "to-dev", action: "Deny", to: [{ namespaces: { matchLabels: { env: "dev" } } }] }] }),
  ];
  return list.slice(0, total >= 20 ? list.length : Math.min(2, total));
}
