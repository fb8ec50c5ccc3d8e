// The signature check of Envoy's jwt_authn, which is google/jwt_verify_lib's: the provider's inline JWKS
// as jwks.cc reads it (Jwks::createFromJwksCore: each key by its kty, a key that does not parse left out,
// none left: "Jwks doesn't have any valid public key"; without a [keys] field, a map of kid to X.509
// certificates) and the token checked against it as verify.cc does (verifyJwtWithoutTimeChecking).

import { constants, createHmac, createPublicKey, timingSafeEqual, verify as verifySignature, X509Certificate, type JsonWebKey, type KeyObject } from "node:crypto";

/** A key jwks.cc kept: its kty, kid and alg as written ("": none), and the public key. */
interface Jwk { kty: "EC" | "RSA" | "oct" | "OKP"; kid: string; alg: string; key?: KeyObject; secret?: Buffer }

/** What verify.cc needs of a parsed token. */
export interface SignedJwt { alg: string; kid?: string; signingInput: string; signature: Buffer }

/** status.cc getStatusString of the statuses met here. */
const TEXT = {
  parse: "Jwks is an invalid JSON",
  noKeys: "Jwks does not have [keys] field",
  badKeys: "[keys] in Jwks is not an array",
  noValid: "Jwks doesn't have any valid public key",
  mismatch: "Jwks doesn't have key to match kid or alg from Jwt",
  failed: "Jwt verification fails",
  ed25519Length: "Jwt ED25519 signature is wrong length",
};

/** absl::WebSafeBase64Unescape: the base64url alphabet, padding optional. */
export function base64url(s: string): Buffer | undefined {
  const body = s.replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9_-]*$/.test(body) || body.length % 4 === 1) return undefined;
  return Buffer.from(body, "base64url");
}

const X509_PREFIX = "-----BEGIN CERTIFICATE-----", X509_SUFFIX = "-----END CERTIFICATE-----";

/**
 * Jwks::createFromJwksCore: the keys of a JWKS text, or the status that leaves the provider without
 * keys (JwksDataImpl::setKey keeps no Jwks then, and every token fails with JwksNoValidKeys: the
 * authenticator's "No valid keys for this issuer").
 */
function keysOf(text: string): Jwk[] | string {
  let doc: unknown;
  try { doc = JSON.parse(text); } catch { return TEXT.parse; }
  // JsonStringToMessage into a Struct: the text must be a JSON object.
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return TEXT.parse;
  const fields = doc as Record<string, unknown>;
  if (!("keys" in fields)) {
    // shouldCheckX509: every field a kid naming a PEM certificate; createFromX509: its RSA key (any other fails the set).
    const certs = Object.entries(fields);
    if (!certs.length || !certs.every(([kid, v]) => kid && typeof v === "string" && v.startsWith(X509_PREFIX) && v.endsWith(X509_SUFFIX))) return TEXT.noKeys;
    const out: Jwk[] = [];
    for (const [kid, pem] of certs) {
      try {
        const key = new X509Certificate(pem as string).publicKey;
        if (key.asymmetricKeyType !== "rsa") return TEXT.noValid;
        out.push({ kty: "RSA", kid, alg: "", key });
      } catch { return TEXT.noValid; }
    }
    return out;
  }
  if (!Array.isArray(fields.keys)) return TEXT.badKeys;
  const out: Jwk[] = [];
  for (const k of fields.keys) {
    if (k === null || typeof k !== "object" || Array.isArray(k)) continue;
    const key = jwkOf(k as Record<string, unknown>);
    if (key) out.push(key);
  }
  return out.length ? out : TEXT.noValid;
}

/** jwks.cc extractJwk: one key by its kty, undefined when jwt_verify_lib refuses it (the set keeps the others). */
function jwkOf(k: Record<string, unknown>): Jwk | undefined {
  if (typeof k.kty !== "string") return undefined;
  const kid = typeof k.kid === "string" ? k.kid : "", alg = typeof k.alg === "string" ? k.alg : "";
  const str = (n: string) => (typeof k[n] === "string" ? k[n] as string : undefined);
  try {
    switch (k.kty) {
      case "EC": {
        // extractJwkFromJwkEC: an alg is ES*; with a crv too they must agree ("ES256" with "P-256", ...:
        // JwksECKeyAlgNotCompatibleWithCrv); neither: P-256; the curve is the alg's, else the crv's.
        if (alg && !alg.startsWith("ES")) return undefined;
        if (k.crv !== undefined && typeof k.crv !== "string") return undefined;
        const crv = (k.crv as string | undefined) ?? "";
        if (alg && crv && !((alg === "ES256" && crv === "P-256") || (alg === "ES384" && crv === "P-384") || (alg === "ES512" && crv === "P-521"))) return undefined;
        const curve = alg === "ES256" || crv === "P-256" || (!alg && !crv) ? "P-256" : alg === "ES384" || crv === "P-384" ? "P-384" : alg === "ES512" || crv === "P-521" ? "P-521" : undefined;
        const x = str("x"), y = str("y");
        if (!curve || x === undefined || y === undefined) return undefined;
        return { kty: "EC", kid, alg, key: createPublicKey({ key: { kty: "EC", crv: curve, x, y } as JsonWebKey, format: "jwk" }) };
      }
      case "RSA": {
        // extractJwkFromJwkRSA: an alg is RS* (a PS* one is refused: JwksRSAKeyBadAlg); createRsaFromJwk: e is 3 or 65537.
        if (alg && !alg.startsWith("RS")) return undefined;
        const n = str("n"), e = str("e");
        const exponent = e !== undefined ? base64url(e) : undefined;
        if (n === undefined || !exponent) return undefined;
        const value = exponent.reduce((a, b) => a * 256n + BigInt(b), 0n);
        if (value !== 3n && value !== 65537n) return undefined;
        return { kty: "RSA", kid, alg, key: createPublicKey({ key: { kty: "RSA", n, e } as JsonWebKey, format: "jwk" }) };
      }
      case "oct": {
        // extractJwkFromJwkOct: an alg is HS256, HS384 or HS512; k a non-empty base64url value.
        if (alg && !["HS256", "HS384", "HS512"].includes(alg)) return undefined;
        const secret = str("k") !== undefined ? base64url(str("k")!) : undefined;
        return secret?.length ? { kty: "oct", kid, alg, secret } : undefined;
      }
      case "OKP": {
        // extractJwkFromJwkOKP: an alg is EdDSA; crv Ed25519; x the 32-byte key.
        if ((alg && alg !== "EdDSA") || k.crv !== "Ed25519") return undefined;
        const x = str("x");
        if (x === undefined || base64url(x)?.length !== 32) return undefined;
        return { kty: "OKP", kid, alg, key: createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x } as JsonWebKey, format: "jwk" }) };
      }
      default: return undefined;
    }
  } catch { return undefined; }
}

