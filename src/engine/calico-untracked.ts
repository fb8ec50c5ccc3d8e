// Calico's doNotTrack policies of host endpoints (Inventory.calicoUntracked, kept apart by
// sources/calico): felix renders them in the raw table (rules/endpoints.go HostEndpointToRawChains:
// the host endpoint's "untracked" chains, both directions), before connection tracking: raw
// PREROUTING for what arrives through a host endpoint (not from a workload interface: "Send
// non-workload traffic to the untracked policy chains"), raw OUTPUT for what the host sends
// (rules/static.go StaticRawPreroutingChain, StaticRawOutputChain). An Allow sets NOTRACK and the
// accept mark ("For an untracked policy, map allow to "NOTRACK and ALLOW""), which the filter table
// accepts (acceptAlreadyAccepted: the normal policy is skipped); a Deny drops; no match falls through
// to the normal policy (no end-of-tier drop: endpointIptablesChain renders it for normal and forward
// chains only). Failsafe ports come first (failsafeInChain/failsafeOutChain: in raw, the outbound
// failsafe ports' replies too, "we're in the raw table, before conntrack, so we need to allow
// response traffic").
//
// An untracked connection has no conntrack entry, so its replies are not "ESTABLISHED": each reply
// packet meets the other direction's chains as a packet of its own (Calico's docs on doNotTrack:
// "policy must explicitly allow the return traffic"). A connection an untracked policy allows is
// allowed when its replies are: by an untracked Allow of the other direction, or else by the normal
// policy, which judges the reply as a new connection (to the client's port: an ephemeral one, Linux's
// ip_local_port_range 32768-60999 by default).

import type { Endpoint } from "../model/endpoint.js";
import type { Protocol } from "../model/ports.js";
import type { Direction } from "../model/policy.js";
import type { Party } from "./match.js";
import { apartEngine, nodeUnder } from "./calico-prednat.js";
import type { Decision, PolicyEngine, Verdict, Warning } from "./verdict.js";

/** Linux's default ip_local_port_range: the ports a client's replies come back to. */
const EPHEMERAL = [32768, 60999];

/**
 * `v` with the doNotTrack policies of the host endpoints it crosses applied: the source's node's raw
 * OUTPUT (a host's own connection leaving it to another machine), then the destination's raw PREROUTING
 * (a connection arriving at a host from off it). A Deny denies; an Allow allows when its replies are
 * allowed back (reply), else denies, saying why; no untracked decision leaves `v`'s.
 */
export function withUntracked(engine: PolicyEngine, src: Party, dst: Party, protocol: Protocol, port: number, v: Verdict): Verdict {
  const un = engine.inventory.calicoUntracked;
  if (!un?.length) return v;
  const at = (p: Party, other: Party) => {
    const node = engine.matcher.nodeOf(p);
    return node?.hostEndpoint && nodeUnder(engine, other) !== node ? node : undefined;
  };
  const from = at(src, dst), to = at(dst, src);
  if (!from && !to) return v;
  const warnings: Warning[] = [...v.warnings];
  let egress = v.egress, ingress = v.ingress;
  if (from && bpf(engine)) {
    // felix's eBPF data plane implements untracked policy in XDP, on what arrives only.
    const d = rawDecision(engine, "egress", { endpoint: from, address: src.address }, dst, protocol, port, true);
    if (d) warnings.push({ code: "calico-untracked", message: `${d.policy!.kind} ${d.policy!.name} egress rule ${d.rule!.index} (doNotTrack) would ${d.allowed ? "accept" : "drop"} it in the iptables and nftables data planes; felix's eBPF data plane implements untracked policy for ingress only (bpf_ep_mgr.go: "in BPF mode untracked ingress policy is _only_ implemented by XDP"): not applied` });
  } else if (from) egress = untracked(engine, "egress", { endpoint: from, address: src.address }, dst, protocol, port, warnings) ?? egress;
  if (to) ingress = untracked(engine, "ingress", { endpoint: to, address: dst.address }, src, protocol, port, warnings) ?? ingress;
  if (egress === v.egress && ingress === v.ingress) return warnings.length === v.warnings.length ? v : { ...v, warnings };
  // (Untracked, the packet is not translated: a hostPort's DNAT needs conntrack.)
  const { hostPort: _forwarded, ...rest } = v;
  return { ...(ingress === v.ingress ? v : rest), allowed: egress.allowed && ingress.allowed, egress, ingress, warnings };
}

