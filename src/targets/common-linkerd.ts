// Linkerd authorization (policy.linkerd.io) as common-API policies, with the construction the
// Istio conversion uses (common-mesh.ts): per Server, one Admin-tier policy of Pass rules on the
// Server's port (one per client alternative of each authorization that applies to it, as the
// engine computes them: AuthorizationPolicies targeting the Server or its namespace,
// ServerAuthorizations selecting it, its accessPolicy) at priority 200, then a Deny of every other
// request on that port at 300, so NetworkPolicies in the Namespace tier still decide what is passed.
//   - A Server with HTTPRoutes/GRPCRoutes: Linkerd gives a request the ONE route whose match comes
//     first by precedence (the engine's routeMatchOrder), admits it when an authorization of that
//     route or of the Server admits the client, and answers 404 when no route matches. In the same
//     order, each route match becomes Pass rules (its route's and the Server's clients) with that
//     `http` match, then a Deny of that match (when a later match passes someone): the first match
//     of the common API is Linkerd's route. The unmatched rest meets the Deny at 300: 403, not 404
//     (both deny; a warning says so). Linkerd matches paths as sent, the common API after removing
//     dot segments: a warning, and --verify counts requests with such paths apart (both ways).
//     Refused: query and header matches; among several routes, regex paths and different
//     hostnames (the proxy ranks those per request).
//   - The default inbound policy decides the other ports of meshed pods: common-linkerd-defaults.ts.
// Converted exactly or refused by name, never broader:
//   - an opaque, TLS or unknown-protocol Server (Linkerd refuses an unauthorized non-HTTP
//     connection, the Deny decides requests), a Server that another (older) Server overrides on some
//     pod, pods the Server selects without a Linkerd proxy or on a port in their
//     skip-inbound-ports (Linkerd enforces nothing there): refused,
//     with the authorizations that apply; route matches on query parameters or headers;
//   - a client alternative requiring an identity and networks at once (a ServerAuthorization with
//     meshTLS and no networks: the cluster networks) cannot be one common-API peer: refused;
//   - identities (MeshTLSAuthentication identities and identityRefs, serviceAccounts) become
//     serviceAccount/namespace peers, which also match a client of that account without a proxy,
//     which Linkerd refuses (no mTLS identity): converted with a warning on every such rule.

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import type { Clause, Condition, StringMatch } from "../model/l7.js";
import type { LinkerdAuthorization, LinkerdRoute, LinkerdServer, MeshSettings } from "../model/mesh.js";
import type { EndpointSelector, Peer, Rule } from "../model/policy.js";
import type { PortMatch } from "../model/ports.js";
import { matches } from "../model/selector.js";
import { attachedRoutes, GRPC_CALL, linkerdServerFor, routeAdmissions, routeAuthorizations, routeMatchOrder, serverAdmissions, skippedPorts, type Admission } from "../engine/l7/linkerd.js";
import { hostMatch } from "../sources/trafficpolicy-http.js";
import { LinkerdDefaults } from "./common-linkerd-defaults.js";
import { MeshMembership } from "../engine/mesh/membership.js";
import { adminClash, cidrPeers, denyRest, identityPeer, meshProblem, PRIORITY, Refused, withRequests, type MeshConversion, type MeshProblem } from "./common-mesh.js";

const IDENTITY = new Set(["source.principal", "source.namespace", "source.serviceAccount"]);

const problemOf = meshProblem;
const authKind = (a: LinkerdAuthorization) => (a.kind === "AuthorizationPolicy" ? "AuthorizationPolicy (policy.linkerd.io)" : a.kind);

