// Envoy Gateway's ClientTrafficPolicy (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.0,
// api/v1alpha1/clienttrafficpolicy_types.go): the fields that change the answer a request gets, the
// client address Envoy reads (clientIPDetection, proxyProtocol / enableProxyProtocol), how its listener
// normalizes the path (path: escapedSlashesAction, disableMergeSlashes), what it does with a header
// whose name holds an underscore (headers.withUnderscoresAction), the headers it changes before routing
// (headers.earlyRequestHeaders). The engine
// attaches and applies them (engine/gateway/client-policy.ts); the other fields (timeouts, TLS,
// HTTP/1, HTTP/2 settings, headers, ...) do not change which answer a request gets and are read only for
// what Envoy Gateway cannot translate in them (translationErrors: the listener's routes answer 500).

import { ESCAPED_SLASHES_ACTIONS, WITH_UNDERSCORES_ACTIONS, type CertificateChecks, type ClientTrafficPolicy, type EarlyHeaderMutation } from "../model/gateway.js";
import type { Cidr } from "../model/ip.js";
import { parseGoCidr } from "../model/ip.js";
import { regexError, REGEX_SEMANTICS } from "../model/regex.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta } from "./k8s.js";
import { ENVOY_GATEWAY_V1ALPHA1, readTargets, readTargetSelector } from "./envoy-gateway.js";
import { http2Errors, text, uint32Error } from "./envoy-gateway-translate.js";
import { manifestOf, readLifecycle } from "./gateway/values.js";

/**
 * spec.clientIPDetection (ClientIPDetectionSettings): exactly one of xForwardedFor, customHeader and
 * directSourceIP, xForwardedFor with exactly one of numTrustedHops and trustedCIDRs (the CRD's CEL
 * rules, checked with its schema: schemas/upstream/gateway.envoyproxy.io/clienttrafficpolicies.json).
 * Envoy Gateway's listener.go originalIPDetectionExtensions reads customHeader before xForwardedFor.
 */
function readClientIP(f: Field): ClientTrafficPolicy["clientIP"] {
  if (!f.object()) return undefined;
  const xff = f.get("xForwardedFor"), header = f.get("customHeader"), direct = f.get("directSourceIP");
  const out: NonNullable<ClientTrafficPolicy["clientIP"]> = {};
  if (header.object()) {
    const name = header.get("name").string({ required: true }) ?? "";
    out.header = { name, failClosed: header.get("failClosed").bool() === true };
  }
  if (xff.object()) {
    const hops = xff.get("numTrustedHops"), cidrs = xff.get("trustedCIDRs");
    const trusted = (cidrs.list() ?? []).flatMap((c): Cidr[] => {
      const text = c.string() ?? "";
      const parsed = parseGoCidr(text, "net");
      if (!parsed) { c.error("invalid-value", `invalid CIDR address: ${text}`); return []; }
      return [parsed.cidr];
    });
    out.xff = { ...(hops.present ? { hops: hops.int({ min: 0, max: 4294967295 }) ?? 0 } : {}), ...(cidrs.present ? { trusted } : {}), ...(xff.get("disableXForwardedForAppend").bool() === true ? { noAppend: true as const } : {}) };
  }
  if (direct.present) out.direct = true;
  return out;
}

/** spec.proxyProtocol (taking precedence, even `{}`), else the deprecated enableProxyProtocol: true (translateClientTrafficPolicyForListener). */
function readProxyProtocol(spec: Field): ClientTrafficPolicy["proxyProtocol"] {
  const pp = spec.get("proxyProtocol");
  if (pp.object()) return { optional: pp.get("optional").bool() === true };
  const legacy = spec.get("enableProxyProtocol");
  return legacy.bool() === true ? { optional: false } : undefined;
}

/**
 * spec.path (PathSettings, translatePathSettings): escapedSlashesAction (the CRD's enum) and
 * disableMergeSlashes, each only where set ("if pathSettings.DisableMergeSlashes != nil").
 */
function readPath(f: Field): ClientTrafficPolicy["path"] {
  if (!f.object()) return undefined;
  const action = f.get("escapedSlashesAction"), merge = f.get("disableMergeSlashes").bool();
  // Another value is the CRD schema's enum error (schemas/upstream/gateway.envoyproxy.io/clienttrafficpolicies.json).
  const known = ESCAPED_SLASHES_ACTIONS.find((a) => a === action.string());
  const out = { ...(known ? { escapedSlashesAction: known } : {}), ...(merge !== undefined ? { disableMergeSlashes: merge } : {}) };
  return Object.keys(out).length ? out : undefined;
}

