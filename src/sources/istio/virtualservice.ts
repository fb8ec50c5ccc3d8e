// Front end for a user's Istio VirtualService (networking.istio.io v1, v1beta1, v1alpha3): its hosts,
// gateways, exportTo and `http` routes, which an Istio sidecar applies to the requests for those
// hosts (engine/mesh/virtualservice.ts). The object is validated against the VirtualService CRD
// schema (schemas/upstream/networking.istio.io/virtualservices.json: unknown fields, types) before it
// is read here; the checks of istiod's validation webhook the schema lacks (pkg/config/validation/
// validation.go ValidateVirtualService, virtualservice.go validateHTTPRoute) are errors: istiod
// refuses such an object, so it routes nothing.

import type { IstioCors, IstioDestination, IstioFault, IstioL4Match, IstioL4Route, IstioHeaderOps, IstioHttpMatch, IstioHttpRoute, IstioStringMatch, IstioVirtualService } from "../../model/mesh.js";
import { goDuration } from "../../model/duration.js";
import { istioHostSubsetOf } from "../../model/hostname.js";
import { parseAddress, parseCidr, type Cidr } from "../../model/ip.js";
import { REGEX_SEMANTICS, regexError } from "../../model/regex.js";
import { GRPC_STATUS_NAMES } from "../../model/request.js";
import type { Field } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readCreated, readLabels, readMeta } from "../k8s.js";
import { headerValueProblem, isAuthorityHeader, isInternalHeader, operationNameProblem, requestSetNameProblem } from "./header-value.js";
import { ISTIO_NETWORKING_APIS } from "./serviceentry.js";

/** The cluster's DNS domain, as engine/mesh/dns.ts reads names. */
const CLUSTER_DOMAIN = "cluster.local";

/** pkg/config/labels IsDNS1123Label. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * A host as the mesh resolves it (model/virtualservice.go ResolveVirtualServiceShortnames,
 * ResolveShortnameToFQDN): a name without a dot (and not `*`) is `NAME.NAMESPACE.svc.DOMAIN`, the
 * object's namespace; lower-cased, as separateVSHostsAndServices compares it.
 */
export function istioFqdn(host: string, namespace: string, domain: string): string {
  const h = host.toLowerCase();
  if (h === "*" || h.includes(".") || parseAddress(h)) return h;
  return `${h}.${namespace}.svc.${domain}`;
}

/** agent.ValidateWildcardDomain: a FQDN, or one with a `*` first label (alone or as a `*`-prefix of it), labels of letters, digits and '-'. */
export function wildcardDomainProblem(host: string): string | undefined {
  if (host.length > 255) return `domain name ${JSON.stringify(host)} too long (max 255)`;
  const rest = host.startsWith("*") ? host.slice(1) : host;
  if (host === "*") return undefined;
  const name = rest.startsWith(".") ? rest.slice(1) : rest;
  if (host.startsWith("*") && !rest.startsWith(".") && rest !== "") return `domain name ${JSON.stringify(host)} invalid (label ${JSON.stringify(host.split(".")[0])} invalid)`;
  const labels = name.split(".");
  const bad = labels.find((l, i) => !(i === labels.length - 1 && l === "") && !/^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/.test(l));
  return bad !== undefined || !name ? `domain name ${JSON.stringify(host)} invalid (label ${JSON.stringify(bad ?? "")} invalid)` : undefined;
}

/**
 * A StringMatch (exact, prefix or regex; one of them: the schema's oneOf). validateStringMatch: an
 * empty prefix is refused but for `uri` (Envoy takes an empty prefix there), an empty or invalid
 * regex always (RE2, "Istio uses RE2 style regex-based match"). `present` (headers, withoutHeaders,
 * queryParams: route.go translateHeaderMatch, translateQueryParamMatch): canBeConvertedToPresentMatch,
 * "in == nil || in.MatchType == nil", so `{}` is a present match; a `regex: "*"` too, which the
 * validation admits in withoutHeaders only (`star`: validateHTTPRouteMatchRequest skips it there;
 * elsewhere "*" fails regexp.Compile).
 */
