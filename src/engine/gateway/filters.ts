// Applying route filters to a request on its way through the Gateway: header modifiers, URL
// rewrites, redirects (with the spec's defaults for scheme and port), mirrors, CORS and
// extension references. Filters apply in order; a redirect or a CORS preflight ends the request.

import type { BackendRef, HeaderModifier, PathModifier, RouteFilter } from "../../model/route.js";
import type { ResolvedBackend } from "./backends.js";
import { corsPreflight, corsResponseHeaders, isPreflight } from "./cors.js";
import { nginxCors } from "./nginx-cors.js";
import type { HeaderOrder, Headers } from "./headers.js";
import type { Redirect } from "./request.js";

const WELL_KNOWN: Record<string, number> = { http: 80, https: 443 };

/** The request as it is being transformed, and what the filters decided. */
export interface Exchange {
  scheme: "http" | "https";
  listenerPort: number;
  /** Request hostname without port; `hostHeader` as sent. */
  host: string;
  hostHeader: string;
  path: string;
  /** "" or "?…" */
  query: string;
  method: string;
  headers: Headers;
  /** The PathPrefix the winning match used (for ReplacePrefixMatch). */
  matchedPrefix?: string;
  upstreamHost?: string;
  responseModifiers: HeaderModifier[];
  responseHeaders: [string, string][];
  mirrors: { backend: ResolvedBackend; percent: number }[];
  redirect?: Redirect;
  /** The Gateway answered itself (CORS preflight) with this status. */
  answered?: number;
  /** The request cannot be served: 500 (or failedStatus) with this reason. */
  failed?: string;
  failedStatus?: number;
  applied: string[];
}

export interface FilterContext {
  backend(ref: BackendRef): ResolvedBackend | undefined;
  /** The order the proxy applies a header modifier in (headers.ts HeaderOrder; default Envoy's). */
  headerOrder?: HeaderOrder;
  /**
   * A RequestHeaderModifier's `Host` becomes the upstream authority (Istio: pilot's route.go
   * translateAppendHeaders takes "host" / ":authority" of set (else add) as the authority rewrite and
   * drops it from the headers; Linkerd's proxy inserts it as the request's Host header).
   */
  hostToAuthority?: boolean;
  /** Whether an ExtensionRef target exists in the input. */
  hasObject(group: string, kind: string, name: string): boolean;
  /** Envoy Gateway's translation of the path modifiers and host rewrite (envoyGatewayPrefixRewrite; x-forwarded-host). */
  envoyGateway?: boolean;
}

/** ReplacePrefixMatch replaces the matched prefix segment-wise; "/" as replacement strips it. */
export function rewritePath(m: PathModifier, path: string, prefix: string | undefined): string {
  if (m.type === "ReplaceFullPath") return m.value;
  const p = prefix === undefined ? "" : prefix.length > 1 && prefix.endsWith("/") ? prefix.slice(0, -1) : prefix === "/" ? "" : prefix;
  const rest = path.slice(p.length);
  const replacement = m.value.endsWith("/") ? m.value.slice(0, -1) : m.value;
  const out = replacement + (rest && !rest.startsWith("/") ? `/${rest}` : rest);
  return out || "/";
}

/**
 * Envoy Gateway's ReplacePrefixMatch (internal/xds/translator/route.go): with a PathPrefix match and a
 * replacement "" or "/", a regex rewrite "^" + QuoteMeta(prefix) + "\/*" to "/" (prefix2RegexRewrite);
 * else Envoy's prefix_rewrite, which replaces the matched prefix (`prefix: "/"` for "/", else
 * path_separated_prefix, its trailing "/" trimmed: buildPathMatch) with the replacement, "/" +
 * path.substr(matched.size()) — for a route its trailing "/" trimmed ("remove trailing / to fix #3989":
 * buildXdsURLRewriteAction), for a redirect as written (buildXdsRedirectAction). So a prefix "/" and
 * "/prefix/" make "/abc" "/prefixabc" (envoyproxy/gateway#6764), and a redirect's "/new/" from "/old"
 * makes "/old/x" "/new//x". Without a prefix match: the Gateway API's reading (rewritePath).
 */
