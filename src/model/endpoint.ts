// Endpoints: anything that sends or receives traffic. Pods (from Pod objects or from workload
// templates), Workloads (VMs, bare-metal hosts), nodes, and external addresses.

import type { Address, Cidr } from "./ip.js";
import type { NamedPort } from "./ports.js";
import { matches, selector, type Labels } from "./selector.js";
import type { SourceRef } from "./source.js";
import type { Attachment } from "./networks.js";

export type EndpointKind = "pod" | "workload" | "node" | "external";

/** The controller a pod belongs to (from ownerReferences, or the template it was made from). */
export interface Owner {
  kind: string;
  name: string;
}

export interface Endpoint {
  /** Index in Inventory.endpoints. */
  id: number;
  kind: EndpointKind;
  name: string;
  /**
   * The cluster it belongs to, in a model of several (sources/clusters.ts); its namespace and node
   * names then start with the cluster (prod-eu:shop). undefined: a model of one cluster, or an
   * input of none (addresses, VMs and networks beside the clusters).
   */
  cluster?: string;
  /** Pods and Workloads live in a namespace; nodes and external addresses do not. */
  namespace?: string;
  labels: Labels;
  addresses: readonly Address[];
  ports: readonly NamedPort[];
  owner?: Owner;
  /** Pods and VMs: secondary interfaces (Multus networks), when there are any (see model/networks.ts). */
  attachments?: readonly Attachment[];
  /** Pods: the node they run on, and whether they use the node's network namespace. */
  nodeName?: string;
  hostNetwork?: boolean;
  /**
   * Pods mapping a hostPort (not host-network): their node's address as the pod's status reports it
   * (status.hostIP): the node's portmap DNAT answers there even when the input has no Node for it
   * (model/hostports.ts HostPortIndex.nodeAt).
   */
  hostIP?: Address;
  /**
   * Nodes: the Calico HostEndpoint on the node's address (sources/calico placeOnNodes; it is no
   * endpoint of its own then). Felix polices the host's traffic by its policy, except its traffic with
   * its own pods, and Calico selectors see the node's addresses by its labels (engine/match.ts hostEndpointOf).
   */
  hostEndpoint?: Endpoint;
  /**
   * A Calico HostEndpoint of `interfaceName: "*"` (sources/calico): felix polices every interface of
   * its host by it, the loopback too (engine/match.ts policesLoopback); one of a named interface (or
   * of its expectedIPs' interface) leaves lo alone.
   */
  allInterfaces?: true;
  /**
   * A Calico HostEndpoint without expectedIPs (sources/calico, placed on its node by spec.node):
   * felix polices its interface by its policy, but its selectors' IP sets hold the host endpoint's
   * expectedIPs only (felix calc MemberCalculator: ExpectedIPv4Addrs, ExpectedIPv6Addrs), so no rule
   * selector matches its node's traffic as a peer (engine/match.ts peerMatches).
   */
  peerless?: true;
  /**
   * Nodes: Calico's tunnel addresses, as calico-node records them on its Node (the annotations
   * projectcalico.org/IPv4IPIPTunnelAddr, IPv4VXLANTunnelAddr, IPv6VXLANTunnelAddrV6): the host's
   * traffic to a pod of another node leaves through the tunnel with that source (engine/verdict.ts tunnelSource).
   */
  tunnels?: NodeTunnels;
  /**
   * Nodes: spec.podCIDRs (else spec.podCIDR), when the Node has them: kube-proxy's local-traffic
   * detector under detectLocalMode NodeCIDR (engine/kube-proxy.ts localTraffic).
   */
  podCIDRs?: readonly Cidr[];
  /** Pods made from a controller's template (they stand for every replica and have no address). */
  fromTemplate?: boolean;
  serviceAccount?: string;
  /**
   * Pods: the annotations that decide mesh membership and proxy behaviour (only the keys the front
   * end keeps: sidecar.istio.io/*, linkerd.io/*, ...; see sources/core.ts), when there are any.
   */
  annotations?: Labels;
  /** Pods: false when their status says they are not ready (Ready condition False, or not Running). */
  ready?: boolean;
  /** Pods: metadata.deletionTimestamp is set (the pod is shutting down; model/service-endpoints.ts). */
  terminating?: true;
  /** Pods: files their containers see from Secret volumes (e.g. a serving certificate). */
  secretFiles?: readonly SecretFile[];
  /** Pods: the mesh proxy container the pod runs (istio-proxy, linkerd-proxy), when it runs one. */
  proxyContainer?: string;
  /** Pods: the istio-proxy runs as a gateway (`pilot-agent proxy router`), not a sidecar: its HCM reads the connection's address as the client's. */
  istioRouter?: true;
  /** Pods: the istio-proxy runs as a sidecar (`pilot-agent proxy sidecar`, or beside an application container without `router`): pilot builds no gateway listeners for it. */
  istioSidecar?: true;
  /** Pods: false when the pod sets automountServiceAccountToken: false (Linkerd does not inject it). */
  automountToken?: boolean;
  /** Pods: the HTTP GET probes of its containers (port and path without query), when it has any. */
  httpProbes?: readonly { port: number; path: string }[];
  src?: SourceRef;
}

