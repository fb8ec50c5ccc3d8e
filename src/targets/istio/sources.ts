// A common-API rule's peers as Istio sources. Istio knows a client by its mutual-TLS identity
// (principal, namespace) or by its address; it cannot select clients by label. An empty result
// means the peer matches nothing in this input.

import type { Peer } from "../../model/policy.js";
import { isEverything } from "../../model/selector.js";
import { checkPeerFamily, subjectRelativePeer, Unsupported } from "../problems.js";
import { cidrsOf } from "../k8s/peers.js";
import type { IstioContext } from "./context.js";

const BY_LABEL = ["NetworkPolicy", "Cilium", "Calico", "the common API (TrafficPolicy)"];

export interface IstioSources {
  sources: Record<string, string[]>[];
  /** The sources name identities: they hold over mutual TLS only. */
  identity: boolean;
}

export function istioSources(peer: Peer, ctx: IstioContext): IstioSources {
  checkPeerFamily(peer);
  ctx.k8s.checkNotIn(peer);
  switch (peer.kind) {
    case "endpoints": return identitySources(peer.selector, ctx);
    case "cidr":
      if (peer.outside) throw new Unsupported("outside-only CIDR", `${peer.cidr.text} matches only addresses outside the cluster; Istio's ipBlocks match every address`, ["Cilium", "the common API (TrafficPolicy)"]);
      return { identity: false, sources: cidrsOf(peer).length ? [{ ipBlocks: [peer.cidr.text], ...(peer.except.length ? { notIpBlocks: peer.except.map((c) => c.text) } : {}) }] : [] };
    case "networks": {
      const cidrs = ctx.k8s.networkCidrs(peer).map((c) => c.text);
      return { identity: false, sources: cidrs.length ? [{ ipBlocks: cidrs }] : [] };
    }
    case "nodes": throw new Unsupported("node peers", "Istio cannot match nodes", ["AdminNetworkPolicy (egress)", "Cilium", "Calico"]);
    case "domains": throw new Unsupported("domain names", "Istio authorizes at the server; a client is never a domain name", ["AdminNetworkPolicy (egress Allow)", "Cilium (toFQDNs)"]);
    case "own-node": case "remote-node": throw subjectRelativePeer(peer, "this API");
  }
}

/** Endpoints by namespace and service account: namespaces, or principals TRUST_DOMAIN/ns/NS/sa/SA. */
function identitySources(sel: Extract<Peer, { kind: "endpoints" }>["selector"], ctx: IstioContext): IstioSources {
  if (!isEverything(sel.labels)) throw new Unsupported("clients by label", "Istio identifies clients by namespace and service account, not by labels (use serviceAccounts or principals)", BY_LABEL);
  const vms = sel.kinds.includes("workload") ? ctx.k8s.workloads(sel).filter((e) => !e.serviceAccount) : [];
  if (vms.length) throw new Unsupported("Workloads without identity", `the peer picks Workloads without a service account (${vms.map((e) => e.name).join(", ")}); Istio knows a client by its mTLS identity`, BY_LABEL);
  if (!sel.kinds.includes("pod") && !sel.kinds.includes("workload")) return { identity: true, sources: [] };
  const namespaces = ctx.namespaceNames(sel.namespaces);
  if (namespaces && !namespaces.length) return { identity: true, sources: [] };
  const td = sel.trustDomain ?? ctx.trustDomain;
  if (sel.exceptServiceAccounts) throw new Unsupported("clients by excluded service account", "Istio's principals name the identities allowed; every service account but some cannot be written so", ["Cilium", "Calico"]);
  if (sel.serviceAccounts) {
    // Without a namespace the service account's name is enough: the principal's suffix.
    const principals = sel.serviceAccounts.flatMap((sa) => (namespaces ? namespaces.map((ns) => `${td}/ns/${ns}/sa/${sa}`) : [`*/sa/${sa}`]));
    return { identity: true, sources: [{ principals }] };
  }
  if (sel.trustDomain !== undefined) return { identity: true, sources: [{ principals: (namespaces ?? ["*"]).map((ns) => (ns === "*" ? `${td}/*` : `${td}/ns/${ns}/sa/*`)) }] };
  return { identity: true, sources: [namespaces ? { namespaces } : { principals: ["*"] }] };
}
