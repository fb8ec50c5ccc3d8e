// Linkerd's default inbound policy as common-API policies (part of convert --to common, see
// common-linkerd.ts). As the engine reads it (engine/l7/linkerd.ts defaultPolicyFor), a port of a
// Linkerd-meshed pod that no Server covers gets the pod's config.linkerd.io/default-inbound-policy,
// else its namespace's, else the cluster's (--linkerd-default-policy). The converted Servers decide
// their ports first (priorities 200-300, ending with a Pass of other connections on the port), so
// the default's rules apply to every TCP port (Linkerd's proxy sees TCP only):
//   priority 500, subject the namespace: where the namespace injects Linkerd (new pods get the proxy)
//     and its default (or the cluster's) restricts something;
//   priority 400, subject a workload's pod labels: pods that differ from that (their own annotation,
//     no proxy), and meshed pods with a restrictive default where the namespace does not inject.
// The rules:
//   deny                     Deny
//   all-authenticated        Pass from the meshed clients, Deny. A client has a Linkerd identity
//                            when it runs the proxy, which no selector says: the meshed clients are
//                            the namespaces that inject it (with a Deny of their workloads of the
//                            input that run none, first) and the meshed workloads of the input
//                            elsewhere, with a warning (a pod created later without the proxy in
//                            such a namespace would be allowed)
//   cluster-unauthenticated  Deny from outside the cluster networks, Pass
//   cluster-authenticated    Deny from outside the cluster networks, then as all-authenticated
//   all-unauthenticated, audit, no proxy    Pass (only where a wider policy above would restrict)
// A pod whose address is not in the input (a template's) is in the pod network, which the cluster
// networks include (as the engine reads it): a Deny of the addresses outside them leaves it alone.
// Restrictive defaults first Pass the pod's config.linkerd.io/skip-inbound-ports, which the proxy
// does not intercept (pods whose skipped ports differ from their namespace's get their own policy).
// Refused by name: a workload whose labels also select pods of another default, or meshed and
// unmeshed clients alike (no selector tells them apart), pods with a Server that is not converted
// (the default's rules would decide its port), and cluster-* defaults when an endpoint other than a
// pod on the pod network has no address in the input (a host-network pod's is its node's, which
// the cluster networks need not include).

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import { cidrFrom } from "../model/ip.js";
import { linkerdDefaultPolicy, type LinkerdDefaultPolicy } from "../model/mesh.js";
import type { EndpointSelector, Peer, Policy, Rule } from "../model/policy.js";
import type { PortMatch } from "../model/ports.js";
import { EVERYTHING, selector } from "../model/selector.js";
import { workloadOf } from "../model/service-endpoints.js";
import { defaultPolicyFor, portRanges, SKIP_INBOUND_PORTS, skippedPorts } from "../engine/l7/linkerd.js";
import type { MeshMembership } from "../engine/mesh/membership.js";
import { adminClash, identityPeer, meshProblem, Refused, withRequests, type MeshConversion } from "./common-mesh.js";

const DEFAULT_POLICY = "config.linkerd.io/default-inbound-policy";
const INJECT = "linkerd.io/inject";
const PRIORITY = { workload: 400, namespace: 500 } as const;
const TCP: PortMatch[] = [{ kind: "protocol", protocol: "TCP" }];

/** What a pod's default admits: "open" (everything: all-unauthenticated, audit, or no proxy) or the restrictive policy. */
type Admits = "open" | Exclude<LinkerdDefaultPolicy, "all-unauthenticated" | "audit">;
const admitsOf = (p: LinkerdDefaultPolicy): Admits => (p === "all-unauthenticated" || p === "audit" ? "open" : p);

/** What a pod's default admits, and the ports its proxy does not intercept (skip-inbound-ports: the annotation's text and its ranges). */
interface PodDefault { admits: Admits; why: string; skip: string; skipped: [number, number][] }

export class LinkerdDefaults {
  private readonly pods: Endpoint[];
  private readonly of = new Map<Endpoint, PodDefault>();
  private readonly meshed = new Set<Endpoint>();
  /** Meshed pods whose proxy does not carry some outbound ports (skip-outbound-ports), and the annotation's text. */
  private readonly skipsOutbound = new Map<Endpoint, string>();