/**
 * A node's Calico tunnel addresses (Endpoint.tunnels), and its BGP address with its subnet
 * (projectcalico.org/IPv4Address, IPv6Address: `10.0.0.1/24`), which felix's CrossSubnet encapsulation
 * tests other nodes against (model/cni.ts sameNodeSubnet).
 */
export interface NodeTunnels { ipip?: Address; vxlan?: Address; vxlanV6?: Address; bgpV4?: Address; subnetV4?: Cidr; bgpV6?: Address; subnetV6?: Cidr }

/** A node of the cluster the input does not hold, as a party (its name when known): no address, no labels. */
export function standInNode(name?: string): Endpoint {
  return { id: -1, kind: "node", name: name ?? "(a node not in the input)", labels: {}, addresses: [], ports: [] };
}

/** A file a container sees from a Secret volume; `named` when an env variable of the container names its path. */
export interface SecretFile {
  secret: string;
  key: string;
  path: string;
  named: boolean;
}

export interface Namespace {
  name: string;
  labels: Labels;
  /** The annotations that decide mesh membership (see Endpoint.annotations), when there are any. */
  annotations?: Labels;
  /** Referenced but not defined in the input: created with its default labels. */
  implicit: boolean;
  /** Its primary network when not the default pod network: a primary (Cluster)UserDefinedNetwork's id (model/networks.ts). */
  network?: string;
  src?: SourceRef;
}

/** A workload controller (Deployment, StatefulSet, ...) and the pods it stands for. */
export interface Controller {
  kind: string;
  namespace: string;
  name: string;
  replicas?: number;
  pods: number[];
  src?: SourceRef;
}

export interface ServicePort {
  name?: string;
  port: number;
  protocol: "TCP" | "UDP" | "SCTP";
  /** A number, or a container port name resolved on each backend. */
  targetPort: number | string;
  nodePort?: number;
  /** e.g. "kubernetes.io/h2c", "kubernetes.io/ws" (Gateway API backend protocols). */
  appProtocol?: string;
}

