// The http block's servers for one port: a server per hostname nginx must tell apart (every
// listener's hostname and every attached route's hostname), each holding the rules the engine
// would consider for a host that reaches it: the routes of the listener the engine picks for that
// host, every route hostname that covers it, in the engine's precedence order. HTTPS servers check
// that the listener the SNI chose is the Host's (421 otherwise), as the engine does.

import type { ListenerState } from "../../engine/gateway/listeners.js";
import { compareApplied, matchedHostname, type Applied, type Routable } from "../../engine/gateway/precedence.js";
import { bestListener, plainHttpListener } from "../../engine/gateway/select.js";
import { hostnameMatches, isWildcard } from "../../model/hostname.js";
import { routeKey, type Route, type RouteKind, type RouteRule } from "../../model/route.js";
import type { EffectiveTrafficPolicy } from "../../engine/gateway/traffic-policy.js";
import type { EffectiveSecurityPolicy } from "../../engine/gateway/security-policy.js";
import type { EndpointReader } from "../../model/service-endpoints.js";
import { ruleAction, type Action } from "./actions.js";
import { arg, block, dir, type Directive } from "./conf.js";
import type { Compilation } from "./context.js";
import { candidateOf, candidatesAt, locationBlock, locationKeys, njsBody, type Candidate } from "./locations.js";
import { NginxUnsupported } from "./problems.js";
import { clientValidation, servingCertificates } from "./tls.js";

/** A concrete host that reaches the server for `name` and no more specific one. */
export function representative(name: string | undefined, names: readonly (string | undefined)[]): string {
  if (name !== undefined && !isWildcard(name)) return name;
  const suffix = name === undefined ? "" : name.slice(1);
  const taken = (h: string) => names.some((n) => n !== undefined && (name === undefined ? hostnameMatches(n, h) : n === h));
  for (let i = 0; ; i++) if (!taken(`jx${i}${suffix}`)) return `jx${i}${suffix}`;
}

/** Records a problem of a route (rule) and carries on. */
export function attempt<T>(c: Compilation, what: { object: string; src?: import("../../model/source.js").SourceRef; rule?: number; ruleName?: string }, fallback: T, f: () => T): T {
  try { return f(); } catch (e) {
    if (!(e instanceof NginxUnsupported)) throw e;
    c.problems.push({ ...what, feature: e.feature, message: e.message });
    return fallback;
  }
}

interface PortPlan {
  port: number;
  listeners: ListenerState[];
  tls: boolean;
  grpc: boolean;
  /** The Unix socket the servers listen on instead of the port (the port's stream server hands them the connections). */
  socket?: string;
}

function routeKind(c: Compilation, p: { listeners: ListenerState[]; tls: boolean }): boolean {
  const attached = p.listeners.flatMap((l) => c.engine.attached(l));
  const kinds = new Set<RouteKind>(attached.map((a) => a.state.route.kind));
  if (kinds.has("GRPCRoute") && kinds.has("HTTPRoute") && !p.tls) {
    const g = attached.find((a) => a.state.route.kind === "GRPCRoute")!.state.route;
    c.problems.push({ object: routeKey(g), src: g.src, feature: "GRPCRoutes and HTTPRoutes on one plain-HTTP port", message: `port ${p.listeners[0].listener.port} would have to speak h2c (gRPC) and HTTP/1.1 at once, which nginx 1.22 cannot on a cleartext port` });
  }
  return kinds.has("GRPCRoute");
}

function listenDirectives(c: Compilation, p: PortPlan, isDefault: boolean): Directive[] {
  const params = [...(isDefault ? ["default_server"] : []), ...(p.tls ? ["ssl"] : []), ...(p.grpc || p.tls ? ["http2"] : [])];
  if (p.socket) return [dir("listen", `unix:${p.socket}`, ...params)];
  const addrs = c.options.listen.length ? c.options.listen.map((a) => `${a.includes(":") && !a.startsWith("[") ? `[${a}]` : a}:${p.port}`) : [String(p.port)];
  return addrs.map((a) => dir("listen", a, ...params));
}

