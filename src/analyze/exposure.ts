// What the cluster exposes to the outside: every Gateway listener (Ingress classes included, as
// they are lowered into the route graph), OpenShift Route, LoadBalancer and NodePort Service, down
// to the workloads and target ports behind it, with whether the policies allow the last hop (for a
// Service's own addresses, from the source kube-proxy lets its pods see: engine/kube-proxy.ts); and
// the workloads the policies open to outside addresses though nothing routes to them.

import type { Endpoint, Service, ServicePort } from "../model/endpoint.js";
import { hasIngressSemantics } from "../model/gateway.js";
import { ingressClassOf } from "../model/nginx-controller.js";
import type { Inventory } from "../model/inventory.js";
import type { BackendRef, Route, RouteMatch } from "../model/route.js";
import { findService, servicePortsFor } from "../model/services.js";
import { isEmptyConns, subtractConns, unionConns, NO_CONNS, type ConnSet, type Protocol } from "../model/ports.js";
import type { GatewayEngine } from "../engine/gateway/engine.js";
import type { Connectivity } from "../engine/pairwise.js";
import { serviceEndpoints } from "../model/service-endpoints.js";
import type { PolicyEngine } from "../engine/verdict.js";
import { externalPeers, workloadPeers } from "./connlist.js";
import { gatewaySource, hopVerdict, ingressControllerSource, outsideSource, pairsVerdict, routerSource, type HopSource, type HopVerdict } from "./exposure-hops.js";
import { healthCheckServer, kubeProxyPath, nodePortScope, setupOf, sourceRangesOf, type Frontend } from "../engine/kube-proxy.js";
import { droppingNodes, hostFirewallAtHostPort } from "../engine/query.js";
import { forwardWarning, preDnatDecision, preDnatWho } from "../engine/calico-prednat.js";
import type { KubeProxySetup } from "../model/kube-proxy-config.js";
import { rangeParties } from "../engine/endpoints.js";
import type { Party } from "../engine/match.js";
import { formatAddress } from "../model/ip.js";
import { forwardsHostPorts } from "../model/hostports.js";

export interface ExposedTarget extends HopVerdict {
  /** np-guard's workload name, "ns/name[Kind]". */
  workload: string;
  protocol: Protocol;
  port: number;
}

export interface Exposure {
  kind: "Gateway" | "Ingress" | "Route" | "LoadBalancer" | "NodePort" | "ExternalIP" | "HostPort";
  /** The object that exposes: "ns/name". */
  exposedBy: string;
  /** How clients reach it: "HTTP :80 shop.example.com /api", "TCP :30080 (any node)". */
  entry: string;
  /** The backend the entry sends to: "ns/service:port". */
  backend: string;
  /** Who makes the last hop, for the policies. */
  from: string;
  targets: ExposedTarget[];
  /** Why nothing is reached (unresolved backend, no pods). */
  problem?: string;
}

export interface ExposureReport {
  exposures: Exposure[];
  /**
   * Workloads outside addresses may reach under the policies on ports nothing exposes: a workload
   * none of whose ports is routed, or a routed one whose other ports are open too.
   */
  unrouted: { workload: string; conns: ConnSet; routed: boolean }[];
}

export function exposureReport(inv: Inventory, engine: PolicyEngine, gateways: GatewayEngine, connectivity: Connectivity): ExposureReport {
  const exposures = [...gatewayExposures(inv, engine, gateways), ...classlessExposures(inv, engine), ...routeExposures(inv, engine), ...serviceExposures(inv, engine), ...hostPortExposures(inv, engine)];
  const exposed = new Map<string, ConnSet>();
  for (const t of exposures.flatMap((e) => e.targets)) {
    exposed.set(t.workload, unionConns(exposed.get(t.workload) ?? NO_CONNS, { ...NO_CONNS, [t.protocol]: [[t.port, t.port]] }));
  }
  return { exposures, unrouted: unrouted(inv, connectivity, exposed) };
}

