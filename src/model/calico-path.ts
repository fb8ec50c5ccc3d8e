// Calico's view of a request path: a pure helper shared by the Calico front end (rule paths) and the
// L7 engine (request paths).

/**
 * Calico's Dikastes view of a path (app-policy/checker/match.go normalizeHTTPPath, in releases since
 * v3.32): query and fragment cut, percent-escapes decoded once (a malformed escape, a NUL, or a "%2e",
 * "%2f", "%5c" left after decoding refuse the path: undefined), "\\" read as "/", the ";params" of
 * each segment cut, then Go's path.Clean (repeated slashes merged, dot segments resolved, no trailing
 * "/"). A rule's exact and prefix paths are cleaned the same way.
 */
export function calicoCleanPath(raw: string): string | undefined {
  const p = raw.split(/[?#]/)[0];
  if (/%(?![0-9A-Fa-f]{2})/.test(p)) return undefined;
  const decoded = p.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  if (/%(2e|2f|5c)/i.test(decoded) || decoded.includes("\0")) return undefined;
  const slashed = decoded.replace(/\\/g, "/");
  if (!slashed.startsWith("/")) return undefined;
  return goPathClean(slashed.split("/").map((seg) => seg.split(";")[0]).join("/"));
}

/** Go's path.Clean for a rooted path. */
function goPathClean(p: string): string {
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop(); else out.push(seg);
  }
  return `/${out.join("/")}`;
}