export interface Service {
  namespace: string;
  name: string;
  type: string;
  /** undefined: a Service without selector (its endpoints are managed elsewhere). */
  selector?: Labels;
  ports: readonly ServicePort[];
  clusterIPs: readonly Address[];
  /** clusterIP: None — DNS answers with the endpoints' addresses; there is no virtual IP (frontend). */
  headless?: boolean;
  /** spec.publishNotReadyAddresses: the EndpointSlice controller marks every endpoint ready. */
  publishNotReadyAddresses?: true;
  /** spec.internalTrafficPolicy: Local: clients in the cluster reach only endpoints on their own node. */
  internalTrafficPolicy?: "Local";
  /**
   * spec.externalTrafficPolicy: Local (types NodePort and LoadBalancer only: apiservice.ExternalPolicyLocal):
   * traffic from outside the cluster to a node port, load balancer or external IP reaches only the
   * receiving node's endpoints, with its source kept; Cluster (unset) masquerades it (engine/kube-proxy.ts).
   */
  externalTrafficPolicy?: "Local";
  /** spec.externalIPs: addresses kube-proxy captures for the Service's ports like a load balancer's (engine/kube-proxy.ts). */
  externalIPs?: readonly Address[];
  /**
   * status.loadBalancer.ingress[].ip of a LoadBalancer Service; `proxy`: its ipMode is Proxy (kube-proxy
   * leaves the address to the load balancer, which proxies to the nodes).
   */
  loadBalancerIngress?: readonly { ip: Address; proxy?: true }[];
  /** spec.loadBalancerSourceRanges (trimmed; a zero-length prefix among them lets every source in: none kept). */
  loadBalancerSourceRanges?: readonly Cidr[];
  /**
   * Without spec.loadBalancerSourceRanges, the ranges of the annotation
   * service.beta.kubernetes.io/load-balancer-source-ranges: the cloud provider's load balancer applies
   * them (GetLoadBalancerSourceRanges), kube-proxy does not (it reads the field only).
   */
  cloudSourceRanges?: readonly Cidr[];
  /** spec.healthCheckNodePort: kube-proxy's health check for the load balancer, on every node (externalTrafficPolicy Local). */
  healthCheckNodePort?: number;
  /** spec.allocateLoadBalancerNodePorts: false — a LoadBalancer Service without node ports (unless a port names one). */
  allocateLoadBalancerNodePorts?: false;
  /** The mesh annotations (config.linkerd.io/opaque-ports...), when it has any. */
  annotations?: Readonly<Record<string, string>>;
  /** Its Cilium forwarding mode (annotation service.cilium.io/forwarding-mode, read by sources/cilium.ts; model/cni.ts serviceDataPath). */
  ciliumForwardingMode?: "snat" | "dsr";
  /** The mesh labels (istio.io/use-waypoint...), when it has any. */
  labels?: Readonly<Record<string, string>>;
  src?: SourceRef;
}

/** A labelled set of external addresses (junction.dev Network). */
export interface Network {
  name: string;
  namespace?: string;
  labels: Labels;
  cidrs: readonly Cidr[];
  src?: SourceRef;
}

/** A cluster of a multi-cluster model (junction.dev Cluster): its address plan and egress NAT. */
export interface Cluster {
  name: string;
  labels: Labels;
  podCIDRs: readonly Cidr[];
  serviceCIDRs: readonly Cidr[];
  /** Addresses its pods' traffic leaves the cluster with. */
  egressNAT: readonly Cidr[];
  src?: SourceRef;
}

/** A KubeVirt virtual machine (its virt-launcher pod is the endpoint policies select). */
export function isVirtualMachine(e: Endpoint): boolean {
  return e.kind === "pod" && (e.owner?.kind === "VirtualMachine" || e.owner?.kind === "VirtualMachineInstance");
}

export function endpointName(e: Endpoint): string {
  return e.namespace !== undefined ? `${e.namespace}/${e.name}` : e.name;
}

/**
 * Whether `e` is of the cluster for a CIDR rule that matches only addresses outside it (Cilium's): a
 * pod or a node; with `podsOnly` (Cilium's policy-cidr-match-mode nodes), a pod not acting as its node.
 */
export function inCluster(e: Endpoint, podsOnly: boolean, actsAsNode: boolean): boolean {
  return podsOnly ? e.kind === "pod" && !actsAsNode : e.kind === "pod" || e.kind === "node";
}

/** Whether the Service's selector picks the pod (a pod of its namespace); a Service without selector picks none. */
export function serviceSelects(s: Service, pod: Endpoint): boolean {
  return s.selector !== undefined && pod.namespace === s.namespace && matches(selector(s.selector), pod.labels);
}