/** Workload names ("ns/name[Kind]") of the inventory's pods. */
function workloadIds(inv: Inventory): Map<Endpoint, string> {
  return new Map(workloadPeers(inv).flatMap((w) => w.parties.map((p) => [p.endpoint!, w.id] as const)));
}

/** A pod's workload name (workloadIds), else the pod's own. */
function workloadOf(ids: ReadonlyMap<Endpoint, string>, pod: Endpoint): string {
  return ids.get(pod) ?? `${pod.namespace}/${pod.name}[Pod]`;
}

/** The targets behind one Service port (its EndpointSlices, or the pods it selects): per workload, its target port and the hop verdict. */
function serviceTargets(inv: Inventory, engine: PolicyEngine, s: Service, sp: ServicePort, from: HopSource): { targets: ExposedTarget[]; problem?: string } {
  const eps = serviceEndpoints(inv, s, sp);
  if (eps.from === "unknown") return { targets: [], problem: `the Service's endpoints are not in the input (${eps.note})` };
  const ids = workloadIds(inv);
  const byWorkload = new Map<string, { port: number; pods: Endpoint[] }[]>();
  for (const { pod, port } of eps.endpoints) {
    if (!pod) continue;
    const id = workloadOf(ids, pod);
    const list = byWorkload.get(id) ?? [];
    const same = list.find((x) => x.port === port);
    if (same) { if (!same.pods.includes(pod)) same.pods.push(pod); } else list.push({ port, pods: [pod] });
    byWorkload.set(id, list);
  }
  const targets = [...byWorkload].flatMap(([workload, ports]) => ports.map(({ port, pods }) => ({ workload, protocol: sp.protocol, port, ...hopVerdict(engine, from, pods, port, sp.protocol) })));
  const what = eps.from === "selector" ? "the Service selects no pods" : `no endpoint of the Service (${eps.note}) is a pod`;
  return { targets, problem: targets.length ? undefined : `${what}${typeof sp.targetPort === "string" ? ` declaring port ${sp.targetPort}` : ""} in the input` };
}

function gatewayExposures(inv: Inventory, engine: PolicyEngine, gateways: GatewayEngine): Exposure[] {
  const out: Exposure[] = [];
  for (const gw of gateways.gateways) {
    const ingress = hasIngressSemantics(gw.gateway);
    const from = ingress ? ingressControllerSource(inv, gw.gateway.derivedFrom?.name) : gatewaySource(inv, gw.gateway);
    for (const l of gw.merged.filter((x) => !x.accepted)) {
      for (const a of gateways.attached(l)) {
        const route = a.state.route;
        const head = `${l.listener.protocol} :${l.listener.port} ${a.attachment.hostnames.map((h) => h ?? "*").join(",")}`;
        for (const [b, matches] of backendMatches(route)) {
          const resolved = a.state.backends.get(b);
          const base = {
            kind: ingress ? "Ingress" as const : "Gateway" as const,
            exposedBy: ingress ? `${route.derivedFrom!.namespace}/${route.derivedFrom!.name}` : `${gw.gateway.namespace}/${gw.gateway.name}`,
            entry: head + matchesText(route, matches), backend: `${b.namespace}/${b.name}${b.port !== undefined ? `:${b.port}` : ""}`, from: from.description,
          };
          if (resolved?.workload) out.push({ ...base, targets: [{ workload: `${b.namespace}/${b.name}[Workload]`, protocol: l.listener.protocol === "UDP" ? "UDP" : "TCP", port: b.port ?? 0, ...hopVerdict(engine, from, [resolved.workload], b.port ?? 0) }] });
          else if (resolved?.service && resolved.servicePort) out.push({ ...base, ...serviceTargets(inv, engine, resolved.service, resolved.servicePort, from) });
          else out.push({ ...base, targets: [], problem: resolved?.problem ? `${resolved.problem.reason}: ${resolved.problem.message}` : "unresolved backend" });
        }
      }
    }
  }
  return out;
}

