// Client certificate validation at a TLS-terminating listener (spec.tls.frontend): the
// certificate a client presents must be issued by one of the CA certificates and be valid now.

import { X509Certificate } from "node:crypto";

export function issuedBy(certPem: string, caPems: readonly string[], now = new Date()): boolean {
  let cert: X509Certificate;
  try { cert = new X509Certificate(certPem); } catch { return false; }
  if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now) return false;
  return caPems.some((pem) => {
    try {
      const ca = new X509Certificate(pem);
      return cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch { return false; }
  });
}
