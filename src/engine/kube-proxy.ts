// kube-proxy's data path for the addresses of a Service other than its cluster IP: a node's address
// at a node port, a load balancer's ingress address, an external IP. For a connection addressed to
// one of them: which endpoints get it, and which source address each endpoint's policies see
// (pkg/proxy/iptables/proxier.go syncProxyRules; the nftables proxier writes the same chains).
//
// - Each of these addresses jumps to the Service port's chain of "external destinations" (KUBE-EXT).
//   externalTrafficPolicy Cluster: "masquerade traffic for ... external destinations", then any
//   endpoint: the endpoint sees the address of the node that translated the connection, not the
//   client's. Local: a connection from outside the cluster goes to the receiving node's endpoints
//   only, its source kept; none there: dropped ("... has no local endpoints"); a pod's connection
//   goes to every endpoint with its source kept ("pod traffic for ... external destinations", by
//   the local-traffic detector); the node's own is masqueraded and goes to every endpoint
//   ("masquerade LOCAL traffic ...").
// - A load balancer address with loadBalancerSourceRanges passes the firewall chain (KUBE-FW)
//   first: a source outside the ranges is dropped; node ports and external IPs are not subject to
//   the ranges ("nodeports are not subject to loadBalancerSourceRanges").
// - Who translates: kube-proxy on the node the packet enters. A pod's (or a node's) connection to a
//   load balancer address or an external IP is translated on its own node (KUBE-SERVICES matches
//   the destination in PREROUTING and OUTPUT); to a node port only on the node whose address it is
//   (the node ports chain is reached with "-m addrtype --dst-type LOCAL"), so a pod dialling
//   another node's port is translated there. A connection from outside to a load balancer address
//   or an external IP enters at whichever node the network delivers it to (Local: the load
//   balancer's health check on healthCheckNodePort steers it to nodes with endpoints).
// - ipMode Proxy: kube-proxy leaves the address alone (servicechangetracker newBaseServiceInfo:
//   "proxy mode load balancers do not need to track the IPs"); the load balancer proxies the
//   connection to the Service's node ports, so the endpoints see the load balancer (Local) or the
//   receiving node (Cluster), and the load balancer applies the source ranges (cloud providers do).
// - No endpoint at all: kube-proxy rejects the connection ("... has no endpoints").
// - kube-proxy's own configuration (model/kube-proxy-config.ts), when the input or the options show it:
//   nodePortAddresses limits the node addresses that serve node ports (the others do not translate:
//   nothing listens there); the local-traffic detector (clusterCIDR; or the translating node's own
//   pods: localTraffic) decides which connections are a pod's: "pod traffic for ... external destinations" matches `localDetector.IfLocal()`, and without
//   a detector (no clusterCIDR under detectLocalMode ClusterCIDR) or from a pod outside clusterCIDR a
//   pod's connection is external traffic (Local: the translating node's endpoints, the source kept).
//   A connection to a cluster IP is masqueraded under masqueradeAll, else when the detector says it is
//   not local ("... cluster IP" -A KUBE-SVC ... IfNotLocal -j KUBE-MARK-MASQ: a node's own, a pod's
//   outside clusterCIDR, one from outside the cluster routed to a node): clusterIPSource.
//   The nftables proxier writes the same rules; ipvs the same for cluster IPs (writeIptablesRules).
// - A node's own connection (a node's, a host-network pod's) to 127.0.0.0/8 at a node port: the
//   iptables proxier's node ports rule matches it as a local address (`-m addrtype --dst-type LOCAL`
//   without `! -d 127.0.0.0/8` while localhostNodePorts holds, route_localnet set), so it is that
//   node port on the client's own node, masqueraded ("masquerade LOCAL traffic"): loopbackFrontend,
//   loopbackNodePortRefusal; at a healthCheckNodePort, kube-proxy's health check server where it binds
//   (healthCheckAt). A pod's 127.0.0.1 is its own network namespace's: no Service there, and no policy
//   (engine/verdict.ts ownLoopback).
//
// Another data path may serve these addresses instead of kube-proxy (model/cni.ts serviceDataPath:
// Cilium's kube-proxy replacement, Calico's eBPF data plane): a pod's or a node's connection is then
// translated at its own socket, its source kept, whatever address it dialled; from outside, the
// client's address reaches every backend except, under Cilium's snat mode (hybrid: UDP and SCTP),
// one on another node than the entry node, which sees the entry node (inClusterPath, outsidePath).

import { dataPathLabel, inputCnis, natOutgoingPool, serviceDataPath, type ServiceDataPath } from "../model/cni.js";
import { standInNode, type Endpoint, type Service, type ServicePort } from "../model/endpoint.js";
import type { Inventory, InventoryIndex } from "../model/inventory.js";
import { addressCidr, contains, formatAddress, formatRange, isLoopback, sameAddress, type Address, type Cidr, type Family } from "../model/ip.js";
import type { Protocol } from "../model/ports.js";
import { mentionedRanges } from "../model/ranges.js";
import { serviceEndpoints } from "../model/service-endpoints.js";
import { servicePortAt } from "../model/services.js";
import { flowAddress, loopbackHost, nodeNamed, type Party } from "./match.js";
import { serviceServing, type Serving, type ServingSet } from "./serving.js";
import { kubeProxySetup, setupText, type KubeProxyConfig, type KubeProxySetup, type NodePortAddresses } from "../model/kube-proxy-config.js";

/** kube-proxy's configuration for an inventory: the input's (its ConfigMap), each option given replacing it (EngineOptions.kubeProxy). */
export function setupOf(inv: Inventory, options?: { kubeProxy?: KubeProxyConfig }): KubeProxySetup {
  return kubeProxySetup(inv.kubeProxy, options?.kubeProxy);
}

/**
 * What the local-traffic detector of kube-proxy on node `at` (the node translating the connection)
 * says of a connection from `client` toward `toward`: a pod's (`local`), not, or (`local` undefined)
 * kube-proxy has no detector for it; `why`: in words, when not a pod's. cmd/kube-proxy/app/
 * server_linux.go getLocalDetectors: ClusterCIDR, NewDetectLocalByCIDR(clusterCIDR of the family);
 * NodeCIDR, NewDetectLocalByCIDR(the node's own podCIDR of the family: a pod of another node is not
 * local there; the node without one of the family, the no-op detector); BridgeInterface and
 * InterfaceNamePrefix, `-i` the pods' bridge or interfaces: a pod of that node only (another node's
 * pod enters on the node's own interface, the node's own traffic on none). Where the input shows no
 * podCIDR of the node, NodeCIDR reads it as holding the node's own pods. A pod of the pod network
 * without an address in the input is local wherever the detector sees its node's pods (one rule, below).
 */
