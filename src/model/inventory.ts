// The inventory: everything the sources read, lowered into the model, with lookup indexes.

import type { KubeProxyConfig } from "./kube-proxy-config.js";
import type { Cluster, Controller, Endpoint, Namespace, Network, Service } from "./endpoint.js";
import type { EndpointSlice } from "./endpointslice.js";
import type { Ingress, IngressClass, OpenShiftRoute } from "./ingress.js";
import type { NginxController, NginxControllerConfig } from "./nginx.js";
import type { Peer, Policy, Rule } from "./policy.js";
import { addressCidr, addressKey, jsonKey, type AddressKey, type Cidr } from "./ip.js";
import { matches, type LabelSelector, type Labels } from "./selector.js";
import { emptyRouteGraph, type RouteGraph } from "./gateway.js";
import { emptyMeshModel, type MeshModel } from "./mesh.js";
import type { ClusterNetwork } from "./networks.js";
import type { CalicoFelix, CiliumServiceOptions, IpPool } from "./cni.js";
import { HostPortIndex } from "./hostports.js";
import { defaultIdentity, IdentityPorts, type LabelFilter } from "./cilium-identity.js";

export interface Inventory {
  namespaces: Map<string, Namespace>;
  /** Pods, Workloads and nodes; Endpoint.id is the index here. */
  endpoints: Endpoint[];
  controllers: Controller[];
  services: Service[];
  /** discovery.k8s.io/v1 EndpointSlices. */
  endpointSlices: EndpointSlice[];
  networks: Network[];
  /** User-defined (OVN-Kubernetes) and secondary (Multus) networks pods attach to; the default pod network is implicit. */
  podNetworks: ClusterNetwork[];
  clusters: Cluster[];
  policies: Policy[];
  /** Ingress (networking.k8s.io/v1), IngressClass and OpenShift Route objects. */
  ingress: { ingresses: Ingress[]; classes: IngressClass[]; routes: OpenShiftRoute[] };
  /** Objects of kinds no front end reads, counted by kind. */
  unknownKinds: Map<string, number>;
  /** Gateway API objects (and Ingress lowered into them): the route graph. */
  routing: RouteGraph;
  /** Istio and Linkerd authorization and transport security. */
  mesh: MeshModel;
  /**
   * The Cilium agent's options the input shows (its ConfigMap cilium-config): where, allow-localhost, the identity label filter;
   * hostFirewall (enable-host-firewall): nodes are policed as Cilium's host endpoints, by the policies whose subject kinds hold "host".
   */
  ciliumAgent?: { where: string; allowLocalhost?: string; identity?: LabelFilter; services?: CiliumServiceOptions; hostFirewall?: true };
  /**
   * The Helm chart's controller ConfigMap (ingress-nginx/ingress-nginx-controller): the settings of an ingress-nginx class
   * no controller of the input serves (model/nginx-controller.ts ingressNginxOf).
   */
  ingressNginx?: NginxControllerConfig;
  /** The workloads running the ingress-nginx controller (a container running /nginx-ingress-controller), with their class flags and ConfigMap: their pods are the controller's (engine/endpoints.ts ingressControllerPods). */
  ingressNginxControllers?: NginxController[];
  /** The Helm chart's controller ConfigMap ("namespace/name") when the input has it (ingressNginx is unset too when it sets nothing Junction reads). */
  ingressNginxConfigMap?: string;
  /** kube-proxy's configuration the input shows (its DaemonSet's flags, or its ConfigMap: sources/kube-proxy-config.ts): model/kube-proxy-config.ts. */
  kubeProxy?: KubeProxyConfig;
  /** Calico felix's configuration the input shows (FelixConfiguration objects, the calico-node DaemonSet's environment): model/cni.ts. */
  calicoFelix?: CalicoFelix;
  /** Calico IP pools (IPPool, sources/calico/ippool.ts): natOutgoing and the tunnel modes (engine/verdict.ts). */
  calicoPools?: IpPool[];
  /**
   * Calico's preDNAT policies that select a host endpoint (sources/calico), placed in their tiers as the
   * normal ones are but apart from them: felix runs them in the mangle table's PREROUTING, before DNAT,
   * on what arrives through a host endpoint; their Allow accepts, their Deny drops, no match falls
   * through to the normal policy (engine/calico-prednat.ts). The policy engines do not see them.
   */
  calicoPreDnat?: Policy[];
  /**
   * Calico's doNotTrack policies that select a host endpoint (sources/calico), placed in their tiers
   * and kept apart as the preDNAT ones: felix runs them in the raw table, before connection tracking,
   * both ways; their Allow accepts untracked (the replies need an allow of their own), their Deny
   * drops, no match falls through (engine/calico-untracked.ts). The policy engines do not see them.
   */
  calicoUntracked?: Policy[];
  /**
   * Calico's applyOnForward policies that select a host endpoint (sources/calico): normal policies
   * (in `policies`) that felix also applies to what the host endpoint forwards, which the engines do
   * not model; engine/calico-prednat.ts forwardWarning names them on the answers they could change.
   */
  calicoForward?: Policy[];
}