/** The rule matches the engine considers for `host` on listener `l`, best first. */
function candidates(c: Compilation, l: ListenerState, host: string, grpc: boolean): Candidate[] {
  const kind: RouteKind = grpc ? "GRPCRoute" : "HTTPRoute";
  const applied: Applied[] = [];
  // Envoy Gateway: the routes of the virtual host Envoy picks for the host (engine.ts routesFor), as the engine routes.
  for (const a of c.engine.routesFor(l, host).routes) {
    if (a.state.route.kind !== kind) continue;
    const hostname = matchedHostname(a, host);
    if (hostname === null) continue;
    for (const rule of a.state.route.rules) {
      if (a.state.dropped.has(rule)) continue;
      rule.matches.forEach((match, matchIndex) => applied.push({ attached: a, rule, match, matchIndex, hostname }));
    }
  }
  applied.sort(compareApplied);
  return applied.flatMap((x) => attempt(c, ruleRef(x.attached, x.rule.index, x.rule.name), [], () => [candidateOf(x, grpc)]));
}

const ruleRef = (a: Routable, rule: number, ruleName?: string) => ({ object: routeKey(a.state.route), src: a.state.route.src, rule, ruleName });

/** Builds each rule's action once per server; locations and named locations collect here. */
class ServerActions {
  readonly named: Directive[] = [];
  private readonly inline = new Map<string, Action>();
  private readonly names = new Map<string, string>();
  private readonly byRule = new Map<object, number>();

  /**
   * `policy`: the Envoy Gateway BackendTrafficPolicy of each rule on the server's listener
   * (GatewayEngine.listenerTrafficPolicy); `reader`: who picks the backends' endpoints there (the
   * Gateway's data plane: gatewayEndpointReader), with the policy's panic threshold for Envoy Gateway;
   * `security`: its SecurityPolicy of each rule (GatewayEngine.listenerSecurityPolicy), which nginx
   * cannot express (compiled without it, every request would pass: refused).
   */
  constructor(private readonly c: Compilation, private readonly p: PortPlan, private readonly policy?: (route: Route, rule: RouteRule) => EffectiveTrafficPolicy | undefined, private readonly reader: EndpointReader = "proxy", private readonly security?: (route: Route, rule: RouteRule) => EffectiveSecurityPolicy | undefined) {}

  private key(x: Candidate): string {
    const rule = x.applied.rule;
    if (!this.byRule.has(rule)) this.byRule.set(rule, this.byRule.size);
    return `${this.byRule.get(rule)} ${x.applied.match.path?.type === "PathPrefix" ? x.applied.match.path.value : ""}`;
  }

  action(x: Candidate): Action {
    const k = this.key(x);
    let a = this.inline.get(k);
    if (!a) {
      const { attached, rule, match } = x.applied;
      const policy = this.policy?.(attached.state.route, rule);
      const pick = { reader: this.reader, panicThreshold: policy?.panicThreshold };
      const input = { state: attached.state, rule, matchedPrefix: match.path?.type === "PathPrefix" ? match.path.value : undefined, scheme: this.p.tls ? "https" as const : "http" as const, listenerPort: this.p.port, grpc: this.p.grpc, pick };
      const security = this.security?.(attached.state.route, rule);
      a = attempt(this.c, ruleRef(attached, rule.index, rule.name), { body: [dir("return", "500")], locations: [] }, () => {
        if (security) throw new NginxUnsupported("Envoy Gateway's SecurityPolicy", `SecurityPolicy ${security.policies.join(" merged into ")} applies here: its authentication and authorization filters are Envoy's (basic_auth, api_key_auth, jwt_authn, ext_authz, oauth2, rbac), which this target does not write`);
        return ruleAction(this.c, input, policy);
      });
      this.inline.set(k, a);
      this.named.push(...a.locations);
    }
    return a;
  }

  /** A named location holding the action, for njs to redirect to. */
  namedLocation(x: Candidate): string {
    const k = this.key(x);
    let name = this.names.get(k);
    if (!name) {
      name = `@jx_r${this.names.size + 1}`;
      this.names.set(k, name);
      this.named.push(block("location", [name], this.action(x).body));
    }
    return name;
  }
}

