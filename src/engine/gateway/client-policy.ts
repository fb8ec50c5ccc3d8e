// Envoy Gateway's ClientTrafficPolicies (envoyproxy/gateway v1.9.0): which one a listener gets, and the
// client address Envoy then reads for a request (what a rate limit's sourceCIDR matches), or the 403
// a failClosed custom header answers.
//
// Attachment (internal/gatewayapi/clienttrafficpolicy.go ProcessClientTrafficPolicies, the policies
// oldest first, then by namespace/name): first the targetRefs with a sectionName (a Gateway's listener
// or a ListenerSet's), then the ListenerSets whole, then the Gateways whole (targetRefs and
// targetSelectors). The first policy to claim a section or a scope takes it; a later one is Conflicted
// ("Unable to target section of NAME, another ClientTrafficPolicy has already attached to it",
// "Unable to target Gateway NAME, ..."); a whole-scope policy applies to the listeners no section
// policy (or, for a Gateway, no ListenerSet policy) claimed. A section policy on a plain HTTP listener
// that shares its port with another is refused for it (validatePortOverlapForClientTrafficPolicy: "is
// being applied to multiple http (non https) listeners (...) on the same port, which is not allowed"),
// yet it keeps the section: that listener gets no policy at all.
//
// The address (internal/xds/translator/listener.go): without clientIPDetection the HCM has
// use_remote_address and no trusted hops, so the address is the connection's source; with it,
// use_remote_address is false and one original IP detection extension reads it
// (originalIPDetectionExtensions: customHeader before xForwardedFor; directSourceIP adds none), and
// where it finds none Envoy keeps the connection's source (conn_manager_utility.cc mutateRequestHeaders:
// "if there is no final remote address ... use the direct connection remote address"). A listener with
// proxy protocol (patchProxyProtocolFilter) takes the connection's source from the PROXY header.

import { ENVOY_GATEWAY_GROUP, type CertificateChecks, type ClientTrafficPolicy, type Gateway, type Listener, type ListenerSet, type RouteGraph, type TlsMaterial } from "../../model/gateway.js";
import { X509Certificate } from "node:crypto";
import { permitted } from "./grants.js";
import { validateCrl } from "./crl.js";
import { findTlsMaterial } from "./tlsrefs.js";
import { contains, formatAddress, parseAddressAsWritten, type Address, type Cidr } from "../../model/ip.js";
import { headerReadings } from "../../model/request.js";
import { regexMatches, REGEX_SEMANTICS } from "../../model/regex.js";
import { compareAgeThenName, GATEWAY_GROUP, namespacedName } from "../../model/route.js";
import { untimedPolicies } from "./traffic-policy.js";
import { NO_CLIENT } from "./peer.js";
import type { Labels } from "../../model/selector.js";
import { selected } from "./traffic-policy.js";
import type { AttachedRoute } from "./engine.js";
import type { ListenerState } from "./listeners.js";


/** The ClientTrafficPolicy a listener gets. */
export interface EffectiveClientPolicy {
  policy: ClientTrafficPolicy;
  /** "listener http of Gateway infra/gw", "ListenerSet apps/ls", "Gateway infra/gw", ... */
  target: string;
  /** Younger policies that target the same and are Conflicted (they do nothing). */
  conflicted: string[];
  /** When the policy that took the target and one Conflicted there have no creationTimestamp: a note (model/time.ts untimedTie). */
  untimed?: string;
  /** Why Envoy Gateway does not translate the policy for this listener: none of it applies. */
  refused?: string;
  /** A ListenerSet's policy refused for this listener, whose place the Gateway's took: what to say of it. */
  passedOver?: string;
}

interface Claim { policy: ClientTrafficPolicy; target: string; conflicted: string[]; untimed?: string }

export class ClientPolicyIndex {
  /** "gateway ns/name|section key" → the section policy; "gateway ns/name|scope" → the whole-scope one. */
  private readonly sections = new Map<string, Claim>();
  private readonly scopes = new Map<string, Claim>();