  constructor(private readonly inv: Inventory, membership: MeshMembership, private readonly selects: (s: EndpointSelector, e: Endpoint) => boolean) {
    const ctx = { mesh: inv.mesh, namespaceOf: (n: string) => inv.namespaces.get(n) };
    this.pods = inv.endpoints.filter((e) => e.kind === "pod" && !e.hostNetwork);
    for (const e of this.pods) {
      const m = membership.of(e);
      if (m.mesh !== "linkerd") { this.of.set(e, { admits: "open", why: "no Linkerd proxy", skip: "", skipped: [] }); continue; }
      this.meshed.add(e);
      const out = skippedPorts(ctx, e, "outbound");
      if (out.ranges.length) this.skipsOutbound.set(e, out.text);
      const d = defaultPolicyFor(ctx, e), skip = skippedPorts(ctx, e, "inbound");
      this.of.set(e, { admits: admitsOf(d.policy), why: `the default inbound policy ${d.policy} (${d.from})`, skip: skip.text, skipped: skip.ranges });
    }
  }

  /** Whether a restrictive default applies to the pod's ports no Server covers. */
  restricted(e: Endpoint): boolean {
    return (this.of.get(e)?.admits ?? "open") !== "open";
  }

  /** Adds the policies (or why not) to `out`; `unconverted(e)` names a Server of the pod that is not converted. */
  convert(unconverted: (e: Endpoint) => string | undefined, out: MeshConversion): void {
    this.auditNotes(out);
    const namespaces = new Set([...this.inv.namespaces.keys(), ...this.pods.map((e) => e.namespace ?? "")]);
    for (const n of [...namespaces].sort()) this.namespace(n, unconverted, out);
  }

  private namespace(name: string, unconverted: (e: Endpoint) => string | undefined, out: MeshConversion): void {
    const ns = this.inv.namespaces.get(name);
    const own = linkerdDefaultPolicy(ns?.annotations?.[DEFAULT_POLICY]);
    const policy = own ?? this.inv.mesh.settings.linkerdDefaultPolicy;
    const admits = admitsOf(policy);
    const skip = ns?.annotations?.[SKIP_INBOUND_PORTS] ?? "";
    const wide = admits !== "open" && injectsLinkerd(ns?.annotations);
    const pods = this.pods.filter((e) => e.namespace === name);
    const emit = (o: Target) => {
      try {
        out.policies.push(...this.policies(o, pods, unconverted, out));
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        out.problems.push(meshProblem(o.kind, o, `${o.why}: ${e.message}`));
      }
    };
    if (wide) {
      const why = `the default inbound policy ${policy} (${own ? `namespace annotation ${DEFAULT_POLICY}` : "the cluster default: linkerd-config's proxy.defaultInboundPolicy, or --linkerd-default-policy"})`;
      emit({ kind: "Namespace", name, ...(ns?.src ? { src: ns.src } : {}), subject: { namespaces: { kind: "name", name }, labels: EVERYTHING, kinds: ["pod"] }, admits, why, priority: PRIORITY.namespace, policyName: `linkerd-default-${name}`, skip, skipped: portRanges(skip) });
    }
    for (const group of groups(pods, (e) => `${this.of.get(e)!.admits}\n${this.of.get(e)!.skip}`)) {
      const d = this.of.get(group[0])!;
      if (wide ? d.admits === admits && d.skip === skip : d.admits === "open") continue;
      const e = group[0], workload = workloadOf(e);
      const labels = commonLabels(group);
      emit({
        kind: e.owner ? e.owner.kind.replace(/^ReplicaSet$/, "Deployment") : "Pod", namespace: name, name: workload, ...(e.src ? { src: e.src } : {}),
        subject: { namespaces: { kind: "name", name }, labels: selector(labels), kinds: ["pod"] }, admits: d.admits, why: d.why, priority: PRIORITY.workload, policyName: `linkerd-default-${name}-${workload}`, skip: d.skip, skipped: d.skipped,
      });
    }
  }

