// Reads the ingress-nginx annotations of an Ingress into typed values, as ingress-nginx parses
// them: booleans as Go's strconv.ParseBool, numbers as integers, lists comma-separated. A value
// ingress-nginx would reject is a warning naming the annotation, and the annotation is not used.

import { addressCidr, parseAddress, parseGoCidr, type Cidr } from "../../model/ip.js";
import { isGoTrue, parseGoBool } from "../../model/gobool.js";
import { hasObject } from "../../model/gateway.js";
import { parseLabelSelector } from "../../model/label-selector-string.js";
import { NGINX_CORS_DEFAULTS, NGINX_PREFIX, type Canary, type NginxAccess, type NginxAnnotations, type NginxController, type NginxControllerConfig, type NginxCors, type NginxCorsConfig, type NginxRealIp, type NginxRedirect } from "../../model/nginx.js";
import type { InventoryBuilder, StateKey } from "../builder.js";
import type { KindHook } from "../frontend.js";
import { props, type Field } from "../fields.js";
import type { Meta } from "../k8s.js";

const PROTOCOLS = ["HTTP", "HTTPS", "GRPC", "GRPCS", "AUTO_HTTP", "FCGI"];
const PERMANENT_CODES = [301, 302, 303, 307, 308];
const TEMPORAL_CODES = [301, 302, 303, 307];

/** Typed reads of one Ingress's nginx annotations; every key read is recorded. */
class Reader {
  readonly read: string[] = [];
  /** The first validation failure (reject): ingress-nginx drops the whole Ingress. */
  rejected?: string;
  constructor(private readonly values: Readonly<Record<string, string>>, private readonly field: Field) {}

  has(name: string): boolean { return NGINX_PREFIX + name in this.values; }

  /** The value, not recorded as read. */
  peek(name: string): string | undefined { return this.values[NGINX_PREFIX + name]; }

  /** The annotations of RISK this Ingress has (any value), with their risk. */
  risky(): [string, number][] {
    const out: [string, number][] = [];
    for (const k in this.values) if (k.startsWith(NGINX_PREFIX) && RISK[k.slice(NGINX_PREFIX.length)]) out.push([k.slice(NGINX_PREFIX.length), RISK[k.slice(NGINX_PREFIX.length)]]);
    return out;
  }

  string(name: string): string | undefined {
    const v = this.values[NGINX_PREFIX + name];
    if (v !== undefined) this.read.push(NGINX_PREFIX + name);
    return v;
  }

  /**
   * A value that fails the annotation's validator (parser/validators.go checkAnnotation: a
   * ValidationError): annotations.go Extract returns the error and store.go syncIngress drops the
   * Ingress, so ingress-nginx serves none of it.
   */
  reject(name: string, message: string): undefined {
    this.rejected ??= `${NGINX_PREFIX}${name}: ${message}`;
    this.field.get(NGINX_PREFIX + name).warn("invalid-annotation", `${message}; ingress-nginx's annotation validation rejects the whole Ingress (it serves none of its rules), and so does Junction`);
    return undefined;
  }

  /** A value ingress-nginx ignores (`ignored`), or one it reads otherwise than written (the message says how). */
  warn(name: string, message: string, ignored = true): undefined {
    this.field.get(NGINX_PREFIX + name).warn("invalid-annotation", ignored ? `${message}; ingress-nginx ignores it, and so does Junction` : message);
    return undefined;
  }

  bool(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    return parseGoBool(v.trim()) ?? this.warn(name, `${JSON.stringify(v)} is not a boolean ("true" or "false")`);
  }

  int(name: string, min: number): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    // (parser.GetIntAnnotation: strconv.Atoi, which fails beyond int64: "99999999999999999999" was read as 1e20.)
    if (!goInt(v.trim()) || Number(v) < min) return this.warn(name, `${JSON.stringify(v)} is not an integer ≥ ${min}`);
    return Number(v);
  }

  list(name: string): string[] | undefined {
    return this.string(name)?.split(",").map((s) => s.trim()).filter(Boolean);
  }

  oneOf(name: string, choices: readonly string[]): string | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const up = v.trim().toUpperCase();
    return choices.includes(up) ? up : this.warn(name, `${JSON.stringify(v)} is not one of ${choices.join(", ")}`);
  }
}

/** Go's strconv.ParseBool (no trimming). */
const goBool = (v: string) => parseGoBool(v) !== undefined;
/** Go's strconv.Atoi. */
const goInt = (v: string) => /^[+-]?\d+$/.test(v) && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n;
/** parser/validators.go alphaNumericChars. */
const ALNUM = "\\-._~a-zA-Z0-9/:";
/** validators.go IsValidRegex (a server name, regex characters allowed). */
const SERVER_NAME = new RegExp(`^[/${ALNUM}\\^$\\[\\](){}*+?|&=\\\\]*$`);
/** validators.go ValidateRegex(re, removeSpace): the value (spaces removed) matches `re` and has no line break. */
const chars = (re: RegExp, removeSpace: boolean) => (v: string) => { const s = removeSpace ? v.replaceAll(" ", "") : v; return re.test(s) && !/[\r\n]/.test(s); };
const URL_CHARS = new RegExp(`^[${ALNUM},:?&=]*$`);
/** validators.go ValidateServerName: IsValidRegex on the trimmed value. */
const serverName = (v: string) => SERVER_NAME.test(v.trim());
/** validators.go ValidateCIDRs: net.ParseCIDRs, every entry a CIDR or an address. */
const cidrs = (v: string) => !("bad" in parseRanges(v.split(",")));

/**
 * The annotations whose parser returns the validator's ValidationError (parser/validators.go
 * checkAnnotation; a value that is empty is not validated), so annotations.go Extract returns it and
 * store.go syncIngress drops the whole Ingress; `when`: the parser reads the annotation only then. The
 * other parsers default or deny the location on a ValidationError (auth-type: readAccess). Each
 * parser's main.go Parse: sslpassthrough, http2pushpreload, upstreamvhost, alias, xforwardedprefix,
 * clientbodybuffersize, loadbalancing, customhttperrors, defaultbackend, upstreamhashby, redirect
 * (temporal-redirect first: its code is read only with it, the permanent ones only without it),
 * ratelimit (limit-rpm, limit-rps, limit-connections, limit-allowlist), proxyssl (proxy-ssl-secret),
 * authtls (auth-tls-secret), authreq (auth-url), sslcipher (ssl-ciphers), fastcgi.
 */