  constructor(private readonly graph: RouteGraph, namespaceLabels: (ns: string) => Labels) {
    const policies = [...graph.clientTrafficPolicies].sort(compareAgeThenName);
    const gateways = new Map(graph.gateways.map((g) => [namespacedName(g), g]));
    const sets = new Map(graph.listenerSets.map((s) => [namespacedName(s), s]));
    const parentOf = (set: ListenerSet) => (set.parentRef.group === GATEWAY_GROUP && set.parentRef.kind === "Gateway" ? gateways.get(`${set.parentRef.namespace}/${set.parentRef.name}`) : undefined);
    const claim = (map: Map<string, Claim>, key: string, policy: ClientTrafficPolicy, target: string) => {
      const held = map.get(key);
      if (held) {
        held.conflicted.push(namespacedName(policy));
        held.untimed ??= untimedPolicies("ClientTrafficPolicy", held.policy, policy);
      } else map.set(key, { policy, target, conflicted: [] });
    };
    // 1. targetRefs with a sectionName (resolveClientTrafficPolicyTargetRef: the object and its listener must exist).
    for (const p of policies) {
      for (const t of p.targets) {
        if (t.group !== GATEWAY_GROUP || t.sectionName === undefined) continue;
        if (t.kind === "Gateway") {
          const gw = gateways.get(`${p.namespace}/${t.name}`);
          if (gw?.listeners.some((l) => l.name === t.sectionName)) claim(this.sections, `${namespacedName(gw)}|${t.sectionName}`, p, `listener ${t.sectionName} of Gateway ${namespacedName(gw)}`);
        } else if (t.kind === "ListenerSet") {
          const set = sets.get(`${p.namespace}/${t.name}`), gw = set && parentOf(set);
          if (set && gw && set.listeners.some((l) => l.name === t.sectionName)) claim(this.sections, `${namespacedName(gw)}|${namespacedName(set)}/${t.sectionName}`, p, `listener ${t.sectionName} of ListenerSet ${namespacedName(set)}`);
        }
      }
    }
    // 2. ListenerSets whole, then Gateways whole (targetRefs without sectionName, and targetSelectors).
    for (const kind of ["ListenerSet", "Gateway"]) {
      for (const p of policies) {
        const refs = p.targets.filter((t) => t.sectionName === undefined).map((t) => ({ ns: p.namespace, t }));
        for (const { ns, t } of [...refs, ...selected(graph, p, namespaceLabels, "ClientTrafficPolicy")]) {
          if (t.group !== GATEWAY_GROUP || t.kind !== kind) continue;
          if (kind === "Gateway") {
            const gw = gateways.get(`${ns}/${t.name}`);
            if (gw) claim(this.scopes, `${namespacedName(gw)}|gateway`, p, `Gateway ${namespacedName(gw)}`);
          } else {
            const set = sets.get(`${ns}/${t.name}`), gw = set && parentOf(set);
            if (set && gw) claim(this.scopes, `${namespacedName(gw)}|listenerset/${namespacedName(set)}`, p, `ListenerSet ${namespacedName(set)}`);
          }
        }
      }
    }
  }

  /**
   * The policy listener `listener` of `gateway` (of ListenerSet `set` when given) gets; `envoy`: the
   * listeners of the Envoy it shares with other Gateways (EnvoyProxy mergeGateways, merge.ts), whose
   * plain HTTP listeners on its port count for the same-port refusal too (validatePortOverlapForClientTrafficPolicy
   * reads the merged IR: a Gateway's or ListenerSet's policy is refused where a listener of another
   * Gateway or ListenerSet shares the port).
   */
  effective(gateway: Gateway, listener: Listener, set: ListenerSet | undefined, envoy?: readonly SharedListener[]): EffectiveClientPolicy | undefined {
    if (!this.graph.clientTrafficPolicies.length) return undefined;
    const gw = namespacedName(gateway);
    const section = this.sections.get(`${gw}|${set ? `${namespacedName(set)}/` : ""}${listener.name}`);
    if (section) {
      const others = this.samePort(gateway, listener, set, () => false, envoy);
      return { ...section, ...(others.length ? { refused: overlap(others) } : {}) };
    }
    const wide = this.scopes.get(`${gw}|gateway`);
    // The Gateway's policy: refused only where another Gateway's listener shares the port (merged).
    const wideOthers = wide && envoy ? this.samePort(gateway, listener, set, (o) => o.gateway === gateway, envoy) : [];
    const gatewayWide = wide && wideOthers.length ? { ...wide, refused: overlap(wideOthers) } : wide;
    if (set) {
      const whole = this.scopes.get(`${gw}|listenerset/${namespacedName(set)}`);
      // A ListenerSet's policy is refused for a listener sharing its plain HTTP port with listeners not of that set.
      const others = whole ? this.samePort(gateway, listener, set, (o) => o.set === set, envoy) : [];
      if (whole && !others.length) return whole;
      // Refused, it leaves the listener unclaimed: the Gateway's policy is tried on it (its own port check passes unless merged).
      if (whole) return gatewayWide ? { ...gatewayWide, passedOver: `ClientTrafficPolicy ${namespacedName(whole.policy)} targets ${whole.target} but Envoy Gateway does not apply it there: ${overlap(others)}` } : { ...whole, refused: overlap(others) };
    }
    return gatewayWide;
  }

