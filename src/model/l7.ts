// The request layer of the model: the one rule shape every L7 authorization API is lowered into.
//
// A rule is made of conditions on named attributes of a request (or, for TCP, of the connection).
// Each front end spells its API's matching rules out in its lowering: which attribute a field
// reads (Cilium matches the path with its query string, "request.url"; Istio and Calico the path
// without it, "request.path"), and how a value matches (exact, prefix, RE2 regex, URI template...).
// The engine (engine/l7/) only evaluates conditions; it never asks which API a rule came from.

import type { Cidr } from "./ip.js";
import type { Path } from "./source.js";

/** How a string value matches: each front end picks the form its API means. */
export type StringMatch =
  | { kind: "exact"; value: string; ignoreCase?: boolean }
  | { kind: "prefix"; value: string; ignoreCase?: boolean }
  | { kind: "suffix"; value: string; ignoreCase?: boolean }
  /** Any non-empty value (Istio's "*"). */
  | { kind: "present" }
  /**
   * RE2 syntax, matching the whole value. `firstMatch`: the leftmost-first match must span the whole
   * value (Linkerd's proxy: Rust's Regex::find, then start 0 and end = length), so `/(a|ab)` does not
   * match "/ab" there, while Envoy's full match does.
   */
  | { kind: "regex"; regex: string; firstMatch?: boolean }
  /** A URI template over a path: {*} one non-empty segment, {**} any number of segments (Istio, Envoy). */
  | { kind: "template"; template: string }
  /** A path prefix made of whole segments: "/api" matches "/api" and "/api/x", not "/apix" (Gateway API PathPrefix). */
  | { kind: "segments"; value: string };

/**
 * Attributes a condition reads. Identity attributes exist only when the hop is authenticated (mutual
 * TLS): a plaintext client has no principal, namespace, service account or trust domain.
 *   source.principal       the client's identity as its mesh writes it (Istio: TRUST_DOMAIN/ns/NS/sa/SA;
 *                          Linkerd: SA.NS.serviceaccount.identity.linkerd.TRUST_DOMAIN)
 *   source.namespace       the namespace of that identity
 *   source.serviceAccount  "NAMESPACE/SERVICE_ACCOUNT" of that identity
 *   source.trustDomain     the trust domain of that identity
 *   request.auth           the request's verified JWT (`name` undefined or "principal": ISS/SUB;
 *                          "audiences", "presenter", "claims[A][B]"): engine/l7/jwt-claims.ts; absent
 *                          without a verified token
 *   request.method, request.host (:authority, as sent), request.header (`name`, case-insensitive),
 *   request.query (the query parameter `name`)
 *   request.path           the path without query and fragment, after the enforcement point's
 *                          normalization (an Istio sidecar removes dot segments)
 *   request.cleanPath      the path as Calico's Dikastes cleans it (app-policy/checker/match.go
 *                          normalizeHTTPPath): decoded once, "\\" read as "/", ";params" cut from each
 *                          segment, Go's path.Clean (slashes merged, dot segments, no trailing "/");
 *                          absent when it refuses the path (a NUL, a double-encoded ".", "/" or "\\")
 *   request.url            the path with its query string as Cilium's Envoy sees it: the path normalized,
 *                          slashes merged, %2F unescaped; the query as sent (Cilium matches this)
 *   connection.sni         the TLS server name of the connection (Istio mTLS: outbound_.PORT_._.HOST)
 * Address and port attributes: source.ip (the direct peer), remote.ip (the original client; the
 * direct peer when no proxy in front adds X-Forwarded-For), destination.ip, destination.port.
 */
export type TextAttribute =
  | "source.principal" | "source.namespace" | "source.serviceAccount" | "source.trustDomain"
  | "request.auth" | "request.method" | "request.host" | "request.header" | "request.query" | "request.path" | "request.url" | "request.cleanPath"
  | "connection.sni" | "envoy.metadata";
export type AddressAttribute = "source.ip" | "remote.ip" | "destination.ip";

/** An address range, minus the ranges in `except`. */
export interface CidrMatch {
  cidr: Cidr;
  except?: readonly Cidr[];
}

/**
 * One condition: the attribute matches one of the values — or, with `not`, none of them (an
 * absent attribute matches none, so a negated condition holds for it).
 */