/** Gateway API's header value (internal/gatewayapi/filters.go HeaderValueRegexp, RFC 7230), which the CRD does not check. */
const HEADER_VALUE = /^[!-~]+([\t ]?[!-~]+)*$/;

/**
 * headers.earlyRequestHeaders or lateResponseHeaders (`what`) as Envoy Gateway's translateHeaderModifier reads it:
 * - the rules: the add (APPEND_IF_EXISTS_OR_ADD), set (OVERWRITE_IF_EXISTS_OR_ADD) and addIfAbsent (ADD_IF_ABSENT)
 *   entries whose value is valid, the first of a name (case-insensitive) only, then the removes and the removeOnMatch
 *   matchers: buildHeaderMutationRules writes them in that order (Envoy's header mutation);
 * - its errors: an add, set or addIfAbsent value that is not a header value ("cannot add a header with an invalid
 *   value. Header: '"x-a"'", Go's %q of the name), a remove entry "" (the CRD admits it), and, when nothing valid is
 *   left, "did not provide valid configuration to add/set/remove any headers" (an empty `{}` too). The names the CRD's
 *   pattern already refuses (empty, '/' or ':') cannot get here.
 */
function translateHeaderModifier(f: Field, what: string): { rules: EarlyHeaderMutation[]; errors: string[] } {
  if (!f.object()) return { rules: [], errors: [] };
  const rules: EarlyHeaderMutation[] = [], errors: string[] = [];
  const names = new Set<string>();
  for (const [verb, op] of [["add", "append"], ["set", "overwrite"], ["addIfAbsent", "addIfAbsent"]] as const) {
    for (const h of f.get(verb).list() ?? []) {
      const name = h.get("name").string() ?? "", value = h.get("value").string() ?? "";
      if (!HEADER_VALUE.test(value)) { errors.push(`${what} cannot ${verb} a header with an invalid value. Header: '"${name}"'`); continue; }
      if (!name || /[/:]/.test(name) || names.has(name.toLowerCase())) continue;
      names.add(name.toLowerCase());
      rules.push({ op, name, value });
    }
  }
  for (const r of f.get("remove").list() ?? []) {
    const name = r.string();
    if (name) rules.push({ op: "remove", name });
    else errors.push(`${what} cannot remove a header with an empty name`);
  }
  for (const m of f.get("removeOnMatch").list() ?? []) {
    const type = (m.get("type").string() ?? "Exact") as Extract<EarlyHeaderMutation, { op: "removeOnMatch" }>["type"];
    rules.push({ op: "removeOnMatch", type, value: m.get("value").string() ?? "" });
  }
  if (!rules.length) errors.push(`${what} did not provide valid configuration to add/set/remove any headers`);
  return { rules, errors };
}

const strings = (f: Field) => (f.list() ?? []).flatMap((x) => { const v = x.string(); return v === undefined ? [] : [v]; });