const VALIDATED: { name: string; alias?: string; valid: (v: string) => boolean; when?: (r: Reader) => boolean }[] = [
  { name: "ssl-passthrough", valid: goBool },
  { name: "http2-push-preload", valid: goBool },
  { name: "upstream-vhost", valid: serverName },
  { name: "server-alias", valid: (v) => v.split(",").every(serverName) },
  { name: "x-forwarded-prefix", valid: chars(/^\/?[-._~a-zA-Z0-9/:/$]*$/, true) },
  { name: "client-body-buffer-size", valid: chars(/^\d+[bkmg]?$/i, true) },
  { name: "load-balance", valid: (v) => ["round_robin", "chash", "chashsubset", "sticky_balanced", "sticky_persistent", "ewma"].includes(v.trim()) },
  { name: "custom-http-errors", valid: chars(/^(?:[4,5]\d{2},?)*$/, true) },
  { name: "default-backend", valid: (v) => v.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(v) },
  { name: "upstream-hash-by", valid: chars(/^[A-Za-z0-9\-_${}]*$/, true) },
  { name: "upstream-hash-by-subset", valid: goBool },
  { name: "upstream-hash-by-subset-size", valid: goInt },
  { name: "from-to-www-redirect", valid: goBool },
  { name: "relative-redirects", valid: goBool },
  { name: "temporal-redirect", valid: chars(URL_CHARS, false) },
  { name: "temporal-redirect-code", valid: goInt, when: (r) => !!r.peek("temporal-redirect") },
  { name: "permanent-redirect", valid: chars(URL_CHARS, false), when: (r) => !r.peek("temporal-redirect") },
  { name: "permanent-redirect-code", valid: goInt, when: (r) => !r.peek("temporal-redirect") },
  { name: "limit-rpm", valid: goInt },
  { name: "limit-rps", valid: goInt },
  { name: "limit-connections", valid: goInt },
  { name: "limit-allowlist", alias: "limit-whitelist", valid: cidrs },
  { name: "proxy-ssl-secret", valid: chars(new RegExp(`^[/${ALNUM}]*$`), true) },
  { name: "auth-tls-secret", valid: chars(new RegExp(`^[/${ALNUM}]*$`), true) },
  { name: "auth-url", valid: chars(new RegExp(`^[${ALNUM}, ,:?&=$]*$`), true) },
  { name: "ssl-ciphers", valid: chars(/^(?:(?:[A-Za-z0-9!:+\-_])*(?:@STRENGTH)*(?:@SECLEVEL=[0-5])*(?:@STRENGTH)*)*$/, true) },
  { name: "fastcgi-index", valid: chars(/^[A-Za-z0-9.\-_]+$/, true) },
  { name: "fastcgi-params-configmap", valid: chars(new RegExp(`^[/${ALNUM}]*$`), true) },
];

/** The values of the validated annotations that fail their validator: each rejects the Ingress. */
function validate(r: Reader): void {
  for (const a of VALIDATED) {
    if (a.when && !a.when(r)) continue;
    // checkAnnotation: an empty value takes the alias's.
    const name = !r.peek(a.name) && a.alias && r.peek(a.alias) ? a.alias : a.name;
    const v = r.peek(name);
    if (v && !a.valid(v)) r.reject(name, `${JSON.stringify(v)} fails the annotation's validator`);
  }
}

/**
 * The risk ingress-nginx gives an annotation (each parser's AnnotationFields Risk, aliases included;
 * not listed: Low): 1 Medium, 2 High, 3 Critical. annotations.go Extract runs each parser's Validate
 * first, parser.CheckAnnotationRisk: an Ingress with an annotation riskier than the ConfigMap's
 * annotations-risk-level (config.go default High) is rejected whole (RiskyAnnotationError).
 */
const RISK: Readonly<Record<string, 1 | 2 | 3>> = Object.fromEntries([
  ...["auth-realm", "auth-signin-redirect-param", "auth-cache-key", "auth-cache-duration", "auth-response-headers", "auth-proxy-set-headers", "auth-request-redirect",
    "auth-tls-secret", "auth-tls-verify-client", "canary-by-header", "canary-by-header-value", "canary-by-header-pattern", "canary-by-cookie", "cors-allow-origin",
    "cors-allow-headers", "cors-allow-methods", "cors-expose-headers", "custom-headers", "fastcgi-index", "fastcgi-params-configmap", "allowlist-source-range",
    "whitelist-source-range", "denylist-source-range", "opentelemetry-operation-name", "proxy-cookie-path", "proxy-cookie-domain", "proxy-body-size", "proxy-next-upstream",
    "proxy-redirect-from", "proxy-redirect-to", "proxy-ssl-secret", "proxy-ssl-ciphers", "rewrite-target", "preserve-trailing-slash", "force-ssl-redirect", "app-root",
    "affinity-mode", "session-cookie-name", "session-cookie-expires", "session-cookie-max-age", "session-cookie-path", "session-cookie-domain", "x-forwarded-prefix",
    "temporal-redirect", "permanent-redirect"].map((n) => [n, 1]),
  ...["server-alias", "auth-url", "auth-signin", "auth-tls-error-page", "auth-tls-match-cn", "mirror-target", "mirror-host", "modsecurity-transaction-id", "proxy-ssl-name", "upstream-hash-by"].map((n) => [n, 2]),
  ...["auth-snippet", "modsecurity-snippet", "server-snippet", "configuration-snippet", "stream-snippet"].map((n) => [n, 3]),
]);
const RISK_NAMES = ["Low", "Medium", "High", "Critical"] as const;

/** parser/main.go StringRiskToRisk: critical, high, medium (any case); anything else is Low. */
export function nginxRiskLevel(text: string | undefined): number {
  const i = RISK_NAMES.findIndex((n) => n.toLowerCase() === (text ?? "High").toLowerCase());
  return i < 0 ? 0 : i;
}

/** Why ingress-nginx rejects the Ingress for its annotations' risk at `level` (nginxRiskLevel), if it does. */
export function riskyAnnotation(a: NginxAnnotations, level: number): string | undefined {
  const risky = (a.risky ?? []).find(([, risk]) => risk > level);
  return risky && `${NGINX_PREFIX}${risky[0]} is a ${RISK_NAMES[risky[1]]}-risk annotation, above the controller's annotations-risk-level ${RISK_NAMES[level]}`;
}

export function readNginxAnnotations(annotations: Readonly<Record<string, string>>, field: Field, ingress: { namespace: string; name: string }): NginxAnnotations {
  const r = new Reader(annotations, field);
  validate(r);
  const out: NginxAnnotations = {
    canary: readCanary(r),
    sslRedirect: r.bool("ssl-redirect"),
    forceSslRedirect: r.bool("force-ssl-redirect"),
    preserveTrailingSlash: r.bool("preserve-trailing-slash"),
    redirect: readRedirect(r),
    appRoot: readAppRoot(r),
    rewriteTarget: r.string("rewrite-target"),
    xForwardedPrefix: r.string("x-forwarded-prefix"),
    useRegex: r.bool("use-regex"),
    backendProtocol: r.oneOf("backend-protocol", PROTOCOLS),
    upstreamVhost: r.string("upstream-vhost"),
    defaultBackend: r.string("default-backend")?.trim() || undefined,
    connectionProxyHeader: r.string("connection-proxy-header"),
    sslPassthrough: r.bool("ssl-passthrough"),
    fromToWwwRedirect: r.bool("from-to-www-redirect"),
    serverAliases: serverAliases(r.string("server-alias")),
    cors: readCors(r),
    timeouts: readTimeouts(r),
    proxySsl: readProxySsl(r),
    access: readAccess(r, ingress),
    enableGlobalAuth: r.bool("enable-global-auth"),
    proxyRedirect: readProxyRedirect(r),
    ...readCustomErrors(r),
    ...readBodySize(r),
    ...readCustomHeaders(r),
    read: r.read,
  };
  const snippets = { ...(r.peek("configuration-snippet")?.trim() ? { location: true as const } : {}), ...(r.peek("server-snippet")?.trim() ? { server: true as const } : {}) };
  if (snippets.location || snippets.server) out.snippets = snippets;
  if (r.rejected !== undefined) out.rejected = r.rejected;
  const risky = r.risky();
  if (risky.length) out.risky = risky;
  return out;
}