/** The namespaces the API server's system namespaces controller makes in every cluster, besides `default`. */
export const SYSTEM_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease"];
/** The namespaces every cluster has. */
export const CLUSTER_NAMESPACES: ReadonlySet<string> = new Set(["default", ...SYSTEM_NAMESPACES]);

export function emptyInventory(): Inventory {
  return { namespaces: new Map(), endpoints: [], controllers: [], services: [], endpointSlices: [], networks: [], podNetworks: [], clusters: [], policies: [], ingress: { ingresses: [], classes: [], routes: [] }, unknownKinds: new Map(), routing: emptyRouteGraph(), mesh: emptyMeshModel() };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) { const k = key(t); const l = out.get(k); if (l) l.push(t); else out.set(k, [t]); }
  return out;
}

/** Which endpoint an address names when several have it: nodes, then pods, then Workloads. */
const RANK: Record<Endpoint["kind"], number> = { node: 0, pod: 1, workload: 2, external: 3 };

const REVISIONS = new WeakMap<Inventory, number>();

/** Counts the changes made to an inventory's endpoints by addEndpoint and removeEndpoint: caches built over them compare it. */
export function endpointsRevision(inv: Inventory): number {
  return REVISIONS.get(inv) ?? 0;
}

/** Adds an endpoint; its id is its index. */
export function addEndpoint(inv: Inventory, e: Omit<Endpoint, "id">): Endpoint {
  const ep = { ...e, id: inv.endpoints.length } as Endpoint;
  inv.endpoints.push(ep);
  REVISIONS.set(inv, endpointsRevision(inv) + 1);
  return ep;
}

/** Removes an endpoint. The last endpoint moves into its slot and takes its id; it is returned. */
export function removeEndpoint(inv: Inventory, e: Endpoint): Endpoint | undefined {
  if (inv.endpoints[e.id] !== e) return undefined;
  REVISIONS.set(inv, endpointsRevision(inv) + 1);
  const last = inv.endpoints.pop()!;
  const from = last.id;
  // One scan without copies (this runs per pod update) over the controllers of the two endpoints'
  // namespaces (a controller's pods are in its namespace); only those holding either id get new lists.
  for (const c of controllersIn(inv, e.namespace, last.namespace)) {
    const pods = c.pods;
    let hit = false;
    for (let i = 0; i < pods.length && !hit; i++) hit = pods[i] === e.id || pods[i] === from;
    if (hit) c.pods = pods.filter((id) => id !== e.id).map((id) => (id === from ? e.id : id));
  }
  if (last === e) return undefined;
  inv.endpoints[e.id] = last;
  last.id = e.id;
  return last;
}

const byNamespace = new WeakMap<Controller[], { count: number; groups: Map<string, Controller[]> }>();

/** The controllers in either namespace (every controller when one is missing: a node). */
function controllersIn(inv: Inventory, a: string | undefined, b: string | undefined): readonly Controller[] {
  if (a === undefined || b === undefined) return inv.controllers;
  let cached = byNamespace.get(inv.controllers);
  // Controllers are only ever appended: a new count means new ones.
  if (!cached || cached.count !== inv.controllers.length) {
    cached = { count: inv.controllers.length, groups: groupBy(inv.controllers, (c) => c.namespace) };
    byNamespace.set(inv.controllers, cached);
  }
  const first = cached.groups.get(a) ?? [];
  return a === b ? first : [...first, ...(cached.groups.get(b) ?? [])];
}