  /** The policy for one subject, checked against the pods of the input. */
  private policies(o: Target, pods: readonly Endpoint[], unconverted: (e: Endpoint) => string | undefined, out: MeshConversion): Policy[] {
    const selected = pods.filter((p) => this.selects(o.subject, p));
    const clash = adminClash(this.inv, selected, this.selects);
    if (clash) throw new Refused(clash);
    for (const e of selected) {
      const d = this.of.get(e)!;
      if (o.priority === PRIORITY.workload && d.admits !== o.admits) throw new Refused(`its pods' labels also select pod ${e.namespace}/${e.name}, where ${d.why} applies: no label selector tells them apart`);
      if (o.priority === PRIORITY.workload && o.admits !== "open" && d.skip !== o.skip) throw new Refused(`its pods' labels also select pod ${e.namespace}/${e.name}, whose ${SKIP_INBOUND_PORTS} differ: no label selector tells them apart`);
      const server = d.admits === o.admits && o.admits !== "open" ? unconverted(e) : undefined;
      if (server) throw new Refused(`${server} of pod ${e.namespace}/${e.name} is not converted, and the default's rules would decide its port`);
    }
    const rules = this.rules(o.admits, o.skipped);
    if (o.admits === "all-authenticated" || o.admits === "cluster-authenticated") {
      out.warnings.push(meshProblem(o.kind, o, `${o.why} admits clients with a Linkerd identity (meshed pods, over mutual TLS); the conversion names the namespaces that inject Linkerd's proxy and the meshed workloads of the input elsewhere, so a pod created later without the proxy in such a namespace would be allowed by the conversion, refused by Linkerd`, rules.findIndex((r) => r.name === "admitted-by-linkerd-default")));
    }
    const p = withRequests({ kind: o.kind, name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}), tier: "admin", priority: o.priority, subject: o.subject, ...(o.src ? { src: o.src } : {}) }, rules);
    out.names.set(p, o.policyName);
    return [p];
  }

  private rules(admits: Admits, skipped: readonly [number, number][]): Rule[] {
    const deny: Omit<Rule, "index"> = { name: "not-admitted-by-linkerd-default", action: "deny", ports: TCP, path: ["spec"] };
    const pass = (peers?: Peer[]): Omit<Rule, "index"> => ({ name: "admitted-by-linkerd-default", action: "pass", ports: TCP, path: ["spec"], ...(peers ? { peers } : {}) });
    const meshed = (): Omit<Rule, "index">[] => {
      const clients = this.meshedClients();
      return [...(clients.unmeshed.length ? [{ ...deny, name: "no-linkerd-proxy", peers: clients.unmeshed }] : []), pass(clients.meshed), deny];
    };
    const list: Record<Admits, () => Omit<Rule, "index">[]> = {
      open: () => [pass()],
      deny: () => [deny],
      "all-authenticated": meshed,
      "cluster-unauthenticated": () => [{ ...deny, name: "outside-the-cluster-networks", peers: this.outsideClusterNetworks() }, pass()],
      "cluster-authenticated": () => [{ ...deny, name: "outside-the-cluster-networks", peers: this.outsideClusterNetworks() }, ...meshed()],
    };
    // The proxy does not intercept these ports: nothing of Linkerd decides them.
    const bypass: Omit<Rule, "index">[] = admits !== "open" && skipped.length
      ? [{ name: "skipped-by-linkerd-proxy", action: "pass", ports: skipped.map(([first, last]) => ({ kind: "range", protocol: "TCP", first, last })), path: ["spec"] }] : [];
    return [...bypass, ...list[admits]()].map((r, index) => ({ ...r, index }));
  }

  /**
   * The clients with a Linkerd identity: the namespaces that inject the proxy (but the workloads of
   * the input there that run none: `unmeshed`, denied first) and, elsewhere, the meshed workloads
   * of the input; each workload by its pods' labels, which must not select a pod of the other kind.
   */
  private meshedClients(): { meshed: Peer[]; unmeshed: Peer[] } {
    // Such a pod sends those ports in plaintext, without an identity (linkerdClientBypass); which
    // port counts (the Service's or the backend's) depends on the load balancer, so no Deny by
    // destination port is exact.
    const [skipper] = this.skipsOutbound;
    if (skipper) throw new Refused(`pod ${skipper[0].namespace}/${skipper[0].name} runs a Linkerd proxy but config.linkerd.io/skip-outbound-ports (${JSON.stringify(skipper[1])}) sends those ports around it, in plaintext, without the identity the default asks for: a common-API peer cannot say "meshed, except on these ports"`);
    const out = { meshed: [] as Peer[], unmeshed: [] as Peer[] };
    const namespaces = new Set([...this.inv.namespaces.keys(), ...this.pods.map((e) => e.namespace ?? "")]);
    for (const name of [...namespaces].sort()) {
      const pods = this.pods.filter((e) => e.namespace === name);
      const injects = injectsLinkerd(this.inv.namespaces.get(name)?.annotations);
      if (injects) out.meshed.push(identityPeer({ kind: "name", name }, undefined));
      // Injecting namespaces: their pods without a proxy; others: their pods with one.
      for (const group of groups(pods.filter((e) => this.meshed.has(e) !== injects), () => "")) {
        const peer: Peer = { kind: "endpoints", selector: { namespaces: { kind: "name", name }, labels: selector(commonLabels(group)), kinds: ["pod"] } };
        const other = pods.find((e) => this.meshed.has(e) === injects && this.selects(peer.selector, e));
        if (other) throw new Refused(`the labels of ${group[0].namespace}/${workloadOf(group[0])}, which runs ${injects ? "no" : "a"} Linkerd proxy, also select pod ${other.namespace}/${other.name}, which runs ${injects ? "one" : "none"}: no label selector tells meshed clients apart`);
        (injects ? out.unmeshed : out.meshed).push(peer);
      }
    }
    return out;
  }

  /**
   * Every address outside the cluster networks, per family. A pod on the pod network without an
   * address in the input is in them (the engine reads it so) and this Deny leaves it alone; refused
   * when another endpoint (a host-network pod: its node's address) has none.
   */
  private outsideClusterNetworks(): Peer[] {
    const unknown = this.inv.endpoints.find((e) => !e.addresses.length && !(e.kind === "pod" && !e.hostNetwork));
    if (unknown) throw new Refused(`the default admits clients from the cluster networks only, and ${unknown.kind} ${unknown.namespace ? `${unknown.namespace}/` : ""}${unknown.name} has no address in the input${unknown.hostNetwork ? " (a host-network pod has its node's, which the cluster networks need not include)" : ""}: whether it is in them cannot be known`);
    const nets = this.inv.mesh.settings.linkerdClusterNetworks;
    return (["0.0.0.0/0", "::/0"] as const).map((all) => {
      const cidr = cidrFrom(all);
      return { kind: "cidr", cidr, except: nets.filter((n) => n.family === cidr.family) };
    });
  }

  /** The audit default only logs: a note for each place it is set. */
  private auditNotes(out: MeshConversion): void {
    const note = (what: string) => out.notes.push(`${what}: the default inbound policy audit only logs: nothing to convert`);
    for (const ns of this.inv.namespaces.values()) if (linkerdDefaultPolicy(ns.annotations?.[DEFAULT_POLICY]) === "audit") note(`Namespace ${ns.name}`);
    for (const group of groups(this.pods, () => "")) if (linkerdDefaultPolicy(group[0].annotations?.[DEFAULT_POLICY]) === "audit") note(`Pod ${group[0].namespace}/${group[0].name}`);
    const l = this.inv.mesh.linkerd;
    if (l.servers.length + l.authorizations.length && this.inv.mesh.settings.linkerdDefaultPolicy === "audit") note("the cluster default (linkerd-config's proxy.defaultInboundPolicy, or --linkerd-default-policy)");
  }
}

/** Whether a namespace's annotations make Linkerd inject its new pods. */
function injectsLinkerd(annotations: Readonly<Record<string, string>> | undefined): boolean {
  return ["enabled", "ingress"].includes(annotations?.[INJECT] ?? "");
}

/** A subject of default rules and what it admits. */
interface Target { kind: string; namespace?: string; name: string; src?: Endpoint["src"]; subject: EndpointSelector; admits: Admits; why: string; priority: number; policyName: string; skip: string; skipped: readonly [number, number][] }

/** The pods by workload (and what their default admits), in input order. */
function groups(pods: readonly Endpoint[], key: (e: Endpoint) => string): Endpoint[][] {
  const out = new Map<string, Endpoint[]>();
  for (const e of pods) {
    const k = `${workloadOf(e)}\n${key(e)}`;
    out.set(k, [...(out.get(k) ?? []), e]);
  }
  return [...out.values()];
}

/** The labels every pod of the group has (pod-template-hash aside: a new revision's pods are the same workload). */
function commonLabels(group: readonly Endpoint[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(group[0].labels)) if (k !== "pod-template-hash" && group.every((e) => e.labels[k] === v)) out[k] = v;
  return out;
}
