// A connectivity question between two resolved endpoints: every (source, destination) pair is
// evaluated; a Service destination is evaluated on its backends after targetPort resolution.

import { didYouMean } from "../model/suggest.js";
import type { Endpoint, Service, ServicePort } from "../model/endpoint.js";
import { matches, selector } from "../model/selector.js";
import { serviceEndpoints, targetPortOn } from "../model/service-endpoints.js";
import { servicePortAt } from "../model/services.js";
import { addressKey, formatAddress, type Address } from "../model/ip.js";
import type { Protocol } from "../model/ports.js";
import type { Party } from "./match.js";
import type { Resolved } from "./endpoints.js";
import type { Decision, PolicyEngine, Verdict, Warning } from "./verdict.js";
import { clusterIPSource, clusterIPUnknownWarning, dialled, frontendAt, frontendLabel, healthCheckAt, kubeProxyPath, loopbackFrontend, servesNodePort, setupOf, type Frontend } from "./kube-proxy.js";
import type { KubeProxySetup } from "../model/kube-proxy-config.js";
import { serviceServing } from "./serving.js";
import { bpfWorkloadWarning, forwardedNodes, forwardWarning, preDnatDecision, preDnatWho, withPodPreDnat } from "./calico-prednat.js";
import { withUntracked } from "./calico-untracked.js";

export interface PairResult {
  src: Party;
  dst: Party;
  protocol: Protocol;
  port: number;
  /** How the destination port was found, e.g. "service port 80 → targetPort http → 8080". */
  via?: string;
  /** Set when the cluster has user-defined or secondary networks: the network the flow took is part of the answer. */
  network?: boolean;
  verdict: Verdict;
  /**
   * A flow to a Service address other than its cluster IP (engine/kube-proxy.ts): the address, how
   * kube-proxy chose, and the source the endpoint sees when kube-proxy masqueraded it (the ingress
   * decision is about that source; the egress decision about the client).
   */
  /** dataPath: the Service data path when not kube-proxy (model/cni.ts serviceDataPath). */
  service?: { frontend: string; why: string; seenAs?: Party; snat?: string; dataPath?: string };
}

export interface QueryResult {
  pairs: PairResult[];
  /** Every pair allowed / no pair allowed (both false: mixed). */
  allAllowed: boolean;
  noneAllowed: boolean;
}

export type QueryOutcome = { ok: true; value: QueryResult } | { ok: false; error: string };

interface Target { dst: Party; protocol: Protocol; port: number; via?: string }