/**
 * proxy-redirect-from / -to (proxy/main.go Parse: a value failing URLIsValidRegex, or unset, is the ConfigMap's, "off"):
 * nginx.tmpl writes `proxy_redirect FROM TO;` unless FROM is "default" or "off" (then `proxy_redirect FROM;`) or TO is
 * "off". A regular expression ("~...") is not read (undefined, a warning).
 */
function readProxyRedirect(r: Reader): NginxAnnotations["proxyRedirect"] {
  const valid = (v: string | undefined) => (v ? (chars(URL_CHARS, true)(v) ? v.trim() : undefined) : undefined);
  const from = valid(r.string("proxy-redirect-from")) ?? "off", to = valid(r.string("proxy-redirect-to")) ?? "off";
  if (from === "off" || from === "default" || to === "off") return undefined;
  if (from.startsWith("~")) return r.warn("proxy-redirect-from", `${JSON.stringify(from)} is a regular expression, which Junction does not apply to the backend's Location headers`);
  return { from, to };
}

/**
 * custom-http-errors (customhttperrors/main.go Parse: split at ",", trimmed, empty ones dropped, strconv.Atoi; the
 * validator, VALIDATED, took 4xx and 5xx only), disable-proxy-intercept-errors and service-upstream (Go booleans). Not recorded as read:
 * `convert ingress` has no translation of them.
 */
function readCustomErrors(r: Reader): Pick<NginxAnnotations, "customHttpErrors" | "disableProxyInterceptErrors" | "serviceUpstream"> {
  const codes = (r.peek("custom-http-errors") ?? "").split(",").map((c) => c.trim()).filter((c) => /^\d+$/.test(c)).map(Number);
  const off = parseGoBool(r.peek("disable-proxy-intercept-errors")?.trim() ?? "");
  return { ...(codes.length ? { customHttpErrors: codes } : {}), ...(off ? { disableProxyInterceptErrors: true } : {}), ...(parseGoBool(r.peek("service-upstream")?.trim() ?? "") ? { serviceUpstream: true } : {}) };
}

/**
 * custom-headers (customheaders/main.go Parse: GetStringAnnotation, trimmed, with the validator BasicCharsRegex on the
 * value without spaces; an error leaves no ConfigMap, no headers). Resolved against the input's ConfigMaps when settled
 * (CONTROLLER_CONFIGS). Not recorded as read: `convert ingress` has no translation of it.
 */
function readCustomHeaders(r: Reader): Pick<NginxAnnotations, "customHeaders"> {
  const v = r.peek("custom-headers")?.split("\n").map((l) => l.trim()).join("\n");
  return v && new RegExp(`^[/${ALNUM}]*$`).test(v.replaceAll(" ", "")) ? { customHeaders: { configMap: v } } : {};
}

/**
 * proxy-body-size (proxy/main.go Parse: GetStringAnnotation with the validator parser.SizeRegex `^(?i)\d+[bkmg]?$`, a
 * value failing it the ConfigMap's; no ValidationError reaches Extract). Not recorded as read: `convert ingress` has no
 * translation of it.
 */
function readBodySize(r: Reader): Pick<NginxAnnotations, "proxyBodySize"> {
  const v = r.peek("proxy-body-size");
  return v !== undefined && /^\d+[bkmg]?$/i.test(v) ? { proxyBodySize: v } : {};
}

/** alias/main.go Parse: split at ",", trimmed, empty ones dropped, unique, sorted (Go's sort.Strings: by bytes). */
function serverAliases(v: string | undefined): string[] | undefined {
  const list = [...new Set((v ?? "").split(",").map((a) => a.trim()).filter(Boolean))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return list.length ? list : undefined;
}

function readCanary(r: Reader): Canary | undefined {
  if (r.bool("canary") !== true) return undefined;
  // balancer.lua route_to_alternative_balancer: `local weightTotal = 100; if traffic_shaping_policy.weightTotal ~= nil and
  // traffic_shaping_policy.weightTotal > 100 then weightTotal = ...`: a total of 100 or less counts as 100.
  const written = r.int("canary-weight-total", 0);
  if (written !== undefined && written < 100) r.warn("canary-weight-total", `${written} is below 100: ingress-nginx's balancer counts a total of 100 or less as 100 (canary-weight is then a percentage)`, false);
  const weightTotal = Math.max(written ?? 100, 100);
  let weight = r.int("canary-weight", 0);
  if (weight !== undefined && weight > weightTotal) {
    r.warn("canary-weight", `${weight} is above canary-weight-total ${weightTotal}; ingress-nginx sends every request to the canary`, false);
    weight = weightTotal;
  }
  const header = r.string("canary-by-header") || undefined;
  return {
    header, weight, weightTotal,
    headerValue: r.string("canary-by-header-value") || undefined,
    headerPattern: r.string("canary-by-header-pattern") || undefined,
    cookie: r.string("canary-by-cookie") || undefined,
  };
}

/** permanent-redirect (301) or temporal-redirect (302); temporal wins when both are set. */
function readRedirect(r: Reader): NginxRedirect | undefined {
  const temporal = r.string("temporal-redirect");
  const permanent = r.string("permanent-redirect");
  const kind = temporal ? "temporal" : permanent ? "permanent" : undefined;
  if (!kind) return undefined;
  const url = (temporal || permanent)!;
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]/i.test(url) || !URL.canParse(url)) return r.warn(`${kind}-redirect`, `${JSON.stringify(url)} is not an absolute URL`);
  const codes = kind === "temporal" ? TEMPORAL_CODES : PERMANENT_CODES;
  const fallback = kind === "temporal" ? 302 : 301;
  const code = r.int(`${kind}-redirect-code`, 0);
  if (code !== undefined && !codes.includes(code)) {
    r.warn(`${kind}-redirect-code`, `${code} is not one of ${codes.join(", ")}; ${fallback} is used`);
    return { kind, url, code: fallback };
  }
  return { kind, url, code: code ?? fallback };
}