function locations(c: Compilation, p: PortPlan, l: ListenerState, cands: Candidate[]): Directive[] {
  const actions = new ServerActions(c, p, c.engine.listenerTrafficPolicy(l), c.engine.gateway(l.gateway.namespace, l.gateway.name)?.endpointReader, c.engine.listenerSecurityPolicy(l));
  const out = locationKeys(cands).map((k) => {
    const list = candidatesAt(cands, k);
    if (!list.length) return locationBlock(k, [dir("return", "404")]);
    if (!list[0].residual) return locationBlock(k, actions.action(list[0]).body);
    const entries = list.map((x) => ({ ...x.residual, to: actions.namedLocation(x) }));
    return locationBlock(k, njsBody(c.tableKey(entries)));
  });
  return [...out, ...actions.named];
}

/** `map $ssl_server_name`: the listener the SNI selects on this port. */
function sniListener(c: Compilation, p: PortPlan): string {
  const entries: [string, string][] = [["hostnames", ""], ["default", arg(p.listeners.find((l) => l.listener.hostname === undefined)?.listener.name ?? "")]];
  for (const l of p.listeners) if (l.listener.hostname !== undefined) entries.push([arg(l.listener.hostname), arg(l.listener.name)]);
  return c.map("map", "$ssl_server_name", entries);
}

/**
 * `map $http_host`: whether the Host header ends with a dot (before an optional port). nginx drops
 * that dot before it picks the server (ngx_http_validate_host), where the engine, as Envoy, keeps
 * it: `example.com.` is another name, which no listener or route hostname covers.
 */
function dottedHost(c: Compilation): string {
  return c.map("map", "$http_host", [["default", "0"], [arg("~\\.(:[0-9]*)?$"), "1"]]);
}

/** Whether the engine has any rule for a host no hostname on the port covers (what a dotted Host gets). */
/** The listener the engine picks for `host` (SNI or Host): plain HTTP by plainHttpListener (Envoy Gateway: by virtual host domain). */
const listenerFor = (c: Compilation, p: PortPlan, host: string) => (p.tls ? bestListener(p.listeners, host) : plainHttpListener(c.engine, p.listeners, host).listener);

function servesUncoveredHosts(c: Compilation, p: PortPlan, names: (string | undefined)[]): boolean {
  const host = representative(undefined, names);
  const l = listenerFor(c, p, host);
  return l !== undefined && !(p.tls && l.programmed) && candidates(c, l, host, p.grpc).length > 0;
}

function server(c: Compilation, p: PortPlan, name: string | undefined, names: (string | undefined)[], uncovered: boolean): Directive {
  const host = representative(name, names);
  const l = listenerFor(c, p, host);
  const head = [...listenDirectives(c, p, name === undefined), ...(name === undefined ? [] : [dir("server_name", arg(name))])];
  if (!l || (p.tls && l.programmed)) return block("server", [], [...head, p.tls ? dir("ssl_reject_handshake", "on") : dir("return", "404")], l ? `listener ${l.listener.name}: ${l.programmed!.message}` : undefined);
  const body = [...head];
  let extra: Directive[] = [];
  if (p.tls) {
    const v = clientValidation(c, l);
    body.push(...servingCertificates(c, l), ...v.server);
    extra = v.locations;
    if (p.listeners.length > 1) body.push(block("if", [`(${sniListener(c, p)}`, "!=", `${arg(l.listener.name)})`], [dir("return", attempt(c, { object: `Gateway ${c.gatewayName}`, src: c.gateway.gateway.src }, "421", () => misdirected(c, p, l, host)))]));
  }
  body.push(...attempt(c, { object: `Gateway ${c.gatewayName}`, src: c.gateway.gateway.src }, [], () => underscoreHeaders(c, p)));
  // A dotted Host reaches this server in nginx; the engine gives it the rules for hosts no name covers: none here.
  if (name !== undefined && !uncovered) body.push(block("if", [`(${dottedHost(c)})`], [dir("return", "404")]));
  body.push(dir("merge_slashes", "off"), ...locations(c, p, l, candidates(c, l, host, p.grpc)), ...extra);
  return block("server", [], body, `listener ${l.listener.name}${name === undefined ? "" : `, hostname ${name}`}`);
}