/** Each backendRef that takes traffic (weight > 0, no redirect), with the matches of every rule that sends to it. */
function backendMatches(route: Route): Map<BackendRef, RouteMatch[]> {
  const out = new Map<BackendRef, RouteMatch[]>();
  const seen = new Map<string, BackendRef>();
  for (const rule of route.rules) {
    if (rule.filters.some((f) => f.type === "RequestRedirect")) continue;
    for (const b of rule.backends.filter((x) => x.weight > 0)) {
      const key = `${b.group}/${b.kind}/${b.namespace}/${b.name}:${b.port}`;
      const ref = seen.get(key) ?? b;
      seen.set(key, ref);
      out.set(ref, [...(out.get(ref) ?? []), ...rule.matches]);
    }
  }
  return out;
}

/** " /api, /v2 (exact)", with "[by header]" when every match also needs headers. */
function matchesText(route: Route, matches: readonly RouteMatch[]): string {
  if (route.kind === "TLSRoute") return " (TLS passthrough)";
  const what = (m: RouteMatch) => m.path ? `${m.path.value}${m.path.type === "Exact" ? " (exact)" : m.path.type === "RegularExpression" ? " (regex)" : ""}`
    : m.grpc ? `${m.grpc.service ?? "*"}/${m.grpc.method ?? "*"}` : "";
  const text = [...new Set(matches.map(what).filter(Boolean))].join(", ");
  const headers = matches.every((m) => m.headers.length) ? " [by header]" : "";
  return text || headers ? ` ${text}${headers}` : "";
}

/**
 * Ingresses without class (and no default IngressClass) are served only by controllers told to
 * take them (ingress-nginx --watch-ingress-without-class); they are listed, with that assumption.
 */
function classlessExposures(inv: Inventory, engine: PolicyEngine): Exposure[] {
  const out: Exposure[] = [];
  const from = ingressControllerSource(inv);
  for (const ing of inv.ingress.ingresses.filter((i) => ingressClassOf(i, inv) === undefined)) {
    const base = { kind: "Ingress" as const, exposedBy: `${ing.namespace}/${ing.name}`, from: `${from.description}; the Ingress has no class: a controller serving class-less Ingresses is assumed` };
    const paths = ing.rules.flatMap((r) => r.paths.map((p) => ({ entry: `HTTP :80 ${r.host ?? "*"} ${p.path}${p.pathType === "Exact" ? " (exact)" : ""}`, backend: p.backend })));
    if (ing.defaultBackend) paths.push({ entry: "HTTP :80 (default backend)", backend: ing.defaultBackend });
    for (const { entry, backend } of paths) {
      if (backend.kind !== "service") continue;
      const s = findService(inv, ing.namespace, backend.name);
      const sp = s && servicePortsFor(s, backend.port, "service-port")[0];
      const name = `${ing.namespace}/${backend.name}:${backend.port}`;
      if (!s || !sp) out.push({ ...base, entry, backend: name, targets: [], problem: s ? `Service ${s.namespace}/${s.name} has no port ${backend.port}` : `Service ${ing.namespace}/${backend.name} not found` });
      else out.push({ ...base, entry, backend: `${s.namespace}/${s.name}:${sp.port}`, ...serviceTargets(inv, engine, s, sp, from) });
    }
  }
  return out;
}

/** OpenShift Routes: their host and path, to the Services' ports (every port without spec.port). */
function routeExposures(inv: Inventory, engine: PolicyEngine): Exposure[] {
  const from = inv.ingress.routes.length ? routerSource(inv) : undefined;
  const out: Exposure[] = [];
  for (const r of inv.ingress.routes) {
    const entry = `${r.termination ? "HTTPS" : "HTTP"} ${r.host ?? "(generated host)"}${r.path ?? ""}`;
    for (const b of r.backends.filter((x) => x.weight > 0)) {
      const s = findService(inv, r.namespace, b.name);
      const base = { kind: "Route" as const, exposedBy: `${r.namespace}/${r.name}`, entry, from: from!.description };
      if (!s) { out.push({ ...base, backend: `${r.namespace}/${b.name}`, targets: [], problem: `Service ${r.namespace}/${b.name} not found` }); continue; }
      for (const sp of servicePortsFor(s, r.targetPort, "any")) out.push({ ...base, backend: `${s.namespace}/${s.name}:${sp.port}`, ...serviceTargets(inv, engine, s, sp, from!) });
    }
  }
  return out;
}