/** Adds the converted Servers and default policies, and what is not converted, to `out`. */
export function linkerdToCommon(inv: Inventory, selects: (s: EndpointSelector, e: Endpoint) => boolean, out: MeshConversion): void {
  const l = inv.mesh.linkerd;
  const membership = new MeshMembership(inv);
  const defaults = new LinkerdDefaults(inv, membership, selects);
  const attached = new Set<LinkerdAuthorization>();
  const refused: LinkerdServer[] = [];
  for (const s of l.servers) {
    const routes = attachedRoutes(inv.mesh, s);
    const auths = [...l.authorizations.filter((a) => !a.ignored && appliesTo(a, s)), ...routes.flatMap((r) => routeAuthorizations(inv.mesh, r))];
    auths.forEach((a) => attached.add(a));
    try {
      convertServer(inv, s, routes, selects, membership, defaults, out);
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      refused.push(s);
      out.problems.push(problemOf("Server", s, e.message));
      for (const a of new Set(auths)) out.problems.push(problemOf(authKind(a), a, `its ${a.target.kind === "Route" ? `route ${a.target.name}'s ` : ""}Server ${s.namespace}/${s.name} is not converted`));
    }
  }
  for (const a of l.authorizations) {
    if (a.ignored) out.notes.push(`${a.kind} ${a.namespace}/${a.name} is ignored by Linkerd's policy controller (${a.ignored}): not converted`);
    else if (!attached.has(a)) out.notes.push(`${a.kind} ${a.namespace}/${a.name} applies to no Server in the input${a.target.kind === "Route" ? ` (its ${a.target.routeKind} ${a.target.name} attaches to none)` : ""}: nothing to convert`);
  }
  defaults.convert((e) => {
    const s = refused.find((x) => x.namespace === e.namespace && matches(x.podSelector, e.labels) && portOf(x, e) !== undefined);
    return s && `Server ${s.namespace}/${s.name} (port ${portOf(s, e)})`;
  }, out);
}

/** Does the authorization apply to the Server itself (as the engine's serverAuthorizations reads it)? */
function appliesTo(a: LinkerdAuthorization, s: LinkerdServer): boolean {
  if (a.namespace !== s.namespace) return false;
  return (a.target.kind === "Server" && a.target.name === s.name) || a.target.kind === "Namespace" || (a.target.kind === "ServerSelector" && matches(a.target.selector, s.labels));
}


function convertServer(inv: Inventory, s: LinkerdServer, routes: readonly LinkerdRoute[], selects: (s: EndpointSelector, e: Endpoint) => boolean, membership: MeshMembership, defaults: LinkerdDefaults, out: MeshConversion): void {
  if (s.protocol === "opaque" || s.protocol === "TLS") throw new Refused(`proxyProtocol ${s.protocol}: Linkerd refuses unauthorized connections, and the common API's Deny of other requests decides HTTP requests only`);
  if (s.protocol === "unknown") throw new Refused("proxyProtocol unknown (the default): Linkerd detects the protocol and refuses an unauthorized non-HTTP connection, which the common API's Deny of other requests would let through; declare HTTP/1, HTTP/2 or gRPC");
  const pods = serverPods(inv, s);
  for (const e of pods) {
    const m = membership.of(e);
    if (m.mesh !== "linkerd") throw new Refused(`it selects pod ${e.namespace}/${e.name}, which runs no Linkerd proxy (${m.why}): Linkerd enforces nothing there, the conversion would`);
    const port = portOf(s, e)!;
    if (skippedPorts({ mesh: inv.mesh, namespaceOf: (n) => inv.namespaces.get(n) }, e, "inbound").ranges.some(([lo, hi]) => lo <= port && port <= hi)) {
      throw new Refused(`port ${port} of pod ${e.namespace}/${e.name} is in config.linkerd.io/skip-inbound-ports: Linkerd's proxy does not intercept it and enforces nothing there, the conversion would`);
    }
    const winner = linkerdServerFor(inv.mesh, e, port);
    if (winner !== s) throw new Refused(`Server ${winner?.name} takes port ${port} of pod ${e.namespace}/${e.name} (the oldest, then by name, wins)`);
  }
  const clash = adminClash(inv, pods, selects);
  if (clash) throw new Refused(clash);
  const ports: PortMatch[] = [typeof s.port === "number" ? { kind: "range", protocol: "TCP", first: s.port, last: s.port } : { kind: "named", name: s.port, protocol: "TCP" }];
  const built = new ServerRules(s, inv.mesh.settings, ports);
  const admissions = serverAdmissions(inv.mesh, s);
  if (!routes.length) for (const adm of admissions) built.pass(adm, undefined);
  else routeRules(inv, s, routes, admissions, built, out);
  const subject: EndpointSelector = { namespaces: { kind: "name", name: s.namespace }, labels: s.podSelector, kinds: ["pod"] };
  const base = { kind: "Server", name: s.name, namespace: s.namespace, tier: "admin" as const, subject, ...(s.src ? { src: s.src } : {}) };
  const name = `linkerd-${s.namespace}-${s.name}`;
  const pass = withRequests({ ...base, priority: PRIORITY.allow }, built.rules);
  out.policies.push(pass);
  out.names.set(pass, name);
  // Where a default policy follows (priority 400 and on), other connections to the Server's port are the Server's, not the default's.
  const then = pods.some((e) => defaults.restricted(e)) ? [{ name: "other-connections-to-the-server", action: "pass" as const, ports, path: ["spec"] }] : [];
  const rest = denyRest(base, "not-authorized-by-linkerd", ports, then);
  out.policies.push(rest);
  out.names.set(rest, `${name}-deny-rest`);
  out.warnings.push(...built.warnings);
}

/** The Pass rules of a Server's policy (and the Deny of route matches), with the identity warnings. */
class ServerRules {
  readonly rules: Rule[] = [];
  readonly warnings: MeshProblem[] = [];
  constructor(private readonly s: LinkerdServer, private readonly settings: MeshSettings, private readonly ports: PortMatch[]) {}

  /** One Pass rule per client alternative of the admission (requests matching `http` only, when given); whether one admits every client. */
  pass(adm: Admission, http: Clause | undefined): boolean {
    let everyone = false;
    for (const clause of adm.rule?.from ?? (adm.rule ? [[]] : [])) {
      let peers: Peer[] | undefined;
      try {
        peers = clausePeers(clause, this.settings);
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        const by = adm.policy ?? { kind: "Server", namespace: this.s.namespace, name: this.s.name, src: this.s.src };
        throw new Refused(`${by.kind} ${by.namespace}/${by.name}: ${e.message}`);
      }
      if (clause.some((c) => IDENTITY.has(c.attribute))) this.warn(`${adm.why} names identities, ${UNMESHED}`, adm.policy?.src);
      everyone ||= peers === undefined;
      this.add({ action: "pass", path: adm.rule!.path, ...(peers ? { peers } : {}), ...(http ? { http: [http], httpMode: "match" as const } : {}) });
    }
    return everyone;
  }

  add(r: Omit<Rule, "index" | "ports">): void {
    this.rules.push({ ...r, index: this.rules.length, ports: this.ports });
  }

  /** A warning on the next rule (`rule` false: on the policy). */
  warn(message: string, src = this.s.src, rule = true): void {
    this.warnings.push(problemOf("Server", { ...this.s, src }, message, rule ? this.rules.length : undefined));
  }
}

const UNMESHED = "which Linkerd accepts only from meshed clients over mutual TLS; the conversion matches pods by service account, so a client of such an account without a Linkerd proxy (or sending on a port of its config.linkerd.io/skip-outbound-ports) is allowed by the conversion, refused by Linkerd";

/**
 * A Server's routes in the order Linkerd tries their matches: Pass rules for the clients of the
 * route (and of the Server) with that match, then a Deny of the match when a later match passes
 * someone, so that the first common-API match is the route Linkerd picks.
 */
function routeRules(inv: Inventory, s: LinkerdServer, routes: readonly LinkerdRoute[], admissions: readonly Admission[], built: ServerRules, out: MeshConversion): void {
  const dynamic = perRequestPrecedence(routes);
  if (dynamic) throw new Refused(dynamic);
  const entries = routeMatchOrder(routes).map((x) => ({ ...x, clause: routeClause(x.route, x.rule, x.match), admissions: [...routeAdmissions(inv.mesh, x.route), ...admissions] }));
  const paths = entries.some((x) => x.clause.some((c) => c.attribute === "request.path"));
  built.warn(`Linkerd answers a request no route of the Server matches with 404 (gRPC: UNIMPLEMENTED), the conversion with 403 (PERMISSION_DENIED): both deny it${paths ? "; Linkerd matches the route's paths as sent, the common API after removing dot segments and decoding percent-encoded unreserved characters, so a request whose path is not in that form (/a/../b) may take another route" : ""}`, undefined, false);
  if (paths) out.rawPaths = true;
  entries.forEach((x, i) => {
    const everyone = x.admissions.map((adm) => built.pass(adm, x.clause)).some(Boolean);
    const later = entries.slice(i + 1).some((y) => y.admissions.some((adm) => adm.rule));
    if (!everyone && later) built.add({ action: "deny", name: `unauthorized-on-${x.route.kind.toLowerCase()}-${x.route.name}`, path: ["spec"], http: [x.clause], httpMode: "match" });
  });
}

/**
 * Shapes whose precedence Linkerd's proxy decides per request (linkerd2-proxy linkerd/http/route:
 * RouteMatch ranks the hostname that matched first, and a regular-expression path by the length
 * of the request's path): among several routes no fixed first-match order says which route a
 * request takes, so they are refused; the engine's order is fixed for the rest.
 */
function perRequestPrecedence(routes: readonly LinkerdRoute[]): string | undefined {
  if (routes.length < 2) return undefined;
  const names = routes.map((r) => `${r.kind} ${r.name}`).join(", ");
  if (new Set(routes.map((r) => JSON.stringify([...r.hostnames].sort()))).size > 1) return `${names} have different hostnames: Linkerd ranks a request's routes by the hostname that matched first, per request`;
  const regex = routes.find((r) => r.kind === "HTTPRoute" && r.rules.some((rule) => rule.matches.some((m) => m.some((c) => c.attribute === "request.path" && "values" in c && c.values.some((v) => v.kind === "regex")))));
  if (regex) return `HTTPRoute ${regex.name} matches a path by regular expression beside other routes (${names}): Linkerd ranks such a match by the length of the request's path, per request`;
  return undefined;
}

/** A route match (with the route's hostnames) as a common-API http match; query parameters and header matches have none. */
function routeClause(route: LinkerdRoute, rule: number, match: Clause): Clause {
  const where = `${route.kind} ${route.namespace}/${route.name}, rule ${rule}`;
  for (const c of match) {
    if (c.attribute === "request.query") throw new Refused(`${where}: a query parameter match (${c.name}) has no common-API equivalent`);
    if (c.attribute === "request.header" && "values" in c && c.values.some((v) => v.kind !== "exact")) throw new Refused(`${where}: a header match by regular expression (${c.name}) has no common-API equivalent (exact values only)`);
    // linkerd2-proxy http/match/header.rs: `headers.get_all(name).iter().any(...)`; the common API's enforcers read
    // a repeated header as its values joined with "," (model/request.ts RepeatedReading): "x: a" + "x: b" takes
    // Linkerd's route but misses the converted match, and the request falls to the rules after it (a later route's Pass).
    if (c.attribute === "request.header") throw new Refused(`${where}: a header match (${c.name}): Linkerd's proxy matches any one value of a header sent several times, the common API the values joined with "," (a request repeating it would skip the route's rules)`);
  }
  const grpc: Clause = route.kind === "GRPCRoute" ? GRPC_CALL : [];
  return [...(route.hostnames.length ? [{ attribute: "request.host" as const, values: route.hostnames.map(hostMatch) }] : []), ...grpc, ...match];
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