function readAppRoot(r: Reader): string | undefined {
  const v = r.string("app-root");
  if (v === undefined) return undefined;
  return v.startsWith("/") ? v : r.warn("app-root", `${JSON.stringify(v)} is not a path starting with "/"`);
}

function readCors(r: Reader): NginxCors | undefined {
  if (r.bool("enable-cors") !== true) return undefined;
  const d = NGINX_CORS_DEFAULTS;
  return {
    nginx: nginxCorsConfig(r),
    allowOrigins: r.list("cors-allow-origin") ?? d.allowOrigins,
    allowMethods: r.list("cors-allow-methods")?.map((m) => m.toUpperCase()) ?? d.allowMethods,
    allowHeaders: r.list("cors-allow-headers") ?? d.allowHeaders,
    exposeHeaders: r.list("cors-expose-headers") ?? d.exposeHeaders,
    allowCredentials: r.bool("cors-allow-credentials") ?? d.allowCredentials,
    maxAge: r.int("cors-max-age", 0) ?? d.maxAge,
  };
}

/**
 * cors/main.go Parse: each annotation through GetStringAnnotation (trimmed; an empty value or one failing its validator,
 * spaces removed, is an error) and its own check, else the default: cors-allow-origin "*" (an invalid value too: "defaulting
 * to '*'"), else split at ",", trimmed, "*" making it any origin, an origin failing corsOriginRegex skipped; cors-allow-
 * headers, -methods, -expose-headers as written when valid; cors-allow-credentials true; cors-max-age 1728000.
 */
function nginxCorsConfig(r: Reader): NginxCorsConfig {
  const given = (name: string, valid: RegExp) => { const v = r.peek(name)?.split("\n").map((l) => l.trim()).join("\n"); return v && valid.test(v.replaceAll(" ", "")) ? v : undefined; };
  const written = given("cors-allow-origin", /^((((([a-z]+:\/\/)?(\*\.)?[A-Za-z0-9\-.]*(:\d+)?,?)|null)+)|\*)?$/);
  const origins: string[] = [];
  for (const o of written === undefined ? ["*"] : written.split(",").map((x) => x.trim()).filter(Boolean)) {
    if (o === "*") { origins.splice(0, origins.length, "*"); break; }
    if (/^([a-z]+:\/\/(\*\.)?[A-Za-z0-9\-.]*(:\d+)?|\*|null)?$/.test(o)) origins.push(o);
  }
  const methods = given("cors-allow-methods", /^([A-Za-z]+,?\s?)+$/), headers = given("cors-allow-headers", /^[A-Za-z0-9-_, ]*$/);
  const credentials = parseGoBool(r.peek("cors-allow-credentials")?.trim() ?? ""), age = r.peek("cors-max-age")?.trim();
  return {
    origins, methods: methods !== undefined && /^([A-Za-z]+,?\s?)+$/.test(methods) ? methods : "GET, PUT, POST, DELETE, PATCH, OPTIONS",
    headers: headers !== undefined && /^[A-Za-z0-9-_, ]*$/.test(headers) ? headers : "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization",
    expose: given("cors-expose-headers", /^(([A-Za-z0-9\-_]+|\*),?\s?)+$/) ?? "", credentials: credentials ?? true, maxAge: age !== undefined && goInt(age) ? Number(age) : 1728000,
  };
}

function readTimeouts(r: Reader): NginxAnnotations["timeouts"] {
  const t = { connect: r.int("proxy-connect-timeout", 0), send: r.int("proxy-send-timeout", 0), read: r.int("proxy-read-timeout", 0) };
  return t.connect ?? t.send ?? t.read ? t : undefined;
}

function readProxySsl(r: Reader): NginxAnnotations["proxySsl"] {
  const onOff = (name: string) => { const v = r.string(name); return v === undefined ? undefined : v.trim() === "on"; };
  const s = { verify: onOff("proxy-ssl-verify"), secret: r.string("proxy-ssl-secret"), name: r.string("proxy-ssl-name"), serverName: onOff("proxy-ssl-server-name") };
  return Object.values(s).some((v) => v !== undefined) ? s : undefined;
}

/**
 * The location's access checks (model/nginx.ts NginxAccess), as ingress-nginx parses them:
 * internal/ingress/annotations/ipallowlist, ipdenylist (allowlist-source-range, else its alias
 * whitelist-source-range when the first is unset or empty; a list net.ParseIPNets reads: each entry
 * trimmed, a CIDR or an address; an empty or unreadable list is a LocationDeniedError: the location
 * answers 503), auth (auth-type matching basic|digest, auth-secret as NAMESPACE/NAME or NAME in the
 * Ingress's namespace; without the secret annotation the location is denied) and authreq (auth-url).
 */
/** authtls/main.go redirectRegex: a named location, or an optional scheme-and-host with a path. */
const AUTH_TLS_ERROR_PAGE = /^(@[A-Za-z0-9_-]+|((https?:\/\/)?[A-Za-z0-9\-.]+(:\d+)?)?(\/[A-Za-z0-9\-_.]+)*\/?)$/;