/**
 * LoadBalancer and NodePort Services, and every Service's external IPs: each port, from outside the
 * cluster, along kube-proxy's path (engine/kube-proxy.ts): a load balancer admits only the sources in
 * its loadBalancerSourceRanges (its node ports, which the ranges do not cover, are then a row of
 * their own), and under externalTrafficPolicy Cluster the pods see a node's address, not the client's.
 * A LoadBalancer Service with allocateLoadBalancerNodePorts: false has node ports only where a port names one.
 */
function serviceExposures(inv: Inventory, engine: PolicyEngine): Exposure[] {
  const outside = outsideSource(inv);
  let ids: Map<Endpoint, string> | undefined;
  const out: Exposure[] = [];
  const setup = setupOf(inv, engine.options), scope = nodePortScope(setup), server = healthCheckServer(inv);
  for (const s of inv.services) {
    const lb = s.type === "LoadBalancer";
    const exposedBy = `${s.namespace}/${s.name}`;
    for (const sp of s.ports) {
      const backend = `${s.namespace}/${s.name}:${sp.port}`;
      const hasNodePort = s.type === "NodePort" || (lb && (sp.nodePort !== undefined || s.allocateLoadBalancerNodePorts !== false));
      const node = sp.nodePort !== undefined ? `nodePort ${sp.nodePort}` : "a nodePort";
      const ranges = lb ? sourceRangesOf(s)?.ranges : undefined;
      const add = (kind: Exposure["kind"], entry: string, f: Frontend) => out.push({ kind, exposedBy, entry, backend, ...frontendTargets(inv, engine, f, outside, ids ??= workloadIds(inv), setup) });
      if (lb) {
        const addresses = s.loadBalancerIngress?.map((x) => `${formatAddress(x.ip)}${x.proxy ? " (ipMode Proxy)" : ""}`).join(", ");
        // (externalTrafficPolicy Local: kube-proxy's health check server, or the data path's in its place, answers the load balancer's probes on every node.)
        const health = s.healthCheckNodePort !== undefined ? `; health check: ${server ?? "kube-proxy"} answers nodePort ${s.healthCheckNodePort} ${server ? "on every node" : scope}` : "";
        const also = `${hasNodePort && !ranges ? `; also ${node} ${scope}` : ""}${health}`;
        const proxy = s.loadBalancerIngress?.length ? s.loadBalancerIngress.every((x) => x.proxy) : false;
        add("LoadBalancer", `${sp.protocol} :${sp.port} (load balancer${addresses ? ` ${addresses}` : ""}${also})`, { kind: "load-balancer", service: s, port: sp, address: s.loadBalancerIngress?.[0]?.ip, ...(proxy ? { proxy } : {}) });
      }
      if (hasNodePort && (!lb || ranges)) {
        add("NodePort", `${sp.protocol} ${node} ${scope}${ranges ? " (not subject to loadBalancerSourceRanges)" : ""}`, { kind: "node-port", service: s, port: sp });
      }
      for (const ip of s.externalIPs ?? []) add("ExternalIP", `${sp.protocol} ${formatAddress(ip)}:${sp.port} (external IP)`, { kind: "external-ip", service: s, port: sp, address: ip });
    }
  }
  return out;
}

/**
 * The targets behind a Service frontend reached from outside: per outside party, kube-proxy's path
 * (kubeProxyPath: the endpoints, the source they see, or the drop), then per workload and port the
 * verdicts of the sources the pods see.
 */