/**
 * What a request whose SNI chose another listener than the Host's gets: 421, as the engine answers;
 * on Envoy Gateway's Gateways the SNI listener's own route configuration answers (engine.ts
 * routesFor): 404 where no other listener has a rule for the host, else the answer depends on the SNI,
 * which nginx does not route by here (refused).
 */
function misdirected(c: Compilation, p: PortPlan, l: ListenerState, host: string): string {
  if (!c.engine.gateway(l.gateway.namespace, l.gateway.name)?.envoyGateway) return "421";
  const other = p.listeners.find((o) => o !== l && !o.programmed && candidates(c, o, host, p.grpc).length > 0);
  if (other) throw new NginxUnsupported("a Host answered by another HTTPS listener's routes", `on Envoy Gateway's Gateways a request whose SNI selects listener ${other.listener.name} is routed by that listener's route configuration, which has rules for host ${host} of listener ${l.listener.name}: nginx picks the server by Host, not by SNI`);
  return "404";
}

/**
 * Request headers with "_" in the name on Envoy Gateway's listeners (engine: gateway/client-policy.ts
 * underscoreHeaders): Envoy Gateway writes headers_with_underscores_action REJECT_REQUEST unless the
 * listener's ClientTrafficPolicy sets headers.withUnderscoresAction. The http block lets such headers
 * through (underscores_in_headers on, as the Gateway API's other implementations do); here RejectRequest
 * is the njs variable $jx_underscored ("1" for HTTP/1, answered 400 as Envoy's codec does; "2" for HTTP/2,
 * whose stream Envoy resets: nginx's 444 closes it), DropHeader nginx's own dropping (underscores_in_headers
 * off with ignore_invalid_headers on: "client sent invalid header line", the header ignored), Allow nothing.
 * The listeners of one port must agree (nginx reads these settings per server, before a location).
 */
function underscoreHeaders(c: Compilation, p: PortPlan): Directive[] {
  const first = p.listeners[0];
  if (!c.engine.gateway(first.gateway.namespace, first.gateway.name)?.envoyGateway) return [];
  const action = (l: ListenerState) => { const cp = c.engine.listenerClientPolicy(l); return (cp && !cp.refused ? cp.policy.withUnderscoresAction : undefined) ?? "RejectRequest"; };
  const actions = [...new Set(p.listeners.map(action))];
  if (actions.length > 1) throw new NginxUnsupported("listeners of one port with different headers.withUnderscoresAction", `port ${p.port}: ${p.listeners.map((l) => `${l.listener.name} ${action(l)}`).join(", ")}`);
  if (actions[0] === "DropHeader") return [dir("underscores_in_headers", "off"), dir("ignore_invalid_headers", "on")];
  if (actions[0] !== "RejectRequest") return [];
  c.underscoreCheck = true;
  return [block("if", ["($jx_underscored", "=", "2)"], [dir("return", "444")]), block("if", ["($jx_underscored)"], [dir("return", "400")])];
}

/** Every server of an HTTP or HTTPS port (listening on `socket` when the port's stream server hands them its connections). */
export function httpServers(c: Compilation, listeners: ListenerState[], socket?: string): Directive[] {
  const tls = listeners[0].listener.protocol === "HTTPS";
  const p: PortPlan = { port: listeners[0].listener.port, listeners, tls, grpc: false, socket };
  p.grpc = routeKind(c, p);
  const names: (string | undefined)[] = [undefined];
  const add = (h: string | undefined) => { if (!names.includes(h)) names.push(h); };
  for (const l of listeners) {
    add(l.listener.hostname);
    for (const a of c.engine.attached(l)) a.attachment.hostnames.forEach(add);
  }
  // Envoy Gateway: a domain in two virtual hosts of the port's one route configuration, which Envoy refuses (the engine answers 404).
  const refused = listeners.map((l) => c.engine.duplicateVirtualHost(l)).find((r) => r !== undefined);
  if (refused) c.problems.push({ object: `Gateway ${c.gatewayName}`, src: c.gateway.gateway.src, feature: "a route configuration Envoy refuses", message: `${refused}: nginx has no such configuration to refuse` });
  const uncovered = servesUncoveredHosts(c, p, names);
  return names.map((n) => server(c, p, n, names, uncovered));
}