function readAccess(r: Reader, ing: { namespace: string; name: string }): NginxAccess | undefined {
  const access: NginxAccess = { ingress: `${ing.namespace}/${ing.name}`, deny: [] };
  access.deny = sourceRange(r, "denylist-source-range", access) ?? [];
  const allowKey = (["allowlist-source-range", "whitelist-source-range"] as const).find((k) => r.string(k)) ?? (r.has("allowlist-source-range") ? "allowlist-source-range" : undefined);
  if (allowKey) access.allow = sourceRange(r, allowKey, access) ?? [];
  // auth/main.go: the validator ValidateRegex(`basic|digest`, removeSpace) (unanchored; no \r or \n) fails: the Ingress
  // is rejected; an empty value is not validated and parseString refuses it (InvalidAnnotationContent): auth is
  // ignored; Parse then matches the trimmed value without removing inner spaces: no match denies the location.
  const type = r.string("auth-type");
  if (type !== undefined && type !== "" && (!AUTH_TYPE.test(type.replaceAll(" ", "")) || /[\r\n]/.test(type))) r.reject("auth-type", `${JSON.stringify(type)} ${/[\r\n]/.test(type) ? "has a line break" : "is neither basic nor digest"}`);
  else if (type !== undefined && normalized(type) === "") r.warn("auth-type", "an empty value is no authentication type");
  else if (type !== undefined) {
    const secret = r.string("auth-secret")?.trim();
    if (!AUTH_TYPE.test(normalized(type))) deny503(access, `auth-type ${JSON.stringify(type)} is neither basic nor digest`);
    else if (!secret) deny503(access, "auth-type is set without auth-secret");
    // auth/main.go: SplitMetaNamespaceKey, "if sns == \"\" { sns = ing.Namespace }", then GetSecret(sns/sname).
    else access.basicAuth = { type: normalized(type) === "basic" ? "basic" : "digest", secret: secret.includes("/") ? (secret.startsWith("/") ? `${ing.namespace}${secret}` : secret) : `${ing.namespace}/${secret}`, realm: r.string("auth-realm")?.trim() };
  }
  const url = r.string("auth-url")?.trim();
  if (url) access.authUrl = url;
  const signin = url ? r.string("auth-signin")?.trim() : undefined;
  if (signin) access.authSignin = { url: signin, ...(r.string("auth-signin-redirect-param")?.trim() ? { param: r.string("auth-signin-redirect-param")!.trim() } : {}) };
  // authtls/main.go Parse: k8s.ParseNameNS (exactly one "/", else LocationDenied), the namespace the Ingress's when empty
  // for the cross-namespace check only;
  // auth-tls-verify-client not one of on|off|optional|optional_no_ca: "on".
  const ca = r.string("auth-tls-secret")?.trim();
  if (ca) {
    const parts = ca.split("/");
    if (parts.length !== 2) deny503(access, `auth-tls-secret ${JSON.stringify(ca)} is not namespace/name`);
    // An empty namespace passes the cross-namespace check as the Ingress's, but GetAuthCertificate(tlsauthsecret)
    // looks the Secret up by the annotation as written ("/ca"), which no Secret is: "error obtaining certificate".
    else if (parts[0] === "") deny503(access, `auth-tls-secret ${JSON.stringify(ca)}: error obtaining certificate (the Secret is looked up as written, without a namespace)`);
    else {
      const verify = r.string("auth-tls-verify-client")?.trim() ?? "on";
      // auth-tls-error-page (read after the secret, the certificate and the verify mode): redirectRegex, a failure rejects the
      // Ingress ("if ing_errors.IsValidationError(err) { return &Config{}, err }"); the server's `error_page 495 496 = PAGE`.
      const errorPage = r.string("auth-tls-error-page");
      if (errorPage && !AUTH_TLS_ERROR_PAGE.test(errorPage)) r.reject("auth-tls-error-page", `${JSON.stringify(errorPage)} fails the annotation's validator`);
      access.clientCert = { ca: `${parts[0]}/${parts[1]}`, verify: /^(on|off|optional|optional_no_ca)$/.test(verify) ? verify : "on", ...(errorPage ? { errorPage } : {}) };
    }
  }
  return access.deny.length || access.allow || access.denied || access.basicAuth || access.authUrl || access.clientCert ? access : undefined;
}

/** ingress-nginx's auth types (auth/main.go authTypeRegex, unanchored). */
const AUTH_TYPE = /basic|digest/;

/** parser/main.go normalizeString: each line trimmed. */
const normalized = (v: string) => v.split("\n").map((l) => l.trim()).join("\n");

function deny503(access: NginxAccess, why: string): void {
  access.denied ??= why;
}

/** The ingress-nginx controller's ConfigMap as the Helm chart names it for a release ingress-nginx in namespace ingress-nginx: the controller's when no controller of the input names its own (--configmap). */
export const INGRESS_NGINX_CONFIGMAP = { namespace: "ingress-nginx", name: "ingress-nginx-controller" };

/** The keys of the controller ConfigMap that Junction reads (readControllerConfig). */
const CONTROLLER_KEYS = ["global-auth-url", "http-redirect-code", "allow-snippet-annotations", "whitelist-source-range", "denylist-source-range", "use-forwarded-headers", "enable-real-ip", "use-proxy-protocol", "forwarded-for-header", "proxy-real-ip-cidr", "annotations-risk-level", "block-cidrs", "compute-full-forwarded-for", "ssl-redirect", "force-ssl-redirect", "preserve-trailing-slash", "no-tls-redirect-locations",
  "custom-http-errors", "disable-proxy-intercept-errors", "hsts", "hsts-max-age", "hsts-include-subdomains", "hsts-preload", "enable-underscores-in-headers", "ignore-invalid-headers", "allow-cross-namespace-resources", "proxy-body-size", "global-allowed-response-headers"];

/** The ConfigMaps that may be a controller's (read as such), and the controllers of the input with the ConfigMap each names; settled once every object is read. */
interface ControllerConfigs {
  configs: Map<string, NginxControllerConfig | undefined>;
  named: { controller: NginxController; field: Field }[];
  /** Every ConfigMap with data, "namespace/name" → its entries as custom-headers reads them, or why it refuses them. */
  headerMaps: Map<string, [string, string][] | string>;
}

const CONTROLLER_CONFIGS: StateKey<ControllerConfigs> = {
  make: () => ({ configs: new Map(), named: [], headerMaps: new Map() }),
  settle(s, b) {
    // custom-headers: the ConfigMap the annotation names (the controller's store, by "namespace/name").
    for (const ing of b.inv.ingress.ingresses) {
      const ch = ing.nginx.customHeaders;
      if (!ch) continue;
      const found = s.headerMaps.get(ch.configMap);
      ing.nginx.customHeaders = typeof found === "string" ? { ...ch, problem: found } : found ? { ...ch, headers: found } : { ...ch, problem: `unable to find configMap ${JSON.stringify(ch.configMap)}` };
    }
    // Whether a ConfigMap is in the input at all: the model's index of objects (routing.objectKeys) knows every one.
    const present = (key: string) => { const [namespace, name] = key.split("/", 2); return hasObject(b.inv.routing, "", "ConfigMap", namespace, name); };
    // Each controller reads its own (model/nginx-controller.ts ingressNginxOf picks a class's controller).
    for (const { controller: c } of s.named) {
      const config = c.configMap !== undefined ? s.configs.get(c.configMap) : undefined;
      if (config) c.config = config;
      c.known = c.configMap !== undefined ? present(c.configMap) : c.known !== false;
    }
    // Controllers sharing a --controller-class serve the same IngressClasses: one nginx each (model/nginx-controller.ts controllersDisagree).
    for (const [i, { controller: c, field }] of s.named.entries()) {
      const twin = s.named.slice(0, i).find((x) => x.controller.controllerClass === c.controllerClass && x.controller.configMap !== c.configMap);
      if (twin) field.warn("ingress-nginx-config", `${c.kind} ${c.namespace}/${c.name} serves the IngressClasses of controller ${c.controllerClass}, as ${twin.controller.kind} ${twin.controller.namespace}/${twin.controller.name} does, with another ConfigMap (${c.configMap ?? "none"}, not ${twin.controller.configMap ?? "none"}): where their settings differ, the answer for the class depends on which controller a request reaches, and Junction answers unknown (--ingress-controller picks one)`);
    }
    // The Helm chart's: the settings of an ingress-nginx class no controller of the input serves.
    const key = `${INGRESS_NGINX_CONFIGMAP.namespace}/${INGRESS_NGINX_CONFIGMAP.name}`;
    b.inv.ingressNginx = s.configs.get(key);
    if (present(key)) b.inv.ingressNginxConfigMap = key;
  },
};

/**
 * A ConfigMap that may be the ingress-nginx controller's: the Helm chart's name, or one with a key the
 * controller reads (the ConfigMap front end, gateway/tls.ts, asks each reader, as readIstioMeshConfig
 * and readCiliumConfig). Which one is the controller's is settled once every object is read: the one a
 * controller of the input names (readIngressNginxController), else the Helm chart's.
 */
