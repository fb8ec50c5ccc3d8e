// Several clusters in one model. Each cluster's input is loaded on its own (sources/load.ts), then
// put into one inventory: its namespaces and nodes are named with the cluster first
// (prod-eu:shop, prod-eu:node-a), its endpoints carry the cluster, and its policies' selectors and
// node peers are bound to it (EndpointSelector.cluster: a NetworkPolicy of prod-eu never selects a
// pod of prod-us; a namespaceSelector only sees prod-eu's namespaces). Traffic between clusters
// is matched by address only: ipBlocks of ingress rules see a source of another cluster by the
// address it arrives with (Peer seenIn: its cluster's egress NAT address when it declares one).

import type { Controller, Endpoint, Namespace, Service } from "../model/endpoint.js";
import type { EndpointSlice } from "../model/endpointslice.js";
import { emptyInventory, type Inventory } from "../model/inventory.js";
import { clusterLabels, type EndpointSelector, type NamespaceMatch, type Peer, type Policy, type Rule } from "../model/policy.js";
import { Diagnostics } from "../model/source.js";
import type { Loaded } from "./load.js";
import { Locator } from "./locate.js";
import { append } from "../model/arrays.js";

export interface ClusterPart {
  /** undefined: the input of no cluster (Cluster objects, VMs and networks beside the clusters). */
  cluster?: string;
  loaded: Loaded;
}

/** The separator of a cluster and a namespace or node name: prod-eu:shop/web. */
export const CLUSTER_SEPARATOR = ":";

export function inCluster(cluster: string | undefined, name: string): string {
  return cluster === undefined ? name : `${cluster}${CLUSTER_SEPARATOR}${name}`;
}

/** The cluster of a name inCluster made (prod-eu of prod-eu:shop), undefined for a name of no cluster. */
export function clusterOfName(name: string): string | undefined {
  const i = name.indexOf(CLUSTER_SEPARATOR);
  return i < 0 ? undefined : name.slice(0, i);
}

/**
 * One model of every part; a single part is returned as it is. What a cluster holds that is not
 * bound to clusters yet (see unscoped) is left out: ask unscoped first.
 */
export function mergeClusters(parts: readonly ClusterPart[]): Loaded {
  if (parts.length === 1 && parts[0].cluster === undefined) return parts[0].loaded;
  const inv = emptyInventory(), diagnostics = new Diagnostics();
  for (const part of parts) {
    for (const d of part.loaded.diagnostics.items) diagnostics.add(d);
    addPart(inv, part.loaded.inventory, part.cluster);
  }
  const inputs = parts.flatMap((p) => p.loaded.inputs);
  return { inventory: inv, diagnostics, locator: new Locator(inputs), files: inputs.length, objects: parts.reduce((n, p) => n + p.loaded.objects, 0), inputs };
}

/** What a cluster's input holds that the model of several clusters leaves out (not bound to clusters yet): one sentence, or undefined. */
export function unscoped(part: ClusterPart): string | undefined {
  const src = part.loaded.inventory;
  if (part.cluster === undefined) return undefined;
  const what = [
    src.podNetworks.length && "user-defined and secondary networks",
    (src.routing.gateways.length || src.routing.routes.length || src.ingress.ingresses.length) && "Gateway API and Ingress routing",
    (src.mesh.istio.authorizations.length || src.mesh.linkerd.servers.length) && "mesh authorization",
  ].filter(Boolean);
  return what.length ? `--cluster ${part.cluster}: ${what.join(", ")} of several clusters are not analysed yet` : undefined;
}

function addPart(inv: Inventory, src: Inventory, cluster: string | undefined): void {
  const q = (name: string) => inCluster(cluster, name);
  for (const ns of src.namespaces.values()) inv.namespaces.set(q(ns.name), { ...ns, name: q(ns.name) } satisfies Namespace);
  const ids = new Map<number, number>();
  for (const e of src.endpoints) {
    const id = inv.endpoints.length;
    ids.set(e.id, id);
    inv.endpoints.push(endpointIn(e, id, cluster));
  }
  append(inv.controllers, src.controllers.map((c): Controller => ({ ...c, namespace: q(c.namespace), pods: c.pods.map((p) => ids.get(p)!) })));
  append(inv.services, src.services.map((s): Service => ({ ...s, namespace: q(s.namespace) })));
  append(inv.endpointSlices, src.endpointSlices.map((s): EndpointSlice => ({ ...s, namespace: q(s.namespace), endpoints: s.endpoints.map((x) => (x.pod ? { ...x, pod: { ...x.pod, namespace: q(x.pod.namespace) } } : x)) })));
  append(inv.networks, src.networks);
  append(inv.clusters, src.clusters);
  append(inv.policies, src.policies.map((p) => (cluster === undefined ? p : policyIn(p, cluster))));
  for (const [kind, n] of src.unknownKinds) inv.unknownKinds.set(kind, (inv.unknownKinds.get(kind) ?? 0) + n);
  if (cluster === undefined) { inv.routing = src.routing; inv.mesh = src.mesh; inv.ingress = src.ingress; inv.podNetworks = src.podNetworks; }
}

function endpointIn(e: Endpoint, id: number, cluster: string | undefined): Endpoint {
  if (cluster === undefined) return { ...e, id };
  const out: Endpoint = { ...e, id, cluster };
  if (e.namespace !== undefined) out.namespace = inCluster(cluster, e.namespace);
  else out.name = inCluster(cluster, e.name);
  if (e.nodeName !== undefined) out.nodeName = inCluster(cluster, e.nodeName);
  return out;
}

/** A policy of `cluster`: its namespace named in the cluster, its selectors and node peers bound to it, its ingress ipBlocks seeing other clusters' sources as they arrive. */
export function policyIn(p: Policy, cluster: string): Policy {
  const rules = (rs: readonly Rule[] | undefined, ingress: boolean) => rs?.map((r) => ruleIn(r, cluster, ingress));
  const out: Policy = { ...p, subject: selectorIn(p.subject, cluster), ingress: rules(p.ingress, true), egress: rules(p.egress, false) };
  if (p.namespace !== undefined) out.namespace = inCluster(cluster, p.namespace);
  if (p.requests) out.requests = { ingress: rules(p.requests.ingress, true), egress: rules(p.requests.egress, false) };
  return out;
}

function ruleIn(r: Rule, cluster: string, ingress: boolean): Rule {
  return r.peers ? { ...r, peers: r.peers.map((peer) => peerIn(peer, cluster, ingress)) } : r;
}

function peerIn(peer: Peer, cluster: string, ingress: boolean): Peer {
  switch (peer.kind) {
    case "endpoints": return { ...peer, selector: selectorIn(peer.selector, cluster) };
    case "nodes": return { ...peer, cluster };
    case "cidr": return ingress ? { ...peer, seenIn: cluster } : peer;
    default: return peer;
  }
}

function selectorIn(sel: EndpointSelector, cluster: string): EndpointSelector {
  const namespaces: NamespaceMatch = sel.namespaces.kind === "name" ? { kind: "name", name: inCluster(cluster, sel.namespaces.name) } : sel.namespaces;
  return { ...sel, namespaces, cluster, ...(sel.ciliumCluster ? { labels: clusterLabels(sel.ciliumCluster, sel.ciliumCluster.name ?? cluster) } : {}) };
}