/** tls.clientValidation (ClientTrafficPolicy clientValidation): its mode, CA references and the checks Junction does not make. */
function readClientValidation(f: Field, ns: string): ClientTrafficPolicy["clientValidation"] {
  if (!f.object()) return undefined;
  const given = f.get("mode").string();
  const legacyOptional = f.get("optional").bool() === true;
  const mode = (["Request", "RequireAny", "VerifyIfGiven", "RequireAndVerify"].find((m) => m === given) ?? (legacyOptional ? "VerifyIfGiven" : "RequireAndVerify")) as NonNullable<ClientTrafficPolicy["clientValidation"]>["mode"];
  const ref = (r: Field) => ({ kind: (r.get("kind").string() === "ConfigMap" ? "ConfigMap" : "Secret") as "Secret" | "ConfigMap", namespace: r.get("namespace").string() ?? ns, name: r.get("name").string() ?? "" });
  const caRefs = (f.get("caCertificateRefs").list() ?? []).map(ref), crlRefs = (f.get("crl").get("refs").list() ?? []).map(ref);
  const sans = f.get("subjectAltNames");
  const type = (m: Field) => (["Prefix", "Suffix", "RegularExpression"].find((t) => t === m.get("type").string()) ?? "Exact") as CertificateChecks["subjectAltNames"][number]["type"];
  // setTLSClientValidationContext: dnsNames, emailAddresses, ipAddresses, uris, then otherNames as irStringMatch(oid, ...),
  // whose name the translator's setTLSValidationContext reads as the SAN type: "" SAN_TYPE_UNSPECIFIED, "EMAIL", "DNS",
  // "URI", "IP_ADDRESS" those types, any other OTHER_NAME with that oid.
  const matchers: CertificateChecks["subjectAltNames"] = ([["dnsNames", "DNS"], ["emailAddresses", "EMAIL"], ["ipAddresses", "IP_ADDRESS"], ["uris", "URI"]] as const).flatMap(([k, san]) => (sans.get(k).list() ?? []).map((m) => ({
    san, type: type(m), value: m.get("value").string() ?? "",
  })));
  for (const m of sans.get("otherNames").list() ?? []) {
    const oid = m.get("oid").string() ?? "";
    const named = (["EMAIL", "DNS", "URI", "IP_ADDRESS"] as const).find((n) => n === oid);
    matchers.push({ san: oid === "" ? "UNSPECIFIED" : named ?? "OTHER_NAME", ...(oid && !named ? { oid } : {}), type: type(m), value: m.get("value").string() ?? "" });
  }
  const checks: CertificateChecks = { spkiHashes: strings(f.get("spkiHashes")), certificateHashes: strings(f.get("certificateHashes")), subjectAltNames: matchers, ...(f.get("allowExpiredCertificate").bool() === true ? { allowExpired: true as const } : {}) };
  const any = checks.spkiHashes.length || checks.certificateHashes.length || checks.subjectAltNames.length || checks.allowExpired;
  const leafOnly = f.get("crl").get("onlyVerifyLeafCertificate").bool() === true;
  return { mode, legacyOptional: legacyOptional && given === undefined, caRefs, ...(any ? { checks } : {}), ...(crlRefs.length ? { crlRefs } : {}), ...(leafOnly ? { crlLeafOnly: true as const } : {}) };
}

/** tls.ciphers Envoy Gateway knows (internal/gatewayapi/tls.go validCipherSuites: OpenSSL and IANA names). */
const CIPHERS = new Set([
  "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
  "AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
  "ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
  "AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA",
]);

/**
 * The errors translateClientTrafficPolicyForListener joins that the CRD leaves possible, in its order,
 * each with its feature's prefix (perr.WithMessage), by the listeners that get them:
 * - every listener (HTTP and TCP IR alike): buildConnection's bufferLimit outside a uint32
 *   ("Connection: BufferLimit value X is out of range, must be between 0 and 4294967295");
 * - HTTP and HTTPS listeners: translateListenerHeaderSettings (translateHeaderModifier, "Headers: ..."),
 *   buildIRHTTP2Settings' window sizes ("HTTP2: ..."); between them translateHTTP1Settings' http10
 *   default host, which depends on the listener's routes (engine/gateway/client-policy.ts http10Error);
 * - listeners with TLS (HTTPS, TLS terminated; buildListenerTLSParameters returns early without):
 *   validateCipherSuites, the first cipher it does not know ("TLS: unsupported cipher suite: X").
 * The durations its builders parse are of the CRD's pattern, and tls.minVersion above maxVersion, ciphers
 * with minVersion 1.3 and an unknown ALPN protocol are CEL or enum errors of the CRD. With any, Envoy
 * Gateway answers every HTTP route of the listener 500 ("setting 500 direct response in routes due to
 * errors in ClientTrafficPolicy") and removes a TCP listener's routes (its connections go to the empty
 * cluster): engine/gateway/client-policy.ts listenerTranslationErrors.
 */
function translationErrors(spec: Field): Pick<ClientTrafficPolicy, "errors" | "httpErrors" | "tlsErrors"> {
  const buffer = spec.get("connection").get("bufferLimit");
  const connection = uint32Error(buffer, `invalid BufferLimit value ${text(buffer)}`, `BufferLimit value ${text(buffer)} is out of range, must be between 0 and 4294967295`);
  const headers = spec.get("headers");
  const httpErrors = [
    ...[...translateHeaderModifier(headers.get("earlyRequestHeaders"), "EarlyRequestHeaders").errors, ...translateHeaderModifier(headers.get("lateResponseHeaders"), "LateResponseHeaders").errors].map((m) => `Headers: ${m}`),
    ...http2Errors(spec).map((m) => `HTTP2: ${m}`),
  ];
  const cipher = (spec.get("tls").get("ciphers").list() ?? []).map((c) => c.string() ?? "").find((c) => !CIPHERS.has(c));
  return { errors: connection ? [`Connection: ${connection}`] : [], httpErrors, tlsErrors: cipher !== undefined ? [`TLS: unsupported cipher suite: ${cipher}`] : [] };
}