export function readIngressNginxConfig(root: Field, meta: Meta, b: InventoryBuilder): void {
  // Any ConfigMap may be the controller's: settle then asks whether the controller's is in the input.
  const state = b.state(CONTROLLER_CONFIGS);
  const data = root.get("data");
  if (!data.present) return;
  state.headerMaps.set(`${meta.namespace}/${meta.name}`, customHeaderEntries(data));
  const helm = meta.namespace === INGRESS_NGINX_CONFIGMAP.namespace && meta.name === INGRESS_NGINX_CONFIGMAP.name;
  if (!helm && !CONTROLLER_KEYS.some((k) => data.raw(k) !== undefined)) return;
  state.configs.set(`${meta.namespace}/${meta.name}`, readControllerConfig(data));
}

/** customheaders/main.go Parse over a ConfigMap's data: each name ValidHeader, each value ValidValue, else the location is denied. */
function customHeaderEntries(data: Field): [string, string][] | string {
  const out: [string, string][] = [];
  for (const k of data.keys()) {
    const v = data.raw(k);
    if (!/^[a-zA-Z\d\-_]+$/.test(k)) return "invalid header name in configmap";
    if (typeof v !== "string" || !/^[a-zA-Z\d_ :;.,\\/"'?!(){}[\]@<>=\-+*#$&`|~^%]+$/.test(v)) return "invalid header value in configmap";
    out.push([k, v]);
  }
  return out;
}

/**
 * An ingress-nginx controller (a Deployment's, DaemonSet's or StatefulSet's container whose command or args run
 * /nginx-ingress-controller) with the flags that choose its Ingresses and its ConfigMap (pkg/flags/flags.go:
 * --controller-class, default k8s.io/ingress-nginx; --ingress-class, default nginx; --ingress-class-by-name;
 * --watch-ingress-without-class; --configmap NAMESPACE/NAME), as pflag reads them (`--flag=V` or `--flag V`; a boolean
 * `--flag` or `--flag=V`; the last one given wins), with the container's $(VAR) references expanded as the kubelet does
 * from its env (a value, or the fieldRef metadata.namespace: the Helm chart's
 * `--configmap=$(POD_NAMESPACE)/RELEASE-ingress-nginx-controller`).
 */
export function readIngressNginxController(kind: string, root: Field, b: InventoryBuilder): void {
  // (Looked at raw first: a workload none of whose containers runs the controller, nearly every
  // Deployment and StatefulSet of a cluster, makes no field, list or closure here.)
  const given = props(props(props(props(root.value).spec).template).spec).containers;
  if (!Array.isArray(given) || !given.some(runsNginxController)) return;
  const md = root.get("metadata"), name = md.raw("name"), ns = md.raw("namespace");
  const namespace = typeof ns === "string" && ns !== "" ? ns : "default";
  const containers = root.get("spec").get("template").get("spec").get("containers");
  given.forEach((_, i) => {
    const c = containers.get(i);
    if (!runsNginxController(c.value) || typeof name !== "string") return;
    const { command, args } = c.value as Record<string, unknown>;
    const words = [...stringsOf(command), ...stringsOf(args)];
    const env = containerEnv(c, namespace);
    // The kubelet's expansion (third_party/forked/golang/expansion): $(VAR) when VAR is known, $$ for $; others stay.
    const expand = (v: string) => v.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, x: string | undefined) => (m === "$$" ? "$" : env.get(x!) ?? m));
    const str = (flag: string) => { const v = stringFlag(words, flag); return v === undefined ? undefined : expand(v); };
    const bool = (flag: string) => boolFlag(words, flag, (v) => c.warn("ingress-nginx-config", `--${flag}=${v} is not a boolean: the controller does not start with it; Junction reads it as false`));
    const controller: NginxController = {
      kind, namespace, name,
      controllerClass: str("controller-class") || "k8s.io/ingress-nginx",
      ingressClass: str("ingress-class") ?? "nginx",
      ...(bool("ingress-class-by-name") ? { byName: true as const } : {}),
      ...(bool("watch-ingress-without-class") ? { withoutClass: true as const } : {}),
      ...(bool("enable-ssl-passthrough") ? { sslPassthrough: true as const } : {}),
      ...(str("watch-namespace") ? { watchNamespace: str("watch-namespace")! } : {}),
      ...(str("default-backend-service") ? { defaultBackendService: str("default-backend-service")! } : {}),
    };
    // flags.go: --watch-namespace-selector through labels.Parse, and not with --watch-namespace; else the controller exits.
    const nsSelector = str("watch-namespace-selector");
    if (nsSelector) {
      const sel = parseLabelSelector(nsSelector);
      if (controller.watchNamespace) c.warn("ingress-nginx-config", "--watch-namespace and --watch-namespace-selector are mutually exclusive: the controller does not start, and serves no Ingress");
      else if (!sel) c.warn("ingress-nginx-config", `--watch-namespace-selector=${nsSelector} is not a label selector: the controller does not start, and serves no Ingress`);
      controller.watchNamespaceSelector = controller.watchNamespace || !sel ? null : sel;
    }
    const raw = stringFlag(words, "configmap");
    const value = str("configmap");
    if (value !== undefined && value !== "") {
      if (/^[^/$]+\/[^/$]+$/.test(value)) controller.configMap = value;
      else { controller.known = false; c.warn("ingress-nginx-config", `--configmap ${JSON.stringify(raw)} reads as ${JSON.stringify(value)}, not NAMESPACE/NAME: Junction does not know which ConfigMap this controller reads`); }
    }
    (b.inv.ingressNginxControllers ??= []).push(controller);
    b.state(CONTROLLER_CONFIGS).named.push({ controller, field: c.detached() });
  });
}

/** A container's env as the kubelet expands $(VAR) from it: values, and the fieldRef metadata.namespace. */
function containerEnv(c: Field, namespace: string): Map<string, string> {
  const env = new Map<string, string>();
  const envs = c.get("env");
  for (let j = 0; Array.isArray(envs.value) && j < envs.value.length; j++) {
    const e = envs.get(j), key = e.raw("name"), v = e.raw("value");
    if (typeof key !== "string") continue;
    if (typeof v === "string") env.set(key, v);
    else if (e.get("valueFrom").get("fieldRef").raw("fieldPath") === "metadata.namespace") env.set(key, namespace);
  }
  return env;
}

/** pflag's string flag: `--flag=V` or `--flag V`; the last one given wins; undefined: not given. */
function stringFlag(words: readonly string[], flag: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < words.length; i++) {
    if (words[i] === `--${flag}` && i + 1 < words.length) out = words[++i];
    else if (words[i].startsWith(`--${flag}=`)) out = words[i].slice(flag.length + 3);
  }
  return out;
}

