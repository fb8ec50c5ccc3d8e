// Front end for NetworkPolicy (networking.k8s.io/v1): validate as the API server does, then lower
// into the Namespace tier. Every rule allows; a selected pod is isolated for a direction.

import { contains, type Cidr } from "../model/ip.js";
import { inCluster, type Endpoint } from "../model/endpoint.js";
import { inputCnis, type InputCni } from "../model/cni.js";
import type { InventoryBuilder, StateKey } from "./builder.js";
import type { PortMatch } from "../model/ports.js";
import { EVERYTHING } from "../model/selector.js";
import type { EndpointSelector, Peer, Policy, Rule } from "../model/policy.js";
import { ciliumIdentitySelector, ciliumReading } from "./cilium.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { checkLabels, readCidrAs, readMeta, readPortOrName, readProtocol, readSelector } from "./k8s.js";

type Gress = "ingress" | "egress";

/** Where NetworkPolicies sit among the Namespace tier's ordered policies (Calico's order for them). */
export const NETWORK_POLICY_PRIORITY = 1000;

export const networkPolicyFrontEnd: FrontEnd = {
  kind: "NetworkPolicy", apiVersions: ["networking.k8s.io/v1"], namespaced: true,
  read(root, ctx, b) {
    // (Its labels are checked, not kept: the model's policy has none.)
    const meta = readMeta(root, true, checkLabels);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const podSelector = readSelector(spec.get("podSelector"));
    const types = readPolicyTypes(spec);
    const peers: ReadPeer[] = [];
    const ingress = readRules(spec, "ingress", meta?.namespace ?? "default", peers);
    const egress = readRules(spec, "egress", meta?.namespace ?? "default", peers);
    if (!meta) return;
    const ns = meta.namespace!;
    b.useNamespace(ns, ctx.ref);
    b.inv.policies.push({
      kind: "NetworkPolicy", name: meta.name, namespace: ns, tier: "namespace", priority: NETWORK_POLICY_PRIORITY,
      subject: { namespaces: { kind: "name", name: ns }, labels: podSelector, kinds: ["pod"] },
      ingress: types.has("Ingress") ? ingress : undefined,
      egress: types.has("Egress") ? egress : undefined,
      src: ctx.ref,
    });
    const policy = b.inv.policies[b.inv.policies.length - 1];
    // (The step keeps the fields detached: not the parsed policy, which would live until the load ends.)
    const reports = ctx.detached();
    const selectorField = spec.get("podSelector").detached(reports);
    for (const p of peers) p.f = p.f.detached(reports);
    whenCilium(b, (cilium) => underCilium(b, cilium, policy, selectorField, peers));
  },
};

