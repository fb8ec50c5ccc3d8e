// Model selectors, peers and ports written as Cilium's (cilium.io/v2). Cilium endpoint selectors carry
// the namespace and the service account as labels: io.kubernetes.pod.namespace,
// io.cilium.k8s.namespace.labels.KEY, io.cilium.k8s.policy.serviceaccount. Cilium's CIDR rules
// match only addresses outside the cluster (no pod's or node's). An empty peer list: matches nothing.

import type { Inventory } from "../../model/inventory.js";
import { contains, rangeToCidrs, subtractRanges, type Cidr } from "../../model/ip.js";
import type { EndpointSelector, NamespaceMatch, Peer } from "../../model/policy.js";
import type { PortMatch } from "../../model/ports.js";
import { isEverything, selector, type Requirement } from "../../model/selector.js";
import { checkPeerFamily, Unsupported } from "../problems.js";
import type { K8sContext } from "../k8s/context.js";
import { NAMESPACE_NAME_LABEL, toK8sSelector, type K8sSelector } from "../k8s/selectors.js";

const NAMESPACE_KEY = "io.kubernetes.pod.namespace";
const NAMESPACE_LABELS = "io.cilium.k8s.namespace.labels.";
const SERVICE_ACCOUNT_KEY = "io.cilium.k8s.policy.serviceaccount";
const OTHERS = ["the common API (TrafficPolicy)", "Calico"];

function namespaceRequirements(m: NamespaceMatch): Requirement[] {
  switch (m.kind) {
    case "name": return [{ key: NAMESPACE_KEY, operator: "In", values: [m.name] }];
    case "any": return [{ key: NAMESPACE_KEY, operator: "Exists", values: [] }];
    case "selector": {
      const out = m.selector.requirements.map((r) => ({ ...r, key: r.key === NAMESPACE_NAME_LABEL ? NAMESPACE_KEY : `${NAMESPACE_LABELS}${r.key}` }));
      // Without the namespace key a CiliumNetworkPolicy's selector stays in the policy's namespace.
      return out.some((r) => r.key === NAMESPACE_KEY) ? out : [...out, { key: NAMESPACE_KEY, operator: "Exists", values: [] }];
    }
  }
}

/** An endpoint selector over pods: labels, namespace (unless `withNamespace` is false), service accounts. */
export function endpointSelector(sel: EndpointSelector, withNamespace: boolean): K8sSelector {
  const reqs: Requirement[] = [...sel.labels.requirements, ...(withNamespace ? namespaceRequirements(sel.namespaces) : [])];
  if (sel.serviceAccounts) reqs.push({ key: SERVICE_ACCOUNT_KEY, operator: "In", values: [...sel.serviceAccounts] });
  // Cilium labels every pod's identity with its service account: NotIn is every other account.
  if (sel.exceptServiceAccounts) reqs.push({ key: SERVICE_ACCOUNT_KEY, operator: "NotIn", values: [...sel.exceptServiceAccounts] });
  return toK8sSelector(selector({}, reqs));
}

/** Where a subject's policy goes: a namespace (CiliumNetworkPolicy) or none (CiliumClusterwideNetworkPolicy). */
export function subjectOf(sel: EndpointSelector, ctx: K8sContext): { namespace?: string; endpointSelector: K8sSelector } {
  const vms = sel.kinds.includes("workload") ? ctx.workloads(sel) : [];
  if (vms.length || !sel.kinds.includes("pod")) throw new Unsupported("Workload subject", `the subject selects Workloads (${vms.map((e) => e.name).join(", ") || "only Workloads"}); Cilium policies select pods (restrict the subject with kinds: [Pod])`, ["nftables (hosts, VMs)", ...OTHERS]);
  const ns = namespaceName(sel.namespaces);
  if (ns !== undefined) return { namespace: ns, endpointSelector: endpointSelector(sel, false) };
  return { endpointSelector: endpointSelector(sel, sel.namespaces.kind !== "any") };
}

/** The one namespace a match names (by name, or by a selector on its name label alone). */
function namespaceName(m: NamespaceMatch): string | undefined {
  if (m.kind === "name") return m.name;
  const [r, ...rest] = m.kind === "selector" ? m.selector.requirements : [];
  return r && !rest.length && r.key === NAMESPACE_NAME_LABEL && r.operator === "In" && r.values.length === 1 ? r.values[0] : undefined;
}

type Section = Record<string, unknown>;

