// Request paths as enforcement points see them: the path without query and fragment, and the path
// an Istio sidecar matches after its normalization.

/** "/a/b?x=1#f" → path "/a/b", query "x=1". */
export function splitPath(url: string): { path: string; query: string } {
  const noFragment = url.split("#")[0];
  const q = noFragment.indexOf("?");
  return q < 0 ? { path: noFragment, query: "" } : { path: noFragment.slice(0, q), query: noFragment.slice(q + 1) };
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Percent-encoded unreserved characters decoded ("%2E" → "."), as URL canonicalization does. */
function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (all, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : all.toUpperCase();
  });
}

/** RFC 3986 section 5.2.4: "." and ".." segments removed. */
export function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split("/");
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    if (s === ".") { if (last) out.push(""); continue; }
    if (s === "..") { if (out.length > 1) out.pop(); if (last) out.push(""); continue; }
    out.push(s);
  }
  const joined = out.join("/");
  return joined.startsWith("/") ? joined : `/${joined}`;
}

/**
 * Istio's default path normalization (meshConfig pathNormalization BASE: Envoy normalize_path):
 * unreserved characters decoded, dot segments removed; "//" is kept (MERGE_SLASHES is not the default).
 */
export function istioNormalize(path: string): string {
  return removeDotSegments(decodeUnreserved(path));
}

/** Whether a request path (without its query) is in the form Istio's normalization leaves it in. */
export function inNormalForm(url: string): boolean {
  const { path } = splitPath(url);
  return istioNormalize(path) === path;
}

/** The query parameter `name`'s first value, when present. */
export function queryParam(query: string, name: string): string | undefined {
  for (const pair of query.split("&")) {
    if (!pair) continue;
    const i = pair.indexOf("=");
    const k = i < 0 ? pair : pair.slice(0, i);
    if (safeDecode(k) === name) return i < 0 ? "" : safeDecode(pair.slice(i + 1));
  }
  return undefined;
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch { return s; }
}
