// A small reader of DER (X.690 distinguished encoding): what Junction needs of X.509 structures node's
// crypto does not expose (a CRL, a certificate's issuer and subject names as bytes, its otherName SANs).
// Definite lengths only, as DER has; anything else is a DerError.

export class DerError extends Error {}

/** One tag-length-value: `tag` the identifier octet (class and constructed bit included), `bytes` the whole TLV, `content` its value. */
export interface Tlv { tag: number; bytes: Buffer; content: Buffer }

/** The TLV starting at `at` of `buf`. */
export function readTlv(buf: Buffer, at = 0): Tlv {
  if (at + 2 > buf.length) throw new DerError("truncated");
  const tag = buf[at];
  if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not read");
  let len = buf[at + 1], head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || at + 2 + n > buf.length) throw new DerError("bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i];
    head += n;
  }
  if (at + head + len > buf.length) throw new DerError("truncated");
  return { tag, bytes: buf.subarray(at, at + head + len), content: buf.subarray(at + head, at + head + len) };
}

/** The TLVs of a constructed value's content, in order. */
export function children(t: Tlv): Tlv[] {
  if (!(t.tag & 0x20)) throw new DerError(`tag 0x${t.tag.toString(16)} is not constructed`);
  const out: Tlv[] = [];
  for (let at = 0; at < t.content.length;) {
    const c = readTlv(t.content, at);
    out.push(c);
    at += c.bytes.length;
  }
  return out;
}

/** A whole buffer that must be exactly one TLV of `tag`. */
export function only(buf: Buffer, tag: number): Tlv {
  const t = readTlv(buf);
  if (t.tag !== tag || t.bytes.length !== buf.length) throw new DerError(`expected one value of tag 0x${tag.toString(16)}`);
  return t;
}

export const TAG = { BOOLEAN: 0x01, INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06, ENUMERATED: 0x0a, UTF8: 0x0c, SEQUENCE: 0x30, SET: 0x31, UTC_TIME: 0x17, GENERALIZED_TIME: 0x18 } as const;

/** An OBJECT IDENTIFIER's content as dotted text (OBJ_obj2txt with no_name). */
export function oidText(content: Buffer): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) { arcs.push(v); v = 0n; }
  }
  if (!arcs.length) throw new DerError("empty OID");
  const first = arcs[0] < 40n ? 0n : arcs[0] < 80n ? 1n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join(".");
}

/** Dotted text as an OBJECT IDENTIFIER's content, or undefined when it is not one (OBJ_txt2obj of a numeric OID). */
export function oidContent(text: string): Buffer | undefined {
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(text)) return undefined;
  const arcs = text.split(".").map((a) => BigInt(a));
  if (arcs[0] < 2n && arcs[1] > 39n) return undefined;
  const out: number[] = [];
  for (const arc of [arcs[0] * 40n + arcs[1], ...arcs.slice(2)]) {
    const bytes = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) bytes.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...bytes);
  }
  return Buffer.from(out);
}

/** A UTCTime (RFC 5280: YY below 50 is 20YY) or GeneralizedTime, in UTC ("Z"). */
export function derTime(t: Tlv): Date {
  const s = t.content.toString("latin1");
  const m = t.tag === TAG.UTC_TIME ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s) : t.tag === TAG.GENERALIZED_TIME ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(s) : null;
  if (!m) throw new DerError(`bad time ${JSON.stringify(s)}`);
  const year = t.tag === TAG.UTC_TIME ? (Number(m[1]) < 50 ? 2000 : 1900) + Number(m[1]) : Number(m[1]);
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}

/** An INTEGER's content as the unsigned hex of its value, without leading zeros (BN_bn2hex, lower case; serial numbers). */
export function integerHex(content: Buffer): string {
  const hex = content.toString("hex").replace(/^(00)+/, "");
  return hex.replace(/^0/, "") || "0";
}

/** An INTEGER's content as decimal text (BN_bn2dec). */
export function integerDecimal(content: Buffer): string {
  if (!content.length) return "0";
  let v = BigInt(`0x${content.toString("hex")}`);
  if (content[0] & 0x80) v -= 1n << BigInt(content.length * 8);
  return v.toString();
}

/** The parts of a certificate Junction reads that node's X509Certificate does not give. */
export interface CertificateParts {
  /** The serial number (integerHex). */
  serial: string;
  /** The issuer and subject Names, DER. */
  issuer: Buffer;
  subject: Buffer;
  /** The extensions by OID: critical or not, and the extnValue's content. */
  extensions: Map<string, { critical: boolean; value: Buffer }>;
}

/** A DER certificate's serial, names and extensions (RFC 5280 TBSCertificate). */
export function certificateParts(der: Buffer): CertificateParts {
  const tbs = children(children(only(der, TAG.SEQUENCE))[0]);
  const i = tbs[0].tag === 0xa0 ? 1 : 0;
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  const ext = tbs.slice(i + 6).find((t) => t.tag === 0xa3);
  if (ext) for (const e of children(children(ext)[0])) readExtension(e, extensions);
  return { serial: integerHex(tbs[i].content), issuer: tbs[i + 2].bytes, subject: tbs[i + 4].bytes, extensions };
}

/** One Extension (extnID, critical DEFAULT FALSE, extnValue) into `into`. */
export function readExtension(e: Tlv, into: Map<string, { critical: boolean; value: Buffer }>): void {
  const parts = children(e);
  const critical = parts.length === 3 && parts[1].tag === TAG.BOOLEAN && parts[1].content[0] !== 0;
  into.set(oidText(parts[0].content), { critical, value: parts[parts.length - 1].content });
}