export function envoyGatewayPrefixRewrite(replacement: string, path: string, prefix: string | undefined, forRedirect: boolean): string {
  if (prefix === undefined) return rewritePath({ type: "ReplacePrefixMatch", value: replacement }, path, prefix);
  const matched = prefix === "/" ? "/" : prefix.replace(/\/$/, "");
  if (!path.startsWith(matched)) return path;
  if (replacement === "" || replacement === "/") return `/${path.slice(matched.length).replace(/^\/+/, "")}`;
  const rewrite = forRedirect ? replacement : replacement.replace(/\/$/, "");
  // Envoy skips an empty prefix_rewrite (prefix_rewrite_.empty(): no rewrite).
  return rewrite ? rewrite + path.slice(matched.length) : path;
}

function modifiedPath(m: PathModifier, ex: Exchange, ctx: FilterContext | undefined, forRedirect: boolean): string {
  return ctx?.envoyGateway && m.type === "ReplacePrefixMatch" ? envoyGatewayPrefixRewrite(m.value, ex.path, ex.matchedPrefix, forRedirect) : rewritePath(m, ex.path, ex.matchedPrefix);
}

/**
 * Envoy Gateway's redirect origin. gatewayapi route.go derives the port the spec's way ("If the redirect
 * port is not set, the final redirect port must be derived": the scheme's well-known port, else the
 * listener's), then translator route.go buildXdsRedirectAction drops 80 and 443 ("Ignore the redirect port
 * if it is a well-known port number, in order to prevent the port be added in the response's location
 * header"). Envoy's Http::Utility::newUri writes port_redirect when set; the host is host_redirect, else
 * processRequestHost: the request's Host, whose port goes when a port_redirect is set, or when the scheme
 * changes and it is the old scheme's default (":80" from http, ":443" from https). So `scheme: http, port:
 * 443` gives no port at all, and a Host's ":8080" stays through `scheme: https`.
 */
function envoyGatewayOrigin(f: Extract<RouteFilter, { type: "RequestRedirect" }>, ex: Exchange, scheme: string): { host: string; port: number | null } {
  const derived = f.port ?? (f.scheme !== undefined ? WELL_KNOWN[f.scheme] ?? ex.listenerPort : ex.listenerPort);
  const portRedirect = derived === 80 || derived === 443 ? null : derived;
  if (f.hostname !== undefined) return { host: f.hostname, port: portRedirect };
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(ex.hostHeader);
  const name = m ? m[1] : ex.host, requestPort = m?.[2];
  const drop = portRedirect !== null || (scheme !== ex.scheme && ((ex.scheme === "https" && requestPort === "443") || (ex.scheme === "http" && requestPort === "80")));
  return { host: name, port: portRedirect ?? (requestPort && !drop ? Number(requestPort) : null) };
}

function redirect(f: Extract<RouteFilter, { type: "RequestRedirect" }>, ex: Exchange, ctx?: FilterContext): Redirect {
  const scheme = f.scheme ?? ex.scheme;
  const port = f.port ?? (f.scheme !== undefined ? WELL_KNOWN[f.scheme] : ex.listenerPort);
  const eg = ctx?.envoyGateway ? envoyGatewayOrigin(f, ex, scheme) : undefined;
  const host = eg?.host ?? f.hostname ?? (f.forwardedHost ? forwardedHost(ex.headers) : undefined) ?? ex.host;
  const path = f.path ? modifiedPath(f.path, ex, ctx, true) : ex.path;
  const shown = eg ? eg.port : port === WELL_KNOWN[scheme] && !f.alwaysPort ? null : port;
  const origin = `${scheme}://${host}${shown === null ? "" : `:${shown}`}`;
  const query = f.fixedQuery ?? ex.query;
  if (f.dropTrailingSlash && `${path}${query}`.endsWith("/")) {
    const uri = `${path}${query}`.slice(0, -1);
    return { scheme, host, port: shown, path: query ? path : uri, statusCode: f.statusCode, location: `${origin}${uri}` };
  }
  return { scheme, host, port: shown, path, statusCode: f.statusCode, location: `${origin}${path}${query}` };
}

/**
 * ingress-nginx's redirect host under use-forwarded-headers (lua_ingress.lua): X-Forwarded-Host's first entry
 * (parse_x_forwarded_host: split at ",", not trimmed), then redirect_host: the part before the first ":".
 */
function forwardedHost(headers: Headers): string | undefined {
  const v = headers.get("x-forwarded-host");
  return v === undefined ? undefined : v.split(",")[0].split(":")[0];
}