function stringMatch(f: Field, where: string, present = false, star = false): IstioStringMatch | undefined {
  if (!f.object()) return undefined;
  const exact = f.childString("exact"), prefix = f.childString("prefix"), regex = f.childString("regex");
  if (present && exact === undefined && prefix === undefined && regex === undefined) return { kind: "present" };
  if (exact !== undefined) return { kind: "exact", value: exact };
  if (prefix !== undefined) {
    if (prefix === "" && where !== "uri") f.get("prefix").error("invalid-value", `${JSON.stringify(where)}: prefix string match should not be empty (istiod's validateStringMatch)`);
    return { kind: "prefix", value: prefix };
  }
  if (regex !== undefined) {
    if (star && regex === "*") return { kind: "present" };
    if (regex === "") { f.get("regex").error("invalid-value", `${JSON.stringify(where)}: regex string match should not be empty (istiod's validateStringMatch)`); return undefined; }
    if (regex.length > 1024) { f.get("regex").error("invalid-value", `${JSON.stringify(where)}: regex is too large, max length allowed is 1024 (istiod's validateStringRegexp)`); return undefined; }
    const bad = regexError(regex, REGEX_SEMANTICS.istio);
    if (bad) { f.get("regex").error("invalid-regex", `${JSON.stringify(where)}: ${bad}; Istio uses RE2 style regex-based match (istiod's validateStringRegexp)`); return undefined; }
    return { kind: "regex", value: regex };
  }
  return undefined;
}

