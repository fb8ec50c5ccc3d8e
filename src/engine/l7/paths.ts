// Request paths as enforcement points see them: the path without query and fragment, and the path
// an Istio sidecar matches after its normalization.

import type { IstioPathNormalization } from "../../model/mesh.js";

/** "/a/b?x=1#f" → path "/a/b", query "x=1". */
export function splitPath(url: string): { path: string; query: string } {
  const noFragment = url.split("#")[0];
  const q = noFragment.indexOf("?");
  return q < 0 ? { path: noFragment, query: "" } : { path: noFragment.slice(0, q), query: noFragment.slice(q + 1) };
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Percent-encoded unreserved characters decoded ("%2E" → "."), the other escapes kept as written
 * (their hex case too: "%2f" stays "%2f"), as Chromium's URL canonicalizer in Envoy does.
 */
function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (all, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : all;
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
 * Istio's default path normalization (meshConfig pathNormalization BASE: Envoy normalize_path,
 * Envoy's path_utility_test.cc pins it): unreserved characters decoded, "\\" read as "/", dot
 * segments removed; "//" and %2F are kept (MERGE_SLASHES and DECODE_AND_MERGE_SLASHES are not the
 * default).
 */
export function istioNormalize(path: string): string {
  return removeDotSegments(decodeUnreserved(path).replace(/\\/g, "/"));
}

/**
 * The path an Istio proxy authorizes under meshConfig pathNormalization (istio pilot/pkg/networking/
 * core/listener.go, the HTTP connection manager's normalize_path / merge_slashes /
 * path_with_escaped_slashes_action per mode): NONE as sent; BASE istioNormalize; MERGE_SLASHES then
 * repeated slashes merged; DECODE_AND_MERGE_SLASHES with %2F and %5C first unescaped (UNESCAPE_AND_FORWARD).
 */
export function istioPath(path: string, mode: IstioPathNormalization): string {
  if (mode === "NONE") return path;
  const unescaped = mode === "DECODE_AND_MERGE_SLASHES" ? path.replace(/%2F/gi, "/").replace(/%5C/gi, "\\") : path;
  const normal = istioNormalize(unescaped);
  return mode === "BASE" ? normal : normal.replace(/\/{2,}/g, "/");
}

/**
 * The :path Cilium's Envoy matches (http-normalize-path, on by default: pkg/envoy/xds_server.go sets
 * normalize_path, merge_slashes and UNESCAPE_AND_REDIRECT): %2F and %5C unescaped (Envoy redirects
 * the client there, so the rules see the unescaped path), the path normalized as an Istio sidecar
 * does, repeated slashes merged; the query string is kept as sent.
 */
export function ciliumUrl(url: string): string {
  const { path, query } = splitPath(url);
  const normal = istioPath(path, "DECODE_AND_MERGE_SLASHES");
  return url.includes("?") ? `${normal}?${query}` : normal;
}

export { calicoCleanPath } from "../../model/calico-path.js";

/** Whether Envoy's normalization refuses the path (an escaped NUL, "%00"): the request gets 400. */
export function istioPathRejected(path: string): boolean {
  return /%00/.test(path);
}

/** Whether a request path (without its query) is in the form Istio's normalization leaves it in. */
export function inNormalForm(url: string): boolean {
  const { path } = splitPath(url);
  return istioNormalize(path) === path;
}

/** Every value of the query parameter, in order. */
export function queryParams(query: string, name: string): string[] {
  const out: string[] = [];
  for (const pair of query.split("&")) {
    if (!pair) continue;
    const i = pair.indexOf("=");
    const k = i < 0 ? pair : pair.slice(0, i);
    if (safeDecode(k) === name) out.push(i < 0 ? "" : safeDecode(pair.slice(i + 1)));
  }
  return out;
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch { return s; }
}