/** `network`: the network flows take (a secondary network's id); undefined: each pair's primary network. */
export function evaluateQuery(engine: PolicyEngine, from: Resolved, to: Resolved, port: number | string, protocol?: Protocol, network?: string): QueryOutcome {
  if (from.kind === "service") return { ok: false, error: `${from.label} is a Service; a Service can only be a destination` };
  const single = to.kind === "parties" && to.parties.length === 1 ? to.parties[0] : undefined;
  const frontend = single && frontendAt(engine.inventory, single, port, protocol);
  if (frontend) return frontendQuery(engine, from.parties, frontend, network);
  const fixed = to.kind === "parties" ? partyTargets(to.parties, port, protocol) : undefined;
  if (typeof fixed === "string") return { ok: false, error: fixed };
  const pairs: PairResult[] = [];
  const multi = engine.inventory.podNetworks.length > 0 ? { network: true } : {};
  const on = network ? { network } : {};
  // A Service's cluster IP: kube-proxy may masquerade the connection (clusterIPSource).
  const svc = to.kind === "service" ? to.service : undefined;
  const sp = svc && servicePortAt(svc, port, protocol);
  const setup = setupOf(engine.inventory, engine.options);
  for (const src of from.parties) {
    // A node's address (or a node's own loopback) at a healthCheckNodePort: kube-proxy's own server, the node's flow (the answer says so).
    const health = single && healthCheckAt(engine.index, setup, single, port, protocol, src);
    // A node's own connection to 127.0.0.1 at a node port: that node port on its own node (the frontend is the client's).
    const loopback = single && loopbackFrontend(engine.index, single, port, protocol, src);
    if (loopback) {
      const out = frontendPairs(engine, src, loopback, setup, on, multi);
      if (typeof out === "string") return { ok: false, error: out };
      pairs.push(...out);
      continue;
    }
    // A Service's endpoints are chosen per client (internalTrafficPolicy Local: the client's node).
    const targets = fixed ?? serviceTargets(engine, svc!, sp, port, protocol, src);
    if (typeof targets === "string") return { ok: false, error: targets };
    if (!Array.isArray(targets)) {
      const v = engine.evaluate({ src, dst: targets.dst, protocol: targets.protocol, port: targets.port, ...on });
      pairs.push({ src, dst: targets.dst, protocol: targets.protocol, port: targets.port, ...multi, verdict: droppedVerdict(v, targets.dropped) });
      continue;
    }
    if (health) {
      for (const t of targets) {
        // (Addressed to the node: its host endpoint's preDNAT policies judge it before kube-proxy's server sees it.)
        const v = withPreDnat(engine, src, t.dst, t.protocol, t.port, engine.evaluate({ src, dst: t.dst, protocol: t.protocol, port: t.port, ...on }));
        const verdict = health.refused ? droppedVerdict(v, health.refused) : v;
        pairs.push({ src, ...t, ...multi, verdict: health.warning ? { ...verdict, warnings: [...verdict.warnings, health.warning] } : verdict, service: { frontend: health.frontend, why: health.refused ?? health.why } });
      }
      continue;
    }
    for (const t of targets) {
      const nat = svc && sp ? clusterIPSource(engine.index, setup, svc, sp, src, t.dst) : undefined;
      if (!nat) {
        const plain = engine.evaluate({ src, dst: t.dst, protocol: t.protocol, port: t.port, ...on });
        // felix's raw table (doNotTrack) comes before mangle PREROUTING (preDNAT): it decides first, when it does.
        const raw = withUntracked(engine, src, t.dst, t.protocol, t.port, plain);
        const v = raw.ingress !== plain.ingress ? raw : withPreDnat(engine, src, t.dst, t.protocol, t.port, raw);
        const unknown = svc && clusterIPUnknownWarning(engine.inventory, setup, svc, src);
        pairs.push({ src, ...t, ...multi, verdict: unknown ? { ...v, warnings: [...v.warnings, unknown] } : v });
        continue;
      }
      // The client's egress is judged on the endpoint (translated on its node); the endpoint's ingress on the node it sees.
      const outbound = engine.evaluate({ src, dst: t.dst, protocol: t.protocol, port: t.port, ...on });
      for (const seen of nat.seen) {
        // (The endpoint's node's preDNAT policies see the connection as it arrives: from the source seen, to the endpoint.)
        // (Under Calico an endpoint of the client's node is judged before the masquerade: seen.policy, the client.)
        const judged = seen.policy ?? seen.party;
        const inbound = withPodPreDnat(engine, judged, t.dst, t.protocol, t.port, engine.evaluate({ src: judged, dst: t.dst, protocol: t.protocol, port: t.port, ...on })).verdict;
        pairs.push({ src, ...t, ...multi, verdict: joined(outbound, inbound), service: { frontend: nat.frontend, why: nat.why, seenAs: seen.party, snat: seen.snat } });
      }
    }
  }
  return outcome(pairs);
}

/** Flows to a node port, a load balancer address or an external IP: kube-proxy's path to the endpoints, per client (kubeProxyPath). */
function frontendQuery(engine: PolicyEngine, clients: readonly Party[], f: Frontend, network?: string): QueryOutcome {
  const pairs: PairResult[] = [];
  const multi = engine.inventory.podNetworks.length > 0 ? { network: true } : {};
  const on = network ? { network } : {};
  const setup = setupOf(engine.inventory, engine.options);
  for (const src of clients) {
    const out = frontendPairs(engine, src, f, setup, on, multi);
    if (typeof out === "string") return { ok: false, error: out };
    pairs.push(...out);
  }
  return outcome(pairs);
}

