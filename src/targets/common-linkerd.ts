// Linkerd authorization (policy.linkerd.io) as common-API policies, with the construction the
// Istio conversion uses (common-mesh.ts): per Server, one Admin-tier policy of Pass rules on the
// Server's port (one per client alternative of each authorization that applies to it, as the
// engine computes them: AuthorizationPolicies targeting the Server or its namespace,
// ServerAuthorizations selecting it, its accessPolicy) at priority 200, then a Deny of every other
// request on that port at 300, so NetworkPolicies in the Namespace tier still decide what is passed.
// Converted exactly or refused by name, never broader:
//   - a Server with routes attached (route-level authorization, and the 404 for a request no route
//     matches), an opaque, TLS or unknown-protocol Server (Linkerd refuses an unauthorized non-HTTP
//     connection, the Deny decides requests),
//     a Server that another (older) Server overrides on some pod, pods the Server selects without a
//     Linkerd proxy (Linkerd enforces nothing there): refused, with the authorizations that apply;
//   - a client alternative requiring an identity and networks at once (a ServerAuthorization with
//     meshTLS and no networks: the cluster networks) cannot be one common-API peer: refused;
//   - identities (MeshTLSAuthentication identities and identityRefs, serviceAccounts) become
//     serviceAccount/namespace peers, which also match a client of that account without a proxy,
//     which Linkerd refuses (no mTLS identity): converted with a warning on every such rule;
//   - default inbound policies other than all-unauthenticated (which admits everything) and audit
//     (which only logs) stay in force and are reported as not converted.

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import type { Condition, StringMatch } from "../model/l7.js";
import { linkerdDefaultPolicy, type LinkerdAuthorization, type LinkerdServer, type MeshSettings } from "../model/mesh.js";
import type { EndpointSelector, Peer, Rule } from "../model/policy.js";
import type { PortMatch } from "../model/ports.js";
import { matches } from "../model/selector.js";
import { linkerdServerFor, serverAdmissions } from "../engine/l7/linkerd.js";
import { MeshMembership } from "../engine/mesh/membership.js";
import { adminClash, cidrPeers, denyRest, identityPeer, PRIORITY, Refused, withRequests, type MeshConversion, type MeshProblem } from "./common-mesh.js";

const DEFAULT_POLICY = "config.linkerd.io/default-inbound-policy";
const WHY = "it stays in force as it is";
const IDENTITY = new Set(["source.principal", "source.namespace", "source.serviceAccount"]);

type Named = { kind?: string; namespace?: string; name: string; src?: MeshProblem["src"] };
const problemOf = (kind: string, o: Named, message: string, rule?: number): MeshProblem =>
  ({ kind, namespace: o.namespace ?? "", name: o.name, ...(o.src ? { src: o.src } : {}), ...(rule !== undefined ? { rule } : {}), message });
const authKind = (a: LinkerdAuthorization) => (a.kind === "AuthorizationPolicy" ? "AuthorizationPolicy (policy.linkerd.io)" : a.kind);

/** Adds the converted Servers, and what is not converted, to `out`. */
export function linkerdToCommon(inv: Inventory, selects: (s: EndpointSelector, e: Endpoint) => boolean, out: MeshConversion): void {
  const l = inv.mesh.linkerd;
  const membership = new MeshMembership(inv);
  const attached = new Set<LinkerdAuthorization>();
  for (const s of l.servers) {
    const auths = l.authorizations.filter((a) => !a.ignored && appliesTo(a, s));
    auths.forEach((a) => attached.add(a));
    try {
      convertServer(inv, s, selects, membership, out);
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      out.problems.push(problemOf("Server", s, e.message));
      for (const a of auths) out.problems.push(problemOf(authKind(a), a, `its Server ${s.namespace}/${s.name} is not converted`));
    }
  }
  for (const a of l.authorizations) {
    if (a.ignored) out.notes.push(`${a.kind} ${a.namespace}/${a.name} is ignored by Linkerd's policy controller (${a.ignored}): not converted`);
    else if (a.target.kind === "Route") out.problems.push(problemOf(authKind(a), a, `route-level authorization (${a.target.routeKind} ${a.target.name}) is not converted: Linkerd matches paths as sent and picks one route by precedence; ${WHY}`));
    else if (!attached.has(a)) out.notes.push(`${a.kind} ${a.namespace}/${a.name} applies to no Server in the input: nothing to convert`);
  }
  out.problems.push(...defaultPolicies(inv, out));
}