/** A peer as the L3 fields of a Cilium rule (fromX or toX); [] when it matches nothing in this input. */
export function ciliumPeer(peer: Peer, ingress: boolean, inv: Inventory, ctx: K8sContext): Section[] {
  const dir = ingress ? "from" : "to";
  checkPeerFamily(peer);
  ctx.checkNotIn(peer);
  switch (peer.kind) {
    case "endpoints": {
      const sel = peer.selector;
      if (sel.trustDomain !== undefined && sel.trustDomain !== inv.mesh.settings.trustDomain) return [];
      const out: Section[] = [];
      if (sel.kinds.includes("pod")) out.push({ [`${dir}Endpoints`]: [endpointSelector(sel, true)] });
      // Workloads (VMs, hosts) are no pods: Cilium's CIDR rules match their addresses.
      const vms = sel.kinds.includes("workload") ? ctx.workloadCidrs(sel) : [];
      if (vms.length) out.push({ [`${dir}CIDRSet`]: vms.map((c) => ({ cidr: c.text })) });
      return out;
    }
    case "cidr": {
      if (!peer.outside) checkNoClusterAddress(peer.cidr, peer.except, inv);
      const set = cidrSet(peer.cidr, peer.except);
      return set.length ? [{ [`${dir}CIDRSet`]: set }] : [];
    }
    case "networks": {
      const cidrs = ctx.networkCidrs(peer);
      for (const c of cidrs) checkNoClusterAddress(c, [], inv);
      return cidrs.length ? [{ [`${dir}CIDRSet`]: cidrs.map((c) => ({ cidr: c.text })) }] : [];
    }
    case "nodes": return [isEverything(peer.selector) ? { [`${dir}Entities`]: ["host", "remote-node"] } : { [`${dir}Nodes`]: [toK8sSelector(peer.selector)] }];
    case "domains":
      if (ingress) throw new Unsupported("domain names in ingress", "a client is never a domain name", ["Cilium egress (toFQDNs)"]);
      return [{ toFQDNs: peer.names.map((n) => (n.includes("*") ? { matchPattern: n } : { matchName: n })) }];
    case "own-node": return [{ [`${dir}Entities`]: ["host"] }];
    case "remote-node": return [{ [`${dir}Entities`]: ["remote-node"] }];
  }
}

/** fromCIDRSet entries: excepts inside the CIDR kept; a partial overlap written out as CIDRs. */
function cidrSet(cidr: Cidr, except: readonly Cidr[]): object[] {
  const inside = except.filter((x) => x.family === cidr.family && x.last >= cidr.first && x.first <= cidr.last);
  if (inside.some((x) => x.first <= cidr.first && x.last >= cidr.last)) return [];
  if (inside.some((x) => x.first < cidr.first || x.last > cidr.last)) return subtractRanges(cidr, inside).flatMap(rangeToCidrs).map((c) => ({ cidr: c.text }));
  return [{ cidr: cidr.text, ...(inside.length ? { except: inside.map((x) => x.text) } : {}) }];
}

/** A CIDR that (like an ipBlock) also matches pods and nodes is exact in Cilium only when no pod or node of the input has an address in it. */
function checkNoClusterAddress(cidr: Cidr, except: readonly Cidr[], inv: Inventory): void {
  const hit = inv.endpoints.find((e) => (e.kind === "pod" || e.kind === "node") && e.addresses.some((a) => contains(cidr, a) && !except.some((x) => contains(x, a))));
  if (hit) throw new Unsupported("CIDR with cluster addresses", `${cidr.text} holds the address of ${hit.kind} ${hit.namespace ? `${hit.namespace}/` : ""}${hit.name}; Cilium's CIDR rules match only addresses outside the cluster (select pods by label)`, ["NetworkPolicy (ipBlock)", ...OTHERS]);
}

/** Port matches as Cilium PortProtocols; `http`: the rule has L7 rules, which Cilium allows on TCP ports only. */
export function ciliumPorts(ports: readonly PortMatch[], http: boolean, ctx: K8sContext): object[] {
  return ports.map((m) => {
    if (http && m.kind !== "named" && m.protocol !== "TCP") throw new Unsupported(`HTTP rule on ${m.protocol}`, "Cilium's L7 rules apply to TCP ports only", OTHERS);
    switch (m.kind) {
      case "range": return { port: String(m.first), ...(m.last !== m.first ? { endPort: m.last } : {}), protocol: m.protocol };
      case "protocol":
        if (http) throw new Unsupported("HTTP rule on every port", "Cilium's L7 rules need a port (\"L7 rules can not be used when a port is 0\"): give the rule its TCP ports", OTHERS);
        return { port: "0", protocol: m.protocol };
      case "named": {
        const others = http ? [...ctx.namedPortProtocols(m.name)].filter((p) => p !== "TCP" && (m.protocol ?? p) === p) : [];
        if (others.length) throw new Unsupported("HTTP rule on a named non-TCP port", `pods name ${others.join(", ")} ports ${JSON.stringify(m.name)}; Cilium's L7 rules apply to TCP ports only`, OTHERS);
        return { port: m.name, protocol: http ? "TCP" : m.protocol ?? "ANY" };
      }
    }
  });
}