  /**
   * validatePortOverlapForClientTrafficPolicy's error for a policy of `scope` on the listener: a section's
   * refused by any other plain HTTP listener on its port, a Gateway's by another Gateway's (merged), a
   * ListenerSet's by a listener not of that set.
   */
  portOverlap(gateway: Gateway, listener: Listener, set: ListenerSet | undefined, scope: "section" | "Gateway" | "ListenerSet", envoy?: readonly SharedListener[]): string | undefined {
    const mine = scope === "section" ? () => false : scope === "Gateway" ? (o: SharedListener) => o.gateway === gateway : (o: SharedListener) => o.set === set;
    const others = this.samePort(gateway, listener, set, mine, envoy);
    return others.length ? overlap(others) : undefined;
  }

  /**
   * The other plain HTTP listeners on the listener's port (listenersWithSameHTTPPort: a TLS listener has
   * a filter chain of its own), by Envoy Gateway's IR names (irListenerName), but those `mine` keeps:
   * of the Gateway and its ListenerSets, or of the shared Envoy's Gateways (`envoy`).
   */
  private samePort(gateway: Gateway, listener: Listener, set: ListenerSet | undefined, mine: (o: SharedListener) => boolean, envoy?: readonly SharedListener[]): string[] {
    if (listener.protocol !== "HTTP") return [];
    const gw = namespacedName(gateway);
    const all: readonly SharedListener[] = envoy ?? [
      ...gateway.listeners.map((l) => ({ gateway, listener: l })),
      ...this.graph.listenerSets.filter((s) => s.parentRef.kind === "Gateway" && `${s.parentRef.namespace}/${s.parentRef.name}` === gw).flatMap((s) => s.listeners.map((l) => ({ gateway, set: s, listener: l }))),
    ];
    return all.filter((o) => o.listener !== listener && o.listener.protocol === "HTTP" && o.listener.port === listener.port && !mine(o))
      .map((o) => (o.set ? `${namespacedName(o.gateway)}/${namespacedName(o.set)}/${o.listener.name}` : `${namespacedName(o.gateway)}/${o.listener.name}`));
  }
}

/** A listener as the Envoy that serves it has it: its Gateway, its ListenerSet (when of one). */
export interface SharedListener { gateway: Gateway; set?: ListenerSet; listener: Listener }

const overlap = (names: string[]) => `ClientTrafficPolicy is being applied to multiple http (non https) listeners (${names.join(", ")}) on the same port, which is not allowed`;

/**
 * What Envoy Gateway cannot translate in the policy for a listener (translateClientTrafficPolicyForListener),
 * in its order: its errors for every listener; those of HTTP and HTTPS listeners (headers, then the
 * listener's HTTP1 error `http1`, then HTTP/2); those of a listener with TLS (HTTPS, or TLS terminated:
 * buildListenerTLSParameters looks at no other).
 */
export function listenerTranslationErrors(p: ClientTrafficPolicy, l: { http: boolean; tls: boolean; http1?: string }, graph?: RouteGraph): string[] {
  const headers = p.httpErrors.filter((e) => e.startsWith("Headers: ")), rest = p.httpErrors.filter((e) => !e.startsWith("Headers: "));
  // buildListenerTLSParameters returns at its first error: the ciphers, then the client validation's CA references.
  const validation = graph && !p.tlsErrors.length ? clientValidation(graph, p) : undefined;
  const tls = [...p.tlsErrors, ...(validation && "error" in validation ? [`TLS: ${validation.error}`] : [])];
  return [...p.errors, ...(l.http ? [...headers, ...(l.http1 ? [`HTTP1: ${l.http1}`] : []), ...rest] : []), ...(l.tls ? tls : [])];
}