/** Does the authorization apply to the Server itself (as the engine's serverAuthorizations reads it)? */
function appliesTo(a: LinkerdAuthorization, s: LinkerdServer): boolean {
  if (a.namespace !== s.namespace) return false;
  return (a.target.kind === "Server" && a.target.name === s.name) || a.target.kind === "Namespace" || (a.target.kind === "ServerSelector" && matches(a.target.selector, s.labels));
}

function convertServer(inv: Inventory, s: LinkerdServer, selects: (s: EndpointSelector, e: Endpoint) => boolean, membership: MeshMembership, out: MeshConversion): void {
  const routes = inv.mesh.linkerd.routes.filter((r) => r.namespace === s.namespace && r.servers.includes(s.name));
  if (routes.length) throw new Refused(`${routes.map((r) => `${r.kind} ${r.name}`).join(", ")} ${routes.length === 1 ? "attaches" : "attach"} to it: route-level authorization and the 404 for requests no route matches are not converted; ${WHY}`);
  if (s.protocol === "opaque" || s.protocol === "TLS") throw new Refused(`proxyProtocol ${s.protocol}: Linkerd refuses unauthorized connections, and the common API's Deny of other requests decides HTTP requests only`);
  if (s.protocol === "unknown") throw new Refused("proxyProtocol unknown (the default): Linkerd detects the protocol and refuses an unauthorized non-HTTP connection, which the common API's Deny of other requests would let through; declare HTTP/1, HTTP/2 or gRPC");
  const pods = serverPods(inv, s);
  for (const e of pods) {
    const m = membership.of(e);
    if (m.mesh !== "linkerd") throw new Refused(`it selects pod ${e.namespace}/${e.name}, which runs no Linkerd proxy (${m.why}): Linkerd enforces nothing there, the conversion would`);
    const winner = linkerdServerFor(inv.mesh, e, portOf(s, e)!);
    if (winner !== s) throw new Refused(`Server ${winner?.name} takes port ${portOf(s, e)} of pod ${e.namespace}/${e.name} (the oldest, then by name, wins)`);
  }
  const clash = adminClash(inv, pods, selects);
  if (clash) throw new Refused(clash);
  const ports: PortMatch[] = [typeof s.port === "number" ? { kind: "range", protocol: "TCP", first: s.port, last: s.port } : { kind: "named", name: s.port, protocol: "TCP" }];
  const rules: Rule[] = [];
  const warnings: MeshProblem[] = [];
  for (const adm of serverAdmissions(inv.mesh, s)) {
    if (!adm.rule) continue;
    for (const clause of adm.rule.from ?? [[]]) {
      try {
        const peers = clausePeers(clause, inv.mesh.settings);
        if (clause.some((c) => IDENTITY.has(c.attribute))) warnings.push(problemOf("Server", { ...s, src: adm.policy?.src ?? s.src }, `${adm.why} names identities, which Linkerd accepts only from meshed clients over mutual TLS; the conversion matches pods by service account, so a client of such an account without a Linkerd proxy is allowed by the conversion, refused by Linkerd`, rules.length));
        rules.push({ index: rules.length, action: "pass", path: adm.rule.path, ports, ...(peers ? { peers } : {}) });
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        const by = adm.policy ?? { kind: "Server", namespace: s.namespace, name: s.name, src: s.src };
        throw new Refused(`${by.kind} ${by.namespace}/${by.name}: ${e.message}`);
      }
    }
  }
  const subject: EndpointSelector = { namespaces: { kind: "name", name: s.namespace }, labels: s.podSelector, kinds: ["pod"] };
  const base = { kind: "Server", name: s.name, namespace: s.namespace, tier: "admin" as const, subject, ...(s.src ? { src: s.src } : {}) };
  const name = `linkerd-${s.namespace}-${s.name}`;
  const pass = withRequests({ ...base, priority: PRIORITY.allow }, rules);
  out.policies.push(pass);
  out.names.set(pass, name);
  const rest = denyRest(base, "not-authorized-by-linkerd", ports);
  out.policies.push(rest);
  out.names.set(rest, `${name}-deny-rest`);
  out.warnings.push(...warnings);
}

/** The pods in the Server's namespace its podSelector selects that have its port. */
function serverPods(inv: Inventory, s: LinkerdServer): Endpoint[] {
  return inv.endpoints.filter((e) => e.kind === "pod" && e.namespace === s.namespace && matches(s.podSelector, e.labels) && portOf(s, e) !== undefined);
}

function portOf(s: LinkerdServer, e: Endpoint): number | undefined {
  return typeof s.port === "number" ? s.port : e.ports.find((p) => p.name === s.port && p.protocol === "TCP")?.port;
}