/** pflag's boolean flag: `--flag` is true, `--flag=V` strconv.ParseBool (a bad value: the controller exits; read as false). */
function boolFlag(words: readonly string[], flag: string, bad: (v: string) => void): boolean {
  let out = false;
  for (const w of words) {
    if (w === `--${flag}`) out = true;
    else if (w.startsWith(`--${flag}=`)) { const v = w.slice(flag.length + 3); const parsed = parseGoBool(v); if (parsed === undefined) bad(v); out = parsed ?? false; }
  }
  return out;
}

/**
 * Whether a container (as given) runs the controller: a word of its command or args is
 * /nginx-ingress-controller or ends with it. Read raw (the core front end reports malformed
 * containers): strings only, other values skipped.
 */
function runsNginxController(c: unknown): boolean {
  if (c === null || typeof c !== "object") return false;
  const { command, args } = c as Record<string, unknown>;
  return namesNginxController(command) || namesNginxController(args);
}

function namesNginxController(words: unknown): boolean {
  if (!Array.isArray(words)) return false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (typeof w === "string" && w.endsWith("/nginx-ingress-controller")) return true;
  }
  return false;
}

/** The strings of a list as given (none when it is no list). */
function stringsOf(words: unknown): string[] {
  return Array.isArray(words) ? words.filter((w): w is string => typeof w === "string") : [];
}

/** The controller workloads' ConfigMap (readIngressNginxController), once core.ts read them as controllers with a pod template. */
export const ingressNginxKindHooks: KindHook[] = ["Deployment", "DaemonSet", "StatefulSet"].map((kind) => ({ kind, read: (root, _ctx, b) => readIngressNginxController(kind, root, b) }));

/**
 * The controller ConfigMap's global source ranges (internal/ingress/controller/template/configmap.go
 * ReadConfig: whitelist-source-range, denylist-source-range, comma-separated, into the default
 * backend's WhitelistSourceRange / DenylistSourceRange), which ipallowlist and ipdenylist Parse give a
 * location without the annotation. An entry that is neither a CIDR nor an address is an error (nginx
 * refuses `allow`/`deny` with it: the controller keeps its old configuration): that key is not used.
 */
