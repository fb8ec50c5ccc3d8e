// Certificate revocation lists as Envoy checks a client certificate against them (Envoy Gateway's
// ClientTrafficPolicy tls.clientValidation.crl): the CRLs of the validation context's `crl` DataSource
// (DefaultCertValidator::initializeSslContexts: PEM_X509_INFO_read_bio, every CRL added to the store,
// X509_V_FLAG_CRL_CHECK, with X509_V_FLAG_CRL_CHECK_ALL unless only_verify_leaf_cert_crl), judged as
// BoringSSL's x509_vfy.c check_revocation / get_crl / check_crl / cert_crl do.

import { verify as verifySignature, X509Certificate, type KeyObject } from "node:crypto";
import { certificateParts, children, DerError, derTime, integerHex, oidText, only, readExtension, TAG } from "../../model/der.js";

/** One parsed CRL (RFC 5280 CertificateList). */
export interface Crl {
  /** The issuer Name, DER. */
  issuer: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** The revoked serial numbers (integerHex). */
  revoked: Set<string>;
  tbs: Buffer;
  algorithm: string;
  signature: Buffer;
  /** What of it Junction does not judge (an issuing distribution point, a delta CRL, an indirect entry, a critical extension). */
  unjudged?: string;
}

const IDP = "2.5.29.28", DELTA = "2.5.29.27", CERTIFICATE_ISSUER = "2.5.29.29", KEY_USAGE = "2.5.29.15";
/** CRL extensions BoringSSL handles (x509_vfy.c, v3_crld.c, x_crl.c crl_set_issuers): others marked critical make the CRL unusable. */
const HANDLED = new Set(["2.5.29.20", "2.5.29.35", IDP, DELTA, "2.5.29.46"]);

/** A DER CertificateList. Throws DerError when it is not one. */
export function parseCrl(der: Buffer): Crl {
  const [tbsTlv, alg, sig] = children(only(der, TAG.SEQUENCE));
  if (!tbsTlv || !alg || !sig || sig.tag !== TAG.BIT_STRING) throw new DerError("not a CertificateList");
  const tbs = children(tbsTlv);
  let i = tbs[0]?.tag === TAG.INTEGER ? 1 : 0;
  const issuer = tbs[i + 1], thisUpdate = derTime(tbs[i + 2]);
  i += 3;
  let nextUpdate: Date | undefined;
  if (tbs[i] && (tbs[i].tag === TAG.UTC_TIME || tbs[i].tag === TAG.GENERALIZED_TIME)) nextUpdate = derTime(tbs[i++]);
  const revoked = new Set<string>();
  let unjudged: string | undefined;
  if (tbs[i]?.tag === TAG.SEQUENCE) {
    for (const entry of children(tbs[i++])) {
      const [serial, , ext] = children(entry);
      revoked.add(integerHex(serial.content));
      if (ext) {
        const exts = new Map<string, { critical: boolean; value: Buffer }>();
        for (const e of children(ext)) readExtension(e, exts);
        if (exts.has(CERTIFICATE_ISSUER)) unjudged ??= "an entry naming another certificate issuer (an indirect CRL)";
        for (const [oid, e] of exts) if (e.critical && oid !== CERTIFICATE_ISSUER && oid !== "2.5.29.21") unjudged ??= `a critical entry extension ${oid}`;
      }
    }
  }
  if (tbs[i]?.tag === 0xa0) {
    const exts = new Map<string, { critical: boolean; value: Buffer }>();
    for (const e of children(children(tbs[i])[0])) readExtension(e, exts);
    if (exts.has(IDP)) unjudged ??= "an issuing distribution point (its scope)";
    if (exts.has(DELTA)) unjudged ??= "a delta CRL";
    for (const [oid, e] of exts) if (e.critical && !HANDLED.has(oid)) unjudged ??= `a critical extension ${oid}`;
  }
  if (!issuer || issuer.tag !== TAG.SEQUENCE) throw new DerError("no issuer");
  return { issuer: issuer.bytes, thisUpdate, nextUpdate, revoked, tbs: tbsTlv.bytes, algorithm: oidText(children(alg)[0].content), signature: sig.content.subarray(1), ...(unjudged ? { unjudged } : {}) };
}

/** The PEM blocks of `text` in order: their label and DER. */
export function pemBlocks(text: string): { label: string; der: Buffer }[] {
  const out: { label: string; der: Buffer }[] = [];
  for (const m of text.matchAll(/-----BEGIN ([^-\n]*)-----\r?\n([\s\S]*?)-----END \1-----/g)) {
    out.push({ label: m[1], der: Buffer.from(m[2].replace(/[^A-Za-z0-9+/=]/g, ""), "base64") });
  }
  return out;
}