/**
 * The untracked decision of `host`'s host endpoint for direction d about `remote` (undefined: none;
 * a failsafe port falls through to the filter table), its replies judged when it allows.
 */
function untracked(engine: PolicyEngine, d: Direction, host: Party, remote: Party, protocol: Protocol, port: number, warnings: Warning[]): Decision | undefined {
  const decision = rawDecision(engine, d, host, remote, protocol, port);
  if (!decision) return undefined;
  const who = `${decision.policy!.kind} ${decision.policy!.name} ${d} rule ${decision.rule!.index} (doNotTrack)`;
  if (!decision.allowed) return decision;
  // The replies: the other direction at the host, to the remote's ephemeral port.
  const back: Direction = d === "ingress" ? "egress" : "ingress";
  const replies = EPHEMERAL.map((p) => {
    const raw = rawDecision(engine, back, host, remote, protocol, p);
    if (raw) return { allowed: raw.allowed, how: `${raw.allowed ? "allowed" : "dropped"} untracked by ${raw.policy!.kind} ${raw.policy!.name} ${back} rule ${raw.rule!.index}`, decision: raw };
    const flow = d === "ingress" ? { src: host, dst: remote, protocol, port: p } : { src: remote, dst: host, protocol, port: p };
    const normal = back === "egress" ? engine.decide("egress", host, remote, flow, engine.matcher.egressDestPorts(remote.endpoint)) : engine.decide("ingress", host, remote, flow, engine.matcher.destPorts(host.endpoint));
    return { allowed: normal.allowed, how: `${normal.allowed ? "allowed" : "denied"} by the normal ${back} policy as new connections (no conntrack entry to match)`, decision: normal };
  });
  const node = (host.endpoint as Endpoint).name;
  const lead = `${who} of node ${node}'s host endpoint accepts it before connection tracking, so its replies are not tracked`;
  if (replies[0].allowed && replies[1].allowed) {
    warnings.push({ code: "calico-untracked", message: `${lead}: they are ${replies[0].how} (to ports ${EPHEMERAL.join("-")}, Linux's default ephemeral ports)` });
    return decision;
  }
  if (!replies[0].allowed && !replies[1].allowed) {
    warnings.push({ code: "calico-untracked", message: `${lead}: they are ${replies[0].how} (to ports ${EPHEMERAL.join("-")}, Linux's default ephemeral ports), so the connection fails; allow them with an untracked ${back} rule` });
    return { ...decision, allowed: false };
  }
  warnings.push({ code: "calico-untracked", message: `unknown: ${lead}, and the ${back} policy allows them to some of the client's ephemeral ports only (${EPHEMERAL[0]}: ${replies[0].how}; ${EPHEMERAL[1]}: ${replies[1].how}): answered as allowed` });
  return decision;
}

/** Whether felix runs its eBPF data plane (FelixConfiguration bpfEnabled): untracked policy is XDP's, ingress only. */
function bpf(engine: PolicyEngine): boolean {
  return engine.inventory.calicoFelix?.bpf?.enabled === true;
}

/**
 * The decision of an untracked policy (not a failsafe rule) at `host`'s host endpoint, or undefined;
 * none for egress in felix's eBPF data plane (unless `anyway`).
 */
function rawDecision(engine: PolicyEngine, d: Direction, host: Party, remote: Party, protocol: Protocol, port: number, anyway = false): Decision | undefined {
  if (d === "egress" && bpf(engine) && !anyway) return undefined;
  const un = engine.inventory.calicoUntracked!;
  const sub = apartEngine(engine, un);
  const flow = d === "ingress" ? { src: remote, dst: host, protocol, port } : { src: host, dst: remote, protocol, port };
  const ports = d === "ingress" ? sub.matcher.destPorts(host.endpoint) : sub.matcher.egressDestPorts(remote.endpoint);
  const x = sub.decide(d, host, remote, flow, ports);
  return x.by === "rule" && x.policy !== undefined && un.includes(x.policy) ? x : undefined;
}