export type Condition =
  | {
    attribute: TextAttribute; name?: string; values: readonly StringMatch[]; not?: boolean;
    /**
     * The values as an L4-only enforcement point of the same API reads them, when its matching
     * differs (Istio's ztunnel matches a namespace pattern as a plain exact, prefix, suffix or presence
     * match, where Envoy's RBAC reads it as a regex over the whole principal).
     */
    l4Values?: readonly StringMatch[];
  }
  | { attribute: AddressAttribute; cidrs: readonly CidrMatch[]; not?: boolean }
  | { attribute: "destination.port"; ports: readonly number[]; not?: boolean };

/** Conditions that must all hold. */
export type Clause = readonly Condition[];

/** Attributes only an HTTP request has (a TCP connection has none of them). */
export const HTTP_ONLY: ReadonlySet<string> = new Set(["request.auth", "request.method", "request.host", "request.header", "request.query", "request.path", "request.url", "request.cleanPath"]);

export function isHttpOnly(c: Condition): boolean {
  return HTTP_ONLY.has(c.attribute);
}

/**
 * The one L7 rule shape: it matches when some `from` clause holds (who sends), some `to` clause holds
 * (what is asked), and every `when` condition holds. Omitted parts hold for everything.
 */
export interface L7Rule {
  /** Position in the policy's rule list. */
  index: number;
  from?: readonly Clause[];
  to?: readonly Clause[];
  when?: Clause;
  /** The rule's field path inside its object, e.g. ["spec", "rules", 0]. */
  path: Path;
}

/** A condition no request meets (a port among none): what a rule that must never match carries. */
export const NEVER_MATCHES: Condition = { attribute: "destination.port", ports: [] };

/** Istio's value syntax: exact, prefix*, *suffix or * (StringMatcherWithPrefix / HeaderMatcher / HostMatcher). */
export function istioWildcard(value: string, ignoreCase = false): StringMatch {
  const ci = ignoreCase ? { ignoreCase: true } : {};
  if (value === "*") return { kind: "present" };
  if (value.startsWith("*")) return { kind: "suffix", value: value.slice(1), ...ci };
  if (value.endsWith("*")) return { kind: "prefix", value: value.slice(0, -1), ...ci };
  return { kind: "exact", value, ...ci };
}

/** The Istio value istioWildcard read (undefined for the other kinds). */
export function istioWildcardText(m: StringMatch): string | undefined {
  switch (m.kind) {
    case "exact": return m.value;
    case "prefix": return `${m.value}*`;
    case "suffix": return `*${m.value}`;
    case "present": return "*";
    default: return undefined;
  }
}

/** "GET", "/api/*", ... : one value as people write it. */
export function formatStringMatch(m: StringMatch): string {
  const ci = "ignoreCase" in m && m.ignoreCase ? " (any case)" : "";
  switch (m.kind) {
    case "exact": return `${m.value}${ci}`;
    case "prefix": return `${m.value}*${ci}`;
    case "suffix": return `*${m.value}${ci}`;
    case "present": return "*";
    case "regex": return `~${m.regex}`;
    case "template": return m.template;
    case "segments": return m.value === "/" ? "/**" : `${m.value.replace(/\/$/, "")}/**`;
  }
}

const ATTRIBUTE_NAME: Record<string, string> = {
  "request.method": "method", "request.host": "host", "request.path": "path", "request.url": "path?query", "request.cleanPath": "path",
  "source.principal": "principal", "source.namespace": "namespace", "source.serviceAccount": "service account",
  "source.trustDomain": "trust domain", "connection.sni": "SNI", "source.ip": "source ip", "remote.ip": "remote ip",
  "destination.ip": "destination ip", "destination.port": "port",
};

/** "method GET|HEAD", "header x-user not admin", "port 8080". */
export function formatCondition(c: Condition): string {
  const named: Record<string, string> = { "request.header": "header", "request.auth": "jwt", "request.query": "query", "envoy.metadata": "Envoy metadata" };
  // requestPrincipals are "request.auth" without a name: the principal.
  const sub = "name" in c && c.name !== undefined ? c.name : c.attribute === "request.auth" ? "principal" : "";
  const name = named[c.attribute] ? `${named[c.attribute]} ${sub}` : ATTRIBUTE_NAME[c.attribute] ?? c.attribute;
  const values = "values" in c ? c.values.map(formatStringMatch)
    : "cidrs" in c ? c.cidrs.map((m) => `${m.cidr.text}${m.except?.length ? ` except ${m.except.map((x) => x.text).join(",")}` : ""}`)
    : c.ports.map(String);
  return `${name}${c.not ? " not" : ""} ${values.join("|")}`;
}

export function formatClause(c: Clause): string {
  return c.length ? c.map(formatCondition).join(", ") : "anything";
}