function readControllerConfig(data: Field): NginxControllerConfig | undefined {
  const list = (key: string): Cidr[] | undefined => {
    const v = data.get(key).string();
    if (v === undefined) return undefined;
    const parsed = parseRanges(v.split(",").map((s) => s.trim()).filter(Boolean));
    if ("bad" in parsed) { data.get(key).error("invalid-value", `${JSON.stringify(parsed.bad)} is neither a CIDR nor an IP address (nginx refuses it: the controller keeps its previous configuration)`); return undefined; }
    return parsed.cidrs;
  };
  const allow = list("whitelist-source-range"), deny = list("denylist-source-range");
  // nginx.tmpl: the real_ip module is on with use-forwarded-headers or enable-real-ip (use-proxy-protocol alone reads the
  // PROXY header, the client's own address): real_ip_header forwarded-for-header (default X-Forwarded-For),
  // real_ip_recursive on, set_real_ip_from each proxy-real-ip-cidr (configmap.go: default 0.0.0.0/0). With
  // use-forwarded-headers and use-proxy-protocol both (since v1.13, #12768 "Correctly determine client IP"):
  // "real_ip_header {{ $cfg.ForwardedForProxyProtocolHeader }}", a header set to the client's X-Forwarded-For when
  // "$proxy_protocol_addr" is in proxy-real-ip-cidr (geo $proxy_protocol_addr_trusted), else to $proxy_protocol_addr.
  const on = (key: string) => isGoTrue(data.get(key).string()?.trim());
  const forwardedWithProxy = on("use-forwarded-headers") && on("use-proxy-protocol");
  const realIp: NginxRealIp | undefined = (on("use-forwarded-headers") || on("enable-real-ip")) && (!on("use-proxy-protocol") || forwardedWithProxy)
    ? { header: data.get("forwarded-for-header").string()?.trim() || "X-Forwarded-For", trusted: list("proxy-real-ip-cidr") ?? [parseGoCidr("0.0.0.0/0", "net")!.cidr], ...(forwardedWithProxy ? { proxyProtocol: true as const } : {}) } : undefined;
  const riskLevel = data.get("annotations-risk-level").string();
  // nginx.tmpl "Global filters": `deny` for each of block-cidrs in the http block.
  const block = list("block-cidrs");
  const proxyProtocol = on("use-proxy-protocol");
  // nginx.tmpl: `proxy_set_header X-Forwarded-For $full_x_forwarded_for` only "if and $all.Cfg.UseForwardedHeaders
  // $all.Cfg.ComputeFullForwardedFor", else `$remote_addr` (walk/forwarded.ts nginxForwarded).
  const fullForwardedFor = on("use-forwarded-headers") && on("compute-full-forwarded-for");
  // configmap.go ReadConfig decodes with mapstructure's WeaklyTypedInput: strconv.ParseBool, "" as false.
  const bool = (key: string): boolean | undefined => { const v = data.get(key).string(); return v === "" ? false : parseGoBool(v); };
  const sslRedirect = bool("ssl-redirect"), forceSslRedirect = bool("force-ssl-redirect"), preserveTrailingSlash = bool("preserve-trailing-slash");
  const noTls = data.get("no-tls-redirect-locations").string();
  const bodySize = data.get("proxy-body-size").string();
  // configmap.go ReadConfig: global-allowed-response-headers split at ",", trimmed, a name customheaders.ValidHeader refuses dropped.
  const allowedHeaders = data.get("global-allowed-response-headers").string();
  const allowedResponseHeaders = allowedHeaders ? allowedHeaders.split(",").map((h) => h.trim()).filter((h) => /^[a-zA-Z\d\-_]+$/.test(h)) : undefined;
  // configmap.go: global-auth-url through parser.StringToURL (a scheme and a host, no ".." in it), else "Global auth location denied".
  const auth = data.get("global-auth-url").string()?.trim();
  if (auth && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?[^/?#]+/.test(auth)) data.get("global-auth-url").warn("invalid-value", `${JSON.stringify(auth)} is not a URL with a scheme and a host: ingress-nginx ignores it ("Global auth location denied")`);
  const globalAuth = auth && /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?[^/?#]+/.test(auth) && !/^[^:]*:\/\/[^/?#]*\.\./.test(auth) ? { globalAuthUrl: auth } : {};
  // configmap.go: http-redirect-code, strconv.Atoi and one of 301, 302, 307, 308, else the default 308.
  const code = data.get("http-redirect-code").string();
  const redirectCode = code !== undefined && /^[+-]?\d+$/.test(code) && [301, 302, 307, 308].includes(Number(code)) ? { httpRedirectCode: Number(code) } : {};
  if (code !== undefined && !redirectCode.httpRedirectCode) data.get("http-redirect-code").warn("invalid-value", `${JSON.stringify(code)} is not one of 301, 302, 307, 308: ingress-nginx redirects with 308`);
  // configmap.go ReadConfig: custom-http-errors split at "," and trimmed, strconv.Atoi ("is not a valid http code": skipped),
  // filterErrors keeping 300-599 ("is not valid for custom error pages").
  const errorCodes = (data.get("custom-http-errors").string() ?? "").split(",").map((c) => c.trim()).filter((c) => goInt(c) && Number(c) > 299 && Number(c) < 600).map(Number);
  const errors = { ...(errorCodes.length ? { customHttpErrors: errorCodes } : {}), ...(bool("disable-proxy-intercept-errors") ? { disableProxyInterceptErrors: true as const } : {}) };
  // config.go: hsts true, hsts-max-age "31536000", hsts-include-subdomains true, hsts-preload false (lua_ingress.lua header).
  const hstsKeys = ["hsts", "hsts-max-age", "hsts-include-subdomains", "hsts-preload"].some((k) => data.get(k).string() !== undefined);
  const hstsValue = `max-age=${data.get("hsts-max-age").string() ?? "31536000"}${bool("hsts-include-subdomains") ?? true ? "; includeSubDomains" : ""}${bool("hsts-preload") ? "; preload" : ""}`;
  const hsts = hstsKeys ? { hsts: (bool("hsts") ?? true) ? hstsValue : null } : {};
  const headerNames = { ...(bool("enable-underscores-in-headers") ? { underscoresInHeaders: true as const } : {}), ...(bool("ignore-invalid-headers") === false ? { keepInvalidHeaders: true as const } : {}) };
  const tls = { ...globalAuth, ...redirectCode, ...errors, ...hsts, ...headerNames, ...(bool("allow-snippet-annotations") ? { allowSnippets: true as const } : {}), ...(bool("allow-cross-namespace-resources") ? { allowCrossNamespace: true as const } : {}), ...(on("use-forwarded-headers") ? { useForwardedHeaders: true as const } : {}), ...(sslRedirect !== undefined ? { sslRedirect } : {}), ...(forceSslRedirect !== undefined ? { forceSslRedirect } : {}), ...(preserveTrailingSlash !== undefined ? { preserveTrailingSlash } : {}), ...(noTls !== undefined ? { noTlsRedirectLocations: noTls } : {}), ...(bodySize !== undefined ? { proxyBodySize: bodySize } : {}), ...(allowedResponseHeaders?.length ? { allowedResponseHeaders } : {}) };
  return allow?.length || deny?.length || realIp || riskLevel !== undefined || block?.length || proxyProtocol || fullForwardedFor || Object.keys(tls).length
    ? {
      ...(allow?.length ? { allow } : {}), deny: deny ?? [], ...(realIp ? { realIp } : {}), ...(riskLevel !== undefined ? { riskLevel } : {}), ...(block?.length ? { block } : {}),
      ...(proxyProtocol ? { proxyProtocol: true as const } : {}), ...(fullForwardedFor ? { fullForwardedFor: true as const } : {}), ...tls,
    } : undefined;
}

/**
 * Why ingress-nginx denies the locations of an Ingress whose auth-secret or auth-tls-secret is another namespace's,
 * under a controller without allow-cross-namespace-resources (config.go default false): auth/main.go Parse "cross
 * namespace usage of secrets is not allowed", authtls/main.go Parse "cross namespace secrets are not supported", each a
 * LocationDeniedError (503; authtls's CertificateAuth then empty: no ssl_verify_client from it).
 */
export function crossNamespaceSecret(access: NginxAccess | undefined, namespace: string, global: NginxControllerConfig | undefined): string | undefined {
  if (!access || global?.allowCrossNamespace) return undefined;
  // (SplitMetaNamespaceKey: an empty namespace is the Ingress's.)
  const other = (ref: string | undefined) => { const ns = ref?.split("/", 2)[0]; return ns !== undefined && ns !== "" && ns !== namespace; };
  if (other(access.basicAuth?.secret)) return `auth-secret ${access.basicAuth!.secret}: cross namespace usage of secrets is not allowed (allow-cross-namespace-resources is not true)`;
  if (other(access.clientCert?.ca)) return `auth-tls-secret ${access.clientCert!.ca}: cross namespace secrets are not supported (allow-cross-namespace-resources is not true)`;
  return undefined;
}

/** Whether withGlobalRanges changes any location's access checks: the ConfigMap sets a source range, block-cidrs or the real_ip module (annotations-risk-level does not). */
export function changesAccess(global: NginxControllerConfig): boolean {
  return global.allow !== undefined || global.deny.length > 0 || global.realIp !== undefined || global.block !== undefined || global.globalAuthUrl !== undefined;
}

/** A location's access checks with the controller's global source ranges where its own annotation is absent (ipallowlist, ipdenylist Parse: the default backend's lists). */
export function withGlobalRanges(access: NginxAccess | undefined, global: NginxControllerConfig, ingress: string, globalAuth = true): NginxAccess {
  const a: NginxAccess = access ? { ...access } : { ingress, deny: [] };
  // template.go shouldApplyGlobalAuth: no auth-url of its own, a global-auth-url, and enable-global-auth not false.
  if (!a.authUrl && global.globalAuthUrl && globalAuth) a.authUrl = global.globalAuthUrl;
  if (!a.deny.length) a.deny = global.deny;
  if (!a.allow && global.allow) a.allow = global.allow;
  if (global.realIp) a.realIp = global.realIp;
  if (global.block && !a.deny.length && !a.allow) a.block = global.block;
  return a;
}

/** A source range as ingress-nginx reads it (net.ParseIPNets); unset: undefined; unreadable: the location is denied. */
function sourceRange(r: Reader, key: string, access: NginxAccess): Cidr[] | undefined {
  const v = r.string(key);
  if (v === undefined) return undefined;
  const parsed = parseRanges(v.split(",").map((s) => s.trim()));
  if ("bad" in parsed) { deny503(access, `${key} ${JSON.stringify(v)}: ${JSON.stringify(parsed.bad)} is neither a CIDR nor an IP address`); return undefined; }
  return parsed.cidrs;
}

/** Source-range entries as net.ParseIPNets reads each (a CIDR, else an address: goAddressCidr); the first it cannot read, as `bad`. */
function parseRanges(entries: readonly string[]): { cidrs: Cidr[] } | { bad: string } {
  const cidrs: Cidr[] = [];
  for (const entry of entries) {
    const cidr = parseGoCidr(entry, "net")?.cidr ?? goAddressCidr(entry);
    if (!cidr) return { bad: entry };
    cidrs.push(cidr);
  }
  return { cidrs };
}

/**
 * An address as Go's net.ParseIP reads it (no leading zeros in IPv4; an IPv4-mapped one is the IPv4
 * address: ipnet.go ParseIPNets keeps net.ParseIP(spec).String()), as its one-address CIDR.
 */
function goAddressCidr(text: string): Cidr | undefined {
  const a = parseAddress(text);
  return a && addressCidr(a);
}