function localTraffic(index: InventoryIndex, setup: KubeProxySetup, client: Party, toward: Party, at: string | undefined): { local?: boolean; why: string } {
  const local = setup.local, e = client.endpoint;
  if (!local) return { why: `kube-proxy has no local-traffic detector (${setupText(setup)})` };
  const address = flowAddress(client, toward), family = address?.family ?? toward.address?.family;
  const node = at === undefined ? "the translating node" : `node ${at}`;
  // The ranges the detector reads (one detector per family, the no-op one for a family without): clusterCIDR's, or under NodeCIDR the translating node's podCIDRs.
  const podCIDRs = local.mode === "NodeCIDR" && at !== undefined ? index.nodesByName.get(at)?.podCIDRs : undefined;
  const ranges = (local.cidrs ?? podCIDRs)?.filter((c) => family === undefined || c.family === family);
  if (ranges && !ranges.length) return { why: `${local.cidrs ? "clusterCIDR has no range" : `${node} has no podCIDR`} of the connection's family: kube-proxy has no local-traffic detector for it (${setupText(setup)})` };
  // A pod of the pod network whose address the input does not give (a controller's template pod, standing for
  // its replicas) is one the pod network addresses: from clusterCIDR (the cluster's pod range), from its node's
  // podCIDR, on its node's pod interfaces. So it is local wherever the detector sees that node's pods: under
  // ClusterCIDR on any node, under the other modes on its own (a template pod's replicas each on theirs, where
  // each is translated: no node, as `at`).
  if (e?.kind === "pod" && e.hostNetwork !== true && address === undefined && (local.cidrs || e.nodeName === at)) {
    return { local: true, why: `the source is a pod of the pod network whose address the input does not give: read as one it addresses (${setupText(setup)})` };
  }
  if (ranges) return { local: address !== undefined && ranges.some((c) => contains(c, address)), why: local.cidrs ? `the source is outside clusterCIDR (${setupText(setup)})` : `the source is outside ${node}'s podCIDR ${ranges[0].text} (${setupText(setup)})` };
  const own = e?.kind === "pod" && e.hostNetwork !== true && e.nodeName === at;
  const what = local.mode === "NodeCIDR" ? `the source is no pod of ${node}, which translates it (the input shows no podCIDR of the node: read as holding its own pods' addresses; ${setupText(setup)})`
    : `the connection does not come in on a pod interface of ${node}, which translates it (${setupText(setup)})`;
  return { local: own, why: what };
}

/**
 * nodePortAddresses of `family` as kube-proxy on `node` resolves them: its CIDRs of the family, and
 * for "primary" the node's first address of the family as a host CIDR (cmd/kube-proxy/app/server.go
 * newProxyServer: "%s/32", "%s/128" of s.NodeIPs); "all": every address, where none is of the family
 * or one is a /0 (pkg/proxy/util NewNodePortAddresses: "If there are no CIDRs of the given family
 * then the CIDR 0.0.0.0/0 or ::/0 will be added"; IsZeroCIDR: matchAll).
 */
export function nodePortCidrs(only: NodePortAddresses, node: Endpoint, family: Family): readonly Cidr[] | "all" {
  const own = only.cidrs.filter((c) => c.family === family);
  const first = only.primary ? node.addresses.find((a) => a.family === family) : undefined;
  const all = first ? [{ ...addressCidr(first), text: `${formatAddress(first)} (primary)` }, ...own] : own;
  return !all.length || all.some((c) => c.prefix === 0) ? "all" : all;
}

/** Whether kube-proxy serves node ports at `address` of `node` (nodePortAddresses: nodePortCidrs; unset: every address). */
export function servesNodePort(setup: KubeProxySetup, node: Endpoint, address: Address): boolean {
  const only = setup.nodePortAddresses;
  const cidrs = only && nodePortCidrs(only, node, address.family);
  return !cidrs || cidrs === "all" || cidrs.some((c) => contains(c, address));
}

/**
 * Why kube-proxy does not serve node ports at the loopback address `a` to its node's own connections
 * (undefined: it does). Only the iptables proxier does, and for IPv4 only (pkg/proxy/iptables/
 * proxier.go): NewProxier turns localhostNodePorts off unless nodePortAddresses holds an IPv4
 * loopback address (proxyutil NodePortAddresses.ContainsIPv4Loopback: a CIDR inside 127.0.0.0/8 or
 * holding 127.0.0.0; unset, no CIDR of the family, or 0.0.0.0/0: match-all, which holds it), and
 * syncProxyRules jumps to KUBE-NODEPORTS for `--dst-type LOCAL`, with `! -d 127.0.0.0/8` only when
 * localhostNodePorts is off (match-all: all of 127.0.0.0/8), else for each node address in the CIDRs
 * (GetNodeIPs: of the loopback interface's, 127.0.0.1), skipping a loopback one when it is off; IPv6
 * never (`! -d ::1/128`, "localhost NodePorts are not supported on IPv6"). The nftables proxier never
 * (setupNFTables: `ip daddr != 127.0.0.0/8`, a loopback node address skipped: "localhost NodePorts
 * are not supported"); nor ipvs (its node addresses leave loopback out: netlinkHandle
 * isValidForSet, and syncProxyRules' `!ip.IsLoopback()` on GetNodeIPs). `primary` is the node's
 * first IPv4 address as a /32 (nodePortCidrs).
 */
function loopbackNodePortRefusal(setup: KubeProxySetup, node: Endpoint, a: Address, protocol: Protocol): string | undefined {
  const at = formatAddress(a), from = setup.known ? setup.where : "kube-proxy's defaults";
  const none = `nothing translates the connection to ${at} (refused)`;
  if (setup.mode === "nftables") return nftablesLoopbackRefusal(setup, node, a, protocol, from, none);
  if (setup.mode === "ipvs") return `kube-proxy's ipvs mode makes no virtual server on a loopback address (${from}): ${none}`;
  if (a.family === 6) return `kube-proxy never serves node ports on ::1 (IPv6: its node ports rule skips ::1/128): ${none}`;
  if (!setup.localhostNodePorts) return `iptables.localhostNodePorts is false (${from}): kube-proxy's node ports rule skips 127.0.0.0/8, ${none}`;
  const only = setup.nodePortAddresses;
  const v4 = only ? nodePortCidrs(only, node, 4) : "all";
  if (v4 === "all") return undefined;
  const named = only!.primary && !only!.cidrs.some((c) => c.family === 4) ? "nodePortAddresses primary holds" : `nodePortAddresses (${v4.map((c) => c.text).join(", ")}) hold`;
  if (!v4.some((c) => c.first <= LOOPBACK.last && c.last >= LOOPBACK.first)) return `${named} no loopback address, which turns localhostNodePorts off (${from}): ${none}`;
  // The node's addresses in the CIDRs, of the loopback interface's its 127.0.0.1.
  if (a.value === LOCALHOST && v4.some((c) => contains(c, a))) return undefined;
  return `kube-proxy serves node ports at the node's addresses in nodePortAddresses (${v4.map((c) => c.text).join(", ")}) only, of the loopback interface's 127.0.0.1 (${from}): ${none}`;
}

/**
 * The nftables mode and a loopback address at a node port: no rule serves it (setupNFTables); kube-proxy
 * v1.37's userspace proxy does (kubernetes#138427, KEP-6032), under the feature gate
 * KubeProxyNFTablesLocalhostNodePorts (alpha, off unless given), where the family's nodePortAddresses do not
 * match all addresses and hold its loopback (NodePortAddresses: a CIDR overlapping 127.0.0.0/8; ::1): a TCP
 * listener at each node port on 127.0.0.1 and ::1 ("Not implemented: protocol: UDP / protocol: SCTP").
 */
function nftablesLoopbackRefusal(setup: KubeProxySetup, node: Endpoint, a: Address, protocol: Protocol, from: string, none: string): string | undefined {
  const never = `kube-proxy's nftables mode never serves node ports on a loopback address (${from}): ${none}`;
  if (!setup.localhostProxy) return `${never}; kube-proxy v1.37 does with the feature gate ${LOCALHOST_GATE} and a loopback address in nodePortAddresses (its userspace proxy)`;
  const cidrs = setup.nodePortAddresses ? nodePortCidrs(setup.nodePortAddresses, node, a.family) : "all";
  const proxy = `kube-proxy's userspace proxy for localhost node ports (feature gate ${LOCALHOST_GATE}, ${from})`;
  if (cidrs === "all") return `${proxy} runs only where nodePortAddresses of IPv${a.family} do not match all addresses and hold the loopback: ${none}`;
  const holds = a.family === 4 ? cidrs.some((c) => c.first <= LOOPBACK.last && c.last >= LOOPBACK.first) : cidrs.some((c) => contains(c, a) && a.value === 1n);
  if (!holds) return `${proxy} runs only where nodePortAddresses hold the loopback, and these (${cidrs.map((c) => c.text).join(", ")}) do not: ${none}`;
  if (a.value !== (a.family === 4 ? LOCALHOST : 1n)) return `${proxy} listens on 127.0.0.1 and ::1 only: ${none}`;
  if (protocol !== "TCP") return `${proxy} forwards TCP only (KEP-6032: "Not implemented: protocol: UDP / protocol: SCTP"): ${none}`;
  return undefined;
}