/** One client's pairs through the frontend `f` (kubeProxyPath); a string: the path is not known (the error). */
function frontendPairs(engine: PolicyEngine, src: Party, f: Frontend, setup: KubeProxySetup, on: { network?: string }, multi: { network?: boolean }): PairResult[] | string {
  const protocol = f.port.protocol;
  const frontend = frontendLabel(f);
  const path = kubeProxyPath(engine.index, f, src, setup);
  if (path.unknown) return `${frontend}: ${path.unknown}`;
  const out = dialled(f);
  if (path.dropped) {
    const v = engine.evaluate({ src, dst: out.party, protocol, port: out.port, ...on });
    return [{ src, dst: out.party, protocol, port: out.port, ...multi, verdict: droppedVerdict(v, path.dropped), service: { frontend, why: path.dropped, ...(path.dataPath ? { dataPath: path.dataPath } : {}) } }];
  }
  const firewall = hostFirewallAtNodePort(engine, src, f, path.dataPath, on);
  if (firewall) return [{ src, dst: out.party, protocol, port: out.port, ...multi, verdict: droppedVerdict(firewall.verdict, firewall.why), service: { frontend, why: firewall.why } }];
  const pre = path.dataPath === undefined && f.kind === "node-port" && f.node ? preDnatDecision(engine, src, f.node, f.address, protocol, out.port) : undefined;
  if (pre && !pre.allowed) {
    const v = engine.evaluate({ src, dst: out.party, protocol, port: out.port, ...on });
    return [{ src, dst: out.party, protocol, port: out.port, ...multi, verdict: { ...v, allowed: false, ingress: pre, warnings: v.egress.warnings }, service: { frontend, why: `${preDnatWho(pre)} drops it at node ${f.node!.name}'s node port ${out.port}, before kube-proxy's DNAT` } }];
  }
  // A load balancer's or an external IP's address, at whichever node the network delivers it to.
  const nodes = path.dataPath === undefined && f.kind !== "node-port" && !path.translatedAtClient ? droppingNodes(engine, f, src, setup) : undefined;
  if (nodes?.every) {
    const v = engine.evaluate({ src, dst: out.party, protocol, port: out.port, ...on });
    return [{ src, dst: out.party, protocol, port: out.port, ...multi, verdict: droppedVerdict(v, nodes.why), service: { frontend, why: nodes.why } }];
  }
  const noted: Warning | undefined = nodes ? { code: "calico-prednat", message: nodes.why } : undefined;
  // (A preDNAT Allow skips the host endpoint's forward policy: rules/static.go StaticFilterForwardChains, `MarkClear(r.MarkAccept)`.)
  const forward = f.kind === "node-port" && !pre ? forwardWarning(engine, f.node, undefined) : undefined;
  return path.hops.map((hop) => {
    const dst: Party = { endpoint: hop.to.endpoint, address: hop.to.address };
    const via = `${frontend} → ${hop.to.via ?? `port ${hop.to.port}`}`;
    // (The source the endpoint's policy judges: under Calico an endpoint of the translating node's is the client, hop.policySeenAs.)
    const judged = hop.policySeenAs ?? hop.seenAs;
    const plain = engine.evaluate({ src: judged, dst, protocol, port: hop.to.port, ...on });
    // An endpoint on another node than the one translating it (kube-proxy's node port's node; the node a
    // load balancer's or an external IP's connection enters, masqueraded to it; the client's, translated
    // there): the connection, translated, arrives through the endpoint's node's host endpoint, whose
    // preDNAT policies judge it (withPodPreDnat); on the entering node they judged the address dialled.
    const entered = f.node ?? (hop.seenAs !== src && hop.seenAs.endpoint?.kind === "node" ? hop.seenAs.endpoint : undefined);
    const crosses = path.dataPath === undefined && (path.translatedAtClient || (entered !== undefined && hop.to.endpoint?.nodeName !== entered.name));
    const inbound = crosses ? withPodPreDnat(engine, judged, dst, protocol, hop.to.port, plain).verdict : plain;
    const outbound = path.translatedAtClient && hop.seenAs === src ? inbound : engine.evaluate({ src, dst: path.translatedAtClient ? dst : out.party, protocol, port: path.translatedAtClient ? hop.to.port : out.port, ...on });
    const both = joined(outbound, inbound);
    const extra = [...(path.warning ? [path.warning] : []), ...(forward ? [forward] : []), ...(noted ? [noted] : [])];
    const verdict = extra.length ? { ...both, warnings: [...both.warnings, ...extra] } : both;
    return { src, dst, protocol, port: hop.to.port, via, ...multi, verdict, service: { frontend, why: path.why, ...(hop.seenAs !== src ? { seenAs: hop.seenAs } : {}), ...(hop.snat ? { snat: hop.snat } : {}), ...(path.dataPath ? { dataPath: path.dataPath } : {}) } };
  });
}

