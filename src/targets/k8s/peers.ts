// Model peers as NetworkPolicy and AdminNetworkPolicy peers. A peer the API cannot name (a
// Workload, a Network) becomes the addresses it stands for in this inventory; a peer no
// Kubernetes API can express throws Unsupported. An empty result means "matches nothing".

import { rangeToCidrs, subtractRanges, type Cidr } from "../../model/ip.js";
import { isEverything } from "../../model/selector.js";
import type { Direction, EndpointSelector, Peer } from "../../model/policy.js";
import { checkPeerFamily, subjectRelativePeer, Unsupported } from "../problems.js";
import type { K8sContext } from "./context.js";
import { namespaceSelector, toK8sSelector } from "./selectors.js";
import { append } from "../../model/arrays.js";

const BEYOND_K8S = ["the common API (TrafficPolicy)", "Calico", "Cilium"];
const ANY_ADDRESS = ["0.0.0.0/0", "::/0"];

function checkSelector(sel: EndpointSelector): void {
  if (sel.serviceAccounts || sel.exceptServiceAccounts) throw new Unsupported("service accounts", "Kubernetes policies cannot select by service account", BEYOND_K8S);
}

function checkCidr(peer: Extract<Peer, { kind: "cidr" }>): void {
  if (peer.outside) {
    throw new Unsupported("outside-only CIDR", `${peer.cidr.text} matches only addresses outside the cluster (Cilium CIDR/world semantics); an ipBlock also matches pod and node addresses`, ["Cilium", "the common API (TrafficPolicy, cidrs with outside: true)"]);
  }
}

/** The CIDR minus its excepts, as plain CIDRs. */
export function cidrsOf(peer: Extract<Peer, { kind: "cidr" }>): Cidr[] {
  return subtractRanges(peer.cidr, peer.except).flatMap(rangeToCidrs);
}

/** NetworkPolicy ipBlock: excepts clipped to the CIDR; a peer wholly excepted matches nothing. */
function ipBlocks(peer: Extract<Peer, { kind: "cidr" }>): object[] {
  const inside = peer.except.filter((x) => x.family === peer.cidr.family && x.last >= peer.cidr.first && x.first <= peer.cidr.last);
  if (inside.some((x) => x.first <= peer.cidr.first && x.last >= peer.cidr.last)) return [];
  const partial = inside.some((x) => x.first < peer.cidr.first || x.last > peer.cidr.last);
  if (partial) return cidrsOf(peer).map((c) => ({ ipBlock: { cidr: c.text } }));
  const except = inside.map((x) => x.text);
  return [{ ipBlock: { cidr: peer.cidr.text, ...(except.length ? { except } : {}) } }];
}

export function networkPolicyPeers(peer: Peer, namespace: string, ctx: K8sContext): object[] {
  checkPeerFamily(peer);
  ctx.checkNotIn(peer);
  switch (peer.kind) {
    case "endpoints": {
      const sel = peer.selector;
      checkSelector(sel);
      const out: object[] = [];
      if (sel.kinds.includes("pod")) {
        const pods = isEverything(sel.labels) ? {} : toK8sSelector(sel.labels);
        const own = sel.namespaces.kind === "name" && sel.namespaces.name === namespace;
        out.push(own ? { podSelector: pods } : { namespaceSelector: namespaceSelector(sel.namespaces), ...(isEverything(sel.labels) ? {} : { podSelector: pods }) });
      }
      if (sel.kinds.includes("workload")) append(out, ctx.workloadCidrs(sel).map((c) => ({ ipBlock: { cidr: c.text } })));
      return out;
    }
    case "cidr": checkCidr(peer); return ipBlocks(peer);
    case "networks": return ctx.networkCidrs(peer).map((c) => ({ ipBlock: { cidr: c.text } }));
    case "nodes": throw new Unsupported("node peers", "NetworkPolicy cannot select nodes", ["AdminNetworkPolicy (egress)", ...BEYOND_K8S]);
    case "domains": throw new Unsupported("domain names", "NetworkPolicy cannot match domain names", ["AdminNetworkPolicy (egress Allow)", "Cilium (toFQDNs)"]);
    case "own-node": case "remote-node": throw subjectRelativePeer(peer, "this API");
  }
}

/** AdminNetworkPolicy peers; addresses (networks) and nodes exist for egress only. */
export function adminPolicyPeers(peer: Peer, direction: Direction, ctx: K8sContext): { peers: object[]; cidrs: Cidr[] } {
  const addresses = (cidrs: Cidr[], what: string) => {
    if (direction === "ingress" && cidrs.length) {
      throw new Unsupported("ingress from addresses", `AdminNetworkPolicy ingress rules can match only pods, not ${what}`, ["NetworkPolicy (ipBlock, Namespace tier)", ...BEYOND_K8S]);
    }
    return { peers: [], cidrs };
  };
  checkPeerFamily(peer);
  ctx.checkNotIn(peer);
  switch (peer.kind) {
    case "endpoints": {
      const sel = peer.selector;
      checkSelector(sel);
      const peers: object[] = [];
      if (sel.kinds.includes("pod")) {
        const ns = namespaceSelector(sel.namespaces);
        peers.push(isEverything(sel.labels) ? { namespaces: ns } : { pods: { namespaceSelector: ns, podSelector: toK8sSelector(sel.labels) } });
      }
      const vms = sel.kinds.includes("workload") ? ctx.workloadCidrs(sel) : [];
      return { peers, cidrs: addresses(vms, "Workloads (VMs, hosts)").cidrs };
    }
    case "cidr": checkCidr(peer); return addresses(cidrsOf(peer), `CIDR ${peer.cidr.text}`);
    case "networks": return addresses(ctx.networkCidrs(peer), "Networks");
    case "nodes":
      if (direction === "ingress") throw new Unsupported("ingress from nodes", "AdminNetworkPolicy ingress rules cannot match nodes", BEYOND_K8S);
      return { peers: [{ nodes: toK8sSelector(peer.selector) }], cidrs: [] };
    case "domains":
      return { peers: [{ domainNames: [...peer.names] }], cidrs: [] };
    case "own-node": case "remote-node": throw subjectRelativePeer(peer, "this API");
  }
}

/** Every peer of an egress rule without peers: every pod, and every address. */
export function anyEgressPeers(): object[] {
  return [{ namespaces: {} }, { networks: ANY_ADDRESS }];
}