const LOCALHOST_GATE = "KubeProxyNFTablesLocalhostNodePorts";

/** 127.0.0.0/8, and 127.0.0.1 (the loopback interface's address). */
const LOOPBACK = { first: 0x7f000000n, last: 0x7fffffffn };
const LOCALHOST = 0x7f000001n;

/** The node addresses nodePortAddresses names, in words ("primary address", "addresses in CIDRS"); undefined: unset (every address). */
function nodePortAddressesText(setup: KubeProxySetup): string | undefined {
  const only = setup.nodePortAddresses;
  if (!only) return undefined;
  const cidrs = only.cidrs.length ? `addresses in ${only.cidrs.map((c) => c.text).join(", ")}` : "";
  return only.primary ? (cidrs ? `primary address and its ${cidrs}` : "primary address") : cidrs;
}

/** The node addresses that serve node ports, in words (exposure's rows). */
export function nodePortScope(setup: KubeProxySetup): string {
  const text = nodePortAddressesText(setup);
  return text === undefined ? "on every node" : `on every node's ${text} (nodePortAddresses${setup.nodePortAddresses!.text === "primary" ? " primary" : ""}: ${setup.where})`;
}

export type FrontendKind = "node-port" | "load-balancer" | "external-ip";

/** A Service port addressed other than by its cluster IP. */
export interface Frontend {
  kind: FrontendKind;
  service: Service;
  port: ServicePort;
  /** The address dialled (undefined: any of the kind, as exposure asks). */
  address?: Address;
  /** node-port: the node whose address it is. */
  node?: Endpoint;
  /** load-balancer: its ipMode is Proxy. */
  proxy?: boolean;
}

/** A Service address other than a cluster IP: an external IP, or a load balancer ingress address of a LoadBalancer Service. */
export interface ServiceAddress { service: Service; kind: "load-balancer" | "external-ip"; proxy?: boolean }

export function serviceAtAddress(inv: Inventory, a: Address): ServiceAddress | undefined {
  for (const s of inv.services) {
    if (s.externalIPs?.some((x) => sameAddress(x, a))) return { service: s, kind: "external-ip" };
    const lb = s.loadBalancerIngress?.find((x) => sameAddress(x.ip, a));
    if (lb) return lb.proxy ? { service: s, kind: "load-balancer", proxy: true } : { service: s, kind: "load-balancer" };
  }
  return undefined;
}

/**
 * The source ranges of a Service's load balancer: spec.loadBalancerSourceRanges (kube-proxy's KUBE-FW
 * and the cloud's), else the annotation service.beta.kubernetes.io/load-balancer-source-ranges
 * (`cloud`: the cloud provider's load balancer applies it, kube-proxy does not read it).
 */
export function sourceRangesOf(s: Service): { ranges: readonly Cidr[]; cloud: boolean } | undefined {
  if (s.loadBalancerSourceRanges) return { ranges: s.loadBalancerSourceRanges, cloud: false };
  return s.cloudSourceRanges ? { ranges: s.cloudSourceRanges, cloud: true } : undefined;
}

/** The Service port a node's address serves at node port `port` (kube-proxy opens every node port on every node). */
export function nodePortAt(inv: Inventory, port: number, protocol?: Protocol): { service: Service; port: ServicePort } | undefined {
  for (const s of inv.services) {
    if (s.type !== "NodePort" && s.type !== "LoadBalancer") continue;
    const sp = s.ports.find((p) => p.nodePort === port && (!protocol || p.protocol === protocol));
    if (sp) return { service: s, port: sp };
  }
  return undefined;
}

/**
 * A node's address at a Service's healthCheckNodePort (a LoadBalancer Service with
 * externalTrafficPolicy Local), or a node's own connection (`client`: a node, or a host-network
 * pod: the node's loopback is its own) to a loopback address at it: kube-proxy's own health check
 * server answers it on the node (pkg/proxy/healthcheck service_health.go: HTTP, 200 while the node
 * has a local endpoint of the Service, 503 otherwise; where it listens: healthCheckRefusal), not the
 * Service's pods: the flow is the node's, its policies judge it. A pod's loopback is its own
 * network namespace's (verdict.ts ownLoopback). Undefined: `port` is no such port.
 */
export function healthCheckAt(index: InventoryIndex, setup: KubeProxySetup, dst: Party, port: number | string, protocol?: Protocol, client?: Party): { frontend: string; why: string; refused?: string; warning?: { code: string; message: string } } | undefined {
  const inv = index.inv;
  const loop = dst.address !== undefined && !dst.endpoint && isLoopback(dst.address) ? hostOf(index, client) : undefined;
  const node = dst.endpoint?.kind === "node" ? dst.endpoint : loop;
  if (!node || typeof port !== "number" || (protocol && protocol !== "TCP")) return undefined;
  const s = inv.services.find((x) => x.healthCheckNodePort === port);
  if (!s) return undefined;
  const address = dst.address ?? node.addresses[0];
  const server = healthCheckServer(inv);
  const what = `health check of Service ${s.namespace}/${s.name} (healthCheckNodePort ${port}) on node ${node.name}${loop ? ` (its own loopback ${formatAddress(address!)})` : ""}`;
  const frontend = server ? `the ${what}, served by ${server}` : `kube-proxy's ${what}`;
  const refusal = !address ? undefined : server ? serverLoopbackRefusal(inv, address) : healthCheckRefusal(setup, node, address);
  if (refusal?.refused) return { frontend, why: "", refused: refusal.refused, ...(refusal.warning ? { warning: refusal.warning } : {}) };
  const where = server ? `${server} answers it in kube-proxy's place, on every node address${serverServesLoopback(inv) ? ` and its loopback${felixBindsAll(inv) ? ` (felix before v3.${FELIX_HOST_IPS.minor}.${FELIX_HOST_IPS.patch} listens on every address: ${inv.calicoFelix!.release!.where})` : ""}` : ""}` : setup.nodePortAddresses ? `kube-proxy itself answers it (on ${formatAddress(address!)}: ${refusal?.listens ?? "every address"})` : "kube-proxy itself answers it on every node address (its server listens on every address, the loopback too)";
  return { frontend, why: `${where} (HTTP: 200 while the node has a local endpoint of the Service, 503 otherwise), not the Service's pods: the node's own policies judge the connection`, ...(refusal?.warning ? { warning: refusal.warning } : {}) };
}

/** Whether a health check server listens at an address: `refused` (why not), else where it does (`listens`), and a `warning` when that may not hold. */
interface HealthListener { refused?: string; listens?: string; warning?: { code: string; message: string } }

/** The node whose network namespace a client's loopback is: a node's own, a host-network pod's node (a stand-in when the input lacks it); undefined for others. */
function hostOf(index: InventoryIndex, client: Party | undefined): Endpoint | undefined {
  const host = loopbackHost(index, client);
  return host?.kind === "node" ? host : undefined;
}

/**
 * Where kube-proxy's health check server listens, for `a` of `node`: pkg/proxy/healthcheck
 * service_health.go newServiceHealthServer listens on "0.0.0.0" ("go treats them all the same":
 * every address of both families, the loopback too) when the proxier's nodePortAddresses match all
 * (nodePortCidrs "all"), else on GetNodeIPs: the node's interface addresses in the CIDRs (of the
 * loopback interface's, 127.0.0.1 and ::1). `refused` when nothing listens at `a`; `warning` when the
 * other family's proxier (kube-proxy runs one per family where the host has both: server_linux.go
 * dualStackSupported) matches all: its server on "0.0.0.0" and this one contend for the port, and
 * whichever binds first decides (kubernetes#111863; kube-proxy warns of a single-stack
 * nodePortAddresses since kubernetes#123105).
 */