/**
 * A node port of a node Cilium's host firewall polices, when kube-proxy (not the agent's kube-proxy
 * replacement: `dataPath` unset) translates it: the host's ingress policy sees the packet addressed to
 * the node port before kube-proxy's DNAT (bpf_host.c from-netdev, and to-host for a local pod's packets;
 * Documentation/security/policy/host.rst, known issues: "When kube-proxy-replacement is disabled ...
 * hosts will enforce Host Policies on service addresses rather than the service endpoints"). The
 * verdict at the node port when it denies the connection; undefined when it lets it through.
 */
export function hostFirewallAtNodePort(engine: PolicyEngine, src: Party, f: Frontend, dataPath: string | undefined, on: { network?: string }): { verdict: Verdict; why: string } | undefined {
  if (dataPath !== undefined || f.kind !== "node-port" || f.node === undefined || engine.matcher.ciliumHostOf(f.node) === undefined) return undefined;
  const at = dialled(f);
  const verdict = engine.evaluate({ src, dst: at.party, protocol: f.port.protocol, port: at.port, ...on });
  if (verdict.ingress.allowed) return undefined;
  const by = verdict.ingress.policy ? ` (${verdict.ingress.policy.kind} ${verdict.ingress.policy.name})` : verdict.ingress.selecting.length ? ` (isolated by ${verdict.ingress.selecting.map((p) => `${p.kind} ${p.name}`).join(", ")})` : "";
  return { verdict, why: `Cilium's host firewall drops it at node ${f.node.name}'s node port ${at.port}: without the agent's kube-proxy replacement the host's ingress policy${by} sees the connection before kube-proxy's DNAT, and denies it` };
}

/**
 * A connection to a node's hostPort (`nodeName`, at `address`) on a node Cilium's host firewall polices,
 * without the agent's kube-proxy replacement: the hostPort is then the portmap plugin's DNAT (iptables
 * nat PREROUTING: Cilium serves hostPorts itself only with the replacement), which comes after
 * bpf_host's programs; they run the host's ingress policy on a packet to a host address as it
 * arrives (bpf/bpf_host.c handle_ipv4: "We're on the ingress path of the native device",
 * ipv4_host_policy_ingress, after the ENABLE_NODEPORT translation only the replacement has; a pod of
 * the node's through to-host). Documentation/security/policy/host.rst, known issues: "When
 * kube-proxy-replacement is disabled ... hosts will enforce Host Policies on service addresses rather
 * than the service endpoints" (cilium#12545). The host's denying decision and why; undefined when it
 * lets it through (or the node's own connection, which no bpf_host ingress program sees).
 */
export function hostFirewallAtHostPort(engine: PolicyEngine, src: Party, nodeName: string, address: Address, protocol: Protocol, port: number): { decision: Decision; why: string } | undefined {
  const node = engine.index.nodesByName.get(nodeName);
  if (!node || engine.inventory.ciliumAgent?.services?.kubeProxyReplacement || engine.matcher.ciliumHostOf(node) === undefined || engine.matcher.nodeOf(src) === node) return undefined;
  const dst: Party = { endpoint: node, address };
  const d = engine.decide("ingress", dst, src, { src, dst, protocol, port }, engine.matcher.destPorts(node));
  if (d.allowed) return undefined;
  const by = d.policy ? ` (${d.policy.kind} ${d.policy.name})` : d.selecting.length ? ` (isolated by ${d.selecting.map((p) => `${p.kind} ${p.name}`).join(", ")})` : "";
  return { decision: d, why: `Cilium's host firewall drops it at node ${node.name}'s hostPort ${port}: without the agent's kube-proxy replacement the hostPort is the portmap plugin's DNAT, after the host's ingress policy${by}, which denies it` };
}