/**
 * The value Envoy Gateway reads at `key` of a Secret or ConfigMap reference (validateAndGetDataAtKeyInRef,
 * getFirstMatchOrFirstFromData): the key's value, else the only entry's; neither, or an empty value: the error
 * "ref secret [NAME] has none of the expected keys [KEY] and more than one entry" ("ref configmap" for a ConfigMap).
 * For ca.crt the PEM certificates found (a ConfigMap's ca.crt as read; was: a ConfigMap's ca.crt alone, so one whose
 * only entry has another name had no certificate), for ca.crl the text.
 */
function refValue(m: TlsMaterial, key: "ca.crt"): string[] | { error: string };
function refValue(m: TlsMaterial, key: "ca.crl"): string | { error: string };
function refValue(m: TlsMaterial, key: "ca.crt" | "ca.crl"): string[] | string | { error: string } {
  const d = m.refData ?? { entries: 0, caCrt: false };
  const none = { error: `ref ${m.kind.toLowerCase()} [${m.name}] has none of the expected keys [${key}] and more than one entry` };
  if (key === "ca.crt" && d.caCrt) return m.kind === "Secret" ? m.caCertificates ?? [] : m.certificates;
  const text = key === "ca.crl" && d.caCrl !== undefined ? d.caCrl : d.entries === 1 ? d.sole : undefined;
  if (!text) return none;
  return key === "ca.crl" ? text : text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.filter(parses) ?? [];
}

const parses = (pem: string) => { try { new X509Certificate(pem); return true; } catch { return false; } };

/**
 * A policy's tls.clientValidation as buildListenerTLSParameters resolves it: each CA reference
 * (validateAndGetDataAtKeyInRef: another namespace needs a ReferenceGrant from ClientTrafficPolicy; the
 * object must exist and hold a certificate, "failed to get certificate from ref", "no valid
 * certificates exist in NAME"), and a verifying mode (VerifyIfGiven, RequireAndVerify) needs one; then each
 * CRL reference likewise (key ca.crl, "failed to get crl from ref"), whose data validateCrl must accept
 * ("invalid crl in NAME: ..."); the CRLs' data is concatenated (irCrl.Data) for Envoy's validation context.
 */
export function clientValidation(graph: RouteGraph, p: ClientTrafficPolicy, now = new Date()): { mode: NonNullable<ClientTrafficPolicy["clientValidation"]>["mode"]; cas: string[]; checks?: CertificateChecks; crl?: { pem: string; leafOnly: boolean } } | { error: string } | undefined {
  const v = p.clientValidation;
  if (!v) return undefined;
  const material = (ref: { kind: "Secret" | "ConfigMap"; namespace: string; name: string }, what: string): TlsMaterial | { error: string } => {
    if (ref.namespace !== p.namespace && !permitted(graph.referenceGrants, { group: ENVOY_GATEWAY_GROUP, kind: "ClientTrafficPolicy", namespace: p.namespace }, { group: "", kind: ref.kind, namespace: ref.namespace, name: ref.name })) {
      return { error: `failed to get ${what} from ref: certificate ref to ${ref.kind} ${ref.namespace}/${ref.name} is not permitted by any ReferenceGrant` };
    }
    return findTlsMaterial(graph, ref.kind, ref.namespace, ref.name) ?? { error: `failed to get ${what} from ref: ${ref.kind.toLowerCase()} ${ref.namespace}/${ref.name} does not exist` };
  };
  const cas: string[] = [];
  for (const ref of v.caRefs) {
    const m = material(ref, "certificate");
    if ("error" in m) return m;
    const certs = refValue(m, "ca.crt");
    if ("error" in certs) return { error: `failed to get certificate from ref: ${certs.error}` };
    if (!certs.length) return { error: `failed to get certificate from ref: no valid certificates exist in ${ref.name}` };
    cas.push(...certs);
  }
  if ((v.mode === "VerifyIfGiven" || v.mode === "RequireAndVerify") && !cas.length) {
    return { error: v.legacyOptional ? `tls.clientValidation.optional=true requires caCertificateRefs (maps to mode "VerifyIfGiven")` : `tls.clientValidation.mode "${v.mode}" requires caCertificateRefs` };
  }
  // Then the CRLs (validateAndGetDataAtKeyInRef, key ca.crl), after the CAs' checks.
  let pem = "";
  for (const ref of v.crlRefs ?? []) {
    const m = material(ref, "crl");
    if ("error" in m) return m;
    const text = refValue(m, "ca.crl");
    if (typeof text !== "string") return { error: `failed to get crl from ref: ${text.error}` };
    const bad = validateCrl(text, now);
    if (bad) return { error: `invalid crl in ${ref.name}: ${bad}` };
    pem += text;
  }
  return { mode: v.mode, cas, ...(v.checks ? { checks: v.checks } : {}), ...(pem ? { crl: { pem, leafOnly: v.crlLeafOnly === true } } : {}) };
}

