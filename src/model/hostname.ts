// Hostnames as the Gateway API compares them: exact names and "*." wildcards that cover one or
// more leading labels ("*.example.com" covers "a.b.example.com" but not "example.com").

/**
 * Lower case, without a port or a trailing dot. `keepTrailingDot`: as Envoy reads a Host header
 * unless its listener sets strip_trailing_host_dot, so "example.com." is not "example.com".
 */
export function normalizeHost(host: string, keepTrailingDot = false): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[")) h = h.slice(0, h.indexOf("]") + 1);
  else if (/:\d*$/.test(h)) h = h.slice(0, h.lastIndexOf(":"));
  return h.endsWith(".") && !keepTrailingDot ? h.slice(0, -1) : h;
}

export const isWildcard = (h: string): boolean => h.startsWith("*.");

/**
 * Whether `pattern` (exact or wildcard) covers the concrete `host`. With `oneLabel` (Ingress
 * semantics: a Gateway lowered from an IngressClass), a wildcard covers exactly one label.
 */
export function hostnameMatches(pattern: string, host: string, oneLabel = false): boolean {
  if (!isWildcard(pattern)) return pattern === host;
  const suffix = pattern.slice(1);
  return host.length > suffix.length && host.endsWith(suffix) && !(oneLabel && host.slice(0, -suffix.length).includes("."));
}

/** Whether wildcard or exact `outer` covers every name `inner` covers. */
function covers(outer: string, inner: string): boolean {
  if (!isWildcard(outer)) return outer === inner;
  return isWildcard(inner) ? inner.length >= outer.length && inner.endsWith(outer.slice(1)) : hostnameMatches(outer, inner);
}

/**
 * The hostnames two hostname filters both accept, as one name: the more specific of the two when
 * one covers the other, else undefined. `undefined` as an input means "any hostname".
 */
export function intersectHostnames(a: string | undefined, b: string | undefined): string | undefined | null {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (covers(a, b)) return b;
  if (covers(b, a)) return a;
  return null;
}

/**
 * Precedence of a matched hostname: characters of an exact name first, then characters of any
 * name (an exact name beats a wildcard; a longer wildcard beats a shorter one).
 */
export function hostnameRank(h: string | undefined): [number, number] {
  if (h === undefined) return [0, 0];
  return [isWildcard(h) ? 0 : h.length, h.length];
}

/**
 * Istio's host.Name SubsetOf (pkg/config/host/name.go), which differs from the Gateway API's: `name`
 * is `pattern`, or within the `*.` wildcard (or `*`) `pattern`; a wildcard `name` is within a
 * wildcard `pattern` whose suffix ends it. (host.Name Matches, istiod's duplicate-host check, is
 * SubsetOf either way round.)
 */
export function istioHostSubsetOf(name: string, pattern: string): boolean {
  if (name.startsWith("*")) return pattern.startsWith("*") && name.length >= pattern.length && name.slice(1).endsWith(pattern.slice(1));
  return pattern.startsWith("*") ? name.endsWith(pattern.slice(1)) : name === pattern;
}