/** Lookup indexes built once over an inventory (and kept current by added/removed). */
export class InventoryIndex {
  readonly nodesByName = new Map<string, Endpoint>();
  readonly byAddress = new Map<AddressKey, Endpoint>();
  /** Every endpoint holding an address that more than one holds (a host-network pod and its node): who takes over on removal. */
  private readonly sharedAddresses = new Map<AddressKey, Endpoint[]>();

  constructor(readonly inv: Inventory) {
    // (Indexed loops: they run once per index, not optimised, and a for-of would make an iterator
    // result per step, three times per endpoint.)
    const endpoints = inv.endpoints;
    for (let i = 0; i < endpoints.length; i++) {
      const e = endpoints[i];
      if (e.kind === "node") this.nodesByName.set(e.name, e);
    }
    // Nodes first, so that a host-network pod's address (its node's) resolves to the node.
    for (const kind of ["node", "pod", "workload"] as const) {
      for (let i = 0; i < endpoints.length; i++) {
        const e = endpoints[i];
        if (e.kind !== kind) continue;
        const addresses = e.addresses;
        for (let j = 0; j < addresses.length; j++) {
          const key = addressKey(addresses[j]), cur = this.byAddress.get(key);
          if (!cur) this.byAddress.set(key, e);
          else this.share(key, cur, e);
        }
      }
    }
  }

  private endpointNames?: Map<string, Endpoint[]>;
  private controllerNames?: Map<string, Controller[]>;
  private forwarded?: HostPortIndex;

  /** The pods whose hostPorts their node forwards (model/hostports.ts; built on first use). */
  get hostPorts(): HostPortIndex {
    return this.forwarded ??= new HostPortIndex(this.inv.endpoints);
  }

  private identities?: IdentityPorts;

  /** Cilium's named ports per identity, as egress rules resolve them (model/cilium-identity.ts; built on first use). */
  get identityPorts(): IdentityPorts {
    return this.identities ??= new IdentityPorts(this.inv.endpoints, this.inv.ciliumAgent?.identity ?? defaultIdentity());
  }

  /** A pod came or went: what its ports feed is built again (changedHostPorts, changedNamedPorts). */
  private changedPorts(e: Endpoint): void {
    if (e.kind !== "pod") return;
    this.changedHostPorts(e);
    this.changedNamedPorts(e);
  }

  /** A pod with a hostPort came or went: the forwarding (hostPorts) is built again. */
  private changedHostPorts(e: Endpoint): void {
    if (e.ports.some((p) => p.hostPort !== undefined)) this.forwarded = undefined;
  }

  /** A pod with a named port came or went: Cilium's named ports per identity (identityPorts) are built again. */
  private changedNamedPorts(e: Endpoint): void {
    if (e.ports.some((p) => p.name !== undefined)) this.identities = undefined;
  }

  /** Pods and Workloads named NAMESPACE/NAME (the map is built on first use). */
  endpointsNamed(namespace: string, name: string): readonly Endpoint[] {
    this.endpointNames ??= groupBy(this.inv.endpoints.filter((e) => e.namespace !== undefined), (e) => `${e.namespace}/${e.name}`);
    return this.endpointNames.get(`${namespace}/${name}`) ?? [];
  }

  /** Workload controllers named NAMESPACE/NAME. */
  controllersNamed(namespace: string, name: string): readonly Controller[] {
    this.controllerNames ??= groupBy(this.inv.controllers, (c) => `${c.namespace}/${c.name}`);
    return this.controllerNames.get(`${namespace}/${name}`) ?? [];
  }

  /** Keeps the lookups current after `e` was added to the inventory. */
  added(e: Endpoint): void {
    this.endpointNames = undefined;
    this.changedPorts(e);
    if (e.kind === "node") this.nodesByName.set(e.name, e);
    for (const a of e.addresses) {
      const key = addressKey(a), cur = this.byAddress.get(key);
      if (cur) this.share(key, cur, e);
      if (!cur || RANK[e.kind] < RANK[cur.kind]) this.byAddress.set(key, e);
    }
  }