/**
 * translateHTTP1Settings' error for http10.useDefaultHost on an HTTP or HTTPS listener: the default host
 * is the listener's hostname when it has no wildcard, else the hostname of the one IR route that has
 * one without a wildcard. Envoy Gateway builds the listener's IR routes (its routes are processed
 * before ClientTrafficPolicies) one per hostname, rule and match (processHTTPRouteParentRefListener;
 * a rule without matches has one), the hostnames computeHosts gives: a route without hostnames takes
 * the listener's (a wildcard, or "*"), one with hostnames their intersections with the listener's, less
 * the hostnames of the Gateway's other listeners on the port. None, or more than one: an error.
 */
export function http10Error(l: ListenerState, routes: readonly AttachedRoute[], peers: readonly ListenerState[]): string | undefined {
  const own = l.listener.hostname;
  if (own !== undefined && !own.includes("*")) return undefined;
  const taken = new Set(peers.filter((o) => o !== l && o.listener.port === l.listener.port && o.listener.hostname !== undefined).map((o) => o.listener.hostname!));
  let count = 0;
  for (const a of routes) {
    const route = a.state.route;
    if ((route.kind !== "HTTPRoute" && route.kind !== "GRPCRoute") || route.group !== undefined || !route.hostnames.length) continue;
    const hosts = a.attachment.hostnames.filter((h): h is string => h !== undefined && !h.includes("*") && !taken.has(h));
    const perHost = route.rules.filter((r) => !a.state.dropped.has(r)).reduce((n, r) => n + Math.max(1, r.matches.length), 0);
    count += hosts.length * perHost;
  }
  if (count === 0) return "cannot set http10 default host on listener with only wildcard hostnames";
  return count > 1 ? "cannot set http10 default host on listener with only wildcard hostnames and more than one possible default route" : undefined;
}

/** The client address Envoy reads for a request, or why it is not known, or the 403 that refuses it. */
export interface ClientAddress {
  address?: Address;
  /** Why the address is not known (set when `address` is not). */
  unknown?: string;
  /** Where the address came from, when a ClientTrafficPolicy decided it ("X-Forwarded-For, ..."). */
  via?: string;
  /** customHeader with failClosed and no address in the header: Envoy answers 403 before routing. */
  refused?: string;
}

/**
 * The address Envoy's HCM reads for `req` on a listener with ClientTrafficPolicy `p` (none: the
 * connection's source). `connection` is the connection's source as Envoy sees it (peer.ts envoyGatewayPeer:
 * behind its LoadBalancer Service under externalTrafficPolicy Cluster, a node's), which xff's
 * trustedCIDRs judge and where no extension finds an address Envoy keeps.
 */
