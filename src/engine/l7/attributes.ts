// The attributes of one request (or TCP connection) as one enforcement point sees them, and the
// evaluation of L7 conditions, clauses and rules over them.

import type { Clause, Condition, L7Rule } from "../../model/l7.js";
import { contains, subtractRanges, type Address, type AddressRange } from "../../model/ip.js";
import { stringMatches } from "./strings.js";
import { requestAuthMatches, type JwtPayload } from "./jwt-claims.js";
import { queryParams } from "./paths.js";
import { headerReadings, queryReadings, type RepeatedReading } from "../../model/request.js";

/** The authenticated identity of the client (present only over mutual TLS). */
export interface PeerIdentity {
  /** As the enforcing mesh writes identities (Istio SPIFFE without scheme, Linkerd DNS-like). */
  principal: string;
  namespace: string;
  serviceAccount: string;
  trustDomain: string;
}

export interface HttpAttributes {
  method: string;
  /** :authority as sent. */
  host: string;
  /** The path the enforcement point matches (normalized, without query). */
  path: string;
  /** The path with its query string, as the enforcement point matches it (engine.ts httpAttributes). */
  url: string;
  /** The path as Calico's Dikastes cleans it; undefined when it refuses it (paths.ts calicoCleanPath). */
  cleanPath?: string;
  query: string;
  /** Header values by lower-case name, in order. */
  headers: ReadonlyMap<string, readonly string[]>;
  /** How a repeated header or query parameter reads: "envoy" (Istio, Cilium, Calico) or "each" (Linkerd). */
  repeated: RepeatedReading;
}

export interface Attributes {
  identity?: PeerIdentity;
  sourceIp?: Address;
  remoteIp?: Address;
  /** The last X-Forwarded-For entry is an address Junction cannot know (l7/hop.ts HttpFacts forwardedUnknown): why. */
  remoteUnknown?: string;
  /** The direct peer's address (source.ip, and remote.ip unless a header gives it) is one Junction cannot know (Hop.clientUnknown): why. */
  peerUnknown?: string;
  /**
   * The client's address is not in the input (a pod of a controller's template) but lies in one of
   * these networks: an address condition holds when it holds for every address of them.
   */
  sourceWithin?: readonly AddressRange[];
  destinationIp?: Address;
  destinationPort: number;
  sni?: string;
  /** Absent for a TCP connection. */
  http?: HttpAttributes;
  /** The payload of the request's JWT that the point's jwt_authn verified (engine/l7/jwt.ts); absent: none. */
  jwt?: JwtPayload;
  /**
   * The Envoy filter metadata conditions (attribute "envoy.metadata", Istio's experimental.envoy.filters.*)
   * taken to match (before `not`): Junction cannot know that metadata, so an enforcement point tries each
   * way (l7/istio.ts istioAuthorize). Absent: none matches.
   */
  metadataHeld?: ReadonlySet<Condition>;
}

/** The values an attribute has in this request (none: absent). */
function textValues(c: Extract<Condition, { values: unknown }>, a: Attributes): readonly string[] {
  const id = a.identity, h = a.http;
  switch (c.attribute) {
    case "source.principal": return id ? [id.principal] : [];
    case "source.namespace": return id ? [id.namespace] : [];
    case "source.serviceAccount": return id ? [`${id.namespace}/${id.serviceAccount}`] : [];
    case "source.trustDomain": return id ? [id.trustDomain] : [];
    case "connection.sni": return a.sni !== undefined ? [a.sni] : [];
    case "envoy.metadata": return [];
    case "request.auth": return [];
    case "request.method": return h ? [h.method] : [];
    case "request.host": return h ? [h.host] : [];
    case "request.path": return h ? [h.path] : [];
    case "request.url": return h ? [h.url] : [];
    case "request.cleanPath": return h?.cleanPath !== undefined ? [h.cleanPath] : [];
    case "request.header": return h ? headerValues(h, (c.name ?? "").toLowerCase()) : [];
    case "request.query": return h ? queryReadings(queryParams(h.query, c.name ?? ""), h.repeated) : [];
  }
}

/** A header's values; Envoy's pseudo-headers :method, :path (with the query) and :authority are headers to its matchers. */
function headerValues(h: HttpAttributes, name: string): readonly string[] {
  const pseudo: Record<string, string> = { ":method": h.method, ":authority": h.host, ":path": h.query || h.url.includes("?") ? `${h.path}?${h.query}` : h.path };
  if (name in pseudo) return [pseudo[name]];
  return headerReadings(h.headers.get(name) ?? [], h.repeated, name);
}

function addressOf(attribute: "source.ip" | "remote.ip" | "destination.ip", a: Attributes): Address | undefined {
  return attribute === "source.ip" ? a.sourceIp : attribute === "remote.ip" ? a.remoteIp : a.destinationIp;
}

/** Whether the attribute has one of the condition's values (before `not`). */
function anyValue(c: Condition, a: Attributes): boolean {
  if ("values" in c) {
    if (c.attribute === "request.auth") return requestAuthMatches(c.name, c.values, a.jwt);
    if (c.attribute === "envoy.metadata") return a.metadataHeld?.has(c) ?? false;
    const vs = textValues(c, a);
    // A header's "present" is Envoy's present_match: the header is there, even with an empty value.
    if (c.attribute === "request.header" && vs.length && c.values.some((m) => m.kind === "present")) return true;
    return vs.some((v) => c.values.some((m) => stringMatches(m, v)));
  }
  if ("cidrs" in c) {
    const ip = addressOf(c.attribute, a);
    if (ip === undefined) return c.attribute !== "destination.ip" && a.sourceWithin !== undefined && coversAll(c.cidrs, a.sourceWithin);
    return c.cidrs.some((m) => contains(m.cidr, ip) && !(m.except ?? []).some((x) => contains(x, ip)));
  }
  return c.ports.includes(a.destinationPort);
}

/** Whether every address of `networks` is in one of the CIDRs (minus its exceptions). */
function coversAll(cidrs: Extract<Condition, { cidrs: unknown }>["cidrs"], networks: readonly AddressRange[]): boolean {
  const held = cidrs.flatMap((m) => subtractRanges(m.cidr, m.except ?? []));
  return networks.every((n) => subtractRanges(n, held).length === 0);
}

export function conditionHolds(c: Condition, a: Attributes): boolean {
  return anyValue(c, a) !== (c.not === true);
}

export function clauseHolds(c: Clause, a: Attributes): boolean {
  return c.every((x) => conditionHolds(x, a));
}

/** A rule matches when some `from` clause, some `to` clause and every `when` condition hold. */
export function ruleMatches(r: L7Rule, a: Attributes): boolean {
  return (!r.from || r.from.some((c) => clauseHolds(c, a)))
    && (!r.to || r.to.some((c) => clauseHolds(c, a)))
    && (!r.when || clauseHolds(r.when, a));
}
