// A request's query string as Envoy reads it (Http::Utility parseAndDecodeQueryString): route matching
// (http.ts) and rate limit query parameter selectors (traffic-policy.ts).

/** Every value of each query parameter, in order. */
export function queryParameters(q: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of q.split("&")) {
    if (!part) continue;
    // The value is everything after the first "=" (Envoy's parseQueryString: `param.find('=')`).
    const at = part.indexOf("=");
    const [k, v] = (at < 0 ? [part, ""] : [part.slice(0, at), part.slice(at + 1)]).map((s) => { try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch { return s; } });
    out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
}

/** The first value of each query parameter. */
export function parseQuery(q: string): Map<string, string> {
  return new Map([...queryParameters(q)].map(([k, vs]) => [k, vs[0]]));
}