/** One client alternative (its conditions ANDed) as peers (ORed); undefined: every client. */
function clausePeers(clause: readonly Condition[], settings: MeshSettings): Peer[] | undefined {
  if (!clause.length) return undefined;
  if (clause.length > 1) throw new Refused(`clients need ${clause.map((c) => (c.attribute === "source.ip" ? "an address in given networks" : "an identity")).join(" and ")} at once (a ServerAuthorization without networks: the cluster networks); a common-API peer is one or the other`);
  const c = clause[0];
  if (c.not) throw new Refused(`a negated ${c.attribute} has no common-API equivalent`);
  if ("cidrs" in c) return cidrPeers(c);
  if (!("values" in c)) throw new Refused(`${c.attribute} has no common-API equivalent`);
  switch (c.attribute) {
    case "source.principal": return c.values.map((v) => principalPeer(v, settings));
    case "source.namespace": return c.values.map((v) => identityPeer({ kind: "name", name: exact(v) }, undefined));
    case "source.serviceAccount": return c.values.map((v) => { const [ns, sa] = exact(v).split("/"); return identityPeer({ kind: "name", name: ns }, sa); });
    default: throw new Refused(`${c.attribute} has no common-API equivalent`);
  }
}

function exact(v: StringMatch): string {
  if (v.kind !== "exact") throw new Refused("a pattern where a name is expected");
  return v.value;
}

// Linkerd identities: SA.NS.serviceaccount.identity.LINKERD_NS.TRUST_DOMAIN, "*.NS.serviceaccount…"
// (any account of NS), "*.serviceaccount…" or "*" (any meshed client).
function principalPeer(v: StringMatch, settings: MeshSettings): Peer {
  const tail = `.serviceaccount.identity.${settings.linkerdNamespace}.${settings.trustDomain}`;
  if (v.kind === "present") return identityPeer({ kind: "any" }, undefined);
  const head = (v.kind === "exact" || v.kind === "suffix") && v.value.endsWith(tail) ? v.value.slice(0, -tail.length) : undefined;
  if (v.kind === "exact" && head && /^[^.]+\.[^.]+$/.test(head)) { const [sa, ns] = head.split("."); return identityPeer({ kind: "name", name: ns }, sa); }
  if (v.kind === "suffix" && head === "") return identityPeer({ kind: "any" }, undefined);
  if (v.kind === "suffix" && head && /^\.[^.]+$/.test(head)) return identityPeer({ kind: "name", name: head.slice(1) }, undefined);
  const text = v.kind === "suffix" ? `*${v.value}` : "value" in v ? v.value : v.kind;
  throw new Refused(`the identity ${JSON.stringify(text)} is not SA.NS${tail} (or *.NS${tail}, *): no common-API equivalent`);
}

/** Default inbound policies that restrict something: not converted, reported (audit: a note). */
function defaultPolicies(inv: Inventory, out: MeshConversion): MeshProblem[] {
  const problems: MeshProblem[] = [];
  const check = (kind: string, o: Named, value: string | undefined) => {
    const p = linkerdDefaultPolicy(value);
    if (p === "audit") out.notes.push(`${kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}: the default inbound policy audit only logs: nothing to convert`);
    else if (p && p !== "all-unauthenticated") problems.push(problemOf(kind, o, `the default inbound policy ${p} (${DEFAULT_POLICY}) is not converted; ${WHY}`));
  };
  for (const ns of inv.namespaces.values()) check("Namespace", { name: ns.name, ...(ns.src ? { src: ns.src } : {}) }, ns.annotations?.[DEFAULT_POLICY]);
  const seen = new Set<string>();
  for (const e of inv.endpoints) {
    // Once per object: the replicas of a Deployment share its annotation.
    const key = JSON.stringify(e.src ?? e.name);
    if (seen.has(key)) continue;
    seen.add(key);
    check("Pod", { namespace: e.namespace, name: e.name, ...(e.src ? { src: e.src } : {}) }, e.annotations?.[DEFAULT_POLICY]);
  }
  const l = inv.mesh.linkerd, cluster = inv.mesh.settings.linkerdDefaultPolicy;
  if (l.servers.length + l.authorizations.length && cluster !== "all-unauthenticated" && cluster !== "audit") {
    problems.push({ kind: "Linkerd", namespace: "", name: "cluster default", message: `the cluster's default inbound policy ${cluster} is not converted; ${WHY}` });
  }
  return problems;
}