/** policyTypes, defaulted as the API server does: Ingress, plus Egress when spec.egress has rules. */
export function readPolicyTypes(spec: Field): Set<string> {
  const list = spec.get("policyTypes").list();
  if (list && list.length > 0) {
    const types = new Set<string>();
    for (const t of list) {
      const v = t.string({ required: true, oneOf: ["Ingress", "Egress"] });
      if (v) types.add(v);
    }
    return types;
  }
  const egress = spec.get("egress").value;
  return new Set(Array.isArray(egress) && egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"]);
}

/** Per load, the steps waiting to know whether the input shows Cilium: one look (inputCnis) for every NetworkPolicy. */
const CILIUM_STEPS: StateKey<((cilium: InputCni) => void)[]> = {
  make: () => [],
  settle(steps, b) {
    const cilium = inputCnis(b.inv).find((c) => c.family === "cilium");
    if (cilium) for (const s of steps) s(cilium);
  },
};

function whenCilium(b: InventoryBuilder, step: (cilium: InputCni) => void): void {
  b.state(CILIUM_STEPS).push(step);
}

/** A peer as read, with its field (underCilium: detached once the policy is read). */
interface ReadPeer { peer: Peer; f: Field }

/**
 * A NetworkPolicy as Cilium reads it, when the input shows Cilium (model/cni.ts inputCnis):
 * - its pod selectors select identities, whose labels the agent's label filter chose
 *   (cilium.ts ciliumIdentitySelector: pod-template-hash, statefulset.kubernetes.io/pod-name, ... are none);
 * - an ipBlock is a CIDR rule (pkg/k8s network_policy.go parseNetworkPolicyPeer: FromCIDRSet/ToCIDRSet),
 *   and "CIDR rules do not apply to traffic where both sides of the connection are either managed by
 *   Cilium or use an IP belonging to a node in the cluster (including host networking pods)"
 *   (Documentation/policy/language.rst): it matches only addresses outside the cluster, as a
 *   CiliumNetworkPolicy's CIDR rule does, with a warning where it covers an address of a pod or node of
 *   the input (the upstream e2e tests, and other CNIs, match them).
 */
function underCilium(b: InventoryBuilder, cilium: InputCni, policy: Policy, podSelector: Field, peers: readonly ReadPeer[]): void {
  const inv = b.inv, agent = ciliumReading(b);
  // Its podSelectors select identities, whose labels Cilium's label filter chose (cilium.ts ciliumIdentitySelector).
  policy.subject = { ...policy.subject, labels: ciliumIdentitySelector(policy.subject.labels, podSelector, agent.identity) };
  const relabelled = new Map<Peer, Peer>();
  for (const { peer, f } of peers) {
    if (peer.kind !== "endpoints") continue;
    const labels = ciliumIdentitySelector(peer.selector.labels, f.get("podSelector"), agent.identity);
    if (labels !== peer.selector.labels) relabelled.set(peer, { ...peer, selector: { ...peer.selector, labels } });
  }
  if (relabelled.size) {
    const rules = (rs?: readonly Rule[]) => rs?.map((r) => (r.peers ? { ...r, peers: r.peers.map((p) => relabelled.get(p) ?? p) } : r));
    policy.ingress = rules(policy.ingress);
    policy.egress = rules(policy.egress);
  }
  let cluster: Endpoint[] | undefined;
  for (const { peer, f } of peers) {
    if (peer.kind !== "cidr") continue;
    peer.outside = true;
    // Under policy-cidr-match-mode nodes, node addresses are matched too (host-network pods are their node).
    if (agent.cidrNodes) peer.nodes = true;
    // (What the engine's Matcher.isClusterParty says of them under the default --host-network=node.)
    cluster ??= inv.endpoints.filter((e) => inCluster(e, agent.cidrNodes, e.kind === "pod" && e.hostNetwork === true));
    const covered = cluster.find((e) => e.addresses.some((a) => contains(peer.cidr, a) && !peer.except.some((x) => contains(x, a))));
    if (covered) {
      f.get("cidr").warn("vendor-ipblock", `${peer.cidr.text} covers the address of ${covered.kind} ${covered.namespace ? `${covered.namespace}/` : ""}${covered.name}, which Cilium's CIDR rules never match (the input's CNI is ${cilium.why}): read as matching only addresses outside the cluster${agent.cidrNodes ? " and nodes' (policy-cidr-match-mode nodes)" : ""}; select pods with podSelector/namespaceSelector`);
    }
  }
}

export function readRules(spec: Field, gress: Gress, namespace: string, read?: ReadPeer[]): Rule[] {
  const peersKey = gress === "ingress" ? "from" : "to";
  return (spec.get(gress).list() ?? []).map((r, index) => {
    r.object();
    const peerList = r.get(peersKey).list();
    const portList = r.get("ports").list();
    const peers = peerList?.map((p) => {
      const peer = readPeer(p, namespace);
      if (peer) read?.push({ peer, f: peer.kind === "cidr" ? p.get("ipBlock") : p });
      return peer;
    }).filter((p): p is Peer => p !== undefined);
    const ports = portList?.map(readPort).filter((p): p is PortMatch => p !== undefined);
    return {
      index, action: "allow" as const,
      // An empty or missing list means every peer / every port.
      peers: peerList && peerList.length > 0 ? peers : undefined,
      ports: portList && portList.length > 0 ? ports : undefined,
      path: ["spec", gress, index],
    };
  });
}

function readPeer(p: Field, namespace: string): Peer | undefined {
  if (!p.object(true)) return undefined;
  const keys = p.keys();
  const unknown = keys.filter((k) => !["podSelector", "namespaceSelector", "ipBlock"].includes(k));
  if (unknown.length) return p.error("unknown-field", `unknown field ${JSON.stringify(unknown[0])} (a peer has podSelector, namespaceSelector or ipBlock)`);
  if (keys.length === 0) return p.error("required", "must specify a peer: podSelector, namespaceSelector or ipBlock");
  if (keys.includes("ipBlock")) {
    if (keys.length > 1) return p.error("exclusive", "ipBlock may not be combined with podSelector or namespaceSelector");
    return readIpBlock(p.get("ipBlock"));
  }
  const selector: EndpointSelector = {
    namespaces: keys.includes("namespaceSelector")
      ? { kind: "selector", selector: readSelector(p.get("namespaceSelector")) }
      : { kind: "name", name: namespace },
    labels: keys.includes("podSelector") ? readSelector(p.get("podSelector")) : EVERYTHING,
    kinds: ["pod"],
  };
  return { kind: "endpoints", selector };
}

function readIpBlock(f: Field): Peer | undefined {
  if (!f.object(true)) return undefined;
  const cidr = readCidrAs(f.get("cidr"), "ipBlock");
  const except: Cidr[] = [];
  for (const e of f.get("except").list() ?? []) {
    const c = readCidrAs(e, "ipBlock");
    if (!c || !cidr) continue;
    if (c.family !== cidr.family || c.first < cidr.first || c.last > cidr.last || (c.first === cidr.first && c.last === cidr.last)) {
      e.error("invalid-except", `${JSON.stringify(c.text)} must be a strict subset of the cidr ${JSON.stringify(cidr.text)}`);
      continue;
    }
    except.push(c);
  }
  return cidr ? { kind: "cidr", cidr, except } : undefined;
}

function readPort(f: Field): PortMatch | undefined {
  if (!f.object(true)) return undefined;
  const protocol = readProtocol(f.get("protocol"));
  const portField = f.get("port");
  const endField = f.get("endPort");
  if (!portField.present) {
    if (endField.present) endField.error("forbidden", "endPort may only be set together with a numeric port");
    return { kind: "protocol", protocol };
  }
  const port = readPortOrName(portField);
  if (port === undefined) return undefined;
  if (typeof port === "string") {
    if (endField.present) endField.error("forbidden", "endPort may not be set when port is a named port");
    return { kind: "named", name: port, protocol };
  }
  const end = endField.int({ min: 1, max: 65535 });
  if (end !== undefined && end < port) return endField.error("range", `endPort ${end} must be greater than or equal to port ${port}`);
  return { kind: "range", protocol, first: port, last: end ?? port };
}