export function clientAddress(p: EffectiveClientPolicy | undefined, req: { headers: readonly (readonly [string, string])[] }, connection: ClientAddress): ClientAddress {
  const policy = p && !p.refused ? p.policy : undefined;
  const who = policy ? `ClientTrafficPolicy ${namespacedName(policy)}` : "";
  const peer = connectionSource(p, connection);
  const ip = policy?.clientIP;
  if (!ip || (!ip.header && !ip.xff)) return peer;
  const values = (name: string) => req.headers.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
  if (ip.header) {
    // custom_header.cc detect: the header's first value, an IP address (Network::Utility::parseInternetAddressNoThrow).
    const first = values(ip.header.name)[0];
    const address = first === undefined ? undefined : parseAddressAsWritten(first);
    if (address) return { address, via: `header ${ip.header.name}, ${who} clientIPDetection.customHeader` };
    const missing = first === undefined ? `the request has no ${ip.header.name} header` : `its ${ip.header.name} header ${JSON.stringify(first)} is no IP address`;
    if (ip.header.failClosed) return { refused: `${who} reads the client address from header ${ip.header.name} with failClosed, and ${missing}: Envoy answers 403 before routing (custom_header reject_with_status)` };
    return peer;
  }
  const xff = ip.xff!;
  if (xff.trusted) {
    // xff.cc detect with xff_trusted_cidrs: the connection's source must be trusted, then
    // Utility::getLastNonTrustedAddressFromXFF (the rightmost entry not in a trusted CIDR).
    if (!peer.address) return { unknown: `${peer.unknown ?? NO_CLIENT}, whose address decides whether ${who}'s trustedCIDRs let X-Forwarded-For be read` };
    if (!xff.trusted.some((c) => contains(c, peer.address!))) return peer;
    const found = lastUntrustedXffAddress(values("x-forwarded-for"), xff.trusted);
    return found ? { address: found, via: `X-Forwarded-For from ${formatAddress(peer.address)}, in ${who}'s trustedCIDRs` } : peer;
  }
  // Envoy Gateway writes numTrustedHops N as xff_num_trusted_hops N-1 (listener.go xffNumTrustedHops, envoy#34241).
  const skip = Math.max((xff.hops ?? 0) - 1, 0);
  const found = lastXffAddress(values("x-forwarded-for"), skip);
  return found ? { address: found, via: `X-Forwarded-For, ${who} numTrustedHops ${xff.hops ?? 0}` } : peer;
}

/**
 * The connection's source on a listener with ClientTrafficPolicy `p`: with proxy protocol (HTTP and TCP
 * listeners alike: translateClientTrafficPolicyForListener sets httpIR's and tcpIR's ProxyProtocol), the
 * PROXY header's (Envoy's proxy_protocol listener filter restores the remote address from it), which a
 * request does not carry; else `peer`, the one Envoy sees (peer.ts envoyGatewayPeer).
 */
export function connectionSource(p: EffectiveClientPolicy | undefined, peer: ClientAddress): ClientAddress {
  const policy = p && !p.refused ? p.policy : undefined;
  if (!policy?.proxyProtocol) return peer;
  return { unknown: `the listener reads the PROXY protocol header (ClientTrafficPolicy ${namespacedName(policy)} proxyProtocol), whose source address is the client address Envoy reads and which a request does not carry${policy.proxyProtocol.optional ? "" : "; a connection without one is closed"}` };
}

/** The most X-Forwarded-For entries getLastNonTrustedAddressFromXFF reads (MAX_ALLOWED_XFF_ENTRIES): more, no address. */
const MAX_XFF_ENTRIES = 20;

/**
 * Utility::getLastNonTrustedAddressFromXFF (Envoy 1.33+; the xff extension Envoy Gateway configures with
 * trustedCIDRs has no "recurse" switch): the X-Forwarded-For value split at ","; more than 20 entries,
 * none; from the right, each entry trimmed must be an IP address (one that is not: none), the first not
 * in a trusted CIDR is the client, and when every entry is trusted, the leftmost.
 */
function lastUntrustedXffAddress(values: readonly string[], trusted: readonly Cidr[]): Address | undefined {
  const entries = (values.length ? headerReadings(values, "envoy")[0] : "").split(",");
  if (entries.length > MAX_XFF_ENTRIES) return undefined;
  let last: Address | undefined;
  for (let i = entries.length - 1; i >= 0; i--) {
    last = parseAddressAsWritten(trimXff(entries[i]));
    if (!last) return undefined;
    if (!trusted.some((c) => contains(c, last!))) return last;
  }
  return last;
}

/** StringUtil::trim: the whitespace absl's ascii_isspace names, both ends. */
const trimXff = (s: string) => s.replace(/^[ \t\f\v\n\r]+|[ \t\f\v\n\r]+$/g, "");

/**
 * Utility::getLastAddressFromXFF: the X-Forwarded-For value (repeated headers joined with ","), its
 * last `skip` entries dropped (too few: none), the entry then last, trimmed, as an IP address.
 */
export function lastXffAddress(values: readonly string[], skip: number): Address | undefined {
  if (!values.length) return undefined;
  let xff = headerReadings(values, "envoy")[0];
  for (let i = 0; i < skip; i++) {
    const comma = xff.lastIndexOf(",");
    if (comma < 0) return undefined;
    xff = xff.slice(0, comma);
  }
  const comma = xff.lastIndexOf(",");
  if (comma >= 0 && comma + 1 < xff.length) xff = xff.slice(comma + 1);
  return parseAddressAsWritten(trimXff(xff));
}