function healthCheckRefusal(setup: KubeProxySetup, node: Endpoint, a: Address): HealthListener | undefined {
  const only = setup.nodePortAddresses;
  if (!only) return undefined;
  const own = nodePortCidrs(only, node, a.family);
  if (own === "all") return { listens: `nodePortAddresses has no CIDR of IPv${a.family} (${only.text}): every address` };
  const other = a.family === 4 ? 6 : 4;
  const race = nodePortCidrs(only, node, other) === "all" ? {
    code: "kube-proxy-config",
    message: `nodePortAddresses (${only.text}) has no CIDR of IPv${other}: where the host has IPv${other} too, kube-proxy's IPv${other} proxier runs a health check server on every address ("0.0.0.0"), which contends with this family's for the port; whichever binds first decides (kubernetes#111863), and the answer here is the IPv${a.family} server's`,
  } : undefined;
  const lo = a.family === 4 ? "127.0.0.1" : "::1";
  const cidrs = own.map((c) => c.text).join(", ");
  if (own.some((c) => contains(c, a)) && (!isLoopback(a) || a.value === (a.family === 4 ? LOCALHOST : 1n))) return { listens: `a node address in nodePortAddresses (${cidrs})`, ...(race ? { warning: race } : {}) };
  return { refused: `kube-proxy's health check server listens on the nodePortAddresses only (${setup.where}: the node's addresses in ${cidrs}${isLoopback(a) ? `, of the loopback interface's ${lo}` : ""}): ${formatAddress(a)} is not one (refused)`, ...(race ? { warning: race } : {}) };
}

/**
 * Who answers healthCheckNodePort where another data path replaces kube-proxy (undefined: kube-proxy):
 * Cilium's agent (its health server for HealthCheckNodePort, --enable-health-check-nodeport, on by
 * default: pkg/service/healthserver, `Addr: ":%d"`, every address) or felix's eBPF proxy
 * (felix/bpf/proxy proxy.go SetHostIPs: Kubernetes' own service health server on the host's IPs,
 * which bpf_route_mgr.go onIfaceAddrsUpdate takes from the interfaces' global unicast addresses:
 * every node address, not the loopback). kube-proxy's nodePortAddresses do not limit either.
 */
export function healthCheckServer(inv: Inventory): string | undefined {
  const dp = serviceDataPath(inv);
  return dp.kind === "kube-proxy" ? undefined : dp.kind === "cilium" ? `the Cilium agent (${dataPathLabel(dp)})` : `felix (${dataPathLabel(dp)})`;
}

/**
 * Whether the data path's own health check server listens on the loopback (healthCheckServer):
 * Cilium's does; felix's since v3.31.1 does not (projectcalico/calico ae5ee4d "[BPF] kube-proxy
 * starts binds health probes to node IPs", #11264: SetHostIPs), before it did: felix/bpf/proxy
 * proxy.go New made it with `util.NewNodePortAddresses(ipVersion, []string{"0.0.0.0/0"})` (v3.22:
 * no addresses, ":port"), every address, the loopback too (its test asked `http://localhost:%d`).
 * felix's release from the calico-node image (CalicoFelix.release); not shown: the newest.
 */
function serverServesLoopback(inv: Inventory): boolean {
  const dp = serviceDataPath(inv);
  return dp.kind === "cilium" || (dp.kind === "calico-ebpf" && felixBindsAll(inv) === true);
}

/** The release felix's service health server bound every address up to (v3.31.0), and after which the host's IPs only. */
const FELIX_HOST_IPS = { minor: 31, patch: 1 };

/** Whether felix's health check server listens on every address (its release before v3.31.1); undefined: its release is not shown. */
function felixBindsAll(inv: Inventory): boolean | undefined {
  const r = inv.calicoFelix?.release;
  return r === undefined ? undefined : r.minor < FELIX_HOST_IPS.minor || (r.minor === FELIX_HOST_IPS.minor && r.patch < FELIX_HOST_IPS.patch);
}

/** felix's health check server at a loopback address: refused (healthCheckServer), warned where its release is not shown. */
function serverLoopbackRefusal(inv: Inventory, a: Address): HealthListener | undefined {
  if (!isLoopback(a) || serverServesLoopback(inv)) return undefined;
  const release = inv.calicoFelix?.release;
  const unknown = felixBindsAll(inv) === undefined ? { warning: { code: "vendor-config", message: `felix before v3.${FELIX_HOST_IPS.minor}.${FELIX_HOST_IPS.patch} runs the health check server on every address, the loopback too (felix/bpf/proxy proxy.go: NewNodePortAddresses 0.0.0.0/0), and the input does not show felix's release (the image tag of the calico-node DaemonSet): answered as the newer releases do` } } : {};
  return { refused: `${healthCheckServer(inv)} runs the health check server on the host's IP addresses only (felix/bpf/proxy SetHostIPs since v3.${FELIX_HOST_IPS.minor}.${FELIX_HOST_IPS.patch}${release ? `, ${release.where}` : ""}, of the interfaces' global unicast addresses: bpf_route_mgr.go onIfaceAddrsUpdate), not on ${formatAddress(a)}: nothing listens there (refused)`, ...unknown };
}

export function frontendLabel(f: Frontend): string {
  const name = `Service ${f.service.namespace}/${f.service.name}`;
  const at = f.address ? formatAddress(f.address) : undefined;
  switch (f.kind) {
    case "node-port": return `node port ${f.port.nodePort} of ${name} on ${f.node ? `node ${f.node.name}${at ? ` (${at})` : ""}` : at ?? "every node"}`;
    case "load-balancer": return `load balancer ${at ?? "address"} port ${f.port.port} of ${name}${f.proxy ? " (ipMode Proxy)" : ""}`;
    case "external-ip": return `external IP ${at ?? "address"} port ${f.port.port} of ${name}`;
  }
}

export interface ServiceHop {
  /** The endpoint that gets the connection, on its target port. */
  to: Serving;
  /** The source the endpoint's policies see: the client, a node (masqueraded) or the load balancer (ipMode Proxy). */
  seenAs: Party;
  /** How the source changed, in words, when it did. */
  snat?: string;
  /**
   * The source the endpoint's network policy judges when it is not `seenAs`: under Calico felix
   * judges an endpoint of the translating node before kube-proxy's masquerade (policedBeforeMasquerade),
   * while the endpoint's process sees the node.
   */
  policySeenAs?: Party;
}

export interface ServicePath {
  frontend: Frontend;
  /** kube-proxy on the client's own node translated the connection: its egress policy sees the endpoint; else the address dialled. */
  translatedAtClient: boolean;
  hops: ServiceHop[];
  /** Why the connection reaches no endpoint (dropped, or rejected): then no hop. */
  dropped?: string;
  /** The endpoints are not in the input (then no hop and no drop). */
  unknown?: string;
  /** How kube-proxy chose the endpoints and the source, in words. */
  why: string;
  /** The data path that serves the address, when not kube-proxy (model/cni.ts serviceDataPath): its name. */
  dataPath?: string;
  /** An answer that kube-proxy's configuration, not in the input, would change. */
  warning?: { code: string; message: string };
}

type Origin = "pod" | "host" | "outside";

/** Where a client's connection comes from, as kube-proxy's chains tell: a pod (the local-traffic detector), the node itself, or neither. */
function originOf(client: Party): { origin: Origin; node?: string } {
  const e = client.endpoint;
  if (e?.kind === "node") return { origin: "host", node: e.name };
  if (e?.kind === "pod") return { origin: e.hostNetwork ? "host" : "pod", node: e.nodeName };
  return { origin: "outside" };
}

/** Which endpoints get a connection from `client` to `f`, and the source each sees (`index`: the inventory's, its nodes by name). */
export function kubeProxyPath(index: InventoryIndex, f: Frontend, client: Party, setup: KubeProxySetup = setupOf(index.inv)): ServicePath {
  const path = frontendPath(index, f, client, setup);
  if (f.kind !== "node-port" || !f.address || !isLoopback(f.address) || path.dropped || path.unknown) return path;
  const how = path.dataPath
    ? `${path.dataPath} serves node ports on the loopback address to a connection from the host's network namespace (bpf_sock.c sock4_wildcard_lookup, sock6_wildcard_lookup)`
    : setup.mode === "nftables" ? `kube-proxy's userspace proxy (feature gate ${LOCALHOST_GATE}, kubernetes#138427) listens at the node port on ${formatAddress(f.address)} and connects to an endpoint from the node itself`
    : "kube-proxy serves node ports on 127.0.0.0/8 to the node's own connections (iptables.localhostNodePorts, route_localnet)";
  return { ...path, why: `${how}; ${path.why}` };
}

function frontendPath(index: InventoryIndex, f: Frontend, client: Party, setup: KubeProxySetup): ServicePath {
  const inv = index.inv;
  const s = f.service, sp = f.port;
  const local = s.externalTrafficPolicy === "Local";
  const dp = serviceDataPath(inv, s);
  const bpf = dp.kind === "kube-proxy" ? undefined : dp;
  let { origin, node } = originOf(client);
  // The node whose kube-proxy translates the connection (undefined: any node the network delivers it to).
  let at: string | undefined;
  let translatedAtClient = false;
  let source = client;
  // Why the connection arrives from another address than the client's (Calico natOutgoing), or "".
  let masqueradedBy = "";
  if (f.kind === "load-balancer" && f.proxy) {
    // The load balancer proxies to the node ports: the nodes see it as the client, from outside.
    origin = "outside";
    source = f.address ? { address: f.address } : { endpoint: standInLoadBalancer(s) };
  } else if (bpf && origin !== "outside") {
    // Socket-level (or the pod's tc program's) translation: at the client, whatever node's address it dialled.
    at = node;
    translatedAtClient = true;
  } else if (f.kind === "node-port") {
    at = f.node?.name;
    translatedAtClient = origin !== "outside" && node !== undefined && node === at;
    // Another node's own traffic arrives from outside (its address kept); a pod's is still a pod's,
    // unless Calico's natOutgoing gave it its node's address on the way.
    if (origin === "host" && !translatedAtClient) origin = "outside";
    const nat = origin === "pod" && !translatedAtClient ? natOutgoingClient(index, client, f, at) : undefined;
    if (nat) { origin = "outside"; source = nat.party; masqueradedBy = nat.why; }
  } else if (origin !== "outside") {
    at = node;
    translatedAtClient = true;
  }
  const loopback = f.kind === "node-port" && f.address !== undefined && isLoopback(f.address);
  const base = { frontend: f, translatedAtClient, hops: [] as ServiceHop[], ...(bpf ? { dataPath: dataPathLabel(bpf) } : {}), ...(loopback && !bpf && !setup.known ? { warning: LOOPBACK_UNKNOWN } : {}) };
  if (loopback && bpf?.kind === "calico-ebpf") return { ...base, translatedAtClient: false, dropped: calicoLoopbackRefusal(bpf, f.address!), why: "" };
  if (!bpf && f.kind === "node-port" && f.node && f.address) {
    const refused = loopback ? loopbackNodePortRefusal(setup, f.node, f.address, sp.protocol)
      : servesNodePort(setup, f.node, f.address) ? undefined : `kube-proxy serves node ports at ${setup.nodePortAddresses?.primary ? "its " : ""}${nodePortAddressesText(setup)} only (nodePortAddresses, ${setup.where}): ${formatAddress(f.address)} of node ${f.node.name} is not one, nothing translates the connection (refused)`;
    if (refused) return { ...base, translatedAtClient: false, dropped: refused, why: "" };
  }
  // A pod's connection the local-traffic detector does not see as a pod's is external traffic (at the node that translates it).
  let notLocal = masqueradedBy;
  // (ipvs has no such rule: a pod's connection meets the address's virtual server, below; another data path translates it at its socket.)
  const detected = !bpf && origin === "pod" && setup.mode !== "ipvs" ? localTraffic(index, setup, client, { address: f.address }, at) : undefined;
  if (detected && !detected.local) {
    origin = "outside";
    notLocal = `${detected.why}: ${detected.local === undefined ? "a pod's connection is not told apart" : "not a pod's connection to kube-proxy"}; `;
  }
  // The annotation's ranges are the cloud load balancer's: they meet the connections that pass it
  // (from outside the cluster, or all under ipMode Proxy), not those kube-proxy short-circuits.
  const given = f.kind === "load-balancer" ? sourceRangesOf(s) : undefined;
  const cloud = given?.cloud && (f.proxy || origin === "outside") ? given.ranges : undefined;
  const ranges = given?.cloud ? cloud : given?.ranges;
  if (ranges) {
    const a = flowAddress(client, { address: f.address });
    if (!a || !ranges.some((r) => contains(r, a))) {
      const who = cloud ? "the cloud provider's load balancer drops it (kube-proxy does not read the annotation)"
        : f.proxy ? "the load balancer drops it (ipMode Proxy: kube-proxy leaves the address to it, and cloud providers apply the ranges)" : bpf ? `${dataPathLabel(bpf)} drops it (its source range check)` : "kube-proxy's firewall chain (KUBE-FW) drops it";
      const what = a ? `the source ${formatAddress(a)} is` : "the source (its address is not in the input) is taken as";
      const field = cloud ? "annotation service.beta.kubernetes.io/load-balancer-source-ranges" : "loadBalancerSourceRanges";
      return { ...base, dropped: `${what} outside the Service's ${field} (${ranges.map((r) => r.text).join(", ")}): ${who}`, why: "" };
    }
  }
  if (f.proxy && sp.nodePort === undefined) {
    return { ...base, unknown: "the load balancer proxies the connection (ipMode Proxy) and the port has no nodePort in the input: how it reaches the endpoints is not in the input", why: "" };
  }
  const eps = serviceEndpoints(inv, s, sp);
  if (eps.from === "unknown") return { ...base, unknown: `the endpoints are not in the input (${eps.note})`, why: "" };
  if (local && origin === "outside" && at !== undefined) {
    const set = serviceServing(inv, s, sp, { reader: "kube-proxy", externalLocal: { node: at } });
    const why = `${notLocal}externalTrafficPolicy Local: ${set.note}; the source is kept`;
    if (!set.serving.length) {
      // ipvs (syncEndpoint): "Allow access from local PODs even if no local endpoints exist. Traffic from an
      // external source will be routed but the reply will have the POD address and will be discarded."
      const drops = bpf ? `${dataPathLabel(bpf)} drops it` : setup.mode === "ipvs" ? "kube-proxy (ipvs) forwards it to any endpoint with its source kept, and the endpoint's reply, leaving from its own node, is discarded: the connection fails" : "kube-proxy drops it";
      return { ...base, dropped: `node ${at} has no local endpoint of Service ${s.namespace}/${s.name}: ${drops} (externalTrafficPolicy Local; ${set.note})`, why };
    }
    return { ...base, hops: set.serving.map((to) => ({ to, seenAs: source })), why };
  }
  // nftables' userspace proxy at a loopback address: "externalTrafficPolicy: Local — the proxy restricts its endpoint
  // pool to node-local endpoints. If no local endpoints exist the listener is removed and connections are refused." (KEP-6032)
  const userspace = loopback && !bpf && setup.mode === "nftables" && local && at !== undefined;
  const set = serviceServing(inv, s, sp, { reader: "kube-proxy", ...(userspace ? { externalLocal: { node: at! } } : {}) });
  if (!set.serving.length && userspace) return { ...base, dropped: `node ${at} has no local endpoint of Service ${s.namespace}/${s.name}: kube-proxy's userspace proxy removes its listener (externalTrafficPolicy Local), the connection is refused (${set.note})`, why: "" };
  if (!set.serving.length) return { ...base, dropped: `Service ${s.namespace}/${s.name} has no endpoint to send it to: ${bpf ? dataPathLabel(bpf) : "kube-proxy"} rejects it (${set.note})`, why: set.note };
  if (bpf && origin !== "outside") return { ...base, ...inClusterPath(bpf, client, set) };
  if (local && origin === "outside") {
    // A load balancer address or an external IP, from outside, at no node in particular.
    const steer = f.kind === "external-ip" ? "the network must deliver the external IP to a node with an endpoint (a node without one drops it)"
      : f.kind === "node-port" ? "only the nodes with an endpoint serve the node port (the others drop it)"
      : `the load balancer sends only to nodes with an endpoint (its health check${s.healthCheckNodePort !== undefined ? `, healthCheckNodePort ${s.healthCheckNodePort}` : ""})`;
    return { ...base, hops: set.serving.map((to) => ({ to, seenAs: source })), why: `externalTrafficPolicy Local: ${steer}, each node to its own endpoints, the source kept; ${set.note}` };
  }
  if (bpf) return { ...base, ...outsidePath(index, bpf, at, source, set.serving, sp.protocol), why: `${dataPathLabel(bpf)}, externalTrafficPolicy Cluster; ${set.note}` };
  if (local && origin === "pod" && setup.mode === "ipvs" && at !== undefined) {
    // ipvs: the address's virtual server has the node's endpoints only, else every endpoint (syncEndpoint), for a pod's connection too.
    const own = serviceServing(inv, s, sp, { reader: "kube-proxy", externalLocal: { node: at } });
    const to = own.serving.length ? own.serving : set.serving;
    return { ...base, hops: to.map((t) => ({ to: t, seenAs: client })), why: `externalTrafficPolicy Local under ipvs: node ${at}'s endpoints, else every endpoint (syncEndpoint), the source kept; ${own.serving.length ? own.note : set.note}` };
  }
  if (local && origin === "pod") {
    const warning = !setup.known && at !== undefined ? podLocalUnknownWarning(inv, s, sp, at) : undefined;
    return { ...base, hops: set.serving.map((to) => ({ to, seenAs: client })), why: `externalTrafficPolicy Local does not apply to a pod's connection (kube-proxy sends it to any endpoint, the source kept); ${set.note}`, ...(warning ? { warning } : {}) };
  }
  // Masqueraded: Cluster, or the node's own connection under Local.
  const policy = userspace ? "externalTrafficPolicy Local: the userspace proxy's own connection from the node, to the node's endpoints only"
    : local ? "externalTrafficPolicy Local, but the node's own connection is masqueraded" : "externalTrafficPolicy Cluster: kube-proxy masquerades";
  const hops: ServiceHop[] = [];
  // The translating node, when known, is the same for every endpoint: looked up once.
  const atNode: Party | undefined = at === undefined ? undefined : { endpoint: nodeNamed(index, at) };
  for (const to of set.serving) {
    for (const { party: seenAs, snat, policy } of masqueraded(inv, atNode, { endpoint: to.endpoint, address: to.address }, source)) hops.push({ to, seenAs, snat, ...(policy ? { policySeenAs: policy } : {}) });
  }
  return { ...base, hops, why: `${masqueradedBy}${policy}; ${set.note}` };
}

/**
 * A pod's connection to another node's node port leaves the pod's node through POSTROUTING, where
 * Calico's natOutgoing masquerades it to the node's address when the node port's address is outside
 * every IP pool (model/cni.ts natOutgoingPool): the translating node's kube-proxy then sees the pod's
 * node, a connection from outside (externalTrafficPolicy Local: that node's own endpoints only, the
 * source kept; no local one: dropped), not a pod's. The pod's node (a stand-in when the input lacks
 * its Node) and why, else undefined.
 */
function natOutgoingClient(index: InventoryIndex, client: Party, f: Frontend, at: string | undefined): { party: Party; why: string } | undefined {
  const inv = index.inv, pod = client.endpoint, to = f.address;
  if (!inv.calicoPools?.length || pod?.kind !== "pod" || pod.hostNetwork === true || pod.nodeName === undefined || !to) return undefined;
  const from = client.address ?? pod.addresses.find((a) => a.family === to.family);
  const pool = from && natOutgoingPool(inv.calicoPools, inv.calicoFelix, pod.nodeName, from, to, at);
  if (!pool) return undefined;
  const party: Party = { endpoint: nodeNamed(index, pod.nodeName) };
  return { party, why: `Calico natOutgoing (IP pool ${pool.name}) masquerades pod ${pod.namespace}/${pod.name}'s connection to node ${pod.nodeName}'s address on its way to ${formatAddress(to)}, outside every IP pool (cali-nat-outgoing): node ${at ?? "(not in the input)"}'s kube-proxy takes it for a connection from outside; ` };
}

/**
 * A pod's or a node's connection under an eBPF data path: translated at the client (Cilium bpf_sock.c
 * sock4_connect / the pod's bpf_lxc.c; Calico's connect-time load balancer / its tc program at the
 * workload's interface), so every endpoint kube-proxy would send a pod's connection to gets it with
 * the client's own address: no masquerading under either externalTrafficPolicy (Cilium's two-scope
 * services keep every endpoint for traffic from inside the cluster).
 */
function inClusterPath(bpf: Exclude<ServiceDataPath, { kind: "kube-proxy" }>, client: Party, set: ServingSet): { hops: ServiceHop[]; why: string } {
  const name = dataPathLabel(bpf);
  const snat = `none: ${name} translates the connection at the client's own socket, the client's address kept`;
  return { hops: set.serving.map((to) => ({ to, seenAs: client, snat })), why: `${name} translates a connection from inside the cluster at the client (externalTrafficPolicy does not apply to it); ${set.note}` };
}

/**
 * A connection from outside under an eBPF data path and externalTrafficPolicy Cluster (Local is
 * kube-proxy's reading: the entry node's endpoints, the source kept): Calico keeps the client's
 * address to every endpoint (Tunnel and DSR alike); Cilium keeps it to an endpoint on the entry node
 * and, under DSR (bpf-lb-mode dsr, hybrid for TCP: nodeport.h nodeport_uses_dsr), to every
 * endpoint, and SNATs the rest to the entry node's address (nodeport_lb4's NAT_FWD tail call). The
 * entry node unknown (a load balancer address or an external IP): an endpoint may get the connection
 * at its own node (the client kept) or through another node of each class (nodeSources).
 */
function outsidePath(index: InventoryIndex, bpf: Exclude<ServiceDataPath, { kind: "kube-proxy" }>, at: string | undefined, source: Party, serving: readonly Serving[], protocol: Protocol): { hops: ServiceHop[] } {
  const name = dataPathLabel(bpf);
  const dsr = bpf.kind === "calico-ebpf" || bpf.mode === "dsr" || (bpf.mode === "hybrid" && protocol === "TCP");
  const kept = (why: string) => ({ seenAs: source, snat: `none: ${name} ${why}, the client's address kept` });
  if (dsr) {
    const why = bpf.kind === "calico-ebpf" ? (bpf.mode === "DSR" ? "forwards to the endpoint's node (direct server return)" : "forwards to the endpoint's node in a tunnel") : `forwards to the endpoint's node (direct server return${bpf.mode === "hybrid" ? ": hybrid mode, TCP" : ""})`;
    return { hops: serving.map((to) => ({ to, ...kept(why) })) };
  }
  const inv = index.inv;
  const entry: Party | undefined = at === undefined ? undefined : { endpoint: nodeNamed(index, at) };
  const hops: ServiceHop[] = [];
  for (const to of serving) {
    const own = to.endpoint?.nodeName;
    if (entry ? own === at : true) hops.push({ to, ...kept(entry ? `delivers to an endpoint on the entry node ${at}` : `delivers to an endpoint on the node the connection enters at`) });
    const others = entry ? (own === at ? [] : [entry]) : nodeClasses(inv).length ? nodeSources(inv, own).filter((p) => p.endpoint!.name !== own) : [{ endpoint: standInNode() }];
    for (const seenAs of others) {
      const a = flowAddress(seenAs, { endpoint: to.endpoint, address: to.address });
      hops.push({ to, seenAs, snat: `SNAT by ${name}: the endpoint is on another node than the entry node ${seenAs.endpoint!.name}, which forwards it with its own address${a ? ` (${formatAddress(a)})` : ""} as the source${entry ? "" : " (the connection enters at any node: one node of each kind the policies tell apart)"}` });
    }
  }
  return { hops };
}

/**
 * Calico's eBPF data plane and a node's own connection to a loopback address at a node port: its
 * connect-time load balancer (bpf-gpl connect.h do_nat_common, nat_lookup.h calico_v4_nat_lookup)
 * finds no frontend for the address and falls back to the node ports' wildcard entry only for a
 * destination felix's route map marks as the host's, which holds the interfaces' global unicast
 * addresses only (dataplane/linux bpf_route_mgr.go onIfaceAddrsUpdate: IsGlobalUnicast), so never a
 * loopback one; the packet then goes over lo, where felix attaches no program: nothing translates it.
 */
function calicoLoopbackRefusal(bpf: ServiceDataPath, a: Address): string {
  return `${dataPathLabel(bpf)} never serves node ports on a loopback address: its connect-time load balancer finds no frontend for ${formatAddress(a)} and takes the node ports' entry only for an address felix's route map holds as the host's, the interfaces' global unicast addresses (bpf_route_mgr.go onIfaceAddrsUpdate), and lo has no program of felix's: nothing translates the connection (refused)`;
}

/** The load balancer of a Service (ipMode Proxy) without an ingress address in the input, as a source. */
function standInLoadBalancer(s: Service): Endpoint {
  return { id: -1, kind: "external", name: `(the load balancer of Service ${s.namespace}/${s.name})`, labels: {}, addresses: [], ports: [] };
}

/**
 * The nodes a masqueraded connection to `to` comes from, with the source NAT in words: `atNode`, the
 * node that translated it, else one node of each class it may enter at (nodeSources). kubeProxyPath's
 * node ports and outside addresses, and clusterIPSource's cluster IPs, alike.
 */
function masqueraded(inv: Inventory, atNode: Party | undefined, to: Party, client?: Party): { party: Party; snat: string; policy?: Party }[] {
  const nodes = atNode ? [atNode] : nodeSources(inv, to.endpoint?.nodeName);
  return nodes.map((party) => {
    const a = flowAddress(party, to);
    const which = atNode ? "" : ` (the connection enters at any node${nodes.length > 1 ? ": one node of each kind the policies tell apart" : ""})`;
    const seen = `masqueraded: the endpoint sees node ${party.endpoint!.name}${a ? ` (${formatAddress(a)})` : ""} as the source${which}`;
    if (client && policedBeforeMasquerade(inv, party, to)) {
      return { party, policy: client, snat: `${seen}, but felix judges an endpoint of the node that translated it before kube-proxy's masquerade (nat POSTROUTING), in the filter table (cali-FORWARD's workload dispatch; a host endpoint's cali-INPUT): its policy judges the client` };
    }
    return { party, snat: seen };
  });
}

/**
 * Whether the endpoint `to`'s policy judges a connection kube-proxy masquerades on node `at` before
 * the masquerade: under Calico's iptables or nftables data plane felix polices a workload in the
 * filter table's FORWARD hook (rules/static.go StaticFilterForwardChains: the to-workload dispatch)
 * and a host endpoint in INPUT, while kube-proxy masquerades in nat POSTROUTING (KUBE-POSTROUTING's
 * MASQUERADE of the marked packets), a later hook of the forwarded packet (and one a locally
 * delivered packet never meets): an endpoint on the translating node is judged on the client's
 * address. One on another node gets the packet masqueraded. (Calico's eBPF data plane, Cilium's:
 * model/cni.ts serviceDataPath, not kube-proxy.)
 */
function policedBeforeMasquerade(inv: Inventory, at: Party, to: Party): boolean {
  const node = at.endpoint?.kind === "node" ? at.endpoint.name : undefined;
  if (node === undefined || to.endpoint?.nodeName !== node) return false;
  const cnis = inputCnis(inv);
  return cnis.some((c) => c.family === "calico") && !cnis.some((c) => c.family === "cilium");
}

/**
 * The nodes a connection entering at any node may come from, masqueraded, for an endpoint on node
 * `own`: one node of each class the policies cannot tell apart (same labels, cluster and host
 * endpoint, addresses and Calico tunnel addresses in the same CIDRs the policies name), the
 * endpoint's own node apart (the own-node rules tell it from the others).
 *
 * (Not fast/classes.ts ClassTable: its keys need the fast engine's Vocabulary and Matcher, which a
 * single explain does not build; this key is finer than the policies need, every label, which only
 * costs a class per label set of nodes.)
 */
function nodeSources(inv: Inventory, own: string | undefined): Party[] {
  const classes = nodeClasses(inv);
  if (!classes.length) return [{ endpoint: standInNode(own) }];
  const out: Party[] = [];
  for (const members of classes) {
    const mine = members.find((n) => n.name === own);
    if (mine) out.unshift({ endpoint: mine });
    const other = members.find((n) => n !== mine);
    if (other) out.push({ endpoint: other });
  }
  return out;
}

/** The nodes by class (nodeSources), kept while the inventory's endpoints and policies stay the same lists. */
const CLASSES = new WeakMap<Inventory, { endpoints: readonly Endpoint[]; count: number; policies: unknown; policyCount: number; classes: Endpoint[][] }>();

function nodeClasses(inv: Inventory): Endpoint[][] {
  const cur = CLASSES.get(inv);
  if (cur && cur.endpoints === inv.endpoints && cur.count === inv.endpoints.length && cur.policies === inv.policies && cur.policyCount === inv.policies.length) return cur.classes;
  const ranges = mentionedRanges(inv);
  const byKey = new Map<string, Endpoint[]>();
  for (const n of inv.endpoints) {
    if (n.kind !== "node") continue;
    const inRanges = (a: Address | undefined) => (a ? ranges.flatMap((r, i) => (contains(r, a) ? [i] : [])).join(",") : "-");
    // Its Calico tunnel addresses too: the source of its traffic down the tunnel (engine/verdict.ts tunnelSource).
    const t = n.tunnels;
    // And its subnet: CrossSubnet encapsulation tunnels only to nodes outside it (verdict.ts poolTunnel, sameNodeSubnet).
    const tunnels = t ? [inRanges(t.ipip), inRanges(t.vxlan), inRanges(t.vxlanV6), t.subnetV4 ? formatRange(t.subnetV4) : "-", t.subnetV6 ? formatRange(t.subnetV6) : "-"] : [];
    const key = JSON.stringify([Object.entries(n.labels).sort(), n.cluster ?? "", n.hostEndpoint ? n.name : "", n.addresses.map(inRanges), tunnels]);
    const list = byKey.get(key);
    if (list) list.push(n); else byKey.set(key, [n]);
  }
  const classes = [...byKey.values()];
  CLASSES.set(inv, { endpoints: inv.endpoints, count: inv.endpoints.length, policies: inv.policies, policyCount: inv.policies.length, classes });
  return classes;
}

/**
 * The Service frontend a flow's destination and port name, other than a cluster IP: an external IP or
 * a load balancer address at one of the Service's ports (by number, or by name), or a node at a node
 * port. kube-proxy captures an external IP at its ports even when it is a node's address.
 */
export function frontendAt(inv: Inventory, dst: Party, port: number | string, protocol?: Protocol): Frontend | undefined {
  const node = dst.endpoint?.kind === "node" ? dst.endpoint : undefined;
  const address = dst.address ?? node?.addresses[0];
  if (!address) return undefined;
  const at = dst.address && serviceAtAddress(inv, dst.address);
  if (at) {
    const sp = servicePortAt(at.service, port, protocol);
    if (sp) return { kind: at.kind, service: at.service, port: sp, address, ...(at.proxy ? { proxy: true } : {}) };
  }
  if (node && typeof port === "number") {
    const np = nodePortAt(inv, port, protocol);
    if (np) return { kind: "node-port", service: np.service, port: np.port, address, node };
  }
  return undefined;
}

/**
 * A node's own connection (a node's, or a host-network pod's on its node) to a loopback address at a
 * node port: that node port on the client's own node (its OUTPUT chain meets kube-proxy's node ports
 * rule; loopbackNodePortRefusal says whether it serves the address). Undefined for any other flow: a
 * pod's 127.0.0.1 is its own network namespace's loopback, where no Service rule is.
 */
export function loopbackFrontend(index: InventoryIndex, dst: Party, port: number | string, protocol: Protocol | undefined, client: Party): Frontend | undefined {
  const a = dst.address;
  if (!a || dst.endpoint || typeof port !== "number" || !isLoopback(a)) return undefined;
  const node = hostOf(index, client);
  const np = node && nodePortAt(index.inv, port, protocol);
  return np ? { kind: "node-port", service: np.service, port: np.port, address: a, node } : undefined;
}

/** The party and port a client's egress policy sees when kube-proxy on its node did not translate the connection: the address dialled. */
export function dialled(f: Frontend): { party: Party; port: number } {
  return { party: { endpoint: f.node, address: f.address }, port: f.kind === "node-port" ? f.port.nodePort! : f.port.port };
}

/** A connection to a cluster IP that kube-proxy masquerades: what it was addressed to, why, and the nodes the endpoint may see. */
export interface ClusterIPNat { frontend: string; why: string; seen: { party: Party; snat: string; policy?: Party }[] }

/**
 * Whether kube-proxy masquerades `client`'s connection to a cluster IP of `s` at `port`, reaching
 * the endpoint `to` (pkg/proxy/iptables/proxier.go syncProxyRules, the "... cluster IP" rules of the
 * Service's internal chain: `-j KUBE-MARK-MASQ` under masqueradeAll, else
 * `localDetector.IfNotLocal()` when kube-proxy has a detector): the endpoint sees the node that
 * translated it (the client's own; from outside, any node it was routed to). Undefined: the source
 * is kept (and when the input does not show kube-proxy's configuration: answered as before).
 */
export function clusterIPSource(index: InventoryIndex, setup: KubeProxySetup, s: Service, port: ServicePort, client: Party, to: Party): ClusterIPNat | undefined {
  const inv = index.inv;
  // (Another data path than kube-proxy's translates at the client's socket, its source kept: model/cni.ts serviceDataPath.)
  if (!setup.known || s.headless || !s.clusterIPs.length || serviceDataPath(inv).kind !== "kube-proxy") return undefined;
  const family = flowAddress(client, to)?.family;
  const clusterIP = s.clusterIPs.find((a) => a.family === family) ?? s.clusterIPs[0];
  const { node } = originOf(client);
  let reason: string;
  if (setup.masqueradeAll) reason = "masqueradeAll: kube-proxy masquerades every connection to a cluster IP";
  else if (localTraffic(index, setup, client, { address: clusterIP }, node).local === false) reason = "the source is not a pod's to kube-proxy's local-traffic detector: it masquerades a connection to a cluster IP from outside the cluster (the \"cluster IP\" rule's IfNotLocal -j KUBE-MARK-MASQ)";
  else return undefined;
  const seen = masqueraded(inv, node !== undefined ? { endpoint: nodeNamed(index, node) } : undefined, to, client).filter((n) => n.party.endpoint !== client.endpoint);
  if (!seen.length) return undefined;
  return { frontend: `cluster IP ${formatAddress(clusterIP)} port ${port.port} of Service ${s.namespace}/${s.name}`, why: `${reason}; ${setupText(setup)}`, seen };
}

/**
 * The warning on a pod's connection to a load balancer address, external IP or node port of a
 * Service with externalTrafficPolicy Local when the input does not show kube-proxy's configuration:
 * it is answered as a pod's (any endpoint, the source kept: "pod traffic for ... external
 * destinations" matches localDetector.IfLocal()), as under a clusterCIDR holding the pod; without a
 * detector (no clusterCIDR) or from a pod outside it, kube-proxy takes it for external traffic: the
 * translating node's endpoints only, dropped without one.
 */
function podLocalUnknownWarning(inv: Inventory, s: Service, sp: ServicePort, at: string): { code: string; message: string } {
  const own = serviceServing(inv, s, sp, { reader: "kube-proxy", externalLocal: { node: at } }).serving.length;
  return {
    code: "kube-proxy-config",
    message: `${UNKNOWN_CONFIG}: this pod's connection is answered as a pod's (externalTrafficPolicy Local does not apply: any endpoint, the source kept), as by a kube-proxy whose clusterCIDR holds the pod; without clusterCIDR (no local-traffic detector), or from a pod outside it, kube-proxy takes it for external traffic: node ${at}'s endpoints only (${own ? `${own} there` : "it has none: dropped"}; --cluster-cidr or --detect-local-mode says which)`,
  };
}

const UNKNOWN_CONFIG = "kube-proxy's configuration is not in the input (the kube-proxy DaemonSet, ConfigMap kube-system/kube-proxy or kube-proxy-config)";

/** The warning on a node's own connection to 127.0.0.0/8 at a node port answered under kube-proxy's defaults (loopbackNodePortRefusal). */
const LOOPBACK_UNKNOWN = {
  code: "kube-proxy-config",
  message: `${UNKNOWN_CONFIG}: answered as by kube-proxy's defaults (iptables mode, iptables.localhostNodePorts true: the node port on the node's own loopback address); under --proxy-mode nftables or ipvs, --iptables-localhost-nodeports false, or --nodeport-addresses without a loopback address, nothing serves it (refused)`,
};

/**
 * The warning on a cluster IP answer that kube-proxy's configuration would change and the input does
 * not show it: a connection from outside the pod network (a host-network pod, a client outside the
 * cluster) keeps its source here, as under a kube-proxy without clusterCIDR; with clusterCIDR (kubeadm
 * sets it from the pod subnet) or masqueradeAll, kube-proxy masquerades it to a node.
 */
export function clusterIPUnknownWarning(inv: Inventory, setup: KubeProxySetup, s: Service, client: Party): { code: string; message: string } | undefined {
  if (setup.known || s.headless || !s.clusterIPs.length || serviceDataPath(inv).kind !== "kube-proxy") return undefined;
  const e = client.endpoint;
  if (e?.kind === "node" || (e?.kind === "pod" && e.hostNetwork !== true)) return undefined;
  return {
    code: "kube-proxy-config",
    message: `${UNKNOWN_CONFIG}: the source is kept, as by a kube-proxy without clusterCIDR; with --cluster-cidr (kubeadm sets it from the pod subnet) or --masquerade-all, kube-proxy masquerades this connection to a cluster IP from outside the pod network to a node, whose address the endpoint's policies then judge`,
  };
}
