// What Envoy Gateway (envoyproxy/gateway v1.9.0) cannot translate in a BackendTrafficPolicy the CRD
// admits: internal/gatewayapi/backendtrafficpolicy.go buildTrafficFeatures joins every feature's
// error, and applyTrafficFeatureToRoute then gives each HTTP route of the policy a 500 direct
// response ("setting 500 direct response in routes due to errors in BackendTrafficPolicy"). Each
// message is upstream's, with the feature's prefix (perr.WithMessage(err, "BandwidthLimit")).

import type { Field } from "./fields.js";
import { MAX_RESPONSE_BODY, type TranslationError } from "../model/gateway.js";
import { compileRegex, REGEX_SEMANTICS } from "../model/regex.js";
import { parseGoCidr } from "../model/ip.js";
import { goDuration } from "../model/duration.js";

/** regex.Validate (internal/utils/regex): Go's regexp.Compile. */
function regexProblem(pattern: string): string | undefined {
  const r = compileRegex(pattern, REGEX_SEMANTICS.gatewayApi);
  return r.ok ? undefined : `regex ${JSON.stringify(pattern)} is invalid: error parsing regexp: ${r.error}`;
}

const NO_SELECTOR = "unable to translate rateLimit. At least one of the header or method or path or sourceCIDR or queryParameters must be specified";

/**
 * buildRateLimitRule's error for a rule's clientSelectors, in its order: a selector with nothing to
 * match (`headers: []` passes the CRD's has() rule), a header's type and value (the API server defaults
 * type to Exact), an invalid regular expression, Distinct with invert, a sourceCIDR net.ParseCIDR
 * refuses, a query parameter's type and value.
 */
export function rateLimitRuleError(rule: Field): string | undefined {
  for (const sel of rule.get("clientSelectors").list() ?? []) {
    const headers = sel.get("headers").list() ?? [], methods = sel.get("methods").list() ?? [], query = sel.get("queryParams").list() ?? [];
    if (!headers.length && !methods.length && !sel.get("path").present && !sel.get("sourceCIDR").present && !query.length) return NO_SELECTOR;
    for (const h of headers) {
      const type = h.get("type").string() ?? "Exact", value = h.get("value").string(), invert = h.get("invert").bool() === true;
      if (type === "Exact" && value !== undefined) continue;
      if (type === "RegularExpression" && value !== undefined) { const p = regexProblem(value); if (p) return p; continue; }
      if (type === "Distinct" && value === undefined) { if (invert) return "unable to translate rateLimit.Invert is not applicable for distinct header match type"; continue; }
      return "unable to translate rateLimit. Either the header.Type is not valid or the header is missing a value";
    }
    const path = sel.get("path");
    if (path.present && path.get("type").string() === "RegularExpression") { const p = regexProblem(path.get("value").string() ?? "/"); if (p) return p; }
    const cidr = sel.get("sourceCIDR");
    if (cidr.present) {
      const text = cidr.get("value").string() ?? "";
      if (!parseGoCidr(text, "net")) return `unable to translate rateLimit: invalid CIDR address: ${text}`;
    }
    for (const q of query) {
      const type = q.get("type").string() ?? "Exact", value = q.get("value").string(), invert = q.get("invert").bool() === true;
      if (type === "Exact" && !value) return "value is required for Exact query parameter match";
      if (type === "RegularExpression") { if (!value) return "value is required for RegularExpression query parameter match"; const p = regexProblem(value); if (p) return p; }
      if (type === "Distinct") {
        if (invert) return "unable to translate rateLimit.Invert is not applicable for distinct query parameter match type";
        if (value !== undefined) return "unable to translate rateLimit.Value is not applicable for distinct query parameter match type";
      }
    }
  }
  return undefined;
}

const SUFFIX: Record<string, bigint> = {
  "": 1n, k: 1000n, M: 1000n ** 2n, G: 1000n ** 3n, T: 1000n ** 4n, P: 1000n ** 5n, E: 1000n ** 6n,
  Ki: 1024n, Mi: 1024n ** 2n, Gi: 1024n ** 3n, Ti: 1024n ** 4n, Pi: 1024n ** 5n, Ei: 1024n ** 6n,
};
const INT64_MAX = (1n << 63n) - 1n, UINT32_MAX = 4294967295n;

/**
 * A resource.Quantity of the CRD's pattern for these fields (`^[1-9]+[0-9]*([EPTGMK]i|[EPTGMk])?$`, or
 * an integer) as Quantity.AsInt64 reads it: `null` where it is no int64; undefined where absent or not
 * of that pattern (the schema reports it).
 */
function quantity(f: Field): bigint | null | undefined {
  const v = f.value;
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : undefined;
  const m = typeof v === "string" ? /^([1-9][0-9]*)([EPTGM]i|Ki|[EPTGMk])?$/.exec(v) : null;
  if (!m) return undefined;
  const n = BigInt(m[1]) * SUFFIX[m[2] ?? ""];
  return n > INT64_MAX ? null : n;
}

export const text = (f: Field) => String(f.value);