/** A map of StringMatch (headers, withoutHeaders, queryParams): names as written (header names lower-cased: Envoy's header map is case-insensitive). */
function matchMap(f: Field, where: string, header: boolean): [string, IstioStringMatch][] {
  const out: [string, IstioStringMatch][] = [];
  for (const name of f.keys()) {
    const m = f.get(name);
    if (!m.present) continue;
    // ValidateHTTPHeaderNameOrJwtClaimRoute: a token (RFC 7230 tchar), a pseudo-header, or an @request.auth.claims name.
    if (header && !/^[-!#$%&'*+.^_`|~0-9a-zA-Z]+$/.test(name) && !/^:(method|scheme|authority|path|status)$/.test(name) && !name.startsWith("@request.auth.claims")) m.error("invalid-value", name === "" ? "header name cannot be empty" : `header name ${name} is not a valid header name (istiod's ValidateHTTPHeaderNameOrJwtClaimRoute)`);
    const sm = stringMatch(m, where, true, where === "withoutHeaders");
    if (sm) out.push([header ? name.toLowerCase() : name, sm]);
  }
  return out;
}

function readMatch(m: Field): IstioHttpMatch {
  const port = m.childInt("port");
  if (port !== undefined && (port < 1 || port > 65535)) m.get("port").error("range", `port number ${port} must be in the range 1..65535 (istiod's ValidatePort)`);
  const sourceNamespace = m.childString("sourceNamespace");
  if (sourceNamespace && !DNS_LABEL.test(sourceNamespace)) m.get("sourceNamespace").error("invalid-value", `sourceNamespace match ${sourceNamespace} is invalid (istiod's validateHTTPRouteMatchRequest)`);
  const uri = stringMatch(m.get("uri"), "uri"), scheme = stringMatch(m.get("scheme"), "scheme"), method = stringMatch(m.get("method"), "method"), authority = stringMatch(m.get("authority"), "authority");
  const sourceLabels = m.get("sourceLabels").object() ? readLabels(m.get("sourceLabels")) : undefined;
  return {
    ...(m.childString("name") ? { name: m.childString("name") } : {}),
    ...(uri ? { uri } : {}), ...(scheme ? { scheme } : {}), ...(method ? { method } : {}), ...(authority ? { authority } : {}),
    headers: matchMap(m.get("headers"), "headers", true), withoutHeaders: matchMap(m.get("withoutHeaders"), "withoutHeaders", true),
    queryParams: matchMap(m.get("queryParams"), "queryParams", false),
    ignoreUriCase: m.childBool("ignoreUriCase") ?? false,
    ...(port !== undefined ? { port } : {}), ...(sourceLabels && Object.keys(sourceLabels).length ? { sourceLabels } : {}),
    ...(sourceNamespace ? { sourceNamespace } : {}),
    gateways: (m.childList("gateways") ?? []).map((g) => g.string() ?? "").filter(Boolean),
  };
}

/**
 * `headers` operations, with istiod's checks of their names and values (header-value.ts: a request's
 * set/add may name the authority, nothing else may name Host or a pseudo-header; a value's %VAR% syntax).
 */
function headerOps(f: Field): IstioHeaderOps | undefined {
  if (!f.object()) return undefined;
  const side = (s: Field, request: boolean) => {
    const ops = (op: "set" | "add") => s.get(op).keys().map((k): [string, string] => {
      const at = s.get(op).get(k), value = s.get(op).childString(k) ?? "";
      const bad = (request ? requestSetNameProblem(k) : operationNameProblem(k)) ?? headerValueProblem(value);
      if (bad) at.error("invalid-value", `${bad} (istiod's validateHTTPRoute)`);
      return [k, value];
    });
    const remove = (s.childList("remove") ?? []).map((r) => {
      const name = r.string() ?? "";
      const bad = operationNameProblem(name);
      if (bad) r.error("invalid-value", `${bad} (istiod's validateHTTPRoute)`);
      return name;
    }).filter(Boolean);
    return { set: ops("set"), add: ops("add"), remove };
  };
  // TranslateHeadersOperations: internal headers are not header operations; the request's authority (set before add) rewrites the host.
  const external = (o: ReturnType<typeof side>) => ({ set: o.set.filter(([k]) => !isInternalHeader(k)), add: o.add.filter(([k]) => !isInternalHeader(k)), remove: o.remove.filter((k) => !isInternalHeader(k)) });
  const req = side(f.get("request"), true);
  const authority = [req.set, req.add].map((l) => l.filter(([k]) => isAuthorityHeader(k)).at(-1)?.[1]).find((v) => v);
  return { request: { ...external(req), ...(authority ? { authority } : {}) }, response: external(side(f.get("response"), false)) };
}

/** validateAuthorityRewrite: the authority set once at most, by rewrite.authority or a request set/add of :authority or Host. */
function authorityRewriteProblem(rewriteAuthority: string | undefined, f: Field): string | undefined {
  let current = rewriteAuthority ?? "";
  const r = f.get("request");
  for (const op of ["set", "add"]) for (const k of r.get(op).keys()) {
    if (!isAuthorityHeader(k)) continue;
    const v = r.get(op).childString(k) ?? "";
    if (current !== "") return `authority header cannot be set multiple times: have ${JSON.stringify(current)}, attempting to set ${JSON.stringify(v)}`;
    current = v;
  }
  return undefined;
}

/** A percentage (`value`, 0 to 100; the field unset: `fallback`). validatePercentage. */
function percentage(f: Field, fallback = 100): number {
  if (!f.object()) return fallback;
  const v = f.raw("value");
  const value = typeof v === "number" ? v : 0;
  if (value < 0 || value > 100) f.get("value").error("range", `percentage ${value} is neither in range [0.0, 100.0] (istiod's validatePercentage)`);
  return value;
}

/** A destination (validateDestination): host required and not "*", subset a DNS label, port 1-65535. */
function destination(d: Field, namespace: string, domain: string): Omit<IstioDestination, "weight"> | undefined {
  if (!d.object()) { d.error("required", "destination is required (istiod's validateHTTPRouteDestinations)"); return undefined; }
  const host = d.childString("host", { required: true });
  if (host === undefined) return undefined;
  if (host === "*") d.get("host").error("invalid-value", `invalid destination host ${host} (istiod's validateDestination)`);
  else { const p = wildcardDomainProblem(host); if (p) d.get("host").error("invalid-value", `${p} (istiod's validateDestination)`); }
  const subset = d.childString("subset");
  if (subset !== undefined && !DNS_LABEL.test(subset)) d.get("subset").error("invalid-value", subset === "" ? "subset name cannot be empty" : `subset name is invalid: ${subset} (istiod's validateSubsetName)`);
  const port = d.get("port").childInt("number");
  if (port !== undefined && (port < 1 || port > 65535)) d.get("port").get("number").error("range", `port number ${port} must be in the range 1..65535 (istiod's ValidatePort)`);
  return { host: istioFqdn(host, namespace, domain), ...(subset ? { subset } : {}), ...(port ? { port } : {}) };
}

/** grpc.SupportedGRPCStatus: the status codes by name. */
const GRPC_STATUSES = GRPC_STATUS_NAMES;

function fault(f: Field): IstioFault | undefined {
  if (!f.object()) return undefined;
  const a = f.get("abort"), d = f.get("delay");
  if (!a.object() && !d.object()) { f.error("invalid-value", "HTTP fault injection must have an abort and/or a delay (istiod's validateHTTPFaultInjection)"); return undefined; }
  const out: IstioFault = {};
  if (a.object()) {
    const httpStatus = a.childInt("httpStatus"), grpcStatus = a.childString("grpcStatus");
    if (httpStatus !== undefined && (httpStatus < 200 || httpStatus > 600)) a.get("httpStatus").error("range", `HTTP status ${httpStatus} is not in range 200-599 (istiod's validateHTTPStatus)`);
    if (grpcStatus !== undefined && !GRPC_STATUSES.includes(grpcStatus)) a.get("grpcStatus").error("invalid-value", `gRPC status ${JSON.stringify(grpcStatus)} is not supported (istiod's validateGRPCStatus)`);
    if (a.get("http2Error").present) a.get("http2Error").error("invalid-value", "HTTP/2 abort fault injection not supported yet (istiod's validateHTTPFaultInjectionAbort)");
    if (httpStatus === undefined && grpcStatus === undefined) a.warn("invalid-value", "abort configured, but error type not set: pilot programs no abort (TranslateFault)");
    // TranslateFault: an abort without `percentage` gets none, and Envoy's FaultAbort reads the unset
    // FractionalPercent as 0: it never aborts (istio/istio#36303: "Filter never triggers"; the docs
    // were changed to match).
    else {
      if (!a.get("percentage").present) a.warn("no-effect", "abort without percentage: Envoy aborts no request (an unset percentage is 0%, istio/istio#36303); set percentage.value 100 to abort every request");
      out.abort = { ...(httpStatus !== undefined ? { httpStatus } : {}), ...(grpcStatus ? { grpcStatus } : {}), percent: percentage(a.get("percentage"), 0) };
    }
  }
  if (d.object()) {
    const fixed = d.childString("fixedDelay");
    if (d.get("exponentialDelay").present) d.get("exponentialDelay").error("invalid-value", "exponentialDelay not supported yet (istiod's validateHTTPFaultInjectionDelay)");
    // TranslateFault: `percentage`, else the deprecated integer `percent` (unset: 0).
    const pct = d.get("percentage").object() ? percentage(d.get("percentage")) : d.childInt("percent") ?? 0;
    const ms = goDuration(fixed);
    if (ms !== undefined) out.delay = { fixedDelayMs: ms, percent: pct };
  }
  return out.abort || out.delay ? out : undefined;
}

/** validation.go supportedCORSMethods. */
const CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"];

/**
 * `corsPolicy` (validateCORSPolicy: each allowOrigins match non-empty, a regex RE2; methods of
 * supportedCORSMethods; header names tokens or "*"; maxAge at least 1 ms, in whole ms, and "accurate only to
 * seconds precision"), as route.go TranslateCORSPolicy writes it: `allowOrigins` when set, else the
 * deprecated `allowOrigin` as exact matches.
 */
function corsPolicy(f: Field): IstioCors | undefined {
  if (!f.object()) return undefined;
  const origins: IstioStringMatch[] = [];
  const written = f.childList("allowOrigins") ?? [];
  for (const o of written) {
    const match = o.object() ? (o.childString("exact") ?? o.childString("prefix") ?? o.childString("regex")) : undefined;
    if (!match) { o.error("invalid-value", `'${match ?? ""}' is not a valid match type for CORS allow origins (istiod's validateAllowOrigins)`); continue; }
    const sm = stringMatch(o, "corsPolicy.allowOrigins");
    if (sm) origins.push(sm);
  }
  if (!written.length) for (const o of f.childList("allowOrigin") ?? []) { const v = o.string(); if (v !== undefined) origins.push({ kind: "exact", value: v }); }
  const strings = (k: string, check: (v: string) => string | undefined) => (f.childList(k) ?? []).flatMap((x) => {
    const v = x.string({ required: true });
    if (v === undefined) return [];
    const bad = check(v);
    if (bad) x.error("invalid-value", `${bad} (istiod's validateCORSPolicy)`);
    return [v];
  });
  const headerName = (v: string) => (v === "" ? "header name cannot be empty" : v !== "*" && !/^[-!#$%&'*+.^_`|~0-9a-zA-Z]+$/.test(v) ? `header name ${v} is not a valid header name` : undefined);
  const allowMethods = strings("allowMethods", (v) => (CORS_METHODS.includes(v) ? undefined : `${JSON.stringify(v)} is not a supported HTTP method`));
  const allowHeaders = strings("allowHeaders", headerName), exposeHeaders = strings("exposeHeaders", headerName);
  const maxAgeText = f.childString("maxAge");
  const maxAgeMs = goDuration(maxAgeText);
  if (maxAgeText !== undefined && maxAgeMs !== undefined) {
    if (maxAgeMs < 1) f.get("maxAge").error("invalid-value", "duration must be greater than 1ms (istiod's validateCORSPolicy)");
    else if (!Number.isInteger(maxAgeMs)) f.get("maxAge").error("invalid-value", "only durations to ms precision are supported (istiod's validateCORSPolicy)");
    else if (maxAgeMs % 1000) f.get("maxAge").error("invalid-value", "max_age duration is accurate only to seconds precision (istiod's validateCORSPolicy)");
  }
  const credentials = f.childBool("allowCredentials");
  return {
    allowOrigins: origins, allowMethods, allowHeaders, exposeHeaders,
    ...(maxAgeMs !== undefined ? { maxAgeSeconds: Math.floor(maxAgeMs / 1000) } : {}), ...(credentials !== undefined ? { allowCredentials: credentials } : {}),
    // forwardNotMatchingPreflights: false for IGNORE, else true ("the default behavior before envoy 1.30").
    forward: f.childString("unmatchedPreflights") !== "IGNORE",
  };
}

/** A route's `route` destinations (validateRouteDestinations: each with a destination, weights not negative, not all 0 of several). */
function routeDestinations(h: Field, namespace: string, domain: string, fn = "validateRouteDestinations"): IstioDestination[] {
  const dests = h.childList("route") ?? [];
  const route: IstioDestination[] = [];
  let total = 0;
  for (const d of dests) {
    if (!d.present) { d.error("invalid-value", `weight may not be nil (istiod's ${fn})`); continue; }
    const weight = d.childInt("weight") ?? 0;
    if (weight < 0) d.get("weight").error("range", `weight ${weight} < 0 (istiod's validateWeight)`);
    total += weight;
    const dst = destination(d.get("destination"), namespace, domain);
    const headers = headerOps(d.get("headers"));
    if (dst) route.push({ ...dst, weight, ...(headers ? { headers } : {}) });
  }
  if (dests.length > 1 && total === 0) h.get("route").error("invalid-value", `total destination weight = 0 (istiod's ${fn})`);
  return route;
}

/**
 * One `tcp` or `tls` route (validateTCPRoute, validateTLSRoute): a destination required; a TLS route
 * needs a match, and each of its matches an SNI host (a wildcard domain, or an IP with istiod's warning)
 * within the VirtualService's hosts (validateSniHost: "SNI host ... is not a compatible subset of any of
 * the virtual service hosts"); `destinationSubnets` IPs or CIDRs (ValidateIPSubnet); `port` 1-65535.
 */
function l4Route(h: Field, index: number, tls: boolean, written: readonly string[], namespace: string, domain: string): IstioL4Route | undefined {
  if (!h.object()) { h.error("invalid-value", `${tls ? "TLS" : "tcp"} route may not be null`); return undefined; }
  const kind = tls ? "TLS" : "TCP";
  const matchList = h.childList("match") ?? [];
  if (tls && !matchList.length) h.error("invalid-value", "TLS route must have at least one match condition (istiod's validateTLSRoute)");
  if (!(h.childList("route") ?? []).length) h.get("route").error("required", `${kind} route is required (istiod's validate${tls ? "TLS" : "TCP"}Route)`);
  const matches = matchList.flatMap((m): IstioL4Match[] => {
    if (!m.object()) { m.error("invalid-value", `${tls ? "TLS" : "tcp"} match may not be null`); return []; }
    const port = m.childInt("port");
    if (port !== undefined && port !== 0 && (port < 1 || port > 65535)) m.get("port").error("range", `port number ${port} must be in the range 1..65535 (istiod's ValidatePort)`);
    const destinationSubnets = (m.childList("destinationSubnets") ?? []).flatMap((d): Cidr[] => {
      const text = d.string({ required: true });
      if (text === undefined) return [];
      const c = parseCidr(text.includes("/") ? text : parseAddress(text) ? `${text}/${text.includes(":") ? 128 : 32}` : text);
      if (!c) { d.error("invalid-value", `${JSON.stringify(text)} is not a valid IP or CIDR (istiod's ValidateIPSubnet)`); return []; }
      return [c];
    });
    const sniHosts = (m.childList("sniHosts") ?? []).flatMap((x) => {
      const sni = x.string({ required: true });
      if (sni === undefined) return [];
      const bad = wildcardDomainProblem(sni);
      if (bad) { if (parseAddress(sni)) x.warn("invalid-value", `using an IP address (${JSON.stringify(sni)}) goes against SNI spec and most clients do not support this (istiod's validateSniHost)`); else x.error("invalid-value", `${bad} (istiod's validateSniHost)`); return [sni.toLowerCase()]; }
      if (!written.some((w) => istioHostSubsetOf(sni.toLowerCase(), w.toLowerCase()))) x.error("invalid-value", `SNI host ${JSON.stringify(sni)} is not a compatible subset of any of the virtual service hosts: [${written.join(", ")}] (istiod's validateSniHost)`);
      return [sni.toLowerCase()];
    });
    if (tls && !sniHosts.length) m.error("invalid-value", "TLS match must have at least one SNI host (istiod's validateTLSMatch)");
    const sourceLabels = m.get("sourceLabels").object() ? readLabels(m.get("sourceLabels")) : undefined;
    const sourceNamespace = m.childString("sourceNamespace");
    return [{
      ...(port ? { port } : {}), ...(sourceLabels && Object.keys(sourceLabels).length ? { sourceLabels } : {}), ...(sourceNamespace ? { sourceNamespace } : {}),
      gateways: gatewayNames(m.get("gateways")), destinationSubnets, sniHosts,
    }];
  });
  return { index, matches, route: routeDestinations(h, namespace, domain) };
}

/** One `http` route (validateHTTPRoute). */
function httpRoute(h: Field, index: number, namespace: string, domain: string, delegate: boolean): IstioHttpRoute | undefined {
  if (!h.object()) { h.error("invalid-value", "http route may not be null"); return undefined; }
  const has = (k: string) => h.get(k).present && !(Array.isArray(h.raw(k)) && (h.raw(k) as unknown[]).length === 0);
  const conflict = (msg: string) => h.error("invalid-value", `${msg} (istiod's validateHTTPRouteConflict)`);
  const routeSet = has("route"), redirectSet = has("redirect"), directSet = has("directResponse");
  if (has("delegate")) {
    if (delegate) conflict("delegate HTTP route cannot contain delegate");
    if (redirectSet) conflict(`root HTTP route ${h.childString("name") ?? ""} must not specify redirect`);
    if (routeSet) conflict(`root HTTP route ${h.childString("name") ?? ""} must not specify route`);
  } else if (redirectSet) {
    if (routeSet) conflict("HTTP route cannot contain both route and redirect");
    if (has("fault")) conflict("HTTP route cannot contain both fault and redirect");
    if (has("rewrite")) conflict("HTTP route rule cannot contain both rewrite and redirect");
    if (directSet) conflict("HTTP route rule cannot contain both direct_response and redirect");
  } else if (directSet) {
    if (routeSet) conflict("HTTP route cannot contain both route and direct_response");
    if (has("fault")) conflict("HTTP route cannot contain both fault and direct_response");
    if (has("rewrite")) conflict("HTTP route rule cannot contain both rewrite and direct_response");
  } else if (!routeSet) conflict("HTTP route, redirect or direct_response is required");
  if (h.get("mirror").present && has("mirrors")) conflict("HTTP route cannot contain both mirror and mirrors");

  const matches = (h.childList("match") ?? []).filter((m) => m.present).map((m) => readMatch(m));
  const route = routeDestinations(h, namespace, domain, "validateHTTPRouteDestinations");

  const r = h.get("redirect");
  let redirect: IstioHttpRoute["redirect"];
  if (r.object()) {
    const code = r.childInt("redirectCode");
    const derive = r.childString("derivePort");
    redirect = {
      ...(r.childString("uri") !== undefined ? { uri: r.childString("uri") } : {}), ...(r.childString("authority") ? { authority: r.childString("authority") } : {}),
      ...(r.childInt("port") !== undefined ? { port: r.childInt("port") } : {}), ...(derive === "FROM_PROTOCOL_DEFAULT" || derive === "FROM_REQUEST_PORT" ? { derivePort: derive } : {}),
      ...(r.childString("scheme") ? { scheme: r.childString("scheme") } : {}), redirectCode: code ?? 301,
      ...(r.childString("prefixRewrite") !== undefined ? { prefixRewrite: r.childString("prefixRewrite") } : {}),
    };
    if (code !== undefined && ![301, 302, 303, 307, 308].includes(code)) r.get("redirectCode").warn("invalid-value", `Redirect Code ${code} is not yet supported: pilot writes the route without an action (ApplyRedirect), and Envoy refuses the route configuration`);
  }
  const dr = h.get("directResponse");
  let directResponse: IstioHttpRoute["directResponse"];
  if (dr.object()) {
    const status = dr.childInt("status", { required: true });
    if (status !== undefined && (status < 200 || status > 599)) dr.get("status").error("range", `status ${status} is not in range 200-599 (istiod's validateHTTPDirectResponse)`);
    const body = dr.get("body").childString("string");
    if (status !== undefined) directResponse = { status, ...(body !== undefined ? { body } : {}) };
  }
  const rw = h.get("rewrite");
  let rewrite: IstioHttpRoute["rewrite"];
  if (rw.object()) {
    const uri = rw.childString("uri"), authority = rw.childString("authority");
    const rr = rw.get("uriRegexRewrite");
    if (uri !== undefined && rr.present) rw.error("invalid-value", "uri and uriRegexRewrite cannot be set together (istiod's validateHTTPRewrite)");
    if (uri === undefined && authority === undefined && !rr.present) rw.error("invalid-value", "rewrite must specify URI, authority, or uriRegexRewrite (istiod's validateHTTPRewrite)");
    const match = rr.childString("match"), sub = rr.childString("rewrite");
    if (rr.present && match !== undefined) { const bad = regexError(match, REGEX_SEMANTICS.istio); if (bad) rr.get("match").error("invalid-regex", `"uriRegexRewrite": ${bad} (istiod's validateHTTPRewrite)`); }
    rewrite = { ...(uri !== undefined ? { uri } : {}), ...(authority ? { authority } : {}), ...(match !== undefined && sub !== undefined ? { uriRegex: { match, rewrite: sub } } : {}) };
  }
  const timeoutText = h.childString("timeout");
  const rt = h.get("retries");
  let retries: IstioHttpRoute["retries"];
  if (rt.object()) {
    const attempts = rt.childInt("attempts") ?? 0;
    if (attempts < 0) rt.get("attempts").error("range", "attempts cannot be negative (istiod's ValidateHTTPRetry)");
    const perTry = goDuration(rt.childString("perTryTimeout"));
    retries = { attempts, ...(perTry !== undefined ? { perTryTimeoutMs: perTry } : {}), ...(rt.childString("retryOn") ? { retryOn: rt.childString("retryOn") } : {}) };
  }
  const mirrors: IstioHttpRoute["mirrors"][number][] = [];
  const m = h.get("mirror");
  if (m.object()) {
    const dst = destination(m, namespace, domain);
    const pct = h.get("mirrorPercentage").object() ? percentage(h.get("mirrorPercentage")) : h.childInt("mirrorPercent") ?? 100;
    if (dst) mirrors.push({ ...dst, percent: pct });
  }
  for (const mm of h.childList("mirrors") ?? []) {
    const dst = destination(mm.get("destination"), namespace, domain);
    if (dst) mirrors.push({ ...dst, percent: percentage(mm.get("percentage")) });
  }
  const headers = headerOps(h.get("headers"));
  const twice = authorityRewriteProblem(rewrite?.authority, h.get("headers"));
  if (twice) h.get("headers").error("invalid-value", `${twice} (istiod's validateAuthorityRewrite)`);
  const f = fault(h.get("fault"));
  const dl = h.get("delegate");
  const cors = corsPolicy(h.get("corsPolicy"));
  return {
    index, ...(h.childString("name") ? { name: h.childString("name") } : {}), matches, route,
    ...(redirect ? { redirect } : {}), ...(directResponse ? { directResponse } : {}),
    ...(dl.object() && dl.childString("name") ? { delegate: { name: dl.childString("name")!, ...(dl.childString("namespace") ? { namespace: dl.childString("namespace") } : {}) } } : {}),
    ...(rewrite ? { rewrite } : {}), ...(goDuration(timeoutText) !== undefined ? { timeoutMs: goDuration(timeoutText) } : {}),
    ...(retries ? { retries } : {}), ...(f ? { fault: f } : {}), mirrors, ...(headers ? { headers } : {}), ...(cors ? { cors } : {}),
  };
}

/** validateGatewayNames: `NAMESPACE/NAME`, DNS labels both, or a name (a FQDN; "mesh"). */
function gatewayNames(f: Field): string[] {
  const out: string[] = [];
  for (const g of f.list() ?? []) {
    const name = g.string({ required: true });
    if (name === undefined) continue;
    const [ns, n] = name.split("/", 2);
    if (n !== undefined && !(DNS_LABEL.test(ns) && DNS_LABEL.test(n))) g.error("invalid-value", `invalid gateway name ${JSON.stringify(name)}: namespace and name must be DNS labels (istiod's validateGatewayNames)`);
    out.push(name);
  }
  return out;
}

export const virtualServiceFrontEnd: FrontEnd = {
  kind: "VirtualService", apiVersions: ISTIO_NETWORKING_APIS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const namespace = meta?.namespace ?? "default";
    const domain = CLUSTER_DOMAIN;
    const hostsField = spec.get("hosts");
    const written = (spec.childList("hosts") ?? []).map((h) => h.string({ required: true }) ?? "");
    const gateways = gatewayNames(spec.get("gateways"));
    const delegate = written.length === 0;
    // ValidateVirtualService: a VirtualService without hosts is a delegate; it may have no gateways, tcp or tls.
    if (delegate) {
      if (gateways.length) spec.get("gateways").error("invalid-value", "delegate virtual service must have no gateways specified (istiod's ValidateVirtualService)");
      if ((spec.childList("tls") ?? []).length) spec.get("tls").error("invalid-value", "delegate virtual service must have no tls route specified (istiod's ValidateVirtualService)");
      if ((spec.childList("tcp") ?? []).length) spec.get("tcp").error("invalid-value", "delegate virtual service must have no tcp route specified (istiod's ValidateVirtualService)");
    }
    // ValidateVirtualService: appliesToGateway is isGateway, gateways without "mesh"; appliesToMesh the rest.
    const appliesToMesh = gateways.length === 0 || gateways.includes("mesh");
    let allHostsValid = true;
    written.forEach((h, i) => {
      const at = hostsField.get(i);
      if (parseAddress(h)) return;
      const p = wildcardDomainProblem(h);
      if (p) { at.error("invalid-value", `${p} (istiod's ValidateVirtualService)`); allHostsValid = false; }
      else if (appliesToMesh && h === "*") { at.error("invalid-value", "wildcard host * is not allowed for virtual services bound to the mesh gateway (istiod's ValidateVirtualService)"); allHostsValid = false; }
    });
    // The duplicate check compares the hosts as written (host.Name.Matches), and only when all are valid:
    // `api` and `api.NS.svc.cluster.local` are not duplicates to istiod.
    if (allHostsValid) written.forEach((h, i) => { for (let j = i + 1; j < written.length; j++) if (istioHostSubsetOf(written[j], h) || istioHostSubsetOf(h, written[j])) hostsField.get(j).error("invalid-value", `duplicate hosts in virtual service: ${h} & ${written[j]} (istiod's ValidateVirtualService)`); });
    // validateJWTClaimRoute: "JWT claim based routing (key: K) is only supported for gateway".
    if (appliesToMesh) for (const h of spec.childList("http") ?? []) for (const m of h.childList("match") ?? []) for (const k of ["headers", "withoutHeaders"]) for (const name of m.get(k).keys()) {
      if (jwtRoutingClaim(name)) m.get(k).get(name).error("invalid-value", `JWT claim based routing (key: ${name}) is only supported for gateway, found no gateways: [${gateways.join(" ")}] (istiod's ValidateVirtualService)`);
    }
    const hosts = written.map((h) => istioFqdn(h, namespace, domain));
    const httpList = spec.childList("http") ?? [];
    const tcpList = spec.childList("tcp") ?? [], tlsList = spec.childList("tls") ?? [];
    if (!httpList.length && !tcpList.length && !tlsList.length) spec.error("invalid-value", "http, tcp or tls must be provided in virtual service (istiod's ValidateVirtualService)");
    const tcp = tcpList.map((h, i) => l4Route(h, i, false, written, namespace, domain)).filter((h): h is IstioL4Route => h !== undefined);
    const tls = tlsList.map((h, i) => l4Route(h, i, true, written, namespace, domain)).filter((h): h is IstioL4Route => h !== undefined);
    const http = httpList.map((h, i) => httpRoute(h, i, namespace, domain, delegate)).filter((h): h is IstioHttpRoute => h !== undefined);
    const exportTo = spec.childList("exportTo")?.map((e) => e.string({ required: true })).filter((e): e is string => e !== undefined);
    if (!meta) return;
    const vs: IstioVirtualService = {
      name: meta.name, namespace, hosts, gateways, ...(exportTo ? { exportTo } : {}), http, tcp, tls,
      created: readCreated(root), order: b.inv.mesh.istio.virtualServices.length, src: ctx.ref,
    };
    b.inv.mesh.istio.virtualServices.push(vs);
  },
};

/** pkg/jwt ToRoutingClaim(name).Match: "@request.auth.claims" (any case) then ".CLAIM" or "[CLAIM]". */
function jwtRoutingClaim(name: string): boolean {
  if (!name.toLowerCase().startsWith("@request.auth.claims")) return false;
  const rest = name.slice("@request.auth.claims".length);
  return (rest.startsWith(".") && rest.length > 1) || (rest.startsWith("[") && rest.endsWith("]") && rest.length > 2);
}

