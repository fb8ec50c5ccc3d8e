// ingress-nginx's client_max_body_size (model/route.ts RouteRule.nginxBodyLimit: the location's proxy-body-size, else the
// ConfigMap's, default 1m). nginx's find-config phase (ngx_http_core_find_config_phase: `clcf->client_max_body_size <
// r->headers_in.content_length_n` → NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) answers 413 for the matched location before the
// rewrite phase (the HTTPS redirect, rewrite-target, CORS, a prefix location's 301) and the access phase; a limit of 0 is
// none. A chunked body is counted while it is read: Junction sees no body, so it judges the Content-Length header.

import type { Headers } from "./headers.js";

/** Why nginx answers 413 for a request with these headers at a location of this limit; undefined when it does not. */
export function nginxBodyTooLarge(limit: { bytes: number; written: string }, headers: Headers): string | undefined {
  const given = headers.get("content-length")?.trim();
  if (!limit.bytes || given === undefined || !/^\d+$/.test(given) || Number(given) <= limit.bytes) return undefined;
  return `Content-Length ${given} is above the location's client_max_body_size ${limit.written} (${limit.bytes} bytes; proxy-body-size, the ConfigMap's or the default 1m): nginx answers 413 before the location's redirects, rewrites and access checks`;
}