function describe(f: RouteFilter): string {
  switch (f.type) {
    case "RequestHeaderModifier": case "ResponseHeaderModifier": {
      const m = f.modifier;
      const parts = [...m.set.map((h) => `set ${h.name}: ${h.value}`), ...m.add.map((h) => `add ${h.name}: ${h.value}`), ...m.remove.map((r) => `remove ${r}`)];
      return `${f.type} (${parts.join(", ")})`;
    }
    case "URLRewrite": return `URLRewrite (${[f.hostname && `hostname ${f.hostname}`, f.path && `${f.path.type} ${f.path.value}`].filter(Boolean).join(", ")})`;
    case "RequestRedirect": return `RequestRedirect (${f.statusCode})`;
    case "RequestMirror": return `RequestMirror (${f.backend.namespace}/${f.backend.name}, ${f.percent}%)`;
    case "CORS": return "CORS";
    case "ExtensionRef": return `ExtensionRef (${f.ref.group}/${f.ref.kind} ${f.ref.name})`;
  }
}

/** Applies the filters in order; stops at a redirect, a CORS preflight or a filter that cannot run. */
export function applyFilters(filters: readonly RouteFilter[], ex: Exchange, ctx: FilterContext): void {
  for (const f of filters) {
    if (ex.redirect || ex.answered || ex.failed) return;
    ex.applied.push(describe(f));
    switch (f.type) {
      case "RequestHeaderModifier": {
        ex.headers.apply(f.modifier, ctx.headerOrder);
        // Of set and add, set's ("If authority is set in 'add' and 'set', pick the one from 'set'"; Linkerd's set replaces the added one).
        const named = (list: HeaderModifier["set"]) => list.find((h) => h.name.toLowerCase() === "host")?.value;
        const host = ctx.hostToAuthority ? named(f.modifier.set) ?? named(f.modifier.add) : undefined;
        if (host !== undefined) { ex.upstreamHost = host; ex.headers.remove("host"); }
        break;
      }
      case "ResponseHeaderModifier": ex.responseModifiers.push(f.modifier); break;
      case "URLRewrite":
        if (f.hostname) {
          // Envoy Gateway sets append_x_forwarded_host on a host rewrite (buildXdsURLRewriteAction: "if
          // urlRewrite.AppendXForwardedHost == nil || *urlRewrite.AppendXForwardedHost"): Envoy's
          // Utility::updateAuthority appends the Host it replaces, unless it is the header's last value.
          const host = ex.upstreamHost ?? ex.hostHeader;
          const xfh = ex.headers.get("x-forwarded-host");
          if (ctx.envoyGateway && host && xfh?.split(",").at(-1) !== host) ex.headers.set("x-forwarded-host", xfh ? `${xfh},${host}` : host);
          ex.upstreamHost = f.hostname;
        }
        if (f.path) ex.path = modifiedPath(f.path, ex, ctx, false);
        break;
      case "RequestRedirect": ex.redirect = redirect(f, ex, ctx); break;
      case "RequestMirror": {
        const b = ctx.backend(f.backend);
        if (b && !b.problem) ex.mirrors.push({ backend: b, percent: f.percent });
        else ex.applied.push(`  (mirror to ${f.backend.namespace}/${f.backend.name} skipped: ${b?.problem?.message ?? "unresolved"})`);
        break;
      }
      case "CORS":
        if (f.cors.nginx) {
          // ingress-nginx's CORS block (nginx-cors.ts): its own reading of the origin and of a preflight.
          const answer = nginxCors(f.cors.nginx, ex.method, ex.headers);
          ex.responseHeaders.push(...answer.headers);
          if (answer.preflight) ex.answered = 204;
          break;
        }
        if (isPreflight(ex.method, ex.headers)) { ex.responseHeaders.push(...corsPreflight(f.cors, ex.headers)); ex.answered = 204; }
        else ex.responseHeaders.push(...corsResponseHeaders(f.cors, ex.headers));
        break;
      case "ExtensionRef":
        if (!f.ref.name || !ctx.hasObject(f.ref.group, f.ref.kind, f.ref.name)) ex.failed = `filter ${describe(f)} ${f.ref.name ? "refers to an object that is not in the input" : "is not supported by Junction"}`;
        else ex.applied.push("  (extension filter not simulated: its effect is implementation-specific)");
        break;
    }
  }
}