/**
 * What Envoy's codec does with the request headers whose names hold "_", before the connection manager
 * reads any (http1 and http2 codec_impl.cc checkHeaderNameForUnderscores): Envoy Gateway writes every
 * HCM's headers_with_underscores_action from the listener's ClientTrafficPolicy headers.withUnderscoresAction,
 * and REJECT_REQUEST where there is none (xds/translator/listener.go buildHeadersWithUnderscoresAction:
 * `return corev3.HttpProtocolOptions_REJECT_REQUEST`; clienttrafficpolicy.go translateListenerHeaderSettings:
 * `ptr.Deref(headerSettings.WithUnderscoresAction, egv1a1.WithUnderscoresActionRejectRequest)`).
 * RejectRequest: HTTP/1 gets 400, HTTP/2 the stream reset ("HTTP/2 requests end with the stream
 * reset"); DropHeader: the headers are removed before any filter or route sees them.
 */
export function underscoreHeaders(p: EffectiveClientPolicy | undefined, headers: readonly (readonly [string, string])[]): { rejected: string } | { dropped: string[]; note: string } | undefined {
  const named = [...new Set(headers.map(([k]) => k.toLowerCase()).filter((k) => k.includes("_")))];
  if (!named.length) return undefined;
  const action = (p && !p.refused ? p.policy.withUnderscoresAction : undefined) ?? "RejectRequest";
  const by = action === "RejectRequest" && !(p && !p.refused && p.policy.withUnderscoresAction) ? "Envoy Gateway's default headers_with_underscores_action REJECT_REQUEST (no ClientTrafficPolicy headers.withUnderscoresAction)" : `ClientTrafficPolicy ${p!.policy.namespace}/${p!.policy.name} headers.withUnderscoresAction ${action}`;
  const which = `the header${named.length === 1 ? "" : "s"} ${named.join(", ")}`;
  if (action === "Allow") return undefined;
  if (action === "RejectRequest") return { rejected: `${which} ${named.length === 1 ? "has an underscore" : "have underscores"} in the name: Envoy refuses the request before routing (${by})` };
  return { dropped: named, note: `Envoy drops ${which} (an underscore in the name) before any filter or route reads them (${by})` };
}

/**
 * The listener's early header mutation (ClientTrafficPolicy headers.earlyRequestHeaders; Envoy Gateway's
 * listener.go buildEarlyHeaderMutation, Envoy's early_header_mutation header_mutation): the rules in
 * order on the request's headers, in the connection manager before its client address detection,
 * routing and every filter. Undefined when nothing changes.
 */
export function earlyHeaders(p: EffectiveClientPolicy | undefined, headers: readonly [string, string][]): { headers: [string, string][]; note: string } | undefined {
  const rules = p && !p.refused ? p.policy.earlyHeaders : undefined;
  if (!rules) return undefined;
  let out = headers.map(([k, v]): [string, string] => [k, v]);
  const has = (n: string) => out.some(([k]) => k.toLowerCase() === n.toLowerCase());
  const drop = (keep: (k: string) => boolean) => { out = out.filter(([k]) => keep(k.toLowerCase())); };
  for (const r of rules) {
    if (r.op === "remove") drop((k) => k !== r.name.toLowerCase());
    else if (r.op === "removeOnMatch") drop((k) => !(r.type === "Exact" ? k === r.value : r.type === "Prefix" ? k.startsWith(r.value) : r.type === "Suffix" ? k.endsWith(r.value) : regexMatches(r.value, REGEX_SEMANTICS.gatewayApi, k)));
    else if (r.op === "addIfAbsent") { if (!has(r.name)) out.push([r.name, r.value]); }
    else { if (r.op === "overwrite") drop((k) => k !== r.name.toLowerCase()); out.push([r.name, r.value]); }
  }
  if (JSON.stringify(out) === JSON.stringify(headers)) return undefined;
  const shown = (h: readonly (readonly [string, string])[]) => h.map(([k, v]) => `${k}: ${v}`).join(", ") || "(none)";
  return { headers: out, note: `ClientTrafficPolicy ${p!.policy.namespace}/${p!.policy.name} headers.earlyRequestHeaders changes the request's headers before routing (Envoy's early header mutation): ${shown(out)}` };
}