/**
 * The token's signature against the provider's inline JWKS (verify.cc verifyJwtWithoutTimeChecking):
 * each key whose kid (when both have one) and alg (when the key has one) agree with the token's is
 * tried by its kty, whatever the token's alg says of the key type: an EC key with the digest of the
 * token's alg (ES384: SHA-384, ES512: SHA-512, else SHA-256) on the key's own curve, an RSA key for an
 * RS* or PS* alg, an oct key as HMAC (HS384, HS512, else SHA-256), an Ed25519 key. "Ok", else the
 * failure's text; undefined: no inline JWKS (the keys are at a jwksUri, or found from the issuer),
 * which Junction cannot fetch.
 */
export function checkSignature(jwks: string | undefined, jwt: SignedJwt): "Ok" | string | undefined {
  if (jwks === undefined) return undefined;
  const keys = keysOf(jwks);
  if (typeof keys === "string") return keys === TEXT.parse || keys === TEXT.noKeys || keys === TEXT.badKeys ? TEXT.noValid : keys;
  const input = Buffer.from(jwt.signingInput);
  let matched = false;
  for (const k of keys) {
    if (jwt.kid && k.kid && k.kid !== jwt.kid) continue;
    if (k.alg && k.alg !== jwt.alg) continue;
    matched = true;
    if (k.kty === "OKP") {
      // verifySignatureEd25519: a signature of another length ends the search.
      if (jwt.signature.length !== 64) return TEXT.ed25519Length;
      if (safely(() => verifySignature(null, input, k.key!, jwt.signature))) return "Ok";
      continue;
    }
    if (verifiedBy(k, jwt.alg, input, jwt.signature)) return "Ok";
  }
  return matched ? TEXT.failed : TEXT.mismatch;
}

function verifiedBy(k: Jwk, alg: string, input: Buffer, signature: Buffer): boolean {
  const bits = /384$/.test(alg) ? "384" : /512$/.test(alg) ? "512" : "256";
  return safely(() => {
    switch (k.kty) {
      // verifySignatureEC: md by "ES384"/"ES512", else SHA-256; r and s the two halves of the signature.
      case "EC": return verifySignature(alg === "ES384" ? "sha384" : alg === "ES512" ? "sha512" : "sha256", input, { key: k.key!, dsaEncoding: "der" }, ecdsaDer(signature));
      case "RSA":
        if (alg.startsWith("RS")) return verifySignature(`sha${bits}`, input, k.key!, signature);
        // verifySignatureRSAPSS sets the padding and the MGF1 digest, not the salt length: BoringSSL's default,
        // pkey_rsa_init "rctx->saltlen = -2", recovers it from the signature (RSA_PSS_SALTLEN_AUTO).
        if (alg.startsWith("PS")) return verifySignature(`sha${bits}`, input, { key: k.key!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
        return false;
      case "oct": {
        const mac = createHmac(alg === "HS384" ? "sha384" : alg === "HS512" ? "sha512" : "sha256", k.secret!).update(input).digest();
        return mac.length === signature.length && timingSafeEqual(mac, signature);
      }
      default: return false;
    }
  });
}

function safely(f: () => boolean): boolean {
  try { return f(); } catch { return false; }
}

/** BN_bin2bn of each half (signature_len / 2 bytes), as a DER ECDSA-Sig-Value. */
function ecdsaDer(sig: Buffer): Buffer {
  const half = Math.floor(sig.length / 2);
  const int = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    const body = v.length && v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v.length ? v : Buffer.from([0]);
    return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
  };
  const seq = Buffer.concat([int(sig.subarray(0, half)), int(sig.subarray(half, 2 * half))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(seq.length), seq]);
}

function derLength(n: number): Buffer {
  return n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
}
