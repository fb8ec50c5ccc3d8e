// Istio's value syntax, lowered the way istiod builds Envoy RBAC matchers (pilot/pkg/security/authz
// model/generator.go, matcher/): a value is exact, "prefix*", "*suffix", or "*" (any non-empty
// value); hosts match in any case; paths may be URI templates ({*}, {**}); ports, IPs and CIDRs
// are checked as the validation webhook checks them (pkg/config/security).

import { parseAddressAsWritten, parseCidrAsWritten, type Cidr } from "../../model/ip.js";
import { istioWildcard as wildcard, type CidrMatch, type StringMatch } from "../../model/l7.js";
import type { Field } from "../fields.js";
import { templateError } from "../trafficpolicy-http.js";
import { escapeRegex } from "../../model/regex.js";

/** A list of non-empty strings; undefined when the field is absent. */
export function stringList(f: Field): { field: Field; value: string }[] | undefined {
  return f.list()?.flatMap((item) => {
    const v = item.string({ required: true });
    if (v === "") { item.error("empty", "empty value not allowed"); return []; }
    return v === undefined ? [] : [{ field: item, value: v }];
  });
}

/** Exact, prefix*, *suffix or * (model/l7.ts istioWildcard). */
export { wildcard };

/** Values where a wildcard may stand only at the start or the end (trust domains). */
export function checkedWildcard(item: Field, value: string): StringMatch | undefined {
  const n = value.split("*").length - 1;
  if (n > 1) return item.error("invalid", `at most one wildcard is allowed: ${JSON.stringify(value)}`);
  if (n === 1 && value !== "*" && !value.startsWith("*") && !value.endsWith("*")) return item.error("invalid", `a wildcard is only allowed at the start or the end: ${JSON.stringify(value)}`);
  return wildcard(value);
}

/**
 * A namespace with "*" anywhere (each "*" any characters), as srcNamespaceGenerator reads it: istiod
 * matches the regex ".*" + "/ns/PATTERN/" + ".*" against the whole principal spiffe://TD/ns/NS/sa/SA,
 * where a "*" may also cross the "/sa" that follows the namespace. So a pattern whose text after its
 * last "*" is "a" or "sa" ("*a", "prod-*sa") matches every namespace that starts like the pattern:
 * "*a" matches every authenticated client, and notNamespaces ["*a"] none.
 */
export function namespacePattern(value: string): StringMatch {
  if (!value.includes("*")) return { kind: "exact", value };
  const star = value.lastIndexOf("*");
  const pattern = ["a", "sa"].includes(value.slice(star + 1)) ? value.slice(0, star + 1) : value;
  if (pattern === "*") return { kind: "present" };
  return { kind: "regex", regex: pattern.split("*").map(escapeRegex).join(".*") };
}

/** A path: an URI template when it has {*} or {**}, else exact, prefix*, *suffix or *. */
export function pathValue(item: Field, value: string): StringMatch | undefined {
  if (value.includes("{") || value.includes("}")) {
    const err = templateError(value) ?? templateLiteralError(value);
    return err ? item.error("invalid-path", err) : { kind: "template", template: value };
  }
  return wildcard(value);
}

/** pkg/config/security CheckValidPathTemplate: beside {*} and {**}, every segment is non-empty pchars. */
function templateLiteralError(value: string): string | undefined {
  const bad = value.replace(/^\/+|\/+$/g, "").split("/").find((seg) => seg !== "{*}" && seg !== "{**}" && !/^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/.test(seg));
  return bad === undefined ? undefined : `${JSON.stringify(value)}: the segment ${JSON.stringify(bad)} of a path template must be made of URL path characters (no "*", no empty segment)`;
}

/** "namespace/serviceAccount" or "serviceAccount" (in the policy's namespace). */
export function serviceAccountValue(item: Field, value: string, namespace: string): StringMatch | undefined {
  if (value.includes("*")) return item.error("invalid", "wildcards are not allowed in service accounts");
  const parts = value.split("/");
  if (parts.length > 2 || parts.some((p) => p === "")) return item.error("invalid", `expected "serviceAccount" or "namespace/serviceAccount", found ${JSON.stringify(value)}`);
  return { kind: "exact", value: parts.length === 2 ? value : `${namespace}/${value}` };
}

/** An IP address (a /32 or /128) or a CIDR. */
export function ipValue(item: Field, value: string): CidrMatch | undefined {
  let cidr: Cidr | undefined;
  // (Istio reads them with net/netip (util.AddrStrToCidrRange): an IPv4-mapped address stays IPv6.)
  if (value.includes("/")) cidr = parseCidrAsWritten(value);
  else { const a = parseAddressAsWritten(value); if (a) cidr = parseCidrAsWritten(`${value}/${a.family === 4 ? 32 : 128}`); }
  return cidr ? { cidr } : item.error("invalid-ip", `${JSON.stringify(value)} is not an IP address or CIDR`);
}

export function portValue(item: Field, value: string): number | undefined {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  return n <= 65535 ? n : item.error("invalid-port", `${JSON.stringify(value)} is not a port (0-65535)`);
}