  private share(key: AddressKey, cur: Endpoint, e: Endpoint): void {
    const all = this.sharedAddresses.get(key);
    if (all) { if (!all.includes(e)) all.push(e); } else if (cur !== e) this.sharedAddresses.set(key, [cur, e]);
  }

  /** Keeps the lookups current after `e` was removed: another endpoint with its address takes over. */
  removed(e: Endpoint): void {
    this.endpointNames = undefined;
    this.changedPorts(e);
    if (e.kind === "node" && this.nodesByName.get(e.name) === e) this.nodesByName.delete(e.name);
    for (const a of e.addresses) {
      const key = addressKey(a), all = this.sharedAddresses.get(key);
      const others = all?.filter((x) => x !== e && this.inv.endpoints[x.id] === x) ?? [];
      if (all) { if (others.length > 1) this.sharedAddresses.set(key, others); else this.sharedAddresses.delete(key); }
      if (this.byAddress.get(key) !== e) continue;
      this.byAddress.delete(key);
      const next = others.filter((x) => RANK[x.kind] < 3).sort((x, y) => RANK[x.kind] - RANK[y.kind] || x.id - y.id)[0];
      if (next) this.byAddress.set(key, next);
    }
  }

  private clustersByName?: Map<string, Cluster>;

  /** The Cluster object named NAME (junction.dev Cluster), if the input declares it. */
  cluster(name: string): Cluster | undefined {
    this.clustersByName ??= new Map(this.inv.clusters.map((c) => [c.name, c]));
    return this.clustersByName.get(name);
  }

  namespaceLabels(name: string | undefined): Readonly<Record<string, string>> {
    if (name === undefined) return {};
    return this.inv.namespaces.get(name)?.labels ?? { "kubernetes.io/metadata.name": name };
  }
}

/** The addresses of the Networks and Workloads `selectors` pick (a cidr peer's exceptSelected), of one family. */
export function selectedAddresses(inv: Inventory, selectors: readonly LabelSelector[], family: 4 | 6): Cidr[] {
  const picked = (labels: Labels) => selectors.some((s) => matches(s, labels));
  return [
    ...inv.networks.filter((n) => picked(n.labels)).flatMap((n) => n.cidrs),
    ...inv.endpoints.filter((e) => e.kind === "workload" && picked(e.labels)).flatMap((e) => e.addresses.map(addressCidr)),
  ].filter((c) => c.family === family);
}

function refreshedPeers(inv: Inventory, peers: readonly Peer[] | undefined): Peer[] | undefined {
  if (!peers?.some((p) => p.kind === "cidr" && p.exceptSelected)) return undefined;
  return peers.map((p) => (p.kind === "cidr" && p.exceptSelected ? { ...p, except: selectedAddresses(inv, p.exceptSelected, p.cidr.family) } : p));
}

/**
 * The policy with the `except` of its exceptSelected peers computed from `inv` (a new object), or
 * undefined when it has none whose addresses changed; `labels` (when given): only when some
 * exceptSelected selector picks one of them (the Workloads that changed).
 */
export function refreshSelectedExcepts(inv: Inventory, p: Policy, labels?: readonly Labels[]): Policy | undefined {
  const rules = (rs: readonly Rule[] | undefined) => rs?.map((r) => { const peers = refreshedPeers(inv, r.peers); return peers ? { ...r, peers } : r; });
  const all = [...(p.ingress ?? []), ...(p.egress ?? [])].flatMap((r) => r.peers ?? []);
  const sels = all.flatMap((q) => (q.kind === "cidr" && q.exceptSelected ? q.exceptSelected : []));
  if (!sels.length || (labels && !labels.some((l) => sels.some((s) => matches(s, l))))) return undefined;
  const next: Policy = { ...p, ingress: rules(p.ingress), egress: rules(p.egress) };
  const key = (q: Policy) => jsonKey([q.ingress, q.egress].map((rs) => rs?.map((r) => r.peers?.map((x) => (x.kind === "cidr" ? x.except.map((c) => `${c.first}-${c.last}`) : "")))));
  return key(next) === key(p) ? undefined : next;
}
