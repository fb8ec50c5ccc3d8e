// Reading X.509 certificates as TLS peers check them: subject alternative names, and whether a
// name a client asks for is covered by one (RFC 6125: a "*" stands for exactly one left-most label).

import { X509Certificate } from "node:crypto";

export interface SubjectAltNames { dns: string[]; uri: string[] }

export function subjectAltNames(pem: string): SubjectAltNames {
  let text: string | undefined;
  try { text = new X509Certificate(pem).subjectAltName; } catch { text = undefined; }
  const out: SubjectAltNames = { dns: [], uri: [] };
  for (const part of (text ?? "").split(/,\s*/)) {
    if (part.startsWith("DNS:")) out.dns.push(part.slice(4).toLowerCase());
    else if (part.startsWith("URI:")) out.uri.push(part.slice(4));
  }
  return out;
}

/** Whether a certificate DNS name covers the host (TLS name verification). */
export function dnsNameCovers(certName: string, host: string): boolean {
  if (certName === host) return true;
  if (!certName.startsWith("*.")) return false;
  const rest = host.slice(host.indexOf(".") + 1);
  return host.indexOf(".") > 0 && rest === certName.slice(2);
}