/** buildBandwidthLimit: a limit below 1 KiB/s (bandwidthToKibps rounds down to 0 KiB/s) is refused. */
function bandwidthErrors(spec: Field): string[] {
  const out: string[] = [];
  for (const dir of ["request", "response"] as const) {
    const limit = spec.get("bandwidthLimit").get(dir).get("limit");
    const bytes = quantity(limit.get("value"));
    if (bytes === null) { out.push(`${dir} limit value must be convertible to an int64`); break; }
    if (bytes === undefined) continue;
    const unit = limit.get("unit").string() ?? "Second";
    const perSecond = unit === "Hour" ? 3600n : unit === "Minute" ? 60n : 1n;
    if (bytes / (perSecond * 1024n) === 0n) { out.push(`${dir}: bandwidth limit of ${bytes} bytes per ${unit} is below the minimum of 1 KiB/s`); break; }
  }
  return out;
}

/** buildConsistentHashLoadBalancer: a tableSize that is not prime (Envoy's Maglev needs a prime table). */
function tableSizeError(spec: Field): string | undefined {
  const lb = spec.get("loadBalancer");
  if (lb.get("type").string() !== "ConsistentHash") return undefined;
  const size = lb.get("consistentHash").get("tableSize").int();
  if (size === undefined || (size <= 5000011 && isPrime(size))) return undefined;
  return `ConsistentHash: invalid TableSize value ${size}`;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** buildRetry: a zero base or max backoff interval, or a max below the base. */
function retryError(spec: Field): string | undefined {
  const backOff = spec.get("retry").get("perRetry").get("backOff");
  const base = goDuration(backOff.get("baseInterval").string()), max = goDuration(backOff.get("maxInterval").string());
  if (base === 0) return "baseInterval cannot be set to 0s";
  if (max === 0) return "maxInterval cannot be set to 0s";
  if (base !== undefined && max !== undefined && base > max) return "maxInterval cannot be less than baseInterval";
  return undefined;
}

const HTTP2_WINDOW = { min: 65535n, max: 2147483647n };

/** buildIRHTTP2Settings: window sizes between 64 KiB - 1 and 2^31 - 1. */
export function http2Errors(spec: Field): string[] {
  const out: string[] = [];
  for (const [key, name] of [["initialStreamWindowSize", "InitialStreamWindowSize"], ["initialConnectionWindowSize", "InitialConnectionWindowSize"]] as const) {
    const f = spec.get("http2").get(key), n = quantity(f);
    if (n === null) out.push(`invalid ${name} value ${text(f)}`);
    else if (n !== undefined && (n < HTTP2_WINDOW.min || n > HTTP2_WINDOW.max)) out.push(`${name} value ${text(f)} is out of range, must be between ${HTTP2_WINDOW.min} and ${HTTP2_WINDOW.max}`);
  }
  return out;
}

/** A quantity that must fit a uint32 (buildRequestBuffer's limit, buildBackendConnection's bufferLimit). */
export function uint32Error(f: Field, invalid: string, outOfRange: string): string | undefined {
  const n = quantity(f);
  if (n === null) return invalid;
  return n !== undefined && n > UINT32_MAX ? outOfRange : undefined;
}

/**
 * The errors buildTrafficFeatures joins for the features other than rateLimit, in its order:
 * BandwidthLimit, LoadBalancer, Retry, BackendConnection, HTTP2, RequestBuffer. Those the CRD already
 * refuses (buildCircuitBreaker's int64ToUint32: the CRD's 0..4294967295; buildTCPKeepAlive's and
 * buildClusterSettingsTimeout's time.ParseDuration: the CRD's duration pattern; requestBuffer with
 * httpUpgrade: a CEL rule) have none left to find; a connectTimeout of 0s, which the xDS validation
 * refuses, is envoy-gateway.ts connectTimeout.
 */
export function featureErrors(spec: Field): TranslationError[] {
  const out: TranslationError[] = [];
  const add = (field: string, prefix: string, message: string | undefined) => { if (message) out.push({ field, message: `${prefix}: ${message}` }); };
  for (const m of bandwidthErrors(spec)) add("bandwidthLimit", "BandwidthLimit", m);
  add("loadBalancer", "LoadBalancer", tableSizeError(spec));
  add("retry", "Retry", retryError(spec));
  const buffer = spec.get("connection").get("bufferLimit");
  add("connection", "BackendConnection", uint32Error(buffer, `invalid BufferLimit value ${text(buffer)}`, `BufferLimit value ${text(buffer)} is out of range`));
  for (const m of http2Errors(spec)) add("http2", "HTTP2", m);
  const limit = spec.get("requestBuffer").get("limit");
  add("requestBuffer", "RequestBuffer", uint32Error(limit, "limit must be convertible to an int64", `limit value ${text(limit)} is out of range, must be between 0 and ${UINT32_MAX}`));
  add("responseOverride", "ResponseOverride", inlineBodyError(spec));
  return out;
}

/**
 * buildResponseOverride's first inline body over MAX_RESPONSE_BODY bytes (getCustomResponseBody: a body
 * not of type ValueRef with inline set; Go's len, UTF-8 bytes): "response.body size N greater than
 * the max size 4096". A ValueRef body's ConfigMap is checked where the input's ConfigMaps are known
 * (engine/gateway/traffic-policy.ts bodyErrors).
 */
function inlineBodyError(spec: Field): string | undefined {
  for (const o of spec.get("responseOverride").list() ?? []) {
    const body = o.get("response").get("body");
    const inline = body.get("type").string() === "ValueRef" ? undefined : body.get("inline").string();
    const size = inline === undefined ? 0 : Buffer.byteLength(inline, "utf8");
    if (size > MAX_RESPONSE_BODY) return `response.body size ${size} greater than the max size ${MAX_RESPONSE_BODY}`;
  }
  return undefined;
}