/** Go's time.Time %v in UTC ("2021-01-01 00:00:00 +0000 UTC"). */
const goTime = (d: Date) => `${d.toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;

/**
 * What Envoy Gateway's validateCrl (internal/gatewayapi/tls.go) refuses of a CRL reference's data: its
 * first PEM block (pem.Decode, any label) must be a CRL (x509.ParseRevocationList), not past its
 * nextUpdate nor before its thisUpdate. The other blocks it does not look at.
 */
export function validateCrl(text: string, now: Date): string | undefined {
  const first = pemBlocks(text)[0];
  if (!first) return "unable to decode pem data for CRL";
  let crl: Crl;
  try { crl = parseCrl(first.der); } catch { return "failed to parse CRL: x509: malformed crl"; }
  if (crl.nextUpdate && now > crl.nextUpdate) return `CRL is expired (next update was due at ${goTime(crl.nextUpdate)})`;
  if (now < crl.thisUpdate) return `CRL is not yet valid (this update starts at ${goTime(crl.thisUpdate)})`;
  return undefined;
}

/** The hash of a signature algorithm node's verify takes (null: the key decides, Ed25519); undefined: not read. */
const HASHES: Record<string, string | null> = {
  "1.2.840.113549.1.1.5": "sha1", "1.2.840.113549.1.1.14": "sha224", "1.2.840.113549.1.1.11": "sha256", "1.2.840.113549.1.1.12": "sha384", "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.1": "sha1", "1.2.840.10045.4.3.1": "sha224", "1.2.840.10045.4.3.2": "sha256", "1.2.840.10045.4.3.3": "sha384", "1.2.840.10045.4.3.4": "sha512", "1.3.101.112": null,
};

function signedBy(crl: Crl, key: KeyObject): boolean | undefined {
  const hash = HASHES[crl.algorithm];
  if (hash === undefined) return undefined;
  try { return verifySignature(hash, crl.tbs, key, crl.signature); } catch { return false; }
}

/** keyUsage present without cRLSign (bit 6): BoringSSL's X509_V_ERR_KEYUSAGE_NO_CRL_SIGN. */
function mayNotSignCrls(ca: X509Certificate): boolean {
  const ku = certificateParts(ca.raw).extensions.get(KEY_USAGE);
  if (!ku) return false;
  const bits = only(ku.value, TAG.BIT_STRING).content;
  return !(bits.length > 1 && bits[1] & 0x02);
}

export type CrlVerdict = { refused: string } | { undetermined: string } | undefined;

/**
 * The client certificate `leafPem` against the CRLs of `crlPem`, with the chain it verified against `cas`
 * (the leaf, then each certificate's issuer among the CAs up to a self-signed one; X509_V_FLAG_PARTIAL_CHAIN
 * ends it at a CA whose issuer is not there). Each certificate checked (the leaf alone with `leafOnly`,
 * else every one: CRL_CHECK_ALL) needs a CRL of its issuer's name (none: "unable to get certificate CRL"),
 * signed by its issuer (the next of the chain, the root itself; none: "unable to get CRL issuer"), whose
 * keyUsage, if any, has cRLSign, current at `now` (thisUpdate, nextUpdate), not listing its serial
 * ("certificate revoked"). Undefined: it passes.
 */
export function crlVerdict(leafPem: string, cas: readonly string[], crlPem: string, leafOnly: boolean, now: Date): CrlVerdict {
  let crls: Crl[];
  try {
    crls = pemBlocks(crlPem).filter((b) => b.label === "X509 CRL").map((b) => parseCrl(b.der));
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    return { undetermined: `a CRL of tls.clientValidation.crl that Junction cannot read (${e.message}), which Envoy may refuse with the listener` };
  }
  const chain = [new X509Certificate(leafPem)];
  const anchors = cas.map((p) => new X509Certificate(p));
  for (let cur = chain[0]; chain.length < 10 && !selfSigned(cur);) {
    const up = anchors.find((a) => !chain.includes(a) && cur.checkIssued(a) && cur.verify(a.publicKey));
    if (!up) break;
    chain.push(up);
    cur = up;
  }
  const last = leafOnly ? 0 : chain.length - 1;
  for (let i = 0; i <= last; i++) {
    const cert = chain[i], parts = certificateParts(cert.raw);
    const who = i === 0 ? "the client certificate" : `CA ${cert.subject.replace(/\n/g, ", ")} of its chain`;
    const mine = crls.filter((c) => c.issuer.equals(parts.issuer));
    if (!mine.length) return { refused: `no CRL of tls.clientValidation.crl is issued by ${who}'s issuer (Envoy: unable to get certificate CRL; with a CRL given, every certificate of the chain needs one unless onlyVerifyLeafCertificate)` };
    const issuer = chain[i + 1] ?? (selfSigned(cert) ? cert : undefined);
    if (!issuer) return { refused: `the issuer of ${who} is not among the CAs, so its CRL cannot be verified (Envoy: unable to get CRL issuer)` };
    const unjudged = mine.find((c) => c.unjudged);
    if (unjudged) return { undetermined: `the CRL of ${who}'s issuer has ${unjudged.unjudged}, which Junction does not judge` };
    if (mayNotSignCrls(issuer)) return { refused: `the issuer of ${who} has a keyUsage without cRLSign (Envoy: key usage does not include CRL signing)` };
    const signed = mine.map((c) => ({ c, ok: signedBy(c, issuer.publicKey) }));
    if (signed.some((s) => s.ok === undefined)) return { undetermined: `a CRL of ${who}'s issuer is signed with an algorithm Junction does not verify` };
    const current = signed.filter((s) => s.ok && now >= s.c.thisUpdate && !(s.c.nextUpdate && now > s.c.nextUpdate)).map((s) => s.c);
    if (!current.length) {
      const why = !signed.some((s) => s.ok) ? "CRL signature failure" : signed.some((s) => s.ok && now < s.c.thisUpdate) ? "CRL is not yet valid" : "CRL has expired";
      return { refused: `the CRL of ${who}'s issuer is not usable (Envoy: ${why})` };
    }
    const revoked = current.map((c) => c.revoked.has(parts.serial));
    if (revoked.some((r) => r !== revoked[0])) return { undetermined: `the current CRLs of ${who}'s issuer disagree on serial ${parts.serial}, and which one Envoy's store picks Junction does not tell` };
    if (revoked[0]) return { refused: `${who} (serial ${parts.serial}) is revoked by a CRL of tls.clientValidation.crl (Envoy: certificate revoked)` };
  }
  return undefined;
}

const selfSigned = (c: X509Certificate) => c.checkIssued(c) && c.verify(c.publicKey);