/**
 * A connection to a node's own address (a host-network pod's too): a Calico preDNAT policy of its host endpoint decides it first
 * (engine/calico-prednat.ts): its Deny drops it, its Allow accepts it (felix's filter INPUT chain
 * `acceptAlreadyAccepted`: the normal host endpoint policy is not run); no match leaves `v`.
 */
function withPreDnat(engine: PolicyEngine, src: Party, dst: Party, protocol: Protocol, port: number, v: Verdict): Verdict {
  // Cilium's host firewall without its kube-proxy replacement judges a hostPort as the host's own port first.
  const fw = v.hostPort ? hostFirewallAtHostPort(engine, src, v.hostPort.node, v.hostPort.address, protocol, port) : undefined;
  if (fw) {
    const { hostPort: _forwarded, ...rest } = v;
    const where: Warning = { code: "cilium-host-firewall", message: fw.why };
    return { ...rest, allowed: false, ingress: { ...fw.decision, warnings: [...fw.decision.warnings, where] }, warnings: [...v.egress.warnings, where] };
  }
  const node = dst.endpoint;
  const pre = node ? preDnatDecision(engine, src, node, dst.address, protocol, port) : undefined;
  // (At a hostPort the pod is the destination: a preDNAT Allow leaves it to the pod's policy, a Deny drops it before portmap's DNAT.)
  if (pre && !(v.hostPort && pre.allowed)) {
    const { hostPort: _forwarded, ...rest } = v;
    return { ...rest, allowed: v.egress.allowed && pre.allowed, ingress: pre, warnings: v.egress.warnings };
  }
  // A pod's address reached from off its node (an outside address over a routable pod network, no
  // DNAT): its node's host endpoint's preDNAT policies judge it first (withPodPreDnat).
  const atPod = pre ? undefined : withPodPreDnat(engine, src, dst, protocol, port, v);
  if (atPod && !atPod.verdict.allowed && v.allowed) return atPod.verdict;
  // A pod's connection across nodes is forwarded by both: their host endpoints' applyOnForward policies are not answered
  // (the receiving node's not after a preDNAT Allow: rules/static.go StaticFilterForwardChains, `MarkClear(r.MarkAccept)`).
  const { into, outOf } = engine.inventory.calicoForward ? forwardedNodes(engine, src, dst) : {};
  const forward = ((into && !atPod?.accepted) || outOf) && v.allowed ? forwardWarning(engine, atPod?.accepted ? undefined : into, outOf) : undefined;
  const wep = v.allowed ? bpfWorkloadWarning(engine, src) : undefined;
  const more = [...(forward ? [forward] : []), ...(wep ? [wep] : [])];
  return more.length ? { ...v, warnings: [...v.warnings, ...more] } : v;
}

/**
 * A Service frontend any node may receive (exposure's node ports of every node; a load balancer's or an
 * external IP's address, `explain`'s too), from `client`, where kube-proxy translates it (no other data
 * path): what each node does before kube-proxy's DNAT, as to one node's address: Cilium's host firewall,
 * whose host policy sees a node port (hostFirewallAtNodePort; a service address is no host address), and
 * a Calico preDNAT policy of its host endpoint (preDnatDecision), which sees the address and port dialled.
 * `every`: each node the input shows drops it; else the nodes that do, for a note (it is reached through
 * the others). Undefined: no node drops it (or none is in the input).
 */