function frontendTargets(inv: Inventory, engine: PolicyEngine, f: Frontend, outside: HopSource, ids: ReadonlyMap<Endpoint, string>, setup: KubeProxySetup): { from: string; targets: ExposedTarget[]; problem?: string } {
  const groups = new Map<string, { workload: string; port: number; pairs: { src: Party; pod: Endpoint; forwarded?: boolean }[] }>();
  const given = f.kind === "load-balancer" ? sourceRangesOf(f.service) : undefined, ranges = given?.ranges;
  const dropped: string[] = [];
  let admitted = 0, seen: "client" | "node" | "proxy" | undefined;
  let why = "", dataPath: string | undefined, sawNode = false;
  const firewalled = new Set<string>();
  // A load balancer admits the sources in its ranges: the outside addresses there, one per class the policies tell apart.
  const clients = ranges ? ranges.flatMap((r) => rangeParties(engine.index, r)) : outside.parties;
  for (const client of clients) {
    const path = kubeProxyPath(engine.index, f, client, setup);
    if (path.unknown) return { from: outside.description, targets: [], problem: path.unknown };
    if (path.dropped) { dropped.push(path.dropped); continue; }
    const firewall = path.dataPath === undefined ? droppingNodes(engine, f, client, setup) : undefined;
    if (firewall?.every) { dropped.push(firewall.why); continue; }
    if (firewall) firewalled.add(firewall.why);
    admitted++;
    why = path.why;
    dataPath = path.dataPath;
    for (const hop of path.hops) {
      const pod = hop.to.endpoint;
      if (!pod) continue;
      seen = hop.seenAs === client ? "client" : hop.seenAs.endpoint?.kind === "node" ? "node" : "proxy";
      if (seen === "node") sawNode = true;
      const workload = workloadOf(ids, pod);
      const key = `${workload}\0${hop.to.port}`;
      const g = groups.get(key) ?? { workload, port: hop.to.port, pairs: [] };
      // (The source its policy judges: under Calico an endpoint of the translating node's sees the client there, engine/kube-proxy.ts ServiceHop.policySeenAs.)
      const judged = hop.policySeenAs ?? hop.seenAs;
      if (!g.pairs.some((p) => p.pod === pod && p.src.endpoint === judged.endpoint && p.src.address === judged.address)) g.pairs.push({ src: judged, pod, ...(hop.seenAs !== client ? { forwarded: true } : {}) });
      groups.set(key, g);
    }
  }
  const named = given?.cloud ? "the load-balancer-source-ranges annotation (the cloud load balancer's)" : "loadBalancerSourceRanges";
  const within = ranges ? ` within ${named} ${ranges.map((r) => r.text).join(", ")}` : "";
  const unknownNodes = seen === "node" && !inv.endpoints.some((e) => e.kind === "node") ? "; no Node is in the input: its address, unknown, matches no CIDR of the policies" : "";
  const sees = dataPath && seen !== "proxy" ? `; the pods see ${sawNode ? "the entry node's address when they are on another node, else the client's" : "the client's address"} (${dataPath})`
    : seen === "node" ? `; the pods see a node's address (kube-proxy masquerades: externalTrafficPolicy Cluster)${unknownNodes}`
    : seen === "proxy" ? "; the pods see the load balancer (ipMode Proxy)" : seen === "client" ? "; the client's address kept (externalTrafficPolicy Local)" : "";
  // Calico applyOnForward policies of the nodes' host endpoints judge the forwarded connection too (not modelled: said).
  const forward = f.kind === "node-port" && engine.inventory.calicoForward ? engine.inventory.endpoints.flatMap((n) => forwardWarning(engine, n, undefined)?.message ?? []) : [];
  // Some outside addresses dropped before any endpoint (a preDNAT policy, the host firewall) while others get in: said.
  const some = dropped.length && admitted ? [`not from every outside address: ${[...new Set(dropped)].join("; ")}`] : [];
  const from = `${outside.description}${within}${sees}${[...firewalled, ...forward, ...some].map((x) => `; ${x}`).join("")}`;
  if (!admitted) return { from, targets: [], problem: dropped[0] ?? "no outside address" };
  const targets = [...groups.values()].map((g) => ({ workload: g.workload, protocol: f.port.protocol, port: g.port, ...pairsVerdict(engine, g.pairs, g.port, f.port.protocol) }));
  if (targets.length) return { from, targets };
  const eps = serviceEndpoints(inv, f.service, f.port);
  return { from, targets, problem: `${eps.from === "selector" ? "the Service selects no pods" : `no endpoint of the Service (${eps.note}) is a pod`} in the input${why ? ` (${why})` : ""}` };
}

