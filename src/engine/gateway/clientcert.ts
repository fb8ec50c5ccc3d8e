// Client certificate validation at a TLS-terminating listener (spec.tls.frontend): the
// certificate a client presents must be issued by one of the CA certificates and be valid now.
// Envoy Gateway's tls.clientValidation adds Envoy's further checks (envoyCertificateChecks).

import { createHash, X509Certificate } from "node:crypto";
import type { CertificateChecks } from "../../model/gateway.js";
import { formatAddress, parseAddress } from "../../model/ip.js";
import { regexMatches, REGEX_SEMANTICS } from "../../model/regex.js";
import { certificateParts, children, integerDecimal, oidContent, oidText, only, TAG, type Tlv } from "../../model/der.js";

/** `allowExpired`: the validity period is not checked (Envoy's allow_expired_certificate). */
export function issuedBy(certPem: string, caPems: readonly string[], now = new Date(), allowExpired = false): boolean {
  let cert: X509Certificate;
  try { cert = new X509Certificate(certPem); } catch { return false; }
  if (!allowExpired && (new Date(cert.validFrom) > now || new Date(cert.validTo) < now)) return false;
  return caPems.some((pem) => {
    try {
      const ca = new X509Certificate(pem);
      return cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch { return false; }
  });
}

/** The certificate's subjectAltName entries as Envoy's Utility::generalNameAsString gives them, by type. */
function subjectAltNames(cert: X509Certificate): { san: CertificateChecks["subjectAltNames"][number]["san"]; value: string }[] {
  const text = cert.subjectAltName ?? "";
  const out: { san: CertificateChecks["subjectAltNames"][number]["san"]; value: string }[] = [];
  // Node writes "DNS:a, IP Address:10.0.0.1, URI:spiffe://x, email:a@b"; a value with a comma or quote is a JSON string.
  const re = /(DNS|IP Address|URI|email|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy;
  for (let m = re.exec(text); m && m[0]; m = re.exec(text)) {
    const raw = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
    const san = m[1] === "DNS" ? "DNS" : m[1] === "IP Address" ? "IP_ADDRESS" : m[1] === "URI" ? "URI" : m[1] === "email" ? "EMAIL" : undefined;
    if (!san) continue;
    // An IP address as Envoy's Network::Address asString writes it (IPv6 compressed, lower case).
    const ip = san === "IP_ADDRESS" ? parseAddress(raw) : undefined;
    out.push({ san, value: ip ? formatAddress(ip) : raw });
  }
  return out;
}

/**
 * Envoy's Utility::dnsNameMatch(dns_name, pattern), the certificate's name the pattern: equal (ASCII case
 * aside), or both of two labels or more, the rest after the first label equal, and the pattern's first
 * label, one "*" and not an A-label ("xn--"), matching the name's (labelWildcardMatch: "*" any label, even
 * an empty one; else the text before and after the "*" starting and ending it: "foo*" covers "foobar").
 */
export function dnsNameMatch(name: string, pattern: string): boolean {
  const lower = (x: string) => x.replace(/[A-Z]+/g, (c) => c.toLowerCase());
  const n = lower(name), p = lower(pattern);
  if (n === p) return true;
  const cut = (x: string) => { const i = x.indexOf("."); return i < 0 ? undefined : [x.slice(0, i), x.slice(i + 1)] as const; };
  const [pl, pr] = cut(p) ?? [], [nl, nr] = cut(n) ?? [];
  if (pl === undefined || nl === undefined || !pl.includes("*") || pr!.includes("*") || pl.startsWith("xn--")) return false;
  return nr === pr && labelWildcardMatch(nl, pl);
}

/** Envoy's Utility::labelWildcardMatch: "*" matches any label; a label with one "*", its prefix and suffix. */
function labelWildcardMatch(label: string, pattern: string): boolean {
  if (pattern === "*") return true;
  const parts = pattern.split("*");
  return parts.length === 2 && pattern.length <= label.length + 1 && label.startsWith(parts[0]) && label.endsWith(parts[1]);
}

/**
 * The certificate's otherName SANs (RFC 5280 OtherName: type-id, [0] EXPLICIT value) as Envoy's
 * Utility::generalNameAsString gives their values (utility.cc, GEN_OTHERNAME): NULL "", BOOLEAN "true" or
 * "false", INTEGER and ENUMERATED in decimal, an OBJECT IDENTIFIER dotted, a BIT STRING's bits and the string
 * and time types' bytes as they are, BMPString and UniversalString as UTF-8, a SET or SEQUENCE its whole
 * encoding; any other type "".
 */
function otherNames(cert: X509Certificate): { oid: string; value: string }[] {
  const san = certificateParts(cert.raw).extensions.get("2.5.29.17");
  if (!san) return [];
  const out: { oid: string; value: string }[] = [];
  for (const g of children(only(san.value, TAG.SEQUENCE))) {
    if (g.tag !== 0xa0) continue;
    const [type, wrapped] = children(g);
    const v = wrapped && wrapped.tag === 0xa0 ? children(wrapped)[0] : undefined;
    out.push({ oid: oidText(type.content), value: v ? otherNameValue(v) : "" });
  }
  return out;
}

function otherNameValue(v: Tlv): string {
  switch (v.tag) {
    case TAG.BOOLEAN: return v.content[0] ? "true" : "false";
    case TAG.INTEGER: case TAG.ENUMERATED: return integerDecimal(v.content);
    case TAG.OID: return oidText(v.content);
    case TAG.BIT_STRING: return v.content.subarray(1).toString("utf8");
    // OCTET STRING, PrintableString, T61String, IA5String, UTCTime, GeneralizedTime, VisibleString, GeneralString, UTF8String.
    case 0x04: case 0x13: case 0x14: case 0x16: case 0x17: case 0x18: case 0x1a: case 0x1b: case TAG.UTF8: return v.content.toString("utf8");
    case 0x1e: return Buffer.from(v.content).swap16().toString("utf16le");
    case 0x1c: return String.fromCodePoint(...Array.from({ length: v.content.length >> 2 }, (_, i) => v.content.readUInt32BE(i * 4)));
    case TAG.SET: case TAG.SEQUENCE: return v.bytes.toString("utf8");
    default: return "";
  }
}

function stringMatches(m: CertificateChecks["subjectAltNames"][number], value: string): boolean {
  switch (m.type) {
    case "Prefix": return value.startsWith(m.value);
    case "Suffix": return value.endsWith(m.value);
    case "RegularExpression": return regexMatches(m.value, REGEX_SEMANTICS.gatewayApi, value);
    // san_matcher.cc StringSanMatcher::match: an exact DNS matcher follows DNS matching (the certificate's wildcard).
    default: return m.san === "DNS" ? dnsNameMatch(m.value, value) : value === m.value;
  }
}

/**
 * The hash Envoy refuses to build the listener's TLS context with (DefaultCertValidator::initializeSslContexts,
 * certificate hashes first): a certificateHashes entry that is not 32 bytes of hex once the colons of a 95-character
 * fingerprint are removed ("Invalid hex-encoded SHA-256 %s"), a spkiHashes entry that is not 32 bytes of base64
 * ("Invalid base64-encoded SHA-256 %s"). Envoy Gateway translates them as written (tls_types.go has no pattern for
 * them), so the xDS update of the listener is rejected. Undefined: every hash is usable.
 */
export function invalidCertificateHash(checks: CertificateChecks): string | undefined {
  for (const h of checks.certificateHashes) {
    const hex = h.length === 95 ? h.replace(/:/g, "") : h;
    if (!/^[0-9A-Fa-f]{64}$/.test(hex)) return `Invalid hex-encoded SHA-256 ${hex}`;
  }
  for (const h of checks.spkiHashes) if (!/^[A-Za-z0-9+/]{43}=$/.test(h)) return `Invalid base64-encoded SHA-256 ${h}`;
  // An otherNames entry with oid "" is written SAN_TYPE_UNSPECIFIED, which the proto's rule refuses (san_type not_in: [0]).
  if (checks.subjectAltNames.some((m) => m.san === "UNSPECIFIED")) return "invalid SubjectAltNameMatcher.SanType: value must not be in list [0] (a tls.clientValidation.subjectAltNames.otherNames entry with oid \"\")";
  return undefined;
}

/**
 * What Envoy's DefaultCertValidator::verifyCertificate refuses of a certificate whose chain verified
 * (the checks Envoy Gateway writes from tls.clientValidation, listener.go setTLSValidationContext):
 * match_typed_subject_alt_names, one of the certificate's SANs of the matcher's type matching one
 * matcher ("verify cert failed: SAN matcher"); then verify_certificate_hash and verify_certificate_spki,
 * a hash of either list matching ("verify cert failed: cert hash and spki"; the hex hash's case and the
 * colons of a 95-character fingerprint do not count; invalidCertificateHash first). Undefined: it passes.
 */
export function envoyCertificateChecks(certPem: string, checks: CertificateChecks): string | { undetermined: string } | undefined {
  let cert: X509Certificate;
  try { cert = new X509Certificate(certPem); } catch { return "the client certificate does not parse"; }
  if (checks.subjectAltNames.length) {
    let others: { oid: string; value: string }[];
    try { others = checks.subjectAltNames.some((m) => m.san === "OTHER_NAME") ? otherNames(cert) : []; } catch { return { undetermined: "the client certificate's subjectAltName extension, which Junction cannot read, against tls.clientValidation.subjectAltNames.otherNames" }; }
    const sans: { san: string; oid?: string; value: string }[] = [...subjectAltNames(cert), ...others.map((o) => ({ san: "OTHER_NAME", oid: o.oid, value: o.value }))];
    // StringSanMatcher::matchOid: the matcher's oid through OBJ_txt2obj (a name OpenSSL knows, or dotted; neither: no match).
    const oidMatch = (m: CertificateChecks["subjectAltNames"][number], oid?: string) => m.san !== "OTHER_NAME" || (oidContent(m.oid!) ? oidText(oidContent(m.oid!)!) === oid : false);
    if (!checks.subjectAltNames.some((m) => sans.some((s) => s.san === m.san && oidMatch(m, s.oid) && stringMatches(m, s.value)))) {
      const named = checks.subjectAltNames.find((m) => m.san === "OTHER_NAME" && !oidContent(m.oid!) && /[A-Za-z]/.test(m.oid!));
      if (named && others.length) return { undetermined: `whether tls.clientValidation.subjectAltNames.otherNames oid ${JSON.stringify(named.oid)}, an object name OpenSSL may know (OBJ_txt2obj), names one of the client certificate's otherName SANs` };
      return `no subject alternative name of the client certificate (${sans.map((s) => `${s.san}${s.oid ? `(${s.oid})` : ""}:${s.value}`).join(", ") || "none"}) matches tls.clientValidation.subjectAltNames (Envoy: verify cert failed: SAN matcher)`;
    }
  }
  if (checks.certificateHashes.length || checks.spkiHashes.length) {
    const hash = createHash("sha256").update(cert.raw).digest();
    const spki = createHash("sha256").update(cert.publicKey.export({ type: "spki", format: "der" })).digest("base64");
    const byHash = checks.certificateHashes.some((h) => (h.length === 95 ? h.replace(/:/g, "") : h).toLowerCase() === hash.toString("hex"));
    const bySpki = checks.spkiHashes.some((h) => h === spki);
    if (!byHash && !bySpki) return `the client certificate's SHA-256 (${hash.toString("hex")}) and SPKI SHA-256 (${spki}) match none of tls.clientValidation's certificateHashes and spkiHashes (Envoy: verify cert failed: cert hash and spki)`;
  }
  return undefined;
}