export function droppingNodes(engine: PolicyEngine, f: Frontend, client: Party, setup: KubeProxySetup): { every: boolean; why: string } | undefined {
  const cilium = engine.inventory.ciliumAgent?.hostFirewall === true && f.kind === "node-port", calico = (engine.inventory.calicoPreDnat?.length ?? 0) > 0;
  if (f.node !== undefined || (f.kind === "load-balancer" && f.proxy) || (!cilium && !calico)) return undefined;
  const drops = new Map<string, string[]>();
  let served = 0;
  for (const node of engine.inventory.endpoints) {
    if (node.kind !== "node") continue;
    const address = f.kind !== "node-port" ? f.address : node.addresses.find((a) => (client.address === undefined || a.family === client.address.family) && servesNodePort(setup, node, a));
    if (!address) continue;
    served++;
    const at = dialled({ ...f, node, address });
    const pre = calico ? preDnatDecision(engine, client, node, address, f.port.protocol, at.port) : undefined;
    const why = cilium && hostFirewallAtNodePort(engine, client, { ...f, node, address }, undefined, {}) ? "Cilium's host firewall (without the agent's kube-proxy replacement the host policy sees the node port before kube-proxy's DNAT)"
      : pre && !pre.allowed ? preDnatWho(pre, ", before kube-proxy's DNAT") : undefined;
    if (why) drops.set(why, [...(drops.get(why) ?? []), node.name]);
  }
  if (!drops.size) return undefined;
  const count = [...drops.values()].reduce((n, x) => n + x.length, 0);
  const text = [...drops].map(([why, nodes]) => `${why} drops it at node${nodes.length === 1 ? "" : "s"} ${nodes.join(", ")}`).join("; ");
  return count === served ? { every: true, why: `no node lets it in: ${text}` } : { every: false, why: `${text}: reached through the other nodes` };
}

/** A translated connection's verdict: the client's egress decision (`outbound`), the endpoint's ingress decision about the source it sees (`inbound`). */
function joined(outbound: Verdict, inbound: Verdict): Verdict {
  return outbound === inbound ? inbound : {
    flow: inbound.flow, network: inbound.network, allowed: outbound.egress.allowed && inbound.ingress.allowed,
    egress: outbound.egress, ingress: inbound.ingress, warnings: uniqueWarnings([...outbound.warnings.filter((w) => !outbound.ingress.warnings.includes(w)), ...inbound.warnings.filter((w) => !inbound.egress.warnings.includes(w))]),
  };
}

/** The pairs' outcome: whether all, or none, are allowed. */
function outcome(pairs: PairResult[]): QueryOutcome {
  return { ok: true, value: { pairs, allAllowed: pairs.every((p) => p.verdict.allowed), noneAllowed: pairs.every((p) => !p.verdict.allowed) } };
}

/**
 * The verdict of a connection kube-proxy (or DNS) dropped before any endpoint got it: the client's
 * egress decision, the ingress decided by "service". Its warnings are the egress decision's only:
 * the flow's own (another --host-network or --own-node would answer differently; the Calico tunnel
 * source) are about the flow to the address dialled, whose answer is not this one: dropped, it is
 * denied under every option.
 */
function droppedVerdict(v: Verdict, dropped: string): Verdict {
  const ingress: Decision = { direction: "ingress", allowed: false, by: "service", passed: [], selecting: [], warnings: [], dropped };
  return { ...v, allowed: false, ingress, warnings: v.egress.warnings };
}

function uniqueWarnings(list: Warning[]): Warning[] {
  const seen = new Set<string>();
  return list.filter((w) => !seen.has(w.message) && seen.add(w.message) !== undefined);
}

function partyTargets(parties: Party[], port: number | string, protocol?: Protocol): Target[] | string {
  if (typeof port === "number") return parties.map((dst) => ({ dst, protocol: protocol ?? "TCP", port }));
  const out: Target[] = [];
  for (const dst of parties) {
    const np = dst.endpoint?.ports.find((p) => p.name === port && (!protocol || p.protocol === protocol));
    if (np) out.push({ dst, protocol: np.protocol, port: np.port, via: `named port ${port} → ${np.protocol}/${np.port}` });
  }
  if (out.length) return out;
  const declared = [...new Set(parties.flatMap((d) => d.endpoint?.ports ?? []).map((p) => `${p.name ? `${p.name} ` : ""}${p.protocol}/${p.port}`))];
  const hint = didYouMean(port, parties.flatMap((d) => d.endpoint?.ports.flatMap((p) => (p.name ? [p.name] : [])) ?? []));
  return `the destination has no port named ${JSON.stringify(port)}${protocol ? ` for ${protocol}` : ""}${hint}; ${declared.length ? `its ports: ${declared.join(", ")}` : "it declares no ports (give a number)"}`;
}