/**
 * Pods with a hostPort, scheduled on a node: its portmap forwards the node's port, on every address of
 * the node (or on hostIP), to the pod (model/hostports.ts), from outside the cluster. The hop is the
 * forwarded flow's (engine/verdict.ts HostPortHop): an outside source's egress is no policy's, the
 * pod's ingress policy judges the containerPort.
 */
function hostPortExposures(inv: Inventory, engine: PolicyEngine): Exposure[] {
  const index = engine.index.hostPorts;
  if (!index.any) return [];
  const outside = outsideSource(inv), ids = workloadIds(inv);
  const out: Exposure[] = [];
  for (const pod of inv.endpoints) {
    if (!forwardsHostPorts(pod)) continue;
    for (const p of pod.ports) {
      // (A hostIP that is no address: forwarded from nowhere, model/hostports.ts.)
      if (p.hostPort === undefined || p.hostIPInvalid) continue;
      const on = p.hostIP && p.hostIP.value !== 0n ? `hostIP ${formatAddress(p.hostIP)} of node ${pod.nodeName}` : `every ${p.hostIP ? `IPv${p.hostIP.family} ` : ""}address of node ${pod.nodeName}`;
      const workload = workloadOf(ids, pod);
      const base = { kind: "HostPort" as const, exposedBy: `${pod.namespace}/${pod.name}`, entry: `${p.protocol} hostPort ${p.hostPort} on ${on}`, backend: `${pod.namespace}/${pod.name}:${p.port}` };
      // A Calico preDNAT policy of the node's host endpoint sees the hostPort before portmap's DNAT (engine/calico-prednat.ts).
      const node = pod.nodeName !== undefined ? engine.index.nodesByName.get(pod.nodeName) : undefined;
      const address = p.hostIP && p.hostIP.value !== 0n ? p.hostIP : node?.addresses[0];
      const drops = node && address ? outside.parties.map((c) => preDnatDecision(engine, c, node, address, p.protocol, p.hostPort!)).filter((d) => d !== undefined && !d.allowed) : [];
      // Cilium's host firewall without its kube-proxy replacement, likewise (engine/query.ts hostFirewallAtHostPort).
      const fw = node && address ? outside.parties.map((c) => hostFirewallAtHostPort(engine, c, node.name, address, p.protocol, p.hostPort!)) : [];
      const parties = drops.length || fw.some((x) => x) ? outside.parties.filter((c, i) => !fw[i] && preDnatDecision(engine, c, node!, address!, p.protocol, p.hostPort!)?.allowed !== false) : outside.parties;
      const walled = fw.find((x) => x !== undefined);
      const why = drops.length ? `${preDnatWho(drops[0]!, ", before portmap's DNAT")} drops it at node ${node!.name}` : walled ? walled.why : "";
      if (!parties.length) { out.push({ ...base, from: outside.description, targets: [], problem: why }); continue; }
      out.push({
        ...base, from: `${outside.description}${why ? `; not from every outside address: ${why}` : ""}`,
        targets: [{ workload, protocol: p.protocol, port: p.port, ...hopVerdict(engine, { ...outside, parties }, [pod], p.port, p.protocol) }],
      });
    }
  }
  return out;
}

/** Per workload, what outside addresses may open beyond the ports that are routed to it. */
function unrouted(inv: Inventory, connectivity: Connectivity, exposed: ReadonlyMap<string, ConnSet>): ExposureReport["unrouted"] {
  const externals = externalPeers(inv).flatMap((p) => p.parties);
  const out: ExposureReport["unrouted"] = [];
  for (const w of workloadPeers(inv)) {
    let conns = NO_CONNS;
    for (const src of externals) for (const dst of w.parties) conns = unionConns(conns, connectivity.conns(src, dst));
    const routed = exposed.get(w.id);
    const open = routed ? subtractConns(conns, routed) : conns;
    if (!isEmptyConns(open)) out.push({ workload: w.id, conns: open, routed: routed !== undefined });
  }
  return out;
}