/** deprecatedFieldsUsedInClientTrafficPolicy: enableProxyProtocol, headers.preserveXRequestID, targetRef, tls.clientValidation.optional (true). */
function deprecatedFields(spec: Field): Pick<ClientTrafficPolicy, "deprecatedFields"> {
  const fields = [
    ...(spec.get("enableProxyProtocol").present ? ["spec.enableProxyProtocol"] : []),
    ...(spec.get("headers").get("preserveXRequestID").present ? ["spec.headers.preserveXRequestID"] : []),
    ...(spec.get("targetRef").present ? ["spec.targetRef"] : []),
    ...(spec.get("tls").get("clientValidation").get("optional").bool() === true ? ["spec.tls.clientValidation.optional"] : []),
  ];
  return fields.length ? { deprecatedFields: fields } : {};
}

const clientTrafficPolicyFrontEnd: FrontEnd = {
  kind: "ClientTrafficPolicy", apiVersions: [ENVOY_GATEWAY_V1ALPHA1], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const targets = readTargets(spec);
    const earlyHeaders = translateHeaderModifier(spec.get("headers").get("earlyRequestHeaders"), "EarlyRequestHeaders").rules;
    // A removeOnMatch RegularExpression goes to Envoy as written (irStringMatch: SafeRegex; neither the CRD nor the
    // translator compiles it): one RE2 does not compile is Envoy's to refuse, not a rule that never matches.
    for (const m of spec.get("headers").get("earlyRequestHeaders").get("removeOnMatch").list() ?? []) {
      const value = m.get("value").string(), err = m.get("type").string() === "RegularExpression" && value !== undefined ? regexError(value, REGEX_SEMANTICS.gatewayApi) : undefined;
      if (err) m.get("value").warn("invalid-regex", `${JSON.stringify(value)} is not a valid RE2 regular expression (${err}): Envoy refuses the listener's configuration with this early header mutation (safe_regex), which Junction does not model: it removes no header here`);
    }
    // headers.withUnderscoresAction: another value is the CRD schema's enum error.
    const clientValidation = readClientValidation(spec.get("tls").get("clientValidation"), meta.namespace!);
    const underscores = WITH_UNDERSCORES_ACTIONS.find((a) => a === spec.get("headers").get("withUnderscoresAction").string());
    const clientIP = readClientIP(spec.get("clientIPDetection")), proxyProtocol = readProxyProtocol(spec), errors = translationErrors(spec), path = readPath(spec.get("path"));
    const warn = (list: string[], where: string) => { for (const e of list) spec.warn("vendor-translation", `Envoy Gateway cannot translate this ClientTrafficPolicy (${e}): ${where}`); };
    warn(errors.errors, "every HTTP route of the listeners it applies to answers 500, and a TCP or TLS listener's routes are removed (its connections are closed)");
    warn(errors.httpErrors, "every route of the HTTP and HTTPS listeners it applies to answers 500");
    warn(errors.tlsErrors, "on the listeners it applies to that terminate TLS, every HTTP route answers 500 and a TLS listener's routes are removed (its connections are closed)");
    const policies = b.inv.routing.clientTrafficPolicies;
    policies.push({
      namespace: meta.namespace!, name: meta.name, ...readLifecycle(root), order: policies.length, manifest: manifestOf(root), src: ctx.ref,
      targets, selectors: (spec.get("targetSelectors").list() ?? []).map(readTargetSelector),
      ...(clientIP ? { clientIP } : {}), ...(proxyProtocol ? { proxyProtocol } : {}), ...(path ? { path } : {}), ...errors, ...(underscores ? { withUnderscoresAction: underscores } : {}), ...(earlyHeaders.length ? { earlyHeaders } : {}), ...(spec.get("headers").get("host").get("stripTrailingHostDot").bool() === true ? { stripTrailingHostDot: true as const } : {}), ...(clientValidation ? { clientValidation } : {}),
      ...(spec.get("http1").get("http10").get("useDefaultHost").bool() === true ? { http10DefaultHost: true } : {}), ...deprecatedFields(spec),
    });
  },
};

export const envoyGatewayClientFrontEnds: FrontEnd[] = [clientTrafficPolicyFrontEnd];