export function serviceBackends(engine: PolicyEngine, s: Service): Endpoint[] {
  const sel = s.selector;
  if (!sel) return [];
  const ls = selector(sel);
  return engine.inventory.endpoints.filter((e) => e.kind === "pod" && e.namespace === s.namespace && matches(ls, e.labels));
}

/**
 * The backends a client's connection to a Service port `sp` (servicePortAt's, undefined: none at
 * `port`, an error naming the ports) reaches: the endpoints kube-proxy chooses for
 * it (ready ones, else serving terminating ones; internalTrafficPolicy Local: the client's node's;
 * model/service-endpoints.ts chooseEndpoints), or for a headless Service those DNS publishes (ready).
 * None chosen though the Service has endpoints: kube-proxy rejects (drops, under Local) the connection.
 */
function serviceTargets(engine: PolicyEngine, s: Service, sp: ServicePort | undefined, port: number | string, protocol: Protocol | undefined, client: Party): Target[] | string | { dropped: string; dst: Party; protocol: Protocol; port: number } {
  const name = `${s.namespace}/${s.name}`;
  if (!sp) return `Service ${name} has no port ${port}${protocol ? `/${protocol}` : ""}${typeof port === "string" ? didYouMean(port, s.ports.flatMap((p) => (p.name ? [p.name] : []))) : ""} (it has ${s.ports.map((p) => `${p.port}/${p.protocol}${p.name ? ` (${p.name})` : ""}`).join(", ") || "no ports"})`;
  const eps = serviceEndpoints(engine.inventory, s, sp);
  if (eps.from === "unknown") return `the endpoints of Service ${name} are not in the input (${eps.note})`;
  const set = serviceServing(engine.inventory, s, sp, { reader: s.headless ? "proxy" : "kube-proxy", client: client.endpoint });
  const out: Target[] = [];
  for (const e of set.serving) {
    if (!e.endpoint || e.endpoint.kind !== "pod" || out.some((t) => t.dst.endpoint === e.endpoint && t.port === e.port)) continue;
    out.push({ dst: { endpoint: e.endpoint }, protocol: sp.protocol, port: e.port, via: `service port ${sp.port} → targetPort ${sp.targetPort}${typeof sp.targetPort === "string" ? ` → ${e.port}` : ""}` });
  }
  if (out.length) return out;
  // No pod behind it: the endpoints' addresses themselves (the API server's Service default/kubernetes
  // on the nodes' or the control plane's addresses, a Service without selector to outside addresses):
  // kube-proxy DNATs to them as to a pod (the EndpointSlice's addresses, whatever owns them).
  for (const e of set.serving) {
    if (!e.address || out.some((t) => t.dst.address !== undefined && addressKey(t.dst.address) === addressKey(e.address!) && t.port === e.port)) continue;
    const owner = e.endpoint ?? engine.index.byAddress.get(addressKey(e.address));
    out.push({ dst: { endpoint: owner, address: e.address }, protocol: sp.protocol, port: e.port, via: `service port ${sp.port} → endpoint ${formatAddress(e.address)}:${e.port}` });
  }
  if (out.length) return out;
  if (!set.serving.length && eps.endpoints.some((e) => e.pod)) {
    const who = s.headless ? `DNS publishes no address of headless Service ${name}` : `no endpoint of Service ${name} takes it: kube-proxy ${set.choice?.includes("Local") ? "drops" : "rejects"} it`;
    return { dropped: `${who} (${set.note})`, dst: { address: s.clusterIPs[0] }, protocol: sp.protocol, port: sp.port };
  }
  return s.selector && eps.from === "selector" && !serviceBackends(engine, s).length ? `Service ${name} selects no pods in the input`
    : `no endpoint of Service ${name} (${eps.note}) is a pod in the input${typeof sp.targetPort === "string" ? ` declaring the targetPort ${JSON.stringify(sp.targetPort)}` : ""}`;
}

/** A Service port's targetPort on one backend: a number, or a container port name looked up on the pod. */
export const resolveTargetPort = targetPortOn;
